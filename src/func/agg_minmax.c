/*
 * min(x) and max(x) over any type: the smallest / largest non-NULL value, NULL when there is
 * none. bool_and(x) and bool_or(x) are min and max over BOOLEAN (false < true) (any_value,
 * order-sensitive, is in func/agg_first.c). Order as DuckDB's: numbers numerically with NaN above
 * every number, strings bytewise
 * (the shorter prefix first), BOOLEAN false < true, DATE and TIMESTAMP in time order.
 * DISTINCT changes nothing (distinct_is_noop).
 * State: fixed-width types {has, value}; VARCHAR and INTERVAL (in DuckDB's normalized order)
 * {has, bytes, len, cap} with the bytes owned by the state (sl_xmalloc). Shipped as one
 * column of x's type, NULL for the empty state; combine is update over that column. Local.
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
    } v;
} fixed_state;

typedef struct {
    int64_t has;
    char *p;
    int64_t len, cap;
} str_state;

static bool minmax_bind(const sl_type *args, sl_type *result)
{
    *result = args[0];
    return true;
}

static int64_t minmax_bytes(const sl_agg *a)
{
    return sl_type_is_var(a->type) ? (int64_t)sizeof(str_state) : (int64_t)sizeof(fixed_state);
}

static int64_t minmax_heap(const sl_agg *a)
{
    return sl_type_is_var(a->type) ? 16 : 0; /* a guess at the length of a kept string */
}

static int minmax_types(const sl_agg *a, sl_type *types)
{
    types[0] = a->type;
    return 1;
}

/* Three-way compares of two non-NULL values. */
static inline int cmp_f64(double x, double y)
{
    if (x != x)
        return y != y ? 0 : 1;
    if (y != y)
        return -1;
    return (x > y) - (x < y);
}

/* VARCHAR bytewise; INTERVAL in DuckDB's order (normalized, types.h); LIST and STRUCT in
 * DuckDB's order of nested values (batch/list_order.h). */
static inline int cmp_var(sl_type t, const char *a, int64_t la, const char *b, int64_t lb)
{
    if (t == SL_T_INTERVAL && la == SL_IV_BYTES && lb == SL_IV_BYTES)
        return sl_interval_cmp(sl_interval_get(a), sl_interval_get(b));
    if (sl_list_order_is_nested(t))
        return sl_list_cmp(t, a, la, b, lb);
    return sl_bytes_cmp(a, la, b, lb);
}

static void set_str(str_state *s, const char *p, int64_t len)
{
    if (len > s->cap) {
        s->p = sl_xrealloc(s->p, (size_t)len);
        s->cap = len;
    }
    if (len)
        memcpy(s->p, p, (size_t)len);
    s->len = len;
    s->has = 1;
}

/* Folds the non-NULL values of v into the states; want = -1 keeps the least, +1 the
 * greatest, 0 the first met. One loop per physical type. */
static int fold(const sl_agg *a, void *states, const sl_vec *v, const uint32_t *gids,
                const uint32_t *sel, int64_t n, int want)
{
    if (sl_type_is_var(a->type)) {
        str_state *s = states;
        for (int64_t k = 0; k < n; k++) {
            int64_t i = sl_agg_row(sel, k);
            if (!sl_vec_valid(v, i))
                continue;
            str_state *g = &s[gids[k]];
            int64_t len;
            const char *p = sl_vec_str(v, i, &len);
            if (!g->has || (want && cmp_var(a->type, p, len, g->p, g->len) == want))
                set_str(g, p, len);
        }
        return 0;
    }
    fixed_state *s = states;
    if (a->type == SL_T_DOUBLE) {
        for (int64_t k = 0; k < n; k++) {
            int64_t i = sl_agg_row(sel, k);
            if (!sl_vec_valid(v, i))
                continue;
            fixed_state *g = &s[gids[k]];
            double x = v->d.f64[i];
            if (!g->has || (want && cmp_f64(x, g->v.f) == want))
                g->v.f = x;
            g->has = 1;
        }
        return 0;
    }
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k);
        if (!sl_vec_valid(v, i))
            continue;
        fixed_state *g = &s[gids[k]];
        int64_t x = v->d.i64[i];
        if (!g->has || (want < 0 ? x < g->v.i : want > 0 && x > g->v.i))
            g->v.i = x;
        g->has = 1;
    }
    return 0;
}

static int min_update(const sl_agg *a, void *states, sl_vec *const *args,
                      const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return fold(a, states, args[0], gids, sel, n, -1);
}

static int max_update(const sl_agg *a, void *states, sl_vec *const *args,
                      const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return fold(a, states, args[0], gids, sel, n, 1);
}

static int min_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                       const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return fold(a, states, cols[0], gids, sel, n, -1);
}

static int max_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                       const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return fold(a, states, cols[0], gids, sel, n, 1);
}

static void minmax_emit(const sl_agg *a, const void *states, int64_t n, sl_vec *const *cols)
{
    sl_vec *o = cols[0];
    if (sl_type_is_var(a->type)) {
        const str_state *s = states;
        for (int64_t g = 0; g < n; g++) {
            if (s[g].has)
                sl_vec_push_str(o, s[g].p, s[g].len);
            else
                sl_vec_push_null(o);
        }
        return;
    }
    const fixed_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        if (!s[g].has)
            sl_vec_push_null(o);
        else if (a->type == SL_T_DOUBLE)
            sl_vec_push_f64(o, s[g].v.f);
        else
            sl_vec_push_i64(o, s[g].v.i);
    }
}

static void minmax_finalize(const sl_agg *a, const void *states, int64_t n, sl_vec *out)
{
    minmax_emit(a, states, n, &out);
}

static void minmax_destroy(const sl_agg *a, void *states, int64_t n)
{
    if (!sl_type_is_var(a->type))
        return;
    str_state *s = states;
    for (int64_t g = 0; g < n; g++)
        sl_free(s[g].p);
}

const sl_aggfn sl_aggfn_min = {
    .name = "min",
    .n_args = 1,
    .distinct_is_noop = true,
    .bind = minmax_bind,
    .state_bytes = minmax_bytes,
    .state_types = minmax_types,
    .update = min_update,
    .combine = min_combine,
    .emit_states = minmax_emit,
    .finalize = minmax_finalize,
    .destroy = minmax_destroy,
    .heap_bytes = minmax_heap,
};

const sl_aggfn sl_aggfn_max = {
    .name = "max",
    .n_args = 1,
    .distinct_is_noop = true,
    .bind = minmax_bind,
    .state_bytes = minmax_bytes,
    .state_types = minmax_types,
    .update = max_update,
    .combine = max_combine,
    .emit_states = minmax_emit,
    .finalize = minmax_finalize,
    .destroy = minmax_destroy,
    .heap_bytes = minmax_heap,
};

static bool bool_bind(const sl_type *args, sl_type *result)
{
    if (args[0] != SL_T_BOOL)
        return false;
    *result = SL_T_BOOL;
    return true;
}


const sl_aggfn sl_aggfn_bool_and = {
    .name = "bool_and",
    .n_args = 1,
    .distinct_is_noop = true,
    .bind = bool_bind,
    .state_bytes = minmax_bytes,
    .state_types = minmax_types,
    .update = min_update,
    .combine = min_combine,
    .emit_states = minmax_emit,
    .finalize = minmax_finalize,
};

const sl_aggfn sl_aggfn_bool_or = {
    .name = "bool_or",
    .n_args = 1,
    .distinct_is_noop = true,
    .bind = bool_bind,
    .state_bytes = minmax_bytes,
    .state_types = minmax_types,
    .update = max_update,
    .combine = max_combine,
    .emit_states = minmax_emit,
    .finalize = minmax_finalize,
};
