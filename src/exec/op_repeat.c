/*
 * REPEAT (streaming): emits each input row as many times as its last column says (0 or less:
 * not at all), without that column. INTERSECT ALL and EXCEPT ALL use it to turn a count per
 * distinct row back into rows. Local.
 */
#include "exec/exec_int.h"

static int repeat_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    int n = op->n_cols;
    const sl_vec *times = b->cols[n];
    sl_batch *out = sl_batch_new(n, op->types, sl_batch_live(b));
    int64_t live = sl_batch_live(b);
    for (int64_t k = 0; k < live && !err->code; k++) {
        int64_t r = sl_batch_row(b, k);
        int64_t t = sl_vec_valid(times, r) ? times->d.i64[r] : 0;
        for (int64_t j = 0; j < t; j++) {
            for (int c = 0; c < n; c++)
                sl_vec_push_from(out->cols[c], b->cols[c], r);
            if (++out->n_rows == SL_BATCH_ROWS) {
                sl_exec_emit(x, op, out, err);
                out = sl_batch_new(n, op->types, SL_BATCH_ROWS);
            }
        }
    }
    sl_batch_free(&b);
    return sl_exec_emit(x, op, out, err);
}

const sl_op_impl sl_op_repeat = {
    .push = repeat_push,
    .finish = sl_exec_default_finish,
};
