/*
 * Rank-local spill directory and files; see spill.h. Local unless noted.
 *
 * Why unlink right after open: a rank that dies (MPI_Abort from the OOM handler, a kill by
 * the scheduler) runs no cleanup code, and stale multi-GB spill files in a shared /tmp are
 * exactly what users of other engines complain about. An unlinked file costs the same I/O.
 */
#include "spill/spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/fault.h"
#include "core/retry.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/size.h"

struct sl_spill {
    int rank;
    char *base;         /* explicit base (option / SET), NULL = default chain */
    char *dir;          /* this rank's job directory once created */
    int seq;
};

struct sl_spill_file {
    sl_ctx *ctx;
    int fd;
    int64_t size;
};

/* Directories of live spill states, removed at exit by a process that never ended its
 * sessions (the only process-wide spill state: a safety net, not a setting). */
#define MAX_LIVE 64
static sl_spill *g_live[MAX_LIVE];
static bool g_atexit;

static void at_exit(void)
{
    for (int i = 0; i < MAX_LIVE; i++)
        if (g_live[i])
            sl_spill_cleanup(g_live[i]);
}

sl_spill *sl_spill_new(int rank)
{
    sl_spill *sp = sl_xcalloc(1, sizeof *sp);
    sp->rank = rank;
    return sp;
}

void sl_spill_free(sl_spill **ps)
{
    if (!ps || !*ps)
        return;
    sl_spill_cleanup(*ps);
    sl_free((*ps)->base);
    sl_free(*ps);
    *ps = NULL;
}

void sl_spill_set_base(sl_spill *sp, const char *dir)
{
    sl_free(sp->base);
    sp->base = dir && *dir ? sl_xstrdup(dir) : NULL;
}

const char *sl_spill_base(const sl_spill *sp)
{
    if (sp->base)
        return sp->base;
    const char *e = getenv("SLURM_TMPDIR");
    if (e && *e)
        return e;
    e = getenv("TMPDIR");
    if (e && *e)
        return e;
    return "/tmp";
}

static void fmt(int64_t n, char *buf) { sl_format_size(n, buf, 32); }

int sl_spill_check_space(const sl_ctx *ctx, int64_t need, const char *what, sl_err *err)
{
    const sl_spill *sp = ctx->spill;
    const char *dir = sp->dir ? sp->dir : sl_spill_base(sp);
    struct statvfs sv;
    if (need <= 0 || statvfs(dir, &sv) != 0)
        return 0;
    int64_t avail = (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
    if (avail >= need)
        return 0;
    char a[32], b[32];
    fmt(need, a);
    fmt(avail, b);
    return SL_ERR(err, SL_ENOSPC, "rank %d: not enough space to spill %s in '%s': needs %s "
                  "(%lld bytes), %s (%lld bytes) available (use --spill-dir or SET spill_dir "
                  "to point at a larger local disk, or raise --memory-limit)", sp->rank, what,
                  dir, a, (long long)need, b, (long long)avail);
}

static int ensure_dir(sl_spill *sp, sl_err *err)
{
    if (sp->dir)
        return 0;
    const char *base = sl_spill_base(sp);
    if (sl_fs_mkdir_p(base, err))
        return err->code;
    const char *job = getenv("SLURM_JOB_ID");
    char name[128];
    snprintf(name, sizeof name, "sluice-%s%sr%d-XXXXXX", job ? job : "", job ? "-" : "",
             sp->rank);
    char *path = sl_fs_join(base, name);
    /* mkdtemp creates the directory with mode 0700: private to the user. */
    if (!mkdtemp(path)) {
        int e = errno;
        sl_free(path);
        return SL_ERR(err, sl_fs_errno_code(e), "rank %d: cannot create spill directory in "
                      "'%s': %s (use --spill-dir or SET spill_dir)", sp->rank, base,
                      strerror(e));
    }
    sp->dir = path;
    for (int i = 0; i < MAX_LIVE; i++)
        if (!g_live[i]) {
            g_live[i] = sp;
            break;
        }
    if (!g_atexit) {
        atexit(at_exit);
        g_atexit = true;
    }
    return 0;
}

int sl_spill_file_new(sl_ctx *ctx, sl_spill_file **out, sl_err *err)
{
    *out = NULL;
    sl_spill *sp = ctx->spill;
    if (ensure_dir(sp, err))
        return err->code;
    char name[32];
    snprintf(name, sizeof name, "spill-%06d.bin", sp->seq++);
    char *path = sl_fs_join(sp->dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        SL_ERR(err, sl_fs_errno_code(e), "rank %d: cannot create spill file '%s': %s",
               sp->rank, path, strerror(e));
        sl_free(path);
        return err->code;
    }
    unlink(path);
    sl_free(path);
    sl_spill_file *f = sl_xcalloc(1, sizeof *f);
    f->ctx = ctx;
    f->fd = fd;
    *out = f;
    return 0;
}

int sl_spill_file_append(sl_spill_file *f, const void *p, int64_t n, sl_err *err)
{
    /* Appends go through write(2) at the descriptor's own offset, which only appends move
     * (reads use pread), with the retry and fault hooks of core/retry.h. */
    sl_err tmp;
    sl_err_clear(&tmp);
    long long fail_after = sl_fault_spill_limit();   /* -1 unless a fault-injection build */
    sl_spill *sp = f->ctx->spill;
    if (fail_after >= 0 && f->ctx->ctr.spill_bytes_written + n > fail_after)
        SL_ERR(&tmp, SL_ENOSPC, "No space left on device (injected: SLUICE_SPILL_ENOSPC_AFTER)");
    else
        sl_retry_write_all(f->fd, p, (size_t)n, "spill file", &tmp);
    if (tmp.code) {
        char a[32];
        fmt(n, a);
        struct statvfs sv;
        long long avail = -1;
        if (statvfs(sp->dir, &sv) == 0)
            avail = (long long)sv.f_bavail * (long long)sv.f_frsize;
        return SL_ERR(err, tmp.code, "rank %d: cannot write %s to spill directory '%s' (%lld "
                      "bytes available): %s (use --spill-dir or SET spill_dir to point at a "
                      "larger local disk, or raise --memory-limit)", sp->rank, a, sp->dir, avail,
                      tmp.msg);
    }
    f->size += n;
    f->ctx->ctr.spill_bytes_written += n;
    return 0;
}

int sl_spill_file_read(sl_spill_file *f, int64_t off, void *p, int64_t n, sl_err *err)
{
    int64_t got = 0;
    sl_err tmp;
    sl_err_clear(&tmp);
    if (sl_retry_pread(f->fd, p, (size_t)n, off, &got, "spill file", &tmp) || got != n)
        return SL_ERR(err, tmp.code ? tmp.code : SL_EINTERNAL, "rank %d: cannot read spill "
                      "file in '%s' at byte %lld: %s", f->ctx->spill->rank,
                      f->ctx->spill->dir ? f->ctx->spill->dir : "?",
                      (long long)off, tmp.code ? tmp.msg : "unexpected end of file");
    f->ctx->ctr.spill_bytes_read += n;
    return 0;
}
int64_t sl_spill_file_size(const sl_spill_file *f) { return f->size; }

void sl_spill_file_free(sl_spill_file **pf)
{
    if (!pf || !*pf)
        return;
    close((*pf)->fd);
    sl_free(*pf);
    *pf = NULL;
}

void sl_spill_cleanup(sl_spill *sp)
{
    if (!sp || !sp->dir)
        return;
    sl_fs_rm_rf(sp->dir);
    sl_free(sp->dir);
    sp->dir = NULL;
    for (int i = 0; i < MAX_LIVE; i++)
        if (g_live[i] == sp)
            g_live[i] = NULL;
}

void sl_spill_report(const sl_ctx *ctx, MPI_Comm comm, int verbose)
{
    long long mine[2] = {ctx->ctr.spill_bytes_written, ctx->ctr.spill_bytes_read};
    long long sum[2], max[2];
    MPI_Reduce(mine, sum, 2, MPI_LONG_LONG, MPI_SUM, 0, comm);
    MPI_Reduce(mine, max, 2, MPI_LONG_LONG, MPI_MAX, 0, comm);
    int rank;
    MPI_Comm_rank(comm, &rank);
    if (!verbose || rank != 0)
        return;
    char a[32], b[32], c[32];
    fmt(sum[0], a);
    fmt(sum[1], b);
    fmt(max[0], c);
    fprintf(stderr, "sluice: spill: %lld bytes written (%s), %lld bytes read (%s) over all "
            "ranks; max written by one rank %lld (%s)\n", sum[0], a, sum[1], b, max[0], c);
}
