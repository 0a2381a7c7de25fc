SELECT g, count(*) AS n, sum(t) AS s
FROM (SELECT g, i1 + i2 AS t, d1 FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) WHERE k > 5) AS sub
WHERE t > 0 GROUP BY g;
