/*
 * SQL parser, window part: the specification after OVER (PARTITION BY, ORDER BY, a ROWS or
 * RANGE frame; a window named in the block's WINDOW clause, read again where it is used),
 * and freeing / printing it. Kept apart from the FROM clause and the
 * expression grammar (parser.c calls sl_parse_window after a function call). Local.
 */
#include "sql/sql_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

int sl_parse_order_item(sl_parser *p, sl_ast_order *o)
{
    return parse_order_item(p, o);
}

/* Microseconds in one unit of an INTERVAL (fixed-length units only), or 0. */
static int64_t unit_micros(const char *u, int64_t len)
{
    static const struct { const char *name; int64_t us; } units[] = {
        {"microsecond", 1}, {"millisecond", 1000}, {"second", 1000000},
        {"minute", 60000000}, {"hour", INT64_C(3600000000)}, {"day", INT64_C(86400000000)},
        {"week", INT64_C(604800000000)}, {NULL, 0}};
    if (len > 1 && (u[len - 1] == 's' || u[len - 1] == 'S'))
        len--; /* days, hours, ... */
    for (int i = 0; units[i].name; i++)
        if ((int64_t)strlen(units[i].name) == len &&
            strncasecmp(units[i].name, u, (size_t)len) == 0)
            return units[i].us;
    return 0;
}

/* INTERVAL n unit | INTERVAL 'n unit' (after INTERVAL): a new A_INT of microseconds. */
static sl_ast_expr *parse_interval(sl_parser *p, int start)
{
    const sl_tok *t = sl_parse_peek(p);
    int64_t n = 0, us = 0;
    bool ok = false;
    if (t->kind == TK_STRING) {
        const char *s = t->val;
        char *end = NULL;
        long long v = strtoll(s, &end, 10);
        while (end && *end == ' ')
            end++;
        if (end && end != s && *end) {
            n = v;
            us = unit_micros(end, (int64_t)strlen(end));
            ok = us > 0;
        }
        sl_parse_next(p);
    } else if (t->kind == TK_INT && sl_parse_bigint(t->val, (int64_t)strlen(t->val), &n)) {
        sl_parse_next(p);
        const sl_tok *u = sl_parse_peek(p);
        if (u->kind == TK_IDENT) {
            us = unit_micros(u->val, (int64_t)strlen(u->val));
            ok = us > 0;
            sl_parse_next(p);
        }
    }
    if (!ok || n < 0 || (n > 0 && us > INT64_MAX / n)) {
        sl_parse_error_at(p, t, "%s", "expected an INTERVAL of a fixed length: INTERVAL n "
                          "DAYS / HOURS / MINUTES / SECONDS / WEEKS (or 'n days'); months and "
                          "years are not supported in frames");
        return NULL;
    }
    sl_ast_expr *e = sl_parse_new_expr(p, A_INT, start);
    e->ival = n * us;
    return sl_parse_finish(p, e, start);
}

/* UNBOUNDED PRECEDING | UNBOUNDED FOLLOWING | CURRENT ROW | expr PRECEDING | expr FOLLOWING
 * (expr may be an INTERVAL: *iv is then set and *off holds microseconds). */
static int parse_bound(sl_parser *p, int *kind, sl_ast_expr **off, bool *iv)
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
    if (sl_parse_is_kw(sl_parse_peek(p), "interval")) {
        int start = p->i;
        sl_parse_next(p);
        if (!(*off = parse_interval(p, start)))
            return p->err->code;
        *iv = true;
    } else if (!(*off = sl_parse_expr(p))) {
        return p->err->code;
    }
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
        if (parse_bound(p, &w->start_kind, &w->start_off, &w->start_iv) ||
            sl_parse_expect_kw(p, "and") ||
            parse_bound(p, &w->end_kind, &w->end_off, &w->end_iv))
            return p->err->code;
    } else {
        if (parse_bound(p, &w->start_kind, &w->start_off, &w->start_iv))
            return p->err->code;
        w->end_kind = SL_FB_CURRENT_ROW;
    }
    return 0;
}

static int parse_spec(sl_parser *p, sl_ast_window *w);

/* Index of the '(' of window name's spec in the current block's WINDOW clause, or 0. */
static int window_def(sl_parser *p, const char *name, int from)
{
    int j = p->window_at ? p->window_at + 1 : 0;
    while (j && j < p->n - 2) {
        sl_tok *t = &p->t[j];
        if (!sl_parse_is_name(t) || !sl_parse_is_kw(&p->t[j + 1], "as") ||
            !sl_parse_is_op(&p->t[j + 2], "("))
            return 0;
        int depth = 0, k = j + 2;
        for (; k < p->n && p->t[k].kind != TK_EOF; k++) {
            if (sl_parse_is_op(&p->t[k], "("))
                depth++;
            else if (sl_parse_is_op(&p->t[k], ")") && --depth == 0)
                break;
        }
        /* a definition is seen after its ')' (w AS (w) names no window) */
        if (strcasecmp(t->val, name) == 0 && k < from)
            return j + 2;
        if (k + 1 >= p->n || !sl_parse_is_op(&p->t[k + 1], ","))
            return 0;
        j = k + 2;
    }
    return 0;
}

/* The spec of named window t into w, as if written here (a use after the WINDOW keyword, in
 * the clause itself or in QUALIFY, sees the definitions before it). */
static int named_window(sl_parser *p, const sl_tok *t, sl_ast_window *w)
{
    int idx = (int)(t - p->t);
    int at = window_def(p, t->val, p->window_at && idx > p->window_at ? idx : p->n);
    if (!at)
        return sl_parse_error_at(p, t, "window \"%s\" does not exist", t->val);
    if (++p->depth > SL_SQL_MAX_DEPTH)
        return sl_parse_nest_error(p, t);
    int saved = p->i;
    p->i = at;
    int rc = parse_spec(p, w);
    p->i = saved;
    p->depth--;
    return rc;
}

int sl_parse_find_window(sl_parser *p)
{
    static const char *const end[] = {"union", "except", "intersect", "order", "limit",
                                      "offset", "fetch", NULL};
    int depth = 0;
    for (int j = p->i; j < p->n && p->t[j].kind != TK_EOF; j++) {
        sl_tok *t = &p->t[j];
        if (sl_parse_is_op(t, "(")) {
            depth++;
        } else if (sl_parse_is_op(t, ")")) {
            if (depth-- == 0)
                return 0;
        } else if (depth == 0) {
            if (sl_parse_is_op(t, ";"))
                return 0;
            for (int k = 0; end[k]; k++)
                if (sl_parse_is_kw(t, end[k]))
                    return 0;
            if (sl_parse_is_kw(t, "window"))
                return j;
        }
    }
    return 0;
}

int sl_parse_window_clause(sl_parser *p)
{
    do {
        sl_tok *n = sl_parse_peek(p);
        if (!sl_parse_is_name(n))
            return sl_parse_syntax_error(p, "window name");
        sl_parse_next(p);
        if (window_def(p, n->val, (int)(n - p->t)))
            return sl_parse_error_at(p, n, "window \"%s\" is already defined", n->val);
        if (sl_parse_expect_kw(p, "as"))
            return p->err->code;
        sl_ast_window *w;
        if (sl_parse_window(p, &w))
            return p->err->code;
        sl_ast_window_free(&w);
    } while (sl_parse_accept_op(p, ","));
    return 0;
}

static int parse_spec(sl_parser *p, sl_ast_window *w)
{
    if (sl_parse_expect_op(p, "("))
        return p->err->code;
    /* OVER (w [ORDER BY ...] [frame]): the named window's spec, then what is added here */
    sl_tok *base = sl_parse_peek(p);
    if (sl_parse_is_name(base) && !sl_parse_is_kw(base, "partition") &&
        !sl_parse_is_kw(base, "order") && !sl_parse_is_kw(base, "rows") &&
        !sl_parse_is_kw(base, "range") && !sl_parse_is_kw(base, "groups")) {
        if (named_window(p, base, w))
            return p->err->code;
        sl_parse_next(p);
    }
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
    if (++p->depth > SL_SQL_MAX_DEPTH) {
        sl_ast_window_free(&w);
        return sl_parse_nest_error(p, sl_parse_peek(p));
    }
    sl_tok *name = sl_parse_peek(p);
    int rc;
    if (!sl_parse_is_op(name, "(") && sl_parse_is_name(name)) {
        /* OVER name: the spec of WINDOW name AS (...) */
        rc = named_window(p, name, w);
        if (!rc)
            sl_parse_next(p);
    } else {
        rc = parse_spec(p, w);
    }
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
        if (w->start_off && w->start_iv)
            sl_buf_printf(b, "INTERVAL %lld MICROSECONDS", (long long)w->start_off->ival);
        else if (w->start_off)
            sl_ast_expr_print(b, w->start_off, canonical);
        sl_buf_puts(b, bound_text(w->start_kind));
        sl_buf_puts(b, " AND ");
        if (w->end_off && w->end_iv)
            sl_buf_printf(b, "INTERVAL %lld MICROSECONDS", (long long)w->end_off->ival);
        else if (w->end_off)
            sl_ast_expr_print(b, w->end_off, canonical);
        sl_buf_puts(b, bound_text(w->end_kind));
    }
    sl_buf_putc(b, ')');
}
