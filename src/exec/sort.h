/*
 * Local sort of materialized rows by key columns (ORDER BY on rank 0 after the gather),
 * with LIMIT/OFFSET. Comparison follows DuckDB: numbers numerically, strings bytewise
 * (memcmp, then length), booleans false < true, NULLs placed by nulls_first per key. The sort
 * is stable. Local.
 */
#ifndef SL_SORT_H
#define SL_SORT_H

#include "batch/batch.h"
#include "core/err.h"

/* Sorts the live rows of every batch in `in` (consumed) into one new batch *out (dense),
 * keeping rows [offset, offset+limit) (limit -1 = all). desc / nulls_first may be NULL (all
 * false). Every batch of `in` has the same column types. When `in` holds no batch at all
 * there is no schema to build from: *out is NULL and 0 is returned. Returns new *out; free
 * with sl_batch_free. Local. */
int sl_sort_rows(sl_batchlist *in, int n_keys, const int *key_cols, const bool *desc,
                 const bool *nulls_first, int64_t offset, int64_t limit, sl_batch **out,
                 sl_err *err);

#endif
