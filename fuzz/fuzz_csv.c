/*
 * libFuzzer target: CSV record boundaries. The input is a small header of knobs followed by
 * the file bytes:
 *   byte 0: block size 1..64        byte 1: ranks 1..5 (low 3 bits), quote off (bit 3),
 *                                            delimiter ';' instead of ',' (bit 4)
 * The file is cut into ranges with the real planner (sl_csv_plan_ranges), quotes and newlines
 * are counted per range, the prefix gives each range its quote state, and every rank's ranges
 * are walked (sl_csv_walk_init + sl_csv_walk_run: boundary finding + tokenizing) one rank
 * after the other. The records and fields so found must equal those of one walk over the
 * whole file, and both must stop at the same first error with the same message.
 * Invariant checked: a range owns exactly the records that start in it, at any block size and
 * rank count. Local (no MPI needed); the bytes go through a temporary file because the walker
 * reads files with pread.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "io/io_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char g_path[64];
static int g_fd = -1;

static void on_field(sl_csv_walk *w, int col, const char *p, int64_t len, bool is_null)
{
    sl_buf *b = w->ctx;
    sl_buf_printf(b, "%d:%c%lld:", col, is_null ? 'N' : 'V', (long long)len);
    sl_buf_append(b, p, (size_t)len);
}

static void on_row(sl_csv_walk *w)
{
    sl_buf *b = w->ctx;
    sl_buf_printf(b, "|row@%lld:%lld\n", (long long)w->rec_off, (long long)w->rec_line);
}

/* Walks w to the end or the first error; appends records to out, returns the error. */
static int walk_all(sl_csv_walk *w, sl_buf *out, sl_err *err)
{
    w->on_field = on_field;
    w->on_row = on_row;
    w->ctx = out;
    while (!w->done)
        if (sl_csv_walk_run(w, 1000, INT64_MAX, err))
            return err->code;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int64_t bs = 1 + data[0] % 64;
    int ranks = 1 + (data[1] & 7) % 5;
    char quote = (data[1] & 8) ? 0 : '"';
    char delim = (data[1] & 16) ? ';' : ',';
    data += 2;
    size -= 2;
    if (g_fd < 0) {
        snprintf(g_path, sizeof g_path, "/tmp/sluice-fuzz-csv.%d.XXXXXX", (int)getpid());
        g_fd = mkstemp(g_path);
        if (g_fd < 0)
            abort();
        unlink(g_path);     /* the walker reopens it: keep a name via /proc/self/fd */
        snprintf(g_path, sizeof g_path, "/proc/self/fd/%d", g_fd);
    }
    if (ftruncate(g_fd, 0) != 0 || pwrite(g_fd, data, size, 0) != (ssize_t)size)
        abort();
    if (size == 0)
        return 0;

    sl_csv_file f = {.path = g_path, .size = (int64_t)size};
    sl_csv_source s;
    memset(&s, 0, sizeof s);
    s.quote = quote;
    s.delim = delim;
    s.n_files = 1;
    s.files = &f;
    s.ncols = -1;           /* any number of fields per record */
    sl_err err;
    sl_err_clear(&err);
    sl_csv_rd rd;
    if (sl_csv_rd_open(&rd, g_path, f.size, &err))
        abort();
    if (sl_csv_first_record(&rd, &f.first_rec, &f.first_line, &err))
        abort();
    sl_csv_plan_ranges(&s, bs, ranks);
    for (int k = 0; k < s.n_ranges; k++)
        if (sl_csv_count(&rd, s.ranges[k].off, s.ranges[k].len, quote, &s.ranges[k].n_quotes,
                         &s.ranges[k].n_nl, &err))
            abort();
    sl_csv_rd_close(&rd);
    sl_csv_prefix(&s);

    /* Every rank's ranges, in rank order (ranks own ascending runs of ranges). */
    sl_buf split, whole;
    sl_buf_init(&split);
    sl_buf_init(&whole);
    sl_err e1, e2;
    sl_err_clear(&e1);
    sl_err_clear(&e2);
    for (int r = 0; r < s.n_ranks && !e1.code; r++) {
        sl_csv_walk w;
        sl_csv_walk_init(&w, &s, r);
        walk_all(&w, &split, &e1);
        sl_csv_walk_free(&w);
    }
    sl_csv_walk w;
    sl_csv_walk_init_span(&w, &s, 0, f.first_rec, f.size, f.first_line);
    walk_all(&w, &whole, &e2);
    sl_csv_walk_free(&w);

    if (split.len != whole.len ||
        (split.len > 0 && memcmp(split.data, whole.data, (size_t)split.len) != 0) ||
        e1.code != e2.code || strcmp(e1.msg, e2.msg) != 0) {
        fprintf(stderr, "split (bs=%lld ranks=%d) and whole walks differ:\n--- split (%s)\n"
                "%s\n--- whole (%s)\n%s\n", (long long)bs, ranks, e1.msg,
                sl_buf_cstr(&split), e2.msg, sl_buf_cstr(&whole));
        abort();
    }
    sl_buf_free(&split);
    sl_buf_free(&whole);
    sl_free(s.ranges);
    sl_free(s.rank_first);
    return 0;
}
