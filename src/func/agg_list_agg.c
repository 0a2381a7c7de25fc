/*
 * list(x [ORDER BY k [DESC], ...]) (alias array_agg): the group's values of x as a LIST, NULL
 * values included (DuckDB's semantics). NULL for a group without rows (only FILTER makes one).
 * With ORDER BY the values come in the order of the keys, ties broken by the values' encoded
 * bytes, so the answer is the same at every rank count; without it, in the order rows meet
 * in, which depends on the split over ranks (DuckDB's order is unspecified then as well).
 * The binder appends the sort key (sl_aggfn.order_arg; '' without ORDER BY, NULL only for a
 * row FILTER drops).
 * State: {has, bytes owned by the state}, shipped as one VARCHAR column (NULL for the empty
 * state): pieces [8-byte key length, key, one element as batch/list.h encodes it]; combine
 * concatenates them and finalize (after sorting them by key when ordered) joins the elements,
 * which is the list's encoding. Local.
 */
#include "func/aggregate.h"

#include <stdlib.h>
#include <string.h>

#include "batch/list.h"
#include "core/mem.h"
#include "func/agg_bytes.h"

typedef agg_bytes la_state;

SL_AGG_FIXED_STATE(la_bytes, la_state)

static bool la_bind(const sl_type *args, sl_type *result)
{
    if (args[1] != SL_T_VARCHAR || sl_list_type(args[0]) == SL_T_NULL)
        return false;
    *result = sl_list_type(args[0]);
    return true;
}

static int64_t la_heap(const sl_agg *a) { return 96; }

static int la_types(const sl_agg *a, sl_type *types)
{
    types[0] = SL_T_VARCHAR;
    return 1;
}

static int la_update(const sl_agg *a, void *states, sl_vec *const *args,
                     const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    la_state *s = states;
    const sl_vec *x = args[0], *kv = args[1];
    sl_type elem = sl_list_elem(a->type);
    sl_buf b;
    sl_buf_init(&b);
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k), klen = 0;
        if (!sl_vec_valid(kv, i))
            continue; /* FILTER dropped the row */
        la_state *g = &s[gids[k]];
        const char *key = sl_vec_str(kv, i, &klen);
        sl_value v;
        sl_vec_get_value(x, i, &v);
        if (x->type == SL_T_NULL)
            v.is_null = true;
        sl_buf_reset(&b);
        sl_list_put(&b, elem, &v);
        agg_bytes_append(g, &klen, 8);
        agg_bytes_append(g, key, klen);
        agg_bytes_append(g, b.data, b.len);
        g->has = 1;
    }
    sl_buf_free(&b);
    return 0;
}

static int la_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                      const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    la_state *s = states;
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k), len = 0;
        if (!sl_vec_valid(cols[0], i))
            continue;
        la_state *g = &s[gids[k]];
        const char *p = sl_vec_str(cols[0], i, &len);
        agg_bytes_append(g, p, len);
        g->has = 1;
    }
    return 0;
}

static void la_emit(const sl_agg *a, const void *states, int64_t n, sl_vec *const *cols)
{
    agg_bytes_emit(states, n, cols[0]);
}

/* Bytes of the element encoded at p (end bounds it): its tag and payload. */
static int64_t elem_len(sl_type elem, const char *p, const char *end)
{
    if (end - p < 1 || p[0] == 0)
        return end - p < 1 ? 0 : 1;
    if (!sl_type_is_var(elem)) /* 8 bytes; a string, nested list or struct: length + bytes */
        return end - p < 9 ? end - p : 9;
    uint32_t n;
    if (end - p < 5)
        return end - p;
    memcpy(&n, p + 1, 4);
    return (uint64_t)(end - p - 5) < n ? end - p : 5 + (int64_t)n;
}

/* Pushes the list of a state: its elements in arrival order, or sorted by key. */
static void push_list(const sl_agg *a, const la_state *g, sl_vec *out)
{
    sl_type elem = sl_list_elem(a->type);
    int64_t np = 0, cap = 16;
    agg_piece *ps = sl_xmalloc(sizeof *ps * (size_t)cap);
    const char *end = g->p + g->len;
    for (int64_t o = 0; o + 8 <= g->len;) {
        if (np == cap) {
            cap *= 2;
            ps = sl_xrealloc(ps, sizeof *ps * (size_t)cap);
        }
        agg_piece *q = &ps[np++];
        memcpy(&q->klen, g->p + o, 8);
        if (q->klen < 0 || q->klen > g->len - o - 8)
            q->klen = g->len - o - 8;
        q->key = g->p + o + 8;
        o += 8 + q->klen;
        q->val = g->p + o;
        q->vlen = elem_len(elem, q->val, end);
        o += q->vlen;
    }
    if (a->ordered)
        qsort(ps, (size_t)np, sizeof *ps, agg_piece_cmp);
    la_state j = {0};
    for (int64_t k = 0; k < np; k++)
        agg_bytes_append(&j, ps[k].val, ps[k].vlen);
    sl_vec_push_str(out, j.p ? j.p : "", j.len);
    sl_free(j.p);
    sl_free(ps);
}

static void la_finalize(const sl_agg *a, const void *states, int64_t n, sl_vec *out)
{
    const la_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        if (!s[g].has)
            sl_vec_push_null(out);
        else
            push_list(a, &s[g], out);
    }
}

static void la_destroy(const sl_agg *a, void *states, int64_t n)
{
    agg_bytes_destroy(states, n);
}

static const char *const la_aliases[] = {"array_agg", NULL};

const sl_aggfn sl_aggfn_list = {
    .name = "list",
    .aliases = la_aliases,
    .n_args = 2,
    .order_arg = true,
    .bind = la_bind,
    .state_bytes = la_bytes,
    .state_types = la_types,
    .update = la_update,
    .combine = la_combine,
    .emit_states = la_emit,
    .finalize = la_finalize,
    .destroy = la_destroy,
    .heap_bytes = la_heap,
};
