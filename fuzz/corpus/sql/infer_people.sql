SELECT id, code, age + 1 AS a, year(born) AS y, score * 2 AS s, active
FROM read_csv('${dir}/*.csv', header=true);
