/*
 * Query AST: freeing and printing back as SQL. The printer parenthesises every operator so
 * its output shows the parse tree (tests check precedence with it) and re-parses to the same
 * tree. Its canonical mode is the binder's notion of "the same expression" (GROUP BY key vs
 * select item, duplicate aggregates). Local.
 */
#include "sql/sql_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

/* ---- freeing ---- */

void sl_ast_expr_free(sl_ast_expr **pe)
{
    if (!pe || !*pe)
        return;
    sl_ast_expr *e = *pe;
    for (int i = 0; i < e->n_args; i++)
        sl_ast_expr_free(&e->args[i]);
    sl_free(e->args);
    sl_ast_window_free(&e->over);
    sl_free(e->name);
    sl_free(e->qual);
    sl_free(e->sval);
    sl_ast_query_free(&e->subq);
    sl_ast_expr_free(&e->filter);
    for (int i = 0; i < e->n_agg_order; i++)
        sl_ast_expr_free(&e->agg_order[i].e);
    sl_free(e->agg_order);
    sl_free(e);
    *pe = NULL;
}

static void free_strv(char **v, int n)
{
    for (int i = 0; i < n; i++)
        sl_free(v[i]);
    sl_free(v);
}

void sl_copy_opts_clear(sl_copy_opts *c)
{
    sl_free(c->path);
    sl_fmt_write_opts_free(c->format, &c->format_opts);
    free_strv(c->partition_by, c->n_partition);
    memset(c, 0, sizeof *c);
}

bool sl_ast_is_columns(const sl_ast_expr *e)
{
    return e->kind == A_FUNC && !e->over && strcmp(e->name, "columns") == 0;
}

sl_ast_expr *sl_ast_expr_copy_with(const sl_ast_expr *e, const sl_ast_expr *to)
{
    if (to && sl_ast_is_columns(e))
        return sl_ast_expr_copy_with(to, NULL);
    sl_ast_expr *c = sl_xmalloc(sizeof *c);
    *c = *e;
    c->name = e->name ? sl_xstrdup(e->name) : NULL;
    c->qual = e->qual ? sl_xstrdup(e->qual) : NULL;
    c->sval = e->sval ? sl_xstrdup(e->sval) : NULL;
    if (e->kind == A_COL && e->text == e->name)
        c->text = c->name; /* a synthetic column's text is its own name */
    c->filter = e->filter ? sl_ast_expr_copy_with(e->filter, to) : NULL;
    c->args = e->n_args ? sl_xcalloc((size_t)e->n_args, sizeof *c->args) : NULL;
    c->cap_args = e->n_args;
    for (int i = 0; i < e->n_args; i++)
        c->args[i] = sl_ast_expr_copy_with(e->args[i], to);
    c->over = NULL;
    c->subq = NULL;
    return c;
}

void sl_ast_query_free(sl_ast_query **pq)
{
    if (!pq || !*pq)
        return;
    sl_ast_query *q = *pq;
    for (int i = 0; i < q->n_items; i++) {
        sl_ast_item *it = &q->items[i];
        sl_ast_expr_free(&it->e);
        sl_free(it->alias);
        for (int k = 0; k < it->n_exclude; k++)
            sl_free(it->exclude[k]);
        sl_free(it->exclude);
        for (int k = 0; k < it->n_replace; k++) {
            sl_ast_expr_free(&it->replace[k]);
            sl_free(it->replace_names[k]);
        }
        sl_free(it->replace);
        sl_free(it->replace_names);
    }
    sl_free(q->items);
    sl_fmt_call_clear(&q->from.call);
    sl_free(q->from.name);
    sl_ast_query_free(&q->from.sub);
    sl_ast_query_free(&q->from.right);
    sl_ast_expr_free(&q->from.on);
    for (int i = 0; i < q->from.n_using; i++)
        sl_free(q->from.using_cols[i]);
    sl_free(q->from.using_cols);
    sl_free(q->from.alias);
    for (int i = 0; i < q->from.n_col_alias; i++)
        sl_free(q->from.col_alias[i]);
    sl_free(q->from.col_alias);
    for (int i = 0; i < q->n_ctes; i++) {
        sl_free(q->cte_names[i]);
        sl_ast_query_free(&q->ctes[i]);
    }
    sl_free(q->cte_names);
    sl_free(q->ctes);
    sl_ast_expr_free(&q->where);
    for (int i = 0; i < q->n_groups; i++)
        sl_ast_expr_free(&q->groups[i]);
    sl_free(q->groups);
    sl_ast_expr_free(&q->having);
    sl_ast_expr_free(&q->qualify);
    for (int i = 0; i < q->n_distinct_on; i++)
        sl_ast_expr_free(&q->distinct_on[i]);
    sl_free(q->distinct_on);
    for (int i = 0; i < q->n_order; i++)
        sl_ast_expr_free(&q->order[i].e);
    sl_free(q->order);
    sl_ast_expr_free(&q->pivot_on);
    for (int i = 0; i < q->n_pivot_aggs; i++) {
        sl_ast_expr_free(&q->pivot_aggs[i]);
        sl_free(q->pivot_alias[i]);
    }
    sl_free(q->pivot_aggs);
    sl_free(q->pivot_alias);
    for (int i = 0; i < q->n_pivot_used; i++)
        sl_free(q->pivot_used[i]);
    sl_free(q->pivot_used);
    for (int i = 0; i < q->n_unpivot; i++)
        sl_free(q->unpivot_on[i]);
    sl_free(q->unpivot_on);
    sl_free(q->unpivot_name);
    sl_free(q->unpivot_value);
    sl_sql_src_unref(&q->src);
    sl_free(q);
    *pq = NULL;
}

/* ---- printing ---- */

static void put_string(sl_buf *b, const char *s) { sl_buf_put_quoted(b, s, '\''); }

/* A name that re-lexes as itself unquoted: lower-case word, not reserved-looking. */
static bool plain_name(const char *s)
{
    static const char *const kw[] = {"select", "from", "where", "group", "order", "by", "as",
                                     "and", "or", "not", "null", "true", "false", "case",
                                     "limit", "offset", "having", "in", "is", "like", NULL};
    if (!*s || !(islower((unsigned char)*s) || *s == '_'))
        return false;
    for (const char *c = s; *c; c++)
        if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_'))
            return false;
    for (int i = 0; kw[i]; i++)
        if (strcmp(kw[i], s) == 0)
            return false;
    return true;
}

static void put_name(sl_buf *b, const char *s, bool canonical)
{
    if (canonical) {
        for (; *s; s++)
            sl_buf_putc(b, (char)tolower((unsigned char)*s));
        return;
    }
    if (plain_name(s)) {
        sl_buf_puts(b, s);
        return;
    }
    sl_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            sl_buf_putc(b, '"');
        sl_buf_putc(b, *s);
    }
    sl_buf_putc(b, '"');
}

static void print_query(sl_buf *b, const sl_ast_query *q);

static void print(sl_buf *b, const sl_ast_expr *e, bool c, int64_t max);

static void put_args(sl_buf *b, sl_ast_expr *const *a, int n, bool canonical, int64_t max)
{
    for (int i = 0; i < n && b->len <= max; i++) {
        if (i)
            sl_buf_puts(b, ", ");
        print(b, a[i], canonical, max);
    }
}

void sl_ast_expr_print(sl_buf *b, const sl_ast_expr *e, bool c)
{
    print(b, e, c, INT64_MAX);
}

/* Recursion depth: e's height, at most SL_SQL_MAX_EXPR_DEPTH. Stops early once b holds more
 * than max bytes (the caller then ignores the text). */
static void print(sl_buf *b, const sl_ast_expr *e, bool c, int64_t max)
{
    if (b->len > max)
        return;
    switch (e->kind) {
    case A_INT:
        sl_buf_printf(b, "%" PRId64, e->ival);
        break;
    case A_DBL: {
        sl_value dv;
        char dbuf[SL_DEC_LIT_BUF];
        if (e->sval && sl_dec_literal_type(e->sval, (int64_t)strlen(e->sval), &dv, dbuf)) {
            /* A DECIMAL literal as DuckDB names it (".5", "0.10"); it re-parses as the same
             * DECIMAL. */
            sl_format_value(b, &dv);
            break;
        }
        char tmp[40];
        snprintf(tmp, sizeof tmp, "%.17g", e->dval);
        sl_buf_puts(b, tmp);
        if (!strpbrk(tmp, ".eEn")) /* keep it a DOUBLE literal when re-parsed */
            sl_buf_puts(b, ".0");
        break;
    }
    case A_STR:
        put_string(b, e->sval);
        break;
    case A_BOOL:
        sl_buf_puts(b, e->ival ? "TRUE" : "FALSE");
        break;
    case A_NULL:
        sl_buf_puts(b, "NULL");
        break;
    case A_TYPED:
        sl_buf_puts(b, sl_type_name(e->ctype)); /* DATE, TIMESTAMP, TIMESTAMP WITH TIME ZONE */
        sl_buf_putc(b, ' ');
        put_string(b, e->sval);
        break;
    case A_COL:
        if (e->qual && !c) {
            put_name(b, e->qual, c);
            sl_buf_putc(b, '.');
        }
        put_name(b, e->name, c);
        break;
    case A_STAR:
        if (e->qual && !c) {
            put_name(b, e->qual, c);
            sl_buf_putc(b, '.');
        }
        sl_buf_putc(b, '*');
        break;
    case A_UNARY:
        sl_buf_printf(b, "(%s ", strcmp(e->op, "NEG") == 0 ? "-" : e->op);
        print(b, e->args[0], c, max);
        sl_buf_putc(b, ')');
        break;
    case A_BINARY:
        sl_buf_putc(b, '(');
        print(b, e->args[0], c, max);
        sl_buf_printf(b, " %s ", e->op);
        print(b, e->args[1], c, max);
        sl_buf_putc(b, ')');
        break;
    case A_ISNULL:
        sl_buf_putc(b, '(');
        print(b, e->args[0], c, max);
        sl_buf_puts(b, e->negated ? " IS NOT NULL)" : " IS NULL)");
        break;
    case A_IN:
        sl_buf_putc(b, '(');
        print(b, e->args[0], c, max);
        sl_buf_puts(b, e->negated ? " NOT IN (" : " IN (");
        if (e->subq)
            print_query(b, e->subq);
        else
            put_args(b, e->args + 1, e->n_args - 1, c, max);
        sl_buf_puts(b, "))");
        break;
    case A_EXISTS:
        sl_buf_puts(b, "EXISTS (");
        print_query(b, e->subq);
        sl_buf_putc(b, ')');
        break;
    case A_SUBQUERY:
        sl_buf_putc(b, '(');
        print_query(b, e->subq);
        sl_buf_putc(b, ')');
        break;
    case A_BETWEEN:
        sl_buf_putc(b, '(');
        print(b, e->args[0], c, max);
        sl_buf_puts(b, e->negated ? " NOT BETWEEN " : " BETWEEN ");
        print(b, e->args[1], c, max);
        sl_buf_puts(b, " AND ");
        print(b, e->args[2], c, max);
        sl_buf_putc(b, ')');
        break;
    case A_LIKE:
        sl_buf_putc(b, '(');
        print(b, e->args[0], c, max);
        sl_buf_printf(b, " %s%s ", e->negated ? "NOT " : "", e->ilike ? "ILIKE" : "LIKE");
        print(b, e->args[1], c, max);
        if (e->n_args > 2) {
            sl_buf_puts(b, " ESCAPE ");
            print(b, e->args[2], c, max);
        }
        sl_buf_putc(b, ')');
        break;
    case A_CASE: {
        int i = 0;
        sl_buf_puts(b, "CASE");
        if (e->has_operand) {
            sl_buf_putc(b, ' ');
            print(b, e->args[i++], c, max);
        }
        int end = e->n_args - (e->has_else ? 1 : 0);
        for (; i + 1 < end; i += 2) {
            sl_buf_puts(b, " WHEN ");
            print(b, e->args[i], c, max);
            sl_buf_puts(b, " THEN ");
            print(b, e->args[i + 1], c, max);
        }
        if (e->has_else) {
            sl_buf_puts(b, " ELSE ");
            print(b, e->args[e->n_args - 1], c, max);
        }
        sl_buf_puts(b, " END");
        break;
    }
    case A_CAST:
        sl_buf_puts(b, e->try_cast ? "TRY_CAST(" : "CAST(");
        print(b, e->args[0], c, max);
        sl_buf_printf(b, " AS %s)", sl_type_name(e->ctype));
        break;
    case A_FUNC:
        put_name(b, e->name, c);
        sl_buf_putc(b, '(');
        if (e->star)
            sl_buf_putc(b, '*');
        if (e->distinct)
            sl_buf_puts(b, "DISTINCT ");
        put_args(b, e->args, e->n_args, c, max);
        for (int i = 0; i < e->n_agg_order; i++) {
            sl_buf_puts(b, i ? ", " : " ORDER BY ");
            print(b, e->agg_order[i].e, c, max);
            sl_buf_puts(b, e->agg_order[i].desc ? " DESC" : " ASC");
            sl_buf_puts(b, e->agg_order[i].nulls_first ? " NULLS FIRST" : " NULLS LAST");
        }
        sl_buf_putc(b, ')');
        if (e->filter) {
            sl_buf_puts(b, " FILTER (WHERE ");
            print(b, e->filter, c, max);
            sl_buf_putc(b, ')');
        }
        if (e->over)
            sl_ast_window_print(b, e->over, c);
        break;
    }
}

char *sl_ast_expr_to_string(const sl_ast_expr *e, bool canonical)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_ast_expr_print(&b, e, canonical);
    return sl_buf_take(&b);
}

char *sl_ast_expr_to_string_max(const sl_ast_expr *e, bool canonical, int64_t max_len)
{
    sl_buf b;
    sl_buf_init(&b);
    print(&b, e, canonical, max_len);
    if (b.len > max_len) {
        sl_buf_free(&b);
        return NULL;
    }
    return sl_buf_take(&b);
}

char *sl_ast_text(const sl_ast_expr *e, int64_t max_len)
{
    int64_t n = e->text ? e->text_len : 0;
    if (max_len < 0 || n <= max_len)
        return sl_xstrndup(e->text ? e->text : "", (size_t)n);
    int64_t k = max_len;
    while (k > 0 && ((unsigned char)e->text[k] & 0xC0) == 0x80)
        k--; /* do not cut a UTF-8 character in two */
    return sl_xasprintf("%.*s...", (int)k, e->text);
}

static void print_query(sl_buf *b, const sl_ast_query *q);

static void print_source(sl_buf *b, const sl_ast_source *s)
{
    switch (s->kind) {
    case AS_FUNC:
        sl_fmt_call_print(b, &s->call);
        break;
    case AS_NAME:
        put_name(b, s->name, false);
        break;
    case AS_QUERY:
        sl_buf_putc(b, '(');
        print_query(b, s->sub);
        sl_buf_putc(b, ')');
        break;
    case AS_SETOP: {
        static const char *const ops[] = { "UNION", "EXCEPT", "INTERSECT" };
        sl_buf_puts(b, "((");
        print_query(b, s->sub);
        sl_buf_printf(b, ") %s%s (", ops[s->setop], s->setop_all ? " ALL" : "");
        print_query(b, s->right);
        sl_buf_puts(b, "))");
        break;
    }
    case AS_JOIN: {
        static const char *const jn[] = { "JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN",
                                          "SEMI JOIN", "ANTI JOIN", "CROSS JOIN" };
        print_source(b, &s->sub->from);
        sl_buf_printf(b, " %s%s ", s->natural ? "NATURAL " : "", jn[s->join]);
        print_source(b, &s->right->from);
        if (s->on) {
            sl_buf_puts(b, " ON ");
            sl_ast_expr_print(b, s->on, false);
        }
        for (int i = 0; i < s->n_using; i++) {
            sl_buf_puts(b, i ? ", " : " USING (");
            put_name(b, s->using_cols[i], false);
        }
        if (s->n_using)
            sl_buf_putc(b, ')');
        break;
    }
    }
    if (s->alias) {
        sl_buf_puts(b, " AS ");
        put_name(b, s->alias, false);
    }
}

static void print_query(sl_buf *b, const sl_ast_query *q)
{
    for (int i = 0; i < q->n_ctes; i++) {
        sl_buf_puts(b, i ? ", " : "WITH ");
        put_name(b, q->cte_names[i], false);
        sl_buf_puts(b, " AS (");
        print_query(b, q->ctes[i]);
        sl_buf_putc(b, ')');
        if (i == q->n_ctes - 1)
            sl_buf_putc(b, ' ');
    }
    sl_buf_puts(b, q->distinct ? "SELECT DISTINCT " : "SELECT ");
    for (int i = 0; i < q->n_distinct_on; i++) {
        sl_buf_puts(b, i ? ", " : "ON (");
        sl_ast_expr_print(b, q->distinct_on[i], false);
        if (i == q->n_distinct_on - 1)
            sl_buf_puts(b, ") ");
    }
    for (int i = 0; i < q->n_items; i++) {
        if (i)
            sl_buf_puts(b, ", ");
        sl_ast_expr_print(b, q->items[i].e, false);
        for (int k = 0; k < q->items[i].n_exclude; k++) {
            sl_buf_puts(b, k ? ", " : " EXCLUDE (");
            put_name(b, q->items[i].exclude[k], false);
            if (k + 1 == q->items[i].n_exclude)
                sl_buf_putc(b, ')');
        }
        for (int k = 0; k < q->items[i].n_replace; k++) {
            sl_buf_puts(b, k ? ", " : " REPLACE (");
            sl_ast_expr_print(b, q->items[i].replace[k], false);
            sl_buf_puts(b, " AS ");
            put_name(b, q->items[i].replace_names[k], false);
            if (k + 1 == q->items[i].n_replace)
                sl_buf_putc(b, ')');
        }
        if (q->items[i].alias) {
            sl_buf_puts(b, " AS ");
            put_name(b, q->items[i].alias, false);
        }
    }
    if (q->has_from) {
        sl_buf_puts(b, " FROM ");
        print_source(b, &q->from);
    }
    if (q->where) {
        sl_buf_puts(b, " WHERE ");
        sl_ast_expr_print(b, q->where, false);
    }
    if (q->group_all)
        sl_buf_puts(b, " GROUP BY ALL");
    else if (q->n_groups) {
        sl_buf_puts(b, " GROUP BY ");
        put_args(b, q->groups, q->n_groups, false, INT64_MAX);
    }
    if (q->having) {
        sl_buf_puts(b, " HAVING ");
        sl_ast_expr_print(b, q->having, false);
    }
    if (q->qualify) {
        sl_buf_puts(b, " QUALIFY ");
        sl_ast_expr_print(b, q->qualify, false);
    }
    if (q->order_all)
        sl_buf_printf(b, " ORDER BY ALL%s%s", q->order_all_desc ? " DESC" : " ASC",
                      q->order_all_nulls_first ? " NULLS FIRST" : " NULLS LAST");
    for (int i = 0; i < q->n_order; i++) {
        sl_buf_puts(b, i ? ", " : " ORDER BY ");
        sl_ast_expr_print(b, q->order[i].e, false);
        sl_buf_puts(b, q->order[i].desc ? " DESC" : " ASC");
        sl_buf_puts(b, q->order[i].nulls_first ? " NULLS FIRST" : " NULLS LAST");
    }
    if (q->limit >= 0)
        sl_buf_printf(b, " LIMIT %" PRId64, q->limit);
    if (q->offset)
        sl_buf_printf(b, " OFFSET %" PRId64, q->offset);
}

char *sl_sql_ast_to_string(const sl_ast_query *ast)
{
    sl_buf b;
    sl_buf_init(&b);
    if (ast)
        print_query(&b, ast);
    return sl_buf_take(&b);
}
