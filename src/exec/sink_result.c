/*
 * The result sink of a SELECT: rank 0 prints every rank's rows (aligned table or a format,
 * exec/print.h) once the whole statement has succeeded, so a failed SELECT prints no rows.
 * A format (--format csv) is formatted on every rank as its rows arrive, through the format's
 * part-file writer: rank 0 keeps the header, the others drop theirs, and the text waits in a
 * row store on its rank (chunks of whole rows, one VARCHAR value each; memory up to the grant,
 * then the spill file). After the statement succeeded the chunks go to rank 0's store behind
 * its own, and once that succeeded too rank 0 writes them: text crosses the wire instead of
 * rows, and rank 0 only writes. The table needs widths over all rows: its rows travel as rows
 * into rank 0's store, which prints them.
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

/* Text is stored in chunks of about this many bytes (less under a smaller exchange round). */
#define TEXT_CHUNK (1 << 20)

typedef struct result_state {
    sl_rowstore *rows;     /* rows, or the chunks of this rank's text */
    bool as_text;          /* text mode (a format, not sl_session_query); else rows */
    sl_fmt_writer *w;      /* text mode: this rank's writer until finish */
    sl_buf text;           /* the chunk being filled */
    sl_buf tail;           /* rank 0: the writer's last bytes, printed after every rank's */
    int64_t chunk;         /* flush text at this length */
    int64_t n_rows;        /* rows formatted */
} result_state;

static int result_open(sl_exec *x, sl_pop *op, sl_err *err)
{
    result_state *st = sl_xcalloc(1, sizeof *st);
    st->rows = sl_rowstore_new(x->ctx, op->grant);
    sl_buf_init(&st->text);
    sl_buf_init(&st->tail);
    int64_t round = x->settings->exchange_round_bytes;
    st->chunk = round > 0 && round / 2 < TEXT_CHUNK ? round / 2 : TEXT_CHUNK;
    op->state = st;
    /* sl_session_query takes rows, the table needs them all: both stay on the row path. A
     * writer with default options never fails to begin (there is no file); if one did, the
     * row path prints what the printer can. */
    if (!x->capture && x->print_format) {
        sl_err e;
        sl_err_clear(&e);
        if (sl_fmt_writer_begin(x->print_format, NULL, op->n_cols, op->names, op->types,
                                &st->text, &st->w, &e) == 0)
            st->as_text = true;
        if (x->rank != 0) /* the header once, from rank 0 */
            sl_buf_reset(&st->text);
    }
    return 0;
}

/* Moves the text pending in st->text into the store as one chunk. Local. */
static int text_flush(result_state *st, sl_err *err)
{
    if (st->text.len == 0)
        return 0;
    sl_batch *c = sl_batch_new(1, (sl_type[]){SL_T_VARCHAR}, 1);
    sl_vec_push_str(c->cols[0], st->text.data, st->text.len);
    c->n_rows = 1;
    sl_buf_reset(&st->text);
    return sl_rowstore_append(st->rows, c, err);
}

static int result_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    result_state *st = op->state;
    if (err->code) {
        sl_batch_free(&b);
        return err->code;
    }
    if (!st->as_text)
        return sl_rowstore_append(st->rows, b, err);
    st->n_rows += sl_batch_live(b);
    sl_fmt_writer_write(st->w, b, &st->text, err);
    sl_batch_free(&b);
    if (!err->code && st->text.len >= st->chunk)
        text_flush(st, err);
    return err->code;
}

/* Writes the text of the chunks in l to f, frees them. Local. */
static void write_chunks(FILE *f, sl_batchlist *l)
{
    for (int i = 0; i < l->n; i++) {
        const sl_batch *c = l->b[i];
        for (int64_t k = 0; k < sl_batch_live(c); k++) {
            int64_t len;
            const char *p = sl_vec_str(c->cols[0], sl_batch_row(c, k), &len);
            if (len)
                fwrite(p, 1, (size_t)len, f);
        }
        sl_batch_free(&l->b[i]);
    }
    l->n = 0;
}

/* Moves the rows (in text mode the text chunks) of ranks 1..P-1 into rank 0's store: one
 * sender at a time in rank order when ordered, all at once otherwise. */
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

/* Text mode: the others' chunks join rank 0's store behind its own (rank by rank when
 * ordered); once that succeeded everywhere rank 0 writes them all, then the writer's last
 * bytes. rows_out is the rows of every rank. Collective over comm. */
static int text_print(sl_exec *x, sl_pop *op, result_state *st, sl_err *err)
{
    int64_t total = 0;
    MPI_Allreduce(&st->n_rows, &total, 1, MPI_INT64_T, MPI_SUM, x->comm);
    sl_exec_stage_begin(x, op, "result_gather");
    gather(x, st, op->u.sink.ordered, err);
    sl_exec_stage_end(x, true);
    if (sl_agree(x->comm, err) || x->rank != 0)
        return err->code;
    sl_batchlist chunks;
    sl_batchlist_init(&chunks);
    for (;;) {
        sl_batch *c = NULL;
        if (sl_rowstore_next(st->rows, &c, err) || !c)
            break;
        sl_batchlist_push(&chunks, c);
        write_chunks(x->out, &chunks);
    }
    sl_batchlist_free(&chunks);
    if (st->tail.len) /* no tail: its data is NULL, which fwrite must not get */
        fwrite(st->tail.data, 1, (size_t)st->tail.len, x->out);
    fflush(x->out);
    x->rows_out = total;
    return err->code;
}

static int result_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    result_state *st = op->state;
    if (st->w && !err->code) {
        /* The writer's last bytes once, from rank 0, after every rank's rows. */
        sl_fmt_writer_finish(&st->w, &st->tail, err);
        if (x->rank != 0)
            sl_buf_reset(&st->tail);
        if (!err->code)
            text_flush(st, err);
    }
    if (sl_agree(x->comm, err))
        return err->code;
    if (st->as_text)
        return text_print(x, op, st, err);
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
    sl_fmt_writer_free(&st->w);
    sl_buf_free(&st->text);
    sl_buf_free(&st->tail);
    sl_free(st);
}

const sl_op_impl sl_sink_result = {
    .open = result_open,
    .push = result_push,
    .finish = result_finish,
    .close = result_close,
};
