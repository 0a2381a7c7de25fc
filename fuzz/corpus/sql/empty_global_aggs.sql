SELECT count(*), count(age), sum(age), avg(score), min(born), max(name), sum(score)
FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) WHERE id < -1000;
