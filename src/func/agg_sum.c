/*
 * sum(x): BIGINT (and BOOLEAN) arguments sum exactly into a BIGINT, where leaving its range is
 * an error (DuckDB widens to HUGEINT instead; the message says to cast to DOUBLE); DOUBLE
 * arguments sum into a DOUBLE; DECIMAL(p,s) sums exactly into DECIMAL(38,s) as DuckDB's does,
 * its unscaled int64 leaving that range being the same error. NULL when the group has no
 * non-NULL value. State: {n, sum}; shipped as one column of the result type, NULL for the empty
 * state. Local.
 */
#include "func/aggregate.h"

typedef struct {
    int64_t n; /* non-NULL values folded in: 0 = empty (the result is NULL) */
    union {
        int64_t i;
        double f;
    } v;
} sum_state;

SL_AGG_FIXED_STATE(sum_bytes, sum_state)

static bool sum_bind(const sl_type *args, sl_type *result)
{
    sl_type arg = args[0];
    if (sl_type_is_decimal(arg)) { /* DuckDB: DECIMAL(38, s), exact; here within int64 */
        *result = sl_type_decimal(SL_DEC_MAX_WIDTH, sl_dec_scale(arg));
        return true;
    }
    if (arg != SL_T_DOUBLE && !sl_type_is_int(arg) && arg != SL_T_BOOL)
        return false;
    *result = arg == SL_T_DOUBLE ? SL_T_DOUBLE : SL_T_BIGINT;
    return true;
}

static int sum_types(const sl_agg *a, sl_type *types)
{
    types[0] = a->type;
    return 1;
}

static int overflow(const sl_agg *a, sl_err *err)
{
    if (sl_type_is_decimal(a->type))
        return SL_ERR(err, SL_ERUNTIME, "Overflow in SUM: %s leaves the range sluice holds "
                      "DECIMAL in (64 bits; cast the argument to DOUBLE to sum it "
                      "approximately)", a->text ? a->text : "sum");
    return SL_ERR(err, SL_ERUNTIME, "Overflow in SUM: %s leaves the range of BIGINT "
                  "(cast the argument to DOUBLE to sum it approximately)",
                  a->text ? a->text : "sum");
}

/* Folds v (raw values or partial sums: the same loop) into the states. */
static int sum_fold(const sl_agg *a, void *states, const sl_vec *v, const uint32_t *gids,
                    const uint32_t *sel, int64_t n, sl_err *err)
{
    sum_state *s = states;
    if (a->type == SL_T_DOUBLE) {
        if (v->type != SL_T_DOUBLE)
            return SL_ERR(err, SL_EINTERNAL, "%s: DOUBLE sum of a %s vector", a->text,
                          sl_type_name(v->type));
        for (int64_t k = 0; k < n; k++) {
            int64_t i = sl_agg_row(sel, k);
            if (!sl_vec_valid(v, i))
                continue;
            sum_state *g = &s[gids[k]];
            g->v.f += v->d.f64[i];
            g->n++;
        }
        return 0;
    }
    if (v->type == SL_T_DOUBLE)
        return SL_ERR(err, SL_EINTERNAL, "%s: BIGINT sum of a DOUBLE argument", a->text);
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k);
        /* A big table misses the cache on every group: fetch ahead. */
        if (k + 16 < n)
            __builtin_prefetch(&s[gids[k + 16]], 1);
        if (!sl_vec_valid(v, i))
            continue;
        sum_state *g = &s[gids[k]];
        if (__builtin_add_overflow(g->v.i, v->d.i64[i], &g->v.i))
            return overflow(a, err);
        g->n++;
    }
    return 0;
}

static int sum_update(const sl_agg *a, void *states, sl_vec *const *args,
                      const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return sum_fold(a, states, args[0], gids, sel, n, err);
}

static int sum_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                       const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return sum_fold(a, states, cols[0], gids, sel, n, err);
}

static void sum_emit(const sl_agg *a, const void *states, int64_t n, sl_vec *const *cols)
{
    const sum_state *s = states;
    sl_vec *o = cols[0];
    for (int64_t g = 0; g < n; g++) {
        if (s[g].n == 0)
            sl_vec_push_null(o);
        else if (a->type == SL_T_DOUBLE)
            sl_vec_push_f64(o, s[g].v.f);
        else
            sl_vec_push_i64(o, s[g].v.i);
    }
}

static void sum_finalize(const sl_agg *a, const void *states, int64_t n, sl_vec *out)
{
    sum_emit(a, states, n, &out);
}

const sl_aggfn sl_aggfn_sum = {
    .name = "sum",
    .n_args = 1,
    .bind = sum_bind,
    .state_bytes = sum_bytes,
    .state_types = sum_types,
    .update = sum_update,
    .combine = sum_combine,
    .emit_states = sum_emit,
    .finalize = sum_finalize,
};
