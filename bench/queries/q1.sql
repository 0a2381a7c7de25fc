-- db-benchmark groupby q1 ("sum v1 by id1"). The same text runs in sluice and DuckDB:
--   mpirun -n R build/sluice run bench/queries/q1.sql -D input=FILE --format csv
--   node bench/duckdb_bench.js bench/queries/q1.sql FILE OUT.csv
SELECT id1, sum(v1) AS v1
FROM read_csv('${input}')
GROUP BY id1;
