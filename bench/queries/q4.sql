-- db-benchmark groupby q4 ("mean v1:v3 by id4"). The same text runs in sluice and DuckDB:
--   mpirun -n R build/sluice run bench/queries/q4.sql -D input=FILE --format csv
--   node bench/duckdb_bench.js bench/queries/q4.sql FILE OUT.csv
SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3
FROM read_csv('${input}')
GROUP BY id4;
