SELECT id, CAST(age AS VARCHAR) AS a, CAST(born AS VARCHAR) AS b, CAST(id AS DOUBLE) / 8 AS x,
       CAST(round(score) AS BIGINT) AS r, CAST(seen AS DATE) AS d, CAST(active AS VARCHAR) AS t,
       TRY_CAST(code AS BIGINT) AS c, CAST('2024-02-29' AS DATE) AS leap
FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) WHERE code NOT IN ('1e5', '0x1F');
