/*
 * first(x) (alias arbitrary) and last(x), also first(x ORDER BY k [DESC], ...): the x of the
 * first / last row in the call's ORDER BY order, NULL included (DuckDB's semantics). NULL for
 * a group without rows. any_value(x [ORDER BY ...]) is first over the rows whose x is not
 * NULL (DuckDB's: the first non-NULL value; NULL when there is none). Without ORDER BY the
 * order is the one rows meet in, which depends on the split over ranks (DuckDB's is
 * unspecified in parallel as well); rows that tie on the ORDER BY keys are met in that order
 * too (first keeps the first met, last the last met).
 * The binder appends the sort key (sl_aggfn.order_arg: create_sort_key over the ORDER BY, ''
 * without one; NULL only for a row FILTER drops), so one VARCHAR compare orders any keys.
 * State: {has, key bytes, x (NULL or not; 8 bytes or owned bytes for VARCHAR)}; shipped as
 * two columns [key, x], key NULL for the empty state; combine is update over them. Local.
 */
#include "func/aggregate.h"

#include <string.h>

#include "core/mem.h"

typedef struct {
    int64_t has, valid;
    char *key;
    int64_t klen, kcap;
    union {
        int64_t i;
        double f;
    } v;
    char *p; /* VARCHAR x */
    int64_t len, cap;
} fl_state;

SL_AGG_FIXED_STATE(fl_bytes, fl_state)

static bool fl_bind(const sl_type *args, sl_type *result)
{
    if (args[1] != SL_T_VARCHAR)
        return false;
    *result = args[0] == SL_T_NULL ? SL_T_BIGINT : args[0];
    return true;
}

static int64_t fl_heap(const sl_agg *a)
{
    return sl_type_is_bytes(a->type) ? 48 : 32;
}

static int fl_types(const sl_agg *a, sl_type *types)
{
    types[0] = SL_T_VARCHAR;
    types[1] = a->type;
    return 2;
}

static void set_bytes(char **p, int64_t *len, int64_t *cap, const char *src, int64_t n)
{
    if (n > *cap) {
        *p = sl_xrealloc(*p, (size_t)n);
        *cap = n;
    }
    if (n)
        memcpy(*p, src, (size_t)n);
    *len = n;
}

/* Folds rows (x vector xv, key vector kv): last = false keeps the least key (the first met
 * among ties), true the greatest (the last met among ties). */
static int fl_fold(void *states, const sl_vec *xv, const sl_vec *kv, const uint32_t *gids,
                   const uint32_t *sel, int64_t n, bool last, bool skip_null)
{
    fl_state *s = states;
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k), klen;
        if (!sl_vec_valid(kv, i) || (skip_null && !sl_vec_valid(xv, i)))
            continue;
        fl_state *g = &s[gids[k]];
        const char *key = sl_vec_str(kv, i, &klen);
        if (g->has) {
            int c = sl_bytes_cmp(key, klen, g->key, g->klen);
            if (last ? c < 0 : c >= 0)
                continue;
        }
        set_bytes(&g->key, &g->klen, &g->kcap, key, klen);
        g->has = 1;
        g->valid = sl_vec_valid(xv, i);
        if (!g->valid)
            continue;
        if (sl_type_is_bytes(xv->type)) {
            int64_t len;
            const char *p = sl_vec_str(xv, i, &len);
            set_bytes(&g->p, &g->len, &g->cap, p, len);
        } else if (xv->type == SL_T_DOUBLE) {
            g->v.f = xv->d.f64[i];
        } else {
            g->v.i = xv->d.i64[i];
        }
    }
    return 0;
}

static int first_update(const sl_agg *a, void *states, sl_vec *const *args,
                        const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return fl_fold(states, args[0], args[1], gids, sel, n, false, false);
}

static int last_update(const sl_agg *a, void *states, sl_vec *const *args,
                       const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return fl_fold(states, args[0], args[1], gids, sel, n, true, false);
}

static int first_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                         const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return fl_fold(states, cols[1], cols[0], gids, sel, n, false, false);
}

static int last_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                        const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return fl_fold(states, cols[1], cols[0], gids, sel, n, true, false);
}

static int any_update(const sl_agg *a, void *states, sl_vec *const *args,
                      const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return fl_fold(states, args[0], args[1], gids, sel, n, false, true);
}

static int any_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                       const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return fl_fold(states, cols[1], cols[0], gids, sel, n, false, true);
}

static void push_x(const sl_agg *a, const fl_state *g, sl_vec *o)
{
    if (!g->has || !g->valid)
        sl_vec_push_null(o);
    else if (sl_type_is_bytes(a->type))
        sl_vec_push_str(o, g->p ? g->p : "", g->len);
    else if (a->type == SL_T_DOUBLE)
        sl_vec_push_f64(o, g->v.f);
    else
        sl_vec_push_i64(o, g->v.i);
}

static void fl_emit(const sl_agg *a, const void *states, int64_t n, sl_vec *const *cols)
{
    const fl_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        if (s[g].has)
            sl_vec_push_str(cols[0], s[g].key ? s[g].key : "", s[g].klen);
        else
            sl_vec_push_null(cols[0]);
        push_x(a, &s[g], cols[1]);
    }
}

static void fl_finalize(const sl_agg *a, const void *states, int64_t n, sl_vec *out)
{
    const fl_state *s = states;
    for (int64_t g = 0; g < n; g++)
        push_x(a, &s[g], out);
}

static void fl_destroy(const sl_agg *a, void *states, int64_t n)
{
    fl_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        sl_free(s[g].key);
        sl_free(s[g].p);
    }
}

static const char *const first_aliases[] = {"arbitrary", NULL};

const sl_aggfn sl_aggfn_first = {
    .name = "first",
    .aliases = first_aliases,
    .n_args = 2,
    .order_arg = true,
    .bind = fl_bind,
    .state_bytes = fl_bytes,
    .state_types = fl_types,
    .update = first_update,
    .combine = first_combine,
    .emit_states = fl_emit,
    .finalize = fl_finalize,
    .destroy = fl_destroy,
    .heap_bytes = fl_heap,
};

const sl_aggfn sl_aggfn_last = {
    .name = "last",
    .n_args = 2,
    .order_arg = true,
    .bind = fl_bind,
    .state_bytes = fl_bytes,
    .state_types = fl_types,
    .update = last_update,
    .combine = last_combine,
    .emit_states = fl_emit,
    .finalize = fl_finalize,
    .destroy = fl_destroy,
    .heap_bytes = fl_heap,
};

/* any_value(DISTINCT x) is any_value(x): the binder drops the DISTINCT. */
const sl_aggfn sl_aggfn_any_value = {
    .name = "any_value",
    .n_args = 2,
    .order_arg = true,
    .distinct_is_noop = true,
    .bind = fl_bind,
    .state_bytes = fl_bytes,
    .state_types = fl_types,
    .update = any_update,
    .combine = any_combine,
    .emit_states = fl_emit,
    .finalize = fl_finalize,
    .destroy = fl_destroy,
    .heap_bytes = fl_heap,
};
