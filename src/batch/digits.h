/*
 * Decimal digits as one 8-byte word (SWAR: no loop, no branch on the length), for the CSV
 * scan's BIGINT and DOUBLE loops (io/csv_scan.c) and the DOUBLE parser
 * (batch/parse_double.c). Little-endian: the first byte is the lowest. Local.
 */
#ifndef SL_BATCH_DIGITS_H
#define SL_BATCH_DIGITS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* The value of the 1-8 unsigned digits s[0..n) into *out; false (nothing decided) for n > 8
 * or a byte outside '0'..'9'. s[0..8) must be readable. */
static inline bool sl_digits8(const char *s, int64_t n, int64_t *out)
{
    if (n > 8)
        return false;
    uint64_t v;
    memcpy(&v, s, 8);
    unsigned sh = 8 * (unsigned)(8 - n); /* the digits to the top bytes, '0's below */
    v = (v << sh) | (UINT64_C(0x3030303030303030) & ((UINT64_C(1) << sh) - 1));
    const uint64_t hi = UINT64_C(0xF0F0F0F0F0F0F0F0);
    if (((v & hi) | (((v + UINT64_C(0x0606060606060606)) & hi) >> 4)) !=
        UINT64_C(0x3333333333333333))
        return false; /* a byte outside '0'..'9' */
    v = (v & UINT64_C(0x0F0F0F0F0F0F0F0F)) * 2561 >> 8;
    v = (v & UINT64_C(0x00FF00FF00FF00FF)) * 6553601 >> 16;
    *out = (int64_t)((v & UINT64_C(0x0000FFFF0000FFFF)) * UINT64_C(42949672960001) >> 32);
    return true;
}

#endif
