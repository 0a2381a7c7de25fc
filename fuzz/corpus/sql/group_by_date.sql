SELECT born, count(*), sum(age), max(id) FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) GROUP BY born;
