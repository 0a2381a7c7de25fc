SELECT g, k, count(*), sum(i1 - i2), min(d2 * 2), max(abs(d3)), avg(i5) FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) GROUP BY k, g;
