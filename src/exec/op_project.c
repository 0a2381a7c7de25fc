/*
 * PROJECT (streaming): evaluates the output expressions over each batch into a new batch with
 * the same live rows; with unnest(l) calls, one row per element of the longest list instead.
 * Local.
 */
#include "exec/exec_int.h"

#include "batch/list.h"
#include "core/mem.h"
#include "func/func.h"

/* Whether e holds an unnest() call (the binder allows them anywhere in a select item, but
 * not inside another unnest's argument). */
static bool has_unnest(const sl_expr *e)
{
    if (e->kind == SL_E_CALL && e->fn == SL_FN_UNNEST)
        return true;
    for (int i = 0; i < e->n_args; i++)
        if (has_unnest(e->args[i]))
            return true;
    return false;
}

/* The unnest() calls of the project's expressions, in order, and the expressions with each
 * call replaced by a column after the input's n_in columns (unnest j: column n_in + j). */
typedef struct unnests {
    int n;
    int64_t cap;
    const sl_expr **calls; /* borrowed from the operator's expressions */
} unnests;

/* Returns new (free with sl_expr_free): e over the expanded layout. */
static sl_expr *rewrite(const sl_expr *e, int n_in, unnests *u)
{
    if (e->kind == SL_E_CALL && e->fn == SL_FN_UNNEST) {
        SL_GROW(u->calls, u->cap, u->n + 1);
        u->calls[u->n] = e;
        return sl_expr_col(n_in + u->n++, e->type, e->text);
    }
    sl_expr *c = sl_expr_copy(e);
    for (int i = 0; i < c->n_args; i++) {
        sl_expr_free(&c->args[i]);
        c->args[i] = rewrite(e->args[i], n_in, u);
    }
    return c;
}

static void mark_col(sl_expr *e, void *ctx)
{
    bool *used = ((bool **)ctx)[0];
    int n = (int)(intptr_t)((bool **)ctx)[1];
    if (e->kind == SL_E_COL && e->col >= 0 && e->col < n)
        used[e->col] = true;
}

/* Evaluates the rewritten expressions over the expanded rows x and emits the result. Takes
 * ownership of x. */
static int emit_expanded(sl_exec *x, sl_pop *op, sl_expr *const *rew, sl_batch *xb,
                         sl_err *err)
{
    sl_batch *pb = NULL;
    sl_project(rew, op->u.project.n_exprs, xb, &pb, err);
    sl_batch_free(&xb);
    if (!pb)
        return err->code;
    op->stats.bytes_out += sl_batch_bytes(pb);
    return sl_exec_emit(x, op, pb, err);
}

/* Projects b when its expressions hold unnest(l) calls (DuckDB's semantics): each live row
 * becomes as many rows as its longest unnested list has elements (none when every list is
 * NULL or empty); row k takes element k of each list, NULL past a shorter list's end, and
 * the input row's other values. The rows are built as the input's columns plus one column
 * per unnest, over which the expressions (each unnest a column reference) are evaluated, in
 * batches of at most SL_BATCH_ROWS rows. */
static int project_unnest(sl_exec *x, sl_pop *op, const sl_batch *b, sl_err *err)
{
    int n = op->u.project.n_exprs, n_in = b->n_cols, rc = 0;
    unnests u = {0};
    sl_expr **rew = sl_xcalloc((size_t)n, sizeof *rew);
    for (int c = 0; c < n; c++)
        rew[c] = rewrite(op->u.project.exprs[c], n_in, &u);
    int nx = n_in + u.n;
    /* Only the input columns the items read are repeated (an unnest's list is not). */
    bool *used = sl_xcalloc((size_t)n_in + 1, sizeof *used);
    void *ctx[2] = { used, (void *)(intptr_t)n_in };
    for (int c = 0; c < n; c++)
        sl_expr_walk(rew[c], mark_col, ctx);
    sl_type *xt = sl_xmalloc(sizeof *xt * (size_t)nx);
    for (int c = 0; c < n_in; c++)
        xt[c] = b->cols[c]->type;
    sl_vec **lists = sl_xcalloc((size_t)u.n, sizeof *lists);
    sl_list_it *its = sl_xmalloc(sizeof *its * (size_t)u.n);
    for (int j = 0; j < u.n && !rc; j++) {
        xt[n_in + j] = u.calls[j]->type;
        rc = sl_expr_eval(u.calls[j]->args[0], b, &lists[j], err);
    }
    sl_batch *xb = NULL;
    int64_t live = sl_batch_live(b);
    for (int64_t k = 0; k < live && !rc; k++) {
        int64_t r = sl_batch_row(b, k), most = 0;
        for (int j = 0; j < u.n; j++) {
            int64_t len = 0;
            const char *p = sl_vec_valid(lists[j], r) ? sl_vec_str(lists[j], r, &len) : "";
            sl_type lt = u.calls[j]->args[0]->type;
            sl_list_begin(&its[j], lt, p, len);
            int64_t cnt = sl_list_count(lt, p, len);
            most = cnt > most ? cnt : most;
        }
        for (int64_t e = 0; e < most && !rc; e++) {
            if (!xb)
                xb = sl_batch_new(nx, xt, 1024);
            for (int c = 0; c < n_in; c++) {
                if (used[c])
                    sl_vec_push_from(xb->cols[c], b->cols[c], r);
                else
                    sl_vec_push_null(xb->cols[c]);
            }
            for (int j = 0; j < u.n; j++) {
                sl_value v;
                if (sl_list_next(&its[j], &v))
                    sl_vec_push_value(xb->cols[n_in + j], &v);
                else
                    sl_vec_push_null(xb->cols[n_in + j]);
            }
            if (++xb->n_rows == SL_BATCH_ROWS) {
                rc = emit_expanded(x, op, rew, xb, err);
                xb = NULL;
            }
        }
    }
    if (xb && !rc)
        rc = emit_expanded(x, op, rew, xb, err);
    else
        sl_batch_free(&xb);
    for (int j = 0; j < u.n; j++)
        sl_vec_free(&lists[j]);
    for (int c = 0; c < n; c++)
        sl_expr_free(&rew[c]);
    sl_free(lists);
    sl_free(used);
    sl_free(its);
    sl_free(xt);
    sl_free(rew);
    sl_free(u.calls);
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
    bool u = false;
    for (int c = 0; !err->code && c < op->u.project.n_exprs && !u; c++)
        u = has_unnest(op->u.project.exprs[c]);
    if (u) {
        int rc = project_unnest(x, op, b, err);
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
