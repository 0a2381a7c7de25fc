/*
 * string_agg(x [, sep] [ORDER BY k [DESC], ...]) (aliases group_concat, listagg): the
 * non-NULL values of x (VARCHAR) joined by sep, a constant string (',' when not written; DuckDB
 * also requires a constant). NULL for a group without values. With ORDER BY the values come
 * in the order of the keys, ties broken by the values' bytes, so the answer is the same at
 * every rank count; without it, in the order rows meet in, which depends on the split over
 * ranks (DuckDB's order is unspecified then as well).
 * The binder appends the sort key (sl_aggfn.order_arg; NULL only for a row FILTER drops).
 * State: {has, bytes owned by the state}, shipped as one VARCHAR column (NULL for the empty
 * state). Without ORDER BY the bytes are the joined text and combine appends sep + text; with
 * it they are pieces [8-byte key length, key, 8-byte text length, text] that combine
 * concatenates and finalize sorts and joins. Local.
 */
#include "func/aggregate.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "func/agg_bytes.h"

typedef agg_bytes sa_state;

SL_AGG_FIXED_STATE(sa_bytes, sa_state)

static bool sa_bind(const sl_type *args, sl_type *result)
{
    if ((args[0] != SL_T_VARCHAR && args[0] != SL_T_NULL) || args[1] != SL_T_VARCHAR)
        return false;
    *result = SL_T_VARCHAR;
    return true;
}

static int64_t sa_heap(const sl_agg *a) { return a->ordered ? 96 : 64; }

static int sa_types(const sl_agg *a, sl_type *types)
{
    types[0] = SL_T_VARCHAR;
    return 1;
}

static void append_piece(sa_state *g, const char *key, int64_t klen, const char *t,
                         int64_t tlen)
{
    agg_bytes_append(g, &klen, 8);
    agg_bytes_append(g, key, klen);
    agg_bytes_append(g, &tlen, 8);
    agg_bytes_append(g, t, tlen);
}

static int sa_update(const sl_agg *a, void *states, sl_vec *const *args,
                     const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    sa_state *s = states;
    const sl_vec *x = args[0], *kv = args[1];
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k), len = 0, klen = 0;
        if (!sl_vec_valid(x, i) || !sl_vec_valid(kv, i))
            continue;
        sa_state *g = &s[gids[k]];
        const char *p = x->type == SL_T_VARCHAR ? sl_vec_str(x, i, &len) : "";
        if (a->ordered) {
            const char *key = sl_vec_str(kv, i, &klen);
            append_piece(g, key, klen, p, len);
        } else {
            if (g->has)
                agg_bytes_append(g, a->sep, a->sep_len);
            agg_bytes_append(g, p, len);
        }
        g->has = 1;
    }
    return 0;
}

static int sa_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                      const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    sa_state *s = states;
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k), len;
        if (!sl_vec_valid(cols[0], i))
            continue;
        sa_state *g = &s[gids[k]];
        const char *p = sl_vec_str(cols[0], i, &len);
        if (g->has && !a->ordered)
            agg_bytes_append(g, a->sep, a->sep_len);
        agg_bytes_append(g, p, len);
        g->has = 1;
    }
    return 0;
}

static void sa_emit(const sl_agg *a, const void *states, int64_t n, sl_vec *const *cols)
{
    agg_bytes_emit(states, n, cols[0]);
}

/* Sorts the pieces of an ordered state and pushes them joined by sep. */
static void push_ordered(const sl_agg *a, const sa_state *g, sl_vec *out)
{
    int64_t np = 0, cap = 16;
    agg_piece *ps = sl_xmalloc(sizeof *ps * (size_t)cap);
    for (int64_t o = 0; o + 16 <= g->len;) {
        if (np == cap) {
            cap *= 2;
            ps = sl_xrealloc(ps, sizeof *ps * (size_t)cap);
        }
        agg_piece *q = &ps[np++];
        memcpy(&q->klen, g->p + o, 8);
        q->key = g->p + o + 8;
        o += 8 + q->klen;
        memcpy(&q->vlen, g->p + o, 8);
        q->val = g->p + o + 8;
        o += 8 + q->vlen;
    }
    qsort(ps, (size_t)np, sizeof *ps, agg_piece_cmp);
    sa_state j = {0};
    for (int64_t k = 0; k < np; k++) {
        if (k)
            agg_bytes_append(&j, a->sep, a->sep_len);
        agg_bytes_append(&j, ps[k].val, ps[k].vlen);
    }
    sl_vec_push_str(out, j.p ? j.p : "", j.len);
    sl_free(j.p);
    sl_free(ps);
}

static void sa_finalize(const sl_agg *a, const void *states, int64_t n, sl_vec *out)
{
    const sa_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        if (!s[g].has)
            sl_vec_push_null(out);
        else if (a->ordered)
            push_ordered(a, &s[g], out);
        else
            sl_vec_push_str(out, s[g].p ? s[g].p : "", s[g].len);
    }
}

static void sa_destroy(const sl_agg *a, void *states, int64_t n)
{
    agg_bytes_destroy(states, n);
}

static const char *const sa_aliases[] = {"group_concat", "listagg", NULL};

const sl_aggfn sl_aggfn_string_agg = {
    .name = "string_agg",
    .aliases = sa_aliases,
    .n_args = 2,
    .order_arg = true,
    .sep_arg = true,
    .bind = sa_bind,
    .state_bytes = sa_bytes,
    .state_types = sa_types,
    .update = sa_update,
    .combine = sa_combine,
    .emit_states = sa_emit,
    .finalize = sa_finalize,
    .destroy = sa_destroy,
    .heap_bytes = sa_heap,
};
