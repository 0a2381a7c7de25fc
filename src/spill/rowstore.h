/*
 * A spillable row store: an append-only bag of batches on one rank that stays in memory
 * while the memory budget allows and goes to a spill file beyond that (issue #3).
 *
 * Batches kept in memory are charged to the budget with sl_budget_reserve_upto(bytes, level),
 * level being the owner's grant; when a reservation fails, that batch and every later one is
 * serialized into the store's spill file as records [i64 len][record], each value packed
 * narrow (spill/rowcodec.h: about half the bytes of the exchange's wire format). A store
 * made with level 0 always writes to disk (grace partitions, sorted runs).
 *
 * Reading is one pass that hands batches over: sl_rowstore_next returns memory batches first
 * (releasing their reservation), then the spilled ones. That is the order they were appended
 * in, because once a store spills one batch every later one goes to disk too: a result or a
 * sorted run read back from a store keeps its order.
 * Local.
 */
#ifndef SL_ROWSTORE_H
#define SL_ROWSTORE_H

#include "batch/batch.h"
#include "core/buf.h"
#include "core/ctx.h"
#include "core/err.h"

typedef struct sl_rowstore sl_rowstore;

/* Returns new empty store charging ctx's budget and spilling to ctx's spill directory (ctx
 * is borrowed for the store's life); free with sl_rowstore_free. */
sl_rowstore *sl_rowstore_new(sl_ctx *ctx, int64_t level);
/* Frees memory batches (releasing their reservation) and the spill file. Accepts NULL. */
void sl_rowstore_free(sl_rowstore **prs);

/* Pending spilled records are written out once they reach `bytes` (default 128 KB): an owner
 * of many stores (a grace partitioning) bounds their unbudgeted buffers together. */
void sl_rowstore_set_write_buffer(sl_rowstore *rs, int64_t bytes);
/* Takes ownership of b (its live rows are the rows stored). */
int sl_rowstore_append(sl_rowstore *rs, sl_batch *b, sl_err *err);
/* Appends rows rows[0..n) (physical indices) of b, serialized straight to the spill file.
 * Borrows b. */
int sl_rowstore_append_rows(sl_rowstore *rs, const sl_batch *b, const uint32_t *rows,
                            int64_t n, sl_err *err);
/* Sets *out to the next batch (new; caller frees) or NULL at the end. Flushes pending
 * writes on the first call; no appends after that. */
int sl_rowstore_next(sl_rowstore *rs, sl_batch **out, sl_err *err);

/*
 * Gives way: lowers the store's level to `level` and moves its newest memory batches to disk
 * until the budget's total reserved is at most level or no memory batch is left. For rows that
 * wait while other operators run (the held probe input of a skew-handled join, while its build
 * input's aggregations and hash table need the budget). Order is kept: the moved batches are
 * read after the memory batches left and before what was on disk already; later appends go to
 * disk. Before reading.
 */
int sl_rowstore_lower(sl_rowstore *rs, int64_t level, sl_err *err);

/*
 * Multi-pass reading (persisted tables): seal ends appending and flushes pending writes;
 * then any number of cursors read the whole store, each batch a new copy for the caller,
 * the store unchanged. Do not mix with sl_rowstore_next. Local.
 */
typedef struct sl_rowstore_cursor {
    int mem_i;      /* next memory batch */
    int seg;        /* the spill file being read (after the memory batches, in order) */
    int64_t off;    /* next record in it */
    sl_buf buf;
} sl_rowstore_cursor;

int sl_rowstore_seal(sl_rowstore *rs, sl_err *err);
void sl_rowstore_cursor_init(sl_rowstore_cursor *c);
void sl_rowstore_cursor_free(sl_rowstore_cursor *c);
/* Sets *out to the next batch (new; caller frees) or NULL at the end. */
int sl_rowstore_scan_next(const sl_rowstore *rs, sl_rowstore_cursor *c, sl_batch **out,
                          sl_err *err);

/* Live rows appended; bytes held in memory; bytes written to disk (so far). */
int64_t sl_rowstore_rows(const sl_rowstore *rs);
int64_t sl_rowstore_mem_bytes(const sl_rowstore *rs);
int64_t sl_rowstore_disk_bytes(const sl_rowstore *rs);

#endif
