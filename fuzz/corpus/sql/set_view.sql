SET blocksize = '64KB';
CREATE VIEW v AS SELECT * FROM read_csv(['a.csv', 'b.csv'], columns={'x': 'DOUBLE', 'd': 'DATE'});
EXPLAIN SELECT DISTINCT x FROM v WHERE x BETWEEN 1 AND ${a} ORDER BY x DESC NULLS FIRST LIMIT 3 OFFSET 1;
