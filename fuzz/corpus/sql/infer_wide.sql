SELECT k, sum(i1) AS s, sum(d1) AS sd, max(i2) + 1 AS m FROM read_csv('${dir}/*.csv') GROUP BY k;
