/*
 * The table-function calls a query reaches (sl_sql_calls, sql.h): what the session opens,
 * collectively, before binding, so that the binder never opens a file. The walk follows the
 * binder's own resolution of FROM: a table function is a call; a subquery and both inputs
 * of a set operation are walked; a name is a persisted table (no file) or a view of the
 * catalog (walked); the bodies of a query's CTEs are walked where they are defined (a CTE
 * name itself resolves to nothing here). A query part the binder learns to bind must be
 * walked here too, or binding it reports the call as not opened. Local.
 */
#include "sql/sql_int.h"

#include <strings.h>

#include "core/mem.h"

/* Deeper than the binder ever goes (it stops at 32 levels of views and subqueries and
 * reports it); the walk only has to stop on a view that refers to itself. */
#define WALK_MAX_DEPTH 64

typedef struct calls {
    const sl_fmt_call **v;
    int n, cap;
} calls;

static void add(calls *l, const sl_fmt_call *c)
{
    for (int i = 0; i < l->n; i++)
        if (l->v[i] == c)
            return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->v = sl_xrealloc(l->v, sizeof *l->v * (size_t)l->cap);
    }
    l->v[l->n++] = c;
}

static bool is_table(const sl_catalog *cat, const char *name)
{
    for (int i = 0; cat && i < cat->n_tables; i++)
        if (strcasecmp(cat->tables[i]->name, name) == 0)
            return true;
    return false;
}

static const sl_ast_query *view(const sl_catalog *cat, const char *name)
{
    for (int i = 0; cat && i < cat->n; i++)
        if (strcasecmp(cat->names[i], name) == 0)
            return cat->queries[i];
    return NULL;
}

static void walk(const sl_ast_query *q, const sl_catalog *cat, int depth, calls *l);

/* Subqueries inside an expression (IN (subquery), EXISTS, scalar subqueries). */
static void walk_expr(const sl_ast_expr *e, const sl_catalog *cat, int depth, calls *l)
{
    if (!e)
        return;
    if (e->subq)
        walk(e->subq, cat, depth + 1, l);
    for (int i = 0; i < e->n_args; i++)
        walk_expr(e->args[i], cat, depth, l);
    walk_expr(e->filter, cat, depth, l);
}

static void walk(const sl_ast_query *q, const sl_catalog *cat, int depth, calls *l)
{
    if (!q || depth > WALK_MAX_DEPTH)
        return;
    walk_expr(q->where, cat, depth, l);
    /* scalar subqueries may be anywhere an expression is (bind_subquery.c) */
    for (int i = 0; i < q->n_items; i++)
        walk_expr(q->items[i].e, cat, depth, l);
    for (int i = 0; i < q->n_groups; i++)
        walk_expr(q->groups[i], cat, depth, l);
    walk_expr(q->having, cat, depth, l);
    walk_expr(q->qualify, cat, depth, l);
    for (int i = 0; i < q->n_distinct_on; i++)
        walk_expr(q->distinct_on[i], cat, depth, l);
    for (int i = 0; i < q->n_order; i++)
        walk_expr(q->order[i].e, cat, depth, l);
    for (int i = 0; i < q->n_ctes; i++)
        walk(q->ctes[i], cat, depth + 1, l);
    if (!q->has_from)
        return;
    const sl_ast_source *s = &q->from;
    switch (s->kind) {
    case AS_FUNC:
        add(l, &s->call);
        break;
    case AS_QUERY:
        walk(s->sub, cat, depth + 1, l);
        break;
    case AS_SETOP:
    case AS_JOIN:
        walk(s->sub, cat, depth + 1, l);
        walk(s->right, cat, depth + 1, l);
        break;
    case AS_NAME:
        if (!is_table(cat, s->name))
            walk(view(cat, s->name), cat, depth + 1, l);
        break;
    }
}

int sl_sql_calls(const sl_ast_query *ast, const sl_catalog *cat, const sl_fmt_call ***out)
{
    calls l = {0};
    walk(ast, cat, 0, &l);
    *out = l.v;
    return l.n;
}
