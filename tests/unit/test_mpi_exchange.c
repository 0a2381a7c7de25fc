/*
 * MPI tests of the exchange (src/mpi/exchange.c) with the wire format, hashing and hash
 * aggregation. Every rank generates its rows deterministically from its rank (the last rank
 * has none when P > 1), so every rank can also regenerate the whole data set and compute
 * reference answers with plain loops. Runs at 1, 2, 3 and 5 ranks.
 */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "batch/batch.h"
#include "batch/wire.h"
#include "core/mem.h"
#include "func/agg.h"
#include "func/aggregate.h"
#include "mpi/agree.h"
#include "mpi/exchange.h"
#include "mpi/startup.h"
#include "check.h"
#include "core/ctx.h"

/* The session context the tested calls count into (core/ctx.h). */
static sl_ctx g_ctx;

#include <xxhash.h>

/* A one-argument aggregate call without its argument expression (the tests pass vectors). */
#define CALL(f, at, rt, txt)                                                                \
    { .fn = &sl_aggfn_##f, .arg_type = at, .type = rt, .text = txt }

static int P, me;

#define BATCH 500
#define NKEYS 101

/* ---- the data: columns [id BIGINT, k BIGINT, s VARCHAR, v BIGINT] ---- */

static int64_t rows_of(int r) { return (P > 1 && r == P - 1) ? 0 : 2000 + 700 * r; }
static int64_t offset_of(int r)
{
    int64_t o = 0;
    for (int q = 0; q < r; q++)
        o += rows_of(q);
    return o;
}
static int64_t total_rows(void) { return offset_of(P); }
static int k_null(int64_t g) { return g % 17 == 5; }
static int64_t k_of(int64_t g) { return (g * 31) % NKEYS; }
static int s_null(int64_t g) { return g % 13 == 0; }
static void s_of(int64_t g, char *buf)
{
    /* Lengths 1..15 so chunk sizes vary. */
    snprintf(buf, 40, "%c%.*s%lld", 'a' + (int)(g * 7 % 26), (int)(g % 9), "xxxxxxxxx",
             (long long)(g % 1000));
}
static int64_t v_of(int64_t g) { return g % 1000 - 300; }

/* Row g is live unless its rank-local batch 1 filtered it out (selection vector). */
static int live_of(int64_t g)
{
    int r = 0;
    while (g >= offset_of(r + 1))
        r++;
    int64_t j = g - offset_of(r);
    return !(j / BATCH == 1 && g % 7 == 0);
}

static void gen(sl_batchlist *l)
{
    sl_type t[4] = { SL_T_BIGINT, SL_T_BIGINT, SL_T_VARCHAR, SL_T_BIGINT };
    int64_t lo = offset_of(me), n = rows_of(me);
    char s[40];
    for (int64_t j0 = 0; j0 < n; j0 += BATCH) {
        int64_t j1 = j0 + BATCH < n ? j0 + BATCH : n;
        sl_batch *b = sl_batch_new(4, t, j1 - j0);
        for (int64_t j = j0; j < j1; j++) {
            int64_t g = lo + j;
            sl_vec_push_i64(b->cols[0], g);
            if (k_null(g)) sl_vec_push_null(b->cols[1]); else sl_vec_push_i64(b->cols[1], k_of(g));
            s_of(g, s);
            if (s_null(g)) sl_vec_push_null(b->cols[2]);
            else sl_vec_push_str(b->cols[2], s, (int64_t)strlen(s));
            sl_vec_push_i64(b->cols[3], v_of(g));
        }
        b->n_rows = j1 - j0;
        if (j0 / BATCH == 1) {
            uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)b->n_rows);
            int64_t ns = 0;
            for (int64_t j = j0; j < j1; j++)
                if (live_of(lo + j))
                    sel[ns++] = (uint32_t)(j - j0);
            sl_batch_set_sel(b, sel, ns);
        }
        sl_batchlist_push(l, b);
    }
    /* An empty batch in the middle of the input must be harmless. */
    sl_batchlist_push(l, sl_batch_new(4, t, 0));
}

/* Does row i of b hold exactly the generated values of its id? */
static int row_ok(const sl_batch *b, int64_t i)
{
    int64_t g = b->cols[0]->d.i64[i];
    char s[40];
    if (g < 0 || g >= total_rows() || !live_of(g))
        return 0;
    if (k_null(g) ? sl_vec_valid(b->cols[1], i) : b->cols[1]->d.i64[i] != k_of(g))
        return 0;
    if (s_null(g)) {
        if (sl_vec_valid(b->cols[2], i))
            return 0;
    } else {
        s_of(g, s);
        int64_t len;
        const char *p = sl_vec_str(b->cols[2], i, &len);
        if (!sl_vec_valid(b->cols[2], i) || len != (int64_t)strlen(s) || memcmp(p, s, len))
            return 0;
    }
    return b->cols[3]->d.i64[i] == v_of(g);
}

static void ref_totals(int64_t *rows, int64_t *idsum)
{
    *rows = *idsum = 0;
    for (int64_t g = 0; g < total_rows(); g++)
        if (live_of(g)) {
            (*rows)++;
            *idsum += g;
        }
}

/* ---- hash exchange of raw rows ---- */

static void test_hash(int64_t cap, const int *keys, int nk)
{
    sl_batchlist in, out;
    sl_batchlist_init(&in);
    sl_batchlist_init(&out);
    gen(&in);
    sl_err err = { 0 };
    sl_xstats st;
    int rc = sl_exchange_hash(&g_ctx, MPI_COMM_WORLD, &in, keys, nk, cap, &out, &st, &err);
    CHECK_INT(rc, 0);
    CHECK_INT(in.n, 0); /* consumed */
    int64_t bad_dest = 0, bad_row = 0, rows = 0, idsum = 0;
    for (int i = 0; i < out.n; i++) {
        sl_batch *b = out.b[i];
        for (int64_t r = 0; r < sl_batch_live(b); r++) {
            int64_t row = sl_batch_row(b, r);
            bad_dest += (int)(sl_hash_row(b, keys, nk, row) % (uint64_t)P) != me;
            bad_row += !row_ok(b, row);
            rows++;
            idsum += b->cols[0]->d.i64[row];
        }
    }
    CHECK_INT(bad_dest, 0);
    CHECK_INT(bad_row, 0);
    CHECK_INT(st.rows_recv, rows);
    int64_t loc[4] = { rows, idsum, st.rows_sent, st.rounds }, glob[4], mx[4];
    MPI_Allreduce(loc, glob, 4, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(loc, mx, 4, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
    int64_t ref_rows, ref_idsum;
    ref_totals(&ref_rows, &ref_idsum);
    CHECK_INT(glob[0], ref_rows);
    CHECK_INT(glob[1], ref_idsum);
    CHECK_INT(glob[2], ref_rows);
    /* Every rank ran the same number of rounds; a 1 KB cap needs many. */
    CHECK_INT(mx[3] * P, glob[3]);
    if (cap <= 4096)
        CHECK(st.rounds > 10);
    else
        CHECK_INT(st.rounds, 1);
    sl_batchlist_free(&out);
}

/* A 1-byte cap: every chunk is a forced single row, one per destination per round. */
static void test_tiny_cap(void)
{
    sl_type t = SL_T_BIGINT;
    sl_batchlist in, out;
    sl_batchlist_init(&in);
    sl_batchlist_init(&out);
    sl_batch *b = sl_batch_new(1, &t, 30);
    for (int j = 0; j < 30; j++)
        sl_vec_push_i64(b->cols[0], me * 1000 + j);
    b->n_rows = 30;
    sl_batchlist_push(&in, b);
    sl_err err = { 0 };
    sl_xstats st;
    int key = 0;
    CHECK_INT(sl_exchange_hash(&g_ctx, MPI_COMM_WORLD, &in, &key, 1, 1, &out, &st, &err), 0);
    int64_t rows = 0, sum = 0, bad = 0;
    for (int i = 0; i < out.n; i++) {
        bad += out.b[i]->n_rows != 1;
        for (int64_t r = 0; r < out.b[i]->n_rows; r++) {
            bad += (int)(sl_hash_row(out.b[i], &key, 1, r) % (uint64_t)P) != me;
            rows++;
            sum += out.b[i]->cols[0]->d.i64[r];
        }
    }
    CHECK_INT(bad, 0);
    /* Rounds = the most rows any rank sends to one destination (one per round), plus 0. */
    int64_t per_dest[5] = { 0 }, most = 0;
    for (int j = 0; j < 30; j++) {
        int64_t v = me * 1000 + j;
        per_dest[XXH3_64bits(&v, 8) % (uint64_t)P]++;
    }
    for (int d = 0; d < P; d++)
        most = per_dest[d] > most ? per_dest[d] : most;
    int64_t loc[3] = { rows, sum, most }, glob[3], rounds_max;
    MPI_Allreduce(loc, glob, 2, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(&most, &rounds_max, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
    CHECK_INT(glob[0], 30 * P);
    CHECK_INT(glob[1], 1000LL * P * (P - 1) / 2 * 30 + 435LL * P);
    CHECK_INT(st.rounds, rounds_max);
    sl_batchlist_free(&out);
}

/* ---- distributed group-by: partial agg -> exchange -> final agg ---- */

static sl_agg aggs[5] = {
    CALL(count_star, SL_T_NULL, SL_T_BIGINT, "count(*)"),
    CALL(sum, SL_T_BIGINT, SL_T_BIGINT, "sum(v)"),
    CALL(min, SL_T_VARCHAR, SL_T_VARCHAR, "min(s)"),
    CALL(max, SL_T_VARCHAR, SL_T_VARCHAR, "max(s)"),
    CALL(avg, SL_T_BIGINT, SL_T_DOUBLE, "avg(v)"),
};

typedef struct {
    int64_t n, sum;
    char mn[40], mx[40];
    int ns;
} refg;

static void test_groupby(int64_t cap)
{
    sl_err err = { 0 };
    sl_batchlist in, states, recv, res;
    sl_batchlist_init(&in);
    sl_batchlist_init(&states);
    sl_batchlist_init(&recv);
    sl_batchlist_init(&res);
    gen(&in);
    sl_type kt = SL_T_BIGINT;
    sl_hashagg *p = sl_hashagg_new(1, &kt, 5, aggs);
    for (int i = 0; i < in.n; i++) {
        sl_batch *b = in.b[i];
        sl_vec *keys[1] = { b->cols[1] };
        sl_vec *args[5] = { NULL, b->cols[3], b->cols[2], b->cols[2], b->cols[3] };
        CHECK_INT(sl_hashagg_consume(p, b, keys, args, &err), 0);
    }
    sl_batchlist_free(&in);
    CHECK_INT(sl_hashagg_emit_states(p, &states, &err), 0);
    int key0 = 0;
    CHECK_INT(sl_exchange_hash(&g_ctx, MPI_COMM_WORLD, &states, &key0, 1, cap, &recv, NULL, &err), 0);
    sl_hashagg *f = sl_hashagg_new(1, &kt, 5, aggs);
    for (int i = 0; i < recv.n; i++)
        CHECK_INT(sl_hashagg_merge(f, recv.b[i], &err), 0);
    CHECK_INT(sl_hashagg_emit_final(f, &res, &err), 0);

    /* Reference over the whole data set: index NKEYS is the NULL key. */
    refg ref[NKEYS + 1];
    memset(ref, 0, sizeof ref);
    char s[40];
    for (int64_t g = 0; g < total_rows(); g++) {
        if (!live_of(g))
            continue;
        refg *o = &ref[k_null(g) ? NKEYS : k_of(g)];
        o->n++;
        o->sum += v_of(g);
        if (!s_null(g)) {
            s_of(g, s);
            if (o->ns == 0 || strcmp(s, o->mn) < 0) strcpy(o->mn, s);
            if (o->ns == 0 || strcmp(s, o->mx) > 0) strcpy(o->mx, s);
            o->ns++;
        }
    }
    int64_t groups = 0, bad = 0;
    for (int i = 0; i < res.n; i++) {
        sl_batch *b = res.b[i];
        for (int64_t r = 0; r < b->n_rows; r++) {
            int kn = !sl_vec_valid(b->cols[0], r);
            refg *o = &ref[kn ? NKEYS : b->cols[0]->d.i64[r]];
            int64_t len;
            const char *mn = sl_vec_str(b->cols[3], r, &len);
            bad += b->cols[1]->d.i64[r] != o->n || b->cols[2]->d.i64[r] != o->sum;
            bad += len != (int64_t)strlen(o->mn) || memcmp(mn, o->mn, len) != 0;
            const char *mx = sl_vec_str(b->cols[4], r, &len);
            bad += len != (int64_t)strlen(o->mx) || memcmp(mx, o->mx, len) != 0;
            double avg = b->cols[5]->d.f64[r], want = (double)o->sum / (double)o->n;
            bad += avg - want > 1e-9 || want - avg > 1e-9;
            /* The group lives on the rank its key hashes to. */
            int kc = 0;
            bad += (int)(sl_hash_row(b, &kc, 1, r) % (uint64_t)P) != me;
            o->n = -1; /* seen: a duplicate would now mismatch */
            groups++;
        }
    }
    CHECK_INT(bad, 0);
    int64_t all_groups;
    MPI_Allreduce(&groups, &all_groups, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    CHECK_INT(all_groups, NKEYS + 1);
    sl_batchlist_free(&states);
    sl_batchlist_free(&recv);
    sl_batchlist_free(&res);
    sl_hashagg_free(&p);
    sl_hashagg_free(&f);
}

/* ---- gather ---- */

static void test_gather(int root, int64_t cap)
{
    sl_batchlist in, out;
    sl_batchlist_init(&in);
    sl_batchlist_init(&out);
    gen(&in);
    sl_err err = { 0 };
    sl_xstats st;
    CHECK_INT(sl_exchange_gather(&g_ctx, MPI_COMM_WORLD, root, &in, cap, &out, &st, &err), 0);
    int64_t rows = 0, idsum = 0, bad = 0;
    for (int i = 0; i < out.n; i++)
        for (int64_t r = 0; r < sl_batch_live(out.b[i]); r++) {
            int64_t row = sl_batch_row(out.b[i], r);
            bad += !row_ok(out.b[i], row);
            rows++;
            idsum += out.b[i]->cols[0]->d.i64[row];
        }
    int64_t ref_rows, ref_idsum;
    ref_totals(&ref_rows, &ref_idsum);
    CHECK_INT(bad, 0);
    CHECK_INT(rows, me == root ? ref_rows : 0);
    CHECK_INT(idsum, me == root ? ref_idsum : 0);
    sl_batchlist_free(&out);
}

/* ---- order ---- */

static void route_mod(void *arg, const sl_batch *b, uint32_t *dest)
{
    (void)arg;
    for (int64_t k = 0; k < sl_batch_live(b); k++)
        dest[k] = (uint32_t)(b->cols[0]->d.i64[sl_batch_row(b, k)] % P);
}

/* What arrives is ordered by source rank, each source's rows in their sending order, this
 * rank's own rows at their place (they skip the wire): rows carry (source, sequence), and
 * with a small cap (many rounds) each round's part of every source must still line up. A
 * batch that goes wholly to this rank (every row of the first batch when P == 1, the second
 * batch of every rank at any P: ids of this rank's residue only) takes the same place. */
static void test_order(int64_t cap)
{
    sl_type t[2] = { SL_T_BIGINT, SL_T_VARCHAR };
    sl_batchlist in, out;
    sl_batchlist_init(&in);
    sl_batchlist_init(&out);
    char s[32];
    int64_t seq = 0;
    for (int bi = 0; bi < 3; bi++) {
        sl_batch *b = sl_batch_new(2, t, 300);
        for (int64_t j = 0; j < 300; j++, seq++) {
            /* id % P = destination; the second batch holds only ids for this rank */
            int64_t id = bi == 1 ? (me * 1000000 + seq) * P + me : me * 1000000 + seq;
            sl_vec_push_i64(b->cols[0], id);
            snprintf(s, sizeof s, "r%d-%lld", me, (long long)seq);
            sl_vec_push_str(b->cols[1], s, (int64_t)strlen(s));
        }
        b->n_rows = 300;
        sl_batchlist_push(&in, b);
    }
    sl_err err = { 0 };
    sl_xstats st;
    CHECK_INT(sl_exchange_route(&g_ctx, MPI_COMM_WORLD, &in, route_mod, NULL, cap, &out, &st,
                                &err), 0);
    /* Expected: from each source, its rows with id % P == me in sending order; with one
     * round (st.rounds == 1) also the sources ascending. cur[q] = next sequence of q. */
    int64_t got = 0, bad = 0, want = 0, cur[64] = { 0 };
    int last_src = 0;
    for (int i = 0; i < out.n; i++)
        for (int64_t k = 0; k < sl_batch_live(out.b[i]); k++) {
            int64_t r = sl_batch_row(out.b[i], k), id = out.b[i]->cols[0]->d.i64[r];
            int64_t len;
            const char *p = sl_vec_str(out.b[i]->cols[1], r, &len);
            char txt[32];
            int src = (int)((id % P == me && id >= (int64_t)P * 1000000 && P > 1
                             ? id / P : id) / 1000000);
            if (src < 0 || src >= P || src >= 64) {
                bad++;
                continue;
            }
            bad += st.rounds == 1 && src < last_src;
            last_src = src;
            /* the next sequence of src that comes to this rank */
            int64_t e = -1;
            for (; cur[src] < 900; cur[src]++) {
                int64_t q = cur[src];
                int64_t c = q / 300 == 1 ? (src * 1000000 + q) * P + src : src * 1000000 + q;
                if (c % P == me) {
                    e = c;
                    snprintf(txt, sizeof txt, "r%d-%lld", src, (long long)q);
                    cur[src]++;
                    break;
                }
            }
            bad += id != e || len != (int64_t)strlen(txt) || memcmp(p, txt, (size_t)len);
            got++;
        }
    for (int q = 0; q < P; q++)
        for (int64_t g = 0; g < 900; g++) {
            int64_t e = g / 300 == 1 ? (q * 1000000 + g) * P + q : q * 1000000 + g;
            want += e % P == me;
        }
    CHECK_INT(bad, 0);
    CHECK_INT(got, want);
    CHECK_INT(st.rows_recv, want);
    sl_batchlist_free(&out);
}

/* A broadcast delivers the same rows in the same order to every rank, however many rounds
 * the cap makes (a join without keys ORs its ranks' marks of the broadcast rows by position:
 * exec/op_hash_join.c): every live row once, and an order-sensitive hash of the ids in
 * arrival order equal to rank 0's on every rank. */
static void test_bcast_order(int64_t cap)
{
    sl_batchlist in, out;
    sl_batchlist_init(&out);
    sl_batchlist_init(&in);
    gen(&in);
    sl_err err = { 0 };
    sl_xstats st;
    CHECK_INT(sl_exchange_broadcast(&g_ctx, MPI_COMM_WORLD, &in, cap, &out, &st, &err), 0);
    int64_t got[3] = { 0, 0, 0 }; /* rows, id sum, hash of the sequence */
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < out.n; i++)
        for (int64_t k = 0; k < sl_batch_live(out.b[i]); k++) {
            int64_t r = sl_batch_row(out.b[i], k), g = out.b[i]->cols[0]->d.i64[r];
            got[0]++;
            got[1] += g;
            h = (h ^ (uint64_t)g) * 1099511628211ULL;
        }
    got[2] = (int64_t)h;
    int64_t rows, idsum, first[3];
    ref_totals(&rows, &idsum);
    CHECK_INT(got[0], rows);
    CHECK_INT(got[1], idsum);
    memcpy(first, got, sizeof first);
    MPI_Bcast(first, 3, MPI_INT64_T, 0, MPI_COMM_WORLD);
    CHECK(first[2] == got[2]);
    sl_batchlist_free(&out);
}

/* Routing groups a batch's rows by destination (a stable counting sort): with row counts
 * that are not multiples of the ranks or of 4 (1001, 7, 3, 1 rows) and a selection that
 * drops every 5th row, each source's rows still arrive once, in ascending order, with their
 * values. */
static void test_route_stable(void)
{
    static const int64_t sizes[] = { 1001, 7, 3, 1 };
    sl_type t[2] = { SL_T_BIGINT, SL_T_VARCHAR };
    sl_batchlist in, out;
    sl_batchlist_init(&in);
    sl_batchlist_init(&out);
    int64_t id = (int64_t)me * 1000000;
    char s[32];
    for (int bi = 0; bi < 4; bi++) {
        sl_batch *b = sl_batch_new(2, t, sizes[bi]);
        for (int64_t j = 0; j < sizes[bi]; j++, id++) {
            sl_vec_push_i64(b->cols[0], id);
            snprintf(s, sizeof s, "v%lld", (long long)id);
            sl_vec_push_str(b->cols[1], s, (int64_t)strlen(s));
        }
        b->n_rows = sizes[bi];
        if (bi == 0) {
            uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)b->n_rows);
            int64_t ns = 0;
            for (int64_t j = 0; j < b->n_rows; j++)
                if (j % 5 != 2)
                    sel[ns++] = (uint32_t)j;
            sl_batch_set_sel(b, sel, ns);
        }
        sl_batchlist_push(&in, b);
    }
    sl_err err = { 0 };
    sl_xstats st;
    CHECK_INT(sl_exchange_route(&g_ctx, MPI_COMM_WORLD, &in, route_mod, NULL, (int64_t)64 << 20,
                                &out, &st, &err), 0);
    int64_t last[64], got = 0, bad = 0, want = 0;
    for (int q = 0; q < 64; q++)
        last[q] = -1;
    for (int i = 0; i < out.n; i++)
        for (int64_t k = 0; k < sl_batch_live(out.b[i]); k++) {
            int64_t r = sl_batch_row(out.b[i], k), v = out.b[i]->cols[0]->d.i64[r];
            int q = (int)(v / 1000000);
            int64_t len;
            const char *p = sl_vec_str(out.b[i]->cols[1], r, &len);
            snprintf(s, sizeof s, "v%lld", (long long)v);
            if (q < 0 || q >= P || q >= 64) {
                bad++;
                continue;
            }
            bad += v % P != me || v <= last[q] || (v % 1000000 < 1001 && v % 1000000 % 5 == 2);
            bad += len != (int64_t)strlen(s) || memcmp(p, s, (size_t)len) != 0;
            last[q] = v;
            got++;
        }
    for (int q = 0; q < P; q++)
        for (int64_t j = 0; j < 1012; j++) {
            int64_t v = (int64_t)q * 1000000 + j;
            want += v % P == me && !(j < 1001 && j % 5 == 2);
        }
    CHECK_INT(bad, 0);
    CHECK_INT(got, want);
    sl_batchlist_free(&out);
}

/* A routing function that names a rank out of range (on the last rank, for its 10th row) is
 * an internal error there and a peer error everywhere else, with nothing left behind. */
static void route_bad(void *arg, const sl_batch *b, uint32_t *dest)
{
    (void)arg;
    for (int64_t k = 0; k < sl_batch_live(b); k++)
        dest[k] = me == P - 1 && k == 9 ? (uint32_t)P : (uint32_t)(k % P);
}

static void test_route_bad(void)
{
    sl_type t = SL_T_BIGINT;
    sl_batchlist in, out;
    sl_batchlist_init(&in);
    sl_batchlist_init(&out);
    sl_batch *b = sl_batch_new(1, &t, 50);
    for (int64_t j = 0; j < 50; j++)
        sl_vec_push_i64(b->cols[0], j);
    b->n_rows = 50;
    sl_batchlist_push(&in, b);
    sl_err err = { 0 };
    int rc = sl_exchange_route(&g_ctx, MPI_COMM_WORLD, &in, route_bad, NULL, 1024, &out, NULL,
                               &err);
    CHECK_INT(rc, me == P - 1 ? SL_EINTERNAL : SL_EPEER);
    CHECK(strstr(err.msg, "routed to rank") != NULL);
    sl_batchlist_free(&out);
}

/* ---- errors ---- */

/* One rank fails before the exchange: every rank returns non-zero, nobody hangs. */
static void test_error_before(void)
{
    int bad_rank = P - 1;
    sl_batchlist in, out;
    sl_batchlist_init(&in);
    sl_batchlist_init(&out);
    gen(&in);
    sl_err err = { 0 };
    if (me == bad_rank)
        SL_ERR(&err, SL_EDATA, "injected failure on rank %d", me);
    int key = 1;
    int rc = sl_exchange_hash(&g_ctx, MPI_COMM_WORLD, &in, &key, 1, 1024, &out, NULL, &err);
    CHECK_INT(rc, me == bad_rank ? SL_EDATA : SL_EPEER);
    CHECK_INT(in.n, 0);
    /* The exchange already shared the failing rank's record with everyone. */
    CHECK_INT(err.code, SL_EDATA);
    CHECK_INT(err.rank, bad_rank);
    CHECK_INT(sl_agree(MPI_COMM_WORLD, &err), SL_EDATA);
    CHECK(strstr(err.msg, "injected failure") != NULL);
    sl_batchlist_free(&out);
}

/* One rank fails in the middle: its last input batch cannot be routed (no key column 2). */
static void test_error_inside(void)
{
    int bad_rank = 0; /* rank 0 always has rows (the last rank has none) */
    sl_batchlist in, out;
    sl_batchlist_init(&in);
    sl_batchlist_init(&out);
    gen(&in);
    if (me == bad_rank) {
        sl_type t = SL_T_BIGINT;
        sl_batch *b = sl_batch_new(1, &t, 1);
        sl_vec_push_i64(b->cols[0], 1);
        b->n_rows = 1;
        sl_batchlist_push(&in, b);
    }
    sl_err err = { 0 };
    sl_xstats st;
    int key = 2;
    int rc = sl_exchange_hash(&g_ctx, MPI_COMM_WORLD, &in, &key, 1, 1024, &out, &st, &err);
    CHECK_INT(rc, me == bad_rank ? SL_EINTERNAL : SL_EPEER);
    /* The failure came after several rounds of real traffic. */
    if (me == bad_rank)
        CHECK(st.rounds > 5);
    CHECK_INT(sl_agree(MPI_COMM_WORLD, &err), SL_EINTERNAL);
    CHECK(strstr(err.msg, "key column 2") != NULL);
    sl_batchlist_free(&out);
}

/* Issue 14: nothing is copied on the receive side. Batches from other ranks borrow the
 * receive buffer (their columns hold it), and this rank's own share of a batch, when it is at
 * least a third of the batch (P <= 3 here), comes back as the input batch itself with those
 * rows selected; every row arrives once with its values, in source order. */
static void test_no_copy(void)
{
    enum { N = 600 };
    sl_type t[2] = { SL_T_BIGINT, SL_T_VARCHAR };
    sl_batchlist in, out;
    sl_batchlist_init(&in);
    sl_batchlist_init(&out);
    sl_batch *b = sl_batch_new(2, t, N);
    for (int64_t i = 0; i < N; i++) {
        int64_t g = (int64_t)me * N + i;
        char s[40];
        snprintf(s, sizeof s, "row-%lld", (long long)g);
        sl_vec_push_i64(b->cols[0], g);
        sl_vec_push_str(b->cols[1], s, (int64_t)strlen(s));
    }
    b->n_rows = N;
    sl_batchlist_push(&in, b);
    sl_err err = { 0 };
    sl_xstats st;
    CHECK_INT(sl_exchange_route(&g_ctx, MPI_COMM_WORLD, &in, route_mod, NULL, (int64_t)64 << 20,
                                &out, &st, &err), 0);
    int64_t rows = 0, bad = 0, last = -1;
    int borrowed = 0, selected = 0;
    for (int i = 0; i < out.n; i++) {
        const sl_batch *o = out.b[i];
        borrowed += o->cols[0]->borrow != NULL && o->cols[1]->borrow != NULL;
        selected += o->sel != NULL && o->n_rows == N;
        for (int64_t k = 0; k < sl_batch_live(o); k++) {
            int64_t r = sl_batch_row(o, k), g = o->cols[0]->d.i64[r], len;
            char s[40];
            snprintf(s, sizeof s, "row-%lld", (long long)g);
            const char *p = sl_vec_str(o->cols[1], r, &len);
            bad += g % P != me || g <= last || len != (int64_t)strlen(s) ||
                   memcmp(p, s, (size_t)len) != 0;
            last = g;
            rows++;
        }
    }
    CHECK_INT(bad, 0);
    CHECK_INT(rows, (int64_t)N); /* P * (N / P): N is a multiple of 1, 2, 3 and 5 */
    CHECK_INT(borrowed, P - 1);
    CHECK_INT(selected, P > 1 && P <= 3 ? 1 : 0);
    sl_batchlist_free(&out);
}

/* Rows of out that are not exactly their generated values, or on the wrong rank for keys. */
static int64_t bad_rows(const sl_batchlist *out, const int *keys, int nk, int64_t *rows)
{
    int64_t bad = 0;
    for (int i = 0; i < out->n; i++) {
        const sl_batch *b = out->b[i];
        for (int64_t k = 0; k < sl_batch_live(b); k++) {
            int64_t r = sl_batch_row(b, k);
            bad += !row_ok(b, r) || (int)(sl_hash_row(b, keys, nk, r) % (uint64_t)P) != me;
            (*rows)++;
        }
    }
    return bad;
}

/* Issue 14: round buffers kept across calls (sl_xpool in g_ctx). The batches of a call that
 * are still alive while the next call runs keep their bytes (the kept block is not reused
 * under them: the second call routes by other keys, so reused bytes would differ); once they
 * are freed, the next call reuses the same send buffer and receive block. */
static void test_pool(void)
{
    sl_xpool pool = { 0 };
    g_ctx.xchg_pool = &pool;
    int k1 = 1, k12[2] = { 1, 2 };
    sl_batchlist in, out1, out2;
    sl_err err = { 0 };
    sl_xstats st;
    int64_t cap = (int64_t)64 << 20, rows = 0, ref_rows, ref_idsum;
    ref_totals(&ref_rows, &ref_idsum);
    sl_batchlist_init(&in);
    sl_batchlist_init(&out1);
    gen(&in);
    CHECK_INT(sl_exchange_hash(&g_ctx, MPI_COMM_WORLD, &in, &k1, 1, cap, &out1, &st, &err), 0);
    sl_batchlist_init(&in);
    sl_batchlist_init(&out2);
    gen(&in);
    CHECK_INT(sl_exchange_hash(&g_ctx, MPI_COMM_WORLD, &in, k12, 2, cap, &out2, &st, &err), 0);
    CHECK_INT(bad_rows(&out1, &k1, 1, &rows), 0);
    CHECK_INT(bad_rows(&out2, k12, 2, &rows), 0);
    sl_batchlist_free(&out1);
    sl_batchlist_free(&out2);
    char *send = pool.send.data;
    sl_vblock *blk = pool.recv;
    CHECK(send != NULL);
    CHECK(blk == NULL || blk->refs == 1); /* the pool's reference only */
    sl_batchlist_init(&in);
    sl_batchlist_init(&out1);
    gen(&in);
    CHECK_INT(sl_exchange_hash(&g_ctx, MPI_COMM_WORLD, &in, k12, 2, cap, &out1, &st, &err), 0);
    CHECK(pool.send.data == send && pool.recv == blk);
    CHECK_INT(bad_rows(&out1, k12, 2, &rows), 0);
    sl_batchlist_free(&out1);
    int64_t glob = 0;
    MPI_Allreduce(&rows, &glob, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    CHECK_INT(glob, 3 * ref_rows);
    test_hash(1024, &k1, 1); /* many rounds through the pool's buffers */
    test_order(1024);
    g_ctx.xchg_pool = NULL;
    CHECK(sl_xpool_bytes(&pool) > 0);
    sl_xpool_free(&pool);
}

int main(int argc, char **argv)
{
    sl_mpi_init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_ctx.rank);
    sl_budget_default(&g_ctx.budget);
    MPI_Comm_size(MPI_COMM_WORLD, &P);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    sl_err_set_rank(me);
    int k1 = 1, k12[2] = { 1, 2 };
    test_hash(1024, &k1, 1);
    test_hash((int64_t)64 << 20, &k1, 1);
    test_hash(1024, k12, 2);
    test_tiny_cap();
    test_groupby(1024);
    test_groupby((int64_t)64 << 20);
    test_gather(0, 1024);
    test_gather(P - 1, (int64_t)64 << 20);
    test_error_before();
    test_error_inside();
    test_hash(4096, &k1, 1); /* still works after failed exchanges */
    test_order(1024);
    test_order((int64_t)64 << 20);
    test_bcast_order(1024);
    test_bcast_order(4096);
    test_bcast_order((int64_t)64 << 20);
    test_route_stable();
    test_route_bad();
    test_no_copy();
    test_pool();
    /* The same through two levels (nodes of two consecutive ranks): the relay, its flags
     * Allreduce and the error paths. */
    g_ctx.xchg_two_level = 1;
    g_ctx.xchg_node_ranks = 2;
    test_hash(1024, &k1, 1);
    test_gather(P - 1, 1024);
    test_order(1024);
    test_bcast_order(1024);
    test_error_before();
    test_error_inside();
    test_order((int64_t)64 << 20);
    g_ctx.xchg_two_level = 0;
    g_ctx.xchg_node_ranks = 0;
    CHECK_INT(sl_mem_in_use(), 0);
    /* Every rank's checks count: rank 0 prints the total. */
    int loc[2] = { check_passed, check_failed }, glob[2];
    MPI_Reduce(loc, glob, 2, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
    sl_mpi_finalize();
    if (me != 0)
        return check_failed ? 1 : 0;
    check_passed = glob[0];
    check_failed = glob[1];
    return CHECK_DONE();
}
