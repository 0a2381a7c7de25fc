SELECT count(*), sum(i1), sum(i2), avg(i3), min(i4), max(i5), count(d1), sum(d1), avg(d2),
       min(d3), max(d4), sum(d5), sum(i1 * 2 + i2), avg(d1 + d2)
FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'});
