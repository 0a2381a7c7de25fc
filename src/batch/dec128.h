/*
 * Wide DECIMAL(p,s), p > 18: the unscaled value in 128 bits (DuckDB holds these widths in a
 * hugeint). Storage is HUGEINT's (batch/int128.h): 16 order-preserving bytes in a byte column,
 * so two values of one DECIMAL type compare, hash, sort, ship and spill as their bytes; in an
 * sl_value, v.s points at the 16 bytes. DECIMAL(p <= 18, s) stays an int64 (types.h).
 * Rounding is DuckDB's for decimals: half away from zero whenever digits are dropped; every
 * function reports "does not fit" instead of wrapping. All functions are Local.
 */
#ifndef SL_DEC128_H
#define SL_DEC128_H

#include "batch/batch.h"
#include "batch/int128.h"

/* Text -> unscaled value of DECIMAL(width, scale) in 128 bits: [+-]digits[.digits][e[+-]n],
 * no spaces; false when malformed or when the value has more than width - scale integer
 * digits. */
bool sl_dec128_parse(const char *p, int64_t len, int width, int scale, sl_i128 *out);
/* As DuckDB's CAST from VARCHAR reads a DECIMAL: spaces around trimmed, '_' between digits. */
bool sl_dec128_text_cast(const char *p, int64_t len, int width, int scale, sl_i128 *out);
/* Rescales v from scale `from` to `to` (half away from zero when dropping digits), checking
 * |result| < 10^width (no bound for a width past 38: HUGEINT's range). */
bool sl_dec128_rescale(sl_i128 v, int from, int to, int width, sl_i128 *out);
/* A double as DECIMAL(width, scale), rounding half away from zero; false out of range. */
bool sl_dec128_from_double(double d, int width, int scale, sl_i128 *out);
/* The unscaled v of scale s as the nearest double. */
double sl_dec128_to_double(sl_i128 v, int scale);
/* Appends unscaled v of DECIMAL type t as DuckDB prints it (sl_format_decimal's rules). */
void sl_format_decimal128(sl_buf *out, sl_i128 v, sl_type t);

/* The unscaled integer of a non-NULL value of a DECIMAL, integer or HUGEINT type. */
static inline sl_i128 sl_dec_value_get(const sl_value *v)
{
    return sl_dec_is_wide(v->type) || v->type == SL_T_HUGEINT ? sl_i128_load(v->v.s.p)
                                                              : (sl_i128)v->v.i;
}
/* Sets *v to unscaled x of DECIMAL (or HUGEINT) type t (x must fit t's storage); a wide one's
 * 16 bytes go to buf, which must outlive v. */
static inline void sl_dec_value_set(sl_value *v, sl_type t, sl_i128 x, char *buf)
{
    v->type = t;
    v->is_null = false;
    if (sl_dec_is_wide(t) || t == SL_T_HUGEINT) {
        sl_i128_store(buf, x);
        v->v.s.p = buf;
        v->v.s.len = SL_I128_BYTES;
    } else {
        v->v.i = (int64_t)x;
    }
}
/* The unscaled integer at row i (non-NULL) of a DECIMAL, integer or HUGEINT vector. */
static inline sl_i128 sl_dec_vec_get(const sl_vec *v, int64_t i)
{
    if (sl_dec_is_wide(v->type) || v->type == SL_T_HUGEINT)
        return sl_i128_load(v->heap + v->d.off[i]);
    return (sl_i128)v->d.i64[i];
}
/* Appends unscaled x to DECIMAL (or HUGEINT) vector v, at its next row. */
static inline void sl_dec_vec_push(sl_vec *v, sl_i128 x)
{
    if (sl_dec_is_wide(v->type) || v->type == SL_T_HUGEINT) {
        char b[SL_I128_BYTES];
        sl_i128_store(b, x);
        sl_vec_push_str(v, b, SL_I128_BYTES);
    } else {
        sl_vec_push_i64(v, (int64_t)x);
    }
}

#endif
