/*
 * Misra-Gries heavy hitters over key hashes (see heavy_keys.h for the guarantee).
 *
 * k counters (hash, count) live in two parallel arrays; an open-addressing index of 4k slots
 * (power of two, slot = counter + 1, 0 = empty) finds a hash's counter. A hash without a
 * counter takes a free one; when none is free every counter loses one (the new hash's own
 * occurrence is the k+1-th one lost), counters at zero are dropped and the index is rebuilt.
 * That happens at most N / (k + 1) times over N hashes, each O(k): amortized O(1) per hash.
 * Local.
 */
#include "exec/heavy_keys.h"

#include <stdlib.h>

#include "core/mem.h"

struct sl_heavy {
    int k, n;             /* counters, in use */
    uint64_t *hash;
    int64_t *count;
    int32_t *index;       /* slot -> counter + 1, 0 = empty */
    uint64_t mask;        /* index slots - 1 */
    int64_t seen;
};

int sl_heavy_k_for(double threshold)
{
    if (!(threshold > 0))
        return 16;
    double k = 4.0 / threshold;
    return k < 16 ? 16 : k > 4096 ? 4096 : (int)k;
}

sl_heavy *sl_heavy_new(int k)
{
    sl_heavy *s = sl_xcalloc(1, sizeof *s);
    s->k = k < 1 ? 1 : k;
    s->hash = sl_xcalloc((size_t)s->k, sizeof *s->hash);
    s->count = sl_xcalloc((size_t)s->k, sizeof *s->count);
    uint64_t slots = 8;
    while (slots < 4 * (uint64_t)s->k)
        slots <<= 1;
    s->index = sl_xcalloc((size_t)slots, sizeof *s->index);
    s->mask = slots - 1;
    return s;
}

void sl_heavy_free(sl_heavy **ph)
{
    if (!ph || !*ph)
        return;
    sl_heavy *s = *ph;
    sl_free(s->hash);
    sl_free(s->count);
    sl_free(s->index);
    sl_free(s);
    *ph = NULL;
}

/* The hashes are xxh3 values: their high bits are as good a slot as any. */
static uint64_t slot_of(const sl_heavy *s, uint64_t h) { return (h >> 20) & s->mask; }

static void index_put(sl_heavy *s, int c)
{
    uint64_t i = slot_of(s, s->hash[c]);
    while (s->index[i])
        i = (i + 1) & s->mask;
    s->index[i] = c + 1;
}

void sl_heavy_add(sl_heavy *s, uint64_t h)
{
    s->seen++;
    for (uint64_t i = slot_of(s, h); s->index[i]; i = (i + 1) & s->mask) {
        int c = s->index[i] - 1;
        if (s->hash[c] == h) {
            s->count[c]++;
            return;
        }
    }
    if (s->n < s->k) {
        s->hash[s->n] = h;
        s->count[s->n] = 1;
        index_put(s, s->n++);
        return;
    }
    /* Full: every counter and this occurrence lose one; the zeros leave. */
    int n = 0;
    for (int c = 0; c < s->n; c++) {
        if (--s->count[c] > 0) {
            s->hash[n] = s->hash[c];
            s->count[n++] = s->count[c];
        }
    }
    s->n = n;
    for (uint64_t i = 0; i <= s->mask; i++)
        s->index[i] = 0;
    for (int c = 0; c < n; c++)
        index_put(s, c);
}

int64_t sl_heavy_seen(const sl_heavy *s) { return s->seen; }

int sl_heavy_items(const sl_heavy *s, uint64_t *hashes, int64_t *counts)
{
    for (int c = 0; c < s->n; c++) {
        hashes[c] = s->hash[c];
        counts[c] = s->count[c];
    }
    return s->n;
}

typedef struct pair { uint64_t h; int64_t n; } pair;

static int cmp_pair(const void *a, const void *b)
{
    uint64_t x = ((const pair *)a)->h, y = ((const pair *)b)->h;
    return x < y ? -1 : x > y;
}

int sl_heavy_select(const uint64_t *hashes, const int64_t *counts, int n, int64_t total,
                    double threshold, uint64_t *out, int64_t *out_counts)
{
    if (n <= 0 || !(threshold > 0))
        return 0;
    pair *v = sl_xmalloc(sizeof *v * (size_t)n);
    for (int i = 0; i < n; i++)
        v[i] = (pair){ hashes[i], counts[i] };
    qsort(v, (size_t)n, sizeof *v, cmp_pair);
    double need = threshold * (double)total;
    int m = 0;
    for (int i = 0; i < n;) {
        int64_t sum = 0;
        int j = i;
        for (; j < n && v[j].h == v[i].h; j++)
            sum += v[j].n;
        if (sum >= 1 && (double)sum >= need) {
            if (out_counts)
                out_counts[m] = sum;
            out[m++] = v[i].h;
        }
        i = j;
    }
    sl_free(v);
    return m;
}

bool sl_heavy_has(const uint64_t *sorted, int n, uint64_t h)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (sorted[mid] < h)
            lo = mid + 1;
        else if (sorted[mid] > h)
            hi = mid;
        else
            return true;
    }
    return false;
}
