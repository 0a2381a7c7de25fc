/*
 * INTERVAL values (types.h): DuckDB's representation (months, days, microseconds, each kept
 * apart: a month has no fixed number of days), its text in both directions, and its order.
 * A value travels as 16 bytes (sl_interval_put) in a column's byte heap, like a VARCHAR, so
 * batches, the exchange and spill files carry it without a case of their own. Local.
 */
#include "batch/types.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

sl_interval sl_interval_get(const char *p)
{
    sl_interval v;
    memcpy(&v.months, p, 4);
    memcpy(&v.days, p + 4, 4);
    memcpy(&v.micros, p + 8, 8);
    return v;
}

void sl_interval_put(char *p, sl_interval v)
{
    memcpy(p, &v.months, 4);
    memcpy(p + 4, &v.days, 4);
    memcpy(p + 8, &v.micros, 8);
}

/* DuckDB's Interval::Normalize: whole days out of the micros, then whole months out of the
 * days (30 a month), each truncated toward zero, so '2 months 29 days 29:00:00' equals '3
 * months -1 day 29:00:00' but '1 month -1 day' stays above '29 days' (signs are not evened
 * out), as in DuckDB. */
void sl_interval_normalize(sl_interval v, int64_t out[3])
{
    int64_t us = v.micros, xd = us / SL_IV_US_PER_DAY;
    us -= xd * SL_IV_US_PER_DAY;
    int64_t d = (int64_t)v.days + xd, xm = d / SL_IV_DAYS_PER_MONTH;
    d -= xm * SL_IV_DAYS_PER_MONTH;
    out[0] = (int64_t)v.months + xm;
    out[1] = d;
    out[2] = us;
}

int sl_interval_cmp(sl_interval a, sl_interval b)
{
    int64_t x[3], y[3];
    sl_interval_normalize(a, x);
    sl_interval_normalize(b, y);
    for (int k = 0; k < 3; k++)
        if (x[k] != y[k])
            return x[k] < y[k] ? -1 : 1;
    return 0;
}

bool sl_interval_unit(const char *u, int64_t len, int64_t *mo, int64_t *d, int64_t *us)
{
    static const struct { const char *names; int64_t mo, d, us; } units[] = {
        {" millennium millennia millenniums mil mils ", 12000, 0, 0},
        {" century centuries cent c ", 1200, 0, 0}, {" decade decades dec decs ", 120, 0, 0},
        {" year years y yr yrs ", 12, 0, 0}, {" quarter quarters ", 3, 0, 0},
        {" month months mon mons ", 1, 0, 0}, {" week weeks w ", 0, 7, 0},
        {" day days d ", 0, 1, 0}, {" hour hours h hr hrs ", 0, 0, INT64_C(3600000000)},
        {" minute minutes m min mins ", 0, 0, 60000000},
        {" second seconds s sec secs ", 0, 0, 1000000},
        {" millisecond milliseconds ms msec msecs ", 0, 0, 1000},
        {" microsecond microseconds us usec usecs ", 0, 0, 1}, {NULL, 0, 0, 0}};
    char w[24];
    if (len <= 0 || len > 20)
        return false;
    w[0] = ' ';
    for (int64_t i = 0; i < len; i++)
        w[1 + i] = (char)tolower((unsigned char)u[i]);
    w[1 + len] = ' ';
    w[2 + len] = 0;
    for (int i = 0; units[i].names; i++)
        if (strstr(units[i].names, w)) {
            *mo = units[i].mo;
            *d = units[i].d;
            *us = units[i].us;
            return true;
        }
    return false;
}

/* Adds v units to acc (months, days, micros): a fraction of a month becomes days (30 a
 * month), a fraction of a day microseconds, as DuckDB's cast does. */
static bool add_units(int64_t acc[3], double v, int64_t mo, int64_t d, int64_t us)
{
    if (!(fabs(v) < 1e15))
        return false;
    if (mo) {
        double m = v * (double)mo, mi = trunc(m);
        acc[0] += (int64_t)mi;
        double dd = (m - mi) * SL_IV_DAYS_PER_MONTH, di = trunc(dd);
        acc[1] += (int64_t)di;
        acc[2] += llround((dd - di) * (double)SL_IV_US_PER_DAY);
    } else if (d) {
        double dd = v * (double)d, di = trunc(dd);
        acc[1] += (int64_t)di;
        acc[2] += llround((dd - di) * (double)SL_IV_US_PER_DAY);
    } else {
        acc[2] += llround(v * (double)us);
    }
    return true;
}

/* [-]H+:MM[:SS[.ffffff]] at p[*k]: adds its microseconds. */
static bool parse_clock(const char *p, int64_t len, int64_t *k, int64_t *us)
{
    int64_t i = *k, part[3] = {0, 0, 0}, frac = 0;
    bool neg = false;
    if (i < len && p[i] == '-')
        neg = p[i++] == '-';
    for (int f = 0; f < 3; f++) {
        int64_t nd = 0;
        while (i < len && isdigit((unsigned char)p[i]) && nd < 12)
            part[f] = part[f] * 10 + (p[i++] - '0'), nd++;
        if (!nd || (f > 0 && part[f] > 59))
            return false;
        if (f == 2 && i < len && p[i] == '.') {
            int fd = 0;
            i++;
            while (i < len && isdigit((unsigned char)p[i])) {
                if (fd < 6)
                    frac = frac * 10 + (p[i] - '0'), fd++;
                i++;
            }
            while (fd++ < 6)
                frac *= 10;
        }
        if (f == 2 || i >= len || p[i] != ':')
            break;
        i++;
    }
    int64_t v = ((part[0] * 60 + part[1]) * 60 + part[2]) * 1000000 + frac;
    *us += neg ? -v : v;
    *k = i;
    return true;
}

static bool iv_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

/* DuckDB's Interval::FromCString: parts "n unit" (n digits after an optional '-', a fraction
 * allowed), then optionally a clock as the last part or a final "ago"; a bare number (seconds)
 * only as the whole text; no '+', no ISO 8601 'P...' form (DuckDB 1.5 has none either). */
bool sl_parse_interval(const char *p, int64_t len, sl_interval *out)
{
    int64_t acc[3] = {0, 0, 0}, i = 0;
    bool any = false, ago = false;
    while (i < len && iv_space(p[i]))
        i++;
    if (i < len && p[i] == '@')
        i++;
    while (i < len) {
        while (i < len && iv_space(p[i]))
            i++;
        if (i >= len)
            break;
        if (ago)
            return false;
        /* a clock: digits (after an optional '-') followed by ':'; nothing may follow it */
        int64_t j = i + (p[i] == '-');
        while (j < len && isdigit((unsigned char)p[j]))
            j++;
        if (j < len && p[j] == ':') {
            if (!parse_clock(p, len, &i, &acc[2]))
                return false;
            while (i < len && iv_space(p[i]))
                i++;
            if (i < len)
                return false;
            any = true;
            continue;
        }
        if (len - i >= 3 && strncasecmp(p + i, "ago", 3) == 0 && any &&
            (len - i == 3 || iv_space(p[i + 3]))) {
            ago = true;
            i += 3;
            continue;
        }
        char num[64];
        int64_t n = 0;
        while (i < len && n < 63 && (isdigit((unsigned char)p[i]) || p[i] == '.' ||
                                     (p[i] == '-' && n == 0)))
            num[n++] = p[i++];
        num[n] = 0;
        char *end;
        double v = strtod(num, &end);
        if (!n || end != num + n || !isdigit((unsigned char)num[num[0] == '-']))
            return false;
        while (i < len && iv_space(p[i]))
            i++;
        int64_t u0 = i;
        while (i < len && isalpha((unsigned char)p[i]))
            i++;
        int64_t mo = 0, d = 0, us = 1000000; /* a bare number counts seconds */
        if (i > u0 && !sl_interval_unit(p + u0, i - u0, &mo, &d, &us))
            return false;
        if (i == u0 && (any || i < len)) /* a bare number is the whole text or wrong */
            return false;
        if (!add_units(acc, v, mo, d, us))
            return false;
        any = true;
    }
    if (!any || acc[0] < INT32_MIN || acc[0] > INT32_MAX || acc[1] < INT32_MIN ||
        acc[1] > INT32_MAX)
        return false;
    int s = ago ? -1 : 1;
    out->months = (int32_t)(s * acc[0]);
    out->days = (int32_t)(s * acc[1]);
    out->micros = s * acc[2];
    return true;
}

/* "n unit" or "n units" (DuckDB writes the plural for every n but 1 and -1). */
static void put_part(sl_buf *out, int64_t n, const char *unit)
{
    if (out->len)
        sl_buf_putc(out, ' ');
    sl_buf_printf(out, "%" PRId64 " %s%s", n, unit, n == 1 || n == -1 ? "" : "s");
}

void sl_format_interval(sl_buf *out, sl_interval v)
{
    /* Only what this call writes counts for the separators. */
    sl_buf part;
    sl_buf_init(&part);
    int64_t years = v.months / 12, months = v.months - years * 12;
    if (years)
        put_part(&part, years, "year");
    if (months)
        put_part(&part, months, "month");
    if (v.days)
        put_part(&part, v.days, "day");
    if (v.micros || !part.len) {
        if (part.len)
            sl_buf_putc(&part, ' ');
        uint64_t us = v.micros < 0 ? 0 - (uint64_t)v.micros : (uint64_t)v.micros;
        if (v.micros < 0)
            sl_buf_putc(&part, '-');
        uint64_t h = us / UINT64_C(3600000000), rem = us % UINT64_C(3600000000);
        sl_buf_printf(&part, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, h, rem / 60000000,
                      rem / 1000000 % 60);
        if (rem % 1000000) {
            char f[8];
            snprintf(f, sizeof f, "%06d", (int)(rem % 1000000));
            int n = 6;
            while (n > 0 && f[n - 1] == '0')
                n--;
            f[n] = 0;
            sl_buf_printf(&part, ".%s", f);
        }
    }
    sl_buf_append(out, part.data, part.len);
    sl_buf_free(&part);
}
