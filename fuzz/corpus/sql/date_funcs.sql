SELECT id, year(born) AS y, month(born) AS m, day(born) AS d, year(seen) AS ys,
       month(seen) AS ms, day(seen) AS ds
FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'});
