SELECT id, age + 1 AS a1, age * 2 - 3 AS a2, -age AS neg, score * 2 AS s2, score - age AS d
FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'});
