/*
 * COPY ... TO 'dir': part files in a temporary directory, committed atomically (see copy.h).
 *
 * Layout while running: "<target>.sluice-tmp-<hex>/" next to the target (same file system,
 * so the final rename is atomic), holding part-<rank>-<seq>.csv, or with PARTITION_BY
 * "k1=v1/k2=v2/part-<rank>-<seq>.csv". Names and values in directory names are
 * percent-encoded (every byte outside [A-Za-z0-9_.-] becomes %XX; "." and ".." become
 * %2E / %2E%2E; the string "NULL" becomes %4EULL so it cannot collide with NULL, which is
 * written "k=NULL"), so no value can leave the directory or collide with another value.
 *
 * Each partition this rank has seen keeps one open file and a user-space buffer flushed with
 * write(2) loops; at most max_open files are open at once (least recently used is closed and
 * later continued in a new part file); a file is closed after ~file_bytes and a new seq begun.
 * Every file's relative path, rows, bytes and xxh64 checksum are tracked for the manifest.
 *
 * begin and finish are Collective over comm; write is Local. Errors are agreed (sl_agree) at
 * the end of begin, before the commit, and after the commit's renames. The first error of a
 * copy is also kept in the object, so finish sees it even with a fresh err.
 */
#include "exec/copy.h"

#include "sluice/sluice.h"

#include "core/fsutil.h"
#include "core/mem.h"
#include "io/csv.h"
#include "mpi/agree.h"
#include "obs/counters.h"

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
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
/* Rows formatted between checks of the flush and rotation thresholds. */
#define COPY_CHUNK_ROWS 4096

typedef struct {
    char *rel;          /* path relative to the temp dir */
    int64_t rows, bytes;
    uint64_t xxh64;
} out_file;

typedef struct {
    char *dir_rel;      /* "" or "k=v/..." relative to the temp dir */
    bool dir_made;
    int fd;             /* -1 when closed */
    int file;           /* index in files of the open file, -1 when closed */
    int64_t seq;        /* seq of the next file of this partition */
    int64_t written;    /* bytes of the open file already written */
    uint64_t last_use;
    sl_buf buf;
    XXH64_state_t hash;
    /* Scratch of one sl_copy_write call: rows of this partition are order[start..+count). */
    int64_t start, count;
} part;

struct sl_copy {
    MPI_Comm comm;
    int rank, size;
    char *target;       /* without trailing slashes */
    char *tmp;          /* temp dir, NULL when begin did not get that far */
    char delim;
    bool header;
    int n_cols;
    char *const *names;
    const sl_type *types;
    int n_out, *out_cols;
    char **out_names;   /* borrowed from names */
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
    uint32_t *order;    /* scratch: live rows grouped by partition */
    int32_t *row_part;
    int64_t scratch_cap;
    sl_buf key, val;    /* scratch for partition keys */
    sl_err first;       /* first error of this copy on this rank */
    char *fp_hash;      /* --resume fingerprint and its inputs (JSON), or NULL */
    char *fp_inputs;
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

/* Appends [p, p+len) percent-encoded for use as (part of) a directory name. */
static void pct_encode(sl_buf *out, const char *p, int64_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    bool all = (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.');
    bool null_word = len == 4 && memcmp(p, "NULL", 4) == 0;
    for (int64_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        bool plain = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
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

static uint64_t hash_bytes(const char *p, int64_t len)
{
    return XXH64(p, (size_t)len, 0);
}

/* Finds or adds the partition whose relative directory is [key, key+len). */
static int part_lookup(sl_copy *c, const char *key, int64_t len)
{
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
    sl_ctr.bytes_written += p->buf.len;
    p->written += p->buf.len;
    sl_buf_reset(&p->buf);
    return 0;
}

/* Flushes, syncs and closes the open file of p. With discard, only closes (error path). */
static int close_part(sl_copy *c, part *p, bool discard, sl_err *err)
{
    if (p->fd < 0)
        return 0;
    int rc = 0;
    if (!discard) {
        rc = flush_part(c, p, err);
        if (rc == 0)
            rc = sl_fs_fsync(p->fd, c->files[p->file].rel, err);
        c->files[p->file].xxh64 = XXH64_digest(&p->hash);
    }
    if (close(p->fd) != 0 && rc == 0 && !discard) {
        int e = errno;
        rc = SL_ERR(err, sl_fs_errno_code(e), "cannot close '%s': %s", c->files[p->file].rel,
                    strerror(e));
    }
    p->fd = -1;
    p->file = -1;
    p->written = 0;
    sl_buf_free(&p->buf);
    c->n_open--;
    return rc ? fail(c, err) : 0;
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
        if (lru && close_part(c, lru, false, err))
            return err->code;
    }
    if (!p->dir_made && p->dir_rel[0]) {
        char *dir = sl_fs_join(c->tmp, p->dir_rel);
        int rc = sl_fs_mkdir_p(dir, err);
        sl_free(dir);
        if (rc)
            return fail(c, err);
    }
    p->dir_made = true;
    char *name = sl_xasprintf("part-%d-%" PRId64 ".csv", c->rank, p->seq++);
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
    if (c->header)
        sl_csv_format_header(&p->buf, c->out_names, c->n_out, c->delim);
    return 0;
}

/* Writes rows sel[0..n) of the view (physical rows of the caller's batch) to partition p. */
static int emit(sl_copy *c, part *p, sl_batch *view, uint32_t *sel, int64_t n, sl_err *err)
{
    int64_t flush_at = c->n_pcols ? COPY_FLUSH_MANY : COPY_FLUSH_ONE;
    for (int64_t k = 0; k < n; k += COPY_CHUNK_ROWS) {
        int64_t m = n - k < COPY_CHUNK_ROWS ? n - k : COPY_CHUNK_ROWS;
        if (p->fd < 0 && open_part(c, p, err))
            return err->code;
        p->last_use = ++c->tick;
        view->sel = sel + k;
        view->n_sel = m;
        sl_csv_format_rows(&p->buf, view, c->n_out, c->delim);
        c->files[p->file].rows += m;
        sl_ctr.rows_written += m;
        if (p->buf.len >= flush_at && flush_part(c, p, err))
            return err->code;
        if (p->written + p->buf.len >= c->file_bytes && close_part(c, p, false, err))
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

/* Appends the encoded directory of physical row r of b into c->key. */
static void row_key(sl_copy *c, const sl_batch *b, int64_t r)
{
    sl_buf_reset(&c->key);
    for (int j = 0; j < c->n_pcols; j++) {
        int col = c->pcols[j];
        if (j)
            sl_buf_putc(&c->key, '/');
        pct_encode(&c->key, c->names[col], (int64_t)strlen(c->names[col]));
        sl_buf_putc(&c->key, '=');
        const sl_vec *v = b->cols[col];
        if (!sl_vec_valid(v, r)) {
            sl_buf_puts(&c->key, "NULL");
            continue;
        }
        const char *p;
        int64_t len;
        if (v->type == SL_T_VARCHAR) {
            p = sl_vec_str(v, r, &len);
        } else {
            sl_value x;
            sl_vec_get_value(v, r, &x);
            sl_buf_reset(&c->val);
            sl_format_value(&c->val, &x);
            p = c->val.data ? c->val.data : "";
            len = c->val.len;
        }
        pct_encode(&c->key, p, len);
    }
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
    for (int j = 0; j < c->n_out; j++)
        vcols[j] = b->cols[c->out_cols[j]];
    /* A borrowed view: only the output columns, with a selection set per chunk. */
    sl_batch view = { .n_cols = c->n_out, .n_rows = b->n_rows, .cols = vcols };
    grow_scratch(c, live);
    int rc = 0;
    if (c->n_pcols == 0) {
        for (int64_t k = 0; k < live; k++)
            c->order[k] = (uint32_t)sl_batch_row(b, k);
        int pi = part_lookup(c, "", 0);   /* may grow c->parts: look up first */
        rc = emit(c, c->parts[pi], &view, c->order, live, err);
    } else {
        /* Group the live rows by partition, keeping their order (a counting sort). */
        int n_touched = 0;
        int *touched = sl_xmalloc(sizeof *touched * (size_t)(live < 1 ? 1 : live));
        for (int64_t k = 0; k < live; k++) {
            row_key(c, b, sl_batch_row(b, k));
            int pi = part_lookup(c, c->key.data, c->key.len);
            part *p = c->parts[pi];
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
    sl_free(vcols);
    return rc;
}

void sl_copy_set_fingerprint(sl_copy *c, const char *hash, const char *inputs_json)
{
    sl_free(c->fp_hash);
    sl_free(c->fp_inputs);
    c->fp_hash = hash ? sl_xstrdup(hash) : NULL;
    c->fp_inputs = inputs_json ? sl_xstrdup(inputs_json) : NULL;
}

void sl_copy_set_limits(sl_copy *c, int64_t file_bytes, int max_open)
{
    if (file_bytes > 0)
        c->file_bytes = file_bytes;
    if (max_open > 0)
        c->max_open = max_open;
}

/* Checks opts and fills the output/partition column lists. Same result on every rank. */
static int check_opts(sl_copy *c, const sl_copy_opts *opts, sl_err *err)
{
    if (!opts->path || !opts->path[0])
        return SL_ERR(err, SL_EUSAGE, "COPY: the target path is empty");
    if (opts->format && strcasecmp(opts->format, "csv") != 0)
        return SL_ERR(err, SL_EUSAGE, "COPY: FORMAT '%s' is not supported (supported: csv)",
                      opts->format);
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
    for (int k = 0; k < c->n_cols; k++) {
        if (!is_p[k]) {
            c->out_cols[c->n_out] = k;
            c->out_names[c->n_out++] = c->names[k];
        }
    }
    sl_free(is_p);
    return rc;
}

/* Rank 0: checks the target's place and creates the temp dir (c->tmp). */
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
    } else if (stat(c->target, &st) == 0 && !S_ISDIR(st.st_mode)) {
        rc = SL_ERR(err, SL_EIO,
                    "COPY: cannot write to '%s': it exists and is not a directory (COPY "
                    "writes a directory of part files)", c->target);
    }
    sl_free(parent);
    if (rc)
        return rc;
    for (int tries = 0; tries < 100; tries++) {
        char *tmp = sl_xasprintf("%s.sluice-tmp-%016" PRIx64, c->target, random_u64());
        if (mkdir(tmp, 0777) == 0) {
            c->tmp = tmp;
            return 0;
        }
        int e = errno;
        sl_free(tmp);
        if (e != EEXIST)
            return SL_ERR(err, sl_fs_errno_code(e), "COPY: cannot write to '%s': %s", c->target,
                          strerror(e));
    }
    return SL_ERR(err, SL_EIO, "COPY: cannot write to '%s': no free temporary name", c->target);
}

int sl_copy_begin(MPI_Comm comm, const sl_copy_opts *opts, int n_cols, char *const *names,
                  const sl_type *types, sl_copy **out, sl_err *err)
{
    sl_copy *c = sl_xcalloc(1, sizeof *c);
    *out = c;
    c->comm = comm;
    MPI_Comm_rank(comm, &c->rank);
    MPI_Comm_size(comm, &c->size);
    sl_err_clear(&c->first);
    c->target = sl_fs_strip_slashes(opts->path ? opts->path : "");
    c->delim = opts->delim ? opts->delim : ',';
    c->header = opts->header;
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
    if (c->rank == 0 && err->code == SL_OK)
        prepare_target(c, err);
    int len = c->tmp ? (int)strlen(c->tmp) : 0;
    MPI_Bcast(&len, 1, MPI_INT, 0, comm);
    if (len > 0) {
        if (c->rank != 0)
            c->tmp = sl_xmalloc((size_t)len + 1);
        MPI_Bcast(c->tmp, len, MPI_CHAR, 0, comm);
        c->tmp[len] = 0;
    }
    int rc = sl_agree(comm, err);
    if (rc)
        fail(c, err);
    return rc;
}


/* Collective: gathers every rank's file list on rank 0, which writes the manifest and swaps
 * the temp dir into place. Errors are recorded on rank 0 only (the caller agrees). */
static void commit(sl_copy *c, int64_t total_rows, int64_t total_bytes, sl_err *err)
{
    sl_buf blob;
    sl_buf_init(&blob);
    for (int64_t i = 0; i < c->n_files; i++)
        sl_buf_printf(&blob, "%s\t%" PRId64 "\t%" PRId64 "\t%016" PRIx64 "\n", c->files[i].rel,
                      c->files[i].rows, c->files[i].bytes, c->files[i].xxh64);
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
    if (c->rank != 0)
        return;
    all[sum] = 0;

    sl_buf m;
    sl_buf_init(&m);
    sl_buf_puts(&m, "{\"sluice_version\": ");
    sl_buf_json_str(&m, SLUICE_VERSION);
    sl_buf_puts(&m, ", \"format\": \"csv\", \"partition_by\": [");
    for (int j = 0; j < c->n_pcols; j++) {
        if (j)
            sl_buf_puts(&m, ", ");
        sl_buf_json_str(&m, c->names[c->pcols[j]]);
    }
    sl_buf_puts(&m, "],\n \"files\": [");
    int n = 0;
    for (char *line = all; *line;) {
        char *nl = strchr(line, '\n');
        *nl = 0;
        char *f[4] = { line, NULL, NULL, NULL };
        for (int k = 1; k < 4; k++) {
            f[k] = strchr(f[k - 1], '\t');
            *f[k]++ = 0;
        }
        sl_buf_puts(&m, n++ ? ",\n  " : "\n  ");
        sl_buf_puts(&m, "{\"path\": ");
        sl_buf_json_str(&m, f[0]);
        sl_buf_printf(&m, ", \"rows\": %s, \"bytes\": %s, \"xxh64\": \"%s\"}", f[1], f[2], f[3]);
        line = nl + 1;
    }
    sl_buf_printf(&m, "],\n \"total_rows\": %" PRId64 ", \"total_bytes\": %" PRId64
                  ", \"ranks\": %d", total_rows, total_bytes, c->size);
    if (c->fp_hash)
        sl_buf_printf(&m, ",\n \"input_hash\": \"%s\", \"inputs\": %s", c->fp_hash,
                      c->fp_inputs ? c->fp_inputs : "[]");
    sl_buf_puts(&m, "}\n");
    sl_free(all);
    sl_free(lens);
    sl_free(displs);

    char *man = sl_fs_join(c->tmp, SL_COPY_MANIFEST);
    int rc = sl_fs_write_file(man, m.data, (size_t)m.len, err);
    sl_free(man);
    sl_buf_free(&m);
    if (rc == 0)
        rc = sl_fs_fsync_dir(c->tmp, err);
    if (rc)
        return;

    char *old = NULL;
    if (sl_fs_exists(c->target)) {
        old = sl_xasprintf("%s.sluice-old-%016" PRIx64, c->target, random_u64());
        if (rename(c->target, old) != 0) {
            SL_ERR(err, SL_EIO, "COPY: cannot move the old '%s' aside: %s", c->target,
                   strerror(errno));
            sl_free(old);
            return;
        }
    }
    if (rename(c->tmp, c->target) != 0) {
        int e = errno;
        /* Put the old output back so a failed job leaves it as it was. */
        if (old && rename(old, c->target) != 0)
            SL_ERR(err, SL_EIO, "COPY: cannot rename '%s' to '%s' (%s), and the old output "
                   "could not be restored: it is at '%s'", c->tmp, c->target, strerror(e), old);
        else
            SL_ERR(err, SL_EIO, "COPY: cannot rename '%s' to '%s': %s", c->tmp, c->target,
                   strerror(e));
        sl_free(old);
        return;
    }
    /* Committed: the temp name no longer exists. A leftover old tree is not a failure of the
     * job, but say so. */
    sl_free(c->tmp);
    c->tmp = NULL;
    if (old && sl_fs_rm_rf(old) != 0)
        fprintf(stderr, "sluice: warning: COPY could not remove the previous output '%s': %s\n",
                old, strerror(errno));
    sl_free(old);
    char *parent = sl_fs_parent(c->target);
    sl_err ignore;
    sl_err_clear(&ignore);
    sl_fs_fsync_dir(parent, &ignore);
    sl_free(parent);
}

/* Error path: every rank removes its own files, then rank 0 the whole temp tree. */
static void abort_copy(sl_copy *c)
{
    for (int i = 0; i < c->n_parts; i++)
        if (c->parts[i]->fd >= 0)
            close_part(c, c->parts[i], true, NULL);
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

static void copy_free(sl_copy *c)
{
    for (int i = 0; i < c->n_parts; i++) {
        part *p = c->parts[i];
        if (p->fd >= 0)
            close(p->fd);
        sl_buf_free(&p->buf);
        sl_free(p->dir_rel);
        sl_free(p);
    }
    sl_free(c->parts);
    sl_free(c->ht);
    for (int64_t i = 0; i < c->n_files; i++)
        sl_free(c->files[i].rel);
    sl_free(c->files);
    sl_free(c->out_cols);
    sl_free(c->out_names);
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
        for (int i = 0; i < c->n_parts; i++)
            if (c->parts[i]->fd >= 0 && close_part(c, c->parts[i], false, err))
                break;
    }
    int rc = sl_agree(c->comm, err);
    int64_t t[2] = { 0, 0 }, tot[2] = { 0, 0 };
    if (rc == 0) {
        for (int64_t i = 0; i < c->n_files; i++) {
            t[0] += c->files[i].rows;
            t[1] += c->files[i].bytes;
        }
        MPI_Allreduce(t, tot, 2, MPI_INT64_T, MPI_SUM, c->comm);
        commit(c, tot[0], tot[1], err);
        /* Only rank 0 can fail in commit; c->tmp is NULL there once the rename succeeded. */
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
