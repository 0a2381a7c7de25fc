/*
 * Vectorized evaluation of bound expressions (sl_expr_eval), filters and projections.
 *
 * Every node is evaluated columnwise at a set of live rows (a selection) and yields an
 * sl_arg: a borrowed input column, a one-value constant, or a new vector with one slot per
 * physical row. Invariant: a value is only computed at rows of the selection it was asked
 * for, so a row removed by a filter, or not reaching a CASE branch, or short-circuited by
 * AND/OR/COALESCE, never raises an error. Arithmetic and comparisons run as one tight loop
 * per vector, chosen by one switch on the (bound) operand types; string, math and date
 * functions live in fn_*.c, casts in fn_cast.c. Local.
 */
#include "func/fn_int.h"
#include "core/mem.h"

#include <math.h>
#include <string.h>

static int eval(const sl_expr *e, const sl_batch *in, const sl_rows *rows, sl_arg *res,
                sl_err *err);

static void arg_free(sl_arg *a)
{
    sl_vec_free(&a->own);
    a->v = NULL;
}

static void arg_own(sl_arg *a, sl_vec *v)
{
    a->v = v;
    a->own = v;
    a->mask = -1;
}

static sl_vec *const_vec(const sl_expr *e)
{
    sl_vec *v = sl_vec_new(e->type == SL_T_NULL ? SL_T_BIGINT : e->type, 1);
    sl_value x = e->cval;
    if (e->type == SL_T_NULL)
        x.is_null = true;
    sl_vec_push_value(v, &x);
    return v;
}

/* Returns a new selection of the rows of r where keep(arg at row) holds; *n gets the count. */
typedef enum { KEEP_TRUE, KEEP_NOT_TRUE, KEEP_NOT_FALSE, KEEP_NULL } keep_t;

static uint32_t *sub_rows(const sl_rows *r, const sl_arg *c, keep_t keep, int64_t *n)
{
    uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)(r->n ? r->n : 1));
    int64_t m = 0;
    for (int64_t k = 0; k < r->n; k++) {
        int64_t i = fn_row(r, k);
        bool ok = fn_ok(c, i);
        bool t = ok && fn_i64(c, i) != 0;
        bool take;
        switch (keep) {
        case KEEP_TRUE: take = t; break;
        case KEEP_NOT_TRUE: take = !t; break;
        case KEEP_NOT_FALSE: take = !ok || t; break;
        default: take = !ok; break;
        }
        sel[m] = (uint32_t)i;
        m += take;
    }
    *n = m;
    return sel;
}

/* ---- assembling a result from branches (CASE, COALESCE) ---- */

/* Builds the result of type t at the live rows of r: row i takes its value from
 * parts[which[i]] (which[i] < 0: NULL). */
static sl_vec *assemble(sl_type t, const sl_rows *r, const sl_arg *parts, const int32_t *which)
{
    if (t == SL_T_VARCHAR) {
        sl_vec *o = sl_vec_new(SL_T_VARCHAR, r->n_rows);
        for (int64_t k = 0; k < r->n; k++) {
            int64_t i = fn_row(r, k);
            int32_t b = which[i];
            fn_pad(o, i);
            if (b < 0 || !fn_ok(&parts[b], i)) {
                sl_vec_push_null(o);
            } else {
                int64_t len;
                const char *p = fn_str(&parts[b], i, &len);
                sl_vec_push_str(o, p, len);
            }
        }
        fn_pad(o, r->n_rows);
        return o;
    }
    sl_vec *o = fn_new_fixed(t, r->n_rows);
    for (int64_t k = 0; k < r->n; k++) {
        int64_t i = fn_row(r, k);
        int32_t b = which[i];
        if (b < 0 || !fn_ok(&parts[b], i))
            continue;
        o->d.i64[i] = fn_i64(&parts[b], i); /* 8-byte copy serves DOUBLE too */
        fn_set_valid(o, i);
    }
    return o;
}

static int eval_case(const sl_expr *e, const sl_batch *in, const sl_rows *rows, sl_arg *res,
                     sl_err *err)
{
    int n_when = e->n_args / 2;
    int n_parts = n_when + 1;
    sl_arg *parts = sl_xcalloc((size_t)n_parts, sizeof *parts);
    int32_t *which = sl_xmalloc(sizeof *which * (size_t)(rows->n_rows ? rows->n_rows : 1));
    for (int64_t k = 0; k < rows->n; k++)
        which[fn_row(rows, k)] = -1;
    sl_rows cur = *rows;
    uint32_t *cur_sel = NULL; /* owned storage of cur.sel when narrowed */
    int rc = 0;
    for (int w = 0; w < n_when && cur.n > 0 && !rc; w++) {
        sl_arg c = {0};
        rc = eval(e->args[2 * w], in, &cur, &c, err);
        if (rc)
            break;
        int64_t n_match, n_rest;
        uint32_t *match = sub_rows(&cur, &c, KEEP_TRUE, &n_match);
        uint32_t *rest = sub_rows(&cur, &c, KEEP_NOT_TRUE, &n_rest);
        arg_free(&c);
        if (n_match > 0) {
            sl_rows mr = {match, n_match, rows->n_rows};
            rc = eval(e->args[2 * w + 1], in, &mr, &parts[w], err);
            for (int64_t k = 0; k < n_match && !rc; k++)
                which[match[k]] = w;
        }
        sl_free(match);
        sl_free(cur_sel);
        cur_sel = rest;
        cur.sel = rest;
        cur.n = n_rest;
    }
    if (!rc && e->has_else && cur.n > 0) {
        rc = eval(e->args[e->n_args - 1], in, &cur, &parts[n_when], err);
        for (int64_t k = 0; k < cur.n && !rc; k++)
            which[fn_row(&cur, k)] = n_when;
    }
    if (!rc)
        arg_own(res, assemble(e->type, rows, parts, which));
    for (int p = 0; p < n_parts; p++)
        arg_free(&parts[p]);
    sl_free(parts);
    sl_free(which);
    sl_free(cur_sel);
    return rc;
}

static int eval_coalesce(const sl_expr *e, const sl_batch *in, const sl_rows *rows,
                         sl_arg *res, sl_err *err)
{
    sl_arg *parts = sl_xcalloc((size_t)e->n_args, sizeof *parts);
    int32_t *which = sl_xmalloc(sizeof *which * (size_t)(rows->n_rows ? rows->n_rows : 1));
    for (int64_t k = 0; k < rows->n; k++)
        which[fn_row(rows, k)] = -1;
    sl_rows cur = *rows;
    uint32_t *cur_sel = NULL;
    int rc = 0;
    /* Later arguments are evaluated only where all earlier ones were NULL. */
    for (int j = 0; j < e->n_args && cur.n > 0; j++) {
        rc = eval(e->args[j], in, &cur, &parts[j], err);
        if (rc)
            break;
        int64_t n_null;
        uint32_t *nulls = sub_rows(&cur, &parts[j], KEEP_NULL, &n_null);
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
        arg_own(res, assemble(e->type, rows, parts, which));
    for (int j = 0; j < e->n_args; j++)
        arg_free(&parts[j]);
    sl_free(parts);
    sl_free(which);
    sl_free(cur_sel);
    return rc;
}

/* AND / OR with three-valued logic; the right side runs only where the left does not
 * decide the result. */
static int eval_andor(const sl_expr *e, const sl_batch *in, const sl_rows *rows, sl_arg *res,
                      sl_err *err)
{
    bool is_and = e->fn == SL_FN_AND;
    sl_arg l = {0}, r = {0};
    int rc = eval(e->args[0], in, rows, &l, err);
    if (rc)
        return rc;
    int64_t n_sub;
    uint32_t *sub = sub_rows(rows, &l, is_and ? KEEP_NOT_FALSE : KEEP_NOT_TRUE, &n_sub);
    if (n_sub > 0) {
        sl_rows sr = {sub, n_sub, rows->n_rows};
        rc = eval(e->args[1], in, &sr, &r, err);
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
        arg_own(res, o);
    }
    sl_free(sub);
    arg_free(&l);
    arg_free(&r);
    return rc;
}

/* ---- arithmetic ---- */

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

static int overflow(sl_err *err, const sl_expr *e, const char *what, const char *op,
                    int64_t x, int64_t y)
{
    return fn_rt_error(err, e, "Overflow in %s of BIGINT (%lld %s %lld)", what, (long long)x,
                       op, (long long)y);
}

static int eval_arith(const sl_expr *e, const sl_arg *a, const sl_rows *rows, sl_vec **out,
                      sl_err *err)
{
    sl_vec *o = fn_new_fixed(e->type, rows->n_rows);
    const int64_t *Ai = a[0].v->d.i64, *Bi = a[1].v->d.i64;
    const double *Af = a[0].v->d.f64, *Bf = a[1].v->d.f64;
    int64_t ma = a[0].mask, mb = a[1].mask;
    int64_t *oi = o->d.i64;
    double *of = o->d.f64;
    /* The binder made both operands DOUBLE for a DOUBLE result (and for /); otherwise both
     * are 8-byte integers (BIGINT, or DATE days with BIGINT days). */
    if (e->type == SL_T_DOUBLE) {
        switch (e->fn) {
        case SL_FN_ADD: BIN_LOOP(f, f, of[i] = x + y) break;
        case SL_FN_SUB: BIN_LOOP(f, f, of[i] = x - y) break;
        case SL_FN_MUL: BIN_LOOP(f, f, of[i] = x * y) break;
        case SL_FN_DIV: case SL_FN_IDIV: BIN_LOOP(f, f, if (y == 0) continue; of[i] = x / y) break;
        case SL_FN_MOD: BIN_LOOP(f, f, if (y == 0) continue; of[i] = fmod(x, y)) break;
        default: goto bad;
        }
    } else {
        switch (e->fn) {
        case SL_FN_ADD:
            BIN_LOOP(i, i, if (__builtin_add_overflow(x, y, &oi[i])) {
                sl_vec_free(&o);
                return overflow(err, e, "addition", "+", x, y);
            })
            break;
        case SL_FN_SUB:
            BIN_LOOP(i, i, if (__builtin_sub_overflow(x, y, &oi[i])) {
                sl_vec_free(&o);
                return overflow(err, e, "subtraction", "-", x, y);
            })
            break;
        case SL_FN_MUL:
            BIN_LOOP(i, i, if (__builtin_mul_overflow(x, y, &oi[i])) {
                sl_vec_free(&o);
                return overflow(err, e, "multiplication", "*", x, y);
            })
            break;
        case SL_FN_IDIV:
            BIN_LOOP(i, i, if (y == 0) continue; if (x == INT64_MIN && y == -1) {
                sl_vec_free(&o);
                return overflow(err, e, "division", "//", x, y);
            } oi[i] = x / y)
            break;
        case SL_FN_MOD:
            BIN_LOOP(i, i, if (y == 0) continue; oi[i] = y == -1 ? 0 : x % y)
            break;
        default: goto bad;
        }
    }
    *out = o;
    return 0;
bad:
    sl_vec_free(&o);
    return SL_ERR(err, SL_EINTERNAL, "no arithmetic kernel for %s(%s)", sl_func_name(e->fn),
                  sl_type_name(e->type));
}

/* ---- comparisons ---- */

static inline int str_cmp(const char *p, int64_t pn, const char *q, int64_t qn)
{
    int c = memcmp(p, q, (size_t)(pn < qn ? pn : qn));
    if (c)
        return c;
    return (pn > qn) - (pn < qn);
}

#define CMP_LOOP(...)                                                                      \
    for (int64_t k = 0; k < rows->n; k++) {                                                \
        int64_t i = fn_row(rows, k);                                                       \
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i))                                          \
            continue;                                                                      \
        __VA_ARGS__;                                                                       \
        fn_set_valid(o, i);                                                                \
    }

#define CMP_OPS(X, Y)                                                                      \
    switch (e->fn) {                                                                       \
    case SL_FN_EQ: CMP_LOOP(oi[i] = (X) == (Y)) break;                                     \
    case SL_FN_NE: CMP_LOOP(oi[i] = (X) != (Y)) break;                                     \
    case SL_FN_LT: CMP_LOOP(oi[i] = (X) < (Y)) break;                                      \
    case SL_FN_LE: CMP_LOOP(oi[i] = (X) <= (Y)) break;                                     \
    case SL_FN_GT: CMP_LOOP(oi[i] = (X) > (Y)) break;                                      \
    default: CMP_LOOP(oi[i] = (X) >= (Y)) break;                                           \
    }

#define STRCMP_AT(i)                                                                       \
    ({ int64_t pn_, qn_; const char *p_ = fn_str(&a[0], i, &pn_);                          \
       const char *q_ = fn_str(&a[1], i, &qn_); str_cmp(p_, pn_, q_, qn_); })

static sl_vec *eval_cmp(const sl_expr *e, const sl_arg *a, const sl_rows *rows)
{
    sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);
    int64_t *oi = o->d.i64;
    const int64_t *Ai = a[0].v->d.i64, *Bi = a[1].v->d.i64;
    const double *Af = a[0].v->d.f64, *Bf = a[1].v->d.f64;
    int64_t ma = a[0].mask, mb = a[1].mask;
    switch (e->args[0]->type) {
    case SL_T_DOUBLE: CMP_OPS(Af[i & ma], Bf[i & mb]) break;
    case SL_T_VARCHAR: CMP_OPS(STRCMP_AT(i), 0) break;
    default: CMP_OPS(Ai[i & ma], Bi[i & mb]) break;
    }
    return o;
}

/* Three-way compare of arg p and arg q at row i, by physical class. */
static inline int cmp3(int cls, const sl_arg *p, const sl_arg *q, int64_t i)
{
    if (cls == 1) {
        double x = fn_f64(p, i), y = fn_f64(q, i);
        return (x > y) - (x < y);
    }
    if (cls == 2) {
        int64_t pn, qn;
        const char *ps = fn_str(p, i, &pn), *qs = fn_str(q, i, &qn);
        return str_cmp(ps, pn, qs, qn);
    }
    int64_t x = fn_i64(p, i), y = fn_i64(q, i);
    return (x > y) - (x < y);
}

static int type_class(sl_type t) { return t == SL_T_DOUBLE ? 1 : t == SL_T_VARCHAR ? 2 : 0; }

/* x BETWEEN lo AND hi = (x >= lo) AND (x <= hi), three-valued. The class switch inside the
 * loop is loop-invariant (the compiler unswitches it). */
static sl_vec *eval_between(const sl_expr *e, const sl_arg *a, const sl_rows *rows)
{
    sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);
    int cls = type_class(e->args[0]->type);
    bool neg = e->fn == SL_FN_NOT_BETWEEN;
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        int ge = fn_ok(&a[1], i) ? cmp3(cls, &a[0], &a[1], i) >= 0 : -1;
        int le = fn_ok(&a[2], i) ? cmp3(cls, &a[0], &a[2], i) <= 0 : -1;
        int r = (ge == 0 || le == 0) ? 0 : (ge == 1 && le == 1) ? 1 : -1;
        if (r < 0)
            continue;
        o->d.i64[i] = neg ? !r : r;
        fn_set_valid(o, i);
    }
    return o;
}

static sl_vec *eval_in(const sl_expr *e, const sl_arg *a, const sl_rows *rows)
{
    sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);
    int cls = type_class(e->args[0]->type);
    bool neg = e->fn == SL_FN_NOT_IN;
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        bool found = false, saw_null = false;
        for (int j = 1; j < e->n_args && !found; j++) {
            if (!fn_ok(&a[j], i))
                saw_null = true;
            else if (cmp3(cls, &a[0], &a[j], i) == 0)
                found = true;
        }
        if (!found && saw_null)
            continue; /* NULL: not found, but a NULL in the list might have matched */
        o->d.i64[i] = found != neg;
        fn_set_valid(o, i);
    }
    return o;
}

/* nullif(x, y): x unless x = y. greatest/least: extreme of the non-NULL args. */
static sl_vec *eval_pick(const sl_expr *e, const sl_arg *a, const sl_rows *rows)
{
    int cls = type_class(e->type);
    int32_t *which = sl_xmalloc(sizeof *which * (size_t)(rows->n_rows ? rows->n_rows : 1));
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        int32_t w = -1;
        if (e->fn == SL_FN_NULLIF) {
            if (fn_ok(&a[0], i) && !(fn_ok(&a[1], i) && cmp3(cls, &a[0], &a[1], i) == 0))
                w = 0;
        } else {
            int want = e->fn == SL_FN_GREATEST ? 1 : -1;
            for (int j = 0; j < e->n_args; j++)
                if (fn_ok(&a[j], i) && (w < 0 || cmp3(cls, &a[j], &a[w], i) * want > 0))
                    w = j;
        }
        which[i] = w;
    }
    sl_vec *o = assemble(e->type, rows, a, which);
    sl_free(which);
    return o;
}

static sl_vec *eval_unary(const sl_expr *e, const sl_arg *a, const sl_rows *rows,
                          sl_err *err, int *rc)
{
    sl_vec *o = fn_new_fixed(e->type, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        bool ok = fn_ok(&a[0], i);
        switch (e->fn) {
        case SL_FN_IS_NULL: o->d.i64[i] = !ok; break;
        case SL_FN_IS_NOT_NULL: o->d.i64[i] = ok; break;
        default:
            if (!ok)
                continue;
            if (e->fn == SL_FN_NOT) {
                o->d.i64[i] = fn_i64(&a[0], i) == 0;
            } else if (e->type == SL_T_DOUBLE) {
                o->d.f64[i] = -fn_f64(&a[0], i);
            } else {
                int64_t x = fn_i64(&a[0], i);
                if (x == INT64_MIN) {
                    *rc = fn_rt_error(err, e, "Overflow in negation of BIGINT (-(%lld))",
                                      (long long)x);
                    sl_vec_free(&o);
                    return NULL;
                }
                o->d.i64[i] = -x;
            }
        }
        fn_set_valid(o, i);
    }
    return o;
}

static int eval_call(const sl_expr *e, const sl_batch *in, const sl_rows *rows, sl_arg *res,
                     sl_err *err)
{
    switch (e->fn) {
    case SL_FN_AND: case SL_FN_OR: return eval_andor(e, in, rows, res, err);
    case SL_FN_COALESCE: return eval_coalesce(e, in, rows, res, err);
    default: break;
    }
    sl_arg stack[8] = {{0}};
    sl_arg *a = e->n_args <= 8 ? stack : sl_xcalloc((size_t)e->n_args, sizeof *a);
    int rc = 0;
    for (int j = 0; j < e->n_args && !rc; j++)
        rc = eval(e->args[j], in, rows, &a[j], err);
    sl_vec *o = NULL;
    if (!rc) {
        switch (e->fn) {
        case SL_FN_ADD: case SL_FN_SUB: case SL_FN_MUL: case SL_FN_DIV: case SL_FN_IDIV:
        case SL_FN_MOD:
            rc = eval_arith(e, a, rows, &o, err);
            break;
        case SL_FN_EQ: case SL_FN_NE: case SL_FN_LT: case SL_FN_LE: case SL_FN_GT:
        case SL_FN_GE:
            o = eval_cmp(e, a, rows);
            break;
        case SL_FN_BETWEEN: case SL_FN_NOT_BETWEEN: o = eval_between(e, a, rows); break;
        case SL_FN_IN: case SL_FN_NOT_IN: o = eval_in(e, a, rows); break;
        case SL_FN_NULLIF: case SL_FN_GREATEST: case SL_FN_LEAST: o = eval_pick(e, a, rows); break;
        case SL_FN_NOT: case SL_FN_NEG: case SL_FN_IS_NULL: case SL_FN_IS_NOT_NULL:
            o = eval_unary(e, a, rows, err, &rc);
            break;
        default:
            if (fn_is_string(e->fn))
                rc = fn_string(e, a, rows, &o, err);
            else if (fn_is_math(e->fn))
                rc = fn_math(e, a, rows, &o, err);
            else if (fn_is_date(e->fn))
                rc = fn_date(e, a, rows, &o, err);
            else
                rc = SL_ERR(err, SL_EINTERNAL, "function id %d has no kernel", e->fn);
        }
    }
    for (int j = 0; j < e->n_args; j++)
        arg_free(&a[j]);
    if (a != stack)
        sl_free(a);
    if (!rc)
        arg_own(res, o);
    return rc;
}

static int eval(const sl_expr *e, const sl_batch *in, const sl_rows *rows, sl_arg *res,
                sl_err *err)
{
    memset(res, 0, sizeof *res);
    switch (e->kind) {
    case SL_E_CONST:
        arg_own(res, const_vec(e));
        res->mask = 0;
        return 0;
    case SL_E_COL:
        if (e->col < 0 || e->col >= in->n_cols)
            return SL_ERR(err, SL_EINTERNAL, "column index %d out of range (%d columns)",
                          e->col, in->n_cols);
        res->v = in->cols[e->col];
        res->mask = -1;
        return 0;
    case SL_E_CAST: {
        sl_arg x;
        int rc = eval(e->args[0], in, rows, &x, err);
        if (rc)
            return rc;
        if (e->args[0]->type == e->type) {
            *res = x;
            return 0;
        }
        sl_vec *o = NULL;
        rc = fn_cast_vec(e, e->args[0]->type, &x, rows, &o, err);
        arg_free(&x);
        if (!rc)
            arg_own(res, o);
        return rc;
    }
    case SL_E_CASE:
        return eval_case(e, in, rows, res, err);
    case SL_E_CALL:
        return eval_call(e, in, rows, res, err);
    }
    return SL_ERR(err, SL_EINTERNAL, "unknown expression kind %d", (int)e->kind);
}

/* Returns a new vector of rows->n_rows values holding x at the live rows. */
static sl_vec *materialize(sl_arg *x, sl_type t, const sl_rows *rows)
{
    if (x->own && x->mask) {
        sl_vec *v = x->own;
        x->own = NULL;
        return v;
    }
    const sl_vec *s = x->v;
    if (x->mask) { /* borrowed column: copy it whole (same physical layout) */
        sl_vec *v = sl_vec_new(s->type, s->n);
        int64_t words = (s->n + 63) / 64;
        memcpy(v->valid, s->valid, (size_t)words * 8);
        if (s->type == SL_T_VARCHAR) {
            memcpy(v->d.off, s->d.off, (size_t)(s->n + 1) * 8);
            sl_grow((void **)&v->heap, &v->heap_cap, s->heap_len, 1);
            if (s->heap_len)
                memcpy(v->heap, s->heap, (size_t)s->heap_len);
            v->heap_len = s->heap_len;
        } else {
            memcpy(v->d.i64, s->d.i64, (size_t)s->n * 8);
        }
        v->n = s->n;
        return v;
    }
    /* a constant */
    int32_t *which = sl_xcalloc((size_t)(rows->n_rows ? rows->n_rows : 1), sizeof *which);
    sl_vec *v = assemble(t == SL_T_NULL ? SL_T_BIGINT : t, rows, x, which);
    sl_free(which);
    return v;
}

int sl_expr_eval(const sl_expr *e, const sl_batch *in, sl_vec **out, sl_err *err)
{
    sl_rows rows = {in->sel, sl_batch_live(in), in->n_rows};
    sl_arg x;
    *out = NULL;
    int rc = eval(e, in, &rows, &x, err);
    if (rc)
        return rc;
    *out = materialize(&x, e->type, &rows);
    arg_free(&x);
    return 0;
}

int sl_filter(const sl_expr *pred, sl_batch *in, sl_err *err)
{
    if (pred->type != SL_T_BOOL && pred->type != SL_T_NULL && pred->type != SL_T_BIGINT)
        return SL_ERR(err, SL_EINTERNAL, "filter predicate %s is %s, not BOOLEAN", pred->text,
                      sl_type_name(pred->type));
    sl_rows rows = {in->sel, sl_batch_live(in), in->n_rows};
    sl_arg x;
    int rc = eval(pred, in, &rows, &x, err);
    if (rc)
        return rc;
    int64_t n;
    uint32_t *sel = sub_rows(&rows, &x, KEEP_TRUE, &n);
    arg_free(&x);
    if (!in->sel && n == in->n_rows) {
        sl_free(sel); /* everything passed: stay dense */
        return 0;
    }
    sl_batch_set_sel(in, sel, n);
    return 0;
}

int sl_project(sl_expr *const *exprs, int n, const sl_batch *in, sl_batch **out, sl_err *err)
{
    sl_vec **cols = sl_xcalloc((size_t)(n ? n : 1), sizeof *cols);
    *out = NULL;
    for (int c = 0; c < n; c++) {
        int rc = sl_expr_eval(exprs[c], in, &cols[c], err);
        if (rc) {
            for (int j = 0; j < c; j++)
                sl_vec_free(&cols[j]);
            sl_free(cols);
            return rc;
        }
    }
    sl_batch *b = sl_batch_from_cols(n, cols, in->n_rows);
    sl_free(cols);
    if (in->sel) {
        uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)(in->n_sel ? in->n_sel : 1));
        memcpy(sel, in->sel, sizeof *sel * (size_t)in->n_sel);
        sl_batch_set_sel(b, sel, in->n_sel);
    }
    *out = b;
    return 0;
}
