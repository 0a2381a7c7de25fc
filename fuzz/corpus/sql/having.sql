SELECT k, count(*) AS n FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) GROUP BY k HAVING sum(i1) > 0 AND count(d1) >= 70;
