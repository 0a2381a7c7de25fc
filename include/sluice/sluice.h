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
 *
 * In situ (a simulation that already runs on MPI): register the application's arrays as a
 * table on every rank, query them, and read the result back as columnar batches:
 *
 *   sl_column cols[2] = {{"region", SL_COL_INT32, region}, {"temp", SL_COL_DOUBLE, temp}};
 *   sl_session_register_columns(s, "cells", 2, cols, n_local);          // collective
 *   sl_cursor *c;
 *   if (sl_session_query(s, "SELECT region, avg(temp) AS t FROM cells GROUP BY region "
 *                        "ORDER BY region", 0, &c) == 0) {              // collective
 *       const sl_column *r;
 *       for (int64_t n; (n = sl_cursor_next(c, &r)) > 0;)               // local (rank 0)
 *           ... ((const int64_t *)r[0].data)[i], ((const double *)r[1].data)[i] ...
 *       sl_cursor_free(&c);
 *   }
 *
 * Every function says whether it is Local (any rank, any time) or Collective over the
 * session's communicator (every rank calls it, in the same order, with the same SQL and the
 * same table names and column types; the error it returns is agreed: the same code and
 * message on every rank).
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
/* Frees the session, its registered tables (the arrays stay the application's) and its
 * duplicate of comm; accepts NULL. Collective over comm (MPI_Comm_free). */
void sl_session_free(sl_session **ps);

/* Parses and runs every statement of a job. Returns 0, or the agreed error code (the same on
 * every rank); see sl_session_error, sl_session_exit_status. Collective over comm. */
int sl_session_run(sl_session *s, const char *job_text, const char *job_path);
/* The same for a job text of len bytes (a NUL byte in it is reported as an error with its
 * line and column instead of silently ending the job). Collective over comm. */
int sl_session_run_n(sl_session *s, const char *job_text, int64_t len, const char *job_path);

/* ---- in situ: application arrays in, columnar results out ---------------------------- */

/* Column types of registered arrays and of result batches. */
typedef enum sl_coltype {
    SL_COL_BIGINT = 1,  /* int64_t */
    SL_COL_DOUBLE,      /* double */
    SL_COL_VARCHAR,     /* int64_t offsets[n + 1] (offsets[0] = 0) into chars: value i is the
                         * UTF-8 bytes chars[offsets[i] .. offsets[i + 1]) */
    SL_COL_BOOLEAN,     /* uint8_t, 0 = false, else true (results: 0 or 1) */
    SL_COL_DATE,        /* int64_t days since 1970-01-01 */
    SL_COL_TIMESTAMP,   /* int64_t microseconds since 1970-01-01 00:00:00 */
    SL_COL_INT32,       /* int32_t, a BIGINT column in SQL (registration only) */
    SL_COL_FLOAT        /* float, a DOUBLE column in SQL (registration only) */
} sl_coltype;

/* One column: of a registered table (the application's arrays), or of a result batch. */
typedef struct sl_column {
    const char *name;
    sl_coltype type;
    const void *data;     /* the values (see sl_coltype); NULL only when there are no rows */
    const char *chars;    /* SL_COL_VARCHAR: the bytes the offsets in data point into */
    const uint8_t *valid; /* NULL = no NULLs; else one byte per row: 0 = NULL, else a value
                           * (data holds any value at a NULL's place) */
} sl_column;

/*
 * Makes this rank's n_rows rows of the arrays in cols[0..n_cols) a table named name: every
 * rank registers its own rows (any number, also 0) under the same name, column names and
 * types; a query reads all ranks' rows, together with files (read_csv, read_hdf5) and other
 * tables. The arrays are borrowed, not copied: they must stay valid and unchanged until the
 * table is registered again, dropped or the session is freed; a query reads them in place,
 * in batches. Registering a name again replaces the table (the next step's arrays). Column
 * names and the name are copied. Returns 0 or the agreed error (sl_session_error): an
 * unknown type, NULL data with rows, VARCHAR offsets that decrease, a name used twice, or
 * ranks that disagree on the schema. Collective over the session's communicator.
 */
int sl_session_register_columns(sl_session *s, const char *name, int n_cols,
                                const sl_column *cols, int64_t n_rows);
/* Forgets the registered table name (nothing when there is none); the arrays are the
 * application's again. Collective over the session's communicator (every rank drops it). */
int sl_session_unregister(sl_session *s, const char *name);

typedef struct sl_cursor sl_cursor;

/* sl_session_query flags: where the result goes. */
#define SL_QUERY_GATHER 0       /* all rows on rank 0 (in ORDER BY order); the others get none */
#define SL_QUERY_PARTITIONED 1  /* every rank keeps the rows it computed (its partition; with
                                 * ORDER BY rank 0 holds the first range, rank 1 the next) */

/*
 * Runs the statements of sql (SET, CREATE VIEW / TABLE, SELECT, COPY; the registered tables
 * and files are visible) and hands the result of the last one, which must be a SELECT, to a
 * new cursor in *out (free with sl_cursor_free) on every rank instead of printing it. The
 * result is held in memory on the rank(s) that keep it. Returns 0, or the agreed error (then
 * *out = NULL on every rank). Collective over the session's communicator.
 */
int sl_session_query(sl_session *s, const char *sql, int flags, sl_cursor **out);

/* The result's columns: sets *cols to n_cols columns with name and type (data NULL), valid
 * for the cursor's life; returns n_cols. Local. */
int sl_cursor_columns(const sl_cursor *c, const sl_column **cols);
/* The rows this rank holds (all of them on rank 0 with SL_QUERY_GATHER). Local. */
int64_t sl_cursor_rows(const sl_cursor *c);
/* Sets *cols to the next batch's columns (data, chars and valid filled; valid is NULL when
 * the batch holds no NULL in that column) and returns its rows, or 0 at the end. The arrays
 * belong to the cursor and stay valid until the next call or sl_cursor_free. Local. */
int64_t sl_cursor_next(sl_cursor *c, const sl_column **cols);
/* Frees the cursor and its batches. Accepts NULL. Local. */
void sl_cursor_free(sl_cursor **pc);

/* The agreed error message of the last failed run ("" when none). Local. */
const char *sl_session_error(const sl_session *s);
/* The process exit status for the last run's error (0 on success). Local. */
int sl_session_exit_status(const sl_session *s);
/* The rank that first detected the last error (-1 when none). Local. */
int sl_session_error_rank(const sl_session *s);

#endif
