/*
 * TOPN (streaming, holds rows until its input ends): keeps the k first rows of every
 * partition in window order, for a row_number() whose rows are then filtered to rn <= k
 * (plan/plan_window.c). It runs on each rank before the exchange by partition keys, so that
 * exchange ships at most k rows per partition per rank instead of all of them; the window
 * chain behind it (exchange, sort, window, the filter) is the usual one and numbers the
 * survivors.
 *
 * Exactness: the order is the window sort's own (op_sort.c: the partition and order keys,
 * then every column, batch/rowcmp.h tie_all), so distinct rows never tie and a row among the
 * k first of its partition over all ranks is among the k first of its rank's rows. Every row
 * numbered <= k by the old path survives, and so does every row before it; a row it drops
 * was numbered > k there. Rows equal on the partition keys (sl_row_cmp, as op_window.c splits
 * partitions) hash equal, so a partition is never split here; should two unequal hashes
 * still fall apart, the table only keeps more rows, never fewer.
 *
 * Memory: input batches are kept and referenced (compacted into one dense batch when they
 * hold more than twice the kept rows), plus a hash table of partitions -> k row references in
 * order. Reservations go up to the grant; when one fails, or when the table does not shrink
 * the input (after 1M rows it keeps more than half), the kept rows are emitted and the rest of
 * the input passes through untouched: the window chain behind computes the same answer from
 * any superset of the kept rows, so this is the spill path. Local.
 */
#include "exec/exec_int.h"

#include <string.h>

#include "batch/rowcmp.h"
#include "batch/wire.h"
#include "core/budget.h"
#include "core/mem.h"

/* Rows of one emitted batch. */
#define OUT_ROWS 65536
/* After this many input rows, a table keeping more than half of them passes the rest on. */
#define ADAPT_ROWS (1 << 20)

typedef struct topn_state {
    sl_ctx *ctx;
    sl_rowcmp part;        /* partition keys: equal = one partition */
    sl_rowcmp ord;         /* window order within a partition, ties by every column */
    int64_t k;
    sl_batch **bs;         /* kept input batches (refs point into them) */
    int nb, capb;
    int64_t held_rows;     /* physical rows of bs */
    int64_t n_groups, cap_groups;
    int64_t *refs;         /* group g: refs[g*k .. g*k+cnt[g]) in window order */
    int32_t *cnt;
    uint64_t *ghash;       /* group g's hash */
    int64_t *slots;        /* open addressing: group index or -1 */
    int64_t n_slots;       /* power of 2 */
    int64_t kept;          /* sum of cnt */
    int64_t rows_in;
    int64_t res;           /* bytes reserved */
    bool pass;             /* passing rows through (budget or no reduction) */
} topn_state;

static int topn_open(sl_exec *x, sl_pop *op, sl_err *err)
{
    (void)err;
    topn_state *st = sl_xcalloc(1, sizeof *st);
    st->ctx = x->ctx;
    st->part = (sl_rowcmp){ op->u.topn.n_part, op->u.topn.part, NULL, NULL, false };
    const sl_sort_spec *o = &op->u.topn.order;
    st->ord = (sl_rowcmp){ o->n_keys, o->cols, o->desc, o->nulls_first, true };
    st->k = op->u.topn.k;
    op->state = st;
    return 0;
}

static void free_table(topn_state *st)
{
    for (int i = 0; i < st->nb; i++)
        sl_batch_free(&st->bs[i]);
    sl_free(st->bs);
    sl_free(st->refs);
    sl_free(st->cnt);
    sl_free(st->ghash);
    sl_free(st->slots);
    st->bs = NULL;
    st->refs = NULL;
    st->cnt = NULL;
    st->ghash = NULL;
    st->slots = NULL;
    st->nb = st->capb = 0;
    st->held_rows = st->n_groups = st->cap_groups = st->n_slots = st->kept = 0;
}

/* A new dense batch with the kept rows refs[from..to) of the table. */
static sl_batch *take(topn_state *st, const int64_t *refs, int64_t n, int n_cols)
{
    const sl_batch *b0 = st->bs[SL_REF_BATCH(refs[0])];
    sl_type *types = sl_xcalloc((size_t)n_cols + 1, sizeof *types);
    for (int c = 0; c < n_cols; c++)
        types[c] = b0->cols[c]->type;
    sl_batch *out = sl_batch_new(n_cols, types, n);
    sl_free(types);
    sl_batch_gather(out, st->bs, refs, n);
    return out;
}

/* The kept row references of every group, in group order (new array of st->kept). */
static int64_t *all_refs(const topn_state *st)
{
    int64_t *all = sl_xmalloc(sizeof *all * (size_t)(st->kept ? st->kept : 1)), n = 0;
    for (int64_t g = 0; g < st->n_groups; g++)
        for (int32_t i = 0; i < st->cnt[g]; i++)
            all[n++] = st->refs[g * st->k + i];
    return all;
}

/* Copies the kept rows into one dense batch and drops the input batches. */
static void compact(topn_state *st, int n_cols)
{
    if (st->kept == 0)
        return;
    int64_t *all = all_refs(st);
    sl_batch *d = take(st, all, st->kept, n_cols);
    sl_free(all);
    for (int i = 0; i < st->nb; i++)
        sl_batch_free(&st->bs[i]);
    st->bs[0] = d;
    st->nb = 1;
    st->held_rows = d->n_rows;
    int64_t n = 0;
    for (int64_t g = 0; g < st->n_groups; g++)
        for (int32_t i = 0; i < st->cnt[g]; i++)
            st->refs[g * st->k + i] = SL_ROW_REF(0, n++);
}

/* Emits the kept rows (group order) and frees the table. */
static int flush(sl_exec *x, sl_pop *op, topn_state *st, sl_err *err)
{
    int rc = 0;
    if (st->kept > 0 && !err->code) {
        int64_t *all = all_refs(st);
        for (int64_t from = 0; from < st->kept && rc == 0; from += OUT_ROWS) {
            int64_t n = st->kept - from < OUT_ROWS ? st->kept - from : OUT_ROWS;
            rc = sl_exec_emit(x, op, take(st, all + from, n, op->n_cols), err);
        }
        sl_free(all);
    }
    free_table(st);
    sl_budget_release(&st->ctx->budget, st->res);
    st->res = 0;
    return rc ? rc : err->code;
}

static void grow_slots(topn_state *st)
{
    int64_t n = st->n_slots ? st->n_slots * 2 : 1024;
    sl_free(st->slots);
    st->slots = sl_xmalloc(sizeof *st->slots * (size_t)n);
    memset(st->slots, 0xff, sizeof *st->slots * (size_t)n);
    st->n_slots = n;
    for (int64_t g = 0; g < st->n_groups; g++) {
        int64_t s = (int64_t)(st->ghash[g] & (uint64_t)(n - 1));
        while (st->slots[s] >= 0)
            s = (s + 1) & (n - 1);
        st->slots[s] = g;
    }
}

/* The group of row r of batch b, created empty when new. */
static int64_t group_of(topn_state *st, const sl_batch *b, int64_t r, uint64_t h)
{
    if (2 * (st->n_groups + 1) > st->n_slots)
        grow_slots(st);
    int64_t mask = st->n_slots - 1, s = (int64_t)(h & (uint64_t)mask);
    for (;; s = (s + 1) & mask) {
        int64_t g = st->slots[s];
        if (g < 0)
            break;
        if (st->ghash[g] != h)
            continue;
        int64_t ref = st->refs[g * st->k];
        if (sl_row_cmp(&st->part, b, r, st->bs[SL_REF_BATCH(ref)], SL_REF_ROW(ref)) == 0)
            return g;
    }
    if (st->n_groups == st->cap_groups) {
        int64_t c = st->cap_groups ? st->cap_groups * 2 : 256;
        st->refs = sl_xrealloc(st->refs, sizeof *st->refs * (size_t)(c * st->k));
        st->cnt = sl_xrealloc(st->cnt, sizeof *st->cnt * (size_t)c);
        st->ghash = sl_xrealloc(st->ghash, sizeof *st->ghash * (size_t)c);
        st->cap_groups = c;
    }
    int64_t g = st->n_groups++;
    st->cnt[g] = 0;
    st->ghash[g] = h;
    st->slots[s] = g;
    return g;
}

/* Takes row r of b (index bi) into the table when it is among its partition's k first. */
static void offer(topn_state *st, const sl_batch *b, int bi, int64_t r)
{
    uint64_t h = sl_hash_row(b, st->part.cols, st->part.n_keys, r);
    /* a new group (cnt 0) gets this row as its first reference, its key row, below */
    int64_t g = group_of(st, b, r, h);
    int64_t *v = st->refs + g * st->k;
    int32_t c = st->cnt[g];
    int64_t p;
    if (c < st->k) {
        p = c;
        st->cnt[g] = c + 1;
        st->kept++;
    } else {
        int64_t w = v[st->k - 1];
        if (sl_row_cmp(&st->ord, b, r, st->bs[SL_REF_BATCH(w)], SL_REF_ROW(w)) >= 0)
            return;
        p = st->k - 1;
    }
    /* insertion: after every row that orders before or with it (stable) */
    while (p > 0 && sl_row_cmp(&st->ord, b, r, st->bs[SL_REF_BATCH(v[p - 1])],
                               SL_REF_ROW(v[p - 1])) < 0) {
        v[p] = v[p - 1];
        p--;
    }
    v[p] = SL_ROW_REF(bi, r);
}

static int64_t table_bytes(const topn_state *st)
{
    int64_t b = st->cap_groups * (st->k * 8 + 4 + 8) + st->n_slots * 8;
    for (int i = 0; i < st->nb; i++)
        b += sl_batch_bytes(st->bs[i]);
    return b;
}

static int topn_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    (void)child;
    topn_state *st = op->state;
    if (err->code) {
        sl_batch_free(&b);
        return err->code;
    }
    if (st->pass)
        return sl_exec_emit(x, op, b, err);
    if (st->nb == st->capb) {
        st->capb = st->capb ? st->capb * 2 : 16;
        st->bs = sl_xrealloc(st->bs, sizeof *st->bs * (size_t)st->capb);
    }
    int bi = st->nb++;
    st->bs[bi] = b;
    st->held_rows += b->n_rows;
    int64_t live = sl_batch_live(b);
    st->rows_in += live;
    /* the batch must be in bs before its rows are offered: a new group's key row is in it */
    for (int64_t i = 0; i < live; i++)
        offer(st, b, bi, sl_batch_row(b, i));
    if (st->held_rows > 2 * st->kept + OUT_ROWS)
        compact(st, op->n_cols);
    int64_t bytes = table_bytes(st);
    bool fits = bytes <= st->res ||
                sl_budget_reserve_upto(&st->ctx->budget, bytes - st->res, op->grant);
    if (fits && bytes > st->res)
        st->res = bytes;
    if (!fits || (st->rows_in >= ADAPT_ROWS && 2 * st->kept > st->rows_in)) {
        st->pass = true;
        return flush(x, op, st, err);
    }
    return 0;
}

static int topn_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    (void)child;
    topn_state *st = op->state;
    flush(x, op, st, err);
    return sl_exec_finish_parent(x, op, err);
}

static void topn_close(sl_exec *x, sl_pop *op)
{
    (void)x;
    topn_state *st = op->state;
    if (!st)
        return;
    free_table(st);
    sl_budget_release(&st->ctx->budget, st->res);
    sl_free(st);
    op->state = NULL;
}

const sl_op_impl sl_op_topn = {
    .open = topn_open,
    .push = topn_push,
    .finish = topn_finish,
    .close = topn_close,
};
