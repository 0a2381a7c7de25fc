/*
 * LIMIT (streaming): skips the first `offset` rows this rank sees and passes at most `limit`
 * after them (limit -1 = all), by narrowing selections. In a plan it runs either on each rank
 * (a local pre-limit before a gather) or on rank 0 after a gather, where the rows of all
 * ranks meet in order. Local.
 */
#include "exec/exec_int.h"

#include "core/mem.h"

typedef struct { int64_t seen; } limit_state;

static int limit_open(sl_exec *x, sl_pop *op, sl_err *err)
{
    op->state = sl_xcalloc(1, sizeof(limit_state));
    return 0;
}

static int limit_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    limit_state *st = op->state;
    int64_t off = op->u.limit.offset, lim = op->u.limit.limit;
    int64_t live = sl_batch_live(b), from = 0, to = live;
    /* Rows [seen, seen + live) of the stream; keep those in [off, off + lim). */
    if (st->seen < off)
        from = off - st->seen < live ? off - st->seen : live;
    if (lim >= 0) {
        int64_t end = off + lim - st->seen; /* rows of this batch before the limit's end */
        if (end < to)
            to = end > from ? end : from;
    }
    st->seen += live;
    if (err->code || to <= from) {
        sl_batch_free(&b);
        return err->code;
    }
    if (from > 0 || to < live) {
        uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)(to - from));
        for (int64_t k = from; k < to; k++)
            sel[k - from] = (uint32_t)sl_batch_row(b, k);
        sl_batch_set_sel(b, sel, to - from);
    }
    return sl_exec_emit(x, op, b, err);
}

static void limit_close(sl_exec *x, sl_pop *op)
{
    sl_free(op->state);
}

const sl_op_impl sl_op_limit = {
    .open = limit_open,
    .push = limit_push,
    .finish = sl_exec_default_finish,
    .close = limit_close,
};
