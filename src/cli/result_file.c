/*
 * --output FILE (issue 14): rank 0 writes the job's printed results into FILE itself. Under
 * mpirun, rank 0's standard output is a pipe that mpirun forwards to its own, which costs more
 * than the query for a large result (q10's 485 MB of CSV: 1.31x DuckDB printed, 0.63x written
 * by COPY), and a shell redirection of a job that fails half way leaves a file that looks
 * complete up to where it stopped. Here the text goes to FILE.sluice-tmp-PID in FILE's
 * directory (so the rename cannot cross file systems) and replaces FILE, flushed and
 * fsynced, only after the whole job succeeded; after a failure, an interrupt or a write error
 * (a full disk: every fwrite error is sticky in ferror and found here) the temporary file is
 * removed and FILE is as it was. FILE must be a regular file or not exist: a directory, a
 * device or a FIFO is refused up front (there is no output to replace atomically).
 */
#include "cli/result_file.h"

#include <mpi.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fsutil.h"
#include "core/mem.h"

/* Rank 0's outcome, handed to every rank: the exit status and the message. */
typedef struct {
    int status;
    char msg[480];
} outcome;

static int share(outcome *o, char *why, size_t why_n)
{
    MPI_Bcast(o, (int)sizeof *o, MPI_BYTE, 0, MPI_COMM_WORLD);
    if (o->status)
        snprintf(why, why_n, "%s", o->msg);
    return o->status;
}

static int rank0(void)
{
    int r;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r == 0;
}

int sl_result_file_open(const char *path, sl_result_file *rf, char *why, size_t why_n)
{
    memset(rf, 0, sizeof *rf);
    outcome o = { 0, "" };
    if (rank0()) {
        struct stat sb;
        if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
            o.status = 2;
            snprintf(o.msg, sizeof o.msg, "--output '%s' is %s, not a regular file", path,
                     S_ISDIR(sb.st_mode) ? "a directory" : "a device, FIFO or socket");
        } else {
            size_t n = strlen(path) + 48;
            rf->tmp = sl_xmalloc(n);
            snprintf(rf->tmp, n, "%s.sluice-tmp-%ld", path, (long)getpid());
            int fd = open(rf->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (fd < 0 || !(rf->f = fdopen(fd, "w"))) {
                o.status = sl_fs_errno_code(errno) == SL_ENOSPC ? 7 : 4;
                snprintf(o.msg, sizeof o.msg, "--output '%s': cannot create '%s': %s", path,
                         rf->tmp, strerror(errno));
                if (fd >= 0) {
                    close(fd);
                    unlink(rf->tmp);
                }
                sl_free(rf->tmp);
                rf->tmp = NULL;
            }
        }
    }
    if (share(&o, why, why_n))
        return o.status;
    rf->path = sl_xstrdup(path);
    return 0;
}

/* Rank 0: makes tmp complete and durable, then renames it onto path. */
static void commit(sl_result_file *rf, outcome *o)
{
    int e = 0;
    if (fflush(rf->f) != 0 || ferror(rf->f))
        e = errno ? errno : EIO;
    sl_err err;
    sl_err_clear(&err);
    if (!e && sl_fs_fsync(fileno(rf->f), rf->tmp, &err))
        e = errno ? errno : EIO;
    if (fclose(rf->f) != 0 && !e)
        e = errno ? errno : EIO;
    rf->f = NULL;
    if (!e && rename(rf->tmp, rf->path) != 0)
        e = errno;
    if (e) {
        o->status = sl_fs_errno_code(e) == SL_ENOSPC ? 7 : 4;
        snprintf(o->msg, sizeof o->msg,
                 "--output '%s': cannot write the results: %s (the file was not changed)",
                 rf->path, strerror(e));
        unlink(rf->tmp);
        return;
    }
    char *dir = sl_fs_parent(rf->path);
    if (sl_fs_fsync_dir(dir, &err)) {
        o->status = 4;
        snprintf(o->msg, sizeof o->msg, "--output '%s': %.300s", rf->path, err.msg);
    }
    sl_free(dir);
}

int sl_result_file_close(sl_result_file *rf, bool job_ok, char *why, size_t why_n)
{
    outcome o = { 0, "" };
    if (rf->f) {
        if (job_ok) {
            commit(rf, &o);
        } else {
            fclose(rf->f);
            rf->f = NULL;
            unlink(rf->tmp);
        }
    }
    sl_free(rf->tmp);
    sl_free(rf->path);
    memset(rf, 0, sizeof *rf);
    return share(&o, why, why_n);
}
