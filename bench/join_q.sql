-- bench/join_q.sql: db-benchmark's join questions q1-q5 (J1 tables, scripts/gen_join_data.py),
-- each reduced to db-benchmark's check (count, sum(v1), sum(v2)) so only one row comes back.
-- Run by sluice (-D x=... -D small=... -D medium=... -D big=...) and, statement by statement,
-- by DuckDB (bench/duckdb_join.js) from this same file.
CREATE VIEW x AS SELECT * FROM read_csv('${x}', header = true);
CREATE VIEW small AS SELECT * FROM read_csv('${small}', header = true);
CREATE VIEW medium AS SELECT * FROM read_csv('${medium}', header = true);
CREATE VIEW big AS SELECT * FROM read_csv('${big}', header = true);
-- q1: small inner on int
SELECT 'q1' AS q, count(*) AS n, sum(v1) AS v1, sum(v2) AS v2 FROM (SELECT x.*, small.id4 AS small_id4, v2 FROM x JOIN small USING (id1));
-- q2: medium inner on int
SELECT 'q2' AS q, count(*) AS n, sum(v1) AS v1, sum(v2) AS v2 FROM (SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 FROM x JOIN medium USING (id2));
-- q3: medium outer on int
SELECT 'q3' AS q, count(*) AS n, sum(v1) AS v1, sum(v2) AS v2 FROM (SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 FROM x LEFT JOIN medium USING (id2));
-- q4: medium inner on factor
SELECT 'q4' AS q, count(*) AS n, sum(v1) AS v1, sum(v2) AS v2 FROM (SELECT x.*, medium.id1 AS medium_id1, medium.id2 AS medium_id2, medium.id4 AS medium_id4, v2 FROM x JOIN medium USING (id5));
-- q5: big inner on int
SELECT 'q5' AS q, count(*) AS n, sum(v1) AS v1, sum(v2) AS v2 FROM (SELECT x.*, big.id1 AS big_id1, big.id2 AS big_id2, big.id4 AS big_id4, big.id5 AS big_id5, big.id6 AS big_id6, v2 FROM x JOIN big USING (id3));
