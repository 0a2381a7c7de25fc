/*
 * SQL parser, part 3: statements (SELECT, COPY with its options, CREATE [OR REPLACE] VIEW,
 * SET, EXPLAIN [ANALYZE]) and the job: lexing (with its -D parameters), statements split on
 * ';', each statement's position and source text. Local.
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

/* ---- statements ---- */

/*
 * COPY's options after the list is read: the format (FORMAT, else the default writer) and
 * the options that are not COPY's own, which the format parses (HEADER, DELIMITER, ...).
 * fmt_tok: the FORMAT value token, or NULL.
 */
static int resolve_copy_format(sl_parser *p, sl_copy_opts *c, const char *fmt_name,
                               const sl_tok *fmt_tok, const sl_fmt_opt *fo, int n_fo)
{
    sl_fmt_ctx ctx = {p->st->path, p->err};
    if (fmt_name) {
        sl_err e;
        sl_err_clear(&e);
        if (sl_format_writer_in(NULL, fmt_name, &c->format, &e))
            return sl_fmt_error_at(&ctx, fmt_tok->line, fmt_tok->col, "%s", e.msg);
    } else {
        c->format = sl_format_target_writer(c->path); /* 'sqlite:x.db': a database sink */
    }
    for (int i = 0; i < n_fo; i++) {
        int rc = sl_fmt_write_opt(c->format, &c->format_opts, &fo[i], &ctx);
        if (rc == SL_FMT_UNKNOWN)
            return sl_fmt_error_at(&ctx, fo[i].line, fo[i].col, "unknown COPY option \"%s\" "
                                   "(known: FORMAT, %s, PARTITION_BY, OVERWRITE, "
                                   "OVERWRITE_OR_IGNORE)", fo[i].name,
                                   c->format->write_opt_names);
        if (rc)
            return rc;
    }
    return 0;
}

/* (FORMAT name, PARTITION_BY (cols), OVERWRITE [bool], OVERWRITE_OR_IGNORE [bool], and the
 * format's own options, each NAME [value]; a name alone is a flag, as in DuckDB). */
static int parse_copy_options(sl_parser *p, sl_copy_opts *c)
{
    sl_fmt_opt *fo = NULL;   /* the format's options, parsed once the format is known */
    int n_fo = 0, rc = 0;
    char *fmt_name = NULL;
    sl_tok *fmt_tok = NULL;
    bool stop = false;       /* an option without a value where one must be: report it now */
    if (sl_parse_expect_op(p, "("))
        return p->err->code;
    if (sl_parse_accept_op(p, ")"))
        goto resolve;
    for (;;) {
        sl_tok *k = sl_parse_peek(p);
        if (k->kind != TK_IDENT && k->kind != TK_QIDENT) {
            rc = sl_parse_syntax_error(p, "COPY option name");
            goto done;
        }
        sl_parse_next(p);
        const char *n = k->val;
        if (strcasecmp(n, "format") == 0) {
            sl_tok *v = sl_parse_peek(p);
            if (v->kind != TK_IDENT && v->kind != TK_STRING && v->kind != TK_QIDENT) {
                rc = sl_parse_syntax_error(p, "format name");
                goto done;
            }
            sl_free(fmt_name);
            fmt_name = sl_xstrdup(v->val);
            fmt_tok = v;
            sl_parse_next(p);
        } else if (strcasecmp(n, "overwrite") == 0 || strcasecmp(n, "overwrite_or_ignore") == 0) {
            /* Boolean options; alone they mean true, as in DuckDB. */
            bool *b = strcasecmp(n, "overwrite") == 0 ? &c->overwrite : &c->overwrite_or_ignore;
            *b = true;
            if (!sl_parse_is_op(sl_parse_peek(p), ",") && !sl_parse_is_op(sl_parse_peek(p), ")") &&
                sl_parse_bool_opt(p, b)) {
                rc = p->err->code;
                goto done;
            }
        } else if (strcasecmp(n, "partition_by") == 0) {
            bool paren = sl_parse_accept_op(p, "(");
            for (;;) {
                sl_tok *v = sl_parse_peek(p);
                if (v->kind != TK_IDENT && v->kind != TK_QIDENT) {
                    rc = sl_parse_syntax_error(p, "column name");
                    goto done;
                }
                sl_parse_add_str(&c->partition_by, &c->n_partition, v->val);
                sl_parse_next(p);
                if (!paren || !sl_parse_accept_op(p, ","))
                    break;
            }
            if (paren && sl_parse_expect_op(p, ")")) {
                rc = p->err->code;
                goto done;
            }
        } else {
            sl_fmt_opt o = {.name = sl_xstrdup(n), .line = k->line, .col = k->col};
            sl_tok *v = sl_parse_peek(p);
            o.bare = sl_parse_is_op(v, ",") || sl_parse_is_op(v, ")");
            rc = sl_parse_fmt_value(p, &o.v);
            fo = sl_xrealloc(fo, sizeof *fo * (size_t)(n_fo + 1));
            fo[n_fo++] = o;
            if (rc)
                goto done;
            if (!o.bare && o.v.kind == SL_FV_NONE) {
                stop = true;
                break;
            }
        }
        if (!sl_parse_accept_op(p, ","))
            break;
    }
    if (!stop && sl_parse_expect_op(p, ")")) {
        rc = p->err->code;
        goto done;
    }
resolve:
    rc = resolve_copy_format(p, c, fmt_name, fmt_tok, fo, n_fo);
    if (!rc && stop)   /* the format took a value it was not given: still a syntax error */
        rc = sl_parse_expect_op(p, ")");
done:
    for (int i = 0; i < n_fo; i++)
        sl_fmt_opt_clear(&fo[i]);
    sl_free(fo);
    sl_free(fmt_name);
    return rc;
}

/* SELECT * FROM name, for COPY name TO ... */
static sl_ast_query *select_star_from(const sl_tok *name)
{
    sl_ast_query *q = sl_xcalloc(1, sizeof *q);
    q->line = name->line;
    q->col = name->col;
    q->limit = -1;
    q->n_items = 1;
    q->items = sl_xcalloc(1, sizeof *q->items);
    q->items[0].e = sl_xcalloc(1, sizeof(sl_ast_expr));
    q->items[0].e->kind = A_STAR;
    q->items[0].e->line = name->line;
    q->items[0].e->col = name->col;
    q->items[0].e->height = 1;
    q->items[0].e->text = "*";
    q->items[0].e->text_len = 1;
    q->has_from = true;
    q->from.kind = AS_NAME;
    q->from.line = name->line;
    q->from.col = name->col;
    q->from.name = sl_parse_lower_dup(name->val);
    return q;
}

static int parse_statement(sl_parser *p, sl_stmt *s)
{
    sl_tok *t = sl_parse_peek(p);
    s->line = t->line;
    s->col = t->col;
    if (sl_parse_is_query_start(p)) {
        s->kind = SL_STMT_SELECT;
        return sl_parse_query(p, &s->query);
    }
    if (sl_parse_accept_kw(p, "explain")) {
        s->kind = SL_STMT_EXPLAIN;
        s->analyze = sl_parse_accept_kw(p, "analyze");
        if (!sl_parse_is_query_start(p))
            return sl_parse_syntax_error(p, "SELECT");
        return sl_parse_query(p, &s->query);
    }
    if (sl_parse_accept_kw(p, "copy")) {
        s->kind = SL_STMT_COPY;
        if (sl_parse_accept_op(p, "(")) {
            if (!sl_parse_is_query_start(p))
                return sl_parse_syntax_error(p, "SELECT");
            if (sl_parse_query(p, &s->query) || sl_parse_expect_op(p, ")"))
                return p->err->code;
        } else if (sl_parse_is_name(sl_parse_peek(p))) {
            s->query = select_star_from(sl_parse_next(p));
        } else {
            return sl_parse_syntax_error(p, "'(' SELECT ... ')' or a view name");
        }
        if (sl_parse_expect_kw(p, "to"))
            return p->err->code;
        if (sl_parse_peek(p)->kind != TK_STRING)
            return sl_parse_syntax_error(p, "target path string");
        s->copy.path = sl_xstrdup(sl_parse_next(p)->val);
        sl_parse_accept_kw(p, "with");
        if (sl_parse_is_op(sl_parse_peek(p), "("))
            return parse_copy_options(p, &s->copy);
        s->copy.format = sl_format_target_writer(s->copy.path);
        return 0;
    }
    if (sl_parse_accept_kw(p, "create")) {
        s->kind = SL_STMT_CREATE_VIEW;
        if (sl_parse_accept_kw(p, "or")) {
            if (sl_parse_expect_kw(p, "replace"))
                return p->err->code;
            s->or_replace = true;
        }
        if (sl_parse_accept_kw(p, "table"))
            s->kind = SL_STMT_CREATE_TABLE;
        else if (sl_parse_expect_kw(p, "view"))
            return p->err->code;
        if (!sl_parse_is_name(sl_parse_peek(p)))
            return sl_parse_syntax_error(p, s->kind == SL_STMT_CREATE_TABLE ? "table name"
                                                                              : "view name");
        s->name = sl_parse_lower_dup(sl_parse_next(p)->val);
        if (s->kind == SL_STMT_CREATE_TABLE && sl_parse_is_op(sl_parse_peek(p), "("))
            return sl_parse_error_at(p, sl_parse_peek(p), "%s", "CREATE TABLE with a column "
                                     "list is not supported (CREATE TABLE name AS SELECT ...)");
        if (sl_parse_expect_kw(p, "as"))
            return p->err->code;
        if (!sl_parse_is_query_start(p))
            return sl_parse_syntax_error(p, "SELECT");
        return sl_parse_query(p, &s->query);
    }
    if (sl_parse_accept_kw(p, "set")) {
        s->kind = SL_STMT_SET;
        sl_tok *n = sl_parse_peek(p);
        if (n->kind != TK_IDENT && n->kind != TK_QIDENT)
            return sl_parse_syntax_error(p, "setting name");
        sl_parse_next(p);
        s->name = sl_parse_lower_dup(n->val);
        if (!sl_parse_accept_op(p, "=") && sl_parse_expect_kw(p, "to"))
            return p->err->code;
        sl_tok *v = sl_parse_peek(p);
        bool neg = false;
        if (sl_parse_is_op(v, "-") &&
            (sl_parse_peek_at(p, 1)->kind == TK_INT || sl_parse_peek_at(p, 1)->kind == TK_FLOAT)) {
            neg = true;
            sl_parse_next(p);
            v = sl_parse_peek(p);
        }
        if (v->kind == TK_STRING || v->kind == TK_QIDENT)
            s->value = sl_xstrdup(v->val);
        else if (v->kind == TK_INT || v->kind == TK_FLOAT)
            s->value = sl_xasprintf("%s%s", neg ? "-" : "", v->val);
        else if (v->kind == TK_IDENT)
            s->value = sl_parse_raw(p, v);
        else
            return sl_parse_syntax_error(p, "a value (string, number or name)");
        sl_parse_next(p);
        return 0;
    }
    if (sl_parse_is_kw(t, "from"))
        return sl_parse_error_at(p, t, "%s", "FROM-first syntax is not supported (write SELECT "
                                 "... FROM ...)");
    if (sl_parse_unsupported(p))
        return p->err->code;
    return sl_parse_syntax_error(p, "statement (SELECT, COPY, CREATE VIEW, CREATE TABLE, "
                                    "SET, EXPLAIN)");
}

static void stmt_free(sl_stmt **ps)
{
    if (!ps || !*ps)
        return;
    sl_stmt *s = *ps;
    sl_free(s->text);
    sl_ast_query_free(&s->query);
    sl_free(s->name);
    sl_free(s->value);
    sl_copy_opts_clear(&s->copy);
    sl_free(s);
    *ps = NULL;
}

void sl_job_free(sl_job **pj)
{
    if (!pj || !*pj)
        return;
    sl_job *j = *pj;
    for (int i = 0; i < j->n_stmts; i++)
        stmt_free(&j->stmts[i]);
    sl_free(j->stmts);
    sl_free(j->path);
    sl_free(j);
    *pj = NULL;
}

int sl_sql_parse_job(const char *text, const char *path, const sl_params *params, sl_job **out,
                     sl_err *err)
{
    return sl_sql_parse_job_n(text, text ? (int64_t)strlen(text) : 0, path, params, out, err);
}

int sl_sql_parse_job_n(const char *text, int64_t len, const char *path, const sl_params *params,
                       sl_job **out, sl_err *err)
{
    sl_src_text st;
    sl_tok *toks = NULL;
    int ntok = 0;
    *out = NULL;
    if (!path)
        path = "<job>";
    if (sl_sql_lex(text ? text : "", text ? len : 0, path, params, &st, &toks, &ntok, err))
        return err->code;
    sl_parser p = {&st, toks, ntok, 0, 0, err, 0};
    sl_job *job = sl_xcalloc(1, sizeof *job);
    job->path = sl_xstrdup(path);
    for (;;) {
        while (sl_parse_accept_op(&p, ";"))
            ;
        if (sl_parse_peek(&p)->kind == TK_EOF)
            break;
        int start = p.i;
        sl_stmt *s = sl_xcalloc(1, sizeof *s);
        job->stmts = sl_xrealloc(job->stmts, sizeof *job->stmts * (size_t)(job->n_stmts + 1));
        job->stmts[job->n_stmts++] = s;
        if (parse_statement(&p, s))
            break;
        const sl_tok *last = &toks[p.i - 1];
        s->text = sl_xstrndup(st.text + toks[start].off,
                              (size_t)(last->off + last->len - toks[start].off));
        if (!sl_parse_is_op(sl_parse_peek(&p), ";") && sl_parse_peek(&p)->kind != TK_EOF) {
            if (!sl_parse_unsupported(&p))
                sl_parse_syntax_error(&p, "';' or end of input");
            break;
        }
    }
    sl_sql_toks_free(toks, ntok);
    sl_src_text_free(&st);
    if (err->code) {
        sl_job_free(&job);
        return err->code;
    }
    *out = job;
    return 0;
}
