/*
 * SORT (breaker): sorts the rows of this rank, external when they outgrow the grant, and
 * keeps rows [offset, offset+limit) (top-k when limit >= 0).
 *
 * Input batches are kept as they come (an in-memory run) while the budget grants their size
 * and what sorting them will take (a reference a row and sl_row_sort's entries: 68 bytes a
 * row, more than a narrow row itself; charged with the rows, so a run never outgrows its
 * grant while it is sorted); a run is sorted as references to its rows, so nothing is copied
 * before the output. When a
 * reservation fails the run is sorted and written to its own disk row store in small batches
 * (a sorted run), and a new run starts; with a limit the run is only sorted and cut to its
 * first offset+limit rows, which keeps memory O(k) without any disk. At the end an in-memory
 * run is emitted in order; with disk runs they are merged by a heap of cursors, in several
 * passes when there are more runs than the grant holds cursor batches for.
 *
 * Order: the keys, then every column (batch/rowcmp.h: tie_all), so the output order of
 * distinct rows is the same at any rank count and for any input order. Output keeps the
 * first n_keep columns (hidden ORDER BY keys are dropped here). The output phase is the
 * metrics stage "sort". Local.
 */
#include "exec/exec_int.h"

#include <string.h>

#include "batch/rowcmp.h"
#include "core/budget.h"
#include "core/mem.h"
#include "spill/rowstore.h"
#include "spill/spill.h"

/* Sorted runs are written in batches of about this many bytes, so a merge cursor (which
 * holds one batch of its run) costs little memory. */
#define RUN_BATCH_BYTES (256 * 1024)

typedef struct sort_state {
    sl_ctx *ctx;
    sl_rowcmp cmp;
    sl_batchlist run;      /* the in-memory run */
    int64_t run_rows;
    int64_t res;           /* bytes reserved for it */
    sl_rowstore **runs;    /* sorted runs on disk */
    int n_runs;
    int64_t cap_runs;
    int64_t keep;          /* offset + limit, or -1 */
} sort_state;

static int sort_open(sl_exec *x, sl_pop *op, sl_err *err)
{
    sort_state *st = sl_xcalloc(1, sizeof *st);
    st->ctx = x->ctx;
    const sl_sort_spec *o = &op->u.sort.order;
    st->cmp = (sl_rowcmp){ o->n_keys, o->cols, o->desc, o->nulls_first, true };
    st->keep = op->u.sort.limit >= 0 ? op->u.sort.offset + op->u.sort.limit : -1;
    if (st->keep < -1 || (op->u.sort.limit >= 0 && st->keep < op->u.sort.limit))
        st->keep = -1; /* offset + limit overflowed: no cut */
    op->state = st;
    return 0;
}

/* A new dense batch with the rows refs[from..to) of bs (rowcmp.h refs), columns
 * [0, n_cols). */
static sl_batch *take_rows(sl_batch *const *bs, const int64_t *refs, int64_t from, int64_t to,
                           int n_cols)
{
    const sl_batch *b0 = bs[SL_REF_BATCH(refs[from])];
    sl_type *types = sl_xcalloc((size_t)n_cols + 1, sizeof *types);
    for (int c = 0; c < n_cols; c++)
        types[c] = b0->cols[c]->type;
    sl_batch *out = sl_batch_new(n_cols, types, to - from);
    sl_free(types);
    sl_batch_gather(out, bs, refs + from, to - from);
    return out;
}

/* Bytes that sorting `rows` more rows takes beside the rows themselves: sort_run's
 * references and sl_row_sort's working memory. Reserved with the rows they belong to. */
static int64_t sort_bytes(int64_t rows)
{
    return rows * (int64_t)sizeof(int64_t) + sl_row_sort_bytes(rows);
}

/* Sorts the in-memory run; returns references to its live rows in order (new) in *refs. */
static int64_t sort_run(sort_state *st, int64_t **refs)
{
    int64_t n = 0;
    *refs = sl_xmalloc(sizeof **refs * (size_t)(st->run_rows ? st->run_rows : 1));
    for (int i = 0; i < st->run.n; i++) {
        const sl_batch *b = st->run.b[i];
        int64_t live = sl_batch_live(b);
        for (int64_t k = 0; k < live; k++)
            (*refs)[n++] = SL_ROW_REF(i, sl_batch_row(b, k));
    }
    sl_row_sort(&st->cmp, st->run.b, *refs, n);
    return n;
}

/* Rows per batch for runs written to disk (about RUN_BATCH_BYTES each). */
static int64_t run_batch_rows(const sort_state *st)
{
    int64_t bytes = 0;
    for (int i = 0; i < st->run.n; i++)
        bytes += sl_batch_bytes(st->run.b[i]);
    int64_t per_row = st->run_rows ? bytes / st->run_rows : 64;
    int64_t n = RUN_BATCH_BYTES / (per_row > 0 ? per_row : 1);
    return n < 64 ? 64 : n > SL_BATCH_ROWS ? SL_BATCH_ROWS : n;
}

static void drop_run(sort_state *st)
{
    sl_batchlist_free(&st->run);
    sl_batchlist_init(&st->run);
    st->run_rows = 0;
    sl_budget_release(&st->ctx->budget, st->res);
    st->res = 0;
}

/* Replaces the run by its first `keep` rows in order (top-k). */
static void cut_run(sort_state *st)
{
    int64_t *refs, n = sort_run(st, &refs);
    int64_t k = st->keep < n ? st->keep : n;
    sl_batch *cut = k > 0 ? take_rows(st->run.b, refs, 0, k, st->run.b[0]->n_cols) : NULL;
    sl_free(refs);
    drop_run(st);
    if (!cut)
        return;
    st->run_rows = cut->n_rows;
    int64_t add = sl_batch_bytes(cut) + sort_bytes(cut->n_rows);
    if (sl_budget_reserve_upto(&st->ctx->budget, add, INT64_MAX))
        st->res = add;
    sl_batchlist_push(&st->run, cut);
}

/* Writes the in-memory run to disk as a sorted run and drops it. */
static int spill_run(sort_state *st, sl_err *err)
{
    int64_t *refs, n = sort_run(st, &refs);
    sl_rowstore *rs = sl_rowstore_new(st->ctx, 0);
    int64_t step = run_batch_rows(st);
    for (int64_t i = 0; i < n && !err->code; i += step)
        sl_rowstore_append(rs, take_rows(st->run.b, refs, i, i + step < n ? i + step : n,
                                         st->run.b[0]->n_cols), err);
    sl_free(refs);
    drop_run(st);
    SL_GROW(st->runs, st->cap_runs, st->n_runs + 1);
    st->runs[st->n_runs++] = rs;
    return err->code;
}

static int sort_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    sort_state *st = op->state;
    if (err->code) {
        sl_batch_free(&b);
        return err->code;
    }
    /* Sparse batches would pin memory for rows the filter dropped. */
    if (b->sel && b->n_sel * 2 < b->n_rows) {
        sl_batch *c = sl_batch_compact(b);
        sl_batch_free(&b);
        b = c;
    }
    int64_t add = sl_batch_bytes(b) + sort_bytes(sl_batch_live(b));
    bool ok = sl_budget_reserve_upto(&st->ctx->budget, add, op->grant);
    if (!ok && st->run_rows > 0) {
        if (st->keep >= 0 && st->keep < st->run_rows)
            cut_run(st);
        else
            spill_run(st, err);
        ok = sl_budget_reserve_upto(&st->ctx->budget, add, op->grant);
    }
    if (!ok)
        add = 0; /* one batch over the grant proceeds unreserved */
    st->res += add;
    st->run_rows += sl_batch_live(b);
    sl_batchlist_push(&st->run, b);
    /* Top-k: never hold much more than k rows. */
    if (st->keep >= 0 && st->run_rows > 2 * st->keep + SL_BATCH_ROWS)
        cut_run(st);
    return err->code;
}

/* ---- output ---- */

typedef struct out_state {
    sl_exec *x;
    sl_pop *op;
    int64_t skip, left;    /* rows still to skip (offset) / to emit (-1 = all) */
} out_state;

/* Emits rows refs[from..to) of bs, after the offset and within the limit. */
static int emit_rows(out_state *o, sl_batch *const *bs, const int64_t *refs, int64_t from,
                     int64_t to, sl_err *err)
{
    if (o->skip > 0) {
        int64_t s = to - from < o->skip ? to - from : o->skip;
        from += s;
        o->skip -= s;
    }
    if (o->left >= 0 && to - from > o->left)
        to = from + o->left;
    for (int64_t i = from; i < to && !err->code; i += SL_BATCH_ROWS) {
        int64_t j = i + SL_BATCH_ROWS < to ? i + SL_BATCH_ROWS : to;
        sl_exec_emit(o->x, o->op, take_rows(bs, refs, i, j, o->op->u.sort.n_keep), err);
    }
    if (o->left >= 0)
        o->left -= to > from ? to - from : 0;
    return err->code;
}

typedef struct cursor {
    sl_rowstore *rs;
    sl_batch *b;
    int64_t pos;
} cursor;

static int cursor_advance(cursor *c, sl_err *err)
{
    if (c->b && ++c->pos < c->b->n_rows)
        return 0;
    sl_batch_free(&c->b);
    c->pos = 0;
    while (!err->code) {
        if (sl_rowstore_next(c->rs, &c->b, err) || !c->b)
            return err->code;
        if (c->b->n_rows > 0) {
            if (c->b->sel) {
                sl_batch *d = sl_batch_compact(c->b);
                sl_batch_free(&c->b);
                c->b = d;
            }
            return 0;
        }
        sl_batch_free(&c->b);
    }
    return err->code;
}

static bool cursor_less(const sort_state *st, const cursor *a, const cursor *b)
{
    return sl_row_cmp(&st->cmp, a->b, a->pos, b->b, b->pos) < 0;
}

static void sift_down(const sort_state *st, cursor **h, int n, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && cursor_less(st, h[l], h[m]))
            m = l;
        if (r < n && cursor_less(st, h[r], h[m]))
            m = r;
        if (m == i)
            return;
        cursor *t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/*
 * Merges runs[0..n) (consumed) in order: into a new disk run (*to != NULL), or out through o.
 */
static int merge_runs(sort_state *st, sl_rowstore **runs, int n, sl_rowstore **to,
                      out_state *o, sl_err *err)
{
    cursor *cs = sl_xcalloc((size_t)n + 1, sizeof *cs);
    cursor **heap = sl_xcalloc((size_t)n + 1, sizeof *heap);
    int hn = 0;
    for (int i = 0; i < n && !err->code; i++) {
        cs[i].rs = runs[i];
        if (!cursor_advance(&cs[i], err) && cs[i].b)
            heap[hn++] = &cs[i];
    }
    for (int i = hn / 2 - 1; i >= 0; i--)
        sift_down(st, heap, hn, i);
    sl_batch *out = NULL;
    int64_t step = SL_BATCH_ROWS;
    int64_t per_row = 0;
    while (hn > 0 && !err->code && !(o && o->left == 0)) {
        cursor *c = heap[0];
        if (!out) {
            sl_type *types = sl_xcalloc((size_t)c->b->n_cols + 1, sizeof *types);
            for (int k = 0; k < c->b->n_cols; k++)
                types[k] = c->b->cols[k]->type;
            out = sl_batch_new(c->b->n_cols, types, 1024);
            sl_free(types);
            if (!per_row)
                per_row = c->b->n_rows ? sl_batch_bytes(c->b) / c->b->n_rows : 64;
            step = RUN_BATCH_BYTES / (per_row > 0 ? per_row : 1);
            step = step < 64 ? 64 : step > SL_BATCH_ROWS ? SL_BATCH_ROWS : step;
        }
        for (int k = 0; k < out->n_cols; k++)
            sl_vec_push_from(out->cols[k], c->b->cols[k], c->pos);
        out->n_rows++;
        if (cursor_advance(c, err))
            break;
        if (!c->b)
            heap[0] = heap[--hn];
        sift_down(st, heap, hn, 0);
        if (out->n_rows >= (to ? step : SL_BATCH_ROWS) || hn == 0) {
            if (to) {
                sl_rowstore_append(*to, out, err);
            } else {
                int64_t *refs = sl_xmalloc(sizeof *refs * (size_t)out->n_rows);
                for (int64_t i = 0; i < out->n_rows; i++)
                    refs[i] = SL_ROW_REF(0, i);
                emit_rows(o, &out, refs, 0, out->n_rows, err);
                sl_free(refs);
                sl_batch_free(&out);
            }
            out = NULL;
        }
    }
    sl_batch_free(&out);
    for (int i = 0; i < n; i++) {
        sl_batch_free(&cs[i].b);
        sl_rowstore_free(&runs[i]);
    }
    sl_free(cs);
    sl_free(heap);
    return err->code;
}

static int sort_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    sort_state *st = op->state;
    sl_exec_stage_begin(x, op, "sort");
    out_state o = { x, op, op->u.sort.offset, op->u.sort.limit };
    if (!err->code && st->n_runs == 0 && st->run_rows > 0) {
        int64_t *refs, n = sort_run(st, &refs);
        emit_rows(&o, st->run.b, refs, 0, n, err);
        sl_free(refs);
    } else if (!err->code && st->n_runs > 0) {
        if (st->run_rows > 0)
            spill_run(st, err);
        /* Each cursor holds one batch of ~RUN_BATCH_BYTES, the output one more. */
        int64_t fan = op->grant / (2 * RUN_BATCH_BYTES);
        if (fan < 2)
            fan = 2;
        while (!err->code && st->n_runs > fan) {
            /* One pass: merge groups of `fan` runs into one run each. */
            int n_new = 0;
            for (int i = 0; i < st->n_runs && !err->code; i += (int)fan) {
                int m = st->n_runs - i < fan ? st->n_runs - i : (int)fan;
                sl_rowstore *merged = sl_rowstore_new(st->ctx, 0);
                merge_runs(st, st->runs + i, m, &merged, NULL, err);
                st->runs[n_new++] = merged;
            }
            st->n_runs = n_new;
        }
        if (!err->code)
            merge_runs(st, st->runs, st->n_runs, NULL, &o, err);
        st->n_runs = 0;
    }
    drop_run(st);
    sl_exec_stage_end(x, false);
    return sl_exec_finish_parent(x, op, err);
}

static void sort_close(sl_exec *x, sl_pop *op)
{
    sort_state *st = op->state;
    if (!st)
        return;
    drop_run(st);
    for (int i = 0; i < st->n_runs; i++)
        sl_rowstore_free(&st->runs[i]);
    sl_free(st->runs);
    sl_free(st);
}

const sl_op_impl sl_op_sort = {
    .open = sort_open,
    .push = sort_push,
    .finish = sort_finish,
    .close = sort_close,
};
