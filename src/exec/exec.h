/*
 * Running a physical operator tree (plan/physical.h): the run context the session fills in
 * and the one entry point. The operators and the scheduler are private to src/exec
 * (exec_int.h).
 */
#ifndef SL_EXEC_H
#define SL_EXEC_H

#include <mpi.h>
#include <stdbool.h>
#include <stdio.h>

#include "batch/batch.h"
#include "core/ctx.h"
#include "core/err.h"
#include "plan/physical.h"

struct sl_metrics;
struct sl_copy;

/* The context of one running tree. */
typedef struct sl_exec {
    sl_ctx *ctx;                  /* the session's context: budget, counters, spill */
    MPI_Comm comm;
    int rank, size;
    const sl_settings *settings;
    struct sl_metrics *metrics;   /* may be NULL */
    /* result sink */
    FILE *out;
    const struct sl_format *print_format; /* NULL: a table; else a format (io/format.h) */
    /* ... or, when capture is set, the rows go to the caller (sl_session_query): all of them
     * to rank 0's list, or with capture_partitioned every rank's own rows to its list */
    sl_batchlist *capture;
    bool capture_partitioned;
    /* COPY sink: what keeps it from destroying what sluice did not write, and the --resume
     * fingerprint recorded in the manifest (borrowed, may be NULL) */
    const struct sl_copy_guard *copy_guard;
    const char *copy_fp_hash, *copy_fp_inputs;
    /* what the sink did (valid on every rank after the run) */
    int64_t rows_out;             /* rows printed (rank 0), written by COPY, counted, stored */
    int64_t bytes_out;            /* bytes written by COPY */
    /* the running stage (metrics): opened by a source or a breaker's output phase */
    int stage;                    /* handle, -1 = none */
    sl_pop *stage_op;             /* the node whose output phase the stage is */
    int64_t stage_rows_in, stage_rows_out, stage_bytes_out;
    sl_counters stage_c0;         /* counters when the stage began */
} sl_exec;

/*
 * Runs the tree under root (a sink) on every rank: open, produce, close. On return every rank
 * holds the same error state (agreed at the sink). Collective over x->comm.
 */
int sl_exec_run(sl_exec *x, sl_pop *root, sl_err *err);

#endif
