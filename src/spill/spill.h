/*
 * Rank-local spill files (issue #3).
 *
 * Each rank makes one private job directory (mode 0700, mkdtemp) the first time it spills,
 * under the base chosen by --spill-dir / SET spill_dir, else $SLURM_TMPDIR, $TMPDIR, /tmp.
 * Spill files are created 0600 inside it and unlinked right after they are opened: the open
 * descriptor keeps the data, and the kernel frees it when the process ends however it ends
 * (error, MPI_Abort, SIGKILL), so no spill file ever outlives its rank. The empty directory is
 * removed by sl_spill_cleanup (session end) and by an atexit hook.
 *
 * Bytes written and read are added to sl_ctr.spill_bytes_written / spill_bytes_read. A write
 * that fails with ENOSPC/EDQUOT is SL_ENOSPC with a message naming the rank, the directory and
 * the bytes; sl_spill_check_space lets a caller stop before a big spill that cannot fit.
 * Local unless noted.
 */
#ifndef SL_SPILL_H
#define SL_SPILL_H

#include <mpi.h>
#include <stdint.h>

#include "core/err.h"

/* Sets the base directory for spill directories created from now on (NULL or "" = the
 * default chain). Borrowed string is copied. */
void sl_spill_set_base(const char *dir);
/* The base directory that will be used (after the default chain). Borrowed. */
const char *sl_spill_base(void);

/*
 * Fails with SL_ENOSPC unless the spill base has at least `need` bytes free (statvfs). what
 * names the operation for the message. A statvfs failure is not an error (the real write
 * will report it).
 */
int sl_spill_check_space(int64_t need, const char *what, sl_err *err);

typedef struct sl_spill_file sl_spill_file;

/* Returns a new, empty, already-unlinked spill file in *out; free with sl_spill_file_free.
 * Creates the job directory on first use. */
int sl_spill_file_new(sl_spill_file **out, sl_err *err);
/* Appends n bytes at the end of the file. */
int sl_spill_file_append(sl_spill_file *f, const void *p, int64_t n, sl_err *err);
/* Reads exactly n bytes at offset off into p. */
int sl_spill_file_read(sl_spill_file *f, int64_t off, void *p, int64_t n, sl_err *err);
/* Bytes written so far. */
int64_t sl_spill_file_size(const sl_spill_file *f);
/* Closes the file (its bytes are freed by the kernel). Accepts NULL. */
void sl_spill_file_free(sl_spill_file **pf);

/* Removes this rank's job directory if it was created. Safe to call more than once. */
void sl_spill_cleanup(void);

/*
 * With verbose, rank 0 prints the spill volume (bytes written/read, summed over ranks and
 * the largest rank) on stderr. Collective over comm (one reduction), also when quiet.
 */
void sl_spill_report(MPI_Comm comm, int verbose);

/* Test hook: after SLUICE_SPILL_FAIL_AFTER bytes written on this rank, writes fail with
 * ENOSPC (read once from the environment on first use). */

#endif
