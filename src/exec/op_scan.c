/*
 * SCAN (source): this rank's part of a file source (what its format gives this rank, e.g.
 * its byte ranges of a splittable input; io/format.h) or of a persisted table (the rows it
 * kept), only the projected columns. Every batch is a safe point
 * for stop signals. A file scan is Collective at fixed points (progress rounds around the
 * loop, the max_rejects check after it), reached by every rank also when it read nothing or
 * failed; a table scan is Local.
 */
#include "exec/exec_int.h"

#include "batch/borrow.h"
#include "core/mem.h"
#include "core/signals.h"
#include "io/format.h"
#include "obs/metrics.h"
#include "spill/colstore.h"

/* A registered table: this rank's application arrays, batch by batch. */
static int run_borrowed(sl_exec *x, sl_pop *op, const sl_borrowed *bt, sl_err *err)
{
    for (int64_t s = 0; s < bt->n_rows && !err->code; s += SL_BATCH_ROWS) {
        if (sl_signals_check(err))
            break;
        int64_t n = bt->n_rows - s < SL_BATCH_ROWS ? bt->n_rows - s : SL_BATCH_ROWS;
        sl_batch *b = sl_borrowed_batch(bt, op->u.scan.proj, op->u.scan.n_proj, s, n);
        x->ctx->ctr.rows_read += n;
        sl_exec_emit(x, op, b, err);
    }
    return err->code;
}

static int run_table(sl_exec *x, sl_pop *op, sl_err *err)
{
    const sl_table *t = op->u.scan.src->table;
    if (t->borrowed)
        return run_borrowed(x, op, t->borrowed, err);
    if (t->one_row) {
        /* The one-row table of SELECT without FROM: one row of no columns, on rank 0. */
        if (x->rank == 0)
            sl_exec_emit(x, op, sl_batch_from_cols(0, NULL, 1), err);
        return err->code;
    }
    /* Only the projected columns leave the store (copied, or read from its spill file). */
    sl_colstore_cursor cur;
    sl_colstore_cursor_init(&cur);
    while (!err->code) {
        sl_batch *b = NULL;
        if (sl_signals_check(err) ||
            sl_colstore_scan_next(t->rows, &cur, op->u.scan.proj, op->u.scan.n_proj, &b, err) ||
            !b)
            break;
        /* A table's rows count as rows read, as a file's records do. */
        x->ctx->ctr.rows_read += sl_batch_live(b);
        sl_exec_emit(x, op, b, err);
    }
    return err->code;
}

static int run_format(sl_exec *x, sl_pop *op, sl_err *err)
{
    sl_fmt_source *src = op->u.scan.src->fsrc;
    sl_fmt_scan *scan = NULL;
    /* Progress rounds begin and end on every rank, also one whose open failed. */
    sl_metrics_progress_begin(x->metrics, sl_fmt_source_bytes(src));
    int64_t k0 = x->ctx->ctr.chunks_read, s0 = x->ctx->ctr.chunks_skipped;
    if (!err->code &&
        !sl_fmt_scan_open(x->ctx, src, op->u.scan.proj, op->u.scan.n_proj, &scan, err)) {
        /* The filter's simple conjuncts: the format may skip chunks that cannot match. */
        sl_fmt_scan_prune(scan, op->u.scan.preds, op->u.scan.n_preds);
        while (!err->code) {
            sl_batch *b = NULL;
            int64_t b0 = x->ctx->ctr.bytes_read;
            /* Safe point per batch: a stop signal ends the scan; the next agreement stops
             * every rank. */
            if (sl_signals_check(err) || sl_fmt_scan_next(scan, &b, err) || !b)
                break;
            op->stats.bytes_out += x->ctx->ctr.bytes_read - b0;
            sl_metrics_tick(x->metrics);
            sl_exec_emit(x, op, b, err);
        }
    }
    op->stats.chunks_read += x->ctx->ctr.chunks_read - k0;
    op->stats.chunks_skipped += x->ctx->ctr.chunks_skipped - s0;
    sl_metrics_progress_end(x->metrics);
    /* The format's end of the scan on every rank (collective; read_csv: max_rejects). */
    sl_fmt_scan_end(x->comm, src, scan, err);
    sl_fmt_scan_free(&scan);
    return err->code;
}

static int scan_run(sl_exec *x, sl_pop *op, sl_err *err)
{
    sl_exec_stage_begin(x, op, "scan");
    if (op->u.scan.src->kind == SL_SRC_TABLE)
        run_table(x, op, err);
    else
        run_format(x, op, err);
    sl_exec_stage_end(x, false);
    return err->code;
}

const sl_op_impl sl_op_scan = {
    .run = scan_run,
};
