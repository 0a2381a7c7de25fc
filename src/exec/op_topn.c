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
 * hold more than COMPACT_RATIO times the kept rows, or twice under memory pressure), plus a
 * hash table of partitions -> k row references in order, each beside its first order key
 * when that is an integer or DOUBLE. One integer partition key is held in the hash slots
 * themselves, and a full group keeps its last row's first order key, so most rows of a big
 * input are rejected, and most insertions placed, without reading a kept row. Reservations
 * go up to the grant; when one fails, or when the table does not shrink the input (after 1M
 * rows it keeps more than half), the kept rows are emitted and the rest of the input passes
 * through untouched: the window chain behind computes the same answer from any superset of
 * the kept rows, so this is the spill path. Local.
 */
#include "exec/exec_int.h"

#include <string.h>

#include "batch/rowcmp.h"
#include "batch/wire.h"
#include "core/budget.h"
#include "core/mem.h"

/* Rows of one emitted batch. */
#define OUT_ROWS 65536
/* The kept input batches are compacted when they hold more than this many times the kept
 * rows (plus OUT_ROWS), or more than twice when the budget refuses their bytes. Each
 * compaction copies every kept row, so over an input of n rows the copies total about
 * n / (ratio - 1) rows: at 2 they were a fifth of db-benchmark q8's CPU (1e5 partitions,
 * k = 2: a compaction every ~0.27 M rows). */
#define COMPACT_RATIO 8
/* After this many input rows, a table keeping more than half of them passes the rest on. */
#define ADAPT_ROWS (1 << 20)

/* A hash slot: the group's hash (or, for one integer key, the key) and its index. */
typedef struct topn_slot {
    uint64_t h;
    int64_t g;
} topn_slot;

/* A group: its kept rows' count and, when full, the first order key of its last kept row
 * (a row ordering strictly after it on that key is rejected without reading the row). */
typedef struct topn_group {
    int64_t worst;         /* the key's bits (int64 or double) */
    int32_t cnt;
    bool worst_null;
} topn_group;

/* The first order key of a kept row (fast_ord), beside its reference: the insertion's
 * compares read it instead of the kept row (a cache miss each in a table of 1e5 groups). */
typedef struct topn_key {
    int64_t bits;          /* int64 or double bits */
    int64_t null;          /* 1: NULL */
} topn_key;

typedef struct topn_state {
    sl_ctx *ctx;
    sl_rowcmp part;        /* partition keys: equal = one partition */
    sl_rowcmp ord;         /* window order within a partition, ties by every column */
    int64_t k;
    sl_batchlist kept_in;  /* kept input batches (refs point into them) */
    int64_t held_rows;     /* physical rows of bs */
    int64_t n_groups, cap_groups;
    int64_t *refs;         /* group g: refs[g*k .. g*k+grp[g].cnt) in window order */
    topn_key *keys;        /* fast_ord: keys[i] is refs[i]'s first order key */
    topn_group *grp;
    topn_slot *slots;      /* open addressing (g -1 = empty) */
    int64_t n_slots;       /* power of 2 */
    bool int_part;         /* one integer partition key: slots hold the key itself */
    int64_t null_group;    /* int_part: the group of the NULL key, or -1 */
    int fast_ord;          /* 0, or the first order key's kind: 1 integer, 2 DOUBLE */
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
    st->null_group = -1;
    const sl_type *in = op->children[0]->types;
    st->int_part = op->u.topn.n_part == 1 && sl_type_is_int(in[op->u.topn.part[0]]);
    if (o->n_keys > 0 && sl_type_is_int(in[o->cols[0]]))
        st->fast_ord = 1;
    else if (o->n_keys > 0 && in[o->cols[0]] == SL_T_DOUBLE)
        st->fast_ord = 2;
    op->state = st;
    return 0;
}

static void free_table(topn_state *st)
{
    sl_batchlist_free(&st->kept_in);
    sl_free(st->refs);
    sl_free(st->keys);
    sl_free(st->grp);
    sl_free(st->slots);
    st->refs = NULL;
    st->keys = NULL;
    st->grp = NULL;
    st->slots = NULL;
    st->null_group = -1;
    st->held_rows = st->n_groups = st->cap_groups = st->n_slots = st->kept = 0;
}

/* A new dense batch with the kept rows refs[from..to) of the table. */
static sl_batch *take(topn_state *st, const int64_t *refs, int64_t n, int n_cols)
{
    const sl_batch *b0 = st->kept_in.b[SL_REF_BATCH(refs[0])];
    sl_type *types = sl_xcalloc((size_t)n_cols + 1, sizeof *types);
    for (int c = 0; c < n_cols; c++)
        types[c] = b0->cols[c]->type;
    sl_batch *out = sl_batch_new(n_cols, types, n);
    sl_free(types);
    sl_batch_gather(out, st->kept_in.b, refs, n);
    return out;
}

/* The kept row references of every group, in group order (new array of st->kept). */
static int64_t *all_refs(const topn_state *st)
{
    int64_t *all = sl_xmalloc(sizeof *all * (size_t)(st->kept ? st->kept : 1)), n = 0;
    for (int64_t g = 0; g < st->n_groups; g++)
        for (int32_t i = 0; i < st->grp[g].cnt; i++)
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
    sl_batchlist_free(&st->kept_in);
    sl_batchlist_push(&st->kept_in, d);
    st->held_rows = d->n_rows;
    int64_t n = 0;
    for (int64_t g = 0; g < st->n_groups; g++)
        for (int32_t i = 0; i < st->grp[g].cnt; i++)
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

/* Where hash h starts probing. */
static inline int64_t home(const topn_state *st, uint64_t h)
{
    if (st->int_part) { /* the key itself: mix it (splitmix64's finalizer) */
        h = (h ^ (h >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        h = (h ^ (h >> 27)) * UINT64_C(0x94d049bb133111eb);
        h ^= h >> 31;
    }
    return (int64_t)(h & (uint64_t)(st->n_slots - 1));
}

static void grow_slots(topn_state *st)
{
    topn_slot *old = st->slots;
    int64_t n_old = st->n_slots;
    st->n_slots = n_old ? n_old * 2 : 1024;
    st->slots = sl_xmalloc(sizeof *st->slots * (size_t)st->n_slots);
    for (int64_t s = 0; s < st->n_slots; s++)
        st->slots[s].g = -1;
    int64_t mask = st->n_slots - 1;
    for (int64_t s = 0; s < n_old; s++) {
        if (old[s].g < 0)
            continue;
        int64_t t = home(st, old[s].h);
        while (st->slots[t].g >= 0)
            t = (t + 1) & mask;
        st->slots[t] = old[s];
    }
    sl_free(old);
}

static int64_t new_group(topn_state *st)
{
    if (st->n_groups == st->cap_groups) {
        int64_t c = st->cap_groups ? st->cap_groups * 2 : 256;
        st->refs = sl_xrealloc(st->refs, sizeof *st->refs * (size_t)(c * st->k));
        if (st->fast_ord)
            st->keys = sl_xrealloc(st->keys, sizeof *st->keys * (size_t)(c * st->k));
        st->grp = sl_xrealloc(st->grp, sizeof *st->grp * (size_t)c);
        st->cap_groups = c;
    }
    int64_t g = st->n_groups++;
    st->grp[g] = (topn_group){ 0, 0, false };
    return g;
}

/* The group of row r of b, created empty when new. Rows equal by sl_row_cmp on the
 * partition keys (an integer key: equal values, or both NULL) share one. */
static int64_t group_of(topn_state *st, const sl_batch *b, int64_t r)
{
    uint64_t h;
    if (st->int_part) {
        const sl_vec *v = b->cols[st->part.cols[0]];
        if (!sl_vec_valid(v, r)) {
            if (st->null_group < 0)
                st->null_group = new_group(st);
            return st->null_group;
        }
        h = (uint64_t)v->d.i64[r];
    } else {
        h = sl_hash_row(b, st->part.cols, st->part.n_keys, r);
    }
    if (2 * (st->n_groups + 1) > st->n_slots)
        grow_slots(st);
    int64_t mask = st->n_slots - 1, s = home(st, h);
    for (;; s = (s + 1) & mask) {
        const topn_slot *sl = &st->slots[s];
        if (sl->g < 0)
            break;
        if (sl->h != h)
            continue;
        if (st->int_part)
            return sl->g;
        int64_t ref = st->refs[sl->g * st->k];
        if (sl_row_cmp(&st->part, b, r, st->kept_in.b[SL_REF_BATCH(ref)], SL_REF_ROW(ref)) == 0)
            return sl->g;
    }
    int64_t g = new_group(st);
    st->slots[s] = (topn_slot){ h, g };
    return g;
}

/* The group of row r's integer partition key, or -1 when it has none yet (or is NULL):
 * group_of's probe without inserting, for prefetching. */
static inline int64_t find_int_group(const topn_state *st, const sl_vec *kv, int64_t r)
{
    if (!sl_vec_valid(kv, r))
        return -1;
    uint64_t h = (uint64_t)kv->d.i64[r];
    int64_t mask = st->n_slots - 1;
    for (int64_t s = home(st, h);; s = (s + 1) & mask) {
        if (st->slots[s].g < 0)
            return -1;
        if (st->slots[s].h == h)
            return st->slots[s].g;
    }
}

/* Row r of b's first order key (fast_ord). */
static inline topn_key key_of(const topn_state *st, const sl_batch *b, int64_t r)
{
    const sl_vec *v = b->cols[st->ord.cols[0]];
    topn_key x = { 0, !sl_vec_valid(v, r) };
    if (!x.null)
        memcpy(&x.bits, &v->d.i64[r], sizeof x.bits); /* DOUBLE's bits alike */
    return x;
}

/* <0, 0, >0 as row r of b orders before, with, after a row whose first order key is
 * (wbits, wnull), on that key alone (as batch/rowcmp.c's cmp_col: NULLs placed absolutely,
 * NaN above every number). */
static int key_cmp(const topn_state *st, const sl_batch *b, int64_t r, int64_t wbits,
                   bool wnull)
{
    const sl_vec *v = b->cols[st->ord.cols[0]];
    bool ok = sl_vec_valid(v, r), okw = !wnull;
    if (!ok || !okw) {
        if (ok == okw)
            return 0;
        int nul = st->ord.nulls_first[0] ? -1 : 1;
        return !ok ? nul : -nul;
    }
    int c;
    if (st->fast_ord == 1) {
        int64_t a = v->d.i64[r], w = wbits;
        c = (a > w) - (a < w);
    } else {
        double a = v->d.f64[r], w;
        memcpy(&w, &wbits, sizeof w);
        bool an = a != a, wn = w != w;
        c = an || wn ? (int)an - (int)wn : (a > w) - (a < w);
    }
    return st->ord.desc[0] ? -c : c;
}

/* Row r of b against kept row ref whose first order key is *kk: sl_row_cmp's sign, read
 * from the first keys alone where they differ. */
static inline int kept_cmp(const topn_state *st, const sl_batch *b, int64_t r, int64_t ref,
                           const topn_key *kk)
{
    int c = kk ? key_cmp(st, b, r, kk->bits, kk->null != 0) : 0;
    if (c)
        return c;
    return sl_row_cmp(&st->ord, b, r, st->kept_in.b[SL_REF_BATCH(ref)], SL_REF_ROW(ref));
}

/* Takes row r of b (index bi) into the table when it is among its partition's k first. */
static void offer(topn_state *st, const sl_batch *b, int bi, int64_t r)
{
    /* a new group (cnt 0) gets this row as its first reference, its key row, below */
    int64_t g = group_of(st, b, r);
    topn_group *gr = &st->grp[g];
    int64_t *v = st->refs + g * st->k;
    topn_key *kk = st->fast_ord ? st->keys + g * st->k : NULL;
    int32_t c = gr->cnt;
    int64_t p;
    if (c < st->k) {
        p = c;
        gr->cnt = c + 1;
        st->kept++;
    } else {
        /* the worst kept row's first key, held in the group itself (no kept row read) */
        int fc = kk ? key_cmp(st, b, r, gr->worst, gr->worst_null) : 0;
        if (fc > 0)
            return;
        int64_t w = v[st->k - 1];
        if (fc == 0 &&
            sl_row_cmp(&st->ord, b, r, st->kept_in.b[SL_REF_BATCH(w)], SL_REF_ROW(w)) >= 0)
            return;
        p = st->k - 1;
    }
    /* insertion: after every row that orders before or with it (stable) */
    while (p > 0 && kept_cmp(st, b, r, v[p - 1], kk ? &kk[p - 1] : NULL) < 0) {
        v[p] = v[p - 1];
        if (kk)
            kk[p] = kk[p - 1];
        p--;
    }
    v[p] = SL_ROW_REF(bi, r);
    if (kk) {
        kk[p] = key_of(st, b, r);
        if (gr->cnt == st->k) {
            gr->worst = kk[st->k - 1].bits;
            gr->worst_null = kk[st->k - 1].null != 0;
        }
    }
}

static int64_t table_bytes(const topn_state *st)
{
    int64_t per_ref = 8 + (st->fast_ord ? (int64_t)sizeof(topn_key) : 0);
    int64_t b = st->cap_groups * (st->k * per_ref + (int64_t)sizeof(topn_group)) +
                st->n_slots * (int64_t)sizeof(topn_slot);
    for (int i = 0; i < st->kept_in.n; i++)
        b += sl_batch_bytes(st->kept_in.b[i]);
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
    int bi = st->kept_in.n;
    sl_batchlist_push(&st->kept_in, b);
    st->held_rows += b->n_rows;
    int64_t live = sl_batch_live(b);
    st->rows_in += live;
    /* the batch must be in bs before its rows are offered: a new group's key row is in it */
    for (int64_t i = 0; i < live; i++) {
        if (st->int_part && st->n_slots) {
            /* The table outgrows the caches at 1e5 partitions: the slot of a row 16 ahead,
             * then, its slot loaded by now, the group and its references of a row 8 ahead
             * (the group's count and worst key decide most rows; waiting for them was 3/4
             * of this loop). */
            const sl_vec *kv = b->cols[st->part.cols[0]];
            if (i + 16 < live) {
                uint64_t h = (uint64_t)kv->d.i64[sl_batch_row(b, i + 16)];
                __builtin_prefetch(&st->slots[home(st, h)]);
            }
            if (i + 8 < live) {
                int64_t g = find_int_group(st, kv, sl_batch_row(b, i + 8));
                if (g >= 0) {
                    __builtin_prefetch(&st->grp[g]);
                    __builtin_prefetch(&st->refs[g * st->k]);
                    if (st->keys)
                        __builtin_prefetch(&st->keys[g * st->k]);
                }
            }
        }
        offer(st, b, bi, sl_batch_row(b, i));
    }
    if (st->held_rows > COMPACT_RATIO * st->kept + OUT_ROWS)
        compact(st, op->n_cols);
    int64_t bytes = table_bytes(st);
    bool fits = bytes <= st->res ||
                sl_budget_reserve_upto(&st->ctx->budget, bytes - st->res, op->grant);
    if (!fits && st->held_rows > 2 * st->kept + OUT_ROWS) {
        compact(st, op->n_cols); /* the dense copy holds less: try that first */
        bytes = table_bytes(st);
        fits = bytes <= st->res ||
               sl_budget_reserve_upto(&st->ctx->budget, bytes - st->res, op->grant);
    }
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
