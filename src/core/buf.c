/* Growable byte buffer; see buf.h. Local. */
#include "core/buf.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sl_buf_init(sl_buf *b) { b->data = NULL; b->len = b->cap = 0; }

void sl_buf_free(sl_buf *b)
{
    sl_free(b->data);
    sl_buf_init(b);
}

void sl_buf_reset(sl_buf *b) { b->len = 0; }

void sl_buf_reserve(sl_buf *b, int64_t extra)
{
    /* +1 keeps room for the NUL of sl_buf_cstr. */
    sl_grow((void **)&b->data, &b->cap, b->len + extra + 1, 1);
}

void sl_buf_append(sl_buf *b, const void *p, int64_t n)
{
    if (n <= 0)
        return;
    sl_buf_reserve(b, n);
    memcpy(b->data + b->len, p, (size_t)n);
    b->len += n;
}

void sl_buf_puts(sl_buf *b, const char *s) { sl_buf_append(b, s, (int64_t)strlen(s)); }

void sl_buf_printf(sl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < (int)sizeof tmp) {
        sl_buf_append(b, tmp, n);
    } else {
        sl_buf_reserve(b, n);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += n;
    }
    va_end(ap2);
}

void sl_buf_put_i64(sl_buf *b, int64_t v) { sl_buf_append(b, &v, sizeof v); }

void sl_buf_put_str(sl_buf *b, const char *s)
{
    int64_t n = (int64_t)strlen(s);
    sl_buf_put_i64(b, n);
    sl_buf_append(b, s, n);
}

int64_t sl_buf_get_i64(const char **p)
{
    int64_t v;
    memcpy(&v, *p, sizeof v);
    *p += sizeof v;
    return v;
}

char *sl_buf_get_str(const char **p)
{
    int64_t n = sl_buf_get_i64(p);
    char *s = sl_xstrndup(*p, (size_t)n);
    *p += n;
    return s;
}

void sl_buf_put_quoted(sl_buf *b, const char *s, char quote)
{
    sl_buf_putc(b, quote);
    for (; *s; s++) {
        if (*s == quote)
            sl_buf_putc(b, quote);
        sl_buf_putc(b, *s);
    }
    sl_buf_putc(b, quote);
}

void sl_buf_json_str(sl_buf *o, const char *s)
{
    sl_buf_putc(o, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            sl_buf_printf(o, "\\%c", *p);
        else if (*p < 0x20)
            sl_buf_printf(o, "\\u%04x", *p);
        else
            sl_buf_putc(o, (char)*p);
    }
    sl_buf_putc(o, '"');
}

const char *sl_buf_cstr(sl_buf *b)
{
    sl_buf_reserve(b, 0);
    b->data[b->len] = 0;
    return b->data;
}

char *sl_buf_take(sl_buf *b)
{
    sl_buf_cstr(b);
    char *d = b->data;
    sl_buf_init(b);
    return d;
}
