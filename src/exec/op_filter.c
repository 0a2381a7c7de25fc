/*
 * FILTER (streaming): narrows each batch's selection to the rows where the predicate is true
 * (NULL counts as false); nothing is copied. Used for WHERE and HAVING. Local.
 */
#include "exec/exec_int.h"

#include "func/func.h"

static int filter_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    if (err->code || sl_filter(op->u.filter.pred, b, err)) {
        sl_batch_free(&b);
        return err->code;
    }
    return sl_exec_emit(x, op, b, err);
}

const sl_op_impl sl_op_filter = {
    .push = filter_push,
    .finish = sl_exec_default_finish,
};
