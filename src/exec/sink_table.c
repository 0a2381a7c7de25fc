/*
 * The table sink of CREATE TABLE AS: every rank keeps its rows in the table's column store
 * (spill/colstore.h: dense blocks, memory up to the grant, then the rank's spill file), sealed
 * at the end for any number of later reads. push is Local; finish agrees (Collective).
 */
#include "exec/exec_int.h"

#include "mpi/agree.h"
#include "spill/colstore.h"

static int table_open(sl_exec *x, sl_pop *op, sl_err *err)
{
    sl_table *t = op->u.sink.table;
    t->rows = sl_colstore_new(x->ctx, op->grant);
    return 0;
}

static int table_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    if (err->code) {
        sl_batch_free(&b);
        return err->code;
    }
    x->rows_out += sl_batch_live(b);
    return sl_colstore_append(op->u.sink.table->rows, b, err);
}

static int table_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    if (!err->code)
        sl_colstore_seal(op->u.sink.table->rows, err);
    return sl_agree(x->comm, err);
}

const sl_op_impl sl_sink_table = {
    .open = table_open,
    .push = table_push,
    .finish = table_finish,
};
