/*
 * DuckDB's date functions beyond the single parts of fn_date.c: date_part (datepart) and date_diff
 * (datediff) with DuckDB's part names, make_date, make_timestamp, make_timestamptz, to_timestamp,
 * epoch, epoch_ms, last_day, dayname, monthname. A DATE argument where a TIMESTAMP is wanted is
 * its midnight. date_diff counts the boundaries crossed, as DuckDB does: months from the calendar
 * month, days from the date, hours and smaller from the epoch microseconds floored to the unit; a
 * week is 7 days of difference (truncated). Proleptic Gregorian calendar; a TIMESTAMPTZ in the UTC
 * session zone (its timezone parts 0). Local.
 */
#include "func/fn_int.h"
#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define US_PER_DAY INT64_C(86400000000)

typedef enum {
    DP_YEAR, DP_QUARTER, DP_MONTH, DP_DAY, DP_DECADE, DP_CENTURY, DP_MILLENNIUM, DP_DOW,
    DP_ISODOW, DP_DOY, DP_WEEK, DP_ISOYEAR, DP_YEARWEEK, DP_ERA, DP_HOUR, DP_MINUTE,
    DP_SECOND, DP_MILLI, DP_MICRO, DP_EPOCH, DP_TZ, DP_BAD
} dpart;

/* DuckDB's specifier names (case-insensitive). */
static dpart dpart_parse(const char *p, int64_t n)
{
    static const struct { const char *s; dpart p; } map[] = {
        {"year", DP_YEAR}, {"y", DP_YEAR}, {"yr", DP_YEAR}, {"yrs", DP_YEAR}, {"years", DP_YEAR},
        {"quarter", DP_QUARTER}, {"quarters", DP_QUARTER}, {"month", DP_MONTH},
        {"mon", DP_MONTH}, {"mons", DP_MONTH}, {"months", DP_MONTH}, {"day", DP_DAY},
        {"d", DP_DAY}, {"days", DP_DAY}, {"dayofmonth", DP_DAY}, {"decade", DP_DECADE},
        {"dec", DP_DECADE}, {"decades", DP_DECADE}, {"decs", DP_DECADE},
        {"century", DP_CENTURY}, {"cent", DP_CENTURY}, {"centuries", DP_CENTURY},
        {"c", DP_CENTURY}, {"millennium", DP_MILLENNIUM}, {"mil", DP_MILLENNIUM},
        {"millenia", DP_MILLENNIUM}, {"millennia", DP_MILLENNIUM}, {"mils", DP_MILLENNIUM},
        {"millenium", DP_MILLENNIUM}, {"dow", DP_DOW}, {"dayofweek", DP_DOW},
        {"weekday", DP_DOW}, {"isodow", DP_ISODOW}, {"doy", DP_DOY}, {"dayofyear", DP_DOY},
        {"week", DP_WEEK}, {"weeks", DP_WEEK}, {"w", DP_WEEK}, {"weekofyear", DP_WEEK},
        {"isoyear", DP_ISOYEAR}, {"yearweek", DP_YEARWEEK}, {"era", DP_ERA},
        {"hour", DP_HOUR}, {"h", DP_HOUR}, {"hr", DP_HOUR}, {"hrs", DP_HOUR},
        {"hours", DP_HOUR}, {"minute", DP_MINUTE}, {"m", DP_MINUTE}, {"min", DP_MINUTE},
        {"mins", DP_MINUTE}, {"minutes", DP_MINUTE}, {"second", DP_SECOND}, {"s", DP_SECOND},
        {"sec", DP_SECOND}, {"secs", DP_SECOND}, {"seconds", DP_SECOND},
        {"millisecond", DP_MILLI}, {"milliseconds", DP_MILLI}, {"ms", DP_MILLI},
        {"msec", DP_MILLI}, {"msecs", DP_MILLI}, {"msecond", DP_MILLI},
        {"mseconds", DP_MILLI}, {"microsecond", DP_MICRO}, {"microseconds", DP_MICRO},
        {"us", DP_MICRO}, {"usec", DP_MICRO}, {"usecs", DP_MICRO}, {"usecond", DP_MICRO},
        {"useconds", DP_MICRO}, {"epoch", DP_EPOCH},
        /* the session zone's offset: UTC's, 0 (DuckDB gives 0 for a TIMESTAMP too) */
        {"timezone", DP_TZ}, {"timezone_hour", DP_TZ}, {"timezone_minute", DP_TZ},
    };
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
        if ((int64_t)strlen(map[k].s) == n && strncasecmp(map[k].s, p, (size_t)n) == 0)
            return map[k].p;
    return DP_BAD;
}

static int64_t fmod64(int64_t a, int64_t b) { return a - fn_floor_div(a, b) * b; }

/* The microseconds of x (a DATE's midnight). */
static inline int64_t as_us(const sl_arg *a, bool is_ts, int64_t i)
{
    int64_t x = fn_i64(a, i);
    return is_ts ? x : x * US_PER_DAY;
}

/* Row i of a DATE or TIMESTAMP argument is 'infinity' or '-infinity' (its parts are NULL). */
static inline bool is_inf(const sl_arg *a, bool is_ts, int64_t i)
{
    int64_t x = fn_i64(a, i);
    return is_ts ? sl_ts_is_inf(x) : sl_date_is_inf(x);
}

/* ISO-8601 year and week of a day. */
static void iso_week(int64_t days, int64_t *iy, int64_t *wk)
{
    int64_t isodow = fmod64(days + 3, 7) + 1; /* 1970-01-01 was a Thursday: isodow 4 */
    int64_t thu = days - (isodow - 1) + 3;
    int64_t y;
    int m, d;
    sl_civil_from_days(thu, &y, &m, &d);
    *iy = y;
    *wk = (thu - sl_days_from_civil(y, 1, 1)) / 7 + 1;
}

/* The value of part p of the instant us (BIGINT parts). */
static int64_t part_of(dpart p, int64_t us)
{
    int64_t days = fn_floor_div(us, US_PER_DAY), tod = us - days * US_PER_DAY, y, iy, wk;
    int m, d;
    sl_civil_from_days(days, &y, &m, &d);
    switch (p) {
    case DP_YEAR: return y;
    case DP_QUARTER: return (m - 1) / 3 + 1;
    case DP_MONTH: return m;
    case DP_DAY: return d;
    case DP_DECADE: return fn_floor_div(y, 10);
    case DP_CENTURY: return y > 0 ? (y - 1) / 100 + 1 : -((-y) / 100 + 1);
    case DP_MILLENNIUM: return y > 0 ? (y - 1) / 1000 + 1 : -((-y) / 1000 + 1);
    case DP_DOW: return fmod64(days + 4, 7);
    case DP_ISODOW: return fmod64(days + 3, 7) + 1;
    case DP_DOY: return days - sl_days_from_civil(y, 1, 1) + 1;
    case DP_WEEK: iso_week(days, &iy, &wk); return wk;
    case DP_ISOYEAR: iso_week(days, &iy, &wk); return iy;
    case DP_YEARWEEK: iso_week(days, &iy, &wk); return iy * 100 + (iy > 0 ? wk : -wk);
    case DP_ERA: return y > 0 ? 1 : 0;
    case DP_HOUR: return tod / INT64_C(3600000000);
    case DP_MINUTE: return tod / 60000000 % 60;
    case DP_SECOND: return tod / 1000000 % 60;
    case DP_MILLI: return tod / 1000 % 60000;
    case DP_MICRO: return tod % 60000000;
    default: return 0;
    }
}

/* date_part(part, x): BIGINT; DOUBLE when part is the constant 'epoch' (seconds). */
FN_BIND(fn_bind_date_part2)
{
    int rc = 0;
    if (!fn_want(args, 0, SL_T_VARCHAR, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    if (args[1]->type != SL_T_DATE && !sl_type_is_ts(args[1]->type) &&
        args[1]->type != SL_T_INTERVAL && !fn_want(args, 1, SL_T_TIMESTAMP, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    *rt = SL_T_BIGINT;
    if (args[0]->kind == SL_E_CONST && !args[0]->cval.is_null) {
        const char *p = args[0]->cval.v.s.p;
        int64_t n = args[0]->cval.v.s.len;
        if (dpart_parse(p, n) == DP_EPOCH)
            *rt = SL_T_DOUBLE;
    }
    return 0;
}

static int bad_part(const sl_expr *e, const char *p, int64_t n, sl_err *err)
{
    return fn_rt_error(err, e, "extract specifier \"%.*s\" not recognized", (int)n, p);
}

/* date_part of an INTERVAL (fn_interval.c's parts; DuckDB's error for the others). */
static int interval_part2(const sl_expr *e, const sl_arg *a, const sl_rows *rows, sl_vec **out,
                          sl_err *err)
{
    sl_vec *o = fn_new_fixed(e->type, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i))
            continue;
        int64_t pn, vn;
        const char *ps = fn_str(&a[0], i, &pn), *vp = fn_str(&a[1], i, &vn);
        bool dbl;
        int64_t r = 0;
        double d = 0;
        if (vn != SL_IV_BYTES ||
            fn_interval_part(ps, pn, sl_interval_get(vp), &dbl, &r, &d) != 0 ||
            dbl != (e->type == SL_T_DOUBLE)) {
            sl_vec_free(&o);
            return fn_rt_error(err, e, "interval units \"%.*s\" not recognized", (int)pn, ps);
        }
        if (dbl)
            o->d.f64[i] = d;
        else
            o->d.i64[i] = r;
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}

FN_EXEC(fn_exec_date_part2)
{
    if (e->args[1]->type == SL_T_INTERVAL)
        return interval_part2(e, a, rows, out, err);
    sl_vec *o = fn_new_fixed(e->type, rows->n_rows);
    bool is_ts = sl_type_is_ts(e->args[1]->type), dbl = e->type == SL_T_DOUBLE;
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i))
            continue;
        int64_t pn;
        const char *ps = fn_str(&a[0], i, &pn);
        dpart p = dpart_parse(ps, pn);
        if (p == DP_BAD || (p == DP_EPOCH && !dbl) || (p == DP_TZ && !is_ts)) {
            sl_vec_free(&o);
            return bad_part(e, ps, pn, err);
        }
        if (is_inf(&a[1], is_ts, i))
            continue;
        int64_t us = as_us(&a[1], is_ts, i);
        if (dbl)
            o->d.f64[i] = (double)us / 1e6;
        else
            o->d.i64[i] = part_of(p, us);
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}

/* date_diff(part, start, end): BIGINT; DATE and TIMESTAMP mix as TIMESTAMP. */
FN_BIND(fn_bind_date_diff)
{
    int rc = 0;
    if (!fn_want(args, 0, SL_T_VARCHAR, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    int idx[2] = {1, 2};
    sl_type t, c1, c2;
    if (!fn_common_type(args, idx, 2, &t, &c1, &c2))
        return FN_NO_MATCH;
    if (t == SL_T_NULL || t == SL_T_VARCHAR)
        t = SL_T_TIMESTAMP;
    if (t != SL_T_DATE && !sl_type_is_ts(t))
        return FN_NO_MATCH;
    if ((rc = fn_coerce_all(args, idx, 2, t, err)))
        return rc;
    *rt = SL_T_BIGINT;
    return 0;
}

static int64_t diff_of(dpart p, int64_t u1, int64_t u2)
{
    int64_t d1 = fn_floor_div(u1, US_PER_DAY), d2 = fn_floor_div(u2, US_PER_DAY);
    int64_t y1, y2, i1, i2, w;
    int m1, m2, dd;
    sl_civil_from_days(d1, &y1, &m1, &dd);
    sl_civil_from_days(d2, &y2, &m2, &dd);
    switch (p) {
    case DP_YEAR: return y2 - y1;
    case DP_QUARTER: return (y2 * 4 + (m2 - 1) / 3) - (y1 * 4 + (m1 - 1) / 3);
    case DP_MONTH: return (y2 * 12 + m2) - (y1 * 12 + m1);
    case DP_DECADE: return y2 / 10 - y1 / 10;
    case DP_CENTURY: return y2 / 100 - y1 / 100;
    case DP_MILLENNIUM: return y2 / 1000 - y1 / 1000;
    case DP_DAY: case DP_DOY: case DP_DOW: case DP_ISODOW: return d2 - d1;
    case DP_WEEK: return (d2 - d1) / 7;
    case DP_ISOYEAR: iso_week(d1, &i1, &w); iso_week(d2, &i2, &w); return i2 - i1;
    case DP_HOUR:
        return fn_floor_div(u2, INT64_C(3600000000)) - fn_floor_div(u1, INT64_C(3600000000));
    case DP_MINUTE: return fn_floor_div(u2, 60000000) - fn_floor_div(u1, 60000000);
    case DP_SECOND: case DP_EPOCH: return fn_floor_div(u2, 1000000) - fn_floor_div(u1, 1000000);
    case DP_MILLI: return fn_floor_div(u2, 1000) - fn_floor_div(u1, 1000);
    case DP_MICRO: return u2 - u1;
    default: return 0;
    }
}

FN_EXEC(fn_exec_date_diff)
{
    sl_vec *o = fn_new_fixed(SL_T_BIGINT, rows->n_rows);
    bool is_ts = sl_type_is_ts(e->args[1]->type);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i) || !fn_ok(&a[2], i))
            continue;
        int64_t pn;
        const char *ps = fn_str(&a[0], i, &pn);
        dpart p = dpart_parse(ps, pn);
        if (p == DP_BAD || p == DP_YEARWEEK || p == DP_ERA || p == DP_TZ) {
            sl_vec_free(&o);
            return bad_part(e, ps, pn, err);
        }
        if (is_inf(&a[1], is_ts, i) || is_inf(&a[2], is_ts, i))
            continue;
        o->d.i64[i] = diff_of(p, as_us(&a[1], is_ts, i), as_us(&a[2], is_ts, i));
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}

/* ---- make_date, make_timestamp ---- */

FN_BIND(fn_bind_make_date)
{
    int rc = 0;
    for (int j = 0; j < n; j++)
        if (!fn_want(args, j, SL_T_BIGINT, err, &rc))
            return rc ? rc : FN_NO_MATCH;
    *rt = SL_T_DATE;
    return 0;
}

static bool valid_ymd(int64_t y, int64_t m, int64_t d)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < -290000 || y > 290000 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

FN_EXEC(fn_exec_make_date)
{
    sl_vec *o = fn_new_fixed(SL_T_DATE, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i) || !fn_ok(&a[2], i))
            continue;
        int64_t y = fn_i64(&a[0], i), m = fn_i64(&a[1], i), d = fn_i64(&a[2], i);
        if (!valid_ymd(y, m, d)) {
            sl_vec_free(&o);
            return fn_rt_error(err, e, "Date out of range: %lld-%lld-%lld", (long long)y,
                               (long long)m, (long long)d);
        }
        o->d.i64[i] = sl_days_from_civil(y, (int)m, (int)d);
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}

/* make_timestamp(y, m, d, h, mi, s DOUBLE) or make_timestamp(microseconds BIGINT). */
FN_BIND(fn_bind_make_timestamp)
{
    int rc = 0;
    if (n != 1 && n != 6)
        return FN_NO_MATCH;
    for (int j = 0; j < n; j++) {
        sl_type t = j == 5 ? SL_T_DOUBLE : SL_T_BIGINT;
        if (j == 5 && args[j]->type == SL_T_BIGINT) {
            if ((rc = fn_coerce(&args[j], SL_T_DOUBLE, err)))
                return rc;
        } else if (!fn_want(args, j, t, err, &rc)) {
            return rc ? rc : FN_NO_MATCH;
        }
    }
    *rt = SL_T_TIMESTAMP;
    return 0;
}

/* make_timestamptz: the same fields read in the session time zone (UTC): TIMESTAMPTZ. */
FN_BIND(fn_bind_make_timestamptz)
{
    int rc = fn_bind_make_timestamp(args, n, rt, err);
    if (!rc)
        *rt = SL_T_TIMESTAMPTZ;
    return rc;
}

FN_EXEC(fn_exec_make_timestamp) /* also make_timestamptz: e->type */
{
    sl_vec *o = fn_new_fixed(e->type, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        bool ok = true;
        for (int j = 0; j < e->n_args; j++)
            ok = ok && fn_ok(&a[j], i);
        if (!ok)
            continue;
        if (e->n_args == 1) {
            o->d.i64[i] = fn_i64(&a[0], i);
        } else {
            int64_t y = fn_i64(&a[0], i), m = fn_i64(&a[1], i), d = fn_i64(&a[2], i);
            int64_t h = fn_i64(&a[3], i), mi = fn_i64(&a[4], i);
            double s = fn_f64(&a[5], i);
            if (!valid_ymd(y, m, d) || h < 0 || h > 24 || mi < 0 || mi > 59 || !(s >= 0) ||
                !(s < 60)) {
                sl_vec_free(&o);
                return fn_rt_error(err, e, "Timestamp out of range: %lld-%lld-%lld %lld:%lld:%g",
                                   (long long)y, (long long)m, (long long)d, (long long)h,
                                   (long long)mi, s);
            }
            int64_t us = (int64_t)llround(s * 1e6);
            o->d.i64[i] = sl_days_from_civil(y, (int)m, (int)d) * US_PER_DAY +
                          (h * 3600 + mi * 60) * INT64_C(1000000) + us;
        }
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}

/* to_timestamp(seconds): the TIMESTAMPTZ that many seconds (a DOUBLE, rounded half to even to
 * the microsecond) after 1970-01-01 00:00:00 UTC. */
FN_BIND(fn_bind_to_timestamp)
{
    int rc = 0;
    (void)n;
    if ((rc = fn_want_double(args, 0, err)))
        return rc;
    *rt = SL_T_TIMESTAMPTZ;
    return 0;
}

FN_EXEC(fn_exec_to_timestamp)
{
    sl_vec *o = fn_new_fixed(SL_T_TIMESTAMPTZ, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        double us = nearbyint(fn_f64(&a[0], i) * 1e6);
        if (!(us >= -9223372036854775808.0 && us < 9223372036854775808.0) ||
            sl_ts_is_inf((int64_t)us)) {
            sl_vec_free(&o);
            return fn_rt_error(err, e, "Epoch seconds out of range for TIMESTAMP WITH TIME "
                               "ZONE");
        }
        o->d.i64[i] = (int64_t)us;
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}

/* ---- epoch, epoch_ms, last_day, dayname, monthname ---- */

/* One DATE or TIMESTAMP argument (a literal or NULL becomes TIMESTAMP); result t. */
static int one_date(sl_expr **args, sl_type t, sl_type *rt, sl_err *err)
{
    int rc = 0;
    if (args[0]->type != SL_T_DATE && !sl_type_is_ts(args[0]->type) &&
        !fn_want(args, 0, SL_T_TIMESTAMP, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    *rt = t;
    return 0;
}

FN_BIND(fn_bind_epoch) { return one_date(args, SL_T_DOUBLE, rt, err); }
FN_BIND(fn_bind_last_day) { return one_date(args, SL_T_DATE, rt, err); }
FN_BIND(fn_bind_date_name) { return one_date(args, SL_T_VARCHAR, rt, err); }

/* epoch_ms(x): milliseconds of a DATE or TIMESTAMP (BIGINT), or the TIMESTAMP of a BIGINT
 * count of milliseconds. */
FN_BIND(fn_bind_epoch_ms)
{
    if (args[0]->type == SL_T_BIGINT) {
        *rt = SL_T_TIMESTAMP;
        return 0;
    }
    return one_date(args, SL_T_BIGINT, rt, err);
}

/* epoch (DOUBLE seconds), epoch_ms (BIGINT milliseconds, or from a BIGINT the TIMESTAMP),
 * last_day (DATE): by result type. */
static int epoch_kernel(const sl_expr *e, const sl_arg *a, const sl_rows *rows, sl_vec **out)
{
    sl_vec *o = fn_new_fixed(e->type, rows->n_rows);
    sl_type at = e->args[0]->type;
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        int64_t x = fn_i64(&a[0], i);
        if ((at == SL_T_DATE || sl_type_is_ts(at)) && is_inf(&a[0], sl_type_is_ts(at), i))
            continue;
        int64_t us = at == SL_T_DATE ? x * US_PER_DAY : x, y;
        int m, d;
        switch (e->type) {
        case SL_T_DOUBLE: o->d.f64[i] = (double)us / 1e6; break;
        case SL_T_BIGINT: o->d.i64[i] = fn_floor_div(us, 1000); break;
        case SL_T_TIMESTAMP: o->d.i64[i] = x * 1000; break; /* epoch_ms(BIGINT) */
        default: /* last_day */
            sl_civil_from_days(fn_floor_div(us, US_PER_DAY), &y, &m, &d);
            o->d.i64[i] = (m == 12 ? sl_days_from_civil(y + 1, 1, 1)
                                   : sl_days_from_civil(y, m + 1, 1)) - 1;
            break;
        }
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}

FN_EXEC(fn_exec_epoch) { return epoch_kernel(e, a, rows, out); }
FN_EXEC(fn_exec_epoch_ms) { return epoch_kernel(e, a, rows, out); }
FN_EXEC(fn_exec_last_day) { return epoch_kernel(e, a, rows, out); }

static const char *const day_names[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};
static const char *const month_names[] = {"January", "February", "March", "April", "May",
                                          "June", "July", "August", "September", "October",
                                          "November", "December"};

static sl_vec *name_kernel(const sl_expr *e, const sl_arg *a, const sl_rows *rows, bool day)
{
    sl_vec *o = sl_vec_new(SL_T_VARCHAR, rows->n_rows);
    bool is_ts = sl_type_is_ts(e->args[0]->type);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i) || is_inf(&a[0], is_ts, i))
            continue;
        int64_t us = as_us(&a[0], is_ts, i);
        const char *s = day ? day_names[part_of(DP_DOW, us)]
                            : month_names[part_of(DP_MONTH, us) - 1];
        fn_pad(o, i);
        sl_vec_push_str(o, s, (int64_t)strlen(s));
    }
    fn_pad(o, rows->n_rows);
    return o;
}

FN_EXEC(fn_exec_dayname) { *out = name_kernel(e, a, rows, true); return 0; }
FN_EXEC(fn_exec_monthname) { *out = name_kernel(e, a, rows, false); return 0; }

/* Shared with fn_strftime.c. */
const char *fn_day_name(int dow) { return day_names[dow]; }
const char *fn_month_name(int m) { return month_names[m - 1]; }
