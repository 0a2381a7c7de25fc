/*
 * Heavy groups of mode and entropy, finished by value counts across ranks (issue #11).
 *
 * exec/agg_heavy.c keeps a heavy group's values on the ranks that read them (a row store per
 * group). mode and entropy need every distinct value's count, which this file finds without
 * bringing the values together, on every rank in the same order:
 *
 *   1. each rank counts its part's values in a hash table (value bits as 64-bit order keys,
 *      -0.0 as 0.0), only those of the current pass: a pass takes the values whose key hash
 *      falls in its share (pass k of K), so one pass's table stays under `cap` entries;
 *   2. the (value, count) pairs are hash-exchanged by value (mpi/exchange.c, bounded rounds),
 *      so each distinct value's counts meet on one rank, which adds them up;
 *   3. each rank takes its best pair (the highest count, ties: the smallest value, the
 *      owner's rule: its scan over the sorted values keeps the first longest run) and its
 *      part of entropy's sum (fixed point, func/agg_vals.h: exact, so the order does not
 *      matter), and an allgather gives every rank the same answer.
 *
 * The pass count starts at 1 and doubles (all passes redone) when a rank's table outgrows
 * cap or the pairs sent (over all ranks) outgrow cap per rank; the decision reads only
 * allreduced figures, so every rank runs the same collectives. cap follows the operator's
 * grant. Only pairs move: at most one per distinct value per rank and pass.
 * Collective over x->comm unless a comment says Local.
 */
#include "exec/agg_heavy.h"

#include <string.h>

#include "core/budget.h"
#include "core/mem.h"
#include "func/agg_vals.h"
#include "func/aggregate.h"
#include "mpi/exchange.h"

#define MAX_PASSES 4096

/* Open addressing over order keys; cnt 0 marks an empty slot. Local. */
typedef struct {
    uint64_t *key;
    int64_t *cnt;
    int64_t n, mask;
} ctable;

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void ct_init(ctable *t, int64_t slots)
{
    t->key = sl_xcalloc((size_t)slots, sizeof *t->key);
    t->cnt = sl_xcalloc((size_t)slots, sizeof *t->cnt);
    t->n = 0;
    t->mask = slots - 1;
}

static void ct_free(ctable *t)
{
    sl_free(t->key);
    sl_free(t->cnt);
    memset(t, 0, sizeof *t);
}

static void ct_add(ctable *t, uint64_t k, int64_t c);

static void ct_grow(ctable *t)
{
    ctable o = *t;
    ct_init(t, (o.mask + 1) * 2);
    for (int64_t i = 0; i <= o.mask; i++)
        if (o.cnt[i])
            ct_add(t, o.key[i], o.cnt[i]);
    ct_free(&o);
}

static void ct_add(ctable *t, uint64_t k, int64_t c)
{
    if (2 * (t->n + 1) > t->mask + 1)
        ct_grow(t);
    int64_t i = (int64_t)(mix64(k) & (uint64_t)t->mask);
    while (t->cnt[i] && t->key[i] != k)
        i = (i + 1) & t->mask;
    if (!t->cnt[i]) {
        t->key[i] = k;
        t->n++;
    }
    t->cnt[i] += c;
}

/* Order key of stored value bits v (the argument's type); -0.0 counts as 0.0. Local. */
static uint64_t count_key(uint64_t v, bool dbl)
{
    if (!dbl)
        return v ^ (UINT64_C(1) << 63);
    if (v == (UINT64_C(1) << 63))
        v = 0;
    return v >> 63 ? ~v : v | (UINT64_C(1) << 63);
}

static uint64_t value_of_key(uint64_t k, bool dbl)
{
    if (!dbl)
        return k ^ (UINT64_C(1) << 63);
    return k >> 63 ? k & ~(UINT64_C(1) << 63) : ~k;
}

/* The pass (of K) that value key k belongs to: hash bits the exchange's routing does not
 * use in the same way (another mixer). Local. */
static int64_t pass_of(uint64_t k, int64_t K)
{
    return (int64_t)((mix64(k ^ UINT64_C(0x9e3779b97f4a7c15)) >> 20) % (uint64_t)K);
}

/* Counts pass `pass` of K of column s of store into t; stops early (returns true) when t
 * outgrows cap. Local. */
static bool count_local(sl_rowstore *store, int s, bool dbl, int64_t pass, int64_t K,
                        int64_t cap, ctable *t, sl_err *err)
{
    bool over = false;
    sl_rowstore_cursor c;
    sl_rowstore_cursor_init(&c);
    while (!err->code && !over) {
        sl_batch *b = NULL;
        if (sl_rowstore_scan_next(store, &c, &b, err) || !b)
            break;
        const sl_vec *v = b->cols[s];
        for (int64_t kk = 0; kk < sl_batch_live(b) && !over; kk++) {
            int64_t i = sl_batch_row(b, kk), len = 0;
            if (!sl_vec_valid(v, i))
                continue;
            const char *p = sl_vec_str(v, i, &len);
            if (len % 8)
                continue; /* not values (a finished marker never reaches a partial store) */
            for (int64_t j = 0; j + 8 <= len; j += 8) {
                uint64_t bits;
                memcpy(&bits, p + j, 8);
                uint64_t k = count_key(bits, dbl);
                if (K > 1 && pass_of(k, K) != pass)
                    continue;
                ct_add(t, k, 1);
            }
            over = t->n > cap;
        }
        sl_batch_free(&b);
    }
    sl_rowstore_cursor_free(&c);
    return over;
}

/* t's pairs as batches of (key BIGINT, count BIGINT) into l. Local. */
static void pairs_of(const ctable *t, sl_batchlist *l)
{
    static const sl_type types[2] = {SL_T_BIGINT, SL_T_BIGINT};
    sl_batch *b = NULL;
    for (int64_t i = 0; i <= t->mask; i++) {
        if (!t->cnt[i])
            continue;
        if (!b)
            b = sl_batch_new(2, types, 4096);
        sl_vec_push_i64(b->cols[0], (int64_t)t->key[i]);
        sl_vec_push_i64(b->cols[1], t->cnt[i]);
        if (++b->n_rows == 4096) {
            sl_batchlist_push(l, b);
            b = NULL;
        }
    }
    if (b)
        sl_batchlist_push(l, b);
}

void sl_agg_heavy_counts(sl_exec *x, int64_t grant, sl_rowstore *store, int s,
                         const sl_agg *a, int64_t n, uint64_t *res, bool *has, sl_err *err)
{
    bool dbl = a->arg_type == SL_T_DOUBLE, ent = sl_agg_vals_is_entropy(a);
    /* about 40 bytes a pair between the tables and the batches in flight */
    int64_t cap = grant / 80 > 4096 ? grant / 80 : 4096;
    int64_t limit = sl_budget_limit(&x->ctx->budget);
    int64_t round = x->settings->exchange_round_bytes < limit / 8 ?
                    x->settings->exchange_round_bytes : limit / 8;
    round = round < 4096 ? 4096 : round;
    static const int key_col[1] = {0};
    int64_t K = 1;
    int64_t best_cnt = 0;
    uint64_t best_key = 0;
    sl_agg_ent_sum sum = 0;
    bool failed = false;
    for (int64_t pass = 0; pass < K && !failed; pass++) {
        if (pass == 0) {
            best_cnt = 0;
            best_key = 0;
            sum = 0;
        }
        ctable t;
        ct_init(&t, 1024);
        bool over = count_local(store, s, dbl, pass, K, cap, &t, err);
        /* [grow?, an error?, pairs] over all ranks: the same decision everywhere */
        int64_t f[3] = {over, err->code != 0, t.n}, g[3];
        MPI_Allreduce(f, g, 2, MPI_INT64_T, MPI_MAX, x->comm);
        MPI_Allreduce(f + 2, g + 2, 1, MPI_INT64_T, MPI_SUM, x->comm);
        if (g[1]) {
            ct_free(&t);
            failed = true;
            break;
        }
        if ((g[0] || g[2] > cap * (int64_t)x->size) && K < MAX_PASSES) {
            ct_free(&t);
            K *= 2;
            pass = -1; /* all passes again with K (the loop's ++ makes it 0) */
            continue;
        }
        sl_batchlist send, recv;
        sl_batchlist_init(&send);
        sl_batchlist_init(&recv);
        pairs_of(&t, &send);
        ct_free(&t);
        sl_xstats xs = {0};
        if (sl_exchange_hash(x->ctx, x->comm, &send, key_col, 1, round, &recv, &xs, err)) {
            /* every rank returns non-zero together */
            sl_batchlist_free(&send);
            sl_batchlist_free(&recv);
            failed = true;
            break;
        }
        sl_batchlist_free(&send);
        ct_init(&t, 1024);
        for (int bi = 0; bi < recv.n; bi++) {
            const sl_batch *b = recv.b[bi];
            for (int64_t kk = 0; kk < sl_batch_live(b); kk++) {
                int64_t i = sl_batch_row(b, kk);
                ct_add(&t, (uint64_t)b->cols[0]->d.i64[i], b->cols[1]->d.i64[i]);
            }
        }
        sl_batchlist_free(&recv);
        for (int64_t i = 0; i <= t.mask; i++) {
            if (!t.cnt[i])
                continue;
            if (ent)
                sum += sl_agg_ent_term(t.cnt[i], n);
            else if (t.cnt[i] > best_cnt || (t.cnt[i] == best_cnt && t.key[i] < best_key)) {
                best_cnt = t.cnt[i];
                best_key = t.key[i];
            }
        }
        ct_free(&t);
    }
    /* every rank's best and sum part: (count, key, sum low, sum high) */
    uint64_t mine[4] = {(uint64_t)best_cnt, best_key, (uint64_t)sum, (uint64_t)(sum >> 64)};
    uint64_t *all = sl_xcalloc(4 * (size_t)x->size, sizeof *all);
    MPI_Allgather(mine, 4, MPI_UINT64_T, all, 4, MPI_UINT64_T, x->comm);
    best_cnt = 0;
    best_key = 0;
    sum = 0;
    for (int q = 0; q < x->size; q++) {
        const uint64_t *p = all + 4 * (size_t)q;
        int64_t c = (int64_t)p[0];
        if (c > best_cnt || (c == best_cnt && c > 0 && p[1] < best_key)) {
            best_cnt = c;
            best_key = p[1];
        }
        sum += ((sl_agg_ent_sum)p[3] << 64) | p[2];
    }
    sl_free(all);
    *has = !failed;
    if (ent) {
        double h = sl_agg_ent_value(sum);
        memcpy(res, &h, 8);
    } else {
        *has = *has && best_cnt > 0;
        *res = value_of_key(best_key, dbl);
    }
}
