/*
 * Private to src/io: the rejects writer of read_csv(on_error='reject'). Each rank appends its
 * bad records to its own part file "<rejects>.sluice-tmp-rank<r>" (one CSV record per bad
 * row: file, line, byte, column, reason, raw); sl_csv_rejects_finish (csv.h) merges the parts.
 * Everything here is Local.
 */
#ifndef SL_CSV_REJECT_H
#define SL_CSV_REJECT_H

#include <stdint.h>

#include "core/err.h"

/* The raw text of a rejected record is cut after this many bytes (an unterminated quote can
 * make the "record" the rest of a large file). */
#define SL_REJECT_RAW_MAX (1 << 20)

typedef struct sl_csv_rejw sl_csv_rejw;

/* Returns new "<path>.sluice-tmp-rank<rank>"; free with sl_free. Local. */
char *sl_csv_rejects_part(const char *path, int rank);
/* Creates (truncates) this rank's part file for the rejects file path. Returns new *out;
 * close with sl_csv_rejw_close. Local. */
int sl_csv_rejw_open(const char *path, int rank, sl_csv_rejw **out, sl_err *err);
/* Appends one rejected record. column may be "" (not one column's fault). Borrows all
 * arguments. Local. */
int sl_csv_rejw_add(sl_csv_rejw *w, const char *file, int64_t line, int64_t byte,
                    const char *column, const char *reason, const char *raw, int64_t raw_len,
                    sl_err *err);
/* Flushes and closes the part file; NULL is fine. With err NULL, errors are ignored (the
 * error path of a scan that already failed). Local. */
int sl_csv_rejw_close(sl_csv_rejw **pw, sl_err *err);

#endif
