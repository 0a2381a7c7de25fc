SELECT id, COALESCE(name, city, 'nobody') AS who, COALESCE(age, -999) AS a,
       COALESCE(score, age, 0.5) AS s
FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'});
