/* Unit tests for the batch wire format (src/batch/wire.c) and row hashing (src/batch/hash.c). */
#include <math.h>
#include <string.h>
#include <xxhash.h>

#include "batch/batch.h"
#include "batch/list.h"
#include "batch/int128.h"
#include "batch/wire.h"
#include "core/mem.h"
#include "check.h"

static const sl_type all_types[6] = { SL_T_BOOL, SL_T_BIGINT, SL_T_DOUBLE, SL_T_VARCHAR,
                                      SL_T_DATE, SL_T_TIMESTAMP };
#define NROWS 150 /* more than two validity words, and not a multiple of 64 */

/* Row r of the reference data; every 7th value of column c is NULL (shifted by c). */
static int is_null(int c, int r) { return (r + c) % 7 == 3; }
static const char *str_of(int r, char *tmp)
{
    if (r % 5 == 0)
        return ""; /* empty strings must survive and stay distinct from NULL */
    snprintf(tmp, 32, "s%d-%.*s", r, r % 9, "abcdefghi");
    return tmp;
}

static sl_batch *make_batch(int nrows)
{
    sl_batch *b = sl_batch_new(6, all_types, nrows);
    char tmp[32];
    for (int r = 0; r < nrows; r++) {
        for (int c = 0; c < 6; c++) {
            sl_vec *v = b->cols[c];
            if (is_null(c, r)) {
                sl_vec_push_null(v);
                continue;
            }
            switch (all_types[c]) {
            case SL_T_BOOL: sl_vec_push_i64(v, r & 1); break;
            case SL_T_BIGINT: sl_vec_push_i64(v, (int64_t)r * 1000003 - 77); break;
            case SL_T_DOUBLE: sl_vec_push_f64(v, r * 0.25 - 3.5); break;
            case SL_T_VARCHAR: {
                const char *s = str_of(r, tmp);
                sl_vec_push_str(v, s, (int64_t)strlen(s));
                break;
            }
            case SL_T_DATE: sl_vec_push_i64(v, 19000 + r); break;
            default: sl_vec_push_i64(v, (int64_t)r * 86400000000LL + 5); break;
            }
        }
    }
    b->n_rows = nrows;
    return b;
}

/* Checks that row k of got equals the reference row r in every column. Returns mismatches. */
static int row_matches(const sl_batch *got, int64_t k, int r)
{
    char tmp[32];
    int bad = 0;
    for (int c = 0; c < 6; c++) {
        const sl_vec *v = got->cols[c];
        if (v->type != all_types[c]) { bad++; continue; }
        if (is_null(c, r)) { bad += sl_vec_valid(v, k); continue; }
        if (!sl_vec_valid(v, k)) { bad++; continue; }
        switch (all_types[c]) {
        case SL_T_BOOL: bad += v->d.i64[k] != (r & 1); break;
        case SL_T_BIGINT: bad += v->d.i64[k] != (int64_t)r * 1000003 - 77; break;
        case SL_T_DOUBLE: bad += v->d.f64[k] != r * 0.25 - 3.5; break;
        case SL_T_VARCHAR: {
            const char *s = str_of(r, tmp);
            int64_t len;
            const char *p = sl_vec_str(v, k, &len);
            bad += len != (int64_t)strlen(s) || memcmp(p, s, (size_t)len) != 0;
            break;
        }
        case SL_T_DATE: bad += v->d.i64[k] != 19000 + r; break;
        default: bad += v->d.i64[k] != (int64_t)r * 86400000000LL + 5; break;
        }
    }
    return bad;
}

static int64_t ref_heap(const int *rows, int n)
{
    char tmp[32];
    int64_t h = 0;
    for (int k = 0; k < n; k++)
        if (!is_null(3, rows[k]))
            h += (int64_t)strlen(str_of(rows[k], tmp));
    return h;
}

static void test_round_trip(void)
{
    sl_batch *b = make_batch(NROWS);
    sl_buf buf;
    sl_buf_init(&buf);
    sl_wire_write(b, &buf);
    int all[NROWS];
    for (int r = 0; r < NROWS; r++)
        all[r] = r;
    CHECK_INT(buf.len, sl_wire_size(b, NROWS, ref_heap(all, NROWS)));
    /* Size by hand: header 16; per column 8 + 3 words; fixed 150*8; VARCHAR 151*8 + 8. */
    CHECK_INT(sl_wire_size(b, NROWS, 0), 16 + 6 * (8 + 24) + 5 * 1200 + 151 * 8 + 8);
    sl_err err = { 0 };
    sl_batch *got = NULL;
    int64_t used = -1;
    CHECK_INT(sl_wire_read(buf.data, buf.len, &got, &used, &err), 0);
    CHECK_INT(used, buf.len);
    CHECK(got != NULL);
    if (got) {
        CHECK_INT(got->n_cols, 6);
        CHECK_INT(got->n_rows, NROWS);
        CHECK(got->sel == NULL);
        int bad = 0;
        for (int r = 0; r < NROWS; r++)
            bad += row_matches(got, r, r);
        CHECK_INT(bad, 0);
        /* The result is a normal batch: appending to it must work. */
        sl_vec_push_i64(got->cols[1], 5);
        CHECK_INT(got->cols[1]->d.i64[NROWS], 5);
        CHECK(sl_vec_valid(got->cols[1], NROWS));
    }
    sl_batch_free(&got);

    /* Selection vector: only live rows are written. */
    int live[] = { 0, 3, 5, 64, 65, 127, 128, 149 };
    int nl = (int)(sizeof live / sizeof *live);
    uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)nl);
    for (int k = 0; k < nl; k++)
        sel[k] = (uint32_t)live[k];
    sl_batch_set_sel(b, sel, nl);
    sl_buf_reset(&buf);
    sl_wire_write(b, &buf);
    CHECK_INT(buf.len, sl_wire_size(b, nl, ref_heap(live, nl)));
    CHECK_INT(sl_wire_read(buf.data, buf.len, &got, &used, &err), 0);
    if (got) {
        CHECK_INT(got->n_rows, nl);
        int bad = 0;
        for (int k = 0; k < nl; k++)
            bad += row_matches(got, k, live[k]);
        CHECK_INT(bad, 0);
    }
    sl_batch_free(&got);

    /* Subset write in arbitrary order ignores the selection. */
    uint32_t rows[] = { 149, 2, 2, 70, 10 };
    int rref[] = { 149, 2, 2, 70, 10 };
    sl_buf_reset(&buf);
    sl_wire_write_rows(b, rows, 5, &buf);
    CHECK_INT(buf.len, sl_wire_size(b, 5, ref_heap(rref, 5)));
    /* Two batches back to back: the reader reports what it used. */
    int64_t first_len = buf.len;
    sl_wire_write_rows(b, rows + 1, 1, &buf);
    CHECK_INT(sl_wire_read(buf.data, buf.len, &got, &used, &err), 0);
    CHECK_INT(used, first_len);
    if (got) {
        CHECK_INT(got->n_rows, 5);
        int bad = 0;
        for (int k = 0; k < 5; k++)
            bad += row_matches(got, k, rref[k]);
        CHECK_INT(bad, 0);
    }
    sl_batch_free(&got);
    CHECK_INT(sl_wire_read(buf.data + first_len, buf.len - first_len, &got, &used, &err), 0);
    CHECK_INT(used, buf.len - first_len);
    if (got) {
        CHECK_INT(got->n_rows, 1);
        CHECK_INT(row_matches(got, 0, 2), 0);
    }
    sl_batch_free(&got);
    sl_batch_free(&b);
    sl_buf_free(&buf);
    CHECK_INT(err.code, 0);
}

static void test_empty(void)
{
    sl_err err = { 0 };
    sl_buf buf;
    sl_buf_init(&buf);
    /* 0 rows, 6 columns. */
    sl_batch *b = make_batch(0);
    sl_wire_write(b, &buf);
    CHECK_INT(buf.len, 16 + 6 * 8 + 16);
    sl_batch *got = NULL;
    int64_t used;
    CHECK_INT(sl_wire_read(buf.data, buf.len, &got, &used, &err), 0);
    if (got) {
        CHECK_INT(got->n_cols, 6);
        CHECK_INT(got->n_rows, 0);
        CHECK_INT(got->cols[3]->type, SL_T_VARCHAR);
    }
    sl_batch_free(&got);
    sl_batch_free(&b);
    /* 0 columns but 7 rows (count(*) over nothing): the count must survive. */
    b = sl_batch_new(0, NULL, 0);
    b->n_rows = 7;
    sl_buf_reset(&buf);
    sl_wire_write(b, &buf);
    CHECK_INT(buf.len, 16);
    CHECK_INT(sl_wire_read(buf.data, buf.len, &got, &used, &err), 0);
    if (got) {
        CHECK_INT(got->n_cols, 0);
        CHECK_INT(got->n_rows, 7);
        CHECK_INT(sl_batch_live(got), 7);
    }
    sl_batch_free(&got);
    sl_batch_free(&b);
    sl_buf_free(&buf);
}

static void test_truncated(void)
{
    sl_batch *b = make_batch(70);
    sl_buf buf;
    sl_buf_init(&buf);
    sl_wire_write(b, &buf);
    int failures = 0, wrong_code = 0;
    for (int64_t len = 0; len < buf.len; len++) {
        /* A fresh copy of exactly len bytes so an over-read would be caught by ASan. */
        char *copy = sl_xmalloc((size_t)(len ? len : 1));
        memcpy(copy, buf.data, (size_t)len);
        sl_err err = { 0 };
        sl_batch *got = NULL;
        int64_t used;
        int rc = sl_wire_read(copy, len, &got, &used, &err);
        failures += rc != 0 && got == NULL;
        wrong_code += rc != SL_EINTERNAL || err.code != SL_EINTERNAL;
        sl_batch_free(&got);
        sl_free(copy);
    }
    CHECK_INT(failures, buf.len);
    CHECK_INT(wrong_code, 0);
    /* Corruptions: bad magic, bad type, offsets past the heap. */
    sl_err err = { 0 };
    sl_batch *got = NULL;
    int64_t used;
    buf.data[0] ^= 1;
    CHECK_INT(sl_wire_read(buf.data, buf.len, &got, &used, &err), SL_EINTERNAL);
    buf.data[0] ^= 1;
    sl_err_clear(&err);
    int64_t type_at = 16;
    uint32_t bad_type = 99;
    memcpy(buf.data + type_at, &bad_type, 4);
    CHECK_INT(sl_wire_read(buf.data, buf.len, &got, &used, &err), SL_EINTERNAL);
    CHECK(got == NULL);
    sl_batch_free(&b);
    sl_buf_free(&buf);

    /* A one-column VARCHAR batch whose last offset disagrees with the heap length. */
    sl_type t = SL_T_VARCHAR;
    b = sl_batch_new(1, &t, 2);
    sl_vec_push_str(b->cols[0], "ab", 2);
    sl_vec_push_str(b->cols[0], "cde", 3);
    b->n_rows = 2;
    sl_buf_init(&buf);
    sl_wire_write(b, &buf);
    CHECK_INT(buf.len, 16 + 8 + 8 + 24 + 8 + 5 + 3); /* the heap padded to 8 */
    int64_t big = 1000;
    memcpy(buf.data + 16 + 8 + 8 + 16, &big, 8); /* offsets[2] */
    sl_err_clear(&err);
    CHECK_INT(sl_wire_read(buf.data, buf.len, &got, &used, &err), SL_EINTERNAL);
    CHECK(got == NULL);
    sl_batch_free(&b);
    sl_buf_free(&buf);
}

/* A DECIMAL column keeps its width and scale through the wire (they live in the type); a type
 * word with a bad width or scale, or junk above a plain type, is corrupt data. */
static void test_decimal(void)
{
    sl_type t = sl_type_decimal(18, 2);
    sl_batch *b = sl_batch_new(1, &t, 4);
    sl_vec_push_i64(b->cols[0], 6595);
    sl_vec_push_null(b->cols[0]);
    sl_vec_push_i64(b->cols[0], -10);
    b->n_rows = 3;
    sl_buf buf;
    sl_buf_init(&buf);
    sl_wire_write(b, &buf);
    sl_err err = { 0 };
    sl_batch *got = NULL;
    int64_t used;
    CHECK_INT(sl_wire_read(buf.data, buf.len, &got, &used, &err), 0);
    if (got) {
        CHECK(got->cols[0]->type == t);
        CHECK_STR(sl_type_name(got->cols[0]->type), "DECIMAL(18,2)");
        CHECK(got->cols[0]->d.i64[2] == -10 && !sl_vec_valid(got->cols[0], 1));
        sl_batch_free(&got);
    }
    uint32_t bad[] = { (uint32_t)sl_type_decimal(39, 2), (uint32_t)sl_type_decimal(4, 5),
                       (uint32_t)SL_T_DECIMAL, (uint32_t)SL_T_BIGINT | 0x200u };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        memcpy(buf.data + 16, &bad[k], 4);
        sl_err_clear(&err);
        CHECK_INT(sl_wire_read(buf.data, buf.len, &got, &used, &err), SL_EINTERNAL);
        CHECK(got == NULL);
    }
    sl_batch_free(&b);
    sl_buf_free(&buf);
}

static uint64_t xx8(int64_t x) { return XXH3_64bits(&x, 8); }

static void test_hash(void)
{
    sl_type ts[3] = { SL_T_BIGINT, SL_T_DOUBLE, SL_T_VARCHAR };
    sl_batch *b = sl_batch_new(3, ts, 8);
    double nan2;
    uint64_t nanbits = UINT64_C(0x7ff8000000000abc);
    memcpy(&nan2, &nanbits, 8);
    int64_t ints[6] = { 1, 1, -5, 0, 7, 7 };
    double dbls[6] = { 0.0, -0.0, NAN, nan2, 2.5, 2.5 };
    const char *strs[6] = { "x", "x", "", "", "hello", "hello" };
    for (int r = 0; r < 6; r++) {
        sl_vec_push_i64(b->cols[0], ints[r]);
        sl_vec_push_f64(b->cols[1], dbls[r]);
        sl_vec_push_str(b->cols[2], strs[r], (int64_t)strlen(strs[r]));
    }
    for (int c = 0; c < 3; c++)
        sl_vec_push_null(b->cols[c]);
    for (int c = 0; c < 3; c++)
        sl_vec_push_null(b->cols[c]);
    b->n_rows = 8;
    int c0 = 0, c1 = 1, c2 = 2;
    /* One BIGINT column: exactly XXH3 of its 8 bytes (seed 0). */
    CHECK(sl_hash_row(b, &c0, 1, 0) == xx8(1));
    CHECK(sl_hash_row(b, &c0, 1, 2) == xx8(-5));
    /* -0.0 and 0.0 hash equal, and both equal XXH3 of +0.0's bytes; two NaNs hash equal. */
    CHECK(sl_hash_row(b, &c1, 1, 0) == sl_hash_row(b, &c1, 1, 1));
    CHECK(sl_hash_row(b, &c1, 1, 0) == xx8(0));
    CHECK(sl_hash_row(b, &c1, 1, 2) == sl_hash_row(b, &c1, 1, 3));
    CHECK(sl_hash_row(b, &c1, 1, 4) != sl_hash_row(b, &c1, 1, 2));
    /* Strings: their bytes. */
    CHECK(sl_hash_row(b, &c2, 1, 4) == XXH3_64bits("hello", 5));
    CHECK(sl_hash_row(b, &c2, 1, 2) == XXH3_64bits("", 0));
    /* NULL: one constant, the same for every type, and not the hash of 0. */
    CHECK(sl_hash_row(b, &c0, 1, 6) == sl_hash_row(b, &c2, 1, 7));
    CHECK(sl_hash_row(b, &c0, 1, 6) != xx8(0));
    /* Two columns: h = (hash(a) * K) ^ hash(b). */
    int cols[2] = { 0, 2 };
    uint64_t want = (xx8(7) * UINT64_C(0x9E3779B97F4A7C15)) ^ XXH3_64bits("hello", 5);
    CHECK(sl_hash_row(b, cols, 2, 4) == want);
    CHECK(sl_hash_vecs(b->cols, 1, 0) == xx8(1));
    /* Vectorized forms agree with the row form, with and without a selection. */
    int cols3[3] = { 0, 1, 2 };
    uint64_t out[8];
    sl_hash_vecs_sel(b->cols, 3, NULL, 8, out);
    int bad = 0;
    for (int r = 0; r < 8; r++)
        bad += out[r] != sl_hash_row(b, cols3, 3, r);
    CHECK_INT(bad, 0);
    uint32_t *sel = sl_xmalloc(3 * sizeof *sel);
    sel[0] = 1; sel[1] = 4; sel[2] = 7;
    sl_batch_set_sel(b, sel, 3);
    sl_hash_batch(b, cols, 2, out);
    CHECK(out[0] == sl_hash_row(b, cols, 2, 1));
    CHECK(out[1] == want);
    CHECK(out[2] == sl_hash_row(b, cols, 2, 7));
    sl_hash_batch(b, cols, 0, out);
    CHECK(out[0] == 0 && out[2] == 0);
    sl_batch_free(&b);
    /* Strings of every length through the short path (up to 16 bytes) and the call beyond:
     * the shared library's XXH3 of their bytes, row by row and column at a time. */
    const char *text = "0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
    sl_type vt = SL_T_VARCHAR;
    sl_batch *s = sl_batch_new(1, &vt, 41);
    for (int len = 0; len <= 40; len++)
        sl_vec_push_str(s->cols[0], text + len % 3, len);
    s->n_rows = 41;
    uint64_t got[41];
    sl_hash_vecs_sel(s->cols, 1, NULL, 41, got);
    bad = 0;
    for (int len = 0; len <= 40; len++)
        bad += got[len] != XXH3_64bits(text + len % 3, (size_t)len) ||
               sl_hash_row(s, &c0, 1, len) != got[len];
    CHECK_INT(bad, 0);
    sl_batch_free(&s);
}

/* The text of row r of a LIST column. */
static const char *list_text(const sl_vec *v, int64_t r, sl_buf *b)
{
    int64_t len;
    const char *p = sl_vec_str(v, r, &len);
    sl_buf_reset(b);
    if (!sl_vec_valid(v, r))
        return "(null)";
    sl_list_format(b, v->type, p, len);
    return sl_buf_cstr(b);
}

/* LIST columns travel as VARCHAR does (offsets + heap): a NULL list, an empty list, NULL and
 * '' elements and DuckDB's quoting survive a round trip through a subset of rows; a list cut
 * short (corrupt bytes) ends early instead of reading past its end. Expected texts are
 * DuckDB's (CAST(l AS VARCHAR)). */
static void test_lists(void)
{
    sl_type t[2] = {SL_T_LIST_VARCHAR, SL_T_LIST_DOUBLE};
    sl_batch *b = sl_batch_new(2, t, 4);
    sl_buf e, out, txt;
    sl_buf_init(&e);
    sl_buf_init(&out);
    sl_buf_init(&txt);
    const char *strs[] = {"a", NULL, "", "b,c", "it's", " x", "null", "a\\b"};
    for (int k = 0; k < 8; k++) {
        sl_value v = {.type = SL_T_VARCHAR, .is_null = !strs[k]};
        if (strs[k]) {
            v.v.s.p = strs[k];
            v.v.s.len = (int64_t)strlen(strs[k]);
        }
        sl_list_put(&e, SL_T_VARCHAR, &v);
    }
    CHECK_INT(sl_list_count(SL_T_LIST_VARCHAR, e.data, e.len), 8);
    CHECK_INT(sl_list_count(SL_T_LIST_VARCHAR, e.data, e.len - 1), 7); /* cut short */
    sl_vec_push_str(b->cols[0], e.data, e.len);   /* row 0: the strings */
    sl_vec_push_null(b->cols[0]);                  /* row 1: NULL */
    sl_vec_push_str(b->cols[0], "", 0);            /* row 2: [] */
    sl_buf_reset(&e);
    double d[] = {1.5, 170.0, -0.0};
    for (int k = 0; k < 3; k++)
        sl_list_put(&e, SL_T_DOUBLE, &(sl_value){.type = SL_T_DOUBLE, .v.d = d[k]});
    sl_vec_push_str(b->cols[1], e.data, e.len);
    sl_vec_push_str(b->cols[1], "", 0);
    sl_vec_push_null(b->cols[1]);
    b->n_rows = 3;
    CHECK_STR(list_text(b->cols[0], 0, &txt),
              "[a, NULL, '', 'b,c', 'it\\'s', ' x', 'null', a\\b]");
    CHECK_INT(sl_list_count(SL_T_LIST_DOUBLE, e.data, e.len - 3), 2); /* cut short */
    uint32_t rows[3] = {2, 0, 1};
    sl_wire_write_rows(b, rows, 3, &out);
    sl_batch *got = NULL;
    int64_t used;
    sl_err err = {0};
    CHECK_INT(sl_wire_read(out.data, out.len, &got, &used, &err), 0);
    if (got) {
        CHECK_INT(got->cols[0]->type, SL_T_LIST_VARCHAR);
        CHECK_STR(list_text(got->cols[0], 0, &txt), "[]");
        CHECK_STR(list_text(got->cols[0], 1, &txt),
                  "[a, NULL, '', 'b,c', 'it\\'s', ' x', 'null', a\\b]");
        CHECK_STR(list_text(got->cols[0], 2, &txt), "(null)");
        CHECK_STR(list_text(got->cols[1], 0, &txt), "(null)");
        CHECK_STR(list_text(got->cols[1], 1, &txt), "[1.5, 170.0, -0.0]");
        CHECK_STR(list_text(got->cols[1], 2, &txt), "[]");
        CHECK_INT(sl_list_count(SL_T_LIST_DOUBLE, e.data, e.len), 3);
    }
    sl_batch_free(&got);
    sl_batch_free(&b);
    sl_buf_free(&e);
    sl_buf_free(&out);
    sl_buf_free(&txt);
}

/* A HUGEINT column crosses the wire exactly (its 16-byte values, the extremes included); a
 * HUGEINT value of another length is corrupt data. Its text and encoding: digits both ways,
 * order kept by memcmp of the encodings. */
static void test_hugeint(void)
{
    static const char *const txt[] = {"170141183460469231731687303715884105727",
                                      "-170141183460469231731687303715884105728", "0", "-1",
                                      "18446744073709551616", "-9223372036854775809", "42"};
    enum { NT = sizeof txt / sizeof txt[0] };
    sl_type t = SL_T_HUGEINT;
    sl_batch *b = sl_batch_new(1, &t, NT + 1);
    sl_i128 x[NT];
    for (int k = 0; k < NT; k++) {
        char enc[SL_I128_BYTES];
        CHECK(sl_parse_hugeint(txt[k], (int64_t)strlen(txt[k]), &x[k]));
        sl_i128_store(enc, x[k]);
        CHECK(sl_i128_load(enc) == x[k]);
        sl_vec_push_str(b->cols[0], enc, SL_I128_BYTES);
        sl_buf s;
        sl_buf_init(&s);
        sl_format_hugeint(&s, x[k]);
        CHECK_STR(sl_buf_cstr(&s), txt[k]);
        sl_buf_free(&s);
    }
    sl_vec_push_null(b->cols[0]);
    b->n_rows = NT + 1;
    for (int j = 0; j < NT; j++) /* memcmp order is numeric order */
        for (int k = 0; k < NT; k++) {
            int64_t lj, lk;
            const char *pj = sl_vec_str(b->cols[0], j, &lj), *pk = sl_vec_str(b->cols[0], k, &lk);
            int c = memcmp(pj, pk, SL_I128_BYTES);
            CHECK((c < 0) == (x[j] < x[k]) && (c == 0) == (x[j] == x[k]));
        }
    sl_i128 y;
    CHECK(!sl_parse_hugeint("170141183460469231731687303715884105728", 39, &y));
    CHECK(!sl_parse_hugeint("-170141183460469231731687303715884105729", 40, &y));
    CHECK(!sl_parse_hugeint("1x", 2, &y) && !sl_parse_hugeint("-", 1, &y));
    sl_buf buf;
    sl_buf_init(&buf);
    sl_wire_write(b, &buf);
    sl_err err = { 0 };
    sl_batch *got = NULL;
    int64_t used;
    CHECK_INT(sl_wire_read(buf.data, buf.len, &got, &used, &err), 0);
    if (got) {
        CHECK(got->cols[0]->type == SL_T_HUGEINT && !sl_vec_valid(got->cols[0], NT));
        for (int k = 0; k < NT; k++) {
            int64_t len;
            const char *p = sl_vec_str(got->cols[0], k, &len);
            CHECK(len == SL_I128_BYTES && sl_i128_load(p) == x[k]);
        }
        sl_batch_free(&got);
    }
    /* a 15-byte HUGEINT: the last value one byte short */
    sl_vec_free(&b->cols[0]);
    b->cols[0] = sl_vec_new(SL_T_HUGEINT, 2);
    sl_vec_push_str(b->cols[0], "0123456789abcdef", 16);
    sl_vec_push_str(b->cols[0], "0123456789abcde", 15);
    b->n_rows = 2;
    sl_buf_reset(&buf);
    sl_wire_write(b, &buf);
    CHECK_INT(sl_wire_read(buf.data, buf.len, &got, &used, &err), SL_EINTERNAL);
    CHECK(got == NULL);
    sl_batch_free(&b);
    sl_buf_free(&buf);
}

/* Strings of every length 0..130 (each of the writer's short-copy sizes and their edges)
 * with NULLs whose slots hold garbage, written for a row subset in any order (repeats
 * too): the bytes read back are the generated ones, the sized writer writes the same bytes,
 * and sl_wire_gather_rows gives the batch the round trip gives, byte for byte re-written. */
static void test_gather_rows(void)
{
    enum { N = 131 };
    sl_type t[2] = { SL_T_VARCHAR, SL_T_BIGINT };
    sl_batch *b = sl_batch_new(2, t, N);
    char s[N + 1];
    for (int r = 0; r < N; r++) {
        for (int j = 0; j < r; j++)
            s[j] = (char)('a' + (r * 7 + j * 3) % 26);
        if (r % 11 == 4) {
            sl_vec_push_null(b->cols[0]);
            sl_vec_push_null(b->cols[1]);
            b->cols[1]->d.i64[r] = 12345; /* garbage in a NULL slot: must not travel */
        } else {
            sl_vec_push_str(b->cols[0], s, r);
            sl_vec_push_i64(b->cols[1], (int64_t)r * 3 - 100);
        }
    }
    b->n_rows = N;
    uint32_t rows[N + 4]; /* the 66 even rows down, the same rows up, 3 repeats */
    int n = 0;
    for (int r = N - 1; r >= 0; r -= 2)
        rows[n++] = (uint32_t)r;
    for (int r = 0; r < N; r += 2)
        rows[n++] = (uint32_t)r;
    rows[n++] = 4;
    rows[n++] = 130;
    rows[n++] = 33;
    sl_buf a, c, g;
    sl_buf_init(&a);
    sl_buf_init(&c);
    sl_buf_init(&g);
    sl_wire_write_rows(b, rows, n, &a);
    sl_wire_write_rows_sized(b, rows, n, a.len, &c);
    CHECK_INT(c.len, a.len);
    CHECK(c.len == a.len && memcmp(a.data, c.data, (size_t)a.len) == 0);
    sl_err err = { 0 };
    sl_batch *got = NULL;
    int64_t used = 0;
    CHECK_INT(sl_wire_read(a.data, a.len, &got, &used, &err), 0);
    int bad = 0;
    for (int k = 0; got && k < n; k++) {
        int r = (int)rows[k];
        if (r % 11 == 4) {
            bad += sl_vec_valid(got->cols[0], k) || sl_vec_valid(got->cols[1], k);
            continue;
        }
        for (int j = 0; j < r; j++)
            s[j] = (char)('a' + (r * 7 + j * 3) % 26);
        int64_t len;
        const char *p = sl_vec_str(got->cols[0], k, &len);
        bad += !sl_vec_valid(got->cols[0], k) || len != r || memcmp(p, s, (size_t)r) != 0;
        bad += got->cols[1]->d.i64[k] != (int64_t)r * 3 - 100;
    }
    CHECK_INT(bad, 0);
    sl_batch *gb = sl_wire_gather_rows(b, rows, n);
    CHECK_INT(gb->n_rows, n);
    CHECK(gb->sel == NULL);
    sl_wire_write(gb, &g);
    CHECK_INT(g.len, a.len);
    CHECK(g.len == a.len && memcmp(a.data, g.data, (size_t)a.len) == 0);
    /* the gathered batch's own arrays equal the read-back batch's (NULL slots zero) */
    for (int k = 0; got && k < n; k++)
        bad += gb->cols[1]->d.i64[k] != got->cols[1]->d.i64[k] ||
               gb->cols[0]->d.off[k + 1] != got->cols[0]->d.off[k + 1];
    CHECK_INT(bad, 0);
    sl_batch_free(&gb);
    sl_batch_free(&got);
    sl_batch_free(&b);
    sl_buf_free(&a);
    sl_buf_free(&c);
    sl_buf_free(&g);
}

/* Columns without a NULL take the writer's and the gather's test-free paths: the bytes (and
 * the gathered batch) equal what the general path gives for the same rows of the same batch
 * with one NULL row added past them (which only the general path handles), for row counts
 * around a validity word's edges. */
static void test_dense_rows(void)
{
    enum { N = 131 };
    sl_type t[2] = { SL_T_VARCHAR, SL_T_BIGINT };
    sl_batch *a = sl_batch_new(2, t, N), *b = sl_batch_new(2, t, N + 1);
    char s[N + 1];
    for (int r = 0; r < N; r++) {
        for (int j = 0; j < r; j++)
            s[j] = (char)('a' + (r * 5 + j) % 26);
        sl_vec_push_str(a->cols[0], s, r);
        sl_vec_push_i64(a->cols[1], (int64_t)r * 7 - 50);
        sl_vec_push_str(b->cols[0], s, r);
        sl_vec_push_i64(b->cols[1], (int64_t)r * 7 - 50);
    }
    sl_vec_push_null(b->cols[0]);
    sl_vec_push_null(b->cols[1]);
    a->n_rows = N;
    b->n_rows = N + 1;
    uint32_t rows[N + 3];
    int n_all = 0;
    for (int r = N - 1; r >= 0; r -= 3)
        rows[n_all++] = (uint32_t)r;
    for (int r = 0; r < N; r++)
        if (r % 3)
            rows[n_all++] = (uint32_t)r;
    rows[n_all++] = 7; /* a repeat */
    static const int counts[] = { 1, 63, 64, 65, 128, 129 };
    int bad = 0;
    for (int i = 0; i <= (int)(sizeof counts / sizeof *counts); i++) {
        int n = i < (int)(sizeof counts / sizeof *counts) ? counts[i] : n_all;
        sl_buf x, y, gx, gy;
        sl_buf_init(&x);
        sl_buf_init(&y);
        sl_buf_init(&gx);
        sl_buf_init(&gy);
        sl_wire_write_rows(a, rows, n, &x);
        sl_wire_write_rows(b, rows, n, &y);
        bad += x.len != y.len || memcmp(x.data, y.data, (size_t)x.len) != 0;
        sl_batch *ga = sl_wire_gather_rows(a, rows, n), *gb = sl_wire_gather_rows(b, rows, n);
        sl_wire_write(ga, &gx);
        sl_wire_write(gb, &gy);
        bad += gx.len != x.len || memcmp(gx.data, x.data, (size_t)x.len) != 0;
        bad += gy.len != x.len || memcmp(gy.data, x.data, (size_t)x.len) != 0;
        for (int k = 0; k < n; k++) {
            int r = (int)rows[k];
            int64_t len;
            const char *p = sl_vec_str(ga->cols[0], k, &len);
            for (int j = 0; j < r; j++)
                s[j] = (char)('a' + (r * 5 + j) % 26);
            bad += !sl_vec_valid(ga->cols[0], k) || len != r || memcmp(p, s, (size_t)r) != 0;
            bad += ga->cols[1]->d.i64[k] != (int64_t)r * 7 - 50;
        }
        /* bits past n stay clear in the gathered validity (appenders rely on it) */
        if (n % 64)
            bad += (ga->cols[1]->valid[n / 64] >> (n % 64)) != 0;
        if (bad)
            fprintf(stderr, "test_dense_rows: mismatch at %d rows\n", n);
        sl_batch_free(&ga);
        sl_batch_free(&gb);
        sl_buf_free(&x);
        sl_buf_free(&y);
        sl_buf_free(&gx);
        sl_buf_free(&gy);
    }
    CHECK_INT(bad, 0);
    sl_batch_free(&a);
    sl_batch_free(&b);
}

/* UHUGEINT's and UBIGINT's encodings (batch/int128.h): digits both ways, memcmp order is the
 * numbers' order (UHUGEINT's plain big-endian bytes; UBIGINT's HUGEINT encoding), the text
 * casts' ranges, and both cross the wire with their 16 bytes checked. */
static void test_ubig(void)
{
    static const char *const txt[] = {"340282366920938463463374607431768211455",
                                      "170141183460469231731687303715884105728", "0", "1",
                                      "18446744073709551616", "18446744073709551615", "255"};
    enum { NT = sizeof txt / sizeof txt[0] };
    sl_type t[2] = {SL_T_UHUGEINT, SL_T_UBIGINT};
    sl_batch *b = sl_batch_new(2, t, NT + 1);
    sl_u128 x[NT];
    for (int k = 0; k < NT; k++) {
        char enc[SL_I128_BYTES];
        CHECK(sl_parse_uhugeint(txt[k], (int64_t)strlen(txt[k]), &x[k]));
        sl_u128_store(enc, x[k]);
        CHECK(sl_u128_load(enc) == x[k]);
        sl_vec_push_str(b->cols[0], enc, SL_I128_BYTES);
        sl_buf s;
        sl_buf_init(&s);
        sl_format_uhugeint(&s, x[k]);
        CHECK_STR(sl_buf_cstr(&s), txt[k]);
        sl_buf_free(&s);
        /* UBIGINT: in range exactly up to 2^64 - 1, stored as its HUGEINT encoding */
        bool fits = x[k] <= UINT64_MAX;
        CHECK(sl_text_cast_ubig(txt[k], (int64_t)strlen(txt[k]), SL_T_UBIGINT, enc) == fits);
        if (fits) {
            CHECK(sl_i128_load(enc) == (sl_i128)x[k]);
            sl_vec_push_str(b->cols[1], enc, SL_I128_BYTES);
        } else {
            sl_vec_push_null(b->cols[1]);
        }
    }
    sl_vec_push_null(b->cols[0]);
    sl_vec_push_null(b->cols[1]);
    b->n_rows = NT + 1;
    for (int c = 0; c < 2; c++)
        for (int j = 0; j < NT; j++)
            for (int k = 0; k < NT; k++) {
                if (!sl_vec_valid(b->cols[c], j) || !sl_vec_valid(b->cols[c], k))
                    continue;
                int64_t lj, lk;
                const char *pj = sl_vec_str(b->cols[c], j, &lj);
                const char *pk = sl_vec_str(b->cols[c], k, &lk);
                int cm = memcmp(pj, pk, SL_I128_BYTES);
                CHECK((cm < 0) == (x[j] < x[k]) && (cm == 0) == (x[j] == x[k]));
            }
    sl_u128 y;
    char enc[SL_I128_BYTES];
    CHECK(!sl_parse_uhugeint("340282366920938463463374607431768211456", 39, &y));
    CHECK(!sl_parse_uhugeint("-1", 2, &y) && !sl_parse_uhugeint("", 0, &y));
    CHECK(!sl_text_cast_ubig("-1", 2, SL_T_UHUGEINT, enc));
    CHECK(sl_text_cast_ubig(" 0x10 ", 6, SL_T_UBIGINT, enc) && sl_i128_load(enc) == 16);
    CHECK(sl_text_cast_ubig("1_000", 5, SL_T_UHUGEINT, enc) && sl_u128_load(enc) == 1000);
    sl_buf buf;
    sl_buf_init(&buf);
    sl_wire_write(b, &buf);
    sl_err err = { 0 };
    sl_batch *got = NULL;
    int64_t used;
    CHECK_INT(sl_wire_read(buf.data, buf.len, &got, &used, &err), 0);
    if (got) {
        CHECK(got->cols[0]->type == SL_T_UHUGEINT && got->cols[1]->type == SL_T_UBIGINT);
        for (int k = 0; k < NT; k++) {
            int64_t len;
            const char *p = sl_vec_str(got->cols[0], k, &len);
            CHECK(len == SL_I128_BYTES && sl_u128_load(p) == x[k]);
        }
        sl_batch_free(&got);
    }
    sl_vec_free(&b->cols[0]); /* a UHUGEINT of 15 bytes is corrupt data */
    b->cols[0] = sl_vec_new(SL_T_UHUGEINT, 2);
    sl_vec_push_str(b->cols[0], "0123456789abcde", 15);
    sl_vec_free(&b->cols[1]);
    b->cols[1] = sl_vec_new(SL_T_UBIGINT, 2);
    sl_vec_push_str(b->cols[1], "0123456789abcdef", 16);
    b->n_rows = 1;
    sl_buf_reset(&buf);
    sl_wire_write(b, &buf);
    CHECK_INT(sl_wire_read(buf.data, buf.len, &got, &used, &err), SL_EINTERNAL);
    CHECK(got == NULL);
    sl_batch_free(&b);
    sl_buf_free(&buf);
}

/* Reading in place (sl_wire_read_borrow, the exchange's receive side): every batch is a
 * multiple of 8 bytes with its columns 8-byte aligned (also those after a string heap of odd
 * length), two batches read from one block borrow its arrays (no copy) and hold one
 * reference per column, the block lives until the last column is freed, and a borrowing
 * column that grows or is cleared gets arrays of its own first with its values intact. */
static void test_borrow(void)
{
    sl_batch *b = make_batch(NROWS);
    uint32_t sub[3] = { 149, 2, 77 };
    int subr[3] = { 149, 2, 77 };
    sl_buf buf;
    sl_buf_init(&buf);
    sl_wire_write(b, &buf);
    int64_t first = buf.len;
    CHECK_INT(first % 8, 0);
    sl_wire_write_rows(b, sub, 3, &buf);
    CHECK_INT(buf.len % 8, 0);
    CHECK_INT(ref_heap(subr, 3) % 8 != 0, 1); /* the subset's heap needs padding */
    sl_vblock *blk = sl_vblock_new(buf.len);
    memcpy(blk->mem, buf.data, (size_t)buf.len);
    sl_err err = { 0 };
    sl_batch *g1 = NULL, *g2 = NULL;
    int64_t u1 = 0, u2 = 0;
    CHECK_INT(sl_wire_read_borrow(blk->mem, buf.len, blk, &g1, &u1, &err), 0);
    CHECK_INT(u1, first);
    CHECK_INT(sl_wire_read_borrow(blk->mem + u1, buf.len - u1, blk, &g2, &u2, &err), 0);
    CHECK_INT(u1 + u2, buf.len);
    if (!g1 || !g2)
        return;
    CHECK_INT(blk->refs, 1 + 2 * 6);
    int bad = 0;
    for (int r = 0; r < NROWS; r++)
        bad += row_matches(g1, r, r);
    for (int k = 0; k < 3; k++)
        bad += row_matches(g2, k, subr[k]);
    CHECK_INT(bad, 0);
    for (int c = 0; c < 6; c++) {
        const sl_vec *v = g2->cols[c];
        const char *lo = blk->mem, *hi = blk->mem + blk->bytes, *d = (const char *)v->d.i64;
        bad += v->borrow != blk || d < lo || d >= hi || ((uintptr_t)d & 7) != 0 ||
               ((uintptr_t)v->valid & 7) != 0 || v->cap != 3;
    }
    CHECK_INT(bad, 0);
    /* growing a borrowed column: its own arrays, the old values and the new one */
    sl_vec_push_i64(g2->cols[1], 42);
    CHECK(g2->cols[1]->borrow == NULL);
    CHECK_INT(blk->refs, 2 * 6);
    CHECK_INT(g2->cols[1]->d.i64[2], 77LL * 1000003 - 77);
    CHECK_INT(g2->cols[1]->d.i64[3], 42);
    sl_vec_push_str(g2->cols[3], "tail", 4);
    CHECK(g2->cols[3]->borrow == NULL);
    int64_t len;
    const char *p = sl_vec_str(g2->cols[3], 3, &len);
    CHECK(len == 4 && memcmp(p, "tail", 4) == 0);
    p = sl_vec_str(g2->cols[3], 1, &len);
    CHECK(len == 5 && memcmp(p, "s2-ab", 5) == 0);
    /* clearing one, then refilling it past its old heap */
    sl_vec_clear(g1->cols[3]);
    CHECK(g1->cols[3]->borrow == NULL);
    for (int k = 0; k < 200; k++)
        sl_vec_push_str(g1->cols[3], "0123456789", 10);
    CHECK_INT(g1->cols[3]->n, 200);
    CHECK_INT(g1->cols[3]->heap_len, 2000);
    /* a slot written in place changes only that batch */
    g1->cols[5]->d.i64[149] = -1;
    CHECK_INT(g2->cols[5]->d.i64[0], 149LL * 86400000000LL + 5);
    int64_t refs = blk->refs;
    sl_batch_free(&g2);
    CHECK_INT(blk->refs, refs - 4);
    /* a truncated batch read in place fails and leaves no reference behind */
    refs = blk->refs;
    for (int64_t cut = 0; cut < first; cut += 8) {
        sl_batch *t = NULL;
        int64_t u = 0;
        sl_err e = { 0 };
        bad += sl_wire_read_borrow(blk->mem, cut, blk, &t, &u, &e) != SL_EINTERNAL || t != NULL;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(blk->refs, refs);
    /* not 8-byte aligned: copies */
    sl_vblock *odd = sl_vblock_new(buf.len + 4);
    memcpy(odd->mem + 4, buf.data, (size_t)buf.len);
    CHECK_INT(sl_wire_read_borrow(odd->mem + 4, buf.len, odd, &g2, &u2, &err), 0);
    CHECK(g2 && g2->cols[0]->borrow == NULL && odd->refs == 1);
    for (int r = 0; g2 && r < NROWS; r++)
        bad += row_matches(g2, r, r);
    CHECK_INT(bad, 0);
    sl_vblock_release(odd);
    sl_batch_free(&g2);
    sl_vblock_release(blk); /* the test's reference: g1's columns keep the block */
    CHECK_INT(g1->cols[5]->d.i64[1], 1LL * 86400000000LL + 5);
    sl_batch_free(&g1);
    sl_batch_free(&b);
    sl_buf_free(&buf);
}

int main(void)
{
    test_hugeint();
    test_ubig();
    test_lists();
    test_round_trip();
    test_gather_rows();
    test_dense_rows();
    test_borrow();
    test_empty();
    test_truncated();
    test_decimal();
    test_hash();
    CHECK_INT(sl_mem_in_use(), 0);
    return CHECK_DONE();
}
