/*
 * Bad rows of read_csv(on_error='skip'|'reject'): the per-rank rejects writer, the agreement
 * on max_rejects at the end of a scan, and the merge of the rank part files into the one
 * rejects file at the end of a statement.
 *
 * Invariant that makes the merged file deterministic: ranks own contiguous runs of the input
 * in global order (file, then byte offset; csv_split.c) and each rank walks its records in
 * that order, so concatenating the part files in rank order gives the bad records sorted by
 * file and byte, identical at every rank count and block size.
 *
 * The writer is Local; sl_csv_scan_check_rejects is Collective; sl_csv_rejects_finish is
 * called on every rank after an agreement point and only rank 0 works (the part files are on
 * the shared file system, as COPY's part files are).
 */
#include "io/csv_reject.h"
#include "io/io_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/mem.h"

#define FLUSH_BYTES (64 * 1024)
#define REJECTS_HEADER "file,line,byte,column,reason,raw\n"

struct sl_csv_rejw {
    int fd;
    char *path;   /* the part file (owned) */
    sl_buf buf;   /* records not yet written */
};

char *sl_csv_rejects_part(const char *path, int rank)
{
    return sl_xasprintf("%s.sluice-tmp-rank%d", path, rank);
}

int sl_csv_rejw_open(const char *path, int rank, sl_csv_rejw **out, sl_err *err)
{
    *out = NULL;
    char *part = sl_csv_rejects_part(path, rank);
    int fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        SL_ERR(err, sl_fs_errno_code(e), "read_csv: cannot write the rejects file '%s' (%s)",
               part, strerror(e));
        sl_free(part);
        return err->code;
    }
    sl_csv_rejw *w = sl_xcalloc(1, sizeof *w);
    w->fd = fd;
    w->path = part;
    sl_buf_init(&w->buf);
    *out = w;
    return 0;
}

static int flush(sl_csv_rejw *w, sl_err *err)
{
    int rc = 0;
    if (w->buf.len > 0)
        rc = sl_fs_write_all(w->fd, w->buf.data, (size_t)w->buf.len, w->path, err);
    sl_buf_reset(&w->buf);
    return rc;
}

int sl_csv_rejw_add(sl_csv_rejw *w, const char *file, int64_t line, int64_t byte,
                    const char *column, const char *reason, const char *raw, int64_t raw_len,
                    sl_err *err)
{
    sl_buf *b = &w->buf;
    sl_csv_format_field(b, file, (int64_t)strlen(file), ',');
    sl_buf_printf(b, ",%lld,%lld,", (long long)line, (long long)byte);
    sl_csv_format_field(b, column, (int64_t)strlen(column), ',');
    sl_buf_putc(b, ',');
    sl_csv_format_field(b, reason, (int64_t)strlen(reason), ',');
    sl_buf_putc(b, ',');
    sl_csv_format_field(b, raw, raw_len, ',');
    sl_buf_putc(b, '\n');
    return b->len >= FLUSH_BYTES ? flush(w, err) : 0;
}

int sl_csv_rejw_close(sl_csv_rejw **pw, sl_err *err)
{
    sl_csv_rejw *w = *pw;
    if (!w)
        return 0;
    sl_err ignored;
    sl_err_clear(&ignored);
    sl_err *e = err ? err : &ignored;
    int rc = flush(w, e);
    if (close(w->fd) != 0 && !rc) {
        int en = errno;
        rc = SL_ERR(e, sl_fs_errno_code(en), "read_csv: cannot write the rejects file '%s' (%s)",
                    w->path, strerror(en));
    }
    sl_buf_free(&w->buf);
    sl_free(w->path);
    sl_free(w);
    *pw = NULL;
    return err ? rc : 0;
}

/* ---- max_rejects (Collective) ---- */

int sl_csv_scan_check_rejects(MPI_Comm comm, sl_csv_source *s, const sl_csv_scan *sc,
                              sl_err *err)
{
    /* on_error is part of the bound plan, the same on every rank: all or none reduce. */
    if (s->on_error == SL_ON_ERROR_FAIL)
        return err->code;
    int64_t mine[2] = {0, 0}, tot[2];
    if (sc) {
        mine[0] = sl_csv_scan_rejected(sc);
        mine[1] = sl_csv_scan_rows(sc) + mine[0];
    }
    MPI_Allreduce(mine, tot, 2, MPI_INT64_T, MPI_SUM, comm);
    char limit[128];
    bool over = false;
    if (s->max_rejects >= 0 && tot[0] > s->max_rejects) {
        over = true;
        snprintf(limit, sizeof limit, "%lld", (long long)s->max_rejects);
    } else if (s->max_rejects_pct >= 0 &&
               (double)tot[0] * 100.0 > s->max_rejects_pct * (double)tot[1]) {
        over = true;
        snprintf(limit, sizeof limit, "%g%% of %lld rows read", s->max_rejects_pct,
                 (long long)tot[1]);
    }
    /* Every rank with bad rows records the error; agreement keeps the lowest rank's, whose
     * first bad row is the first in the input (ranks own the input in order). */
    if (over && mine[0] > 0)
        SL_ERR(err, SL_EDATA, "too many rejected rows: %lld > max_rejects %s (first: %s)",
               (long long)tot[0], limit, sl_csv_scan_first_reject(sc));
    return err->code;
}

/* ---- merge (rank 0) ---- */

static int copy_part(int out, const char *tmp, const char *part, char *buf, size_t cap,
                     sl_err *err)
{
    int in = open(part, O_RDONLY | O_CLOEXEC);
    if (in < 0) /* a rank whose scan never opened a part had no bad rows to give */
        return errno == ENOENT ? 0 : SL_ERR(err, SL_EIO, "cannot read rejects part '%s' (%s)",
                                            part, strerror(errno));
    int rc = 0;
    for (;;) {
        ssize_t n = read(in, buf, cap);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = SL_ERR(err, SL_EIO, "cannot read rejects part '%s' (%s)", part,
                        strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if ((rc = sl_fs_write_all(out, buf, (size_t)n, tmp, err)))
            break;
    }
    close(in);
    return rc;
}

static int merge(const char *path, int size, sl_err *err)
{
    char *tmp = sl_xasprintf("%s.sluice-tmp-merge", path);
    int rc = 0;
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (out < 0) {
        rc = SL_ERR(err, sl_fs_errno_code(errno), "cannot write the rejects file '%s' (%s)",
                    tmp, strerror(errno));
    } else {
        size_t cap = 1 << 20;
        char *buf = sl_xmalloc(cap);
        rc = sl_fs_write_all(out, REJECTS_HEADER, strlen(REJECTS_HEADER), tmp, err);
        for (int r = 0; r < size && !rc; r++) {
            char *part = sl_csv_rejects_part(path, r);
            rc = copy_part(out, tmp, part, buf, cap, err);
            sl_free(part);
        }
        sl_free(buf);
        if (!rc)
            rc = sl_fs_fsync(out, tmp, err);
        if (close(out) != 0 && !rc)
            rc = SL_ERR(err, sl_fs_errno_code(errno), "cannot write the rejects file '%s' (%s)",
                        tmp, strerror(errno));
        /* Readers see the old file or the whole new one, never a half-merged one. */
        if (!rc && rename(tmp, path) != 0)
            rc = SL_ERR(err, sl_fs_errno_code(errno), "cannot rename '%s' to '%s' (%s)", tmp,
                        path, strerror(errno));
    }
    if (rc)
        unlink(tmp);
    sl_free(tmp);
    for (int r = 0; r < size; r++) {
        char *part = sl_csv_rejects_part(path, r);
        unlink(part);
        sl_free(part);
    }
    return rc;
}

int sl_csv_rejects_finish(MPI_Comm comm, sl_csv_source *s, sl_err *err)
{
    if (!s || !s->rejects || !s->rejects_used)
        return 0;
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    s->rejects_used = false;
    if (rank != 0)
        return 0;
    /* An error already recorded (the statement failed) stays first; the rejects found so
     * far are still merged: they are what the user needs to see. */
    sl_err mine;
    sl_err_clear(&mine);
    int rc = merge(s->rejects, size, &mine);
    if (rc)
        SL_ERR(err, rc, "%s", mine.msg);
    return rc;
}
