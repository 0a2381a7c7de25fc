/*
 * Hash aggregation in two phases around the exchange.
 *
 * The table knows no aggregate by name: every call's registry entry (func/aggregate.h) says
 * its state size and state columns and does the folding.
 *
 * PARTIAL (before the exchange): consumes raw rows (group key vectors + one argument vector
 * per aggregate) and keeps one state per group. emit_states returns state batches of layout
 * [keys..., state columns of agg 0, agg 1, ...] (each aggregate's sl_agg_state_types).
 * FINAL (after the exchange): merges state batches and emits result batches of layout
 * L1 = [keys..., result of agg 0, ...]. With no group keys, FINAL emits exactly one row even
 * when it merged nothing (count = 0, sum = NULL), as SQL requires; the driver runs that FINAL
 * on one rank only.
 * Mixed input (DISTINCT aggregates, plan/plan_agg.c): consume can also combine some
 * aggregates from state columns of its input batch (sl_hashagg_set_input) while it updates
 * the others from argument values.
 * NULL keys form their own group. Integer SUM overflow is an SL_ERUNTIME error.
 * Local.
 */
#ifndef SL_AGG_H
#define SL_AGG_H

#include "batch/batch.h"
#include "core/err.h"
#include "func/expr.h"

typedef struct sl_hashagg sl_hashagg;

/* Returns new; free with sl_hashagg_free. aggs is borrowed and must outlive the object. */
sl_hashagg *sl_hashagg_new(int n_keys, const sl_type *key_types, int n_aggs, const sl_agg *aggs);
void sl_hashagg_free(sl_hashagg **ph);

/* Number of state columns and their types, for the layout above. Local. */
int sl_hashagg_state_ncols(const sl_hashagg *h);
void sl_hashagg_state_types(const sl_hashagg *h, sl_type *types /* n_keys + state ncols */);

/* Makes consume combine aggregate a from the state columns of its input batch starting at
 * column state_col (-1, the default: update it from args[a]). Local. */
void sl_hashagg_set_input(sl_hashagg *h, int a, int state_col);

/*
 * PARTIAL: folds the live rows of `in` into the table. keys[k] and args[a] are vectors of
 * in->n_rows values (args[a] NULL for count(*) and for aggregates combined from `in`'s
 * state columns); a two-argument aggregate's second argument is args[n_aggs + a] (args then
 * has 2 * n_aggs entries; only those of two-argument aggregates are read). Borrows
 * everything. Local.
 */
int sl_hashagg_consume(sl_hashagg *h, const sl_batch *in, sl_vec *const *keys,
                       sl_vec *const *args, sl_err *err);
/* Creates the groups of the live rows of `in` (keys as for consume) without folding anything
 * into their states: a new group starts empty. Local. */
int sl_hashagg_add_groups(sl_hashagg *h, const sl_batch *in, sl_vec *const *keys,
                          sl_err *err);
/* PARTIAL without the table, for input the table would not shrink (issue 14): returns in
 * *out a new state batch (layout above) with one group per row of `in`, its states folded
 * from that row alone (keys and args as for consume; the selection of `in` is kept). The
 * key vectors move into *out (keys[k] set to NULL); the table is not touched. Local. */
int sl_hashagg_rows_to_states(sl_hashagg *h, const sl_batch *in, sl_vec **keys,
                              sl_vec *const *args, sl_batch **out, sl_err *err);
/* FINAL: merges the live rows of a state batch (layout above). Local. */
int sl_hashagg_merge(sl_hashagg *h, const sl_batch *states, sl_err *err);
/* Moves the table out as state batches (PARTIAL) or result batches (FINAL), appended to out;
 * the table is empty afterwards. Local. */
int sl_hashagg_emit_states(sl_hashagg *h, sl_batchlist *out, sl_err *err);
int sl_hashagg_emit_final(sl_hashagg *h, sl_batchlist *out, sl_err *err);
/* Groups currently held. Local. */
int64_t sl_hashagg_groups(const sl_hashagg *h);
/* Bytes the table would hold after adding extra_groups more groups (capacities grown the way
 * the table grows them; string bytes extrapolated). The memory budget reserves this before a
 * batch is folded in (issue #3). Local. */
int64_t sl_hashagg_bytes(const sl_hashagg *h, int64_t extra_groups);
/* Bytes an empty table sized for `groups` groups holds (sl_hashagg_presize). Local. */
int64_t sl_hashagg_presize_bytes(const sl_hashagg *h, int64_t groups);
/* Sizes an empty table for `groups` groups at once: slots, hashes, states and key arrays, so
 * that reaching that many groups needs no rehash and no reallocation. Does nothing to a
 * table that holds groups. Local. */
void sl_hashagg_presize(sl_hashagg *h, int64_t groups);

#endif
