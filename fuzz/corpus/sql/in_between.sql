SELECT id, city, age, born FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'})
WHERE city IN ('Paris', 'Zürich', '東京', 'Washington, D.C.') AND age BETWEEN 20 AND 60
  AND age NOT IN (21, 22, 23) AND born BETWEEN CAST('1950-01-01' AS DATE) AND CAST('1999-12-31' AS DATE)
  AND seen >= CAST('2021-06-01 00:00:00' AS TIMESTAMP);
