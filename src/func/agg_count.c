/*
 * count(*) (count_star; the binder maps count(*) and count() here) and count(x): the number
 * of rows, or of non-NULL values of x, per group. State: one BIGINT, shipped as one BIGINT
 * column; the empty state is 0, so count
 * never returns NULL. Local.
 */
#include "func/aggregate.h"

typedef struct {
    int64_t n;
} count_state;

SL_AGG_FIXED_STATE(count_bytes, count_state)

static bool count_bind(const sl_type *args, sl_type *result)
{
    *result = SL_T_BIGINT;
    return true;
}

static int count_types(const sl_agg *a, sl_type *types)
{
    types[0] = SL_T_BIGINT;
    return 1;
}

static int count_star_update(const sl_agg *a, void *states, sl_vec *const *args,
                             const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    count_state *s = states;
    for (int64_t k = 0; k < n; k++)
        s[gids[k]].n++;
    return 0;
}

static int count_update(const sl_agg *a, void *states, sl_vec *const *args,
                        const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    count_state *s = states;
    const sl_vec *arg = args[0];
    for (int64_t k = 0; k < n; k++)
        s[gids[k]].n += sl_vec_valid(arg, sl_agg_row(sel, k));
    return 0;
}

static int count_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                         const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    count_state *s = states;
    const sl_vec *v = cols[0];
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k);
        if (sl_vec_valid(v, i))
            s[gids[k]].n += v->d.i64[i];
    }
    return 0;
}

static void count_emit(const sl_agg *a, const void *states, int64_t n, sl_vec *const *cols)
{
    const count_state *s = states;
    for (int64_t g = 0; g < n; g++)
        sl_vec_push_i64(cols[0], s[g].n);
}

static void count_finalize(const sl_agg *a, const void *states, int64_t n, sl_vec *out)
{
    count_emit(a, states, n, &out);
}

const sl_aggfn sl_aggfn_count_star = {
    .name = "count_star",
    .n_args = 0,
    .bind = count_bind,
    .state_bytes = count_bytes,
    .state_types = count_types,
    .update = count_star_update,
    .combine = count_combine,
    .emit_states = count_emit,
    .finalize = count_finalize,
};

const sl_aggfn sl_aggfn_count = {
    .name = "count",
    .n_args = 1,
    .bind = count_bind,
    .state_bytes = count_bytes,
    .state_types = count_types,
    .update = count_update,
    .combine = count_combine,
    .emit_states = count_emit,
    .finalize = count_finalize,
};
