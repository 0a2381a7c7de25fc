/*
 * --resume: decides whether a COPY's committed output is still valid, so a job rerun after a
 * failure or a time limit skips the work already done.
 *
 * A COPY's fingerprint is an xxh64 over: the statement text (after ${param} substitution),
 * the text of every CREATE VIEW and every result-changing SET before it in the job (all SETs
 * but blocksize and exchange_round_bytes, which change how the work is cut, not the result),
 * and for every input file its path, size and modification time (ns). It is written into the
 * _SUCCESS manifest ("input_hash", plus the "inputs" it was computed from) by every COPY,
 * with or without --resume. With --resume, a COPY is skipped when _SUCCESS exists, records
 * the same fingerprint, and every part file it lists exists with its recorded size.
 * The number of ranks and the block size are not part of it: the set of rows does not depend
 * on them. A COPY that reads a table (CREATE TABLE AS) has no fingerprint and always runs:
 * tables live only in the session, so their inputs are not known here. Rank 0 alone touches the file system; the decision is broadcast.
 */
#ifndef SL_RESUME_H
#define SL_RESUME_H

#include <mpi.h>
#include <stdbool.h>

#include "plan/plan.h"

/*
 * Computes the fingerprint of statement job->stmts[idx] whose bound query is q. Meaningful on
 * rank 0 (others may call it; it stats files). Returns new 16-hex-digit string and sets
 * *inputs_json to a new JSON array of {"file","size","mtime_ns"}; free both with sl_free.
 * Returns NULL (and *inputs_json NULL) when q reads a table: never skip such a COPY. Local.
 */
char *sl_resume_fingerprint(const sl_job *job, int idx, const sl_query *q, char **inputs_json);

/*
 * true on every rank when rank 0 finds target's manifest valid for fingerprint fp (rank 0's
 * fp is the one used; NULL = never valid). Never fails: an unreadable or foreign manifest just means "redo".
 * Collective over comm.
 */
bool sl_resume_up_to_date(MPI_Comm comm, const char *target, const char *fp);

#endif
