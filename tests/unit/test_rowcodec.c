/*
 * Unit tests for the row store's record format (src/spill/rowcodec.c) and the row store that
 * writes it (src/spill/rowstore.c). The oracle is the exchange's wire format (batch/wire.c,
 * 8 bytes a value, written and read by independent code): a record decodes to the batch that
 * sl_wire_write_rows + sl_wire_read give for the same rows, compared as the wire bytes of
 * both. Cases: every storage kind (fixed 8-byte, VARCHAR, LIST and HUGEINT heaps), NULLs,
 * all-NULL and no-NULL columns, empty strings, every packing width's edges and the int64
 * extremes, row counts around a validity word, dense batches, selections and row lists;
 * truncated and damaged records fail cleanly; a spilled store gives its rows back in order,
 * also after it gave way (sl_rowstore_lower) with memory, moved and spilled batches.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/batch.h"
#include "batch/wire.h"
#include "core/budget.h"
#include "core/ctx.h"
#include "core/mem.h"
#include "spill/rowcodec.h"
#include "spill/rowstore.h"
#include "spill/spill.h"
#include "check.h"

#define NC 7
static const sl_type types[NC] = { SL_T_BIGINT, SL_T_DOUBLE, SL_T_VARCHAR, SL_T_BOOL,
                                   SL_T_LIST_BIGINT, SL_T_HUGEINT, SL_T_BIGINT };

/* Value of column c in row id for pattern s (0: small spans, 1-6: one width edge each,
 * 7: the int64 extremes); NULL every 5th row shifted by c, column 6 never, column 3 always
 * in pattern 2. */
static void push_row(sl_batch *b, int s, int64_t id)
{
    static const int64_t span[] = { 9, 255, 256, 65535, 65536, 4294967295LL, 4294967296LL };
    char tmp[64];
    for (int c = 0; c < NC; c++) {
        sl_vec *v = b->cols[c];
        bool null = c != 6 && ((id + c) % 5 == 2 || (s == 2 && c == 3));
        if (null) {
            sl_vec_push_null(v);
            continue;
        }
        switch (c) {
        case 0:
            sl_vec_push_i64(v, s == 7 ? (id & 1 ? INT64_MAX : INT64_MIN)
                                      : -17 + id % (span[s % 7] + 1) + (id % 3 == 0) * span[s % 7]);
            break;
        case 1: sl_vec_push_f64(v, (double)id * 0.125 - 7.0); break;
        case 2: {
            int len = snprintf(tmp, sizeof tmp, "k%lld-%.*s", (long long)id, (int)(id % 13),
                               "abcdefghijklm");
            sl_vec_push_str(v, tmp, id % 4 == 0 ? 0 : len);
            break;
        }
        case 3: sl_vec_push_i64(v, id & 1); break;
        case 4: {
            int64_t xs[3] = { id, -id, id * 1000 };
            sl_vec_push_str(v, (const char *)xs, (int64_t)(id % 4) * 8 % 32);
            break;
        }
        case 5:
            memset(tmp, 0, 16);
            memcpy(tmp + 8, &id, 8);
            sl_vec_push_str(v, tmp, 16);
            break;
        default: sl_vec_push_i64(v, id); break;
        }
    }
    b->n_rows++;
}

static sl_batch *make(int s, int64_t first, int64_t n)
{
    sl_batch *b = sl_batch_new(NC, types, n);
    for (int64_t k = 0; k < n; k++)
        push_row(b, s, first + k);
    return b;
}

/* The wire bytes of the live rows of b. */
static void wire_of(const sl_batch *b, sl_buf *out)
{
    sl_buf_reset(out);
    sl_wire_write(b, out);
}

/* Encodes rows (or b's live rows) and checks that decoding gives the wire round trip's
 * batch; returns the record's bytes. */
static int64_t round_trip(const sl_batch *b, const uint32_t *rows, int64_t n)
{
    sl_buf rec, w1, w2;
    sl_buf_init(&rec);
    sl_buf_init(&w1);
    sl_buf_init(&w2);
    sl_rowcodec_write(b, rows, rows ? n : sl_batch_live(b), &rec);
    sl_err err = {0};
    sl_batch *got = NULL, *want = NULL;
    CHECK_INT(sl_rowcodec_read(rec.data, rec.len, &got, &err), 0);
    if (rows)
        sl_wire_write_rows(b, rows, n, &w1);
    else
        sl_wire_write(b, &w1);
    int64_t used = 0;
    CHECK_INT(sl_wire_read(w1.data, w1.len, &want, &used, &err), 0);
    if (got && want) {
        CHECK(got->sel == NULL);
        CHECK_INT(got->n_rows, want->n_rows);
        wire_of(got, &w1);
        wire_of(want, &w2);
        CHECK_INT(w1.len, w2.len);
        CHECK(w1.len == w2.len && memcmp(w1.data, w2.data, (size_t)w1.len) == 0);
    }
    /* Every truncation fails cleanly (no read past the record). */
    for (int64_t cut = 0; cut < rec.len; cut += 1 + rec.len / 97) {
        sl_err e2 = {0};
        sl_batch *bad = NULL;
        CHECK(sl_rowcodec_read(rec.data, cut, &bad, &e2) == SL_EINTERNAL && bad == NULL);
    }
    sl_batch_free(&got);
    sl_batch_free(&want);
    int64_t len = rec.len;
    sl_buf_free(&rec);
    sl_buf_free(&w1);
    sl_buf_free(&w2);
    return len;
}

static void codec_cases(void)
{
    static const int64_t sizes[] = { 1, 2, 63, 64, 65, 127, 1000, 70000 };
    for (int s = 0; s < 8; s++)
        for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
            int64_t n = sizes[z];
            sl_batch *b = make(s, 1000 * s + 3, n);
            round_trip(b, NULL, 0);
            /* a row list out of order, with repeats */
            uint32_t *rows = sl_xmalloc(sizeof *rows * (size_t)n);
            for (int64_t k = 0; k < n; k++)
                rows[k] = (uint32_t)((k * 7919) % n);
            round_trip(b, rows, n);
            round_trip(b, rows, n / 2 + 1);
            /* a selection: the odd rows */
            int64_t ns = n / 2;
            uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)(ns + 1));
            for (int64_t k = 0; k < ns; k++)
                sel[k] = (uint32_t)(2 * k + 1);
            sl_batch_set_sel(b, sel, ns);
            if (ns)
                round_trip(b, NULL, 0);
            sl_free(rows);
            sl_batch_free(&b);
        }
}

/* q10's rows (three short strings, small integers, a double, a count) take about half the
 * wire format's bytes; a damaged header or length is an error, not a crash. */
static void size_and_damage(void)
{
    sl_type t[8] = { SL_T_VARCHAR, SL_T_VARCHAR, SL_T_VARCHAR, SL_T_BIGINT,
                     SL_T_BIGINT,  SL_T_BIGINT,  SL_T_DOUBLE,  SL_T_BIGINT };
    int64_t n = 4096;
    sl_batch *b = sl_batch_new(8, t, n);
    char tmp[16];
    for (int64_t i = 0; i < n; i++) {
        snprintf(tmp, sizeof tmp, "id%03lld", (long long)(i % 100 + 1));
        sl_vec_push_str(b->cols[0], tmp, 5);
        sl_vec_push_str(b->cols[1], tmp, 5);
        snprintf(tmp, sizeof tmp, "id%010lld", (long long)(i * 97 % 100000 + 1));
        sl_vec_push_str(b->cols[2], tmp, 12);
        sl_vec_push_i64(b->cols[3], i % 100 + 1);
        sl_vec_push_i64(b->cols[4], i % 77 + 1);
        sl_vec_push_i64(b->cols[5], i * 31 % 100000 + 1);
        sl_vec_push_f64(b->cols[6], (double)i * 1.000001);
        sl_vec_push_i64(b->cols[7], 1);
        b->n_rows++;
    }
    sl_buf rec, w;
    sl_buf_init(&rec);
    sl_buf_init(&w);
    sl_rowcodec_write(b, NULL, n, &rec);
    sl_wire_write(b, &w);
    CHECK(rec.len * 2 < w.len);
    sl_err err = {0};
    sl_batch *got = NULL;
    rec.data[0] ^= 1; /* magic */
    CHECK_INT(sl_rowcodec_read(rec.data, rec.len, &got, &err), SL_EINTERNAL);
    rec.data[0] ^= 1;
    rec.data[16 + 4] = 3; /* the first column's width */
    err = (sl_err){0};
    CHECK_INT(sl_rowcodec_read(rec.data, rec.len, &got, &err), SL_EINTERNAL);
    rec.data[16 + 4] = 1;
    rec.data[16 + 16] ^= 4; /* its heap length */
    err = (sl_err){0};
    CHECK_INT(sl_rowcodec_read(rec.data, rec.len, &got, &err), SL_EINTERNAL);
    rec.data[16 + 16] ^= 4;
    err = (sl_err){0};
    CHECK_INT(sl_rowcodec_read(rec.data, rec.len, &got, &err), 0);
    CHECK(got != NULL && got->n_rows == n);
    sl_batch_free(&got);
    sl_buf_free(&rec);
    sl_buf_free(&w);
    sl_batch_free(&b);
}

/* A disk-only store (grace partitions) gives appended batches and row lists back in order. */
static void store_cases(sl_ctx *ctx)
{
    sl_rowstore *rs = sl_rowstore_new(ctx, 0);
    sl_err err = {0};
    int64_t id = 0;
    for (int i = 0; i < 40; i++, id += 3000)
        CHECK_INT(sl_rowstore_append(rs, make(i % 8, id, 3000), &err), 0);
    sl_batch *src = make(0, id, 5000);
    uint32_t *rows = sl_xmalloc(sizeof *rows * 2500);
    for (int k = 0; k < 2500; k++)
        rows[k] = (uint32_t)(2 * k);
    CHECK_INT(sl_rowstore_append_rows(rs, src, rows, 2500, &err), 0);
    CHECK(sl_rowstore_disk_bytes(rs) > 0);
    CHECK_INT(sl_rowstore_rows(rs), id + 2500);
    int64_t next = 0, bad = 0;
    sl_batch *b = NULL;
    while (!sl_rowstore_next(rs, &b, &err) && b) {
        for (int64_t k = 0; k < b->n_rows; k++) {
            bad += b->cols[6]->d.i64[k] != next;
            next += next < id ? 1 : 2;
        }
        sl_batch_free(&b);
    }
    CHECK_INT(err.code, 0);
    CHECK_INT(bad, 0);
    CHECK_INT(next, id + 5000);
    sl_free(rows);
    sl_batch_free(&src);
    sl_rowstore_free(&rs);
}

/* A store that kept batches in memory up to its level and spilled the rest, then lowered
 * twice (other reservations take the budget) with appends after each: its batches move to
 * disk newest first until the budget's total is within the new level, the reservations go
 * back, and both ways of reading give every row in append order. Store k of 2 is read with
 * sl_rowstore_next, the other with a cursor (twice). */
static void lower_cases(sl_ctx *ctx)
{
    for (int how = 0; how < 2; how++) {
        sl_err err = {0};
        sl_batch *probe = make(0, 0, 3000);
        int64_t per = sl_batch_bytes(probe); /* every batch below holds about this much */
        sl_batch_free(&probe);
        int64_t base = sl_budget_reserved(&ctx->budget);
        sl_rowstore *rs = sl_rowstore_new(ctx, base + 10 * per);
        int64_t id = 0;
        for (int i = 0; i < 14; i++, id += 3000) /* about 10 in memory, 4 on disk */
            CHECK_INT(sl_rowstore_append(rs, make(i % 8, id, 3000), &err), 0);
        int64_t mem0 = sl_rowstore_mem_bytes(rs), disk0 = sl_rowstore_disk_bytes(rs);
        CHECK(mem0 > 0 && disk0 > 0);
        /* others take 4 batches' worth; lowering to the old level moves about 4 batches */
        CHECK(sl_budget_reserve_upto(&ctx->budget, 4 * per, INT64_MAX));
        CHECK_INT(sl_rowstore_lower(rs, base + 10 * per, &err), 0);
        CHECK(sl_budget_reserved(&ctx->budget) <= base + 10 * per);
        CHECK(sl_rowstore_mem_bytes(rs) < mem0 && sl_rowstore_mem_bytes(rs) > 0);
        CHECK(sl_rowstore_disk_bytes(rs) > disk0);
        CHECK_INT(sl_rowstore_append(rs, make(3, id, 3000), &err), 0);
        id += 3000;
        /* then to nothing: every memory batch moves (a second file, read before the first) */
        CHECK_INT(sl_rowstore_lower(rs, base, &err), 0);
        CHECK_INT(sl_rowstore_mem_bytes(rs), 0);
        CHECK_INT(sl_budget_reserved(&ctx->budget), base + 4 * per);
        CHECK_INT(sl_rowstore_append(rs, make(5, id, 3000), &err), 0);
        id += 3000;
        CHECK_INT(sl_rowstore_rows(rs), id);
        for (int pass = 0; pass < (how ? 2 : 1); pass++) {
            int64_t next = 0, bad = 0;
            sl_batch *b = NULL;
            sl_rowstore_cursor c;
            sl_rowstore_cursor_init(&c);
            if (how)
                CHECK_INT(sl_rowstore_seal(rs, &err), 0);
            while (!(how ? sl_rowstore_scan_next(rs, &c, &b, &err)
                         : sl_rowstore_next(rs, &b, &err)) && b) {
                for (int64_t k = 0; k < sl_batch_live(b); k++)
                    bad += b->cols[6]->d.i64[sl_batch_row(b, k)] != next++;
                sl_batch_free(&b);
            }
            sl_rowstore_cursor_free(&c);
            CHECK_INT(err.code, 0);
            CHECK_INT(bad, 0);
            CHECK_INT(next, id);
        }
        sl_rowstore_free(&rs);
        sl_budget_release(&ctx->budget, 4 * per);
        CHECK_INT(sl_budget_reserved(&ctx->budget), base);
    }
}

int main(void)
{
    char dir[] = "/tmp/sluice-rowcodec-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    sl_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    sl_budget_default(&ctx.budget);
    ctx.spill = sl_spill_new(0);
    sl_spill_set_base(ctx.spill, dir);

    codec_cases();
    size_and_damage();
    store_cases(&ctx);
    lower_cases(&ctx);

    sl_spill_free(&ctx.spill);
    rmdir(dir);
    return CHECK_DONE();
}
