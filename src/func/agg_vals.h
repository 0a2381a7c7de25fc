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

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "func/expr.h"

/* A state of this length ending in this tag is a finished result, not values (a values
 * state is a multiple of 8 bytes long). A list of quantiles (quantile_cont(x, [q1, ...]))
 * finishes as its n_params results' 8 bytes each and the tag: 8 n_params + 1 bytes. */
#define SL_AGG_VALS_DONE_LEN 9
#define SL_AGG_VALS_DONE_TAG 'R'

/* Writes the marker state of result bits res (a double, or the BIGINT of quantile_disc over
 * BIGINT: the call's result type) to m. Local. */
static inline void sl_agg_vals_marker(uint64_t res, char m[SL_AGG_VALS_DONE_LEN])
{
    memcpy(m, &res, 8);
    m[8] = SL_AGG_VALS_DONE_TAG;
}

/* Whether a numeric state (len bytes at p) is a finished result of nres results. Local. */
static inline bool sl_agg_vals_num_done(const char *p, int64_t len, int nres)
{
    return len == 8 * (int64_t)nres + 1 && p[len - 1] == SL_AGG_VALS_DONE_TAG;
}

/* VARCHAR values (mode, entropy): a state is records of a 4-byte length (host order) and
 * the bytes; a finished result is the length SL_AGG_VALS_STR_DONE and then the result's bytes
 * (mode: the string; entropy: the double's 8 bytes). */
#define SL_AGG_VALS_STR_DONE UINT32_MAX

/* Whether a VARCHAR state (len bytes at p) is a finished result. Local. */
static inline bool sl_agg_vals_str_done(const char *p, int64_t len)
{
    uint32_t l;
    if (len < 4)
        return false;
    memcpy(&l, p, 4);
    return l == SL_AGG_VALS_STR_DONE;
}

static inline double sl_agg_vals_bits_double(uint64_t v)
{
    double d;
    memcpy(&d, &v, 8);
    return d;
}

/* Records in a VARCHAR values state, or -1 if it is malformed (0 for a finished result).
 * Local. */
static inline int64_t sl_agg_vals_str_count(const char *p, int64_t len)
{
    if (sl_agg_vals_str_done(p, len))
        return 0;
    int64_t n = 0;
    for (int64_t j = 0; j < len; n++) {
        uint32_t l;
        if (len - j < 4)
            return -1;
        memcpy(&l, p + j, 4);
        if ((int64_t)l > len - j - 4)
            return -1;
        j += 4 + (int64_t)l;
    }
    return n;
}

/* Whether a heavy group of call a can be finished without its owner: by selection (median,
 * quantile_cont, quantile_disc, mad) or by value counts (mode, entropy: sl_agg_vals_counted).
 * Local. */
bool sl_agg_vals_splittable(const sl_agg *a);

/* Whether call a is finished from every distinct value's count (mode, entropy) rather than by
 * selection. Its result: mode's value bits (the argument's type, -0.0 as 0.0), entropy's
 * double bits. Local. */
bool sl_agg_vals_counted(const sl_agg *a);

/* Whether call a's values are records of bytes (VARCHAR; a HUGEINT, UBIGINT or UHUGEINT's 16
 * order-preserving bytes), not 8-byte numbers: its state and a counted result's marker are
 * the VARCHAR forms above. Local. */
bool sl_agg_vals_recs(const sl_agg *a);

/* Whether call a is entropy (else, if counted, mode). Local. */
bool sl_agg_vals_is_entropy(const sl_agg *a);

/*
 * entropy's sum, -sum p log2 p over the distinct values (p = c / n), in fixed point: each
 * term (a double in [0, 0.531]) scaled by 2^100 is an integer for every term >= 2^-47 (its
 * last bit is at or above 2^-100), so the 128-bit sum is the exact sum of the terms whatever
 * the order they are added in (no overflow: the sum is at most log2(n) < 64). The owner's scan
 * and a heavy group's per-rank parts therefore give the same bits at every rank count. Local.
 */
typedef unsigned __int128 sl_agg_ent_sum;

static inline sl_agg_ent_sum sl_agg_ent_term(int64_t c, int64_t n)
{
    double p = (double)c / (double)n, t = -(p * log2(p));
    return t > 0 ? (sl_agg_ent_sum)ldexp(t, 100) : 0;
}

static inline double sl_agg_ent_value(sl_agg_ent_sum s) { return ldexp((double)s, -100); }

/* Results of call a: its n_params quantiles for a list of them, else 1. Local. */
static inline int sl_agg_vals_nres(const sl_agg *a) { return a->n_params ? a->n_params : 1; }

/* Phases of call a (1, or 2 for mad). In phase 0 the values are the argument's (as its type;
 * mad: converted to double); in phase 1 (mad) they are |double(x) - center|, center being
 * phase 0's result. Local. */
int sl_agg_vals_phases(const sl_agg *a);

/* Whether call a is the mad of a DECIMAL (DuckDB's exact rule): then both phases' values stay
 * the scaled int64s (phase 1: |x - center| with center phase 0's int64 result) and the
 * results are int64 bits. Local. */
bool sl_agg_vals_mad_exact(const sl_agg *a);

/* A stored value v of call a as the microseconds its quantiles interpolate: a DATE's days as
 * a TIMESTAMP's (infinities kept), any other value as it is. Local. */
int64_t sl_agg_vals_time_us(const sl_agg *a, int64_t v);

/* The 0-based positions in ascending order of the n (> 0) values that the phase reads for
 * result k (0 <= k < sl_agg_vals_nres(a)): 1 or 2 of them, written to pos; returns how many.
 * Local. */
int sl_agg_vals_positions(const sl_agg *a, int phase, int k, int64_t n, int64_t pos[2]);

/* The phase's result k from the values at those positions (bits as the phase's values are:
 * the argument's type in phase 0, except mad's doubles): the call's result bits (a list's
 * element k), or for mad's phase 0 the center (a double's bits). Local. */
uint64_t sl_agg_vals_result(const sl_agg *a, int phase, int k, int64_t n,
                            const uint64_t vals[2]);

#endif
