/*
 * STRUCT functions (DuckDB's): struct_pack (also the {'a': x} literal, whose parser form is
 * struct_pack('a', x, ...): name / value pairs), row (an unnamed struct, text (1, x)) and
 * struct_extract (s.a, s['a']; the field name a constant). A struct value is its fields
 * encoded as a list's elements (batch/nested.h). A NULL struct gives NULL fields; NULL
 * arguments are NULL fields of a struct that is not NULL. Local.
 */
#include "func/fn_int.h"
#include "batch/list.h"
#include "batch/nested.h"
#include "core/mem.h"

#include <string.h>

/* The field name of a name argument: a string constant. */
static bool const_name(const sl_expr *e, const char **p, int64_t *len)
{
    if (e->kind != SL_E_CONST || e->type != SL_T_VARCHAR || e->cval.is_null)
        return false;
    *p = e->cval.v.s.p;
    *len = e->cval.v.s.len;
    return true;
}

/* An untyped NULL value keeps DuckDB's "NULL" field type; a string literal is VARCHAR. */
static sl_type field_type(const sl_expr *e)
{
    return fn_is_str_lit(e) ? SL_T_VARCHAR : e->type;
}

/* struct_pack(name, value, ...): the names string constants, distinct (DuckDB's "Duplicate
 * struct entry name"). */
FN_BIND(fn_bind_struct_pack)
{
    if (n % 2 || n / 2 > SL_STRUCT_MAX_FIELDS)
        return FN_NO_MATCH;
    int nf = n / 2;
    char **names = sl_xcalloc((size_t)nf, sizeof *names);
    sl_type *types = sl_xmalloc(sizeof *types * (size_t)nf);
    int rc = 0;
    for (int k = 0; k < nf && !rc; k++) {
        const char *p;
        int64_t len;
        if (!const_name(args[2 * k], &p, &len)) {
            rc = FN_NO_MATCH;
            break;
        }
        names[k] = sl_xstrndup(p, (size_t)len);
        for (int j = 0; j < k; j++)
            if (strcasecmp(names[j], names[k]) == 0)
                rc = SL_ERR(err, SL_EBIND, "Duplicate struct entry name \"%s\"", names[k]);
        types[k] = field_type(args[2 * k + 1]);
        if (!rc && types[k] != args[2 * k + 1]->type)
            rc = fn_coerce(&args[2 * k + 1], types[k], err);
    }
    if (!rc) {
        *rt = sl_struct_type(nf, (const char *const *)names, types, false);
        if (*rt == SL_T_NULL)
            rc = SL_ERR(err, SL_EBIND, "%s", "this STRUCT type cannot be represented");
    }
    for (int k = 0; k < nf; k++)
        sl_free(names[k]);
    sl_free(names);
    sl_free(types);
    return rc;
}

/* Encodes the struct of each live row from the value arguments (every step-th from first). */
static int pack(const sl_expr *e, const sl_arg *a, const sl_rows *rows, int first, int step,
                sl_vec **out)
{
    const sl_nested *d = sl_nested_get(e->type);
    sl_vec *o = sl_vec_new(e->type, rows->n_rows);
    sl_buf b;
    sl_buf_init(&b);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        sl_buf_reset(&b);
        for (int f = 0; d && f < d->n_fields; f++) {
            const sl_arg *x = &a[first + f * step];
            sl_value v;
            sl_vec_get_value(x->v, i & x->mask, &v);
            if (x->v->type == SL_T_NULL)
                v.is_null = true;
            sl_list_put(&b, d->ftypes[f], &v);
        }
        fn_pad(o, i);
        sl_vec_push_str(o, b.data ? b.data : "", b.len);
    }
    fn_pad(o, rows->n_rows);
    sl_buf_free(&b);
    *out = o;
    return 0;
}

FN_EXEC(fn_exec_struct_pack)
{
    (void)in;
    (void)err;
    return pack(e, a, rows, 1, 2, out);
}

/* row(a, ...): an unnamed struct of its arguments. */
FN_BIND(fn_bind_row)
{
    (void)err;
    if (n < 1 || n > SL_STRUCT_MAX_FIELDS)
        return FN_NO_MATCH;
    sl_type types[n];
    for (int k = 0; k < n; k++) {
        types[k] = field_type(args[k]);
        if (types[k] != args[k]->type) {
            int rc = fn_coerce(&args[k], types[k], err);
            if (rc)
                return rc;
        }
    }
    *rt = sl_struct_type(n, NULL, types, true);
    return *rt == SL_T_NULL ? FN_NO_MATCH : 0;
}

FN_EXEC(fn_exec_row)
{
    (void)in;
    (void)err;
    return pack(e, a, rows, 0, 1, out);
}

/* struct_extract(s, 'name'): the field's type; the name must be one of s's fields
 * (case-insensitive), else DuckDB's binder error. */
FN_BIND(fn_bind_struct_extract)
{
    (void)n;
    const char *p;
    int64_t len;
    if (!sl_type_is_struct(args[0]->type) || !const_name(args[1], &p, &len))
        return FN_NO_MATCH;
    int f = sl_struct_field(args[0]->type, p, len);
    if (f < 0)
        return SL_ERR(err, SL_EBIND, "Could not find key \"%.*s\" in struct", (int)len, p);
    *rt = sl_nested_get(args[0]->type)->ftypes[f];
    return 0;
}

FN_EXEC(fn_exec_struct_extract)
{
    (void)in;
    (void)err;
    sl_type st = e->args[0]->type, ft = e->type;
    int f = sl_struct_field(st, e->args[1]->cval.v.s.p, e->args[1]->cval.v.s.len);
    bool var = sl_type_is_var(ft);
    sl_vec *o = var ? sl_vec_new(ft, rows->n_rows) : fn_new_fixed(ft, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k), len;
        sl_value x = {.is_null = true};
        if (fn_ok(&a[0], i)) {
            const char *p = fn_str(&a[0], i, &len);
            sl_struct_get(st, p, len, f, &x);
        }
        if (var) {
            fn_pad(o, i);
            if (!x.is_null)
                sl_vec_push_str(o, x.v.s.p, x.v.s.len);
            else
                sl_vec_push_null(o);
        } else if (!x.is_null) {
            o->d.i64[i] = x.v.i; /* a double's 8 bytes alike */
            fn_set_valid(o, i);
        }
    }
    if (var)
        fn_pad(o, rows->n_rows);
    *out = o;
    return 0;
}
