/*
 * Bound query -> physical operator tree; see planner.h for the shapes it builds. Local.
 */
#include "plan/plan_int.h"

#include <string.h>

#include "core/mem.h"
#include "func/func.h"

static sl_type *expr_types(sl_expr *const *v, int n)
{
    sl_type *t = sl_xcalloc((size_t)n + 1, sizeof *t);
    for (int i = 0; i < n; i++)
        t[i] = v[i]->type;
    return t;
}

/* Puts node on top of child (child becomes its only child) and returns node. */
sl_pop *sl_plan_on_top(sl_pop *node, sl_pop *child, int query)
{
    node->query = query;
    sl_pop_add_child(node, child);
    return node;
}

static sl_pop *plan_scan(const sl_query *q)
{
    sl_source *src = (sl_source *)&q->src;
    int n = src->n_proj;
    sl_type *types = sl_xcalloc((size_t)n + 1, sizeof *types);
    char **names = sl_xcalloc((size_t)n + 1, sizeof *names);
    for (int i = 0; i < n; i++) {
        types[i] = src->file_col_types[src->proj[i]];
        names[i] = src->file_col_names[src->proj[i]];
    }
    sl_pop *op = sl_pop_new(SL_POP_SCAN, "scan", n, types, names);
    op->u.scan.src = src;
    op->u.scan.n_proj = n;
    op->u.scan.proj = sl_xcalloc((size_t)n + 1, sizeof *op->u.scan.proj);
    memcpy(op->u.scan.proj, src->proj, sizeof *src->proj * (size_t)n);
    sl_free(types);
    sl_free(names);
    return op;
}

/* Adds to scan's preds the conjuncts of pred (over the scan's output) of the form "column OP
 * constant" on a BIGINT, DOUBLE, DATE, TIMESTAMP or VARCHAR column (also "constant OP column"
 * turned around and BETWEEN as two): what a format can check against chunk statistics. A
 * VARCHAR constant's text is borrowed from pred, which must outlive the scan. */
static void scan_preds(sl_pop *scan, const sl_expr *e)
{
    if (e->kind != SL_E_CALL)
        return;
    if (e->fn == SL_FN_AND) {
        scan_preds(scan, e->args[0]);
        scan_preds(scan, e->args[1]);
        return;
    }
    static const struct { int fn; sl_fmt_cmp op, flip; } ops[] = {
        { SL_FN_LT, SL_FMT_LT, SL_FMT_GT }, { SL_FN_LE, SL_FMT_LE, SL_FMT_GE },
        { SL_FN_EQ, SL_FMT_EQ, SL_FMT_EQ }, { SL_FN_GE, SL_FMT_GE, SL_FMT_LE },
        { SL_FN_GT, SL_FMT_GT, SL_FMT_LT }, { SL_FN_BETWEEN, SL_FMT_GE, SL_FMT_LE },
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (e->fn != ops[i].fn)
            continue;
        const sl_expr *c = e->args[0];
        bool between = e->fn == SL_FN_BETWEEN;
        int first = 1, last = between ? 2 : 1;
        sl_fmt_cmp op = ops[i].op;
        if (!between && c->kind == SL_E_CONST) {
            c = e->args[1];
            first = last = 0;
            op = ops[i].flip;
        }
        if (c->kind != SL_E_COL || c->type == SL_T_BOOL || c->type == SL_T_NULL)
            return;
        for (int a = first; a <= last; a++) {
            const sl_expr *k = e->args[a];
            if (k->kind != SL_E_CONST || k->type != c->type || k->cval.is_null)
                return;
        }
        for (int a = first; a <= last; a++) {
            scan->u.scan.preds = sl_xrealloc(scan->u.scan.preds, sizeof *scan->u.scan.preds *
                                              (size_t)(scan->u.scan.n_preds + 1));
            scan->u.scan.preds[scan->u.scan.n_preds++] = (sl_fmt_pred){
                .col = scan->u.scan.proj[c->col],
                .op = between && a == 2 ? SL_FMT_LE : op,
                .v = e->args[a]->cval };
        }
        return;
    }
}

sl_pop *sl_plan_filter(sl_pop *in, const sl_expr *pred, const char *name, int query)
{
    sl_pop *op = sl_pop_new(SL_POP_FILTER, name, in->n_cols, in->types, in->names);
    op->u.filter.pred = sl_expr_copy(pred);
    return sl_plan_on_top(op, in, query);
}

sl_pop *sl_plan_exchange(sl_pop *in, sl_part_kind part, const char *name, int query)
{
    sl_pop *op = sl_pop_new(SL_POP_EXCHANGE, name, in->n_cols, in->types, in->names);
    op->u.exchange.part = part;
    op->collective = true;
    return sl_plan_on_top(op, in, query);
}

static sl_pop *plan_gather(sl_pop *in, bool ordered, int query)
{
    sl_pop *op = sl_plan_exchange(in, SL_PART_GATHER, "gather", query);
    op->u.exchange.root = 0;
    op->u.exchange.ordered = ordered;
    return op;
}

static sl_pop *plan_aggregate(sl_pop *in, const sl_query *q, int query)
{
    return sl_plan_group(in, q->n_groups, q->groups, q->n_aggs, q->aggs, query);
}

/* outs, then the ORDER BY keys that are not an output (hidden, dropped after the sort).
 * Fills spec with the sort keys over the projected layout. */
static sl_pop *plan_project(sl_pop *in, const sl_query *q, sl_sort_spec *spec, int query)
{
    int n = 0;
    sl_expr **ex = sl_xcalloc((size_t)(q->n_outs + q->n_order) + 1, sizeof *ex);
    char **names = sl_xcalloc((size_t)(q->n_outs + q->n_order) + 1, sizeof *names);
    for (int i = 0; i < q->n_outs; i++) {
        names[n] = q->out_names[i];
        ex[n++] = sl_expr_copy(q->outs[i]);
    }
    spec->n_keys = q->n_order;
    spec->cols = sl_xcalloc((size_t)q->n_order + 1, sizeof *spec->cols);
    spec->desc = sl_xcalloc((size_t)q->n_order + 1, sizeof *spec->desc);
    spec->nulls_first = sl_xcalloc((size_t)q->n_order + 1, sizeof *spec->nulls_first);
    for (int k = 0; k < q->n_order; k++) {
        int found = -1;
        for (int i = 0; i < q->n_outs && found < 0; i++)
            if (sl_expr_equal(q->outs[i], q->order[k]))
                found = i;
        if (found < 0) {
            found = n;
            names[n] = q->order[k]->text;
            ex[n++] = sl_expr_copy(q->order[k]);
        }
        spec->cols[k] = found;
        spec->desc[k] = q->order_desc[k];
        spec->nulls_first[k] = q->order_nulls_first[k];
    }
    sl_type *types = expr_types(ex, n);
    sl_pop *op = sl_pop_new(SL_POP_PROJECT, "project", n, types, names);
    op->u.project.n_exprs = n;
    op->u.project.exprs = ex;
    sl_free(types);
    sl_free(names);
    return sl_plan_on_top(op, in, query);
}

static sl_pop *plan_sort(sl_pop *in, const sl_sort_spec *spec, int64_t offset, int64_t limit,
                         int n_keep, const char *name, int query)
{
    sl_pop *op = sl_pop_new(SL_POP_SORT, name, n_keep, in->types, in->names);
    sl_sort_spec_copy(&op->u.sort.order, spec);
    op->u.sort.offset = offset;
    op->u.sort.limit = limit;
    op->u.sort.n_keep = n_keep;
    return sl_plan_on_top(op, in, query);
}

static sl_pop *plan_limit(sl_pop *in, int64_t offset, int64_t limit, int query)
{
    sl_pop *op = sl_pop_new(SL_POP_LIMIT, "limit", in->n_cols, in->types, in->names);
    op->u.limit.offset = offset;
    op->u.limit.limit = limit;
    return sl_plan_on_top(op, in, query);
}

/* Drops hidden columns (keeps the first n) with a column-only projection. */
static sl_pop *plan_keep(sl_pop *in, int n, int query)
{
    if (in->n_cols == n)
        return in;
    sl_pop *op = sl_pop_new(SL_POP_PROJECT, "project", n, in->types, in->names);
    op->u.project.n_exprs = n;
    op->u.project.exprs = sl_xcalloc((size_t)n + 1, sizeof *op->u.project.exprs);
    for (int i = 0; i < n; i++)
        op->u.project.exprs[i] =
            sl_expr_col(i, in->types[i], in->names ? in->names[i] : "");
    return sl_plan_on_top(op, in, query);
}

/* ORDER BY / LIMIT / OFFSET on top of the projection; see planner.h. */
static sl_pop *plan_order(sl_pop *x, const sl_query *q, const sl_sort_spec *spec, int query,
                          sl_dist *d)
{
    int n_all = x->n_cols, n_outs = q->n_outs;
    bool sorted = q->n_order > 0;
    if (q->limit >= 0) {
        int64_t keep = q->offset + q->limit;
        if (keep < q->offset) /* overflow: LIMIT near INT64_MAX */
            keep = -1;
        /* Only the first offset+limit rows of each rank can be in the result. */
        x = sorted ? plan_sort(x, spec, 0, keep, n_all, "top_k", query)
                   : plan_limit(x, 0, keep, query);
        x = plan_gather(x, true, query);
        x = sorted ? plan_sort(x, spec, q->offset, q->limit, n_outs, "sort", query)
                   : plan_limit(x, q->offset, q->limit, query);
        *d = SL_DIST_ROOT;
        return plan_keep(x, n_outs, query);
    }
    if (sorted) {
        x = sl_plan_exchange(x, SL_PART_RANGE, "exchange", query);
        sl_sort_spec_copy(&x->u.exchange.order, spec);
        x = plan_sort(x, spec, 0, -1, n_outs, "sort", query);
        *d = SL_DIST_RANGE;
    }
    if (q->offset > 0) {
        /* OFFSET counts rows of the global order: it is applied where all rows meet. */
        x = plan_gather(x, true, query);
        x = plan_limit(x, q->offset, -1, query);
        *d = SL_DIST_ROOT;
    }
    return plan_keep(x, n_outs, query);
}

sl_pop *sl_plan_block(sl_planner *p, const sl_query *q, sl_dist *d)
{
    int query = p->next_query++;
    sl_pop *x;
    *d = SL_DIST_ANY;
    /* rn <= k from the block above on one of this block's outputs (taken here, so the
     * blocks below do not see it) */
    int64_t topn = 0;
    if (p->topn_rows > 0 && p->topn_col >= 0 && p->topn_col < q->n_outs) {
        const sl_expr *o = q->outs[p->topn_col];
        if (o->kind == SL_E_COL && o->col == -1)
            topn = p->topn_rows;
    }
    p->topn_rows = 0;
    if (q->src.kind == SL_SRC_QUERY) {
        const sl_query *c = q->src.child;
        for (int i = 0; q->where && i < c->n_outs && p->topn_rows == 0; i++) {
            if (c->outs[i]->kind != SL_E_COL || c->outs[i]->col != -1)
                continue; /* not the (first) window's result */
            p->topn_rows = sl_plan_topn_rows(q->where, i);
            p->topn_col = i;
        }
        x = sl_plan_block(p, q->src.child, d);
        p->topn_rows = 0;
    } else if (q->src.kind == SL_SRC_SETOP) {
        x = sl_plan_setop(p, q, query);
        *d = SL_DIST_ANY;
    } else if (q->src.kind == SL_SRC_JOIN) {
        x = sl_plan_join(p, q, query);
        *d = SL_DIST_ANY;
    } else {
        x = plan_scan(q);
        x->query = query;
    }
    if (q->where) {
        sl_pop *scan = x->kind == SL_POP_SCAN && q->src.kind == SL_SRC_FORMAT ? x : NULL;
        x = sl_plan_filter(x, q->where, "filter", query);
        /* From the filter's copy of the predicate: a VARCHAR constant's text lives there. */
        if (scan)
            scan_preds(scan, x->u.filter.pred);
    }
    if (q->has_agg) {
        x = plan_aggregate(x, q, query);
        *d = SL_DIST_ANY;
        if (q->n_groups == 0)
            *d = SL_DIST_ROOT; /* the one result row is on rank 0 */
        if (q->having)
            x = sl_plan_filter(x, q->having, "having", query);
    }
    sl_query qw;
    const sl_query *qp = q;
    if (q->n_wins) {
        /* Windows, then QUALIFY, over L2 (plan/plan_window.c). */
        int base = x->n_cols;
        x = sl_plan_windows(x, q, query, sl_plan_topn_for(q, topn));
        *d = SL_DIST_ANY;
        sl_plan_window_query(&qw, q, base);
        qp = &qw;
        if (qw.qualify)
            x = sl_plan_filter(x, qw.qualify, "qualify", query);
    }
    sl_sort_spec spec;
    x = plan_project(x, qp, &spec, query);
    if (q->n_order > 0 || q->limit >= 0 || q->offset > 0)
        x = plan_order(x, qp, &spec, query, d);
    sl_sort_spec_free(&spec);
    if (q->n_wins)
        sl_plan_window_query_free(&qw);
    return x;
}

int sl_plan_statement(const sl_query *q, const sl_plan_opts *o, sl_pop **out, sl_err *err)
{
    sl_planner p = {0};
    sl_dist d;
    *out = NULL;
    sl_pop *x = sl_plan_block(&p, q, &d);
    sl_pop *sink = sl_pop_new(SL_POP_SINK, "sink", x->n_cols, x->types, x->names);
    sink->u.sink.kind = o->sink;
    sink->u.sink.copy = o->copy;
    sink->u.sink.table = o->table;
    /* The result sink gathers to rank 0 (collective); COPY commits (collective); the count
     * sink sums its count over the ranks. A table sink keeps rows where they are but agrees
     * on errors at the end. Every sink is collective. */
    sink->collective = true;
    sink->u.sink.ordered = d == SL_DIST_RANGE;
    sink->query = 0;
    sl_pop_add_child(sink, x);
    sl_plan_grants(sink, o->budget);
    *out = sink;
    (void)err;
    return 0;
}
