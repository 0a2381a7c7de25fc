/*
 * string_agg(x, sep) (aliases group_concat, listagg): the non-NULL values of x (VARCHAR)
 * joined by sep (VARCHAR; a row whose sep is NULL counts without one, as a row whose x is
 * NULL does not count at all). NULL for a group without values. The order of the values is
 * the order the rows meet in, which depends on how the input is split over ranks (DuckDB's is
 * unspecified as well without ORDER BY inside the call, which sluice does not parse yet).
 * State: {text, the separator last seen}, bytes owned by the state; shipped as two VARCHAR
 * columns [text, sep], text NULL for the empty state; combine appends sep + text. Local.
 */
#include "func/aggregate.h"

#include <string.h>

#include "core/mem.h"

typedef struct {
    int64_t has;
    char *p;
    int64_t len, cap;
    char *sep;
    int64_t sep_len, sep_cap;
} sa_state;

SL_AGG_FIXED_STATE(sa_bytes, sa_state)

static bool sa_bind(const sl_type *args, sl_type *result)
{
    if (args[0] != SL_T_VARCHAR || args[1] != SL_T_VARCHAR)
        return false;
    *result = SL_T_VARCHAR;
    return true;
}

static int64_t sa_heap(const sl_agg *a) { return 64; }

static int sa_types(const sl_agg *a, sl_type *types)
{
    types[0] = SL_T_VARCHAR;
    types[1] = SL_T_VARCHAR;
    return 2;
}

static void append(char **p, int64_t *len, int64_t *cap, const char *src, int64_t n)
{
    if (*len + n > *cap) {
        int64_t c = *cap ? *cap * 2 : 32;
        while (c < *len + n)
            c *= 2;
        *p = sl_xrealloc(*p, (size_t)c);
        *cap = c;
    }
    if (n)
        memcpy(*p + *len, src, (size_t)n);
    *len += n;
}

/* Folds (text, sep) rows: text joins the state's text after sep. */
static int sa_fold(void *states, const sl_vec *x, const sl_vec *sep, const uint32_t *gids,
                   const uint32_t *sel, int64_t n)
{
    sa_state *s = states;
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k), len = 0, sl = 0;
        if (!sl_vec_valid(x, i))
            continue;
        sa_state *g = &s[gids[k]];
        const char *p = sl_vec_str(x, i, &len);
        const char *sp = sl_vec_valid(sep, i) ? sl_vec_str(sep, i, &sl) : "";
        if (g->has)
            append(&g->p, &g->len, &g->cap, sp, sl);
        append(&g->p, &g->len, &g->cap, p, len);
        g->sep_len = 0;
        append(&g->sep, &g->sep_len, &g->sep_cap, sp, sl);
        g->has = 1;
    }
    return 0;
}

static int sa_update(const sl_agg *a, void *states, sl_vec *const *args,
                     const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return sa_fold(states, args[0], args[1], gids, sel, n);
}

static int sa_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                      const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    return sa_fold(states, cols[0], cols[1], gids, sel, n);
}

static void sa_emit(const sl_agg *a, const void *states, int64_t n, sl_vec *const *cols)
{
    const sa_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        if (!s[g].has) {
            sl_vec_push_null(cols[0]);
            sl_vec_push_null(cols[1]);
            continue;
        }
        sl_vec_push_str(cols[0], s[g].p ? s[g].p : "", s[g].len);
        sl_vec_push_str(cols[1], s[g].sep ? s[g].sep : "", s[g].sep_len);
    }
}

static void sa_finalize(const sl_agg *a, const void *states, int64_t n, sl_vec *out)
{
    const sa_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        if (s[g].has)
            sl_vec_push_str(out, s[g].p ? s[g].p : "", s[g].len);
        else
            sl_vec_push_null(out);
    }
}

static void sa_destroy(const sl_agg *a, void *states, int64_t n)
{
    sa_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        sl_free(s[g].p);
        sl_free(s[g].sep);
    }
}

static const char *const sa_aliases[] = {"group_concat", "listagg", NULL};

const sl_aggfn sl_aggfn_string_agg = {
    .name = "string_agg",
    .aliases = sa_aliases,
    .n_args = 2,
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
