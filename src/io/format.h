/*
 * The format registry: one backend table (sl_format) per file format, in the manner of IOR's
 * aiori.h and curl's vtls backends. A table declares what the format can do in capability
 * bits; the slots of a capability it lacks are NULL (sl_format_check verifies this for every
 * registered table). Every format is one backend file under src/io/ plus one line in
 * io/format_list.h; nothing outside src/io names a format: the SQL parser turns
 * read_<x>(...) into a generic call (sl_fmt_call) whose options the format parses, the
 * binder and planner see a generic source (sl_fmt_source), the scan operator, EXPLAIN,
 * --resume and the session reach the files through the accessors below, and COPY asks the
 * format for a writer per part file (sl_fmt_writer).
 *
 * Options are namespaced per format: read_csv(header=..., delim=...) and COPY's format
 * options (HEADER, DELIMITER) are parsed by the format from the values as written
 * (sl_fmt_val), at parse time, so a bad option is an SL_ESQL error with its position in the
 * job file ("job.sql:3:14: option delim must be a single character").
 *
 * Collective functions say so; everything else is Local.
 */
#ifndef SL_FORMAT_H
#define SL_FORMAT_H

#include <mpi.h>
#include <stdbool.h>
#include <stdint.h>

#include "batch/batch.h"
#include "core/buf.h"
#include "core/ctx.h"
#include "core/err.h"

/* ---- capabilities ---- */

enum {
    /* read_<x>(...): the read option slots, open, the source accessors and scan_* */
    SL_FMT_READ = 1u << 0,
    /* COPY ... (FORMAT x): the write option slots and writer_*. Each rank writes its own
     * part files (part-<rank>-<seq><ext>); COPY owns the files, their directories, the
     * atomic commit and the manifest, so the format only turns rows into bytes. */
    SL_FMT_WRITE = 1u << 1,
    /* READ: one file is cut into byte ranges that different ranks read (else a file is read
     * whole by one rank and many files spread the work). EXPLAIN and the planner may ask. */
    SL_FMT_SPLITTABLE = 1u << 2,
    /* WRITE: the output is ONE file written by every rank together (parallel HDF5) instead
     * of part files: the shared_* slots replace writer_*. Each rank stages its rows locally
     * (shared_write, Local), and at COPY's commit every rank calls shared_finish, which
     * writes the file collectively at a path inside COPY's temporary directory; COPY keeps
     * the directory, the atomic commit and the manifest (the file is its one entry). */
    SL_FMT_PARALLEL_WRITE = 1u << 3,
    /* WRITE | PARALLEL_WRITE: a database sink (COPY ... TO 'sqlite:x.db' (TABLE t)), chosen
     * by the target's scheme (the scheme field) instead of FORMAT. COPY makes no directory,
     * lock or manifest: shared_finish gets the target itself and owns the commit (a
     * transaction that replaces the table only when every rank succeeded). */
    SL_FMT_SINK = 1u << 4,
};

/* ---- option values as written in the job ---- */

typedef enum {
    SL_FV_NONE,     /* no value here: raw is the token found instead (NULL at end of input) */
    SL_FV_STRING,   /* 'text': str unescaped */
    SL_FV_INT,      /* str: the digits, with a leading '-' when signed */
    SL_FV_FLOAT,    /* str: the number as written, with a leading '-' when signed */
    SL_FV_WORD,     /* an unquoted word: str lower case, raw as written */
    SL_FV_NAME,     /* a "quoted name": str as written inside the quotes */
    SL_FV_LIST,     /* [v, ...]: items */
    SL_FV_STRUCT,   /* {k: v, ...}: keys[i] (STRING, WORD or NAME) names items[i] */
} sl_fv_kind;

typedef struct sl_fmt_val {
    sl_fv_kind kind;
    int line, col;              /* where the value starts in the job (1-based) */
    char *str;                  /* owned; NULL for NONE, LIST, STRUCT */
    char *raw;                  /* owned: the value's first token as written, for messages */
    int n;                      /* LIST, STRUCT: number of items */
    struct sl_fmt_val *items;   /* owned */
    struct sl_fmt_val *keys;    /* STRUCT: owned, n of them */
} sl_fmt_val;

/* One named option: name=value in a table function, NAME [value] in COPY's list. */
typedef struct sl_fmt_opt {
    char *name;                 /* owned: lower case (a "quoted" name keeps its case) */
    int line, col;              /* of the name */
    bool bare;                  /* COPY: the name alone (a flag: true), v.kind is NONE */
    sl_fmt_val v;
} sl_fmt_opt;

void sl_fmt_val_clear(sl_fmt_val *v);
void sl_fmt_opt_clear(sl_fmt_opt *o);

/* Where option errors are reported: the job file and the error record. */
typedef struct sl_fmt_ctx {
    const char *path;           /* job file, for "PATH:LINE:COL: ..." */
    sl_err *err;
} sl_fmt_ctx;

/* Records SL_ESQL "PATH:LINE:COL: <message>". Returns the code. */
int sl_fmt_error_at(const sl_fmt_ctx *c, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Records SL_ESQL "PATH:L:C: syntax error: expected WHAT, got \"RAW\"" at v (the parser's own
 * wording, so a bad value reads the same whoever finds it). Returns the code. */
int sl_fmt_expected(const sl_fmt_ctx *c, const sl_fmt_val *v, const char *what);
/* A table function's files argument: a file name (or glob) string, or a non-empty list of them,
 * appended to *paths (grown; *n_paths counts them). Returns 0, or the error code. */
int sl_fmt_paths_arg(const sl_fmt_val *a, const sl_fmt_ctx *c, int *n_paths, char ***paths);

/* Value helpers for option parsers (each records the error and returns its code):
 * a boolean: true/false/1/0/'true'..., and a bare COPY flag means true; */
int sl_fmt_opt_bool(const sl_fmt_opt *o, const sl_fmt_ctx *c, bool *out);
/* one character: 'x' or '\t' ("option NAME must be a single character"); '' gives 0 when
 * allow_empty; */
int sl_fmt_opt_char(const sl_fmt_opt *o, bool allow_empty, const sl_fmt_ctx *c, char *out);
/* a size: '64MB', '512KiB', 65536 ("option NAME needs a size such as ..."). */
int sl_fmt_opt_size(const sl_fmt_opt *o, const sl_fmt_ctx *c, int64_t *out);

/* Returned by an option slot for a name that is not one of its options (nothing recorded):
 * the caller reports it with the list of the options it knows. */
#define SL_FMT_UNKNOWN (-1)

/* A simple conjunct of a query's WHERE over a scan's column: "col OP constant" (the planner
 * turns "constant OP col" around and BETWEEN into two), which a scan may use to skip rows
 * that cannot satisfy it (chunk statistics). The filter still runs over what is read, so a
 * format may ignore any of them. */
typedef enum { SL_FMT_LT, SL_FMT_LE, SL_FMT_EQ, SL_FMT_GE, SL_FMT_GT } sl_fmt_cmp;

typedef struct sl_fmt_pred {
    int col;                    /* the source's column (not the projection's) */
    sl_fmt_cmp op;
    sl_value v;                 /* of the column's type, never NULL; a VARCHAR's text is
                                 * borrowed from the plan */
} sl_fmt_pred;

/*
 * A statement's speculative input splits (issue 14; read_csv's in io/csv_source.c): a format
 * may split its input at boundaries it guesses instead of computing them first (a read of
 * the bytes before every split), when a later check at the end of each scan can prove the
 * guess. allow: the session lets sources guess (it clears it to run a statement again
 * after a wrong guess). pending: sources of the statement that guessed and whose guess no
 * scan has confirmed yet; the same on every rank (changed only at collective points). read:
 * a scan of such a source began on this rank. An error of the statement while one is pending
 * may come from a wrong guess (rows read from the wrong bytes, or types sniffed from them),
 * so the session runs the statement again without guessing.
 */
typedef struct sl_fmt_spec {
    bool allow;
    int pending;
    bool read;
} sl_fmt_spec;

/* Defaults a source takes from the session when its options leave them open. */
typedef struct sl_fmt_env {
    int64_t blocksize;          /* bytes per input range */
    int64_t sample_bytes;       /* per rank, for schema inference */
    sl_fmt_spec *spec;          /* NULL: no guessing */
} sl_fmt_env;

/* ---- the backend table ---- */

typedef struct sl_format {
    const char *name;             /* "csv": COPY's FORMAT and the manifest's "format" */
    const char *const *table_fns; /* READ: "read_csv" first (canonical), then aliases; NULL
                                   * ends the list */
    const char *ext;              /* WRITE: extension of the part files (".csv") */
    const char *scheme;           /* SINK: the target prefix that selects it ("sqlite:") */
    unsigned caps;                /* SL_FMT_* */

    /* ---- reading (SL_FMT_READ) ---- */
    const char *read_opt_names;   /* for "unknown read_x option" messages */
    /* New options with the defaults. Returns new; free with ropts_free. */
    void *(*ropts_new)(void);
    /* The positional arguments args[0..n) (next: what followed them, for messages). */
    int (*ropts_args)(void *o, const sl_fmt_val *args, int n, const sl_fmt_val *next,
                      const sl_fmt_ctx *c);
    /* One named option, as soon as it is parsed (so errors come in the order written);
     * SL_FMT_UNKNOWN for a name it does not know. */
    int (*ropts_set)(void *o, const sl_fmt_opt *opt, const sl_fmt_ctx *c);
    /* After the closing parenthesis: checks that need all options. line/col: the call. */
    int (*ropts_end)(void *o, int line, int col, const sl_fmt_ctx *c);
    /* Appends the arguments as SQL (what goes between the parentheses), canonical: every
     * option that matters, so the text reads back as the same call. */
    void (*ropts_print)(sl_buf *b, const void *o);
    void (*ropts_free)(void *o);
    /*
     * Opens the source the options describe on every rank: finds the files, learns the
     * schema (declared or inferred), plans which rank reads what. Errors agreed across ranks
     * (every rank returns the same code and message). Returns new *src; free with src_free.
     * Collective over comm.
     */
    int (*open)(MPI_Comm comm, const void *o, const sl_fmt_env *env, void **src, sl_err *err);
    void (*src_free)(void *src);
    int (*ncols)(const void *src);
    const char *(*col_name)(const void *src, int col);
    sl_type (*col_type)(const void *src, int col);
    int (*nfiles)(const void *src);
    const char *(*file)(const void *src, int i);
    int64_t (*bytes)(const void *src);          /* input bytes of all ranks */
    /* Appends EXPLAIN's scan line ("Scan read_x: ...\n"). */
    void (*explain)(sl_buf *b, const void *src, int n_ranks);
    /* This rank's part of the source, only the columns proj[0..n_proj) in that order; rows
     * and bytes read are counted in ctx (borrowed for the scan's life). */
    int (*scan_open)(sl_ctx *ctx, void *src, const int *proj, int n_proj, void **scan,
                     sl_err *err);
    /* Next batch (new) or *out = NULL at the end. */
    int (*scan_next)(void *scan, sl_batch **out, sl_err *err);
    /* Conjuncts preds[0..n) of the query's filter (copied), given after scan_open and before
     * the first scan_next: the scan may skip whole chunks none of whose rows can satisfy
     * them, counting chunks read and skipped in ctx's counters. Optional. */
    void (*scan_prune)(void *scan, const sl_fmt_pred *preds, int n);
    /* End of the scan stage on every rank (scan may be NULL: the rank never opened one),
     * e.g. read_csv's max_rejects over all ranks. Records but does not agree errors. May be
     * NULL. Collective over comm. */
    int (*scan_end)(MPI_Comm comm, void *src, const void *scan, sl_err *err);
    void (*scan_free)(void *scan);
    /* End of the statement, after an agreement point, also after a failure (an error
     * already in err stays first), e.g. merging read_csv's rejects part files. May be NULL.
     * Called on every rank. */
    int (*src_finish)(MPI_Comm comm, void *src, sl_err *err);

    /* ---- writing part files (SL_FMT_WRITE) ---- */
    const char *write_opt_names;  /* for "unknown COPY option" messages ("HEADER, ...") */
    void *(*wopts_new)(void);
    /* One of COPY's options that is not COPY's own; SL_FMT_UNKNOWN when not the format's. */
    int (*wopts_set)(void *o, const sl_fmt_opt *opt, const sl_fmt_ctx *c);
    void (*wopts_free)(void *o);
    /* A new part file with n_cols columns (names, types borrowed until finish): returns the
     * writer's state in *w and appends the file's first bytes (a header) to out. wopts NULL
     * means the defaults. */
    int (*writer_begin)(const void *wopts, int n_cols, char *const *names,
                        const sl_type *types, sl_buf *out, void **w, sl_err *err);
    /* Appends the live rows of b (its first n_cols columns). */
    int (*writer_write)(void *w, const sl_batch *b, sl_buf *out, sl_err *err);
    /* The part files' extension for these options (".csv.gz"); NULL slot: ext. Optional. */
    const char *(*wopts_ext)(const void *wopts);
    /* Appends the file's last bytes, if any. The file is complete after it. */
    int (*writer_finish)(void *w, sl_buf *out, sl_err *err);
    void (*writer_free)(void *w);

    /* ---- one shared file (SL_FMT_WRITE | SL_FMT_PARALLEL_WRITE) ---- */
    /* This rank's writer for a file of n_cols columns (names, types borrowed until free):
     * stages rows in files under dir (COPY's temporary directory) named ".stage-<rank>-*".
     * wopts NULL means the defaults. Local. */
    int (*shared_begin)(const void *wopts, int n_cols, char *const *names,
                        const sl_type *types, const char *dir, int rank, void **w,
                        sl_err *err);
    /* Stages the live rows of b (its first n_cols columns). Local. */
    int (*shared_write)(void *w, const sl_batch *b, sl_err *err);
    /* Writes the file at path from every rank's staged rows (a rank with none takes part
     * too) and removes the staging; *rows: the file's rows. Called by every rank, also
     * after a local failure (w may then be NULL); errors agreed. Collective over comm. */
    int (*shared_finish)(MPI_Comm comm, void *w, const char *path, int64_t *rows,
                         sl_err *err);
    /* Frees the writer and removes what it staged. Accepts NULL. Local. */
    void (*shared_free)(void *w);
    /* COPY's description of the file before shared_finish, the same on every rank: a JSON
     * object (sluice_version, format, partition_by, the partition's values, rows, ranks,
     * rank_rows, input_hash) the format may keep inside the file. Optional (NULL: not
     * kept). Local. */
    void (*shared_note)(void *w, const char *json);
} sl_format;

/* ---- the registry (io/formats.c; entries listed in io/format_list.h) ---- */

/* Every registered format, NULL-terminated, in the order of format_list.h. */
const sl_format *const *sl_format_registry(void);
/* The format named name (case-insensitive) in list (NULL: the registry), or NULL. */
const sl_format *sl_format_find_in(const sl_format *const *list, const char *name);
const sl_format *sl_format_find(const char *name);
/* The READ format whose table function (or alias) is fn (case-insensitive), or NULL. */
const sl_format *sl_format_find_reader(const char *fn);
/* What COPY writes without FORMAT: the first registered format that can write (not a
 * sink). */
const sl_format *sl_format_default_writer(void);
/* What COPY writes to target without FORMAT: the sink whose scheme starts it, else the
 * default writer. */
const sl_format *sl_format_target_writer(const char *target);
/* Appends the names of the formats in list (NULL: the registry) that have every bit of
 * caps, separated by sep; table functions (canonical names) instead when table_fns. */
void sl_format_names(sl_buf *b, const sl_format *const *list, unsigned caps, bool table_fns,
                     const char *sep);
/* The writer COPY needs for FORMAT name in list (NULL: the registry): an unknown name or a
 * format that cannot write is SL_EUSAGE naming the formats that can ("COPY: FORMAT 'x' is
 * not supported (formats that can write: csv)"). */
int sl_format_writer_in(const sl_format *const *list, const char *name, const sl_format **out,
                        sl_err *err);
/* true when f's slots match its capability bits (NULL exactly where a bit is missing);
 * otherwise false with *why naming the first mismatch. */
bool sl_format_check(const sl_format *f, const char **why);

/* ---- a table-function call, as the parser leaves it in the query's AST ---- */

typedef struct sl_fmt_call {
    const sl_format *fmt;       /* a READ format */
    void *opts;                 /* its read options (owned) */
    int line, col;              /* the function name in the job */
} sl_fmt_call;

void sl_fmt_call_clear(sl_fmt_call *c);
/* Appends the call as SQL: "read_csv('a.csv', header=true, ...)". */
void sl_fmt_call_print(sl_buf *b, const sl_fmt_call *c);
/* Parses one named option of call c through its format; an unknown name is an SL_ESQL error
 * at the name: "unknown read_csv option \"foo\" (known: ...)". */
int sl_fmt_call_opt(sl_fmt_call *call, const sl_fmt_opt *opt, const sl_fmt_ctx *c);

/* Write options of COPY: parses one option through f's wopts_set into *wopts (created on
 * first use). Returns SL_FMT_UNKNOWN (nothing recorded) for a name f does not know. */
int sl_fmt_write_opt(const sl_format *f, void **wopts, const sl_fmt_opt *opt,
                     const sl_fmt_ctx *c);
void sl_fmt_write_opts_free(const sl_format *f, void **wopts);

/* ---- opened sources ---- */

typedef struct sl_fmt_source sl_fmt_source;

/* Opens call's source (see the open slot). Errors agreed. Returns new *out; free with
 * sl_fmt_source_free. Collective over comm. */
int sl_fmt_source_open(MPI_Comm comm, const sl_fmt_call *call, const sl_fmt_env *env,
                       sl_fmt_source **out, sl_err *err);
void sl_fmt_source_free(sl_fmt_source **ps);
const sl_format *sl_fmt_source_format(const sl_fmt_source *s);
/* The schema (borrowed; valid while the source lives). */
int sl_fmt_source_ncols(const sl_fmt_source *s);
const char *sl_fmt_source_col_name(const sl_fmt_source *s, int col);
sl_type sl_fmt_source_col_type(const sl_fmt_source *s, int col);
/* The files read (as globbed; borrowed), for --resume and COPY's guard; 0 when none. */
int sl_fmt_source_nfiles(const sl_fmt_source *s);
const char *sl_fmt_source_file(const sl_fmt_source *s, int i);
int64_t sl_fmt_source_bytes(const sl_fmt_source *s);
void sl_fmt_source_explain(sl_buf *b, const sl_fmt_source *s, int n_ranks);
/* See the src_finish slot. Called on every rank. */
int sl_fmt_source_finish(MPI_Comm comm, sl_fmt_source *s, sl_err *err);

typedef struct sl_fmt_scan sl_fmt_scan;
int sl_fmt_scan_open(sl_ctx *ctx, sl_fmt_source *s, const int *proj, int n_proj,
                     sl_fmt_scan **out, sl_err *err);
int sl_fmt_scan_next(sl_fmt_scan *sc, sl_batch **out, sl_err *err);
/* See the scan_prune slot; nothing when the format has none. */
void sl_fmt_scan_prune(sl_fmt_scan *sc, const sl_fmt_pred *preds, int n);
/* See the scan_end slot (sc may be NULL). Collective over comm. */
int sl_fmt_scan_end(MPI_Comm comm, sl_fmt_source *s, const sl_fmt_scan *sc, sl_err *err);
void sl_fmt_scan_free(sl_fmt_scan **psc);

/*
 * The sources of one statement: every call its query reaches (through views and
 * subqueries), opened once each, before binding, so the binder only looks them up. Opens
 * calls[0..n) in order on every rank and stops at the first failure, with the call's position
 * before the format's message ("job.sql:2:15: read_csv: file not found: 'x.csv'"); errors are
 * agreed. A call listed twice is opened once. Returns new *out (also on error, holding what
 * was opened); free with sl_fmt_sources_free. Collective over comm.
 */
typedef struct sl_fmt_sources sl_fmt_sources;
int sl_fmt_sources_open(MPI_Comm comm, const char *path, const sl_fmt_call *const *calls,
                        int n, const sl_fmt_env *env, sl_fmt_sources **out, sl_err *err);
/* The opened source of call (borrowed), or NULL. */
sl_fmt_source *sl_fmt_sources_find(const sl_fmt_sources *set, const sl_fmt_call *call);
/* sl_fmt_source_finish on each. Called on every rank. */
int sl_fmt_sources_finish(MPI_Comm comm, sl_fmt_sources *set, sl_err *err);
void sl_fmt_sources_free(sl_fmt_sources **pset);

/* ---- part-file writers ---- */

typedef struct sl_fmt_writer sl_fmt_writer;
/* The extension of f's output files under wopts (NULL: the defaults). */
const char *sl_fmt_write_ext(const sl_format *f, const void *wopts);
/* A writer of format f (must have SL_FMT_WRITE) for one part file; see the writer slots. */
int sl_fmt_writer_begin(const sl_format *f, const void *wopts, int n_cols, char *const *names,
                        const sl_type *types, sl_buf *out, sl_fmt_writer **w, sl_err *err);
int sl_fmt_writer_write(sl_fmt_writer *w, const sl_batch *b, sl_buf *out, sl_err *err);
/* Appends the file's last bytes and frees *pw. */
int sl_fmt_writer_finish(sl_fmt_writer **pw, sl_buf *out, sl_err *err);
/* Frees without finishing (a discarded file). Accepts NULL. */
void sl_fmt_writer_free(sl_fmt_writer **pw);

#endif
