SELECT sum(CASE WHEN id IS NULL THEN 1 ELSE 0 END) AS n_id,
       sum(CASE WHEN name IS NULL THEN 1 ELSE 0 END) AS n_name,
       sum(CASE WHEN city IS NULL THEN 1 ELSE 0 END) AS n_city,
       sum(CASE WHEN age IS NULL THEN 1 ELSE 0 END) AS n_age,
       sum(CASE WHEN score IS NULL THEN 1 ELSE 0 END) AS n_score,
       sum(CASE WHEN active IS NULL THEN 1 ELSE 0 END) AS n_active,
       sum(CASE WHEN born IS NULL THEN 1 ELSE 0 END) AS n_born,
       sum(CASE WHEN seen IS NULL THEN 1 ELSE 0 END) AS n_seen,
       sum(CASE WHEN code IS NULL THEN 1 ELSE 0 END) AS n_code,
       sum(CASE WHEN note IS NOT NULL THEN 1 ELSE 0 END) AS nn_note,
       count(*) AS n
FROM read_csv('${dir}/*.csv', header=true, columns={'a': 'BIGINT'});
