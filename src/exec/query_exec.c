/*
 * Executes one bound query (plan.h) as a pipeline of stages on every rank:
 *
 *   stage 1 (every rank): source (CSV scan of this rank's ranges, or the child query's rows)
 *            -> filter (WHERE) -> partial hash aggregation | projection
 *   exchange: hash on the group keys (MPI_Alltoallv rounds), or all to rank 0 without keys
 *   stage 2 (every rank): final aggregation -> HAVING -> projection
 *   stage 3 (ORDER BY / LIMIT): local top-k, gather to rank 0, sort on rank 0
 *
 * Errors: local failures (bad data on one rank) are recorded and the rank still reaches the
 * next agreement point; each stage ends with sl_agree, so after it every rank has the same
 * error state and may leave together. Collective over s->comm.
 */
#include "exec/session_int.h"

#include <string.h>

#include "core/budget.h"
#include "core/mem.h"
#include "core/signals.h"
#include "exec/agg.h"
#include "exec/func.h"
#include "exec/sort.h"
#include "io/csv.h"
#include "mpi/agree.h"
#include "mpi/exchange.h"
#include "obs/counters.h"
#include "obs/metrics.h"
#include "spill/grace.h"
#include "spill/rowstore.h"

/* ---- sinks ---- */

static int collect_push(sl_sink *sink, sl_batch *b, sl_err *err)
{
    sl_batchlist *l = sink->ctx;
    /* Keep sparse batches small: a selective filter would otherwise pin whole batches. */
    if (b->sel && b->n_sel * 2 < b->n_rows) {
        sl_batch *c = sl_batch_compact(b);
        sl_batch_free(&b);
        b = c;
    }
    sl_batchlist_push(l, b);
    return 0;
}

void sl_sink_collect_init(sl_sink *sink, sl_batchlist *list)
{
    sink->push = collect_push;
    sink->ctx = list;
}

/* ---- the query ---- */

typedef struct qrun {
    sl_session *s;
    sl_query *q;
    int n_proj_cols;     /* outs + hidden order keys */
    sl_expr **proj;      /* borrowed: outs[], then order keys not among outs */
    int *order_cols;     /* column of each order key in the projected layout */
    sl_hashagg *agg;
    int64_t agg_res;     /* budget reserved by agg (issue #3) */
    sl_rowstore *agg_spilled; /* partial states flushed when the table hit the budget */
    sl_sink *out;        /* where projected batches go (a collector when ordered) */
    int op[SL_OP_N];     /* metrics operator handles (src/obs/metrics.h) */
    int64_t rows_s1;     /* rows past WHERE into aggregation/projection (stage 1 rows out) */
    int64_t rows_proj, bytes_proj; /* rows and bytes projected so far */
    int stage;           /* the open metrics stage of run_final_agg */
} qrun;

/* Adds one batch's figures to operator k of this query (timed from t0). Local. */
static void obs_op(qrun *r, sl_op_kind k, int64_t rows_in, int64_t rows_out, int64_t bytes,
                   double t0)
{
    sl_metrics_op_add(r->s->metrics, r->op[k], rows_in, rows_out, bytes, sl_obs_now() - t0);
}

/* Drops the hidden order-key columns of b (keeps the first n_outs). Local. */
static void drop_hidden(sl_batch *b, int n_outs)
{
    for (int c = n_outs; c < b->n_cols; c++)
        sl_vec_free(&b->cols[c]);
    b->n_cols = n_outs;
}

static int project_push(qrun *r, sl_batch *in, sl_err *err)
{
    sl_batch *pb = NULL;
    double t0 = sl_obs_now();
    if (sl_project(r->proj, r->n_proj_cols, in, &pb, err))
        return err->code;
    int64_t n = sl_batch_live(pb), bytes = sl_batch_bytes(pb);
    r->rows_proj += n;
    r->bytes_proj += bytes;
    obs_op(r, SL_OP_PROJECT, sl_batch_live(in), n, bytes, t0);
    return r->out->push(r->out, pb, err);
}

static int agg_consume(qrun *r, sl_batch *b, sl_err *err)
{
    sl_query *q = r->q;
    int rc = 0;
    sl_vec **keys = sl_xcalloc((size_t)q->n_groups + 1, sizeof *keys);
    sl_vec **args = sl_xcalloc((size_t)q->n_aggs + 1, sizeof *args);
    for (int k = 0; k < q->n_groups && !rc; k++)
        rc = sl_expr_eval(q->groups[k], b, &keys[k], err);
    for (int a = 0; a < q->n_aggs && !rc; a++)
        if (q->aggs[a].arg)
            rc = sl_expr_eval(q->aggs[a].arg, b, &args[a], err);
    if (!rc)
        rc = sl_grace_partial_room(r->agg, sl_batch_live(b), &r->agg_res, &r->agg_spilled, err);
    if (!rc)
        rc = sl_hashagg_consume(r->agg, b, keys, args, err);
    for (int k = 0; k < q->n_groups; k++)
        sl_vec_free(&keys[k]);
    for (int a = 0; a < q->n_aggs; a++)
        sl_vec_free(&args[a]);
    sl_free(keys);
    sl_free(args);
    return rc;
}

/* Stage 1 for one input batch: filter -> partial agg | projection. Takes ownership of b.
 * Local. */
static int process_batch(qrun *r, sl_batch *b, sl_err *err)
{
    sl_query *q = r->q;
    int rc = 0;
    double t0 = sl_obs_now();
    int64_t n_in = sl_batch_live(b);
    if (q->where) {
        rc = sl_filter(q->where, b, err);
        obs_op(r, SL_OP_FILTER, n_in, sl_batch_live(b), 0, t0);
    }
    r->rows_s1 += sl_batch_live(b);
    if (!rc && sl_batch_live(b) > 0 && q->has_agg) {
        t0 = sl_obs_now();
        int64_t n = sl_batch_live(b);
        rc = agg_consume(r, b, err);
        obs_op(r, SL_OP_PARTIAL_AGG, n, 0, 0, t0);
    } else if (!rc && sl_batch_live(b) > 0) {
        rc = project_push(r, b, err);
    }
    sl_batch_free(&b);
    return rc;
}

static int process_push(sl_sink *sink, sl_batch *b, sl_err *err)
{
    qrun *r = sink->ctx;
    if (err->code) { /* this rank already failed: drain without work */
        sl_batch_free(&b);
        return err->code;
    }
    return process_batch(r, b, err);
}

/*
 * Stage 1: reads the source and feeds every batch through process_batch. A subquery source is
 * streamed, not materialized: the child runs with a sink that is this query's stage 1.
 * Returns the agreed error state. Collective.
 */
/* Keeps the columns proj[0..n) of b (a table's batch), in that order. Takes ownership. */
static sl_batch *project_cols(sl_batch *b, const int *proj, int n)
{
    sl_vec **cols = sl_xcalloc((size_t)n + 1, sizeof *cols);
    for (int i = 0; i < n; i++) {
        cols[i] = b->cols[proj[i]];
        b->cols[proj[i]] = NULL;
    }
    sl_batch *out = sl_batch_from_cols(n, cols, b->n_rows);
    sl_free(cols);
    sl_batch_free(&b); /* sl_vec_free accepts the NULLed slots */
    return out;
}

/* Stage 1 over a persisted table: this rank's part of its rows, then agreement. Collective. */
static int run_table_source(qrun *r, sl_err *err)
{
    sl_query *q = r->q;
    sl_rowstore_cursor cur;
    sl_rowstore_cursor_init(&cur);
    for (;;) {
        sl_batch *b = NULL;
        double t0 = sl_obs_now();
        if (sl_signals_check(err) || sl_rowstore_scan_next(q->src.table->rows, &cur, &b, err) ||
            !b)
            break;
        b = project_cols(b, q->src.proj, q->src.n_proj);
        obs_op(r, SL_OP_SCAN, sl_batch_live(b), sl_batch_live(b), 0, t0);
        if (process_batch(r, b, err))
            break;
    }
    sl_rowstore_cursor_free(&cur);
    return sl_agree(r->s->comm, err);
}

static int run_source(qrun *r, sl_err *err)
{
    sl_session *s = r->s;
    sl_query *q = r->q;
    if (q->src.kind == SL_SRC_TABLE)
        return run_table_source(r, err);
    if (q->src.kind == SL_SRC_QUERY) {
        sl_sink feed = {process_push, r};
        bool on_root;
        return sl_query_exec(s, q->src.child, &feed, &on_root, err);
    }
    sl_csv_scan *scan = NULL;
    /* Progress rounds begin and end on every rank, also one whose open failed. */
    sl_metrics_progress_begin(s->metrics, sl_csv_source_bytes(q->src.csv_src));
    if (!sl_csv_scan_open(q->src.csv_src, s->rank, q->src.proj, q->src.n_proj, &scan, err)) {
        for (;;) {
            sl_batch *b = NULL;
            double t0 = sl_obs_now();
            int64_t b0 = sl_ctr.bytes_read;
            /* Safe point per batch: a stop signal ends the scan; run_source agrees below. */
            if (sl_signals_check(err) || sl_csv_scan_next(scan, &b, err) || !b)
                break;
            obs_op(r, SL_OP_SCAN, sl_batch_live(b), sl_batch_live(b), sl_ctr.bytes_read - b0, t0);
            sl_metrics_tick(s->metrics);
            if (process_batch(r, b, err))
                break;
        }
    }
    sl_metrics_progress_end(s->metrics);
    /* max_rejects over all ranks (collective; a no-op for on_error='fail'). */
    sl_csv_scan_check_rejects(s->comm, q->src.csv_src, scan, err);
    sl_csv_scan_free(&scan);
    return sl_agree(s->comm, err);
}

/* Result batches of the final aggregation: HAVING, then projection. Takes ownership. */
static int final_emit(void *ctx, sl_batch *b, sl_err *err)
{
    qrun *r = ctx;
    double t0 = sl_obs_now();
    int64_t n_in = sl_batch_live(b);
    int rc = r->q->having ? sl_filter(r->q->having, b, err) : 0;
    if (r->q->having)
        obs_op(r, SL_OP_HAVING, n_in, sl_batch_live(b), 0, t0);
    if (!rc && sl_batch_live(b) > 0)
        rc = project_push(r, b, err);
    sl_batch_free(&b);
    return rc;
}

/* Exchange of partial states and final aggregation (stage 2). States, the received data and
 * the final table all live within the memory budget and spill beyond it (src/spill/grace.h).
 * Collective. */
static int run_final_agg(qrun *r, sl_err *err)
{
    sl_session *s = r->s;
    sl_query *q = r->q;
    sl_batchlist states;
    sl_batchlist_init(&states);
    sl_hashagg_emit_states(r->agg, &states, err);
    sl_budget_release(r->agg_res);
    r->agg_res = 0;
    /* Without earlier flushes the states stay in memory (the table they came from is gone). */
    sl_rowstore *send = r->agg_spilled ? r->agg_spilled : sl_rowstore_new(90);
    r->agg_spilled = NULL;
    for (int i = 0; i < states.n; i++) {
        if (!err->code)
            sl_rowstore_append(send, states.b[i], err);
        else
            sl_batch_free(&states.b[i]);
        states.b[i] = NULL;
    }
    sl_batchlist_free(&states);
    int *keys = sl_xcalloc((size_t)q->n_groups + 1, sizeof *keys);
    for (int k = 0; k < q->n_groups; k++)
        keys[k] = k;
    sl_rowstore *recv = sl_rowstore_new(50);
    double tx = sl_obs_now();
    sl_counters c0 = sl_ctr;
    int rc = sl_grace_exchange(s->comm, send, keys, q->n_groups,
                               s->settings.exchange_round_bytes, recv, err);
    sl_free(keys);
    sl_rowstore_free(&send);
    int64_t n_recv = sl_ctr.xchg_rows_recv - c0.xchg_rows_recv;
    obs_op(r, SL_OP_EXCHANGE, sl_ctr.xchg_rows_sent - c0.xchg_rows_sent, n_recv,
           sl_ctr.xchg_bytes_sent - c0.xchg_bytes_sent, tx);
    /* Exchange figures come from the counters (-1); the final aggregation starts. */
    sl_metrics_stage_end(s->metrics, r->stage, -1, -1, -1, -1);
    r->stage = sl_metrics_stage_begin(s->metrics, q, "final_agg");
    int64_t p0 = r->rows_proj;
    tx = sl_obs_now();
    if (rc) {
        sl_rowstore_free(&recv);
        return sl_agree(s->comm, err);
    }
    sl_type *types = sl_xcalloc((size_t)q->n_groups + 1, sizeof *types);
    for (int k = 0; k < q->n_groups; k++)
        types[k] = q->groups[k]->type;
    /* Without keys every state went to rank 0, which alone emits the single result row. */
    if (!err->code)
        sl_grace_final(q->n_groups, types, q->n_aggs, q->aggs, recv,
                       q->n_groups > 0 || s->rank == 0, final_emit, r, err);
    obs_op(r, SL_OP_FINAL_AGG, n_recv, r->rows_proj - p0, 0, tx);
    sl_free(types);
    sl_rowstore_free(&recv);
    return sl_agree(s->comm, err);
}

/* Stage 3: ORDER BY / LIMIT: local top-k, gather to rank 0, final sort there. Collective. */
static int run_order(qrun *r, sl_batchlist *rows, sl_sink *sink, sl_err *err)
{
    sl_session *s = r->s;
    sl_query *q = r->q;
    int64_t keep = q->limit >= 0 ? q->offset + q->limit : -1;
    sl_batchlist local, gathered;
    sl_batchlist_init(&local);
    sl_batchlist_init(&gathered);
    sl_batch *sorted = NULL;
    if (rows->n > 0 && keep >= 0) {
        /* Only the first offset+limit rows of each rank can reach the result. */
        if (!sl_sort_rows(rows, q->n_order, r->order_cols, q->order_desc, q->order_nulls_first,
                          0, keep, &sorted, err) && sorted)
            sl_batchlist_push(&local, sorted);
    } else {
        local = *rows;
        sl_batchlist_init(rows);
    }
    sl_batchlist_free(rows);
    sl_xstats st = {0};
    double tg = sl_obs_now();
    if (sl_exchange_gather(s->comm, 0, &local, s->settings.exchange_round_bytes, &gathered, &st,
                           err)) {
        sl_batchlist_free(&local);
        sl_batchlist_free(&gathered);
        return sl_agree(s->comm, err);
    }
    sl_batchlist_free(&local);
    obs_op(r, SL_OP_GATHER, st.rows_sent, st.rows_recv, st.bytes_sent, tg);
    if (s->rank == 0 && !err->code) {
        tg = sl_obs_now();
        int64_t n_gathered = sl_batchlist_rows(&gathered);
        sorted = NULL;
        if (!sl_sort_rows(&gathered, q->n_order, r->order_cols, q->order_desc,
                          q->order_nulls_first, q->offset, q->limit, &sorted, err) &&
            sorted) {
            drop_hidden(sorted, q->n_outs);
            obs_op(r, SL_OP_SORT, n_gathered, sl_batch_live(sorted), 0, tg);
            sink->push(sink, sorted, err);
        }
    }
    sl_batchlist_free(&gathered);
    return sl_agree(s->comm, err);
}

/* Builds the projection list: outs, then order keys that are not already an output. */
static void plan_projection(qrun *r)
{
    sl_query *q = r->q;
    r->proj = sl_xcalloc((size_t)(q->n_outs + q->n_order) + 1, sizeof *r->proj);
    r->order_cols = sl_xcalloc((size_t)q->n_order + 1, sizeof *r->order_cols);
    int n = 0;
    for (int i = 0; i < q->n_outs; i++)
        r->proj[n++] = q->outs[i];
    for (int k = 0; k < q->n_order; k++) {
        int found = -1;
        for (int i = 0; i < q->n_outs && found < 0; i++)
            if (strcmp(q->outs[i]->text, q->order[k]->text) == 0)
                found = i;
        if (found < 0) {
            found = n;
            r->proj[n++] = q->order[k];
        }
        r->order_cols[k] = found;
    }
    r->n_proj_cols = n;
}

int sl_query_exec(sl_session *s, sl_query *q, sl_sink *sink, bool *on_root, sl_err *err)
{
    qrun r = {.s = s, .q = q};
    bool ordered = q->n_order > 0 || q->limit >= 0 || q->offset > 0;
    *on_root = ordered;
    plan_projection(&r);

    sl_batchlist pending;    /* projected rows awaiting ORDER BY */
    sl_batchlist_init(&pending);
    sl_sink collect;
    sl_sink_collect_init(&collect, &pending);
    r.out = ordered ? &collect : sink;

    if (q->has_agg) {
        sl_type *kt = sl_xcalloc((size_t)q->n_groups + 1, sizeof *kt);
        for (int k = 0; k < q->n_groups; k++)
            kt[k] = q->groups[k]->type;
        r.agg = sl_hashagg_new(q->n_groups, kt, q->n_aggs, q->aggs);
        sl_free(kt);
    }

    /* Metrics: operators are registered and stages opened at points every rank reaches, so
     * their indexes match across ranks. A subquery source records its own stages. */
    sl_metrics *M = s->metrics;
    for (int k = 0; k < SL_OP_N; k++)
        r.op[k] = sl_metrics_op(M, q, (sl_op_kind)k);
    sl_counters c0 = sl_ctr;
    int h = q->src.kind == SL_SRC_CSV ? sl_metrics_stage_begin(M, q, "scan") : -1;
    int rc = run_source(&r, err);
    if (h >= 0)
        sl_metrics_stage_end(M, h, sl_ctr.rows_read - c0.rows_read, r.rows_s1,
                             sl_ctr.bytes_read - c0.bytes_read, r.bytes_proj);
    if (!rc && q->has_agg) {
        int64_t p0 = r.rows_proj, b0 = r.bytes_proj;
        sl_counters c1 = sl_ctr;
        r.stage = sl_metrics_stage_begin(M, q, "exchange");
        rc = run_final_agg(&r, err);
        sl_metrics_stage_end(M, r.stage, sl_ctr.xchg_rows_recv - c1.xchg_rows_recv,
                             r.rows_proj - p0, sl_ctr.xchg_bytes_recv - c1.xchg_bytes_recv,
                             r.bytes_proj - b0);
    }
    if (!rc && ordered) {
        h = sl_metrics_stage_begin(M, q, "order");
        int64_t n_pending = sl_batchlist_rows(&pending);
        rc = run_order(&r, &pending, sink, err);
        sl_metrics_stage_end(M, h, n_pending, -1, -1, -1);
    }

    sl_batchlist_free(&pending);
    sl_hashagg_free(&r.agg);
    sl_budget_release(r.agg_res);
    sl_rowstore_free(&r.agg_spilled);
    sl_free(r.proj);
    sl_free(r.order_cols);
    return rc;
}
