/*
 * The bound job: statements and bound queries (the logical plan; bound expressions and
 * aggregates are in func/expr.h). This is the contract between the SQL front end (src/sql:
 * parse + bind), the planner (plan/planner.c) and the session (src/session). Everything here is plain data; builders live in the modules that make
 * them. Local.
 *
 * Column layouts of one bound query (sl_query), in pipeline order:
 *   L0  input: the source's columns. For a file scan these are the *projected* columns only
 *       (scan.proj[] maps L0 index -> file column), for a subquery the child's outputs.
 *   where, group keys and aggregate arguments are expressions over L0.
 *   L1  (only when has_agg) [group key values..., aggregate results...].
 *   having is over L1; outs[] and order[] are over L1 when has_agg, else over L0.
 *   L2  (only when n_wins) [L1 or L0 columns..., window results...]: windows are computed
 *       over L1 when has_agg, else over L0 (their arguments, PARTITION BY and ORDER BY are
 *       expressions over that layout). In outs[], order[] and qualify a window result w is
 *       written SL_E_COL with col = -1 - w: the planner maps it to the column the window
 *       operator appends (plan/plan_window.c), so pruning L0 never renumbers it.
 * SELECT DISTINCT is bound as a GROUP BY of all outputs (no aggregates); SELECT DISTINCT ON
 * (k) as row_number() OVER (PARTITION BY k ORDER BY <the ORDER BY>) = 1 in QUALIFY.
 */
#ifndef SL_PLAN_H
#define SL_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "batch/types.h"
#include "func/expr.h"
#include "io/format.h"

/* ---- sources ---- */

struct sl_query;

/*
 * A persisted table (CREATE TABLE name AS query): every rank holds its part of the rows in a
 * column store (spill/colstore.h) that stays in memory while the budget allows and spills
 * beyond, column by column.
 */
typedef struct sl_table {
    char *name;
    int n_cols;
    char **col_names;
    sl_type *col_types;
    struct sl_colstore *rows;   /* this rank's rows; sealed, read any number of times */
    /* Instead of rows: this rank's application arrays, read in place (batch/borrow.h;
     * sl_session_register_columns). Owned by the session, not by the catalog. */
    const struct sl_borrowed *borrowed;
    bool one_row;               /* SELECT without FROM's source: no rows store, but one row of
                                 * no columns, on rank 0 */
} sl_table;

typedef enum { SL_SRC_FORMAT, SL_SRC_QUERY, SL_SRC_TABLE, SL_SRC_SETOP, SL_SRC_JOIN } sl_src_kind;

/* Join types (SQL). SEMI / ANTI keep the left rows that have a match / none (IN, EXISTS);
 * CROSS is INNER without a condition. */
typedef enum {
    SL_JOIN_INNER, SL_JOIN_LEFT, SL_JOIN_RIGHT, SL_JOIN_FULL, SL_JOIN_SEMI, SL_JOIN_ANTI,
    SL_JOIN_CROSS
} sl_join_type;

/* Set operations of a SL_SRC_SETOP source (the SQL keywords; ALL keeps duplicates). */
typedef enum { SL_SETOP_UNION, SL_SETOP_EXCEPT, SL_SETOP_INTERSECT } sl_setop;

typedef struct sl_source {
    sl_src_kind kind;
    /* SL_SRC_FORMAT: a table function's files (read_x(...) of a format in io/format.h),
     * opened before binding (files found, schema known, ranges planned) */
    sl_fmt_source *fsrc;     /* borrowed from the statement's sl_fmt_sources */
    int n_file_cols;         /* the file's columns */
    char **file_col_names;
    sl_type *file_col_types;
    int n_proj;              /* L0 = projected file columns, in this order */
    int *proj;
    /* SL_SRC_QUERY; SL_SRC_SETOP: child is the left input, right the right one, and
     * file_col_* are the result columns (the left input's names, the common types) */
    struct sl_query *child;
    struct sl_query *right;
    sl_setop setop;
    bool setop_all;
    /* SL_SRC_JOIN: child is the left side, right the right side; L0 (file_col_*) is the left
     * side's outputs followed by the right side's (SEMI / ANTI: the left side's only). `on`
     * is over that concatenation (also for SEMI / ANTI), NULL = always true. Pruning narrows
     * L0 to the columns the query reads: L0 column i is then concatenation column
     * join_out[i] (n_file_cols of them, ascending; NULL before pruning). */
    sl_join_type join;
    sl_expr *on;
    int *join_out;
    int n_quals;             /* binding only: left + right columns, the arrays below */
    char **col_quals;        /* binding only: the table alias of each column (or NULL) */
    bool *col_hidden;        /* binding only: a USING column of the right side (not in *,
                              * not found unqualified) */
    int *col_using;          /* binding only: for a left USING column of a RIGHT / FULL join
                              * the index of its right partner (an unqualified reference is
                              * COALESCE(left, right)), else -1 */
    /* SL_SRC_TABLE: file_col_* hold the table's columns, proj the ones read (as for files) */
    const sl_table *table;    /* borrowed from the catalog */
    char *alias;             /* FROM ... AS alias (or the view name) */
} sl_source;

/* ---- window functions ---- */

typedef enum {
    SL_WF_ROW_NUMBER, SL_WF_RANK, SL_WF_DENSE_RANK, SL_WF_PERCENT_RANK, SL_WF_CUME_DIST,
    SL_WF_NTILE, SL_WF_LAG, SL_WF_LEAD, SL_WF_FIRST_VALUE, SL_WF_LAST_VALUE, SL_WF_NTH_VALUE,
    SL_WF_SUM, SL_WF_AVG, SL_WF_MIN, SL_WF_MAX, SL_WF_COUNT, SL_WF_COUNT_STAR,
} sl_winfn;

typedef enum {
    SL_FB_UNBOUNDED_PRECEDING, SL_FB_PRECEDING, SL_FB_CURRENT_ROW, SL_FB_FOLLOWING,
    SL_FB_UNBOUNDED_FOLLOWING,
} sl_frame_bound;

/* A window frame. The default (no frame clause) is RANGE BETWEEN UNBOUNDED PRECEDING AND
 * CURRENT ROW: the partition's rows up to the current row's last peer (all of them without
 * ORDER BY). ROWS offsets count rows; RANGE offsets are distances on the one ORDER BY key:
 * start_n / end_n in the key's own units for BIGINT (days for DATE, microseconds for
 * TIMESTAMP: INTERVALs), start_f / end_f for DOUBLE. */
typedef struct sl_win_frame {
    bool rows;
    sl_frame_bound start, end;
    int64_t start_n, end_n;
    double start_f, end_f;
} sl_win_frame;

/* One window function call: fn(args) OVER (PARTITION BY part ORDER BY order frame). */
typedef struct sl_win {
    sl_winfn fn;
    sl_expr *arg;            /* the value argument (lag/lead/first/last/nth/aggregates), or NULL */
    sl_expr *def;            /* lag/lead default, or NULL (= NULL) */
    int64_t param;           /* ntile buckets, lag/lead offset, nth_value's n */
    int n_part;
    sl_expr **part;
    int n_order;
    sl_expr **order;
    bool *order_desc;
    bool *order_nulls_first;
    sl_win_frame frame;
    sl_type type;            /* result type */
    char *text;              /* the call as written */
} sl_win;

/* ---- a bound query ---- */

typedef struct sl_query {
    sl_source src;
    sl_expr *where;          /* over L0, or NULL */

    bool has_agg;            /* GROUP BY, aggregates or DISTINCT present */
    int n_groups;
    sl_expr **groups;        /* over L0 */
    int n_aggs;
    sl_agg *aggs;            /* args over L0 */
    sl_expr *having;         /* over L1, or NULL */
    int n_wins;
    sl_win *wins;            /* over L1 if has_agg else L0 */
    sl_expr *qualify;        /* over L2, or NULL */

    int n_outs;
    sl_expr **outs;          /* over L1 if has_agg else L0 */
    char **out_names;        /* result column names (alias or expression text) */

    int n_order;
    sl_expr **order;         /* same layout as outs */
    bool *order_desc;
    bool *order_nulls_first; /* DuckDB default: NULLS LAST for ASC and DESC */
    int64_t limit;           /* -1 = none */
    int64_t offset;
} sl_query;

void sl_query_free(struct sl_query **pq);
/* Frees what a window call owns (not w itself). Local. */
void sl_win_clear(sl_win *w);

/* ---- statements ---- */

typedef enum {
    SL_STMT_SELECT,       /* query: results to rank 0, printed */
    SL_STMT_COPY,         /* query TO copy.path */
    SL_STMT_CREATE_VIEW,  /* name AS query (kept unbound, bound at each use) */
    SL_STMT_CREATE_TABLE, /* name AS query: run now, rows kept per rank for later statements */
    SL_STMT_SET,          /* name = value */
    SL_STMT_EXPLAIN,      /* query: print the plan */
} sl_stmt_kind;

typedef struct sl_ast_query sl_ast_query; /* private to src/sql */

typedef struct sl_copy_opts {
    char *path;               /* target directory */
    const sl_format *format;  /* what the part files are written in (a format that can write;
                               * sl_format_default_writer without FORMAT) */
    void *format_opts;        /* its write options (HEADER, ...; owned), NULL = defaults */
    int n_partition;
    char **partition_by;      /* column names of the query's output */
    bool overwrite;           /* OVERWRITE: replace a non-empty target (see exec/copy.h) */
    bool overwrite_or_ignore; /* OVERWRITE_OR_IGNORE: add files beside what is there */
} sl_copy_opts;

typedef struct sl_stmt {
    sl_stmt_kind kind;
    int line, col;            /* where the statement starts in the job file (1-based) */
    char *text;               /* the statement's source text */
    sl_ast_query *query;      /* SELECT, COPY, CREATE VIEW, EXPLAIN */
    char *name;               /* view name, SET name (lower case) */
    char *value;              /* SET value, as text (quotes removed) */
    sl_copy_opts copy;        /* COPY */
    bool analyze;             /* EXPLAIN ANALYZE */
    bool or_replace;          /* CREATE OR REPLACE */
} sl_stmt;

typedef struct sl_job {
    int n_stmts;
    sl_stmt **stmts;
    char *path;               /* job file name for messages */
} sl_job;

/* Session settings that binding and execution read (SET name = value; CLI options). */
typedef struct sl_settings {
    int64_t blocksize;        /* default 64 MB */
    int64_t exchange_round_bytes; /* per-round send cap per rank; default 64 MB */
    int64_t sample_bytes;     /* per rank for inference; default 1 MB */
    int64_t broadcast_threshold; /* a join's build side of at most this many bytes over all
                                  * ranks is broadcast instead of hash-exchanged; default 8 MB */
    int64_t exchange_two_level;       /* 0 auto, 1 on, -1 off (mpi/exchange.h; EXPLAIN) */
    int64_t exchange_two_level_ranks; /* auto: two levels from this many ranks; 0 = default */
    double skew_threshold;    /* a shuffle join's probe key with at least this fraction of the
                               * probe side's rows is heavy (exec/op_exchange.c); 0 = off */
    double heavy_group_threshold; /* a group with at least this share of a holistic
                                   * aggregation's values is split across ranks (0 = never) */
    bool csv_split_count;     /* SET csv_split = 'count': read_csv counts quotes before it
                               * splits, never guesses (io/format.h's sl_fmt_spec) */
} sl_settings;

/* Views by name: borrowed ASTs from the job. */
typedef struct sl_catalog {
    int n;
    char **names;             /* lower case */
    sl_ast_query **queries;
    int n_tables;             /* persisted tables (CREATE TABLE AS), owned by the session */
    sl_table **tables;
} sl_catalog;

#endif
