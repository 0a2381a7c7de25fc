/*
 * Hash aggregation (see agg.h for the two phases and the state layout).
 *
 * Groups are numbered 0..n_groups-1 in order of first appearance. Their key values live in
 * columnar sl_vec's (one value per group) and their hashes in ghash[]; the states of each
 * aggregate are parallel arrays indexed by group: n[] (count of non-NULL inputs, or rows for
 * count(*); for SUM/MIN/MAX "n > 0" means "has a value") and one 8-byte value v[] (SUM, AVG
 * sum, MIN/MAX), plus an owned byte buffer per group for VARCHAR MIN/MAX.
 *
 * The index is open addressing with linear probing over slots {hash, group+1}; the slot is
 * taken from the HIGH bits of the hash because the exchange routes rows by hash % P, so after
 * a shuffle the low bits of every key on a rank are alike. Resized at 50% load.
 *
 * consume/merge hash the whole batch first (column at a time), then probe, then update each
 * aggregate column at a time: tight loops with no per-row type dispatch.
 * All functions are Local.
 */
#include "func/agg.h"

#include <assert.h>
#include <string.h>

#include "batch/wire.h"
#include "core/mem.h"

typedef struct {
    sl_agg_kind kind;
    sl_type rtype;      /* result type (state value type for SUM/MIN/MAX) */
    const char *text;   /* for messages */
    int64_t *n;
    union {
        int64_t *i;
        double *f;
    } v;
    char **s;           /* VARCHAR MIN/MAX: owned bytes per group (sl_xmalloc) */
    int64_t *slen, *scap;
} aggstate;

typedef struct {
    uint64_t h;
    uint32_t g1;        /* group + 1; 0 = empty */
} slot;

struct sl_hashagg {
    int n_keys, n_aggs;
    sl_type *key_types;
    const sl_agg *aggs;
    sl_vec **keys;      /* n_keys columns, one value per group */
    uint64_t *ghash;
    int64_t n_groups, gcap;
    slot *tab;
    int64_t tcap;       /* power of two */
    int shift;          /* 64 - log2(tcap) */
    aggstate *st;
    /* per-batch scratch */
    uint64_t *hashes;
    uint32_t *gids;
    int64_t scratch_cap;
};

#define TAB_INIT 1024

static bool is_str_minmax(const aggstate *a)
{
    return (a->kind == SL_AGG_MIN || a->kind == SL_AGG_MAX) && a->rtype == SL_T_VARCHAR;
}

static void table_init(sl_hashagg *h, int64_t cap)
{
    h->tcap = cap;
    h->tab = sl_xcalloc((size_t)cap, sizeof *h->tab);
    int lg = 0;
    while (((int64_t)1 << lg) < cap)
        lg++;
    h->shift = 64 - lg;
}

sl_hashagg *sl_hashagg_new(int n_keys, const sl_type *key_types, int n_aggs, const sl_agg *aggs)
{
    sl_hashagg *h = sl_xcalloc(1, sizeof *h);
    h->n_keys = n_keys;
    h->n_aggs = n_aggs;
    h->aggs = aggs;
    h->key_types = sl_xmalloc(sizeof *h->key_types * (size_t)(n_keys ? n_keys : 1));
    h->keys = sl_xcalloc((size_t)(n_keys ? n_keys : 1), sizeof *h->keys);
    for (int k = 0; k < n_keys; k++) {
        h->key_types[k] = key_types[k];
        h->keys[k] = sl_vec_new(key_types[k], 16);
    }
    h->st = sl_xcalloc((size_t)(n_aggs ? n_aggs : 1), sizeof *h->st);
    for (int a = 0; a < n_aggs; a++) {
        h->st[a].kind = aggs[a].kind;
        h->st[a].rtype = aggs[a].type;
        h->st[a].text = aggs[a].text ? aggs[a].text : "aggregate";
        if (aggs[a].kind == SL_AGG_COUNT || aggs[a].kind == SL_AGG_COUNT_STAR)
            h->st[a].rtype = SL_T_BIGINT;
        if (aggs[a].kind == SL_AGG_AVG)
            h->st[a].rtype = SL_T_DOUBLE;
    }
    table_init(h, TAB_INIT);
    return h;
}

/* Frees every per-group array and string; leaves the object with no groups and no table. */
static void drop_groups(sl_hashagg *h)
{
    for (int a = 0; a < h->n_aggs; a++) {
        aggstate *s = &h->st[a];
        if (s->s)
            for (int64_t g = 0; g < h->n_groups; g++)
                sl_free(s->s[g]);
        sl_free(s->n);
        sl_free(s->v.i);
        sl_free(s->s);
        sl_free(s->slen);
        sl_free(s->scap);
        s->n = NULL;
        s->v.i = NULL;
        s->s = NULL;
        s->slen = s->scap = NULL;
    }
    sl_free(h->ghash);
    h->ghash = NULL;
    h->n_groups = h->gcap = 0;
    sl_free(h->tab);
    h->tab = NULL;
    for (int k = 0; k < h->n_keys; k++) {
        sl_vec_free(&h->keys[k]);
        h->keys[k] = sl_vec_new(h->key_types[k], 16);
    }
}

void sl_hashagg_free(sl_hashagg **ph)
{
    if (!ph || !*ph)
        return;
    sl_hashagg *h = *ph;
    drop_groups(h);
    for (int k = 0; k < h->n_keys; k++)
        sl_vec_free(&h->keys[k]);
    sl_free(h->keys);
    sl_free(h->key_types);
    sl_free(h->st);
    sl_free(h->hashes);
    sl_free(h->gids);
    sl_free(h);
    *ph = NULL;
}

int sl_hashagg_state_ncols(const sl_hashagg *h)
{
    int n = 0;
    for (int a = 0; a < h->n_aggs; a++)
        n += sl_agg_state_ncols(&h->aggs[a]);
    return n;
}

void sl_hashagg_state_types(const sl_hashagg *h, sl_type *types)
{
    int c = 0;
    for (int k = 0; k < h->n_keys; k++)
        types[c++] = h->key_types[k];
    for (int a = 0; a < h->n_aggs; a++)
        c += sl_agg_state_types(&h->aggs[a], types + c);
}

int64_t sl_hashagg_groups(const sl_hashagg *h) { return h->n_groups; }

int64_t sl_hashagg_bytes(const sl_hashagg *h, int64_t extra_groups)
{
    /* Without keys there is one group. With keys, assume a quarter of a batch is new groups:
     * assuming every row is new would make a small budget flush the table every few batches
     * (a worse trade than overshooting the reservation by part of one batch). */
    if (h->n_keys == 0)
        extra_groups = h->n_groups ? 0 : 1;
    else
        extra_groups = extra_groups / 4 + 1;
    int64_t need = h->n_groups + extra_groups;
    int64_t gcap = h->gcap, tcap = h->tab ? h->tcap : TAB_INIT;
    while (gcap < need)
        gcap = gcap ? gcap * 2 : 256;
    while (need * 2 > tcap)
        tcap *= 2;
    int64_t per_group = 8; /* ghash */
    for (int a = 0; a < h->n_aggs; a++)
        per_group += 16 + (is_str_minmax(&h->st[a]) ? 24 + 16 : 0);
    int64_t heap = 0;
    for (int k = 0; k < h->n_keys; k++) {
        const sl_vec *v = h->keys[k];
        int64_t kcap = v->cap;
        while (kcap < need)
            kcap = kcap ? kcap * 2 : 16;
        heap += kcap * 8 + (kcap / 64 + 1) * 8;
        if (v->type == SL_T_VARCHAR && v->n > 0) {
            /* The heap doubles like the arrays: round the extrapolated length up the same way. */
            int64_t want = v->heap_len / v->n * need + v->heap_len % v->n + 8, hc = v->heap_cap;
            while (hc < want)
                hc = hc ? hc * 2 : 64;
            heap += hc;
        }
    }
    return gcap * per_group + tcap * (int64_t)sizeof(slot) + heap +
           h->scratch_cap * 12;
}

/* ---- groups ---- */

static void grow_groups(sl_hashagg *h, int64_t need)
{
    if (need <= h->gcap)
        return;
    int64_t nc = h->gcap ? h->gcap * 2 : 256;
    while (nc < need)
        nc *= 2;
    h->ghash = sl_xrealloc(h->ghash, (size_t)nc * 8);
    for (int a = 0; a < h->n_aggs; a++) {
        aggstate *s = &h->st[a];
        s->n = sl_xrealloc(s->n, (size_t)nc * 8);
        s->v.i = sl_xrealloc(s->v.i, (size_t)nc * 8);
        if (is_str_minmax(s)) {
            s->s = sl_xrealloc(s->s, (size_t)nc * sizeof *s->s);
            s->slen = sl_xrealloc(s->slen, (size_t)nc * 8);
            s->scap = sl_xrealloc(s->scap, (size_t)nc * 8);
        }
    }
    h->gcap = nc;
}

static void rehash(sl_hashagg *h)
{
    sl_free(h->tab);
    table_init(h, h->tcap * 2);
    int64_t mask = h->tcap - 1;
    for (int64_t g = 0; g < h->n_groups; g++) {
        int64_t idx = (int64_t)(h->ghash[g] >> h->shift);
        while (h->tab[idx].g1)
            idx = (idx + 1) & mask;
        h->tab[idx].h = h->ghash[g];
        h->tab[idx].g1 = (uint32_t)(g + 1);
    }
}

static int64_t new_group(sl_hashagg *h, uint64_t hash, sl_vec *const *vecs, int64_t i)
{
    int64_t g = h->n_groups;
    grow_groups(h, g + 1);
    for (int k = 0; k < h->n_keys; k++)
        sl_vec_push_from(h->keys[k], vecs[k], i);
    h->ghash[g] = hash;
    for (int a = 0; a < h->n_aggs; a++) {
        aggstate *s = &h->st[a];
        s->n[g] = 0;
        s->v.i[g] = 0; /* also 0.0 for DOUBLE */
        if (s->s) {
            s->s[g] = NULL;
            s->slen[g] = s->scap[g] = 0;
        }
    }
    h->n_groups++;
    return g;
}

/* Grouping equality: NULL equals NULL; -0.0 equals 0.0 and NaN equals NaN, as hashing folds
 * them the same way. */
static bool keys_eq(const sl_hashagg *h, int64_t g, sl_vec *const *vecs, int64_t i)
{
    for (int k = 0; k < h->n_keys; k++) {
        const sl_vec *a = h->keys[k], *b = vecs[k];
        bool va = sl_vec_valid(a, g), vb = sl_vec_valid(b, i);
        if (va != vb)
            return false;
        if (!va)
            continue;
        switch (a->type) {
        case SL_T_DOUBLE: {
            double x = a->d.f64[g], y = b->d.f64[i];
            if (!(x == y || (x != x && y != y)))
                return false;
            break;
        }
        case SL_T_VARCHAR: {
            int64_t la, lb;
            const char *pa = sl_vec_str(a, g, &la), *pb = sl_vec_str(b, i, &lb);
            if (la != lb || memcmp(pa, pb, (size_t)la) != 0)
                return false;
            break;
        }
        default:
            if (a->d.i64[g] != b->d.i64[i])
                return false;
        }
    }
    return true;
}

static int64_t find_or_insert(sl_hashagg *h, uint64_t hash, sl_vec *const *vecs, int64_t i)
{
    if (!h->tab)
        table_init(h, TAB_INIT);
    int64_t mask = h->tcap - 1;
    int64_t idx = (int64_t)(hash >> h->shift);
    for (;;) {
        slot *s = &h->tab[idx];
        if (!s->g1)
            break;
        if (s->h == hash && keys_eq(h, s->g1 - 1, vecs, i))
            return s->g1 - 1;
        idx = (idx + 1) & mask;
    }
    int64_t g = new_group(h, hash, vecs, i);
    h->tab[idx].h = hash;
    h->tab[idx].g1 = (uint32_t)(g + 1);
    if (h->n_groups * 2 > h->tcap)
        rehash(h);
    return g;
}

/* Fills h->gids[k] with the group of the k-th live row (sel or 0..n), creating groups. */
static void assign_groups(sl_hashagg *h, sl_vec *const *vecs, const uint32_t *sel, int64_t n)
{
    if (n > h->scratch_cap) {
        h->hashes = sl_xrealloc(h->hashes, (size_t)n * 8);
        h->gids = sl_xrealloc(h->gids, (size_t)n * 4);
        h->scratch_cap = n;
    }
    if (h->n_keys == 0) {
        /* One group for everything: no hashing, no probing. */
        if (n > 0 && h->n_groups == 0)
            new_group(h, 0, vecs, 0);
        memset(h->gids, 0, (size_t)n * 4);
        return;
    }
    sl_hash_vecs_sel(vecs, h->n_keys, sel, n, h->hashes);
    /* Prefetching the slot a few rows ahead hides most of the cache miss of a big table. */
    enum { AHEAD = 16 };
    for (int64_t k = 0; k < n; k++) {
        if (k + AHEAD < n && h->tab)
            __builtin_prefetch(&h->tab[h->hashes[k + AHEAD] >> h->shift]);
        if (k + AHEAD / 2 < n && h->tab) {
            /* By now that slot is cached: fetch the key it points at for the compare. */
            const slot *s = &h->tab[h->hashes[k + AHEAD / 2] >> h->shift];
            if (s->g1 && h->keys[0]->type != SL_T_VARCHAR)
                __builtin_prefetch(&h->keys[0]->d.i64[s->g1 - 1]);
        }
        h->gids[k] = (uint32_t)find_or_insert(h, h->hashes[k], vecs, sel ? sel[k] : k);
    }
}

/* ---- updates ---- */

/* Three-way compare of two non-NULL values of type t; NaN sorts above every number (as in
 * DuckDB), strings bytewise with the shorter prefix first. */
static int cmp_f64(double x, double y)
{
    if (x != x)
        return y != y ? 0 : 1;
    if (y != y)
        return -1;
    return (x > y) - (x < y);
}

static int cmp_bytes(const char *a, int64_t la, const char *b, int64_t lb)
{
    int64_t m = la < lb ? la : lb;
    int c = m ? memcmp(a, b, (size_t)m) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return (la > lb) - (la < lb);
}

static void set_str(aggstate *s, int64_t g, const char *p, int64_t len)
{
    if (len > s->scap[g]) {
        s->s[g] = sl_xrealloc(s->s[g], (size_t)len);
        s->scap[g] = len;
    }
    if (len)
        memcpy(s->s[g], p, (size_t)len);
    s->slen[g] = len;
}

/* Folds value i of v (non-NULL, same type as the state) into MIN/MAX state of group g. */
static void minmax_one(aggstate *s, int64_t g, const sl_vec *v, int64_t i)
{
    int want = s->kind == SL_AGG_MIN ? -1 : 1;
    bool first = s->n[g] == 0;
    s->n[g]++;
    switch (s->rtype) {
    case SL_T_DOUBLE:
        if (first || cmp_f64(v->d.f64[i], s->v.f[g]) == want)
            s->v.f[g] = v->d.f64[i];
        break;
    case SL_T_VARCHAR: {
        int64_t len;
        const char *p = sl_vec_str(v, i, &len);
        if (first || cmp_bytes(p, len, s->s[g], s->slen[g]) == want)
            set_str(s, g, p, len);
        break;
    }
    default: {
        int64_t x = v->d.i64[i], y = s->v.i[g];
        if (first || (want < 0 ? x < y : x > y))
            s->v.i[g] = x;
    }
    }
}

static int sum_overflow(const aggstate *s, sl_err *err)
{
    return SL_ERR(err, SL_ERUNTIME, "Overflow in SUM: %s leaves the range of BIGINT "
                  "(cast the argument to DOUBLE to sum it approximately)", s->text);
}

/* Row index of the k-th live row. */
#define ROW(k) (sel ? (int64_t)sel[k] : (k))

static int update(aggstate *s, const sl_vec *arg, const uint32_t *gids, const uint32_t *sel,
                  int64_t n, sl_err *err)
{
    switch (s->kind) {
    case SL_AGG_COUNT_STAR:
        for (int64_t k = 0; k < n; k++)
            s->n[gids[k]]++;
        return 0;
    case SL_AGG_COUNT:
        for (int64_t k = 0; k < n; k++)
            s->n[gids[k]] += sl_vec_valid(arg, ROW(k));
        return 0;
    case SL_AGG_SUM:
        if (s->rtype == SL_T_BIGINT) {
            if (arg->type == SL_T_DOUBLE)
                return SL_ERR(err, SL_EINTERNAL, "%s: BIGINT sum of a DOUBLE argument", s->text);
            for (int64_t k = 0; k < n; k++) {
                int64_t i = ROW(k), g = gids[k];
                if (k + 16 < n) {
                    __builtin_prefetch(&s->v.i[gids[k + 16]], 1);
                    __builtin_prefetch(&s->n[gids[k + 16]], 1);
                }
                if (!sl_vec_valid(arg, i))
                    continue;
                if (__builtin_add_overflow(s->v.i[g], arg->d.i64[i], &s->v.i[g]))
                    return sum_overflow(s, err);
                s->n[g]++;
            }
            return 0;
        }
        /* A DOUBLE sum is AVG's sum without the division. */
        __attribute__((fallthrough));
    case SL_AGG_AVG:
        for (int64_t k = 0; k < n; k++) {
            int64_t i = ROW(k), g = gids[k];
            if (!sl_vec_valid(arg, i))
                continue;
            s->v.f[g] += arg->type == SL_T_DOUBLE ? arg->d.f64[i] : (double)arg->d.i64[i];
            s->n[g]++;
        }
        return 0;
    case SL_AGG_MIN:
    case SL_AGG_MAX:
        for (int64_t k = 0; k < n; k++) {
            int64_t i = ROW(k);
            if (sl_vec_valid(arg, i))
                minmax_one(s, gids[k], arg, i);
        }
        return 0;
    }
    return 0;
}

int sl_hashagg_consume(sl_hashagg *h, const sl_batch *in, sl_vec *const *keys,
                       sl_vec *const *args, sl_err *err)
{
    int64_t n = sl_batch_live(in);
    if (n == 0)
        return 0;
    assign_groups(h, keys, in->sel, n);
    for (int a = 0; a < h->n_aggs; a++) {
        assert(h->st[a].kind == SL_AGG_COUNT_STAR || args[a]);
        if (update(&h->st[a], args ? args[a] : NULL, h->gids, in->sel, n, err))
            return err->code;
    }
    return 0;
}

/* Folds state column c (layout of agg.h) of the live rows into aggregate s. */
static int merge_one(aggstate *s, sl_vec *const *cols, int c, const uint32_t *gids,
                     const uint32_t *sel, int64_t n, sl_err *err)
{
    const sl_vec *v = cols[c];
    switch (s->kind) {
    case SL_AGG_COUNT_STAR:
    case SL_AGG_COUNT:
        for (int64_t k = 0; k < n; k++) {
            int64_t i = ROW(k);
            if (sl_vec_valid(v, i))
                s->n[gids[k]] += v->d.i64[i];
        }
        return 0;
    case SL_AGG_SUM:
        for (int64_t k = 0; k < n; k++) {
            int64_t i = ROW(k), g = gids[k];
            if (!sl_vec_valid(v, i))
                continue;
            if (s->rtype == SL_T_DOUBLE)
                s->v.f[g] += v->d.f64[i];
            else if (__builtin_add_overflow(s->v.i[g], v->d.i64[i], &s->v.i[g]))
                return sum_overflow(s, err);
            s->n[g]++;
        }
        return 0;
    case SL_AGG_AVG: {
        const sl_vec *cnt = cols[c + 1];
        for (int64_t k = 0; k < n; k++) {
            int64_t i = ROW(k), g = gids[k];
            if (sl_vec_valid(v, i))
                s->v.f[g] += v->d.f64[i];
            if (sl_vec_valid(cnt, i))
                s->n[g] += cnt->d.i64[i];
        }
        return 0;
    }
    case SL_AGG_MIN:
    case SL_AGG_MAX:
        for (int64_t k = 0; k < n; k++) {
            int64_t i = ROW(k);
            if (sl_vec_valid(v, i))
                minmax_one(s, gids[k], v, i);
        }
        return 0;
    }
    return 0;
}

int sl_hashagg_merge(sl_hashagg *h, const sl_batch *states, sl_err *err)
{
    int want = h->n_keys + sl_hashagg_state_ncols(h);
    if (states->n_cols != want)
        return SL_ERR(err, SL_EINTERNAL, "aggregate state batch has %d columns, expected %d",
                      states->n_cols, want);
    int64_t n = sl_batch_live(states);
    if (n == 0)
        return 0;
    assign_groups(h, states->cols, states->sel, n);
    int c = h->n_keys;
    for (int a = 0; a < h->n_aggs; a++) {
        if (merge_one(&h->st[a], states->cols, c, h->gids, states->sel, n, err))
            return err->code;
        c += h->st[a].kind == SL_AGG_AVG ? 2 : 1;
    }
    return 0;
}

/* ---- emit ---- */

static void push_value(sl_vec *v, const aggstate *s, int64_t g)
{
    if (s->n[g] == 0)
        sl_vec_push_null(v);
    else if (s->rtype == SL_T_VARCHAR)
        sl_vec_push_str(v, s->s[g], s->slen[g]);
    else if (s->rtype == SL_T_DOUBLE)
        sl_vec_push_f64(v, s->v.f[g]);
    else
        sl_vec_push_i64(v, s->v.i[g]);
}

static void emit(sl_hashagg *h, bool final, sl_batchlist *out)
{
    int ncols = h->n_keys + (final ? h->n_aggs : sl_hashagg_state_ncols(h));
    sl_type *types = sl_xmalloc(sizeof *types * (size_t)(ncols ? ncols : 1));
    if (final) {
        for (int k = 0; k < h->n_keys; k++)
            types[k] = h->key_types[k];
        for (int a = 0; a < h->n_aggs; a++)
            types[h->n_keys + a] = h->st[a].rtype;
    } else {
        sl_hashagg_state_types(h, types);
    }
    for (int64_t g0 = 0; g0 < h->n_groups; g0 += SL_BATCH_ROWS) {
        int64_t g1 = g0 + SL_BATCH_ROWS < h->n_groups ? g0 + SL_BATCH_ROWS : h->n_groups;
        sl_batch *b = sl_batch_new(ncols, types, g1 - g0);
        for (int k = 0; k < h->n_keys; k++)
            for (int64_t g = g0; g < g1; g++)
                sl_vec_push_from(b->cols[k], h->keys[k], g);
        int c = h->n_keys;
        for (int a = 0; a < h->n_aggs; a++) {
            const aggstate *s = &h->st[a];
            sl_vec *v = b->cols[c++];
            for (int64_t g = g0; g < g1; g++) {
                switch (s->kind) {
                case SL_AGG_COUNT_STAR:
                case SL_AGG_COUNT:
                    sl_vec_push_i64(v, s->n[g]);
                    break;
                case SL_AGG_AVG:
                    if (!final)
                        sl_vec_push_f64(v, s->v.f[g]);
                    else if (s->n[g] == 0)
                        sl_vec_push_null(v);
                    else
                        sl_vec_push_f64(v, s->v.f[g] / (double)s->n[g]);
                    break;
                default:
                    push_value(v, s, g);
                }
            }
            if (s->kind == SL_AGG_AVG && !final) {
                sl_vec *cnt = b->cols[c++];
                for (int64_t g = g0; g < g1; g++)
                    sl_vec_push_i64(cnt, s->n[g]);
            }
        }
        b->n_rows = g1 - g0;
        sl_batchlist_push(out, b);
    }
    sl_free(types);
    drop_groups(h);
}

int sl_hashagg_emit_states(sl_hashagg *h, sl_batchlist *out, sl_err *err)
{
    emit(h, false, out);
    return 0;
}

int sl_hashagg_emit_final(sl_hashagg *h, sl_batchlist *out, sl_err *err)
{
    /* SQL: an aggregate without GROUP BY returns one row even over no input. */
    if (h->n_keys == 0 && h->n_groups == 0)
        new_group(h, 0, NULL, 0);
    emit(h, true, out);
    return 0;
}
