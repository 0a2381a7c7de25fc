/*
 * COPY (query) TO 'dir' (FORMAT x, PARTITION_BY (cols), OVERWRITE, OVERWRITE_OR_IGNORE, and
 * the format's own options): the sink that writes part files and commits them atomically, and
 * never destroys what sluice did not write. Format-agnostic: a format that can write
 * (io/format.h) turns rows into each part file's bytes; <ext> is its file extension.
 *
 * begin (collective): rank 0 checks the target's parent is writable, takes the lock file
 * "<dir>.sluice-lock" next to the target (held until the end of the commit, so two jobs
 * writing one target run one after the other), checks the target (below) and creates a fresh
 * temporary directory next to it ("<dir>.sluice-tmp-<hex>"), bcast to all ranks with how
 * directory names are encoded; the outcome is agreed. write (local): each rank writes its rows
 * into its own part files part-<rank>-<seq><ext> (a new seq every ~256 MB; one file per
 * partition and rank otherwise, however many partitions), or with PARTITION_BY into
 * hive-style directories col=value/ (values percent-encoded so no value can escape the
 * directory; NULL is col=NULL; a name longer than the file system allows is cut and ends in
 * "~<hash>", its full values recorded in the manifest; on a case-insensitive file system
 * upper-case letters are escaped too; partition columns are not repeated inside the files,
 * as DuckDB does). commit (collective): agrees on errors; on success rank 0 gathers every
 * rank's file list, syncs every directory of the temp tree, writes the manifest _SUCCESS
 * (JSON: files with rows, bytes and xxh64, totals, the commits that wrote them) and puts the
 * output in place. On failure every rank's files and the temp dir are removed and the target
 * is as it was.
 *
 * The target (checked with lstat, under the lock, at begin and again before the commit):
 *  - missing: the temp dir is renamed to it;
 *  - a symbolic link, or not a directory: an error;
 *  - an empty directory: replaced (as below);
 *  - not empty, without OVERWRITE or OVERWRITE_OR_IGNORE: an error naming it (DuckDB's rule);
 *  - OVERWRITE: replaced only when everything in it is listed by its _SUCCESS manifest (it
 *    was written by sluice) or --force was given, and never when it holds one of the
 *    statement's input files. Replacing is one renameat2(RENAME_EXCHANGE) (move-aside +
 *    rename where the file system lacks it), then the parent is synced, and only then is the
 *    old tree removed;
 *  - OVERWRITE_OR_IGNORE: the new part files (named part-<id>-<rank>-<seq><ext>, <id> unique
 *    per COPY, so they cannot collide) are moved in beside what is there: the old _SUCCESS
 *    is removed first, the files moved, their directories synced, and the merged manifest
 *    (old files + new files, one "commits" entry per COPY) renamed into place last, so a
 *    crash midway leaves no _SUCCESS. A target written in another format (the manifest's
 *    "format") is refused, as one of another PARTITION_BY is.
 */
#ifndef SL_COPY_H
#define SL_COPY_H

#include <mpi.h>
#include <stdbool.h>

#include "batch/batch.h"
#include "core/ctx.h"
#include "core/err.h"
#include "plan/plan.h"

typedef struct sl_copy sl_copy;

/* What the run adds to the statement's options (sluice run flags, the statement's inputs). */
typedef struct sl_copy_guard {
    bool force;                 /* --force: OVERWRITE may replace a directory sluice did not
                                 * write (no manifest, or entries it does not list) */
    double lock_wait_s;         /* how long to wait for another job's lock on the target:
                                 * < 0 = SL_COPY_LOCK_WAIT_DEFAULT, 0 = fail at once */
    int n_inputs;               /* files the statement reads (needed on rank 0 only): */
    const char *const *inputs;  /* OVERWRITE never replaces a directory holding one */
} sl_copy_guard;

#define SL_COPY_LOCK_WAIT_DEFAULT 300.0

/* Collective over comm. Rows and bytes written are counted in ctx's counters (borrowed for
 * the object's life). names/types describe the batches passed to write (borrowed for the
 * object's life); guard may be NULL (no --force, default wait, no inputs) and is copied.
 * Returns new *out even on error (so finish can clean up) or NULL. */
int sl_copy_begin(sl_ctx *ctx, MPI_Comm comm, const sl_copy_opts *opts,
                  const sl_copy_guard *guard,
                  int n_cols, char *const *names, const sl_type *types, sl_copy **out,
                  sl_err *err);
/* Writes the live rows of b. Local. */
int sl_copy_write(sl_copy *c, const sl_batch *b, sl_err *err);
/* Agrees on err across ranks, then commits (no error anywhere) or removes everything.
 * Frees *pc. Returns the agreed code. Rows/bytes written (all ranks) via the out params on
 * every rank. Collective over comm. */
int sl_copy_finish(sl_copy **pc, int64_t *rows, int64_t *bytes, sl_err *err);

/* Charges the write buffers of open files to budget up to the level grant (the COPY sink's
 * grant, plan/grants.c): a buffer the grant has no room for stays small, and no more files
 * are kept open than the grant holds buffers for (at least 16). Local. */
void sl_copy_set_grant(sl_copy *c, struct sl_budget *budget, int64_t grant);

/* Overrides the size after which a part file is closed and the next one started (default
 * 256 MB) and the cap on files open at once (default 256; the least recently used is closed
 * and reopened for appending when its partition gets more rows). For tests and tuning.
 * Local. */
void sl_copy_set_limits(sl_copy *c, int64_t file_bytes, int max_open);

/* Test switches (Local; set on every rank): SL_COPY_TEST_NO_EXCHANGE makes the commit take
 * the move-aside path that file systems without RENAME_EXCHANGE get. */
#define SL_COPY_TEST_NO_EXCHANGE 1u
void sl_copy_set_test_flags(sl_copy *c, unsigned flags);

/* Records the --resume fingerprint and its inputs (a JSON array) in the manifest written on
 * commit (see exec/resume.h). Copies both strings. Local (matters on rank 0). */
void sl_copy_set_fingerprint(sl_copy *c, const char *hash, const char *inputs_json);

/* The manifest file written into the committed directory. */
#define SL_COPY_MANIFEST "_SUCCESS"
/* Environment variable: "1" makes COPY encode directory names for a case-insensitive file
 * system even where the probe at begin finds a case-sensitive one (tests; file systems that
 * fold case only on some servers). */
#define SL_COPY_CASE_ENV "SLUICE_COPY_CASE_INSENSITIVE"

#endif
