/*
 * Heavy groups of a holistic aggregation (median, quantile_cont, quantile_disc, mad, mode,
 * entropy): found collectively and finished by a distributed selection over the ranks' parts
 * (exec/agg_heavy.c) or by value counts summed across ranks (exec/agg_heavy_counts.c), so
 * that no rank receives a group that holds a large share of the rows. Private to src/exec.
 */
#ifndef SL_AGG_HEAVY_H
#define SL_AGG_HEAVY_H

#include "exec/exec_int.h"
#include "spill/rowstore.h"

typedef struct sl_agg_heavy sl_agg_heavy;

/* Returns new holder of a PARTIAL aggregation's state batches (op: the PARTIAL node, layout
 * [keys, states...]) for heavy-group splitting at share threshold (> 0); free with
 * sl_agg_heavy_free. Local. */
sl_agg_heavy *sl_agg_heavy_new(sl_exec *x, sl_pop *op, double threshold);
void sl_agg_heavy_free(sl_agg_heavy **ph);

/* Takes a state batch (ownership passes): counted into the rank's heavy-hitter summary and
 * held (in a row store that spills beyond the operator's grant) until the end. Local. */
int sl_agg_heavy_add(sl_agg_heavy *h, sl_batch *b, sl_err *err);

/*
 * The end: finds the groups with at least `threshold` of all the values over all ranks,
 * finishes their splittable aggregates by selection, and pushes on (sl_exec_emit from the
 * PARTIAL node) every held state batch, a heavy group's splittable states emptied, plus, from
 * one rank per heavy group, one state row carrying the finished results. Every rank calls it,
 * also with no rows and after an error (it agrees first), and runs the same collectives in
 * the same order. Collective over x->comm.
 */
int sl_agg_heavy_finish(sl_agg_heavy *h, sl_err *err);

/* Finishes mode or entropy call a (func/agg_vals.h: sl_agg_vals_counted) of a heavy group
 * whose values on this rank are column s of store (n > 0 values over all ranks) from the
 * values' counts, summed across ranks by value (exec/agg_heavy_counts.c): *res gets the
 * result bits (mode over VARCHAR: str_res the string), *has whether there is one. grant: the
 * operator's. Collective over x->comm. */
void sl_agg_heavy_counts(sl_exec *x, int64_t grant, sl_rowstore *store, int s,
                         const sl_agg *a, int64_t n, uint64_t *res, sl_buf *str_res,
                         bool *has, sl_err *err);

#endif
