/*
 * LIST functions (DuckDB's): list_value (the [a, b, ...] literal), array_length (len/length of
 * a list), list_extract (l[i], 1-based, negative from the end), list_slice (l[a:b:step]),
 * list_contains and string_split; unnest (the type rule: the projection expands the rows,
 * exec/op_project.c).
 * Lists are encoded values (batch/list.h): kernels walk each list's elements.
 * A NULL list gives NULL; NULL elements are values of a list (list_value keeps them, len
 * counts them). Elements of any type, nested lists and structs included. Local.
 */
#include "func/fn_int.h"
#include "batch/list.h"
#include "core/mem.h"

#include <string.h>

/* list_value(a, ...): the arguments' common type (string literals adapt, NULLs are neutral;
 * DuckDB: [1, 'a'] is an INTEGER list that fails to convert 'a'); `[]` is "NULL"[]. */
FN_BIND(fn_bind_list_value)
{
    int idx[n ? n : 1];
    for (int k = 0; k < n; k++)
        idx[k] = k;
    sl_type t = SL_T_NULL, c1, c2;
    if (!fn_common_type(args, idx, n, &t, &c1, &c2))
        return FN_NO_MATCH;
    int rc = fn_coerce_all(args, idx, n, t, err);
    if (rc)
        return rc;
    *rt = sl_list_type(t);
    return *rt == SL_T_NULL ? FN_NO_MATCH : 0;
}

FN_EXEC(fn_exec_list_value)
{
    (void)in;
    sl_type elem = sl_list_elem(e->type);
    sl_vec *o = sl_vec_new(e->type, rows->n_rows);
    sl_buf b;
    sl_buf_init(&b);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        sl_buf_reset(&b);
        for (int j = 0; j < e->n_args; j++) {
            sl_value x;
            sl_vec_get_value(a[j].v, i & a[j].mask, &x);
            sl_list_put(&b, elem, &x);
        }
        fn_pad(o, i);
        sl_vec_push_str(o, b.data ? b.data : "", b.len);
    }
    fn_pad(o, rows->n_rows);
    sl_buf_free(&b);
    *out = o;
    (void)err;
    return 0;
}

/* array_length(l) / len(l) / length(l): the number of elements, NULLs included. */
FN_BIND(fn_bind_list_len)
{
    (void)n;
    (void)err;
    if (!sl_type_is_list(args[0]->type))
        return FN_NO_MATCH;
    *rt = SL_T_BIGINT;
    return 0;
}

FN_EXEC(fn_exec_list_len)
{
    (void)in;
    (void)err;
    sl_vec *o = fn_new_fixed(SL_T_BIGINT, rows->n_rows);
    sl_type lt = e->args[0]->type;
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k), len;
        if (!fn_ok(&a[0], i))
            continue;
        const char *p = fn_str(&a[0], i, &len);
        o->d.i64[i] = sl_list_count(lt, p, len);
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}

/* list_extract(l, i): element i (1-based; -1 is the last); NULL when out of range or 0. */
FN_BIND(fn_bind_list_extract)
{
    (void)n;
    int rc = 0;
    if (!sl_type_is_list(args[0]->type))
        return FN_NO_MATCH;
    if (!fn_want(args, 1, SL_T_BIGINT, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    *rt = sl_list_elem(args[0]->type);
    return 0;
}

FN_EXEC(fn_exec_list_extract)
{
    (void)in;
    (void)err;
    sl_type lt = e->args[0]->type, elem = sl_list_elem(lt);
    bool var = sl_type_is_var(elem);
    sl_vec *o = var ? sl_vec_new(elem, rows->n_rows) : fn_new_fixed(elem, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        bool got = false;
        sl_value x;
        if (fn_ok(&a[0], i) && fn_ok(&a[1], i)) {
            int64_t len, want = fn_i64(&a[1], i);
            const char *p = fn_str(&a[0], i, &len);
            if (want < 0)
                want += sl_list_count(lt, p, len) + 1;
            sl_list_it it;
            sl_list_begin(&it, lt, p, len);
            for (int64_t at = 1; want >= 1 && sl_list_next(&it, &x); at++)
                if (at == want) {
                    got = !x.is_null;
                    break;
                }
        }
        if (var) {
            fn_pad(o, i);
            if (got)
                sl_vec_push_str(o, x.v.s.p, x.v.s.len);
            else
                sl_vec_push_null(o);
        } else if (got) {
            o->d.i64[i] = x.v.i; /* a double's 8 bytes alike */
            fn_set_valid(o, i);
        }
    }
    if (var)
        fn_pad(o, rows->n_rows);
    *out = o;
    return 0;
}

/* list_slice(l, a, b[, step]) / array_slice, l[a:b], l[a:b:step]: DuckDB's rule. a and b
 * are 1-based and inclusive, negative from the end (-1 the last), 0 for a the start; a
 * before the start is the start, b past the end the end. A negative step walks from b down
 * to a (the bounds swap roles). A NULL argument gives NULL; a zero step is an error. On a
 * VARCHAR the same bounds pick characters (no step, as in DuckDB). */
FN_BIND(fn_bind_list_slice)
{
    int rc = 0;
    bool str = args[0]->type == SL_T_VARCHAR;
    if (!sl_type_is_list(args[0]->type) && !str)
        return FN_NO_MATCH;
    if (str && n == 4)
        return SL_ERR(err, SL_EBIND, "Slice with steps has not been implemented for string "
                      "types");
    for (int j = 1; j < n; j++)
        if (!fn_want(args, j, SL_T_BIGINT, err, &rc))
            return rc ? rc : FN_NO_MATCH;
    *rt = args[0]->type;
    return 0;
}

/* 0-based [lo, hi) of bounds a (from) and b (to) over n elements, DuckDB's clamping. */
static void slice_range(int64_t a, int64_t b, int64_t n, int64_t *lo, int64_t *hi)
{
    a = a > 0 ? a - 1 : a < 0 ? (a < -n ? 0 : n + a) : 0;
    if (a > n)
        a = n;
    b = b < 0 ? (b < -n - 1 ? 0 : n + b + 1) : b > n ? n : b;
    *lo = a;
    *hi = b > a ? b : a;
}

/* Byte offset of character k (0-based) of s (n bytes), n past the end. */
static int64_t char_at(const char *s, int64_t n, int64_t k)
{
    int64_t at = 0;
    for (; at < n && k > 0; k--)
        for (at++; at < n && ((unsigned char)s[at] & 0xC0) == 0x80;)
            at++;
    return at;
}

FN_EXEC(fn_exec_list_slice)
{
    (void)in;
    sl_type lt = e->args[0]->type, elem = sl_list_elem(lt);
    bool str = lt == SL_T_VARCHAR;
    sl_vec *o = sl_vec_new(lt, rows->n_rows);
    sl_buf b;
    sl_buf_init(&b);
    int rc = 0;
    for (int64_t k = 0; k < rows->n && !rc; k++) {
        int64_t i = fn_row(rows, k), len;
        fn_pad(o, i);
        bool ok = true;
        for (int j = 0; j < e->n_args; j++)
            ok = ok && fn_ok(&a[j], i);
        if (!ok) {
            sl_vec_push_null(o);
            continue;
        }
        const char *p = fn_str(&a[0], i, &len);
        int64_t step = e->n_args > 3 ? fn_i64(&a[3], i) : 1, lo, hi;
        if (step == 0) {
            rc = fn_rt_error(err, e, "Slice step cannot be zero");
            break;
        }
        if (str) {
            int64_t chars = 0;
            for (int64_t at = 0; at < len; at++)
                chars += ((unsigned char)p[at] & 0xC0) != 0x80;
            slice_range(fn_i64(&a[1], i), fn_i64(&a[2], i), chars, &lo, &hi);
            int64_t from = char_at(p, len, lo);
            int64_t to = from + char_at(p + from, len - from, hi - lo);
            sl_vec_push_str(o, p + from, to - from);
            continue;
        }
        int64_t cnt = sl_list_count(lt, p, len);
        if (step > 0)
            slice_range(fn_i64(&a[1], i), fn_i64(&a[2], i), cnt, &lo, &hi);
        else
            slice_range(fn_i64(&a[2], i), fn_i64(&a[1], i), cnt, &lo, &hi);
        /* the elements in [lo, hi), then every step-th from the walk's start */
        sl_value *el = sl_xmalloc(sizeof *el * (size_t)(hi - lo + 1));
        sl_list_it it;
        sl_value x;
        sl_list_begin(&it, lt, p, len);
        for (int64_t at = 0; at < hi && sl_list_next(&it, &x); at++)
            if (at >= lo)
                el[at - lo] = x;
        sl_buf_reset(&b);
        int64_t m = hi - lo;
        if (step > 0)
            for (int64_t at = 0; at < m; at += step)
                sl_list_put(&b, elem, &el[at]);
        else
            for (int64_t at = m - 1; at >= 0; at += step)
                sl_list_put(&b, elem, &el[at]);
        sl_free(el);
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

/* list_contains(l, x): x converted to the element type; NULL when l or x is NULL, else
 * whether an element equals x (NULL elements never do; NaN equals NaN as in DuckDB). */
FN_BIND(fn_bind_list_contains)
{
    (void)n;
    int rc = 0;
    if (!sl_type_is_list(args[0]->type))
        return FN_NO_MATCH;
    /* `[]` has no element type of its own (DuckDB's "NULL"[]): it takes the needle's. */
    if (args[0]->kind == SL_E_CALL && args[0]->fn == SL_FN_LIST_VALUE && !args[0]->n_args &&
        sl_list_type(args[1]->type) != SL_T_NULL)
        args[0]->type = sl_list_type(args[1]->type);
    sl_type elem = sl_list_elem(args[0]->type);
    if (args[1]->type != elem && (sl_type_is_numeric(elem) || sl_type_is_decimal(elem)) &&
        (sl_type_is_numeric(args[1]->type) || sl_type_is_decimal(args[1]->type))) {
        rc = fn_coerce(&args[1], SL_T_DOUBLE, err);
        if (rc)
            return rc;
    } else if (!fn_want(args, 1, elem, err, &rc)) {
        return rc ? rc : FN_NO_MATCH;
    }
    *rt = SL_T_BOOL;
    return 0;
}

FN_EXEC(fn_exec_list_contains)
{
    (void)in;
    (void)err;
    sl_type lt = e->args[0]->type, elem = sl_list_elem(lt), xt = e->args[1]->type;
    /* Integer or DECIMAL elements against a DOUBLE needle compare as doubles. */
    bool widen = (sl_type_is_int(elem) || sl_type_is_decimal(elem)) && xt == SL_T_DOUBLE;
    int dscale = sl_type_is_decimal(elem) ? sl_dec_scale(elem) : -1;
    /* Nested lists and structs compare as their bytes (equal values encode alike). */
    int cls = widen ? 1 : sl_type_is_var(elem) && elem != SL_T_INTERVAL ? 2
                                                                       : fn_type_class(elem);
    sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k), len, xn = 0;
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i))
            continue;
        const char *p = fn_str(&a[0], i, &len);
        const char *xs = cls >= 2 ? fn_str(&a[1], i, &xn) : NULL;
        sl_list_it it;
        sl_value v;
        bool hit = false;
        sl_list_begin(&it, lt, p, len);
        while (!hit && sl_list_next(&it, &v)) {
            if (v.is_null)
                continue;
            if (cls == 2)
                hit = fn_str_cmp(v.v.s.p, v.v.s.len, xs, xn) == 0;
            else if (cls == 3)
                hit = v.v.s.len == SL_IV_BYTES && xn == SL_IV_BYTES &&
                      sl_interval_cmp(sl_interval_get(v.v.s.p), sl_interval_get(xs)) == 0;
            else if (cls == 1)
                hit = fn_f64_cmp(!widen ? v.v.d : dscale >= 0 ? sl_dec_to_double(v.v.i, dscale)
                                                              : (double)v.v.i,
                                 fn_f64(&a[1], i)) == 0;
            else
                hit = v.v.i == fn_i64(&a[1], i);
        }
        o->d.i64[i] = hit;
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}

/* string_split(s, sep) / str_split: the pieces of s between occurrences of sep (empty pieces
 * kept: 'a,,b' gives [a, '', b]); sep '' splits into characters; a NULL sep gives [s]; a NULL
 * s gives NULL. */
FN_BIND(fn_bind_string_split)
{
    (void)n;
    int rc = 0;
    if (!fn_want(args, 0, SL_T_VARCHAR, err, &rc) || !fn_want(args, 1, SL_T_VARCHAR, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    *rt = SL_T_LIST_VARCHAR;
    return 0;
}

FN_EXEC(fn_exec_string_split)
{
    (void)in;
    (void)err;
    (void)e;
    sl_vec *o = sl_vec_new(SL_T_LIST_VARCHAR, rows->n_rows);
    sl_buf b;
    sl_buf_init(&b);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k), sn, dn = 0;
        fn_pad(o, i);
        if (!fn_ok(&a[0], i)) {
            sl_vec_push_null(o);
            continue;
        }
        const char *s = fn_str(&a[0], i, &sn);
        bool has_sep = fn_ok(&a[1], i);
        const char *d = has_sep ? fn_str(&a[1], i, &dn) : NULL;
        sl_buf_reset(&b);
        sl_value x = {.type = SL_T_VARCHAR};
        if (!has_sep) {
            x.v.s.p = s;
            x.v.s.len = sn;
            sl_list_put(&b, SL_T_VARCHAR, &x);
        } else if (dn == 0 && sn == 0) {
            x.v.s.p = s;
            sl_list_put(&b, SL_T_VARCHAR, &x); /* [''] */
        } else if (dn == 0) {
            /* one piece per UTF-8 character */
            for (int64_t at = 0; at < sn;) {
                int64_t end = at + 1;
                while (end < sn && ((unsigned char)s[end] & 0xC0) == 0x80)
                    end++;
                x.v.s.p = s + at;
                x.v.s.len = end - at;
                sl_list_put(&b, SL_T_VARCHAR, &x);
                at = end;
            }
        } else {
            int64_t at = 0;
            for (;;) {
                const char *h = sn - at >= dn ? memmem(s + at, (size_t)(sn - at), d, (size_t)dn)
                                              : NULL;
                int64_t end = h ? h - s : sn;
                x.v.s.p = s + at;
                x.v.s.len = end - at;
                sl_list_put(&b, SL_T_VARCHAR, &x);
                if (!h)
                    break;
                at = end + dn;
            }
        }
        sl_vec_push_str(o, b.data ? b.data : "", b.len);
    }
    fn_pad(o, rows->n_rows);
    sl_buf_free(&b);
    *out = o;
    return 0;
}

/* unnest(l): one row per element. Only in the select list (alone or inside an expression),
 * which the projection expands (exec/op_project.c); elsewhere (WHERE) the kernel is an error. */
FN_BIND(fn_bind_unnest)
{
    (void)n;
    (void)err;
    if (!sl_type_is_list(args[0]->type))
        return FN_NO_MATCH;
    *rt = sl_list_elem(args[0]->type);
    return 0;
}

FN_EXEC(fn_exec_unnest)
{
    (void)in;
    (void)rows;
    (void)a;
    (void)out;
    return fn_rt_error(err, e, "unnest() is only supported in a select list");
}
