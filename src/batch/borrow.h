/*
 * Tables of application arrays (sluice.h's sl_session_register_columns): the arrays stay
 * the application's; a scan reads them in place into batches of up to SL_BATCH_ROWS rows,
 * one column at a time (memcpy for 8-byte types, a widening loop for int32/float/uint8).
 * Also the other direction for results: a batch's columns as sluice.h's sl_column arrays.
 * Local.
 */
#ifndef SL_BORROW_H
#define SL_BORROW_H

#include "sluice/sluice.h"
#include "batch/batch.h"
#include "core/err.h"

/* This rank's rows of a registered table: n_cols columns of n_rows values, borrowed. */
typedef struct sl_borrowed {
    int n_cols;
    sl_column *cols;      /* the application's pointers; names owned (copied) */
    int64_t n_rows;
} sl_borrowed;

/* The SQL type a column type reads as (SL_T_NULL for an unknown one). Local. */
sl_type sl_borrow_sql_type(sl_coltype t);
/* The column type a result column of SQL type t is handed out as. Local. */
sl_coltype sl_borrow_col_type(sl_type t);

/* Checks cols (types known, data when there are rows, VARCHAR offsets from 0 that never
 * decrease, distinct non-empty names) and returns a new sl_borrowed copying the names (free
 * with sl_borrowed_free), or NULL with err set. Local. */
sl_borrowed *sl_borrowed_new(int n_cols, const sl_column *cols, int64_t n_rows, sl_err *err);
void sl_borrowed_free(sl_borrowed **pb);

/* A new batch of rows [start, start + n) of the columns proj[0..n_proj). Local. */
sl_batch *sl_borrowed_batch(const sl_borrowed *b, const int *proj, int n_proj, int64_t start,
                            int64_t n);

/* A batch's columns for the application: fills out[0..b->n_cols) (name and type already
 * set) with arrays owned by *store (freed by sl_borrow_store_free, or the next call), b
 * compacted first when it has a selection. Returns the rows. Local. */
typedef struct sl_borrow_store {
    sl_batch *dense;      /* the batch whose arrays are handed out */
    uint8_t **valid;      /* per column: bytes, or NULL (no NULL) */
    uint8_t **bools;      /* per column: BOOLEAN values as bytes */
    int n_cols;
} sl_borrow_store;
int64_t sl_borrow_export(sl_batch *b, sl_column *out, sl_borrow_store *store);
void sl_borrow_store_free(sl_borrow_store *store);

#endif
