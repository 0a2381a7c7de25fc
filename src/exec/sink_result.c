/*
 * The result sink of a SELECT: every rank's rows go to rank 0, which prints them (aligned
 * table or a format, exec/print.h) once the whole statement has succeeded, so a failed SELECT
 * prints no rows. Rows wait in a row store on their rank (memory up to the grant, then the
 * spill file) and then in rank 0's store, so a result is never held whole in memory.
 * When the input is range-partitioned in global order (ORDER BY) rank 0 takes its own rows,
 * then rank 1's, and so on: the printed stream is in order without any sort on rank 0.
 * The gather is the metrics stage "result_gather". For sl_session_query the rows go to the
 * caller's list instead of the printer (on rank 0, or without a gather on every rank).
 * push is Local; finish is Collective.
 */
#include "exec/exec_int.h"

#include "core/mem.h"
#include "exec/print.h"
#include "mpi/agree.h"
#include "mpi/exchange.h"
#include "spill/rowstore.h"

typedef struct result_state {
    sl_rowstore *rows;
} result_state;

static int result_open(sl_exec *x, sl_pop *op, sl_err *err)
{
    result_state *st = sl_xcalloc(1, sizeof *st);
    st->rows = sl_rowstore_new(x->ctx, op->grant);
    op->state = st;
    return 0;
}

static int result_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    result_state *st = op->state;
    if (err->code) {
        sl_batch_free(&b);
        return err->code;
    }
    return sl_rowstore_append(st->rows, b, err);
}

/* Moves the rows of ranks 1..P-1 into rank 0's store: one sender at a time in rank order
 * when ordered, all at once otherwise. */
static int gather(sl_exec *x, result_state *st, bool ordered, sl_err *err)
{
    int P = x->size;
    int64_t mine = x->rank == 0 ? 0 : sl_rowstore_rows(st->rows);
    int64_t *rows = sl_xmalloc(sizeof *rows * (size_t)P);
    MPI_Allgather(&mine, 1, MPI_INT64_T, rows, 1, MPI_INT64_T, x->comm);
    int64_t cap = x->settings->exchange_round_bytes, others = 0;
    for (int s = 1; s < P; s++)
        others += rows[s];
    for (int s = 1; s < P && !err->code; s++) {
        /* Unordered: one pass (s = 1) in which every rank sends. */
        if (ordered ? rows[s] == 0 : (s > 1 || others == 0))
            continue;
        bool sender = ordered ? x->rank == s : x->rank != 0;
        bool done = !sender;
        for (;;) {
            sl_batchlist part, recv;
            sl_batchlist_init(&part);
            sl_batchlist_init(&recv);
            for (int64_t bytes = 0; !done && !err->code && bytes < cap;) {
                sl_batch *b = NULL;
                if (sl_rowstore_next(st->rows, &b, err))
                    break;
                if (!b) {
                    done = true;
                    break;
                }
                bytes += sl_batch_bytes(b);
                sl_batchlist_push(&part, b);
            }
            sl_xstats xs = {0};
            int rc = sl_exchange_gather(x->ctx, x->comm, 0, &part, cap, &recv, &xs, err);
            for (int i = 0; i < recv.n; i++) {
                if (!err->code)
                    sl_rowstore_append(st->rows, recv.b[i], err);
                else
                    sl_batch_free(&recv.b[i]);
                recv.b[i] = NULL;
            }
            sl_batchlist_free(&recv);
            if (rc)
                break;
            int more = (!done || err->code) ? 1 : 0, any = 0;
            MPI_Allreduce(&more, &any, 1, MPI_INT, MPI_MAX, x->comm);
            if (!any)
                break;
        }
    }
    sl_free(rows);
    return err->code;
}

/* Hands this rank's stored rows to the caller's list (sl_session_query) instead of printing
 * them. The list is outside the budget: the caller holds it after the run. Local. */
static int capture(sl_exec *x, result_state *st, sl_err *err)
{
    for (;;) {
        sl_batch *b = NULL;
        if (sl_rowstore_next(st->rows, &b, err) || !b)
            break;
        x->rows_out += sl_batch_live(b);
        sl_batchlist_push(x->capture, b);
    }
    return err->code;
}

static int result_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    result_state *st = op->state;
    if (sl_agree(x->comm, err))
        return err->code;
    if (x->capture && x->capture_partitioned)
        return capture(x, st, err);
    sl_exec_stage_begin(x, op, "result_gather");
    /* Rank 0 only appends to its store; the others only read theirs. */
    gather(x, st, op->u.sink.ordered, err);
    sl_exec_stage_end(x, true);
    if (sl_agree(x->comm, err) || x->rank != 0)
        return err->code;
    if (x->capture)
        return capture(x, st, err);
    sl_printer *pr = sl_printer_new(x->out, x->print_format, op->n_cols,
                                    op->names, op->types);
    for (;;) {
        sl_batch *b = NULL;
        if (sl_rowstore_next(st->rows, &b, err) || !b)
            break;
        sl_printer_add(pr, b);
        sl_batch_free(&b);
    }
    x->rows_out = sl_printer_rows(pr);
    sl_printer_finish(&pr);
    return err->code;
}

static void result_close(sl_exec *x, sl_pop *op)
{
    result_state *st = op->state;
    if (!st)
        return;
    sl_rowstore_free(&st->rows);
    sl_free(st);
}

const sl_op_impl sl_sink_result = {
    .open = result_open,
    .push = result_push,
    .finish = result_finish,
    .close = result_close,
};
