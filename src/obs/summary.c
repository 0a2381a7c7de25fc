/*
 * The end-of-run summary rank 0 prints on stderr after the last statement (unless --quiet): a
 * line per statement that ran a query (wall time, rows in and out, rejects, bytes shuffled,
 * spill), peak memory per rank (min / median / max and which rank), and the most imbalanced
 * stage (max over mean of the ranks' stage wall times). Local.
 */
#include "obs/obs_int.h"

#include "core/mem.h"

/* Stages shorter than this on every rank are noise for the imbalance ratio. */
#define MIN_STAGE_S 0.005

void sl_obs_summary(FILE *f, const sl_job_rec *j)
{
    int P = j->P;
    char a[32], b[32], c[32];
    fprintf(f, "sluice: summary: %d statement(s) on %d rank(s) in %.3f s\n", j->n_stmts, P,
            j->t_end);
    int n_shown = 0;
    for (int i = 0; i < j->n_stmts; i++) {
        const sl_stmt_rec *s = &j->stmts[i];
        if (s->n_stages == 0)
            continue; /* SET, CREATE VIEW, EXPLAIN: nothing ran */
        double t0 = 1e300, t1 = 0;
        int64_t rows_in = 0, rej = 0, shuf = 0, spill = 0, written = 0;
        for (int r = 0; r < P; r++) {
            const sl_stmt_fig *g = &s->ranks[r];
            t0 = g->t_start < t0 ? g->t_start : t0;
            t1 = g->t_end > t1 ? g->t_end : t1;
            rows_in += g->rows_read;
            rej += g->rows_rejected;
            shuf += g->bytes_sent;
            spill += g->spill_bytes;
            written += g->rows_written;
        }
        int64_t out = s->rows_out >= 0 ? s->rows_out : written;
        fprintf(f, "  [%d] line %d %s: %.3f s, rows in %lld, out %lld, rejected %lld, "
                "shuffled %s, spilled %s%s\n", s->index, s->line, s->kind, t1 - t0,
                (long long)rows_in, (long long)out, (long long)rej,
                sl_obs_size(shuf, a, sizeof a), sl_obs_size(spill, b, sizeof b),
                s->error ? " (failed)" : "");
        n_shown++;
    }
    if (j->n_stmts == 0)
        return;
    /* Peak RSS is a process high-water mark: the last statement's value is the job's. */
    const sl_stmt_rec *last = &j->stmts[j->n_stmts - 1];
    double *pk = sl_xmalloc(sizeof *pk * (size_t)P);
    int rmin = 0, rmax = 0;
    for (int r = 0; r < P; r++) {
        pk[r] = (double)last->ranks[r].peak_rss;
        if (pk[r] < pk[rmin])
            rmin = r;
        if (pk[r] > pk[rmax])
            rmax = r;
    }
    fprintf(f, "  peak memory (RSS) per rank: min %s (rank %d), median %s, max %s (rank %d)\n",
            sl_obs_size((int64_t)pk[rmin], a, sizeof a), rmin,
            sl_obs_size((int64_t)sl_obs_median(pk, P), b, sizeof b),
            sl_obs_size((int64_t)pk[rmax], c, sizeof c), rmax);
    sl_free(pk);
    if (!n_shown)
        return;
    double best = 0, best_max = 0, best_mean = 0;
    int best_st = -1, best_s = -1, best_rank = 0;
    for (int i = 0; i < j->n_stmts; i++) {
        const sl_stmt_rec *s = &j->stmts[i];
        for (int st = 0; st < s->n_stages; st++) {
            double sum = 0, mx = 0;
            int mr = 0;
            for (int r = 0; r < P; r++) {
                const sl_stage_fig *g = &s->stages[(size_t)st * P + r];
                double w = g->t_end - g->t_start;
                sum += w;
                if (w > mx) {
                    mx = w;
                    mr = r;
                }
            }
            double mean = sum / P;
            if (mx < MIN_STAGE_S || mean <= 0)
                continue;
            if (best_st < 0 || mx / mean > best) {
                best = mx / mean;
                best_st = i;
                best_s = st;
                best_max = mx;
                best_mean = mean;
                best_rank = mr;
            }
        }
    }
    if (best_st < 0) {
        fprintf(f, "  most imbalanced stage: none took %.0f ms or more\n", MIN_STAGE_S * 1e3);
        return;
    }
    const sl_stmt_rec *s = &j->stmts[best_st];
    fprintf(f, "  most imbalanced stage: [%d] %s: max %.3f s (rank %d) / mean %.3f s = %.2fx\n",
            s->index, s->stage_name[best_s], best_max, best_rank, best_mean, best);
}
