/*
 * AGG (breaker): hash aggregation around the exchange, in the memory budget (issue #3).
 *
 * PARTIAL (before the exchange) folds input rows into a table of partial states. Before each
 * batch the table's next size is reserved up to the operator's grant; when that fails, the
 * states so far are pushed on (into the exchange, whose row store spills) and the table
 * starts empty: partial states merge later, so flushing early is always correct. At the end
 * the states are pushed on. A PARTIAL that splits heavy groups (split_heavy: median, quantiles,
 * mad, mode, entropy) holds its flushed states in a row store instead and hands them at the
 * end to exec/agg_heavy.c, which finds the heavy groups and finishes them across the ranks
 * before pushing the states on (its finish is then collective).
 *
 * Adaptive (issue 14): the table only pays when it shrinks its input. It judges itself by the
 * share of new groups among the rows of a window, not by groups over rows seen: a table with G
 * groups shows about 63% as many groups as rows after its first G rows, yet shrinks N rows to
 * G. Windows end where the table doubles: the first one at SAMPLE_GROUPS groups (env
 * SLUICE_PARTIAL_AGG_SAMPLE; 0 = never decide) only sets the mark, and at each later doubling
 * a window whose rows made more than PASS_RATE new groups each (the data brings a new group
 * with almost every row, as with ~1 group per row) makes the table push its states on and
 * stop: every later row goes on as a one-row state batch (sl_hashagg_rows_to_states: no
 * hashing, no probing, the key vectors move, not copied), merged after the exchange like any
 * partial state. A table that stays below SAMPLE_GROUPS never leaves, and as the table grows
 * the share of new groups only falls for the same data, so later windows catch only data
 * whose keys change character mid-stream. A budget flush empties the table and starts over.
 * Each rank decides alone (no collective); DISTINCT's multi-set entry (n_sets > 1) and
 * holistic aggregates keep the table.
 *
 * FINAL (after the exchange) merges state batches as they arrive. When the table cannot
 * reserve more it switches to grace hashing: its states and all later input are partitioned
 * into disk row stores by hash bits, and at the end every partition is finished on its own,
 * recursively with the next bits when it is still too big. A split takes as many partitions
 * (16 to 256) as make each one's table fit in the room the split table reached, for the
 * groups expected (the state rows its own PARTIAL pushed, or the partition's rows one level
 * down), so one level is enough and rows are written once (split_bits). Partition bits are
 * hash bits 16..31: the exchange routes by hash % P (low bits for power-of-two P) and the
 * table's slots use the top bits, so neither is constant inside a partition. Once they are
 * used up the table grows past the budget (one group's states cannot be split). Without keys
 * (one group) only rank 0 gets states, and it alone emits the one result row, also when it
 * merged nothing (count 0, sum NULL), as SQL requires.
 *
 * MERGE (DISTINCT aggregates, see plan/planner.c) is FINAL that emits merged partial states
 * instead of results. A PARTIAL may also combine some aggregates from state columns of its
 * input (u.agg.in_state) and may enter each row once per DISTINCT argument (u.agg.n_sets).
 *
 * The output phase of FINAL and MERGE is the metrics stage named after the node ("final_agg",
 * "merge_agg"). Local.
 */
#include "exec/exec_int.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "batch/wire.h"
#include "exec/agg_heavy.h"
#include "core/budget.h"
#include "core/mem.h"
#include "func/agg.h"
#include "func/aggregate.h"
#include "func/func.h"
#include "spill/rowstore.h"
#include "spill/spill.h"

#define FANOUT_BITS 4      /* partition bits per level, at least */
#define MAX_FANOUT_BITS 8  /* at most (256 partitions) */
#define MAX_FANOUT (1 << MAX_FANOUT_BITS)
#define PART_SHIFT 16      /* partition bits are hash bits PART_SHIFT..PART_END-1 */
#define PART_END 32
#define PART_WBUF (2 << 20) /* the write buffers of one level's partitions, together */
#define SAMPLE_GROUPS 65536
#define PASS_RATE 0.95

typedef struct agg_state {
    sl_ctx *ctx;
    sl_hashagg *h;
    int64_t res;                  /* bytes reserved for the table */
    sl_type *key_types;
    /* PARTIAL with heavy groups split (split_heavy): flushed states wait here for the end */
    sl_agg_heavy *held;
    /* FINAL, grace mode */
    bool split;
    int part_bits;                /* partitions: 1 << part_bits */
    sl_rowstore *parts[MAX_FANOUT];
    int *key_cols;                /* 0..n_keys-1 */
    uint64_t *hashes;
    uint32_t *rows;
    int64_t scratch_cap;
    /* PARTIAL, adaptive: the first mark in groups (0: decided or never), the window (rows
     * folded since the mark, groups at the mark, whether a mark is set), the next mark,
     * pass-through */
    int64_t sample;
    int64_t win_rows;
    int64_t win_groups;
    bool marked;
    int64_t next_mark;
    bool pass;
    /* PARTIAL: state rows pushed on (into the exchange). FINAL: whether it sized its table. */
    int64_t emitted;
    bool sized;
} agg_state;

/* Returns freed heap to the OS: a flushed table leaves large free blocks that glibc would
 * otherwise keep, and peak RSS (what the scheduler kills on) is what the budget is about. */
static void give_back_memory(void) { malloc_trim(0); }

/* PARTIAL, adaptive: starts the windows over (an empty table). */
static void adapt_restart(agg_state *st)
{
    st->marked = false;
    st->win_rows = 0;
    st->win_groups = 0;
    st->next_mark = st->sample;
}

/* PARTIAL: the groups at the first mark of the windows that decide whether the table pays
 * (0: keep it). */
static void adapt_init(agg_state *st, const sl_pop *op)
{
    st->sample = SAMPLE_GROUPS;
    const char *e = getenv("SLUICE_PARTIAL_AGG_SAMPLE");
    if (e && *e) {
        char *end;
        long long v = strtoll(e, &end, 10);
        if (*end == '\0' && v >= 0)
            st->sample = v;
    }
    bool holistic = false;
    for (int a = 0; a < op->u.agg.n_aggs; a++)
        holistic |= op->u.agg.aggs[a].fn->needs_all_values;
    if (op->u.agg.mode != SL_AGG_PARTIAL || op->u.agg.n_keys == 0 || op->u.agg.n_sets > 1 ||
        holistic)
        st->sample = 0;
    adapt_restart(st);
}

static int agg_open(sl_exec *x, sl_pop *op, sl_err *err)
{
    agg_state *st = sl_xcalloc(1, sizeof *st);
    st->ctx = x->ctx;
    int k = op->u.agg.n_keys;
    st->key_types = sl_xcalloc((size_t)k + 1, sizeof *st->key_types);
    st->key_cols = sl_xcalloc((size_t)k + 1, sizeof *st->key_cols);
    for (int i = 0; i < k; i++) {
        st->key_types[i] = op->u.agg.mode == SL_AGG_PARTIAL ? op->u.agg.keys[i]->type
                                                             : op->children[0]->types[i];
        st->key_cols[i] = i;
    }
    st->h = sl_hashagg_new(k, st->key_types, op->u.agg.n_aggs, op->u.agg.aggs);
    for (int a = 0; op->u.agg.in_state && a < op->u.agg.n_aggs; a++)
        if (op->u.agg.in_state[a] >= 0)
            sl_hashagg_set_input(st->h, a, op->u.agg.in_state[a]);
    if (op->u.agg.mode == SL_AGG_PARTIAL && op->u.agg.split_heavy &&
        x->settings->heavy_group_threshold > 0)
        st->held = sl_agg_heavy_new(x, op, x->settings->heavy_group_threshold);
    op->state = st;
    adapt_init(st, op);
    return 0;
}

/* Moves the table's states out and pushes them on (PARTIAL). */
static int emit_states(sl_exec *x, sl_pop *op, sl_err *err)
{
    agg_state *st = op->state;
    sl_batchlist out;
    sl_batchlist_init(&out);
    sl_hashagg_emit_states(st->h, &out, err);
    sl_budget_release(&st->ctx->budget, st->res);
    st->res = 0;
    for (int i = 0; i < out.n; i++) {
        if (st->held && !err->code)
            sl_agg_heavy_add(st->held, out.b[i], err);
        else if (st->held)
            sl_batch_free(&out.b[i]);
        else {
            st->emitted += sl_batch_live(out.b[i]);
            sl_exec_emit(x, op, out.b[i], err);
        }
        out.b[i] = NULL;
    }
    sl_batchlist_free(&out);
    return err->code;
}

/* PARTIAL: makes room for n more rows, flushing the states on when the grant is used up. */
static int partial_room(sl_exec *x, sl_pop *op, int64_t n, sl_err *err)
{
    agg_state *st = op->state;
    int64_t need = sl_hashagg_bytes(st->h, n);
    if (need <= st->res)
        return 0;
    if (sl_budget_reserve_upto(&st->ctx->budget, need - st->res, op->grant)) {
        st->res = need;
        return 0;
    }
    if (sl_hashagg_groups(st->h) == 0)
        return 0; /* nothing to flush: one batch over budget proceeds unreserved */
    emit_states(x, op, err);
    give_back_memory();
    adapt_restart(st);
    /* Reserve for the batch about to come in; failure is fine (it proceeds unreserved). */
    need = sl_hashagg_bytes(st->h, n);
    if (sl_budget_reserve_upto(&st->ctx->budget, need, op->grant))
        st->res = need;
    return err->code;
}

/* Folds b into the table; with n_sets > 1 each row enters once per DISTINCT argument (the
 * last n_sets keys): entry s keeps key nk - n_sets + s and has NULL in the other arguments,
 * and only entry 0 folds the aggregates (the others only create their groups). */
static int fold_batch(agg_state *st, sl_pop *op, sl_batch *b, sl_vec **keys, sl_vec **args,
                      sl_err *err)
{
    int nk = op->u.agg.n_keys, ns = op->u.agg.n_sets;
    if (ns <= 1)
        return sl_hashagg_consume(st->h, b, keys, args, err);
    int first = nk - ns, rc = 0;
    sl_vec **kv = sl_xcalloc((size_t)nk, sizeof *kv);
    sl_vec **nulls = sl_xcalloc((size_t)ns, sizeof *nulls);
    for (int j = 0; j < ns; j++) {
        nulls[j] = sl_vec_new(keys[first + j]->type, b->n_rows);
        for (int64_t r = 0; r < b->n_rows; r++)
            sl_vec_push_null(nulls[j]);
    }
    for (int s = 0; s < ns && !rc; s++) {
        for (int k = 0; k < nk; k++)
            kv[k] = k < first || k - first == s ? keys[k] : nulls[k - first];
        rc = s == 0 ? sl_hashagg_consume(st->h, b, kv, args, err)
                    : sl_hashagg_add_groups(st->h, b, kv, err);
    }
    for (int j = 0; j < ns; j++)
        sl_vec_free(&nulls[j]);
    sl_free(nulls);
    sl_free(kv);
    return rc;
}

/* PARTIAL, adaptive: pushes b on as one-row states (the table was left for good). */
static int pass_rows(sl_exec *x, sl_pop *op, const sl_batch *b, sl_vec **keys,
                     sl_vec *const *args, sl_err *err)
{
    agg_state *st = op->state;
    sl_batch *out = NULL;
    if (sl_batch_live(b) == 0)
        return 0;
    if (sl_hashagg_rows_to_states(st->h, b, keys, args, &out, err))
        return err->code;
    st->emitted += sl_batch_live(out);
    return sl_exec_emit(x, op, out, err);
}

/* PARTIAL, adaptive: at each mark (the table doubled), leaves the table when the window's
 * rows made more than PASS_RATE new groups each. */
static void adapt_decide(sl_exec *x, sl_pop *op, int64_t n, sl_err *err)
{
    agg_state *st = op->state;
    if (st->sample <= 0)
        return;
    st->win_rows += n;
    int64_t g = sl_hashagg_groups(st->h);
    if (g < st->next_mark)
        return;
    if (st->marked && st->win_rows > 0 &&
        (double)(g - st->win_groups) > PASS_RATE * (double)st->win_rows) {
        st->pass = true;
        st->sample = 0;
        emit_states(x, op, err);
        give_back_memory();
        return;
    }
    st->marked = true;
    st->win_rows = 0;
    st->win_groups = g;
    st->next_mark = 2 * g;
}

static int partial_push(sl_exec *x, sl_pop *op, sl_batch *b, sl_err *err)
{
    agg_state *st = op->state;
    int nk = op->u.agg.n_keys, na = op->u.agg.n_aggs, rc = 0;
    sl_vec **keys = sl_xcalloc((size_t)nk + 1, sizeof *keys);
    /* args[a]: aggregate a's argument; args[na + a]: its second one (func/agg.h). */
    sl_vec **args = sl_xcalloc(2 * (size_t)na + 1, sizeof *args);
    /* Column arguments are copied too: borrowing the input's columns saves ~2% of the work
     * but changes glibc's heap-top trimming so that a projection feeding this operator
     * page-faults all its vectors every batch (measured: 20x the page faults). */
    for (int k = 0; k < nk && !rc; k++)
        rc = sl_expr_eval(op->u.agg.keys[k], b, &keys[k], err);
    for (int a = 0; a < na && !rc; a++) {
        if (op->u.agg.aggs[a].arg)
            rc = sl_expr_eval(op->u.agg.aggs[a].arg, b, &args[a], err);
        if (!rc && op->u.agg.aggs[a].arg2)
            rc = sl_expr_eval(op->u.agg.aggs[a].arg2, b, &args[na + a], err);
    }
    if (!rc && st->pass) {
        rc = pass_rows(x, op, b, keys, args, err);
    } else if (!rc) {
        int sets = op->u.agg.n_sets > 1 ? op->u.agg.n_sets : 1;
        rc = partial_room(x, op, sl_batch_live(b) * sets, err);
        if (!rc)
            rc = fold_batch(st, op, b, keys, args, err);
        if (!rc)
            adapt_decide(x, op, sl_batch_live(b), err);
    }
    for (int k = 0; k < nk; k++)
        sl_vec_free(&keys[k]);
    for (int a = 0; a < 2 * na; a++)
        sl_vec_free(&args[a]);
    sl_free(keys);
    sl_free(args);
    return rc;
}

/* ---- FINAL with grace partitioning ---- */

/* Appends the live rows of b to the partition their keys' hash bits shift..shift+bits-1
 * pick. */
static int partition_batch(agg_state *st, sl_rowstore **parts, int n_keys, const sl_batch *b,
                           int shift, int bits, sl_err *err)
{
    int64_t n = sl_batch_live(b);
    if (n > st->scratch_cap) {
        sl_free(st->hashes);
        sl_free(st->rows);
        st->hashes = sl_xmalloc((size_t)n * 8);
        st->rows = sl_xmalloc((size_t)n * 4);
        st->scratch_cap = n;
    }
    sl_hash_batch(b, st->key_cols, n_keys, st->hashes);
    /* Counting sort of the live rows by partition: one index array, not one per partition. */
    int fan = 1 << bits;
    uint64_t mask = (uint64_t)fan - 1;
    int64_t start[MAX_FANOUT + 1] = {0}, fill[MAX_FANOUT];
    for (int64_t k = 0; k < n; k++)
        start[((st->hashes[k] >> shift) & mask) + 1]++;
    for (int p = 0; p < fan; p++) {
        start[p + 1] += start[p];
        fill[p] = start[p];
    }
    for (int64_t k = 0; k < n; k++) {
        int p = (int)((st->hashes[k] >> shift) & mask);
        st->rows[fill[p]++] = (uint32_t)sl_batch_row(b, k);
    }
    for (int p = 0; p < fan && !err->code; p++)
        sl_rowstore_append_rows(parts[p], b, &st->rows[start[p]], start[p + 1] - start[p],
                                err);
    return err->code;
}

/* The partition bits of a split at hash bit shift: enough partitions that each one's table
 * fits in room (the bytes this table reached) when `groups` groups come in all (0: unknown),
 * so that one level suffices and no partition is written a second time; at least
 * FANOUT_BITS, at most MAX_FANOUT_BITS and the hash bits left. The bytes per group are
 * measured on the table being split (its arrays as grown, so up to 2x their use: the
 * partitions' tables grow the same way). With a table sink holding most of the aggregation's
 * grant (issue 14's table job), 16 partitions left each one too big for its room, and all of
 * q10's rows were written a third time one level down. */
static int split_bits(const sl_hashagg *h, int64_t room, int64_t groups, int shift)
{
    int bits = FANOUT_BITS;
    int64_t held = sl_hashagg_groups(h);
    if (held > 0 && room > 0 && groups > held) {
        double per_group = (double)sl_hashagg_bytes(h, 0) / (double)held;
        double need = 1.25 * per_group * (double)groups / (double)room;
        while (bits < MAX_FANOUT_BITS && (double)(1 << bits) < need)
            bits++;
    }
    return bits < PART_END - shift ? bits : PART_END - shift;
}

/* Switches to grace mode at hash bit shift: the table's states go to fresh disk partitions
 * (*bits chosen by split_bits for `groups` groups in all). */
static int start_split(agg_state *st, sl_hashagg *h, int64_t *res, sl_rowstore **parts,
                       int *bits, int n_keys, int64_t more_bytes, int shift, int64_t room,
                       int64_t groups, sl_err *err)
{
    if (sl_spill_check_space(st->ctx, more_bytes + sl_hashagg_bytes(h, 0), "aggregate partitions", err))
        return err->code;
    *bits = split_bits(h, room, groups, shift);
    /* The partitions' write buffers are not charged to the budget: bound them together. */
    int64_t wbuf = PART_WBUF >> *bits;
    for (int p = 0; p < 1 << *bits; p++) {
        parts[p] = sl_rowstore_new(st->ctx, 0);
        sl_rowstore_set_write_buffer(parts[p], wbuf);
    }
    sl_batchlist states;
    sl_batchlist_init(&states);
    sl_hashagg_emit_states(h, &states, err);
    for (int i = 0; i < states.n && !err->code; i++)
        partition_batch(st, parts, n_keys, states.b[i], shift, *bits, err);
    sl_batchlist_free(&states);
    sl_budget_release(&st->ctx->budget, *res);
    *res = 0;
    give_back_memory();
    return err->code;
}

/* Merges one state batch into h unless the table must split; then partitions it. shift is
 * this level's first partition bit; groups the groups expected at this level (0: unknown). */
static int merge_or_split(sl_pop *op, agg_state *st, sl_hashagg *h, int64_t *res, bool *split,
                          int *bits, sl_rowstore **parts, const sl_batch *b, int64_t more_bytes,
                          int shift, int64_t groups, sl_err *err)
{
    int n_keys = op->u.agg.n_keys;
    if (!*split) {
        int64_t need = sl_hashagg_bytes(h, sl_batch_live(b));
        bool ok = need <= *res || shift >= PART_END || sl_hashagg_groups(h) == 0 ||
                  n_keys == 0;
        if (!ok && sl_budget_reserve_upto(&st->ctx->budget, need - *res, op->grant)) {
            *res = need;
            ok = true;
        }
        if (ok)
            return sl_hashagg_merge(h, b, err);
        /* Grace: everything from here on, and what the table holds, goes to disk. The
         * partitions are finished after the exchange, when its rows waiting to be sent no
         * longer hold the budget: the first split, while they do, counts on the room that
         * the levels leave the table then (core/grants.c: table sinks, below it, hold at
         * most 30% of the budget, a quarter of the table's 40%), not on what it has now
         * (at q10's split in issue 14's table job: nothing). */
        int64_t room = *res;
        if (shift == PART_SHIFT && room < op->grant / 4)
            room = op->grant / 4;
        *split = true;
        if (start_split(st, h, res, parts, bits, n_keys, more_bytes, shift, room, groups, err))
            return err->code;
    }
    return partition_batch(st, parts, n_keys, b, shift, *bits, err);
}

/* FINAL: the state rows this rank's own PARTIAL (below the exchange) pushed, or 0 when the
 * input is not that. The exchange is a breaker, so the count is final; a hash exchange brings
 * each rank about its own share back (an even spread of every rank's rows), and the rows
 * bound the groups. */
static int64_t expected_groups(const sl_pop *op)
{
    const sl_pop *xo = op->children[0], *po;
    if (op->u.agg.n_keys == 0 || xo->kind != SL_POP_EXCHANGE || xo->n_children != 1)
        return 0;
    po = xo->children[0];
    if (po->kind != SL_POP_AGG || po->u.agg.mode != SL_AGG_PARTIAL || !po->state)
        return 0;
    return ((const agg_state *)po->state)->emitted;
}

/* FINAL, before its first merge: sizes the table once for the groups expected_groups
 * foresees, when the grant allows it. Growing instead costs a rehash per doubling (a cache
 * miss per group each) and copies of every per-group array: at ~1 group per row (q10) 17% of
 * the table's probe time went to rehashing (issue 14). */
static void final_size(sl_pop *op, agg_state *st)
{
    st->sized = true;
    int64_t groups = expected_groups(op);
    if (groups < SAMPLE_GROUPS)
        return; /* small tables grow cheaply */
    int64_t need = sl_hashagg_presize_bytes(st->h, groups);
    if (need <= st->res)
        return;
    if (!sl_budget_reserve_upto(&st->ctx->budget, need - st->res, op->grant))
        return;
    st->res = need;
    sl_hashagg_presize(st->h, groups);
}

static int final_push(sl_exec *x, sl_pop *op, sl_batch *b, sl_err *err)
{
    agg_state *st = op->state;
    if (!st->sized && !st->split)
        final_size(op, st);
    /* The volume still to come is unknown while the exchange runs: check for one batch. */
    merge_or_split(op, st, st->h, &st->res, &st->split, &st->part_bits, st->parts, b,
                   sl_batch_bytes(b), PART_SHIFT, expected_groups(op), err);
    sl_batch_free(&b);
    return err->code;
}

/* Emits the results of h (MERGE: its merged states) and empties it. */
static int emit_final(sl_exec *x, sl_pop *op, sl_hashagg *h, sl_err *err)
{
    sl_batchlist out;
    sl_batchlist_init(&out);
    if (op->u.agg.mode == SL_AGG_MERGE)
        sl_hashagg_emit_states(h, &out, err);
    else
        sl_hashagg_emit_final(h, &out, err);
    for (int i = 0; i < out.n; i++) {
        sl_exec_emit(x, op, out.b[i], err);
        out.b[i] = NULL;
    }
    sl_batchlist_free(&out);
    return err->code;
}

/* Finishes one grace partition (consumed) whose next partition bits start at shift,
 * recursing where it is still too big. */
static int final_pass(sl_exec *x, sl_pop *op, sl_rowstore *in, int shift, sl_err *err)
{
    agg_state *st = op->state;
    sl_hashagg *h = sl_hashagg_new(op->u.agg.n_keys, st->key_types, op->u.agg.n_aggs,
                                   op->u.agg.aggs);
    int64_t res = 0, groups = sl_rowstore_rows(in); /* its rows bound its groups */
    sl_rowstore *parts[MAX_FANOUT] = {0};
    bool split = false;
    int bits = 0;
    while (!err->code) {
        sl_batch *b = NULL;
        if (sl_rowstore_next(in, &b, err) || !b)
            break;
        int64_t left = sl_rowstore_mem_bytes(in) + sl_rowstore_disk_bytes(in);
        merge_or_split(op, st, h, &res, &split, &bits, parts, b, left, shift, groups, err);
        sl_batch_free(&b);
    }
    if (!split && !err->code && sl_hashagg_groups(h) > 0)
        emit_final(x, op, h, err);
    sl_hashagg_free(&h);
    sl_budget_release(&st->ctx->budget, res);
    for (int p = 0; split && p < 1 << bits; p++) {
        if (parts[p] && !err->code)
            final_pass(x, op, parts[p], shift + bits, err);
        sl_rowstore_free(&parts[p]);
    }
    return err->code;
}

static int final_finish(sl_exec *x, sl_pop *op, sl_err *err)
{
    agg_state *st = op->state;
    sl_exec_stage_begin(x, op, op->name);
    if (!err->code) {
        if (!st->split) {
            /* The one row of an aggregate without keys, also from no input (rank 0). */
            bool emit = sl_hashagg_groups(st->h) > 0 || (op->u.agg.emit_empty && x->rank == 0);
            if (emit)
                emit_final(x, op, st->h, err);
        } else {
            for (int p = 0; p < 1 << st->part_bits && !err->code; p++) {
                final_pass(x, op, st->parts[p], PART_SHIFT + st->part_bits, err);
                sl_rowstore_free(&st->parts[p]);
            }
        }
    }
    sl_exec_stage_end(x, false);
    return sl_exec_finish_parent(x, op, err);
}

/* ---- the operator ---- */

static int agg_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    if (err->code) {
        sl_batch_free(&b);
        return err->code;
    }
    if (op->u.agg.mode != SL_AGG_PARTIAL)
        return final_push(x, op, b, err);
    int rc = partial_push(x, op, b, err);
    sl_batch_free(&b);
    return rc;
}

static int agg_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    if (op->u.agg.mode != SL_AGG_PARTIAL)
        return final_finish(x, op, err);
    agg_state *st = op->state;
    if (!err->code)
        emit_states(x, op, err);
    if (st->held) /* collective: every rank, also after an error (it agrees first) */
        sl_agg_heavy_finish(st->held, err);
    return sl_exec_finish_parent(x, op, err);
}

static void agg_close(sl_exec *x, sl_pop *op)
{
    agg_state *st = op->state;
    if (!st)
        return;
    sl_hashagg_free(&st->h);
    sl_agg_heavy_free(&st->held);
    sl_budget_release(&st->ctx->budget, st->res);
    for (int p = 0; p < MAX_FANOUT; p++)
        sl_rowstore_free(&st->parts[p]);
    sl_free(st->key_types);
    sl_free(st->key_cols);
    sl_free(st->hashes);
    sl_free(st->rows);
    sl_free(st);
}

const sl_op_impl sl_op_agg = {
    .open = agg_open,
    .push = agg_push,
    .finish = agg_finish,
    .close = agg_close,
};
