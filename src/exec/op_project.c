/*
 * PROJECT (streaming): evaluates the output expressions over each batch into a new batch with
 * the same live rows. Local.
 */
#include "exec/exec_int.h"

#include "func/func.h"

static int project_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    sl_batch *pb = NULL;
    if (!err->code)
        sl_project(op->u.project.exprs, op->u.project.n_exprs, b, &pb, err);
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
