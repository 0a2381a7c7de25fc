/*
 * CAST and TRY_CAST between BOOLEAN, BIGINT, DOUBLE, VARCHAR, DATE and TIMESTAMP, with
 * DuckDB's rules: VARCHAR -> T is sl_text_cast (batch/text_cast.c: trimmed, strict forms,
 * then DuckDB's looser ones, as the CSV reader also reads); T -> VARCHAR uses sl_format_*;
 * DOUBLE -> BIGINT rounds half to even and fails when out of range; DATE <-> TIMESTAMP
 * promotes / truncates. A failed conversion is an error for CAST and NULL for TRY_CAST.
 * Also the shared scalar helpers fn_new_fixed and fn_rt_error. Local.
 */
#include "func/fn_int.h"
#include "batch/list.h"
#include "batch/nested.h"
#include "core/mem.h"
#include "batch/dec128.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define US_PER_DAY INT64_C(86400000000)

sl_vec *fn_new_fixed(sl_type t, int64_t n_rows)
{
    /* SL_T_NULL never reaches a stored column: an untyped NULL evaluates as BIGINT. */
    sl_vec *o = sl_vec_new(t == SL_T_NULL ? SL_T_BIGINT : t, n_rows);
    sl_vec_resize_fixed(o, n_rows);
    return o;
}

int fn_rt_error(sl_err *err, const sl_expr *e, const char *fmt, ...)
{
    char msg[SL_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (e && e->text && e->text[0])
        return SL_ERR(err, SL_ERUNTIME, "%s in \"%.300s\"", msg, e->text);
    return SL_ERR(err, SL_ERUNTIME, "%s", msg);
}

int64_t fn_ts_days(int64_t us)
{
    return us >= 0 ? us / US_PER_DAY : -((-us + US_PER_DAY - 1) / US_PER_DAY);
}

/* DECIMAL casts to and from BOOLEAN, BIGINT, DOUBLE, DECIMAL and VARCHAR. */
static bool dec_num(sl_type t)
{
    return t == SL_T_BOOL || sl_type_is_int(t) || t == SL_T_DOUBLE || sl_type_is_decimal(t) ||
           sl_type_is_wide(t);
}

/* CAST(VARCHAR AS INTERVAL): spaces around trimmed; the 16 bytes live in tmp. Local. */
static bool cast_text_interval(const char *p, int64_t n, sl_value *out, sl_buf *tmp)
{
    while (n > 0 && isspace((unsigned char)*p))
        p++, n--;
    while (n > 0 && isspace((unsigned char)p[n - 1]))
        n--;
    sl_interval iv;
    if (!sl_parse_interval(p, n, &iv))
        return false;
    char b[SL_IV_BYTES];
    sl_interval_put(b, iv);
    sl_buf_reset(tmp);
    sl_buf_append(tmp, b, SL_IV_BYTES);
    out->v.s.p = tmp->data;
    out->v.s.len = SL_IV_BYTES;
    return true;
}

/* TINYINT, SMALLINT, INTEGER: the type other than BIGINT that a cast must range-check. */
static bool small_int(sl_type t)
{
    return t == SL_T_TINYINT || t == SL_T_SMALLINT || t == SL_T_INTEGER || sl_type_is_uint(t);
}

/* DuckDB's names of the integer types in its conversion errors. */
static const char *int_name(sl_type t)
{
    return t == SL_T_TINYINT ? "INT8" : t == SL_T_SMALLINT ? "INT16"
           : t == SL_T_INTEGER ? "INT32" : t == SL_T_UTINYINT ? "UINT8"
           : t == SL_T_USMALLINT ? "UINT16" : t == SL_T_UINTEGER ? "UINT32"
           : t == SL_T_HUGEINT ? "INT128" : t == SL_T_UBIGINT ? "UINT64"
           : t == SL_T_UHUGEINT ? "UINT128" : "INT64";
}

/* LIST to LIST element by element; STRUCT to STRUCT field by field (same number of fields,
 * named ones by the same names, as DuckDB); either to VARCHAR (its text); NULL to either.
 * Text is not parsed into one (a clean "Cannot cast"). */
static bool nested_cast_allowed(sl_type from, sl_type to)
{
    if (from == to || from == SL_T_NULL || to == SL_T_VARCHAR || from == SL_T_VARCHAR)
        return true; /* text: split as DuckDB does (fn_cast_text.c) */
    if (sl_type_is_list(from) && sl_type_is_list(to))
        return fn_cast_allowed(sl_list_elem(from), sl_list_elem(to));
    if (!sl_type_is_struct(from) || !sl_type_is_struct(to))
        return false;
    const sl_nested *a = sl_nested_get(from), *b = sl_nested_get(to);
    if (a && b && !a->unnamed && !b->unnamed) { /* by name: one field in common at least */
        bool any = false;
        for (int i = 0; i < b->n_fields; i++) {
            int j = sl_struct_field(from, b->fnames[i], (int64_t)strlen(b->fnames[i]));
            if (j >= 0 && !fn_cast_allowed(a->ftypes[j], b->ftypes[i]))
                return false;
            any |= j >= 0;
        }
        return any;
    }
    if (!a || !b || a->n_fields != b->n_fields)
        return false;
    for (int i = 0; i < a->n_fields; i++) {
        if (!a->unnamed && !b->unnamed && strcasecmp(a->fnames[i], b->fnames[i]) != 0)
            return false;
        if (!fn_cast_allowed(a->ftypes[i], b->ftypes[i]))
            return false;
    }
    return true;
}

bool fn_cast_allowed(sl_type from, sl_type to)
{
    if (sl_type_is_list(to) || sl_type_is_struct(to) || sl_type_is_list(from) ||
        sl_type_is_struct(from))
        return nested_cast_allowed(from, to);
    if ((sl_type_is_decimal(from) || sl_type_is_decimal(to)) && from != SL_T_NULL &&
        from != SL_T_VARCHAR && to != SL_T_VARCHAR)
        return dec_num(from) && dec_num(to);
    if (from == to || from == SL_T_NULL || from == SL_T_VARCHAR || to == SL_T_VARCHAR)
        return true;
    bool fnum = from == SL_T_BOOL || sl_type_is_int(from) || from == SL_T_DOUBLE ||
                sl_type_is_wide(from);
    bool tnum = to == SL_T_BOOL || sl_type_is_int(to) || to == SL_T_DOUBLE || sl_type_is_wide(to);
    bool fdt = from == SL_T_DATE || sl_type_is_ts(from);
    bool tdt = to == SL_T_DATE || sl_type_is_ts(to);
    return (fnum && tnum) || (fdt && tdt);
}

/* The integral double r as a BIGINT, false when out of range. */
static bool integral_to_bigint(double r, int64_t *out)
{
    if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0))
        return false;
    *out = (int64_t)r;
    return true;
}

/* DOUBLE -> BIGINT rounds half to even (nearbyint in the default rounding mode), as DuckDB
 * does (2.5 -> 2); decimal text rounds half away from zero there ('2.5' -> 3). */
static bool double_to_bigint(double x, int64_t *out)
{
    return integral_to_bigint(nearbyint(x), out);
}


/* A cast from or to DECIMAL between numbers (not VARCHAR): DuckDB rounds half away from zero
 * whenever digits are dropped, and a value outside the target's range is an error. */
static int dec_cast_value(const sl_value *in, sl_type t, sl_value *out, sl_buf *tmp,
                          char *msg, size_t msg_cap)
{
    sl_type from = in->type;
    int fs = sl_type_is_decimal(from) ? sl_dec_scale(from) : 0;
    bool ok;
    if (sl_type_is_decimal(t)) {
        int tw = sl_dec_width(t), ts = sl_dec_scale(t);
        if (from == SL_T_DOUBLE)
            ok = sl_dec_from_double(in->v.d, tw, ts, &out->v.i);
        else
            ok = sl_dec_rescale(in->v.i, fs, ts, tw, &out->v.i);
        if (ok)
            return 0;
        sl_buf_reset(tmp);
        if (from == SL_T_DOUBLE)
            sl_buf_printf(tmp, "%f", in->v.d);
        else
            sl_format_value(tmp, in);
        snprintf(msg, msg_cap, "Could not cast value %s to %s: out of range", sl_buf_cstr(tmp),
                 sl_type_name(t));
        return SL_ERUNTIME;
    }
    /* from is a DECIMAL */
    switch (t) {
    case SL_T_DOUBLE: out->v.d = sl_dec_to_double(in->v.i, fs); return 0;
    case SL_T_BOOL: out->v.i = in->v.i != 0; return 0;
    case SL_T_BIGINT:
        if (sl_dec_rescale(in->v.i, fs, 0, 19, &out->v.i))
            return 0;
        break;
    default: break;
    }
    sl_buf_reset(tmp);
    sl_format_value(tmp, in);
    snprintf(msg, msg_cap, "Failed to cast decimal value %s to %s", sl_buf_cstr(tmp),
             sl_type_name(t));
    return SL_ERUNTIME;
}

static int cast_value(const sl_value *in, sl_type t, sl_value *out, sl_buf *tmp, char *msg,
                      size_t msg_cap);

/* Casts where a wide DECIMAL (batch/dec128.h) is one side, or a DECIMAL and a HUGEINT are the
 * two: through the 128-bit unscaled integer, with DuckDB's rounding (half away from zero when
 * digits are dropped) and its range errors. A wide DECIMAL's 16 bytes go to tmp. */
static int wide_cast_value(const sl_value *in, sl_type t, sl_value *out, sl_buf *tmp,
                           char *msg, size_t msg_cap)
{
    sl_type from = in->type;
    bool tdec = sl_type_is_decimal(t);
    int tw = tdec ? sl_dec_width(t) : 39, ts = tdec ? sl_dec_scale(t) : 0;
    sl_i128 r;
    if (from == SL_T_VARCHAR || from == SL_T_DOUBLE) { /* to a wide DECIMAL */
        bool ok = from == SL_T_VARCHAR
                      ? sl_dec128_text_cast(in->v.s.p, in->v.s.len, tw, ts, &r)
                      : sl_dec128_from_double(in->v.d, tw, ts, &r);
        if (!ok) {
            if (from == SL_T_VARCHAR)
                snprintf(msg, msg_cap, "Could not convert string \"%.*s\" to %s",
                         (int)(in->v.s.len > 200 ? 200 : in->v.s.len), in->v.s.p,
                         sl_type_name(t));
            else
                snprintf(msg, msg_cap, "Could not cast value %f to %s", in->v.d,
                         sl_type_name(t));
            return SL_ERUNTIME;
        }
    } else if (from == SL_T_BOOL || sl_type_is_int(from) || from == SL_T_HUGEINT ||
               sl_type_is_decimal(from)) {
        int fs = sl_type_is_decimal(from) ? sl_dec_scale(from) : 0;
        sl_i128 u = sl_dec_value_get(in);
        if (t == SL_T_DOUBLE) {
            out->v.d = sl_dec128_to_double(u, fs);
            return 0;
        }
        if (t == SL_T_BOOL) {
            out->v.i = u != 0;
            return 0;
        }
        int64_t lo = INT64_MIN, hi = INT64_MAX;
        if (sl_type_is_int(t))
            sl_int_range(t, &lo, &hi);
        if (!sl_dec128_rescale(u, fs, ts, tw, &r) ||
            (sl_type_is_int(t) && (r < lo || r > hi))) {
            sl_buf_reset(tmp);
            if (tdec)
                sl_format_value(tmp, in);
            else /* DuckDB shows the rounded integer */
                sl_format_hugeint(tmp, r);
            if (tdec && sl_type_is_decimal(from))
                snprintf(msg, msg_cap, "Casting value \"%s\" to type %s failed: value is out "
                         "of range!", sl_buf_cstr(tmp), sl_type_name(t));
            else if (tdec)
                snprintf(msg, msg_cap, "Could not cast value %s to %s", sl_buf_cstr(tmp),
                         sl_type_name(t));
            else
                snprintf(msg, msg_cap, "Failed to cast decimal value %s to type %s",
                         sl_buf_cstr(tmp), int_name(t));
            return SL_ERUNTIME;
        }
        if (sl_type_is_int(t)) {
            out->v.i = (int64_t)r;
            return 0;
        }
    } else {
        snprintf(msg, msg_cap, "Cannot cast %s to %s", sl_type_name(from), sl_type_name(t));
        return SL_EBIND;
    }
    /* a DECIMAL or a HUGEINT */
    if (t == SL_T_HUGEINT || sl_dec_is_wide(t)) {
        sl_buf_reset(tmp);
        sl_buf_reserve(tmp, SL_I128_BYTES);
        sl_dec_value_set(out, t, r, tmp->data);
        out->type = t;
        tmp->len = SL_I128_BYTES;
    } else {
        out->v.i = (int64_t)r;
    }
    return 0;
}

/* x as a HUGEINT value: its 16 encoded bytes in tmp. */
static void huge_out(sl_value *out, sl_i128 x, sl_buf *tmp)
{
    sl_buf_reset(tmp);
    sl_buf_reserve(tmp, SL_I128_BYTES);
    sl_i128_store(tmp->data, x);
    tmp->len = SL_I128_BYTES;
    out->v.s.p = tmp->data;
    out->v.s.len = SL_I128_BYTES;
}

/* Casts from and to HUGEINT (text to VARCHAR goes the common way): exact between the integer
 * types with DuckDB's range errors, DOUBLE rounds half to even, DECIMAL rounds half away from
 * zero when its fraction is dropped. */
static int huge_cast_value(const sl_value *in, sl_type t, sl_value *out, sl_buf *tmp,
                           char *msg, size_t msg_cap)
{
    sl_type from = in->type;
    if (t == SL_T_HUGEINT) {
        sl_i128 x = 0;
        bool ok = true;
        if (from == SL_T_VARCHAR) {
            ok = sl_text_cast_hugeint(in->v.s.p, in->v.s.len, &x);
            if (!ok) {
                snprintf(msg, msg_cap, "Could not convert string \"%.*s\" to INT128",
                         (int)(in->v.s.len > 200 ? 200 : in->v.s.len), in->v.s.p);
                return SL_ERUNTIME;
            }
        } else if (sl_type_is_int(from) || from == SL_T_BOOL) {
            x = in->v.i;
        } else if (from == SL_T_DOUBLE) {
            if (!sl_i128_from_double(in->v.d, &x)) {
                sl_buf_reset(tmp);
                sl_format_double(tmp, in->v.d);
                snprintf(msg, msg_cap, "Type DOUBLE with value %s can't be cast because the "
                         "value is out of range for the destination type INT128",
                         sl_buf_cstr(tmp));
                return SL_ERUNTIME;
            }
        } else { /* a DECIMAL goes through wide_cast_value */
            snprintf(msg, msg_cap, "Cannot cast %s to %s", sl_type_name(from), sl_type_name(t));
            return SL_EBIND;
        }
        huge_out(out, x, tmp);
        return 0;
    }
    sl_i128 x = sl_i128_load(in->v.s.p);
    if (t == SL_T_DOUBLE) {
        out->v.d = sl_i128_to_double(x);
        return 0;
    }
    if (t == SL_T_BOOL) {
        out->v.i = x != 0;
        return 0;
    }
    if (sl_type_is_int(t)) {
        int64_t lo, hi;
        sl_int_range(t, &lo, &hi);
        if (x >= lo && x <= hi) {
            out->v.i = (int64_t)x;
            return 0;
        }
        sl_buf_reset(tmp);
        sl_format_hugeint(tmp, x);
        snprintf(msg, msg_cap, "Type INT128 with value %s can't be cast because the value is out "
                 "of range for the destination type %s", sl_buf_cstr(tmp), int_name(t));
        return SL_ERUNTIME;
    }
    snprintf(msg, msg_cap, "Cannot cast %s to %s", sl_type_name(from), sl_type_name(t));
    return SL_EBIND;
}

/* A UBIGINT or UHUGEINT cast's value: its sign and magnitude (129 bits hold every value of
 * every integer type). */
typedef struct {
    bool neg;
    sl_u128 mag;
} ubig_val;

static ubig_val ubig_of_i128(sl_i128 x)
{
    return (ubig_val){x < 0, x < 0 ? (sl_u128)0 - (sl_u128)x : (sl_u128)x};
}

/* Casts from and to UBIGINT and UHUGEINT (to VARCHAR goes the common way): exact between the
 * integer types with DuckDB's range errors (UINT64, UINT128), DOUBLE rounds half to even; a
 * DECIMAL target goes through HUGEINT's rules. */
static int ubig_cast_value(const sl_value *in, sl_type t, sl_value *out, sl_buf *tmp,
                           char *msg, size_t msg_cap)
{
    sl_type from = in->type;
    ubig_val v = {false, 0};
    char fmt[64];
    fmt[0] = 0;
    if (from == SL_T_VARCHAR) {
        char enc[SL_I128_BYTES];
        if ((t == SL_T_UBIGINT || t == SL_T_UHUGEINT) &&
            sl_text_cast_ubig(in->v.s.p, in->v.s.len, t, enc)) {
            v = t == SL_T_UHUGEINT ? (ubig_val){false, sl_u128_load(enc)}
                                   : ubig_of_i128(sl_i128_load(enc));
        } else {
            snprintf(msg, msg_cap, "Could not convert string \"%.*s\" to %s",
                     (int)(in->v.s.len > 200 ? 200 : in->v.s.len), in->v.s.p, int_name(t));
            return SL_ERUNTIME;
        }
    } else if (sl_type_is_int(from) || from == SL_T_BOOL) {
        v = ubig_of_i128(in->v.i);
    } else if (from == SL_T_HUGEINT || from == SL_T_UBIGINT) {
        v = ubig_of_i128(sl_i128_load(in->v.s.p));
    } else if (from == SL_T_UHUGEINT) {
        v.mag = sl_u128_load(in->v.s.p);
    } else if (from == SL_T_DOUBLE) {
        double r = nearbyint(in->v.d);
        /* 2^128 is exact as a double */
        if (r > -340282366920938463463374607431768211456.0 &&
            r < 340282366920938463463374607431768211456.0) {
            v.neg = r < 0;
            v.mag = (sl_u128)(r < 0 ? -r : r);
        } else {
            v.neg = true; /* out of every range below */
            v.mag = ~(sl_u128)0;
            sl_buf tb;
            sl_buf_init(&tb);
            sl_format_double(&tb, in->v.d);
            snprintf(fmt, sizeof fmt, "%s", sl_buf_cstr(&tb));
            sl_buf_free(&tb);
        }
    } else if (sl_dec_is_wide(from)) {
        sl_i128 x;
        sl_dec128_rescale(sl_dec_value_get(in), sl_dec_scale(from), 0, 39, &x);
        v = ubig_of_i128(x);
    } else if (sl_type_is_decimal(from)) {
        int64_t x;
        sl_dec_rescale(in->v.i, sl_dec_scale(from), 0, 19, &x);
        v = ubig_of_i128(x);
    } else {
        snprintf(msg, msg_cap, "Cannot cast %s to %s", sl_type_name(from), sl_type_name(t));
        return SL_EBIND;
    }
    if (v.mag == 0)
        v.neg = false;
    sl_u128 i128max = ((sl_u128)1 << 127) - 1;
    bool ok;
    switch (t) {
    case SL_T_UBIGINT: ok = !v.neg && v.mag <= UINT64_MAX; break;
    case SL_T_UHUGEINT: ok = !v.neg; break;
    case SL_T_DOUBLE:
        out->v.d = v.neg ? -sl_u128_to_double(v.mag) : sl_u128_to_double(v.mag);
        return 0;
    case SL_T_BOOL: out->v.i = v.mag != 0; return 0;
    default:
        if (sl_type_is_int(t)) {
            int64_t lo, hi;
            sl_int_range(t, &lo, &hi);
            ok = v.neg ? v.mag <= (sl_u128)-(sl_i128)lo : v.mag <= (sl_u128)hi;
            if (ok)
                out->v.i = v.neg ? (int64_t)-(sl_i128)v.mag : (int64_t)v.mag;
        } else { /* HUGEINT, DECIMAL */
            ok = v.neg ? v.mag <= i128max + 1 : v.mag <= i128max;
        }
        break;
    }
    if (ok && (t == SL_T_UBIGINT || t == SL_T_UHUGEINT || t == SL_T_HUGEINT)) {
        sl_buf_reset(tmp);
        sl_buf_reserve(tmp, SL_I128_BYTES);
        if (t == SL_T_UHUGEINT)
            sl_u128_store(tmp->data, v.mag);
        else
            sl_i128_store(tmp->data, v.neg ? -(sl_i128)v.mag : (sl_i128)v.mag);
        tmp->len = SL_I128_BYTES;
        out->v.s.p = tmp->data;
        out->v.s.len = SL_I128_BYTES;
        return 0;
    }
    if (ok && sl_type_is_int(t))
        return 0;
    if (ok) { /* a DECIMAL: HUGEINT's rules */
        sl_value h = {.type = SL_T_HUGEINT};
        char enc[SL_I128_BYTES];
        sl_i128_store(enc, v.neg ? -(sl_i128)v.mag : (sl_i128)v.mag);
        h.v.s.p = enc;
        h.v.s.len = SL_I128_BYTES;
        return wide_cast_value(&h, t, out, tmp, msg, msg_cap);
    }
    sl_buf_reset(tmp);
    if (fmt[0])
        sl_buf_printf(tmp, "%s", fmt);
    else if (from == SL_T_VARCHAR)
        sl_buf_append(tmp, in->v.s.p, in->v.s.len > 200 ? 200 : in->v.s.len);
    else if (from == SL_T_DOUBLE)
        sl_format_double(tmp, in->v.d);
    else {
        if (v.neg)
            sl_buf_append(tmp, "-", 1);
        sl_format_uhugeint(tmp, v.mag);
    }
    if (from == SL_T_VARCHAR)
        snprintf(msg, msg_cap, "Could not convert string \"%s\" to %s", sl_buf_cstr(tmp),
                 int_name(t));
    else
        snprintf(msg, msg_cap, "Type %s with value %s can't be cast because the value is out "
                 "of range for the destination type %s",
                 sl_type_is_int(from) || sl_type_is_wide(from) ? int_name(from)
                 : sl_type_name(from), sl_buf_cstr(tmp),
                 sl_type_is_decimal(t) ? sl_type_name(t) : int_name(t));
    return SL_ERUNTIME;
}

/* TINYINT, SMALLINT, INTEGER are BIGINTs in a range: a value of one converts as a BIGINT, a
 * value converted to one is converted to BIGINT and then checked (DuckDB: a string out of range
 * is "Could not convert string", a number "out of range for the destination type"). */
int fn_cast_value(const sl_value *in, sl_type t, sl_value *out, sl_buf *tmp, char *msg,
                  size_t msg_cap)
{
    if (in->is_null || in->type == SL_T_NULL || (!small_int(in->type) && !small_int(t)) ||
        sl_type_is_wide(in->type) || sl_type_is_wide(t)) /* these check the range themselves */
        return cast_value(in, t, out, tmp, msg, msg_cap);
    sl_value x = *in;
    if (small_int(x.type))
        x.type = SL_T_BIGINT;
    int rc = cast_value(&x, small_int(t) ? SL_T_BIGINT : t, out, tmp, msg, msg_cap);
    if (rc && in->type == SL_T_VARCHAR && small_int(t))
        snprintf(msg, msg_cap, "Could not convert string \"%.*s\" to %s",
                 (int)(in->v.s.len > 200 ? 200 : in->v.s.len), in->v.s.p, int_name(t));
    out->type = t;
    if (rc || !small_int(t))
        return rc;
    int64_t lo, hi;
    sl_int_range(t, &lo, &hi);
    if (out->v.i >= lo && out->v.i <= hi)
        return 0;
    if (in->type == SL_T_VARCHAR)
        snprintf(msg, msg_cap, "Could not convert string \"%.*s\" to %s",
                 (int)(in->v.s.len > 200 ? 200 : in->v.s.len), in->v.s.p, int_name(t));
    else
        snprintf(msg, msg_cap, "Type %s with value %lld can't be cast because the value is out "
                 "of range for the destination type %s",
                 sl_type_is_int(in->type) ? int_name(in->type) : sl_type_name(in->type),
                 (long long)out->v.i, int_name(t));
    return SL_ERUNTIME;
}

/* A nested value's encoding built in enc becomes out's bytes, held in tmp (enc is freed).
 * Local. */
void fn_nested_out(sl_value *out, sl_buf *enc, sl_buf *tmp)
{
    sl_buf_reset(tmp);
    if (enc->len)
        sl_buf_append(tmp, enc->data, enc->len);
    sl_buf_free(enc);
    out->v.s.p = tmp->data ? tmp->data : "";
    out->v.s.len = tmp->len;
}

/* A named STRUCT cast to another by name (DuckDB): each field of t is the same-named field of
 * the value (case-insensitive) cast to its type, NULL where the value has none; the value's
 * other fields are dropped. The new encoding goes to tmp. */
static int struct_cast_by_name(const sl_value *in, sl_type t, sl_value *out, sl_buf *tmp,
                               char *msg, size_t msg_cap)
{
    const sl_nested *td = sl_nested_get(t);
    sl_buf enc, scratch;
    sl_buf_init(&enc);
    sl_buf_init(&scratch);
    int rc = 0;
    for (int k = 0; k < td->n_fields; k++) {
        sl_value x = { .type = SL_T_NULL, .is_null = true }, y;
        int j = sl_struct_field(in->type, td->fnames[k], (int64_t)strlen(td->fnames[k]));
        if (j >= 0)
            sl_struct_get(in->type, in->v.s.p, in->v.s.len, j, &x);
        int erc = fn_cast_value(&x, td->ftypes[k], &y, &scratch, msg, msg_cap);
        if (erc)
            y.is_null = true;
        if (erc && (!rc || erc != SL_ERUNTIME))
            rc = erc;
        sl_list_put(&enc, td->ftypes[k], &y);
    }
    sl_buf_free(&scratch);
    fn_nested_out(out, &enc, tmp);
    return rc;
}

/* A LIST or STRUCT value converted element by element (the rules of each element's cast);
 * the new encoding goes to tmp. */
static int nested_cast_value(const sl_value *in, sl_type t, sl_value *out, sl_buf *tmp,
                             char *msg, size_t msg_cap)
{
    sl_type from = in->type;
    if (!nested_cast_allowed(from, t)) {
        snprintf(msg, msg_cap, "Cannot cast %s to %s", sl_type_name(from), sl_type_name(t));
        return SL_EBIND;
    }
    const sl_nested *fd = sl_type_is_struct(from) ? sl_nested_get(from) : NULL;
    const sl_nested *td = sl_type_is_struct(t) ? sl_nested_get(t) : NULL;
    if (fd && td && !fd->unnamed && !td->unnamed)
        return struct_cast_by_name(in, t, out, tmp, msg, msg_cap);
    const char *p = in->v.s.p, *end = p + in->v.s.len;
    sl_buf enc, scratch;
    sl_buf_init(&enc);
    sl_buf_init(&scratch);
    int rc = 0;
    sl_value x, y;
    for (int k = 0; rc == 0 || rc == SL_ERUNTIME; k++) {
        sl_type fe = fd ? (k < fd->n_fields ? fd->ftypes[k] : SL_T_NULL) : sl_list_elem(from);
        sl_type te = td ? (k < td->n_fields ? td->ftypes[k] : SL_T_NULL) : sl_list_elem(t);
        if ((fd && k >= fd->n_fields) || !sl_nested_next(&p, end, fe, &x))
            break;
        /* A failed element is NULL in the value built; the error is still returned (TRY_CAST
         * keeps the value, as DuckDB's gives ['x']::INTEGER[] as [NULL]). */
        int erc = fn_cast_value(&x, te, &y, &scratch, msg, msg_cap);
        if (erc)
            y.is_null = true;
        if (erc && (!rc || erc != SL_ERUNTIME))
            rc = erc;
        sl_list_put(&enc, te, &y);
    }
    sl_buf_free(&scratch);
    fn_nested_out(out, &enc, tmp);
    return rc;
}

static int cast_value(const sl_value *in, sl_type t, sl_value *out, sl_buf *tmp, char *msg,
                      size_t msg_cap)
{
    sl_type from = in->type;
    memset(out, 0, sizeof *out);
    out->type = t;
    if (in->is_null || from == SL_T_NULL) {
        out->is_null = true;
        return 0;
    }
    if (from == t) {
        *out = *in;
        return 0;
    }
    if (t == SL_T_VARCHAR) {
        sl_buf_reset(tmp);
        sl_format_value(tmp, in);
        sl_buf_cstr(tmp);
        out->v.s.p = tmp->data ? tmp->data : "";
        out->v.s.len = tmp->len;
        return 0;
    }
    if (from == SL_T_VARCHAR && (sl_type_is_list(t) || sl_type_is_struct(t)))
        return fn_cast_text_nested(in, t, out, tmp, msg, msg_cap);
    if (sl_type_is_list(t) || sl_type_is_struct(t) || sl_type_is_list(from) ||
        sl_type_is_struct(from))
        return nested_cast_value(in, t, out, tmp, msg, msg_cap);
    if (from == SL_T_UBIGINT || t == SL_T_UBIGINT || from == SL_T_UHUGEINT ||
        t == SL_T_UHUGEINT)
        return ubig_cast_value(in, t, out, tmp, msg, msg_cap);
    if (sl_dec_is_wide(from) || sl_dec_is_wide(t) ||
        (sl_type_is_decimal(from) && t == SL_T_HUGEINT) ||
        (from == SL_T_HUGEINT && sl_type_is_decimal(t)))
        return wide_cast_value(in, t, out, tmp, msg, msg_cap);
    if (from == SL_T_HUGEINT || t == SL_T_HUGEINT)
        return huge_cast_value(in, t, out, tmp, msg, msg_cap);
    if (from == SL_T_VARCHAR) {
        sl_type pt = small_int(t) ? SL_T_BIGINT : t;
        bool ok = t == SL_T_INTERVAL
                      ? cast_text_interval(in->v.s.p, in->v.s.len, out, tmp)
                      : sl_text_cast(in->v.s.p, in->v.s.len, pt, &out->v.i, &out->v.d);
        if (!ok) {
            snprintf(msg, msg_cap, "Could not convert string \"%.*s\" to %s",
                     (int)(in->v.s.len > 200 ? 200 : in->v.s.len), in->v.s.p, sl_type_name(t));
            return SL_ERUNTIME;
        }
        return 0;
    }
    if (sl_type_is_decimal(t) || sl_type_is_decimal(from)) {
        if (!fn_cast_allowed(from, t))
            goto bad;
        return dec_cast_value(in, t, out, tmp, msg, msg_cap);
    }
    switch (t) {
    case SL_T_BOOL:
        if (from == SL_T_DOUBLE)
            out->v.i = in->v.d != 0;
        else if (from == SL_T_BIGINT)
            out->v.i = in->v.i != 0;
        else
            goto bad;
        return 0;
    case SL_T_BIGINT:
        if (from == SL_T_BOOL) {
            out->v.i = in->v.i;
        } else if (from == SL_T_DOUBLE) {
            if (!double_to_bigint(in->v.d, &out->v.i)) {
                sl_buf_reset(tmp);
                sl_format_double(tmp, in->v.d);
                snprintf(msg, msg_cap, "Could not convert DOUBLE %s to BIGINT: out of range",
                         sl_buf_cstr(tmp));
                return SL_ERUNTIME;
            }
        } else {
            goto bad;
        }
        return 0;
    case SL_T_DOUBLE:
        if (from == SL_T_BOOL || from == SL_T_BIGINT)
            out->v.d = (double)in->v.i;
        else
            goto bad;
        return 0;
    case SL_T_DATE:
        if (!sl_type_is_ts(from))
            goto bad;
        out->v.i = fn_ts_days(in->v.i);
        return 0;
    case SL_T_TIMESTAMPTZ: /* TIMESTAMP <-> TIMESTAMPTZ: the same instant in UTC */
    case SL_T_TIMESTAMP:
        if (sl_type_is_ts(from)) {
            out->v.i = in->v.i;
            return 0;
        }
        if (from != SL_T_DATE)
            goto bad;
        if (__builtin_mul_overflow(in->v.i, US_PER_DAY, &out->v.i)) {
            snprintf(msg, msg_cap, "Could not convert DATE to TIMESTAMP: out of range");
            return SL_ERUNTIME;
        }
        return 0;
    default:
        break;
    }
bad:
    snprintf(msg, msg_cap, "Cannot cast %s to %s", sl_type_name(from), sl_type_name(t));
    return SL_EBIND;
}

/* Loops of the numeric casts; X computes `r` from `x` (may `goto fail`). */
#define CAST_LOOP(IN, OUTF, ...)                                                           \
    for (int64_t k = 0; k < rows->n; k++) {                                                \
        int64_t i = fn_row(rows, k);                                                       \
        if (!fn_ok(a, i))                                                                  \
            continue;                                                                      \
        __typeof__(a->v->d.IN[0]) x = a->v->d.IN[i & a->mask];                             \
        __VA_ARGS__;                                                                       \
        fn_set_valid(o, i);                                                                \
    }

int fn_cast_vec(const sl_expr *e, sl_type from, const sl_arg *a, const sl_rows *rows,
                sl_vec **out, sl_err *err)
{
    sl_type t = e->type;
    if (t == SL_T_VARCHAR || from == SL_T_VARCHAR || t == SL_T_INTERVAL || t == SL_T_HUGEINT ||
        sl_dec_is_wide(t) || /* a byte column, NULL casts included */
        sl_type_is_list(t) || sl_type_is_struct(t) ||
        ((sl_type_is_decimal(t) || sl_type_is_decimal(from) || small_int(t) ||
          small_int(from) || sl_type_is_wide(t) || sl_type_is_wide(from)) &&
         from != SL_T_NULL)) {
        /* Strings are converted one value at a time through the scalar path: the parse or
         * format dominates, so boxing costs nothing measurable here. DECIMAL casts take the
         * same path (a rescale with rounding is a few operations either way), and so do the
         * integer types with a range (a check per value). */
        bool var = sl_type_is_var(t); /* VARCHAR, INTERVAL, HUGEINT, LIST, STRUCT */
        sl_vec *o = var ? sl_vec_new(t, rows->n_rows) : fn_new_fixed(t, rows->n_rows);
        sl_buf tmp;
        sl_buf_init(&tmp);
        char msg[512];
        for (int64_t k = 0; k < rows->n; k++) {
            int64_t i = fn_row(rows, k);
            sl_value in, r;
            sl_vec_get_value(a->v, i & a->mask, &in);
            in.type = from;
            int rc = fn_cast_value(&in, t, &r, &tmp, msg, sizeof msg);
            if (rc && !e->try_cast) {
                sl_buf_free(&tmp);
                sl_vec_free(&o);
                return fn_rt_error(err, e, "%s", msg);
            }
            /* TRY_CAST of a LIST or STRUCT keeps it, its failed elements NULL */
            if (rc && !(rc == SL_ERUNTIME && (sl_type_is_list(t) || sl_type_is_struct(t))))
                r.is_null = true;
            if (var) {
                fn_pad(o, i);
                sl_vec_push_value(o, &r);
            } else if (!r.is_null) {
                if (t == SL_T_DOUBLE)
                    o->d.f64[i] = r.v.d;
                else
                    o->d.i64[i] = r.v.i;
                fn_set_valid(o, i);
            }
        }
        if (var)
            fn_pad(o, rows->n_rows);
        sl_buf_free(&tmp);
        *out = o;
        return 0;
    }

    sl_vec *o = fn_new_fixed(t, rows->n_rows);
    int64_t *oi = o->d.i64;
    double *of = o->d.f64;
    if (from == SL_T_NULL) {
        *out = o; /* all NULL */
        return 0;
    }
    if (from == t || (from == SL_T_BOOL && t == SL_T_BIGINT)) {
        if (from == SL_T_DOUBLE) {
            CAST_LOOP(f64, of, of[i] = x)
        } else {
            CAST_LOOP(i64, oi, oi[i] = x)
        }
    } else if (t == SL_T_DOUBLE && (from == SL_T_BIGINT || from == SL_T_BOOL)) {
        CAST_LOOP(i64, of, of[i] = (double)x)
    } else if (t == SL_T_BIGINT && from == SL_T_DOUBLE) {
        CAST_LOOP(f64, oi, if (!double_to_bigint(x, &oi[i])) {
            if (e->try_cast)
                continue;
            sl_buf tmp;
            sl_buf_init(&tmp);
            sl_format_double(&tmp, x);
            fn_rt_error(err, e, "Could not convert DOUBLE %s to BIGINT: out of range",
                        sl_buf_cstr(&tmp));
            sl_buf_free(&tmp);
            sl_vec_free(&o);
            return SL_ERUNTIME;
        })
    } else if (t == SL_T_BOOL && from == SL_T_BIGINT) {
        CAST_LOOP(i64, oi, oi[i] = x != 0)
    } else if (t == SL_T_BOOL && from == SL_T_DOUBLE) {
        CAST_LOOP(f64, oi, oi[i] = x != 0)
    } else if (sl_type_is_ts(t) && sl_type_is_ts(from)) { /* the same instant in UTC */
        CAST_LOOP(i64, oi, oi[i] = x)
    } else if (t == SL_T_DATE && sl_type_is_ts(from)) {
        CAST_LOOP(i64, oi, oi[i] = sl_ts_is_inf(x) ? (x > 0 ? SL_DATE_INF : -SL_DATE_INF)
                                                   : fn_ts_days(x))
    } else if (sl_type_is_ts(t) && from == SL_T_DATE) {
        CAST_LOOP(i64, oi, if (sl_date_is_inf(x)) {
            oi[i] = x > 0 ? SL_TS_INF : -SL_TS_INF;
        } else if (__builtin_mul_overflow(x, US_PER_DAY, &oi[i])) {
            if (e->try_cast)
                continue;
            sl_vec_free(&o);
            return fn_rt_error(err, e, "Could not convert DATE to TIMESTAMP: out of range");
        })
    } else {
        sl_vec_free(&o);
        return SL_ERR(err, SL_EINTERNAL, "cast from %s to %s has no kernel",
                      sl_type_name(from), sl_type_name(t));
    }
    *out = o;
    return 0;
}
