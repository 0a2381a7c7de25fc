/*
 * The per-rank context of one session: what used to be process state (the memory budget, the
 * counters, the spill directory) belongs to the session that owns it, so two sessions in one
 * process (on different communicators, one after the other or in turn) never share a budget,
 * mix their counters or spill into each other's directory. Modules reach it through the
 * objects that do the work (a row store, a scan, an exchange call, a COPY) and never keep
 * one of their own. Process-wide by nature and kept global: stop signals, fault injection
 * (tests), allocation statistics. Local.
 */
#ifndef SL_CTX_H
#define SL_CTX_H

#include "core/budget.h"
#include "core/counters.h"

struct sl_spill;

typedef struct sl_ctx {
    int rank;                 /* in the session's communicator */
    sl_budget budget;         /* this rank's memory budget and what is reserved */
    sl_counters ctr;          /* this rank's running totals */
    struct sl_spill *spill;   /* this rank's spill directory (spill/spill.h), or NULL */
    /* How exchanges move data (SET exchange_two_level / exchange_two_level_ranks /
     * exchange_node_ranks; mpi/exchange.h): two-level 0 = auto, 1 = always, -1 = never;
     * auto goes two-level from two_level_ranks ranks (0 = the default) when the ranks span
     * several nodes; node_ranks > 0 makes nodes of that many consecutive ranks (tests on one
     * host) instead of asking MPI which ranks share a node. */
    int xchg_two_level, xchg_two_level_ranks, xchg_node_ranks;
    /* Round buffers an exchange keeps for the next call (mpi/exchange.h's sl_xpool), set by
     * whoever holds and charges them (an EXCHANGE operator's finish), else NULL. */
    struct sl_xpool *xchg_pool;
} sl_ctx;

#endif
