-- db-benchmark groupby q5 ("sum v1:v3 by id6"). The same text runs in sluice and DuckDB:
--   mpirun -n R build/sluice run bench/queries/q5.sql -D input=FILE --format csv
--   node bench/duckdb_bench.js bench/queries/q5.sql FILE OUT.csv
SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3
FROM read_csv('${input}')
GROUP BY id6;
