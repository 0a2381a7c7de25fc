/*
 * The one serialization of batches, used by the exchange and (issue #3) by spill files.
 * Format (little-endian, as the host; all ranks of a job share an architecture):
 *   u32 magic 'SLB1', u32 n_cols, i64 n_rows,
 *   per column: u32 type, u32 pad, validity words (ceil(n_rows/64) u64),
 *               fixed: n_rows * 8 bytes | VARCHAR: (n_rows+1) i64 offsets, i64 heap_len
 *   then the heaps of the VARCHAR columns (in column order), then zero bytes up to a
 *   multiple of 8.
 * Column-major, every array 8-byte aligned relative to the batch's start and every batch a
 * multiple of 8 bytes, so batches written one after another in an aligned buffer can be read
 * in place: their columns borrow the buffer's arrays (sl_wire_read_borrow).
 * Only the live rows are written (a selection is applied while writing). Local.
 */
#ifndef SL_WIRE_H
#define SL_WIRE_H

#include "batch/batch.h"
#include "core/buf.h"
#include "core/err.h"

/* Appends the live rows of b to out. Local. */
void sl_wire_write(const sl_batch *b, sl_buf *out);
/* Appends rows rows[0..n) (physical indices) of b to out. Local. */
void sl_wire_write_rows(const sl_batch *b, const uint32_t *rows, int64_t n, sl_buf *out);
/* Same, where bytes is already known: the exact sl_wire_size of these rows. Local. */
void sl_wire_write_rows_sized(const sl_batch *b, const uint32_t *rows, int64_t n, int64_t bytes,
                              sl_buf *out);
/* Returns a new dense batch of rows rows[0..n) (physical indices) of b, exactly what writing
 * them with sl_wire_write_rows and reading that back gives (NULL slots zero, NULL strings
 * empty), in one copy instead of three (an exchange's rows for its own rank). Local. */
sl_batch *sl_wire_gather_rows(const sl_batch *b, const uint32_t *rows, int64_t n);
/* Exact bytes sl_wire_write_rows would append for n rows with heap_bytes of strings. */
int64_t sl_wire_size(const sl_batch *b, int64_t n, int64_t heap_bytes);
/*
 * Reads one batch from [p, p+len): returns new batch in *out and bytes consumed in *used.
 * Truncated or corrupt input is SL_EINTERNAL. Local.
 */
int sl_wire_read(const char *p, int64_t len, sl_batch **out, int64_t *used, sl_err *err);
/* Same, without copying: where p is 8-byte aligned the new batch's columns borrow their
 * arrays from [p, p+len), which lies in blk (one reference per column; batch.h's borrowing
 * columns), and bits past n_rows of the validity words are cleared in place; else (or for
 * zero rows) it copies like sl_wire_read. Local. */
int sl_wire_read_borrow(char *p, int64_t len, sl_vblock *blk, sl_batch **out, int64_t *used,
                        sl_err *err);

/* 64-bit hash of row i over key columns cols[0..n) (xxh3, seed 0; stable across runs and
 * machines; NULL hashes as a fixed value; equal values of one type hash equal). Local. */
uint64_t sl_hash_row(const sl_batch *b, const int *cols, int n, int64_t i);
/* Same, over a vector list (e.g. evaluated keys). Local. */
uint64_t sl_hash_vecs(sl_vec *const *vecs, int n, int64_t i);
/* Vectorized form: out[k] = sl_hash_vecs(vecs, n, sel ? sel[k] : k) for k in [0, n_rows).
 * Column at a time, which is what makes it fast. Local. */
void sl_hash_vecs_sel(sl_vec *const *vecs, int n, const uint32_t *sel, int64_t n_rows,
                      uint64_t *out);
/* out[k] = sl_hash_row(b, cols, n, physical index of the k-th live row), for every live row
 * (out holds sl_batch_live(b) values). Local. */
void sl_hash_batch(const sl_batch *b, const int *cols, int n, uint64_t *out);

#endif
