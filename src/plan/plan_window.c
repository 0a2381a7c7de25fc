/*
 * Planning window functions (the OVER clause, plan.h's L2 layout). Calls with the same
 * PARTITION BY and ORDER BY share one chain:
 *
 *   project (Y + the keys and arguments that are not columns of Y)
 *   -> exchange: hash on the partition keys (every partition on one rank); without PARTITION
 *      BY a range exchange on the ORDER BY keys (rank r holds the r-th slice of the order)
 *      when every call needs only a bounded number of neighbouring rows, the ranks' counts
 *      or their partial aggregates (row_number, rank-like functions, lag, lead, ROWS and
 *      RANGE frames with offsets, running and to-the-end frames: see halo_only), and no
 *      exchange at all for those over no ORDER BY either (OVER (): any split of the rows is
 *      a split of the order, every row a peer of all), else a gather to rank 0
 *   -> sort by (partition keys, order keys), external when it outgrows its grant
 *   -> window (streams over the sorted rows, one partition held at a time)
 *   -> project (Y + the results; hidden keys dropped)
 *
 * Chains stack: the second sees the first one's results as columns of its Y. At the end the
 * results are put in q->wins order after the window input X, so outs / order / qualify can
 * refer to window w as column |X| + w (sl_plan_window_query rewrites their refs). Local.
 */
#include "plan/plan_int.h"

#include <string.h>

#include "core/mem.h"
#include "func/func.h"

/* Column of e in layout y when e is a plain column reference, else -1. */
static int plain_col(const sl_expr *e, int ny)
{
    return e && e->kind == SL_E_COL && e->col >= 0 && e->col < ny ? e->col : -1;
}

/* The column holding e: an existing one, or a new one appended to (ex, names). */
static int want_col(const sl_expr *e, int ny, sl_expr **ex, char **names, int *n)
{
    int c = plain_col(e, ny);
    if (c >= 0)
        return c;
    for (int i = ny; i < *n; i++)
        if (sl_expr_equal(ex[i], e))
            return i;
    names[*n] = e->text;
    ex[*n] = sl_expr_copy(e);
    return (*n)++;
}

static bool same_spec(const sl_win *a, const sl_win *b)
{
    if (a->n_part != b->n_part || a->n_order != b->n_order)
        return false;
    for (int i = 0; i < a->n_part; i++)
        if (!sl_expr_equal(a->part[i], b->part[i]))
            return false;
    for (int i = 0; i < a->n_order; i++)
        if (!sl_expr_equal(a->order[i], b->order[i]) || a->order_desc[i] != b->order_desc[i] ||
            a->order_nulls_first[i] != b->order_nulls_first[i])
            return false;
    return true;
}

/* Rows a window without PARTITION BY may need from its neighbours beyond this many (per
 * side): gathered to rank 0 instead, like the functions that need the whole order. The
 * halo rows go through one allgather (every rank gets every rank's last / first rows), so
 * a bigger reach would make every rank hold up to P times what the gather holds on one. */
#define HALO_MAX 100000

/*
 * Whether a frame call without PARTITION BY runs from prefix / suffix figures: a frame from
 * UNBOUNDED PRECEDING to CURRENT ROW, to n FOLLOWING or to UNBOUNDED FOLLOWING (running
 * totals, the default frame), or from CURRENT ROW or n PRECEDING to UNBOUNDED FOLLOWING,
 * for sum / avg / min / max / count, first_value and last_value (the frame's last row: in the
 * slice or its halo, the last peer from a later rank's end rows, or the last row of all) and
 * nth_value (n up to HALO_MAX: every rank sends its first n rows) over a frame from UNBOUNDED
 * PRECEDING, and last_value over one to UNBOUNDED FOLLOWING; also first_value, nth_value and
 * last_value from UNBOUNDED PRECEDING to n PRECEDING (the first row, the n-th, the row n
 * before), and the aggregates, last_value and (RANGE) first / nth_value from n FOLLOWING to
 * UNBOUNDED FOLLOWING. The rows before (after) a rank's slice enter as the other ranks'
 * partial aggregates (op_window.c), so the rank holds its slice plus the offsets' rows
 * (RANGE: the rows within them, by key). Aggregates over frames that end n PRECEDING or start
 * n FOLLOWING with the other side unbounded are the running frame of another row: each rank
 * also sends the partial aggregate of its rows outside the halo rows it sends (op_window.c's
 * lag_frames); first_value / nth_value from RANGE n FOLLOWING read up to n rows past the
 * rows within the offset, sent with them or among the slices' first rows.
 */
static bool scan_frame(const sl_win *w)
{
    const sl_win_frame *f = &w->frame;
    bool agg = w->fn == SL_WF_SUM || w->fn == SL_WF_AVG || w->fn == SL_WF_MIN ||
               w->fn == SL_WF_MAX || w->fn == SL_WF_COUNT || w->fn == SL_WF_COUNT_STAR;
    bool nth = w->fn == SL_WF_NTH_VALUE && w->param <= HALO_MAX;
    if (f->start == SL_FB_UNBOUNDED_PRECEDING && f->end == SL_FB_PRECEDING)
        return w->fn == SL_WF_FIRST_VALUE || nth || agg || w->fn == SL_WF_LAST_VALUE;
    if (f->start == SL_FB_FOLLOWING && f->end == SL_FB_UNBOUNDED_FOLLOWING)
        return agg || w->fn == SL_WF_LAST_VALUE ||
               ((w->fn == SL_WF_FIRST_VALUE || nth) && !f->rows);
    if (f->start == SL_FB_UNBOUNDED_PRECEDING)
        return (agg || w->fn == SL_WF_FIRST_VALUE || w->fn == SL_WF_LAST_VALUE || nth) &&
               (f->end == SL_FB_CURRENT_ROW || f->end == SL_FB_UNBOUNDED_FOLLOWING ||
                f->end == SL_FB_FOLLOWING);
    if (f->end == SL_FB_UNBOUNDED_FOLLOWING)
        return (agg || w->fn == SL_WF_LAST_VALUE) &&
               (f->start == SL_FB_CURRENT_ROW || f->start == SL_FB_PRECEDING);
    return false;
}

/* first_value / nth_value over a frame to UNBOUNDED FOLLOWING from n PRECEDING, CURRENT ROW or
 * (ROWS) n FOLLOWING: the frame's first rows, a bounded reach from the current row. */
static bool head_frame(const sl_win *w)
{
    const sl_win_frame *f = &w->frame;
    return (w->fn == SL_WF_FIRST_VALUE || w->fn == SL_WF_NTH_VALUE) &&
           f->end == SL_FB_UNBOUNDED_FOLLOWING &&
           (f->start == SL_FB_PRECEDING || f->start == SL_FB_CURRENT_ROW ||
            (f->start == SL_FB_FOLLOWING && f->rows));
}

/*
 * Whether the calls (no PARTITION BY) can run on a range-partitioned input: each needs only
 * a bounded number of rows before / after the current one (row_number, lag/lead, frames of
 * ROWS offsets or CURRENT ROW) or the ranks' counts and peer figures (rank, dense_rank,
 * percent_rank, cume_dist, ntile) or partial aggregates (scan_frame), or the frame's first
 * rows (head_frame), or, for RANGE frames, the rows within their offsets (fetched by key at
 * run time, not counted here). The other unbounded frames are gathered. Sets *prev / *next
 * to the rows needed on each side.
 */
static bool halo_only(sl_win *const *ws, int n, int64_t *prev, int64_t *next)
{
    *prev = *next = 0;
    for (int i = 0; i < n; i++) {
        const sl_win *w = ws[i];
        const sl_win_frame *f = &w->frame;
        int64_t p = 0, q = 0;
        switch (w->fn) {
        case SL_WF_ROW_NUMBER:
        case SL_WF_RANK:
        case SL_WF_DENSE_RANK:
        case SL_WF_PERCENT_RANK:
        case SL_WF_CUME_DIST:
        case SL_WF_NTILE:
            /* counts and the peers at the slice's ends come from every rank's figures */
            break;
        case SL_WF_LAG:
            p = w->param;
            break;
        case SL_WF_LEAD:
            q = w->param;
            break;
        case SL_WF_FIRST_VALUE:
        case SL_WF_LAST_VALUE:
        case SL_WF_NTH_VALUE:
        case SL_WF_SUM:
        case SL_WF_AVG:
        case SL_WF_MIN:
        case SL_WF_MAX:
        case SL_WF_COUNT:
        case SL_WF_COUNT_STAR:
            if (!scan_frame(w) && !head_frame(w) &&
                (f->start == SL_FB_UNBOUNDED_PRECEDING || f->end == SL_FB_UNBOUNDED_FOLLOWING))
                return false;
            if (head_frame(w)) /* the frame's first rows: up to its start + n - 1 ahead */
                q = (f->start == SL_FB_FOLLOWING ? f->start_n : 0) +
                    (w->fn == SL_WF_NTH_VALUE ? w->param - 1 : 0);
            if (!f->rows) {
                /* RANGE, bounded on both sides: the rows within its offsets of the slice's
                 * first / last key (their count unknown here) come from the ranks or spilled
                 * slices they lie on (op_window.c's key_halos, spill_finish); running ones
                 * from the partial aggregates */
                break;
            }
            if (f->start == SL_FB_PRECEDING)
                p = f->start_n;
            if (f->end == SL_FB_PRECEDING && f->end_n > p)
                p = f->end_n;
            if (f->end == SL_FB_FOLLOWING)
                q = f->end_n;
            if (f->start == SL_FB_FOLLOWING && f->start_n > q)
                q = f->start_n;
            break;
        default:
            return false;
        }
        if (p > HALO_MAX || q > HALO_MAX)
            return false;
        *prev = p > *prev ? p : *prev;
        *next = q > *next ? q : *next;
    }
    return true;
}

/* A column-only projection of in onto cols[0..n). */
static sl_pop *pick(sl_pop *in, const int *cols, int n, int query)
{
    sl_type *types = sl_xcalloc((size_t)n + 1, sizeof *types);
    char **names = sl_xcalloc((size_t)n + 1, sizeof *names);
    sl_expr **ex = sl_xcalloc((size_t)n + 1, sizeof *ex);
    for (int i = 0; i < n; i++) {
        types[i] = in->types[cols[i]];
        names[i] = in->names ? in->names[cols[i]] : (char *)"";
        ex[i] = sl_expr_col(cols[i], types[i], names[i]);
    }
    sl_pop *op = sl_pop_new(SL_POP_PROJECT, "project", n, types, names);
    op->u.project.n_exprs = n;
    op->u.project.exprs = ex;
    sl_free(types);
    sl_free(names);
    return sl_plan_on_top(op, in, query);
}

/* One chain for the windows ws[0..n) (same spec) over y; col_of[i] = result column of ws[i]
 * in the returned layout, whose first y->n_cols columns are y's. */
static sl_pop *plan_chain(sl_pop *y, sl_win *const *ws, int n, int query, int *col_of,
                          int64_t topn)
{
    const sl_win *w0 = ws[0];
    int ny = y->n_cols, cap = ny + w0->n_part + w0->n_order + 2 * n + 1, nx = ny;
    sl_expr **ex = sl_xcalloc((size_t)cap, sizeof *ex);
    char **names = sl_xcalloc((size_t)cap, sizeof *names);
    for (int i = 0; i < ny; i++) {
        names[i] = y->names ? y->names[i] : (char *)"";
        ex[i] = sl_expr_col(i, y->types[i], names[i]);
    }
    int *part = sl_xcalloc((size_t)w0->n_part + 1, sizeof *part);
    sl_sort_spec order = {0};
    order.n_keys = w0->n_order;
    order.cols = sl_xcalloc((size_t)w0->n_order + 1, sizeof *order.cols);
    order.desc = sl_xcalloc((size_t)w0->n_order + 1, sizeof *order.desc);
    order.nulls_first = sl_xcalloc((size_t)w0->n_order + 1, sizeof *order.nulls_first);
    for (int i = 0; i < w0->n_part; i++)
        part[i] = want_col(w0->part[i], ny, ex, names, &nx);
    for (int i = 0; i < w0->n_order; i++) {
        order.cols[i] = want_col(w0->order[i], ny, ex, names, &nx);
        order.desc[i] = w0->order_desc[i];
        order.nulls_first[i] = w0->order_nulls_first[i];
    }
    sl_win_call *calls = sl_xcalloc((size_t)n + 1, sizeof *calls);
    for (int i = 0; i < n; i++) {
        calls[i].fn = ws[i]->fn;
        calls[i].arg = ws[i]->arg ? want_col(ws[i]->arg, ny, ex, names, &nx) : -1;
        calls[i].def = ws[i]->def ? want_col(ws[i]->def, ny, ex, names, &nx) : -1;
        calls[i].param = ws[i]->param;
        calls[i].frame = ws[i]->frame;
        calls[i].type = ws[i]->type;
    }
    sl_pop *x = y;
    if (nx > ny) {
        sl_type *types = sl_xcalloc((size_t)nx + 1, sizeof *types);
        for (int i = 0; i < nx; i++)
            types[i] = ex[i]->type;
        x = sl_pop_new(SL_POP_PROJECT, "project", nx, types, names);
        x->u.project.n_exprs = nx;
        x->u.project.exprs = ex;
        ex = NULL;
        sl_free(types);
        x = sl_plan_on_top(x, y, query);
    } else {
        for (int i = 0; i < ny; i++)
            sl_expr_free(&ex[i]);
    }
    sl_free(ex);
    sl_free(names);

    /* rn <= topn: each rank keeps only its topn first rows of each partition (in the sort's
     * order below) before they are shipped (exec/op_topn.c). */
    if (topn > 0 && n == 1 && w0->fn == SL_WF_ROW_NUMBER && w0->n_part > 0 &&
        w0->n_order > 0) {
        sl_pop *t = sl_pop_new(SL_POP_TOPN, "top_n", x->n_cols, x->types, x->names);
        t->u.topn.n_part = w0->n_part;
        t->u.topn.part = sl_xcalloc((size_t)w0->n_part, sizeof *t->u.topn.part);
        memcpy(t->u.topn.part, part, sizeof *part * (size_t)w0->n_part);
        sl_sort_spec_copy(&t->u.topn.order, &order);
        t->u.topn.k = topn;
        x = sl_plan_on_top(t, x, query);
    }

    /* Every partition on one rank; without PARTITION BY the global order in slices. */
    int64_t halo_prev = 0, halo_next = 0;
    bool halos = halo_only(ws, n, &halo_prev, &halo_next);
    bool global = w0->n_part == 0 && halos;
    if (!halos) /* a partition outgrowing the grant cannot be computed slice by slice */
        halo_prev = halo_next = -1;
    if (global && w0->n_order == 0) {
        /* OVER (): no order, so the rows a rank read are as good a slice as any */
    } else if (global) {
        x = sl_plan_exchange(x, SL_PART_RANGE, "exchange", query);
        sl_sort_spec_copy(&x->u.exchange.order, &order);
    } else if (w0->n_part > 0) {
        x = sl_plan_exchange(x, SL_PART_HASH, "exchange", query);
        x->u.exchange.n_keys = w0->n_part;
        x->u.exchange.keys = sl_xcalloc((size_t)w0->n_part, sizeof *x->u.exchange.keys);
        memcpy(x->u.exchange.keys, part, sizeof *part * (size_t)w0->n_part);
    } else {
        x = sl_plan_exchange(x, SL_PART_GATHER, "gather", query);
        x->u.exchange.root = 0;
        x->u.exchange.ordered = false;
    }

    /* Sorted by (partition, order): a partition's rows are consecutive, in window order. */
    sl_pop *s = sl_pop_new(SL_POP_SORT, "sort", x->n_cols, x->types, x->names);
    sl_sort_spec *ss = &s->u.sort.order;
    int nk = w0->n_part + w0->n_order;
    ss->n_keys = nk;
    ss->cols = sl_xcalloc((size_t)nk + 1, sizeof *ss->cols);
    ss->desc = sl_xcalloc((size_t)nk + 1, sizeof *ss->desc);
    ss->nulls_first = sl_xcalloc((size_t)nk + 1, sizeof *ss->nulls_first);
    for (int i = 0; i < w0->n_part; i++)
        ss->cols[i] = part[i];
    for (int i = 0; i < w0->n_order; i++) {
        ss->cols[w0->n_part + i] = order.cols[i];
        ss->desc[w0->n_part + i] = order.desc[i];
        ss->nulls_first[w0->n_part + i] = order.nulls_first[i];
    }
    s->u.sort.offset = 0;
    s->u.sort.limit = -1;
    s->u.sort.n_keep = x->n_cols;
    x = sl_plan_on_top(s, x, query);

    /* The window operator: input columns, then one per call. */
    int nw = x->n_cols + n;
    sl_type *types = sl_xcalloc((size_t)nw + 1, sizeof *types);
    char **wnames = sl_xcalloc((size_t)nw + 1, sizeof *wnames);
    for (int i = 0; i < x->n_cols; i++) {
        types[i] = x->types[i];
        wnames[i] = x->names ? x->names[i] : (char *)"";
    }
    for (int i = 0; i < n; i++) {
        types[x->n_cols + i] = ws[i]->type;
        wnames[x->n_cols + i] = ws[i]->text;
    }
    sl_pop *wop = sl_pop_new(SL_POP_WINDOW, "window", nw, types, wnames);
    sl_free(types);
    sl_free(wnames);
    wop->u.window.n_part = w0->n_part;
    wop->u.window.part = part;
    wop->u.window.order = order;
    wop->u.window.n_calls = n;
    wop->u.window.calls = calls;
    wop->u.window.global = global;
    wop->u.window.halo_prev = halo_prev;
    wop->u.window.halo_next = halo_next;
    wop->collective = global;
    int n_in = x->n_cols;
    x = sl_plan_on_top(wop, x, query);

    /* Drop the hidden keys and arguments. */
    if (n_in > ny) {
        int *cols = sl_xcalloc((size_t)(ny + n) + 1, sizeof *cols);
        for (int i = 0; i < ny; i++)
            cols[i] = i;
        for (int i = 0; i < n; i++)
            cols[ny + i] = n_in + i;
        x = pick(x, cols, ny + n, query);
        sl_free(cols);
    }
    for (int i = 0; i < n; i++)
        col_of[i] = ny + i;
    return x;
}

/* Rows a top-k may keep per partition at most: beyond, the plain path. */
#define TOPN_MAX 100000

int64_t sl_plan_topn_rows(const sl_expr *e, int col)
{
    if (!e || e->kind != SL_E_CALL)
        return 0;
    if (e->fn == SL_FN_AND) {
        int64_t a = sl_plan_topn_rows(e->args[0], col), b = sl_plan_topn_rows(e->args[1], col);
        return a > 0 && (b <= 0 || a < b) ? a : b;
    }
    if (e->n_args != 2)
        return 0;
    const sl_expr *c = e->args[0], *k = e->args[1];
    bool flip = false;
    if (c->kind == SL_E_CONST) {
        c = e->args[1];
        k = e->args[0];
        flip = true;
    }
    if (c->kind != SL_E_COL || c->col != col || k->kind != SL_E_CONST || k->cval.is_null ||
        !sl_type_is_int(k->type) || !sl_type_is_int(c->type))
        return 0;
    int64_t v = k->cval.v.i;
    /* rn <= v, rn = v, v >= rn: the v first; rn < v, v > rn: the v - 1 first */
    if (e->fn == SL_FN_EQ || e->fn == (flip ? SL_FN_GE : SL_FN_LE))
        ;
    else if (e->fn == (flip ? SL_FN_GT : SL_FN_LT))
        v = v > INT64_MIN ? v - 1 : 0;
    else
        return 0;
    return v >= 1 && v <= TOPN_MAX ? v : 0;
}

int64_t sl_plan_topn_for(const sl_query *q, int64_t from_above)
{
    if (q->n_wins != 1 || q->has_agg || q->limit >= 0 || q->offset > 0)
        return 0;
    const sl_win *w = &q->wins[0];
    if (w->fn != SL_WF_ROW_NUMBER || w->n_part == 0 || w->n_order == 0)
        return 0;
    /* QUALIFY refers to the window as column -1 (plan.h's L2 before the rewrite) */
    int64_t k = sl_plan_topn_rows(q->qualify, -1);
    if (from_above > 0 && (k <= 0 || from_above < k))
        k = from_above;
    /* a QUALIFY that does not bound rn filters rows the block above then bounds: still
     * only the k first of each partition are kept there */
    return k;
}

sl_pop *sl_plan_windows(sl_pop *x, const sl_query *q, int query, int64_t topn)
{
    int nx = x->n_cols, nw = q->n_wins;
    int *col_of = sl_xcalloc((size_t)nw + 1, sizeof *col_of);
    bool *done = sl_xcalloc((size_t)nw + 1, sizeof *done);
    sl_win **grp = sl_xcalloc((size_t)nw + 1, sizeof *grp);
    int *idx = sl_xcalloc((size_t)nw + 1, sizeof *idx);
    int *cols = sl_xcalloc((size_t)nw + 1, sizeof *cols);
    bool in_order = true;
    int next = nx;
    for (int w = 0; w < nw; w++) {
        if (done[w])
            continue;
        int n = 0;
        for (int v = w; v < nw; v++)
            if (!done[v] && same_spec(&q->wins[w], &q->wins[v])) {
                done[v] = true;
                idx[n] = v;
                grp[n++] = &q->wins[v];
            }
        x = plan_chain(x, grp, n, query, cols, topn);
        for (int i = 0; i < n; i++) {
            col_of[idx[i]] = cols[i];
            in_order &= cols[i] == next++ && idx[i] == cols[i] - nx;
        }
    }
    if (!in_order) {
        int *all = sl_xcalloc((size_t)(nx + nw) + 1, sizeof *all);
        for (int i = 0; i < nx; i++)
            all[i] = i;
        for (int w = 0; w < nw; w++)
            all[nx + w] = col_of[w];
        x = pick(x, all, nx + nw, query);
        sl_free(all);
    }
    sl_free(col_of);
    sl_free(done);
    sl_free(grp);
    sl_free(idx);
    sl_free(cols);
    return x;
}

/* A copy of e with window references (col -1 - w) made columns base + w. */
static void map_ref(sl_expr *e, void *ctx)
{
    int base = *(const int *)ctx;
    if (e->kind == SL_E_COL && e->col < 0)
        e->col = base + (-1 - e->col);
}

static sl_expr *mapped(const sl_expr *e, int base)
{
    if (!e)
        return NULL;
    sl_expr *c = sl_expr_copy(e);
    sl_expr_walk(c, map_ref, &base);
    return c;
}

void sl_plan_window_query(sl_query *dst, const sl_query *q, int base)
{
    *dst = *q;
    dst->outs = sl_xcalloc((size_t)q->n_outs + 1, sizeof *dst->outs);
    for (int i = 0; i < q->n_outs; i++)
        dst->outs[i] = mapped(q->outs[i], base);
    dst->order = sl_xcalloc((size_t)q->n_order + 1, sizeof *dst->order);
    for (int i = 0; i < q->n_order; i++)
        dst->order[i] = mapped(q->order[i], base);
    dst->qualify = mapped(q->qualify, base);
}

void sl_plan_window_query_free(sl_query *dst)
{
    for (int i = 0; i < dst->n_outs; i++)
        sl_expr_free(&dst->outs[i]);
    sl_free(dst->outs);
    for (int i = 0; i < dst->n_order; i++)
        sl_expr_free(&dst->order[i]);
    sl_free(dst->order);
    sl_expr_free(&dst->qualify);
}
