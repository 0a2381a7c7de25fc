/*
 * Row comparison and a stable index sort (see rowcmp.h). The sort is a top-down merge sort
 * (insertion sort for short runs; qsort is not stable) over row references; the comparator
 * reads the typed column arrays directly, no sl_value boxing. Local.
 */
#include "batch/rowcmp.h"

#include <string.h>

#include "core/mem.h"

static int cmp_i64(int64_t a, int64_t b) { return (a > b) - (a < b); }

static int cmp_f64(double a, double b)
{
    bool an = a != a, bn = b != b;
    if (an || bn)
        return (int)an - (int)bn;
    return (a > b) - (a < b);
}

static int cmp_str(const sl_vec *va, int64_t a, const sl_vec *vb, int64_t b)
{
    int64_t la, lb;
    const char *pa = sl_vec_str(va, a, &la), *pb = sl_vec_str(vb, b, &lb);
    int64_t m = la < lb ? la : lb;
    int c = m ? memcmp(pa, pb, (size_t)m) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return (la > lb) - (la < lb);
}

/* One column: NULL placement, then the value. */
static int cmp_col(const sl_vec *va, int64_t a, const sl_vec *vb, int64_t b, bool desc,
                   bool nulls_first)
{
    bool oka = sl_vec_valid(va, a), okb = sl_vec_valid(vb, b);
    if (!oka || !okb) {
        if (oka == okb)
            return 0;
        int nul = nulls_first ? -1 : 1;
        return !oka ? nul : -nul;
    }
    int c;
    switch (va->type) {
    case SL_T_DOUBLE: c = cmp_f64(va->d.f64[a], vb->d.f64[b]); break;
    case SL_T_VARCHAR: c = cmp_str(va, a, vb, b); break;
    default: c = cmp_i64(va->d.i64[a], vb->d.i64[b]); break;
    }
    return desc ? -c : c;
}

int sl_row_cmp(const sl_rowcmp *c, const sl_batch *a, int64_t ra, const sl_batch *b,
               int64_t rb)
{
    for (int k = 0; k < c->n_keys; k++) {
        int col = c->cols[k];
        int r = cmp_col(a->cols[col], ra, b->cols[col], rb, c->desc ? c->desc[k] : false,
                        c->nulls_first ? c->nulls_first[k] : false);
        if (r)
            return r;
    }
    if (c->tie_all) {
        for (int col = 0; col < a->n_cols; col++) {
            int r = cmp_col(a->cols[col], ra, b->cols[col], rb, false, false);
            if (r)
                return r;
        }
    }
    return 0;
}

static int cmp_refs(const sl_rowcmp *c, sl_batch *const *bs, int64_t x, int64_t y)
{
    return sl_row_cmp(c, bs[SL_REF_BATCH(x)], SL_REF_ROW(x), bs[SL_REF_BATCH(y)],
                      SL_REF_ROW(y));
}

/* Stable: on ties the element from the left run goes first. */
static void merge_sort(const sl_rowcmp *c, sl_batch *const *bs, int64_t *a, int64_t *tmp,
                       int64_t n)
{
    if (n <= 16) {
        for (int64_t i = 1; i < n; i++) {
            int64_t x = a[i], j = i;
            while (j > 0 && cmp_refs(c, bs, a[j - 1], x) > 0) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    int64_t h = n / 2;
    merge_sort(c, bs, a, tmp, h);
    merge_sort(c, bs, a + h, tmp, n - h);
    /* Already in order: common for presorted input, saves the merge. */
    if (cmp_refs(c, bs, a[h - 1], a[h]) <= 0)
        return;
    memcpy(tmp, a, sizeof *a * (size_t)h);
    int64_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        if (cmp_refs(c, bs, a[j], tmp[i]) < 0)
            a[k++] = a[j++];
        else
            a[k++] = tmp[i++];
    }
    while (i < h)
        a[k++] = tmp[i++];
}

void sl_row_sort(const sl_rowcmp *c, sl_batch *const *bs, int64_t *refs, int64_t n)
{
    if (n < 2 || (c->n_keys == 0 && !c->tie_all))
        return;
    int64_t *tmp = sl_xmalloc(sizeof *tmp * (size_t)(n / 2 + 1));
    merge_sort(c, bs, refs, tmp, n);
    sl_free(tmp);
}
