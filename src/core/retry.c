/*
 * Exponential backoff for transient I/O errors within a retry time; see retry.h. The fault
 * hooks sit right before each system call, so an injected errno takes exactly the path a real
 * one would. Local.
 */
#include "core/retry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fault.h"
#include "core/fsutil.h"
#include "core/signals.h"

static int64_t g_retry_ms = SL_RETRY_DEFAULT_MS;

/* The rank for log lines; err.c stamps errors itself, warnings have no record. */
static int log_rank(void)
{
    sl_err e;
    sl_err_clear(&e);
    SL_ERR(&e, SL_EIO, "-");
    return e.rank;
}

/* Parses decimal seconds ("30", "2.5", "0") into *ms; false when not that. */
static bool parse_seconds(const char *s, int64_t *ms)
{
    if (!s || !*s || !((*s >= '0' && *s <= '9') || *s == '.'))
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !(v >= 0) || v * 1000 > (double)SL_RETRY_LIMIT_MS)
        return false;
    *ms = (int64_t)(v * 1000 + 0.5);
    return true;
}

int sl_retry_configure(const char *option, sl_err *err)
{
    const char *env = getenv("SLUICE_IO_RETRY_SECONDS");
    int64_t ms = SL_RETRY_DEFAULT_MS;
    if (option) {
        if (!parse_seconds(option, &ms))
            return SL_ERR(err, SL_EUSAGE, "--io-retry-time: bad time '%s' (seconds, e.g. 30, "
                          "2.5 or 0 for no retries; at most 86400)", option);
    } else if (env && *env) {
        if (!parse_seconds(env, &ms))
            return SL_ERR(err, SL_EUSAGE, "SLUICE_IO_RETRY_SECONDS: bad time '%s' (seconds, "
                          "e.g. 30, 2.5 or 0 for no retries; at most 86400)", env);
    }
    g_retry_ms = ms;
    return 0;
}

void sl_retry_set_ms(int64_t ms) { g_retry_ms = ms < 0 ? 0 : ms; }
int64_t sl_retry_ms(void) { return g_retry_ms; }

int sl_retry_transient(int e)
{
    return e == EINTR || e == EAGAIN || e == EWOULDBLOCK || e == EIO || e == ETIMEDOUT;
}

/* Writes retry only what says "nothing happened, try again"; see retry.h for EIO. */
static bool write_transient(int e) { return e == EINTR || e == EAGAIN || e == EWOULDBLOCK; }

/* "30 s", "2.55 s", "0.01 s": a millisecond count for messages. */
static const char *secs(int64_t ms, char *buf, size_t n)
{
    snprintf(buf, n, "%g s", (double)ms / 1000.0);
    return buf;
}

/* Sleeps ms milliseconds in 10 ms slices, returning early when a stop signal arrives. */
static void backoff_sleep(int64_t ms)
{
    while (ms > 0 && !sl_signals_pending()) {
        int64_t step = ms < 10 ? ms : 10;
        struct timespec ts = { 0, (long)step * 1000000L };
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* The failures of one operation since it last moved a byte, and the backoff slept for them. */
typedef struct {
    int tries;
    int64_t slept_ms;
} backoff;

/*
 * Counts one failed attempt with errno e (already known to be worth retrying): returns true to
 * try again (after logging and sleeping), false when the retry time is spent or a stop signal
 * is pending. note is appended to the log line (", reopening the file" or "").
 */
static bool again(backoff *b, int e, const char *op, const char *what, int64_t off,
                  const char *note)
{
    b->tries++;
    int64_t left = g_retry_ms - b->slept_ms;
    if (left <= 0 || sl_signals_pending())
        return false;
    int64_t ms = SL_RETRY_MAX_SLEEP_MS;
    if (b->tries - 1 < 20 && ((int64_t)SL_RETRY_FIRST_MS << (b->tries - 1)) < ms)
        ms = (int64_t)SL_RETRY_FIRST_MS << (b->tries - 1);
    if (ms > left)
        ms = left;      /* the last sleep fills the retry time exactly */
    char at[48] = "", total[32];
    if (off >= 0)
        snprintf(at, sizeof at, " at byte %lld", (long long)off);
    fprintf(stderr, "sluice (rank %d): warning: %s '%s'%s: %s (transient); retry %d in %lld ms"
            "%s (retry time %s, %lld ms used)\n", log_rank(), op, what, at, strerror(e),
            b->tries, (long long)ms, note, secs(g_retry_ms, total, sizeof total),
            (long long)b->slept_ms);
    backoff_sleep(ms);
    b->slept_ms += ms;
    return true;
}

/* Why a transient error became final, for the message: "" when it was never transient. */
static const char *gave_up(const backoff *b, bool transient, char *buf, size_t n)
{
    char t[32];
    if (!transient)
        return "";
    if (g_retry_ms <= 0)
        snprintf(buf, n, " (not retried: the retry time is 0)");
    else
        snprintf(buf, n, " (gave up after %d tries in %s; --io-retry-time or "
                 "SLUICE_IO_RETRY_SECONDS sets how long to retry)", b->tries,
                 secs(b->slept_ms, t, sizeof t));
    return buf;
}

/* " (injected by SLUICE_FAULT=...)" when the last failure was injected, else "". */
static const char *inj_note(bool injected, char *buf, size_t n)
{
    if (!injected)
        return "";
    snprintf(buf, n, " (injected by SLUICE_FAULT=%s)", sl_fault_last());
    return buf;
}

/* The "who: " that starts a read error (the reader's name, e.g. a table function), or "". */
#define WHO(id) ((id) && (id)->who ? (id)->who : ""), ((id) && (id)->who ? ": " : "")

/*
 * Replaces the stale *fd by a new descriptor for id->path. Returns 0 with *e = 0 on success,
 * 0 with *e = errno when opening failed in a way worth retrying, or an error code (recorded in
 * err) when the path is gone or names another file now.
 */
static int reopen(int *fd, const sl_retry_file *id, int *e, sl_err *err)
{
    *e = 0;
    int nfd = open(id->path, O_RDONLY | O_CLOEXEC);
    if (nfd < 0) {
        int oe = errno;
        if (sl_retry_transient(oe) || oe == ESTALE) {
            *e = oe;
            return 0;
        }
        return SL_ERR(err, oe == ENOENT ? SL_ENOENT : SL_EIO, "%s%scannot reopen '%s' "
                      "after a stale file handle (ESTALE): %s", WHO(id), id->path,
                      strerror(oe));
    }
    struct stat st;
    if (fstat(nfd, &st) != 0) {
        *e = errno;
        close(nfd);
        return 0;
    }
    if ((int64_t)st.st_ino != id->ino || (int64_t)st.st_size != id->size) {
        close(nfd);
        return SL_ERR(err, SL_EIO, "%s%s'%s' was replaced during the job (stale file "
                      "handle; the path now names a file of %lld bytes, inode %lld, not the "
                      "%lld bytes, inode %lld planned with): rerun the job", WHO(id), id->path,
                      (long long)st.st_size, (long long)st.st_ino, (long long)id->size,
                      (long long)id->ino);
    }
    close(*fd);     /* only now: a failed reopen keeps a descriptor the caller can close */
    *fd = nfd;
    return 0;
}

/* The pread loop behind both read entry points; id NULL = no path, ESTALE is final. */
static int pread_loop(int *fd, const sl_retry_file *id, void *buf, size_t n, int64_t off,
                      int64_t *got, const char *what, sl_err *err)
{
    char *p = buf;
    size_t done = 0;
    backoff b = { 0, 0 };
    bool stale = false;     /* *fd got ESTALE: reopen before reading again */
    *got = 0;
    while (done < n) {
        int64_t at = off + (int64_t)done;
        int e = 0, f = 0;
        if (stale) {
            int rc = reopen(fd, id, &e, err);
            if (rc)
                return rc;
            stale = e != 0;
        }
        ssize_t r = -1;
        if (!stale) {
            f = sl_fault_hit(SL_FAULT_READ);
            if (f == SL_FAULT_FAIL)
                return SL_ERR(err, SL_EIO, "%s%scannot read '%s' at byte %lld: injected "
                              "fault (SLUICE_FAULT=%s)", WHO(id), what, (long long)at,
                              sl_fault_last());
            if (f > 0)
                e = f;
            else if ((r = pread(*fd, p + done, n - done, (off_t)at)) < 0)
                e = errno;
        }
        if (e) {
            char note[128], why[256];
            if (e == ESTALE && id) {
                stale = true;
            } else if (e == ESTALE) {
                return SL_ERR(err, SL_EIO, "%s%scannot read '%s' at byte %lld: %s (not "
                              "retried: a stale file handle does not heal and this file cannot "
                              "be reopened)%s", WHO(id), what, (long long)at, strerror(e),
                              inj_note(f > 0, note, sizeof note));
            }
            bool transient = stale || sl_retry_transient(e);
            if (transient && again(&b, e, "read", what, at, stale ? ", reopening the file" : ""))
                continue;
            if (transient && sl_signals_pending())
                return sl_signals_check(err);   /* stopped waiting: report the real cause */
            return SL_ERR(err, sl_fs_errno_code(e), "%s%scannot read '%s' at byte %lld: "
                          "%s%s%s", WHO(id), what, (long long)at, strerror(e),
                          gave_up(&b, transient, why, sizeof why),
                          inj_note(f > 0, note, sizeof note));
        }
        if (r == 0)
            break;              /* end of file: the caller decides whether that is an error */
        done += (size_t)r;
        b = (backoff){ 0, 0 };  /* progress: a later failure gets a fresh retry time */
    }
    *got = (int64_t)done;
    return 0;
}

int sl_retry_pread(int fd, void *buf, size_t n, int64_t off, int64_t *got, const char *what,
                   sl_err *err)
{
    return pread_loop(&fd, NULL, buf, n, off, got, what, err);
}

int sl_retry_pread_reopen(int *fd, const sl_retry_file *id, void *buf, size_t n, int64_t off,
                          int64_t *got, sl_err *err)
{
    return pread_loop(fd, id, buf, n, off, got, id->path, err);
}

int sl_retry_write_all(int fd, const void *p, size_t n, const char *path, sl_err *err)
{
    const char *c = p;
    backoff b = { 0, 0 };
    while (n > 0) {
        int f = sl_fault_hit(SL_FAULT_WRITE);
        if (f == SL_FAULT_FAIL)
            return SL_ERR(err, SL_EIO, "cannot write '%s': injected fault (SLUICE_FAULT=%s)",
                          path, sl_fault_last());
        ssize_t w;
        if (f > 0) {
            w = -1;
            errno = f;
        } else {
            w = write(fd, c, n);
        }
        if (w < 0) {
            int e = errno;
            bool transient = write_transient(e);
            if (transient && again(&b, e, "write", path, -1, ""))
                continue;
            if (transient && sl_signals_pending())
                return sl_signals_check(err);
            char note[128], why[256];
            const char *hint = "";
            if (e == EIO)
                hint = " (not retried: a failed write may mean data written before is lost; "
                       "check the device or file system)";
            else if (e == ESTALE)
                hint = " (not retried: a stale file handle does not heal)";
            return SL_ERR(err, sl_fs_errno_code(e), "cannot write '%s': %s%s%s%s", path,
                          strerror(e), hint, gave_up(&b, transient, why, sizeof why),
                          inj_note(f > 0, note, sizeof note));
        }
        if (w == 0) {
            /* Should not happen for regular files; count it as a failed attempt, never spin. */
            if (again(&b, EAGAIN, "write", path, -1, ""))
                continue;
            return SL_ERR(err, SL_EIO, "cannot write '%s': write returned 0", path);
        }
        c += w;
        n -= (size_t)w;
        b = (backoff){ 0, 0 };
    }
    return 0;
}
