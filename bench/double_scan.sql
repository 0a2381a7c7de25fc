-- bench/double_scan.sh: every column of a CSV of full-precision doubles converted (what
-- pandas' to_csv and numpy write: "0.5488135039273248", "1.2345e-05"). min and max are exact,
-- so the answer is checked against Python's float() bit for bit; the sums to 1e-9.
SELECT count(*) AS n, min(x) AS min_x, max(x) AS max_x, sum(x) AS sum_x,
       min(y) AS min_y, max(y) AS max_y, sum(y) AS sum_y,
       min(z) AS min_z, max(z) AS max_z, sum(z) AS sum_z
FROM read_csv('${input}');
