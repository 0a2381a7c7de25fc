/*
 * DuckDB's list functions beyond the basics of fn_list.c: list_sort / list_reverse_sort,
 * list_distinct, list_unique, list_position, list_concat (and || on lists), list_reverse,
 * list_append / list_prepend, array_to_string, list_has_any / list_has_all, the list
 * aggregates (list_sum, list_min, list_max, list_avg, list_count, list_first, list_last and
 * list_aggregate(l, 'name')), and range / generate_series of BIGINTs. Kernels walk each list's
 * elements (sl_list_begin / sl_list_next) and compare them with the element order of
 * batch/list_order.h, so they hold for whatever element types the iterator yields. A NULL
 * list gives NULL unless a function says otherwise (DuckDB's list_concat and list_append take
 * a NULL list as empty). Local.
 */
#include "func/fn_int.h"

#include <stdlib.h>
#include <strings.h>

#include "batch/list.h"
#include "core/mem.h"

/* ---- shared pieces ---- */

/* The elements of one list (strings borrow the list's bytes). */
typedef struct elems {
    sl_value *v;
    int64_t n, cap;
} elems;

static void elems_read(elems *es, sl_type lt, const char *p, int64_t len)
{
    sl_list_it it;
    sl_value x;
    es->n = 0;
    sl_list_begin(&it, lt, p, len);
    while (sl_list_next(&it, &x)) {
        SL_GROW(es->v, es->cap, es->n + 1);
        es->v[es->n++] = x;
    }
}

/* Equality of two elements as list_contains and list_position see it: NULL matches NULL
 * only when nulls_match. */
static bool elem_eq(const sl_value *a, const sl_value *b, bool nulls_match)
{
    if (a->is_null || b->is_null)
        return nulls_match && a->is_null && b->is_null;
    return sl_list_value_cmp(a, b) == 0;
}

/* The needle x of list l (args[0], args[1]) takes the element type (as list_contains). */
static int want_elem(sl_expr **args, int j, sl_type elem, sl_err *err)
{
    int rc = 0;
    if (args[j]->type == elem)
        return 0;
    if (!fn_want(args, j, elem, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    return 0;
}

/* `[]` has no element type of its own (DuckDB's "NULL"[]): it takes the other list's. */
static void adopt_empty(sl_expr **l, sl_type other)
{
    if ((*l)->kind == SL_E_CALL && (*l)->fn == SL_FN_LIST_VALUE && !(*l)->n_args &&
        sl_type_is_list(other))
        (*l)->type = other;
}

/* Appends element x (or NULL) as row i of o, a vector of the element type. */
static void put_elem(sl_vec *o, int64_t i, const sl_value *x)
{
    if (sl_type_is_var(o->type)) {
        fn_pad(o, i);
        if (x && !x->is_null)
            sl_vec_push_str(o, x->v.s.p, x->v.s.len);
        else
            sl_vec_push_null(o);
    } else if (x && !x->is_null) {
        o->d.i64[i] = x->v.i; /* a double's 8 bytes alike */
        fn_set_valid(o, i);
    }
}

static sl_vec *new_of(sl_type t, int64_t n)
{
    return sl_type_is_var(t) ? sl_vec_new(t, n) : fn_new_fixed(t, n);
}

static void finish_of(sl_vec *o, int64_t n)
{
    if (sl_type_is_var(o->type))
        fn_pad(o, n);
}

/* ---- list_sort, list_reverse_sort ---- */

/* list_sort(l [, 'ASC'|'DESC' [, 'NULLS FIRST'|'NULLS LAST']]), list_reverse_sort(l [, nulls]):
 * DuckDB's defaults ASC, NULLS LAST; each modifier a constant string. */
FN_BIND(fn_bind_list_sort)
{
    if (!sl_type_is_list(args[0]->type))
        return FN_NO_MATCH;
    for (int j = 1; j < n; j++) {
        const sl_expr *m = args[j];
        bool ok = m->kind == SL_E_CONST && m->type == SL_T_VARCHAR && !m->cval.is_null;
        static const char *const words[] = { "ASC", "DESC", "NULLS FIRST", "NULLS LAST" };
        bool known = false;
        for (int w = 0; ok && w < 4 && !known; w++)
            known = (int64_t)strlen(words[w]) == m->cval.v.s.len &&
                    strncasecmp(m->cval.v.s.p, words[w], (size_t)m->cval.v.s.len) == 0;
        if (!known)
            return SL_ERR(err, SL_EBIND, "%s", "list_sort: the sort order must be a constant "
                          "'ASC' or 'DESC', the NULL order 'NULLS FIRST' or 'NULLS LAST'");
    }
    *rt = args[0]->type;
    return 0;
}

typedef struct sort_item {
    sl_value v;
    int64_t at;
} sort_item;

static bool g_desc, g_nulls_first; /* qsort has no context; bound per call, single thread */

static int cmp_items(const void *pa, const void *pb)
{
    const sort_item *a = pa, *b = pb;
    int c;
    if (a->v.is_null || b->v.is_null)
        c = a->v.is_null == b->v.is_null ? 0 : (a->v.is_null ? 1 : -1) * (g_nulls_first ? -1 : 1);
    else
        c = sl_list_value_cmp(&a->v, &b->v) * (g_desc ? -1 : 1);
    return c ? c : (a->at > b->at) - (a->at < b->at); /* stable */
}

static bool word_is(const sl_expr *e, const char *w)
{
    return (int64_t)strlen(w) == e->cval.v.s.len &&
           strncasecmp(e->cval.v.s.p, w, (size_t)e->cval.v.s.len) == 0;
}

FN_EXEC(fn_exec_list_sort)
{
    (void)in;
    (void)err;
    sl_type lt = e->args[0]->type, elem = sl_list_elem(lt);
    bool desc = e->fn == SL_FN_LIST_REVERSE_SORT, nf = false;
    for (int j = 1; j < e->n_args; j++) {
        if (word_is(e->args[j], "DESC"))
            desc = true;
        else if (word_is(e->args[j], "NULLS FIRST"))
            nf = true;
    }
    sl_vec *o = sl_vec_new(lt, rows->n_rows);
    elems es = {0};
    sort_item *items = NULL;
    int64_t cap = 0;
    sl_buf b;
    sl_buf_init(&b);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k), len;
        fn_pad(o, i);
        if (!fn_ok(&a[0], i)) {
            sl_vec_push_null(o);
            continue;
        }
        const char *p = fn_str(&a[0], i, &len);
        elems_read(&es, lt, p, len);
        SL_GROW(items, cap, es.n + 1);
        for (int64_t j = 0; j < es.n; j++)
            items[j] = (sort_item){ es.v[j], j };
        g_desc = desc;
        g_nulls_first = nf;
        if (es.n > 1)
            qsort(items, (size_t)es.n, sizeof *items, cmp_items);
        sl_buf_reset(&b);
        for (int64_t j = 0; j < es.n; j++)
            sl_list_put(&b, elem, &items[j].v);
        sl_vec_push_str(o, b.data ? b.data : "", b.len);
    }
    fn_pad(o, rows->n_rows);
    sl_free(es.v);
    sl_free(items);
    sl_buf_free(&b);
    *out = o;
    return 0;
}

/* ---- list_distinct, list_unique ---- */

/* The distinct non-NULL elements of es, in the order of their first occurrence, into es
 * itself (a sort of indexes, then a pass: n log n). */
static int cmp_by_value(const void *pa, const void *pb)
{
    const sort_item *a = pa, *b = pb;
    int c = sl_list_value_cmp(&a->v, &b->v);
    return c ? c : (a->at > b->at) - (a->at < b->at);
}

static int cmp_by_at(const void *pa, const void *pb)
{
    const sort_item *a = pa, *b = pb;
    return (a->at > b->at) - (a->at < b->at);
}

static int64_t distinct_of(elems *es, sort_item **items, int64_t *cap)
{
    int64_t m = 0;
    SL_GROW(*items, *cap, es->n + 1);
    for (int64_t j = 0; j < es->n; j++)
        if (!es->v[j].is_null)
            (*items)[m++] = (sort_item){ es->v[j], j };
    if (m > 1)
        qsort(*items, (size_t)m, sizeof **items, cmp_by_value);
    int64_t d = 0;
    for (int64_t j = 0; j < m; j++)
        if (d == 0 || sl_list_value_cmp(&(*items)[d - 1].v, &(*items)[j].v) != 0)
            (*items)[d++] = (*items)[j];
    if (d > 1)
        qsort(*items, (size_t)d, sizeof **items, cmp_by_at);
    return d;
}

FN_BIND(fn_bind_list_distinct)
{
    (void)n;
    (void)err;
    if (!sl_type_is_list(args[0]->type))
        return FN_NO_MATCH;
    *rt = args[0]->type;
    return 0;
}

FN_BIND(fn_bind_list_unique)
{
    (void)n;
    (void)err;
    if (!sl_type_is_list(args[0]->type))
        return FN_NO_MATCH;
    *rt = SL_T_BIGINT;
    return 0;
}

FN_EXEC(fn_exec_list_distinct)
{
    (void)in;
    (void)err;
    sl_type lt = e->args[0]->type, elem = sl_list_elem(lt);
    bool unique = e->fn == SL_FN_LIST_UNIQUE;
    sl_vec *o = unique ? fn_new_fixed(SL_T_BIGINT, rows->n_rows) : sl_vec_new(lt, rows->n_rows);
    elems es = {0};
    sort_item *items = NULL;
    int64_t cap = 0;
    sl_buf b;
    sl_buf_init(&b);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k), len;
        if (!unique)
            fn_pad(o, i);
        if (!fn_ok(&a[0], i)) {
            if (!unique)
                sl_vec_push_null(o);
            continue;
        }
        const char *p = fn_str(&a[0], i, &len);
        elems_read(&es, lt, p, len);
        int64_t d = distinct_of(&es, &items, &cap);
        if (unique) {
            o->d.i64[i] = d;
            fn_set_valid(o, i);
            continue;
        }
        sl_buf_reset(&b);
        for (int64_t j = 0; j < d; j++)
            sl_list_put(&b, elem, &items[j].v);
        sl_vec_push_str(o, b.data ? b.data : "", b.len);
    }
    if (!unique)
        fn_pad(o, rows->n_rows);
    sl_free(es.v);
    sl_free(items);
    sl_buf_free(&b);
    *out = o;
    return 0;
}

/* ---- list_position ---- */

/* list_position(l, x): the 1-based index of the first element equal to x (a NULL x finds a
 * NULL element, as in DuckDB), NULL when none is; NULL for a NULL list. */
FN_BIND(fn_bind_list_position)
{
    (void)n;
    if (!sl_type_is_list(args[0]->type))
        return FN_NO_MATCH;
    if (args[1]->type != SL_T_NULL)
        adopt_empty(&args[0], sl_list_type(args[1]->type));
    int rc = args[1]->type == SL_T_NULL ? fn_coerce(&args[1], sl_list_elem(args[0]->type), err)
                                         : want_elem(args, 1, sl_list_elem(args[0]->type), err);
    if (rc)
        return rc;
    *rt = SL_T_BIGINT;
    return 0;
}

FN_EXEC(fn_exec_list_position)
{
    (void)in;
    (void)err;
    sl_type lt = e->args[0]->type, elem = sl_list_elem(lt);
    sl_vec *o = fn_new_fixed(SL_T_BIGINT, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k), len;
        if (!fn_ok(&a[0], i))
            continue;
        sl_value x;
        if (fn_ok(&a[1], i))
            sl_vec_get_value(a[1].v, i & a[1].mask, &x);
        else
            x = (sl_value){ .type = elem, .is_null = true };
        const char *p = fn_str(&a[0], i, &len);
        sl_list_it it;
        sl_value v;
        sl_list_begin(&it, lt, p, len);
        for (int64_t at = 1; sl_list_next(&it, &v); at++)
            if (elem_eq(&v, &x, true)) {
                o->d.i64[i] = at;
                fn_set_valid(o, i);
                break;
            }
    }
    *out = o;
    return 0;
}

/* ---- list_concat, ||, list_append, list_prepend, list_reverse ---- */

/* list_concat(l1, l2, ...): the lists' common type; a NULL list counts as empty (DuckDB's
 * list_concat; `||` on lists, LIST_CONCAT_OP, is NULL when an operand is). */
FN_BIND(fn_bind_list_concat)
{
    int idx[n > 0 ? n : 1];
    sl_type other = SL_T_NULL;
    for (int k = 0; k < n; k++) {
        if (!sl_type_is_list(args[k]->type) && args[k]->type != SL_T_NULL)
            return FN_NO_MATCH;
        if (sl_type_is_list(args[k]->type) &&
            !(args[k]->kind == SL_E_CALL && args[k]->fn == SL_FN_LIST_VALUE && !args[k]->n_args))
            other = args[k]->type;
        idx[k] = k;
    }
    for (int k = 0; k < n; k++)
        adopt_empty(&args[k], other);
    sl_type t, c1, c2;
    if (!fn_common_type(args, idx, n, &t, &c1, &c2))
        return SL_ERR(err, SL_EBIND, "Cannot concatenate lists of types %s and %s - an explicit "
                      "cast is required", sl_type_name(c1), sl_type_name(c2));
    if (t == SL_T_NULL)
        t = SL_T_LIST_BIGINT;
    int rc = fn_coerce_all(args, idx, n, t, err);
    if (rc)
        return rc;
    *rt = t;
    return 0;
}

/* list_append(l, x) / list_prepend(x, l) (li: the list's argument): l's type, x converted to
 * its element type; a NULL list is empty. */
static int bind_append(int li, sl_expr **args, sl_type *rt, sl_err *err)
{
    int xi = 1 - li;
    if (args[li]->type == SL_T_NULL) {
        sl_type lt = sl_list_type(args[xi]->type);
        if (lt == SL_T_NULL)
            return FN_NO_MATCH;
        int rc = fn_coerce(&args[li], lt, err);
        if (rc)
            return rc;
    }
    if (!sl_type_is_list(args[li]->type))
        return FN_NO_MATCH;
    if (args[xi]->type != SL_T_NULL)
        adopt_empty(&args[li], sl_list_type(args[xi]->type));
    int rc = args[xi]->type == SL_T_NULL
                 ? fn_coerce(&args[xi], sl_list_elem(args[li]->type), err)
                 : want_elem(args, xi, sl_list_elem(args[li]->type), err);
    if (rc)
        return rc;
    *rt = args[li]->type;
    return 0;
}

FN_BIND(fn_bind_list_append)
{
    (void)n;
    return bind_append(0, args, rt, err);
}

FN_BIND(fn_bind_list_prepend)
{
    (void)n;
    return bind_append(1, args, rt, err);
}

FN_BIND(fn_bind_list_reverse)
{
    (void)n;
    (void)err;
    if (!sl_type_is_list(args[0]->type))
        return FN_NO_MATCH;
    *rt = args[0]->type;
    return 0;
}

/* One kernel: concatenation of the list arguments (append/prepend: the value argument as a
 * one-element list), or the reverse of one list. */
FN_EXEC(fn_exec_list_concat)
{
    (void)in;
    (void)err;
    sl_type lt = e->type, elem = sl_list_elem(lt);
    bool strict = e->fn == SL_FN_LIST_CONCAT_OP, reverse = e->fn == SL_FN_LIST_REVERSE;
    int xi = e->fn == SL_FN_LIST_APPEND ? 1 : e->fn == SL_FN_LIST_PREPEND ? 0 : -1;
    sl_vec *o = sl_vec_new(lt, rows->n_rows);
    elems es = {0};
    sl_buf b;
    sl_buf_init(&b);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        fn_pad(o, i);
        bool null = reverse || strict;
        for (int j = 0; j < e->n_args && null; j++)
            null = fn_ok(&a[j], i);
        if ((reverse || strict) ? !null : false) {
            sl_vec_push_null(o);
            continue;
        }
        sl_buf_reset(&b);
        for (int j = 0; j < e->n_args; j++) {
            if (j == xi) {
                sl_value x = { .type = elem, .is_null = true };
                if (fn_ok(&a[j], i))
                    sl_vec_get_value(a[j].v, i & a[j].mask, &x);
                sl_list_put(&b, elem, &x);
                continue;
            }
            if (!fn_ok(&a[j], i))
                continue;
            int64_t len;
            const char *p = fn_str(&a[j], i, &len);
            if (!reverse) {
                sl_buf_append(&b, p, len); /* same element type: the encodings concatenate */
                continue;
            }
            elems_read(&es, lt, p, len);
            for (int64_t m = es.n - 1; m >= 0; m--)
                sl_list_put(&b, elem, &es.v[m]);
        }
        sl_vec_push_str(o, b.data ? b.data : "", b.len);
    }
    fn_pad(o, rows->n_rows);
    sl_free(es.v);
    sl_buf_free(&b);
    *out = o;
    return 0;
}

/* ---- array_to_string ---- */

/* array_to_string(l, sep): the non-NULL elements' text (CAST AS VARCHAR) joined by sep (a
 * NULL sep is ','); NULL for a NULL list. */
FN_BIND(fn_bind_array_to_string)
{
    (void)n;
    int rc = 0;
    if (!sl_type_is_list(args[0]->type))
        return FN_NO_MATCH;
    if (!fn_want(args, 1, SL_T_VARCHAR, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    *rt = SL_T_VARCHAR;
    return 0;
}

FN_EXEC(fn_exec_array_to_string)
{
    (void)in;
    (void)err;
    sl_type lt = e->args[0]->type;
    sl_vec *o = sl_vec_new(SL_T_VARCHAR, rows->n_rows);
    sl_buf b;
    sl_buf_init(&b);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k), len, sn = 1;
        fn_pad(o, i);
        if (!fn_ok(&a[0], i)) {
            sl_vec_push_null(o);
            continue;
        }
        const char *p = fn_str(&a[0], i, &len), *sep = ",";
        if (fn_ok(&a[1], i))
            sep = fn_str(&a[1], i, &sn);
        sl_buf_reset(&b);
        sl_list_it it;
        sl_value v;
        bool first = true;
        sl_list_begin(&it, lt, p, len);
        while (sl_list_next(&it, &v)) {
            if (v.is_null)
                continue;
            if (!first)
                sl_buf_append(&b, sep, sn);
            first = false;
            sl_format_value(&b, &v);
        }
        sl_vec_push_str(o, b.data ? b.data : "", b.len);
    }
    fn_pad(o, rows->n_rows);
    sl_buf_free(&b);
    *out = o;
    return 0;
}

/* ---- list_has_any, list_has_all ---- */

/* list_has_any(l, x) / list_has_all(l, x): whether some / every non-NULL element of x is an
 * element of l (NULL when either list is NULL). */
FN_BIND(fn_bind_list_has)
{
    int idx[2] = { 0, 1 };
    (void)n;
    if (!sl_type_is_list(args[0]->type) && args[0]->type != SL_T_NULL)
        return FN_NO_MATCH;
    if (!sl_type_is_list(args[1]->type) && args[1]->type != SL_T_NULL)
        return FN_NO_MATCH;
    adopt_empty(&args[0], args[1]->type);
    adopt_empty(&args[1], args[0]->type);
    sl_type t, c1, c2;
    if (!fn_common_type(args, idx, 2, &t, &c1, &c2))
        return FN_NO_MATCH;
    if (t == SL_T_NULL)
        t = SL_T_LIST_BIGINT;
    int rc = fn_coerce_all(args, idx, 2, t, err);
    if (rc)
        return rc;
    *rt = SL_T_BOOL;
    return 0;
}

FN_EXEC(fn_exec_list_has)
{
    (void)in;
    (void)err;
    sl_type lt = e->args[0]->type;
    bool all = e->fn == SL_FN_LIST_HAS_ALL;
    sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);
    elems hay = {0}, need = {0};
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k), la, lb;
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i))
            continue;
        const char *pa = fn_str(&a[0], i, &la), *pb = fn_str(&a[1], i, &lb);
        elems_read(&hay, lt, pa, la);
        elems_read(&need, lt, pb, lb);
        bool res = all;
        for (int64_t j = 0; j < need.n && res == all; j++) {
            if (need.v[j].is_null)
                continue;
            bool found = false;
            for (int64_t m = 0; m < hay.n && !found; m++)
                found = elem_eq(&hay.v[m], &need.v[j], false);
            res = found;
        }
        o->d.i64[i] = res;
        fn_set_valid(o, i);
    }
    sl_free(hay.v);
    sl_free(need.v);
    *out = o;
    return 0;
}

/* ---- list aggregates ---- */

enum { LA_SUM, LA_MIN, LA_MAX, LA_AVG, LA_COUNT, LA_FIRST, LA_LAST, LA_STRING_AGG, LA_N };
static const char *const la_names[LA_N] = {
    [LA_SUM] = "sum", [LA_MIN] = "min", [LA_MAX] = "max", [LA_AVG] = "avg",
    [LA_COUNT] = "count", [LA_FIRST] = "first", [LA_LAST] = "last",
    [LA_STRING_AGG] = "string_agg",
};

/* The aggregate of a bound list_aggregate / list_sum ... call. */
static int la_kind(const sl_expr *e)
{
    switch (e->fn) {
    case SL_FN_LIST_SUM: return LA_SUM;
    case SL_FN_LIST_MIN: return LA_MIN;
    case SL_FN_LIST_MAX: return LA_MAX;
    case SL_FN_LIST_AVG: return LA_AVG;
    case SL_FN_LIST_COUNT: return LA_COUNT;
    case SL_FN_LIST_FIRST: return LA_FIRST;
    case SL_FN_LIST_LAST: return LA_LAST;
    default: break;
    }
    const sl_value *v = &e->args[1]->cval;
    for (int k = 0; k < LA_N; k++)
        if ((int64_t)strlen(la_names[k]) == v->v.s.len &&
            strncasecmp(la_names[k], v->v.s.p, (size_t)v->v.s.len) == 0)
            return k;
    if (v->v.s.len == 4 && strncasecmp(v->v.s.p, "mean", 4) == 0)
        return LA_AVG;
    return -1;
}

/* Elements summed as 8-byte integers: the integers, BOOLEAN, DECIMALs of up to 18 digits
 * (their unscaled values) and the NULLs of "NULL"[] (`list_sum([])` is a HUGEINT NULL). */
static bool is_int_elem(sl_type t)
{
    return sl_type_is_int(t) || t == SL_T_BOOL || t == SL_T_NULL ||
           (sl_type_is_decimal(t) && !sl_dec_is_wide(t));
}

/* The result type of aggregate kind over elements of type elem; false when it has none. */
static bool agg_type(int kind, sl_type elem, sl_type *rt)
{
    switch (kind) {
    case LA_SUM: /* DuckDB's sum: HUGEINT of integers, DECIMAL(38,s) of DECIMAL(p,s) */
        *rt = sl_type_is_decimal(elem) ? sl_type_decimal(SL_DEC_MAX_WIDTH, sl_dec_scale(elem))
              : is_int_elem(elem) ? SL_T_HUGEINT : SL_T_DOUBLE;
        return is_int_elem(elem) || elem == SL_T_DOUBLE;
    case LA_AVG:
        *rt = SL_T_DOUBLE;
        return is_int_elem(elem) || elem == SL_T_DOUBLE;
    case LA_COUNT: *rt = SL_T_BIGINT; return true;
    case LA_STRING_AGG: *rt = SL_T_VARCHAR; return true;
    default: *rt = elem; return true;
    }
}

/* list_sum(l) (HUGEINT of integers, DOUBLE of doubles), list_min / list_max (the element
 * type; NULLs skipped), list_avg (DOUBLE), list_count (non-NULL elements), list_first /
 * list_last (the first / last element, NULL included), list_aggregate(l, 'name' [, sep]) of
 * those and 'string_agg' (the non-NULL elements' text joined by sep, ',' by default). An
 * empty or all-NULL list gives NULL (count: 0). */
static int bind_agg(int kind, sl_expr **args, int n, sl_type *rt, sl_err *err)
{
    if (!sl_type_is_list(args[0]->type))
        return FN_NO_MATCH;
    if (kind < 0) { /* list_aggregate(l, 'name' [, sep]) */
        if (n < 2)
            return FN_NO_MATCH;
        if (args[1]->kind != SL_E_CONST || args[1]->type != SL_T_VARCHAR ||
            args[1]->cval.is_null)
            return SL_ERR(err, SL_EBIND, "%s", "list_aggregate: the aggregate's name must be a "
                          "constant string");
        sl_expr probe = { .fn = SL_FN_LIST_AGGREGATE, .n_args = n, .args = args };
        kind = la_kind(&probe);
        if (kind < 0)
            return SL_ERR(err, SL_EBIND, "list_aggregate: aggregate '%.*s' is not supported "
                          "(sum, min, max, avg, count, first, last, string_agg)",
                          (int)args[1]->cval.v.s.len, args[1]->cval.v.s.p);
        if (n == 3 && kind != LA_STRING_AGG)
            return FN_NO_MATCH;
        int rc = 0;
        if (n == 3 && !fn_want(args, 2, SL_T_VARCHAR, err, &rc))
            return rc ? rc : FN_NO_MATCH;
    } else if (n != 1) {
        return FN_NO_MATCH;
    }
    return agg_type(kind, sl_list_elem(args[0]->type), rt) ? 0 : FN_NO_MATCH;
}

FN_BIND(fn_bind_list_aggregate) { return bind_agg(-1, args, n, rt, err); }
FN_BIND(fn_bind_list_sum) { return bind_agg(LA_SUM, args, n, rt, err); }
FN_BIND(fn_bind_list_min) { return bind_agg(LA_MIN, args, n, rt, err); }
FN_BIND(fn_bind_list_max) { return bind_agg(LA_MAX, args, n, rt, err); }
FN_BIND(fn_bind_list_avg) { return bind_agg(LA_AVG, args, n, rt, err); }
FN_BIND(fn_bind_list_count) { return bind_agg(LA_COUNT, args, n, rt, err); }
FN_BIND(fn_bind_list_first) { return bind_agg(LA_FIRST, args, n, rt, err); }
FN_BIND(fn_bind_list_last) { return bind_agg(LA_LAST, args, n, rt, err); }

FN_EXEC(fn_exec_list_agg)
{
    (void)in;
    sl_type lt = e->args[0]->type, elem = sl_list_elem(lt);
    int kind = la_kind(e);
    sl_vec *o = new_of(e->type, rows->n_rows);
    sl_buf b;
    sl_buf_init(&b);
    int rc = 0;
    for (int64_t k = 0; k < rows->n && !rc; k++) {
        int64_t i = fn_row(rows, k), len;
        if (!fn_ok(&a[0], i)) {
            put_elem(o, i, NULL);
            continue;
        }
        const char *p = fn_str(&a[0], i, &len);
        sl_list_it it;
        sl_value v, best = { .type = elem, .is_null = true };
        sl_i128 isum = 0;
        double dsum = 0;
        int64_t cnt = 0, seen = 0;
        const char *sep = ",";
        int64_t sn = 1;
        if (kind == LA_STRING_AGG && e->n_args == 3 && fn_ok(&a[2], i))
            sep = fn_str(&a[2], i, &sn);
        sl_buf_reset(&b);
        sl_list_begin(&it, lt, p, len);
        while (sl_list_next(&it, &v)) {
            if (kind == LA_LAST || (kind == LA_FIRST && seen == 0))
                best = v;
            seen++;
            if (v.is_null)
                continue;
            if (kind == LA_STRING_AGG) {
                if (cnt)
                    sl_buf_append(&b, sep, sn);
                sl_format_value(&b, &v);
            } else if (kind == LA_MIN || kind == LA_MAX) {
                int c = best.is_null ? 0 : sl_list_value_cmp(&v, &best);
                if (best.is_null || (kind == LA_MIN ? c < 0 : c > 0))
                    best = v;
            } else if (is_int_elem(elem)) {
                isum += v.v.i;
            } else if (elem == SL_T_DOUBLE) {
                dsum += v.v.d;
            }
            cnt++;
        }
        switch (kind) {
        case LA_COUNT:
            o->d.i64[i] = cnt;
            fn_set_valid(o, i);
            break;
        case LA_SUM:
        case LA_AVG:
            if (!cnt) {
                put_elem(o, i, NULL);
            } else if (kind == LA_SUM && is_int_elem(elem)) {
                char enc[SL_I128_BYTES];
                sl_i128_store(enc, isum);
                fn_pad(o, i);
                sl_vec_push_str(o, enc, SL_I128_BYTES);
            } else if (kind == LA_SUM) {
                o->d.f64[i] = dsum;
                fn_set_valid(o, i);
            } else { /* DuckDB's: the exact sum in long double over the count */
                long double div = (long double)cnt;
                for (int sc = sl_type_is_decimal(elem) ? sl_dec_scale(elem) : 0; sc > 0; sc--)
                    div *= 10; /* a DECIMAL's unscaled sum over count * 10^scale */
                o->d.f64[i] = is_int_elem(elem) ? (double)((long double)isum / div)
                                                : dsum / (double)cnt;
                fn_set_valid(o, i);
            }
            break;
        case LA_STRING_AGG:
            fn_pad(o, i);
            if (cnt)
                sl_vec_push_str(o, b.data, b.len);
            else
                sl_vec_push_null(o);
            break;
        default:
            put_elem(o, i, &best);
            break;
        }
    }
    finish_of(o, rows->n_rows);
    sl_buf_free(&b);
    *out = o;
    return rc;
}

/* ---- range, generate_series ---- */

/* range(stop) / range(start, stop [, step]): start, start + step, ... before stop;
 * generate_series the same up to and including stop. BIGINT[] (a zero step: empty), or with
 * DATE / TIMESTAMP bounds and an INTERVAL step TIMESTAMP[] (each element the previous plus
 * the step, as DuckDB adds it: Jan 31 + 1 month, + 1 month is Mar 29). */
FN_BIND(fn_bind_list_range)
{
    int rc = 0;
    if (n == 3 && args[2]->type == SL_T_INTERVAL) {
        for (int j = 0; j < 2; j++)
            if (args[j]->type != SL_T_DATE && args[j]->type != SL_T_TIMESTAMP &&
                !fn_is_str_lit(args[j]) && args[j]->type != SL_T_NULL)
                return FN_NO_MATCH;
        for (int j = 0; j < 2; j++)
            if ((rc = fn_coerce(&args[j], SL_T_TIMESTAMP, err)))
                return rc;
        *rt = SL_T_LIST_TIMESTAMP;
        return 0;
    }
    for (int j = 0; j < n; j++)
        if (!fn_want(args, j, SL_T_BIGINT, err, &rc))
            return rc ? rc : FN_NO_MATCH;
    *rt = SL_T_LIST_BIGINT;
    return 0;
}

#define SERIES_MAX 100000000 /* elements of one generated list: a bound, not DuckDB's */

/* The TIMESTAMP series of row i into b (reset first). */
static int ts_series(const sl_expr *e, const sl_arg *a, int64_t i, bool incl, sl_buf *b,
                     sl_err *err)
{
    int64_t cur = fn_i64(&a[0], i), stop = fn_i64(&a[1], i), ivn;
    const char *ivp = fn_str(&a[2], i, &ivn);
    sl_interval iv = ivn == SL_IV_BYTES ? sl_interval_get(ivp) : (sl_interval){0, 0, 0};
    bool pos = iv.months >= 0 && iv.days >= 0 && iv.micros >= 0;
    bool neg = iv.months <= 0 && iv.days <= 0 && iv.micros <= 0;
    sl_buf_reset(b);
    if (!pos && !neg)
        return fn_rt_error(err, e, "%s", "Interval with mix of negative/positive entries not "
                           "supported");
    if (sl_ts_is_inf(cur) || sl_ts_is_inf(stop))
        return fn_rt_error(err, e, "%s", "Interval infinite bounds not supported");
    if (pos && neg) /* a zero step: DuckDB's empty list */
        return 0;
    sl_value v = { .type = SL_T_TIMESTAMP };
    for (int64_t m = 0;; m++) {
        bool in = pos ? (incl ? cur <= stop : cur < stop) : (incl ? cur >= stop : cur > stop);
        if (!in)
            break;
        if (m == SERIES_MAX)
            return fn_rt_error(err, e, "%s", "range / generate_series: more than 100000000 "
                               "elements in one list");
        v.v.i = cur;
        sl_list_put(b, SL_T_TIMESTAMP, &v);
        if (!fn_ts_add_interval(cur, iv, 1, &cur))
            break;
    }
    return 0;
}

FN_EXEC(fn_exec_list_range)
{
    (void)in;
    bool incl = e->fn == SL_FN_GENERATE_SERIES;
    sl_vec *o = sl_vec_new(e->type, rows->n_rows);
    sl_buf b;
    sl_buf_init(&b);
    int rc = 0;
    for (int64_t k = 0; k < rows->n && !rc; k++) {
        int64_t i = fn_row(rows, k);
        fn_pad(o, i);
        bool ok = true;
        for (int j = 0; j < e->n_args; j++)
            ok = ok && fn_ok(&a[j], i);
        if (!ok) {
            sl_vec_push_null(o);
            continue;
        }
        if (e->type == SL_T_LIST_TIMESTAMP) {
            rc = ts_series(e, a, i, incl, &b, err);
            if (!rc)
                sl_vec_push_str(o, b.data ? b.data : "", b.len);
            continue;
        }
        int64_t start = e->n_args > 1 ? fn_i64(&a[0], i) : 0;
        int64_t stop = fn_i64(&a[e->n_args > 1 ? 1 : 0], i);
        int64_t step = e->n_args > 2 ? fn_i64(&a[2], i) : 1;
        if (step == 0) { /* DuckDB: an empty list */
            sl_vec_push_str(o, "", 0);
            continue;
        }
        /* the element count first (in 128 bits: no overflow), then a bound on it */
        sl_i128 span = (sl_i128)stop - start, cnt;
        if (step > 0)
            cnt = span < 0 ? 0 : span / step + (incl || span % step ? 1 : 0);
        else
            cnt = span > 0 ? 0 : span / step + (incl || span % step ? 1 : 0);
        if (!incl && span == 0)
            cnt = 0;
        if (cnt > (sl_i128)SERIES_MAX) {
            rc = fn_rt_error(err, e, "%s", "range / generate_series: more than 100000000 "
                             "elements in one list");
            break;
        }
        sl_buf_reset(&b);
        sl_value v = { .type = SL_T_BIGINT };
        for (sl_i128 m = 0; m < cnt; m++) {
            v.v.i = (int64_t)(start + m * step);
            sl_list_put(&b, SL_T_BIGINT, &v);
        }
        sl_vec_push_str(o, b.data ? b.data : "", b.len);
    }
    if (rc) {
        sl_vec_free(&o);
        sl_buf_free(&b);
        return rc;
    }
    fn_pad(o, rows->n_rows);
    sl_buf_free(&b);
    *out = o;
    return 0;
}

/* ---- lambdas: list_transform, list_filter ---- */

/* LAMBDA_PARAM(k): a lambda's parameter (sql/bind_expr.c makes it; users cannot). The list
 * function's kernel replaces it by a column before evaluating the body, so this kernel is
 * reached only outside of one. */
FN_BIND(fn_bind_lambda_param)
{
    (void)args;
    (void)n;
    (void)rt;
    (void)err;
    return FN_NO_MATCH;
}

FN_EXEC(fn_exec_lambda_param)
{
    (void)in;
    (void)rows;
    (void)a;
    (void)out;
    return fn_rt_error(err, e, "%s", "a lambda parameter used outside of its lambda");
}

/* list_transform(l, x -> body) (list_apply, array_transform): the body of each element, as
 * a list of the body's type (a DECIMAL body gives DOUBLEs: there are no DECIMAL lists);
 * list_filter(l, x -> cond) (array_filter): the elements whose cond is true. The binder adds
 * a third argument, the slot of the lambda's first parameter times 4 plus their number (a
 * second parameter is the 1-based index). A NULL list gives NULL. */
static int bind_lambda(bool filter, sl_expr **args, int n, sl_type *rt, sl_err *err)
{
    if (n != 3 || !sl_type_is_list(args[0]->type) || args[2]->kind != SL_E_CONST ||
        args[2]->type != SL_T_BIGINT)
        return FN_NO_MATCH;
    if (filter) {
        int rc = 0;
        if (!fn_want(args, 1, SL_T_BOOL, err, &rc))
            return rc ? rc : SL_ERR(err, SL_EBIND, "list_filter: the lambda must give a "
                                    "BOOLEAN, not %s", sl_type_name(args[1]->type));
        *rt = args[0]->type;
        return 0;
    }
    *rt = sl_list_type(args[1]->type);
    if (*rt == SL_T_NULL)
        return SL_ERR(err, SL_EBIND, "list_transform: a lambda giving %s is not supported",
                      sl_type_name(args[1]->type));
    return 0;
}

FN_BIND(fn_bind_list_transform) { return bind_lambda(false, args, n, rt, err); }
FN_BIND(fn_bind_list_filter) { return bind_lambda(true, args, n, rt, err); }

/* Returns new: e with LAMBDA_PARAM(base + k) as column col0 + k (k < np). */
static sl_expr *lambda_rewrite(const sl_expr *e, int64_t base, int64_t np, int col0)
{
    if (e->kind == SL_E_CALL && e->fn == SL_FN_LAMBDA_PARAM) {
        int64_t k = e->args[0]->cval.v.i - base;
        if (k >= 0 && k < np)
            return sl_expr_col(col0 + (int)k, e->type, e->text);
    }
    sl_expr *c = sl_expr_copy(e);
    for (int i = 0; i < c->n_args; i++) {
        sl_expr_free(&c->args[i]);
        c->args[i] = lambda_rewrite(e->args[i], base, np, col0);
    }
    return c;
}

static void mark_cols(sl_expr *e, void *ctx)
{
    bool *used = ((bool **)ctx)[0];
    int n = (int)(intptr_t)((bool **)ctx)[1];
    if (e->kind == SL_E_COL && e->col >= 0 && e->col < n)
        used[e->col] = true;
}

/* Evaluates the body once over all elements of all rows: the rows of in that the body reads
 * repeated once per element, beside the element (and its index) as the last columns. */
FN_EXEC(fn_exec_list_lambda)
{
    bool filter = e->fn == SL_FN_LIST_FILTER;
    sl_type lt = e->args[0]->type, elem = sl_list_elem(lt), rt = e->type;
    int64_t slot = e->args[2]->cval.v.i, base = slot / 4, np = slot % 4;
    int n_in = in->n_cols, rc;
    sl_arg la;
    if ((rc = fn_eval(e->args[0], in, rows, &la, err)))
        return rc;
    sl_expr *body = lambda_rewrite(e->args[1], base, np, n_in);
    bool *used = sl_xcalloc((size_t)n_in + 1, sizeof *used);
    void *ctx[2] = { used, (void *)(intptr_t)n_in };
    sl_expr_walk(body, mark_cols, ctx);
    sl_type *xt = sl_xmalloc(sizeof *xt * (size_t)(n_in + 2));
    for (int c = 0; c < n_in; c++)
        xt[c] = in->cols[c]->type;
    xt[n_in] = elem;
    xt[n_in + 1] = SL_T_BIGINT;
    sl_batch *xb = sl_batch_new(n_in + 2, xt, 1024);
    sl_list_it it;
    sl_value v;
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k), len;
        if (!fn_ok(&la, i))
            continue;
        const char *p = fn_str(&la, i, &len);
        sl_list_begin(&it, lt, p, len);
        for (int64_t at = 1; sl_list_next(&it, &v); at++) {
            for (int c = 0; c < n_in; c++) {
                if (used[c])
                    sl_vec_push_from(xb->cols[c], in->cols[c], i);
                else
                    sl_vec_push_null(xb->cols[c]);
            }
            sl_vec_push_value(xb->cols[n_in], &v);
            sl_vec_push_i64(xb->cols[n_in + 1], at);
            xb->n_rows++;
        }
    }
    sl_vec *res = NULL;
    rc = sl_expr_eval(body, xb, &res, err);
    sl_vec *o = rc ? NULL : sl_vec_new(rt, rows->n_rows);
    sl_buf b;
    sl_buf_init(&b);
    for (int64_t k = 0, r = 0; k < rows->n && !rc; k++) {
        int64_t i = fn_row(rows, k), len;
        fn_pad(o, i);
        if (!fn_ok(&la, i)) {
            sl_vec_push_null(o);
            continue;
        }
        const char *p = fn_str(&la, i, &len);
        sl_buf_reset(&b);
        sl_list_begin(&it, lt, p, len);
        for (; sl_list_next(&it, &v); r++) {
            if (filter) {
                if (sl_vec_valid(res, r) && res->d.i64[r])
                    sl_list_put(&b, elem, &v);
                continue;
            }
            sl_value x;
            sl_vec_get_value(res, r, &x);
            sl_list_put(&b, sl_list_elem(rt), &x);
        }
        sl_vec_push_str(o, b.data ? b.data : "", b.len);
    }
    if (o)
        fn_pad(o, rows->n_rows);
    sl_buf_free(&b);
    sl_vec_free(&res);
    sl_batch_free(&xb);
    sl_free(xt);
    sl_free(used);
    sl_expr_free(&body);
    fn_arg_free(&la);
    if (!rc)
        *out = o;
    return rc;
}

/* list_reduce(l, (acc, x [, i]) -> body [, initial]) (reduce, array_reduce): acc starts as
 * the first element (or initial, converted to the element type) and becomes body of each
 * later element in turn (body converted to the element type, as DuckDB's accumulator keeps
 * it); NULL for a NULL list; an empty list without initial is an error. */
FN_BIND(fn_bind_list_reduce)
{
    if (n < 3 || !sl_type_is_list(args[0]->type) || args[2]->kind != SL_E_CONST ||
        args[2]->type != SL_T_BIGINT)
        return FN_NO_MATCH;
    sl_type elem = sl_list_elem(args[0]->type);
    int rc = fn_coerce(&args[1], elem, err);
    if (!rc && n == 4)
        rc = fn_coerce(&args[3], elem, err);
    if (rc)
        return rc;
    *rt = elem;
    return 0;
}

/* One step for the rows that still have an element: the body over [used input columns, acc,
 * element, index]; their acc becomes its result. */
FN_EXEC(fn_exec_list_reduce)
{
    sl_type lt = e->args[0]->type, elem = e->type;
    int64_t slot = e->args[2]->cval.v.i, base = slot / 4, np = slot % 4;
    bool init = e->n_args == 4;
    int n_in = in->n_cols, rc;
    sl_arg la, ia = {0};
    if ((rc = fn_eval(e->args[0], in, rows, &la, err)))
        return rc;
    if (init && (rc = fn_eval(e->args[3], in, rows, &ia, err))) {
        fn_arg_free(&la);
        return rc;
    }
    sl_expr *body = lambda_rewrite(e->args[1], base, np, n_in);
    bool *used = sl_xcalloc((size_t)n_in + 1, sizeof *used);
    void *ctx[2] = { used, (void *)(intptr_t)n_in };
    sl_expr_walk(body, mark_cols, ctx);
    sl_type *xt = sl_xmalloc(sizeof *xt * (size_t)(n_in + 3));
    for (int c = 0; c < n_in; c++)
        xt[c] = in->cols[c]->type;
    xt[n_in] = elem;
    xt[n_in + 1] = elem;
    xt[n_in + 2] = SL_T_BIGINT;
    /* per live row k: its elements, and its accumulator (acc: one row per k) */
    int64_t nr = rows->n;
    elems *es = sl_xcalloc((size_t)(nr ? nr : 1), sizeof *es);
    sl_vec *acc = sl_vec_new(elem, nr), *vals = NULL;
    int64_t most = 0;
    for (int64_t k = 0; k < nr && !rc; k++) {
        int64_t i = fn_row(rows, k), len;
        bool ok = fn_ok(&la, i);
        if (ok) {
            const char *p = fn_str(&la, i, &len);
            elems_read(&es[k], lt, p, len);
        }
        if (ok && !init && es[k].n == 0)
            rc = fn_rt_error(err, e, "%s", "Cannot perform list_reduce on an empty input list");
        else if (!ok)
            sl_vec_push_null(acc);
        else if (init)
            sl_vec_push_from(acc, ia.v, i & ia.mask);
        else
            sl_vec_push_value(acc, &es[k].v[0]);
        if (ok && es[k].n > most)
            most = es[k].n;
    }
    /* step s takes element s (0-based; from 1 without an initial value) */
    int64_t *who = sl_xmalloc(sizeof *who * (size_t)(nr ? nr : 1));
    for (int64_t s = init ? 0 : 1; s < most && !rc; s++) {
        sl_batch *xb = sl_batch_new(n_in + 3, xt, 1024);
        int64_t m = 0;
        for (int64_t k = 0; k < nr; k++) {
            int64_t i = fn_row(rows, k);
            if (!fn_ok(&la, i) || s >= es[k].n)
                continue;
            for (int c = 0; c < n_in; c++) {
                if (used[c])
                    sl_vec_push_from(xb->cols[c], in->cols[c], i);
                else
                    sl_vec_push_null(xb->cols[c]);
            }
            sl_vec_push_from(xb->cols[n_in], acc, k);
            sl_vec_push_value(xb->cols[n_in + 1], &es[k].v[s]);
            sl_vec_push_i64(xb->cols[n_in + 2], s + 1);
            xb->n_rows++;
            who[m++] = k;
        }
        rc = sl_expr_eval(body, xb, &vals, err);
        if (!rc) { /* the new accumulators: the results where a row stepped, else the old */
            sl_vec *next = sl_vec_new(elem, nr);
            for (int64_t k = 0, j = 0; k < nr; k++) {
                if (j < m && who[j] == k)
                    sl_vec_push_from(next, vals, j++);
                else
                    sl_vec_push_from(next, acc, k);
            }
            sl_vec_free(&acc);
            acc = next;
        }
        sl_vec_free(&vals);
        sl_batch_free(&xb);
    }
    sl_vec *o = NULL;
    if (!rc) {
        o = new_of(elem, rows->n_rows);
        for (int64_t k = 0; k < nr; k++) {
            int64_t i = fn_row(rows, k);
            sl_value x;
            sl_vec_get_value(acc, k, &x);
            put_elem(o, i, &x);
        }
        finish_of(o, rows->n_rows);
    }
    for (int64_t k = 0; k < nr; k++)
        sl_free(es[k].v);
    sl_free(es);
    sl_free(who);
    sl_vec_free(&acc);
    sl_free(xt);
    sl_free(used);
    sl_expr_free(&body);
    fn_arg_free(&la);
    if (init)
        fn_arg_free(&ia);
    if (!rc)
        *out = o;
    return rc;
}
