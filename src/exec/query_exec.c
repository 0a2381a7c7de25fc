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

#include "core/mem.h"
#include "exec/agg.h"
#include "exec/func.h"
#include "exec/sort.h"
#include "io/csv.h"
#include "mpi/agree.h"
#include "mpi/exchange.h"

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
    sl_sink *out;        /* where projected batches go (a collector when ordered) */
} qrun;

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
    if (sl_project(r->proj, r->n_proj_cols, in, &pb, err))
        return err->code;
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
    if (q->where)
        rc = sl_filter(q->where, b, err);
    if (!rc && sl_batch_live(b) > 0)
        rc = q->has_agg ? agg_consume(r, b, err) : project_push(r, b, err);
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
static int run_source(qrun *r, sl_err *err)
{
    sl_session *s = r->s;
    sl_query *q = r->q;
    if (q->src.kind == SL_SRC_QUERY) {
        sl_sink feed = {process_push, r};
        bool on_root;
        return sl_query_exec(s, q->src.child, &feed, &on_root, err);
    }
    sl_csv_scan *scan = NULL;
    if (!sl_csv_scan_open(q->src.csv_src, s->rank, q->src.proj, q->src.n_proj, &scan, err)) {
        for (;;) {
            sl_batch *b = NULL;
            if (sl_csv_scan_next(scan, &b, err) || !b)
                break;
            if (process_batch(r, b, err))
                break;
        }
    }
    sl_csv_scan_free(&scan);
    return sl_agree(s->comm, err);
}

/* Exchange of partial states and final aggregation (stage 2). Collective. */
static int run_final_agg(qrun *r, sl_err *err)
{
    sl_session *s = r->s;
    sl_query *q = r->q;
    sl_batchlist states, recv;
    sl_batchlist_init(&states);
    sl_batchlist_init(&recv);
    sl_hashagg_emit_states(r->agg, &states, err);
    int *keys = sl_xcalloc((size_t)q->n_groups + 1, sizeof *keys);
    for (int k = 0; k < q->n_groups; k++)
        keys[k] = k;
    sl_xstats st = {0};
    int rc = sl_exchange_hash(s->comm, &states, keys, q->n_groups,
                              s->settings.exchange_round_bytes, &recv, &st, err);
    sl_free(keys);
    sl_batchlist_free(&states);
    if (rc) {
        sl_batchlist_free(&recv);
        return sl_agree(s->comm, err);
    }
    sl_type *types = sl_xcalloc((size_t)q->n_groups + 1, sizeof *types);
    for (int k = 0; k < q->n_groups; k++)
        types[k] = q->groups[k]->type;
    sl_hashagg *fin = sl_hashagg_new(q->n_groups, types, q->n_aggs, q->aggs);
    sl_free(types);
    for (int i = 0; i < recv.n && !err->code; i++)
        sl_hashagg_merge(fin, recv.b[i], err);
    sl_batchlist_free(&recv);
    /* Without keys every state went to rank 0, which alone emits the single result row. */
    sl_batchlist res;
    sl_batchlist_init(&res);
    if (!err->code && (q->n_groups > 0 || s->rank == 0))
        sl_hashagg_emit_final(fin, &res, err);
    sl_hashagg_free(&fin);
    for (int i = 0; i < res.n && !err->code; i++) {
        sl_batch *b = res.b[i];
        if (q->having && sl_filter(q->having, b, err))
            break;
        if (sl_batch_live(b) > 0)
            project_push(r, b, err);
    }
    sl_batchlist_free(&res);
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
    if (sl_exchange_gather(s->comm, 0, &local, s->settings.exchange_round_bytes, &gathered, &st,
                           err)) {
        sl_batchlist_free(&local);
        sl_batchlist_free(&gathered);
        return sl_agree(s->comm, err);
    }
    sl_batchlist_free(&local);
    if (s->rank == 0 && !err->code) {
        sorted = NULL;
        if (!sl_sort_rows(&gathered, q->n_order, r->order_cols, q->order_desc,
                          q->order_nulls_first, q->offset, q->limit, &sorted, err) &&
            sorted) {
            drop_hidden(sorted, q->n_outs);
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

    int rc = run_source(&r, err);
    if (!rc && q->has_agg)
        rc = run_final_agg(&r, err);
    if (!rc && ordered)
        rc = run_order(&r, &pending, sink, err);

    sl_batchlist_free(&pending);
    sl_hashagg_free(&r.agg);
    sl_free(r.proj);
    sl_free(r.order_cols);
    return rc;
}
