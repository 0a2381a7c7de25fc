/*
 * approx_quantile(x, q): an approximate quantile of the non-NULL values of x (BIGINT, DOUBLE,
 * DATE or TIMESTAMP; the result has x's type), q a constant in [0, 1] (sl_agg.param), from a
 * mergeable quantile sketch, so it costs a few KB per group instead of every value and its
 * states merge through the exchange like avg's. NULL for a group without values.
 *
 * The sketch is a stack of compactors (Manku-Rajagopalan-Lindsay; KLL's with equal
 * capacities): level h holds items of weight 2^h. A value enters level 0; a level that
 * reaches K = 512 items is sorted and compacted: every other item (offset 0 or 1, from a
 * pseudo-random bit) moves to level h+1, an odd one out stays. Merging two sketches
 * concatenates their levels and compacts the full ones. The answer is the retained item at
 * weighted rank max(1, ceil(q n)) (nearest rank, as quantile_disc), except q = 0 and q = 1,
 * which give the exact minimum and maximum (kept on the side).
 * Error bound: one compaction at level h moves the rank of any value by 0 or 2^h, with a
 * random sign; level h compacts at most n / (K 2^h) times, so the rank error is at most
 * n log2(n / K) / K in the worst case and its standard deviation at most sqrt(2) n / K
 * (0.28% of n). make stats holds the answer's rank within 1% of n of q n (3.6 standard
 * deviations; the pseudo-random bits are fixed, so a run is reproducible). A group of fewer
 * than K values is exact. The answer depends on the order states merge in, so it can differ
 * between rank counts (within the bound). Memory: K 8-byte items per level, about
 * log2(n / K) levels: 4 KB for a group of 512 values, ~90 KB for 1e9.
 *
 * Items are 8-byte keys whose unsigned order is the values' order (BIGINT and dates: the
 * sign bit flipped; DOUBLE: negative values inverted, others with the sign bit set; NaN
 * above every number, as DuckDB orders it). State: a pointer to the sketch (owned);
 * shipped as one VARCHAR of raw bytes [n, min, max, levels, then per level its count and
 * items], NULL while empty. Local.
 */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "func/aggregate.h"

#define AQ_K 512
#define AQ_LEVELS 48

typedef struct {
    int64_t n;               /* values folded in (= the total weight) */
    uint64_t min, max, rng;
    int nlev;
    int32_t cnt[AQ_LEVELS];
    uint64_t *lv[AQ_LEVELS]; /* each AQ_K * 2 items of room (a merge may overfill) */
} aq_sketch;

typedef struct {
    aq_sketch *s;
} aq_state;

SL_AGG_FIXED_STATE(aq_bytes, aq_state)

static bool aq_bind(const sl_type *args, sl_type *result)
{
    if (!sl_type_is_numeric(args[0]) && args[0] != SL_T_DATE && !sl_type_is_ts(args[0]))
        return false;
    *result = args[0];
    return true;
}

static int64_t aq_heap(const sl_agg *a) { return 2 * AQ_K * 8; }

static int aq_types(const sl_agg *a, sl_type *types)
{
    types[0] = SL_T_VARCHAR;
    return 1;
}

static inline uint64_t key_of_i64(int64_t x) { return (uint64_t)x ^ (UINT64_C(1) << 63); }

static void push_key(sl_vec *o, sl_type t, uint64_t k)
{
    if (t == SL_T_DOUBLE) {
        double x;
        uint64_t u = k == UINT64_MAX ? UINT64_C(0x7ff8000000000000)
                     : (k >> 63) ? k & ~(UINT64_C(1) << 63) : ~k;
        memcpy(&x, &u, 8);
        sl_vec_push_f64(o, x);
    } else {
        sl_vec_push_i64(o, (int64_t)(k ^ (UINT64_C(1) << 63)));
    }
}

static aq_sketch *sk_new(void)
{
    aq_sketch *s = sl_xcalloc(1, sizeof *s);
    s->min = UINT64_MAX;
    s->rng = UINT64_C(0x9e3779b97f4a7c15);
    return s;
}

static void sk_free(aq_sketch *s)
{
    if (!s)
        return;
    for (int h = 0; h < s->nlev; h++)
        sl_free(s->lv[h]);
    sl_free(s);
}

static void sk_level(aq_sketch *s, int h)
{
    while (s->nlev <= h)
        s->lv[s->nlev++] = sl_xmalloc(2 * AQ_K * sizeof(uint64_t));
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* Compacts every level holding AQ_K items or more, from the bottom up. */
static void sk_compact(aq_sketch *s)
{
    for (int h = 0; h < s->nlev; h++) {
        if (s->cnt[h] < AQ_K)
            continue;
        if (h + 1 >= AQ_LEVELS)
            break; /* 2^47 x 512 values: not reachable */
        sk_level(s, h + 1);
        uint64_t *v = s->lv[h];
        int32_t m = s->cnt[h] & ~1;
        qsort(v, (size_t)s->cnt[h], sizeof *v, cmp_u64);
        s->rng ^= s->rng << 13;
        s->rng ^= s->rng >> 7;
        s->rng ^= s->rng << 17;
        int off = (int)(s->rng & 1);
        uint64_t *up = s->lv[h + 1];
        for (int32_t i = off; i < m; i += 2)
            up[s->cnt[h + 1]++] = v[i];
        /* an odd one out (the largest) stays */
        if (s->cnt[h] > m)
            v[0] = v[m];
        s->cnt[h] -= m;
    }
}

static inline void sk_add(aq_sketch *s, uint64_t k)
{
    sk_level(s, 0);
    s->lv[0][s->cnt[0]++] = k;
    s->n++;
    if (k < s->min)
        s->min = k;
    if (k > s->max)
        s->max = k;
    if (s->cnt[0] >= AQ_K)
        sk_compact(s);
}

static int aq_update(const sl_agg *a, void *states, sl_vec *const *args,
                     const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    aq_state *st = states;
    const sl_vec *v = args[0];
    bool dbl = v->type == SL_T_DOUBLE;
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k);
        if (!sl_vec_valid(v, i))
            continue;
        aq_state *g = &st[gids[k]];
        if (!g->s)
            g->s = sk_new();
        sk_add(g->s, dbl ? sl_f64_key(v->d.f64[i]) : key_of_i64(v->d.i64[i]));
    }
    return 0;
}

/* Merges a serialized sketch (see the file comment) into s: level by level, then compacts.
 * A level of the input holds fewer than AQ_K items, so it fits the room left. */
static void sk_merge(aq_sketch *s, const char *p, int64_t len)
{
    int64_t hdr[4];
    if (len < 32)
        return;
    memcpy(hdr, p, 32);
    s->n += hdr[0];
    if ((uint64_t)hdr[1] < s->min)
        s->min = (uint64_t)hdr[1];
    if ((uint64_t)hdr[2] > s->max)
        s->max = (uint64_t)hdr[2];
    int64_t o = 32;
    for (int h = 0; h < hdr[3] && h < AQ_LEVELS && o + 8 <= len; h++) {
        int64_t c;
        memcpy(&c, p + o, 8);
        o += 8;
        sk_level(s, h);
        if (c > AQ_K || o + 8 * c > len)
            return; /* not a sketch of this file's: ignore the rest */
        memcpy(s->lv[h] + s->cnt[h], p + o, (size_t)c * 8);
        s->cnt[h] += (int32_t)c;
        o += 8 * c;
        /* Keep every level below AQ_K before the next one is appended. */
        if (s->cnt[h] >= AQ_K)
            sk_compact(s);
    }
    sk_compact(s);
}

static int aq_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                      const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    aq_state *st = states;
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k), len;
        if (!sl_vec_valid(cols[0], i))
            continue;
        aq_state *g = &st[gids[k]];
        if (!g->s)
            g->s = sk_new();
        const char *p = sl_vec_str(cols[0], i, &len);
        sk_merge(g->s, p, len);
    }
    return 0;
}

static void aq_emit(const sl_agg *a, const void *states, int64_t n, sl_vec *const *cols)
{
    const aq_state *st = states;
    char *buf = NULL;
    int64_t cap = 0;
    for (int64_t g = 0; g < n; g++) {
        const aq_sketch *s = st[g].s;
        if (!s || s->n == 0) {
            sl_vec_push_null(cols[0]);
            continue;
        }
        int64_t len = 32;
        for (int h = 0; h < s->nlev; h++)
            len += 8 + 8 * (int64_t)s->cnt[h];
        if (len > cap) {
            buf = sl_xrealloc(buf, (size_t)len);
            cap = len;
        }
        int64_t hdr[4] = {s->n, (int64_t)s->min, (int64_t)s->max, s->nlev}, o = 32;
        memcpy(buf, hdr, 32);
        for (int h = 0; h < s->nlev; h++) {
            int64_t c = s->cnt[h];
            memcpy(buf + o, &c, 8);
            if (c)
                memcpy(buf + o + 8, s->lv[h], (size_t)c * 8);
            o += 8 + 8 * c;
        }
        sl_vec_push_str(cols[0], buf, len);
    }
    sl_free(buf);
}

typedef struct {
    uint64_t k;
    int64_t w;
} witem;

static int cmp_witem(const void *x, const void *y)
{
    return cmp_u64(&((const witem *)x)->k, &((const witem *)y)->k);
}

/* The retained item at weighted rank max(1, ceil(q n)). */
static uint64_t sk_query(const aq_sketch *s, double q)
{
    if (q <= 0)
        return s->min;
    if (q >= 1)
        return s->max;
    int64_t m = 0;
    for (int h = 0; h < s->nlev; h++)
        m += s->cnt[h];
    witem *it = sl_xmalloc(sizeof *it * (size_t)(m ? m : 1));
    int64_t j = 0;
    for (int h = 0; h < s->nlev; h++)
        for (int32_t i = 0; i < s->cnt[h]; i++)
            it[j++] = (witem){s->lv[h][i], INT64_C(1) << h};
    qsort(it, (size_t)m, sizeof *it, cmp_witem);
    double r = q * (double)s->n;
    int64_t rank = (int64_t)r;
    if ((double)rank < r)
        rank++;
    if (rank < 1)
        rank = 1;
    uint64_t ans = s->max;
    int64_t cum = 0;
    for (int64_t i = 0; i < m; i++) {
        cum += it[i].w;
        if (cum >= rank) {
            ans = it[i].k;
            break;
        }
    }
    sl_free(it);
    return ans;
}

static void aq_finalize(const sl_agg *a, const void *states, int64_t n, sl_vec *out)
{
    const aq_state *st = states;
    for (int64_t g = 0; g < n; g++) {
        if (!st[g].s || st[g].s->n == 0)
            sl_vec_push_null(out);
        else
            push_key(out, a->type, sk_query(st[g].s, a->param));
    }
}

static void aq_destroy(const sl_agg *a, void *states, int64_t n)
{
    aq_state *st = states;
    for (int64_t g = 0; g < n; g++) {
        sk_free(st[g].s);
        st[g].s = NULL;
    }
}

const sl_aggfn sl_aggfn_approx_quantile = {
    .name = "approx_quantile",
    .n_args = 2,
    .const_arg2 = true,
    .bind = aq_bind,
    .state_bytes = aq_bytes,
    .state_types = aq_types,
    .update = aq_update,
    .combine = aq_combine,
    .emit_states = aq_emit,
    .finalize = aq_finalize,
    .destroy = aq_destroy,
    .heap_bytes = aq_heap,
};
