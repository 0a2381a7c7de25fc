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
    if (sl_type_is_var(v->type) && !v->is_null) { /* VARCHAR, a LIST's bytes */
        /* an empty value may point nowhere (a column whose heap was never allocated) */
        e->cstr = sl_xstrndup(v->v.s.len ? v->v.s.p : "", (size_t)v->v.s.len);
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

static bool const_equal(const sl_value *a, const sl_value *b)
{
    if (a->type != b->type || a->is_null != b->is_null)
        return false;
    if (a->is_null)
        return true;
    switch (a->type) {
    case SL_T_VARCHAR:
        return a->v.s.len == b->v.s.len &&
               (a->v.s.len == 0 || memcmp(a->v.s.p, b->v.s.p, (size_t)a->v.s.len) == 0);
    case SL_T_DOUBLE:
        return memcmp(&a->v.d, &b->v.d, sizeof a->v.d) == 0; /* bitwise: 0.0 vs -0.0 differ */
    default:
        if (sl_type_is_var(a->type)) /* a LIST, STRUCT, HUGEINT, wide DECIMAL: bytes */
            return a->v.s.len == b->v.s.len &&
                   (a->v.s.len == 0 || memcmp(a->v.s.p, b->v.s.p, (size_t)a->v.s.len) == 0);
        return a->v.i == b->v.i;
    }
}

bool sl_expr_equal(const sl_expr *a, const sl_expr *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind || a->type != b->type || a->n_args != b->n_args)
        return false;
    switch (a->kind) {
    case SL_E_CONST:
        return const_equal(&a->cval, &b->cval);
    case SL_E_COL:
        return a->col == b->col;
    case SL_E_CALL:
        if (a->fn != b->fn)
            return false;
        break;
    case SL_E_CASE:
        if (a->has_else != b->has_else)
            return false;
        break;
    case SL_E_CAST:
        if (a->try_cast != b->try_cast)
            return false;
        break;
    }
    for (int i = 0; i < a->n_args; i++)
        if (!sl_expr_equal(a->args[i], b->args[i]))
            return false;
    return true;
}
