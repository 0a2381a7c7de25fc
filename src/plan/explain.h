/*
 * EXPLAIN: the distributed physical plan of a bound query as text — stages, what runs on
 * which ranks, exchanges, the filter and columns pushed into each scan. Local.
 */
#ifndef SL_EXPLAIN_H
#define SL_EXPLAIN_H

#include "plan/plan.h"

/* Returns the plan of q as text (new; free with sl_free). Local. */
char *sl_explain_query(const sl_query *q, const sl_settings *st, int n_ranks);

/* EXPLAIN ANALYZE: fn(ctx, buf, q, op, depth) appends measured figures (text lines into buf,
 * an sl_buf) after the line of operator op (sl_op_kind, src/obs/metrics.h) of query q. */
typedef void (*sl_explain_annot)(void *ctx, void *buf, const void *q, int op, int depth);
/* Returns the plan of q with fn's figures (new; free with sl_free). Local. */
char *sl_explain_query_analyzed(const sl_query *q, const sl_settings *st, int n_ranks,
                                sl_explain_annot fn, void *ctx);

#endif
