SELECT active, count(*), avg(age), min(seen), max(seen) FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) GROUP BY active;
