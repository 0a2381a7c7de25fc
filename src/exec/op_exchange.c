/*
 * EXCHANGE (breaker, collective): moves rows between ranks by a partitioner.
 *
 *   HASH         hash(keys) % P: equal keys meet on one rank
 *   RANGE        by sort keys: every rank samples its rows (a reservoir), the samples are
 *                all-gathered with their weights (rows seen / rows sampled) and every rank
 *                picks the same P-1 splitters at the weighted quantiles, so rank r gets the
 *                r-th slice of the global order. Rows compare by the keys, then by every
 *                column (batch/rowcmp.h), so distinct rows split the same way at any rank
 *                count; rows equal to a run of equal splitters are dealt round-robin over
 *                the ranks that run spans, so one value holding half the rows is spread over
 *                half the ranks instead of landing on one.
 *   BROADCAST    every row to every rank
 *   GATHER       every row to `root`; `ordered` delivers rank 0's rows first, then rank 1's,
 *                ... (one sender at a time), which keeps a range partitioning's global order
 *   ROUND_ROBIN  rows dealt evenly
 *
 * Rows pushed in wait in a row store (memory up to the grant, then the rank's spill file).
 * At finish the ranks agree on errors, then move the rows in chunks of budget / (8 P) bytes
 * per rank, at most 4 rounds' worth (each chunk in bounded rounds, mpi/exchange.h), so what a
 * rank receives per call stays about min(budget / 8, 4 rounds) whatever the data size;
 * received batches are pushed on at once.
 * The calls of one finish share their round buffers (mpi/exchange.h's sl_xpool), kept between
 * calls only while the grant has room for them and freed at the end of the finish.
 * The finish is the metrics stage named after the node ("exchange" or "gather").
 *
 * Skewed joins (issue #12, sl_exec_skew_on): the probe input of a shuffle join sketches its
 * key hashes while rows are pushed (exec/heavy_keys.h, NULL keys left out), and the scheduler
 * runs it before the build input. Its first finish agrees on the heavy keys (every rank's
 * summary all-gathered, the same selection on every rank) and holds the rows, keeping no more
 * of them in memory than its hold grant (the rest to disk: sl_rowstore_lower), so that the
 * build input's aggregations and the join's table have the budget; the build input
 * then sends its heavy-key rows to every rank and hashes the rest; the second finish keeps
 * the probe's heavy-key rows on their rank and hashes the rest. Each probe row still meets
 * every build row of its key exactly once, so INNER, LEFT, SEMI and ANTI stay exact (RIGHT /
 * FULL are never adaptive: a build row must be on one rank to be emitted once unmatched).
 * push is Local; finish is Collective over the run's communicator.
 */
#include "exec/exec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/rowcmp.h"
#include "batch/wire.h"
#include "core/budget.h"
#include "core/mem.h"
#include "exec/heavy_keys.h"
#include "mpi/agree.h"
#include "mpi/exchange.h"
#include "spill/rowstore.h"
#include "spill/spill.h"

#define CALL_ROUNDS 4 /* at most this many rounds' bytes sent per exchange call */

typedef struct xstate {
    sl_rowstore *send;
    int64_t rows_in;
    /* RANGE */
    sl_rowcmp cmp;
    sl_buf *sample;       /* reservoir: one serialized row per slot */
    int n_sample, cap_sample;
    int64_t seen;
    uint64_t rng;
    sl_batch *split;      /* the P-1 splitters, in order */
    /* RANGE ties and ROUND_ROBIN */
    uint64_t deal;
    int P;
    sl_part_kind part;    /* the partitioner in effect (a join's input may change it) */
    bool local;           /* a join's probe input after its build input was broadcast: the
                           * rows stay on this rank */
    /* skew (see the top) */
    sl_heavy *sketch;     /* probe input: summary of the key hashes pushed */
    bool skew, held;      /* probe input of a skew-handled join; its first finish is done */
    sl_pop *join;         /* the join whose heavy keys split this exchange's rows, or NULL */
    bool to_all;          /* heavy rows go to every rank (build), else stay here (probe) */
    uint64_t *h;          /* scratch: hashes of a batch's live rows */
    int64_t hcap;
    int64_t *heavy_here;  /* probe: rows of each heavy key kept on this rank */
    char **heavy_txt;     /* probe: each heavy key as text, once seen here */
    /* The exchange's round buffers kept from one call of a finish to the next, and the bytes
     * of them reserved from the grant (pool_keep). */
    sl_xpool pool;
    int64_t pool_charged;
} xstate;

/* After an exchange call: keeps its round buffers for the next call when the grant has room
 * for them (charged like the operator's other memory), else frees them. Local. */
static void pool_keep(sl_exec *x, sl_pop *op, xstate *st)
{
    sl_budget *b = &x->ctx->budget;
    int64_t held = sl_xpool_bytes(&st->pool);
    if (held > st->pool_charged &&
        !sl_budget_reserve_upto(b, held - st->pool_charged, op->grant)) {
        sl_xpool_free(&st->pool);
        held = 0;
    }
    if (held < st->pool_charged)
        sl_budget_release(b, st->pool_charged - held);
    st->pool_charged = held;
}

/* Frees the kept round buffers and gives their bytes back to the budget. Local. */
static void pool_drop(sl_exec *x, xstate *st)
{
    sl_xpool_free(&st->pool);
    sl_budget_release(&x->ctx->budget, st->pool_charged);
    st->pool_charged = 0;
}

static uint64_t next_rand(uint64_t *s)
{
    /* xorshift64*: a deterministic stream per rank; the sample need not be secret. */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(2685821657736338717);
}

/* Reservoir size per rank: about 64K samples over all ranks, at least 16 per rank. */
static int sample_cap(int P)
{
    int s = 65536 / P;
    return s < 16 ? 16 : s > 1024 ? 1024 : s;
}

bool sl_exec_skew_on(const sl_exec *x, const sl_pop *j)
{
    return j && j->kind == SL_POP_JOIN && j->u.join.adaptive && x->size > 1 &&
           x->settings->skew_threshold > 0 && j->n_children == 2 &&
           j->children[0]->kind == SL_POP_EXCHANGE &&
           j->children[0]->u.exchange.join_side == 1 &&
           j->children[1]->kind == SL_POP_EXCHANGE && j->children[1]->u.exchange.join_side == 2;
}

static int exchange_open(sl_exec *x, sl_pop *op, sl_err *err)
{
    xstate *st = sl_xcalloc(1, sizeof *st);
    st->send = sl_rowstore_new(x->ctx, op->grant);
    st->P = x->size;
    st->deal = (uint64_t)x->rank;
    st->part = op->u.exchange.part;
    if (op->u.exchange.join_side == 2 && sl_exec_skew_on(x, op->parent)) {
        st->skew = true;
        st->sketch = sl_heavy_new(sl_heavy_k_for(x->settings->skew_threshold));
    }
    if (op->u.exchange.part == SL_PART_RANGE) {
        const sl_sort_spec *o = &op->u.exchange.order;
        st->cmp = (sl_rowcmp){ o->n_keys, o->cols, o->desc, o->nulls_first, true };
        st->cap_sample = sample_cap(x->size);
        st->sample = sl_xcalloc((size_t)st->cap_sample, sizeof *st->sample);
        st->rng = UINT64_C(0x9E3779B97F4A7C15) ^ ((uint64_t)x->rank + 1);
    }
    op->state = st;
    return 0;
}

/* Reservoir sampling of the live rows of b (RANGE). */
static void sample_rows(xstate *st, const sl_batch *b)
{
    int64_t live = sl_batch_live(b);
    for (int64_t k = 0; k < live; k++) {
        st->seen++;
        int64_t slot;
        if (st->n_sample < st->cap_sample) {
            slot = st->n_sample++;
        } else {
            slot = (int64_t)(next_rand(&st->rng) % (uint64_t)st->seen);
            if (slot >= st->cap_sample)
                continue;
        }
        uint32_t row = (uint32_t)sl_batch_row(b, k);
        sl_buf_reset(&st->sample[slot]);
        sl_wire_write_rows(b, &row, 1, &st->sample[slot]);
    }
}

/* Hashes the keys of b's live rows into st->h (the exchange's hash: sl_hash_batch).
 * Local. */
static void hash_rows(xstate *st, const sl_pop *op, const sl_batch *b)
{
    int64_t live = sl_batch_live(b);
    if (live > st->hcap) {
        st->hcap = live;
        st->h = sl_xrealloc(st->h, sizeof *st->h * (size_t)live);
    }
    sl_hash_batch(b, op->u.exchange.keys, op->u.exchange.n_keys, st->h);
}

/* Adds the key hashes of b's live rows without a NULL key (never heavy) to the summary.
 * Local. */
static void sketch_rows(xstate *st, const sl_pop *op, const sl_batch *b)
{
    hash_rows(st, op, b);
    int64_t live = sl_batch_live(b);
    for (int64_t k = 0; k < live; k++) {
        int64_t r = sl_batch_row(b, k);
        bool null = false;
        for (int c = 0; c < op->u.exchange.n_keys && !null; c++)
            null = !sl_vec_valid(b->cols[op->u.exchange.keys[c]], r);
        if (!null)
            sl_heavy_add(st->sketch, st->h[k]);
    }
}

static int exchange_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    xstate *st = op->state;
    if (err->code) {
        sl_batch_free(&b);
        return err->code;
    }
    st->rows_in += sl_batch_live(b);
    if (op->u.exchange.part == SL_PART_RANGE && st->P > 1)
        sample_rows(st, b);
    if (st->sketch)
        sketch_rows(st, op, b);
    return sl_rowstore_append(st->send, b, err);
}

/* ---- RANGE: splitters ---- */

typedef struct weighted { int64_t row; double w; } weighted;

static const sl_rowcmp *g_cmp;   /* qsort has no context argument */
static const sl_batch *g_all;

static int cmp_weighted(const void *a, const void *b)
{
    return sl_row_cmp(g_cmp, g_all, ((const weighted *)a)->row, g_all,
                      ((const weighted *)b)->row);
}

/* All-gathers every rank's sample and weight; every rank picks the same splitters. */
static int make_splitters(sl_exec *x, sl_pop *op, xstate *st, sl_err *err)
{
    int P = x->size;
    sl_buf mine;
    sl_buf_init(&mine);
    for (int i = 0; i < st->n_sample; i++)
        sl_buf_append(&mine, st->sample[i].data, st->sample[i].len);
    /* Each rank's sample stands for seen / n_sample rows. */
    double info[2] = { (double)st->seen, (double)st->n_sample }, *all_info;
    all_info = sl_xmalloc(sizeof *all_info * 2 * (size_t)P);
    MPI_Allgather(info, 2, MPI_DOUBLE, all_info, 2, MPI_DOUBLE, x->comm);
    int len = (int)mine.len, *lens = sl_xmalloc(sizeof *lens * (size_t)P),
        *displs = sl_xmalloc(sizeof *displs * (size_t)P);
    MPI_Allgather(&len, 1, MPI_INT, lens, 1, MPI_INT, x->comm);
    int64_t total = 0;
    for (int r = 0; r < P; r++) {
        displs[r] = (int)total;
        total += lens[r];
    }
    char *buf = sl_xmalloc((size_t)total + 1);
    MPI_Allgatherv(mine.data ? mine.data : buf, len, MPI_BYTE, buf, lens, displs, MPI_BYTE,
                   x->comm);
    sl_buf_free(&mine);

    sl_batch *all = sl_batch_new(op->n_cols, op->types, 1024);
    weighted *wv = NULL;
    int64_t n = 0, cap = 0;
    for (int r = 0; r < P && !err->code; r++) {
        const char *p = buf + displs[r];
        int64_t left = lens[r];
        double w = all_info[2 * r + 1] > 0 ? all_info[2 * r] / all_info[2 * r + 1] : 0;
        while (left > 0) {
            sl_batch *one;
            int64_t used;
            if (sl_wire_read(p, left, &one, &used, err))
                break;
            sl_batch_append(all, one);
            sl_batch_free(&one);
            SL_GROW(wv, cap, n + 1);
            wv[n] = (weighted){ n, w };
            n++;
            p += used;
            left -= used;
        }
    }
    sl_free(buf);
    sl_free(lens);
    sl_free(displs);
    sl_free(all_info);
    if (err->code) {
        sl_batch_free(&all);
        sl_free(wv);
        return err->code;
    }
    g_cmp = &st->cmp;
    g_all = all;
    /* qsort is not stable, but distinct rows never compare equal (tie_all) and equal rows
     * are interchangeable: every rank gets the same splitter values. */
    if (n > 1)
        qsort(wv, (size_t)n, sizeof *wv, cmp_weighted);
    double W = 0;
    for (int64_t i = 0; i < n; i++)
        W += wv[i].w;
    st->split = sl_batch_new(op->n_cols, op->types, P);
    double acc = 0;
    int64_t i = 0;
    for (int s = 1; s < P && n > 0; s++) {
        double target = W * s / P;
        while (i < n - 1 && acc + wv[i].w < target)
            acc += wv[i++].w;
        for (int c = 0; c < op->n_cols; c++)
            sl_vec_push_from(st->split->cols[c], all->cols[c], wv[i].row);
        st->split->n_rows++;
    }
    sl_batch_free(&all);
    sl_free(wv);
    return 0;
}

/* Number of splitters before row r of b: strictly smaller (lo) or not greater (hi). */
static int64_t bound(const xstate *st, const sl_batch *b, int64_t r, bool upper)
{
    int64_t lo = 0, hi = st->split->n_rows;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        int c = sl_row_cmp(&st->cmp, st->split, mid, b, r);
        if (c < 0 || (upper && c == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void route_range(void *ctx, const sl_batch *b, uint32_t *dest)
{
    xstate *st = ctx;
    int64_t live = sl_batch_live(b);
    for (int64_t k = 0; k < live; k++) {
        int64_t r = sl_batch_row(b, k);
        int64_t lo = bound(st, b, r, false);
        int64_t d = lo;
        if (lo < st->split->n_rows && sl_row_cmp(&st->cmp, st->split, lo, b, r) == 0) {
            /* Equal to splitters lo..hi-1: any of ranks lo..hi keeps the order. */
            int64_t hi = bound(st, b, r, true);
            d = lo + (int64_t)(st->deal++ % (uint64_t)(hi - lo + 1));
        }
        dest[k] = (uint32_t)d;
    }
}

static void route_round_robin(void *ctx, const sl_batch *b, uint32_t *dest)
{
    xstate *st = ctx;
    int64_t live = sl_batch_live(b);
    for (int64_t k = 0; k < live; k++)
        dest[k] = (uint32_t)(st->deal++ % (uint64_t)st->P);
}

/* ---- moving the rows ---- */

/* Reads up to `chunk` bytes of the send store into part; sets *done at its end. */
static int next_chunk(xstate *st, int64_t chunk, sl_batchlist *part, bool *done, sl_err *err)
{
    int64_t bytes = 0;
    while (!err->code && !*done && bytes < chunk) {
        sl_batch *b = NULL;
        if (sl_rowstore_next(st->send, &b, err))
            break;
        if (!b) {
            *done = true;
            break;
        }
        bytes += sl_batch_bytes(b);
        sl_batchlist_push(part, b);
    }
    return err->code;
}

/* Returns row r's key of b as new text ("k" or "(k1, k2)"; strings quoted; free with
 * sl_free), for the report. Local. */
static char *key_text(const sl_pop *op, const sl_batch *b, int64_t r)
{
    sl_buf t;
    sl_buf_init(&t);
    int n = op->u.exchange.n_keys;
    if (n > 1)
        sl_buf_puts(&t, "(");
    for (int c = 0; c < n; c++) {
        sl_value v;
        sl_vec_get_value(b->cols[op->u.exchange.keys[c]], r, &v);
        if (c)
            sl_buf_puts(&t, ", ");
        bool str = b->cols[op->u.exchange.keys[c]]->type == SL_T_VARCHAR &&
                   sl_vec_valid(b->cols[op->u.exchange.keys[c]], r);
        if (str)
            sl_buf_puts(&t, "'");
        sl_format_value(&t, &v);
        if (str)
            sl_buf_puts(&t, "'");
    }
    if (n > 1)
        sl_buf_puts(&t, ")");
    return sl_buf_take(&t);
}

/* Moves the rows of part's batches whose key is heavy into new batches in heavy (in order);
 * the rest stay in part. The probe side counts its heavy rows per key and names each key.
 * Local. */
static void split_heavy(xstate *st, const sl_pop *op, sl_batchlist *part, sl_batchlist *heavy)
{
    const sl_pop *j = st->join;
    for (int i = 0; i < part->n; i++) {
        sl_batch *b = part->b[i];
        int64_t live = sl_batch_live(b), n_h = 0, n_r = 0;
        hash_rows(st, op, b);
        uint32_t *hs = sl_xmalloc(sizeof *hs * (size_t)(live + 1));
        uint32_t *rs = sl_xmalloc(sizeof *rs * (size_t)(live + 1));
        for (int64_t k = 0; k < live; k++) {
            uint32_t r = (uint32_t)sl_batch_row(b, k);
            if (!sl_heavy_has(j->u.join.heavy, j->u.join.n_heavy, st->h[k])) {
                rs[n_r++] = r;
                continue;
            }
            hs[n_h++] = r;
            if (st->to_all)
                continue;
            /* Which heavy key (binary search again: rows of heavy keys are the few). */
            int lo = 0, hi = j->u.join.n_heavy - 1;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (j->u.join.heavy[mid] < st->h[k])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            st->heavy_here[lo]++;
            if (!st->heavy_txt[lo])
                st->heavy_txt[lo] = key_text(op, b, r);
        }
        if (n_h == 0) {
            sl_free(hs);
            sl_free(rs);
            continue;
        }
        sl_batch_set_sel(b, hs, n_h);
        sl_batchlist_push(heavy, sl_batch_compact(b));
        sl_batch_set_sel(b, rs, n_r);
    }
}

/* Counts what an exchange call sent and pushes its received batches on; returns rc. */
static int emit_received(sl_exec *x, sl_pop *op, const sl_xstats *xs, sl_batchlist *recv,
                         int rc, sl_err *err)
{
    op->stats.bytes_out += xs->bytes_sent;
    for (int i = 0; i < recv->n; i++) {
        sl_exec_emit(x, op, recv->b[i], err);
        recv->b[i] = NULL;
    }
    sl_batchlist_free(recv);
    return rc;
}

/* One collective exchange call of part, received batches pushed on. */
static int move_part(sl_exec *x, sl_pop *op, xstate *st, sl_batchlist *part, int64_t cap,
                     sl_err *err)
{
    sl_batchlist recv;
    sl_batchlist_init(&recv);
    sl_xstats xs = {0};
    int rc;
    /* Only these calls use the pool: nothing collective runs while the batches go on. */
    x->ctx->xchg_pool = &st->pool;
    if (st->join) {
        /* Skew: heavy-key rows aside; every rank makes the same two calls (the second an
         * empty broadcast when it has none) unless the first failed everywhere. */
        sl_batchlist heavy;
        sl_batchlist_init(&heavy);
        split_heavy(st, op, part, &heavy);
        rc = sl_exchange_hash(x->ctx, x->comm, part, op->u.exchange.keys, op->u.exchange.n_keys,
                              cap, &recv, &xs, err);
        if (!rc && st->to_all)
            rc = sl_exchange_broadcast(x->ctx, x->comm, &heavy, cap, &recv, &xs, err);
        else if (!rc)
            for (int i = 0; i < heavy.n; i++) {
                /* Kept rows count as sent to and received from this rank (the stage's rows
                 * in and out, as rows hashed to their own rank do); no bytes moved. */
                x->ctx->ctr.xchg_rows_sent += sl_batch_live(heavy.b[i]);
                x->ctx->ctr.xchg_rows_recv += sl_batch_live(heavy.b[i]);
                sl_batchlist_push(&recv, heavy.b[i]);
                heavy.b[i] = NULL;
            }
        sl_batchlist_free(&heavy);
        x->ctx->xchg_pool = NULL;
        pool_keep(x, op, st);
        return emit_received(x, op, &xs, &recv, rc, err);
    }
    switch (st->part) {
    case SL_PART_HASH:
        rc = sl_exchange_hash(x->ctx, x->comm, part, op->u.exchange.keys, op->u.exchange.n_keys, cap,
                              &recv, &xs, err);
        break;
    case SL_PART_RANGE:
        rc = sl_exchange_route(x->ctx, x->comm, part, route_range, st, cap, &recv, &xs, err);
        break;
    case SL_PART_ROUND_ROBIN:
        rc = sl_exchange_route(x->ctx, x->comm, part, route_round_robin, st, cap, &recv, &xs, err);
        break;
    case SL_PART_BROADCAST:
        rc = sl_exchange_broadcast(x->ctx, x->comm, part, cap, &recv, &xs, err);
        break;
    default:
        rc = sl_exchange_gather(x->ctx, x->comm, op->u.exchange.root, part, cap, &recv, &xs, err);
        break;
    }
    x->ctx->xchg_pool = NULL;
    pool_keep(x, op, st);
    return emit_received(x, op, &xs, &recv, rc, err);
}

/* Chunked exchange of the whole send store: every rank sends at once. */
static int move_all(sl_exec *x, sl_pop *op, xstate *st, int64_t chunk, int64_t cap,
                    sl_err *err)
{
    bool done = false;
    for (;;) {
        sl_batchlist part;
        sl_batchlist_init(&part);
        next_chunk(st, chunk, &part, &done, err);
        if (move_part(x, op, st, &part, cap, err))
            return err->code;
        /* A local failure keeps the loop going one more call, which shares it with all. */
        int more = (!done || err->code) ? 1 : 0, any = 0;
        MPI_Allreduce(&more, &any, 1, MPI_INT, MPI_MAX, x->comm);
        if (!any)
            return err->code;
    }
}

/* Ordered gather: rank 0's rows, then rank 1's, ...; ranks without rows are skipped. */
static int move_ordered(sl_exec *x, sl_pop *op, xstate *st, int64_t chunk, int64_t cap,
                        sl_err *err)
{
    int P = x->size;
    int64_t mine = sl_rowstore_rows(st->send);
    int64_t *rows = sl_xmalloc(sizeof *rows * (size_t)P);
    MPI_Allgather(&mine, 1, MPI_INT64_T, rows, 1, MPI_INT64_T, x->comm);
    for (int s = 0; s < P; s++) {
        if (rows[s] == 0)
            continue;
        bool done = x->rank != s;
        for (;;) {
            sl_batchlist part;
            sl_batchlist_init(&part);
            if (x->rank == s)
                next_chunk(st, chunk, &part, &done, err);
            if (move_part(x, op, st, &part, cap, err)) {
                sl_free(rows);
                return err->code;
            }
            int more = (!done || err->code) ? 1 : 0, any = 0;
            MPI_Allreduce(&more, &any, 1, MPI_INT, MPI_MAX, x->comm);
            if (!any)
                break;
        }
        if (err->code)
            break;
    }
    sl_free(rows);
    return err->code;
}

/* ---- joins: broadcast or hash, decided from the build input's size (issue #12) ---- */

/*
 * The inputs of a join that may broadcast its build side (plan/plan_join.c) are two HASH
 * exchanges under the join. The build input finishes first: with total = its bytes over all
 * ranks (already agreed by the caller), it broadcasts instead when total is at most
 * broadcast_threshold, and records the choice on the join node. The probe input, which
 * finishes later, then keeps its rows where they are. Every rank sees the same total, so all
 * take the same path. Local (the caller's Allreduce is the agreement).
 */
static void join_adapt(sl_exec *x, sl_pop *op, xstate *st, int64_t total)
{
    sl_pop *j = op->parent;
    if (!j || j->kind != SL_POP_JOIN || !j->u.join.adaptive)
        return;
    if (op->u.exchange.join_side == 1) {
        j->u.join.decided = true;
        j->u.join.build_bytes = total;
        j->u.join.threshold = x->settings->broadcast_threshold;
        j->u.join.broadcast = total <= x->settings->broadcast_threshold;
        if (j->u.join.broadcast)
            st->part = SL_PART_BROADCAST;
    } else if (op->u.exchange.join_side == 2 && j->u.join.decided && j->u.join.broadcast) {
        st->local = true;
    }
}

/* The probe input's first finish: all-gathers every rank's summary, picks the heavy keys
 * (the same on every rank) and records them on the join. Collective over the run's comm. */
static void agree_heavy(sl_exec *x, sl_pop *op, xstate *st)
{
    sl_pop *j = op->parent;
    int P = x->size, k = sl_heavy_k_for(x->settings->skew_threshold);
    long long rows = st->rows_in, total = 0;
    MPI_Allreduce(&rows, &total, 1, MPI_LONG_LONG, MPI_SUM, x->comm);
    uint64_t *hh = sl_xmalloc(sizeof *hh * (size_t)k);
    int64_t *cc = sl_xmalloc(sizeof *cc * (size_t)k);
    int n = sl_heavy_items(st->sketch, hh, cc);
    uint64_t *mine = sl_xmalloc(sizeof *mine * (size_t)(2 * n + 1));
    for (int i = 0; i < n; i++) {
        mine[2 * i] = hh[i];
        mine[2 * i + 1] = (uint64_t)cc[i];
    }
    int len = 2 * n, *lens = sl_xmalloc(sizeof *lens * (size_t)P),
        *displs = sl_xmalloc(sizeof *displs * (size_t)P);
    MPI_Allgather(&len, 1, MPI_INT, lens, 1, MPI_INT, x->comm);
    int all = 0;
    for (int r = 0; r < P; r++) {
        displs[r] = all;
        all += lens[r];
    }
    uint64_t *pairs = sl_xmalloc(sizeof *pairs * (size_t)(all + 1));
    MPI_Allgatherv(mine, len, MPI_UINT64_T, pairs, lens, displs, MPI_UINT64_T, x->comm);
    int m = all / 2;
    uint64_t *ph = sl_xmalloc(sizeof *ph * (size_t)(m + 1));
    int64_t *pc = sl_xmalloc(sizeof *pc * (size_t)(m + 1));
    for (int i = 0; i < m; i++) {
        ph[i] = pairs[2 * i];
        pc[i] = (int64_t)pairs[2 * i + 1];
    }
    sl_free(j->u.join.heavy);
    j->u.join.heavy = sl_xmalloc(sizeof *j->u.join.heavy * (size_t)(m + 1));
    j->u.join.n_heavy = sl_heavy_select(ph, pc, m, total, x->settings->skew_threshold,
                                        j->u.join.heavy, NULL);
    j->u.join.skew_decided = true;
    j->u.join.skew_threshold = x->settings->skew_threshold;
    j->u.join.probe_rows = total;
    sl_free(ph);
    sl_free(pc);
    sl_free(pairs);
    sl_free(lens);
    sl_free(displs);
    sl_free(mine);
    sl_free(hh);
    sl_free(cc);
    sl_heavy_free(&st->sketch);
}

#define KEY_TEXT 64

/* After the probe rows moved: rank 0 learns each heavy key's rows (summed) and its text (from
 * the first rank that saw it) for EXPLAIN ANALYZE and the report. Collective over comm. */
static void report_heavy(sl_exec *x, sl_pop *op, xstate *st)
{
    sl_pop *j = op->parent;
    int n = j->u.join.n_heavy, P = x->size;
    int64_t *sum = sl_xcalloc((size_t)n + 1, sizeof *sum);
    MPI_Reduce(st->heavy_here, sum, n, MPI_INT64_T, MPI_SUM, 0, x->comm);
    char *mine = sl_xcalloc((size_t)n * KEY_TEXT + 1, 1);
    for (int i = 0; i < n; i++)
        if (st->heavy_txt[i])
            snprintf(mine + (size_t)i * KEY_TEXT, KEY_TEXT, "%s", st->heavy_txt[i]);
    char *all = x->rank == 0 ? sl_xcalloc((size_t)n * KEY_TEXT * (size_t)P + 1, 1) : NULL;
    MPI_Gather(mine, n * KEY_TEXT, MPI_CHAR, all, n * KEY_TEXT, MPI_CHAR, 0, x->comm);
    if (x->rank == 0) {
        sl_buf t;
        sl_buf_init(&t);
        for (int i = 0; i < n; i++) {
            const char *name = "?";
            for (int r = 0; r < P; r++) {
                const char *s = all + ((size_t)r * n + i) * KEY_TEXT;
                if (*s) {
                    name = s;
                    break;
                }
            }
            if (i == 8) {
                sl_buf_printf(&t, ", ... (%d more)", n - 8);
                break;
            }
            sl_buf_printf(&t, "%s%s (%lld rows)", i ? ", " : "", name, (long long)sum[i]);
        }
        sl_free(j->u.join.heavy_text);
        j->u.join.heavy_text = sl_buf_take(&t);
        sl_free(j->u.join.heavy_rows);
        j->u.join.heavy_rows = sum;
        sum = NULL;
    }
    sl_free(sum);
    sl_free(mine);
    sl_free(all);
}

/* Sets st->join when this exchange splits heavy-key rows off (see the top): the build or
 * probe input of a join that hash-partitions both sides and found heavy keys. Local (the
 * inputs of the decision are the same on every rank). */
static void skew_route(sl_pop *op, xstate *st)
{
    sl_pop *j = op->parent;
    if (!j || j->kind != SL_POP_JOIN || !j->u.join.skew_decided || j->u.join.n_heavy == 0 ||
        j->u.join.broadcast || st->part != SL_PART_HASH || st->local)
        return;
    st->join = j;
    st->to_all = op->u.exchange.join_side == 1;
    if (!st->to_all) {
        st->heavy_here = sl_xcalloc((size_t)j->u.join.n_heavy, sizeof *st->heavy_here);
        st->heavy_txt = sl_xcalloc((size_t)j->u.join.n_heavy, sizeof *st->heavy_txt);
    }
}

/* Pushes the stored rows on, on this rank. */
static int move_local(sl_exec *x, sl_pop *op, xstate *st, sl_err *err)
{
    while (!err->code) {
        sl_batch *b = NULL;
        if (sl_rowstore_next(st->send, &b, err) || !b)
            break;
        sl_exec_emit(x, op, b, err);
    }
    return err->code;
}

static int exchange_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    xstate *st = op->state;
    int P = x->size;
    if (st->skew && !st->held) {
        /* The probe input of a skew-handled join, first call (pipeline.c): agree on the heavy
         * keys and hold the rows until the build input has moved. */
        st->held = true;
        if (!sl_agree(x->comm, err))
            agree_heavy(x, op, st);
        /* ... and give way to the build input's operators meanwhile (plan/grants.c). */
        if (!err->code)
            sl_rowstore_lower(st->send, op->u.exchange.hold_grant, err);
        return err->code;
    }
    /* An error anywhere before the exchange stops every rank here, together. */
    if (sl_agree(x->comm, err))
        return sl_exec_finish_parent(x, op, err);
    sl_exec_stage_begin(x, op, op->name);
    int64_t limit = sl_budget_limit(&x->ctx->budget);
    int64_t chunk = limit / (8 * (int64_t)P);
    if (chunk < 64 * 1024)
        chunk = 64 * 1024;
    int64_t cap = x->settings->exchange_round_bytes < limit / 8 ?
                  x->settings->exchange_round_bytes : limit / 8;
    if (cap < 256)
        cap = 256;
    /* A call holds every batch it receives until its last round: more than a few rounds per
     * call only makes the receive side fresh memory (page faults) without saving anything. */
    if (chunk > CALL_ROUNDS * cap)
        chunk = CALL_ROUNDS * cap;
    /* Stop before a shuffle whose receive side cannot fit in memory plus the free disk:
     * expect an even share of everything sent (hash or range), or all of it (gather,
     * broadcast), beyond half the budget. */
    long long in = sl_rowstore_mem_bytes(st->send) + sl_rowstore_disk_bytes(st->send), total = 0;
    MPI_Allreduce(&in, &total, 1, MPI_LONG_LONG, MPI_SUM, x->comm);
    join_adapt(x, op, st, total);
    /* Rows that stay on this rank (the probe input of a broadcast join, or a run of one rank,
     * where every partition is this one) go on as they are, not through the wire format. */
    if (st->local || P == 1) {
        move_local(x, op, st, err);
        sl_exec_stage_end(x, true);
        return sl_exec_finish_parent(x, op, err);
    }
    sl_part_kind part = st->part;
    int64_t expect = part == SL_PART_HASH || part == SL_PART_RANGE ||
                     part == SL_PART_ROUND_ROBIN ? total / P : total;
    int64_t room = limit / 2 - sl_budget_reserved(&x->ctx->budget);
    if (!err->code && expect > room && (part != SL_PART_GATHER || x->rank == op->u.exchange.root))
        sl_spill_check_space(x->ctx, expect - (room > 0 ? room : 0), "exchange input", err);

    if (part == SL_PART_RANGE)
        make_splitters(x, op, st, err);
    skew_route(op, st);
    if (part == SL_PART_GATHER && op->u.exchange.ordered)
        move_ordered(x, op, st, chunk, cap, err);
    else
        move_all(x, op, st, chunk, cap, err);
    pool_drop(x, st);
    if (st->join && !st->to_all)
        report_heavy(x, op, st);
    sl_exec_stage_end(x, true);
    return sl_exec_finish_parent(x, op, err);
}

static void exchange_close(sl_exec *x, sl_pop *op)
{
    xstate *st = op->state;
    if (!st)
        return;
    pool_drop(x, st);
    sl_rowstore_free(&st->send);
    for (int i = 0; i < st->cap_sample; i++)
        sl_buf_free(&st->sample[i]);
    sl_free(st->sample);
    sl_batch_free(&st->split);
    sl_heavy_free(&st->sketch);
    sl_free(st->h);
    sl_free(st->heavy_here);
    if (st->heavy_txt && st->join)
        for (int i = 0; i < st->join->u.join.n_heavy; i++)
            sl_free(st->heavy_txt[i]);
    sl_free(st->heavy_txt);
    sl_free(st);
}

const sl_op_impl sl_op_exchange = {
    .open = exchange_open,
    .push = exchange_push,
    .finish = exchange_finish,
    .close = exchange_close,
};
