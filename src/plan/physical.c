/* Physical plan nodes: construction, freeing, walking; see physical.h. Local. */
#include "plan/physical.h"

#include <string.h>

#include "core/mem.h"
#include "func/aggregate.h"

sl_pop_role sl_pop_role_of(const sl_pop *op)
{
    if (op->kind == SL_POP_SINK)
        return SL_ROLE_SINK;
    return op->n_children == 0 ? SL_ROLE_SOURCE : SL_ROLE_OPERATOR;
}

bool sl_pop_is_breaker(const sl_pop *op)
{
    return op->kind == SL_POP_AGG || op->kind == SL_POP_EXCHANGE || op->kind == SL_POP_SORT ||
           op->kind == SL_POP_SINK;
}

sl_pop *sl_pop_new(sl_pop_kind kind, const char *name, int n_cols, const sl_type *types,
                   char *const *names)
{
    sl_pop *op = sl_xcalloc(1, sizeof *op);
    op->kind = kind;
    op->name = name;
    op->n_cols = n_cols;
    op->types = sl_xcalloc((size_t)n_cols + 1, sizeof *op->types);
    if (n_cols > 0 && types)
        memcpy(op->types, types, sizeof *types * (size_t)n_cols);
    if (names) {
        op->names = sl_xcalloc((size_t)n_cols + 1, sizeof *op->names);
        for (int i = 0; i < n_cols; i++)
            op->names[i] = sl_xstrdup(names[i]);
    }
    op->metrics_op = -1;
    return op;
}

void sl_pop_add_child(sl_pop *op, sl_pop *child)
{
    op->children = sl_xrealloc(op->children, sizeof *op->children * (size_t)(op->n_children + 1));
    child->parent = op;
    child->child_idx = op->n_children;
    op->children[op->n_children++] = child;
}

void sl_sort_spec_copy(sl_sort_spec *dst, const sl_sort_spec *src)
{
    int n = src->n_keys;
    dst->n_keys = n;
    dst->cols = sl_xcalloc((size_t)n + 1, sizeof *dst->cols);
    dst->desc = sl_xcalloc((size_t)n + 1, sizeof *dst->desc);
    dst->nulls_first = sl_xcalloc((size_t)n + 1, sizeof *dst->nulls_first);
    for (int i = 0; i < n; i++) {
        dst->cols[i] = src->cols[i];
        dst->desc[i] = src->desc ? src->desc[i] : false;
        dst->nulls_first[i] = src->nulls_first ? src->nulls_first[i] : false;
    }
}

void sl_sort_spec_free(sl_sort_spec *s)
{
    sl_free(s->cols);
    sl_free(s->desc);
    sl_free(s->nulls_first);
    memset(s, 0, sizeof *s);
}

static void free_exprs(sl_expr **v, int n)
{
    for (int i = 0; i < n; i++)
        sl_expr_free(&v[i]);
    sl_free(v);
}

void sl_pop_free(sl_pop **pop)
{
    if (!pop || !*pop)
        return;
    sl_pop *op = *pop;
    for (int i = 0; i < op->n_children; i++)
        sl_pop_free(&op->children[i]);
    sl_free(op->children);
    sl_free(op->types);
    if (op->names)
        for (int i = 0; i < op->n_cols; i++)
            sl_free(op->names[i]);
    sl_free(op->names);
    switch (op->kind) {
    case SL_POP_SCAN:
        sl_free(op->u.scan.proj);
        sl_free(op->u.scan.preds);
        break;
    case SL_POP_FILTER:
        sl_expr_free(&op->u.filter.pred);
        break;
    case SL_POP_PROJECT:
        free_exprs(op->u.project.exprs, op->u.project.n_exprs);
        break;
    case SL_POP_AGG:
        free_exprs(op->u.agg.keys, op->u.agg.n_keys);
        for (int i = 0; i < op->u.agg.n_aggs; i++)
            sl_agg_clear(&op->u.agg.aggs[i]);
        sl_free(op->u.agg.aggs);
        sl_free(op->u.agg.in_state);
        break;
    case SL_POP_EXCHANGE:
        sl_free(op->u.exchange.keys);
        sl_sort_spec_free(&op->u.exchange.order);
        break;
    case SL_POP_JOIN:
        sl_free(op->u.join.build_keys);
        sl_free(op->u.join.probe_keys);
        sl_free(op->u.join.out_cols);
        sl_expr_free(&op->u.join.residual);
        sl_free(op->u.join.heavy);
        sl_free(op->u.join.heavy_rows);
        sl_free(op->u.join.heavy_text);
        break;
    case SL_POP_SORT:
        sl_sort_spec_free(&op->u.sort.order);
        break;
    case SL_POP_TOPN:
        sl_free(op->u.topn.part);
        sl_sort_spec_free(&op->u.topn.order);
        break;
    case SL_POP_WINDOW:
        sl_free(op->u.window.part);
        sl_sort_spec_free(&op->u.window.order);
        sl_free(op->u.window.calls);
        break;
    default:
        break;
    }
    sl_free(op);
    *pop = NULL;
}

void sl_pop_walk(sl_pop *op, void (*fn)(sl_pop *, void *), void *ctx)
{
    if (!op)
        return;
    for (int i = 0; i < op->n_children; i++)
        sl_pop_walk(op->children[i], fn, ctx);
    fn(op, ctx);
}
