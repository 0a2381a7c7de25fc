-- db-benchmark groupby q8 ("largest two v3 by id6"), as DuckDB's benchmark script writes it:
-- a window (row_number per id6, hash exchange + sort + window operator in sluice). The same
-- text runs in sluice and DuckDB:
--   mpirun -n R build/sluice run bench/queries/q8.sql -D input=FILE --format csv
--   node bench/duckdb_bench.js bench/queries/q8.sql FILE OUT.csv
SELECT id6, largest2_v3
FROM (SELECT id6, v3 AS largest2_v3,
             row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS order_v3
      FROM read_csv('${input}')
      WHERE v3 IS NOT NULL) AS sub_query
WHERE order_v3 <= 2;
