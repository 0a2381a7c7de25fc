/*
 * Type names, text parsers and formatters for scalar values; see types.h. Local.
 * Date arithmetic uses Howard Hinnant's days_from_civil / civil_from_days algorithms.
 */
#include "batch/types.h"
#include "batch/dtoa.h"
#include "batch/list.h"
#include "batch/nested.h"
#include "batch/int128.h"
#include "batch/dec128.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const type_names[SL_T_COUNT] = {
    "NULL", "BOOLEAN", "BIGINT", "DOUBLE", "VARCHAR", "DATE", "TIMESTAMP",
    [SL_T_LIST_BOOL] = "BOOLEAN[]", [SL_T_LIST_BIGINT] = "BIGINT[]",
    [SL_T_LIST_DOUBLE] = "DOUBLE[]", [SL_T_LIST_VARCHAR] = "VARCHAR[]",
    [SL_T_LIST_DATE] = "DATE[]", [SL_T_LIST_TIMESTAMP] = "TIMESTAMP[]",
    [SL_T_DECIMAL] = "DECIMAL",
    [SL_T_TINYINT] = "TINYINT", [SL_T_SMALLINT] = "SMALLINT", [SL_T_INTEGER] = "INTEGER",
    [SL_T_INTERVAL] = "INTERVAL",
    [SL_T_UTINYINT] = "UTINYINT", [SL_T_USMALLINT] = "USMALLINT", [SL_T_UINTEGER] = "UINTEGER",
    [SL_T_HUGEINT] = "HUGEINT",
    [SL_T_UBIGINT] = "UBIGINT",
    [SL_T_UHUGEINT] = "UHUGEINT",
    [SL_T_TIMESTAMPTZ] = "TIMESTAMP WITH TIME ZONE",
};

/* "DECIMAL(18,2)": one constant string per width and scale, written on first use (every
 * writer writes the same bytes). */
static const char *decimal_name(sl_type t)
{
    static char names[SL_DEC_MAX_WIDTH + 1][SL_DEC_MAX_WIDTH + 1][24];
    int w = sl_dec_width(t), s = sl_dec_scale(t);
    if (w < 1 || w > SL_DEC_MAX_WIDTH || s > w)
        return "DECIMAL";
    if (!names[w][s][0])
        snprintf(names[w][s], sizeof names[w][s], "DECIMAL(%d,%d)", w, s);
    return names[w][s];
}

const char *sl_type_name(sl_type t)
{
    if (sl_type_is_decimal(t))
        return decimal_name(t);
    if (sl_type_is_composite(t)) {
        const sl_nested *d = sl_nested_get(t);
        return d ? d->name : "?";
    }
    return (t >= 0 && t < SL_T_COUNT) ? type_names[t] : "?";
}

/* DECIMAL, NUMERIC, DECIMAL(p), DECIMAL(p,s) (spaces allowed inside the parentheses): DuckDB's
 * default is DECIMAL(18,3), a bare width means scale 0. */
static bool parse_decimal_type(const char *name, int64_t len, sl_type *out)
{
    int64_t k = 0;
    if (len >= 7 && strncasecmp(name, "DECIMAL", 7) == 0)
        k = 7;
    else if (len >= 7 && strncasecmp(name, "NUMERIC", 7) == 0)
        k = 7;
    else
        return false;
    int w = 18, sc = 3;
    while (k < len && name[k] == ' ')
        k++;
    if (k < len) {
        int v[2] = {0, 0}, nv = 0;
        if (name[k++] != '(')
            return false;
        while (nv < 2) {
            while (k < len && name[k] == ' ')
                k++;
            int nd = 0;
            while (k < len && name[k] >= '0' && name[k] <= '9' && nd < 4) {
                v[nv] = v[nv] * 10 + (name[k++] - '0');
                nd++;
            }
            if (!nd)
                return false;
            nv++;
            while (k < len && name[k] == ' ')
                k++;
            if (k < len && name[k] == ',' && nv == 1) {
                k++;
                continue;
            }
            break;
        }
        if (k >= len || name[k++] != ')')
            return false;
        while (k < len && name[k] == ' ')
            k++;
        if (k != len)
            return false;
        w = v[0];
        sc = nv == 2 ? v[1] : 0;
    }
    if (w < 1 || w > SL_DEC_MAX_WIDTH || sc > w)
        return false;
    *out = sl_type_decimal(w, sc);
    return true;
}

bool sl_type_parse(const char *name, int64_t len, sl_type *out)
{
    static const struct { const char *n; sl_type t; } map[] = {
        {"BOOLEAN", SL_T_BOOL},   {"BOOL", SL_T_BOOL},         {"LOGICAL", SL_T_BOOL},
        {"BIGINT", SL_T_BIGINT},  {"INT8", SL_T_BIGINT},       {"LONG", SL_T_BIGINT},
        {"INTEGER", SL_T_INTEGER}, {"INT", SL_T_INTEGER},      {"INT4", SL_T_INTEGER},
        {"SIGNED", SL_T_INTEGER}, {"SMALLINT", SL_T_SMALLINT}, {"INT2", SL_T_SMALLINT},
        {"SHORT", SL_T_SMALLINT}, {"TINYINT", SL_T_TINYINT},   {"INT1", SL_T_TINYINT},
        {"HUGEINT", SL_T_HUGEINT}, {"INT128", SL_T_HUGEINT},
        {"UBIGINT", SL_T_UBIGINT}, {"UINT64", SL_T_UBIGINT},
        {"UHUGEINT", SL_T_UHUGEINT}, {"UINT128", SL_T_UHUGEINT},
        {"UTINYINT", SL_T_UTINYINT}, {"UINT8", SL_T_UTINYINT}, {"USMALLINT", SL_T_USMALLINT},
        {"UINT16", SL_T_USMALLINT}, {"UINTEGER", SL_T_UINTEGER}, {"UINT32", SL_T_UINTEGER},
        {"DOUBLE", SL_T_DOUBLE},  {"FLOAT8", SL_T_DOUBLE},     {"FLOAT", SL_T_DOUBLE},
        {"REAL", SL_T_DOUBLE},    {"FLOAT4", SL_T_DOUBLE},
        {"VARCHAR", SL_T_VARCHAR}, {"TEXT", SL_T_VARCHAR},     {"STRING", SL_T_VARCHAR},
        {"CHAR", SL_T_VARCHAR},   {"BPCHAR", SL_T_VARCHAR},
        {"DATE", SL_T_DATE},
        {"TIMESTAMP", SL_T_TIMESTAMP}, {"DATETIME", SL_T_TIMESTAMP},
        {"INTERVAL", SL_T_INTERVAL},
        {"TIMESTAMPTZ", SL_T_TIMESTAMPTZ}, {"TIMESTAMP WITH TIME ZONE", SL_T_TIMESTAMPTZ},
        {"TIMESTAMP WITHOUT TIME ZONE", SL_T_TIMESTAMP},
    };
    if (parse_decimal_type(name, len, out))
        return true;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if ((int64_t)strlen(map[i].n) == len && strncasecmp(map[i].n, name, (size_t)len) == 0) {
            *out = map[i].t;
            return true;
        }
    return false;
}

bool sl_parse_bool(const char *p, int64_t len, int64_t *out)
{
    if (len == 4 && strncasecmp(p, "true", 4) == 0) { *out = 1; return true; }
    if (len == 5 && strncasecmp(p, "false", 5) == 0) { *out = 0; return true; }
    return false;
}

bool sl_parse_bigint(const char *p, int64_t len, int64_t *out)
{
    int64_t i = 0;
    bool neg = false;
    if (len <= 0)
        return false;
    if (p[0] == '+' || p[0] == '-') {
        neg = p[0] == '-';
        i = 1;
        if (len == 1)
            return false;
    }
    uint64_t acc = 0;
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        unsigned dgt = (unsigned char)p[i] - '0';
        if (dgt > 9)
            return false;
        if (acc > (limit - dgt) / 10)
            return false; /* overflow */
        acc = acc * 10 + dgt;
    }
    *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return true;
}

int64_t sl_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void sl_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        unsigned dg = (unsigned char)p[i] - '0';
        if (dg > 9)
            return false;
        v = v * 10 + (int)dg;
    }
    *out = v;
    return true;
}

static bool valid_ymd(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    int md = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        md = 29;
    return d <= md;
}

/* 'infinity', '-infinity', 'inf', '-inf' (case-insensitive, no '+', as DuckDB): +1 / -1
 * into *sign; 'epoch' sets *sign 0. False for anything else. */
static bool parse_special(const char *p, int64_t len, int *sign)
{
    int s = 1;
    bool signed_ = len > 0 && p[0] == '-';
    if (signed_) {
        s = -1;
        p++;
        len--;
    }
    if ((len == 8 && strncasecmp(p, "infinity", 8) == 0) ||
        (len == 3 && strncasecmp(p, "inf", 3) == 0)) {
        *sign = s;
        return true;
    }
    if (len == 5 && !signed_ && strncasecmp(p, "epoch", 5) == 0) {
        *sign = 0;
        return true;
    }
    return false;
}

bool sl_parse_date(const char *p, int64_t len, int64_t *days)
{
    int y, m, d, sign;
    if (len != 10 && len >= 3 && len <= 9 && parse_special(p, len, &sign)) {
        *days = sign * SL_DATE_INF;
        return true;
    }
    if (len != 10 || p[4] != '-' || p[7] != '-')
        return false;
    if (!digits(p, 4, &y) || !digits(p + 5, 2, &m) || !digits(p + 8, 2, &d))
        return false;
    if (!valid_ymd(y, m, d))
        return false;
    *days = sl_days_from_civil(y, m, d);
    return true;
}

bool sl_parse_timestamp(const char *p, int64_t len, int64_t *micros)
{
    int64_t days;
    int sign;
    if (len != 10 && len >= 3 && len <= 9 && parse_special(p, len, &sign)) {
        *micros = sign * SL_TS_INF;
        return true;
    }
    if (len < 10 || !sl_parse_date(p, 10, &days))
        return false;
    int hh = 0, mi = 0, ss = 0;
    int64_t frac = 0;
    if (len > 10) {
        if ((p[10] != ' ' && p[10] != 'T') || len < 16 || p[13] != ':')
            return false;
        if (!digits(p + 11, 2, &hh) || !digits(p + 14, 2, &mi))
            return false;
        int64_t i = 16;
        if (i < len) {
            if (p[i] != ':' || len < 19 || !digits(p + 17, 2, &ss))
                return false;
            i = 19;
            if (i < len) {
                if (p[i] != '.' || i + 1 >= len || len - i - 1 > 6)
                    return false;
                int nd = (int)(len - i - 1), f;
                if (!digits(p + i + 1, nd, &f))
                    return false;
                frac = f;
                for (int k = nd; k < 6; k++)
                    frac *= 10;
            }
        }
        if (hh > 23 || mi > 59 || ss > 59)
            return false;
    }
    *micros = ((days * 24 + hh) * 60 + mi) * 60 * INT64_C(1000000) + ss * INT64_C(1000000) + frac;
    return true;
}

void sl_format_bool(sl_buf *out, int64_t v) { sl_buf_puts(out, v ? "true" : "false"); }

/* Digits by hand, two at a time: printf's parsing and locale work were ~10% of a 1e7-row
 * GROUP BY's CSV output (issue 14). */
void sl_format_bigint(sl_buf *out, int64_t v)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    char tmp[24];
    int k = (int)sizeof tmp;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    while (u >= 100) {
        memcpy(tmp + (k -= 2), pairs + 2 * (u % 100), 2);
        u /= 100;
    }
    if (u >= 10)
        memcpy(tmp + (k -= 2), pairs + 2 * u, 2);
    else
        tmp[--k] = (char)('0' + u);
    if (v < 0)
        tmp[--k] = '-';
    sl_buf_append(out, tmp + k, (int64_t)sizeof tmp - k);
}

void sl_format_double(sl_buf *out, double v)
{
    if (isnan(v)) { sl_buf_puts(out, signbit(v) ? "-nan" : "nan"); return; } /* as DuckDB */
    if (isinf(v)) { sl_buf_puts(out, v > 0 ? "inf" : "-inf"); return; }
    if (signbit(v))
        sl_buf_putc(out, '-');
    v = fabs(v);
    if (v == 0) {
        sl_buf_puts(out, "0.0");
        return;
    }
    /* DuckDB prints a DOUBLE as Python's repr does: the shortest digits that read back,
     * positional for 1e-4 <= |v| < 1e16 (integral values with ".0"), otherwise d.ddde+XX with
     * at least two exponent digits. */
    char dig[18], tmp[48];
    int e, n = sl_dtoa_shortest(v, dig, &e), k = 0;
    if (e < -4 || e >= 16) {
        tmp[k++] = dig[0];
        if (n > 1) {
            tmp[k++] = '.';
            memcpy(tmp + k, dig + 1, (size_t)n - 1);
            k += n - 1;
        }
        int ae = abs(e);
        tmp[k++] = 'e';
        tmp[k++] = e < 0 ? '-' : '+';
        if (ae >= 100)
            tmp[k++] = (char)('0' + ae / 100);
        tmp[k++] = (char)('0' + ae / 10 % 10);
        tmp[k++] = (char)('0' + ae % 10);
    } else if (e < 0) {
        tmp[k++] = '0';
        tmp[k++] = '.';
        for (int z = 0; z < -e - 1; z++)
            tmp[k++] = '0';
        memcpy(tmp + k, dig, (size_t)n);
        k += n;
    } else {
        for (int i = 0; i <= e; i++)   /* integer part: digits, then zeros */
            tmp[k++] = i < n ? dig[i] : '0';
        tmp[k++] = '.';
        if (n > e + 1) {
            memcpy(tmp + k, dig + e + 1, (size_t)(n - e - 1));
            k += n - e - 1;
        } else {
            tmp[k++] = '0';
        }
    }
    sl_buf_append(out, tmp, k);
}

void sl_format_date(sl_buf *out, int64_t days)
{
    int64_t y;
    int m, d;
    if (sl_date_is_inf(days)) {
        sl_buf_puts(out, days > 0 ? "infinity" : "-infinity");
        return;
    }
    sl_civil_from_days(days, &y, &m, &d);
    sl_buf_printf(out, "%04" PRId64 "-%02d-%02d", y, m, d);
}

void sl_format_timestamp(sl_buf *out, int64_t us)
{
    int64_t day_us = INT64_C(86400000000);
    if (sl_ts_is_inf(us)) {
        sl_buf_puts(out, us > 0 ? "infinity" : "-infinity");
        return;
    }
    int64_t days = us >= 0 ? us / day_us : -((-us + day_us - 1) / day_us);
    int64_t rem = us - days * day_us;
    sl_format_date(out, days);
    int64_t secs = rem / 1000000, frac = rem % 1000000;
    sl_buf_printf(out, " %02d:%02d:%02d", (int)(secs / 3600), (int)(secs / 60 % 60),
                  (int)(secs % 60));
    if (frac) {
        char f[8];
        snprintf(f, sizeof f, "%06d", (int)frac);
        int n = 6;
        while (n > 0 && f[n - 1] == '0')
            n--;
        f[n] = 0;
        sl_buf_printf(out, ".%s", f);
    }
}

void sl_format_timestamptz(sl_buf *out, int64_t us)
{
    sl_format_timestamp(out, us);
    if (!sl_ts_is_inf(us))
        sl_buf_puts(out, "+00");
}

void sl_format_value(sl_buf *out, const sl_value *v)
{
    if (v->is_null)
        return;
    if (sl_dec_is_wide(v->type)) {
        sl_format_decimal128(out, sl_i128_load(v->v.s.p), v->type);
        return;
    }
    if (sl_type_is_decimal(v->type)) {
        sl_format_decimal(out, v->v.i, v->type);
        return;
    }
    switch (v->type) {
    case SL_T_BOOL: sl_format_bool(out, v->v.i); break;
    case SL_T_BIGINT:
    case SL_T_TINYINT:
    case SL_T_SMALLINT:
    case SL_T_INTEGER:
    case SL_T_UTINYINT:
    case SL_T_USMALLINT:
    case SL_T_UINTEGER: sl_format_bigint(out, v->v.i); break;
    case SL_T_DOUBLE: sl_format_double(out, v->v.d); break;
    case SL_T_DATE: sl_format_date(out, v->v.i); break;
    case SL_T_TIMESTAMP: sl_format_timestamp(out, v->v.i); break;
    case SL_T_TIMESTAMPTZ: sl_format_timestamptz(out, v->v.i); break;
    case SL_T_VARCHAR: sl_buf_append(out, v->v.s.p, v->v.s.len); break;
    case SL_T_HUGEINT: sl_format_hugeint(out, sl_i128_load(v->v.s.p)); break;
    case SL_T_UBIGINT: sl_format_hugeint(out, sl_i128_load(v->v.s.p)); break;
    case SL_T_UHUGEINT: sl_format_uhugeint(out, sl_u128_load(v->v.s.p)); break;
    case SL_T_INTERVAL:
        if (v->v.s.len == SL_IV_BYTES)
            sl_format_interval(out, sl_interval_get(v->v.s.p));
        break;
    default:
        if (sl_type_is_list(v->type))
            sl_list_format(out, v->type, v->v.s.p, v->v.s.len);
        else if (sl_type_is_struct(v->type))
            sl_struct_format(out, v->type, v->v.s.p, v->v.s.len);
        break;
    }
}
