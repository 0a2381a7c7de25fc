/*
 * Band terms of a join's residual: the conjuncts that compare an expression of the probe row
 * with an expression of the build row (`a.n > b.n + 90`, `a.t BETWEEN b.lo AND b.hi`) over
 * 8-byte integers (BIGINT, DATE, TIMESTAMP, narrow DECIMAL...) or DOUBLEs, which the hash join
 * turns into ranges over its table's ordered build values (exec/join_bounds.h), and EXPLAIN
 * names. Local.
 */
#ifndef SL_PLAN_BAND_H
#define SL_PLAN_BAND_H

#include <stdbool.h>

#include "func/expr.h"

/* probe OP build, OP one of SL_FN_LT, LE, GT, GE, EQ. */
typedef struct sl_band_term {
    sl_expr *probe;    /* over the probe batch's columns */
    sl_expr *build;    /* over the build batch's columns */
    int op;
    bool dbl;          /* DOUBLE operands (keyed by order), else 8-byte integers */
} sl_band_term;

typedef struct sl_band {
    sl_band_term *t;
    int n;
    sl_expr *rest;     /* the other conjuncts ANDed in their order (over pair columns), or NULL */
    char *text;        /* the terms' conjuncts as written, ANDed (EXPLAIN) */
} sl_band;

/* The band terms among residual's conjuncts (residual over pair columns: the probe side's
 * n_probe columns, then the build side's): a comparison is one term, a BETWEEN two (x >= lo,
 * x <= hi: both or neither). False, band empty, when there is none. */
bool sl_band_split(const sl_expr *residual, int n_probe, sl_band *band);
void sl_band_free(sl_band *band);

#endif
