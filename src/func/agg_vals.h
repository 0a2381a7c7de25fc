/*
 * Finishing a heavy group's holistic aggregates without one rank holding the group
 * (exec/agg_heavy.c): the aggregate side. The quantiles, median and mad read their result off
 * one or two positions of the sorted values (mad in two phases: the median, then the median
 * of the absolute deviations from it), so a distributed selection of those positions over the
 * ranks' parts finishes them exactly; the result then travels to the group's owner as a
 * marker state (SL_AGG_VALS_DONE_LEN bytes: the result's 8 bytes and a tag) in place of the
 * values, and the owner's finalize returns it as it is. The arithmetic here is GSL's
 * (gsl_stats_quantile_from_sorted_data, gsl_stats_median), so the answer is the one the
 * owner would compute from the whole sorted group, bit for bit. Local.
 */
#ifndef SL_AGG_VALS_H
#define SL_AGG_VALS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "func/expr.h"

/* A state of this length ending in this tag is a finished result, not values (a values
 * state is a multiple of 8 bytes long). */
#define SL_AGG_VALS_DONE_LEN 9
#define SL_AGG_VALS_DONE_TAG 'R'

/* Writes the marker state of result bits res (a double, or the BIGINT of quantile_disc over
 * BIGINT: the call's result type) to m. Local. */
static inline void sl_agg_vals_marker(uint64_t res, char m[SL_AGG_VALS_DONE_LEN])
{
    memcpy(m, &res, 8);
    m[8] = SL_AGG_VALS_DONE_TAG;
}

/* Whether a heavy group of call a can be finished by selection: median, quantile_cont,
 * quantile_disc, mad (mode and entropy need every distinct value's count: not). Local. */
bool sl_agg_vals_splittable(const sl_agg *a);

/* Phases of call a (1, or 2 for mad). In phase 0 the values are the argument's (as its type;
 * mad: converted to double); in phase 1 (mad) they are |double(x) - center|, center being
 * phase 0's result. Local. */
int sl_agg_vals_phases(const sl_agg *a);

/* The 0-based positions in ascending order of the n (> 0) values that the phase reads: 1 or
 * 2 of them, written to pos; returns how many. Local. */
int sl_agg_vals_positions(const sl_agg *a, int phase, int64_t n, int64_t pos[2]);

/* The phase's result from the values at those positions (bits as the phase's values are:
 * the argument's type in phase 0, except mad's doubles): the call's result bits, or for
 * mad's phase 0 the center (a double's bits). Local. */
uint64_t sl_agg_vals_result(const sl_agg *a, int phase, int64_t n, const uint64_t vals[2]);

#endif
