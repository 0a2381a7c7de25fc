/*
 * Binding UNPIVOT (parsed by parse_unpivot.c). Once the source's columns are known (c's L0),
 *   UNPIVOT src ON a, b INTO NAME n VALUE v
 * is bound as the UNION ALL it means, one branch per ON column:
 *   SELECT <the other columns>, 'a' AS n, a AS v FROM src WHERE a IS NOT NULL
 *   UNION ALL SELECT <the other columns>, 'b', b FROM src WHERE b IS NOT NULL
 * with the UNPIVOT's ORDER BY / LIMIT / OFFSET on the result, as DuckDB answers it (NULL values
 * dropped; the value column of the ON columns' common type, VARCHAR mixed with another type an
 * error). Every branch reads the source: it is scanned once per ON column, in parallel on every
 * rank, and nothing is gathered. Also the sides of UNION [ALL] BY NAME (the same kind of
 * rewrite once both sides' columns are known). Local.
 */
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "sql/sql_int.h"

static sl_ast_expr *node(sl_ast_kind kind, const sl_ast_query *at, const char *text)
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

/* L0 column i of the source, by position. */
static sl_ast_expr *col_ref(const sl_ast_query *at, int i, const char *name)
{
    sl_ast_expr *e = node(A_COL, at, name);
    e->name = sl_xstrdup(name);
    e->col_index = i + 1;
    e->quoted = true;
    return e;
}

static void add_item(sl_ast_query *q, sl_ast_expr *e, const char *alias)
{
    q->items = sl_xrealloc(q->items, sizeof *q->items * (size_t)(q->n_items + 1));
    q->items[q->n_items++] = (sl_ast_item){ .e = e, .alias = alias ? sl_xstrdup(alias) : NULL };
}

static sl_ast_query *new_query(const sl_ast_query *at)
{
    sl_ast_query *q = sl_xcalloc(1, sizeof *q);
    q->line = at->line;
    q->col = at->col;
    q->limit = -1;
    q->has_from = true;
    q->from.line = at->line;
    q->from.col = at->col;
    return q;
}

/* The L0 index of UNPIVOT's ON column name (exact match first), or -1. */
static int find(const sl_bind_ctx *c, const char *name)
{
    for (int i = 0; i < c->n_cols; i++)
        if (strcmp(c->col_names[i], name) == 0)
            return i;
    for (int i = 0; i < c->n_cols; i++)
        if (strcasecmp(c->col_names[i], name) == 0)
            return i;
    return -1;
}

int sl_bind_unpivot(sl_bind_ctx *c, const sl_ast_query *ast, sl_query **out)
{
    int n = ast->n_unpivot;
    int *on = sl_xcalloc((size_t)n + 1, sizeof *on);
    bool *is_on = sl_xcalloc((size_t)c->n_cols + 1, sizeof *is_on);
    int rc = 0;
    for (int k = 0; k < n && !rc; k++) {
        on[k] = find(c, ast->unpivot_on[k]);
        if (on[k] < 0) {
            rc = sl_bind_error(c, ast->line, ast->col, SL_EBIND, "Column \"%s\" referenced in "
                               "UNPIVOT but no matching entry was found in the table",
                               ast->unpivot_on[k]);
            break;
        }
        is_on[on[k]] = true;
        sl_type t0 = c->col_types[on[0]], t = c->col_types[on[k]];
        if ((t0 == SL_T_VARCHAR) != (t == SL_T_VARCHAR))
            rc = sl_bind_error(c, ast->line, ast->col, SL_EBIND, "Cannot unpivot columns of "
                               "types %s and %s - an explicit cast is required",
                               sl_type_name(t0), sl_type_name(t));
    }
    sl_ast_query **branch = sl_xcalloc((size_t)n + 1, sizeof *branch);
    sl_ast_query *chain = NULL;
    for (int k = 0; k < n && !rc; k++) {
        sl_ast_query *b = branch[k] = new_query(ast);
        b->from.kind = AS_QUERY;
        b->from.sub = ast->from.sub; /* borrowed: detached below */
        for (int i = 0; i < c->n_cols; i++)
            if (!is_on[i])
                add_item(b, col_ref(ast, i, c->col_names[i]), NULL);
        add_item(b, node(A_STR, ast, c->col_names[on[k]]), ast->unpivot_name);
        add_item(b, col_ref(ast, on[k], c->col_names[on[k]]), ast->unpivot_value);
        sl_ast_expr *nn = node(A_ISNULL, ast, "IS NOT NULL");
        nn->negated = true;
        nn->args = sl_xcalloc(1, sizeof *nn->args);
        nn->args[nn->n_args++] = col_ref(ast, on[k], c->col_names[on[k]]);
        nn->height = 2;
        b->where = nn;
        if (!chain) {
            chain = b;
            continue;
        }
        /* SELECT * FROM (chain UNION ALL b) */
        sl_ast_query *u = new_query(ast);
        add_item(u, node(A_STAR, ast, "*"), NULL);
        u->from.kind = AS_SETOP;
        u->from.setop = SETOP_UNION;
        u->from.setop_all = true;
        u->from.sub = chain;
        u->from.right = b;
        chain = u;
    }
    if (!rc) {
        /* The result with the UNPIVOT's ORDER BY / LIMIT (borrowed) and its CTEs (borrowed:
         * the source may name them). */
        sl_ast_query *top = new_query(ast);
        add_item(top, node(A_STAR, ast, "*"), NULL);
        top->from.kind = AS_QUERY;
        top->from.sub = chain;
        chain = top;
        top->n_order = ast->n_order;
        top->order = ast->order;
        top->limit = ast->limit;
        top->offset = ast->offset;
        top->n_ctes = ast->n_ctes;
        top->cte_names = ast->cte_names;
        top->ctes = ast->ctes;
        rc = sl_bind_child_query(c, &ast->from, top, out);
        top->n_order = 0;
        top->order = NULL;
        top->n_ctes = 0;
        top->cte_names = NULL;
        top->ctes = NULL;
    }
    /* every branch made is in chain, which owns them; the source is ast's */
    for (int k = 0; k < n; k++)
        if (branch[k])
            branch[k]->from.sub = NULL;
    sl_ast_query_free(&chain);
    sl_free(branch);
    sl_free(on);
    sl_free(is_on);
    return rc;
}

sl_ast_query *sl_bind_by_name_side(const sl_ast_query *side, const sl_query *bound,
                                   char *const *names, int n)
{
    sl_ast_query *q = new_query(side);
    q->from.kind = AS_QUERY;
    q->from.sub = (sl_ast_query *)side; /* borrowed: the caller detaches it */
    for (int k = 0; k < n; k++) {
        int i = 0;
        while (i < bound->n_outs && strcasecmp(bound->out_names[i], names[k]) != 0)
            i++;
        add_item(q, i < bound->n_outs ? col_ref(side, i, bound->out_names[i])
                                      : node(A_NULL, side, "NULL"), names[k]);
    }
    return q;
}
