SELECT year(seen) AS y, month(seen) AS m, count(*) AS n, avg(age) AS a FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'})
GROUP BY year(seen), month(seen) ORDER BY y, m;
