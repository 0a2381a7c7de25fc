/*
 * Vectorized evaluation of bound expressions (sl_expr_eval), filters and projections.
 *
 * Every node is evaluated columnwise at a set of live rows (a selection) and yields an
 * sl_arg: a borrowed input column, a one-value constant, or a new vector with one slot per
 * physical row. Invariant: a value is only computed at rows of the selection it was asked
 * for, so a row removed by a filter, or not reaching a CASE branch, or short-circuited by
 * AND/OR/COALESCE, never raises an error. A call runs its registry entry's kernel (fn_table,
 * built from func_list.h): the kernels live in fn_<family>.c, one tight loop per vector
 * each; casts are in fn_cast.c. Local.
 */
#include "func/fn_int.h"
#include "core/mem.h"

#include <math.h>
#include <string.h>

static int eval(const sl_expr *e, const sl_batch *in, const sl_rows *rows, sl_arg *res,
                sl_err *err);

void fn_arg_free(sl_arg *a)
{
    sl_vec_free(&a->own);
    a->v = NULL;
}

static void arg_own(sl_arg *a, sl_vec *v)
{
    a->v = v;
    a->own = v;
    a->mask = -1;
}

static sl_vec *const_vec(const sl_expr *e)
{
    sl_vec *v = sl_vec_new(e->type == SL_T_NULL ? SL_T_BIGINT : e->type, 1);
    sl_value x = e->cval;
    if (e->type == SL_T_NULL)
        x.is_null = true;
    sl_vec_push_value(v, &x);
    return v;
}

uint32_t *fn_sub_rows(const sl_rows *r, const sl_arg *c, fn_keep keep, int64_t *n)
{
    uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)(r->n ? r->n : 1));
    int64_t m = 0;
    if (keep == FN_KEEP_TRUE && !r->sel && c->mask) {
        /* A filter's usual case (dense rows, a computed condition): no switch and no
         * selection lookup per row, the validity read a word at a time. */
        const uint64_t *valid = c->v->valid;
        const int64_t *val = c->v->d.i64;
        for (int64_t k = 0; k < r->n; k++) {
            sel[m] = (uint32_t)k;
            m += ((valid[k >> 6] >> (k & 63)) & 1) & (val[k] != 0);
        }
        *n = m;
        return sel;
    }
    for (int64_t k = 0; k < r->n; k++) {
        int64_t i = fn_row(r, k);
        bool ok = fn_ok(c, i);
        bool t = ok && fn_i64(c, i) != 0;
        bool take;
        switch (keep) {
        case FN_KEEP_TRUE: take = t; break;
        case FN_KEEP_NOT_TRUE: take = !t; break;
        case FN_KEEP_NOT_FALSE: take = !ok || t; break;
        default: take = !ok; break;
        }
        sel[m] = (uint32_t)i;
        m += take;
    }
    *n = m;
    return sel;
}

/* ---- assembling a result from branches (CASE, COALESCE) ---- */

sl_vec *fn_assemble(sl_type t, const sl_rows *r, const sl_arg *parts, const int32_t *which)
{
    if (sl_type_is_var(t)) {
        sl_vec *o = sl_vec_new(t, r->n_rows);
        for (int64_t k = 0; k < r->n; k++) {
            int64_t i = fn_row(r, k);
            int32_t b = which[i];
            fn_pad(o, i);
            if (b < 0 || !fn_ok(&parts[b], i)) {
                sl_vec_push_null(o);
            } else {
                int64_t len;
                const char *p = fn_str(&parts[b], i, &len);
                sl_vec_push_str(o, p, len);
            }
        }
        fn_pad(o, r->n_rows);
        return o;
    }
    sl_vec *o = fn_new_fixed(t, r->n_rows);
    for (int64_t k = 0; k < r->n; k++) {
        int64_t i = fn_row(r, k);
        int32_t b = which[i];
        if (b < 0 || !fn_ok(&parts[b], i))
            continue;
        o->d.i64[i] = fn_i64(&parts[b], i); /* 8-byte copy serves DOUBLE too */
        fn_set_valid(o, i);
    }
    return o;
}

static int eval_case(const sl_expr *e, const sl_batch *in, const sl_rows *rows, sl_arg *res,
                     sl_err *err)
{
    int n_when = e->n_args / 2;
    int n_parts = n_when + 1;
    sl_arg *parts = sl_xcalloc((size_t)n_parts, sizeof *parts);
    int32_t *which = sl_xmalloc(sizeof *which * (size_t)(rows->n_rows ? rows->n_rows : 1));
    for (int64_t k = 0; k < rows->n; k++)
        which[fn_row(rows, k)] = -1;
    sl_rows cur = *rows;
    uint32_t *cur_sel = NULL; /* owned storage of cur.sel when narrowed */
    int rc = 0;
    for (int w = 0; w < n_when && cur.n > 0 && !rc; w++) {
        sl_arg c = {0};
        rc = eval(e->args[2 * w], in, &cur, &c, err);
        if (rc)
            break;
        int64_t n_match, n_rest;
        uint32_t *match = fn_sub_rows(&cur, &c, FN_KEEP_TRUE, &n_match);
        uint32_t *rest = fn_sub_rows(&cur, &c, FN_KEEP_NOT_TRUE, &n_rest);
        fn_arg_free(&c);
        if (n_match > 0) {
            sl_rows mr = {match, n_match, rows->n_rows};
            rc = eval(e->args[2 * w + 1], in, &mr, &parts[w], err);
            for (int64_t k = 0; k < n_match && !rc; k++)
                which[match[k]] = w;
        }
        sl_free(match);
        sl_free(cur_sel);
        cur_sel = rest;
        cur.sel = rest;
        cur.n = n_rest;
    }
    if (!rc && e->has_else && cur.n > 0) {
        rc = eval(e->args[e->n_args - 1], in, &cur, &parts[n_when], err);
        for (int64_t k = 0; k < cur.n && !rc; k++)
            which[fn_row(&cur, k)] = n_when;
    }
    if (!rc)
        arg_own(res, fn_assemble(e->type, rows, parts, which));
    for (int p = 0; p < n_parts; p++)
        fn_arg_free(&parts[p]);
    sl_free(parts);
    sl_free(which);
    sl_free(cur_sel);
    return rc;
}

/* A call: its registry entry's kernel, over the arguments evaluated at the same rows (a lazy
 * kernel evaluates its own). */
static int eval_call(const sl_expr *e, const sl_batch *in, const sl_rows *rows, sl_arg *res,
                     sl_err *err)
{
    if (e->fn < 0 || e->fn >= SL_FN_COUNT)
        return SL_ERR(err, SL_EINTERNAL, "function id %d has no kernel", e->fn);
    const fn_def *f = &fn_table[e->fn];
    sl_vec *o = NULL;
    int rc;
    if (f->flags & FN_LAZY) {
        rc = f->exec(e, in, rows, NULL, &o, err);
        if (!rc)
            arg_own(res, o);
        return rc;
    }
    sl_arg stack[8] = {{0}};
    sl_arg *a = e->n_args <= 8 ? stack : sl_xcalloc((size_t)e->n_args, sizeof *a);
    rc = 0;
    for (int j = 0; j < e->n_args && !rc; j++)
        rc = eval(e->args[j], in, rows, &a[j], err);
    if (!rc)
        rc = f->exec(e, in, rows, a, &o, err);
    for (int j = 0; j < e->n_args; j++)
        fn_arg_free(&a[j]);
    if (a != stack)
        sl_free(a);
    if (!rc)
        arg_own(res, o);
    return rc;
}

int fn_eval(const sl_expr *e, const sl_batch *in, const sl_rows *rows, sl_arg *res,
            sl_err *err)
{
    return eval(e, in, rows, res, err);
}

static int eval(const sl_expr *e, const sl_batch *in, const sl_rows *rows, sl_arg *res,
                sl_err *err)
{
    memset(res, 0, sizeof *res);
    switch (e->kind) {
    case SL_E_CONST:
        arg_own(res, const_vec(e));
        res->mask = 0;
        return 0;
    case SL_E_COL:
        if (e->col < 0 || e->col >= in->n_cols)
            return SL_ERR(err, SL_EINTERNAL, "column index %d out of range (%d columns)",
                          e->col, in->n_cols);
        res->v = in->cols[e->col];
        res->mask = -1;
        return 0;
    case SL_E_CAST: {
        sl_arg x;
        int rc = eval(e->args[0], in, rows, &x, err);
        if (rc)
            return rc;
        if (e->args[0]->type == e->type) {
            *res = x;
            return 0;
        }
        sl_vec *o = NULL;
        rc = fn_cast_vec(e, e->args[0]->type, &x, rows, &o, err);
        fn_arg_free(&x);
        if (!rc)
            arg_own(res, o);
        return rc;
    }
    case SL_E_CASE:
        return eval_case(e, in, rows, res, err);
    case SL_E_CALL:
        return eval_call(e, in, rows, res, err);
    }
    return SL_ERR(err, SL_EINTERNAL, "unknown expression kind %d", (int)e->kind);
}

/* Returns a new vector of rows->n_rows values holding x at the live rows. */
static sl_vec *materialize(sl_arg *x, sl_type t, const sl_rows *rows)
{
    if (x->own && x->mask) {
        sl_vec *v = x->own;
        x->own = NULL;
        return v;
    }
    const sl_vec *s = x->v;
    if (x->mask) { /* borrowed column: copy it whole (same physical layout) */
        sl_vec *v = sl_vec_new(s->type, s->n);
        int64_t words = (s->n + 63) / 64;
        memcpy(v->valid, s->valid, (size_t)words * 8);
        if (sl_type_is_var(s->type)) {
            memcpy(v->d.off, s->d.off, (size_t)(s->n + 1) * 8);
            sl_grow((void **)&v->heap, &v->heap_cap, s->heap_len, 1);
            if (s->heap_len)
                memcpy(v->heap, s->heap, (size_t)s->heap_len);
            v->heap_len = s->heap_len;
        } else {
            memcpy(v->d.i64, s->d.i64, (size_t)s->n * 8);
        }
        v->n = s->n;
        return v;
    }
    /* a constant */
    int32_t *which = sl_xcalloc((size_t)(rows->n_rows ? rows->n_rows : 1), sizeof *which);
    sl_vec *v = fn_assemble(t == SL_T_NULL ? SL_T_BIGINT : t, rows, x, which);
    sl_free(which);
    return v;
}

int sl_expr_eval(const sl_expr *e, const sl_batch *in, sl_vec **out, sl_err *err)
{
    sl_rows rows = {in->sel, sl_batch_live(in), in->n_rows};
    sl_arg x;
    *out = NULL;
    int rc = eval(e, in, &rows, &x, err);
    if (rc)
        return rc;
    *out = materialize(&x, e->type, &rows);
    fn_arg_free(&x);
    return 0;
}

int sl_filter(const sl_expr *pred, sl_batch *in, sl_err *err)
{
    if (pred->type != SL_T_BOOL && pred->type != SL_T_NULL && pred->type != SL_T_BIGINT)
        return SL_ERR(err, SL_EINTERNAL, "filter predicate %s is %s, not BOOLEAN", pred->text,
                      sl_type_name(pred->type));
    sl_rows rows = {in->sel, sl_batch_live(in), in->n_rows};
    sl_arg x;
    int rc = eval(pred, in, &rows, &x, err);
    if (rc)
        return rc;
    int64_t n;
    uint32_t *sel = fn_sub_rows(&rows, &x, FN_KEEP_TRUE, &n);
    fn_arg_free(&x);
    if (!in->sel && n == in->n_rows) {
        sl_free(sel); /* everything passed: stay dense */
        return 0;
    }
    sl_batch_set_sel(in, sel, n);
    return 0;
}

int sl_project(sl_expr *const *exprs, int n, const sl_batch *in, sl_batch **out, sl_err *err)
{
    sl_vec **cols = sl_xcalloc((size_t)(n ? n : 1), sizeof *cols);
    *out = NULL;
    for (int c = 0; c < n; c++) {
        int rc = sl_expr_eval(exprs[c], in, &cols[c], err);
        if (rc) {
            for (int j = 0; j < c; j++)
                sl_vec_free(&cols[j]);
            sl_free(cols);
            return rc;
        }
    }
    sl_batch *b = sl_batch_from_cols(n, cols, in->n_rows);
    sl_free(cols);
    if (in->sel) {
        uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)(in->n_sel ? in->n_sel : 1));
        memcpy(sel, in->sel, sizeof *sel * (size_t)in->n_sel);
        sl_batch_set_sel(b, sel, in->n_sel);
    }
    *out = b;
    return 0;
}
