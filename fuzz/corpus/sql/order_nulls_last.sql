SELECT id, age, city FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) WHERE id IS NOT NULL ORDER BY age DESC, city, id;
