/*
 * UNION (streaming, any number of children): passes on the rows of every child as they come
 * (UNION ALL); the end is passed on when the last child has finished. Duplicates are removed
 * by an aggregation above it (UNION), planned by the planner. Local.
 */
#include "exec/exec_int.h"

static int union_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    return sl_exec_emit(x, op, b, err);
}

const sl_op_impl sl_op_union = {
    .push = union_push,
    .finish = sl_exec_default_finish,
};
