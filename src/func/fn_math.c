/*
 * Numeric functions: abs, sign, round (half away from zero, optional digits), floor, ceil,
 * sqrt, ln, log10, log2, exp, power. abs/sign/round/floor/ceil keep BIGINT as BIGINT; the
 * others take and return DOUBLE (the binder casts). As in DuckDB, sqrt of a negative number
 * and the logarithm of zero or a negative number are errors, abs(-2^63) overflows. Local.
 */
#include "func/fn_int.h"

#include <math.h>

/* abs, round, floor, ceil: a number (an untyped NULL or a string literal becomes DOUBLE),
 * an optional BIGINT (round's digits); the result keeps the number's type. */
FN_BIND(fn_bind_num_keep)
{
    int rc = 0;
    if (sl_type_is_decimal(args[0]->type) && n == 1) { /* abs, sign: the unscaled integer */
        *rt = args[0]->type;
        return 0;
    }
    if (!fn_want_numeric(args, 0, SL_T_DOUBLE, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    if (n > 1 && !fn_want(args, 1, SL_T_BIGINT, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    *rt = args[0]->type;
    return 0;
}

FN_BIND(fn_bind_sign)
{
    int rc = fn_bind_num_keep(args, n, rt, err);
    if (!rc)
        *rt = SL_T_BIGINT;
    return rc;
}

/* sqrt, ln, log10, log2, exp, power: numbers, cast to DOUBLE; DOUBLE result. */
FN_BIND(fn_bind_double)
{
    int rc = 0;
    for (int j = 0; j < n; j++) {
        if (!fn_want_numeric(args, j, SL_T_DOUBLE, err, &rc))
            return rc ? rc : FN_NO_MATCH;
        if ((rc = fn_coerce(&args[j], SL_T_DOUBLE, err)))
            return rc;
    }
    *rt = SL_T_DOUBLE;
    return 0;
}

static double round_digits(double x, int64_t n)
{
    if (n == 0)
        return round(x);
    if (n > 308)
        return x;
    if (n < -308)
        return 0;
    if (n < 0) {
        double m = pow(10.0, (double)-n);
        double r = round(x / m) * m;
        return isfinite(r) ? r : 0;
    }
    double m = pow(10.0, (double)n);
    double r = round(x * m) / m;
    return isfinite(r) ? r : x;
}

/* BIGINT rounded to a multiple of 10^-n for n < 0 (half away from zero). */
static bool round_bigint(int64_t x, int64_t n, int64_t *out)
{
    if (n >= 0) {
        *out = x;
        return true;
    }
    if (n < -18) {
        *out = 0;
        return true;
    }
    int64_t p = 1;
    for (int64_t k = 0; k < -n; k++)
        p *= 10;
    int64_t q = x / p, rem = x % p;
    if (rem >= 0 ? rem * 2 >= p : -rem * 2 >= p)
        q += x < 0 ? -1 : 1;
    return !__builtin_mul_overflow(q, p, out);
}

#define LOOP1(...)                                                                         \
    for (int64_t k = 0; k < rows->n; k++) {                                                \
        int64_t i = fn_row(rows, k);                                                       \
        if (!fn_ok(&a[0], i) || (e->n_args > 1 && !fn_ok(&a[1], i)))                       \
            continue;                                                                      \
        __VA_ARGS__;                                                                       \
        fn_set_valid(o, i);                                                                \
    }

/* Declarations every kernel starts with; is_int: the first argument is BIGINT. */
#define PROLOGUE                                                                           \
    sl_vec *o = fn_new_fixed(e->type, rows->n_rows);                                       \
    int64_t *oi = o->d.i64;                                                                \
    double *of = o->d.f64;                                                                 \
    bool is_int = e->args[0]->type != SL_T_DOUBLE;                                         \
    (void)oi; (void)of; (void)is_int

#define DONE                                                                               \
    *out = o;                                                                              \
    return 0

FN_EXEC(fn_exec_abs)
{
    if (sl_dec_is_wide(e->type))
        return fn_dec128_unary(e, rows, a, 'a', out, err);
    PROLOGUE;
    if (is_int) {
        LOOP1(int64_t x = fn_i64(&a[0], i);
              if (x == INT64_MIN) {
                  sl_vec_free(&o);
                  return fn_rt_error(err, e, "Overflow on abs(%lld)", (long long)x);
              } oi[i] = x < 0 ? -x : x)
    } else {
        LOOP1(of[i] = fabs(fn_f64(&a[0], i)))
    }
    DONE;
}

FN_EXEC(fn_exec_sign)
{
    if (sl_dec_is_wide(e->args[0]->type))
        return fn_dec128_unary(e, rows, a, 's', out, err);
    PROLOGUE;
    if (is_int) {
        LOOP1(int64_t x = fn_i64(&a[0], i); oi[i] = (x > 0) - (x < 0))
    } else {
        LOOP1(double x = fn_f64(&a[0], i); oi[i] = (x > 0) - (x < 0))
    }
    DONE;
}

FN_EXEC(fn_exec_round)
{
    if (sl_type_is_decimal(e->args[0]->type))
        return fn_dec_round_vec(e, rows, a, 0, out, err);
    PROLOGUE;
    if (is_int) {
        LOOP1(int64_t n = e->n_args > 1 ? fn_i64(&a[1], i) : 0;
              if (!round_bigint(fn_i64(&a[0], i), n, &oi[i])) {
                  sl_vec_free(&o);
                  return fn_rt_error(err, e, "Overflow in round of BIGINT");
              })
    } else {
        LOOP1(int64_t n = e->n_args > 1 ? fn_i64(&a[1], i) : 0;
              of[i] = round_digits(fn_f64(&a[0], i), n))
    }
    DONE;
}

FN_EXEC(fn_exec_floor)
{
    if (sl_type_is_decimal(e->args[0]->type))
        return fn_dec_round_vec(e, rows, a, 1, out, err);
    PROLOGUE;
    if (is_int) {
        LOOP1(oi[i] = fn_i64(&a[0], i))
    } else {
        LOOP1(of[i] = floor(fn_f64(&a[0], i)))
    }
    DONE;
}

FN_EXEC(fn_exec_ceil)
{
    if (sl_type_is_decimal(e->args[0]->type))
        return fn_dec_round_vec(e, rows, a, 2, out, err);
    PROLOGUE;
    if (is_int) {
        LOOP1(oi[i] = fn_i64(&a[0], i))
    } else {
        LOOP1(of[i] = ceil(fn_f64(&a[0], i)))
    }
    DONE;
}

FN_EXEC(fn_exec_sqrt)
{
    PROLOGUE;
    LOOP1(double x = fn_f64(&a[0], i);
          if (x < 0) {
              sl_vec_free(&o);
              return fn_rt_error(err, e, "cannot take square root of a negative number");
          } of[i] = sqrt(x))
    DONE;
}

/* The logarithms: zero and negative numbers are errors, as in DuckDB. */
#define LOG_KERNEL(NAME, F)                                                                \
    FN_EXEC(NAME)                                                                          \
    {                                                                                      \
        PROLOGUE;                                                                          \
        LOOP1(double x = fn_f64(&a[0], i);                                                 \
              if (x <= 0) {                                                                \
                  sl_vec_free(&o);                                                         \
                  return fn_rt_error(err, e, "%s", x == 0 ? "cannot take logarithm of zero"\
                                     : "cannot take logarithm of a negative number");      \
              } of[i] = F(x))                                                              \
        DONE;                                                                              \
    }

LOG_KERNEL(fn_exec_ln, log)
LOG_KERNEL(fn_exec_log10, log10)
LOG_KERNEL(fn_exec_log2, log2)

FN_EXEC(fn_exec_exp)
{
    PROLOGUE;
    LOOP1(of[i] = exp(fn_f64(&a[0], i)))
    DONE;
}

FN_EXEC(fn_exec_power)
{
    PROLOGUE;
    LOOP1(of[i] = pow(fn_f64(&a[0], i), fn_f64(&a[1], i)))
    DONE;
}
