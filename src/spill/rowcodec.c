/*
 * The row store's record format; see rowcodec.h. Local.
 *
 * Writing takes each column's span in one pass over the rows and packs the values (or a
 * VARCHAR-like column's lengths) in a second, straight into the output buffer. Reading widens
 * in place the way colstore.c does.
 */
#include "spill/rowcodec.h"

#include <string.h>

#include "core/copy_bytes.h"
#include "core/mem.h"
#include "spill/narrow.h"

#define ROW_MAGIC 0x31524c53u /* "SLR1" little-endian */
#define COL_HDR 24            /* type, width, has_nulls, pad, base, heap_len */

static int64_t words(int64_t n) { return (n + 63) / 64; }

/* Physical index of the k-th written row: rows[k], or k itself when rows is NULL. */
static inline int64_t row_at(const uint32_t *rows, int64_t k) { return rows ? rows[k] : k; }

/* Writes the validity words of rows at p; returns whether any of them is NULL. */
static bool put_validity(const sl_vec *v, const uint32_t *rows, int64_t n, char *p)
{
    uint64_t any_null = 0;
    for (int64_t w = 0; w < words(n); w++) {
        int64_t lo = w * 64, hi = lo + 64 < n ? lo + 64 : n;
        uint64_t mask = hi - lo == 64 ? ~UINT64_C(0) : (UINT64_C(1) << (hi - lo)) - 1;
        uint64_t word = 0;
        if (!rows)
            word = v->valid[w] & mask;
        else
            for (int64_t k = lo; k < hi; k++)
                word |= (uint64_t)sl_vec_valid(v, rows[k]) << (k - lo);
        any_null |= word ^ mask;
        memcpy(p + w * 8, &word, 8);
    }
    return any_null != 0;
}

/* The stored value of the k-th written row: a fixed-width value (0 where NULL) or a
 * VARCHAR-like value's length (0 where NULL). Always inlined with constant flags, so that
 * each of put_col's loops is compiled for its case (dense rows without NULLs: plain loops
 * over the arrays that the compiler vectorizes). */
static inline __attribute__((always_inline)) int64_t value_at(const sl_vec *v, bool var,
                                                              bool nulls, const uint32_t *rows,
                                                              int64_t k)
{
    int64_t i = row_at(rows, k);
    int64_t x = var ? v->d.off[i + 1] - v->d.off[i] : v->d.i64[i];
    return nulls ? x & -(int64_t)sl_vec_valid(v, i) : x; /* all ones where valid */
}

/* The least and greatest stored value of the rows and, for VARCHAR-like columns, their
 * heap bytes (the sum of the lengths). */
static inline __attribute__((always_inline)) void span_of(const sl_vec *v, bool var,
                                                          bool nulls, const uint32_t *rows,
                                                          int64_t n, int64_t *lo, int64_t *hi,
                                                          int64_t *heap_len)
{
    int64_t l = 0, h = 0, sum = 0;
    if (n > 0 && !var)
        l = h = value_at(v, var, nulls, rows, 0);
    for (int64_t k = 0; k < n; k++) {
        /* A row list (a grace partition's rows) scatters over the batch: fetch ahead. */
        if (rows && k + 16 < n)
            __builtin_prefetch(&v->d.i64[rows[k + 16]]);
        int64_t x = value_at(v, var, nulls, rows, k);
        l = x < l ? x : l;
        h = x > h ? x : h;
        sum += var ? x : 0;
    }
    *lo = l;
    *hi = h;
    *heap_len = sum;
}

/* One loop per width (no per-value dispatch): T is the stored unsigned type. */
#define PACK_ROWS(T)                                                                    \
    for (int64_t k = 0; k < n; k++) {                                                   \
        T x = (T)((uint64_t)value_at(v, var, nulls, rows, k) - (uint64_t)base);         \
        memcpy(p + sizeof(T) * (size_t)k, &x, sizeof(T));                               \
    }

static inline __attribute__((always_inline)) void pack_rows(unsigned char *p, const sl_vec *v,
                                                            bool var, bool nulls,
                                                            const uint32_t *rows, int64_t n,
                                                            int64_t base, int w)
{
    if (w == 1)
        PACK_ROWS(uint8_t)
    else if (w == 2)
        PACK_ROWS(uint16_t)
    else if (w == 4)
        PACK_ROWS(uint32_t)
    else
        PACK_ROWS(uint64_t)
}

/* span_of and pack_rows, each case compiled apart. */
#define BY_CASE(call_var, call_fixed)                                                   \
    do {                                                                                \
        if (var) {                                                                      \
            bool var = true;                                                            \
            call_var;                                                                   \
        } else {                                                                        \
            bool var = false;                                                           \
            call_fixed;                                                                 \
        }                                                                               \
    } while (0)

static void span_any(const sl_vec *v, bool var, bool nulls, const uint32_t *rows, int64_t n,
                     int64_t *lo, int64_t *hi, int64_t *heap_len)
{
    if (nulls)
        span_of(v, var, true, rows, n, lo, hi, heap_len);
    else if (rows)
        BY_CASE(span_of(v, var, false, rows, n, lo, hi, heap_len),
                span_of(v, var, false, rows, n, lo, hi, heap_len));
    else
        BY_CASE(span_of(v, var, false, NULL, n, lo, hi, heap_len),
                span_of(v, var, false, NULL, n, lo, hi, heap_len));
}

static void pack_any(unsigned char *p, const sl_vec *v, bool var, bool nulls,
                     const uint32_t *rows, int64_t n, int64_t base, int w)
{
    if (nulls)
        pack_rows(p, v, var, true, rows, n, base, w);
    else if (rows)
        BY_CASE(pack_rows(p, v, var, false, rows, n, base, w),
                pack_rows(p, v, var, false, rows, n, base, w));
    else
        BY_CASE(pack_rows(p, v, var, false, NULL, n, base, w),
                pack_rows(p, v, var, false, NULL, n, base, w));
}

/* Appends column v restricted to rows (n of them) as its section of the record: validity,
 * then two passes over the source (the span, then the packing) and no scratch copy
 * (gathering the values 8 bytes each first made the output buffer 8x the record and cost a
 * page fault per 4 KB of it). */
static void put_col(const sl_vec *v, const uint32_t *rows, int64_t n, sl_buf *out)
{
    bool var = sl_type_is_var(v->type);
    int64_t nw = words(n);
    sl_buf_reserve(out, COL_HDR + nw * 8);
    char *h = out->data + out->len;
    bool nulls = put_validity(v, rows, n, h + COL_HDR);
    int64_t lo, hi, heap_len;
    span_any(v, var, nulls, rows, n, &lo, &hi, &heap_len);
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    int w = span <= UINT8_MAX ? 1 : span <= UINT16_MAX ? 2 : span <= UINT32_MAX ? 4 : 8;
    int64_t base = lo; /* 0 for lengths */
    /* sl_buf_reserve reallocs, which keeps the validity words just written past len */
    sl_buf_reserve(out, COL_HDR + nw * 8 + n * w + heap_len);
    h = out->data + out->len;
    uint32_t type = (uint32_t)v->type;
    uint8_t wb = (uint8_t)w, nb = nulls;
    uint16_t pad = 0;
    memcpy(h, &type, 4);
    memcpy(h + 4, &wb, 1);
    memcpy(h + 5, &nb, 1);
    memcpy(h + 6, &pad, 2);
    memcpy(h + 8, &base, 8);
    memcpy(h + 16, &heap_len, 8);
    unsigned char *p = (unsigned char *)h + COL_HDR + (nulls ? nw * 8 : 0);
    pack_any(p, v, var, nulls, rows, n, base, w);
    char *d = (char *)p + n * w;
    out->len = d + heap_len - out->data;
    if (heap_len == 0)
        return;
    if (!rows && !nulls) {
        memcpy(d, v->heap + v->d.off[0], (size_t)heap_len); /* rows 0..n, contiguous */
        return;
    }
    int64_t o = 0;
    for (int64_t k = 0; k < n; k++) {
        int64_t i = row_at(rows, k);
        if (!sl_vec_valid(v, i))
            continue;
        int64_t len = v->d.off[i + 1] - v->d.off[i];
        sl_copy_bytes(d + o, v->heap + v->d.off[i], len);
        o += len;
    }
}

void sl_rowcodec_write(const sl_batch *b, const uint32_t *rows, int64_t n, sl_buf *out)
{
    if (!rows && b->sel) {
        rows = b->sel;
        n = b->n_sel;
    }
    uint32_t head[2] = { ROW_MAGIC, (uint32_t)b->n_cols };
    sl_buf_append(out, head, 8);
    sl_buf_append(out, &n, 8);
    for (int c = 0; c < b->n_cols; c++)
        put_col(b->cols[c], rows, n, out);
}

typedef struct rd {
    const char *p;
    int64_t len, at;
} rd;

static int need(const rd *r, int64_t n, const char *what, sl_err *err)
{
    if (n < 0 || r->len - r->at < n)
        return SL_ERR(err, SL_EINTERNAL,
                      "row store: corrupt spill record: %s needs %lld bytes at byte %lld of "
                      "%lld",
                      what, (long long)n, (long long)r->at, (long long)r->len);
    return 0;
}

/* Decodes one column section into a new vector of n values. The type is trusted (a spill
 * file is this rank's own, unlinked and 0600); sizes, widths and string offsets are checked
 * so that a damaged file cannot make a read leave the record or a vector. */
static int get_col(rd *r, int64_t n, sl_vec **out, sl_err *err)
{
    if (need(r, COL_HDR, "column header", err))
        return err->code;
    uint32_t type;
    uint8_t w, nulls;
    int64_t base, heap_len;
    memcpy(&type, r->p + r->at, 4);
    memcpy(&w, r->p + r->at + 4, 1);
    memcpy(&nulls, r->p + r->at + 5, 1);
    memcpy(&base, r->p + r->at + 8, 8);
    memcpy(&heap_len, r->p + r->at + 16, 8);
    r->at += COL_HDR;
    bool var = sl_type_is_var((sl_type)type);
    if ((w != 1 && w != 2 && w != 4 && w != 8) || nulls > 1 || heap_len < 0 ||
        (!var && heap_len) || (var && base != 0))
        return SL_ERR(err, SL_EINTERNAL, "row store: corrupt spill record: column header at "
                      "byte %lld", (long long)(r->at - COL_HDR));
    int64_t nw = words(n);
    if (need(r, (nulls ? nw * 8 : 0) + n * w + heap_len, "column", err))
        return err->code;
    sl_vec *v = sl_vec_new((sl_type)type, n);
    *out = v;
    if (nulls) {
        memcpy(v->valid, r->p + r->at, (size_t)nw * 8);
        r->at += nw * 8;
    } else if (nw) {
        memset(v->valid, 0xff, (size_t)nw * 8);
    }
    /* Bits past n must stay clear: appenders rely on fresh slots being zero. */
    if (n % 64)
        v->valid[nw - 1] &= (UINT64_C(1) << (n % 64)) - 1;
    /* the packed values go to the end of the value array, then widen in place */
    if (n)
        memcpy((char *)v->d.i64 + (n + var) * 8 - n * w, r->p + r->at, (size_t)(n * w));
    r->at += n * w;
    sl_narrow_unpack(v->d.i64, n, base, w, var);
    v->n = n;
    if (!var)
        return 0;
    bool bad = v->d.off[n] != heap_len;
    for (int64_t k = 0; k < n && !bad && w == 8; k++) /* only 8-byte lengths can wrap */
        bad = v->d.off[k + 1] < v->d.off[k];
    /* a HUGEINT is exactly 16 bytes where it is not NULL (batch/int128.h reads 16) */
    bool wide = sl_type_phys((sl_type)type) == SL_T_HUGEINT || type == SL_T_UBIGINT ||
                type == SL_T_UHUGEINT;
    for (int64_t k = 0; k < n && !bad && wide; k++)
        bad = v->d.off[k + 1] - v->d.off[k] != (sl_vec_valid(v, k) ? 16 : 0);
    if (bad)
        return SL_ERR(err, SL_EINTERNAL, "row store: corrupt spill record: string lengths "
                      "before byte %lld", (long long)r->at);
    v->heap = sl_xmalloc((size_t)(heap_len ? heap_len : 1));
    v->heap_cap = heap_len ? heap_len : 1;
    v->heap_len = heap_len;
    if (heap_len)
        memcpy(v->heap, r->p + r->at, (size_t)heap_len);
    r->at += heap_len;
    return 0;
}

int sl_rowcodec_read(const char *p, int64_t len, sl_batch **out, sl_err *err)
{
    *out = NULL;
    rd r = { p, len, 0 };
    if (need(&r, 16, "record header", err))
        return err->code;
    uint32_t head[2];
    int64_t n;
    memcpy(head, p, 8);
    memcpy(&n, p + 8, 8);
    r.at = 16;
    if (head[0] != ROW_MAGIC || n < 0 || n > UINT32_MAX ||
        (int64_t)head[1] * COL_HDR > len - 16)
        return SL_ERR(err, SL_EINTERNAL, "row store: corrupt spill record header");
    int nc = (int)head[1];
    sl_vec **cols = sl_xcalloc((size_t)nc + 1, sizeof *cols);
    for (int c = 0; c < nc && !err->code; c++)
        get_col(&r, n, &cols[c], err);
    if (!err->code && r.at != len)
        SL_ERR(err, SL_EINTERNAL, "row store: corrupt spill record: %lld bytes left over",
               (long long)(len - r.at));
    if (err->code) {
        for (int c = 0; c < nc; c++)
            sl_vec_free(&cols[c]);
        sl_free(cols);
        return err->code;
    }
    *out = sl_batch_from_cols(nc, cols, n);
    sl_free(cols);
    return 0;
}
