/*
 * Heavy groups of a holistic aggregation, split across ranks (issue #11).
 *
 * A holistic aggregate (median, quantiles and lists of them, mad, mode, entropy; also DISTINCT,
 * where the PARTIAL node is the distinct aggregation over deduplicated pairs) ships a group's values to the
 * group's owner. A group that holds most of the rows would then sit on one rank, in memory and
 * in time. The PARTIAL aggregation therefore holds its state batches until its end (spilling
 * as a row store) and hands them here, where every rank, in the same order:
 *
 *   1. counts its groups' values (a state row's weight: the most values any holistic call of
 *      it holds) into a Misra-Gries summary of M slots, which keeps every group with more
 *      than 1/(M+1) of the rank's values; with M + 1 > 1/threshold a group with `threshold` of
 *      all values is over that share on at least one rank, so it is a candidate somewhere;
 *   2. allgathers the candidates (64-bit key hashes), counts their values exactly and
 *      allreduces the counts: a heavy group has at least `threshold` of all values. A hash
 *      that two different groups share is caught by a second checksum (FNV-1a of the keys'
 *      wire bytes: min and max over all rows must agree) and is then not treated as heavy;
 *   3. pushes on every state batch as before, except that the states of a heavy group's
 *      splittable calls stay here (a row store per heavy group, spilling beyond the grant)
 *      and travel as empty states, and the first row of each heavy group on the lowest rank
 *      that has one (its emitter) is held back;
 *   4. finds, for each heavy group and call, the values at the positions the result reads
 *      (func/agg_vals.h; a list of quantiles: each quantile's, all of a phase's positions
 *      in one set of rounds) by a distributed selection: on 64-bit order keys of the values,
 *      an allreduced min/max and then histograms of 1024 buckets over the remaining key
 *      interval, allreduced, each round narrowing to the bucket that holds the position
 *      (at most 6 rounds; one pass over the local part each). Exact, with ties, and the same
 *      at every rank count; mode and entropy instead sum the values' counts across ranks
 *      by value (exec/agg_heavy_counts.c);
 *   5. the emitter pushes its held row with the finished results as marker states; the
 *      owner's FINAL combines it with the group's other states and returns the results.
 *
 * Values never move in steps 1-5: only counts, histograms, (value, count) pairs (mode,
 * entropy: one per distinct value and rank) and one row per heavy group do.
 * Functions are Local unless their comment says Collective (over x->comm).
 */
#include "exec/agg_heavy.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "batch/list_order.h"
#include "batch/wire.h"
#include "core/mem.h"
#include "func/agg_vals.h"
#include "func/aggregate.h"
#include "mpi/agree.h"

#define BUCKETS 1024
#define MAX_ROUNDS 16

typedef struct {
    uint64_t h;
    int64_t w;
} mg_slot;

/* The holder: the layout of the held batches and what the passes found. */
struct sl_agg_heavy {
    sl_exec *x;
    sl_pop *op;
    double threshold;
    int k, na, ns;   /* keys, aggregates, splittable calls */
    int *col0;       /* per aggregate: its first state column */
    bool *hol;       /* per aggregate: needs all values */
    int *split;      /* splittable calls' aggregate indices */
    int *roff;       /* per splittable call: its first result (a list of quantiles: n_params
                      * of them) in the results arrays; roff[ns] of them in all */
    int *key_cols;
    uint64_t *hashes;
    int64_t cap;
    sl_rowstore *held;
    mg_slot *mg;     /* the Misra-Gries summary: n_mg of m slots */
    int n_mg, m;
    int64_t total;   /* the rank's values (weights) */
};
typedef struct sl_agg_heavy run_ctx;

/* Order-preserving 64-bit key of a value's bits (DOUBLE or BIGINT), and back. */
static uint64_t okey(uint64_t v, bool dbl)
{
    if (!dbl)
        return v ^ (UINT64_C(1) << 63);
    return v >> 63 ? ~v : v | (UINT64_C(1) << 63);
}

static uint64_t from_okey(uint64_t k, bool dbl)
{
    if (!dbl)
        return k ^ (UINT64_C(1) << 63);
    return k >> 63 ? k & ~(UINT64_C(1) << 63) : ~k;
}

/* Weighted Misra-Gries: adds weight w to item h among at most m slots. */
static void mg_add(mg_slot *s, int *n, int m, uint64_t h, int64_t w)
{
    for (int i = 0; i < *n; i++)
        if (s[i].h == h) {
            s[i].w += w;
            return;
        }
    if (*n < m) {
        s[(*n)++] = (mg_slot){h, w};
        return;
    }
    int64_t d = w;
    for (int i = 0; i < *n; i++)
        d = s[i].w < d ? s[i].w : d;
    int j = 0;
    for (int i = 0; i < *n; i++) {
        s[i].w -= d;
        if (s[i].w > 0)
            s[j++] = s[i];
    }
    *n = j;
    if (w - d > 0)
        s[(*n)++] = (mg_slot){h, w - d};
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Index of h in the sorted array a[0..n), or -1. */
static int find_u64(const uint64_t *a, int n, uint64_t h)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (a[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && a[lo] == h ? lo : -1;
}

/* Values held by the state string of aggregate a's column in b, row i (0 when NULL). */
static int64_t n_vals(const run_ctx *r, const sl_batch *b, int a, int64_t i)
{
    int c = r->col0[a];
    if (!sl_vec_valid(b->cols[c], i))
        return 0;
    int64_t len = 0;
    const char *p = sl_vec_str(b->cols[c], i, &len);
    if (sl_agg_vals_recs(&r->op->u.agg.aggs[a])) { /* records (func/agg_vals.h) */
        int64_t n = sl_agg_vals_str_count(p, len);
        return n > 0 ? n : 0;
    }
    return len % 8 ? 0 : len / 8; /* a finished result (marker) is not a multiple of 8 */
}

/* A state row's weight: the most values one holistic call of it holds. */
static int64_t row_weight(const run_ctx *r, const sl_batch *b, int64_t i)
{
    int64_t w = 0;
    for (int a = 0; a < r->na; a++)
        if (r->hol[a]) {
            int64_t v = n_vals(r, b, a, i);
            w = v > w ? v : w;
        }
    return w;
}

/* Hashes of b's live rows' keys into r->hashes. */
static void hash_keys(run_ctx *r, const sl_batch *b)
{
    int64_t n = sl_batch_live(b);
    if (n > r->cap) {
        sl_free(r->hashes);
        r->hashes = sl_xmalloc((size_t)n * 8 + 8);
        r->cap = n;
    }
    sl_hash_batch(b, r->key_cols, r->k, r->hashes);
}

/* FNV-1a over row i's keys: a checksum independent of the key hash. Each key adds its wire
 * bytes, except a key whose equal values may differ in bytes, which adds a canonical form (as
 * the key hash does: batch/hash.c): a LIST its order key ([-0.0] and [0.0], batch/list_order.h),
 * a DOUBLE its bits with -0.0 as 0.0 and one NaN, an INTERVAL its normalized fields. Else one
 * group whose ranks kept different representatives would never be heavy. */
static uint64_t key_fnv(const run_ctx *r, const sl_batch *b, int64_t i)
{
    uint32_t row = (uint32_t)i;
    sl_buf buf;
    sl_buf_init(&buf);
    for (int c = 0; c < r->k; c++) {
        const sl_vec *v = b->cols[r->key_cols[c]];
        sl_type t = v->type;
        if (!sl_vec_valid(v, i)) {
            sl_buf_putc(&buf, 0);
        } else if (sl_list_order_is_nested(t)) {
            int64_t len;
            const char *p = sl_vec_str(v, i, &len);
            sl_buf_putc(&buf, 1);
            sl_list_key(&buf, t, p, len, false, -1);
        } else if (t == SL_T_DOUBLE) {
            double d = v->d.f64[i];
            d = d != d ? NAN : d == 0 ? 0.0 : d;
            sl_buf_putc(&buf, 2);
            sl_buf_append(&buf, (const char *)&d, 8);
        } else if (t == SL_T_INTERVAL) {
            int64_t len, nf[3] = {0, 0, 0};
            const char *p = sl_vec_str(v, i, &len);
            if (len == SL_IV_BYTES)
                sl_interval_normalize(sl_interval_get(p), nf);
            sl_buf_putc(&buf, 3);
            sl_buf_append(&buf, (const char *)nf, sizeof nf);
        } else {
            sl_vec *one[1] = {(sl_vec *)v};
            sl_batch view = {.n_cols = 1, .n_rows = b->n_rows, .cols = one};
            sl_buf_putc(&buf, 4);
            sl_wire_write_rows(&view, &row, 1, &buf);
        }
    }
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (int64_t j = 0; j < (int64_t)buf.len; j++)
        h = (h ^ (unsigned char)buf.data[j]) * UINT64_C(0x100000001b3);
    sl_buf_free(&buf);
    return h;
}

/* ---- the distributed selection ---- */

typedef struct {
    int s;           /* splittable call (column of the group's store) */
    int k;           /* its result (a list of quantiles: the quantile's index) */
    int phase;       /* 0: the argument's values; 1: |x - center| (mad; func/agg_vals.h) */
    bool dbl;        /* the phase's values are doubles */
    bool arg_dbl;    /* the stored values are doubles */
    uint64_t center; /* phase 1: the center's bits (a double; a DECIMAL's: its int64) */
    int64_t pos;     /* 0-based position sought */
    uint64_t lo, hi; /* key interval that holds it */
    int64_t base;    /* values below lo, over all ranks */
    uint64_t key;    /* the result */
} target;

/* The key of stored value bits v under target t. */
static uint64_t value_key(const target *t, const sl_agg *a, uint64_t v)
{
    if (!t->dbl && t->phase == 1) { /* a DECIMAL's mad: |x - center| in scaled integers */
        int64_t x = sl_agg_vals_time_us(a, (int64_t)v), c = (int64_t)t->center;
        v = x >= c ? (uint64_t)x - (uint64_t)c : (uint64_t)c - (uint64_t)x;
    }
    if (!t->dbl)
        return okey(v, false);
    double d, center;
    memcpy(&center, &t->center, 8);
    if (t->arg_dbl)
        memcpy(&d, &v, 8);
    else
        d = (double)(int64_t)v;
    if (t->phase == 1)
        d = fabs(d - center);
    (void)a;
    uint64_t u;
    memcpy(&u, &d, 8);
    return okey(u, true);
}

/* One pass over the store: with hist NULL the keys' min (lo) and max (hi) per target; else
 * per target the histogram of keys in [lo, hi] by bucket (key - lo) >> shift[t]. */
static int scan_targets(run_ctx *r, sl_rowstore *store, target *t, int nt, const int *shift,
                        int64_t *hist, uint64_t *mins, uint64_t *maxs, sl_err *err)
{
    sl_rowstore_cursor c;
    sl_rowstore_cursor_init(&c);
    while (!err->code) {
        sl_batch *b = NULL;
        if (sl_rowstore_scan_next(store, &c, &b, err) || !b)
            break;
        for (int ti = 0; ti < nt; ti++) {
            const target *tt = &t[ti];
            const sl_agg *a = &r->op->u.agg.aggs[r->split[tt->s]];
            if (hist && tt->lo == tt->hi)
                continue;
            const sl_vec *v = b->cols[tt->s];
            for (int64_t kk = 0; kk < sl_batch_live(b); kk++) {
                int64_t i = sl_batch_row(b, kk), len = 0;
                if (!sl_vec_valid(v, i))
                    continue;
                const char *p = sl_vec_str(v, i, &len);
                for (int64_t j = 0; j + 8 <= len; j += 8) {
                    uint64_t bits;
                    memcpy(&bits, p + j, 8);
                    uint64_t key = value_key(tt, a, bits);
                    if (!hist) {
                        mins[ti] = key < mins[ti] ? key : mins[ti];
                        maxs[ti] = key > maxs[ti] ? key : maxs[ti];
                    } else if (key >= tt->lo && key <= tt->hi) {
                        hist[(int64_t)ti * BUCKETS + (int64_t)((key - tt->lo) >> shift[ti])]++;
                    }
                }
            }
        }
        sl_batch_free(&b);
    }
    sl_rowstore_cursor_free(&c);
    return err->code;
}

/* Finds every target's key (the value at its position among all ranks' values). Every rank
 * runs the same rounds: the decisions read only allreduced figures. Collective. */
static void dselect(run_ctx *r, sl_rowstore *store, target *t, int nt, sl_err *err)
{
    MPI_Comm comm = r->x->comm;
    uint64_t *mm = sl_xcalloc(2 * (size_t)nt + 1, sizeof *mm);
    for (int i = 0; i < nt; i++) {
        mm[i] = UINT64_MAX;      /* min */
        mm[nt + i] = UINT64_MAX; /* ~max */
    }
    uint64_t *maxs = sl_xcalloc((size_t)nt + 1, sizeof *maxs);
    scan_targets(r, store, t, nt, NULL, NULL, mm, maxs, err);
    for (int i = 0; i < nt; i++)
        mm[nt + i] = ~maxs[i];
    MPI_Allreduce(MPI_IN_PLACE, mm, 2 * nt, MPI_UINT64_T, MPI_MIN, comm);
    for (int i = 0; i < nt; i++) {
        t[i].lo = mm[i];
        t[i].hi = ~mm[nt + i];
        t[i].base = 0;
        if (t[i].hi < t[i].lo) /* no values anywhere (an error on some rank) */
            t[i].hi = t[i].lo;
    }
    int *shift = sl_xcalloc((size_t)nt + 1, sizeof *shift);
    int64_t *hist = sl_xmalloc((size_t)nt * BUCKETS * sizeof *hist);
    for (int round = 0; round < MAX_ROUNDS; round++) {
        bool active = false;
        for (int i = 0; i < nt; i++) {
            active |= t[i].lo != t[i].hi;
            shift[i] = 0;
            while (((t[i].hi - t[i].lo) >> shift[i]) >= BUCKETS)
                shift[i]++;
        }
        if (!active)
            break;
        memset(hist, 0, (size_t)nt * BUCKETS * sizeof *hist);
        scan_targets(r, store, t, nt, shift, hist, NULL, NULL, err);
        MPI_Allreduce(MPI_IN_PLACE, hist, nt * BUCKETS, MPI_INT64_T, MPI_SUM, comm);
        for (int i = 0; i < nt; i++) {
            target *tt = &t[i];
            if (tt->lo == tt->hi)
                continue;
            const int64_t *hh = hist + (int64_t)i * BUCKETS;
            int64_t cum = tt->base;
            int j = 0;
            while (j < BUCKETS - 1 && cum + hh[j] <= tt->pos)
                cum += hh[j++];
            uint64_t span = (UINT64_C(1) << shift[i]) - 1;
            uint64_t nlo = tt->lo + ((uint64_t)j << shift[i]);
            tt->hi = tt->hi - nlo > span ? nlo + span : tt->hi;
            tt->lo = nlo;
            tt->base = cum;
        }
    }
    for (int i = 0; i < nt; i++)
        t[i].key = t[i].lo;
    sl_free(mm);
    sl_free(maxs);
    sl_free(shift);
    sl_free(hist);
}

/* Finishes heavy group g (values in store; n[s] values of splittable call s over all ranks):
 * res[roff[s] + k] gets result k's bits (mode over VARCHAR: sres[s] its string), has[s]
 * whether there are results (no values: NULL). All the targets of a phase, every quantile of
 * a list among them, share one set of histogram rounds. Collective. */
static void finish_group(run_ctx *r, sl_rowstore *store, const int64_t *n, uint64_t *res,
                         sl_buf *sres, bool *has, sl_err *err)
{
    target *t = sl_xcalloc(2 * (size_t)r->roff[r->ns] + 1, sizeof *t);
    uint64_t *center = sl_xcalloc((size_t)r->ns + 1, sizeof *center);
    for (int phase = 0; phase < 2; phase++) {
        int nt = 0;
        for (int s = 0; s < r->ns; s++) {
            const sl_agg *a = &r->op->u.agg.aggs[r->split[s]];
            if (n[s] == 0 || phase >= sl_agg_vals_phases(a) || sl_agg_vals_counted(a))
                continue;
            bool mad = sl_agg_vals_phases(a) == 2;
            for (int k = 0; k < sl_agg_vals_nres(a); k++) {
                int64_t pos[2];
                int np = sl_agg_vals_positions(a, phase, k, n[s], pos);
                for (int p = 0; p < np; p++)
                    t[nt++] = (target){.s = s, .k = k, .phase = phase, .pos = pos[p],
                                       .dbl = (mad && !sl_agg_vals_mad_exact(a)) ||
                                              a->arg_type == SL_T_DOUBLE,
                                       .arg_dbl = a->arg_type == SL_T_DOUBLE,
                                       .center = center[s]};
            }
        }
        if (nt == 0)
            break; /* the same at every rank: n is allreduced */
        dselect(r, store, t, nt, err);
        for (int i = 0; i < nt;) {
            int s = t[i].s, k = t[i].k;
            int np = i + 1 < nt && t[i + 1].s == s && t[i + 1].k == k ? 2 : 1;
            const sl_agg *a = &r->op->u.agg.aggs[r->split[s]];
            uint64_t v[2] = {from_okey(t[i].key, t[i].dbl),
                             from_okey(t[i + np - 1].key, t[i].dbl)};
            uint64_t out = sl_agg_vals_result(a, phase, k, n[s], v);
            if (phase + 1 < sl_agg_vals_phases(a)) {
                center[s] = out;
            } else {
                res[r->roff[s] + k] = out;
                has[s] = true;
            }
            i += np;
        }
    }
    /* mode and entropy: by value counts (exec/agg_heavy_counts.c); n is allreduced, so
     * every rank calls the same ones */
    for (int s = 0; s < r->ns; s++) {
        const sl_agg *a = &r->op->u.agg.aggs[r->split[s]];
        if (n[s] > 0 && sl_agg_vals_counted(a))
            sl_agg_heavy_counts(r->x, r->op->grant, store, s, a, n[s], &res[r->roff[s]],
                                &sres[s], &has[s], err);
    }
    sl_free(t);
    sl_free(center);
}

/* A copy of row i of b (all columns) as a one-row batch. */
static sl_batch *copy_row(const sl_batch *b, int64_t i)
{
    sl_type *types = sl_xcalloc((size_t)b->n_cols + 1, sizeof *types);
    for (int c = 0; c < b->n_cols; c++)
        types[c] = b->cols[c]->type;
    sl_batch *o = sl_batch_new(b->n_cols, types, 1);
    sl_free(types);
    for (int c = 0; c < b->n_cols; c++)
        sl_vec_push_from(o->cols[c], b->cols[c], i);
    o->n_rows = 1;
    return o;
}

/* The emitter's held row with the results in its splittable state columns. */
static sl_batch *result_row(const run_ctx *r, const sl_batch *row, const uint64_t *res,
                            const sl_buf *sres, const bool *has)
{
    int nc = row->n_cols;
    sl_vec **cols = sl_xcalloc((size_t)nc + 1, sizeof *cols);
    for (int c = 0; c < nc; c++) {
        cols[c] = sl_vec_new(row->cols[c]->type, 1);
        int s = 0;
        while (s < r->ns && r->col0[r->split[s]] != c)
            s++;
        const sl_agg *a = s < r->ns ? &r->op->u.agg.aggs[r->split[s]] : NULL;
        if (s == r->ns) {
            sl_vec_push_from(cols[c], row->cols[c], 0);
        } else if (has[s] && sl_agg_vals_recs(a)) {
            /* the VARCHAR marker: the string (mode) or the double's bits (entropy) */
            sl_buf m;
            sl_buf_init(&m);
            uint32_t tag = SL_AGG_VALS_STR_DONE;
            sl_buf_append(&m, &tag, 4);
            if (sl_agg_vals_is_entropy(a))
                sl_buf_append(&m, &res[r->roff[s]], 8);
            else
                sl_buf_append(&m, sres[s].data, (int64_t)sres[s].len);
            sl_vec_push_str(cols[c], m.data, (int64_t)m.len);
            sl_buf_free(&m);
        } else if (has[s]) {
            /* the results' bits (a list of quantiles: each in turn) and the tag */
            int nr = sl_agg_vals_nres(a);
            char *m = sl_xmalloc(8 * (size_t)nr + 1);
            memcpy(m, &res[r->roff[s]], 8 * (size_t)nr);
            m[8 * nr] = SL_AGG_VALS_DONE_TAG;
            sl_vec_push_str(cols[c], m, 8 * (int64_t)nr + 1);
            sl_free(m);
        } else {
            sl_vec_push_null(cols[c]);
        }
    }
    sl_batch *o = sl_batch_from_cols(nc, cols, 1);
    sl_free(cols);
    return o;
}

sl_agg_heavy *sl_agg_heavy_new(sl_exec *x, sl_pop *op, double threshold)
{
    run_ctx *r = sl_xcalloc(1, sizeof *r);
    r->x = x;
    r->op = op;
    r->threshold = threshold;
    r->k = op->u.agg.n_keys;
    r->na = op->u.agg.n_aggs;
    r->col0 = sl_xcalloc((size_t)r->na + 1, sizeof *r->col0);
    r->hol = sl_xcalloc((size_t)r->na + 1, sizeof *r->hol);
    r->split = sl_xcalloc((size_t)r->na + 1, sizeof *r->split);
    r->roff = sl_xcalloc((size_t)r->na + 1, sizeof *r->roff);
    r->key_cols = sl_xcalloc((size_t)r->k + 1, sizeof *r->key_cols);
    for (int i = 0; i < r->k; i++)
        r->key_cols[i] = i;
    for (int a = 0, c = r->k; a < r->na; a++) {
        const sl_agg *g = &op->u.agg.aggs[a];
        r->col0[a] = c;
        r->hol[a] = g->fn->needs_all_values;
        if (sl_agg_vals_splittable(g)) {
            r->roff[r->ns + 1] = r->roff[r->ns] + sl_agg_vals_nres(g);
            r->split[r->ns++] = a;
        }
        c += sl_agg_state_ncols(g);
    }
    /* M + 1 > 1 / threshold slots: see step 1 above */
    r->m = (int)fmin(4096.0, fmax(64.0, ceil(2.0 / threshold)));
    r->mg = sl_xcalloc((size_t)r->m + 1, sizeof *r->mg);
    r->held = sl_rowstore_new(x->ctx, op->grant);
    return r;
}

void sl_agg_heavy_free(sl_agg_heavy **ph)
{
    run_ctx *r = *ph;
    if (!r)
        return;
    sl_free(r->col0);
    sl_free(r->hol);
    sl_free(r->split);
    sl_free(r->roff);
    sl_free(r->key_cols);
    sl_free(r->hashes);
    sl_free(r->mg);
    sl_rowstore_free(&r->held);
    sl_free(r);
    *ph = NULL;
}

int sl_agg_heavy_add(sl_agg_heavy *r, sl_batch *b, sl_err *err)
{
    hash_keys(r, b);
    for (int64_t kk = 0; kk < sl_batch_live(b); kk++) {
        int64_t w = row_weight(r, b, sl_batch_row(b, kk));
        r->total += w;
        if (w > 0)
            mg_add(r->mg, &r->n_mg, r->m, r->hashes[kk], w);
    }
    return sl_rowstore_append(r->held, b, err);
}

/* Pass 1 (the one pass over everything held): pushes on the rows of groups that are no
 * candidate (cand[0..nc), sorted) and keeps the candidates' rows in cstore, counting their
 * weights exactly, with key checksums (fm[ci] the least, fm[nc + ci] the complement of the
 * greatest: one MIN allreduce for both) and the rank as emitter where it has rows. */
static void pass_split(run_ctx *r, const uint64_t *cand, int nc, sl_rowstore *cstore,
                       int64_t *w, uint64_t *fm, int *emitter, sl_err *err)
{
    sl_batch *b = NULL;
    while (!err->code && !sl_rowstore_next(r->held, &b, err) && b) {
        hash_keys(r, b);
        int64_t live = sl_batch_live(b), n_out = 0, n_in = 0;
        uint32_t *out = sl_xcalloc((size_t)live + 1, sizeof *out);
        uint32_t *in = sl_xcalloc((size_t)live + 1, sizeof *in);
        for (int64_t kk = 0; kk < live; kk++) {
            int64_t i = sl_batch_row(b, kk);
            int ci = find_u64(cand, nc, r->hashes[kk]);
            if (ci < 0) {
                out[n_out++] = (uint32_t)i;
                continue;
            }
            in[n_in++] = (uint32_t)i;
            uint64_t f = key_fnv(r, b, i);
            w[ci] += row_weight(r, b, i);
            fm[ci] = f < fm[ci] ? f : fm[ci];
            fm[nc + ci] = ~f < fm[nc + ci] ? ~f : fm[nc + ci];
            emitter[ci] = r->x->rank;
        }
        if (n_in > 0)
            sl_rowstore_append_rows(cstore, b, in, n_in, err);
        sl_free(in);
        sl_batch_set_sel(b, out, n_out);
        sl_exec_emit(r->x, r->op, b, err);
        b = NULL;
    }
    sl_batch_free(&b);
}

int sl_agg_heavy_finish(sl_agg_heavy *hv, sl_err *err)
{
    run_ctx *r = hv;
    sl_exec *x = r->x;
    sl_pop *op = r->op;
    if (sl_agree(x->comm, err))
        return err->code;

    /* 1. candidates: every rank's summary */
    int m = r->m;
    int64_t total = r->total;
    MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_INT64_T, MPI_SUM, x->comm);
    uint64_t *mine = sl_xcalloc((size_t)m + 1, sizeof *mine);
    mine[0] = (uint64_t)r->n_mg;
    for (int i = 0; i < r->n_mg; i++)
        mine[i + 1] = r->mg[i].h;
    uint64_t *all = sl_xcalloc((size_t)(m + 1) * (size_t)x->size, sizeof *all);
    MPI_Allgather(mine, m + 1, MPI_UINT64_T, all, m + 1, MPI_UINT64_T, x->comm);
    sl_free(mine);
    int nc = 0;
    uint64_t *cand = sl_xcalloc((size_t)(m + 1) * (size_t)x->size, sizeof *cand);
    for (int q = 0; q < x->size; q++) {
        const uint64_t *p = all + (size_t)(m + 1) * (size_t)q;
        for (uint64_t i = 0; i < p[0] && i < (uint64_t)m; i++)
            cand[nc++] = p[i + 1];
    }
    sl_free(all);
    qsort(cand, (size_t)nc, sizeof *cand, cmp_u64);
    int u = 0;
    for (int i = 0; i < nc; i++)
        if (u == 0 || cand[u - 1] != cand[i])
            cand[u++] = cand[i];
    nc = u;

    /* 2. the other groups' rows go on; exact counts and key checksums of the candidates */
    int64_t *w = sl_xcalloc((size_t)nc + 1, sizeof *w);
    uint64_t *fm = sl_xcalloc(2 * (size_t)nc + 1, sizeof *fm);
    int *emitter = sl_xcalloc((size_t)nc + 1, sizeof *emitter);
    for (int i = 0; i < 2 * nc; i++)
        fm[i] = UINT64_MAX;
    for (int i = 0; i < nc; i++)
        emitter[i] = INT_MAX;
    sl_rowstore *cstore = sl_rowstore_new(x->ctx, op->grant);
    pass_split(r, cand, nc, cstore, w, fm, emitter, err);
    if (nc > 0) {
        MPI_Allreduce(MPI_IN_PLACE, w, nc, MPI_INT64_T, MPI_SUM, x->comm);
        MPI_Allreduce(MPI_IN_PLACE, fm, 2 * nc, MPI_UINT64_T, MPI_MIN, x->comm);
        MPI_Allreduce(MPI_IN_PLACE, emitter, nc, MPI_INT, MPI_MIN, x->comm);
    }
    int nh = 0;
    uint64_t *heavy = sl_xcalloc((size_t)nc + 1, sizeof *heavy);
    int *h_emitter = sl_xcalloc((size_t)nc + 1, sizeof *h_emitter);
    for (int i = 0; i < nc; i++)
        if (w[i] > 0 && (double)w[i] >= r->threshold * (double)total &&
            fm[i] == ~fm[nc + i] && r->ns > 0) {
            h_emitter[nh] = emitter[i];
            heavy[nh++] = cand[i];
        }
    sl_free(w);
    sl_free(fm);
    sl_free(emitter);
    sl_free(cand);

    /* 3. the candidates' rows go on, keeping the heavy groups' splittable values here */
    sl_rowstore **store = sl_xcalloc((size_t)nh + 1, sizeof *store);
    sl_batch **held_row = sl_xcalloc((size_t)nh + 1, sizeof *held_row);
    int64_t *cnt = sl_xcalloc((size_t)nh * (size_t)r->ns + 1, sizeof *cnt);
    sl_type *vt = sl_xcalloc((size_t)r->ns + 1, sizeof *vt);
    for (int s = 0; s < r->ns; s++)
        vt[s] = SL_T_VARCHAR;
    for (int g = 0; g < nh; g++)
        store[g] = sl_rowstore_new(x->ctx, op->grant);
    sl_batch *b = NULL;
    while (!err->code && !sl_rowstore_next(cstore, &b, err) && b) {
        hash_keys(r, b);
        int64_t live = sl_batch_live(b), n_keep = 0;
        uint32_t *keep = sl_xcalloc((size_t)live + 1, sizeof *keep);
        for (int64_t kk = 0; kk < live; kk++) {
            int64_t i = sl_batch_row(b, kk);
            int g = find_u64(heavy, nh, r->hashes[kk]);
            if (g < 0) {
                keep[n_keep++] = (uint32_t)i;
                continue;
            }
            sl_batch *vb = sl_batch_new(r->ns, vt, 1);
            for (int s = 0; s < r->ns; s++) {
                int col = r->col0[r->split[s]];
                cnt[(int64_t)g * r->ns + s] += n_vals(r, b, r->split[s], i);
                sl_vec_push_from(vb->cols[s], b->cols[col], i);
                sl_vec_set_valid(b->cols[col], i, false);
            }
            vb->n_rows = 1;
            sl_rowstore_append(store[g], vb, err);
            if (h_emitter[g] == x->rank && !held_row[g])
                held_row[g] = copy_row(b, i);
            else
                keep[n_keep++] = (uint32_t)i;
        }
        sl_batch_set_sel(b, keep, n_keep);
        sl_exec_emit(x, op, b, err);
        b = NULL;
    }
    sl_batch_free(&b);
    sl_rowstore_free(&cstore);
    sl_free(vt);

    /* 4. selection, 5. the results from each group's emitter */
    if (nh > 0 && r->ns > 0)
        MPI_Allreduce(MPI_IN_PLACE, cnt, nh * r->ns, MPI_INT64_T, MPI_SUM, x->comm);
    uint64_t *res = sl_xcalloc((size_t)r->roff[r->ns] + 1, sizeof *res);
    bool *has = sl_xcalloc((size_t)r->ns + 1, sizeof *has);
    sl_buf *sres = sl_xcalloc((size_t)r->ns + 1, sizeof *sres);
    for (int s = 0; s < r->ns; s++)
        sl_buf_init(&sres[s]);
    for (int g = 0; g < nh; g++) {
        sl_rowstore_seal(store[g], err);
        memset(has, 0, (size_t)r->ns * sizeof *has);
        finish_group(r, store[g], cnt + (int64_t)g * r->ns, res, sres, has, err);
        if (held_row[g]) {
            sl_exec_emit(x, op, result_row(r, held_row[g], res, sres, has), err);
            sl_batch_free(&held_row[g]);
        }
        sl_rowstore_free(&store[g]);
    }
    for (int s = 0; s < r->ns; s++)
        sl_buf_free(&sres[s]);
    sl_free(sres);
    sl_free(res);
    sl_free(has);
    sl_free(store);
    sl_free(held_row);
    sl_free(cnt);
    sl_free(heavy);
    sl_free(h_emitter);
    return err->code;
}
