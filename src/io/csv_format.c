/*
 * The CSV format's backend table (format.h): read_csv(...) / read_csv_auto(...) through
 * sl_csv_open and sl_csv_scan_* (splittable: every rank reads its byte ranges of every file),
 * the bad-row hooks (max_rejects at the end of a scan, the rejects file merged at the end of
 * a statement), and a part-file writer for COPY built on sl_csv_format_*. Options:
 * csv_opts.c. open and the end-of-scan hook are Collective (see format.h); the rest is Local.
 */
#include "io/io_int.h"

#include "core/mem.h"
#include "core/size.h"

/* ---- reading ---- */

static int csv_open(MPI_Comm comm, const void *o, const sl_fmt_env *env, void **src,
                    sl_err *err)
{
    sl_csv_source *s = NULL;
    int rc = sl_csv_open(comm, o, env ? env->blocksize : 0, env ? env->sample_bytes : 0, &s,
                         err);
    *src = s;
    return rc;
}

static void csv_src_free(void *src)
{
    sl_csv_source *s = src;
    sl_csv_source_free(&s);
}

static int csv_ncols(const void *src) { return sl_csv_source_ncols(src); }
static const char *csv_col_name(const void *src, int c) { return sl_csv_source_name(src, c); }
static sl_type csv_col_type(const void *src, int c) { return sl_csv_source_type(src, c); }
static int csv_nfiles(const void *src) { return sl_csv_source_nfiles(src); }
static const char *csv_file(const void *src, int i) { return sl_csv_source_path(src, i); }
static int64_t csv_bytes(const void *src) { return sl_csv_source_bytes(src); }

static void csv_explain(sl_buf *b, const void *src, int n_ranks)
{
    char sz[32], bs[32];
    sl_buf_printf(b, "Scan read_csv: %d file(s), %s in %d range(s) of %s over %d rank(s)\n",
                  sl_csv_source_nfiles(src),
                  sl_format_size(sl_csv_source_bytes(src), sz, sizeof sz),
                  sl_csv_source_nranges(src),
                  sl_format_size(sl_csv_source_blocksize(src), bs, sizeof bs), n_ranks);
}

static int csv_scan_open(sl_ctx *ctx, void *src, const int *proj, int n_proj, void **scan,
                         sl_err *err)
{
    sl_csv_scan *sc = NULL;
    int rc = sl_csv_scan_open(ctx, src, proj, n_proj, &sc, err);
    *scan = sc; /* also after a failed rejects open: the scan holds what must be released */
    return rc;
}

static int csv_scan_next(void *scan, sl_batch **out, sl_err *err)
{
    return sl_csv_scan_next(scan, out, err);
}

static int csv_scan_end(MPI_Comm comm, void *src, const void *scan, sl_err *err)
{
    return sl_csv_scan_check_rejects(comm, src, scan, err);
}

static void csv_scan_free(void *scan)
{
    sl_csv_scan *sc = scan;
    sl_csv_scan_free(&sc);
}

static int csv_src_finish(MPI_Comm comm, void *src, sl_err *err)
{
    return sl_csv_rejects_finish(comm, src, err);
}

/* ---- writing part files ---- */

typedef struct csv_writer {
    int n_cols;
    char delim;
} csv_writer;

static int csv_writer_begin(const void *wopts, int n_cols, char *const *names,
                            const sl_type *types, sl_buf *out, void **w, sl_err *err)
{
    (void)types;
    (void)err;
    const sl_csv_wopts *o = wopts;
    csv_writer *cw = sl_xcalloc(1, sizeof *cw);
    cw->n_cols = n_cols;
    cw->delim = o && o->delim ? o->delim : ',';
    if (!o || o->header)
        sl_csv_format_header(out, names, n_cols, cw->delim);
    *w = cw;
    return 0;
}

static int csv_writer_write(void *w, const sl_batch *b, sl_buf *out, sl_err *err)
{
    (void)err;
    csv_writer *cw = w;
    sl_csv_format_rows(out, b, cw->n_cols, cw->delim);
    return 0;
}

static int csv_writer_finish(void *w, sl_buf *out, sl_err *err)
{
    (void)w;
    (void)out;
    (void)err;
    return 0; /* a CSV file ends with its last record */
}

static void csv_writer_free(void *w) { sl_free(w); }

/* ---- the table ---- */

static const char *const csv_table_fns[] = { "read_csv", "read_csv_auto", NULL };

const sl_format sl_format_csv = {
    .name = "csv",
    .table_fns = csv_table_fns,
    .ext = ".csv",
    .caps = SL_FMT_READ | SL_FMT_WRITE | SL_FMT_SPLITTABLE,

    .read_opt_names = "header, delim, sep, quote, blocksize, sample_bytes, columns, "
                      "auto_detect, on_error, rejects, max_rejects",
    .ropts_new = sl_csv_ropts_new,
    .ropts_args = sl_csv_ropts_args,
    .ropts_set = sl_csv_ropts_set,
    .ropts_end = sl_csv_ropts_end,
    .ropts_print = sl_csv_ropts_print,
    .ropts_free = sl_csv_ropts_free,
    .open = csv_open,
    .src_free = csv_src_free,
    .ncols = csv_ncols,
    .col_name = csv_col_name,
    .col_type = csv_col_type,
    .nfiles = csv_nfiles,
    .file = csv_file,
    .bytes = csv_bytes,
    .explain = csv_explain,
    .scan_open = csv_scan_open,
    .scan_next = csv_scan_next,
    .scan_end = csv_scan_end,
    .scan_free = csv_scan_free,
    .src_finish = csv_src_finish,

    .write_opt_names = "HEADER, DELIMITER",
    .wopts_new = sl_csv_wopts_new,
    .wopts_set = sl_csv_wopts_set,
    .wopts_free = sl_csv_wopts_free,
    .writer_begin = csv_writer_begin,
    .writer_write = csv_writer_write,
    .writer_finish = csv_writer_finish,
    .writer_free = csv_writer_free,
};
