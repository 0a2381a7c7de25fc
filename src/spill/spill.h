/*
 * Rank-local spill files (issue #3).
 *
 * Each session's rank makes one private job directory (mode 0700, mkdtemp) the first time it
 * spills, under the base chosen by --spill-dir / SET spill_dir, else $SLURM_TMPDIR, $TMPDIR,
 * /tmp. Spill files are created 0600 inside it and unlinked right after they are opened: the
 * open descriptor keeps the data, and the kernel frees it when the process ends however it
 * ends (error, MPI_Abort, SIGKILL), so no spill file ever outlives its rank. The empty
 * directory is removed by sl_spill_free (session end) and, for a process that exits without
 * ending its sessions, by an atexit hook.
 *
 * The spill state (sl_spill) belongs to the session's context (core/ctx.h); files reach it
 * through the context they were made with. Bytes written and read are added to the context's
 * counters (spill_bytes_written / spill_bytes_read). A write that fails with ENOSPC/EDQUOT is
 * SL_ENOSPC with a message naming the rank, the directory and the bytes;
 * sl_spill_check_space lets a caller stop before a big spill that cannot fit.
 * Local unless noted.
 */
#ifndef SL_SPILL_H
#define SL_SPILL_H

#include <mpi.h>
#include <stdint.h>

#include "core/ctx.h"
#include "core/err.h"

typedef struct sl_spill sl_spill;

/* Returns a new spill state for this rank (no directory yet); free with sl_spill_free, which
 * removes the directory. Local. */
sl_spill *sl_spill_new(int rank);
void sl_spill_free(sl_spill **ps);

/* Sets the base directory for spill directories created from now on (NULL or "" = the
 * default chain). Borrowed string is copied. */
void sl_spill_set_base(sl_spill *sp, const char *dir);
/* The base directory that will be used (after the default chain). Borrowed. */
const char *sl_spill_base(const sl_spill *sp);

/*
 * Fails with SL_ENOSPC unless the spill base has at least `need` bytes free (statvfs). what
 * names the operation for the message. A statvfs failure is not an error (the real write
 * will report it).
 */
int sl_spill_check_space(const sl_ctx *ctx, int64_t need, const char *what, sl_err *err);

typedef struct sl_spill_file sl_spill_file;

/* Returns a new, empty, already-unlinked spill file of ctx's spill directory in *out (the
 * file keeps ctx for its counters); free with sl_spill_file_free. Creates the directory on
 * first use. */
int sl_spill_file_new(sl_ctx *ctx, sl_spill_file **out, sl_err *err);
/* Appends n bytes at the end of the file. */
int sl_spill_file_append(sl_spill_file *f, const void *p, int64_t n, sl_err *err);
/* Reads exactly n bytes at offset off into p. */
int sl_spill_file_read(sl_spill_file *f, int64_t off, void *p, int64_t n, sl_err *err);
/* Bytes written so far. */
int64_t sl_spill_file_size(const sl_spill_file *f);
/* Closes the file (its bytes are freed by the kernel). Accepts NULL. */
void sl_spill_file_free(sl_spill_file **pf);

/* Removes this rank's job directory if it was created. Safe to call more than once. */
void sl_spill_cleanup(sl_spill *sp);

/*
 * With verbose, rank 0 prints the spill volume of ctx's counters (bytes written/read, summed
 * over ranks and the largest rank) on stderr. Collective over comm (one reduction), also when
 * quiet.
 */
void sl_spill_report(const sl_ctx *ctx, MPI_Comm comm, int verbose);

#endif
