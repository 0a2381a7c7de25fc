SELECT CAST(a AS VARCHAR) || 'x', TRY_CAST('1' AS BIGINT), a::DOUBLE, a // 2, -a % 3, NOT a IS NULL, a IN (1, 2), a NOT LIKE 'x%', lower(upper(b)), coalesce(NULL, 1) FROM read_csv('f') /* c */ -- d
;