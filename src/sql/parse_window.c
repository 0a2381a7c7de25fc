/*
 * SQL parser, window part: the specification after OVER (PARTITION BY, ORDER BY, a ROWS or
 * RANGE frame), and freeing / printing it. Kept apart from the FROM clause and the
 * expression grammar (parser.c calls sl_parse_window after a function call). Local.
 */
#include "sql/sql_int.h"

#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

void sl_ast_window_free(sl_ast_window **pw)
{
    if (!pw || !*pw)
        return;
    sl_ast_window *w = *pw;
    for (int i = 0; i < w->n_part; i++)
        sl_ast_expr_free(&w->part[i]);
    sl_free(w->part);
    for (int i = 0; i < w->n_order; i++)
        sl_ast_expr_free(&w->order[i].e);
    sl_free(w->order);
    sl_ast_expr_free(&w->start_off);
    sl_ast_expr_free(&w->end_off);
    sl_free(w);
    *pw = NULL;
}

/* One ORDER BY item: expr [ASC|DESC] [NULLS FIRST|LAST]. */
static int parse_order_item(sl_parser *p, sl_ast_order *o)
{
    if (!(o->e = sl_parse_expr(p)))
        return p->err->code;
    if (sl_parse_accept_kw(p, "desc"))
        o->desc = true;
    else
        sl_parse_accept_kw(p, "asc");
    if (sl_parse_accept_kw(p, "nulls")) {
        if (sl_parse_accept_kw(p, "first"))
            o->nulls_first = true;
        else if (sl_parse_expect_kw(p, "last"))
            return p->err->code;
    }
    return 0;
}

/* UNBOUNDED PRECEDING | UNBOUNDED FOLLOWING | CURRENT ROW | expr PRECEDING | expr FOLLOWING */
static int parse_bound(sl_parser *p, int *kind, sl_ast_expr **off)
{
    if (sl_parse_accept_kw(p, "unbounded")) {
        if (sl_parse_accept_kw(p, "preceding"))
            *kind = SL_FB_UNBOUNDED_PRECEDING;
        else if (sl_parse_accept_kw(p, "following"))
            *kind = SL_FB_UNBOUNDED_FOLLOWING;
        else
            return sl_parse_syntax_error(p, "PRECEDING or FOLLOWING");
        return 0;
    }
    if (sl_parse_accept_kw(p, "current")) {
        *kind = SL_FB_CURRENT_ROW;
        return sl_parse_expect_kw(p, "row") ? p->err->code : 0;
    }
    if (!(*off = sl_parse_expr(p)))
        return p->err->code;
    if (sl_parse_accept_kw(p, "preceding"))
        *kind = SL_FB_PRECEDING;
    else if (sl_parse_accept_kw(p, "following"))
        *kind = SL_FB_FOLLOWING;
    else
        return sl_parse_syntax_error(p, "PRECEDING or FOLLOWING");
    return 0;
}

static int parse_frame(sl_parser *p, sl_ast_window *w)
{
    w->has_frame = true;
    w->frame_rows = sl_parse_is_kw(sl_parse_peek(p), "rows");
    sl_parse_next(p);
    if (sl_parse_accept_kw(p, "between")) {
        if (parse_bound(p, &w->start_kind, &w->start_off) || sl_parse_expect_kw(p, "and") ||
            parse_bound(p, &w->end_kind, &w->end_off))
            return p->err->code;
    } else {
        if (parse_bound(p, &w->start_kind, &w->start_off))
            return p->err->code;
        w->end_kind = SL_FB_CURRENT_ROW;
    }
    return 0;
}

static int parse_spec(sl_parser *p, sl_ast_window *w)
{
    if (sl_parse_expect_op(p, "("))
        return p->err->code;
    if (sl_parse_accept_kw(p, "partition")) {
        if (sl_parse_expect_kw(p, "by"))
            return p->err->code;
        do {
            sl_ast_expr *e = sl_parse_expr(p);
            if (!e)
                return p->err->code;
            w->part = sl_xrealloc(w->part, sizeof *w->part * (size_t)(w->n_part + 1));
            w->part[w->n_part++] = e;
        } while (sl_parse_accept_op(p, ","));
    }
    if (sl_parse_accept_kw(p, "order")) {
        if (sl_parse_expect_kw(p, "by"))
            return p->err->code;
        do {
            w->order = sl_xrealloc(w->order, sizeof *w->order * (size_t)(w->n_order + 1));
            sl_ast_order *o = &w->order[w->n_order++];
            memset(o, 0, sizeof *o);
            if (parse_order_item(p, o))
                return p->err->code;
        } while (sl_parse_accept_op(p, ","));
    }
    const sl_tok *t = sl_parse_peek(p);
    if (sl_parse_is_kw(t, "rows") || sl_parse_is_kw(t, "range")) {
        if (parse_frame(p, w))
            return p->err->code;
    } else if (sl_parse_is_kw(t, "groups")) {
        return sl_parse_error_at(p, t, "%s", "GROUPS frames are not supported yet");
    }
    if (sl_parse_is_kw(sl_parse_peek(p), "exclude"))
        return sl_parse_error_at(p, sl_parse_peek(p), "%s",
                                 "EXCLUDE in a window frame is not supported yet");
    return sl_parse_expect_op(p, ")") ? p->err->code : 0;
}

int sl_parse_window(sl_parser *p, sl_ast_window **out)
{
    sl_ast_window *w = sl_xcalloc(1, sizeof *w);
    *out = NULL;
    if (!sl_parse_is_op(sl_parse_peek(p), "(")) {
        sl_ast_window_free(&w);
        return sl_parse_error_at(p, sl_parse_peek(p), "%s",
                                 "named windows (OVER name) are not supported yet");
    }
    if (++p->depth > SL_SQL_MAX_DEPTH) {
        sl_ast_window_free(&w);
        return sl_parse_nest_error(p, sl_parse_peek(p));
    }
    int rc = parse_spec(p, w);
    p->depth--;
    if (rc) {
        sl_ast_window_free(&w);
        return rc;
    }
    *out = w;
    return 0;
}

static const char *bound_text(int kind)
{
    switch (kind) {
    case SL_FB_UNBOUNDED_PRECEDING: return "UNBOUNDED PRECEDING";
    case SL_FB_PRECEDING: return " PRECEDING";
    case SL_FB_CURRENT_ROW: return "CURRENT ROW";
    case SL_FB_FOLLOWING: return " FOLLOWING";
    default: return "UNBOUNDED FOLLOWING";
    }
}

void sl_ast_window_print(sl_buf *b, const sl_ast_window *w, bool canonical)
{
    sl_buf_puts(b, " OVER (");
    for (int i = 0; i < w->n_part; i++) {
        sl_buf_puts(b, i ? ", " : "PARTITION BY ");
        sl_ast_expr_print(b, w->part[i], canonical);
    }
    for (int i = 0; i < w->n_order; i++) {
        sl_buf_puts(b, i ? ", " : w->n_part ? " ORDER BY " : "ORDER BY ");
        sl_ast_expr_print(b, w->order[i].e, canonical);
        sl_buf_puts(b, w->order[i].desc ? " DESC" : " ASC");
        sl_buf_puts(b, w->order[i].nulls_first ? " NULLS FIRST" : " NULLS LAST");
    }
    if (w->has_frame) {
        sl_buf_puts(b, w->frame_rows ? " ROWS BETWEEN " : " RANGE BETWEEN ");
        if (w->start_off)
            sl_ast_expr_print(b, w->start_off, canonical);
        sl_buf_puts(b, bound_text(w->start_kind));
        sl_buf_puts(b, " AND ");
        if (w->end_off)
            sl_ast_expr_print(b, w->end_off, canonical);
        sl_buf_puts(b, bound_text(w->end_kind));
    }
    sl_buf_putc(b, ')');
}
