/*
 * Numeric functions: abs, sign, round (half away from zero, optional digits), floor, ceil,
 * sqrt, ln, log10, log2, exp, power. abs/sign/round/floor/ceil keep BIGINT as BIGINT; the
 * others take and return DOUBLE (the binder casts). As in DuckDB, sqrt of a negative number
 * and the logarithm of zero or a negative number are errors, abs(-2^63) overflows. Local.
 */
#include "func/fn_int.h"

#include <math.h>

bool fn_is_math(int fn)
{
    switch (fn) {
    case SL_FN_ABS: case SL_FN_SIGN: case SL_FN_ROUND: case SL_FN_FLOOR: case SL_FN_CEIL:
    case SL_FN_SQRT: case SL_FN_LN: case SL_FN_LOG10: case SL_FN_LOG2: case SL_FN_EXP:
    case SL_FN_POWER:
        return true;
    default:
        return false;
    }
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

int fn_math(const sl_expr *e, const sl_arg *a, const sl_rows *rows, sl_vec **out,
            sl_err *err)
{
    sl_vec *o = fn_new_fixed(e->type, rows->n_rows);
    int64_t *oi = o->d.i64;
    double *of = o->d.f64;
    bool is_int = e->args[0]->type != SL_T_DOUBLE;
    switch (e->fn) {
    case SL_FN_ABS:
        if (is_int) {
            LOOP1(int64_t x = fn_i64(&a[0], i);
                  if (x == INT64_MIN) {
                      sl_vec_free(&o);
                      return fn_rt_error(err, e, "Overflow on abs(%lld)", (long long)x);
                  } oi[i] = x < 0 ? -x : x)
        } else {
            LOOP1(of[i] = fabs(fn_f64(&a[0], i)))
        }
        break;
    case SL_FN_SIGN:
        if (is_int) {
            LOOP1(int64_t x = fn_i64(&a[0], i); oi[i] = (x > 0) - (x < 0))
        } else {
            LOOP1(double x = fn_f64(&a[0], i); oi[i] = (x > 0) - (x < 0))
        }
        break;
    case SL_FN_ROUND:
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
        break;
    case SL_FN_FLOOR: case SL_FN_CEIL:
        if (is_int) {
            LOOP1(oi[i] = fn_i64(&a[0], i))
        } else if (e->fn == SL_FN_FLOOR) {
            LOOP1(of[i] = floor(fn_f64(&a[0], i)))
        } else {
            LOOP1(of[i] = ceil(fn_f64(&a[0], i)))
        }
        break;
    case SL_FN_SQRT:
        LOOP1(double x = fn_f64(&a[0], i);
              if (x < 0) {
                  sl_vec_free(&o);
                  return fn_rt_error(err, e, "cannot take square root of a negative number");
              } of[i] = sqrt(x))
        break;
    case SL_FN_LN: case SL_FN_LOG10: case SL_FN_LOG2: {
        int fn = e->fn;
        LOOP1(double x = fn_f64(&a[0], i);
              if (x <= 0) {
                  sl_vec_free(&o);
                  return fn_rt_error(err, e, "%s", x == 0 ? "cannot take logarithm of zero"
                                     : "cannot take logarithm of a negative number");
              } of[i] = fn == SL_FN_LN ? log(x) : fn == SL_FN_LOG10 ? log10(x) : log2(x))
        break;
    }
    case SL_FN_EXP:
        LOOP1(of[i] = exp(fn_f64(&a[0], i)))
        break;
    case SL_FN_POWER:
        LOOP1(of[i] = pow(fn_f64(&a[0], i), fn_f64(&a[1], i)))
        break;
    default:
        sl_vec_free(&o);
        return SL_ERR(err, SL_EINTERNAL, "no math kernel for %s", sl_func_name(e->fn));
    }
    *out = o;
    return 0;
}
