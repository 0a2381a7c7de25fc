SELECT count(*) AS n FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) WHERE false;
