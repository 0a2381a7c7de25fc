/*
 * CSV parsing: the tokenizer (libcsv in strict mode, or a plain splitter when quote=''), the
 * record walker that feeds a rank's owned record bytes to it one record at a time, and the
 * scan (sl_csv_scan_*) that converts the projected fields into batches. All Local.
 *
 * Why record at a time: the walker finds each record's end itself (the first '\n' outside
 * quotes, the same rule that placed the range boundaries), so it always knows the line and
 * byte offset of the record libcsv is parsing, and a record that libcsv splits differently
 * (a bare CR, a stray quote) is detected instead of silently shifting every later row.
 * libcsv's strict mode rejects a quote inside an unquoted field or text after a closing
 * quote: exactly the inputs where quote parity and the parser could disagree.
 *
 * The fast scanner (fast_records) takes whole well-formed records straight from the
 * structural index of csv_simd.c and hands their fields to the same callbacks; every other
 * record still goes to libcsv, the reference (tests/csvdiff holds the two to the same output).
 */
#include "io/io_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "batch/int128.h"
#include "batch/dec128.h"
#include "batch/digits.h"
#include "core/mem.h"
#include "io/csv_reject.h"
#include "core/ctx.h"

/* Bytes the fast scanner indexes at once (its index is 4 bitmasks per 64 bytes). */
#define FAST_WIN (64 << 10)

/* ---- tokenizer ---- */

static int no_space(unsigned char c)
{
    (void)c;
    return 0; /* keep spaces: they are data (RFC 4180); converters trim numbers themselves */
}

static void *csv_realloc(void *p, size_t n) { return sl_xrealloc(p, n); }

void sl_csv_tok_init(sl_csv_tok *t, char delim, char quote)
{
    memset(t, 0, sizeof *t);
    t->delim = delim;
    t->quote = quote;
    sl_buf_init(&t->fld);
    if (quote) {
        csv_init(&t->p, CSV_STRICT | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL);
        csv_set_delim(&t->p, (unsigned char)delim);
        csv_set_quote(&t->p, (unsigned char)quote);
        csv_set_space_func(&t->p, no_space);
        csv_set_realloc_func(&t->p, csv_realloc);
        csv_set_free_func(&t->p, sl_free);
    }
}

static void plain_emit(sl_csv_tok *t, sl_csv_tok_field_fn f, void *ctx)
{
    if (t->fld.len == 0)
        f(NULL, 0, ctx);
    else
        f(t->fld.data, (size_t)t->fld.len, ctx);
    t->fld.len = 0;
}

/* The row so far is blank: nothing, or a lone '\r' (a CRLF blank line). */
static bool plain_blank(const sl_csv_tok *t)
{
    return !t->row_started && (t->fld.len == 0 || (t->fld.len == 1 && t->fld.data[0] == '\r'));
}

int sl_csv_tok_feed(sl_csv_tok *t, const char *p, size_t n, sl_csv_tok_field_fn f,
                    sl_csv_tok_row_fn r, void *ctx)
{
    if (t->quote) {
        if (csv_parse(&t->p, p, n, f, r, ctx) != n)
            return -1;
        return 0;
    }
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && p[j] != t->delim && p[j] != '\n')
            j++;
        sl_buf_append(&t->fld, p + i, (int64_t)(j - i));
        if (j == n)
            break;
        if (p[j] == t->delim) {
            t->row_started = true;
            plain_emit(t, f, ctx);
        } else if (plain_blank(t)) {
            t->fld.len = 0;
        } else {
            if (t->fld.len && t->fld.data[t->fld.len - 1] == '\r')
                t->fld.len--;
            plain_emit(t, f, ctx);
            r('\n', ctx);
            t->row_started = false;
        }
        i = j + 1;
    }
    return 0;
}

int sl_csv_tok_fini(sl_csv_tok *t, sl_csv_tok_field_fn f, sl_csv_tok_row_fn r, void *ctx)
{
    if (t->quote)
        return csv_fini(&t->p, f, r, ctx) == 0 ? 0 : -1;
    if (!plain_blank(t)) {
        if (t->fld.len && t->fld.data[t->fld.len - 1] == '\r')
            t->fld.len--;
        plain_emit(t, f, ctx);
        r(-1, ctx);
    }
    t->fld.len = 0;
    t->row_started = false;
    return 0;
}

void sl_csv_tok_free(sl_csv_tok *t)
{
    if (t->quote)
        csv_free(&t->p);
    sl_buf_free(&t->fld);
}

/* ---- record walker ---- */

static void walk_common(sl_csv_walk *w, const sl_csv_source *s)
{
    memset(w, 0, sizeof *w);
    w->src = s;
    w->ncols = s->ncols;
    w->skip_header = s->header;
    w->rd_file = -1;
    w->rd.fd = -1;
    w->lenient = s->on_error != SL_ON_ERROR_FAIL;
    w->bad_col = -1;
    sl_csv_tok_init(&w->tok, s->delim, s->quote);
    w->index = sl_csv_index_pick(getenv("SLUICE_CSV_SCANNER"));
    if (w->index && s->quote) {
        size_t nb = FAST_WIN / 64;
        w->ix.odd = sl_xmalloc(4 * nb * sizeof(uint64_t));
        w->ix.st = w->ix.odd + nb;
        w->ix.end = w->ix.st + nb;
        w->ix.nl = w->ix.end + nb;
    }
    sl_buf_init(&w->unq);
}

void sl_csv_walk_init(sl_csv_walk *w, const sl_csv_source *s, int rank)
{
    walk_common(w, s);
    int lo = s->rank_first[rank], hi = s->rank_first[rank + 1];
    w->groups = sl_xcalloc((size_t)(hi - lo) + 1, sizeof *w->groups);
    for (int k = lo; k < hi; k++) {
        const sl_csv_range *rg = &s->ranges[k];
        sl_csv_group *g = w->n_groups ? &w->groups[w->n_groups - 1] : NULL;
        /* Consecutive ranges of one file are one run of bytes: resolve its ends once. */
        if (!g || g->file != rg->file || g->e != rg->off) {
            g = &w->groups[w->n_groups++];
            g->file = rg->file;
            g->s = rg->off;
            g->par_s = rg->par;
            g->line_s = rg->line;
        }
        g->e = rg->off + rg->len;
        g->par_e = rg->par ^ (s->quote ? (int)(rg->n_quotes & 1) : 0);
        g->line_e = rg->line + rg->n_nl;
    }
}

void sl_csv_walk_init_span(sl_csv_walk *w, const sl_csv_source *s, int file, int64_t a,
                           int64_t b, int64_t a_line)
{
    walk_common(w, s);
    w->groups = sl_xcalloc(1, sizeof *w->groups);
    w->n_groups = 1;
    w->groups[0].file = file;
    w->groups[0].resolved = true;
    w->groups[0].a = a;
    w->groups[0].b = b;
    w->groups[0].a_line = a_line;
}

void sl_csv_walk_free(sl_csv_walk *w)
{
    sl_csv_rd_close(&w->rd);
    sl_csv_tok_free(&w->tok);
    sl_free(w->groups);
    w->groups = NULL;
    sl_free(w->ix.odd);
    w->ix.odd = NULL;
    sl_free(w->blk_at);
    w->blk_at = NULL;
    if (w->fl_st)
        sl_free(w->fl_st - 1);
    w->fl_st = NULL;
    sl_buf_free(&w->unq);
}

int sl_csv_walk_fail(sl_csv_walk *w, const char *fmt, ...)
{
    char what[SL_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    w->failed = true;
    return SL_ERR(w->err, SL_EDATA, "%s:%lld (byte %lld): %s",
                  w->src->files[w->groups[w->g].file].path, (long long)w->rec_line,
                  (long long)w->rec_off, what);
}

int sl_csv_walk_bad(sl_csv_walk *w, int col, const char *fmt, ...)
{
    char why[SL_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (!w->lenient) {
        if (col >= 0)
            return sl_csv_walk_fail(w, "column \"%s\": %s", w->src->names[col], why);
        return sl_csv_walk_fail(w, "%s", why);
    }
    if (!w->rec_bad) { /* the first reason found is the one reported */
        w->rec_bad = true;
        w->bad_col = col;
        size_t n = strlen(why);
        n = n < sizeof w->bad_why ? n : sizeof w->bad_why - 1;
        memcpy(w->bad_why, why, n);
        w->bad_why[n] = 0;
    }
    return 0;
}

static void tok_field(void *f, size_t len, void *ctx)
{
    sl_csv_walk *w = ctx;
    if (w->failed)
        return;
    int col = w->fields++;
    if (w->rec_bad)
        return;
    if (!w->rec_skip && (w->ncols < 0 || col < w->ncols))
        w->on_field(w, col, f ? (const char *)f : "", (int64_t)len,
                    f == NULL || (len == 0 && w->src->quoted_nulls));
}

static void tok_row(int c, void *ctx)
{
    (void)c;
    sl_csv_walk *w = ctx;
    if (w->failed)
        return;
    int nf = w->fields;
    w->fields = 0;
    if (++w->rows_in_rec > 1) {
        sl_csv_walk_bad(w, -1, "carriage return inside an unquoted field (quote the field, or"
                               " use '\\n' or '\\r\\n' line ends)");
        return;
    }
    if (w->rec_skip || w->rec_bad)
        return;
    if (w->ncols >= 0 && nf != w->ncols) {
        sl_csv_walk_bad(w, -1, "expected %d fields, got %d", w->ncols, nf);
        return;
    }
    /* Delivered when the record ends: a later bare CR can still make it bad. */
    w->row_ready = true;
}

static int open_group(sl_csv_walk *w, sl_err *err)
{
    sl_csv_group *g = &w->groups[w->g];
    const sl_csv_file *f = &w->src->files[g->file];
    if (w->rd_file != g->file) {
        sl_csv_rd_close(&w->rd);
        w->rd_file = -1;
        int rc = sl_csv_rd_open(&w->rd, f->path, f->size, err);
        if (rc)
            return rc;
        if (w->chunk > 0)
            w->rd.cap = w->chunk;
        w->rd_file = g->file;
    }
    w->ix_p = NULL; /* the fast scanner's window belonged to the previous group */
    if (!g->resolved) {
        int64_t b_line;
        int rc = sl_csv_next_record(&w->rd, g->s, g->par_s, g->line_s, w->src->quote, f->first_rec,
                                f->first_line, &g->a, &g->a_line, err);
        if (!rc)
            rc = sl_csv_next_record(&w->rd, g->e, g->par_e, g->line_e, w->src->quote,
                                    f->first_rec, f->first_line, &g->b, &b_line, err);
        if (rc)
            return rc;
        g->resolved = true;
    }
    w->pos = g->a;
    w->line = g->a_line;
    w->inq = 0;
    w->rec_open = false;
    return 0;
}

/* Ends the current record: delivers its row, or hands a bad one to on_reject and restarts
 * the tokenizer (libcsv may have stopped mid-record). A record that libcsv read as several
 * rows was already marked bad. */
static void end_record(sl_csv_walk *w)
{
    if (w->rec_bad) {
        if (!w->rec_skip && w->on_reject)
            w->on_reject(w);
        sl_csv_tok_free(&w->tok);
        sl_csv_tok_init(&w->tok, w->src->delim, w->src->quote);
        w->rec_bad = false;
        w->bad_col = -1;
        w->bad_why[0] = 0;
    } else if (w->row_ready && !w->failed) {
        w->on_row(w);
        w->rows++;
        w->rows_run++;
    }
    w->row_ready = false;
    w->rec_open = false;
    w->rows_in_rec = 0;
    w->fields = 0;
}

static int malformed(sl_csv_walk *w)
{
    bool first = !w->rec_bad;
    int rc = sl_csv_walk_bad(w, -1, "malformed quoted field (a quote inside an unquoted field,"
                                    " or text after a closing quote; use quote='' if the file"
                                    " does not quote fields)");
    if (first && w->rec_bad && w->fields < w->ncols)
        w->bad_col = w->fields; /* the field libcsv was in */
    return rc;
}

/*
 * Fast path for a whole record p[0..k) (ending in '\n') that holds no quote character and no
 * carriage return other than a final "\r\n": its fields are exactly the delimiter-separated
 * pieces, so they are handed to tok_field in place, without libcsv copying every byte (csv_parse
 * was ~30% of a scan's time). Gives the callbacks exactly what libcsv gives for such a record:
 * an empty field is NULL, a blank line produces nothing. Local.
 */
static void split_plain(sl_csv_walk *w, const char *p, int64_t k)
{
    int64_t end = k - 1;
    if (end > 0 && p[end - 1] == '\r')
        end--;
    if (end == 0)
        return;
    const char d = w->src->delim;
    for (int64_t i = 0;;) {
        const char *s = p + i;
        const char *e = memchr(s, d, (size_t)(end - i));
        int64_t len = e ? e - s : end - i;
        tok_field(len ? (void *)s : NULL, (size_t)len, w);
        if (!e)
            break;
        i += len + 1;
    }
    tok_row('\n', w);
}

/* ---- fast scanner: whole well-formed records from the structural index ---- */

/* The first set bit of m at or after bit `from` among nb blocks, or -1. Local. */
static inline int64_t next_bit(const uint64_t *m, int64_t nb, int64_t from)
{
    int64_t b = from >> 6;
    if (b >= nb)
        return -1;
    uint64_t x = m[b] & (~(uint64_t)0 << (from & 63));
    while (!x) {
        if (++b >= nb)
            return -1;
        x = m[b];
    }
    return (b << 6) + __builtin_ctzll(x);
}

/* With count, how many bits of m in [a, b) are set; without, whether any is (1 or 0). Local. */
static inline int64_t bits_in(const uint64_t *m, int64_t a, int64_t b, bool count)
{
    if (a >= b)
        return 0;
    int64_t ba = a >> 6, bb = (b - 1) >> 6, n = 0;
    uint64_t lo = ~(uint64_t)0 << (a & 63), hi = ~(uint64_t)0 >> (63 - ((b - 1) & 63));
    for (int64_t k = ba; k <= bb; k++) {
        uint64_t x = m[k] & (k == ba ? lo : ~(uint64_t)0) & (k == bb ? hi : ~(uint64_t)0);
        if (x && !count)
            return 1;
        n += __builtin_popcountll(x);
    }
    return n;
}

/*
 * Whether every field of the record p[at..e] (p[e] its '\n', content ending at fe: before a
 * final '\r') is one libcsv's strict mode reads without complaint: an unquoted field without
 * quote or '\r', or a quoted one that closes right before its delimiter (or the line end)
 * with only doubled quotes inside. Anything else goes to libcsv, which reports it. Local.
 */
static bool fast_fields_ok(const sl_csv_walk *w, const char *p, int64_t at, int64_t e,
                           int64_t fe)
{
    const char quote = w->src->quote;
    for (int64_t fs = at;;) {
        int64_t x = next_bit(w->ix.st, (e >> 6) + 1, fs);
        int64_t end = x == e ? fe : x;
        if (end > fs && p[fs] == quote) {
            if (end - fs < 2 || p[end - 1] != quote)
                return false;
            for (int64_t i = fs + 1; i < end - 1; i++)
                if (p[i] == quote && (i + 1 >= end - 1 || p[++i] != quote))
                    return false;
        } else {
            for (int64_t i = fs; i < end; i++)
                if (p[i] == quote || p[i] == '\r')
                    return false;
        }
        if (x == e)
            return true;
        fs = x + 1;
    }
}

static void fast_field_slow(sl_csv_walk *w, const char *p, int64_t fs, int64_t end,
                            bool plain);

/* Hands field p[fs..end) of a checked record to tok_field as libcsv would: an empty
 * unquoted field is NULL, a quoted one loses its quotes and its "" are undoubled. Local. */
static inline void fast_field(sl_csv_walk *w, const char *p, int64_t fs, int64_t end,
                              bool plain)
{
    int col = w->fields;
    if (w->need && col < w->ncols && !w->need[col]) {
        w->fields++; /* a column nobody reads: counted, not converted */
        return;
    }
    if (w->rec_skip || w->rec_bad || w->failed || col >= w->ncols) {
        fast_field_slow(w, p, fs, end, plain);
        return;
    }
    if (end == fs || plain || p[fs] != w->src->quote) { /* tok_field's work, inline */
        w->fields++;
        w->on_field(w, col, p + fs, end - fs, end == fs);
        return;
    }
    fast_field_slow(w, p, fs, end, plain);
}

/* fast_field's general case: through tok_field, quotes removed. Local. */
static void fast_field_slow(sl_csv_walk *w, const char *p, int64_t fs, int64_t end, bool plain)
{
    if (end == fs) {
        tok_field(NULL, 0, w);
        return;
    }
    const char quote = w->src->quote;
    if (plain || p[fs] != quote) {
        tok_field((void *)(p + fs), (size_t)(end - fs), w);
        return;
    }
    const char *s = p + fs + 1;
    int64_t n = end - fs - 2;
    if (n > 0 && memchr(s, quote, (size_t)n)) {
        sl_buf_reset(&w->unq);
        sl_buf_append(&w->unq, s, n);
        char *d = w->unq.data;
        int64_t k = 0;
        for (int64_t i = 0; i < n; i++) {
            d[k++] = s[i];
            i += s[i] == quote; /* checked: every quote inside is doubled */
        }
        s = d;
        n = k;
    }
    tok_field((void *)s, (size_t)n, w);
}

/* The field bounds of a plain record into w->fld; false (a record for the field-by-field
 * path) when it does not have exactly ncols fields. Local. */
static inline bool fast_gather(sl_csv_walk *w, int64_t at, int64_t e, int64_t fe)
{
    int64_t *fld = w->fld, fs = at, b = at >> 6;
    int nf = 0, nc = w->ncols;
    uint64_t m = w->ix.st[b] & (~(uint64_t)0 << (at & 63));
    for (;;) {
        while (!m)
            m = w->ix.st[++b];
        int64_t x = (b << 6) + __builtin_ctzll(m);
        m &= m - 1;
        if (nf == nc)
            return false;
        fld[2 * nf] = fs;
        fld[2 * nf + 1] = x == e ? fe : x;
        nf++;
        if (x == e)
            return nf == nc;
        fs = x + 1;
    }
}

/* One whole record p[at..e] (p[e] its '\n') if the fast path takes it: returns false, having
 * done nothing, when it must go to libcsv. Local. */
static bool fast_record(sl_csv_walk *w, const char *p, int64_t at, int64_t e)
{
    const sl_csv_index *ix = &w->ix;
    int64_t fe = e > at && p[e - 1] == '\r' ? e - 1 : e;
    bool plain = !bits_in(ix->odd, at, fe, false);
    if (!plain && !fast_fields_ok(w, p, at, e, fe))
        return false;
    w->rec_open = true;
    w->rec_off = w->pos;
    w->rec_line = w->line;
    w->rec_skip = w->skip_header && w->pos == w->src->files[w->groups[w->g].file].first_rec;
    if (fe > at && plain && w->on_record && !w->rec_skip && fast_gather(w, at, e, fe)) {
        w->fields = w->ncols;
        w->on_record(w, p, w->fld);
        tok_row('\n', w);
        if (w->failed)
            return true;
    } else if (fe > at) { /* not a blank line */
        int64_t fs = at, b = at >> 6;
        uint64_t m = ix->st[b] & (~(uint64_t)0 << (at & 63));
        for (;;) {
            while (!m)
                m = ix->st[++b];
            int64_t x = (b << 6) + __builtin_ctzll(m);
            m &= m - 1;
            fast_field(w, p, fs, x == e ? fe : x, plain);
            if (x == e)
                break;
            fs = x + 1;
        }
        tok_row('\n', w);
        if (w->failed)
            return true; /* as the libcsv path: the failed record is not consumed */
    }
    int64_t len = e + 1 - at;
    w->pos += len;
    w->line += plain ? 1 : bits_in(ix->nl, at, e + 1, true);
    w->bytes += len;
    if (w->ctr)
        w->ctr->bytes_read += len;
    end_record(w);
    return true;
}

/* fast_block's gather: a record's fields end at the next ncols positions of the window's
 * flattened st bits, and it has exactly ncols fields iff the last of them is an end bit and
 * no other end bit lies in it (checked once for the block with a popcount). So a record costs
 * two compares whatever its width, and nothing is stored but its start: the converters read
 * the fields' bounds from the positions themselves (csv_numbers.c, convert_col). Gathers from
 * base[a0] at most lim records within max_bytes, stopping before the header at hdr; sets *pos
 * to the first record's first field end, advances *pa past the records and returns how
 * many. Local. */
static inline int64_t gather(sl_csv_walk *w, const char *base, int64_t a0, int64_t *pa,
                             const uint32_t **pos, int64_t lim, int64_t max_bytes, int64_t hdr)
{
    int64_t a = a0, n = 0;
    const uint32_t *st = w->fl_st;
    const uint64_t *endm = w->ix.end;
    int64_t k0 = w->k_st, n_st = w->n_st;
    while (k0 < n_st && st[k0] < a)
        k0++;
    /* the position before the first record is its start - 1 (the '\n' before it, or
     * UINT32_MAX at the window's start): the converters' start of column 0 */
    if (st[k0 - 1] != (uint32_t)(a0 - 1))
        return 0;
    const int nc = w->ncols;
    int64_t k = k0;
    while (n < lim && k + nc <= n_st && a - a0 < max_bytes && a != hdr) {
        int64_t e = st[k + nc - 1];
        if (!(endm[e >> 6] >> (e & 63) & 1) || e == a)
            break; /* more than ncols fields (or fewer: see below), or a blank line */
        if (w->ix_odd) {
            int64_t fe = e - (base[e - 1] == '\r');
            if (fe == a || bits_in(w->ix.odd, a, fe, false))
                break;
        }
        w->blk_at[n++] = a;
        a = e + 1;
        k += nc;
    }
    /* Each record ends at an end bit; it had exactly ncols fields iff no other end bit lies
     * in it, so the block as a whole holds exactly n. Otherwise keep the records before the
     * first one with another end bit inside (fewer fields: fast_record reports it). */
    if (n > 0 && w->count_bits(endm, a0, a) != n) {
        int64_t nb = (w->ix_len + 63) >> 6, r = 0;
        for (; r < n; r++)
            if (next_bit(endm, nb, w->blk_at[r]) != (r + 1 < n ? w->blk_at[r + 1] : a) - 1)
                break;
        if (r < n)
            a = w->blk_at[r];
        n = r;
        k = k0 + r * nc;
    }
    w->k_st = k;
    *pos = st + k0;
    *pa = a;
    return n;
}

/*
 * The block path of the fast scanner (strict scans with on_block): gathers the consecutive
 * records from base[*at] that are plain (no quote, no '\r' but a final one), not blank, not
 * a header and of exactly ncols fields, at most SL_CSV_BLK and within the run's limits, and
 * hands them to on_block at once, which converts column by column (no callback, type switch
 * or push per field). Advances *at and the walk's position over the records on_block took
 * and returns how many (0: the next record is for fast_record). Local.
 */
static int64_t fast_block(sl_csv_walk *w, const char *base, int64_t *at, int64_t max_rows,
                          int64_t max_bytes)
{
    int64_t a0 = *at, a = a0, n = 0, lim = max_rows - w->rows_run, bytes = w->bytes;
    const sl_csv_file *f = &w->src->files[w->groups[w->g].file];
    int64_t hdr = w->skip_header ? f->first_rec - (w->pos - a0) : -1; /* its base offset */
    if (lim > SL_CSV_BLK)
        lim = SL_CSV_BLK;
    if (!w->blk_at)
        w->blk_at = sl_xmalloc(SL_CSV_BLK * sizeof *w->blk_at);
    const uint32_t *pos;
    n = gather(w, base, a0, &a, &pos, lim, max_bytes - bytes, hdr);
    if (n == 0)
        return 0;
    int64_t taken = w->on_block(w, base, pos, n);
    int64_t used = (taken < n ? w->blk_at[taken] : a) - a0;
    w->pos += used;
    w->line += taken; /* a plain record holds one '\n', its end */
    w->bytes += used;
    if (w->ctr)
        w->ctr->bytes_read += used;
    w->rows += taken;
    w->rows_run += taken;
    *at = a0 + used;
    return taken;
}

/* The block path's view of a freshly indexed window (the first time: its kernels): its st
 * bits as positions and whether it holds a quote or '\r' at all. Flattening costs about what
 * a walk over each field's bit does, but the converters then read the bounds straight from
 * the positions: no walk stores them per field (that walk was a third of a scan's time with
 * every column read). Local. */
static void block_window(sl_csv_walk *w)
{
    int64_t nb = (w->ix_len + 63) >> 6;
    if (!w->fl_st) {
        w->flatten = sl_csv_flatten_pick();
        w->count_bits = sl_csv_bits_pick();
        w->fl_st = (uint32_t *)sl_xmalloc((FAST_WIN + 65) * sizeof *w->fl_st) + 1;
        w->fl_st[-1] = UINT32_MAX; /* before the window's first byte */
    }
    w->n_st = w->flatten(w->ix.st, nb, w->fl_st);
    w->k_st = 0;
    uint64_t odd = 0;
    for (int64_t b = 0; b < nb; b++)
        odd |= w->ix.odd[b];
    w->ix_odd = odd != 0;
}

/*
 * The fast scanner: p[0..avail) are the owned bytes from w->pos (a record start) in the
 * reader's buffer. Indexes them (at most FAST_WIN bytes; a window is reused while the walk
 * stays in it, so a record left to libcsv costs no second index) and delivers the whole
 * records it takes, stopping at the first one it leaves to libcsv (unusual quoting, a bare
 * CR, a record not ending in the window) or at the run's limits. Returns the bytes consumed
 * (0: the caller feeds the next record to libcsv). Local.
 */
static int64_t fast_records(sl_csv_walk *w, const char *p, int64_t avail, int64_t max_rows,
                            int64_t max_bytes)
{
    int file = w->groups[w->g].file;
    bool reuse = w->ix_p && w->ix_file == file && w->pos >= w->ix_pos &&
                 w->pos < w->ix_pos + w->ix_len && w->ix_p + (w->pos - w->ix_pos) == p;
    if (reuse && w->ix_pos + w->ix_len < w->pos + avail &&
        next_bit(w->ix.end, (w->ix_len + 63) >> 6, w->pos - w->ix_pos) < 0)
        reuse = false; /* the next record ends past the window: index from here */
    if (!reuse) {
        int64_t n = avail < FAST_WIN ? avail : FAST_WIN;
        w->index(p, n, w->src->delim, w->src->quote, &w->ix);
        w->ix_p = p;
        w->ix_pos = w->pos;
        w->ix_len = n;
        w->ix_file = file;
        if (w->on_block)
            block_window(w);
    }
    const char *base = w->ix_p;
    int64_t nb = (w->ix_len + 63) >> 6, at = w->pos - w->ix_pos, start = at;
    while (!w->done && !w->failed && w->rows_run < max_rows && w->bytes < max_bytes) {
        if (w->on_block && fast_block(w, base, &at, max_rows, max_bytes) > 0)
            continue;
        int64_t e = next_bit(w->ix.end, nb, at);
        if (e < 0 || !fast_record(w, base, at, e))
            break;
        at = e + 1;
    }
    return at - start;
}

int sl_csv_walk_run(sl_csv_walk *w, int64_t max_rows, int64_t max_bytes, sl_err *err)
{
    const char quote = w->src->quote;
    w->err = err;
    w->rows_run = 0;
    if (w->failed)
        return err->code ? err->code : SL_EDATA;
    while (!w->done && w->rows_run < max_rows && w->bytes < max_bytes) {
        if (!w->in_span) {
            if (w->g >= w->n_groups) {
                w->done = true;
                break;
            }
            int rc = open_group(w, err);
            if (rc) {
                w->failed = true;
                return rc;
            }
            sl_csv_group *g = &w->groups[w->g];
            if (g->b < g->a && w->src->spec) {
                /* Guessed ends out of order: the next run starts before this one, at a
                 * boundary no walk checks (this one reads nothing). */
                w->spec_bad = true;
                w->done = true;
                break;
            }
            if (g->a >= g->b) {
                w->g++;
                continue;
            }
            w->in_span = true;
        }
        sl_csv_group *g = &w->groups[w->g];
        if (w->pos >= g->b) {
            if (w->rec_open && w->src->spec && g->b < w->src->files[g->file].size) {
                /* A guessed end inside a record: the next run's start was guessed wrong. What
                 * is read stays unchecked: the statement runs again. */
                w->spec_bad = true;
                w->done = true;
                break;
            }
            /* Only a file's last record can end without '\n' (b is then the file size). */
            if (w->rec_open) {
                if (w->inq && sl_csv_walk_bad(w, -1, "unterminated quoted field (a quote opens"
                                                     " a field that never closes before the"
                                                     " end of the file)"))
                    return err->code;
                if (!w->rec_bad && sl_csv_tok_fini(&w->tok, tok_field, tok_row, w) &&
                    malformed(w))
                    return err->code;
                if (w->failed)
                    return err->code;
                end_record(w);
            }
            w->in_span = false;
            w->g++;
            continue;
        }
        const char *p;
        int64_t avail;
        int rc = sl_csv_rd_at(&w->rd, w->pos, &p, &avail, err);
        if (rc) {
            w->failed = true;
            return rc;
        }
        if (avail > g->b - w->pos)
            avail = g->b - w->pos;
        if (w->index && quote && !w->rec_open && !w->rec_bad) {
            int64_t used = fast_records(w, p, avail, max_rows, max_bytes);
            if (w->failed)
                return err->code ? err->code : SL_EDATA;
            if (used > 0)
                continue;
        }
        if (!w->rec_open) {
            w->rec_open = true;
            w->rec_off = w->pos;
            w->rec_line = w->line;
            w->rec_skip = w->skip_header && w->pos == w->src->files[g->file].first_rec;
        }
        /* Feed up to and including the record's '\n' (outside quotes). */
        int64_t k = 0, nl = 0, n_cr = 0;
        bool ended = false, any_quote = false;
        const bool fresh = w->pos == w->rec_off; /* the record starts in this chunk */
        int q = w->inq;
        for (; k < avail; k++) {
            char c = p[k];
            if (quote && c == quote) {
                q ^= 1;
                any_quote = true;
            } else if (c == '\r') {
                n_cr++;
            } else if (c == '\n') {
                nl++;
                if (!q) {
                    k++;
                    ended = true;
                    break;
                }
            }
        }
        w->inq = q;
        /* A bad record's remaining bytes are skipped, not parsed. */
        bool simple = fresh && ended && !any_quote &&
                      (n_cr == 0 || (n_cr == 1 && k >= 2 && p[k - 2] == '\r'));
        if (simple && !w->rec_bad && (w->index || !quote))
            split_plain(w, p, k);
        else if (!w->rec_bad &&
                 sl_csv_tok_feed(&w->tok, p, (size_t)k, tok_field, tok_row, w) && malformed(w))
            return err->code;
        if (w->failed)
            return err->code;
        w->pos += k;
        w->line += nl;
        w->bytes += k;
        if (w->ctr)
            w->ctr->bytes_read += k;
        if (ended)
            end_record(w);
    }
    return 0;
}

/* ---- scan ---- */

/* One conversion of a record: file column col into output k of type type. */
typedef struct scan_step {
    int col, k;
    sl_type type;
} scan_step;

struct sl_csv_scan {
    sl_csv_walk w;
    int n_proj;
    sl_type *types;       /* of the projected columns */
    int *first_out;       /* per file column: first output index, or -1 */
    int *next_out;        /* per output: next output of the same file column, or -1 */
    sl_batch *b;          /* batch being filled */
    sl_err saved;         /* a failed scan keeps failing with the same error */
    /* on_error skip/reject */
    int64_t n_rejected;
    char first_bad[512];  /* "path:line (byte N): reason" of the first bad record */
    sl_csv_rejw *rej;     /* this rank's rejects part (on_error='reject') */
    sl_buf raw;           /* scratch: a bad record's bytes */
    bool *need;           /* per file column: read by the query (strict scans; see walk.need) */
    scan_step *plan;      /* strict scans: every conversion of a record, in scan_field's order */
    int n_plan;
    int64_t *fld;         /* the fast scanner's field bounds (walk.fld) */
    int64_t last_rows;    /* the previous batch's rows and string bytes per output */
    int64_t *last_heap;
    sl_csv_ints_fn ints;  /* csv_numbers.c's kernels for BIGINT and DOUBLE blocks, or NULL */
    sl_csv_decs_fn decs;
};

void sl_csv_trim(const char **p, int64_t *len)
{
    const char *s = *p;
    int64_t n = *len;
    while (n && (s[0] == ' ' || s[0] == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *p = s;
    *len = n;
}

/* Field text the strict parsers refused, read as DuckDB's CAST reads it (sl_text_cast:
 * '0x1F', '1_000', '2024-1-5', 'yes', ...), in t's range for the narrower integers. DuckDB's
 * reader converts a declared (or sniffed) column so. Local. */
static bool convert_loose(const char *p, int64_t len, sl_type t, int64_t *i, double *d)
{
    sl_i128 h;
    if (t == SL_T_HUGEINT) /* only checked: convert_one stores the 16 bytes itself */
        return sl_text_cast_hugeint(p, len, &h);
    if (sl_dec_is_wide(t)) /* likewise */
        return sl_dec128_text_cast(p, len, sl_dec_width(t), sl_dec_scale(t), &h);
    char enc[SL_I128_BYTES];
    if (t == SL_T_UBIGINT || t == SL_T_UHUGEINT) /* only checked, as HUGEINT */
        return sl_text_cast_ubig(p, len, t, enc);
    if (!sl_text_cast(p, len, sl_type_is_int(t) ? SL_T_BIGINT : t, i, d))
        return false;
    int64_t lo, hi;
    sl_int_range(t, &lo, &hi);
    return !sl_type_is_int(t) || (*i >= lo && *i <= hi);
}

/* Lenient scans check the columns the query does not read as well: whether a row is bad
 * must not depend on the query (count(*) and sum(x) over one read_csv see the same rows). */
static void check_unread(sl_csv_walk *w, int col, const char *p, int64_t len)
{
    sl_type t = w->src->types[col];
    const char *s = p;
    int64_t n = len, i;
    double d;
    sl_csv_trim(&s, &n);
    sl_interval iv;
    if (t == SL_T_VARCHAR || n == 0 ||
        (sl_csv_has_dtfmt(w->src, col) ? sl_csv_conv_dt(w->src, col, t, s, n, &i)
                                        : convert_loose(s, n, t, &i, &d)) ||
        (t == SL_T_INTERVAL && sl_parse_interval(s, n, &iv)))
        return;
    int show = len > 60 ? 60 : (int)len;
    sl_csv_walk_bad(w, col, "expected %s, got \"%.*s%s\"", sl_type_name(t), show, p,
                    len > show ? "..." : "");
}

/* sl_parse_bigint's answer without its per-digit overflow test where none can happen (at
 * most 18 digits). Local. */
static inline bool parse_int(const char *s, int64_t n, int64_t *out)
{
    int64_t i = s[0] == '-' || s[0] == '+';
    if (n - i > 18 || n == i)
        return sl_parse_bigint(s, n, out);
    uint64_t acc = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9)
            return false;
        acc = acc * 10 + d;
    }
    *out = s[0] == '-' ? (int64_t)(0 - acc) : (int64_t)acc;
    return true;
}

/* Appends field p[0..len) converted to t to v. Returns false, having appended nothing, when
 * the text is not a t. Local. */
static inline bool convert_val(const sl_csv_source *src, int col, sl_vec *v, sl_type t,
                               const char *p, int64_t len, bool is_null)
{
    if (is_null) {
        sl_vec_push_null(v);
        return true;
    }
    if (t == SL_T_VARCHAR) {
        sl_vec_push_str(v, p, len);
        return true;
    }
    const char *s = p;
    int64_t n = len, i = 0;
    double d = 0;
    if (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        sl_csv_trim(&s, &n);
    if (n == 0) { /* "" and blanks are NULL for every non-text type */
        sl_vec_push_null(v);
        return true;
    }
    bool ok = false, fixed = false; /* fixed: no CAST forms (a format decides) */
    sl_interval iv;
    if (t == SL_T_INTERVAL && (ok = sl_parse_interval(s, n, &iv))) { /* 16 heap bytes */
        char b[SL_IV_BYTES];
        sl_interval_put(b, iv);
        sl_vec_push_str(v, b, SL_IV_BYTES);
        return true;
    }
    if (sl_dec_is_wide(t)) { /* 16 bytes in a byte column (batch/dec128.h) */
        sl_i128 h;
        char enc[SL_I128_BYTES];
        if (sl_dec128_text_cast(s, n, sl_dec_width(t), sl_dec_scale(t), &h)) {
            sl_i128_store(enc, h);
            sl_vec_push_str(v, enc, SL_I128_BYTES);
            return true;
        }
    } else if (sl_type_is_decimal(t)) {
        ok = sl_parse_decimal(s, n, sl_dec_width(t), sl_dec_scale(t), &i);
    }
    switch (sl_type_is_decimal(t) ? SL_T_COUNT : t) {
    case SL_T_BOOL: ok = sl_parse_bool(s, n, &i); break;
    case SL_T_BIGINT: ok = parse_int(s, n, &i); break;
    case SL_T_TINYINT:
    case SL_T_SMALLINT:
    case SL_T_INTEGER:
    case SL_T_UTINYINT:
    case SL_T_USMALLINT:
    case SL_T_UINTEGER: {
        int64_t lo, hi;
        sl_int_range(t, &lo, &hi);
        ok = parse_int(s, n, &i) && i >= lo && i <= hi;
        break;
    }
    case SL_T_DOUBLE: ok = sl_parse_double(s, n, &d); break;
    case SL_T_DATE:
    case SL_T_TIMESTAMP:
        if ((fixed = sl_csv_has_dtfmt(src, col)))
            ok = sl_csv_conv_dt(src, col, t, s, n, &i);
        else
            ok = t == SL_T_DATE ? sl_parse_date(s, n, &i) : sl_parse_timestamp(s, n, &i);
        break;
    case SL_T_HUGEINT: { /* 16 bytes in a byte column (batch/int128.h) */
        sl_i128 h;
        char enc[SL_I128_BYTES];
        if (!sl_text_cast_hugeint(s, n, &h)) /* '1_000', '2.5' as CAST reads them */
            break;
        sl_i128_store(enc, h);
        sl_vec_push_str(v, enc, SL_I128_BYTES);
        return true;
    }
    case SL_T_UBIGINT:
    case SL_T_UHUGEINT: { /* 16 bytes in a byte column (batch/int128.h) */
        char enc[SL_I128_BYTES];
        if (!sl_text_cast_ubig(s, n, t, enc))
            break;
        sl_vec_push_str(v, enc, SL_I128_BYTES);
        return true;
    }
    default: break;
    }
    if (!ok && !fixed)
        ok = convert_loose(s, n, t, &i, &d);
    if (!ok)
        return false;
    if (t == SL_T_DOUBLE)
        sl_vec_push_f64(v, d);
    else
        sl_vec_push_i64(v, i);
    return true;
}

/* convert_val of field p[0..len) of file column col; when the text is not a t the record is
 * bad (sl_csv_walk_bad was called) and the result false. Local. */
static inline bool convert_one(sl_csv_walk *w, sl_vec *v, sl_type t, int col, const char *p,
                               int64_t len, bool is_null)
{
    if (convert_val(w->src, col, v, t, p, len, is_null))
        return true;
    int show = len > 60 ? 60 : (int)len;
    sl_csv_walk_bad(w, col, "expected %s, got \"%.*s%s\"", sl_type_name(t), show, p,
                    len > show ? "..." : "");
    return false;
}

/* sl_digits8 of 1-4 digits in 32-bit words: one multiply step less and constants that fit
 * an instruction (most BIGINT columns of a table are short: ids, counts, codes). s[0..4) must
 * be readable. Local. */
static inline bool parse_digits4(const char *s, int64_t n, int64_t *out)
{
    uint32_t v;
    memcpy(&v, s, 4);
    unsigned sh = 8 * (unsigned)(4 - n);
    v = (v << sh) | (UINT32_C(0x30303030) & ((UINT32_C(1) << sh) - 1));
    if (((v & UINT32_C(0xF0F0F0F0)) | (((v + UINT32_C(0x06060606)) & UINT32_C(0xF0F0F0F0)) >> 4)) !=
        UINT32_C(0x33333333))
        return false;
    v = (v & UINT32_C(0x0F0F0F0F)) * 2561 >> 8;
    *out = (int64_t)((v & UINT32_C(0x00FF00FF)) * 6553601 >> 16);
    return true;
}

/* Whether field s[0..n) (n > 0) starts or ends with a blank (convert_val trims those). */
static inline bool blank_edge(const char *s, int64_t n)
{
    return s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t';
}

/* Bytes past a field's start that parse_decimal16 may read. */
#define DEC16_READ 32

/*
 * sl_parse_double's answer for the common shape [-]D.F (D and F 1-8 digits: "91.730208"), as
 * two SWAR digit words and one division, without a branch per byte (the byte loop of
 * sl_parse_double was 11 % of an all-columns scan); false (nothing decided) for any other
 * text. Exact: the digits make m = DF < 2^53 (checked) and 10^|F| <= 10^8, both exact
 * doubles, so m / 10^|F| is the correctly rounded value, the same bits sl_parse_double's
 * Clinger path (the same division) or strtod give. s[0..DEC16_READ) must be readable. Local.
 */
static inline bool parse_decimal16(const char *s, int64_t n, double *out)
{
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    bool neg = s[0] == '-';
    s += neg;
    n -= neg;
    if (n < 3 || n > 17)
        return false;
    unsigned dots;
#ifdef __SSE2__
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
    dots = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('.')));
#else
    dots = 0;
    for (int i = 0; i < 16; i++)
        dots |= (unsigned)(s[i] == '.') << i;
#endif
    if (n < 16)
        dots &= (1u << n) - 1; /* bytes past the field may hold anything */
    if (!dots)
        return false;
    int64_t dp = __builtin_ctz(dots), nf = n - dp - 1;
    int64_t ip, fp;
    if (dp < 1 || dp > 8 || nf < 1 || nf > 8 || !sl_digits8(s, dp, &ip) ||
        !sl_digits8(s + dp + 1, nf, &fp))
        return false;
    static const int64_t i10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                  100000000};
    uint64_t m = (uint64_t)ip * (uint64_t)i10[nf] + (uint64_t)fp;
    if (m > (UINT64_C(1) << 53))
        return false;
    double d = (double)m / p10[nf];
    *out = neg ? -d : d;
    return true;
}

/*
 * Validity bits of a column loop kept in a register: one store per 64 values. A read-modify-
 * write of the bitmap word per value (sl_vec_set_valid) makes every value wait for the last
 * one's store (store-to-load forwarding, a few cycles each: one serial chain through the whole
 * column). Bits below the first value are kept; bits past the last are left 0. Before any
 * other code touches the bitmap (convert_val's general path), vbits_flush; after it,
 * vbits_start again. Local.
 */
typedef struct {
    uint64_t *w;   /* the bitmap */
    uint64_t cur;  /* the bits of word i >> 6 so far */
    int64_t i;     /* next value's index */
} vbits;

static inline void vbits_start(vbits *b, uint64_t *w, int64_t i)
{
    b->w = w;
    b->i = i;
    /* At a word boundary nothing below is kept, and the word may lie past the bitmap's end
     * (a restart after the column's last value): not read. */
    b->cur = i & 63 ? w[i >> 6] & ((UINT64_C(1) << (i & 63)) - 1) : 0;
}

static inline void vbits_put(vbits *b, bool ok)
{
    b->cur |= (uint64_t)ok << (b->i & 63);
    if ((++b->i & 63) == 0) {
        b->w[(b->i >> 6) - 1] = b->cur;
        b->cur = 0;
    }
}

static inline void vbits_flush(const vbits *b)
{
    if (b->i & 63)
        b->w[b->i >> 6] = b->cur;
}

/* k valid values at once (a number kernel's run): a word's worth at a time. */
static inline void vbits_ones(vbits *b, int64_t k)
{
    while (k > 0) {
        int64_t at = b->i & 63, t = k < 64 - at ? k : 64 - at;
        b->cur |= (t == 64 ? ~UINT64_C(0) : (UINT64_C(1) << t) - 1) << at;
        b->i += t;
        k -= t;
        if ((b->i & 63) == 0) {
            b->w[(b->i >> 6) - 1] = b->cur;
            b->cur = 0;
        }
    }
}

/* convert_col's loop for BIGINT: the kernel's runs (csv_numbers.c), then fields of 1-8 digits
 * as one word (sl_digits8), others through parse_int, the rest (blanks, '0x1F', '1_000')
 * through convert_val. The array and bitmap pointers are held in locals: stores through v's
 * would make the compiler reload them per value. Arguments and result as convert_col's.
 * Local. */
static int64_t convert_bigint(const sl_csv_source *src, sl_csv_ints_fn ints, int col,
                              sl_vec *v, const char *p, int64_t p_len, const sl_csv_bcol *c,
                              int64_t n)
{
    int64_t n0 = v->n;
    int64_t *out = v->d.i64 + n0;
    const uint32_t *end = c->end;
    const int64_t stride = c->stride;
    const bool cr = c->cr;
    vbits vb;
    vbits_start(&vb, v->valid, n0);
    for (int64_t r = 0; r < n; r++) {
        if (ints) { /* the kernel's run, then the field it stopped at below */
            sl_csv_bcol rest = {end + r * stride, stride, cr};
            int64_t k = ints(p, p_len, &rest, n - r, out + r);
            vbits_ones(&vb, k);
            if ((r += k) == n)
                break;
        }
        int64_t a, e, x;
        sl_csv_bfield(p, end, stride, cr, r, &a, &e);
        int64_t len = e - a;
        const char *s = p + a;
        if (len == 0) {
            out[r] = 0;
            vbits_put(&vb, false);
            continue;
        }
        if ((a + 8 <= p_len &&
             (len <= 4 ? parse_digits4(s, len, &x) : sl_digits8(s, len, &x))) ||
            (!blank_edge(s, len) && parse_int(s, len, &x))) {
            out[r] = x;
            vbits_put(&vb, true);
            continue;
        }
        vbits_flush(&vb);
        v->n = n0 + r; /* the general path: blanks, '0x1F', '1_000', ... */
        if (!convert_val(src, col, v, SL_T_BIGINT, s, len, false))
            return r;
        vbits_start(&vb, v->valid, n0 + r + 1);
    }
    vbits_flush(&vb);
    v->n = n0 + n;
    return n;
}

/* convert_col's loop for DOUBLE: the kernel's runs, then [-]D.F through parse_decimal16,
 * others through sl_parse_double, the rest through convert_val. As convert_bigint. Local. */
static int64_t convert_double(const sl_csv_source *src, sl_csv_decs_fn decs, int col,
                              sl_vec *v, const char *p, int64_t p_len, const sl_csv_bcol *c,
                              int64_t n)
{
    int64_t n0 = v->n;
    double *out = v->d.f64 + n0;
    const uint32_t *end = c->end;
    const int64_t stride = c->stride;
    const bool cr = c->cr;
    vbits vb;
    vbits_start(&vb, v->valid, n0);
    for (int64_t r = 0; r < n; r++) {
        if (decs) { /* as convert_bigint's kernel */
            sl_csv_bcol rest = {end + r * stride, stride, cr};
            int64_t k = decs(p, p_len, &rest, n - r, out + r);
            vbits_ones(&vb, k);
            if ((r += k) == n)
                break;
        }
        int64_t a, e;
        sl_csv_bfield(p, end, stride, cr, r, &a, &e);
        int64_t len = e - a;
        const char *s = p + a;
        double d;
        if (len == 0) {
            out[r] = 0;
            vbits_put(&vb, false);
            continue;
        }
        if ((a + DEC16_READ <= p_len && parse_decimal16(s, len, &d)) ||
            (!blank_edge(s, len) && sl_parse_double(s, len, &d))) {
            out[r] = d;
            vbits_put(&vb, true);
            continue;
        }
        vbits_flush(&vb);
        v->n = n0 + r; /* the general path, as convert_bigint's */
        if (!convert_val(src, col, v, SL_T_DOUBLE, s, len, false))
            return r;
        vbits_start(&vb, v->valid, n0 + r + 1);
    }
    vbits_flush(&vb);
    v->n = n0 + n;
    return n;
}

/*
 * One read column of a block at once (scan_block): its fields are c's (sl_csv_bcol), empty =
 * NULL; p[0..p_len) may be read. BIGINT, DOUBLE and VARCHAR run a loop of their own writing
 * straight into v's arrays (the text convert_val takes the short way for goes through it);
 * other types call convert_val per field. Appends the leading n' <= n values that convert and
 * returns n'. Local.
 */
static int64_t convert_col(const sl_csv_scan *sc, int col, sl_vec *v, sl_type t,
                           const char *p, int64_t p_len, const sl_csv_bcol *c, int64_t n)
{
    const sl_csv_source *src = sc->w.src;
    int64_t n0 = v->n;
    if (n <= 0)
        return 0;
    sl_vec_reserve(v, n0 + n);
    if (t == SL_T_BIGINT)
        return convert_bigint(src, sc->ints, col, v, p, p_len, c, n);
    if (t == SL_T_DOUBLE)
        return convert_double(src, sc->decs, col, v, p, p_len, c, n);
    const uint32_t *end = c->end;
    const int64_t stride = c->stride;
    const bool cr = c->cr;
    if (t == SL_T_VARCHAR) {
        /* the column's bytes at most: from its first field's start to its last one's end */
        int64_t a, e, first;
        sl_csv_bfield(p, end, stride, cr, 0, &first, &e);
        sl_csv_bfield(p, end, stride, cr, n - 1, &a, &e);
        sl_grow((void **)&v->heap, &v->heap_cap, v->heap_len + (e - first) + 16, 1);
        char *h = v->heap;
        int64_t *off = v->d.off, at = v->heap_len;
        vbits vb;
        vbits_start(&vb, v->valid, n0);
        for (int64_t r = 0; r < n; r++) {
            sl_csv_bfield(p, end, stride, cr, r, &a, &e);
            int64_t len = e - a;
            /* Short fields (most keys) as one 16-byte move: a libc call per field was 10 %
             * of a scan. The bytes past the field are overwritten by the next one. */
            if (len <= 16 && a + 16 <= p_len)
                memcpy(h + at, p + a, 16);
            else
                memcpy(h + at, p + a, (size_t)len);
            at += len;
            off[n0 + r + 1] = at;
            vbits_put(&vb, len > 0);
        }
        vbits_flush(&vb);
        v->heap_len = at;
        v->n = n0 + n;
        return n;
    }
    for (int64_t r = 0; r < n; r++) {
        int64_t a, e;
        sl_csv_bfield(p, end, stride, cr, r, &a, &e);
        if (!convert_val(src, col, v, t, p + a, e - a, e == a))
            return r;
    }
    return n;
}

static void scan_field(sl_csv_walk *w, int col, const char *p, int64_t len, bool is_null)
{
    sl_csv_scan *sc = w->ctx;
    if (sc->first_out[col] < 0 && w->lenient && !is_null) {
        check_unread(w, col, p, len);
        return;
    }
    for (int k = sc->first_out[col]; k >= 0; k = sc->next_out[k])
        if (!convert_one(w, sc->b->cols[k], sc->types[k], col, p, len, is_null))
            return;
}

/* The fast scanner's whole plain record (strict scans): field c is p[fld[2c]..fld[2c+1]).
 * The same conversions in the same order as scan_field's field by field. Local. */
static void scan_record(sl_csv_walk *w, const char *p, const int64_t *fld)
{
    sl_csv_scan *sc = w->ctx;
    for (int j = 0; j < sc->n_plan; j++) {
        const scan_step *st = &sc->plan[j];
        int64_t a = fld[2 * st->col], len = fld[2 * st->col + 1] - a;
        if (!convert_one(w, sc->b->cols[st->k], st->type, st->col, p + a, len, len == 0))
            return;
    }
}

/* Cuts v back to n values (drops what a bad record appended). */
static void vec_truncate(sl_vec *v, int64_t n);

/* The fast scanner's block of n plain records (strict scans): each read column converted at
 * once by convert_col, in scan_record's order. Rows up to the first record with a value that
 * does not convert are kept; that record is left to scan_record, which reports it. Local. */
static int64_t scan_block(sl_csv_walk *w, const char *p, const uint32_t *pos, int64_t n)
{
    sl_csv_scan *sc = w->ctx;
    int64_t n0 = sc->b->n_rows, lim = n;
    for (int j = 0; j < sc->n_plan && lim > 0; j++) {
        const scan_step *st = &sc->plan[j];
        sl_csv_bcol c = {pos + st->col, w->ncols, w->ix_odd && st->col == w->ncols - 1};
        lim = convert_col(sc, st->col, sc->b->cols[st->k], st->type, p, w->ix_len, &c, lim);
    }
    if (lim < n)
        for (int k = 0; k < sc->n_proj; k++)
            vec_truncate(sc->b->cols[k], n0 + lim);
    sc->b->n_rows += lim;
    w->ctr->rows_read += lim;
    return lim;
}

static void scan_row(sl_csv_walk *w)
{
    sl_csv_scan *sc = w->ctx;
    sc->b->n_rows++;
    w->ctr->rows_read++;
}

/* Cuts v back to n values (drops what a bad record appended). */
static void vec_truncate(sl_vec *v, int64_t n)
{
    if (v->n <= n)
        return;
    v->n = n;
    if (sl_type_is_var(v->type))
        v->heap_len = v->d.off[n];
}

/* Reads the bad record's bytes [rec_off, pos) (at most SL_REJECT_RAW_MAX) without its line
 * end into sc->raw. */
static int read_raw(sl_csv_scan *sc, sl_err *err)
{
    sl_csv_walk *w = &sc->w;
    sl_buf_reset(&sc->raw);
    int64_t end = w->pos;
    if (end - w->rec_off > SL_REJECT_RAW_MAX)
        end = w->rec_off + SL_REJECT_RAW_MAX;
    for (int64_t at = w->rec_off; at < end;) {
        const char *p;
        int64_t avail;
        int rc = sl_csv_rd_at(&w->rd, at, &p, &avail, err);
        if (rc)
            return rc;
        if (avail > end - at)
            avail = end - at;
        sl_buf_append(&sc->raw, p, avail);
        at += avail;
    }
    if (end == w->pos) {
        if (sc->raw.len && sc->raw.data[sc->raw.len - 1] == '\n')
            sc->raw.len--;
        if (sc->raw.len && sc->raw.data[sc->raw.len - 1] == '\r')
            sc->raw.len--;
    }
    return 0;
}

/* A bad record ended (lenient scans): undo its values, count it, write it to the rejects,
 * and stop early once this rank alone is over a row-count max_rejects. */
static void scan_reject(sl_csv_walk *w)
{
    sl_csv_scan *sc = w->ctx;
    for (int k = 0; k < sc->n_proj; k++)
        vec_truncate(sc->b->cols[k], sc->b->n_rows);
    sc->n_rejected++;
    w->ctr->rows_rejected++;
    w->ctr->rows_read++;
    const char *path = w->src->files[w->groups[w->g].file].path;
    const char *col = w->bad_col >= 0 ? w->src->names[w->bad_col] : "";
    if (sc->n_rejected == 1)
        snprintf(sc->first_bad, sizeof sc->first_bad, "%s:%lld (byte %lld): %s%s%s%s", path,
                 (long long)w->rec_line, (long long)w->rec_off, col[0] ? "column \"" : "", col,
                 col[0] ? "\": " : "", w->bad_why);
    if (sc->rej && (read_raw(sc, w->err) ||
                    sl_csv_rejw_add(sc->rej, path, w->rec_line, w->rec_off, col, w->bad_why,
                                    sc->raw.data ? sc->raw.data : "", sc->raw.len, w->err))) {
        w->failed = true;
        w->done = true;
        return;
    }
    /* The global count is at least this rank's: the limit is exceeded whatever the others
     * find, so stop reading now; sl_csv_scan_check_rejects reports it. */
    if (w->src->max_rejects >= 0 && sc->n_rejected > w->src->max_rejects)
        w->done = true;
}

int sl_csv_scan_open(sl_ctx *ctx, sl_csv_source *s, const int *proj, int n_proj,
                     sl_csv_scan **out, sl_err *err)
{
    int rank = ctx->rank;
    *out = NULL;
    if (rank < 0 || rank >= s->n_ranks)
        return SL_ERR(err, SL_EINTERNAL, "read_csv: rank %d outside the %d planned ranks", rank,
                      s->n_ranks);
    for (int k = 0; k < n_proj; k++)
        if (proj[k] < 0 || proj[k] >= s->ncols)
            return SL_ERR(err, SL_EINTERNAL, "read_csv: projected column %d of %d", proj[k],
                          s->ncols);
    sl_csv_scan *sc = sl_xcalloc(1, sizeof *sc);
    sl_csv_walk_init(&sc->w, s, rank);
    sc->w.ctr = &ctx->ctr;
    sc->w.on_field = scan_field;
    sc->w.on_row = scan_row;
    sc->w.on_reject = scan_reject;
    sc->w.ctx = sc;
    sl_buf_init(&sc->raw);
    sc->n_proj = n_proj;
    sc->types = sl_xcalloc((size_t)n_proj + 1, sizeof *sc->types);
    sc->last_heap = sl_xcalloc((size_t)n_proj + 1, sizeof *sc->last_heap);
    sc->first_out = sl_xmalloc((size_t)s->ncols * sizeof *sc->first_out + 1);
    sc->next_out = sl_xmalloc(((size_t)n_proj + 1) * sizeof *sc->next_out);
    for (int c = 0; c < s->ncols; c++)
        sc->first_out[c] = -1;
    /* Build the per-column lists back to front so outputs stay in ascending order. */
    for (int k = n_proj - 1; k >= 0; k--) {
        sc->types[k] = s->types[proj[k]];
        sc->next_out[k] = sc->first_out[proj[k]];
        sc->first_out[proj[k]] = k;
    }
    /* A strict scan ignores the columns it does not read (a lenient one checks them). */
    if (!sc->w.lenient) {
        sc->need = sl_xcalloc((size_t)s->ncols + 1, sizeof *sc->need);
        for (int c = 0; c < s->ncols; c++)
            sc->need[c] = sc->first_out[c] >= 0;
        sc->w.need = sc->need;
        sc->plan = sl_xcalloc((size_t)n_proj + 1, sizeof *sc->plan);
        for (int c = 0; c < s->ncols; c++)
            for (int k = sc->first_out[c]; k >= 0; k = sc->next_out[k])
                sc->plan[sc->n_plan++] = (scan_step){c, k, sc->types[k]};
        sc->fld = sl_xcalloc(2 * (size_t)s->ncols + 1, sizeof *sc->fld);
        sc->w.fld = sc->fld;
        sc->w.on_record = scan_record;
        /* Column at a time: a block of records' fields read from their positions. */
        sc->w.on_block = scan_block;
        const char *kernel = getenv("SLUICE_CSV_SCANNER");
        sc->ints = sl_csv_ints_pick(kernel);
        sc->decs = sl_csv_decs_pick(kernel);
    }
    sl_err_clear(&sc->saved);
    *out = sc;
    if (s->spec)
        s->spec_state->read = true;
    if (s->on_error == SL_ON_ERROR_REJECT && s->rejects) {
        s->rejects_used = true; /* before opening: a failed open still merges the others */
        return sl_csv_rejw_open(s->rejects, rank, &sc->rej, err);
    }
    return 0;
}

int sl_csv_scan_next(sl_csv_scan *sc, sl_batch **out, sl_err *err)
{
    *out = NULL;
    if (sc->saved.code) {
        if (!err->code)
            *err = sc->saved;
        return sc->saved.code;
    }
    /* Sized as the last batch (rows and string bytes): growing 1024 rows to a full batch by
     * doubling was 3 % of a scan in realloc copies. */
    sc->b = sl_batch_new(sc->n_proj, sc->types, sc->last_rows > 1024 ? sc->last_rows : 1024);
    for (int k = 0; k < sc->n_proj && sc->last_rows > 0; k++)
        if (sc->last_heap[k] > 0)
            sl_grow((void **)&sc->b->cols[k]->heap, &sc->b->cols[k]->heap_cap,
                    sc->last_heap[k], 1);
    int rc = sl_csv_walk_run(&sc->w, SL_BATCH_ROWS, INT64_MAX, err);
    if (!rc && sc->w.failed) /* a rejects write failed inside the walk */
        rc = err->code ? err->code : SL_EIO;
    if (!rc && sc->w.done && sc->rej)
        rc = sl_csv_rejw_close(&sc->rej, err); /* report a failed flush with the scan */
    if (rc) {
        sc->saved = *err;
        sl_batch_free(&sc->b);
        return rc;
    }
    if (sc->b->n_rows == 0 || sc->w.spec_bad) {
        /* spec_bad: the walk stopped inside a record, whose first fields are in the batch
         * already; the statement runs again (sl_csv_scan_check_spec), so none is kept. */
        sl_batch_free(&sc->b);
        return 0;
    }
    sc->last_rows = sc->b->n_rows;
    for (int k = 0; k < sc->n_proj; k++)
        sc->last_heap[k] = sc->b->cols[k]->heap_len;
    *out = sc->b;
    sc->b = NULL;
    return 0;
}

int64_t sl_csv_scan_rows(const sl_csv_scan *sc) { return sc->w.rows; }
int64_t sl_csv_scan_rejected(const sl_csv_scan *sc) { return sc ? sc->n_rejected : 0; }
const char *sl_csv_scan_first_reject(const sl_csv_scan *sc) { return sc ? sc->first_bad : ""; }
int64_t sl_csv_scan_bytes(const sl_csv_scan *sc) { return sc->w.bytes; }

int sl_csv_scan_check_spec(MPI_Comm comm, sl_csv_source *s, const sl_csv_scan *sc,
                           sl_err *err)
{
    if (!s->spec) /* decided at open, the same on every rank */
        return err->code;
    /* 1: a rank failed (its own error decides, agreed later; the guess stays unconfirmed);
     * 2: a walk ended inside a record at a guessed end. A rank without an error has walked
     * its whole share (the scan loop ends only at the end or on an error). */
    int why = err->code ? 1 : !sc || !sc->w.done || sc->w.spec_bad ? 2 : 0;
    MPI_Allreduce(MPI_IN_PLACE, &why, 1, MPI_INT, MPI_BOR, comm);
    if (why & 2)
        return SL_ERR(err, SL_EDATA, "read_csv: the input was split at a guessed record "
                      "boundary that is not one (a quoted field spans it)");
    if (why)
        return err->code;
    if (!s->spec_confirmed) {
        s->spec_confirmed = true;
        s->spec_state->pending--;
    }
    return 0;
}

void sl_csv_scan_free(sl_csv_scan **psc)
{
    sl_csv_scan *sc = *psc;
    if (!sc)
        return;
    sl_csv_rejw_close(&sc->rej, NULL);
    sl_buf_free(&sc->raw);
    sl_csv_walk_free(&sc->w);
    sl_batch_free(&sc->b);
    sl_free(sc->types);
    sl_free(sc->first_out);
    sl_free(sc->next_out);
    sl_free(sc->need);
    sl_free(sc->plan);
    sl_free(sc->fld);
    sl_free(sc->last_heap);
    sl_free(sc);
    *psc = NULL;
}
