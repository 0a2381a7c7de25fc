/*
 * read_hdf5(...): its options, opening a source (Collective: rank 0 globs the files, reads
 * every file's group and checks that all files hold the same columns; the schema and row
 * counts are agreed and broadcast) and the scan (Local): a rank reads its contiguous share of
 * the rows, [r*N/P, (r+1)*N/P) over the files in order, by hyperslab selections, only the
 * projected columns, one batch at a time. Independent reads open the files with the default
 * driver; collective reads (io='collective', or 'auto' with equal shares) open them over
 * MPI-IO and walk one schedule of rounds on every rank (coll_next), a rank without rows in a
 * round selecting none, and a rank that stops early finishing the schedule in scan_end. Before
 * each round's collective reads (after a file's collective open) and at the end of the
 * schedule the ranks agree whether any of them failed to open or read (coll_agree, one
 * MPI_Allreduce of a flag); when one did, every rank leaves the schedule with its error, so
 * none waits in a collective call another skips. With pushed-down conjuncts (scan_prune) a
 * scan skips chunks by the statistics sluice wrote, or else reads the conjuncts' columns of a
 * batch first and the other columns only where some granule can pass (late_read). The layout
 * read is described in io/hdf5_int.h.
 */
#include "io/hdf5_int.h"

#include <errno.h>
#include <glob.h>
#include <hdf5.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/fault.h"
#include "core/mem.h"
#include "core/size.h"
#include "mpi/agree.h"

/* ---- options ---- */

void *sl_h5_ropts_new(void)
{
    sl_h5_opts *o = sl_xcalloc(1, sizeof *o);
    o->group = sl_xstrdup("/");
    return o;
}

void sl_h5_ropts_free(void *p)
{
    sl_h5_opts *o = p;
    if (!o)
        return;
    for (int i = 0; i < o->n_paths; i++)
        sl_free(o->paths[i]);
    sl_free(o->paths);
    sl_free(o->group);
    sl_free(o);
}

static int set_group(sl_h5_opts *o, const sl_fmt_val *v, const sl_fmt_ctx *c)
{
    if (v->kind != SL_FV_STRING)
        return sl_fmt_expected(c, v, "group path string");
    if (!v->str[0])
        return sl_fmt_error_at(c, v->line, v->col, "option group must not be empty");
    sl_free(o->group);
    o->group = sl_xstrdup(v->str);
    return 0;
}

int sl_h5_ropts_args(void *p, const sl_fmt_val *args, int n, const sl_fmt_val *next,
                     const sl_fmt_ctx *c)
{
    sl_h5_opts *o = p;
    if (n == 0)
        return sl_fmt_expected(c, next, "file name string or list of file names");
    if (sl_fmt_paths_arg(&args[0], c, &o->n_paths, &o->paths))
        return c->err->code;
    /* read_hdf5('f.h5', '/group'): the group may follow the files. */
    if (n > 1 && set_group(o, &args[1], c))
        return c->err->code;
    if (n > 2)
        return sl_fmt_expected(c, &args[2], "option name");
    return 0;
}

int sl_h5_ropts_set(void *p, const sl_fmt_opt *opt, const sl_fmt_ctx *c)
{
    sl_h5_opts *o = p;
    if (!strcasecmp(opt->name, "group"))
        return set_group(o, &opt->v, c);
    if (!strcasecmp(opt->name, "io")) {
        const sl_fmt_val *v = &opt->v;
        const char *w = v->kind == SL_FV_STRING || v->kind == SL_FV_WORD ? v->str : "";
        if (!strcasecmp(w, "auto"))
            o->io = SL_H5_IO_AUTO;
        else if (!strcasecmp(w, "collective"))
            o->io = SL_H5_IO_COLLECTIVE;
        else if (!strcasecmp(w, "independent"))
            o->io = SL_H5_IO_INDEPENDENT;
        else
            return sl_fmt_error_at(c, v->line, v->col, "option io must be 'auto', "
                                   "'collective' or 'independent'");
        return 0;
    }
    return SL_FMT_UNKNOWN;
}

int sl_h5_ropts_end(void *o, int line, int col, const sl_fmt_ctx *c)
{
    (void)o;
    (void)line;
    (void)col;
    (void)c;
    return 0;
}

static void put_string(sl_buf *b, const char *s) { sl_buf_put_quoted(b, s, '\''); }

void sl_h5_ropts_print(sl_buf *b, const void *p)
{
    const sl_h5_opts *o = p;
    if (o->n_paths != 1)
        sl_buf_putc(b, '[');
    for (int i = 0; i < o->n_paths; i++) {
        if (i)
            sl_buf_puts(b, ", ");
        put_string(b, o->paths[i]);
    }
    if (o->n_paths != 1)
        sl_buf_putc(b, ']');
    sl_buf_puts(b, ", group=");
    put_string(b, o->group);
    if (o->io != SL_H5_IO_AUTO)
        sl_buf_puts(b, o->io == SL_H5_IO_COLLECTIVE ? ", io='collective'"
                                                    : ", io='independent'");
}

/* ---- the source ---- */

/* How a column is stored. */
enum { K_INT, K_FLOAT, K_ENUM, K_FSTR, K_VSTR, K_OBSTR };

#define SFX_VALID "__valid"
#define SFX_OFF "__offsets"
#define SFX_BYTES "__bytes"

typedef struct h5_col {
    char *name;
    sl_type type;
    int kind;
    int has_valid;
} h5_col;

typedef struct h5_src {
    char *group;
    int n_files;
    char **paths;
    int64_t *rows;     /* rows of each file */
    int64_t *first;    /* global index of each file's first row; first[n_files] = total */
    int64_t bytes;     /* file sizes */
    int ncols;
    h5_col *cols;
    int n_ranks;
    bool coll;         /* collective MPI-IO reads (decided at open, the same on every rank) */
    int io;            /* SL_H5_IO_*, as the option says */
    MPI_Comm comm;     /* coll: the ranks' own communicator (a dup) */
} h5_src;

void sl_h5_src_free(void *p)
{
    h5_src *s = p;
    if (!s)
        return;
    for (int f = 0; f < s->n_files; f++)
        sl_free(s->paths[f]);
    sl_free(s->paths);
    sl_free(s->rows);
    sl_free(s->first);
    for (int c = 0; c < s->ncols; c++)
        sl_free(s->cols[c].name);
    sl_free(s->cols);
    sl_free(s->group);
    if (s->coll)
        MPI_Comm_free(&s->comm);
    sl_free(s);
}

static bool ends_with(const char *s, const char *sfx)
{
    size_t n = strlen(s), k = strlen(sfx);
    return n > k && strcmp(s + n - k, sfx) == 0;
}

typedef struct namelist {
    int n;
    int64_t cap;
    char **v;
} namelist;

static herr_t collect_name(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
    (void)g;
    (void)info;
    namelist *l = ctx;
    SL_GROW(l->v, l->cap, l->n + 1);
    l->v[l->n++] = sl_xstrdup(name);
    return 0;
}

static void namelist_free(namelist *l)
{
    for (int i = 0; i < l->n; i++)
        sl_free(l->v[i]);
    sl_free(l->v);
    memset(l, 0, sizeof *l);
}

static int find_name(const namelist *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i], name) == 0)
            return i;
    return -1;
}

/* The string attribute name of obj as a new string, or NULL when it has none. */
static char *str_attr(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return NULL;
    char *out = NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = a >= 0 ? H5Aget_type(a) : -1;
    if (t >= 0 && H5Tget_class(t) == H5T_STRING) {
        if (H5Tis_variable_str(t) > 0) {
            char *v = NULL;
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            H5Tset_cset(mt, H5Tget_cset(t)); /* h5py writes UTF-8; no conversion between */
            if (H5Aread(a, mt, &v) >= 0 && v) {
                out = sl_xstrdup(v);
                H5free_memory(v);
            }
            H5Tclose(mt);
        } else {
            size_t n = H5Tget_size(t);
            char *v = sl_xcalloc(n + 1, 1);
            if (H5Aread(a, t, v) >= 0)
                out = sl_xstrndup(v, strnlen(v, n));
            sl_free(v);
        }
    }
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    return out;
}

/* Length of a 1-D dataset, or -1 (err set) when it is not one. */
static int64_t ds_len(hid_t d, const char *path, const char *name, sl_err *err)
{
    hid_t sp = H5Dget_space(d);
    int nd = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    hsize_t dims[2] = { 0, 0 };
    if (nd == 1)
        H5Sget_simple_extent_dims(sp, dims, NULL);
    if (sp >= 0)
        H5Sclose(sp);
    if (nd != 1) {
        SL_ERR(err, SL_EDATA, "read_hdf5: '%s': dataset '%s' is not one-dimensional (%d "
               "dimensions)", path, name, nd);
        return -1;
    }
    return (int64_t)dims[0];
}

/* Classifies dataset d (named name) as a column: kind and SQL type. */
static int classify(hid_t d, const char *path, const char *name, h5_col *col, sl_err *err)
{
    hid_t t = H5Dget_type(d);
    H5T_class_t cl = H5Tget_class(t);
    int rc = 0;
    switch (cl) {
    case H5T_INTEGER:
        col->kind = K_INT;
        col->type = SL_T_BIGINT;
        break;
    case H5T_FLOAT:
        col->kind = K_FLOAT;
        col->type = SL_T_DOUBLE;
        break;
    case H5T_ENUM: {
        hid_t base = H5Tget_super(t);
        bool ok = base >= 0 && H5Tget_class(base) == H5T_INTEGER;
        if (base >= 0)
            H5Tclose(base);
        if (!ok)
            rc = SL_ERR(err, SL_EDATA, "read_hdf5: '%s': dataset '%s' is an enum over a "
                        "non-integer type", path, name);
        col->kind = K_ENUM;
        col->type = SL_T_BOOL;
        break;
    }
    case H5T_STRING:
        col->kind = H5Tis_variable_str(t) > 0 ? K_VSTR : K_FSTR;
        col->type = SL_T_VARCHAR;
        break;
    default:
        rc = SL_ERR(err, SL_EDATA, "read_hdf5: '%s': dataset '%s' has a type sluice cannot "
                    "read (HDF5 class %d; integers, floats, enums and strings can be read)",
                    path, name, (int)cl);
    }
    H5Tclose(t);
    char *st = rc ? NULL : str_attr(d, "sluice_type");
    if (st) {
        sl_type want;
        if (!sl_type_parse(st, (int64_t)strlen(st), &want))
            rc = SL_ERR(err, SL_EDATA, "read_hdf5: '%s': dataset '%s' has sluice_type '%s', "
                        "not a type", path, name, st);
        else if (col->kind == K_INT && want != SL_T_DOUBLE && want != SL_T_VARCHAR)
            col->type = want;
        else if (want != col->type)
            rc = SL_ERR(err, SL_EDATA, "read_hdf5: '%s': dataset '%s' has sluice_type '%s' "
                        "but holds %s values", path, name, st, sl_type_name(col->type));
        sl_free(st);
    }
    return rc;
}

/* Reads the columns of one file's group into cols (first file) or checks them against cols
 * (later files); *rows: the file's row count. Rank 0 only. */
static int read_group(const char *path, const char *group, h5_col **cols, int *ncols,
                      bool first, int64_t *rows, sl_err *err)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return SL_ERR(err, SL_EDATA, "read_hdf5: cannot open '%s' as an HDF5 file", path);
    hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
    if (g < 0) {
        H5Fclose(f);
        return SL_ERR(err, SL_EDATA, "read_hdf5: '%s' has no group '%s'", path, group);
    }
    /* Creation order when the group keeps an index of it, else names in order. */
    unsigned crt = 0;
    hid_t gcpl = H5Gget_create_plist(g);
    if (gcpl >= 0) {
        H5Pget_link_creation_order(gcpl, &crt);
        H5Pclose(gcpl);
    }
    H5_index_t idx = (crt & H5P_CRT_ORDER_INDEXED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
    namelist names = { 0 }, data = { 0 };
    hsize_t pos = 0;
    H5Literate(g, idx, H5_ITER_INC, &pos, collect_name, &names);
    /* Datasets only (a subgroup is not a column). */
    for (int i = 0; i < names.n; i++) {
        H5O_info_t oi;
        if (H5Oget_info_by_name(g, names.v[i], &oi, H5P_DEFAULT) >= 0 &&
            oi.type == H5O_TYPE_DATASET)
            collect_name(g, names.v[i], NULL, &data);
    }
    int rc = 0, n = 0;
    h5_col *cs = NULL;
    int64_t len = -1;
    const char *len_of = NULL;
    for (int i = 0; i < data.n && !rc; i++) {
        const char *dn = data.v[i];
        if (ends_with(dn, SFX_VALID) || ends_with(dn, SFX_BYTES))
            continue;
        h5_col col = { 0 };
        hid_t d = -1;
        int64_t l = -1;
        if (ends_with(dn, SFX_OFF)) {
            col.name = sl_xstrndup(dn, strlen(dn) - strlen(SFX_OFF));
            char *bn = sl_xasprintf("%s%s", col.name, SFX_BYTES);
            if (find_name(&data, bn) < 0) {
                sl_free(bn);
                sl_free(col.name);
                continue; /* an int column that happens to end in __offsets */
            }
            sl_free(bn);
            col.kind = K_OBSTR;
            col.type = SL_T_VARCHAR;
            d = H5Dopen2(g, dn, H5P_DEFAULT);
            l = d >= 0 ? ds_len(d, path, dn, err) : -1;
            if (l >= 0)
                l--; /* rows + 1 offsets */
        } else {
            col.name = sl_xstrdup(dn);
            d = H5Dopen2(g, dn, H5P_DEFAULT);
            if (d >= 0 && !classify(d, path, dn, &col, err))
                l = ds_len(d, path, dn, err);
        }
        if (d < 0 && !err->code)
            SL_ERR(err, SL_EDATA, "read_hdf5: '%s': cannot open dataset '%s'", path, dn);
        if (d >= 0)
            H5Dclose(d);
        char *vn = sl_xasprintf("%s%s", col.name, SFX_VALID);
        col.has_valid = find_name(&data, vn) >= 0;
        if (!err->code && col.has_valid) {
            hid_t v = H5Dopen2(g, vn, H5P_DEFAULT);
            int64_t vl = v >= 0 ? ds_len(v, path, vn, err) : -1;
            if (v >= 0)
                H5Dclose(v);
            if (!err->code && vl != l)
                SL_ERR(err, SL_EDATA, "read_hdf5: '%s': '%s' has %" PRId64 " values, its "
                       "column %" PRId64, path, vn, vl, l);
        }
        sl_free(vn);
        if (!err->code && len >= 0 && l != len)
            SL_ERR(err, SL_EDATA, "read_hdf5: '%s': columns of unequal length in '%s': '%s' "
                   "has %" PRId64 " rows, '%s' %" PRId64, path, group, len_of, len, dn, l);
        if (err->code) {
            sl_free(col.name);
            rc = err->code;
            break;
        }
        if (len < 0) {
            len = l;
            len_of = dn;
        }
        cs = sl_xrealloc(cs, sizeof *cs * (size_t)(n + 1));
        cs[n++] = col;
    }
    if (!rc && n == 0)
        rc = SL_ERR(err, SL_EDATA, "read_hdf5: '%s': group '%s' holds no dataset", path, group);
    if (!rc && first) {
        *cols = cs;
        *ncols = n;
        cs = NULL;
    } else if (!rc) {
        bool same = n == *ncols;
        for (int c = 0; same && c < n; c++)
            same = !strcmp(cs[c].name, (*cols)[c].name) && cs[c].type == (*cols)[c].type &&
                   cs[c].kind == (*cols)[c].kind && cs[c].has_valid == (*cols)[c].has_valid;
        if (!same)
            rc = SL_ERR(err, SL_EDATA, "read_hdf5: '%s': group '%s' holds other columns than "
                        "in the first file (every file must have the same names, types and "
                        "validity datasets)", path, group);
    }
    for (int c = 0; cs && c < n; c++)
        sl_free(cs[c].name);
    sl_free(cs);
    namelist_free(&names);
    namelist_free(&data);
    H5Gclose(g);
    H5Fclose(f);
    *rows = len < 0 ? 0 : len;
    return rc;
}

static void add_file(h5_src *s, const char *path, int64_t size)
{
    s->paths = sl_xrealloc(s->paths, sizeof *s->paths * (size_t)(s->n_files + 1));
    s->paths[s->n_files++] = sl_xstrdup(path);
    s->bytes += size;
}

static int stat_add(h5_src *s, const char *path, sl_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return SL_ERR(err, errno == ENOENT ? SL_ENOENT : SL_EIO,
                      errno == ENOENT ? "read_hdf5: file not found: '%s'"
                                      : "read_hdf5: cannot stat '%s'", path);
    if (!S_ISREG(st.st_mode))
        return SL_ERR(err, SL_EIO, "read_hdf5: '%s' is not a regular file", path);
    add_file(s, path, (int64_t)st.st_size);
    return 0;
}

static int rank0_plan(h5_src *s, const sl_h5_opts *o, sl_err *err)
{
    if (o->n_paths == 0)
        return SL_ERR(err, SL_EUSAGE, "read_hdf5: no input files (give a file name or a glob)");
    for (int i = 0; i < o->n_paths; i++) {
        const char *pat = o->paths[i];
        if (!strpbrk(pat, "*?[")) {
            if (stat_add(s, pat, err))
                return err->code;
            continue;
        }
        glob_t g;
        int rc = glob(pat, 0, NULL, &g); /* sorted: the file order is the row order */
        if (rc == GLOB_NOMATCH)
            return SL_ERR(err, SL_ENOENT, "read_hdf5: no file matches '%s'", pat);
        if (rc != 0)
            return SL_ERR(err, SL_EIO, "read_hdf5: cannot expand '%s'", pat);
        for (size_t k = 0; k < g.gl_pathc && !err->code; k++)
            stat_add(s, g.gl_pathv[k], err);
        globfree(&g);
        if (err->code)
            return err->code;
    }
    s->rows = sl_xcalloc((size_t)s->n_files + 1, sizeof *s->rows);
    for (int f = 0; f < s->n_files; f++)
        if (read_group(s->paths[f], s->group, &s->cols, &s->ncols, f == 0, &s->rows[f], err))
            return err->code;
    return 0;
}

/* Rank 0's plan to every rank. Collective over comm. */
static void bcast_plan(h5_src *s, MPI_Comm comm, int rank)
{
    sl_buf b;
    sl_buf_init(&b);
    if (rank == 0) {
        sl_buf_put_i64(&b, s->n_files);
        sl_buf_put_i64(&b, s->bytes);
        for (int f = 0; f < s->n_files; f++) {
            sl_buf_put_str(&b, s->paths[f]);
            sl_buf_put_i64(&b, s->rows[f]);
        }
        sl_buf_put_i64(&b, s->ncols);
        for (int c = 0; c < s->ncols; c++) {
            sl_buf_put_str(&b, s->cols[c].name);
            sl_buf_put_i64(&b, s->cols[c].type);
            sl_buf_put_i64(&b, s->cols[c].kind);
            sl_buf_put_i64(&b, s->cols[c].has_valid);
        }
    }
    int64_t len = b.len;
    MPI_Bcast(&len, 1, MPI_INT64_T, 0, comm);
    if (rank != 0)
        sl_buf_reserve(&b, len);
    MPI_Bcast(b.data, (int)len, MPI_BYTE, 0, comm);
    if (rank != 0) {
        const char *p = b.data;
        s->n_files = (int)sl_buf_get_i64(&p);
        s->bytes = sl_buf_get_i64(&p);
        s->paths = sl_xcalloc((size_t)s->n_files + 1, sizeof *s->paths);
        s->rows = sl_xcalloc((size_t)s->n_files + 1, sizeof *s->rows);
        for (int f = 0; f < s->n_files; f++) {
            s->paths[f] = sl_buf_get_str(&p);
            s->rows[f] = sl_buf_get_i64(&p);
        }
        s->ncols = (int)sl_buf_get_i64(&p);
        s->cols = sl_xcalloc((size_t)s->ncols + 1, sizeof *s->cols);
        for (int c = 0; c < s->ncols; c++) {
            s->cols[c].name = sl_buf_get_str(&p);
            s->cols[c].type = (sl_type)sl_buf_get_i64(&p);
            s->cols[c].kind = (int)sl_buf_get_i64(&p);
            s->cols[c].has_valid = (int)sl_buf_get_i64(&p);
        }
    }
    sl_buf_free(&b);
    s->first = sl_xcalloc((size_t)s->n_files + 1, sizeof *s->first);
    for (int f = 0; f < s->n_files; f++)
        s->first[f + 1] = s->first[f] + s->rows[f];
}

int sl_h5_open(MPI_Comm comm, const void *o, const sl_fmt_env *env, void **out, sl_err *err)
{
    (void)env;
    const sl_h5_opts *opts = o;
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    *out = NULL;
    /* HDF5 prints its error stack on stderr by default; sluice reports its own message. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    h5_src *s = sl_xcalloc(1, sizeof *s);
    s->group = sl_xstrdup(opts->group);
    s->n_ranks = size;
    if (rank == 0)
        rank0_plan(s, opts, err);
    if (sl_agree(comm, err)) {
        sl_h5_src_free(s);
        return err->code;
    }
    bcast_plan(s, comm, rank);
    /* Collective reads need every rank in every round; auto takes them when the shares are
     * equal (the rounds are then the same on every rank). */
    int64_t total = s->first[s->n_files];
    s->coll = opts->io == SL_H5_IO_COLLECTIVE ||
              (opts->io == SL_H5_IO_AUTO && size > 1 && total > 0 && total % size == 0);
    if (s->coll)
        MPI_Comm_dup(comm, &s->comm);
    s->io = opts->io;
    *out = s;
    return 0;
}

int sl_h5_ncols(const void *src) { return ((const h5_src *)src)->ncols; }
const char *sl_h5_col_name(const void *src, int c) { return ((const h5_src *)src)->cols[c].name; }
sl_type sl_h5_col_type(const void *src, int c) { return ((const h5_src *)src)->cols[c].type; }
int sl_h5_nfiles(const void *src) { return ((const h5_src *)src)->n_files; }
const char *sl_h5_file(const void *src, int i) { return ((const h5_src *)src)->paths[i]; }
int64_t sl_h5_bytes(const void *src) { return ((const h5_src *)src)->bytes; }

void sl_h5_explain(sl_buf *b, const void *src, int n_ranks)
{
    const h5_src *s = src;
    char sz[32];
    sl_buf_printf(b, "Scan read_hdf5: %d file(s), %s, group '%s', %" PRId64 " row(s) of %d "
                  "column(s) over %d rank(s), %s reads\n", s->n_files,
                  sl_format_size(s->bytes, sz, sizeof sz), s->group, s->first[s->n_files],
                  s->ncols, n_ranks, s->coll ? "collective MPI-IO" : "independent");
}

/* ---- the scan ---- */

typedef struct h5_scan {
    h5_src *src;
    sl_ctx *ctx;
    int n_proj;
    int *proj;
    sl_type *types;
    int64_t cur, end;  /* global rows left to read: [cur, end) */
    int file;          /* open file, or -1 */
    hid_t fid, gid;
    hid_t *ds, *aux, *vd; /* per projected column: data (or offsets), bytes, validity */
    unsigned char *vbuf;
    int64_t vcap;
    /* Pushed-down conjuncts on projected int64/float64 columns (scan_prune), and for the open
     * file the chunks they rule out by the sluice_chunk_min/max attributes COPY wrote: skip
     * (NULL: no statistics) of chunks of crows rows; last: the last chunk counted. */
    sl_fmt_pred *preds;
    int n_preds;
    unsigned char *skip;
    int64_t crows, last;
    /* Late materialization (files without those statistics, or collective reads): granules
     * of g rows (0: off; the payload's chunk rows where it is chunked); is_pred[k]: projected
     * column k is one the conjuncts use, read first each round. */
    int64_t g;
    bool *is_pred;
    /* Collective reads: this rank's rows [a, b); the file (cf) and round (round) of the
     * schedule every rank walks; dxpl for H5Dread; rerr: this rank's first open or read
     * failure, not yet agreed; done: the schedule is over on every rank (walked to the end,
     * or left together after a failure). */
    bool coll;
    int64_t a, b, round;
    int cf;
    hid_t dxpl;
    sl_err rerr;
    bool done;
} h5_scan;

static void close_file(h5_scan *sc)
{
    for (int k = 0; k < sc->n_proj; k++) {
        if (sc->ds[k] >= 0)
            H5Dclose(sc->ds[k]);
        if (sc->aux[k] >= 0)
            H5Dclose(sc->aux[k]);
        if (sc->vd[k] >= 0)
            H5Dclose(sc->vd[k]);
        sc->ds[k] = sc->aux[k] = sc->vd[k] = -1;
    }
    if (sc->gid >= 0)
        H5Gclose(sc->gid);
    if (sc->fid >= 0)
        H5Fclose(sc->fid);
    sc->gid = sc->fid = -1;
    sc->file = -1;
    sl_free(sc->skip);
    sc->skip = NULL;
    sc->crows = 0;
    sc->last = -1;
    sc->g = 0;
}

/* Whether no value in [mn, mx] can satisfy "x OP v" (mn > mx: the chunk has no values). */
static bool rules_out_i(const sl_fmt_pred *p, int64_t mn, int64_t mx)
{
    int64_t v = p->v.v.i;
    if (mn > mx)
        return true;
    switch (p->op) {
    case SL_FMT_LT: return mn >= v;
    case SL_FMT_LE: return mn > v;
    case SL_FMT_EQ: return v < mn || v > mx;
    case SL_FMT_GE: return mx < v;
    case SL_FMT_GT: return mx <= v;
    }
    return false;
}

static bool rules_out_d(const sl_fmt_pred *p, double mn, double mx)
{
    double v = p->v.v.d;
    if (isnan(mn) || isnan(mx) || isnan(v))
        return false;   /* a NaN in the chunk or the constant: nothing is known */
    if (mn > mx)
        return true;
    switch (p->op) {
    case SL_FMT_LT: return mn >= v;
    case SL_FMT_LE: return mn > v;
    case SL_FMT_EQ: return v < mn || v > mx;
    case SL_FMT_GE: return mx < v;
    case SL_FMT_GT: return mx <= v;
    }
    return false;
}

/* Strings compare bytewise, a prefix first (as the filter compares them). */
static int str_cmp(const char *a, int64_t an, const char *b, int64_t bn)
{
    int64_t m = an < bn ? an : bn;
    int c = m > 0 ? memcmp(a, b, (size_t)m) : 0;
    return c ? c : (an > bn) - (an < bn);
}

static bool rules_out_s(const sl_fmt_pred *p, const char *mn, int64_t mnl, const char *mx,
                        int64_t mxl)
{
    int lo = str_cmp(mn, mnl, p->v.v.s.p, p->v.v.s.len);
    int hi = str_cmp(mx, mxl, p->v.v.s.p, p->v.v.s.len);
    switch (p->op) {
    case SL_FMT_LT: return lo >= 0;
    case SL_FMT_LE: return lo > 0;
    case SL_FMT_EQ: return lo > 0 || hi < 0;
    case SL_FMT_GE: return hi < 0;
    case SL_FMT_GT: return hi <= 0;
    }
    return false;
}

/* Reads n values of attribute name of d as mt into buf; false when absent or of another
 * size. */
static bool read_attr(hid_t d, const char *name, hid_t mt, int64_t n, void *buf)
{
    if (H5Aexists(d, name) <= 0)
        return false;
    hid_t a = H5Aopen(d, name, H5P_DEFAULT);
    if (a < 0)
        return false;
    hid_t sp = H5Aget_space(a);
    bool ok = sp >= 0 && H5Sget_simple_extent_npoints(sp) == n && H5Aread(a, mt, buf) >= 0;
    if (sp >= 0)
        H5Sclose(sp);
    H5Aclose(a);
    return ok;
}

/* One bound of a string column's chunk statistics: attributes <name>__offsets (n+1 int64)
 * and <name>__bytes (the strings, then one byte more); new *off and *bytes, or false. */
static bool read_str_attr(hid_t d, const char *name, int64_t n, int64_t **off, char **bytes)
{
    char *on = sl_xasprintf("%s__offsets", name), *bn = sl_xasprintf("%s__bytes", name);
    *off = sl_xmalloc(((size_t)n + 1) * sizeof **off);
    *bytes = NULL;
    bool ok = read_attr(d, on, H5T_NATIVE_INT64, n + 1, *off) && (*off)[0] == 0 &&
              (*off)[n] >= 0;
    for (int64_t c = 0; ok && c < n; c++)
        ok = (*off)[c + 1] >= (*off)[c];
    if (ok) {
        *bytes = sl_xmalloc((size_t)(*off)[n] + 1);
        ok = read_attr(d, bn, H5T_NATIVE_UCHAR, (*off)[n] + 1, *bytes);
    }
    sl_free(on);
    sl_free(bn);
    if (!ok) {
        sl_free(*off);
        sl_free(*bytes);
        *off = NULL;
        *bytes = NULL;
    }
    return ok;
}

/* Marks in sc->skip the chunks of cr rows (n of them) that conjunct p on a string column rules
 * out by the statistics on d: sluice_chunk_any (a chunk has a value) and the bounds
 * sluice_chunk_min / sluice_chunk_max as offsets + bytes. */
static void skip_strings(h5_scan *sc, const sl_fmt_pred *p, hid_t d, int64_t n, int64_t cr)
{
    unsigned char *any = sl_xmalloc((size_t)n + 1);
    int64_t *mo = NULL, *xo = NULL;
    char *mb = NULL, *xb = NULL;
    if (read_attr(d, "sluice_chunk_any", H5T_NATIVE_UCHAR, n, any) &&
        read_str_attr(d, "sluice_chunk_min", n, &mo, &mb) &&
        read_str_attr(d, "sluice_chunk_max", n, &xo, &xb)) {
        if (!sc->skip) {
            sc->skip = sl_xcalloc((size_t)n + 1, 1);
            sc->crows = cr;
        }
        for (int64_t c = 0; c < n; c++)
            if (!any[c] || rules_out_s(p, mb + mo[c], mo[c + 1] - mo[c], xb + xo[c],
                                       xo[c + 1] - xo[c]))
                sc->skip[c] = 1;
    }
    sl_free(any);
    sl_free(mo);
    sl_free(mb);
    sl_free(xo);
    sl_free(xb);
}

/* The open file's chunks that the pushed-down conjuncts rule out (sc->skip), from the chunk
 * statistics of their columns; columns without them (files not written by sluice) or with
 * another chunk size than the first are not used. */
static void load_skip(h5_scan *sc)
{
    int64_t rows = sc->src->rows[sc->file];
    for (int i = 0; i < sc->n_preds; i++) {
        const sl_fmt_pred *p = &sc->preds[i];
        int k = 0;
        while (k < sc->n_proj && sc->proj[k] != p->col)
            k++;
        int64_t cr = 0;
        if (k == sc->n_proj || !read_attr(sc->ds[k], "sluice_chunk_rows", H5T_NATIVE_INT64, 1,
                                          &cr) || cr <= 0 || (sc->crows && cr != sc->crows))
            continue;
        int64_t n = (rows + cr - 1) / cr;
        if (p->v.type == SL_T_VARCHAR) {
            skip_strings(sc, p, sc->ds[k], n, cr);
            continue;
        }
        bool dbl = p->v.type == SL_T_DOUBLE;
        void *mn = sl_xmalloc((size_t)n * 8 + 8), *mx = sl_xmalloc((size_t)n * 8 + 8);
        hid_t mt = dbl ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64;
        if (read_attr(sc->ds[k], "sluice_chunk_min", mt, n, mn) &&
            read_attr(sc->ds[k], "sluice_chunk_max", mt, n, mx)) {
            if (!sc->skip) {
                sc->skip = sl_xcalloc((size_t)n + 1, 1);
                sc->crows = cr;
            }
            for (int64_t c = 0; c < n; c++)
                if (dbl ? rules_out_d(p, ((double *)mn)[c], ((double *)mx)[c])
                        : rules_out_i(p, ((int64_t *)mn)[c], ((int64_t *)mx)[c]))
                    sc->skip[c] = 1;
        }
        sl_free(mn);
        sl_free(mx);
    }
}

/* Rows of the first chunk dimension of dataset d, or 0 when it is not chunked. */
static int64_t chunk_rows(hid_t d)
{
    hid_t pl = d >= 0 ? H5Dget_create_plist(d) : -1;
    hsize_t dim = 0;
    if (pl >= 0 && H5Pget_layout(pl) == H5D_CHUNKED && H5Pget_chunk(pl, 1, &dim) < 1)
        dim = 0;
    if (pl >= 0)
        H5Pclose(pl);
    return (int64_t)dim;
}

/* Granule rows for late materialization in the open file: the chunk rows of the first
 * projected column the conjuncts do not use (the payload, whose reads are saved), else of the
 * first they use; contiguous datasets take SL_H5_GRANULE rows. At most one batch. */
#define SL_H5_GRANULE 4096
static int64_t granule_rows(const h5_scan *sc)
{
    int64_t g = 0;
    for (int pass = 0; pass < 2 && g <= 0; pass++)
        for (int k = 0; k < sc->n_proj && g <= 0; k++)
            if (sc->is_pred[k] == (pass == 1))
                g = chunk_rows(sc->ds[k]);
    if (g <= 0)
        g = SL_H5_GRANULE;
    return g < SL_BATCH_ROWS ? g : SL_BATCH_ROWS;
}

void sl_h5_scan_prune(void *scan, const sl_fmt_pred *preds, int n)
{
    h5_scan *sc = scan;
    for (int i = 0; i < n; i++) {
        const h5_col *c = &sc->src->cols[preds[i].col];
        bool fits = (c->kind == K_INT && preds[i].v.type == c->type && c->type != SL_T_BOOL) ||
                    (c->kind == K_FLOAT && preds[i].v.type == SL_T_DOUBLE) ||
                    (c->type == SL_T_VARCHAR && preds[i].v.type == SL_T_VARCHAR);
        if (!fits || preds[i].v.is_null)
            continue;
        sc->preds = sl_xrealloc(sc->preds, sizeof *sc->preds * (size_t)(sc->n_preds + 1));
        sc->preds[sc->n_preds++] = preds[i];
        for (int k = 0; k < sc->n_proj; k++)
            if (sc->proj[k] == preds[i].col)
                sc->is_pred[k] = true;
    }
    /* Skipping chunks makes the ranks' reads unequal, which collective rounds cannot follow:
     * auto reads independently when there are conjuncts to skip by. Every rank has the same
     * conjuncts, so every rank decides the same after the same rounds (none yet). */
    if (sc->coll && sc->n_preds > 0 && sc->src->io == SL_H5_IO_AUTO) {
        sc->coll = false;
        H5Pclose(sc->dxpl);
        sc->dxpl = -1;
    }
}

static hid_t open_ds(h5_scan *sc, const char *name, const char *sfx, sl_err *err)
{
    char *n = sl_xasprintf("%s%s", name, sfx);
    hid_t d = H5Dopen2(sc->gid, n, H5P_DEFAULT);
    if (d < 0)
        SL_ERR(err, SL_EDATA, "read_hdf5: '%s': cannot open dataset '%s' in '%s'",
               sc->src->paths[sc->file], n, sc->src->group);
    sl_free(n);
    return d;
}

static int open_file(h5_scan *sc, int f, sl_err *err)
{
    close_file(sc);
    const h5_src *s = sc->src;
    sc->file = f;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (sc->coll)
        H5Pset_fapl_mpio(fapl, s->comm, MPI_INFO_NULL);
    sc->fid = H5Fopen(s->paths[f], H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (sc->fid < 0)
        return SL_ERR(err, SL_EDATA, "read_hdf5: cannot open '%s' as an HDF5 file",
                      s->paths[f]);
    /* An injected fault fails the open here, after the collective H5Fopen (the file stays
     * open until close_file, which every rank reaches): a rank that cannot open a group or a
     * dataset the others can. */
    if (sl_fault_hit(SL_FAULT_READ))
        return SL_ERR(err, SL_EIO, "read_hdf5: '%s': injected fault opening the file "
                      "(SLUICE_FAULT=%s)", s->paths[f], sl_fault_last());
    sc->gid = H5Gopen2(sc->fid, s->group, H5P_DEFAULT);
    if (sc->gid < 0)
        return SL_ERR(err, SL_EDATA, "read_hdf5: '%s' has no group '%s'", s->paths[f],
                      s->group);
    for (int k = 0; k < sc->n_proj; k++) {
        const h5_col *c = &s->cols[sc->proj[k]];
        if (c->kind == K_OBSTR) {
            if ((sc->ds[k] = open_ds(sc, c->name, SFX_OFF, err)) < 0 ||
                (sc->aux[k] = open_ds(sc, c->name, SFX_BYTES, err)) < 0)
                return err->code;
        } else if ((sc->ds[k] = open_ds(sc, c->name, "", err)) < 0) {
            return err->code;
        }
        if (c->has_valid && (sc->vd[k] = open_ds(sc, c->name, SFX_VALID, err)) < 0)
            return err->code;
    }
    if (sc->n_preds && !sc->coll)
        load_skip(sc);
    /* Without chunk statistics, the conjuncts' columns are read first and decide which
     * granules the other columns are read for. Collective reads too: every rank has the same
     * conjuncts and file, so every rank takes this path and makes the same calls. */
    if (sc->n_preds && !sc->skip)
        sc->g = granule_rows(sc);
    return 0;
}

/* Reads [off, off+n) of 1-D dataset d with memory type mt into buf. */
static int read_slab(h5_scan *sc, hid_t d, hid_t mt, int64_t off, int64_t n, void *buf,
                     sl_err *err)
{
    hsize_t o = (hsize_t)off, cnt = (hsize_t)(n > 0 ? n : 1);
    /* An injected fault fails this read; in a collective read the rank still takes part
     * (selecting none), as a failure HDF5 reports after the collective call would. */
    bool fault = sl_fault_hit(SL_FAULT_READ) != 0;
    if (fault && !sc->coll)
        return SL_ERR(err, SL_EIO, "read_hdf5: '%s': injected fault reading group '%s' "
                      "(SLUICE_FAULT=%s)", sc->src->paths[sc->file], sc->src->group,
                      sl_fault_last());
    if (fault)
        n = 0;
    hid_t fs = H5Dget_space(d);
    hid_t ms = H5Screate_simple(1, &cnt, NULL);
    herr_t rc;
    if (n > 0) {
        rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &o, NULL, &cnt, NULL);
    } else { /* a collective round this rank has no rows in: it takes part, selecting none */
        rc = H5Sselect_none(fs);
        if (rc >= 0)
            rc = H5Sselect_none(ms);
    }
    if (rc >= 0)
        rc = H5Dread(d, mt, ms, fs, sc->coll ? sc->dxpl : H5P_DEFAULT, buf);
    H5Sclose(ms);
    H5Sclose(fs);
    if (fault)
        return SL_ERR(err, SL_EIO, "read_hdf5: '%s': injected fault reading group '%s' "
                      "(SLUICE_FAULT=%s)", sc->src->paths[sc->file], sc->src->group,
                      sl_fault_last());
    if (rc < 0)
        return SL_ERR(err, SL_EIO, "read_hdf5: '%s': reading rows %" PRId64 "..%" PRId64
                      " of group '%s' failed", sc->src->paths[sc->file], off, off + n,
                      sc->src->group);
    return 0;
}

/* Reads n values of an integer or enum dataset as "nonzero" bytes into sc->vbuf. */
static int read_flags(h5_scan *sc, hid_t d, int64_t off, int64_t n, sl_err *err)
{
    hid_t ft = H5Dget_type(d);
    hid_t mt = H5Tget_native_type(ft, H5T_DIR_ASCEND);
    size_t es = H5Tget_size(mt);
    H5Tclose(ft);
    char *raw = sl_xmalloc((size_t)n * es + 1);
    int rc = read_slab(sc, d, mt, off, n, raw, err);
    H5Tclose(mt);
    if (sc->vcap < n) {
        sl_free(sc->vbuf);
        sc->vbuf = sl_xmalloc((size_t)n);
        sc->vcap = n;
    }
    for (int64_t i = 0; !rc && i < n; i++) {
        unsigned char nz = 0;
        for (size_t k = 0; k < es; k++)
            nz |= (unsigned char)raw[(size_t)i * es + k];
        sc->vbuf[i] = nz != 0;
    }
    sl_free(raw);
    return rc;
}

/* Column k's values for file rows [off, off+n) into a new vector. */
static int read_col(h5_scan *sc, int k, int64_t off, int64_t n, sl_vec **out, sl_err *err)
{
    const h5_col *c = &sc->src->cols[sc->proj[k]];
    sl_vec *v = sl_vec_new(c->type, n);
    int rc = 0;
    int64_t bytes = 0;
    *out = v;
    switch (c->kind) {
    case K_INT:
    case K_FLOAT:
        rc = read_slab(sc, sc->ds[k], c->kind == K_INT ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE,
                       off, n, c->kind == K_INT ? (void *)v->d.i64 : (void *)v->d.f64, err);
        v->n = n;
        bytes = 8 * n;
        break;
    case K_ENUM:
        rc = read_flags(sc, sc->ds[k], off, n, err);
        for (int64_t i = 0; !rc && i < n; i++)
            v->d.i64[i] = sc->vbuf[i];
        v->n = n;
        bytes = n;
        break;
    case K_FSTR: {
        hid_t ft = H5Dget_type(sc->ds[k]);
        size_t w = H5Tget_size(ft);
        bool space = H5Tget_strpad(ft) == H5T_STR_SPACEPAD;
        char *raw = sl_xmalloc((size_t)n * w + 1);
        rc = read_slab(sc, sc->ds[k], ft, off, n, raw, err);
        H5Tclose(ft);
        for (int64_t i = 0; !rc && i < n; i++) {
            const char *p = raw + (size_t)i * w;
            size_t len = strnlen(p, w);
            while (space && len > 0 && p[len - 1] == ' ')
                len--;
            sl_vec_push_str(v, p, (int64_t)len);
        }
        sl_free(raw);
        bytes = (int64_t)w * n;
        break;
    }
    case K_VSTR: {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        hid_t ft = H5Dget_type(sc->ds[k]);
        H5Tset_cset(mt, H5Tget_cset(ft));
        H5Tclose(ft);
        char **p = sl_xcalloc((size_t)n + 1, sizeof *p);
        rc = read_slab(sc, sc->ds[k], mt, off, n, p, err);
        for (int64_t i = 0; !rc && i < n; i++) {
            if (!p[i]) {
                sl_vec_push_null(v);
                continue;
            }
            int64_t len = (int64_t)strlen(p[i]);
            sl_vec_push_str(v, p[i], len);
            bytes += len;
        }
        if (!rc && n > 0) {
            hsize_t cnt = (hsize_t)n;
            hid_t ms = H5Screate_simple(1, &cnt, NULL);
            H5Dvlen_reclaim(mt, ms, H5P_DEFAULT, p);
            H5Sclose(ms);
        }
        H5Tclose(mt);
        sl_free(p);
        break;
    }
    case K_OBSTR: {
        int64_t *o = sl_xmalloc(((size_t)n + 1) * sizeof *o);
        rc = read_slab(sc, sc->ds[k], H5T_NATIVE_INT64, off, n + 1, o, err);
        int64_t blen = rc ? 0 : o[n] - o[0];
        if (!rc && (blen < 0 || o[0] < 0))
            rc = SL_ERR(err, SL_EDATA, "read_hdf5: '%s': offsets of '%s' decrease",
                        sc->src->paths[sc->file], c->name);
        char *bytesbuf = sl_xmalloc((size_t)(blen > 0 ? blen : 0) + 1);
        if (!rc && blen > 0 && !sc->coll)
            rc = read_slab(sc, sc->aux[k], H5T_NATIVE_UCHAR, o[0], blen, bytesbuf, err);
        if (sc->coll) { /* every rank reads the bytes, a rank that failed selecting none */
            sl_err e2;
            sl_err_clear(&e2);
            int r2 = read_slab(sc, sc->aux[k], H5T_NATIVE_UCHAR, rc ? 0 : o[0], rc ? 0 : blen,
                               bytesbuf, rc ? &e2 : err);
            rc = rc ? rc : r2;
        }
        for (int64_t i = 0; !rc && i < n; i++) {
            int64_t a = o[i] - o[0], b = o[i + 1] - o[0];
            if (b < a || b > blen) {
                rc = SL_ERR(err, SL_EDATA, "read_hdf5: '%s': offsets of '%s' decrease",
                            sc->src->paths[sc->file], c->name);
                break;
            }
            sl_vec_push_str(v, bytesbuf + a, b - a);
        }
        sl_free(bytesbuf);
        sl_free(o);
        bytes = blen + 8 * (n + 1);
        break;
    }
    }
    if (!rc && c->kind != K_VSTR && c->kind != K_FSTR && c->kind != K_OBSTR)
        for (int64_t i = 0; i < n; i++)
            sl_vec_set_valid(v, i, true);
    if (rc && c->has_valid && sc->coll) { /* the validity read every other rank makes */
        sl_err e2;
        sl_err_clear(&e2);
        read_flags(sc, sc->vd[k], off, 0, &e2);
    } else if (!rc && c->has_valid) {
        rc = read_flags(sc, sc->vd[k], off, n, err);
        for (int64_t i = 0; !rc && i < n; i++)
            if (!sc->vbuf[i])
                sl_vec_set_valid(v, i, false);
        bytes += n;
    }
    sc->ctx->ctr.bytes_read += bytes;
    return rc;
}

/* Whether some row of cols[.][i0, i1) may satisfy every kept conjunct, by the min and max of
 * the conjunct's column over those rows (NULLs left out) against the chunk-statistics rules:
 * a NaN among them decides nothing, no value at all rules the rows out. */
static bool may_pass(const h5_scan *sc, sl_vec *const *cols, int64_t i0, int64_t i1)
{
    for (int i = 0; i < sc->n_preds; i++) {
        const sl_fmt_pred *p = &sc->preds[i];
        int k = 0;
        while (k < sc->n_proj && sc->proj[k] != p->col)
            k++;
        if (k == sc->n_proj)
            continue;
        const sl_vec *v = cols[k];
        if (p->v.type == SL_T_VARCHAR) {
            const char *mn = NULL, *mx = NULL;
            int64_t mnl = 0, mxl = 0;
            for (int64_t r = i0; r < i1; r++) {
                if (!sl_vec_valid(v, r))
                    continue;
                int64_t len;
                const char *x = sl_vec_str(v, r, &len);
                if (!mn || str_cmp(x, len, mn, mnl) < 0) {
                    mn = x;
                    mnl = len;
                }
                if (!mx || str_cmp(x, len, mx, mxl) > 0) {
                    mx = x;
                    mxl = len;
                }
            }
            if (!mn || rules_out_s(p, mn, mnl, mx, mxl))
                return false;
        } else if (p->v.type == SL_T_DOUBLE) {
            double mn = INFINITY, mx = -INFINITY;
            bool any = false, nan = false;
            for (int64_t r = i0; r < i1 && !nan; r++) {
                if (!sl_vec_valid(v, r))
                    continue;
                double x = v->d.f64[r];
                nan = isnan(x);
                mn = x < mn ? x : mn;
                mx = x > mx ? x : mx;
                any = true;
            }
            if (!any)
                return false;
            if (!nan && rules_out_d(p, mn, mx))
                return false;
        } else {
            int64_t mn = INT64_MAX, mx = INT64_MIN;
            bool any = false;
            for (int64_t r = i0; r < i1; r++) {
                if (!sl_vec_valid(v, r))
                    continue;
                int64_t x = v->d.i64[r];
                mn = x < mn ? x : mn;
                mx = x > mx ? x : mx;
                any = true;
            }
            if (!any || rules_out_i(p, mn, mx))
                return false;
        }
    }
    return true;
}

/* Where a read's later failures go: the first one of a collective read stays in rerr (agreed
 * at the next round), the others in e2; independent reads stop at their first, in err. */
static sl_err *read_err(h5_scan *sc, sl_err *err, sl_err *e2)
{
    if (!sc->coll)
        return err;
    return sc->rerr.code ? e2 : &sc->rerr;
}

/* A new column holding rows [a, b) of v. */
static sl_vec *vec_slice(const sl_vec *v, int64_t a, int64_t b)
{
    sl_vec *o = sl_vec_new(v->type, b - a);
    for (int64_t i = a; i < b; i++)
        sl_vec_push_from(o, v, i);
    return o;
}

/*
 * Late materialization of file rows [off, off+n): reads the conjuncts' columns, finds the
 * granules (sc->g rows, aligned in the file) where some row may pass (may_pass), and reads the
 * other columns only for the span from the first such granule to the last; *out: the span's
 * rows, or NULL when no granule may pass. Granules are counted once each (sc->last) in the
 * chunks read or skipped. A collective read (n may be 0) makes the same HDF5 calls on every
 * rank: every column is read, with no rows where the span is empty or a read failed (the
 * failure kept in rerr, see read_err). Returns err's code (independent reads).
 */
static int late_read(h5_scan *sc, int64_t off, int64_t n, sl_batch **out, sl_err *err)
{
    sl_err e2;
    sl_err_clear(&e2);
    *out = NULL;
    int np = sc->n_proj;
    sl_vec **cols = sl_xcalloc((size_t)np + 1, sizeof *cols);
    bool failed = false;
    for (int k = 0; k < np && (!failed || sc->coll); k++)
        if (sc->is_pred[k] && read_col(sc, k, off, failed ? 0 : n, &cols[k],
                                       read_err(sc, err, &e2)))
            failed = true;
    int64_t s0 = n, s1 = 0;
    for (int64_t j = off / sc->g; !failed && n > 0 && j * sc->g < off + n; j++) {
        int64_t a = j * sc->g > off ? j * sc->g - off : 0;
        int64_t b = (j + 1) * sc->g - off < n ? (j + 1) * sc->g - off : n;
        bool pass = may_pass(sc, cols, a, b);
        if (pass) {
            s0 = a < s0 ? a : s0;
            s1 = b;
        }
        if (j > sc->last) {
            if (pass)
                sc->ctx->ctr.chunks_read++;
            else
                sc->ctx->ctr.chunks_skipped++;
            sc->last = j;
        }
    }
    int64_t m = !failed && s1 > s0 ? s1 - s0 : 0;
    for (int k = 0; k < np && (!failed || sc->coll); k++)
        if (!sc->is_pred[k] && read_col(sc, k, m ? off + s0 : off, m, &cols[k],
                                        read_err(sc, err, &e2)))
            failed = true;
    if (!failed && m > 0) {
        for (int k = 0; k < np; k++)
            if (sc->is_pred[k] && (s0 > 0 || s1 < n)) {
                sl_vec *v = vec_slice(cols[k], s0, s1);
                sl_vec_free(&cols[k]);
                cols[k] = v;
            }
        *out = sl_batch_from_cols(np, cols, m);
        sc->ctx->ctr.rows_read += m;
    } else {
        for (int k = 0; k < np; k++)
            sl_vec_free(&cols[k]);
    }
    sl_free(cols);
    return sc->coll ? 0 : err->code;
}

int sl_h5_scan_open(sl_ctx *ctx, void *src, const int *proj, int n_proj, void **out,
                    sl_err *err)
{
    h5_src *s = src;
    *out = NULL;
    int rank = ctx->rank;
    if (rank < 0 || rank >= s->n_ranks)
        return SL_ERR(err, SL_EINTERNAL, "read_hdf5: rank %d outside the %d planned ranks",
                      rank, s->n_ranks);
    for (int k = 0; k < n_proj; k++)
        if (proj[k] < 0 || proj[k] >= s->ncols)
            return SL_ERR(err, SL_EINTERNAL, "read_hdf5: projected column %d of %d", proj[k],
                          s->ncols);
    h5_scan *sc = sl_xcalloc(1, sizeof *sc);
    sc->src = s;
    sc->ctx = ctx;
    sc->n_proj = n_proj;
    sc->proj = sl_xcalloc((size_t)n_proj + 1, sizeof *sc->proj);
    sc->types = sl_xcalloc((size_t)n_proj + 1, sizeof *sc->types);
    sc->ds = sl_xcalloc((size_t)n_proj + 1, sizeof *sc->ds);
    sc->aux = sl_xcalloc((size_t)n_proj + 1, sizeof *sc->aux);
    sc->vd = sl_xcalloc((size_t)n_proj + 1, sizeof *sc->vd);
    sc->is_pred = sl_xcalloc((size_t)n_proj + 1, sizeof *sc->is_pred);
    for (int k = 0; k < n_proj; k++) {
        sc->proj[k] = proj[k];
        sc->types[k] = s->cols[proj[k]].type;
        sc->ds[k] = sc->aux[k] = sc->vd[k] = -1;
    }
    sc->fid = sc->gid = -1;
    sc->file = -1;
    sc->last = -1;
    int64_t total = s->first[s->n_files];
    /* Contiguous, equal shares: the row order of the files is kept rank by rank. */
    sc->cur = sc->a = (int64_t)((__int128)total * rank / s->n_ranks);
    sc->end = sc->b = (int64_t)((__int128)total * (rank + 1) / s->n_ranks);
    sc->dxpl = -1;
    *out = sc;
    if (s->coll) {
        /* Every rank opened its scan (one that could not says so in scan_end, which every
         * rank reaches): only then can the rounds be collective. */
        int ok = 1;
        MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, s->comm);
        sc->coll = ok == 1;
        if (sc->coll) {
            sc->dxpl = H5Pcreate(H5P_DATASET_XFER);
            H5Pset_dxpl_mpio(sc->dxpl, H5FD_MPIO_COLLECTIVE);
        }
    }
    return 0;
}

/* Rounds of file f in the collective schedule: the most batches any rank reads from it. */
static int64_t coll_rounds(const h5_src *s, int f)
{
    int64_t total = s->first[s->n_files], most = 0;
    for (int r = 0; r < s->n_ranks; r++) {
        int64_t a = (int64_t)((__int128)total * r / s->n_ranks);
        int64_t b = (int64_t)((__int128)total * (r + 1) / s->n_ranks);
        int64_t lo = a > s->first[f] ? a : s->first[f];
        int64_t hi = b < s->first[f + 1] ? b : s->first[f + 1];
        int64_t n = hi > lo ? (hi - lo + SL_BATCH_ROWS - 1) / SL_BATCH_ROWS : 0;
        most = n > most ? n : most;
    }
    return most;
}

/* Whether every rank is well before the next collective HDF5 calls: one MPI_Allreduce of
 * whether this rank's rerr is clear. When a rank failed, the error of the lowest failing
 * rank reaches every rank, into err unless err holds one already (a scan that stopped for
 * another error keeps it first), and every rank leaves the schedule together, closing its
 * file. Collective over the scan's communicator. */
static bool coll_agree(h5_scan *sc, sl_err *err)
{
    const h5_src *s = sc->src;
    int ok = sc->rerr.code == SL_OK;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, s->comm);
    if (ok)
        return true;
    sl_agree(s->comm, &sc->rerr);
    if (!err->code)
        *err = sc->rerr;
    close_file(sc);
    sc->cf = s->n_files;
    sc->done = true;
    return false;
}

/* The next batch of the collective schedule: every rank opens every file with rows, reads
 * the same rounds of it (its own rows, or none) and closes it, in the same order. Before a
 * round's reads the ranks agree that none has failed (coll_agree; a failure to open shows
 * there before any read); a rank whose read fails makes the rest of the round's reads with
 * no rows, and the next agreement (the next round's, or the one at the end) ends the
 * schedule on every rank. err gets the agreed error unless it holds one. */
static int coll_next(h5_scan *sc, sl_batch **out, sl_err *err)
{
    const h5_src *s = sc->src;
    *out = NULL;
    sl_err e2; /* failures after this rank's first one, which stays in rerr */
    sl_err_clear(&e2);
    while (!sc->done && sc->cf < s->n_files) {
        int f = sc->cf;
        if (s->rows[f] == 0 || sc->round >= coll_rounds(s, f)) {
            close_file(sc);
            sc->cf++;
            sc->round = 0;
            continue;
        }
        /* H5Fopen over MPI-IO is collective: every rank opens, a rank that failed in the
         * last round too (its failure is agreed just after). */
        sl_err *re = sc->rerr.code ? &e2 : &sc->rerr;
        if (sc->file != f && open_file(sc, f, re) && !re->code)
            SL_ERR(re, SL_EIO, "read_hdf5: cannot open '%s'", s->paths[f]);
        if (!coll_agree(sc, err))
            return err->code;
        int64_t lo = sc->a > s->first[f] ? sc->a : s->first[f];
        int64_t hi = sc->b < s->first[f + 1] ? sc->b : s->first[f + 1];
        int64_t at = lo + sc->round * SL_BATCH_ROWS;
        int64_t n = hi - at < SL_BATCH_ROWS ? hi - at : SL_BATCH_ROWS;
        if (n <= 0) {
            n = 0;
            at = s->first[f]; /* none selected, from a place inside the file */
        }
        sc->round++;
        if (sc->g) { /* the conjuncts' columns first; the others for the span they leave */
            late_read(sc, at - s->first[f], n, out, err);
            if (!*out)
                continue;
            return 0;
        }
        sl_vec **cols = sl_xcalloc((size_t)sc->n_proj + 1, sizeof *cols);
        for (int k = 0; k < sc->n_proj; k++)
            read_col(sc, k, at - s->first[f], n, &cols[k], sc->rerr.code ? &e2 : &sc->rerr);
        if (n == 0 || sc->rerr.code) {
            for (int k = 0; k < sc->n_proj; k++)
                sl_vec_free(&cols[k]);
            sl_free(cols);
            continue;
        }
        *out = sl_batch_from_cols(sc->n_proj, cols, n);
        sl_free(cols);
        sc->ctx->ctr.rows_read += n;
        return 0;
    }
    if (!sc->done) {
        /* A failure in the last round reaches every rank here. */
        close_file(sc);
        sc->done = true;
        coll_agree(sc, err);
    }
    return err->code;
}

int sl_h5_scan_end(MPI_Comm comm, void *src, const void *scan, sl_err *err)
{
    (void)comm;
    h5_src *s = src;
    if (!s->coll)
        return err->code;
    if (!scan) {   /* this rank never opened its scan: the others learn it here */
        int ok = 0;
        MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, s->comm);
        return err->code;
    }
    h5_scan *sc = (h5_scan *)scan; /* the rounds left change its position */
    if (!sc->coll)
        return err->code;
    /* The rows of the rounds left are not wanted (the scan stopped): read and dropped. The
     * failure that stopped the scan stays first (coll_next keeps err when it is set). */
    while (!sc->done) {
        sl_batch *b = NULL;
        coll_next(sc, &b, err);
        sl_batch_free(&b);
    }
    return err->code;
}

/* The next rows to read independently: file rows [*off, *off+*n) of the file it opens,
 * after the chunks the statistics rule out; false at the end of this rank's rows (or on
 * error, in err). */
static bool next_range(h5_scan *sc, int64_t *poff, int64_t *pn, sl_err *err)
{
    const h5_src *s = sc->src;
    int f = 0;
    int64_t off, n;
    for (;;) {
        if (sc->cur >= sc->end) {
            close_file(sc);
            return false;
        }
        while (f < s->n_files && s->first[f + 1] <= sc->cur)
            f++;
        if (f != sc->file && open_file(sc, f, err))
            return false;
        off = sc->cur - s->first[f];
        n = s->first[f + 1] - sc->cur;
        if (n > sc->end - sc->cur)
            n = sc->end - sc->cur;
        if (!sc->skip)
            break;
        /* Skip the chunks ruled out; read up to the next one (chunks counted once). */
        int64_t c = off / sc->crows;
        if (sc->skip[c]) {
            int64_t adv = (c + 1) * sc->crows - off;
            sc->cur += adv < n ? adv : n;
            if (c > sc->last) {
                sc->ctx->ctr.chunks_skipped++;
                sc->last = c;
            }
            continue;
        }
        if (n > SL_BATCH_ROWS)
            n = SL_BATCH_ROWS;
        for (int64_t cc = c + 1; cc * sc->crows < off + n; cc++)
            if (sc->skip[cc]) {
                n = cc * sc->crows - off;
                break;
            }
        int64_t e = (off + n - 1) / sc->crows;
        sc->ctx->ctr.chunks_read += e - (c > sc->last ? c : sc->last + 1) + 1;
        sc->last = e;
        break;
    }
    if (n > SL_BATCH_ROWS)
        n = SL_BATCH_ROWS;
    /* Late materialization reads whole granules where it can: the range ends on a granule
     * boundary unless it ends this rank's rows or the file. */
    if (sc->g && (off + n) % sc->g && (off + n) / sc->g * sc->g > off &&
        sc->cur + n < sc->end && off + n < s->rows[f])
        n = (off + n) / sc->g * sc->g - off;
    *poff = off;
    *pn = n;
    return true;
}

int sl_h5_scan_next(void *scan, sl_batch **out, sl_err *err)
{
    h5_scan *sc = scan;
    *out = NULL;
    if (sc->coll)
        return coll_next(sc, out, err);
    int64_t off, n;
    for (;;) {
        if (!next_range(sc, &off, &n, err))
            return err->code;
        if (!sc->g)
            break;
        /* Rows no granule of which can pass are skipped without a batch. */
        if (late_read(sc, off, n, out, err))
            return err->code;
        sc->cur += n;
        if (*out)
            return 0;
    }
    sl_vec **cols = sl_xcalloc((size_t)sc->n_proj + 1, sizeof *cols);
    int rc = 0;
    for (int k = 0; k < sc->n_proj && !rc; k++)
        rc = read_col(sc, k, off, n, &cols[k], err);
    if (rc) {
        for (int k = 0; k < sc->n_proj; k++)
            sl_vec_free(&cols[k]);
        sl_free(cols);
        return rc;
    }
    *out = sl_batch_from_cols(sc->n_proj, cols, n);
    sl_free(cols);
    sc->ctx->ctr.rows_read += n;
    sc->cur += n;
    return 0;
}

void sl_h5_scan_free(void *scan)
{
    h5_scan *sc = scan;
    if (!sc)
        return;
    close_file(sc);
    sl_free(sc->proj);
    sl_free(sc->types);
    sl_free(sc->ds);
    sl_free(sc->aux);
    sl_free(sc->vd);
    sl_free(sc->is_pred);
    sl_free(sc->vbuf);
    sl_free(sc->preds);
    if (sc->dxpl >= 0)
        H5Pclose(sc->dxpl);
    sl_free(sc);
}
