/*
 * The batch wire format (see wire.h for the layout): the one serialization used by the
 * exchange and by spill files. Writers emit only the rows asked for (live rows, or a chosen
 * subset) so a batch is split by destination without being copied first. The reader trusts
 * nothing: every length is checked against the bytes that remain, VARCHAR offsets must be
 * monotone and end at the heap length, so truncated or corrupt input is an SL_EINTERNAL error,
 * never an out-of-bounds read. NULL slots are written as zero bytes so equal batches serialize
 * to equal bytes (spill checksums). All functions are Local.
 */
#include "batch/wire.h"
#include "batch/nested.h"

#include <string.h>

#include "core/copy_bytes.h"
#include "core/mem.h"

#define WIRE_MAGIC 0x31424C53u /* "SLB1" read as a little-endian u32 */
/* A sanity bound on columns: protects the reader from allocating for a corrupt count. */
#define WIRE_MAX_COLS (1 << 20)

static int64_t words_of(int64_t n) { return (n + 63) / 64; }

/* Zero bytes after heap_bytes of heaps that end a batch on a multiple of 8. */
static int64_t pad_of(int64_t heap_bytes) { return -heap_bytes & 7; }

int64_t sl_wire_size(const sl_batch *b, int64_t n, int64_t heap_bytes)
{
    int64_t sz = 16;
    for (int c = 0; c < b->n_cols; c++) {
        sz += 8 + words_of(n) * 8;
        if (sl_type_is_var(b->cols[c]->type))
            sz += (n + 1) * 8 + 8;
        else
            sz += n * 8;
    }
    return sz + heap_bytes + pad_of(heap_bytes);
}

static void put_u32(char *p, uint32_t x) { memcpy(p, &x, 4); }
static void put_i64(char *p, int64_t x) { memcpy(p, &x, 8); }

/* Physical index of the k-th written row: rows[k], or k itself when rows is NULL. */
static inline int64_t row_at(const uint32_t *rows, int64_t k) { return rows ? rows[k] : k; }

/* Whether every one of v's n values is valid: a pass over n/64 words, so a chunk of rows
 * gathered from v can skip the per-row validity tests (the usual column has no NULL). */
static bool no_nulls(const sl_vec *v)
{
    int64_t full = v->n / 64;
    uint64_t all = ~UINT64_C(0);
    for (int64_t w = 0; w < full; w++)
        all &= v->valid[w];
    if (v->n % 64)
        all &= v->valid[full] | ~((UINT64_C(1) << (v->n % 64)) - 1);
    return all == ~UINT64_C(0);
}

/* Writes rows[0..n) of v, which has no NULL (no_nulls): all-ones validity, the values or
 * offsets and heap bytes without a test per row. Same bytes as the general path. */
static char *write_rows_dense(const sl_vec *v, const uint32_t *rows, int64_t n, char *p,
                              char **heap)
{
    int64_t nw = words_of(n);
    for (int64_t w = 0; w < nw; w++) {
        uint64_t word = w < n / 64 ? ~UINT64_C(0) : (UINT64_C(1) << (n % 64)) - 1;
        memcpy(p + w * 8, &word, 8);
    }
    p += nw * 8;
    if (!sl_type_is_var(v->type)) {
        const int64_t *src = v->d.i64;
        for (int64_t k = 0; k < n; k++)
            memcpy(p + k * 8, &src[rows[k]], 8);
        return p + n * 8;
    }
    const int64_t *so = v->d.off;
    const char *sh = v->heap;
    char *h = *heap;
    int64_t off = 0;
    put_i64(p, 0);
    for (int64_t k = 0; k < n; k++) {
        uint32_t i = rows[k];
        /* The strings of a gathered row set are spread over the source heap, past what the
         * hardware prefetcher follows at every other row: ask 16 rows ahead (~8 % of a
         * 2-rank exchange's packing of 48-byte strings, bench/exchange_bench.c). */
        if (k + 16 < n)
            __builtin_prefetch(sh + so[rows[k + 16]]);
        int64_t len = so[i + 1] - so[i];
        sl_copy_bytes(h + off, sh + so[i], len);
        off += len;
        put_i64(p + (k + 1) * 8, off);
    }
    p += (n + 1) * 8;
    put_i64(p, off);
    *heap = h + off;
    return p + 8;
}

/* Writes column v restricted to rows into p (its fixed part: header, validity, values or
 * offsets and heap length) and a VARCHAR column's heap bytes at *heap, advancing *heap;
 * returns the bytes written at p. */
static int64_t write_col(const sl_vec *v, const uint32_t *rows, int64_t n, char *p, char **heap)
{
    char *start = p;
    put_u32(p, (uint32_t)v->type);
    put_u32(p + 4, 0);
    p += 8;
    if (rows && no_nulls(v))
        return write_rows_dense(v, rows, n, p, heap) - start;
    int64_t nw = words_of(n);
    /* Validity: whole words when rows 0..n are written, else gathered bit by bit. */
    if (!rows && nw) {
        memcpy(p, v->valid, (size_t)nw * 8);
        if (n % 64) {
            uint64_t last = v->valid[nw - 1] & ((UINT64_C(1) << (n % 64)) - 1);
            memcpy(p + (nw - 1) * 8, &last, 8);
        }
    }
    for (int64_t w = 0; rows && w < nw; w++) {
        uint64_t word = 0;
        int64_t lo = w * 64, hi = lo + 64 < n ? lo + 64 : n;
        for (int64_t k = lo; k < hi; k++)
            word |= (uint64_t)sl_vec_valid(v, row_at(rows, k)) << (k - lo);
        memcpy(p + w * 8, &word, 8);
    }
    p += nw * 8;
    if (!sl_type_is_var(v->type)) {
        if (!rows) {
            memcpy(p, v->d.i64, (size_t)n * 8);
            /* Zero the NULL slots so the bytes do not depend on what a NULL slot held. */
            for (int64_t k = 0; k < n; k++)
                if (!sl_vec_valid(v, k))
                    memset(p + k * 8, 0, 8);
        } else {
            for (int64_t k = 0; k < n; k++) {
                int64_t i = rows[k];
                /* all ones where valid, zero where NULL: no branch per row */
                int64_t x = v->d.i64[i] & -(int64_t)sl_vec_valid(v, i);
                memcpy(p + k * 8, &x, 8);
            }
        }
        p += n * 8;
        return p - start;
    }
    /* VARCHAR: the offsets (a NULL is an empty string) and the heap bytes in one pass, then
     * the heap length. */
    char *h = *heap;
    int64_t off = 0;
    put_i64(p, 0);
    if (!rows && n > 0 && v->d.off[n] - v->d.off[0] > 0) {
        bool nulls = false;
        for (int64_t k = 0; k < n; k++) {
            if (sl_vec_valid(v, k))
                off += v->d.off[k + 1] - v->d.off[k];
            else
                nulls |= v->d.off[k + 1] != v->d.off[k];
            put_i64(p + (k + 1) * 8, off);
        }
        if (!nulls) { /* no NULL took bytes away: the heap range is contiguous */
            memcpy(h, v->heap + v->d.off[0], (size_t)off);
        } else {
            int64_t at = 0;
            for (int64_t k = 0; k < n; k++) {
                if (!sl_vec_valid(v, k))
                    continue;
                int64_t len = v->d.off[k + 1] - v->d.off[k];
                sl_copy_bytes(h + at, v->heap + v->d.off[k], len);
                at += len;
            }
        }
    } else {
        for (int64_t k = 0; k < n; k++) {
            int64_t i = row_at(rows, k);
            if (sl_vec_valid(v, i)) {
                int64_t len = v->d.off[i + 1] - v->d.off[i];
                sl_copy_bytes(h + off, v->heap + v->d.off[i], len);
                off += len;
            }
            put_i64(p + (k + 1) * 8, off);
        }
    }
    p += (n + 1) * 8;
    put_i64(p, off);
    p += 8;
    *heap = h + off;
    return p - start;
}

/* Heap bytes that rows[0..n) (or 0..n) of the batch's VARCHAR columns will need. */
static int64_t heap_bytes_of(const sl_batch *b, const uint32_t *rows, int64_t n)
{
    int64_t h = 0;
    for (int c = 0; c < b->n_cols; c++) {
        const sl_vec *v = b->cols[c];
        if (!sl_type_is_var(v->type))
            continue;
        for (int64_t k = 0; k < n; k++) {
            int64_t i = row_at(rows, k);
            if (sl_vec_valid(v, i))
                h += v->d.off[i + 1] - v->d.off[i];
        }
    }
    return h;
}

/* Writes the rows; total is their exact sl_wire_size. */
static void write_impl(const sl_batch *b, const uint32_t *rows, int64_t n, int64_t total,
                       sl_buf *out)
{
    sl_buf_reserve(out, total);
    char *p = out->data + out->len;
    put_u32(p, WIRE_MAGIC);
    put_u32(p + 4, (uint32_t)b->n_cols);
    put_i64(p + 8, n);
    int64_t at = 16;
    char *heap = p + sl_wire_size(b, n, 0); /* the heaps follow every column's fixed part */
    for (int c = 0; c < b->n_cols; c++)
        at += write_col(b->cols[c], rows, n, p + at, &heap);
    int64_t pad = pad_of(heap - (p + at));
    memset(heap, 0, (size_t)pad);
    at = heap + pad - p;
    /* Invariant: sl_wire_size is exact; the exchange plans message sizes with it. */
    (void)total;
    out->len += at;
}

void sl_wire_write(const sl_batch *b, sl_buf *out)
{
    int64_t n = sl_batch_live(b);
    write_impl(b, b->sel, n, sl_wire_size(b, n, heap_bytes_of(b, b->sel, n)), out);
}

void sl_wire_write_rows(const sl_batch *b, const uint32_t *rows, int64_t n, sl_buf *out)
{
    write_impl(b, rows, n, sl_wire_size(b, n, heap_bytes_of(b, rows, n)), out);
}

void sl_wire_write_rows_sized(const sl_batch *b, const uint32_t *rows, int64_t n, int64_t bytes,
                              sl_buf *out)
{
    write_impl(b, rows, n, bytes, out);
}

/* Fills v (new, room for n rows) with rows[0..n) of s, which has no NULL, and its heap
 * bytes at heap (sized by the caller) for a VARCHAR: no test per row. */
static void gather_dense(const sl_vec *s, const uint32_t *rows, int64_t n, sl_vec *v,
                         char *heap)
{
    for (int64_t w = 0; w < words_of(n); w++)
        v->valid[w] = w < n / 64 ? ~UINT64_C(0) : (UINT64_C(1) << (n % 64)) - 1;
    if (!heap) {
        for (int64_t k = 0; k < n; k++)
            v->d.i64[k] = s->d.i64[rows[k]];
        return;
    }
    const int64_t *so = s->d.off;
    int64_t at = 0;
    v->d.off[0] = 0;
    for (int64_t k = 0; k < n; k++) {
        uint32_t i = rows[k];
        int64_t len = so[i + 1] - so[i];
        sl_copy_bytes(heap + at, s->heap + so[i], len);
        at += len;
        v->d.off[k + 1] = at;
    }
}

sl_batch *sl_wire_gather_rows(const sl_batch *b, const uint32_t *rows, int64_t n)
{
    sl_vec **cols = sl_xmalloc(sizeof *cols * (size_t)(b->n_cols ? b->n_cols : 1));
    for (int c = 0; c < b->n_cols; c++) {
        const sl_vec *s = b->cols[c];
        sl_vec *v = sl_vec_new(s->type, n);
        if (no_nulls(s)) { /* the batch write_rows_dense's bytes read back give */
            char *heap = NULL;
            if (sl_type_is_var(s->type)) {
                int64_t bytes = 0;
                for (int64_t k = 0; k < n; k++)
                    bytes += s->d.off[rows[k] + 1] - s->d.off[rows[k]];
                sl_grow((void **)&v->heap, &v->heap_cap, bytes ? bytes : 1, 1);
                v->heap_len = bytes;
                heap = v->heap;
            }
            gather_dense(s, rows, n, v, heap);
            v->n = n;
            cols[c] = v;
            continue;
        }
        uint64_t *valid = v->valid; /* zeroed by sl_vec_new */
        for (int64_t k = 0; k < n; k++) {
            uint32_t i = rows[k];
            valid[k >> 6] |= ((s->valid[i >> 6] >> (i & 63)) & 1) << (k & 63);
        }
        if (!sl_type_is_var(s->type)) {
            const int64_t *src = s->d.i64;
            int64_t *dst = v->d.i64;
            for (int64_t k = 0; k < n; k++)
                dst[k] = src[rows[k]] & -(int64_t)((valid[k >> 6] >> (k & 63)) & 1);
        } else {
            const int64_t *so = s->d.off;
            int64_t *off = v->d.off, heap = 0;
            for (int64_t k = 0; k < n; k++) {
                uint32_t i = rows[k];
                if ((valid[k >> 6] >> (k & 63)) & 1)
                    heap += so[i + 1] - so[i];
            }
            sl_grow((void **)&v->heap, &v->heap_cap, heap ? heap : 1, 1);
            int64_t at = 0;
            off[0] = 0;
            for (int64_t k = 0; k < n; k++) {
                uint32_t i = rows[k];
                if ((valid[k >> 6] >> (k & 63)) & 1) {
                    int64_t len = so[i + 1] - so[i];
                    sl_copy_bytes(v->heap + at, s->heap + so[i], len);
                    at += len;
                }
                off[k + 1] = at;
            }
            v->heap_len = at;
        }
        v->n = n;
        cols[c] = v;
    }
    sl_batch *out = sl_batch_from_cols(b->n_cols, cols, n);
    sl_free(cols);
    return out;
}

/* ---- reading ---- */

typedef struct {
    const char *p;
    int64_t len, at;
} rd;

static int need(rd *r, int64_t n, const char *what, sl_err *err)
{
    if (n < 0 || r->len - r->at < n)
        return SL_ERR(err, SL_EINTERNAL,
                      "corrupt batch data: %s needs %lld bytes at offset %lld, %lld left",
                      what, (long long)n, (long long)r->at, (long long)(r->len - r->at));
    return 0;
}

static uint32_t get_u32(rd *r)
{
    uint32_t x;
    memcpy(&x, r->p + r->at, 4);
    r->at += 4;
    return x;
}

static int64_t get_i64(rd *r)
{
    int64_t x;
    memcpy(&x, r->p + r->at, 8);
    r->at += 8;
    return x;
}

/* A stored column type: one of the plain types, a DECIMAL with a valid width and scale, or a
 * composite type this process has interned (every rank binds the same SQL, so it has). */
static bool type_ok(uint32_t t)
{
    if (t != SL_T_NULL && t != SL_T_DECIMAL && t != SL_T_LIST && t != SL_T_STRUCT &&
        t < SL_T_COUNT)
        return true;
    sl_type d = (sl_type)t;
    if (sl_type_is_composite(d))
        return sl_nested_get(d) != NULL;
    return sl_type_is_decimal(d) && t >> 24 == 0 && sl_dec_width(d) >= 1 &&
           sl_dec_width(d) <= SL_DEC_MAX_WIDTH && sl_dec_scale(d) <= sl_dec_width(d);
}

/* Reads one column's fixed part (header, validity, values or offsets and heap length; its
 * heap follows after every column's, see read_heaps). With blk the column borrows its arrays
 * from the bytes at r (which lie in blk and are 8-byte aligned) instead of copying them. */
static int read_col(rd *r, int64_t n, sl_vblock *blk, sl_vec **out, sl_err *err)
{
    if (need(r, 8, "column header", err))
        return SL_EINTERNAL;
    uint32_t t = get_u32(r);
    (void)get_u32(r);
    if (!type_ok(t))
        return SL_ERR(err, SL_EINTERNAL, "corrupt batch data: bad column type %u at offset %lld",
                      t, (long long)(r->at - 8));
    int64_t nw = words_of(n);
    bool var = sl_type_is_var((sl_type)t);
    int64_t fixed = var ? (n + 1) * 8 + 8 : n * 8;
    if (need(r, nw * 8 + fixed, "column", err))
        return SL_EINTERNAL;
    sl_vec *v;
    if (blk) {
        /* the bytes are the caller's to change (a receive buffer): the arrays are them */
        char *at = (char *)r->p + r->at;
        v = sl_xcalloc(1, sizeof *v);
        v->type = (sl_type)t;
        v->cap = n;
        v->valid = (uint64_t *)(void *)at;
        v->d.i64 = (int64_t *)(void *)(at + nw * 8);
        v->borrow = blk;
        blk->refs++;
    } else {
        v = sl_vec_new((sl_type)t, n);
        if (nw)
            memcpy(v->valid, r->p + r->at, (size_t)nw * 8);
    }
    /* Bits past n must stay clear: appenders rely on fresh slots being zero. */
    if (n % 64)
        v->valid[nw - 1] &= (UINT64_C(1) << (n % 64)) - 1;
    r->at += nw * 8;
    if (!var) {
        if (n && !blk)
            memcpy(v->d.i64, r->p + r->at, (size_t)n * 8);
        r->at += n * 8;
        v->n = n;
        *out = v;
        return 0;
    }
    if (!blk)
        memcpy(v->d.off, r->p + r->at, (size_t)(n + 1) * 8);
    r->at += (n + 1) * 8;
    int64_t heap_len = get_i64(r);
    int bad = v->d.off[0] != 0 || v->d.off[n] != heap_len;
    for (int64_t k = 0; k < n && !bad; k++)
        bad = v->d.off[k + 1] < v->d.off[k];
    /* a HUGEINT is exactly 16 bytes where it is not NULL (batch/int128.h reads 16) */
    bool wide = sl_type_phys((sl_type)t) == SL_T_HUGEINT || t == SL_T_UBIGINT ||
                t == SL_T_UHUGEINT;
    for (int64_t k = 0; k < n && !bad && wide; k++)
        bad = v->d.off[k + 1] - v->d.off[k] != (sl_vec_valid(v, k) ? 16 : 0);
    if (bad) {
        sl_vec_free(&v);
        return SL_ERR(err, SL_EINTERNAL,
                      "corrupt batch data: bad string offsets before offset %lld",
                      (long long)r->at);
    }
    v->heap_len = heap_len; /* the bytes come with read_heaps */
    v->n = n;
    *out = v;
    return 0;
}

/* Reads the heaps of the VARCHAR columns (in column order, after every fixed part) and the
 * padding to a multiple of 8; copies them, or with blk points the columns at them. */
static int read_heaps(rd *r, sl_vec **cols, uint32_t n_cols, sl_vblock *blk, sl_err *err)
{
    int64_t total = 0;
    for (uint32_t c = 0; c < n_cols; c++) {
        sl_vec *v = cols[c];
        if (!sl_type_is_var(v->type))
            continue;
        int64_t len = v->heap_len;
        if (need(r, len, "string heap", err))
            return SL_EINTERNAL;
        if (blk) {
            v->heap = (char *)r->p + r->at;
            v->heap_cap = len;
        } else {
            v->heap_len = 0;
            sl_grow((void **)&v->heap, &v->heap_cap, len, 1);
            if (len)
                memcpy(v->heap, r->p + r->at, (size_t)len);
            v->heap_len = len;
        }
        r->at += len;
        total += len;
    }
    if (need(r, pad_of(total), "padding", err))
        return SL_EINTERNAL;
    r->at += pad_of(total);
    return 0;
}

static int read_impl(const char *p, int64_t len, sl_vblock *blk, sl_batch **out, int64_t *used,
                     sl_err *err)
{
    rd r = { p, len, 0 };
    *out = NULL;
    if (need(&r, 16, "batch header", err))
        return SL_EINTERNAL;
    uint32_t magic = get_u32(&r), n_cols = get_u32(&r);
    int64_t n_rows = get_i64(&r);
    if (magic != WIRE_MAGIC)
        return SL_ERR(err, SL_EINTERNAL, "corrupt batch data: bad magic 0x%08x", magic);
    if (n_cols > WIRE_MAX_COLS || n_rows < 0 || n_rows > ((int64_t)1 << 40))
        return SL_ERR(err, SL_EINTERNAL, "corrupt batch data: %u columns, %lld rows",
                      n_cols, (long long)n_rows);
    /* Every column needs at least 8 bytes per row: reject impossible row counts before any
     * allocation sized by them. */
    int64_t per_col = 8 + n_rows * 8;
    if (n_cols > 0 && (len - r.at) / per_col < (int64_t)n_cols)
        return SL_ERR(err, SL_EINTERNAL, "corrupt batch data: %u columns of %lld rows do not "
                      "fit in %lld bytes", n_cols, (long long)n_rows, (long long)(len - r.at));
    if (n_rows == 0 || ((uintptr_t)p & 7) != 0)
        blk = NULL; /* nothing to borrow, or arrays that would not be aligned: copies */
    sl_vec **cols = sl_xcalloc(n_cols ? n_cols : 1, sizeof *cols);
    uint32_t got = 0;
    int rc = 0;
    for (; got < n_cols && !rc; got++)
        if ((rc = read_col(&r, n_rows, blk, &cols[got], err)) != 0)
            break;
    if (!rc)
        rc = read_heaps(&r, cols, n_cols, blk, err);
    if (rc) {
        for (uint32_t j = 0; j < got; j++)
            sl_vec_free(&cols[j]);
        sl_free(cols);
        return SL_EINTERNAL;
    }
    *out = sl_batch_from_cols((int)n_cols, cols, n_rows);
    sl_free(cols);
    *used = r.at;
    return 0;
}

int sl_wire_read(const char *p, int64_t len, sl_batch **out, int64_t *used, sl_err *err)
{
    return read_impl(p, len, NULL, out, used, err);
}

int sl_wire_read_borrow(char *p, int64_t len, sl_vblock *blk, sl_batch **out, int64_t *used,
                        sl_err *err)
{
    return read_impl(p, len, blk, out, used, err);
}
