/*
 * Writes the --metrics JSON file from rank 0's job record. The schema (keys are stable; new
 * keys may be added, none renamed or removed) is documented in README.md, "Watching a job".
 * Local (rank 0).
 */
#include "obs/obs_int.h"

#include <errno.h>
#include <stdio.h>

#include "sluice/sluice.h"

static void jstr(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void i64_array(FILE *f, const int64_t *v, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%lld", i ? "," : "", (long long)v[i]);
    fputc(']', f);
}

static void stmt_json(FILE *f, const sl_stmt_rec *s)
{
    int P = s->P;
    double t0 = 1e300, t1 = 0;
    int64_t rin = 0, rej = 0, bin = 0, shuf = 0, spill = 0, written = 0;
    for (int r = 0; r < P; r++) {
        const sl_stmt_fig *g = &s->ranks[r];
        t0 = g->t_start < t0 ? g->t_start : t0;
        t1 = g->t_end > t1 ? g->t_end : t1;
        rin += g->rows_read;
        rej += g->rows_rejected;
        bin += g->bytes_read;
        shuf += g->bytes_sent;
        spill += g->spill_bytes;
        written += g->rows_written;
    }
    fprintf(f, "{\"index\":%d,\"line\":%d,\"kind\":", s->index, s->line);
    jstr(f, s->kind);
    fprintf(f, ",\"t_start\":%.6f,\"t_end\":%.6f,\"wall_s\":%.6f", t0, t1, t1 - t0);
    fprintf(f, ",\"rows_in\":%lld,\"bytes_in\":%lld,\"rows_out\":%lld,\"rows_rejected\":%lld",
            (long long)rin, (long long)bin, (long long)(s->rows_out >= 0 ? s->rows_out : written),
            (long long)rej);
    fprintf(f, ",\"bytes_shuffled\":%lld,\"spill_bytes\":%lld,\"error\":", (long long)shuf,
            (long long)spill);
    jstr(f, s->error);
    fputs(",\"plan\":", f);
    jstr(f, s->plan);
    fputs(",\n \"ranks\":[", f);
    for (int r = 0; r < P; r++) {
        const sl_stmt_fig *g = &s->ranks[r];
        fprintf(f, "%s\n  {\"rank\":%d,\"t_start\":%.6f,\"t_end\":%.6f,\"wall_s\":%.6f,"
                "\"cpu_s\":%.6f,\"rows_read\":%lld,\"bytes_read\":%lld,\"rows_rejected\":%lld,"
                "\"rows_written\":%lld,\"bytes_written\":%lld,\"bytes_sent\":%lld,"
                "\"bytes_recv\":%lld,\"spill_bytes\":%lld,\"peak_rss_bytes\":%lld}",
                r ? "," : "", r, g->t_start, g->t_end, g->t_end - g->t_start, g->cpu,
                (long long)g->rows_read, (long long)g->bytes_read, (long long)g->rows_rejected,
                (long long)g->rows_written, (long long)g->bytes_written,
                (long long)g->bytes_sent, (long long)g->bytes_recv, (long long)g->spill_bytes,
                (long long)g->peak_rss);
    }
    fputs("],\n \"stages\":[", f);
    for (int st = 0; st < s->n_stages; st++) {
        fprintf(f, "%s\n  {\"id\":%d,\"name\":", st ? "," : "", st);
        jstr(f, s->stage_name[st]);
        fprintf(f, ",\"query\":%d,\"ranks\":[", s->stage_query[st]);
        for (int r = 0; r < P; r++) {
            const sl_stage_fig *g = &s->stages[(size_t)st * P + r];
            fprintf(f, "%s\n   {\"rank\":%d,\"t_start\":%.6f,\"t_end\":%.6f,\"wall_s\":%.6f,"
                    "\"cpu_s\":%.6f,\"rows_in\":%lld,\"rows_out\":%lld,\"bytes_in\":%lld,"
                    "\"bytes_out\":%lld,\"rows_sent\":%lld,\"rows_recv\":%lld,"
                    "\"bytes_sent\":%lld,\"bytes_recv\":%lld,\"spill_bytes\":%lld,"
                    "\"peak_rss_bytes\":%lld,\"bytes_sent_to\":",
                    r ? "," : "", r, g->t_start, g->t_end, g->t_end - g->t_start, g->cpu,
                    (long long)g->rows_in, (long long)g->rows_out, (long long)g->bytes_in,
                    (long long)g->bytes_out, (long long)g->rows_sent, (long long)g->rows_recv,
                    (long long)g->bytes_sent, (long long)g->bytes_recv,
                    (long long)g->spill_bytes, (long long)g->peak_rss);
            i64_array(f, &s->sent_to[((size_t)st * P + r) * P], P);
            fputs(",\"bytes_recv_from\":", f);
            i64_array(f, &s->recv_from[((size_t)st * P + r) * P], P);
            fputc('}', f);
        }
        fputs("]}", f);
    }
    fputs("],\n \"operators\":[", f);
    for (int o = 0; o < s->n_ops; o++) {
        fprintf(f, "%s\n  {\"query\":%d,\"op\":", o ? "," : "", s->op_query[o]);
        jstr(f, s->op_name[o]);
        fputs(",\"ranks\":[", f);
        for (int r = 0; r < P; r++) {
            const sl_op_fig *g = &s->ops[(size_t)o * P + r];
            fprintf(f, "%s{\"rank\":%d,\"rows_in\":%lld,\"rows_out\":%lld,\"bytes_out\":%lld,"
                    "\"time_s\":%.6f,\"batches\":%lld}", r ? "," : "", r, (long long)g->rows_in,
                    (long long)g->rows_out, (long long)g->bytes_out, g->seconds,
                    (long long)g->calls);
        }
        fputs("]}", f);
    }
    /* The statement's exchange matrix: bytes rank i sent to rank j over all its stages. */
    fputs("],\n \"exchange_matrix\":[", f);
    for (int i = 0; i < P; i++) {
        fputs(i ? ",\n  [" : "\n  [", f);
        for (int k = 0; k < P; k++) {
            int64_t v = 0;
            for (int st = 0; st < s->n_stages; st++)
                v += s->sent_to[((size_t)st * P + i) * P + k];
            fprintf(f, "%s%lld", k ? "," : "", (long long)v);
        }
        fputc(']', f);
    }
    fputs("],\n \"timeline\":[", f);
    bool first = true;
    for (int r = 0; r < P; r++) {
        for (int st = 0; st < s->n_stages; st++) {
            const sl_stage_fig *g = &s->stages[(size_t)st * P + r];
            for (int e = 0; e < 2; e++) {
                fprintf(f, "%s\n  {\"rank\":%d,\"t\":%.6f,\"event\":\"%s\",\"stage\":%d}",
                        first ? "" : ",", r, e ? g->t_end : g->t_start,
                        e ? "stage_end" : "stage_start", st);
                first = false;
            }
        }
    }
    fputs("],\n \"samples\":[", f);
    for (int r = 0; r < P; r++) {
        fprintf(f, "%s\n  {\"rank\":%d,\"t\":[", r ? "," : "", r);
        for (int k = 0; k < s->n_samples[r]; k++)
            fprintf(f, "%s%.6f", k ? "," : "", s->samples[r][k].t);
        fputs("],\"rss_bytes\":[", f);
        for (int k = 0; k < s->n_samples[r]; k++)
            fprintf(f, "%s%lld", k ? "," : "", (long long)s->samples[r][k].rss);
        fputs("],\"spill_bytes\":[", f);
        for (int k = 0; k < s->n_samples[r]; k++)
            fprintf(f, "%s%lld", k ? "," : "", (long long)s->samples[r][k].spill);
        fputs("],\"heap_bytes\":[", f);
        for (int k = 0; k < s->n_samples[r]; k++)
            fprintf(f, "%s%lld", k ? "," : "", (long long)s->samples[r][k].heap);
        fputs("]}", f);
    }
    fputs("]}", f);
}

int sl_obs_write_json(const char *path, const sl_job_rec *j)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "{\"schema\":\"sluice-metrics\",\"version\":1,\"sluice\":\"%s\",\"job\":",
            SLUICE_VERSION);
    jstr(f, j->job_path);
    fprintf(f, ",\"ranks\":%d,\"wall_s\":%.6f,\"statements\":[", j->P, j->t_end);
    for (int i = 0; i < j->n_stmts; i++) {
        fputs(i ? ",\n" : "\n", f);
        stmt_json(f, &j->stmts[i]);
    }
    fputs("]}\n", f);
    int bad = ferror(f);
    if (fclose(f) || bad) {
        if (!errno)
            errno = EIO;
        return -1;
    }
    return 0;
}
