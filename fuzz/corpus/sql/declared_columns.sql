SELECT g, sum(i1) AS s1, sum(d5) AS s5, count(*) AS n
FROM read_csv('${dir}/*.csv', header=true, delim=',', quote='"',
              columns={'k': 'BIGINT', 'g': 'VARCHAR', 'i1': 'BIGINT', 'i2': 'BIGINT',
                       'i3': 'BIGINT', 'i4': 'BIGINT', 'i5': 'BIGINT', 'd1': 'DOUBLE',
                       'd2': 'DOUBLE', 'd3': 'DOUBLE', 'd4': 'DOUBLE', 'd5': 'DOUBLE'})
GROUP BY g;
