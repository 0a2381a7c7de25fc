/*
 * SINK (root, collective): where a statement's rows go. One file per sink kind (sink_*.c);
 * this table dispatches on the node's sink kind. Every sink agrees on errors in its finish,
 * and its close may be collective too (a COPY that never finished is rolled back there).
 */
#include "exec/exec_int.h"

extern const sl_op_impl sl_sink_result, sl_sink_copy, sl_sink_table, sl_sink_count;

static const sl_op_impl *sink_of(const sl_pop *op)
{
    switch (op->u.sink.kind) {
    case SL_SINK_RESULT: return &sl_sink_result;
    case SL_SINK_COPY: return &sl_sink_copy;
    case SL_SINK_TABLE: return &sl_sink_table;
    default: return &sl_sink_count;
    }
}

static int sink_open(sl_exec *x, sl_pop *op, sl_err *err)
{
    return sink_of(op)->open ? sink_of(op)->open(x, op, err) : 0;
}

static int sink_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    return sink_of(op)->push(x, op, child, b, err);
}

static int sink_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    return sink_of(op)->finish(x, op, child, err);
}

static void sink_close(sl_exec *x, sl_pop *op)
{
    if (sink_of(op)->close)
        sink_of(op)->close(x, op);
}

const sl_op_impl sl_op_sink = {
    .open = sink_open,
    .push = sink_push,
    .finish = sink_finish,
    .close = sink_close,
};
