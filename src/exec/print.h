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

void sl_print_result(FILE *f, sl_print_format fmt, int n_cols, char *const *names,
                     const sl_type *types, const sl_batchlist *rows);

#endif
