/*
 * Boolean logic and NULL tests: AND, OR (three-valued, short-circuit), NOT, IS [NOT] NULL,
 * coalesce. AND, OR and coalesce are lazy (FN_LAZY): they evaluate their later arguments only
 * at the rows the earlier ones leave open, so a row that the left side decides never raises
 * an error on the right side (`x <> 0 AND 10 / x > 1`). Local.
 */
#include "func/fn_int.h"
#include "core/mem.h"

FN_BIND(fn_bind_bool)
{
    int rc = 0;
    for (int j = 0; j < n; j++)
        if (!fn_want(args, j, SL_T_BOOL, err, &rc))
            return rc ? rc : FN_NO_MATCH;
    *rt = SL_T_BOOL;
    return 0;
}

FN_BIND(fn_bind_is_null)
{
    *rt = SL_T_BOOL;
    return 0;
}

/* AND / OR; the right side runs only where the left does not decide the result. */
static int and_or(const sl_expr *e, const sl_batch *in, const sl_rows *rows, bool is_and,
                  sl_vec **out, sl_err *err)
{
    sl_arg l = {0}, r = {0};
    int rc = fn_eval(e->args[0], in, rows, &l, err);
    if (rc)
        return rc;
    int64_t n_sub;
    uint32_t *sub = fn_sub_rows(rows, &l, is_and ? FN_KEEP_NOT_FALSE : FN_KEEP_NOT_TRUE,
                                &n_sub);
    if (n_sub > 0) {
        sl_rows sr = {sub, n_sub, rows->n_rows};
        rc = fn_eval(e->args[1], in, &sr, &r, err);
    }
    if (!rc) {
        sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);
        int64_t dec = is_and ? 0 : 1; /* the value that decides alone */
        for (int64_t k = 0; k < rows->n; k++) {
            int64_t i = fn_row(rows, k);
            bool lok = fn_ok(&l, i);
            int64_t lv = lok ? (fn_i64(&l, i) != 0) : -1;
            if (lv == dec) {
                o->d.i64[i] = dec;
                fn_set_valid(o, i);
                continue;
            }
            /* Invariant: i is in sub, so r is defined at i. */
            bool rok = fn_ok(&r, i);
            int64_t rv = rok ? (fn_i64(&r, i) != 0) : -1;
            if (rv == dec) {
                o->d.i64[i] = dec;
                fn_set_valid(o, i);
            } else if (lok && rok) {
                o->d.i64[i] = !dec;
                fn_set_valid(o, i);
            }
        }
        *out = o;
    }
    sl_free(sub);
    fn_arg_free(&l);
    fn_arg_free(&r);
    return rc;
}

FN_EXEC(fn_exec_and)
{
    return and_or(e, in, rows, true, out, err);
}

FN_EXEC(fn_exec_or)
{
    return and_or(e, in, rows, false, out, err);
}

/* Later arguments are evaluated only where all earlier ones were NULL. */
FN_EXEC(fn_exec_coalesce)
{
    sl_arg *parts = sl_xcalloc((size_t)e->n_args, sizeof *parts);
    int32_t *which = sl_xmalloc(sizeof *which * (size_t)(rows->n_rows ? rows->n_rows : 1));
    for (int64_t k = 0; k < rows->n; k++)
        which[fn_row(rows, k)] = -1;
    sl_rows cur = *rows;
    uint32_t *cur_sel = NULL;
    int rc = 0;
    for (int j = 0; j < e->n_args && cur.n > 0; j++) {
        rc = fn_eval(e->args[j], in, &cur, &parts[j], err);
        if (rc)
            break;
        int64_t n_null;
        uint32_t *nulls = fn_sub_rows(&cur, &parts[j], FN_KEEP_NULL, &n_null);
        for (int64_t k = 0; k < cur.n; k++) {
            int64_t i = fn_row(&cur, k);
            if (fn_ok(&parts[j], i))
                which[i] = j;
        }
        sl_free(cur_sel);
        cur_sel = nulls;
        cur.sel = nulls;
        cur.n = n_null;
    }
    if (!rc)
        *out = fn_assemble(e->type, rows, parts, which);
    for (int j = 0; j < e->n_args; j++)
        fn_arg_free(&parts[j]);
    sl_free(parts);
    sl_free(which);
    sl_free(cur_sel);
    return rc;
}

/* The loop of NOT and the NULL tests: BODY sets the result at row i (ok: a[0] is not NULL)
 * and may `continue` for a NULL result. */
#define UNARY_LOOP(...)                                                                    \
    sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);                                     \
    for (int64_t k = 0; k < rows->n; k++) {                                                \
        int64_t i = fn_row(rows, k);                                                       \
        bool ok = fn_ok(&a[0], i);                                                         \
        __VA_ARGS__;                                                                       \
        fn_set_valid(o, i);                                                                \
    }                                                                                      \
    *out = o;                                                                              \
    return 0

FN_EXEC(fn_exec_not)
{
    UNARY_LOOP(if (!ok) continue; o->d.i64[i] = fn_i64(&a[0], i) == 0);
}

FN_EXEC(fn_exec_is_null)
{
    UNARY_LOOP(o->d.i64[i] = !ok);
}

FN_EXEC(fn_exec_is_not_null)
{
    UNARY_LOOP(o->d.i64[i] = ok);
}
