/*
 * sum(x): integer arguments (TINYINT .. BIGINT, HUGEINT) and BOOLEAN sum exactly into a HUGEINT
 * as DuckDB's do (exact past 2^63; leaving HUGEINT's range is an error, as in DuckDB);
 * DOUBLE arguments sum into a DOUBLE; DECIMAL(p,s) sums exactly into DECIMAL(38,s) as DuckDB's
 * does, in the same two words as HUGEINT (its 16 bytes are a wide DECIMAL's, batch/dec128.h;
 * like DuckDB's, the sum may pass 38 digits and only leaving 128 bits is an error). A
 * caller may set the result type to BIGINT after binding (set operations count rows so): then
 * the sum is a BIGINT whose overflow is an error. NULL when the group has no non-NULL value.
 *
 * The HUGEINT sum is two words, hi * 2^64 + lo (lo unsigned): adding an int64 is an add, a
 * carry and a sign word, no branch, about as cheap as the int64 sum it replaces; the state is
 * 8-byte aligned like every other. State: {n, sum}; shipped as one column of the result type
 * (HUGEINT, DECIMAL(38,s): its 16 exact bytes), NULL for the empty state. Local.
 */
#include "func/aggregate.h"
#include "batch/int128.h"

typedef struct {
    int64_t n; /* non-NULL values folded in: 0 = empty (the result is NULL) */
    union {
        int64_t i;
        double f;
        struct { uint64_t lo; int64_t hi; } w; /* HUGEINT: hi * 2^64 + lo */
    } v;
} sum_state;

static inline sl_i128 wide_get(const sum_state *g)
{
    return (sl_i128)((sl_u128)(uint64_t)g->v.w.hi << 64 | g->v.w.lo);
}

SL_AGG_FIXED_STATE(sum_bytes, sum_state)

static bool sum_bind(const sl_type *args, sl_type *result)
{
    sl_type arg = args[0];
    if (sl_type_is_decimal(arg)) { /* DuckDB: DECIMAL(38, s), exact: 128 bits */
        *result = sl_type_decimal(SL_DEC_MAX_WIDTH, sl_dec_scale(arg));
        return true;
    }
    if (arg != SL_T_DOUBLE && !sl_type_is_int(arg) && arg != SL_T_BOOL && arg != SL_T_HUGEINT)
        return false;
    *result = arg == SL_T_DOUBLE ? SL_T_DOUBLE : SL_T_HUGEINT;
    return true;
}

static int sum_types(const sl_agg *a, sl_type *types)
{
    types[0] = a->type;
    return 1;
}

/* A sum in two words: HUGEINT, or a DECIMAL's (DECIMAL(38,s), 16 bytes). */
static bool wide_sum(const sl_agg *a)
{
    return a->type == SL_T_HUGEINT || sl_type_is_decimal(a->type);
}

static int overflow(const sl_agg *a, sl_err *err)
{
    if (sl_type_is_decimal(a->type))
        return SL_ERR(err, SL_ERUNTIME, "Overflow in SUM: %s leaves the 128 bits of "
                      "DECIMAL(38) (cast the argument to DOUBLE to sum it approximately)",
                      a->text ? a->text : "sum");
    if (a->type == SL_T_HUGEINT)
        return SL_ERR(err, SL_ERUNTIME, "Overflow in SUM: %s leaves the range of HUGEINT "
                      "(cast the argument to DOUBLE to sum it approximately)",
                      a->text ? a->text : "sum");
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
    if (wide_sum(a) && sl_type_phys(v->type) == SL_T_HUGEINT) {
        /* partial sums, HUGEINT or wide DECIMAL values: 16 bytes each */
        for (int64_t k = 0; k < n; k++) {
            int64_t i = sl_agg_row(sel, k), len;
            if (!sl_vec_valid(v, i))
                continue;
            sum_state *g = &s[gids[k]];
            sl_i128 r;
            if (__builtin_add_overflow(wide_get(g), sl_i128_load(sl_vec_str(v, i, &len)), &r))
                return overflow(a, err);
            g->v.w.lo = (uint64_t)r;
            g->v.w.hi = (int64_t)(r >> 64);
            g->n++;
        }
        return 0;
    }
    if (wide_sum(a)) { /* int64 values into the two words: cannot overflow */
        for (int64_t k = 0; k < n; k++) {
            int64_t i = sl_agg_row(sel, k);
            if (k + 16 < n)
                __builtin_prefetch(&s[gids[k + 16]], 1);
            if (!sl_vec_valid(v, i))
                continue;
            sum_state *g = &s[gids[k]];
            int64_t x = v->d.i64[i];
            uint64_t lo = g->v.w.lo + (uint64_t)x;
            g->v.w.hi += (int64_t)(lo < g->v.w.lo) - (int64_t)(x < 0);
            g->v.w.lo = lo;
            g->n++;
        }
        return 0;
    }
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
        else if (wide_sum(a)) {
            char enc[SL_I128_BYTES];
            sl_i128_store(enc, wide_get(&s[g]));
            sl_vec_push_str(o, enc, SL_I128_BYTES);
        } else
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
