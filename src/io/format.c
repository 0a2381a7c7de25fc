/*
 * The generic side of the format registry (format.h): option values and their messages,
 * table-function calls, opened sources and scans, the sources of a statement, part-file
 * writers. Everything here dispatches through a format's table and knows no format by name.
 * sl_fmt_source_open, sl_fmt_sources_open and sl_fmt_scan_end are Collective (because the
 * format's slots are); the rest is Local.
 */
#include "io/format.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "core/size.h"

/* ---- values and options ---- */

void sl_fmt_val_clear(sl_fmt_val *v)
{
    if (!v)
        return;
    for (int i = 0; i < v->n; i++) {
        if (v->items)
            sl_fmt_val_clear(&v->items[i]);
        if (v->keys)
            sl_fmt_val_clear(&v->keys[i]);
    }
    sl_free(v->items);
    sl_free(v->keys);
    sl_free(v->str);
    sl_free(v->raw);
    memset(v, 0, sizeof *v);
}

void sl_fmt_opt_clear(sl_fmt_opt *o)
{
    if (!o)
        return;
    sl_free(o->name);
    sl_fmt_val_clear(&o->v);
    memset(o, 0, sizeof *o);
}

int sl_fmt_error_at(const sl_fmt_ctx *c, int line, int col, const char *fmt, ...)
{
    char msg[SL_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return SL_ERR(c->err, SL_ESQL, "%s:%d:%d: %s", c->path, line, col, msg);
}

int sl_fmt_expected(const sl_fmt_ctx *c, const sl_fmt_val *v, const char *what)
{
    if (!v->raw)
        return SL_ERR(c->err, SL_ESQL, "%s:%d:%d: syntax error: expected %s, got end of input",
                      c->path, v->line, v->col, what);
    size_t n = strlen(v->raw);
    return SL_ERR(c->err, SL_ESQL, "%s:%d:%d: syntax error: expected %s, got \"%.*s%s\"",
                  c->path, v->line, v->col, what, n > 40 ? 40 : (int)n, v->raw,
                  n > 40 ? "..." : "");
}

static void add_path(int *n_paths, char ***paths, const char *s)
{
    *paths = sl_xrealloc(*paths, sizeof **paths * (size_t)(*n_paths + 1));
    (*paths)[(*n_paths)++] = sl_xstrdup(s);
}

int sl_fmt_paths_arg(const sl_fmt_val *a, const sl_fmt_ctx *c, int *n_paths, char ***paths)
{
    if (a->kind == SL_FV_STRING) {
        add_path(n_paths, paths, a->str);
        return 0;
    }
    if (a->kind != SL_FV_LIST)
        return sl_fmt_expected(c, a, "file name string or list of file names");
    if (a->n == 0)
        return sl_fmt_expected(c, a, "file name string");
    for (int i = 0; i < a->n; i++) {
        if (a->items[i].kind != SL_FV_STRING)
            return sl_fmt_expected(c, &a->items[i], "file name string");
        add_path(n_paths, paths, a->items[i].str);
    }
    return 0;
}

int sl_fmt_opt_bool(const sl_fmt_opt *o, const sl_fmt_ctx *c, bool *out)
{
    const sl_fmt_val *v = &o->v;
    int64_t b;
    if (o->bare)
        *out = true;
    else if ((v->kind == SL_FV_WORD || v->kind == SL_FV_STRING) &&
             sl_parse_bool(v->str, (int64_t)strlen(v->str), &b))
        *out = b != 0;
    else if (v->kind == SL_FV_INT && (!strcmp(v->str, "0") || !strcmp(v->str, "1")))
        *out = v->str[0] == '1';
    else
        return sl_fmt_expected(c, v, "true or false");
    return 0;
}

int sl_fmt_opt_char(const sl_fmt_opt *o, bool allow_empty, const sl_fmt_ctx *c, char *out)
{
    const sl_fmt_val *v = &o->v;
    if (v->kind != SL_FV_STRING)
        return sl_fmt_expected(c, v, "a string");
    size_t n = strlen(v->str);
    if (n == 1)
        *out = v->str[0];
    else if (n == 2 && v->str[0] == '\\' && v->str[1] == 't')
        *out = '\t';
    else if (n == 0 && allow_empty)
        *out = 0;
    else
        return sl_fmt_error_at(c, v->line, v->col, "option %s must be a single character",
                               o->name);
    return 0;
}

int sl_fmt_opt_size(const sl_fmt_opt *o, const sl_fmt_ctx *c, int64_t *out)
{
    const sl_fmt_val *v = &o->v;
    if ((v->kind != SL_FV_STRING && v->kind != SL_FV_INT) || !sl_parse_size(v->str, out))
        return sl_fmt_error_at(c, v->line, v->col,
                               "option %s needs a size such as '64MB', '512KiB' or 65536",
                               o->name);
    return 0;
}

/* ---- calls ---- */

void sl_fmt_call_clear(sl_fmt_call *c)
{
    if (!c)
        return;
    if (c->fmt && c->opts)
        c->fmt->ropts_free(c->opts);
    memset(c, 0, sizeof *c);
}

void sl_fmt_call_print(sl_buf *b, const sl_fmt_call *c)
{
    sl_buf_puts(b, c->fmt->table_fns[0]);
    sl_buf_putc(b, '(');
    c->fmt->ropts_print(b, c->opts);
    sl_buf_putc(b, ')');
}

int sl_fmt_call_opt(sl_fmt_call *call, const sl_fmt_opt *opt, const sl_fmt_ctx *c)
{
    int rc = call->fmt->ropts_set(call->opts, opt, c);
    if (rc == SL_FMT_UNKNOWN)
        return sl_fmt_error_at(c, opt->line, opt->col, "unknown %s option \"%s\" (known: %s)",
                               call->fmt->table_fns[0], opt->name, call->fmt->read_opt_names);
    return rc;
}

int sl_fmt_write_opt(const sl_format *f, void **wopts, const sl_fmt_opt *opt,
                     const sl_fmt_ctx *c)
{
    if (!(f->caps & SL_FMT_WRITE))
        return SL_FMT_UNKNOWN;
    if (!*wopts)
        *wopts = f->wopts_new();
    return f->wopts_set(*wopts, opt, c);
}

void sl_fmt_write_opts_free(const sl_format *f, void **wopts)
{
    if (f && *wopts)
        f->wopts_free(*wopts);
    *wopts = NULL;
}

/* ---- sources and scans ---- */

struct sl_fmt_source {
    const sl_format *fmt;
    void *impl;
};

struct sl_fmt_scan {
    const sl_format *fmt;
    void *impl;
};

int sl_fmt_source_open(MPI_Comm comm, const sl_fmt_call *call, const sl_fmt_env *env,
                       sl_fmt_source **out, sl_err *err)
{
    *out = NULL;
    void *impl = NULL;
    if (call->fmt->open(comm, call->opts, env, &impl, err))
        return err->code;
    sl_fmt_source *s = sl_xcalloc(1, sizeof *s);
    s->fmt = call->fmt;
    s->impl = impl;
    *out = s;
    return 0;
}

void sl_fmt_source_free(sl_fmt_source **ps)
{
    sl_fmt_source *s = *ps;
    if (!s)
        return;
    s->fmt->src_free(s->impl);
    sl_free(s);
    *ps = NULL;
}

const sl_format *sl_fmt_source_format(const sl_fmt_source *s) { return s->fmt; }
int sl_fmt_source_ncols(const sl_fmt_source *s) { return s->fmt->ncols(s->impl); }

const char *sl_fmt_source_col_name(const sl_fmt_source *s, int col)
{
    return s->fmt->col_name(s->impl, col);
}

sl_type sl_fmt_source_col_type(const sl_fmt_source *s, int col)
{
    return s->fmt->col_type(s->impl, col);
}

int sl_fmt_source_nfiles(const sl_fmt_source *s)
{
    return s->fmt->nfiles ? s->fmt->nfiles(s->impl) : 0;
}

const char *sl_fmt_source_file(const sl_fmt_source *s, int i)
{
    return s->fmt->file(s->impl, i);
}

int64_t sl_fmt_source_bytes(const sl_fmt_source *s) { return s->fmt->bytes(s->impl); }

void sl_fmt_source_explain(sl_buf *b, const sl_fmt_source *s, int n_ranks)
{
    s->fmt->explain(b, s->impl, n_ranks);
}

int sl_fmt_source_finish(MPI_Comm comm, sl_fmt_source *s, sl_err *err)
{
    if (!s || !s->fmt->src_finish)
        return 0;
    return s->fmt->src_finish(comm, s->impl, err);
}

int sl_fmt_scan_open(sl_ctx *ctx, sl_fmt_source *s, const int *proj, int n_proj,
                     sl_fmt_scan **out, sl_err *err)
{
    *out = NULL;
    void *impl = NULL;
    int rc = s->fmt->scan_open(ctx, s->impl, proj, n_proj, &impl, err);
    /* A scan that failed to open may still hold state to release (read_csv's rejects). */
    if (impl) {
        sl_fmt_scan *sc = sl_xcalloc(1, sizeof *sc);
        sc->fmt = s->fmt;
        sc->impl = impl;
        *out = sc;
    }
    return rc;
}

int sl_fmt_scan_next(sl_fmt_scan *sc, sl_batch **out, sl_err *err)
{
    return sc->fmt->scan_next(sc->impl, out, err);
}

void sl_fmt_scan_prune(sl_fmt_scan *sc, const sl_fmt_pred *preds, int n)
{
    if (sc->fmt->scan_prune && n > 0)
        sc->fmt->scan_prune(sc->impl, preds, n);
}

int sl_fmt_scan_end(MPI_Comm comm, sl_fmt_source *s, const sl_fmt_scan *sc, sl_err *err)
{
    if (!s->fmt->scan_end)
        return err->code;
    return s->fmt->scan_end(comm, s->impl, sc ? sc->impl : NULL, err);
}

void sl_fmt_scan_free(sl_fmt_scan **psc)
{
    sl_fmt_scan *sc = *psc;
    if (!sc)
        return;
    sc->fmt->scan_free(sc->impl);
    sl_free(sc);
    *psc = NULL;
}

/* ---- the sources of a statement ---- */

struct sl_fmt_sources {
    int n;
    const sl_fmt_call **calls;
    sl_fmt_source **srcs;
};

int sl_fmt_sources_open(MPI_Comm comm, const char *path, const sl_fmt_call *const *calls,
                        int n, const sl_fmt_env *env, sl_fmt_sources **out, sl_err *err)
{
    sl_fmt_sources *set = sl_xcalloc(1, sizeof *set);
    set->calls = sl_xcalloc((size_t)n + 1, sizeof *set->calls);
    set->srcs = sl_xcalloc((size_t)n + 1, sizeof *set->srcs);
    *out = set;
    for (int i = 0; i < n; i++) {
        if (sl_fmt_sources_find(set, calls[i]))
            continue;
        sl_fmt_source *s = NULL;
        sl_err tmp;
        sl_err_clear(&tmp);
        /* Agreed inside: every rank stops at the same call with the same message. */
        if (sl_fmt_source_open(comm, calls[i], env, &s, &tmp))
            return SL_ERR(err, tmp.code, "%s:%d:%d: %s", path, calls[i]->line, calls[i]->col,
                          tmp.msg);
        set->calls[set->n] = calls[i];
        set->srcs[set->n++] = s;
    }
    return 0;
}

sl_fmt_source *sl_fmt_sources_find(const sl_fmt_sources *set, const sl_fmt_call *call)
{
    for (int i = 0; set && i < set->n; i++)
        if (set->calls[i] == call)
            return set->srcs[i];
    return NULL;
}

int sl_fmt_sources_finish(MPI_Comm comm, sl_fmt_sources *set, sl_err *err)
{
    for (int i = 0; set && i < set->n; i++)
        sl_fmt_source_finish(comm, set->srcs[i], err);
    return err->code;
}

void sl_fmt_sources_free(sl_fmt_sources **pset)
{
    sl_fmt_sources *set = *pset;
    if (!set)
        return;
    for (int i = 0; i < set->n; i++)
        sl_fmt_source_free(&set->srcs[i]);
    sl_free(set->srcs);
    sl_free(set->calls);
    sl_free(set);
    *pset = NULL;
}

/* ---- part-file writers ---- */

struct sl_fmt_writer {
    const sl_format *fmt;
    void *impl;
};

const char *sl_fmt_write_ext(const sl_format *f, const void *wopts)
{
    return f->wopts_ext ? f->wopts_ext(wopts) : f->ext;
}

int sl_fmt_writer_begin(const sl_format *f, const void *wopts, int n_cols, char *const *names,
                        const sl_type *types, sl_buf *out, sl_fmt_writer **w, sl_err *err)
{
    *w = NULL;
    if (!(f->caps & SL_FMT_WRITE))
        return SL_ERR(err, SL_EINTERNAL, "format %s cannot write", f->name);
    void *impl = NULL;
    if (f->writer_begin(wopts, n_cols, names, types, out, &impl, err))
        return err->code;
    sl_fmt_writer *wr = sl_xcalloc(1, sizeof *wr);
    wr->fmt = f;
    wr->impl = impl;
    *w = wr;
    return 0;
}

int sl_fmt_writer_write(sl_fmt_writer *w, const sl_batch *b, sl_buf *out, sl_err *err)
{
    return w->fmt->writer_write(w->impl, b, out, err);
}

int sl_fmt_writer_finish(sl_fmt_writer **pw, sl_buf *out, sl_err *err)
{
    sl_fmt_writer *w = *pw;
    if (!w)
        return 0;
    int rc = w->fmt->writer_finish(w->impl, out, err);
    sl_fmt_writer_free(pw);
    return rc;
}

void sl_fmt_writer_free(sl_fmt_writer **pw)
{
    sl_fmt_writer *w = *pw;
    if (!w)
        return;
    w->fmt->writer_free(w->impl);
    sl_free(w);
    *pw = NULL;
}
