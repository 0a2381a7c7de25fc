/*
 * Band conditions of a hash join: the residual's band terms (plan/band.h: an expression of the
 * probe row against one of the build row, `a.g = b.g AND a.n > b.n + 90`, `a.t BETWEEN b.lo AND
 * b.hi`, over 8-byte integers or DOUBLEs; EXPLAIN names them). Each term turns a probe row into
 * a range [lo, hi] of the build expression's values: its probe side is evaluated once per probe
 * row, its build side once per build row when the table is built, and a candidate pair passes
 * when the build value lies in the row's range. The table's entries within a bucket are ordered
 * by (tag, build values non-NULL, first term's build value), so a probe row's candidates that
 * pass the first term are one contiguous run found by two binary searches: a pair that cannot
 * pass is never looked at. A later term whose build values turn out to be ordered the same way
 * (checked when the table is built) narrows the run by binary search too; the others are
 * checked per candidate (two loads and a compare), skipping blocks of entries whose value
 * bounds rule them out; the rest of the residual runs as before over the pairs that passed. A
 * term, like the comparison it replaces, is true only where both values are non-NULL; DOUBLEs
 * compare in DuckDB's total order (NaN equals NaN and is the greatest, -0.0 equals 0.0) through
 * an order-preserving 8-byte key.
 *
 * Errors: a side expression that fails (an overflow) is not allowed to fail the join where
 * the pairs it was evaluated for would not have been: the build side failing drops the
 * terms for that table, the probe side failing drops them for that batch, and the whole
 * residual then runs over every candidate pair as without this file, raising the error only
 * if a pair reaches it. Conjuncts are no longer evaluated in their written order (the terms
 * first), so a pair the terms reject never evaluates the other conjuncts: an error those
 * would have raised on it is not raised, as when DuckDB reorders a filter's conjuncts.
 * Local.
 */
#ifndef SL_JOIN_BOUNDS_H
#define SL_JOIN_BOUNDS_H

#include <stdbool.h>
#include <stdint.h>

#include "batch/batch.h"
#include "func/expr.h"
#include "plan/band.h"

/* A build row in a hash join's table: its tag and SL_ROW_REF(batch, row) (op_hash_join.c). */
typedef struct sl_join_ent {
    uint64_t tag;
    int64_t ref;
} sl_join_ent;

typedef struct sl_jbounds {
    sl_band_term *t;   /* the terms (plan/band.h) */
    int n;
    /* the table's side, in entry order (sl_jbounds_build) */
    int64_t **bval;    /* n arrays: term t's build value (its key) at entry j */
    uint8_t *bok;      /* entry j: every term's build value is non-NULL */
    bool built;
    /* The terms after the first whose build values also never decrease along that order
     * (within a tag's non-NULL entries, in every bucket: `b.v - 0.5` and `b.v + 0.5`,
     * non-overlapping spans' lo and hi): their passing entries are a contiguous run too, found
     * by binary search; the others (check, n_check of them) are tested entry by entry. */
    int *check;
    int n_check;
    /* per checked term c and block of SL_JB_BLOCK entries (ent[k SL_JB_BLOCK ..]): the least
     * and greatest non-NULL build value, so a block no value of which can pass is skipped
     * whole (overlapping intervals without keys: only the blocks near the value are read) */
    int64_t **bmin, **bmax;
    /* the current probe batch's side, by physical row (sl_jbounds_probe) */
    int64_t **lo, **hi; /* term t passes build values in [lo[t][r], hi[t][r]] */
    uint8_t *pok;       /* row r: every probe value non-NULL and every range non-empty */
    int64_t pcap;
} sl_jbounds;

/* The band terms among residual's conjuncts (residual over pair columns: the probe side's
 * n_probe columns, then the build side's). NULL when there is none; else *rest is the AND of
 * the other conjuncts in their order (a new expression over pair columns) or NULL. */
sl_jbounds *sl_jbounds_make(const sl_expr *residual, int n_probe, sl_expr **rest);
void sl_jbounds_free(sl_jbounds **pjb);

/* Table bytes a build row costs beyond the table's own: its build values and flag. */
int64_t sl_jbounds_row_bytes(const sl_jbounds *jb);

/* The table is built (ent grouped by bucket: bucket s holds ent[dir[s] .. dir[s+1]); build
 * batch b's first row is build row first[b]): evaluates the build values and orders each
 * bucket's entries as the file comment says. False when a build expression failed: nothing
 * is kept and the caller probes without the terms. */
bool sl_jbounds_build(sl_jbounds *jb, sl_batch *const *bs, int nb, const int64_t *first,
                      int64_t n_rows, sl_join_ent *ent, const int64_t *dir, uint64_t buckets);
/* Drops the build values (the table is dropped). */
void sl_jbounds_drop(sl_jbounds *jb);

/* A probe batch arrives: each live row's ranges. False when a probe expression failed for
 * it: the caller probes this batch without the terms. Needs a built table. */
bool sl_jbounds_probe(sl_jbounds *jb, const sl_batch *pb);

/* Narrows [*j0, *j1), one bucket's entries, to those with this tag whose build values are all
 * non-NULL and whose first term passes for probe row r; false when none is left. */
bool sl_jbounds_narrow(const sl_jbounds *jb, int64_t r, uint64_t tag, const sl_join_ent *ent,
                       int64_t *j0, int64_t *j1);

#define SL_JB_BLOCK_BITS 5
#define SL_JB_BLOCK (1 << SL_JB_BLOCK_BITS)

/* Whether entry j passes the terms sl_jbounds_narrow did not search for probe row r (an entry
 * from the run it left). */
static inline bool sl_jbounds_pass(const sl_jbounds *jb, int64_t r, int64_t j)
{
    for (int c = 0; c < jb->n_check; c++) {
        int t = jb->check[c];
        uint64_t lo = (uint64_t)jb->lo[t][r];
        if ((uint64_t)jb->bval[t][j] - lo > (uint64_t)jb->hi[t][r] - lo)
            return false;
    }
    return true;
}

int64_t sl_jbounds_next_checked(const sl_jbounds *jb, int64_t r, int64_t j, int64_t j1);

/* The first entry of [j, j1) (within the run sl_jbounds_narrow left for probe row r) that
 * passes every term, or j1. */
static inline int64_t sl_jbounds_next(const sl_jbounds *jb, int64_t r, int64_t j, int64_t j1)
{
    return jb->n_check == 0 ? j : sl_jbounds_next_checked(jb, r, j, j1);
}

#endif
