/*
 * SLUICE_FAULT parsing and counting (core/fault.c), the retry loops (core/retry.c) with
 * injected errnos on a real temporary file, and the stop-signal flag (core/signals.c).
 * Expected values are hand-computed from the spec in fault.h / retry.h. No MPI needed.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "core/fault.h"
#include "core/retry.h"
#include "core/signals.h"

static int configure(const char *spec, int rank)
{
    sl_err err;
    sl_err_clear(&err);
    return sl_fault_configure(spec, rank, &err);
}

static void test_parse(void)
{
    CHECK_INT(configure(NULL, 0), 0);
    CHECK(!sl_fault_armed);
    CHECK_INT(configure("", 0), 0);
    CHECK_INT(configure("read:3", 0), 0);
    CHECK(sl_fault_armed);
    CHECK_INT(configure("read:3@rank1,write:1x2,exchange:7@rank0,alloc:100", 1), 0);
    CHECK_INT(configure("read_eio:2,write_enospc:1,read_estale:1x3@rank12", 0), 0);
    /* Bad entries: unknown kind, errno on a kind without system calls, zero, junk. */
    static const char *bad[] = {"read", "read:", "read:0", "read:-1", "reed:1", "exchange_eio:1",
                                "read_ebogus:1", "read:1x0", "read:1@rank", "read:1@r1",
                                "read:1,", "read:1,,write:1", "read:2junk", "alloc:1@rank-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sl_err err;
        sl_err_clear(&err);
        CHECK_INT(sl_fault_configure(bad[i], 0, &err), SL_EUSAGE);
        CHECK(strstr(err.msg, "SLUICE_FAULT: bad entry") != NULL);
        CHECK(!sl_fault_armed);
    }
}

static void test_counting(void)
{
    /* read:3 on this rank fires on the 3rd read only; the other rank's entry never fires. */
    CHECK_INT(configure("read:3@rank0,write:2x2,read:5@rank1", 0), 0);
    int got[6];
    for (int i = 0; i < 6; i++)
        got[i] = sl_fault_hit(SL_FAULT_READ);
    CHECK_INT(got[0], 0);
    CHECK_INT(got[1], 0);
    CHECK_INT(got[2], SL_FAULT_FAIL);
    CHECK_INT(got[3], 0);
    CHECK_INT(got[4], 0);
    CHECK_STR(sl_fault_last(), "read:3@rank0");
    /* write:2x2 fires on writes 2 and 3; counters are per kind. */
    CHECK_INT(sl_fault_hit(SL_FAULT_WRITE), 0);
    CHECK_INT(sl_fault_hit(SL_FAULT_WRITE), SL_FAULT_FAIL);
    CHECK_INT(sl_fault_hit(SL_FAULT_WRITE), SL_FAULT_FAIL);
    CHECK_INT(sl_fault_hit(SL_FAULT_WRITE), 0);
    CHECK_INT(configure("read_estale:1,write_eagain:2", 3), 0);
    CHECK_INT(sl_fault_hit(SL_FAULT_READ), ESTALE);
    CHECK_INT(sl_fault_hit(SL_FAULT_WRITE), 0);
    CHECK_INT(sl_fault_hit(SL_FAULT_WRITE), EAGAIN);
    CHECK_INT(configure(NULL, 0), 0);
}

static void test_retry(void)
{
    char path[] = "/tmp/sluice-test-fault.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    unlink(path);
    const char text[] = "0123456789abcdef";
    sl_err err;
    sl_err_clear(&err);

    /* Two transient write failures: retried, then everything is written. */
    CHECK_INT(configure("write_eio:1x2", 0), 0);
    CHECK_INT(sl_retry_write_all(fd, text, 16, "t", &err), 0);
    /* Transient read failures (EINTR, EAGAIN, EIO, ESTALE) within the 5 tries succeed. */
    char buf[32];
    int64_t got = -1;
    CHECK_INT(configure("read_eintr:1,read_eagain:2,read_eio:3,read_estale:4", 0), 0);
    CHECK_INT(sl_retry_pread(fd, buf, 10, 3, &got, "t", &err), 0);
    CHECK_INT(got, 10);
    CHECK(memcmp(buf, "3456789abc", 10) == 0);
    /* Reading past the end is a short read, not an error: got < n. */
    CHECK_INT(configure(NULL, 0), 0);
    CHECK_INT(sl_retry_pread(fd, buf, 32, 10, &got, "t", &err), 0);
    CHECK_INT(got, 6);
    /* Five transient failures in a row: the 5th try is final, SL_EIO. */
    CHECK_INT(configure("read_eio:1x5", 0), 0);
    CHECK_INT(sl_retry_pread(fd, buf, 4, 0, &got, "t", &err), SL_EIO);
    CHECK(strstr(err.msg, "gave up after 5 tries") != NULL);
    CHECK(strstr(err.msg, "injected") != NULL);
    /* Permanent errnos fail at once: the second hit of the same entry is never reached. */
    sl_err_clear(&err);
    CHECK_INT(configure("write_enospc:1x2", 0), 0);
    CHECK_INT(sl_retry_write_all(fd, text, 4, "t", &err), SL_ENOSPC);
    CHECK(strstr(err.msg, "No space left") != NULL);
    CHECK_INT(sl_fault_hit(SL_FAULT_WRITE), ENOSPC);   /* write 2: still unused */
    sl_err_clear(&err);
    CHECK_INT(configure("read_eacces:1", 0), 0);
    CHECK_INT(sl_retry_pread(fd, buf, 4, 0, &got, "t", &err), SL_EIO);
    CHECK(strstr(err.msg, "Permission denied") != NULL);
    /* A permanent injected fault. */
    sl_err_clear(&err);
    CHECK_INT(configure("read:1", 0), 0);
    CHECK_INT(sl_retry_pread(fd, buf, 4, 0, &got, "t", &err), SL_EIO);
    CHECK(strstr(err.msg, "injected fault (SLUICE_FAULT=read:1)") != NULL);
    CHECK_INT(configure(NULL, 0), 0);
    close(fd);
}

static void test_signals(void)
{
    sl_signals_install();
    sl_err err;
    sl_err_clear(&err);
    CHECK_INT(sl_signals_check(&err), 0);
    raise(SIGUSR1);
    raise(SIGTERM);                      /* a second signal does not replace the first */
    CHECK_INT(sl_signals_pending(), SIGUSR1);
    CHECK_INT(sl_signals_check(&err), SL_EINTR);
    CHECK(strstr(err.msg, "interrupted by signal 10 (SIGUSR1)") != NULL);
    CHECK_INT(sl_code_exit(SL_EINTR), 130);
    sl_signals_reset();
    CHECK_INT(sl_signals_pending(), 0);
}

int main(void)
{
    test_parse();
    test_counting();
    test_retry();
    test_signals();
    return CHECK_DONE();
}
