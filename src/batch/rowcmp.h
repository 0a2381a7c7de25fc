/*
 * Comparing rows of batches by sort keys, as ORDER BY orders them (DuckDB's order):
 * integers, dates, timestamps and booleans numerically; DOUBLE numerically with NaN above
 * every number (NaN == NaN, -0.0 == 0.0); VARCHAR bytewise (memcmp, then shorter first);
 * LISTs element by element (batch/list_order.h).
 * NULL placement is absolute (nulls_first), not flipped by DESC.
 *
 * tie_all: rows equal on the keys are then compared on every column in order (ascending,
 * NULLs last), so distinct rows are never equal. That makes a sort's output order (and a
 * range partitioning's split points) the same whatever the input order or rank count.
 * Local.
 */
#ifndef SL_ROWCMP_H
#define SL_ROWCMP_H

#include <stdbool.h>

#include "batch/batch.h"

typedef struct sl_rowcmp {
    int n_keys;
    const int *cols;          /* key columns */
    const bool *desc;         /* NULL = all ascending */
    const bool *nulls_first;  /* NULL = all NULLS LAST */
    bool tie_all;
} sl_rowcmp;

/* <0, 0, >0 as physical row ra of a orders before, with, after physical row rb of b. The
 * batches have the same column types. Local. */
int sl_row_cmp(const sl_rowcmp *c, const sl_batch *a, int64_t ra, const sl_batch *b,
               int64_t rb);

/* A row of a list of batches: batch index << 32 | physical row. */
#define SL_ROW_REF(batch, row) (((int64_t)(batch) << 32) | (int64_t)(row))
#define SL_REF_BATCH(ref) ((int)((ref) >> 32))
#define SL_REF_ROW(ref) ((ref) & 0xffffffff)

/* Sorts refs[0..n) (rows of the batches bs, see SL_ROW_REF) stably by c. Local. */
void sl_row_sort(const sl_rowcmp *c, sl_batch *const *bs, int64_t *refs, int64_t n);

/* Bytes sl_row_sort allocates while it sorts n rows (keyed entries and merge scratch, 60 a
 * row), beside the caller's refs: an operator under a memory budget reserves them with its
 * rows, since for narrow rows they are larger than the rows. Local. */
int64_t sl_row_sort_bytes(int64_t n);

#endif
