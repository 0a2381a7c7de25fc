/*
 * The co-moment family over two numeric (BIGINT or DOUBLE) arguments (y, x), all DOUBLE:
 *   covar_pop, covar_samp, corr, regr_slope, regr_intercept, regr_r2,
 *   regr_count (BIGINT), regr_avgx, regr_avgy, regr_sxx, regr_syy, regr_sxy.
 * A row enters only when both arguments are non-NULL (SQL's rule for these functions).
 * State: {n, mean_y, mean_x, M2y, M2x, Cyx} (M2 the sums of squared deviations, C the sum of
 * products of deviations), updated one pair at a time (Welford) and merged with Chan's
 * pairwise formulas, so large values with a tiny spread keep their digits. It travels as
 * n BIGINT and five DOUBLE columns; n = 0 is the empty state, no column is ever NULL.
 * Results follow DuckDB's definitions (checked against DuckDB 1.5), with var_x = M2x/n etc.:
 *   covar_pop = Cyx/n (n >= 1), covar_samp = Cyx/(n-1) (n >= 2);
 *   corr = covar_pop / (stddev_pop(y) stddev_pop(x)), NaN when either spread is 0 (one pair
 *   included: DuckDB divides 0 by 0 there);
 *   regr_slope = covar_pop / var_x, NaN when var_x = 0 (0 / 0, as DuckDB); regr_intercept =
 *   mean_y - slope mean_x, NULL when var_x = 0; regr_r2 = NULL when var_x = 0, 1 when var_y = 0,
 * else corr^2;
 *   regr_count = n (0, never NULL); regr_avg{x,y} the means, regr_s{xx,yy,xy} = M2x, M2y, Cyx
 *   (n >= 1).
 * Everything else (no pairs) is NULL. A NaN input makes covar_*, regr_sxy, regr_avg* and
 * regr_slope (of a NaN y) NaN, as DuckDB; where DuckDB stops with "out of range" (a NaN
 * variance: corr, regr_r2, regr_sxx / syy, regr_slope of a NaN x) sluice gives NULL (or NaN
 * for corr and that slope): finalize has no error path. Local.
 */
#include <math.h>

#include "func/aggregate.h"

typedef struct {
    int64_t n;
    double my, mx, syy, sxx, syx;
} co_state;

SL_AGG_FIXED_STATE(co_bytes, co_state)

static bool co_bind(const sl_type *args, sl_type *result)
{
    if (!sl_type_is_numeric(args[0]) || !sl_type_is_numeric(args[1]))
        return false;
    *result = SL_T_DOUBLE;
    return true;
}

static bool count_bind(const sl_type *args, sl_type *result)
{
    if (!co_bind(args, result))
        return false;
    *result = SL_T_BIGINT;
    return true;
}

static int co_types(const sl_agg *a, sl_type *types)
{
    types[0] = SL_T_BIGINT;
    for (int j = 1; j < 6; j++)
        types[j] = SL_T_DOUBLE;
    return 6;
}

static inline double num(const sl_vec *v, int64_t i)
{
    return v->type == SL_T_DOUBLE ? v->d.f64[i] : (double)v->d.i64[i];
}

static int co_update(const sl_agg *a, void *states, sl_vec *const *args,
                     const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    co_state *s = states;
    const sl_vec *vy = args[0], *vx = args[1];
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k);
        if (!sl_vec_valid(vy, i) || !sl_vec_valid(vx, i))
            continue;
        co_state *g = &s[gids[k]];
        double y = num(vy, i), x = num(vx, i);
        g->n++;
        double dx = x - g->mx, dy = y - g->my, inv = 1.0 / (double)g->n;
        g->mx += dx * inv;
        g->my += dy * inv;
        /* (x - old mean) (y - new mean): Welford's product form, exact in expectation. */
        g->syx += dx * (y - g->my);
        g->sxx += dx * (x - g->mx);
        g->syy += dy * (y - g->my);
    }
    return 0;
}

static void co_merge(co_state *a, const co_state *b)
{
    if (b->n == 0)
        return;
    if (a->n == 0) {
        *a = *b;
        return;
    }
    double na = (double)a->n, nb = (double)b->n, n = na + nb, f = na * nb / n;
    double dx = b->mx - a->mx, dy = b->my - a->my;
    a->sxx += b->sxx + dx * dx * f;
    a->syy += b->syy + dy * dy * f;
    a->syx += b->syx + dx * dy * f;
    a->mx += dx * nb / n;
    a->my += dy * nb / n;
    a->n += b->n;
}

static int co_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                      const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    co_state *s = states;
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k);
        if (!sl_vec_valid(cols[0], i))
            continue;
        co_state b = {cols[0]->d.i64[i], cols[1]->d.f64[i], cols[2]->d.f64[i],
                      cols[3]->d.f64[i], cols[4]->d.f64[i], cols[5]->d.f64[i]};
        co_merge(&s[gids[k]], &b);
    }
    return 0;
}

static void co_emit(const sl_agg *a, const void *states, int64_t n, sl_vec *const *cols)
{
    const co_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        sl_vec_push_i64(cols[0], s[g].n);
        sl_vec_push_f64(cols[1], s[g].my);
        sl_vec_push_f64(cols[2], s[g].mx);
        sl_vec_push_f64(cols[3], s[g].syy);
        sl_vec_push_f64(cols[4], s[g].sxx);
        sl_vec_push_f64(cols[5], s[g].syx);
    }
}

/* One result, or NAN for NULL. */
typedef double (*co_fin)(const co_state *s);

/* A result computed from a NaN input is NaN, as in DuckDB, not NULL. */
static double data_nan(double r) { return isnan(r) ? sl_agg_nan_result() : r; }

static double fin_covar_pop(const co_state *s)
{
    return s->n >= 1 ? data_nan(s->syx / (double)s->n) : NAN;
}

static double fin_covar_samp(const co_state *s)
{
    return s->n >= 2 ? data_nan(s->syx / (double)(s->n - 1)) : NAN;
}

static double fin_corr(const co_state *s)
{
    if (s->n < 1)
        return NAN;
    double n = (double)s->n, sd = sqrt(s->syy / n) * sqrt(s->sxx / n);
    return sd > 0 ? (s->syx / n) / sd : sl_agg_nan_result();
}

static double fin_slope(const co_state *s)
{
    if (s->n < 1)
        return NAN;
    if (!(s->sxx > 0))
        return sl_agg_nan_result(); /* not NULL */
    return data_nan(s->syx / s->sxx); /* covar_pop / var_pop(x): the n cancels */
}

static double fin_intercept(const co_state *s)
{
    double b = fin_slope(s);
    return isnan(b) ? NAN : s->my - b * s->mx; /* NULL, not NaN, where the slope is NaN */
}

static double fin_r2(const co_state *s)
{
    if (s->n < 1 || !(s->sxx > 0))
        return NAN;
    if (!(s->syy > 0))
        return 1;
    double r = fin_corr(s);
    return r * r; /* sxx, syy > 0: a number */
}

static double fin_avgx(const co_state *s) { return s->n >= 1 ? data_nan(s->mx) : NAN; }
static double fin_avgy(const co_state *s) { return s->n >= 1 ? data_nan(s->my) : NAN; }
static double fin_sxx(const co_state *s) { return s->n >= 1 ? s->sxx : NAN; }
static double fin_syy(const co_state *s) { return s->n >= 1 ? s->syy : NAN; }
static double fin_sxy(const co_state *s) { return s->n >= 1 ? data_nan(s->syx) : NAN; }

static co_fin fin_of(const sl_agg *a)
{
    const sl_aggfn *f = a->fn;
    return f == &sl_aggfn_covar_samp       ? fin_covar_samp
           : f == &sl_aggfn_corr           ? fin_corr
           : f == &sl_aggfn_regr_slope     ? fin_slope
           : f == &sl_aggfn_regr_intercept ? fin_intercept
           : f == &sl_aggfn_regr_r2        ? fin_r2
           : f == &sl_aggfn_regr_avgx      ? fin_avgx
           : f == &sl_aggfn_regr_avgy      ? fin_avgy
           : f == &sl_aggfn_regr_sxx       ? fin_sxx
           : f == &sl_aggfn_regr_syy       ? fin_syy
           : f == &sl_aggfn_regr_sxy       ? fin_sxy
                                           : fin_covar_pop;
}

static void co_finalize(const sl_agg *a, const void *states, int64_t n, sl_vec *out)
{
    const co_state *s = states;
    if (a->fn == &sl_aggfn_regr_count) {
        for (int64_t g = 0; g < n; g++)
            sl_vec_push_i64(out, s[g].n);
        return;
    }
    co_fin fin = fin_of(a);
    for (int64_t g = 0; g < n; g++) {
        double r = fin(&s[g]);
        /* NAN is NULL; sl_agg_nan_result() a NaN result (0 / 0 where DuckDB has NaN) */
        if (sl_agg_is_nan_result(r))
            sl_vec_push_f64(out, NAN);
        else if (isnan(r))
            sl_vec_push_null(out);
        else
            sl_vec_push_f64(out, r);
    }
}

#define CO_ENTRY(fname, alias_list, bind_fn)                                               \
    const sl_aggfn sl_aggfn_##fname = {                                                    \
        .name = #fname,                                                                    \
        .aliases = alias_list,                                                             \
        .n_args = 2,                                                                       \
        .bind = bind_fn,                                                                   \
        .state_bytes = co_bytes,                                                           \
        .state_types = co_types,                                                           \
        .update = co_update,                                                               \
        .combine = co_combine,                                                             \
        .emit_states = co_emit,                                                            \
        .finalize = co_finalize,                                                           \
    };

CO_ENTRY(covar_pop, NULL, co_bind)
CO_ENTRY(covar_samp, NULL, co_bind)
CO_ENTRY(corr, NULL, co_bind)
CO_ENTRY(regr_slope, NULL, co_bind)
CO_ENTRY(regr_intercept, NULL, co_bind)
CO_ENTRY(regr_r2, NULL, co_bind)
CO_ENTRY(regr_count, NULL, count_bind)
CO_ENTRY(regr_avgx, NULL, co_bind)
CO_ENTRY(regr_avgy, NULL, co_bind)
CO_ENTRY(regr_sxx, NULL, co_bind)
CO_ENTRY(regr_syy, NULL, co_bind)
CO_ENTRY(regr_sxy, NULL, co_bind)
