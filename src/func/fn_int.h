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

#include <string.h>

#include "batch/int128.h"
#include "batch/list_order.h"
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

/* For a dense evaluation (no selection): sets o's validity to the AND of both arguments'
 * (a constant's one bit stands for every row), a word at a time, and returns true, so the
 * caller computes every row 0..n with no test per row (values in NULL slots are computed from
 * whatever the slots hold and stay unread). With a selection it does nothing: false. */
static inline bool fn_dense_valid2(const sl_rows *rows, const sl_arg *a, sl_vec *o)
{
    if (rows->sel || rows->n != rows->n_rows)
        return false;
    int64_t n = rows->n, nw = (n + 63) / 64;
    for (int64_t w = 0; w < nw; w++) {
        uint64_t x = a[0].mask ? a[0].v->valid[w] : -(a[0].v->valid[0] & 1);
        uint64_t y = a[1].mask ? a[1].v->valid[w] : -(a[1].v->valid[0] & 1);
        uint64_t m = x & y;
        if (w == nw - 1 && n % 64)
            m &= (UINT64_C(1) << (n % 64)) - 1;
        o->valid[w] = m;
    }
    return true;
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

/*
 * The function registry (func_list.h): one entry per function id, with its name, arity, flags,
 * type rule and kernel. sl_func_bind looks the name up, checks the arity and calls bind;
 * evaluation calls exec. Adding a function is one kernel (and, unless an existing rule fits,
 * one bind rule) plus one line in func_list.h: there is no switch over functions to extend.
 *
 * bind: checks and converts the arguments in place (fn_coerce & co. below) and sets the
 *   result type. Returns 0, an error code (err set), or FN_NO_MATCH for "no function matches
 *   name(types)" (the caller words that message).
 * exec: computes the result at the live rows `rows` from the evaluated arguments a[] (see the
 *   contract at the top of this file). With FN_LAZY, a is NULL and exec evaluates its own
 *   arguments with fn_eval at the rows that need them (AND, OR, coalesce: a row that the
 *   left side decides must not raise an error on the right side).
 */
#define FN_NO_MATCH (-1)
#define FN_LAZY 1

#define FN_BIND(name) int name(sl_expr **args, int n, sl_type *rt, sl_err *err)
#define FN_EXEC(name)                                                                      \
    int name(const sl_expr *e, const sl_batch *in, const sl_rows *rows, const sl_arg *a,   \
             sl_vec **out, sl_err *err)

typedef FN_BIND((*fn_bind_t));
typedef FN_EXEC((*fn_exec_t));

typedef struct fn_def {
    const char *name;
    int lo, hi;         /* arity; hi -1 = variadic */
    int flags;          /* FN_LAZY */
    fn_bind_t bind;
    fn_exec_t exec;
} fn_def;

/* The registry, indexed by function id (func_bind.c). */
extern const fn_def fn_table[SL_FN_COUNT];

/* Prototypes of every rule and kernel named in the list. */
#define FN_DECLARE(id, name, lo, hi, flags, bind, exec) FN_BIND(bind); FN_EXEC(exec);
SL_FUNC_LIST(FN_DECLARE)
#undef FN_DECLARE

/* Evaluates e at rows of in into *res (an owned vector, a borrowed column or a constant);
 * free with fn_arg_free. For FN_LAZY kernels. Local. */
int fn_eval(const sl_expr *e, const sl_batch *in, const sl_rows *rows, sl_arg *res,
            sl_err *err);
void fn_arg_free(sl_arg *a);

/* Returns a new selection of the rows of r where keep(c at row) holds; *n gets the count. */
typedef enum { FN_KEEP_TRUE, FN_KEEP_NOT_TRUE, FN_KEEP_NOT_FALSE, FN_KEEP_NULL } fn_keep;
uint32_t *fn_sub_rows(const sl_rows *r, const sl_arg *c, fn_keep keep, int64_t *n);
/* Builds the result of type t at the live rows of r: row i takes its value from
 * parts[which[i]] (which[i] < 0: NULL). Returns new. Local. */
sl_vec *fn_assemble(sl_type t, const sl_rows *r, const sl_arg *parts, const int32_t *which);

/* Binding helpers shared by the rules (func_bind.c). fn_coerce converts *pe to t (retypes an
 * untyped NULL, converts a string literal now, else wraps an implicit CAST). fn_want: argument
 * j must be of type t (a NULL or a string literal converts): false when it is not. Local. */
bool fn_is_str_lit(const sl_expr *e);
/* e is an integer literal as written whose value lies in integer type t's range: DuckDB then
 * gives it t's type next to an operand of type t (1::TINYINT + 1 is TINYINT). Local. */
bool fn_int_lit_fits(const sl_expr *e, sl_type t);
int fn_coerce(sl_expr **pe, sl_type t, sl_err *err);
int fn_coerce_all(sl_expr **args, const int *idx, int n, sl_type t, sl_err *err);
bool fn_want(sl_expr **args, int j, sl_type t, sl_err *err, int *rc);
bool fn_want_numeric(sl_expr **args, int j, sl_type dflt, sl_err *err, int *rc);
/* args[j], a number (or a NULL or string literal), coerced to DOUBLE: 0, FN_NO_MATCH or an
 * error code. Local. */
int fn_want_double(sl_expr **args, int j, sl_err *err);
/* Common type of args[idx[k]]: string literals adapt to the typed side, NULLs to anything.
 * Returns false (and the two clashing types) when there is none. */
bool fn_common_type(sl_expr **args, const int *idx, int n, sl_type *out, sl_type *c1,
                    sl_type *c2);

/* a / b rounded toward negative infinity (b > 0): day and microsecond arithmetic on dates and
 * timestamps before 1970. Local. */
static inline int64_t fn_floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Three-way compare of two non-NULL arguments at row i by physical class (cls of type t:
 * 0 = 8-byte integer, 1 = DOUBLE, 2 = VARCHAR or HUGEINT (their bytes), 3 = INTERVAL). */
static inline int fn_type_class(sl_type t)
{
    /* LIST and STRUCT (4): DuckDB's order of nested values (batch/list_order.h) */
    return t == SL_T_DOUBLE ? 1 : sl_type_is_bytes(t) ? 2
           : t == SL_T_INTERVAL ? 3 : sl_list_order_is_nested(t) ? 4 : 0;
}
/* INTERVALs at row i of p and q in DuckDB's order (normalized, types.h). */
static inline int fn_iv_cmp(const sl_arg *p, const sl_arg *q, int64_t i)
{
    int64_t pn, qn;
    const char *ps = fn_str(p, i, &pn), *qs = fn_str(q, i, &qn);
    if (pn != SL_IV_BYTES || qn != SL_IV_BYTES)
        return (pn > qn) - (pn < qn);
    return sl_interval_cmp(sl_interval_get(ps), sl_interval_get(qs));
}
static inline int fn_str_cmp(const char *p, int64_t pn, const char *q, int64_t qn)
{
    int c = memcmp(p, q, (size_t)(pn < qn ? pn : qn));
    if (c)
        return c;
    return (pn > qn) - (pn < qn);
}
/* DuckDB's total order of doubles: NaN equals NaN and is greater than every other value
 * (so NaN BETWEEN 0 AND 1 is false and NaN = NaN is true); -0.0 equals 0.0. */
static inline int fn_f64_cmp(double x, double y)
{
    if (x != x || y != y)
        return (x != x) - (y != y);
    return (x > y) - (x < y);
}
static inline int fn_cmp3(int cls, const sl_arg *p, const sl_arg *q, int64_t i)
{
    if (cls == 1)
        return fn_f64_cmp(fn_f64(p, i), fn_f64(q, i));
    if (cls == 3)
        return fn_iv_cmp(p, q, i);
    if (cls == 4) { /* LISTs and STRUCTs (batch/list_order.h); both of p's vector type */
        int64_t pn, qn;
        const char *ps = fn_str(p, i, &pn), *qs = fn_str(q, i, &qn);
        return sl_list_cmp(p->v->type, ps, pn, qs, qn);
    }
    if (cls == 2) {
        int64_t pn, qn;
        const char *ps = fn_str(p, i, &pn), *qs = fn_str(q, i, &qn);
        return fn_str_cmp(ps, pn, qs, qn);
    }
    int64_t x = fn_i64(p, i), y = fn_i64(q, i);
    return (x > y) - (x < y);
}

/* INTERVAL arithmetic (fn_interval.c). fn_interval_bind_arith is the rule of + - * / and
 * negation (op '+', '-', '*', '/', 'n') for an INTERVAL operand and for TIMESTAMP -
 * TIMESTAMP (FN_NO_MATCH otherwise); fn_interval_arith says whether a bound e is one of those,
 * and fn_interval_exec_arith is its kernel. Local. */
int fn_interval_bind_arith(sl_expr **args, int n, char op, sl_type *rt, sl_err *err);
bool fn_interval_arith(const sl_expr *e);
int fn_interval_exec_arith(const sl_expr *e, const sl_arg *a, const sl_rows *rows, char op,
                           sl_vec **out, sl_err *err);
/* date_part(p, v) of an INTERVAL: *r (or *d when *dbl, for 'epoch'); -1 for a part that an
 * INTERVAL does not have. Local. */
int fn_interval_part(const char *p, int64_t n, sl_interval v, bool *dbl, int64_t *r, double *d);

/* The DECIMAL rule of + - * % (op is the operator's character) once an operand is a DECIMAL
 * and none is a DOUBLE: sets *rt and rescales the operands (fn_decimal.c). Local. */
int fn_dec_bind_arith(sl_expr **args, char op, sl_type *rt, sl_err *err);
/* + - * % (op) and negation ('n') into a wide DECIMAL e->type (operands DECIMAL or integers at
 * their unscaled values, as fn_dec_bind_arith left them), with DuckDB's overflow errors past 38
 * digits; % by zero is NULL (fn_decimal.c). Local. */
int fn_dec128_arith(const sl_expr *e, const sl_rows *rows, const sl_arg *a, char op,
                    sl_vec **out, sl_err *err);
/* abs ('a') and sign ('s') of a wide DECIMAL argument (fn_decimal.c). Local. */
int fn_dec128_unary(const sl_expr *e, const sl_rows *rows, const sl_arg *a, int mode,
                    sl_vec **out, sl_err *err);
/* round (mode 0), floor (1), ceil (2) of a DECIMAL argument into e's DECIMAL type, rounding
 * half away from zero (fn_decimal.c). Local. */
int fn_dec_round_vec(const sl_expr *e, const sl_rows *rows, const sl_arg *a, int mode,
                     sl_vec **out, sl_err *err);

/* Kernel of CAST / TRY_CAST (an expression kind, not a registry function). Local. */
int fn_cast_vec(const sl_expr *e, sl_type from, const sl_arg *a, const sl_rows *rows,
                sl_vec **out, sl_err *err);

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
/* out's bytes are the nested encoding enc (copied into tmp; enc freed). Local. */
void fn_nested_out(sl_value *out, sl_buf *enc, sl_buf *tmp);
/* fn_cast_value of VARCHAR text to a LIST or STRUCT type t, as DuckDB splits and converts it
 * (fn_cast_text.c): SL_ERUNTIME with out NULL when the text does not split, or with the
 * elements that do not convert NULL. Local. */
int fn_cast_text_nested(const sl_value *in, sl_type t, sl_value *out, sl_buf *tmp, char *msg,
                        size_t msg_cap);

/* LIKE matcher (% and _; _ is one UTF-8 character; ci = ASCII case-insensitive). Local. */
bool fn_like(const char *s, int64_t sn, const char *p, int64_t pn, bool ci);
/* Civil fields of a TIMESTAMP in microseconds. Local. */
int64_t fn_ts_days(int64_t us);
/* ts + sign * iv as DuckDB adds an interval (fn_interval.c); false on overflow. Local. */
bool fn_ts_add_interval(int64_t ts, sl_interval iv, int sign, int64_t *out);

#endif
