/*
 * Transient I/O errors: pread and write loops that retry with bounded exponential backoff.
 *
 * Transient (retried): EINTR, EAGAIN/EWOULDBLOCK, EIO and ESTALE (what NFS and Lustre return
 * under load), and short reads/writes (continued at once, they are not failures). Up to
 * SL_RETRY_TRIES attempts per operation, sleeping 10 ms, 20 ms, ... (at most 1 s) in between;
 * every retry is logged on stderr ("sluice (rank R): warning: ...: retry 1 of 4 in 10 ms").
 * Permanent (fail at once): everything else, notably ENOENT, EACCES, ENOSPC, EDQUOT, EBADF.
 * A stop signal (core/signals.h) ends the waiting early. Both loops call the fault hooks
 * (core/fault.h) before each system call. Local.
 */
#ifndef SL_RETRY_H
#define SL_RETRY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SL_RETRY_TRIES 5
#define SL_RETRY_FIRST_MS 10
#define SL_RETRY_MAX_MS 1000

/* true for the errno values retried (see above). Local. */
int sl_retry_transient(int e);

/*
 * Reads up to n bytes at offset off of fd into buf, continuing after short reads, until n
 * bytes or end of file. *got = bytes read (< n only at end of file). what names the file in
 * messages ("read_csv: cannot read 'x.csv' at byte 123: ..."). Errors: SL_EIO (or SL_ENOSPC
 * style codes via sl_fs_errno_code). Local.
 */
int sl_retry_pread(int fd, void *buf, size_t n, int64_t off, int64_t *got, const char *what,
                   sl_err *err);

/* Writes all n bytes of p to fd, continuing after short writes. path is for messages.
 * ENOSPC/EDQUOT become SL_ENOSPC, others SL_EIO. Local. */
int sl_retry_write_all(int fd, const void *p, size_t n, const char *path, sl_err *err);

#endif
