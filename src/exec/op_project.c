/*
 * PROJECT (streaming): evaluates the output expressions over each batch into a new batch with
 * the same live rows; with an unnest(l) item, one row per element of l instead. Local.
 */
#include "exec/exec_int.h"

#include "batch/list.h"
#include "core/mem.h"
#include "func/func.h"

/* The output column that is unnest(l), or -1 (the binder allows one, as a whole item). */
static int unnest_col(const sl_pop *op)
{
    for (int c = 0; c < op->u.project.n_exprs; c++) {
        const sl_expr *e = op->u.project.exprs[c];
        if (e->kind == SL_E_CALL && e->fn == SL_FN_UNNEST)
            return c;
    }
    return -1;
}

/* Projects b with column u = unnest(l): each live row becomes one row per element of its
 * list (none for a NULL or empty list), the other columns repeated; emitted in batches of at
 * most SL_BATCH_ROWS rows. */
static int project_unnest(sl_exec *x, sl_pop *op, int u, const sl_batch *b, sl_err *err)
{
    int n = op->u.project.n_exprs, rc = 0;
    sl_vec **cols = sl_xcalloc((size_t)n, sizeof *cols);
    for (int c = 0; c < n && !rc; c++) {
        const sl_expr *e = op->u.project.exprs[c];
        rc = sl_expr_eval(c == u ? e->args[0] : e, b, &cols[c], err);
    }
    sl_type lt = op->u.project.exprs[u]->args[0]->type;
    sl_batch *out = NULL;
    int64_t live = sl_batch_live(b);
    for (int64_t k = 0; k < live && !rc; k++) {
        int64_t r = sl_batch_row(b, k), len;
        if (!sl_vec_valid(cols[u], r))
            continue;
        const char *p = sl_vec_str(cols[u], r, &len);
        sl_list_it it;
        sl_value v;
        sl_list_begin(&it, lt, p, len);
        while (!rc && sl_list_next(&it, &v)) {
            if (!out)
                out = sl_batch_new(n, op->types, 1024);
            for (int c = 0; c < n; c++) {
                if (c == u)
                    sl_vec_push_value(out->cols[c], &v);
                else
                    sl_vec_push_from(out->cols[c], cols[c], r);
            }
            if (++out->n_rows == SL_BATCH_ROWS) {
                op->stats.bytes_out += sl_batch_bytes(out);
                rc = sl_exec_emit(x, op, out, err);
                out = NULL;
            }
        }
    }
    if (out && !rc) {
        op->stats.bytes_out += sl_batch_bytes(out);
        rc = sl_exec_emit(x, op, out, err);
        out = NULL;
    }
    sl_batch_free(&out);
    for (int c = 0; c < n; c++)
        sl_vec_free(&cols[c]);
    sl_free(cols);
    return rc ? rc : err->code;
}

/* Projects b (owned) into *out. An output column that only names an input column of its
 * type takes that column over instead of a copy (the first such use of it; the other
 * expressions are evaluated before anything moves): above a GROUP BY of ~1 group per row the
 * copies were every result byte once more (issue 14). */
static int project_moving(const sl_pop *op, sl_batch *b, sl_batch **out, sl_err *err)
{
    int n = op->u.project.n_exprs, rc = 0;
    sl_expr *const *ex = op->u.project.exprs;
    sl_vec **cols = sl_xcalloc((size_t)(n ? n : 1), sizeof *cols);
    int *from = sl_xmalloc(sizeof *from * (size_t)(n ? n : 1));
    bool *taken = sl_xcalloc((size_t)(b->n_cols ? b->n_cols : 1), sizeof *taken);
    for (int c = 0; c < n; c++) {
        const sl_expr *e = ex[c];
        from[c] = -1;
        if (e->kind == SL_E_COL && e->col >= 0 && e->col < b->n_cols && !taken[e->col] &&
            b->cols[e->col] && b->cols[e->col]->type == e->type &&
            b->cols[e->col]->n == b->n_rows) {
            from[c] = e->col;
            taken[e->col] = true;
        }
    }
    for (int c = 0; c < n && !rc; c++)
        if (from[c] < 0)
            rc = sl_expr_eval(ex[c], b, &cols[c], err);
    if (!rc) {
        for (int c = 0; c < n; c++)
            if (from[c] >= 0) {
                cols[c] = b->cols[from[c]];
                b->cols[from[c]] = NULL;
            }
        *out = sl_batch_from_cols(n, cols, b->n_rows);
        if (b->sel) { /* the same live rows */
            (*out)->sel = b->sel;
            (*out)->n_sel = b->n_sel;
            b->sel = NULL;
        }
    } else {
        for (int c = 0; c < n; c++)
            sl_vec_free(&cols[c]);
    }
    sl_free(cols);
    sl_free(from);
    sl_free(taken);
    return rc;
}

static int project_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    int u = err->code ? -1 : unnest_col(op);
    if (u >= 0) {
        int rc = project_unnest(x, op, u, b, err);
        sl_batch_free(&b);
        return rc;
    }
    sl_batch *pb = NULL;
    if (!err->code)
        project_moving(op, b, &pb, err);
    sl_batch_free(&b);
    if (!pb)
        return err->code;
    op->stats.bytes_out += sl_batch_bytes(pb);
    return sl_exec_emit(x, op, pb, err);
}

const sl_op_impl sl_op_project = {
    .push = project_push,
    .finish = sl_exec_default_finish,
};
