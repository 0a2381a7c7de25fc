-- db-benchmark groupby q3 ("sum v1 mean v3 by id3"). The same text runs in sluice and DuckDB:
--   mpirun -n R build/sluice run bench/queries/q3.sql -D input=FILE --format csv
--   node bench/duckdb_bench.js bench/queries/q3.sql FILE OUT.csv
SELECT id3, sum(v1) AS v1, avg(v3) AS v3
FROM read_csv('${input}')
GROUP BY id3;
