/*
 * SQL parser, part 1: token helpers shared by the parser files, and expressions. Recursive
 * descent with DuckDB's (PostgreSQL's) operator precedence, loosest first:
 *   OR < AND < NOT < IS [NOT] NULL < comparison (nonassoc) < [NOT] BETWEEN/IN/LIKE/ILIKE
 *   < || < + - < * / // % < unary - + < :: < primary
 * Errors are SL_ESQL "PATH:LINE:COL: syntax error: expected X, got Y" at the offending token;
 * positions are those of the original job text (see lexer.c). Operator chains are loops, not
 * recursion; AND / OR chains are built balanced; every node records its height, and a tree
 * higher than SL_SQL_MAX_EXPR_DEPTH is an error, so every later walker may recurse. Nodes point
 * into the display text instead of copying it. Queries: parse_query.c; statements and the job:
 * parse_stmt.c. Local.
 */
#include "sql/sql_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "batch/list.h"
#include "batch/nested.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/size.h"
#include "func/func.h"

/* Words that end an expression or a select list, so they can't be implicit aliases. */
static const char *const reserved[] = {
    "select", "from", "where", "group", "by", "having", "order", "limit", "offset", "as", "and",
    "or", "not", "in", "is", "null", "between", "like", "ilike", "case", "when", "then", "else",
    "end", "on", "join", "union", "except", "intersect", "distinct", "all", "asc", "desc",
    "window", "qualify", "using", "inner", "left", "right", "full", "cross", "natural", "outer",
    "with", "into", "to", "true", "false", "escape", "cast", "try_cast", NULL};

static bool is_reserved(const char *w)
{
    for (int i = 0; reserved[i]; i++)
        if (strcmp(reserved[i], w) == 0)
            return true;
    return false;
}

sl_tok *sl_parse_peek(sl_parser *p) { return &p->t[p->i]; }
sl_tok *sl_parse_peek_at(sl_parser *p, int k)
{
    return &p->t[p->i + k < p->n ? p->i + k : p->n - 1];
}
sl_tok *sl_parse_next(sl_parser *p)
{
    sl_tok *t = &p->t[p->i];
    if (t->kind != TK_EOF)
        p->i++;
    return t;
}
bool sl_parse_is_kw(const sl_tok *t, const char *kw)
{
    return t->kind == TK_IDENT && strcmp(t->val, kw) == 0;
}
bool sl_parse_is_op(const sl_tok *t, const char *op)
{
    return t->kind == TK_OP && strcmp(t->val, op) == 0;
}
bool sl_parse_accept_kw(sl_parser *p, const char *kw)
{
    if (!sl_parse_is_kw(sl_parse_peek(p), kw))
        return false;
    sl_parse_next(p);
    return true;
}
bool sl_parse_accept_op(sl_parser *p, const char *op)
{
    if (!sl_parse_is_op(sl_parse_peek(p), op))
        return false;
    sl_parse_next(p);
    return true;
}

/* Records "PATH:L:C: syntax error: expected <what>, got <token>" at token t. */
int sl_parse_syntax_error_at(sl_parser *p, const sl_tok *t, const char *what)
{
    if (t->kind == TK_EOF)
        return SL_ERR(p->err, SL_ESQL, "%s:%d:%d: syntax error: expected %s, got end of input",
                      p->st->path, t->line, t->col, what);
    int len = t->len > 40 ? 40 : (int)t->len;
    return SL_ERR(p->err, SL_ESQL, "%s:%d:%d: syntax error: expected %s, got \"%.*s%s\"",
                  p->st->path, t->line, t->col, what, len, p->st->text + t->off,
                  t->len > 40 ? "..." : "");
}
int sl_parse_syntax_error(sl_parser *p, const char *what)
{
    return sl_parse_syntax_error_at(p, sl_parse_peek(p), what);
}

/*
 * Constructs of DuckDB's dialect that sluice does not have, recognised where the parser
 * would otherwise stop with a bare "expected X" (see sl_parse_unsupported). Each entry: up to
 * two words (or operators) at the current token, and what to call the construct.
 */
static const struct { const char *w1, *w2, *what; } unsupported[] = {
    {"similar", "to", "SIMILAR TO (use LIKE, or regexp functions)"},
    {"collate", NULL, "COLLATE"},
    {"using", "sample", "USING SAMPLE"},
    {"tablesample", NULL, "TABLESAMPLE"},
    {"grouping", "sets", "GROUP BY GROUPING SETS"},
    {"rollup", "(", "GROUP BY ROLLUP"},
    {"cube", "(", "GROUP BY CUBE"},
    {"lateral", NULL, "LATERAL"},
    {"asof", "join", "ASOF JOIN"},
    {"positional", "join", "POSITIONAL JOIN"},
    {"with", "ordinality", "WITH ORDINALITY"},
    {"insert", NULL, "INSERT (jobs write with COPY ... TO)"},
    {"update", NULL, "UPDATE (jobs write with COPY ... TO)"},
    {"delete", NULL, "DELETE (jobs write with COPY ... TO)"},
    {"any", "(", "ANY (subquery)"},
    {"some", "(", "SOME (subquery)"},
    {"all", "(", "ALL (subquery)"},
    {"symmetric", NULL, "BETWEEN SYMMETRIC"},
    {"by", "name", "EXCEPT / INTERSECT BY NAME"},
    {NULL, NULL, NULL}};

static bool tok_is(const sl_tok *t, const char *w)
{
    return t->kind == TK_OP ? strcmp(t->val, w) == 0 : sl_parse_is_kw(t, w);
}

int sl_parse_unsupported(sl_parser *p)
{
    const sl_tok *t = sl_parse_peek(p), *t1 = sl_parse_peek_at(p, 1);
    for (int i = 0; unsupported[i].w1; i++)
        if (tok_is(t, unsupported[i].w1) && (!unsupported[i].w2 || tok_is(t1, unsupported[i].w2)))
            return sl_parse_error_at(p, t, "%s is not supported", unsupported[i].what);
    /* LIMIT n% (a percentage) */
    if (sl_parse_is_op(t, "%") && p->i >= 2 && sl_parse_is_kw(&p->t[p->i - 2], "limit"))
        return sl_parse_error_at(p, t, "%s is not supported", "LIMIT n% (a percentage)");
    return 0;
}

/* The parser's recursion limit, at token t. */
int sl_parse_nest_error(sl_parser *p, const sl_tok *t)
{
    return SL_ERR(p->err, SL_ESQL, "%s:%d:%d: expression or query nested too deeply: more than %d "
                  "levels of parentheses, calls, CASE, NOT, signs or subqueries", p->st->path,
                  t->line, t->col, SL_SQL_MAX_DEPTH);
}

/* Any other message at token t (not "expected X"). */
int sl_parse_error_at(sl_parser *p, const sl_tok *t, const char *fmt, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    return SL_ERR(p->err, SL_ESQL, "%s:%d:%d: %s", p->st->path, t->line, t->col, msg);
}

int sl_parse_expect_kw(sl_parser *p, const char *kw)
{
    if (sl_parse_accept_kw(p, kw))
        return 0;
    char what[64];
    snprintf(what, sizeof what, "%s", kw);
    for (char *c = what; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    return sl_parse_syntax_error(p, what);
}
int sl_parse_expect_op(sl_parser *p, const char *op)
{
    if (sl_parse_accept_op(p, op))
        return 0;
    char what[16];
    snprintf(what, sizeof what, "'%s'", op);
    return sl_parse_syntax_error(p, what);
}

/* The token as written (identifiers keep their case). Returns new; free with sl_free. */
char *sl_parse_raw(sl_parser *p, const sl_tok *t)
{
    return sl_xstrndup(p->st->text + t->off, (size_t)t->len);
}

/* An identifier token usable as a name (unquoted non-reserved word, or "quoted"). */
bool sl_parse_is_name(const sl_tok *t)
{
    return t->kind == TK_QIDENT || (t->kind == TK_IDENT && !is_reserved(t->val));
}

/* ---- expressions ---- */

sl_ast_expr *sl_parse_new_expr(sl_parser *p, int kind, int start)
{
    sl_ast_expr *e = sl_xcalloc(1, sizeof *e);
    e->kind = kind;
    e->line = p->t[start].line;
    e->col = p->t[start].col;
    e->height = 1;
    e->text = p->st->text + p->t[start].off;
    return e;
}

/* Records the height error at the last consumed token: for a chain that is where it got too
 * long, for nesting where it got too deep. Returns the code. */
static int too_deep(sl_parser *p)
{
    const sl_tok *t = &p->t[p->i > 0 ? p->i - 1 : 0];
    return SL_ERR(p->err, SL_ESQL,
                  "%s:%d:%d: expression too deeply nested: more than %d levels (a chain of "
                  "that many operators or that much nesting; split it into smaller expressions "
                  "or views, or use IN (...) instead of a long OR chain)",
                  p->st->path, t->line, t->col, SL_SQL_MAX_EXPR_DEPTH);
}

/* Sets e's text to the source from token `start` through the last consumed token (a pointer
 * into the display text: no copy, so long expressions cost memory linear in their length). */
sl_ast_expr *sl_parse_finish(sl_parser *p, sl_ast_expr *e, int start)
{
    const sl_tok *last = &p->t[p->i > start ? p->i - 1 : start];
    int64_t a = p->t[start].off, b = last->off + last->len;
    e->text = p->st->text + a;
    e->text_len = b > a ? b - a : 0;
    if (e->height > SL_SQL_MAX_EXPR_DEPTH) {
        too_deep(p);
        return sl_parse_fail(e);
    }
    return e;
}

void sl_parse_add_arg(sl_ast_expr *e, sl_ast_expr *a)
{
    if (e->n_args == e->cap_args) {
        e->cap_args = e->cap_args ? 2 * e->cap_args : 2;
        e->args = sl_xrealloc(e->args, sizeof *e->args * (size_t)e->cap_args);
    }
    e->args[e->n_args++] = a;
    if (a->height + 1 > e->height)
        e->height = a->height + 1;
}

static void add_arg(sl_ast_expr *e, sl_ast_expr *a) { sl_parse_add_arg(e, a); }

static sl_ast_expr *binary(sl_parser *p, const char *op, sl_ast_expr *l, sl_ast_expr *r, int start)
{
    sl_ast_expr *e = sl_parse_new_expr(p, A_BINARY, start);
    e->op = op;
    add_arg(e, l);
    add_arg(e, r);
    return sl_parse_finish(p, e, start);
}

sl_ast_expr *sl_parse_fail(sl_ast_expr *e)
{
    sl_ast_expr_free(&e);
    return NULL;
}

static int parse_type(sl_parser *p, sl_type *out, char **written);

/* { [] } after a type: a LIST of it, at any depth (T[3], DuckDB's fixed-size ARRAY, is not
 * supported). */
static int parse_list_suffix(sl_parser *p, sl_type *out)
{
    while (sl_parse_is_op(sl_parse_peek(p), "[")) {
        sl_tok *b = sl_parse_next(p);
        if (!sl_parse_is_op(sl_parse_peek(p), "]"))
            return sl_parse_error_at(p, b, "%s",
                                     "fixed-size ARRAY types (T[n]) are not supported");
        sl_parse_next(p);
        *out = sl_list_type(*out);
        if (*out == SL_T_NULL)
            return sl_parse_error_at(p, b, "%s", "this LIST type cannot be represented");
    }
    return 0;
}

/* STRUCT(name type, ...) after the word STRUCT; names are words or "quoted". */
static int parse_struct_type(sl_parser *p, sl_type *out)
{
    int n = 0, cap = 4, rc = 0;
    char **names = sl_xmalloc(sizeof *names * (size_t)cap);
    sl_type *types = sl_xmalloc(sizeof *types * (size_t)cap);
    sl_tok *open = sl_parse_next(p);
    (void)open;
    sl_parse_next(p); /* ( */
    do {
        sl_tok *nt = sl_parse_peek(p);
        if (nt->kind != TK_IDENT && nt->kind != TK_QIDENT) {
            rc = sl_parse_syntax_error(p, "STRUCT field name");
            break;
        }
        sl_parse_next(p);
        if (n == cap) {
            cap *= 2;
            names = sl_xrealloc(names, sizeof *names * (size_t)cap);
            types = sl_xrealloc(types, sizeof *types * (size_t)cap);
        }
        names[n] = sl_xstrdup(nt->val);
        rc = parse_type(p, &types[n++], NULL);
    } while (!rc && sl_parse_accept_op(p, ","));
    if (!rc)
        rc = sl_parse_expect_op(p, ")") ? p->err->code : 0;
    if (!rc) {
        *out = sl_struct_type(n, (const char *const *)names, types, false);
        if (*out == SL_T_NULL)
            rc = sl_parse_error_at(p, sl_parse_peek(p), "%s",
                                   "a STRUCT type needs distinct field names");
    }
    for (int i = 0; i < n; i++)
        sl_free(names[i]);
    sl_free(names);
    sl_free(types);
    return rc;
}

/* type name [ (n [, m]) ] { [] } ; DOUBLE PRECISION ; STRUCT(name type, ...) { [] }. */
static int parse_type(sl_parser *p, sl_type *out, char **written)
{
    sl_tok *t = sl_parse_peek(p);
    if (t->kind != TK_IDENT && t->kind != TK_QIDENT)
        return sl_parse_syntax_error(p, "type name");
    if (sl_parse_is_kw(t, "map") || sl_parse_is_kw(t, "union"))
        return sl_parse_error_at(p, t, "%s types are not supported",
                                 sl_parse_is_kw(t, "map") ? "MAP" : "UNION");
    if (sl_parse_is_kw(t, "struct") && sl_parse_is_op(sl_parse_peek_at(p, 1), "(")) {
        int rc = parse_struct_type(p, out);
        if (!rc)
            rc = parse_list_suffix(p, out);
        if (!rc && written)
            *written = sl_xstrdup(sl_type_name(*out));
        return rc;
    }
    sl_parse_next(p);
    bool ok = sl_type_parse(t->val, (int64_t)strlen(t->val), out);
    if (sl_parse_is_kw(t, "double") && sl_parse_is_kw(sl_parse_peek(p), "precision"))
        sl_parse_next(p);
    /* TIMESTAMP WITH TIME ZONE, TIMESTAMP WITHOUT TIME ZONE */
    bool with = sl_parse_is_kw(sl_parse_peek(p), "with");
    if (sl_parse_is_kw(t, "timestamp") && (with || sl_parse_is_kw(sl_parse_peek(p), "without")) &&
        sl_parse_is_kw(sl_parse_peek_at(p, 1), "time") &&
        sl_parse_is_kw(sl_parse_peek_at(p, 2), "zone")) {
        for (int w = 0; w < 3; w++)
            sl_parse_next(p);
        *out = with ? SL_T_TIMESTAMPTZ : SL_T_TIMESTAMP;
    }
    if (sl_parse_accept_op(p, "(")) {
        if (sl_parse_peek(p)->kind != TK_INT)
            return sl_parse_syntax_error(p, "type width");
        sl_tok *w = sl_parse_next(p), *sc = NULL;
        if (sl_parse_accept_op(p, ",")) {
            if (sl_parse_peek(p)->kind != TK_INT)
                return sl_parse_syntax_error(p, "type scale");
            sc = sl_parse_next(p);
        }
        if (sl_parse_expect_op(p, ")"))
            return p->err->code;
        if (ok && sl_type_is_decimal(*out)) { /* DECIMAL(w[, s]): DuckDB's limits */
            long wv = strtol(w->val, NULL, 10), sv = sc ? strtol(sc->val, NULL, 10) : 0;
            if (wv < 1 || wv > SL_DEC_MAX_WIDTH)
                return sl_parse_error_at(p, w, "%s", "Width must be between 1 and 38!");
            if (sv > wv)
                return sl_parse_error_at(p, sc, "%s", "Scale must be less than or equal to width");
            *out = sl_type_decimal((int)wv, (int)sv);
        }
    }
    if (!ok)
        return sl_parse_error_at(p, t, "unknown type \"%s\"", t->val);
    if (parse_list_suffix(p, out))
        return p->err->code;
    if (written)
        *written = sl_parse_raw(p, t);
    return 0;
}

static sl_ast_expr *parse_case(sl_parser *p, int start)
{
    sl_ast_expr *e = sl_parse_new_expr(p, A_CASE, start);
    if (!sl_parse_is_kw(sl_parse_peek(p), "when")) {
        sl_ast_expr *x = sl_parse_expr(p);
        if (!x)
            return sl_parse_fail(e);
        add_arg(e, x);
        e->has_operand = true;
    }
    if (!sl_parse_is_kw(sl_parse_peek(p), "when")) {
        sl_parse_syntax_error(p, "WHEN");
        return sl_parse_fail(e);
    }
    while (sl_parse_accept_kw(p, "when")) {
        sl_ast_expr *w = sl_parse_expr(p);
        if (!w)
            return sl_parse_fail(e);
        add_arg(e, w);
        if (sl_parse_expect_kw(p, "then"))
            return sl_parse_fail(e);
        sl_ast_expr *th = sl_parse_expr(p);
        if (!th)
            return sl_parse_fail(e);
        add_arg(e, th);
    }
    if (sl_parse_accept_kw(p, "else")) {
        sl_ast_expr *el = sl_parse_expr(p);
        if (!el)
            return sl_parse_fail(e);
        add_arg(e, el);
        e->has_else = true;
    }
    if (sl_parse_expect_kw(p, "end"))
        return sl_parse_fail(e);
    return sl_parse_finish(p, e, start);
}

static sl_ast_expr *parse_func(sl_parser *p, const sl_tok *name, int start)
{
    sl_ast_expr *e = sl_parse_new_expr(p, A_FUNC, start);
    e->name = name->kind == TK_QIDENT ? sl_parse_lower_dup(name->val) : sl_xstrdup(name->val);
    sl_parse_next(p); /* ( */
    if (sl_parse_accept_op(p, "*")) {
        e->star = true;
    } else if (!sl_parse_is_op(sl_parse_peek(p), ")")) {
        if (sl_parse_accept_kw(p, "distinct"))
            e->distinct = true;
        else
            sl_parse_accept_kw(p, "all");
        for (;;) {
            sl_ast_expr *a = sl_parse_expr(p);
            if (!a)
                return sl_parse_fail(e);
            add_arg(e, a);
            if (!sl_parse_accept_op(p, ","))
                break;
        }
    }
    /* An aggregate's ORDER BY (string_agg(s, ',' ORDER BY k DESC)): the binder turns it into
     * a sort key argument of the order-sensitive aggregates. */
    if (e->n_args && !e->star && sl_parse_accept_kw(p, "order")) {
        if (sl_parse_expect_kw(p, "by"))
            return sl_parse_fail(e);
        do {
            e->agg_order = sl_xrealloc(e->agg_order,
                                       sizeof *e->agg_order * (size_t)(e->n_agg_order + 1));
            sl_ast_order *o = &e->agg_order[e->n_agg_order++];
            memset(o, 0, sizeof *o);
            if (sl_parse_order_item(p, o))
                return sl_parse_fail(e);
            if (o->e->height + 1 > e->height)
                e->height = o->e->height + 1;
        } while (sl_parse_accept_op(p, ","));
    }
    if (sl_parse_is_kw(sl_parse_peek(p), "order") || sl_parse_is_kw(sl_parse_peek(p), "filter")) {
        sl_parse_error_at(p, sl_parse_peek(p), "%s",
                          "ORDER BY / FILTER inside a function call is not supported");
        return sl_parse_fail(e);
    }
    if (sl_parse_expect_op(p, ")"))
        return sl_parse_fail(e);
    /* An aggregate's FILTER (WHERE cond): the binder folds it into the arguments. */
    if (sl_parse_accept_kw(p, "filter")) {
        if (sl_parse_expect_op(p, "(") || sl_parse_expect_kw(p, "where"))
            return sl_parse_fail(e);
        e->filter = sl_parse_expr(p);
        if (!e->filter || sl_parse_expect_op(p, ")"))
            return sl_parse_fail(e);
        if (e->filter->height + 1 > e->height)
            e->height = e->filter->height + 1;
    }
    if (e->n_agg_order && sl_parse_is_kw(sl_parse_peek(p), "over")) {
        sl_parse_error_at(p, sl_parse_peek(p), "%s",
                          "ORDER BY inside a window function call (OVER) is not supported");
        return sl_parse_fail(e);
    }
    if (e->filter && sl_parse_is_kw(sl_parse_peek(p), "over")) {
        /* The window operator computes its aggregates without the filter. */
        sl_parse_error_at(p, sl_parse_peek(p), "%s",
                          "FILTER on a window function (OVER) is not supported");
        return sl_parse_fail(e);
    }
    if (sl_parse_accept_kw(p, "over") && sl_parse_window(p, &e->over))
        return sl_parse_fail(e);
    return sl_parse_finish(p, e, start);
}

/* ---- INTERVAL literals ---- */

/* Adds v units (named u, len bytes) to the interval iv[3] = {months, days, micros}. */
static bool interval_add(int64_t *iv, double v, const char *u, int64_t len)
{
    int64_t mo, d, us;
    if (!sl_interval_unit(u, len, &mo, &d, &us) || !(v > -1e12 && v < 1e12))
        return false;
    if (mo) {
        if (v != (double)(int64_t)v)
            return false; /* a fraction of a month has no fixed length */
        iv[0] += (int64_t)v * mo;
    } else if (d) {
        double whole = (double)(int64_t)(v * (double)d);
        iv[1] += (int64_t)whole;
        iv[2] += llround((v * (double)d - whole) * 86400e6);
    } else {
        iv[2] += llround(v * (double)us);
    }
    return true;
}

/*
 * INTERVAL 'n unit [n unit ...]' | INTERVAL 'n' unit | INTERVAL n unit (at INTERVAL): an
 * A_FUNC "interval" of three A_INT (months, days, microseconds), which the binder makes an
 * INTERVAL constant. A whole string is read as CAST(text AS INTERVAL) reads it.
 */
static sl_ast_expr *parse_interval_lit(sl_parser *p, int start)
{
    sl_parse_next(p);
    sl_tok *t = sl_parse_next(p);
    int64_t iv[3] = {0, 0, 0};
    bool ok = true;
    const char *s = t->val;
    char *end = NULL;
    double v = strtod(s, &end);
    ok = end != s;
    sl_interval whole;
    if (t->kind == TK_STRING && !(ok && *end == 0) &&
        sl_parse_interval(s, (int64_t)strlen(s), &whole)) { /* '1 day 02:00:00', '-1 day' */
        iv[0] = whole.months;
        iv[1] = whole.days;
        iv[2] = whole.micros;
    } else if (ok && t->kind == TK_STRING) {
        while (*end == ' ')
            end++;
        if (*end == 0) { /* INTERVAL '1' DAY */
            sl_tok *u = sl_parse_peek(p);
            ok = u->kind == TK_IDENT && interval_add(iv, v, u->val, (int64_t)strlen(u->val));
            if (ok)
                sl_parse_next(p);
        }
        while (ok && *end) {
            const char *u = end;
            while (*end && *end != ' ')
                end++;
            ok = interval_add(iv, v, u, end - u);
            while (*end == ' ')
                end++;
            if (ok && *end) {
                const char *n = end;
                v = strtod(n, &end);
                ok = end != n;
                while (*end == ' ')
                    end++;
                ok = ok && *end;
            }
        }
    } else if (ok) {
        sl_tok *u = sl_parse_peek(p);
        ok = *end == 0 && u->kind == TK_IDENT &&
             interval_add(iv, v, u->val, (int64_t)strlen(u->val));
        if (ok)
            sl_parse_next(p);
    }
    if (!ok) {
        sl_parse_error_at(p, t, "%s", "expected an INTERVAL like '1 day', '2 hours 30 minutes' "
                          "or 3 MONTHS (units: years, quarters, months, weeks, days, hours, "
                          "minutes, seconds, milliseconds, microseconds)");
        return NULL;
    }
    sl_ast_expr *e = sl_parse_new_expr(p, A_FUNC, start);
    e->name = sl_xstrdup("interval");
    for (int i = 0; i < 3; i++) {
        sl_ast_expr *x = sl_parse_new_expr(p, A_INT, start);
        x->ival = iv[i];
        add_arg(e, sl_parse_finish(p, x, start));
    }
    return sl_parse_finish(p, e, start);
}

/* extract(part FROM x), part a word or a 'string': date_part('part', x) as DuckDB writes it,
 * where the registry has date_part; else the function of that name (year(x), ...; dow and
 * doy are dayofweek and dayofyear), and a part with no such function is not supported. At
 * "extract". */
static sl_ast_expr *parse_extract(sl_parser *p, int start)
{
    sl_parse_next(p);
    sl_parse_next(p);
    int at = p->i;
    sl_tok *part = sl_parse_next(p);
    if (part->kind != TK_IDENT && part->kind != TK_STRING) {
        sl_parse_syntax_error_at(p, part, "a date part (year, month, ...)");
        return NULL;
    }
    char *name = sl_parse_lower_dup(part->val);
    bool dp = sl_func_exists("date_part");
    const char *fn = dp ? "date_part" : strcmp(name, "dow") == 0 ? "dayofweek"
                   : strcmp(name, "doy") == 0 ? "dayofyear" : name;
    if (!sl_func_exists(fn) || strcmp(fn, "date_trunc") == 0) {
        sl_parse_error_at(p, part, "extract(%s FROM ...) is not supported", name);
        sl_free(name);
        return NULL;
    }
    sl_ast_expr *e = sl_parse_new_expr(p, A_FUNC, start);
    e->name = sl_xstrdup(fn);
    if (dp) {
        sl_ast_expr *s = sl_parse_new_expr(p, A_STR, at);
        s->sval = name;
        name = NULL;
        add_arg(e, sl_parse_finish(p, s, at));
    }
    sl_free(name);
    sl_parse_next(p); /* FROM */
    sl_ast_expr *x = sl_parse_expr(p);
    if (!x)
        return sl_parse_fail(e);
    add_arg(e, x);
    if (sl_parse_expect_op(p, ")"))
        return sl_parse_fail(e);
    return sl_parse_finish(p, e, start);
}

/* position(needle IN s): the POSITION_IN kernel (DuckDB has only this form). At "position". */
static sl_ast_expr *parse_position(sl_parser *p, int start)
{
    sl_parse_next(p);
    sl_parse_next(p);
    sl_ast_expr *e = sl_parse_new_expr(p, A_FUNC, start);
    e->name = sl_xstrdup("POSITION_IN");
    sl_ast_expr *n = sl_parse_expr_noin(p);
    if (!n)
        return sl_parse_fail(e);
    add_arg(e, n);
    if (sl_parse_expect_kw(p, "in"))
        return sl_parse_fail(e);
    sl_ast_expr *s = sl_parse_expr(p);
    if (!s)
        return sl_parse_fail(e);
    add_arg(e, s);
    if (sl_parse_expect_op(p, ")"))
        return sl_parse_fail(e);
    return sl_parse_finish(p, e, start);
}

/* [a, b, ...] (a LIST literal) is the call list_value(a, b, ...), as in DuckDB. */
static sl_ast_expr *parse_comprehension(sl_parser *p, int start, sl_ast_expr *expr);

static sl_ast_expr *parse_list_lit(sl_parser *p, int start)
{
    if (++p->depth > SL_SQL_MAX_DEPTH) {
        sl_parse_nest_error(p, sl_parse_peek(p));
        return NULL;
    }
    sl_parse_next(p); /* [ */
    sl_ast_expr *e = sl_parse_new_expr(p, A_FUNC, start);
    e->name = sl_xstrdup("list_value");
    while (!sl_parse_is_op(sl_parse_peek(p), "]")) {
        sl_ast_expr *a = sl_parse_expr(p);
        if (!a)
            return p->depth--, sl_parse_fail(e);
        if (e->n_args == 0 && sl_parse_is_kw(sl_parse_peek(p), "for")) {
            sl_ast_expr_free(&e);
            a = parse_comprehension(p, start, a);
            p->depth--;
            if (!a || sl_parse_expect_op(p, "]"))
                return a ? sl_parse_fail(a) : NULL;
            return sl_parse_finish(p, a, start);
        }
        add_arg(e, a);
        if (!sl_parse_accept_op(p, ","))
            break;
    }
    p->depth--;
    if (sl_parse_expect_op(p, "]"))
        return sl_parse_fail(e);
    return sl_parse_finish(p, e, start);
}

/* A STRUCT field name token: a word, a "quoted name" or a 'string'. */
static bool field_name_tok(const sl_tok *t)
{
    return t->kind == TK_IDENT || t->kind == TK_QIDENT || t->kind == TK_STRING;
}

/* Appends the pair (name as a string literal, value) of one named STRUCT field. */
static void add_field(sl_parser *p, sl_ast_expr *e, const sl_tok *name, sl_ast_expr *v)
{
    sl_ast_expr *s = sl_parse_new_expr(p, A_STR, p->i);
    s->sval = sl_xstrdup(name->val);
    add_arg(e, s);
    add_arg(e, v);
}

/* {'a': x, b: y} (a STRUCT literal) is the call struct_pack('a', x, 'b', y): name / value
 * pairs, the names string literals (the binder takes them as the field names). */
static sl_ast_expr *parse_struct_lit(sl_parser *p, int start)
{
    if (++p->depth > SL_SQL_MAX_DEPTH) {
        sl_parse_nest_error(p, sl_parse_peek(p));
        return NULL;
    }
    sl_parse_next(p); /* { */
    sl_ast_expr *e = sl_parse_new_expr(p, A_FUNC, start);
    e->name = sl_xstrdup("struct_pack");
    do {
        sl_tok *nt = sl_parse_peek(p);
        if (!field_name_tok(nt)) {
            p->depth--;
            sl_parse_syntax_error(p, "STRUCT field name");
            return sl_parse_fail(e);
        }
        sl_parse_next(p);
        sl_ast_expr *v = NULL;
        if (sl_parse_expect_op(p, ":") || !(v = sl_parse_expr(p)))
            return p->depth--, sl_parse_fail(e);
        add_field(p, e, nt, v);
    } while (sl_parse_accept_op(p, ","));
    p->depth--;
    if (sl_parse_expect_op(p, "}"))
        return sl_parse_fail(e);
    return sl_parse_finish(p, e, start);
}

/* struct_pack(a := x, ...) at "struct_pack": the same pairs as a STRUCT literal. */
static sl_ast_expr *parse_struct_pack(sl_parser *p, int start)
{
    sl_parse_next(p); /* struct_pack */
    sl_parse_next(p); /* ( */
    sl_ast_expr *e = sl_parse_new_expr(p, A_FUNC, start);
    e->name = sl_xstrdup("struct_pack");
    do {
        sl_tok *nt = sl_parse_peek(p);
        if (nt->kind != TK_IDENT && nt->kind != TK_QIDENT) {
            sl_parse_syntax_error(p, "name := value");
            return sl_parse_fail(e);
        }
        sl_parse_next(p);
        sl_ast_expr *v = NULL;
        if (sl_parse_expect_op(p, ":") || sl_parse_expect_op(p, "=") || !(v = sl_parse_expr(p)))
            return sl_parse_fail(e);
        add_field(p, e, nt, v);
    } while (sl_parse_accept_op(p, ","));
    if (sl_parse_expect_op(p, ")"))
        return sl_parse_fail(e);
    return sl_parse_finish(p, e, start);
}

static sl_ast_expr *parse_primary(sl_parser *p)
{
    int start = p->i;
    sl_tok *t = sl_parse_peek(p);
    sl_ast_expr *e;
    switch (t->kind) {
    case TK_INT: {
        int64_t v;
        if (!sl_parse_bigint(t->val, (int64_t)strlen(t->val), &v)) {
            /* past BIGINT: HUGEINT, past that DOUBLE, as DuckDB types it (the binder) */
            sl_parse_next(p);
            e = sl_parse_new_expr(p, A_DBL, start);
            e->dval = strtod(t->val, NULL);
            e->sval = sl_xstrdup(t->val);
            return sl_parse_finish(p, e, start);
        }
        sl_parse_next(p);
        e = sl_parse_new_expr(p, A_INT, start);
        e->ival = v;
        return sl_parse_finish(p, e, start);
    }
    case TK_FLOAT:
        sl_parse_next(p);
        e = sl_parse_new_expr(p, A_DBL, start);
        e->dval = strtod(t->val, NULL);
        e->sval = sl_xstrdup(t->val); /* the binder types 65.946 as DECIMAL(5,3) from it */
        return sl_parse_finish(p, e, start);
    case TK_STRING:
        sl_parse_next(p);
        e = sl_parse_new_expr(p, A_STR, start);
        e->sval = sl_xstrdup(t->val);
        return sl_parse_finish(p, e, start);
    case TK_OP:
        if (sl_parse_is_op(t, "(")) {
            if (sl_parse_is_kw(sl_parse_peek_at(p, 1), "select") ||
                sl_parse_is_kw(sl_parse_peek_at(p, 1), "with")) {
                /* (SELECT ...) as a value: a scalar subquery */
                sl_parse_next(p);
                e = sl_parse_new_expr(p, A_SUBQUERY, start);
                if (sl_parse_query(p, &e->subq) || sl_parse_expect_op(p, ")"))
                    return sl_parse_fail(e);
                return sl_parse_finish(p, e, start);
            }
            sl_parse_next(p);
            e = sl_parse_expr(p);
            if (!e)
                return NULL;
            if (sl_parse_is_op(sl_parse_peek(p), ",")) {
                sl_parse_error_at(p, t, "%s", "row values ((a, b, ...)) are not supported");
                return sl_parse_fail(e);
            }
            if (sl_parse_expect_op(p, ")"))
                return sl_parse_fail(e);
            return e;
        }
        if (sl_parse_is_op(t, "["))
            return parse_list_lit(p, start);
        if (sl_parse_is_op(t, "{"))
            return parse_struct_lit(p, start);
        if (!sl_parse_unsupported(p))
            sl_parse_syntax_error(p, "expression");
        return NULL;
    case TK_EOF:
        sl_parse_syntax_error(p, "expression");
        return NULL;
    case TK_IDENT:
    case TK_QIDENT:
        break;
    }
    bool kw = t->kind == TK_IDENT;
    if (kw && (sl_parse_is_kw(t, "true") || sl_parse_is_kw(t, "false"))) {
        sl_parse_next(p);
        e = sl_parse_new_expr(p, A_BOOL, start);
        e->ival = sl_parse_is_kw(t, "true");
        return sl_parse_finish(p, e, start);
    }
    if (kw && sl_parse_is_kw(t, "null")) {
        sl_parse_next(p);
        return sl_parse_finish(p, sl_parse_new_expr(p, A_NULL, start), start);
    }
    /* TIMESTAMPTZ '...' and TIMESTAMP WITH TIME ZONE '...': tz_words tokens before the text */
    int tz_words = kw && sl_parse_is_kw(t, "timestamptz") ? 1
                   : kw && sl_parse_is_kw(t, "timestamp") &&
                     sl_parse_is_kw(sl_parse_peek_at(p, 1), "with") &&
                     sl_parse_is_kw(sl_parse_peek_at(p, 2), "time") &&
                     sl_parse_is_kw(sl_parse_peek_at(p, 3), "zone") ? 4 : 0;
    if ((tz_words || (kw && (sl_parse_is_kw(t, "date") || sl_parse_is_kw(t, "timestamp")))) &&
        sl_parse_peek_at(p, tz_words ? tz_words : 1)->kind == TK_STRING) {
        sl_tok *s = sl_parse_peek_at(p, tz_words ? tz_words : 1);
        e = sl_parse_new_expr(p, A_TYPED, start);
        bool ok;
        if (tz_words) {
            e->ctype = SL_T_TIMESTAMPTZ;
            ok = sl_text_cast_tz(s->val, (int64_t)strlen(s->val), &e->ival);
        } else if (sl_parse_is_kw(t, "date")) {
            e->ctype = SL_T_DATE;
            ok = sl_parse_date(s->val, (int64_t)strlen(s->val), &e->ival);
        } else {
            e->ctype = SL_T_TIMESTAMP;
            ok = sl_parse_timestamp(s->val, (int64_t)strlen(s->val), &e->ival);
        }
        if (!ok) {
            char msg[200];
            snprintf(msg, sizeof msg, "invalid %s literal '%.120s'", sl_type_name(e->ctype),
                     s->val);
            sl_parse_error_at(p, s, "%s", msg);
            return sl_parse_fail(e);
        }
        e->sval = sl_xstrdup(s->val);
        for (int w = 0; w <= (tz_words ? tz_words : 1); w++)
            sl_parse_next(p);
        return sl_parse_finish(p, e, start);
    }
    if (kw && (sl_parse_is_kw(t, "cast") || sl_parse_is_kw(t, "try_cast")) &&
        sl_parse_is_op(sl_parse_peek_at(p, 1), "(")) {
        e = sl_parse_new_expr(p, A_CAST, start);
        e->try_cast = sl_parse_is_kw(t, "try_cast");
        sl_parse_next(p);
        sl_parse_next(p);
        sl_ast_expr *x = sl_parse_expr(p);
        if (!x)
            return sl_parse_fail(e);
        add_arg(e, x);
        if (sl_parse_expect_kw(p, "as") || parse_type(p, &e->ctype, &e->sval) ||
            sl_parse_expect_op(p, ")"))
            return sl_parse_fail(e);
        return sl_parse_finish(p, e, start);
    }
    if (kw && sl_parse_is_kw(t, "interval") && (sl_parse_peek_at(p, 1)->kind == TK_STRING ||
                                                 sl_parse_peek_at(p, 1)->kind == TK_INT ||
                                                 sl_parse_peek_at(p, 1)->kind == TK_FLOAT))
        return parse_interval_lit(p, start);
    if (kw && sl_parse_is_kw(t, "case")) {
        sl_parse_next(p);
        return parse_case(p, start);
    }
    if (kw && sl_parse_is_kw(t, "exists") && sl_parse_is_op(sl_parse_peek_at(p, 1), "(")) {
        sl_parse_next(p);
        sl_parse_next(p);
        sl_ast_expr *e = sl_parse_new_expr(p, A_EXISTS, start);
        if (!sl_parse_is_query_start(p)) {
            sl_parse_syntax_error(p, "SELECT");
            return sl_parse_fail(e);
        }
        if (sl_parse_query(p, &e->subq) || sl_parse_expect_op(p, ")"))
            return sl_parse_fail(e);
        return sl_parse_finish(p, e, start);
    }
    if (kw && (sl_parse_is_kw(t, "exists") || sl_parse_is_kw(t, "select")) ) {
        sl_parse_error_at(p, t, "%s", "subqueries in expressions are not supported");
        return NULL;
    }
    bool call = sl_parse_is_op(sl_parse_peek_at(p, 1), "(");
    if (kw && call && sl_parse_is_kw(sl_parse_peek_at(p, 3), "from") &&
        sl_parse_is_kw(t, "extract"))
        return parse_extract(p, start);
    if (kw && call && sl_parse_is_kw(t, "position"))
        return parse_position(p, start);
    /* left(s, n) and right(s, n) are functions, though LEFT and RIGHT start joins. */
    bool join_word_call = call && (sl_parse_is_kw(t, "left") || sl_parse_is_kw(t, "right"));
    if (kw && is_reserved(t->val) && !join_word_call) {
        if (!sl_parse_unsupported(p))
            sl_parse_syntax_error(p, "expression");
        return NULL;
    }
    if (kw && call && (sl_parse_is_kw(t, "any") || sl_parse_is_kw(t, "some")) &&
        sl_parse_unsupported(p))
        return NULL;
    if (call) {
        if (t->kind == TK_IDENT && strcasecmp(t->val, "struct_pack") == 0)
            return parse_struct_pack(p, start);
        /* STRUCT functions sluice lacks: said here, before `name := value` arguments could
         * read as a syntax error. */
        static const char *const struct_fns[] = {"struct_insert", "struct_concat", NULL};
        for (int i = 0; struct_fns[i]; i++)
            if (t->kind == TK_IDENT && strcasecmp(t->val, struct_fns[i]) == 0) {
                sl_parse_error_at(p, t, "STRUCT values (%s) are not supported", struct_fns[i]);
                return NULL;
            }
        sl_parse_next(p); /* parse_func expects the name consumed and '(' next */
        return parse_func(p, t, start);
    }
    /* column or qualifier.column */
    sl_parse_next(p);
    e = sl_parse_new_expr(p, A_COL, start);
    if (sl_parse_is_op(sl_parse_peek(p), ".")) {
        sl_parse_next(p);
        sl_tok *c = sl_parse_peek(p);
        if (c->kind != TK_IDENT && c->kind != TK_QIDENT) {
            sl_parse_syntax_error(p, "column name");
            return sl_parse_fail(e);
        }
        sl_parse_next(p);
        e->qual = sl_xstrdup(t->val);
        e->name = sl_xstrdup(c->val);
        e->quoted = c->kind == TK_QIDENT;
        /* t.s.a: a STRUCT field (parse_postfix reads the .a) */
    } else {
        e->name = sl_xstrdup(t->val);
        e->quoted = t->kind == TK_QIDENT;
    }
    return sl_parse_finish(p, e, start);
}

/* The sign of a slice's step when the parser can see it (a literal: 1, -1, - 1); 0 else. */
static int step_sign(const sl_ast_expr *st)
{
    if (st->kind == A_INT)
        return st->ival < 0 ? -1 : 1;
    if (st->kind == A_UNARY && strcmp(st->op, "NEG") == 0 && st->args[0]->kind == A_INT)
        return st->args[0]->ival > 0 ? -1 : 1;
    return 0;
}

/* The rest of l[a:b] / l[a:b:step] after a (x = list_extract(l[, a]), at the first ':'):
 * x becomes list_slice(l, a, b[, step]). An omitted bound is DuckDB's "from the start" / "to
 * the end", which depend on the step's direction: a = 0 (step > 0) or -1 (step < 0), b = -1
 * (step > 0) or 0 (step < 0); so an omitted bound needs a literal step. */
static int parse_slice(sl_parser *p, sl_ast_expr *x, int start, bool no_begin)
{
    sl_free(x->name);
    x->name = sl_xstrdup("list_slice");
    sl_tok *colon = sl_parse_next(p);
    bool no_end = sl_parse_is_op(sl_parse_peek(p), "]") || sl_parse_is_op(sl_parse_peek(p), ":");
    sl_ast_expr *end = no_end ? NULL : sl_parse_expr(p), *step = NULL;
    if (!no_end && !end)
        return p->err->code;
    if (sl_parse_accept_op(p, ":")) {
        step = sl_parse_expr(p);
        if (!step) {
            sl_ast_expr_free(&end);
            return p->err->code;
        }
    }
    int sign = step ? step_sign(step) : 1;
    if ((no_begin || no_end) && !sign) {
        sl_ast_expr_free(&end);
        sl_ast_expr_free(&step);
        return sl_parse_error_at(p, colon, "%s", "a list slice with an omitted bound needs a "
                                 "constant step (l[a:b:step])");
    }
    if (no_begin) {
        sl_ast_expr *b = sl_parse_new_expr(p, A_INT, start);
        b->ival = sign < 0 ? -1 : 0;
        add_arg(x, sl_parse_finish(p, b, start));
    }
    if (no_end) {
        end = sl_parse_new_expr(p, A_INT, start);
        end->ival = sign < 0 ? 0 : -1;
        end = sl_parse_finish(p, end, start);
    }
    add_arg(x, end);
    if (step)
        add_arg(x, step);
    return 0;
}

/* primary { :: type } */
static sl_ast_expr *parse_postfix(sl_parser *p)
{
    int start = p->i;
    sl_ast_expr *e = parse_primary(p);
    /* l[i]: list_extract(l, i) (1-based, DuckDB); l[a:b] and l[a:b:step]: list_slice. s.a:
     * the STRUCT field struct_extract(s, 'a') (s['a'] is list_extract, which the binder turns
     * into struct_extract on a STRUCT). */
    while (e && (sl_parse_is_op(sl_parse_peek(p), "[") || sl_parse_is_op(sl_parse_peek(p), "."))) {
        if (sl_parse_is_op(sl_parse_peek(p), ".")) {
            sl_parse_next(p);
            sl_tok *f = sl_parse_peek(p);
            if (f->kind != TK_IDENT && f->kind != TK_QIDENT) {
                sl_parse_syntax_error(p, "STRUCT field name");
                return sl_parse_fail(e);
            }
            sl_parse_next(p);
            sl_ast_expr *x = sl_parse_new_expr(p, A_FUNC, start);
            x->name = sl_xstrdup("struct_extract");
            add_arg(x, e);
            sl_ast_expr *s = sl_parse_new_expr(p, A_STR, start);
            s->sval = sl_xstrdup(f->val);
            add_arg(x, s);
            e = sl_parse_finish(p, x, start);
            continue;
        }
        sl_parse_next(p);
        sl_ast_expr *x = sl_parse_new_expr(p, A_FUNC, start);
        x->name = sl_xstrdup("list_extract");
        add_arg(x, e);
        e = x;
        bool slice = sl_parse_is_op(sl_parse_peek(p), ":");
        sl_ast_expr *i = slice ? NULL : sl_parse_expr(p);
        if (!slice && !i)
            return sl_parse_fail(x);
        if (i)
            add_arg(x, i);
        if (slice || sl_parse_is_op(sl_parse_peek(p), ":")) {
            if (parse_slice(p, x, start, i == NULL))
                return sl_parse_fail(x);
        }
        if (sl_parse_expect_op(p, "]"))
            return sl_parse_fail(x);
        e = sl_parse_finish(p, x, start);
    }
    while (e && sl_parse_is_op(sl_parse_peek(p), "::")) {
        sl_parse_next(p);
        sl_ast_expr *c = sl_parse_new_expr(p, A_CAST, start);
        add_arg(c, e);
        e = c;
        if (parse_type(p, &c->ctype, &c->sval))
            return sl_parse_fail(c);
        e = sl_parse_finish(p, c, start);
    }
    return e;
}

static sl_ast_expr *parse_unary(sl_parser *p)
{
    int start = p->i;
    sl_tok *t = sl_parse_peek(p);
    if (sl_parse_is_op(t, "-") || sl_parse_is_op(t, "+")) {
        if (++p->depth > SL_SQL_MAX_DEPTH) {
            sl_parse_nest_error(p, t);
            return NULL;
        }
        sl_parse_next(p);
        /* -<integer> is one literal, so -9223372036854775808 fits (unless a cast follows,
         * which binds tighter: -1::VARCHAR is -(1::VARCHAR)). */
        sl_tok *n = sl_parse_peek(p);
        if (sl_parse_is_op(t, "-") && n->kind == TK_INT &&
            !sl_parse_is_op(sl_parse_peek_at(p, 1), "::") && n->off == t->off + 1) {
            char *txt = sl_xasprintf("-%s", n->val);
            int64_t v;
            bool ok = sl_parse_bigint(txt, (int64_t)strlen(txt), &v);
            sl_free(txt);
            if (ok) {
                sl_parse_next(p);
                p->depth--;
                sl_ast_expr *e = sl_parse_new_expr(p, A_INT, start);
                e->ival = v;
                return sl_parse_finish(p, e, start);
            }
        }
        sl_ast_expr *x = parse_unary(p);
        p->depth--;
        if (!x)
            return NULL;
        sl_ast_expr *e = sl_parse_new_expr(p, A_UNARY, start);
        e->op = sl_parse_is_op(t, "-") ? "NEG" : "+";
        add_arg(e, x);
        return sl_parse_finish(p, e, start);
    }
    return parse_postfix(p);
}

/* One level of left-associative binary operators: tok is the token (an operator, or a keyword
 * when kw), name the operator name the binder knows. Lists end with {NULL}. */
typedef struct binop { const char *tok; bool kw; const char *name; } binop;

static const binop mul_ops[] = {{"*", 0, "*"}, {"/", 0, "/"}, {"//", 0, "//"}, {"%", 0, "%"},
                                {NULL, 0, NULL}};
static const binop add_ops[] = {{"+", 0, "+"}, {"-", 0, "-"}, {NULL, 0, NULL}};
/* && @> <@ (list overlap / containment) share ||'s level, as in DuckDB. */
static const binop concat_ops[] = {{"||", 0, "||"}, {"&&", 0, "&&"}, {"@>", 0, "@>"},
                                   {"<@", 0, "<@"}, {NULL, 0, NULL}};
static const binop and_ops[] = {{"and", 1, "AND"}, {NULL, 0, NULL}};
static const binop or_ops[] = {{"or", 1, "OR"}, {NULL, 0, NULL}};

static const char *peek_binop(sl_parser *p, const binop *ops)
{
    sl_tok *t = sl_parse_peek(p);
    for (int i = 0; ops[i].tok; i++)
        if (ops[i].kw ? sl_parse_is_kw(t, ops[i].tok) : sl_parse_is_op(t, ops[i].tok))
            return ops[i].name;
    return NULL;
}

static sl_ast_expr *left_assoc(sl_parser *p, sl_ast_expr *(*operand)(sl_parser *),
                               const binop *ops)
{
    int start = p->i;
    sl_ast_expr *l = operand(p);
    const char *name;
    while (l && (name = peek_binop(p, ops))) {
        sl_parse_next(p);
        sl_ast_expr *r = operand(p);
        if (!r)
            return sl_parse_fail(l);
        l = binary(p, name, l, r, start);
    }
    return l;
}

/* The operands of an AND or OR chain: nodes and the token range each was parsed from. */
typedef struct chain {
    int64_t n, cap;
    sl_ast_expr **e;
    int *first, *last;   /* token indexes */
} chain;

static void chain_free(chain *c)
{
    for (int64_t i = 0; i < c->n; i++)
        sl_ast_expr_free(&c->e[i]);
    sl_free(c->e);
    sl_free(c->first);
    sl_free(c->last);
}

/* op over operands [lo, hi) as a balanced tree (halves: (n+1)/2 on the left, so a chain of
 * two or three reads as written). Takes the operands out of c. Depth O(log n). */
static sl_ast_expr *balance(sl_parser *p, chain *c, int64_t lo, int64_t hi, const char *op)
{
    if (hi - lo == 1) {
        sl_ast_expr *e = c->e[lo];
        c->e[lo] = NULL;
        return e;
    }
    int64_t mid = lo + (hi - lo + 1) / 2;
    sl_ast_expr *l = balance(p, c, lo, mid, op);
    sl_ast_expr *r = balance(p, c, mid, hi, op);
    sl_ast_expr *e = sl_parse_new_expr(p, A_BINARY, c->first[lo]);
    e->op = op;
    add_arg(e, l);
    add_arg(e, r);
    const sl_tok *a = &p->t[c->first[lo]], *b = &p->t[c->last[hi - 1]];
    e->text_len = b->off + b->len - a->off;
    return e; /* height <= log2(n) + the operands' heights, checked by the caller */
}

/*
 * An AND / OR chain. Both are associative in three-valued logic, and the evaluator runs the
 * right side only where the left does not decide, left to right at every level, so a
 * balanced tree means the same as the left-deep one the grammar describes, short-circuit
 * order included. Balanced, a 100,000-term chain is 17 levels deep instead of 100,000.
 */
static sl_ast_expr *andor_chain(sl_parser *p, sl_ast_expr *(*operand)(sl_parser *),
                                const binop *ops)
{
    chain c = {0};
    const char *name = NULL;
    for (;;) {
        int first = p->i;
        sl_ast_expr *e = operand(p);
        if (!e) {
            chain_free(&c);
            return NULL;
        }
        if (c.n == c.cap) {
            c.cap = c.cap ? 2 * c.cap : 8;
            c.e = sl_xrealloc(c.e, sizeof *c.e * (size_t)c.cap);
            c.first = sl_xrealloc(c.first, sizeof *c.first * (size_t)c.cap);
            c.last = sl_xrealloc(c.last, sizeof *c.last * (size_t)c.cap);
        }
        c.e[c.n] = e;
        c.first[c.n] = first;
        c.last[c.n++] = p->i - 1;
        if (!(name = peek_binop(p, ops)))
            break;
        sl_parse_next(p);
    }
    sl_ast_expr *e = balance(p, &c, 0, c.n, ops[0].name);
    chain_free(&c);
    if (e->height > SL_SQL_MAX_EXPR_DEPTH) {
        too_deep(p);
        return sl_parse_fail(e);
    }
    return e;
}

/* a ^ b and a ** b: power(a, b), left-associative, binding tighter than * and looser than a
 * sign (DuckDB: 2 * 3 ^ 2 = 18, -2 ^ 2 = 4, 2 ^ 3 ^ 2 = 64). */
static sl_ast_expr *parse_pow(sl_parser *p)
{
    int start = p->i;
    sl_ast_expr *l = parse_unary(p);
    while (l && (sl_parse_is_op(sl_parse_peek(p), "^") ||
                 sl_parse_is_op(sl_parse_peek(p), "**"))) {
        sl_parse_next(p);
        sl_ast_expr *r = parse_unary(p);
        if (!r)
            return sl_parse_fail(l);
        sl_ast_expr *e = sl_parse_new_expr(p, A_FUNC, start);
        e->name = sl_xstrdup("power");
        add_arg(e, l);
        add_arg(e, r);
        l = sl_parse_finish(p, e, start);
    }
    return l;
}

static sl_ast_expr *parse_mul(sl_parser *p) { return left_assoc(p, parse_pow, mul_ops); }
static sl_ast_expr *parse_add(sl_parser *p) { return left_assoc(p, parse_mul, add_ops); }
static sl_ast_expr *parse_concat(sl_parser *p) { return left_assoc(p, parse_add, concat_ops); }

sl_ast_expr *sl_parse_expr_noin(sl_parser *p) { return parse_concat(p); }

/* x [NOT] BETWEEN a AND b | x [NOT] IN (list) | x [NOT] LIKE/ILIKE y */
static sl_ast_expr *parse_pred(sl_parser *p)
{
    int start = p->i;
    sl_ast_expr *l = parse_concat(p);
    if (!l)
        return NULL;
    bool neg = false;
    sl_tok *t = sl_parse_peek(p);
    if (sl_parse_is_kw(t, "not") && (sl_parse_is_kw(sl_parse_peek_at(p, 1), "between") ||
                                     sl_parse_is_kw(sl_parse_peek_at(p, 1), "in") ||
                                     sl_parse_is_kw(sl_parse_peek_at(p, 1), "like") ||
                                     sl_parse_is_kw(sl_parse_peek_at(p, 1), "ilike"))) {
        neg = true;
        sl_parse_next(p);
        t = sl_parse_peek(p);
    }
    sl_ast_expr *e;
    if (sl_parse_is_kw(t, "between")) {
        sl_parse_next(p);
        if (sl_parse_is_kw(sl_parse_peek(p), "symmetric")) {
            sl_parse_unsupported(p);
            return sl_parse_fail(l);
        }
        e = sl_parse_new_expr(p, A_BETWEEN, start);
        add_arg(e, l);
        sl_ast_expr *lo = parse_concat(p);
        if (!lo)
            return sl_parse_fail(e);
        add_arg(e, lo);
        if (sl_parse_expect_kw(p, "and"))
            return sl_parse_fail(e);
        sl_ast_expr *hi = parse_concat(p);
        if (!hi)
            return sl_parse_fail(e);
        add_arg(e, hi);
    } else if (sl_parse_is_kw(t, "in")) {
        sl_parse_next(p);
        e = sl_parse_new_expr(p, A_IN, start);
        add_arg(e, l);
        if (sl_parse_expect_op(p, "("))
            return sl_parse_fail(e);
        if (sl_parse_is_query_start(p)) {
            if (sl_parse_query(p, &e->subq) || sl_parse_expect_op(p, ")"))
                return sl_parse_fail(e);
            e->negated = neg;
            return sl_parse_finish(p, e, start);
        }
        for (;;) {
            sl_ast_expr *a = sl_parse_expr(p);
            if (!a)
                return sl_parse_fail(e);
            add_arg(e, a);
            if (!sl_parse_accept_op(p, ","))
                break;
        }
        if (sl_parse_expect_op(p, ")"))
            return sl_parse_fail(e);
    } else if (!neg && sl_parse_is_kw(t, "glob")) {
        /* s GLOB p: the GLOB kernel (DuckDB has no NOT GLOB) */
        sl_parse_next(p);
        e = sl_parse_new_expr(p, A_FUNC, start);
        e->name = sl_xstrdup("GLOB");
        add_arg(e, l);
        sl_ast_expr *r = parse_concat(p);
        if (!r)
            return sl_parse_fail(e);
        add_arg(e, r);
    } else if (sl_parse_is_kw(t, "like") || sl_parse_is_kw(t, "ilike")) {
        sl_parse_next(p);
        e = sl_parse_new_expr(p, A_LIKE, start);
        e->ilike = sl_parse_is_kw(t, "ilike");
        add_arg(e, l);
        sl_ast_expr *r = parse_concat(p);
        if (!r)
            return sl_parse_fail(e);
        add_arg(e, r);
        /* ESCAPE c: a third argument (the binder picks the LIKE_ESCAPE kernel). */
        if (sl_parse_accept_kw(p, "escape")) {
            sl_ast_expr *x = parse_concat(p);
            if (!x)
                return sl_parse_fail(e);
            add_arg(e, x);
        }
    } else {
        return l;
    }
    e->negated = neg;
    return sl_parse_finish(p, e, start);
}

static const char *cmp_op(const sl_tok *t)
{
    static const char *const ops[] = {"=", "<>", "<", "<=", ">", ">=", NULL};
    if (t->kind != TK_OP)
        return NULL;
    if (strcmp(t->val, "==") == 0)
        return "=";
    if (strcmp(t->val, "!=") == 0)
        return "<>";
    for (int i = 0; ops[i]; i++)
        if (strcmp(t->val, ops[i]) == 0)
            return ops[i];
    return NULL;
}

static sl_ast_expr *parse_cmp(sl_parser *p)
{
    int start = p->i;
    sl_ast_expr *l = parse_pred(p);
    if (!l)
        return NULL;
    const char *op = cmp_op(sl_parse_peek(p));
    if (!op)
        return l;
    sl_parse_next(p);
    sl_ast_expr *r = parse_pred(p);
    if (!r)
        return sl_parse_fail(l);
    l = binary(p, op, l, r, start);
    /* Comparisons do not chain in DuckDB (a = b = c is a syntax error there too). */
    if (cmp_op(sl_parse_peek(p))) {
        sl_parse_syntax_error(p, "end of expression (comparisons do not chain)");
        return sl_parse_fail(l);
    }
    return l;
}

/*
 * After "l IS [NOT]": DISTINCT FROM r, TRUE or FALSE. x IS [NOT] TRUE / FALSE is CAST(x AS
 * BOOLEAN) IS [NOT] DISTINCT FROM true / false, as DuckDB writes it (never NULL). The
 * operator is an A_BINARY "IS [NOT] DISTINCT FROM" (the registry's IS_[NOT_]DISTINCT_FROM).
 */
static sl_ast_expr *parse_is_distinct(sl_parser *p, sl_ast_expr *l, bool neg, int start)
{
    int at = p->i;
    sl_ast_expr *r;
    if (sl_parse_accept_kw(p, "distinct")) {
        if (sl_parse_expect_kw(p, "from") || !(r = parse_cmp(p)))
            return sl_parse_fail(l);
    } else {
        neg = !neg; /* IS TRUE is IS NOT DISTINCT FROM true */
        r = sl_parse_new_expr(p, A_BOOL, at);
        r->ival = sl_parse_is_kw(sl_parse_next(p), "true");
        r = sl_parse_finish(p, r, at);
        sl_ast_expr *c = sl_parse_new_expr(p, A_CAST, start);
        c->ctype = SL_T_BOOL;
        c->sval = sl_xstrdup("BOOLEAN");
        c->text = l->text;
        c->text_len = l->text_len;
        add_arg(c, l);
        l = c;
    }
    sl_ast_expr *e = sl_parse_new_expr(p, A_BINARY, start);
    e->op = neg ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM";
    add_arg(e, l);
    add_arg(e, r);
    return sl_parse_finish(p, e, start);
}

static sl_ast_expr *parse_is(sl_parser *p)
{
    int start = p->i;
    sl_ast_expr *l = parse_cmp(p);
    while (l && sl_parse_is_kw(sl_parse_peek(p), "is")) {
        sl_parse_next(p);
        bool neg = sl_parse_accept_kw(p, "not");
        const sl_tok *w = sl_parse_peek(p);
        if (sl_parse_is_kw(w, "distinct") || sl_parse_is_kw(w, "true") ||
            sl_parse_is_kw(w, "false")) {
            if (!(l = parse_is_distinct(p, l, neg, start)))
                return NULL;
            continue;
        }
        if (sl_parse_expect_kw(p, "null"))
            return sl_parse_fail(l);
        sl_ast_expr *e = sl_parse_new_expr(p, A_ISNULL, start);
        e->negated = neg;
        add_arg(e, l);
        l = sl_parse_finish(p, e, start);
    }
    return l;
}

static sl_ast_expr *parse_not(sl_parser *p)
{
    int start = p->i;
    if (sl_parse_is_kw(sl_parse_peek(p), "not")) {
        if (++p->depth > SL_SQL_MAX_DEPTH) {
            sl_parse_nest_error(p, sl_parse_peek(p));
            return NULL;
        }
        sl_parse_next(p);
        sl_ast_expr *x = parse_not(p);
        p->depth--;
        if (!x)
            return NULL;
        sl_ast_expr *e = sl_parse_new_expr(p, A_UNARY, start);
        e->op = "NOT";
        add_arg(e, x);
        return sl_parse_finish(p, e, start);
    }
    return parse_is(p);
}

static sl_ast_expr *parse_and(sl_parser *p) { return andor_chain(p, parse_not, and_ops); }

/* A lambda (list_transform(l, x -> x + 1)): A_BINARY "->" whose last argument is the body
 * and the others its parameters (A_COL names): `x -> body`, `(x, i) -> body` or DuckDB's
 * `lambda x[, i]: body`. At "lambda" or "(" (or after the parameter x, at "->"). */
static sl_ast_expr *parse_lambda(sl_parser *p, int start, sl_ast_expr *param)
{
    sl_ast_expr *e = sl_parse_new_expr(p, A_BINARY, start);
    e->op = "->";
    bool paren = !param && sl_parse_is_op(sl_parse_peek(p), "(");
    if (param) {
        add_arg(e, param);
        sl_parse_next(p); /* -> */
    } else {
        sl_parse_next(p); /* lambda, or ( */
        do {
            sl_tok *t = sl_parse_peek(p);
            if (t->kind != TK_IDENT) {
                sl_parse_error_at(p, t, "%s", "expected a lambda parameter name");
                return sl_parse_fail(e);
            }
            int at = p->i;
            sl_ast_expr *x = sl_parse_new_expr(p, A_COL, at);
            x->name = sl_xstrdup(t->val);
            sl_parse_next(p);
            add_arg(e, sl_parse_finish(p, x, at));
        } while (sl_parse_accept_op(p, ","));
        if (paren ? sl_parse_expect_op(p, ")") || sl_parse_expect_op(p, "->")
                  : sl_parse_expect_op(p, ":"))
            return sl_parse_fail(e);
    }
    sl_ast_expr *body = sl_parse_expr(p);
    if (!body)
        return sl_parse_fail(e);
    add_arg(e, body);
    return sl_parse_finish(p, e, start);
}

/* Whether the tokens ahead are "(" name {"," name} ")" "->": a lambda's parameters. */
static bool paren_params(sl_parser *p)
{
    if (!sl_parse_is_op(sl_parse_peek(p), "("))
        return false;
    int k = 1;
    for (;;) {
        if (sl_parse_peek_at(p, k)->kind != TK_IDENT)
            return false;
        if (sl_parse_is_op(sl_parse_peek_at(p, k + 1), ")"))
            return sl_parse_is_op(sl_parse_peek_at(p, k + 2), "->");
        if (!sl_parse_is_op(sl_parse_peek_at(p, k + 1), ","))
            return false;
        k += 2;
    }
}

/* [expr FOR x IN l [IF cond]]: DuckDB's list comprehension, which is
 * list_transform(list_filter(l, x -> cond), x -> expr). At "for", expr parsed. */
static sl_ast_expr *parse_comprehension(sl_parser *p, int start, sl_ast_expr *expr)
{
    sl_parse_next(p); /* for */
    int at = p->i;
    sl_tok *t = sl_parse_peek(p);
    sl_ast_expr *l = NULL, *cond = NULL;
    if (t->kind != TK_IDENT) {
        sl_parse_error_at(p, t, "%s", "expected a name after FOR");
        return sl_parse_fail(expr);
    }
    sl_parse_next(p);
    if (!sl_parse_accept_kw(p, "in")) {
        sl_parse_error_at(p, sl_parse_peek(p), "%s", "expected IN");
        return sl_parse_fail(expr);
    }
    l = sl_parse_expr_noin(p);
    if (l && sl_parse_accept_kw(p, "if") && !(cond = sl_parse_expr(p)))
        sl_ast_expr_free(&l);
    if (!l) {
        sl_ast_expr_free(&expr);
        return NULL;
    }
    for (int pass = cond ? 0 : 1; pass < 2; pass++) {
        sl_ast_expr *lam = sl_parse_new_expr(p, A_BINARY, start), *x;
        lam->op = "->";
        x = sl_parse_new_expr(p, A_COL, at);
        x->name = sl_xstrdup(t->val);
        add_arg(lam, sl_parse_finish(p, x, at));
        add_arg(lam, pass == 0 ? cond : expr);
        sl_ast_expr *f = sl_parse_new_expr(p, A_FUNC, start);
        f->name = sl_xstrdup(pass == 0 ? "list_filter" : "list_transform");
        add_arg(f, l);
        add_arg(f, sl_parse_finish(p, lam, start));
        l = sl_parse_finish(p, f, start);
    }
    return l;
}

sl_ast_expr *sl_parse_expr(sl_parser *p)
{
    if (++p->depth > SL_SQL_MAX_DEPTH) {
        sl_parse_nest_error(p, sl_parse_peek(p));
        return NULL;
    }
    int start = p->i;
    sl_tok *t = sl_parse_peek(p);
    sl_ast_expr *l;
    if ((sl_parse_is_kw(t, "lambda") && sl_parse_peek_at(p, 1)->kind == TK_IDENT &&
         (sl_parse_is_op(sl_parse_peek_at(p, 2), ":") ||
          sl_parse_is_op(sl_parse_peek_at(p, 2), ","))) || paren_params(p))
        l = parse_lambda(p, start, NULL);
    else
        l = andor_chain(p, parse_and, or_ops);
    if (l && l->kind == A_COL && !l->qual && sl_parse_is_op(sl_parse_peek(p), "->"))
        l = parse_lambda(p, start, l);
    p->depth--;
    return l;
}
