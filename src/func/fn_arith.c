/*
 * Arithmetic operators: + - * / // % and unary minus. Type rules as DuckDB's: BIGINT mixes
 * with DOUBLE as DOUBLE, `/` is always DOUBLE division, DATE + BIGINT and DATE - BIGINT are
 * DATEs, DATE - DATE is BIGINT days. BIGINT overflow is an error. A zero divisor: `/` gives
 * IEEE inf, -inf or NaN as DuckDB does (0/0 is the hardware's NaN, -nan on x86 like DuckDB's),
 * `//` and integer `%` give NULL, DOUBLE `%` gives -nan (DuckDB's answer for every x).
 * (// of -2^63 by -1 overflows.) One tight loop per operator and operand type. Local.
 */
#include "func/fn_int.h"

#include <math.h>

/* Untyped NULL takes the other side's type (days next to a date); a string literal next to
 * a number becomes that number type. Then both numeric operands get one type: DOUBLE when
 * either is (or when force_double), else BIGINT. Returns FN_NO_MATCH for non-numeric
 * operands, leaving them converted for the date rules. */
static int numeric_operands(sl_expr **args, char op, sl_type *rt, sl_err *err)
{
    for (int j = 0; j < 2; j++) {
        sl_type other = args[1 - j]->type;
        sl_type to = SL_T_NULL;
        if (args[j]->type == SL_T_NULL)
            to = (other == SL_T_NULL || other == SL_T_DATE || other == SL_T_TIMESTAMP)
                     ? SL_T_BIGINT : other;
        else if (fn_is_str_lit(args[j]) &&
                 (sl_type_is_numeric(other) || sl_type_is_decimal(other) ||
                  sl_type_is_wide(other)))
            to = sl_type_is_decimal(other) ? SL_T_DOUBLE : other;
        int rc = to == SL_T_NULL ? 0 : fn_coerce(&args[j], to, err);
        if (rc)
            return rc;
    }
    /* An integer literal takes the other operand's integer type where its value fits
     * (DuckDB: 1::TINYINT + 1 is TINYINT, 1::TINYINT + 1000 INTEGER). */
    for (int j = 0; j < 2; j++)
        if (!args[1 - j]->int_lit && fn_int_lit_fits(args[j], args[1 - j]->type)) {
            int rc = fn_coerce(&args[j], args[1 - j]->type, err);
            if (rc)
                return rc;
        }
    sl_type a = args[0]->type, b = args[1]->type;
    bool force_double = op == '/';
    bool ua = a == SL_T_UBIGINT || a == SL_T_UHUGEINT;
    bool ub = b == SL_T_UBIGINT || b == SL_T_UHUGEINT;
    if ((ua && sl_type_is_decimal(b)) || (ub && sl_type_is_decimal(a))) {
        /* DuckDB: with a DECIMAL the UBIGINT is a DECIMAL(20,0), the UHUGEINT a DECIMAL(38,0),
         * then the DECIMAL rules; / and // are DOUBLE */
        int u = ua ? 0 : 1;
        sl_type ut = args[u]->type == SL_T_UBIGINT ? sl_type_decimal(20, 0)
                                                   : sl_type_decimal(38, 0);
        if (force_double || op == 'i') {
            int rc = fn_coerce(&args[0], SL_T_DOUBLE, err);
            if (!rc)
                rc = fn_coerce(&args[1], SL_T_DOUBLE, err);
            *rt = SL_T_DOUBLE;
            return rc;
        }
        int rc = fn_coerce(&args[u], ut, err);
        return rc ? rc : fn_dec_bind_arith(args, op, rt, err);
    }
    if (ua || ub) {
        /* DuckDB: UBIGINT with an unsigned type UBIGINT, with a signed one HUGEINT; UHUGEINT
         * with an unsigned type UHUGEINT, with a signed one DOUBLE; / is DOUBLE */
        sl_type t = sl_ubig_common_type(a, b, true);
        if (t == SL_T_COUNT)
            return FN_NO_MATCH;
        if (force_double)
            t = SL_T_DOUBLE;
        int rc = fn_coerce(&args[0], t, err);
        if (!rc)
            rc = fn_coerce(&args[1], t, err);
        *rt = t;
        return rc;
    }
    if (a == SL_T_HUGEINT || b == SL_T_HUGEINT) {
        /* DuckDB: HUGEINT with an integer is HUGEINT, with a DECIMAL(p,s) DECIMAL(38,s) (the
         * HUGEINT as DECIMAL(38,0)), with a DOUBLE or under / DOUBLE. */
        sl_type o = a == SL_T_HUGEINT ? b : a;
        if (sl_type_is_decimal(o) && !force_double && op != 'i') {
            int rc = fn_coerce(&args[a == SL_T_HUGEINT ? 0 : 1], sl_type_decimal(38, 0), err);
            return rc ? rc : fn_dec_bind_arith(args, op, rt, err);
        }
        sl_type t = sl_huge_common_type(a, sl_type_is_decimal(o) ? SL_T_DOUBLE : b);
        if (t == SL_T_COUNT)
            return FN_NO_MATCH;
        if (force_double)
            t = SL_T_DOUBLE;
        int rc = fn_coerce(&args[0], t, err);
        if (!rc)
            rc = fn_coerce(&args[1], t, err);
        *rt = t;
        return rc;
    }
    if ((sl_type_is_decimal(a) || sl_type_is_decimal(b)) && !force_double &&
        a != SL_T_DOUBLE && b != SL_T_DOUBLE && op != 'i')
        return fn_dec_bind_arith(args, op, rt, err);
    if (sl_type_is_decimal(a))
        a = SL_T_DOUBLE; /* with a DOUBLE, and for / and //: DOUBLE, as DuckDB */
    if (sl_type_is_decimal(b))
        b = SL_T_DOUBLE;
    if (!sl_type_is_numeric(a) || !sl_type_is_numeric(b))
        return FN_NO_MATCH;
    /* Two integer types: the wider (DuckDB: INTEGER + SMALLINT is INTEGER). */
    sl_type t = (force_double || a == SL_T_DOUBLE || b == SL_T_DOUBLE) ? SL_T_DOUBLE
                : sl_int_common(a, b, true);
    int rc = fn_coerce(&args[0], t, err);
    if (!rc)
        rc = fn_coerce(&args[1], t, err);
    *rt = t;
    return rc;
}

FN_BIND(fn_bind_arith)
{
    return numeric_operands(args, 'i', rt, err); /* // */
}

FN_BIND(fn_bind_mul)
{
    int rc = fn_interval_bind_arith(args, n, '*', rt, err);
    return rc != FN_NO_MATCH ? rc : numeric_operands(args, '*', rt, err);
}

FN_BIND(fn_bind_mod)
{
    return numeric_operands(args, '%', rt, err);
}

FN_BIND(fn_bind_div)
{
    int rc = fn_interval_bind_arith(args, n, '/', rt, err);
    return rc != FN_NO_MATCH ? rc : numeric_operands(args, '/', rt, err);
}

FN_BIND(fn_bind_add)
{
    int rc = fn_interval_bind_arith(args, n, '+', rt, err);
    if (rc != FN_NO_MATCH)
        return rc;
    rc = numeric_operands(args, '+', rt, err);
    if (rc != FN_NO_MATCH)
        return rc;
    sl_type a = args[0]->type, b = args[1]->type;
    if ((a == SL_T_DATE && sl_type_is_int(b)) || (sl_type_is_int(a) && b == SL_T_DATE)) {
        *rt = SL_T_DATE;
        return 0;
    }
    return FN_NO_MATCH;
}

FN_BIND(fn_bind_sub)
{
    int rc = fn_interval_bind_arith(args, n, '-', rt, err);
    if (rc != FN_NO_MATCH)
        return rc;
    rc = numeric_operands(args, '-', rt, err);
    if (rc != FN_NO_MATCH)
        return rc;
    sl_type a = args[0]->type, b = args[1]->type;
    if (a == SL_T_DATE && (sl_type_is_int(b) || b == SL_T_DATE)) {
        *rt = b == SL_T_DATE ? SL_T_BIGINT : SL_T_DATE;
        return 0;
    }
    return FN_NO_MATCH;
}

FN_BIND(fn_bind_neg)
{
    int rc = fn_interval_bind_arith(args, n, 'n', rt, err);
    if (rc != FN_NO_MATCH)
        return rc;
    rc = 0;
    if (sl_type_is_decimal(args[0]->type) || sl_type_is_wide(args[0]->type)) {
        *rt = args[0]->type;
        return 0;
    }
    if (!fn_want_numeric(args, 0, SL_T_BIGINT, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    *rt = args[0]->type;
    return 0;
}

/* ---- kernels ---- */

/* The loop of a binary operator over the live rows where both operands are non-NULL: x and
 * y are the operands (A/B + suffix i or f picks the array), BODY sets the result at i. */
#define BIN_LOOP(AF, BF, ...)                                                              \
    for (int64_t k = 0; k < rows->n; k++) {                                                \
        int64_t i = fn_row(rows, k);                                                       \
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i))                                          \
            continue;                                                                      \
        __typeof__(A##AF[0]) x = A##AF[i & ma];                                            \
        __typeof__(B##BF[0]) y = B##BF[i & mb];                                            \
        __VA_ARGS__;                                                                       \
        fn_set_valid(o, i);                                                                \
    }

/* Declarations every kernel below starts with. The binder made both operands DOUBLE for a
 * DOUBLE result (and for /); otherwise both are 8-byte integers (BIGINT, or DATE days with
 * BIGINT days). */
#define BIN_PROLOGUE                                                                       \
    sl_vec *o = fn_new_fixed(e->type, rows->n_rows);                                       \
    const int64_t *Ai = a[0].v->d.i64, *Bi = a[1].v->d.i64;                                \
    const double *Af = a[0].v->d.f64, *Bf = a[1].v->d.f64;                                 \
    int64_t ma = a[0].mask, mb = a[1].mask;                                                \
    int64_t *oi = o->d.i64;                                                                \
    double *of = o->d.f64;                                                                 \
    (void)Ai; (void)Bi; (void)Af; (void)Bf; (void)oi; (void)of

static int overflow(sl_err *err, const sl_expr *e, const char *what, const char *op,
                    int64_t x, int64_t y)
{
    if (e->type == SL_T_TINYINT || e->type == SL_T_SMALLINT || e->type == SL_T_INTEGER ||
        sl_type_is_uint(e->type))
        return fn_rt_error(err, e, "Overflow in %s of %s (%lld %s %lld)", what,
                           e->type == SL_T_TINYINT ? "INT8" : e->type == SL_T_SMALLINT
                           ? "INT16" : e->type == SL_T_INTEGER ? "INT32"
                           : e->type == SL_T_UTINYINT ? "UINT8" : e->type == SL_T_USMALLINT
                           ? "UINT16" : "UINT32", (long long)x, op, (long long)y);
    if (sl_type_is_decimal(e->type)) /* DuckDB's wording; x and y are unscaled */
        return fn_rt_error(err, e, "Overflow in %s of DECIMAL(%d) (%lld %s %lld). You might "
                           "want to add an explicit cast to a bigger decimal.", what,
                           sl_dec_width(e->type) > 18 ? 38 : 18, (long long)x, op,
                           (long long)y);
    return fn_rt_error(err, e, "Overflow in %s of BIGINT (%lld %s %lld)", what, (long long)x,
                       op, (long long)y);
}

/* The range a result must stay in beyond int64's: a DECIMAL of width <= 18 under 10^18 (DuckDB
 * checks 64-bit decimal results so), TINYINT..INTEGER their own. False: no check. */
static bool result_range(sl_type t, int64_t *lo, int64_t *hi)
{
    if (sl_type_is_decimal(t) && sl_dec_width(t) <= 18) {
        *hi = sl_dec_pow10(18) - 1;
        *lo = -*hi;
        return true;
    }
    sl_int_range(t, lo, hi);
    return t == SL_T_TINYINT || t == SL_T_SMALLINT || t == SL_T_INTEGER || sl_type_is_uint(t);
}

/* DATE +/- days: an infinite DATE operand stays itself (DuckDB's 'infinity' + 1). */
static void date_inf_fix(const sl_expr *e, const sl_arg *a, const sl_rows *rows, sl_vec *o)
{
    int j = e->args[0]->type == SL_T_DATE ? 0 : 1;
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (fn_ok(&a[j], i) && sl_date_is_inf(fn_i64(&a[j], i)))
            o->d.i64[i] = fn_i64(&a[j], i);
    }
}

/* HUGEINT operators: op is + - * i (//) or %; the result a HUGEINT vector (16-byte values,
 * batch/int128.h). Overflow is DuckDB's error, // and % by zero NULL as for BIGINT. */
static int huge_binop(const sl_expr *e, const sl_rows *rows, const sl_arg *a, char op,
                      sl_vec **out, sl_err *err)
{
    static const char *const what[] = {"addition", "subtraction", "multiplication", "division"};
    sl_vec *o = sl_vec_new(SL_T_HUGEINT, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k), ln;
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i))
            continue;
        sl_i128 x = sl_i128_load(fn_str(&a[0], i, &ln)), y = sl_i128_load(fn_str(&a[1], i, &ln));
        sl_i128 r = 0;
        bool ovf = false;
        int w = 0;
        switch (op) {
        case '+': ovf = __builtin_add_overflow(x, y, &r); break;
        case '-': ovf = __builtin_sub_overflow(x, y, &r); w = 1; break;
        case '*': ovf = __builtin_mul_overflow(x, y, &r); w = 2; break;
        default:
            if (y == 0)
                continue;
            ovf = op == 'i' && x == SL_I128_MIN && y == -1;
            w = 3;
            r = y == -1 ? (op == 'i' ? -x : 0) : op == 'i' ? x / y : x % y;
            break;
        }
        if (ovf) {
            sl_buf bx, by;
            sl_buf_init(&bx);
            sl_buf_init(&by);
            sl_format_hugeint(&bx, x);
            sl_format_hugeint(&by, y);
            if (w == 3)
                fn_rt_error(err, e, "Overflow in division of %s / %s", sl_buf_cstr(&bx),
                            sl_buf_cstr(&by));
            else
                fn_rt_error(err, e, "Overflow in %s of INT128 (%s %c %s)!", what[w],
                            sl_buf_cstr(&bx), op, sl_buf_cstr(&by));
            sl_buf_free(&bx);
            sl_buf_free(&by);
            sl_vec_free(&o);
            return SL_ERUNTIME;
        }
        char enc[SL_I128_BYTES];
        sl_i128_store(enc, r);
        fn_pad(o, i);
        sl_vec_push_str(o, enc, SL_I128_BYTES);
    }
    fn_pad(o, rows->n_rows);
    *out = o;
    return 0;
}

/* UBIGINT and UHUGEINT operators: op is + - * i (//) or %. A UBIGINT (held as a HUGEINT,
 * batch/int128.h) is computed in 128 bits and must stay in [0, 2^64); a UHUGEINT in unsigned
 * 128 bits. Overflow is DuckDB's error ("Overflow in addition of UINT64 (...)!"), // and % by
 * zero NULL. */
static int ubig_binop(const sl_expr *e, const sl_rows *rows, const sl_arg *a, char op,
                      sl_vec **out, sl_err *err)
{
    static const char *const what[] = {"addition", "subtraction", "multiplication"};
    bool u64 = e->type == SL_T_UBIGINT;
    sl_vec *o = sl_vec_new(e->type, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k), ln;
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i))
            continue;
        const char *px = fn_str(&a[0], i, &ln), *py = fn_str(&a[1], i, &ln);
        sl_u128 x = u64 ? (sl_u128)sl_i128_load(px) : sl_u128_load(px);
        sl_u128 y = u64 ? (sl_u128)sl_i128_load(py) : sl_u128_load(py);
        sl_u128 r = 0;
        bool ovf = false;
        int w = 0;
        switch (op) {
        case '+': ovf = __builtin_add_overflow(x, y, &r); break;
        case '-': ovf = __builtin_sub_overflow(x, y, &r); w = 1; break;
        case '*': ovf = __builtin_mul_overflow(x, y, &r); w = 2; break;
        default:
            if (y == 0)
                continue;
            r = op == 'i' ? x / y : x % y;
            break;
        }
        if (ovf || (u64 && r > UINT64_MAX)) {
            sl_buf bx, by;
            sl_buf_init(&bx);
            sl_buf_init(&by);
            sl_format_uhugeint(&bx, x);
            sl_format_uhugeint(&by, y);
            fn_rt_error(err, e, "Overflow in %s of %s (%s %c %s)!", what[w],
                        u64 ? "UINT64" : "UINT128", sl_buf_cstr(&bx), op, sl_buf_cstr(&by));
            sl_buf_free(&bx);
            sl_buf_free(&by);
            sl_vec_free(&o);
            return SL_ERUNTIME;
        }
        char enc[SL_I128_BYTES];
        if (u64)
            sl_i128_store(enc, (sl_i128)r);
        else
            sl_u128_store(enc, r);
        fn_pad(o, i);
        sl_vec_push_str(o, enc, SL_I128_BYTES);
    }
    fn_pad(o, rows->n_rows);
    *out = o;
    return 0;
}

/* + - *: DOUBLE, or BIGINT with an overflow check (BUILTIN is __builtin_*_overflow). */
#define CHECKED_OP(NAME, OP, BUILTIN, WHAT, SYM)                                           \
    FN_EXEC(NAME)                                                                          \
    {                                                                                      \
        if (e->type == SL_T_HUGEINT)                                                       \
            return huge_binop(e, rows, a, SYM[0], out, err);                               \
        if (sl_dec_is_wide(e->type))                                                       \
            return fn_dec128_arith(e, rows, a, SYM[0], out, err);                          \
        if (e->type == SL_T_UBIGINT || e->type == SL_T_UHUGEINT)                           \
            return ubig_binop(e, rows, a, SYM[0], out, err);                               \
        if (fn_interval_arith(e) || e->type == SL_T_TIMESTAMP)                             \
            return fn_interval_exec_arith(e, a, rows, SYM[0], out, err);                   \
        BIN_PROLOGUE;                                                                      \
        if (e->type == SL_T_DOUBLE && fn_dense_valid2(rows, a, o)) {                       \
            for (int64_t i = 0; i < rows->n; i++)                                          \
                of[i] = Af[i & ma] OP Bf[i & mb];                                          \
        } else if (e->type == SL_T_DOUBLE) {                                               \
            BIN_LOOP(f, f, of[i] = x OP y)                                                 \
        } else {                                                                           \
            int64_t lo, hi;                                                                \
            bool chk = result_range(e->type, &lo, &hi);                                    \
            /* Dense: every row, overflow counted only where both operands are valid; on   \
             * one the row by row loop below runs again to name the first. */              \
            uint64_t bad = 1;                                                              \
            if (fn_dense_valid2(rows, a, o)) {                                             \
                bad = 0;                                                                   \
                for (int64_t i = 0; i < rows->n; i++) {                                    \
                    uint64_t ov = BUILTIN(Ai[i & ma], Bi[i & mb], &oi[i]);                 \
                    ov |= chk && (oi[i] < lo || oi[i] > hi);                               \
                    bad |= ov & (o->valid[i >> 6] >> (i & 63));                            \
                }                                                                          \
                if (bad)                                                                   \
                    memset(o->valid, 0, sizeof *o->valid * (size_t)((rows->n + 63) / 64)); \
            }                                                                              \
            if (bad)                                                                       \
                BIN_LOOP(i, i, if (BUILTIN(x, y, &oi[i]) ||                                \
                                   (chk && (oi[i] < lo || oi[i] > hi))) {                  \
                    sl_vec_free(&o);                                                       \
                    return overflow(err, e, WHAT, SYM, x, y);                              \
                })                                                                         \
            if (e->type == SL_T_DATE)                                                      \
                date_inf_fix(e, a, rows, o);                                               \
        }                                                                                  \
        *out = o;                                                                          \
        return 0;                                                                          \
    }

CHECKED_OP(fn_exec_add, +, __builtin_add_overflow, "addition", "+")
CHECKED_OP(fn_exec_sub, -, __builtin_sub_overflow, "subtraction", "-")
CHECKED_OP(fn_exec_mul, *, __builtin_mul_overflow, "multiplication", "*")

FN_EXEC(fn_exec_div)
{
    if (fn_interval_arith(e))
        return fn_interval_exec_arith(e, a, rows, '/', out, err);
    BIN_PROLOGUE;
    BIN_LOOP(f, f, of[i] = x / y)
    *out = o;
    return 0;
}

FN_EXEC(fn_exec_idiv)
{
    if (e->type == SL_T_HUGEINT)
        return huge_binop(e, rows, a, 'i', out, err);
    if (e->type == SL_T_UBIGINT || e->type == SL_T_UHUGEINT)
        return ubig_binop(e, rows, a, 'i', out, err);
    BIN_PROLOGUE;
    if (e->type == SL_T_DOUBLE) {
        BIN_LOOP(f, f, if (y == 0) continue; of[i] = x / y)
    } else {
        BIN_LOOP(i, i, if (y == 0) continue; if (x == INT64_MIN && y == -1) {
            sl_vec_free(&o);
            return overflow(err, e, "division", "//", x, y);
        } oi[i] = x / y)
    }
    *out = o;
    return 0;
}

FN_EXEC(fn_exec_mod)
{
    if (e->type == SL_T_HUGEINT)
        return huge_binop(e, rows, a, '%', out, err);
    if (sl_dec_is_wide(e->type))
        return fn_dec128_arith(e, rows, a, '%', out, err);
    if (e->type == SL_T_UBIGINT || e->type == SL_T_UHUGEINT)
        return ubig_binop(e, rows, a, '%', out, err);
    BIN_PROLOGUE;
    if (e->type == SL_T_DOUBLE) {
        BIN_LOOP(f, f, of[i] = y == 0 ? -(double)NAN : fmod(x, y))
    } else {
        BIN_LOOP(i, i, if (y == 0) continue; oi[i] = y == -1 ? 0 : x % y)
    }
    *out = o;
    return 0;
}

FN_EXEC(fn_exec_neg)
{
    if (fn_interval_arith(e))
        return fn_interval_exec_arith(e, a, rows, 'n', out, err);
    if (sl_dec_is_wide(e->type))
        return fn_dec128_arith(e, rows, a, 'n', out, err);
    if (e->type == SL_T_UBIGINT || e->type == SL_T_UHUGEINT) {
        /* DuckDB wraps: -(1::UBIGINT) is 2^64 - 1, -(1::UHUGEINT) 2^128 - 1 */
        sl_vec *o = sl_vec_new(e->type, rows->n_rows);
        for (int64_t k = 0; k < rows->n; k++) {
            int64_t i = fn_row(rows, k), ln;
            if (!fn_ok(&a[0], i))
                continue;
            const char *p = fn_str(&a[0], i, &ln);
            char enc[SL_I128_BYTES];
            if (e->type == SL_T_UBIGINT)
                sl_i128_store(enc, (sl_i128)(uint64_t)(0 - (uint64_t)sl_i128_load(p)));
            else
                sl_u128_store(enc, (sl_u128)0 - sl_u128_load(p));
            fn_pad(o, i);
            sl_vec_push_str(o, enc, SL_I128_BYTES);
        }
        fn_pad(o, rows->n_rows);
        *out = o;
        return 0;
    }
    if (e->type == SL_T_HUGEINT) {
        sl_vec *o = sl_vec_new(SL_T_HUGEINT, rows->n_rows);
        for (int64_t k = 0; k < rows->n; k++) {
            int64_t i = fn_row(rows, k), ln;
            if (!fn_ok(&a[0], i))
                continue;
            sl_i128 x = sl_i128_load(fn_str(&a[0], i, &ln));
            if (x == SL_I128_MIN) {
                sl_vec_free(&o);
                return fn_rt_error(err, e, "Overflow in negation of numeric value!");
            }
            char enc[SL_I128_BYTES];
            sl_i128_store(enc, -x);
            fn_pad(o, i);
            sl_vec_push_str(o, enc, SL_I128_BYTES);
        }
        fn_pad(o, rows->n_rows);
        *out = o;
        return 0;
    }
    sl_vec *o = fn_new_fixed(e->type, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        if (e->type == SL_T_DOUBLE) {
            o->d.f64[i] = -fn_f64(&a[0], i);
        } else {
            int64_t x = fn_i64(&a[0], i), lo, hi;
            if (sl_type_is_uint(e->type)) { /* DuckDB wraps: -(1::UTINYINT) is 255 */
                sl_int_range(e->type, &lo, &hi);
                o->d.i64[i] = x ? hi + 1 - x : 0;
                fn_set_valid(o, i);
                continue;
            }
            if (result_range(e->type, &lo, &hi) && x < -hi) {
                sl_vec_free(&o);
                return overflow(err, e, "negation", "-", 0, x);
            }
            if (x == INT64_MIN) {
                sl_vec_free(&o);
                return fn_rt_error(err, e, "Overflow in negation of BIGINT (-(%lld))",
                                   (long long)x);
            }
            o->d.i64[i] = -x;
        }
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}
