SELECT id, lower(code) AS l, upper(code) AS u, length(code) AS n, substr(code, 2, 3) AS s,
       trim(name) AS t, concat(code, '-', city) AS c, code || '/' || city AS p
FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'});
