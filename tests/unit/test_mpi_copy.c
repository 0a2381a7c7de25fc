/*
 * COPY TO with atomic commit, at any rank count: plain part files and manifest, replacing an
 * existing target (OVERWRITE with --force over a foreign file, then OVERWRITE alone through
 * the move-aside path of file systems without RENAME_EXCHANGE), PARTITION_BY with hostile
 * values (directory names checked by hand), file rotation and the open-file cap (one file
 * per partition and rank however small the cap), a failing rank (no target, no temp dir, old
 * target untouched), a missing parent directory and bad options. Expected totals are
 * computed from the generating formulas, not from COPY's output. A format of the test
 * ("lines") writes through the same COPY: heads and tails per file, its name in the manifest.
 */
#include "check.h"
#include "core/ctx.h"

/* The session context the tested calls count into (core/ctx.h). */
static sl_ctx g_ctx;

#include "core/fsutil.h"
#include "core/mem.h"
#include "exec/copy.h"
#include "io/format.h"
#include "mpi/startup.h"

#include <xxhash.h>

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int rank, nprocs;
static char base[256];

/* Rows rank r writes in the plain test: the last rank none (when there are several). */
static int plain_rows(int r, int round) { return (nprocs > 1 && r == nprocs - 1) ? 0 : 3 + 2 * r + round; }

static sl_batch *plain_batch(int r, int round, bool with_sel)
{
    sl_type t[3] = { SL_T_VARCHAR, SL_T_BIGINT, SL_T_DOUBLE };
    sl_batch *b = sl_batch_new(3, t, 8);
    int n = plain_rows(r, round);
    for (int i = 0; i < n; i++) {
        char s[32];
        snprintf(s, sizeof s, "r%d_%d", r, i);
        sl_vec_push_str(b->cols[0], s, (int64_t)strlen(s));
        sl_vec_push_i64(b->cols[1], r * 1000 + i);
        if (i % 2) sl_vec_push_null(b->cols[2]); else sl_vec_push_f64(b->cols[2], i + 0.5);
    }
    b->n_rows = n;
    if (with_sel && n > 0) {
        /* Rows 0 and n-1 only (or just 0). */
        uint32_t *sel = sl_xmalloc(2 * sizeof *sel);
        sel[0] = 0;
        sel[1] = (uint32_t)(n - 1);
        sl_batch_set_sel(b, sel, n > 1 ? 2 : 1);
    }
    return b;
}

static char *path_in(const char *name) { return sl_fs_join(base, name); }

/* Walks dir recursively; for every regular file named part-*.csv adds its data lines (lines
 * minus the header) and size, and checks the header line equals want_header. */
static void walk_parts(const char *dir, const char *want_header, int64_t *lines, int64_t *bytes,
                       int64_t *files, int64_t *vsum)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
            continue;
        char *p = sl_fs_join(dir, de->d_name);
        struct stat st;
        lstat(p, &st);
        if (S_ISDIR(st.st_mode)) {
            walk_parts(p, want_header, lines, bytes, files, vsum);
        } else if (!strncmp(de->d_name, "part-", 5)) {
            char *text;
            int64_t len;
            sl_err e;
            sl_err_clear(&e);
            if (sl_fs_read_file(p, &text, &len, &e) == 0) {
                size_t hl = strlen(want_header);
                CHECK(strncmp(text, want_header, hl) == 0);
                int64_t nl = 0;
                for (int64_t i = 0; i < len; i++)
                    nl += text[i] == '\n';
                *lines += nl - 1;
                *bytes += len;
                (*files)++;
                /* Sum the BIGINT column: the field after the first comma on each line, or
                 * the whole line when it is the only column. */
                char *line = strchr(text, '\n') + 1;
                while (*line) {
                    char *comma = strchr(line, ',');
                    char *eol = strchr(line, '\n');
                    char *num = (comma && comma < eol) ? comma + 1 : line;
                    *vsum += strtoll(num, NULL, 10);
                    line = eol + 1;
                }
                sl_free(text);
            }
        }
        sl_free(p);
    }
    closedir(d);
}

/* Sums every "key": N in the manifest text. */
static int64_t sum_key(const char *text, const char *key)
{
    int64_t s = 0;
    size_t kl = strlen(key);
    for (const char *p = strstr(text, key); p; p = strstr(p + kl, key))
        s += strtoll(p + kl, NULL, 10);
    return s;
}

/* For every {"path": P, ..., "xxh64": H} entry of the manifest: the file exists under dir and
 * its XXH64 (seed 0) over the whole content is H. Returns the entries checked. */
static int verify_checksums(const char *dir, const char *text)
{
    int n = 0;
    for (const char *p = strstr(text, "{\"path\": \""); p; p = strstr(p + 1, "{\"path\": \"")) {
        p += strlen("{\"path\": \"");
        const char *q = strchr(p, '"');
        char *rel = sl_xstrndup(p, (size_t)(q - p));
        const char *h = strstr(q, "\"xxh64\": \"");
        CHECK(h != NULL);
        if (!h) {
            sl_free(rel);
            break;
        }
        unsigned long long want = strtoull(h + strlen("\"xxh64\": \""), NULL, 16);
        char *path = sl_fs_join(dir, rel), *data = NULL;
        int64_t len = 0;
        sl_err e;
        sl_err_clear(&e);
        CHECK_INT(sl_fs_read_file(path, &data, &len, &e), 0);
        if (data)
            CHECK(XXH64(data, (size_t)len, 0) == want);
        sl_free(data);
        sl_free(path);
        sl_free(rel);
        n++;
    }
    return n;
}

/* Entries of base whose name contains ".sluice-" (temp or old directories left behind). */
static int leftovers(void)
{
    int n = 0;
    DIR *d = opendir(base);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        if (strstr(de->d_name, ".sluice-"))
            n++;
    if (d)
        closedir(d);
    return n;
}

static sl_copy_opts make_opts(char *path, int n_part, char **pby)
{
    /* CSV with its default options (HEADER true, DELIMITER ','). */
    sl_copy_opts o = { .path = path, .format = sl_format_find("csv"),
                       .n_partition = n_part, .partition_by = pby };
    return o;
}

/* ---- a format of this test (io/format.h): COPY must not care which format it writes ---- */

/* "lines": a part file is "BEGIN <columns>\n", one line per row holding its BIGINT column
 * 0, and "END <rows of this file>\n". */
typedef struct { int64_t rows; } lines_w;

static int lines_begin(const void *wopts, int n_cols, char *const *names, const sl_type *types,
                       sl_buf *out, void **w, sl_err *err)
{
    sl_buf_printf(out, "BEGIN %d\n", n_cols);
    *w = sl_xcalloc(1, sizeof(lines_w));
    return 0;
}

static int lines_write(void *w, const sl_batch *b, sl_buf *out, sl_err *err)
{
    int64_t live = sl_batch_live(b);
    for (int64_t k = 0; k < live; k++)
        sl_buf_printf(out, "%lld\n", (long long)b->cols[0]->d.i64[sl_batch_row(b, k)]);
    ((lines_w *)w)->rows += live;
    return 0;
}

static int lines_finish(void *w, sl_buf *out, sl_err *err)
{
    sl_buf_printf(out, "END %lld\n", (long long)((lines_w *)w)->rows);
    return 0;
}

static void lines_free(void *w) { sl_free(w); }
static void *lines_wopts_new(void) { return NULL; }
static int lines_wopts_set(void *o, const sl_fmt_opt *opt, const sl_fmt_ctx *c)
{
    return SL_FMT_UNKNOWN;
}
static void lines_wopts_free(void *o) {}

static const sl_format fmt_lines = {
    .name = "lines", .ext = ".lines", .caps = SL_FMT_WRITE, .write_opt_names = "",
    .wopts_new = lines_wopts_new, .wopts_set = lines_wopts_set,
    .wopts_free = lines_wopts_free, .writer_begin = lines_begin, .writer_write = lines_write,
    .writer_finish = lines_finish, .writer_free = lines_free,
};

/* Checks every part file under dir: named *.lines, "BEGIN 1" first, "END n" last with n the
 * rows between; adds rows, bytes, files and the sum of the values. */
static void walk_lines(const char *dir, int64_t *rows, int64_t *bytes, int64_t *files,
                       int64_t *vsum)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !strcmp(de->d_name, "_SUCCESS"))
            continue;
        char *p = sl_fs_join(dir, de->d_name);
        struct stat st;
        lstat(p, &st);
        if (S_ISDIR(st.st_mode)) {
            walk_lines(p, rows, bytes, files, vsum);
            sl_free(p);
            continue;
        }
        size_t nl = strlen(de->d_name);
        CHECK(nl > 6 && !strcmp(de->d_name + nl - 6, ".lines"));
        char *text = NULL;
        int64_t len = 0;
        sl_err e;
        sl_err_clear(&e);
        CHECK_INT(sl_fs_read_file(p, &text, &len, &e), 0);
        if (text) {
            CHECK(!strncmp(text, "BEGIN 1\n", 8));
            int64_t n = 0;
            char *line = strchr(text, '\n') + 1;
            while (*line && strncmp(line, "END ", 4) != 0) {
                *vsum += strtoll(line, NULL, 10);
                n++;
                line = strchr(line, '\n') + 1;
            }
            CHECK(!strncmp(line, "END ", 4));
            CHECK_INT(strtoll(line + 4, NULL, 10), n);
            CHECK(strchr(line, '\n') && strchr(line, '\n')[1] == 0); /* END is the last line */
            *rows += n;
            *bytes += len;
            (*files)++;
            sl_free(text);
        }
        sl_free(p);
    }
    if (d)
        closedir(d);
}


/* Round 0 writes a new target and drops a marker into it; round 1 replaces it with
 * OVERWRITE, which needs --force because of the marker (not in the manifest); round 2
 * replaces round 1's output with OVERWRITE alone, through the move-aside fallback. */
static void test_plain(int round)
{
    char *target = path_in("out1");
    sl_copy_opts o = make_opts(target, 0, NULL);
    o.overwrite = round > 0;
    sl_copy_guard g = { .force = round == 1, .lock_wait_s = 0 };
    char *names[3] = { "k", "v", "x" };
    sl_type t[3] = { SL_T_VARCHAR, SL_T_BIGINT, SL_T_DOUBLE };
    sl_err err;
    sl_err_clear(&err);
    sl_copy *c = NULL;
    CHECK_INT(sl_copy_begin(&g_ctx, MPI_COMM_WORLD, &o, &g, 3, names, t, &c, &err), 0);
    if (round == 2)
        sl_copy_set_test_flags(c, SL_COPY_TEST_NO_EXCHANGE);
    sl_batch *b1 = plain_batch(rank, round, false), *b2 = plain_batch(rank, round, true);
    CHECK_INT(sl_copy_write(c, b1, &err), 0);
    CHECK_INT(sl_copy_write(c, b2, &err), 0);
    sl_batch_free(&b1);
    sl_batch_free(&b2);
    int64_t rows = -1, bytes = -1;
    CHECK_INT(sl_copy_finish(&c, &rows, &bytes, &err), 0);
    CHECK(c == NULL);

    int64_t want_rows = 0, want_vsum = 0;
    for (int r = 0; r < nprocs; r++) {
        int n = plain_rows(r, round);
        want_rows += n + (n > 1 ? 2 : n);
        for (int i = 0; i < n; i++)
            want_vsum += r * 1000 + i;
        if (n > 0)
            want_vsum += r * 1000 + 0;
        if (n > 1)
            want_vsum += r * 1000 + n - 1;
    }
    CHECK_INT(rows, want_rows);
    if (rank == 0) {
        char *man = sl_fs_join(target, "_SUCCESS"), *text = NULL;
        int64_t len;
        CHECK_INT(sl_fs_read_file(man, &text, &len, &err), 0);
        if (text) {
            CHECK_INT(sum_key(text, "\"rows\": "), want_rows);
            CHECK_INT(sum_key(text, "\"total_rows\": "), want_rows);
            CHECK_INT(sum_key(text, "\"total_bytes\": "), bytes);
            CHECK_INT(sum_key(text, "\"bytes\": "), bytes);
            CHECK_INT(sum_key(text, "\"ranks\": "), nprocs);
            CHECK(strstr(text, "\"format\": \"csv\"") != NULL);
            CHECK_INT(verify_checksums(target, text), nprocs > 1 ? nprocs - 1 : 1);
        }
        sl_free(text);
        sl_free(man);
        int64_t lines = 0, fbytes = 0, files = 0, vsum = 0;
        walk_parts(target, "k,v,x\n", &lines, &fbytes, &files, &vsum);
        CHECK_INT(lines, want_rows);
        CHECK_INT(fbytes, bytes);
        CHECK_INT(vsum, want_vsum);
        /* One file per rank that had rows. */
        CHECK_INT(files, nprocs > 1 ? nprocs - 1 : 1);
        CHECK_INT(leftovers(), 0);
        if (round == 0) {
            /* A marker that the next round's COPY must remove with the old output. */
            char *mk = sl_fs_join(target, "marker");
            CHECK_INT(sl_fs_write_file(mk, "x", 1, &err), 0);
            sl_free(mk);
        } else {
            char *mk = sl_fs_join(target, "marker");
            CHECK(!sl_fs_exists(mk));
            sl_free(mk);
        }
    }
    sl_free(target);
    MPI_Barrier(MPI_COMM_WORLD);
}

static void test_partition(void)
{
    char *target = path_in("out2");
    char *pby[1] = { "K" };   /* names match case-insensitively, as in DuckDB */
    sl_copy_opts o = make_opts(target, 1, pby);
    char *names[2] = { "k", "v" };
    sl_type t[2] = { SL_T_VARCHAR, SL_T_BIGINT };
    const char *vals[] = { "a/b", "..", "", NULL, "x y", ".", "NULL", "../../esc" };
    const char *dirs[] = { "k=a%2Fb", "k=%2E%2E", "k=", "k=NULL", "k=x%20y", "k=%2E",
                           "k=%4EULL", "k=..%2F..%2Fesc" };
    int nv = 8;
    sl_err err;
    sl_err_clear(&err);
    sl_copy *c = NULL;
    CHECK_INT(sl_copy_begin(&g_ctx, MPI_COMM_WORLD, &o, NULL, 2, names, t, &c, &err), 0);
    /* Rank r writes 2*nv + r rows cycling through the values; small limits force rotation
     * and closing least recently used files. */
    sl_copy_set_limits(c, 8, 3);
    sl_batch *b = sl_batch_new(2, t, 8);
    int n = 2 * nv + rank;
    for (int i = 0; i < n; i++) {
        const char *s = vals[i % nv];
        if (s) sl_vec_push_str(b->cols[0], s, (int64_t)strlen(s));
        else sl_vec_push_null(b->cols[0]);
        sl_vec_push_i64(b->cols[1], 100 + i);
    }
    b->n_rows = n;
    CHECK_INT(sl_copy_write(c, b, &err), 0);
    CHECK_INT(sl_copy_write(c, b, &err), 0);
    sl_batch_free(&b);
    int64_t rows = 0, bytes = 0;
    CHECK_INT(sl_copy_finish(&c, &rows, &bytes, &err), 0);
    int64_t want = 0, want_vsum = 0;
    for (int r = 0; r < nprocs; r++)
        for (int i = 0; i < 2 * nv + r; i++) {
            want += 2;
            want_vsum += 2 * (100 + i);
        }
    CHECK_INT(rows, want);
    if (rank == 0) {
        /* Exactly the hand-written directory names plus _SUCCESS, nothing else. */
        DIR *d = opendir(target);
        int found = 0, other = 0;
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
                !strcmp(de->d_name, "_SUCCESS"))
                continue;
            int hit = 0;
            for (int i = 0; i < nv; i++)
                hit |= !strcmp(de->d_name, dirs[i]);
            if (hit) found++;
            else { other++; fprintf(stderr, "unexpected entry %s\n", de->d_name); }
        }
        if (d)
            closedir(d);
        CHECK_INT(found, nv);
        CHECK_INT(other, 0);
        int64_t lines = 0, fbytes = 0, files = 0, vsum = 0;
        walk_parts(target, "v\n", &lines, &fbytes, &files, &vsum);
        CHECK_INT(lines, want);
        CHECK_INT(fbytes, bytes);
        CHECK_INT(vsum, want_vsum);
        CHECK(files > nv);   /* rotation at 8 bytes split files */
        /* Nothing escaped into base: only out1, out2 and the marker-free names. */
        char *esc = path_in("esc");
        CHECK(!sl_fs_exists(esc));
        sl_free(esc);
        CHECK_INT(leftovers(), 0);
    }
    sl_free(target);
    MPI_Barrier(MPI_COMM_WORLD);
}

/* Eight partitions through a cap of two open files, in three rounds of writes that each
 * touch every partition: still exactly one file per partition and rank, each complete. */
static void test_open_cap(void)
{
    char *target = path_in("out6");
    char *pby[1] = { "k" };
    sl_copy_opts o = make_opts(target, 1, pby);
    char *names[2] = { "k", "v" };
    sl_type t[2] = { SL_T_VARCHAR, SL_T_BIGINT };
    int nv = 8, per = 3, rounds = 3;
    sl_err err;
    sl_err_clear(&err);
    sl_copy *c = NULL;
    CHECK_INT(sl_copy_begin(&g_ctx, MPI_COMM_WORLD, &o, NULL, 2, names, t, &c, &err), 0);
    sl_copy_set_limits(c, INT64_C(1) << 30, 2);
    int64_t want_vsum = 0;
    for (int round = 0; round < rounds; round++) {
        sl_batch *b = sl_batch_new(2, t, 8);
        for (int i = 0; i < nv * per; i++) {
            char s[8];
            snprintf(s, sizeof s, "p%d", i % nv);
            sl_vec_push_str(b->cols[0], s, (int64_t)strlen(s));
            sl_vec_push_i64(b->cols[1], round * 1000 + i);
        }
        b->n_rows = nv * per;
        CHECK_INT(sl_copy_write(c, b, &err), 0);
        sl_batch_free(&b);
        for (int i = 0; i < nv * per; i++)
            want_vsum += (round * 1000 + i) * nprocs;
    }
    int64_t rows = 0, bytes = 0;
    CHECK_INT(sl_copy_finish(&c, &rows, &bytes, &err), 0);
    CHECK_INT(rows, (int64_t)nv * per * rounds * nprocs);
    if (rank == 0) {
        int64_t lines = 0, fbytes = 0, files = 0, vsum = 0;
        walk_parts(target, "v\n", &lines, &fbytes, &files, &vsum);
        CHECK_INT(files, (int64_t)nv * nprocs);
        CHECK_INT(lines, rows);
        CHECK_INT(fbytes, bytes);
        CHECK_INT(vsum, want_vsum);
        char *man = sl_fs_join(target, "_SUCCESS"), *text = NULL;
        int64_t len;
        CHECK_INT(sl_fs_read_file(man, &text, &len, &err), 0);
        if (text)
            CHECK_INT(verify_checksums(target, text), nv * nprocs);
        sl_free(text);
        sl_free(man);
        CHECK_INT(leftovers(), 0);
    }
    sl_free(target);
    MPI_Barrier(MPI_COMM_WORLD);
}

/* Rank 1 (rank 0 when alone) fails before finish: nothing may change on disk. */
static void test_failure(const char *name, bool existing)
{
    char *target = path_in(name);
    char *marker = sl_fs_join(target, "keep.txt");
    sl_err err;
    sl_err_clear(&err);
    if (rank == 0 && existing) {
        CHECK_INT(sl_fs_mkdir_p(target, &err), 0);
        CHECK_INT(sl_fs_write_file(marker, "keep\n", 5, &err), 0);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    sl_copy_opts o = make_opts(target, 0, NULL);
    o.overwrite = existing;
    sl_copy_guard g = { .force = true, .lock_wait_s = 0 };   /* keep.txt is not sluice's */
    char *names[3] = { "k", "v", "x" };
    sl_type t[3] = { SL_T_VARCHAR, SL_T_BIGINT, SL_T_DOUBLE };
    sl_copy *c = NULL;
    CHECK_INT(sl_copy_begin(&g_ctx, MPI_COMM_WORLD, &o, &g, 3, names, t, &c, &err), 0);
    sl_batch *b = plain_batch(rank, 0, false);
    CHECK_INT(sl_copy_write(c, b, &err), 0);
    sl_batch_free(&b);
    int bad = nprocs > 1 ? 1 : 0;
    if (rank == bad)
        SL_ERR(&err, SL_EDATA, "injected failure on rank %d", bad);
    int64_t rows = -1, bytes = -1;
    CHECK_INT(sl_copy_finish(&c, &rows, &bytes, &err), SL_EDATA);
    char want[64];
    snprintf(want, sizeof want, "injected failure on rank %d", bad);
    CHECK_STR(err.msg, want);
    CHECK_INT(rows, 0);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        if (existing) {
            CHECK(sl_fs_exists(marker));
            char *man = sl_fs_join(target, "_SUCCESS");
            CHECK(!sl_fs_exists(man));
            sl_free(man);
        } else {
            CHECK(!sl_fs_exists(target));
        }
        CHECK_INT(leftovers(), 0);
    }
    sl_free(marker);
    sl_free(target);
    MPI_Barrier(MPI_COMM_WORLD);
}

/* Errors found by begin: every rank gets the same code and message; finish cleans up. */
static void expect_begin_error(sl_copy_opts *o, int n_cols, char **names, const sl_type *t,
                               int code, const char *msg)
{
    sl_err err;
    sl_err_clear(&err);
    sl_copy *c = NULL;
    CHECK_INT(sl_copy_begin(&g_ctx, MPI_COMM_WORLD, o, NULL, n_cols, names, t, &c, &err), code);
    CHECK(c != NULL);
    if (msg)
        CHECK_STR(err.msg, msg);
    /* A write after a failed begin is refused with the same error. */
    sl_err e2;
    sl_err_clear(&e2);
    sl_batch *b = plain_batch(rank, 0, false);
    CHECK_INT(sl_copy_write(c, b, &e2), code);
    sl_batch_free(&b);
    int64_t rows = -1, bytes = -1;
    sl_err e3;
    sl_err_clear(&e3);
    CHECK_INT(sl_copy_finish(&c, &rows, &bytes, &e3), code);
    CHECK_INT(rows, 0);
    if (rank == 0)
        CHECK_INT(leftovers(), 0);
}

static void test_begin_errors(void)
{
    char *names[3] = { "k", "v", "x" };
    sl_type t[3] = { SL_T_VARCHAR, SL_T_BIGINT, SL_T_DOUBLE };

    char *nodir = path_in("nope/out");
    sl_copy_opts o = make_opts(nodir, 0, NULL);
    expect_begin_error(&o, 3, names, t, SL_ENOENT, NULL);
    if (rank == 0) {
        char *p = path_in("nope");
        CHECK(!sl_fs_exists(p));
        sl_free(p);
    }
    sl_free(nodir);

    char *tgt = path_in("out5");
    /* A format that cannot write (the parser refuses it; a library caller may not). */
    static const sl_format ro = { .name = "ro", .caps = 0 };
    o = make_opts(tgt, 0, NULL);
    o.format = &ro;
    expect_begin_error(&o, 3, names, t, SL_EUSAGE,
                       "COPY: FORMAT 'ro' is not supported (formats that can write: csv, "
                       "hdf5)");
    char *pby[3] = { "v", "zz", "k" };
    o = make_opts(tgt, 2, pby);
    expect_begin_error(&o, 3, names, t, SL_EBIND,
                       "COPY: PARTITION_BY column \"zz\" is not in the query's output "
                       "(columns: k, v, x)");
    char *all[3] = { "x", "k", "v" };
    o = make_opts(tgt, 3, all);
    expect_begin_error(&o, 3, names, t, SL_EUSAGE, NULL);

    /* A target that is a regular file. */
    sl_err err;
    sl_err_clear(&err);
    if (rank == 0)
        CHECK_INT(sl_fs_write_file(tgt, "f", 1, &err), 0);
    MPI_Barrier(MPI_COMM_WORLD);
    o = make_opts(tgt, 0, NULL);
    expect_begin_error(&o, 3, names, t, SL_EIO, NULL);
    if (rank == 0)
        CHECK(!sl_fs_is_dir(tgt));
    sl_free(tgt);
    MPI_Barrier(MPI_COMM_WORLD);
}

/* Path helpers and write errors (local, checked on rank 0). */
/* COPY through a format of its own, with partitions, rotation and the open-file cap (files
 * closed and reopened): every file gets its head and its tail exactly once, the manifest says
 * the format; adding CSV files to that directory is refused, adding "lines" files is not. */
static void test_other_format(void)
{
    char *target = path_in("out_lines");
    char *pby[1] = { "k" };
    sl_copy_opts o = make_opts(target, 1, pby);
    o.format = &fmt_lines;
    char *names[2] = { "k", "v" };
    sl_type t[2] = { SL_T_VARCHAR, SL_T_BIGINT };
    int nv = 5, n = 40 + rank;
    int64_t want_rows = 0, want_vsum = 0;
    for (int r = 0; r < nprocs; r++)
        for (int i = 0; i < 40 + r; i++) {
            want_rows++;
            want_vsum += r * 1000 + i;
        }
    for (int round = 0; round < 2; round++) {
        sl_err err;
        sl_err_clear(&err);
        sl_copy *c = NULL;
        o.overwrite_or_ignore = round == 1;
        CHECK_INT(sl_copy_begin(&g_ctx, MPI_COMM_WORLD, &o, NULL, 2, names, t, &c, &err), 0);
        sl_copy_set_limits(c, 24, 2);
        /* Several writes, each touching every partition, so files are evicted and reopened. */
        for (int w = 0; w < 4; w++) {
            sl_batch *b = sl_batch_new(2, t, 16);
            for (int i = w; i < n; i += 4) {
                char k[8];
                snprintf(k, sizeof k, "p%d", i % nv);
                sl_vec_push_str(b->cols[0], k, (int64_t)strlen(k));
                sl_vec_push_i64(b->cols[1], rank * 1000 + i);
                b->n_rows++;
            }
            CHECK_INT(sl_copy_write(c, b, &err), 0);
            sl_batch_free(&b);
        }
        int64_t rows = 0, bytes = 0;
        CHECK_INT(sl_copy_finish(&c, &rows, &bytes, &err), 0);
        CHECK_INT(rows, want_rows);
        if (rank == 0) {
            int64_t lrows = 0, lbytes = 0, files = 0, vsum = 0;
            walk_lines(target, &lrows, &lbytes, &files, &vsum);
            CHECK_INT(lrows, want_rows * (round + 1));
            CHECK_INT(vsum, want_vsum * (round + 1));
            CHECK(files > nv * nprocs); /* rotation at 24 bytes split the files */
            char *man = sl_fs_join(target, "_SUCCESS"), *text = NULL;
            int64_t len;
            CHECK_INT(sl_fs_read_file(man, &text, &len, &err), 0);
            if (text) {
                CHECK(strstr(text, "\"format\": \"lines\"") != NULL);
                CHECK_INT(sum_key(text, "\"total_bytes\": "), lbytes);
                CHECK_INT(verify_checksums(target, text), files);
            }
            sl_free(text);
            sl_free(man);
            CHECK_INT(leftovers(), 0);
        }
        MPI_Barrier(MPI_COMM_WORLD);
    }
    /* CSV files beside "lines" files: refused, the target untouched. */
    o = make_opts(target, 1, pby);
    o.overwrite_or_ignore = true;
    expect_begin_error(&o, 2, names, t, SL_EUSAGE, NULL);
    sl_err err;
    sl_err_clear(&err);
    sl_copy *c = NULL;
    CHECK_INT(sl_copy_begin(&g_ctx, MPI_COMM_WORLD, &o, NULL, 2, names, t, &c, &err), SL_EUSAGE);
    CHECK(strstr(err.msg, "holds output in format lines, this COPY writes csv") != NULL);
    int64_t rows, bytes;
    sl_copy_finish(&c, &rows, &bytes, &err);
    sl_free(target);
    MPI_Barrier(MPI_COMM_WORLD);
}

static void test_fsutil(void)
{
    char *s;
    CHECK_STR(s = sl_fs_join("a/", "/b"), "a/b"); sl_free(s);
    CHECK_STR(s = sl_fs_join("/", "b"), "/b"); sl_free(s);
    CHECK_STR(s = sl_fs_parent("out"), "."); sl_free(s);
    CHECK_STR(s = sl_fs_parent("/out/"), "/"); sl_free(s);
    CHECK_STR(s = sl_fs_parent("x//y/z//"), "x//y"); sl_free(s);
    CHECK_STR(s = sl_fs_strip_slashes("d///"), "d"); sl_free(s);
    sl_err err;
    sl_err_clear(&err);
    FILE *f = fopen("/dev/full", "w");
    if (f) {
        CHECK_INT(sl_fs_write_all(fileno(f), "abc", 3, "/dev/full", &err), SL_ENOSPC);
        CHECK_STR(err.msg, "cannot write '/dev/full': No space left on device");
        fclose(f);
    }
    /* mkdir -p through an existing file fails cleanly; rm -rf of a missing path is fine. */
    char *file = path_in("plainfile"), *sub = sl_fs_join(file, "sub");
    sl_err_clear(&err);
    CHECK_INT(sl_fs_write_file(file, "x", 1, &err), 0);
    CHECK(sl_fs_mkdir_p(sub, &err) != 0);
    CHECK_INT(sl_fs_rm_rf(file), 0);
    CHECK(!sl_fs_exists(file));
    CHECK_INT(sl_fs_rm_rf(file), 0);
    sl_free(sub);
    sl_free(file);
}

int main(int argc, char **argv)
{
    sl_mpi_init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_ctx.rank);
    sl_budget_default(&g_ctx.budget);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nprocs);
    if (rank == 0)
        snprintf(base, sizeof base, "/tmp/sluice-test-copy-%d-%ld", (int)getpid(),
                 (long)time(NULL));
    MPI_Bcast(base, sizeof base, MPI_CHAR, 0, MPI_COMM_WORLD);
    sl_err err;
    sl_err_clear(&err);
    if (rank == 0)
        CHECK_INT(sl_fs_mkdir_p(base, &err), 0);
    MPI_Barrier(MPI_COMM_WORLD);

    if (rank == 0)
        test_fsutil();
    test_plain(0);
    test_plain(1);   /* replaces out1 (OVERWRITE, --force: the marker) */
    test_plain(2);   /* replaces it again without RENAME_EXCHANGE */
    test_partition();
    test_open_cap();
    test_failure("out3", true);
    test_failure("out4", false);
    test_begin_errors();
    test_other_format();

    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        sl_fs_rm_rf(base);
    int failed = 0;
    MPI_Allreduce(&check_failed, &failed, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    int rc = failed ? 1 : 0;
    if (rank == 0) {
        check_failed = failed;
        rc = CHECK_DONE();
    }
    sl_mpi_finalize();
    return rc;
}
