/* Freeing bound queries; see plan.h. Local. */
#include "plan/plan.h"
#include "core/mem.h"
#include "func/aggregate.h"

static void free_strv(char **v, int n)
{
    for (int i = 0; i < n; i++)
        sl_free(v[i]);
    sl_free(v);
}

static void free_exprv(sl_expr **v, int n)
{
    for (int i = 0; i < n; i++)
        sl_expr_free(&v[i]);
    sl_free(v);
}

static void free_source(sl_source *s)
{
    /* s->fsrc belongs to the statement's sources (sl_fmt_sources), not to the query. */
    free_strv(s->file_col_names, s->n_file_cols);
    sl_free(s->file_col_types);
    sl_free(s->proj);
    sl_query_free(&s->child);
    sl_query_free(&s->right);
    sl_expr_free(&s->on);
    sl_free(s->join_out);
    free_strv(s->col_quals, s->n_quals);
    sl_free(s->col_hidden);
    sl_free(s->col_using);
    sl_free(s->alias);
}

void sl_win_clear(sl_win *w)
{
    sl_expr_free(&w->arg);
    sl_expr_free(&w->def);
    free_exprv(w->part, w->n_part);
    free_exprv(w->order, w->n_order);
    sl_free(w->order_desc);
    sl_free(w->order_nulls_first);
    sl_free(w->text);
    w->part = w->order = NULL;
    w->order_desc = w->order_nulls_first = NULL;
    w->text = NULL;
}

void sl_query_free(sl_query **pq)
{
    if (!pq || !*pq)
        return;
    sl_query *q = *pq;
    free_source(&q->src);
    sl_expr_free(&q->where);
    free_exprv(q->groups, q->n_groups);
    for (int i = 0; i < q->n_aggs; i++)
        sl_agg_clear(&q->aggs[i]);
    sl_free(q->aggs);
    sl_expr_free(&q->having);
    for (int i = 0; i < q->n_wins; i++)
        sl_win_clear(&q->wins[i]);
    sl_free(q->wins);
    sl_expr_free(&q->qualify);
    free_exprv(q->outs, q->n_outs);
    free_strv(q->out_names, q->n_outs);
    free_exprv(q->order, q->n_order);
    sl_free(q->order_desc);
    sl_free(q->order_nulls_first);
    sl_free(q);
    *pq = NULL;
}
