/*
 * INTERVAL values and infinite dates (issue 17): isinf / isfinite of a DOUBLE, DATE or
 * TIMESTAMP (DATE and TIMESTAMP 'infinity' / '-infinity', types.h's SL_DATE_INF and
 * SL_TS_INF). Local.
 */
#include "func/fn_int.h"

#include <math.h>

/* isinf(x), isfinite(x): x a DATE, TIMESTAMP or DOUBLE (other numbers become DOUBLE). */
FN_BIND(fn_bind_isinf)
{
    int rc = 0;
    (void)n;
    sl_type t = args[0]->type;
    if (t != SL_T_DATE && t != SL_T_TIMESTAMP) {
        if (!fn_want_numeric(args, 0, SL_T_DOUBLE, err, &rc))
            return rc ? rc : FN_NO_MATCH;
        if (args[0]->type != SL_T_DOUBLE && (rc = fn_coerce(&args[0], SL_T_DOUBLE, err)))
            return rc;
    }
    *rt = SL_T_BOOL;
    return 0;
}

/* want_inf: isinf (true for an infinite value) or isfinite (true for a finite one; NaN is
 * neither). */
static sl_vec *inf_kernel(const sl_expr *e, const sl_arg *a, const sl_rows *rows, bool want_inf)
{
    sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);
    sl_type t = e->args[0]->type;
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        bool r;
        if (t == SL_T_DOUBLE) {
            double x = fn_f64(&a[0], i);
            r = want_inf ? isinf(x) : isfinite(x);
        } else {
            int64_t x = fn_i64(&a[0], i);
            bool inf = t == SL_T_DATE ? sl_date_is_inf(x) : sl_ts_is_inf(x);
            r = want_inf ? inf : !inf;
        }
        o->d.i64[i] = r;
        fn_set_valid(o, i);
    }
    return o;
}

FN_EXEC(fn_exec_isinf) { (void)err; *out = inf_kernel(e, a, rows, true); return 0; }
FN_EXEC(fn_exec_isfinite) { (void)err; *out = inf_kernel(e, a, rows, false); return 0; }
