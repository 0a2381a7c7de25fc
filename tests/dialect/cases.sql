-- The dialect suite's cases (tests/dialect/run.py): each query runs in sluice at 1-3 ranks
-- and in DuckDB over the view t(id, k, s, x, i, dt, ts, b) (tq: the same file with "" read as
-- NULL; td: read with each engine's defaults); the CSV text must be identical. Every query
-- has a total ORDER BY (or one row), since output order is part of the text.

-- case: read_all
SELECT * FROM t ORDER BY id;

-- case: double_text
SELECT id, x, x * 10 AS x10, x / 7 AS x7, -x AS neg, x * 1e10 AS big, x / 1e10 AS small
FROM t ORDER BY id;

-- case: double_cast_varchar
SELECT id, CAST(x AS VARCHAR) AS xs, x || '' AS xc, CAST(i AS DOUBLE) AS id_dbl
FROM t ORDER BY id;

-- case: double_literals
SELECT 170.0::DOUBLE AS a, 1e16::DOUBLE AS b, 1e15::DOUBLE AS c, 0.0001::DOUBLE AS d,
       0.00001::DOUBLE AS e, 2.0::DOUBLE / 3 AS f, 1e300::DOUBLE * 10 AS g
FROM t WHERE id = 0;

-- case: integer_arith
SELECT id, i, i + 1 AS p, i - 1 AS m, i * 2 AS t2, i // 7 AS q, i % 7 AS r, abs(i) AS a
FROM t WHERE abs(i) < 4611686018427387904 ORDER BY id;

-- case: integer_division_to_double
SELECT id, i / 7 AS d, i / 2 AS h FROM t WHERE i IS NOT NULL ORDER BY id;

-- case: join_scalar_subquery
SELECT id, i - (SELECT max(i) FROM t WHERE abs(i) < 1000000) AS di,
       (SELECT k FROM t WHERE id = 2) AS k2, (SELECT s FROM t WHERE id < 0) AS none
FROM t WHERE x > (SELECT min(x) FROM t) ORDER BY id;

-- case: join_not_in_subquery
SELECT id, k FROM t WHERE k NOT IN (SELECT k FROM t WHERE id > 3 AND k IS NOT NULL)
UNION ALL SELECT id, 'null' FROM t WHERE k NOT IN (SELECT k FROM t)
UNION ALL SELECT id, 'empty' FROM t WHERE i NOT IN (SELECT i FROM t WHERE id < 0)
ORDER BY 1, 2;

-- case: join_unpivot
UNPIVOT (SELECT id, k, s FROM t) ON k, s INTO NAME col VALUE v ORDER BY id, col;

-- case: join_pivot_values_from_data
PIVOT (SELECT id % 3 AS m, b, i FROM t) ON m USING count(*), max(i) AS top GROUP BY b ORDER BY b;

-- case: join_parenthesized
SELECT a.id, b.id AS b, c.id AS c FROM t a JOIN (t b JOIN t c ON b.k = c.k AND b.id < c.id)
ON a.id = b.id ORDER BY 1, 2, 3;

-- case: string_text
SELECT id, s, length(s) AS n, upper(s) AS u, lower(s) AS l, s || '|' || k AS c,
       reverse(s) AS r
FROM t ORDER BY id;

-- case: string_functions
SELECT id, substr(s, 2, 3) AS sub, trim(s) AS tr, replace(s, 'a', 'xy') AS rep,
       starts_with(s, 'p') AS sw, contains(s, ',') AS ct, repeat(k, 2) AS rp
FROM t ORDER BY id;

-- case: like
SELECT id, s LIKE '%a%' AS l1, s LIKE '_l%' AS l2, s NOT LIKE 'p%' AS l3, s ILIKE 'PL%' AS l4
FROM t ORDER BY id;

-- case: ilike_unicode
SELECT id, s ILIKE 'émile' AS e FROM t ORDER BY id;

-- case: null_vs_empty
SELECT id, s IS NULL AS isnull, s = '' AS isempty, coalesce(s, '<null>') AS c
FROM t ORDER BY id;

-- case: booleans
SELECT id, b, NOT b AS nb, b AND id > 10 AS a, b OR id > 10 AS o, CAST(b AS VARCHAR) AS bs
FROM t ORDER BY id;

-- case: dates
SELECT id, dt, year(dt) AS y, month(dt) AS m, day(dt) AS d, quarter(dt) AS q,
       dayofweek(dt) AS dow, dayofyear(dt) AS doy, CAST(dt AS VARCHAR) AS ds
FROM t ORDER BY id;

-- case: timestamps
SELECT id, ts, hour(ts) AS h, minute(ts) AS mi, second(ts) AS se, CAST(ts AS DATE) AS d,
       CAST(ts AS VARCHAR) AS tss
FROM t ORDER BY id;

-- case: date_trunc_timestamp
SELECT id, date_trunc('month', ts) AS m, date_trunc('day', ts) AS d FROM t ORDER BY id;

-- case: date_trunc_date
SELECT id, date_trunc('month', dt) AS m FROM t ORDER BY id;

-- case: case_when
SELECT id, CASE WHEN x > 100 THEN 'big' WHEN x > 1 THEN 'mid' ELSE 'small' END AS c,
       CASE k WHEN 'g1' THEN 1 WHEN 'g2' THEN 2 END AS kk
FROM t ORDER BY id;

-- case: in_between
SELECT id, i IN (7, 42, 0) AS a, x BETWEEN 0 AND 2 AS bt, k NOT IN ('g1', 'g3') AS n
FROM t ORDER BY id;

-- case: greatest_least_nullif
SELECT id, greatest(x, 1.5) AS g, least(i, 10) AS l, nullif(k, 'g1') AS n FROM t ORDER BY id;

-- case: math
SELECT id, round(x, 2) AS r2, floor(x) AS f, ceil(x) AS c, sign(x) AS sg, sqrt(abs(x)) AS sq,
       power(abs(x), 0.5) AS pw
FROM t WHERE x < 1e100 ORDER BY id;

-- case: round_half
SELECT id, x, round(x) AS r FROM t WHERE x IN (0.5, -0.5, 2.5, 3.5, 1.5, -2.5) ORDER BY id;

-- case: cast_double_to_bigint
SELECT id, x, CAST(x AS BIGINT) AS c FROM t WHERE x IN (0.5, -0.5, 2.5, 3.5) ORDER BY id;

-- case: try_cast_strings
SELECT TRY_CAST('42' AS BIGINT) AS a, TRY_CAST('4.5' AS DOUBLE) AS b, TRY_CAST('x' AS BIGINT) AS c,
       TRY_CAST('2024-02-30' AS DATE) AS d, TRY_CAST('true' AS BOOLEAN) AS e,
       TRY_CAST(' 7 ' AS BIGINT) AS f
FROM t WHERE id = 0;

-- case: try_cast_duckdb_forms
SELECT TRY_CAST('0x1F' AS BIGINT) AS a, TRY_CAST('1_000' AS BIGINT) AS b,
       TRY_CAST('2024-1-5' AS DATE) AS c
FROM t WHERE id = 0;

-- case: cast_integer_range
SELECT TRY_CAST('2147483648' AS INTEGER) AS a FROM t WHERE id = 0;

-- case: group_sum
SELECT k, count(*) AS n, count(s) AS ns, sum(i) AS si, min(x) AS mn, max(x) AS mx,
       min(s) AS ms, max(dt) AS md
FROM t WHERE abs(i) < 4611686018427387904 OR i IS NULL GROUP BY k ORDER BY k NULLS LAST;

-- case: group_avg
SELECT k, avg(i) AS ai, sum(x) AS sx FROM t WHERE x < 1e100 AND abs(i) < 1e10 GROUP BY k
ORDER BY k;

-- case: count_distinct
SELECT k, count(DISTINCT s) AS ds, count(DISTINCT i) AS di FROM t GROUP BY k ORDER BY k;

-- case: global_aggregates
SELECT count(*) AS n, count(b) AS nb, min(ts) AS first_ts, max(s) AS last_s FROM t;

-- case: agg_order_by
SELECT k, string_agg(s, '|' ORDER BY id DESC) AS sa, first(x ORDER BY id) AS f,
       last(s ORDER BY id) AS l, first(i ORDER BY x DESC NULLS FIRST, id) AS fi,
       string_agg(k ORDER BY dt, id) AS sk
FROM t GROUP BY k ORDER BY k NULLS LAST;

-- case: agg_nan_results
SELECT k, corr(id, id - id) AS c, regr_slope(id, id - id) AS rs, skewness(id - id) AS sk,
       regr_intercept(id, id - id) AS ri, count(*) AS n
FROM t GROUP BY k ORDER BY k NULLS LAST;

-- case: sum_overflow
SELECT sum(i) AS s FROM t WHERE i > 0;

-- case: quoted_nulls
SELECT id, s, s IS NULL AS n FROM tq ORDER BY id;

-- case: quoted_empty_default
-- differs: sluice reads "" as '' by default (so its own COPY output reads back unchanged); DuckDB reads it as NULL unless allow_quoted_nulls=false
SELECT id, s FROM td ORDER BY id;

-- case: order_nulls
SELECT id, k, x FROM t ORDER BY k DESC NULLS FIRST, x NULLS FIRST, id;

-- case: order_strings
SELECT s, count(*) AS n FROM t GROUP BY s ORDER BY s NULLS LAST;

-- case: distinct_rows
SELECT DISTINCT k, b FROM t ORDER BY k NULLS FIRST, b NULLS FIRST;

-- case: having
SELECT k, count(*) AS n FROM t GROUP BY k HAVING count(*) > 14 ORDER BY k NULLS FIRST;

-- case: limit_offset
SELECT id, s FROM t ORDER BY id DESC LIMIT 5 OFFSET 3;

-- case: set_operations
SELECT k FROM t WHERE id < 10 UNION SELECT k FROM t WHERE id > 50 ORDER BY k NULLS LAST;

-- case: cte
WITH g AS (SELECT k, sum(x) AS sx FROM t WHERE x < 1e100 GROUP BY k)
SELECT k, sx FROM g WHERE sx > 0 ORDER BY k NULLS LAST;

-- case: division_by_zero
SELECT id, x / 0.0 AS d, i / 0 AS di, (x - x) / 0 AS nan, x // 0.0 AS q, i // 0 AS qi,
       x % 0.0 AS m, i % 0 AS mi
FROM t ORDER BY id;

-- case: ilike_unicode_more
SELECT id, s ILIKE '%É%' AS a, s ILIKE '_MILE' AS b, s NOT ILIKE 'ÉMILE' AS c FROM t ORDER BY id;

-- case: cast_bigint_text
SELECT id, CAST(CAST(x AS VARCHAR) AS BIGINT) AS r FROM t WHERE x IN (0.5, -0.5, 2.5, 3.5)
ORDER BY id;

-- case: column_names
SELECT id, k, count(*) FROM t GROUP BY id, k ORDER BY id LIMIT 3;

-- case: left_right
SELECT id, left(s, 2) AS l, right(s, 3) AS r, left(k, 0) AS z FROM t ORDER BY id;

-- case: nan_total_order
-- DuckDB orders doubles totally: NaN equals NaN and is greater than every other value.
SELECT id, y, y = y AS eq, y > 1e308 AS gt, y BETWEEN 0 AND 1 AS btw, y IN (0.5, 'NaN') AS inl,
       greatest(y, 3) AS gr, least(y, 3) AS le, y <> 'NaN'::DOUBLE AS ne
FROM (SELECT id, CASE WHEN id % 3 = 0 THEN 'NaN'::DOUBLE WHEN id % 3 = 1 THEN 0.5 ELSE x END AS y
      FROM t) ORDER BY id;

-- case: nan_min_max_order
SELECT min(y) AS mn, max(y) AS mx, count(DISTINCT y) AS nd
FROM (SELECT CASE WHEN id % 3 = 0 THEN 'NaN'::DOUBLE ELSE x END AS y FROM t);
