/*
 * Spillable row store; see rowstore.h. Local.
 *
 * Invariant: once a store has spilled one batch it never keeps another in memory, so a store
 * that overflowed does not flap between disk and memory batch by batch (each flip would pay
 * a reservation attempt and leave the file's page cache cold).
 *
 * Order on disk: the records of a store are read from its segments in turn, after the memory
 * batches: the files sl_rowstore_lower wrote (memory batches moved to disk: each holds batches
 * older than the one written before it, so newest file first), then the file appends spill to.
 */
#include "spill/rowstore.h"

#include <string.h>

#include "core/budget.h"
#include "core/buf.h"
#include "core/mem.h"
#include "spill/rowcodec.h"
#include "spill/spill.h"

/* Pending serialized bytes are written out in chunks of about this size (default). */
#define WBUF_FLUSH (128 * 1024)

struct sl_rowstore {
    sl_ctx *ctx;
    int64_t level;          /* budget level (grant) for memory batches; 0 = disk only */
    sl_batchlist mem;       /* batches held in memory */
    int64_t *mem_res;       /* reservation of each memory batch */
    int64_t mem_bytes;
    int next_mem;           /* read cursor over mem */
    sl_spill_file *file;
    sl_spill_file **moved;  /* memory batches moved to disk by sl_rowstore_lower, oldest file
                             * first */
    int n_moved;
    sl_buf wbuf;            /* serialized records not yet written */
    int64_t wbuf_flush;     /* ... written out once they reach this many bytes */
    int rseg;               /* read cursor: segment (seg_file) and offset in it */
    int64_t roff;
    sl_buf rbuf;
    int64_t rows;
    bool spilling, reading;
};

sl_rowstore *sl_rowstore_new(sl_ctx *ctx, int64_t level)
{
    sl_rowstore *rs = sl_xcalloc(1, sizeof *rs);
    rs->ctx = ctx;
    rs->level = level;
    sl_batchlist_init(&rs->mem);
    sl_buf_init(&rs->wbuf);
    sl_buf_init(&rs->rbuf);
    rs->spilling = level <= 0;
    rs->wbuf_flush = WBUF_FLUSH;
    return rs;
}

void sl_rowstore_set_write_buffer(sl_rowstore *rs, int64_t bytes)
{
    rs->wbuf_flush = bytes > 4096 ? bytes : 4096;
}

void sl_rowstore_free(sl_rowstore **prs)
{
    if (!prs || !*prs)
        return;
    sl_rowstore *rs = *prs;
    for (int i = rs->next_mem; i < rs->mem.n; i++)
        sl_budget_release(&rs->ctx->budget, rs->mem_res[i]);
    sl_batchlist_free(&rs->mem);
    sl_free(rs->mem_res);
    sl_spill_file_free(&rs->file);
    for (int i = 0; i < rs->n_moved; i++)
        sl_spill_file_free(&rs->moved[i]);
    sl_free(rs->moved);
    sl_buf_free(&rs->wbuf);
    sl_buf_free(&rs->rbuf);
    sl_free(rs);
    *prs = NULL;
}

static int flush(sl_rowstore *rs, sl_err *err)
{
    if (rs->wbuf.len == 0)
        return 0;
    if (!rs->file && sl_spill_file_new(rs->ctx, &rs->file, err))
        return err->code;
    int rc = sl_spill_file_append(rs->file, rs->wbuf.data, rs->wbuf.len, err);
    /* A batch can serialize to several MB; do not keep that capacity around per store. */
    if (rs->wbuf.cap > 4 * rs->wbuf_flush)
        sl_buf_free(&rs->wbuf);
    else
        sl_buf_reset(&rs->wbuf);
    return rc;
}

/* Appends rows (all live rows when rows == NULL) to buf as one record [i64 len][record]. */
static void add_record(sl_buf *buf, const sl_batch *b, const uint32_t *rows, int64_t n)
{
    int64_t at = buf->len, len = 0;
    sl_buf_append(buf, &len, 8);
    sl_rowcodec_write(b, rows, rows ? n : sl_batch_live(b), buf);
    len = buf->len - at - 8;
    memcpy(buf->data + at, &len, 8);
}

/* Serializes rows (all live rows when rows == NULL) as one record into wbuf. */
static int put_record(sl_rowstore *rs, const sl_batch *b, const uint32_t *rows, int64_t n,
                      sl_err *err)
{
    add_record(&rs->wbuf, b, rows, n);
    rs->rows += rows ? n : sl_batch_live(b);
    if (rs->wbuf.len >= rs->wbuf_flush)
        return flush(rs, err);
    return 0;
}

int sl_rowstore_append(sl_rowstore *rs, sl_batch *b, sl_err *err)
{
    if (rs->reading) {
        sl_batch_free(&b);
        return SL_ERR(err, SL_EINTERNAL, "row store: append after reading started");
    }
    if (sl_batch_live(b) == 0) {
        sl_batch_free(&b);
        return 0;
    }
    if (!rs->spilling) {
        /* Sparse batches would pin memory for dead rows. */
        if (b->sel && b->n_sel * 2 < b->n_rows) {
            sl_batch *c = sl_batch_compact(b);
            sl_batch_free(&b);
            b = c;
        }
        int64_t bytes = sl_batch_bytes(b);
        if (sl_budget_reserve_upto(&rs->ctx->budget, bytes, rs->level)) {
            sl_batchlist_push(&rs->mem, b);
            rs->mem_res = sl_xrealloc(rs->mem_res, sizeof *rs->mem_res * (size_t)rs->mem.n);
            rs->mem_res[rs->mem.n - 1] = bytes;
            rs->mem_bytes += bytes;
            rs->rows += sl_batch_live(b);
            return 0;
        }
        rs->spilling = true;
    }
    int rc = put_record(rs, b, NULL, 0, err);
    sl_batch_free(&b);
    return rc;
}

int sl_rowstore_append_rows(sl_rowstore *rs, const sl_batch *b, const uint32_t *rows,
                            int64_t n, sl_err *err)
{
    if (rs->reading)
        return SL_ERR(err, SL_EINTERNAL, "row store: append after reading started");
    if (n == 0)
        return 0;
    return put_record(rs, b, rows, n, err);
}

int sl_rowstore_lower(sl_rowstore *rs, int64_t level, sl_err *err)
{
    if (rs->reading)
        return SL_ERR(err, SL_EINTERNAL, "row store: lowered after reading started");
    rs->level = level;
    int k = rs->mem.n;
    for (int64_t over = sl_budget_reserved(&rs->ctx->budget) - level; k > 0 && over > 0;)
        over -= rs->mem_res[--k];
    if (k == rs->mem.n)
        return 0;
    sl_spill_file *f = NULL;
    if (sl_spill_file_new(rs->ctx, &f, err))
        return err->code;
    rs->moved = sl_xrealloc(rs->moved, sizeof *rs->moved * (size_t)(rs->n_moved + 1));
    rs->moved[rs->n_moved++] = f;
    sl_buf buf;
    sl_buf_init(&buf);
    for (int i = k; i < rs->mem.n; i++) {
        if (!err->code) {
            sl_buf_reset(&buf);
            add_record(&buf, rs->mem.b[i], NULL, 0);
            sl_spill_file_append(f, buf.data, buf.len, err);
        }
        sl_batch_free(&rs->mem.b[i]);
        sl_budget_release(&rs->ctx->budget, rs->mem_res[i]);
        rs->mem_bytes -= rs->mem_res[i];
    }
    sl_buf_free(&buf);
    rs->mem.n = k;
    rs->spilling = true;
    return err->code;
}

/* Segment i of the store's disk records in reading order (newest moved file first, the
 * append file last), or NULL past the end (or for an append file never made). */
static sl_spill_file *seg_file(const sl_rowstore *rs, int i)
{
    return i < rs->n_moved ? rs->moved[rs->n_moved - 1 - i] : i == rs->n_moved ? rs->file : NULL;
}

/* Reads the spill record at *off into buf; sets *len (0 at the end of the file). */
static int read_record(sl_spill_file *f, int64_t off, sl_buf *buf, int64_t *len, sl_err *err)
{
    *len = 0;
    if (!f || off >= sl_spill_file_size(f))
        return 0;
    if (sl_spill_file_read(f, off, len, 8, err))
        return err->code;
    if (*len <= 0 || off + 8 + *len > sl_spill_file_size(f))
        return SL_ERR(err, SL_EINTERNAL, "row store: corrupt spill record at byte %lld",
                      (long long)off);
    sl_buf_reset(buf);
    sl_buf_reserve(buf, *len);
    return sl_spill_file_read(f, off + 8, buf->data, *len, err);
}

/* Reads the next disk record from segment *seg at *off on (moving on to the next segment at
 * the end of one) into buf; sets *len (0 after the last segment). */
static int read_next(const sl_rowstore *rs, int *seg, int64_t *off, sl_buf *buf, int64_t *len,
                     sl_err *err)
{
    *len = 0;
    for (; *seg <= rs->n_moved; (*seg)++, *off = 0)
        if (read_record(seg_file(rs, *seg), *off, buf, len, err) || *len > 0)
            break;
    return err->code;
}

int sl_rowstore_next(sl_rowstore *rs, sl_batch **out, sl_err *err)
{
    *out = NULL;
    if (!rs->reading) {
        rs->reading = true;
        if (flush(rs, err))
            return err->code;
        sl_buf_free(&rs->wbuf);
    }
    if (rs->next_mem < rs->mem.n) {
        int i = rs->next_mem++;
        *out = rs->mem.b[i];
        rs->mem.b[i] = NULL;
        sl_budget_release(&rs->ctx->budget, rs->mem_res[i]);
        rs->mem_bytes -= rs->mem_res[i];
        return 0;
    }
    int64_t len;
    if (read_next(rs, &rs->rseg, &rs->roff, &rs->rbuf, &len, err))
        return err->code;
    if (len == 0) {
        sl_buf_free(&rs->rbuf);
        return 0;
    }
    if (sl_rowcodec_read(rs->rbuf.data, len, out, err))
        return err->code;
    rs->roff += 8 + len;
    return 0;
}

int sl_rowstore_seal(sl_rowstore *rs, sl_err *err)
{
    if (flush(rs, err))
        return err->code;
    sl_buf_free(&rs->wbuf);
    rs->reading = true; /* no appends from now on */
    return 0;
}

void sl_rowstore_cursor_init(sl_rowstore_cursor *c)
{
    c->mem_i = 0;
    c->seg = 0;
    c->off = 0;
    sl_buf_init(&c->buf);
}

void sl_rowstore_cursor_free(sl_rowstore_cursor *c) { sl_buf_free(&c->buf); }

int sl_rowstore_scan_next(const sl_rowstore *rs, sl_rowstore_cursor *c, sl_batch **out,
                          sl_err *err)
{
    *out = NULL;
    if (c->mem_i < rs->mem.n) {
        *out = sl_batch_compact(rs->mem.b[c->mem_i++]);
        return 0;
    }
    int64_t len;
    if (read_next(rs, &c->seg, &c->off, &c->buf, &len, err) || len == 0)
        return err->code;
    if (sl_rowcodec_read(c->buf.data, len, out, err))
        return err->code;
    c->off += 8 + len;
    return 0;
}

int64_t sl_rowstore_rows(const sl_rowstore *rs) { return rs->rows; }
int64_t sl_rowstore_mem_bytes(const sl_rowstore *rs) { return rs->mem_bytes; }
int64_t sl_rowstore_disk_bytes(const sl_rowstore *rs)
{
    int64_t n = rs->wbuf.len;
    for (int i = 0; i <= rs->n_moved; i++)
        n += seg_file(rs, i) ? sl_spill_file_size(seg_file(rs, i)) : 0;
    return n;
}
