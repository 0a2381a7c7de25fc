/*
 * Heavy hitters over 64-bit key hashes (issue #12, skewed joins): a Misra-Gries summary of k
 * counters per rank, and the selection of the keys holding at least a given fraction of all
 * rows from the summaries of every rank.
 *
 * Guarantee: a summary's count of a key never exceeds the key's true count on that rank and
 * falls short of it by at most N_r / (k + 1) (N_r the hashes that rank added). The sum of every
 * rank's count (0 where a rank has no counter for the key) is therefore a lower bound of the
 * key's total count, short by at most N / (k + 1): sl_heavy_select never picks a key below the
 * threshold, and picks every key with at least threshold * N + N / (k + 1) rows. With k from
 * sl_heavy_k_for (k + 1 >= 4 / threshold) that is every key with 1.25 x threshold of the rows.
 * All functions are Local.
 */
#ifndef SL_HEAVY_KEYS_H
#define SL_HEAVY_KEYS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sl_heavy sl_heavy;

/* Counters needed for threshold (a fraction of the rows, > 0): 4 / threshold, at least 16,
 * at most 4096. */
int sl_heavy_k_for(double threshold);
/* Returns a new empty summary of k counters (k >= 1); free with sl_heavy_free. */
sl_heavy *sl_heavy_new(int k);
/* Frees the summary and sets *ph to NULL. Accepts NULL. */
void sl_heavy_free(sl_heavy **ph);
/* Counts one occurrence of hash h. Amortized O(1). */
void sl_heavy_add(sl_heavy *s, uint64_t h);
/* Hashes added so far. */
int64_t sl_heavy_seen(const sl_heavy *s);
/* Writes the summary's counters (at most k: hash, count > 0) to hashes[] and counts[], which
 * must hold k entries each; returns how many. The order is unspecified. */
int sl_heavy_items(const sl_heavy *s, uint64_t *hashes, int64_t *counts);
/* From the n (hash, count) pairs of every rank's summary (a hash may repeat, once per rank),
 * writes to out the distinct hashes whose summed count is at least threshold * total (and
 * at least 1), ascending, with their summed counts in out_counts (may be NULL); both must
 * hold n entries. Returns how many. Every rank given the same pairs in any order gets the
 * same answer. */
int sl_heavy_select(const uint64_t *hashes, const int64_t *counts, int n, int64_t total,
                    double threshold, uint64_t *out, int64_t *out_counts);
/* True when h is one of sorted[0..n) (ascending, from sl_heavy_select). */
bool sl_heavy_has(const uint64_t *sorted, int n, uint64_t h);

#endif
