SELECT id, name, lower(name) AS l, upper(name) AS u, length(name) AS n, substr(name, 2, 4) AS s,
       length(city) AS nc, upper(city) AS uc
FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'});
