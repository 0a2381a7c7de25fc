/*
 * Writes a report and a metrics file for a synthetic job of N ranks (default 64) without
 * running it, so the report layout can be checked at rank counts this machine cannot run:
 *   synth_report OUT.html OUT.json [N]
 * The figures are made up but shaped like a real job: a skewed scan (rank 0 reads 3x), an
 * all-to-all exchange with a hot destination, memory that grows during the scan and spill on
 * a few ranks. Local (no MPI communication; MPI_Init only because libsluice links MPI).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "obs/obs_int.h"

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    if (argc < 3) {
        fprintf(stderr, "usage: synth_report OUT.html OUT.json [N]\n");
        return 2;
    }
    int P = argc > 3 ? atoi(argv[3]) : 64;
    static const char *stage[] = {"scan", "exchange", "final_agg", "order"};
    int S = 4;
    sl_job_rec j = { .job_path = "synthetic.sql", .P = P, .t_end = 12.0 };
    sl_stmt_rec st[2];
    memset(st, 0, sizeof st);
    j.stmts = st;
    j.n_stmts = 2;
    for (int i = 0; i < 2; i++) {
        sl_stmt_rec *s = &st[i];
        s->index = i + 1;
        s->line = 3 + 5 * i;
        s->kind = i ? "COPY" : "SELECT";
        s->plan = sl_xstrdup("Stage: every rank\n  Scan read_csv: synthetic <plan & text>\n");
        s->rows_out = 1000;
        s->P = P;
        s->n_stages = S;
        s->stage_name = stage;
        s->stage_query = sl_xcalloc((size_t)S, sizeof(int));
        s->stages = sl_xcalloc((size_t)S * P, sizeof(sl_stage_fig));
        s->sent_to = sl_xcalloc((size_t)S * P * P, sizeof(int64_t));
        s->recv_from = sl_xcalloc((size_t)S * P * P, sizeof(int64_t));
        s->ranks = sl_xcalloc((size_t)P, sizeof(sl_stmt_fig));
        s->n_samples = sl_xcalloc((size_t)P, sizeof(int));
        s->samples = sl_xcalloc((size_t)P, sizeof(sl_sample *));
        double t0 = i * 6.0;
        for (int r = 0; r < P; r++) {
            double skew = r == 0 ? 3.0 : 1.0 + (r % 7) * 0.05;
            double t = t0;
            for (int k = 0; k < S; k++) {
                sl_stage_fig *g = &s->stages[(size_t)k * P + r];
                double d = (k == 0 ? 2.0 * skew : 0.5 + 0.01 * r);
                g->t_start = t;
                g->t_end = t + d;
                g->cpu = d * 0.9;
                g->rows_in = (int64_t)(100000 * skew) / (k + 1);
                g->rows_out = g->rows_in / 2;
                g->bytes_in = g->rows_in * 40;
                g->bytes_out = g->rows_out * 40;
                g->peak_rss = (int64_t)(50e6 * skew);
                t = g->t_end;
                if (k == 1)
                    for (int d2 = 0; d2 < P; d2++) {
                        int64_t v = 1000 + (d2 == 3 ? 50000 : 0) + (r == d2 ? 0 : 10 * r);
                        s->sent_to[((size_t)k * P + r) * P + d2] = v;
                        s->recv_from[((size_t)k * P + d2) * P + r] = v;
                        g->bytes_sent += v;
                    }
            }
            s->ranks[r] = (sl_stmt_fig){ .t_start = t0, .t_end = t, .cpu = t - t0,
                                         .rows_read = 100000, .bytes_read = 4000000,
                                         .bytes_sent = 100000, .spill_bytes = r % 9 ? 0 : 1 << 20,
                                         .peak_rss = (int64_t)(50e6 * skew) };
            int n = 12;
            s->n_samples[r] = n;
            s->samples[r] = sl_xcalloc((size_t)n, sizeof(sl_sample));
            for (int k = 0; k < n; k++)
                s->samples[r][k] = (sl_sample){ t0 + (t - t0) * k / (n - 1),
                                                (int64_t)((20 + 3 * k) * 1e6 * skew),
                                                r % 9 ? 0 : (int64_t)k << 17, 0 };
        }
    }
    int rc = sl_obs_write_report(argv[1], &j) || sl_obs_write_json(argv[2], &j);
    MPI_Finalize();
    return rc ? 1 : 0;
}
