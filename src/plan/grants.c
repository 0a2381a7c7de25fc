/*
 * Memory grants: the one place that decides how a rank's budget is shared between the
 * operators of a plan (issue #9). An operator that holds data growing with its input reserves
 * from the budget (core/budget.h) up to its grant, a level of the rank's total reserved bytes,
 * and spills (or flushes) when a reservation would pass it.
 *
 * Grants are levels rather than disjoint slices because the operators of a plan hold memory
 * at different times and spill at different costs: whoever can move data to disk cheaply gets
 * a lower level and gives way first, so the one that cannot spill without a full partitioning
 * pass (a hash table) still finds room. Ordered from first to give way to last:
 *
 *   table sink 30%   outlives the statement, so it leaves most of the budget to the
 *                    statements that read it; the rest of the table goes to its spill file
 *   hash table 40%   the table of a partial or final aggregation (its emit briefly doubles
 *                    it, and the exchange behind it needs room)
 *   result    50%    rank 0's buffer of a SELECT result (tables are printed in two passes)
 *   sort      60%    rows kept in memory before a sorted run is written
 *   join      60%    the build side's rows and hash table (see exec/op_hash_join.c)
 *   top-n     60%    a window's k first rows per partition (exec/op_topn.c; past it the
 *                    rows pass through to the window's own sort)
 *   exchange  90%    rows waiting to be sent (a plain row store: appending is its only work)
 *
 * One exception to "rows waiting to be sent": the probe input of a skew-handled join holds its
 * rows while the whole build input runs (its aggregations, exchanges and the join's table), so
 * it first gives way to all of them: 20% (exec/op_exchange.c, sl_rowstore_lower). At 90% it
 * had starved them: a LEFT JOIN of 1e6 rows to a GROUP BY at 16 MB ran 6 s instead of 0.3 s,
 * the final aggregation splitting into 51,000 spill files and the join's table going grace
 * with one build row.
 *
 * COPY keeps one write buffer per open file; its grant bounds their sum (10%).
 * Local.
 */
#include "plan/planner.h"

typedef struct grant_ctx { int64_t budget; } grant_ctx;

static int64_t pct(const grant_ctx *g, int p) { return g->budget / 100 * p; }

static void grant_one(sl_pop *op, void *ctx)
{
    const grant_ctx *g = ctx;
    switch (op->kind) {
    case SL_POP_AGG:
        op->grant = pct(g, 40);
        break;
    case SL_POP_EXCHANGE:
        op->grant = pct(g, 90);
        op->u.exchange.hold_grant = pct(g, 20);
        break;
    case SL_POP_SORT:
    case SL_POP_JOIN:
    case SL_POP_TOPN: /* gives way like a sort: its fallback passes rows on */
        op->grant = pct(g, 60);
        break;
    case SL_POP_WINDOW:
        /* holds one partition at a time (kept beside the sort's grant) */
        op->grant = pct(g, 70);
        break;
    case SL_POP_SINK:
        switch (op->u.sink.kind) {
        case SL_SINK_TABLE: op->grant = pct(g, 30); break;
        case SL_SINK_RESULT: op->grant = pct(g, 50); break;
        case SL_SINK_COPY: op->grant = pct(g, 10); break;
        case SL_SINK_COUNT: op->grant = 0; break;
        }
        break;
    default:
        op->grant = 0;
        break;
    }
}

void sl_plan_grants(sl_pop *root, int64_t budget)
{
    grant_ctx g = { budget };
    sl_pop_walk(root, grant_one, &g);
}
