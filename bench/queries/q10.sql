-- db-benchmark groupby q10 ("sum v3 count by id1:id6", ~1 group per 10 rows at 1e7 rows,
-- ~1e6 groups at 1e6 rows): the high-cardinality aggregation of issue 14. The same text runs
-- in sluice and DuckDB:
--   mpirun -n R build/sluice run bench/queries/q10.sql -D input=FILE --format csv
--   node bench/duckdb_bench.js bench/queries/q10.sql FILE OUT.csv
SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS cnt
FROM read_csv('${input}')
GROUP BY id1, id2, id3, id4, id5, id6;
