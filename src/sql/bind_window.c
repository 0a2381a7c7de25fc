/*
 * Binding window function calls: f(args) OVER (PARTITION BY ... ORDER BY ... frame) becomes
 * an entry of q->wins (arguments, partition and order keys bound over the window input
 * layout, L1 or L0) and, where the call was written, a reference SL_E_COL col = -1 - slot
 * (plan.h explains the layout). Equal calls (sl_bind_key: same canonical text and columns,
 * OVER included) share one slot. Constant parameters (ntile's buckets, lag/lead offsets, nth_value's n, ROWS offsets)
 * are folded and must be non-negative integer constants. Local.
 */
#include "sql/sql_int.h"

#include <string.h>

#include "core/mem.h"
#include "func/aggregate.h"
#include "func/func.h"

typedef struct {
    const char *name;
    sl_winfn fn;
    int min_args, max_args;
} winfn_def;

static const winfn_def defs[] = {
    {"row_number", SL_WF_ROW_NUMBER, 0, 0}, {"rank", SL_WF_RANK, 0, 0},
    {"dense_rank", SL_WF_DENSE_RANK, 0, 0}, {"percent_rank", SL_WF_PERCENT_RANK, 0, 0},
    {"cume_dist", SL_WF_CUME_DIST, 0, 0},   {"ntile", SL_WF_NTILE, 1, 1},
    {"lag", SL_WF_LAG, 1, 3},               {"lead", SL_WF_LEAD, 1, 3},
    {"first_value", SL_WF_FIRST_VALUE, 1, 1}, {"last_value", SL_WF_LAST_VALUE, 1, 1},
    {"nth_value", SL_WF_NTH_VALUE, 2, 2},   {"sum", SL_WF_SUM, 1, 1},
    {"avg", SL_WF_AVG, 1, 1},               {"mean", SL_WF_AVG, 1, 1},
    {"min", SL_WF_MIN, 1, 1},               {"max", SL_WF_MAX, 1, 1},
    {"count", SL_WF_COUNT, 0, 1},
    {NULL, 0, 0, 0}};

static const winfn_def *find_def(const char *name)
{
    for (int i = 0; defs[i].name; i++)
        if (strcmp(defs[i].name, name) == 0)
            return &defs[i];
    return NULL;
}

/* Binds a and folds it into a non-negative integer constant (*v); what says what it is. */
static int bind_const_int(sl_bind_ctx *c, const sl_ast_expr *a, const char *what, int64_t min,
                          int64_t *v)
{
    sl_expr *e = NULL;
    int rc = sl_bind_expr(c, a, &e);
    if (rc)
        return rc;
    sl_err tmp = {0};
    sl_expr_fold(&e, &tmp);
    bool ok = e->kind == SL_E_CONST && sl_type_is_int(e->type) && !e->cval.is_null &&
              e->cval.v.i >= min;
    if (ok)
        *v = e->cval.v.i;
    sl_expr_free(&e);
    if (!ok)
        return sl_bind_error(c, a->line, a->col, SL_EBIND,
                             "%s must be an integer constant of at least %lld", what,
                             (long long)min);
    return 0;
}

/* A RANGE offset (off may be NULL: nothing to do) over the window's one ORDER BY key: an
 * integer for BIGINT, a number for DOUBLE, an INTERVAL (iv: microseconds) for TIMESTAMP and
 * whole days for DATE. Non-negative constants only. */
static int range_offset(sl_bind_ctx *c, const sl_ast_expr *a, const sl_win *w,
                        const sl_ast_expr *off, bool iv, int64_t *n, double *f)
{
    if (!off)
        return 0;
    if (w->n_order != 1)
        return sl_bind_error(c, a->line, a->col, SL_EBIND,
                             "a RANGE frame with an offset needs exactly one ORDER BY key");
    sl_type kt = w->order[0]->type;
    if (iv) {
        if (sl_type_is_ts(kt)) {
            *n = off->ival;
            return 0;
        }
        if (kt == SL_T_DATE && off->ival % INT64_C(86400000000) == 0) {
            *n = off->ival / INT64_C(86400000000);
            return 0;
        }
        return sl_bind_error(c, off->line, off->col, SL_EBIND, "an INTERVAL offset needs a "
                             "TIMESTAMP key, or whole days over a DATE key (the key is %s)",
                             sl_type_name(kt));
    }
    if (sl_type_is_int(kt))
        return bind_const_int(c, off, "a RANGE offset over a BIGINT key", 0, n);
    if (kt != SL_T_DOUBLE)
        return sl_bind_error(c, off->line, off->col, SL_EBIND, "a RANGE offset over a %s key "
                             "must be an INTERVAL (numbers are for numeric keys)",
                             sl_type_name(kt));
    sl_expr *e = NULL;
    int rc = sl_bind_expr(c, off, &e);
    if (rc)
        return rc;
    sl_err tmp = {0};
    sl_expr_fold(&e, &tmp);
    bool ok = e->kind == SL_E_CONST && !e->cval.is_null &&
              (sl_type_is_int(e->type) || e->type == SL_T_DOUBLE ||
               sl_type_is_decimal(e->type));
    if (ok)
        *f = e->type == SL_T_DOUBLE ? e->cval.v.d
             : sl_type_is_decimal(e->type) ? sl_dec_value_double(&e->cval)
             : (double)e->cval.v.i;
    sl_expr_free(&e);
    if (!ok || !(*f >= 0))
        return sl_bind_error(c, off->line, off->col, SL_EBIND,
                             "a RANGE offset must be a non-negative number constant");
    return 0;
}

static int bind_frame(sl_bind_ctx *c, const sl_ast_expr *a, const sl_ast_window *aw, sl_win *w)
{
    sl_win_frame *f = &w->frame;
    if (!aw->has_frame) {
        f->rows = false;
        f->start = SL_FB_UNBOUNDED_PRECEDING;
        f->end = SL_FB_CURRENT_ROW;
        return 0;
    }
    f->rows = aw->frame_rows;
    f->start = (sl_frame_bound)aw->start_kind;
    f->end = (sl_frame_bound)aw->end_kind;
    if (f->start == SL_FB_UNBOUNDED_FOLLOWING || f->end == SL_FB_UNBOUNDED_PRECEDING)
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "a frame cannot start at UNBOUNDED "
                             "FOLLOWING or end at UNBOUNDED PRECEDING");
    int rc = 0;
    if (!f->rows && (aw->start_off || aw->end_off)) {
        rc = range_offset(c, a, w, aw->start_off, aw->start_iv, &f->start_n, &f->start_f);
        if (!rc)
            rc = range_offset(c, a, w, aw->end_off, aw->end_iv, &f->end_n, &f->end_f);
        return rc;
    }
    if (aw->start_iv || aw->end_iv)
        return sl_bind_error(c, a->line, a->col, SL_EBIND,
                             "an INTERVAL offset needs a RANGE frame over a DATE or TIMESTAMP");
    if (aw->start_off)
        rc = bind_const_int(c, aw->start_off, "a frame offset", 0, &f->start_n);
    if (!rc && aw->end_off)
        rc = bind_const_int(c, aw->end_off, "a frame offset", 0, &f->end_n);
    return rc;
}

/* The result type of a window aggregate: the aggregate registry's own type rule. */
static int agg_type(sl_bind_ctx *c, const sl_ast_expr *a, sl_win *w)
{
    static const char *const names[] = {[SL_WF_SUM] = "sum", [SL_WF_AVG] = "avg",
                                        [SL_WF_MIN] = "min", [SL_WF_MAX] = "max",
                                        [SL_WF_COUNT] = "count"};
    const sl_aggfn *fn = sl_aggfn_find(names[w->fn]);
    sl_agg g = {0};
    sl_type at = w->arg->type;
    if ((at == SL_T_UBIGINT || at == SL_T_UHUGEINT) && (w->fn == SL_WF_SUM || w->fn == SL_WF_AVG)) {
        /* as the aggregates read them (sql/bind_expr.c): a UBIGINT as HUGEINT, a UHUGEINT
         * as DOUBLE */
        sl_err tmp = {0};
        sl_expr *arg = w->arg;
        w->arg = NULL;
        if (sl_func_bind_cast(arg, at == SL_T_UBIGINT ? SL_T_HUGEINT : SL_T_DOUBLE, false,
                              arg->text, &w->arg, &tmp))
            return sl_bind_error(c, a->line, a->col, tmp.code, "%s", tmp.msg);
    }
    if (!fn || !sl_agg_init_call(&g, fn, w->arg->type))
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "no function matches %s(%s)",
                             a->name, sl_type_name(w->arg->type));
    /* op_window sums integers, HUGEINTs and DECIMALs (unscaled; a wide DECIMAL's 16 bytes)
     * into a 128-bit total: the sum aggregate's type, HUGEINT or DECIMAL(38,s), as DuckDB's */
    w->type = g.type;
    return 0;
}

static int bind_args(sl_bind_ctx *c, const sl_ast_expr *a, const winfn_def *d, sl_win *w)
{
    int rc = 0;
    bool star = a->star || (d->fn == SL_WF_COUNT && a->n_args == 0);
    if (a->star && d->fn != SL_WF_COUNT)
        return sl_bind_error(c, a->line, a->col, SL_EBIND, "%s(*) is not valid", a->name);
    if (a->distinct)
        return sl_bind_error(c, a->line, a->col, SL_EBIND,
                             "DISTINCT in a window function is not supported yet");
    if (!star && (a->n_args < d->min_args || a->n_args > d->max_args))
        return sl_bind_error(c, a->line, a->col, SL_EBIND,
                             "%s() takes %d to %d arguments, got %d", a->name, d->min_args,
                             d->max_args, a->n_args);
    w->fn = star ? SL_WF_COUNT_STAR : d->fn;
    switch (w->fn) {
    case SL_WF_ROW_NUMBER:
    case SL_WF_RANK:
    case SL_WF_DENSE_RANK:
    case SL_WF_COUNT_STAR:
        w->type = SL_T_BIGINT;
        return 0;
    case SL_WF_PERCENT_RANK:
    case SL_WF_CUME_DIST:
        w->type = SL_T_DOUBLE;
        return 0;
    case SL_WF_NTILE:
        w->type = SL_T_BIGINT;
        return bind_const_int(c, a->args[0], "the argument of ntile()", 1, &w->param);
    default:
        break;
    }
    if ((rc = sl_bind_expr(c, a->args[0], &w->arg)))
        return rc;
    w->type = w->arg->type;
    switch (w->fn) {
    case SL_WF_LAG:
    case SL_WF_LEAD:
        w->param = 1;
        if (a->n_args > 1 &&
            (rc = bind_const_int(c, a->args[1], "the offset of lag()/lead()", 0, &w->param)))
            return rc;
        if (a->n_args > 2) {
            if ((rc = sl_bind_expr(c, a->args[2], &w->def)))
                return rc;
            if (w->type == SL_T_NULL) {
                w->type = w->def->type;
            } else if (w->def->type != w->type) {
                sl_err tmp = {0};
                sl_expr *d2 = NULL;
                if (sl_func_bind_cast(w->def, w->type, false, w->def->text, &d2, &tmp)) {
                    w->def = NULL;
                    return sl_bind_error(c, a->line, a->col, SL_EBIND, "%s", tmp.msg);
                }
                w->def = d2;
            }
        }
        return 0;
    case SL_WF_NTH_VALUE:
        return bind_const_int(c, a->args[1], "the position of nth_value()", 1, &w->param);
    case SL_WF_FIRST_VALUE:
    case SL_WF_LAST_VALUE:
        return 0;
    default:
        return agg_type(c, a, w);
    }
}

static int bind_spec(sl_bind_ctx *c, const sl_ast_window *aw, sl_win *w)
{
    int rc = 0;
    w->part = sl_xcalloc((size_t)aw->n_part + 1, sizeof *w->part);
    for (; !rc && w->n_part < aw->n_part; w->n_part++)
        rc = sl_bind_expr(c, aw->part[w->n_part], &w->part[w->n_part]);
    w->order = sl_xcalloc((size_t)aw->n_order + 1, sizeof *w->order);
    w->order_desc = sl_xcalloc((size_t)aw->n_order + 1, sizeof *w->order_desc);
    w->order_nulls_first = sl_xcalloc((size_t)aw->n_order + 1, sizeof *w->order_nulls_first);
    for (; !rc && w->n_order < aw->n_order; w->n_order++) {
        w->order_desc[w->n_order] = aw->order[w->n_order].desc;
        w->order_nulls_first[w->n_order] = aw->order[w->n_order].nulls_first;
        rc = sl_bind_expr(c, aw->order[w->n_order].e, &w->order[w->n_order]);
    }
    return rc;
}

/* Adds w as a new slot of q->wins under key (both taken over); returns the slot. */
int sl_bind_add_window(sl_bind_ctx *c, sl_win *w, char *key)
{
    sl_query *q = c->q;
    q->wins = sl_xrealloc(q->wins, sizeof *q->wins * (size_t)(q->n_wins + 1));
    c->win_keys = sl_xrealloc(c->win_keys, sizeof *c->win_keys * (size_t)(q->n_wins + 1));
    q->wins[q->n_wins] = *w;
    c->win_keys[q->n_wins] = key;
    return q->n_wins++;
}

int sl_bind_window(sl_bind_ctx *c, const sl_ast_expr *a, sl_expr **out)
{
    *out = NULL;
    if (!c->win_ok)
        return sl_bind_error(c, a->line, a->col, SL_EBIND,
                             "window functions are only allowed in the select list, QUALIFY "
                             "and ORDER BY (not in WHERE, GROUP BY, HAVING, aggregate or "
                             "window arguments)");
    const winfn_def *d = find_def(a->name);
    if (!d)
        return sl_bind_error(c, a->line, a->col, SL_EBIND,
                             "%s() is not a window function (window functions: row_number, "
                             "rank, dense_rank, percent_rank, cume_dist, ntile, lag, lead, "
                             "first_value, last_value, nth_value, sum, avg, min, max, count)",
                             a->name);
    char *key = sl_bind_key(c, a, -1);
    for (int i = 0; i < c->q->n_wins; i++)
        if (strcmp(c->win_keys[i], key) == 0) {
            sl_free(key);
            char *text = sl_bind_name_of(c, a);
            *out = sl_expr_col(-1 - i, c->q->wins[i].type, text);
            sl_free(text);
            return 0;
        }
    sl_win w = {0};
    c->win_ok = false; /* no window calls inside a window call */
    int rc = bind_args(c, a, d, &w);
    if (!rc)
        rc = bind_spec(c, a->over, &w);
    if (!rc)
        rc = bind_frame(c, a, a->over, &w);
    c->win_ok = true;
    if (rc) {
        sl_win_clear(&w);
        sl_free(key);
        return rc;
    }
    w.text = sl_bind_name_of(c, a);
    int slot = sl_bind_add_window(c, &w, key);
    *out = sl_expr_col(-1 - slot, c->q->wins[slot].type, c->q->wins[slot].text);
    return 0;
}
