/*
 * Local ORDER BY with LIMIT/OFFSET of a list of batches (see sort.h). The live rows of all
 * input batches are first copied into one dense batch (inputs are freed as they are copied,
 * so the peak is about one copy), then a permutation is sorted stably (batch/rowcmp.h, which
 * also defines the order). Local.
 */
#include "exec/sort.h"

#include "batch/rowcmp.h"
#include "core/mem.h"

#include <string.h>

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
    sl_rowcmp cmp = { n_keys, key_cols, desc, nulls_first, false };
    sl_row_sort(&cmp, &all, perm, n);

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
