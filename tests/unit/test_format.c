/*
 * The format registry (io/format.h): lookups by format and table-function name, the default
 * writer, the capability check every registered table must pass (and what it refuses), the
 * errors for a COPY format that is unknown or cannot write, and option parsing through a
 * format's table (unknown options, values of the wrong kind, COPY's bare flags), with the
 * messages and positions the SQL parser gives its own errors. Expected strings are written
 * by hand from format.h and README, not taken from sluice's output.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "core/mem.h"
#include "io/format.h"

static sl_fmt_val val(sl_fv_kind kind, const char *str, const char *raw, int line, int col)
{
    sl_fmt_val v = {.kind = kind, .line = line, .col = col};
    v.str = str ? sl_xstrdup(str) : NULL;
    v.raw = raw ? sl_xstrdup(raw) : NULL;
    return v;
}

static void test_lookup(void)
{
    const sl_format *const *reg = sl_format_registry();
    int n = 0;
    for (; reg[n]; n++) {
        const char *why = NULL;
        CHECK(sl_format_check(reg[n], &why));
        if (why)
            fprintf(stderr, "    format %s: %s\n", reg[n]->name, why);
        /* Names and table functions are unique over the registry. */
        for (int j = 0; j < n; j++) {
            CHECK(strcasecmp(reg[j]->name, reg[n]->name) != 0);
            for (int a = 0; reg[n]->table_fns && reg[n]->table_fns[a]; a++)
                CHECK(sl_format_find_reader(reg[n]->table_fns[a]) == reg[n]);
        }
    }
    CHECK(n >= 1);
    const sl_format *csv = sl_format_find("csv");
    CHECK(csv != NULL);
    if (!csv)
        return;
    CHECK(sl_format_find("CSV") == csv);
    CHECK(sl_format_find("parquet") == NULL);
    CHECK(sl_format_find(NULL) == NULL);
    CHECK(sl_format_find_reader("read_csv") == csv);
    CHECK(sl_format_find_reader("READ_CSV_AUTO") == csv);
    CHECK(sl_format_find_reader("read_parquet") == NULL);
    CHECK(sl_format_find_reader("csv") == NULL); /* a format name is not a table function */
    CHECK(sl_format_default_writer() == csv);
    CHECK_STR(csv->ext, ".csv");
    CHECK_INT(csv->caps, SL_FMT_READ | SL_FMT_WRITE | SL_FMT_SPLITTABLE);
    sl_buf b;
    sl_buf_init(&b);
    sl_format_names(&b, NULL, SL_FMT_WRITE, false, ", ");
    CHECK_STR(sl_buf_cstr(&b), "csv, hdf5, sqlite, postgresql");
    sl_buf_reset(&b);
    sl_format_names(&b, NULL, SL_FMT_READ, true, " or ");
    CHECK_STR(sl_buf_cstr(&b), "read_csv or read_hdf5");
    sl_buf_free(&b);
}

/* Tables made from the CSV table with slots cleared or added: the check names the mismatch. */
static void test_capabilities(void)
{
    const sl_format *csv = sl_format_find("csv");
    if (!csv)
        return;
    const char *why = NULL;

    sl_format ro = *csv; /* read only: no write slots, no WRITE bit */
    ro.name = "ro";
    ro.caps = SL_FMT_READ;
    ro.ext = NULL;
    ro.write_opt_names = NULL;
    ro.wopts_new = NULL;
    ro.wopts_set = NULL;
    ro.wopts_free = NULL;
    ro.writer_begin = NULL;
    ro.writer_write = NULL;
    ro.writer_finish = NULL;
    ro.writer_free = NULL;
    CHECK(sl_format_check(&ro, &why));

    sl_format bad = ro; /* write slots left over without the bit */
    bad.writer_write = csv->writer_write;
    CHECK(!sl_format_check(&bad, &why));
    CHECK_STR(why, "a slot of a capability it lacks is set");

    bad = *csv; /* the bit without a slot */
    bad.writer_finish = NULL;
    CHECK(!sl_format_check(&bad, &why));
    CHECK_STR(why, "a slot of a capability it has is NULL");

    bad = *csv; /* read slots are needed for READ */
    bad.scan_next = NULL;
    CHECK(!sl_format_check(&bad, &why));

    bad = *csv; /* optional read slots: scan_end and src_finish may be NULL */
    bad.scan_end = NULL;
    bad.src_finish = NULL;
    CHECK(sl_format_check(&bad, &why));
    bad.nfiles = NULL; /* but nfiles and file only together */
    CHECK(!sl_format_check(&bad, &why));
    CHECK_STR(why, "nfiles and file come together");

    bad = *csv; /* one shared file: the shared slots instead of the part-file writer */
    bad.caps |= SL_FMT_PARALLEL_WRITE;
    CHECK(!sl_format_check(&bad, &why));
    CHECK_STR(why, "a slot of a capability it lacks is set");
    const sl_format *h5 = sl_format_find("hdf5");
    CHECK(h5 != NULL);
    if (h5) {
        CHECK_INT(h5->caps, SL_FMT_READ | SL_FMT_WRITE | SL_FMT_PARALLEL_WRITE);
        CHECK(sl_format_check(h5, &why));
        bad = *h5; /* both writers */
        bad.writer_write = csv->writer_write;
        CHECK(!sl_format_check(&bad, &why));
        bad = *h5; /* a shared slot missing */
        bad.shared_finish = NULL;
        CHECK(!sl_format_check(&bad, &why));
        CHECK_STR(why, "a slot of a capability it has is NULL");
        bad = *h5; /* PARALLEL_WRITE needs WRITE */
        bad.caps = SL_FMT_READ | SL_FMT_PARALLEL_WRITE;
        CHECK(!sl_format_check(&bad, &why));
        CHECK_STR(why, "SL_FMT_PARALLEL_WRITE without SL_FMT_WRITE");
    }
    /* A database sink: chosen by the target's scheme, never by FORMAT. */
    const sl_format *sq = sl_format_find("sqlite");
    CHECK(sq != NULL);
    if (sq) {
        CHECK(sl_format_check(sq, &why));
        CHECK(sl_format_target_writer("sqlite:/tmp/x.db") == sq);
        CHECK(sl_format_target_writer("out/dir") == csv);
        CHECK(sl_format_target_writer("postgresql://h/db") == sl_format_find("postgresql"));
        CHECK(sl_format_default_writer() == csv);
        bad = *sq;
        bad.scheme = NULL;
        CHECK(!sl_format_check(&bad, &why));
        CHECK_STR(why, "SL_FMT_SINK without SL_FMT_PARALLEL_WRITE or a scheme");
        const sl_format *got = NULL;
        sl_err e;
        sl_err_clear(&e);
        CHECK(sl_format_writer_in(NULL, "sqlite", &got, &e) != 0);
        CHECK_STR(e.msg, "COPY: FORMAT 'sqlite' is not a file format: write to a 'sqlite:...' "
                  "target instead");
    }

    sl_format w = {0}; /* write only */
    w = *csv;
    w.name = "w";
    w.caps = SL_FMT_WRITE | SL_FMT_SPLITTABLE; /* splittable means nothing without READ */
    w.table_fns = NULL;
    w.read_opt_names = NULL;
    w.ropts_new = NULL;
    w.ropts_args = NULL;
    w.ropts_set = NULL;
    w.ropts_end = NULL;
    w.ropts_print = NULL;
    w.ropts_free = NULL;
    w.open = NULL;
    w.src_free = NULL;
    w.ncols = NULL;
    w.col_name = NULL;
    w.col_type = NULL;
    w.nfiles = NULL;
    w.file = NULL;
    w.bytes = NULL;
    w.explain = NULL;
    w.scan_open = NULL;
    w.scan_next = NULL;
    w.scan_end = NULL;
    w.scan_free = NULL;
    w.src_finish = NULL;
    CHECK(!sl_format_check(&w, &why));
    CHECK_STR(why, "SL_FMT_SPLITTABLE without SL_FMT_READ");
    w.caps = SL_FMT_WRITE;
    CHECK(sl_format_check(&w, &why));

    /* COPY's writer lookup in a list of these: unknown, read only, found. */
    const sl_format *list[] = {csv, &ro, &w, NULL};
    const sl_format *out = NULL;
    sl_err err;
    sl_err_clear(&err);
    CHECK_INT(sl_format_writer_in(list, "ro", &out, &err), SL_EUSAGE);
    CHECK_STR(err.msg, "COPY: FORMAT 'ro' can be read but not written (formats that can "
                       "write: csv, w)");
    CHECK(out == NULL);
    sl_err_clear(&err);
    CHECK_INT(sl_format_writer_in(list, "parquet", &out, &err), SL_EUSAGE);
    CHECK_STR(err.msg, "COPY: FORMAT 'parquet' is not supported (formats that can write: "
                       "csv, w)");
    sl_err_clear(&err);
    CHECK_INT(sl_format_writer_in(list, "W", &out, &err), 0);
    CHECK(out == &w);
    CHECK_INT(sl_format_writer_in(NULL, "csv", &out, &err), 0);
    CHECK(out == csv);
}

/* Option parsing through the CSV table: the format's messages at the option's position. */
static void test_options(void)
{
    const sl_format *csv = sl_format_find("csv");
    if (!csv)
        return;
    sl_err err;
    sl_err_clear(&err);
    sl_fmt_ctx c = {"job.sql", &err};
    sl_fmt_call call = {csv, csv->ropts_new(), 1, 15};

    sl_fmt_val args[1] = {val(SL_FV_STRING, "a.csv", "'a.csv'", 1, 24)};
    sl_fmt_val next = val(SL_FV_NONE, NULL, ")", 1, 31);
    CHECK_INT(csv->ropts_args(call.opts, args, 1, &next, &c), 0);
    sl_fmt_val_clear(&args[0]);
    sl_fmt_val_clear(&next);
    /* No positional argument: what was found instead is named. */
    next = val(SL_FV_NONE, NULL, "header", 1, 24);
    void *o2 = csv->ropts_new();
    CHECK_INT(csv->ropts_args(o2, NULL, 0, &next, &c), SL_ESQL);
    CHECK_STR(err.msg, "job.sql:1:24: syntax error: expected file name string or list of file "
                       "names, got \"header\"");
    csv->ropts_free(o2);
    sl_fmt_val_clear(&next);

    sl_fmt_opt bogus = {sl_xstrdup("bogus"), 3, 7, false, val(SL_FV_INT, "1", "1", 3, 13)};
    sl_err_clear(&err);
    CHECK_INT(sl_fmt_call_opt(&call, &bogus, &c), SL_ESQL);
    CHECK_STR(err.msg, "job.sql:3:7: unknown read_csv option \"bogus\" (known: header, delim, "
                       "sep, quote, blocksize, sample_bytes, columns, types, auto_detect, "
                       "on_error, rejects, max_rejects)");
    sl_fmt_opt_clear(&bogus);

    sl_fmt_opt delim = {sl_xstrdup("sep"), 1, 33, false, val(SL_FV_STRING, ";;", "';;'", 1, 37)};
    sl_err_clear(&err);
    CHECK_INT(sl_fmt_call_opt(&call, &delim, &c), SL_ESQL);
    CHECK_STR(err.msg, "job.sql:1:37: option sep must be a single character");
    sl_fmt_opt_clear(&delim);

    sl_fmt_opt hdr = {sl_xstrdup("header"), 1, 33, false, val(SL_FV_NONE, NULL, ")", 1, 40)};
    sl_err_clear(&err);
    CHECK_INT(sl_fmt_call_opt(&call, &hdr, &c), SL_ESQL);
    CHECK_STR(err.msg, "job.sql:1:40: syntax error: expected true or false, got \")\"");
    sl_fmt_opt_clear(&hdr);

    sl_fmt_opt bs = {sl_xstrdup("blocksize"), 1, 33, false, val(SL_FV_INT, "-1", "-", 1, 43)};
    sl_err_clear(&err);
    CHECK_INT(sl_fmt_call_opt(&call, &bs, &c), SL_ESQL);
    CHECK_STR(err.msg, "job.sql:1:43: option blocksize needs a size such as '64MB', '512KiB' or "
                       "65536");
    sl_fmt_opt_clear(&bs);

    sl_fmt_opt q = {sl_xstrdup("quote"), 1, 33, false, val(SL_FV_STRING, "", "''", 1, 39)};
    sl_err_clear(&err);
    CHECK_INT(sl_fmt_call_opt(&call, &q, &c), 0);
    sl_fmt_opt_clear(&q);
    sl_fmt_opt b2 = {sl_xstrdup("blocksize"), 1, 45, false,
                     val(SL_FV_STRING, "1MiB", "'1MiB'", 1, 55)};
    CHECK_INT(sl_fmt_call_opt(&call, &b2, &c), 0);
    sl_fmt_opt_clear(&b2);
    CHECK_INT(csv->ropts_end(call.opts, 1, 15, &c), 0);
    sl_buf b;
    sl_buf_init(&b);
    sl_fmt_call_print(&b, &call);
    CHECK_STR(sl_buf_cstr(&b), "read_csv('a.csv', header=true, delim=',', quote='', "
                               "blocksize=1048576)");
    sl_buf_free(&b);
    sl_fmt_call_clear(&call);
    CHECK(call.opts == NULL);

    /* COPY's options: a bare flag is true; a name that is not the format's is left to COPY. */
    void *wopts = NULL;
    sl_fmt_opt flag = {sl_xstrdup("header"), 1, 60, true, val(SL_FV_NONE, NULL, ")", 1, 66)};
    sl_err_clear(&err);
    CHECK_INT(sl_fmt_write_opt(csv, &wopts, &flag, &c), 0);
    CHECK(wopts != NULL);
    sl_fmt_opt_clear(&flag);
    sl_fmt_opt comp = {sl_xstrdup("codec"), 1, 60, false,
                       val(SL_FV_WORD, "gzip", "gzip", 1, 72)};
    CHECK_INT(sl_fmt_write_opt(csv, &wopts, &comp, &c), SL_FMT_UNKNOWN);
    CHECK_INT(err.code, SL_OK); /* nothing recorded: COPY names its own options too */
    sl_fmt_opt_clear(&comp);
    sl_fmt_opt dl = {sl_xstrdup("delimiter"), 1, 60, true, val(SL_FV_NONE, NULL, ")", 1, 69)};
    CHECK_INT(sl_fmt_write_opt(csv, &wopts, &dl, &c), SL_ESQL);
    CHECK_STR(err.msg, "job.sql:1:69: syntax error: expected a string, got \")\"");
    sl_fmt_opt_clear(&dl);
    sl_fmt_write_opts_free(csv, &wopts);
    CHECK(wopts == NULL);
}

/* A part-file writer with the defaults: a header line, then the rows, nothing at the end. */
static void test_writer(void)
{
    const sl_format *csv = sl_format_find("csv");
    if (!csv)
        return;
    sl_type t[2] = {SL_T_BIGINT, SL_T_VARCHAR};
    char *names[2] = {"n", "s"};
    sl_batch *bt = sl_batch_new(2, t, 4);
    sl_vec_push_i64(bt->cols[0], 7);
    sl_vec_push_str(bt->cols[1], "a,b", 3);
    sl_vec_push_null(bt->cols[0]);
    sl_vec_push_str(bt->cols[1], "", 0);
    bt->n_rows = 2;
    sl_buf out;
    sl_buf_init(&out);
    sl_err err;
    sl_err_clear(&err);
    sl_fmt_writer *w = NULL;
    CHECK_INT(sl_fmt_writer_begin(csv, NULL, 2, names, t, &out, &w, &err), 0);
    CHECK_INT(sl_fmt_writer_write(w, bt, &out, &err), 0);
    CHECK_INT(sl_fmt_writer_finish(&w, &out, &err), 0);
    CHECK(w == NULL);
    CHECK_STR(sl_buf_cstr(&out), "n,s\n7,\"a,b\"\n,\"\"\n");
    sl_buf_free(&out);
    sl_batch_free(&bt);
}

int main(void)
{
    test_lookup();
    test_capabilities();
    test_options();
    test_writer();
    return CHECK_DONE();
}
