/*
 * The parallel CSV reader end to end at any rank count: rank 0 generates files under a
 * unique /tmp directory (quoted commas, newlines, "" escapes, CRLF, NULLs, a file without a
 * trailing newline), every rank scans its share, and MPI_Allreduce'd totals must equal what
 * the generator computed while writing. Also: inference, projection order, count(*), quote='',
 * header=false names, NULL vs "" semantics, and data/file errors agreed on every rank.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/ctx.h"

/* The session context the tested calls count into (core/ctx.h). */
static sl_ctx g_ctx;

/* The context of a scan read as `rank` (a test reads other ranks' ranges too). */
static sl_ctx *ctx_for(int rank)
{
    g_ctx.rank = rank;
    return &g_ctx;
}
#include "core/mem.h"
#include "io/csv.h"
#include "mpi/agree.h"
#include "mpi/startup.h"

static int rank, nranks;
static char dir[256];

typedef struct totals {
    int64_t rows, id_sum, name_nulls, name_hash, val_nulls, d_sum;
    double val_sum;
} totals;

/* FNV-1a; the checksum sums its top 32 bits so the sum cannot overflow. */
static uint64_t fnv(const char *p, int64_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (int64_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h;
}

/* ---- generator (rank 0) ---- */

static void gen_rows(FILE *f, int64_t k0, int n, const char *eol, int last_nl, totals *x)
{
    char val[256];
    fprintf(f, "id,name,val,d%s", eol);
    for (int64_t k = k0; k < k0 + n; k++) {
        int64_t id = k * 3 - 1000;
        fprintf(f, "%" PRId64 ",", id);
        x->id_sum += id;
        int nv = -1; /* length of the logical name value; -1 = NULL */
        switch (k % 9) {
        case 0: fprintf(f, "w%" PRId64, k); nv = sprintf(val, "w%" PRId64, k); break;
        case 1: fprintf(f, "\"a,b%" PRId64 "\"", k); nv = sprintf(val, "a,b%" PRId64, k); break;
        case 2: fprintf(f, "\"l1\nl2 %" PRId64 "\"", k); nv = sprintf(val, "l1\nl2 %" PRId64, k);
                break;
        case 3: fprintf(f, "\"say \"\"hi\"\" %" PRId64 "\"", k);
                nv = sprintf(val, "say \"hi\" %" PRId64, k); break;
        case 4: break; /* empty unquoted: NULL */
        case 5: fprintf(f, "\"\""); nv = 0; val[0] = 0; break;
        case 6: fprintf(f, "\"q%" PRId64 "\"", k); nv = sprintf(val, "q%" PRId64, k); break;
        case 7: fprintf(f, "\"\"\"%" PRId64 "\"\"\"", k); nv = sprintf(val, "\"%" PRId64 "\"", k);
                break;
        default: fprintf(f, "\"cr\r\nlf%" PRId64 ",\"", k);
                 nv = sprintf(val, "cr\r\nlf%" PRId64 ",", k); break;
        }
        if (nv < 0)
            x->name_nulls++;
        else
            x->name_hash += (int64_t)(fnv(val, nv) >> 32);
        fputc(',', f);
        if (k % 7 == 0) {
            x->val_nulls++;
        } else {
            double v = (double)(k % 1000) * 0.5 - 100; /* multiples of 0.5: sums are exact */
            fprintf(f, "%.1f", v);
            x->val_sum += v;
        }
        int day = 1 + (int)(k % 28);
        fprintf(f, ",2024-01-%02d", day);
        x->d_sum += 19723 + day - 1; /* 2024-01-01 is day 19723 (54*365 + 13 leap days) */
        x->rows++;
        if (k + 1 < k0 + n || last_nl)
            fputs(eol, f);
    }
}

static void write_file(const char *name, const char *text)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* ---- scanning helpers ---- */

static sl_csv_opts opts_for(char **paths, int n_paths, int64_t bs)
{
    sl_csv_opts o;
    memset(&o, 0, sizeof o);
    o.n_paths = n_paths;
    o.paths = paths;
    o.header = true;
    o.delim = ',';
    o.quote = '"';
    o.blocksize = bs;
    return o;
}

/* Scans this rank's part, adding the generator's totals (proj = the file columns). */
static int scan_totals(sl_csv_source *s, const int *proj, int n_proj, totals *t, bool agg,
                       sl_err *err)
{
    sl_csv_scan *sc = NULL;
    int64_t rows0 = t->rows;
    int rc = sl_csv_scan_open(ctx_for(rank), s, proj, n_proj, &sc, err);
    while (!rc) {
        sl_batch *b = NULL;
        rc = sl_csv_scan_next(sc, &b, err);
        if (rc || !b)
            break;
        t->rows += b->n_rows;
        for (int k = 0; k < n_proj; k++) {
            const sl_vec *v = b->cols[k];
            CHECK_INT(v->n, b->n_rows);
            for (int64_t i = 0; agg && i < v->n; i++) {
                bool ok = sl_vec_valid(v, i);
                switch (proj[k]) {
                case 0: if (ok) t->id_sum += v->d.i64[i]; break;
                case 1:
                    if (!ok) {
                        t->name_nulls++;
                    } else {
                        int64_t n;
                        const char *p = sl_vec_str(v, i, &n);
                        t->name_hash += (int64_t)(fnv(p, n) >> 32);
                    }
                    break;
                case 2: if (ok) t->val_sum += v->d.f64[i]; else t->val_nulls++; break;
                case 3: if (ok) t->d_sum += v->d.i64[i]; break;
                }
            }
        }
        sl_batch_free(&b);
    }
    if (sc && !rc)
        CHECK_INT(sl_csv_scan_rows(sc), t->rows - rows0);
    sl_csv_scan_free(&sc);
    return rc;
}

static void sum_totals(totals *t)
{
    int64_t a[6] = {t->rows, t->id_sum, t->name_nulls, t->name_hash, t->val_nulls, t->d_sum};
    MPI_Allreduce(MPI_IN_PLACE, a, 6, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, &t->val_sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    t->rows = a[0], t->id_sum = a[1], t->name_nulls = a[2], t->name_hash = a[3];
    t->val_nulls = a[4], t->d_sum = a[5];
}

static void test_big(const totals *want)
{
    char pat[400];
    snprintf(pat, sizeof pat, "%s/big_*.csv", dir);
    char *paths[] = {pat};
    static const int64_t sizes[] = {7, 64, 1000, 65536};
    for (size_t bi = 0; bi < sizeof sizes / sizeof sizes[0]; bi++) {
        sl_csv_opts o = opts_for(paths, 1, sizes[bi]);
        sl_err err;
        sl_err_clear(&err);
        sl_csv_source *s = NULL;
        int rc = sl_csv_open(MPI_COMM_WORLD, &o, 1 << 20, 1 << 20, &s, &err);
        CHECK_INT(rc, 0);
        if (rc) {
            if (rank == 0)
                fprintf(stderr, "open: %s\n", err.msg);
            continue;
        }
        CHECK_INT(sl_csv_source_nfiles(s), 2);
        CHECK_INT(sl_csv_source_ncols(s), 4);
        CHECK_STR(sl_csv_source_name(s, 0), "id");
        CHECK_STR(sl_csv_source_name(s, 3), "d");
        CHECK_INT(sl_csv_source_type(s, 0), SL_T_BIGINT);
        CHECK_INT(sl_csv_source_type(s, 1), SL_T_VARCHAR);
        CHECK_INT(sl_csv_source_type(s, 2), SL_T_DOUBLE);
        CHECK_INT(sl_csv_source_type(s, 3), SL_T_DATE);
        int64_t mine = sl_csv_source_rank_bytes(s, rank), all = 0;
        MPI_Allreduce(&mine, &all, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
        CHECK_INT(all, sl_csv_source_bytes(s));

        /* All columns in file order. */
        static const int p_all[] = {0, 1, 2, 3};
        totals t = {0};
        rc = scan_totals(s, p_all, 4, &t, true, &err);
        CHECK_INT(sl_agree(MPI_COMM_WORLD, &err), 0);
        sum_totals(&t);
        CHECK_INT(t.rows, want->rows);
        CHECK_INT(t.id_sum, want->id_sum);
        CHECK_INT(t.name_nulls, want->name_nulls);
        CHECK_INT(t.name_hash, want->name_hash);
        CHECK_INT(t.val_nulls, want->val_nulls);
        CHECK_DBL(t.val_sum, want->val_sum, 0);
        CHECK_INT(t.d_sum, want->d_sum);
        if (err.code && rank == 0)
            fprintf(stderr, "blocksize %lld: %s\n", (long long)sizes[bi], err.msg);

        /* Another projection order, then count(*) with no columns. */
        static const int p_rev[] = {3, 1};
        totals t2 = {0};
        scan_totals(s, p_rev, 2, &t2, true, &err);
        CHECK_INT(sl_agree(MPI_COMM_WORLD, &err), 0);
        sum_totals(&t2);
        CHECK_INT(t2.rows, want->rows);
        CHECK_INT(t2.name_hash, want->name_hash);
        CHECK_INT(t2.d_sum, want->d_sum);
        totals t3 = {0};
        scan_totals(s, NULL, 0, &t3, true, &err);
        CHECK_INT(sl_agree(MPI_COMM_WORLD, &err), 0);
        sum_totals(&t3);
        CHECK_INT(t3.rows, want->rows);
        sl_csv_source_free(&s);
    }
}

/* Opens path with blocksize bs, scans all columns, returns the agreed code and message. */
static int open_scan(const char *name, int64_t bs, int n_decl, char **dn, sl_type *dt,
                     sl_err *err, sl_csv_source **keep)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *paths[] = {path};
    sl_csv_opts o = opts_for(paths, 1, bs);
    o.n_decl = n_decl;
    o.decl_names = dn;
    o.decl_types = dt;
    sl_err_clear(err);
    sl_csv_source *s = NULL;
    int rc = sl_csv_open(MPI_COMM_WORLD, &o, 1 << 20, 1 << 20, &s, err);
    if (rc)
        return rc;
    int proj[16];
    for (int c = 0; c < sl_csv_source_ncols(s); c++)
        proj[c] = c;
    totals t = {0};
    scan_totals(s, proj, sl_csv_source_ncols(s), &t, false, err);
    rc = sl_agree(MPI_COMM_WORLD, err);
    if (keep)
        *keep = s;
    else
        sl_csv_source_free(&s);
    return rc;
}

static void test_infer(void)
{
    /* i: ints; f: doubles and ints; dt: dates; mixed: ints then one word at the very end
     * (seen only by the rank that owns the last rows); e: all empty; b: booleans;
     * ts: timestamps and dates (VARCHAR: DuckDB's sniffer gives a column mixing dates and
     * timestamps no type of the two, checked with its read_csv). */
    if (rank == 0) {
        char path[400];
        snprintf(path, sizeof path, "%s/infer.csv", dir);
        FILE *f = fopen(path, "w");
        fprintf(f, "i,f,dt,mixed,e,b,ts\n");
        for (int k = 0; k < 200; k++)
            fprintf(f, "%d,%s,2023-12-%02d,%s,,%s,%s\n", k - 50, k % 2 ? "1.25" : "7",
                    1 + k % 31, k == 199 ? "word" : "12", k % 3 ? "true" : "FALSE",
                    k % 2 ? "2024-03-01 12:30:00" : "2024-03-02");
        fclose(f);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    sl_err err;
    sl_csv_source *s = NULL;
    CHECK_INT(open_scan("infer.csv", 64, 0, NULL, NULL, &err, &s), 0);
    if (!s)
        return;
    static const sl_type want[] = {SL_T_BIGINT, SL_T_DOUBLE, SL_T_DATE, SL_T_VARCHAR,
                                   SL_T_VARCHAR, SL_T_BOOL, SL_T_VARCHAR};
    CHECK_INT(sl_csv_source_ncols(s), 7);
    for (int c = 0; c < 7; c++)
        CHECK_INT(sl_csv_source_type(s, c), want[c]);
    CHECK_STR(sl_csv_source_name(s, 3), "mixed");
    sl_csv_source_free(&s);
}

static void test_errors(void)
{
    /* A bad DOUBLE on the last line: line 1 is the header, rows k=0..299 are on lines 2..301,
     * each "k,k.5\n"; the bad one is row k=299 on line 301. */
    int64_t bad_off = 0;
    if (rank == 0) {
        char path[400];
        snprintf(path, sizeof path, "%s/bad.csv", dir);
        FILE *f = fopen(path, "w");
        fprintf(f, "a,b\n");
        for (int k = 0; k < 300; k++) {
            if (k == 299) {
                bad_off = ftell(f);
                fprintf(f, "%d,n/a\n", k);
            } else {
                fprintf(f, "%d,%d.5\n", k, k);
            }
        }
        fclose(f);
        write_file("wide.csv", "a,b\n1,2\n3,4\n5,6,7\n8,9\n");
        write_file("unterm.csv", "a,b\n1,2\n3,\"x\n4,5\n");
        write_file("strayq.csv", "a,b\n1,2\n3,x\"y\n");
    }
    MPI_Bcast(&bad_off, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    char want[600];
    sl_err err;
    char *dn[] = {"a", "b"};
    sl_type dt[] = {SL_T_BIGINT, SL_T_DOUBLE};
    snprintf(want, sizeof want, "%s/bad.csv:301 (byte %lld): column \"b\": expected DOUBLE, got"
             " \"n/a\"", dir, (long long)bad_off);
    CHECK_INT(open_scan("bad.csv", 100, 2, dn, dt, &err, NULL), SL_EDATA);
    CHECK_STR(err.msg, want);
    /* Inferred instead: "n/a" makes b VARCHAR, and then everything reads. */
    CHECK_INT(open_scan("bad.csv", 100, 0, NULL, NULL, &err, NULL), 0);

    /* "5,6,7" is line 4 at byte 12 (the header is 4 bytes, each row 4 bytes). */
    snprintf(want, sizeof want, "%s/wide.csv:4 (byte 12): expected 2 fields, got 3", dir);
    CHECK_INT(open_scan("wide.csv", 5, 2, dn, dt, &err, NULL), SL_EDATA);
    CHECK_STR(err.msg, want);

    /* The quote opened on line 3 (byte 8) never closes. */
    snprintf(want, sizeof want, "%s/unterm.csv:3 (byte 8): unterminated quoted field", dir);
    CHECK_INT(open_scan("unterm.csv", 3, 2, dn, dt, &err, NULL), SL_EDATA);
    CHECK(strncmp(err.msg, want, strlen(want)) == 0);
    if (strncmp(err.msg, want, strlen(want)) != 0 && rank == 0)
        fprintf(stderr, "got: %s\n", err.msg);

    snprintf(want, sizeof want, "%s/strayq.csv:3 (byte 8): malformed quoted field", dir);
    CHECK_INT(open_scan("strayq.csv", 1000, 0, NULL, NULL, &err, NULL), SL_EDATA);
    CHECK(strncmp(err.msg, want, strlen(want)) == 0);

    /* File errors, agreed on every rank. */
    char p1[400], p2[400];
    snprintf(p1, sizeof p1, "%s/nope.csv", dir);
    snprintf(p2, sizeof p2, "%s/q*.csv", dir);
    char *paths[] = {p1};
    sl_csv_opts o = opts_for(paths, 1, 0);
    sl_csv_source *s = NULL;
    sl_err_clear(&err);
    CHECK_INT(sl_csv_open(MPI_COMM_WORLD, &o, 1 << 20, 1 << 20, &s, &err), SL_ENOENT);
    snprintf(want, sizeof want, "read_csv: file not found: '%s'", p1);
    CHECK_STR(err.msg, want);
    CHECK(s == NULL);
    paths[0] = p2;
    sl_err_clear(&err);
    CHECK_INT(sl_csv_open(MPI_COMM_WORLD, &o, 1 << 20, 1 << 20, &s, &err), SL_ENOENT);
    snprintf(want, sizeof want, "read_csv: no file matches '%s'", p2);
    CHECK_STR(err.msg, want);
    o.n_paths = 0;
    sl_err_clear(&err);
    CHECK(sl_csv_open(MPI_COMM_WORLD, &o, 1 << 20, 1 << 20, &s, &err) != 0);
    /* Column count differs between files. */
    if (rank == 0)
        write_file("three.csv", "a,b,c\n1,2,3\n");
    MPI_Barrier(MPI_COMM_WORLD);
    char p3[400], p4[400];
    snprintf(p3, sizeof p3, "%s/wide.csv", dir);
    snprintf(p4, sizeof p4, "%s/three.csv", dir);
    char *two[] = {p3, p4};
    o = opts_for(two, 2, 0);
    sl_err_clear(&err);
    CHECK_INT(sl_csv_open(MPI_COMM_WORLD, &o, 1 << 20, 1 << 20, &s, &err), SL_EDATA);
    CHECK(strstr(err.msg, "three.csv' has 3 columns") != NULL);
}

/* Small files whose rows all land on rank 0 (one range): exact values. */
/* Opens dir/name (a CSV with a header that rank 0 wrote) on every rank once all get there;
 * path (400 bytes), paths[0] and *o stay set for reopening it. NULL (checked) when it does
 * not open. */
static sl_csv_source *open_csv(const char *name, char *path, char **paths, sl_csv_opts *o,
                               sl_err *err)
{
    MPI_Barrier(MPI_COMM_WORLD);
    snprintf(path, 400, "%s/%s", dir, name);
    paths[0] = path;
    *o = opts_for(paths, 1, 1 << 20);
    sl_err_clear(err);
    sl_csv_source *s = NULL;
    CHECK_INT(sl_csv_open(MPI_COMM_WORLD, o, 1 << 20, 1 << 20, &s, err), 0);
    return s;
}

static void test_semantics(void)
{
    if (rank == 0) {
        write_file("sem.csv", "\xEF\xBB\xBFs,n\n\"\",\n,\"\"\nx,1\n\n\" y \", 2 \r\n");
        write_file("noq.csv", "a,b\n\"x,1\nz\",2\n");
        write_file("crq.csv", "a,b\r\n1,\"x\"\r\n\r\n2,\"y\r\n\"\r\n3,\"\"");
    }
    char path[400], *paths[1];
    sl_csv_opts o;
    sl_err err;
    sl_csv_source *s = open_csv("sem.csv", path, paths, &o, &err);
    if (!s)
        return;
    CHECK_STR(sl_csv_source_name(s, 0), "s"); /* the BOM is not part of the name */
    CHECK_INT(sl_csv_source_type(s, 0), SL_T_VARCHAR);
    CHECK_INT(sl_csv_source_type(s, 1), SL_T_BIGINT);
    if (rank == 0) {
        static const int proj[] = {0, 1};
        sl_csv_scan *sc;
        CHECK_INT(sl_csv_scan_open(ctx_for(0), s, proj, 2, &sc, &err), 0);
        sl_batch *b = NULL;
        CHECK_INT(sl_csv_scan_next(sc, &b, &err), 0);
        CHECK(b != NULL);
        if (b) {
            int64_t n;
            const sl_vec *vs = b->cols[0], *vn = b->cols[1];
            CHECK_INT(b->n_rows, 4); /* the blank line is skipped */
            CHECK(sl_vec_valid(vs, 0)); /* "" is an empty string */
            sl_vec_str(vs, 0, &n);
            CHECK_INT(n, 0);
            CHECK(!sl_vec_valid(vn, 0)); /* empty: NULL */
            CHECK(!sl_vec_valid(vs, 1));
            CHECK(!sl_vec_valid(vn, 1)); /* "" is NULL for BIGINT */
            CHECK_INT(vn->d.i64[2], 1);
            const char *p = sl_vec_str(vs, 3, &n);
            CHECK_INT(n, 3);
            CHECK(n == 3 && memcmp(p, " y ", 3) == 0); /* spaces kept in text */
            CHECK_INT(vn->d.i64[3], 2);                /* " 2 " with CR stripped: 2 */
        }
        sl_batch_free(&b);
        CHECK_INT(sl_csv_scan_next(sc, &b, &err), 0);
        CHECK(b == NULL);
        CHECK_INT(sl_csv_scan_rows(sc), 4);
        sl_csv_scan_free(&sc);
    }
    sl_csv_source_free(&s);

    /* The same file cut into 1-byte ranges (the header at byte 3 after the BOM is owned by
     * range [3,4)): still 4 rows in total over all ranks, 2 NULLs in each column. */
    for (int64_t bs = 1; bs <= 4; bs += 3) {
        o.blocksize = bs;
        CHECK_INT(sl_csv_open(MPI_COMM_WORLD, &o, 1 << 20, 1 << 20, &s, &err), 0);
        if (!s)
            continue;
        static const int proj[] = {0, 1};
        sl_csv_scan *sc;
        sl_batch *b = NULL;
        int64_t cnt[3] = {0, 0, 0};
        CHECK_INT(sl_csv_scan_open(ctx_for(rank), s, proj, 2, &sc, &err), 0);
        while (sl_csv_scan_next(sc, &b, &err) == 0 && b) {
            cnt[0] += b->n_rows;
            for (int64_t i = 0; i < b->n_rows; i++) {
                cnt[1] += !sl_vec_valid(b->cols[0], i);
                cnt[2] += !sl_vec_valid(b->cols[1], i);
            }
            sl_batch_free(&b);
        }
        sl_csv_scan_free(&sc);
        MPI_Allreduce(MPI_IN_PLACE, cnt, 3, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
        CHECK_INT(cnt[0], 4);
        CHECK_INT(cnt[1], 1);
        CHECK_INT(cnt[2], 2);
        sl_csv_source_free(&s);
    }
    o.blocksize = 1 << 20;

    /* header=false: generated names, the header line is data. */
    o.header = false;
    CHECK_INT(sl_csv_open(MPI_COMM_WORLD, &o, 1 << 20, 1 << 20, &s, &err), 0);
    if (s) {
        CHECK_STR(sl_csv_source_name(s, 0), "column0");
        CHECK_STR(sl_csv_source_name(s, 1), "column1");
        CHECK_INT(sl_csv_source_type(s, 1), SL_T_VARCHAR);
        sl_csv_source_free(&s);
    }

    /* quote='': quotes are data, so "x,1 / z",2 are two 2-field records. */
    snprintf(path, sizeof path, "%s/noq.csv", dir);
    o = opts_for(paths, 1, 1 << 20);
    o.quote = 0;
    CHECK_INT(sl_csv_open(MPI_COMM_WORLD, &o, 1 << 20, 1 << 20, &s, &err), 0);
    if (s) {
        if (rank == 0) {
            static const int proj[] = {0, 1};
            sl_csv_scan *sc;
            sl_batch *b = NULL;
            CHECK_INT(sl_csv_scan_open(ctx_for(0), s, proj, 2, &sc, &err), 0);
            CHECK_INT(sl_csv_scan_next(sc, &b, &err), 0);
            if (b) {
                int64_t n;
                CHECK_INT(b->n_rows, 2);
                const char *p = sl_vec_str(b->cols[0], 0, &n);
                CHECK(n == 2 && memcmp(p, "\"x", 2) == 0);
                p = sl_vec_str(b->cols[0], 1, &n);
                CHECK(n == 2 && memcmp(p, "z\"", 2) == 0);
                CHECK_INT(b->cols[1]->type, SL_T_BIGINT);
                CHECK_INT(b->cols[1]->d.i64[1], 2);
            }
            sl_batch_free(&b);
            sl_csv_scan_free(&sc);
        }
        sl_csv_source_free(&s);
    }

    /* CRLF after a closing quote, a quoted CRLF kept as data, a blank CRLF line, and a
     * quoted empty last field at EOF without a line end. */
    snprintf(path, sizeof path, "%s/crq.csv", dir);
    o = opts_for(paths, 1, 1 << 20);
    CHECK_INT(sl_csv_open(MPI_COMM_WORLD, &o, 1 << 20, 1 << 20, &s, &err), 0);
    if (s) {
        CHECK_INT(sl_csv_source_type(s, 0), SL_T_BIGINT);
        CHECK_INT(sl_csv_source_type(s, 1), SL_T_VARCHAR);
        if (rank == 0) {
            static const int proj[] = {1};
            sl_csv_scan *sc;
            sl_batch *b = NULL;
            CHECK_INT(sl_csv_scan_open(ctx_for(0), s, proj, 1, &sc, &err), 0);
            CHECK_INT(sl_csv_scan_next(sc, &b, &err), 0);
            if (b) {
                int64_t n;
                CHECK_INT(b->n_rows, 3);
                const char *p = sl_vec_str(b->cols[0], 0, &n);
                CHECK(n == 1 && p[0] == 'x');
                p = sl_vec_str(b->cols[0], 1, &n);
                CHECK(n == 3 && memcmp(p, "y\r\n", 3) == 0);
                CHECK(sl_vec_valid(b->cols[0], 2));
                sl_vec_str(b->cols[0], 2, &n);
                CHECK_INT(n, 0);
            }
            sl_batch_free(&b);
            sl_csv_scan_free(&sc);
        }
        sl_csv_source_free(&s);
    }
}

/* BIGINT and DOUBLE fields the column loops hand to the general path (blanks around the
 * number) on every row, with NULLs between: the loops' validity bits restart after each such
 * field, also after a block's last row (then at the bitmap's end: nothing may be read
 * there; ASan checks it in the sanitised build). Every value and NULL checked on rank 0. */
/* Whether row r of a batch of blanks.csv (below: i, v, d) is not what its i says. */
static bool blanks_row_bad(const sl_batch *b, int64_t r)
{
    int64_t i = b->cols[0]->d.i64[r];
    bool null = i % 7 == 3;
    return sl_vec_valid(b->cols[1], r) == null || sl_vec_valid(b->cols[2], r) == null ||
           (!null && (b->cols[1]->d.i64[r] != 3 * i || b->cols[2]->d.f64[r] != (double)i + 0.5));
}

static void test_general_path_bits(void)
{
    enum { ROWS = 5000 };
    if (rank == 0) {
        char path[400];
        snprintf(path, sizeof path, "%s/blanks.csv", dir);
        FILE *f = fopen(path, "w");
        fputs("i,v,d\n", f);
        for (int i = 0; i < ROWS; i++) {
            if (i % 7 == 3)
                fprintf(f, "%d,,\n", i);
            else
                fprintf(f, "%d, %d , %d.5\n", i, i * 3, i);
        }
        fclose(f);
    }
    char path[400], *paths[1];
    sl_csv_opts o;
    sl_err err;
    sl_csv_source *s = open_csv("blanks.csv", path, paths, &o, &err);
    if (!s)
        return;
    CHECK_INT(sl_csv_source_type(s, 1), SL_T_BIGINT);
    CHECK_INT(sl_csv_source_type(s, 2), SL_T_DOUBLE);
    if (rank == 0) {
        static const int proj[] = {0, 1, 2};
        sl_csv_scan *sc;
        sl_batch *b = NULL;
        int64_t seen = 0, bad = 0;
        CHECK_INT(sl_csv_scan_open(ctx_for(0), s, proj, 3, &sc, &err), 0);
        while (sl_csv_scan_next(sc, &b, &err) == 0 && b) {
            for (int64_t r = 0; r < b->n_rows; r++, seen++) {
                bad += b->cols[0]->d.i64[r] != seen || blanks_row_bad(b, r);
            }
            sl_batch_free(&b);
        }
        CHECK_INT(seen, ROWS);
        CHECK_INT(bad, 0);
        sl_csv_scan_free(&sc);
    }
    sl_csv_source_free(&s);

    /* The same file cut into 4 KB ranges dealt to all ranks: each rank's rows start at other
     * bit positions. Every row once over all ranks, each rank's rows consecutive and right. */
    o.blocksize = 4096;
    CHECK_INT(sl_csv_open(MPI_COMM_WORLD, &o, 1 << 20, 1 << 20, &s, &err), 0);
    if (!s)
        return;
    static const int proj[] = {0, 1, 2};
    sl_csv_scan *sc;
    sl_batch *b = NULL;
    int64_t got[3] = {0, 0, 0}, prev = -1; /* rows, sum of ids, bad rows */
    CHECK_INT(sl_csv_scan_open(ctx_for(rank), s, proj, 3, &sc, &err), 0);
    while (sl_csv_scan_next(sc, &b, &err) == 0 && b) {
        for (int64_t r = 0; r < b->n_rows; r++) {
            int64_t i = b->cols[0]->d.i64[r];
            got[0]++;
            got[1] += i;
            got[2] += (prev >= 0 && i != prev + 1) || blanks_row_bad(b, r);
            prev = i;
        }
        sl_batch_free(&b);
    }
    sl_csv_scan_free(&sc);
    MPI_Allreduce(MPI_IN_PLACE, got, 3, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    CHECK_INT(got[0], ROWS);
    CHECK_INT(got[1], (int64_t)ROWS * (ROWS - 1) / 2);
    CHECK_INT(got[2], 0);
    sl_csv_source_free(&s);
}

/* The block scan's conversions (csv_numbers.c's kernels, the scalar loops after them, the
 * VARCHAR loop) on every shape they meet: integers of 1-18 digits and signs, [-]D.F decimals
 * of 1-17 bytes, both with blanks around them now and then, short and empty text, NULLs, in
 * a plain file whose first half ends its lines with '\n' and whose second half mixes in
 * "\r\n" (the last column, text, then loses its '\r' as the block is read), in many 64 KB
 * windows. Scanned with the kernels, without (SLUICE_CSV_SCANNER=sse2) and through libcsv
 * alone (=libcsv): every value must be strtoll's or strtod's of the text the generator wrote
 * (doubles bit for bit), every string its bytes, every NULL a NULL. */
typedef struct {
    char is[64], ss[32], ds[64];
    const char *eol;
} number_row;

static void number_text(uint64_t *x, int64_t i, number_row *t)
{
    uint64_t r = check_xs64(x);
    const char *sign = r % 5 == 0 ? "-" : "", *pad = r % 31 == 0 ? " " : "";
    if (i % 11 == 5)
        t->is[0] = 0;
    else
        sprintf(t->is, "%s%s%llu%s", pad, sign,
                (unsigned long long)(r >> (r % 61)) % 1000000000000000000u, pad);
    int sl = (int)(r >> 40) % 20;
    for (int k = 0; k < sl; k++)
        t->ss[k] = (char)('a' + (r >> (k % 50)) % 26);
    t->ss[sl] = 0;
    int ip = 1 + (int)(r >> 8) % 9, fp = 1 + (int)(r >> 16) % 8;
    if (i % 13 == 6)
        t->ds[0] = 0;
    else
        sprintf(t->ds, "%s%s%.*llu.%.*llu%s", pad, sign, ip,
                (unsigned long long)(r >> 20) % 1000000000u, fp,
                (unsigned long long)(r >> 30) % 100000000u, pad);
    t->eol = i >= 10000 && (r >> 60) % 3 == 0 ? "\r\n" : "\n";
}

/* Whether row r of a batch (i, n, x, s) is not the generator's row t. */
static bool number_row_bad(const sl_batch *b, int64_t r, int64_t i, const number_row *t)
{
    int64_t n;
    const char *sp = sl_vec_valid(b->cols[3], r) ? sl_vec_str(b->cols[3], r, &n) : NULL;
    double want = strtod(t->ds, NULL), got = b->cols[2]->d.f64[r];
    return b->cols[0]->d.i64[r] != i || (sp == NULL) != (t->ss[0] == 0) ||
           (sp && (n != (int64_t)strlen(t->ss) || memcmp(sp, t->ss, (size_t)n) != 0)) ||
           sl_vec_valid(b->cols[1], r) != (t->is[0] != 0) ||
           sl_vec_valid(b->cols[2], r) != (t->ds[0] != 0) ||
           (t->is[0] && b->cols[1]->d.i64[r] != strtoll(t->is, NULL, 10)) ||
           (t->ds[0] && memcmp(&want, &got, sizeof want) != 0);
}

static void test_number_shapes(void)
{
    enum { ROWS = 20000 };
    const uint64_t seed = 88172645463325252u;
    if (rank == 0) {
        char path[400];
        snprintf(path, sizeof path, "%s/numbers.csv", dir);
        FILE *f = fopen(path, "w");
        fputs("i,n,x,s\n", f);
        uint64_t x = seed;
        number_row t;
        for (int64_t i = 0; i < ROWS; i++) {
            number_text(&x, i, &t);
            fprintf(f, "%lld,%s,%s,%s%s", (long long)i, t.is, t.ds, t.ss, t.eol);
        }
        fclose(f);
    }
    static const char *const scanners[] = {NULL, "sse2", "libcsv"};
    for (int pass = 0; pass < 3; pass++) {
        if (scanners[pass])
            setenv("SLUICE_CSV_SCANNER", scanners[pass], 1);
        /* declared: the sniffer may read a long decimal as text */
        static char *dn[] = {"i", "n", "x", "s"};
        static sl_type dt[] = {SL_T_BIGINT, SL_T_BIGINT, SL_T_DOUBLE, SL_T_VARCHAR};
        char path[400], *paths[1] = {path};
        snprintf(path, sizeof path, "%s/numbers.csv", dir);
        sl_csv_opts o = opts_for(paths, 1, 1 << 20);
        o.n_decl = 4;
        o.decl_names = dn;
        o.decl_types = dt;
        sl_csv_source *s = NULL;
        sl_err err;
        sl_err_clear(&err);
        CHECK_INT(sl_csv_open(MPI_COMM_WORLD, &o, 1 << 20, 1 << 20, &s, &err), 0);
        if (!s)
            break;
        if (rank == 0) {
            static const int proj[] = {0, 1, 2, 3};
            sl_csv_scan *sc;
            sl_batch *b = NULL;
            int64_t seen = 0, bad = 0;
            uint64_t x = seed;
            number_row t;
            CHECK_INT(sl_csv_scan_open(ctx_for(0), s, proj, 4, &sc, &err), 0);
            while (sl_csv_scan_next(sc, &b, &err) == 0 && b) {
                for (int64_t r = 0; r < b->n_rows; r++, seen++) {
                    number_text(&x, seen, &t);
                    if (number_row_bad(b, r, seen, &t) && bad++ < 5)
                        fprintf(stderr, "scanner %s row %lld: \"%s\" \"%s\" \"%s\" wrong\n",
                                scanners[pass] ? scanners[pass] : "default", (long long)seen,
                                t.is, t.ds, t.ss);
                }
                sl_batch_free(&b);
            }
            CHECK_INT(seen, ROWS);
            CHECK_INT(bad, 0);
            sl_csv_scan_free(&sc);
        }
        sl_csv_source_free(&s);
        unsetenv("SLUICE_CSV_SCANNER");
    }
}

int main(int argc, char **argv)
{
    sl_mpi_init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_ctx.rank);
    sl_budget_default(&g_ctx.budget);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    sl_err_set_rank(rank);
    totals want = {0};
    if (rank == 0) {
        snprintf(dir, sizeof dir, "/tmp/sluice_test_csv_%d_%ld", (int)getpid(), (long)time(NULL));
        mkdir(dir, 0700);
        char path[400];
        snprintf(path, sizeof path, "%s/big_a.csv", dir);
        FILE *f = fopen(path, "w");
        gen_rows(f, 0, 3000, "\r\n", 1, &want);
        fclose(f);
        snprintf(path, sizeof path, "%s/big_b.csv", dir);
        f = fopen(path, "w");
        gen_rows(f, 3000, 1500, "\n", 0, &want);
        fclose(f);
    }
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    MPI_Bcast(&want, sizeof want, MPI_BYTE, 0, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);

    test_big(&want);
    test_infer();
    test_errors();
    test_semantics();
    test_general_path_bits();
    test_number_shapes();

    CHECK_INT(sl_mem_in_use(), 0); /* every source, scan and batch was freed */
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    /* Every rank's checks count: a failure anywhere fails the run. */
    int failed = check_failed, any = 0;
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    sl_mpi_finalize();
    if (rank != 0)
        return any ? 1 : 0;
    check_failed = any > check_failed ? any : check_failed;
    return CHECK_DONE();
}
