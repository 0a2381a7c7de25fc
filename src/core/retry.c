/*
 * Bounded exponential backoff for transient I/O errors; see retry.h. The fault hooks sit
 * right before each system call, so an injected errno takes exactly the path a real one
 * would. Local.
 */
#include "core/retry.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/fault.h"
#include "core/fsutil.h"
#include "core/signals.h"

/* The rank for log lines; err.c stamps errors itself, warnings have no record. */
static int log_rank(void)
{
    sl_err e;
    sl_err_clear(&e);
    SL_ERR(&e, SL_EIO, "-");
    return e.rank;
}

int sl_retry_transient(int e)
{
    return e == EINTR || e == EAGAIN || e == EWOULDBLOCK || e == EIO || e == ESTALE;
}

/* Sleeps ms milliseconds in 10 ms slices, returning early when a stop signal arrives. */
static void backoff_sleep(int ms)
{
    while (ms > 0 && !sl_signals_pending()) {
        int step = ms < 10 ? ms : 10;
        struct timespec ts = { 0, (long)step * 1000000L };
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/*
 * Decides after failed attempt number `attempt` (1-based) with errno e: returns true to try
 * again (after logging and sleeping), false to give up.
 */
static bool again(int attempt, int e, const char *op, const char *what, int64_t off)
{
    if (!sl_retry_transient(e) || attempt >= SL_RETRY_TRIES || sl_signals_pending())
        return false;
    int ms = SL_RETRY_FIRST_MS << (attempt - 1);
    if (ms > SL_RETRY_MAX_MS)
        ms = SL_RETRY_MAX_MS;
    if (off >= 0)
        fprintf(stderr, "sluice (rank %d): warning: %s '%s' at byte %lld: %s (transient); "
                "retry %d of %d in %d ms\n", log_rank(), op, what, (long long)off, strerror(e),
                attempt, SL_RETRY_TRIES - 1, ms);
    else
        fprintf(stderr, "sluice (rank %d): warning: %s '%s': %s (transient); retry %d of %d "
                "in %d ms\n", log_rank(), op, what, strerror(e), attempt, SL_RETRY_TRIES - 1,
                ms);
    backoff_sleep(ms);
    return true;
}

/* " (injected by SLUICE_FAULT=...)" when the last failure was injected, else "". */
static const char *inj_note(bool injected, char *buf, size_t n)
{
    if (!injected)
        return "";
    snprintf(buf, n, " (injected by SLUICE_FAULT=%s)", sl_fault_last());
    return buf;
}

int sl_retry_pread(int fd, void *buf, size_t n, int64_t off, int64_t *got, const char *what,
                   sl_err *err)
{
    char *p = buf;
    size_t done = 0;
    int attempt = 0;
    *got = 0;
    while (done < n) {
        int f = sl_fault_hit(SL_FAULT_READ);
        if (f == SL_FAULT_FAIL)
            return SL_ERR(err, SL_EIO, "read_csv: cannot read '%s' at byte %lld: injected "
                          "fault (SLUICE_FAULT=%s)", what, (long long)(off + (int64_t)done),
                          sl_fault_last());
        ssize_t r;
        if (f > 0) {
            r = -1;
            errno = f;
        } else {
            r = pread(fd, p + done, n - done, (off_t)(off + (int64_t)done));
        }
        if (r < 0) {
            int e = errno;
            attempt++;
            if (again(attempt, e, "read", what, off + (int64_t)done))
                continue;
            if (sl_retry_transient(e) && sl_signals_pending())
                return sl_signals_check(err);   /* stopped waiting: report the real cause */
            char note[128];
            return SL_ERR(err, sl_fs_errno_code(e), "read_csv: cannot read '%s' at byte %lld: "
                          "%s%s%s", what, (long long)(off + (int64_t)done), strerror(e),
                          sl_retry_transient(e) && attempt >= SL_RETRY_TRIES
                              ? " (gave up after 5 tries)" : "",
                          inj_note(f > 0, note, sizeof note));
        }
        if (r == 0)
            break;              /* end of file: the caller decides whether that is an error */
        done += (size_t)r;
        attempt = 0;            /* progress: a later failure gets a fresh budget */
    }
    *got = (int64_t)done;
    return 0;
}

int sl_retry_write_all(int fd, const void *p, size_t n, const char *path, sl_err *err)
{
    const char *c = p;
    int attempt = 0;
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
            attempt++;
            if (again(attempt, e, "write", path, -1))
                continue;
            if (sl_retry_transient(e) && sl_signals_pending())
                return sl_signals_check(err);
            char note[128];
            return SL_ERR(err, sl_fs_errno_code(e), "cannot write '%s': %s%s%s", path,
                          strerror(e),
                          sl_retry_transient(e) && attempt >= SL_RETRY_TRIES
                              ? " (gave up after 5 tries)" : "",
                          inj_note(f > 0, note, sizeof note));
        }
        if (w == 0) {
            /* Should not happen for regular files; count it as a failed attempt, never spin. */
            attempt++;
            if (again(attempt, EAGAIN, "write", path, -1))
                continue;
            return SL_ERR(err, SL_EIO, "cannot write '%s': write returned 0", path);
        }
        c += w;
        n -= (size_t)w;
        attempt = 0;
    }
    return 0;
}
