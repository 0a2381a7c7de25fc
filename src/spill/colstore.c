/*
 * Spillable column store of persisted tables; see colstore.h. Local.
 *
 * Invariant: once a store has spilled one block it never keeps another in memory (as the row
 * store: no flapping between disk and memory, and the blocks stay in append order).
 */
#include "spill/colstore.h"

#include <string.h>

#include "core/budget.h"
#include "core/mem.h"
#include "spill/narrow.h"
#include "spill/spill.h"

typedef struct block {
    int64_t n;          /* rows */
    sl_batch *mem;      /* the block in memory, or NULL when spilled */
    int64_t res;        /* its reservation */
    int64_t *col_off;   /* spilled: each column's section in the file */
    int64_t *heap_len;  /* spilled: each VARCHAR / LIST column's heap bytes */
    int64_t *base;      /* spilled: each column's frame of reference (see put_col) */
    uint8_t *width;     /* spilled: bytes per value in the file (1, 2, 4 or 8) */
    bool *all_valid;    /* spilled: no NULL in the column (its validity words not written) */
} block;

struct sl_colstore {
    sl_ctx *ctx;
    int64_t level;
    int n_cols;
    sl_type *types;     /* from the first batch */
    block *blocks;
    int n_blocks, cap_blocks;
    sl_batch *open;     /* the block being filled (dense), or NULL */
    sl_spill_file *file;
    unsigned char *enc; /* encoding buffer of a spilled column's values (SL_BATCH_ROWS x 8) */
    int64_t enc_cap;
    int64_t rows, mem_bytes;
    bool spilling, sealed;
};

static int64_t words(int64_t n) { return (n + 63) / 64; }

sl_colstore *sl_colstore_new(sl_ctx *ctx, int64_t level)
{
    sl_colstore *cs = sl_xcalloc(1, sizeof *cs);
    cs->ctx = ctx;
    cs->level = level;
    cs->spilling = level <= 0;
    return cs;
}

void sl_colstore_free(sl_colstore **pcs)
{
    if (!pcs || !*pcs)
        return;
    sl_colstore *cs = *pcs;
    for (int i = 0; i < cs->n_blocks; i++) {
        block *k = &cs->blocks[i];
        if (k->mem)
            sl_budget_release(&cs->ctx->budget, k->res);
        sl_batch_free(&k->mem);
        sl_free(k->col_off);
        sl_free(k->heap_len);
        sl_free(k->base);
        sl_free(k->width);
        sl_free(k->all_valid);
    }
    sl_free(cs->enc);
    sl_free(cs->blocks);
    sl_free(cs->types);
    sl_batch_free(&cs->open);
    sl_spill_file_free(&cs->file);
    sl_free(cs);
    *pcs = NULL;
}

/* Gives back a column's unused capacity (a scanner's heap may be sized for its input, a
 * block filled from small batches grew by doubling): a block holds only its values. */
static void shrink(sl_vec *v)
{
    int64_t n = v->n;
    if (v->cap > n + n / 8 + 64) {
        int64_t cap = n ? n : 1;
        v->valid = sl_xrealloc(v->valid, (size_t)words(cap) * 8);
        v->d.i64 = sl_xrealloc(v->d.i64, (size_t)(cap + sl_type_is_var(v->type)) * 8);
        v->cap = cap;
    }
    if (sl_type_is_var(v->type) && v->heap_cap - v->heap_len > v->heap_len / 8 + 4096) {
        v->heap = sl_xrealloc(v->heap, (size_t)(v->heap_len ? v->heap_len : 1));
        v->heap_cap = v->heap_len ? v->heap_len : 1;
    }
}

/* Writes column c (v) of block k as its section of the spill file: [validity words, unless
 * no value is NULL][values | lengths, w bytes each][heap]. Fixed-width values (any 8-byte
 * payload, taken as bits) are stored as their difference from the block's least one in the
 * fewest bytes that hold every difference, a VARCHAR / LIST column's offsets as lengths the
 * same way (read back as offsets from 0 into its heap, written from its first used byte):
 * the G1 table's small integers and short strings take 1-4 bytes a value instead of 8, so
 * the spill file, the bytes read back and the page cache they need shrink ~2x. Lossless for
 * every type (the same bits come back, NULL slots included). */
static int put_col(sl_colstore *cs, block *k, int c, const sl_vec *v, sl_err *err)
{
    int64_t n = k->n;
    bool var = sl_type_is_var(v->type);
    k->col_off[c] = sl_spill_file_size(cs->file);
    bool all = true;
    for (int64_t i = 0; i < n / 64 && all; i++)
        all = v->valid[i] == ~UINT64_C(0);
    for (int64_t i = n / 64 * 64; i < n && all; i++)
        all = sl_vec_valid(v, i);
    k->all_valid[c] = all;
    if (!all && sl_spill_file_append(cs->file, v->valid, words(n) * 8, err))
        return err->code;
    if (cs->enc_cap < n * 8) {
        cs->enc_cap = n * 8 > SL_BATCH_ROWS * 8 ? n * 8 : SL_BATCH_ROWS * 8;
        sl_free(cs->enc);
        cs->enc = sl_xmalloc((size_t)cs->enc_cap);
    }
    const int64_t *x = v->d.i64;
    if (var) {
        int64_t *len = (int64_t *)(void *)cs->enc;
        for (int64_t i = 0; i < n; i++)
            len[i] = v->d.off[i + 1] - v->d.off[i];
        x = len;
    }
    int64_t base;
    int w = sl_narrow_width(x, n, var, &base);
    sl_narrow_pack(cs->enc, x, n, base, w);
    k->width[c] = (uint8_t)w;
    k->base[c] = base; /* 0 for offsets: the heap is written from the first one on */
    if (sl_spill_file_append(cs->file, cs->enc, n * w, err))
        return err->code;
    if (var) {
        k->heap_len[c] = v->d.off[n] - v->d.off[0];
        if (k->heap_len[c] &&
            sl_spill_file_append(cs->file, v->heap + v->d.off[0], k->heap_len[c], err))
            return err->code;
    }
    return 0;
}

static int write_block(sl_colstore *cs, block *k, const sl_batch *b, sl_err *err)
{
    if (!cs->file && sl_spill_file_new(cs->ctx, &cs->file, err))
        return err->code;
    size_t nc = (size_t)cs->n_cols + 1;
    k->col_off = sl_xcalloc(nc, sizeof *k->col_off);
    k->heap_len = sl_xcalloc(nc, sizeof *k->heap_len);
    k->base = sl_xcalloc(nc, sizeof *k->base);
    k->width = sl_xcalloc(nc, sizeof *k->width);
    k->all_valid = sl_xcalloc(nc, sizeof *k->all_valid);
    for (int c = 0; c < cs->n_cols; c++)
        if (put_col(cs, k, c, b->cols[c], err))
            return err->code;
    return 0;
}

/* Stores the dense batch b as the next block (memory while the grant allows, else disk).
 * Takes ownership. */
static int put_block(sl_colstore *cs, sl_batch *b, sl_err *err)
{
    if (cs->n_blocks == cs->cap_blocks) {
        cs->cap_blocks = cs->cap_blocks ? 2 * cs->cap_blocks : 16;
        cs->blocks = sl_xrealloc(cs->blocks, sizeof *cs->blocks * (size_t)cs->cap_blocks);
    }
    block *k = &cs->blocks[cs->n_blocks++];
    memset(k, 0, sizeof *k);
    k->n = b->n_rows;
    cs->rows += b->n_rows;
    for (int c = 0; c < b->n_cols; c++)
        shrink(b->cols[c]);
    if (!cs->spilling) {
        int64_t bytes = sl_batch_bytes(b);
        if (sl_budget_reserve_upto(&cs->ctx->budget, bytes, cs->level)) {
            k->mem = b;
            k->res = bytes;
            cs->mem_bytes += bytes;
            return 0;
        }
        cs->spilling = true;
    }
    int rc = write_block(cs, k, b, err);
    sl_batch_free(&b);
    return rc;
}

/* Appends rows [from, from + n) of the live rows of s (selection sel, or none) to d. */
static void append_rows(sl_vec *d, const sl_vec *s, const uint32_t *sel, int64_t from,
                        int64_t n)
{
    sl_vec_reserve(d, d->n + n);
    int64_t at = d->n;
    if (sl_type_is_var(d->type)) {
        int64_t bytes = 0;
        for (int64_t k = 0; k < n; k++) {
            int64_t r = sel ? sel[from + k] : from + k;
            bytes += s->d.off[r + 1] - s->d.off[r];
        }
        sl_grow((void **)&d->heap, &d->heap_cap, d->heap_len + bytes, 1);
        for (int64_t k = 0; k < n; k++) {
            int64_t r = sel ? sel[from + k] : from + k;
            int64_t len = s->d.off[r + 1] - s->d.off[r];
            if (len)
                memcpy(d->heap + d->heap_len, s->heap + s->d.off[r], (size_t)len);
            d->heap_len += len;
            d->d.off[at + k + 1] = d->heap_len;
        }
    } else if (!sel) {
        memcpy(d->d.i64 + at, s->d.i64 + from, (size_t)n * 8);
    } else {
        for (int64_t k = 0; k < n; k++)
            d->d.i64[at + k] = s->d.i64[sel[from + k]];
    }
    for (int64_t k = 0; k < n; k++)
        sl_vec_set_valid(d, at + k, sl_vec_valid(s, sel ? sel[from + k] : from + k));
    d->n = at + n;
}

int sl_colstore_append(sl_colstore *cs, sl_batch *b, sl_err *err)
{
    if (cs->sealed) {
        sl_batch_free(&b);
        return SL_ERR(err, SL_EINTERNAL, "column store: append after seal");
    }
    if (!cs->types) {
        cs->n_cols = b->n_cols;
        cs->types = sl_xcalloc((size_t)b->n_cols + 1, sizeof *cs->types);
        for (int c = 0; c < b->n_cols; c++)
            cs->types[c] = b->cols[c]->type;
    }
    int64_t live = sl_batch_live(b);
    /* A dense batch of at least half a block is a block as it is: no copy. */
    if (!cs->open && !b->sel && live >= SL_BATCH_ROWS / 2)
        return put_block(cs, b, err);
    for (int64_t done = 0; done < live && !err->code;) {
        if (!cs->open)
            cs->open = sl_batch_new(cs->n_cols, cs->types, live - done);
        int64_t n = SL_BATCH_ROWS - cs->open->n_rows;
        if (n > live - done)
            n = live - done;
        for (int c = 0; c < cs->n_cols; c++)
            append_rows(cs->open->cols[c], b->cols[c], b->sel, done, n);
        cs->open->n_rows += n;
        done += n;
        if (cs->open->n_rows == SL_BATCH_ROWS) {
            sl_batch *full = cs->open;
            cs->open = NULL;
            put_block(cs, full, err);
        }
    }
    sl_batch_free(&b);
    return err->code;
}

int sl_colstore_seal(sl_colstore *cs, sl_err *err)
{
    cs->sealed = true;
    int rc = 0;
    if (cs->open && cs->open->n_rows) {
        sl_batch *last = cs->open;
        cs->open = NULL;
        rc = put_block(cs, last, err);
    }
    sl_batch_free(&cs->open);
    /* the encoding buffer serves appends only (a table outlives its statement) */
    sl_free(cs->enc);
    cs->enc = NULL;
    cs->enc_cap = 0;
    return rc;
}

void sl_colstore_cursor_init(sl_colstore_cursor *c) { c->next = 0; }

/* A dense copy of column s (n values). */
static sl_vec *copy_col(const sl_vec *s, int64_t n)
{
    sl_vec *v = sl_vec_new(s->type, n);
    memcpy(v->valid, s->valid, (size_t)words(n) * 8);
    if (sl_type_is_var(s->type)) {
        memcpy(v->d.off, s->d.off, (size_t)(n + 1) * 8);
        int64_t hl = s->d.off[n];
        v->heap = sl_xmalloc((size_t)(hl ? hl : 1));
        v->heap_cap = hl ? hl : 1;
        if (hl)
            memcpy(v->heap, s->heap, (size_t)hl);
        v->heap_len = hl;
    } else {
        memcpy(v->d.i64, s->d.i64, (size_t)n * 8);
    }
    v->n = n;
    return v;
}

/* Reads spilled column c of block k into a new vector (put_col's section, widened). */
static int read_col(const sl_colstore *cs, const block *k, int c, sl_vec **out, sl_err *err)
{
    int64_t n = k->n, off = k->col_off[c], w = k->all_valid[c] ? 0 : words(n) * 8;
    int vw = k->width[c];
    bool var = sl_type_is_var(cs->types[c]);
    sl_vec *v = sl_vec_new(cs->types[c], n);
    *out = v;
    if (w == 0) {
        memset(v->valid, 0xff, (size_t)words(n) * 8);
        if (n % 64)
            v->valid[n / 64] = (UINT64_C(1) << (n % 64)) - 1;
    } else if (sl_spill_file_read(cs->file, off, v->valid, w, err))
        return err->code;
    /* the packed values go to the end of the value array, then widen in place */
    unsigned char *dst = (unsigned char *)v->d.i64 + (n + var) * 8 - n * vw;
    if (n && sl_spill_file_read(cs->file, off + w, dst, n * vw, err))
        return err->code;
    sl_narrow_unpack(v->d.i64, n, k->base[c], vw, var);
    if (var) {
        int64_t hl = k->heap_len[c];
        v->heap = sl_xmalloc((size_t)(hl ? hl : 1));
        v->heap_cap = hl ? hl : 1;
        v->heap_len = hl;
        if (hl && sl_spill_file_read(cs->file, off + w + n * vw, v->heap, hl, err))
            return err->code;
    }
    v->n = n;
    return 0;
}

int sl_colstore_scan_next(const sl_colstore *cs, sl_colstore_cursor *c, const int *proj,
                          int n_proj, sl_batch **out, sl_err *err)
{
    *out = NULL;
    if (c->next >= cs->n_blocks)
        return 0;
    const block *k = &cs->blocks[c->next++];
    int n = proj ? n_proj : cs->n_cols;
    sl_vec **cols = sl_xcalloc((size_t)n + 1, sizeof *cols);
    for (int i = 0; i < n && !err->code; i++) {
        int col = proj ? proj[i] : i;
        if (col < 0 || col >= cs->n_cols)
            SL_ERR(err, SL_EINTERNAL, "column store: no column %d", col);
        else if (k->mem)
            cols[i] = copy_col(k->mem->cols[col], k->n);
        else
            read_col(cs, k, col, &cols[i], err);
    }
    if (err->code) {
        for (int i = 0; i < n; i++)
            sl_vec_free(&cols[i]);
        sl_free(cols);
        return err->code;
    }
    *out = sl_batch_from_cols(n, cols, k->n);
    sl_free(cols);
    return 0;
}

int64_t sl_colstore_rows(const sl_colstore *cs) { return cs->rows; }
int64_t sl_colstore_mem_bytes(const sl_colstore *cs) { return cs->mem_bytes; }
int64_t sl_colstore_disk_bytes(const sl_colstore *cs)
{
    return cs->file ? sl_spill_file_size(cs->file) : 0;
}
