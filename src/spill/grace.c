/*
 * Out-of-core aggregation and exchange; see grace.h for the strategy. Local except
 * sl_grace_exchange (collective).
 */
#include "spill/grace.h"

#include <malloc.h>
#include <string.h>

#include "batch/wire.h"
#include "core/budget.h"
#include "core/mem.h"
#include "mpi/exchange.h"
#include "spill/spill.h"

#define FANOUT 16
#define FANOUT_BITS 4
#define MAX_DEPTH 4
#define PART_SHIFT 16

static int64_t g_parts;
static int g_max_depth;

int64_t sl_grace_partitions(void) { return g_parts; }
int sl_grace_max_depth(void) { return g_max_depth; }

/* Returns freed heap to the OS: a flushed table leaves large free blocks that glibc would
 * otherwise keep, and peak RSS (what the scheduler kills on) is what the budget is about. */
static void give_back_memory(void) { malloc_trim(0); }

int sl_grace_partial_room(sl_hashagg *h, int64_t n_rows, int64_t *res, sl_rowstore **spilled,
                          sl_err *err)
{
    int64_t need = sl_hashagg_bytes(h, n_rows);
    if (need <= *res)
        return 0;
    if (sl_budget_reserve(need - *res, SL_GRACE_TABLE_PCT)) {
        *res = need;
        return 0;
    }
    if (sl_hashagg_groups(h) == 0)
        return 0; /* nothing to flush: one batch over budget proceeds unreserved */
    if (!*spilled)
        *spilled = sl_rowstore_new(0);
    sl_batchlist st;
    sl_batchlist_init(&st);
    sl_hashagg_emit_states(h, &st, err);
    for (int i = 0; i < st.n; i++) {
        if (!err->code)
            sl_rowstore_append(*spilled, st.b[i], err);
        else
            sl_batch_free(&st.b[i]);
        st.b[i] = NULL;
    }
    sl_batchlist_free(&st);
    sl_budget_release(*res);
    *res = 0;
    give_back_memory();
    /* Reserve for the batch about to come in; failure is fine (it proceeds unreserved). */
    need = sl_hashagg_bytes(h, n_rows);
    if (sl_budget_reserve(need, SL_GRACE_TABLE_PCT))
        *res = need;
    return err->code;
}

int sl_grace_exchange(MPI_Comm comm, sl_rowstore *in, const int *key_cols, int n_keys,
                      int64_t round_cap, sl_rowstore *out, sl_err *err)
{
    int P;
    MPI_Comm_size(comm, &P);
    int64_t limit = sl_budget_limit();
    int64_t chunk = limit / (8 * (int64_t)P);
    if (chunk < 64 * 1024)
        chunk = 64 * 1024;
    int64_t cap = round_cap < limit / 8 ? round_cap : limit / 8;
    if (cap < 256)
        cap = 256;

    /* Stop before a shuffle whose receive side cannot fit in memory plus the free disk:
     * expect an even share of everything sent (hash partitioning), beyond half the budget. */
    long long mine = sl_rowstore_mem_bytes(in) + sl_rowstore_disk_bytes(in), total = 0;
    MPI_Allreduce(&mine, &total, 1, MPI_LONG_LONG, MPI_SUM, comm);
    int64_t expect = n_keys ? total / P : total;
    int64_t room = limit / 2 - sl_budget_reserved();
    if (!err->code && expect > room && (n_keys || out))
        sl_spill_check_space(expect - (room > 0 ? room : 0), "exchange input", err);

    bool done = false;
    for (;;) {
        sl_batchlist part, recv;
        sl_batchlist_init(&part);
        sl_batchlist_init(&recv);
        int64_t bytes = 0;
        while (!err->code && !done && bytes < chunk) {
            sl_batch *b = NULL;
            if (sl_rowstore_next(in, &b, err))
                break;
            if (!b) {
                done = true;
                break;
            }
            bytes += sl_batch_bytes(b);
            sl_batchlist_push(&part, b);
        }
        sl_xstats st = {0};
        int rc = sl_exchange_hash(comm, &part, key_cols, n_keys, cap, &recv, &st, err);
        sl_batchlist_free(&part);
        if (rc) {
            sl_batchlist_free(&recv);
            return rc;
        }
        for (int i = 0; i < recv.n; i++) {
            if (!err->code)
                sl_rowstore_append(out, recv.b[i], err);
            else
                sl_batch_free(&recv.b[i]);
            recv.b[i] = NULL;
        }
        sl_batchlist_free(&recv);
        /* A local failure keeps the loop going one more call, which shares it with all. */
        int more = (!done || err->code) ? 1 : 0, any = 0;
        MPI_Allreduce(&more, &any, 1, MPI_INT, MPI_MAX, comm);
        if (!any)
            return err->code;
    }
}

/* ---- final aggregation with grace partitioning ---- */

typedef struct gctx {
    int n_keys, n_aggs;
    const sl_type *key_types;
    const sl_agg *aggs;
    int *key_cols;
    uint64_t *hashes;
    uint32_t *rows;      /* live row indices sorted by partition */
    int64_t cap;
    sl_grace_emit emit;
    void *ctx;
} gctx;

/* Appends the live rows of b to the partition its keys' hash bits pick at this depth. */
static int partition_batch(gctx *g, sl_rowstore **parts, const sl_batch *b, int depth,
                           sl_err *err)
{
    int64_t n = sl_batch_live(b);
    if (n > g->cap) {
        sl_free(g->hashes);
        sl_free(g->rows);
        g->hashes = sl_xmalloc((size_t)n * 8);
        g->rows = sl_xmalloc((size_t)n * 4);
        g->cap = n;
    }
    sl_hash_batch(b, g->key_cols, g->n_keys, g->hashes);
    /* Counting sort of the live rows by partition: one index array, not FANOUT of them. */
    int64_t start[FANOUT + 1] = {0}, fill[FANOUT];
    int shift = PART_SHIFT + FANOUT_BITS * depth;
    for (int64_t k = 0; k < n; k++)
        start[((g->hashes[k] >> shift) & (FANOUT - 1)) + 1]++;
    for (int p = 0; p < FANOUT; p++) {
        start[p + 1] += start[p];
        fill[p] = start[p];
    }
    for (int64_t k = 0; k < n; k++) {
        int p = (int)((g->hashes[k] >> shift) & (FANOUT - 1));
        g->rows[fill[p]++] = (uint32_t)sl_batch_row(b, k);
    }
    for (int p = 0; p < FANOUT && !err->code; p++)
        sl_rowstore_append_rows(parts[p], b, &g->rows[start[p]], start[p + 1] - start[p], err);
    return err->code;
}

static int final_pass(gctx *g, sl_rowstore *in, int depth, bool emit_empty, sl_err *err)
{
    if (depth > g_max_depth)
        g_max_depth = depth;
    sl_hashagg *h = sl_hashagg_new(g->n_keys, g->key_types, g->n_aggs, g->aggs);
    int64_t res = 0;
    sl_rowstore *parts[FANOUT] = {0};
    bool split = false;
    for (;;) {
        sl_batch *b = NULL;
        if (sl_rowstore_next(in, &b, err) || !b)
            break;
        if (!split) {
            int64_t need = sl_hashagg_bytes(h, sl_batch_live(b));
            bool ok = need <= res || depth >= MAX_DEPTH || sl_hashagg_groups(h) == 0 ||
                      g->n_keys == 0;
            if (!ok && sl_budget_reserve(need - res, SL_GRACE_TABLE_PCT)) {
                res = need;
                ok = true;
            }
            if (ok) {
                sl_hashagg_merge(h, b, err);
            } else {
                /* Grace: everything from here on, and what the table holds, goes to disk. */
                split = true;
                g_parts++;
                int64_t left = sl_rowstore_mem_bytes(in) + sl_rowstore_disk_bytes(in);
                if (sl_spill_check_space(left + sl_hashagg_bytes(h, 0),
                                         "aggregate partitions", err)) {
                    sl_batch_free(&b);
                    break;
                }
                for (int p = 0; p < FANOUT; p++)
                    parts[p] = sl_rowstore_new(0);
                sl_batchlist st;
                sl_batchlist_init(&st);
                sl_hashagg_emit_states(h, &st, err);
                for (int i = 0; i < st.n && !err->code; i++)
                    partition_batch(g, parts, st.b[i], depth, err);
                sl_batchlist_free(&st);
                sl_budget_release(res);
                res = 0;
                give_back_memory();
            }
        }
        if (split && !err->code)
            partition_batch(g, parts, b, depth, err);
        sl_batch_free(&b);
        if (err->code)
            break;
    }
    if (!split && !err->code && (emit_empty || sl_hashagg_groups(h) > 0)) {
        sl_batchlist out;
        sl_batchlist_init(&out);
        sl_hashagg_emit_final(h, &out, err);
        for (int i = 0; i < out.n; i++) {
            if (!err->code)
                g->emit(g->ctx, out.b[i], err);
            else
                sl_batch_free(&out.b[i]);
            out.b[i] = NULL;
        }
        sl_batchlist_free(&out);
    }
    sl_hashagg_free(&h);
    sl_budget_release(res);
    for (int p = 0; p < FANOUT; p++) {
        if (parts[p] && !err->code)
            final_pass(g, parts[p], depth + 1, false, err);
        sl_rowstore_free(&parts[p]);
    }
    return err->code;
}

int sl_grace_final(int n_keys, const sl_type *key_types, int n_aggs, const sl_agg *aggs,
                   sl_rowstore *in, bool emit_empty, sl_grace_emit emit, void *ctx,
                   sl_err *err)
{
    gctx g = {.n_keys = n_keys, .n_aggs = n_aggs, .key_types = key_types, .aggs = aggs,
              .emit = emit, .ctx = ctx};
    g.key_cols = sl_xcalloc((size_t)n_keys + 1, sizeof *g.key_cols);
    for (int k = 0; k < n_keys; k++)
        g.key_cols[k] = k;
    int rc = final_pass(&g, in, 0, emit_empty, err);
    sl_free(g.key_cols);
    sl_free(g.hashes);
    sl_free(g.rows);
    return rc;
}
