-- db-benchmark groupby q7 ("max v1 - min v2 by id3"). The same text runs in sluice and DuckDB:
--   mpirun -n R build/sluice run bench/queries/q7.sql -D input=FILE --format csv
--   node bench/duckdb_bench.js bench/queries/q7.sql FILE OUT.csv
SELECT id3, max(v1) - min(v2) AS range_v1_v2
FROM read_csv('${input}')
GROUP BY id3;
