/* Unit tests for src/core and src/batch basics: sizes, value parsing/formatting, vectors. */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/batch.h"
#include "batch/types.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/fastmod.h"
#include "core/mem.h"
#include "core/size.h"

/* Whether sl_parse_double accepts s exactly where strtod reads all of it, with strtod's
 * double bit for bit (glibc's strtod is correctly rounded: the oracle). */
static bool same_as_strtod(const char *s)
{
    char *end;
    double want = strtod(s, &end), got = 0;
    bool ok = sl_parse_double(s, (int64_t)strlen(s), &got);
    return ok == (*end == 0 && end != s) && (!ok || memcmp(&got, &want, sizeof got) == 0);
}

/* src/batch/parse_double.c's fast paths (Clinger, Eisel-Lemire, eight digits a word) against
 * strtod: every double printed with 1-17 digits and in e-notation, random decimals of 1-20
 * integer and 0-19 fraction digits with exponents across the whole range (subnormals,
 * overflow, more than 19 digits: the fallback), integers exactly half-way between two
 * doubles (ties to even), and spellings near the grammar's edges. */
static void test_parse_double_vs_strtod(void)
{
    uint64_t st = 88172645463325252u;
    char s[128];
    int bad = 0;
    for (int t = 0; t < 150000; t++) {
        uint64_t bits = check_xs64(&st);
        double d;
        memcpy(&d, &bits, sizeof d);
        if (!isfinite(d))
            continue;
        snprintf(s, sizeof s, "%.*g", 1 + (int)(check_xs64(&st) % 17), d);
        bad += !same_as_strtod(s);
        snprintf(s, sizeof s, "%.*e", (int)(check_xs64(&st) % 19), d);
        bad += !same_as_strtod(s);
    }
    for (int t = 0; t < 300000; t++) {
        int k = 0, nd = (int)(check_xs64(&st) % 21), fd = (int)(check_xs64(&st) % 20);
        if (check_xs64(&st) % 3 == 0)
            s[k++] = check_xs64(&st) % 4 ? '-' : '+';
        bool zeros = check_xs64(&st) % 4 == 0; /* "0.000123" */
        for (int i = 0; i < nd; i++)
            s[k++] = (char)('0' + (zeros && i < nd - 1 ? 0 : check_xs64(&st) % 10));
        if (fd || nd == 0) {
            s[k++] = '.';
            for (int i = 0; i < fd; i++)
                s[k++] = (char)('0' + (zeros && i < fd / 2 ? 0 : check_xs64(&st) % 10));
        }
        if (check_xs64(&st) % 2)
            k += sprintf(s + k, "e%d", (int)(check_xs64(&st) % 700) - 350);
        s[k] = 0;
        bad += !same_as_strtod(s);
    }
    for (int t = 0; t < 100000; t++) {
        /* (2 m + 1) 2^(e-1) with m of 53 bits: half-way between m 2^e and (m + 1) 2^e */
        uint64_t m = (check_xs64(&st) >> 11) | (UINT64_C(1) << 52);
        unsigned e = (unsigned)(check_xs64(&st) % 11);
        unsigned __int128 v = ((unsigned __int128)(2 * m + 1)) << e;
        snprintf(s, sizeof s, "%llu", (unsigned long long)v);
        bad += !same_as_strtod(s);
        snprintf(s, sizeof s, "%llue-%u", (unsigned long long)v, e % 4);
        bad += !same_as_strtod(s);
    }
    CHECK_INT(bad, 0);
    const char *edge[] = {
        "1e", "e1", "1e+", "1e-", "-", "+", ".", "+.5", "-.5e-3", "5.e2", "0e0", "-0", "-0.0e7",
        "0e999999", "1e1000000", "1e308", "1.7976931348623157e308", "1.7976931348623158e308",
        "1.7976931348623159e308", "2.2250738585072014e-308", "2.2250738585072011e-308",
        "4.9e-324", "2.4703282292062328e-324", "1e-400", "1e400", "9007199254740993",
        "9007199254740992.5", "18446744073709551615", "1844674407370955161", "0.30000000000000004",
        "123456789012345678e-5", "0.000000000000000000000000000000001234567890123456789",
        "12345678.12345678", "1.2345678901234567890", "1E5", "1e+05", "12.34.5", "1e5.5",
        "1_0", "inf", "-Infinity", "nan",
        /* 20 digits that wrap a 64-bit accumulator to exactly 0 (fuzz_double found it) */
        "18446744073709551616", "36893488147419103232", ".00000000000018446744073709551616",
        "-1844674407370955161.6e3",
        /* longer than the strtod fallback's stack buffer */
        "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        "00000000000000000000000000000000000000000000000000000009",
        "1.000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        "000000000000000000000000000000000000000000000000000000000001"};
    for (unsigned i = 0; i < sizeof edge / sizeof *edge; i++)
        if (!same_as_strtod(edge[i])) {
            fprintf(stderr, "sl_parse_double(\"%s\") differs from strtod\n", edge[i]);
            CHECK(false);
        }
}

/* sl_fastmod_rem against the hardware's %: divisors 1-4100 (every rank count up to there,
 * powers of two among them), random 20-, 32- and 64-bit ones and the largest; numerators at
 * the edges (0, d-1, d, multiples, UINT64_MAX) and random 64-bit ones. */
static void test_fastmod_vs_division(void)
{
    uint64_t st = 0x2545F4914F6CDD1Du;
    int bad = 0;
    for (uint64_t t = 0; t < 4100 + 3000 + 1; t++) {
        uint64_t d = t < 4100       ? t + 1
                     : t < 7100     ? check_xs64(&st) >> (t % 3 == 0 ? 44 : t % 3 == 1 ? 32 : 0)
                                    : UINT64_MAX;
        if (d == 0)
            d = 1;
        sl_fastmod f = sl_fastmod_make(d);
        uint64_t edge[] = { 0, d - 1, d, 2 * d, d * 977 - 1, UINT64_MAX, UINT64_MAX - 1,
                            UINT64_MAX / d * d, UINT64_MAX / d * d - 1 };
        for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
            bad += sl_fastmod_rem(f, edge[i]) != edge[i] % d;
        for (int i = 0; i < 200; i++) {
            uint64_t a = check_xs64(&st);
            bad += sl_fastmod_rem(f, a) != a % d;
        }
    }
    CHECK_INT(bad, 0);
}

static const char *fmt_double(sl_buf *b, double d)
{
    sl_buf_reset(b);
    sl_format_double(b, d);
    return sl_buf_cstr(b);
}

int main(void)
{
    int64_t v = 0;
    double d = 0;
    sl_buf b;
    sl_buf_init(&b);

    /* sizes: KB = 1000 (DuckDB), KiB = 1024 */
    CHECK(sl_parse_size("64MB", &v)); CHECK_INT(v, 64000000);
    CHECK(sl_parse_size("1KB", &v)); CHECK_INT(v, 1000);
    CHECK(sl_parse_size("97B", &v)); CHECK_INT(v, 97);
    CHECK(sl_parse_size("4096", &v)); CHECK_INT(v, 4096);
    CHECK(sl_parse_size("2 MiB", &v)); CHECK_INT(v, 2097152);
    CHECK(sl_parse_size("1.5GB", &v)); CHECK_INT(v, 1500000000);
    CHECK(!sl_parse_size("lots", &v));
    CHECK(!sl_parse_size("-1MB", &v));
    CHECK(!sl_parse_size("5 parsecs", &v));

    /* integers: bounds and junk */
    CHECK(sl_parse_bigint("-9223372036854775808", 20, &v)); CHECK_INT(v, INT64_MIN);
    CHECK(sl_parse_bigint("9223372036854775807", 19, &v)); CHECK_INT(v, INT64_MAX);
    CHECK(!sl_parse_bigint("9223372036854775808", 19, &v));
    CHECK(!sl_parse_bigint("12a", 3, &v));
    CHECK(!sl_parse_bigint("-", 1, &v));
    CHECK(!sl_parse_bigint("", 0, &v));
    CHECK(sl_parse_bigint("+7", 2, &v)); CHECK_INT(v, 7);

    test_fastmod_vs_division();

    /* doubles */
    CHECK(sl_parse_double("1e-7", 4, &d)); CHECK_DBL(d, 1e-7, 0);
    CHECK(!sl_parse_double(" 1", 2, &d));
    CHECK(!sl_parse_double("0x10", 4, &d));
    CHECK(!sl_parse_double("1.5x", 4, &d));
    /* The fast decimal path must give strtod's double bit for bit (libc is the oracle). */
    {
        srand(7);
        char s[64];
        int bad = 0;
        for (int t = 0; t < 200000; t++) {
            int nd = 1 + rand() % 17, fd = rand() % 12, k = 0;
            if (rand() % 4 == 0)
                s[k++] = '-';
            for (int i = 0; i < nd; i++)
                s[k++] = (char)('0' + rand() % 10);
            if (fd) {
                s[k++] = '.';
                for (int i = 0; i < fd; i++)
                    s[k++] = (char)('0' + rand() % 10);
            }
            s[k] = 0;
            double got = 0, want = strtod(s, NULL);
            if (!sl_parse_double(s, k, &got) || memcmp(&got, &want, sizeof got) != 0)
                bad++;
        }
        CHECK_INT(bad, 0);
        const char *odd[] = {"-0.0", ".5", "5.", "00012.500", "0.000000000000000000001",
                             "123456789012345.6", "9007199254740993"};
        for (unsigned i = 0; i < sizeof odd / sizeof *odd; i++) {
            double got = 0, want = strtod(odd[i], NULL);
            CHECK(sl_parse_double(odd[i], (int64_t)strlen(odd[i]), &got));
            CHECK(memcmp(&got, &want, sizeof got) == 0);
        }
        CHECK(!sl_parse_double(".", 1, &d));
        CHECK(!sl_parse_double("1.2.3", 5, &d));
    }
    test_parse_double_vs_strtod();
    CHECK_STR(fmt_double(&b, 0.1), "0.1");
    CHECK_STR(fmt_double(&b, 3.0), "3.0");
    CHECK_STR(fmt_double(&b, -2.5), "-2.5");
    CHECK_STR(fmt_double(&b, 1.0 / 3.0), "0.3333333333333333");
    CHECK_STR(fmt_double(&b, 1e20), "1e+20");

    /* dates: 1970-01-01 is day 0; 2000-03-01 is day 11017 (checked with Python's datetime) */
    CHECK(sl_parse_date("1970-01-01", 10, &v)); CHECK_INT(v, 0);
    CHECK(sl_parse_date("2000-03-01", 10, &v)); CHECK_INT(v, 11017);
    CHECK(sl_parse_date("1969-12-31", 10, &v)); CHECK_INT(v, -1);
    CHECK(sl_parse_date("2024-02-29", 10, &v));
    CHECK(!sl_parse_date("2023-02-29", 10, &v));
    CHECK(!sl_parse_date("2023-13-01", 10, &v));
    CHECK(!sl_parse_date("2023-1-01", 9, &v));
    sl_buf_reset(&b);
    sl_format_date(&b, 11017);
    CHECK_STR(sl_buf_cstr(&b), "2000-03-01");

    /* timestamps: 2024-01-31 12:34:56.5 = 1706704496.5 s (Python: datetime(...).timestamp() UTC) */
    CHECK(sl_parse_timestamp("2024-01-31 12:34:56.5", 21, &v));
    CHECK_INT(v, INT64_C(1706704496500000));
    CHECK(sl_parse_timestamp("2024-01-31T12:34", 16, &v));
    CHECK_INT(v, INT64_C(1706704440000000));
    CHECK(sl_parse_timestamp("2024-01-31", 10, &v));
    CHECK(!sl_parse_timestamp("2024-01-31 25:00:00", 19, &v));
    sl_buf_reset(&b);
    sl_format_timestamp(&b, INT64_C(1706704496500000));
    CHECK_STR(sl_buf_cstr(&b), "2024-01-31 12:34:56.5");
    sl_buf_reset(&b);
    sl_format_timestamp(&b, -1); /* one microsecond before the epoch */
    CHECK_STR(sl_buf_cstr(&b), "1969-12-31 23:59:59.999999");

    /* booleans and type names */
    CHECK(sl_parse_bool("TRUE", 4, &v)); CHECK_INT(v, 1);
    CHECK(!sl_parse_bool("yes", 3, &v));
    sl_type t;
    CHECK(sl_type_parse("integer", 7, &t)); CHECK_INT(t, SL_T_INTEGER);
    CHECK(sl_type_parse("int8", 4, &t)); CHECK_INT(t, SL_T_BIGINT);
    CHECK(sl_type_parse("decimal( 9 , 2 )", 16, &t)); CHECK_INT(t, sl_type_decimal(9, 2));
    CHECK(sl_type_parse("NUMERIC", 7, &t)); CHECK_INT(t, sl_type_decimal(18, 3));
    CHECK(!sl_type_parse("DECIMAL(39,2)", 13, &t));
    CHECK(!sl_type_parse("DECIMAL(4,5)", 12, &t));
    CHECK(sl_type_parse("TEXT", 4, &t)); CHECK_INT(t, SL_T_VARCHAR);
    CHECK(!sl_type_parse("BLOB", 4, &t));

    /* vectors, validity, selection and compaction */
    sl_type types[2] = {SL_T_BIGINT, SL_T_VARCHAR};
    sl_batch *bt = sl_batch_new(2, types, 4);
    for (int i = 0; i < 100; i++) {
        if (i % 10 == 3) sl_vec_push_null(bt->cols[0]); else sl_vec_push_i64(bt->cols[0], i);
        char s[16];
        int n = snprintf(s, sizeof s, "s%d", i);
        sl_vec_push_str(bt->cols[1], s, n);
    }
    bt->n_rows = 100;
    uint32_t *sel = sl_xmalloc(3 * sizeof *sel);
    sel[0] = 3; sel[1] = 50; sel[2] = 99;
    sl_batch_set_sel(bt, sel, 3);
    CHECK_INT(sl_batch_live(bt), 3);
    sl_batch *c = sl_batch_compact(bt);
    CHECK_INT(c->n_rows, 3);
    CHECK(!sl_vec_valid(c->cols[0], 0));
    CHECK_INT(c->cols[0]->d.i64[1], 50);
    int64_t len;
    const char *p = sl_vec_str(c->cols[1], 2, &len);
    CHECK_INT(len, 3);
    CHECK(memcmp(p, "s99", 3) == 0);
    sl_batch_free(&c);
    sl_batch_free(&bt);
    CHECK(bt == NULL);

    /* errors: first one wins */
    sl_err e;
    sl_err_clear(&e);
    SL_ERR(&e, SL_EDATA, "first %d", 1);
    SL_ERR(&e, SL_EIO, "second");
    CHECK_INT(e.code, SL_EDATA);
    CHECK_STR(e.msg, "first 1");
    CHECK_INT(sl_code_exit(SL_EDATA), 5);

    sl_buf_free(&b);
    CHECK_INT(sl_mem_in_use(), 0);
    return CHECK_DONE();
}
