SELECT a, b, c, d FROM read_csv('${dir}/*.csv', header=false, columns={'a': 'BIGINT'});
