/*
 * The session and the statement driver: parses a job, then runs its statements in order on
 * every rank (SET, CREATE VIEW, SELECT, COPY, EXPLAIN). Every statement ends at an agreement
 * point, so all ranks leave a failed job together with the same error.
 * Collective over the session's communicator unless noted.
 */
#include "exec/session_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "core/size.h"
#include "exec/copy.h"
#include "exec/print.h"
#include "plan/explain.h"
#include "mpi/agree.h"
#include "mpi/exchange.h"

#define DEFAULT_BLOCKSIZE (64 * 1000 * 1000)
#define DEFAULT_ROUND_BYTES (64 * 1000 * 1000)
#define DEFAULT_SAMPLE_BYTES (1000 * 1000)

void sl_options_init(sl_options *o)
{
    memset(o, 0, sizeof *o);
}

int sl_session_new(MPI_Comm comm, const sl_options *opts, sl_session **out)
{
    sl_session *s = sl_xcalloc(1, sizeof *s);
    MPI_Comm_dup(comm, &s->comm);
    MPI_Comm_rank(s->comm, &s->rank);
    MPI_Comm_size(s->comm, &s->size);
    sl_err_set_rank(s->rank);
    s->opts = *opts;
    s->out = opts->out ? opts->out : stdout;
    s->settings.blocksize = opts->blocksize > 0 ? opts->blocksize : DEFAULT_BLOCKSIZE;
    s->settings.exchange_round_bytes =
        opts->exchange_round_bytes > 0 ? opts->exchange_round_bytes : DEFAULT_ROUND_BYTES;
    s->settings.sample_bytes = DEFAULT_SAMPLE_BYTES;
    s->params.n = opts->n_params;
    s->params.names = (char **)opts->param_names;
    s->params.values = (char **)opts->param_values;
    sl_err_clear(&s->err);
    *out = s;
    return 0;
}

static void catalog_clear(sl_catalog *c)
{
    for (int i = 0; i < c->n; i++)
        sl_free(c->names[i]);
    sl_free(c->names);
    sl_free(c->queries);
    memset(c, 0, sizeof *c);
}

void sl_session_free(sl_session **ps)
{
    if (!ps || !*ps)
        return;
    sl_session *s = *ps;
    catalog_clear(&s->cat);
    MPI_Comm_free(&s->comm);
    sl_free(s);
    *ps = NULL;
}

const char *sl_session_error(const sl_session *s) { return s->err.msg; }
int sl_session_exit_status(const sl_session *s) { return sl_code_exit(s->err.code); }
int sl_session_error_rank(const sl_session *s) { return s->err.code ? s->err.rank : -1; }

/* ---- statements ---- */

/* Local (every rank applies the same SET). */
static int run_set(sl_session *s, const sl_job *job, const sl_stmt *st, sl_err *err)
{
    static const struct { const char *name; size_t off; int64_t min; } knobs[] = {
        {"blocksize", offsetof(sl_settings, blocksize), 1},
        {"exchange_round_bytes", offsetof(sl_settings, exchange_round_bytes), 256},
        {"sample_bytes", offsetof(sl_settings, sample_bytes), 1},
    };
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
                  "sample_bytes)", job->path, st->line, st->col, st->name);
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

static sl_type *out_types(const sl_query *q)
{
    sl_type *t = sl_xcalloc((size_t)q->n_outs + 1, sizeof *t);
    for (int i = 0; i < q->n_outs; i++)
        t[i] = q->outs[i]->type;
    return t;
}

static int run_select(sl_session *s, sl_query *q, sl_err *err)
{
    sl_batchlist rows, gathered;
    sl_batchlist_init(&rows);
    sl_batchlist_init(&gathered);
    sl_sink collect;
    sl_sink_collect_init(&collect, &rows);
    bool on_root = false;
    int rc = sl_query_exec(s, q, &collect, &on_root, err);
    if (!rc && !on_root) {
        sl_xstats st = {0};
        rc = sl_exchange_gather(s->comm, 0, &rows, s->settings.exchange_round_bytes, &gathered,
                                &st, err);
        if (rc)
            rc = sl_agree(s->comm, err);
    } else {
        gathered = rows;
        sl_batchlist_init(&rows);
    }
    if (!rc && s->rank == 0) {
        sl_type *types = out_types(q);
        sl_print_result(s->out, s->opts.format == SL_OUT_CSV ? SL_PRINT_CSV : SL_PRINT_TABLE,
                        q->n_outs, q->out_names, types, &gathered);
        fflush(s->out);
        sl_free(types);
    }
    sl_batchlist_free(&rows);
    sl_batchlist_free(&gathered);
    return rc;
}

typedef struct copy_sink_ctx { sl_copy *copy; } copy_sink_ctx;

static int copy_push(sl_sink *sink, sl_batch *b, sl_err *err)
{
    copy_sink_ctx *c = sink->ctx;
    int rc = sl_copy_write(c->copy, b, err);
    sl_batch_free(&b);
    return rc;
}

static int run_copy(sl_session *s, const sl_stmt *st, sl_query *q, sl_err *err)
{
    sl_type *types = out_types(q);
    sl_copy *copy = NULL;
    int rc = sl_copy_begin(s->comm, &st->copy, q->n_outs, q->out_names, types, &copy, err);
    if (!rc) {
        copy_sink_ctx ctx = {copy};
        sl_sink sink = {copy_push, &ctx};
        bool on_root;
        sl_query_exec(s, q, &sink, &on_root, err);
    }
    int64_t rows = 0, bytes = 0;
    if (copy)
        rc = sl_copy_finish(&copy, &rows, &bytes, err);
    if (!rc && s->opts.verbose && s->rank == 0)
        fprintf(stderr, "sluice: COPY wrote %lld rows (%lld bytes) to '%s'\n", (long long)rows,
                (long long)bytes, st->copy.path);
    sl_free(types);
    return rc;
}

static int run_explain(sl_session *s, const sl_stmt *st, sl_query *q)
{
    if (s->rank == 0) {
        static const char *const kinds[] = {"SELECT", "COPY", "CREATE VIEW", "SET", "EXPLAIN"};
        char *plan = sl_explain_query(q, &s->settings, s->size);
        fprintf(s->out, "-- %s at line %d%s%s\n", kinds[st->kind], st->line,
                st->kind == SL_STMT_COPY ? " to " : "",
                st->kind == SL_STMT_COPY ? st->copy.path : "");
        fputs(plan, s->out);
        if (st->kind == SL_STMT_COPY) {
            fprintf(s->out, "Sink: every rank writes part-<rank>-<seq>.csv");
            for (int i = 0; i < st->copy.n_partition; i++)
                fprintf(s->out, "%s%s", i ? ", " : " under hive directories by ",
                        st->copy.partition_by[i]);
            fprintf(s->out, "; rank 0 commits (rename + _SUCCESS manifest)\n");
        } else if (st->kind == SL_STMT_SELECT) {
            fprintf(s->out, "Sink: gather to rank 0, print\n");
        }
        fflush(s->out);
        sl_free(plan);
    }
    return 0;
}

static int run_stmt(sl_session *s, const sl_job *job, const sl_stmt *st, sl_err *err)
{
    switch (st->kind) {
    case SL_STMT_SET:
        return run_set(s, job, st, err);
    case SL_STMT_CREATE_VIEW:
        run_create_view(s, st);
        return 0;
    default:
        break;
    }
    sl_query *q = NULL;
    int rc = sl_sql_bind(s->comm, job, st->query, &s->cat, &s->settings, &q, err);
    rc = sl_agree(s->comm, err);
    if (!rc) {
        if (st->kind == SL_STMT_EXPLAIN || s->opts.explain_only) {
            if (st->kind == SL_STMT_EXPLAIN && st->analyze)
                rc = SL_ERR(err, SL_ESQL, "%s:%d:%d: EXPLAIN ANALYZE is not supported yet "
                            "(use EXPLAIN)", job->path, st->line, st->col);
            else
                rc = run_explain(s, st, q);
        } else if (st->kind == SL_STMT_SELECT) {
            rc = run_select(s, q, err);
        } else {
            rc = run_copy(s, st, q, err);
        }
    }
    sl_query_free(&q);
    return rc;
}

int sl_session_run(sl_session *s, const char *job_text, const char *job_path)
{
    sl_err *err = &s->err;
    sl_err_clear(err);
    sl_job *job = NULL;
    sl_sql_parse_job(job_text, job_path, &s->params, &job, err);
    int rc = sl_agree(s->comm, err);
    for (int i = 0; !rc && i < job->n_stmts; i++) {
        double t0 = MPI_Wtime();
        run_stmt(s, job, job->stmts[i], err);
        rc = sl_agree(s->comm, err);
        if (!rc && s->opts.verbose && s->rank == 0)
            fprintf(stderr, "sluice: statement %d (line %d) done in %.3f s\n", i + 1,
                    job->stmts[i]->line, MPI_Wtime() - t0);
    }
    /* Views point into the job's ASTs, which die with it. */
    catalog_clear(&s->cat);
    sl_job_free(&job);
    return rc;
}
