-- db-benchmark groupby q1 ("sum v1 by id1") over the G1 table.
-- Run: mpirun -n R build/sluice run bench/sluice_q1.sql -D input=FILE_OR_GLOB --format csv
-- The result (100 rows for K=100) prints on stdout; bench/run.sh checks it against pandas.
SELECT id1, sum(v1) AS v1
FROM read_csv('${input}')
GROUP BY id1;
