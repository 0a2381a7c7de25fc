/*
 * Band conditions of a hash join (see join_bounds.h). Local.
 */
#include "exec/join_bounds.h"

#include <stdlib.h>
#include <string.h>

#include "batch/rowcmp.h"
#include "core/err.h"
#include "core/mem.h"
#include "func/func.h"

/* Buckets up to this many entries are ordered by insertion, longer ones by qsort. */
#define SMALL_BUCKET 16

sl_jbounds *sl_jbounds_make(const sl_expr *residual, int n_probe, sl_expr **rest)
{
    sl_band band;
    *rest = NULL;
    if (!sl_band_split(residual, n_probe, &band))
        return NULL;
    sl_jbounds *jb = sl_xcalloc(1, sizeof *jb);
    jb->t = band.t;
    jb->n = band.n;
    *rest = band.rest;
    sl_free(band.text);
    return jb;
}

static void free_probe(sl_jbounds *jb)
{
    for (int t = 0; jb->lo && t < jb->n; t++) {
        sl_free(jb->lo[t]);
        sl_free(jb->hi[t]);
    }
    sl_free(jb->lo);
    sl_free(jb->hi);
    sl_free(jb->pok);
    jb->lo = jb->hi = NULL;
    jb->pok = NULL;
    jb->pcap = 0;
}

void sl_jbounds_free(sl_jbounds **pjb)
{
    sl_jbounds *jb = *pjb;
    if (!jb)
        return;
    sl_jbounds_drop(jb);
    free_probe(jb);
    for (int t = 0; t < jb->n; t++) {
        sl_expr_free(&jb->t[t].probe);
        sl_expr_free(&jb->t[t].build);
    }
    sl_free(jb->t);
    sl_free(jb);
    *pjb = NULL;
}

int64_t sl_jbounds_row_bytes(const sl_jbounds *jb)
{
    return jb ? (int64_t)jb->n * 8 + 1 : 0;
}

/* ---- values ---- */

/* A DOUBLE's key as a signed integer: sl_f64_key (the order fn_f64_cmp compares by) with its
 * top bit flipped, so ranges and comparisons run on int64_t as for the integer types. */
static inline int64_t dbl_key(double d)
{
    return (int64_t)(sl_f64_key(d) ^ (UINT64_C(1) << 63));
}

/* Row i of v as term t's key (v valid at i). */
static inline int64_t key_at(const sl_band_term *t, const sl_vec *v, int64_t i)
{
    return t->dbl ? dbl_key(v->d.f64[i]) : v->d.i64[i];
}

/* Build values are compared in the order (tag, non-NULL, first term's value, position). */
typedef struct ord_rec {
    uint64_t tag;
    int64_t v;
    uint32_t pos;
    uint8_t ok;
} ord_rec;

static int ord_cmp(const void *pa, const void *pb)
{
    const ord_rec *a = pa, *b = pb;
    if (a->tag != b->tag)
        return a->tag < b->tag ? -1 : 1;
    if (a->ok != b->ok)
        return a->ok < b->ok ? -1 : 1;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

static void order_small(ord_rec *r, int64_t m)
{
    for (int64_t i = 1; i < m; i++) {
        ord_rec x = r[i];
        int64_t k = i;
        for (; k > 0 && ord_cmp(&r[k - 1], &x) > 0; k--)
            r[k] = r[k - 1];
        r[k] = x;
    }
}

/* Orders each bucket's entries (and their build values) as the file comment says. */
static void order_buckets(sl_jbounds *jb, sl_join_ent *ent, const int64_t *dir, uint64_t buckets)
{
    int64_t most = 0;
    for (uint64_t s = 0; s < buckets; s++)
        most = dir[s + 1] - dir[s] > most ? dir[s + 1] - dir[s] : most;
    if (most < 2)
        return;
    ord_rec *rec = sl_xmalloc(sizeof *rec * (size_t)most);
    sl_join_ent *te = sl_xmalloc(sizeof *te * (size_t)most);
    int64_t *tv = sl_xmalloc(sizeof *tv * (size_t)most);
    for (uint64_t s = 0; s < buckets; s++) {
        int64_t j0 = dir[s], m = dir[s + 1] - j0;
        if (m < 2)
            continue;
        for (int64_t k = 0; k < m; k++)
            rec[k] = (ord_rec){ ent[j0 + k].tag, jb->bval[0][j0 + k], (uint32_t)k,
                                jb->bok[j0 + k] };
        if (m <= SMALL_BUCKET)
            order_small(rec, m);
        else
            qsort(rec, (size_t)m, sizeof *rec, ord_cmp);
        for (int64_t k = 0; k < m; k++)
            te[k] = ent[j0 + rec[k].pos];
        memcpy(ent + j0, te, sizeof *te * (size_t)m);
        for (int t = 1; t < jb->n; t++) {
            for (int64_t k = 0; k < m; k++)
                tv[k] = jb->bval[t][j0 + rec[k].pos];
            memcpy(jb->bval[t] + j0, tv, sizeof *tv * (size_t)m);
        }
        for (int64_t k = 0; k < m; k++) {
            jb->bval[0][j0 + k] = rec[k].v;
            jb->bok[j0 + k] = rec[k].ok;
        }
    }
    sl_free(rec);
    sl_free(te);
    sl_free(tv);
}

/* jb->check: the terms after the first whose build values decrease somewhere along a
 * bucket's order among one tag's non-NULL entries (the others narrow by binary search). */
static void find_unordered(sl_jbounds *jb, const sl_join_ent *ent, const int64_t *dir,
                           uint64_t buckets)
{
    jb->check = sl_xmalloc(sizeof *jb->check * (size_t)jb->n);
    jb->n_check = 0;
    for (int t = 1; t < jb->n; t++) {
        const int64_t *v = jb->bval[t];
        bool ordered = true;
        for (uint64_t s = 0; s < buckets && ordered; s++)
            for (int64_t j = dir[s] + 1; j < dir[s + 1] && ordered; j++)
                ordered = !(jb->bok[j] && jb->bok[j - 1] && ent[j].tag == ent[j - 1].tag &&
                            v[j] < v[j - 1]);
        if (!ordered)
            jb->check[jb->n_check++] = t;
    }
}

/* jb->bmin, bmax of the checked terms over blocks of the n_ent entries. */
static void block_bounds(sl_jbounds *jb, int64_t n_ent)
{
    int64_t nblk = (n_ent + SL_JB_BLOCK - 1) / SL_JB_BLOCK;
    jb->bmin = sl_xcalloc((size_t)jb->n_check + 1, sizeof *jb->bmin);
    jb->bmax = sl_xcalloc((size_t)jb->n_check + 1, sizeof *jb->bmax);
    for (int c = 0; c < jb->n_check; c++) {
        const int64_t *v = jb->bval[jb->check[c]];
        int64_t *lo = jb->bmin[c] = sl_xmalloc(sizeof *lo * (size_t)(nblk + 1));
        int64_t *hi = jb->bmax[c] = sl_xmalloc(sizeof *hi * (size_t)(nblk + 1));
        for (int64_t k = 0; k < nblk; k++) {
            lo[k] = INT64_MAX; /* a block of NULLs only: no value passes */
            hi[k] = INT64_MIN;
            for (int64_t j = k * SL_JB_BLOCK; j < n_ent && j < (k + 1) * SL_JB_BLOCK; j++) {
                if (!jb->bok[j])
                    continue;
                lo[k] = v[j] < lo[k] ? v[j] : lo[k];
                hi[k] = v[j] > hi[k] ? v[j] : hi[k];
            }
        }
    }
}

/* Whether some entry of block k may pass the checked terms for probe row r. */
static bool block_may_pass(const sl_jbounds *jb, int64_t r, int64_t k)
{
    for (int c = 0; c < jb->n_check; c++) {
        int t = jb->check[c];
        if (jb->bmax[c][k] < jb->lo[t][r] || jb->bmin[c][k] > jb->hi[t][r])
            return false;
    }
    return true;
}

int64_t sl_jbounds_next_checked(const sl_jbounds *jb, int64_t r, int64_t j, int64_t j1)
{
    while (j < j1) {
        int64_t k = j >> SL_JB_BLOCK_BITS, end = (k + 1) * SL_JB_BLOCK;
        end = end < j1 ? end : j1;
        if (block_may_pass(jb, r, k))
            for (; j < end; j++)
                if (sl_jbounds_pass(jb, r, j))
                    return j;
        j = end;
    }
    return j1;
}

void sl_jbounds_drop(sl_jbounds *jb)
{
    if (!jb)
        return;
    for (int c = 0; jb->bmin && c < jb->n_check; c++) {
        sl_free(jb->bmin[c]);
        sl_free(jb->bmax[c]);
    }
    sl_free(jb->bmin);
    sl_free(jb->bmax);
    jb->bmin = jb->bmax = NULL;
    sl_free(jb->check);
    jb->check = NULL;
    jb->n_check = 0;
    for (int t = 0; jb->bval && t < jb->n; t++)
        sl_free(jb->bval[t]);
    sl_free(jb->bval);
    sl_free(jb->bok);
    jb->bval = NULL;
    jb->bok = NULL;
    jb->built = false;
}

bool sl_jbounds_build(sl_jbounds *jb, sl_batch *const *bs, int nb, const int64_t *first,
                      int64_t n_rows, sl_join_ent *ent, const int64_t *dir, uint64_t buckets)
{
    sl_jbounds_drop(jb);
    int64_t n_ent = dir[buckets];
    jb->bval = sl_xcalloc((size_t)jb->n, sizeof *jb->bval);
    jb->bok = sl_xmalloc((size_t)n_ent + 1);
    /* One term at a time: its values by build row, then by entry. */
    int64_t *flat = sl_xmalloc(sizeof *flat * (size_t)(n_rows + 1));
    uint8_t *ok = sl_xmalloc((size_t)n_rows + 1);
    memset(ok, 1, (size_t)n_rows + 1);
    bool good = true;
    for (int t = 0; t < jb->n && good; t++) {
        const sl_band_term *tm = &jb->t[t];
        for (int b = 0; b < nb && good; b++) {
            sl_vec *v = NULL;
            sl_err err = { 0 };
            if (sl_expr_eval(tm->build, bs[b], &v, &err)) {
                good = false;
                break;
            }
            for (int64_t r = 0; r < bs[b]->n_rows; r++) { /* build batches are dense */
                int64_t i = first[b] + r;
                bool valid = sl_vec_valid(v, r);
                flat[i] = valid ? key_at(tm, v, r) : 0; /* 0: a defined order among NULLs */
                ok[i] &= valid;
            }
            sl_vec_free(&v);
        }
        if (!good)
            break;
        jb->bval[t] = sl_xmalloc(sizeof *jb->bval[t] * (size_t)(n_ent + 1));
        for (int64_t j = 0; j < n_ent; j++) {
            int64_t ref = ent[j].ref;
            jb->bval[t][j] = flat[first[SL_REF_BATCH(ref)] + SL_REF_ROW(ref)];
        }
    }
    if (good) {
        for (int64_t j = 0; j < n_ent; j++) {
            int64_t ref = ent[j].ref;
            jb->bok[j] = ok[first[SL_REF_BATCH(ref)] + SL_REF_ROW(ref)];
        }
        order_buckets(jb, ent, dir, buckets);
        find_unordered(jb, ent, dir, buckets);
        block_bounds(jb, n_ent);
    }
    sl_free(flat);
    sl_free(ok);
    if (!good)
        sl_jbounds_drop(jb);
    jb->built = good;
    return good;
}

/* Term t's range for the probe value key k: false when it is empty. */
static bool range_of(const sl_band_term *t, int64_t k, int64_t *lo, int64_t *hi)
{
    *lo = INT64_MIN;
    *hi = INT64_MAX;
    switch (t->op) {
    case SL_FN_LT: /* k < b */
        *lo = k + (k < INT64_MAX);
        return k < INT64_MAX;
    case SL_FN_LE:
        *lo = k;
        return true;
    case SL_FN_GT: /* k > b */
        *hi = k - (k > INT64_MIN);
        return k > INT64_MIN;
    case SL_FN_GE:
        *hi = k;
        return true;
    default: /* EQ */
        *lo = *hi = k;
        return true;
    }
}

bool sl_jbounds_probe(sl_jbounds *jb, const sl_batch *pb)
{
    if (pb->n_rows > jb->pcap) {
        free_probe(jb);
        jb->pcap = pb->n_rows;
        jb->lo = sl_xcalloc((size_t)jb->n, sizeof *jb->lo);
        jb->hi = sl_xcalloc((size_t)jb->n, sizeof *jb->hi);
        for (int t = 0; t < jb->n; t++) {
            jb->lo[t] = sl_xmalloc(sizeof *jb->lo[t] * (size_t)jb->pcap);
            jb->hi[t] = sl_xmalloc(sizeof *jb->hi[t] * (size_t)jb->pcap);
        }
        jb->pok = sl_xmalloc((size_t)jb->pcap);
    }
    int64_t live = sl_batch_live(pb);
    for (int64_t k = 0; k < live; k++)
        jb->pok[sl_batch_row(pb, k)] = 1;
    for (int t = 0; t < jb->n; t++) {
        const sl_band_term *tm = &jb->t[t];
        sl_vec *v = NULL;
        sl_err err = { 0 };
        if (sl_expr_eval(tm->probe, pb, &v, &err))
            return false;
        for (int64_t k = 0; k < live; k++) {
            int64_t r = sl_batch_row(pb, k);
            if (!sl_vec_valid(v, r) ||
                !range_of(tm, key_at(tm, v, r), &jb->lo[t][r], &jb->hi[t][r]))
                jb->pok[r] = 0;
        }
        sl_vec_free(&v);
    }
    return true;
}

/* Whether entry j comes before (tag, non-NULL, v) in a bucket's order (strict: v_j < v), or
 * with inclusive, not after it (v_j <= v). */
static inline bool ent_before(const sl_jbounds *jb, const sl_join_ent *ent, int64_t j,
                              uint64_t tag, int64_t v, bool inclusive)
{
    if (ent[j].tag != tag)
        return ent[j].tag < tag;
    if (!jb->bok[j])
        return true;
    return inclusive ? jb->bval[0][j] <= v : jb->bval[0][j] < v;
}

/* The first entry of [j0, j1) that ent_before does not hold for. */
static int64_t first_not_before(const sl_jbounds *jb, const sl_join_ent *ent, int64_t j0,
                                int64_t j1, uint64_t tag, int64_t v, bool inclusive)
{
    while (j0 < j1) {
        int64_t mid = j0 + (j1 - j0) / 2;
        if (ent_before(jb, ent, mid, tag, v, inclusive))
            j0 = mid + 1;
        else
            j1 = mid;
    }
    return j0;
}

/* The first j of [j0, j1) with v[j] >= x (v ascending there). */
static int64_t first_at_least(const int64_t *v, int64_t j0, int64_t j1, int64_t x)
{
    while (j0 < j1) {
        int64_t mid = j0 + (j1 - j0) / 2;
        if (v[mid] < x)
            j0 = mid + 1;
        else
            j1 = mid;
    }
    return j0;
}

bool sl_jbounds_narrow(const sl_jbounds *jb, int64_t r, uint64_t tag, const sl_join_ent *ent,
                       int64_t *j0, int64_t *j1)
{
    if (!jb->pok[r])
        return false;
    int64_t a = first_not_before(jb, ent, *j0, *j1, tag, jb->lo[0][r], false);
    int64_t b = first_not_before(jb, ent, a, *j1, tag, jb->hi[0][r], true);
    /* the ordered later terms: [a, b) holds one tag's non-NULL entries, each term's values
     * ascending over it */
    for (int t = 1, c = 0; t < jb->n && a < b; t++) {
        if (c < jb->n_check && jb->check[c] == t) {
            c++;
            continue;
        }
        a = first_at_least(jb->bval[t], a, b, jb->lo[t][r]);
        int64_t hi = jb->hi[t][r];
        b = hi == INT64_MAX ? b : first_at_least(jb->bval[t], a, b, hi + 1);
    }
    *j0 = a;
    *j1 = b;
    return a < b;
}
