/*
 * Private to src/plan: the planner's pieces shared by planner.c (select blocks, ordering,
 * sinks), plan_agg.c (aggregation) and plan_setop.c (UNION / EXCEPT / INTERSECT). Local.
 */
#ifndef SL_PLAN_INT_H
#define SL_PLAN_INT_H

#include "plan/planner.h"

/* Where a subtree's rows are when it has produced them. */
typedef enum {
    SL_DIST_ANY,    /* on any rank, in no particular order across ranks */
    SL_DIST_ROOT,   /* all on rank 0, in the query's order */
    SL_DIST_RANGE,  /* rank r holds the r-th slice of the global order, each slice sorted */
} sl_dist;

typedef struct sl_planner {
    int next_query;   /* select blocks numbered in pre-order: 0 is the statement's */
    int64_t topn_rows; /* > 0: the block planned next has its rows filtered by the block
                        * above to its output column `topn_col` <= topn_rows (rn <= k) */
    int topn_col;
} sl_planner;

/* Plans one select block (and what it reads); *d says where its rows end up. */
sl_pop *sl_plan_block(sl_planner *p, const sl_query *q, sl_dist *d);
/* Plans the set operation that is q's source; the result has q's source columns. */
sl_pop *sl_plan_setop(sl_planner *p, const sl_query *q, int query);

/* Plans the join that is q's source (plan_join.c); the result has q's source columns. */
sl_pop *sl_plan_join(sl_planner *p, const sl_query *q, int query);

/* Puts node on top of child (child becomes its only child) and returns node. */
sl_pop *sl_plan_on_top(sl_pop *node, sl_pop *child, int query);
/* FILTER by pred (copied). */
sl_pop *sl_plan_filter(sl_pop *in, const sl_expr *pred, const char *name, int query);
/* EXCHANGE with partitioner part (keys/root/order filled in by the caller). */
sl_pop *sl_plan_exchange(sl_pop *in, sl_part_kind part, const char *name, int query);
/* Aggregation of in by k group keys with n_aggs aggregate calls (plan_agg.c): the result has
 * the k key columns, then one column per aggregate. groups and aggs are copied. */
sl_pop *sl_plan_group(sl_pop *in, int k, sl_expr *const *groups, int n_aggs, const sl_agg *aggs,
                      int query);

/* Window calls of q over x (layout X, plan_window.c): the result is X, then one column per
 * q->wins entry in order. topn > 0: only the rows of q's one window (a row_number() with
 * PARTITION BY and ORDER BY) numbered <= topn are used, so each rank keeps its topn first
 * rows per partition before the exchange (exec/op_topn.c). */
sl_pop *sl_plan_windows(sl_pop *x, const sl_query *q, int query, int64_t topn);
/* The k of a filter `rn <= k` (< k + 1, = k, turned around too) among the conjuncts of pred,
 * where rn is column `col` of pred's layout; the least one, or 0 when none. Local. */
int64_t sl_plan_topn_rows(const sl_expr *pred, int col);
/* k > 0 when q's windows can run as a top-k: one row_number() with PARTITION BY and ORDER
 * BY over rows that nothing but the filter on it (k: from the block above, or QUALIFY)
 * looks at; else 0. Local. */
int64_t sl_plan_topn_for(const sl_query *q, int64_t from_above);
/* Fills dst with q (shallow) but its outs, order and qualify copied with window references
 * made columns base + w; free those with sl_plan_window_query_free. */
void sl_plan_window_query(sl_query *dst, const sl_query *q, int base);
void sl_plan_window_query_free(sl_query *dst);
/* Joins (plan_join.c): which sides e reads, columns below nl being the left side's: bit 1 the
 * left, bit 2 the right; and an sl_expr_walk callback subtracting *(int *)ctx from every
 * column (a right-side expression renumbered to the right side's own columns). */
int sl_plan_sides_of(sl_expr *e, int nl);
void sl_plan_shift_col(sl_expr *e, void *ctx);
/* Appends the AND-ed conjuncts of e (borrowed) to (*v, *n) (sl_xrealloc'd). */
void sl_plan_conjuncts(sl_expr *e, sl_expr ***v, int *n);
/* a AND b (both owned, passed in), its text "a AND b" for EXPLAIN; b alone when a is NULL. */
sl_expr *sl_plan_and(sl_expr *a, sl_expr *b);

#endif
