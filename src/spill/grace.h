/*
 * Out-of-core hash aggregation and exchange on top of sl_hashagg and sl_exchange_hash
 * (issue #3). Lives in src/spill rather than src/exec/agg.c so the in-memory table stays the
 * small, fast thing it is; everything here only decides *when* to move states to disk and
 * feeds them back through the table's public API.
 *
 * - Stage 1 (partial): before a batch is folded in, the table's next size is reserved from
 *   the budget; when that fails the table's states go to a row store on disk and the table
 *   starts empty (partial states merge later, so flushing early is always correct).
 * - Exchange: the states are sent in chunks of budget / (8 P) bytes per rank, so no rank ever
 *   receives more than about budget / 8 per call; what arrives is appended to a row store
 *   (memory while the budget allows, disk beyond).
 * - Final: grace hashing. States are merged until the table cannot reserve more; then its
 *   states and all remaining input are partitioned into 16 disk row stores by 4 hash bits,
 *   and every partition is finished on its own, recursively with the next 4 bits if it is
 *   still too big. Partition bits are hash bits 16..31: the exchange routes by hash % P (the
 *   low bits for power-of-two P) and the table's slots use the top bits, so neither is
 *   constant inside a partition. Beyond depth 4 the table grows past the budget (a single
 *   group's states cannot be split).
 */
#ifndef SL_GRACE_H
#define SL_GRACE_H

#include <mpi.h>

#include "batch/batch.h"
#include "core/err.h"
#include "exec/agg.h"
#include "spill/rowstore.h"

/* Share of the budget (percent of the limit, counting all reservations) a hash table may
 * hold; the rest is for its emit (which briefly doubles it) and row stores. */
#define SL_GRACE_TABLE_PCT 40

/*
 * Stage 1: call before folding a batch of n_rows into h. When the table cannot reserve its
 * size after the batch, moves its states into *spilled (created on first use, disk only) and
 * empties it. *res is the table's reservation (start at 0). Local.
 */
int sl_grace_partial_room(sl_hashagg *h, int64_t n_rows, int64_t *res, sl_rowstore **spilled,
                          sl_err *err);

/*
 * Hash exchange of row store in (consumed) into out (appended), in chunks that follow the
 * budget. key_cols/n_keys as sl_exchange_hash. Returns as sl_exchange_hash does (non-zero on
 * every rank when any failed; call sl_agree after). Collective over comm.
 */
int sl_grace_exchange(MPI_Comm comm, sl_rowstore *in, const int *key_cols, int n_keys,
                      int64_t round_cap, sl_rowstore *out, sl_err *err);

/* Receives each result batch (takes ownership). */
typedef int (*sl_grace_emit)(void *ctx, sl_batch *b, sl_err *err);

/*
 * Final aggregation of the state batches in `in` (consumed), emitting result batches (layout
 * L1 of agg.h) through emit. emit_empty: emit the one row of an aggregate without keys even
 * when nothing was merged. aggs is borrowed. Local.
 */
int sl_grace_final(int n_keys, const sl_type *key_types, int n_aggs, const sl_agg *aggs,
                   sl_rowstore *in, bool emit_empty, sl_grace_emit emit, void *ctx,
                   sl_err *err);

/* Number of grace partition passes and the deepest level reached (for -v and tests). */
int64_t sl_grace_partitions(void);
int sl_grace_max_depth(void);

#endif
