/*
 * Columnar batches.
 *
 * sl_vec is one column: a typed array of n values plus a validity bitmap (bit i set = row i
 * is not NULL). Fixed-width types store 8 bytes a value (see types.h); VARCHAR stores offsets
 * (n+1 of them, off[0] = 0) into one byte heap.
 *
 * sl_batch is up to SL_BATCH_ROWS rows of n_cols columns, plus an optional selection vector:
 * when sel != NULL only the rows sel[0..n_sel) (ascending physical indices) are live. A filter
 * sets sel instead of copying. Expression results are vectors of the batch's physical length
 * (n_rows) whose values are defined only at live rows.
 *
 * Invariant: every column of a batch has exactly n_rows values.
 * Ownership: a batch owns its columns, a column owns its arrays, except a borrowing column
 * (borrow != NULL, e.g. one the exchange read from its receive buffer): its arrays lie in a
 * shared block it holds one reference to, its cap is exactly n (heap_cap heap_len), and the
 * first change of size (reserve beyond n, clear) copies them into arrays of its own and
 * drops the reference. Writing slots below n in place is allowed either way. Local.
 */
#ifndef SL_BATCH_H
#define SL_BATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "batch/types.h"

#define SL_BATCH_ROWS 65536

/* A reference-counted block of memory that borrowing columns point into (see above); freed
 * with its last reference. Local (one thread). */
typedef struct sl_vblock {
    int64_t refs;
    int64_t bytes;    /* size of mem */
    char *mem;
} sl_vblock;

/* Returns a new block of bytes uninitialized bytes with one reference (the caller's). */
sl_vblock *sl_vblock_new(int64_t bytes);
/* Drops one reference; frees the block with the last one. NULL is a no-op. */
void sl_vblock_release(sl_vblock *blk);

typedef struct sl_vec {
    sl_type type;
    int64_t n;        /* values */
    int64_t cap;      /* capacity in values */
    uint64_t *valid;  /* bitmap, ceil(cap/64) words */
    union {
        int64_t *i64; /* BOOL, BIGINT, DATE, TIMESTAMP */
        double *f64;  /* DOUBLE */
        int64_t *off; /* VARCHAR: cap+1 offsets into heap */
    } d;
    char *heap;       /* VARCHAR bytes */
    int64_t heap_len, heap_cap;
    sl_vblock *borrow; /* NULL: owns valid, d and heap; else they lie in this block */
} sl_vec;

static inline bool sl_vec_valid(const sl_vec *v, int64_t i)
{
    return (v->valid[i >> 6] >> (i & 63)) & 1;
}
static inline void sl_vec_set_valid(sl_vec *v, int64_t i, bool ok)
{
    if (ok)
        v->valid[i >> 6] |= UINT64_C(1) << (i & 63);
    else
        v->valid[i >> 6] &= ~(UINT64_C(1) << (i & 63));
}
static inline const char *sl_vec_str(const sl_vec *v, int64_t i, int64_t *len)
{
    *len = v->d.off[i + 1] - v->d.off[i];
    return v->heap + v->d.off[i];
}

/* The order of two byte strings: memcmp's, the shorter first on a common prefix (-1, 0 or 1).
 * VARCHAR's order, and that of every value stored as order-preserving bytes. Local. */
static inline int sl_bytes_cmp(const char *a, int64_t la, const char *b, int64_t lb)
{
    int64_t m = la < lb ? la : lb;
    int c = m ? memcmp(a, b, (size_t)m) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return (la > lb) - (la < lb);
}

/* Returns new empty column of type t with room for cap values; free with sl_vec_free. Local. */
sl_vec *sl_vec_new(sl_type t, int64_t cap);
void sl_vec_free(sl_vec **pv);
/* Makes room for at least cap values (keeps contents). Local. */
void sl_vec_reserve(sl_vec *v, int64_t cap);
/* Empties the column, keeping its memory. Local. */
void sl_vec_clear(sl_vec *v);

/* Appenders: add one value at index n and increment n. Local. */
void sl_vec_push_null(sl_vec *v);
void sl_vec_push_i64(sl_vec *v, int64_t x);      /* BOOL, BIGINT, DATE, TIMESTAMP */
void sl_vec_push_f64(sl_vec *v, double x);
void sl_vec_push_str(sl_vec *v, const char *p, int64_t len);
void sl_vec_push_value(sl_vec *v, const sl_value *x); /* x->type must match (or be NULL) */
/* Appends row i of src (same type). Local. */
void sl_vec_push_from(sl_vec *v, const sl_vec *src, int64_t i);

/* Sets slot i (< n) of a fixed-width column / reads row i as a value (borrows strings). */
void sl_vec_get_value(const sl_vec *v, int64_t i, sl_value *out);

/* Sets n to exactly n values, all NULL, for fixed-width columns filled by index (expression
 * results): slots are then written with the setters below. Not for VARCHAR. Local. */
void sl_vec_resize_fixed(sl_vec *v, int64_t n);

typedef struct sl_batch {
    int n_cols;
    int64_t n_rows;   /* physical rows */
    sl_vec **cols;    /* n_cols columns, each with n_rows values */
    uint32_t *sel;    /* NULL = all rows live; else live physical rows, ascending */
    int64_t n_sel;
} sl_batch;

/* Returns new batch with n_cols empty columns of the given types; free with sl_batch_free. */
sl_batch *sl_batch_new(int n_cols, const sl_type *types, int64_t cap);
/* Returns new batch that takes ownership of the n_cols columns in cols (array is copied). */
sl_batch *sl_batch_from_cols(int n_cols, sl_vec **cols, int64_t n_rows);
void sl_batch_free(sl_batch **pb);

/* Live rows: n_sel when a selection is set, n_rows otherwise. Local. */
static inline int64_t sl_batch_live(const sl_batch *b) { return b->sel ? b->n_sel : b->n_rows; }
/* Physical index of the k-th live row. Local. */
static inline int64_t sl_batch_row(const sl_batch *b, int64_t k)
{
    return b->sel ? (int64_t)b->sel[k] : k;
}
/* Replaces the selection (takes ownership of sel, which may be NULL = all rows). Local. */
void sl_batch_set_sel(sl_batch *b, uint32_t *sel, int64_t n_sel);
/* Returns a new dense batch holding only the live rows of b (same columns). Local. */
sl_batch *sl_batch_compact(const sl_batch *b);
/* Appends the live rows of src (same column types) to dst, which has no selection. Local. */
void sl_batch_append(sl_batch *dst, const sl_batch *src);
/* Appends to dst (no selection) the rows refs[0..n) of the batches bs, where a reference is
 * batch index << 32 | physical row (batch/rowcmp.h's SL_ROW_REF); only dst's columns
 * [0, dst->n_cols) are copied. Column at a time, string heaps sized once: the fast way to put
 * rows from many batches in a new order (sort output). Local. */
void sl_batch_gather(sl_batch *dst, sl_batch *const *bs, const int64_t *refs, int64_t n);
/* The same with dst column c taken from column cols[c] of the batches (a join's output: the
 * columns its parent reads). Local. */
void sl_batch_gather_cols(sl_batch *dst, sl_batch *const *bs, const int *cols,
                          const int64_t *refs, int64_t n);

/* Approximate bytes held by the batch (for budgets and metrics). Local. */
int64_t sl_batch_bytes(const sl_batch *b);

/*
 * sl_batchlist: an ordered list of owned batches (a materialized relation on one rank).
 */
typedef struct sl_batchlist {
    int n;
    int cap;
    sl_batch **b;
} sl_batchlist;

void sl_batchlist_init(sl_batchlist *l);
/* Takes ownership of b. */
void sl_batchlist_push(sl_batchlist *l, sl_batch *b);
/* Frees every batch and the list. */
void sl_batchlist_free(sl_batchlist *l);
int64_t sl_batchlist_rows(const sl_batchlist *l);   /* sum of live rows */

#endif
