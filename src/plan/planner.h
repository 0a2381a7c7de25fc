/*
 * The planner: a bound statement (plan.h) -> a physical operator tree (physical.h).
 *
 * Each select block becomes  source -> [filter] -> [partial agg -> exchange -> final agg ->
 * [having]] -> project -> [ordering], and the statement's sink goes on top. Ordering:
 *   ORDER BY ... LIMIT k   local top-k sort -> gather to rank 0 -> final top-k sort there
 *                          (only k rows per rank ever move);
 *   ORDER BY (no LIMIT)    range exchange (splitters from a sample) -> local external sort:
 *                          rank r then holds the r-th slice of the global order, so COPY
 *                          writes sorted part files in parallel and a SELECT's result reaches
 *                          rank 0 as an ordered stream (ordered gather, rank by rank).
 * Ties on the sort keys are broken by every output column, so the order of distinct rows is
 * the same at every rank count.
 *
 * The planner tracks where each subtree's rows are (anywhere, only on rank 0, or range-
 * partitioned in global order) and adds a gather only where the sink needs rows on rank 0.
 * Memory grants are set by sl_plan_grants (plan/grants.c). Local: every rank plans the same
 * bound statement into the same tree.
 */
#ifndef SL_PLANNER_H
#define SL_PLANNER_H

#include "core/err.h"
#include "plan/physical.h"

typedef struct sl_plan_opts {
    sl_sink_kind sink;
    const sl_copy_opts *copy;  /* SL_SINK_COPY (borrowed) */
    struct sl_table *table;    /* SL_SINK_TABLE (borrowed) */
    int n_ranks;
    int64_t budget;            /* bytes per rank, for the grants */
} sl_plan_opts;

/* Plans q (borrowed: the tree points at its sources, which must outlive the tree) with the
 * sink of o on top. Returns new *out; free with sl_pop_free. Local. */
int sl_plan_statement(const sl_query *q, const sl_plan_opts *o, sl_pop **out, sl_err *err);

/* Sets op->grant for every operator of the tree that holds data that grows with its input
 * (hash tables, sort runs, exchange buffers, result and table buffers), out of budget bytes
 * per rank: the one place that decides how the budget is shared. Local. */
void sl_plan_grants(sl_pop *root, int64_t budget);

#endif
