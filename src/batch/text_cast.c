/*
 * Text -> value as DuckDB's CAST from VARCHAR reads it (sl_text_cast), shared by CAST
 * (func/fn_cast.c) and the CSV reader's declared and inferred columns (io/csv_scan.c): spaces
 * around are trimmed, then the strict sl_parse_* forms, then DuckDB's looser ones: '0x1F' /
 * '0b101' and '_' digit separators ('1_000', '1_000.5') for numbers, decimal text rounding to
 * an integer ('2.5' -> 3), t / yes / y / 1 booleans, single-digit month, day and time fields,
 * '/' separators and 'epoch' for dates and timestamps; TIMESTAMP WITH TIME ZONE text with an
 * offset or a zone name of fixed offset (sl_text_cast_tz); strptime (sl_strptime). Local.
 */
#include "batch/types.h"
#include "batch/int128.h"

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#define US_PER_DAY INT64_C(86400000000)

/* DuckDB accepts these spellings of booleans (case-insensitive). */
static bool parse_bool_text(const char *p, int64_t n, int64_t *out)
{
    static const char *const t[] = {"true", "t", "yes", "y", "1"};
    static const char *const f[] = {"false", "f", "no", "n", "0"};
    for (int k = 0; k < 5; k++) {
        if ((int64_t)strlen(t[k]) == n && strncasecmp(p, t[k], (size_t)n) == 0) {
            *out = 1;
            return true;
        }
        if ((int64_t)strlen(f[k]) == n && strncasecmp(p, f[k], (size_t)n) == 0) {
            *out = 0;
            return true;
        }
    }
    return false;
}

/* The integral double r as a BIGINT, false when out of range. */
static bool integral_to_bigint(double r, int64_t *out)
{
    if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0))
        return false;
    *out = (int64_t)r;
    return true;
}

/* DuckDB's digit separators: an '_' between two digits (hex digits in '0x...') is dropped,
 * any other '_' makes the text invalid. Copies p without them into b (at most cap bytes);
 * returns false when an '_' is misplaced or the text is too long. */
static bool strip_underscores(const char *p, int64_t n, char *b, int64_t cap, int64_t *bn,
                              bool hex)
{
    if (n > cap)
        return false;
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        if (p[i] != '_') {
            b[k++] = p[i];
            continue;
        }
        bool l = i > 0 && (hex ? isxdigit((unsigned char)p[i - 1])
                                : isdigit((unsigned char)p[i - 1]));
        bool r = i + 1 < n && (hex ? isxdigit((unsigned char)p[i + 1])
                                   : isdigit((unsigned char)p[i + 1]));
        if (!l || !r)
            return false;
    }
    *bn = k;
    return true;
}

/* '0x1F' (hex) and '0b101' (binary) as DuckDB reads them for integers: no sign, no spaces
 * around, '_' between digits, fails past INT64_MAX. */
static bool parse_radix(const char *p, int64_t n, int64_t *out)
{
    int base = (p[1] == 'x' || p[1] == 'X') ? 16 : 2;
    char b[128];
    int64_t bn;
    if (!strip_underscores(p + 2, n - 2, b, sizeof b, &bn, base == 16) || bn == 0)
        return false;
    uint64_t v = 0;
    for (int64_t i = 0; i < bn; i++) {
        int d = isdigit((unsigned char)b[i]) ? b[i] - '0'
                : isxdigit((unsigned char)b[i]) ? (tolower((unsigned char)b[i]) - 'a' + 10) : 99;
        if (d >= base || v > (UINT64_C(0x7FFFFFFFFFFFFFFF) - (uint64_t)d) / (uint64_t)base)
            return false;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = (int64_t)v;
    return true;
}

static bool is_radix(const char *p, int64_t n)
{
    return n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X' || p[1] == 'b' || p[1] == 'B');
}

/* A DOUBLE from text, also with DuckDB's '_' digit separators ('1_000.5'). */
static bool parse_double_text(const char *p, int64_t n, double *out)
{
    if (sl_parse_double(p, n, out))
        return true;
    char b[512];
    int64_t bn;
    return memchr(p, '_', (size_t)n) && strip_underscores(p, n, b, sizeof b, &bn, false) &&
           sl_parse_double(b, bn, out);
}

/* '42', also '42.5' / '1e3' (DuckDB rounds decimal text when casting to an integer), '1_000',
 * '0x1F', '0b101'. */
static bool parse_bigint_text(const char *p, int64_t n, int64_t *out)
{
    if (sl_parse_bigint(p, n, out))
        return true;
    if (is_radix(p, n))
        return parse_radix(p, n, out);
    char b[512];
    int64_t bn;
    if (memchr(p, '_', (size_t)n)) {
        if (!strip_underscores(p, n, b, sizeof b, &bn, false))
            return false;
        p = b;
        n = bn;
        if (sl_parse_bigint(p, n, out))
            return true;
    }
    for (int64_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            return false;
    }
    double d;
    return sl_parse_double(p, n, &d) && integral_to_bigint(round(d), out);
}

/* Reads 1..maxd digits at p[*k]. */
static bool digits(const char *p, int64_t n, int64_t *k, int maxd, int64_t *v)
{
    int c = 0;
    *v = 0;
    while (*k < n && c < maxd && isdigit((unsigned char)p[*k])) {
        *v = *v * 10 + (p[*k] - '0');
        (*k)++;
        c++;
    }
    return c > 0;
}

/* The date at the start of p in DuckDB's looser forms: a year of 1+ digits, month and day of
 * 1-2 digits, separated by the same '-', '/', '\\' or ' '. Sets *k past it. */
static bool loose_ymd(const char *p, int64_t n, int64_t *k, int64_t *days)
{
    int64_t y, m, d;
    *k = 0;
    if (!digits(p, n, k, 9, &y) || *k >= n)
        return false;
    char sep = p[*k];
    if (sep != '-' && sep != '/' && sep != '\\' && sep != ' ')
        return false;
    (*k)++;
    if (!digits(p, n, k, 2, &m) || *k >= n || p[*k] != sep)
        return false;
    (*k)++;
    if (!digits(p, n, k, 2, &d))
        return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return false;
    *days = sl_days_from_civil(y, (int)m, (int)d);
    return true;
}

static bool is_epoch(const char *p, int64_t n)
{
    return n == 5 && strncasecmp(p, "epoch", 5) == 0;
}

/* DATE text DuckDB accepts beyond YYYY-MM-DD: '2024-1-5', '2024/01/05', 'epoch', and a date
 * followed by a space or 'T' and anything (a time, which is dropped). */
static bool parse_date_loose(const char *p, int64_t n, int64_t *days)
{
    int64_t k;
    if (is_epoch(p, n)) {
        *days = 0;
        return true;
    }
    if (!loose_ymd(p, n, &k, days))
        return false;
    return k == n || p[k] == ' ' || p[k] == 'T';
}

/* Exactly two digits at p[*k]. */
static bool two_digits(const char *p, int64_t n, int64_t *k, int64_t *v)
{
    if (*k + 2 > n || !isdigit((unsigned char)p[*k]) || !isdigit((unsigned char)p[*k + 1]))
        return false;
    *v = (p[*k] - '0') * 10 + (p[*k + 1] - '0');
    *k += 2;
    return true;
}

/* DuckDB's UTC offset after a time: +HH, +HHMM, +HH:MM, +HH:MM:SS (or -), exactly two digits
 * each and not range-checked ('+02:60' is three hours there); sets *secs, east positive. */
static bool parse_offset(const char *p, int64_t n, int64_t *k, int64_t *secs)
{
    int64_t sign = p[*k] == '-' ? -1 : 1, h, m = 0, s = 0;
    (*k)++;
    if (!two_digits(p, n, k, &h))
        return false;
    if (*k < n && p[*k] == ':') {
        (*k)++;
        if (!two_digits(p, n, k, &m))
            return false;
        if (*k < n && p[*k] == ':') {
            (*k)++;
            if (!two_digits(p, n, k, &s))
                return false;
        }
    } else if (*k < n && isdigit((unsigned char)p[*k]) && !two_digits(p, n, k, &m)) {
        return false;
    }
    *secs = sign * (h * 3600 + m * 60 + s);
    return true;
}

bool sl_tz_name_offset(const char *p, int64_t n, int64_t *secs)
{
    static const char *const utc[] = {"UTC", "GMT", "UCT", "Zulu", "Universal", "Greenwich",
                                      "GMT0", "GMT+0", "GMT-0"};
    const char *q = p;
    int64_t m = n;
    if (m > 4 && strncasecmp(q, "Etc/", 4) == 0)
        q += 4, m -= 4;
    for (size_t i = 0; i < sizeof utc / sizeof utc[0]; i++)
        if ((int64_t)strlen(utc[i]) == m && strncasecmp(utc[i], q, (size_t)m) == 0) {
            *secs = 0;
            return true;
        }
    /* Etc/GMT+5 is five hours west (POSIX's sign): Etc/GMT-14 .. Etc/GMT+12, no leading 0 */
    if (q == p || m < 5 || m > 6 || strncasecmp(q, "GMT", 3) != 0 || (q[3] != '+' && q[3] != '-'))
        return false;
    int64_t h = 0;
    for (int64_t i = 4; i < m; i++) {
        if (!isdigit((unsigned char)q[i]) || (i == 4 && q[i] == '0'))
            return false;
        h = h * 10 + (q[i] - '0');
    }
    if (h > (q[3] == '+' ? 12 : 14))
        return false;
    *secs = (q[3] == '+' ? -h : h) * 3600;
    return true;
}

/* TIMESTAMP text DuckDB accepts beyond sl_parse_timestamp: the loose date, then spaces or 'T',
 * H[H]:M[M][:S[S][.fraction]] (digits past microseconds dropped, 24:00:00 is the next
 * midnight), then optionally a zone after the seconds: 'Z', an offset (parse_offset) or a space
 * and a zone name; 'epoch'. With off_us NULL (TIMESTAMP: the zone ignored, as DuckDB's cast
 * does) the only name is UTC; else *off_us is the zone's offset (sl_tz_name_offset's names). */
static bool parse_ts_loose(const char *p, int64_t n, int64_t *us, int64_t *off_us)
{
    int64_t k, days, h, mi, s = 0, frac = 0, off = 0;
    bool has_s = false;
    if (is_epoch(p, n)) {
        *us = 0;
        return true;
    }
    if (!loose_ymd(p, n, &k, &days))
        return false;
    if (k == n) {
        *us = days * US_PER_DAY;
        return true;
    }
    if (p[k] == 'T') {
        k++;
    } else {
        if (p[k] != ' ')
            return false;
        while (k < n && p[k] == ' ')
            k++;
    }
    if (!digits(p, n, &k, 2, &h) || k >= n || p[k++] != ':' || !digits(p, n, &k, 2, &mi))
        return false;
    if (k < n && p[k] == ':') {
        k++;
        has_s = true;
        if (!digits(p, n, &k, 2, &s))
            return false;
        if (k < n && p[k] == '.') {
            k++;
            int c = 0;
            while (k < n && isdigit((unsigned char)p[k])) {
                if (c < 6)
                    frac = frac * 10 + (p[k] - '0');
                c++;
                k++;
            }
            if (c == 0)
                return false;
            for (; c < 6; c++)
                frac *= 10;
        }
    }
    if (k < n && has_s) {
        if (p[k] == 'Z') {
            k++;
        } else if (p[k] == '+' || p[k] == '-') {
            if (!parse_offset(p, n, &k, &off))
                return false;
        } else if (p[k] == ' ' && k + 1 < n) {
            const char *z = p + k + 1;
            int64_t zn = n - k - 1;
            if (off_us ? !sl_tz_name_offset(z, zn, &off)
                       : !(zn == 3 && strncasecmp(z, "UTC", 3) == 0))
                return false;
            k = n;
        }
    }
    if (k != n || mi > 59 || s > 59 || h > 24 || (h == 24 && (mi || s || frac)))
        return false;
    *us = days * US_PER_DAY + (h * 3600 + mi * 60 + s) * INT64_C(1000000) + frac;
    if (off_us)
        *off_us = off * INT64_C(1000000);
    return true;
}

static void trim_spaces(const char **p, int64_t *n)
{
    while (*n > 0 && ((*p)[0] == ' ' || (*p)[0] == '\t' || (*p)[0] == '\n' || (*p)[0] == '\r')) {
        (*p)++;
        (*n)--;
    }
    while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' || (*p)[*n - 1] == '\n' ||
                      (*p)[*n - 1] == '\r'))
        (*n)--;
}

bool sl_text_cast(const char *p, int64_t n, sl_type t, int64_t *i, double *d)
{
    int64_t n0 = n;
    trim_spaces(&p, &n);
    if (sl_type_is_decimal(t)) {
        char b[512];
        int64_t bn;
        return sl_parse_decimal(p, n, sl_dec_width(t), sl_dec_scale(t), i) ||
               (memchr(p, '_', (size_t)n) && strip_underscores(p, n, b, sizeof b, &bn, false) &&
                sl_parse_decimal(b, bn, sl_dec_width(t), sl_dec_scale(t), i));
    }
    switch (t) {
    case SL_T_BOOL: return parse_bool_text(p, n, i);
    case SL_T_BIGINT:
        /* DuckDB reads '0x1F' but not ' 0x1F ' */
        return parse_bigint_text(p, n, i) && (!is_radix(p, n) || n == n0);
    case SL_T_DOUBLE: return parse_double_text(p, n, d);
    case SL_T_DATE: return sl_parse_date(p, n, i) || parse_date_loose(p, n, i);
    case SL_T_TIMESTAMP: return sl_parse_timestamp(p, n, i) || parse_ts_loose(p, n, i, NULL);
    case SL_T_TIMESTAMPTZ: return sl_text_cast_tz(p, n, i);
    default: return false;
    }
}

bool sl_text_cast_tz(const char *p, int64_t n, int64_t *us)
{
    int64_t off = 0;
    trim_spaces(&p, &n);
    if (sl_parse_timestamp(p, n, us))
        return true;
    if (!parse_ts_loose(p, n, us, &off))
        return false;
    *us -= off;
    return true;
}

/* [+-]digits[.digits][e[+-]digits] read exactly (no double in between) and rounded half away
 * from zero, as DuckDB reads decimal text into a HUGEINT ('1e30' is 10^30, '2.5' 3). */
static bool parse_huge_decimal(const char *p, int64_t n, sl_i128 *out)
{
    int64_t k = 0, ex = 0, nd = 0;
    bool neg = false, any = false;
    if (k < n && (p[k] == '+' || p[k] == '-'))
        neg = p[k++] == '-';
    sl_i128 v = 0; /* accumulated negatively: -2^127 fits */
    int first_dropped = -1;
    bool dot = false;
    for (; k < n && (isdigit((unsigned char)p[k]) || (p[k] == '.' && !dot)); k++) {
        if (p[k] == '.') {
            dot = true;
            continue;
        }
        any = true;
        int d = p[k] - '0';
        if (nd > 0 || d != 0) {
            if (v < SL_I128_MIN / 10 || v * 10 < SL_I128_MIN + d) {
                if (!dot)
                    return false; /* the integer part alone overflows */
                if (first_dropped < 0)
                    first_dropped = d;
                continue;
            }
            v = v * 10 - d;
            nd++;
        }
        if (dot)
            ex--;
    }
    if (!any)
        return false;
    if (k < n && (p[k] == 'e' || p[k] == 'E')) {
        k++;
        bool eneg = false;
        if (k < n && (p[k] == '+' || p[k] == '-'))
            eneg = p[k++] == '-';
        if (k == n)
            return false;
        int64_t e = 0;
        for (; k < n; k++) {
            if (!isdigit((unsigned char)p[k]))
                return false;
            if (e < 100000)
                e = e * 10 + (p[k] - '0');
        }
        ex += eneg ? -e : e;
    }
    if (k != n)
        return false;
    for (; ex > 0 && v != 0; ex--) {
        if (v < SL_I128_MIN / 10)
            return false;
        v *= 10;
    }
    for (; ex < 0; ex++) {
        first_dropped = v == 0 ? 0 : (int)-(v % 10); /* the most significant digit dropped */
        if (v == 0)
            break;
        v /= 10;
    }
    if (first_dropped >= 5) {
        if (v == SL_I128_MIN)
            return false;
        v -= 1;
    }
    if (!neg && v == SL_I128_MIN)
        return false;
    *out = neg ? v : -v;
    return true;
}

bool sl_text_cast_hugeint(const char *p, int64_t n, sl_i128 *out)
{
    trim_spaces(&p, &n);
    if (sl_parse_hugeint(p, n, out))
        return true;
    char b[512];
    int64_t bn;
    if (memchr(p, '_', (size_t)n)) {
        if (!strip_underscores(p, n, b, sizeof b, &bn, false))
            return false;
        p = b;
        n = bn;
    }
    return parse_huge_decimal(p, n, out); /* no '0x' / '0b' for HUGEINT in DuckDB */
}

/* ---- strptime (func/fn_strftime.c's strptime, read_csv's dateformat= and its sniffer) ---- */

static const char *const day_names[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};
static const char *const month_names[] = {"January", "February", "March", "April", "May",
                                          "June", "July", "August", "September", "October",
                                          "November", "December"};

/* Reads 1..maxd digits at s[*k] (after spaces); false when there are none. */
static bool pt_num(const char *s, int64_t n, int64_t *k, int maxd, int64_t *v, int *nd)
{
    while (*k < n && s[*k] == ' ')
        (*k)++;
    int c = 0;
    int64_t x = 0;
    while (*k < n && c < maxd && s[*k] >= '0' && s[*k] <= '9') {
        x = x * 10 + (s[*k] - '0');
        (*k)++;
        c++;
    }
    *v = x;
    if (nd)
        *nd = c;
    return c > 0;
}

/* Matches a day or month name (full or 3-letter, case-insensitive) at s[*k]; returns its index
 * or -1. */
static int pt_name(const char *s, int64_t n, int64_t *k, bool month)
{
    int cnt = month ? 12 : 7;
    for (int full = 1; full >= 0; full--)
        for (int x = 0; x < cnt; x++) {
            const char *nm = month ? month_names[x] : day_names[x];
            int64_t len = full ? (int64_t)strlen(nm) : 3;
            if (n - *k >= len && strncasecmp(s + *k, nm, (size_t)len) == 0) {
                *k += len;
                return x;
            }
        }
    return -1;
}

/* The parser of sl_strptime (types.h): y/m/d default 1900-01-01, every field checked at the
 * end, an unknown code sets *bad; %z / %Z subtract their zone's offset (an instant in UTC). */
int sl_strptime(const char *s, int64_t n, const char *f, int64_t fn, int64_t *out, char *bad)
{
    int64_t y = 1900, m = 1, d = 1, h = 0, mi = 0, sec = 0, us = 0, yday = -1, v, off = 0;
    int pm = -1, nd;
    bool h12 = false, has_z = false;
    int64_t k = 0;
    for (int64_t j = 0; j < fn; j++) {
        if (f[j] != '%' || j + 1 == fn) {
            if (f[j] == ' ') { /* a space matches any run of spaces */
                while (k < n && s[k] == ' ')
                    k++;
                continue;
            }
            if (k >= n || s[k] != f[j])
                return SL_PT_FAIL;
            k++;
            continue;
        }
        char c = f[++j];
        if (c == '-' && j + 1 < fn)
            c = f[++j];
        switch (c) {
        case 'Y': case 'G': if (!pt_num(s, n, &k, 4, &y, NULL)) return SL_PT_FAIL; break;
        case 'y':
            if (!pt_num(s, n, &k, 2, &v, NULL)) return SL_PT_FAIL;
            y = v >= 69 ? 1900 + v : 2000 + v;
            break;
        case 'm': if (!pt_num(s, n, &k, 2, &m, NULL)) return SL_PT_FAIL; break;
        case 'd': if (!pt_num(s, n, &k, 2, &d, NULL)) return SL_PT_FAIL; break;
        case 'j': if (!pt_num(s, n, &k, 3, &yday, NULL)) return SL_PT_FAIL; break;
        case 'H': if (!pt_num(s, n, &k, 2, &h, NULL)) return SL_PT_FAIL; break;
        case 'I':
            if (!pt_num(s, n, &k, 2, &h, NULL)) return SL_PT_FAIL;
            h12 = true;
            break;
        case 'M': if (!pt_num(s, n, &k, 2, &mi, NULL)) return SL_PT_FAIL; break;
        case 'S': if (!pt_num(s, n, &k, 2, &sec, NULL)) return SL_PT_FAIL; break;
        case 'f': case 'g': case 'n': {
            int maxd = c == 'f' ? 6 : c == 'g' ? 3 : 9;
            if (!pt_num(s, n, &k, maxd, &v, &nd)) return SL_PT_FAIL;
            for (; nd < 6; nd++) v *= 10;
            for (; nd > 6; nd--) v /= 10;
            us = v;
            break;
        }
        case 'p':
            if (n - k >= 2 && strncasecmp(s + k, "AM", 2) == 0) pm = 0;
            else if (n - k >= 2 && strncasecmp(s + k, "PM", 2) == 0) pm = 1;
            else return SL_PT_FAIL;
            k += 2;
            break;
        case 'a': case 'A': if (pt_name(s, n, &k, false) < 0) return SL_PT_FAIL; break;
        case 'b': case 'h': case 'B': {
            int x = pt_name(s, n, &k, true);
            if (x < 0) return SL_PT_FAIL;
            m = x + 1;
            break;
        }
        case 'w': case 'u': if (!pt_num(s, n, &k, 1, &v, NULL)) return SL_PT_FAIL; break;
        case 'U': case 'W': case 'V':
            if (!pt_num(s, n, &k, 2, &v, NULL)) return SL_PT_FAIL;
            break;
        case '%': if (k >= n || s[k] != '%') return SL_PT_FAIL; k++; break;
        case 'z': /* +HH[[:]MM[:SS]]: the result is the instant in UTC */
            if (k >= n || (s[k] != '+' && s[k] != '-') || !parse_offset(s, n, &k, &v))
                return SL_PT_FAIL;
            off = v;
            has_z = true;
            break;
        case 'Z': { /* a zone name of fixed offset (sl_tz_name_offset) */
            int64_t z = k;
            while (k < n && s[k] != ' ')
                k++;
            if (!sl_tz_name_offset(s + z, k - z, &v))
                return SL_PT_FAIL;
            if (!has_z) /* an offset (%z) wins over the name, as DuckDB's */
                off = v;
            break;
        }
        default: *bad = c; return SL_PT_BADFMT;
        }
    }
    if (k != n)
        return SL_PT_FAIL;
    if (h12) {
        if (h < 1 || h > 12) return SL_PT_FAIL;
        h = h % 12 + (pm == 1 ? 12 : 0);
    } else if (pm == 1 && h < 12) {
        h += 12;
    }
    if (m < 1 || m > 12 || d < 1 || h > 23 || mi > 59 || sec > 59)
        return SL_PT_FAIL;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return SL_PT_FAIL;
    int64_t days = sl_days_from_civil(y, (int)m, (int)d);
    if (yday >= 0) {
        if (yday < 1 || yday > (leap ? 366 : 365)) return SL_PT_FAIL;
        days = sl_days_from_civil(y, 1, 1) + yday - 1;
    }
    *out = days * US_PER_DAY + (h * 3600 + mi * 60 + sec - off) * INT64_C(1000000) + us;
    return SL_PT_OK;
}
