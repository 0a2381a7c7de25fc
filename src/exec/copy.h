/*
 * COPY (query) TO 'dir' (FORMAT csv, HEADER, DELIMITER, PARTITION_BY (cols)): the sink that
 * writes part files and commits them atomically.
 *
 * begin (collective): rank 0 checks the target's parent is writable and creates a fresh
 * temporary directory next to the target ("<dir>.sluice-tmp-<hex>"), bcast to all ranks; the
 * outcome is agreed. write (local): each rank writes its rows into its own part files
 * part-<rank>-<seq>.csv (a new seq every ~256 MB), or with PARTITION_BY into hive-style
 * directories col=value/ (values percent-encoded so no value can escape the directory; NULL
 * is col=NULL; partition columns are not repeated inside the files, as DuckDB does).
 * commit (collective): agrees on errors; on success rank 0 gathers every rank's file list,
 * writes the manifest _SUCCESS (JSON: files with rows and bytes, totals) into the temp dir,
 * then swaps it into place (an existing target is moved aside and removed only after the
 * rename succeeded). On failure every rank's files and the temp dir are removed and the old
 * target is untouched.
 */
#ifndef SL_COPY_H
#define SL_COPY_H

#include <mpi.h>

#include "batch/batch.h"
#include "core/err.h"
#include "plan/plan.h"

typedef struct sl_copy sl_copy;

/* Collective over comm. names/types describe the batches passed to write (borrowed for the
 * object's life). Returns new *out even on error (so commit/abort can clean up) or NULL. */
int sl_copy_begin(MPI_Comm comm, const sl_copy_opts *opts, int n_cols, char *const *names,
                  const sl_type *types, sl_copy **out, sl_err *err);
/* Writes the live rows of b. Local. */
int sl_copy_write(sl_copy *c, const sl_batch *b, sl_err *err);
/* Agrees on err across ranks, then commits (no error anywhere) or removes everything.
 * Frees *pc. Returns the agreed code. Rows/bytes written (all ranks) via the out params on
 * every rank. Collective over comm. */
int sl_copy_finish(sl_copy **pc, int64_t *rows, int64_t *bytes, sl_err *err);

/* Overrides the size after which a part file is closed and the next one started (default
 * 256 MB) and the cap on files open at once (default 256; the least recently used is closed
 * and later continued in a new part file). For tests and tuning. Local. */
void sl_copy_set_limits(sl_copy *c, int64_t file_bytes, int max_open);

/* Records the --resume fingerprint and its inputs (a JSON array) in the manifest written on
 * commit (see exec/resume.h). Copies both strings. Local (matters on rank 0). */
void sl_copy_set_fingerprint(sl_copy *c, const char *hash, const char *inputs_json);

/* The manifest file written into the committed directory. */
#define SL_COPY_MANIFEST "_SUCCESS"

#endif
