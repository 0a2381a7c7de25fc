/*
 * Unit tests for the heavy-hitter summary (src/exec/heavy_keys.c): Misra-Gries's bounds
 * checked against exact counts kept by the test (a plain array), the selection across several
 * "ranks" (separate summaries) against the true totals, and sl_heavy_has.
 */
#include <stdlib.h>

#include "core/mem.h"
#include "exec/heavy_keys.h"
#include "check.h"

#define KEYS 5000

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) { return check_xs64(&rng); }

/* A hash-like value per key (keys are small ints; the summary sees only these). */
static uint64_t hash_of(int key) { return (uint64_t)(key + 1) * 0x9E3779B97F4A7C15ull; }

/* Every counter is a lower bound short by at most seen / (k + 1), and every key above that
 * margin has a counter. */
static void check_bounds(const sl_heavy *s, int k, const int64_t *truth)
{
    uint64_t *h = sl_xmalloc(sizeof *h * (size_t)k);
    int64_t *c = sl_xmalloc(sizeof *c * (size_t)k);
    int n = sl_heavy_items(s, h, c);
    CHECK(n <= k);
    int64_t margin = sl_heavy_seen(s) / (k + 1);
    int bad = 0;
    for (int key = 0; key < KEYS; key++) {
        int64_t got = 0;
        for (int i = 0; i < n; i++)
            if (h[i] == hash_of(key))
                got = c[i];
        if (got > truth[key] || truth[key] - got > margin)
            bad++;
    }
    CHECK_INT(bad, 0);
    sl_free(h);
    sl_free(c);
}

/* One summary: a key with half the rows, a key with 8 %, the rest uniform; then the same
 * stream with the heavy key's rows all at the end (the worst order for the summary). */
static void test_single(void)
{
    for (int order = 0; order < 2; order++) {
        int k = sl_heavy_k_for(0.1);
        CHECK_INT(k, 40);
        sl_heavy *s = sl_heavy_new(k);
        int64_t *truth = sl_xcalloc(KEYS, sizeof *truth);
        int N = 200000;
        for (int i = 0; i < N; i++) {
            int key;
            if (order == 0)
                key = i % 2 == 0 ? 7 : next() % 100 < 16 ? 11 : (int)(next() % KEYS);
            else
                key = i >= N / 2 ? 7 : next() % 100 < 16 ? 11 : (int)(next() % KEYS);
            truth[key]++;
            sl_heavy_add(s, hash_of(key));
        }
        CHECK_INT(sl_heavy_seen(s), N);
        check_bounds(s, k, truth);
        sl_heavy_free(&s);
        CHECK(s == NULL);
        sl_free(truth);
    }
    sl_heavy_free(NULL);
}

/* Three ranks, each its own stream, merged: the key holding half of all rows (from only two
 * of the ranks) and the key with 20 % are picked at threshold 0.1, no key under 10 % is. */
static void test_select(void)
{
    enum { R = 3 };
    double th = 0.1;
    int k = sl_heavy_k_for(th);
    int64_t *truth = sl_xcalloc(KEYS, sizeof *truth);
    uint64_t *h = sl_xmalloc(sizeof *h * (size_t)(R * k));
    int64_t *c = sl_xmalloc(sizeof *c * (size_t)(R * k));
    int n = 0;
    int64_t total = 0;
    for (int r = 0; r < R; r++) {
        sl_heavy *s = sl_heavy_new(k);
        int rows = 60000 + 20000 * r;
        for (int i = 0; i < rows; i++) {
            int key;
            uint64_t p = next() % 1000;
            if (r > 0 && p < 750)
                key = 3;                      /* half of all rows overall */
            else if (p < 750 + 200)
                key = 5;
            else if (p < 750 + 200 + 40)
                key = 9;                      /* a few % overall */
            else
                key = 100 + (int)(next() % (KEYS - 100));
            truth[key]++;
            sl_heavy_add(s, hash_of(key));
        }
        total += rows;
        n += sl_heavy_items(s, h + n, c + n);
        sl_heavy_free(&s);
    }
    uint64_t out[R * 40];
    int64_t oc[R * 40];
    int m = sl_heavy_select(h, c, n, total, th, out, oc);
    double margin = (double)total / (k + 1);
    for (int key = 0; key < KEYS; key++) {
        bool picked = sl_heavy_has(out, m, hash_of(key));
        if ((double)truth[key] >= th * (double)total + margin)
            CHECK(picked);
        if ((double)truth[key] < th * (double)total)
            CHECK(!picked);
    }
    CHECK(sl_heavy_has(out, m, hash_of(3)));
    CHECK(!sl_heavy_has(out, m, hash_of(9)));
    for (int i = 1; i < m; i++)
        CHECK(out[i - 1] < out[i]);
    /* The summed counts are lower bounds of the true totals. */
    for (int i = 0; i < m; i++)
        for (int key = 0; key < KEYS; key++)
            if (out[i] == hash_of(key))
                CHECK(oc[i] <= truth[key]);
    /* The same pairs reversed give the same answer. */
    for (int i = 0; i < n / 2; i++) {
        uint64_t th_ = h[i]; h[i] = h[n - 1 - i]; h[n - 1 - i] = th_;
        int64_t tc = c[i]; c[i] = c[n - 1 - i]; c[n - 1 - i] = tc;
    }
    uint64_t out2[R * 40];
    CHECK_INT(sl_heavy_select(h, c, n, total, th, out2, NULL), m);
    for (int i = 0; i < m; i++)
        CHECK(out2[i] == out[i]);
    sl_free(h);
    sl_free(c);
    sl_free(truth);
}

/* Repeated hashes sum; threshold 0 or no pairs select nothing; sl_heavy_has on edges. */
static void test_edges(void)
{
    uint64_t h[] = { 9, 4, 9, 1, 4 };
    int64_t c[] = { 30, 10, 30, 5, 15 };
    uint64_t out[5];
    int64_t oc[5];
    int m = sl_heavy_select(h, c, 5, 100, 0.25, out, oc);
    CHECK_INT(m, 2);
    CHECK_INT(out[0], 4);
    CHECK_INT(oc[0], 25);
    CHECK_INT(out[1], 9);
    CHECK_INT(oc[1], 60);
    CHECK_INT(sl_heavy_select(h, c, 5, 100, 0, out, oc), 0);
    CHECK_INT(sl_heavy_select(h, c, 0, 100, 0.25, out, oc), 0);
    CHECK(!sl_heavy_has(out, 0, 4));
    CHECK(sl_heavy_has(out, 2, 9));
    CHECK(!sl_heavy_has(out, 2, 10));
    CHECK(!sl_heavy_has(out, 2, 0));
    CHECK_INT(sl_heavy_k_for(0.5), 16);
    CHECK_INT(sl_heavy_k_for(0.0001), 4096);
    /* k = 1: the summary still holds the majority key. */
    sl_heavy *s = sl_heavy_new(1);
    for (int i = 0; i < 1000; i++)
        sl_heavy_add(s, i % 3 ? 42 : (uint64_t)i);
    uint64_t hh;
    int64_t cc;
    CHECK_INT(sl_heavy_items(s, &hh, &cc), 1);
    CHECK_INT(hh, 42);
    sl_heavy_free(&s);
}

int main(void)
{
    test_single();
    test_select();
    test_edges();
    return CHECK_DONE();
}
