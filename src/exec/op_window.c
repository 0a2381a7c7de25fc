/*
 * WINDOW (streaming over sorted input): appends one column per window function call to rows
 * that arrive sorted by (partition keys, order keys), as the planner's sort leaves them
 * (plan/plan_window.c). Rows are buffered until a partition is known to be complete (a row
 * with other partition keys arrived, or the input ended); the complete partitions are then
 * computed and emitted, so one partition (plus one batch) is held at a time, never the
 * rank's input.
 *
 * Semantics are DuckDB's (and SQL's): peers are rows of a partition with equal ORDER BY
 * keys (without ORDER BY the whole partition); rank() is 1 + the rows before the first
 * peer, dense_rank() counts peer groups, percent_rank() = (rank - 1) / (rows - 1) (0 for a
 * single row), cume_dist() = (rows up to the last peer) / rows, ntile(n) deals rows into n
 * buckets whose sizes differ by at most one (bigger ones first); lag/lead read the row
 * `offset` before/after in the partition (the default, else NULL, outside it); frame
 * functions (first_value, last_value, nth_value, sum, avg, min, max, count) see the frame:
 * ROWS offsets count rows, the default frame is RANGE UNBOUNDED PRECEDING .. CURRENT ROW
 * (up to the current row's last peer). NULL arguments are skipped by the aggregates (an
 * empty frame gives NULL, count 0); first/last/nth_value return NULL values as they are.
 * sum over BIGINT leaves an error when it leaves BIGINT's range (as the sum aggregate).
 *
 * Frames whose start is UNBOUNDED PRECEDING (running totals) or whose end is UNBOUNDED
 * FOLLOWING are folded incrementally (O(rows)); other frames are folded row by row over the
 * frame (O(rows x frame)), which suits the short sliding frames rolling means use.
 *
 * Memory: the buffered rows are reserved from the budget up to the grant; a partition larger
 * than that stays in memory anyway (spilling a single partition is not implemented). Local.
 */
#include "exec/exec_int.h"

#include <string.h>

#include "batch/rowcmp.h"
#include "core/budget.h"
#include "core/mem.h"

typedef struct win_state {
    sl_ctx *ctx;
    sl_batch *cur;        /* rows not yet emitted (dense), NULL when none */
    int64_t scanned;      /* rows of cur already checked for partition starts */
    int64_t last_start;   /* first row of the last partition seen in cur */
    int64_t res;          /* bytes reserved for cur */
    sl_rowcmp part, peer;
} win_state;

static int window_open(sl_exec *x, sl_pop *op, sl_err *err)
{
    win_state *st = sl_xcalloc(1, sizeof *st);
    st->ctx = x->ctx;
    st->part = (sl_rowcmp){ op->u.window.n_part, op->u.window.part, NULL, NULL, false };
    const sl_sort_spec *o = &op->u.window.order;
    st->peer = (sl_rowcmp){ o->n_keys, o->cols, o->desc, o->nulls_first, false };
    op->state = st;
    return 0;
}

/* A new dense batch with rows [from, to) of the dense batch b. */
static sl_batch *slice(sl_batch *b, int64_t from, int64_t to)
{
    uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)(to - from + 1));
    for (int64_t i = from; i < to; i++)
        sel[i - from] = (uint32_t)i;
    b->sel = sel;
    b->n_sel = to - from;
    sl_batch *out = sl_batch_compact(b);
    b->sel = NULL;
    b->n_sel = 0;
    sl_free(sel);
    return out;
}

/* Row ranges of the chunk: partition [ps, pe) and peer group [gs, ge) of every row. */
typedef struct ranges {
    int64_t *ps, *pe, *gs, *ge;
} ranges;

static void ranges_build(const win_state *st, const sl_batch *b, ranges *r)
{
    int64_t n = b->n_rows;
    r->ps = sl_xmalloc(sizeof *r->ps * (size_t)(n + 1));
    r->pe = sl_xmalloc(sizeof *r->pe * (size_t)(n + 1));
    r->gs = sl_xmalloc(sizeof *r->gs * (size_t)(n + 1));
    r->ge = sl_xmalloc(sizeof *r->ge * (size_t)(n + 1));
    int64_t ps = 0, gs = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i > 0 && sl_row_cmp(&st->part, b, i - 1, b, i) != 0)
            ps = gs = i;
        else if (i > 0 && st->peer.n_keys > 0 && sl_row_cmp(&st->peer, b, i - 1, b, i) != 0)
            gs = i;
        r->ps[i] = ps;
        r->gs[i] = gs;
    }
    int64_t pe = n, ge = n;
    for (int64_t i = n - 1; i >= 0; i--) {
        r->pe[i] = pe;
        r->ge[i] = ge;
        if (r->ps[i] == i)
            pe = ge = i;
        else if (r->gs[i] == i)
            ge = i;
    }
}

static void ranges_free(ranges *r)
{
    sl_free(r->ps);
    sl_free(r->pe);
    sl_free(r->gs);
    sl_free(r->ge);
}

/* The frame [*fs, *fe) of row i. */
static void frame_of(const sl_win_frame *f, const ranges *r, int64_t i, int64_t *fs,
                     int64_t *fe)
{
    int64_t ps = r->ps[i], pe = r->pe[i], s, e;
    switch (f->start) {
    case SL_FB_UNBOUNDED_PRECEDING: s = ps; break;
    case SL_FB_PRECEDING: s = f->start_n >= i - ps ? ps : i - f->start_n; break;
    case SL_FB_CURRENT_ROW: s = f->rows ? i : r->gs[i]; break;
    case SL_FB_FOLLOWING: s = f->start_n >= pe - i ? pe : i + f->start_n; break;
    default: s = pe; break;
    }
    switch (f->end) {
    case SL_FB_UNBOUNDED_FOLLOWING: e = pe; break;
    case SL_FB_FOLLOWING: e = f->end_n >= pe - i ? pe : i + f->end_n + 1; break;
    case SL_FB_CURRENT_ROW: e = f->rows ? i + 1 : r->ge[i]; break;
    case SL_FB_PRECEDING: e = f->end_n > i - ps ? ps : i - f->end_n + 1; break;
    default: e = ps; break;
    }
    if (e < s)
        e = s;
    *fs = s;
    *fe = e;
}

/* ---- frame aggregates ---- */

typedef struct acc {
    int64_t n;            /* non-NULL values folded in (count(*): rows) */
    int64_t isum;
    double dsum;
    int64_t best;         /* min/max: the row holding it */
    bool ovf;             /* isum left BIGINT's range */
} acc;

static int cmp_at(const sl_vec *v, int64_t a, int64_t b)
{
    switch (v->type) {
    case SL_T_DOUBLE: {
        double x = v->d.f64[a], y = v->d.f64[b];
        if (x != x || y != y) /* NaN sorts above every number, as ORDER BY */
            return (x != x) - (y != y);
        return (x > y) - (x < y);
    }
    case SL_T_VARCHAR: {
        int64_t la, lb;
        const char *pa = sl_vec_str(v, a, &la), *pb = sl_vec_str(v, b, &lb);
        int c = memcmp(pa, pb, (size_t)(la < lb ? la : lb));
        return c ? c : (la > lb) - (la < lb);
    }
    default:
        return (v->d.i64[a] > v->d.i64[b]) - (v->d.i64[a] < v->d.i64[b]);
    }
}

static inline void acc_add(acc *a, sl_winfn fn, const sl_vec *v, int64_t j)
{
    if (fn == SL_WF_COUNT_STAR) {
        a->n++;
        return;
    }
    if (!sl_vec_valid(v, j))
        return;
    a->n++;
    switch (fn) {
    case SL_WF_SUM:
    case SL_WF_AVG:
        if (v->type == SL_T_DOUBLE)
            a->dsum += v->d.f64[j];
        else {
            a->dsum += (double)v->d.i64[j];
            if (__builtin_add_overflow(a->isum, v->d.i64[j], &a->isum))
                a->ovf = true;
        }
        break;
    case SL_WF_MIN:
        if (a->n == 1 || cmp_at(v, j, a->best) < 0)
            a->best = j;
        break;
    case SL_WF_MAX:
        if (a->n == 1 || cmp_at(v, j, a->best) > 0)
            a->best = j;
        break;
    default:
        break;
    }
}

/* Stores acc's result for row i in out slots (i64 / f64 / row / null). */
typedef struct agg_out {
    int64_t *i64;
    double *f64;
    int64_t *row;         /* min/max: source row, -1 = NULL */
    bool *null;
} agg_out;

static int acc_result(const acc *a, const sl_win_call *c, const sl_vec *v, agg_out *o,
                      int64_t i, sl_err *err)
{
    o->null[i] = false;
    switch (c->fn) {
    case SL_WF_COUNT:
    case SL_WF_COUNT_STAR:
        o->i64[i] = a->n;
        return 0;
    case SL_WF_SUM:
        o->null[i] = a->n == 0;
        if (v->type == SL_T_DOUBLE)
            o->f64[i] = a->dsum;
        else if (a->ovf)
            return SL_ERR(err, SL_ERUNTIME, "Overflow in SUM: a window sum leaves the range "
                          "of BIGINT (cast the argument to DOUBLE to sum it approximately)");
        else
            o->i64[i] = a->isum;
        return 0;
    case SL_WF_AVG:
        o->null[i] = a->n == 0;
        if (v->type != SL_T_DOUBLE && !a->ovf)
            o->f64[i] = (double)a->isum / (double)a->n;
        else
            o->f64[i] = a->dsum / (double)a->n;
        return 0;
    default: /* min, max */
        o->row[i] = a->n ? a->best : -1;
        return 0;
    }
}

static int frame_agg(const sl_win_call *c, const ranges *r, const sl_vec *v, int64_t n,
                     agg_out *o, sl_err *err)
{
    const sl_win_frame *f = &c->frame;
    int rc = 0;
    if (f->start == SL_FB_UNBOUNDED_PRECEDING) {
        acc a = {0};
        int64_t k = 0;
        for (int64_t i = 0; i < n && !rc; i++) {
            int64_t fs, fe;
            if (r->ps[i] == i) {
                memset(&a, 0, sizeof a);
                k = i;
            }
            frame_of(f, r, i, &fs, &fe);
            for (; k < fe; k++)
                acc_add(&a, c->fn, v, k);
            rc = acc_result(&a, c, v, o, i, err);
        }
    } else if (f->end == SL_FB_UNBOUNDED_FOLLOWING) {
        acc a = {0};
        int64_t k = n;
        for (int64_t i = n - 1; i >= 0 && !rc; i--) {
            int64_t fs, fe;
            if (r->pe[i] == i + 1) {
                memset(&a, 0, sizeof a);
                k = i + 1;
            }
            frame_of(f, r, i, &fs, &fe);
            for (; k > fs; k--)
                acc_add(&a, c->fn, v, k - 1);
            rc = acc_result(&a, c, v, o, i, err);
        }
    } else {
        for (int64_t i = 0; i < n && !rc; i++) {
            acc a = {0};
            int64_t fs, fe;
            frame_of(f, r, i, &fs, &fe);
            for (int64_t k = fs; k < fe; k++)
                acc_add(&a, c->fn, v, k);
            rc = acc_result(&a, c, v, o, i, err);
        }
    }
    return rc;
}

/* ---- one call over a chunk ---- */

static int compute(const sl_win_call *c, const sl_batch *b, const ranges *r, sl_vec **out,
                   sl_err *err)
{
    int64_t n = b->n_rows;
    sl_vec *res = sl_vec_new(c->type, n);
    const sl_vec *arg = c->arg >= 0 ? b->cols[c->arg] : NULL;
    const sl_vec *def = c->def >= 0 ? b->cols[c->def] : NULL;
    int rc = 0;
    *out = res;
    switch (c->fn) {
    case SL_WF_ROW_NUMBER:
        for (int64_t i = 0; i < n; i++)
            sl_vec_push_i64(res, i - r->ps[i] + 1);
        return 0;
    case SL_WF_RANK:
        for (int64_t i = 0; i < n; i++)
            sl_vec_push_i64(res, r->gs[i] - r->ps[i] + 1);
        return 0;
    case SL_WF_DENSE_RANK: {
        int64_t d = 0;
        for (int64_t i = 0; i < n; i++) {
            if (r->ps[i] == i)
                d = 0;
            if (r->gs[i] == i)
                d++;
            sl_vec_push_i64(res, d);
        }
        return 0;
    }
    case SL_WF_PERCENT_RANK:
        for (int64_t i = 0; i < n; i++) {
            int64_t rows = r->pe[i] - r->ps[i];
            sl_vec_push_f64(res, rows > 1 ? (double)(r->gs[i] - r->ps[i]) / (double)(rows - 1)
                                          : 0.0);
        }
        return 0;
    case SL_WF_CUME_DIST:
        for (int64_t i = 0; i < n; i++)
            sl_vec_push_f64(res, (double)(r->ge[i] - r->ps[i]) /
                                 (double)(r->pe[i] - r->ps[i]));
        return 0;
    case SL_WF_NTILE:
        for (int64_t i = 0; i < n; i++) {
            /* n_large buckets of size+1 rows first, then buckets of size rows */
            int64_t rows = r->pe[i] - r->ps[i], k = i - r->ps[i], b_n = c->param;
            int64_t size = rows / b_n, large = rows - b_n * size, small_at = large * (size + 1);
            int64_t t = size == 0 ? k + 1
                        : k < small_at ? 1 + k / (size + 1)
                        : 1 + large + (k - small_at) / size;
            sl_vec_push_i64(res, t);
        }
        return 0;
    case SL_WF_LAG:
    case SL_WF_LEAD:
        for (int64_t i = 0; i < n; i++) {
            int64_t off = c->param, j = -1;
            if (c->fn == SL_WF_LAG ? off <= i - r->ps[i] : off < r->pe[i] - i)
                j = c->fn == SL_WF_LAG ? i - off : i + off;
            if (j >= 0)
                sl_vec_push_from(res, arg, j);
            else if (def)
                sl_vec_push_from(res, def, i);
            else
                sl_vec_push_null(res);
        }
        return 0;
    case SL_WF_FIRST_VALUE:
    case SL_WF_LAST_VALUE:
    case SL_WF_NTH_VALUE:
        for (int64_t i = 0; i < n; i++) {
            int64_t fs, fe, j = -1;
            frame_of(&c->frame, r, i, &fs, &fe);
            if (c->fn == SL_WF_FIRST_VALUE && fs < fe)
                j = fs;
            else if (c->fn == SL_WF_LAST_VALUE && fs < fe)
                j = fe - 1;
            else if (c->fn == SL_WF_NTH_VALUE && c->param <= fe - fs)
                j = fs + c->param - 1;
            if (j >= 0)
                sl_vec_push_from(res, arg, j);
            else
                sl_vec_push_null(res);
        }
        return 0;
    default:
        break;
    }
    /* Frame aggregates. */
    agg_out o;
    o.i64 = sl_xmalloc(sizeof *o.i64 * (size_t)(n + 1));
    o.f64 = sl_xmalloc(sizeof *o.f64 * (size_t)(n + 1));
    o.row = sl_xmalloc(sizeof *o.row * (size_t)(n + 1));
    o.null = sl_xmalloc(sizeof *o.null * (size_t)(n + 1));
    rc = frame_agg(c, r, arg, n, &o, err);
    for (int64_t i = 0; !rc && i < n; i++) {
        if (c->fn == SL_WF_MIN || c->fn == SL_WF_MAX) {
            if (o.row[i] >= 0)
                sl_vec_push_from(res, arg, o.row[i]);
            else
                sl_vec_push_null(res);
        } else if (o.null[i]) {
            sl_vec_push_null(res);
        } else if (c->type == SL_T_DOUBLE) {
            sl_vec_push_f64(res, o.f64[i]);
        } else {
            sl_vec_push_i64(res, o.i64[i]);
        }
    }
    sl_free(o.i64);
    sl_free(o.f64);
    sl_free(o.row);
    sl_free(o.null);
    return rc;
}

/* Computes the calls over b (complete partitions; taken over) and emits the rows with their
 * results, in batches of at most SL_BATCH_ROWS rows. */
static int emit_chunk(sl_exec *x, sl_pop *op, sl_batch *b, sl_err *err)
{
    win_state *st = op->state;
    int nc = op->u.window.n_calls, n_in = b->n_cols;
    ranges r;
    ranges_build(st, b, &r);
    sl_vec **cols = sl_xcalloc((size_t)(n_in + nc) + 1, sizeof *cols);
    int rc = 0;
    for (int i = 0; i < nc && !rc; i++)
        rc = compute(&op->u.window.calls[i], b, &r, &cols[n_in + i], err);
    ranges_free(&r);
    if (rc) {
        for (int i = 0; i < nc; i++)
            sl_vec_free(&cols[n_in + i]);
        sl_free(cols);
        sl_batch_free(&b);
        return rc;
    }
    for (int i = 0; i < n_in; i++) {
        cols[i] = b->cols[i];
        b->cols[i] = NULL;
    }
    int64_t n = b->n_rows;
    sl_batch_free(&b);
    sl_batch *out = sl_batch_from_cols(n_in + nc, cols, n);
    sl_free(cols);
    if (n <= SL_BATCH_ROWS)
        return sl_exec_emit(x, op, out, err);
    for (int64_t at = 0; at < n && !rc; at += SL_BATCH_ROWS)
        rc = sl_exec_emit(x, op, slice(out, at, at + SL_BATCH_ROWS < n ? at + SL_BATCH_ROWS : n),
                          err);
    sl_batch_free(&out);
    return rc;
}

/* Emits rows [0, upto) of the buffer (complete partitions); the rest stays buffered. */
static int flush(sl_exec *x, sl_pop *op, int64_t upto, sl_err *err)
{
    win_state *st = op->state;
    sl_batch *cur = st->cur, *head = cur, *tail = NULL;
    int64_t n = cur->n_rows;
    if (upto < n) {
        head = slice(cur, 0, upto);
        tail = slice(cur, upto, n);
        sl_batch_free(&cur);
    }
    st->cur = tail;
    st->scanned = tail ? tail->n_rows : 0;
    st->last_start = 0;
    int64_t keep = tail ? sl_batch_bytes(tail) : 0;
    if (st->res > keep) {
        sl_budget_release(&st->ctx->budget, st->res - keep);
        st->res = keep;
    }
    return emit_chunk(x, op, head, err);
}

static int window_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    win_state *st = op->state;
    if (err->code) {
        sl_batch_free(&b);
        return err->code;
    }
    if (!st->cur) {
        st->cur = sl_batch_compact(b);
    } else {
        sl_batch_append(st->cur, b);
    }
    sl_batch_free(&b);
    sl_batch *cur = st->cur;
    for (int64_t i = st->scanned > 0 ? st->scanned : 1; i < cur->n_rows; i++)
        if (sl_row_cmp(&st->part, cur, i - 1, cur, i) != 0)
            st->last_start = i;
    st->scanned = cur->n_rows;
    /* Account for the buffer; a partition bigger than the grant stays in memory anyway. */
    int64_t bytes = sl_batch_bytes(cur);
    if (bytes > st->res &&
        sl_budget_reserve_upto(&st->ctx->budget, bytes - st->res, op->grant))
        st->res = bytes;
    if (st->last_start > 0)
        return flush(x, op, st->last_start, err);
    return 0;
}

static int window_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    win_state *st = op->state;
    if (!err->code && st->cur && st->cur->n_rows > 0)
        flush(x, op, st->cur->n_rows, err);
    sl_batch_free(&st->cur);
    return sl_exec_finish_parent(x, op, err);
}

static void window_close(sl_exec *x, sl_pop *op)
{
    win_state *st = op->state;
    if (!st)
        return;
    sl_batch_free(&st->cur);
    sl_budget_release(&st->ctx->budget, st->res);
    sl_free(st);
    op->state = NULL;
}

const sl_op_impl sl_op_window = {
    .open = window_open,
    .push = window_push,
    .finish = window_finish,
    .close = window_close,
};
