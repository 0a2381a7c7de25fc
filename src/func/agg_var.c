/*
 * The central-moment family over one numeric (BIGINT or DOUBLE) argument, all DOUBLE:
 *   var_samp (alias variance), var_pop, stddev_samp (alias stddev), stddev_pop,
 *   skewness, kurtosis (DuckDB's bias-corrected excess kurtosis), kurtosis_pop.
 * State: {n, mean, M2, M3, M4}, M_k the sum of the k-th powers of the deviations from the mean,
 * updated one value at a time (Welford; Terriberry's extension for M3 and M4) and merged with
 * Chan's and Pebay's pairwise formulas. Unlike sums of squares these do not cancel when the
 * values are large and close together (1e9 + tiny spread keeps its digits).
 * The state travels as n BIGINT, mean DOUBLE and M2 (M3, M4 for skewness and kurtosis only)
 * DOUBLE; n = 0 is the empty state, no column is ever NULL.
 * Results follow DuckDB's definitions (checked against DuckDB 1.5):
 *   var_pop = M2/n (n >= 1), var_samp = M2/(n-1) (n >= 2), stddev_* their square roots;
 *   skewness = sqrt(n(n-1))/(n-2) * g1, g1 = m3 / m2^1.5 (n >= 3; NaN when m2 = 0: DuckDB
 *   divides 0 by 0 there);
 *   kurtosis = (n-1)((n+1) m4/m2^2 - 3(n-1)) / ((n-2)(n-3)) (n >= 4, m2 > 0);
 *   kurtosis_pop = m4/m2^2 - 3 (n >= 1, m2 > 0);
 * with m_k = M_k/n; NULL otherwise, and NULL for a group without non-NULL values. Local.
 */
#include <math.h>

#include "func/aggregate.h"

typedef struct {
    int64_t n;
    double mean, m2, m3, m4;
} mom_state;

SL_AGG_FIXED_STATE(mom_bytes, mom_state)

/* Highest moment each entry needs: 2 ships {n, mean, M2}, 3 adds M3, 4 adds M4. */
static int order_of(const sl_agg *a)
{
    if (a->fn == &sl_aggfn_skewness)
        return 3;
    if (a->fn == &sl_aggfn_kurtosis || a->fn == &sl_aggfn_kurtosis_pop)
        return 4;
    return 2;
}

static bool mom_bind(const sl_type *args, sl_type *result)
{
    if (!sl_type_is_numeric(args[0]))
        return false;
    *result = SL_T_DOUBLE;
    return true;
}

static int mom_types(const sl_agg *a, sl_type *types)
{
    int k = order_of(a);
    types[0] = SL_T_BIGINT;
    for (int j = 1; j <= k; j++)
        types[j] = SL_T_DOUBLE;
    return k + 1;
}

/* Folds one value into s (Welford, Terriberry for the higher moments). */
static inline void mom_add(mom_state *s, double x, int order)
{
    double n1 = (double)s->n, n = n1 + 1;
    double delta = x - s->mean, dn = delta / n, term1 = delta * dn * n1;
    s->n++;
    s->mean += dn;
    if (order >= 4)
        s->m4 += term1 * dn * dn * (n * n - 3 * n + 3) + 6 * dn * dn * s->m2 - 4 * dn * s->m3;
    if (order >= 3)
        s->m3 += term1 * dn * (n - 2) - 3 * dn * s->m2;
    s->m2 += term1;
}

static int mom_update(const sl_agg *a, void *states, sl_vec *const *args,
                      const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    mom_state *s = states;
    const sl_vec *v = args[0];
    int order = order_of(a);
    if (v->type == SL_T_DOUBLE) {
        for (int64_t k = 0; k < n; k++) {
            int64_t i = sl_agg_row(sel, k);
            if (sl_vec_valid(v, i))
                mom_add(&s[gids[k]], v->d.f64[i], order);
        }
    } else {
        for (int64_t k = 0; k < n; k++) {
            int64_t i = sl_agg_row(sel, k);
            if (sl_vec_valid(v, i))
                mom_add(&s[gids[k]], (double)v->d.i64[i], order);
        }
    }
    return 0;
}

/* Merges b into a (Chan et al. for M2, Pebay 2008 for M3 and M4). */
static void mom_merge(mom_state *a, const mom_state *b, int order)
{
    if (b->n == 0)
        return;
    if (a->n == 0) {
        *a = *b;
        return;
    }
    double na = (double)a->n, nb = (double)b->n, n = na + nb;
    double d = b->mean - a->mean, d2 = d * d;
    if (order >= 4)
        a->m4 += b->m4 + d2 * d2 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n) +
                 6 * d2 * (na * na * b->m2 + nb * nb * a->m2) / (n * n) +
                 4 * d * (na * b->m3 - nb * a->m3) / n;
    if (order >= 3)
        a->m3 += b->m3 + d2 * d * na * nb * (na - nb) / (n * n) +
                 3 * d * (na * b->m2 - nb * a->m2) / n;
    a->m2 += b->m2 + d2 * na * nb / n;
    a->mean += d * nb / n;
    a->n += b->n;
}

static int mom_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                       const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    mom_state *s = states;
    int order = order_of(a);
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k);
        if (!sl_vec_valid(cols[0], i))
            continue;
        mom_state b = {cols[0]->d.i64[i], cols[1]->d.f64[i], cols[2]->d.f64[i],
                       order >= 3 ? cols[3]->d.f64[i] : 0, order >= 4 ? cols[4]->d.f64[i] : 0};
        mom_merge(&s[gids[k]], &b, order);
    }
    return 0;
}

static void mom_emit(const sl_agg *a, const void *states, int64_t n, sl_vec *const *cols)
{
    const mom_state *s = states;
    int order = order_of(a);
    for (int64_t g = 0; g < n; g++) {
        sl_vec_push_i64(cols[0], s[g].n);
        sl_vec_push_f64(cols[1], s[g].mean);
        sl_vec_push_f64(cols[2], s[g].m2);
        if (order >= 3)
            sl_vec_push_f64(cols[3], s[g].m3);
        if (order >= 4)
            sl_vec_push_f64(cols[4], s[g].m4);
    }
}

/* One result, or NAN for NULL. */
typedef double (*mom_fin)(const mom_state *s);

static double fin_var_pop(const mom_state *s) { return s->n >= 1 ? s->m2 / (double)s->n : NAN; }

static double fin_var_samp(const mom_state *s)
{
    return s->n >= 2 ? s->m2 / (double)(s->n - 1) : NAN;
}

static double fin_stddev_pop(const mom_state *s) { return sqrt(fin_var_pop(s)); }
static double fin_stddev_samp(const mom_state *s) { return sqrt(fin_var_samp(s)); }

static double fin_skewness(const mom_state *s)
{
    double n = (double)s->n;
    if (s->n < 3)
        return NAN;
    if (!(s->m2 > 0))
        return sl_agg_nan_result(); /* not NULL */
    double m2 = s->m2 / n, m3 = s->m3 / n;
    return sqrt(n * (n - 1)) / (n - 2) * m3 / pow(m2, 1.5);
}

static double fin_kurtosis(const mom_state *s)
{
    double n = (double)s->n;
    if (s->n < 4 || !(s->m2 > 0))
        return NAN;
    double m2 = s->m2 / n, m4 = s->m4 / n;
    return (n - 1) * ((n + 1) * m4 / (m2 * m2) - 3 * (n - 1)) / ((n - 2) * (n - 3));
}

static double fin_kurtosis_pop(const mom_state *s)
{
    double n = (double)s->n;
    if (s->n < 1 || !(s->m2 > 0))
        return NAN;
    double m2 = s->m2 / n, m4 = s->m4 / n;
    return m4 / (m2 * m2) - 3;
}

static mom_fin fin_of(const sl_agg *a)
{
    const sl_aggfn *f = a->fn;
    return f == &sl_aggfn_var_pop       ? fin_var_pop
           : f == &sl_aggfn_stddev_pop  ? fin_stddev_pop
           : f == &sl_aggfn_stddev_samp ? fin_stddev_samp
           : f == &sl_aggfn_skewness    ? fin_skewness
           : f == &sl_aggfn_kurtosis    ? fin_kurtosis
           : f == &sl_aggfn_kurtosis_pop ? fin_kurtosis_pop
                                         : fin_var_samp;
}

static void mom_finalize(const sl_agg *a, const void *states, int64_t n, sl_vec *out)
{
    const mom_state *s = states;
    mom_fin fin = fin_of(a);
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

#define MOM_ENTRY(fname, alias_list)                                                       \
    const sl_aggfn sl_aggfn_##fname = {                                                    \
        .name = #fname,                                                                    \
        .aliases = alias_list,                                                             \
        .n_args = 1,                                                                       \
        .bind = mom_bind,                                                                  \
        .state_bytes = mom_bytes,                                                          \
        .state_types = mom_types,                                                          \
        .update = mom_update,                                                              \
        .combine = mom_combine,                                                            \
        .emit_states = mom_emit,                                                           \
        .finalize = mom_finalize,                                                          \
    };

static const char *const var_samp_aliases[] = {"variance", NULL};
static const char *const stddev_samp_aliases[] = {"stddev", NULL};

MOM_ENTRY(var_samp, var_samp_aliases)
MOM_ENTRY(var_pop, NULL)
MOM_ENTRY(stddev_samp, stddev_samp_aliases)
MOM_ENTRY(stddev_pop, NULL)
MOM_ENTRY(skewness, NULL)
MOM_ENTRY(kurtosis, NULL)
MOM_ENTRY(kurtosis_pop, NULL)
