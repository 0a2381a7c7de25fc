/*
 * The CSV format's backend table (format.h): read_csv(...) / read_csv_auto(...) through
 * sl_csv_open and sl_csv_scan_* (splittable: every rank reads its byte ranges of every file),
 * the bad-row hooks (max_rejects at the end of a scan, the rejects file merged at the end of
 * a statement), the speculative split's check at the end of a scan, and a part-file writer
 * for COPY built on sl_csv_format_*. Options:
 * csv_opts.c. open and the end-of-scan hook are Collective (see format.h); the rest is Local.
 */
#include "io/io_int.h"

#include <zlib.h>
#include <zstd.h>

#include "core/mem.h"
#include "core/size.h"

/* ---- reading ---- */

static int csv_open(MPI_Comm comm, const void *o, const sl_fmt_env *env, void **src,
                    sl_err *err)
{
    sl_csv_source *s = NULL;
    int rc = sl_csv_open_spec(comm, o, env ? env->blocksize : 0, env ? env->sample_bytes : 0,
                              env ? env->spec : NULL, &s, err);
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
    /* Each is collective only under its own, exclusive condition (on_error fail or not). */
    sl_csv_scan_check_rejects(comm, src, scan, err);
    return sl_csv_scan_check_spec(comm, src, scan, err);
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

/* With COMPRESSION the text is formatted into a scratch buffer and streamed through one
 * gzip (zlib, level 6) or zstd (level 3) stream per part file: the writer lives as long as
 * its file (COPY keeps it across a close for the open-file cap), so the file is one stream. */
typedef struct csv_writer {
    int n_cols;
    char delim;
    int z;             /* SL_CSV_Z_* */
    sl_buf text;       /* compressed files: this call's text */
    z_stream gz;
    ZSTD_CCtx *zc;
} csv_writer;

/* Compresses w->text into out (end: the stream's last bytes too). */
static int z_put(csv_writer *w, sl_buf *out, bool end, sl_err *err)
{
    if (w->z == SL_CSV_Z_GZIP) {
        w->gz.next_in = (Bytef *)w->text.data;
        w->gz.avail_in = (uInt)w->text.len;
        int zr;
        do {
            sl_buf_reserve(out, 1 << 16);
            w->gz.next_out = (Bytef *)out->data + out->len;
            w->gz.avail_out = (uInt)(out->cap - out->len);
            zr = deflate(&w->gz, end ? Z_FINISH : Z_NO_FLUSH);
            out->len = out->cap - w->gz.avail_out;
            if (zr == Z_STREAM_ERROR)
                return SL_ERR(err, SL_EINTERNAL, "COPY: gzip compression failed");
        } while (w->gz.avail_in > 0 || w->gz.avail_out == 0 || (end && zr != Z_STREAM_END));
    } else {
        ZSTD_inBuffer in = { w->text.data, (size_t)w->text.len, 0 };
        size_t left;
        do {
            sl_buf_reserve(out, (int64_t)ZSTD_CStreamOutSize());
            ZSTD_outBuffer zo = { out->data + out->len, (size_t)(out->cap - out->len), 0 };
            left = ZSTD_compressStream2(w->zc, &zo, &in, end ? ZSTD_e_end : ZSTD_e_continue);
            if (ZSTD_isError(left))
                return SL_ERR(err, SL_EINTERNAL, "COPY: zstd compression failed: %s",
                              ZSTD_getErrorName(left));
            out->len += (int64_t)zo.pos;
        } while (in.pos < in.size || (end && left != 0));
    }
    sl_buf_reset(&w->text);
    return 0;
}

static const char *csv_wopts_ext(const void *wopts)
{
    const sl_csv_wopts *o = wopts;
    int z = o ? o->compression : SL_CSV_Z_NONE;
    return z == SL_CSV_Z_GZIP ? ".csv.gz" : z == SL_CSV_Z_ZSTD ? ".csv.zst" : ".csv";
}

static void csv_writer_free(void *p)
{
    csv_writer *w = p;
    if (!w)
        return;
    if (w->z == SL_CSV_Z_GZIP)
        deflateEnd(&w->gz);
    if (w->zc)
        ZSTD_freeCCtx(w->zc);
    sl_buf_free(&w->text);
    sl_free(w);
}

static int csv_writer_begin(const void *wopts, int n_cols, char *const *names,
                            const sl_type *types, sl_buf *out, void **w, sl_err *err)
{
    (void)types;
    const sl_csv_wopts *o = wopts;
    csv_writer *cw = sl_xcalloc(1, sizeof *cw);
    *w = cw;
    cw->n_cols = n_cols;
    cw->delim = o && o->delim ? o->delim : ',';
    cw->z = o ? o->compression : SL_CSV_Z_NONE;
    sl_buf_init(&cw->text);
    if (cw->z == SL_CSV_Z_GZIP &&
        deflateInit2(&cw->gz, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        cw->z = SL_CSV_Z_NONE; /* nothing to end in free */
        return SL_ERR(err, SL_ENOMEM, "COPY: cannot start a gzip stream");
    }
    if (cw->z == SL_CSV_Z_ZSTD) {
        cw->zc = ZSTD_createCCtx();
        if (!cw->zc)
            return SL_ERR(err, SL_ENOMEM, "COPY: cannot start a zstd stream");
        ZSTD_CCtx_setParameter(cw->zc, ZSTD_c_compressionLevel, 3);
    }
    if (!o || o->header)
        sl_csv_format_header(cw->z ? &cw->text : out, names, n_cols, cw->delim);
    return cw->z ? z_put(cw, out, false, err) : 0;
}

static int csv_writer_write(void *w, const sl_batch *b, sl_buf *out, sl_err *err)
{
    csv_writer *cw = w;
    sl_csv_format_rows(cw->z ? &cw->text : out, b, cw->n_cols, cw->delim);
    return cw->z ? z_put(cw, out, false, err) : 0;
}

static int csv_writer_finish(void *w, sl_buf *out, sl_err *err)
{
    csv_writer *cw = w;
    /* A plain CSV file ends with its last record; a compressed one with its stream's end. */
    return cw->z ? z_put(cw, out, true, err) : 0;
}

/* ---- the table ---- */

static const char *const csv_table_fns[] = { "read_csv", "read_csv_auto", NULL };

const sl_format sl_format_csv = {
    .name = "csv",
    .table_fns = csv_table_fns,
    .ext = ".csv",
    .caps = SL_FMT_READ | SL_FMT_WRITE | SL_FMT_SPLITTABLE,

    .read_opt_names = "header, delim, sep, quote, blocksize, sample_bytes, columns, types, "
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

    .write_opt_names = "HEADER, DELIMITER, COMPRESSION",
    .wopts_new = sl_csv_wopts_new,
    .wopts_set = sl_csv_wopts_set,
    .wopts_free = sl_csv_wopts_free,
    .writer_begin = csv_writer_begin,
    .writer_write = csv_writer_write,
    .wopts_ext = csv_wopts_ext,
    .writer_finish = csv_writer_finish,
    .writer_free = csv_writer_free,
};
