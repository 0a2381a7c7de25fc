/*
 * Bound query -> physical operator tree; see planner.h for the shapes it builds. Local.
 */
#include "plan/planner.h"

#include <assert.h>
#include <string.h>

#include "core/mem.h"
#include "func/aggregate.h"

/* Where a subtree's rows are when it has produced them. */
typedef enum {
    DIST_ANY,    /* on any rank, in no particular order across ranks */
    DIST_ROOT,   /* all on rank 0, in the query's order */
    DIST_RANGE,  /* rank r holds the r-th slice of the global order, each slice sorted */
} dist;

typedef struct planner {
    int next_query;   /* select blocks numbered in pre-order: 0 is the statement's */
} planner;

static sl_type *expr_types(sl_expr *const *v, int n)
{
    sl_type *t = sl_xcalloc((size_t)n + 1, sizeof *t);
    for (int i = 0; i < n; i++)
        t[i] = v[i]->type;
    return t;
}

/* Puts node on top of child (child becomes its only child) and returns node. */
static sl_pop *on_top(sl_pop *node, sl_pop *child, int query)
{
    node->query = query;
    sl_pop_add_child(node, child);
    return node;
}

static sl_pop *plan_scan(const sl_query *q)
{
    sl_source *src = (sl_source *)&q->src;
    int n = src->n_proj;
    sl_type *types = sl_xcalloc((size_t)n + 1, sizeof *types);
    char **names = sl_xcalloc((size_t)n + 1, sizeof *names);
    for (int i = 0; i < n; i++) {
        types[i] = src->file_col_types[src->proj[i]];
        names[i] = src->file_col_names[src->proj[i]];
    }
    sl_pop *op = sl_pop_new(SL_POP_SCAN, "scan", n, types, names);
    op->u.scan.src = src;
    op->u.scan.n_proj = n;
    op->u.scan.proj = sl_xcalloc((size_t)n + 1, sizeof *op->u.scan.proj);
    memcpy(op->u.scan.proj, src->proj, sizeof *src->proj * (size_t)n);
    sl_free(types);
    sl_free(names);
    return op;
}

static sl_pop *plan_filter(sl_pop *in, const sl_expr *pred, const char *name, int query)
{
    sl_pop *op = sl_pop_new(SL_POP_FILTER, name, in->n_cols, in->types, in->names);
    op->u.filter.pred = sl_expr_copy(pred);
    return on_top(op, in, query);
}

static sl_pop *plan_exchange(sl_pop *in, sl_part_kind part, const char *name, int query)
{
    sl_pop *op = sl_pop_new(SL_POP_EXCHANGE, name, in->n_cols, in->types, in->names);
    op->u.exchange.part = part;
    op->collective = true;
    return on_top(op, in, query);
}

static sl_pop *plan_gather(sl_pop *in, bool ordered, int query)
{
    sl_pop *op = plan_exchange(in, SL_PART_GATHER, "gather", query);
    op->u.exchange.root = 0;
    op->u.exchange.ordered = ordered;
    return op;
}

/* ---- aggregation ---- */

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
        if (!keep_args)
            sl_expr_free(&op->u.agg.aggs[a].arg); /* combines states: no argument */
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
        x = plan_exchange(x, SL_PART_GATHER, "exchange", query);
        x->u.exchange.root = 0;
        return x;
    }
    x = plan_exchange(x, SL_PART_HASH, "exchange", query);
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
    return on_top(final, x, query);
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
    sl_pop *x = on_top(p, in, query);
    x = exchange_on_keys(x, kd, query);
    x = on_top(agg_node(SL_AGG_MERGE, "merge_agg", kd, t1, n1, NULL, no, ord, false, true), x,
               query);

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
    x = finish_aggregate(on_top(d, x, query), k, kt, kn, na, aggs, query);
    sl_free(t1);
    sl_free(n1);
    sl_free(dargs);
    sl_free(set_of);
    sl_free(ord);
    sl_free(ord_col);
    return x;
}

/* Aggregation of in by k group keys (groups) with n_aggs aggregate calls (both copied): the
 * result has the k key columns, then one column per aggregate. Here the planner chooses
 * between shipping partial states and shipping values. Every aggregate today merges partial
 * states: partial agg -> exchange on the keys (or to rank 0 without keys) -> final agg;
 * DISTINCT calls take plan_distinct_aggregate's longer path. An aggregate that needs all
 * values (median, quantiles) cannot ship states; the binder refuses those until their plan
 * (values to the group's owner) exists: see docs/STYLE.md, "Adding an aggregate". */
static sl_pop *plan_group(sl_pop *in, int k, sl_expr *const *groups, int n_aggs,
                          const sl_agg *aggs, int query)
{
    bool distinct = false;
    for (int a = 0; a < n_aggs; a++) {
        assert(!aggs[a].fn->needs_all_values);
        distinct |= aggs[a].distinct;
    }
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
        x = finish_aggregate(on_top(p, in, query), k, kt, kn, n_aggs, aggs, query);
    }
    sl_free(kt);
    sl_free(kn);
    return x;
}

static sl_pop *plan_aggregate(sl_pop *in, const sl_query *q, int query)
{
    return plan_group(in, q->n_groups, q->groups, q->n_aggs, q->aggs, query);
}

/* outs, then the ORDER BY keys that are not an output (hidden, dropped after the sort).
 * Fills spec with the sort keys over the projected layout. */
static sl_pop *plan_project(sl_pop *in, const sl_query *q, sl_sort_spec *spec, int query)
{
    int n = 0;
    sl_expr **ex = sl_xcalloc((size_t)(q->n_outs + q->n_order) + 1, sizeof *ex);
    char **names = sl_xcalloc((size_t)(q->n_outs + q->n_order) + 1, sizeof *names);
    for (int i = 0; i < q->n_outs; i++) {
        names[n] = q->out_names[i];
        ex[n++] = sl_expr_copy(q->outs[i]);
    }
    spec->n_keys = q->n_order;
    spec->cols = sl_xcalloc((size_t)q->n_order + 1, sizeof *spec->cols);
    spec->desc = sl_xcalloc((size_t)q->n_order + 1, sizeof *spec->desc);
    spec->nulls_first = sl_xcalloc((size_t)q->n_order + 1, sizeof *spec->nulls_first);
    for (int k = 0; k < q->n_order; k++) {
        int found = -1;
        for (int i = 0; i < q->n_outs && found < 0; i++)
            if (strcmp(q->outs[i]->text, q->order[k]->text) == 0)
                found = i;
        if (found < 0) {
            found = n;
            names[n] = q->order[k]->text;
            ex[n++] = sl_expr_copy(q->order[k]);
        }
        spec->cols[k] = found;
        spec->desc[k] = q->order_desc[k];
        spec->nulls_first[k] = q->order_nulls_first[k];
    }
    sl_type *types = expr_types(ex, n);
    sl_pop *op = sl_pop_new(SL_POP_PROJECT, "project", n, types, names);
    op->u.project.n_exprs = n;
    op->u.project.exprs = ex;
    sl_free(types);
    sl_free(names);
    return on_top(op, in, query);
}

static sl_pop *plan_sort(sl_pop *in, const sl_sort_spec *spec, int64_t offset, int64_t limit,
                         int n_keep, const char *name, int query)
{
    sl_pop *op = sl_pop_new(SL_POP_SORT, name, n_keep, in->types, in->names);
    sl_sort_spec_copy(&op->u.sort.order, spec);
    op->u.sort.offset = offset;
    op->u.sort.limit = limit;
    op->u.sort.n_keep = n_keep;
    return on_top(op, in, query);
}

static sl_pop *plan_limit(sl_pop *in, int64_t offset, int64_t limit, int query)
{
    sl_pop *op = sl_pop_new(SL_POP_LIMIT, "limit", in->n_cols, in->types, in->names);
    op->u.limit.offset = offset;
    op->u.limit.limit = limit;
    return on_top(op, in, query);
}

/* Drops hidden columns (keeps the first n) with a column-only projection. */
static sl_pop *plan_keep(sl_pop *in, int n, int query)
{
    if (in->n_cols == n)
        return in;
    sl_pop *op = sl_pop_new(SL_POP_PROJECT, "project", n, in->types, in->names);
    op->u.project.n_exprs = n;
    op->u.project.exprs = sl_xcalloc((size_t)n + 1, sizeof *op->u.project.exprs);
    for (int i = 0; i < n; i++)
        op->u.project.exprs[i] =
            sl_expr_col(i, in->types[i], in->names ? in->names[i] : "");
    return on_top(op, in, query);
}

/* ORDER BY / LIMIT / OFFSET on top of the projection; see planner.h. */
static sl_pop *plan_order(sl_pop *x, const sl_query *q, const sl_sort_spec *spec, int query,
                          dist *d)
{
    int n_all = x->n_cols, n_outs = q->n_outs;
    bool sorted = q->n_order > 0;
    if (q->limit >= 0) {
        int64_t keep = q->offset + q->limit;
        if (keep < q->offset) /* overflow: LIMIT near INT64_MAX */
            keep = -1;
        /* Only the first offset+limit rows of each rank can be in the result. */
        x = sorted ? plan_sort(x, spec, 0, keep, n_all, "top_k", query)
                   : plan_limit(x, 0, keep, query);
        x = plan_gather(x, true, query);
        x = sorted ? plan_sort(x, spec, q->offset, q->limit, n_outs, "sort", query)
                   : plan_limit(x, q->offset, q->limit, query);
        *d = DIST_ROOT;
        return plan_keep(x, n_outs, query);
    }
    if (sorted) {
        x = plan_exchange(x, SL_PART_RANGE, "exchange", query);
        sl_sort_spec_copy(&x->u.exchange.order, spec);
        x = plan_sort(x, spec, 0, -1, n_outs, "sort", query);
        *d = DIST_RANGE;
    }
    if (q->offset > 0) {
        /* OFFSET counts rows of the global order: it is applied where all rows meet. */
        x = plan_gather(x, true, query);
        x = plan_limit(x, q->offset, -1, query);
        *d = DIST_ROOT;
    }
    return plan_keep(x, n_outs, query);
}

static sl_pop *plan_block(planner *p, const sl_query *q, dist *d)
{
    int query = p->next_query++;
    sl_pop *x;
    *d = DIST_ANY;
    if (q->src.kind == SL_SRC_QUERY) {
        x = plan_block(p, q->src.child, d);
    } else {
        x = plan_scan(q);
        x->query = query;
    }
    if (q->where)
        x = plan_filter(x, q->where, "filter", query);
    if (q->has_agg) {
        x = plan_aggregate(x, q, query);
        *d = DIST_ANY;
        if (q->n_groups == 0)
            *d = DIST_ROOT; /* the one result row is on rank 0 */
        if (q->having)
            x = plan_filter(x, q->having, "having", query);
    }
    sl_sort_spec spec;
    x = plan_project(x, q, &spec, query);
    if (q->n_order > 0 || q->limit >= 0 || q->offset > 0)
        x = plan_order(x, q, &spec, query, d);
    sl_sort_spec_free(&spec);
    return x;
}

int sl_plan_statement(const sl_query *q, const sl_plan_opts *o, sl_pop **out, sl_err *err)
{
    planner p = {0};
    dist d;
    *out = NULL;
    sl_pop *x = plan_block(&p, q, &d);
    sl_pop *sink = sl_pop_new(SL_POP_SINK, "sink", x->n_cols, x->types, x->names);
    sink->u.sink.kind = o->sink;
    sink->u.sink.copy = o->copy;
    sink->u.sink.table = o->table;
    /* The result sink gathers to rank 0 (collective); COPY commits (collective); the count
     * sink sums its count over the ranks. A table sink keeps rows where they are but agrees
     * on errors at the end. Every sink is collective. */
    sink->collective = true;
    sink->u.sink.ordered = d == DIST_RANGE;
    sink->query = 0;
    sl_pop_add_child(sink, x);
    sl_plan_grants(sink, o->budget);
    *out = sink;
    (void)err;
    return 0;
}
