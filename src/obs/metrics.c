/*
 * Recording and gathering of job metrics (see metrics.h). Each rank keeps the records of the
 * running statement locally: stage records (counter snapshots at begin, diffs at end),
 * operator records and memory samples. sl_metrics_stmt_gather sends them to rank 0 with three
 * collectives (Allreduce of the record counts, Gather of fixed-size records, Gatherv of the
 * samples); rank 0 keeps one sl_stmt_rec per statement for the summary, JSON and report.
 * Recording is Local; gathering is Collective over the metrics communicator.
 */
#include "obs/obs_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/size.h"

/* Memory is sampled at stage boundaries and at most this often from the batch loop. */
#define SAMPLE_INTERVAL_S 0.2

typedef struct lstage {          /* a stage being recorded on this rank */
    int q;
    const char *name;
    sl_counters c0;              /* counters at begin */
    double cpu0;
    int64_t *to0, *from0;        /* per-peer exchange bytes at begin (P each) */
    sl_stage_fig fig;
    int64_t *to, *from;          /* diffs at end (P each) */
} lstage;

typedef struct lop {
    int q;
    const char *name;
    sl_op_fig fig;
} lop;

struct sl_metrics {
    sl_ctx *ctx;                 /* the session's context: counters read, peers allocated */
    MPI_Comm comm;
    int rank, size;
    sl_obs_opts o;
    double origin;               /* MPI_Wtime of the common origin */
    sl_progress *prog;
    /* the running statement, this rank */
    bool in_stmt, gathered;
    int st_index, st_line;
    const char *st_kind;
    char *st_plan;               /* rank 0 */
    int64_t st_rows_out;
    sl_counters c0;
    double cpu0;
    sl_stmt_fig fig;
    lstage *st;
    int n_st;
    int64_t cap_st;
    lop *ops;
    int n_ops;
    int64_t cap_ops;
    sl_sample *smp;
    int n_smp;
    int64_t cap_smp;
    double next_sample;
    /* rank 0 */
    sl_job_rec job;
};

double sl_obs_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int64_t peak_rss(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (int64_t)ru.ru_maxrss * 1024; /* Linux: kilobytes */
}

static int64_t rss_now(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%lld %lld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res ? (int64_t)res * sysconf(_SC_PAGESIZE) : peak_rss();
}

static double since_origin(const sl_metrics *m) { return MPI_Wtime() - m->origin; }

double sl_obs_median(const double *v, int n)
{
    if (n <= 0)
        return 0;
    double *c = sl_xmalloc(sizeof *c * (size_t)n);
    memcpy(c, v, sizeof *c * (size_t)n);
    for (int i = 1; i < n; i++) /* insertion sort: n is the rank count */
        for (int j = i; j > 0 && c[j - 1] > c[j]; j--) {
            double t = c[j];
            c[j] = c[j - 1];
            c[j - 1] = t;
        }
    double r = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    sl_free(c);
    return r;
}

const char *sl_obs_size(int64_t bytes, char *buf, size_t n)
{
    return sl_format_size(bytes, buf, (int)n);
}

/* ---- life cycle ---- */

sl_metrics *sl_metrics_new(MPI_Comm comm, sl_ctx *ctx, const sl_obs_opts *o)
{
    sl_metrics *m = sl_xcalloc(1, sizeof *m);
    m->comm = comm;
    m->ctx = ctx;
    MPI_Comm_rank(comm, &m->rank);
    MPI_Comm_size(comm, &m->size);
    m->o = *o;
    /* The per-peer exchange counters exist only while a metrics object does. */
    sl_free(m->ctx->ctr.xchg_bytes_to);
    sl_free(m->ctx->ctr.xchg_bytes_from);
    m->ctx->ctr.xchg_bytes_to = sl_xcalloc((size_t)m->size, sizeof(int64_t));
    m->ctx->ctr.xchg_bytes_from = sl_xcalloc((size_t)m->size, sizeof(int64_t));
    m->ctx->ctr.xchg_peers = m->size;
    MPI_Barrier(comm);
    double t0 = MPI_Wtime();
    int *global = NULL, flag = 0;
    MPI_Comm_get_attr(comm, MPI_WTIME_IS_GLOBAL, &global, &flag);
    double t_root = t0;
    MPI_Bcast(&t_root, 1, MPI_DOUBLE, 0, comm);
    /* With synchronized clocks rank 0's reading is the origin; otherwise every rank's own
     * reading just after the barrier is (the barrier's exit skew is the error). */
    m->origin = flag && global && *global ? t_root : t0;
    /* Rank 0 decides whether progress runs (its stderr is the one users watch); all ranks
     * must agree because progress rounds are collectives. */
    int mode = 0;
    if (m->rank == 0 && !o->quiet && o->progress >= 0) {
        if (isatty(2))
            mode = 1;
        else if (o->progress > 0)
            mode = 2;
    }
    MPI_Bcast(&mode, 1, MPI_INT, 0, comm);
    m->prog = sl_progress_new(comm, &ctx->ctr, mode);
    m->job.job_path = o->job_path;
    m->job.P = m->size;
    return m;
}

static void stmt_rec_free(sl_stmt_rec *s)
{
    sl_free(s->plan);
    sl_free(s->error);
    sl_free(s->stage_name);
    sl_free(s->stage_query);
    sl_free(s->stages);
    sl_free(s->sent_to);
    sl_free(s->recv_from);
    sl_free(s->op_name);
    sl_free(s->op_query);
    sl_free(s->ops);
    sl_free(s->ranks);
    for (int r = 0; s->samples && r < s->P; r++)
        sl_free(s->samples[r]);
    sl_free(s->samples);
    sl_free(s->n_samples);
}

static void local_reset(sl_metrics *m)
{
    for (int i = 0; i < m->n_st; i++) {
        sl_free(m->st[i].to0);
        sl_free(m->st[i].from0);
        sl_free(m->st[i].to);
        sl_free(m->st[i].from);
    }
    m->n_st = 0;
    m->n_ops = 0;
    m->n_smp = 0;
    sl_free(m->st_plan);
    m->st_plan = NULL;
}

void sl_metrics_free(sl_metrics **pm)
{
    if (!pm || !*pm)
        return;
    sl_metrics *m = *pm;
    sl_progress_free(&m->prog);
    local_reset(m);
    sl_free(m->st);
    sl_free(m->ops);
    sl_free(m->smp);
    for (int i = 0; i < m->job.n_stmts; i++)
        stmt_rec_free(&m->job.stmts[i]);
    sl_free(m->job.stmts);
    sl_free(m->ctx->ctr.xchg_bytes_to);
    sl_free(m->ctx->ctr.xchg_bytes_from);
    m->ctx->ctr.xchg_bytes_to = m->ctx->ctr.xchg_bytes_from = NULL;
    m->ctx->ctr.xchg_peers = 0;
    sl_free(m);
    *pm = NULL;
}

/* ---- recording (Local) ---- */

static void sample(sl_metrics *m)
{
    SL_GROW(m->smp, m->cap_smp, m->n_smp + 1);
    m->smp[m->n_smp++] = (sl_sample){ since_origin(m), rss_now(), m->ctx->ctr.spill_bytes_written,
                                      sl_mem_in_use() };
    m->next_sample = sl_obs_now() + SAMPLE_INTERVAL_S;
}

void sl_metrics_stmt_begin(sl_metrics *m, int index, int line, const char *kind)
{
    if (!m)
        return;
    local_reset(m);
    m->in_stmt = true;
    m->gathered = false;
    m->st_index = index;
    m->st_line = line;
    m->st_kind = kind;
    m->st_rows_out = -1;
    m->c0 = m->ctx->ctr;
    m->cpu0 = cpu_now();
    memset(&m->fig, 0, sizeof m->fig);
    m->fig.t_start = since_origin(m);
    sample(m);
    sl_progress_stmt(m->prog, index, kind);
}

void sl_metrics_stmt_plan(sl_metrics *m, const char *plan_text)
{
    if (!m || m->rank != 0)
        return;
    sl_free(m->st_plan);
    m->st_plan = plan_text ? sl_xstrdup(plan_text) : NULL;
}

void sl_metrics_stmt_rows_out(sl_metrics *m, int64_t rows)
{
    if (m)
        m->st_rows_out = rows;
}

int sl_metrics_stage_begin(sl_metrics *m, int q, const char *name)
{
    if (!m)
        return -1;
    SL_GROW(m->st, m->cap_st, m->n_st + 1);
    lstage *s = &m->st[m->n_st];
    memset(s, 0, sizeof *s);
    s->q = q;
    s->name = name;
    s->c0 = m->ctx->ctr;
    s->cpu0 = cpu_now();
    size_t P = (size_t)m->size;
    s->to0 = sl_xmalloc(sizeof(int64_t) * P);
    s->from0 = sl_xmalloc(sizeof(int64_t) * P);
    memcpy(s->to0, m->ctx->ctr.xchg_bytes_to, sizeof(int64_t) * P);
    memcpy(s->from0, m->ctx->ctr.xchg_bytes_from, sizeof(int64_t) * P);
    s->fig.t_start = since_origin(m);
    sample(m);
    sl_progress_stage(m->prog, name);
    return m->n_st++;
}

void sl_metrics_stage_end(sl_metrics *m, int h, int64_t rows_in, int64_t rows_out,
                          int64_t bytes_in, int64_t bytes_out)
{
    if (!m || h < 0 || h >= m->n_st)
        return;
    lstage *s = &m->st[h];
    sl_stage_fig *f = &s->fig;
    f->t_end = since_origin(m);
    f->cpu = cpu_now() - s->cpu0;
    f->rows_sent = m->ctx->ctr.xchg_rows_sent - s->c0.xchg_rows_sent;
    f->rows_recv = m->ctx->ctr.xchg_rows_recv - s->c0.xchg_rows_recv;
    f->bytes_sent = m->ctx->ctr.xchg_bytes_sent - s->c0.xchg_bytes_sent;
    f->bytes_recv = m->ctx->ctr.xchg_bytes_recv - s->c0.xchg_bytes_recv;
    f->spill_bytes = m->ctx->ctr.spill_bytes_written - s->c0.spill_bytes_written;
    f->peak_rss = peak_rss();
    /* -1: the stage is an exchange; what it takes in is what it sends, and so on. */
    f->rows_in = rows_in >= 0 ? rows_in : f->rows_sent;
    f->rows_out = rows_out >= 0 ? rows_out : f->rows_recv;
    f->bytes_in = bytes_in >= 0 ? bytes_in : f->bytes_sent;
    f->bytes_out = bytes_out >= 0 ? bytes_out : f->bytes_recv;
    size_t P = (size_t)m->size;
    s->to = sl_xmalloc(sizeof(int64_t) * P);
    s->from = sl_xmalloc(sizeof(int64_t) * P);
    for (size_t r = 0; r < P; r++) {
        s->to[r] = m->ctx->ctr.xchg_bytes_to[r] - s->to0[r];
        s->from[r] = m->ctx->ctr.xchg_bytes_from[r] - s->from0[r];
    }
    sample(m);
}

int sl_metrics_op(sl_metrics *m, int q, const char *name)
{
    if (!m)
        return -1;
    SL_GROW(m->ops, m->cap_ops, m->n_ops + 1);
    m->ops[m->n_ops] = (lop){ q, name, {0} };
    return m->n_ops++;
}

void sl_metrics_op_add(sl_metrics *m, int h, int64_t rows_in, int64_t rows_out,
                       int64_t bytes_out, double seconds)
{
    if (!m || h < 0 || h >= m->n_ops)
        return;
    sl_op_fig *f = &m->ops[h].fig;
    f->rows_in += rows_in;
    f->rows_out += rows_out;
    f->bytes_out += bytes_out;
    f->seconds += seconds;
    f->calls++;
}

void sl_metrics_op_chunks(sl_metrics *m, int h, int64_t read, int64_t skipped)
{
    if (!m || h < 0 || h >= m->n_ops)
        return;
    m->ops[h].fig.chunks_read += read;
    m->ops[h].fig.chunks_skipped += skipped;
}

void sl_metrics_tick(sl_metrics *m)
{
    if (!m)
        return;
    if (sl_obs_now() >= m->next_sample)
        sample(m);
    sl_progress_poll(m->prog);
}

void sl_metrics_progress_begin(sl_metrics *m, int64_t total_bytes)
{
    if (m)
        sl_progress_begin(m->prog, total_bytes);
}

void sl_metrics_progress_end(sl_metrics *m)
{
    if (m)
        sl_progress_end(m->prog);
}

/* ---- gathering (Collective) ---- */

void sl_metrics_stmt_gather(sl_metrics *m)
{
    if (!m || !m->in_stmt || m->gathered)
        return;
    m->gathered = true;
    sl_stmt_fig *sf = &m->fig;
    sf->t_end = since_origin(m);
    sf->cpu = cpu_now() - m->cpu0;
    sf->rows_read = m->ctx->ctr.rows_read - m->c0.rows_read;
    sf->bytes_read = m->ctx->ctr.bytes_read - m->c0.bytes_read;
    sf->rows_rejected = m->ctx->ctr.rows_rejected - m->c0.rows_rejected;
    sf->rows_written = m->ctx->ctr.rows_written - m->c0.rows_written;
    sf->bytes_written = m->ctx->ctr.bytes_written - m->c0.bytes_written;
    sf->bytes_sent = m->ctx->ctr.xchg_bytes_sent - m->c0.xchg_bytes_sent;
    sf->bytes_recv = m->ctx->ctr.xchg_bytes_recv - m->c0.xchg_bytes_recv;
    sf->spill_bytes = m->ctx->ctr.spill_bytes_written - m->c0.spill_bytes_written;
    sf->peak_rss = peak_rss();
    sample(m);

    int P = m->size;
    int mine[2] = { m->n_st, m->n_ops }, most[2];
    MPI_Allreduce(mine, most, 2, MPI_INT, MPI_MAX, m->comm);
    int S = most[0], O = most[1];
    size_t st_sz = sizeof(sl_stage_fig) + 2 * sizeof(int64_t) * (size_t)P;
    size_t rec = sizeof(sl_stmt_fig) + st_sz * (size_t)S + sizeof(sl_op_fig) * (size_t)O;
    char *buf = sl_xcalloc(1, rec);
    char *p = buf;
    memcpy(p, sf, sizeof *sf);
    p += sizeof *sf;
    for (int s = 0; s < S; s++, p += st_sz) {
        if (s >= m->n_st || !m->st[s].to)
            continue; /* missing or never ended (error path): zeros */
        memcpy(p, &m->st[s].fig, sizeof(sl_stage_fig));
        memcpy(p + sizeof(sl_stage_fig), m->st[s].to, sizeof(int64_t) * (size_t)P);
        memcpy(p + sizeof(sl_stage_fig) + sizeof(int64_t) * (size_t)P, m->st[s].from,
               sizeof(int64_t) * (size_t)P);
    }
    for (int o = 0; o < O && o < m->n_ops; o++)
        memcpy(p + sizeof(sl_op_fig) * (size_t)o, &m->ops[o].fig, sizeof(sl_op_fig));
    char *all = m->rank == 0 ? sl_xmalloc(rec * (size_t)P) : NULL;
    /* Invariant: rec * P stays far below INT_MAX for any realistic job (a few KB a stage). */
    MPI_Gather(buf, (int)rec, MPI_BYTE, all, (int)rec, MPI_BYTE, 0, m->comm);
    sl_free(buf);

    int nbytes = (int)(sizeof(sl_sample) * (size_t)m->n_smp);
    int *counts = m->rank == 0 ? sl_xcalloc((size_t)P, sizeof *counts) : NULL;
    int *displs = m->rank == 0 ? sl_xcalloc((size_t)P, sizeof *displs) : NULL;
    MPI_Gather(&nbytes, 1, MPI_INT, counts, 1, MPI_INT, 0, m->comm);
    char *smp = NULL;
    if (m->rank == 0) {
        int tot = 0;
        for (int r = 0; r < P; r++) {
            displs[r] = tot;
            tot += counts[r];
        }
        smp = sl_xmalloc((size_t)tot + 1);
    }
    MPI_Gatherv(m->smp, nbytes, MPI_BYTE, smp, counts, displs, MPI_BYTE, 0, m->comm);

    if (m->rank == 0) {
        sl_job_rec *j = &m->job;
        SL_GROW(j->stmts, j->cap_stmts, j->n_stmts + 1);
        sl_stmt_rec *r = &j->stmts[j->n_stmts++];
        memset(r, 0, sizeof *r);
        r->index = m->st_index;
        r->line = m->st_line;
        r->kind = m->st_kind;
        r->plan = m->st_plan;
        m->st_plan = NULL;
        r->rows_out = m->st_rows_out;
        r->P = P;
        r->n_stages = S;
        r->stage_name = sl_xcalloc((size_t)S + 1, sizeof *r->stage_name);
        r->stage_query = sl_xcalloc((size_t)S + 1, sizeof *r->stage_query);
        r->stages = sl_xcalloc((size_t)S * (size_t)P + 1, sizeof *r->stages);
        r->sent_to = sl_xcalloc((size_t)S * (size_t)P * (size_t)P + 1, sizeof(int64_t));
        r->recv_from = sl_xcalloc((size_t)S * (size_t)P * (size_t)P + 1, sizeof(int64_t));
        r->n_ops = O;
        r->op_name = sl_xcalloc((size_t)O + 1, sizeof *r->op_name);
        r->op_query = sl_xcalloc((size_t)O + 1, sizeof *r->op_query);
        r->ops = sl_xcalloc((size_t)O * (size_t)P + 1, sizeof *r->ops);
        r->ranks = sl_xcalloc((size_t)P, sizeof *r->ranks);
        r->n_samples = sl_xcalloc((size_t)P, sizeof *r->n_samples);
        r->samples = sl_xcalloc((size_t)P, sizeof *r->samples);
        for (int s = 0; s < S; s++) {
            r->stage_name[s] = s < m->n_st ? m->st[s].name : "?";
            r->stage_query[s] = s < m->n_st ? m->st[s].q : -1;
        }
        for (int o = 0; o < O; o++) {
            r->op_name[o] = o < m->n_ops ? m->ops[o].name : "?";
            r->op_query[o] = o < m->n_ops ? m->ops[o].q : -1;
        }
        for (int rk = 0; rk < P; rk++) {
            const char *q = all + rec * (size_t)rk;
            memcpy(&r->ranks[rk], q, sizeof(sl_stmt_fig));
            q += sizeof(sl_stmt_fig);
            for (int s = 0; s < S; s++, q += st_sz) {
                memcpy(&r->stages[(size_t)s * P + rk], q, sizeof(sl_stage_fig));
                memcpy(&r->sent_to[((size_t)s * P + rk) * P], q + sizeof(sl_stage_fig),
                       sizeof(int64_t) * (size_t)P);
                memcpy(&r->recv_from[((size_t)s * P + rk) * P],
                       q + sizeof(sl_stage_fig) + sizeof(int64_t) * (size_t)P,
                       sizeof(int64_t) * (size_t)P);
            }
            for (int o = 0; o < O; o++)
                memcpy(&r->ops[(size_t)o * P + rk], q + sizeof(sl_op_fig) * (size_t)o,
                       sizeof(sl_op_fig));
            int n = counts[rk] / (int)sizeof(sl_sample);
            r->n_samples[rk] = n;
            r->samples[rk] = sl_xmalloc(sizeof(sl_sample) * (size_t)(n ? n : 1));
            memcpy(r->samples[rk], smp + displs[rk], (size_t)counts[rk]);
        }
    }
    sl_free(all);
    sl_free(smp);
    sl_free(counts);
    sl_free(displs);
}

void sl_metrics_stmt_end(sl_metrics *m, const char *error_msg)
{
    if (!m || !m->in_stmt)
        return;
    sl_metrics_stmt_gather(m);
    if (m->rank == 0 && m->job.n_stmts > 0) {
        sl_stmt_rec *r = &m->job.stmts[m->job.n_stmts - 1];
        if (error_msg && *error_msg && !r->error)
            r->error = sl_xstrdup(error_msg);
        if (r->rows_out < 0 && m->st_rows_out >= 0)
            r->rows_out = m->st_rows_out;
    }
    m->in_stmt = false;
}

int sl_metrics_finish(sl_metrics *m, const char **msg)
{
    static char why[600];
    if (!m || m->rank != 0)
        return 0;
    m->job.t_end = since_origin(m);
    if (!m->o.quiet)
        sl_obs_summary(stderr, &m->job);
    int rc = 0;
    if (m->o.metrics_path && sl_obs_write_json(m->o.metrics_path, &m->job)) {
        snprintf(why, sizeof why, "cannot write metrics file '%s'", m->o.metrics_path);
        rc = SL_EIO;
    }
    if (m->o.report_path && sl_obs_write_report(m->o.report_path, &m->job)) {
        snprintf(why, sizeof why, "cannot write report file '%s'", m->o.report_path);
        rc = SL_EIO;
    }
    if (msg)
        *msg = why;
    return rc;
}

/* ---- EXPLAIN ANALYZE ---- */

void sl_metrics_explain_op(void *ctx, void *buf, int h, int depth)
{
    sl_metrics *m = ctx;
    sl_buf *b = buf;
    if (!m || m->rank != 0 || m->job.n_stmts == 0)
        return;
    sl_stmt_rec *r = &m->job.stmts[m->job.n_stmts - 1];
    int P = r->P;
    for (int o = h; o >= 0 && o < r->n_ops && o == h; o++) {
        int64_t rin = 0, rout = 0, bout = 0, rmin = INT64_MAX, rmax = 0, cr = 0, cs = 0;
        double tmin = 1e300, tmax = 0;
        for (int rk = 0; rk < P; rk++) {
            const sl_op_fig *f = &r->ops[(size_t)o * P + rk];
            rin += f->rows_in;
            rout += f->rows_out;
            bout += f->bytes_out;
            cr += f->chunks_read;
            cs += f->chunks_skipped;
            rmin = f->rows_out < rmin ? f->rows_out : rmin;
            rmax = f->rows_out > rmax ? f->rows_out : rmax;
            tmin = f->seconds < tmin ? f->seconds : tmin;
            tmax = f->seconds > tmax ? f->seconds : tmax;
        }
        char sz[32];
        for (int i = 0; i < depth; i++)
            sl_buf_puts(b, "  ");
        sl_buf_printf(b, "-> actual: rows in %lld, rows out %lld (per rank min %lld max %lld), "
                      "%s, time min %.3f s max %.3f s\n", (long long)rin, (long long)rout,
                      (long long)rmin, (long long)rmax, sl_obs_size(bout, sz, sizeof sz), tmin,
                      tmax);
        if (cr || cs) {   /* chunk statistics let the scan skip chunks (summed over ranks) */
            for (int i = 0; i < depth; i++)
                sl_buf_puts(b, "  ");
            sl_buf_printf(b, "-> chunks: read %lld, skipped %lld (by their min/max)\n",
                          (long long)cr, (long long)cs);
        }
    }
}

char *sl_metrics_explain_totals(sl_metrics *m)
{
    sl_buf b;
    sl_buf_init(&b);
    if (!m || m->rank != 0 || m->job.n_stmts == 0)
        return sl_buf_take(&b);
    const sl_stmt_rec *r = &m->job.stmts[m->job.n_stmts - 1];
    int64_t shuf = 0, spill = 0, pmin = INT64_MAX, pmax = 0, smax = 0;
    int P = r->P;
    for (int rk = 0; rk < P; rk++) {
        const sl_stmt_fig *g = &r->ranks[rk];
        shuf += g->bytes_sent;
        spill += g->spill_bytes;
        smax = g->bytes_sent > smax ? g->bytes_sent : smax;
        pmin = g->peak_rss < pmin ? g->peak_rss : pmin;
        pmax = g->peak_rss > pmax ? g->peak_rss : pmax;
    }
    char a[32], c[32], d[32], e[32], f[32];
    sl_buf_printf(&b, "Exchanged: %s in total (max %s sent by one rank); spilled: %s; "
                  "peak RSS per rank: min %s max %s\n", sl_obs_size(shuf, a, sizeof a),
                  sl_obs_size(smax, c, sizeof c), sl_obs_size(spill, d, sizeof d),
                  sl_obs_size(pmin, e, sizeof e), sl_obs_size(pmax, f, sizeof f));
    return sl_buf_take(&b);
}
