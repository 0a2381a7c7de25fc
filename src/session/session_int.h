/*
 * The session object of the statement driver (src/exec/driver.c). Private to src/exec.
 */
#ifndef SL_SESSION_INT_H
#define SL_SESSION_INT_H

#include <mpi.h>
#include <stdbool.h>
#include <stdio.h>

#include "sluice/sluice.h"
#include "batch/batch.h"
#include "core/ctx.h"
#include "core/err.h"
#include "io/format.h"
#include "plan/plan.h"
#include "sql/sql.h"

struct sl_session {
    MPI_Comm comm;           /* a private duplicate of the user's communicator */
    int rank, size;
    sl_ctx ctx;              /* this rank's budget, counters and spill directory */
    sl_options opts;
    FILE *out;
    sl_settings settings;
    sl_catalog cat;
    sl_params params;
    sl_err err;              /* last run's agreed error */
    struct sl_metrics *metrics; /* the running job's metrics (src/obs/metrics.h), or NULL */
    int64_t stmt_rows_out;   /* rank 0: rows of the running SELECT's result; -1 = none */
    /* The running statement's speculative input splits (io/format.h): allowed unless the
     * statement runs again after a wrong guess. */
    sl_fmt_spec spec;
    bool spec_wrong;         /* a guess of this run was wrong: the rest of it counts first */
    const struct sl_format *print_fmt; /* SELECT results: NULL = a table, else this format */
    bool bad_print_fmt;      /* opts.format names no format that can write */
    /* Tables of application arrays (sl_session_register_columns), owned here and put into
     * the catalog at the start of every run. */
    sl_table **reg;
    int n_reg;
    /* sl_session_query: the cursor the last statement's result goes to, or NULL */
    struct sl_cursor *capture;
    int capture_flags;
};

#endif
