/*
 * The live progress line on rank 0, fed by non-blocking reductions so no rank ever waits for
 * it while it works.
 *
 * Protocol (rounds on a private duplicate of the communicator, so they never interleave with
 * the engine's collectives): sl_progress_begin posts round 1 on every rank. From the batch
 * loop, sl_progress_poll MPI_Tests the outstanding round; once it has completed (which means
 * every rank posted it) and a short interval has passed, the rank posts the next round with
 * its current counters and "not done" = 1. sl_progress_end, reached by every rank after its
 * scan loop, keeps completing rounds and posting new ones with "not done" = 0 until a round
 * completes whose sum of "not done" is 0. Every rank sees the same reduced values, so every
 * rank stops after the same round: all ranks post the same number of MPI_Iallreduce calls,
 * and none is left outstanding when the communicator is freed. A rank that finishes early
 * waits in sl_progress_end, where it would otherwise wait at the next agreement anyway.
 *
 * Only rank 0 prints: on a TTY one line rewritten in place (\r, throttled to 10 Hz) and
 * cleared at the end of the scan; with --progress off a TTY, a plain line every
 * SLUICE_PROGRESS_INTERVAL seconds (default 5) and one when the scan ends. Collective where
 * noted in obs_int.h.
 */
#include "obs/obs_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

/* Values reduced each round (MPI_SUM). */
enum { V_BYTES, V_ROWS, V_SHUFFLED, V_SPILLED, V_NOT_DONE, V_N };

/* Minimum time between rounds posted from the batch loop. */
#define ROUND_INTERVAL_S 0.1

struct sl_progress {
    const sl_counters *ctr;  /* the session's counters (borrowed) */
    MPI_Comm comm;
    int rank, mode;          /* mode: 0 off, 1 TTY line, 2 plain lines */
    int depth;               /* nested begin/end (only the outermost runs rounds) */
    bool pending;
    MPI_Request req;
    int64_t send[V_N], recv[V_N];
    sl_counters c0;          /* counters at begin */
    int64_t total;
    double t_begin, last_post, last_print, interval;
    int stmt_index;
    const char *stmt_kind, *stage;
    bool line_shown;
};

sl_progress *sl_progress_new(MPI_Comm comm, const sl_counters *ctr, int mode)
{
    sl_progress *p = sl_xcalloc(1, sizeof *p);
    p->ctr = ctr;
    p->mode = mode;
    p->comm = MPI_COMM_NULL;
    MPI_Comm_rank(comm, &p->rank);
    if (mode)
        MPI_Comm_dup(comm, &p->comm);
    const char *iv = getenv("SLUICE_PROGRESS_INTERVAL");
    p->interval = iv && *iv ? atof(iv) : 5.0;
    if (p->interval < 0)
        p->interval = 0;
    p->stage = "";
    p->stmt_kind = "";
    return p;
}

void sl_progress_free(sl_progress **pp)
{
    if (!pp || !*pp)
        return;
    sl_progress *p = *pp;
    if (p->comm != MPI_COMM_NULL)
        MPI_Comm_free(&p->comm);
    sl_free(p);
    *pp = NULL;
}

void sl_progress_stmt(sl_progress *p, int index, const char *kind)
{
    if (!p)
        return;
    p->stmt_index = index;
    p->stmt_kind = kind ? kind : "";
}

void sl_progress_stage(sl_progress *p, const char *stage)
{
    if (p)
        p->stage = stage ? stage : "";
}

static void fmt_count(double v, char *buf, size_t n)
{
    if (v >= 1e9)
        snprintf(buf, n, "%.2fG", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, n, "%.2fM", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, n, "%.1fK", v / 1e3);
    else
        snprintf(buf, n, "%.0f", v);
}

/* Rank 0: renders the reduced figures of the last completed round. */
static void show(sl_progress *p, bool force)
{
    double now = sl_obs_now(), el = now - p->t_begin;
    if (p->mode == 1 && !force && now - p->last_print < 0.1)
        return;
    if (p->mode == 2 && !force && now - p->last_print < p->interval)
        return;
    p->last_print = now;
    char done[32], tot[32], rows[32], rate[32], shuf[32], spill[32], eta[32] = "?";
    int64_t b = p->recv[V_BYTES];
    sl_obs_size(b, done, sizeof done);
    sl_obs_size(p->total, tot, sizeof tot);
    fmt_count((double)p->recv[V_ROWS], rows, sizeof rows);
    fmt_count(el > 0 ? (double)p->recv[V_ROWS] / el : 0, rate, sizeof rate);
    sl_obs_size(p->recv[V_SHUFFLED], shuf, sizeof shuf);
    sl_obs_size(p->recv[V_SPILLED], spill, sizeof spill);
    double pct = p->total > 0 ? 100.0 * (double)b / (double)p->total : 100.0;
    if (b > 0 && el > 0 && p->total >= b)
        snprintf(eta, sizeof eta, "%.0fs", (double)(p->total - b) / ((double)b / el));
    char line[320];
    snprintf(line, sizeof line, "sluice: [%d %s] %s: %s / %s (%.0f%%), %s rows, %s rows/s, "
             "shuffled %s, spilled %s, ETA %s", p->stmt_index, p->stmt_kind, p->stage, done,
             tot, pct > 100 ? 100 : pct, rows, rate, shuf, spill, eta);
    if (p->mode == 1) {
        fprintf(stderr, "\r%s\033[K", line);
        p->line_shown = true;
    } else {
        fprintf(stderr, "%s\n", line);
    }
    fflush(stderr);
}

static void post(sl_progress *p, int not_done)
{
    p->send[V_BYTES] = p->ctr->bytes_read - p->c0.bytes_read;
    p->send[V_ROWS] = p->ctr->rows_read - p->c0.rows_read;
    p->send[V_SHUFFLED] = p->ctr->xchg_bytes_sent - p->c0.xchg_bytes_sent;
    p->send[V_SPILLED] = p->ctr->spill_bytes_written - p->c0.spill_bytes_written;
    p->send[V_NOT_DONE] = not_done;
    MPI_Iallreduce(p->send, p->recv, V_N, MPI_INT64_T, MPI_SUM, p->comm, &p->req);
    p->pending = true;
    p->last_post = sl_obs_now();
}

void sl_progress_begin(sl_progress *p, int64_t total_bytes)
{
    if (!p || !p->mode || p->depth++ > 0)
        return;
    p->c0 = *p->ctr;
    p->total = total_bytes;
    p->t_begin = sl_obs_now();
    p->last_print = p->t_begin - 1e9;
    memset(p->recv, 0, sizeof p->recv);
    post(p, 1);
}

void sl_progress_poll(sl_progress *p)
{
    if (!p || !p->mode || p->depth == 0)
        return;
    if (p->pending) {
        int flag = 0;
        MPI_Test(&p->req, &flag, MPI_STATUS_IGNORE);
        if (!flag)
            return;
        p->pending = false;
        if (p->rank == 0)
            show(p, false);
    }
    /* A shorter print interval (tests) also shortens the rounds. */
    double iv = p->interval < ROUND_INTERVAL_S ? p->interval : ROUND_INTERVAL_S;
    if (sl_obs_now() - p->last_post >= iv)
        post(p, 1);
}

void sl_progress_end(sl_progress *p)
{
    if (!p || !p->mode || p->depth == 0 || --p->depth > 0)
        return;
    for (;;) {
        if (!p->pending)
            post(p, 0);
        MPI_Wait(&p->req, MPI_STATUS_IGNORE);
        p->pending = false;
        /* Invariant: identical recv on every rank, so every rank leaves after this round. */
        if (p->recv[V_NOT_DONE] == 0)
            break;
    }
    if (p->rank == 0) {
        /* Logs get one closing line per scan (its totals and rate); a terminal's line goes. */
        if (p->mode == 2)
            show(p, true);
        if (p->mode == 1 && p->line_shown) {
            fputs("\r\033[K", stderr);
            fflush(stderr);
            p->line_shown = false;
        }
    }
}
