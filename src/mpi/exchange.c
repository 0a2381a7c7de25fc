/*
 * Exchange of batches between ranks in bounded rounds (see exchange.h for the contract).
 *
 * Each input batch is "routed" once: the destination of every live row is computed (hash % P, or
 * the root for gather) and its physical row indices are grouped by destination (a stable counting
 * sort, so each destination's rows stay ascending). A round then PLANS chunks, i.e. runs of one
 * destination's rows of one batch whose exact serialized size (sl_wire_size) fits the remaining
 * round budget, WRITES them with sl_wire_write_rows into one send buffer grouped by destination
 * (each destination's part after a free 8-byte header slot, so nothing is copied twice), and
 * exchanges them: one message to each other rank (the header holds the sender's flags and the
 * message's row count, below; its size is the byte count), probed source by source (MPI_Mprobe) and
 * then received all at once (MPI_Imrecv) into one receive buffer by ascending source, then
 * sl_wire_read of what arrived. Until 2026-12-03 a round was an MPI_Alltoall of the byte counts and
 * then an MPI_Alltoallv of the bytes: two message latencies per round where this takes one, which
 * decided small exchanges across nodes (issue 14: the exchange against a bare Alltoallv). Input
 * batches are freed as soon as all their rows are sent, and packing is lazy, so at most about one
 * round of send bytes exists at a time. The send and receive buffers are sized exactly from the
 * plan and the probed sizes; the send buffer is kept across the rounds of one call, and both across
 * calls where the caller gives a pool (exchange.h's sl_xpool: an EXCHANGE operator's chunks).
 * Received batches are not copied out of the receive buffer: they borrow its arrays
 * (sl_wire_read_borrow; the buffer is a reference-counted sl_vblock freed with the last of its
 * columns), so a round reuses it only when none of its batches is alive any more, else it gets a
 * fresh one.
 *
 * Rows for this rank itself never touch the wire (issue 14: the self share is 1/P of the
 * data, half of it at 2 ranks): they are gathered straight into new batches, one copy where
 * packing, the message and unpacking made three, and a whole dense input batch that goes
 * entirely to this rank is handed over without a copy, as is one with at least a third of its
 * rows for this rank (with those rows as its selection). They still count as bytes sent and
 * received (their exact wire size), and out receives them at this rank's place among the
 * sources, so the result is the same batches in the same order as through the wire.
 *
 * Progress: a destination that has rows and got nothing yet this round always gets one chunk
 * (up to cap/P bytes, or a single row when one row is bigger), so every round moves data.
 * Int counts: cap is clamped to INT_MAX / (2 (P+1)); a destination then receives at most
 * cap + one forced chunk and an 8-byte header from each of the P senders, below INT_MAX.
 *
 * Termination and errors: every rank puts one header word (flags in its low two bits: 2 =
 * failed, 1 = rows left for a later round; above them the message's row count) at the head of
 * its message to every other rank (a failed rank sends the word alone), so after a round every
 * rank holds every rank's flags and all decide together whether any rank failed (then nothing
 * that arrived is unpacked: all stop) and whether this round was the last; all ranks take part
 * in the same rounds, with no collective of its own for the agreement (the two-level route,
 * whose counts go through the node leaders, does one MPI_Allreduce of the flags first
 * instead). The messages of one round are matched by source and tag on the caller's
 * communicator, in order (MPI's non-overtaking rule), so a round never takes another round's
 * message, nor the next exchange's, which a faster rank may already have sent: nothing
 * synchronises the ranks at the end of an exchange. No other part of sluice sends with that
 * tag. Conservation (every row sent arrives) is checked message by message against the header's
 * row count. A failure while unpacking (corrupt data: always a bug) is reported by the next
 * round's flags; in the last round no message is left to carry it and the peers may be past
 * the exchange, so that rank ends the job (MPI_Abort, exit 9). Until 2026-12-03 a conservation
 * MPI_Allreduce closed every exchange for that: a second message latency in a one-round
 * exchange, a fifth of one of 64 KB per peer across nodes (issue 14). The two-level route,
 * whose messages carry no header, still closes with it (sums of rows sent and received, and
 * the unpacking failure). A failed rank (also one that entered with err set) keeps taking part
 * with empty sends until the agreement; then all ranks run sl_agree so every rank holds the
 * first rank's error record (healthy ranks return SL_EPEER). All exported functions are
 * Collective over comm.
 *
 * Two levels (issue 16): with many ranks the flat round costs every rank P-1 messages, P^2 in
 * all, and at 10,000 ranks that is the whole cost (docs/scaling-model.md). Beyond a settable
 * rank count, when the ranks span several nodes, a round moves the same send buffers in three
 * steps instead: each rank gives its buffer and per-destination counts to its node's leader
 * (lowest rank of MPI_Comm_split_type SHARED: shared memory), the leaders exchange one block
 * per pair of nodes (count matrices, then bytes: N^2 messages for N nodes), and each leader
 * hands each of its ranks the bytes addressed to it, ordered by source rank, with the P
 * per-source counts. What a rank receives is then byte for byte what the flat round
 * delivers (same sources, same order), so everything above is unchanged; only the route
 * differs. Planning, rounds and the termination agreement are the same for both.
 */
#include "mpi/exchange.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/wire.h"
#include "core/fastmod.h"
#include "core/fault.h"
#include "core/mem.h"
#include "mpi/agree.h"

#define DEFAULT_CAP ((int64_t)64 << 20)

typedef struct {
    sl_batch *b;        /* owned by the input list until freed at the end of a round */
    int in_idx;         /* index in the input list */
    uint32_t *rows;     /* live physical rows grouped by destination */
    int64_t *start;     /* P+1: destination d owns rows[start[d] .. start[d+1]) */
    int64_t *pos;       /* P: next row of destination d not yet planned */
    int64_t *heap;      /* P: string bytes of destination d's rows (routed by hash or
                         * route_fn, with a VARCHAR column), or NULL */
    bool has_varchar;
    bool planned;       /* every row is in some chunk */
} route;

typedef struct {
    int r;              /* index into the round's routes */
    int dest;
    int64_t at, n, bytes;
} chunk;

typedef struct {
    sl_ctx *ctx;
    MPI_Comm comm;
    int P, rank;
    const int *key_cols;
    int n_keys;
    int root;           /* gather root, or -1 for hash routing */
    sl_fastmod modP;    /* hash % P without a division per row */
    sl_route_fn route_fn; /* custom routing (range, round robin), or NULL */
    void *route_ctx;
    bool bcast;         /* every row to every rank */
    sl_batchlist *in;
    int next_in;        /* next input batch not yet routed */
    route *routes;      /* routes touched this round; the last may be partly planned */
    int n_routes;
    int64_t cap_routes;
    chunk *chunks;
    int64_t n_chunks, cap_chunks;
    int64_t cap, chunk_target, max_chunk;
    sl_xstats *st;
    sl_batchlist self;  /* this round's rows for this rank, already batches (no wire) */
    int64_t *rows_to;   /* P: this round's rows for each rank (a flat message's header) */
    int64_t *rows_from; /* P: the rows each rank's message says it holds (flat route) */
    int64_t self_bytes; /* their wire size, counted as sent and received like other bytes */
    int hdr;            /* bytes left free before each peer's part of the send buffer */
} xch;

static void route_free(route *r)
{
    sl_free(r->rows);
    sl_free(r->start);
    sl_free(r->pos);
    sl_free(r->heap);
    memset(r, 0, sizeof *r);
}

/* Adds each live row's string bytes (over b's VARCHAR columns, NULLs none) to heap[dst[k]]:
 * what a destination's whole share will need, so planning a round that takes it all (the
 * usual case) need not walk its rows again. */
static void add_heaps(const sl_batch *b, const uint32_t *dst, int64_t live, int64_t *heap)
{
    for (int c = 0; c < b->n_cols; c++) {
        const sl_vec *v = b->cols[c];
        if (!sl_type_is_var(v->type))
            continue;
        const int64_t *off = v->d.off;
        for (int64_t k = 0; k < live; k++) {
            int64_t i = sl_batch_row(b, k);
            heap[dst[k]] += (off[i + 1] - off[i]) & -(int64_t)sl_vec_valid(v, i);
        }
    }
}

/* Computes destinations for the live rows of batch in->b[idx]. */
static int route_make(xch *x, int idx, route *r, sl_err *err)
{
    sl_batch *b = x->in->b[idx];
    int P = x->P;
    int64_t live = sl_batch_live(b);
    memset(r, 0, sizeof *r);
    r->b = b;
    r->in_idx = idx;
    for (int c = 0; c < b->n_cols; c++)
        r->has_varchar |= sl_type_is_var(b->cols[c]->type);
    for (int k = 0; k < x->n_keys; k++)
        if (x->key_cols[k] < 0 || x->key_cols[k] >= b->n_cols)
            return SL_ERR(err, SL_EINTERNAL, "exchange key column %d of a %d-column batch",
                          x->key_cols[k], b->n_cols);
    r->rows = sl_xmalloc(sizeof *r->rows * (size_t)(live ? live : 1) * (x->bcast ? P : 1));
    r->start = sl_xcalloc((size_t)P + 1, sizeof *r->start);
    r->pos = sl_xcalloc((size_t)P, sizeof *r->pos);
    int fixed = x->root >= 0 ? x->root : 0;
    if (x->bcast) {
        /* Every destination gets every row: P copies of the row list. */
        for (int d = 0; d < P; d++) {
            r->start[d] = (int64_t)d * live;
            for (int64_t k = 0; k < live; k++)
                r->rows[(int64_t)d * live + k] = (uint32_t)sl_batch_row(b, k);
        }
        r->start[P] = (int64_t)P * live;
    } else if (!x->route_fn && (x->root >= 0 || x->n_keys == 0 || P == 1)) {
        for (int64_t k = 0; k < live; k++)
            r->rows[k] = (uint32_t)sl_batch_row(b, k);
        for (int d = fixed + 1; d <= P; d++)
            r->start[d] = live;
    } else {
        uint32_t *dst = sl_xmalloc(sizeof *dst * (size_t)(live ? live : 1));
        int64_t *count = r->start + 1;
        if (x->route_fn) {
            x->route_fn(x->route_ctx, b, dst);
            for (int64_t k = 0; k < live; k++) {
                if (dst[k] >= (uint32_t)P) {
                    uint32_t bad = dst[k]; /* read before dst is freed */
                    sl_free(dst);
                    return SL_ERR(err, SL_EINTERNAL, "exchange: row routed to rank %u of %d",
                                  bad, P);
                }
            }
        } else {
            uint64_t *h = sl_xmalloc(sizeof *h * (size_t)(live ? live : 1));
            sl_hash_batch(b, x->key_cols, x->n_keys, h);
            for (int64_t k = 0; k < live; k++)
                dst[k] = (uint32_t)sl_fastmod_rem(x->modP, h[k]);
            sl_free(h);
        }
        for (int64_t k = 0; k < live; k++)
            count[dst[k]]++;
        if (r->has_varchar) {
            r->heap = sl_xcalloc((size_t)P, sizeof *r->heap);
            add_heaps(b, dst, live, r->heap);
        }
        for (int d = 0; d < P; d++)
            r->start[d + 1] += r->start[d];
        for (int d = 0; d < P; d++)
            r->pos[d] = r->start[d];
        if (b->sel)
            for (int64_t k = 0; k < live; k++)
                r->rows[r->pos[dst[k]]++] = b->sel[k];
        else
            for (int64_t k = 0; k < live; k++)
                r->rows[r->pos[dst[k]]++] = (uint32_t)k;
        sl_free(dst);
    }
    for (int d = 0; d < P; d++)
        r->pos[d] = r->start[d];
    return 0;
}

/* Bytes of rows[at .. at+k) of route r as one serialized batch. */
static int64_t chunk_size(const route *r, int64_t at, int64_t k)
{
    int64_t heap = 0;
    if (r->has_varchar) {
        for (int c = 0; c < r->b->n_cols; c++) {
            const sl_vec *v = r->b->cols[c];
            if (!sl_type_is_var(v->type))
                continue;
            for (int64_t j = at; j < at + k; j++) {
                uint32_t i = r->rows[j];
                if (sl_vec_valid(v, i))
                    heap += v->d.off[i + 1] - v->d.off[i];
            }
        }
    }
    return sl_wire_size(r->b, k, heap);
}

/* Most rows (from pos[d], at most rem) whose chunk fits in limit bytes; 0 when none does.
 * Sets *bytes to the chunk's exact size. */
static int64_t fit(const route *r, int d, int64_t limit, int64_t *bytes)
{
    int64_t at = r->pos[d], rem = r->start[d + 1] - at;
    *bytes = 0;
    if (!r->has_varchar) {
        /* Size is monotone in k: binary search the largest k that fits. */
        int64_t lo = 0, hi = rem;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo + 1) / 2;
            if (sl_wire_size(r->b, mid, 0) <= limit)
                lo = mid;
            else
                hi = mid - 1;
        }
        if (lo)
            *bytes = sl_wire_size(r->b, lo, 0);
        return lo;
    }
    /* Strings: all remaining rows at once when they fit (the usual case: a round holds a
     * batch's rows for one destination; their bytes known from routing when none is planned
     * yet, else counted column at a time); else grow k one row at a time, adding that row's
     * string bytes. */
    int64_t all = r->heap && at == r->start[d] ? sl_wire_size(r->b, rem, r->heap[d])
                                                : chunk_size(r, at, rem);
    if (all <= limit) {
        *bytes = all;
        return rem;
    }
    int64_t heap = 0, k = 0;
    for (; k < rem; k++) {
        uint32_t i = r->rows[at + k];
        int64_t row_heap = 0;
        for (int c = 0; c < r->b->n_cols; c++) {
            const sl_vec *v = r->b->cols[c];
            if (sl_type_is_var(v->type) && sl_vec_valid(v, i))
                row_heap += v->d.off[i + 1] - v->d.off[i];
        }
        int64_t sz = sl_wire_size(r->b, k + 1, heap + row_heap);
        if (sz > limit)
            break;
        heap += row_heap;
        *bytes = sz;
    }
    return k;
}

static void add_chunk(xch *x, int r, int d, int64_t n, int64_t bytes)
{
    SL_GROW(x->chunks, x->cap_chunks, x->n_chunks + 1);
    route *rt = &x->routes[r];
    x->chunks[x->n_chunks++] = (chunk){ r, d, rt->pos[d], n, bytes };
    rt->pos[d] += n;
}

/* Opens the next input batch with live rows as a new route; false when input is exhausted. */
static int open_next(xch *x, bool *opened, sl_err *err)
{
    *opened = false;
    while (x->next_in < x->in->n) {
        int idx = x->next_in++;
        if (sl_batch_live(x->in->b[idx]) == 0) {
            sl_batch_free(&x->in->b[idx]);
            continue;
        }
        SL_GROW(x->routes, x->cap_routes, x->n_routes + 1);
        route *r = &x->routes[x->n_routes];
        if (route_make(x, idx, r, err)) {
            route_free(r);
            return err->code;
        }
        x->n_routes++;
        *opened = true;
        return 0;
    }
    return 0;
}

/*
 * Rows of route r for destination d in one chunk: as many as fit limit bytes; when none do
 * and d got nothing yet this round (forced), one chunk of up to chunk_target bytes, or a
 * single row when one row is bigger. Sets *bytes to the chunk's size. -1 (err set) when that
 * single row exceeds max_chunk.
 */
static int64_t chunk_rows(const xch *x, const route *r, int d, int64_t limit, bool forced,
                          int64_t *bytes, sl_err *err)
{
    *bytes = 0;
    int64_t k = limit > 0 ? fit(r, d, limit, bytes) : 0;
    if (k > 0 || !forced)
        return k;
    k = fit(r, d, x->chunk_target, bytes);
    if (k > 0)
        return k;
    *bytes = chunk_size(r, r->pos[d], 1);
    if (*bytes > x->max_chunk) {
        SL_ERR(err, SL_EINTERNAL, "one row of %lld bytes is too large for the exchange (limit "
               "%lld bytes)", (long long)*bytes, (long long)x->max_chunk);
        return -1;
    }
    return 1;
}

/*
 * A broadcast's share of a round from route ri: the same rows for every destination (its P
 * ranges are copies of one row list, advancing together), as many as fit budget / P, or one
 * forced chunk when nothing went out yet this round. So every rank receives the same rows in
 * the same order, round by round, as every other (a join without keys ORs its ranks' marks of
 * the broadcast rows by position: exec/op_hash_join.c). Returns the rows planned per
 * destination, or -1 on error.
 */
static int64_t plan_bcast(xch *x, int ri, int64_t *budget, int64_t *sent_d, sl_err *err)
{
    route *cur = &x->routes[ri];
    if (cur->pos[0] == cur->start[1])
        return 0;
    int64_t share = *budget / x->P, bytes;
    int64_t k = chunk_rows(x, cur, 0, share < x->chunk_target ? share : x->chunk_target,
                           sent_d[0] == 0, &bytes, err);
    for (int d = 0; k > 0 && d < x->P; d++) {
        add_chunk(x, ri, d, k, bytes);
        sent_d[d] += bytes;
        *budget -= bytes;
    }
    return k;
}

/* Plans this round's chunks (see the file comment). */
static int plan_round(xch *x, int64_t *sent_d, sl_err *err)
{
    int64_t budget = x->cap;
    x->n_chunks = 0;
    memset(sent_d, 0, sizeof *sent_d * (size_t)x->P);
    for (;;) {
        route *cur = x->n_routes ? &x->routes[x->n_routes - 1] : NULL;
        if (!cur || cur->planned) {
            if (budget <= 0)
                break;
            bool opened;
            if (open_next(x, &opened, err))
                return err->code;
            if (!opened)
                break;
            cur = &x->routes[x->n_routes - 1];
        }
        int ri = x->n_routes - 1;
        if (x->bcast) {
            int64_t k = plan_bcast(x, ri, &budget, sent_d, err);
            if (k < 0)
                return err->code;
            if (cur->pos[0] == cur->start[1])
                cur->planned = true;
            else if (k == 0)
                break;
            continue;
        }
        bool all_done = true, added = false;
        for (int d = 0; d < x->P; d++) {
            if (cur->pos[d] == cur->start[d + 1])
                continue;
            int64_t bytes;
            int64_t k = chunk_rows(x, cur, d, budget < x->chunk_target ? budget : x->chunk_target,
                                   sent_d[d] == 0, &bytes, err);
            if (k < 0)
                return err->code;
            if (k > 0) {
                add_chunk(x, ri, d, k, bytes);
                cur = &x->routes[ri];
                sent_d[d] += bytes;
                budget -= bytes;
                added = true;
            }
            if (cur->pos[d] < cur->start[d + 1])
                all_done = false;
        }
        if (all_done) {
            cur->planned = true;
            continue;
        }
        if (!added)
            break;
    }
    return 0;
}

/* Serializes the planned chunks for other ranks grouped by destination into sb (sized once:
 * the plan knows every chunk's exact bytes) and fills counts and displs; this rank's own
 * chunks become batches in x->self without the wire (see the file comment). */
static void write_round(xch *x, sl_buf *sb, int *counts, int *displs)
{
    int P = x->P;
    int64_t total = (int64_t)x->hdr * (P - 1);
    for (int64_t c = 0; c < x->n_chunks; c++)
        if (x->chunks[c].dest != x->rank)
            total += x->chunks[c].bytes;
    if (sb->cap < total + 1) {
        /* exact, and no copy of old bytes: sb is empty at the start of a round */
        sl_free(sb->data);
        sb->data = sl_xmalloc((size_t)total + 1);
        sb->cap = total + 1;
    }
    memset(x->rows_to, 0, sizeof *x->rows_to * (size_t)P);
    for (int d = 0; d < P; d++) {
        displs[d] = (int)sb->len; /* the header slot's, when there is one */
        if (d != x->rank && x->hdr) {
            memset(sb->data + sb->len, 0, (size_t)x->hdr);
            sb->len += x->hdr;
        }
        int64_t before = sb->len;
        for (int64_t c = 0; c < x->n_chunks && d != x->rank; c++) {
            const chunk *ch = &x->chunks[c];
            if (ch->dest != d)
                continue;
            const route *r = &x->routes[ch->r];
            sl_wire_write_rows_sized(r->b, r->rows + ch->at, ch->n, ch->bytes, sb);
            x->rows_to[d] += ch->n;
            x->st->rows_sent += ch->n;
            x->ctx->ctr.xchg_rows_sent += ch->n;
        }
        counts[d] = (int)(sb->len - before);
        if (x->ctx->ctr.xchg_peers == P && d != x->rank)
            x->ctx->ctr.xchg_bytes_to[d] += counts[d];
    }
    /* This rank's own rows last, once every other destination has its copy: a chunk that is
     * a whole dense input batch whose rows are all planned is handed over as it is, and one
     * that holds all of its batch's rows for this rank, when they are at least a third of
     * its physical rows (so what the batch keeps alive stays within 3x of what it
     * delivers), is handed over too with those rows as its selection: no copy either. */
    x->self_bytes = 0;
    for (int64_t c = 0; c < x->n_chunks; c++) {
        const chunk *ch = &x->chunks[c];
        if (ch->dest != x->rank)
            continue;
        route *r = &x->routes[ch->r];
        sl_batch *g;
        bool whole = ch->at == r->start[x->rank] && ch->at + ch->n == r->start[x->rank + 1];
        if (r->planned && !r->b->sel && ch->n == r->b->n_rows && x->in->b[r->in_idx]) {
            g = r->b;
            x->in->b[r->in_idx] = NULL; /* now owned by x->self; retire_routes skips it */
        } else if (r->planned && whole && 3 * ch->n >= r->b->n_rows && x->in->b[r->in_idx]) {
            g = r->b;
            x->in->b[r->in_idx] = NULL;
            uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)ch->n);
            memcpy(sel, r->rows + ch->at, sizeof *sel * (size_t)ch->n); /* ascending */
            sl_batch_set_sel(g, sel, ch->n);
        } else {
            g = sl_wire_gather_rows(r->b, r->rows + ch->at, ch->n);
        }
        sl_batchlist_push(&x->self, g);
        x->self_bytes += ch->bytes;
        x->st->rows_sent += ch->n;
        x->ctx->ctr.xchg_rows_sent += ch->n;
    }
    if (x->ctx->ctr.xchg_peers == P)
        x->ctx->ctr.xchg_bytes_to[x->rank] += x->self_bytes;
    int64_t data = sb->len - (int64_t)x->hdr * (P - 1);
    x->st->bytes_sent += data + x->self_bytes;
    x->ctx->ctr.xchg_bytes_sent += data + x->self_bytes;
}

/* Frees the routes (and input batches) whose rows are all sent; keeps a partly planned one. */
static void retire_routes(xch *x)
{
    int keep = 0;
    for (int i = 0; i < x->n_routes; i++) {
        route *r = &x->routes[i];
        if (r->planned) {
            sl_batch_free(&x->in->b[r->in_idx]);
            route_free(r);
        } else {
            x->routes[keep++] = *r;
        }
    }
    x->n_routes = keep;
}

/* Appends what arrived this round to out, by ascending source rank (this rank's own rows,
 * x->self, at its place), so the order is the one a plain MPI_Alltoallv of everything gives.
 * The batches read from rb borrow their arrays from it (blk, which holds rb): no copy. */
static int recv_round(xch *x, char *rb, sl_vblock *blk, const int *counts, const int *displs,
                      sl_batchlist *out, sl_err *err)
{
    for (int s = 0; s < x->P; s++) {
        if (s == x->rank) {
            for (int i = 0; i < x->self.n; i++) {
                x->st->rows_recv += sl_batch_live(x->self.b[i]);
                x->ctx->ctr.xchg_rows_recv += sl_batch_live(x->self.b[i]);
                sl_batchlist_push(out, x->self.b[i]);
                x->self.b[i] = NULL;
            }
            x->self.n = 0;
            x->st->bytes_recv += x->self_bytes;
            x->ctx->ctr.xchg_bytes_recv += x->self_bytes;
            if (x->ctx->ctr.xchg_peers == x->P)
                x->ctx->ctr.xchg_bytes_from[s] += x->self_bytes;
            continue;
        }
        char *p = rb + displs[s];
        int64_t len = counts[s], rows = 0;
        x->st->bytes_recv += len;
        x->ctx->ctr.xchg_bytes_recv += len;
        if (x->ctx->ctr.xchg_peers == x->P)
            x->ctx->ctr.xchg_bytes_from[s] += len;
        /* SLUICE_FAULT=unpack:N: the Nth message from another rank is found corrupt. */
        if (sl_fault_hit(SL_FAULT_UNPACK))
            return SL_ERR(err, SL_EINTERNAL, "exchange: corrupt message from rank %d: injected "
                          "fault (SLUICE_FAULT=%s)", s, sl_fault_last());
        while (len > 0) {
            sl_batch *b;
            int64_t used;
            if (sl_wire_read_borrow(p, len, blk, &b, &used, err))
                return err->code;
            rows += b->n_rows;
            x->st->rows_recv += b->n_rows;
            x->ctx->ctr.xchg_rows_recv += b->n_rows;
            sl_batchlist_push(out, b);
            p += used;
            len -= used;
        }
        /* Conservation, message by message: the flat route's header says how many rows the
         * sender put in (the two-level route checks the sums at the end instead). */
        if (x->hdr && rows != x->rows_from[s])
            return SL_ERR(err, SL_EINTERNAL, "exchange lost rows: rank %d sent %lld, %lld "
                          "arrived", s, (long long)x->rows_from[s], (long long)rows);
    }
    return 0;
}

/* Default of SET exchange_two_level_ranks: below it the P-1 messages per rank of the flat
 * exchange cost less than relaying everything through the node leaders. */
#define DEFAULT_TWO_LEVEL_RANKS 64

/* Which ranks share a node, for the two-level route. */
typedef struct {
    bool on;            /* this exchange goes in two levels */
    MPI_Comm node;      /* the ranks of this node, ordered by rank */
    MPI_Comm leaders;   /* local rank 0 of every node (MPI_COMM_NULL elsewhere) */
    int L, lrank;       /* ranks on this node, this rank's index among them */
    int N, me_node;     /* nodes, this rank's node (nodes numbered by their lowest rank) */
    int *node_of;       /* P: node of each rank */
    int *nsize;         /* N: ranks on each node */
    int *first;         /* N+1: members of node m are members[first[m] .. first[m+1]) */
    int *members;       /* P: ranks grouped by node, ascending within a node */
} topo;

/* Frees the node communicators and maps; t is left empty. Local. */
static void topo_free(topo *t)
{
    if (t->node != MPI_COMM_NULL)
        MPI_Comm_free(&t->node);
    if (t->leaders != MPI_COMM_NULL)
        MPI_Comm_free(&t->leaders);
    sl_free(t->node_of);
    sl_free(t->nsize);
    sl_free(t->first);
    sl_free(t->members);
    memset(t, 0, sizeof *t);
    t->node = t->leaders = MPI_COMM_NULL;
}

/* Decides flat or two-level (the same on every rank: every input is collective or the same
 * everywhere) and builds the node map when two-level. Collective over comm. */
static void topo_make(const sl_ctx *ctx, MPI_Comm comm, int P, int rank, topo *t)
{
    memset(t, 0, sizeof *t);
    t->node = t->leaders = MPI_COMM_NULL;
    int mode = ctx->xchg_two_level;
    int thr = ctx->xchg_two_level_ranks > 0 ? ctx->xchg_two_level_ranks : DEFAULT_TWO_LEVEL_RANKS;
    if (mode < 0 || (mode == 0 && P < thr))
        return;
    if (ctx->xchg_node_ranks > 0)
        MPI_Comm_split(comm, rank / ctx->xchg_node_ranks, rank, &t->node);
    else
        MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &t->node);
    MPI_Comm_size(t->node, &t->L);
    MPI_Comm_rank(t->node, &t->lrank);
    MPI_Comm_split(comm, t->lrank == 0 ? 0 : MPI_UNDEFINED, rank, &t->leaders);
    if (t->lrank == 0)
        MPI_Comm_rank(t->leaders, &t->me_node);
    MPI_Bcast(&t->me_node, 1, MPI_INT, 0, t->node);
    t->node_of = sl_xmalloc(sizeof(int) * (size_t)P);
    MPI_Allgather(&t->me_node, 1, MPI_INT, t->node_of, 1, MPI_INT, comm);
    t->N = 0;
    for (int r = 0; r < P; r++)
        if (t->node_of[r] + 1 > t->N)
            t->N = t->node_of[r] + 1;
    /* Auto: one node gains nothing (shared memory already), one rank per node neither. */
    if (mode == 0 && (t->N < 2 || t->N == P)) {
        topo_free(t);
        return;
    }
    t->nsize = sl_xcalloc((size_t)t->N, sizeof(int));
    t->first = sl_xcalloc((size_t)t->N + 1, sizeof(int));
    t->members = sl_xmalloc(sizeof(int) * (size_t)P);
    for (int r = 0; r < P; r++)
        t->nsize[t->node_of[r]]++;
    for (int m = 0; m < t->N; m++)
        t->first[m + 1] = t->first[m] + t->nsize[m];
    int *fill = sl_xcalloc((size_t)t->N, sizeof(int));
    for (int r = 0; r < P; r++) /* ascending r: members ascending within a node */
        t->members[t->first[t->node_of[r]] + fill[t->node_of[r]]++] = r;
    sl_free(fill);
    t->on = true;
}

/* Sum of n ints, in 64 bits. Local. */
static int64_t sum_ints(const int *v, int n)
{
    int64_t s = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    return s;
}

/* Counts a message of n bytes from this rank to another: only data-bearing ones beyond the
 * counts, which always go. Local. */
static void count_msg(xch *x, int64_t bytes, bool always)
{
    if (bytes > 0 || always) {
        x->ctx->ctr.xchg_msgs_sent++;
        x->ctx->ctr.xchg_net_bytes_sent += bytes;
    }
}

/* A flat round's message to a peer starts with an int64 header: the sender's flags in its low
 * two bits, the message's row count above them. */
#define FLAT_HDR 8
/* The tag of flat rounds' messages on the caller's communicator. */
#define FLAT_TAG 0x51CE

/*
 * One flat round's transport (see the file comment): one message to each other rank, this
 * rank's header word (flags, x->rows_to[d] above them) followed by the round's bytes for that
 * rank (sb's header slot at sdispl[d], then scount[d] bytes; the flags alone when this rank
 * failed, flags & 2), and one message from each, probed source by source for its size and then
 * received with the others at once, stored by ascending source. Out: *any = the OR of every
 * rank's flags; x->rows_from[s] = the row count in source s's header; rcount[s] and rdispl[s]
 * = source s's bytes in *rb (after its header; 0 for this rank); *rblk is run's receive block
 * (reused when no batch borrows it and it is large enough); *blk = the block holding *rb, or
 * NULL when nothing arrived (*rb = empty). Collective over comm: every rank calls it once per
 * round.
 */
static void flat_round(xch *x, sl_buf *sb, const int *scount, const int *sdispl, int flags,
                       int *any, int *rcount, int *rdispl, sl_vblock **rblk, char **rb,
                       sl_vblock **blk, char *empty)
{
    int P = x->P, me = x->rank, n_req = 0;
    int64_t word, alone = flags; /* alone: a failed rank's message */
    MPI_Request *req = sl_xmalloc(sizeof *req * 2 * (size_t)P); /* sends, then receives */
    MPI_Message *msg = sl_xmalloc(sizeof *msg * (size_t)P);
    for (int d = 0; d < P; d++) {
        if (d == me)
            continue;
        char *p = (char *)&alone;
        int n = FLAT_HDR;
        if (!(flags & 2)) {
            word = flags | x->rows_to[d] << 2;
            p = sb->data + sdispl[d];
            memcpy(p, &word, FLAT_HDR);
            n += scount[d];
        }
        MPI_Isend(p, n, MPI_BYTE, d, FLAT_TAG, x->comm, &req[n_req++]);
        count_msg(x, n, true);
    }
    /* Sizes first (the receive block is one allocation), in source order: a probe matches
     * the first message from that source with this tag, i.e. this round's. Invariant: total
     * < INT_MAX by the cap clamp (file comment); the headers add 8 bytes per source. */
    int64_t total = 0;
    for (int s = 0; s < P; s++) {
        rcount[s] = 0;
        rdispl[s] = (int)total;
        if (s == me)
            continue;
        MPI_Status st;
        int n = 0;
        MPI_Mprobe(s, FLAT_TAG, x->comm, &msg[s], &st);
        MPI_Get_count(&st, MPI_BYTE, &n);
        rdispl[s] = (int)(total + FLAT_HDR);
        rcount[s] = n - FLAT_HDR;
        total += n;
    }
    if (*rblk && ((*rblk)->refs > 1 || (*rblk)->bytes < total)) {
        sl_vblock_release(*rblk);
        *rblk = NULL;
    }
    if (total && !*rblk)
        *rblk = sl_vblock_new(total);
    char *base = total ? (*rblk)->mem : empty;
    /* All receives at once, so the peers' transfers overlap (in source order, each large one
     * would wait for the one before). */
    for (int s = 0; s < P; s++)
        if (s != me)
            MPI_Imrecv(base + rdispl[s] - FLAT_HDR, rcount[s] + FLAT_HDR, MPI_BYTE, &msg[s],
                       &req[n_req++]);
    MPI_Waitall(n_req, req, MPI_STATUSES_IGNORE);
    *any = flags;
    for (int s = 0; s < P; s++) {
        int64_t f = 0;
        if (s != me)
            memcpy(&f, base + rdispl[s] - FLAT_HDR, FLAT_HDR);
        *any |= (int)(f & 3);
        x->rows_from[s] = f >> 2;
    }
    *rb = base;
    *blk = total ? *rblk : NULL;
    sl_free(req);
    sl_free(msg);
}

/*
 * One round's transport in two levels (see the file comment). In: this rank's send buffer sb
 * (grouped by destination, scount/sdispl). Out: rcount[P] and rdispl[P] per source rank and
 * *rbp (owned, NULL when nothing arrived) laid out by ascending source, as a flat round
 * leaves them (without its headers). All counts stay below INT_MAX by the round cap (file
 * comment): a leader holds at most the whole round of every rank. Collective over comm.
 */
static void two_level_round(xch *x, topo *t, const char *sb, const int *scount, int *rcount,
                            int *rdispl, char **rbp)
{
    int P = x->P, L = t->L, N = t->N;
    bool leader = t->lrank == 0;
    static char empty[1];
    int64_t mine = sum_ints(scount, P);
    /* 1. To the leader: P counts, then the bytes (the leader's own go too, as to itself). */
    int *lc = leader ? sl_xmalloc(sizeof(int) * (size_t)L * P) : NULL;
    MPI_Gather(scount, P, MPI_INT, lc, P, MPI_INT, 0, t->node);
    int *gcount = leader ? sl_xmalloc(sizeof(int) * 2 * (size_t)L) : NULL;
    int *gdispl = leader ? gcount + L : NULL;
    char *gbuf = NULL;
    if (leader) {
        int64_t tot = 0;
        for (int j = 0; j < L; j++) {
            gdispl[j] = (int)tot;
            gcount[j] = (int)sum_ints(lc + (size_t)j * P, P);
            tot += gcount[j];
        }
        gbuf = sl_xmalloc((size_t)(tot ? tot : 1));
    }
    MPI_Gatherv(mine ? sb : empty, (int)mine, MPI_BYTE, gbuf, gcount, gdispl, MPI_BYTE, 0,
                t->node);
    if (!leader) {
        count_msg(x, 0, true);
        count_msg(x, mine, false);
    }

    char *lbuf = NULL;          /* what the leader hands out, per local rank, by source */
    int *dcount = NULL, *ddispl = NULL, *dcounts_src = NULL;
    if (leader) {
        int me = t->me_node;
        /* Offsets of (local source j, destination d) in gbuf: the buffer of j is grouped by
         * ascending destination rank. */
        int64_t *off = sl_xmalloc(sizeof *off * (size_t)L * P);
        for (int j = 0; j < L; j++) {
            int64_t o = gdispl[j];
            for (int d = 0; d < P; d++) {
                off[(size_t)j * P + d] = o;
                o += lc[(size_t)j * P + d];
            }
        }
        /* 2a. Count matrices between leaders: to node m, [j][k] = bytes of local source j for
         * the k-th rank of m. */
        int *ccnt = sl_xcalloc((size_t)N * 4, sizeof(int));
        int *cdsp = ccnt + N, *rcnt = ccnt + 2 * N, *rdsp = ccnt + 3 * N;
        int64_t ctot = 0, rtot = 0;
        for (int m = 0; m < N; m++) {
            cdsp[m] = (int)ctot;
            ccnt[m] = L * t->nsize[m];
            ctot += ccnt[m];
            rdsp[m] = (int)rtot;
            rcnt[m] = t->nsize[m] * L;
            rtot += rcnt[m];
        }
        int *cm = sl_xmalloc(sizeof(int) * (size_t)(ctot ? ctot : 1));
        int *rm = sl_xmalloc(sizeof(int) * (size_t)(rtot ? rtot : 1));
        for (int m = 0; m < N; m++)
            for (int j = 0; j < L; j++)
                for (int k = 0; k < t->nsize[m]; k++)
                    cm[cdsp[m] + j * t->nsize[m] + k] =
                        lc[(size_t)j * P + t->members[t->first[m] + k]];
        MPI_Alltoallv(cm, ccnt, cdsp, MPI_INT, rm, rcnt, rdsp, MPI_INT, t->leaders);
        /* 2b. The bytes, block to node m ordered by (local source, destination in m). */
        int *bcnt = sl_xcalloc((size_t)N * 4, sizeof(int));
        int *bdsp = bcnt + N, *brcnt = bcnt + 2 * N, *brdsp = bcnt + 3 * N;
        int64_t btot = 0, brtot = 0;
        for (int m = 0; m < N; m++) {
            bdsp[m] = (int)btot;
            bcnt[m] = (int)sum_ints(cm + cdsp[m], ccnt[m]);
            btot += bcnt[m];
            brdsp[m] = (int)brtot;
            brcnt[m] = (int)sum_ints(rm + rdsp[m], rcnt[m]);
            brtot += brcnt[m];
            if (m != me) {
                count_msg(x, 0, true);
                count_msg(x, bcnt[m], false);
            }
        }
        char *bs = sl_xmalloc((size_t)(btot ? btot : 1));
        for (int m = 0; m < N; m++) {
            char *p = bs + bdsp[m];
            for (int j = 0; j < L; j++)
                for (int k = 0; k < t->nsize[m]; k++) {
                    int d = t->members[t->first[m] + k];
                    int n = lc[(size_t)j * P + d];
                    memcpy(p, gbuf + off[(size_t)j * P + d], (size_t)n);
                    p += n;
                }
        }
        /* What the ranks gave is packed: free it before the next copy exists, so a leader
         * holds at most two round-sized copies of its node's data at a time. */
        sl_free(gbuf);
        gbuf = NULL;
        sl_free(off);
        off = NULL;
        char *br = sl_xmalloc((size_t)(brtot ? brtot : 1));
        MPI_Alltoallv(bs, bcnt, bdsp, MPI_BYTE, br, brcnt, brdsp, MPI_BYTE, t->leaders);
        sl_free(bs);
        /* 3. Per local destination k: the P source counts, and the bytes by ascending source.
         * The segment (source j' of node m, destination k) sits in m's block at the prefix
         * sum of the matrix rm[m] in (j', k) order. */
        int64_t *soff = sl_xmalloc(sizeof *soff * (size_t)P * L); /* [src][k] offset in br */
        dcounts_src = sl_xmalloc(sizeof(int) * (size_t)L * P);   /* [k][src] */
        for (int m = 0; m < N; m++) {
            int64_t o = brdsp[m];
            for (int jj = 0; jj < t->nsize[m]; jj++) {
                int src = t->members[t->first[m] + jj];
                for (int k = 0; k < L; k++) {
                    int n = rm[rdsp[m] + jj * L + k];
                    soff[(size_t)src * L + k] = o;
                    dcounts_src[(size_t)k * P + src] = n;
                    o += n;
                }
            }
        }
        dcount = sl_xcalloc((size_t)L * 2, sizeof(int));
        ddispl = dcount + L;
        int64_t dtot = 0;
        for (int k = 0; k < L; k++) {
            ddispl[k] = (int)dtot;
            dcount[k] = (int)sum_ints(dcounts_src + (size_t)k * P, P);
            dtot += dcount[k];
            if (k != 0) {
                count_msg(x, 0, true);
                count_msg(x, dcount[k], false);
            }
        }
        lbuf = sl_xmalloc((size_t)(dtot ? dtot : 1));
        for (int k = 0; k < L; k++) {
            char *p = lbuf + ddispl[k];
            for (int src = 0; src < P; src++) {
                int n = dcounts_src[(size_t)k * P + src];
                memcpy(p, br + soff[(size_t)src * L + k], (size_t)n);
                p += n;
            }
        }
        sl_free(soff);
        sl_free(br);
        sl_free(bcnt);
        sl_free(cm);
        sl_free(rm);
        sl_free(ccnt);
        sl_free(off);
    }
    MPI_Scatter(dcounts_src, P, MPI_INT, rcount, P, MPI_INT, 0, t->node);
    int64_t total = 0;
    for (int s = 0; s < P; s++) {
        rdispl[s] = (int)total;
        total += rcount[s];
    }
    char *rb = total ? sl_xmalloc((size_t)total) : NULL;
    MPI_Scatterv(lbuf, dcount, ddispl, MPI_BYTE, rb ? rb : empty, (int)total, MPI_BYTE, 0,
                 t->node);
    *rbp = rb;
    sl_free(lc);
    sl_free(gcount);
    sl_free(gbuf);
    sl_free(lbuf);
    sl_free(dcount);
    sl_free(dcounts_src);
}

/* Prints err as the CLI prints a rank's error and ends the whole job with its exit status. */
static _Noreturn void abort_job(MPI_Comm comm, int rank, int P, const sl_err *err)
{
    fprintf(stderr, "sluice (rank %d of %d): error: %s\n", rank, P, err->msg);
    fflush(stderr);
    MPI_Abort(comm, sl_code_exit(err->code));
    abort(); /* MPI_Abort does not return */
}

static int run(xch x, sl_batchlist *in, int64_t round_cap, sl_batchlist *out, sl_xstats *st,
               sl_err *err)
{
    MPI_Comm comm = x.comm;
    int root = x.root;
    sl_xstats dummy;
    memset(st ? st : &dummy, 0, sizeof dummy);
    x.st = st ? st : &dummy;
    MPI_Comm_size(comm, &x.P);
    MPI_Comm_rank(comm, &x.rank);
    x.in = in;
    int P = x.P;
    int64_t limit = INT_MAX / (2 * ((int64_t)P + 1));
    x.cap = round_cap > 0 ? round_cap : DEFAULT_CAP;
    if (x.cap > limit)
        x.cap = limit;
    x.chunk_target = x.cap / P > 0 ? x.cap / P : 1;
    x.modP = sl_fastmod_make((uint64_t)P);
    x.max_chunk = limit;
    if (root >= P) /* an invalid root is the caller's bug, reported like any local error */
        SL_ERR(err, SL_EINTERNAL, "gather root %d with %d ranks", root, P);

    topo t;
    topo_make(x.ctx, comm, P, x.rank, &t);
    x.hdr = t.on ? 0 : FLAT_HDR;
    int *scount = sl_xcalloc((size_t)P * 4, sizeof(int));
    int *sdispl = scount + P, *rcount = scount + 2 * P, *rdispl = scount + 3 * P;
    int64_t *sent_d = sl_xcalloc((size_t)P * 3, sizeof *sent_d);
    x.rows_to = sent_d + P;
    x.rows_from = sent_d + 2 * P;
    sl_buf sb;
    sl_batchlist_init(&x.self);
    /* The flat route's receive buffer: the batches read from it borrow its bytes, so it is
     * reused by the next round only when none of them is alive any more (a consumer freed
     * them), else that round gets a fresh one. Both buffers come from the caller's pool
     * when there is one (exchange.h's sl_xpool) and go back to it at the end. */
    sl_xpool *pool = x.ctx->xchg_pool;
    sl_vblock *rblk = NULL;
    if (pool) {
        sb = pool->send;
        rblk = pool->recv;
        sl_buf_init(&pool->send);
        pool->recv = NULL;
    } else {
        sl_buf_init(&sb);
    }
    static char empty[1];
    bool stopped = false; /* some rank reported a failure before a round was unpacked */
    for (;;) {
        sl_buf_reset(&sb);
        x.n_chunks = 0;
        /* SLUICE_FAULT=exchange:N: this rank fails in its Nth round like a real local error. */
        if (!err->code && sl_fault_hit(SL_FAULT_EXCHANGE))
            SL_ERR(err, SL_EIO, "exchange: round %lld failed: injected fault (SLUICE_FAULT=%s)",
                   (long long)x.st->rounds + 1, sl_fault_last());
        if (!err->code && plan_round(&x, sent_d, err) == 0)
            write_round(&x, &sb, scount, sdispl);
        if (err->code) {
            /* A failed rank still takes part in this round, sending nothing. */
            memset(scount, 0, sizeof(int) * 2 * (size_t)P);
            sb.len = 0;
        }
        retire_routes(&x);
        x.st->rounds++;
        x.ctx->ctr.xchg_rounds++;
        /* This rank's word of the agreement (see the file comment): 2 = failed, 1 = has rows
         * for a later round. any = the OR over all ranks, known before anything is unpacked. */
        bool more = x.n_routes > 0 || x.next_in < in->n;
        int flags = err->code ? 2 : more ? 1 : 0, any = 0;
        char *rb = empty;
        sl_vblock *blk = NULL; /* holds rb */
        if (t.on) {
            MPI_Allreduce(&flags, &any, 1, MPI_INT, MPI_BOR, comm);
            if (!(any & 2)) {
                char *got = NULL;
                two_level_round(&x, &t, sb.len ? sb.data : empty, scount, rcount, rdispl, &got);
                if (got) {
                    blk = sl_xmalloc(sizeof *blk);
                    *blk = (sl_vblock){ .refs = 1, .bytes = sum_ints(rcount, P), .mem = got };
                    rb = got;
                }
                x.ctx->ctr.xchg_two_level_rounds++;
            }
        } else {
            flat_round(&x, &sb, scount, sdispl, flags, &any, rcount, rdispl, &rblk, &rb, &blk,
                       empty);
        }
        if (!(any & 2) && !err->code)
            recv_round(&x, rb, blk, rcount, rdispl, out, err);
        if (blk && blk != rblk)
            sl_vblock_release(blk); /* the two-level route's: its batches hold it now */
        sl_batchlist_free(&x.self); /* left only when this round failed */
        sl_batchlist_init(&x.self);
        if (any & 2) {
            stopped = true;
            break;
        }
        if (!(any & 1))
            break;
    }
    bool two_level = t.on;
    topo_free(&t);
    for (int i = 0; i < x.n_routes; i++)
        route_free(&x.routes[i]);
    sl_free(x.routes);
    sl_free(x.chunks);
    sl_free(scount);
    sl_free(sent_d);
    if (pool) {
        sl_buf_reset(&sb);
        pool->send = sb;
        pool->recv = rblk;
    } else {
        sl_buf_free(&sb);
        sl_vblock_release(rblk);
    }
    sl_batchlist_free(in);
    /* What no round reported: a failure in the last round's unpacking, and on the two-level
     * route conservation (every row sent was received somewhere; the flat route checked it
     * message by message). Two levels: one Allreduce of both. Flat: no collective, so a
     * one-round exchange costs one message latency, not two (issue 14); an unpacking failure
     * there is corrupt data, a bug, and the peers may already be past the exchange: stop the
     * job (exit 9) rather than leave them waiting. */
    int64_t mine[3] = { x.st->rows_sent, x.st->rows_recv, err->code != 0 }, tot[3] = { 0 };
    if (!stopped && two_level)
        MPI_Allreduce(mine, tot, 3, MPI_INT64_T, MPI_SUM, comm);
    else if (!stopped && err->code)
        abort_job(comm, x.rank, x.P, err);
    if (stopped || tot[2] > 0) {
        /* Agree here, on the error path only: sl_agree picks the lowest failing rank, so a
         * healthy rank that recorded SL_EPEER first would hide the real message. After this
         * every rank holds the first real error; a later sl_agree by the caller is a no-op.
         * Healthy ranks still return SL_EPEER (the contract). */
        bool failed_here = err->code != 0;
        sl_agree(comm, err);
        return failed_here ? err->code : SL_EPEER;
    }
    if (tot[0] != tot[1])
        return SL_ERR(err, SL_EINTERNAL, "exchange lost rows: %lld sent, %lld received",
                      (long long)tot[0], (long long)tot[1]);
    return 0;
}

int64_t sl_xpool_bytes(const sl_xpool *p)
{
    return p->send.cap + (p->recv ? p->recv->bytes : 0);
}

void sl_xpool_free(sl_xpool *p)
{
    sl_buf_free(&p->send);
    sl_vblock_release(p->recv);
    p->recv = NULL;
}

int sl_exchange_hash(sl_ctx *ctx, MPI_Comm comm, sl_batchlist *in, const int *key_cols, int n_keys,
                     int64_t round_cap, sl_batchlist *out, sl_xstats *st, sl_err *err)
{
    xch x = { .ctx = ctx, .comm = comm, .root = -1, .key_cols = key_cols, .n_keys = n_keys };
    return run(x, in, round_cap, out, st, err);
}

int sl_exchange_gather(sl_ctx *ctx, MPI_Comm comm, int root, sl_batchlist *in, int64_t round_cap,
                       sl_batchlist *out, sl_xstats *st, sl_err *err)
{
    xch x = { .ctx = ctx, .comm = comm, .root = root < 0 ? INT_MAX : root };
    return run(x, in, round_cap, out, st, err);
}

int sl_exchange_route(sl_ctx *ctx, MPI_Comm comm, sl_batchlist *in, sl_route_fn fn,
                      void *fn_ctx,
                      int64_t round_cap, sl_batchlist *out, sl_xstats *st, sl_err *err)
{
    xch x = { .ctx = ctx, .comm = comm, .root = -1, .route_fn = fn, .route_ctx = fn_ctx };
    return run(x, in, round_cap, out, st, err);
}

int sl_exchange_broadcast(sl_ctx *ctx, MPI_Comm comm, sl_batchlist *in, int64_t round_cap,
                          sl_batchlist *out, sl_xstats *st, sl_err *err)
{
    xch x = { .ctx = ctx, .comm = comm, .root = -1, .bcast = true };
    return run(x, in, round_cap, out, st, err);
}

void sl_exchange_report(const sl_ctx *ctx, MPI_Comm comm, int verbose)
{
    long long mine[4] = {ctx->ctr.xchg_msgs_sent, ctx->ctr.xchg_net_bytes_sent,
                         ctx->ctr.xchg_rounds, ctx->ctr.xchg_two_level_rounds};
    long long sum[4], max[4];
    MPI_Reduce(mine, sum, 4, MPI_LONG_LONG, MPI_SUM, 0, comm);
    MPI_Reduce(mine, max, 4, MPI_LONG_LONG, MPI_MAX, 0, comm);
    int rank;
    MPI_Comm_rank(comm, &rank);
    if (!verbose || rank != 0)
        return;
    fprintf(stderr, "sluice: exchange: %lld messages, %lld bytes sent to other ranks over all "
            "ranks; max by one rank %lld messages, %lld bytes; %lld rounds, %lld two-level\n",
            sum[0], sum[1], max[0], max[1], max[2], max[3]);
}
