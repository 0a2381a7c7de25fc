/*
 * PIVOT without IN (`PIVOT src ON col USING agg(x) GROUP BY k`): the ON column's values come
 * from the data. The session finds them before binding (session.c, resolve_pivots): for each
 * such PIVOT the statement reaches (sl_sql_pivots) it runs sl_sql_pivot_values_query,
 *   SELECT DISTINCT col FROM src WHERE col IS NOT NULL
 * (distinct through the exchange; the data is never gathered), and hands every rank the same
 * values as text; sl_sql_pivot_set_values then adds the items PIVOT with an IN list of those
 * values would have (parse_query.c, parse_pivot), ordered as DuckDB orders them, so binding
 * and the one aggregation pass are those of PIVOT ... IN. Local.
 */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "sql/sql.h"
#include "sql/sql_int.h"

/* Deeper than the binder goes (views and subqueries nest at most 32 levels). */
#define WALK_MAX_DEPTH 64

typedef struct found { int n; sl_ast_query **v; } found;

static void walk(sl_ast_query *q, const sl_catalog *cat, int depth, found *f);

static void walk_expr(const sl_ast_expr *e, const sl_catalog *cat, int depth, found *f)
{
    if (!e)
        return;
    if (e->subq)
        walk(e->subq, cat, depth + 1, f);
    for (int i = 0; i < e->n_args; i++)
        walk_expr(e->args[i], cat, depth, f);
}

static void walk(sl_ast_query *q, const sl_catalog *cat, int depth, found *f)
{
    if (!q || depth > WALK_MAX_DEPTH)
        return;
    if (q->pivot_on) {
        for (int i = 0; i < f->n; i++)
            if (f->v[i] == q)
                return; /* a view or CTE read twice */
        f->v = sl_xrealloc(f->v, sizeof *f->v * (size_t)(f->n + 1));
        f->v[f->n++] = q;
    }
    walk_expr(q->where, cat, depth, f);
    for (int i = 0; i < q->n_items; i++)
        walk_expr(q->items[i].e, cat, depth, f);
    for (int i = 0; i < q->n_ctes; i++)
        walk(q->ctes[i], cat, depth + 1, f);
    if (!q->has_from)
        return;
    walk(q->from.sub, cat, depth + 1, f);
    walk(q->from.right, cat, depth + 1, f);
    if (q->from.kind == AS_NAME)
        for (int i = 0; cat && i < cat->n; i++)
            if (strcasecmp(cat->names[i], q->from.name) == 0)
                walk(cat->queries[i], cat, depth + 1, f);
}

int sl_sql_pivots(sl_ast_query *ast, const sl_catalog *cat, sl_ast_query ***out)
{
    found f = {0};
    walk(ast, cat, 0, &f);
    *out = f.v;
    return f.n;
}

/* ---- PIVOT without GROUP BY ---- */

void sl_ast_pivot_used(sl_ast_query *q, const sl_ast_expr *e)
{
    if (!e)
        return;
    if (e->kind == A_COL && e->name && !sl_ast_pivot_names(q, e->name))
        sl_parse_add_str(&q->pivot_used, &q->n_pivot_used, e->name);
    for (int i = 0; i < e->n_args; i++)
        sl_ast_pivot_used(q, e->args[i]);
    sl_ast_pivot_used(q, e->filter);
}

bool sl_ast_pivot_names(const sl_ast_query *q, const char *name)
{
    for (int i = 0; i < q->n_pivot_used; i++)
        if (strcasecmp(q->pivot_used[i], name) == 0)
            return true;
    return false;
}

/* ---- the values query ---- */

static sl_ast_expr *copy_expr(const sl_ast_expr *e)
{
    if (!e)
        return NULL;
    sl_ast_expr *c = sl_xmalloc(sizeof *c);
    *c = *e;
    c->name = e->name ? sl_xstrdup(e->name) : NULL;
    c->qual = e->qual ? sl_xstrdup(e->qual) : NULL;
    c->sval = e->sval ? sl_xstrdup(e->sval) : NULL;
    if (e->text == e->name)
        c->text = c->name;
    else if (e->text == e->sval)
        c->text = c->sval;
    c->filter = copy_expr(e->filter);
    c->over = NULL;
    c->subq = NULL;
    c->args = NULL;
    c->n_args = c->cap_args = 0;
    for (int i = 0; i < e->n_args; i++)
        sl_parse_add_arg(c, copy_expr(e->args[i]));
    return c;
}

static sl_ast_expr *node(sl_ast_kind kind, const sl_ast_expr *at, const char *text)
{
    sl_ast_expr *e = sl_xcalloc(1, sizeof *e);
    e->kind = kind;
    e->line = at->line;
    e->col = at->col;
    e->height = 1;
    e->sval = sl_xstrdup(text);
    e->text = e->sval; /* borrowed from itself */
    e->text_len = (int64_t)strlen(text);
    return e;
}

sl_ast_query *sl_sql_pivot_values_query(const sl_ast_query *pivot)
{
    sl_ast_query *q = sl_xcalloc(1, sizeof *q);
    q->line = pivot->line;
    q->col = pivot->col;
    q->limit = -1;
    q->distinct = true;
    q->has_from = true;
    q->from = pivot->from;          /* shallow: the AS_QUERY source, borrowed */
    q->from.alias = NULL;
    q->n_items = 1;
    q->items = sl_xcalloc(1, sizeof *q->items);
    q->items[0].e = copy_expr(pivot->pivot_on);
    sl_ast_expr *nn = node(A_ISNULL, pivot->pivot_on, "IS NOT NULL");
    nn->negated = true;
    sl_parse_add_arg(nn, copy_expr(pivot->pivot_on));
    nn->height = nn->args[0]->height + 1;
    q->where = nn;
    return q;
}

void sl_sql_pivot_values_query_free(sl_ast_query **pq)
{
    if (!pq || !*pq)
        return;
    memset(&(*pq)->from, 0, sizeof (*pq)->from); /* borrowed */
    sl_ast_query_free(pq);
}

/* ---- the items ---- */

typedef struct val { const char *text; double num; } val;

static int cmp_num(const void *a, const void *b)
{
    double x = ((const val *)a)->num, y = ((const val *)b)->num;
    return (x > y) - (x < y);
}

static int cmp_text(const void *a, const void *b)
{
    return strcmp(((const val *)a)->text, ((const val *)b)->text);
}

/* Drops the value items of an earlier resolution (a view read by several statements). */
static void clear_values(sl_ast_query *q)
{
    for (int i = q->n_pivot_keys; i < q->n_items; i++) {
        sl_ast_expr_free(&q->items[i].e);
        sl_free(q->items[i].alias);
    }
    q->n_items = q->n_pivot_keys;
    q->pivot_resolved = false;
}

int sl_sql_pivot_set_values(sl_ast_query *q, sl_type type, char **texts, int n, sl_err *err)
{
    clear_values(q);
    if (n > 1000)
        return SL_ERR(err, SL_EBIND, "%d:%d: PIVOT: the ON column has %d distinct values, more "
                      "than 1000 columns (list the ones wanted: ON col IN (v1, ...))", q->line,
                      q->col, n);
    /* DuckDB orders the pivot columns by value: numbers numerically, the others as text
     * (ISO dates and times, false < true sort right as text). */
    val *v = sl_xcalloc((size_t)n + 1, sizeof *v);
    bool num = sl_type_is_numeric(type);
    for (int i = 0; i < n; i++) {
        v[i].text = texts[i];
        v[i].num = num ? strtod(texts[i], NULL) : 0;
    }
    qsort(v, (size_t)n, sizeof *v, num ? cmp_num : cmp_text);
    int n_aggs = q->n_pivot_aggs;
    q->items = sl_xrealloc(q->items, sizeof *q->items * (size_t)(q->n_items + n * n_aggs + 1));
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < n_aggs; k++) {
            sl_ast_expr *a = copy_expr(q->pivot_aggs[k]);
            sl_ast_expr *eq = node(A_BINARY, q->pivot_on, "=");
            eq->op = "=";
            sl_parse_add_arg(eq, copy_expr(q->pivot_on));
            /* a string literal compared with a typed column converts at bind time */
            sl_parse_add_arg(eq, node(A_STR, q->pivot_on, v[i].text));
            sl_ast_expr *then;
            if (a->star) {
                a->star = false;
                then = node(A_INT, a, "1");
                then->ival = 1;
            } else {
                then = a->args[0];
                a->n_args = 0;
            }
            sl_ast_expr *cs = node(A_CASE, a, "CASE");
            sl_parse_add_arg(cs, eq);
            sl_parse_add_arg(cs, then);
            sl_parse_add_arg(a, cs);
            q->items[q->n_items] = (sl_ast_item){ .e = a }; /* no EXCLUDE / REPLACE */
            if (n_aggs == 1) {
                q->items[q->n_items++].alias = sl_xstrdup(v[i].text);
            } else {
                const sl_ast_expr *orig = q->pivot_aggs[k];
                /* DuckDB's name of an unaliased aggregate: count(*) is count_star() */
                q->items[q->n_items++].alias =
                    q->pivot_alias[k] ? sl_xasprintf("%s_%s", v[i].text, q->pivot_alias[k])
                    : orig->star ? sl_xasprintf("%s_count_star()", v[i].text)
                                 : sl_xasprintf("%s_%.*s", v[i].text, (int)orig->text_len,
                                                orig->text);
            }
        }
    }
    sl_free(v);
    q->pivot_resolved = true;
    return 0;
}
