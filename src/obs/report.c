/*
 * Writes the --report HTML file: one self-contained page (no scripts, fonts, images or network)
 * with every chart drawn as inline SVG from rank 0's job record:
 *   - statements table (wall, rows, rejects, shuffle, spill, errors)
 *   - per-rank timeline of stages (Gantt), one row per rank
 *   - skew: rows and bytes into each stage per rank (small multiples with the mean marked)
 *   - memory (RSS) and spill over time, one line per rank
 *   - the rank x rank exchange matrix as a heat map
 *   - the plan of each statement
 * Layout scales with the rank count: rows and heat-map cells shrink (down to a few pixels at 64+
 * ranks) and axis labels thin out so they never overlap. Hover titles give exact values.
 * Local (rank 0).
 */
#include "obs/obs_int.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/mem.h"

#define W 960          /* chart width in px */
#define LM 64          /* left margin (rank labels) */

static const char *const palette[] = {
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f",
};

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Stage names seen in the job, in first-seen order: the colour of a stage is its index. */
typedef struct { const char *name[32]; int n; } names;

static int name_idx(names *ns, const char *n)
{
    for (int i = 0; i < ns->n; i++)
        if (!strcmp(ns->name[i], n))
            return i;
    if (ns->n < 32)
        ns->name[ns->n++] = n;
    return ns->n - 1;
}

static const char *stage_color(names *ns, const char *n)
{
    return palette[name_idx(ns, n) % 8];
}

/* Label every k-th rank so labels are at least 12 px apart. */
static int label_step(double px_per_rank)
{
    int k = 1;
    while (k * px_per_rank < 12)
        k *= 2;
    return k;
}

static double nice_step(double range)
{
    if (range <= 0)
        return 1;
    double raw = range / 5, mag = pow(10, floor(log10(raw)));
    double n = raw / mag;
    return (n < 1.5 ? 1 : n < 3.5 ? 2 : n < 7.5 ? 5 : 10) * mag;
}

/* A horizontal time axis at y from 0 to t_max over [x0, x0 + w]. */
static void time_axis(FILE *f, double t_max, int x0, int w, int y)
{
    double step = nice_step(t_max);
    fprintf(f, "<line x1='%d' y1='%d' x2='%d' y2='%d' class='ax'/>", x0, y, x0 + w, y);
    for (double t = 0; t <= t_max * 1.0001; t += step) {
        double x = x0 + (t_max > 0 ? t / t_max * w : 0);
        fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' class='ax'/>"
                "<text x='%.1f' y='%d' class='tk' text-anchor='middle'>%g s</text>", x, y, x,
                y + 4, x, y + 16, t);
    }
}

static void gantt(FILE *f, const sl_job_rec *j, names *ns)
{
    int P = j->P;
    double rh = 480.0 / P;
    rh = rh > 22 ? 22 : rh < 3 ? 3 : rh;
    int k = label_step(rh), h = (int)ceil(rh * P) + 50, w = W - LM - 10;
    double tmax = j->t_end > 0 ? j->t_end : 1;
    fprintf(f, "<svg class='chart' id='gantt' width='%d' height='%d' viewBox='0 0 %d %d'>", W,
            h, W, h);
    for (int r = 0; r < P; r += k)
        fprintf(f, "<text x='%d' y='%.1f' class='tk' text-anchor='end'>rank %d</text>", LM - 6,
                20 + r * rh + rh / 2 + 4, r);
    for (int i = 0; i < j->n_stmts; i++) {
        const sl_stmt_rec *s = &j->stmts[i];
        if (s->n_stages == 0)
            continue;
        double t0 = 1e300;
        for (int r = 0; r < P; r++)
            t0 = s->ranks[r].t_start < t0 ? s->ranks[r].t_start : t0;
        double x = LM + t0 / tmax * w;
        fprintf(f, "<line x1='%.1f' y1='12' x2='%.1f' y2='%.1f' class='st'/>"
                "<text x='%.1f' y='10' class='tk'>[%d] %s</text>", x, x, 20 + rh * P, x + 2,
                s->index, s->kind);
        for (int st = 0; st < s->n_stages; st++)
            for (int r = 0; r < P; r++) {
                const sl_stage_fig *g = &s->stages[(size_t)st * P + r];
                double x0 = LM + g->t_start / tmax * w, x1 = LM + g->t_end / tmax * w;
                fprintf(f, "<rect x='%.2f' y='%.2f' width='%.2f' height='%.2f' fill='%s'>"
                        "<title>rank %d: [%d] %s %.3f-%.3f s (%.3f s, cpu %.3f s)</title>"
                        "</rect>", x0, 20 + r * rh, x1 - x0 > 0.5 ? x1 - x0 : 0.5,
                        rh > 4 ? rh - 1 : rh, stage_color(ns, s->stage_name[st]), r, s->index,
                        s->stage_name[st], g->t_start, g->t_end, g->t_end - g->t_start,
                        g->cpu);
            }
    }
    time_axis(f, tmax, LM, w, (int)(20 + rh * P + 4));
    fputs("</svg>\n<div class='legend'>", f);
    for (int i = 0; i < ns->n; i++)
        fprintf(f, "<span><i style='background:%s'></i>%s</span>", palette[i % 8], ns->name[i]);
    fputs("</div>\n", f);
}

/* One small bar chart: v[r] per rank, with the mean as a line. */
static void mini_bars(FILE *f, const char *title, const double *v, int P, const char *color,
                      bool bytes)
{
    int cw = 220, ch = 90, pw = 200;
    double mx = 0, sum = 0;
    for (int r = 0; r < P; r++) {
        mx = v[r] > mx ? v[r] : mx;
        sum += v[r];
    }
    double mean = sum / P, bw = (double)pw / P;
    char a[32], b[32];
    if (bytes) {
        sl_obs_size((int64_t)mx, a, sizeof a);
        sl_obs_size((int64_t)mean, b, sizeof b);
    } else {
        snprintf(a, sizeof a, "%.0f", mx);
        snprintf(b, sizeof b, "%.0f", mean);
    }
    fprintf(f, "<figure><figcaption>");
    esc(f, title);
    fprintf(f, "<br><small>max %s, mean %s%s</small></figcaption>"
            "<svg class='chart mini' width='%d' height='%d' viewBox='0 0 %d %d'>", a, b,
            mean > 0 ? "" : " (none)", cw, ch, cw, ch);
    for (int r = 0; r < P && mx > 0; r++) {
        double hh = v[r] / mx * (ch - 16);
        fprintf(f, "<rect x='%.2f' y='%.2f' width='%.2f' height='%.2f' fill='%s'>"
                "<title>rank %d: %.0f</title></rect>", 10 + r * bw, ch - 12 - hh,
                bw > 2 ? bw - 1 : bw, hh, color, r, v[r]);
    }
    if (mx > 0)
        fprintf(f, "<line x1='10' x2='%d' y1='%.1f' y2='%.1f' class='mean'/>", 10 + pw,
                ch - 12 - mean / mx * (ch - 16), ch - 12 - mean / mx * (ch - 16));
    fprintf(f, "<line x1='10' x2='%d' y1='%d' y2='%d' class='ax'/>"
            "<text x='10' y='%d' class='tk'>0</text><text x='%d' y='%d' class='tk' "
            "text-anchor='end'>%d</text></svg></figure>", 10 + pw, ch - 12, ch - 12, ch - 1,
            10 + pw, ch - 1, P - 1);
}

static void skew(FILE *f, const sl_job_rec *j, names *ns)
{
    int P = j->P;
    double *v = sl_xmalloc(sizeof *v * (size_t)P);
    fputs("<div class='multi'>", f);
    for (int i = 0; i < j->n_stmts; i++) {
        const sl_stmt_rec *s = &j->stmts[i];
        for (int st = 0; st < s->n_stages; st++) {
            char t[160];
            const char *c = stage_color(ns, s->stage_name[st]);
            for (int r = 0; r < P; r++)
                v[r] = (double)s->stages[(size_t)st * P + r].rows_in;
            snprintf(t, sizeof t, "[%d] %s: rows in", s->index, s->stage_name[st]);
            mini_bars(f, t, v, P, c, false);
            for (int r = 0; r < P; r++)
                v[r] = (double)s->stages[(size_t)st * P + r].bytes_in;
            snprintf(t, sizeof t, "[%d] %s: bytes in", s->index, s->stage_name[st]);
            mini_bars(f, t, v, P, c, true);
        }
    }
    fputs("</div>\n", f);
    sl_free(v);
}

/* Memory (which = 0: RSS) or spill (which = 1) over time, one polyline per rank. */
static void over_time(FILE *f, const sl_job_rec *j, int which, const char *id)
{
    int P = j->P, h = 220, w = W - LM - 10, ph = h - 40;
    double tmax = j->t_end > 0 ? j->t_end : 1, vmax = 0;
    for (int i = 0; i < j->n_stmts; i++)
        for (int r = 0; r < P; r++)
            for (int k = 0; k < j->stmts[i].n_samples[r]; k++) {
                const sl_sample *sm = &j->stmts[i].samples[r][k];
                double v = (double)(which ? sm->spill : sm->rss);
                vmax = v > vmax ? v : vmax;
            }
    fprintf(f, "<svg class='chart' id='%s' width='%d' height='%d' viewBox='0 0 %d %d'>", id, W,
            h, W, h);
    char a[32];
    fprintf(f, "<text x='%d' y='14' class='tk' text-anchor='end'>%s</text>"
            "<text x='%d' y='%d' class='tk' text-anchor='end'>0</text>", LM - 6,
            sl_obs_size((int64_t)vmax, a, sizeof a), LM - 6, 10 + ph);
    if (vmax <= 0)
        fprintf(f, "<text x='%d' y='%d' class='tk'>%s</text>", LM + w / 2 - 40, 10 + ph / 2,
                which ? "no spill" : "no samples");
    for (int r = 0; r < P && vmax > 0; r++) {
        fprintf(f, "<polyline class='ln' stroke='hsl(%d,65%%,45%%)' points='", r * 360 / P);
        for (int i = 0; i < j->n_stmts; i++)
            for (int k = 0; k < j->stmts[i].n_samples[r]; k++) {
                const sl_sample *sm = &j->stmts[i].samples[r][k];
                double v = (double)(which ? sm->spill : sm->rss);
                fprintf(f, "%.1f,%.1f ", LM + sm->t / tmax * w, 10 + ph - v / vmax * ph);
            }
        fprintf(f, "'><title>rank %d</title></polyline>", r);
    }
    fprintf(f, "<line x1='%d' y1='10' x2='%d' y2='%d' class='ax'/>", LM, LM, 10 + ph);
    time_axis(f, tmax, LM, w, 10 + ph);
    fputs("</svg>\n", f);
}

static void heatmap(FILE *f, const sl_job_rec *j)
{
    int P = j->P;
    int64_t *m = sl_xcalloc((size_t)P * (size_t)P, sizeof *m), mx = 0;
    for (int i = 0; i < j->n_stmts; i++) {
        const sl_stmt_rec *s = &j->stmts[i];
        for (int st = 0; st < s->n_stages; st++)
            for (int a = 0; a < P; a++)
                for (int b = 0; b < P; b++)
                    m[(size_t)a * P + b] += s->sent_to[((size_t)st * P + a) * P + b];
    }
    for (size_t k = 0; k < (size_t)P * (size_t)P; k++)
        mx = m[k] > mx ? m[k] : mx;
    double cs = 480.0 / P;
    cs = cs > 48 ? 48 : cs < 4 ? 4 : cs;
    int step = label_step(cs), side = (int)ceil(cs * P), x0 = LM, y0 = 40;
    int wd = x0 + side + 160, ht = y0 + side + 30;
    fprintf(f, "<svg class='chart' id='heatmap' width='%d' height='%d' viewBox='0 0 %d %d'>"
            "<text x='%d' y='14' class='tk' text-anchor='middle'>to rank</text>"
            "<text x='12' y='%d' class='tk' transform='rotate(-90 12 %d)' "
            "text-anchor='middle'>from rank</text>", wd, ht, wd, ht, x0 + side / 2,
            y0 + side / 2, y0 + side / 2);
    for (int r = 0; r < P; r += step) {
        fprintf(f, "<text x='%.1f' y='%d' class='tk' text-anchor='middle'>%d</text>",
                x0 + r * cs + cs / 2, y0 - 6, r);
        fprintf(f, "<text x='%d' y='%.1f' class='tk' text-anchor='end'>%d</text>", x0 - 4,
                y0 + r * cs + cs / 2 + 4, r);
    }
    char a[32];
    for (int r = 0; r < P; r++)
        for (int c = 0; c < P; c++) {
            int64_t v = m[(size_t)r * P + c];
            double t = mx > 0 ? (double)v / (double)mx : 0;
            /* White (nothing) to dark blue (the largest cell). */
            int R = (int)(255 - t * 225), G = (int)(255 - t * 175), B = (int)(255 - t * 90);
            fprintf(f, "<rect x='%.2f' y='%.2f' width='%.2f' height='%.2f' "
                    "fill='rgb(%d,%d,%d)' stroke='#ddd' stroke-width='%s'><title>%d to %d: %s"
                    "</title></rect>", x0 + c * cs, y0 + r * cs, cs, cs, R, G, B,
                    cs >= 8 ? "0.5" : "0", r, c, sl_obs_size(v, a, sizeof a));
            if (cs >= 40)
                /* An inline style: a presentation attribute would lose to the .tk rule. */
                fprintf(f, "<text x='%.1f' y='%.1f' class='tk' text-anchor='middle' "
                        "style='fill:%s'>%s</text>", x0 + c * cs + cs / 2,
                        y0 + r * cs + cs / 2 + 4,
                        t > 0.6 ? "#fff" : "#333", a);
        }
    /* Colour scale. */
    int lx = x0 + side + 20;
    for (int k = 0; k < 10; k++) {
        double t = (9 - k) / 9.0;
        fprintf(f, "<rect x='%d' y='%d' width='14' height='12' fill='rgb(%d,%d,%d)'/>", lx,
                y0 + k * 12, (int)(255 - t * 225), (int)(255 - t * 175), (int)(255 - t * 90));
    }
    fprintf(f, "<text x='%d' y='%d' class='tk'>%s</text><text x='%d' y='%d' class='tk'>0</text>"
            "</svg>\n", lx + 18, y0 + 10, sl_obs_size(mx, a, sizeof a), lx + 18, y0 + 120);
    sl_free(m);
}

static void stmt_table(FILE *f, const sl_job_rec *j)
{
    fputs("<table><tr><th>#</th><th>line</th><th>statement</th><th>wall s</th><th>rows in</th>"
          "<th>rows out</th><th>rejected</th><th>shuffled</th><th>spilled</th>"
          "<th>peak RSS max</th><th>status</th></tr>\n", f);
    for (int i = 0; i < j->n_stmts; i++) {
        const sl_stmt_rec *s = &j->stmts[i];
        double t0 = 1e300, t1 = 0;
        int64_t rin = 0, rej = 0, sh = 0, sp = 0, wr = 0, pk = 0;
        for (int r = 0; r < j->P; r++) {
            const sl_stmt_fig *g = &s->ranks[r];
            t0 = g->t_start < t0 ? g->t_start : t0;
            t1 = g->t_end > t1 ? g->t_end : t1;
            rin += g->rows_read;
            rej += g->rows_rejected;
            sh += g->bytes_sent;
            sp += g->spill_bytes;
            wr += g->rows_written;
            pk = g->peak_rss > pk ? g->peak_rss : pk;
        }
        char a[32], b[32], c[32];
        fprintf(f, "<tr><td>%d</td><td>%d</td><td>%s</td><td>%.3f</td><td>%lld</td>"
                "<td>%lld</td><td>%lld</td><td>%s</td><td>%s</td><td>%s</td><td>", s->index,
                s->line, s->kind, t1 - t0, (long long)rin,
                (long long)(s->rows_out >= 0 ? s->rows_out : wr), (long long)rej,
                sl_obs_size(sh, a, sizeof a), sl_obs_size(sp, b, sizeof b),
                sl_obs_size(pk, c, sizeof c));
        if (s->error)
            esc(f, s->error);
        else
            fputs("ok", f);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

int sl_obs_write_report(const char *path, const sl_job_rec *j)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    names ns = { .n = 0 };
    fputs("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>\n<title>sluice report: ",
          f);
    esc(f, j->job_path);
    fputs("</title>\n<style>\n"
          "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;"
          "color:#222;max-width:1000px}\n"
          "h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}\n"
          "table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #eee;"
          "text-align:right}th{background:#f5f5f5}\n"
          "svg.chart{display:block;background:#fff}\n"
          ".tk{font-size:10px;fill:#555}.ax{stroke:#999;stroke-width:1}"
          ".st{stroke:#aaa;stroke-dasharray:3 3}\n"
          ".mean{stroke:#222;stroke-dasharray:2 2}.ln{fill:none;stroke-width:1.2}\n"
          ".legend span{margin-right:14px;font-size:12px}.legend i{display:inline-block;"
          "width:10px;height:10px;margin-right:4px}\n"
          ".multi{display:flex;flex-wrap:wrap;gap:6px}figure{margin:0}"
          "figcaption{font-size:11px}\n"
          "pre{background:#f7f7f7;padding:8px;overflow:auto;font-size:12px}\n"
          "</style></head><body>\n<h1>sluice report</h1>\n<p>job <b>", f);
    esc(f, j->job_path);
    fprintf(f, "</b> on %d rank(s), %.3f s, %d statement(s). Hover a mark for exact "
            "values.</p>\n", j->P, j->t_end, j->n_stmts);
    fputs("<h2>Statements</h2>\n", f);
    stmt_table(f, j);
    fputs("<h2>Timeline (stages per rank)</h2>\n", f);
    gantt(f, j, &ns);
    fputs("<h2>Skew: rows and bytes into each stage, per rank</h2>\n", f);
    skew(f, j, &ns);
    fputs("<h2>Memory (RSS) over time, per rank</h2>\n", f);
    over_time(f, j, 0, "memory");
    fputs("<h2>Spill over time (bytes written), per rank</h2>\n", f);
    over_time(f, j, 1, "spill");
    fputs("<h2>Exchange matrix (bytes sent, all statements)</h2>\n", f);
    heatmap(f, j);
    fputs("<h2>Plans</h2>\n", f);
    for (int i = 0; i < j->n_stmts; i++) {
        const sl_stmt_rec *s = &j->stmts[i];
        if (!s->plan)
            continue;
        fprintf(f, "<h3>[%d] line %d %s</h3><pre>", s->index, s->line, s->kind);
        esc(f, s->plan);
        fputs("</pre>\n", f);
    }
    fputs("</body></html>\n", f);
    int bad = ferror(f);
    if (fclose(f) || bad) {
        if (!errno)
            errno = EIO;
        return -1;
    }
    return 0;
}
