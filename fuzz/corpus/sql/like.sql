SELECT id, name FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'})
WHERE (name LIKE '%, %' AND name NOT LIKE '%ü%') OR name LIKE 'O''%' OR city LIKE '%o';
