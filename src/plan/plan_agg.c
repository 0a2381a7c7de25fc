/*
 * Aggregation plans: partial states through the exchange, and DISTINCT aggregates through a
 * second exchange on (keys, value). Local.
 */
#include <assert.h>

#include "core/mem.h"
#include "func/agg_vals.h"
#include "func/aggregate.h"
#include "plan/plan_int.h"

/* Returns a new AGG node in mode over k keys of types kt (names kn; key expressions keys,
 * owned, or NULL for none: FINAL and MERGE take them from their input) and n aggregate calls
 * (copied; their args dropped unless keep_args), whose output is the keys and then each
 * call's state columns (states) or its result. in_state is all -1 (the caller may set it). */
static sl_pop *agg_node(sl_agg_mode mode, const char *name, int k, const sl_type *kt,
                        char *const *kn, sl_expr **keys, int n, const sl_agg *aggs,
                        bool keep_args, bool states)
{
    int n_cols = k;
    for (int a = 0; a < n; a++)
        n_cols += states ? sl_agg_state_ncols(&aggs[a]) : 1;
    sl_type *types = sl_xcalloc((size_t)n_cols + 1, sizeof *types);
    char **names = sl_xcalloc((size_t)n_cols + 1, sizeof *names);
    for (int i = 0; i < k; i++) {
        types[i] = kt[i];
        names[i] = kn[i];
    }
    for (int a = 0, c = k; a < n; a++) {
        int m = states ? sl_agg_state_types(&aggs[a], types + c) : 1;
        if (!states)
            types[c] = aggs[a].type;
        for (int j = 0; j < m; j++)
            names[c + j] = aggs[a].text;
        c += m;
    }
    sl_pop *op = sl_pop_new(SL_POP_AGG, name, n_cols, types, names);
    sl_free(types);
    sl_free(names);
    op->u.agg.mode = mode;
    op->u.agg.n_keys = k;
    op->u.agg.keys = keys ? keys : sl_xcalloc((size_t)k + 1, sizeof *op->u.agg.keys);
    op->u.agg.n_aggs = n;
    op->u.agg.aggs = sl_xcalloc((size_t)n + 1, sizeof *op->u.agg.aggs);
    op->u.agg.in_state = sl_xcalloc((size_t)n + 1, sizeof *op->u.agg.in_state);
    for (int a = 0; a < n; a++) {
        op->u.agg.aggs[a] = sl_agg_copy(&aggs[a]);
        if (!keep_args) { /* combines states: no arguments */
            sl_expr_free(&op->u.agg.aggs[a].arg);
            sl_expr_free(&op->u.agg.aggs[a].arg2);
        }
        op->u.agg.in_state[a] = -1;
    }
    return op;
}

/* A copy of the key expression e with a column type: an untyped NULL (GROUP BY NULL,
 * count(DISTINCT NULL)) becomes a BIGINT NULL, since rows that travel need typed columns. */
static sl_expr *typed_key(const sl_expr *e)
{
    sl_expr *c = sl_expr_copy(e);
    if (c->type == SL_T_NULL)
        c = sl_expr_new(SL_E_CAST, SL_T_BIGINT, 1, &c, e->text);
    return c;
}

static void free_keys(sl_expr **keys, int k)
{
    for (int i = 0; i < k; i++)
        sl_expr_free(&keys[i]);
    sl_free(keys);
}

/* Exchange on the first k columns: hash, or everything to rank 0 when k = 0. */
static sl_pop *exchange_on_keys(sl_pop *x, int k, int query)
{
    if (k == 0) {
        x = sl_plan_exchange(x, SL_PART_GATHER, "exchange", query);
        x->u.exchange.root = 0;
        return x;
    }
    x = sl_plan_exchange(x, SL_PART_HASH, "exchange", query);
    x->u.exchange.n_keys = k;
    x->u.exchange.keys = sl_xcalloc((size_t)k, sizeof *x->u.exchange.keys);
    for (int i = 0; i < k; i++)
        x->u.exchange.keys[i] = i;
    return x;
}

/* Partial states of every aggregate in layout [k keys, states...] -> exchange on the keys (to
 * rank 0 without keys: one group) -> final agg. */
static sl_pop *finish_aggregate(sl_pop *x, int k, const sl_type *kt, char *const *kn,
                                int n_aggs, const sl_agg *aggs, int query)
{
    x = exchange_on_keys(x, k, query);
    sl_pop *final = agg_node(SL_AGG_FINAL, "final_agg", k, kt, kn, NULL, n_aggs, aggs, false,
                             false);
    final->u.agg.emit_empty = k == 0;
    return sl_plan_on_top(final, x, query);
}

/*
 * DISTINCT aggregates (count(DISTINCT x), sum(DISTINCT x), ...), with or without GROUP BY,
 * mixed with ordinary ones. Let K be the group keys and D the distinct arguments (one per
 * different expression, shared by the calls over it). Nothing ever gathers the rows:
 *
 *   partial agg over (K, D) with the ordinary aggregates' partial states (with several
 *     arguments in D, each row enters once per argument: key d_j set, the other arguments
 *     NULL, the ordinary aggregates folded on the first entry only)
 *   -> exchange on hash(K, D): every (group, value) pair meets on one rank
 *   -> merge agg over (K, D): one row per (group, distinct value), states merged
 *   -> distinct agg over K: feeds each d_j once per value into the DISTINCT calls over it
 *      (a NULL d_j is skipped as DISTINCT requires, and the rows of another argument carry
 *      NULL there) and combines the ordinary states; it emits partial states per rank,
 *      which add up because the pairs on different ranks are different pairs
 *   -> exchange on hash(K) (to rank 0 without GROUP BY: one state row per rank)
 *   -> final agg.
 * The pair exchange spreads even one huge group over all ranks; the merge is a complete
 * aggregation with grace spilling, the distinct agg flushes like any partial one.
 */
static sl_pop *plan_distinct_aggregate(sl_pop *in, int k, sl_expr *const *groups,
                                       const sl_type *kt, char *const *kn, int na,
                                       const sl_agg *aggs, int query)
{
    int nd = 0, no = 0;
    const sl_expr **dargs = sl_xcalloc((size_t)na + 1, sizeof *dargs);
    int *set_of = sl_xcalloc((size_t)na + 1, sizeof *set_of);
    sl_agg *ord = sl_xcalloc((size_t)na + 1, sizeof *ord);
    int *ord_col = sl_xcalloc((size_t)na + 1, sizeof *ord_col);
    for (int a = 0; a < na; a++) {
        const sl_agg *g = &aggs[a];
        set_of[a] = -1;
        if (!g->distinct) {
            ord[no++] = *g; /* borrowed: agg_node copies */
            continue;
        }
        int j = 0;
        while (j < nd && !sl_expr_equal(dargs[j], g->arg))
            j++;
        if (j == nd)
            dargs[nd++] = g->arg;
        set_of[a] = j;
    }
    int kd = k + nd;
    sl_type *t1 = sl_xcalloc((size_t)kd + 1, sizeof *t1);
    char **n1 = sl_xcalloc((size_t)kd + 1, sizeof *n1);
    sl_expr **keys = sl_xcalloc((size_t)kd + 1, sizeof *keys);
    for (int i = 0; i < kd; i++) {
        keys[i] = typed_key(i < k ? groups[i] : dargs[i - k]);
        t1[i] = keys[i]->type;
        n1[i] = keys[i]->text;
    }

    sl_pop *p = agg_node(SL_AGG_PARTIAL, "partial_agg", kd, t1, n1, keys, no, ord, true, true);
    p->u.agg.n_sets = nd > 1 ? nd : 0;
    sl_pop *x = sl_plan_on_top(p, in, query);
    x = exchange_on_keys(x, kd, query);
    sl_pop *merge = agg_node(SL_AGG_MERGE, "merge_agg", kd, t1, n1, NULL, no, ord, false, true);
    x = sl_plan_on_top(merge, x, query);

    /* The merge's layout: [K, D, states of ord...]. */
    for (int o = 0, c = kd; o < no; o++) {
        ord_col[o] = c;
        c += sl_agg_state_ncols(&ord[o]);
    }
    keys = sl_xcalloc((size_t)k + 1, sizeof *keys);
    for (int i = 0; i < k; i++)
        keys[i] = sl_expr_col(i, kt[i], kn[i]);
    sl_pop *d = agg_node(SL_AGG_PARTIAL, "distinct_agg", k, kt, kn, keys, na, aggs, false,
                         true);
    for (int a = 0, o = 0; a < na; a++) {
        if (set_of[a] >= 0)
            d->u.agg.aggs[a].arg = sl_expr_col(k + set_of[a], t1[k + set_of[a]],
                                               n1[k + set_of[a]]);
        else
            d->u.agg.in_state[a] = ord_col[o++];
    }
    x = finish_aggregate(sl_plan_on_top(d, x, query), k, kt, kn, na, aggs, query);
    sl_free(t1);
    sl_free(n1);
    sl_free(dargs);
    sl_free(set_of);
    sl_free(ord);
    sl_free(ord_col);
    return x;
}

/* Aggregation of in by k group keys (groups) with n_aggs aggregate calls (both copied): the
 * result has the k key columns, then one column per aggregate: partial agg -> exchange on the
 * keys (or to rank 0 without keys) -> final agg; DISTINCT calls take
 * plan_distinct_aggregate's longer path.
 * Shipping states or shipping values: an aggregate that needs all values (median, quantiles,
 * mode: needs_all_values) has the group's values themselves as its partial state
 * (func/agg_quantile.c), so the same plan ships each value once, batched per group, to the
 * group's owner, which sorts and finishes them; the final agg's grace partitions spill whole
 * groups' values beyond its grant. The values of one group meet on one rank (without GROUP
 * BY: rank 0), except a heavy group's (split_heavy: at least heavy_group_threshold of the
 * values) under median, quantile_cont, quantile_disc, mad, mode and entropy, which stay spread
 * over the ranks and are finished by a distributed selection or value counts summed across the
 * ranks (exec/agg_heavy.c) before the exchange. */
sl_pop *sl_plan_group(sl_pop *in, int k, sl_expr *const *groups, int n_aggs, const sl_agg *aggs,
                      int query)
{
    bool distinct = false;
    for (int a = 0; a < n_aggs; a++)
        distinct |= aggs[a].distinct;
    sl_type *kt = sl_xcalloc((size_t)k + 1, sizeof *kt);
    char **kn = sl_xcalloc((size_t)k + 1, sizeof *kn);
    sl_expr **keys = sl_xcalloc((size_t)k + 1, sizeof *keys);
    for (int i = 0; i < k; i++) {
        keys[i] = typed_key(groups[i]);
        kt[i] = keys[i]->type;
        kn[i] = groups[i]->text;
    }
    sl_pop *x;
    if (distinct) {
        free_keys(keys, k);
        x = plan_distinct_aggregate(in, k, groups, kt, kn, n_aggs, aggs, query);
    } else {
        sl_pop *p = agg_node(SL_AGG_PARTIAL, "partial_agg", k, kt, kn, keys, n_aggs, aggs,
                             true, true);
        for (int a = 0; a < n_aggs; a++)
            p->u.agg.split_heavy |= sl_agg_vals_splittable(&aggs[a]);
        p->collective = p->u.agg.split_heavy; /* its finish selects across the ranks */
        x = finish_aggregate(sl_plan_on_top(p, in, query), k, kt, kn, n_aggs, aggs, query);
    }
    sl_free(kt);
    sl_free(kn);
    return x;
}
