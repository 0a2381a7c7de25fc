/*
 * --output FILE: where rank 0 writes what a job prints (SELECT results, EXPLAIN) instead of
 * standard output. See result_file.c.
 */
#ifndef SL_CLI_RESULT_FILE_H
#define SL_CLI_RESULT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
    char *path;  /* FILE as given */
    char *tmp;   /* FILE.sluice-tmp-PID beside it, written while the job runs (rank 0) */
    FILE *f;     /* open on tmp (rank 0), else NULL */
} sl_result_file;

/* Rank 0 creates the temporary file beside path; every rank learns whether it could. Returns
 * 0, or the exit status (2 bad target, 4 cannot create) with why set on every rank.
 * Collective over MPI_COMM_WORLD. */
int sl_result_file_open(const char *path, sl_result_file *rf, char *why, size_t why_n);

/* Ends the file: when job_ok, rank 0 flushes, fsyncs and renames it onto path (then fsyncs the
 * directory); otherwise, or when that fails, removes it and path stays as it was. Returns 0,
 * or the exit status (4 I/O error, 7 no space) with why set on every rank. Frees rf.
 * Collective over MPI_COMM_WORLD. */
int sl_result_file_close(sl_result_file *rf, bool job_ok, char *why, size_t why_n);

#endif
