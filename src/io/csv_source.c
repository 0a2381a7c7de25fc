/*
 * Opening a CSV input (sl_csv_open, Collective) and its getters (Local).
 *
 * Rank 0 expands the patterns, stats the files, finds each file's first record (after a BOM
 * and blank lines) and reads it to learn the column count and header names; the result is
 * agreed and broadcast. Then every rank plans the same ranges, counts quotes in its own
 * (one allgather), and, without declared columns, samples its records for types (one
 * allreduce). Every error path reaches the same collectives on every rank: errors are recorded
 * and agreed with sl_agree at three points, so all ranks return the same code and message.
 */
#include "io/io_int.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "mpi/agree.h"

/* ---- rank 0: files and first records ---- */

typedef struct strlist {
    int n;
    int64_t cap;
    char **v;
} strlist;

static void strlist_push(strlist *l, char *s)
{
    SL_GROW(l->v, l->cap, l->n + 1);
    l->v[l->n++] = s;
}

static void strlist_free(strlist *l)
{
    for (int i = 0; i < l->n; i++)
        sl_free(l->v[i]);
    sl_free(l->v);
    memset(l, 0, sizeof *l);
}

static int add_file(strlist *paths, const char *path, sl_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return SL_ERR(err, errno == ENOENT ? SL_ENOENT : SL_EIO,
                      errno == ENOENT ? "read_csv: file not found: '%s'"
                                      : "read_csv: cannot stat '%s'",
                      path);
    if (!S_ISREG(st.st_mode))
        return SL_ERR(err, SL_EIO, "read_csv: '%s' is not a regular file", path);
    strlist_push(paths, sl_xstrdup(path));
    return 0;
}

static int expand(const sl_csv_opts *o, strlist *paths, sl_err *err)
{
    if (o->n_paths == 0)
        return SL_ERR(err, SL_EUSAGE, "read_csv: no input files (give a file name or a glob)");
    for (int i = 0; i < o->n_paths; i++) {
        const char *pat = o->paths[i];
        if (!strpbrk(pat, "*?[")) {
            if (add_file(paths, pat, err))
                return err->code;
            continue;
        }
        glob_t g;
        int rc = glob(pat, 0, NULL, &g); /* sorted: the file order is the row order */
        if (rc == GLOB_NOMATCH)
            return SL_ERR(err, SL_ENOENT, "read_csv: no file matches '%s'", pat);
        if (rc != 0)
            return SL_ERR(err, SL_EIO, "read_csv: cannot expand '%s'", pat);
        for (size_t k = 0; k < g.gl_pathc && !err->code; k++)
            add_file(paths, g.gl_pathv[k], err);
        globfree(&g);
        if (err->code)
            return err->code;
    }
    return 0;
}

static void collect_field(sl_csv_walk *w, int col, const char *p, int64_t len, bool is_null)
{
    (void)col;
    (void)is_null;
    strlist_push(w->ctx, sl_xstrndup(p, (size_t)len));
}

static void collect_row(sl_csv_walk *w) { (void)w; }

/* Reads the fields of file f's first record into *fields (empty when the file has none). */
static int first_fields(sl_csv_source *s, int f, strlist *fields, sl_err *err)
{
    sl_csv_file *file = &s->files[f];
    sl_csv_rd rd;
    int rc = sl_csv_rd_open(&rd, file->path, file->size, err);
    if (rc)
        return rc;
    rc = sl_csv_first_record(&rd, &file->first_rec, &file->first_line, err);
    sl_csv_rd_close(&rd);
    if (rc || file->first_rec >= file->size)
        return rc;
    sl_csv_walk w;
    sl_csv_walk_init_span(&w, s, f, file->first_rec, file->size, file->first_line);
    w.ncols = -1;
    w.skip_header = false;
    w.lenient = false; /* a malformed first record is an error whatever on_error says */
    w.on_field = collect_field;
    w.on_row = collect_row;
    w.ctx = fields;
    rc = sl_csv_walk_run(&w, 1, INT64_MAX, err);
    sl_csv_walk_free(&w);
    return rc;
}

/* DuckDB's generated names: column0.. padded to the width of the last index. */
static char *gen_name(int i, int n)
{
    int width = snprintf(NULL, 0, "%d", n > 1 ? n - 1 : 0);
    return sl_xasprintf("column%0*d", width, i);
}

/* Header names: empty ones are generated, duplicates get _1, _2, ... (as DuckDB). */
static void header_names(sl_csv_source *s, strlist *hdr)
{
    for (int c = 0; c < s->ncols; c++) {
        char *base = hdr->v[c][0] ? sl_xstrdup(hdr->v[c]) : gen_name(c, s->ncols);
        char *name = sl_xstrdup(base);
        for (int k = 1;; k++) {
            int dup = 0;
            for (int j = 0; j < c && !dup; j++)
                dup = strcmp(s->names[j], name) == 0;
            if (!dup)
                break;
            sl_free(name);
            name = sl_xasprintf("%s_%d", base, k);
        }
        sl_free(base);
        s->names[c] = name;
    }
}

static int rank0_plan(sl_csv_source *s, const sl_csv_opts *o, sl_err *err)
{
    strlist paths = {0}, hdr = {0};
    int rc = expand(o, &paths, err);
    if (rc) {
        strlist_free(&paths);
        return rc;
    }
    s->n_files = paths.n;
    s->files = sl_xcalloc((size_t)paths.n, sizeof *s->files);
    for (int f = 0; f < paths.n; f++) {
        struct stat st;
        s->files[f].path = paths.v[f];
        paths.v[f] = NULL;
        if (sl_csv_compressed(s->files[f].path)) {
            /* Ranges and records are planned over the decompressed bytes. */
            int fd = -1;
            rc = sl_csv_inflate(s->files[f].path, &fd, &s->files[f].size, err);
            if (fd >= 0)
                close(fd);
            if (rc)
                break;
        } else if (stat(s->files[f].path, &st) == 0) {
            s->files[f].size = st.st_size;
        }
    }
    strlist_free(&paths);
    if (rc)
        return rc;
    int ref = -1; /* the file whose first record sets the column count */
    s->ncols = o->n_decl;
    for (int f = 0; f < s->n_files; f++) {
        strlist fields = {0};
        rc = first_fields(s, f, &fields, err);
        if (rc) {
            strlist_free(&fields);
            break;
        }
        if (fields.n == 0) { /* empty file: nothing to check */
            strlist_free(&fields);
            continue;
        }
        if (ref < 0 && o->n_decl == 0) {
            ref = f;
            s->ncols = fields.n;
            hdr = fields;
            continue;
        }
        if (fields.n != s->ncols) {
            if (o->n_decl)
                rc = SL_ERR(err, SL_EDATA,
                            "read_csv: '%s' has %d columns, but columns={...} declares %d",
                            s->files[f].path, fields.n, s->ncols);
            else
                rc = SL_ERR(err, SL_EDATA,
                            "read_csv: '%s' has %d columns, but '%s' has %d (all files of one"
                            " read_csv must have the same columns)",
                            s->files[f].path, fields.n, s->files[ref].path, s->ncols);
        }
        strlist_free(&fields);
        if (rc)
            break;
    }
    if (!rc && s->ncols == 0)
        rc = SL_ERR(err, SL_EDATA,
                    "read_csv: '%s' is empty: no header or rows to take the columns from"
                    " (declare them with columns={...})",
                    s->files[0].path);
    if (!rc) {
        s->names = sl_xcalloc((size_t)s->ncols, sizeof *s->names);
        if (o->n_decl)
            for (int c = 0; c < s->ncols; c++)
                s->names[c] = sl_xstrdup(o->decl_names[c]);
        else if (o->header)
            header_names(s, &hdr);
        else
            for (int c = 0; c < s->ncols; c++)
                s->names[c] = gen_name(c, s->ncols);
    }
    strlist_free(&hdr);
    return rc;
}

/* ---- broadcast of rank 0's plan ---- */

static void bcast_plan(sl_csv_source *s, MPI_Comm comm, int rank)
{
    sl_buf b;
    sl_buf_init(&b);
    if (rank == 0) {
        sl_buf_put_i64(&b, s->n_files);
        for (int f = 0; f < s->n_files; f++) {
            sl_buf_put_i64(&b, s->files[f].size);
            sl_buf_put_i64(&b, s->files[f].first_rec);
            sl_buf_put_i64(&b, s->files[f].first_line);
            sl_buf_put_str(&b, s->files[f].path);
        }
        sl_buf_put_i64(&b, s->ncols);
        for (int c = 0; c < s->ncols; c++)
            sl_buf_put_str(&b, s->names[c]);
    }
    /* Plans are small (paths and names), but count in bytes as int64 anyway. */
    int64_t len = b.len;
    MPI_Bcast(&len, 1, MPI_INT64_T, 0, comm);
    if (rank != 0)
        sl_buf_reserve(&b, len);
    MPI_Bcast(b.data, (int)len, MPI_BYTE, 0, comm);
    if (rank != 0) {
        const char *p = b.data;
        s->n_files = (int)sl_buf_get_i64(&p);
        s->files = sl_xcalloc((size_t)s->n_files + 1, sizeof *s->files);
        for (int f = 0; f < s->n_files; f++) {
            s->files[f].size = sl_buf_get_i64(&p);
            s->files[f].first_rec = sl_buf_get_i64(&p);
            s->files[f].first_line = sl_buf_get_i64(&p);
            s->files[f].path = sl_buf_get_str(&p);
        }
        s->ncols = (int)sl_buf_get_i64(&p);
        s->names = sl_xcalloc((size_t)s->ncols + 1, sizeof *s->names);
        for (int c = 0; c < s->ncols; c++)
            s->names[c] = sl_buf_get_str(&p);
    }
    sl_buf_free(&b);
}

/* ---- open ---- */

int sl_csv_open(MPI_Comm comm, const sl_csv_opts *opts, int64_t default_blocksize,
                int64_t default_sample_bytes, sl_csv_source **out, sl_err *err)
{
    return sl_csv_open_spec(comm, opts, default_blocksize, default_sample_bytes, NULL, out, err);
}

/* Whether some range's counts are read: a later range of its file starts another rank's run
 * (sl_csv_count_needed). Local. */
static bool counts_needed(const sl_csv_source *s)
{
    bool *need = sl_xcalloc((size_t)s->n_ranges + 1, sizeof *need), any = false;
    sl_csv_count_needed(s, need);
    for (int k = 0; k < s->n_ranges; k++)
        any |= need[k];
    sl_free(need);
    return any;
}

int sl_csv_open_spec(MPI_Comm comm, const sl_csv_opts *opts, int64_t default_blocksize,
                     int64_t default_sample_bytes, sl_fmt_spec *spec, sl_csv_source **out,
                     sl_err *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    *out = NULL;
    sl_csv_source *s = sl_xcalloc(1, sizeof *s);
    s->delim = opts->delim;
    s->quote = opts->quote;
    s->quoted_nulls = opts->quoted_nulls;
    s->header = opts->header;
    s->on_error = opts->on_error;
    s->rejects = opts->rejects ? sl_xstrdup(opts->rejects) : NULL;
    s->max_rejects = opts->max_rejects;
    s->max_rejects_pct = opts->max_rejects_pct;
    if (rank == 0) {
        if (opts->quote && opts->quote == opts->delim)
            SL_ERR(err, SL_EUSAGE, "read_csv: quote and delim are both '%c'", opts->delim);
        else if (opts->delim == '\n' || opts->delim == '\r' || opts->quote == '\n' ||
                 opts->quote == '\r')
            SL_ERR(err, SL_EUSAGE, "read_csv: delim and quote cannot be line ends");
        else
            rank0_plan(s, opts, err);
    }
    if (sl_agree(comm, err))
        goto fail;
    bcast_plan(s, comm, rank);

    int64_t bs = opts->blocksize > 0 ? opts->blocksize : default_blocksize;
    sl_csv_plan_ranges(s, bs > 0 ? bs : 64 << 20, size);
    /* The speculative split (see io_int.h): no count pass; every run of a rank starts as if
     * outside quotes, and the scan's end checks it (sl_csv_scan_check_spec). Only where a
     * wrong guess shows as an error or a failed check, i.e. bad rows fail the statement
     * (on_error='fail': no rejects file holds line numbers), and the same on every rank. */
    s->spec = spec && spec->allow && size > 1 && s->on_error == SL_ON_ERROR_FAIL &&
              counts_needed(s);
    if (s->spec)
        sl_csv_prefix(s); /* counts 0: every range at parity 0, line numbers unknown */
    else
        sl_csv_count_all(s, comm, rank, err);
    if (sl_agree(comm, err))
        goto fail;

    if (opts->n_decl > 0) {
        s->types = sl_xcalloc((size_t)s->ncols + 1, sizeof *s->types);
        for (int c = 0; c < s->ncols; c++)
            s->types[c] = opts->decl_types[c];
    } else {
        int64_t sb = opts->sample_bytes > 0 ? opts->sample_bytes : default_sample_bytes;
        sl_csv_infer(s, comm, rank, sb > 0 ? sb : 1 << 20, opts->dateformat, opts->tsformat,
                     err);
        if (sl_agree(comm, err))
            goto fail;
    }
    if (!s->dtfmt) {
        s->dtfmt = sl_xcalloc((size_t)s->ncols + 1, sizeof *s->dtfmt);
        s->dttz = sl_xcalloc((size_t)s->ncols + 1, sizeof *s->dttz);
    }
    /* types={'name': 'TYPE'}: DuckDB's override of the sniffed types (the same on every rank,
     * so an unknown name fails everywhere alike). */
    for (int k = 0; k < opts->n_over && !err->code; k++) {
        int c = 0;
        while (c < s->ncols && strcmp(s->names[c], opts->over_names[k]) != 0)
            c++;
        if (c == s->ncols)
            SL_ERR(err, SL_EBIND, "read_csv: types={...} names column \"%s\", which the "
                   "file does not have", opts->over_names[k]);
        else if (s->types[c] != opts->over_types[k]) {
            s->types[c] = opts->over_types[k];
            sl_free(s->dtfmt[c]); /* a sniffed format belongs to the sniffed type */
            s->dtfmt[c] = NULL;
            s->dttz[c] = false;
        }
    }
    /* dateformat= / timestampformat= read every DATE / TIMESTAMP column, as in DuckDB */
    for (int c = 0; c < s->ncols && !err->code; c++) {
        const char *f = s->types[c] == SL_T_DATE ? opts->dateformat
                        : s->types[c] == SL_T_TIMESTAMP ? opts->tsformat : NULL;
        if (f && !s->dtfmt[c]) {
            s->dtfmt[c] = sl_xstrdup(f);
            s->dttz[c] = false;
        }
    }
    if (sl_agree(comm, err))
        goto fail;
    if (s->spec) {
        s->spec_state = spec;
        spec->pending++;
    }
    *out = s;
    return 0;
fail:
    sl_csv_source_free(&s);
    return err->code;
}

void sl_csv_source_free(sl_csv_source **ps)
{
    sl_csv_source *s = *ps;
    if (!s)
        return;
    for (int f = 0; f < s->n_files; f++)
        sl_free(s->files[f].path);
    sl_free(s->files);
    if (s->names)
        for (int c = 0; c < s->ncols; c++)
            sl_free(s->names[c]);
    sl_free(s->names);
    sl_free(s->types);
    for (int c = 0; s->dtfmt && c < s->ncols; c++)
        sl_free(s->dtfmt[c]);
    sl_free(s->dtfmt);
    sl_free(s->dttz);
    sl_free(s->rejects);
    sl_free(s->ranges);
    sl_free(s->rank_first);
    sl_free(s);
    *ps = NULL;
}

/* ---- getters (Local) ---- */

int sl_csv_source_ncols(const sl_csv_source *s) { return s->ncols; }
const char *sl_csv_source_name(const sl_csv_source *s, int col) { return s->names[col]; }
sl_type sl_csv_source_type(const sl_csv_source *s, int col) { return s->types[col]; }
int sl_csv_source_nfiles(const sl_csv_source *s) { return s->n_files; }
const char *sl_csv_source_path(const sl_csv_source *s, int i) { return s->files[i].path; }
int64_t sl_csv_source_blocksize(const sl_csv_source *s) { return s->blocksize; }

int sl_csv_source_nranges(const sl_csv_source *s) { return s->n_ranges; }
int64_t sl_csv_source_bytes(const sl_csv_source *s) { return s->total; }

int64_t sl_csv_source_rank_bytes(const sl_csv_source *s, int rank)
{
    int64_t n = 0;
    if (rank < 0 || rank >= s->n_ranks)
        return 0;
    for (int k = s->rank_first[rank]; k < s->rank_first[rank + 1]; k++)
        n += s->ranges[k].len;
    return n;
}
