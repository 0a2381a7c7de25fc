/*
 * examples/heat.c: sluice in situ. A 1-D heat-diffusion simulation on MPI registers its own
 * arrays with sluice (no copy, no files) and asks for per-region statistics every 10 steps,
 * joining a small CSV of region names. At the end each rank reads its own partition of a
 * result (SL_QUERY_PARTITIONED).
 *
 *   make examples PREFIX=/opt/sluice        # cc ... $(pkg-config --cflags --libs sluice)
 *   mpirun -n 3 ./heat CELLS STEPS REGIONS.csv
 *
 * The domain is CELLS cells split into contiguous blocks, one per rank; cell g belongs to
 * region g * 6 / CELLS. Every 97th cell's sensor is broken: its temperature is NULL to sluice
 * (a validity array), though the simulation still updates it. Output on stdout, CSV:
 *   stat,STEP,REGION,NAME,N,N_VALID,MEAN,MIN,MAX      rank 0, every 10 steps
 *   part,RANK,REGION,HOTTEST_CELL                     every rank, its partition, at the end
 */
#include <sluice/sluice.h>

#include <stdio.h>
#include <stdlib.h>

#define REGIONS 6
#define ALPHA 0.25

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc != 4) {
        if (rank == 0)
            fprintf(stderr, "usage: heat CELLS STEPS REGIONS.csv\n");
        MPI_Finalize();
        return 2;
    }
    long cells = atol(argv[1]), steps = atol(argv[2]);
    const char *regions_csv = argv[3];

    /* This rank's block [lo, hi) of the domain, with one halo cell on each side. */
    long lo = cells * rank / size, hi = cells * (rank + 1) / size, n = hi - lo;
    double *t = calloc((size_t)n + 2, sizeof *t), *tn = calloc((size_t)n + 2, sizeof *tn);
    int32_t *region = malloc(sizeof *region * (size_t)(n ? n : 1));
    int64_t *cell = malloc(sizeof *cell * (size_t)(n ? n : 1));
    uint8_t *ok = malloc((size_t)(n ? n : 1));
    for (long i = 0; i < n; i++) {
        long g = lo + i;
        t[i + 1] = (double)((g * 37) % 101);
        region[i] = (int32_t)(g * REGIONS / cells);
        cell[i] = g;
        ok[i] = g % 97 != 0;
    }

    sl_options o;
    sl_options_init(&o);
    o.quiet = 1;
    sl_session *s;
    sl_session_new(MPI_COMM_WORLD, &o, &s);
    /* The simulation's arrays as the table "cells" (t + 1: skip the halo). The pointers stay
     * the same, so one registration serves every step. */
    sl_column cols[] = {
        {"cell", SL_COL_BIGINT, cell, NULL, NULL},
        {"region", SL_COL_INT32, region, NULL, NULL},
        {"temp", SL_COL_DOUBLE, t + 1, NULL, ok},
    };
    int rc = sl_session_register_columns(s, "cells", 3, cols, n);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT c.region, r.name, count(*) AS n, count(c.temp) AS n_valid, "
             "avg(c.temp) AS mean, min(c.temp) AS lo, max(c.temp) AS hi "
             "FROM cells c JOIN read_csv('%s', header=true, "
             "columns={'region': 'BIGINT', 'name': 'VARCHAR'}) r ON c.region = r.region "
             "GROUP BY c.region, r.name ORDER BY c.region", regions_csv);
    int left = rank > 0 ? rank - 1 : MPI_PROC_NULL;
    int right = rank < size - 1 ? rank + 1 : MPI_PROC_NULL;
    for (long step = 1; !rc && step <= steps; step++) {
        /* Halo exchange; the domain's ends are held at 0. */
        t[0] = t[n + 1] = 0;
        MPI_Sendrecv(&t[1], 1, MPI_DOUBLE, left, 0, &t[n + 1], 1, MPI_DOUBLE, right, 0,
                     MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Sendrecv(&t[n], 1, MPI_DOUBLE, right, 1, &t[0], 1, MPI_DOUBLE, left, 1,
                     MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (long i = 1; i <= n; i++)
            tn[i] = t[i] + ALPHA * (t[i - 1] - 2 * t[i] + t[i + 1]);
        for (long i = 1; i <= n; i++)
            t[i] = tn[i];
        if (step % 10 != 0)
            continue;
        sl_cursor *c;
        if ((rc = sl_session_query(s, sql, SL_QUERY_GATHER, &c)) != 0)
            break;
        const sl_column *r;
        for (int64_t k; (k = sl_cursor_next(c, &r)) > 0;)   /* rank 0 holds every row */
            for (int64_t i = 0; i < k; i++) {
                const int64_t *off = r[1].data;
                printf("stat,%ld,%lld,%.*s,%lld,%lld,%.17g,%.17g,%.17g\n", step,
                       (long long)((const int64_t *)r[0].data)[i],
                       (int)(off[i + 1] - off[i]), r[1].chars + off[i],
                       (long long)((const int64_t *)r[2].data)[i],
                       (long long)((const int64_t *)r[3].data)[i],
                       ((const double *)r[4].data)[i], ((const double *)r[5].data)[i],
                       ((const double *)r[6].data)[i]);
            }
        sl_cursor_free(&c);
    }
    if (!rc) {
        /* Each rank's own part of a result: the hottest valid cell of each region. */
        sl_cursor *c;
        rc = sl_session_query(s,
            "SELECT region, arg_max(cell, temp) AS hottest FROM cells "
            "WHERE temp IS NOT NULL GROUP BY region", SL_QUERY_PARTITIONED, &c);
        if (!rc) {
            const sl_column *r;
            for (int64_t k; (k = sl_cursor_next(c, &r)) > 0;)
                for (int64_t i = 0; i < k; i++)
                    printf("part,%d,%lld,%lld\n", rank,
                           (long long)((const int64_t *)r[0].data)[i],
                           (long long)((const int64_t *)r[1].data)[i]);
            sl_cursor_free(&c);
        }
    }
    if (rc)
        fprintf(stderr, "heat (rank %d): sluice: %s\n", rank, sl_session_error(s));
    fflush(stdout);
    sl_session_free(&s);
    free(t);
    free(tn);
    free(region);
    free(cell);
    free(ok);
    MPI_Finalize();
    return rc ? 1 : 0;
}
