SELECT k, count(*), sum(i1) FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) WHERE i1 > 1000000000 GROUP BY k;
