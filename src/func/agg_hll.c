/*
 * approx_count_distinct(x): the number of distinct non-NULL values of x (any type), estimated
 * with a HyperLogLog sketch of m = 2^12 one-byte registers (Flajolet et al. 2007): each value
 * is hashed (XXH3, 64 bits; a DOUBLE's -0.0 as 0.0 so that equal values hash equally); the top
 * 12 bits pick a register, which keeps the largest rank (position of the first 1 bit) of the
 * other 52. The estimate is alpha m^2 / sum 2^-register, with linear counting (m ln(m / empty
 * registers)) while that is below 2.5 m, where it is the better estimator. Its relative
 * standard error is 1.04 / sqrt(m) = 1.6%; make stats holds it within 3 standard errors (5%)
 * at 10 to 200000 distinct values. Returns BIGINT, 0 for a group without values.
 * State: the registers (4 KB per group); shipped as one VARCHAR of the raw 4096 bytes (the row
 * format is binary-safe), NULL while empty; combine keeps each register's maximum, so the
 * states merge through the exchange and the answer does not depend on the rank count. Local.
 */
#include <math.h>
#include <string.h>
#include <xxhash.h>

#include "func/aggregate.h"

#define HLL_P 12
#define HLL_M (1 << HLL_P)

typedef struct {
    uint8_t reg[HLL_M];
} hll_state;

SL_AGG_FIXED_STATE(hll_bytes, hll_state)

static bool hll_bind(const sl_type *args, sl_type *result)
{
    *result = SL_T_BIGINT;
    return true;
}

static int hll_types(const sl_agg *a, sl_type *types)
{
    types[0] = SL_T_VARCHAR;
    return 1;
}

static inline void hll_add(hll_state *s, uint64_t h)
{
    uint32_t idx = (uint32_t)(h >> (64 - HLL_P));
    /* Rank of the remaining 52 bits: leading zeros + 1 (at most 53). */
    uint64_t w = (h << HLL_P) | ((uint64_t)1 << (HLL_P - 1));
    uint8_t rank = (uint8_t)(__builtin_clzll(w) + 1);
    if (rank > s->reg[idx])
        s->reg[idx] = rank;
}

static int hll_update(const sl_agg *a, void *states, sl_vec *const *args,
                      const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    hll_state *s = states;
    const sl_vec *v = args[0];
    if (sl_type_is_bytes(v->type)) { /* VARCHAR, HUGEINT: the bytes */
        for (int64_t k = 0; k < n; k++) {
            int64_t i = sl_agg_row(sel, k), len = 0;
            if (!sl_vec_valid(v, i))
                continue;
            const char *p = sl_vec_str(v, i, &len);
            hll_add(&s[gids[k]], XXH3_64bits(p, (size_t)len));
        }
    } else if (v->type == SL_T_DOUBLE) {
        for (int64_t k = 0; k < n; k++) {
            int64_t i = sl_agg_row(sel, k);
            if (!sl_vec_valid(v, i))
                continue;
            double x = v->d.f64[i] == 0 ? 0.0 : v->d.f64[i];
            hll_add(&s[gids[k]], XXH3_64bits(&x, sizeof x));
        }
    } else if (v->type != SL_T_NULL) {
        for (int64_t k = 0; k < n; k++) {
            int64_t i = sl_agg_row(sel, k);
            if (sl_vec_valid(v, i))
                hll_add(&s[gids[k]], XXH3_64bits(&v->d.i64[i], sizeof v->d.i64[i]));
        }
    }
    return 0;
}

static int hll_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                       const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    hll_state *s = states;
    const sl_vec *c = cols[0];
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k), len = 0;
        if (!sl_vec_valid(c, i))
            continue;
        const uint8_t *p = (const uint8_t *)sl_vec_str(c, i, &len);
        if (len != HLL_M)
            return SL_ERR(err, SL_EINTERNAL, "%s: a sketch of %lld bytes", a->text,
                          (long long)len);
        uint8_t *r = s[gids[k]].reg;
        for (int j = 0; j < HLL_M; j++)
            r[j] = p[j] > r[j] ? p[j] : r[j];
    }
    return 0;
}

static bool hll_empty(const hll_state *s)
{
    for (int j = 0; j < HLL_M; j++)
        if (s->reg[j])
            return false;
    return true;
}

static void hll_emit(const sl_agg *a, const void *states, int64_t n, sl_vec *const *cols)
{
    const hll_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        if (hll_empty(&s[g]))
            sl_vec_push_null(cols[0]);
        else
            sl_vec_push_str(cols[0], (const char *)s[g].reg, HLL_M);
    }
}

static int64_t hll_estimate(const hll_state *s)
{
    double sum = 0, m = HLL_M;
    int zeros = 0;
    for (int j = 0; j < HLL_M; j++) {
        sum += ldexp(1.0, -s->reg[j]);
        zeros += s->reg[j] == 0;
    }
    if (zeros == HLL_M)
        return 0;
    double alpha = 0.7213 / (1 + 1.079 / m), e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros > 0)
        e = m * log(m / zeros);
    return (int64_t)llround(e);
}

static void hll_finalize(const sl_agg *a, const void *states, int64_t n, sl_vec *out)
{
    const hll_state *s = states;
    for (int64_t g = 0; g < n; g++)
        sl_vec_push_i64(out, hll_estimate(&s[g]));
}

const sl_aggfn sl_aggfn_approx_count_distinct = {
    .name = "approx_count_distinct",
    .n_args = 1,
    .distinct_is_noop = true,
    .bind = hll_bind,
    .state_bytes = hll_bytes,
    .state_types = hll_types,
    .update = hll_update,
    .combine = hll_combine,
    .emit_states = hll_emit,
    .finalize = hll_finalize,
};
