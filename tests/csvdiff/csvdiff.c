/*
 * Differential test of the fast CSV scanner against libcsv (issue 14): random CSV files
 * (quoted fields with "" and quoted newlines, CR/LF/CRLF line ends, bare CRs, empty and blank
 * fields, blank lines, wrong field counts, quotes inside unquoted fields, text after a closing
 * quote, an unterminated quote, long fields across index blocks and windows, no final
 * newline; every fourth seed a file without any quote or CR, whose windows the block path
 * reads from their delimiter positions alone) are walked twice by the real record walker
 * (csv_scan.c), once with every record given to libcsv (SLUICE_CSV_SCANNER=libcsv, the
 * reference) and once with the fast scanner (each index kernel in turn: avx2, sse2, scalar),
 * under random range splits, reader chunk sizes, batch row limits, header, delimiter,
 * on_error and read columns. Everything the callbacks see must be identical: each field
 * (column, NULL-ness, bytes), each row's line and byte offset, each reject (line, offset,
 * column, reason), the batch ends, the totals and the error of a strict walk. The reference
 * walks with every range's quote and newline counts, the fast scanner with only those
 * sl_csv_count_all makes (sl_csv_count_needed). Strict walks also go through the speculative
 * split (no counts: every rank's start guessed outside quotes; check_spec): where its check
 * passes, the records must be the reference's, and where every guess is right, it must pass.
 *
 *   csvdiff [SEEDS [FIRST]]   default 2500 seeds from 1; ends "csvdiff: N passed, M failed"
 *
 * A failing seed prints its file and both transcripts' first difference; rerun it alone with
 * `csvdiff 1 SEED`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/batch.h"
#include "core/ctx.h"
#include "core/mem.h"
#include "io/io_int.h"

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int upto(int n) { return (int)(next() % (uint64_t)n); } /* 0..n-1 */

typedef struct gen {
    char delim, quote;
    bool plain; /* no quote or '\r' anywhere (the block path's quote-free windows) */
    sl_buf b;
} gen;

static void put(gen *g, char c) { sl_buf_append(&g->b, &c, 1); }

/* Random unquoted-field text; bad: may hold a quote (libcsv rejects it) or a bare CR. */
static void text(gen *g, int max, bool bad)
{
    static const char alpha[] = "ab1 9-.x\t";
    int n = upto(max + 1);
    for (int i = 0; i < n; i++) {
        if (bad && upto(8) == 0)
            put(g, g->plain ? 'q' : upto(2) ? g->quote : '\r');
        else
            put(g, alpha[upto((int)sizeof alpha - 1)]);
    }
}

/* A number for a BIGINT or DOUBLE column: signs, blanks around it, 19-20 digit ones (near
 * and past overflow), sometimes quoted; bad: sometimes not a number at all. */
static void number(gen *g, bool dbl, bool bad)
{
    static const char *odd[] = {"-", "+", "1e", "--1", "0x1", "1.2.3", "9223372036854775808",
                                "-9223372036854775809", "12a", "."};
    bool quoted = upto(8) == 0 && !g->plain;
    if (quoted)
        put(g, g->quote);
    if (upto(10) == 0)
        put(g, upto(2) ? ' ' : '\t');
    if (bad && upto(3) == 0) {
        const char *o = odd[upto(10)];
        sl_buf_append(&g->b, o, (int64_t)strlen(o));
    } else {
        if (upto(3) == 0)
            put(g, upto(2) ? '-' : '+');
        int n = 1 + upto(upto(6) == 0 ? 20 : 7);
        for (int i = 0; i < n; i++)
            put(g, (char)('0' + upto(10)));
        if (dbl && upto(2)) {
            put(g, '.');
            for (int i = upto(6); i >= 0; i--)
                put(g, (char)('0' + upto(10)));
        }
        if (dbl && upto(10) == 0) {
            put(g, 'e');
            put(g, (char)('0' + upto(3)));
        }
    }
    if (upto(10) == 0)
        put(g, ' ');
    if (quoted)
        put(g, g->quote);
}

/* kind: 0 text, 1 BIGINT, 2 DOUBLE. */
static void field(gen *g, bool bad, int kind)
{
    if (kind && upto(6)) {
        number(g, kind == 2, bad);
        return;
    }
    int k = upto(12);
    if (k < 3) /* empty */
        return;
    if (k < 7 || g->plain) {
        text(g, upto(8) == 0 ? 200 : 6, bad);
        return;
    }
    /* quoted: doubled quotes, delimiters, line ends inside */
    put(g, g->quote);
    int n = upto(upto(10) == 0 ? 150 : 8);
    for (int i = 0; i < n; i++) {
        switch (upto(10)) {
        case 0: put(g, g->quote); put(g, g->quote); break;
        case 1: put(g, g->delim); break;
        case 2: put(g, '\n'); break;
        case 3: put(g, '\r'); break;
        default: put(g, "xy z7"[upto(5)]); break;
        }
    }
    if (bad && upto(10) == 0)
        return; /* unterminated: the rest of the file is inside quotes */
    put(g, g->quote);
    if (bad && upto(6) == 0)
        text(g, 3, false); /* text after the closing quote */
}

/* A random file of about `rows` records of ncols fields (column c of kind kinds[c]). */
static void make_csv(gen *g, int ncols, int rows, bool header, const int *kinds)
{
    int bad_rate = upto(4) == 0 ? 2 : upto(3) == 0 ? 40 : 1000;
    if (header) {
        for (int c = 0; c < ncols; c++) {
            if (c)
                put(g, g->delim);
            put(g, 'h');
            put(g, (char)('0' + c));
        }
        put(g, '\n');
    }
    for (int r = 0; r < rows; r++) {
        bool bad = upto(bad_rate) == 0;
        int n = ncols;
        if (bad && upto(4) == 0)
            n += upto(2) ? 1 : -1; /* wrong field count */
        if (upto(30) == 0) { /* blank line */
            if (upto(2) && !g->plain)
                put(g, '\r');
            put(g, '\n');
            continue;
        }
        if (upto(200) == 0) { /* a field across the fast scanner's window */
            for (int i = 0; i < (64 << 10) + 100; i++)
                put(g, 'L');
        }
        for (int c = 0; c < n; c++) {
            if (c)
                put(g, g->delim);
            field(g, bad, c < ncols ? kinds[c] : 0);
        }
        if (r == rows - 1 && upto(3) == 0)
            break; /* no final newline */
        int e = g->plain ? 5 : upto(10);
        if (e < 3)
            put(g, '\r');
        else if (bad && e == 9)
            put(g, '\r'); /* bare CR: not followed by '\n' on the same record */
        if (!(bad && e == 9 && upto(2)))
            put(g, '\n');
    }
}

typedef struct rec {
    sl_buf out;
    const bool *need;
    bool no_lines; /* a speculative split's walks: line numbers are unknown */
} rec;

static void addf(sl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(sl_buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    sl_buf_append(b, tmp, n < (int)sizeof tmp ? n : (int)sizeof tmp - 1);
}

static void on_field(sl_csv_walk *w, int col, const char *p, int64_t len, bool is_null)
{
    rec *r = w->ctx;
    if (r->need && !r->need[col])
        return; /* the fast scanner skips columns nobody reads; libcsv's are ignored here */
    addf(&r->out, "F%d %d %lld:", col, (int)is_null, (long long)len);
    for (int64_t i = 0; i < len; i++) { /* escaped: one line per field */
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            sl_buf_append(&r->out, p + i, 1);
        else
            addf(&r->out, "\\x%02x", c);
    }
    sl_buf_append(&r->out, "\n", 1);
}

static void on_row(sl_csv_walk *w)
{
    rec *r = w->ctx;
    addf(&r->out, "R line %lld byte %lld\n", r->no_lines ? -1ll : (long long)w->rec_line,
         (long long)w->rec_off);
}

static void on_reject(sl_csv_walk *w)
{
    rec *r = w->ctx;
    addf(&r->out, "X line %lld byte %lld end %lld col %d: %s\n", (long long)w->rec_line,
         (long long)w->rec_off, (long long)w->pos, w->bad_col, w->bad_why);
}

typedef struct setup {
    int ranks;
    int64_t chunk;
    int max_rows;
    bool lenient;
    const bool *need;
    bool no_lines;     /* leave line numbers out of the transcript */
    bool failed, spec_bad; /* out: a walk failed; a walk ended inside a record at a guessed end */
} setup;

/* The transcript of walking every rank's records of s with the named scanner. */
static void walk_all(sl_csv_source *s, const char *scanner, setup *u, sl_buf *out)
{
    setenv("SLUICE_CSV_SCANNER", scanner, 1);
    rec r = {.need = u->need, .no_lines = u->no_lines};
    u->failed = u->spec_bad = false;
    sl_buf_init(&r.out);
    for (int rank = 0; rank < s->n_ranks; rank++) {
        sl_csv_walk w;
        sl_csv_walk_init(&w, s, rank);
        w.chunk = u->chunk;
        w.on_field = on_field;
        w.on_row = on_row;
        w.on_reject = u->lenient ? on_reject : NULL;
        w.ctx = &r;
        w.need = u->need;
        w.lenient = u->lenient;
        sl_err err;
        sl_err_clear(&err);
        int rc = 0;
        while (!w.done && !rc) {
            rc = sl_csv_walk_run(&w, u->max_rows, INT64_MAX, &err);
            addf(&r.out, "B %lld\n", (long long)w.rows_run);
        }
        /* (A failed walk's byte count depends on the chunks the failing record came in.) */
        addf(&r.out, "rank %d rc %d rows %lld bytes %lld %s\n", rank, rc, (long long)w.rows,
             rc ? -1ll : (long long)w.bytes, rc ? err.msg : "");
        u->failed |= rc != 0;
        u->spec_bad |= w.spec_bad;
        sl_csv_walk_free(&w);
        if (rc)
            break;
    }
    *out = r.out;
}

/* The line of a where a and b first differ, as "%.*s" arguments (at most 300 bytes). */
static int64_t first_diff(const sl_buf *a, const sl_buf *b, int *len)
{
    int64_t i = 0;
    while (i < a->len && i < b->len && a->data[i] == b->data[i])
        i++;
    while (i > 0 && a->data[i - 1] != '\n')
        i--;
    int64_t e = i;
    while (e < a->len && a->data[e] != '\n' && e - i < 300)
        e++;
    *len = (int)(e - i);
    return i;
}

/* Each index kernel on p[0..n) against a byte-at-a-time reading of its definition
 * (io_int.h): a wrong mask only makes the scanner leave records to libcsv, so the transcripts
 * alone would not see it. Returns 1 when all agree. */
static int check_index(const char *p, int64_t n, char delim, char quote, uint64_t seed)
{
    int64_t nb = (n + 63) / 64 + 1;
    uint64_t *want = calloc((size_t)(8 * nb), sizeof *want), *got = want + 4 * nb;
    sl_csv_index w = {want, want + nb, want + 2 * nb, want + 3 * nb};
    sl_csv_index g = {got, got + nb, got + 2 * nb, got + 3 * nb};
    bool in = false;
    for (int64_t i = 0; i < n; i++) {
        uint64_t bit = (uint64_t)1 << (i & 63);
        char c = p[i];
        if (c == quote)
            in = !in;
        if (c == quote || c == '\r')
            w.odd[i >> 6] |= bit;
        if ((c == delim || c == '\n') && !in)
            w.st[i >> 6] |= bit;
        if (c == '\n' && !in)
            w.end[i >> 6] |= bit;
        if (c == '\n')
            w.nl[i >> 6] |= bit;
    }
    static const char *kernels[] = {"avx2", "sse2", "scalar"};
    int ok = 1;
    /* The count pass's kernels, on the same bytes from an odd start (quote parity and line
     * numbers of every range come from them; a wrong count misplaces every range after it). */
    int64_t want_q = 0, want_nl = 0;
    for (int64_t i = 1; i < n; i++) {
        want_q += p[i] == quote;
        want_nl += p[i] == '\n';
    }
    for (int k = 0; k < 3 && n > 1; k++) {
        int64_t q = 7, nl = 5;
        sl_csv_count_pick(kernels[k])(p + 1, n - 1, quote, &q, &nl);
        if (q != 7 + want_q || nl != 5 + want_nl) {
            fprintf(stderr, "csvdiff: seed %llu: count kernel %s: %lld quotes %lld newlines,"
                    " want %lld %lld\n", (unsigned long long)seed, kernels[k],
                    (long long)(q - 7), (long long)(nl - 5), (long long)want_q,
                    (long long)want_nl);
            ok = 0;
        }
    }
    for (int k = 0; k < 3; k++) {
        memset(got, 0xA5, (size_t)(4 * nb) * sizeof *got);
        sl_csv_index_pick(kernels[k])(p, n, delim, quote, &g);
        int64_t used = (n + 63) / 64;
        for (int a = 0; a < 4 && ok; a++)
            for (int64_t b = 0; b < used && ok; b++)
                if (want[a * nb + b] != got[a * nb + b]) {
                    fprintf(stderr, "csvdiff: seed %llu: kernel %s, mask %d of block %lld of %lld"
                            " bytes: %016llx, want %016llx\n", (unsigned long long)seed,
                            kernels[k], a, (long long)b, (long long)n,
                            (unsigned long long)got[a * nb + b],
                            (unsigned long long)want[a * nb + b]);
                    ok = 0;
                }
    }
    free(want);
    return ok;
}

/* The transcript of the typed scan (sl_csv_scan_*, as a query runs it) of every rank:
 * each value of the projected columns, the rows, rejects and first reject, the error. */
static void scan_all(sl_csv_source *s, const char *scanner, const int *proj, int n_proj,
                     sl_buf *out)
{
    static sl_ctx ctx; /* rank and counters: all the scan uses */
    setenv("SLUICE_CSV_SCANNER", scanner, 1);
    sl_buf_init(out);
    for (int rank = 0; rank < s->n_ranks; rank++) {
        memset(&ctx, 0, sizeof ctx);
        ctx.rank = rank;
        sl_err err;
        sl_err_clear(&err);
        sl_csv_scan *sc = NULL;
        int rc = sl_csv_scan_open(&ctx, s, proj, n_proj, &sc, &err);
        while (!rc) {
            sl_batch *b = NULL;
            rc = sl_csv_scan_next(sc, &b, &err);
            if (rc || !b)
                break;
            for (int64_t r = 0; r < b->n_rows; r++) {
                for (int k = 0; k < n_proj; k++) {
                    const sl_vec *v = b->cols[k];
                    if (!sl_vec_valid(v, r)) {
                        addf(out, "|NULL");
                    } else if (v->type == SL_T_VARCHAR) {
                        int64_t len;
                        const char *p = sl_vec_str(v, r, &len);
                        addf(out, "|%lld:", (long long)len);
                        for (int64_t i = 0; i < len; i++)
                            addf(out, "%02x", (unsigned char)p[i]);
                    } else if (v->type == SL_T_DOUBLE) {
                        addf(out, "|%.17g", v->d.f64[r]);
                    } else {
                        addf(out, "|%lld", (long long)v->d.i64[r]);
                    }
                }
                addf(out, "\n");
            }
            sl_batch_free(&b);
        }
        addf(out, "scan rank %d rc %d rows %lld rejected %lld first '%s' %s\n", rank, rc,
             sc ? (long long)sl_csv_scan_rows(sc) : -1ll, (long long)sl_csv_scan_rejected(sc),
             sl_csv_scan_first_reject(sc), rc ? err.msg : "");
        sl_csv_scan_free(&sc);
        if (rc)
            break;
    }
}

/* Keeps the field and row lines of a transcript (F, R), dropping the batch and rank lines. */
static void records_only(sl_buf *t)
{
    int64_t w = 0;
    for (int64_t i = 0; i < t->len;) {
        int64_t e = i;
        while (e < t->len && t->data[e] != '\n')
            e++;
        e += e < t->len;
        if (t->data[i] == 'F' || t->data[i] == 'R') {
            memmove(t->data + w, t->data + i, (size_t)(e - i));
            w += e - i;
        }
        i = e;
    }
    t->len = w;
}

/*
 * The speculative split (io_int.h; strict walks only, as in sluice): s's ranges walked with
 * every run start guessed outside quotes, by the fast scanner. When no walk failed and none
 * ended inside a record at a guessed end (the scan's check passes), the records must be
 * those of s walked by libcsv with every count, but for the line numbers, unknown
 * while guessing; and where every guess is right (the counted parity at each rank's start is
 * 0) and no walk failed, no walk may find a wrong guess. Returns 1 when both hold.
 */
static int check_spec(const sl_csv_source *s, setup *u, uint64_t seed, const char *path)
{
    sl_csv_source sp = *s;
    sp.ranges = calloc((size_t)s->n_ranges + 1, sizeof *sp.ranges);
    memcpy(sp.ranges, s->ranges, (size_t)s->n_ranges * sizeof *sp.ranges);
    for (int k = 0; k < s->n_ranges; k++)
        sp.ranges[k].n_quotes = sp.ranges[k].n_nl = 0;
    sl_csv_prefix(&sp);
    sp.spec = true;
    bool right = true;
    for (int r = 0; r < s->n_ranks; r++)
        if (s->rank_first[r] < s->rank_first[r + 1])
            right &= s->ranges[s->rank_first[r]].par == 0;
    sl_buf want, got;
    u->no_lines = true;
    walk_all((sl_csv_source *)s, "libcsv", u, &want);
    walk_all(&sp, sl_csv_index_name(sl_csv_index_pick(NULL)), u, &got);
    u->no_lines = false;
    int ok = 1;
    /* Only the records: which rank reads which may differ (a guess past the next rank's
     * start gives that rank nothing; one walk reads on). */
    records_only(&want);
    records_only(&got);
    if (!u->failed && !u->spec_bad &&
        (got.len != want.len || memcmp(got.data, want.data, (size_t)want.len) != 0)) {
        int la, lb;
        int64_t ia = first_diff(&want, &got, &la), ib = first_diff(&got, &want, &lb);
        fprintf(stderr, "csvdiff: seed %llu: a speculative split passed its check with other "
                "records (file %s kept, %d ranks)\n  counted: %.*s\n  guessed: %.*s\n",
                (unsigned long long)seed, path, s->n_ranks, la, want.data + ia, lb,
                got.data + ib);
        ok = 0;
    }
    if (ok && right && !u->failed && u->spec_bad) {
        fprintf(stderr, "csvdiff: seed %llu: every guess was right, yet a walk found one wrong "
                "(file %s kept, %d ranks)\n", (unsigned long long)seed, path, s->n_ranks);
        ok = 0;
    }
    sl_buf_free(&want);
    sl_buf_free(&got);
    free(sp.ranges);
    return ok;
}

/* One seed: 1 when both scanners agree on every kernel, else 0 (and a report). */
static int run_seed(uint64_t seed, const char *dir)
{
    rng = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int i = 0; i < 4; i++)
        next();
    gen g = {.delim = ",;\t|"[upto(4)], .quote = upto(5) ? '"' : '\'',
             .plain = seed % 4 == 0};
    sl_buf_init(&g.b);
    int ncols = 1 + upto(5);
    bool header = upto(2);
    int kinds[8];
    for (int c = 0; c < ncols; c++)
        kinds[c] = upto(3);
    make_csv(&g, ncols, upto(4) == 0 ? upto(400) : upto(40), header, kinds);
    char path[512];
    snprintf(path, sizeof path, "%s/csvdiff-%d-%llu.csv", dir, (int)getpid(),
             (unsigned long long)seed);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(g.b.data ? g.b.data : "", 1, (size_t)g.b.len, f) != (size_t)g.b.len) {
        fprintf(stderr, "csvdiff: cannot write %s\n", path);
        exit(2);
    }
    fclose(f);

    sl_csv_file file = {.path = path, .size = g.b.len};
    char *names[8];
    sl_type types[8];
    for (int c = 0; c < ncols; c++) {
        names[c] = sl_xasprintf("c%d", c);
        types[c] = kinds[c] == 1 ? SL_T_BIGINT : kinds[c] == 2 ? SL_T_DOUBLE : SL_T_VARCHAR;
    }
    bool need[8];
    for (int c = 0; c < ncols; c++)
        need[c] = upto(3) != 0;
    sl_csv_source s = {.delim = g.delim, .quote = g.quote, .quoted_nulls = upto(2),
                       .header = header, .n_files = 1, .files = &file, .ncols = ncols,
                       .names = names, .types = types};
    setup u = {.ranks = 1 + upto(4), .max_rows = 1 + upto(upto(2) ? 7 : 300),
               .lenient = upto(3) != 0};
    u.need = !u.lenient && upto(2) ? need : NULL;
    static const int64_t chunks[] = {1, 2, 3, 7, 64, 65, 100, 1000, 4096, 1 << 20};
    int64_t chunk_ref = chunks[upto(10)], chunk_fast = chunks[upto(10)];
    /* (a pread per byte or two of a big file is only slow, not more thorough) */
    if (g.b.len > 4096 && chunk_ref < 64)
        chunk_ref += 4096;
    if (g.b.len > 4096 && chunk_fast < 64)
        chunk_fast += 4096;
    int64_t bs = 1 + upto(upto(2) ? 50 : (int)(g.b.len + 1));

    sl_err err;
    sl_err_clear(&err);
    sl_csv_rd rd;
    sl_csv_rd_mem(&rd, g.b.data ? g.b.data : "", g.b.len, 0, path);
    int ok = 1;
    if (g.b.len > 0) { /* the index of a random piece (at most a scanner window) */
        int64_t off = upto((int)g.b.len), n = 1 + upto((int)(g.b.len - off));
        ok = check_index(g.b.data + off, n < (64 << 10) ? n : (64 << 10), g.delim, g.quote,
                         seed);
    }
    if (g.b.len > 0 && sl_csv_first_record(&rd, &file.first_rec, &file.first_line, &err)) {
        fprintf(stderr, "csvdiff: seed %llu: %s\n", (unsigned long long)seed, err.msg);
        ok = 0;
    }
    if (g.b.len == 0)
        file.first_rec = 0, file.first_line = 1;
    sl_csv_plan_ranges(&s, bs, u.ranks);
    for (int k = 0; k < s.n_ranges && ok; k++)
        sl_csv_count(&rd, s.ranges[k].off, s.ranges[k].len, s.quote, &s.ranges[k].n_quotes,
                     &s.ranges[k].n_nl, &err);
    sl_csv_prefix(&s);
    /* The fast walks see only the counts sl_csv_count_all makes (sl_csv_count_needed: the
     * others are 0); the reference sees every range's. */
    sl_csv_source sf = s;
    bool *cneed = calloc((size_t)s.n_ranges + 1, sizeof *cneed);
    sf.ranges = calloc((size_t)s.n_ranges + 1, sizeof *sf.ranges);
    memcpy(sf.ranges, s.ranges, (size_t)s.n_ranges * sizeof *sf.ranges);
    sl_csv_count_needed(&s, cneed);
    for (int k = 0; k < s.n_ranges; k++)
        if (!cneed[k])
            sf.ranges[k].n_quotes = sf.ranges[k].n_nl = 0;
    sl_csv_prefix(&sf);
    free(cneed);

    static const char *kernels[] = {"avx2", "sse2", "scalar"};
    sl_buf ref;
    u.chunk = chunk_ref;
    walk_all(&s, "libcsv", &u, &ref);
    for (int k = 0; k < 3 && ok; k++) {
        sl_buf got;
        u.chunk = chunk_fast;
        walk_all(&sf, kernels[k], &u, &got);
        if (got.len != ref.len || memcmp(got.data, ref.data, (size_t)ref.len) != 0) {
            int la, lb;
            int64_t ia = first_diff(&ref, &got, &la), ib = first_diff(&got, &ref, &lb);
            fprintf(stderr,
                    "csvdiff: seed %llu kernel %s (file %s kept: %lld bytes, delim '%c', "
                    "quote '%c', %d cols, header %d, ranks %d, blocksize %lld, chunk %lld/%lld,"
                    " max_rows %d, lenient %d, need %s)\n  libcsv: %.*s\n  fast:   %.*s\n",
                    (unsigned long long)seed, kernels[k], path, (long long)g.b.len, g.delim,
                    g.quote, ncols, header, u.ranks, (long long)bs, (long long)chunk_ref,
                    (long long)chunk_fast, u.max_rows, u.lenient, u.need ? "some" : "all",
                    la, ref.data + ia, lb, got.data + ib);
            ok = 0;
        }
        sl_buf_free(&got);
    }
    if (ok && !u.lenient)
        ok = check_spec(&s, &u, seed, path);
    /* The typed scan: conversions, NULLs, rejected values, only some columns read. */
    int proj[8], n_proj = 1 + upto(ncols);
    for (int k = 0; k < n_proj; k++)
        proj[k] = upto(ncols);
    s.on_error = u.lenient ? SL_ON_ERROR_SKIP : SL_ON_ERROR_FAIL;
    s.max_rejects = -1;
    s.max_rejects_pct = -1;
    sf.on_error = s.on_error;
    sf.max_rejects = s.max_rejects;
    sf.max_rejects_pct = s.max_rejects_pct;
    if (ok) { /* with each kernel: the block path's conversions see each one's records */
        sl_buf sref;
        scan_all(&s, "libcsv", proj, n_proj, &sref);
        for (int k = 0; k < 3 && ok; k++) {
            sl_buf sgot;
            scan_all(&sf, kernels[k], proj, n_proj, &sgot);
            if (sgot.len != sref.len || memcmp(sgot.data, sref.data, (size_t)sref.len) != 0) {
                int la, lb;
                int64_t ia = first_diff(&sref, &sgot, &la), ib = first_diff(&sgot, &sref, &lb);
                fprintf(stderr, "csvdiff: seed %llu typed scan, kernel %s (file %s kept, %d ranks,"
                        " on_error %s)\n  libcsv: %.*s\n  fast:   %.*s\n",
                        (unsigned long long)seed, kernels[k], path, u.ranks,
                        u.lenient ? "skip" : "fail", la, sref.data + ia, lb, sgot.data + ib);
                ok = 0;
            }
            sl_buf_free(&sgot);
        }
        sl_buf_free(&sref);
    }
    if (ok)
        unlink(path);
    sl_buf_free(&ref);
    sl_buf_free(&g.b);
    for (int c = 0; c < ncols; c++)
        sl_free(names[c]);
    sl_free(s.ranges);
    free(sf.ranges);
    sl_free(s.rank_first);
    return ok;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2500;
    long first = argc > 2 ? atol(argv[2]) : 1;
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    long pass = 0, fail = 0;
    for (long i = 0; i < n; i++) {
        if (run_seed((uint64_t)(first + i), dir))
            pass++;
        else if (++fail >= 5)
            break; /* enough to debug */
    }
    printf("csvdiff: this CPU's kernel: %s\n", sl_csv_index_name(sl_csv_index_pick(NULL)));
    printf("csvdiff: %ld passed, %ld failed\n", pass, fail);
    return fail ? 1 : 0;
}
