/* LIST values: element encoding, iteration and DuckDB's text; see list.h. Local. */
#include "batch/list.h"

#include <string.h>

/* The LIST type of each element type. A type added later (INTEGER, DECIMAL, ...) has no entry
 * (SL_T_NULL: "no function matches list_value(...)") until it gets a LIST type of its own or
 * list_value casts it to one that has. */
static const sl_type list_of[SL_T_COUNT] = {
    [SL_T_NULL] = SL_T_LIST_BIGINT,     [SL_T_BOOL] = SL_T_LIST_BOOL,
    [SL_T_BIGINT] = SL_T_LIST_BIGINT,   [SL_T_DOUBLE] = SL_T_LIST_DOUBLE,
    [SL_T_VARCHAR] = SL_T_LIST_VARCHAR, [SL_T_DATE] = SL_T_LIST_DATE,
    [SL_T_TIMESTAMP] = SL_T_LIST_TIMESTAMP,
    /* The narrower integers are int64 values too: their lists are BIGINT[] (DuckDB keeps
     * INTEGER[]; the elements and their text are the same). */
    [SL_T_TINYINT] = SL_T_LIST_BIGINT,  [SL_T_SMALLINT] = SL_T_LIST_BIGINT,
    [SL_T_INTEGER] = SL_T_LIST_BIGINT,
    [SL_T_UTINYINT] = SL_T_LIST_BIGINT, [SL_T_USMALLINT] = SL_T_LIST_BIGINT,
    [SL_T_UINTEGER] = SL_T_LIST_BIGINT,
};

sl_type sl_list_type(sl_type elem)
{
    return elem >= 0 && elem < SL_T_COUNT ? list_of[elem] : SL_T_NULL;
}

sl_type sl_list_elem(sl_type t)
{
    switch (t) {
    case SL_T_LIST_BOOL: return SL_T_BOOL;
    case SL_T_LIST_BIGINT: return SL_T_BIGINT;
    case SL_T_LIST_DOUBLE: return SL_T_DOUBLE;
    case SL_T_LIST_VARCHAR: return SL_T_VARCHAR;
    case SL_T_LIST_DATE: return SL_T_DATE;
    case SL_T_LIST_TIMESTAMP: return SL_T_TIMESTAMP;
    default: return SL_T_NULL;
    }
}

void sl_list_put(sl_buf *out, sl_type elem, const sl_value *v)
{
    if (v->is_null || v->type == SL_T_NULL) {
        sl_buf_putc(out, 0);
        return;
    }
    sl_buf_putc(out, 1);
    if (elem == SL_T_VARCHAR) {
        uint32_t n = (uint32_t)v->v.s.len;
        sl_buf_append(out, (const char *)&n, 4);
        sl_buf_append(out, v->v.s.p, v->v.s.len);
    } else {
        sl_buf_append(out, (const char *)&v->v.i, 8); /* the double's 8 bytes alike */
    }
}

bool sl_list_next(sl_list_it *it, sl_value *out)
{
    if (it->p >= it->end)
        return false;
    memset(out, 0, sizeof *out);
    out->type = it->elem;
    if (*it->p++ == 0) {
        out->is_null = true;
        return true;
    }
    if (it->elem == SL_T_VARCHAR) {
        uint32_t n;
        if (it->end - it->p < 4)
            return it->p = it->end, false;
        memcpy(&n, it->p, 4);
        if ((uint64_t)(it->end - it->p - 4) < n)
            return it->p = it->end, false;
        out->v.s.p = it->p + 4;
        out->v.s.len = n;
        it->p += 4 + (int64_t)n;
        return true;
    }
    if (it->end - it->p < 8)
        return it->p = it->end, false;
    memcpy(&out->v.i, it->p, 8);
    it->p += 8;
    return true;
}

int64_t sl_list_count(sl_type list_type, const char *p, int64_t len)
{
    sl_list_it it;
    sl_value x;
    int64_t n = 0;
    sl_list_begin(&it, list_type, p, len);
    while (sl_list_next(&it, &x))
        n++;
    return n;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* DuckDB quotes an element's text inside a list when reading it back would be ambiguous. */
static bool needs_quotes(const char *p, int64_t n)
{
    if (n == 0 || is_space(p[0]) || is_space(p[n - 1]))
        return true;
    if (n == 4 && (p[0] | 32) == 'n' && (p[1] | 32) == 'u' && (p[2] | 32) == 'l' &&
        (p[3] | 32) == 'l')
        return true;
    for (int64_t i = 0; i < n; i++)
        if (strchr("\"'(),:=[]{}", p[i]) && p[i])
            return true;
    return false;
}

void sl_list_format(sl_buf *out, sl_type list_type, const char *p, int64_t len)
{
    sl_list_it it;
    sl_value x;
    sl_buf tmp;
    sl_buf_init(&tmp);
    sl_list_begin(&it, list_type, p, len);
    sl_buf_putc(out, '[');
    for (int k = 0; sl_list_next(&it, &x); k++) {
        if (k)
            sl_buf_puts(out, ", ");
        if (x.is_null) {
            sl_buf_puts(out, "NULL");
            continue;
        }
        sl_buf_reset(&tmp);
        sl_format_value(&tmp, &x);
        if (!needs_quotes(tmp.data, tmp.len)) {
            sl_buf_append(out, tmp.data, tmp.len);
            continue;
        }
        sl_buf_putc(out, '\'');
        for (int64_t i = 0; i < tmp.len; i++) {
            if (tmp.data[i] == '\'' || tmp.data[i] == '\\')
                sl_buf_putc(out, '\\');
            sl_buf_putc(out, tmp.data[i]);
        }
        sl_buf_putc(out, '\'');
    }
    sl_buf_putc(out, ']');
    sl_buf_free(&tmp);
}
