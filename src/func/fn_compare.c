/*
 * Comparisons and the functions that pick one of their arguments: = <> < <= > >=, BETWEEN,
 * IN (and their NOT forms), nullif, greatest, least. Operands are brought to a common type
 * (fn_common_type: a string literal adapts to the typed side, BIGINT with DOUBLE is DOUBLE,
 * DATE with TIMESTAMP is TIMESTAMP); comparing other mixed types is an error asking for a
 * cast. Three-valued: a NULL operand gives NULL (IN: NULL when not found but the list held
 * a NULL). Strings compare bytewise; doubles in DuckDB's total order (fn_f64_cmp: NaN equals
 * NaN and is the greatest). One loop per operator, chosen by one switch on the operand type
 * per vector. Local.
 */
#include "func/fn_int.h"
#include "core/mem.h"

FN_BIND(fn_bind_compare)
{
    int idx[n > 0 ? n : 1];
    for (int k = 0; k < n; k++)
        idx[k] = k;
    sl_type t, c1, c2;
    if (!fn_common_type(args, idx, n, &t, &c1, &c2))
        return SL_ERR(err, SL_EBIND, "Cannot compare values of type %s and %s - an "
                      "explicit cast is required", sl_type_name(c1), sl_type_name(c2));
    *rt = SL_T_BOOL;
    return fn_coerce_all(args, idx, n, t, err);
}

/* The result has the arguments' common type (coalesce, nullif, greatest, least). */
FN_BIND(fn_bind_common)
{
    int idx[n > 0 ? n : 1];
    for (int k = 0; k < n; k++)
        idx[k] = k;
    sl_type t, c1, c2;
    if (!fn_common_type(args, idx, n, &t, &c1, &c2))
        return FN_NO_MATCH;
    *rt = t;
    return fn_coerce_all(args, idx, n, t, err);
}

/* ---- = <> < <= > >= ---- */

#define CMP_LOOP(...)                                                                      \
    for (int64_t k = 0; k < rows->n; k++) {                                                \
        int64_t i = fn_row(rows, k);                                                       \
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i))                                          \
            continue;                                                                      \
        __VA_ARGS__;                                                                       \
        fn_set_valid(o, i);                                                                \
    }

#define STRCMP_AT(i)                                                                       \
    ({ int64_t pn_, qn_; const char *p_ = fn_str(&a[0], i, &pn_);                          \
       const char *q_ = fn_str(&a[1], i, &qn_); fn_str_cmp(p_, pn_, q_, qn_); })

#define CMP_KERNEL(NAME, OP)                                                               \
    FN_EXEC(NAME)                                                                          \
    {                                                                                      \
        sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);                                 \
        int64_t *oi = o->d.i64;                                                            \
        const int64_t *Ai = a[0].v->d.i64, *Bi = a[1].v->d.i64;                            \
        const double *Af = a[0].v->d.f64, *Bf = a[1].v->d.f64;                             \
        int64_t ma = a[0].mask, mb = a[1].mask;                                            \
        switch (sl_type_phys(e->args[0]->type)) {                                          \
        case SL_T_DOUBLE:                                                                  \
            if (fn_dense_valid2(rows, a, o))                                               \
                for (int64_t i = 0; i < rows->n; i++)                                      \
                    oi[i] = fn_f64_cmp(Af[i & ma], Bf[i & mb]) OP 0;                       \
            else                                                                           \
                CMP_LOOP(oi[i] = fn_f64_cmp(Af[i & ma], Bf[i & mb]) OP 0)                  \
            break;                                                                         \
        case SL_T_VARCHAR: CMP_LOOP(oi[i] = STRCMP_AT(i) OP 0) break;                      \
        case SL_T_HUGEINT: CMP_LOOP(oi[i] = STRCMP_AT(i) OP 0) break;                      \
        case SL_T_UBIGINT: CMP_LOOP(oi[i] = STRCMP_AT(i) OP 0) break;                      \
        case SL_T_UHUGEINT: CMP_LOOP(oi[i] = STRCMP_AT(i) OP 0) break;                     \
        case SL_T_INTERVAL: CMP_LOOP(oi[i] = fn_iv_cmp(&a[0], &a[1], i) OP 0) break;       \
        default:                                                                           \
            if (sl_list_order_is_nested(e->args[0]->type)) /* LIST, STRUCT */             \
                CMP_LOOP(oi[i] = fn_cmp3(4, &a[0], &a[1], i) OP 0)                         \
            else if (fn_dense_valid2(rows, a, o))                                          \
                for (int64_t i = 0; i < rows->n; i++)                                      \
                    oi[i] = Ai[i & ma] OP Bi[i & mb];                                      \
            else                                                                           \
                CMP_LOOP(oi[i] = Ai[i & ma] OP Bi[i & mb])                                 \
            break;                                                                         \
        }                                                                                  \
        *out = o;                                                                          \
        return 0;                                                                          \
    }

CMP_KERNEL(fn_exec_eq, ==)
CMP_KERNEL(fn_exec_ne, !=)
CMP_KERNEL(fn_exec_lt, <)
CMP_KERNEL(fn_exec_le, <=)
CMP_KERNEL(fn_exec_gt, >)
CMP_KERNEL(fn_exec_ge, >=)

/* ---- BETWEEN, IN ---- */

/* x BETWEEN lo AND hi = (x >= lo) AND (x <= hi), three-valued. The class switch inside the
 * loop is loop-invariant (the compiler unswitches it). */
static sl_vec *between(const sl_expr *e, const sl_arg *a, const sl_rows *rows, bool neg)
{
    sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);
    int cls = fn_type_class(e->args[0]->type);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        int ge = fn_ok(&a[1], i) ? fn_cmp3(cls, &a[0], &a[1], i) >= 0 : -1;
        int le = fn_ok(&a[2], i) ? fn_cmp3(cls, &a[0], &a[2], i) <= 0 : -1;
        int r = (ge == 0 || le == 0) ? 0 : (ge == 1 && le == 1) ? 1 : -1;
        if (r < 0)
            continue;
        o->d.i64[i] = neg ? !r : r;
        fn_set_valid(o, i);
    }
    return o;
}

FN_EXEC(fn_exec_between)
{
    *out = between(e, a, rows, false);
    return 0;
}

FN_EXEC(fn_exec_not_between)
{
    *out = between(e, a, rows, true);
    return 0;
}

static sl_vec *in_list(const sl_expr *e, const sl_arg *a, const sl_rows *rows, bool neg)
{
    sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);
    int cls = fn_type_class(e->args[0]->type);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        bool found = false, saw_null = false;
        for (int j = 1; j < e->n_args && !found; j++) {
            if (!fn_ok(&a[j], i))
                saw_null = true;
            else if (fn_cmp3(cls, &a[0], &a[j], i) == 0)
                found = true;
        }
        if (!found && saw_null)
            continue; /* NULL: not found, but a NULL in the list might have matched */
        o->d.i64[i] = found != neg;
        fn_set_valid(o, i);
    }
    return o;
}

FN_EXEC(fn_exec_in)
{
    *out = in_list(e, a, rows, false);
    return 0;
}

FN_EXEC(fn_exec_not_in)
{
    *out = in_list(e, a, rows, true);
    return 0;
}

/* ---- nullif, greatest, least ---- */

/* nullif(x, y): x unless x = y. */
FN_EXEC(fn_exec_nullif)
{
    int cls = fn_type_class(e->type);
    int32_t *which = sl_xmalloc(sizeof *which * (size_t)(rows->n_rows ? rows->n_rows : 1));
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        bool keep = fn_ok(&a[0], i) && !(fn_ok(&a[1], i) && fn_cmp3(cls, &a[0], &a[1], i) == 0);
        which[i] = keep ? 0 : -1;
    }
    *out = fn_assemble(e->type, rows, a, which);
    sl_free(which);
    return 0;
}

/* greatest / least: the extreme of the non-NULL arguments (want = 1 / -1). */
static sl_vec *extreme(const sl_expr *e, const sl_arg *a, const sl_rows *rows, int want)
{
    int cls = fn_type_class(e->type);
    int32_t *which = sl_xmalloc(sizeof *which * (size_t)(rows->n_rows ? rows->n_rows : 1));
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        int32_t w = -1;
        for (int j = 0; j < e->n_args; j++)
            if (fn_ok(&a[j], i) && (w < 0 || fn_cmp3(cls, &a[j], &a[w], i) * want > 0))
                w = j;
        which[i] = w;
    }
    sl_vec *o = fn_assemble(e->type, rows, a, which);
    sl_free(which);
    return o;
}

FN_EXEC(fn_exec_greatest)
{
    *out = extreme(e, a, rows, 1);
    return 0;
}

FN_EXEC(fn_exec_least)
{
    *out = extreme(e, a, rows, -1);
    return 0;
}
