/*
 * COPY ... TO 'dir': part files in a temporary directory, committed atomically, never over
 * what sluice did not write (see copy.h for the rules on the target).
 *
 * Format-agnostic: the bytes of each part file come from a writer of the statement's format
 * (io/format.h: begin appends a file's head, write its rows, finish its tail); COPY owns the
 * files, directories, buffers, checksums, the commit and the manifest, whose "format" is the
 * format's name. <ext> below is the format's extension (".csv"; the format may derive it from
 * its options: ".csv.gz"). A format with SL_FMT_PARALLEL_WRITE writes no part files: each
 * rank stages its rows through the format's shared writer and, at the commit, every rank
 * writes the one file "part-shared<ext>" in the temporary directory (finish_shared), which
 * the manifest then lists like a part file; with PARTITION_BY, one such file per partition
 * in its directory (finish_shared_parts). A database sink (SL_FMT_SINK, chosen by the
 * target's scheme) gets no directory, lock or manifest: its shared_finish owns the commit.
 *
 * Layout while running: "<target>.sluice-tmp-<hex>/" next to the target (same file system,
 * so the final renames are atomic), holding part-<rank>-<seq><ext>, or with PARTITION_BY
 * "k1=v1/k2=v2/part-<rank>-<seq><ext>" (with OVERWRITE_OR_IGNORE part-<id>-<rank>-<seq><ext>).
 * Names and values in directory names are percent-encoded (every byte outside
 * [A-Za-z0-9_.-] becomes %XX with upper-case hex; "." and ".." become %2E / %2E%2E; the
 * string "NULL" becomes %4EULL so it cannot collide with NULL, which is written "k=NULL"), so
 * no value can leave the directory or collide with another value. On a case-insensitive file
 * system upper-case letters are escaped too ("A" -> %41): then every encoded name is
 * lower-case letters, digits, "_.-" and %XX, and two names that differ only in case cannot
 * come from two values. A component "k=v" longer than the file system's name limit keeps its
 * first bytes (never half an escape) and ends in "~" + 16 hex digits of the xxh64 of the full
 * component; "~" is never in an unshortened name, so shortened and plain names cannot
 * collide, and the manifest's "partitions" maps each such directory to its full values.
 * Every rank computes the same names (the encoding depends only on the value, the probe's
 * answer and the name limit, both broadcast at begin).
 *
 * Each partition this rank has seen keeps one current file and a user-space buffer flushed
 * with write(2) loops. At most max_open files are open at once: the least recently used is
 * flushed and closed, and reopened with O_APPEND (same file, same running checksum) when its
 * partition gets more rows, so there is one file per partition and rank however many
 * partitions there are. A file is closed after ~file_bytes and a new seq begun. Every file is
 * fsynced once, when it is finished (a closed-for-the-cap file is reopened for that); every
 * file's relative path, rows, bytes and xxh64 checksum are tracked for the manifest.
 *
 * begin and finish are Collective over comm; write is Local. Errors are agreed (sl_agree) at
 * the end of begin, before the commit, and after the commit. The first error of a copy is
 * also kept in the object, so finish sees it even with a fresh err. Only rank 0 touches the
 * target, the lock file and the manifest.
 */
#include "exec/copy.h"

#include "sluice/sluice.h"

#include "batch/int128.h"
#include "batch/dec128.h"
#include "core/budget.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/signals.h"
#include "io/format.h"
#include "mpi/agree.h"

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define COPY_FILE_BYTES (INT64_C(256) << 20)
#define COPY_MAX_OPEN 256
/* Buffer per open file before a write(2): large when there is one file, smaller when many
 * partitions each hold a buffer (256 open files x 1 MB would be a lot of memory). */
#define COPY_FLUSH_ONE (INT64_C(1) << 20)
#define COPY_FLUSH_MANY (INT64_C(128) << 10)
/* ... and when the grant has no room left for a buffer of that size. */
#define COPY_FLUSH_MIN (INT64_C(16) << 10)
/* Rows formatted between checks of the flush and rotation thresholds. */
#define COPY_CHUNK_ROWS 4096
/* The longest directory name used: NAME_MAX of Linux file systems, less where pathconf says
 * so. A shortened name keeps at least this many bytes before its "~<hash>". */
#define COPY_NAME_MAX 255
#define COPY_NAME_MIN 64
#define COPY_HASH_SUFFIX 17 /* "~" + 16 hex digits */

/* How the commit puts the output in place (decided by rank 0 under the lock). */
typedef enum {
    TGT_NEW,     /* no target: rename the temp dir to it */
    TGT_REPLACE, /* an empty directory, or OVERWRITE allowed: exchange, then remove the old */
    TGT_ADD,     /* OVERWRITE_OR_IGNORE on a non-empty directory: move the files in */
} tgt_mode;

typedef struct {
    char *rel;          /* path relative to the temp dir */
    int64_t rows, bytes;
    uint64_t xxh64;
} out_file;

typedef struct {
    char *dir_rel;      /* "" or "k=v/..." relative to the temp dir */
    char *values_json;  /* {"k": value, ...} when a component of dir_rel was shortened */
    bool dir_made;
    int fd;             /* -1 when closed */
    int file;           /* index in files of the current file (open, or closed for the cap
                         * and continued with O_APPEND), -1 when there is none */
    int64_t seq;        /* seq of the next new file of this partition */
    int64_t written;    /* bytes of the current file already written */
    uint64_t last_use;
    sl_buf buf;
    int64_t flush_at;   /* buffer size that triggers a write(2), while the file is open */
    int64_t res;        /* bytes of the budget reserved for the buffer */
    sl_fmt_writer *w;   /* the format's writer of the current file (kept across reopens) */
    XXH64_state_t hash; /* of the current file, across reopens */
    /* Scratch of one sl_copy_write call: rows of this partition are order[start..+count). */
    int64_t start, count;
    /* A shared-file format with PARTITION_BY: this partition's writer (one shared file per
     * partition, dir_rel/part-shared<ext>), its values as JSON and this rank's rows. */
    void *sw;
    char *pvals;
    int64_t srows;
} part;

struct sl_copy {
    sl_counters *ctr;   /* the session's counters (rows and bytes written) */
    MPI_Comm comm;
    int rank, size;
    char *target;       /* without trailing slashes */
    char *tmp;          /* temp dir holding this copy's files; NULL when begin did not get
                         * that far or the files are no longer there (committed) */
    const sl_format *fmt; /* what the part files are written in */
    const void *wopts;  /* its write options (borrowed from the statement), NULL = defaults */
    bool overwrite, or_ignore, force;
    int mode;           /* tgt_mode (rank 0's decision, bcast) */
    bool casefold;      /* escape upper-case letters in directory names */
    int name_max;       /* longest directory name component */
    char tag[24];       /* "" or "<16 hex>-": per-COPY id in part names (OVERWRITE_OR_IGNORE) */
    double lock_wait_s;
    int lock_fd;        /* rank 0: the lock held on lock_path, -1 when none */
    char *lock_path;
    char **inputs;      /* rank 0: the statement's input files */
    int n_inputs;
    unsigned test_flags;
    int n_cols;
    char *const *names;
    const sl_type *types;
    int n_out, *out_cols;
    char **out_names;   /* borrowed from names, or from renamed */
    char **renamed;     /* owned: out_names[k]'s new name where it repeated an earlier one */
    sl_type *out_types; /* the types of the written columns */
    int n_pcols, *pcols;
    part **parts;
    int n_parts, cap_parts;
    int *ht;            /* open addressing over parts by dir_rel; -1 = empty */
    int64_t ht_cap;
    int n_open;
    uint64_t tick;
    out_file *files;
    int64_t n_files, cap_files;
    int64_t file_bytes;
    int max_open;
    sl_budget *budget;  /* charged for the write buffers (NULL: not charged) */
    int64_t grant;      /* the level the buffers may raise the reserved bytes to */
    uint32_t *order;    /* scratch: live rows grouped by partition */
    int32_t *row_part;
    int64_t scratch_cap;
    sl_buf key, val;    /* scratch for partition keys */
    bool key_cut;       /* the last row_key shortened a component */
    sl_err first;       /* first error of this copy on this rank */
    char *fp_hash;      /* --resume fingerprint and its inputs (JSON), or NULL */
    char *fp_inputs;
    void *sw;           /* a format with SL_FMT_PARALLEL_WRITE: this rank's shared-file writer
                         * (no part files; the one file is written at the commit) */
    int64_t srows;      /* rows this rank gave sw */
};

static int fail(sl_copy *c, sl_err *err)
{
    if (c->first.code == SL_OK && err->code != SL_OK)
        c->first = *err;
    return err->code;
}

static uint64_t random_u64(void)
{
    uint64_t x = 0;
    if (getrandom(&x, sizeof x, GRND_NONBLOCK) != (ssize_t)sizeof x) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        x = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40);
    }
    return x;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Appends [p, p+len) percent-encoded for use as (part of) a directory name; with casefold,
 * upper-case letters are escaped too. */
static void pct_encode(sl_buf *out, const char *p, int64_t len, bool casefold)
{
    static const char hex[] = "0123456789ABCDEF";
    bool all = (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.');
    bool null_word = len == 4 && memcmp(p, "NULL", 4) == 0;
    for (int64_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        bool plain = (!casefold && ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                     (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
        if (plain && !all && !(null_word && i == 0)) {
            sl_buf_putc(out, (char)ch);
        } else {
            sl_buf_putc(out, '%');
            sl_buf_putc(out, hex[ch >> 4]);
            sl_buf_putc(out, hex[ch & 15]);
        }
    }
}

/* Appends [p, p+len) as a JSON string (unlike sl_buf_json_str, NUL bytes included). */
static void json_strn(sl_buf *o, const char *p, int64_t len)
{
    sl_buf_putc(o, '"');
    for (int64_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '"' || ch == '\\')
            sl_buf_printf(o, "\\%c", ch);
        else if (ch < 0x20)
            sl_buf_printf(o, "\\u%04x", ch);
        else
            sl_buf_putc(o, (char)ch);
    }
    sl_buf_putc(o, '"');
}

static uint64_t hash_bytes(const char *p, int64_t len)
{
    return XXH64(p, (size_t)len, 0);
}

/* Finds or adds the partition whose relative directory is [key, key+len); *added says
 * whether it is new. */
static int part_lookup(sl_copy *c, const char *key, int64_t len, bool *added)
{
    *added = false;
    if ((int64_t)(c->n_parts + 1) * 2 > c->ht_cap) {
        int64_t nc = c->ht_cap ? c->ht_cap * 2 : 64;
        sl_free(c->ht);
        c->ht = sl_xmalloc(sizeof *c->ht * (size_t)nc);
        for (int64_t i = 0; i < nc; i++)
            c->ht[i] = -1;
        c->ht_cap = nc;
        for (int i = 0; i < c->n_parts; i++) {
            const char *d = c->parts[i]->dir_rel;
            uint64_t h = hash_bytes(d, (int64_t)strlen(d)) & (uint64_t)(nc - 1);
            while (c->ht[h] >= 0)
                h = (h + 1) & (uint64_t)(nc - 1);
            c->ht[h] = i;
        }
    }
    uint64_t mask = (uint64_t)c->ht_cap - 1;
    uint64_t h = hash_bytes(key, len) & mask;
    while (c->ht[h] >= 0) {
        const char *d = c->parts[c->ht[h]]->dir_rel;
        if ((int64_t)strlen(d) == len && memcmp(d, key, (size_t)len) == 0)
            return c->ht[h];
        h = (h + 1) & mask;
    }
    part *p = sl_xcalloc(1, sizeof *p);
    p->dir_rel = sl_xstrndup(key, (size_t)len);
    p->fd = -1;
    p->file = -1;
    sl_buf_init(&p->buf);
    if (c->n_parts == c->cap_parts) {
        c->cap_parts = c->cap_parts ? c->cap_parts * 2 : 16;
        c->parts = sl_xrealloc(c->parts, sizeof *c->parts * (size_t)c->cap_parts);
    }
    c->parts[c->n_parts] = p;
    c->ht[h] = c->n_parts;
    *added = true;
    return c->n_parts++;
}

static int flush_part(sl_copy *c, part *p, sl_err *err)
{
    if (p->buf.len == 0 || p->fd < 0)
        return 0;
    out_file *f = &c->files[p->file];
    int rc = sl_fs_write_all(p->fd, p->buf.data, (size_t)p->buf.len, f->rel, err);
    if (rc)
        return fail(c, err);
    XXH64_update(&p->hash, p->buf.data, (size_t)p->buf.len);
    f->bytes += p->buf.len;
    c->ctr->bytes_written += p->buf.len;
    p->written += p->buf.len;
    sl_buf_reset(&p->buf);
    return 0;
}

typedef enum {
    CLOSE_EVICT,   /* for the open-file cap: flush and close, continue the file later */
    CLOSE_FINAL,   /* the file is complete: flush, fsync (reopening it if needed), close */
    CLOSE_DISCARD, /* error path: close only */
} close_how;

static int close_part(sl_copy *c, part *p, close_how how, sl_err *err)
{
    if (p->file < 0 || (p->fd < 0 && how != CLOSE_FINAL))
        return 0;
    int rc = 0;
    const char *rel = c->files[p->file].rel;
    if (how == CLOSE_FINAL && p->fd < 0) {
        /* Closed for the cap without a sync; fsync through a new descriptor flushes what
         * the old one wrote (and reports a writeback error nobody has seen yet). */
        char *path = sl_fs_join(c->tmp, rel);
        p->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        int e = errno;
        sl_free(path);
        if (p->fd < 0) {
            p->file = -1;
            SL_ERR(err, sl_fs_errno_code(e), "COPY: cannot reopen '%s' to sync it: %s", rel,
                   strerror(e));
            return fail(c, err);
        }
        c->n_open++;
    }
    if (how == CLOSE_FINAL && p->w)
        rc = sl_fmt_writer_finish(&p->w, &p->buf, err); /* the file's tail, if any */
    if (how == CLOSE_DISCARD)
        sl_fmt_writer_free(&p->w);
    if (how != CLOSE_DISCARD && rc == 0)
        rc = flush_part(c, p, err);
    if (how == CLOSE_FINAL) {
        if (rc == 0)
            rc = sl_fs_fsync(p->fd, rel, err);
        c->files[p->file].xxh64 = XXH64_digest(&p->hash);
    }
    if (close(p->fd) != 0 && rc == 0 && how != CLOSE_DISCARD) {
        int e = errno;
        rc = SL_ERR(err, sl_fs_errno_code(e), "cannot close '%s': %s", rel, strerror(e));
    }
    p->fd = -1;
    if (how != CLOSE_EVICT) {
        p->file = -1;
        p->written = 0;
    }
    sl_buf_free(&p->buf);
    if (c->budget)
        sl_budget_release(c->budget, p->res);
    p->res = 0;
    c->n_open--;
    return rc ? fail(c, err) : 0;
}

/* Reserves the write buffer of a file being opened from the grant: its full size when the
 * grant has room, else the buffer is kept small (unreserved, COPY_FLUSH_MIN) so that many
 * partitions at a small budget stay within it. */
static void charge(sl_copy *c, part *p)
{
    int64_t want = c->n_pcols ? COPY_FLUSH_MANY : COPY_FLUSH_ONE;
    p->flush_at = want;
    p->res = 0;
    if (!c->budget)
        return;
    if (sl_budget_reserve_upto(c->budget, want, c->grant))
        p->res = want;
    else
        p->flush_at = COPY_FLUSH_MIN;
}

static int open_part(sl_copy *c, part *p, sl_err *err)
{
    if (c->n_open >= c->max_open) {
        part *lru = NULL;
        for (int i = 0; i < c->n_parts; i++) {
            part *q = c->parts[i];
            if (q->fd >= 0 && q != p && (!lru || q->last_use < lru->last_use))
                lru = q;
        }
        if (lru && close_part(c, lru, CLOSE_EVICT, err))
            return err->code;
    }
    if (p->file >= 0) {
        /* Continue the file closed for the cap: one file per partition and rank. */
        char *path = sl_fs_join(c->tmp, c->files[p->file].rel);
        int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            SL_ERR(err, sl_fs_errno_code(e), "COPY: cannot reopen '%s': %s", path, strerror(e));
            sl_free(path);
            return fail(c, err);
        }
        sl_free(path);
        p->fd = fd;
        c->n_open++;
        charge(c, p);
        return 0;
    }
    if (!p->dir_made && p->dir_rel[0]) {
        char *dir = sl_fs_join(c->tmp, p->dir_rel);
        int rc = sl_fs_mkdir_p(dir, err);
        sl_free(dir);
        if (rc)
            return fail(c, err);
    }
    p->dir_made = true;
    char *name = sl_xasprintf("part-%s%d-%" PRId64 "%s", c->tag, c->rank, p->seq++,
                              sl_fmt_write_ext(c->fmt, c->wopts));
    char *rel = p->dir_rel[0] ? sl_fs_join(p->dir_rel, name) : sl_xstrdup(name);
    sl_free(name);
    char *path = sl_fs_join(c->tmp, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        SL_ERR(err, sl_fs_errno_code(e), "COPY: cannot create '%s': %s", path, strerror(e));
        sl_free(path);
        sl_free(rel);
        return fail(c, err);
    }
    sl_free(path);
    SL_GROW(c->files, c->cap_files, c->n_files + 1);
    out_file *f = &c->files[c->n_files];
    memset(f, 0, sizeof *f);
    f->rel = rel;
    p->file = (int)c->n_files++;
    p->fd = fd;
    p->written = 0;
    XXH64_reset(&p->hash, 0);
    c->n_open++;
    charge(c, p);
    /* The file's head (a header line) goes first into its buffer. */
    if (sl_fmt_writer_begin(c->fmt, c->wopts, c->n_out, c->out_names, c->out_types, &p->buf,
                            &p->w, err))
        return fail(c, err);
    return 0;
}

/* A shared-file format's writer for partition p, staging in its directory. Local. */
static int part_shared_begin(sl_copy *c, part *p, sl_err *err)
{
    if (!p->dir_made && p->dir_rel[0]) {
        char *dir = sl_fs_join(c->tmp, p->dir_rel);
        int rc = sl_fs_mkdir_p(dir, err);
        sl_free(dir);
        if (rc)
            return fail(c, err);
    }
    p->dir_made = true;
    char *dir = p->dir_rel[0] ? sl_fs_join(c->tmp, p->dir_rel) : sl_xstrdup(c->tmp);
    int rc = c->fmt->shared_begin(c->wopts, c->n_out, c->out_names, c->out_types, dir,
                                  c->rank, &p->sw, err);
    sl_free(dir);
    return rc ? fail(c, err) : 0;
}

/* Writes rows sel[0..n) of the view (physical rows of the caller's batch) to partition p. */
static int emit(sl_copy *c, part *p, sl_batch *view, uint32_t *sel, int64_t n, sl_err *err)
{
    if (c->fmt->caps & SL_FMT_PARALLEL_WRITE) {
        if (!p->sw && part_shared_begin(c, p, err))
            return err->code;
        view->sel = sel;
        view->n_sel = n;
        if (c->fmt->shared_write(p->sw, view, err))
            return fail(c, err);
        p->srows += n;
        c->ctr->rows_written += n;
        return 0;
    }
    for (int64_t k = 0; k < n; k += COPY_CHUNK_ROWS) {
        int64_t m = n - k < COPY_CHUNK_ROWS ? n - k : COPY_CHUNK_ROWS;
        if (p->fd < 0 && open_part(c, p, err))
            return err->code;
        p->last_use = ++c->tick;
        view->sel = sel + k;
        view->n_sel = m;
        if (sl_fmt_writer_write(p->w, view, &p->buf, err))
            return fail(c, err);
        c->files[p->file].rows += m;
        c->ctr->rows_written += m;
        if (p->buf.len >= p->flush_at && flush_part(c, p, err))
            return err->code;
        if (p->written + p->buf.len >= c->file_bytes && close_part(c, p, CLOSE_FINAL, err))
            return err->code;
    }
    return 0;
}

static void grow_scratch(sl_copy *c, int64_t n)
{
    if (n <= c->scratch_cap)
        return;
    sl_free(c->order);
    sl_free(c->row_part);
    c->order = sl_xmalloc(sizeof *c->order * (size_t)n);
    c->row_part = sl_xmalloc(sizeof *c->row_part * (size_t)n);
    c->scratch_cap = n;
}

/* The text of partition column j of physical row r of b (NULL for SQL NULL); may point into
 * c->val. */
static const char *pvalue(sl_copy *c, const sl_batch *b, int j, int64_t r, int64_t *len)
{
    const sl_vec *v = b->cols[c->pcols[j]];
    if (!sl_vec_valid(v, r))
        return NULL;
    if (v->type == SL_T_VARCHAR)
        return sl_vec_str(v, r, len);
    sl_value x;
    sl_vec_get_value(v, r, &x);
    sl_buf_reset(&c->val);
    sl_format_value(&c->val, &x);
    *len = c->val.len;
    return c->val.data ? c->val.data : "";
}

/* Sets c->key to the encoded directory of physical row r of b; c->key_cut says whether a
 * component was shortened to fit the name limit. */
static void row_key(sl_copy *c, const sl_batch *b, int64_t r)
{
    sl_buf_reset(&c->key);
    c->key_cut = false;
    for (int j = 0; j < c->n_pcols; j++) {
        const char *name = c->names[c->pcols[j]];
        if (j)
            sl_buf_putc(&c->key, '/');
        int64_t at = c->key.len;
        pct_encode(&c->key, name, (int64_t)strlen(name), c->casefold);
        sl_buf_putc(&c->key, '=');
        int64_t len = 0;
        const char *p = pvalue(c, b, j, r, &len);
        if (p)
            pct_encode(&c->key, p, len, c->casefold);
        else
            sl_buf_puts(&c->key, "NULL");
        int64_t clen = c->key.len - at;
        if (clen <= c->name_max)
            continue;
        /* Too long for one directory name: a prefix (never half a %XX) + "~" + the hash of
         * the whole component, the same on every rank. */
        uint64_t h = XXH64(c->key.data + at, (size_t)clen, 0);
        int64_t keep = c->name_max - COPY_HASH_SUFFIX;
        if (c->key.data[at + keep - 1] == '%')
            keep -= 1;
        else if (c->key.data[at + keep - 2] == '%')
            keep -= 2;
        c->key.len = at + keep;
        sl_buf_printf(&c->key, "~%016" PRIx64, h);
        c->key_cut = true;
    }
}

/* {"col": "value" | null, ...} of physical row r: the full values of a shortened name. */
static char *values_json(sl_copy *c, const sl_batch *b, int64_t r)
{
    sl_buf o;
    sl_buf_init(&o);
    sl_buf_putc(&o, '{');
    for (int j = 0; j < c->n_pcols; j++) {
        if (j)
            sl_buf_puts(&o, ", ");
        sl_buf_json_str(&o, c->names[c->pcols[j]]);
        sl_buf_puts(&o, ": ");
        int64_t len = 0;
        const char *p = pvalue(c, b, j, r, &len);
        if (p)
            json_strn(&o, p, len);
        else
            sl_buf_puts(&o, "null");
    }
    sl_buf_putc(&o, '}');
    return sl_buf_take(&o);
}

/* The HUGEINT output columns written as BIGINT (FORMAT hdf5: out_types says BIGINT) become
 * new BIGINT vectors in vcols (owned[j] set), their live rows converted; a value past BIGINT's
 * range is an error naming the column. Wide DECIMALs written as DECIMAL(18,s) likewise. */
static int narrow_huge(sl_copy *c, const sl_batch *b, sl_vec **vcols, bool *owned, sl_err *err)
{
    for (int j = 0; j < c->n_out; j++) {
        bool dec = sl_dec_is_wide(vcols[j]->type); /* a wide DECIMAL as DECIMAL(18,s) */
        if ((vcols[j]->type != SL_T_HUGEINT || c->out_types[j] != SL_T_BIGINT) &&
            (!dec || vcols[j]->type == c->out_types[j]))
            continue;
        const sl_vec *h = vcols[j];
        sl_vec *o = sl_vec_new(c->out_types[j], b->n_rows);
        sl_vec_resize_fixed(o, b->n_rows);
        vcols[j] = o;
        owned[j] = true;
        for (int64_t k = 0; k < sl_batch_live(b); k++) {
            int64_t r = sl_batch_row(b, k), len;
            if (!sl_vec_valid(h, r))
                continue;
            sl_i128 x = sl_i128_load(sl_vec_str(h, r, &len));
            if (dec && (x >= sl_i128_pow10(18) || x <= -sl_i128_pow10(18))) {
                sl_buf t;
                sl_buf_init(&t);
                sl_format_decimal128(&t, x, h->type);
                int rc = SL_ERR(err, SL_EUSAGE, "COPY: column \"%s\" holds %s, past 18 digits: "
                                "FORMAT hdf5 stores a DECIMAL in 64 bits (CAST it AS DOUBLE or "
                                "VARCHAR)", c->out_names[j], sl_buf_cstr(&t));
                sl_buf_free(&t);
                return rc;
            }
            if (x < INT64_MIN || x > INT64_MAX) {
                sl_buf t;
                sl_buf_init(&t);
                sl_format_hugeint(&t, x);
                int rc = SL_ERR(err, SL_EUSAGE, "COPY: column \"%s\" holds %s, past BIGINT's "
                                "range: FORMAT hdf5 stores a HUGEINT as int64 (CAST it AS DOUBLE "
                                "or VARCHAR)", c->out_names[j], sl_buf_cstr(&t));
                sl_buf_free(&t);
                return rc;
            }
            o->d.i64[r] = (int64_t)x;
            sl_vec_set_valid(o, r, true);
        }
    }
    return 0;
}

static void free_narrowed(int n, sl_vec **vcols, bool *owned)
{
    for (int j = 0; j < n; j++)
        if (owned[j])
            sl_vec_free(&vcols[j]);
    sl_free(owned);
    sl_free(vcols);
}

int sl_copy_write(sl_copy *c, const sl_batch *b, sl_err *err)
{
    if (c->first.code != SL_OK) {
        if (err->code == SL_OK)
            *err = c->first;
        return c->first.code;
    }
    int64_t live = sl_batch_live(b);
    if (live == 0)
        return 0;
    sl_vec **vcols = sl_xmalloc(sizeof *vcols * (size_t)(c->n_out ? c->n_out : 1));
    bool *owned = sl_xcalloc((size_t)(c->n_out ? c->n_out : 1), sizeof *owned);
    for (int j = 0; j < c->n_out; j++)
        vcols[j] = b->cols[c->out_cols[j]];
    if (narrow_huge(c, b, vcols, owned, err)) {
        free_narrowed(c->n_out, vcols, owned);
        return fail(c, err);
    }
    /* A borrowed view: only the output columns, with a selection set per chunk. */
    sl_batch view = { .n_cols = c->n_out, .n_rows = b->n_rows, .cols = vcols };
    if (c->sw) {
        view.sel = b->sel;
        view.n_sel = b->n_sel;
        int rc = c->fmt->shared_write(c->sw, &view, err);
        free_narrowed(c->n_out, vcols, owned);
        if (rc)
            return fail(c, err);
        c->ctr->rows_written += live;
        c->srows += live;
        return 0;
    }
    grow_scratch(c, live);
    int rc = 0;
    bool added;
    if (c->n_pcols == 0) {
        for (int64_t k = 0; k < live; k++)
            c->order[k] = (uint32_t)sl_batch_row(b, k);
        int pi = part_lookup(c, "", 0, &added);   /* may grow c->parts: look up first */
        rc = emit(c, c->parts[pi], &view, c->order, live, err);
    } else {
        /* Group the live rows by partition, keeping their order (a counting sort). */
        int n_touched = 0;
        int *touched = sl_xmalloc(sizeof *touched * (size_t)(live < 1 ? 1 : live));
        for (int64_t k = 0; k < live; k++) {
            int64_t r = sl_batch_row(b, k);
            row_key(c, b, r);
            int pi = part_lookup(c, c->key.data, c->key.len, &added);
            part *p = c->parts[pi];
            if (added && c->key_cut)
                p->values_json = values_json(c, b, r);
            if (added && (c->fmt->caps & SL_FMT_PARALLEL_WRITE))
                p->pvals = values_json(c, b, r);
            if (p->count == 0)
                touched[n_touched++] = pi;
            p->count++;
            c->row_part[k] = pi;
        }
        int64_t at = 0;
        for (int t = 0; t < n_touched; t++) {
            part *p = c->parts[touched[t]];
            p->start = at;
            at += p->count;
            p->count = 0;
        }
        for (int64_t k = 0; k < live; k++) {
            part *p = c->parts[c->row_part[k]];
            c->order[p->start + p->count++] = (uint32_t)sl_batch_row(b, k);
        }
        for (int t = 0; t < n_touched; t++) {
            part *p = c->parts[touched[t]];
            if (rc == 0)
                rc = emit(c, p, &view, c->order + p->start, p->count, err);
            p->count = 0;
        }
        sl_free(touched);
    }
    free_narrowed(c->n_out, vcols, owned);
    return rc;
}

void sl_copy_set_fingerprint(sl_copy *c, const char *hash, const char *inputs_json)
{
    sl_free(c->fp_hash);
    sl_free(c->fp_inputs);
    c->fp_hash = hash ? sl_xstrdup(hash) : NULL;
    c->fp_inputs = inputs_json ? sl_xstrdup(inputs_json) : NULL;
}

void sl_copy_set_grant(sl_copy *c, sl_budget *budget, int64_t grant)
{
    c->budget = budget;
    c->grant = grant;
    /* Open files each hold a buffer: no more of them than the grant has room for at the
     * size a partitioned COPY uses (but enough to keep partitions from thrashing). */
    int64_t fit = grant / COPY_FLUSH_MANY;
    if (fit < c->max_open)
        c->max_open = fit < 16 ? 16 : (int)fit;
}

void sl_copy_set_limits(sl_copy *c, int64_t file_bytes, int max_open)
{
    if (file_bytes > 0)
        c->file_bytes = file_bytes;
    if (max_open > 0)
        c->max_open = max_open;
}

void sl_copy_set_test_flags(sl_copy *c, unsigned flags) { c->test_flags = flags; }

/* DuckDB's QueryResult::DeduplicateColumns, which its COPY writes column names with: names are
 * compared without case; a name met before gets "_k", k its count so far, raised past any name
 * already taken ('a, a, a, a_1, A' -> 'a, a_1, a_2, a_1_1, A_3'). seen[] holds the names met
 * (borrowed), cnt[] their counts. */
static int dedup_find(const char *const *seen, int n, const char *name)
{
    for (int k = 0; k < n; k++)
        if (strcasecmp(seen[k], name) == 0)
            return k;
    return -1;
}

/* Renames the output columns whose names repeat an earlier one (DuckDB's COPY: a CSV header of
 * 'a, a' is 'a,a_1'; a query's own result keeps both names, as DuckDB's does). Local. */
static void dedup_names(sl_copy *c)
{
    int n = c->n_out, n_seen = 0;
    const char **seen = sl_xcalloc((size_t)n + 1, sizeof *seen);
    int64_t *cnt = sl_xcalloc((size_t)n + 1, sizeof *cnt);
    sl_buf nb;
    sl_buf_init(&nb);
    for (int k = 0; k < n; k++) {
        const char *nm = c->out_names[k] ? c->out_names[k] : "";
        int at = dedup_find(seen, n_seen, nm);
        if (at >= 0) {
            for (;;) {
                sl_buf_reset(&nb);
                sl_buf_printf(&nb, "%s_%lld", nm, (long long)cnt[at]);
                if (dedup_find(seen, n_seen, sl_buf_cstr(&nb)) < 0)
                    break;
                cnt[at]++;
            }
            if (!c->renamed)
                c->renamed = sl_xcalloc((size_t)n, sizeof *c->renamed);
            c->renamed[k] = sl_xstrdup(sl_buf_cstr(&nb));
            c->out_names[k] = c->renamed[k];
            nm = c->renamed[k];
        }
        seen[n_seen] = nm;
        cnt[n_seen++] = 1;
    }
    sl_free(seen);
    sl_free(cnt);
    sl_buf_free(&nb);
}

/* Checks opts and fills the output/partition column lists. Same result on every rank. */
static int check_opts(sl_copy *c, const sl_copy_opts *opts, sl_err *err)
{
    if (!opts->path || !opts->path[0])
        return SL_ERR(err, SL_EUSAGE, "COPY: the target path is empty");
    /* The parser only lets formats that can write through; a caller of the library may not. */
    if (!opts->format || !(opts->format->caps & SL_FMT_WRITE)) {
        const sl_format *ignored;
        return sl_format_writer_in(NULL, opts->format ? opts->format->name : "", &ignored, err);
    }
    if ((opts->format->caps & SL_FMT_SINK) && opts->n_partition > 0)
        return SL_ERR(err, SL_EUSAGE, "COPY: the %s sink writes one table and cannot take "
                      "PARTITION_BY", opts->format->name);
    const char *base = strrchr(c->target, '/');
    base = base ? base + 1 : c->target;
    if (!strcmp(base, "") || !strcmp(base, ".") || !strcmp(base, ".."))
        return SL_ERR(err, SL_EUSAGE,
                      "COPY: target '%s' does not name a directory of its own (COPY replaces its "
                      "target: name the directory to write, e.g. 'out/result')", opts->path);
    if (opts->overwrite && opts->overwrite_or_ignore)
        return SL_ERR(err, SL_EUSAGE,
                      "COPY: OVERWRITE and OVERWRITE_OR_IGNORE cannot be combined (OVERWRITE "
                      "replaces the target, OVERWRITE_OR_IGNORE adds files beside its contents)");
    bool *is_p = sl_xcalloc((size_t)(c->n_cols ? c->n_cols : 1), sizeof *is_p);
    c->pcols = sl_xmalloc(sizeof *c->pcols * (size_t)(opts->n_partition + 1));
    int rc = 0;
    for (int j = 0; j < opts->n_partition && rc == 0; j++) {
        int found = -1;
        for (int k = 0; k < c->n_cols && found < 0; k++)
            if (strcasecmp(c->names[k], opts->partition_by[j]) == 0)
                found = k;
        if (found < 0) {
            sl_buf cols;
            sl_buf_init(&cols);
            for (int k = 0; k < c->n_cols; k++)
                sl_buf_printf(&cols, "%s%s", k ? ", " : "", c->names[k]);
            rc = SL_ERR(err, SL_EBIND,
                        "COPY: PARTITION_BY column \"%s\" is not in the query's output "
                        "(columns: %s)", opts->partition_by[j], sl_buf_cstr(&cols));
            sl_buf_free(&cols);
        } else if (!is_p[found]) {
            /* A column named twice partitions once. */
            is_p[found] = true;
            c->pcols[c->n_pcols++] = found;
        }
    }
    if (rc == 0 && c->n_pcols > 0 && c->n_pcols == c->n_cols)
        rc = SL_ERR(err, SL_EUSAGE,
                    "COPY: PARTITION_BY names every column of the query, so no column is left "
                    "to write into the files (DuckDB refuses this too)");
    c->out_cols = sl_xmalloc(sizeof *c->out_cols * (size_t)(c->n_cols ? c->n_cols : 1));
    c->out_names = sl_xmalloc(sizeof *c->out_names * (size_t)(c->n_cols ? c->n_cols : 1));
    c->out_types = sl_xmalloc(sizeof *c->out_types * (size_t)(c->n_cols ? c->n_cols : 1));
    for (int k = 0; k < c->n_cols; k++) {
        if (!is_p[k]) {
            c->out_cols[c->n_out] = k;
            c->out_types[c->n_out] = c->types ? c->types[k] : SL_T_VARCHAR;
            c->out_names[c->n_out++] = c->names[k];
        }
    }
    dedup_names(c);
    /* A LIST or an INTERVAL is text in CSV ([1, 2], 1 day 02:00:00, as DuckDB writes them);
     * the typed formats and the database sinks have no column type for them. */
    for (int k = 0; rc == 0 && k < c->n_out; k++)
        if ((sl_type_is_list(c->out_types[k]) || sl_type_is_struct(c->out_types[k]) ||
             c->out_types[k] == SL_T_INTERVAL) &&
            strcmp(opts->format->name, "csv") != 0)
            rc = SL_ERR(err, SL_EUSAGE, "COPY: column \"%s\" is %s%s%s, which FORMAT %s "
                        "cannot store; CAST it AS VARCHAR", c->out_names[k],
                        c->out_types[k] == SL_T_INTERVAL ? "an "
                        : sl_type_is_struct(c->out_types[k]) ? "a STRUCT (" : "a LIST (",
                        sl_type_name(c->out_types[k]),
                        c->out_types[k] == SL_T_INTERVAL ? "" : ")", opts->format->name);
    /* HDF5 has no 128-bit integer type sluice could read back: a HUGEINT column (a sum) is
     * written as int64, a value past BIGINT's range being an error (sl_copy_write); the CSV
     * and database sinks write its digits */
    for (int k = 0; rc == 0 && k < c->n_out; k++)
        if (c->out_types[k] == SL_T_HUGEINT && strcmp(opts->format->name, "hdf5") == 0)
            c->out_types[k] = SL_T_BIGINT;
    /* ... and a wide DECIMAL(p,s) as DECIMAL(18,s) (int64, as every DECIMAL there), a value
     * past 18 digits being an error likewise */
    for (int k = 0; rc == 0 && k < c->n_out; k++)
        if (sl_dec_is_wide(c->out_types[k]) && strcmp(opts->format->name, "hdf5") == 0) {
            if (sl_dec_scale(c->out_types[k]) > 18)
                rc = SL_ERR(err, SL_EUSAGE, "COPY: column \"%s\" is %s: FORMAT hdf5 stores a "
                            "DECIMAL in 64 bits, at most 18 digits (CAST it AS DOUBLE or "
                            "VARCHAR)", c->out_names[k], sl_type_name(c->out_types[k]));
            else
                c->out_types[k] = sl_type_decimal(18, sl_dec_scale(c->out_types[k]));
        }
    for (int k = 0; rc == 0 && k < c->n_out; k++)
        if ((c->out_types[k] == SL_T_UBIGINT || c->out_types[k] == SL_T_UHUGEINT) &&
            strcmp(opts->format->name, "hdf5") == 0)
            rc = SL_ERR(err, SL_EUSAGE, "COPY: column \"%s\" is %s, which FORMAT hdf5 cannot "
                        "store; CAST it AS DOUBLE or VARCHAR", c->out_names[k],
                        sl_type_name(c->out_types[k]));
    sl_free(is_p);
    return rc;
}

/* ---- the manifest ---------------------------------------------------------------------- */

/*
 * A manifest as the commit needs it. copy.c writes every entry of "files", "partitions" and
 * "commits" on a line of its own, so a line scanner finds them (paths are percent-encoded:
 * no JSON escapes), and they are carried over verbatim when files are added.
 */
typedef struct {
    char *text;
    char *pby;           /* the "partition_by" array, verbatim */
    char **files;        /* {"path": ...} entries, verbatim */
    char **paths;        /* their paths, sorted (for lookups) */
    int n_files;
    char **parts;        /* {"dir": ...} entries */
    int n_parts;
    char **commits;      /* {"input_hash": ...} entries */
    int n_commits;
    char *top_hash;      /* the top-level "input_hash" value ("null" when none) */
    int64_t rows, bytes;
} manifest;

static void manifest_free(manifest *m)
{
    for (int i = 0; i < m->n_files; i++) {
        sl_free(m->files[i]);
        sl_free(m->paths[i]);
    }
    for (int i = 0; i < m->n_parts; i++)
        sl_free(m->parts[i]);
    for (int i = 0; i < m->n_commits; i++)
        sl_free(m->commits[i]);
    sl_free(m->files);
    sl_free(m->paths);
    sl_free(m->parts);
    sl_free(m->commits);
    sl_free(m->pby);
    sl_free(m->text);
    sl_free(m->top_hash);
    memset(m, 0, sizeof *m);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void push_str(char ***v, int *n, char *s)
{
    *v = sl_xrealloc(*v, sizeof **v * (size_t)(*n + 1));
    (*v)[(*n)++] = s;
}

/* Skips a JSON string starting at p (at its opening quote); returns the byte after it or
 * NULL when it does not end. */
static const char *skip_json_str(const char *p)
{
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && p[1])
            p++;
    return *p == '"' ? p + 1 : NULL;
}

/* The end (one past the closing brace) of the JSON object starting at p, within [p, lim),
 * or NULL. */
static const char *object_end(const char *p, const char *lim)
{
    int depth = 0;
    while (p && p < lim) {
        if (*p == '"') {
            p = skip_json_str(p);
            continue;
        }
        if (*p == '{')
            depth++;
        else if (*p == '}' && --depth == 0)
            return p + 1;
        p++;
    }
    return NULL;
}

/* Reads dir/_SUCCESS. Returns 0 (parsed into *m), 1 when there is none, -1 when it cannot be
 * read or is not a manifest this code wrote (*why says which). */
static int manifest_read(const char *dir, manifest *m, const char **why)
{
    memset(m, 0, sizeof *m);
    *why = "";
    char *path = sl_fs_join(dir, SL_COPY_MANIFEST);
    struct stat st;
    if (lstat(path, &st) != 0 && errno == ENOENT) {
        sl_free(path);
        return 1;
    }
    sl_err e;
    sl_err_clear(&e);
    int64_t len;
    int rc = sl_fs_read_file(path, &m->text, &len, &e);
    sl_free(path);
    if (rc) {
        *why = "it cannot be read";
        return -1;
    }
    const char *t = m->text;
    const char *pb = strstr(t, "\"partition_by\": [");
    if (strncmp(t, "{\"sluice_version\": ", 19) != 0 || !pb || !strstr(t, "\"files\": [") ||
        strlen(t) != (size_t)len) {
        *why = "it is not a sluice manifest";
        manifest_free(m);
        return -1;
    }
    const char *q = pb + strlen("\"partition_by\": ");
    const char *end = q + 1;
    while (end && *end != ']') {
        while (*end == ' ' || *end == ',')
            end++;
        if (*end == '"')
            end = skip_json_str(end);
        else if (*end != ']')
            end = NULL;
    }
    if (!end) {
        *why = "its partition_by is unreadable";
        manifest_free(m);
        return -1;
    }
    m->pby = sl_xstrndup(q, (size_t)(end + 1 - q));
    for (const char *line = t; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        const char *a = line;
        while (a < line + n && *a == ' ')
            a++;
        const char *z = *a == '{' ? object_end(a, line + n) : NULL;
        char *entry = z ? sl_xstrndup(a, (size_t)(z - a)) : NULL;
        if (entry && strncmp(entry, "{\"path\": \"", 10) == 0) {
            const char *ps = entry + 10, *pe = strchr(ps, '"');
            const char *r = pe ? strstr(pe, "\"rows\": ") : NULL;
            const char *b = pe ? strstr(pe, "\"bytes\": ") : NULL;
            if (!pe || !r || !b || memchr(ps, '\\', (size_t)(pe - ps))) {
                *why = "a file entry is unreadable";
                sl_free(entry);
                manifest_free(m);
                return -1;
            }
            m->rows += strtoll(r + 8, NULL, 10);
            m->bytes += strtoll(b + 9, NULL, 10);
            int nf = m->n_files;
            push_str(&m->paths, &nf, sl_xstrndup(ps, (size_t)(pe - ps)));
            push_str(&m->files, &m->n_files, entry);
        } else if (entry && strncmp(entry, "{\"dir\": ", 8) == 0) {
            push_str(&m->parts, &m->n_parts, entry);
        } else if (entry && strncmp(entry, "{\"input_hash\": ", 15) == 0) {
            push_str(&m->commits, &m->n_commits, entry);
        } else {
            sl_free(entry);
        }
        if (strncmp(a, "\"input_hash\": ", 14) == 0 && !m->top_hash) {
            const char *v = a + 14, *ve = *v == '"' ? strchr(v + 1, '"') : NULL;
            m->top_hash = ve ? sl_xstrndup(v, (size_t)(ve + 1 - v)) : NULL;
        }
        line = nl ? nl + 1 : line + n;
    }
    if (m->n_files > 1)
        qsort(m->paths, (size_t)m->n_files, sizeof *m->paths, cmp_str);
    return 0;
}

/* The "format" of a manifest (new string; free with sl_free), or NULL when it has none. */
static char *manifest_format(const manifest *m)
{
    const char *key = "\"format\": \"";
    const char *p = strstr(m->text, key);
    const char *q = p ? strchr(p + strlen(key), '"') : NULL;
    if (!q)
        return NULL;
    p += strlen(key);
    return sl_xstrndup(p, (size_t)(q - p));
}

/* The first entry under dir (relative path in *rel) that m does not list: a file other than
 * the manifest and the listed part files, a symlink, anything not a regular file or a
 * directory. Returns 1 when one is found, 0 when none, -1 on a read error. */
static int find_unlisted(const char *root, const char *sub, const manifest *m, char **rel)
{
    char *dir = sub[0] ? sl_fs_join(root, sub) : sl_xstrdup(root);
    DIR *d = opendir(dir);
    if (!d) {
        sl_free(dir);
        return -1;
    }
    int found = 0;
    struct dirent *de;
    while (!found && (de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *r = sub[0] ? sl_fs_join(sub, de->d_name) : sl_xstrdup(de->d_name);
        char *full = sl_fs_join(root, r);
        struct stat st;
        if (lstat(full, &st) != 0) {
            found = -1;
        } else if (S_ISDIR(st.st_mode)) {
            found = find_unlisted(root, r, m, rel);
        } else if (!S_ISREG(st.st_mode) ||
                   (strcmp(r, SL_COPY_MANIFEST) != 0 &&
                    (m->n_files == 0 ||
                     !bsearch(&r, m->paths, (size_t)m->n_files, sizeof *m->paths, cmp_str)))) {
            found = 1;
            *rel = r;
            r = NULL;
        }
        sl_free(full);
        sl_free(r);
    }
    closedir(d);
    sl_free(dir);
    return found;
}

/* ---- the target ------------------------------------------------------------------------ */

/* Rank 0: takes the lock file next to the target, waiting up to c->lock_wait_s while
 * another job holds it. */
static int take_lock(sl_copy *c, sl_err *err)
{
    c->lock_path = sl_xasprintf("%s.sluice-lock", c->target);
    double wait = c->lock_wait_s < 0 ? SL_COPY_LOCK_WAIT_DEFAULT : c->lock_wait_s;
    double t0 = now_s(), delay = 0.01;
    bool said = false;
    for (;;) {
        char holder[256];
        int r = sl_fs_lock_try(c->lock_path, &c->lock_fd, holder, sizeof holder);
        if (r == 0) {
            if (said)
                fprintf(stderr, "sluice: COPY to '%s': the other job is done, going on\n",
                        c->target);
            return 0;
        }
        if (r < 0) {
            int e = errno;
            if (e == ENOLCK || e == ENOTSUP || e == EOPNOTSUPP || e == ENOSYS) {
                /* No locks on this file system: COPY still works, unguarded. */
                fprintf(stderr, "sluice: warning: COPY cannot lock '%s' (%s): two jobs "
                        "writing '%s' at once would not be detected\n", c->lock_path,
                        strerror(e), c->target);
                unlink(c->lock_path);
                return 0;
            }
            return SL_ERR(err, sl_fs_errno_code(e), "COPY: cannot create the lock file '%s': %s",
                          c->lock_path, strerror(e));
        }
        double waited = now_s() - t0;
        const char *who = holder[0] ? holder : "holder unknown";
        if (waited >= wait)
            return SL_ERR(err, SL_EIO,
                          "COPY: target '%s' is being written by another sluice job (%s; lock "
                          "file '%s'); gave up after %.0f s (wait for that job to finish, or "
                          "raise --lock-wait)", c->target, who, c->lock_path, waited);
        if (!said) {
            fprintf(stderr, "sluice: COPY to '%s' is waiting for another sluice job writing "
                    "it (%s; lock file '%s'), for up to %.0f s (--lock-wait)\n", c->target,
                    who, c->lock_path, wait);
            said = true;
        }
        if (sl_signals_check(err))
            return err->code;
        double left = wait - waited;
        double d = delay < left ? delay : left;
        struct timespec ts = { (time_t)d, (long)((d - (double)(time_t)d) * 1e9) };
        nanosleep(&ts, NULL);
        delay = delay * 2 > 0.5 ? 0.5 : delay * 2;
    }
}

/* The input file of this statement that lies inside dir (a new string), or NULL. */
static char *input_inside(const sl_copy *c, const char *dir)
{
    char *real_dir = realpath(dir, NULL);
    if (!real_dir)
        return NULL;
    size_t n = strlen(real_dir);
    char *hit = NULL;
    for (int i = 0; i < c->n_inputs && !hit; i++) {
        char *ri = realpath(c->inputs[i], NULL);
        if (ri && strncmp(ri, real_dir, n) == 0 && (ri[n] == '/' || n == 1))
            hit = sl_xstrdup(c->inputs[i]);
        free(ri);
    }
    free(real_dir);
    return hit;
}

/* Rank 0, under the lock: decides c->mode from what is at the target now, or fails. */
static int check_target(sl_copy *c, sl_err *err)
{
    struct stat st;
    if (lstat(c->target, &st) != 0) {
        int e = errno;
        if (e == ENOENT) {
            c->mode = TGT_NEW;
            return 0;
        }
        return SL_ERR(err, sl_fs_errno_code(e), "COPY: cannot write to '%s': %s", c->target,
                      strerror(e));
    }
    if (S_ISLNK(st.st_mode))
        return SL_ERR(err, SL_EIO,
                      "COPY: target '%s' is a symbolic link; COPY neither follows nor replaces "
                      "links (name the directory itself, or remove the link)", c->target);
    if (!S_ISDIR(st.st_mode))
        return SL_ERR(err, SL_EIO,
                      "COPY: cannot write to '%s': it exists and is not a directory (COPY "
                      "writes a directory of part files)", c->target);
    int empty = sl_fs_dir_empty(c->target);
    if (empty < 0)
        return SL_ERR(err, SL_EIO, "COPY: cannot read directory '%s': %s", c->target,
                      strerror(errno));
    if (empty) {
        c->mode = TGT_REPLACE;
        return 0;
    }
    if (!c->overwrite && !c->or_ignore)
        return SL_ERR(err, SL_EIO,
                      "COPY: target '%s' exists and is not empty (add OVERWRITE true to replace "
                      "it, or OVERWRITE_OR_IGNORE true to add files beside its contents)",
                      c->target);
    manifest m;
    const char *why;
    int mr = manifest_read(c->target, &m, &why);
    int rc = 0;
    if (c->or_ignore) {
        /* Nothing is deleted; but a manifest the commit cannot merge, or one of another
         * partitioning, would make the merged manifest lie. */
        if (mr < 0) {
            rc = SL_ERR(err, SL_EIO,
                        "COPY: OVERWRITE_OR_IGNORE: cannot add to '%s': its %s manifest is "
                        "unusable (%s)", c->target, SL_COPY_MANIFEST, why);
        } else if (mr == 0) {
            sl_buf mine;
            sl_buf_init(&mine);
            sl_buf_putc(&mine, '[');
            for (int j = 0; j < c->n_pcols; j++) {
                if (j)
                    sl_buf_puts(&mine, ", ");
                sl_buf_json_str(&mine, c->names[c->pcols[j]]);
            }
            sl_buf_putc(&mine, ']');
            if (strcasecmp(m.pby, sl_buf_cstr(&mine)) != 0)
                rc = SL_ERR(err, SL_EUSAGE,
                            "COPY: OVERWRITE_OR_IGNORE: '%s' holds output with partition_by %s, "
                            "this COPY has %s; the files would not line up (write to another "
                            "directory, or replace it with OVERWRITE)", c->target, m.pby,
                            sl_buf_cstr(&mine));
            sl_buf_free(&mine);
            /* One directory, one format: a reader of the manifest reads every file alike. */
            char *old_fmt = manifest_format(&m);
            if (rc == 0 && old_fmt && strcmp(old_fmt, c->fmt->name) != 0)
                rc = SL_ERR(err, SL_EUSAGE,
                            "COPY: OVERWRITE_OR_IGNORE: '%s' holds output in format %s, this "
                            "COPY writes %s (write to another directory, or replace it with "
                            "OVERWRITE)", c->target, old_fmt, c->fmt->name);
            sl_free(old_fmt);
        }
        if (rc == 0)
            c->mode = TGT_ADD;
        manifest_free(&m);
        return rc;
    }
    /* OVERWRITE: never the statement's own input, even with --force. */
    char *in = input_inside(c, c->target);
    if (in) {
        rc = SL_ERR(err, SL_EIO,
                    "COPY: target '%s' holds '%s', an input of this statement; OVERWRITE would "
                    "delete it, so COPY refuses even with --force (write to another directory)",
                    c->target, in);
        sl_free(in);
    } else if (!c->force) {
        char *extra = NULL;
        int u = mr == 0 ? find_unlisted(c->target, "", &m, &extra) : 0;
        if (mr != 0)
            rc = SL_ERR(err, SL_EIO,
                        "COPY: target '%s' is not empty and has no usable sluice %s manifest "
                        "(%s), so sluice did not write it; OVERWRITE would delete it (run "
                        "sluice with --force to replace it anyway)", c->target,
                        SL_COPY_MANIFEST, mr == 1 ? "there is none" : why);
        else if (u > 0)
            rc = SL_ERR(err, SL_EIO,
                        "COPY: target '%s' holds '%s', which its %s manifest does not list (not "
                        "written by sluice); OVERWRITE would delete it (move it away, or run "
                        "sluice with --force to replace the directory anyway)", c->target,
                        extra, SL_COPY_MANIFEST);
        else if (u < 0)
            rc = SL_ERR(err, SL_EIO, "COPY: cannot read the contents of '%s': %s", c->target,
                        strerror(errno));
        sl_free(extra);
    }
    manifest_free(&m);
    if (rc == 0)
        c->mode = TGT_REPLACE;
    return rc;
}

/* Rank 0: true when the file system of dir folds case (probe files in dir). */
static bool probe_casefold(const char *dir)
{
    char *upper = sl_fs_join(dir, "CASE-PROBE"), *lower = sl_fs_join(dir, "case-probe");
    bool folds = false;
    int fd = open(upper, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
        close(fd);
        struct stat st;
        folds = lstat(lower, &st) == 0;
        unlink(upper);
    }
    sl_free(upper);
    sl_free(lower);
    return folds;
}

/* Rank 0: checks the target's place, takes the lock, checks the target, creates the temp
 * dir (c->tmp) and learns how its file system names files. */
static int prepare_target(sl_copy *c, sl_err *err)
{
    char *parent = sl_fs_parent(c->target);
    struct stat st;
    int rc = 0;
    if (stat(parent, &st) != 0) {
        int e = errno;
        if (e == ENOENT)
            rc = SL_ERR(err, SL_ENOENT,
                        "COPY: cannot write to '%s': directory '%s' does not exist (create it "
                        "first)", c->target, parent);
        else
            rc = SL_ERR(err, SL_EIO, "COPY: cannot write to '%s': %s", c->target, strerror(e));
    } else if (!S_ISDIR(st.st_mode)) {
        rc = SL_ERR(err, SL_EIO, "COPY: cannot write to '%s': '%s' is not a directory",
                    c->target, parent);
    } else if (access(parent, W_OK | X_OK) != 0) {
        rc = SL_ERR(err, SL_EIO, "COPY: cannot write to '%s': %s", c->target, strerror(errno));
    }
    sl_free(parent);
    if (rc == 0)
        rc = take_lock(c, err);
    if (rc == 0)
        rc = check_target(c, err);
    if (rc)
        return rc;
    for (int tries = 0; tries < 100 && !c->tmp; tries++) {
        char *tmp = sl_xasprintf("%s.sluice-tmp-%016" PRIx64, c->target, random_u64());
        if (mkdir(tmp, 0777) == 0) {
            c->tmp = tmp;
            break;
        }
        int e = errno;
        sl_free(tmp);
        if (e != EEXIST)
            return SL_ERR(err, sl_fs_errno_code(e), "COPY: cannot write to '%s': %s", c->target,
                          strerror(e));
    }
    if (!c->tmp)
        return SL_ERR(err, SL_EIO, "COPY: cannot write to '%s': no free temporary name",
                      c->target);
    const char *force_ci = getenv(SL_COPY_CASE_ENV);
    c->casefold = (force_ci && strcmp(force_ci, "1") == 0) || probe_casefold(c->tmp);
    long nm = pathconf(c->tmp, _PC_NAME_MAX);
    c->name_max = (nm >= COPY_NAME_MIN && nm < COPY_NAME_MAX) ? (int)nm : COPY_NAME_MAX;
    if (c->or_ignore)
        snprintf(c->tag, sizeof c->tag, "%016" PRIx64 "-", random_u64());
    return 0;
}

/* MPI_Wait that sleeps between tests once the request has taken a while (the first ms is
 * polled): a rank must not burn a core while rank 0 waits for another job's lock. Local. */
static void wait_quietly(MPI_Request *req)
{
    double t0 = now_s();
    long delay_ns = 100000;
    for (;;) {
        int done = 0;
        MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (done)
            return;
        if (now_s() - t0 < 0.001)
            continue;
        struct timespec ts = { 0, delay_ns };
        nanosleep(&ts, NULL);
        if (delay_ns < 20000000)
            delay_ns *= 2;
    }
}

int sl_copy_begin(sl_ctx *ctx, MPI_Comm comm, const sl_copy_opts *opts,
                  const sl_copy_guard *guard,
                  int n_cols, char *const *names, const sl_type *types, sl_copy **out,
                  sl_err *err)
{
    sl_copy *c = sl_xcalloc(1, sizeof *c);
    *out = c;
    c->comm = comm;
    c->ctr = &ctx->ctr;
    MPI_Comm_rank(comm, &c->rank);
    MPI_Comm_size(comm, &c->size);
    sl_err_clear(&c->first);
    c->target = sl_fs_strip_slashes(opts->path ? opts->path : "");
    c->fmt = opts->format;
    c->wopts = opts->format_opts;
    c->overwrite = opts->overwrite;
    c->or_ignore = opts->overwrite_or_ignore;
    c->force = guard && guard->force;
    c->lock_wait_s = guard ? guard->lock_wait_s : -1;
    c->lock_fd = -1;
    c->name_max = COPY_NAME_MAX;
    if (guard && c->rank == 0) {
        c->inputs = sl_xcalloc((size_t)guard->n_inputs + 1, sizeof *c->inputs);
        for (int i = 0; i < guard->n_inputs; i++)
            c->inputs[c->n_inputs++] = sl_xstrdup(guard->inputs[i]);
    }
    c->n_cols = n_cols;
    c->names = names;
    c->types = types;
    c->file_bytes = COPY_FILE_BYTES;
    c->max_open = COPY_MAX_OPEN;
    sl_buf_init(&c->key);
    sl_buf_init(&c->val);

    /* Every rank checks the options (cheap, same answer) because every rank needs the column
     * lists; only rank 0 touches the file system. */
    check_opts(c, opts, err);
    /* A database sink owns its target and its commit: no directory, lock or manifest. */
    if (c->rank == 0 && err->code == SL_OK && !(c->fmt->caps & SL_FMT_SINK))
        prepare_target(c, err);
    /* What every rank needs to name its files the same way as the others. Rank 0 may have
     * waited minutes for the lock: the others wait for this without spinning. */
    int hdr[4] = { c->tmp ? (int)strlen(c->tmp) : 0, c->mode, c->casefold, c->name_max };
    MPI_Request req;
    MPI_Ibcast(hdr, 4, MPI_INT, 0, comm, &req);
    wait_quietly(&req);
    MPI_Bcast(c->tag, (int)sizeof c->tag, MPI_CHAR, 0, comm);
    c->mode = hdr[1];
    c->casefold = hdr[2] != 0;
    c->name_max = hdr[3];
    if (hdr[0] > 0) {
        if (c->rank != 0)
            c->tmp = sl_xmalloc((size_t)hdr[0] + 1);
        MPI_Bcast(c->tmp, hdr[0], MPI_CHAR, 0, comm);
        c->tmp[hdr[0]] = 0;
    }
    int rc = sl_agree(comm, err);
    if (rc)
        fail(c, err);
    /* One shared file: the format stages this rank's rows in the temporary directory. A
     * failure here is this rank's own, agreed at finish like a failed part-file write. */
    if (rc == 0 && (c->fmt->caps & SL_FMT_PARALLEL_WRITE) && c->n_pcols == 0 &&
        c->fmt->shared_begin(c->wopts, c->n_out, c->out_names, c->out_types, c->tmp, c->rank,
                             &c->sw, err))
        rc = fail(c, err);
    return rc;
}

/* ---- the commit ------------------------------------------------------------------------ */

/* One new file of the commit, from the gathered lists. */
typedef struct {
    char *rel;
    const char *rows, *bytes, *xxh;
} new_file;

/* Rank 0: appends the manifest for this commit to m: the old manifest's entries first (old,
 * when adding), then the new files and shortened partition names. */
static void build_manifest(sl_copy *c, sl_buf *m, const manifest *old, const new_file *nf,
                           int n_nf, char **pentries, int n_pe, int64_t rows, int64_t bytes)
{
    sl_buf_puts(m, "{\"sluice_version\": ");
    sl_buf_json_str(m, SLUICE_VERSION);
    sl_buf_puts(m, ", \"format\": ");
    sl_buf_json_str(m, c->fmt->name);
    sl_buf_puts(m, ", \"partition_by\": [");
    for (int j = 0; j < c->n_pcols; j++) {
        if (j)
            sl_buf_puts(m, ", ");
        sl_buf_json_str(m, c->names[c->pcols[j]]);
    }
    sl_buf_puts(m, "],\n \"files\": [");
    int n = 0;
    for (int i = 0; old && i < old->n_files; i++)
        sl_buf_printf(m, "%s%s", n++ ? ",\n  " : "\n  ", old->files[i]);
    for (int i = 0; i < n_nf; i++) {
        sl_buf_puts(m, n++ ? ",\n  " : "\n  ");
        sl_buf_puts(m, "{\"path\": ");
        sl_buf_json_str(m, nf[i].rel);
        sl_buf_printf(m, ", \"rows\": %s, \"bytes\": %s, \"xxh64\": \"%s\"}", nf[i].rows,
                      nf[i].bytes, nf[i].xxh);
    }
    sl_buf_puts(m, "],\n \"partitions\": [");
    n = 0;
    for (int i = 0; old && i < old->n_parts; i++)
        sl_buf_printf(m, "%s%s", n++ ? ",\n  " : "\n  ", old->parts[i]);
    for (int i = 0; i < n_pe; i++) {
        bool known = false;   /* the same shortened directory, added to */
        for (int k = 0; old && k < old->n_parts && !known; k++)
            known = strcmp(old->parts[k], pentries[i]) == 0;
        if (!known)
            sl_buf_printf(m, "%s%s", n++ ? ",\n  " : "\n  ", pentries[i]);
    }
    int64_t all_rows = rows + (old ? old->rows : 0), all_bytes = bytes + (old ? old->bytes : 0);
    sl_buf_printf(m, "],\n \"total_rows\": %" PRId64 ", \"total_bytes\": %" PRId64
                  ", \"ranks\": %d", all_rows, all_bytes, c->size);
    if (c->fp_hash)
        sl_buf_printf(m, ",\n \"input_hash\": \"%s\", \"inputs\": %s", c->fp_hash,
                      c->fp_inputs ? c->fp_inputs : "[]");
    /* One entry per COPY that wrote files here; --resume skips a COPY whose input_hash is
     * in any of them (its files are already here). */
    sl_buf_puts(m, ",\n \"commits\": [");
    n = 0;
    if (old && old->n_commits == 0)   /* a manifest from before "commits" existed */
        sl_buf_printf(m, "%s{\"input_hash\": %s, \"files_added\": %d, \"rows_added\": %"
                      PRId64 ", \"bytes_added\": %" PRId64 "}", n++ ? ",\n  " : "\n  ",
                      old->top_hash ? old->top_hash : "null", old->n_files, old->rows,
                      old->bytes);
    for (int i = 0; old && i < old->n_commits; i++)
        sl_buf_printf(m, "%s%s", n++ ? ",\n  " : "\n  ", old->commits[i]);
    sl_buf_puts(m, n++ ? ",\n  " : "\n  ");
    if (c->fp_hash)
        sl_buf_printf(m, "{\"input_hash\": \"%s\"", c->fp_hash);
    else
        sl_buf_puts(m, "{\"input_hash\": null");
    /* Key names unlike the file entries' and the totals', for scanners that grep. */
    sl_buf_printf(m, ", \"files_added\": %d, \"rows_added\": %" PRId64 ", \"bytes_added\": %"
                  PRId64 ", \"on_ranks\": %d}]}\n", n_nf, rows, bytes, c->size);
}

/* Rank 0, after replace() renamed: syncs the parent so the rename survives a crash. When that
 * fails, the rename is undone (the output is not committed, the target as it was) and the
 * error recorded; where even that fails, the message says where both trees are and c->tmp
 * is dropped, so the abort removes nothing. old: the moved-aside old output (fallback path)
 * or NULL; exchanged: the temp name holds the old tree. */
static void sync_parent_or_undo(sl_copy *c, const char *parent, const char *old, bool exchanged,
                                sl_err *err)
{
    sl_err e;
    sl_err_clear(&e);
    if (sl_fs_fsync_dir(parent, &e) == 0)
        return;
    const char *prev = NULL;    /* where the previous output is left, when not restored */
    bool tmp_ours;              /* the temp name holds the new files (the abort removes them) */
    if (exchanged) {
        tmp_ours = sl_fs_exchange(c->tmp, c->target) == 0;
        prev = tmp_ours ? NULL : c->tmp;
    } else if (rename(c->target, c->tmp) != 0) {
        tmp_ours = false;
        prev = old;
    } else {
        tmp_ours = true;
        prev = (old && rename(old, c->target) != 0) ? old : NULL;
    }
    if (tmp_ours && !prev)
        SL_ERR(err, e.code, "COPY: %s; the output was not committed and '%s' is as it was",
               e.msg, c->target);
    else if (tmp_ours)
        SL_ERR(err, e.code, "COPY: %s; the output was not committed, and the previous output "
               "could not be put back: it is at '%s'", e.msg, prev);
    else
        SL_ERR(err, e.code, "COPY: %s; the new output is at '%s' but may not survive a crash "
               "(no %s was removed)%s%s", e.msg, c->target, prev ? "previous output" : "file",
               prev ? ", the previous output is at " : "", prev ? prev : "");
    if (!tmp_ours) {
        sl_free(c->tmp);
        c->tmp = NULL;
    }
}

/* Rank 0: puts the complete temp dir (manifest written) in place of the target. On success
 * c->tmp is NULL (its files are the target's now). */
static void replace(sl_copy *c, sl_err *err)
{
    char *parent = sl_fs_parent(c->target);
    if (c->mode == TGT_NEW) {
        if (rename(c->tmp, c->target) != 0) {
            int e = errno;
            SL_ERR(err, SL_EIO, "COPY: cannot rename '%s' to '%s': %s%s", c->tmp, c->target,
                   strerror(e), (e == EEXIST || e == ENOTEMPTY) ?
                   " (something else created it meanwhile)" : "");
        } else {
            sync_parent_or_undo(c, parent, NULL, false, err);
        }
    } else {
        /* One atomic step: the target is the new tree and the temp name the old one. */
        errno = EINVAL;
        int r = (c->test_flags & SL_COPY_TEST_NO_EXCHANGE) ? -1
                                                           : sl_fs_exchange(c->tmp, c->target);
        if (r == 0) {
            sync_parent_or_undo(c, parent, NULL, true, err);
            if (err->code == SL_OK) {
                /* The temp name now holds the old tree. */
                if (sl_fs_rm_rf(c->tmp) != 0)
                    fprintf(stderr, "sluice: warning: COPY could not remove the previous output "
                            "(now at '%s'): %s\n", c->tmp, strerror(errno));
            }
        } else if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP ||
                   errno == EOPNOTSUPP) {
            /* No RENAME_EXCHANGE here: move the old output aside, rename, and remove it
             * after the sync (a crash in between leaves it at "<target>.sluice-old-<hex>"). */
            char *old = sl_xasprintf("%s.sluice-old-%016" PRIx64, c->target, random_u64());
            if (rename(c->target, old) != 0) {
                SL_ERR(err, SL_EIO, "COPY: cannot move the old '%s' aside: %s", c->target,
                       strerror(errno));
            } else if (rename(c->tmp, c->target) != 0) {
                int e = errno;
                if (rename(old, c->target) != 0)
                    SL_ERR(err, SL_EIO, "COPY: cannot rename '%s' to '%s' (%s), and the old "
                           "output could not be restored: it is at '%s'", c->tmp, c->target,
                           strerror(e), old);
                else
                    SL_ERR(err, SL_EIO, "COPY: cannot rename '%s' to '%s': %s", c->tmp,
                           c->target, strerror(e));
            } else {
                sync_parent_or_undo(c, parent, old, false, err);
                if (err->code == SL_OK && sl_fs_rm_rf(old) != 0)
                    fprintf(stderr, "sluice: warning: COPY could not remove the previous output "
                            "(now at '%s'): %s\n", old, strerror(errno));
            }
            sl_free(old);
        } else {
            SL_ERR(err, SL_EIO, "COPY: cannot swap '%s' into place of '%s': %s", c->tmp,
                   c->target, strerror(errno));
        }
    }
    if (err->code == SL_OK) {
        sl_free(c->tmp);
        c->tmp = NULL;
    }
    sl_free(parent);
}

/* Rank 0, OVERWRITE_OR_IGNORE: moves the new files into the target beside its contents. The
 * old manifest goes first and the merged one (tmp/_SUCCESS) comes last, so no _SUCCESS
 * exists while the directory is in between; on an error what was moved goes back and the old
 * manifest is rewritten. On success c->tmp is NULL. */
static void add_into(sl_copy *c, const new_file *nf, int n_nf, const manifest *old, sl_err *err)
{
    char *man = sl_fs_join(c->target, SL_COPY_MANIFEST);
    char *man_tmp = sl_fs_join(c->tmp, SL_COPY_MANIFEST);
    char **made = NULL, **dirs = NULL;   /* directories created / to sync in the target */
    int n_made = 0, n_dirs = 0, moved = 0;
    int rc = 0;
    push_str(&dirs, &n_dirs, sl_xstrdup(c->target));
    if (old->text && unlink(man) != 0 && errno != ENOENT)
        rc = SL_ERR(err, SL_EIO, "COPY: cannot remove '%s': %s", man, strerror(errno));
    if (rc == 0 && old->text)
        rc = sl_fs_fsync_dir(c->target, err);
    for (; rc == 0 && moved < n_nf; moved++) {
        /* Missing partition directories, outermost first. */
        for (char *s = strchr(nf[moved].rel, '/'); rc == 0 && s; s = strchr(s + 1, '/')) {
            char *sub = sl_xstrndup(nf[moved].rel, (size_t)(s - nf[moved].rel));
            char *d = sl_fs_join(c->target, sub);
            sl_free(sub);
            if (mkdir(d, 0777) == 0) {
                push_str(&made, &n_made, sl_xstrdup(d));
                push_str(&dirs, &n_dirs, d);
            } else if (errno == EEXIST && sl_fs_is_dir(d)) {
                push_str(&dirs, &n_dirs, d);
            } else {
                rc = SL_ERR(err, SL_EIO, "COPY: cannot create directory '%s': %s", d,
                            errno == EEXIST ? "a file is in the way" : strerror(errno));
                sl_free(d);
            }
        }
        if (rc)
            break;
        char *from = sl_fs_join(c->tmp, nf[moved].rel), *to = sl_fs_join(c->target, nf[moved].rel);
        if (sl_fs_rename_noreplace(from, to) != 0)
            rc = SL_ERR(err, SL_EIO, "COPY: cannot move '%s' to '%s': %s", from, to,
                        strerror(errno));
        sl_free(from);
        sl_free(to);
    }
    /* Each directory that got an entry, once. */
    qsort(dirs, (size_t)n_dirs, sizeof *dirs, cmp_str);
    for (int i = 0; rc == 0 && i < n_dirs; i++)
        if (i == 0 || strcmp(dirs[i], dirs[i - 1]) != 0)
            rc = sl_fs_fsync_dir(dirs[i], err);
    if (rc == 0 && rename(man_tmp, man) != 0)
        rc = SL_ERR(err, SL_EIO, "COPY: cannot rename '%s' to '%s': %s", man_tmp, man,
                    strerror(errno));
    if (rc == 0)
        rc = sl_fs_fsync_dir(c->target, err);
    if (rc == 0) {
        if (sl_fs_rm_rf(c->tmp) != 0)
            fprintf(stderr, "sluice: warning: COPY could not remove '%s': %s\n", c->tmp,
                    strerror(errno));
        sl_free(c->tmp);
        c->tmp = NULL;
    } else {
        /* Back to how it was: files back into the temp dir (the abort removes them), new
         * directories removed, the old manifest rewritten. */
        bool undone = access(man, F_OK) != 0 || unlink(man) == 0;
        for (int i = moved - 1; i >= 0; i--) {
            char *from = sl_fs_join(c->tmp, nf[i].rel), *to = sl_fs_join(c->target, nf[i].rel);
            if (rename(to, from) != 0 && errno != ENOENT)
                undone = false;
            sl_free(from);
            sl_free(to);
        }
        for (int i = n_made - 1; i >= 0; i--)
            rmdir(made[i]);
        sl_err e2;
        sl_err_clear(&e2);
        if (old->text && sl_fs_write_file(man, old->text, strlen(old->text), &e2) != 0)
            undone = false;
        if (!undone) {
            char *msg = sl_xasprintf("%s (and '%s' could not be put back as it was: it has "
                                     "no %s now)", err->msg, c->target, SL_COPY_MANIFEST);
            snprintf(err->msg, sizeof err->msg, "%s", msg);
            sl_free(msg);
        }
    }
    for (int i = 0; i < n_made; i++)
        sl_free(made[i]);
    for (int i = 0; i < n_dirs; i++)
        sl_free(dirs[i]);
    sl_free(made);
    sl_free(dirs);
    sl_free(man);
    sl_free(man_tmp);
}

/* Collective: gathers every rank's file list on rank 0, which writes the manifest and puts
 * the output in place. Errors are recorded on rank 0 only (the caller agrees). */
static void commit(sl_copy *c, int64_t total_rows, int64_t total_bytes, sl_err *err)
{
    /* "F path rows bytes xxh64" per file, "P dir values" per shortened partition name
     * (values is JSON: no tab or newline in it). */
    sl_buf blob;
    sl_buf_init(&blob);
    for (int64_t i = 0; i < c->n_files; i++)
        sl_buf_printf(&blob, "F\t%s\t%" PRId64 "\t%" PRId64 "\t%016" PRIx64 "\n",
                      c->files[i].rel, c->files[i].rows, c->files[i].bytes, c->files[i].xxh64);
    for (int i = 0; i < c->n_parts; i++)
        if (c->parts[i]->values_json && (c->parts[i]->seq > 0 || c->parts[i]->sw))
            sl_buf_printf(&blob, "P\t%s\t%s\n", c->parts[i]->dir_rel, c->parts[i]->values_json);
    int mine = (int)blob.len;
    int *lens = NULL, *displs = NULL;
    char *all = NULL;
    if (c->rank == 0) {
        lens = sl_xcalloc((size_t)c->size, sizeof *lens);
        displs = sl_xcalloc((size_t)c->size, sizeof *displs);
    }
    MPI_Gather(&mine, 1, MPI_INT, lens, 1, MPI_INT, 0, c->comm);
    int64_t sum = 0;
    if (c->rank == 0) {
        for (int r = 0; r < c->size; r++) {
            displs[r] = (int)sum;
            sum += lens[r];
        }
        all = sl_xmalloc((size_t)sum + 1);
    }
    MPI_Gatherv(blob.data, mine, MPI_CHAR, all, lens, displs, MPI_CHAR, 0, c->comm);
    sl_buf_free(&blob);
    sl_free(lens);
    sl_free(displs);
    if (c->rank != 0)
        return;
    all[sum] = 0;

    new_file *nf = NULL;
    int n_nf = 0;
    char **pe = NULL;
    int n_pe = 0;
    for (char *line = all; *line;) {
        char *nl = strchr(line, '\n');
        *nl = 0;
        char *f[5] = { line, NULL, NULL, NULL, NULL };
        int k = 1;
        for (; k < 5 && (f[k] = strchr(f[k - 1], '\t')) != NULL; k++)
            *f[k]++ = 0;
        if (f[0][0] == 'F' && k == 5) {
            nf = sl_xrealloc(nf, sizeof *nf * (size_t)(n_nf + 1));
            nf[n_nf++] = (new_file){ f[1], f[2], f[3], f[4] };
        } else if (f[0][0] == 'P' && k >= 3) {
            sl_buf e;
            sl_buf_init(&e);
            sl_buf_puts(&e, "{\"dir\": ");
            sl_buf_json_str(&e, f[1]);
            sl_buf_printf(&e, ", \"values\": %s}", f[2]);
            push_str(&pe, &n_pe, sl_buf_take(&e));
        }
        line = nl + 1;
    }
    /* Every rank that wrote to a shortened partition reported it: keep one of each. */
    if (n_pe > 1)
        qsort(pe, (size_t)n_pe, sizeof *pe, cmp_str);
    int u = 0;
    for (int i = 0; i < n_pe; i++) {
        if (u && strcmp(pe[i], pe[u - 1]) == 0)
            sl_free(pe[i]);
        else
            pe[u++] = pe[i];
    }
    n_pe = u;

    manifest old;
    memset(&old, 0, sizeof old);
    /* Every directory of the temp tree durable (the files were synced by their writers),
     * then, under the lock still, the target as it is now. */
    int rc = sl_fs_fsync_dirs(c->tmp, err);
    if (rc == 0)
        rc = check_target(c, err);
    if (rc == 0 && c->mode == TGT_ADD) {
        const char *why;
        if (manifest_read(c->target, &old, &why) < 0)
            rc = SL_ERR(err, SL_EIO, "COPY: OVERWRITE_OR_IGNORE: the %s manifest of '%s' became "
                        "unusable during the COPY (%s)", SL_COPY_MANIFEST, c->target, why);
    }
    if (rc == 0) {
        sl_buf m;
        sl_buf_init(&m);
        build_manifest(c, &m, c->mode == TGT_ADD ? &old : NULL, nf, n_nf, pe, n_pe, total_rows,
                       total_bytes);
        char *man = sl_fs_join(c->tmp, SL_COPY_MANIFEST);
        rc = sl_fs_write_file(man, m.data, (size_t)m.len, err);
        sl_free(man);
        sl_buf_free(&m);
        if (rc == 0)
            rc = sl_fs_fsync_dir(c->tmp, err);
    }
    if (rc == 0) {
        if (c->mode == TGT_ADD)
            add_into(c, nf, n_nf, &old, err);
        else
            replace(c, err);
    }
    manifest_free(&old);
    for (int i = 0; i < n_pe; i++)
        sl_free(pe[i]);
    sl_free(pe);
    sl_free(nf);
    sl_free(all);
}

/* Error path: every rank removes its own files, then rank 0 the whole temp tree. */
static void abort_copy(sl_copy *c)
{
    for (int i = 0; i < c->n_parts; i++)
        close_part(c, c->parts[i], CLOSE_DISCARD, NULL);
    if (c->tmp) {
        for (int64_t i = 0; i < c->n_files; i++) {
            char *path = sl_fs_join(c->tmp, c->files[i].rel);
            unlink(path);
            sl_free(path);
        }
    }
    /* The barrier orders every rank's unlinks before rank 0's rm -rf of the tree. */
    MPI_Barrier(c->comm);
    if (c->rank == 0 && c->tmp && sl_fs_rm_rf(c->tmp) != 0)
        fprintf(stderr, "sluice: warning: COPY could not remove '%s': %s\n", c->tmp,
                strerror(errno));
}

/* COPY's note on one shared file (see format.h's shared_note), built on rank 0 and the
 * same on every rank: pvals the partition's values ({"k": "v"}) or NULL. Collective. */
static char *shared_note(sl_copy *c, const char *pvals, int64_t mine)
{
    int64_t *rr = c->rank == 0 ? sl_xcalloc((size_t)c->size, sizeof *rr) : NULL;
    MPI_Gather(&mine, 1, MPI_INT64_T, rr, 1, MPI_INT64_T, 0, c->comm);
    sl_buf j;
    sl_buf_init(&j);
    if (c->rank == 0) {
        int64_t sum = 0;
        for (int r = 0; r < c->size; r++)
            sum += rr[r];
        sl_buf_puts(&j, "{\"sluice_version\": ");
        sl_buf_json_str(&j, SLUICE_VERSION);
        sl_buf_puts(&j, ", \"format\": ");
        sl_buf_json_str(&j, c->fmt->name);
        sl_buf_puts(&j, ", \"partition_by\": [");
        for (int k = 0; k < c->n_pcols; k++) {
            if (k)
                sl_buf_puts(&j, ", ");
            sl_buf_json_str(&j, c->names[c->pcols[k]]);
        }
        sl_buf_printf(&j, "], \"partition\": %s, \"rows\": %" PRId64 ", \"ranks\": %d, "
                      "\"rank_rows\": [", pvals ? pvals : "null", sum, c->size);
        for (int r = 0; r < c->size; r++)
            sl_buf_printf(&j, "%s%" PRId64, r ? ", " : "", rr[r]);
        sl_buf_puts(&j, "], \"input_hash\": ");
        if (c->fp_hash)
            sl_buf_printf(&j, "\"%s\"}", c->fp_hash);
        else
            sl_buf_puts(&j, "null}");
    }
    sl_free(rr);
    int len = (int)j.len;
    MPI_Bcast(&len, 1, MPI_INT, 0, c->comm);
    sl_buf_reserve(&j, len + 1);
    MPI_Bcast(j.data, len, MPI_CHAR, 0, c->comm);
    j.len = len;
    return sl_buf_take(&j);
}

/* One shared file in dir_rel ("" or a partition's directory): every rank writes it (the
 * format's shared_finish), then rank 0 lists it for the manifest with its size and checksum.
 * Errors agreed. Collective over c->comm. */
static int finish_shared(sl_copy *c, void *sw, const char *dir_rel, const char *pvals,
                         int64_t mine, sl_err *err)
{
    char *name = sl_xasprintf("part-%sshared%s", c->tag, sl_fmt_write_ext(c->fmt, c->wopts));
    char *rel = dir_rel[0] ? sl_fs_join(dir_rel, name) : sl_xstrdup(name);
    char *path = sl_fs_join(c->tmp, rel);
    char *note = shared_note(c, pvals, mine);
    if (c->fmt->shared_note)
        c->fmt->shared_note(sw, note);
    sl_free(note);
    int64_t rows = 0;
    int rc = c->fmt->shared_finish(c->comm, sw, path, &rows, err);
    if (rc == 0 && c->rank == 0) {
        XXH64_state_t h;
        XXH64_reset(&h, 0);
        int64_t bytes = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        char *buf = sl_xmalloc(1 << 20);
        ssize_t k = 0;
        while (fd >= 0 && (k = read(fd, buf, 1 << 20)) > 0) {
            XXH64_update(&h, buf, (size_t)k);
            bytes += k;
        }
        if (fd < 0 || k < 0 || sl_fs_fsync(fd, name, err))
            SL_ERR(err, SL_EIO, "COPY: cannot read back '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        sl_free(buf);
        SL_GROW(c->files, c->cap_files, c->n_files + 1);
        c->files[c->n_files++] = (out_file){ .rel = rel, .rows = rows,
                                             .bytes = bytes, .xxh64 = XXH64_digest(&h) };
        rel = NULL;
        c->ctr->bytes_written += bytes;
    }
    sl_free(rel);
    sl_free(name);
    sl_free(path);
    return rc ? rc : sl_agree(c->comm, err);
}

/* PARTITION_BY with a shared-file format: one shared file per partition any rank saw, in
 * the partition's directory, written by every rank (a rank that saw none of its rows takes
 * part with an empty writer), partitions in the order of their directory names, the same
 * on every rank. Errors agreed. Collective over c->comm. */
static int finish_shared_parts(sl_copy *c, sl_err *err)
{
    /* "dir\tvalues\n" of every partition of every rank (values is JSON: no tab, newline). */
    sl_buf blob;
    sl_buf_init(&blob);
    for (int i = 0; i < c->n_parts; i++)
        if (c->parts[i]->sw)
            sl_buf_printf(&blob, "%s\t%s\n", c->parts[i]->dir_rel, c->parts[i]->pvals);
    int mine = (int)blob.len;
    int *lens = sl_xcalloc((size_t)c->size, sizeof *lens);
    int *displs = sl_xcalloc((size_t)c->size, sizeof *displs);
    MPI_Allgather(&mine, 1, MPI_INT, lens, 1, MPI_INT, c->comm);
    int64_t sum = 0;
    for (int r = 0; r < c->size; r++) {
        displs[r] = (int)sum;
        sum += lens[r];
    }
    char *all = sl_xmalloc((size_t)sum + 1);
    MPI_Allgatherv(blob.data, mine, MPI_CHAR, all, lens, displs, MPI_CHAR, c->comm);
    all[sum] = 0;
    sl_buf_free(&blob);
    sl_free(lens);
    sl_free(displs);
    char **lines = NULL;
    int n_lines = 0;
    for (char *line = all; *line;) {
        char *nl = strchr(line, '\n');
        *nl = 0;
        push_str(&lines, &n_lines, line);
        line = nl + 1;
    }
    if (n_lines > 1)
        qsort(lines, (size_t)n_lines, sizeof *lines, cmp_str);
    int rc = 0;
    for (int i = 0; i < n_lines && rc == 0; i++) {
        if (i && strcmp(lines[i], lines[i - 1]) == 0)
            continue;
        char *tab = strchr(lines[i], '\t');
        *tab = 0;
        bool added;
        int pi = part_lookup(c, lines[i], (int64_t)strlen(lines[i]), &added); /* may grow */
        part *p = c->parts[pi];
        if (added) {
            p->pvals = sl_xstrdup(tab + 1);
            if (strchr(p->dir_rel, '~'))   /* a shortened name: the manifest maps it */
                p->values_json = sl_xstrdup(tab + 1);
        }
        if (!p->sw)
            part_shared_begin(c, p, err);
        if (sl_agree(c->comm, err))
            rc = err->code;
        else
            rc = finish_shared(c, p->sw, p->dir_rel, p->pvals, p->srows, err);
        *tab = '\t';
    }
    sl_free(lines);   /* the strings point into all */
    sl_free(all);
    return rc;
}

static void copy_free(sl_copy *c)
{
    if (c->sw)
        c->fmt->shared_free(c->sw);
    for (int i = 0; i < c->n_parts; i++) {
        part *p = c->parts[i];
        if (p->sw)
            c->fmt->shared_free(p->sw);
        sl_free(p->pvals);
        if (p->fd >= 0)
            close(p->fd);
        sl_fmt_writer_free(&p->w);
        sl_buf_free(&p->buf);
        sl_free(p->dir_rel);
        sl_free(p->values_json);
        sl_free(p);
    }
    if (c->lock_fd >= 0)
        sl_fs_lock_release(c->lock_path, c->lock_fd);
    sl_free(c->lock_path);
    for (int i = 0; i < c->n_inputs; i++)
        sl_free(c->inputs[i]);
    sl_free(c->inputs);
    sl_free(c->parts);
    sl_free(c->ht);
    for (int64_t i = 0; i < c->n_files; i++)
        sl_free(c->files[i].rel);
    sl_free(c->files);
    sl_free(c->out_cols);
    for (int k = 0; c->renamed && k < c->n_out; k++)
        sl_free(c->renamed[k]);
    sl_free(c->renamed);
    sl_free(c->out_names);
    sl_free(c->out_types);
    sl_free(c->pcols);
    sl_free(c->order);
    sl_free(c->row_part);
    sl_buf_free(&c->key);
    sl_buf_free(&c->val);
    sl_free(c->target);
    sl_free(c->tmp);
    sl_free(c->fp_hash);
    sl_free(c->fp_inputs);
    sl_free(c);
}

int sl_copy_finish(sl_copy **pc, int64_t *rows, int64_t *bytes, sl_err *err)
{
    sl_copy *c = *pc;
    *rows = *bytes = 0;
    if (!c)
        return err->code;
    *pc = NULL;
    if (c->first.code != SL_OK && err->code == SL_OK)
        *err = c->first;
    if (err->code == SL_OK) {
        /* Every file finished and fsynced, also those closed for the open-file cap. */
        for (int i = 0; i < c->n_parts; i++)
            if (c->parts[i]->file >= 0 && close_part(c, c->parts[i], CLOSE_FINAL, err))
                break;
    }
    int rc = sl_agree(c->comm, err);
    int64_t t[2] = { 0, 0 }, tot[2] = { 0, 0 };
    if (rc == 0 && c->sw && (c->fmt->caps & SL_FMT_SINK)) {
        int64_t n = 0;
        rc = c->fmt->shared_finish(c->comm, c->sw, c->target, &n, err); /* errors agreed */
        if (rc == 0)
            *rows = n;
        else
            abort_copy(c);
        copy_free(c);
        return rc;
    }
    if (rc == 0 && c->sw)
        rc = finish_shared(c, c->sw, "", NULL, c->srows, err);
    else if (rc == 0 && (c->fmt->caps & SL_FMT_PARALLEL_WRITE) && c->n_pcols > 0)
        rc = finish_shared_parts(c, err);
    if (rc == 0) {
        for (int64_t i = 0; i < c->n_files; i++) {
            t[0] += c->files[i].rows;
            t[1] += c->files[i].bytes;
        }
        MPI_Allreduce(t, tot, 2, MPI_INT64_T, MPI_SUM, c->comm);
        commit(c, tot[0], tot[1], err);
        /* Only rank 0 can fail in commit. Whether the temp dir still holds this copy's files
         * (an error before anything moved, or undone) is rank 0's to say: after a replace it
         * may hold the old output, which the other ranks must not touch. */
        int ours = c->tmp != NULL;
        MPI_Bcast(&ours, 1, MPI_INT, 0, c->comm);
        if (!ours) {
            sl_free(c->tmp);
            c->tmp = NULL;
        }
        rc = sl_agree(c->comm, err);
    }
    if (rc) {
        abort_copy(c);
    } else {
        *rows = tot[0];
        *bytes = tot[1];
    }
    copy_free(c);
    return rc;
}
