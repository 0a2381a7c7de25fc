/*
 * EXPLAIN: the distributed physical plan of a bound query as text — stages, what runs on
 * which ranks, exchanges, the filter and columns pushed into each scan. Local.
 */
#ifndef SL_EXPLAIN_H
#define SL_EXPLAIN_H

#include "plan/plan.h"

/* Returns the plan of q as text (new; free with sl_free). Local. */
char *sl_explain_query(const sl_query *q, const sl_settings *st, int n_ranks);

#endif
