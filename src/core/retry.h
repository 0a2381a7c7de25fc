/*
 * Transient I/O errors: pread and write loops that retry with exponential backoff for a
 * configurable total time.
 *
 * Reads (pread) retry EINTR, EAGAIN/EWOULDBLOCK, EIO and ETIMEDOUT: what NFS (soft mounts) and
 * Lustre (an evicted client, a failing-over server) return while the file system recovers. A
 * read that fails changes nothing, so trying it again is safe, and a dead device still fails
 * once the retry time is spent. ESTALE (a stale NFS file handle) never heals on the same
 * descriptor: an input opened by path (sl_retry_pread_reopen) is reopened by path, checked to
 * be the same file (inode and size), and read again at the same offset; without a path
 * (spill files are unlinked) ESTALE fails at once.
 * Writes retry only EINTR and EAGAIN. EIO on a write may report an earlier write-back that the
 * kernel already lost (a failing device), so a write that "succeeds" on retry would hide lost
 * data: it fails at once, as do ESTALE and every other errno (ENOSPC/EDQUOT: SL_ENOSPC).
 * Short reads and writes continue at once; they are not failures.
 *
 * Backoff: sleeps of SL_RETRY_FIRST_MS, doubling, each at most SL_RETRY_MAX_SLEEP_MS, until
 * their sum reaches the retry time (the last sleep is cut to fit); the next failure is final.
 * The retry time is per operation (it restarts once a byte moves); default
 * SL_RETRY_DEFAULT_MS, set by SLUICE_IO_RETRY_SECONDS or --io-retry-time (sl_retry_configure);
 * 0 turns retries off. Every retry is logged once on stderr ("sluice (rank R): warning: read
 * 'x' at byte N: Input/output error (transient); retry 1 in 10 ms (...)"). A stop signal
 * (core/signals.h) ends the waiting early. Both loops call the fault hooks (core/fault.h)
 * before each system call. Local.
 */
#ifndef SL_RETRY_H
#define SL_RETRY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SL_RETRY_FIRST_MS 10
#define SL_RETRY_MAX_SLEEP_MS 5000
#define SL_RETRY_DEFAULT_MS 30000
#define SL_RETRY_LIMIT_MS (24LL * 3600 * 1000)

/*
 * Sets the retry time: option (the --io-retry-time value, NULL when not given) wins over the
 * environment variable SLUICE_IO_RETRY_SECONDS, else the default. A value is a decimal number
 * of seconds (e.g. 30, 2.5, 0; at most one day); anything else is SL_EUSAGE naming where it
 * came from, and the retry time is left as it was. Local.
 */
int sl_retry_configure(const char *option, sl_err *err);

/* Sets / returns the retry time in milliseconds (tests; negative counts as 0). Local. */
void sl_retry_set_ms(int64_t ms);
int64_t sl_retry_ms(void);

/* true for the errno values a read retries on the same descriptor (see above). Local. */
int sl_retry_transient(int e);

/*
 * Reads up to n bytes at offset off of fd into buf, continuing after short reads, until n
 * bytes or end of file. *got = bytes read (< n only at end of file). what names the file in
 * messages ("cannot read 'spill file' at byte 123: ..."). ESTALE fails at once (no path
 * to reopen). Errors: SL_EIO (SL_ENOSPC style codes via sl_fs_errno_code), SL_EINTR when a
 * stop signal ended the wait. Local.
 */
int sl_retry_pread(int fd, void *buf, size_t n, int64_t off, int64_t *got, const char *what,
                   sl_err *err);

/* What identifies an input file read by path: a reopened file must match (see above). */
typedef struct sl_retry_file {
    const char *path;    /* borrowed */
    int64_t ino;         /* st_ino when first opened */
    int64_t size;        /* the size the job planned with */
    const char *who;     /* starts its error messages ("read_csv": "read_csv: cannot read
                          * 'x.csv' at byte 123: ..."), or NULL */
} sl_retry_file;

/*
 * sl_retry_pread on *fd, which was opened from id->path; on ESTALE the path is reopened (a
 * new descriptor replaces *fd, the old one is closed) and the read goes on at the same
 * offset. A reopened file with another inode or size is SL_EIO ("replaced during the job").
 * Local.
 */
int sl_retry_pread_reopen(int *fd, const sl_retry_file *id, void *buf, size_t n, int64_t off,
                          int64_t *got, sl_err *err);

/* Writes all n bytes of p to fd, continuing after short writes and retrying EINTR/EAGAIN.
 * path is for messages. ENOSPC/EDQUOT become SL_ENOSPC, others SL_EIO. Local. */
int sl_retry_write_all(int fd, const void *p, size_t n, const char *path, sl_err *err);

#endif
