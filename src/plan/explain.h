/*
 * EXPLAIN: the physical operator tree of a statement as text, from the sink down to the
 * scans: what each operator does, exchanges and their partitioners, the filter and columns
 * pushed into each scan, memory grants, pipeline breakers. Local.
 */
#ifndef SL_EXPLAIN_H
#define SL_EXPLAIN_H

#include "plan/physical.h"

/* EXPLAIN ANALYZE: fn(ctx, buf, metrics_op, depth) appends measured figures (text lines
 * into buf, an sl_buf) under the line of the operator whose metrics handle is metrics_op. */
typedef void (*sl_explain_annot)(void *ctx, void *buf, int metrics_op, int depth);

/* Returns the plan as text (new; free with sl_free); fn may be NULL (plain EXPLAIN).
 * Local. */
char *sl_explain_plan(const sl_pop *root, const sl_settings *st, int n_ranks,
                      sl_explain_annot fn, void *ctx);

#endif
