/*
 * sluice: a distributed, out-of-core SQL ETL engine on MPI — the public C API.
 *
 * A session runs SQL jobs on a communicator: every rank of the communicator calls the same
 * functions with the same arguments (SPMD). Results of top-level SELECTs are printed by rank
 * 0; COPY statements write partitioned output from every rank.
 *
 *   sl_session *s;
 *   sl_options o; sl_options_init(&o);
 *   sl_session_new(MPI_COMM_WORLD, &o, &s);
 *   int rc = sl_session_run(s, job_text, "job.sql");   // collective
 *   if (rc) fprintf(stderr, "%s\n", sl_session_error(s));
 *   sl_session_free(&s);
 */
#ifndef SLUICE_H
#define SLUICE_H

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

#define SLUICE_VERSION "0.1.0"

typedef struct sl_session sl_session;

typedef struct sl_options {
    const char *format;           /* how top-level SELECT results are printed: NULL or "table"
                                   * = an aligned table, else the name of a format that can
                                   * write (COPY's FORMAT, e.g. "csv"); see sl_session_new */
    int verbose;                  /* 0 quiet, 1 summary per statement on stderr */
    int explain_only;             /* print plans instead of running SELECT/COPY */
    int64_t blocksize;            /* input range size; 0 = default 64 MB */
    int64_t exchange_round_bytes; /* per-rank bytes per exchange round; 0 = default 64 MB */
    int n_params;                 /* -D name=value: ${name} in the job text */
    const char *const *param_names;
    const char *const *param_values;
    FILE *out;                    /* where rank 0 prints results (NULL = stdout) */
    int quiet;                    /* no end-of-run summary, no progress line */
    int progress;                 /* 0 auto (a TTY only), 1 also off a TTY (plain lines) */
    const char *metrics_path;     /* write per-stage, per-rank metrics JSON here (or NULL) */
    const char *report_path;      /* write the one-file HTML report here (or NULL) */
    int64_t memory_limit;         /* per-rank budget; 0 = SLUICE_MEMORY_LIMIT or derived */
    const char *spill_dir;        /* base of the spill directory; NULL = $SLURM_TMPDIR ... */
    int resume;                   /* skip COPY statements whose committed output is current */
    int force;                    /* COPY ... OVERWRITE may replace a directory that holds no
                                   * sluice _SUCCESS manifest (or files it does not list) */
    double lock_wait_s;           /* how long a COPY waits for another job's lock on its
                                   * target: < 0 = default (300 s), 0 = fail at once */
} sl_options;

/* Fills o with defaults (lock_wait_s = -1: the default wait). Local. */
void sl_options_init(sl_options *o);

/* Returns 0 and a new session in *out (free with sl_session_free); borrows comm and opts'
 * strings for the session's life. Collective over comm. */
int sl_session_new(MPI_Comm comm, const sl_options *opts, sl_session **out);
void sl_session_free(sl_session **ps);

/* Parses and runs every statement of a job. Returns 0, or the agreed error code (the same on
 * every rank); see sl_session_error, sl_session_exit_status. Collective over comm. */
int sl_session_run(sl_session *s, const char *job_text, const char *job_path);
/* The same for a job text of len bytes (a NUL byte in it is reported as an error with its
 * line and column instead of silently ending the job). Collective over comm. */
int sl_session_run_n(sl_session *s, const char *job_text, int64_t len, const char *job_path);

/* The agreed error message of the last failed run ("" when none). Local. */
const char *sl_session_error(const sl_session *s);
/* The process exit status for the last run's error (0 on success). Local. */
int sl_session_exit_status(const sl_session *s);
/* The rank that first detected the last error (-1 when none). Local. */
int sl_session_error_rank(const sl_session *s);

#endif
