/*
 * Per-rank running totals that every module bumps where the work happens (rows and bytes read,
 * rejected, written, exchanged, spilled). Progress, metrics and the end-of-run summary read
 * them; a stage's figures are the difference of two snapshots. One record per session, in its
 * context (core/ctx.h), reached through the objects that do the work. Local.
 */
#ifndef SL_COUNTERS_H
#define SL_COUNTERS_H

#include <stdint.h>

typedef struct sl_counters {
    int64_t rows_read;           /* data records read, good and rejected (issue #4) */
    int64_t bytes_read;          /* input bytes consumed by scans */
    int64_t rows_rejected;       /* bad records skipped or rejected (on_error) */
    int64_t rows_written;        /* rows written to output files */
    int64_t bytes_written;       /* bytes written to output files */
    int64_t xchg_rows_sent, xchg_bytes_sent;   /* exchange, to all ranks incl. self */
    int64_t xchg_rows_recv, xchg_bytes_recv;
    int64_t xchg_rounds;
    /* Point-to-point messages this rank sent to other ranks (data and the byte counts that
     * precede it; a relay of a two-level exchange counts what it forwards) and their payload
     * bytes, and the rounds that went two-level (mpi/exchange.c). */
    int64_t xchg_msgs_sent, xchg_net_bytes_sent, xchg_two_level_rounds;
    int64_t spill_bytes_written, spill_bytes_read;
    /* Chunks of a chunked input a scan read, and skipped by their statistics (a pushed-down
     * filter, io/format.h's scan_prune); 0 where the format keeps no statistics. */
    int64_t chunks_read, chunks_skipped;
    /* Exchange bytes per peer rank (index = rank in the exchange's communicator), bumped
     * only while a metrics object has allocated them (xchg_peers = communicator size). */
    int64_t *xchg_bytes_to, *xchg_bytes_from;
    int xchg_peers;
} sl_counters;

#endif
