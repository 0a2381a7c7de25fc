-- db-benchmark groupby question 1 ("sum v1 by id1") on a G1_* file:
--   mpirun -n 4 build/sluice run jobs/examples/groupby.sql -D input='data/G1_1e7_1e2_0_0.csv'
-- Columns as the db-benchmark generator writes them (id1..id3 strings like id001,
-- id4..id6 integers, v1 v2 integers, v3 double).
SELECT id1, sum(v1) AS v1
FROM read_csv('${dir}', header=true,
              columns={'id1': 'VARCHAR', 'id2': 'VARCHAR', 'id3': 'VARCHAR',
                       'id4': 'BIGINT', 'id5': 'BIGINT', 'id6': 'BIGINT',
                       'v1': 'BIGINT', 'v2': 'BIGINT', 'v3': 'DOUBLE'})
GROUP BY id1
ORDER BY id1;
