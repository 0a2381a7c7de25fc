/*
 * arg_min(arg, val) and arg_max(arg, val) (aliases argmin/argmax, min_by/max_by): the arg of
 * the row with the least / greatest val, of arg's type. As DuckDB: a row counts only when
 * both are non-NULL; NULL for a group without such rows. val: BIGINT, DOUBLE, DATE,
 * TIMESTAMP or BOOLEAN (numbers in numeric order, NaN above every number), VARCHAR (bytewise),
 * LIST or STRUCT (DuckDB's order, batch/list_order.h); arg: any type.
 * Ties on val: the smallest arg (by min's order) wins, so the answer does not depend on the
 * order rows meet in across ranks (DuckDB keeps the first row it met).
 * State: {has, val, arg (8 bytes, or bytes owned by the state for the variable-width types)};
 * shipped as two
 * columns [val, arg], val NULL for the empty state; combine is update over them. Local.
 */
#include "func/aggregate.h"

#include <string.h>

#include "batch/list_order.h"
#include "core/mem.h"

typedef struct {
    int64_t has;
    union {
        int64_t i;
        double f;
    } val, arg;
    char *p; /* a variable-width arg */
    int64_t len, cap;
    char *vp; /* a VARCHAR, LIST or STRUCT val */
    int64_t vlen, vcap;
} am_state;

/* A val kept as bytes: VARCHAR, LIST, STRUCT. */
static bool val_var(sl_type t)
{
    return t == SL_T_VARCHAR || sl_list_order_is_nested(t);
}

SL_AGG_FIXED_STATE(am_bytes, am_state)

static bool am_bind(const sl_type *args, sl_type *result)
{
    /* the ordering value is 8 bytes: not a HUGEINT, UBIGINT, UHUGEINT or a wide DECIMAL (the
     * binder reads the latter as DOUBLE) */
    if ((sl_type_is_var(args[1]) && !val_var(args[1])) || args[1] == SL_T_NULL)
        return false;
    *result = args[0] == SL_T_NULL ? SL_T_BIGINT : args[0];
    return true;
}

static int64_t am_heap(const sl_agg *a)
{
    return (sl_type_is_var(a->type) ? 16 : 0) + (val_var(a->arg2_type) ? 16 : 0);
}

static int am_types(const sl_agg *a, sl_type *types)
{
    types[0] = a->arg2_type;
    types[1] = a->type;
    return 2;
}

static inline int cmp_f64(double x, double y)
{
    if (x != x)
        return y != y ? 0 : 1;
    if (y != y)
        return -1;
    return (x > y) - (x < y);
}

/* Compares row i of the arg vector with the state's arg. */
static int cmp_arg(const sl_vec *v, int64_t i, const am_state *g)
{
    if (sl_type_is_var(v->type)) { /* bytes; a LIST or STRUCT as DuckDB orders it */
        int64_t len;
        const char *p = sl_vec_str(v, i, &len);
        if (sl_list_order_is_nested(v->type))
            return sl_list_cmp(v->type, p, len, g->p, g->len);
        return sl_bytes_cmp(p, len, g->p, g->len);
    }
    if (v->type == SL_T_DOUBLE)
        return cmp_f64(v->d.f64[i], g->arg.f);
    return (v->d.i64[i] > g->arg.i) - (v->d.i64[i] < g->arg.i);
}

/* Copies row i of v's bytes into the state's buffer *p (length *len, capacity *cap). */
static void set_bytes(char **p, int64_t *len, int64_t *cap, const sl_vec *v, int64_t i)
{
    int64_t n;
    const char *s = sl_vec_str(v, i, &n);
    if (n > *cap) {
        *p = sl_xrealloc(*p, (size_t)n);
        *cap = n;
    }
    if (n)
        memcpy(*p, s, (size_t)n);
    *len = n;
}

static void set_arg(am_state *g, const sl_vec *v, int64_t i)
{
    if (sl_type_is_var(v->type)) {
        set_bytes(&g->p, &g->len, &g->cap, v, i);
    } else if (v->type == SL_T_DOUBLE) {
        g->arg.f = v->d.f64[i];
    } else {
        g->arg.i = v->d.i64[i];
    }
}

/* Folds rows (arg vector av, val vector vv) into the states; want = -1 keeps the least val,
 * +1 the greatest. */
static int am_fold(const sl_agg *a, void *states, const sl_vec *av, const sl_vec *vv,
                   const uint32_t *gids, const uint32_t *sel, int64_t n, int want)
{
    am_state *s = states;
    bool dbl = vv->type == SL_T_DOUBLE, var = val_var(vv->type);
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k);
        if (!sl_vec_valid(av, i) || !sl_vec_valid(vv, i))
            continue;
        am_state *g = &s[gids[k]];
        int c;
        if (!g->has) {
            c = want;
        } else if (dbl) {
            c = cmp_f64(vv->d.f64[i], g->val.f);
        } else if (var) {
            int64_t len;
            const char *p = sl_vec_str(vv, i, &len);
            c = sl_list_order_is_nested(vv->type) ? sl_list_cmp(vv->type, p, len, g->vp, g->vlen)
                                                  : sl_bytes_cmp(p, len, g->vp, g->vlen);
            c = (c > 0) - (c < 0);
        } else {
            int64_t x = vv->d.i64[i];
            c = (x > g->val.i) - (x < g->val.i);
        }
        if (c == 0)
            c = cmp_arg(av, i, g) < 0 ? want : 0; /* a tie: the smaller arg */
        if (c != want)
            continue;
        if (dbl)
            g->val.f = vv->d.f64[i];
        else if (var)
            set_bytes(&g->vp, &g->vlen, &g->vcap, vv, i);
        else
            g->val.i = vv->d.i64[i];
        set_arg(g, av, i);
        g->has = 1;
    }
    return 0;
}

static int argmin_update(const sl_agg *a, void *states, sl_vec *const *args,
                         const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return am_fold(a, states, args[0], args[1], gids, sel, n, -1);
}

static int argmax_update(const sl_agg *a, void *states, sl_vec *const *args,
                         const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return am_fold(a, states, args[0], args[1], gids, sel, n, 1);
}

static int argmin_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                          const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return am_fold(a, states, cols[1], cols[0], gids, sel, n, -1);
}

static int argmax_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                          const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return am_fold(a, states, cols[1], cols[0], gids, sel, n, 1);
}

static void push_arg(const sl_agg *a, const am_state *g, sl_vec *o)
{
    if (!g->has)
        sl_vec_push_null(o);
    else if (sl_type_is_var(a->type))
        sl_vec_push_str(o, g->p, g->len);
    else if (a->type == SL_T_DOUBLE)
        sl_vec_push_f64(o, g->arg.f);
    else
        sl_vec_push_i64(o, g->arg.i);
}

static void am_emit(const sl_agg *a, const void *states, int64_t n, sl_vec *const *cols)
{
    const am_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        if (!s[g].has)
            sl_vec_push_null(cols[0]);
        else if (val_var(a->arg2_type))
            sl_vec_push_str(cols[0], s[g].vp, s[g].vlen);
        else if (a->arg2_type == SL_T_DOUBLE)
            sl_vec_push_f64(cols[0], s[g].val.f);
        else
            sl_vec_push_i64(cols[0], s[g].val.i);
        push_arg(a, &s[g], cols[1]);
    }
}

static void am_finalize(const sl_agg *a, const void *states, int64_t n, sl_vec *out)
{
    const am_state *s = states;
    for (int64_t g = 0; g < n; g++)
        push_arg(a, &s[g], out);
}

static void am_destroy(const sl_agg *a, void *states, int64_t n)
{
    am_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        sl_free(s[g].p);
        sl_free(s[g].vp);
    }
}

static const char *const argmin_aliases[] = {"argmin", "min_by", NULL};
static const char *const argmax_aliases[] = {"argmax", "max_by", NULL};

const sl_aggfn sl_aggfn_arg_min = {
    .name = "arg_min",
    .aliases = argmin_aliases,
    .n_args = 2,
    .bind = am_bind,
    .state_bytes = am_bytes,
    .state_types = am_types,
    .update = argmin_update,
    .combine = argmin_combine,
    .emit_states = am_emit,
    .finalize = am_finalize,
    .destroy = am_destroy,
    .heap_bytes = am_heap,
};

const sl_aggfn sl_aggfn_arg_max = {
    .name = "arg_max",
    .aliases = argmax_aliases,
    .n_args = 2,
    .bind = am_bind,
    .state_bytes = am_bytes,
    .state_types = am_types,
    .update = argmax_update,
    .combine = argmax_combine,
    .emit_states = am_emit,
    .finalize = am_finalize,
    .destroy = am_destroy,
    .heap_bytes = am_heap,
};
