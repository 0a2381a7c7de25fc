/*
 * Private to the scalar-function module (eval.c, func_bind.c, fn_*.c): the argument view that
 * kernels read and helpers shared by the kernels. Other modules use func.h only.
 *
 * A kernel gets its arguments already evaluated at the live rows `rows` and returns a new
 * vector of rows->n_rows slots (fixed width: sl_vec_resize_fixed, set only at live rows;
 * VARCHAR: one entry per physical row, NULL at rows that are not live, so that indexes line
 * up with the batch). Kernels loop over the live rows with one switch per vector, never per
 * row. Local.
 */
#ifndef SL_FN_INT_H
#define SL_FN_INT_H

#include "func/func.h"

/* An evaluated argument: a vector read at physical row i (or at 0 when constant). */
typedef struct sl_arg {
    const sl_vec *v;
    sl_vec *own;     /* v when it is owned by this argument, else NULL (borrowed column) */
    int64_t mask;    /* -1: read row i; 0: constant, read row 0 (index = i & mask) */
} sl_arg;

/* The rows to evaluate: sel[0..n) when sel != NULL, else 0..n. n_rows = physical length. */
typedef struct sl_rows {
    const uint32_t *sel;
    int64_t n;
    int64_t n_rows;
} sl_rows;

static inline int64_t fn_row(const sl_rows *r, int64_t k)
{
    return r->sel ? (int64_t)r->sel[k] : k;
}

static inline bool fn_ok(const sl_arg *a, int64_t i)
{
    int64_t j = i & a->mask;
    return (a->v->valid[j >> 6] >> (j & 63)) & 1;
}
static inline int64_t fn_i64(const sl_arg *a, int64_t i) { return a->v->d.i64[i & a->mask]; }
static inline double fn_f64(const sl_arg *a, int64_t i) { return a->v->d.f64[i & a->mask]; }
static inline const char *fn_str(const sl_arg *a, int64_t i, int64_t *len)
{
    /* A vector of empty strings may have no heap: never hand out NULL (memcmp/memcpy). */
    const char *p = sl_vec_str(a->v, i & a->mask, len);
    return a->v->heap ? p : "";
}
static inline void fn_set_valid(sl_vec *o, int64_t i)
{
    o->valid[i >> 6] |= UINT64_C(1) << (i & 63);
}

/* Returns a new fixed-width result vector of n_rows NULL slots. Local. */
sl_vec *fn_new_fixed(sl_type t, int64_t n_rows);
/* Pushes NULLs to a VARCHAR result until it holds i values (rows that are not live). Local. */
static inline void fn_pad(sl_vec *o, int64_t i)
{
    while (o->n < i)
        sl_vec_push_null(o);
}

/* Records an SL_ERUNTIME error "<msg> in "<expr text>"". Returns SL_ERUNTIME. Local. */
int fn_rt_error(sl_err *err, const sl_expr *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Kernels (each returns 0 or an error code; *out is new on success). Local. */
int fn_cast_vec(const sl_expr *e, sl_type from, const sl_arg *a, const sl_rows *rows,
                sl_vec **out, sl_err *err);
int fn_string(const sl_expr *e, const sl_arg *args, const sl_rows *rows, sl_vec **out,
              sl_err *err);
int fn_math(const sl_expr *e, const sl_arg *args, const sl_rows *rows, sl_vec **out,
            sl_err *err);
int fn_date(const sl_expr *e, const sl_arg *args, const sl_rows *rows, sl_vec **out,
            sl_err *err);
/* True when fn is handled by fn_string / fn_math / fn_date. Local. */
bool fn_is_string(int fn);
bool fn_is_math(int fn);
bool fn_is_date(int fn);

/*
 * Scalar conversion of one value to type t, shared by the vector cast and by the binder
 * (string literals compared with a typed side are converted once at bind time).
 * Returns 0, or a nonzero code with a message in msg (msg_cap bytes) when it cannot convert.
 * A VARCHAR result points into *tmp (caller-owned buffer). Local.
 */
int fn_cast_value(const sl_value *in, sl_type t, sl_value *out, sl_buf *tmp, char *msg,
                  size_t msg_cap);
/* Whether CAST(from AS to) is allowed. Local. */
bool fn_cast_allowed(sl_type from, sl_type to);

/* LIKE matcher (% and _; _ is one UTF-8 character; ci = ASCII case-insensitive). Local. */
bool fn_like(const char *s, int64_t sn, const char *p, int64_t pn, bool ci);
/* Civil fields of a TIMESTAMP in microseconds. Local. */
int64_t fn_ts_days(int64_t us);

#endif
