/*
 * The state of the aggregates that collect bytes per group (string_agg, list): {has, bytes the
 * state owns}, shipped through the exchange as one VARCHAR column (NULL for the empty state).
 * With ORDER BY they hold pieces, each a sort key and a value, that finalize sorts by key and
 * then by value, so ties do not depend on the order the pieces arrived in (the same answer at
 * every rank count). Local.
 */
#ifndef SL_AGG_BYTES_H
#define SL_AGG_BYTES_H

#include <stdint.h>
#include <string.h>

#include "batch/batch.h"
#include "core/mem.h"

typedef struct {
    int64_t has;
    char *p;
    int64_t len, cap;
} agg_bytes;

/* Appends n bytes of src, doubling the state's buffer as it grows. Local. */
static inline void agg_bytes_append(agg_bytes *g, const void *src, int64_t n)
{
    if (g->len + n > g->cap) {
        int64_t c = g->cap ? g->cap * 2 : 32;
        while (c < g->len + n)
            c *= 2;
        g->p = sl_xrealloc(g->p, (size_t)c);
        g->cap = c;
    }
    if (n)
        memcpy(g->p + g->len, src, (size_t)n);
    g->len += n;
}

/* emit_states: each state's bytes, NULL for an empty one. Local. */
static inline void agg_bytes_emit(const void *states, int64_t n, sl_vec *out)
{
    const agg_bytes *s = states;
    for (int64_t g = 0; g < n; g++) {
        if (s[g].has)
            sl_vec_push_str(out, s[g].p ? s[g].p : "", s[g].len);
        else
            sl_vec_push_null(out);
    }
}

/* destroy: frees every state's bytes. Local. */
static inline void agg_bytes_destroy(void *states, int64_t n)
{
    agg_bytes *s = states;
    for (int64_t g = 0; g < n; g++)
        sl_free(s[g].p);
}

/* One piece of an ordered state: its sort key and its value, borrowed from the state. */
typedef struct {
    const char *key, *val;
    int64_t klen, vlen;
} agg_piece;

/* qsort order of pieces: by key, then by value. Local. */
static inline int agg_piece_cmp(const void *x, const void *y)
{
    const agg_piece *a = x, *b = y;
    int c = sl_bytes_cmp(a->key, a->klen, b->key, b->klen);
    return c ? c : sl_bytes_cmp(a->val, a->vlen, b->val, b->vlen);
}

#endif
