/*
 * Date parts and truncation: year, month, day, quarter, dayofweek (Sunday = 0), dayofyear of
 * a DATE or TIMESTAMP; hour, minute, second of a TIMESTAMP (the binder casts a DATE);
 * date_trunc(part, x) for year, quarter, month, week (Monday), day, hour, minute, second,
 * returning a TIMESTAMP for either (DuckDB's type). Proleptic Gregorian calendar. A TIMESTAMP
 * WITH TIME ZONE is taken apart in the session time zone, UTC in sluice: its fields are those of
 * the TIMESTAMP of the same microseconds (date_trunc keeps its type). Local.
 */
#include "func/fn_int.h"

#include <string.h>
#include <strings.h>

#define US_PER_DAY INT64_C(86400000000)

/* year ... dayofyear: a DATE or TIMESTAMP (an untyped NULL or a literal becomes DATE). */
FN_BIND(fn_bind_date_part)
{
    int rc = 0;
    sl_type t = args[0]->type;
    if (t != SL_T_DATE && !sl_type_is_ts(t) && !fn_want(args, 0, SL_T_DATE, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    *rt = SL_T_BIGINT;
    return 0;
}

/* hour, minute, second: a TIMESTAMP (a DATE is cast: midnight). */
FN_BIND(fn_bind_time_part)
{
    int rc = 0;
    sl_type t = args[0]->type;
    if (t != SL_T_DATE && !sl_type_is_ts(t) && !fn_want(args, 0, SL_T_TIMESTAMP, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    if (!sl_type_is_ts(args[0]->type) && (rc = fn_coerce(&args[0], SL_T_TIMESTAMP, err)))
        return rc;
    *rt = SL_T_BIGINT;
    return 0;
}

/* date_trunc(part VARCHAR, x DATE, TIMESTAMP or TIMESTAMPTZ): TIMESTAMP, also for a DATE (as
 * DuckDB); TIMESTAMPTZ for one. */
FN_BIND(fn_bind_date_trunc)
{
    int rc = 0;
    if (!fn_want(args, 0, SL_T_VARCHAR, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    if (args[1]->type != SL_T_DATE && !sl_type_is_ts(args[1]->type) &&
        !fn_want(args, 1, SL_T_TIMESTAMP, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    /* a TIMESTAMPTZ stays one: truncated in the UTC session zone */
    *rt = args[1]->type == SL_T_TIMESTAMPTZ ? SL_T_TIMESTAMPTZ : SL_T_TIMESTAMP;
    return 0;
}

typedef enum { P_YEAR, P_QUARTER, P_MONTH, P_WEEK, P_DAY, P_HOUR, P_MINUTE, P_SECOND,
               P_BAD } part_t;

static part_t parse_part(const char *p, int64_t n)
{
    static const struct { const char *s; part_t p; } map[] = {
        {"year", P_YEAR}, {"years", P_YEAR}, {"y", P_YEAR}, {"quarter", P_QUARTER},
        {"month", P_MONTH}, {"months", P_MONTH}, {"mon", P_MONTH}, {"week", P_WEEK},
        {"weeks", P_WEEK}, {"day", P_DAY}, {"days", P_DAY}, {"d", P_DAY}, {"hour", P_HOUR},
        {"hours", P_HOUR}, {"h", P_HOUR}, {"minute", P_MINUTE}, {"minutes", P_MINUTE},
        {"m", P_MINUTE}, {"second", P_SECOND}, {"seconds", P_SECOND}, {"s", P_SECOND},
    };
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
        if ((int64_t)strlen(map[k].s) == n && strncasecmp(map[k].s, p, (size_t)n) == 0)
            return map[k].p;
    return P_BAD;
}

static int64_t trunc_days(int64_t days, part_t p)
{
    int64_t y;
    int m, d;
    sl_civil_from_days(days, &y, &m, &d);
    switch (p) {
    case P_YEAR: return sl_days_from_civil(y, 1, 1);
    case P_QUARTER: return sl_days_from_civil(y, (m - 1) / 3 * 3 + 1, 1);
    case P_MONTH: return sl_days_from_civil(y, m, 1);
    case P_WEEK: return days - ((days % 7 + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
    default: return days;
    }
}

FN_EXEC(fn_exec_date_trunc)
{
    sl_vec *o = fn_new_fixed(e->type, rows->n_rows);
    int64_t *oi = o->d.i64;
    bool is_ts = sl_type_is_ts(e->args[1]->type);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i))
            continue;
        int64_t pn;
        const char *ps = fn_str(&a[0], i, &pn);
        part_t p = parse_part(ps, pn);
        if (p == P_BAD) {
            sl_vec_free(&o);
            return fn_rt_error(err, e, "unknown date part \"%.*s\" in date_trunc",
                               (int)pn, ps);
        }
        int64_t x = fn_i64(&a[1], i);
        if (is_ts ? sl_ts_is_inf(x) : sl_date_is_inf(x)) { /* stays infinite, as DuckDB */
            oi[i] = x > 0 ? SL_TS_INF : -SL_TS_INF;
        } else if (!is_ts) {
            oi[i] = trunc_days(x, p) * US_PER_DAY; /* hour, minute, second: the day itself */
        } else {
            int64_t days = fn_ts_days(x), rem = x - days * US_PER_DAY;
            switch (p) {
            case P_HOUR: rem = rem / INT64_C(3600000000) * INT64_C(3600000000); break;
            case P_MINUTE: rem = fn_floor_div(rem, 60000000) * 60000000; break;
            case P_SECOND: rem = fn_floor_div(rem, 1000000) * 1000000; break;
            default: rem = 0; days = trunc_days(days, p); break;
            }
            oi[i] = days * US_PER_DAY + rem;
        }
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}

/* The loop of the date parts: for each non-NULL x, days (and us, the time of day of a
 * TIMESTAMP) are set and BODY computes r. */
#define PART_KERNEL(NAME, ...)                                                             \
    FN_EXEC(NAME)                                                                          \
    {                                                                                      \
        sl_vec *o = fn_new_fixed(e->type, rows->n_rows);                                   \
        bool is_ts = sl_type_is_ts(e->args[0]->type);                                      \
        for (int64_t k = 0; k < rows->n; k++) {                                            \
            int64_t i = fn_row(rows, k);                                                   \
            if (!fn_ok(&a[0], i))                                                          \
                continue;                                                                  \
            int64_t x = fn_i64(&a[0], i);                                                  \
            if (is_ts ? sl_ts_is_inf(x) : sl_date_is_inf(x))                               \
                continue; /* NULL, as DuckDB */                                            \
            int64_t days = is_ts ? fn_ts_days(x) : x;                                      \
            int64_t us = is_ts ? x - days * US_PER_DAY : 0;                                \
            int64_t y, r;                                                                  \
            int m, d;                                                                      \
            (void)us; (void)y; (void)m; (void)d;                                           \
            __VA_ARGS__;                                                                   \
            o->d.i64[i] = r;                                                               \
            fn_set_valid(o, i);                                                            \
        }                                                                                  \
        *out = o;                                                                          \
        return 0;                                                                          \
    }

#define CIVIL sl_civil_from_days(days, &y, &m, &d)

PART_KERNEL(fn_exec_year, CIVIL; r = y)
PART_KERNEL(fn_exec_month, CIVIL; r = m)
PART_KERNEL(fn_exec_day, CIVIL; r = d)
PART_KERNEL(fn_exec_quarter, CIVIL; r = (m - 1) / 3 + 1)
PART_KERNEL(fn_exec_dayofyear, CIVIL; r = days - sl_days_from_civil(y, 1, 1) + 1)
PART_KERNEL(fn_exec_dayofweek, r = ((days % 7) + 7 + 4) % 7) /* Sunday = 0 */
PART_KERNEL(fn_exec_hour, r = us / INT64_C(3600000000))
PART_KERNEL(fn_exec_minute, r = us / 60000000 % 60)
PART_KERNEL(fn_exec_second, r = us / 1000000 % 60)
