/*
 * Date parts and truncation: year, month, day, quarter, dayofweek (Sunday = 0), dayofyear of
 * a DATE or TIMESTAMP; hour, minute, second of a TIMESTAMP (the binder casts a DATE);
 * date_trunc(part, x) for year, quarter, month, week (Monday), day, hour, minute, second,
 * returning x's type. Proleptic Gregorian calendar, no time zones. Local.
 */
#include "func/fn_int.h"

#include <string.h>
#include <strings.h>

#define US_PER_DAY INT64_C(86400000000)

bool fn_is_date(int fn)
{
    switch (fn) {
    case SL_FN_YEAR: case SL_FN_MONTH: case SL_FN_DAY: case SL_FN_QUARTER:
    case SL_FN_DAYOFWEEK: case SL_FN_DAYOFYEAR: case SL_FN_HOUR: case SL_FN_MINUTE:
    case SL_FN_SECOND: case SL_FN_DATE_TRUNC:
        return true;
    default:
        return false;
    }
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

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
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

int fn_date(const sl_expr *e, const sl_arg *a, const sl_rows *rows, sl_vec **out, sl_err *err)
{
    sl_vec *o = fn_new_fixed(e->type, rows->n_rows);
    int64_t *oi = o->d.i64;
    if (e->fn == SL_FN_DATE_TRUNC) {
        bool is_ts = e->args[1]->type == SL_T_TIMESTAMP;
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
            if (!is_ts) {
                oi[i] = trunc_days(x, p);
            } else {
                int64_t days = fn_ts_days(x), rem = x - days * US_PER_DAY;
                switch (p) {
                case P_HOUR: rem = rem / INT64_C(3600000000) * INT64_C(3600000000); break;
                case P_MINUTE: rem = floor_div(rem, 60000000) * 60000000; break;
                case P_SECOND: rem = floor_div(rem, 1000000) * 1000000; break;
                default: rem = 0; days = trunc_days(days, p); break;
                }
                oi[i] = days * US_PER_DAY + rem;
            }
            fn_set_valid(o, i);
        }
        *out = o;
        return 0;
    }
    bool is_ts = e->args[0]->type == SL_T_TIMESTAMP;
    int fn = e->fn;
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        int64_t x = fn_i64(&a[0], i);
        int64_t days = is_ts ? fn_ts_days(x) : x;
        int64_t us = is_ts ? x - days * US_PER_DAY : 0;
        int64_t y, r = 0;
        int m, d;
        switch (fn) {
        case SL_FN_HOUR: r = us / INT64_C(3600000000); break;
        case SL_FN_MINUTE: r = us / 60000000 % 60; break;
        case SL_FN_SECOND: r = us / 1000000 % 60; break;
        case SL_FN_DAYOFWEEK: r = ((days % 7) + 7 + 4) % 7; break;
        default:
            sl_civil_from_days(days, &y, &m, &d);
            r = fn == SL_FN_YEAR ? y : fn == SL_FN_MONTH ? m : fn == SL_FN_DAY ? d
                : fn == SL_FN_QUARTER ? (m - 1) / 3 + 1
                : days - sl_days_from_civil(y, 1, 1) + 1;
        }
        oi[i] = r;
        fn_set_valid(o, i);
    }
    *out = o;
    (void)err;
    return 0;
}
