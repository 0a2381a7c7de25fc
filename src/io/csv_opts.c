/*
 * The options of the CSV format, parsed from the values as written (format.h): read_csv's
 * (paths, header, delim/sep/delimiter, quote, blocksize, sample_bytes, columns,
 * types / dtypes, dateformat, timestampformat, auto_detect, on_error, rejects, max_rejects) and COPY's (HEADER,
 * DELIMITER/DELIM/SEP), and read_csv's arguments printed back as SQL. Errors are SL_ESQL at
 * the value or option they are about, worded as the SQL parser words its own. Local.
 */
#include "io/io_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"

/* ---- read_csv(...) ---- */

void *sl_csv_ropts_new(void)
{
    sl_csv_opts *o = sl_xcalloc(1, sizeof *o);
    o->header = true;
    o->delim = ',';
    o->quote = '"';
    o->on_error = SL_ON_ERROR_FAIL;
    o->max_rejects = -1;
    o->max_rejects_pct = -1;
    return o;
}

void sl_csv_ropts_free(void *p)
{
    sl_csv_opts *o = p;
    if (!o)
        return;
    for (int i = 0; i < o->n_paths; i++)
        sl_free(o->paths[i]);
    sl_free(o->paths);
    for (int i = 0; i < o->n_decl; i++)
        sl_free(o->decl_names[i]);
    sl_free(o->decl_names);
    sl_free(o->decl_types);
    for (int i = 0; i < o->n_over; i++)
        sl_free(o->over_names[i]);
    sl_free(o->over_names);
    sl_free(o->over_types);
    sl_free(o->rejects);
    sl_free(o->dateformat);
    sl_free(o->tsformat);
    sl_free(o);
}

int sl_csv_ropts_args(void *p, const sl_fmt_val *args, int n, const sl_fmt_val *next,
                      const sl_fmt_ctx *c)
{
    sl_csv_opts *o = p;
    if (n == 0)
        return sl_fmt_expected(c, next, "file name string or list of file names");
    if (sl_fmt_paths_arg(&args[0], c, &o->n_paths, &o->paths))
        return c->err->code;
    /* One positional argument: what follows the paths must be a name=value option. */
    if (n > 1)
        return sl_fmt_expected(c, &args[1], "option name");
    return 0;
}

/* {'name': 'TYPE', ...} of columns= (all columns) or types= (some: *n, *names, *types). */
static int columns_opt(int *n_out, char ***names, sl_type **types, const sl_fmt_val *v,
                       const sl_fmt_ctx *c)
{
    if (v->kind != SL_FV_STRUCT)
        return sl_fmt_expected(c, v, "'{'");
    for (int i = 0; i < v->n; i++) {
        const sl_fmt_val *k = &v->keys[i], *ty = &v->items[i];
        sl_type t;
        if (ty->kind != SL_FV_STRING)
            return sl_fmt_expected(c, ty, "type name string");
        if (!sl_type_parse(ty->str, (int64_t)strlen(ty->str), &t))
            return sl_fmt_error_at(c, ty->line, ty->col, "unknown type \"%s\"", ty->str);
        /* Keys keep their case (as DuckDB does for a string key). */
        const char *name = k->kind == SL_FV_WORD ? k->raw : k->str;
        *names = sl_xrealloc(*names, sizeof **names * (size_t)(*n_out + 1));
        *types = sl_xrealloc(*types, sizeof **types * (size_t)(*n_out + 1));
        (*names)[*n_out] = sl_xstrdup(name);
        (*types)[(*n_out)++] = t;
    }
    return 0;
}

/* max_rejects = N (a row count) or 'P%' (a percentage of the rows read). */
static int max_rejects_opt(sl_csv_opts *o, const sl_fmt_val *v, const sl_fmt_ctx *c)
{
    char *end = NULL;
    if (v->kind == SL_FV_INT || v->kind == SL_FV_STRING) {
        size_t n = strlen(v->str);
        if (n > 1 && v->str[n - 1] == '%') {
            double pct = strtod(v->str, &end);
            if (end == v->str + n - 1 && pct >= 0 && pct <= 100) {
                o->max_rejects_pct = pct;
                return 0;
            }
        } else if (n > 0 && isdigit((unsigned char)v->str[0])) {
            long long cnt = strtoll(v->str, &end, 10);
            if (*end == 0 && cnt >= 0) {
                o->max_rejects = cnt;
                return 0;
            }
        }
    }
    return sl_fmt_error_at(c, v->line, v->col, "option max_rejects needs a row count such as "
                           "100 or a percentage of the rows read such as '1%%'");
}

/* dateformat= / timestampformat=: a strptime format whose codes sl_strptime knows
 * (batch/text_cast.c; %z / %Z need a zone type), with DuckDB's message for another code. */
static int strptime_opt(char **out, const char *what, const sl_fmt_val *v, const sl_fmt_ctx *c)
{
    if (v->kind != SL_FV_STRING || !v->str[0])
        return sl_fmt_expected(c, v, "strptime format string such as '%d/%m/%Y'");
    for (const char *q = v->str; *q; q++) {
        if (*q != '%')
            continue;
        if (q[1] == '-' && q[2])
            q++;
        if (!q[1] || !strchr("YGymdjHIMSfgnpaAbhBwuUWV%", q[1]))
            return sl_fmt_error_at(c, v->line, v->col, "Could not parse %s: Unrecognized "
                                   "format for strftime/strptime: %%%s", what,
                                   q[1] ? (char[]){q[1], 0} : "");
        q++;
    }
    sl_free(*out);
    *out = sl_xstrdup(v->str);
    return 0;
}

static void mark(sl_csv_opt_pos *at, const sl_fmt_opt *opt)
{
    at->line = opt->line;
    at->col = opt->col;
}

int sl_csv_ropts_set(void *p, const sl_fmt_opt *opt, const sl_fmt_ctx *c)
{
    sl_csv_opts *o = p;
    const char *n = opt->name;
    const sl_fmt_val *v = &opt->v;
    if (!strcasecmp(n, "header"))
        return sl_fmt_opt_bool(opt, c, &o->header);
    if (!strcasecmp(n, "delim") || !strcasecmp(n, "sep") || !strcasecmp(n, "delimiter"))
        return sl_fmt_opt_char(opt, false, c, &o->delim);
    if (!strcasecmp(n, "quote"))
        return sl_fmt_opt_char(opt, true, c, &o->quote);
    if (!strcasecmp(n, "allow_quoted_nulls"))
        return sl_fmt_opt_bool(opt, c, &o->quoted_nulls);
    if (!strcasecmp(n, "blocksize"))
        return sl_fmt_opt_size(opt, c, &o->blocksize);
    if (!strcasecmp(n, "sample_bytes"))
        return sl_fmt_opt_size(opt, c, &o->sample_bytes);
    if (!strcasecmp(n, "columns"))
        return columns_opt(&o->n_decl, &o->decl_names, &o->decl_types, v, c);
    if (!strcasecmp(n, "types") || !strcasecmp(n, "dtypes"))
        return columns_opt(&o->n_over, &o->over_names, &o->over_types, v, c);
    if (!strcasecmp(n, "dateformat"))
        return strptime_opt(&o->dateformat, "DATEFORMAT", v, c);
    if (!strcasecmp(n, "timestampformat"))
        return strptime_opt(&o->tsformat, "TIMESTAMPFORMAT", v, c);
    if (!strcasecmp(n, "on_error")) {
        mark(&o->on_error_at, opt);
        if (v->kind != SL_FV_STRING)
            return sl_fmt_expected(c, v, "'fail', 'skip' or 'reject'");
        if (!strcasecmp(v->str, "fail"))
            o->on_error = SL_ON_ERROR_FAIL;
        else if (!strcasecmp(v->str, "skip"))
            o->on_error = SL_ON_ERROR_SKIP;
        else if (!strcasecmp(v->str, "reject"))
            o->on_error = SL_ON_ERROR_REJECT;
        else
            return sl_fmt_error_at(c, v->line, v->col,
                                   "on_error must be 'fail', 'skip' or 'reject'");
        return 0;
    }
    if (!strcasecmp(n, "rejects")) {
        mark(&o->rejects_at, opt);
        if (v->kind != SL_FV_STRING || !v->str[0])
            return sl_fmt_expected(c, v, "a file name string");
        sl_free(o->rejects);
        o->rejects = sl_xstrdup(v->str);
        return 0;
    }
    if (!strcasecmp(n, "max_rejects")) {
        mark(&o->max_rejects_at, opt);
        return max_rejects_opt(o, v, c);
    }
    if (!strcasecmp(n, "auto_detect")) {
        bool ignored; /* schema inference is always on unless columns= is given */
        return sl_fmt_opt_bool(opt, c, &ignored);
    }
    return SL_FMT_UNKNOWN;
}

/* The bad-row options together (README "Bad input"): rejects= alone implies
 * on_error='reject'; 'reject' needs a rejects file; a limit needs a lenient policy. */
int sl_csv_ropts_end(void *p, int line, int col, const sl_fmt_ctx *c)
{
    sl_csv_opts *o = p;
    (void)line;
    (void)col;
    bool on_error = o->on_error_at.line > 0, rejects = o->rejects_at.line > 0;
    if (rejects && !on_error)
        o->on_error = SL_ON_ERROR_REJECT;
    if (rejects && o->on_error != SL_ON_ERROR_REJECT)
        return sl_fmt_error_at(c, o->rejects_at.line, o->rejects_at.col,
                               "option rejects needs on_error='reject'");
    if (o->on_error == SL_ON_ERROR_REJECT && !rejects)
        return sl_fmt_error_at(c, o->on_error_at.line, o->on_error_at.col,
                               "on_error='reject' needs rejects='file.csv' (where the bad rows "
                               "go)");
    if (o->max_rejects_at.line > 0 && o->on_error == SL_ON_ERROR_FAIL)
        return sl_fmt_error_at(c, o->max_rejects_at.line, o->max_rejects_at.col,
                               "option max_rejects needs on_error='skip' or 'reject'");
    return 0;
}

static void put_string(sl_buf *b, const char *s) { sl_buf_put_quoted(b, s, '\''); }

static void put_char_opt(sl_buf *b, const char *name, char ch)
{
    sl_buf_printf(b, ", %s=", name);
    if (ch == '\t') {
        sl_buf_puts(b, "'\\t'");
    } else {
        char s[2] = {ch, 0};
        put_string(b, s);
    }
}

void sl_csv_ropts_print(sl_buf *b, const void *p)
{
    const sl_csv_opts *o = p;
    if (o->n_paths != 1)
        sl_buf_putc(b, '[');
    for (int i = 0; i < o->n_paths; i++) {
        if (i)
            sl_buf_puts(b, ", ");
        put_string(b, o->paths[i]);
    }
    if (o->n_paths != 1)
        sl_buf_putc(b, ']');
    sl_buf_printf(b, ", header=%s", o->header ? "true" : "false");
    put_char_opt(b, "delim", o->delim);
    put_char_opt(b, "quote", o->quote);
    if (o->quoted_nulls)
        sl_buf_puts(b, ", allow_quoted_nulls=true");
    if (o->blocksize)
        sl_buf_printf(b, ", blocksize=%" PRId64, o->blocksize);
    if (o->sample_bytes)
        sl_buf_printf(b, ", sample_bytes=%" PRId64, o->sample_bytes);
    if (o->n_decl) {
        sl_buf_puts(b, ", columns={");
        for (int i = 0; i < o->n_decl; i++) {
            if (i)
                sl_buf_puts(b, ", ");
            put_string(b, o->decl_names[i]);
            sl_buf_puts(b, ": ");
            put_string(b, sl_type_name(o->decl_types[i]));
        }
        sl_buf_putc(b, '}');
    }
    if (o->n_over) {
        sl_buf_puts(b, ", types={");
        for (int i = 0; i < o->n_over; i++) {
            if (i)
                sl_buf_puts(b, ", ");
            put_string(b, o->over_names[i]);
            sl_buf_puts(b, ": ");
            put_string(b, sl_type_name(o->over_types[i]));
        }
        sl_buf_putc(b, '}');
    }
    if (o->dateformat) {
        sl_buf_puts(b, ", dateformat=");
        put_string(b, o->dateformat);
    }
    if (o->tsformat) {
        sl_buf_puts(b, ", timestampformat=");
        put_string(b, o->tsformat);
    }
    if (o->on_error != SL_ON_ERROR_FAIL)
        sl_buf_printf(b, ", on_error='%s'", o->on_error == SL_ON_ERROR_SKIP ? "skip" : "reject");
    if (o->rejects) {
        sl_buf_puts(b, ", rejects=");
        put_string(b, o->rejects);
    }
    if (o->max_rejects >= 0)
        sl_buf_printf(b, ", max_rejects=%lld", (long long)o->max_rejects);
    else if (o->max_rejects_pct >= 0)
        sl_buf_printf(b, ", max_rejects='%g%%'", o->max_rejects_pct);
}

/* ---- COPY ... (FORMAT csv, HEADER, DELIMITER) ---- */

void *sl_csv_wopts_new(void)
{
    sl_csv_wopts *o = sl_xcalloc(1, sizeof *o);
    o->header = true;
    o->delim = ',';
    return o;
}

void sl_csv_wopts_free(void *o) { sl_free(o); }

int sl_csv_wopts_set(void *p, const sl_fmt_opt *opt, const sl_fmt_ctx *c)
{
    sl_csv_wopts *o = p;
    const char *n = opt->name;
    if (!strcasecmp(n, "header"))
        return sl_fmt_opt_bool(opt, c, &o->header);
    if (!strcasecmp(n, "delimiter") || !strcasecmp(n, "delim") || !strcasecmp(n, "sep"))
        return sl_fmt_opt_char(opt, false, c, &o->delim);
    if (!strcasecmp(n, "compression")) {
        const sl_fmt_val *v = &opt->v;
        const char *s = v->kind == SL_FV_STRING || v->kind == SL_FV_WORD ? v->str : "";
        if (!strcasecmp(s, "gzip"))
            o->compression = SL_CSV_Z_GZIP;
        else if (!strcasecmp(s, "zstd"))
            o->compression = SL_CSV_Z_ZSTD;
        else if (!strcasecmp(s, "none") || !strcasecmp(s, "uncompressed"))
            o->compression = SL_CSV_Z_NONE;
        else
            return sl_fmt_error_at(c, v->line, v->col, "option COMPRESSION for FORMAT csv is "
                                   "'gzip', 'zstd' or 'none'");
        return 0;
    }
    return SL_FMT_UNKNOWN;
}
