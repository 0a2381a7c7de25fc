-- db-benchmark groupby q10 ("sum v3 count by id1:id6": ~1 group per row) written with COPY, as
-- issue 14 measures it: sluice writes one part file per rank, DuckDB one file. The same text
-- runs in both:
--   mpirun -n R build/sluice run bench/queries/q10_copy.sql -D input=FILE -D output=DIR
--   node bench/duckdb_bench.js bench/queries/q10_copy.sql FILE OUTDIR
COPY (
    SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS cnt
    FROM read_csv('${input}')
    GROUP BY id1, id2, id3, id4, id5, id6
) TO '${output}' (FORMAT csv, HEADER);
