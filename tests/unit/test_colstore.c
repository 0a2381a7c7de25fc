/*
 * Unit tests for the column store of persisted tables (src/spill/colstore.c): appends of
 * dense, filtered and empty batches, blocks in memory, spilled and both, any number of reads,
 * projections, every storage type (fixed 8-byte, VARCHAR and LIST heaps, NULLs, empty
 * strings), budget given back on free. The oracle is the generator below: row id's values.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/batch.h"
#include "core/budget.h"
#include "core/ctx.h"
#include "core/mem.h"
#include "spill/colstore.h"
#include "spill/spill.h"
#include "check.h"

#define NC 9
static sl_type types[NC];

static void init_types(void)
{
    sl_type t[NC] = { SL_T_BOOL, SL_T_BIGINT, SL_T_DOUBLE, SL_T_VARCHAR, SL_T_DATE,
                      SL_T_TIMESTAMP, sl_type_decimal(12, 2), SL_T_LIST_BIGINT, SL_T_INTEGER };
    memcpy(types, t, sizeof t);
}

/* Column c of row id is NULL every 7th row (shifted by c); the id column never is. */
static int is_null(int c, int64_t id) { return c != 1 && (id + c) % 7 == 3; }
static int64_t i64_of(int c, int64_t id)
{
    switch (c) {
    case 0: return id & 1;
    case 1: return id;
    case 4: return 19000 + id % 5000;
    case 5: return id * 86400000000LL + 5;
    case 6: return id * 37 - 123456;
    default: return (id % 65536) - 32768;
    }
}
/* Bytes of a VARCHAR (c == 3) or LIST (c == 7) value: empty every 5th row. */
static int64_t bytes_of(int c, int64_t id, char *tmp)
{
    if (id % 5 == 0)
        return 0;
    return snprintf(tmp, 48, "%c%lld-%.*s", c == 3 ? 's' : 'l', (long long)id, (int)(id % 11),
                    "abcdefghijk");
}

static void push_row(sl_batch *b, int64_t id)
{
    char tmp[48];
    for (int c = 0; c < NC; c++) {
        sl_vec *v = b->cols[c];
        if (is_null(c, id))
            sl_vec_push_null(v);
        else if (c == 2)
            sl_vec_push_f64(v, (double)id * 0.25 - 3.5);
        else if (c == 3 || c == 7)
            sl_vec_push_str(v, tmp, bytes_of(c, id, tmp));
        else
            sl_vec_push_i64(v, i64_of(c, id));
    }
    b->n_rows++;
}

/* A batch of rows ids [first, first + n); with every_other, a selection keeps the odd
 * physical rows and the even ones hold junk ids (never stored). */
static sl_batch *make(int64_t first, int64_t n, int every_other)
{
    sl_batch *b = sl_batch_new(NC, types, every_other ? 2 * n : n);
    for (int64_t k = 0; k < n; k++) {
        if (every_other)
            push_row(b, 5000000 - k);
        push_row(b, first + k);
    }
    if (every_other) {
        uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)n);
        for (int64_t k = 0; k < n; k++)
            sel[k] = (uint32_t)(2 * k + 1);
        sl_batch_set_sel(b, sel, n);
    }
    return b;
}

/* Mismatches of row k of got (columns proj[0..n)) against row id. */
static int row_bad(const sl_batch *got, int64_t k, int64_t id, const int *proj, int n)
{
    char tmp[48];
    int bad = 0;
    for (int i = 0; i < n; i++) {
        int c = proj[i];
        const sl_vec *v = got->cols[i];
        if (v->type != types[c]) {
            bad++;
            continue;
        }
        if (is_null(c, id)) {
            bad += sl_vec_valid(v, k);
            continue;
        }
        if (!sl_vec_valid(v, k)) {
            bad++;
        } else if (c == 2) {
            bad += v->d.f64[k] != (double)id * 0.25 - 3.5;
        } else if (c == 3 || c == 7) {
            int64_t want = bytes_of(c, id, tmp), len;
            const char *p = sl_vec_str(v, k, &len);
            bad += len != want || memcmp(p, tmp, (size_t)len) != 0;
        } else {
            bad += v->d.i64[k] != i64_of(c, id);
        }
    }
    return bad;
}

/* Reads cs whole with projection proj (the id column must be in it, at index idpos) and
 * checks that ids 0..n_ids-1 each appear once with the right values, in order. */
static void check_read(const sl_colstore *cs, const int *proj, int n, int idpos, int64_t n_ids)
{
    sl_colstore_cursor cur;
    sl_colstore_cursor_init(&cur);
    sl_err err = {0};
    int64_t next = 0, bad = 0;
    sl_batch *b = NULL;
    while (!sl_colstore_scan_next(cs, &cur, proj, n, &b, &err) && b) {
        CHECK(b->sel == NULL);
        CHECK_INT(b->n_cols, n);
        CHECK(b->n_rows <= SL_BATCH_ROWS);
        for (int64_t k = 0; k < b->n_rows; k++) {
            int64_t id = b->cols[idpos]->d.i64[k];
            bad += id != next++;
            bad += row_bad(b, k, id, proj, n);
        }
        sl_batch_free(&b);
    }
    CHECK_INT(err.code, 0);
    CHECK_INT(bad, 0);
    CHECK_INT(next, n_ids);
}

/* Appends the standard mix: a dense block, filtered and small batches across a block
 * boundary, an empty batch, one more dense batch. Returns the rows appended. */
static int64_t fill(sl_colstore *cs)
{
    sl_err err = {0};
    int64_t id = 0;
    CHECK_INT(sl_colstore_append(cs, make(id, 40000, 0), &err), 0);
    id += 40000;
    for (int i = 0; i < 60; i++, id += 1500)
        CHECK_INT(sl_colstore_append(cs, make(id, 1500, i % 2), &err), 0);
    CHECK_INT(sl_colstore_append(cs, make(id, 0, 0), &err), 0);
    CHECK_INT(sl_colstore_append(cs, make(id, 50000, 0), &err), 0);
    id += 50000;
    CHECK_INT(sl_colstore_append(cs, make(id, 7, 1), &err), 0);
    id += 7;
    CHECK_INT(sl_colstore_seal(cs, &err), 0);
    return id;
}

static void one_store(sl_ctx *ctx, int64_t level, int want_mem, int want_disk)
{
    sl_colstore *cs = sl_colstore_new(ctx, level);
    int64_t n = fill(cs);
    CHECK_INT(sl_colstore_rows(cs), n);
    CHECK_INT(sl_colstore_mem_bytes(cs) > 0, want_mem);
    CHECK_INT(sl_colstore_disk_bytes(cs) > 0, want_disk);
    int all[NC] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
    check_read(cs, all, NC, 1, n);
    check_read(cs, all, NC, 1, n); /* a second read sees the same rows */
    int some[3] = { 7, 1, 3 };
    check_read(cs, some, 3, 1, n);
    /* No columns at all (count(*)): only the row counts. */
    sl_colstore_cursor cur;
    sl_colstore_cursor_init(&cur);
    sl_err err = {0};
    sl_batch *b = NULL;
    int64_t rows = 0;
    while (!sl_colstore_scan_next(cs, &cur, some, 0, &b, &err) && b) {
        CHECK_INT(b->n_cols, 0);
        rows += b->n_rows;
        sl_batch_free(&b);
    }
    CHECK_INT(rows, n);
    sl_colstore_free(&cs);
    CHECK_INT(sl_budget_reserved(&ctx->budget), 0);
}

/* A spilled column is stored in the fewest bytes per value that hold its span in the block:
 * every width's edges (spans 255/256, 65535/65536, 2^32-1/2^32, the whole int64 range,
 * negative values, doubles' bits) come back exactly, and a table of small integers and short
 * strings without NULLs spills about 1 byte a value plus the strings' bytes, not 8. */
static void narrow_cases(sl_ctx *ctx)
{
    static const int64_t span[] = { 0, 255, 256, 65535, 65536, 4294967295LL, 4294967296LL };
    sl_type t[3] = { SL_T_BIGINT, SL_T_DOUBLE, SL_T_VARCHAR };
    sl_err err = {0};
    for (int s = 0; s < 9; s++) {
        sl_colstore *cs = sl_colstore_new(ctx, 0);
        int64_t n = 1000 + s, lo = s == 8 ? INT64_MIN : -5 - s, hi;
        hi = s == 7 ? INT64_MAX : s == 8 ? INT64_MAX : lo + span[s < 7 ? s : 0];
        sl_batch *b = sl_batch_new(3, t, n);
        for (int64_t i = 0; i < n; i++) {
            int64_t x = i == 0 ? lo : i == 1 ? hi : (int64_t)((uint64_t)lo + ((uint64_t)hi -
                        (uint64_t)lo) / (uint64_t)n * (uint64_t)i); /* wraps, not UB */
            sl_vec_push_i64(b->cols[0], x);
            sl_vec_push_f64(b->cols[1], i % 3 ? (double)x / 7 : -0.0);
            sl_vec_push_str(b->cols[2], "abcdefghijklmnopqrst" + i % 10, i % 10);
            b->n_rows++;
        }
        CHECK_INT(sl_colstore_append(cs, b, &err), 0);
        CHECK_INT(sl_colstore_seal(cs, &err), 0);
        sl_colstore_cursor cur;
        sl_colstore_cursor_init(&cur);
        sl_batch *got = NULL;
        int64_t bad = 0, rows = 0;
        while (!sl_colstore_scan_next(cs, &cur, NULL, 0, &got, &err) && got) {
            for (int64_t i = 0; i < got->n_rows; i++, rows++) {
                int64_t x = rows == 0 ? lo : rows == 1 ? hi : (int64_t)((uint64_t)lo +
                            ((uint64_t)hi - (uint64_t)lo) / (uint64_t)n * (uint64_t)rows);
                double f = rows % 3 ? (double)x / 7 : -0.0, g = got->cols[1]->d.f64[i];
                int64_t len;
                const char *p = sl_vec_str(got->cols[2], i, &len);
                bad += got->cols[0]->d.i64[i] != x || memcmp(&f, &g, 8) != 0;
                bad += len != rows % 10 ||
                       memcmp(p, "abcdefghijklmnopqrst" + rows % 10, (size_t)len);
                bad += !sl_vec_valid(got->cols[0], i) || !sl_vec_valid(got->cols[2], i);
            }
            sl_batch_free(&got);
        }
        CHECK_INT(err.code, 0);
        CHECK_INT(bad, 0);
        CHECK_INT(rows, n);
        sl_colstore_free(&cs);
    }
    /* 50,000 rows of ints in 0..99 and 5-byte strings: ~1 + 1 + 5 bytes a row on disk */
    sl_colstore *cs = sl_colstore_new(ctx, 0);
    sl_type t2[2] = { SL_T_BIGINT, SL_T_VARCHAR };
    sl_batch *b = sl_batch_new(2, t2, 50000);
    char tmp[16];
    for (int64_t i = 0; i < 50000; i++) {
        sl_vec_push_i64(b->cols[0], i % 100);
        snprintf(tmp, sizeof tmp, "id%03d", (int)(i % 100));
        sl_vec_push_str(b->cols[1], tmp, 5);
        b->n_rows++;
    }
    CHECK_INT(sl_colstore_append(cs, b, &err), 0);
    CHECK_INT(sl_colstore_seal(cs, &err), 0);
    CHECK(sl_colstore_disk_bytes(cs) > 0 && sl_colstore_disk_bytes(cs) <= 50000 * 7 + 4096);
    sl_colstore_free(&cs);
}

int main(void)
{
    init_types();
    char dir[] = "/tmp/sluice-colstore-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    sl_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    sl_budget_default(&ctx.budget);
    ctx.spill = sl_spill_new(0);
    sl_spill_set_base(ctx.spill, dir);

    one_store(&ctx, INT64_C(1) << 40, 1, 0);   /* all in memory */
    one_store(&ctx, 0, 0, 1);                  /* all on disk */
    one_store(&ctx, 12 << 20, 1, 1);           /* the first blocks in memory, then disk */
    CHECK(ctx.ctr.spill_bytes_written > 0);
    CHECK(ctx.ctr.spill_bytes_read > 0);

    /* An empty store (a rank with no rows), sealed: reads end at once. */
    sl_colstore *cs = sl_colstore_new(&ctx, 1 << 20);
    sl_err err = {0};
    CHECK_INT(sl_colstore_seal(cs, &err), 0);
    check_read(cs, NULL, 0, 0, 0);
    CHECK_INT(sl_colstore_rows(cs), 0);
    /* Appending after the seal is an internal error. */
    CHECK(sl_colstore_append(cs, make(0, 3, 0), &err) != 0);
    sl_colstore_free(&cs);
    sl_colstore_free(&cs); /* accepts NULL */

    /* A small table holds about its values, not a whole block's capacity (64K rows). */
    err = (sl_err){0};
    cs = sl_colstore_new(&ctx, INT64_C(1) << 40);
    CHECK_INT(sl_colstore_append(cs, make(0, 20, 1), &err), 0);
    CHECK_INT(sl_colstore_append(cs, make(20, 30, 0), &err), 0);
    CHECK_INT(sl_colstore_seal(cs, &err), 0);
    CHECK(sl_colstore_mem_bytes(cs) > 0 && sl_colstore_mem_bytes(cs) < 16384);
    check_read(cs, (int[]){ 1, 3, 7 }, 3, 0, 50);
    sl_colstore_free(&cs);

    narrow_cases(&ctx);

    sl_spill_free(&ctx.spill);
    rmdir(dir);
    return CHECK_DONE();
}
