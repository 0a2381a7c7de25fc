/*
 * INTERVAL text and order (src/batch/interval.c) and infinite dates (src/batch/value.c):
 * parse -> format round trips, DuckDB's normalized comparison, the 16-byte encoding, and
 * 'infinity' / '-infinity' as DATE and TIMESTAMP. Expected texts are DuckDB 1.5's answers to
 * CAST(text AS INTERVAL) (written down by hand from DuckDB, not from sluice).
 */
#include <string.h>

#include "batch/batch.h"
#include "batch/types.h"
#include "batch/wire.h"
#include "check.h"

/* CAST(in AS INTERVAL)::VARCHAR, or "ERR" when the text is not an interval. */
static const char *fmt(const char *in, char *out, size_t cap)
{
    sl_interval v;
    if (!sl_parse_interval(in, (int64_t)strlen(in), &v))
        return "ERR";
    sl_buf b;
    sl_buf_init(&b);
    sl_format_interval(&b, v);
    snprintf(out, cap, "%s", sl_buf_cstr(&b));
    sl_buf_free(&b);
    return out;
}

static void test_text(void)
{
    static const char *const cases[][2] = {
        {"1 year 2 months 3 days 04:05:06.789", "1 year 2 months 3 days 04:05:06.789"},
        {"23 hours", "23:00:00"}, {"-1 day", "-1 day"}, {"0 days", "00:00:00"},
        {"-14 months", "-1 year -2 months"}, {"-1 year", "-1 year"}, {"100 hours", "100:00:00"},
        {"-1.5 seconds", "-00:00:01.5"},
        {"1 month -2 days -03:00:00", "1 month -2 days -03:00:00"},
        {"-13 months -1 day", "-1 year -1 month -1 day"}, {"0.000001 seconds", "00:00:00.000001"},
        {"2 years", "2 years"}, {"1 day 1 day", "2 days"}, {"1 day 2:30", "1 day 02:30:00"},
        {"10", "00:00:10"}, {"1 day ago", "-1 day"}, {"@ 1 day", "1 day"},
        {"1 days 2 hours 3 minutes 4 seconds 5 milliseconds 6 microseconds",
         "1 day 02:03:04.005006"},
        {"  1 day  ", "1 day"}, {"1d", "1 day"}, {"1 DAY", "1 day"},
        {"1 decade 1 century 1 millennium", "1110 years"}, {"1 quarter", "3 months"},
        {"1.5 months", "1 month 15 days"}, {"1.5 years", "1 year 6 months"},
        {"2 weeks", "14 days"}, {"P1D", "ERR"}, {"1 fortnight", "ERR"}, {"", "ERR"},
        {"day", "ERR"},
    };
    char buf[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_STR(fmt(cases[i][0], buf, sizeof buf), cases[i][1]);
        /* what is printed reads back as the same value */
        if (strcmp(cases[i][1], "ERR") != 0) {
            char again[128];
            CHECK_STR(fmt(buf, again, sizeof again), cases[i][1]);
        }
    }
}

static int cmp(const char *a, const char *b)
{
    sl_interval x, y;
    CHECK(sl_parse_interval(a, (int64_t)strlen(a), &x));
    CHECK(sl_parse_interval(b, (int64_t)strlen(b), &y));
    return sl_interval_cmp(x, y);
}

/* DuckDB: '30 days' = '1 month', '24 hours' = '1 day', '720 hours' = '1 month',
 * '-1 day 25 hours' = '1 hour', '2 months 29 days 29:00:44' = '3 months -1 day 29:00:44' (hours
 * carried into days, then days into months); '1 month -1 day' > '29 days' (signs are not
 * evened out). */
static void test_order(void)
{
    CHECK_INT(cmp("2 months 29 days 29:00:44", "3 months -1 day 29:00:44"), 0);
    CHECK_INT(cmp("-2 months -29 days 03:00:59", "-2 months -30 days 27:00:59"), 0);
    CHECK_INT(cmp("1 month 29 days 25:00:35", "3 months -30 days 01:00:35"), 0);
    CHECK_INT(cmp("30 days", "1 month"), 0);
    CHECK_INT(cmp("24 hours", "1 day"), 0);
    CHECK_INT(cmp("720 hours", "1 month"), 0);
    CHECK_INT(cmp("-1 day 25 hours", "1 hour"), 0);
    CHECK_INT(cmp("1 month -1 day", "29 days"), 1);
    CHECK_INT(cmp("1 day", "23 hours"), 1);
    CHECK_INT(cmp("-1 day", "00:00:00"), -1);
    char b[SL_IV_BYTES];
    sl_interval v = {-14, 3, -1500000}, w;
    sl_interval_put(b, v);
    w = sl_interval_get(b);
    CHECK(w.months == -14 && w.days == 3 && w.micros == -1500000);
}

static void test_infinity(void)
{
    int64_t d = 0, t = 0;
    CHECK(sl_parse_date("infinity", 8, &d) && d == SL_DATE_INF);
    CHECK(sl_parse_date("-Infinity", 9, &d) && d == -SL_DATE_INF);
    CHECK(sl_parse_timestamp("INF", 3, &t) && t == SL_TS_INF);
    CHECK(sl_parse_timestamp("-inf", 4, &t) && t == -SL_TS_INF);
    CHECK(sl_parse_date("epoch", 5, &d) && d == 0);
    CHECK(!sl_parse_date("+infinity", 9, &d));
    CHECK(!sl_parse_date("infinite", 8, &d));
    sl_buf b;
    sl_buf_init(&b);
    sl_format_date(&b, SL_DATE_INF);
    sl_buf_putc(&b, ' ');
    sl_format_timestamp(&b, -SL_TS_INF);
    CHECK_STR(sl_buf_cstr(&b), "infinity -infinity");
    sl_buf_free(&b);
}

/* An INTERVAL column (with NULLs) through the wire format, as the exchange and spill files
 * carry it; the hash of equal intervals ('30 days', '1 month') is equal. */
static void test_wire(void)
{
    sl_type t = SL_T_INTERVAL;
    sl_batch *b = sl_batch_new(1, &t, 8);
    const char *texts[] = {"1 month", NULL, "30 days", "-1 day 02:00:00.5", "00:00:00"};
    for (int i = 0; i < 5; i++) {
        sl_interval v;
        if (!texts[i] || !sl_parse_interval(texts[i], (int64_t)strlen(texts[i]), &v)) {
            sl_vec_push_null(b->cols[0]);
            continue;
        }
        char raw[SL_IV_BYTES];
        sl_interval_put(raw, v);
        sl_vec_push_str(b->cols[0], raw, SL_IV_BYTES);
    }
    b->n_rows = 5;
    sl_buf w;
    sl_buf_init(&w);
    sl_wire_write(b, &w);
    sl_batch *r = NULL;
    int64_t used = 0;
    sl_err err = {0};
    CHECK_INT(sl_wire_read(w.data, w.len, &r, &used, &err), 0);
    if (r) {
        CHECK_INT(r->n_rows, 5);
        CHECK_INT(r->cols[0]->type, SL_T_INTERVAL);
        sl_buf txt;
        sl_buf_init(&txt);
        for (int i = 0; i < 5; i++) {
            sl_value v;
            sl_vec_get_value(r->cols[0], i, &v);
            if (!v.is_null)
                sl_format_value(&txt, &v);
            sl_buf_putc(&txt, '|');
        }
        CHECK_STR(sl_buf_cstr(&txt), "1 month||30 days|-1 day 02:00:00.5|00:00:00|");
        sl_buf_free(&txt);
        int col = 0;
        CHECK(sl_hash_row(r, &col, 1, 0) == sl_hash_row(r, &col, 1, 2));
        CHECK(sl_hash_row(r, &col, 1, 0) != sl_hash_row(r, &col, 1, 3));
        sl_batch_free(&r);
    }
    sl_buf_free(&w);
    sl_batch_free(&b);
}

int main(void)
{
    test_wire();
    test_text();
    test_order();
    test_infinity();
    return CHECK_DONE();
}
