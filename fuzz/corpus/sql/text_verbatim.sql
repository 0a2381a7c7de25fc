SELECT id, name, note, length(note) AS n FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) WHERE note IS NOT NULL;
