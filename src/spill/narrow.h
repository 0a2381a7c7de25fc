/*
 * Frame-of-reference packing of 8-byte values for spill files (issue 14): a run of values is
 * stored as each one's difference from the run's least one in the fewest bytes (1, 2, 4 or
 * 8) that hold every difference, and widened again on the read. The G1 table's small
 * integers and short strings' lengths take 1-4 bytes a value instead of 8. Lossless for any
 * 8-byte payload taken as bits. Used by the column store (spilled table blocks) and the row
 * store's records (spill/rowcodec.h). Local.
 */
#ifndef SL_NARROW_H
#define SL_NARROW_H

#include <stdbool.h>
#include <stdint.h>

/* The narrowest width (1, 2, 4 or 8 bytes) that holds every x[i] - *base as an unsigned
 * number, for n values; *base is the least x[i] (as signed), or 0 when zero_base. */
int sl_narrow_width(const int64_t *x, int64_t n, bool zero_base, int64_t *base);
/* Writes x[0..n) as (uint64)x[i] - (uint64)base in w little-endian bytes each; out may be x
 * itself or lie before it (each value is read before its bytes, never past them, are
 * written). */
void sl_narrow_pack(unsigned char *out, const int64_t *x, int64_t n, int64_t base, int w);
/* Widens n values of w bytes (what sl_narrow_pack wrote with base) into x[0..n); the packed
 * bytes lie at the end of x's (n + prefix) * 8 bytes, so each value is read before a store
 * reaches it. With prefix (offsets from lengths): x[0] = base, x[i + 1] = x[i] + length i,
 * n + 1 slots. */
void sl_narrow_unpack(int64_t *x, int64_t n, int64_t base, int w, bool prefix);

#endif
