SELECT i1, i2, i1 / 7 AS q, i1 % 7 AS r, abs(i2) AS a, floor(d1) AS f, ceil(d1) AS c,
       round(d2) AS r0, round(d2, 1) AS r1, round(i1 / 3, 2) AS r2, -d3 AS n, d4 * 0.1 + i3 AS m
FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'});
