/*
 * A spillable column store: the rows one rank keeps for a persisted table (CREATE TABLE AS),
 * as dense columnar blocks that later statements read any number of times (issue 14).
 *
 * Appending packs the live rows of the batches it is given into dense blocks of about
 * SL_BATCH_ROWS rows (a dense batch of at least half that size is kept as it is; smaller or
 * filtered ones are copied column by column into the block being filled, strings into the
 * block's own heap). A full block stays in memory while sl_budget_reserve_upto(bytes, level)
 * allows; once one does not fit, it and every later block go to the store's spill file,
 * column after column ([validity words, none when no NULL][values: their differences from the
 * block's least value in 1, 2, 4 or 8 bytes each | lengths so, heap]), so that reading a
 * column back is a few reads straight into a new vector and one widening pass.
 *
 * Reading (after seal): any number of cursors, each handing out the blocks in order as new
 * batches of only the requested columns (projection): a memory block's columns are copied
 * with memcpy, a spilled block's columns are read from the file and widened. The store is
 * unchanged by reading. Local.
 */
#ifndef SL_COLSTORE_H
#define SL_COLSTORE_H

#include "batch/batch.h"
#include "core/ctx.h"
#include "core/err.h"

typedef struct sl_colstore sl_colstore;

/* Returns a new empty store charging ctx's budget up to level (0: every block to disk) and
 * spilling to ctx's spill directory (ctx is borrowed for the store's life). Local. */
sl_colstore *sl_colstore_new(sl_ctx *ctx, int64_t level);
/* Frees the blocks (releasing their reservations) and the spill file. Accepts NULL. Local. */
void sl_colstore_free(sl_colstore **pcs);

/* Takes ownership of b; its live rows are stored. Every batch has the same column types.
 * Local. */
int sl_colstore_append(sl_colstore *cs, sl_batch *b, sl_err *err);
/* Ends appending: the partly filled block is stored. Local. */
int sl_colstore_seal(sl_colstore *cs, sl_err *err);

/* One pass over a sealed store; many may read at once (nothing to free). */
typedef struct sl_colstore_cursor {
    int next;   /* next block */
} sl_colstore_cursor;

/* Starts c at the first block. Local. */
void sl_colstore_cursor_init(sl_colstore_cursor *c);
/* Sets *out to a new batch (caller frees) of the next block's columns proj[0..n_proj), in
 * that order (proj == NULL: all columns), dense; NULL at the end. Local. */
int sl_colstore_scan_next(const sl_colstore *cs, sl_colstore_cursor *c, const int *proj,
                          int n_proj, sl_batch **out, sl_err *err);

/* Rows stored; bytes held in memory; bytes written to the spill file. Local. */
int64_t sl_colstore_rows(const sl_colstore *cs);
int64_t sl_colstore_mem_bytes(const sl_colstore *cs);
int64_t sl_colstore_disk_bytes(const sl_colstore *cs);

#endif
