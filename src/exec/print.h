/*
 * Printing a result (on rank 0): an aligned text table (default), or the bytes of a format
 * that can write (io/format.h) with its default options, as one part file of COPY would hold
 * them (--format csv: CSV with a header). Prints the first n_cols columns of the live rows of
 * each batch. NULL prints as "NULL" in the table. A SELECT's result in a format does not come
 * here: exec/sink_result.c formats it on every rank with the format's writer (the same bytes)
 * and rank 0 writes the text. Local.
 */
#ifndef SL_PRINT_H
#define SL_PRINT_H

#include <stdio.h>

#include "batch/batch.h"
#include "io/format.h"

/*
 * A streaming printer: rows are added batch by batch and never all held. fmt NULL is the
 * table, which keeps only the rows it will show (the first SL_PRINT_MAX_ROWS, which it needs
 * for the column widths), counts the rest, and prints at finish; a format prints each batch
 * at once. names and types are borrowed until finish. Local.
 */
typedef struct sl_printer sl_printer;
sl_printer *sl_printer_new(FILE *f, const sl_format *fmt, int n_cols, char *const *names,
                           const sl_type *types);
void sl_printer_add(sl_printer *p, const sl_batch *b);
/* Rows added so far. */
int64_t sl_printer_rows(const sl_printer *p);
/* Prints what is pending, flushes, frees *pp. Accepts NULL. */
void sl_printer_finish(sl_printer **pp);

/* Prints a whole result (a printer fed with every batch of rows). */
void sl_print_result(FILE *f, const sl_format *fmt, int n_cols, char *const *names,
                     const sl_type *types, const sl_batchlist *rows);

#endif
