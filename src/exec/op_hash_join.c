/*
 * JOIN (two children): hash join of the rows of this rank (plan/plan_join.c has put equal
 * keys on one rank, or broadcast / gathered a side).
 *
 * Child 0 is the build side and runs first: its batches are kept (compacted, charged to the
 * budget up to the grant) and, when it finishes, a chained hash table over their rows is
 * built. Rows with a NULL key never enter the table (NULL never equals anything) but stay
 * for RIGHT / FULL, which emit every build row no pair matched at the end, with NULL for the
 * probe columns. Child 1, the probe side, streams: each row's key is hashed and looked up;
 * the candidate pairs (equal hash, equal keys) of a batch are gathered into batches of the
 * output layout [probe cols..., build cols...], the residual condition filters them, and the
 * survivors are emitted (INNER, LEFT, RIGHT, FULL) and mark both rows matched. LEFT / FULL
 * then emit the batch's unmatched probe rows with NULL build columns; SEMI emits the probe
 * rows with a match, ANTI those without one. Without keys every build row is a candidate.
 *
 * The build side is held in memory: past its grant it goes on unreserved (grace
 * partitioning is not done yet). Local: push and finish make no MPI call.
 */
#include "exec/exec_int.h"

#include <string.h>

#include "batch/rowcmp.h"
#include "batch/wire.h"
#include "core/budget.h"
#include "core/mem.h"
#include "func/func.h"

typedef struct join_state {
    sl_batchlist build;           /* compacted build batches */
    int64_t reserved;             /* bytes reserved for them and the table */
    int64_t n_rows;               /* build rows */
    int64_t *refs;                /* row i -> SL_ROW_REF(batch, row) */
    uint64_t *hashes;             /* row i's key hash */
    int64_t *next;                /* chain: next row in the bucket, -1 = end */
    int64_t *heads;               /* bucket -> first row, -1 = empty */
    uint64_t mask;                /* buckets - 1 */
    uint8_t *matched;             /* RIGHT / FULL: build row i was in an emitted pair */
    /* pairs of the current probe batch */
    int64_t cap;
    int64_t n_pairs;
    int64_t *probe_refs;          /* SL_ROW_REF(0, physical probe row) */
    int64_t *build_refs;
    int64_t *build_idx;           /* build row index (for matched[]) */
    uint64_t *probe_hashes;
} join_state;

static bool build_outer(const sl_pop *op)
{
    return op->u.join.type == SL_JOIN_RIGHT || op->u.join.type == SL_JOIN_FULL;
}

static bool probe_outer(const sl_pop *op)
{
    return op->u.join.type == SL_JOIN_LEFT || op->u.join.type == SL_JOIN_FULL;
}

static bool is_semi(const sl_pop *op)
{
    return op->u.join.type == SL_JOIN_SEMI || op->u.join.type == SL_JOIN_ANTI;
}

static int join_open(sl_exec *x, sl_pop *op, sl_err *err)
{
    (void)x;
    (void)err;
    join_state *st = sl_xcalloc(1, sizeof *st);
    sl_batchlist_init(&st->build);
    st->cap = SL_BATCH_ROWS;
    st->probe_refs = sl_xmalloc(sizeof *st->probe_refs * (size_t)st->cap);
    st->build_refs = sl_xmalloc(sizeof *st->build_refs * (size_t)st->cap);
    st->build_idx = sl_xmalloc(sizeof *st->build_idx * (size_t)st->cap);
    op->state = st;
    return 0;
}

static void join_close(sl_exec *x, sl_pop *op)
{
    join_state *st = op->state;
    if (!st)
        return;
    sl_budget_release(&x->ctx->budget, st->reserved);
    sl_batchlist_free(&st->build);
    sl_free(st->refs);
    sl_free(st->hashes);
    sl_free(st->next);
    sl_free(st->heads);
    sl_free(st->matched);
    sl_free(st->probe_refs);
    sl_free(st->build_refs);
    sl_free(st->build_idx);
    sl_free(st->probe_hashes);
    sl_free(st);
}

/* Charges n more bytes to the budget (up to the grant; beyond it the build goes on
 * unreserved: the bytes are still counted so close releases what was reserved). */
static void charge(sl_exec *x, sl_pop *op, join_state *st, int64_t n)
{
    if (sl_budget_reserve_upto(&x->ctx->budget, n, op->grant))
        st->reserved += n;
}

static bool any_null_key(const sl_batch *b, const int *keys, int n, int64_t row)
{
    for (int k = 0; k < n; k++)
        if (!sl_vec_valid(b->cols[keys[k]], row))
            return true;
    return false;
}

/* Key equality of probe row pr of p and build row br of b (no NULLs: checked before). */
static bool keys_equal(const sl_pop *op, const sl_batch *p, int64_t pr, const sl_batch *b,
                       int64_t br)
{
    for (int k = 0; k < op->u.join.n_keys; k++) {
        const sl_vec *a = p->cols[op->u.join.probe_keys[k]];
        const sl_vec *c = b->cols[op->u.join.build_keys[k]];
        switch (a->type) {
        case SL_T_DOUBLE: {
            double x = a->d.f64[pr], y = c->d.f64[br];
            if (!(x == y || (x != x && y != y)))
                return false;
            break;
        }
        case SL_T_VARCHAR: {
            int64_t la, lc;
            const char *sa = sl_vec_str(a, pr, &la), *sc = sl_vec_str(c, br, &lc);
            if (la != lc || memcmp(sa, sc, (size_t)la) != 0)
                return false;
            break;
        }
        default:
            if (a->d.i64[pr] != c->d.i64[br])
                return false;
            break;
        }
    }
    return true;
}

static int join_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err);

/* Build side: keep the batch. */
static int build_push(sl_exec *x, sl_pop *op, sl_batch *b)
{
    join_state *st = op->state;
    if (b->sel) {
        sl_batch *c = sl_batch_compact(b);
        sl_batch_free(&b);
        b = c;
    }
    charge(x, op, st, sl_batch_bytes(b));
    st->n_rows += b->n_rows;
    sl_batchlist_push(&st->build, b);
    return 0;
}

/* The build side is complete: the hash table over its rows. */
static void build_table(sl_exec *x, sl_pop *op, join_state *st)
{
    int64_t n = st->n_rows;
    uint64_t buckets = 1;
    while (buckets < (uint64_t)n * 2)
        buckets <<= 1;
    if (op->u.join.n_keys == 0)
        buckets = 1;
    charge(x, op, st, (int64_t)(n * 32 + (int64_t)buckets * 8));
    st->mask = buckets - 1;
    st->refs = sl_xmalloc(sizeof *st->refs * (size_t)(n + 1));
    st->hashes = sl_xmalloc(sizeof *st->hashes * (size_t)(n + 1));
    st->next = sl_xmalloc(sizeof *st->next * (size_t)(n + 1));
    st->heads = sl_xmalloc(sizeof *st->heads * (size_t)buckets);
    memset(st->heads, 0xff, sizeof *st->heads * (size_t)buckets);
    if (build_outer(op))
        st->matched = sl_xcalloc((size_t)n + 1, 1);
    int64_t i = 0;
    int nk = op->u.join.n_keys;
    for (int bi = 0; bi < st->build.n; bi++) {
        const sl_batch *bb = st->build.b[bi];
        int64_t m = bb->n_rows;
        uint64_t *h = st->hashes + i;
        if (nk > 0)
            sl_hash_batch(bb, op->u.join.build_keys, nk, h);
        else
            memset(h, 0, sizeof *h * (size_t)m);
        for (int64_t r = 0; r < m; r++, i++) {
            st->refs[i] = SL_ROW_REF(bi, r);
            st->next[i] = -1;
            if (nk > 0 && any_null_key(bb, op->u.join.build_keys, nk, r))
                continue;
            uint64_t slot = st->hashes[i] & st->mask;
            st->next[i] = st->heads[slot];
            st->heads[slot] = i;
        }
    }
}

/* A batch of n rows of NULLs of the given types. */
static void push_null_cols(sl_vec **cols, const sl_type *types, int n_cols, int64_t n)
{
    for (int c = 0; c < n_cols; c++) {
        cols[c] = sl_vec_new(types[c], n);
        for (int64_t r = 0; r < n; r++)
            sl_vec_push_null(cols[c]);
    }
}

/* Output batch of n rows: probe columns from probe refs (or NULLs when pb is NULL), build
 * columns from build refs (or NULLs when brefs is NULL). */
static sl_batch *make_out(const sl_pop *op, join_state *st, sl_batch *pb, const int64_t *prefs,
                          const int64_t *brefs, int64_t n, bool with_build)
{
    int np = op->u.join.n_probe_out, nb = with_build ? op->u.join.n_build_out : 0;
    sl_vec **cols = sl_xcalloc((size_t)(np + nb) + 1, sizeof *cols);
    const sl_type *types = op->types;
    sl_type *all_types = NULL;
    if (is_semi(op) && with_build) {
        /* SEMI / ANTI pairs carry the build columns for the residual only */
        all_types = sl_xcalloc((size_t)(np + nb) + 1, sizeof *all_types);
        memcpy(all_types, op->children[1]->types, sizeof *all_types * (size_t)np);
        memcpy(all_types + np, op->children[0]->types, sizeof *all_types * (size_t)nb);
        types = all_types;
    }
    if (pb) {
        sl_batch *d = sl_batch_new(np, types, n);
        sl_batch_gather(d, &pb, prefs, n);
        memcpy(cols, d->cols, sizeof *cols * (size_t)np);
        d->n_cols = 0;
        sl_batch_free(&d);
    } else {
        push_null_cols(cols, types, np, n);
    }
    if (nb > 0 && brefs) {
        sl_batch *d = sl_batch_new(nb, types + np, n);
        sl_batch_gather(d, st->build.b, brefs, n);
        memcpy(cols + np, d->cols, sizeof *cols * (size_t)nb);
        d->n_cols = 0;
        sl_batch_free(&d);
    } else if (nb > 0) {
        push_null_cols(cols + np, types + np, nb, n);
    }
    sl_batch *out = sl_batch_from_cols(np + nb, cols, n);
    sl_free(cols);
    sl_free(all_types);
    return out;
}

/* The pairs collected so far: residual, matched flags, emit (not for SEMI / ANTI). */
static int flush_pairs(sl_exec *x, sl_pop *op, join_state *st, sl_batch *pb,
                       uint8_t *probe_matched, sl_err *err)
{
    int64_t n = st->n_pairs;
    st->n_pairs = 0;
    if (n == 0)
        return 0;
    bool need_batch = !is_semi(op) || op->u.join.residual;
    sl_batch *out = NULL;
    if (need_batch) {
        out = make_out(op, st, pb, st->probe_refs, st->build_refs, n, true);
        if (op->u.join.residual && sl_filter(op->u.join.residual, out, err)) {
            sl_batch_free(&out);
            return err->code;
        }
    }
    int64_t live = out ? sl_batch_live(out) : n;
    for (int64_t k = 0; k < live; k++) {
        int64_t i = out ? sl_batch_row(out, k) : k;
        probe_matched[SL_REF_ROW(st->probe_refs[i])] = 1;
        if (st->matched)
            st->matched[st->build_idx[i]] = 1;
    }
    if (is_semi(op) || live == 0) {
        sl_batch_free(&out);
        return 0;
    }
    return sl_exec_emit(x, op, out, err);
}

/* Emits the probe rows of pb selected by keep (matched / unmatched), probe columns only
 * (SEMI / ANTI) or with NULL build columns (LEFT / FULL). */
static int emit_probe_rows(sl_exec *x, sl_pop *op, join_state *st, sl_batch *pb,
                           const uint8_t *probe_matched, bool want_matched, sl_err *err)
{
    int64_t live = sl_batch_live(pb), n = 0;
    int64_t *refs = sl_xmalloc(sizeof *refs * (size_t)(live + 1));
    for (int64_t k = 0; k < live; k++) {
        int64_t r = sl_batch_row(pb, k);
        if ((probe_matched[r] != 0) == want_matched)
            refs[n++] = SL_ROW_REF(0, r);
    }
    int rc = 0;
    if (n > 0)
        rc = sl_exec_emit(x, op, make_out(op, st, pb, refs, NULL, n, !is_semi(op)), err);
    sl_free(refs);
    return rc;
}

static int probe_push(sl_exec *x, sl_pop *op, sl_batch *pb, sl_err *err)
{
    join_state *st = op->state;
    int nk = op->u.join.n_keys;
    int64_t live = sl_batch_live(pb);
    uint8_t *probe_matched = sl_xcalloc((size_t)pb->n_rows + 1, 1);
    st->probe_hashes = sl_xrealloc(st->probe_hashes, sizeof *st->probe_hashes * (size_t)(live + 1));
    if (nk > 0)
        sl_hash_batch(pb, op->u.join.probe_keys, nk, st->probe_hashes);
    else
        memset(st->probe_hashes, 0, sizeof *st->probe_hashes * (size_t)(live + 1));
    bool first_only = is_semi(op) && !op->u.join.residual;
    for (int64_t k = 0; k < live && !err->code; k++) {
        int64_t r = sl_batch_row(pb, k);
        if (nk > 0 && any_null_key(pb, op->u.join.probe_keys, nk, r))
            continue;
        uint64_t h = st->probe_hashes[k];
        for (int64_t i = st->heads[h & st->mask]; i >= 0; i = st->next[i]) {
            if (st->hashes[i] != h)
                continue;
            int64_t ref = st->refs[i];
            const sl_batch *bb = st->build.b[SL_REF_BATCH(ref)];
            if (nk > 0 && !keys_equal(op, pb, r, bb, SL_REF_ROW(ref)))
                continue;
            st->probe_refs[st->n_pairs] = SL_ROW_REF(0, r);
            st->build_refs[st->n_pairs] = ref;
            st->build_idx[st->n_pairs++] = i;
            if (st->n_pairs == st->cap && flush_pairs(x, op, st, pb, probe_matched, err))
                break;
            if (first_only)
                break;
        }
    }
    if (!err->code)
        flush_pairs(x, op, st, pb, probe_matched, err);
    if (!err->code) {
        if (op->u.join.type == SL_JOIN_SEMI)
            emit_probe_rows(x, op, st, pb, probe_matched, true, err);
        else if (op->u.join.type == SL_JOIN_ANTI || probe_outer(op))
            emit_probe_rows(x, op, st, pb, probe_matched, false, err);
    }
    sl_free(probe_matched);
    sl_batch_free(&pb);
    return err->code;
}

static int join_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    if (err->code) {
        sl_batch_free(&b);
        return err->code;
    }
    return child == 0 ? build_push(x, op, b) : probe_push(x, op, b, err);
}

/* RIGHT / FULL: the build rows no pair matched, with NULL probe columns. */
static int emit_unmatched_build(sl_exec *x, sl_pop *op, join_state *st, sl_err *err)
{
    int64_t *refs = sl_xmalloc(sizeof *refs * (size_t)SL_BATCH_ROWS);
    int64_t n = 0;
    for (int64_t i = 0; i < st->n_rows && !err->code; i++) {
        if (st->matched[i])
            continue;
        refs[n++] = st->refs[i];
        if (n == SL_BATCH_ROWS || i == st->n_rows - 1) {
            sl_exec_emit(x, op, make_out(op, st, NULL, NULL, refs, n, true), err);
            n = 0;
        }
    }
    if (n > 0 && !err->code)
        sl_exec_emit(x, op, make_out(op, st, NULL, NULL, refs, n, true), err);
    sl_free(refs);
    return err->code;
}

static int join_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    join_state *st = op->state;
    if (child == 0) {
        build_table(x, op, st);
        return err->code;
    }
    if (!err->code && build_outer(op))
        emit_unmatched_build(x, op, st, err);
    return sl_exec_finish_parent(x, op, err);
}

const sl_op_impl sl_op_hash_join = {
    .open = join_open,
    .push = join_push,
    .finish = join_finish,
    .close = join_close,
};
