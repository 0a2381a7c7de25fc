/*
 * The one list of scalar functions and operators (X-macro), in the style of libuv's error
 * list: the registry. The enum of function ids (func.h), the registry table fn_table and the
 * prototypes of every rule and kernel (fn_int.h) are generated from it, so adding a function
 * is a kernel, a type rule (or an existing one) and one line here; see docs/STYLE.md,
 * "Adding a scalar function".
 *
 * X(ID, "canonical name", min_args, max_args, flags, bind, exec)
 *   max_args -1 = variadic; flags 0 or FN_LAZY (exec evaluates its own arguments);
 *   bind: the type rule (FN_BIND in fn_int.h); exec: the kernel (FN_EXEC).
 * Aliases (ceiling, pow, substring, prefix, instr, ...) live in func_bind.c. Local.
 */
#ifndef SL_FUNC_LIST_H
#define SL_FUNC_LIST_H

#define SL_FUNC_LIST(X)                                                                           \
    /* arithmetic (fn_arith.c) */                                                                 \
    X(ADD, "+", 2, 2, 0, fn_bind_add, fn_exec_add)                                                \
    X(SUB, "-", 2, 2, 0, fn_bind_sub, fn_exec_sub)                                                \
    X(MUL, "*", 2, 2, 0, fn_bind_mul, fn_exec_mul)                                                \
    X(DIV, "/", 2, 2, 0, fn_bind_div, fn_exec_div)                                                \
    X(IDIV, "//", 2, 2, 0, fn_bind_arith, fn_exec_idiv)                                           \
    X(MOD, "%", 2, 2, 0, fn_bind_mod, fn_exec_mod)                                                \
    X(NEG, "NEG", 1, 1, 0, fn_bind_neg, fn_exec_neg)                                              \
    /* comparison (fn_compare.c) */                                                               \
    X(EQ, "=", 2, 2, 0, fn_bind_compare, fn_exec_eq)                                              \
    X(NE, "<>", 2, 2, 0, fn_bind_compare, fn_exec_ne)                                             \
    X(LT, "<", 2, 2, 0, fn_bind_compare, fn_exec_lt)                                              \
    X(LE, "<=", 2, 2, 0, fn_bind_compare, fn_exec_le)                                             \
    X(GT, ">", 2, 2, 0, fn_bind_compare, fn_exec_gt)                                              \
    X(GE, ">=", 2, 2, 0, fn_bind_compare, fn_exec_ge)                                             \
    X(BETWEEN, "BETWEEN", 3, 3, 0, fn_bind_compare, fn_exec_between)                              \
    X(NOT_BETWEEN, "NOT_BETWEEN", 3, 3, 0, fn_bind_compare, fn_exec_not_between)                  \
    X(IN, "IN", 2, -1, 0, fn_bind_compare, fn_exec_in)                                            \
    X(NOT_IN, "NOT_IN", 2, -1, 0, fn_bind_compare, fn_exec_not_in)                                \
    X(NULLIF, "nullif", 2, 2, 0, fn_bind_common, fn_exec_nullif)                                  \
    X(GREATEST, "greatest", 1, -1, 0, fn_bind_common, fn_exec_greatest)                           \
    X(LEAST, "least", 1, -1, 0, fn_bind_common, fn_exec_least)                                    \
    /* sort keys (fn_sortkey.c) */                                                                \
    X(SORT_KEY, "create_sort_key", 2, -1, 0, fn_bind_sort_key, fn_exec_sort_key)                  \
    /* boolean and NULL tests (fn_logic.c) */                                                     \
    X(AND, "AND", 2, 2, FN_LAZY, fn_bind_bool, fn_exec_and)                                       \
    X(OR, "OR", 2, 2, FN_LAZY, fn_bind_bool, fn_exec_or)                                          \
    X(NOT, "NOT", 1, 1, 0, fn_bind_bool, fn_exec_not)                                             \
    X(IS_NULL, "IS_NULL", 1, 1, 0, fn_bind_is_null, fn_exec_is_null)                              \
    X(SCALAR_SUBQUERY, "SCALAR_SUBQUERY", 2, 2, 0, fn_bind_scalar_subquery,                       \
      fn_exec_scalar_subquery)                                                                    \
    X(IS_NOT_NULL, "IS_NOT_NULL", 1, 1, 0, fn_bind_is_null, fn_exec_is_not_null)                  \
    X(COALESCE, "coalesce", 1, -1, FN_LAZY, fn_bind_common, fn_exec_coalesce)                     \
    X(IFNULL, "ifnull", 2, 2, FN_LAZY, fn_bind_common, fn_exec_coalesce)                          \
    /* strings (fn_string.c) */                                                                   \
    X(LIKE, "LIKE", 2, 2, 0, fn_bind_str_bool, fn_exec_like)                                      \
    X(NOT_LIKE, "NOT_LIKE", 2, 2, 0, fn_bind_str_bool, fn_exec_not_like)                          \
    X(ILIKE, "ILIKE", 2, 2, 0, fn_bind_str_bool, fn_exec_ilike)                                   \
    X(NOT_ILIKE, "NOT_ILIKE", 2, 2, 0, fn_bind_str_bool, fn_exec_not_ilike)                       \
    X(CONCAT_OP, "||", 2, 2, 0, fn_bind_concat, fn_exec_concat_op)                                \
    X(CONCAT, "concat", 1, -1, 0, fn_bind_concat, fn_exec_concat)                                 \
    X(LOWER, "lower", 1, 1, 0, fn_bind_str_str, fn_exec_lower)                                    \
    X(UPPER, "upper", 1, 1, 0, fn_bind_str_str, fn_exec_upper)                                    \
    X(LENGTH, "length", 1, 1, 0, fn_bind_str_int, fn_exec_length)                                 \
    X(STRLEN, "strlen", 1, 1, 0, fn_bind_str_int, fn_exec_strlen)                                 \
    X(SUBSTR, "substr", 2, 3, 0, fn_bind_str_ints, fn_exec_substr)                                \
    X(TRIM, "trim", 1, 2, 0, fn_bind_str_str, fn_exec_trim)                                       \
    X(LTRIM, "ltrim", 1, 2, 0, fn_bind_str_str, fn_exec_ltrim)                                    \
    X(RTRIM, "rtrim", 1, 2, 0, fn_bind_str_str, fn_exec_rtrim)                                    \
    X(REPLACE, "replace", 3, 3, 0, fn_bind_str_str, fn_exec_replace)                              \
    X(STARTS_WITH, "starts_with", 2, 2, 0, fn_bind_str_bool, fn_exec_starts_with)                 \
    X(ENDS_WITH, "ends_with", 2, 2, 0, fn_bind_str_bool, fn_exec_ends_with)                       \
    X(CONTAINS, "contains", 2, 2, 0, fn_bind_str_bool, fn_exec_contains)                          \
    X(LEFT, "left", 2, 2, 0, fn_bind_str_ints, fn_exec_left)                                      \
    X(RIGHT, "right", 2, 2, 0, fn_bind_str_ints, fn_exec_right)                                   \
    X(REVERSE, "reverse", 1, 1, 0, fn_bind_str_str, fn_exec_reverse)                              \
    X(REPEAT, "repeat", 2, 2, 0, fn_bind_str_ints, fn_exec_repeat)                                \
    X(SPLIT_PART, "split_part", 3, 3, 0, fn_bind_split_part, fn_exec_split_part)                  \
    X(STRPOS, "strpos", 2, 2, 0, fn_bind_str_int, fn_exec_strpos)                                 \
    X(LPAD, "lpad", 3, 3, 0, fn_bind_pad, fn_exec_lpad)                                           \
    X(RPAD, "rpad", 3, 3, 0, fn_bind_pad, fn_exec_rpad)                                           \
    X(CONCAT_WS, "concat_ws", 2, -1, 0, fn_bind_concat, fn_exec_concat_ws)                        \
    /* regular expressions, PCRE2 (fn_regex.c) */                                                 \
    X(REGEXP_MATCHES, "regexp_matches", 2, 3, 0, fn_bind_regexp_matches, fn_exec_regexp_matches)  \
    X(REGEXP_REPLACE, "regexp_replace", 3, 4, 0, fn_bind_regexp_replace, fn_exec_regexp_replace)  \
    X(REGEXP_EXTRACT, "regexp_extract", 2, 4, 0, fn_bind_regexp_extract, fn_exec_regexp_extract)  \
    /* digests, nettle (fn_hash.c) */                                                             \
    X(MD5, "md5", 1, 1, 0, fn_bind_str_str, fn_exec_md5)                                          \
    X(SHA256, "sha256", 1, 1, 0, fn_bind_str_str, fn_exec_sha256)                                 \
    X(HASH, "hash", 1, -1, 0, fn_bind_hash, fn_exec_hash)                                         \
    /* math (fn_math.c) */                                                                        \
    X(ABS, "abs", 1, 1, 0, fn_bind_num_keep, fn_exec_abs)                                         \
    X(SIGN, "sign", 1, 1, 0, fn_bind_sign, fn_exec_sign)                                          \
    X(ROUND, "round", 1, 2, 0, fn_bind_round, fn_exec_round)                                      \
    X(FLOOR, "floor", 1, 1, 0, fn_bind_floor, fn_exec_floor)                                      \
    X(CEIL, "ceil", 1, 1, 0, fn_bind_floor, fn_exec_ceil)                                         \
    X(SQRT, "sqrt", 1, 1, 0, fn_bind_double, fn_exec_sqrt)                                        \
    X(LN, "ln", 1, 1, 0, fn_bind_double, fn_exec_ln)                                              \
    X(LOG10, "log10", 1, 1, 0, fn_bind_double, fn_exec_log10)                                     \
    X(LOG2, "log2", 1, 1, 0, fn_bind_double, fn_exec_log2)                                        \
    X(EXP, "exp", 1, 1, 0, fn_bind_double, fn_exec_exp)                                           \
    X(POWER, "power", 2, 2, 0, fn_bind_double, fn_exec_power)                                     \
    /* dates (fn_date.c, fn_datepart.c) */                                                        \
    X(YEAR, "year", 1, 1, 0, fn_bind_date_part, fn_exec_year)                                     \
    X(MONTH, "month", 1, 1, 0, fn_bind_date_part, fn_exec_month)                                  \
    X(DAY, "day", 1, 1, 0, fn_bind_date_part, fn_exec_day)                                        \
    X(QUARTER, "quarter", 1, 1, 0, fn_bind_date_part, fn_exec_quarter)                            \
    X(DAYOFWEEK, "dayofweek", 1, 1, 0, fn_bind_date_part, fn_exec_dayofweek)                      \
    X(DAYOFYEAR, "dayofyear", 1, 1, 0, fn_bind_date_part, fn_exec_dayofyear)                      \
    X(HOUR, "hour", 1, 1, 0, fn_bind_time_part, fn_exec_hour)                                     \
    X(MINUTE, "minute", 1, 1, 0, fn_bind_time_part, fn_exec_minute)                               \
    X(SECOND, "second", 1, 1, 0, fn_bind_time_part, fn_exec_second)                               \
    X(DATE_TRUNC, "date_trunc", 2, 2, 0, fn_bind_date_trunc, fn_exec_date_trunc)                  \
    X(DATE_PART, "date_part", 2, 2, 0, fn_bind_date_part2, fn_exec_date_part2)                    \
    X(DATE_DIFF, "date_diff", 3, 3, 0, fn_bind_date_diff, fn_exec_date_diff)                      \
    X(AGE, "age", 2, 2, 0, fn_bind_age, fn_exec_age)                                              \
    X(MAKE_DATE, "make_date", 3, 3, 0, fn_bind_make_date, fn_exec_make_date)                      \
    X(MAKE_TIMESTAMP, "make_timestamp", 1, 6, 0, fn_bind_make_timestamp, fn_exec_make_timestamp)  \
    X(MAKE_TIMESTAMPTZ, "make_timestamptz", 1, 6, 0, fn_bind_make_timestamptz,                    \
      fn_exec_make_timestamp)                                                                     \
    X(TO_TIMESTAMP, "to_timestamp", 1, 1, 0, fn_bind_to_timestamp, fn_exec_to_timestamp)          \
    X(EPOCH, "epoch", 1, 1, 0, fn_bind_epoch, fn_exec_epoch)                                      \
    X(EPOCH_MS, "epoch_ms", 1, 1, 0, fn_bind_epoch_ms, fn_exec_epoch_ms)                          \
    X(LAST_DAY, "last_day", 1, 1, 0, fn_bind_last_day, fn_exec_last_day)                          \
    X(DAYNAME, "dayname", 1, 1, 0, fn_bind_date_name, fn_exec_dayname)                            \
    X(MONTHNAME, "monthname", 1, 1, 0, fn_bind_date_name, fn_exec_monthname)                      \
    /* infinite dates, INTERVAL values (fn_interval.c) */                                         \
    X(ISINF, "isinf", 1, 1, 0, fn_bind_isinf, fn_exec_isinf)                                      \
    X(ISFINITE, "isfinite", 1, 1, 0, fn_bind_isinf, fn_exec_isfinite)                             \
    X(TO_YEARS, "to_years", 1, 1, 0, fn_bind_to_interval_i, fn_exec_to_years)                     \
    X(TO_MONTHS, "to_months", 1, 1, 0, fn_bind_to_interval_i, fn_exec_to_months)                  \
    X(TO_WEEKS, "to_weeks", 1, 1, 0, fn_bind_to_interval_i, fn_exec_to_weeks)                     \
    X(TO_DAYS, "to_days", 1, 1, 0, fn_bind_to_interval_i, fn_exec_to_days)                        \
    X(TO_HOURS, "to_hours", 1, 1, 0, fn_bind_to_interval_i, fn_exec_to_hours)                     \
    X(TO_MINUTES, "to_minutes", 1, 1, 0, fn_bind_to_interval_i, fn_exec_to_minutes)               \
    X(TO_SECONDS, "to_seconds", 1, 1, 0, fn_bind_to_interval_d, fn_exec_to_seconds)               \
    X(TO_MILLISECONDS, "to_milliseconds", 1, 1, 0, fn_bind_to_interval_d,                         \
      fn_exec_to_milliseconds)                                                                    \
    X(TO_MICROSECONDS, "to_microseconds", 1, 1, 0, fn_bind_to_interval_i,                         \
      fn_exec_to_microseconds)                                                                    \
    /* date formats (fn_strftime.c) */                                                            \
    X(STRFTIME, "strftime", 2, 2, 0, fn_bind_strftime, fn_exec_strftime)                          \
    X(STRPTIME, "strptime", 2, 2, 0, fn_bind_strptime, fn_exec_strptime)                          \
    X(TRY_STRPTIME, "try_strptime", 2, 2, 0, fn_bind_strptime, fn_exec_try_strptime)              \
    /* types (fn_decimal.c) */                                                                    \
    X(TYPEOF, "typeof", 1, 1, 0, fn_bind_typeof, fn_exec_typeof)                                  \
    /* syntax forms the parser writes (fn_syntax.c) */                                            \
    X(IS_DISTINCT_FROM, "IS_DISTINCT_FROM", 2, 2, 0, fn_bind_compare, fn_exec_is_distinct)        \
    X(IS_NOT_DISTINCT_FROM, "IS_NOT_DISTINCT_FROM", 2, 2, 0, fn_bind_compare,                     \
      fn_exec_is_not_distinct)                                                                    \
    X(LIKE_ESCAPE, "LIKE_ESCAPE", 3, 3, 0, fn_bind_str_bool, fn_exec_like_escape)                 \
    X(NOT_LIKE_ESCAPE, "NOT_LIKE_ESCAPE", 3, 3, 0, fn_bind_str_bool, fn_exec_not_like_escape)     \
    X(POSITION_IN, "POSITION_IN", 2, 2, 0, fn_bind_str_int, fn_exec_position_in)                  \
    X(GLOB, "GLOB", 2, 2, 0, fn_bind_str_bool, fn_exec_glob)                                      \
    /* LIST values (fn_list.c) */                                                                 \
    X(LIST_VALUE, "list_value", 0, -1, 0, fn_bind_list_value, fn_exec_list_value)                 \
    X(LIST_LEN, "array_length", 1, 1, 0, fn_bind_list_len, fn_exec_list_len)                      \
    X(LIST_EXTRACT, "list_extract", 2, 2, 0, fn_bind_list_extract, fn_exec_list_extract)          \
    X(LIST_CONTAINS, "list_contains", 2, 2, 0, fn_bind_list_contains, fn_exec_list_contains)      \
    X(LIST_SLICE, "list_slice", 3, 4, 0, fn_bind_list_slice, fn_exec_list_slice)                  \
    X(STRING_SPLIT, "string_split", 2, 2, 0, fn_bind_string_split, fn_exec_string_split) \
    X(UNNEST, "unnest", 1, 1, 0, fn_bind_unnest, fn_exec_unnest)                                  \
    /* more LIST functions (fn_list_ops.c) */                                                     \
    X(LIST_SORT, "list_sort", 1, 3, 0, fn_bind_list_sort, fn_exec_list_sort)                      \
    X(LIST_REVERSE_SORT, "list_reverse_sort", 1, 2, 0, fn_bind_list_sort, fn_exec_list_sort)      \
    X(LIST_DISTINCT, "list_distinct", 1, 1, 0, fn_bind_list_distinct, fn_exec_list_distinct)      \
    X(LIST_UNIQUE, "list_unique", 1, 1, 0, fn_bind_list_unique, fn_exec_list_distinct)            \
    X(LIST_POSITION, "list_position", 2, 2, 0, fn_bind_list_position, fn_exec_list_position)      \
    X(LIST_CONCAT, "list_concat", 2, -1, 0, fn_bind_list_concat, fn_exec_list_concat)             \
    X(LIST_CONCAT_OP, "LIST_CONCAT_OP", 2, 2, 0, fn_bind_list_concat, fn_exec_list_concat)        \
    X(LIST_APPEND, "list_append", 2, 2, 0, fn_bind_list_append, fn_exec_list_concat)              \
    X(LIST_PREPEND, "list_prepend", 2, 2, 0, fn_bind_list_prepend, fn_exec_list_concat)           \
    X(LIST_REVERSE, "list_reverse", 1, 1, 0, fn_bind_list_reverse, fn_exec_list_concat)           \
    X(ARRAY_TO_STRING, "array_to_string", 2, 2, 0, fn_bind_array_to_string,                       \
      fn_exec_array_to_string)                                                                    \
    X(LIST_HAS_ANY, "list_has_any", 2, 2, 0, fn_bind_list_has, fn_exec_list_has)                  \
    X(LIST_HAS_ALL, "list_has_all", 2, 2, 0, fn_bind_list_has, fn_exec_list_has)                  \
    X(LIST_AGGREGATE, "list_aggregate", 2, 3, 0, fn_bind_list_aggregate, fn_exec_list_agg)        \
    X(LIST_SUM, "list_sum", 1, 1, 0, fn_bind_list_sum, fn_exec_list_agg)                          \
    X(LIST_MIN, "list_min", 1, 1, 0, fn_bind_list_min, fn_exec_list_agg)                          \
    X(LIST_MAX, "list_max", 1, 1, 0, fn_bind_list_max, fn_exec_list_agg)                          \
    X(LIST_AVG, "list_avg", 1, 1, 0, fn_bind_list_avg, fn_exec_list_agg)                          \
    X(LIST_COUNT, "list_count", 1, 1, 0, fn_bind_list_count, fn_exec_list_agg)                    \
    X(LIST_FIRST, "list_first", 1, 1, 0, fn_bind_list_first, fn_exec_list_agg)                    \
    X(LIST_LAST, "list_last", 1, 1, 0, fn_bind_list_last, fn_exec_list_agg)                       \
    X(LIST_RANGE, "range", 1, 3, 0, fn_bind_list_range, fn_exec_list_range)                       \
    X(GENERATE_SERIES, "generate_series", 1, 3, 0, fn_bind_list_range, fn_exec_list_range)        \
    X(LIST_TRANSFORM, "list_transform", 3, 3, FN_LAZY, fn_bind_list_transform,                    \
      fn_exec_list_lambda)                                                                        \
    X(LIST_FILTER, "list_filter", 3, 3, FN_LAZY, fn_bind_list_filter, fn_exec_list_lambda)        \
    X(LIST_REDUCE, "list_reduce", 3, 4, FN_LAZY, fn_bind_list_reduce, fn_exec_list_reduce)        \
    X(LAMBDA_PARAM, "LAMBDA_PARAM", 1, 1, 0, fn_bind_lambda_param, fn_exec_lambda_param)          \
    /* STRUCT values (fn_struct.c) */                                                             \
    X(STRUCT_PACK, "struct_pack", 0, -1, 0, fn_bind_struct_pack, fn_exec_struct_pack)             \
    X(ROW, "row", 1, -1, 0, fn_bind_row, fn_exec_row)                                             \
    X(STRUCT_EXTRACT, "struct_extract", 2, 2, 0, fn_bind_struct_extract, fn_exec_struct_extract)

#endif
