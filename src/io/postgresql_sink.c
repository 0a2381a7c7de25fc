/*
 * COPY ... TO 'postgresql://host/db' (TABLE t): the PostgreSQL sink (format.h's SL_FMT_SINK
 * over the shared_* slots). Each rank stages its rows (Local) as CSV text (io/csv.h's
 * writer: NULL an empty unquoted field, '' a quoted one, as PostgreSQL's CSV COPY reads them)
 * in an unlinked temporary file. At the end (pg_finish, Collective): rank 0 connects and
 * creates the staging table "<t>__sluice_<job tag>" from sluice's schema (committed, so the other
 * ranks' sessions see it); every rank connects and streams its staged rows into it with
 * libpq's COPY ... FROM STDIN protocol, in parallel; after an agreement rank 0 swaps it in
 * with one transaction (DROP TABLE t; ALTER TABLE ... RENAME TO t) or, when any rank failed,
 * drops it: the old table is as it was. Passwords only through PGPASSFILE / PGPASSWORD (the
 * target is a libpq connection URI; sluice never asks for or prints one). Errors agreed.
 */
#include "io/io_int.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/fault.h"
#include "core/mem.h"
#include "mpi/agree.h"

#define PG_CHUNK (1 << 20)

typedef struct pg_writer {
    char *table;
    int n_cols;
    char *const *names;
    const sl_type *types;
    FILE *f;
    sl_buf text;
} pg_writer;

static void pg_free(void *p)
{
    pg_writer *w = p;
    if (!w)
        return;
    if (w->f)
        fclose(w->f);
    sl_free(w->table);
    sl_buf_free(&w->text);
    sl_free(w);
}

static int pg_begin(const void *wopts, int n_cols, char *const *names, const sl_type *types,
                    const char *dir, int rank, void **out, sl_err *err)
{
    (void)dir;
    (void)rank;
    const sl_sink_wopts *o = wopts;
    pg_writer *w = sl_xcalloc(1, sizeof *w);
    *out = w;
    sl_buf_init(&w->text);
    if (!o || !o->table)
        return SL_ERR(err, SL_EUSAGE, "COPY to a PostgreSQL database needs (TABLE name)");
    w->table = sl_xstrdup(o->table);
    w->n_cols = n_cols;
    w->names = names;
    w->types = types;
    w->f = tmpfile();
    if (!w->f)
        return SL_ERR(err, SL_EIO, "COPY: cannot create a staging file: %s", strerror(errno));
    return 0;
}

static int pg_write(void *p, const sl_batch *b, sl_err *err)
{
    pg_writer *w = p;
    sl_buf_reset(&w->text);
    sl_csv_format_rows(&w->text, b, w->n_cols, ',');
    if (sl_batch_live(b) > 0 && sl_fault_hit(SL_FAULT_WRITE))
        return SL_ERR(err, SL_EIO, "COPY: cannot write the staging file: injected fault "
                      "(SLUICE_FAULT=%s)", sl_fault_last());
    if (w->text.len && fwrite(w->text.data, 1, (size_t)w->text.len, w->f) !=
                           (size_t)w->text.len)
        return SL_ERR(err, SL_EIO, "COPY: cannot write the staging file: %s", strerror(errno));
    return 0;
}

static void quote_ident(sl_buf *b, const char *s) { sl_buf_put_quoted(b, s, '"'); }

static const char *pg_type(sl_type t)
{
    switch (t) {
    case SL_T_BIGINT: return "BIGINT";
    case SL_T_DOUBLE: return "DOUBLE PRECISION";
    case SL_T_BOOL: return "BOOLEAN";
    case SL_T_DATE: return "DATE";
    case SL_T_TIMESTAMP: return "TIMESTAMP";
    case SL_T_TIMESTAMPTZ: return "TIMESTAMPTZ"; /* its text ends in +00: the same instant */
    case SL_T_TINYINT: return "SMALLINT"; /* PostgreSQL has no 1-byte integer */
    case SL_T_SMALLINT:
    case SL_T_INTEGER: return sl_type_name(t);
    case SL_T_HUGEINT: return "NUMERIC(39,0)"; /* its text */
    case SL_T_UBIGINT: return "NUMERIC(20,0)";
    case SL_T_UHUGEINT: return "NUMERIC(39,0)";
    case SL_T_UTINYINT: return "SMALLINT"; /* the signed type that holds the range */
    case SL_T_USMALLINT: return "INTEGER";
    case SL_T_UINTEGER: return "BIGINT";
    default: return sl_type_is_decimal(t) ? sl_type_name(t) : "TEXT"; /* DECIMAL(p,s) */
    }
}

/* The target without any password it may hold, for messages. */
static char *safe_target(const char *t)
{
    const char *at = strchr(t, '@'), *sch = strstr(t, "://");
    if (!at || !sch || at < sch)
        return sl_xstrdup(t);
    return sl_xasprintf("%.*s...%s", (int)(sch + 3 - t), t, at);
}

static int pg_fail(sl_err *err, const char *target, const char *what, PGconn *c)
{
    if (!err->code) {
        char *t = safe_target(target);
        char *m = sl_xstrdup(c ? PQerrorMessage(c) : "out of memory");
        size_t n = strlen(m);
        while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
            m[--n] = 0;
        for (char *q = m; *q; q++)
            if (*q == '\n')
                *q = ' ';
        SL_ERR(err, SL_EIO, "COPY: PostgreSQL '%s': %s: %s", t, what, m);
        sl_free(t);
        sl_free(m);
    }
    return err->code;
}

static int run_sql(PGconn *c, const char *sql, const char *target, sl_err *err)
{
    if (err->code)
        return err->code;
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? 0 : pg_fail(err, target, sql, c);
}

/* "<t>__sluice_<16 hex>": t cut to 30 bytes (never inside a UTF-8 character), so the name
 * stays within PostgreSQL's 63-byte identifiers and is never truncated into another job's. */
static char *stage_name(const char *t, const char *tag)
{
    size_t n = strlen(t);
    if (n > 30) {
        n = 30;
        while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80)
            n--;
    }
    return sl_xasprintf("%.*s__sluice_%s", (int)n, t, tag);
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

static int pg_finish(MPI_Comm comm, void *p, const char *target, int64_t *rows, sl_err *err)
{
    pg_writer *w = p;
    int rank;
    MPI_Comm_rank(comm, &rank);
    *rows = 0;
    if (fflush(w->f) != 0)
        SL_ERR(err, SL_EIO, "COPY: cannot write the staging file: %s", strerror(errno));
    rewind(w->f);
    /* The staging table's name is this job's own (rank 0's random tag): two jobs writing
     * the same table at once each stage and swap their own. */
    char tag[17] = { 0 };
    if (rank == 0)
        snprintf(tag, sizeof tag, "%016llx", (unsigned long long)random_u64());
    MPI_Bcast(tag, (int)sizeof tag, MPI_CHAR, 0, comm);
    char *stage = stage_name(w->table, tag);
    sl_buf sql;
    sl_buf_init(&sql);
    PGconn *c = NULL;
    /* Rank 0 first: a refused connection is one clear error for every rank. */
    if (rank == 0 && !err->code) {
        c = PQconnectdb(target);
        if (PQstatus(c) != CONNECTION_OK)
            pg_fail(err, target, "cannot connect", c);
        sl_buf_puts(&sql, "DROP TABLE IF EXISTS ");
        quote_ident(&sql, stage);
        run_sql(c, sl_buf_cstr(&sql), target, err);
        sl_buf_reset(&sql);
        sl_buf_puts(&sql, "CREATE TABLE ");
        quote_ident(&sql, stage);
        sl_buf_puts(&sql, " (");
        for (int k = 0; k < w->n_cols; k++) {
            sl_buf_puts(&sql, k ? ", " : "");
            quote_ident(&sql, w->names[k]);
            sl_buf_printf(&sql, " %s", pg_type(w->types[k]));
        }
        sl_buf_puts(&sql, ")");
        run_sql(c, sl_buf_cstr(&sql), target, err);
    }
    if (sl_agree(comm, err))
        goto done;
    /* Every rank streams its rows into the staging table. */
    if (rank != 0) {
        c = PQconnectdb(target);
        if (PQstatus(c) != CONNECTION_OK)
            pg_fail(err, target, "cannot connect", c);
    }
    sl_buf_reset(&sql);
    sl_buf_puts(&sql, "COPY ");
    quote_ident(&sql, stage);
    sl_buf_puts(&sql, " FROM STDIN (FORMAT csv)");
    if (!err->code) {
        PGresult *r = PQexec(c, sl_buf_cstr(&sql));
        if (PQresultStatus(r) != PGRES_COPY_IN)
            pg_fail(err, target, "COPY FROM STDIN", c);
        PQclear(r);
    }
    if (!err->code) {
        char *buf = sl_xmalloc(PG_CHUNK);
        size_t n;
        while ((n = fread(buf, 1, PG_CHUNK, w->f)) > 0) {
            if (sl_fault_hit(SL_FAULT_WRITE)) {
                SL_ERR(err, SL_EIO, "COPY: PostgreSQL: sending rows failed: injected fault "
                       "(SLUICE_FAULT=%s)", sl_fault_last());
                break;
            }
            if (PQputCopyData(c, buf, (int)n) != 1) {
                pg_fail(err, target, "sending rows", c);
                break;
            }
        }
        if (!err->code && ferror(w->f))
            SL_ERR(err, SL_EIO, "COPY: cannot read the staging file back");
        sl_free(buf);
        if (PQputCopyEnd(c, err->code ? "sluice: a rank failed" : NULL) != 1)
            pg_fail(err, target, "ending COPY", c);
        PGresult *r;
        while ((r = PQgetResult(c)) != NULL) {
            if (PQresultStatus(r) != PGRES_COMMAND_OK)
                pg_fail(err, target, "COPY FROM STDIN", c);
            else
                *rows += strtoll(PQcmdTuples(r), NULL, 10);
            PQclear(r);
        }
    }
    if (rank != 0 && c) {
        PQfinish(c);
        c = NULL;
    }
    int64_t mine = *rows;
    MPI_Allreduce(&mine, rows, 1, MPI_INT64_T, MPI_SUM, comm);
    sl_agree(comm, err);
    if (rank == 0 && c) {
        sl_buf_reset(&sql);
        if (!err->code) {
            /* The swap: one transaction, so readers see the old table or the new one. */
            sl_buf_puts(&sql, "BEGIN; DROP TABLE IF EXISTS ");
            quote_ident(&sql, w->table);
            sl_buf_puts(&sql, "; ALTER TABLE ");
            quote_ident(&sql, stage);
            sl_buf_puts(&sql, " RENAME TO ");
            quote_ident(&sql, w->table);
            sl_buf_puts(&sql, "; COMMIT");
            run_sql(c, sl_buf_cstr(&sql), target, err);
        }
        if (err->code) {
            sl_err ignored;
            sl_err_clear(&ignored);
            sl_buf_reset(&sql);
            sl_buf_puts(&sql, "ROLLBACK; DROP TABLE IF EXISTS ");
            quote_ident(&sql, stage);
            PQclear(PQexec(c, sl_buf_cstr(&sql)));
        }
    }
done:
    if (c)
        PQfinish(c);
    sl_buf_free(&sql);
    sl_free(stage);
    return sl_agree(comm, err);
}

const sl_format sl_format_postgresql = {
    .name = "postgresql",
    .scheme = "postgresql://",
    .ext = "",
    .caps = SL_FMT_WRITE | SL_FMT_PARALLEL_WRITE | SL_FMT_SINK,
    .write_opt_names = "TABLE",
    .wopts_new = sl_sink_wopts_new,
    .wopts_set = sl_sink_wopts_set,
    .wopts_free = sl_sink_wopts_free,
    .shared_begin = pg_begin,
    .shared_write = pg_write,
    .shared_finish = pg_finish,
    .shared_free = pg_free,
};
