/*
 * The session and the statement driver: parses a job, then runs its statements in order on
 * every rank (SET, CREATE VIEW, SELECT, COPY, EXPLAIN). Every statement ends at an agreement
 * point, so all ranks leave a failed job together with the same error.
 * Collective over the session's communicator unless noted.
 */
#include "session/session_int.h"

#include "exec/exec.h"
#include "plan/planner.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "batch/borrow.h"
#include "core/budget.h"
#include "core/fault.h"
#include "core/mem.h"
#include "core/signals.h"
#include "core/size.h"
#include "exec/copy.h"
#include "spill/colstore.h"
#include "exec/print.h"
#include "session/resume.h"
#include "io/format.h"
#include "core/ctx.h"
#include "plan/explain.h"
#include "mpi/agree.h"
#include "mpi/exchange.h"
#include "obs/metrics.h"
#include "spill/spill.h"

#define DEFAULT_BLOCKSIZE (64 * 1000 * 1000)
#define DEFAULT_ROUND_BYTES (64 * 1000 * 1000)
#define DEFAULT_SAMPLE_BYTES (1000 * 1000)

void sl_options_init(sl_options *o)
{
    memset(o, 0, sizeof *o);
    o->lock_wait_s = -1;
}

int sl_session_new(MPI_Comm comm, const sl_options *opts, sl_session **out)
{
    sl_session *s = sl_xcalloc(1, sizeof *s);
    MPI_Comm_dup(comm, &s->comm);
    MPI_Comm_rank(s->comm, &s->rank);
    MPI_Comm_size(s->comm, &s->size);
    sl_err_set_rank(s->rank);
    s->ctx.rank = s->rank;
    sl_budget_default(&s->ctx.budget);
    s->ctx.spill = sl_spill_new(s->rank);
    s->opts = *opts;
    s->out = opts->out ? opts->out : stdout;
    s->settings.blocksize = opts->blocksize > 0 ? opts->blocksize : DEFAULT_BLOCKSIZE;
    s->settings.exchange_round_bytes =
        opts->exchange_round_bytes > 0 ? opts->exchange_round_bytes : DEFAULT_ROUND_BYTES;
    s->settings.sample_bytes = DEFAULT_SAMPLE_BYTES;
    s->settings.broadcast_threshold = 8 * 1024 * 1024;
    s->settings.skew_threshold = 0.05;
    s->settings.heavy_group_threshold = 0.1;
    s->params.n = opts->n_params;
    s->params.names = (char **)opts->param_names;
    s->params.values = (char **)opts->param_values;
    /* The output format of SELECT results: a table, or a format that can write. A name that
     * is neither fails every run of the session (sl_session_run_n says why). */
    if (opts->format && strcasecmp(opts->format, "table") != 0) {
        const sl_format *f = sl_format_find(opts->format);
        s->print_fmt = f && (f->caps & SL_FMT_WRITE) ? f : NULL;
        s->bad_print_fmt = s->print_fmt == NULL;
    }
    sl_err_clear(&s->err);
    *out = s;
    return 0;
}

/* "SELECT", "CREATE TABLE", ... for messages and metrics. */
static const char *stmt_kind_name(const sl_stmt *st)
{
    switch (st->kind) {
    case SL_STMT_SELECT: return "SELECT";
    case SL_STMT_COPY: return "COPY";
    case SL_STMT_CREATE_VIEW: return "CREATE VIEW";
    case SL_STMT_CREATE_TABLE: return "CREATE TABLE";
    case SL_STMT_SET: return "SET";
    case SL_STMT_EXPLAIN: return st->analyze ? "EXPLAIN ANALYZE" : "EXPLAIN";
    }
    return "?";
}

static void table_free(sl_table **pt)
{
    if (!pt || !*pt)
        return;
    sl_table *t = *pt;
    for (int i = 0; i < t->n_cols; i++)
        sl_free(t->col_names[i]);
    sl_free(t->col_names);
    sl_free(t->col_types);
    sl_colstore_free(&t->rows);
    sl_free(t->name);
    sl_free(t);
    *pt = NULL;
}

static void catalog_clear(sl_catalog *c)
{
    for (int i = 0; i < c->n; i++)
        sl_free(c->names[i]);
    sl_free(c->names);
    sl_free(c->queries);
    for (int i = 0; i < c->n_tables; i++)
        if (!c->tables[i]->borrowed) /* registered tables belong to the session */
            table_free(&c->tables[i]);
    sl_free(c->tables);
    memset(c, 0, sizeof *c);
}

/* Frees a registered table: its names and types, and the record of the borrowed arrays
 * (never the arrays). Local. */
static void registered_free(sl_table **pt)
{
    if (!pt || !*pt)
        return;
    sl_borrowed *b = (sl_borrowed *)(*pt)->borrowed;
    sl_borrowed_free(&b);
    (*pt)->borrowed = NULL;
    table_free(pt);
}

void sl_session_free(sl_session **ps)
{
    if (!ps || !*ps)
        return;
    sl_session *s = *ps;
    catalog_clear(&s->cat);
    for (int i = 0; i < s->n_reg; i++)
        registered_free(&s->reg[i]);
    sl_free(s->reg);
    sl_spill_free(&s->ctx.spill);
    MPI_Comm_free(&s->comm);
    sl_free(s);
    *ps = NULL;
}

const char *sl_session_error(const sl_session *s) { return s->err.msg; }
int sl_session_exit_status(const sl_session *s) { return sl_code_exit(s->err.code); }
int sl_session_error_rank(const sl_session *s) { return s->err.code ? s->err.rank : -1; }

/* ---- statements ---- */

/* Local (every rank applies the same SET). */
/* SET of a fraction of the rows in [0, 1]; 0 or 'off' (which zero_does) stores 0. Local. */
static int set_fraction(const sl_job *job, const sl_stmt *st, double *out, const char *zero_does,
                        sl_err *err)
{
    char *end;
    double v = strtod(st->value, &end);
    if (strcasecmp(st->value, "off") == 0)
        v = 0, end = st->value + 3;
    if (end == st->value || *end || !(v >= 0 && v <= 1))
        return SL_ERR(err, SL_ESQL, "%s:%d:%d: SET %s: '%s' is not a fraction of the rows "
                      "between 0 and 1 (0 or 'off' %s)", job->path, st->line, st->col, st->name,
                      st->value, zero_does);
    *out = v;
    return 0;
}

static int run_set(sl_session *s, const sl_job *job, const sl_stmt *st, sl_err *err)
{
    static const struct { const char *name; size_t off; int64_t min; } knobs[] = {
        {"blocksize", offsetof(sl_settings, blocksize), 1},
        {"exchange_round_bytes", offsetof(sl_settings, exchange_round_bytes), 256},
        {"sample_bytes", offsetof(sl_settings, sample_bytes), 1},
        {"broadcast_threshold", offsetof(sl_settings, broadcast_threshold), 0},
    };
    /* Issue #3: process-wide settings of the budget and spill modules. */
    if (strcasecmp(st->name, "memory_limit") == 0) {
        int64_t v;
        if (!sl_parse_size(st->value, &v) || v <= 0)
            return SL_ERR(err, SL_ESQL, "%s:%d:%d: SET memory_limit: '%s' is not a valid size "
                          "(e.g. '2GB')", job->path, st->line, st->col, st->value);
        sl_budget_set(&s->ctx.budget, v, "SET memory_limit");
        if (s->opts.verbose && s->rank == 0)
            fprintf(stderr, "sluice: %s\n", sl_budget_why(&s->ctx.budget));
        return 0;
    }
    /* DuckDB's session time zone: TIMESTAMPTZ is shown and its calendar fields taken in it.
     * sluice has UTC only (another zone needs its rules, and glibc's TZ is process-wide). */
    if (strcasecmp(st->name, "timezone") == 0) {
        int64_t off;
        if (!sl_tz_name_offset(st->value, (int64_t)strlen(st->value), &off) || off != 0)
            return SL_ERR(err, SL_ESQL, "%s:%d:%d: SET TimeZone: '%s' is not supported (sluice "
                          "has the UTC session time zone only: 'UTC', 'Etc/UTC', 'GMT')",
                          job->path, st->line, st->col, st->value);
        return 0;
    }
    /* Issue 14: how read_csv finds the rank boundaries (io/format.h's sl_fmt_spec). */
    if (strcasecmp(st->name, "csv_split") == 0) {
        bool count = strcasecmp(st->value, "count") == 0;
        if (!count && strcasecmp(st->value, "guess") != 0)
            return SL_ERR(err, SL_ESQL, "%s:%d:%d: SET csv_split: '%s' is not one of 'guess', "
                          "'count'", job->path, st->line, st->col, st->value);
        s->settings.csv_split_count = count;
        return 0;
    }
    if (strcasecmp(st->name, "spill_dir") == 0) {
        sl_spill_set_base(s->ctx.spill, st->value);
        return 0;
    }
    /* Issue #16: how exchanges route. The exchange reads the context, EXPLAIN the settings. */
    if (strcasecmp(st->name, "exchange_two_level") == 0) {
        int m = strcasecmp(st->value, "auto") == 0 ? 0 : strcasecmp(st->value, "on") == 0 ? 1 :
                strcasecmp(st->value, "off") == 0 ? -1 : 2;
        if (m == 2)
            return SL_ERR(err, SL_ESQL, "%s:%d:%d: SET exchange_two_level: '%s' is not one of "
                          "'auto', 'on', 'off'", job->path, st->line, st->col, st->value);
        s->settings.exchange_two_level = s->ctx.xchg_two_level = m;
        return 0;
    }
    if (strcasecmp(st->name, "exchange_two_level_ranks") == 0 ||
        strcasecmp(st->name, "exchange_node_ranks") == 0) {
        char *end;
        long v = strtol(st->value, &end, 10);
        if (end == st->value || *end || v < 1 || v > 1000000000)
            return SL_ERR(err, SL_ESQL, "%s:%d:%d: SET %s: '%s' is not a rank count (1 or more)",
                          job->path, st->line, st->col, st->name, st->value);
        if (strcasecmp(st->name, "exchange_node_ranks") == 0) {
            s->ctx.xchg_node_ranks = (int)v;
        } else {
            s->settings.exchange_two_level_ranks = v;
            s->ctx.xchg_two_level_ranks = (int)v;
        }
        return 0;
    }
    /* Issue #12: a shuffle join's heavy probe keys (exec/op_exchange.c); issue #11: which
     * groups of a median or quantile are split across ranks (exec/agg_heavy.c). */
    if (strcasecmp(st->name, "skew_threshold") == 0)
        return set_fraction(job, st, &s->settings.skew_threshold, "turns skew handling off",
                            err);
    if (strcasecmp(st->name, "heavy_group_threshold") == 0)
        return set_fraction(job, st, &s->settings.heavy_group_threshold,
                            "never splits a group", err);
    for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++) {
        if (strcasecmp(st->name, knobs[i].name) != 0)
            continue;
        int64_t v;
        if (!sl_parse_size(st->value, &v) || v < knobs[i].min)
            return SL_ERR(err, SL_ESQL, "%s:%d:%d: SET %s: '%s' is not a valid size (e.g. '64MB')",
                          job->path, st->line, st->col, st->name, st->value);
        *(int64_t *)((char *)&s->settings + knobs[i].off) = v;
        return 0;
    }
    return SL_ERR(err, SL_ESQL,
                  "%s:%d:%d: unknown setting \"%s\" (settings: blocksize, exchange_round_bytes, "
                  "sample_bytes, broadcast_threshold, memory_limit, spill_dir, exchange_two_level, "
                  "exchange_two_level_ranks, exchange_node_ranks, skew_threshold, "
                  "heavy_group_threshold, csv_split, TimeZone)", job->path, st->line, st->col,
                  st->name);
}

/* Tables and views share one namespace, as in DuckDB. Local. */
static int catalog_check_name(sl_session *s, const sl_job *job, const sl_stmt *st, bool is_table,
                              sl_err *err)
{
    sl_catalog *c = &s->cat;
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->names[i], st->name) == 0 && is_table)
            return SL_ERR(err, SL_EBIND, "%s:%d:%d: a view named \"%s\" already exists",
                          job->path, st->line, st->col, st->name);
    for (int i = 0; i < c->n_tables; i++)
        if (strcmp(c->tables[i]->name, st->name) == 0 && (!is_table || !st->or_replace))
            return SL_ERR(err, SL_EBIND, "%s:%d:%d: a table named \"%s\" already exists%s",
                          job->path, st->line, st->col, st->name,
                          is_table ? " (use CREATE OR REPLACE TABLE)" : "");
    return 0;
}

/* Local. */
static void run_create_view(sl_session *s, const sl_stmt *st)
{
    sl_catalog *c = &s->cat;
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->names[i], st->name) == 0) {
            c->queries[i] = st->query; /* CREATE OR REPLACE semantics */
            return;
        }
    c->names = sl_xrealloc(c->names, sizeof *c->names * (size_t)(c->n + 1));
    c->queries = sl_xrealloc(c->queries, sizeof *c->queries * (size_t)(c->n + 1));
    c->names[c->n] = sl_xstrdup(st->name);
    c->queries[c->n++] = st->query;
}

/* Plans q for statement st with the given sink. Returns new tree (free with sl_pop_free). */
static sl_pop *plan_for(sl_session *s, const sl_stmt *st, const sl_query *q, sl_sink_kind kind,
                        sl_table *table)
{
    sl_plan_opts o = { kind, &st->copy, table, s->size, sl_budget_limit(&s->ctx.budget) };
    sl_pop *root = NULL;
    sl_err ignore;
    sl_err_clear(&ignore);
    sl_plan_statement(q, &o, &root, &ignore);
    return root;
}

static void exec_init(sl_session *s, sl_exec *x)
{
    memset(x, 0, sizeof *x);
    x->ctx = &s->ctx;
    x->comm = s->comm;
    x->rank = s->rank;
    x->size = s->size;
    x->settings = &s->settings;
    x->metrics = s->metrics;
    x->out = s->out;
    x->print_format = s->print_fmt;
}

static sl_table *table_new(const sl_stmt *st, const sl_query *q)
{
    sl_table *t = sl_xcalloc(1, sizeof *t);
    t->name = sl_xstrdup(st->name);
    t->n_cols = q->n_outs;
    t->col_names = sl_xcalloc((size_t)q->n_outs + 1, sizeof *t->col_names);
    t->col_types = sl_xcalloc((size_t)q->n_outs + 1, sizeof *t->col_types);
    for (int i = 0; i < q->n_outs; i++) {
        t->col_names[i] = sl_xstrdup(q->out_names[i]);
        t->col_types[i] = q->outs[i]->type;
    }
    return t;
}

/* Adds t to the catalog, replacing a table of the same name (CREATE OR REPLACE). Local. */
static void catalog_put_table(sl_session *s, sl_table *t)
{
    sl_catalog *c = &s->cat;
    for (int i = 0; i < c->n_tables; i++)
        if (strcmp(c->tables[i]->name, t->name) == 0) {
            if (!c->tables[i]->borrowed)
                table_free(&c->tables[i]);
            c->tables[i] = t;
            return;
        }
    c->tables = sl_xrealloc(c->tables, sizeof *c->tables * (size_t)(c->n_tables + 1));
    c->tables[c->n_tables++] = t;
    if (s->opts.verbose && s->rank == 0)
        fprintf(stderr, "sluice: table %s created\n", t->name);
}

/* Issue #12: the report and --metrics record the plan as it ran (a join's broadcast choice and
 * its heavy keys are decided at run time). Local (rank 0 records). */
static void plan_as_run(sl_session *s, const sl_pop *root)
{
    if (s->rank != 0 || !(s->opts.report_path || s->opts.metrics_path))
        return;
    char *plan = sl_explain_plan(root, &s->settings, s->size, NULL, NULL);
    sl_metrics_stmt_plan(s->metrics, plan);
    sl_free(plan);
}

/*
 * CREATE [OR REPLACE] TABLE name AS query: runs the query and keeps every rank's result rows
 * in a column store (memory while the budget allows, spill files beyond). The table replaces an
 * older one of the same name only after it was built. Collective.
 */
static int run_create_table(sl_session *s, const sl_stmt *st, sl_query *q, sl_err *err)
{
    sl_table *t = table_new(st, q);
    sl_pop *root = plan_for(s, st, q, SL_SINK_TABLE, t);
    sl_exec x;
    exec_init(s, &x);
    int rc = sl_exec_run(&x, root, err);
    plan_as_run(s, root);
    sl_pop_free(&root);
    if (rc) {
        table_free(&t);
        return rc;
    }
    catalog_put_table(s, t);
    return 0;
}

/* `sluice explain` registers a planned table empty, so later statements can be planned. */
static void register_empty_table(sl_session *s, const sl_stmt *st, const sl_query *q,
                                 sl_err *err)
{
    sl_table *t = table_new(st, q);
    t->rows = sl_colstore_new(&s->ctx, 0);
    sl_colstore_seal(t->rows, err);
    catalog_put_table(s, t);
}

/* ---- in situ: the cursor of sl_session_query ---- */

struct sl_cursor {
    int n_cols;
    sl_column *meta;        /* names (owned) and types */
    sl_column *cur;         /* the batch handed out last */
    sl_batchlist rows;      /* this rank's result batches */
    int next;               /* the next batch of rows */
    int64_t n_rows;         /* rows this rank holds */
    sl_borrow_store store;  /* the arrays of the batch handed out last */
};

/* The result's names and types (the same on every rank). Local. */
static void cursor_set_columns(sl_cursor *c, const sl_query *q)
{
    c->n_cols = q->n_outs;
    c->meta = sl_xcalloc((size_t)q->n_outs + 1, sizeof *c->meta);
    c->cur = sl_xcalloc((size_t)q->n_outs + 1, sizeof *c->cur);
    for (int i = 0; i < q->n_outs; i++) {
        c->meta[i].name = sl_xstrdup(q->out_names[i]);
        c->meta[i].type = sl_borrow_col_type(q->outs[i]->type);
        c->cur[i] = c->meta[i];
    }
}

void sl_cursor_free(sl_cursor **pc)
{
    if (!pc || !*pc)
        return;
    sl_cursor *c = *pc;
    for (int i = 0; i < c->n_cols; i++)
        sl_free((char *)c->meta[i].name);
    sl_free(c->meta);
    sl_free(c->cur);
    for (int i = c->next; i < c->rows.n; i++) /* handed-out batches moved to the store */
        sl_batch_free(&c->rows.b[i]);
    sl_free(c->rows.b);
    sl_borrow_store_free(&c->store);
    sl_free(c);
    *pc = NULL;
}

int sl_cursor_columns(const sl_cursor *c, const sl_column **cols)
{
    *cols = c->meta;
    return c->n_cols;
}

int64_t sl_cursor_rows(const sl_cursor *c) { return c->n_rows; }

int64_t sl_cursor_next(sl_cursor *c, const sl_column **cols)
{
    *cols = c->cur;
    while (c->next < c->rows.n) {
        sl_batch *b = c->rows.b[c->next];
        c->rows.b[c->next++] = NULL;
        if (sl_batch_live(b) == 0) {
            sl_batch_free(&b);
            continue;
        }
        return sl_borrow_export(b, c->cur, &c->store);
    }
    sl_borrow_store_free(&c->store);
    for (int i = 0; i < c->n_cols; i++)
        c->cur[i] = c->meta[i];
    return 0;
}

static int run_select(sl_session *s, const sl_job *job, const sl_stmt *st, sl_query *q,
                      sl_err *err)
{
    sl_pop *root = plan_for(s, st, q, SL_SINK_RESULT, NULL);
    sl_exec x;
    exec_init(s, &x);
    if (s->capture && st == job->stmts[job->n_stmts - 1]) {
        cursor_set_columns(s->capture, q);
        x.capture = &s->capture->rows;
        x.capture_partitioned = (s->capture_flags & SL_QUERY_PARTITIONED) != 0;
    }
    int rc = sl_exec_run(&x, root, err);
    plan_as_run(s, root);
    sl_pop_free(&root);
    if (!rc && s->rank == 0) {
        s->stmt_rows_out = x.rows_out;
        sl_metrics_stmt_rows_out(s->metrics, x.rows_out);
    }
    return rc;
}

/* The files a plan reads (borrowed from its scans' sources). */
typedef struct input_list { const char **v; int n; } input_list;

static void add_inputs(sl_pop *op, void *ctx)
{
    input_list *l = ctx;
    if (op->kind != SL_POP_SCAN || op->u.scan.src->kind != SL_SRC_FORMAT ||
        !op->u.scan.src->fsrc)
        return;
    const sl_fmt_source *src = op->u.scan.src->fsrc;
    int nf = sl_fmt_source_nfiles(src);
    l->v = sl_xrealloc(l->v, sizeof *l->v * (size_t)(l->n + nf + 1));
    for (int i = 0; i < nf; i++)
        l->v[l->n++] = sl_fmt_source_file(src, i);
}

static int run_copy(sl_session *s, const sl_job *job, const sl_stmt *st, sl_query *q,
                    sl_err *err)
{
    /* The fingerprint goes into every manifest, so a later --resume can trust it. */
    int idx = 0;
    while (idx < job->n_stmts && job->stmts[idx] != st)
        idx++;
    char *inputs = NULL, *fp = NULL;
    if (s->rank == 0)
        fp = sl_resume_fingerprint(job, idx, q, &inputs);
    if (s->opts.resume && sl_resume_up_to_date(s->comm, st->copy.path, fp)) {
        if (s->rank == 0)
            fprintf(stderr, "sluice: statement %d (line %d): COPY to '%s' skipped: output up "
                    "to date\n", idx + 1, st->line, st->copy.path);
        sl_free(fp);
        sl_free(inputs);
        return 0;
    }
    sl_pop *root = plan_for(s, st, q, SL_SINK_COPY, NULL);
    /* What keeps COPY from destroying what sluice did not write (see exec/copy.h). */
    sl_copy_guard guard = { .force = s->opts.force != 0, .lock_wait_s = s->opts.lock_wait_s };
    input_list in = {0};
    if (s->rank == 0)
        sl_pop_walk(root, add_inputs, &in);
    guard.inputs = in.v;
    guard.n_inputs = in.n;
    sl_exec x;
    exec_init(s, &x);
    x.copy_guard = &guard;
    x.copy_fp_hash = fp;
    x.copy_fp_inputs = inputs;
    int rc = sl_exec_run(&x, root, err);
    plan_as_run(s, root);
    sl_pop_free(&root);
    sl_free(in.v);
    sl_free(fp);
    sl_free(inputs);
    if (!rc)
        sl_metrics_stmt_rows_out(s->metrics, x.rows_out);
    if (!rc && s->opts.verbose && s->rank == 0)
        fprintf(stderr, "sluice: COPY wrote %lld rows (%lld bytes) to '%s'\n",
                (long long)x.rows_out, (long long)x.bytes_out, st->copy.path);
    return rc;
}

/* The sink a statement's query goes to. */
static sl_sink_kind sink_kind_of(const sl_stmt *st)
{
    switch (st->kind) {
    case SL_STMT_COPY: return SL_SINK_COPY;
    case SL_STMT_CREATE_TABLE: return SL_SINK_TABLE;
    default: return SL_SINK_RESULT;
    }
}

/* The plan of statement st as EXPLAIN prints it (new; free with sl_free). Local. */
static char *plan_text(sl_session *s, const sl_stmt *st, const sl_query *q)
{
    sl_table *t = st->kind == SL_STMT_CREATE_TABLE ? table_new(st, q) : NULL;
    sl_pop *root = plan_for(s, st, q, sink_kind_of(st), t);
    char *plan = sl_explain_plan(root, &s->settings, s->size, NULL, NULL);
    sl_pop_free(&root);
    table_free(&t);
    return plan;
}

static int run_explain(sl_session *s, const sl_stmt *st, sl_query *q)
{
    if (s->rank != 0)
        return 0;
    char *plan = plan_text(s, st, q);
    fprintf(s->out, "-- %s at line %d%s%s\n", stmt_kind_name(st), st->line,
            st->kind == SL_STMT_COPY ? " to " : "",
            st->kind == SL_STMT_COPY ? st->copy.path : "");
    fputs(plan, s->out);
    fflush(s->out);
    sl_free(plan);
    return 0;
}

/* EXPLAIN ANALYZE: runs the query (its rows are counted, not printed), gathers the metrics
 * and prints the plan with per-operator figures on rank 0. Collective. */
static int run_analyze(sl_session *s, const sl_stmt *st, sl_query *q, sl_err *err)
{
    sl_pop *root = plan_for(s, st, q, SL_SINK_COUNT, NULL);
    sl_exec x;
    exec_init(s, &x);
    double t0 = MPI_Wtime();
    int rc = sl_exec_run(&x, root, err);
    sl_metrics_stmt_rows_out(s->metrics, x.rows_out);
    sl_metrics_stmt_gather(s->metrics);
    if (!rc && s->rank == 0) {
        char *plan = sl_explain_plan(root, &s->settings, s->size, sl_metrics_explain_op,
                                     s->metrics);
        char *tot = sl_metrics_explain_totals(s->metrics);
        fprintf(s->out, "-- EXPLAIN ANALYZE at line %d: %lld result row(s) in %.3f s on %d "
                "rank(s)\n%s%s", st->line, (long long)x.rows_out, MPI_Wtime() - t0, s->size,
                plan, tot);
        fflush(s->out);
        sl_metrics_stmt_plan(s->metrics, plan);
        sl_free(plan);
        sl_free(tot);
    }
    sl_pop_free(&root);
    return rc;
}

/* Every rank's texts (NUL-terminated, one after another in mine) to all ranks: *all new,
 * *n their count. Collective. */
static void allgather_texts(sl_session *s, const sl_buf *mine, int n_mine, char **all, int *n)
{
    int len = (int)mine->len, *lens = sl_xcalloc((size_t)s->size, sizeof *lens);
    int *offs = sl_xcalloc((size_t)s->size, sizeof *offs), total = 0;
    MPI_Allgather(&len, 1, MPI_INT, lens, 1, MPI_INT, s->comm);
    for (int r = 0; r < s->size; r++) {
        offs[r] = total;
        total += lens[r];
    }
    *all = sl_xmalloc((size_t)total + 1);
    MPI_Allgatherv(mine->data, len, MPI_CHAR, *all, lens, offs, MPI_CHAR, s->comm);
    MPI_Allreduce(&n_mine, n, 1, MPI_INT, MPI_SUM, s->comm);
    sl_free(lens);
    sl_free(offs);
}

/*
 * PIVOT without IN (issue 12): for each such PIVOT the statement reaches, runs SELECT DISTINCT
 * col FROM its source into a table held per rank (the distinct found through the exchange,
 * the data never gathered), then allgathers the values alone as text, so every rank adds the
 * same columns before binding (sql/pivot_values.c). `sluice explain` reads no data: the
 * binder refuses such a PIVOT there. Collective.
 */
static int resolve_pivots(sl_session *s, const sl_job *job, const sl_stmt *st, sl_err *err)
{
    if (s->opts.explain_only || !st->query)
        return 0;
    sl_ast_query **pv = NULL;
    int n = sl_sql_pivots(st->query, &s->cat, &pv), rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        sl_ast_query *vq = sl_sql_pivot_values_query(pv[i]);
        const sl_fmt_call **calls = NULL;
        int n_calls = sl_sql_calls(vq, &s->cat, &calls);
        sl_fmt_env env = { s->settings.blocksize, s->settings.sample_bytes, &s->spec };
        sl_fmt_sources *srcs = NULL;
        sl_query *q = NULL;
        sl_table t = {0};
        rc = sl_fmt_sources_open(s->comm, job->path, calls, n_calls, &env, &srcs, err);
        sl_free(calls);
        if (!rc)
            rc = sl_sql_bind(job, vq, &s->cat, srcs, &q, err);
        rc = sl_agree(s->comm, err);
        if (!rc) {
            t.n_cols = 1;
            t.col_names = q->out_names;
            t.col_types = &q->outs[0]->type;
            sl_pop *root = plan_for(s, st, q, SL_SINK_TABLE, &t);
            sl_exec x;
            exec_init(s, &x);
            rc = sl_exec_run(&x, root, err);
            sl_pop_free(&root);
        }
        if (!rc) {
            sl_buf mine;
            sl_buf_init(&mine);
            int n_mine = 0;
            sl_colstore_cursor cur;
            sl_colstore_cursor_init(&cur);
            sl_batch *b = NULL;
            while (!rc && !(rc = sl_colstore_scan_next(t.rows, &cur, NULL, 0, &b, err)) && b) {
                for (int64_t k = 0; k < sl_batch_live(b); k++) {
                    sl_value v;
                    sl_vec_get_value(b->cols[0], sl_batch_row(b, k), &v);
                    sl_format_value(&mine, &v);
                    sl_buf_putc(&mine, '\0');
                    n_mine++;
                }
                sl_batch_free(&b);
            }
            rc = sl_agree(s->comm, err);
            char *all = NULL;
            int n_all = 0;
            if (!rc)
                allgather_texts(s, &mine, n_mine, &all, &n_all);
            char **texts = sl_xcalloc((size_t)n_all + 1, sizeof *texts);
            for (int k = 0, off = 0; k < n_all; k++) {
                texts[k] = all + off;
                off += (int)strlen(all + off) + 1;
            }
            if (!rc)
                rc = sl_sql_pivot_set_values(pv[i], q->outs[0]->type, texts, n_all, err);
            sl_free(texts);
            sl_free(all);
            sl_buf_free(&mine);
        }
        sl_colstore_free(&t.rows);
        sl_fmt_sources_finish(s->comm, srcs, err);
        sl_query_free(&q);
        sl_fmt_sources_free(&srcs);
        sl_sql_pivot_values_query_free(&vq);
    }
    sl_free(pv);
    return rc;
}

/*
 * Opens the table functions the statement's query reaches (through views and subqueries),
 * then binds the query over them: the binder only looks sources up. Every rank opens the same
 * calls in the same order; open errors are agreed, and bind is local and the same on every
 * rank. *srcs (new, also on error) outlives *q; free it after the query. Collective.
 */
static int open_and_bind(sl_session *s, const sl_job *job, const sl_stmt *st,
                         sl_fmt_sources **srcs, sl_query **q, sl_err *err)
{
    if (resolve_pivots(s, job, st, err))
        return err->code;
    const sl_fmt_call **calls = NULL;
    int n = sl_sql_calls(st->query, &s->cat, &calls);
    /* A statement that reads no rows (EXPLAIN without ANALYZE) has no scan to check a
     * speculative split: its sources count quotes (the types they infer come from samples
     * read at the split's starts). */
    bool reads = !s->opts.explain_only && (st->kind != SL_STMT_EXPLAIN || st->analyze);
    sl_fmt_env env = { s->settings.blocksize, s->settings.sample_bytes,
                       reads ? &s->spec : NULL };
    int rc = sl_fmt_sources_open(s->comm, job->path, calls, n, &env, srcs, err);
    sl_free(calls);
    if (!rc)
        rc = sl_sql_bind(job, st->query, &s->cat, *srcs, q, err);
    return rc;
}

/* Issue #4: "rows: read R, rejected J, written W" for one statement on rank 0 (-v): W is
 * the rows COPY wrote or the rows of a SELECT's result. Collective. */
static void print_rows(sl_session *s, const sl_counters *c0)
{
    int64_t mine[3] = {s->ctx.ctr.rows_read - c0->rows_read, s->ctx.ctr.rows_rejected -
                       c0->rows_rejected, s->ctx.ctr.rows_written - c0->rows_written}, tot[3];
    MPI_Reduce(mine, tot, 3, MPI_INT64_T, MPI_SUM, 0, s->comm);
    if (s->rank == 0)
        fprintf(stderr, "sluice: rows: read %lld, rejected %lld, written %lld\n",
                (long long)tot[0], (long long)tot[1],
                (long long)(s->stmt_rows_out >= 0 ? s->stmt_rows_out : tot[2]));
}

static int run_stmt(sl_session *s, const sl_job *job, const sl_stmt *st, sl_err *err)
{
    switch (st->kind) {
    case SL_STMT_SET:
        return run_set(s, job, st, err);
    case SL_STMT_CREATE_VIEW:
        if (catalog_check_name(s, job, st, false, err))
            return err->code;
        run_create_view(s, st);
        return 0;
    case SL_STMT_CREATE_TABLE:
        if (catalog_check_name(s, job, st, true, err))
            return err->code;
        break;
    default:
        break;
    }
    sl_query *q = NULL;
    sl_fmt_sources *srcs = NULL;
    int rc = open_and_bind(s, job, st, &srcs, &q, err);
    sl_signals_check(err);     /* a safe point: before the statement's work starts */
    rc = sl_agree(s->comm, err);
    if (!rc && s->rank == 0 && (s->opts.report_path || s->opts.metrics_path)) {
        /* The plan for the report: the tree that runs (EXPLAIN ANALYZE replaces it with the
         * annotated one). */
        char *plan = plan_text(s, st, q);
        sl_metrics_stmt_plan(s->metrics, plan);
        sl_free(plan);
    }
    if (!rc) {
        if (st->kind == SL_STMT_EXPLAIN || s->opts.explain_only) {
            if (st->kind == SL_STMT_EXPLAIN && st->analyze && !s->opts.explain_only)
                rc = run_analyze(s, st, q, err);
            else
                rc = run_explain(s, st, q);
            if (!rc && st->kind == SL_STMT_CREATE_TABLE)
                register_empty_table(s, st, q, err);
        } else if (st->kind == SL_STMT_SELECT) {
            rc = run_select(s, job, st, q, err);
        } else if (st->kind == SL_STMT_CREATE_TABLE) {
            rc = run_create_table(s, st, q, err);
        } else {
            rc = run_copy(s, job, st, q, err);
        }
    }
    /* The formats' end of the statement (read_csv: merge the rejects files), also after a
     * failure. Every rank gets here after an agreement point. */
    sl_fmt_sources_finish(s->comm, srcs, err);
    sl_query_free(&q);
    sl_fmt_sources_free(&srcs);
    return rc;
}

/*
 * Whether the statement's agreed error rc may come from a wrong speculative split
 * (io/format.h), so that it runs again without guessing: a guess is unconfirmed, and the
 * error came from the rows a speculative scan read (anything but a stop signal: bad rows,
 * values, a giant field's memory, spill space), or from the binder's types, which a guess
 * sniffed from its rows. An error before any scan that is not the binder's (COPY's target
 * checks, its lock) does not depend on the guess. rc and pending are agreed, and read is
 * reduced here: every rank decides alike. Collective.
 */
static bool spec_retry(const sl_session *s, int rc)
{
    if (!rc || rc == SL_EINTR || s->spec.pending == 0)
        return false;
    int read = s->spec.read, any;
    MPI_Allreduce(&read, &any, 1, MPI_INT, MPI_LOR, s->comm);
    return any || rc == SL_ESQL || rc == SL_EBIND;
}

/*
 * Runs a statement and agrees on its error. An error that may come from a wrong speculative
 * input split (spec_retry; a failed check at a scan's end is one) makes the statement run
 * once more without guessing (a failed statement leaves nothing behind: COPY commits and
 * CREATE TABLE registers only at its end) and meet the same injected faults; that run's
 * error, if any, is the statement's, with its line numbers. Its rows count once. Collective.
 */
static int run_stmt_agreed(sl_session *s, const sl_job *job, int idx, sl_err *err)
{
    const sl_stmt *st = job->stmts[idx];
    sl_counters c0 = s->ctx.ctr;
    sl_fault_marks marks;
    sl_fault_mark(&marks);
    s->stmt_rows_out = -1;
    s->spec = (sl_fmt_spec){ .allow = !s->settings.csv_split_count && !s->spec_wrong };
    run_stmt(s, job, st, err);
    sl_signals_check(err);
    int rc = sl_agree(s->comm, err);
    if (spec_retry(s, rc)) {
        if (s->opts.verbose && s->rank == 0)
            fprintf(stderr, "sluice: statement %d (line %d): its input split is not confirmed "
                    "(%s); running it again with the quotes counted first, as the rest of "
                    "the job will\n", idx + 1, st->line, err->msg);
        s->spec_wrong = true;
        sl_err_clear(err);
        s->ctx.ctr.rows_read = c0.rows_read;
        s->ctx.ctr.rows_rejected = c0.rows_rejected;
        s->ctx.ctr.rows_written = c0.rows_written;
        s->ctx.ctr.bytes_written = c0.bytes_written;
        s->stmt_rows_out = -1;
        s->spec = (sl_fmt_spec){ .allow = false };
        sl_fault_rewind(&marks);
        run_stmt(s, job, st, err);
        sl_signals_check(err);
        rc = sl_agree(s->comm, err);
    }
    s->spec = (sl_fmt_spec){ 0 };
    return rc;
}

int sl_session_run(sl_session *s, const char *job_text, const char *job_path)
{
    return sl_session_run_n(s, job_text, job_text ? (int64_t)strlen(job_text) : 0, job_path);
}

int sl_session_run_n(sl_session *s, const char *job_text, int64_t len, const char *job_path)
{
    sl_err *err = &s->err;
    sl_err_clear(err);
    if (s->bad_print_fmt) {
        sl_buf can;
        sl_buf_init(&can);
        sl_format_names(&can, NULL, SL_FMT_WRITE, false, ", ");
        SL_ERR(err, SL_EUSAGE, "output format '%s' is neither table nor a format that can "
               "write (%s)", s->opts.format, sl_buf_cstr(&can));
        sl_buf_free(&can);
    }
    s->spec_wrong = false;
    sl_job *job = NULL;
    sl_sql_parse_job_n(job_text, len, job_path, &s->params, &job, err);
    if (!err->code && s->capture &&
        (job->n_stmts == 0 || job->stmts[job->n_stmts - 1]->kind != SL_STMT_SELECT))
        SL_ERR(err, SL_EUSAGE, "%s: the last statement of a query must be a SELECT (its "
               "result goes to the cursor)", job_path);
    /* The registered tables are in the catalog of every run (the same on every rank). */
    if (s->n_reg) {
        sl_catalog *c = &s->cat;
        c->tables = sl_xrealloc(c->tables, sizeof *c->tables * (size_t)(c->n_tables + s->n_reg));
        for (int i = 0; i < s->n_reg; i++)
            c->tables[c->n_tables++] = s->reg[i];
    }
    /* Issue #3: the budget is chosen per run (collective); -v says which rule chose it. */
    sl_spill_set_base(s->ctx.spill, s->opts.spill_dir);
    sl_budget_init(&s->ctx.budget, s->comm, s->opts.memory_limit, err);
    if (!err->code && s->opts.verbose && s->rank == 0)
        fprintf(stderr, "sluice: %s\n", sl_budget_why(&s->ctx.budget));
    int rc = sl_agree(s->comm, err);
    /* Issue #5: metrics, progress and the end-of-run summary (src/obs). */
    sl_obs_opts oo = { s->opts.quiet, s->opts.progress, s->opts.metrics_path,
                       s->opts.report_path, job_path };
    s->metrics = sl_metrics_new(s->comm, &s->ctx, &oo);
    for (int i = 0; !rc && i < job->n_stmts; i++) {
        double t0 = MPI_Wtime();
        const sl_stmt *sti = job->stmts[i];
        sl_metrics_stmt_begin(s->metrics, i + 1, sti->line, stmt_kind_name(sti));
        sl_counters c0 = s->ctx.ctr;
        rc = run_stmt_agreed(s, job, i, err);
        if (!rc && s->opts.verbose && (sti->kind == SL_STMT_SELECT || sti->kind == SL_STMT_COPY))
            print_rows(s, &c0);
        sl_metrics_stmt_end(s->metrics, rc ? err->msg : NULL);
        if (!rc && s->opts.verbose && s->rank == 0)
            fprintf(stderr, "sluice: statement %d (line %d) done in %.3f s\n", i + 1,
                    job->stmts[i]->line, MPI_Wtime() - t0);
    }
    /* Views point into the job's ASTs, which die with it; tables and their spill files go
     * with the run too. */
    catalog_clear(&s->cat);
    sl_job_free(&job);
    /* Every rank gets here, also after a failure: summary, metrics and report files. */
    const char *why = "";
    if (sl_metrics_finish(s->metrics, &why) && !rc)
        SL_ERR(err, SL_EIO, "%s", why);
    if (!rc)
        rc = sl_agree(s->comm, err);
    sl_metrics_free(&s->metrics);
    /* Every rank gets here, also after a failure: report spill volume, drop the spill dir. */
    sl_spill_report(&s->ctx, s->comm, s->opts.verbose);
    sl_exchange_report(&s->ctx, s->comm, s->opts.verbose);
    sl_spill_cleanup(s->ctx.spill);
    return rc;
}

/* ---- in situ: registered tables and queries ---- */

/* "name(col TYPE, ...)" of a table, for comparing ranks and for messages. Local. */
static void schema_text(sl_buf *b, const char *name, const sl_borrowed *bt)
{
    sl_buf_printf(b, "%s(", name);
    for (int i = 0; bt && i < bt->n_cols; i++)
        sl_buf_printf(b, "%s%s %s", i ? ", " : "", bt->cols[i].name,
                      sl_type_name(sl_borrow_sql_type(bt->cols[i].type)));
    sl_buf_puts(b, ")");
}

int sl_session_register_columns(sl_session *s, const char *name, int n_cols,
                                const sl_column *cols, int64_t n_rows)
{
    sl_err *err = &s->err;
    sl_err_clear(err);
    sl_borrowed *bt = NULL;
    if (!name || !*name)
        SL_ERR(err, SL_EUSAGE, "sl_session_register_columns: the table needs a name");
    else
        bt = sl_borrowed_new(n_cols, cols, n_rows, err);
    if (err->code && name && *name) {
        /* Say which table: the message is agreed, so every rank reads it. */
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        SL_ERR(err, err->code, "registering table \"%s\": %s", name, msg);
    }
    /* Every rank registers the same schema: rank 0's is the reference. */
    sl_buf mine;
    sl_buf_init(&mine);
    schema_text(&mine, name ? name : "", bt);
    long long len = (long long)mine.len;
    MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, s->comm);
    char *ref = sl_xmalloc((size_t)len + 1);
    if (s->rank == 0)
        memcpy(ref, sl_buf_cstr(&mine), (size_t)len);
    MPI_Bcast(ref, (int)len, MPI_CHAR, 0, s->comm);
    ref[len] = 0;
    if (!err->code && strcmp(ref, sl_buf_cstr(&mine)) != 0)
        SL_ERR(err, SL_EUSAGE, "rank %d registers %s, but rank 0 registers %s: every rank "
               "registers the same table name, column names and types", s->rank,
               sl_buf_cstr(&mine), ref);
    sl_free(ref);
    sl_buf_free(&mine);
    int rc = sl_agree(s->comm, err);
    if (rc) {
        sl_borrowed_free(&bt);
        return rc;
    }
    sl_table *t = sl_xcalloc(1, sizeof *t);
    t->name = sl_xstrdup(name);
    t->n_cols = n_cols;
    t->col_names = sl_xcalloc((size_t)n_cols + 1, sizeof *t->col_names);
    t->col_types = sl_xcalloc((size_t)n_cols + 1, sizeof *t->col_types);
    for (int i = 0; i < n_cols; i++) {
        t->col_names[i] = sl_xstrdup(bt->cols[i].name);
        t->col_types[i] = sl_borrow_sql_type(bt->cols[i].type);
    }
    t->borrowed = bt;
    for (int i = 0; i < s->n_reg; i++)
        if (strcmp(s->reg[i]->name, name) == 0) {
            registered_free(&s->reg[i]);
            s->reg[i] = t;
            return 0;
        }
    s->reg = sl_xrealloc(s->reg, sizeof *s->reg * (size_t)(s->n_reg + 1));
    s->reg[s->n_reg++] = t;
    return 0;
}

int sl_session_unregister(sl_session *s, const char *name)
{
    sl_err_clear(&s->err);
    for (int i = 0; name && i < s->n_reg; i++)
        if (strcmp(s->reg[i]->name, name) == 0) {
            registered_free(&s->reg[i]);
            s->reg[i] = s->reg[--s->n_reg];
            break;
        }
    return sl_agree(s->comm, &s->err);
}

int sl_session_query(sl_session *s, const char *sql, int flags, sl_cursor **out)
{
    *out = NULL;
    if (flags & ~SL_QUERY_PARTITIONED) {
        sl_err_clear(&s->err);
        SL_ERR(&s->err, SL_EUSAGE, "sl_session_query: unknown flags %#x",
               (unsigned)(flags & ~SL_QUERY_PARTITIONED));
        return sl_agree(s->comm, &s->err);
    }
    sl_cursor *c = sl_xcalloc(1, sizeof *c);
    sl_batchlist_init(&c->rows);
    s->capture = c;
    s->capture_flags = flags;
    int rc = sl_session_run(s, sql, "<query>");
    s->capture = NULL;
    if (rc) {
        sl_cursor_free(&c);
        *out = NULL;
        return rc;
    }
    c->n_rows = sl_batchlist_rows(&c->rows);
    *out = c;
    return 0;
}
