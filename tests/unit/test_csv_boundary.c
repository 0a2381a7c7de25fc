/*
 * Record-boundary finding on hand-made buffers (no MPI needed): for every blocksize from 1 to
 * past the buffer and several reader chunk sizes, the owned byte spans [rec(s), rec(e)) of the
 * ranges must tile the records exactly, each range must own exactly the hand-listed record
 * starts inside it, and line numbers must match a count of '\n' before each start.
 * Cases: quoted newlines, "" escapes next to range edges, CRLF, a record spanning many ranges,
 * a range starting exactly at a record start, quote='' mode, BOM and leading blank lines.
 */
#include <stdlib.h>

#include "check.h"
#include "core/mem.h"
#include "io/io_int.h"

/* Builds a one-file source over buf with the real planner/counter/prefix. */
static void plan(sl_csv_source *s, sl_csv_file *f, sl_csv_rd *rd, int64_t n, int64_t bs,
                 char quote)
{
    memset(s, 0, sizeof *s);
    s->quote = quote;
    s->delim = ',';
    s->n_files = 1;
    s->files = f;
    sl_err err;
    sl_err_clear(&err);
    CHECK_INT(sl_csv_first_record(rd, &f->first_rec, &f->first_line, &err), 0);
    sl_csv_plan_ranges(s, bs, 1);
    for (int k = 0; k < s->n_ranges; k++)
        CHECK_INT(sl_csv_count(rd, s->ranges[k].off, s->ranges[k].len, quote,
                               &s->ranges[k].n_quotes, &s->ranges[k].n_nl, &err), 0);
    sl_csv_prefix(s);
}

static int64_t lines_before(const char *b, int64_t pos)
{
    int64_t l = 1;
    for (int64_t i = 0; i < pos; i++)
        l += b[i] == '\n';
    return l;
}

/* starts: the hand-listed record starts, ascending. */
static void check_case(const char *name, const char *buf, int64_t n, char quote,
                       const int64_t *starts, int n_starts)
{
    int fails_before = check_failed;
    static const int64_t chunks[] = {1, 2, 3, 1 << 20};
    for (int64_t bs = 1; bs <= n + 1; bs++) {
        for (size_t ci = 0; ci < sizeof chunks / sizeof chunks[0]; ci++) {
            sl_csv_rd rd;
            sl_csv_rd_mem(&rd, buf, n, chunks[ci], name);
            sl_csv_file f = {.path = (char *)name, .size = n};
            sl_csv_source s;
            plan(&s, &f, &rd, n, bs, quote);
            CHECK_INT(f.first_rec, starts[0]);
            int64_t prev_b = starts[0];
            sl_err err;
            sl_err_clear(&err);
            for (int k = 0; k < s.n_ranges; k++) {
                const sl_csv_range *rg = &s.ranges[k];
                int64_t e = rg->off + rg->len;
                int par_e = rg->par ^ (quote ? (int)(rg->n_quotes & 1) : 0);
                int64_t a, al, b, bl;
                CHECK_INT(sl_csv_next_record(&rd, rg->off, rg->par, rg->line, quote,
                                             f.first_rec, f.first_line, &a, &al, &err), 0);
                CHECK_INT(sl_csv_next_record(&rd, e, par_e, rg->line + rg->n_nl, quote,
                                             f.first_rec, f.first_line, &b, &bl, &err), 0);
                CHECK_INT(rg->line, lines_before(buf, rg->off));
                CHECK(a <= b);
                /* Tiling: this range's owned bytes begin where the previous range's ended. */
                CHECK_INT(a, prev_b);
                prev_b = b;
                /* Owned records = the listed starts in [off, e). */
                int64_t want_a = n, want_b = n;
                for (int i = n_starts - 1; i >= 0; i--) {
                    if (starts[i] >= rg->off)
                        want_a = starts[i];
                    if (starts[i] >= e)
                        want_b = starts[i];
                }
                CHECK_INT(a, want_a);
                CHECK_INT(b, want_b);
                if (a < n)
                    CHECK_INT(al, lines_before(buf, a));
            }
            CHECK_INT(prev_b, n);
            sl_free(s.ranges);
            sl_free(s.rank_first);
        }
    }
    if (check_failed != fails_before)
        fprintf(stderr, "  (in case %s)\n", name);
}

#define CASE(name, lit, quote, ...)                                                   \
    do {                                                                              \
        static const int64_t st_[] = {__VA_ARGS__};                                   \
        check_case(name, lit, (int64_t)sizeof(lit) - 1, quote, st_,                   \
                   (int)(sizeof st_ / sizeof st_[0]));                                \
    } while (0)

int main(void)
{
    /* Quoted newline: "x\ny" is one field. */
    CASE("quoted_nl", "a,b\n\"x\ny\",2\n3,4\n", '"', 0, 4, 12);
    /* Doubled quotes: "a""b" and """" (one quote) next to every possible edge. */
    CASE("doubled", "\"a\"\"b\",1\n\"\"\"\",2\nc,3\n", '"', 0, 9, 16);
    /* CRLF line ends, with a quoted CRLF inside a field. */
    CASE("crlf", "a,b\r\n\"x\r\ny\",1\r\nz,2\r\n", '"', 0, 5, 15);
    /* A record much longer than the ranges (many newlines inside one quoted field). */
    CASE("long", "h\n\"1\n2\n3\n4\n5\n6\n7\n8\n9\n,\n,\"\"\n\n\",x\nq\n", '"', 0, 2, 32);
    /* No trailing newline; the last record ends at EOF. */
    CASE("no_trailing_nl", "a\nb\n\"c\nd\"", '"', 0, 2, 4);
    /* Blank lines are records of their own (the parser skips them). */
    CASE("blank_lines", "a\n\nb\n\r\nc\n", '"', 0, 2, 3, 5, 7);
    /* quote='': quotes are ordinary bytes, every '\n' ends a record. */
    CASE("quote_off", "a\"b\nc\"d\ne\n", 0, 0, 4, 8);
    /* The same bytes with quoting on: the newline at 3 is inside quotes. */
    CASE("quote_on", "a\"b\nc\"d\ne\n", '"', 0, 8);
    /* BOM and leading blank lines: the first record starts at byte 6 on line 3. */
    CASE("bom", "\xEF\xBB\xBF\n\r\nh\n1\n", '"', 6, 8);
    /* Only a header, no newline. */
    CASE("header_only", "x,y", '"', 0);

    /* Direct probes: a range that starts exactly at a record start, and one a byte after. */
    {
        const char *b = "a,b\n\"x\ny\",2\n3,4\n";
        sl_csv_rd rd;
        sl_csv_rd_mem(&rd, b, 16, 0, "probe");
        sl_err err;
        sl_err_clear(&err);
        int64_t rec, line;
        CHECK_INT(sl_csv_next_record(&rd, 4, 0, 2, '"', 0, 1, &rec, &line, &err), 0);
        CHECK_INT(rec, 4);
        CHECK_INT(line, 2);
        /* At 5 we are inside the quoted field (one quote before): skip to 12, line 4. */
        CHECK_INT(sl_csv_next_record(&rd, 5, 1, 2, '"', 0, 1, &rec, &line, &err), 0);
        CHECK_INT(rec, 12);
        CHECK_INT(line, 4);
        /* At 7 (just after the quoted '\n', still in quotes): also 12. */
        CHECK_INT(sl_csv_next_record(&rd, 7, 1, 3, '"', 0, 1, &rec, &line, &err), 0);
        CHECK_INT(rec, 12);
        /* Past the last record: EOF. */
        CHECK_INT(sl_csv_next_record(&rd, 13, 0, 4, '"', 0, 1, &rec, &line, &err), 0);
        CHECK_INT(rec, 16);
        int64_t q, nl;
        CHECK_INT(sl_csv_count(&rd, 0, 16, '"', &q, &nl, &err), 0);
        CHECK_INT(q, 2);
        CHECK_INT(nl, 4);
        CHECK_INT(sl_csv_count(&rd, 0, 16, 0, &q, &nl, &err), 0);
        CHECK_INT(q, 0);
    }

    /* Rank dealing: 3 files of 10, 0 and 25 bytes, blocksize 4, 3 ranks: T = 35, so a range
     * at global offset g goes to rank floor(3g/35): g<12 -> 0, 12..23 -> 1, >=24 -> 2. */
    {
        sl_csv_file f[3] = {{.size = 10}, {.size = 0}, {.size = 25}};
        sl_csv_source s;
        memset(&s, 0, sizeof s);
        s.files = f;
        s.n_files = 3;
        sl_csv_plan_ranges(&s, 4, 3);
        CHECK_INT(s.total, 35);
        CHECK_INT(s.n_ranges, 3 + 7);
        /* file 0: offsets 0,4,8 (g 0,4,8) ; file 2: 0..24 step 4 (g 10,14,...,34) */
        static const int want_rank[] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
        static const int64_t want_len[] = {4, 4, 2, 4, 4, 4, 4, 4, 4, 1};
        for (int k = 0; k < s.n_ranges; k++) {
            CHECK_INT(s.ranges[k].rank, want_rank[k]);
            CHECK_INT(s.ranges[k].len, want_len[k]);
        }
        CHECK_INT(s.rank_first[0], 0);
        CHECK_INT(s.rank_first[1], 4);
        CHECK_INT(s.rank_first[2], 7);
        CHECK_INT(s.rank_first[3], 10);
        sl_free(s.ranges);
        sl_free(s.rank_first);
        /* More ranks than ranges: some ranks get none, rank_first stays monotone. */
        sl_csv_plan_ranges(&s, 100, 5);
        CHECK_INT(s.n_ranges, 2);
        CHECK_INT(s.ranges[0].rank, 0);
        CHECK_INT(s.ranges[1].rank, 1); /* g = 10: floor(50/35) = 1 */
        CHECK_INT(s.rank_first[2], 2);
        CHECK_INT(s.rank_first[5], 2);
        sl_free(s.ranges);
        sl_free(s.rank_first);
    }

    /* Inference helpers. */
    CHECK_INT(sl_csv_pick(sl_csv_fits("42", 2, ~0u)), SL_T_BIGINT);
    CHECK_INT(sl_csv_pick(sl_csv_fits(" 42 ", 4, ~0u)), SL_T_BIGINT);
    CHECK_INT(sl_csv_pick(sl_csv_fits("4.5", 3, ~0u)), SL_T_DOUBLE);
    CHECK_INT(sl_csv_pick(sl_csv_fits("true", 4, ~0u)), SL_T_BOOL);
    CHECK_INT(sl_csv_pick(sl_csv_fits("2024-02-29", 10, ~0u)), SL_T_DATE);
    CHECK_INT(sl_csv_pick(sl_csv_fits("2024-02-29 10:00:00", 19, ~0u)), SL_T_TIMESTAMP);
    CHECK_INT(sl_csv_pick(sl_csv_fits("2023-02-29", 10, ~0u)), SL_T_VARCHAR);
    CHECK_INT(sl_csv_pick(sl_csv_fits("n/a", 3, ~0u)), SL_T_VARCHAR);
    CHECK_INT(sl_csv_pick(sl_csv_fits("42", 2, ~0u) & sl_csv_fits("1.5", 3, ~0u)),
              SL_T_DOUBLE);
    CHECK_INT(sl_csv_pick(~0u), SL_T_VARCHAR); /* all-NULL bit set */
    CHECK_INT(sl_mem_in_use(), 0);
    return CHECK_DONE();
}
