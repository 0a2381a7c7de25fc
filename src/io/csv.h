/*
 * CSV input: split planning with correct record boundaries, schema inference, parsing.
 *
 * sl_csv_open (collective): rank 0 expands globs and stats files; the input is cut into
 * byte ranges of blocksize, dealt so every rank gets ~equal bytes (contiguous ranges per
 * rank). Each rank counts quote characters (and newlines) in its ranges; one allgather gives
 * every range the in-quote state at its start (prefix XOR per file) and its starting line
 * number. A range owns every record whose first byte lies in it; the first record starts after
 * the first newline outside quotes at or after the range start (unless the byte before the
 * start is such a newline, or the start is 0). The header (header=true) is the first record of
 * each file and is skipped. Schema: declared, or inferred from a sample of every rank's ranges
 * and merged with one allreduce so all ranks agree.
 *
 * Parsing uses libcsv on exactly the owned record bytes. Empty unquoted field = NULL.
 */
#ifndef SL_CSV_H
#define SL_CSV_H

#include <mpi.h>

#include "batch/batch.h"
#include "core/ctx.h"
#include "core/err.h"
#include "io/format.h"

/* Where an option was written in the job (line 0: not given). */
typedef struct sl_csv_opt_pos {
    int line, col;
} sl_csv_opt_pos;

/* read_csv(...) options, as parsed from the job (csv_opts.c). */
typedef struct sl_csv_opts {
    int n_paths;
    char **paths;          /* file names or glob patterns */
    bool header;           /* default true */
    char delim;            /* default ',' */
    char quote;            /* default '"'; 0 = quoting off (quote='') */
    bool quoted_nulls;     /* allow_quoted_nulls: "" reads as NULL too (default false) */
    int64_t blocksize;     /* bytes per range; 0 = session setting */
    int n_decl;            /* columns={...}: declared names and types (0 = infer) */
    char **decl_names;
    sl_type *decl_types;
    int n_over;            /* types={...}: these columns' types instead of the sniffed ones */
    char **over_names;
    sl_type *over_types;
    int64_t sample_bytes;  /* per rank, for inference; 0 = default */
    char *dateformat;      /* dateformat= / timestampformat=: strptime formats or NULL (owned) */
    char *tsformat;
    int on_error;          /* SL_ON_ERROR_*: what a bad row does (README "Bad input") */
    char *rejects;         /* on_error='reject': the rejects CSV path (owned), else NULL */
    int64_t max_rejects;   /* most bad rows allowed over all ranks; -1 = no limit */
    double max_rejects_pct; /* or a percentage of the rows read; < 0 = not given */
    /* where the bad-row options were written, for the checks that need all of them */
    sl_csv_opt_pos on_error_at, rejects_at, max_rejects_at;
} sl_csv_opts;

/* COPY ... (FORMAT csv, HEADER, DELIMITER) options (csv_opts.c). */
typedef struct sl_csv_wopts {
    bool header;           /* default true */
    char delim;            /* default ',' */
    int compression;       /* SL_CSV_Z_*: COMPRESSION 'gzip' | 'zstd' | 'none' */
} sl_csv_wopts;

enum { SL_CSV_Z_NONE, SL_CSV_Z_GZIP, SL_CSV_Z_ZSTD };

/* read_csv(on_error=...): fail stops the job; skip drops and counts bad rows; reject also
 * writes them to the rejects file. */
enum { SL_ON_ERROR_FAIL, SL_ON_ERROR_SKIP, SL_ON_ERROR_REJECT };

typedef struct sl_csv_source sl_csv_source;
typedef struct sl_csv_scan sl_csv_scan;

/*
 * Opens the files of opts on every rank: globs (no match: SL_ENOENT "no file matches
 * 'data/x*.csv' (a glob)"), schema (declared or inferred), ranges and their quote states. Errors are
 * agreed across ranks before returning (every rank returns the same code and message).
 * Returns new *out; free with sl_csv_source_free. Collective over comm.
 */
int sl_csv_open(MPI_Comm comm, const sl_csv_opts *opts, int64_t default_blocksize,
                int64_t default_sample_bytes, sl_csv_source **out, sl_err *err);
/* sl_csv_open that may split the input speculatively where spec allows it (io/format.h's
 * sl_fmt_spec; NULL: never). Collective over comm. */
int sl_csv_open_spec(MPI_Comm comm, const sl_csv_opts *opts, int64_t default_blocksize,
                     int64_t default_sample_bytes, sl_fmt_spec *spec, sl_csv_source **out,
                     sl_err *err);
void sl_csv_source_free(sl_csv_source **ps);

/* The file schema (borrowed; valid while the source lives). Local. */
int sl_csv_source_ncols(const sl_csv_source *s);
const char *sl_csv_source_name(const sl_csv_source *s, int col);
sl_type sl_csv_source_type(const sl_csv_source *s, int col);
/* Files, ranges (all ranks), total bytes, for EXPLAIN and progress. Local. */
int sl_csv_source_nfiles(const sl_csv_source *s);
/* Path of file i (as globbed; borrowed). Local. */
const char *sl_csv_source_path(const sl_csv_source *s, int i);
int sl_csv_source_nranges(const sl_csv_source *s);
int64_t sl_csv_source_bytes(const sl_csv_source *s);
/* The range size used (blocksize, or smaller to give every rank several ranges). Local. */
int64_t sl_csv_source_blocksize(const sl_csv_source *s);
/* Bytes of input assigned to `rank`. Local. */
int64_t sl_csv_source_rank_bytes(const sl_csv_source *s, int rank);

/*
 * Starts reading the ranges of rank ctx->rank, converting only the file columns
 * proj[0..n_proj) (in that order) into batch columns; rows and bytes read are counted in
 * ctx's counters (ctx borrowed for the scan's life). Local.
 */
int sl_csv_scan_open(sl_ctx *ctx, sl_csv_source *s, const int *proj, int n_proj,
                     sl_csv_scan **out, sl_err *err);
/*
 * Next batch of up to SL_BATCH_ROWS rows (new; caller frees), or *out = NULL at the end.
 * A malformed record or a value that does not convert is SL_EDATA:
 * "sales.csv:1041 (byte 88213): column \"price\": expected DOUBLE, got \"n/a\"". Local.
 */
int sl_csv_scan_next(sl_csv_scan *sc, sl_batch **out, sl_err *err);
/* Rows and bytes read so far by this scan. Local. */
int64_t sl_csv_scan_rows(const sl_csv_scan *sc);
int64_t sl_csv_scan_bytes(const sl_csv_scan *sc);
void sl_csv_scan_free(sl_csv_scan **psc);
/*
 * End of the scan stage for a speculative split (io_int.h; nothing where the source counted
 * quotes): every rank's walk reached its end and found each guessed run end at a record's
 * end, and no rank has an error. Then the guess is confirmed (the source's first confirmation
 * takes it off the statement's pending count). A walk that ended inside a record makes every
 * rank record SL_EDATA (if it has no error yet), which the session answers by running the
 * statement again with the count pass; a rank's error only leaves the guess unconfirmed (the
 * session decides by that error). sc may be NULL (the open failed). Collective over comm.
 */
int sl_csv_scan_check_spec(MPI_Comm comm, sl_csv_source *s, const sl_csv_scan *sc,
                           sl_err *err);

/* ---- bad rows: read_csv(on_error='skip'|'reject', rejects=, max_rejects=) (csv_reject.c) */

/* Bad records this scan dropped, and the first one as "path:line (byte N): reason" (borrowed;
 * "" when none). Local. */
int64_t sl_csv_scan_rejected(const sl_csv_scan *sc);
const char *sl_csv_scan_first_reject(const sl_csv_scan *sc);
/*
 * End of the scan stage: sums the bad and read rows of every rank's scan (sc may be NULL:
 * counts 0) and, when max_rejects is exceeded, records SL_EDATA "too many rejected rows: 11 >
 * max_rejects 10 (first: data.csv:17 (byte 230): ...)" on the ranks with bad rows. Does not
 * agree the error: the caller's next sl_agree does. No-op for on_error='fail'. Collective
 * over comm.
 */
int sl_csv_scan_check_rejects(MPI_Comm comm, sl_csv_source *s, const sl_csv_scan *sc,
                              sl_err *err);
/*
 * End of a statement that scanned s with rejects=: rank 0 concatenates the rank part files
 * in rank order (= file, byte order) under a header into the rejects file (written to a
 * temporary name and renamed), and removes the parts. Runs also after a failed statement
 * (the rejects so far are kept); an error already in err stays first. Call on every rank
 * after an agreement point. Local work on rank 0 only.
 */
int sl_csv_rejects_finish(MPI_Comm comm, sl_csv_source *s, sl_err *err);

/*
 * Appends the live rows of b (its first n_cols columns) as CSV records to out: fields that
 * contain delim, quote, CR or LF are quoted with quote doubled;
 * NULL is an empty field; an empty string is "" (so it reads back as a string, not NULL).
 * Local.
 */
void sl_csv_format_rows(sl_buf *out, const sl_batch *b, int n_cols, char delim);
void sl_csv_format_header(sl_buf *out, char *const *names, int n_cols, char delim);
/* Appends one field, quoted if needed. Local. */
void sl_csv_format_field(sl_buf *out, const char *p, int64_t len, char delim);

#endif
