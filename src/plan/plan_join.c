/*
 * Planning joins (the SL_SRC_JOIN source of a select block). Both sides are planned as
 * blocks; the condition is split into its AND-ed conjuncts: each `left expr = right expr`
 * becomes a key pair (a key that is not a plain column is computed by a projection appended
 * to its side), the rest is the residual, evaluated on each candidate pair during the join so
 * that outer joins keep the right rows. Then the sides are distributed:
 *
 *   equality keys       both sides hash-exchanged on the keys, so equal keys meet on one
 *                       rank; the right side is the build side (taken whole first), the left
 *                       side streams through it (exec/op_hash_join.c). For INNER / LEFT /
 *                       SEMI / ANTI the right side's exchange measures its total size first
 *                       and broadcasts it instead when it is at most broadcast_threshold; the
 *                       left side's exchange then moves nothing (exec/op_exchange.c)
 *   none, INNER / LEFT / SEMI / ANTI / CROSS
 *                       the right side is broadcast to every rank; the left stays put
 *   none, RIGHT / FULL  the right side is broadcast, the left stays put, as above; each rank
 *                       marks the right rows its left rows matched, the join's finish ORs
 *                       those marks over the ranks and rank 0 alone emits the right rows no
 *                       rank matched (every right row is emitted once, matched or not)
 *   already partitioned each side's rows are already on rank hash(keys) % P, put there by an
 *                       earlier hash exchange on exactly these key columns (e.g. both sides
 *                       GROUP BY the key): nothing moves, for every join kind
 *
 * Skewed keys of an adaptive join are handled at run time (exec/op_exchange.c).
 *
 * Local.
 */
#include "plan/plan_int.h"

#include <string.h>

#include "core/mem.h"
#include "func/func.h"

typedef struct side_ctx { int nl; bool left, right; } side_ctx;

static void side_mark(sl_expr *e, void *ctx)
{
    side_ctx *s = ctx;
    if (e->kind == SL_E_COL) {
        if (e->col < s->nl)
            s->left = true;
        else
            s->right = true;
    }
}

void sl_plan_shift_col(sl_expr *e, void *ctx)
{
    if (e->kind == SL_E_COL)
        e->col -= *(int *)ctx;
}

void sl_plan_conjuncts(sl_expr *e, sl_expr ***v, int *n)
{
    if (e->kind == SL_E_CALL && e->fn == SL_FN_AND && e->n_args == 2) {
        sl_plan_conjuncts(e->args[0], v, n);
        sl_plan_conjuncts(e->args[1], v, n);
        return;
    }
    *v = sl_xrealloc(*v, sizeof **v * (size_t)(*n + 1));
    (*v)[(*n)++] = e;
}

sl_expr *sl_plan_and(sl_expr *a, sl_expr *b)
{
    if (!a)
        return b;
    sl_expr *both[2] = { a, b }, *r = NULL;
    sl_err tmp = {0};
    char *text = sl_xasprintf("%s AND %s", a->text, b->text); /* EXPLAIN's */
    sl_func_bind("AND", both, 2, text, &r, &tmp);
    sl_free(text);
    return r;
}

int sl_plan_sides_of(sl_expr *e, int nl)
{
    side_ctx s = { nl, false, false };
    sl_expr_walk(e, side_mark, &s);
    return (s.left ? 1 : 0) | (s.right ? 2 : 0);
}

/* The key columns of one side: plain columns are used as they are; other expressions are
 * appended by a projection (the join outputs only the side's first columns). */
static sl_pop *side_keys(sl_pop *in, sl_expr **keys, int n, int *cols, int query)
{
    int extra = 0;
    for (int i = 0; i < n; i++)
        extra += keys[i]->kind != SL_E_COL;
    if (extra == 0) {
        for (int i = 0; i < n; i++)
            cols[i] = keys[i]->col;
        return in;
    }
    int m = in->n_cols + extra, k = in->n_cols;
    sl_expr **ex = sl_xcalloc((size_t)m + 1, sizeof *ex);
    sl_type *types = sl_xcalloc((size_t)m + 1, sizeof *types);
    char **names = sl_xcalloc((size_t)m + 1, sizeof *names);
    for (int i = 0; i < in->n_cols; i++) {
        names[i] = in->names ? in->names[i] : "";
        ex[i] = sl_expr_col(i, in->types[i], names[i]);
        types[i] = in->types[i];
    }
    for (int i = 0; i < n; i++) {
        if (keys[i]->kind == SL_E_COL) {
            cols[i] = keys[i]->col;
            continue;
        }
        cols[i] = k;
        names[k] = keys[i]->text ? keys[i]->text : "key";
        types[k] = keys[i]->type;
        ex[k++] = sl_expr_copy(keys[i]);
    }
    sl_pop *op = sl_pop_new(SL_POP_PROJECT, "join_keys", m, types, names);
    op->u.project.n_exprs = m;
    op->u.project.exprs = ex;
    sl_free(types);
    sl_free(names);
    return sl_plan_on_top(op, in, query);
}

static sl_pop *exchange_on(sl_pop *in, const int *keys, int n, int query)
{
    sl_pop *x = sl_plan_exchange(in, SL_PART_HASH, "exchange", query);
    x->u.exchange.n_keys = n;
    x->u.exchange.keys = sl_xcalloc((size_t)n + 1, sizeof *x->u.exchange.keys);
    memcpy(x->u.exchange.keys, keys, sizeof *keys * (size_t)n);
    return x;
}

/*
 * True when op's rows are on rank hash(cols) % P: followed down through filters, projections
 * of plain columns and aggregates' plain group keys (which keep each row, or each group, on
 * the rank of its input rows) to a hash exchange on exactly those columns, in that order.
 * Anything else (a join, a window, a scan, a computed key, an adaptive join input) is false.
 */
static bool partitioned_on(const sl_pop *op, const int *cols, int n)
{
    int c[64];
    if (n > 64)
        return false;
    memcpy(c, cols, sizeof *c * (size_t)n);
    for (;;) {
        switch (op->kind) {
        case SL_POP_EXCHANGE:
            if (op->u.exchange.part != SL_PART_HASH || op->u.exchange.join_side != 0 ||
                op->u.exchange.n_keys != n)
                return false;
            for (int i = 0; i < n; i++)
                if (op->u.exchange.keys[i] != c[i])
                    return false;
            return true;
        case SL_POP_FILTER:
            break;
        case SL_POP_PROJECT:
            for (int i = 0; i < n; i++) {
                const sl_expr *e = c[i] < op->u.project.n_exprs ? op->u.project.exprs[c[i]] : NULL;
                if (!e || e->kind != SL_E_COL)
                    return false;
                c[i] = e->col;
            }
            break;
        case SL_POP_AGG: {
            /* Output [keys, states...]; a DISTINCT partial's last n_sets keys may be NULLed. */
            int nk = op->u.agg.n_keys;
            if (op->u.agg.mode == SL_AGG_PARTIAL && op->u.agg.n_sets > 1)
                nk -= op->u.agg.n_sets;
            for (int i = 0; i < n; i++) {
                if (c[i] >= nk)
                    return false;
                if (op->u.agg.mode == SL_AGG_PARTIAL) {
                    const sl_expr *e = op->u.agg.keys[c[i]];
                    if (e->kind != SL_E_COL)
                        return false;
                    c[i] = e->col;
                } /* FINAL / MERGE: key i is input column i */
            }
            break;
        }
        default:
            return false;
        }
        if (op->n_children != 1)
            return false;
        op = op->children[0];
    }
}

sl_pop *sl_plan_join(sl_planner *p, const sl_query *q, int query)
{
    const sl_source *src = &q->src;
    sl_dist d;
    sl_pop *L = sl_plan_block(p, src->child, &d);
    sl_pop *R = sl_plan_block(p, src->right, &d);
    int nl = L->n_cols, nr = R->n_cols;
    sl_join_type jt = src->join;

    /* Split the condition: key pairs (left expr, right expr) and the residual. */
    sl_expr **conj = NULL, **lk = NULL, **rk = NULL, *residual = NULL;
    int n_conj = 0, n_keys = 0;
    if (src->on)
        sl_plan_conjuncts(src->on, &conj, &n_conj);
    lk = sl_xcalloc((size_t)n_conj + 1, sizeof *lk);
    rk = sl_xcalloc((size_t)n_conj + 1, sizeof *rk);
    for (int i = 0; i < n_conj; i++) {
        sl_expr *e = conj[i];
        if (e->kind == SL_E_CALL && e->fn == SL_FN_EQ && e->n_args == 2 &&
            e->args[0]->type == e->args[1]->type) {
            int s0 = sl_plan_sides_of(e->args[0], nl), s1 = sl_plan_sides_of(e->args[1], nl);
            if ((s0 == 1 && s1 == 2) || (s0 == 2 && s1 == 1)) {
                lk[n_keys] = sl_expr_copy(e->args[s0 == 1 ? 0 : 1]);
                rk[n_keys] = sl_expr_copy(e->args[s0 == 1 ? 1 : 0]);
                sl_expr_walk(rk[n_keys], sl_plan_shift_col, &nl);
                n_keys++;
                continue;
            }
        }
        residual = sl_plan_and(residual, sl_expr_copy(e));
    }
    sl_free(conj);

    int *lcols = sl_xcalloc((size_t)n_keys + 1, sizeof *lcols);
    int *rcols = sl_xcalloc((size_t)n_keys + 1, sizeof *rcols);
    L = side_keys(L, lk, n_keys, lcols, query);
    R = side_keys(R, rk, n_keys, rcols, query);
    for (int i = 0; i < n_keys; i++) {
        sl_expr_free(&lk[i]);
        sl_expr_free(&rk[i]);
    }
    sl_free(lk);
    sl_free(rk);

    const char *strategy;
    bool adaptive = false, bcast_outer = false;
    if (n_keys > 0 && partitioned_on(L, lcols, n_keys) && partitioned_on(R, rcols, n_keys)) {
        /* Equal keys are on one rank already: each row meets its matches where it is. */
        strategy = "both sides already hash-partitioned on the keys by earlier exchanges "
                   "(hash(keys) % ranks): nothing moves";
    } else if (n_keys > 0 && jt != SL_JOIN_RIGHT && jt != SL_JOIN_FULL) {
        /* Every left row may meet every right row on its own rank: a small right side is
         * broadcast instead, decided when its size is known (exec/op_exchange.c). */
        L = exchange_on(L, lcols, n_keys, query);
        R = exchange_on(R, rcols, n_keys, query);
        L->u.exchange.join_side = 2;
        R->u.exchange.join_side = 1;
        adaptive = true;
        strategy = "the right side broadcast when its total size is at most "
                   "broadcast_threshold, else both sides hash-partitioned on the keys";
    } else if (n_keys > 0) {
        /* RIGHT / FULL emit the right rows nothing matched: each must be on one rank. */
        L = exchange_on(L, lcols, n_keys, query);
        R = exchange_on(R, rcols, n_keys, query);
        strategy = "both sides hash-partitioned on the keys";
    } else if (jt == SL_JOIN_RIGHT || jt == SL_JOIN_FULL) {
        R = sl_plan_exchange(R, SL_PART_BROADCAST, "broadcast", query);
        bcast_outer = true;
        strategy = "no equality keys: the right side broadcast to every rank, the left "
                   "stays; the right rows no rank matched are emitted by rank 0";
    } else {
        R = sl_plan_exchange(R, SL_PART_BROADCAST, "broadcast", query);
        strategy = "no equality keys: the right side broadcast to every rank, the left stays";
    }

    /* The output: the pair columns [left, right] the query reads (src->join_out, set by
     * pruning; all of them, or the left ones for SEMI / ANTI, without it). */
    bool semi = jt == SL_JOIN_SEMI || jt == SL_JOIN_ANTI;
    int n_out = src->join_out ? src->n_file_cols : semi ? nl : nl + nr;
    int *out_cols = sl_xcalloc((size_t)n_out + 1, sizeof *out_cols);
    sl_type *types = sl_xcalloc((size_t)n_out + 1, sizeof *types);
    char **names = sl_xcalloc((size_t)n_out + 1, sizeof *names);
    for (int o = 0; o < n_out; o++) {
        int i = src->join_out ? src->join_out[o] : o;
        const sl_pop *side = i < nl ? L : R;
        int k = i < nl ? i : i - nl;
        out_cols[o] = i;
        types[o] = side->types[k];
        names[o] = side->names ? side->names[k] : "";
    }
    sl_pop *j = sl_pop_new(SL_POP_JOIN, "hash_join", n_out, types, names);
    sl_free(types);
    sl_free(names);
    j->query = query;
    j->u.join.type = jt;
    j->u.join.n_keys = n_keys;
    j->u.join.build_keys = rcols;
    j->u.join.probe_keys = lcols;
    j->u.join.n_build_out = nr;
    j->u.join.n_probe_out = nl;
    j->u.join.out_cols = out_cols;
    j->u.join.residual = residual;
    j->u.join.strategy = strategy;
    j->u.join.adaptive = adaptive;
    j->u.join.bcast_outer = bcast_outer;
    sl_pop_add_child(j, R);
    sl_pop_add_child(j, L);
    return j;
}
