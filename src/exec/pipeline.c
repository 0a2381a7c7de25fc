/*
 * The scheduler: runs a physical operator tree on every rank (see exec_int.h for the
 * operator interface and physical.h for the roles).
 *
 * Pipelines are not built as lists: running a source pushes its batches up through the
 * streaming operators to the next breaker, and a breaker's finish produces its output into
 * the next pipeline the same way, so the tree is run in dependency order by one post-order
 * walk: produce(node) produces every child in index order; a source runs; everything above it
 * happens through push and finish. Every rank walks the same tree in the same order, so every
 * collective finish is reached in the same order on every rank, also by ranks with no rows
 * and ranks that failed (errors are agreed at the collective finishes; see exec_int.h).
 *
 * Figures: each node's rows in/out, batches and own time (time in the node minus time spent
 * in the nodes it pushed into) are recorded here around every call, and handed to the
 * metrics (src/obs) when the tree is done; EXPLAIN ANALYZE prints them on the same tree.
 * Collective over the run's communicator.
 */
#include "exec/exec_int.h"

#include <string.h>

#include "core/mem.h"
#include "mpi/agree.h"
#include "obs/metrics.h"

static const sl_op_impl *const impls[SL_POP_N_KINDS] = {
    [SL_POP_SCAN] = &sl_op_scan,
    [SL_POP_FILTER] = &sl_op_filter,
    [SL_POP_PROJECT] = &sl_op_project,
    [SL_POP_AGG] = &sl_op_agg,
    [SL_POP_EXCHANGE] = &sl_op_exchange,
    [SL_POP_SORT] = &sl_op_sort,
    [SL_POP_LIMIT] = &sl_op_limit,
    [SL_POP_UNION] = &sl_op_union,
    [SL_POP_REPEAT] = &sl_op_repeat,
    [SL_POP_WINDOW] = &sl_op_window,
    [SL_POP_TOPN] = &sl_op_topn,
    [SL_POP_SINK] = &sl_op_sink,
    [SL_POP_JOIN] = &sl_op_hash_join,
};

static const sl_op_impl *impl_of(const sl_pop *op) { return impls[op->kind]; }

/* ---- calls into operators, timed ---- */

static int call_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    op->stats.rows_in += sl_batch_live(b);
    op->stats.batches++;
    double t0 = sl_obs_now(), e0 = op->stats.emit_seconds;
    int rc = impl_of(op)->push(x, op, child, b, err);
    op->stats.seconds += (sl_obs_now() - t0) - (op->stats.emit_seconds - e0);
    return rc;
}

static int call_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    double t0 = sl_obs_now(), e0 = op->stats.emit_seconds;
    int rc = impl_of(op)->finish(x, op, child, err);
    op->stats.seconds += (sl_obs_now() - t0) - (op->stats.emit_seconds - e0);
    return rc;
}

int sl_exec_emit(sl_exec *x, sl_pop *op, sl_batch *b, sl_err *err)
{
    int64_t n = sl_batch_live(b);
    if (err->code || n == 0) {
        sl_batch_free(&b);
        return err->code;
    }
    sl_pop *p = op->parent;
    op->stats.rows_out += n;
    if (op->n_children == 0)
        op->stats.rows_in += n; /* a source's input is what it read */
    if (op == x->stage_op)
        x->stage_rows_in += n;
    /* A stage's output is what its pipeline delivers to the breaker that ends it (not what
     * a breaker inside it flushes on: a partial aggregate's early states). */
    if (sl_pop_is_breaker(p) && (!sl_pop_is_breaker(op) || op == x->stage_op)) {
        x->stage_rows_out += n;
        x->stage_bytes_out += sl_batch_bytes(b);
    }
    double t0 = sl_obs_now();
    int rc = call_push(x, p, op->child_idx, b, err);
    op->stats.emit_seconds += sl_obs_now() - t0;
    return rc;
}

int sl_exec_finish_parent(sl_exec *x, sl_pop *op, sl_err *err)
{
    if (!op->parent)
        return err->code;
    double t0 = sl_obs_now();
    int rc = call_finish(x, op->parent, op->child_idx, err);
    op->stats.emit_seconds += sl_obs_now() - t0;
    return rc;
}

int sl_exec_default_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    (void)child;
    if (++op->n_finished < op->n_children)
        return err->code;
    return sl_exec_finish_parent(x, op, err);
}

/* ---- stages ---- */

void sl_exec_stage_begin(sl_exec *x, sl_pop *op, const char *name)
{
    x->stage = sl_metrics_stage_begin(x->metrics, op->query, name);
    x->stage_op = op;
    x->stage_rows_in = x->stage_rows_out = x->stage_bytes_out = 0;
    x->stage_c0 = x->ctx->ctr;
}

void sl_exec_stage_end(sl_exec *x, bool exchange_figures)
{
    if (exchange_figures) {
        sl_metrics_stage_end(x->metrics, x->stage, -1, -1, -1, -1);
    } else if (x->stage_op && x->stage_op->kind == SL_POP_SCAN) {
        sl_metrics_stage_end(x->metrics, x->stage, x->ctx->ctr.rows_read - x->stage_c0.rows_read,
                             x->stage_rows_out, x->ctx->ctr.bytes_read - x->stage_c0.bytes_read,
                             x->stage_bytes_out);
    } else {
        sl_metrics_stage_end(x->metrics, x->stage, x->stage_rows_in, x->stage_rows_out, 0,
                             x->stage_bytes_out);
    }
    x->stage = -1;
    x->stage_op = NULL;
}

/* ---- the walk ---- */

static void open_all(sl_exec *x, sl_pop *op, sl_err *err)
{
    for (int i = 0; i < op->n_children; i++)
        open_all(x, op->children[i], err);
    memset(&op->stats, 0, sizeof op->stats);
    op->n_finished = 0;
    op->state = NULL;
    if (op->kind != SL_POP_SINK)
        op->metrics_op = sl_metrics_op(x->metrics, op->query, op->name);
    if (impl_of(op)->open)
        impl_of(op)->open(x, op, err);
}

static int produce(sl_exec *x, sl_pop *op, sl_err *err)
{
    if (op->n_children > 0 && sl_exec_skew_on(x, op)) {
        /* A skew-handled join: its probe input up to its exchange, which agrees on the heavy
         * keys and holds the rows; then the build input, routed by those keys; then the held
         * probe rows move (exec/op_exchange.c). */
        produce(x, op->children[1], err);
        produce(x, op->children[0], err);
        return call_finish(x, op->children[1], 0, err);
    }
    if (op->n_children > 0) {
        for (int i = 0; i < op->n_children; i++)
            produce(x, op->children[i], err);
        return err->code;
    }
    double t0 = sl_obs_now(), e0 = op->stats.emit_seconds;
    impl_of(op)->run(x, op, err);
    op->stats.seconds += (sl_obs_now() - t0) - (op->stats.emit_seconds - e0);
    return sl_exec_finish_parent(x, op, err);
}

static void close_all(sl_exec *x, sl_pop *op)
{
    for (int i = 0; i < op->n_children; i++)
        close_all(x, op->children[i]);
    if (op->metrics_op >= 0)
        sl_metrics_op_add(x->metrics, op->metrics_op, op->stats.rows_in, op->stats.rows_out,
                          op->stats.bytes_out, op->stats.seconds);
    if (op->metrics_op >= 0 && (op->stats.chunks_read || op->stats.chunks_skipped))
        sl_metrics_op_chunks(x->metrics, op->metrics_op, op->stats.chunks_read,
                             op->stats.chunks_skipped);
    if (impl_of(op)->close)
        impl_of(op)->close(x, op);
    op->state = NULL;
}

int sl_exec_run(sl_exec *x, sl_pop *root, sl_err *err)
{
    x->stage = -1;
    x->stage_op = NULL;
    x->rows_out = x->bytes_out = 0;
    open_all(x, root, err);
    int rc = sl_agree(x->comm, err);
    if (!rc)
        produce(x, root, err);
    rc = sl_agree(x->comm, err);
    close_all(x, root);
    return rc;
}
