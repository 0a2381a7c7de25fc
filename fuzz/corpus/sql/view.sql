CREATE VIEW adults AS
  SELECT id, name, city, age, score FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'}) WHERE age >= 18;
SELECT city, count(*) AS n, max(age) AS oldest, sum(score) AS s FROM adults GROUP BY city;
