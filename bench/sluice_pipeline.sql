-- bench "pipeline": filter -> derived column -> group by two keys -> three aggregates -> COPY.
-- Run: mpirun -n R build/sluice run bench/sluice_pipeline.sql -D input=FILE_OR_GLOB -D output=DIR
-- Same job as bench/pandas_pipeline.py; DIR gets part-<rank>-<seq>.csv files and _SUCCESS.
COPY (
    SELECT id1, id4, sum(w) AS sum_w, count(*) AS n, avg(v2) AS avg_v2
    FROM (
        SELECT id1, id4, v1 * v3 AS w, v2
        FROM read_csv('${input}')
        WHERE v3 > 10
    )
    GROUP BY id1, id4
) TO '${output}' (FORMAT csv, HEADER);
