SELECT k, count(*), sum(i1), sum(i2), avg(i3), min(i4), max(i5), sum(d1), avg(d2), min(d3),
       max(d4), count(d5)
FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) GROUP BY k;
