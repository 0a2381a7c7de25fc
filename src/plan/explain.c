/*
 * EXPLAIN: prints the physical operator tree (physical.h) the scheduler runs, from the sink
 * down to the sources, one line per operator with what it does, where it runs and its memory
 * grant; pipeline breakers are marked, since that is where a pipeline ends. EXPLAIN ANALYZE
 * prints the same tree with the measured figures of each operator under its line (through
 * the annotation callback, which the metrics module provides). Local.
 */
#include "plan/explain.h"

#include "core/buf.h"
#include "core/mem.h"
#include "core/size.h"
#include "io/format.h"
#include "plan/band.h"

typedef struct ex {
    sl_buf *b;
    const sl_settings *st;
    int n_ranks;
    sl_explain_annot annot;
    void *ctx;
} ex;

static void skew_text(ex *e, const sl_pop *op);

static void indent(sl_buf *b, int depth)
{
    for (int i = 0; i < depth; i++)
        sl_buf_puts(b, "  ");
}

static void expr_list(sl_buf *b, sl_expr *const *e, int n)
{
    for (int i = 0; i < n; i++)
        sl_buf_printf(b, "%s%s", i ? ", " : "", e[i]->text);
}

static const char *col_name(const sl_pop *op, int c)
{
    const sl_pop *in = op->n_children ? op->children[0] : op;
    return in->names && in->names[c] ? in->names[c] : "?";
}

/* Column c of op's own layout. */
static const char *own_name(const sl_pop *op, int c)
{
    return op->names && op->names[c] ? op->names[c] : "?";
}

static void sort_keys(sl_buf *b, const sl_pop *op, const sl_sort_spec *o)
{
    for (int i = 0; i < o->n_keys; i++)
        sl_buf_printf(b, "%s%s %s NULLS %s", i ? ", " : "", col_name(op, o->cols[i]),
                      o->desc[i] ? "DESC" : "ASC", o->nulls_first[i] ? "FIRST" : "LAST");
}

/* An aggregation: Partial (rows -> states), Distinct (the partial aggregation that feeds each
 * DISTINCT value once and combines the other states), Merge (states -> states), Final. */
static void agg_line(sl_buf *b, const sl_pop *op)
{
    bool distinct = false;
    for (int i = 0; i < op->u.agg.n_aggs; i++)
        distinct |= op->u.agg.aggs[i].distinct;
    const char *kind = op->u.agg.mode == SL_AGG_FINAL ? "Final"
                       : op->u.agg.mode == SL_AGG_MERGE ? "Merge"
                       : distinct ? "Distinct" : "Partial";
    sl_buf_printf(b, "%s hash aggregate: keys [", kind);
    if (op->u.agg.mode == SL_AGG_PARTIAL)
        expr_list(b, op->u.agg.keys, op->u.agg.n_keys);
    else
        for (int i = 0; i < op->u.agg.n_keys; i++)
            sl_buf_printf(b, "%s%s", i ? ", " : "", col_name(op, i));
    sl_buf_puts(b, "] aggregates [");
    for (int i = 0; i < op->u.agg.n_aggs; i++) {
        bool merged = op->u.agg.in_state && op->u.agg.in_state[i] >= 0;
        sl_buf_printf(b, "%s%s%s", i ? ", " : "", op->u.agg.aggs[i].text,
                      merged ? " (merging states)" : "");
    }
    sl_buf_puts(b, "]");
    if (op->u.agg.mode == SL_AGG_PARTIAL && op->u.agg.n_sets > 1) {
        sl_buf_puts(b, ", each row once per DISTINCT argument [");
        expr_list(b, op->u.agg.keys + op->u.agg.n_keys - op->u.agg.n_sets, op->u.agg.n_sets);
        sl_buf_puts(b, "]");
    }
    if (op->u.agg.mode == SL_AGG_MERGE)
        sl_buf_puts(b, ", emits merged states");
    if (op->u.agg.mode == SL_AGG_FINAL && op->u.agg.n_keys == 0)
        sl_buf_puts(b, " on rank 0");
}

static void grant(sl_buf *b, const sl_pop *op)
{
    char g[32];
    if (op->grant > 0)
        sl_buf_printf(b, " [memory up to %s, then spill]", sl_format_size(op->grant, g, sizeof g));
}

static void scan_line(ex *e, const sl_pop *op, int depth)
{
    sl_buf *b = e->b;
    const sl_source *src = op->u.scan.src;
    if (src->kind == SL_SRC_FORMAT) {
        sl_fmt_source_explain(b, src->fsrc, e->n_ranks); /* the format's own line */
    } else if (src->table->one_row) {
        sl_buf_puts(b, "Scan one row of no columns on rank 0 (SELECT without FROM)\n");
    } else {
        sl_buf_printf(b, "Scan table %s: each rank its own rows (memory, then spill file)\n",
                      src->table->name);
    }
    indent(b, depth + 1);
    sl_buf_printf(b, "columns %s: %d of %d [", src->kind == SL_SRC_FORMAT ? "parsed" : "read",
                  op->u.scan.n_proj, src->n_file_cols);
    for (int i = 0; i < op->u.scan.n_proj; i++)
        sl_buf_printf(b, "%s%s %s", i ? ", " : "", src->file_col_names[op->u.scan.proj[i]],
                      sl_type_name(src->file_col_types[op->u.scan.proj[i]]));
    sl_buf_puts(b, "]\n");
}

static void exchange_line(ex *e, const sl_pop *op)
{
    sl_buf *b = e->b;
    char sz[32];
    switch (op->u.exchange.part) {
    case SL_PART_HASH:
        sl_buf_puts(b, "Exchange: hash(");
        for (int i = 0; i < op->u.exchange.n_keys; i++)
            sl_buf_printf(b, "%s%s", i ? ", " : "", col_name(op, op->u.exchange.keys[i]));
        sl_buf_printf(b, ") %% %d ranks", e->n_ranks);
        break;
    case SL_PART_RANGE:
        sl_buf_puts(b, "Exchange: range by (");
        sort_keys(b, op, &op->u.exchange.order);
        sl_buf_printf(b, "), %d ranks, splitters from a sample agreed by all ranks",
                      e->n_ranks);
        break;
    case SL_PART_BROADCAST:
        sl_buf_puts(b, "Exchange: broadcast to every rank");
        break;
    case SL_PART_ROUND_ROBIN:
        sl_buf_puts(b, "Exchange: round robin over the ranks");
        break;
    case SL_PART_GATHER:
        sl_buf_printf(b, "Exchange: gather to rank %d%s", op->u.exchange.root,
                      op->u.exchange.ordered ? " (rank by rank, in order)" : "");
        break;
    }
    if (op->u.exchange.join_side == 1)
        sl_buf_puts(b, ", or broadcast when small (the join above decides)");
    else if (op->u.exchange.join_side == 2)
        sl_buf_puts(b, ", or no move when the join's right side is broadcast");
    sl_buf_printf(b, ", MPI_Alltoallv in rounds of <= %s per rank",
                  sl_format_size(e->st->exchange_round_bytes, sz, sizeof sz));
    /* Issue #16: flat, or relayed through one leader per node (mpi/exchange.c). */
    int64_t thr = e->st->exchange_two_level_ranks > 0 ? e->st->exchange_two_level_ranks : 64;
    if (e->st->exchange_two_level > 0)
        sl_buf_puts(b, ", two-level (through one leader per node)");
    else if (e->st->exchange_two_level == 0 && e->n_ranks >= thr)
        sl_buf_printf(b, ", two-level when the %d ranks span several nodes", e->n_ranks);
    else
        sl_buf_printf(b, ", flat (two-level from %lld ranks over several nodes)", (long long)thr);
}

static void sink_line(ex *e, const sl_pop *op)
{
    sl_buf *b = e->b;
    switch (op->u.sink.kind) {
    case SL_SINK_RESULT:
        sl_buf_printf(b, "Sink: gather to rank 0%s, print", op->u.sink.ordered ?
                      " rank by rank (the ranks hold consecutive slices of the order)" : "");
        break;
    case SL_SINK_COPY: {
        const sl_copy_opts *c = op->u.sink.copy;
        sl_buf_printf(b, "Sink: every rank writes part-<rank>-<seq>%s",
                      c && c->format ? c->format->ext : "");
        for (int i = 0; c && i < c->n_partition; i++)
            sl_buf_printf(b, "%s%s", i ? ", " : " under hive directories by ",
                          c->partition_by[i]);
        sl_buf_puts(b, "; rank 0 commits (rename + _SUCCESS manifest)");
        break;
    }
    case SL_SINK_TABLE:
        sl_buf_printf(b, "Sink: every rank keeps its rows in table %s (memory while the "
                      "budget allows, then its spill file)", op->u.sink.table->name);
        break;
    case SL_SINK_COUNT:
        sl_buf_puts(b, "Sink: count the rows");
        break;
    }
}

/* Whether a window has a frame call over a RANGE frame with an offset or bounded on both
 * sides (a global one gets the rows within its offsets from the other ranks: op_window.c's
 * key_halos). */
static bool window_keyed(const sl_pop *op)
{
    for (int i = 0; i < op->u.window.n_calls; i++) {
        const sl_win_call *c = &op->u.window.calls[i];
        bool frame_fn = c->fn == SL_WF_FIRST_VALUE || c->fn == SL_WF_LAST_VALUE ||
                        c->fn == SL_WF_NTH_VALUE || c->fn == SL_WF_SUM || c->fn == SL_WF_AVG ||
                        c->fn == SL_WF_MIN || c->fn == SL_WF_MAX || c->fn == SL_WF_COUNT ||
                        c->fn == SL_WF_COUNT_STAR;
        const sl_win_frame *f = &c->frame;
        bool offset = f->start == SL_FB_PRECEDING || f->start == SL_FB_FOLLOWING ||
                      f->end == SL_FB_PRECEDING || f->end == SL_FB_FOLLOWING;
        /* the running / to-the-end ones without an offset come from partial aggregates */
        bool head = c->fn == SL_WF_FIRST_VALUE || c->fn == SL_WF_NTH_VALUE;
        bool scan = f->start == SL_FB_UNBOUNDED_PRECEDING ||
                    (!head && f->end == SL_FB_UNBOUNDED_FOLLOWING);
        if (frame_fn && !f->rows && (offset || !scan))
            return true;
    }
    return false;
}

/* "Window: row_number() AS rn over partitions (k) ordered by t DESC (input sorted)". */
static void window_line(sl_buf *b, const sl_pop *op)
{
    const sl_pop *in = op->children[0];
    int n_in = in->n_cols;
    sl_buf_puts(b, "Window: ");
    for (int i = 0; i < op->u.window.n_calls; i++)
        sl_buf_printf(b, "%s%s", i ? ", " : "", op->names ? op->names[n_in + i] : "?");
    sl_buf_puts(b, " over partitions (");
    for (int i = 0; i < op->u.window.n_part; i++)
        sl_buf_printf(b, "%s%s", i ? ", " : "",
                      in->names ? in->names[op->u.window.part[i]] : "?");
    sl_buf_puts(b, op->u.window.n_part ? ")" : "the whole input)");
    if (op->u.window.order.n_keys) {
        sl_buf_puts(b, " ordered by ");
        sort_keys(b, op, &op->u.window.order);
    }
    if (op->u.window.global)
        sl_buf_printf(b, ", over this rank's slice of the global order: row numbers from an "
                      "exclusive scan of the counts, running frames from the other ranks' partial "
                      "aggregates, %lld preceding and %lld following rows from the neighbours "
                      "(allgather)%s\n", (long long)op->u.window.halo_prev,
                      (long long)op->u.window.halo_next,
                      window_keyed(op) ? ", the rows within the RANGE frames' offsets of its "
                      "first and last keys from the ranks that hold them (alltoallv)" : "");
    else
        sl_buf_puts(b, ", streaming over its sorted input, one partition held at a time\n");
}

static void node(ex *e, const sl_pop *op, int depth)
{
    sl_buf *b = e->b;
    indent(b, depth);
    switch (op->kind) {
    case SL_POP_SCAN:
        scan_line(e, op, depth);
        break;
    case SL_POP_FILTER:
        sl_buf_printf(b, "%s: %s\n", op->name[0] == 'h' ? "Filter (HAVING)"
                      : op->name[0] == 'q' ? "Filter (QUALIFY)" : "Filter",
                      op->u.filter.pred->text);
        break;
    case SL_POP_PROJECT:
        sl_buf_puts(b, "Project: ");
        for (int i = 0; i < op->u.project.n_exprs; i++)
            sl_buf_printf(b, "%s%s AS %s", i ? ", " : "", op->u.project.exprs[i]->text,
                          op->names ? op->names[i] : "?");
        sl_buf_puts(b, "\n");
        break;
    case SL_POP_AGG:
        agg_line(b, op);
        if (op->u.agg.split_heavy && e->st && e->st->heavy_group_threshold > 0)
            sl_buf_printf(b, ", holds its states: groups with >= %g of the values are finished "
                          "across the ranks (selection, value counts; heavy_group_threshold)",
                          e->st->heavy_group_threshold);
        grant(b, op);
        sl_buf_puts(b, " (breaker)\n");
        break;
    case SL_POP_EXCHANGE:
        exchange_line(e, op);
        grant(b, op);
        sl_buf_puts(b, " (breaker)\n");
        break;
    case SL_POP_SORT:
        sl_buf_printf(b, "%s: ", op->u.sort.limit >= 0 && op->parent &&
                      op->parent->kind == SL_POP_EXCHANGE ? "Local top-k sort" : "Sort");
        sort_keys(b, op, &op->u.sort.order);
        if (op->u.sort.order.n_keys == 0)
            sl_buf_puts(b, "(none)");
        sl_buf_puts(b, ", ties by every column");
        if (op->u.sort.limit >= 0)
            sl_buf_printf(b, " LIMIT %lld", (long long)op->u.sort.limit);
        if (op->u.sort.offset > 0)
            sl_buf_printf(b, " OFFSET %lld", (long long)op->u.sort.offset);
        grant(b, op);
        sl_buf_puts(b, " (breaker)\n");
        break;
    case SL_POP_LIMIT:
        sl_buf_puts(b, "Limit:");
        if (op->u.limit.limit >= 0)
            sl_buf_printf(b, " LIMIT %lld", (long long)op->u.limit.limit);
        if (op->u.limit.offset > 0)
            sl_buf_printf(b, " OFFSET %lld", (long long)op->u.limit.offset);
        sl_buf_puts(b, "\n");
        break;
    case SL_POP_UNION:
        sl_buf_printf(b, "Union all of %d inputs\n", op->n_children);
        break;
    case SL_POP_REPEAT:
        sl_buf_printf(b, "Repeat each row %s times\n",
                      op->children[0]->names ? op->children[0]->names[op->n_cols] : "n");
        break;
    case SL_POP_WINDOW:
        window_line(b, op);
        break;
    case SL_POP_TOPN: {
        const sl_pop *in = op->children[0];
        sl_buf_printf(b, "Top-%lld per partition (", (long long)op->u.topn.k);
        for (int i = 0; i < op->u.topn.n_part; i++)
            sl_buf_printf(b, "%s%s", i ? ", " : "",
                          in->names ? in->names[op->u.topn.part[i]] : "?");
        sl_buf_puts(b, ") ordered by ");
        sort_keys(b, op, &op->u.topn.order);
        sl_buf_puts(b, ", ties by every column: the rows a row_number() <= k keeps, before "
                    "the exchange (past its grant or without reduction it passes rows on)");
        grant(b, op);
        sl_buf_puts(b, "\n");
        break;
    }
    case SL_POP_JOIN: {
        static const char *const jn[] = { "INNER", "LEFT", "RIGHT", "FULL", "SEMI", "ANTI",
                                          "CROSS" };
        sl_buf_printf(b, "Hash join %s on (", jn[op->u.join.type]);
        const sl_pop *bs = op->children[0], *ps = op->children[1];
        for (int i = 0; i < op->u.join.n_keys; i++)
            sl_buf_printf(b, "%s%s = %s", i ? ", " : "", own_name(ps, op->u.join.probe_keys[i]),
                          own_name(bs, op->u.join.build_keys[i]));
        sl_buf_puts(b, ")");
        if (op->u.join.residual)
            sl_buf_printf(b, " and %s", op->u.join.residual->text);
        sl_band band;
        if (op->u.join.residual &&
            sl_band_split(op->u.join.residual, op->u.join.n_probe_out, &band)) {
            sl_buf_printf(b, " (band: %s, by binary search over the table's ordered values)",
                          band.text);
            sl_band_free(&band);
        }
        sl_buf_printf(b, "; build: the right side (first child), probe: the left side; %s",
                      op->u.join.strategy ? op->u.join.strategy : "");
        if (op->u.join.adaptive && !op->u.join.decided) {
            char th[32];
            sl_buf_printf(b, " (%s)", sl_format_size(e->st->broadcast_threshold, th, sizeof th));
        } else if (op->u.join.decided) {
            char sz[32], th[32];
            sl_buf_printf(b, "; chosen: %s (right side %s over all ranks %s broadcast_threshold "
                          "%s)", op->u.join.broadcast ? "broadcast" : "hash-partition both",
                          sl_format_size(op->u.join.build_bytes, sz, sizeof sz),
                          op->u.join.broadcast ? "<=" : ">",
                          sl_format_size(op->u.join.threshold, th, sizeof th));
        }
        skew_text(e, op);
        int pair = op->u.join.n_probe_out + op->u.join.n_build_out;
        if (op->n_cols < pair) /* the keys only the condition reads are not gathered */
            sl_buf_printf(b, "; output: %d of the pair's %d columns", op->n_cols, pair);
        grant(b, op);
        sl_buf_puts(b, "\n");
        break;
    }
    case SL_POP_SINK:
        sink_line(e, op);
        grant(b, op);
        sl_buf_puts(b, "\n");
        break;
    case SL_POP_N_KINDS:
        break;
    }
    if (e->annot && op->metrics_op >= 0)
        e->annot(e->ctx, b, op->metrics_op, depth + 1);
    for (int i = 0; i < op->n_children; i++)
        node(e, op->children[i], depth + 1);
}

/* Issue #12: the join's skew handling (exec/op_exchange.c), and after a run what it found. */
static void skew_text(ex *e, const sl_pop *op)
{
    sl_buf *b = e->b;
    const sl_join_type t = op->u.join.type;
    if (op->u.join.n_keys > 0 && (t == SL_JOIN_RIGHT || t == SL_JOIN_FULL) &&
        op->children[0]->kind == SL_POP_EXCHANGE) {
        sl_buf_puts(b, "; no skew handling for RIGHT / FULL (each right row must be on one "
                    "rank to be emitted once unmatched)");
        return;
    }
    if (!op->u.join.adaptive)
        return;
    if (op->u.join.skew_decided && !op->u.join.broadcast) {
        sl_buf_printf(b, "; heavy keys (>= skew_threshold %g of %lld left rows): %s",
                      op->u.join.skew_threshold, (long long)op->u.join.probe_rows,
                      op->u.join.n_heavy == 0 ? "none" :
                      op->u.join.heavy_text ? op->u.join.heavy_text : "?");
        if (op->u.join.n_heavy > 0)
            sl_buf_puts(b, ": their left rows stayed, their right rows went to every rank");
    } else if (op->u.join.skew_decided) {
        sl_buf_puts(b, "; skew handling not needed (the left side did not move)");
    } else if (op->u.join.decided) {
        sl_buf_printf(b, "; skew handling off (%s)", e->n_ranks <= 1 ? "1 rank" :
                      "skew_threshold 0");
    } else if (e->n_ranks > 1 && e->st->skew_threshold > 0) {
        sl_buf_printf(b, "; skew handling on when hash-partitioned: left keys with >= "
                      "skew_threshold %g of the left rows are heavy, their left rows stay on "
                      "their rank and their right rows go to every rank", e->st->skew_threshold);
    } else {
        sl_buf_printf(b, "; skew handling off (%s)", e->n_ranks <= 1 ? "1 rank" :
                      "skew_threshold 0");
    }
}

char *sl_explain_plan(const sl_pop *root, const sl_settings *st, int n_ranks,
                      sl_explain_annot fn, void *ctx)
{
    sl_buf b;
    sl_buf_init(&b);
    ex e = { &b, st, n_ranks, fn, ctx };
    node(&e, root, 0);
    return sl_buf_take(&b);
}
