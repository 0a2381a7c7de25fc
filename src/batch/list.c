/* LIST values: element encoding, iteration and DuckDB's text; see list.h. Local. */
#include "batch/list.h"
#include "batch/nested.h"

#include <string.h>

/* The six element types whose lists keep their own enum values (types.h); every other
 * element type's list is an interned composite (batch/nested.c). */
sl_type sl_list_type(sl_type elem)
{
    switch (elem) {
    case SL_T_BOOL: return SL_T_LIST_BOOL;
    case SL_T_BIGINT: return SL_T_LIST_BIGINT;
    case SL_T_DOUBLE: return SL_T_LIST_DOUBLE;
    case SL_T_VARCHAR: return SL_T_LIST_VARCHAR;
    case SL_T_DATE: return SL_T_LIST_DATE;
    case SL_T_TIMESTAMP: return SL_T_LIST_TIMESTAMP;
    default: break;
    }
    if (elem < 0 || (sl_type_base(elem) >= SL_T_COUNT) ||
        (sl_type_is_composite(elem) && !sl_nested_get(elem)))
        return SL_T_NULL;
    return sl_nested_list(elem);
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
    default: break;
    }
    const sl_nested *d = sl_type_base(t) == SL_T_LIST ? sl_nested_get(t) : NULL;
    return d ? d->elem : SL_T_NULL;
}

void sl_list_put(sl_buf *out, sl_type elem, const sl_value *v)
{
    if (v->is_null || v->type == SL_T_NULL || elem == SL_T_NULL) {
        sl_buf_putc(out, 0);
        return;
    }
    sl_buf_putc(out, 1);
    if (sl_type_is_var(elem)) {
        uint32_t n = (uint32_t)v->v.s.len;
        sl_buf_append(out, (const char *)&n, 4);
        sl_buf_append(out, v->v.s.p, v->v.s.len);
    } else {
        sl_buf_append(out, (const char *)&v->v.i, 8); /* the double's 8 bytes alike */
    }
}

bool sl_list_next(sl_list_it *it, sl_value *out)
{
    return sl_nested_next(&it->p, it->end, it->elem, out);
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

void sl_list_format(sl_buf *out, sl_type list_type, const char *p, int64_t len)
{
    sl_list_it it;
    sl_value x;
    sl_list_begin(&it, list_type, p, len);
    sl_buf_putc(out, '[');
    for (int k = 0; sl_list_next(&it, &x); k++) {
        if (k)
            sl_buf_puts(out, ", ");
        sl_nested_format_elem(out, &x);
    }
    sl_buf_putc(out, ']');
}
