SELECT count(*) AS groups, sum(n) AS total, max(avg_age) AS mx, min(avg_age) AS mn
FROM (SELECT city, count(*) AS n, avg(age) AS avg_age FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) GROUP BY city) AS t;
