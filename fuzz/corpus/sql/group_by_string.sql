SELECT city, count(*), count(age), sum(age), avg(score), min(score), max(born), min(name)
FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) GROUP BY city;
