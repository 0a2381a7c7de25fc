/*
 * INTERVAL values and infinite dates (issue 17), as DuckDB computes them: the arithmetic rules
 * that fn_arith.c's + - * / and negation hand over once an operand is an INTERVAL (or for
 * TIMESTAMP - TIMESTAMP), date_part of an INTERVAL, the to_years ... to_microseconds constructors,
 * age(a, b), and isinf / isfinite of a DOUBLE, DATE or TIMESTAMP (DATE and TIMESTAMP 'infinity' /
 * '-infinity', types.h's SL_DATE_INF and SL_TS_INF). INTERVAL values are 16-byte heap values
 * (batch/interval.c). Local.
 */
#include "func/fn_int.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#define US_PER_DAY SL_IV_US_PER_DAY

/* ---- + - * / and negation ---- */

static bool is_ts_like(sl_type t) { return t == SL_T_DATE || sl_type_is_ts(t); }

int fn_interval_bind_arith(sl_expr **args, int n, char op, sl_type *rt, sl_err *err)
{
    sl_type a = args[0]->type, b = n > 1 ? args[1]->type : SL_T_NULL;
    int rc;
    if (op == 'n')
        return a == SL_T_INTERVAL ? (*rt = SL_T_INTERVAL, 0) : FN_NO_MATCH;
    bool ia = a == SL_T_INTERVAL, ib = b == SL_T_INTERVAL;
    if (op == '-' && is_ts_like(a) && is_ts_like(b) && !(a == SL_T_DATE && b == SL_T_DATE)) {
        /* TIMESTAMP - TIMESTAMP (a DATE beside a TIMESTAMP is its midnight): an INTERVAL;
         * beside a TIMESTAMPTZ both are instants */
        sl_type ts = a == SL_T_TIMESTAMPTZ || b == SL_T_TIMESTAMPTZ ? SL_T_TIMESTAMPTZ
                                                                    : SL_T_TIMESTAMP;
        if ((rc = fn_coerce(&args[0], ts, err)) || (rc = fn_coerce(&args[1], ts, err)))
            return rc;
        *rt = SL_T_INTERVAL;
        return 0;
    }
    if (!ia && !ib)
        return FN_NO_MATCH;
    if ((op == '+' || op == '-') && (ia || a == SL_T_NULL) && (ib || b == SL_T_NULL)) {
        for (int j = 0; j < 2; j++)
            if ((rc = fn_coerce(&args[j], SL_T_INTERVAL, err)))
                return rc;
        *rt = SL_T_INTERVAL;
        return 0;
    }
    if ((op == '+' && (is_ts_like(a) || is_ts_like(b))) || (op == '-' && is_ts_like(a))) {
        /* DATE / TIMESTAMP +/- INTERVAL: a TIMESTAMP (DuckDB's type for a DATE too); a
         * TIMESTAMPTZ stays one (in the UTC session zone the same calendar arithmetic) */
        int j = ia ? 1 : 0;
        sl_type ts = args[j]->type == SL_T_TIMESTAMPTZ ? SL_T_TIMESTAMPTZ : SL_T_TIMESTAMP;
        if ((rc = fn_coerce(&args[j], ts, err)))
            return rc;
        *rt = ts;
        return 0;
    }
    if ((op == '*' && (ia != ib)) || (op == '/' && ia && !ib)) {
        int j = ia ? 1 : 0;
        sl_type t = args[j]->type;
        if (!sl_type_is_numeric(t) && !sl_type_is_decimal(t) && t != SL_T_NULL)
            return FN_NO_MATCH;
        sl_type to = sl_type_is_int(t) ? SL_T_BIGINT : SL_T_DOUBLE;
        if ((rc = fn_coerce(&args[j], to, err)))
            return rc;
        *rt = SL_T_INTERVAL;
        return 0;
    }
    return SL_ERR(err, SL_EBIND, "no rule for %s %c %s", sl_type_name(a), op, sl_type_name(b));
}

bool fn_interval_arith(const sl_expr *e)
{
    if (e->type == SL_T_INTERVAL)
        return true;
    for (int j = 0; j < e->n_args; j++)
        if (e->args[j]->type == SL_T_INTERVAL)
            return true;
    return false;
}

static sl_interval iv_at(const sl_arg *a, int64_t i)
{
    int64_t n;
    const char *p = fn_str(a, i, &n);
    return n == SL_IV_BYTES ? sl_interval_get(p) : (sl_interval){0, 0, 0};
}

/* ts + iv (sign -1: minus): months first (the day clamped to the new month's length: Jan 31
 * + 1 month is Feb 29 in 2024), then days, then microseconds, as DuckDB adds an interval; an
 * infinite ts stays itself. False on overflow. */
static bool ts_add(int64_t ts, sl_interval iv, int sign, int64_t *out)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (sl_ts_is_inf(ts)) {
        *out = ts;
        return true;
    }
    int64_t mo = sign * (int64_t)iv.months, dd = sign * (int64_t)iv.days, us;
    if (__builtin_mul_overflow(iv.micros, (int64_t)sign, &us))
        return false;
    int64_t days = fn_ts_days(ts), tod = ts - days * US_PER_DAY;
    if (mo) {
        int64_t y;
        int m, d;
        sl_civil_from_days(days, &y, &m, &d);
        int64_t m0 = y * 12 + (m - 1) + mo;
        y = m0 >= 0 ? m0 / 12 : -((-m0 + 11) / 12);
        m = (int)(m0 - y * 12) + 1;
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        int last = mdays[m - 1] + (m == 2 && leap);
        days = sl_days_from_civil(y, m, d > last ? last : d);
    }
    int64_t r;
    if (__builtin_add_overflow(days, dd, &days) ||
        __builtin_mul_overflow(days, US_PER_DAY, &r) || __builtin_add_overflow(r, tod, &r) ||
        __builtin_add_overflow(r, us, &r) || sl_ts_is_inf(r))
        return false;
    *out = r;
    return true;
}

/* An INTERVAL from exact parts, false out of range (int32 months and days). */
static bool iv_make(int64_t mo, int64_t d, int64_t us, sl_interval *out)
{
    if (mo < INT32_MIN || mo > INT32_MAX || d < INT32_MIN || d > INT32_MAX)
        return false;
    *out = (sl_interval){(int32_t)mo, (int32_t)d, us};
    return true;
}

/* iv scaled by f (multiplied, or divided when div): the fraction of a month carried into days
 * (30 a month), of a day into microseconds. */
static bool iv_scale(sl_interval iv, double f, bool div, sl_interval *out)
{
    double m = div ? iv.months / f : iv.months * f, mi = trunc(m);
    double d = (div ? iv.days / f : iv.days * f) + (m - mi) * SL_IV_DAYS_PER_MONTH;
    double di = trunc(d);
    double us = (div ? (double)iv.micros / f : (double)iv.micros * f) + (d - di) * US_PER_DAY;
    if (!(fabs(mi) < 2147483648.0 && fabs(di) < 2147483648.0 && fabs(us) < 9.2e18))
        return false;
    return iv_make((int64_t)mi, (int64_t)di, llround(us), out);
}

static bool iv_addsub(sl_interval x, sl_interval y, int sign, sl_interval *out)
{
    int64_t us;
    if (__builtin_mul_overflow(y.micros, (int64_t)sign, &us) ||
        __builtin_add_overflow(x.micros, us, &us))
        return false;
    return iv_make((int64_t)x.months + sign * (int64_t)y.months,
                   (int64_t)x.days + sign * (int64_t)y.days, us, out);
}

/* TIMESTAMP - TIMESTAMP: days and microseconds (no months), as DuckDB's; NULL-free rows. */
static int ts_diff(const sl_expr *e, int64_t x, int64_t y, sl_interval *out, sl_err *err)
{
    int64_t d;
    if (sl_ts_is_inf(x) || sl_ts_is_inf(y))
        return fn_rt_error(err, e, "Cannot subtract infinite timestamps");
    if (__builtin_sub_overflow(x, y, &d))
        return fn_rt_error(err, e, "Overflow in subtraction of TIMESTAMP");
    *out = (sl_interval){0, (int32_t)(d / US_PER_DAY), d % US_PER_DAY};
    return 0;
}

int fn_interval_exec_arith(const sl_expr *e, const sl_arg *a, const sl_rows *rows, char op,
                           sl_vec **out, sl_err *err)
{
    sl_type t0 = e->args[0]->type, t1 = e->n_args > 1 ? e->args[1]->type : SL_T_NULL;
    bool ts_out = sl_type_is_ts(e->type);
    sl_vec *o = ts_out ? fn_new_fixed(e->type, rows->n_rows)
                       : sl_vec_new(SL_T_INTERVAL, rows->n_rows);
    char buf[SL_IV_BYTES];
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        bool ok = true;
        for (int j = 0; j < e->n_args; j++)
            ok = ok && fn_ok(&a[j], i);
        if (!ok)
            continue;
        sl_interval r = {0, 0, 0};
        bool fine = true, null = false;
        if (ts_out) {
            int j = t0 == SL_T_INTERVAL ? 1 : 0;
            fine = ts_add(fn_i64(&a[j], i), iv_at(&a[1 - j], i), op == '-' ? -1 : 1,
                          &o->d.i64[i]);
            if (fine)
                fn_set_valid(o, i);
        } else if (op == 'n') {
            fine = iv_addsub((sl_interval){0, 0, 0}, iv_at(&a[0], i), -1, &r);
        } else if (sl_type_is_ts(t0) && sl_type_is_ts(t1)) {
            if (ts_diff(e, fn_i64(&a[0], i), fn_i64(&a[1], i), &r, err)) {
                sl_vec_free(&o);
                return SL_ERUNTIME;
            }
        } else if (op == '+' || op == '-') {
            fine = iv_addsub(iv_at(&a[0], i), iv_at(&a[1], i), op == '-' ? -1 : 1, &r);
        } else {
            int j = t0 == SL_T_INTERVAL ? 1 : 0;
            sl_interval x = iv_at(&a[1 - j], i);
            if (e->args[j]->type == SL_T_BIGINT && op == '*') {
                int64_t f = fn_i64(&a[j], i), mo, d, us;
                fine = !__builtin_mul_overflow((int64_t)x.months, f, &mo) &&
                       !__builtin_mul_overflow((int64_t)x.days, f, &d) &&
                       !__builtin_mul_overflow(x.micros, f, &us) && iv_make(mo, d, us, &r);
            } else {
                double f = e->args[j]->type == SL_T_BIGINT ? (double)fn_i64(&a[j], i)
                                                           : fn_f64(&a[j], i);
                if (op == '/' && f == 0)
                    null = true; /* DuckDB: NULL */
                else
                    fine = iv_scale(x, f, op == '/', &r);
            }
        }
        if (!fine) {
            sl_vec_free(&o);
            return fn_rt_error(err, e, ts_out ? "TIMESTAMP out of range"
                                              : "Overflow in INTERVAL arithmetic");
        }
        if (!ts_out && !null) {
            fn_pad(o, i);
            sl_interval_put(buf, r);
            sl_vec_push_str(o, buf, SL_IV_BYTES);
        }
    }
    if (!ts_out)
        fn_pad(o, rows->n_rows);
    *out = o;
    return 0;
}

/* ---- age ---- */

/* age(a, b): TIMESTAMP or TIMESTAMPTZ (both of the common type; a DATE is its midnight, a
 * TIMESTAMPTZ is taken apart in the UTC session zone): an INTERVAL. */
FN_BIND(fn_bind_age)
{
    int idx[2] = {0, 1}, rc;
    sl_type t, c1, c2;
    (void)n;
    if (!fn_common_type(args, idx, 2, &t, &c1, &c2))
        return FN_NO_MATCH;
    if (t == SL_T_NULL || t == SL_T_DATE)
        t = SL_T_TIMESTAMP;
    if (!sl_type_is_ts(t)) /* two strings are ambiguous in DuckDB too */
        return FN_NO_MATCH;
    if ((rc = fn_coerce_all(args, idx, 2, t, err)))
        return rc;
    *rt = SL_T_INTERVAL;
    return 0;
}

/* DuckDB's Interval::GetAge (PostgreSQL's age): the field differences of a and b, taken with
 * the later one first, each negative field borrowed from the next larger (a day borrows the
 * length of the earlier one's month), the sign put back. */
static sl_interval age_of(int64_t a, int64_t b)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t da = fn_floor_div(a, US_PER_DAY), db = fn_floor_div(b, US_PER_DAY), ya, yb;
    int64_t ta = a - da * US_PER_DAY, tb = b - db * US_PER_DAY;
    int ma, mb, dda, ddb;
    sl_civil_from_days(da, &ya, &ma, &dda);
    sl_civil_from_days(db, &yb, &mb, &ddb);
    int64_t h = INT64_C(3600000000);
    int64_t f[6] = {ya - yb, ma - mb, dda - ddb, ta / h - tb / h,
                    ta / 60000000 % 60 - tb / 60000000 % 60, ta % 60000000 - tb % 60000000};
    bool flip = a < b;
    if (flip)
        for (int k = 0; k < 6; k++)
            f[k] = -f[k];
    int64_t y = flip ? ya : yb;
    int m = flip ? ma : mb;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int64_t dim = mdays[m - 1] + (m == 2 && leap);
    while (f[5] < 0) { f[5] += 60000000; f[4]--; } /* seconds and microseconds */
    while (f[4] < 0) { f[4] += 60; f[3]--; }
    while (f[3] < 0) { f[3] += 24; f[2]--; }
    while (f[2] < 0) { f[2] += dim; f[1]--; }
    while (f[1] < 0) { f[1] += 12; f[0]--; }
    int64_t sg = flip ? -1 : 1;
    return (sl_interval){(int32_t)(sg * (f[0] * 12 + f[1])), (int32_t)(sg * f[2]),
                         sg * ((f[3] * 60 + f[4]) * 60000000 + f[5])};
}

FN_EXEC(fn_exec_age)
{
    sl_vec *o = sl_vec_new(SL_T_INTERVAL, rows->n_rows);
    char buf[SL_IV_BYTES];
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i))
            continue;
        int64_t x = fn_i64(&a[0], i), y = fn_i64(&a[1], i);
        if (sl_ts_is_inf(x) || sl_ts_is_inf(y)) /* NULL, as DuckDB */
            continue;
        fn_pad(o, i);
        sl_interval_put(buf, age_of(x, y));
        sl_vec_push_str(o, buf, SL_IV_BYTES);
    }
    fn_pad(o, rows->n_rows);
    *out = o;
    return 0;
}

/* ---- date_part of an INTERVAL ---- */

int fn_interval_part(const char *p, int64_t n, sl_interval v, bool *dbl, int64_t *r, double *d)
{
    static const struct { const char *s; int k; } map[] = {
        {"year", 0}, {"y", 0}, {"yr", 0}, {"yrs", 0}, {"years", 0}, {"month", 1}, {"mon", 1},
        {"mons", 1}, {"months", 1}, {"day", 2}, {"d", 2}, {"days", 2}, {"dayofmonth", 2},
        {"hour", 3}, {"h", 3}, {"hr", 3}, {"hrs", 3}, {"hours", 3}, {"minute", 4}, {"m", 4},
        {"min", 4}, {"mins", 4}, {"minutes", 4}, {"second", 5}, {"s", 5}, {"sec", 5},
        {"secs", 5}, {"seconds", 5}, {"millisecond", 6}, {"milliseconds", 6}, {"ms", 6},
        {"msec", 6}, {"msecs", 6}, {"msecond", 6}, {"mseconds", 6}, {"microsecond", 7},
        {"microseconds", 7}, {"us", 7}, {"usec", 7}, {"usecs", 7}, {"usecond", 7},
        {"useconds", 7}, {"epoch", 8}, {"quarter", 9}, {"quarters", 9}, {"decade", 10},
        {"dec", 10}, {"decades", 10}, {"decs", 10}, {"century", 11}, {"cent", 11},
        {"centuries", 11}, {"c", 11}, {"millennium", 12}, {"mil", 12}, {"millenia", 12},
        {"millennia", 12}, {"mils", 12}, {"millenium", 12},
    };
    int k = -1;
    for (size_t j = 0; j < sizeof map / sizeof map[0]; j++)
        if ((int64_t)strlen(map[j].s) == n && strncasecmp(map[j].s, p, (size_t)n) == 0)
            k = map[j].k;
    int64_t years = v.months / 12, mon = v.months % 12;
    *dbl = k == 8;
    switch (k) {
    case 0: *r = years; return 0;
    case 1: *r = mon; return 0;
    case 2: *r = v.days; return 0;
    case 3: *r = v.micros / INT64_C(3600000000); return 0;
    case 4: *r = v.micros % INT64_C(3600000000) / 60000000; return 0;
    case 5: *r = v.micros % 60000000 / 1000000; return 0;
    case 6: *r = v.micros % 60000000 / 1000; return 0;
    case 7: *r = v.micros % 60000000; return 0;
    case 8: /* DuckDB: a year is 365.25 days, another month 30 */
        *d = (double)years * 365.25 * 86400.0 +
             (double)((mon * SL_IV_DAYS_PER_MONTH + v.days) * 86400) + (double)v.micros / 1e6;
        return 0;
    case 9: *r = mon / 3 + 1; return 0;
    case 10: *r = years / 10; return 0;
    case 11: *r = years / 100; return 0;
    case 12: *r = years / 1000; return 0;
    default: return -1;
    }
}

/* ---- to_years ... to_microseconds ---- */

/* to_seconds and to_milliseconds take a DOUBLE, the others a BIGINT (DuckDB's). */
FN_BIND(fn_bind_to_interval_i)
{
    int rc = 0;
    (void)n;
    if (!sl_type_is_int(args[0]->type) && args[0]->type != SL_T_NULL)
        return FN_NO_MATCH;
    if ((rc = fn_coerce(&args[0], SL_T_BIGINT, err)))
        return rc;
    *rt = SL_T_INTERVAL;
    return 0;
}

FN_BIND(fn_bind_to_interval_d)
{
    int rc = 0;
    (void)n;
    if ((rc = fn_want_double(args, 0, err)))
        return rc;
    *rt = SL_T_INTERVAL;
    return 0;
}

/* unit: 0 years, 1 months, 2 weeks, 3 days, 4 hours, 5 minutes, 6 seconds, 7 milliseconds,
 * 8 microseconds. */
static int to_kernel(const sl_expr *e, const sl_arg *a, const sl_rows *rows, int unit,
                     sl_vec **out, sl_err *err)
{
    static const int64_t us_per[] = {0, 0, 0, 0, INT64_C(3600000000), 60000000, 1000000,
                                     1000, 1};
    sl_vec *o = sl_vec_new(SL_T_INTERVAL, rows->n_rows);
    char buf[SL_IV_BYTES];
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        sl_interval r = {0, 0, 0};
        bool ok = true;
        if (unit == 6 || unit == 7) {
            double us = fn_f64(&a[0], i) * (double)us_per[unit];
            ok = fabs(us) < 9.2e18;
            r.micros = ok ? llround(us) : 0;
        } else {
            int64_t x = fn_i64(&a[0], i), v;
            switch (unit) {
            case 0: ok = !__builtin_mul_overflow(x, 12, &v) && iv_make(v, 0, 0, &r); break;
            case 1: ok = iv_make(x, 0, 0, &r); break;
            case 2: ok = !__builtin_mul_overflow(x, 7, &v) && iv_make(0, v, 0, &r); break;
            case 3: ok = iv_make(0, x, 0, &r); break;
            default: ok = !__builtin_mul_overflow(x, us_per[unit], &r.micros); break;
            }
        }
        if (!ok) {
            sl_vec_free(&o);
            return fn_rt_error(err, e, "Interval value out of range");
        }
        fn_pad(o, i);
        sl_interval_put(buf, r);
        sl_vec_push_str(o, buf, SL_IV_BYTES);
    }
    fn_pad(o, rows->n_rows);
    *out = o;
    return 0;
}

FN_EXEC(fn_exec_to_years) { return to_kernel(e, a, rows, 0, out, err); }
FN_EXEC(fn_exec_to_months) { return to_kernel(e, a, rows, 1, out, err); }
FN_EXEC(fn_exec_to_weeks) { return to_kernel(e, a, rows, 2, out, err); }
FN_EXEC(fn_exec_to_days) { return to_kernel(e, a, rows, 3, out, err); }
FN_EXEC(fn_exec_to_hours) { return to_kernel(e, a, rows, 4, out, err); }
FN_EXEC(fn_exec_to_minutes) { return to_kernel(e, a, rows, 5, out, err); }
FN_EXEC(fn_exec_to_seconds) { return to_kernel(e, a, rows, 6, out, err); }
FN_EXEC(fn_exec_to_milliseconds) { return to_kernel(e, a, rows, 7, out, err); }
FN_EXEC(fn_exec_to_microseconds) { return to_kernel(e, a, rows, 8, out, err); }

/* ---- isinf, isfinite ---- */

/* isinf(x), isfinite(x): x a DATE, TIMESTAMP or DOUBLE (other numbers become DOUBLE). */
FN_BIND(fn_bind_isinf)
{
    int rc = 0;
    (void)n;
    sl_type t = args[0]->type;
    if (t != SL_T_DATE && !sl_type_is_ts(t)) {
        if ((rc = fn_want_double(args, 0, err)))
            return rc;
    }
    *rt = SL_T_BOOL;
    return 0;
}

/* want_inf: isinf (true for an infinite value) or isfinite (true for a finite one; NaN is
 * neither). */
static sl_vec *inf_kernel(const sl_expr *e, const sl_arg *a, const sl_rows *rows, bool want_inf)
{
    sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);
    sl_type t = e->args[0]->type;
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        bool r;
        if (t == SL_T_DOUBLE) {
            double x = fn_f64(&a[0], i);
            r = want_inf ? isinf(x) : isfinite(x);
        } else {
            int64_t x = fn_i64(&a[0], i);
            bool inf = t == SL_T_DATE ? sl_date_is_inf(x) : sl_ts_is_inf(x);
            r = want_inf ? inf : !inf;
        }
        o->d.i64[i] = r;
        fn_set_valid(o, i);
    }
    return o;
}

FN_EXEC(fn_exec_isinf) { (void)err; *out = inf_kernel(e, a, rows, true); return 0; }
FN_EXEC(fn_exec_isfinite) { (void)err; *out = inf_kernel(e, a, rows, false); return 0; }

/* ts + iv for other kernels (list_ops' TIMESTAMP range): ts_add. Local. */
bool fn_ts_add_interval(int64_t ts, sl_interval iv, int sign, int64_t *out)
{
    return ts_add(ts, iv, sign, out);
}
