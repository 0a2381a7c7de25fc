-- CSV scan with every column converted (bench/csv_scan.sh): three strings, six numbers, one
-- row out, so the time is the scan's. The same text runs in DuckDB (the answer's oracle).
SELECT count(*) AS n, max(id1) AS id1, max(id2) AS id2, max(id3) AS id3, sum(id4) AS id4,
       sum(id5) AS id5, sum(id6) AS id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3
FROM read_csv('${input}');
