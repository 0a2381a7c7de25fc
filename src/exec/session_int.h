/*
 * The session object shared by the driver files (src/exec/driver.c, src/exec/query_exec.c).
 * Private to src/exec.
 */
#ifndef SL_SESSION_INT_H
#define SL_SESSION_INT_H

#include <mpi.h>
#include <stdio.h>

#include "sluice/sluice.h"
#include "batch/batch.h"
#include "core/err.h"
#include "plan/plan.h"
#include "sql/sql.h"

struct sl_session {
    MPI_Comm comm;           /* a private duplicate of the user's communicator */
    int rank, size;
    sl_options opts;
    FILE *out;
    sl_settings settings;
    sl_catalog cat;
    sl_params params;
    sl_err err;              /* last run's agreed error */
    struct sl_metrics *metrics; /* the running job's metrics (src/obs/metrics.h), or NULL */
    int64_t stmt_rows_out;   /* rank 0: rows of the running SELECT's result; -1 = none */
};

/*
 * A consumer of result batches. push takes ownership of b (live rows = the rows to consume).
 * Local.
 */
typedef struct sl_sink {
    int (*push)(struct sl_sink *sink, sl_batch *b, sl_err *err);
    void *ctx;
} sl_sink;

/* A sink that appends batches to a list (compacting sparse ones). */
void sl_sink_collect_init(sl_sink *sink, sl_batchlist *list);

/*
 * Runs a bound query on every rank and pushes its result rows (n_outs columns) into sink.
 * Rows of an unordered query stay on the rank that produced them; an ORDER BY / LIMIT query
 * delivers its rows, in order, on rank 0 only (*on_root = true). On return every rank holds
 * the same error state (agreed). Collective over s->comm.
 */
int sl_query_exec(sl_session *s, sl_query *q, sl_sink *sink, bool *on_root, sl_err *err);

#endif
