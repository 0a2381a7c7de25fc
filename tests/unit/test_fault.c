/*
 * SLUICE_FAULT parsing and counting (core/fault.c), the retry loops (core/retry.c) with
 * injected errnos on real temporary files (which errnos are retried, ESTALE reopening by path,
 * the retry time and its backoff schedule), and the stop-signal flag (core/signals.c).
 * Expected values are hand-computed from the spec in fault.h / retry.h. No MPI needed. Needs
 * a build with the fault hooks (FAULT_INJECTION=1, what `make unit` uses).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
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

/* Both variables from the environment; this is a fault-injection build, so they arm. */
static void test_env(void)
{
    CHECK(SL_FAULT_COMPILED);
    sl_err err;
    sl_err_clear(&err);
    setenv("SLUICE_FAULT", "write:2", 1);
    setenv("SLUICE_SPILL_ENOSPC_AFTER", "4096", 1);
    CHECK_INT(sl_fault_configure_env(0, &err), 0);
    CHECK(sl_fault_armed);
    CHECK_INT(sl_fault_spill_limit(), 4096);
    setenv("SLUICE_SPILL_ENOSPC_AFTER", "12x", 1);
    CHECK_INT(sl_fault_configure_env(0, &err), SL_EUSAGE);
    CHECK(strstr(err.msg, "SLUICE_SPILL_ENOSPC_AFTER: bad byte count '12x'") != NULL);
    unsetenv("SLUICE_FAULT");
    unsetenv("SLUICE_SPILL_ENOSPC_AFTER");
    CHECK_INT(sl_fault_configure_env(0, &err), 0);
    CHECK(!sl_fault_armed);
    CHECK_INT(sl_fault_spill_limit(), -1);
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

/* Runs f with stderr sent to a temporary file; returns that file's text (static buffer). */
static char g_log[8192];
static const char *captured(void (*f)(void *), void *arg)
{
    char path[] = "/tmp/sluice-test-log.XXXXXX";
    int lfd = mkstemp(path);
    unlink(path);
    fflush(stderr);
    int saved = dup(2);
    dup2(lfd, 2);
    f(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ssize_t n = pread(lfd, g_log, sizeof g_log - 1, 0);
    g_log[n > 0 ? n : 0] = 0;
    close(lfd);
    return g_log;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* A file with known bytes, opened by path, and what identifies it (sl_retry_file). */
typedef struct {
    char path[64];
    int fd;
    sl_retry_file id;
} tfile;

static void tfile_make(tfile *t, const char *text)
{
    snprintf(t->path, sizeof t->path, "/tmp/sluice-test-retry.XXXXXX");
    int w = mkstemp(t->path);
    CHECK(w >= 0);
    CHECK_INT(write(w, text, strlen(text)), (long long)strlen(text));
    close(w);
    t->fd = open(t->path, O_RDONLY);
    struct stat st;
    CHECK_INT(fstat(t->fd, &st), 0);
    t->id = (sl_retry_file){ t->path, (int64_t)st.st_ino, (int64_t)st.st_size, "reader" };
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
    sl_retry_set_ms(SL_RETRY_DEFAULT_MS);

    /* Writes retry EINTR and EAGAIN, then everything is written. */
    CHECK_INT(configure("write_eintr:1,write_eagain:2", 0), 0);
    CHECK_INT(sl_retry_write_all(fd, text, 16, "t", &err), 0);
    CHECK_INT(err.code, 0);
    /* EIO on a write is never retried (it may report lost write-back: a failing device), nor
     * is ESTALE: the next hit of the same entry is still unused afterwards. */
    static const char *const perm_w[] = {"write_eio:1x2", "write_estale:1x2"};
    static const int perm_e[] = {EIO, ESTALE};
    for (int i = 0; i < 2; i++) {
        sl_err_clear(&err);
        CHECK_INT(configure(perm_w[i], 0), 0);
        CHECK_INT(sl_retry_write_all(fd, text, 4, "t", &err), SL_EIO);
        CHECK(strstr(err.msg, strerror(perm_e[i])) != NULL);
        CHECK(strstr(err.msg, "not retried") != NULL);
        CHECK(strstr(err.msg, "gave up") == NULL);
        CHECK_INT(sl_fault_hit(SL_FAULT_WRITE), perm_e[i]);   /* write 2: never attempted */
    }
    /* Transient read failures (EINTR, EAGAIN, EIO) within the retry time succeed. */
    char buf[32];
    int64_t got = -1;
    sl_err_clear(&err);
    CHECK_INT(configure("read_eintr:1,read_eagain:2,read_eio:3", 0), 0);
    CHECK_INT(sl_retry_pread(fd, buf, 10, 3, &got, "t", &err), 0);
    CHECK_INT(got, 10);
    CHECK(memcmp(buf, "3456789abc", 10) == 0);
    /* Reading past the end is a short read, not an error: got < n. */
    CHECK_INT(configure(NULL, 0), 0);
    CHECK_INT(sl_retry_pread(fd, buf, 32, 10, &got, "t", &err), 0);
    CHECK_INT(got, 6);
    /* ESTALE without a path to reopen: final at once, no retry on the same descriptor. */
    CHECK_INT(configure("read_estale:1x2", 0), 0);
    CHECK_INT(sl_retry_pread(fd, buf, 4, 0, &got, "t", &err), SL_EIO);
    CHECK(strstr(err.msg, "Stale file handle (not retried") != NULL);
    CHECK_INT(sl_fault_hit(SL_FAULT_READ), ESTALE);
    /* Permanent errnos fail at once. */
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
    /* Retry time 0: a transient error is final at once. */
    sl_err_clear(&err);
    sl_retry_set_ms(0);
    CHECK_INT(configure("read_eio:1", 0), 0);
    CHECK_INT(sl_retry_pread(fd, buf, 4, 0, &got, "t", &err), SL_EIO);
    CHECK(strstr(err.msg, "not retried: the retry time is 0") != NULL);
    sl_retry_set_ms(SL_RETRY_DEFAULT_MS);
    CHECK_INT(configure(NULL, 0), 0);
    close(fd);
}

/* ESTALE on an input read by path: the path is reopened, the read goes on at the same offset
 * on a new descriptor; a file replaced at that path is an error. */
static void test_estale_reopen(void)
{
    tfile t;
    tfile_make(&t, "0123456789abcdef");
    int old = t.fd;
    char buf[8];
    int64_t got = -1;
    sl_err err;
    sl_err_clear(&err);
    CHECK_INT(configure("read_estale:1", 0), 0);
    CHECK_INT(sl_retry_pread_reopen(&t.fd, &t.id, buf, 6, 5, &got, &err), 0);
    CHECK_INT(err.code, 0);
    CHECK_INT(got, 6);
    CHECK(memcmp(buf, "56789a", 6) == 0);
    CHECK(t.fd != old);                                  /* not the stale descriptor */
    CHECK(fcntl(old, F_GETFD) == -1 && errno == EBADF);  /* which was closed */
    /* Twice in a row (the reopened descriptor goes stale too). */
    CHECK_INT(configure("read_estale:1x2", 0), 0);
    CHECK_INT(sl_retry_pread_reopen(&t.fd, &t.id, buf, 4, 12, &got, &err), 0);
    CHECK_INT(got, 4);
    CHECK(memcmp(buf, "cdef", 4) == 0);
    /* The path now names another file (same size, new inode): refused, named. */
    char other[80];
    snprintf(other, sizeof other, "%s.new", t.path);
    FILE *f = fopen(other, "w");
    fputs("ffffffffffffffff", f);
    fclose(f);
    CHECK_INT(rename(other, t.path), 0);
    CHECK_INT(configure("read_estale:1", 0), 0);
    CHECK_INT(sl_retry_pread_reopen(&t.fd, &t.id, buf, 4, 0, &got, &err), SL_EIO);
    CHECK(strstr(err.msg, "was replaced during the job") != NULL);
    CHECK(strstr(err.msg, t.path) != NULL);
    CHECK(strncmp(err.msg, "reader: ", 8) == 0); /* the reader named in sl_retry_file.who */
    /* The path is gone: cannot reopen, file not found. */
    sl_err_clear(&err);
    unlink(t.path);
    CHECK_INT(configure("read_estale:1", 0), 0);
    CHECK_INT(sl_retry_pread_reopen(&t.fd, &t.id, buf, 4, 0, &got, &err), SL_ENOENT);
    CHECK(strstr(err.msg, "cannot reopen") != NULL);
    CHECK_INT(configure(NULL, 0), 0);
    close(t.fd);
}

/* The retry time bounds the total backoff: 10, 20, 40, ... ms, the last sleep cut to fit. */
typedef struct {
    int fd;
    int rc;
    sl_err err;
} budget_run;

static void read8(void *arg)
{
    budget_run *b = arg;
    char buf[8];
    int64_t got;
    sl_err_clear(&b->err);
    configure("read_eio:1x8", 0);
    b->rc = sl_retry_pread(b->fd, buf, 8, 0, &got, "t", &b->err);
}

static void test_retry_time(void)
{
    tfile t;
    tfile_make(&t, "0123456789abcdef");
    budget_run b = { t.fd, -1, {0} };
    /* 8 EIOs in a row need 10+20+...+1280 = 2550 ms of backoff: within the default 30 s. */
    sl_retry_set_ms(SL_RETRY_DEFAULT_MS);
    const char *log = captured(read8, &b);
    CHECK_INT(b.rc, 0);
    CHECK_INT(count_of(log, "(transient); retry"), 8);
    CHECK(strstr(log, "retry 8 in 1280 ms (retry time 30 s, 1270 ms used)") != NULL);
    /* A 1 s retry time: 10+20+40+80+160+320 = 630 ms, a 7th sleep of the 370 ms left, and the
     * 8th failure is final. */
    sl_retry_set_ms(1000);
    log = captured(read8, &b);
    CHECK_INT(b.rc, SL_EIO);
    CHECK_INT(count_of(log, "(transient); retry"), 7);
    CHECK(strstr(log, "retry 7 in 370 ms (retry time 1 s, 630 ms used)") != NULL);
    CHECK(strstr(b.err.msg, "gave up after 8 tries in 1 s") != NULL);
    CHECK(strstr(b.err.msg, "Input/output error") != NULL);
    /* A pending stop signal ends the wait: SL_EINTR, not an I/O error. */
    sl_retry_set_ms(SL_RETRY_DEFAULT_MS);
    sl_signals_install();
    raise(SIGUSR1);
    log = captured(read8, &b);
    CHECK_INT(b.rc, SL_EINTR);
    CHECK_INT(count_of(log, "retry"), 0);
    sl_signals_reset();
    /* sl_retry_configure: the option wins over SLUICE_IO_RETRY_SECONDS, else the default. */
    sl_err err;
    sl_err_clear(&err);
    unsetenv("SLUICE_IO_RETRY_SECONDS");
    CHECK_INT(sl_retry_configure(NULL, &err), 0);
    CHECK_INT(sl_retry_ms(), 30000);
    setenv("SLUICE_IO_RETRY_SECONDS", "2.5", 1);
    CHECK_INT(sl_retry_configure(NULL, &err), 0);
    CHECK_INT(sl_retry_ms(), 2500);
    CHECK_INT(sl_retry_configure("0", &err), 0);
    CHECK_INT(sl_retry_ms(), 0);
    CHECK_INT(sl_retry_configure("120", &err), 0);
    CHECK_INT(sl_retry_ms(), 120000);
    static const char *bad[] = {"", "abc", "-1", "1e9", "5s", "nan", "inf"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sl_err_clear(&err);
        CHECK_INT(sl_retry_configure(bad[i], &err), SL_EUSAGE);
        CHECK(strstr(err.msg, "--io-retry-time: bad time") != NULL);
        CHECK_INT(sl_retry_ms(), 120000);                 /* unchanged */
    }
    sl_err_clear(&err);
    setenv("SLUICE_IO_RETRY_SECONDS", "soon", 1);
    CHECK_INT(sl_retry_configure(NULL, &err), SL_EUSAGE);
    CHECK(strstr(err.msg, "SLUICE_IO_RETRY_SECONDS: bad time 'soon'") != NULL);
    unsetenv("SLUICE_IO_RETRY_SECONDS");
    sl_retry_set_ms(SL_RETRY_DEFAULT_MS);
    configure(NULL, 0);
    close(t.fd);
    unlink(t.path);
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
    test_env();
    test_counting();
    test_retry();
    test_estale_reopen();
    test_retry_time();
    test_signals();
    return CHECK_DONE();
}
