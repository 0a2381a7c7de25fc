-- bench/band_q.sql: band joins (src/exec/join_bounds.c), each reduced to one row (q, n, v1,
-- v2). Run by sluice (-D t=... -D events=... -D spans=... -D windows=...) and, statement by statement, by
-- DuckDB (bench/duckdb_join.js) from this same file; data from bench/band_join.sh.
CREATE VIEW t AS SELECT * FROM read_csv('${t}', header = true);
CREATE VIEW events AS SELECT * FROM read_csv('${events}', header = true);
CREATE VIEW spans AS SELECT * FROM read_csv('${spans}', header = true);
CREATE VIEW windows AS SELECT * FROM read_csv('${windows}', header = true);
-- keys and one integer band: 13 keys, 7.7e8 candidate pairs, ~0.5 % pass
SELECT 'band' AS q, count(*) AS n, sum(a.id - b.id) AS v1, sum(b.n) AS v2 FROM t a JOIN t b ON a.g = b.g AND a.n > b.n + 1800;
-- keys and a DOUBLE BETWEEN
SELECT 'dband' AS q, count(*) AS n, sum(a.id) AS v1, sum(b.id) AS v2 FROM t a JOIN t b ON a.g = b.g AND a.v BETWEEN b.v - 0.0001 AND b.v + 0.0001;
-- no keys: which span holds each event (an interval join)
SELECT 'spans' AS q, count(*) AS n, sum(e.id) AS v1, sum(s.lo) AS v2 FROM events e JOIN spans s ON e.ts BETWEEN s.lo AND s.hi;
-- the same against overlapping windows (up to 20,000 wide: ~20 per event)
SELECT 'windows' AS q, count(*) AS n, sum(e.id) AS v1, sum(w.lo) AS v2 FROM events e JOIN windows w ON e.ts BETWEEN w.lo AND w.hi;
-- no keys, FULL: every event and every span, matched or not (round 22: the right side
-- broadcast and the ranks' matched marks OR-ed, where both sides were gathered to rank 0)
SELECT 'spans_full' AS q, count(*) AS n, sum(e.id) AS v1, sum(s.lo) AS v2 FROM events e FULL JOIN spans s ON e.ts BETWEEN s.lo AND s.hi;
-- no keys, RIGHT: every window with its events
SELECT 'windows_right' AS q, count(*) AS n, sum(e.id) AS v1, sum(w.lo) AS v2 FROM events e RIGHT JOIN windows w ON e.ts BETWEEN w.lo AND w.hi;
-- correlated NOT EXISTS with a band (ANTI join)
SELECT 'notexists' AS q, count(*) AS n, sum(id) AS v1, sum(n) AS v2 FROM t WHERE NOT EXISTS (SELECT 1 FROM t u WHERE u.g = t.g AND u.n > t.n + 1900);
