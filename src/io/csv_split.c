/*
 * CSV split planning and record boundaries: the chunked pread reader, cutting files into
 * ranges dealt to ranks by byte offset, counting quotes and newlines per range (only where a
 * later rank's run of the same file needs them), the prefix that gives every range its
 * in-quote state and line number, and finding the first record start at or after a byte
 * position. All Local except sl_csv_count_all (Collective).
 *
 * Invariant: everything here reads through sl_csv_rd in chunks of at most SL_CSV_CHUNK bytes;
 * no file is ever held in memory whole.
 */
#include "io/io_int.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/retry.h"

void sl_csv_rd_mem(sl_csv_rd *r, const char *p, int64_t n, int64_t chunk, const char *name)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    r->mem = p;
    r->size = n;
    r->cap = chunk > 0 ? chunk : SL_CSV_CHUNK;
    r->path = name;
}

int sl_csv_rd_open(sl_csv_rd *r, const char *path, int64_t size, sl_err *err)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    r->path = path;
    r->size = size;
    r->cap = SL_CSV_CHUNK;
    if (sl_csv_compressed(path)) {
        /* The decompressed bytes, from a temporary file (no path to reopen: ino -1). */
        int64_t got = 0;
        if (sl_csv_inflate(path, &r->fd, &got, err))
            return err->code;
        r->ino = -1;
        if (got != size)
            return SL_ERR(err, SL_EIO, "read_csv: '%s' decompresses to %lld bytes, %lld when it "
                          "was planned; was it changed during the job?", path, (long long)got,
                          (long long)size);
        return 0;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return SL_ERR(err, errno == ENOENT ? SL_ENOENT : SL_EIO, "read_csv: cannot open '%s': %s",
                      path, strerror(errno));
    r->fd = fd;
    struct stat st;
    r->ino = fstat(fd, &st) == 0 ? (int64_t)st.st_ino : -1;
    return 0;
}

void sl_csv_rd_close(sl_csv_rd *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    sl_free(r->buf);
    r->buf = NULL;
    r->len = 0;
}

int sl_csv_rd_at(sl_csv_rd *r, int64_t pos, const char **p, int64_t *avail, sl_err *err)
{
    assert(pos >= 0 && pos < r->size);
    if (r->mem) {
        *p = r->mem + pos;
        *avail = r->size - pos < r->cap ? r->size - pos : r->cap;
        return 0;
    }
    if (pos < r->off || pos >= r->off + r->len) {
        if (!r->buf)
            r->buf = sl_xmalloc((size_t)r->cap);
        int64_t want = r->size - pos < r->cap ? r->size - pos : r->cap, got = 0;
        /* Short reads continue; EINTR/EAGAIN/EIO are retried with backoff there, ESTALE
         * reopens the path (a stale NFS handle never heals on the same descriptor). */
        sl_retry_file id = { r->path, r->ino, r->size, "read_csv" };
        if (sl_retry_pread_reopen(&r->fd, &id, r->buf, (size_t)want, pos, &got, err))
            return err->code;
        if (got < want)
            return SL_ERR(err, SL_EIO,
                          "read_csv: '%s' is shorter than when it was planned (%lld bytes);"
                          " was it changed during the job?",
                          r->path, (long long)r->size);
        r->off = pos;
        r->len = got;
    }
    *p = r->buf + (pos - r->off);
    *avail = r->off + r->len - pos;
    return 0;
}

int sl_csv_count(sl_csv_rd *r, int64_t off, int64_t len, char quote, int64_t *n_quotes,
                 int64_t *n_nl, sl_err *err)
{
    int64_t q = 0, nl = 0, pos = off, end = off + len;
    /* (csv_simd.c's kernels; SLUICE_CSV_SCANNER forces one, as for the index) */
    sl_csv_count_fn count = sl_csv_count_pick(getenv("SLUICE_CSV_SCANNER"));
    while (pos < end) {
        const char *p;
        int64_t avail;
        int rc = sl_csv_rd_at(r, pos, &p, &avail, err);
        if (rc)
            return rc;
        if (avail > end - pos)
            avail = end - pos;
        count(p, avail, quote, &q, &nl);
        pos += avail;
    }
    *n_quotes = q;
    *n_nl = nl;
    return 0;
}

/* Byte at pos, or -1 at EOF. */
static int byte_at(sl_csv_rd *r, int64_t pos, int *c, sl_err *err)
{
    if (pos >= r->size) {
        *c = -1;
        return 0;
    }
    const char *p;
    int64_t avail;
    int rc = sl_csv_rd_at(r, pos, &p, &avail, err);
    if (rc)
        return rc;
    *c = (unsigned char)p[0];
    return 0;
}

int sl_csv_first_record(sl_csv_rd *r, int64_t *first_rec, int64_t *first_line, sl_err *err)
{
    int64_t pos = 0, line = 1;
    int c0, c1, c2, rc;
    if ((rc = byte_at(r, 0, &c0, err)) || (rc = byte_at(r, 1, &c1, err)) ||
        (rc = byte_at(r, 2, &c2, err)))
        return rc;
    if (c0 == 0xEF && c1 == 0xBB && c2 == 0xBF)
        pos = 3;
    /* Blank lines before the header are not records (DuckDB skips blank lines). */
    for (;;) {
        if ((rc = byte_at(r, pos, &c0, err)))
            return rc;
        if (c0 == '\n') {
            pos++, line++;
            continue;
        }
        if (c0 == '\r') {
            if ((rc = byte_at(r, pos + 1, &c1, err)))
                return rc;
            if (c1 == '\n') {
                pos += 2, line++;
                continue;
            }
        }
        break;
    }
    *first_rec = pos;
    *first_line = line;
    return 0;
}

int sl_csv_next_record(sl_csv_rd *r, int64_t pos, int par, int64_t line, char quote,
                       int64_t first_rec, int64_t first_line, int64_t *rec, int64_t *rec_line,
                       sl_err *err)
{
    if (pos <= first_rec) {
        *rec = first_rec;
        *rec_line = first_line;
        return 0;
    }
    if (pos >= r->size) {
        *rec = r->size;
        *rec_line = line;
        return 0;
    }
    /* Start one byte early: a '\n' outside quotes at pos-1 means a record starts exactly at
     * pos. The state before byte pos-1 is par, undone by that byte if it is a quote. */
    int64_t i = pos - 1, nl = 0;
    const char *p;
    int64_t avail;
    int rc = sl_csv_rd_at(r, i, &p, &avail, err);
    if (rc)
        return rc;
    int q = par ^ (quote && p[0] == quote);
    while (i < r->size) {
        if ((rc = sl_csv_rd_at(r, i, &p, &avail, err)))
            return rc;
        for (int64_t k = 0; k < avail; k++, i++) {
            char c = p[k];
            if (quote && c == quote) {
                q ^= 1;
            } else if (c == '\n') {
                nl += i >= pos;
                if (!q) {
                    *rec = i + 1;
                    *rec_line = line + nl;
                    return 0;
                }
            }
        }
    }
    *rec = r->size;
    *rec_line = line + nl;
    return 0;
}

void sl_csv_plan_ranges(sl_csv_source *s, int64_t blocksize, int n_ranks)
{
    int64_t total = 0, n = 0;
    for (int f = 0; f < s->n_files; f++)
        total += s->files[f].size;
    /* blocksize is an upper bound: with few large ranges most ranks would sit idle (a 500 MB
     * file in 64 MB ranges feeds 8 of 16 ranks), so aim for >= 4 ranges per rank, but do not
     * go below 1 MB per range on our own (tiny explicit blocksizes are still honoured). */
    int64_t balanced = (total + 4 * (int64_t)n_ranks - 1) / (4 * (int64_t)n_ranks);
    if (balanced < (1 << 20))
        balanced = 1 << 20;
    if (blocksize > balanced)
        blocksize = balanced;
    if (blocksize < 1)
        blocksize = 1;
    s->blocksize = blocksize;
    /* A compressed file is one range (its stream cannot be entered in the middle). */
    for (int f = 0; f < s->n_files; f++)
        s->files[f].whole = sl_csv_compressed(s->files[f].path);
#define STEP(f) (s->files[f].whole ? (s->files[f].size > 0 ? s->files[f].size : 1) : blocksize)
    for (int f = 0; f < s->n_files; f++)
        n += (s->files[f].size + STEP(f) - 1) / STEP(f);
    s->total = total;
    s->n_ranges = (int)n;
    s->ranges = sl_xcalloc((size_t)(n ? n : 1), sizeof *s->ranges);
    s->n_ranks = n_ranks;
    s->rank_first = sl_xcalloc((size_t)n_ranks + 1, sizeof *s->rank_first);
    int64_t g = 0; /* global byte offset of the range */
    int k = 0;
    for (int f = 0; f < s->n_files; f++) {
        for (int64_t off = 0; off < s->files[f].size; off += STEP(f), k++) {
            sl_csv_range *rg = &s->ranges[k];
            rg->file = f;
            rg->off = off;
            rg->len = s->files[f].size - off < STEP(f) ? s->files[f].size - off : STEP(f);
            /* Monotone in g, so every rank's ranges are contiguous. long double keeps it exact
             * enough for any real total; all ranks compute the same value. */
            int owner = (int)((long double)g * n_ranks / (long double)total);
            rg->rank = owner < n_ranks ? owner : n_ranks - 1;
            g += rg->len;
        }
    }
    /* rank_first[r] = first range with rank >= r. */
    int r = 0;
    for (k = 0; k < s->n_ranges; k++)
        while (r <= s->ranges[k].rank)
            s->rank_first[r++] = k;
    while (r <= n_ranks)
        s->rank_first[r++] = s->n_ranges;
#undef STEP
}

void sl_csv_prefix(sl_csv_source *s)
{
    int par = 0;
    int64_t line = 1;
    for (int k = 0; k < s->n_ranges; k++) {
        sl_csv_range *rg = &s->ranges[k];
        if (k == 0 || rg->file != s->ranges[k - 1].file)
            par = 0, line = 1;
        rg->par = s->quote ? par : 0;
        rg->line = line;
        par ^= (int)(rg->n_quotes & 1);
        line += rg->n_nl;
    }
}

void sl_csv_count_needed(const sl_csv_source *s, bool *need)
{
    bool later = false; /* a range after k in k's file starts another rank's run */
    for (int k = s->n_ranges - 1; k >= 0; k--) {
        const sl_csv_range *rg = &s->ranges[k];
        if (k == s->n_ranges - 1 || s->ranges[k + 1].file != rg->file)
            later = false;
        need[k] = later;
        if (k > 0 && s->ranges[k - 1].file == rg->file && s->ranges[k - 1].rank != rg->rank)
            later = true;
    }
}

int sl_csv_count_all(sl_csv_source *s, MPI_Comm comm, int rank, sl_err *err)
{
    int P = s->n_ranks, n = s->n_ranges;
    bool *need = sl_xcalloc((size_t)n + 1, sizeof *need);
    sl_csv_count_needed(s, need);
    /* The needed ranges are dealt to all ranks by their bytes, not counted by their owners:
     * the last rank of a file needs no counts of its own, and would only wait. */
    int64_t total = 0, before = 0;
    for (int k = 0; k < n; k++)
        total += need[k] ? s->ranges[k].len : 0;
    int64_t *all = sl_xcalloc((size_t)n * 2 + 1, sizeof *all);
    sl_csv_rd rd;
    int open_file = -1;
    memset(&rd, 0, sizeof rd);
    rd.fd = -1;
    for (int k = 0; k < n && !err->code; k++) {
        sl_csv_range *rg = &s->ranges[k];
        if (!need[k])
            continue; /* counts 0: nobody reads them (sl_csv_count_needed) */
        /* Monotone in k, the same on every rank (as sl_csv_plan_ranges' owners). */
        int who = (int)((long double)(before + rg->len / 2) * P / (long double)total);
        before += rg->len;
        if ((who < P ? who : P - 1) != rank)
            continue;
        if (rg->file != open_file) {
            sl_csv_rd_close(&rd);
            open_file = rg->file;
            if (sl_csv_rd_open(&rd, s->files[rg->file].path, s->files[rg->file].size, err))
                break;
        }
        sl_csv_count(&rd, rg->off, rg->len, s->quote, &all[2 * k], &all[2 * k + 1], err);
    }
    sl_csv_rd_close(&rd);
    /* Reached by every rank even after a failure: the counts are then garbage, but the
     * caller's sl_agree stops everyone before they are used. Every range has one counter
     * (or none): the sum is its counts. */
    MPI_Allreduce(MPI_IN_PLACE, all, 2 * n, MPI_INT64_T, MPI_SUM, comm);
    for (int k = 0; k < n; k++) {
        s->ranges[k].n_quotes = all[2 * k];
        s->ranges[k].n_nl = all[2 * k + 1];
    }
    sl_csv_prefix(s);
    sl_free(all);
    sl_free(need);
    return err->code;
}
