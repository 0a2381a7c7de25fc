/*
 * Band terms of a join's residual (see band.h). Local.
 */
#include "plan/band.h"

#include <string.h>

#include "core/mem.h"
#include "func/func.h"
#include "plan/plan_int.h"

/* 1: e reads probe columns only, 2: build columns only, 0: both or none. */
static int side_of(const sl_expr *e, int n_probe)
{
    int s = sl_plan_sides_of((sl_expr *)e, n_probe);
    return s == 3 ? 0 : s;
}

/* Operands of type t compare as 8-byte integers or as DOUBLEs (fn_compare.c's kernels):
 * *dbl says which; false for every other type. */
static bool fusable_type(sl_type t, bool *dbl)
{
    *dbl = t == SL_T_DOUBLE;
    return t != SL_T_NULL && !sl_type_is_var(t);
}

/* The operator with its operands swapped: x < y is y > x. */
static int swap_op(int op)
{
    switch (op) {
    case SL_FN_LT: return SL_FN_GT;
    case SL_FN_LE: return SL_FN_GE;
    case SL_FN_GT: return SL_FN_LT;
    case SL_FN_GE: return SL_FN_LE;
    default: return op;
    }
}

/* x OP y as a term (appended to band) when one side reads only probe columns and the other only
 * build columns; false otherwise (nothing appended). */
static bool add_term(sl_band *band, const sl_expr *x, int op, const sl_expr *y, int n_probe)
{
    bool dx, dy;
    if (!fusable_type(x->type, &dx) || !fusable_type(y->type, &dy) || x->type != y->type)
        return false;
    int sx = side_of(x, n_probe), sy = side_of(y, n_probe);
    if (sx == 0 || sy == 0 || sx == sy)
        return false;
    if (sx == 2) { /* build OP probe: probe swap(OP) build */
        const sl_expr *s = x;
        x = y;
        y = s;
        op = swap_op(op);
    }
    band->t = sl_xrealloc(band->t, sizeof *band->t * (size_t)(band->n + 1));
    sl_band_term *t = &band->t[band->n++];
    memset(t, 0, sizeof *t);
    t->probe = sl_expr_copy(x);
    t->build = sl_expr_copy(y);
    sl_expr_walk(t->build, sl_plan_shift_col, &n_probe);
    t->op = op;
    t->dbl = dx;
    return true;
}

/* Adds conjunct e's terms: a comparison is one, BETWEEN two (x >= lo, x <= hi), and only when
 * all of them are terms (else e stays in the rest whole). */
static bool add_conjunct(sl_band *band, const sl_expr *e, int n_probe)
{
    if (e->kind != SL_E_CALL)
        return false;
    switch (e->fn) {
    case SL_FN_LT:
    case SL_FN_LE:
    case SL_FN_GT:
    case SL_FN_GE:
    case SL_FN_EQ:
        return e->n_args == 2 && add_term(band, e->args[0], e->fn, e->args[1], n_probe);
    case SL_FN_BETWEEN: {
        if (e->n_args != 3)
            return false;
        int before = band->n;
        if (add_term(band, e->args[0], SL_FN_GE, e->args[1], n_probe) &&
            add_term(band, e->args[0], SL_FN_LE, e->args[2], n_probe))
            return true;
        while (band->n > before) { /* the first became a term, the second did not */
            band->n--;
            sl_expr_free(&band->t[band->n].probe);
            sl_expr_free(&band->t[band->n].build);
        }
        return false;
    }
    default:
        return false;
    }
}

bool sl_band_split(const sl_expr *residual, int n_probe, sl_band *band)
{
    memset(band, 0, sizeof *band);
    sl_expr **conj = NULL;
    int n_conj = 0;
    sl_plan_conjuncts((sl_expr *)residual, &conj, &n_conj);
    for (int i = 0; i < n_conj; i++) {
        const sl_expr *e = conj[i];
        if (!add_conjunct(band, e, n_probe)) {
            band->rest = sl_plan_and(band->rest, sl_expr_copy(e));
        } else { /* EXPLAIN's text of the terms */
            char *t = band->text ? sl_xasprintf("%s AND %s", band->text, e->text)
                                 : sl_xstrdup(e->text);
            sl_free(band->text);
            band->text = t;
        }
    }
    sl_free(conj);
    if (band->n == 0) {
        sl_band_free(band);
        return false;
    }
    return true;
}

void sl_band_free(sl_band *band)
{
    for (int t = 0; t < band->n; t++) {
        sl_expr_free(&band->t[t].probe);
        sl_expr_free(&band->t[t].build);
    }
    sl_free(band->t);
    sl_expr_free(&band->rest);
    sl_free(band->text);
    memset(band, 0, sizeof *band);
}
