/*
 * SUMMARIZE in DuckDB's syntax:
 *   SUMMARIZE SELECT ...     SUMMARIZE view_or_table     SUMMARIZE 'file.csv'
 * (and SUMMARIZE read_csv(...), which DuckDB rejects but costs nothing here) parsed into a
 * select block `SELECT * FROM (source)` marked summarize; the binder rewrites it into the
 * column profile once the source's columns are known (bind_summarize.c). Local.
 */
#include <string.h>

#include "core/mem.h"
#include "sql/sql_int.h"

/* 'file.csv' as a source: read_csv('file.csv'), as DuckDB reads a quoted path in FROM. */
static int file_source(sl_parser *p, sl_ast_source *s)
{
    sl_tok *t = sl_parse_peek(p);
    const sl_format *f = sl_format_find_reader("read_csv");
    if (!f)
        return sl_parse_error_at(p, t, "%s", "SUMMARIZE 'file' needs the CSV reader");
    s->kind = AS_FUNC;
    s->line = t->line;
    s->col = t->col;
    s->call.fmt = f;
    s->call.opts = f->ropts_new();
    s->call.line = t->line;
    s->call.col = t->col;
    sl_fmt_ctx c = {p->st->path, p->err};
    sl_fmt_val v, none;
    if (sl_parse_fmt_value(p, &v))
        return p->err->code;
    memset(&none, 0, sizeof none);
    none.line = sl_parse_peek(p)->line;
    none.col = sl_parse_peek(p)->col;
    int rc = f->ropts_args(s->call.opts, &v, 1, &none, &c);
    sl_fmt_val_clear(&v);
    return rc ? rc : f->ropts_end(s->call.opts, s->call.line, s->call.col, &c);
}

bool sl_parse_is_summarize(sl_parser *p, int k)
{
    /* "(summarize + 1)" is an expression over a column named summarize, not a query */
    const sl_tok *n = sl_parse_peek_at(p, k + 1);
    return sl_parse_is_kw(sl_parse_peek_at(p, k), "summarize") &&
           (sl_parse_is_name(n) || n->kind == TK_STRING || sl_parse_is_op(n, "(") ||
            sl_parse_is_kw(n, "select") || sl_parse_is_kw(n, "with") ||
            sl_parse_is_kw(n, "pivot") || sl_parse_is_kw(n, "unpivot"));
}

int sl_parse_summarize(sl_parser *p, sl_ast_query *q)
{
    sl_tok *start = sl_parse_peek(p);
    if (sl_parse_expect_kw(p, "summarize"))
        return p->err->code;
    q->summarize = true;
    q->has_from = true;
    q->from.kind = AS_QUERY;
    q->from.line = sl_parse_peek(p)->line;
    q->from.col = sl_parse_peek(p)->col;
    int rc;
    if (sl_parse_is_query_start(p)) {
        rc = sl_parse_query(p, &q->from.sub);
    } else {
        sl_ast_source src = {0};
        rc = sl_parse_peek(p)->kind == TK_STRING ? file_source(p, &src)
                                                 : sl_parse_from_primary(p, &src);
        q->from.sub = sl_parse_side_query(p, &src);
    }
    if (rc)
        return p->err->code;
    sl_parse_star_items(q, start->line, start->col);
    return 0;
}
