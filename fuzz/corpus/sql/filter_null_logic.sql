SELECT id, age, score, active FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'})
WHERE (age > 50 OR score < 0) AND NOT (active = false) AND (active OR age < 90);
