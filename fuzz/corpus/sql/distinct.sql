SELECT DISTINCT city, active FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'});
