/*
 * Private to src/obs: the records metrics.c gathers to rank 0 and that summary.c, json.c and
 * report.c read. Figures are plain data, gathered as bytes (sluice assumes ranks of one job
 * share the same architecture, as MPI_BYTE transfers of structs require). Local.
 */
#ifndef SL_OBS_INT_H
#define SL_OBS_INT_H

#include <stdio.h>

#include "core/buf.h"
#include "core/counters.h"
#include "obs/metrics.h"

/* One rank's figures of one stage. */
typedef struct sl_stage_fig {
    double t_start, t_end, cpu;                 /* seconds since origin; CPU seconds */
    int64_t rows_in, rows_out, bytes_in, bytes_out;
    int64_t rows_sent, rows_recv, bytes_sent, bytes_recv;   /* exchange, self included */
    int64_t spill_bytes;                        /* spill bytes written during the stage */
    int64_t peak_rss;                           /* bytes, high-water mark at stage end */
} sl_stage_fig;

/* One rank's figures of one operator (summed over the batches it saw). */
typedef struct sl_op_fig {
    int64_t rows_in, rows_out, bytes_out, calls;
    double seconds;
    int64_t chunks_read, chunks_skipped; /* a scan of a chunked input (core/counters.h) */
} sl_op_fig;

/* One rank's statement totals. */
typedef struct sl_stmt_fig {
    double t_start, t_end, cpu;
    int64_t rows_read, bytes_read, rows_rejected, rows_written, bytes_written;
    int64_t bytes_sent, bytes_recv, spill_bytes, peak_rss;
} sl_stmt_fig;

/* A memory sample: RSS now, spill bytes written so far (job), counted heap in use. */
typedef struct sl_sample {
    double t;
    int64_t rss, spill, heap;
} sl_sample;

/* Rank 0's gathered view of one statement. Arrays indexed [stage][rank] etc. */
typedef struct sl_stmt_rec {
    int index, line;
    const char *kind;
    char *plan;              /* owned, or NULL */
    char *error;             /* owned, or NULL */
    int64_t rows_out;        /* result rows (SELECT) or rows written (COPY); -1 unknown */
    int P;
    int n_stages;
    const char **stage_name; /* [s] static strings */
    int *stage_query;        /* [s] query id (0 = the statement's top query, in order seen) */
    sl_stage_fig *stages;    /* [s * P + r] */
    int64_t *sent_to;        /* [(s * P + from) * P + to] */
    int64_t *recv_from;      /* [(s * P + to) * P + from] */
    int n_ops;
    const char **op_name;    /* [o] static strings */
    int *op_query;           /* [o] */
    sl_op_fig *ops;          /* [o * P + r] */
    sl_stmt_fig *ranks;      /* [r] */
    int *n_samples;          /* [r] */
    sl_sample **samples;     /* [r] owned arrays */
} sl_stmt_rec;

/* Rank 0's record of the job (filled as statements end). */
typedef struct sl_job_rec {
    const char *job_path;
    int P;
    double t_end;
    sl_stmt_rec *stmts;
    int n_stmts;
    int64_t cap_stmts;
} sl_job_rec;

/* Median of n values (copied, sorted). Local. */
double sl_obs_median(const double *v, int n);
/* Human size ("1.2 MB"); returns buf. Local. */
const char *sl_obs_size(int64_t bytes, char *buf, size_t n);

/* summary.c: prints the end-of-run summary. Local. */
void sl_obs_summary(FILE *f, const sl_job_rec *j);
/* json.c: writes the metrics JSON. Returns 0 or -1 (errno set). Local. */
int sl_obs_write_json(const char *path, const sl_job_rec *j);
/* report.c: writes the HTML report. Returns 0 or -1 (errno set). Local. */
int sl_obs_write_report(const char *path, const sl_job_rec *j);

/* progress.c: the live progress line. */
typedef struct sl_progress sl_progress;
/* mode: 0 off, 1 live line (TTY), 2 plain periodic lines. Collective (dups comm). */
sl_progress *sl_progress_new(MPI_Comm comm, const sl_counters *ctr, int mode);
void sl_progress_free(sl_progress **pp);   /* Collective. */
void sl_progress_stmt(sl_progress *p, int index, const char *kind);      /* Local. */
void sl_progress_stage(sl_progress *p, const char *stage);               /* Local. */
void sl_progress_begin(sl_progress *p, int64_t total_bytes);             /* Collective. */
void sl_progress_poll(sl_progress *p);                                   /* Local. */
void sl_progress_end(sl_progress *p);                                    /* Collective. */

#endif
