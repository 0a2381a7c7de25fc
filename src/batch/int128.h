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
#include <string.h>

#include "batch/types.h"
#include "core/buf.h"

__extension__ typedef __int128 sl_i128;
__extension__ typedef unsigned __int128 sl_u128;

#define SL_I128_BYTES 16
#define SL_I128_MAX ((sl_i128)(((sl_u128)1 << 127) - 1))
#define SL_I128_MIN (-SL_I128_MAX - 1)

/* u as 16 big-endian bytes at p, and back: two byte swaps on a little-endian machine (a
 * window sum writes one a row), a loop elsewhere. Local. */
static inline void sl_be128_put(char *p, sl_u128 u)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w[2] = {__builtin_bswap64((uint64_t)(u >> 64)), __builtin_bswap64((uint64_t)u)};
    memcpy(p, w, 16);
#else
    for (int k = 15; k >= 0; k--) {
        p[k] = (char)(unsigned char)(u & 0xff);
        u >>= 8;
    }
#endif
}

static inline sl_u128 sl_be128_get(const char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w[2];
    memcpy(w, p, 16);
    return (sl_u128)__builtin_bswap64(w[0]) << 64 | __builtin_bswap64(w[1]);
#else
    sl_u128 u = 0;
    for (int k = 0; k < 16; k++)
        u = u << 8 | (unsigned char)p[k];
    return u;
#endif
}

/* Writes x's 16-byte order-preserving encoding at p. Local. */
static inline void sl_i128_store(char *p, sl_i128 x)
{
    sl_be128_put(p, (sl_u128)x ^ ((sl_u128)1 << 127));
}

/* Reads the value whose encoding is at p. Local. */
static inline sl_i128 sl_i128_load(const char *p)
{
    return (sl_i128)(sl_be128_get(p) ^ ((sl_u128)1 << 127));
}

/*
 * UBIGINT and UHUGEINT (DuckDB's UINT64 and UINT128) are byte columns of 16 bytes a value too.
 * A UBIGINT holds its value in HUGEINT's encoding above: every HUGEINT path (hashing, keys,
 * ORDER BY, sort keys, the exchange, spill files; decoding to sl_i128, where its arithmetic
 * and casts are exact) carries it unchanged, at 8 bytes a value more than an int64 would take
 * (an int64 slot would need its own order mapping, and its own paths in the hash, sort-key,
 * comparison and arithmetic code). A UHUGEINT, whose values pass HUGEINT's, is the plain
 * unsigned value, big-endian (memcmp orders it as the numbers too); it decodes to sl_u128.
 */
#define SL_U64_MAX ((sl_i128)UINT64_MAX)

/* HUGEINT, UBIGINT or UHUGEINT: a 16-byte integer in a byte column. Local. */
static inline bool sl_type_is_wide(sl_type t)
{
    return t == SL_T_HUGEINT || t == SL_T_UBIGINT || t == SL_T_UHUGEINT;
}

/* Writes the UHUGEINT x's 16 bytes at p (big-endian). Local. */
static inline void sl_u128_store(char *p, sl_u128 x)
{
    sl_be128_put(p, x);
}

/* Reads the UHUGEINT whose bytes are at p. Local. */
static inline sl_u128 sl_u128_load(const char *p)
{
    return sl_be128_get(p);
}

/* DuckDB's common type of a UBIGINT or UHUGEINT with another type (arith: for + - * // %,
 * else for comparisons, CASE, COALESCE, UNION): UBIGINT with an unsigned type UBIGINT, with a
 * signed one (HUGEINT too) HUGEINT; UHUGEINT with an unsigned type UHUGEINT, with HUGEINT
 * DOUBLE, with another signed type DOUBLE in arithmetic and HUGEINT otherwise; with DOUBLE
 * DOUBLE. SL_T_COUNT when neither is one or there is no rule (DECIMAL: not yet). Local. */
static inline sl_type sl_ubig_common_type(sl_type a, sl_type b, bool arith)
{
    if (a != SL_T_UBIGINT && a != SL_T_UHUGEINT && b != SL_T_UBIGINT && b != SL_T_UHUGEINT)
        return SL_T_COUNT;
    if (a == b)
        return a;
    bool uh = a == SL_T_UHUGEINT || b == SL_T_UHUGEINT;
    sl_type o = a == (uh ? SL_T_UHUGEINT : SL_T_UBIGINT) ? b : a;
    if (o == SL_T_DOUBLE)
        return SL_T_DOUBLE;
    bool uns = sl_type_is_uint(o) || o == SL_T_UBIGINT || o == SL_T_BOOL;
    bool sig = o == SL_T_TINYINT || o == SL_T_SMALLINT || o == SL_T_INTEGER ||
               o == SL_T_BIGINT || o == SL_T_HUGEINT;
    if (uns)
        return uh ? SL_T_UHUGEINT : SL_T_UBIGINT;
    if (!sig)
        return SL_T_COUNT;
    if (!uh)
        return SL_T_HUGEINT;
    return o == SL_T_HUGEINT || arith ? SL_T_DOUBLE : SL_T_HUGEINT;
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
/* Appends the UHUGEINT x in decimal digits. Local. */
void sl_format_uhugeint(sl_buf *out, sl_u128 x);
/* digits (an optional '+', no spaces, no overflow) as a UHUGEINT. Local. */
bool sl_parse_uhugeint(const char *p, int64_t len, sl_u128 *out);
/* Text as DuckDB's CAST from VARCHAR reads it into a UBIGINT or UHUGEINT (t): HUGEINT's forms
 * (spaces around, '1_000', decimal text rounded half away from zero, '1e20'), digits past
 * HUGEINT's range for UHUGEINT, and '0x' / '0b' forms for UBIGINT; false when not a number or
 * out of t's range. Writes the 16 bytes of t's encoding at enc. Local. */
bool sl_text_cast_ubig(const char *p, int64_t len, sl_type t, char *enc);
/* The double nearest the UHUGEINT x. Local. */
double sl_u128_to_double(sl_u128 x);
/* The double nearest x. Local. */
double sl_i128_to_double(sl_i128 x);
/* A double as HUGEINT, rounding half to even as DuckDB's cast does; false out of range or
 * not finite. Local. */
bool sl_i128_from_double(double d, sl_i128 *out);
/* 10^k for k in 0..38. Local. */
sl_i128 sl_i128_pow10(int k);

#endif
