/*
 * avg(x) (alias mean): the mean of the non-NULL values of a BIGINT, DOUBLE or DECIMAL x (its
 * unscaled integers are summed, the scale applied at the end, as DuckDB does), as DOUBLE;
 * NULL when there are none. State: {sum DOUBLE, n BIGINT}, shipped as those two columns
 * (the sum column is never NULL; n = 0 is the empty state); a DECIMAL's unscaled integers are
 * summed exactly in 128 bits (a HUGEINT sum column) and divided in long double as DuckDB's. An
 * integer argument (TINYINT .. BIGINT, HUGEINT) is summed exactly in 128 bits as DuckDB does
 * (its sum column is a HUGEINT), and divided as DuckDB divides: BIGINT and HUGEINT sums in long
 * double, the narrower ones in double. Local.
 */
#include "func/aggregate.h"
#include "batch/int128.h"

typedef struct {
    union {
        double sum;
        struct { uint64_t lo; int64_t hi; } w; /* integers, DECIMAL: hi * 2^64 + lo */
    };
    int64_t n;
} avg_state;

/* An integer or DECIMAL argument: the 128-bit sum (of a DECIMAL's unscaled integers). */
static bool wide(const sl_agg *a)
{
    return sl_type_is_int(a->arg_type) || a->arg_type == SL_T_HUGEINT ||
           sl_type_is_decimal(a->arg_type) || a->arg_type == SL_T_UBIGINT;
}

static void wide_add(avg_state *g, sl_i128 x)
{
    sl_i128 r = (sl_i128)((sl_u128)(uint64_t)g->w.hi << 64 | g->w.lo) + x;
    g->w.lo = (uint64_t)r;
    g->w.hi = (int64_t)(r >> 64);
}

/* Folds HUGEINT values (arguments or partial sums) into the 128-bit sums. */
static int wide_fold(avg_state *s, const sl_vec *sum, const sl_vec *cnt, const uint32_t *gids,
                     const uint32_t *sel, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k), len;
        if (sl_vec_valid(sum, i))
            wide_add(&s[gids[k]], sl_i128_load(sl_vec_str(sum, i, &len)));
        if (cnt)
            s[gids[k]].n += sl_vec_valid(cnt, i) ? cnt->d.i64[i] : 0;
        else if (sl_vec_valid(sum, i))
            s[gids[k]].n++;
    }
    return 0;
}

SL_AGG_FIXED_STATE(avg_bytes, avg_state)

static bool avg_bind(const sl_type *args, sl_type *result)
{
    if (!sl_type_is_numeric(args[0]) && !sl_type_is_decimal(args[0]) &&
        args[0] != SL_T_HUGEINT && args[0] != SL_T_UBIGINT) /* UBIGINT: HUGEINT's values */
        return false;
    *result = SL_T_DOUBLE;
    return true;
}

static int avg_types(const sl_agg *a, sl_type *types)
{
    types[0] = wide(a) ? SL_T_HUGEINT : SL_T_DOUBLE;
    types[1] = SL_T_BIGINT;
    return 2;
}

static int avg_update(const sl_agg *a, void *states, sl_vec *const *args,
                      const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    avg_state *s = states;
    const sl_vec *arg = args[0];
    /* HUGEINT, UBIGINT (HUGEINT's encoding), a wide DECIMAL: 16 bytes */
    if (sl_type_phys(arg->type) == SL_T_HUGEINT || arg->type == SL_T_UBIGINT)
        return wide_fold(s, arg, NULL, gids, sel, n);
    if (wide(a)) { /* an int64 into the two words: an add, a carry and a sign word */
        for (int64_t k = 0; k < n; k++) {
            int64_t i = sl_agg_row(sel, k);
            if (!sl_vec_valid(arg, i))
                continue;
            avg_state *g = &s[gids[k]];
            int64_t x = arg->d.i64[i];
            uint64_t lo = g->w.lo + (uint64_t)x;
            g->w.hi += (int64_t)(lo < g->w.lo) - (int64_t)(x < 0);
            g->w.lo = lo;
            g->n++;
        }
        return 0;
    }
    if (arg->type == SL_T_DOUBLE) {
        for (int64_t k = 0; k < n; k++) {
            int64_t i = sl_agg_row(sel, k);
            if (!sl_vec_valid(arg, i))
                continue;
            s[gids[k]].sum += arg->d.f64[i];
            s[gids[k]].n++;
        }
    } else {
        for (int64_t k = 0; k < n; k++) {
            int64_t i = sl_agg_row(sel, k);
            if (!sl_vec_valid(arg, i))
                continue;
            s[gids[k]].sum += (double)arg->d.i64[i];
            s[gids[k]].n++;
        }
    }
    return 0;
}

static int avg_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                       const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    avg_state *s = states;
    const sl_vec *sum = cols[0], *cnt = cols[1];
    if (wide(a))
        return wide_fold(s, sum, cnt, gids, sel, n);
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k);
        if (sl_vec_valid(sum, i))
            s[gids[k]].sum += sum->d.f64[i];
        if (sl_vec_valid(cnt, i))
            s[gids[k]].n += cnt->d.i64[i];
    }
    return 0;
}

static void avg_emit(const sl_agg *a, const void *states, int64_t n, sl_vec *const *cols)
{
    const avg_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        if (wide(a)) {
            char enc[SL_I128_BYTES];
            sl_i128_store(enc, (sl_i128)((sl_u128)(uint64_t)s[g].w.hi << 64 | s[g].w.lo));
            sl_vec_push_str(cols[0], enc, SL_I128_BYTES);
        } else
            sl_vec_push_f64(cols[0], s[g].sum);
        sl_vec_push_i64(cols[1], s[g].n);
    }
}

static void avg_finalize(const sl_agg *a, const void *states, int64_t n, sl_vec *out)
{
    const avg_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        if (s[g].n == 0)
            sl_vec_push_null(out);
        else if (sl_type_is_decimal(a->arg_type)) { /* unscaled sum: DuckDB's long double */
            long double div = 1; /* DuckDB's divisor: 10^scale, then times the count */
            for (int k = 0; k < sl_dec_scale(a->arg_type); k++)
                div *= 10.0L;
            div *= (long double)s[g].n;
            sl_vec_push_f64(out, (double)((long double)(sl_i128)((sl_u128)(uint64_t)s[g].w.hi
                                                                 << 64 | s[g].w.lo) / div));
        }
        else if (a->arg_type == SL_T_BIGINT || a->arg_type == SL_T_HUGEINT) /* DuckDB's */
            sl_vec_push_f64(out, (double)(((long double)s[g].w.lo +
                                           (long double)s[g].w.hi * 18446744073709551616.0L) /
                                          (long double)s[g].n));
        else if (a->arg_type == SL_T_UBIGINT) /* DuckDB: the exact sum as DOUBLE, over n */
            sl_vec_push_f64(out, (double)(sl_i128)((sl_u128)(uint64_t)s[g].w.hi << 64 |
                                                   s[g].w.lo) / (double)s[g].n);
        else if (wide(a)) /* TINYINT .. INTEGER: DuckDB sums in int64, divides in double */
            sl_vec_push_f64(out, (double)(int64_t)s[g].w.lo / (double)s[g].n);
        else
            sl_vec_push_f64(out, s[g].sum / (double)s[g].n);
    }
}

static const char *const avg_aliases[] = {"mean", NULL};

const sl_aggfn sl_aggfn_avg = {
    .name = "avg",
    .aliases = avg_aliases,
    .n_args = 1,
    .bind = avg_bind,
    .state_bytes = avg_bytes,
    .state_types = avg_types,
    .update = avg_update,
    .combine = avg_combine,
    .emit_states = avg_emit,
    .finalize = avg_finalize,
};
