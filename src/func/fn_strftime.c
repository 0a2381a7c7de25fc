/*
 * strftime(x, format) (also strftime(format, x)) and strptime(text, format) /
 * try_strptime with DuckDB's format codes: %Y %y %-y %G %m %-m %d %-d %j %-j %H %-H %I %-I
 * %M %-M %S %-S %p %f (microseconds) %g (milliseconds) %n (nanoseconds) %a %A %w %u %b %h %B
 * %U %W %V %c %x %X %z (+00) %Z (empty) %%. strptime reads numbers of one or more digits (so
 * '3:4:5' matches %H:%M:%S), skips spaces before a number, matches other characters exactly,
 * and needs the whole text; a field that is absent takes 1900-01-01 00:00:00 as DuckDB (the
 * parser is sl_strptime in batch/text_cast.c, shared with read_csv's dateformat=). A constant
 * format with %z (+HH[:MM]) or %Z (a zone name of fixed offset) gives a TIMESTAMP WITH TIME
 * ZONE, as DuckDB's; strftime of one is in the UTC session zone (%z +00, %Z Etc/UTC).
 * Proleptic Gregorian calendar. Local.
 */
#include "func/fn_int.h"
#include "core/mem.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define US_PER_DAY INT64_C(86400000000)

const char *fn_day_name(int dow);
const char *fn_month_name(int m);

/* ---- strftime ---- */

/* strftime(x, fmt) or strftime(fmt, x): x a DATE or TIMESTAMP. */
FN_BIND(fn_bind_strftime)
{
    int rc = 0, x = 0;
    sl_type t0 = args[0]->type, t1 = args[1]->type;
    if (t0 != SL_T_DATE && !sl_type_is_ts(t0) && (t1 == SL_T_DATE || sl_type_is_ts(t1)))
        x = 1;
    if (args[x]->type != SL_T_DATE && !sl_type_is_ts(args[x]->type) &&
        !fn_want(args, x, SL_T_TIMESTAMP, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    if (!fn_want(args, 1 - x, SL_T_VARCHAR, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    *rt = SL_T_VARCHAR;
    return 0;
}

static void put_num(sl_buf *b, int64_t v, int width)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%0*lld", width, (long long)v);
    sl_buf_append(b, tmp, n);
}

/* Formats us by fmt into b (tz: a TIMESTAMPTZ, whose %Z is the session zone's name); returns
 * false (and the bad specifier in *bad) for an unknown code. */
static bool format_ts(sl_buf *b, int64_t us, bool tz, const char *f, int64_t fn, char *bad)
{
    int64_t days = fn_floor_div(us, US_PER_DAY), tod = us - days * US_PER_DAY, y;
    int m, d;
    sl_civil_from_days(days, &y, &m, &d);
    int64_t yday = days - sl_days_from_civil(y, 1, 1); /* 0-based */
    int64_t wday = ((days + 4) % 7 + 7) % 7;          /* Sunday = 0 */
    int64_t h = tod / INT64_C(3600000000), mi = tod / 60000000 % 60, s = tod / 1000000 % 60;
    int64_t frac = tod % 1000000;
    for (int64_t k = 0; k < fn; k++) {
        if (f[k] != '%' || k + 1 == fn) {
            sl_buf_putc(b, f[k]);
            continue;
        }
        char c = f[++k];
        bool pad = true;
        if (c == '-' && k + 1 < fn) {
            pad = false;
            c = f[++k];
        }
        int w = pad ? 2 : 1;
        switch (c) {
        case 'Y': put_num(b, y, pad ? 4 : 1); break;
        case 'y': put_num(b, ((y % 100) + 100) % 100, w); break;
        case 'G': case 'V': {
            int64_t isodow = ((days + 3) % 7 + 7) % 7 + 1, thu = days - (isodow - 1) + 3, iy;
            int im, id;
            sl_civil_from_days(thu, &iy, &im, &id);
            if (c == 'G')
                put_num(b, iy, 4);
            else
                put_num(b, (thu - sl_days_from_civil(iy, 1, 1)) / 7 + 1, 2);
            break;
        }
        case 'm': put_num(b, m, w); break;
        case 'd': put_num(b, d, w); break;
        case 'j': put_num(b, yday + 1, pad ? 3 : 1); break;
        case 'H': put_num(b, h, w); break;
        case 'I': put_num(b, h % 12 == 0 ? 12 : h % 12, w); break;
        case 'M': put_num(b, mi, w); break;
        case 'S': put_num(b, s, w); break;
        case 'p': sl_buf_append(b, h < 12 ? "AM" : "PM", 2); break;
        case 'f': put_num(b, frac, 6); break;
        case 'g': put_num(b, frac / 1000, 3); break;
        case 'n': put_num(b, frac * 1000, 9); break;
        case 'a': sl_buf_append(b, fn_day_name((int)wday), 3); break;
        case 'A': sl_buf_append(b, fn_day_name((int)wday),
                                (int64_t)strlen(fn_day_name((int)wday))); break;
        case 'w': put_num(b, wday, 1); break;
        case 'u': put_num(b, wday == 0 ? 7 : wday, 1); break;
        case 'b': case 'h': sl_buf_append(b, fn_month_name(m), 3); break;
        case 'B': sl_buf_append(b, fn_month_name(m), (int64_t)strlen(fn_month_name(m))); break;
        case 'U': put_num(b, (yday + 7 - wday) / 7, 2); break;
        case 'W': put_num(b, (yday + 7 - (wday ? wday - 1 : 6)) / 7, 2); break;
        case 'c': format_ts(b, us, tz, "%Y-%m-%d %H:%M:%S", 17, bad); break;
        case 'x': format_ts(b, us, tz, "%Y-%m-%d", 8, bad); break;
        case 'X': format_ts(b, us, tz, "%H:%M:%S", 8, bad); break;
        case 'z': sl_buf_append(b, "+00", 3); break;
        case 'Z': if (tz) sl_buf_append(b, "Etc/UTC", 7); break;
        case '%': sl_buf_putc(b, '%'); break;
        default: *bad = c; return false;
        }
    }
    return true;
}

FN_EXEC(fn_exec_strftime)
{
    int x = (e->args[0]->type == SL_T_DATE || sl_type_is_ts(e->args[0]->type)) ? 0 : 1;
    bool is_ts = sl_type_is_ts(e->args[x]->type);
    sl_vec *o = sl_vec_new(SL_T_VARCHAR, rows->n_rows);
    sl_buf b;
    sl_buf_init(&b);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i))
            continue;
        int64_t fn;
        const char *f = fn_str(&a[1 - x], i, &fn);
        int64_t v = fn_i64(&a[x], i);
        char bad = 0;
        sl_buf_reset(&b);
        if (is_ts ? sl_ts_is_inf(v) : sl_date_is_inf(v)) { /* DuckDB prints the value */
            fn_pad(o, i);
            sl_vec_push_str(o, v > 0 ? "infinity" : "-infinity", v > 0 ? 8 : 9);
            continue;
        }
        if (!format_ts(&b, is_ts ? v : v * US_PER_DAY, e->args[x]->type == SL_T_TIMESTAMPTZ,
                       f, fn, &bad)) {
            sl_buf_free(&b);
            sl_vec_free(&o);
            return fn_rt_error(err, e, "Failed to parse format specifier %.*s: Unrecognized "
                               "format for strftime/strptime: %%%c", (int)fn, f, bad);
        }
        fn_pad(o, i);
        sl_vec_push_str(o, b.data ? b.data : "", b.len);
    }
    fn_pad(o, rows->n_rows);
    sl_buf_free(&b);
    *out = o;
    return 0;
}

/* ---- strptime ---- */

FN_BIND(fn_bind_strptime)
{
    int rc = 0;
    for (int j = 0; j < n; j++)
        if (!fn_want(args, j, SL_T_VARCHAR, err, &rc))
            return rc ? rc : FN_NO_MATCH;
    *rt = SL_T_TIMESTAMP;
    /* DuckDB types strptime by its constant format: with a zone code, TIMESTAMPTZ */
    const sl_expr *f = args[1];
    if (f->kind == SL_E_CONST && !f->cval.is_null && f->cval.type == SL_T_VARCHAR)
        for (int64_t k = 0; k + 1 < f->cval.v.s.len; k++)
            if (f->cval.v.s.p[k] == '%') {
                char c = f->cval.v.s.p[++k];
                if (c == 'z' || c == 'Z')
                    *rt = SL_T_TIMESTAMPTZ;
            }
    return 0;
}

static int strptime_kernel(const sl_expr *e, const sl_arg *a, const sl_rows *rows,
                           sl_vec **out, bool try_, sl_err *err)
{
    sl_vec *o = fn_new_fixed(e->type, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i))
            continue;
        int64_t sn, fn;
        const char *s = fn_str(&a[0], i, &sn), *f = fn_str(&a[1], i, &fn);
        char bad = 0;
        int r = sl_strptime(s, sn, f, fn, &o->d.i64[i], &bad);
        if (r == SL_PT_BADFMT || (r == SL_PT_FAIL && !try_)) {
            sl_vec_free(&o);
            if (r == SL_PT_BADFMT)
                return fn_rt_error(err, e, "Failed to parse format specifier %.*s: "
                                   "Unrecognized format for strptime: %%%c", (int)fn, f, bad);
            return fn_rt_error(err, e, "Could not parse string \"%.*s\" according to format "
                               "specifier \"%.*s\"", (int)(sn < 200 ? sn : 200), s, (int)fn, f);
        }
        if (r == SL_PT_OK)
            fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}

FN_EXEC(fn_exec_strptime) { return strptime_kernel(e, a, rows, out, false, err); }
FN_EXEC(fn_exec_try_strptime) { return strptime_kernel(e, a, rows, out, true, err); }
