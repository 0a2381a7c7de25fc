/*
 * Wide DECIMAL(p > 18, s) values as 128-bit unscaled integers (batch/dec128.h): text parsing,
 * rescaling, conversion from and to DOUBLE, and DuckDB's text form. The rules are those of
 * the int64 decimals in batch/decimal.c, over 38 digits. All functions are Local.
 */
#include "batch/dec128.h"

#include <math.h>
#include <string.h>

/* 10^k for k in 0..38, from the int64 table. */
static sl_i128 p10(int k)
{
    if (k <= 18)
        return sl_dec_pow10(k);
    if (k <= 36)
        return (sl_i128)sl_dec_pow10(k - 18) * sl_dec_pow10(18);
    return (sl_i128)sl_dec_pow10(k - 36) * sl_dec_pow10(18) * sl_dec_pow10(18);
}

/* |v| < 10^width (width 1..38; any wider width: no bound). */
static bool fits(sl_i128 v, int width)
{
    if (width > 38)
        return true;
    sl_i128 lim = p10(width);
    return v > -lim && v < lim;
}

bool sl_dec128_rescale(sl_i128 v, int from, int to, int width, sl_i128 *out)
{
    sl_i128 r;
    if (to >= from) {
        int d = to - from;
        if (d > 38) {
            if (v != 0)
                return false;
            r = 0;
        } else if (__builtin_mul_overflow(v, p10(d), &r)) {
            return false;
        }
    } else {
        int d = from - to;
        if (d > 38) {
            r = 0; /* |v| < 2^127 < 10^39 / 2 */
        } else {
            sl_i128 p = p10(d), q = v / p, rem = v % p;
            sl_i128 arem = rem < 0 ? -rem : rem;
            if (arem >= p - arem) /* arem * 2 >= p without overflow */
                q += v < 0 ? -1 : 1;
            r = q;
        }
    }
    if (!fits(r, width))
        return false;
    *out = r;
    return true;
}

bool sl_dec128_parse(const char *p, int64_t len, int width, int scale, sl_i128 *out)
{
    int64_t i = 0;
    bool neg = false;
    if (i < len && (p[i] == '+' || p[i] == '-'))
        neg = p[i++] == '-';
    /* The significant digits as m (up to 38 of them; further ones only decide the rounding)
     * and the power of ten e with value = m * 10^e. */
    sl_i128 m = 0;
    int e = 0, ndig = 0, kept = 0;
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
        if (!dropped && kept < 38) {
            m = m * 10 + (c - '0');
            kept++;
            if (seen_point)
                e--;
        } else {
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
    sl_i128 r;
    int shift = e + scale; /* unscaled = m * 10^shift */
    if (m == 0) {
        r = 0;
    } else if (shift > 0) {
        if (dropped || shift > 38 || __builtin_mul_overflow(m, p10(shift), &r))
            return false;
    } else if (shift == 0) {
        r = m + (round_up ? 1 : 0);
    } else if (-shift > 38) {
        r = 0; /* m < 10^38: under half a unit */
    } else {
        /* Half away from zero: only the first dropped digit decides. */
        r = m / p10(-shift) + ((m / p10(-shift - 1)) % 10 >= 5 ? 1 : 0);
    }
    if (neg)
        r = -r;
    if (!fits(r, width))
        return false;
    *out = r;
    return true;
}

bool sl_dec128_text_cast(const char *p, int64_t len, int width, int scale, sl_i128 *out)
{
    while (len > 0 && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++, len--;
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\n' ||
                       p[len - 1] == '\r'))
        len--;
    if (sl_dec128_parse(p, len, width, scale, out))
        return true;
    if (!memchr(p, '_', (size_t)len) || len > 256)
        return false;
    /* DuckDB's '1_000.5': an underscore only between two digits */
    char b[256];
    int64_t n = 0;
    for (int64_t k = 0; k < len; k++) {
        if (p[k] == '_') {
            if (k == 0 || k + 1 == len || p[k - 1] < '0' || p[k - 1] > '9' || p[k + 1] < '0' ||
                p[k + 1] > '9')
                return false;
            continue;
        }
        b[n++] = p[k];
    }
    return sl_dec128_parse(b, n, width, scale, out);
}

bool sl_dec128_from_double(double d, int width, int scale, sl_i128 *out)
{
    if (d != d)
        return false;
    double lim = pow(10.0, width);
    double r = round(d * pow(10.0, scale));
    if (!(r > -lim && r < lim))
        return false;
    *out = (sl_i128)r;
    return true;
}

double sl_dec128_to_double(sl_i128 v, int scale)
{
    /* DuckDB's: the integer part and the fraction converted apart, then added */
    if (scale == 0)
        return (double)v;
    sl_i128 p = p10(scale);
    return (double)(v / p) + (double)(v % p) / (double)p;
}

void sl_format_decimal128(sl_buf *out, sl_i128 v, sl_type t)
{
    int scale = sl_dec_scale(t);
    char b[48];
    int k = sizeof b;
    sl_u128 mag = v < 0 ? (sl_u128)0 - (sl_u128)v : (sl_u128)v;
    do {
        b[--k] = (char)('0' + (int)(mag % 10));
        mag /= 10;
    } while (mag);
    const char *digits = b + k;
    int n = (int)sizeof b - k;
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
    for (int j = n; j < scale; j++)
        sl_buf_putc(out, '0');
    sl_buf_append(out, digits + (n > scale ? n - scale : 0), n > scale ? scale : n);
}
