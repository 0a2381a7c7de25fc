/*
 * HUGEINT: 128-bit signed integers (DuckDB's HUGEINT / INT128).
 *
 * Storage: a HUGEINT column is a byte column (sl_type_is_var) whose every value is exactly
 * SL_I128_BYTES bytes: the two's complement value with its sign bit flipped, big-endian. That
 * encoding orders as the numbers do under memcmp and is equal exactly when the numbers are,
 * so hashing, GROUP BY / JOIN keys, DISTINCT, ORDER BY, sort keys, the exchange (wire.c) and
 * spill files carry HUGEINT the way they carry VARCHAR, with no 16-byte slot in sl_vec. In an
 * sl_value, v.s points at the 16 encoded bytes. Arithmetic decodes to sl_i128 (GCC's
 * __int128). Local.
 */
#ifndef SL_INT128_H
#define SL_INT128_H

#include <stdbool.h>
#include <stdint.h>

#include "batch/types.h"
#include "core/buf.h"

__extension__ typedef __int128 sl_i128;
__extension__ typedef unsigned __int128 sl_u128;

#define SL_I128_BYTES 16
#define SL_I128_MAX ((sl_i128)(((sl_u128)1 << 127) - 1))
#define SL_I128_MIN (-SL_I128_MAX - 1)

/* Writes x's 16-byte order-preserving encoding at p. Local. */
static inline void sl_i128_store(char *p, sl_i128 x)
{
    sl_u128 u = (sl_u128)x ^ ((sl_u128)1 << 127);
    for (int k = 15; k >= 0; k--) {
        p[k] = (char)(unsigned char)(u & 0xff);
        u >>= 8;
    }
}

/* Reads the value whose encoding is at p. Local. */
static inline sl_i128 sl_i128_load(const char *p)
{
    sl_u128 u = 0;
    for (int k = 0; k < 16; k++)
        u = u << 8 | (unsigned char)p[k];
    return (sl_i128)(u ^ ((sl_u128)1 << 127));
}

/* DuckDB's common type of HUGEINT with another type: HUGEINT with any integer type, DOUBLE
 * with DOUBLE; SL_T_COUNT when neither is a HUGEINT or there is no such rule. Local. */
static inline sl_type sl_huge_common_type(sl_type a, sl_type b)
{
    if (a != SL_T_HUGEINT && b != SL_T_HUGEINT)
        return SL_T_COUNT;
    sl_type o = a == SL_T_HUGEINT ? b : a;
    if (o == SL_T_HUGEINT || sl_type_is_int(o) || o == SL_T_BOOL)
        return SL_T_HUGEINT;
    return o == SL_T_DOUBLE ? SL_T_DOUBLE : SL_T_COUNT;
}

/* [+-]digits (no spaces, no overflow) as a HUGEINT. Local. */
bool sl_parse_hugeint(const char *p, int64_t len, sl_i128 *out);
/* Text as DuckDB's CAST from VARCHAR reads it into a HUGEINT: spaces around trimmed, '_'
 * between digits, decimal text rounded half away from zero ('2.5' -> 3, '1e30' exact), no
 * '0x' / '0b' forms (batch/text_cast.c). Local. */
bool sl_text_cast_hugeint(const char *p, int64_t len, sl_i128 *out);
/* Appends x in decimal digits. Local. */
void sl_format_hugeint(sl_buf *out, sl_i128 x);
/* The double nearest x. Local. */
double sl_i128_to_double(sl_i128 x);
/* A double as HUGEINT, rounding half to even as DuckDB's cast does; false out of range or
 * not finite. Local. */
bool sl_i128_from_double(double d, sl_i128 *out);
/* 10^k for k in 0..38. Local. */
sl_i128 sl_i128_pow10(int k);

#endif
