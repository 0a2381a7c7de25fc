/*
 * UNPIVOT in DuckDB's syntax:
 *   UNPIVOT source ON col1, col2, ... [INTO NAME name_col VALUE value_col]
 * parsed into a select block `SELECT * FROM source` that carries the ON columns and the two
 * names (sl_ast_query.unpivot_*); the binder expands it once the source's columns are known
 * (bind_unpivot.c). Without INTO the columns are named "name" and "value", as in DuckDB.
 * Local.
 */
#include <ctype.h>

#include "core/mem.h"
#include "sql/sql_int.h"

/* A result column name as written: "quoted" as is, else the word as typed. */
static int parse_out_name(sl_parser *p, char **out)
{
    sl_tok *t = sl_parse_peek(p);
    if (!sl_parse_is_name(t))
        return sl_parse_syntax_error(p, "column name");
    sl_parse_next(p);
    *out = t->kind == TK_QIDENT ? sl_xstrdup(t->val) : sl_parse_raw(p, t);
    return 0;
}

int sl_parse_unpivot(sl_parser *p, sl_ast_query *q)
{
    sl_tok *start = sl_parse_peek(p);
    if (sl_parse_expect_kw(p, "unpivot"))
        return p->err->code;
    sl_ast_source src = {0};
    int rc = sl_parse_from_primary(p, &src);
    q->has_from = true;
    q->from.kind = AS_QUERY;
    q->from.line = src.line;
    q->from.col = src.col;
    q->from.sub = sl_parse_side_query(p, &src);
    if (rc || sl_parse_expect_kw(p, "on"))
        return p->err->code;
    for (;;) {
        sl_tok *t = sl_parse_peek(p);
        if (sl_parse_is_op(t, "("))
            return sl_parse_error_at(p, t, "%s", "UNPIVOT ON (col, ...) AS name (columns "
                                     "unpivoted together) is not supported yet");
        if (!sl_parse_is_name(t))
            return sl_parse_syntax_error(p, "column name");
        sl_parse_next(p);
        char *name = t->kind == TK_QIDENT ? sl_xstrdup(t->val)
                     : sl_parse_lower_dup(t->val);
        sl_parse_add_str(&q->unpivot_on, &q->n_unpivot, name);
        sl_free(name);
        if (!sl_parse_accept_op(p, ","))
            break;
    }
    if (sl_parse_accept_kw(p, "into")) {
        if (sl_parse_expect_kw(p, "name") || parse_out_name(p, &q->unpivot_name) ||
            sl_parse_expect_kw(p, "value") || parse_out_name(p, &q->unpivot_value))
            return p->err->code;
        if (sl_parse_is_op(sl_parse_peek(p), ","))
            return sl_parse_error_at(p, sl_parse_peek(p), "%s", "UNPIVOT into several VALUE "
                                     "columns is not supported yet");
    }
    if (!q->unpivot_name)
        q->unpivot_name = sl_xstrdup("name");
    if (!q->unpivot_value)
        q->unpivot_value = sl_xstrdup("value");
    sl_parse_star_items(q, start->line, start->col);
    return 0;
}
