/*
 * Data exchange between ranks: hash (rows to rank hash(key) % P), gather (all rows to one
 * root), broadcast (every row to every rank), or any routing the caller computes (range,
 * round robin). Bounded rounds: a sender packs per-destination buffers up to round_cap bytes in
 * total per round; in each round every rank sends every other rank one message (its flags
 * word, then the bytes for it) and receives one from each by matched probe. Whether another
 * round is needed is agreed through those flags, which also carry every rank's error flag,
 * so all ranks take part in the same rounds and collectives, also ranks with nothing to send,
 * and a failing rank never leaves the others waiting. The one failure no round can report,
 * corrupt data found while unpacking the last round (a bug: SL_EINTERNAL), ends the job with
 * MPI_Abort (exit 9) on the flat route; the two-level route agrees on it in a closing
 * MPI_Allreduce.
 * Rows a rank routes to itself skip the wire but count as sent and received.
 * Counts above INT_MAX never occur because a round is capped below that. Rows and bytes
 * moved are added to ctx's counters (also per peer, while metrics collect them).
 *
 * Flat or two-level (ctx->xchg_*, SET exchange_two_level[_ranks]): flat is one message per
 * pair of ranks per round; two-level relays each round through one leader per node so that only
 * the leaders talk across nodes. Both deliver the same bytes in the same order.
 */
#ifndef SL_EXCHANGE_H
#define SL_EXCHANGE_H

#include <mpi.h>

#include "batch/batch.h"
#include "core/buf.h"
#include "core/ctx.h"
#include "core/err.h"

typedef struct sl_xstats {
    int64_t rounds;
    int64_t rows_sent, rows_recv;
    int64_t bytes_sent, bytes_recv; /* to/from other ranks and self */
} sl_xstats;

/*
 * Round buffers kept across exchange calls: while ctx->xchg_pool points to one, a call takes
 * its send buffer and receive block from it and leaves them there at the end, so a run of
 * calls (an operator's chunks, a benchmark's repetitions) maps and faults in its buffers once
 * instead of per call (above glibc's 32 MB mmap threshold every fresh buffer is new pages).
 * The receive block is reused only when no batch read from it is alive any more. Whoever
 * sets ctx->xchg_pool charges sl_xpool_bytes to its grant and frees the pool. Local.
 */
typedef struct sl_xpool {
    sl_buf send;       /* capacity kept, length 0 between calls */
    sl_vblock *recv;   /* one reference held by the pool, or NULL */
} sl_xpool;

/* Bytes the pool holds (both buffers, also a block batches still borrow). Local. */
int64_t sl_xpool_bytes(const sl_xpool *p);
/* Frees both buffers (the block lives on while batches borrow it); p is left empty. Local. */
void sl_xpool_free(sl_xpool *p);

/*
 * Hash exchange: consumes in (freed and reset), appends received batches to out. Rows go to
 * rank sl_hash_row(batch, key_cols, n_keys, row) % P; n_keys == 0 sends everything to rank 0.
 * A local error already in err (err->code != 0) is shared with the others at the first
 * agreement; on any rank's error every rank returns non-zero (SL_EPEER on the healthy ones,
 * which must then call sl_agree to learn the message). Collective over comm.
 */
int sl_exchange_hash(sl_ctx *ctx, MPI_Comm comm, sl_batchlist *in, const int *key_cols, int n_keys,
                     int64_t round_cap, sl_batchlist *out, sl_xstats *st, sl_err *err);

/* Gather: every row to root. Same contract as above. Collective over comm. */
int sl_exchange_gather(sl_ctx *ctx, MPI_Comm comm, int root, sl_batchlist *in, int64_t round_cap,
                       sl_batchlist *out, sl_xstats *st, sl_err *err);

/* Routing of one batch: dest[k] is the rank of the k-th live row of b (0 <= dest < P). */
typedef void (*sl_route_fn)(void *ctx, const sl_batch *b, uint32_t *dest);

/* Exchange with routing by fn. Same contract as sl_exchange_hash. Collective over comm. */
int sl_exchange_route(sl_ctx *ctx, MPI_Comm comm, sl_batchlist *in, sl_route_fn fn,
                      void *fn_ctx,
                      int64_t round_cap, sl_batchlist *out, sl_xstats *st, sl_err *err);

/* Broadcast: every row to every rank (an all-gather in bounded rounds). Same contract, and
 * every rank receives the same rows in the same order (each round gives every destination
 * the same rows). Collective over comm. */
int sl_exchange_broadcast(sl_ctx *ctx, MPI_Comm comm, sl_batchlist *in, int64_t round_cap,
                          sl_batchlist *out, sl_xstats *st, sl_err *err);

/* With verbose, rank 0 prints one line: the point-to-point messages and payload bytes the
 * exchanges of this session sent to other ranks (sums and the largest rank), the rounds and
 * how many went two-level (ctx's counters). Collective over comm. */
void sl_exchange_report(const sl_ctx *ctx, MPI_Comm comm, int verbose);

#endif
