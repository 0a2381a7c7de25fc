-- bench "sort": ORDER BY two keys over the whole db-benchmark table, written with COPY.
-- Run: mpirun -n R build/sluice run bench/sluice_sort.sql -D input=FILE -D output=DIR
-- Every rank writes its slice of the global order; the part files in manifest order are the
-- sorted table. DuckDB runs the same text (bench/sort.sh).
COPY (
    SELECT id1, id2, id3, id4, id5, id6, v1, v2, v3
    FROM read_csv('${input}')
    ORDER BY id3 DESC, v3
) TO '${output}' (FORMAT csv, HEADER);
