/*
 * DECIMAL(p,s) values as int64 unscaled integers (see types.h): text parsing, rescaling,
 * conversion from and to DOUBLE, and DuckDB's text form. Rounding is DuckDB's for decimals:
 * half away from zero whenever digits are dropped (CAST(2.5 AS DECIMAL(2,0)) is 3, -2.5 is -3,
 * '0.125' as DECIMAL(4,2) is 0.13). Every function reports "does not fit" instead of wrapping,
 * so callers turn it into DuckDB's conversion or overflow error. All functions are Local.
 */
#include "batch/types.h"
#include "batch/dec128.h"

#include <math.h>
#include <stdio.h>

static const int64_t pow10_tab[19] = {
    INT64_C(1), INT64_C(10), INT64_C(100), INT64_C(1000), INT64_C(10000), INT64_C(100000),
    INT64_C(1000000), INT64_C(10000000), INT64_C(100000000), INT64_C(1000000000),
    INT64_C(10000000000), INT64_C(100000000000), INT64_C(1000000000000),
    INT64_C(10000000000000), INT64_C(100000000000000), INT64_C(1000000000000000),
    INT64_C(10000000000000000), INT64_C(100000000000000000), INT64_C(1000000000000000000),
};

int64_t sl_dec_pow10(int k)
{
    return k >= 0 && k <= 18 ? pow10_tab[k] : 0;
}

/* Whether unscaled v has at most `width` digits (widths above 18 are bounded by int64). */
static bool fits_width(int64_t v, int width)
{
    if (width > 18)
        return true;
    int64_t lim = pow10_tab[width];
    return v > -lim && v < lim;
}

bool sl_dec_rescale(int64_t v, int from, int to, int width, int64_t *out)
{
    int64_t r;
    if (to >= from) {
        int d = to - from;
        if (d > 18) {
            if (v != 0)
                return false;
            r = 0;
        } else if (__builtin_mul_overflow(v, pow10_tab[d], &r)) {
            return false;
        }
    } else {
        int d = from - to;
        if (d > 18) {
            /* |v| < 10^19 <= 10^d / 2 unless d == 19 and |v| >= 5 * 10^18 */
            uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
            r = d == 19 && mag >= UINT64_C(5000000000000000000) ? (v < 0 ? -1 : 1) : 0;
        } else {
            int64_t p = pow10_tab[d], q = v / p, rem = v % p;
            uint64_t arem = rem < 0 ? 0 - (uint64_t)rem : (uint64_t)rem;
            if (arem * 2 >= (uint64_t)p)
                q += v < 0 ? -1 : 1;
            r = q;
        }
    }
    if (!fits_width(r, width))
        return false;
    *out = r;
    return true;
}

bool sl_parse_decimal(const char *p, int64_t len, int width, int scale, int64_t *out)
{
    int64_t i = 0;
    bool neg = false;
    if (i < len && (p[i] == '+' || p[i] == '-'))
        neg = p[i++] == '-';
    /* The significant digits as an integer m (as many as int64 holds; further ones only
     * decide the rounding) and the power of ten e with value = m * 10^e. */
    uint64_t m = 0;
    int e = 0, ndig = 0;
    bool seen_point = false, round_up = false, dropped = false;
    for (; i < len; i++) {
        char c = p[i];
        if (c == '.' && !seen_point) {
            seen_point = true;
            continue;
        }
        if (c < '0' || c > '9')
            break;
        ndig++;
        if (m == 0 && c == '0') {
            if (seen_point)
                e--;
            continue;
        }
        if (!dropped && m <= ((uint64_t)INT64_MAX - (uint64_t)(c - '0')) / 10) {
            m = m * 10 + (uint64_t)(c - '0');
            if (seen_point)
                e--;
        } else {
            /* A digit beyond what int64 keeps: it can only matter for rounding, and only if
             * the target scale drops it. */
            if (!dropped)
                round_up = c >= '5';
            dropped = true;
            if (!seen_point)
                e++;
        }
    }
    if (ndig == 0)
        return false;
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (p[i] == '+' || p[i] == '-'))
            eneg = p[i++] == '-';
        int ex = 0, nd = 0;
        for (; i < len && p[i] >= '0' && p[i] <= '9'; i++, nd++)
            if (ex < 10000)
                ex = ex * 10 + (p[i] - '0');
        if (nd == 0)
            return false;
        e += eneg ? -ex : ex;
    }
    if (i != len)
        return false;
    int64_t r;
    int shift = e + scale; /* unscaled = m * 10^shift */
    if (m == 0) {
        r = 0;
    } else if (shift > 0) {
        if (dropped || shift > 18 || __builtin_mul_overflow((int64_t)m, pow10_tab[shift], &r))
            return false; /* more significant digits than int64 holds are needed */
    } else if (shift == 0) {
        /* the digits kept end exactly at the scale */
        if (__builtin_add_overflow((int64_t)m, round_up ? 1 : 0, &r))
            return false;
    } else if (-shift > 18) {
        /* m < 2^63 < 10^19: only a 19-digit m's first digit can decide the rounding */
        r = -shift == 19 && m >= UINT64_C(5000000000000000000) ? 1 : 0;
    } else {
        /* Half away from zero: only the first dropped digit decides. */
        uint64_t q = m / (uint64_t)pow10_tab[-shift];
        uint64_t first = (m / (uint64_t)pow10_tab[-shift - 1]) % 10;
        r = (int64_t)(q + (first >= 5 ? 1 : 0));
    }
    if (neg)
        r = -r;
    if (!fits_width(r, width))
        return false;
    *out = r;
    return true;
}

bool sl_dec_from_double(double d, int width, int scale, int64_t *out)
{
    if (d != d)
        return false;
    double lim = width > 18 ? 9223372036854775807.0 : (double)pow10_tab[width];
    double r = round(d * pow(10.0, scale));
    if (!(r > -lim && r < lim))
        return false;
    *out = (int64_t)r;
    return true;
}

double sl_dec_to_double(int64_t v, int scale)
{
    return scale <= 18 ? (double)v / (double)pow10_tab[scale] : (double)v / pow(10.0, scale);
}

void sl_format_decimal(sl_buf *out, int64_t v, sl_type t)
{
    int scale = sl_dec_scale(t);
    char digits[24];
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)mag);
    if (v < 0)
        sl_buf_putc(out, '-');
    if (scale <= 0) {
        sl_buf_append(out, digits, n);
        return;
    }
    if (n > scale)
        sl_buf_append(out, digits, n - scale);
    else if (sl_dec_width(t) > scale)
        sl_buf_putc(out, '0');
    sl_buf_putc(out, '.');
    for (int k = n; k < scale; k++)
        sl_buf_putc(out, '0');
    sl_buf_append(out, digits + (n > scale ? n - scale : 0), n > scale ? scale : n);
}

bool sl_dec_literal_type(const char *p, int64_t len, sl_value *v, char *buf)
{
    int digits = 0, frac = -1;
    for (int64_t i = 0; i < len; i++) {
        if (p[i] == '.' && frac < 0)
            frac = 0;
        else if (p[i] >= '0' && p[i] <= '9') {
            digits++;
            if (frac >= 0)
                frac++;
        } else {
            return false; /* an exponent: DOUBLE */
        }
    }
    if (frac < 0 || digits == 0 || digits > SL_DEC_MAX_WIDTH)
        return false;
    int64_t x;
    if (digits > 18) { /* a wide DECIMAL: 128 bits */
        sl_i128 w;
        if (!sl_dec128_parse(p, len, digits, frac, &w))
            return false;
        sl_dec_value_set(v, sl_type_decimal(digits, frac), w, buf);
        return true;
    }
    if (!sl_parse_decimal(p, len, digits, frac, &x))
        return false;
    v->type = sl_type_decimal(digits, frac);
    v->is_null = false;
    v->v.i = x;
    return true;
}

void sl_dec_props(sl_type t, int *width, int *scale)
{
    if (sl_type_is_decimal(t)) {
        *width = sl_dec_width(t);
        *scale = sl_dec_scale(t);
    } else {
        *width = t == SL_T_BOOL ? 1 : t == SL_T_TINYINT || t == SL_T_UTINYINT ? 3
                 : t == SL_T_SMALLINT || t == SL_T_USMALLINT ? 5
                 : t == SL_T_INTEGER || t == SL_T_UINTEGER ? 10 : t == SL_T_HUGEINT ? 38
                 : t == SL_T_UBIGINT ? 20 : t == SL_T_UHUGEINT ? 38 : 19;
        *scale = 0;
    }
}

sl_type sl_dec_common_type(sl_type a, sl_type b)
{
    /* UBIGINT counts as DECIMAL(20,0), UHUGEINT as DECIMAL(38,0), as DuckDB's */
    bool an = sl_type_is_int(a) || a == SL_T_DOUBLE || sl_type_is_decimal(a) ||
              a == SL_T_HUGEINT || a == SL_T_UBIGINT || a == SL_T_UHUGEINT;
    bool bn = sl_type_is_int(b) || b == SL_T_DOUBLE || sl_type_is_decimal(b) ||
              b == SL_T_HUGEINT || b == SL_T_UBIGINT || b == SL_T_UHUGEINT;
    if (!an || !bn)
        return SL_T_COUNT;
    if (a == SL_T_DOUBLE || b == SL_T_DOUBLE)
        return SL_T_DOUBLE;
    int wa, sa, wb, sb;
    sl_dec_props(a, &wa, &sa);
    sl_dec_props(b, &wb, &sb);
    int s = sa > sb ? sa : sb, ia = wa - sa, ib = wb - sb;
    int w = (ia > ib ? ia : ib) + s;
    if (w > SL_DEC_MAX_WIDTH)
        w = SL_DEC_MAX_WIDTH;
    return sl_type_decimal(w, s);
}

double sl_dec_value_double(const sl_value *v)
{
    return sl_dec_is_wide(v->type) ? sl_dec128_to_double(sl_i128_load(v->v.s.p),
                                                         sl_dec_scale(v->type))
                                   : sl_dec_to_double(v->v.i, sl_dec_scale(v->type));
}
