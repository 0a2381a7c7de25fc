/*
 * JOIN (two children): hash join of the rows of this rank (plan/plan_join.c has put equal
 * keys on one rank, or broadcast / gathered a side).
 *
 * Child 0 is the build side and runs first: its batches are kept (compacted, charged to the
 * budget up to the grant) and, when it finishes, a chained hash table over their rows is
 * built. Rows with a NULL key never enter the table (NULL never equals anything) but stay
 * for RIGHT / FULL, which emit every build row no pair matched at the end, with NULL for the
 * probe columns. Child 1, the probe side, streams: each row's key is hashed and looked up;
 * the candidate pairs (equal hash, equal keys) of a batch are collected as row references
 * (only those its band terms let through: exec/join_bounds.h, binary searches over the
 * table's ordered build values), the rest of the residual filters them (evaluated over only
 * the pair columns it reads), and the survivors mark both rows matched and are gathered into
 * batches of the output layout [probe cols..., build cols...] (only the columns the parent
 * reads) and emitted (INNER, LEFT, RIGHT, FULL). LEFT / FULL then emit the batch's unmatched
 * probe rows with NULL build columns; SEMI emits the probe rows with a match, ANTI those
 * without one. Without keys every build row is a candidate.
 *
 * Memory: each build batch reserves its bytes plus the table's per-row cost up to the grant.
 * When that fails (and there are keys), the join goes grace: the build rows held so far and
 * all later build and probe rows are partitioned into 16 disk row stores per side by 4 hash
 * bits of the key; when the probe side has finished every partition pair is joined on its
 * own (a partition's probe rows can only match its build rows, and each row is in exactly
 * one partition, so outer and semi joins stay exact), recursing with the next 4 bits (up to
 * 4 levels) when a build partition is still too big. Partition bits are hash bits 16..31:
 * the exchange routed by hash % P and the table's buckets use the low bits. Beyond depth 4
 * (one key holding too many rows) the table goes on unreserved. Without keys there is nothing
 * to partition by: over the grant every build row goes to one disk store and every probe row
 * to another, and the finish joins them as nested loops, the build rows a grant's worth at a
 * time (a chunk) against a pass over all the probe rows; a byte per probe row (LEFT / FULL /
 * SEMI / ANTI) and per build row (RIGHT / FULL) carries which rows matched across the chunks,
 * and the unmatched ones (or SEMI's matched ones) are emitted after the last chunk.
 * RIGHT / FULL without keys (plan_join.c's bcast_outer): the build side was broadcast, so a
 * build row is unmatched only when no rank's probe rows matched it; the probe side's finish
 * ORs the ranks' matched flags and rank 0 alone emits the rest (emit_unmatched_once).
 * Local: push and finish make no MPI call, but for that finish (Collective).
 */
#include "exec/exec_int.h"

#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#include "batch/list_order.h"
#include "batch/rowcmp.h"
#include "batch/wire.h"
#include "core/budget.h"
#include "core/mem.h"
#include "exec/join_bounds.h"
#include "func/func.h"
#include "mpi/agree.h"
#include "spill/rowstore.h"
#include "spill/spill.h"

#define FANOUT 16
#define FANOUT_BITS 4
#define MAX_DEPTH 4
#define PART_SHIFT 16
/* Build rows per bucket, at most (a bucket's entries are one contiguous run, so a few per
 * bucket cost a probe little; a directory a quarter the rows' count stays mostly in cache). */
#define ROWS_PER_BUCKET 4
/* Table bytes per build row beyond the row itself: its entry (tag, ref) and its share of
 * the bucket directory. */
#define ROW_TABLE_BYTES 24
/* Rows ahead whose bucket bounds the probe and the build prefetch (their entries: half as
 * far ahead). */
#define PREFETCH 16

/* A build row in the table: its tag and SL_ROW_REF(batch, row). The tag is the key's value
 * where the join has one 8-byte key (join_state.int_key: equal tags are equal keys, so a probe
 * never reads the build rows to compare), else its hash. */
typedef sl_join_ent table_ent;

/* A residual over only the pair columns it reads: evaluated on those alone (join_open). */
typedef struct narrow_res {
    sl_expr *e;                   /* columns renumbered 0..n-1, or NULL: no residual */
    int *cols;                    /* the pair columns it reads, ascending */
    int n;
} narrow_res;

typedef struct join_state {
    sl_batchlist build;           /* compacted build batches */
    int64_t reserved;             /* bytes reserved for them and the table */
    int64_t n_rows;               /* build rows */
    int64_t *first;               /* build batch b's first row is build row first[b] */
    table_ent *ent;               /* the keyed rows grouped by bucket (build_table) */
    int64_t *dir;                 /* buckets + 1: bucket s holds ent[dir[s] .. dir[s+1]) */
    uint64_t mask;                /* buckets - 1 */
    int shift;                    /* a bucket is (hash >> shift) & mask: the hash's top bits */
    bool int_key;                 /* one key stored as 8 bytes, compared as them (tags) */
    uint8_t *matched;             /* RIGHT / FULL: build row i was in an emitted pair */
    /* the residual (its columns narrowed, see narrow_res): the output is gathered for the
     * pairs that pass */
    narrow_res full;
    /* its band terms (exec/join_bounds.h) and the other conjuncts; band: the current probe
     * batch uses the terms, and now is rest, else full */
    sl_jbounds *jb;
    narrow_res rest;
    bool band;
    const narrow_res *now;
    int64_t row_bytes;            /* table bytes per build row: ROW_TABLE_BYTES + the terms' */
    /* pairs of the current probe batch */
    int64_t cap;
    int64_t n_pairs;
    int64_t *probe_refs;          /* SL_ROW_REF(0, physical probe row) */
    int64_t *build_refs;
    int64_t *build_idx;           /* build row index (for matched[]) */
    uint64_t *probe_hashes;
    /* without keys, over the grant (start_chunks): every build row and every probe row in a
     * disk store, joined chunk by chunk (chunk_join) */
    bool chunked;
    sl_rowstore *bstore, *pstore;
    int64_t n_build;              /* rows in bstore */
    uint8_t *bflags, *pflags;     /* RIGHT / FULL: build row i matched; LEFT / FULL / SEMI /
                                   * ANTI: probe row i (of pstore, in order) matched */
    /* grace mode (top level) */
    bool spilled;
    sl_rowstore *bparts[FANOUT], *pparts[FANOUT];
    uint64_t *phash;              /* partitioning scratch */
    uint32_t *prows;
    int64_t pcap;
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

/* Marks a column the residual reads (res_cols is indexed by pair column, as flags). */
static void mark_res_col(sl_expr *e, void *arg)
{
    if (e->kind == SL_E_COL)
        ((int *)arg)[e->col] = 1;
}

/* Renumbers a column to its place among the columns read (arg: pair column -> place). */
static void renumber_res_col(sl_expr *e, void *arg)
{
    if (e->kind == SL_E_COL)
        e->col = ((const int *)arg)[e->col];
}

/* nr from residual e (over pair columns; NULL: none). One column at least: a residual of
 * constants still needs the pairs' row count. */
static void narrow_residual(const sl_pop *op, const sl_expr *e, narrow_res *nr)
{
    if (!e)
        return;
    int m = op->u.join.n_probe_out + op->u.join.n_build_out;
    int *place = sl_xcalloc((size_t)m + 1, sizeof *place);
    nr->e = sl_expr_copy(e);
    sl_expr_walk(nr->e, mark_res_col, place);
    place[0] |= m > 0;
    nr->cols = sl_xmalloc(sizeof *nr->cols * (size_t)(m + 1));
    for (int c = 0; c < m; c++)
        if (place[c]) {
            place[c] = nr->n;
            nr->cols[nr->n++] = c;
        }
    sl_expr_walk(nr->e, renumber_res_col, place);
    sl_free(place);
}

static void narrow_free(narrow_res *nr)
{
    sl_expr_free(&nr->e);
    sl_free(nr->cols);
    memset(nr, 0, sizeof *nr);
}

static int join_open(sl_exec *x, sl_pop *op, sl_err *err)
{
    (void)x;
    (void)err;
    join_state *st = sl_xcalloc(1, sizeof *st);
    if (op->u.join.residual) {
        narrow_residual(op, op->u.join.residual, &st->full);
        sl_expr *rest = NULL;
        st->jb = sl_jbounds_make(op->u.join.residual, op->u.join.n_probe_out, &rest);
        narrow_residual(op, rest, &st->rest);
        sl_expr_free(&rest);
    }
    st->now = &st->full;
    st->row_bytes = ROW_TABLE_BYTES + sl_jbounds_row_bytes(st->jb);
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
    sl_free(st->first);
    sl_free(st->ent);
    sl_free(st->dir);
    sl_free(st->matched);
    narrow_free(&st->full);
    narrow_free(&st->rest);
    sl_jbounds_free(&st->jb);
    sl_free(st->probe_refs);
    sl_free(st->build_refs);
    sl_free(st->build_idx);
    sl_free(st->probe_hashes);
    for (int p = 0; p < FANOUT; p++) {
        sl_rowstore_free(&st->bparts[p]);
        sl_rowstore_free(&st->pparts[p]);
    }
    sl_rowstore_free(&st->bstore);
    sl_rowstore_free(&st->pstore);
    sl_free(st->bflags);
    sl_free(st->pflags);
    sl_free(st->phash);
    sl_free(st->prows);
    sl_free(st);
}

/* Drops the table and its build rows (releasing their reservation). */
static void reset_table(sl_exec *x, join_state *st)
{
    sl_budget_release(&x->ctx->budget, st->reserved);
    st->reserved = 0;
    sl_batchlist_free(&st->build);
    sl_batchlist_init(&st->build);
    sl_free(st->first);
    sl_free(st->ent);
    sl_free(st->dir);
    sl_free(st->matched);
    sl_jbounds_drop(st->jb);
    st->first = NULL;
    st->ent = NULL;
    st->dir = NULL;
    st->matched = NULL;
    st->n_rows = 0;
}

/* Appends the live rows of b to the partition their key hash bits pick at depth. */
static int partition_batch(join_state *st, sl_rowstore **parts, const int *keys, int nk,
                           const sl_batch *b, int depth, sl_err *err)
{
    int64_t n = sl_batch_live(b);
    if (n > st->pcap) {
        sl_free(st->phash);
        sl_free(st->prows);
        st->phash = sl_xmalloc((size_t)n * 8);
        st->prows = sl_xmalloc((size_t)n * 4);
        st->pcap = n;
    }
    sl_hash_batch(b, keys, nk, st->phash);
    int64_t start[FANOUT + 1] = {0}, fill[FANOUT];
    int shift = PART_SHIFT + FANOUT_BITS * depth;
    for (int64_t k = 0; k < n; k++)
        start[((st->phash[k] >> shift) & (FANOUT - 1)) + 1]++;
    for (int p = 0; p < FANOUT; p++) {
        start[p + 1] += start[p];
        fill[p] = start[p];
    }
    for (int64_t k = 0; k < n; k++) {
        int p = (int)((st->phash[k] >> shift) & (FANOUT - 1));
        st->prows[fill[p]++] = (uint32_t)sl_batch_row(b, k);
    }
    for (int p = 0; p < FANOUT && !err->code; p++)
        sl_rowstore_append_rows(parts[p], b, &st->prows[start[p]], start[p + 1] - start[p],
                                err);
    return err->code;
}

/* Goes grace at depth: fresh disk partitions for both sides; the build rows held so far
 * move into them and the table is dropped. */
static int start_split(sl_exec *x, sl_pop *op, join_state *st, sl_rowstore **bparts,
                       sl_rowstore **pparts, int depth, sl_err *err)
{
    for (int p = 0; p < FANOUT; p++) {
        bparts[p] = sl_rowstore_new(x->ctx, 0);
        pparts[p] = sl_rowstore_new(x->ctx, 0);
    }
    for (int i = 0; i < st->build.n && !err->code; i++)
        partition_batch(st, bparts, op->u.join.build_keys, op->u.join.n_keys, st->build.b[i],
                        depth, err);
    reset_table(x, st);
    return err->code;
}

/* Charges n more bytes to the budget (up to the grant; beyond it the build goes on
 * unreserved: the bytes are still counted so close releases what was reserved). */
static bool charge(sl_exec *x, sl_pop *op, join_state *st, int64_t n)
{
    if (!sl_budget_reserve_upto(&x->ctx->budget, n, op->grant))
        return false;
    st->reserved += n;
    return true;
}

/* SLUICE_JOIN_TRACE=1: one stderr line per grace split (tests prove the spilling path runs;
 * the spill volume itself is in the session's counters). */
static void trace_split(sl_exec *x, const sl_pop *op, const join_state *st, int depth)
{
    const char *t = getenv("SLUICE_JOIN_TRACE");
    if (t && *t && strcmp(t, "0") != 0)
        fprintf(stderr, "sluice: rank %d: hash join goes grace at depth %d (%lld build rows "
                "held, grant %lld bytes)\n", x->rank, depth, (long long)st->n_rows,
                (long long)op->grant);
}

/* SLUICE_JOIN_TRACE=1: one stderr line when a join without keys goes in chunks. */
static void trace_chunks(sl_exec *x, const sl_pop *op, const join_state *st)
{
    const char *t = getenv("SLUICE_JOIN_TRACE");
    if (t && *t && strcmp(t, "0") != 0)
        fprintf(stderr, "sluice: rank %d: hash join without keys goes in chunks (%lld build rows "
                "held, grant %lld bytes)\n", x->rank, (long long)st->n_rows,
                (long long)op->grant);
}

/* Cost of holding b (dense) in the table. */
static int64_t build_cost(const join_state *st, const sl_batch *b)
{
    return sl_batch_bytes(b) + b->n_rows * st->row_bytes;
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
        switch (sl_type_phys(a->type)) {
        case SL_T_DOUBLE: {
            double x = a->d.f64[pr], y = c->d.f64[br];
            if (!(x == y || (x != x && y != y)))
                return false;
            break;
        }
        case SL_T_VARCHAR:
        case SL_T_HUGEINT:
        case SL_T_UBIGINT:
        case SL_T_UHUGEINT: {
            int64_t la, lc;
            const char *sa = sl_vec_str(a, pr, &la), *sc = sl_vec_str(c, br, &lc);
            if (la != lc || memcmp(sa, sc, (size_t)la) != 0)
                return false;
            break;
        }
        case SL_T_INTERVAL: { /* DuckDB's equality: '30 days' = '1 month' (types.h) */
            int64_t la, lc;
            const char *sa = sl_vec_str(a, pr, &la), *sc = sl_vec_str(c, br, &lc);
            if (la != lc || (la == SL_IV_BYTES && sl_interval_cmp(sl_interval_get(sa),
                                                                  sl_interval_get(sc)) != 0))
                return false;
            break;
        }
        default:
            if (sl_list_order_is_nested(a->type)) { /* DuckDB's equality: [-0.0] = [0.0] */
                int64_t la, lc;
                const char *sa = sl_vec_str(a, pr, &la), *sc = sl_vec_str(c, br, &lc);
                if (sl_list_cmp(a->type, sa, la, sc, lc) != 0)
                    return false;
            } else if (a->d.i64[pr] != c->d.i64[br]) {
                return false;
            }
            break;
        }
    }
    return true;
}

static int join_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err);

/* A join without keys over its grant (nothing to partition by): the build rows held so far,
 * b and every later build row go to a disk store, the probe rows will go to another, and
 * the finish joins them chunk by chunk (chunk_join). Takes ownership of b. */
static int start_chunks(sl_exec *x, sl_pop *op, join_state *st, sl_batch *b, sl_err *err)
{
    trace_chunks(x, op, st);
    st->chunked = true;
    st->bstore = sl_rowstore_new(x->ctx, 0);
    st->pstore = sl_rowstore_new(x->ctx, 0);
    for (int i = 0; i < st->build.n; i++) {
        if (!err->code)
            sl_rowstore_append(st->bstore, st->build.b[i], err);
        else
            sl_batch_free(&st->build.b[i]);
    }
    st->build.n = 0; /* the store owns them now */
    reset_table(x, st);
    if (err->code) {
        sl_batch_free(&b);
        return err->code;
    }
    return sl_rowstore_append(st->bstore, b, err);
}

/* Keeps build batch b in the table's rows unless it must split (then *split is set and b
 * goes to bparts). Takes ownership of b. */
static int keep_or_split(sl_exec *x, sl_pop *op, join_state *st, bool *split,
                         sl_rowstore **bparts, sl_rowstore **pparts, sl_batch *b, int depth,
                         sl_err *err)
{
    if (!*split) {
        if (b->sel) {
            sl_batch *c = sl_batch_compact(b);
            sl_batch_free(&b);
            b = c;
        }
        bool ok = charge(x, op, st, build_cost(st, b)) || depth >= MAX_DEPTH ||
                  st->build.n == 0;
        if (ok) {
            st->n_rows += b->n_rows;
            sl_batchlist_push(&st->build, b);
            return 0;
        }
        if (op->u.join.n_keys == 0)
            return start_chunks(x, op, st, b, err);
        *split = true;
        trace_split(x, op, st, depth);
        if (start_split(x, op, st, bparts, pparts, depth, err)) {
            sl_batch_free(&b);
            return err->code;
        }
    }
    partition_batch(st, bparts, op->u.join.build_keys, op->u.join.n_keys, b, depth, err);
    sl_batch_free(&b);
    return err->code;
}

/* Build side: keep the batch, or partition it in grace mode. */
static int build_push(sl_exec *x, sl_pop *op, sl_batch *b, sl_err *err)
{
    join_state *st = op->state;
    if (st->chunked)
        return sl_rowstore_append(st->bstore, b, err);
    return keep_or_split(x, op, st, &st->spilled, st->bparts, st->pparts, b, 0, err);
}

/* The bucket of a hash (build_table). */
static inline uint64_t bucket_of(const join_state *st, uint64_t h)
{
    return (h >> st->shift) & st->mask;
}

/* Keys of type t are compared as their 8 bytes (keys_equal's last case). */
static bool is_int_key(sl_type t)
{
    return !sl_type_is_var(t) && sl_type_phys(t) != SL_T_DOUBLE;
}

/* The hashes of bb's rows (all physical rows) on the build keys into h, UINT64_MAX where a
 * key is NULL (such a row gets no entry; a real hash of UINT64_MAX costs a key check); 0
 * without keys. */
static void batch_hashes(const sl_pop *op, const sl_batch *bb, uint64_t *h)
{
    int nk = op->u.join.n_keys;
    int64_t n = bb->n_rows;
    if (nk == 0) {
        memset(h, 0, sizeof *h * (size_t)n);
        return;
    }
    sl_hash_batch(bb, op->u.join.build_keys, nk, h);
    for (int c = 0; c < nk; c++) {
        const uint64_t *valid = bb->cols[op->u.join.build_keys[c]]->valid;
        for (int64_t w = 0; w * 64 < n; w++) {
            uint64_t nul = ~valid[w];
            if (n - w * 64 < 64)
                nul &= (UINT64_C(1) << (n - w * 64)) - 1; /* bits past the last row */
            for (; nul; nul &= nul - 1)
                h[w * 64 + __builtin_ctzll(nul)] = UINT64_MAX;
        }
    }
}

/*
 * The build side is complete: the hash table over its rows. The keyed rows are grouped by
 * bucket (a counting sort of their hashes), so a probe reads its bucket's bounds from dir and
 * then one contiguous run of (tag, ref) entries: two cache misses per probe row where a
 * chained table took one per link (bucket head, then each row's hash and ref). Within a
 * bucket the rows stand in descending build order, the order the chained table walked, so the
 * pairs come out as before; with band terms (exec/join_bounds.h) they are then ordered by
 * their build values. Rows with a NULL key are counted in n_rows (RIGHT / FULL emit them
 * unmatched) but have no entry.
 */
static void build_table(sl_pop *op, join_state *st)
{
    int64_t n = st->n_rows;
    int nk = op->u.join.n_keys;
    st->int_key = nk == 1 && is_int_key(op->children[0]->types[op->u.join.build_keys[0]]) &&
                  is_int_key(op->children[1]->types[op->u.join.probe_keys[0]]);
    uint64_t buckets = 1;
    while (nk > 0 && buckets * ROWS_PER_BUCKET < (uint64_t)n)
        buckets <<= 1;
    st->mask = buckets - 1;
    /* The top bits: the low ones are hash % P of the exchange that brought the rows (one
     * value on each rank where P is a power of 2), bits 16-31 the grace partition's. */
    int bits = 0;
    while ((UINT64_C(1) << bits) < buckets)
        bits++;
    st->shift = bits ? 64 - bits : 63;
    st->first = sl_xmalloc(sizeof *st->first * (size_t)(st->build.n + 1));
    st->dir = sl_xcalloc((size_t)buckets + 1, sizeof *st->dir);
    if (build_outer(op))
        st->matched = sl_xcalloc((size_t)n + 1, 1);
    /* One batch's hashes at a time, computed again for the fill: hashing a batch twice costs
     * less than 8 bytes a build row of fresh memory kept between the two passes. */
    int64_t most = 0;
    for (int bi = 0; bi < st->build.n; bi++)
        most = st->build.b[bi]->n_rows > most ? st->build.b[bi]->n_rows : most;
    uint64_t *h = sl_xmalloc(sizeof *h * (size_t)(most + 1));
    int64_t i = 0;
    for (int bi = 0; bi < st->build.n; bi++) {
        const sl_batch *bb = st->build.b[bi];
        st->first[bi] = i;
        batch_hashes(op, bb, h);
        for (int64_t r = 0; r < bb->n_rows; r++, i++) {
            if (r + PREFETCH < bb->n_rows)
                __builtin_prefetch(&st->dir[bucket_of(st, h[r + PREFETCH])], 1);
            if (h[r] == UINT64_MAX && nk > 0 && any_null_key(bb, op->u.join.build_keys, nk, r))
                st->dir[buckets]++; /* counted apart, no entry */
            else
                st->dir[bucket_of(st, h[r])]++;
        }
    }
    int64_t keyed = n - st->dir[buckets];
    for (uint64_t s = 1; s < buckets; s++) /* dir[s] = end of bucket s */
        st->dir[s] += st->dir[s - 1];
    st->dir[buckets] = keyed;
    st->ent = sl_xmalloc(sizeof *st->ent * (size_t)(keyed + 1));
    for (int bi = 0; bi < st->build.n; bi++) {
        const sl_batch *bb = st->build.b[bi];
        const int64_t *key = st->int_key ? bb->cols[op->u.join.build_keys[0]]->d.i64 : NULL;
        batch_hashes(op, bb, h);
        for (int64_t r = 0; r < bb->n_rows; r++) {
            if (r + PREFETCH < bb->n_rows) /* as in probe_push: bucket ahead, then its entry */
                __builtin_prefetch(&st->dir[bucket_of(st, h[r + PREFETCH])], 1);
            if (r + PREFETCH / 2 < bb->n_rows) {
                int64_t ahead = st->dir[bucket_of(st, h[r + PREFETCH / 2])];
                if (ahead > 0)
                    __builtin_prefetch(&st->ent[ahead - 1], 1);
            }
            if (nk > 0 && h[r] == UINT64_MAX && any_null_key(bb, op->u.join.build_keys, nk, r))
                continue;
            int64_t at = --st->dir[bucket_of(st, h[r])]; /* ends as the bucket's start */
            uint64_t tag = st->int_key ? (uint64_t)key[r] : h[r];
            st->ent[at] = (table_ent){ tag, SL_ROW_REF(bi, r) };
        }
    }
    sl_free(h);
    if (st->jb) /* false (a build value failed): every batch probes with the whole residual */
        sl_jbounds_build(st->jb, st->build.b, st->build.n, st->first, n, st->ent, st->dir,
                         buckets);
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

/* The type of pair column pc: [probe out cols..., build out cols...]. */
static sl_type pair_type(const sl_pop *op, int pc)
{
    int np = op->u.join.n_probe_out;
    return pc < np ? op->children[1]->types[pc] : op->children[0]->types[pc - np];
}

/*
 * Columns [lo, hi) of the pair list pcols (pair columns, ascending), one side's, of n rows
 * into cols: gathered at refs from that side's batches bs (column pcols[i] - base), or NULLs
 * when bs is NULL.
 */
static void side_cols(const sl_pop *op, sl_vec **cols, const int *pcols, int lo, int hi,
                      int base, sl_batch *const *bs, const int64_t *refs, int64_t n)
{
    int m = hi - lo;
    if (m <= 0)
        return;
    sl_type *types = sl_xcalloc((size_t)m + 1, sizeof *types);
    int *src = sl_xcalloc((size_t)m + 1, sizeof *src);
    for (int i = 0; i < m; i++) {
        types[i] = pair_type(op, pcols[lo + i]);
        src[i] = pcols[lo + i] - base;
    }
    if (bs) {
        sl_batch *d = sl_batch_new(m, types, n);
        sl_batch_gather_cols(d, bs, src, refs, n);
        memcpy(cols + lo, d->cols, sizeof *cols * (size_t)m);
        d->n_cols = 0;
        sl_batch_free(&d);
    } else {
        push_null_cols(cols + lo, types, m, n);
    }
    sl_free(types);
    sl_free(src);
}

/*
 * A batch of n pairs' columns pcols[0..m) (pair columns, ascending): the probe columns from
 * prefs into pb (NULLs when pb is NULL), the build columns from brefs (NULLs when brefs is
 * NULL).
 */
static sl_batch *gather_pairs(const sl_pop *op, join_state *st, sl_batch *pb,
                              const int64_t *prefs, const int64_t *brefs, int64_t n,
                              const int *pcols, int m)
{
    int np = op->u.join.n_probe_out, split = 0;
    while (split < m && pcols[split] < np)
        split++;
    sl_vec **cols = sl_xcalloc((size_t)m + 1, sizeof *cols);
    side_cols(op, cols, pcols, 0, split, 0, pb ? &pb : NULL, prefs, n);
    side_cols(op, cols, pcols, split, m, np, brefs ? st->build.b : NULL, brefs, n);
    sl_batch *out = sl_batch_from_cols(m, cols, n);
    sl_free(cols);
    return out;
}

/* n pairs' output columns: only those the parent reads (op->u.join.out_cols). */
static sl_batch *make_out(const sl_pop *op, join_state *st, sl_batch *pb, const int64_t *prefs,
                          const int64_t *brefs, int64_t n)
{
    return gather_pairs(op, st, pb, prefs, brefs, n, op->u.join.out_cols, op->n_cols);
}

/*
 * The residual over n collected pairs: evaluated on a batch of only the columns it reads,
 * and the pair arrays compacted to the pairs that pass; returns how many did. The output
 * columns are gathered afterwards for those alone: `a JOIN b ON a.g = b.g AND a.n > b.n + 90`
 * over 100,000 rows and 13 keys (7.7e8 pairs, 0.4 % passing) went from 13.8 to 8.3 s at 2
 * ranks (gathering every pair column first; DuckDB 1.1 s).
 */
static int64_t residual_pass(const sl_pop *op, join_state *st, sl_batch *pb, int64_t n,
                             sl_err *err)
{
    const narrow_res *nr = st->now;
    sl_batch *rb = gather_pairs(op, st, pb, st->probe_refs, st->build_refs, n, nr->cols, nr->n);
    if (sl_filter(nr->e, rb, err)) {
        sl_batch_free(&rb);
        return 0;
    }
    int64_t live = sl_batch_live(rb);
    for (int64_t k = 0; rb->sel && k < live; k++) { /* ascending: i >= k, in place */
        int64_t i = rb->sel[k];
        st->probe_refs[k] = st->probe_refs[i];
        st->build_refs[k] = st->build_refs[i];
        st->build_idx[k] = st->build_idx[i];
    }
    sl_batch_free(&rb);
    return live;
}

/* The pairs collected so far: residual, matched flags, emit (not for SEMI / ANTI). */
static int flush_pairs(sl_exec *x, sl_pop *op, join_state *st, sl_batch *pb,
                       uint8_t *probe_matched, sl_err *err)
{
    int64_t n = st->n_pairs;
    st->n_pairs = 0;
    if (n > 0 && st->now->e)
        n = residual_pass(op, st, pb, n, err);
    if (n == 0 || err->code)
        return err->code;
    for (int64_t i = 0; i < n; i++) {
        probe_matched[SL_REF_ROW(st->probe_refs[i])] = 1;
        if (st->matched)
            st->matched[st->build_idx[i]] = 1;
    }
    if (is_semi(op))
        return 0;
    return sl_exec_emit(x, op, make_out(op, st, pb, st->probe_refs, st->build_refs, n), err);
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
        rc = sl_exec_emit(x, op, make_out(op, st, pb, refs, NULL, n), err);
    sl_free(refs);
    return rc;
}

/* Adds pair (probe row r, table entry j) when the entry's key equals the row's: true if so. */
static bool add_if_equal(sl_pop *op, join_state *st, const sl_batch *pb, int64_t r, uint64_t tag,
                         int64_t j)
{
    if (st->ent[j].tag != tag)
        return false;
    int64_t ref = st->ent[j].ref;
    if (op->u.join.n_keys > 0 && !st->int_key &&
        !keys_equal(op, pb, r, st->build.b[SL_REF_BATCH(ref)], SL_REF_ROW(ref)))
        return false;
    st->probe_refs[st->n_pairs] = SL_ROW_REF(0, r);
    st->build_refs[st->n_pairs] = ref;
    st->build_idx[st->n_pairs++] = st->first[SL_REF_BATCH(ref)] + SL_REF_ROW(ref);
    return true;
}

/* Whether physical rows a and b of pb hold the same bits in every column of cols (NULL equal
 * to NULL): then the residual, a function of them and the build row alone, decides both the
 * same way. Bits, not SQL equality: -0.0 and 0.0 differ here, which only costs a dedupe. */
static bool same_bits(const sl_batch *pb, const int *cols, int n, int64_t a, int64_t b)
{
    for (int i = 0; i < n; i++) {
        const sl_vec *v = pb->cols[cols[i]];
        bool va = sl_vec_valid(v, a);
        if (va != sl_vec_valid(v, b))
            return false;
        if (!va)
            continue;
        if (sl_type_is_var(v->type)) {
            int64_t la, lb;
            const char *sa = sl_vec_str(v, a, &la), *sb = sl_vec_str(v, b, &lb);
            if (la != lb || memcmp(sa, sb, (size_t)la) != 0)
                return false;
        } else if (v->d.i64[a] != v->d.i64[b]) {
            return false;
        }
    }
    return true;
}

/*
 * SEMI / ANTI with a residual. A probe row's outcome depends only on its keys and the probe
 * columns the residual reads, so the batch's rows are first grouped by those (bit for bit)
 * and only one row of each group is decided: DuckDB's duplicate-eliminated outer values
 * (`NOT EXISTS (SELECT 1 FROM t u WHERE u.h = t.h AND u.n > t.n + 63)`: ~700 distinct
 * (h, n) among 100,000 rows). A row is decided by its first candidate that passes the
 * residual, so candidates are tried in rounds, not all at once: each round gives every
 * undecided row its next `per` equal-key candidates (1, then twice as many each round), runs
 * the residual over those pairs (flush_pairs marks the rows that found a match) and drops the
 * rows that matched or ran out; a row costs at most twice the candidates up to its first match
 * (all of them when none matches), and rounds <= log2(longest run of equal keys) + 1. Pairing
 * every row with every candidate made 7.7e8 pairs for `EXISTS (SELECT 1 FROM t u WHERE u.g =
 * t.g AND u.n > 33)` over 100,000 rows and 13 keys: 7.7 s at 2 ranks, DuckDB 0.1 s.
 */
static int probe_semi_residual(sl_exec *x, sl_pop *op, join_state *st, sl_batch *pb,
                               uint8_t *probe_matched, sl_err *err)
{
    int64_t live = sl_batch_live(pb), n = 0;
    int nk = op->u.join.n_keys;
    const int64_t *key = st->int_key ? pb->cols[op->u.join.probe_keys[0]]->d.i64 : NULL;
    /* The columns that decide a row: its keys, then the probe columns the residual reads
     * (pair columns below n_probe_out are the probe batch's own). */
    const narrow_res *full = &st->full;
    int *gcols = sl_xmalloc(sizeof *gcols * (size_t)(nk + full->n + 1)), ng = 0;
    for (int k = 0; k < nk; k++)
        gcols[ng++] = op->u.join.probe_keys[k];
    for (int c = 0; c < full->n && full->cols[c] < op->u.join.n_probe_out; c++)
        gcols[ng++] = full->cols[c];
    /* per undecided row (a group's first): physical row, next entry, end of its bucket, tag */
    int64_t *row = sl_xmalloc(sizeof *row * (size_t)(4 * live + 1)), *at = row + live,
            *end = row + 2 * live, *group = row + 3 * live; /* group: live row -> its first */
    uint64_t *tag = sl_xmalloc(sizeof *tag * (size_t)(2 * live + 1)), *gh = tag + live;
    int64_t slots = 16;
    while (slots < 2 * live)
        slots *= 2;
    int64_t *slot = sl_xmalloc(sizeof *slot * (size_t)slots); /* first's physical row + 1 */
    memset(slot, 0, sizeof *slot * (size_t)slots);
    if (ng > 0)
        sl_hash_batch(pb, gcols, ng, gh);
    else /* no keys and a residual of build columns only: every row decides alike */
        memset(gh, 0, sizeof *gh * (size_t)(live + 1));
    for (int64_t k = 0; k < live; k++) {
        int64_t r = sl_batch_row(pb, k);
        group[k] = -1;
        if (nk > 0 && any_null_key(pb, op->u.join.probe_keys, nk, r))
            continue;
        int64_t s = (int64_t)(gh[k] & (uint64_t)(slots - 1));
        while (slot[s] && !same_bits(pb, gcols, ng, slot[s] - 1, r))
            s = (s + 1) & (slots - 1);
        if (slot[s]) {
            group[k] = slot[s] - 1;
            continue;
        }
        slot[s] = r + 1;
        group[k] = r;
        uint64_t b = bucket_of(st, st->probe_hashes[k]);
        row[n] = r;
        at[n] = st->dir[b];
        end[n] = st->dir[b + 1];
        tag[n] = key ? (uint64_t)key[r] : st->probe_hashes[k];
        if (st->band && !sl_jbounds_narrow(st->jb, r, tag[n], st->ent, &at[n], &end[n]))
            continue; /* no candidate passes the band terms: undecided rows need one */
        n++;
    }
    sl_free(slot);
    sl_free(gcols);
    for (int64_t per = 1; n > 0 && !err->code; per = per < st->cap / 2 ? per * 2 : per) {
        for (int64_t i = 0; i < n && !err->code; i++) {
            for (int64_t got = 0; got < per && at[i] < end[i]; at[i]++) {
                if (st->band && (at[i] = sl_jbounds_next(st->jb, row[i], at[i], end[i])) == end[i])
                    break;
                if (!add_if_equal(op, st, pb, row[i], tag[i], at[i]))
                    continue;
                got++;
                if (st->n_pairs == st->cap && flush_pairs(x, op, st, pb, probe_matched, err))
                    break;
            }
        }
        if (!err->code)
            flush_pairs(x, op, st, pb, probe_matched, err);
        int64_t keep = 0;
        for (int64_t i = 0; i < n; i++) {
            if (probe_matched[row[i]] || at[i] == end[i])
                continue;
            row[keep] = row[i];
            at[keep] = at[i];
            end[keep] = end[i];
            tag[keep++] = tag[i];
        }
        n = keep;
    }
    for (int64_t k = 0; k < live; k++)
        if (group[k] >= 0)
            probe_matched[sl_batch_row(pb, k)] = probe_matched[group[k]];
    sl_free(row);
    sl_free(tag);
    return err->code;
}

/* Every candidate pair of every probe row (the first only for SEMI / ANTI without a
 * residual), flushed through flush_pairs as the pair arrays fill. */
static int probe_all(sl_exec *x, sl_pop *op, join_state *st, sl_batch *pb,
                     uint8_t *probe_matched, sl_err *err)
{
    int nk = op->u.join.n_keys;
    int64_t live = sl_batch_live(pb);
    bool first_only = is_semi(op) && !op->u.join.residual;
    const uint64_t *ph = st->probe_hashes;
    const int64_t *dir = st->dir;
    const int64_t *key = st->int_key ? pb->cols[op->u.join.probe_keys[0]]->d.i64 : NULL;
    for (int64_t k = 0; k < live && !err->code; k++) {
        /* The bucket bounds of the row PREFETCH ahead, and the entries of the one half as
         * far ahead, whose bounds are then in cache: the misses overlap. */
        if (k + PREFETCH < live)
            __builtin_prefetch(&dir[bucket_of(st, ph[k + PREFETCH])]);
        if (k + PREFETCH / 2 < live)
            __builtin_prefetch(&st->ent[dir[bucket_of(st, ph[k + PREFETCH / 2])]]);
        int64_t r = sl_batch_row(pb, k);
        if (nk > 0 && any_null_key(pb, op->u.join.probe_keys, nk, r))
            continue;
        uint64_t h = ph[k];
        uint64_t tag = key ? (uint64_t)key[r] : h;
        uint64_t b = bucket_of(st, h);
        int64_t j0 = dir[b], j1 = dir[b + 1];
        if (st->band && !sl_jbounds_narrow(st->jb, r, tag, st->ent, &j0, &j1))
            continue;
        for (int64_t j = j0; j < j1; j++) {
            if (st->band && (j = sl_jbounds_next(st->jb, r, j, j1)) == j1)
                break;
            if (!add_if_equal(op, st, pb, r, tag, j))
                continue;
            if (st->n_pairs == st->cap && flush_pairs(x, op, st, pb, probe_matched, err))
                break;
            if (first_only)
                break;
        }
    }
    if (!err->code)
        flush_pairs(x, op, st, pb, probe_matched, err);
    return err->code;
}

/* Probe batch pb against the table: its pairs emitted (not SEMI / ANTI), the rows that found
 * one marked in probe_matched (by pb's physical row). */
static int probe_pairs(sl_exec *x, sl_pop *op, join_state *st, sl_batch *pb,
                       uint8_t *probe_matched, sl_err *err)
{
    int nk = op->u.join.n_keys;
    int64_t live = sl_batch_live(pb);
    st->probe_hashes = sl_xrealloc(st->probe_hashes, sizeof *st->probe_hashes * (size_t)(live + 1));
    if (nk > 0)
        sl_hash_batch(pb, op->u.join.probe_keys, nk, st->probe_hashes);
    else
        memset(st->probe_hashes, 0, sizeof *st->probe_hashes * (size_t)(live + 1));
    /* the band terms need a table built with them and this batch's probe values */
    st->band = st->jb && st->jb->built && sl_jbounds_probe(st->jb, pb);
    st->now = st->band ? &st->rest : &st->full;
    if (is_semi(op) && op->u.join.residual)
        return probe_semi_residual(x, op, st, pb, probe_matched, err);
    return probe_all(x, op, st, pb, probe_matched, err);
}

/* After the pairs of a probe batch (or, in chunks, of all of them): SEMI emits the rows with
 * a match, ANTI / LEFT / FULL those without one; nothing for the others. */
static int emit_probe_side(sl_exec *x, sl_pop *op, join_state *st, sl_batch *pb,
                           const uint8_t *probe_matched, sl_err *err)
{
    if (op->u.join.type == SL_JOIN_SEMI)
        return emit_probe_rows(x, op, st, pb, probe_matched, true, err);
    if (op->u.join.type == SL_JOIN_ANTI || probe_outer(op))
        return emit_probe_rows(x, op, st, pb, probe_matched, false, err);
    return 0;
}

static int probe_push(sl_exec *x, sl_pop *op, sl_batch *pb, sl_err *err)
{
    join_state *st = op->state;
    uint8_t *probe_matched = sl_xcalloc((size_t)pb->n_rows + 1, 1);
    if (!probe_pairs(x, op, st, pb, probe_matched, err))
        emit_probe_side(x, op, st, pb, probe_matched, err);
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
    join_state *st = op->state;
    if (child == 0)
        return build_push(x, op, b, err);
    if (st->spilled) {
        partition_batch(st, st->pparts, op->u.join.probe_keys, op->u.join.n_keys, b, 0, err);
        sl_batch_free(&b);
        return err->code;
    }
    if (st->chunked)
        return sl_rowstore_append(st->pstore, b, err);
    return probe_push(x, op, b, err);
}

/* RIGHT / FULL: the table's build rows whose flag (matched, by build row) is 0, with NULL
 * probe columns. */
static int emit_unmatched_build(sl_exec *x, sl_pop *op, join_state *st, const uint8_t *matched,
                                sl_err *err)
{
    int64_t *refs = sl_xmalloc(sizeof *refs * (size_t)SL_BATCH_ROWS);
    int64_t n = 0, i = 0;
    for (int bi = 0; bi < st->build.n && !err->code; bi++) {
        for (int64_t r = 0; r < st->build.b[bi]->n_rows && !err->code; r++, i++) {
            if (matched[i])
                continue;
            refs[n++] = SL_ROW_REF(bi, r);
            if (n == SL_BATCH_ROWS) {
                sl_exec_emit(x, op, make_out(op, st, NULL, NULL, refs, n), err);
                n = 0;
            }
        }
    }
    if (n > 0 && !err->code)
        sl_exec_emit(x, op, make_out(op, st, NULL, NULL, refs, n), err);
    sl_free(refs);
    return err->code;
}

/* The next batch of a store read by cursor c, dense (its live rows only), or NULL at the
 * end. */
static sl_batch *next_dense(const sl_rowstore *rs, sl_rowstore_cursor *c, sl_err *err)
{
    sl_batch *b = NULL;
    if (sl_rowstore_scan_next(rs, c, &b, err) || !b)
        return NULL;
    if (b->sel) {
        sl_batch *d = sl_batch_compact(b);
        sl_batch_free(&b);
        b = d;
    }
    return b;
}

/*
 * RIGHT / FULL without keys (bcast_outer): every rank holds every build row, in the same
 * order (a broadcast delivers the same rows in the same order to every rank), and marked the
 * ones its own probe rows matched. A build row is unmatched when no rank matched it: the
 * marks are OR-ed over the ranks and rank 0 alone emits the rows none marked, so each comes
 * out once. Collective: every rank agrees on errors first, a rank that failed too.
 */
static int emit_unmatched_once(sl_exec *x, sl_pop *op, join_state *st, sl_err *err)
{
    if (sl_agree(x->comm, err))
        return err->code;
    /* the whole build side's flags: the table's, or in chunks bflags over the store */
    uint8_t *matched = st->chunked ? st->bflags : st->matched;
    int64_t rows = st->chunked ? st->n_build : st->n_rows;
    const int64_t step = INT64_C(1) << 30; /* an MPI count is an int */
    for (int64_t at = 0; at < rows; at += step) {
        int64_t n = rows - at < step ? rows - at : step;
        MPI_Allreduce(MPI_IN_PLACE, matched + at, (int)n, MPI_UINT8_T, MPI_BOR, x->comm);
    }
    if (x->rank != 0)
        return 0;
    if (!st->chunked)
        return emit_unmatched_build(x, op, st, matched, err);
    /* one stored build batch at a time as the table's only batch */
    sl_rowstore_cursor c;
    sl_rowstore_cursor_init(&c);
    for (int64_t at = 0; !err->code;) {
        sl_batch *b = next_dense(st->bstore, &c, err);
        if (!b)
            break;
        int64_t n = b->n_rows;
        sl_batchlist_push(&st->build, b);
        emit_unmatched_build(x, op, st, matched + at, err);
        reset_table(x, st);
        at += n;
    }
    sl_rowstore_cursor_free(&c);
    return err->code;
}

/*
 * The nested loops of a join without keys over its grant (start_chunks): the stored build
 * rows a chunk at a time (batches while the grant has room, at least one), each chunk's table
 * probed by every stored probe row. Pairs are emitted as they are found; the rows that found
 * one are OR-ed into pflags / bflags, and after the last chunk the probe side's rows are
 * emitted by them (the build side's by emit_unmatched_once). Local.
 */
static int chunk_join(sl_exec *x, sl_pop *op, join_state *st, sl_err *err)
{
    if (err->code || sl_rowstore_seal(st->bstore, err) || sl_rowstore_seal(st->pstore, err))
        return err->code;
    st->n_build = sl_rowstore_rows(st->bstore);
    int64_t n_probe = sl_rowstore_rows(st->pstore);
    if (build_outer(op))
        st->bflags = sl_xcalloc((size_t)st->n_build + 1, 1);
    if (probe_outer(op) || is_semi(op))
        st->pflags = sl_xcalloc((size_t)n_probe + 1, 1);
    sl_rowstore_cursor bc;
    sl_rowstore_cursor_init(&bc);
    sl_batch *b = next_dense(st->bstore, &bc, err);
    for (int64_t done = 0; b && !err->code;) {
        /* a chunk: batches while they fit the grant, at least one */
        do {
            bool fits = charge(x, op, st, build_cost(st, b)) || st->build.n == 0;
            if (!fits)
                break;
            st->n_rows += b->n_rows;
            sl_batchlist_push(&st->build, b);
            b = next_dense(st->bstore, &bc, err);
        } while (b && !err->code);
        build_table(op, st);
        sl_rowstore_cursor pc;
        sl_rowstore_cursor_init(&pc);
        int64_t at = 0;
        for (sl_batch *pb; !err->code && (pb = next_dense(st->pstore, &pc, err));) {
            uint8_t *m = sl_xcalloc((size_t)pb->n_rows + 1, 1);
            probe_pairs(x, op, st, pb, m, err);
            for (int64_t r = 0; st->pflags && r < pb->n_rows; r++)
                st->pflags[at + r] |= m[r];
            at += pb->n_rows;
            sl_free(m);
            sl_batch_free(&pb);
        }
        sl_rowstore_cursor_free(&pc);
        if (st->bflags)
            memcpy(st->bflags + done, st->matched, (size_t)st->n_rows);
        done += st->n_rows;
        reset_table(x, st);
    }
    sl_batch_free(&b);
    sl_rowstore_cursor_free(&bc);
    if (st->pflags && !err->code) {
        sl_rowstore_cursor pc;
        sl_rowstore_cursor_init(&pc);
        int64_t at = 0;
        for (sl_batch *pb; !err->code && (pb = next_dense(st->pstore, &pc, err));) {
            emit_probe_side(x, op, st, pb, st->pflags + at, err);
            at += pb->n_rows;
            sl_batch_free(&pb);
        }
        sl_rowstore_cursor_free(&pc);
    }
    return err->code;
}

/* Joins one grace partition pair (both consumed) at depth, recursing where the build
 * partition is still too big. */
static int join_part(sl_exec *x, sl_pop *op, sl_rowstore *bs, sl_rowstore *ps, int depth,
                     sl_err *err)
{
    join_state *st = op->state;
    sl_rowstore *bparts[FANOUT] = {0}, *pparts[FANOUT] = {0};
    bool split = false;
    while (!err->code) {
        sl_batch *b = NULL;
        if (sl_rowstore_next(bs, &b, err) || !b)
            break;
        keep_or_split(x, op, st, &split, bparts, pparts, b, depth, err);
    }
    if (split) {
        while (!err->code) {
            sl_batch *b = NULL;
            if (sl_rowstore_next(ps, &b, err) || !b)
                break;
            partition_batch(st, pparts, op->u.join.probe_keys, op->u.join.n_keys, b, depth,
                            err);
            sl_batch_free(&b);
        }
        for (int p = 0; p < FANOUT; p++) {
            if (!err->code)
                join_part(x, op, bparts[p], pparts[p], depth + 1, err);
            sl_rowstore_free(&bparts[p]);
            sl_rowstore_free(&pparts[p]);
        }
        return err->code;
    }
    build_table(op, st);
    while (!err->code) {
        sl_batch *b = NULL;
        if (sl_rowstore_next(ps, &b, err) || !b)
            break;
        probe_push(x, op, b, err);
    }
    if (!err->code && build_outer(op))
        emit_unmatched_build(x, op, st, st->matched, err);
    reset_table(x, st);
    return err->code;
}

static int join_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    join_state *st = op->state;
    if (child == 0) {
        if (!st->spilled && !st->chunked)
            build_table(op, st);
        return err->code;
    }
    if (st->chunked)
        chunk_join(x, op, st, err);
    if (op->u.join.bcast_outer) { /* never spilled: without keys the build never splits */
        emit_unmatched_once(x, op, st, err);
    } else if (st->spilled) {
        for (int p = 0; p < FANOUT; p++) {
            if (!err->code)
                join_part(x, op, st->bparts[p], st->pparts[p], 1, err);
            sl_rowstore_free(&st->bparts[p]);
            sl_rowstore_free(&st->pparts[p]);
        }
    } else if (!err->code && build_outer(op)) {
        emit_unmatched_build(x, op, st, st->matched, err);
    }
    return sl_exec_finish_parent(x, op, err);
}

const sl_op_impl sl_op_hash_join = {
    .open = join_open,
    .push = join_push,
    .finish = join_finish,
    .close = join_close,
};
