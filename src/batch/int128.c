/*
 * HUGEINT text and double conversions (batch/int128.h). Local.
 */
#include "batch/int128.h"

#include <ctype.h>
#include <math.h>

bool sl_parse_hugeint(const char *p, int64_t len, sl_i128 *out)
{
    int64_t k = 0;
    bool neg = false;
    if (k < len && (p[k] == '+' || p[k] == '-'))
        neg = p[k++] == '-';
    if (k == len)
        return false;
    /* accumulate negatively: -2^127 has no positive counterpart */
    sl_i128 v = 0, lim = SL_I128_MIN;
    for (; k < len; k++) {
        if (p[k] < '0' || p[k] > '9')
            return false;
        int d = p[k] - '0';
        if (v < lim / 10 || v * 10 < lim + d)
            return false;
        v = v * 10 - d;
    }
    if (!neg && v == SL_I128_MIN)
        return false;
    *out = neg ? v : -v;
    return true;
}

void sl_format_hugeint(sl_buf *out, sl_i128 x)
{
    char b[48];
    int k = sizeof b;
    sl_u128 u = x < 0 ? (sl_u128)0 - (sl_u128)x : (sl_u128)x;
    do {
        b[--k] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (x < 0)
        b[--k] = '-';
    sl_buf_append(out, b + k, (int64_t)sizeof b - k);
}

double sl_i128_to_double(sl_i128 x)
{
    return (double)x; /* GCC rounds to nearest */
}

bool sl_i128_from_double(double d, sl_i128 *out)
{
    double r = nearbyint(d);
    /* 2^127 is exact as a double; every double below it converts */
    if (!(r >= -170141183460469231731687303715884105728.0 &&
          r < 170141183460469231731687303715884105728.0))
        return false;
    *out = (sl_i128)r;
    return true;
}

sl_i128 sl_i128_pow10(int k)
{
    sl_i128 v = 1;
    while (k-- > 0)
        v *= 10;
    return v;
}

void sl_format_uhugeint(sl_buf *out, sl_u128 x)
{
    char b[48];
    int k = sizeof b;
    do {
        b[--k] = (char)('0' + (int)(x % 10));
        x /= 10;
    } while (x);
    sl_buf_append(out, b + k, (int64_t)sizeof b - k);
}

bool sl_parse_uhugeint(const char *p, int64_t len, sl_u128 *out)
{
    int64_t k = 0;
    if (k < len && p[k] == '+')
        k++;
    if (k == len)
        return false;
    sl_u128 v = 0;
    for (; k < len; k++) {
        if (p[k] < '0' || p[k] > '9')
            return false;
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, p[k] - '0', &v))
            return false;
    }
    *out = v;
    return true;
}

double sl_u128_to_double(sl_u128 x)
{
    return (double)x; /* GCC rounds to nearest */
}

bool sl_text_cast_ubig(const char *p, int64_t n, sl_type t, char *enc)
{
    sl_i128 x;
    sl_u128 u;
    int64_t i;
    double d;
    if (sl_text_cast_hugeint(p, n, &x)) {
        if (x < 0 || (t == SL_T_UBIGINT && x > SL_U64_MAX))
            return false;
        if (t == SL_T_UBIGINT)
            sl_i128_store(enc, x);
        else
            sl_u128_store(enc, (sl_u128)x);
        return true;
    }
    while (n > 0 && isspace((unsigned char)*p))
        p++, n--;
    while (n > 0 && isspace((unsigned char)p[n - 1]))
        n--;
    if (t == SL_T_UHUGEINT && sl_parse_uhugeint(p, n, &u)) {
        sl_u128_store(enc, u);
        return true;
    }
    if (t == SL_T_UBIGINT && n > 2 && p[0] == '0' &&
        (p[1] == 'x' || p[1] == 'X' || p[1] == 'b' || p[1] == 'B') &&
        sl_text_cast(p, n, SL_T_BIGINT, &i, &d) && i >= 0) {
        sl_i128_store(enc, i);
        return true;
    }
    return false;
}
