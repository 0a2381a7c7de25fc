/*
 * Local ORDER BY with LIMIT/OFFSET (see sort.h). The live rows of all input batches are first
 * copied into one dense batch (inputs are freed as they are copied, so the peak is about one
 * copy), then a permutation is sorted with a stable top-down merge sort (insertion sort for
 * short runs; qsort is not stable). The comparator reads the typed column arrays directly, no
 * sl_value boxing. Ordering follows DuckDB: integers/dates/timestamps/booleans numerically,
 * DOUBLE numerically with NaN above every number (NaN == NaN, -0.0 == 0.0), VARCHAR bytewise
 * (memcmp, then shorter first). NULL placement is absolute (nulls_first), not flipped by DESC.
 * Local.
 */
#include "exec/sort.h"

#include "core/mem.h"

#include <string.h>

typedef struct {
    const sl_vec *v;
    bool desc, nulls_first;
} sort_key;

typedef struct {
    const sort_key *keys;
    int n_keys;
} sort_ctx;

static int cmp_i64(int64_t a, int64_t b) { return (a > b) - (a < b); }

static int cmp_f64(double a, double b)
{
    bool an = a != a, bn = b != b;
    if (an || bn)
        return (int)an - (int)bn;
    return (a > b) - (a < b);
}

static int cmp_str(const sl_vec *v, int64_t a, int64_t b)
{
    int64_t la, lb;
    const char *pa = sl_vec_str(v, a, &la), *pb = sl_vec_str(v, b, &lb);
    int64_t m = la < lb ? la : lb;
    int c = m ? memcmp(pa, pb, (size_t)m) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return (la > lb) - (la < lb);
}

/* Compares physical rows a and b of the dense batch over every key. */
static int cmp_rows(const sort_ctx *s, int64_t a, int64_t b)
{
    for (int k = 0; k < s->n_keys; k++) {
        const sort_key *key = &s->keys[k];
        const sl_vec *v = key->v;
        bool va = sl_vec_valid(v, a), vb = sl_vec_valid(v, b);
        if (!va || !vb) {
            if (va == vb)
                continue;
            /* Exactly one is NULL. */
            int nul_cmp = key->nulls_first ? -1 : 1;
            return !va ? nul_cmp : -nul_cmp;
        }
        int c;
        switch (v->type) {
        case SL_T_DOUBLE: c = cmp_f64(v->d.f64[a], v->d.f64[b]); break;
        case SL_T_VARCHAR: c = cmp_str(v, a, b); break;
        default: c = cmp_i64(v->d.i64[a], v->d.i64[b]); break;
        }
        if (c)
            return key->desc ? -c : c;
    }
    return 0;
}

/* Stable: on ties the element from the left run goes first. */
static void merge_sort(const sort_ctx *s, int64_t *a, int64_t *tmp, int64_t n)
{
    if (n <= 16) {
        for (int64_t i = 1; i < n; i++) {
            int64_t x = a[i], j = i;
            while (j > 0 && cmp_rows(s, a[j - 1], x) > 0) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    int64_t h = n / 2;
    merge_sort(s, a, tmp, h);
    merge_sort(s, a + h, tmp, n - h);
    /* Already in order: common for presorted input, saves the merge. */
    if (cmp_rows(s, a[h - 1], a[h]) <= 0)
        return;
    memcpy(tmp, a, sizeof *a * (size_t)h);
    int64_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        if (cmp_rows(s, a[j], tmp[i]) < 0)
            a[k++] = a[j++];
        else
            a[k++] = tmp[i++];
    }
    while (i < h)
        a[k++] = tmp[i++];
}

int sl_sort_rows(sl_batchlist *in, int n_keys, const int *key_cols, const bool *desc,
                 const bool *nulls_first, int64_t offset, int64_t limit, sl_batch **out,
                 sl_err *err)
{
    *out = NULL;
    if (in->n == 0) {
        /* No batch, no schema to build an empty batch from: the caller knows the types. */
        sl_batchlist_free(in);
        return 0;
    }
    int n_cols = in->b[0]->n_cols;
    for (int k = 0; k < n_keys; k++) {
        if (key_cols[k] < 0 || key_cols[k] >= n_cols) {
            sl_batchlist_free(in);
            return SL_ERR(err, SL_EINTERNAL, "sort: key column %d out of range (%d columns)",
                          key_cols[k], n_cols);
        }
    }
    sl_type *types = sl_xmalloc(sizeof *types * (size_t)(n_cols ? n_cols : 1));
    for (int c = 0; c < n_cols; c++)
        types[c] = in->b[0]->cols[c]->type;

    int64_t n = sl_batchlist_rows(in);
    sl_batch *all = sl_batch_new(n_cols, types, n);
    for (int i = 0; i < in->n; i++) {
        sl_batch_append(all, in->b[i]);
        sl_batch_free(&in->b[i]);
    }
    sl_batchlist_free(in);

    if (offset < 0)
        offset = 0;
    int64_t lo = offset < n ? offset : n;
    int64_t hi = (limit < 0 || limit > n - lo) ? n : lo + limit;

    int64_t *perm = sl_xmalloc(sizeof *perm * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++)
        perm[i] = i;
    if (n_keys > 0 && n > 1) {
        sort_key *keys = sl_xmalloc(sizeof *keys * (size_t)n_keys);
        for (int k = 0; k < n_keys; k++) {
            keys[k].v = all->cols[key_cols[k]];
            keys[k].desc = desc ? desc[k] : false;
            keys[k].nulls_first = nulls_first ? nulls_first[k] : false;
        }
        sort_ctx ctx = { keys, n_keys };
        int64_t *tmp = sl_xmalloc(sizeof *tmp * (size_t)(n / 2 + 1));
        merge_sort(&ctx, perm, tmp, n);
        sl_free(tmp);
        sl_free(keys);
    }

    sl_batch *res = sl_batch_new(n_cols, types, hi - lo);
    for (int c = 0; c < n_cols; c++) {
        sl_vec *d = res->cols[c];
        const sl_vec *s = all->cols[c];
        for (int64_t i = lo; i < hi; i++)
            sl_vec_push_from(d, s, perm[i]);
    }
    res->n_rows = hi - lo;
    sl_free(perm);
    sl_free(types);
    sl_batch_free(&all);
    *out = res;
    return 0;
}
