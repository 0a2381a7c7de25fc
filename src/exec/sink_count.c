/*
 * The count sink of EXPLAIN ANALYZE: rows are counted, not kept; finish sums the counts of
 * every rank (Collective). push is Local.
 */
#include "exec/exec_int.h"

#include "mpi/agree.h"

static int count_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    x->rows_out += sl_batch_live(b);
    sl_batch_free(&b);
    return err->code;
}

static int count_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    int64_t mine = x->rows_out, total = 0;
    MPI_Allreduce(&mine, &total, 1, MPI_INT64_T, MPI_SUM, x->comm);
    x->rows_out = total;
    return sl_agree(x->comm, err);
}

const sl_op_impl sl_sink_count = {
    .push = count_push,
    .finish = count_finish,
};
