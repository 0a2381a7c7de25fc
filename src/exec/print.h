/*
 * Printing a result (on rank 0): an aligned text table (default) or CSV with a header
 * (--format csv). Prints the first n_cols columns of the live rows of each batch. NULL
 * prints as "NULL" in the table and as an empty field in CSV. Local.
 */
#ifndef SL_PRINT_H
#define SL_PRINT_H

#include <stdio.h>

#include "batch/batch.h"

typedef enum { SL_PRINT_TABLE, SL_PRINT_CSV } sl_print_format;

/*
 * A streaming printer: rows are added batch by batch and never all held. CSV prints each
 * batch at once; TABLE keeps only the rows it will show (the first SL_PRINT_MAX_ROWS, which
 * it needs for the column widths) and counts the rest, and prints at finish. names and types
 * are borrowed until finish. Local.
 */
typedef struct sl_printer sl_printer;
sl_printer *sl_printer_new(FILE *f, sl_print_format fmt, int n_cols, char *const *names,
                           const sl_type *types);
void sl_printer_add(sl_printer *p, const sl_batch *b);
/* Rows added so far. */
int64_t sl_printer_rows(const sl_printer *p);
/* Prints what is pending, flushes, frees *pp. Accepts NULL. */
void sl_printer_finish(sl_printer **pp);

/* Prints a whole result (a printer fed with every batch of rows). */
void sl_print_result(FILE *f, sl_print_format fmt, int n_cols, char *const *names,
                     const sl_type *types, const sl_batchlist *rows);

#endif
