/*
 * Subqueries used as values: scalar subqueries `(SELECT ...)` anywhere an expression goes,
 * and the NULL rule of `x NOT IN (SELECT y ...)` (whose anti join bind.c builds).
 *
 * An uncorrelated scalar subquery is bound once as a one-row side query
 *   SELECT any_value(c), count(*) FROM (subquery)
 * and CROSS-joined onto the query's source, so its value and row count are two more (hidden)
 * columns of L0 on every row: the planner broadcasts the one-row side (plan/plan_join.c) and
 * nothing is gathered. The expression reads SCALAR_SUBQUERY(count, value) (func/fn_subquery.c),
 * which raises DuckDB's error when the subquery gave more than one row; none gives NULL. In
 * an aggregate query's select list, HAVING or ORDER BY (over groups) the value is the group's
 * any_value of that column: the same on every row of the group. Local.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "func/func.h"
#include "sql/sql_int.h"

/* ---- building the side query's AST ---- */

static sl_ast_expr *ast_node(sl_ast_kind kind, const sl_ast_expr *at, const char *name)
{
    sl_ast_expr *e = sl_xcalloc(1, sizeof *e);
    e->kind = kind;
    e->line = at->line;
    e->col = at->col;
    e->height = 1;
    e->name = sl_xstrdup(name);
    e->text = e->name; /* borrowed from itself */
    e->text_len = (int64_t)strlen(e->name);
    return e;
}

/* L0 column i (0-based) by position, named name. */
static sl_ast_expr *ast_col(const sl_ast_expr *at, int i, const char *name)
{
    sl_ast_expr *e = ast_node(A_COL, at, name);
    e->col_index = i + 1;
    e->quoted = true;
    return e;
}

/* fn(arg) or fn(*) when arg is NULL (takes arg). */
static sl_ast_expr *ast_call(const sl_ast_expr *at, const char *fn, sl_ast_expr *arg)
{
    sl_ast_expr *e = ast_node(A_FUNC, at, fn);
    if (arg) {
        e->args = sl_xcalloc(1, sizeof *e->args);
        e->args[e->n_args++] = arg;
        e->height = arg->height + 1;
    } else {
        e->star = true;
    }
    return e;
}

/*
 * Binds SELECT f1, f2 FROM (sq) where sq must have one column: scalar = true: [any_value(c),
 * count(*)], else [count(*), count(c)]. Returns the bound side in *out.
 */
static int bind_side(sl_bind_ctx *c, const sl_ast_expr *a, const char *what, bool scalar,
                     sl_query **out)
{
    sl_ast_query *w = sl_xcalloc(1, sizeof *w);
    w->line = a->line;
    w->col = a->col;
    w->limit = -1;
    w->has_from = true;
    w->from.kind = AS_QUERY;
    w->from.line = a->line;
    w->from.col = a->col;
    w->from.sub = a->subq; /* borrowed: detached before w is freed */
    w->n_items = 2;
    w->items = sl_xcalloc(2, sizeof *w->items);
    sl_ast_expr *col = ast_col(a, 0, "subquery column");
    w->items[0].e = scalar ? ast_call(a, "any_value", col) : ast_call(a, "count", NULL);
    w->items[1].e = scalar ? ast_call(a, "count", NULL) : ast_call(a, "count", col);
    /* The subquery's own width, before the side's pruning keeps the one column read. */
    sl_query *side = NULL;
    int rc = sl_bind_child_query(c, &w->from, a->subq, &side);
    if (!rc && side->n_outs != 1)
        rc = sl_bind_error(c, a->line, a->col, SL_EBIND, "Subquery %sreturns %d columns - "
                           "expected 1", what, side->n_outs);
    sl_query_free(&side);
    if (!rc)
        rc = sl_bind_child_query(c, &w->from, w, &side);
    w->from.sub = NULL;
    sl_ast_query_free(&w);
    if (rc) {
        sl_query_free(&side);
        return rc;
    }
    *out = side;
    return 0;
}

/*
 * CROSS JOINs the two-column one-row side onto q's source: L0 grows by two hidden columns
 * named name_v / name_n (value, count). Returns the L0 index of the first. A correlated
 * side (on not NULL: its GROUP BY keys, then the value) is LEFT JOINed ON on instead (taken),
 * its columns named name_k1, ... name_v.
 */
static int join_side_on(sl_bind_ctx *c, sl_query *side, const char *name, sl_expr *on)
{
    int n = c->n_cols, m = n + side->n_outs;
    sl_query *left = sl_bind_wrap_source(c);
    sl_source *src = &c->q->src;
    src->kind = SL_SRC_JOIN;
    src->join = on ? SL_JOIN_LEFT : SL_JOIN_CROSS;
    src->on = on;
    src->child = left;
    src->right = side;
    src->n_file_cols = m;
    src->file_col_names = sl_xcalloc((size_t)m + 1, sizeof *src->file_col_names);
    src->file_col_types = sl_xcalloc((size_t)m + 1, sizeof *src->file_col_types);
    src->n_quals = m;
    src->col_quals = sl_xcalloc((size_t)m + 1, sizeof *src->col_quals);
    src->col_hidden = sl_xcalloc((size_t)m + 1, sizeof *src->col_hidden);
    src->col_using = sl_xcalloc((size_t)m + 1, sizeof *src->col_using);
    for (int i = 0; i < m; i++) {
        if (i < n) {
            src->file_col_names[i] = sl_xstrdup(c->col_names[i]);
            src->file_col_types[i] = c->col_types[i];
            const char *qual = c->col_quals ? c->col_quals[i] : c->alias;
            src->col_quals[i] = qual ? sl_xstrdup(qual) : NULL;
            src->col_hidden[i] = c->col_hidden ? c->col_hidden[i] : false;
            src->col_using[i] = c->col_using ? c->col_using[i] : -1;
            continue;
        }
        char buf[80];
        if (on && i < m - 1)
            snprintf(buf, sizeof buf, "%s_k%d", name, i - n + 1);
        else
            snprintf(buf, sizeof buf, "%s_%c", name, i == n || on ? 'v' : 'n');
        src->file_col_names[i] = sl_xstrdup(buf);
        src->file_col_types[i] = side->outs[i - n]->type;
        src->col_hidden[i] = true;
        src->col_using[i] = -1;
    }
    c->n_cols = m;
    c->col_names = src->file_col_names;
    c->col_types = src->file_col_types;
    c->col_quals = src->col_quals;
    c->col_hidden = src->col_hidden;
    c->col_using = src->col_using;
    return on ? m - 1 : n;
}

static int join_side(sl_bind_ctx *c, sl_query *side, const char *name)
{
    return join_side_on(c, side, name, NULL);
}

/* ---- scalar subqueries ---- */

typedef struct found { int n; const sl_ast_expr **v; } found;

/* Collects the A_SUBQUERY nodes of a, not descending into any subquery. */
static void collect(const sl_ast_expr *a, found *f)
{
    if (!a)
        return;
    if (a->kind == A_SUBQUERY) {
        f->v = sl_xrealloc(f->v, sizeof *f->v * (size_t)(f->n + 1));
        f->v[f->n++] = a;
        return;
    }
    for (int i = 0; i < a->n_args; i++)
        collect(a->args[i], f);
    collect(a->filter, f);
    if (a->over) {
        for (int i = 0; i < a->over->n_part; i++)
            collect(a->over->part[i], f);
        for (int i = 0; i < a->over->n_order; i++)
            collect(a->over->order[i].e, f);
    }
}

/* ---- correlated scalar subqueries ---- */

/* Appends the AND-ed conjuncts of a (borrowed). */
static void conjuncts(const sl_ast_expr *a, found *f)
{
    if (a->kind == A_BINARY && strcmp(a->op, "AND") == 0) {
        conjuncts(a->args[0], f);
        conjuncts(a->args[1], f);
        return;
    }
    f->v = sl_xrealloc(f->v, sizeof *f->v * (size_t)(f->n + 1));
    f->v[f->n++] = a;
}

/* count and approx_count_distinct give 0, not NULL, over no rows. */
static bool is_count(const sl_ast_expr *a)
{
    return a->kind == A_FUNC && !a->over && (strcasecmp(a->name, "count") == 0 ||
                                             strcasecmp(a->name, "approx_count_distinct") == 0);
}

static bool has_count(const sl_ast_expr *a)
{
    if (!a || a->subq)
        return false;
    if (is_count(a))
        return true;
    for (int i = 0; i < a->n_args; i++)
        if (has_count(a->args[i]))
            return true;
    return false;
}

/* a AND b: a new node over borrowed operands (free with sl_free of args, then of it). */
static sl_ast_expr *ast_and(sl_ast_expr *x, sl_ast_expr *y)
{
    sl_ast_expr *e = sl_xcalloc(1, sizeof *e);
    e->kind = A_BINARY;
    e->op = "AND";
    e->line = x->line;
    e->col = x->col;
    e->height = (x->height > y->height ? x->height : y->height) + 1;
    e->text = "AND";
    e->text_len = 3;
    e->args = sl_xcalloc(2, sizeof *e->args);
    e->args[0] = x;
    e->args[1] = y;
    e->n_args = 2;
    return e;
}

static int corr_error(sl_bind_ctx *c, const sl_ast_expr *a, const char *what)
{
    return sl_bind_error(c, a->line, a->col, SL_EBIND, "correlated subquery %s is not "
                         "supported (supported: (SELECT agg(...) FROM ... WHERE inner = outer "
                         "[AND ...]), whose other conditions read only the subquery's columns)",
                         what);
}

/*
 * (SELECT f(agg(y)) FROM s WHERE s.k = outer.k AND cond) reading outer columns only in
 * inner = outer equalities AND-ed at the top of its WHERE: the side
 *   SELECT s.k, f(agg(y)) FROM s WHERE cond GROUP BY s.k
 * LEFT JOINed ON outer.k = s.k. No matching group gives NULL; count(...) gives 0 then, as
 * DuckDB does. Records the value column (and whether it is a count) in c->scalar_*.
 */
static int corr_scalar(sl_bind_ctx *c, const sl_ast_expr *a, const sl_corr *k, int refs,
                       int *col, int *kind)
{
    const sl_ast_query *sq = a->subq;
    if (refs & SL_CORR_NESTED)
        return corr_error(c, a, "nested two levels deep (an outer column inside a subquery "
                          "of the subquery)");
    if (sq->n_groups || sq->group_all || sq->having || sq->distinct || sq->limit >= 0 ||
        sq->offset || sq->qualify || sq->n_distinct_on || sq->n_order || sq->order_all)
        return corr_error(c, a, "with GROUP BY, HAVING, DISTINCT, ORDER BY, LIMIT or OFFSET");
    if (sq->n_items != 1 || sq->items[0].e->kind == A_STAR)
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "Subquery returns %d columns - "
                             "expected 1", sq->n_items);
    const sl_ast_expr *item = sq->items[0].e;
    if (sl_bind_corr_refs(k, c, item) & SL_CORR_OUTER)
        return corr_error(c, a, "reading an outer column in its select list");
    if (!sl_ast_has_agg(item))
        return corr_error(c, a, "without an aggregate (which makes it one row per outer "
                          "row)");
    if (has_count(item) && !is_count(item))
        return corr_error(c, a, "with count() inside an expression");
    found conj = {0}, inner = {0}, ikeys = {0}, okeys = {0};
    if (sq->where)
        conjuncts(sq->where, &conj);
    int rc = 0;
    for (int i = 0; i < conj.n && !rc; i++) {
        const sl_ast_expr *e = conj.v[i];
        if (!(sl_bind_corr_refs(k, c, e) & SL_CORR_OUTER)) {
            conjuncts(e, &inner); /* appends e itself */
            continue;
        }
        int f0 = -1, f1 = -1;
        if (e->kind == A_BINARY && strcmp(e->op, "=") == 0) {
            f0 = sl_bind_corr_refs(k, c, e->args[0]);
            f1 = sl_bind_corr_refs(k, c, e->args[1]);
        }
        int s = f0 == SL_CORR_INNER && f1 == SL_CORR_OUTER ? 0
              : f0 == SL_CORR_OUTER && f1 == SL_CORR_INNER ? 1 : -1;
        if (s < 0) {
            rc = corr_error(c, a, "with a condition on outer columns other than inner = "
                            "outer AND-ed at the top of its WHERE (under OR, or a "
                            "non-equality)");
            break;
        }
        const sl_ast_expr *ik = e->args[s], *ok = e->args[1 - s];
        ikeys.v = sl_xrealloc(ikeys.v, sizeof *ikeys.v * (size_t)(ikeys.n + 1));
        ikeys.v[ikeys.n++] = ik;
        okeys.v = sl_xrealloc(okeys.v, sizeof *okeys.v * (size_t)(okeys.n + 1));
        okeys.v[okeys.n++] = ok;
    }
    /* The side: the subquery with the keys, the item and the GROUP BY, for the while (the
     * query itself is bound, not a copy: its FROM's table functions were opened before
     * binding and are found by their address). */
    sl_query *side = NULL;
    sl_ast_expr **ands = NULL;
    int n_ands = 0;
    if (!rc) {
        sl_ast_query *w = (sl_ast_query *)sq, saved = *sq;
        int nk = ikeys.n;
        w->n_items = nk + 1;
        w->items = sl_xcalloc((size_t)nk + 1, sizeof *w->items);
        for (int i = 0; i < nk; i++)
            w->items[i].e = (sl_ast_expr *)ikeys.v[i];
        w->items[nk].e = (sl_ast_expr *)item;
        w->n_groups = nk;
        w->groups = (sl_ast_expr **)ikeys.v;
        w->where = inner.n ? (sl_ast_expr *)inner.v[0] : NULL;
        ands = sl_xcalloc((size_t)inner.n + 1, sizeof *ands);
        for (int i = 1; i < inner.n; i++)
            w->where = ands[n_ands++] = ast_and(w->where, (sl_ast_expr *)inner.v[i]);
        sl_ast_source at = {0};
        at.line = a->line;
        at.col = a->col;
        rc = sl_bind_child_query(c, &at, w, &side);
        sl_free(w->items);
        *w = saved;
    }
    for (int i = 0; i < n_ands; i++) {
        sl_free(ands[i]->args);
        sl_free(ands[i]);
    }
    sl_free(ands);
    /* ON outer.k1 = side.k1 AND ..., over L0 then the side's columns */
    sl_expr *on = NULL;
    int n = c->n_cols;
    for (int i = 0; i < okeys.n && !rc; i++) {
        sl_expr *x = NULL, *eq = NULL;
        c->mode = BM_WHERE;
        if ((rc = sl_bind_expr(c, okeys.v[i], &x)))
            break;
        /* Text compared with a number or date may equal it in several spellings ('1',
         * '01'): two groups would then match one outer row. */
        if ((x->type == SL_T_VARCHAR) != (side->outs[i]->type == SL_T_VARCHAR)) {
            sl_expr_free(&x);
            rc = corr_error(c, a, "comparing VARCHAR with another type in inner = outer (cast "
                            "one side)");
            break;
        }
        sl_expr *args[2] = { x, sl_expr_col(n + i, side->outs[i]->type, side->out_names[i]) };
        sl_err tmp = {0};
        rc = sl_func_bind("=", args, 2, "=", &eq, &tmp);
        if (!rc && on) {
            sl_expr *both[2] = { on, eq };
            on = NULL; /* taken, also on failure */
            rc = sl_func_bind("AND", both, 2, "AND", &eq, &tmp);
        }
        if (rc) {
            rc = sl_bind_error(c, a->line, a->col, SL_EBIND, "correlated subquery: %s",
                               tmp.msg);
            break;
        }
        on = eq;
    }
    if (!rc) {
        char name[40];
        snprintf(name, sizeof name, "__scalar_subquery_%d", c->n_scalar + 1);
        *col = join_side_on(c, side, name, on);
        *kind = is_count(item) ? 2 : 1;
        side = NULL;
        on = NULL;
    }
    sl_expr_free(&on);
    sl_query_free(&side);
    sl_free(conj.v);
    sl_free(inner.v);
    sl_free(ikeys.v);
    sl_free(okeys.v);
    return rc;
}

int sl_bind_scalar_subqueries(sl_bind_ctx *c, const sl_ast_query *ast)
{
    found f = {0};
    for (int i = 0; i < ast->n_items; i++)
        collect(ast->items[i].e, &f);
    collect(ast->where, &f);
    for (int i = 0; i < ast->n_groups; i++)
        collect(ast->groups[i], &f);
    collect(ast->having, &f);
    collect(ast->qualify, &f);
    for (int i = 0; i < ast->n_distinct_on; i++)
        collect(ast->distinct_on[i], &f);
    for (int i = 0; i < ast->n_order; i++)
        collect(ast->order[i].e, &f);
    int rc = 0;
    for (int i = 0; i < f.n && !rc; i++) {
        const sl_ast_expr *a = f.v[i];
        sl_corr k;
        if ((rc = sl_bind_corr_open(c, a, a->subq, &k)))
            break;
        int refs = sl_bind_corr_query_refs(&k, c, a->subq), col = -1, kind = 0;
        if (refs & (SL_CORR_OUTER | SL_CORR_NESTED)) {
            rc = corr_scalar(c, a, &k, refs, &col, &kind);
            sl_bind_corr_close(&k);
            if (rc)
                break;
        } else {
            sl_bind_corr_close(&k);
            sl_query *side = NULL;
            if ((rc = bind_side(c, a, "", true, &side)))
                break;
            char name[40];
            snprintf(name, sizeof name, "__scalar_subquery_%d", c->n_scalar + 1);
            col = join_side(c, side, name);
        }
        size_t sz = (size_t)(c->n_scalar + 1);
        c->scalar_ast = sl_xrealloc(c->scalar_ast, sizeof *c->scalar_ast * sz);
        c->scalar_col = sl_xrealloc(c->scalar_col, sizeof *c->scalar_col * sz);
        c->scalar_corr = sl_xrealloc(c->scalar_corr, sizeof *c->scalar_corr * sz);
        c->scalar_ast[c->n_scalar] = a;
        c->scalar_corr[c->n_scalar] = kind;
        c->scalar_col[c->n_scalar++] = col;
    }
    sl_free(f.v);
    return rc;
}

/* A scalar subquery above the aggregates of an ungrouped aggregate query. Local. */
static int ungrouped_scalar_error(sl_bind_ctx *c, const sl_ast_expr *a)
{
    return sl_bind_error(c, a->line, a->col, SL_EBIND, "a scalar subquery outside the "
                         "aggregate calls of a query without GROUP BY is not supported yet "
                         "(use it inside the aggregate's argument, or aggregate in a subquery "
                         "first)");
}

/* A correlated scalar subquery's value: its column (a group's any_value in an aggregate
 * query), 0 for a count that found no group. */
static int corr_ref(sl_bind_ctx *c, const sl_ast_expr *a, int col, bool count, sl_expr **out)
{
    sl_expr *v = NULL;
    if (c->mode == BM_POST) {
        if (c->q->n_groups == 0)
            return ungrouped_scalar_error(c, a);
        sl_ast_expr *call = ast_call(a, "any_value", ast_col(a, col, c->col_names[col]));
        int rc = sl_bind_expr(c, call, &v);
        sl_ast_expr_free(&call);
        if (rc)
            return rc;
    } else {
        v = sl_expr_col(col, c->col_types[col], c->col_names[col]);
    }
    char *text = sl_ast_text(a, SL_BIND_TEXT_MAX);
    if (count) {
        sl_value zv = { .type = SL_T_BIGINT };
        sl_expr *args[2] = { v, sl_expr_const(&zv, "0") };
        sl_err tmp = {0};
        v = NULL;
        if (sl_func_bind("coalesce", args, 2, text, &v, &tmp)) {
            sl_free(text);
            return sl_bind_error(c, a->line, a->col, SL_EINTERNAL, "%s", tmp.msg);
        }
    } else {
        sl_free(v->text);
        v->text = sl_xstrdup(text);
    }
    sl_free(text);
    *out = v;
    return 0;
}

int sl_bind_scalar_ref(sl_bind_ctx *c, const sl_ast_expr *a, sl_expr **out)
{
    int k = 0;
    while (k < c->n_scalar && c->scalar_ast[k] != a)
        k++;
    if (k == c->n_scalar)
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "a subquery used as a value is "
                             "only supported in the select list, WHERE, GROUP BY, HAVING, "
                             "QUALIFY and ORDER BY of a query");
    int col = c->scalar_col[k];
    sl_expr *args[2] = { NULL, NULL };
    int rc = 0;
    if (c->scalar_corr[k])
        return corr_ref(c, a, col, c->scalar_corr[k] == 2, out);
    if (c->mode == BM_POST) {
        if (c->q->n_groups == 0)
            return ungrouped_scalar_error(c, a);
        /* The same value on every row of a group: the group's any_value of the columns. */
        for (int i = 0; i < 2 && !rc; i++) {
            sl_ast_expr *call = ast_call(a, "any_value",
                                         ast_col(a, col + 1 - i, c->col_names[col + 1 - i]));
            rc = sl_bind_expr(c, call, &args[i]);
            sl_ast_expr_free(&call);
        }
    } else {
        args[0] = sl_expr_col(col + 1, c->col_types[col + 1], c->col_names[col + 1]);
        args[1] = sl_expr_col(col, c->col_types[col], c->col_names[col]);
    }
    if (rc) {
        sl_expr_free(&args[0]);
        sl_expr_free(&args[1]);
        return rc;
    }
    char *text = sl_ast_text(a, SL_BIND_TEXT_MAX);
    sl_err tmp = {0};
    rc = sl_func_bind("SCALAR_SUBQUERY", args, 2, text, out, &tmp);
    sl_free(text);
    if (rc)
        return sl_bind_error(c, a->line, a->col, SL_EINTERNAL, "%s", tmp.msg);
    return 0;
}

/* ---- NOT IN (subquery) ---- */

int sl_bind_not_in_nulls(sl_bind_ctx *c, const sl_ast_expr *a)
{
    sl_query *side = NULL;
    int rc = bind_side(c, a, "of NOT IN ", false, &side);
    if (rc)
        return rc;
    char name[40];
    snprintf(name, sizeof name, "__not_in_%d", c->n_cols);
    int col = join_side(c, side, name);
    sl_expr *x = NULL;
    c->mode = BM_WHERE;
    if ((rc = sl_bind_expr(c, a->args[0], &x)))
        return rc;
    /* count(*) = 0 OR (x IS NOT NULL AND count(y) = count(*)) */
    sl_expr *n = sl_expr_col(col, SL_T_BIGINT, "count(*)");
    sl_value zv = { .type = SL_T_BIGINT };
    sl_expr *zero[2] = { sl_expr_copy(n), sl_expr_const(&zv, "0") };
    sl_expr *nn[2] = { sl_expr_col(col + 1, SL_T_BIGINT, "count(y)"), n };
    sl_expr *empty = NULL, *no_null_y = NULL, *x_ok = NULL, *known = NULL, *rule = NULL;
    sl_err tmp = {0};
    if (sl_func_bind("=", zero, 2, "count(*) = 0", &empty, &tmp) ||
        sl_func_bind("=", nn, 2, "count(y) = count(*)", &no_null_y, &tmp) ||
        sl_func_bind("IS_NOT_NULL", &x, 1, "x IS NOT NULL", &x_ok, &tmp))
        goto fail;
    sl_expr *both[2] = { x_ok, no_null_y };
    x_ok = no_null_y = NULL;
    if (sl_func_bind("AND", both, 2, "AND", &known, &tmp))
        goto fail;
    sl_expr *either[2] = { empty, known };
    empty = known = NULL;
    if (sl_func_bind("OR", either, 2, "NOT IN", &rule, &tmp))
        goto fail;
    if (c->q->where) {
        sl_expr *w[2] = { c->q->where, rule };
        c->q->where = rule = NULL;
        if (sl_func_bind("AND", w, 2, "AND", &c->q->where, &tmp))
            goto fail;
    } else {
        c->q->where = rule;
    }
    return 0;
fail:
    sl_expr_free(&empty);
    sl_expr_free(&no_null_y);
    sl_expr_free(&x_ok);
    sl_expr_free(&known);
    return sl_bind_error(c, a->line, a->col, SL_EINTERNAL, "%s", tmp.msg);
}

void sl_bind_scalar_free(sl_bind_ctx *c)
{
    sl_free(c->scalar_ast);
    sl_free(c->scalar_col);
    sl_free(c->scalar_corr);
    c->scalar_corr = NULL;
    c->scalar_ast = NULL;
    c->scalar_col = NULL;
    c->n_scalar = 0;
}
