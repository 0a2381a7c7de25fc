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
 * per rank (each chunk in bounded rounds, mpi/exchange.h), so what a rank receives per call
 * stays about budget / 8 whatever the data size; received batches are pushed on at once.
 * The finish is the metrics stage named after the node ("exchange" or "gather").
 * push is Local; finish is Collective over the run's communicator.
 */
#include "exec/exec_int.h"

#include <stdlib.h>
#include <string.h>

#include "batch/rowcmp.h"
#include "batch/wire.h"
#include "core/budget.h"
#include "core/mem.h"
#include "mpi/agree.h"
#include "mpi/exchange.h"
#include "spill/rowstore.h"
#include "spill/spill.h"

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
} xstate;

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

static int exchange_open(sl_exec *x, sl_pop *op, sl_err *err)
{
    xstate *st = sl_xcalloc(1, sizeof *st);
    st->send = sl_rowstore_new(x->ctx, op->grant);
    st->P = x->size;
    st->deal = (uint64_t)x->rank;
    st->part = op->u.exchange.part;
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

static int exchange_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    xstate *st = op->state;
    if (err->code) {
        sl_batch_free(&b);
        return err->code;
    }
    st->rows_in += sl_batch_live(b);
    if (op->u.exchange.part == SL_PART_RANGE)
        sample_rows(st, b);
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

/* One collective exchange call of part, received batches pushed on. */
static int move_part(sl_exec *x, sl_pop *op, xstate *st, sl_batchlist *part, int64_t cap,
                     sl_err *err)
{
    sl_batchlist recv;
    sl_batchlist_init(&recv);
    sl_xstats xs = {0};
    int rc;
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
    op->stats.bytes_out += xs.bytes_sent;
    for (int i = 0; i < recv.n; i++) {
        sl_exec_emit(x, op, recv.b[i], err);
        recv.b[i] = NULL;
    }
    sl_batchlist_free(&recv);
    return rc;
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
    /* Stop before a shuffle whose receive side cannot fit in memory plus the free disk:
     * expect an even share of everything sent (hash or range), or all of it (gather,
     * broadcast), beyond half the budget. */
    long long in = sl_rowstore_mem_bytes(st->send) + sl_rowstore_disk_bytes(st->send), total = 0;
    MPI_Allreduce(&in, &total, 1, MPI_LONG_LONG, MPI_SUM, x->comm);
    join_adapt(x, op, st, total);
    if (st->local) {
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
    if (part == SL_PART_GATHER && op->u.exchange.ordered)
        move_ordered(x, op, st, chunk, cap, err);
    else
        move_all(x, op, st, chunk, cap, err);
    sl_exec_stage_end(x, true);
    return sl_exec_finish_parent(x, op, err);
}

static void exchange_close(sl_exec *x, sl_pop *op)
{
    xstate *st = op->state;
    if (!st)
        return;
    sl_rowstore_free(&st->send);
    for (int i = 0; i < st->cap_sample; i++)
        sl_buf_free(&st->sample[i]);
    sl_free(st->sample);
    sl_batch_free(&st->split);
    sl_free(st);
}

const sl_op_impl sl_op_exchange = {
    .open = exchange_open,
    .push = exchange_push,
    .finish = exchange_finish,
    .close = exchange_close,
};
