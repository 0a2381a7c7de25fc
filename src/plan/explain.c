/*
 * Renders the physical plan that src/exec/query_exec.c will run for a bound query, stage by
 * stage, innermost (the scan) first. It mirrors query_exec.c's structure: change both together.
 * Local.
 */
#include "plan/explain.h"

#include "core/buf.h"
#include "core/mem.h"
#include "core/size.h"
#include "io/csv.h"
#include "obs/metrics.h"

static void indent(sl_buf *b, int depth)
{
    for (int i = 0; i < depth; i++)
        sl_buf_puts(b, "  ");
}

/* EXPLAIN ANALYZE: appends measured figures after an operator's line (NULL for EXPLAIN).
 * File-static because the plan walk is single-threaded and recursive. */
static sl_explain_annot g_annot;
static void *g_annot_ctx;

static void annot(sl_buf *b, const sl_query *q, int op, int depth)
{
    if (g_annot)
        g_annot(g_annot_ctx, b, q, op, depth);
}

static void expr_list(sl_buf *b, sl_expr *const *e, int n)
{
    for (int i = 0; i < n; i++)
        sl_buf_printf(b, "%s%s", i ? ", " : "", e[i]->text);
}

static void explain(sl_buf *b, const sl_query *q, const sl_settings *st, int n_ranks, int depth)
{
    char sz[32], bs[32];
    const sl_source *src = &q->src;
    indent(b, depth);
    sl_buf_puts(b, "Stage: every rank\n");
    indent(b, depth + 1);
    if (src->kind != SL_SRC_QUERY) {
        if (src->kind == SL_SRC_CSV) {
            int64_t blk = sl_csv_source_blocksize(src->csv_src);
            sl_buf_printf(b, "Scan read_csv: %d file(s), %s in %d range(s) of %s over %d "
                          "rank(s)\n", sl_csv_source_nfiles(src->csv_src),
                          sl_format_size(sl_csv_source_bytes(src->csv_src), sz, sizeof sz),
                          sl_csv_source_nranges(src->csv_src),
                          sl_format_size(blk, bs, sizeof bs), n_ranks);
        } else {
            sl_buf_printf(b, "Scan table %s: each rank its own rows (memory, then spill file)\n",
                          src->table->name);
        }
        indent(b, depth + 2);
        sl_buf_printf(b, "columns %s: %d of %d [", src->kind == SL_SRC_CSV ? "parsed" : "read",
                      src->n_proj, src->n_file_cols);
        for (int i = 0; i < src->n_proj; i++)
            sl_buf_printf(b, "%s%s %s", i ? ", " : "", src->file_col_names[src->proj[i]],
                          sl_type_name(src->file_col_types[src->proj[i]]));
        sl_buf_puts(b, "]\n");
        annot(b, q, SL_OP_SCAN, depth + 2);
    } else {
        sl_buf_printf(b, "Subquery %s (rows stream into this stage where produced)\n",
                      src->alias ? src->alias : "");
        explain(b, src->child, st, n_ranks, depth + 2);
    }
    if (q->where) {
        indent(b, depth + 2);
        sl_buf_printf(b, "filter (pushed into the scan, before any exchange): %s\n",
                      q->where->text);
        annot(b, q, SL_OP_FILTER, depth + 2);
    }
    if (q->has_agg) {
        indent(b, depth + 1);
        sl_buf_puts(b, "Partial hash aggregate: keys [");
        expr_list(b, q->groups, q->n_groups);
        sl_buf_puts(b, "] aggregates [");
        for (int i = 0; i < q->n_aggs; i++)
            sl_buf_printf(b, "%s%s", i ? ", " : "", q->aggs[i].text);
        sl_buf_puts(b, "]\n");
        annot(b, q, SL_OP_PARTIAL_AGG, depth + 2);
        indent(b, depth);
        if (q->n_groups > 0) {
            sl_buf_puts(b, "Exchange: hash(");
            expr_list(b, q->groups, q->n_groups);
            sl_buf_printf(b, ") %% %d ranks, MPI_Alltoallv in rounds of <= %s per rank\n",
                          n_ranks, sl_format_size(st->exchange_round_bytes, sz, sizeof sz));
        } else {
            sl_buf_puts(b, "Exchange: partial states to rank 0 (no group keys)\n");
        }
        annot(b, q, SL_OP_EXCHANGE, depth + 1);
        indent(b, depth);
        sl_buf_puts(b, q->n_groups > 0 ? "Stage: every rank\n" : "Stage: rank 0\n");
        indent(b, depth + 1);
        sl_buf_puts(b, "Final hash aggregate\n");
        annot(b, q, SL_OP_FINAL_AGG, depth + 2);
        if (q->having) {
            indent(b, depth + 1);
            sl_buf_printf(b, "filter (HAVING): %s\n", q->having->text);
            annot(b, q, SL_OP_HAVING, depth + 2);
        }
    }
    indent(b, depth + 1);
    sl_buf_puts(b, "Project: ");
    for (int i = 0; i < q->n_outs; i++)
        sl_buf_printf(b, "%s%s AS %s", i ? ", " : "", q->outs[i]->text, q->out_names[i]);
    sl_buf_puts(b, "\n");
    annot(b, q, SL_OP_PROJECT, depth + 2);
    if (q->n_order > 0 || q->limit >= 0 || q->offset > 0) {
        indent(b, depth);
        sl_buf_puts(b, "Exchange: gather to rank 0 (each rank sends its local top rows when "
                       "LIMIT is set)\n");
        annot(b, q, SL_OP_GATHER, depth + 1);
        indent(b, depth);
        sl_buf_puts(b, "Stage: rank 0\n");
        indent(b, depth + 1);
        sl_buf_puts(b, "Sort: ");
        if (q->n_order == 0)
            sl_buf_puts(b, "(none)");
        for (int i = 0; i < q->n_order; i++)
            sl_buf_printf(b, "%s%s %s NULLS %s", i ? ", " : "", q->order[i]->text,
                          q->order_desc[i] ? "DESC" : "ASC",
                          q->order_nulls_first[i] ? "FIRST" : "LAST");
        if (q->limit >= 0)
            sl_buf_printf(b, " LIMIT %lld", (long long)q->limit);
        if (q->offset > 0)
            sl_buf_printf(b, " OFFSET %lld", (long long)q->offset);
        sl_buf_puts(b, "\n");
        annot(b, q, SL_OP_SORT, depth + 2);
    }
}

char *sl_explain_query(const sl_query *q, const sl_settings *st, int n_ranks)
{
    sl_buf b;
    sl_buf_init(&b);
    explain(&b, q, st, n_ranks, 0);
    return sl_buf_take(&b);
}

char *sl_explain_query_analyzed(const sl_query *q, const sl_settings *st, int n_ranks,
                                sl_explain_annot fn, void *ctx)
{
    g_annot = fn;
    g_annot_ctx = ctx;
    char *text = sl_explain_query(q, st, n_ranks);
    g_annot = NULL;
    g_annot_ctx = NULL;
    return text;
}
