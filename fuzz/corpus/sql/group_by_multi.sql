SELECT city, active, count(*) AS n, sum(score) AS s FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) GROUP BY city, active;
