/*
 * The aggregate registry table (built from agg_list.h) and the helpers every user of an
 * aggregate call shares: lookup by name, binding a call's types, its state layout, copying.
 * Local.
 */
#include "func/aggregate.h"

#include <string.h>
#include <strings.h>

#include "batch/list_order.h"
#include "core/mem.h"

static const sl_aggfn *const registry[] = {
#define SL_AGG_ENTRY(name) &sl_aggfn_##name,
    SL_AGG_LIST(SL_AGG_ENTRY)
#undef SL_AGG_ENTRY
};

enum { N_REGISTERED = (int)(sizeof registry / sizeof registry[0]) };

int sl_aggfn_count_registered(void) { return N_REGISTERED; }

const sl_aggfn *sl_aggfn_at(int i)
{
    return i >= 0 && i < N_REGISTERED ? registry[i] : NULL;
}

const sl_aggfn *sl_aggfn_find(const char *name)
{
    for (int i = 0; i < N_REGISTERED; i++) {
        const sl_aggfn *f = registry[i];
        if (strcasecmp(f->name, name) == 0)
            return f;
        for (const char *const *a = f->aliases; a && *a; a++)
            if (strcasecmp(*a, name) == 0)
                return f;
    }
    return NULL;
}

bool sl_agg_init_call2(sl_agg *a, const sl_aggfn *fn, sl_type t0, sl_type t1)
{
    sl_type rt = SL_T_NULL, args[SL_AGG_MAX_ARGS] = {t0, t1};
    /* LIST and STRUCT arguments: count and list read them (list keeps their encoded bytes as
     * elements), min, max, arg_min and arg_max order them (batch/list_order.h) or return one;
     * the others sum or sort values. */
    bool am = strcmp(fn->name, "arg_min") == 0 || strcmp(fn->name, "arg_max") == 0;
    if ((sl_list_order_is_nested(t0) || sl_list_order_is_nested(t1)) &&
        strcmp(fn->name, "count") != 0 && strcmp(fn->name, "list") != 0 &&
        strcmp(fn->name, "min") != 0 && strcmp(fn->name, "max") != 0 && !am)
        return false;
    /* INTERVAL arguments: count, min and max (the others keep fixed-width or text states). */
    if ((t0 == SL_T_INTERVAL || t1 == SL_T_INTERVAL) && strcmp(fn->name, "count") != 0 &&
        strcmp(fn->name, "min") != 0 && strcmp(fn->name, "max") != 0)
        return false;
    if (!fn->bind(args, &rt))
        return false;
    a->fn = fn;
    a->arg_type = t0;
    a->arg2_type = t1;
    a->type = rt;
    return true;
}

bool sl_agg_init_call(sl_agg *a, const sl_aggfn *fn, sl_type arg_type)
{
    return sl_agg_init_call2(a, fn, arg_type, SL_T_NULL);
}

int sl_agg_state_ncols(const sl_agg *a)
{
    sl_type t[SL_AGG_MAX_STATE_COLS];
    return a->fn->state_types(a, t);
}

int sl_agg_state_types(const sl_agg *a, sl_type *types)
{
    return a->fn->state_types(a, types);
}

sl_agg sl_agg_copy(const sl_agg *a)
{
    sl_agg c = *a;
    c.arg = a->arg ? sl_expr_copy(a->arg) : NULL;
    c.arg2 = a->arg2 ? sl_expr_copy(a->arg2) : NULL;
    c.text = a->text ? sl_xstrdup(a->text) : NULL;
    if (a->sep) {
        c.sep = sl_xmalloc((size_t)a->sep_len + 1);
        memcpy(c.sep, a->sep, (size_t)a->sep_len + 1);
    }
    if (a->params) {
        c.params = sl_xmalloc(sizeof *c.params * (size_t)a->n_params);
        memcpy(c.params, a->params, sizeof *c.params * (size_t)a->n_params);
    }
    return c;
}

void sl_agg_clear(sl_agg *a)
{
    sl_expr_free(&a->arg);
    sl_expr_free(&a->arg2);
    sl_free(a->text);
    a->text = NULL;
    sl_free(a->sep);
    a->sep = NULL;
    sl_free(a->params);
    a->params = NULL;
}
