/*
 * COPY ... (FORMAT hdf5): COPY's options for it and the shared-file writer (see
 * io/hdf5_int.h). Staging is Local: each rank appends its rows, column by column, to files
 * ".stage-<rank>-<col>-{v,b,n}" in COPY's temporary directory (values or string lengths,
 * string bytes, validity bytes; the validity file only from the column's first NULL on that
 * rank, most columns have none). The file is written in sl_h5_shared_finish, Collective: row
 * offsets and string byte offsets by exclusive scans, then every rank makes every H5*create /
 * write / close call with the same arguments (parallel HDF5 needs that), writing its rows in
 * rounds of at most H5W_ROUND rows with collective transfers (filters need them); a rank out
 * of rows in a round selects none. Errors are recorded as they come (an HDF5 call on a failed
 * handle fails at once, so every rank still reaches every collective) and agreed at the end.
 */
#include "io/hdf5_int.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/mem.h"
#include "mpi/agree.h"

/* Rows per collective write round: bounds the memory of the write (8 MB per fixed column). */
#define H5W_ROUND (INT64_C(1) << 20)
#define H5W_CHUNK_DEFAULT 65536
#define H5W_STAGE_BUF (256 << 10)
/* Chunk statistics are kept only up to this many chunks per dataset: they are attributes,
 * which HDF5 stores in the object header (64 KB at most by default). */
#define H5W_STATS_MAX 2048

/* ---- options ---- */

void *sl_h5_wopts_new(void)
{
    sl_h5_wopts *o = sl_xcalloc(1, sizeof *o);
    o->group = sl_xstrdup("/");
    return o;
}

void sl_h5_wopts_free(void *p)
{
    sl_h5_wopts *o = p;
    if (!o)
        return;
    sl_free(o->group);
    sl_free(o);
}

int sl_h5_wopts_set(void *p, const sl_fmt_opt *opt, const sl_fmt_ctx *c)
{
    sl_h5_wopts *o = p;
    const sl_fmt_val *v = &opt->v;
    if (!strcasecmp(opt->name, "group")) {
        if (v->kind != SL_FV_STRING || !v->str[0] || v->str[0] != '/')
            return sl_fmt_error_at(c, v->line, v->col, "option GROUP needs an absolute group "
                                   "path such as '/result'");
        sl_free(o->group);
        o->group = sl_xstrdup(v->str);
        return 0;
    }
    if (!strcasecmp(opt->name, "chunk_rows")) {
        char *end = NULL;
        long long n = v->kind == SL_FV_INT ? strtoll(v->str, &end, 10) : 0;
        if (v->kind != SL_FV_INT || *end || n < 1 || n > (1LL << 32))
            return sl_fmt_error_at(c, v->line, v->col, "option CHUNK_ROWS needs a row count "
                                   "between 1 and 4294967296");
        o->chunk_rows = n;
        return 0;
    }
    if (!strcasecmp(opt->name, "compression")) {
        const char *s = v->kind == SL_FV_STRING || v->kind == SL_FV_WORD ? v->str : "";
        if (!strcasecmp(s, "gzip") || !strcasecmp(s, "deflate"))
            o->gzip = 6;
        else if (!strcasecmp(s, "none") || !strcasecmp(s, "uncompressed"))
            o->gzip = 0;
        else
            return sl_fmt_error_at(c, v->line, v->col, "option COMPRESSION for FORMAT hdf5 is "
                                   "'gzip' or 'none'");
        return 0;
    }
    return SL_FMT_UNKNOWN;
}

/* ---- staging (Local) ---- */

typedef struct h5_wcol {
    FILE *val, *bytes, *valid; /* bytes: VARCHAR only */
    char *pval, *pbytes, *pvalid;
    int64_t nbytes, nulls;
} h5_wcol;

typedef struct h5_writer {
    char *group;
    int64_t chunk_rows;
    int gzip;
    int n_cols;
    char *const *names;
    const sl_type *types;
    h5_wcol *cols;
    int64_t rows;
    char *note;            /* COPY's note (JSON), kept as the group's sluice_manifest */
    sl_buf b1, b2, b3;     /* per-batch scratch */
} h5_writer;

static FILE *stage_open(const char *dir, int rank, int k, char what, char **path, sl_err *err)
{
    *path = sl_xasprintf("%s/.stage-%d-%d-%c", dir, rank, k, what);
    FILE *f = fopen(*path, "w+b");
    if (!f) {
        SL_ERR(err, SL_EIO, "COPY: cannot create staging file '%s': %s", *path,
               strerror(errno));
        return NULL;
    }
    setvbuf(f, NULL, _IOFBF, H5W_STAGE_BUF);
    return f;
}

static void stage_close(FILE **f, char **path)
{
    if (*f)
        fclose(*f);
    if (*path)
        unlink(*path);
    sl_free(*path);
    *f = NULL;
    *path = NULL;
}

void sl_h5_shared_free(void *p)
{
    h5_writer *w = p;
    if (!w)
        return;
    for (int k = 0; w->cols && k < w->n_cols; k++) {
        stage_close(&w->cols[k].val, &w->cols[k].pval);
        stage_close(&w->cols[k].bytes, &w->cols[k].pbytes);
        stage_close(&w->cols[k].valid, &w->cols[k].pvalid);
    }
    sl_free(w->cols);
    sl_free(w->group);
    sl_free(w->note);
    sl_buf_free(&w->b1);
    sl_buf_free(&w->b2);
    sl_buf_free(&w->b3);
    sl_free(w);
}

int sl_h5_shared_begin(const void *wopts, int n_cols, char *const *names,
                       const sl_type *types, const char *dir, int rank, void **out,
                       sl_err *err)
{
    const sl_h5_wopts *o = wopts;
    h5_writer *w = sl_xcalloc(1, sizeof *w);
    *out = w;
    w->group = sl_xstrdup(o ? o->group : "/");
    w->chunk_rows = o ? o->chunk_rows : 0;
    w->gzip = o ? o->gzip : 0;
    w->n_cols = n_cols;
    w->names = names;
    w->types = types;
    sl_buf_init(&w->b1);
    sl_buf_init(&w->b2);
    sl_buf_init(&w->b3);
    w->cols = sl_xcalloc((size_t)n_cols + 1, sizeof *w->cols);
    for (int k = 0; k < n_cols; k++) {
        h5_wcol *c = &w->cols[k];
        if (!(c->val = stage_open(dir, rank, k, 'v', &c->pval, err)) ||
            !(c->valid = stage_open(dir, rank, k, 'n', &c->pvalid, err)))
            return err->code;
        if (types[k] == SL_T_VARCHAR && !(c->bytes = stage_open(dir, rank, k, 'b', &c->pbytes,
                                                                 err)))
            return err->code;
    }
    return 0;
}

static int stage_put(FILE *f, const void *p, size_t n, const char *path, sl_err *err)
{
    if (n && fwrite(p, 1, n, f) != n)
        return SL_ERR(err, SL_EIO, "COPY: cannot write staging file '%s': %s", path,
                      strerror(errno));
    return 0;
}

/* Stages one column's live rows of b: values (or string lengths) into w->b1, string bytes
 * into w->b2, validity bytes into w->b3 (only once the column has had a NULL: until then
 * its validity file stays empty and every staged row is valid). Typed loops over the
 * vector's arrays, one memcpy where there is no selection and no NULL. Local. */
static void stage_col(h5_writer *w, int k, const sl_batch *b, int64_t live)
{
    const sl_vec *v = b->cols[k];
    h5_wcol *c = &w->cols[k];
    const uint32_t *sel = b->sel;
    bool str = w->types[k] == SL_T_VARCHAR;
    int64_t nulls = 0;
    if (!sel) {
        /* Whole 64-row words first; the tail bit by bit. */
        int64_t words = live >> 6;
        for (int64_t i = 0; i < words; i++)
            nulls += 64 - __builtin_popcountll(v->valid[i]);
        for (int64_t i = words << 6; i < live; i++)
            nulls += !sl_vec_valid(v, i);
    } else {
        for (int64_t i = 0; i < live; i++)
            nulls += !sl_vec_valid(v, sel[i]);
    }
    sl_buf_reset(&w->b1);
    sl_buf_reset(&w->b2);
    sl_buf_reset(&w->b3);
    sl_buf_reserve(&w->b1, live * 8);
    int64_t *dst = (int64_t *)w->b1.data;
    w->b1.len = live * 8;
    if (!str) {
        if (!sel) {
            memcpy(dst, v->d.i64, (size_t)live * 8);
        } else {
            for (int64_t i = 0; i < live; i++)
                dst[i] = v->d.i64[sel[i]];
        }
        if (nulls) /* a NULL's slot is 0 in the file (the 8 bytes of a double alike) */
            for (int64_t i = 0; i < live; i++)
                if (!sl_vec_valid(v, sel ? sel[i] : i))
                    dst[i] = 0;
    } else if (!sel && !nulls) {
        const int64_t *off = v->d.off;
        for (int64_t i = 0; i < live; i++)
            dst[i] = off[i + 1] - off[i];
        int64_t n = off[live] - off[0];
        sl_buf_append(&w->b2, v->heap + off[0], n);
        c->nbytes += n;
    } else {
        const int64_t *off = v->d.off;
        int64_t n = 0;
        for (int64_t i = 0; i < live; i++) {
            int64_t r = sel ? sel[i] : i;
            dst[i] = sl_vec_valid(v, r) ? off[r + 1] - off[r] : 0;
            n += dst[i];
        }
        sl_buf_reserve(&w->b2, n);
        char *bp = w->b2.data;
        for (int64_t i = 0; i < live; i++) {
            int64_t r = sel ? sel[i] : i;
            if (dst[i])
                memcpy(bp, v->heap + off[r], (size_t)dst[i]);
            bp += dst[i];
        }
        w->b2.len = n;
        c->nbytes += n;
    }
    if (nulls && c->nulls == 0) {
        /* The column's first NULL: the rows staged before it were all valid. */
        sl_buf_reserve(&w->b3, w->rows);
        memset(w->b3.data, 1, (size_t)w->rows);
        w->b3.len = w->rows;
    }
    if (nulls || c->nulls) {
        sl_buf_reserve(&w->b3, live);
        unsigned char *vb = (unsigned char *)w->b3.data + w->b3.len;
        for (int64_t i = 0; i < live; i++)
            vb[i] = sl_vec_valid(v, sel ? sel[i] : i);
        w->b3.len += live;
    }
    c->nulls += nulls;
}

int sl_h5_shared_write(void *p, const sl_batch *b, sl_err *err)
{
    h5_writer *w = p;
    int64_t live = sl_batch_live(b);
    if (live == 0)
        return 0;
    for (int k = 0; k < w->n_cols; k++) {
        h5_wcol *c = &w->cols[k];
        stage_col(w, k, b, live);
        if (stage_put(c->val, w->b1.data, (size_t)w->b1.len, c->pval, err) ||
            stage_put(c->valid, w->b3.data, (size_t)w->b3.len, c->pvalid, err) ||
            (c->bytes && stage_put(c->bytes, w->b2.data, (size_t)w->b2.len, c->pbytes, err)))
            return err->code;
    }
    w->rows += live;
    return 0;
}

void sl_h5_shared_note(void *p, const char *json)
{
    h5_writer *w = p;
    sl_free(w->note);
    w->note = sl_xstrdup(json);
}

/* ---- the shared file (Collective) ---- */

typedef struct h5_out {
    const char *path;
    sl_err *err;
    hid_t dxpl;
} h5_out;

/* Records an HDF5 failure once (later ones follow from it). */
static void h5_fail(h5_out *o, const char *what, const char *name)
{
    if (!o->err->code)
        SL_ERR(o->err, SL_EIO, "COPY: HDF5 %s failed for '%s'%s%s%s", what, o->path,
               name ? " (dataset '" : "", name ? name : "", name ? "')" : "");
}

static void str_attr(h5_out *o, hid_t obj, const char *name, const char *val)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(val) + 1);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, t, val) < 0)
        h5_fail(o, "attribute write", name);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
}

static hid_t make_ds(h5_out *o, const h5_writer *w, hid_t g, const char *name, hid_t ftype,
                     int64_t len)
{
    hsize_t dims = (hsize_t)len;
    hid_t sp = H5Screate_simple(1, &dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (len > 0 && (w->chunk_rows > 0 || w->gzip)) {
        hsize_t ch = (hsize_t)(w->chunk_rows > 0 ? w->chunk_rows : H5W_CHUNK_DEFAULT);
        if (ch > dims)
            ch = dims;
        H5Pset_chunk(dcpl, 1, &ch);
        if (w->gzip)
            H5Pset_deflate(dcpl, (unsigned)w->gzip);
    }
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    hid_t d = H5Dcreate2(g, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0)
        h5_fail(o, "dataset create", name);
    H5Pclose(dcpl);
    H5Sclose(sp);
    return d;
}

/* Per-chunk min/max of one fixed-width column (BIGINT, DATE, TIMESTAMP as int64, DOUBLE),
 * over the valid values of every rank's rows: a chunk with none has min > max, a DOUBLE
 * chunk holding a NaN has NaN bounds (nothing can be said of it). */
typedef struct h5_stats {
    bool dbl;
    int64_t *imin, *imax;
    double *dmin, *dmax;
    int64_t *nan;
} h5_stats;

static void stats_init(h5_stats *s, bool dbl, int64_t n)
{
    s->dbl = dbl;
    s->nan = sl_xcalloc((size_t)n + 1, sizeof *s->nan);
    if (dbl) {
        s->dmin = sl_xmalloc(((size_t)n + 1) * sizeof *s->dmin);
        s->dmax = sl_xmalloc(((size_t)n + 1) * sizeof *s->dmax);
    } else {
        s->imin = sl_xmalloc(((size_t)n + 1) * sizeof *s->imin);
        s->imax = sl_xmalloc(((size_t)n + 1) * sizeof *s->imax);
    }
    for (int64_t c = 0; c < n; c++) {
        if (dbl) {
            s->dmin[c] = INFINITY;
            s->dmax[c] = -INFINITY;
        } else {
            s->imin[c] = INT64_MAX;
            s->imax[c] = INT64_MIN;
        }
    }
}

static void stats_free(h5_stats *s)
{
    sl_free(s->imin);
    sl_free(s->imax);
    sl_free(s->dmin);
    sl_free(s->dmax);
    sl_free(s->nan);
}

/* Adds rows [at, at+m) (values vals, validity vb) to the chunks of chunk_rows rows: one
 * chunk's run of rows at a time (no division per row). */
static void stats_add(h5_stats *s, int64_t chunk_rows, int64_t at, int64_t m,
                      const int64_t *vals, const unsigned char *vb)
{
    for (int64_t i = 0; i < m;) {
        int64_t c = (at + i) / chunk_rows, e = (c + 1) * chunk_rows - at;
        if (e > m)
            e = m;
        if (s->dbl) {
            double lo = s->dmin[c], hi = s->dmax[c];
            for (; i < e; i++) {
                double x;
                memcpy(&x, &vals[i], sizeof x);
                if (!vb[i])
                    continue;
                if (isnan(x)) {
                    s->nan[c] = 1;
                    continue;
                }
                lo = x < lo ? x : lo;
                hi = x > hi ? x : hi;
            }
            s->dmin[c] = lo;
            s->dmax[c] = hi;
        } else {
            int64_t lo = s->imin[c], hi = s->imax[c];
            for (; i < e; i++) {
                if (!vb[i])
                    continue;
                lo = vals[i] < lo ? vals[i] : lo;
                hi = vals[i] > hi ? vals[i] : hi;
            }
            s->imin[c] = lo;
            s->imax[c] = hi;
        }
    }
}

/* Combines every rank's statistics and writes them on d as sluice_chunk_rows (scalar),
 * sluice_chunk_min and sluice_chunk_max (n values of the column's type). Collective. */
static void stats_write(h5_out *o, MPI_Comm comm, h5_stats *s, hid_t d, int64_t chunk_rows,
                        int64_t n, const char *name)
{
    MPI_Allreduce(MPI_IN_PLACE, s->nan, (int)n, MPI_INT64_T, MPI_MAX, comm);
    if (s->dbl) {
        MPI_Allreduce(MPI_IN_PLACE, s->dmin, (int)n, MPI_DOUBLE, MPI_MIN, comm);
        MPI_Allreduce(MPI_IN_PLACE, s->dmax, (int)n, MPI_DOUBLE, MPI_MAX, comm);
        for (int64_t c = 0; c < n; c++)
            if (s->nan[c])
                s->dmin[c] = s->dmax[c] = NAN;
    } else {
        MPI_Allreduce(MPI_IN_PLACE, s->imin, (int)n, MPI_INT64_T, MPI_MIN, comm);
        MPI_Allreduce(MPI_IN_PLACE, s->imax, (int)n, MPI_INT64_T, MPI_MAX, comm);
    }
    if (d < 0)
        return;
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(d, "sluice_chunk_rows", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, H5T_NATIVE_INT64, &chunk_rows) < 0)
        h5_fail(o, "attribute write", name);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    hsize_t dims = (hsize_t)n;
    sp = H5Screate_simple(1, &dims, NULL);
    const char *an[2] = { "sluice_chunk_min", "sluice_chunk_max" };
    const void *av[2] = { s->dbl ? (void *)s->dmin : (void *)s->imin,
                          s->dbl ? (void *)s->dmax : (void *)s->imax };
    for (int i = 0; i < 2; i++) {
        a = H5Acreate2(d, an[i], s->dbl ? H5T_IEEE_F64LE : H5T_STD_I64LE, sp, H5P_DEFAULT,
                       H5P_DEFAULT);
        if (a < 0 || H5Awrite(a, s->dbl ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64, av[i]) < 0)
            h5_fail(o, "attribute write", name);
        if (a >= 0)
            H5Aclose(a);
    }
    H5Sclose(sp);
}

/* Per-chunk min/max of one VARCHAR column over the valid values of every rank's rows
 * (bytewise, as the filter compares strings): any[c] says whether chunk c has a value. */
typedef struct h5_sstats {
    int64_t n;
    unsigned char *any;
    char **mn, **mx;
    int64_t *mnl, *mxl;
} h5_sstats;

/* The statistics are kept only while the bounds of a column take at most this many bytes
 * (attributes live in the object header). */
#define H5W_SSTATS_BYTES (32 << 10)

static void sstats_init(h5_sstats *s, int64_t n)
{
    s->n = n;
    s->any = sl_xcalloc((size_t)n + 1, 1);
    s->mn = sl_xcalloc((size_t)n + 1, sizeof *s->mn);
    s->mx = sl_xcalloc((size_t)n + 1, sizeof *s->mx);
    s->mnl = sl_xcalloc((size_t)n + 1, sizeof *s->mnl);
    s->mxl = sl_xcalloc((size_t)n + 1, sizeof *s->mxl);
}

static void sstats_free(h5_sstats *s)
{
    for (int64_t c = 0; c < s->n; c++) {
        sl_free(s->mn[c]);
        sl_free(s->mx[c]);
    }
    sl_free(s->any);
    sl_free(s->mn);
    sl_free(s->mx);
    sl_free(s->mnl);
    sl_free(s->mxl);
}

static int str_cmp(const char *a, int64_t an, const char *b, int64_t bn)
{
    int64_t m = an < bn ? an : bn;
    int c = m > 0 ? memcmp(a, b, (size_t)m) : 0;
    return c ? c : (an > bn) - (an < bn);
}

/* Adds string x (len bytes) to chunk c. */
static void sstats_put(h5_sstats *s, int64_t c, const char *x, int64_t len)
{
    if (!s->any[c] || str_cmp(x, len, s->mn[c], s->mnl[c]) < 0) {
        sl_free(s->mn[c]);
        s->mn[c] = sl_xstrndup(x, (size_t)len);
        s->mnl[c] = len;
    }
    if (!s->any[c] || str_cmp(x, len, s->mx[c], s->mxl[c]) > 0) {
        sl_free(s->mx[c]);
        s->mx[c] = sl_xstrndup(x, (size_t)len);
        s->mxl[c] = len;
    }
    s->any[c] = 1;
}

/* Adds rows [at, at+m) of a string column: offs[i] is row i's global byte offset, end the
 * end of the last one, bytes the round's bytes from base on; vb the validity. */
static void sstats_add(h5_sstats *s, int64_t chunk_rows, int64_t at, int64_t m,
                       const int64_t *offs, int64_t base, int64_t end, const char *bytes,
                       const unsigned char *vb)
{
    for (int64_t i = 0; i < m;) {
        int64_t c = (at + i) / chunk_rows, e = (c + 1) * chunk_rows - at;
        for (e = e < m ? e : m; i < e; i++)
            if (vb[i])
                sstats_put(s, c, bytes + (offs[i] - base),
                           (i + 1 < m ? offs[i + 1] : end) - offs[i]);
    }
}

/* Appends one bound's attributes: <an>__offsets (n+1 int64) and <an>__bytes (the strings and
 * a 0 byte, so it is never empty). */
static void sstats_attr(h5_out *o, hid_t d, const char *an, int64_t n, char **v,
                        const int64_t *len, const char *name)
{
    int64_t *off = sl_xcalloc((size_t)n + 2, sizeof *off);
    for (int64_t c = 0; c < n; c++)
        off[c + 1] = off[c] + len[c];
    char *b = sl_xmalloc((size_t)off[n] + 1);
    for (int64_t c = 0; c < n; c++)
        if (len[c])
            memcpy(b + off[c], v[c], (size_t)len[c]);
    b[off[n]] = 0;
    for (int i = 0; i < 2; i++) {
        hsize_t dims = (hsize_t)(i ? off[n] + 1 : n + 1);
        char *nm = sl_xasprintf("%s%s", an, i ? "__bytes" : "__offsets");
        hid_t sp = H5Screate_simple(1, &dims, NULL);
        hid_t a = H5Acreate2(d, nm, i ? H5T_STD_U8LE : H5T_STD_I64LE, sp, H5P_DEFAULT,
                             H5P_DEFAULT);
        if (a < 0 || H5Awrite(a, i ? H5T_NATIVE_UCHAR : H5T_NATIVE_INT64,
                              i ? (void *)b : (void *)off) < 0)
            h5_fail(o, "attribute write", name);
        if (a >= 0)
            H5Aclose(a);
        H5Sclose(sp);
        sl_free(nm);
    }
    sl_free(off);
    sl_free(b);
}

/* Combines every rank's string statistics (each rank's bounds of the chunks it has values in,
 * gathered on every rank and merged in rank order, so every rank holds the same) and writes
 * them on d as sluice_chunk_rows, sluice_chunk_any (n uint8) and sluice_chunk_min /
 * sluice_chunk_max (offsets + bytes, see sstats_attr), unless the bounds take more than
 * H5W_SSTATS_BYTES (then none, on every rank). Collective. */
static void sstats_write(h5_out *o, MPI_Comm comm, h5_sstats *s, hid_t d, int64_t chunk_rows,
                         const char *name)
{
    sl_buf b;
    sl_buf_init(&b);
    for (int64_t c = 0; c < s->n; c++) {
        if (!s->any[c])
            continue;
        int64_t hdr[3] = { c, s->mnl[c], s->mxl[c] };
        sl_buf_append(&b, hdr, sizeof hdr);
        sl_buf_append(&b, s->mn[c], s->mnl[c]);
        sl_buf_append(&b, s->mx[c], s->mxl[c]);
    }
    int size;
    MPI_Comm_size(comm, &size);
    int mine = b.len > INT32_MAX / size ? 0 : (int)b.len, big = b.len != mine;
    MPI_Allreduce(MPI_IN_PLACE, &big, 1, MPI_INT, MPI_MAX, comm);
    int *cnt = sl_xcalloc((size_t)size + 1, sizeof *cnt);
    int *disp = sl_xcalloc((size_t)size + 1, sizeof *disp);
    MPI_Allgather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, comm);
    int64_t total = 0;
    for (int r = 0; r < size; r++) {
        disp[r] = (int)total;
        total += cnt[r];
    }
    big = big || total > INT32_MAX;
    char *all = sl_xmalloc((size_t)(big ? 0 : total) + 1);
    if (!big)
        MPI_Allgatherv(b.data, mine, MPI_BYTE, all, cnt, disp, MPI_BYTE, comm);
    sl_buf_free(&b);
    h5_sstats m;
    sstats_init(&m, s->n);
    for (const char *p = all, *e = all + (big ? 0 : total); p < e;) {
        int64_t hdr[3];
        memcpy(hdr, p, sizeof hdr);
        p += sizeof hdr;
        sstats_put(&m, hdr[0], p, hdr[1]);
        p += hdr[1];
        sstats_put(&m, hdr[0], p, hdr[2]);
        p += hdr[2];
    }
    int64_t bytes = 0;
    for (int64_t c = 0; c < m.n; c++)
        bytes += m.mnl[c] + m.mxl[c];
    if (!big && bytes <= H5W_SSTATS_BYTES && d >= 0) {
        hid_t sp = H5Screate(H5S_SCALAR);
        hid_t a = H5Acreate2(d, "sluice_chunk_rows", H5T_STD_I64LE, sp, H5P_DEFAULT,
                             H5P_DEFAULT);
        if (a < 0 || H5Awrite(a, H5T_NATIVE_INT64, &chunk_rows) < 0)
            h5_fail(o, "attribute write", name);
        if (a >= 0)
            H5Aclose(a);
        H5Sclose(sp);
        hsize_t dims = (hsize_t)m.n;
        sp = H5Screate_simple(1, &dims, NULL);
        a = H5Acreate2(d, "sluice_chunk_any", H5T_STD_U8LE, sp, H5P_DEFAULT, H5P_DEFAULT);
        if (a < 0 || H5Awrite(a, H5T_NATIVE_UCHAR, m.any) < 0)
            h5_fail(o, "attribute write", name);
        if (a >= 0)
            H5Aclose(a);
        H5Sclose(sp);
        sstats_attr(o, d, "sluice_chunk_min", m.n, m.mn, m.mnl, name);
        sstats_attr(o, d, "sluice_chunk_max", m.n, m.mx, m.mxl, name);
    }
    sstats_free(&m);
    sl_free(all);
    sl_free(cnt);
    sl_free(disp);
}

/* Writes n values at [start, start+n) of d from buf; n 0 takes part with no selection. */
static void write_slab(h5_out *o, hid_t d, hid_t mt, int64_t start, int64_t n, const void *buf,
                       const char *name)
{
    hsize_t st = (hsize_t)start, cnt = (hsize_t)(n > 0 ? n : 1);
    static const char dummy[16];
    hid_t fs = H5Dget_space(d);
    if (fs >= 0 && H5Sget_simple_extent_npoints(fs) == 0) {
        H5Sclose(fs); /* an empty dataset (same on every rank): nothing to write */
        return;
    }
    hid_t ms = H5Screate_simple(1, &cnt, NULL);
    herr_t rc;
    if (n > 0) {
        rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &st, NULL, &cnt, NULL);
    } else {
        rc = H5Sselect_none(fs);
        if (rc >= 0)
            rc = H5Sselect_none(ms);
    }
    if (d < 0 || H5Dwrite(d, mt, ms, fs, o->dxpl, n > 0 ? buf : dummy) < 0 || rc < 0)
        h5_fail(o, "write", name);
    if (ms >= 0)
        H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
}

static int stage_get(FILE *f, void *p, size_t n, const char *path, sl_err *err)
{
    if (n && fread(p, 1, n, f) != n)
        return err->code ? err->code
                         : SL_ERR(err, SL_EIO, "COPY: cannot read staging file '%s' back",
                                  path);
    return 0;
}

static void schema_json(sl_buf *j, const h5_writer *w)
{
    sl_buf_putc(j, '[');
    for (int k = 0; k < w->n_cols; k++) {
        sl_buf_puts(j, k ? ", {\"name\": " : "{\"name\": ");
        sl_buf_json_str(j, w->names[k]);
        sl_buf_printf(j, ", \"type\": \"%s\"}", sl_type_name(w->types[k]));
    }
    sl_buf_putc(j, ']');
}

int sl_h5_shared_finish(MPI_Comm comm, void *p, const char *path, int64_t *rows, sl_err *err)
{
    h5_writer *w = p;
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    *rows = 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    for (int k = 0; k < w->n_cols && !err->code; k++) {
        h5_wcol *c = &w->cols[k];
        if (fflush(c->val) || fflush(c->valid) || (c->bytes && fflush(c->bytes)))
            SL_ERR(err, SL_EIO, "COPY: cannot write staging files in '%s': %s", path,
                   strerror(errno));
        rewind(c->val);
        rewind(c->valid);
        if (c->bytes)
            rewind(c->bytes);
    }
    if (sl_agree(comm, err))
        return err->code;

    /* Where this rank's rows and string bytes go. */
    int nc = w->n_cols;
    int64_t *mine = sl_xcalloc(2 * (size_t)nc + 2, sizeof *mine);
    int64_t *before = sl_xcalloc(2 * (size_t)nc + 2, sizeof *before);
    int64_t *total = sl_xcalloc(2 * (size_t)nc + 2, sizeof *total);
    mine[0] = w->rows;
    for (int k = 0; k < nc; k++) {
        mine[1 + k] = w->cols[k].nbytes;
        mine[1 + nc + k] = w->cols[k].nulls;
    }
    MPI_Exscan(mine, before, 2 * nc + 1, MPI_INT64_T, MPI_SUM, comm);
    if (rank == 0)
        memset(before, 0, (2 * (size_t)nc + 1) * sizeof *before);
    MPI_Allreduce(mine, total, 2 * nc + 1, MPI_INT64_T, MPI_SUM, comm);
    int64_t n = w->rows, my_rounds = (n + H5W_ROUND - 1) / H5W_ROUND, rounds = 0;
    MPI_Allreduce(&my_rounds, &rounds, 1, MPI_INT64_T, MPI_MAX, comm);
    if (rounds == 0)
        rounds = 1; /* the string offsets' one value is written even with no rows */
    int64_t last_round = my_rounds > 0 ? my_rounds - 1 : 0;

    h5_out o = { .path = path, .err = err };
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
    H5Pset_all_coll_metadata_ops(fapl, 1);
    H5Pset_coll_metadata_write(fapl, 1);
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    /* The root group keeps the column order too when the table is written there. */
    H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    hid_t f = H5Fcreate(path, H5F_ACC_EXCL, fcpl, fapl);
    if (f < 0)
        h5_fail(&o, "file create", NULL);
    H5Pclose(fcpl);
    H5Pclose(fapl);
    hid_t g;
    if (!strcmp(w->group, "/")) {
        g = H5Gopen2(f, "/", H5P_DEFAULT);
    } else {
        hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(lcpl, 1);
        hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
        H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
        g = H5Gcreate2(f, w->group, lcpl, gcpl, H5P_DEFAULT);
        H5Pclose(gcpl);
        H5Pclose(lcpl);
    }
    if (g < 0)
        h5_fail(&o, "group create", NULL);
    o.dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(o.dxpl, H5FD_MPIO_COLLECTIVE);

    /* h5py's bool: an enum over int8 with FALSE = 0 and TRUE = 1. */
    hid_t tbool = H5Tenum_create(H5T_NATIVE_INT8);
    int8_t e0 = 0, e1 = 1;
    H5Tenum_insert(tbool, "FALSE", &e0);
    H5Tenum_insert(tbool, "TRUE", &e1);

    hid_t *ds = sl_xcalloc((size_t)nc + 1, sizeof *ds);
    hid_t *bs = sl_xcalloc((size_t)nc + 1, sizeof *bs);
    hid_t *vs = sl_xcalloc((size_t)nc + 1, sizeof *vs);
    char **dn = sl_xcalloc((size_t)nc + 1, sizeof *dn);
    int64_t N = total[0];
    for (int k = 0; k < nc; k++) {
        sl_type t = w->types[k];
        bs[k] = vs[k] = -1;
        if (t == SL_T_VARCHAR) {
            dn[k] = sl_xasprintf("%s__offsets", w->names[k]);
            ds[k] = make_ds(&o, w, g, dn[k], H5T_STD_I64LE, N + 1);
            char *bn = sl_xasprintf("%s__bytes", w->names[k]);
            bs[k] = make_ds(&o, w, g, bn, H5T_STD_U8LE, total[1 + k]);
            sl_free(bn);
        } else {
            dn[k] = sl_xstrdup(w->names[k]);
            hid_t ft = t == SL_T_DOUBLE ? H5T_IEEE_F64LE : t == SL_T_BOOL ? tbool
                                                                         : H5T_STD_I64LE;
            ds[k] = make_ds(&o, w, g, dn[k], ft, N);
            if (ds[k] >= 0)
                str_attr(&o, ds[k], "sluice_type", sl_type_name(t));
        }
        if (total[1 + nc + k] > 0) {
            char *vn = sl_xasprintf("%s__valid", w->names[k]);
            vs[k] = make_ds(&o, w, g, vn, H5T_STD_U8LE, N);
            sl_free(vn);
        }
    }
    sl_buf schema;
    sl_buf_init(&schema);
    schema_json(&schema, w);
    if (g >= 0) {
        str_attr(&o, g, "sluice_schema", sl_buf_cstr(&schema));
        if (w->note)
            str_attr(&o, g, "sluice_manifest", w->note);
        hid_t sp = H5Screate(H5S_SCALAR);
        hid_t a = H5Acreate2(g, "sluice_rows", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
        if (a < 0 || H5Awrite(a, H5T_NATIVE_INT64, &N) < 0)
            h5_fail(&o, "attribute write", "sluice_rows");
        if (a >= 0)
            H5Aclose(a);
        H5Sclose(sp);
    }
    sl_buf_free(&schema);

    /* Chunked fixed-width columns get per-chunk min/max (readers skip chunks by them). */
    int64_t crows = w->chunk_rows > 0 ? w->chunk_rows : H5W_CHUNK_DEFAULT;
    int64_t nchunks = N > 0 && (w->chunk_rows > 0 || w->gzip) ? (N + crows - 1) / crows : 0;
    if (crows > N)
        crows = N;   /* make_ds shrinks the chunk to the dataset */
    if (crows > 0 && nchunks > 0)
        nchunks = (N + crows - 1) / crows;
    h5_stats *st = sl_xcalloc((size_t)nc + 1, sizeof *st);
    h5_sstats *sst = sl_xcalloc((size_t)nc + 1, sizeof *sst);
    bool *has_st = sl_xcalloc((size_t)nc + 1, sizeof *has_st);
    for (int k = 0; k < nc; k++) {
        sl_type t = w->types[k];
        has_st[k] = nchunks > 0 && nchunks <= H5W_STATS_MAX && t != SL_T_BOOL;
        if (has_st[k] && t == SL_T_VARCHAR)
            sstats_init(&sst[k], nchunks);
        else if (has_st[k])
            stats_init(&st[k], t == SL_T_DOUBLE, nchunks);
    }

    /* The rows, in rounds every rank takes part in. */
    int64_t cap = n < H5W_ROUND ? n : H5W_ROUND;
    int64_t *vals = sl_xmalloc(((size_t)cap + 1) * 8);
    unsigned char *vb = sl_xmalloc((size_t)cap + 1);
    int8_t *b8 = sl_xmalloc((size_t)cap + 1);
    int64_t *bdone = sl_xcalloc((size_t)nc + 1, sizeof *bdone);
    sl_buf sbytes;
    sl_buf_init(&sbytes);
    int64_t done = 0;
    for (int64_t r = 0; r < rounds; r++) {
        int64_t m = n - done < H5W_ROUND ? n - done : H5W_ROUND;
        if (m < 0)
            m = 0;
        int64_t at = before[0] + done;
        for (int k = 0; k < nc; k++) {
            h5_wcol *c = &w->cols[k];
            sl_type t = w->types[k];
            int64_t base = 0, sum = 0;
            if (stage_get(c->val, vals, (size_t)m * 8, c->pval, err))
                m = 0; /* still take part in the collective writes */
            if (t == SL_T_VARCHAR) {
                base = before[1 + k] + bdone[k];
                for (int64_t i = 0; i < m; i++) {
                    int64_t len = vals[i];
                    vals[i] = base + sum;
                    sum += len;
                }
                int64_t cnt = m;
                if (rank == size - 1 && r == last_round)
                    vals[cnt++] = base + sum; /* the end of the last string: offsets[N] */
                write_slab(&o, ds[k], H5T_NATIVE_INT64, at, cnt, vals, dn[k]);
                sl_buf_reset(&sbytes);
                sl_buf_reserve(&sbytes, sum + 1);
                if (stage_get(c->bytes, sbytes.data, (size_t)sum, c->pbytes, err))
                    sum = 0;
                write_slab(&o, bs[k], H5T_NATIVE_UINT8, base, sum, sbytes.data, dn[k]);
                bdone[k] += sum;
            } else if (t == SL_T_BOOL) {
                for (int64_t i = 0; i < m; i++)
                    b8[i] = vals[i] != 0;
                write_slab(&o, ds[k], tbool, at, m, b8, dn[k]);
            } else {
                write_slab(&o, ds[k], t == SL_T_DOUBLE ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64,
                           at, m, vals, dn[k]);
            }
            if (c->nulls == 0)
                memset(vb, 1, (size_t)m); /* no NULL staged: the validity file is empty */
            else if (stage_get(c->valid, vb, (size_t)m, c->pvalid, err))
                m = 0;
            if (vs[k] >= 0)
                write_slab(&o, vs[k], H5T_NATIVE_UINT8, at, m, vb, dn[k]);
            if (has_st[k] && t == SL_T_VARCHAR && !err->code)
                sstats_add(&sst[k], crows, at, m, vals, base, base + sum, sbytes.data, vb);
            else if (has_st[k] && t != SL_T_VARCHAR)
                stats_add(&st[k], crows, at, m, vals, vb);
        }
        done += m;
    }
    for (int k = 0; k < nc; k++) {
        if (has_st[k] && w->types[k] == SL_T_VARCHAR) {
            sstats_write(&o, comm, &sst[k], ds[k], crows, dn[k]);
            sstats_free(&sst[k]);
        } else if (has_st[k]) {
            stats_write(&o, comm, &st[k], ds[k], crows, nchunks, dn[k]);
            stats_free(&st[k]);
        }
    }
    sl_free(st);
    sl_free(sst);
    sl_free(has_st);
    sl_buf_free(&sbytes);
    sl_free(vals);
    sl_free(vb);
    sl_free(b8);
    sl_free(bdone);
    for (int k = 0; k < nc; k++) {
        if (ds[k] >= 0)
            H5Dclose(ds[k]);
        if (bs[k] >= 0)
            H5Dclose(bs[k]);
        if (vs[k] >= 0)
            H5Dclose(vs[k]);
        sl_free(dn[k]);
    }
    sl_free(ds);
    sl_free(bs);
    sl_free(vs);
    sl_free(dn);
    H5Tclose(tbool);
    H5Pclose(o.dxpl);
    if (g >= 0)
        H5Gclose(g);
    if (f >= 0 && H5Fclose(f) < 0)
        h5_fail(&o, "file close", NULL);
    sl_free(mine);
    sl_free(before);
    sl_free(total);
    /* The staging is not part of the output. */
    for (int k = 0; k < nc; k++) {
        stage_close(&w->cols[k].val, &w->cols[k].pval);
        stage_close(&w->cols[k].bytes, &w->cols[k].pbytes);
        stage_close(&w->cols[k].valid, &w->cols[k].pvalid);
    }
    *rows = N;
    return sl_agree(comm, err);
}
