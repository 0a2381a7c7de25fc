/*
 * CSV formatting (sl_csv_format_*) and result printing (sl_print_result): the expected bytes
 * are written by hand.
 */
#include "check.h"

#include "core/mem.h"
#include "exec/print.h"
#include "io/csv.h"

#include <stdlib.h>

static void push_s(sl_vec *v, const char *s)
{
    if (s) sl_vec_push_str(v, s, (int64_t)strlen(s));
    else sl_vec_push_null(v);
}

/* name VARCHAR, n BIGINT, x DOUBLE, d DATE, ok BOOLEAN; row 2 is hidden by a selection. */
static sl_batch *make_batch(void)
{
    sl_type t[5] = { SL_T_VARCHAR, SL_T_BIGINT, SL_T_DOUBLE, SL_T_DATE, SL_T_BOOL };
    sl_batch *b = sl_batch_new(5, t, 4);
    struct { const char *s; int nn; long long n; int xn; double x; int dn; long long d;
             int bn; int ok; } r[] = {
        { "plain", 0, 1, 0, 1.5, 0, 19753, 0, 1 },              /* 2024-01-31 */
        { "a,b", 0, -2, 1, 0, 1, 0, 0, 0 },
        { "SKIPPED", 0, 99, 0, 9, 0, 0, 0, 1 },
        { "say \"hi\"", 1, 0, 0, 0.1, 0, 0, 1, 0 },             /* 1970-01-01 */
        { "line1\nline2", 0, 3, 0, 3.0, 0, 11016, 0, 1 },       /* 2000-02-29 */
        { "", 0, 0, 0, -0.5, 0, -1, 0, 0 },                      /* 1969-12-31 */
        { NULL, 0, 7, 0, 1e20, 1, 0, 0, 1 },
        { " lead", 0, 8, 1, 0, 1, 0, 1, 0 },
        { "trail ", 0, 9, 1, 0, 1, 0, 1, 0 },
        { "cr\rx", 0, 10, 1, 0, 1, 0, 1, 0 },
    };
    int n = (int)(sizeof r / sizeof r[0]);
    for (int i = 0; i < n; i++) {
        push_s(b->cols[0], r[i].s);
        if (r[i].nn) sl_vec_push_null(b->cols[1]); else sl_vec_push_i64(b->cols[1], r[i].n);
        if (r[i].xn) sl_vec_push_null(b->cols[2]); else sl_vec_push_f64(b->cols[2], r[i].x);
        if (r[i].dn) sl_vec_push_null(b->cols[3]); else sl_vec_push_i64(b->cols[3], r[i].d);
        if (r[i].bn) sl_vec_push_null(b->cols[4]); else sl_vec_push_i64(b->cols[4], r[i].ok);
    }
    b->n_rows = n;
    uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)n);
    int ns = 0;
    for (int i = 0; i < n; i++)
        if (i != 2)
            sel[ns++] = (uint32_t)i;
    sl_batch_set_sel(b, sel, ns);
    return b;
}

static char *names[5] = { "name", "n", "x\"q", "d", "ok" };

static const char *expect_csv =
    "name,n,\"x\"\"q\",d,ok\n"
    "plain,1,1.5,2024-01-31,true\n"
    "\"a,b\",-2,,,false\n"
    "\"say \"\"hi\"\"\",,0.1,1970-01-01,\n"
    "\"line1\nline2\",3,3.0,2000-02-29,true\n"
    "\"\",0,-0.5,1969-12-31,false\n"
    ",7,1e+20,,true\n"
    " lead,8,,,\n"
    "trail ,9,,,\n"
    "\"cr\rx\",10,,,\n";

static void test_format(void)
{
    sl_batch *b = make_batch();
    sl_buf out;
    sl_buf_init(&out);
    sl_csv_format_header(&out, names, 5, ',');
    sl_csv_format_rows(&out, b, 5, ',');
    CHECK_STR(sl_buf_cstr(&out), expect_csv);

    /* Only the first 2 columns, another delimiter: commas no longer need quotes. */
    sl_buf_reset(&out);
    sl_csv_format_rows(&out, b, 2, ';');
    CHECK_STR(sl_buf_cstr(&out),
              "plain;1\na,b;-2\n\"say \"\"hi\"\"\";\n\"line1\nline2\";3\n\"\";0\n;7\n"
              " lead;8\ntrail ;9\n\"cr\rx\";10\n");

    /* A delimiter that occurs inside formatted numbers/dates forces quotes around them. */
    sl_batch *one = sl_batch_compact(b);
    sl_batch_set_sel(one, sl_xmalloc(sizeof(uint32_t)), 1);
    one->sel[0] = 0;
    sl_buf_reset(&out);
    sl_csv_format_rows(&out, one, 5, '-');
    CHECK_STR(sl_buf_cstr(&out), "plain-1-1.5-\"2024-01-31\"-true\n");
    sl_buf_reset(&out);
    sl_csv_format_rows(&out, one, 5, '.');
    CHECK_STR(sl_buf_cstr(&out), "plain.1.\"1.5\".2024-01-31.true\n");
    sl_batch_free(&one);
    /* Delimiters among a number's other bytes (exponent, its sign, digits, nan/inf letters)
     * quote the numbers that hold them, and only those; rows "plain" 1 1.5 and NULL 7 1e+20. */
    sl_batch *two = sl_batch_compact(b);
    sl_batch_set_sel(two, sl_xmalloc(2 * sizeof(uint32_t)), 2);
    two->sel[0] = 0;
    two->sel[1] = 5;
    static const struct { char delim; const char *text; } num_delims[] = {
        { 'e', "plaine1e1.5\ne7e\"1e+20\"\n" },
        { '+', "plain+1+1.5\n+7+\"1e+20\"\n" },
        { '1', "plain1\"1\"1\"1.5\"\n171\"1e+20\"\n" },
        { 'n', "\"plain\"n1n1.5\nn7n1e+20\n" },
        { '|', "plain|1|1.5\n|7|1e+20\n" },
    };
    for (size_t i = 0; i < sizeof num_delims / sizeof num_delims[0]; i++) {
        sl_buf_reset(&out);
        sl_csv_format_rows(&out, two, 3, num_delims[i].delim);
        CHECK_STR(sl_buf_cstr(&out), num_delims[i].text);
    }
    sl_batch_free(&two);

    sl_buf_reset(&out);
    sl_csv_format_field(&out, "a|b", 3, '|');
    sl_csv_format_field(&out, "a,b", 3, '|');
    sl_csv_format_field(&out, "", 0, '|');
    CHECK_STR(sl_buf_cstr(&out), "\"a|b\"a,b\"\"");
    sl_buf_free(&out);
    sl_batch_free(&b);
}

/* Runs sl_print_result into a memory stream; returns new text (free with free()). */
static char *print_to_string(const sl_format *fmt, int n_cols, char **nm, const sl_type *types,
                             const sl_batchlist *l)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sl_print_result(f, fmt, n_cols, nm, types, l);
    fclose(f);
    return text;
}

static void test_print(void)
{
    sl_batchlist l;
    sl_batchlist_init(&l);
    sl_batchlist_push(&l, make_batch());
    sl_type t5[5] = { SL_T_VARCHAR, SL_T_BIGINT, SL_T_DOUBLE, SL_T_DATE, SL_T_BOOL };
    char *csv = print_to_string(sl_format_find("csv"), 5, names, t5, &l);
    CHECK_STR(csv, expect_csv);
    free(csv);
    sl_batchlist_free(&l);

    /* A small table, checked byte for byte: strings left, numbers right, NULL shown. */
    sl_type t[2] = { SL_T_VARCHAR, SL_T_BIGINT };
    sl_batch *b = sl_batch_new(2, t, 4);
    push_s(b->cols[0], "a");
    sl_vec_push_i64(b->cols[1], 1);
    push_s(b->cols[0], "bcd");
    sl_vec_push_null(b->cols[1]);
    b->n_rows = 2;
    sl_batch *b2 = sl_batch_new(2, t, 4);
    push_s(b2->cols[0], NULL);
    sl_vec_push_i64(b2->cols[1], 100);
    b2->n_rows = 1;
    sl_batchlist_push(&l, b);
    sl_batchlist_push(&l, b2);
    char *nm[2] = { "s", "n" };
    char *tab = print_to_string(NULL, 2, nm, t, &l);
    CHECK_STR(tab,
              " s    |    n\n"
              "------+-----\n"
              " a    |    1\n"
              " bcd  | NULL\n"
              " NULL |  100\n"
              "(3 rows)\n");
    free(tab);
    sl_batchlist_free(&l);

    /* The row cap: 10005 rows print 10000 and say so; CSV prints them all. */
    sl_type ti[1] = { SL_T_BIGINT };
    sl_batch *big = sl_batch_new(1, ti, 10005);
    for (int i = 0; i < 10005; i++)
        sl_vec_push_i64(big->cols[0], i);
    big->n_rows = 10005;
    sl_batchlist_push(&l, big);
    char *nb[1] = { "i" };
    tab = print_to_string(NULL, 1, nb, ti, &l);
    int lines = 0;
    for (char *p = tab; *p; p++)
        lines += *p == '\n';
    CHECK_INT(lines, 2 + 10000 + 1);
    CHECK(strstr(tab, "... (10005 rows total, first 10000 shown)\n") != NULL);
    CHECK(strstr(tab, "\n 9999\n(") == NULL && strstr(tab, "\n 9999\n...") != NULL);
    CHECK(strstr(tab, " 10000\n") == NULL);
    free(tab);
    csv = print_to_string(sl_format_find("csv"), 1, nb, ti, &l);
    lines = 0;
    for (char *p = csv; *p; p++)
        lines += *p == '\n';
    CHECK_INT(lines, 1 + 10005);
    CHECK(strstr(csv, "\n10004\n") != NULL);
    free(csv);
    sl_batchlist_free(&l);

    /* No rows at all: header, separator, "(0 rows)". */
    tab = print_to_string(NULL, 2, nm, t, &l);
    CHECK_STR(tab, " s | n\n---+--\n(0 rows)\n");
    free(tab);
}

int main(void)
{
    test_format();
    test_print();
    return CHECK_DONE();
}
