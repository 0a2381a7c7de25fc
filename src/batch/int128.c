/*
 * HUGEINT text and double conversions (batch/int128.h). Local.
 */
#include "batch/int128.h"

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
