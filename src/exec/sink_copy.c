/*
 * The COPY sink: every rank writes its rows into part files, and rank 0 commits them
 * atomically with the _SUCCESS manifest (exec/copy.h). open begins the copy (collective:
 * rank 0 prepares the target), push writes (Local; every batch is a safe point for stop
 * signals), finish commits or rolls back (collective). A copy that never reached finish
 * (the tree stopped before running) is rolled back in close, which every rank reaches.
 */
#include "exec/exec_int.h"

#include "core/signals.h"
#include "exec/copy.h"

static int copy_open(sl_exec *x, sl_pop *op, sl_err *err)
{
    sl_copy *c = NULL;
    sl_copy_begin(x->ctx, x->comm, op->u.sink.copy, x->copy_guard, op->n_cols, op->names, op->types,
                  &c, err);
    if (c)
        sl_copy_set_grant(c, &x->ctx->budget, op->grant);
    if (c && x->copy_fp_hash)
        sl_copy_set_fingerprint(c, x->copy_fp_hash, x->copy_fp_inputs);
    op->state = c;
    return err->code;
}

static int copy_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    int rc = err->code;
    if (!rc)
        rc = sl_signals_check(err) ? err->code : sl_copy_write(op->state, b, err);
    sl_batch_free(&b);
    return rc;
}

static int copy_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    sl_copy *c = op->state;
    op->state = NULL;
    return sl_copy_finish(&c, &x->rows_out, &x->bytes_out, err);
}

static void copy_close(sl_exec *x, sl_pop *op)
{
    sl_copy *c = op->state;
    if (!c)
        return;
    int64_t rows, bytes;
    sl_err e;
    sl_err_clear(&e);
    /* Every rank gets here with the same (agreed) reason to roll back. */
    SL_ERR(&e, SL_EINTERNAL, "COPY stopped before it ran");
    sl_copy_finish(&c, &rows, &bytes, &e);
    op->state = NULL;
}

const sl_op_impl sl_sink_copy = {
    .open = copy_open,
    .push = copy_push,
    .finish = copy_finish,
    .close = copy_close,
};
