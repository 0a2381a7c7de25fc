/* Byte-size parsing and formatting; see size.h. Local. */
#include "core/size.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

bool sl_parse_size(const char *s, int64_t *out)
{
    static const struct { const char *unit; double mult; } units[] = {
        {"", 1}, {"b", 1}, {"byte", 1}, {"bytes", 1},
        {"k", 1e3}, {"kb", 1e3}, {"m", 1e6}, {"mb", 1e6}, {"g", 1e9}, {"gb", 1e9},
        {"t", 1e12}, {"tb", 1e12},
        {"kib", 1024.0}, {"mib", 1048576.0}, {"gib", 1073741824.0}, {"tib", 1099511627776.0},
    };
    if (!s)
        return false;
    while (isspace((unsigned char)*s))
        s++;
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || v < 0)
        return false;
    while (isspace((unsigned char)*end))
        end++;
    size_t ulen = 0;
    while (end[ulen] && !isspace((unsigned char)end[ulen]))
        ulen++;
    for (size_t i = 0; end[ulen + i]; i++)
        if (!isspace((unsigned char)end[ulen + i]))
            return false;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t n = 0;
        while (units[i].unit[n])
            n++;
        if (n == ulen && strncasecmp(units[i].unit, end, ulen) == 0) {
            double b = v * units[i].mult;
            if (b > 9.0e18)
                return false;
            *out = (int64_t)llround(b);
            return true;
        }
    }
    return false;
}

char *sl_format_size(int64_t bytes, char *buf, int n)
{
    const char *u[] = {"B", "KB", "MB", "GB", "TB"};
    double v = (double)bytes;
    int i = 0;
    while (v >= 1000 && i < 4) {
        v /= 1000;
        i++;
    }
    if (i == 0)
        snprintf(buf, (size_t)n, "%lld B", (long long)bytes);
    else
        snprintf(buf, (size_t)n, "%.1f %s", v, u[i]);
    return buf;
}
