/*
 * The record format of spilled row stores (spill/rowstore.h; issue 14): one batch's rows,
 * column after column, each column's values packed narrow (spill/narrow.h).
 *
 *   u32 magic 'SLR1', u32 n_cols, i64 n_rows,
 *   per column: u32 type, u8 width (1, 2, 4, 8), u8 has_nulls, u16 0, i64 base, i64 heap_len,
 *               [validity words, ceil(n_rows/64) u64, only when has_nulls]
 *               n_rows values of `width` bytes: fixed-width values (NULL slots as 0) or a
 *               VARCHAR-like column's lengths (NULL as 0), minus base,
 *               [heap_len bytes of strings, VARCHAR-like only]
 *
 * No alignment: the record is decoded, never borrowed. Against the exchange's wire format
 * (batch/wire.h, 8 bytes a value and an offset) the rows of q10 (three short strings, three
 * small integers, a double, a count) take ~45 bytes instead of ~90, which halves what an
 * exchange's store and the aggregation's grace partitions write to disk and read back (the
 * 1e8 q10 spills ~30 GB, more than the page cache holds). Decoding gives what
 * sl_wire_write + sl_wire_read give: a dense batch, NULL slots 0, NULL strings empty. Local.
 */
#ifndef SL_ROWCODEC_H
#define SL_ROWCODEC_H

#include "batch/batch.h"
#include "core/buf.h"
#include "core/err.h"

/* Appends rows rows[0..n) (physical indices; NULL: the live rows of b, n of them) of b to
 * out as one record. Borrows b. Local. */
void sl_rowcodec_write(const sl_batch *b, const uint32_t *rows, int64_t n, sl_buf *out);
/* Decodes the record [p, p + len) into a new dense batch in *out (caller frees). Truncated
 * or corrupt input is SL_EINTERNAL. Local. */
int sl_rowcodec_read(const char *p, int64_t len, sl_batch **out, sl_err *err);

#endif
