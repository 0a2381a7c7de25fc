/*
 * COPY ... TO 'sqlite:path.db' (TABLE t): the embedded-database sink (format.h's SL_FMT_SINK
 * over the shared_* slots). Each rank stages its rows (Local) in an unlinked temporary file
 * in $TMPDIR, one record per row (a tag byte per value: 0 NULL, 1 an 8-byte value, 2 a
 * length and bytes; DATE and TIMESTAMP as their ISO text). At the end every rank takes part
 * in sqlite_finish (Collective): rank 0 opens the database, begins one transaction, creates a
 * staging table from sluice's schema, inserts its own rows and then every other rank's,
 * received in order in messages of at most SQ_MSG bytes (so rank 0 holds one message at a
 * time), drops the old table t and renames the staging table to t, and commits. Any failure
 * rolls the transaction back: the old table is as it was. Errors are agreed at the end.
 */
#include "io/format.h"
#include "io/io_int.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "batch/dec128.h"
#include "core/fault.h"
#include "core/mem.h"
#include "mpi/agree.h"

#define SQ_MSG (1 << 20)
#define SQ_TAG 4713

/* ---- staging (Local) ---- */

typedef struct sq_writer {
    char *table;
    int n_cols;
    char *const *names;
    const sl_type *types;
    FILE *f;
    int64_t rows;
    sl_buf rec, val;
} sq_writer;

static void sq_free(void *p)
{
    sq_writer *w = p;
    if (!w)
        return;
    if (w->f)
        fclose(w->f);
    sl_free(w->table);
    sl_buf_free(&w->rec);
    sl_buf_free(&w->val);
    sl_free(w);
}

static int sq_begin(const void *wopts, int n_cols, char *const *names, const sl_type *types,
                    const char *dir, int rank, void **out, sl_err *err)
{
    (void)dir;
    (void)rank;
    const sl_sink_wopts *o = wopts;
    sq_writer *w = sl_xcalloc(1, sizeof *w);
    *out = w;
    sl_buf_init(&w->rec);
    sl_buf_init(&w->val);
    if (!o || !o->table)
        return SL_ERR(err, SL_EUSAGE, "COPY to a SQLite database needs (TABLE name)");
    w->table = sl_xstrdup(o->table);
    w->n_cols = n_cols;
    w->names = names;
    w->types = types;
    w->f = tmpfile(); /* $TMPDIR is honoured by glibc's tmpfile only via P_tmpdir: fine */
    if (!w->f)
        return SL_ERR(err, SL_EIO, "COPY: cannot create a staging file: %s", strerror(errno));
    return 0;
}

/* Whether a wide DECIMAL value survives SQLite's NUMERIC affinity, which turns its text into
 * a REAL keeping 15 significant digits: at most 15 digits once trailing zeros go. */
static bool sq_dec_fits(const sl_value *x)
{
    sl_i128 u = sl_dec_value_get(x);
    while (u != 0 && u % 10 == 0)
        u /= 10;
    return u < sl_i128_pow10(15) && u > -sl_i128_pow10(15);
}

static int sq_write(void *p, const sl_batch *b, sl_err *err)
{
    sq_writer *w = p;
    int64_t live = sl_batch_live(b);
    if (live > 0 && sl_fault_hit(SL_FAULT_WRITE)) /* one write of the writer per batch */
        return SL_ERR(err, SL_EIO, "COPY: cannot write the staging file: injected fault "
                      "(SLUICE_FAULT=%s)", sl_fault_last());
    for (int64_t i = 0; i < live; i++) {
        int64_t r = sl_batch_row(b, i);
        sl_buf_reset(&w->rec);
        for (int k = 0; k < w->n_cols; k++) {
            const sl_vec *v = b->cols[k];
            char tag = 0;
            if (!sl_vec_valid(v, r)) {
                sl_buf_append(&w->rec, &tag, 1);
            } else if (v->type == SL_T_VARCHAR || v->type == SL_T_DATE ||
                       sl_type_is_ts(v->type) || sl_type_is_decimal(v->type) ||
                       v->type == SL_T_HUGEINT || v->type == SL_T_UBIGINT ||
                       v->type == SL_T_UHUGEINT) {
                /* a DECIMAL goes as its text ("65.95"), never its unscaled integer */
                int64_t len;
                const char *s;
                if (v->type == SL_T_VARCHAR) {
                    s = sl_vec_str(v, r, &len);
                } else {
                    sl_value x;
                    sl_vec_get_value(v, r, &x);
                    if (sl_dec_is_wide(v->type) && !sq_dec_fits(&x))
                        return SL_ERR(err, SL_EUSAGE, "COPY: column \"%s\" holds a DECIMAL "
                                      "of more than 15 significant digits, which SQLite "
                                      "keeps only as a REAL (CAST it AS VARCHAR)", w->names[k]);
                    sl_buf_reset(&w->val);
                    sl_format_value(&w->val, &x);
                    s = w->val.data ? w->val.data : "";
                    len = w->val.len;
                }
                tag = 2;
                sl_buf_append(&w->rec, &tag, 1);
                sl_buf_append(&w->rec, &len, 8);
                sl_buf_append(&w->rec, s, len);
            } else {
                tag = 1;
                sl_buf_append(&w->rec, &tag, 1);
                sl_buf_append(&w->rec, &v->d.i64[r], 8); /* a double's 8 bytes alike */
            }
        }
        if (fwrite(w->rec.data, 1, (size_t)w->rec.len, w->f) != (size_t)w->rec.len)
            return SL_ERR(err, SL_EIO, "COPY: cannot write the staging file: %s",
                          strerror(errno));
    }
    w->rows += live;
    return 0;
}

/* ---- the database (Collective) ---- */

static void quote_ident(sl_buf *b, const char *s) { sl_buf_put_quoted(b, s, '"'); }

static const char *sq_type(sl_type t)
{
    switch (t) {
    case SL_T_BIGINT: return "BIGINT";
    case SL_T_DOUBLE: return "DOUBLE";
    case SL_T_BOOL: return "BOOLEAN";
    case SL_T_DATE: return "DATE";
    case SL_T_TIMESTAMP: return "TIMESTAMP";
    case SL_T_TIMESTAMPTZ: return "TIMESTAMPTZ"; /* its text, 2024-01-31 12:00:00+00 */
    case SL_T_TINYINT:
    case SL_T_SMALLINT:
    case SL_T_INTEGER: return sl_type_name(t);
    case SL_T_HUGEINT: return sl_type_name(t); /* its text: INTEGER affinity when it fits */
    case SL_T_UBIGINT:
    case SL_T_UHUGEINT: return sl_type_name(t); /* as HUGEINT */
    case SL_T_UTINYINT:
    case SL_T_USMALLINT:
    case SL_T_UINTEGER: return "BIGINT";
    default: return sl_type_is_decimal(t) ? sl_type_name(t) : "VARCHAR";
    }
}

typedef struct sq_db {
    sqlite3 *db;
    sqlite3_stmt *ins;
    sl_err *err;
    const char *path;
    int64_t rows;
} sq_db;

static int db_fail(sq_db *d, const char *what)
{
    if (!d->err->code)
        SL_ERR(d->err, SL_EIO, "COPY: SQLite '%s': %s: %s", d->path, what,
               d->db ? sqlite3_errmsg(d->db) : "cannot open");
    return d->err->code;
}

static int exec_sql(sq_db *d, const char *sql)
{
    if (d->err->code)
        return d->err->code;
    if (sqlite3_exec(d->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(d, sql);
    return 0;
}

/* Inserts the rows of records [p, p+n) (whole records only). */
static int insert_records(sq_db *d, const sq_writer *w, const char *p, int64_t n)
{
    const char *end = p + n;
    while (!d->err->code && p < end) {
        sqlite3_reset(d->ins);
        for (int k = 0; k < w->n_cols; k++) {
            char tag = *p++;
            if (tag == 0) {
                sqlite3_bind_null(d->ins, k + 1);
            } else if (tag == 2) {
                int64_t len;
                memcpy(&len, p, 8);
                p += 8;
                sqlite3_bind_text64(d->ins, k + 1, p, (sqlite3_uint64)len, SQLITE_TRANSIENT,
                                    SQLITE_UTF8);
                p += len;
            } else {
                int64_t x;
                memcpy(&x, p, 8);
                p += 8;
                if (w->types[k] == SL_T_DOUBLE) {
                    double dv;
                    memcpy(&dv, &x, 8);
                    sqlite3_bind_double(d->ins, k + 1, dv);
                } else {
                    sqlite3_bind_int64(d->ins, k + 1, x);
                }
            }
        }
        if (sqlite3_step(d->ins) != SQLITE_DONE)
            return db_fail(d, "insert");
        d->rows++;
    }
    return d->err->code;
}

/* Bytes of the first whole records in [p, p+n). */
static int64_t whole_records(const sq_writer *w, const char *p, int64_t n)
{
    int64_t at = 0, last = 0;
    for (;;) {
        for (int k = 0; k < w->n_cols; k++) {
            if (at + 1 > n)
                return last;
            char tag = p[at++];
            if (tag == 1) {
                at += 8;
            } else if (tag == 2) {
                if (at + 8 > n)
                    return last;
                int64_t len;
                memcpy(&len, p + at, 8);
                at += 8 + len;
            }
        }
        if (at > n)
            return last;
        last = at;
    }
}

static int sq_finish(MPI_Comm comm, void *p, const char *path, int64_t *rows, sl_err *err)
{
    sq_writer *w = p;
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    *rows = 0;
    if (fflush(w->f) != 0)
        SL_ERR(err, SL_EIO, "COPY: cannot write the staging file: %s", strerror(errno));
    rewind(w->f);
    char *buf = sl_xmalloc(SQ_MSG + 1);
    if (rank != 0) {
        /* Send the staged bytes in messages of at most SQ_MSG; an empty one ends them. */
        for (;;) {
            size_t k = err->code ? 0 : fread(buf, 1, SQ_MSG, w->f);
            if (!err->code && k == 0 && ferror(w->f))
                SL_ERR(err, SL_EIO, "COPY: cannot read the staging file back");
            if (!err->code && k > 0 && sl_fault_hit(SL_FAULT_WRITE)) {
                SL_ERR(err, SL_EIO, "COPY: sending rows to rank 0 failed: injected fault "
                       "(SLUICE_FAULT=%s)", sl_fault_last());
                k = 0;
            }
            MPI_Send(buf, (int)k, MPI_BYTE, 0, SQ_TAG, comm);
            if (k == 0)
                break;
        }
        sl_free(buf);
        /* A stream cut short by a failure here looks complete to rank 0: it commits only
         * when every rank says its rows all went. */
        sl_agree(comm, err);
        int64_t total = 0;
        MPI_Bcast(&total, 1, MPI_INT64_T, 0, comm);
        *rows = total;
        return sl_agree(comm, err);
    }
    const char *file = strncmp(path, "sqlite:", 7) == 0 ? path + 7 : path;
    sq_db d = { .err = err, .path = file };
    if (!err->code && sqlite3_open_v2(file, &d.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                      NULL) != SQLITE_OK)
        db_fail(&d, "open");
    if (d.db)
        sqlite3_busy_timeout(d.db, 60000);
    exec_sql(&d, "BEGIN IMMEDIATE");
    char *stage = sl_xasprintf("%s__sluice_new", w->table);
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_puts(&sql, "DROP TABLE IF EXISTS ");
    quote_ident(&sql, stage);
    exec_sql(&d, sl_buf_cstr(&sql));
    sl_buf_reset(&sql);
    sl_buf_puts(&sql, "CREATE TABLE ");
    quote_ident(&sql, stage);
    sl_buf_puts(&sql, " (");
    for (int k = 0; k < w->n_cols; k++) {
        if (k)
            sl_buf_puts(&sql, ", ");
        quote_ident(&sql, w->names[k]);
        sl_buf_printf(&sql, " %s", sq_type(w->types[k]));
    }
    sl_buf_puts(&sql, ")");
    exec_sql(&d, sl_buf_cstr(&sql));
    sl_buf_reset(&sql);
    sl_buf_puts(&sql, "INSERT INTO ");
    quote_ident(&sql, stage);
    sl_buf_puts(&sql, " VALUES (");
    for (int k = 0; k < w->n_cols; k++)
        sl_buf_puts(&sql, k ? ", ?" : "?");
    sl_buf_puts(&sql, ")");
    if (!err->code && sqlite3_prepare_v2(d.db, sl_buf_cstr(&sql), -1, &d.ins, NULL) != SQLITE_OK)
        db_fail(&d, "prepare insert");
    /* Rank 0's rows, then each other rank's, in rank order. A record may straddle two
     * messages: the tail is carried over. */
    sl_buf carry;
    sl_buf_init(&carry);
    for (int r = 0; r < size; r++) {
        sl_buf_reset(&carry);
        for (;;) {
            int n = 0;
            if (r == 0) {
                n = (int)fread(buf, 1, SQ_MSG, w->f);
                if (n == 0 && ferror(w->f) && !err->code)
                    SL_ERR(err, SL_EIO, "COPY: cannot read the staging file back");
            } else {
                MPI_Status st;
                MPI_Recv(buf, SQ_MSG, MPI_BYTE, r, SQ_TAG, comm, &st);
                MPI_Get_count(&st, MPI_BYTE, &n);
            }
            if (n == 0)
                break;
            if (err->code)
                continue; /* keep receiving: every rank finishes its sends */
            sl_buf_append(&carry, buf, n);
            int64_t whole = whole_records(w, carry.data, carry.len);
            insert_records(&d, w, carry.data, whole);
            memmove(carry.data, carry.data + whole, (size_t)(carry.len - whole));
            carry.len -= whole;
        }
        if (!err->code && carry.len != 0)
            SL_ERR(err, SL_EINTERNAL, "COPY: rank %d sent a partial row", r);
    }
    sl_buf_free(&carry);
    if (d.ins)
        sqlite3_finalize(d.ins);
    sl_agree(comm, err); /* every rank's rows arrived whole (see the senders) */
    sl_buf_reset(&sql);
    sl_buf_puts(&sql, "DROP TABLE IF EXISTS ");
    quote_ident(&sql, w->table);
    exec_sql(&d, sl_buf_cstr(&sql));
    sl_buf_reset(&sql);
    sl_buf_puts(&sql, "ALTER TABLE ");
    quote_ident(&sql, stage);
    sl_buf_puts(&sql, " RENAME TO ");
    quote_ident(&sql, w->table);
    exec_sql(&d, sl_buf_cstr(&sql));
    exec_sql(&d, "COMMIT");
    if (err->code && d.db)
        sqlite3_exec(d.db, "ROLLBACK", NULL, NULL, NULL); /* the old table stays */
    if (d.db)
        sqlite3_close(d.db);
    sl_buf_free(&sql);
    sl_free(stage);
    sl_free(buf);
    int64_t total = err->code ? 0 : d.rows;
    MPI_Bcast(&total, 1, MPI_INT64_T, 0, comm);
    *rows = total;
    return sl_agree(comm, err);
}

const sl_format sl_format_sqlite = {
    .name = "sqlite",
    .scheme = "sqlite:",
    .ext = "",
    .caps = SL_FMT_WRITE | SL_FMT_PARALLEL_WRITE | SL_FMT_SINK,
    .write_opt_names = "TABLE",
    .wopts_new = sl_sink_wopts_new,
    .wopts_set = sl_sink_wopts_set,
    .wopts_free = sl_sink_wopts_free,
    .shared_begin = sq_begin,
    .shared_write = sq_write,
    .shared_finish = sq_finish,
    .shared_free = sq_free,
};
