-- db-benchmark groupby q2 ("sum v1 by id1:id2"). The same text runs in sluice and DuckDB:
--   mpirun -n R build/sluice run bench/queries/q2.sql -D input=FILE --format csv
--   node bench/duckdb_bench.js bench/queries/q2.sql FILE OUT.csv
SELECT id1, id2, sum(v1) AS v1
FROM read_csv('${input}')
GROUP BY id1, id2;
