/*
 * Metrics of a job run: per statement, per stage and per rank figures (wall and CPU time,
 * rows and bytes in and out, bytes sent to and received from every rank, spill, peak RSS),
 * per-operator figures for EXPLAIN ANALYZE, and memory samples over time. Each rank records
 * its own figures locally (cheap: a few clock reads per batch); at the end of every statement
 * one gather brings them to rank 0, which prints the end-of-run summary and writes the
 * --metrics JSON and the --report HTML.
 *
 * Times are seconds since a common origin: every rank reads MPI_Wtime right after a barrier
 * in sl_metrics_new (rank 0's origin is broadcast and used when MPI_WTIME_IS_GLOBAL).
 *
 * Stage and operator records are matched across ranks by their index: every rank opens them
 * in the same order because they are opened at points every rank reaches (the pipeline's
 * collective structure). The gather tolerates different counts (a rank that failed early):
 * missing records read as zeros. Local unless noted.
 */
#ifndef SL_METRICS_H
#define SL_METRICS_H

#include <mpi.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"

typedef struct sl_metrics sl_metrics;

/* What the front end asked for. Strings are borrowed for the metrics object's life. */
typedef struct sl_obs_opts {
    int quiet;                 /* no summary, no progress */
    int progress;              /* 0 auto (TTY only), 1 forced (plain lines off a TTY), -1 off */
    const char *metrics_path;  /* --metrics FILE.json or NULL */
    const char *report_path;   /* --report FILE.html or NULL */
    const char *job_path;      /* for titles */
} sl_obs_opts;

/* Returns new (free with sl_metrics_free), reading the counters of ctx (borrowed for the
 * object's life). Collective over comm (barrier + bcast; dups comm for progress). */
sl_metrics *sl_metrics_new(MPI_Comm comm, sl_ctx *ctx, const sl_obs_opts *o);
/* Collective over the comm given to sl_metrics_new (frees the progress communicator). */
void sl_metrics_free(sl_metrics **pm);

/* Monotonic seconds (CLOCK_MONOTONIC), for operator timing. Local. */
double sl_obs_now(void);

/* A statement starts: kind is "SELECT", "COPY", "EXPLAIN ANALYZE", ... (borrowed, static).
 * Local. */
void sl_metrics_stmt_begin(sl_metrics *m, int index, int line, const char *kind);
/* Rank 0 only: the statement's plan text (copied) and result rows. Local. */
void sl_metrics_stmt_plan(sl_metrics *m, const char *plan_text);
void sl_metrics_stmt_rows_out(sl_metrics *m, int64_t rows);
/* Gathers this statement's figures to rank 0 (once; later calls return at once).
 * Collective over the metrics communicator. */
void sl_metrics_stmt_gather(sl_metrics *m);
/* Ends the statement (gathers if not done); error_msg is the agreed error or NULL.
 * Collective. */
void sl_metrics_stmt_end(sl_metrics *m, const char *error_msg);
/* The job is over: rank 0 prints the summary (unless quiet) and writes the JSON and HTML
 * files. Returns 0 or SL_EIO (on rank 0 only) when a file cannot be written; the message goes
 * to *msg (static buffer). Local (rank 0 does the work). */
int sl_metrics_finish(sl_metrics *m, const char **msg);

/* A stage of select block `query` (0 = the statement's query, then its subqueries in plan
 * order) starts; name is static. Returns the stage handle for sl_metrics_stage_end. Local. */
int sl_metrics_stage_begin(sl_metrics *m, int query, const char *name);
/* Ends stage h with the caller's rows/bytes in and out (exchange, spill, time, CPU, RSS are
 * taken from the clocks and counters). Local. */
void sl_metrics_stage_end(sl_metrics *m, int h, int64_t rows_in, int64_t rows_out,
                          int64_t bytes_in, int64_t bytes_out);

/* Registers an operator of the running statement's plan (every rank registers the same
 * operators in the same order); name is static ("scan", "filter", ...). Returns its handle.
 * Local. */
int sl_metrics_op(sl_metrics *m, int query, const char *name);
/* Adds figures to operator h. Local. */
void sl_metrics_op_add(sl_metrics *m, int h, int64_t rows_in, int64_t rows_out,
                       int64_t bytes_out, double seconds);
/* Adds a scan's chunks read and skipped by statistics to operator h (EXPLAIN ANALYZE shows
 * them under its actual figures). Local. */
void sl_metrics_op_chunks(sl_metrics *m, int h, int64_t read, int64_t skipped);

/* Called once per input batch: samples memory now and then and polls the progress
 * reduction (never blocks). Local. */
void sl_metrics_tick(sl_metrics *m);

/* Progress over an input scan of total_bytes (all ranks, known from the source). begin and
 * end must be called by every rank at the same points (around the scan loop); end completes
 * the outstanding non-blocking reductions. Collective over the progress communicator. */
void sl_metrics_progress_begin(sl_metrics *m, int64_t total_bytes);
void sl_metrics_progress_end(sl_metrics *m);

/*
 * EXPLAIN ANALYZE support: appends one line of figures for the operator with handle h (rows,
 * bytes, time as min/max over ranks) to the text buffer, indented by depth. Rank 0, after
 * sl_metrics_stmt_gather. buf is an sl_buf (void * to keep this header free of core/buf.h).
 * Local.
 */
void sl_metrics_explain_op(void *ctx, void *buf, int h, int depth);
/* EXPLAIN ANALYZE footer: the statement's exchange volume, spill and peak memory over ranks
 * (new string; free with sl_free). Rank 0, after sl_metrics_stmt_gather. Local. */
char *sl_metrics_explain_totals(sl_metrics *m);

#endif
