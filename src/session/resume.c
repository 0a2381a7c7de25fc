/*
 * --resume fingerprints and the up-to-date check; see resume.h. The manifest is read with a
 * tiny scanner for the keys copy.c itself writes (paths there are percent-encoded, so they
 * contain no JSON escapes), not a general JSON parser. Local except sl_resume_up_to_date
 * (Collective).
 */
#include "session/resume.h"

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "exec/copy.h"
#include "io/format.h"

/* Feeds a length-prefixed string, so "ab"+"c" and "a"+"bc" hash differently. */
static void feed_str(XXH64_state_t *h, const char *s)
{
    uint64_t n = s ? strlen(s) : 0;
    XXH64_update(h, &n, sizeof n);
    if (n)
        XXH64_update(h, s, (size_t)n);
}

static void feed_i64(XXH64_state_t *h, int64_t v) { XXH64_update(h, &v, sizeof v); }


/* Every input file under q (depth first, in plan order). Returns false when q reads a table
 * (CREATE TABLE AS): a table lives only in this session, and its own inputs are not in q. */
static bool feed_inputs(XXH64_state_t *h, const sl_query *q, sl_buf *js, int *n)
{
    if (!q)
        return true;
    if (q->src.kind == SL_SRC_QUERY)
        return feed_inputs(h, q->src.child, js, n);
    if (q->src.kind == SL_SRC_SETOP)
        return feed_inputs(h, q->src.child, js, n) && feed_inputs(h, q->src.right, js, n);
    if (q->src.kind == SL_SRC_TABLE)
        return false;
    const sl_fmt_source *s = q->src.fsrc;
    if (!s)
        return true;
    for (int i = 0; i < sl_fmt_source_nfiles(s); i++) {
        const char *path = sl_fmt_source_file(s, i);
        struct stat st;
        int64_t size = -1, mtime = -1;
        if (stat(path, &st) == 0) {
            size = (int64_t)st.st_size;
            mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        }
        feed_str(h, path);
        feed_i64(h, size);
        feed_i64(h, mtime);
        sl_buf_puts(js, (*n)++ ? ",\n  " : "\n  ");
        /* "file", not "path": files_intact scans the manifest for {"path": ...}. */
        sl_buf_puts(js, "{\"file\": ");
        sl_buf_json_str(js, path);
        sl_buf_printf(js, ", \"size\": %" PRId64 ", \"mtime_ns\": %" PRId64 "}", size, mtime);
    }
    return true;
}

char *sl_resume_fingerprint(const sl_job *job, int idx, const sl_query *q, char **inputs_json)
{
    XXH64_state_t h;
    XXH64_reset(&h, 0);
    feed_str(&h, "sluice-copy-v1");
    feed_str(&h, job->stmts[idx]->text);
    for (int j = 0; j < idx; j++) {
        const sl_stmt *st = job->stmts[j];
        bool counts = st->kind == SL_STMT_CREATE_VIEW ||
                      (st->kind == SL_STMT_SET && strcasecmp(st->name, "blocksize") != 0 &&
                       strcasecmp(st->name, "exchange_round_bytes") != 0);
        if (counts)
            feed_str(&h, st->text);
    }
    sl_buf js;
    sl_buf_init(&js);
    sl_buf_putc(&js, '[');
    int n = 0;
    if (!feed_inputs(&h, q, &js, &n)) {
        sl_buf_free(&js);
        *inputs_json = NULL;
        return NULL;
    }
    sl_buf_putc(&js, ']');
    *inputs_json = sl_xstrdup(sl_buf_cstr(&js));
    sl_buf_free(&js);
    return sl_xasprintf("%016" PRIx64, (uint64_t)XXH64_digest(&h));
}

/* Checks every {"path": "...", ..., "bytes": N} of the manifest against the directory. */
static bool files_intact(const char *dir, const char *man)
{
    const char *key = "{\"path\": \"";
    for (const char *p = strstr(man, key); p; p = strstr(p, key)) {
        p += strlen(key);
        const char *q = strchr(p, '"');
        const char *b = q ? strstr(q, "\"bytes\": ") : NULL;
        if (!b)
            return false;
        char *rel = sl_xstrndup(p, (size_t)(q - p));
        char *path = sl_fs_join(dir, rel);
        struct stat st;
        bool ok = stat(path, &st) == 0 &&
                  (int64_t)st.st_size == strtoll(b + strlen("\"bytes\": "), NULL, 10);
        sl_free(rel);
        sl_free(path);
        if (!ok)
            return false;
        p = q;
    }
    return true;
}

bool sl_resume_up_to_date(MPI_Comm comm, const char *target, const char *fp)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    int ok = 0;
    if (rank == 0 && fp) {
        char *man = sl_fs_join(target, SL_COPY_MANIFEST);
        char *text = NULL;
        int64_t len;
        sl_err e;
        sl_err_clear(&e);
        if (sl_fs_read_file(man, &text, &len, &e) == 0) {
            char *want = sl_xasprintf("\"input_hash\": \"%s\"", fp);
            ok = strstr(text, want) != NULL && files_intact(target, text);
            sl_free(want);
        }
        sl_free(text);
        sl_free(man);
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, comm);
    return ok != 0;
}
