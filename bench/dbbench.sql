-- db-benchmark groupby, load + q1-q10 in one job, the questions exactly as DuckDB's benchmark
-- script (duckdblabs/db-benchmark, duckdb/groupby-duckdb.R) writes them, each answer kept as
-- a table (CREATE TABLE ans AS ..., as that script does) and followed by its check row
-- (count and column sums, db-benchmark's "chk"). The same text runs in sluice and DuckDB:
--   mpirun -n R build/sluice run bench/dbbench.sql -D input=FILE --format csv
--   node bench/dbbench_duckdb.js bench/dbbench.sql FILE
-- bench/dbbench.sh runs both (and pandas, Dask), checks the answers and times each statement.
CREATE TABLE x AS SELECT * FROM read_csv('${input}');
-- q1: sum v1 by id1
CREATE TABLE ans1 AS SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1;
SELECT 'q1' AS q, count(*) AS n, sum(v1) AS c1 FROM ans1;
-- q2: sum v1 by id1:id2
CREATE TABLE ans2 AS SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2;
SELECT 'q2' AS q, count(*) AS n, sum(v1) AS c1 FROM ans2;
-- q3: sum v1 mean v3 by id3
CREATE TABLE ans3 AS SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3;
SELECT 'q3' AS q, count(*) AS n, sum(v1) AS c1, sum(v3) AS c2 FROM ans3;
-- q4: mean v1:v3 by id4
CREATE TABLE ans4 AS SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4;
SELECT 'q4' AS q, count(*) AS n, sum(v1) AS c1, sum(v2) AS c2, sum(v3) AS c3 FROM ans4;
-- q5: sum v1:v3 by id6
CREATE TABLE ans5 AS SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6;
SELECT 'q5' AS q, count(*) AS n, sum(v1) AS c1, sum(v2) AS c2, sum(v3) AS c3 FROM ans5;
-- q6: median v3 sd v3 by id4 id5
CREATE TABLE ans6 AS SELECT id4, id5, quantile_cont(v3, 0.5) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5;
SELECT 'q6' AS q, count(*) AS n, sum(median_v3) AS c1, sum(sd_v3) AS c2 FROM ans6;
-- q7: max v1 - min v2 by id3
CREATE TABLE ans7 AS SELECT id3, max(v1)-min(v2) AS range_v1_v2 FROM x GROUP BY id3;
SELECT 'q7' AS q, count(*) AS n, sum(range_v1_v2) AS c1 FROM ans7;
-- q8: largest two v3 by id6
CREATE TABLE ans8 AS SELECT id6, v3 AS largest2_v3 FROM (SELECT id6, v3, row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS order_v3 FROM x WHERE v3 IS NOT NULL) sub_query WHERE order_v3 <= 2;
SELECT 'q8' AS q, count(*) AS n, sum(largest2_v3) AS c1 FROM ans8;
-- q9: regression v1 v2 by id2 id4
CREATE TABLE ans9 AS SELECT id2, id4, pow(corr(v1, v2), 2) AS r2_v1_v2 FROM x GROUP BY id2, id4;
-- (r2 is NaN for a group whose v1 or v2 is constant; the check sums the others)
SELECT 'q9' AS q, count(*) AS n, sum(r2_v1_v2) FILTER (WHERE r2_v1_v2 <= 1) AS c1 FROM ans9;
-- q10: sum v3 count by id1:id6
CREATE TABLE ans10 AS SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x GROUP BY id1, id2, id3, id4, id5, id6;
SELECT 'q10' AS q, count(*) AS n, sum(v3) AS c1, sum(count) AS c2 FROM ans10;
