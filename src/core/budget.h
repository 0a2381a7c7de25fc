/*
 * The per-rank memory budget (issue #3). One number per rank: the bytes the big structures of
 * the engine (hash tables, row stores, exchange chunks) may hold at once. Operators reserve
 * explicitly before they grow and spill to disk when a reservation fails; sl_xmalloc itself is
 * never refused (see mem.h), so small bookkeeping allocations do not need error paths.
 *
 * Where the limit comes from, first match wins: --memory-limit (sl_options.memory_limit),
 * SLUICE_MEMORY_LIMIT, else a default derived from the environment:
 *   cgroup v2 memory.max / cgroup v1 memory.limit_in_bytes, SLURM_MEM_PER_NODE (MB), or
 *   physical RAM -- each divided by the ranks on this node (MPI_COMM_TYPE_SHARED);
 *   SLURM_MEM_PER_CPU (MB) x SLURM_CPUS_PER_TASK is already per rank;
 * the smallest applicable one, times 0.8 headroom (the MPI runtime, libc and code need the rest).
 * `SET memory_limit = '2GB'` changes it for the following statements.
 *
 * State is one record per session (sl_budget, in the session's context: core/ctx.h).
 * Local unless noted.
 */
#ifndef SL_BUDGET_H
#define SL_BUDGET_H

#include <mpi.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

/* Budgets below this are raised to it: the engine's fixed buffers need a few MB anyway. */
#define SL_BUDGET_MIN (4 * 1000 * 1000)

typedef struct sl_budget {
    int64_t limit;            /* bytes */
    int64_t reserved, peak;
    char why[512];            /* the rule that chose the limit */
} sl_budget;

/* A budget of 1 GB that says it was not initialized (before sl_budget_init). */
void sl_budget_default(sl_budget *b);

/* Chooses this rank's budget: explicit > 0 wins, then $SLUICE_MEMORY_LIMIT, then the
 * environment default above. Records a one-line explanation (sl_budget_why). Resets the
 * reserved count. A malformed SLUICE_MEMORY_LIMIT is SL_EUSAGE. Collective over comm (it
 * counts the ranks on each node). */
int sl_budget_init(sl_budget *b, MPI_Comm comm, int64_t explicit_limit, sl_err *err);

/* Sets the limit (SET memory_limit); why is copied. */
void sl_budget_set(sl_budget *b, int64_t limit, const char *why);

/* The limit in bytes, and the rule that chose it ("memory budget 5.6 GB per rank = ..."). */
int64_t sl_budget_limit(const sl_budget *b);
const char *sl_budget_why(const sl_budget *b);

/*
 * Reserves n bytes if the total reserved stays at or below level bytes (an operator's grant,
 * decided by the planner: plan/grants.c); returns false (reserving nothing) otherwise.
 * Levels let a consumer that can cheaply go to disk (a row store) give way to one that cannot
 * (a hash table). A failed reservation is the signal to spill, not an error. A level above
 * the limit counts as the limit.
 */
bool sl_budget_reserve_upto(sl_budget *b, int64_t n, int64_t level);
/* Gives back n bytes reserved earlier. */
void sl_budget_release(sl_budget *b, int64_t n);
/* Bytes reserved now, and the most ever reserved at once. */
int64_t sl_budget_reserved(const sl_budget *b);
int64_t sl_budget_peak(const sl_budget *b);

#endif
