SELECT g, count(*) AS n, sum(i2) AS s FROM read_csv('${dir}/*.csv', header=true, columns=${columns_sql})
GROUP BY g;
