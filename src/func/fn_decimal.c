/*
 * DECIMAL arithmetic type rules (DuckDB's), for + - * % when an operand is a DECIMAL and none
 * is a DOUBLE (fn_arith.c sends DOUBLE mixes, / and // to DOUBLE). An integer operand counts
 * as DECIMAL(19,0). The kernels are fn_arith.c's BIGINT ones: once both operands have the
 * result's scale (+ - %), or for * where scales add, the unscaled integers combine directly,
 * with the overflow check plus DuckDB's 10^18 bound on 64-bit decimal results.
 *   + -  DECIMAL(max(p1-s1, p2-s2) + max(s1, s2) + 1, max(s1, s2))
 *   *    DECIMAL(p1 + p2, s1 + s2)
 *   %    DECIMAL(max(p1-s1, p2-s2) + max(s1, s2), max(s1, s2))
 * A width past 18 when both inputs are at most 18 wide stays 18 (DuckDB keeps such results in
 * 64 bits and checks them); every width is at most 38. Also typeof(x). Local.
 */
#include "func/fn_int.h"
#include "batch/dec128.h"

int fn_dec_bind_arith(sl_expr **args, char op, sl_type *rt, sl_err *err)
{
    int w[2], s[2];
    for (int j = 0; j < 2; j++) {
        sl_type t = args[j]->type;
        if (!sl_type_is_int(t) && !sl_type_is_decimal(t))
            return FN_NO_MATCH;
        sl_dec_props(t, &w[j], &s[j]);
    }
    int ms = s[0] > s[1] ? s[0] : s[1];
    int mi = w[0] - s[0] > w[1] - s[1] ? w[0] - s[0] : w[1] - s[1];
    int rw, rs;
    if (op == '*') {
        rw = w[0] + w[1];
        rs = s[0] + s[1];
        if (rs > SL_DEC_MAX_WIDTH)
            return SL_ERR(err, SL_EBIND, "Needed scale %d to accurately represent the "
                          "multiplication result, but this is out of range of the DECIMAL "
                          "type. Max scale is 38", rs);
    } else {
        rw = mi + ms + (op == '%' ? 0 : 1);
        rs = ms;
    }
    if (rw > 18 && w[0] <= 18 && w[1] <= 18)
        rw = 18;
    if (rw > SL_DEC_MAX_WIDTH)
        rw = SL_DEC_MAX_WIDTH;
    if (rw < rs)
        rw = rs;
    if (op != '*') {
        /* Both operands to the result's scale: a pure rescale of each (their own integer
         * digits kept), so the kernel adds, subtracts or takes % of unscaled integers. */
        for (int j = 0; j < 2; j++) {
            if (s[j] == rs && sl_type_is_decimal(args[j]->type))
                continue;
            int tw = w[j] - s[j] + rs;
            int rc = fn_coerce(&args[j], sl_type_decimal(tw > SL_DEC_MAX_WIDTH
                                                             ? SL_DEC_MAX_WIDTH : tw, rs), err);
            if (rc)
                return rc;
        }
    }
    *rt = sl_type_decimal(rw, rs);
    return 0;
}

/* typeof(x): the name of x's type, DuckDB's spelling. */
FN_BIND(fn_bind_typeof)
{
    *rt = SL_T_VARCHAR;
    return 0;
}

FN_EXEC(fn_exec_typeof)
{
    sl_vec *o = sl_vec_new(SL_T_VARCHAR, rows->n_rows);
    const char *name = sl_type_name(e->args[0]->type);
    int64_t len = (int64_t)strlen(name);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        fn_pad(o, i);
        sl_vec_push_str(o, name, len);
    }
    fn_pad(o, rows->n_rows);
    *out = o;
    return 0;
}

/* round(x[, n]) of a DECIMAL(w,s): n must be a constant; n >= s keeps the type, 0 <= n < s
 * gives DECIMAL(w,n), n < 0 DECIMAL(w,0) (a multiple of 10^-n); round(x) is n = 0. */
FN_BIND(fn_bind_round)
{
    if (!sl_type_is_decimal(args[0]->type))
        return fn_bind_num_keep(args, n, rt, err);
    int64_t d = 0;
    if (n > 1) {
        int rc = 0;
        if (!fn_want(args, 1, SL_T_BIGINT, err, &rc))
            return rc ? rc : FN_NO_MATCH;
        if (args[1]->kind != SL_E_CONST || args[1]->cval.is_null)
            return SL_ERR(err, SL_EBIND, "ROUND(DECIMAL, INTEGER) with non-constant precision "
                          "is not supported");
        d = args[1]->cval.v.i;
    }
    int w = sl_dec_width(args[0]->type), s = sl_dec_scale(args[0]->type);
    *rt = d >= s ? args[0]->type : sl_type_decimal(w, d < 0 ? 0 : (int)d);
    return 0;
}

/* floor(x), ceil(x) of a DECIMAL(w,s): DECIMAL(w,0). */
FN_BIND(fn_bind_floor)
{
    if (!sl_type_is_decimal(args[0]->type))
        return fn_bind_num_keep(args, n, rt, err);
    *rt = sl_type_decimal(sl_dec_width(args[0]->type), 0);
    return 0;
}

static sl_i128 arg128(const sl_arg *a, int64_t i);

/* abs ('a'), sign ('s', a BIGINT), round (0), floor (1), ceil (2) of a wide DECIMAL: as the
 * int64 kernels, over 128 bits. */
static int dec128_unary(const sl_expr *e, const sl_rows *rows, const sl_arg *a, int mode,
                        sl_vec **out, sl_err *err)
{
    int from = sl_dec_scale(e->args[0]->type), to = sl_dec_is_wide(e->type) ||
               sl_type_is_decimal(e->type) ? sl_dec_scale(e->type) : 0;
    int64_t d = mode == 0 && e->n_args > 1 ? fn_i64(&a[1], 0) : to;
    sl_vec *o = sl_vec_new(e->type, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        sl_i128 x = arg128(&a[0], i), r = x;
        bool ok = true;
        if (mode == 'a') {
            r = x < 0 ? -x : x;
        } else if (mode == 's') {
            r = (x > 0) - (x < 0);
        } else if (mode == 0 && d < 0) {
            int dd = (int)(d < -40 ? -40 : d);
            ok = sl_dec128_rescale(x, from - dd, 0, 39, &r) &&
                 sl_dec128_rescale(r, 0, -dd, sl_dec_width(e->type), &r);
        } else if (mode == 0 || from == to) {
            ok = sl_dec128_rescale(x, from, to, 39, &r);
        } else {
            sl_i128 p = sl_i128_pow10(from - to), q = x / p, rem = x % p;
            r = q + (mode == 1 ? (rem < 0 ? -1 : 0) : (rem > 0 ? 1 : 0));
        }
        if (!ok) {
            sl_vec_free(&o);
            return fn_rt_error(err, e, "Overflow in rounding of %s",
                               sl_type_name(e->args[0]->type));
        }
        fn_pad(o, i);
        if (mode == 's')
            sl_vec_push_i64(o, (int64_t)r);
        else
            sl_dec_vec_push(o, r);
    }
    fn_pad(o, rows->n_rows);
    *out = o;
    return 0;
}

int fn_dec128_unary(const sl_expr *e, const sl_rows *rows, const sl_arg *a, int mode,
                    sl_vec **out, sl_err *err)
{
    return dec128_unary(e, rows, a, mode, out, err);
}

int fn_dec_round_vec(const sl_expr *e, const sl_rows *rows, const sl_arg *a, int mode,
                     sl_vec **out, sl_err *err)
{
    if (sl_dec_is_wide(e->args[0]->type))
        return dec128_unary(e, rows, a, mode, out, err);
    int from = sl_dec_scale(e->args[0]->type), to = sl_dec_scale(e->type);
    int64_t d = mode == 0 && e->n_args > 1 ? fn_i64(&a[1], 0) : to;
    sl_vec *o = fn_new_fixed(e->type, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        int64_t x = fn_i64(&a[0], i), r;
        bool ok = true;
        if (mode == 0 && d < 0) {
            /* to a multiple of 10^-d: drop from - d digits, then scale back up */
            int drop = from - (int)(d < -40 ? -40 : d);
            ok = sl_dec_rescale(x, drop, 0, 38, &r) &&
                 sl_dec_rescale(r, 0, (int)-(d < -40 ? -40 : d), sl_dec_width(e->type), &r);
        } else if (mode == 0 || from == to) {
            ok = sl_dec_rescale(x, from, to, 38, &r);
        } else {
            int64_t p = sl_dec_pow10(from - to), q = x / p, rem = x % p;
            r = q + (mode == 1 ? (rem < 0 ? -1 : 0) : (rem > 0 ? 1 : 0));
        }
        if (!ok) {
            sl_vec_free(&o);
            return fn_rt_error(err, e, "Overflow in rounding of %s",
                               sl_type_name(e->args[0]->type));
        }
        o->d.i64[i] = r;
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}

/* The unscaled value at row i (non-NULL) of a DECIMAL, integer or HUGEINT argument. */
static sl_i128 arg128(const sl_arg *a, int64_t i)
{
    sl_type t = a->v->type;
    if (sl_dec_is_wide(t) || t == SL_T_HUGEINT) {
        int64_t ln;
        return sl_i128_load(fn_str(a, i, &ln));
    }
    return fn_i64(a, i);
}

int fn_dec128_arith(const sl_expr *e, const sl_rows *rows, const sl_arg *a, char op,
                    sl_vec **out, sl_err *err)
{
    sl_i128 lim = sl_i128_pow10(SL_DEC_MAX_WIDTH);
    sl_vec *o = sl_vec_new(e->type, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i) || (op != 'n' && !fn_ok(&a[1], i)))
            continue;
        sl_i128 x = arg128(&a[0], i), y = op == 'n' ? 0 : arg128(&a[1], i), r = 0;
        bool ovf = false;
        switch (op) {
        case '+': ovf = __builtin_add_overflow(x, y, &r); break;
        case '-': ovf = __builtin_sub_overflow(x, y, &r); break;
        case '*': ovf = __builtin_mul_overflow(x, y, &r); break;
        case 'n': r = -x; break;
        default: /* % */
            if (y == 0)
                continue;
            r = y == -1 ? 0 : x % y;
            break;
        }
        if (ovf || r >= lim || r <= -lim) {
            sl_buf bx, by;
            sl_buf_init(&bx);
            sl_buf_init(&by);
            sl_format_hugeint(&bx, x);
            sl_format_hugeint(&by, y);
            fn_rt_error(err, e, "Overflow in %s of DECIMAL(38) (%s %c %s)%s",
                        op == '+' ? "addition" : op == '-' ? "subtract" : "multiplication",
                        sl_buf_cstr(&bx), op, sl_buf_cstr(&by),
                        op == '*' ? ". You might want to add an explicit cast to a decimal "
                        "with a smaller scale." : ";");
            sl_buf_free(&bx);
            sl_buf_free(&by);
            sl_vec_free(&o);
            return SL_ERUNTIME;
        }
        fn_pad(o, i);
        sl_dec_vec_push(o, r);
    }
    fn_pad(o, rows->n_rows);
    *out = o;
    return 0;
}
