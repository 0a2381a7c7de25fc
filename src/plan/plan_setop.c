/*
 * Planning UNION / EXCEPT / INTERSECT [ALL] (the SL_SRC_SETOP source of a select block).
 * Both inputs are planned as blocks and converted to the result's common types; then
 *
 *   UNION ALL        union (the rows of both, nothing moves)
 *   UNION            union -> distinct (partial agg on every column -> hash exchange -> final)
 *   INTERSECT/EXCEPT each input tags its rows (1, 0) or (0, 1) -> union -> aggregation on
 *                    every column counting the tags (so equal rows of both inputs meet on one
 *                    rank, through the exchange) -> filter on the counts: INTERSECT keeps rows
 *                    seen on both sides, EXCEPT rows seen only on the left
 *   ... ALL          the same counts, then each row repeated min(l, r) (INTERSECT ALL) or
 *                    l - r (EXCEPT ALL) times
 *
 * NULLs compare equal here, as in DISTINCT and GROUP BY (SQL's rule for set operations).
 * Local.
 */
#include "plan/plan_int.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "func/aggregate.h"
#include "func/func.h"

/* PROJECT of exprs (takes ownership of the array and its elements) with names (copied). */
static sl_pop *project(sl_pop *in, int n, sl_expr **exprs, char **names, int query)
{
    sl_type *t = sl_xcalloc((size_t)n + 1, sizeof *t);
    for (int i = 0; i < n; i++)
        t[i] = exprs[i]->type;
    sl_pop *op = sl_pop_new(SL_POP_PROJECT, "project", n, t, names);
    sl_free(t);
    op->u.project.n_exprs = n;
    op->u.project.exprs = exprs;
    return sl_plan_on_top(op, in, query);
}

/* Column i of in's layout as an expression. */
static sl_expr *col(const sl_pop *in, int i)
{
    return sl_expr_col(i, in->types[i], in->names ? in->names[i] : "");
}

/* One input: planned, converted to the result types, and (tagged) with (l, r) counters. */
static sl_pop *plan_input(sl_planner *p, const sl_query *in_q, const sl_source *src,
                          int tag, int query)
{
    sl_dist d;
    sl_pop *x = sl_plan_block(p, in_q, &d);
    int n = src->n_file_cols, m = n + (tag ? 2 : 0);
    bool same = tag == 0;
    for (int i = 0; i < n && same; i++)
        same = x->types[i] == src->file_col_types[i];
    if (same)
        return x;
    sl_expr **ex = sl_xcalloc((size_t)m + 1, sizeof *ex);
    char **names = sl_xcalloc((size_t)m + 1, sizeof *names);
    for (int i = 0; i < n; i++) {
        ex[i] = col(x, i);
        names[i] = src->file_col_names[i];
        if (x->types[i] != src->file_col_types[i]) {
            sl_err err;
            sl_err_clear(&err);
            /* The binder chose types every input converts to. */
            sl_func_bind_cast(ex[i], src->file_col_types[i], false, ex[i]->text, &ex[i], &err);
        }
    }
    if (tag) {
        sl_value one = { .type = SL_T_BIGINT, .v.i = 1 }, zero = { .type = SL_T_BIGINT };
        ex[n] = sl_expr_const(tag == 1 ? &one : &zero, "l");
        ex[n + 1] = sl_expr_const(tag == 2 ? &one : &zero, "r");
        names[n] = "l";
        names[n + 1] = "r";
    }
    sl_pop *op = project(x, m, ex, names, query);
    sl_free(names);
    return op;
}

static sl_pop *union_all(sl_pop *a, sl_pop *b, int query)
{
    sl_pop *u = sl_pop_new(SL_POP_UNION, "union", a->n_cols, a->types, a->names);
    u->query = query;
    sl_pop_add_child(u, a);
    sl_pop_add_child(u, b);
    return u;
}

/* Binds name(args...) (the planner's own expressions cannot fail to bind). */
static sl_expr *call(const char *name, sl_expr *a, sl_expr *b, const char *text)
{
    sl_expr *args[2] = { a, b }, *out = NULL;
    sl_err err;
    sl_err_clear(&err);
    sl_func_bind(name, args, b ? 2 : 1, text, &out, &err);
    return out;
}

static sl_expr *int_const(int64_t v)
{
    sl_value x = { .type = SL_T_BIGINT, .v.i = v };
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)v);
    return sl_expr_const(&x, t);
}

sl_pop *sl_plan_setop(sl_planner *p, const sl_query *q, int query)
{
    const sl_source *src = &q->src;
    int n = src->n_file_cols;
    bool counted = src->setop != SL_SETOP_UNION;
    sl_pop *l = plan_input(p, src->child, src, counted ? 1 : 0, query);
    sl_pop *r = plan_input(p, src->right, src, counted ? 2 : 0, query);
    sl_pop *x = union_all(l, r, query);
    if (src->setop == SL_SETOP_UNION && src->setop_all)
        return x;
    sl_expr **keys = sl_xcalloc((size_t)n + 1, sizeof *keys);
    for (int i = 0; i < n; i++)
        keys[i] = col(x, i);
    sl_agg counts[2];
    memset(counts, 0, sizeof counts);
    for (int k = 0; k < 2 && counted; k++) {
        sl_agg_init_call(&counts[k], &sl_aggfn_sum, SL_T_BIGINT);
        counts[k].type = SL_T_BIGINT; /* row counts: BIGINT, not sum's HUGEINT */
        counts[k].arg = col(x, n + k);
        counts[k].text = (char *)(k ? "sum(r)" : "sum(l)");
    }
    x = sl_plan_group(x, n, keys, counted ? 2 : 0, counts, query);
    for (int i = 0; i < n; i++)
        sl_expr_free(&keys[i]);
    sl_free(keys);
    sl_expr_free(&counts[0].arg);
    sl_expr_free(&counts[1].arg);
    if (!counted)
        return x;   /* UNION: the distinct rows */

    /* [cols..., l, r]: keep the rows the operation keeps, as often as it keeps them. */
    sl_expr *lpos = call(">", col(x, n), int_const(0), "l > 0");
    sl_expr *keep;
    if (src->setop == SL_SETOP_INTERSECT)
        keep = call("AND", lpos, call(">", col(x, n + 1), int_const(0), "r > 0"),
                    "l > 0 AND r > 0");
    else if (src->setop_all)
        keep = call("AND", lpos, call(">", col(x, n), col(x, n + 1), "l > r"), "l > r");
    else
        keep = call("AND", lpos, call("=", col(x, n + 1), int_const(0), "r = 0"),
                    "l > 0 AND r = 0");
    x = sl_plan_filter(x, keep, "filter", query);
    sl_expr_free(&keep);
    int m = n + (src->setop_all ? 1 : 0);
    sl_expr **ex = sl_xcalloc((size_t)m + 1, sizeof *ex);
    char **names = sl_xcalloc((size_t)m + 1, sizeof *names);
    for (int i = 0; i < n; i++) {
        ex[i] = col(x, i);
        names[i] = src->file_col_names[i];
    }
    if (src->setop_all) {
        ex[n] = src->setop == SL_SETOP_INTERSECT
                ? call("least", col(x, n), col(x, n + 1), "least(l, r)")
                : call("-", col(x, n), col(x, n + 1), "l - r");
        names[n] = "times";
    }
    x = project(x, m, ex, names, query);
    sl_free(names);
    if (!src->setop_all)
        return x;
    sl_pop *rep = sl_pop_new(SL_POP_REPEAT, "repeat", n, x->types, x->names);
    return sl_plan_on_top(rep, x, query);
}
