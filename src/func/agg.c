/*
 * Hash aggregation (see agg.h for the two phases and the state layout).
 *
 * Groups are numbered 0..n_groups-1 in order of first appearance. Their key values live in
 * columnar sl_vec's (one value per group) and their hashes in ghash[]; each aggregate call
 * keeps one array of fixed-size states indexed by group (its registry entry, func/aggregate.h,
 * says the size and does all the work on them: this file never looks inside a state).
 *
 * The index is open addressing with linear probing over 8-byte slots {32-bit tag, group+1};
 * the slot is taken from the HIGH bits of the hash because the exchange routes rows by hash %
 * P, so after a shuffle the low bits of every key on a rank are alike (and a grace partition
 * fixes bits 16..31 too): the tag folds both halves of the hash, so that it still tells apart
 * most keys of one probe chain (it only filters the key compares; ghash[] keeps the whole hash
 * for rehashing). Resized above 3/4 load (over_load). Slots of 8 bytes, not 16, and that load: a
 * table of 1e7 groups is 128 MB of slots, not 512 (16-byte slots at 1/2 load), and its probes
 * (a cache and TLB miss each) were the top item of q10's final aggregation.
 *
 * A lone VARCHAR key also has a 16-byte inline view per group (length + first 12 bytes,
 * kview): a probe whose tag matches compares that view at the group's number, which the probe
 * loop prefetches, and reads the group's key bytes from the heap only when both values are
 * longer than 12 bytes and their views agree. With 1e5 id3 groups over 1e7 rows each probe
 * otherwise missed the cache twice (the group's offset, then its bytes; issue 14).
 *
 * Two or more keys that can fit 16 bytes together (VARCHARs and 8-byte words: q2's id1, id2,
 * q9's id2, id4) get one packed view per group and per batch row instead (agg_keys.h): equal
 * views of fitting keys are equal keys, so such a probe reads no key column at all. A batch
 * in which most rows do not fit turns the views off for good. The remaining compares go
 * through key_eq, which inlines the 8-byte and byte-string cases of val_eq (q2: the call
 * and its switch per key were a quarter of the CPU; with the views, 0.46 -> 0.36 s).
 *
 * A lone integer key (BIGINT, INTEGER, DATE, DECIMAL(<=18), ...: compared as its 8 bytes) whose
 * values so far span at most DIRECT_SPAN is looked up in a direct index instead (group + 1 at
 * value - low end; DuckDB's "perfect hash" aggregation): no hashing and no probing for a row,
 * only for a new group. db-benchmark's q4 (100 id4 values) spent more than half its CPU
 * hashing, probing and comparing keys. The hash table is kept up to date beside it, so a batch
 * whose values would stretch the span past DIRECT_SPAN turns the index off for good and goes
 * on through the table at no cost.
 *
 * consume/merge hash the whole batch first (column at a time), then probe, then hand the
 * whole batch's group ids to each aggregate's update or combine: one indirect call per batch
 * and aggregate, a tight loop inside.
 * All functions are Local.
 */
#include "func/agg.h"

#include "func/aggregate.h"
#include "func/agg_keys.h"

#include <assert.h>
#include <string.h>

#include "batch/list_order.h"
#include "batch/wire.h"
#include "core/mem.h"

typedef struct {
    const sl_agg *call;
    const sl_aggfn *fn;
    int64_t sb;         /* state bytes per group */
    int n_cols;         /* state columns */
    int in_col;         /* consume: first input state column to combine, or -1: update */
    uint8_t *data;      /* gcap states of sb bytes */
} aggstate;

typedef struct {
    uint32_t h;         /* tag(hash) */
    uint32_t g1;        /* group + 1; 0 = empty */
} slot;

struct sl_hashagg {
    int n_keys, n_aggs;
    sl_type *key_types;
    uint8_t *key_eq;    /* per key: key_eq's kind of compare */
    const sl_agg *aggs;
    sl_vec **keys;      /* n_keys columns, one value per group */
    /* A lone VARCHAR key's inline view per group (kview): its length and first 12 bytes, so
     * that a probe compares 16 bytes at the group's number instead of chasing the group's
     * offset and heap bytes (two cache misses a row with 1e5 id3 groups, issue 14); NULL
     * when the first key is of another type. */
    struct kview *kv;
    bool use_kv;
    /* Several keys that may fit 16 bytes together (pview_make: q2's two VARCHARs, q9's
     * VARCHAR and BIGINT): kv holds each group's packed view instead, and rv each batch
     * row's; the probe compares them and the key columns only when a view is too long. */
    bool use_pv;
    struct kview *rv;
    /* The direct index of a lone integer key (file comment): dix[v - dlo] is the group + 1 of
     * value v for dlo <= v <= dhi (0: none yet), dnull the NULL key's; direct is 1 while it
     * is in use, 0 while the groups are too few for the span of their values (or before the
     * first batch), -1 for other keys or once the span is past DIRECT_SPAN_MAX. klo..khi
     * holds every group's key (the union of the batches' ranges) while direct >= 0. */
    int direct;
    uint32_t *dix;
    int64_t dlo, dhi, klo, khi;
    uint32_t dnull;
    uint64_t *ghash;
    int64_t n_groups, gcap;
    slot *tab;
    int64_t tcap;       /* power of two */
    int shift;          /* 64 - log2(tcap) */
    aggstate *st;
    /* Bytes of values held by the aggregates that keep every value (needs_all_values): an
     * upper bound (16 per value: 8 and the array's doubling slack), for the budget. */
    int64_t held;
    int n_holistic;     /* how many such aggregate calls */
    /* per-batch scratch; new_rows[j]: the input row that made group base + j of a batch */
    uint64_t *hashes;
    uint32_t *gids;
    uint32_t *new_rows;
    int64_t scratch_cap;
};

#define TAB_INIT 1024
/* Widest range of values the direct index covers: always 1 MB of uint32 (q4's 100 id4 values,
 * q5's 1e5 id6 values at 1e7 rows); up to 8 MB while the groups so far fill at least
 * 1/DIRECT_DENSITY of it (q5's 1e6 id6 values at 1e8 rows: 4 MB for 1e6 groups, whose table
 * slots take 32 MB), so a few values far apart never get a big index. */
#define DIRECT_SPAN (1 << 18)
#define DIRECT_SPAN_MAX (1 << 21)
#define DIRECT_DENSITY 32

/* A table of cap slots holding n groups is due to grow: above 3/4 load. Linear probing over
 * 8-byte slots (8 to a cache line) stays short there, and at ~1 group per row (q10, 1e7 groups
 * on a rank) the slots are 2^24, 128 MB, instead of the 2^25 that a 1/2 rule needs: half the
 * first-touch page faults and TLB reach of the probe loop's cache misses. */
static inline bool over_load(int64_t n, int64_t cap) { return n * 4 > cap * 3; }

/* The 32 bits of a hash a slot keeps: both halves folded (see the file comment). */
static inline uint32_t tag(uint64_t hash) { return (uint32_t)(hash ^ (hash >> 32)); }

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
    h->key_eq = sl_xmalloc((size_t)(n_keys ? n_keys : 1));
    for (int k = 0; k < n_keys; k++) {
        h->key_types[k] = key_types[k];
        h->key_eq[k] = key_eq_kind(key_types[k]);
        h->keys[k] = sl_vec_new(key_types[k], 16);
    }
    /* Only for a lone key: with more keys the others' bytes are read anyway, and a table of
     * ~1 group per row (q10's six keys) would pay 16 bytes a group for few compares. */
    h->use_kv = n_keys == 1 && sl_type_phys(key_types[0]) == SL_T_VARCHAR;
    h->use_pv = pview_fits(n_keys, key_types);
    /* val_eq compares these as their 8 bytes (not DOUBLE: -0.0 and NaN fold). */
    h->direct = n_keys == 1 && !sl_type_is_var(key_types[0]) &&
                sl_type_phys(key_types[0]) != SL_T_DOUBLE ? 0 : -1;
    h->klo = INT64_MAX;
    h->khi = INT64_MIN;
    h->st = sl_xcalloc((size_t)(n_aggs ? n_aggs : 1), sizeof *h->st);
    for (int a = 0; a < n_aggs; a++) {
        aggstate *s = &h->st[a];
        s->call = &aggs[a];
        s->fn = aggs[a].fn;
        s->sb = s->fn->state_bytes(&aggs[a]);
        s->n_cols = sl_agg_state_ncols(&aggs[a]);
        s->in_col = -1;
        h->n_holistic += s->fn->needs_all_values;
    }
    table_init(h, TAB_INIT);
    return h;
}

/* Frees every per-group array and string; leaves the object with no groups and no table. */
static void drop_groups(sl_hashagg *h)
{
    for (int a = 0; a < h->n_aggs; a++) {
        aggstate *s = &h->st[a];
        if (s->fn->destroy && s->data)
            s->fn->destroy(s->call, s->data, h->n_groups);
        sl_free(s->data);
        s->data = NULL;
    }
    sl_free(h->ghash);
    h->ghash = NULL;
    sl_free(h->kv);
    h->kv = NULL;
    sl_free(h->dix);
    h->dix = NULL;
    h->dnull = 0;
    if (h->direct > 0)
        h->direct = 0;
    h->klo = INT64_MAX;
    h->khi = INT64_MIN;
    h->n_groups = h->gcap = 0;
    h->held = 0;
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
    sl_free(h->key_eq);
    sl_free(h->st);
    sl_free(h->hashes);
    sl_free(h->rv);
    sl_free(h->gids);
    sl_free(h->new_rows);
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
    int64_t rows = extra_groups;
    if (h->n_keys == 0)
        extra_groups = h->n_groups ? 0 : 1;
    else
        extra_groups = extra_groups / 4 + 1;
    /* Large states (a sketch's 4 KB of registers) would make that guess hundreds of new 4 KB
     * groups per batch, and the table flush every batch: assume there at most twice the
     * groups (plus 16) per batch, overshooting by part of one batch at worst as well. */
    int64_t state_sum = 0;
    for (int a = 0; a < h->n_aggs; a++)
        state_sum += h->st[a].sb;
    if (state_sum > 256 && extra_groups > h->n_groups + 16)
        extra_groups = h->n_groups + 16;
    int64_t need = h->n_groups + extra_groups;
    int64_t gcap = h->gcap, tcap = h->tab ? h->tcap : TAB_INIT;
    while (gcap < need)
        gcap = gcap ? gcap * 2 : 256;
    while (over_load(need, tcap))
        tcap *= 2;
    int64_t per_group = 8 + (h->use_kv || h->use_pv ? (int64_t)sizeof(kview) : 0); /* ghash, kv */
    for (int a = 0; a < h->n_aggs; a++) {
        const aggstate *s = &h->st[a];
        per_group += s->sb + (s->fn->heap_bytes ? s->fn->heap_bytes(s->call) : 0);
    }
    int64_t heap = 0;
    for (int k = 0; k < h->n_keys; k++) {
        const sl_vec *v = h->keys[k];
        int64_t kcap = v->cap;
        while (kcap < need)
            kcap = kcap ? kcap * 2 : 16;
        heap += kcap * 8 + (kcap / 64 + 1) * 8;
        if (sl_type_is_var(v->type) && v->n > 0) {
            /* The heap doubles like the arrays: round the extrapolated length up the same way. */
            int64_t want = v->heap_len / v->n * need + v->heap_len % v->n + 8, hc = v->heap_cap;
            while (hc < want)
                hc = hc ? hc * 2 : 64;
            heap += hc;
        }
    }
    /* Aggregates that keep every value grow by up to one value per row. */
    heap += h->held + rows * 16 * h->n_holistic;
    if (h->dix) /* the direct index: at most DIRECT_SPAN entries */
        heap += (h->dhi - h->dlo + 1) * 4;
    return gcap * per_group + tcap * (int64_t)sizeof(slot) + heap +
           h->scratch_cap * (16 + (h->use_pv ? (int64_t)sizeof(kview) : 0));
}

int64_t sl_hashagg_presize_bytes(const sl_hashagg *h, int64_t groups)
{
    /* sl_hashagg_bytes assumes a quarter of the rows are new groups. */
    return h->n_groups ? 0 : sl_hashagg_bytes(h, 4 * groups);
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
    if (h->use_kv || h->use_pv)
        h->kv = sl_xrealloc(h->kv, (size_t)nc * sizeof *h->kv);
    for (int a = 0; a < h->n_aggs; a++) {
        aggstate *s = &h->st[a];
        s->data = sl_xrealloc(s->data, (size_t)(nc * s->sb));
    }
    h->gcap = nc;
}

/* Puts group g (its ghash set) into a free slot of the table. */
static void table_add(sl_hashagg *h, int64_t g)
{
    int64_t mask = h->tcap - 1, idx = (int64_t)(h->ghash[g] >> h->shift);
    while (h->tab[idx].g1)
        idx = (idx + 1) & mask;
    h->tab[idx].h = tag(h->ghash[g]);
    h->tab[idx].g1 = (uint32_t)(g + 1);
}

static void rehash(sl_hashagg *h)
{
    sl_free(h->tab);
    table_init(h, h->tcap * 2);
    for (int64_t g = 0; g < h->n_groups; g++)
        table_add(h, g);
}

void sl_hashagg_presize(sl_hashagg *h, int64_t groups)
{
    if (h->n_groups || h->n_keys == 0 || groups <= 0)
        return;
    int64_t tcap = TAB_INIT;
    while (over_load(groups, tcap))
        tcap *= 2;
    if (!h->tab || h->tcap < tcap) {
        sl_free(h->tab);
        table_init(h, tcap);
    }
    grow_groups(h, groups);
    for (int k = 0; k < h->n_keys; k++)
        sl_vec_reserve(h->keys[k], groups);
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
        uint8_t *p = s->data + g * s->sb;
        memset(p, 0, (size_t)s->sb);
        if (s->fn->init)
            s->fn->init(s->call, p, 1);
    }
    h->n_groups++;
    return g;
}

/* memcmp(a, b, n) == 0 without a libc call for the short keys most group-bys have (codes,
 * ids: "id001"): with two VARCHAR keys the call was an eighth of q2's CPU. */
static inline bool bytes_eq(const char *a, const char *b, int64_t n)
{
    if (n > 16)
        return memcmp(a, b, (size_t)n) == 0;
    uint64_t x, y;
    if (n >= 8) { /* the first and the last 8 bytes (they overlap below 16) */
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        uint64_t d = x ^ y;
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return (d | (x ^ y)) == 0;
    }
    if (n >= 4) {
        uint32_t u, v, w, z;
        memcpy(&u, a, 4);
        memcpy(&v, b, 4);
        memcpy(&w, a + n - 4, 4);
        memcpy(&z, b + n - 4, 4);
        return ((u ^ v) | (w ^ z)) == 0;
    }
    for (int64_t k = 0; k < n; k++)
        if (a[k] != b[k])
            return false;
    return true;
}

/* Grouping equality of value g of a and value i of b, both valid: -0.0 equals 0.0 and NaN
 * equals NaN, as hashing folds them the same way; INTERVALs and LISTs by DuckDB's equality. */
static inline bool val_eq(const sl_vec *a, int64_t g, const sl_vec *b, int64_t i)
{
    switch (sl_type_phys(a->type)) {
    case SL_T_DOUBLE: {
        double x = a->d.f64[g], y = b->d.f64[i];
        return x == y || (x != x && y != y);
    }
    case SL_T_VARCHAR:
    case SL_T_HUGEINT:
    case SL_T_UBIGINT:
    case SL_T_UHUGEINT: {
        int64_t la, lb;
        const char *pa = sl_vec_str(a, g, &la), *pb = sl_vec_str(b, i, &lb);
        return la == lb && bytes_eq(pa, pb, la);
    }
    case SL_T_INTERVAL: { /* DuckDB's equality: '30 days' = '1 month' (types.h) */
        int64_t la, lb;
        const char *pa = sl_vec_str(a, g, &la), *pb = sl_vec_str(b, i, &lb);
        return la == lb && (la != SL_IV_BYTES ||
                            sl_interval_cmp(sl_interval_get(pa), sl_interval_get(pb)) == 0);
    }
    default:
        if (sl_list_order_is_nested(a->type)) { /* DuckDB's equality: [-0.0] = [0.0] */
            int64_t la, lb;
            const char *pa = sl_vec_str(a, g, &la), *pb = sl_vec_str(b, i, &lb);
            return sl_list_cmp(a->type, pa, la, pb, lb) == 0;
        }
        return a->d.i64[g] == b->d.i64[i];
    }
}

/* val_eq with its two common cases inline (an 8-byte word; stored bytes): the call and
 * its switch per key and probe were a quarter of q2's CPU (two VARCHAR keys). */
static inline bool key_eq(uint8_t kind, const sl_vec *a, int64_t g, const sl_vec *b, int64_t i)
{
    if (kind == EQ_WORD)
        return a->d.i64[g] == b->d.i64[i];
    if (kind == EQ_BYTES) {
        int64_t oa = a->d.off[g], la = a->d.off[g + 1] - oa;
        int64_t ob = b->d.off[i], lb = b->d.off[i + 1] - ob;
        return la == lb && bytes_eq(a->heap + oa, b->heap + ob, la);
    }
    return val_eq(a, g, b, i);
}

/* Group g's keys equal row i of vecs (NULL equals NULL; val_eq's rules). With a lone VARCHAR
 * key (h->use_kv), *iv is row i's view of it: the group's view decides key 0 unless both
 * are longer than KV_INLINE bytes. */
static bool keys_eq(const sl_hashagg *h, int64_t g, sl_vec *const *vecs, int64_t i,
                    const kview *iv)
{
    int k0 = 0;
    if (h->use_kv) {
        const kview *gv = &h->kv[g];
        if (!kview_eq(gv, iv))
            return false;
        if (gv->len != KV_NULL && gv->len > KV_INLINE && !val_eq(h->keys[0], g, vecs[0], i))
            return false;
        k0 = 1;
    }
    for (int k = k0; k < h->n_keys; k++) {
        const sl_vec *a = h->keys[k], *b = vecs[k];
        bool va = sl_vec_valid(a, g), vb = sl_vec_valid(b, i);
        if (va != vb)
            return false;
        if (va && !key_eq(h->key_eq[k], a, g, b, i))
            return false;
    }
    return true;
}

/* Row i of vecs equals row j of vecs in every key (keys_eq's rules): a group made earlier in
 * the same batch is compared through the input row that made it. */
static bool rows_eq(const sl_hashagg *h, sl_vec *const *vecs, int64_t i, int64_t j)
{
    for (int k = 0; k < h->n_keys; k++) {
        const sl_vec *v = vecs[k];
        bool va = sl_vec_valid(v, i), vb = sl_vec_valid(v, j);
        if (va != vb)
            return false;
        if (va && !key_eq(h->key_eq[k], v, i, v, j))
            return false;
    }
    return true;
}

/* Appends rows[0..n) of src to dst: one reservation and one heap growth per column, not one
 * check per value. */
static void append_rows(sl_vec *dst, const sl_vec *src, const uint32_t *rows, int64_t n)
{
    int64_t at = dst->n;
    sl_vec_reserve(dst, at + n);
    if (sl_type_is_var(dst->type)) {
        int64_t bytes = 0;
        for (int64_t j = 0; j < n; j++)
            bytes += src->d.off[rows[j] + 1] - src->d.off[rows[j]];
        sl_grow((void **)&dst->heap, &dst->heap_cap, dst->heap_len + bytes, 1);
        int64_t len = dst->heap_len;
        for (int64_t j = 0; j < n; j++) {
            int64_t r = rows[j], l = src->d.off[r + 1] - src->d.off[r];
            bool ok = sl_vec_valid(src, r);
            if (ok && l)
                memcpy(dst->heap + len, src->heap + src->d.off[r], (size_t)l);
            len += ok ? l : 0;
            dst->d.off[at + j + 1] = len;
            sl_vec_set_valid(dst, at + j, ok);
        }
        dst->heap_len = len;
    } else {
        for (int64_t j = 0; j < n; j++) {
            int64_t r = rows[j];
            bool ok = sl_vec_valid(src, r);
            dst->d.i64[at + j] = ok ? src->d.i64[r] : 0;
            sl_vec_set_valid(dst, at + j, ok);
        }
    }
    dst->n = at + n;
}

/* Makes the direct index cover lo..hi and every group's key: 1 when it does (a wider index is
 * rebuilt from the groups' keys), 0 when the groups are too few for that span yet, -1 when
 * the span is past DIRECT_SPAN_MAX. */
static int direct_cover(sl_hashagg *h, int64_t lo, int64_t hi)
{
    if (h->dix && lo >= h->dlo && hi <= h->dhi)
        return 1;
    lo = lo < h->klo ? lo : h->klo;
    hi = hi > h->khi ? hi : h->khi;
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    if (span >= DIRECT_SPAN_MAX)
        return -1;
    if (span >= DIRECT_SPAN && span >= (uint64_t)h->n_groups * DIRECT_DENSITY)
        return 0;
    sl_free(h->dix);
    h->dix = sl_xcalloc((size_t)(hi - lo + 1), sizeof *h->dix);
    h->dlo = lo;
    h->dhi = hi;
    const sl_vec *k = h->keys[0];
    for (int64_t g = 0; g < h->n_groups; g++) {
        if (sl_vec_valid(k, g))
            h->dix[k->d.i64[g] - lo] = (uint32_t)(g + 1);
        else
            h->dnull = (uint32_t)(g + 1);
    }
    return 1;
}

/* assign_groups through the direct index: false when the batch's values do not fit it (the
 * table, kept up to date beside it, takes the batch; past DIRECT_SPAN_MAX for good). */
static bool assign_direct(sl_hashagg *h, sl_vec *const *vecs, const uint32_t *sel, int64_t n)
{
    const sl_vec *v = vecs[0];
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sel ? sel[k] : k;
        if (sl_vec_valid(v, i)) {
            int64_t x = v->d.i64[i];
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
        }
    }
    /* An all-NULL batch needs dnull, which is up to date while the index exists (or while
     * there are no groups): the table's groups may hold the NULL key otherwise. */
    int cover = lo <= hi ? direct_cover(h, lo, hi) : h->dix || !h->n_groups ? 1 : 0;
    if (lo <= hi) {
        h->klo = lo < h->klo ? lo : h->klo;
        h->khi = hi > h->khi ? hi : h->khi;
    }
    if (cover <= 0) {
        sl_free(h->dix);
        h->dix = NULL;
        h->direct = cover;
        return false;
    }
    h->direct = 1;
    int64_t base = h->n_groups;
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sel ? sel[k] : k;
        uint32_t *e = sl_vec_valid(v, i) ? &h->dix[v->d.i64[i] - h->dlo] : &h->dnull;
        if (!*e) {
            h->new_rows[h->n_groups - base] = (uint32_t)i;
            *e = (uint32_t)++h->n_groups;
        }
        h->gids[k] = *e - 1;
    }
    int64_t added = h->n_groups - base;
    if (added == 0)
        return true;
    /* New groups still get their hash and slot: the table takes over should the index stop. */
    grow_groups(h, h->n_groups);
    sl_hash_vecs_sel(vecs, 1, h->new_rows, added, h->hashes);
    memcpy(h->ghash + base, h->hashes, (size_t)added * 8);
    int64_t from = base;
    if (over_load(h->n_groups, h->tcap)) {
        int64_t cap = h->tcap;
        while (over_load(h->n_groups, cap))
            cap *= 2;
        sl_free(h->tab);
        table_init(h, cap);
        from = 0;
    }
    for (int64_t g = from; g < h->n_groups; g++)
        table_add(h, g);
    return true;
}

/* The key values and zeroed states of groups base.. made by one batch (new_rows). */
static void init_new_groups(sl_hashagg *h, sl_vec *const *vecs, int64_t base)
{
    int64_t added = h->n_groups - base;
    if (added == 0)
        return;
    for (int k = 0; k < h->n_keys; k++)
        append_rows(h->keys[k], vecs[k], h->new_rows, added);
    if (h->use_kv)
        for (int64_t j = 0; j < added; j++)
            h->kv[base + j] = kview_of(h->keys[0], base + j);
    for (int a = 0; a < h->n_aggs; a++) {
        aggstate *s = &h->st[a];
        uint8_t *p = s->data + base * s->sb;
        memset(p, 0, (size_t)(added * s->sb));
        if (s->fn->init)
            s->fn->init(s->call, p, added);
    }
}

/* The per-batch scratch arrays for n rows (all of them: a batch through
 * sl_hashagg_rows_to_states must not leave new_rows shorter than scratch_cap says). */
static void scratch_reserve(sl_hashagg *h, int64_t n)
{
    if (n <= h->scratch_cap)
        return;
    h->hashes = sl_xrealloc(h->hashes, (size_t)n * 8);
    h->gids = sl_xrealloc(h->gids, (size_t)n * 4);
    h->new_rows = sl_xrealloc(h->new_rows, (size_t)n * 4);
    if (h->use_pv)
        h->rv = sl_xrealloc(h->rv, (size_t)n * sizeof *h->rv);
    h->scratch_cap = n;
}

/* The packed views of a batch's live rows into h->rv; false when most do not fit (long
 * strings): the views cost more than they save, and the table goes on without them. */
static bool pview_batch(sl_hashagg *h, sl_vec *const *vecs, const uint32_t *sel, int64_t n)
{
    int64_t lng = 0;
    for (int64_t k = 0; k < n; k++) {
        pview_make(&h->rv[k], vecs, h->n_keys, sel ? sel[k] : k);
        lng += ((const unsigned char *)&h->rv[k])[0] == PV_LONG;
    }
    return lng * 2 <= n;
}

/* Fills h->gids[k] with the group of the k-th live row (sel or 0..n), creating groups. A new
 * group gets its slot, hash and number at once, but its key values and zeroed states only
 * after the loop, column at a time (appending a row's six keys value by value was a third of
 * a ~1-group-per-row final aggregation, issue 14); until then a later row of the batch that
 * lands on it compares against the input row that made it (new_rows). */
static void assign_groups(sl_hashagg *h, sl_vec *const *vecs, const uint32_t *sel, int64_t n)
{
    scratch_reserve(h, n);
    if (h->n_keys == 0) {
        /* One group for everything: no hashing, no probing. */
        if (n > 0 && h->n_groups == 0)
            new_group(h, 0, vecs, 0);
        memset(h->gids, 0, (size_t)n * 4);
        return;
    }
    if (!h->tab)
        table_init(h, TAB_INIT);
    int64_t base = h->n_groups;
    if (h->direct >= 0 && assign_direct(h, vecs, sel, n)) {
        init_new_groups(h, vecs, base);
        return;
    }
    sl_hash_vecs_sel(vecs, h->n_keys, sel, n, h->hashes);
    if (h->use_pv && !pview_batch(h, vecs, sel, n)) {
        h->use_pv = false; /* for good: the groups' views are no longer kept */
        sl_free(h->kv);
        h->kv = NULL;
    }
    bool fixed0 = !sl_type_is_var(h->keys[0]->type);
    /* Prefetching the slot a few rows ahead hides most of the cache miss of a big table. */
    enum { AHEAD = 16 };
    for (int64_t k = 0; k < n; k++) {
        if (k + AHEAD < n)
            __builtin_prefetch(&h->tab[h->hashes[k + AHEAD] >> h->shift]);
        if (k + AHEAD / 2 < n && (h->use_pv || h->use_kv)) {
            const slot *ps = &h->tab[h->hashes[k + AHEAD / 2] >> h->shift];
            if (ps->g1)
                __builtin_prefetch(&h->kv[ps->g1 - 1]);
        } else if (k + AHEAD / 2 < n && fixed0) {
            /* By now that slot is cached: fetch the key it points at for the compare. */
            const slot *ps = &h->tab[h->hashes[k + AHEAD / 2] >> h->shift];
            if (ps->g1 && ps->g1 - 1 < base)
                __builtin_prefetch(&h->keys[0]->d.i64[ps->g1 - 1]);
        }
        uint64_t hash = h->hashes[k];
        int64_t i = sel ? sel[k] : k, mask = h->tcap - 1, g = -1;
        int64_t idx = (int64_t)(hash >> h->shift);
        uint32_t t = tag(hash);
        kview iv;
        bool have_iv = false;
        for (;;) {
            slot *s = &h->tab[idx];
            if (!s->g1)
                break;
            if (s->h == t) {
                int64_t c = s->g1 - 1;
                int d = h->use_pv ? pview_decide(&h->kv[c], &h->rv[k]) : 2;
                if (d < 2) {
                    if (d) {
                        g = c;
                        break;
                    }
                    idx = (idx + 1) & mask;
                    continue;
                }
                if (c < base && h->use_kv && !have_iv) {
                    iv = kview_of(vecs[0], i);
                    have_iv = true;
                }
                if (c < base ? keys_eq(h, c, vecs, i, &iv)
                             : rows_eq(h, vecs, h->new_rows[c - base], i)) {
                    g = c;
                    break;
                }
            }
            idx = (idx + 1) & mask;
        }
        if (g < 0) {
            g = h->n_groups++;
            grow_groups(h, g + 1);
            h->ghash[g] = hash;
            h->new_rows[g - base] = (uint32_t)i;
            if (h->use_pv)
                h->kv[g] = h->rv[k];
            h->tab[idx].h = t;
            h->tab[idx].g1 = (uint32_t)(g + 1);
            if (over_load(h->n_groups, h->tcap))
                rehash(h);
        }
        h->gids[k] = (uint32_t)g;
    }
    init_new_groups(h, vecs, base);
}

/* ---- folding batches in ---- */

void sl_hashagg_set_input(sl_hashagg *h, int a, int state_col)
{
    h->st[a].in_col = state_col;
}

/* Bytes of the VARCHAR states (a holistic aggregate's values) among the live rows. */
static int64_t held_bytes(const sl_vec *v, const uint32_t *sel, int64_t n)
{
    int64_t sum = 0, len = 0;
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sel ? (int64_t)sel[k] : k;
        if (v->type == SL_T_VARCHAR && sl_vec_valid(v, i)) {
            sl_vec_str(v, i, &len);
            sum += len;
        }
    }
    return sum;
}

/* Folds the live rows (whose groups are h->gids) into every aggregate: state input from
 * cols at each aggregate's in_col (or at consecutive offsets from first_col when
 * first_col >= 0), raw values from args[a] otherwise. */
static int fold_all(sl_hashagg *h, sl_vec *const *cols, int first_col, sl_vec *const *args,
                    const uint32_t *sel, int64_t n, sl_err *err)
{
    int c = first_col;
    for (int a = 0; a < h->n_aggs; a++) {
        aggstate *s = &h->st[a];
        int in = first_col >= 0 ? c : s->in_col;
        int rc;
        if (in >= 0) {
            if (s->fn->needs_all_values)
                h->held += 2 * held_bytes(cols[in], sel, n);
            rc = s->fn->combine(s->call, s->data, cols + in, h->gids, sel, n, err);
        } else {
            /* Aggregate a's arguments are args[a] and (two-argument ones) args[n_aggs + a]. */
            if (s->fn->n_args > 0 && !(args && args[a]))
                return SL_ERR(err, SL_EINTERNAL, "%s: no argument values",
                              s->call->text ? s->call->text : s->fn->name);
            sl_vec *av[SL_AGG_MAX_ARGS] = {args ? args[a] : NULL, NULL};
            if (s->fn->n_args > 1 && !s->fn->const_arg2) {
                av[1] = args[h->n_aggs + a];
                if (!av[1])
                    return SL_ERR(err, SL_EINTERNAL, "%s: no second argument values",
                                  s->call->text ? s->call->text : s->fn->name);
            }
            if (s->fn->needs_all_values) /* VARCHAR (mode, entropy): 4 + len a value */
                h->held += 16 * n + (av[0] && av[0]->type == SL_T_VARCHAR ?
                                     2 * held_bytes(av[0], sel, n) : 0);
            rc = s->fn->update(s->call, s->data, av, h->gids, sel, n, err);
        }
        if (rc)
            return rc;
        c += s->n_cols;
    }
    return 0;
}

int sl_hashagg_add_groups(sl_hashagg *h, const sl_batch *in, sl_vec *const *keys,
                          sl_err *err)
{
    int64_t n = sl_batch_live(in);
    if (n > 0)
        assign_groups(h, keys, in->sel, n);
    return 0;
}

int sl_hashagg_consume(sl_hashagg *h, const sl_batch *in, sl_vec *const *keys,
                       sl_vec *const *args, sl_err *err)
{
    int64_t n = sl_batch_live(in);
    if (n == 0)
        return 0;
    assign_groups(h, keys, in->sel, n);
    return fold_all(h, in->cols, -1, args, in->sel, n, err);
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
    return fold_all(h, states->cols, h->n_keys, NULL, states->sel, n, err);
}

/* ---- rows straight to states (adaptive partial aggregation) ---- */

int sl_hashagg_rows_to_states(sl_hashagg *h, const sl_batch *in, sl_vec **keys,
                              sl_vec *const *args, sl_batch **out, sl_err *err)
{
    *out = NULL;
    int64_t n = in->n_rows;
    int nk = h->n_keys, ncols = nk + sl_hashagg_state_ncols(h);
    for (int k = 0; k < nk; k++)
        if (!keys[k] || keys[k]->n != n || keys[k]->type != h->key_types[k])
            return SL_ERR(err, SL_EINTERNAL, "aggregate key %d: %s vector of %lld values for "
                          "a batch of %lld rows", k, keys[k] ? "wrong" : "no",
                          (long long)(keys[k] ? keys[k]->n : 0), (long long)n);
    /* States are laid out by physical row, so row r's group id is r: the selection is the
     * same for every column, and the key vectors move into the batch unchanged. */
    scratch_reserve(h, n);
    int64_t live = sl_batch_live(in);
    for (int64_t k = 0; k < live; k++)
        h->gids[k] = (uint32_t)sl_batch_row(in, k);
    sl_vec **cols = sl_xcalloc((size_t)ncols + 1, sizeof *cols);
    uint8_t **saved = sl_xcalloc((size_t)h->n_aggs + 1, sizeof *saved);
    for (int a = 0; a < h->n_aggs; a++) {
        aggstate *s = &h->st[a];
        saved[a] = s->data;
        s->data = sl_xcalloc((size_t)(n ? n : 1), (size_t)s->sb);
        if (s->fn->init)
            s->fn->init(s->call, s->data, n);
    }
    int64_t held = h->held;
    int rc = fold_all(h, in->cols, -1, args, in->sel, live, err);
    h->held = held;
    int c = nk;
    for (int a = 0; a < h->n_aggs; a++) {
        aggstate *s = &h->st[a];
        sl_type t[SL_AGG_MAX_STATE_COLS];
        sl_agg_state_types(s->call, t);
        for (int j = 0; j < s->n_cols; j++)
            cols[c + j] = sl_vec_new(t[j], n);
        if (!rc)
            s->fn->emit_states(s->call, s->data, n, cols + c);
        c += s->n_cols;
        if (s->fn->destroy)
            s->fn->destroy(s->call, s->data, n);
        sl_free(s->data);
        s->data = saved[a];
    }
    sl_free(saved);
    if (rc) {
        for (int i = nk; i < ncols; i++)
            sl_vec_free(&cols[i]);
        sl_free(cols);
        return rc;
    }
    for (int k = 0; k < nk; k++) {
        cols[k] = keys[k];
        keys[k] = NULL;
    }
    sl_batch *b = sl_batch_from_cols(ncols, cols, n);
    sl_free(cols);
    if (in->sel) {
        uint32_t *sel = sl_xmalloc((size_t)(live ? live : 1) * 4);
        memcpy(sel, in->sel, (size_t)live * 4);
        sl_batch_set_sel(b, sel, live);
    }
    *out = b;
    return 0;
}

/* ---- emit ---- */

/* Appends values [g0, g1) of src to the empty dst: whole arrays, not value by value. */
static void append_range(sl_vec *dst, const sl_vec *src, int64_t g0, int64_t g1)
{
    int64_t n = g1 - g0;
    assert(dst->n == 0);
    sl_vec_reserve(dst, n);
    if (sl_type_is_var(dst->type)) {
        int64_t o0 = src->d.off[g0], bytes = src->d.off[g1] - o0;
        sl_grow((void **)&dst->heap, &dst->heap_cap, bytes, 1);
        if (bytes)
            memcpy(dst->heap, src->heap + o0, (size_t)bytes);
        for (int64_t j = 0; j <= n; j++)
            dst->d.off[j] = src->d.off[g0 + j] - o0;
        dst->heap_len = bytes;
    } else {
        memcpy(dst->d.i64, src->d.i64 + g0, (size_t)n * 8);
    }
    for (int64_t j = 0; j < n; j++)
        if (sl_vec_valid(src, g0 + j))
            dst->valid[j >> 6] |= UINT64_C(1) << (j & 63);
    dst->n = n;
}

static void emit(sl_hashagg *h, bool final, sl_batchlist *out)
{
    int ncols = h->n_keys + (final ? h->n_aggs : sl_hashagg_state_ncols(h));
    sl_type *types = sl_xmalloc(sizeof *types * (size_t)(ncols ? ncols : 1));
    if (final) {
        for (int k = 0; k < h->n_keys; k++)
            types[k] = h->key_types[k];
        for (int a = 0; a < h->n_aggs; a++)
            types[h->n_keys + a] = h->aggs[a].type;
    } else {
        sl_hashagg_state_types(h, types);
    }
    for (int64_t g0 = 0; g0 < h->n_groups; g0 += SL_BATCH_ROWS) {
        int64_t g1 = g0 + SL_BATCH_ROWS < h->n_groups ? g0 + SL_BATCH_ROWS : h->n_groups;
        sl_batch *b = sl_batch_new(ncols, types, g1 - g0);
        for (int k = 0; k < h->n_keys; k++)
            append_range(b->cols[k], h->keys[k], g0, g1);
        int c = h->n_keys;
        for (int a = 0; a < h->n_aggs; a++) {
            const aggstate *s = &h->st[a];
            const uint8_t *p = s->data + g0 * s->sb;
            if (final) {
                s->fn->finalize(s->call, p, g1 - g0, b->cols[c++]);
            } else {
                s->fn->emit_states(s->call, p, g1 - g0, b->cols + c);
                c += s->n_cols;
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
