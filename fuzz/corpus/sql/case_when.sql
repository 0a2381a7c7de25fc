SELECT bucket, act, count(*) AS n
FROM (SELECT CASE WHEN age < 0 THEN 'unknown' WHEN age < 18 THEN 'minor'
                  WHEN age < 65 THEN 'adult' ELSE 'senior or null' END AS bucket,
             CASE active WHEN true THEN 'yes' WHEN false THEN 'no' END AS act
      FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'})) AS t
GROUP BY bucket, act;
