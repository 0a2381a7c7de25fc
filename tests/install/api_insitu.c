/*
 * tests/install/api_insitu.c: the in-situ C API (sl_session_register_columns,
 * sl_session_query, the cursor) from a user's program, built by tests/install/run.sh against
 * the installed sluice with `pkg-config --cflags --libs sluice` alone. The oracle is the data
 * the program registered itself: what comes back must be exactly that (or its count, sum,
 * ...). Every check prints "ok"/"FAIL" on rank 0; exits 1 on any failure (on every rank).
 *
 *   mpirun -n 3 api_insitu
 */
#include <sluice/sluice.h>

#include <stdlib.h>
#include <string.h>

static int rank, size, failed, passed;

static void check(int ok, const char *what)
{
    int all;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%s %s\n", all ? "ok  " : "FAIL", what);
    if (all)
        passed++;
    else
        failed++;
}

/* Every rank holds the same message (the error is agreed). */
static int same_everywhere(const char *msg)
{
    char ref[1024] = "";
    if (rank == 0)
        snprintf(ref, sizeof ref, "%s", msg);
    MPI_Bcast(ref, sizeof ref, MPI_CHAR, 0, MPI_COMM_WORLD);
    return strcmp(ref, msg) == 0;
}

/* The rows of a rank: global ids off .. off + m. Values are functions of the id. */
typedef struct rows {
    int64_t m, *id, *s_off, *day, *ts;
    int32_t *i32;
    float *f;
    double *d;
    uint8_t *b, *d_ok, *s_ok;
    char *chars;
} rows;

static const char *word(int64_t g) /* varied lengths, one empty, UTF-8 */
{
    static const char *w[] = {"", "a", "caf\xc3\xa9", "with, comma", "x\"q", "longer text 12345"};
    return w[g % 6];
}

static void make_rows(rows *r, int64_t off, int64_t m)
{
    r->m = m;
    r->id = malloc(8 * (size_t)m + 8);
    r->i32 = malloc(4 * (size_t)m + 4);
    r->f = malloc(4 * (size_t)m + 4);
    r->d = malloc(8 * (size_t)m + 8);
    r->b = malloc((size_t)m + 1);
    r->d_ok = malloc((size_t)m + 1);
    r->s_ok = malloc((size_t)m + 1);
    r->day = malloc(8 * (size_t)m + 8);
    r->ts = malloc(8 * (size_t)m + 8);
    r->s_off = malloc(8 * (size_t)m + 8);
    r->chars = malloc(32 * (size_t)m + 1);
    r->s_off[0] = 0;
    for (int64_t i = 0; i < m; i++) {
        int64_t g = off + i;
        r->id[i] = g;
        r->i32[i] = (int32_t)(g * 7 - 20);
        r->f[i] = (float)g / 4.0f;
        r->d[i] = g * 1.5 - 0.25;
        r->d_ok[i] = g % 4 != 3;
        r->b[i] = g % 3 == 0;
        r->day[i] = 19000 + g;
        r->ts[i] = (int64_t)1700000000000000 + g * 1000001;
        r->s_ok[i] = g % 5 != 4;
        size_t n = strlen(word(g));
        memcpy(r->chars + r->s_off[i], word(g), n);
        r->s_off[i + 1] = r->s_off[i] + (int64_t)n;
    }
}

static void free_rows(rows *r)
{
    free(r->id); free(r->i32); free(r->f); free(r->d); free(r->b); free(r->d_ok);
    free(r->s_ok); free(r->day); free(r->ts); free(r->s_off); free(r->chars);
}

static int register_rows(sl_session *s, const char *name, rows *r)
{
    sl_column c[] = {
        {"id", SL_COL_BIGINT, r->id, NULL, NULL},
        {"i32", SL_COL_INT32, r->i32, NULL, NULL},
        {"f", SL_COL_FLOAT, r->f, NULL, NULL},
        {"d", SL_COL_DOUBLE, r->d, NULL, r->d_ok},
        {"s", SL_COL_VARCHAR, r->s_off, r->chars, r->s_ok},
        {"b", SL_COL_BOOLEAN, r->b, NULL, NULL},
        {"day", SL_COL_DATE, r->day, NULL, NULL},
        {"ts", SL_COL_TIMESTAMP, r->ts, NULL, NULL},
    };
    return sl_session_register_columns(s, name, 8, c, r->m);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    sl_options o;
    sl_options_init(&o);
    o.quiet = 1;
    sl_session *s;
    sl_session_new(MPI_COMM_WORLD, &o, &s);

    /* Rank r holds 5 + 3r rows; ids are global and contiguous. */
    int64_t off = 0, total = 0;
    for (int r = 0; r < size; r++) {
        if (r < rank)
            off += 5 + 3 * r;
        total += 5 + 3 * r;
    }
    rows mine;
    make_rows(&mine, off, 5 + 3 * rank);
    rows all;
    make_rows(&all, 0, total);
    check(register_rows(s, "t", &mine) == 0, "register 8 columns of every type");

    /* 1. Gathered, in order: exactly the rows registered, every type, every NULL. */
    sl_cursor *c = NULL;
    int rc = sl_session_query(s, "SELECT * FROM t ORDER BY id", SL_QUERY_GATHER, &c);
    check(rc == 0 && c, "query SELECT * ORDER BY id (gathered)");
    if (c) {
        const sl_column *meta;
        int nc = sl_cursor_columns(c, &meta);
        static const sl_coltype want_t[] = {SL_COL_BIGINT, SL_COL_BIGINT, SL_COL_DOUBLE,
            SL_COL_DOUBLE, SL_COL_VARCHAR, SL_COL_BOOLEAN, SL_COL_DATE, SL_COL_TIMESTAMP};
        static const char *want_n[] = {"id", "i32", "f", "d", "s", "b", "day", "ts"};
        int ok = nc == 8;
        for (int i = 0; ok && i < 8; i++)
            ok = meta[i].type == want_t[i] && strcmp(meta[i].name, want_n[i]) == 0;
        check(ok, "result columns: names and types (INT32 -> BIGINT, FLOAT -> DOUBLE)");
        check(sl_cursor_rows(c) == (rank == 0 ? total : 0), "rank 0 holds every row");
        int64_t k = 0, n;
        const sl_column *r;
        ok = 1;
        while ((n = sl_cursor_next(c, &r)) > 0) {
            for (int64_t i = 0; i < n && ok; i++, k++) {
                const int64_t *so = r[4].data;
                int s_null = r[4].valid && !r[4].valid[i], d_null = r[3].valid && !r[3].valid[i];
                ok = k < total && ((const int64_t *)r[0].data)[i] == all.id[k] &&
                     ((const int64_t *)r[1].data)[i] == all.i32[k] &&
                     ((const double *)r[2].data)[i] == (double)all.f[k] &&
                     d_null == !all.d_ok[k] &&
                     (d_null || ((const double *)r[3].data)[i] == all.d[k]) &&
                     s_null == !all.s_ok[k] &&
                     (s_null || (so[i + 1] - so[i] == all.s_off[k + 1] - all.s_off[k] &&
                                 !memcmp(r[4].chars + so[i], all.chars + all.s_off[k],
                                         (size_t)(so[i + 1] - so[i])))) &&
                     ((const uint8_t *)r[5].data)[i] == all.b[k] &&
                     !r[5].valid && !r[0].valid &&
                     ((const int64_t *)r[6].data)[i] == all.day[k] &&
                     ((const int64_t *)r[7].data)[i] == all.ts[k];
                if (!ok)
                    fprintf(stderr, "rank %d: row %lld differs\n", rank, (long long)k);
            }
        }
        check(ok && k == (rank == 0 ? total : 0), "every value round-trips exactly, NULLs too");
        sl_cursor_free(&c);
    }

    /* 1b. A DECIMAL result comes out as DOUBLE (its value, not its unscaled integer), an
     * INTEGER as int64. */
    rc = sl_session_query(s, "SELECT CAST(65.946 AS DECIMAL(18,2)) AS m, -0.10 AS n, "
                          "CAST(7 AS INTEGER) AS i", SL_QUERY_GATHER, &c);
    if (!rc) {
        const sl_column *r;
        int64_t n, got = 0;
        int dok = 1;
        while ((n = sl_cursor_next(c, &r)) > 0) {
            got += n;
            dok = dok && r[0].type == SL_COL_DOUBLE && r[1].type == SL_COL_DOUBLE &&
                  r[2].type == SL_COL_BIGINT && ((const double *)r[0].data)[0] == 65.95 &&
                  ((const double *)r[1].data)[0] == -0.1 && ((const int64_t *)r[2].data)[0] == 7;
        }
        check(dok && got == (rank == 0 ? 1 : 0), "DECIMAL results as DOUBLE, INTEGER as int64");
        sl_cursor_free(&c);
    } else {
        check(0, "DECIMAL results as DOUBLE, INTEGER as int64");
    }

    /* 2. Partitioned: each rank keeps what it computed; together, every row once. */
    rc = sl_session_query(s, "SELECT id, d FROM t WHERE d IS NOT NULL", SL_QUERY_PARTITIONED,
                          &c);
    int64_t cnt = 0, sum = 0, wcnt = 0, wsum = 0;
    if (!rc) {
        const sl_column *r;
        for (int64_t n; (n = sl_cursor_next(c, &r)) > 0;)
            for (int64_t i = 0; i < n; i++, cnt++)
                sum += ((const int64_t *)r[0].data)[i];
        sl_cursor_free(&c);
    }
    for (int64_t k = 0; k < total; k++)
        if (all.d_ok[k]) {
            wcnt++;
            wsum += all.id[k];
        }
    int64_t tc = 0, ts = 0;
    int ok;
    MPI_Allreduce(&cnt, &tc, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(&sum, &ts, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    check(rc == 0 && tc == wcnt && ts == wsum, "partitioned: every rank's part, all rows once");

    /* 2b. Partitioned with ORDER BY: each rank's part is sorted, and rank r's values come
     * before rank r + 1's (the ranges of a distributed sort). */
    rc = sl_session_query(s, "SELECT d FROM t WHERE d IS NOT NULL ORDER BY d DESC",
                          SL_QUERY_PARTITIONED, &c);
    double bounds[2] = {1e300, -1e300}; /* this rank's max, min */
    ok = rc == 0;
    cnt = 0;
    if (!rc) {
        const sl_column *r;
        double prev = 1e300;
        for (int64_t n; (n = sl_cursor_next(c, &r)) > 0;)
            for (int64_t i = 0; i < n; i++, cnt++) {
                double v = ((const double *)r[0].data)[i];
                ok = ok && v <= prev;
                prev = v;
                if (cnt == 0)
                    bounds[0] = v;
                bounds[1] = v;
            }
        sl_cursor_free(&c);
    }
    double *bs = malloc(sizeof *bs * 2 * (size_t)size);
    int64_t *cs = malloc(sizeof *cs * (size_t)size);
    MPI_Allgather(bounds, 2, MPI_DOUBLE, bs, 2, MPI_DOUBLE, MPI_COMM_WORLD);
    MPI_Allgather(&cnt, 1, MPI_INT64_T, cs, 1, MPI_INT64_T, MPI_COMM_WORLD);
    double last = 1e300;
    int64_t seen = 0;
    for (int q = 0; q < size; q++) {
        if (cs[q] == 0)
            continue;
        ok = ok && bs[2 * q] <= last;
        last = bs[2 * q + 1];
        seen += cs[q];
    }
    check(ok && seen == wcnt, "partitioned ORDER BY: sorted parts, rank r's range before r+1's");
    free(bs);
    free(cs);

    /* 3. Aggregates over a table bigger than one batch (70000 rows a rank). */
    int64_t big_n = 70000, *big = malloc(8 * (size_t)big_n);
    for (int64_t i = 0; i < big_n; i++)
        big[i] = rank * big_n + i;
    sl_column bc = {"x", SL_COL_BIGINT, big, NULL, NULL};
    rc = sl_session_register_columns(s, "big", 1, &bc, big_n);
    if (!rc)
        rc = sl_session_query(s, "SET blocksize = '1MB'; "
                              "SELECT count(*) AS n, sum(x) AS s FROM big", 0, &c);
    ok = rc == 0;
    if (!rc) {
        const sl_column *r;
        int64_t n = sl_cursor_next(c, &r), N = big_n * size;
        if (rank == 0)
            ok = n == 1 && ((const int64_t *)r[0].data)[0] == N &&
                 ((const int64_t *)r[1].data)[0] == N * (N - 1) / 2;
        else
            ok = n == 0;
        sl_cursor_free(&c);
    }
    check(ok, "count and sum over 70000 rows a rank (batches of 65536)");

    /* 4. Errors are agreed: the same code and message on every rank. */
    rc = sl_session_query(s, "SELECT id FROM t WHERE", 0, &c);
    check(rc != 0 && c == NULL && strstr(sl_session_error(s), "<query>:1:") &&
          same_everywhere(sl_session_error(s)), "a syntax error: agreed, at its position");
    rc = sl_session_query(s, "SELECT nosuch FROM t", 0, &c);
    check(rc != 0 && strstr(sl_session_error(s), "nosuch") && same_everywhere(sl_session_error(s)),
          "an unknown column: agreed");
    rc = sl_session_query(s, "CREATE VIEW v AS SELECT id FROM t", 0, &c);
    check(rc != 0 && strstr(sl_session_error(s), "must be a SELECT"),
          "a query whose last statement is not a SELECT is refused");
    sl_column bad = {"x", rank == size - 1 && size > 1 ? SL_COL_DOUBLE : SL_COL_BIGINT, big,
                     NULL, NULL};
    rc = sl_session_register_columns(s, "big", 1, &bad, big_n);
    if (size > 1)
        check(rc != 0 && strstr(sl_session_error(s), "but rank 0 registers big(x BIGINT)") &&
              same_everywhere(sl_session_error(s)), "ranks that disagree on a schema: agreed");
    sl_column nodata = {"x", SL_COL_BIGINT, NULL, NULL, NULL};
    rc = sl_session_register_columns(s, "nd", 1, &nodata, rank == 0 ? 3 : 0);
    check(rc != 0 && strstr(sl_session_error(s), "no data for 3 rows") &&
          same_everywhere(sl_session_error(s)), "NULL data with rows on rank 0: agreed");

    /* 5. The session still works; registering again replaces; unregister forgets. */
    rows next;
    make_rows(&next, off + 1000, 5 + 3 * rank);
    rc = register_rows(s, "t", &next);
    if (!rc)
        rc = sl_session_query(s, "SELECT min(id) AS lo, count(*) AS n FROM t", 0, &c);
    ok = rc == 0;
    if (!rc) {
        const sl_column *r;
        int64_t n = sl_cursor_next(c, &r);
        if (rank == 0)
            ok = n == 1 && ((const int64_t *)r[0].data)[0] == 1000 &&
                 ((const int64_t *)r[1].data)[0] == total;
        sl_cursor_free(&c);
    }
    check(ok, "registering a name again replaces the table (the next step's arrays)");
    sl_session_unregister(s, "t");
    rc = sl_session_query(s, "SELECT count(*) AS n FROM t", 0, &c);
    check(rc != 0 && c == NULL, "after unregister the table is gone");

    free_rows(&mine);
    free_rows(&all);
    free_rows(&next);
    free(big);
    sl_session_free(&s);
    if (rank == 0)
        printf("api_insitu: %d passed, %d failed\n", passed, failed);
    MPI_Finalize();
    return failed ? 1 : 0;
}
