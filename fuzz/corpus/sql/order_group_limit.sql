SELECT k, g, sum(i1) AS s FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) WHERE k IS NOT NULL AND g IS NOT NULL
GROUP BY k, g ORDER BY s DESC, k, g LIMIT 10;
