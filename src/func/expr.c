/* Bound expression constructors and tree helpers; see expr.h. Local. */
#include "func/expr.h"
#include "core/mem.h"

#include <string.h>

static sl_expr *alloc_expr(sl_expr_kind kind, sl_type type, const char *text)
{
    sl_expr *e = sl_xcalloc(1, sizeof *e);
    e->kind = kind;
    e->type = type;
    e->text = sl_xstrdup(text ? text : "");
    return e;
}

sl_expr *sl_expr_const(const sl_value *v, const char *text)
{
    sl_expr *e = alloc_expr(SL_E_CONST, v->type, text);
    e->cval = *v;
    if (v->type == SL_T_VARCHAR && !v->is_null) {
        e->cstr = sl_xstrndup(v->v.s.p, (size_t)v->v.s.len);
        e->cval.v.s.p = e->cstr;
    }
    return e;
}

sl_expr *sl_expr_col(int col, sl_type type, const char *text)
{
    sl_expr *e = alloc_expr(SL_E_COL, type, text);
    e->col = col;
    return e;
}

sl_expr *sl_expr_new(sl_expr_kind kind, sl_type type, int n_args, sl_expr **args,
                     const char *text)
{
    sl_expr *e = alloc_expr(kind, type, text);
    e->n_args = n_args;
    if (n_args) {
        e->args = sl_xmalloc(sizeof *e->args * (size_t)n_args);
        memcpy(e->args, args, sizeof *e->args * (size_t)n_args);
    }
    return e;
}

sl_expr *sl_expr_copy(const sl_expr *s)
{
    if (!s)
        return NULL;
    sl_expr *e = sl_xmalloc(sizeof *e);
    *e = *s;
    e->text = sl_xstrdup(s->text ? s->text : "");
    if (s->cstr) {
        e->cstr = sl_xstrndup(s->cstr, (size_t)s->cval.v.s.len);
        e->cval.v.s.p = e->cstr;
    }
    if (s->n_args) {
        e->args = sl_xmalloc(sizeof *e->args * (size_t)s->n_args);
        for (int i = 0; i < s->n_args; i++)
            e->args[i] = sl_expr_copy(s->args[i]);
    }
    return e;
}

void sl_expr_free(sl_expr **pe)
{
    if (!pe || !*pe)
        return;
    sl_expr *e = *pe;
    for (int i = 0; i < e->n_args; i++)
        sl_expr_free(&e->args[i]);
    sl_free(e->args);
    sl_free(e->cstr);
    sl_free(e->text);
    sl_free(e);
    *pe = NULL;
}

void sl_expr_walk(sl_expr *e, void (*fn)(sl_expr *, void *), void *ctx)
{
    if (!e)
        return;
    fn(e, ctx);
    for (int i = 0; i < e->n_args; i++)
        sl_expr_walk(e->args[i], fn, ctx);
}
