/*
 * Errors: one code list (X-macro), one error record per rank, first error wins.
 *
 * Every fallible function returns 0 or an SL_E* code and takes `sl_err *err` last. The record
 * keeps the code, a one-line message, the source file/line that detected it, the rank, and for
 * bad data the input path, line, byte offset and column. Errors become collective at agreement
 * points (see src/mpi/agree.h): every rank learns the first error and stops the same way.
 * Local.
 */
#ifndef SL_ERR_H
#define SL_ERR_H

#include <stdint.h>
#include <stdarg.h>

/* X(name, exit_code, description) */
#define SL_ERROR_LIST(X)                                          \
    X(SL_OK, 0, "success")                                        \
    X(SL_EUSAGE, 2, "bad command line")                           \
    X(SL_ESQL, 3, "bad SQL")                                      \
    X(SL_EBIND, 3, "SQL refers to something that does not exist") \
    X(SL_EIO, 4, "input/output error")                            \
    X(SL_ENOENT, 4, "file not found")                             \
    X(SL_EDATA, 5, "bad input data")                              \
    X(SL_ENOMEM, 6, "out of memory")                              \
    X(SL_ENOSPC, 7, "no space left")                              \
    X(SL_EPEER, 8, "another rank failed")                         \
    X(SL_EINTERNAL, 9, "internal error")                          \
    X(SL_ERUNTIME, 10, "error while evaluating the query")             \
    X(SL_EINTR, 130, "interrupted by a signal")

typedef enum {
#define SL_ERR_ENUM(name, code, desc) name,
    SL_ERROR_LIST(SL_ERR_ENUM)
#undef SL_ERR_ENUM
    SL_E_COUNT
} sl_code;

#define SL_ERR_MSG_MAX 1024

typedef struct sl_err {
    int code;                   /* sl_code; SL_OK when no error */
    int rank;                   /* rank that detected it (-1 unknown) */
    const char *src_file;       /* source file and line that detected it */
    int src_line;
    char msg[SL_ERR_MSG_MAX];   /* one line: what, where, what to do */
} sl_err;

/* Returns the name ("SL_EDATA") / process exit status of an error code. Local. */
const char *sl_code_name(int code);
int sl_code_exit(int code);

/* Sets the rank stamped on errors recorded by this process. Local. */
void sl_err_set_rank(int rank);

/* Records an error unless one is already recorded (first error wins). Returns code. Local. */
int sl_err_setf(sl_err *err, int code, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int sl_err_vsetf(sl_err *err, int code, const char *file, int line, const char *fmt,
                 va_list ap);

#define SL_ERR(err, code, ...) sl_err_setf((err), (code), __FILE__, __LINE__, __VA_ARGS__)

/* Clears the record. Local. */
void sl_err_clear(sl_err *err);

#endif
