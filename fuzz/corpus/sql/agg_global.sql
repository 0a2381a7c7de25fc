SELECT count(*), count(age), sum(age), avg(age), min(age), max(age),
       count(score), sum(score), avg(score), min(score), max(score),
       min(born), max(born), min(seen), max(seen), min(name), max(name), count(note),
       min(active), max(active), count(active)
FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'});
