/*
 * SQL parser, part 2: SELECT queries (select list, FROM source, clauses) and table-function
 * calls (read_<x>(...): generic values handed to the format, io/format.h, which parses its
 * own options). Expressions: parser.c; statements: parse_stmt.c. Local.
 */
#include "sql/sql_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/size.h"

/* ---- table functions: read_<x>(...) of a format (io/format.h) ---- */

/* true/false, 1/0, 'true'/'false'. */
int sl_parse_bool_opt(sl_parser *p, bool *out)
{
    sl_tok *v = sl_parse_peek(p);
    int64_t b;
    if ((v->kind == TK_IDENT || v->kind == TK_STRING) &&
        sl_parse_bool(v->val, (int64_t)strlen(v->val), &b))
        *out = b != 0;
    else if (v->kind == TK_INT && (strcmp(v->val, "0") == 0 || strcmp(v->val, "1") == 0))
        *out = v->val[0] == '1';
    else
        return sl_parse_syntax_error(p, "true or false");
    sl_parse_next(p);
    return 0;
}

void sl_parse_add_str(char ***v, int *n, const char *s)
{
    *v = sl_xrealloc(*v, sizeof **v * (size_t)(*n + 1));
    (*v)[(*n)++] = sl_xstrdup(s);
}

void sl_parse_star_items(sl_ast_query *q, int line, int col)
{
    sl_ast_expr *star = sl_xcalloc(1, sizeof *star);
    star->kind = A_STAR;
    star->line = line;
    star->col = col;
    star->height = 1;
    star->text = "*";
    star->text_len = 1;
    q->n_items = 1;
    q->items = sl_xcalloc(1, sizeof *q->items);
    q->items[0].e = star;
}

char *sl_parse_lower_dup(const char *s)
{
    char *d = sl_xstrdup(s);
    for (char *c = d; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return d;
}

/* Appends a copy of *v to (*items, *n) and clears *v (ownership moves). */
static void push_val(sl_fmt_val **items, int *n, sl_fmt_val *v)
{
    *items = sl_xrealloc(*items, sizeof **items * (size_t)(*n + 1));
    (*items)[(*n)++] = *v;
    memset(v, 0, sizeof *v);
}

/* An item of a [list] or a {struct}: a value must be there. */
static int parse_item_value(sl_parser *p, sl_fmt_val *v)
{
    if (sl_parse_fmt_value(p, v))
        return p->err->code;
    return v->kind == SL_FV_NONE ? sl_parse_syntax_error(p, "a value") : 0;
}

static int parse_list(sl_parser *p, sl_fmt_val *v)
{
    v->kind = SL_FV_LIST;
    if (sl_parse_accept_op(p, "]"))
        return 0;
    for (;;) {
        sl_fmt_val item;
        int rc = parse_item_value(p, &item);
        push_val(&v->items, &v->n, &item);
        if (rc)
            return rc;
        if (!sl_parse_accept_op(p, ","))
            break;
    }
    return sl_parse_expect_op(p, "]");
}

static int parse_struct(sl_parser *p, sl_fmt_val *v)
{
    v->kind = SL_FV_STRUCT;
    if (sl_parse_accept_op(p, "}"))
        return 0;
    sl_fmt_val *keys = NULL;
    int n_keys = 0, rc = 0;
    for (;;) {
        sl_tok *k = sl_parse_peek(p);
        if (k->kind != TK_STRING && k->kind != TK_IDENT && k->kind != TK_QIDENT) {
            rc = sl_parse_syntax_error(p, "a key (a name or 'string')");
            break;
        }
        sl_fmt_val key = {.kind = k->kind == TK_STRING  ? SL_FV_STRING
                                  : k->kind == TK_IDENT ? SL_FV_WORD
                                                        : SL_FV_NAME,
                          .line = k->line, .col = k->col, .str = sl_xstrdup(k->val),
                          .raw = sl_parse_raw(p, k)};
        sl_parse_next(p);
        push_val(&keys, &n_keys, &key);
        sl_fmt_val item = {0};
        if ((rc = sl_parse_expect_op(p, ":")) == 0)
            rc = parse_item_value(p, &item);
        push_val(&v->items, &v->n, &item);
        if (rc || !sl_parse_accept_op(p, ","))
            break;
    }
    v->keys = keys; /* n_keys == v->n: a key and its value are pushed together */
    return rc ? rc : sl_parse_expect_op(p, "}");
}

int sl_parse_fmt_value(sl_parser *p, sl_fmt_val *v)
{
    sl_tok *t = sl_parse_peek(p);
    memset(v, 0, sizeof *v);
    v->line = t->line;
    v->col = t->col;
    v->raw = t->kind == TK_EOF ? NULL : sl_parse_raw(p, t);
    switch (t->kind) {
    case TK_STRING: v->kind = SL_FV_STRING; break;
    case TK_INT: v->kind = SL_FV_INT; break;
    case TK_FLOAT: v->kind = SL_FV_FLOAT; break;
    case TK_IDENT: v->kind = SL_FV_WORD; break;
    case TK_QIDENT: v->kind = SL_FV_NAME; break;
    default: break;
    }
    if (v->kind != SL_FV_NONE) {
        v->str = sl_xstrdup(t->val);
        sl_parse_next(p);
        return 0;
    }
    sl_tok *n = sl_parse_peek_at(p, 1);
    if (sl_parse_is_op(t, "-") && (n->kind == TK_INT || n->kind == TK_FLOAT)) {
        v->kind = n->kind == TK_INT ? SL_FV_INT : SL_FV_FLOAT;
        v->str = sl_xasprintf("-%s", n->val);
        sl_parse_next(p);
        sl_parse_next(p);
        return 0;
    }
    if (!sl_parse_is_op(t, "[") && !sl_parse_is_op(t, "{"))
        return 0; /* SL_FV_NONE: the format says what it wanted here */
    if (p->depth >= SL_SQL_MAX_DEPTH)
        return sl_parse_nest_error(p, t);
    p->depth++;
    sl_parse_next(p);
    int rc = t->val[0] == '[' ? parse_list(p, v) : parse_struct(p, v);
    p->depth--;
    return rc;
}

/* No value: an SL_FV_NONE value at the current token (not consumed), for messages. */
static void peek_none(sl_parser *p, sl_fmt_val *v)
{
    sl_tok *t = sl_parse_peek(p);
    memset(v, 0, sizeof *v);
    v->line = t->line;
    v->col = t->col;
    v->raw = t->kind == TK_EOF ? NULL : sl_parse_raw(p, t);
}

/* An unquoted word followed by '=': a named option, not a positional argument. */
static bool at_named_opt(sl_parser *p)
{
    sl_tok *t = sl_parse_peek(p);
    return (t->kind == TK_IDENT || t->kind == TK_QIDENT) &&
           sl_parse_is_op(sl_parse_peek_at(p, 1), "=");
}

/*
 * fn(positional, ..., name = value, ...) of format f: positional values first, then named
 * options, each handed to the format as soon as it is parsed, so errors come in the order
 * they are written; the format checks the options together after the ')'.
 */
static int parse_table_fn(sl_parser *p, const sl_format *f, sl_fmt_call *call)
{
    sl_tok *name = sl_parse_next(p);
    sl_fmt_ctx c = {p->st->path, p->err};
    call->fmt = f;
    call->opts = f->ropts_new();
    call->line = name->line;
    call->col = name->col;
    if (sl_parse_expect_op(p, "("))
        return p->err->code;
    sl_fmt_val *args = NULL, next = {0};
    int n = 0, rc = 0;
    bool comma = false;
    while (!sl_parse_is_op(sl_parse_peek(p), ")") && !at_named_opt(p)) {
        sl_fmt_val v;
        rc = sl_parse_fmt_value(p, &v);
        if (rc || v.kind == SL_FV_NONE) {
            next = v;
            break;
        }
        push_val(&args, &n, &v);
        if (!(comma = sl_parse_accept_op(p, ",")))
            break;
    }
    if (!rc && next.line == 0)
        peek_none(p, &next);
    if (!rc)
        rc = f->ropts_args(call->opts, args, n, &next, &c);
    for (int i = 0; i < n; i++)
        sl_fmt_val_clear(&args[i]);
    sl_free(args);
    sl_fmt_val_clear(&next);
    if (rc)
        return rc;
    /* After a ',' (or with no positional argument) come name=value options. */
    bool want = comma || (n == 0 && !sl_parse_is_op(sl_parse_peek(p), ")"));
    while (want) {
        sl_tok *k = sl_parse_peek(p);
        if (k->kind != TK_IDENT && k->kind != TK_QIDENT)
            return sl_parse_syntax_error(p, "option name");
        sl_parse_next(p);
        if (sl_parse_expect_op(p, "="))
            return p->err->code;
        sl_fmt_opt opt = {.name = sl_xstrdup(k->val), .line = k->line, .col = k->col};
        rc = sl_parse_fmt_value(p, &opt.v);
        if (!rc)
            rc = sl_fmt_call_opt(call, &opt, &c);
        sl_fmt_opt_clear(&opt);
        if (rc)
            return rc;
        want = sl_parse_accept_op(p, ",");
    }
    if (sl_parse_expect_op(p, ")"))
        return p->err->code;
    return f->ropts_end(call->opts, call->line, call->col, &c);
}

/* "read_csv" (the table functions of the formats that can be read, or-separated). */
static char *readers(void)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_format_names(&b, NULL, SL_FMT_READ, true, " or ");
    return sl_buf_take(&b);
}

/* ---- queries ---- */

/* [AS] alias, where AS is optional: an unreserved word or "quoted" name. */
static int parse_alias(sl_parser *p, char **alias)
{
    if (sl_parse_accept_kw(p, "as")) {
        if (!sl_parse_is_name(sl_parse_peek(p)))
            return sl_parse_syntax_error(p, "alias");
    } else if (!sl_parse_is_name(sl_parse_peek(p))) {
        return 0;
    } else if (sl_parse_is_kw(sl_parse_peek(p), "fetch") &&
               (sl_parse_is_kw(sl_parse_peek_at(p, 1), "first") ||
                sl_parse_is_kw(sl_parse_peek_at(p, 1), "next"))) {
        return 0; /* FETCH FIRST n ROWS ONLY, not an alias */
    } else {
        /* x COLLATE c, t TABLESAMPLE ...: not aliases but constructs sluice lacks */
        static const char *const not_alias[] = {"collate", "tablesample", "similar", NULL};
        for (int i = 0; not_alias[i]; i++)
            if (sl_parse_is_kw(sl_parse_peek(p), not_alias[i]) && sl_parse_unsupported(p))
                return p->err->code;
    }
    sl_tok *t = sl_parse_next(p);
    /* Aliases name result columns: keep the case as written (DuckDB does). */
    *alias = t->kind == TK_QIDENT ? sl_xstrdup(t->val) : sl_parse_raw(p, t);
    return 0;
}

static int parse_source(sl_parser *p, sl_ast_source *s);
static sl_ast_query *values_names(sl_ast_query *q);

/* alias(a, b, ...) after a source: renames its first columns (DuckDB keeps the names of the
 * rest): a VALUES list's here, a subquery's, CTE's or view's when bound (bind.c). */
static int parse_column_aliases(sl_parser *p, sl_ast_source *s)
{
    sl_parse_next(p);
    if (s->kind != AS_QUERY || !s->sub->values) {
        do {
            sl_tok *t = sl_parse_peek(p);
            if (!sl_parse_is_name(t))
                return sl_parse_syntax_error(p, "column name");
            sl_parse_next(p);
            char *name = t->kind == TK_QIDENT ? sl_xstrdup(t->val) : sl_parse_raw(p, t);
            sl_parse_add_str(&s->col_alias, &s->n_col_alias, name);
            sl_free(name);
        } while (sl_parse_accept_op(p, ","));
        return sl_parse_expect_op(p, ")");
    }
    sl_ast_query *first = values_names(s->sub);
    int n = 0;
    do {
        sl_tok *t = sl_parse_peek(p);
        if (!sl_parse_is_name(t))
            return sl_parse_syntax_error(p, "column name");
        sl_parse_next(p);
        if (n == first->n_items) {
            char msg[160];
            snprintf(msg, sizeof msg, "table \"%.64s\" has %d columns available but more "
                     "columns specified", s->alias, first->n_items);
            return sl_parse_error_at(p, t, "%s", msg);
        }
        sl_free(first->items[n].alias);
        first->items[n++].alias = t->kind == TK_QIDENT ? sl_xstrdup(t->val) : sl_parse_raw(p, t);
    } while (sl_parse_accept_op(p, ","));
    return sl_parse_expect_op(p, ")");
}

static int parse_primary(sl_parser *p, sl_ast_source *s)
{
    sl_tok *t = sl_parse_peek(p);
    s->line = t->line;
    s->col = t->col;
    const sl_format *f = t->kind == TK_IDENT ? sl_format_find_reader(t->val) : NULL;
    if (f && sl_parse_is_op(sl_parse_peek_at(p, 1), "(")) {
        s->kind = AS_FUNC;
        if (parse_table_fn(p, f, &s->call))
            return p->err->code;
    } else if (sl_parse_is_kw(t, "lateral")) {
        return sl_parse_unsupported(p);
    } else if (sl_parse_is_op(t, "(") && !sl_parse_is_query_start(p)) {
        /* ( a JOIN b ON ... ): a parenthesized FROM clause is one source */
        if (p->depth >= SL_SQL_MAX_DEPTH)
            return sl_parse_nest_error(p, t);
        sl_parse_next(p);
        p->depth++;
        int rc = parse_source(p, s);
        p->depth--;
        if (rc || sl_parse_expect_op(p, ")"))
            return p->err->code;
        s->line = t->line;
        s->col = t->col;
    } else if (sl_parse_is_op(t, "(")) {
        sl_parse_next(p);
        s->kind = AS_QUERY;
        if (!sl_parse_is_query_start(p))
            return sl_parse_unsupported(p) ? p->err->code : sl_parse_syntax_error(p, "SELECT");
        if (sl_parse_query(p, &s->sub) || sl_parse_expect_op(p, ")"))
            return p->err->code;
    } else if (sl_parse_is_name(t)) {
        if (sl_parse_is_op(sl_parse_peek_at(p, 1), "(")) {
            char *fns = readers(), msg[512];
            snprintf(msg, sizeof msg, "unknown table function \"%s\" (use %s)", t->val, fns);
            sl_free(fns);
            return sl_parse_error_at(p, t, "%s", msg);
        }
        sl_parse_next(p);
        s->kind = AS_NAME;
        s->name = sl_parse_lower_dup(t->val);
    } else {
        char *fns = readers(), what[512];
        snprintf(what, sizeof what, "%s(...), a view name or (SELECT ...)", fns);
        sl_free(fns);
        return sl_parse_syntax_error(p, what);
    }
    /* SEMI / ANTI are not reserved words: "t semi JOIN u" is a join, not an alias. */
    if ((sl_parse_is_kw(sl_parse_peek(p), "semi") || sl_parse_is_kw(sl_parse_peek(p), "anti")) &&
        sl_parse_is_kw(sl_parse_peek_at(p, 1), "join"))
        return 0;
    if ((sl_parse_is_kw(sl_parse_peek(p), "asof") ||
         sl_parse_is_kw(sl_parse_peek(p), "positional")) && sl_parse_unsupported(p))
        return p->err->code;
    if (parse_alias(p, &s->alias))
        return p->err->code;
    return s->alias && sl_parse_is_op(sl_parse_peek(p), "(") ? parse_column_aliases(p, s) : 0;
}

static sl_ast_query *new_query(sl_parser *p, const sl_tok *at);

/* Moves the source *side into a new SELECT * FROM side query (a join's input). */
static sl_ast_query *side_query(sl_parser *p, sl_ast_source *side)
{
    sl_ast_query *q = new_query(p, sl_parse_peek(p));
    q->line = side->line;
    q->col = side->col;
    sl_parse_star_items(q, q->line, q->col);
    q->has_from = true;
    q->from = *side;
    memset(side, 0, sizeof *side);
    return q;
}

/* The join keywords before JOIN: [NATURAL] [INNER | LEFT|RIGHT|FULL [OUTER] | SEMI | ANTI |
 * CROSS] JOIN, or ','. Returns false when no join follows. */
static bool accept_join(sl_parser *p, sl_join_type *jt, bool *natural, bool *comma)
{
    sl_tok *t = sl_parse_peek(p);
    *natural = false;
    *comma = false;
    *jt = SL_JOIN_INNER;
    if (sl_parse_is_op(t, ",")) {
        sl_parse_next(p);
        *jt = SL_JOIN_CROSS;
        *comma = true;
        return true;
    }
    int k = 0;
    if (sl_parse_is_kw(t, "natural"))
        k++;
    sl_tok *w = sl_parse_peek_at(p, k);
    int extra = 0;
    if (sl_parse_is_kw(w, "inner")) {
        extra = 1;
    } else if (sl_parse_is_kw(w, "left") || sl_parse_is_kw(w, "right") ||
               sl_parse_is_kw(w, "full")) {
        *jt = sl_parse_is_kw(w, "left") ? SL_JOIN_LEFT
              : sl_parse_is_kw(w, "right") ? SL_JOIN_RIGHT : SL_JOIN_FULL;
        extra = sl_parse_is_kw(sl_parse_peek_at(p, k + 1), "outer") ? 2 : 1;
    } else if (sl_parse_is_kw(w, "semi") || sl_parse_is_kw(w, "anti") ||
               sl_parse_is_kw(w, "cross")) {
        *jt = sl_parse_is_kw(w, "semi") ? SL_JOIN_SEMI
              : sl_parse_is_kw(w, "anti") ? SL_JOIN_ANTI : SL_JOIN_CROSS;
        extra = 1;
    }
    if (!sl_parse_is_kw(sl_parse_peek_at(p, k + extra), "join"))
        return false;
    *natural = k > 0;
    for (int i = 0; i <= k + extra; i++)
        sl_parse_next(p);
    return true;
}

/* USING (a, b, ...) */
static int parse_using(sl_parser *p, sl_ast_source *j)
{
    if (sl_parse_expect_op(p, "("))
        return p->err->code;
    for (;;) {
        sl_tok *t = sl_parse_peek(p);
        if (!sl_parse_is_name(t))
            return sl_parse_syntax_error(p, "column name");
        sl_parse_next(p);
        char *name = t->kind == TK_QIDENT ? sl_xstrdup(t->val)
                     : sl_parse_lower_dup(t->val);
        sl_parse_add_str(&j->using_cols, &j->n_using, name);
        sl_free(name);
        if (!sl_parse_accept_op(p, ","))
            break;
    }
    return sl_parse_expect_op(p, ")");
}

/* A FROM clause: a source, then any number of joins (left-deep: a JOIN b JOIN c is
 * (a JOIN b) JOIN c). */
static int parse_source(sl_parser *p, sl_ast_source *s)
{
    if (parse_primary(p, s))
        return p->err->code;
    sl_join_type jt;
    bool natural, comma;
    for (;;) {
        sl_tok *at = sl_parse_peek(p);
        if (!accept_join(p, &jt, &natural, &comma))
            return 0;
        sl_ast_source right = {0};
        if (parse_primary(p, &right)) {
            sl_ast_query *tmp = side_query(p, &right);
            sl_ast_query_free(&tmp);
            return p->err->code;
        }
        sl_ast_source j = {0};
        j.kind = AS_JOIN;
        j.line = at->line;
        j.col = at->col;
        j.join = jt;
        j.natural = natural;
        j.sub = side_query(p, s);
        j.right = side_query(p, &right);
        *s = j;
        if (comma || jt == SL_JOIN_CROSS || natural)
            continue;
        if (sl_parse_accept_kw(p, "on")) {
            if (!(s->on = sl_parse_expr(p)))
                return p->err->code;
        } else if (sl_parse_accept_kw(p, "using")) {
            if (parse_using(p, s))
                return p->err->code;
        } else {
            return sl_parse_syntax_error(p, "ON or USING");
        }
    }
}

/* After * EXCLUDE: (name, ...) or one name. */
static int parse_exclude(sl_parser *p, sl_ast_item *it)
{
    bool list = sl_parse_accept_op(p, "(");
    do {
        sl_tok *t = sl_parse_peek(p);
        if (t->kind != TK_IDENT && t->kind != TK_QIDENT)
            return sl_parse_syntax_error(p, "column name");
        sl_parse_next(p);
        sl_parse_add_str(&it->exclude, &it->n_exclude, t->val);
    } while (list && sl_parse_accept_op(p, ","));
    return list && sl_parse_expect_op(p, ")") ? p->err->code : 0;
}

/* After * REPLACE: (expr AS name, ...) or one expr AS name. */
static int parse_replace(sl_parser *p, sl_ast_item *it)
{
    bool list = sl_parse_accept_op(p, "(");
    do {
        sl_ast_expr *e = sl_parse_expr(p);
        if (!e)
            return p->err->code;
        it->replace = sl_xrealloc(it->replace, sizeof *it->replace * (size_t)(it->n_replace + 1));
        it->replace[it->n_replace] = e;
        if (sl_parse_expect_kw(p, "as")) {
            sl_ast_expr_free(&it->replace[it->n_replace]);
            return p->err->code;
        }
        sl_tok *t = sl_parse_peek(p);
        if (t->kind != TK_IDENT && t->kind != TK_QIDENT) {
            sl_ast_expr_free(&it->replace[it->n_replace]);
            return sl_parse_syntax_error(p, "column name");
        }
        sl_parse_next(p);
        /* the result column is named as written (DuckDB) */
        char *name = t->kind == TK_QIDENT ? sl_xstrdup(t->val) : sl_parse_raw(p, t);
        sl_parse_add_str(&it->replace_names, &it->n_replace, name);
        sl_free(name);
    } while (list && sl_parse_accept_op(p, ","));
    return list && sl_parse_expect_op(p, ")") ? p->err->code : 0;
}

static int parse_item(sl_parser *p, sl_ast_item *it)
{
    int start = p->i;
    sl_tok *t = sl_parse_peek(p);
    if (sl_parse_is_op(t, "*") || ((t->kind == TK_IDENT || t->kind == TK_QIDENT) &&
                                   sl_parse_is_op(sl_parse_peek_at(p, 1), ".") &&
                                   sl_parse_is_op(sl_parse_peek_at(p, 2), "*"))) {
        it->e = sl_parse_new_expr(p, A_STAR, start);
        if (!sl_parse_is_op(t, "*")) {
            it->e->qual = sl_xstrdup(t->val);
            sl_parse_next(p);
            sl_parse_next(p);
        }
        sl_parse_next(p);
        sl_parse_finish(p, it->e, start);
        if (sl_parse_accept_kw(p, "exclude") && parse_exclude(p, it))
            return p->err->code;
        if (sl_parse_accept_kw(p, "replace") && parse_replace(p, it))
            return p->err->code;
        return 0;
    }
    it->e = sl_parse_expr(p);
    if (!it->e)
        return p->err->code;
    return parse_alias(p, &it->alias);
}

static int parse_limit_value(sl_parser *p, int64_t *out)
{
    sl_tok *t = sl_parse_peek(p);
    if (t->kind != TK_INT || !sl_parse_bigint(t->val, (int64_t)strlen(t->val), out))
        return sl_parse_syntax_error(p, "a non-negative integer");
    sl_parse_next(p);
    return 0;
}

/* DISTINCT ON (e, ...): the expressions whose first row (by ORDER BY) is kept. */
static int parse_distinct_on(sl_parser *p, sl_ast_query *q)
{
    if (sl_parse_expect_op(p, "("))
        return p->err->code;
    do {
        sl_ast_expr *e = sl_parse_expr(p);
        if (!e)
            return p->err->code;
        q->distinct_on = sl_xrealloc(q->distinct_on,
                                     sizeof *q->distinct_on * (size_t)(q->n_distinct_on + 1));
        q->distinct_on[q->n_distinct_on++] = e;
    } while (sl_parse_accept_op(p, ","));
    return sl_parse_expect_op(p, ")") ? p->err->code : 0;
}

static int parse_select_body(sl_parser *p, sl_ast_query *q);

/* SELECT ... [FROM] [WHERE] [GROUP BY] [HAVING] [WINDOW] [QUALIFY]: one select block; OVER
 * name reads the block's WINDOW clause ahead (p->window_at, this block's while parsing it). */
static int parse_select_core(sl_parser *p, sl_ast_query *q)
{
    int saved = p->window_at;
    p->window_at = sl_parse_find_window(p);
    int rc = parse_select_body(p, q);
    p->window_at = saved;
    return rc;
}

static int parse_select_body(sl_parser *p, sl_ast_query *q)
{
    if (sl_parse_expect_kw(p, "select"))
        return p->err->code;
    if (sl_parse_accept_kw(p, "distinct")) {
        if (sl_parse_accept_kw(p, "on")) {
            if (parse_distinct_on(p, q))
                return p->err->code;
        } else {
            q->distinct = true;
        }
    } else {
        sl_parse_accept_kw(p, "all");
    }
    for (;;) {
        q->items = sl_xrealloc(q->items, sizeof *q->items * (size_t)(q->n_items + 1));
        sl_ast_item *it = &q->items[q->n_items++];
        memset(it, 0, sizeof *it);
        if (parse_item(p, it))
            return p->err->code;
        if (!sl_parse_accept_op(p, ","))
            break;
    }
    if (sl_parse_accept_kw(p, "from")) {
        q->has_from = true;
        if (parse_source(p, &q->from))
            return p->err->code;
    }
    if (sl_parse_accept_kw(p, "where") && !(q->where = sl_parse_expr(p)))
        return p->err->code;
    if (sl_parse_accept_kw(p, "group")) {
        if (sl_parse_expect_kw(p, "by"))
            return p->err->code;
        if (sl_parse_accept_kw(p, "all")) {
            q->group_all = true;
        } else if (sl_parse_unsupported(p)) {
            return p->err->code;
        } else {
            for (;;) {
                sl_ast_expr *g = sl_parse_expr(p);
                if (!g)
                    return p->err->code;
                q->groups = sl_xrealloc(q->groups, sizeof *q->groups * (size_t)(q->n_groups + 1));
                q->groups[q->n_groups++] = g;
                if (!sl_parse_accept_op(p, ","))
                    break;
            }
        }
    }
    if (sl_parse_accept_kw(p, "having") && !(q->having = sl_parse_expr(p)))
        return p->err->code;
    if (sl_parse_accept_kw(p, "window") && sl_parse_window_clause(p))
        return p->err->code;
    if (sl_parse_accept_kw(p, "qualify") && !(q->qualify = sl_parse_expr(p)))
        return p->err->code;
    return 0;
}

/* [ORDER BY ...] [LIMIT n] [OFFSET n] of a query (a select block or a set result). */
static int parse_query_tail(sl_parser *p, sl_ast_query *q)
{
    if (sl_parse_accept_kw(p, "order")) {
        if (sl_parse_expect_kw(p, "by"))
            return p->err->code;
        /* ORDER BY ALL [ASC | DESC] [NULLS FIRST | LAST]: by every select item (DuckDB). */
        if (sl_parse_accept_kw(p, "all")) {
            q->order_all = true;
            q->order_all_desc = sl_parse_accept_kw(p, "desc");
            if (!q->order_all_desc)
                sl_parse_accept_kw(p, "asc");
            if (sl_parse_accept_kw(p, "nulls")) {
                if (sl_parse_accept_kw(p, "first"))
                    q->order_all_nulls_first = true;
                else if (sl_parse_expect_kw(p, "last"))
                    return p->err->code;
            }
        }
        for (; !q->order_all;) {
            sl_ast_order o = {0};
            if (!(o.e = sl_parse_expr(p)))
                return p->err->code;
            if (sl_parse_accept_kw(p, "desc"))
                o.desc = true;
            else
                sl_parse_accept_kw(p, "asc");
            if (sl_parse_accept_kw(p, "nulls")) {
                if (sl_parse_accept_kw(p, "first"))
                    o.nulls_first = true;
                else if (sl_parse_expect_kw(p, "last")) {
                    sl_ast_expr_free(&o.e);
                    return p->err->code;
                }
            }
            q->order = sl_xrealloc(q->order, sizeof *q->order * (size_t)(q->n_order + 1));
            q->order[q->n_order++] = o;
            if (!sl_parse_accept_op(p, ","))
                break;
        }
    }
    /* LIMIT (or SQL's FETCH {FIRST | NEXT} [n] {ROW | ROWS} ONLY) and OFFSET n [ROW | ROWS]
     * in either order, each at most once. */
    bool offset = false;
    for (int k = 0; k < 2; k++) {
        if (q->limit < 0 && sl_parse_accept_kw(p, "limit")) {
            if (parse_limit_value(p, &q->limit))
                return p->err->code;
        } else if (q->limit < 0 && sl_parse_accept_kw(p, "fetch")) {
            if (!sl_parse_accept_kw(p, "first") && sl_parse_expect_kw(p, "next"))
                return p->err->code;
            q->limit = 1;
            if (sl_parse_peek(p)->kind == TK_INT && parse_limit_value(p, &q->limit))
                return p->err->code;
            if ((!sl_parse_accept_kw(p, "rows") && sl_parse_expect_kw(p, "row")) ||
                sl_parse_expect_kw(p, "only"))
                return p->err->code;
        } else if (!offset && sl_parse_accept_kw(p, "offset")) {
            offset = true;
            if (parse_limit_value(p, &q->offset))
                return p->err->code;
            if (!sl_parse_accept_kw(p, "rows"))
                sl_parse_accept_kw(p, "row");
        }
    }
    return 0;
}

bool sl_parse_is_query_start(sl_parser *p)
{
    int k = 0;
    while (sl_parse_is_op(sl_parse_peek_at(p, k), "("))
        k++;
    const sl_tok *t = sl_parse_peek_at(p, k);
    return sl_parse_is_kw(t, "select") || sl_parse_is_kw(t, "with") ||
           sl_parse_is_kw(t, "values") || sl_parse_is_kw(t, "pivot") || sl_parse_is_kw(t, "unpivot") ||
           sl_parse_is_summarize(p, k);
}

static sl_ast_query *new_query(sl_parser *p, const sl_tok *at)
{
    sl_ast_query *q = sl_xcalloc(1, sizeof *q);
    q->src = sl_sql_src_ref(p->st->src);
    q->line = at->line;
    q->col = at->col;
    q->limit = -1;
    return q;
}

/* SELECT * FROM (inner): wraps a query whose ORDER BY / LIMIT / WITH are taken, so the
 * clauses that follow apply to its result. Takes ownership of inner. */
static sl_ast_query *wrap_query(sl_parser *p, sl_ast_query *inner)
{
    sl_ast_query *q = new_query(p, sl_parse_peek(p));
    q->line = inner->line;
    q->col = inner->col;
    sl_parse_star_items(q, q->line, q->col);
    q->has_from = true;
    q->from.kind = AS_QUERY;
    q->from.line = q->line;
    q->from.col = q->col;
    q->from.sub = inner;
    return q;
}

/* left <op> right as SELECT * FROM (left <op> right). Takes ownership of both. */
static sl_ast_query *setop_query(sl_parser *p, sl_setop_kind op, bool all, sl_ast_query *l,
                                 sl_ast_query *r)
{
    sl_ast_query *q = wrap_query(p, l);
    q->from.kind = AS_SETOP;
    q->from.setop = op;
    q->from.setop_all = all;
    q->from.right = r;
    return q;
}

static int parse_set_expr(sl_parser *p, sl_ast_query **out);

/* ---- PIVOT ---- */

/* Parses the expression at token index at (again: PIVOT builds one copy per value). */
static sl_ast_expr *reparse_expr(sl_parser *p, int at, bool noin)
{
    int saved = p->i;
    p->i = at;
    sl_ast_expr *e = noin ? sl_parse_expr_noin(p) : sl_parse_expr(p);
    p->i = saved;
    return e;
}

/* The result column name of a pivot value: its text as DuckDB names it (a string's value,
 * a number as written). */
static char *value_name(const sl_ast_expr *v)
{
    if (v->kind == A_STR)
        return sl_xstrdup(v->sval);
    return sl_xasprintf("%.*s", (int)v->text_len, v->text);
}

/*
 * PIVOT source ON col IN (v1, ...) USING agg(x) [AS a] [, ...] [GROUP BY k, ...], DuckDB's
 * syntax, rewritten here into the one aggregation it means:
 *   SELECT k, ..., agg(CASE WHEN col = v1 THEN x END) AS "v1", ... FROM source GROUP BY k, ...
 * (count(*) counts CASE WHEN col = v THEN 1 END). With several aggregates a column is named
 * "<value>_<alias or aggregate text>". The distinct values are the IN list: without it they
 * would have to be agreed from the data before binding (not done yet).
 */
static int parse_pivot(sl_parser *p, sl_ast_query *q)
{
    if (sl_parse_expect_kw(p, "pivot"))
        return p->err->code;
    q->has_from = true;
    if (parse_primary(p, &q->from) || sl_parse_expect_kw(p, "on"))
        return p->err->code;
    int col_at = p->i;
    sl_ast_expr *col = sl_parse_expr_noin(p);
    if (!col)
        return p->err->code;
    sl_ast_expr_free(&col);
    int val_at[256], n_vals = 0;
    /* Without IN the values come from the data, found before binding (pivot_values.c): the
     * source is wrapped as SELECT * FROM source so that query can read it too. */
    bool from_data = !sl_parse_accept_kw(p, "in");
    if (from_data) {
        sl_ast_source src = q->from;
        memset(&q->from, 0, sizeof q->from);
        q->from.kind = AS_QUERY;
        q->from.line = src.line;
        q->from.col = src.col;
        q->from.sub = side_query(p, &src);
    } else if (sl_parse_expect_op(p, "(")) {
        return p->err->code;
    }
    for (; !from_data;) {
        if (n_vals == 256)
            return sl_parse_error_at(p, sl_parse_peek(p), "%s", "PIVOT IN list: at most 256 "
                                     "values");
        val_at[n_vals++] = p->i;
        sl_ast_expr *v = sl_parse_expr(p);
        if (!v)
            return p->err->code;
        sl_ast_expr_free(&v);
        if (!sl_parse_accept_op(p, ","))
            break;
    }
    if ((!from_data && sl_parse_expect_op(p, ")")) || sl_parse_expect_kw(p, "using"))
        return p->err->code;
    int agg_at[64], n_aggs = 0;
    char *agg_alias[64] = {0};
    int rc = 0;
    for (;;) {
        if (n_aggs == 64) {
            rc = sl_parse_error_at(p, sl_parse_peek(p), "%s", "PIVOT: at most 64 aggregates");
            goto out;
        }
        agg_at[n_aggs] = p->i;
        sl_ast_expr *a = sl_parse_expr(p);
        if (!a) {
            rc = p->err->code;
            goto out;
        }
        bool ok = a->kind == A_FUNC && (a->n_args == 1 || a->star);
        sl_ast_expr_free(&a);
        if (!ok) {
            rc = sl_parse_error_at(p, &p->t[agg_at[n_aggs]], "%s", "PIVOT USING needs "
                                   "aggregate calls of one argument (or count(*))");
            goto out;
        }
        if (sl_parse_accept_kw(p, "as") || sl_parse_is_name(sl_parse_peek(p))) {
            sl_tok *t = sl_parse_next(p);
            agg_alias[n_aggs] = t->kind == TK_QIDENT ? sl_xstrdup(t->val) : sl_parse_raw(p, t);
        }
        n_aggs++;
        if (!sl_parse_accept_op(p, ","))
            break;
    }
    /* GROUP BY k, ...: the keys are the first select items, grouped by position */
    if (sl_parse_accept_kw(p, "group")) {
        if (sl_parse_expect_kw(p, "by")) {
            rc = p->err->code;
            goto out;
        }
        for (;;) {
            sl_ast_expr *g = sl_parse_expr(p);
            if (!g) {
                rc = p->err->code;
                goto out;
            }
            q->items = sl_xrealloc(q->items, sizeof *q->items * (size_t)(q->n_items + 1));
            q->items[q->n_items++] = (sl_ast_item){.e = g};
            sl_ast_expr *pos = sl_parse_new_expr(p, A_INT, p->i - 1);
            pos->ival = q->n_items;
            pos->text = "1";
            pos->text_len = 1;
            q->groups = sl_xrealloc(q->groups, sizeof *q->groups * (size_t)(q->n_groups + 1));
            q->groups[q->n_groups++] = pos;
            if (!sl_parse_accept_op(p, ","))
                break;
        }
    }
    if (!rc && q->n_groups == 0) {
        /* No GROUP BY: DuckDB groups by every source column that ON and USING do not name,
         * known once the source is bound (bind.c) */
        q->pivot_group_rest = true;
        sl_ast_expr *e = reparse_expr(p, col_at, true);
        sl_ast_pivot_used(q, e);
        sl_ast_expr_free(&e);
        for (int k = 0; k < n_aggs; k++) {
            e = reparse_expr(p, agg_at[k], false);
            sl_ast_pivot_used(q, e);
            sl_ast_expr_free(&e);
        }
    }
    if (from_data && !rc) {
        q->pivot_on = reparse_expr(p, col_at, true);
        q->n_pivot_aggs = n_aggs;
        q->pivot_aggs = sl_xcalloc((size_t)n_aggs, sizeof *q->pivot_aggs);
        q->pivot_alias = sl_xcalloc((size_t)n_aggs, sizeof *q->pivot_alias);
        for (int k = 0; k < n_aggs; k++) {
            q->pivot_aggs[k] = reparse_expr(p, agg_at[k], false);
            q->pivot_alias[k] = agg_alias[k];
            agg_alias[k] = NULL;
        }
        q->n_pivot_keys = q->n_items;
    }
    for (int v = 0; v < n_vals && !rc; v++) {
        for (int k = 0; k < n_aggs && !rc; k++) {
            sl_ast_expr *a = reparse_expr(p, agg_at[k], false);
            sl_ast_expr *c = reparse_expr(p, col_at, true);
            sl_ast_expr *val = reparse_expr(p, val_at[v], false);
            if (!a || !c || !val) {
                sl_ast_expr_free(&a);
                sl_ast_expr_free(&c);
                sl_ast_expr_free(&val);
                rc = p->err->code;
                break;
            }
            char *vname = value_name(val);
            sl_ast_expr *eq = sl_parse_new_expr(p, A_BINARY, col_at);
            eq->op = "=";
            eq->text = c->text;
            eq->text_len = c->text_len;
            sl_parse_add_arg(eq, c);
            sl_parse_add_arg(eq, val);
            sl_ast_expr *then;
            if (a->star) {
                a->star = false;
                then = sl_parse_new_expr(p, A_INT, agg_at[k]);
                then->ival = 1;
                then->text = "1";
                then->text_len = 1;
            } else {
                then = a->args[0];
                a->n_args = 0;
            }
            sl_ast_expr *cs = sl_parse_new_expr(p, A_CASE, agg_at[k]);
            cs->text = a->text;
            cs->text_len = a->text_len;
            sl_parse_add_arg(cs, eq);
            sl_parse_add_arg(cs, then);
            a->height = 1;
            sl_parse_add_arg(a, cs);
            q->items = sl_xrealloc(q->items, sizeof *q->items * (size_t)(q->n_items + 1));
            q->items[q->n_items] = (sl_ast_item){.e = a};
            if (n_aggs == 1) {
                q->items[q->n_items++].alias = vname;
            } else {
                char *an = agg_alias[k] ? sl_xstrdup(agg_alias[k])
                                        : sl_xasprintf("%.*s", (int)a->text_len, a->text);
                q->items[q->n_items++].alias = sl_xasprintf("%s_%s", vname, an);
                sl_free(an);
                sl_free(vname);
            }
        }
    }
out:
    for (int k = 0; k < n_aggs; k++)
        sl_free(agg_alias[k]);
    return rc;
}

/* One row of VALUES after its '(': the items of q; width: the first row's, or -1. */
static int parse_values_row(sl_parser *p, sl_ast_query *q, const sl_tok *open, int width)
{
    for (;;) {
        sl_ast_expr *e = sl_parse_expr(p);
        if (!e)
            return p->err->code;
        q->items = sl_xrealloc(q->items, sizeof *q->items * (size_t)(q->n_items + 1));
        q->items[q->n_items] = (sl_ast_item){.e = e, .alias = sl_xasprintf("col%d", q->n_items)};
        q->n_items++;
        if (!sl_parse_accept_op(p, ","))
            break;
    }
    if (sl_parse_expect_op(p, ")"))
        return p->err->code;
    if (width >= 0 && q->n_items != width)
        return sl_parse_error_at(p, open, "%s", "VALUES lists must all be the same length");
    return 0;
}

/* rows[lo..hi] joined by UNION ALL as a balanced tree (a list of n rows nests log2(n) deep,
 * not n: the binder limits nesting), rows[lo] leftmost so the rows keep their order. */
static sl_ast_query *values_tree(sl_parser *p, sl_ast_query **rows, int lo, int hi)
{
    if (lo == hi)
        return rows[lo];
    int mid = lo + (hi - lo) / 2;
    sl_ast_query *l = values_tree(p, rows, lo, mid);
    return setop_query(p, SETOP_UNION, true, l, values_tree(p, rows, mid + 1, hi));
}

/*
 * VALUES (e, ...), (e, ...) ...: each row a SELECT of its expressions named col0, col1, ...
 * (DuckDB's names), the rows joined by UNION ALL in the order listed, so the column types
 * unify as a UNION's do and the rows print in that order.
 */
static int parse_values(sl_parser *p, sl_ast_query **out)
{
    sl_tok *kw = sl_parse_next(p);
    sl_ast_query **rows = NULL;
    int n_rows = 0, rc = 0;
    for (;;) {
        sl_tok *open = sl_parse_peek(p);
        if (sl_parse_expect_op(p, "(")) {
            rc = p->err->code;
            break;
        }
        sl_ast_query *q = new_query(p, open);
        rows = sl_xrealloc(rows, sizeof *rows * (size_t)(n_rows + 1));
        rows[n_rows++] = q;
        if ((rc = parse_values_row(p, q, open, n_rows > 1 ? rows[0]->n_items : -1)))
            break;
        if (!sl_parse_accept_op(p, ","))
            break;
    }
    if (rc) {
        for (int i = 0; i < n_rows; i++)
            sl_ast_query_free(&rows[i]);
        sl_free(rows);
        return rc;
    }
    *out = values_tree(p, rows, 0, n_rows - 1);
    sl_free(rows);
    (*out)->values = true;
    (*out)->line = kw->line;
    (*out)->col = kw->col;
    return 0;
}

/* The first select block of a VALUES query: the one whose item aliases name the columns. */
static sl_ast_query *values_names(sl_ast_query *q)
{
    while (q->has_from && q->from.kind == AS_SETOP)
        q = q->from.sub;
    return q;
}

/* A select block, or a parenthesized query (which may have its own ORDER BY / LIMIT). */
static int parse_set_primary(sl_parser *p, sl_ast_query **out)
{
    *out = NULL;
    if (sl_parse_accept_op(p, "(")) {
        if (!sl_parse_is_query_start(p))
            return sl_parse_syntax_error(p, "SELECT");
        return sl_parse_query(p, out) || sl_parse_expect_op(p, ")") ? p->err->code : 0;
    }
    if (sl_parse_is_kw(sl_parse_peek(p), "values"))
        return parse_values(p, out);
    if (sl_parse_is_kw(sl_parse_peek(p), "pivot")) {
        sl_ast_query *q = new_query(p, sl_parse_peek(p));
        *out = q;
        return parse_pivot(p, q);
    }
    if (sl_parse_is_kw(sl_parse_peek(p), "unpivot")) {
        sl_ast_query *q = new_query(p, sl_parse_peek(p));
        *out = q;
        return sl_parse_unpivot(p, q);
    }
    if (sl_parse_is_summarize(p, 0)) {
        sl_ast_query *q = new_query(p, sl_parse_peek(p));
        *out = q;
        return sl_parse_summarize(p, q);
    }
    if (!sl_parse_is_kw(sl_parse_peek(p), "select"))
        return sl_parse_unsupported(p) ? p->err->code : sl_parse_syntax_error(p, "SELECT");
    sl_ast_query *q = new_query(p, sl_parse_peek(p));
    *out = q;
    return parse_select_core(p, q);
}

/* UNION / EXCEPT / INTERSECT [ALL | DISTINCT] after a set term; *all says which. */
static bool accept_setop(sl_parser *p, bool intersect, sl_setop_kind *op, bool *all,
                         bool *by_name)
{
    sl_tok *t = sl_parse_peek(p);
    if (intersect ? !sl_parse_is_kw(t, "intersect")
                  : !(sl_parse_is_kw(t, "union") || sl_parse_is_kw(t, "except")))
        return false;
    *op = sl_parse_is_kw(t, "union") ? SETOP_UNION : sl_parse_is_kw(t, "except") ? SETOP_EXCEPT
                                                                                 : SETOP_INTERSECT;
    sl_parse_next(p);
    *all = sl_parse_accept_kw(p, "all");
    if (!*all)
        sl_parse_accept_kw(p, "distinct");
    /* UNION [ALL] BY NAME (EXCEPT / INTERSECT BY NAME: the SELECT expected next reports it) */
    *by_name = false;
    if (*op == SETOP_UNION && sl_parse_is_kw(sl_parse_peek(p), "by") &&
        sl_parse_is_kw(sl_parse_peek_at(p, 1), "name")) {
        sl_parse_next(p);
        sl_parse_next(p);
        *by_name = true;
    }
    return true;
}

/* INTERSECT binds tighter than UNION and EXCEPT (SQL, DuckDB); all are left-associative. */
static int parse_set_term(sl_parser *p, sl_ast_query **out)
{
    if (parse_set_primary(p, out))
        return p->err->code;
    sl_setop_kind op;
    bool all, by_name;
    while (accept_setop(p, true, &op, &all, &by_name)) {
        sl_ast_query *r;
        if (parse_set_primary(p, &r)) {
            sl_ast_query_free(&r);
            return p->err->code;
        }
        *out = setop_query(p, op, all, *out, r);
    }
    return 0;
}

static int parse_set_expr(sl_parser *p, sl_ast_query **out)
{
    if (parse_set_term(p, out))
        return p->err->code;
    sl_setop_kind op;
    bool all, by_name;
    while (accept_setop(p, false, &op, &all, &by_name)) {
        sl_ast_query *r;
        if (parse_set_term(p, &r)) {
            sl_ast_query_free(&r);
            return p->err->code;
        }
        *out = setop_query(p, op, all, *out, r);
        (*out)->from.setop_by_name = by_name;
    }
    return 0;
}

/* name(a, b, ...) AS (body): the body as SELECT * FROM (body) name(a, b, ...). */
static int parse_cte_columns(sl_parser *p, const sl_tok *n, sl_ast_source *cols)
{
    cols->alias = sl_parse_lower_dup(n->val);
    cols->kind = AS_QUERY;
    cols->sub = new_query(p, n); /* not VALUES: the names are kept for the binder */
    int rc = parse_column_aliases(p, cols);
    sl_ast_query_free(&cols->sub);
    return rc;
}

static void free_cte_columns(sl_ast_source *cols)
{
    for (int i = 0; i < cols->n_col_alias; i++)
        sl_free(cols->col_alias[i]);
    sl_free(cols->col_alias);
    sl_free(cols->alias);
    memset(cols, 0, sizeof *cols);
}

/* WITH name [(a, b, ...)] AS (query) [, ...] */
static int parse_with(sl_parser *p, sl_ast_query *holder)
{
    if (sl_parse_is_kw(sl_parse_peek(p), "recursive"))
        return sl_parse_error_at(p, sl_parse_peek(p), "%s",
                                 "WITH RECURSIVE is not supported yet");
    for (;;) {
        sl_tok *n = sl_parse_peek(p);
        if (!sl_parse_is_name(n))
            return sl_parse_syntax_error(p, "CTE name");
        sl_parse_next(p);
        sl_ast_source cols = {0};
        if (sl_parse_is_op(sl_parse_peek(p), "(") && parse_cte_columns(p, n, &cols)) {
            free_cte_columns(&cols);
            return p->err->code;
        }
        int rc = 0;
        if (sl_parse_expect_kw(p, "as"))
            rc = p->err->code;
        else if (sl_parse_is_kw(sl_parse_peek(p), "materialized") ||
                 sl_parse_is_kw(sl_parse_peek(p), "not"))
            rc = sl_parse_error_at(p, sl_parse_peek(p), "%s",
                                   "[NOT] MATERIALIZED is not supported yet");
        else if (sl_parse_expect_op(p, "("))
            rc = p->err->code;
        if (rc) {
            free_cte_columns(&cols);
            return rc;
        }
        char *name = sl_parse_lower_dup(n->val);
        for (int i = 0; i < holder->n_ctes; i++)
            if (strcmp(holder->cte_names[i], name) == 0) {
                sl_free(name);
                free_cte_columns(&cols);
                return sl_parse_error_at(p, n, "duplicate CTE name \"%s\"", n->val);
            }
        sl_ast_query *body = NULL;
        if (!sl_parse_is_query_start(p)) {
            sl_free(name);
            free_cte_columns(&cols);
            return sl_parse_syntax_error(p, "SELECT");
        }
        if (sl_parse_query(p, &body) || sl_parse_expect_op(p, ")")) {
            sl_free(name);
            free_cte_columns(&cols);
            sl_ast_query_free(&body);
            return p->err->code;
        }
        if (cols.n_col_alias) {
            body = wrap_query(p, body);
            body->from.alias = cols.alias;
            body->from.n_col_alias = cols.n_col_alias;
            body->from.col_alias = cols.col_alias;
            memset(&cols, 0, sizeof cols);
        }
        free_cte_columns(&cols);
        holder->cte_names = sl_xrealloc(holder->cte_names,
                                        sizeof *holder->cte_names * (size_t)(holder->n_ctes + 1));
        holder->ctes = sl_xrealloc(holder->ctes,
                                   sizeof *holder->ctes * (size_t)(holder->n_ctes + 1));
        holder->cte_names[holder->n_ctes] = name;
        holder->ctes[holder->n_ctes++] = body;
        if (!sl_parse_accept_op(p, ","))
            return 0;
    }
}

static bool has_tail(const sl_ast_query *q)
{
    return q->n_order > 0 || q->limit >= 0 || q->offset > 0;
}

/* [WITH ...] set expression [ORDER BY ...] [LIMIT] [OFFSET]. */
static int parse_query_full(sl_parser *p, sl_ast_query **out)
{
    sl_ast_query with = {0};
    sl_tok *start = sl_parse_peek(p);
    *out = NULL;
    if (sl_parse_accept_kw(p, "with") && parse_with(p, &with))
        goto fail;
    if (parse_set_expr(p, out))
        goto fail;
    sl_tok *t = sl_parse_peek(p);
    bool tail = sl_parse_is_kw(t, "order") || sl_parse_is_kw(t, "limit") ||
                sl_parse_is_kw(t, "offset") || sl_parse_is_kw(t, "fetch");
    /* Clauses that would land on a query that already has them (a parenthesized one) apply
     * to its result instead. */
    if ((tail && has_tail(*out)) || (with.n_ctes && (*out)->n_ctes))
        *out = wrap_query(p, *out);
    if (tail && parse_query_tail(p, *out))
        goto fail;
    (*out)->n_ctes = with.n_ctes;
    (*out)->cte_names = with.cte_names;
    (*out)->ctes = with.ctes;
    (*out)->line = start->line;
    (*out)->col = start->col;
    return 0;
fail:
    for (int i = 0; i < with.n_ctes; i++) {
        sl_free(with.cte_names[i]);
        sl_ast_query_free(&with.ctes[i]);
    }
    sl_free(with.cte_names);
    sl_free(with.ctes);
    sl_ast_query_free(out);
    return p->err->code;
}

int sl_parse_query(sl_parser *p, sl_ast_query **out)
{
    *out = NULL;
    if (++p->depth > SL_SQL_MAX_DEPTH)
        return sl_parse_nest_error(p, sl_parse_peek(p));
    int rc = parse_query_full(p, out);
    p->depth--;
    return rc;
}

int sl_parse_from_primary(sl_parser *p, sl_ast_source *s)
{
    return parse_primary(p, s);
}

sl_ast_query *sl_parse_side_query(sl_parser *p, sl_ast_source *side)
{
    return side_query(p, side);
}
