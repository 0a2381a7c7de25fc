SELECT id, name, score FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) WHERE score IS NOT NULL AND id IS NOT NULL
ORDER BY score DESC, id LIMIT 25;
