/*
 * The aggregate registry: one sl_aggfn per aggregate function, each in its own file
 * (func/agg_<name>.c, a family such as min/max may share one) and listed once in
 * func/agg_list.h. The binder resolves names through it, the hash table (func/agg.h) drives
 * the state callbacks, and the planner asks it whether partial states can travel through the
 * exchange or whether the values themselves must (needs_all_values).
 *
 * States. Each group of a hash table holds one fixed-size state per aggregate call
 * (state_bytes(call) bytes, zeroed, then init). update folds raw argument values into states,
 * combine folds partial states that came through the exchange, finalize turns states into
 * results. Between the two phases a state travels as state columns (state_types): plain typed
 * columns in the row format, so the exchange, the spill files and the grace partitions carry
 * them like any other rows. A NULL in a state column means "no value" (an empty state).
 *
 * NULL semantics of every aggregate listed today: NULL inputs are skipped; with no non-NULL
 * input count gives 0 and the others NULL. DISTINCT is planned outside the aggregate
 * (plan/plan_agg.c): update then sees each distinct value of a group exactly once.
 *
 * Vectorized calling convention of update and combine: row k of the batch is row sel[k] (or
 * k when sel is NULL) of the vectors and belongs to the group whose state is
 * states + gids[k] * state_bytes. Each callback runs one tight loop per call (per batch and
 * aggregate), switching on types outside the loop. All callbacks are Local.
 */
#ifndef SL_AGGREGATE_H
#define SL_AGGREGATE_H

#include <stdbool.h>
#include <stdint.h>

#include "batch/batch.h"
#include "core/err.h"
#include "func/expr.h"

/* Most state columns one aggregate ships, most arguments it takes (guards for fixed
 * arrays). A call carries its arguments in sl_agg.arg and sl_agg.arg2; the hash table gets
 * them as args[a] and args[n_aggs + a] (func/agg.h) and hands update one array. */
#define SL_AGG_MAX_STATE_COLS 8
#define SL_AGG_MAX_ARGS 2

typedef struct sl_aggfn {
    const char *name;           /* canonical name, as DuckDB prints it ("count_star") */
    const char *const *aliases; /* other names (NULL-terminated list) or NULL */
    int n_args;                 /* arguments it takes (0 for count(*); <= SL_AGG_MAX_ARGS) */
    /* Holistic: the result needs every value of the group (median, quantiles); partial
     * states cannot be merged, so the planner ships values, not states. */
    bool needs_all_values;
    /* f(DISTINCT x) = f(x) (min, max): the binder drops the DISTINCT. */
    bool distinct_is_noop;
    /* The second argument is a constant parameter (quantile_cont's q, in [0, 1]): the binder
     * checks it, keeps its value in sl_agg.param and drops the expression, so update sees
     * only the first argument. */
    bool const_arg2;
    /* Order-sensitive (first, last, string_agg): the last of its n_args arguments is not
     * written by the user but built by the binder: create_sort_key over the call's ORDER BY
     * (func/fn_sortkey.c), or the constant '' without one (every row ties: the order rows
     * meet in). NULL only where FILTER drops the row. sl_agg.ordered says which. */
    bool order_arg;
    /* Takes an optional constant VARCHAR separator after its written arguments (string_agg;
     * ',' when absent, as DuckDB), kept in sl_agg.sep. */
    bool sep_arg;

    /* Result type for arguments of types args[0..n_args) (none for count(*)). Returns
     * false when the aggregate does not accept them ("no function matches sum(VARCHAR)"). */
    bool (*bind)(const sl_type *args, sl_type *result);
    /* Bytes of one group's state for this call. */
    int64_t (*state_bytes)(const sl_agg *a);
    /* Writes the types of the state columns to types; returns how many (<= MAX_STATE_COLS). */
    int (*state_types)(const sl_agg *a, sl_type *types);
    /* Initializes n states, already zeroed. NULL: zero is the empty state. */
    void (*init)(const sl_agg *a, void *states, int64_t n);
    /* Folds raw values: args[0..n_args) are the argument vectors. */
    int (*update)(const sl_agg *a, void *states, sl_vec *const *args, const uint32_t *gids,
                  const uint32_t *sel, int64_t n, sl_err *err);
    /* Folds partial states: cols are this aggregate's state columns of the batch. */
    int (*combine)(const sl_agg *a, void *states, sl_vec *const *cols, const uint32_t *gids,
                   const uint32_t *sel, int64_t n, sl_err *err);
    /* Appends the n states at states (consecutive) to the state columns cols. */
    void (*emit_states)(const sl_agg *a, const void *states, int64_t n, sl_vec *const *cols);
    /* Appends the results of the n states at states to out (of type a->type). */
    void (*finalize)(const sl_agg *a, const void *states, int64_t n, sl_vec *out);
    /* Frees what n states own (strings). NULL: states own nothing. */
    void (*destroy)(const sl_agg *a, void *states, int64_t n);
    /* Heap bytes one state is expected to own beyond state_bytes, for the memory budget.
     * NULL: none. */
    int64_t (*heap_bytes)(const sl_agg *a);
} sl_aggfn;

/* The registered aggregates (func/agg_list.h): sl_aggfn_count, sl_aggfn_sum, ... */
#define SL_AGG_DECLARE(name) extern const sl_aggfn sl_aggfn_##name;
#include "func/agg_list.h"
SL_AGG_LIST(SL_AGG_DECLARE)
#undef SL_AGG_DECLARE

/* The aggregate named name (case-insensitive, aliases included), or NULL. Local. */
const sl_aggfn *sl_aggfn_find(const char *name);

/* Number of registered aggregates, and the i-th (for listings). Local. */
int sl_aggfn_count_registered(void);
const sl_aggfn *sl_aggfn_at(int i);

/* Fills a call of fn over an argument of type arg_type: a->fn, a->arg_type, a->type.
 * Returns false when fn does not accept the type. Local. */
bool sl_agg_init_call(sl_agg *a, const sl_aggfn *fn, sl_type arg_type);
/* The same for a two-argument aggregate (also sets a->arg2_type). Local. */
bool sl_agg_init_call2(sl_agg *a, const sl_aggfn *fn, sl_type t0, sl_type t1);

/* Copies an aggregate call (argument expression and text duplicated). Local. */
sl_agg sl_agg_copy(const sl_agg *a);
/* Frees what a owns (argument, text); a itself is the caller's. Local. */
void sl_agg_clear(sl_agg *a);

/* ---- helpers for the aggregate files ---- */

/* Vector row of the k-th batch row (see the calling convention above). */
static inline int64_t sl_agg_row(const uint32_t *sel, int64_t k)
{
    return sel ? (int64_t)sel[k] : k;
}

/* A NaN that a finalize helper returns to mean "the result is NaN" where a plain NaN means
 * NULL (var/covar families: 0 / 0 where DuckDB returns NaN, e.g. corr over a zero spread).
 * A payload no arithmetic produces from numbers. */
#define SL_AGG_NAN_RESULT_BITS UINT64_C(0x7ff80000000a6e11)
static inline double sl_agg_nan_result(void)
{
    uint64_t u = SL_AGG_NAN_RESULT_BITS;
    double d;
    __builtin_memcpy(&d, &u, 8);
    return d;
}
static inline bool sl_agg_is_nan_result(double d)
{
    uint64_t u;
    __builtin_memcpy(&u, &d, 8);
    return u == SL_AGG_NAN_RESULT_BITS;
}

/* state_bytes of a call whose state size does not depend on the types. */
#define SL_AGG_FIXED_STATE(fname, type)                                                    \
    static int64_t fname(const sl_agg *a)                                                  \
    {                                                                                      \
        (void)a;                                                                           \
        return (int64_t)sizeof(type);                                                      \
    }

#endif
