/*
 * Heavy groups of mode and entropy, finished by value counts across ranks (issue #11).
 *
 * exec/agg_heavy.c keeps a heavy group's values on the ranks that read them (a row store per
 * group). mode and entropy need every distinct value's count, which this file finds without
 * bringing the values together, on every rank in the same order:
 *
 *   1. each rank counts its part's values in a hash table keyed by bytes (a VARCHAR's bytes; a
 *      number's 64-bit order key, big-endian, -0.0 as 0.0: memcmp order is then the values'
 *      order), only those of the current pass: a pass takes the values whose key hash falls
 *      in its share (pass k of K), so one pass's table stays under `cap`;
 *   2. the (value, count) pairs are hash-exchanged by value (mpi/exchange.c, bounded rounds),
 *      so each distinct value's counts meet on one rank, which adds them up;
 *   3. each rank takes its best pair (the highest count, ties: the smallest value by memcmp,
 *      then length, the owner's rule: its scan over the sorted values keeps the first longest
 *      run) and its part of entropy's sum (fixed point, func/agg_vals.h: exact, so the order
 *      does not matter), and allgathers give every rank the same answer.
 *
 * The pass count starts at 1 and doubles (all passes redone) when a rank's table outgrows
 * cap (its values plus its key bytes / 32) or the pairs sent (over all ranks) outgrow cap per
 * rank; the decision reads only allreduced figures, so every rank runs the same collectives.
 * cap follows the operator's grant. Only pairs move: at most one per distinct value, rank
 * and pass.
 * Functions are Local unless their comment says Collective (over x->comm).
 */
#include "exec/agg_heavy.h"

#include <string.h>

#include "core/budget.h"
#include "core/mem.h"
#include "func/agg_vals.h"
#include "func/aggregate.h"
#include "mpi/exchange.h"

#define MAX_PASSES 4096

/* Open addressing over byte keys held in an arena; cnt 0 marks an empty slot. Local. */
typedef struct {
    uint64_t h;
    int64_t off, len, cnt;
} cslot;

typedef struct {
    cslot *s;
    int64_t n, mask;
    sl_buf arena;
} ctable;

/* splitmix64's finalizer. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* FNV-1a over the bytes, mixed. Local. */
static uint64_t key_hash(const char *p, int64_t len)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (int64_t j = 0; j < len; j++)
        h = (h ^ (unsigned char)p[j]) * UINT64_C(0x100000001b3);
    return mix64(h ^ (uint64_t)len);
}

/* An empty table of `slots` slots (a power of two). */
static void ct_init(ctable *t, int64_t slots)
{
    t->s = sl_xcalloc((size_t)slots, sizeof *t->s);
    t->n = 0;
    t->mask = slots - 1;
    sl_buf_init(&t->arena);
}

static void ct_free(ctable *t) /* and empties it */
{
    sl_free(t->s);
    sl_buf_free(&t->arena);
    memset(t, 0, sizeof *t);
}

/* The table's size for its cap: entries plus key bytes / 32. Local. */
static int64_t ct_size(const ctable *t) { return t->n + (int64_t)t->arena.len / 32; }

static const char *ct_key(const ctable *t, const cslot *e)
{
    return t->arena.data ? t->arena.data + e->off : ""; /* "": only empty keys so far */
}

/* Slot of key (p, len) with hash h: its own or the empty one where it goes. Local. */
static int64_t ct_find(const ctable *t, uint64_t h, const char *p, int64_t len)
{
    int64_t i = (int64_t)(h & (uint64_t)t->mask);
    while (t->s[i].cnt && !(t->s[i].h == h && t->s[i].len == len &&
                            memcmp(ct_key(t, &t->s[i]), p, (size_t)len) == 0))
        i = (i + 1) & t->mask;
    return i;
}

/* Adds c to the count of key (p, len) with hash h, inserting it (copied into the arena);
 * the slots double at half full. */
static void ct_add(ctable *t, uint64_t h, const char *p, int64_t len, int64_t c)
{
    if (2 * (t->n + 1) > t->mask + 1) {
        cslot *old = t->s;
        int64_t n = t->mask + 1;
        t->s = sl_xcalloc((size_t)n * 2, sizeof *t->s);
        t->mask = n * 2 - 1;
        for (int64_t i = 0; i < n; i++)
            if (old[i].cnt) {
                int64_t j = (int64_t)(old[i].h & (uint64_t)t->mask);
                while (t->s[j].cnt)
                    j = (j + 1) & t->mask;
                t->s[j] = old[i];
            }
        sl_free(old);
    }
    int64_t i = ct_find(t, h, p, len);
    if (!t->s[i].cnt) {
        t->s[i] = (cslot){h, (int64_t)t->arena.len, len, 0};
        sl_buf_append(&t->arena, p, len);
        t->n++;
    }
    t->s[i].cnt += c;
}

/* memcmp order, then the shorter first. Local. */
static int key_cmp(const char *a, int64_t la, const char *b, int64_t lb)
{
    int64_t m = la < lb ? la : lb;
    int c = m > 0 ? memcmp(a, b, (size_t)m) : 0;
    return c ? c : (la > lb) - (la < lb);
}

/* The key of stored number bits v (the argument's type): the order key, big-endian; -0.0
 * counts as 0.0. Local. */
static void num_key(uint64_t v, bool dbl, unsigned char k[8])
{
    uint64_t o;
    if (!dbl) {
        o = v ^ (UINT64_C(1) << 63);
    } else {
        if (v == (UINT64_C(1) << 63))
            v = 0;
        o = v >> 63 ? ~v : v | (UINT64_C(1) << 63);
    }
    for (int j = 0; j < 8; j++)
        k[j] = (unsigned char)(o >> (56 - 8 * j));
}

/* The number bits of a num_key key. */
static uint64_t num_of_key(const char *p, bool dbl)
{
    uint64_t k = 0;
    for (int j = 0; j < 8; j++)
        k = k << 8 | (unsigned char)p[j];
    if (!dbl)
        return k ^ (UINT64_C(1) << 63);
    return k >> 63 ? k & ~(UINT64_C(1) << 63) : ~k;
}

/* Whether a key with hash h belongs to pass `pass` of K. Local. */
static bool in_pass(uint64_t h, int64_t pass, int64_t K)
{
    return K == 1 || (int64_t)((mix64(h ^ UINT64_C(0x9e3779b97f4a7c15)) >> 20) %
                               (uint64_t)K) == pass;
}

/* Counts pass `pass` of K of column s of store into t; stops early (returns true) when t
 * outgrows cap. str: VARCHAR records, else 8-byte numbers. Local. */
static bool count_local(sl_rowstore *store, int s, bool str, bool dbl, int64_t pass,
                        int64_t K, int64_t cap, ctable *t, sl_err *err)
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
            if (str ? sl_agg_vals_str_count(p, len) <= 0 : len % 8 != 0)
                continue; /* not values (a finished marker never reaches a partial store) */
            for (int64_t j = 0; j < len;) {
                const char *kp;
                int64_t kl;
                unsigned char nk[8];
                if (str) {
                    uint32_t l;
                    memcpy(&l, p + j, 4);
                    kp = p + j + 4;
                    kl = l;
                    j += 4 + kl;
                } else {
                    uint64_t bits;
                    memcpy(&bits, p + j, 8);
                    num_key(bits, dbl, nk);
                    kp = (const char *)nk;
                    kl = 8;
                    j += 8;
                }
                uint64_t h = key_hash(kp, kl);
                if (in_pass(h, pass, K))
                    ct_add(t, h, kp, kl, 1);
            }
            over = ct_size(t) > cap;
        }
        sl_batch_free(&b);
    }
    sl_rowstore_cursor_free(&c);
    return over;
}

/* t's pairs as batches of (key VARCHAR, count BIGINT) into l. Local. */
static void pairs_of(const ctable *t, sl_batchlist *l)
{
    static const sl_type types[2] = {SL_T_VARCHAR, SL_T_BIGINT};
    sl_batch *b = NULL;
    for (int64_t i = 0; i <= t->mask; i++) {
        const cslot *e = &t->s[i];
        if (!e->cnt)
            continue;
        if (!b)
            b = sl_batch_new(2, types, 4096);
        sl_vec_push_str(b->cols[0], ct_key(t, e), e->len);
        sl_vec_push_i64(b->cols[1], e->cnt);
        if (++b->n_rows == 4096) {
            sl_batchlist_push(l, b);
            b = NULL;
        }
    }
    if (b)
        sl_batchlist_push(l, b);
}

/* See exec/agg_heavy.h. Every rank makes the same calls: the pass decisions read only
 * allreduced figures, and an error anywhere ends the passes on every rank. Collective. */
void sl_agg_heavy_counts(sl_exec *x, int64_t grant, sl_rowstore *store, int s,
                         const sl_agg *a, int64_t n, uint64_t *res, sl_buf *str_res,
                         bool *has, sl_err *err)
{
    bool str = sl_agg_vals_recs(a), dbl = a->arg_type == SL_T_DOUBLE;
    bool ent = sl_agg_vals_is_entropy(a);
    /* about 80 bytes a pair between the tables and the batches in flight */
    int64_t cap = grant / 80 > 4096 ? grant / 80 : 4096;
    int64_t limit = sl_budget_limit(&x->ctx->budget);
    int64_t round = x->settings->exchange_round_bytes < limit / 8 ?
                    x->settings->exchange_round_bytes : limit / 8;
    round = round < 4096 ? 4096 : round;
    static const int key_col[1] = {0};
    int64_t K = 1, best_cnt = 0;
    sl_buf best; /* the best key so far */
    sl_buf_init(&best);
    sl_agg_ent_sum sum = 0;
    bool failed = false;
    for (int64_t pass = 0; pass < K && !failed; pass++) {
        if (pass == 0) {
            best_cnt = 0;
            sum = 0;
        }
        ctable t;
        ct_init(&t, 1024);
        bool over = count_local(store, s, str, dbl, pass, K, cap, &t, err);
        /* [grow?, an error?, pairs] over all ranks: the same decision everywhere */
        int64_t f[3] = {over, err->code != 0, ct_size(&t)}, g[3];
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
        int rc = sl_exchange_hash(x->ctx, x->comm, &send, key_col, 1, round, &recv, &xs, err);
        sl_batchlist_free(&send);
        if (rc) { /* every rank returns non-zero together */
            sl_batchlist_free(&recv);
            failed = true;
            break;
        }
        ct_init(&t, 1024);
        for (int bi = 0; bi < recv.n; bi++) {
            const sl_batch *b = recv.b[bi];
            for (int64_t kk = 0; kk < sl_batch_live(b); kk++) {
                int64_t i = sl_batch_row(b, kk), len = 0;
                const char *p = sl_vec_str(b->cols[0], i, &len);
                ct_add(&t, key_hash(p, len), p, len, b->cols[1]->d.i64[i]);
            }
        }
        sl_batchlist_free(&recv);
        for (int64_t i = 0; i <= t.mask; i++) {
            const cslot *e = &t.s[i];
            if (!e->cnt)
                continue;
            if (ent) {
                sum += sl_agg_ent_term(e->cnt, n);
            } else if (e->cnt > best_cnt ||
                       (e->cnt == best_cnt &&
                        key_cmp(ct_key(&t, e), e->len, best.data, (int64_t)best.len) < 0)) {
                best_cnt = e->cnt;
                sl_buf_reset(&best);
                sl_buf_append(&best, ct_key(&t, e), e->len);
            }
        }
        ct_free(&t);
    }
    /* every rank's best count, key length and sum part; then the keys */
    int64_t mine[4] = {best_cnt, (int64_t)best.len, (int64_t)(uint64_t)sum,
                       (int64_t)(uint64_t)(sum >> 64)};
    int64_t *all = sl_xcalloc(4 * (size_t)x->size, sizeof *all);
    MPI_Allgather(mine, 4, MPI_INT64_T, all, 4, MPI_INT64_T, x->comm);
    int *lens = sl_xcalloc((size_t)x->size, sizeof *lens);
    int *offs = sl_xcalloc((size_t)x->size, sizeof *offs);
    int total = 0;
    for (int q = 0; q < x->size; q++) {
        lens[q] = (int)all[4 * q + 1];
        offs[q] = total;
        total += lens[q];
    }
    char *keys = sl_xmalloc((size_t)total + 1);
    MPI_Allgatherv(best.data ? best.data : "", (int)best.len, MPI_CHAR, keys, lens, offs,
                   MPI_CHAR, x->comm);
    int bq = -1;
    sum = 0;
    for (int q = 0; q < x->size; q++) {
        const int64_t *p = all + 4 * (size_t)q;
        if (p[0] > 0 && (bq < 0 || p[0] > all[4 * bq] ||
                         (p[0] == all[4 * bq] &&
                          key_cmp(keys + offs[q], lens[q], keys + offs[bq], lens[bq]) < 0)))
            bq = q;
        sum += ((sl_agg_ent_sum)(uint64_t)p[3] << 64) | (uint64_t)p[2];
    }
    *has = !failed;
    if (ent) {
        double h = sl_agg_ent_value(sum);
        memcpy(res, &h, 8);
    } else if (bq < 0) {
        *has = false;
    } else if (str) {
        sl_buf_reset(str_res);
        sl_buf_append(str_res, keys + offs[bq], lens[bq]);
    } else {
        *res = num_of_key(keys + offs[bq], dbl);
    }
    sl_free(keys);
    sl_free(lens);
    sl_free(offs);
    sl_free(all);
    sl_buf_free(&best);
}
