/*
 * Exchange microbenchmark (issue 14): the same byte matrix sent through sluice's exchange
 * (mpi/exchange.c: rows packed into the wire format per destination, bounded rounds of one
 * message per pair of ranks carrying the agreement's flags, rows unpacked into batches) and
 * through one bare MPI_Alltoallv of preallocated, already touched buffers.
 *
 *   mpirun -n P build/bench/exchange_bench [reps] [per-peer sizes, e.g. 64K 1M 16M]
 *
 * Every rank sends each peer (itself included) S bytes of wire data: rows of a BIGINT and a
 * 48-byte VARCHAR, row i of a rank to rank i % P. The raw run sends exactly the bytes the
 * sluice run reported (its xstats), split evenly over the peers. Times are the slowest rank's
 * (an MPI_Barrier before, MPI_Allreduce MAX of the elapsed after), the median over reps.
 * Prints one JSON line per size: ranks, per-peer bytes, both medians, the ratio raw / sluice
 * (1.0 = the exchange costs nothing beyond the Alltoallv), the same for the slowest rank's CPU
 * seconds (steadier on a shared machine) as the median and the least over reps, and the
 * rounds sluice used. The exchange keeps its round buffers across the repetitions in one pool
 * (sl_xpool), as an EXCHANGE operator does across its chunks.
 *
 * The raw run goes twice. As first written ("raw") it sends the same buffer every repetition,
 * written once before the first: at small sizes the whole matrix then stays in the caches
 * (2 ranks at 1 MB per peer: 4 MB a rank), while sluice's rows are made anew before each of
 * its repetitions (outside its timer) and its send buffer is packed during the call. The
 * second ("raw_fresh", fields raw_fresh_*, fresh_*ratio) rewrites the send buffer before
 * each repetition, outside the timer, as the rows are made before each sluice repetition:
 * the data a program sends has just been produced. Both are printed; the ratios of the first
 * stay comparable with earlier results.
 */
#include <mpi.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch/batch.h"
#include "core/ctx.h"
#include "core/err.h"
#include "core/fastmod.h"
#include "core/mem.h"
#include "core/size.h"
#include "mpi/exchange.h"
#include "mpi/startup.h"

#define PAYLOAD 48
#define BATCH_ROWS 65536
#define ROUND_CAP ((int64_t)64 * 1000 * 1000) /* the engine's default exchange_round_bytes */

static int P, me;
static sl_fastmod mod_P; /* id % P without a division per row, as the hash route does */

static void route(void *arg, const sl_batch *b, uint32_t *dest)
{
    (void)arg;
    const int64_t *id = b->cols[0]->d.i64;
    for (int64_t k = 0; k < sl_batch_live(b); k++)
        dest[k] = (uint32_t)sl_fastmod_rem(mod_P, (uint64_t)id[sl_batch_row(b, k)]);
}

/* rows rows [id, s]: id counts from this rank's first row, so id % P spreads them evenly. */
static void make_rows(sl_batchlist *l, int64_t rows)
{
    sl_type t[2] = { SL_T_BIGINT, SL_T_VARCHAR };
    char s[PAYLOAD];
    memset(s, 'x', sizeof s);
    sl_batchlist_init(l);
    for (int64_t r0 = 0; r0 < rows; r0 += BATCH_ROWS) {
        int64_t n = rows - r0 < BATCH_ROWS ? rows - r0 : BATCH_ROWS;
        sl_batch *b = sl_batch_new(2, t, n);
        for (int64_t i = 0; i < n; i++) {
            sl_vec_push_i64(b->cols[0], r0 + i);
            sl_vec_push_str(b->cols[1], s, PAYLOAD);
        }
        b->n_rows = n;
        sl_batchlist_push(l, b);
    }
}

/* This process's CPU seconds (user + system): on a shared machine the wall time also counts
 * waiting for a core, the CPU time only the work. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The slowest rank's wall and CPU seconds since (t0, c0). */
static void slowest(double t0, double c0, double *wall, double *cpu)
{
    double d[2] = { MPI_Wtime() - t0, cpu_now() - c0 }, max[2];
    MPI_Allreduce(d, max, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    *wall = max[0];
    *cpu = max[1];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* One size: returns 0, or 1 on an exchange error (printed). Prints its line when print. */
static int bench_size(sl_ctx *ctx, int64_t per_peer, int reps, bool print)
{
    /* Calibrate rows per peer from one row's wire size: a first exchange of 1000 rows. */
    sl_batchlist in, out;
    sl_xstats st = { 0 };
    sl_err err = { 0 };
    make_rows(&in, 1000 * (int64_t)P);
    sl_batchlist_init(&out);
    if (sl_exchange_route(ctx, MPI_COMM_WORLD, &in, route, NULL, ROUND_CAP, &out, &st, &err)) {
        fprintf(stderr, "exchange_bench: %s\n", err.msg);
        return 1;
    }
    sl_batchlist_free(&out);
    double row_bytes = (double)st.bytes_sent / (1000.0 * P);
    int64_t rows = (int64_t)((double)per_peer / row_bytes) * P;

    double *ts = calloc((size_t)reps * 6, sizeof *ts), *tr = ts + reps, *cs = ts + 2 * reps,
           *cr = ts + 3 * reps, *tf = ts + 4 * reps, *cf = ts + 5 * reps;
    int64_t sent = 0, rounds = 0;
    for (int r = 0; r < reps; r++) {
        make_rows(&in, rows);
        sl_batchlist_init(&out);
        memset(&st, 0, sizeof st);
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime(), c0 = cpu_now();
        int rc = sl_exchange_route(ctx, MPI_COMM_WORLD, &in, route, NULL, ROUND_CAP, &out, &st,
                                   &err);
        slowest(t0, c0, &ts[r], &cs[r]);
        sl_batchlist_free(&out);
        if (rc) {
            fprintf(stderr, "exchange_bench: %s\n", err.msg);
            return 1;
        }
        sent = st.bytes_sent;
        rounds = st.rounds;
    }

    /* The raw matrix: the same bytes per rank, evenly over the peers, buffers touched. */
    int64_t each = sent / P;
    if (each > 2000000000 / P)
        each = 2000000000 / P; /* int displacements; never reached at the sizes run */
    char *sb = malloc((size_t)(each * P) + 1), *rb = malloc((size_t)(each * P) + 1);
    memset(sb, 1, (size_t)(each * P) + 1);
    memset(rb, 0, (size_t)(each * P) + 1);
    int *cnt = malloc(sizeof(int) * (size_t)P), *dsp = malloc(sizeof(int) * (size_t)P);
    for (int p = 0; p < P; p++) {
        cnt[p] = (int)each;
        dsp[p] = (int)(each * p);
    }
    for (int r = 0; r < reps; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime(), c0 = cpu_now();
        MPI_Alltoallv(sb, cnt, dsp, MPI_BYTE, rb, cnt, dsp, MPI_BYTE, MPI_COMM_WORLD);
        slowest(t0, c0, &tr[r], &cr[r]);
    }
    for (int r = 0; r < reps; r++) {
        memset(sb, r + 2, (size_t)(each * P) + 1); /* just produced, like make_rows' rows */
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime(), c0 = cpu_now();
        MPI_Alltoallv(sb, cnt, dsp, MPI_BYTE, rb, cnt, dsp, MPI_BYTE, MPI_COMM_WORLD);
        slowest(t0, c0, &tf[r], &cf[r]);
    }
    double ms = median(ts, reps), mr = median(tr, reps);
    double mcs = median(cs, reps), mcr = median(cr, reps);
    double mf = median(tf, reps), mcf = median(cf, reps);
    /* After median's sort cs[0] and cr[0] are the least CPU seconds: on a loaded machine the
     * run least disturbed by waiting for a descheduled peer (MPI waits spin on sched_yield). */
    double ncs = cs[0], ncr = cr[0], ncf = cf[0];
    if (me == 0 && print)
        printf("{\"ranks\": %d, \"per_peer_bytes\": %lld, \"rows_per_rank\": %lld, "
               "\"sluice_s\": %.6f, \"raw_alltoallv_s\": %.6f, \"ratio\": %.3f, "
               "\"sluice_cpu_s\": %.6f, \"raw_cpu_s\": %.6f, \"cpu_ratio\": %.3f, "
               "\"sluice_cpu_min_s\": %.6f, \"raw_cpu_min_s\": %.6f, \"cpu_min_ratio\": %.3f, "
               "\"raw_fresh_s\": %.6f, \"raw_fresh_cpu_s\": %.6f, \"raw_fresh_cpu_min_s\": %.6f, "
               "\"fresh_ratio\": %.3f, \"fresh_cpu_ratio\": %.3f, \"fresh_cpu_min_ratio\": %.3f, "
               "\"rounds\": %lld, \"reps\": %d}\n",
               P, (long long)each, (long long)rows, ms, mr, ms > 0 ? mr / ms : 0.0, mcs, mcr,
               mcs > 0 ? mcr / mcs : 0.0, ncs, ncr, ncs > 0 ? ncr / ncs : 0.0, mf, mcf, ncf,
               ms > 0 ? mf / ms : 0.0, mcs > 0 ? mcf / mcs : 0.0, ncs > 0 ? ncf / ncs : 0.0,
               (long long)rounds, reps);
    fflush(stdout);
    free(sb);
    free(rb);
    free(cnt);
    free(dsp);
    free(ts);
    return 0;
}

int main(int argc, char **argv)
{
    sl_mem_keep_freed(); /* as the sluice binary does (SLUICE_MALLOC=system: glibc's defaults) */
    sl_mpi_init(&argc, &argv);
    MPI_Comm_size(MPI_COMM_WORLD, &P);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    mod_P = sl_fastmod_make((uint64_t)P);
    sl_ctx ctx = { 0 };
    ctx.rank = me;
    /* The round buffers kept across the repetitions, as an EXCHANGE operator keeps them
     * across its chunks (mpi/exchange.h's sl_xpool); the raw run's are preallocated too. */
    sl_xpool pool = { 0 };
    ctx.xchg_pool = &pool;
    sl_budget_default(&ctx.budget);
    sl_err_set_rank(me);
    int reps = argc > 1 ? atoi(argv[1]) : 5;
    if (reps < 1)
        reps = 1;
    static const char *dflt[] = { "64K", "256K", "1M", "4M", "16M" };
    int n = argc > 2 ? argc - 2 : 5, bad = 0;
    /* Warm-up, not printed: the first size measured in a process ran at times 10-70x slower
     * on the 2-core VM, both the exchange and the bare Alltoallv, median and CPU time alike,
     * and a second pass over the same size in the same process never did (2026-12-03). */
    for (int i = -1; i < n && !bad; i++) {
        int k = i < 0 ? 0 : i; /* the warm-up runs the first size */
        const char *arg = argc > 2 ? argv[k + 2] : dflt[k];
        int64_t bytes = 0;
        if (!sl_parse_size(arg, &bytes) || bytes <= 0) {
            if (me == 0)
                fprintf(stderr, "exchange_bench: bad size '%s'\n", arg);
            bad = 1;
            break;
        }
        bad = bench_size(&ctx, bytes, reps, i >= 0);
    }
    sl_xpool_free(&pool);
    sl_mpi_finalize();
    return bad;
}
