/*
 * Binding queries: AST -> sl_query (see the layouts comment at the top of plan/plan.h).
 * Resolves the source (a table function's source, opened before binding and only looked up
 * here; views and subqueries are bound recursively as child queries), expands *, resolves
 * GROUP BY / ORDER BY aliases and positions, binds WHERE / GROUP BY / aggregates over L0 and
 * outputs / HAVING / ORDER BY over L1 when the query aggregates, folds constants, and finally
 * prunes the file columns nobody uses (src.proj) and renumbers the L0 column references to
 * match. Local: the binder opens no file and calls no collective; every rank binds the same
 * AST over the same sources to the same result.
 */
#include "sql/sql_int.h"

#include <regex.h>
#include <string.h>
#include <strings.h>

#include "batch/int128.h"
#include "core/mem.h"
#include "func/func.h"

#define MAX_NESTING 32

static int bind_query(sl_binder *b, const sl_ast_query *ast, sl_query **out);

static char **copy_strv(char *const *v, int n)
{
    char **r = n ? sl_xcalloc((size_t)n, sizeof *r) : NULL;
    for (int i = 0; i < n; i++)
        r[i] = sl_xstrdup(v[i]);
    return r;
}

/* ---- sources ---- */

/* A table function: its source was opened before binding (sl_sql_calls); only looked up. */
static int open_format(sl_bind_ctx *c, const sl_ast_source *s)
{
    sl_source *src = &c->q->src;
    sl_fmt_source *fs = sl_fmt_sources_find(c->b->srcs, &s->call);
    if (!fs)
        return sl_bind_error(c, s->line, s->col, SL_EINTERNAL,
                             "%s(...) was not opened before binding (open what sl_sql_calls "
                             "lists first)", s->call.fmt->table_fns[0]);
    src->kind = SL_SRC_FORMAT;
    src->fsrc = fs;
    int n = sl_fmt_source_ncols(fs);
    src->n_file_cols = n;
    src->file_col_names = sl_xcalloc((size_t)n + 1, sizeof *src->file_col_names);
    src->file_col_types = sl_xcalloc((size_t)n + 1, sizeof *src->file_col_types);
    for (int i = 0; i < n; i++) {
        src->file_col_names[i] = sl_xstrdup(sl_fmt_source_col_name(fs, i));
        src->file_col_types[i] = sl_fmt_source_col_type(fs, i);
    }
    c->n_cols = n;
    c->col_names = src->file_col_names;
    c->col_types = src->file_col_types;
    return 0;
}

/* A persisted table of the catalog by name (case-insensitive), or NULL. */
static const sl_table *find_table(const sl_catalog *cat, const char *name)
{
    for (int i = 0; cat && i < cat->n_tables; i++)
        if (strcasecmp(cat->tables[i]->name, name) == 0)
            return cat->tables[i];
    return NULL;
}

/* A persisted table: its columns are L0 (pruned by src.proj like a file's). */
static void open_table(sl_bind_ctx *c, const sl_table *t)
{
    sl_source *src = &c->q->src;
    src->kind = SL_SRC_TABLE;
    src->table = t;
    src->n_file_cols = t->n_cols;
    src->file_col_names = copy_strv(t->col_names, t->n_cols);
    src->file_col_types = sl_xcalloc((size_t)t->n_cols + 1, sizeof *src->file_col_types);
    if (t->n_cols) /* the FROM-less one-row table has no columns (and no array) */
        memcpy(src->file_col_types, t->col_types, sizeof *t->col_types * (size_t)t->n_cols);
    c->n_cols = t->n_cols;
    c->col_names = src->file_col_names;
    c->col_types = src->file_col_types;
}

/* ---- common table expressions ---- */

/* The CTEs visible at a point of binding: the first n of holder's, then the outer scope's.
 * A CTE's body sees the CTEs before it (WITH is not recursive), and shadows tables and
 * views of the same name. */
typedef struct sl_cte_scope {
    const sl_ast_query *holder;
    int n;
    struct sl_cte_scope *outer;
} sl_cte_scope;

/* The CTE called name, and the scope its body is bound in (*scope_out), or NULL. */
static const sl_ast_query *find_cte(sl_cte_scope *sc, const char *name, sl_cte_scope *scope_out)
{
    for (; sc; sc = sc->outer)
        for (int i = sc->n - 1; i >= 0; i--)
            if (strcasecmp(sc->holder->cte_names[i], name) == 0) {
                *scope_out = (sl_cte_scope){ sc->holder, i, sc->outer };
                return sc->holder->ctes[i];
            }
    return NULL;
}

/* Binds sub (a view, CTE or subquery) in scope as a child query. */
static int bind_child(sl_bind_ctx *c, const sl_ast_source *s, const sl_ast_query *sub,
                      sl_cte_scope *scope, sl_query **out)
{
    if (c->b->depth >= MAX_NESTING)
        return sl_bind_error(c, s->line, s->col, SL_EBIND,
                             "views/subqueries nested more than %d deep (does a view refer to "
                             "itself?)", MAX_NESTING);
    sl_cte_scope *saved = c->b->ctes;
    c->b->ctes = scope;
    c->b->depth++;
    int rc = bind_query(c->b, sub, out);
    c->b->depth--;
    c->b->ctes = saved;
    return rc;
}

/* Binds a view, CTE or subquery as the child query; L0 = its outputs. *types is new. */
static int open_child(sl_bind_ctx *c, const sl_ast_source *s, sl_type **types)
{
    sl_source *src = &c->q->src;
    const sl_ast_query *sub = s->sub;
    sl_cte_scope cte_scope, *scope = c->b->ctes;
    src->kind = SL_SRC_QUERY;
    if (s->kind == AS_NAME && (sub = find_cte(c->b->ctes, s->name, &cte_scope))) {
        scope = &cte_scope;
    } else if (s->kind == AS_NAME) {
        const sl_catalog *cat = c->b->cat;
        sub = NULL;
        for (int i = 0; cat && i < cat->n; i++)
            if (strcasecmp(cat->names[i], s->name) == 0)
                sub = cat->queries[i];
        if (!sub)
            return sl_bind_error(c, s->line, s->col, SL_EBIND,
                                 "table or view \"%s\" does not exist (define it with CREATE "
                                 "VIEW|TABLE %s AS SELECT ... before this statement)", s->name,
                                 s->name);
    }
    int rc = bind_child(c, s, sub, scope, &src->child);
    if (rc)
        return rc;
    sl_query *ch = src->child;
    /* alias(a, b, ...): the first columns renamed (DuckDB's binder error when too many) */
    if (s->n_col_alias > ch->n_outs)
        return sl_bind_error(c, s->line, s->col, SL_EBIND, "table \"%s\" has %d columns "
                             "available but %d columns specified", s->alias, ch->n_outs,
                             s->n_col_alias);
    for (int i = 0; i < s->n_col_alias; i++) {
        sl_free(ch->out_names[i]);
        ch->out_names[i] = sl_xstrdup(s->col_alias[i]);
    }
    *types = sl_xcalloc((size_t)ch->n_outs + 1, sizeof **types);
    for (int i = 0; i < ch->n_outs; i++)
        (*types)[i] = ch->outs[i]->type;
    c->n_cols = ch->n_outs;
    c->col_names = ch->out_names;
    c->col_types = *types;
    return 0;
}

/* ---- set operations ---- */

/* The type both inputs of a set operation convert to (DuckDB's rules for UNION: numbers
 * widen, DATE meets TIMESTAMP, BOOLEAN joins a number, anything joins VARCHAR as text), or
 * SL_T_COUNT when there is none. */
static sl_type setop_type(sl_type a, sl_type b)
{
    if (a == SL_T_NULL || a == b)
        return b;
    if (b == SL_T_NULL)
        return a;
    if (sl_type_is_decimal(a) || sl_type_is_decimal(b)) {
        sl_type d = sl_dec_common_type(a, b);
        if (d != SL_T_COUNT)
            return d;
    }
    if (sl_ubig_common_type(a, b, false) != SL_T_COUNT)
        return sl_ubig_common_type(a, b, false);
    if ((a == SL_T_HUGEINT || b == SL_T_HUGEINT) && sl_huge_common_type(a, b) != SL_T_COUNT)
        return sl_huge_common_type(a, b);
    if (sl_type_is_int(a) && sl_type_is_int(b))
        return sl_int_common(a, b, false);
    if (sl_type_is_numeric(a) && sl_type_is_numeric(b))
        return SL_T_DOUBLE;
    if ((a == SL_T_BOOL && sl_type_is_numeric(b)) || (b == SL_T_BOOL && sl_type_is_numeric(a)))
        return a == SL_T_BOOL ? b : a;
    if ((a == SL_T_DATE || sl_type_is_ts(a)) && (b == SL_T_DATE || sl_type_is_ts(b)))
        return a == SL_T_TIMESTAMPTZ || b == SL_T_TIMESTAMPTZ ? SL_T_TIMESTAMPTZ : SL_T_TIMESTAMP;
    if (a == SL_T_VARCHAR || b == SL_T_VARCHAR)
        return SL_T_VARCHAR;
    return SL_T_COUNT;
}

/* The column of q named name (case-insensitive), or -1. */
static int out_named(const sl_query *q, const char *name)
{
    for (int i = 0; i < q->n_outs; i++)
        if (strcasecmp(q->out_names[i], name) == 0)
            return i;
    return -1;
}

/* UNION [ALL] BY NAME, both sides bound: binds them again as SELECTs of the same names in
 * DuckDB's order (the left's columns, then the right's that the left lacks), a side's missing
 * column NULL, so the positional set operation follows. */
static int by_name(sl_bind_ctx *c, const sl_ast_source *s)
{
    sl_source *src = &c->q->src;
    sl_query *side[2] = { src->child, src->right };
    char **names = NULL;
    int n = 0, rc = 0;
    for (int k = 0; k < 2 && !rc; k++)
        for (int i = 0; i < side[k]->n_outs && !rc; i++) {
            const char *name = side[k]->out_names[i];
            if (out_named(side[k], name) != i)
                rc = sl_bind_error(c, s->line, s->col, SL_EBIND, "UNION (ALL) BY NAME "
                                   "operation doesn't support duplicate names in the SELECT "
                                   "list - the name \"%s\" occurs multiple times", name);
            else if (k == 0 || out_named(side[0], name) < 0)
                sl_parse_add_str(&names, &n, name);
        }
    const sl_ast_query *ast[2] = { s->sub, s->right };
    sl_query **dst[2] = { &src->child, &src->right };
    for (int k = 0; k < 2 && !rc; k++) {
        sl_ast_query *w = sl_bind_by_name_side(ast[k], side[k], names, n);
        sl_query_free(dst[k]);
        rc = bind_child(c, s, w, c->b->ctes, dst[k]);
        w->from.sub = NULL;
        sl_ast_query_free(&w);
    }
    for (int i = 0; i < n; i++)
        sl_free(names[i]);
    sl_free(names);
    return rc;
}

/* left UNION|EXCEPT|INTERSECT [ALL] right: both inputs bound as children; L0 = the result
 * columns (named by the left input, of the common types; the planner converts each input). */
static int open_setop(sl_bind_ctx *c, const sl_ast_source *s)
{
    static const char *const names[] = { "UNION", "EXCEPT", "INTERSECT" };
    sl_source *src = &c->q->src;
    src->kind = SL_SRC_SETOP;
    src->setop = s->setop == SETOP_UNION ? SL_SETOP_UNION
                 : s->setop == SETOP_EXCEPT ? SL_SETOP_EXCEPT : SL_SETOP_INTERSECT;
    src->setop_all = s->setop_all;
    int rc = bind_child(c, s, s->sub, c->b->ctes, &src->child);
    if (!rc)
        rc = bind_child(c, s, s->right, c->b->ctes, &src->right);
    if (!rc && s->setop_by_name)
        rc = by_name(c, s);
    if (rc)
        return rc;
    const sl_query *l = src->child, *r = src->right;
    if (l->n_outs != r->n_outs)
        return sl_bind_error(c, s->line, s->col, SL_EBIND,
                             "%s: set operations can only apply to expressions with the same "
                             "number of result columns (left %d, right %d)", names[s->setop],
                             l->n_outs, r->n_outs);
    int n = l->n_outs;
    src->n_file_cols = n;
    src->file_col_names = copy_strv(l->out_names, n);
    src->file_col_types = sl_xcalloc((size_t)n + 1, sizeof *src->file_col_types);
    for (int i = 0; i < n; i++) {
        sl_type t = setop_type(l->outs[i]->type, r->outs[i]->type);
        if (t == SL_T_COUNT)
            return sl_bind_error(c, s->line, s->col, SL_EBIND,
                                 "%s: column %d (\"%s\") is %s on the left and %s on the right, "
                                 "which have no common type (CAST one side)", names[s->setop],
                                 i + 1, l->out_names[i], sl_type_name(l->outs[i]->type),
                                 sl_type_name(r->outs[i]->type));
        /* An untyped NULL on both sides stays BIGINT, as everywhere else. */
        src->file_col_types[i] = t == SL_T_NULL ? SL_T_BIGINT : t;
    }
    c->n_cols = n;
    c->col_names = src->file_col_names;
    c->col_types = src->file_col_types;
    return 0;
}

/* ---- joins ---- */

/* The qualifier and hidden flag of each output of a join side (outs in L0 order: a side is
 * SELECT * FROM <source>, and a side that is a join expands its hidden columns too). */
static void side_quals(const sl_query *side, char **quals, bool *hidden)
{
    const sl_source *ss = &side->src;
    for (int i = 0; i < side->n_outs; i++) {
        if (ss->kind == SL_SRC_JOIN && i < ss->n_quals) {
            quals[i] = ss->col_quals[i] ? sl_xstrdup(ss->col_quals[i]) : NULL;
            hidden[i] = ss->col_hidden[i];
        } else {
            quals[i] = ss->alias ? sl_xstrdup(ss->alias) : NULL;
            hidden[i] = false;
        }
    }
}

/* The one visible column of side [lo, hi) named name (case-insensitive), -1 none, -2 two. */
static int find_visible(const sl_source *src, int lo, int hi, const char *name)
{
    int found = -1;
    for (int i = lo; i < hi; i++)
        if (!src->col_hidden[i] && strcasecmp(src->file_col_names[i], name) == 0) {
            if (found >= 0)
                return -2;
            found = i;
        }
    return found;
}

/* ON for USING (cols) / NATURAL: left.col = right.col AND ...; the right columns become
 * hidden; for RIGHT / FULL an unqualified name is COALESCE(left, right). */
static int using_cond(sl_bind_ctx *c, const sl_ast_source *s, int nl, int n)
{
    sl_source *src = &c->q->src;
    int n_names = s->n_using;
    char **names = s->using_cols;
    char **common = NULL;
    int n_common = 0;
    if (s->natural) {
        for (int i = 0; i < nl; i++)
            if (!src->col_hidden[i] && find_visible(src, nl, n, src->file_col_names[i]) >= 0 &&
                find_visible(src, 0, nl, src->file_col_names[i]) == i)
                sl_parse_add_str(&common, &n_common, src->file_col_names[i]);
        n_names = n_common;
        names = common;
    }
    int rc = 0;
    for (int k = 0; k < n_names && !rc; k++) {
        int li = find_visible(src, 0, nl, names[k]), ri = find_visible(src, nl, n, names[k]);
        if (li < 0 || ri < 0) {
            rc = sl_bind_error(c, s->line, s->col, SL_EBIND,
                               "column \"%s\" of USING %s on the %s side of the join",
                               names[k], (li == -2 || ri == -2) ? "is ambiguous" : "not found",
                               li < 0 ? "left" : "right");
            break;
        }
        sl_expr *args[2] = { sl_expr_col(li, src->file_col_types[li], src->file_col_names[li]),
                             sl_expr_col(ri, src->file_col_types[ri], src->file_col_names[ri]) };
        sl_expr *eq = NULL;
        sl_err tmp = {0};
        if (sl_func_bind("=", args, 2, names[k], &eq, &tmp)) {
            rc = sl_bind_error(c, s->line, s->col, SL_EBIND, "USING %s: %s", names[k], tmp.msg);
            break;
        }
        if (src->on) {
            sl_expr *both[2] = { src->on, eq };
            src->on = NULL;
            if (sl_func_bind("AND", both, 2, "AND", &src->on, &tmp)) {
                rc = sl_bind_error(c, s->line, s->col, SL_EINTERNAL, "%s", tmp.msg);
                break;
            }
        } else {
            src->on = eq;
        }
        src->col_hidden[ri] = true;
        if (s->join == SL_JOIN_RIGHT || s->join == SL_JOIN_FULL)
            src->col_using[li] = ri;
    }
    for (int i = 0; i < n_common; i++)
        sl_free(common[i]);
    sl_free(common);
    return rc;
}

/* left JOIN right: both sides bound as children (SELECT * FROM side); L0 = left outputs
 * then right outputs (SEMI / ANTI: left only); the condition is bound over both. */
static int open_join(sl_bind_ctx *c, const sl_ast_source *s)
{
    sl_source *src = &c->q->src;
    src->kind = SL_SRC_JOIN;
    src->join = s->join;
    c->b->join_side = true;
    int rc = bind_child(c, s, s->sub, c->b->ctes, &src->child);
    c->b->join_side = true;
    if (!rc)
        rc = bind_child(c, s, s->right, c->b->ctes, &src->right);
    c->b->join_side = false;
    if (rc)
        return rc;
    const sl_query *l = src->child, *r = src->right;
    int nl = l->n_outs, nr = r->n_outs, n = nl + nr;
    src->n_file_cols = n;
    src->file_col_names = sl_xcalloc((size_t)n + 1, sizeof *src->file_col_names);
    src->file_col_types = sl_xcalloc((size_t)n + 1, sizeof *src->file_col_types);
    src->n_quals = n;
    src->col_quals = sl_xcalloc((size_t)n + 1, sizeof *src->col_quals);
    src->col_hidden = sl_xcalloc((size_t)n + 1, sizeof *src->col_hidden);
    src->col_using = sl_xcalloc((size_t)n + 1, sizeof *src->col_using);
    for (int i = 0; i < n; i++) {
        const sl_query *side = i < nl ? l : r;
        int k = i < nl ? i : i - nl;
        src->file_col_names[i] = sl_xstrdup(side->out_names[k]);
        src->file_col_types[i] = side->outs[k]->type;
        src->col_using[i] = -1;
    }
    side_quals(l, src->col_quals, src->col_hidden);
    side_quals(r, src->col_quals + nl, src->col_hidden + nl);
    c->n_cols = n;
    c->col_names = src->file_col_names;
    c->col_types = src->file_col_types;
    c->col_quals = src->col_quals;
    c->col_hidden = src->col_hidden;
    c->col_using = NULL;
    if (s->n_using || s->natural) {
        if ((rc = using_cond(c, s, nl, n)))
            return rc;
    } else if (s->on) {
        c->mode = BM_WHERE;
        if ((rc = sl_bind_expr(c, s->on, &src->on)))
            return rc;
        if (src->on->type != SL_T_BOOL && src->on->type != SL_T_NULL)
            return sl_bind_error(c, s->on->line, s->on->col, SL_EBIND,
                                 "JOIN condition must be BOOLEAN, got %s",
                                 sl_type_name(src->on->type));
    }
    c->col_using = src->col_using;
    if (s->join == SL_JOIN_SEMI || s->join == SL_JOIN_ANTI) {
        for (int i = nl; i < n; i++)
            sl_free(src->file_col_names[i]);
        src->n_file_cols = nl;
        c->n_cols = nl;
    }
    return 0;
}

/* ---- select list ---- */

/* The select list after * expansion: borrowed AST items, plus owned synthetic column refs. */
typedef struct items {
    int n;
    const sl_ast_expr **e;
    const char **alias;
    int n_owned;
    sl_ast_expr **owned;
} items;

static void items_free(items *it)
{
    for (int i = 0; i < it->n_owned; i++)
        sl_ast_expr_free(&it->owned[i]);
    sl_free(it->owned);
    sl_free(it->e);
    sl_free(it->alias);
}

static void items_add(items *it, const sl_ast_expr *e, const char *alias)
{
    it->e = sl_xrealloc(it->e, sizeof *it->e * (size_t)(it->n + 1));
    it->alias = sl_xrealloc(it->alias, sizeof *it->alias * (size_t)(it->n + 1));
    it->e[it->n] = e;
    it->alias[it->n++] = alias;
}

/* A synthetic reference to column k of L0 at line:col (owned by it), as * expansion makes. */
static sl_ast_expr *star_col(sl_bind_ctx *c, items *it, int line, int pos, const char *qual,
                             int k)
{
    sl_ast_expr *col = sl_xcalloc(1, sizeof *col);
    col->col_index = k + 1;
    if (qual)
        col->qual = sl_xstrdup(qual);
    col->kind = A_COL;
    col->line = line;
    col->col = pos;
    col->name = sl_xstrdup(c->col_names[k]);
    col->height = 1;
    col->text = col->name; /* borrowed from itself */
    col->text_len = (int64_t)strlen(col->name);
    col->quoted = true;
    it->owned = sl_xrealloc(it->owned, sizeof *it->owned * (size_t)(it->n_owned + 1));
    it->owned[it->n_owned++] = col;
    return col;
}

/* The first COLUMNS(...) call in e, or NULL; *other: a COLUMNS call with another pattern,
 * *deep: a window or subquery in e (neither can be copied). */
static const sl_ast_expr *find_columns(const sl_ast_expr *e, const sl_ast_expr *first,
                                       bool *other, bool *deep)
{
    if (e->over || e->subq)
        *deep = true;
    if (sl_ast_is_columns(e)) {
        if (!first)
            return e;
        char *a = sl_ast_expr_to_string(first, true), *b = sl_ast_expr_to_string(e, true);
        if (strcmp(a, b) != 0)
            *other = true;
        sl_free(a);
        sl_free(b);
        return first;
    }
    for (int i = 0; i < e->n_args; i++)
        first = find_columns(e->args[i], first, other, deep);
    if (e->filter)
        first = find_columns(e->filter, first, other, deep);
    return first;
}

/* A select item holding COLUMNS('regex') or COLUMNS(*): one item per matching column (the
 * columns * would give; the regex is POSIX extended, found anywhere in the name, as
 * DuckDB's RE2 search), each named after its column unless the item has an alias. */
static int expand_columns(sl_bind_ctx *c, items *it, const sl_ast_item *item,
                          const sl_ast_expr *cols, bool join_side)
{
    const sl_ast_expr *e = item->e;
    bool other = false, deep = false;
    find_columns(e, NULL, &other, &deep);
    if (other || deep)
        return sl_bind_error(c, cols->line, cols->col, SL_EBIND, "%s is not supported",
                             other ? "COLUMNS(...) with different arguments in one expression"
                                   : "COLUMNS(...) together with a window function or a "
                                     "subquery");
    regex_t re;
    bool star = cols->star;
    if (!star && (cols->n_args != 1 || cols->args[0]->kind != A_STR))
        return sl_bind_error(c, cols->line, cols->col, SL_EBIND,
                             "COLUMNS takes '*' or one constant regular expression string");
    if (!star) {
        int rc = regcomp(&re, cols->args[0]->sval, REG_EXTENDED | REG_NOSUB);
        if (rc) {
            char msg[256];
            regerror(rc, &re, msg, sizeof msg);
            return sl_bind_error(c, cols->args[0]->line, cols->args[0]->col, SL_EBIND,
                                 "Failed to compile regex \"%s\": %s", cols->args[0]->sval,
                                 msg);
        }
    }
    int n_added = 0;
    for (int k = 0; k < c->n_cols; k++) {
        if (c->col_quals && c->col_hidden[k] && !join_side)
            continue;
        if (!star && regexec(&re, c->col_names[k], 0, NULL, 0) != 0)
            continue;
        n_added++;
        sl_ast_expr *col = star_col(c, it, cols->line, cols->col, NULL, k);
        if (e == cols) {
            items_add(it, col, item->alias);
            continue;
        }
        sl_ast_expr *x = sl_ast_expr_copy_with(e, col);
        it->owned = sl_xrealloc(it->owned, sizeof *it->owned * (size_t)(it->n_owned + 1));
        it->owned[it->n_owned++] = x;
        items_add(it, x, item->alias ? item->alias : col->name);
    }
    if (!star)
        regfree(&re);
    if (n_added == 0)
        return sl_bind_error(c, cols->line, cols->col, SL_EBIND,
                             "No matching columns found that match regex \"%s\"",
                             star ? "*" : cols->args[0]->sval);
    return 0;
}

/* The index of name in names[0..n) (case-insensitive), or -1. */
static int name_in(char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcasecmp(names[i], name) == 0)
            return i;
    return -1;
}

/* Each name of * EXCLUDE / REPLACE must be a column that the * gives. */
static int check_star_names(sl_bind_ctx *c, const sl_ast_item *item, const bool *seen_ex,
                            const bool *seen_rep)
{
    for (int j = 0; j < item->n_exclude; j++)
        if (!seen_ex[j])
            return sl_bind_error(c, item->e->line, item->e->col, SL_EBIND, "Column \"%s\" in "
                                 "EXCLUDE list not found in FROM clause", item->exclude[j]);
    for (int j = 0; j < item->n_replace; j++)
        if (!seen_rep[j])
            return sl_bind_error(c, item->e->line, item->e->col, SL_EBIND, "Column \"%s\" in "
                                 "REPLACE list not found in FROM clause",
                                 item->replace_names[j]);
    return 0;
}

static int expand_items(sl_bind_ctx *c, const sl_ast_query *ast, items *it, bool join_side,
                        const sl_ast_item *star_item)
{
    const sl_ast_item *items = star_item ? star_item : ast->items;
    int n_items = star_item ? 1 : ast->n_items;
    for (int i = 0; i < n_items; i++) {
        const sl_ast_expr *e = items[i].e;
        bool other = false, deep = false;
        const sl_ast_expr *cols = e->kind == A_STAR ? NULL : find_columns(e, NULL, &other, &deep);
        if (cols) {
            int rc = expand_columns(c, it, &items[i], cols, join_side);
            if (rc)
                return rc;
            continue;
        }
        if (e->kind != A_STAR) {
            items_add(it, e, items[i].alias);
            continue;
        }
        if (e->qual && !c->col_quals && !(c->alias && strcasecmp(e->qual, c->alias) == 0))
            return sl_bind_error(c, e->line, e->col, SL_EBIND, "table \"%s\" not found", e->qual);
        int n_added = 0;
        bool *seen_ex = sl_xcalloc((size_t)items[i].n_exclude + 1, sizeof *seen_ex);
        bool *seen_rep = sl_xcalloc((size_t)items[i].n_replace + 1, sizeof *seen_rep);
        for (int k = 0; k < c->n_cols; k++) {
            if (c->col_quals && (e->qual ? !(c->col_quals[k] &&
                                             strcasecmp(c->col_quals[k], e->qual) == 0)
                                         : c->col_hidden[k] && !join_side))
                continue;
            n_added++;
            /* * EXCLUDE (names) leaves them out; * REPLACE (x AS name) puts x in their place */
            int j = name_in(items[i].exclude, items[i].n_exclude, c->col_names[k]);
            if (j >= 0) {
                seen_ex[j] = true;
                continue;
            }
            j = name_in(items[i].replace_names, items[i].n_replace, c->col_names[k]);
            if (j >= 0) {
                seen_rep[j] = true;
                items_add(it, items[i].replace[j], items[i].replace_names[j]);
                continue;
            }
            items_add(it, star_col(c, it, e->line, e->col, e->qual, k), NULL);
        }
        int rc = check_star_names(c, &items[i], seen_ex, seen_rep);
        sl_free(seen_ex);
        sl_free(seen_rep);
        if (rc)
            return rc;
        if (e->qual && n_added == 0)
            return sl_bind_error(c, e->line, e->col, SL_EBIND, "table \"%s\" not found", e->qual);
    }
    return 0;
}

/* An unqualified column name that is an output alias: its item index, else -1. */
static int alias_index(const items *it, const sl_ast_expr *e)
{
    if (e->kind != A_COL || e->qual)
        return -1;
    for (int i = 0; i < it->n; i++)
        if (it->alias[i] && strcasecmp(it->alias[i], e->name) == 0)
            return i;
    return -1;
}

/* A 1-based position literal: its item index (error when out of range), else -1. */
static int position_index(sl_bind_ctx *c, const items *it, const sl_ast_expr *e,
                          const char *clause, int *idx)
{
    *idx = -1;
    if (e->kind != A_INT)
        return 0;
    if (e->ival < 1 || e->ival > it->n)
        return sl_bind_error(c, e->line, e->col, SL_EBIND,
                             "%s term out of range - should be between 1 and %d", clause, it->n);
    *idx = (int)e->ival - 1;
    return 0;
}

/* ---- GROUP BY ---- */

static bool has_unnest(const sl_expr *e);

static int add_group(sl_bind_ctx *c, const sl_ast_expr *g)
{
    sl_query *q = c->q;
    sl_expr *e;
    c->mode = BM_GROUP;
    int rc = sl_bind_expr(c, g, &e);
    if (rc)
        return rc;
    if (has_unnest(e)) { /* the rows unnest makes exist only after the grouping */
        sl_expr_free(&e);
        return sl_bind_error(c, g->line, g->col, SL_EBIND, "%s", c->distinct
                             ? "SELECT DISTINCT of an unnest() is not supported: unnest in a "
                               "subquery (SELECT DISTINCT u FROM (SELECT unnest(l) AS u ...))"
                             : "Cannot group on an unnest(): unnest in a subquery");
    }
    q->groups = sl_xrealloc(q->groups, sizeof *q->groups * (size_t)(q->n_groups + 1));
    c->group_keys = sl_xrealloc(c->group_keys, sizeof *c->group_keys * (size_t)(q->n_groups + 1));
    q->groups[q->n_groups] = e;
    char *text = sl_ast_expr_to_string(g, true);
    if ((int64_t)strlen(text) > c->max_key_len)
        c->max_key_len = (int64_t)strlen(text);
    sl_free(text);
    char *key = sl_bind_key(c, g, -1);
    c->group_keys[q->n_groups++] = key;
    return 0;
}

static int bind_groups(sl_bind_ctx *c, const sl_ast_query *ast, const items *it)
{
    if (c->distinct) {
        if (ast->n_groups || ast->group_all)
            return sl_bind_error(c, ast->line, ast->col, SL_EBIND,
                                 "SELECT DISTINCT together with GROUP BY is not supported yet");
        for (int i = 0; i < it->n; i++) {
            if (sl_ast_has_agg(it->e[i]))
                return sl_bind_error(c, it->e[i]->line, it->e[i]->col, SL_EBIND,
                                     "SELECT DISTINCT with aggregates is not supported yet");
            int rc = add_group(c, it->e[i]);
            if (rc)
                return rc;
        }
        return 0;
    }
    if (ast->group_all) {
        for (int i = 0; i < it->n; i++) {
            if (sl_ast_has_agg(it->e[i]))
                continue;
            int rc = add_group(c, it->e[i]);
            if (rc)
                return rc;
        }
        return 0;
    }
    for (int i = 0; i < ast->n_groups; i++) {
        const sl_ast_expr *g = ast->groups[i];
        int k, rc = position_index(c, it, g, "GROUP BY", &k);
        if (rc)
            return rc;
        /* A name that is a column means the column (DuckDB); otherwise it may be an alias. */
        if (k < 0 && g->kind == A_COL && sl_bind_find_col(c, g) < 0)
            k = alias_index(it, g);
        if (k >= 0) {
            if (sl_ast_has_agg(it->e[k]))
                return sl_bind_error(c, g->line, g->col, SL_EBIND,
                                     "GROUP BY clause cannot contain aggregates");
            g = it->e[k];
        }
        if ((rc = add_group(c, g)))
            return rc;
    }
    return 0;
}

/* ---- the query ---- */

/* PIVOT without GROUP BY groups by every source column its ON and USING do not name, those
 * first in the result (DuckDB). */
static int pivot_group_rest(sl_bind_ctx *c, const sl_ast_query *ast, items *it)
{
    items rest = {0};
    int rc = 0;
    for (int k = 0; k < c->n_cols && !rc; k++) {
        if ((c->col_hidden && c->col_hidden[k]) || sl_ast_pivot_names(ast, c->col_names[k]))
            continue;
        sl_ast_expr *col = star_col(c, it, ast->line, ast->col, NULL, k);
        items_add(&rest, col, NULL);
        rc = add_group(c, col);
    }
    for (int i = 0; i < it->n; i++)
        items_add(&rest, it->e[i], it->alias[i]);
    sl_free(it->e);
    sl_free(it->alias);
    it->n = rest.n;
    it->e = rest.e;
    it->alias = rest.alias;
    return rc;
}

static bool query_has_agg(const sl_ast_query *ast, const items *it)
{
    if (ast->distinct || ast->group_all || ast->n_groups || ast->having)
        return true;
    for (int i = 0; i < it->n; i++)
        if (sl_ast_has_agg(it->e[i]))
            return true;
    for (int i = 0; i < ast->n_order; i++)
        if (sl_ast_has_agg(ast->order[i].e))
            return true;
    return false;
}

static int check_bool(sl_bind_ctx *c, const sl_ast_expr *a, const sl_expr *e, const char *what)
{
    if (e->type == SL_T_BOOL || e->type == SL_T_NULL)
        return 0;
    return sl_bind_error(c, a->line, a->col, SL_EBIND, "%s must be BOOLEAN, got %s", what,
                         sl_type_name(e->type));
}

/* Counts the unnest() calls in e. */
static void count_unnest(sl_expr *e, void *ctx)
{
    if (e->kind == SL_E_CALL && e->fn == SL_FN_UNNEST)
        ++*(int *)ctx;
}

/* unnest(l) expands rows in the projection (exec/op_project.c): any number per select list,
 * anywhere in an item (unnest(l) + 1), but none inside another unnest's argument. */
static int check_unnest(sl_bind_ctx *c, const items *it)
{
    const sl_query *q = c->q;
    for (int i = 0; i < q->n_outs; i++) {
        int n = 0;
        sl_expr_walk(q->outs[i], count_unnest, &n);
        if (!n)
            continue;
        int outer = 0;
        sl_expr *stack[64];
        int top = 0;
        stack[top++] = q->outs[i];
        while (top) { /* the unnest calls not below another one */
            sl_expr *e = stack[--top];
            if (e->kind == SL_E_CALL && e->fn == SL_FN_UNNEST) {
                outer++;
                continue;
            }
            for (int k = 0; k < e->n_args && top < 64; k++)
                stack[top++] = e->args[k];
        }
        if (outer != n)
            return sl_bind_error(c, it->e[i]->line, it->e[i]->col, SL_EBIND, "unnest() "
                                 "inside the argument of another unnest() is not supported");
    }
    return 0;
}

/* Whether e holds an unnest() call. */
static bool has_unnest(const sl_expr *e)
{
    int n = 0;
    sl_expr_walk((sl_expr *)e, count_unnest, &n);
    return n > 0;
}

static int bind_outputs(sl_bind_ctx *c, const items *it)
{
    sl_query *q = c->q;
    q->outs = sl_xcalloc((size_t)it->n, sizeof *q->outs);
    q->out_names = sl_xcalloc((size_t)it->n, sizeof *q->out_names);
    q->n_outs = it->n;
    c->mode = q->has_agg ? BM_POST : BM_PLAIN;
    c->win_ok = true;
    /* An item may name the aliases of the items before it (DuckDB's lateral column aliases:
     * SELECT x * 2 AS y, y + 1 AS z); a column of the input wins over an alias. */
    c->alias_names = (char *const *)it->alias;
    c->alias_asts = it->e;
    for (int i = 0; i < it->n; i++) {
        c->n_alias = i;
        int rc = sl_bind_expr(c, it->e[i], &q->outs[i]);
        c->n_alias = 0;
        if (rc) {
            c->alias_asts = NULL;
            return rc;
        }
        q->out_names[i] = it->alias[i] ? sl_xstrdup(it->alias[i]) : sl_bind_name_of(c, it->e[i]);
    }
    c->alias_asts = NULL;
    return check_unnest(c, it);
}

static int bind_order(sl_bind_ctx *c, const sl_ast_query *ast, const items *it)
{
    sl_query *q = c->q;
    int n = ast->order_all ? it->n : ast->n_order;
    if (!n)
        return 0;
    q->order = sl_xcalloc((size_t)n, sizeof *q->order);
    q->order_desc = sl_xcalloc((size_t)n, sizeof *q->order_desc);
    q->order_nulls_first = sl_xcalloc((size_t)n, sizeof *q->order_nulls_first);
    q->n_order = n;
    c->mode = q->has_agg ? BM_POST : BM_PLAIN;
    c->win_ok = true;
    for (int i = 0; i < n; i++) {
        if (ast->order_all) {
            q->order_desc[i] = ast->order_all_desc;
            q->order_nulls_first[i] = ast->order_all_nulls_first;
            q->order[i] = sl_expr_copy(q->outs[i]);
            continue;
        }
        const sl_ast_order *o = &ast->order[i];
        q->order_desc[i] = o->desc;
        q->order_nulls_first[i] = o->nulls_first;
        int k, rc = position_index(c, it, o->e, "ORDER BY", &k);
        if (rc)
            return rc;
        /* In ORDER BY an output alias wins over a column of the same name (DuckDB). */
        if (k < 0)
            k = alias_index(it, o->e);
        if (k >= 0)
            q->order[i] = sl_expr_copy(q->outs[k]);
        else if ((rc = sl_bind_expr(c, o->e, &q->order[i])))
            return rc;
    }
    return 0;
}

static bool has_window_ref(const sl_expr *e)
{
    if (!e)
        return false;
    if (e->kind == SL_E_COL && e->col < 0)
        return true;
    for (int i = 0; i < e->n_args; i++)
        if (has_window_ref(e->args[i]))
            return true;
    return false;
}

/*
 * DISTINCT ON (k, ...): the first row of each k by the query's ORDER BY, i.e. a
 * row_number() OVER (PARTITION BY k ORDER BY <ORDER BY>) that QUALIFY keeps at 1.
 */
static int bind_distinct_on(sl_bind_ctx *c, const sl_ast_query *ast, sl_expr **pred)
{
    sl_query *q = c->q;
    sl_win w = {0};
    int rc = 0;
    w.fn = SL_WF_ROW_NUMBER;
    w.type = SL_T_BIGINT;
    w.frame.start = SL_FB_UNBOUNDED_PRECEDING;
    w.frame.end = SL_FB_CURRENT_ROW;
    c->win_ok = false;
    w.part = sl_xcalloc((size_t)ast->n_distinct_on + 1, sizeof *w.part);
    for (; !rc && w.n_part < ast->n_distinct_on; w.n_part++)
        rc = sl_bind_expr(c, ast->distinct_on[w.n_part], &w.part[w.n_part]);
    c->win_ok = true;
    w.order = sl_xcalloc((size_t)q->n_order + 1, sizeof *w.order);
    w.order_desc = sl_xcalloc((size_t)q->n_order + 1, sizeof *w.order_desc);
    w.order_nulls_first = sl_xcalloc((size_t)q->n_order + 1, sizeof *w.order_nulls_first);
    for (int i = 0; !rc && i < q->n_order; i++) {
        if (has_window_ref(q->order[i])) {
            rc = sl_bind_error(c, ast->line, ast->col, SL_EBIND,
                               "DISTINCT ON with a window function in ORDER BY is not "
                               "supported yet");
            break;
        }
        w.order[i] = sl_expr_copy(q->order[i]);
        w.order_desc[i] = q->order_desc[i];
        w.order_nulls_first[i] = q->order_nulls_first[i];
        w.n_order++;
    }
    if (rc) {
        sl_win_clear(&w);
        return rc;
    }
    w.text = sl_xstrdup("row_number()");
    int slot = sl_bind_add_window(c, &w, sl_xstrdup("DISTINCT ON"));
    sl_value one = {0};
    one.type = SL_T_BIGINT;
    one.v.i = 1;
    sl_expr *args[2] = {sl_expr_col(-1 - slot, SL_T_BIGINT, "row_number()"),
                        sl_expr_const(&one, "1")};
    sl_err tmp = {0};
    if (sl_func_bind("=", args, 2, "row_number() = 1", pred, &tmp))
        return sl_bind_error(c, ast->line, ast->col, tmp.code, "%s", tmp.msg);
    return 0;
}

/* QUALIFY (over the window results too) and DISTINCT ON, whose filter joins it. */
static int bind_qualify(sl_bind_ctx *c, const sl_ast_query *ast, const items *it)
{
    sl_query *q = c->q;
    int rc = 0;
    if (ast->qualify) {
        c->mode = q->has_agg ? BM_POST : BM_PLAIN;
        c->win_ok = true;
        /* QUALIFY may name select-list aliases (DuckDB: ... AS rn QUALIFY rn <= 2). */
        c->n_alias = it->n;
        c->alias_names = (char *const *)it->alias;
        c->alias_exprs = q->outs;
        rc = sl_bind_expr(c, ast->qualify, &q->qualify);
        c->n_alias = 0;
        if (rc || (rc = check_bool(c, ast->qualify, q->qualify, "QUALIFY clause")))
            return rc;
    }
    if (ast->n_distinct_on) {
        sl_expr *pred = NULL;
        c->mode = q->has_agg ? BM_POST : BM_PLAIN;
        if ((rc = bind_distinct_on(c, ast, &pred)))
            return rc;
        if (!q->qualify) {
            q->qualify = pred;
        } else {
            sl_expr *args[2] = {q->qualify, pred};
            sl_err tmp = {0};
            q->qualify = NULL;
            if (sl_func_bind("AND", args, 2, "QUALIFY AND DISTINCT ON", &q->qualify, &tmp))
                return sl_bind_error(c, ast->line, ast->col, tmp.code, "%s", tmp.msg);
        }
    }
    return 0;
}

static int fold(sl_expr **pe, sl_err *err)
{
    return *pe ? sl_expr_fold(pe, err) : 0;
}

static int fold_all(sl_query *q, sl_err *err)
{
    int rc = fold(&q->where, err);
    for (int i = 0; !rc && i < q->n_groups; i++)
        rc = fold(&q->groups[i], err);
    for (int i = 0; !rc && i < q->n_aggs; i++) {
        rc = fold(&q->aggs[i].arg, err);
        if (!rc)
            rc = fold(&q->aggs[i].arg2, err);
    }
    if (!rc)
        rc = fold(&q->having, err);
    for (int i = 0; !rc && i < q->n_outs; i++)
        rc = fold(&q->outs[i], err);
    for (int i = 0; !rc && i < q->n_order; i++)
        rc = fold(&q->order[i], err);
    for (int w = 0; !rc && w < q->n_wins; w++) {
        rc = fold(&q->wins[w].arg, err);
        if (!rc)
            rc = fold(&q->wins[w].def, err);
        for (int i = 0; !rc && i < q->wins[w].n_part; i++)
            rc = fold(&q->wins[w].part[i], err);
        for (int i = 0; !rc && i < q->wins[w].n_order; i++)
            rc = fold(&q->wins[w].order[i], err);
    }
    if (!rc)
        rc = fold(&q->qualify, err);
    return rc;
}

/* ---- correlated subqueries: the inner FROM and the outer columns they read ---- */

int sl_bind_corr_open(sl_bind_ctx *c, const sl_ast_expr *a, const sl_ast_query *sq, sl_corr *k)
{
    memset(k, 0, sizeof *k);
    if (!sq->has_from || sq->from.kind == AS_SETOP || sq->n_unpivot || sq->summarize ||
        sq->pivot_on || sq->n_pivot_aggs)
        return 0; /* nothing to correlate with: k->inner stays NULL */
    /* Only the FROM is bound (exists_side); the clauses that would read the outer columns
     * are left out for the while. The query itself is bound, not a copy: its FROM's table
     * functions were opened before binding and are found by their address. */
    sl_ast_query *w = (sl_ast_query *)sq, saved = *sq;
    w->distinct = false;
    w->n_groups = 0;
    w->group_all = false;
    w->having = NULL;
    w->qualify = NULL;
    w->n_distinct_on = 0;
    w->n_order = 0;
    w->order_all = false;
    w->limit = -1;
    w->offset = 0;
    sl_ast_source at = {0};
    at.line = a->line;
    at.col = a->col;
    c->b->join_side = true;
    c->b->exists_side = true;
    int rc = bind_child(c, &at, w, c->b->ctes, &k->inner);
    c->b->join_side = false;
    c->b->exists_side = false;
    *w = saved;
    if (rc) {
        sl_query_free(&k->inner);
        return rc;
    }
    sl_query *inner = k->inner;
    int n = c->n_cols, nr = inner->n_outs, m = n + nr;
    k->sq = sq;
    k->n = n;
    k->m = m;
    k->names = sl_xcalloc((size_t)m + 1, sizeof *k->names);
    k->types = sl_xcalloc((size_t)m + 1, sizeof *k->types);
    k->quals = sl_xcalloc((size_t)m + 1, sizeof *k->quals);
    k->hidden = sl_xcalloc((size_t)m + 1, sizeof *k->hidden);
    for (int i = 0; i < m; i++) {
        k->names[i] = i < n ? c->col_names[i] : inner->out_names[i - n];
        k->types[i] = i < n ? c->col_types[i] : inner->outs[i - n]->type;
    }
    for (int i = 0; i < n; i++) {
        const char *qual = c->col_quals ? c->col_quals[i] : c->alias;
        k->quals[i] = qual ? sl_xstrdup(qual) : NULL;
        k->hidden[i] = c->col_hidden ? c->col_hidden[i] : false;
        for (int j = 0; j < nr; j++)
            if (strcasecmp(k->names[i], inner->out_names[j]) == 0)
                k->hidden[i] = true;
    }
    side_quals(inner, k->quals + n, k->hidden + n);
    k->both = *c;
    k->both.n_cols = m;
    k->both.col_names = k->names;
    k->both.col_types = k->types;
    k->both.col_quals = k->quals;
    k->both.col_hidden = k->hidden;
    k->both.col_using = NULL;
    k->both.mode = BM_WHERE;
    k->both.level = 0;
    k->in = k->both;
    k->in.n_cols = nr;
    k->in.col_names = k->names + n;
    k->in.col_types = k->types + n;
    k->in.col_quals = k->quals + n;
    k->in.col_hidden = k->hidden + n;
    return 0;
}

/* The queries between the subquery and a name deeper down: their FROM aliases hide the
 * outer query's. */
typedef struct corr_scope {
    const sl_ast_query *q;
    const struct corr_scope *up;
} corr_scope;

/* s names a source qual (its alias, a table's name; a join's sides). */
static bool src_has_alias(const sl_ast_source *s, const char *qual)
{
    if (s->alias)
        return strcasecmp(s->alias, qual) == 0;
    if (s->kind == AS_NAME)
        return strcasecmp(s->name, qual) == 0;
    if (s->kind == AS_JOIN)
        return (s->sub && src_has_alias(&s->sub->from, qual)) ||
               (s->right && src_has_alias(&s->right->from, qual));
    return false;
}

/* e is an unqualified name of one of q's select-list aliases (HAVING, ORDER BY may use). */
static bool is_item_alias(const sl_ast_query *q, const sl_ast_expr *e)
{
    for (int i = 0; !e->qual && i < q->n_items; i++)
        if (q->items[i].alias && strcasecmp(q->items[i].alias, e->name) == 0)
            return true;
    return false;
}

static void corr_walk(const sl_corr *k, const sl_bind_ctx *c, const sl_ast_expr *e,
                      const corr_scope *sc, int *f);

static void corr_walk_query(const sl_corr *k, const sl_bind_ctx *c, const sl_ast_query *q,
                            const corr_scope *sc, int *f)
{
    for (int i = 0; i < q->n_items; i++)
        corr_walk(k, c, q->items[i].e, sc, f);
    corr_walk(k, c, q->where, sc, f);
    for (int i = 0; i < q->n_groups; i++)
        corr_walk(k, c, q->groups[i], sc, f);
    corr_walk(k, c, q->having, sc, f);
    corr_walk(k, c, q->qualify, sc, f);
    for (int i = 0; i < q->n_order; i++)
        corr_walk(k, c, q->order[i].e, sc, f);
    if (q->has_from && q->from.kind == AS_QUERY && q->from.sub) {
        corr_scope in = { q->from.sub, sc };
        corr_walk_query(k, c, q->from.sub, &in, f);
    }
}

static void corr_walk(const sl_corr *k, const sl_bind_ctx *c, const sl_ast_expr *e,
                      const corr_scope *sc, int *f)
{
    if (!e)
        return;
    if (e->kind == A_COL && !sc) {
        if (sl_bind_find_col(&k->in, e) != -1 || is_item_alias(k->sq, e))
            *f |= SL_CORR_INNER;
        else if (sl_bind_find_col(c, e) != -1)
            *f |= SL_CORR_OUTER;
    } else if (e->kind == A_COL && e->qual) {
        /* deeper, only a qualified name that no query on the way names is the outer's */
        bool hidden = false;
        for (const corr_scope *s = sc; s && !hidden; s = s->up)
            hidden = s->q->has_from && src_has_alias(&s->q->from, e->qual);
        if (!hidden && sl_bind_find_col(&k->in, e) == -1 && sl_bind_find_col(c, e) >= 0)
            *f |= SL_CORR_NESTED;
    }
    for (int i = 0; i < e->n_args; i++)
        corr_walk(k, c, e->args[i], sc, f);
    corr_walk(k, c, e->filter, sc, f);
    for (int i = 0; i < e->n_agg_order; i++)
        corr_walk(k, c, e->agg_order[i].e, sc, f);
    if (e->over) {
        for (int i = 0; i < e->over->n_part; i++)
            corr_walk(k, c, e->over->part[i], sc, f);
        for (int i = 0; i < e->over->n_order; i++)
            corr_walk(k, c, e->over->order[i].e, sc, f);
    }
    if (e->subq) {
        corr_scope in = { e->subq, sc };
        corr_walk_query(k, c, e->subq, &in, f);
    }
}

int sl_bind_corr_refs(const sl_corr *k, const sl_bind_ctx *c, const sl_ast_expr *e)
{
    int f = 0;
    if (k->inner)
        corr_walk(k, c, e, NULL, &f);
    return f;
}

int sl_bind_corr_query_refs(const sl_corr *k, const sl_bind_ctx *c, const sl_ast_query *sq)
{
    int f = 0;
    if (k->inner)
        corr_walk_query(k, c, sq, NULL, &f);
    return f;
}

void sl_bind_corr_close(sl_corr *k)
{
    for (int i = 0; k->quals && i < k->m; i++)
        sl_free(k->quals[i]);
    sl_free(k->quals);
    sl_free(k->hidden);
    sl_free(k->names);
    sl_free(k->types);
    sl_query_free(&k->inner);
    memset(k, 0, sizeof *k);
}

/* ---- WHERE ... IN (subquery) / EXISTS (subquery): semi and anti joins ---- */

/* Appends the AND-ed conjuncts of a (borrowed). */
static void ast_conjuncts(const sl_ast_expr *a, const sl_ast_expr ***v, int *n)
{
    if (a->kind == A_BINARY && strcmp(a->op, "AND") == 0) {
        ast_conjuncts(a->args[0], v, n);
        ast_conjuncts(a->args[1], v, n);
        return;
    }
    *v = sl_xrealloc(*v, sizeof **v * (size_t)(*n + 1));
    (*v)[(*n)++] = a;
}

/* The subquery of a conjunct that becomes a join: x IN (q), EXISTS (q), NOT EXISTS (q). */
static const sl_ast_expr *subquery_conjunct(const sl_ast_expr *a, bool *anti)
{
    *anti = false;
    if (a->kind == A_UNARY && strcmp(a->op, "NOT") == 0 && a->args[0]->kind == A_EXISTS) {
        *anti = true;
        return a->args[0];
    }
    if (a->kind == A_EXISTS || (a->kind == A_IN && a->subq))
        return a;
    return NULL;
}

/* Moves q's source into a new child query that outputs its L0 columns unchanged. */
static sl_query *wrap_source(sl_bind_ctx *c)
{
    sl_query *q = c->q, *w = sl_xcalloc(1, sizeof *w);
    w->src = q->src;
    memset(&q->src, 0, sizeof q->src);
    w->limit = -1;
    w->n_outs = c->n_cols;
    w->outs = sl_xcalloc((size_t)c->n_cols + 1, sizeof *w->outs);
    w->out_names = sl_xcalloc((size_t)c->n_cols + 1, sizeof *w->out_names);
    for (int i = 0; i < c->n_cols; i++) {
        w->outs[i] = sl_expr_col(i, c->col_types[i], c->col_names[i]);
        w->out_names[i] = sl_xstrdup(c->col_names[i]);
    }
    return w;
}

/* c binding a WHERE over the m columns of a decorrelated join's layout (outer columns, then
 * the subquery's). Local. */
static sl_bind_ctx join_layout_ctx(const sl_bind_ctx *c, int m, char **names, sl_type *types,
                                   char **quals, bool *hidden)
{
    sl_bind_ctx jc = *c;
    jc.n_cols = m;
    jc.col_names = names;
    jc.col_types = types;
    jc.col_quals = quals;
    jc.col_hidden = hidden;
    jc.col_using = NULL;
    jc.mode = BM_WHERE;
    jc.level = 0;
    return jc;
}

/* The ON of a correlated x [NOT] IN (SELECT y FROM s WHERE cond), given *on = cond (or
 * NULL) bound over the layout: x = y AND cond; NOT IN: (x = y OR x IS NULL OR y IS NULL)
 * AND cond, for the anti join. */
static int corr_in_cond(sl_bind_ctx *c, const sl_ast_expr *a, char **names, sl_type *types,
                        char **quals, bool *hidden, int m, sl_expr **on)
{
    sl_bind_ctx jc = join_layout_ctx(c, m, names, types, quals, hidden);
    sl_expr *x = NULL, *y = NULL, *eq = NULL;
    c->mode = BM_WHERE;
    int rc = sl_bind_expr(c, a->args[0], &x);
    if (!rc)
        rc = sl_bind_expr(&jc, a->subq->items[0].e, &y);
    if (rc) {
        sl_expr_free(&x);
        return rc;
    }
    sl_err tmp = {0};
    sl_expr *xy[2] = { x, y };
    if (!a->negated) {
        rc = sl_func_bind("=", xy, 2, "IN", &eq, &tmp);
    } else {
        sl_expr *pair[2] = { sl_expr_copy(x), sl_expr_copy(y) }, *e = NULL, *xn = NULL;
        sl_expr *yn = NULL, *o = NULL;
        /* each call takes its arguments, also when it fails */
        rc = sl_func_bind("=", pair, 2, "NOT IN", &e, &tmp);
        rc = sl_func_bind("IS_NULL", &x, 1, "x IS NULL", &xn, &tmp) || rc;
        rc = sl_func_bind("IS_NULL", &y, 1, "y IS NULL", &yn, &tmp) || rc;
        if (!rc) {
            sl_expr *ors[2] = { e, xn };
            e = xn = NULL;
            rc = sl_func_bind("OR", ors, 2, "OR", &o, &tmp);
        }
        if (!rc) {
            sl_expr *ors[2] = { o, yn };
            o = yn = NULL;
            rc = sl_func_bind("OR", ors, 2, "NOT IN", &eq, &tmp);
        }
        sl_expr_free(&e);
        sl_expr_free(&xn);
        sl_expr_free(&yn);
        sl_expr_free(&o);
    }
    if (!rc && *on) {
        sl_expr *both[2] = { eq, *on };
        eq = *on = NULL;
        rc = sl_func_bind("AND", both, 2, "AND", on, &tmp);
    } else if (!rc) {
        *on = eq;
        eq = NULL;
    }
    sl_expr_free(&eq);
    if (rc)
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "IN (subquery): %s", tmp.msg);
    return 0;
}

/*
 * Turns one WHERE conjunct with a subquery into a join with q's source on the left:
 *   x IN (SELECT y ...)        SEMI JOIN (SELECT y ...) ON x = y
 *   [NOT] EXISTS (SELECT ... FROM s WHERE cond)
 *                              SEMI (ANTI) JOIN s ON cond, where cond may refer to the outer
 *                              query's columns (correlated); an unqualified name is the inner
 *                              column when both have it, as in SQL.
 * L0 stays the left columns, so the rest of the query binds as before. x NOT IN (SELECT y)
 * is the anti join on x = y plus the NULL rule (bind_subquery.c).
 */
static int subquery_join(sl_bind_ctx *c, const sl_ast_expr *a, bool anti)
{
    sl_binder *b = c->b;
    bool not_in = a->kind == A_IN && a->negated;
    if (not_in)
        anti = true; /* an anti join, then NOT IN's NULL rule (sl_bind_not_in_nulls) */
    const sl_ast_query *sq = a->subq;
    bool exists = a->kind == A_EXISTS;
    bool simple = sq->has_from && !sq->n_groups && !sq->group_all && !sq->having &&
                  !sq->distinct && sq->limit < 0 && !sq->offset && sq->from.kind != AS_SETOP &&
                  !sq->qualify && !sq->n_distinct_on;
    /* Which outer columns the subquery reads (its FROM bound once more, alone). */
    int refs = 0;
    {
        sl_corr k;
        int rc = sl_bind_corr_open(c, a, sq, &k);
        if (rc)
            return rc;
        refs = sl_bind_corr_query_refs(&k, c, sq);
        sl_bind_corr_close(&k);
    }
    if (refs & SL_CORR_NESTED)
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "correlated subquery nested two "
                             "levels deep (an outer column inside a subquery of the "
                             "subquery) is not supported");
    if ((refs & SL_CORR_OUTER) && !simple)
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "correlated subquery with GROUP "
                             "BY, DISTINCT, LIMIT, OFFSET or a set operation is not supported "
                             "(only SELECT ... FROM ... WHERE ...)");
    if (exists && !simple)
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "EXISTS supports a subquery "
                             "SELECT ... FROM ... [WHERE ...] (no GROUP BY, DISTINCT, LIMIT or "
                             "set operation) for now");
    /* x [NOT] IN (SELECT y FROM s WHERE cond) that reads outer columns: the [anti] join on
     * x = y AND cond (NOT IN: cond AND (x = y OR x IS NULL OR y IS NULL), i.e. NOT EXISTS of
     * a row that makes x NOT IN unknown or false). */
    bool corr_in = !exists && (refs & SL_CORR_OUTER);
    if (corr_in && (sq->n_items != 1 || sq->items[0].e->kind == A_STAR ||
                    sl_ast_has_agg(sq->items[0].e)))
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "correlated subquery of IN must "
                             "select one expression without aggregates");
    sl_ast_source at = {0};
    at.line = a->line;
    at.col = a->col;
    sl_query *inner = NULL;
    int rc;
    if (exists || corr_in) {
        /* SELECT * FROM <the subquery's FROM>: its select list and WHERE are not bound */
        b->join_side = true;
        b->exists_side = true;
        rc = bind_child(c, &at, sq, b->ctes, &inner);
        b->join_side = false;
        b->exists_side = false;
    } else {
        rc = bind_child(c, &at, sq, b->ctes, &inner);
        if (!rc && inner->n_outs != 1)
            rc = sl_bind_error(c, a->line, a->col, SL_EBIND, "subquery of IN returns %d "
                               "columns, expected 1", inner->n_outs);
    }
    if (rc) {
        sl_query_free(&inner);
        return rc;
    }
    int n = c->n_cols, nr = inner->n_outs, m = n + nr;
    sl_expr *on = NULL;
    if (!exists && !corr_in) {
        sl_expr *lhs = NULL;
        c->mode = BM_WHERE;
        if ((rc = sl_bind_expr(c, a->args[0], &lhs))) {
            sl_query_free(&inner);
            return rc;
        }
        sl_expr *args[2] = { lhs, sl_expr_col(n, inner->outs[0]->type, inner->out_names[0]) };
        sl_err tmp = {0};
        if (sl_func_bind("=", args, 2, "IN", &on, &tmp)) {
            sl_query_free(&inner);
            return sl_bind_error(c, a->line, a->col, SL_EBIND, "IN (subquery): %s", tmp.msg);
        }
    }
    /* The layout the correlated condition sees: outer L0, then the inner columns. */
    char **names = sl_xcalloc((size_t)m + 1, sizeof *names);
    sl_type *types = sl_xcalloc((size_t)m + 1, sizeof *types);
    char **quals = sl_xcalloc((size_t)m + 1, sizeof *quals);
    bool *hidden = sl_xcalloc((size_t)m + 1, sizeof *hidden);
    for (int i = 0; i < m; i++) {
        names[i] = i < n ? c->col_names[i] : inner->out_names[i - n];
        types[i] = i < n ? c->col_types[i] : inner->outs[i - n]->type;
    }
    for (int i = 0; i < n; i++) {
        const char *qual = c->col_quals ? c->col_quals[i] : c->alias;
        quals[i] = qual ? sl_xstrdup(qual) : NULL;
        hidden[i] = c->col_hidden ? c->col_hidden[i] : false;
        for (int k = 0; k < nr; k++)
            if (strcasecmp(names[i], inner->out_names[k]) == 0)
                hidden[i] = true;
    }
    side_quals(inner, quals + n, hidden + n);
    if ((exists || corr_in) && sq->where) {
        sl_bind_ctx jc = join_layout_ctx(c, m, names, types, quals, hidden);
        rc = sl_bind_expr(&jc, sq->where, &on);
    }
    if (!rc && corr_in)
        rc = corr_in_cond(c, a, names, types, quals, hidden, m, &on);
    sl_query *left = rc ? NULL : wrap_source(c);
    if (!rc) {
        sl_source *src = &c->q->src;
        src->kind = SL_SRC_JOIN;
        src->join = anti ? SL_JOIN_ANTI : SL_JOIN_SEMI;
        src->child = left;
        src->right = inner;
        inner = NULL;
        src->on = on;
        on = NULL;
        src->n_file_cols = n;
        src->file_col_names = sl_xcalloc((size_t)n + 1, sizeof *src->file_col_names);
        src->file_col_types = sl_xcalloc((size_t)n + 1, sizeof *src->file_col_types);
        for (int i = 0; i < n; i++) {
            src->file_col_names[i] = sl_xstrdup(names[i]);
            src->file_col_types[i] = types[i];
        }
        /* The join's qualifiers describe L0 (what an outer join of this query sees). */
        src->n_quals = m;
        src->col_quals = quals;
        src->col_hidden = hidden;
        for (int i = 0; i < n; i++)
            hidden[i] = c->col_hidden ? c->col_hidden[i] : false;
        quals = NULL;
        hidden = NULL;
        src->col_using = sl_xcalloc((size_t)m + 1, sizeof *src->col_using);
        for (int i = 0; i < m; i++)
            src->col_using[i] = -1;
    }
    if (quals)
        for (int i = 0; i < m; i++)
            sl_free(quals[i]);
    sl_free(quals);
    sl_free(hidden);
    sl_free(names);
    sl_free(types);
    sl_expr_free(&on);
    sl_query_free(&inner);
    if (!rc && not_in && !corr_in)
        rc = sl_bind_not_in_nulls(c, a);
    return rc;
}

/* WHERE: conjuncts with subqueries become joins, the others the filter. */
static int bind_where(sl_bind_ctx *c, const sl_ast_query *ast)
{
    const sl_ast_expr **conj = NULL;
    int n = 0, rc = 0;
    ast_conjuncts(ast->where, &conj, &n);
    bool any = false;
    for (int i = 0; i < n && !rc; i++) {
        bool anti;
        const sl_ast_expr *sq = subquery_conjunct(conj[i], &anti);
        if (sq) {
            rc = subquery_join(c, sq, anti);
            conj[i] = NULL;
            any = true;
        }
    }
    if (!any && !rc) {
        sl_free(conj);
        c->mode = BM_WHERE;
        if ((rc = sl_bind_expr(c, ast->where, &c->q->where)))
            return rc;
        return check_bool(c, ast->where, c->q->where, "WHERE clause");
    }
    for (int i = 0; i < n && !rc; i++) {
        if (!conj[i])
            continue;
        sl_expr *e = NULL;
        c->mode = BM_WHERE;
        if ((rc = sl_bind_expr(c, conj[i], &e)) ||
            (rc = check_bool(c, conj[i], e, "WHERE clause"))) {
            sl_expr_free(&e);
            break;
        }
        if (!c->q->where) {
            c->q->where = e;
            continue;
        }
        sl_expr *both[2] = { c->q->where, e };
        sl_err tmp = {0};
        c->q->where = NULL;
        if (sl_func_bind("AND", both, 2, "AND", &c->q->where, &tmp))
            rc = sl_bind_error(c, conj[i]->line, conj[i]->col, SL_EINTERNAL, "%s", tmp.msg);
    }
    sl_free(conj);
    return rc;
}

/* ---- projection pruning ---- */

typedef struct prune { int n; bool *used; int *map; } prune;

static void mark(sl_expr *e, void *ctx)
{
    prune *p = ctx;
    if (e->kind == SL_E_COL && e->col >= 0 && e->col < p->n)
        p->used[e->col] = true;
}

static void renumber(sl_expr *e, void *ctx)
{
    prune *p = ctx;
    if (e->kind == SL_E_COL && e->col >= 0 && e->col < p->n)
        e->col = p->map[e->col];
}

/* Calls fn on every expression over L0. */
static void walk_l0(sl_query *q, void (*fn)(sl_expr *, void *), void *ctx)
{
    sl_expr_walk(q->where, fn, ctx);
    for (int i = 0; i < q->n_groups; i++)
        sl_expr_walk(q->groups[i], fn, ctx);
    for (int i = 0; i < q->n_aggs; i++) {
        sl_expr_walk(q->aggs[i].arg, fn, ctx);
        sl_expr_walk(q->aggs[i].arg2, fn, ctx);
    }
    if (!q->has_agg) {
        for (int i = 0; i < q->n_outs; i++)
            sl_expr_walk(q->outs[i], fn, ctx);
        for (int i = 0; i < q->n_order; i++)
            sl_expr_walk(q->order[i], fn, ctx);
        sl_expr_walk(q->having, fn, ctx);
        sl_expr_walk(q->qualify, fn, ctx);
        for (int w = 0; w < q->n_wins; w++) {
            const sl_win *x = &q->wins[w];
            sl_expr_walk(x->arg, fn, ctx);
            sl_expr_walk(x->def, fn, ctx);
            for (int i = 0; i < x->n_part; i++)
                sl_expr_walk(x->part[i], fn, ctx);
            for (int i = 0; i < x->n_order; i++)
                sl_expr_walk(x->order[i], fn, ctx);
        }
    }
}

/* Removes the outputs of q that keep[] does not mark; map[old] = new index. */
static void drop_outs(sl_query *q, const bool *keep, int *map)
{
    int k = 0;
    for (int i = 0; i < q->n_outs; i++) {
        map[i] = -1;
        if (!keep[i]) {
            sl_expr_free(&q->outs[i]);
            sl_free(q->out_names[i]);
            continue;
        }
        map[i] = k;
        q->outs[k] = q->outs[i];
        q->out_names[k++] = q->out_names[i];
    }
    q->n_outs = k;
}

/*
 * Keeps only the L0 columns q uses and renumbers its L0 references. A file source narrows
 * src.proj (L0 = proj, so a second call composes with the first); a child query drops the
 * outputs nobody reads and is pruned in turn, so a view over a file parses only what the
 * outer query needs. Dropping child outputs is safe: its GROUP BY / DISTINCT keys and ORDER
 * BY are separate expressions, not outputs. A child keeps at least one output so its batches
 * still carry their row count (count(*) over a view).
 */
static void prune_setop(sl_query *q, prune *p);

static void prune_join(sl_query *q);

static void prune_query(sl_query *q)
{
    sl_source *s = &q->src;
    if (s->kind == SL_SRC_JOIN) {
        prune_join(q);
        return;
    }
    if (s->kind == SL_SRC_SETOP) {
        prune p = {s->n_file_cols, sl_xcalloc((size_t)s->n_file_cols + 1, sizeof *p.used),
                   sl_xcalloc((size_t)s->n_file_cols + 1, sizeof *p.map)};
        prune_setop(q, &p);
        sl_free(p.used);
        sl_free(p.map);
        return;
    }
    bool cols = s->kind != SL_SRC_QUERY; /* files and tables: prune by src.proj */
    int n = cols ? (s->proj ? s->n_proj : s->n_file_cols) : s->child->n_outs;
    prune p = {n, sl_xcalloc((size_t)n + 1, sizeof *p.used),
               sl_xcalloc((size_t)n + 1, sizeof *p.map)};
    walk_l0(q, mark, &p);
    if (cols) {
        int *proj = sl_xcalloc((size_t)n + 1, sizeof *proj), k = 0;
        for (int i = 0; i < n; i++) {
            p.map[i] = -1;
            if (p.used[i]) {
                p.map[i] = k;
                proj[k++] = s->proj ? s->proj[i] : i;
            }
        }
        sl_free(s->proj);
        s->proj = proj;
        s->n_proj = k;
    } else {
        bool any = false;
        for (int i = 0; i < n; i++) { /* an unnest() output sets the child's row count */
            p.used[i] |= has_unnest(s->child->outs[i]);
            any |= p.used[i];
        }
        if (!any && n > 0)
            p.used[0] = true;
        drop_outs(s->child, p.used, p.map);
        prune_query(s->child);
    }
    walk_l0(q, renumber, &p);
    sl_free(p.used);
    sl_free(p.map);
}

/*
 * A set operation: UNION ALL drops the columns nobody reads from both inputs alike (a row
 * of one input stays a row of the result whatever its other columns are); the others compare
 * whole rows, so every column stays. Then both inputs are pruned in turn.
 */
/* Whether output i of q holds an unnest() (directly, or in an input of a set operation q
 * is): it makes rows, so pruning must keep it. */
static bool out_unnests(const sl_query *q, int i)
{
    if (i >= q->n_outs)
        return false;
    if (has_unnest(q->outs[i]))
        return true;
    return q->src.kind == SL_SRC_SETOP &&
           (out_unnests(q->src.child, i) || out_unnests(q->src.right, i));
}

static void prune_setop(sl_query *q, prune *p)
{
    sl_source *s = &q->src;
    int n = p->n;
    bool drop = s->setop == SL_SETOP_UNION && s->setop_all;
    walk_l0(q, mark, p);
    bool any = false;
    for (int i = 0; i < n; i++) {
        if (!drop || out_unnests(s->child, i) || out_unnests(s->right, i))
            p->used[i] = true;
        any |= p->used[i];
    }
    if (!any && n > 0)
        p->used[0] = true;
    int *map2 = sl_xcalloc((size_t)n + 1, sizeof *map2);
    drop_outs(s->child, p->used, p->map);
    drop_outs(s->right, p->used, map2);
    sl_free(map2);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (!p->used[i]) {
            sl_free(s->file_col_names[i]);
            continue;
        }
        s->file_col_names[k] = s->file_col_names[i];
        s->file_col_types[k++] = s->file_col_types[i];
    }
    s->n_file_cols = k;
    prune_query(s->child);
    prune_query(s->right);
    walk_l0(q, renumber, p);
}

/*
 * A join: the columns read by the query or the condition stay in the sides; each side drops
 * the outputs nobody reads (keeping one, so its batches carry their row count) and is pruned
 * in turn. The condition is renumbered over the narrowed concatenation of the sides; L0
 * narrows further to the columns the query reads (join_out: a key column only the condition
 * reads is not gathered into the join's output), keeping at least one. A second call
 * composes with the first (L0 column i is then concatenation column join_out[i]).
 */
static void prune_join(sl_query *q)
{
    sl_source *s = &q->src;
    int nl = s->child->n_outs, nr = s->right->n_outs, n = nl + nr, n0 = s->n_file_cols;
    prune l0 = {n0, sl_xcalloc((size_t)n0 + 1, sizeof *l0.used),
                sl_xcalloc((size_t)n0 + 1, sizeof *l0.map)};
    prune p = {n, sl_xcalloc((size_t)n + 1, sizeof *p.used),
               sl_xcalloc((size_t)n + 1, sizeof *p.map)};
    walk_l0(q, mark, &l0);
    bool any0 = false;
    for (int i = 0; i < n0; i++)
        any0 |= l0.used[i];
    if (!any0 && n0 > 0)
        l0.used[0] = true;
    for (int i = 0; i < n0; i++)
        if (l0.used[i])
            p.used[s->join_out ? s->join_out[i] : i] = true;
    sl_expr_walk(s->on, mark, &p);
    bool any_l = false, any_r = false;
    for (int i = 0; i < n; i++) {
        any_l |= i < nl && p.used[i];
        any_r |= i >= nl && p.used[i];
    }
    if (!any_l && nl > 0)
        p.used[0] = true;
    if (!any_r && nr > 0)
        p.used[nl] = true;
    int *lmap = sl_xcalloc((size_t)nl + 1, sizeof *lmap);
    int *rmap = sl_xcalloc((size_t)nr + 1, sizeof *rmap);
    drop_outs(s->child, p.used, lmap);
    drop_outs(s->right, p.used + nl, rmap);
    int new_nl = s->child->n_outs;
    for (int i = 0; i < n; i++)
        p.map[i] = i < nl ? lmap[i] : rmap[i - nl] >= 0 ? new_nl + rmap[i - nl] : -1;
    int *out = sl_xcalloc((size_t)n0 + 1, sizeof *out), k = 0;
    for (int i = 0; i < n0; i++) {
        l0.map[i] = -1;
        if (!l0.used[i]) {
            sl_free(s->file_col_names[i]);
            continue;
        }
        out[k] = p.map[s->join_out ? s->join_out[i] : i];
        l0.map[i] = k;
        s->file_col_names[k] = s->file_col_names[i];
        s->file_col_types[k++] = s->file_col_types[i];
    }
    s->n_file_cols = k;
    sl_free(s->join_out);
    s->join_out = out;
    sl_free(lmap);
    sl_free(rmap);
    prune_query(s->child);
    prune_query(s->right);
    walk_l0(q, renumber, &l0);
    sl_expr_walk(s->on, renumber, &p);
    sl_free(l0.used);
    sl_free(l0.map);
    sl_free(p.used);
    sl_free(p.map);
}

/* ---- putting it together ---- */

/* ---- SELECT DISTINCT over unnest(): the DISTINCT above the projection that unnests ---- */

static bool ast_has_unnest(const sl_ast_expr *a)
{
    if (!a)
        return false;
    if (a->kind == A_FUNC && a->name && strcasecmp(a->name, "unnest") == 0)
        return true;
    for (int i = 0; i < a->n_args; i++)
        if (ast_has_unnest(a->args[i]))
            return true;
    return false;
}

/* Whether ast is a plain SELECT DISTINCT (no GROUP BY, HAVING, aggregates or DISTINCT ON)
 * with an unnest() among its items: bound without the DISTINCT, then wrapped by
 * wrap_distinct, since the rows unnest makes exist only after the projection. */
static bool distinct_over_unnest(const sl_ast_query *ast, const items *it)
{
    if (!ast->distinct || ast->n_distinct_on || ast->n_groups || ast->group_all || ast->having)
        return false;
    bool any = false;
    for (int i = 0; i < it->n; i++) {
        if (sl_ast_has_agg(it->e[i]))
            return false;
        any |= ast_has_unnest(it->e[i]);
    }
    return any;
}

/* The select item each ORDER BY term of q is (DuckDB: under DISTINCT the ORDER BY names select
 * items), into pos (n_order entries); an error for a term that is none. */
static int distinct_order_items(sl_bind_ctx *c, const sl_ast_query *ast, int *pos)
{
    const sl_query *q = c->q;
    for (int i = 0; i < q->n_order; i++) {
        pos[i] = -1;
        for (int k = 0; k < q->n_outs && pos[i] < 0; k++)
            if (sl_expr_equal(q->order[i], q->outs[k]))
                pos[i] = k;
        if (pos[i] < 0) {
            const sl_ast_expr *e = ast->order_all ? NULL : ast->order[i].e;
            return sl_bind_error(c, e ? e->line : ast->line, e ? e->col : ast->col, SL_EBIND,
                                 "for SELECT DISTINCT, ORDER BY expressions must appear in "
                                 "the select list");
        }
    }
    return 0;
}

/* q (bound without its DISTINCT) as the child of SELECT DISTINCT * ... ORDER BY (the items
 * pos names) LIMIT / OFFSET: q keeps its projection, unnest included, and loses its order
 * and limit to the new query, which it returns. */
static sl_query *wrap_distinct(sl_query *q, const int *pos)
{
    sl_query *w = sl_xcalloc(1, sizeof *w);
    int n = q->n_outs;
    w->src.kind = SL_SRC_QUERY;
    w->src.child = q;
    w->has_agg = true;
    w->n_groups = w->n_outs = n;
    w->groups = sl_xcalloc((size_t)n + 1, sizeof *w->groups);
    w->outs = sl_xcalloc((size_t)n + 1, sizeof *w->outs);
    w->out_names = sl_xcalloc((size_t)n + 1, sizeof *w->out_names);
    for (int k = 0; k < n; k++) {
        w->groups[k] = sl_expr_col(k, q->outs[k]->type, q->out_names[k]);
        w->outs[k] = sl_expr_col(k, q->outs[k]->type, q->out_names[k]);
        w->out_names[k] = sl_xstrdup(q->out_names[k]);
    }
    w->n_order = q->n_order;
    w->order = sl_xcalloc((size_t)q->n_order + 1, sizeof *w->order);
    for (int i = 0; i < q->n_order; i++) {
        w->order[i] = sl_expr_col(pos[i], q->outs[pos[i]]->type, q->out_names[pos[i]]);
        sl_expr_free(&q->order[i]);
    }
    sl_free(q->order);
    w->order_desc = q->order_desc;
    w->order_nulls_first = q->order_nulls_first;
    q->order = NULL;
    q->order_desc = q->order_nulls_first = NULL;
    q->n_order = 0;
    w->limit = q->limit;
    w->offset = q->offset;
    q->limit = -1;
    q->offset = 0;
    return w;
}

static int bind_query(sl_binder *b, const sl_ast_query *ast, sl_query **out)
{
    sl_query *q = sl_xcalloc(1, sizeof *q);
    sl_bind_ctx c = {0};
    items it = {0};
    sl_type *child_types = NULL;
    int rc = 0, *dpos = NULL;
    bool distinct_unnest = false;
    bool join_side = b->join_side, exists_side = b->exists_side;
    b->join_side = false;
    b->exists_side = false;
    sl_ast_expr star = {0};
    sl_ast_item star_item = { .e = &star };
    if (exists_side) {
        /* EXISTS (SELECT ... FROM s WHERE cond) as a join's right side: SELECT * FROM s
         * (the AST is not copied: its sources are found by address) */
        star.kind = A_STAR;
        star.line = ast->line;
        star.col = ast->col;
        star.height = 1;
        star.text = "*";
        star.text_len = 1;
    }
    c.b = b;
    c.q = q;
    q->limit = ast->limit;
    q->offset = ast->offset;
    *out = NULL;

    /* This query's CTEs are visible in its FROM (and, through views, nowhere else) and in
     * its scalar subqueries. */
    sl_cte_scope own = { ast, ast->n_ctes, b->ctes }, *saved_ctes = b->ctes;
    /* SELECT without FROM reads the one-row table (one row of no columns, on rank 0). */
    static char one_row_name[] = "(no FROM: one row)";
    static sl_table one_row = { .name = one_row_name, .one_row = true };
    if (!ast->has_from) {
        open_table(&c, &one_row);
        goto bind_items;
    }
    if (ast->n_ctes)
        b->ctes = &own;
    sl_cte_scope unused;
    const sl_table *table = ast->from.kind == AS_NAME &&
                            !find_cte(b->ctes, ast->from.name, &unused)
                            ? find_table(b->cat, ast->from.name) : NULL;
    if (ast->from.n_col_alias && (table || ast->from.kind == AS_FUNC))
        rc = sl_bind_error(&c, ast->from.line, ast->from.col, SL_EBIND, "%s", "column names "
                           "after a table alias are supported on subqueries, CTEs and views "
                           "only (alias the columns in a SELECT)");
    else if (ast->from.kind == AS_FUNC)
        rc = open_format(&c, &ast->from);
    else if (ast->from.kind == AS_SETOP)
        rc = open_setop(&c, &ast->from);
    else if (ast->from.kind == AS_JOIN)
        rc = open_join(&c, &ast->from);
    else if (table)
        open_table(&c, table);
    else
        rc = open_child(&c, &ast->from, &child_types);
    b->ctes = saved_ctes;
    if (rc)
        goto done;
    if (ast->pivot_on && !ast->pivot_resolved) {
        rc = sl_bind_error(&c, ast->line, ast->col, SL_EBIND, "PIVOT without IN needs its "
                           "values from the data, which `sluice explain` does not read (list "
                           "them: ON col IN (v1, ...))");
        goto done;
    }
    if (ast->n_unpivot || ast->summarize) {
        /* the source's columns known: bind the UNION ALL / the profile it means instead */
        sl_query *u = NULL;
        if (!(rc = ast->summarize ? sl_bind_summarize(&c, ast, &u)
                                  : sl_bind_unpivot(&c, ast, &u))) {
            sl_query_free(&q);
            q = u;
        }
        goto done;
    }
    if (ast->from.alias)
        q->src.alias = sl_xstrdup(ast->from.alias);
    else if (ast->from.kind == AS_NAME)
        q->src.alias = sl_xstrdup(ast->from.name);
    c.alias = q->src.alias;
bind_items:
    c.distinct = ast->distinct;

    if ((rc = expand_items(&c, ast, &it, join_side, exists_side ? &star_item : NULL)))
        goto done;
    if ((distinct_unnest = distinct_over_unnest(ast, &it)))
        c.distinct = false; /* bound as a plain projection, wrapped below */
    q->has_agg = !distinct_unnest && query_has_agg(ast, &it);
    if (ast->pivot_group_rest && (rc = pivot_group_rest(&c, ast, &it)))
        goto done;

    /* Subqueries in expressions see this query's CTEs too. */
    b->ctes = ast->n_ctes ? &own : saved_ctes;
    if (!exists_side)
        rc = sl_bind_scalar_subqueries(&c, ast);
    /* WHERE may name select-list aliases that are not input columns (DuckDB), bound there. */
    c.n_alias = it.n;
    c.alias_names = (char *const *)it.alias;
    c.alias_asts = it.e;
    if (!rc && ast->where && !exists_side)
        rc = bind_where(&c, ast);
    c.n_alias = 0;
    c.alias_asts = NULL;
    b->ctes = saved_ctes;
    if (rc)
        goto done;
    if ((rc = bind_groups(&c, ast, &it)) || (rc = bind_outputs(&c, &it)))
        goto done;
    if (ast->having) {
        c.mode = BM_POST;
        c.win_ok = false; /* HAVING filters groups before any window runs */
        /* ... and so may HAVING, where a grouped column wins over an alias */
        c.n_alias = it.n;
        c.alias_names = (char *const *)it.alias;
        c.alias_exprs = q->outs;
        rc = sl_bind_expr(&c, ast->having, &q->having);
        c.n_alias = 0;
        if (rc || (rc = check_bool(&c, ast->having, q->having, "HAVING clause")))
            goto done;
        if (has_window_ref(q->having)) {
            rc = sl_bind_error(&c, ast->having->line, ast->having->col, SL_EBIND,
                               "HAVING clause cannot contain window functions");
            goto done;
        }
    }
    if ((!exists_side && (rc = bind_order(&c, ast, &it))) || (rc = bind_qualify(&c, ast, &it)))
        goto done;
    if (distinct_unnest) {
        dpos = sl_xcalloc((size_t)q->n_order + 1, sizeof *dpos);
        if ((rc = distinct_order_items(&c, ast, dpos)))
            goto done;
    }
    {
        sl_err tmp = {0};
        if (fold_all(q, &tmp)) {
            rc = sl_bind_error(&c, ast->line, ast->col, tmp.code, "%s", tmp.msg);
            goto done;
        }
    }
    prune_query(q);

done:
    items_free(&it);
    for (int i = 0; c.group_keys && i < q->n_groups; i++)
        sl_free(c.group_keys[i]);
    sl_free(c.group_keys);
    for (int i = 0; c.agg_keys && i < q->n_aggs; i++)
        sl_free(c.agg_keys[i]);
    sl_free(c.agg_keys);
    for (int i = 0; c.win_keys && i < q->n_wins; i++)
        sl_free(c.win_keys[i]);
    sl_free(c.win_keys);
    sl_bind_scalar_free(&c);
    sl_free(child_types);
    if (!rc && distinct_unnest)
        q = wrap_distinct(q, dpos);
    sl_free(dpos);
    if (rc) {
        sl_query_free(&q);
        return rc;
    }
    *out = q;
    return 0;
}

int sl_bind_child_query(sl_bind_ctx *c, const sl_ast_source *s, const sl_ast_query *sub,
                        sl_query **out)
{
    return bind_child(c, s, sub, c->b->ctes, out);
}

sl_query *sl_bind_wrap_source(sl_bind_ctx *c)
{
    return wrap_source(c);
}

int sl_sql_bind(const sl_job *job, const sl_ast_query *ast, const sl_catalog *cat,
                const sl_fmt_sources *srcs, sl_query **out, sl_err *err)
{
    sl_binder b = {0};
    b.path = job && job->path ? job->path : "<job>";
    b.cat = cat;
    b.srcs = srcs;
    b.err = err;
    *out = NULL;
    if (!ast)
        return SL_ERR(err, SL_EINTERNAL, "%s: sl_sql_bind called without a query", b.path);
    return bind_query(&b, ast, out);
}
