/*
 * Binding expressions: AST -> sl_expr over the layout that the mode says (see sl_bind_mode).
 * Column names resolve against L0 (case-insensitively, as DuckDB does); operators and
 * functions are built with sl_func_bind (src/exec/func.h), which checks types and inserts
 * implicit casts. In BM_POST an expression equal to a GROUP BY key (sl_bind_key: same
 * canonical text and columns) becomes a reference to that key and an aggregate call becomes a
 * reference to its slot in q->aggs (distinct calls collected here, args bound over L0).
 * Recursion follows the AST, whose height the parser bounds (SL_SQL_MAX_EXPR_DEPTH); the
 * frames on that path stay small (no sl_err or message buffers: those live in the noinline
 * helpers that run after the children are bound). Local.
 */
#include "sql/sql_int.h"
#include "batch/list.h"
#include "batch/int128.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/mem.h"
#include "func/aggregate.h"
#include "func/func.h"

int sl_bind_error(sl_bind_ctx *c, int line, int col, int code, const char *fmt, ...)
{
    char msg[SL_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return SL_ERR(c->b->err, code, "%s:%d:%d: %s", c->b->path, line, col, msg);
}

/* An error from another module (func, csv) gets the position prepended; code kept. */
static int wrap(sl_bind_ctx *c, const sl_ast_expr *a, sl_err *tmp)
{
    return sl_bind_error(c, a->line, a->col, tmp->code ? tmp->code : SL_EBIND, "%s",
                         tmp->code ? tmp->msg : "binding failed");
}

/* An aggregate call: a name in the aggregate registry (func/aggregate.h). */
static bool is_agg_call(const sl_ast_expr *a)
{
    return a->kind == A_FUNC && sl_func_is_aggregate(a->name);
}

bool sl_ast_has_agg(const sl_ast_expr *a)
{
    if (!a)
        return false;
    if (is_agg_call(a) && !a->over)
        return true;
    for (int i = 0; i < a->n_args; i++)
        if (sl_ast_has_agg(a->args[i]))
            return true;
    if (a->over) {
        for (int i = 0; i < a->over->n_part; i++)
            if (sl_ast_has_agg(a->over->part[i]))
                return true;
        for (int i = 0; i < a->over->n_order; i++)
            if (sl_ast_has_agg(a->over->order[i].e))
                return true;
    }
    return false;
}

static bool is_count_star(const sl_ast_expr *a)
{
    return a->kind == A_FUNC && strcmp(a->name, "count") == 0 && (a->star || a->n_args == 0);
}

/* A join's L0: columns of the named side, or every column not hidden (USING). */
static int find_join_col(const sl_bind_ctx *c, const sl_ast_expr *a)
{
    for (int pass = 0; pass < 2; pass++) {
        int found = -1;
        for (int i = 0; i < c->n_cols; i++) {
            if (a->qual ? !(c->col_quals[i] && strcasecmp(c->col_quals[i], a->qual) == 0)
                        : c->col_hidden[i])
                continue;
            if (pass == 0 ? strcmp(c->col_names[i], a->name) != 0
                          : strcasecmp(c->col_names[i], a->name) != 0)
                continue;
            if (found >= 0)
                return -2;
            found = i;
        }
        if (found >= 0)
            return found;
    }
    return -1;
}

int sl_bind_find_col(const sl_bind_ctx *c, const sl_ast_expr *a)
{
    if (a->col_index > 0)
        return a->col_index - 1;
    if (c->col_quals)
        return find_join_col(c, a);
    if (a->qual && !(c->alias && strcasecmp(a->qual, c->alias) == 0))
        return -1;
    /* An exact match wins over a case-insensitive one ("A" and "a" may both exist). */
    for (int i = 0; i < c->n_cols; i++)
        if (strcmp(c->col_names[i], a->name) == 0)
            return i;
    for (int i = 0; i < c->n_cols; i++)
        if (strcasecmp(c->col_names[i], a->name) == 0)
            return i;
    return -1;
}

char *sl_bind_name_of(const sl_bind_ctx *c, const sl_ast_expr *a)
{
    if (a->kind == A_COL) {
        int i = sl_bind_find_col(c, a);
        return sl_xstrdup(i >= 0 ? c->col_names[i] : a->name);
    }
    if (is_count_star(a) && !a->filter)
        return sl_xstrdup("count_star()");
    char *t = sl_ast_text(a, -1);
    /* t.s.a (a STRUCT field of a column, not parenthesized) is named a, as in DuckDB */
    if (a->kind == A_FUNC && a->name && strcmp(a->name, "struct_extract") == 0 &&
        a->n_args == 2 && a->args[0]->kind == A_COL && a->args[1]->kind == A_STR && t[0] != '(' &&
        strncasecmp(t, "struct_extract", 14) != 0) {
        sl_free(t);
        return sl_xstrdup(a->args[1]->sval);
    }
    return t;
}

/* Text of a bound node: all of it at a root (a select item, WHERE, ...: EXPLAIN and result
 * names show it), at most SL_BIND_TEXT_MAX bytes below (only error messages show those), so
 * bound trees stay linear in the job's length. Returns new; free with sl_free. */
static char *node_text(const sl_bind_ctx *c, const sl_ast_expr *a)
{
    if (a->kind == A_COL || (is_count_star(a) && !a->filter))
        return sl_bind_name_of(c, a);
    return sl_ast_text(a, c->level <= 1 ? -1 : SL_BIND_TEXT_MAX);
}

static bool has_qual(const sl_bind_ctx *c, const char *qual)
{
    for (int i = 0; c->col_quals && i < c->n_cols; i++)
        if (c->col_quals[i] && strcasecmp(c->col_quals[i], qual) == 0)
            return true;
    return false;
}

static int col_not_found(sl_bind_ctx *c, const sl_ast_expr *a)
{
    if (sl_bind_find_col(c, a) == -2)
        return sl_bind_error(c, a->line, a->col, SL_EBIND,
                             "ambiguous reference to column name \"%s\" (qualify it with "
                             "the table name)", a->name);
    if (c->col_quals && a->qual && !has_qual(c, a->qual))
        return sl_bind_error(c, a->line, a->col, SL_EBIND,
                             "table \"%s\" not found in the FROM clause", a->qual);
    if (!c->col_quals && a->qual && !(c->alias && strcasecmp(a->qual, c->alias) == 0))
        return sl_bind_error(c, a->line, a->col, SL_EBIND,
                             "table \"%s\" not found (the FROM source is %s%s%s)", a->qual,
                             c->alias ? "\"" : "", c->alias ? c->alias : "not named",
                             c->alias ? "\"" : "");
    sl_buf b;
    sl_buf_init(&b);
    for (int i = 0, n = 0; i < c->n_cols && b.len < 300; i++) {
        /* a scalar subquery's columns (hidden, of no table) are not the user's */
        if (c->col_hidden && c->col_hidden[i] && !(c->col_quals && c->col_quals[i]))
            continue;
        sl_buf_printf(&b, "%s%s", n++ ? ", " : "", c->col_names[i]);
    }
    if (b.len >= 300)
        sl_buf_puts(&b, ", ...");
    int rc = sl_bind_error(c, a->line, a->col, SL_EBIND, "column \"%s\" not found (columns: %s)",
                           a->name, sl_buf_cstr(&b));
    sl_buf_free(&b);
    return rc;
}

static int bind_const(const sl_bind_ctx *c, const sl_ast_expr *a, sl_expr **out)
{
    sl_value v;
    char huge[SL_I128_BYTES];
    sl_i128 h;
    sl_u128 uh;
    memset(&v, 0, sizeof v);
    switch (a->kind) {
    case A_INT:
        /* DuckDB: INTEGER when the literal's digits fit in int32, else BIGINT. The sign is
         * not part of the literal there (-2147483648 is the BIGINT 2147483648 negated), so the
         * magnitude decides. Past int64 the parser hands the digits over as A_DBL text,
         * which becomes a HUGEINT below (past HUGEINT's range a DOUBLE), as in DuckDB. */
        v.type = a->ival >= -INT32_MAX && a->ival <= INT32_MAX ? SL_T_INTEGER : SL_T_BIGINT;
        v.v.i = a->ival;
        break;
    case A_DBL:
        v.type = SL_T_DOUBLE;
        v.v.d = a->dval;
        if (a->sval && !sl_dec_literal_type(a->sval, (int64_t)strlen(a->sval), &v, huge) &&
            sl_parse_hugeint(a->sval, (int64_t)strlen(a->sval), &h)) {
            /* an integer literal past BIGINT's range (the parser) */
            sl_i128_store(huge, h);
            v.type = SL_T_HUGEINT;
            v.v.s.p = huge;
            v.v.s.len = SL_I128_BYTES;
        } else if (a->sval && v.type == SL_T_DOUBLE &&
                   sl_parse_uhugeint(a->sval, (int64_t)strlen(a->sval), &uh)) {
            /* past HUGEINT's range: a UHUGEINT up to 2^128 - 1, as in DuckDB */
            sl_u128_store(huge, uh);
            v.type = SL_T_UHUGEINT;
            v.v.s.p = huge;
            v.v.s.len = SL_I128_BYTES;
        }
        break;
    case A_BOOL: v.type = SL_T_BOOL; v.v.i = a->ival; break;
    case A_NULL: v.type = SL_T_NULL; v.is_null = true; break;
    case A_TYPED: v.type = a->ctype; v.v.i = a->ival; break;
    case A_STR:
        v.type = SL_T_VARCHAR;
        v.v.s.p = a->sval;
        v.v.s.len = (int64_t)strlen(a->sval);
        break;
    default:
        return SL_EINTERNAL;
    }
    char *text = node_text(c, a);
    *out = sl_expr_const(&v, text);
    /* an integer literal past BIGINT (a HUGEINT) too: next to a UBIGINT / UHUGEINT it takes
     * that type where its value fits, as in DuckDB (func_bind.c: fn_int_lit_fits) */
    (*out)->int_lit = a->kind == A_INT || (a->kind == A_DBL && v.type == SL_T_HUGEINT);
    sl_free(text);
    return 0;
}

/* sl_func_bind(name) over bound args; takes ownership of args' elements. Not inlined: its
 * sl_err stays off the recursive path. */
static __attribute__((noinline)) int call_func(sl_bind_ctx *c, const sl_ast_expr *a,
                                               const char *name, sl_expr **args, int n,
                                               sl_expr **out)
{
    sl_err tmp = {0};
    char *text = node_text(c, a);
    int rc = 0;
    /* Ownership of args passes to sl_func_bind on every path (func.h). */
    if (sl_func_bind(name, args, n, text, out, &tmp))
        rc = wrap(c, a, &tmp);
    sl_free(text);
    return rc;
}

/* Binds the arguments, then calls sl_func_bind(name). */
static int bind_call(sl_bind_ctx *c, const sl_ast_expr *a, const char *name, sl_expr **out)
{
    /* An unknown name is the error to report, before any of its arguments' errors. */
    if (a->kind == A_FUNC && !sl_func_exists(name))
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "unknown function \"%s\"", name);
    sl_expr **args = sl_xcalloc((size_t)a->n_args + 1, sizeof *args);
    int rc = 0, n = 0;
    for (; n < a->n_args; n++)
        if ((rc = sl_bind_expr(c, a->args[n], &args[n])))
            break;
    if (!rc) {
        rc = call_func(c, a, name, args, n, out);
        n = 0;
    }
    for (int i = 0; i < n; i++)
        sl_expr_free(&args[i]);
    sl_free(args);
    return rc;
}

/* CASE x WHEN w ...  ==  CASE WHEN x = w ...: *pw becomes operand = *pw. Not inlined (see
 * call_func). */
static __attribute__((noinline)) int case_eq(sl_bind_ctx *c, const sl_ast_expr *a,
                                             const sl_ast_expr *x, const sl_expr *operand,
                                             sl_expr **pw)
{
    sl_expr *eq_args[2] = {sl_expr_copy(operand), *pw};
    char *l = node_text(c, a->args[0]), *r = node_text(c, x);
    char *text = sl_xasprintf("%s = %s", l, r);
    sl_err tmp = {0};
    int rc = 0;
    *pw = NULL;
    if (sl_func_bind("=", eq_args, 2, text, pw, &tmp))
        rc = wrap(c, x, &tmp);
    sl_free(l);
    sl_free(r);
    sl_free(text);
    return rc;
}

/* sl_func_bind_case over bound args (takes ownership of their elements). */
static __attribute__((noinline)) int case_func(sl_bind_ctx *c, const sl_ast_expr *a,
                                               sl_expr **args, int n, sl_expr **out)
{
    sl_err tmp = {0};
    char *text = node_text(c, a);
    int rc = 0;
    if (sl_func_bind_case(args, n, a->has_else, text, out, &tmp))
        rc = wrap(c, a, &tmp);
    sl_free(text);
    return rc;
}

/* CAST(x AS t) over bound x (takes ownership). */
static __attribute__((noinline)) int cast_func(sl_bind_ctx *c, const sl_ast_expr *a, sl_expr *x,
                                               sl_expr **out)
{
    sl_err tmp = {0};
    char *text = node_text(c, a);
    int rc = 0;
    if (sl_func_bind_cast(x, a->ctype, a->try_cast, text, out, &tmp))
        rc = wrap(c, a, &tmp);
    sl_free(text);
    return rc;
}

static int bind_case(sl_bind_ctx *c, const sl_ast_expr *a, sl_expr **out)
{
    int first = a->has_operand ? 1 : 0, n = a->n_args - first, rc = 0, got = 0;
    sl_expr *operand = NULL;
    sl_expr **args = sl_xcalloc((size_t)n, sizeof *args);
    if (a->has_operand && (rc = sl_bind_expr(c, a->args[0], &operand)))
        goto done;
    for (; got < n; got++) {
        const sl_ast_expr *x = a->args[first + got];
        bool is_when = got % 2 == 0 && !(a->has_else && got == n - 1);
        if ((rc = sl_bind_expr(c, x, &args[got])))
            goto done;
        if (is_when && operand && (rc = case_eq(c, a, x, operand, &args[got])))
            goto done;
    }
    rc = case_func(c, a, args, n, out);
    got = 0; /* ownership passed on every path */
done:
    for (int i = 0; i < got; i++)
        sl_expr_free(&args[i]);
    sl_free(args);
    sl_expr_free(&operand);
    return rc;
}

/* Appends the L0 column that each column reference of a resolves to, in print order (not
 * inside subqueries, which bind in their own scope). */
static void put_col_ids(const sl_bind_ctx *c, const sl_ast_expr *a, sl_buf *b)
{
    if (!a)
        return;
    if (a->kind == A_COL)
        sl_buf_printf(b, " %d", sl_bind_find_col(c, a));
    for (int i = 0; i < a->n_args; i++)
        put_col_ids(c, a->args[i], b);
    put_col_ids(c, a->filter, b);
    for (int i = 0; i < a->n_agg_order; i++)
        put_col_ids(c, a->agg_order[i].e, b);
    if (a->over) {
        for (int i = 0; i < a->over->n_part; i++)
            put_col_ids(c, a->over->part[i], b);
        for (int i = 0; i < a->over->n_order; i++)
            put_col_ids(c, a->over->order[i].e, b);
    }
}

char *sl_bind_key(const sl_bind_ctx *c, const sl_ast_expr *a, int64_t max_len)
{
    char *text = is_count_star(a) && !a->filter && !a->over ? sl_xstrdup("count_star()")
               : max_len < 0 ? sl_ast_expr_to_string(a, true)
                             : sl_ast_expr_to_string_max(a, true, max_len);
    if (!text)
        return NULL;
    /* The canonical text drops qualifiers (so `k` and `t.k` are one key); the resolved
     * columns tell count(a.k) from count(b.k). */
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_puts(&b, text);
    sl_free(text);
    sl_buf_puts(&b, " |");
    put_col_ids(c, a, &b);
    return sl_buf_take(&b);
}

static char *canon(const sl_bind_ctx *c, const sl_ast_expr *a)
{
    return sl_bind_key(c, a, -1);
}

/* The GROUP BY key that a is (same canonical text and columns), or -1. Printing stops past
 * the longest key, so checking every node of a long expression costs O(nodes x key length), not
 * O(nodes x expression length). Not inlined: keeps its buffers off the recursive path. */
static __attribute__((noinline)) int group_key_of(const sl_bind_ctx *c, const sl_ast_expr *a)
{
    if (c->q->n_groups == 0)
        return -1;
    char *key = sl_bind_key(c, a, c->max_key_len);
    int found = -1;
    for (int i = 0; key && found < 0 && i < c->q->n_groups; i++)
        if (strcmp(key, c->group_keys[i]) == 0)
            found = i;
    sl_free(key);
    return found;
}

/* The constant second argument of quantile_cont(x, q) and its kind: folded, numeric, in
 * [0, 1]; stored in g->param. A list of quantiles needs a LIST type, which sluice lacks. */
/* quantile_cont(x, [q1, q2, ...]): every q a number in [0, 1]; kept in g->params (the
 * result becomes a LIST, see sl_bind_agg). */
static int bind_param_list(sl_bind_ctx *c, const sl_ast_expr *a, sl_agg *g)
{
    const sl_expr *e = g->arg2;
    sl_list_it it;
    sl_value v;
    int n = 0, rc = 0;
    const sl_aggfn *f = sl_aggfn_find(a->name);
    if (f != &sl_aggfn_quantile_cont && f != &sl_aggfn_quantile_disc) {
        rc = sl_bind_error(c, a->args[1]->line, a->args[1]->col, SL_EBIND,
                           "%s(x, [q, ...]): a list of quantiles is not supported here",
                           a->name);
        sl_expr_free(&g->arg);
        sl_expr_free(&g->arg2);
        return rc;
    }
    g->params = sl_xmalloc(sizeof *g->params * (size_t)(e->cval.v.s.len / 9 + 1));
    sl_list_begin(&it, e->type, e->cval.v.s.p, e->cval.v.s.len);
    while (!rc && sl_list_next(&it, &v)) {
        double q = v.type == SL_T_DOUBLE ? v.v.d
                   : sl_type_is_decimal(v.type) ? sl_dec_to_double(v.v.i, sl_dec_scale(v.type))
                   : (double)v.v.i;
        if (v.is_null || !(q >= 0 && q <= 1))
            rc = sl_bind_error(c, a->args[1]->line, a->args[1]->col, SL_EBIND,
                               "%s(x, [q, ...]): every q must be a number in [0, 1]",
                               a->name);
        g->params[n++] = q;
    }
    g->n_params = n;
    if (!rc && n == 0)
        rc = sl_bind_error(c, a->args[1]->line, a->args[1]->col, SL_EBIND,
                           "%s(x, []): the list of quantiles is empty", a->name);
    if (rc) {
        sl_free(g->params);
        g->params = NULL;
        g->n_params = 0;
        sl_expr_free(&g->arg);
        sl_expr_free(&g->arg2);
    }
    return rc;
}

static int bind_param(sl_bind_ctx *c, const sl_ast_expr *a, sl_agg *g)
{
    sl_err tmp = {0};
    int rc = sl_expr_fold(&g->arg2, &tmp);
    if (rc) {
        rc = wrap(c, a->args[1], &tmp);
        goto fail;
    }
    const sl_expr *e = g->arg2;
    sl_type qe = sl_list_elem(e->type); /* [0.25, 0.5] is DECIMAL(3,2)[], [] "NULL"[] */
    if (e->kind == SL_E_CONST && !e->cval.is_null && sl_type_is_list(e->type) &&
        (sl_type_is_numeric(qe) || sl_type_is_decimal(qe) || qe == SL_T_NULL))
        return bind_param_list(c, a, g);
    if (e->kind != SL_E_CONST || e->cval.is_null ||
        !(sl_type_is_numeric(e->type) || sl_type_is_decimal(e->type))) {
        rc = sl_bind_error(c, a->args[1]->line, a->args[1]->col, SL_EBIND,
                           "%s(x, q): q must be a constant number in [0, 1] or a constant "
                           "list of them", a->name);
        goto fail;
    }
    double q = e->type == SL_T_DOUBLE ? e->cval.v.d
               : sl_type_is_decimal(e->type) ? sl_dec_value_double(&e->cval)
               : (double)e->cval.v.i;
    if (!(q >= 0 && q <= 1)) {
        rc = sl_bind_error(c, a->args[1]->line, a->args[1]->col, SL_EBIND,
                           "%s(x, q): q must be in [0, 1] (got %g)", a->name, q);
        goto fail;
    }
    g->param = q;
    return 0;
fail:
    sl_expr_free(&g->arg);
    sl_expr_free(&g->arg2);
    return rc;
}

/* The separator of string_agg(x, sep): a constant VARCHAR (DuckDB requires one), kept in
 * g->sep; ',' when not written. */
static int bind_sep(sl_bind_ctx *c, const sl_ast_expr *a, sl_agg *g)
{
    sl_expr *e = NULL;
    sl_err tmp = {0};
    const char *p = ",";
    int64_t n = 1;
    if (a->n_args > 1) {
        int rc = sl_bind_expr(c, a->args[1], &e);
        if (!rc && sl_expr_fold(&e, &tmp))
            rc = wrap(c, a->args[1], &tmp);
        if (rc) {
            sl_expr_free(&e);
            return rc;
        }
        if (e->kind != SL_E_CONST || e->cval.is_null ||
            (e->type != SL_T_VARCHAR && e->type != SL_T_NULL)) {
            sl_expr_free(&e);
            return sl_bind_error(c, a->args[1]->line, a->args[1]->col, SL_EBIND,
                                 "the separator of %s() must be a constant string", a->name);
        }
        p = e->cval.v.s.p;
        n = e->cval.v.s.len;
    }
    g->sep = sl_xmalloc((size_t)n + 1);
    memcpy(g->sep, p, (size_t)n);
    g->sep[n] = 0;
    g->sep_len = n;
    sl_expr_free(&e);
    return 0;
}

/* The sort key argument of an order-sensitive aggregate (sl_aggfn.order_arg) in g->arg2:
 * create_sort_key(k1, 'ASC NULLS LAST', ...) over the call's ORDER BY, or '' without one. */
static int bind_order_key(sl_bind_ctx *c, const sl_ast_expr *a, sl_agg *g)
{
    int n = a->n_agg_order, rc = 0, got = 0;
    if (n == 0) {
        sl_value v = {.type = SL_T_VARCHAR};
        v.v.s.p = "";
        g->arg2 = sl_expr_const(&v, "''");
        return 0;
    }
    sl_expr **args = sl_xcalloc(2 * (size_t)n, sizeof *args);
    for (; got < n && !rc; got++) {
        const sl_ast_order *o = &a->agg_order[got];
        rc = sl_bind_expr(c, o->e, &args[2 * got]);
        const char *mod = o->desc ? (o->nulls_first ? "DESC NULLS FIRST" : "DESC NULLS LAST")
                                  : (o->nulls_first ? "ASC NULLS FIRST" : "ASC NULLS LAST");
        sl_value v = {.type = SL_T_VARCHAR};
        v.v.s.p = mod;
        v.v.s.len = (int64_t)strlen(mod);
        args[2 * got + 1] = sl_expr_const(&v, mod);
    }
    if (!rc) {
        sl_err tmp = {0};
        if (sl_func_bind("create_sort_key", args, 2 * n, "create_sort_key", &g->arg2, &tmp))
            rc = wrap(c, a, &tmp);
    } else {
        for (int i = 0; i < 2 * got; i++)
            sl_expr_free(&args[i]);
    }
    sl_free(args);
    g->ordered = true;
    return rc;
}

/* An aggregate whose result does not depend on the order of its rows (sum, min, median)
 * accepts an ORDER BY inside the call, as DuckDB does, and ignores it; its keys must still
 * bind. */
static int check_order_keys(sl_bind_ctx *c, const sl_ast_expr *a)
{
    for (int i = 0; i < a->n_agg_order; i++) {
        sl_expr *k = NULL;
        int rc = sl_bind_expr(c, a->agg_order[i].e, &k);
        sl_expr_free(&k);
        if (rc)
            return rc;
    }
    return 0;
}

/* CASE WHEN cond THEN e END (cond copied; e taken). */
static sl_expr *when(const sl_expr *cond, sl_expr *e)
{
    sl_expr *args[2] = {sl_expr_copy(cond), e};
    return sl_expr_new(SL_E_CASE, e->type, 2, args, e->text);
}

/* f(args) FILTER (WHERE cond): every aggregate skips NULL arguments, so the filter becomes
 * part of the arguments: f(CASE WHEN cond THEN arg END, ...), count(*) becoming
 * count(CASE WHEN cond THEN true END). A row whose cond is false or NULL then counts
 * nowhere, as FILTER requires; DISTINCT and the plans need nothing more. */
static int bind_filter(sl_bind_ctx *c, const sl_ast_expr *a, const sl_aggfn **fn, sl_agg *g)
{
    sl_expr *cond = NULL;
    sl_bind_mode saved = c->mode;
    c->mode = BM_AGGARG;
    int rc = sl_bind_expr(c, a->filter, &cond);
    c->mode = saved;
    if (!rc && cond->type != SL_T_BOOL && cond->type != SL_T_NULL)
        rc = sl_bind_error(c, a->filter->line, a->filter->col, SL_EBIND,
                           "FILTER (WHERE ...) needs a BOOLEAN condition, not %s",
                           sl_type_name(cond->type));
    if (rc) {
        sl_expr_free(&cond);
        sl_expr_free(&g->arg);
        sl_expr_free(&g->arg2);
        return rc;
    }
    if ((*fn)->n_args == 0) {
        sl_value t = {.type = SL_T_BOOL, .v.i = 1};
        *fn = &sl_aggfn_count;
        g->arg = sl_expr_const(&t, "true");
    }
    g->arg = when(cond, g->arg);
    if (g->arg2 && !(*fn)->const_arg2)
        g->arg2 = when(cond, g->arg2);
    sl_expr_free(&cond);
    return 0;
}

/* A 128-bit (or unsigned 64-bit) integer type, which the statistical aggregates take as its
 * DOUBLE value (DuckDB's implicit cast). */
static bool wide_int_arg(sl_type t) { return t == SL_T_HUGEINT; }

/* Whether aggregate fn, given wide_int_arg arguments as DOUBLE, answers with DuckDB's type:
 * its result is DOUBLE whether the argument is BIGINT or DOUBLE (var_samp, median, corr ...;
 * not quantile_disc or mode, whose result is the argument's type), and it does not count
 * distinct values (entropy: values a DOUBLE cannot tell apart would merge). */
static bool double_agg(const sl_aggfn *fn, sl_type t, sl_type t2)
{
    sl_type a[SL_AGG_MAX_ARGS] = {wide_int_arg(t) ? SL_T_BIGINT : t,
                                  wide_int_arg(t2) ? SL_T_BIGINT : t2}, r = SL_T_NULL;
    if (strcmp(fn->name, "entropy") == 0 || !fn->bind(a, &r) || r != SL_T_DOUBLE)
        return false;
    a[0] = wide_int_arg(t) ? SL_T_DOUBLE : t;
    a[1] = wide_int_arg(t2) ? SL_T_DOUBLE : t2;
    return fn->bind(a, &r) && r == SL_T_DOUBLE;
}

/* Whether aggregate fn takes argument j as type to (HUGEINT or DOUBLE) with a result that does
 * not follow the argument's type (sum, avg, var_samp ...; not min, quantile_disc, mode), so a
 * UBIGINT / UHUGEINT argument may be read as to (entropy, counting distinct values, not). */
static bool ubig_agg(const sl_aggfn *fn, int j, sl_type to, sl_type t, sl_type t2)
{
    sl_type a[SL_AGG_MAX_ARGS] = {t, t2}, r = SL_T_NULL, rb = SL_T_NULL;
    if (strcmp(fn->name, "entropy") == 0)
        return false;
    a[j] = SL_T_BIGINT;
    if (!fn->bind(a, &rb) || rb == SL_T_BIGINT)
        return false;
    a[j] = to;
    return fn->bind(a, &r) || to == SL_T_HUGEINT;
}

/* Finds or adds the aggregate call a in q->aggs; *slot = its index. The registry entry says
 * how many arguments it takes and which types (its bind rule). Not inlined: its frame is
 * large and the expression recursion must not carry it (see bind_using_col). */
static __attribute__((noinline)) int bind_agg(sl_bind_ctx *c, const sl_ast_expr *a,
                                              int *slot)
{
    sl_query *q = c->q;
    bool star = is_count_star(a);
    const sl_aggfn *fn = star ? &sl_aggfn_count_star : sl_aggfn_find(a->name);
    if (!fn)
        return sl_bind_error(c, a->line, a->col, SL_EINTERNAL,
                             "aggregate function %s() is not registered", a->name);
    if (a->star && !star)
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "%s(*) is not valid (only count(*))",
                             a->name);
    /* Arguments written: an order_arg aggregate's sort key is not, a separator may be. */
    int n_written = fn->n_args - (fn->order_arg ? 1 : 0);
    if (fn->sep_arg && !star && (a->n_args == n_written || a->n_args == n_written + 1))
        n_written = a->n_args;
    if (!star && a->n_args != n_written)
        return sl_bind_error(c, a->line, a->col, SL_EBIND,
                             fn->sep_arg ? "aggregate %s() takes one or two arguments"
                             : n_written == 2 ? "aggregate %s() takes exactly two arguments"
                             : n_written ? "aggregate %s() takes exactly one argument"
                                          : "aggregate %s() takes no arguments", a->name);
    if (a->distinct && fn->order_arg && !fn->distinct_is_noop)
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "%s(DISTINCT ...) is not supported",
                             a->name);
    if (a->distinct && fn->n_args == 0)
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "%s(DISTINCT) needs an argument",
                             a->name);
    /* DISTINCT is planned over one distinct argument (plan/plan_agg.c). */
    if (a->distinct && n_written > 1)
        return sl_bind_error(c, a->line, a->col, SL_EBIND,
                             "%s(DISTINCT ...) over two arguments is not supported", a->name);
    char *key = canon(c, a);
    for (int i = 0; i < q->n_aggs; i++)
        if (strcmp(c->agg_keys[i], key) == 0) {
            sl_free(key);
            *slot = i;
            return 0;
        }
    sl_agg g = {0};
    if (fn->n_args > 0) {
        sl_bind_mode saved = c->mode;
        bool win_ok = c->win_ok;
        c->mode = BM_AGGARG;
        c->win_ok = false; /* aggregates run before windows */
        int rc = sl_bind_expr(c, a->args[0], &g.arg);
        if (!rc && fn->order_arg) {
            if (fn->sep_arg)
                rc = bind_sep(c, a, &g);
            if (!rc)
                rc = bind_order_key(c, a, &g);
        } else if (!rc && fn->n_args > 1) {
            rc = sl_bind_expr(c, a->args[1], &g.arg2);
        }
        if (!rc && !fn->order_arg)
            rc = check_order_keys(c, a);
        c->mode = saved;
        c->win_ok = win_ok;
        if (rc) {
            sl_free(key);
            sl_expr_free(&g.arg);
            sl_expr_free(&g.arg2);
            sl_free(g.sep);
            return rc;
        }
    }
    if (fn->const_arg2) {
        int rc = bind_param(c, a, &g);
        if (rc) {
            sl_free(key);
            return rc;
        }
    }
    if (a->filter) {
        int rc = bind_filter(c, a, &fn, &g);
        if (rc) {
            sl_free(key);
            sl_free(g.sep);
            return rc;
        }
    }
    sl_type t = g.arg ? g.arg->type : SL_T_NULL, t2 = g.arg2 ? g.arg2->type : SL_T_NULL;
    if (fn->const_arg2) {
        t2 = SL_T_DOUBLE;
        sl_expr_free(&g.arg2); /* kept in g.param */
    }
    if (!sl_agg_init_call2(&g, fn, t, t2) && (sl_type_is_decimal(t) || sl_type_is_decimal(t2))) {
        /* An aggregate without a DECIMAL rule (var_samp, quantile_cont, corr ...): DuckDB
         * casts a DECIMAL argument to DOUBLE implicitly. */
        sl_err tmp = {0};
        if (sl_type_is_decimal(t2) && g.arg2 &&
            sl_func_bind_cast(g.arg2, SL_T_DOUBLE, false, NULL, &g.arg2, &tmp) == 0)
            t2 = SL_T_DOUBLE; /* the second first: arg_min(DECIMAL, wide DECIMAL) */
        if (sl_type_is_decimal(t) && !sl_agg_init_call2(&g, fn, t, t2) &&
            sl_func_bind_cast(g.arg, SL_T_DOUBLE, false, NULL, &g.arg, &tmp) == 0)
            t = SL_T_DOUBLE;
    }
    for (int j = 0; j < 2 && !g.fn; j++) {
        /* sum, avg, var_samp, median ... of a UBIGINT: as a HUGEINT (exact; sum is HUGEINT
         * in DuckDB too); of a UHUGEINT: as a DOUBLE (DuckDB's sum and avg are DOUBLE) */
        sl_type *tj = j ? &t2 : &t;
        sl_expr **ej = j ? &g.arg2 : &g.arg;
        sl_type to = *tj == SL_T_UBIGINT ? SL_T_HUGEINT : SL_T_DOUBLE;
        if ((*tj != SL_T_UBIGINT && *tj != SL_T_UHUGEINT) || !*ej || !ubig_agg(fn, j, to, t, t2))
            continue;
        sl_err tmp = {0};
        if (sl_func_bind_cast(*ej, to, false, NULL, ej, &tmp) == 0)
            *tj = to;
    }
    if (!g.fn && (wide_int_arg(t) || wide_int_arg(t2)) && double_agg(fn, t, t2)) {
        /* var_samp, median, quantile_cont, mad, corr ... of a HUGEINT: DuckDB reads the
         * value as DOUBLE */
        sl_err tmp = {0};
        if (wide_int_arg(t) &&
            sl_func_bind_cast(g.arg, SL_T_DOUBLE, false, NULL, &g.arg, &tmp) == 0)
            t = SL_T_DOUBLE;
        if (wide_int_arg(t2) && g.arg2 &&
            sl_func_bind_cast(g.arg2, SL_T_DOUBLE, false, NULL, &g.arg2, &tmp) == 0)
            t2 = SL_T_DOUBLE;
    }
    if (!g.fn && !sl_agg_init_call2(&g, fn, t, t2)) {
        sl_free(key);
        sl_expr_free(&g.arg);
        sl_expr_free(&g.arg2);
        sl_free(g.sep);
        if (fn->n_args > 1 && !fn->order_arg)
            return sl_bind_error(c, a->line, a->col, SL_EBIND,
                                 "no function matches %s(%s, %s)",
                                 a->name, sl_type_name(t), sl_type_name(t2));
        return sl_bind_error(c, a->line, a->col, SL_EBIND,
                             "no function matches %s(%s) (it needs a numeric argument)",
                             a->name, sl_type_name(t));
    }
    if (g.n_params && sl_type_is_decimal(g.type)) {
        /* no DECIMAL lists: a list of quantiles of a DECIMAL is of its DOUBLE (DuckDB:
         * DECIMAL(p,s)[]) */
        sl_err tmp = {0};
        if (sl_func_bind_cast(g.arg, SL_T_DOUBLE, false, NULL, &g.arg, &tmp) == 0 &&
            sl_agg_init_call2(&g, fn, SL_T_DOUBLE, t2))
            t = SL_T_DOUBLE;
    }
    if (g.n_params) /* quantiles given as a list: a list of answers */
        g.type = sl_list_type(g.type);
    /* f(DISTINCT x) is f(x) where duplicates cannot change the result (min, max). */
    g.distinct = a->distinct && !fn->distinct_is_noop;
    g.text = sl_bind_name_of(c, a);
    q->aggs = sl_xrealloc(q->aggs, sizeof *q->aggs * (size_t)(q->n_aggs + 1));
    c->agg_keys = sl_xrealloc(c->agg_keys, sizeof *c->agg_keys * (size_t)(q->n_aggs + 1));
    q->aggs[q->n_aggs] = g;
    c->agg_keys[q->n_aggs] = key;
    *slot = q->n_aggs++;
    return 0;
}

static const char *agg_place(sl_bind_mode m)
{
    switch (m) {
    case BM_WHERE: return "aggregate functions are not allowed in WHERE";
    case BM_GROUP: return "aggregate functions are not allowed in GROUP BY";
    case BM_AGGARG: return "aggregate function calls cannot be nested";
    default: return "aggregate function not allowed here";
    }
}

/* A reference to column i of the layout, named after a. */
static __attribute__((noinline)) void col_ref(sl_bind_ctx *c, const sl_ast_expr *a, int i,
                                              sl_type t, sl_expr **out)
{
    char *text = node_text(c, a);
    *out = sl_expr_col(i, t, text);
    sl_free(text);
}

static int bind_expr_at(sl_bind_ctx *c, const sl_ast_expr *a, sl_expr **out);

/* An INTERVAL literal (parser.c: "interval"(months, days, micros)). */
static bool is_interval(const sl_ast_expr *a)
{
    return a->kind == A_FUNC && a->n_args == 3 && strcmp(a->name, "interval") == 0 &&
           !a->over && a->args[0]->kind == A_INT;
}

/* An INTERVAL literal as a constant INTERVAL value; out of INTERVAL's range (int32 months
 * and days) an error. */
static int bind_interval_lit(sl_bind_ctx *c, const sl_ast_expr *a, sl_expr **out)
{
    int64_t mo = a->args[0]->ival, d = a->args[1]->ival;
    if (mo < INT32_MIN || mo > INT32_MAX || d < INT32_MIN || d > INT32_MAX)
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "INTERVAL out of range");
    char b[SL_IV_BYTES];
    sl_interval_put(b, (sl_interval){(int32_t)mo, (int32_t)d, a->args[2]->ival});
    sl_value v = {.type = SL_T_INTERVAL, .v.s = {b, SL_IV_BYTES}};
    *out = sl_expr_const(&v, "interval");
    return 0;
}

/*
 * The select-list alias a names (A_COL), if any: its bound item copied (QUALIFY, HAVING) or
 * its item bound here (WHERE; only the aliases before it are visible while it is bound, so
 * `a AS b, b AS a` cannot loop). Returns the item's index with *out set (NULL: binding it
 * failed, the error recorded), or -1 when a is no alias.
 */
static int alias_ref(sl_bind_ctx *c, const sl_ast_expr *a, sl_expr **out)
{
    *out = NULL;
    for (int i = 0; i < c->n_alias; i++) {
        if (!c->alias_names[i] || strcasecmp(c->alias_names[i], a->name) != 0)
            continue;
        if (!c->alias_asts) {
            *out = sl_expr_copy(c->alias_exprs[i]);
            return i;
        }
        int saved = c->n_alias;
        c->n_alias = i;
        sl_bind_expr(c, c->alias_asts[i], out);
        c->n_alias = saved;
        return i;
    }
    return -1;
}

/* s [NOT] LIKE p ESCAPE e; ILIKE is LIKE over lower() of all three (as DuckDB's ILIKE). */
static int bind_like_escape(sl_bind_ctx *c, const sl_ast_expr *a, sl_expr **out)
{
    sl_expr *args[3] = {0};
    int rc = 0, n = 0;
    for (; n < 3; n++) {
        if ((rc = sl_bind_expr(c, a->args[n], &args[n])))
            break;
        sl_expr *low = NULL;
        if (a->ilike) {
            rc = call_func(c, a->args[n], "lower", &args[n], 1, &low);
            args[n] = low; /* lower() took the argument over, also on failure */
            if (rc)
                break;
        }
    }
    if (!rc)
        return call_func(c, a, a->negated ? "NOT_LIKE_ESCAPE" : "LIKE_ESCAPE", args, 3, out);
    for (int i = 0; i < n; i++)
        sl_expr_free(&args[i]);
    return rc;
}

/* a <@ b: list_has_all(b, a). */
static int bind_contained(sl_bind_ctx *c, const sl_ast_expr *a, sl_expr **out)
{
    sl_expr *args[2] = {NULL, NULL};
    int rc = sl_bind_expr(c, a->args[1], &args[0]);
    if (!rc && (rc = sl_bind_expr(c, a->args[0], &args[1])))
        sl_expr_free(&args[0]);
    return rc ? rc : call_func(c, a, "list_has_all", args, 2, out);
}

/* ---- lambdas: list_transform(l, x -> body), list_filter(l, lambda x, i: body) ---- */

/* Lambda parameter k of the scope: LAMBDA_PARAM(k), which the list function's kernel turns
 * into a column of the rows it evaluates the body over (func/fn_list_ops.c). */
static int lambda_param(int k, sl_type t, const char *name, sl_expr **out)
{
    sl_value v = { .type = SL_T_BIGINT, .v.i = k };
    sl_expr *arg = sl_expr_const(&v, name);
    *out = sl_expr_new(SL_E_CALL, t, 1, &arg, name);
    (*out)->fn = SL_FN_LAMBDA_PARAM;
    return 0;
}

/* f(l, lambda [, initial]): the list bound first, then the body with the lambda's parameters
 * in scope: the element and its 1-based index, or for list_reduce the accumulator, the
 * element and its index; the call gets a hidden argument after the lambda: the slot of its
 * first parameter times 4 plus their number (then list_reduce's initial value, if any). */
static __attribute__((noinline)) int bind_lambda_call(sl_bind_ctx *c, const sl_ast_expr *a,
                                                      sl_expr **out)
{
    const sl_ast_expr *lam = a->args[1];
    int np = lam->n_args - 1;
    bool reduce = strcasecmp(a->name, "list_reduce") == 0 || strcasecmp(a->name, "reduce") == 0 ||
                  strcasecmp(a->name, "array_reduce") == 0;
    if (!sl_func_exists(a->name))
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "unknown function \"%s\"", a->name);
    if (a->n_args > (reduce ? 3 : 2))
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "%s: too many arguments", a->name);
    if (np < 1 + reduce || np > 2 + reduce || c->n_lambda + np > 8)
        return sl_bind_error(c, lam->line, lam->col, SL_EBIND, "%s", reduce
                             ? "list_reduce's lambda takes two or three parameters (the "
                               "accumulator, the element, its index)"
                             : "a lambda takes one or two parameters (the element and its "
                               "index), at most 8 in scope");
    for (int k = 0; k < np; k++)
        if (lam->args[k]->kind != A_COL || lam->args[k]->qual)
            return sl_bind_error(c, lam->line, lam->col, SL_EBIND, "%s", "a lambda parameter "
                                 "must be a plain name");
    sl_expr *args[4] = {NULL, NULL, NULL, NULL};
    int rc = sl_bind_expr(c, a->args[0], &args[0]);
    if (rc)
        return rc;
    if (!sl_type_is_list(args[0]->type)) {
        sl_expr_free(&args[0]);
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "%s: the first argument must be a "
                             "list", a->name);
    }
    int base = c->n_lambda;
    for (int k = 0; k < np; k++) {
        c->lambda_name[base + k] = lam->args[k]->name;
        c->lambda_type[base + k] = k < 1 + reduce ? sl_list_elem(args[0]->type) : SL_T_BIGINT;
    }
    c->n_lambda += np;
    rc = sl_bind_expr(c, lam->args[np], &args[1]);
    c->n_lambda = base;
    if (rc) {
        sl_expr_free(&args[0]);
        return rc;
    }
    sl_value v = { .type = SL_T_BIGINT, .v.i = base * 4 + np };
    args[2] = sl_expr_const(&v, "lambda");
    if (a->n_args == 3 && (rc = sl_bind_expr(c, a->args[2], &args[3]))) {
        for (int k = 0; k < 3; k++)
            sl_expr_free(&args[k]);
        return rc;
    }
    char *text = node_text(c, a);
    sl_err tmp = {0};
    rc = sl_func_bind(a->name, args, a->n_args == 3 ? 4 : 3, text, out, &tmp);
    sl_free(text);
    return rc ? wrap(c, a, &tmp) : 0;
}

int sl_bind_expr(sl_bind_ctx *c, const sl_ast_expr *a, sl_expr **out)
{
    c->level++;
    int rc = bind_expr_at(c, a, out);
    c->level--;
    return rc;
}

/* s.a where s is a column (of a STRUCT) or a lambda's parameter, not a table: DuckDB reads the
 * field there. Binds it as struct_extract(s, 'a') (through the group keys when s is one) and
 * returns 1; 0 when a is not such a reference. */
static int struct_field_ref(sl_bind_ctx *c, const sl_ast_expr *a, sl_expr **out, int *rc)
{
    if (a->kind != A_COL || !a->qual)
        return 0;
    bool lam = false; /* x.a of a lambda's parameter x: hides tables named x too */
    for (int k = 0; k < c->n_lambda; k++)
        lam = lam || strcmp(c->lambda_name[k], a->qual) == 0;
    if (!lam && (sl_bind_find_col(c, a) >= 0 || has_qual(c, a->qual) ||
                 (c->alias && strcasecmp(a->qual, c->alias) == 0)))
        return 0;
    sl_ast_expr col = *a, name = *a, call = *a, *args[2] = {&col, &name};
    col.qual = NULL;
    col.name = a->qual;
    col.text = a->text;
    col.text_len = (int64_t)strlen(a->qual);
    if (!lam && sl_bind_find_col(c, &col) < 0)
        return 0;
    name.kind = A_STR;
    name.qual = NULL;
    name.sval = a->name;
    call.kind = A_FUNC;
    call.qual = NULL;
    call.name = (char *)"struct_extract";
    call.n_args = 2;
    call.args = args;
    *rc = bind_call(c, &call, "struct_extract", out);
    return 1;
}

/* The rare cases of bind_expr_at with big locals live in functions of their own (noinline):
 * bind_expr_at recurses once per level of an expression (up to SL_SQL_MAX_EXPR_DEPTH), so its
 * frame is paid a thousand times over (under AddressSanitizer, with redzones, a 900-level
 * chain overflowed the 8 MB stack). */

/* A USING column of a RIGHT / FULL join (column i): whichever side has the row. */
static __attribute__((noinline)) int bind_using_col(sl_bind_ctx *c, const sl_ast_expr *a,
                                                    int i, sl_expr **out)
{
    int r = c->col_using[i];
    sl_expr *args[2] = { *out, sl_expr_col(r, c->col_types[r], c->col_names[r]) };
    sl_err tmp = {0};
    *out = NULL;
    if (sl_func_bind("coalesce", args, 2, c->col_names[i], out, &tmp))
        return wrap(c, a, &tmp);
    return 0;
}

/* -2^127: the digits alone are a UHUGEINT, their negation HUGEINT's minimum (as DuckDB types
 * the literal). */
static __attribute__((noinline)) int bind_hugeint_min(sl_bind_ctx *c, const sl_ast_expr *a,
                                                      sl_expr **out)
{
    char enc[SL_I128_BYTES];
    sl_i128_store(enc, SL_I128_MIN);
    sl_value v = {.type = SL_T_HUGEINT};
    v.v.s.p = enc;
    v.v.s.len = SL_I128_BYTES;
    char *text = node_text(c, a);
    *out = sl_expr_const(&v, text);
    sl_free(text);
    return 0;
}

static int bind_expr_at(sl_bind_ctx *c, const sl_ast_expr *a, sl_expr **out)
{
    *out = NULL;
    if (a->kind == A_FUNC && a->over)
        return sl_bind_window(c, a, out);
    /* A lambda's parameter hides columns and aliases of its name (innermost first). */
    for (int k = c->n_lambda - 1; a->kind == A_COL && !a->qual && k >= 0; k--)
        if (strcmp(c->lambda_name[k], a->name) == 0)
            return lambda_param(k, c->lambda_type[k], a->name, out);
    int src;
    if (struct_field_ref(c, a, out, &src))
        return src;
    if (a->kind == A_COL && c->n_alias && !a->qual && sl_bind_find_col(c, a) < 0)
        if (alias_ref(c, a, out) >= 0)
            return *out ? 0 : c->b->err->code;
    if (c->mode == BM_POST) {
        int k = group_key_of(c, a);
        if (k >= 0) {
            col_ref(c, a, k, c->q->groups[k]->type, out);
            return 0;
        }
        if (is_agg_call(a)) {
            int slot = -1, rc = bind_agg(c, a, &slot);
            if (rc)
                return rc;
            *out = sl_expr_col(c->q->n_groups + slot, c->q->aggs[slot].type,
                               c->q->aggs[slot].text);
            return 0;
        }
        if (a->kind == A_COL && c->n_alias && !a->qual && alias_ref(c, a, out) >= 0)
            return *out ? 0 : c->b->err->code; /* HAVING: an alias of an ungrouped name */
        if (a->kind == A_COL) {
            if (sl_bind_find_col(c, a) < 0)
                return col_not_found(c, a);
            int i = sl_bind_find_col(c, a);
            if (c->distinct)
                return sl_bind_error(c, a->line, a->col, SL_EBIND,
                                     "for SELECT DISTINCT, ORDER BY expressions must appear in "
                                     "the select list (\"%s\" does not)", c->col_names[i]);
            return sl_bind_error(c, a->line, a->col, SL_EBIND,
                                 "column \"%s\" must appear in the GROUP BY clause or be used "
                                 "in an aggregate function", c->col_names[i]);
        }
    }
    switch (a->kind) {
    case A_INT:
    case A_DBL:
    case A_STR:
    case A_BOOL:
    case A_NULL:
    case A_TYPED:
        return bind_const(c, a, out);
    case A_COL: {
        int i = sl_bind_find_col(c, a);
        if (i < 0)
            return col_not_found(c, a);
        *out = sl_expr_col(i, c->col_types[i], c->col_names[i]);
        if (!a->qual && c->col_using && c->col_using[i] >= 0)
            return bind_using_col(c, a, i, out);
        return 0;
    }
    case A_STAR:
        return sl_bind_error(c, a->line, a->col, SL_EBIND,
                             "* is only allowed in the select list and in count(*)");
    case A_UNARY:
        if (strcmp(a->op, "NEG") == 0 && a->args[0]->kind == A_DBL && a->args[0]->sval &&
            strcmp(a->args[0]->sval, "170141183460469231731687303715884105728") == 0)
            return bind_hugeint_min(c, a, out);
        return bind_call(c, a, a->op, out);
    case A_BINARY:
        if (strcmp(a->op, "->") == 0)
            return sl_bind_error(c, a->line, a->col, SL_EBIND, "%s", "a lambda (x -> ...) is "
                                 "only allowed as the last argument of list_transform or "
                                 "list_filter");
        if (strcmp(a->op, "<@") == 0) /* a <@ b is b @> a: list_has_all(b, a) */
            return bind_contained(c, a, out);
        return bind_call(c, a, a->op, out);
    case A_ISNULL:
        return bind_call(c, a, a->negated ? "IS_NOT_NULL" : "IS_NULL", out);
    case A_IN:
        if (a->subq)
            return sl_bind_error(c, a->line, a->col, SL_EBIND, "IN (subquery) is only "
                                 "supported as a condition AND-ed at the top of WHERE");
        return bind_call(c, a, a->negated ? "NOT_IN" : "IN", out);
    case A_EXISTS:
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "[NOT] EXISTS (subquery) is only "
                             "supported as a condition AND-ed at the top of WHERE");
    case A_SUBQUERY:
        return sl_bind_scalar_ref(c, a, out);
    case A_BETWEEN:
        return bind_call(c, a, a->negated ? "NOT_BETWEEN" : "BETWEEN", out);
    case A_LIKE:
        if (a->n_args > 2)
            return bind_like_escape(c, a, out);
        return bind_call(c, a, a->ilike ? (a->negated ? "NOT_ILIKE" : "ILIKE")
                                        : (a->negated ? "NOT_LIKE" : "LIKE"), out);
    case A_CASE:
        return bind_case(c, a, out);
    case A_CAST: {
        sl_expr *x;
        int rc = sl_bind_expr(c, a->args[0], &x);
        return rc ? rc : cast_func(c, a, x, out);
    }
    case A_FUNC:
        if (is_interval(a))
            return bind_interval_lit(c, a, out);
        if (sl_ast_is_columns(a))
            return sl_bind_error(c, a->line, a->col, SL_EBIND, "COLUMNS(...) outside the "
                                 "select list is not supported");
        if (is_agg_call(a))
            return sl_bind_error(c, a->line, a->col, SL_EBIND, "%s", agg_place(c->mode));
        if (a->star || a->distinct || a->filter || a->n_agg_order)
            return sl_bind_error(c, a->line, a->col, SL_EBIND, "%s(%s...%s)%s is not valid: %s "
                                 "is not an aggregate function", a->name,
                                 a->star ? "*" : a->distinct ? "DISTINCT " : "",
                                 a->n_agg_order ? " ORDER BY" : "",
                                 a->filter ? " FILTER" : "", a->name);
        if ((a->n_args == 2 || a->n_args == 3) && a->args[1]->kind == A_BINARY &&
            strcmp(a->args[1]->op, "->") == 0)
            return bind_lambda_call(c, a, out);
        return bind_call(c, a, a->name, out);
    }
    return sl_bind_error(c, a->line, a->col, SL_EINTERNAL, "unknown expression kind %d",
                         (int)a->kind);
}
