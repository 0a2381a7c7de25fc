/*
 * Application arrays as batches and batches as application arrays (batch/borrow.h).
 * Local.
 */
#include "batch/borrow.h"
#include "batch/list.h"
#include "batch/int128.h"
#include "batch/dec128.h"

#include <string.h>
#include <strings.h>

#include "core/mem.h"

sl_type sl_borrow_sql_type(sl_coltype t)
{
    switch (t) {
    case SL_COL_BIGINT: case SL_COL_INT32: return SL_T_BIGINT;
    case SL_COL_DOUBLE: case SL_COL_FLOAT: return SL_T_DOUBLE;
    case SL_COL_VARCHAR: return SL_T_VARCHAR;
    case SL_COL_BOOLEAN: return SL_T_BOOL;
    case SL_COL_DATE: return SL_T_DATE;
    case SL_COL_TIMESTAMP: return SL_T_TIMESTAMP;
    }
    return SL_T_NULL;
}

sl_coltype sl_borrow_col_type(sl_type t)
{
    if (sl_type_is_list(t) || sl_type_is_struct(t) || t == SL_T_INTERVAL) /* as text */
        return SL_COL_VARCHAR;
    if (t == SL_T_UBIGINT || t == SL_T_UHUGEINT) /* their digits: no int64 holds them */
        return SL_COL_VARCHAR;
    switch (t) {
    case SL_T_DOUBLE: return SL_COL_DOUBLE;
    case SL_T_VARCHAR: return SL_COL_VARCHAR;
    case SL_T_BOOL: return SL_COL_BOOLEAN;
    case SL_T_DATE: return SL_COL_DATE;
    case SL_T_TIMESTAMP: return SL_COL_TIMESTAMP;
    case SL_T_TIMESTAMPTZ: return SL_COL_TIMESTAMP; /* the instant: microseconds in UTC */
    /* BIGINT, TINYINT..INTEGER, HUGEINT (sl_borrow_export converts it: sums are HUGEINT) and
     * an untyped NULL column (all NULL); a DECIMAL is handed out as DOUBLE (sl_borrow_export
     * converts it), never as its unscaled integer */
    default: return sl_type_is_decimal(t) ? SL_COL_DOUBLE : SL_COL_BIGINT;
    }
}

void sl_borrowed_free(sl_borrowed **pb)
{
    if (!pb || !*pb)
        return;
    for (int i = 0; i < (*pb)->n_cols; i++)
        sl_free((char *)(*pb)->cols[i].name);
    sl_free((*pb)->cols);
    sl_free(*pb);
    *pb = NULL;
}

sl_borrowed *sl_borrowed_new(int n_cols, const sl_column *cols, int64_t n_rows, sl_err *err)
{
    if (n_cols < 1 || !cols)
        return SL_ERR(err, SL_EUSAGE, "a registered table needs at least one column"), NULL;
    if (n_rows < 0)
        return SL_ERR(err, SL_EUSAGE, "a registered table cannot have %lld rows",
                      (long long)n_rows), NULL;
    for (int i = 0; i < n_cols; i++) {
        const sl_column *c = &cols[i];
        if (!c->name || !*c->name)
            return SL_ERR(err, SL_EUSAGE, "column %d has no name", i + 1), NULL;
        for (int j = 0; j < i; j++)
            if (strcasecmp(cols[j].name, c->name) == 0)
                return SL_ERR(err, SL_EUSAGE, "column \"%s\" is given twice", c->name), NULL;
        if (sl_borrow_sql_type(c->type) == SL_T_NULL)
            return SL_ERR(err, SL_EUSAGE, "column \"%s\": unknown column type %d", c->name,
                          (int)c->type), NULL;
        if (n_rows > 0 && !c->data)
            return SL_ERR(err, SL_EUSAGE, "column \"%s\": no data for %lld rows", c->name,
                          (long long)n_rows), NULL;
        if (c->type == SL_COL_VARCHAR && n_rows > 0) {
            const int64_t *off = c->data;
            if (!c->chars && off[n_rows] > 0)
                return SL_ERR(err, SL_EUSAGE, "column \"%s\": VARCHAR without chars", c->name),
                       NULL;
            if (off[0] != 0)
                return SL_ERR(err, SL_EUSAGE, "column \"%s\": VARCHAR offsets[0] is %lld, "
                              "not 0", c->name, (long long)off[0]), NULL;
            for (int64_t r = 0; r < n_rows; r++)
                if (off[r + 1] < off[r])
                    return SL_ERR(err, SL_EUSAGE, "column \"%s\": VARCHAR offsets decrease at "
                                  "row %lld", c->name, (long long)r), NULL;
        }
    }
    sl_borrowed *b = sl_xcalloc(1, sizeof *b);
    b->n_cols = n_cols;
    b->n_rows = n_rows;
    b->cols = sl_xcalloc((size_t)n_cols, sizeof *b->cols);
    for (int i = 0; i < n_cols; i++) {
        b->cols[i] = cols[i];
        b->cols[i].name = sl_xstrdup(cols[i].name);
    }
    return b;
}

/* Rows [s, s + n) of column c as a new vector. */
static sl_vec *column_vec(const sl_column *c, int64_t s, int64_t n)
{
    sl_type t = sl_borrow_sql_type(c->type);
    sl_vec *v = sl_vec_new(t, n);
    if (t == SL_T_VARCHAR) {
        const int64_t *off = (const int64_t *)c->data + s;
        int64_t base = off[0], len = off[n] - base;
        if (len > 0) {
            sl_grow((void **)&v->heap, &v->heap_cap, len, 1);
            memcpy(v->heap, c->chars + base, (size_t)len);
        }
        v->heap_len = len;
        for (int64_t i = 0; i <= n; i++)
            v->d.off[i] = off[i] - base;
    } else {
        switch (c->type) {
        case SL_COL_INT32:
            for (int64_t i = 0; i < n; i++)
                v->d.i64[i] = ((const int32_t *)c->data)[s + i];
            break;
        case SL_COL_FLOAT:
            for (int64_t i = 0; i < n; i++)
                v->d.f64[i] = ((const float *)c->data)[s + i];
            break;
        case SL_COL_BOOLEAN:
            for (int64_t i = 0; i < n; i++)
                v->d.i64[i] = ((const uint8_t *)c->data)[s + i] != 0;
            break;
        default: /* 8-byte values */
            if (n > 0)
                memcpy(v->d.i64, (const int64_t *)c->data + s, (size_t)n * 8);
            break;
        }
    }
    v->n = n;
    int64_t words = (n + 63) / 64;
    if (!c->valid) {
        memset(v->valid, 0xff, (size_t)words * 8);
    } else {
        memset(v->valid, 0, (size_t)words * 8);
        for (int64_t i = 0; i < n; i++)
            if (c->valid[s + i])
                v->valid[i >> 6] |= UINT64_C(1) << (i & 63);
    }
    return v;
}

sl_batch *sl_borrowed_batch(const sl_borrowed *b, const int *proj, int n_proj, int64_t start,
                            int64_t n)
{
    sl_vec **cols = sl_xcalloc((size_t)n_proj + 1, sizeof *cols);
    for (int i = 0; i < n_proj; i++)
        cols[i] = column_vec(&b->cols[proj[i]], start, n);
    sl_batch *out = sl_batch_from_cols(n_proj, cols, n);
    sl_free(cols);
    return out;
}

void sl_borrow_store_free(sl_borrow_store *st)
{
    for (int i = 0; i < st->n_cols; i++) {
        if (st->valid)
            sl_free(st->valid[i]);
        if (st->bools)
            sl_free(st->bools[i]);
    }
    sl_free(st->valid);
    sl_free(st->bools);
    sl_batch_free(&st->dense);
    memset(st, 0, sizeof *st);
}

/* Replaces a LIST column by a VARCHAR column of its text (as CAST(l AS VARCHAR) prints it):
 * the application gets lists as strings. */
static void list_to_text(sl_vec **pv)
{
    const sl_vec *v = *pv;
    sl_vec *t = sl_vec_new(SL_T_VARCHAR, v->n);
    sl_buf b;
    sl_buf_init(&b);
    for (int64_t i = 0; i < v->n; i++) {
        if (!sl_vec_valid(v, i)) {
            sl_vec_push_null(t);
            continue;
        }
        int64_t len;
        const char *p = sl_vec_str(v, i, &len);
        sl_buf_reset(&b);
        sl_format_value(&b, &(sl_value){.type = v->type, .v.s = {p, len}}); /* or INTERVAL */
        sl_vec_push_str(t, b.data ? b.data : "", b.len);
    }
    sl_buf_free(&b);
    sl_vec_free(pv);
    *pv = t;
}

/* A HUGEINT column as BIGINT: a value past BIGINT's range is handed out as NULL (README). */
static void huge_to_bigint(sl_vec **pv)
{
    const sl_vec *v = *pv;
    sl_vec *t = sl_vec_new(SL_T_BIGINT, v->n);
    for (int64_t i = 0; i < v->n; i++) {
        int64_t len;
        sl_i128 x = sl_vec_valid(v, i) ? sl_i128_load(sl_vec_str(v, i, &len)) : 0;
        if (!sl_vec_valid(v, i) || x < INT64_MIN || x > INT64_MAX)
            sl_vec_push_null(t);
        else
            sl_vec_push_i64(t, (int64_t)x);
    }
    sl_vec_free(pv);
    *pv = t;
}

/* A wide DECIMAL column as DOUBLE (as the int64 ones are handed out). */
static void wide_dec_to_double(sl_vec **pv)
{
    const sl_vec *v = *pv;
    sl_vec *t = sl_vec_new(SL_T_DOUBLE, v->n);
    for (int64_t i = 0; i < v->n; i++) {
        if (!sl_vec_valid(v, i))
            sl_vec_push_null(t);
        else
            sl_vec_push_f64(t, sl_dec128_to_double(sl_dec_vec_get(v, i), sl_dec_scale(v->type)));
    }
    sl_vec_free(pv);
    *pv = t;
}

int64_t sl_borrow_export(sl_batch *b, sl_column *out, sl_borrow_store *st)
{
    sl_borrow_store_free(st);
    if (b->sel) {
        st->dense = sl_batch_compact(b);
        sl_batch_free(&b);
    } else {
        st->dense = b;
    }
    sl_batch *d = st->dense;
    int64_t n = d->n_rows;
    st->n_cols = d->n_cols;
    st->valid = sl_xcalloc((size_t)d->n_cols + 1, sizeof *st->valid);
    st->bools = sl_xcalloc((size_t)d->n_cols + 1, sizeof *st->bools);
    for (int c = 0; c < d->n_cols; c++)
        if (sl_type_is_list(d->cols[c]->type) || sl_type_is_struct(d->cols[c]->type) ||
            d->cols[c]->type == SL_T_INTERVAL || d->cols[c]->type == SL_T_UBIGINT ||
            d->cols[c]->type == SL_T_UHUGEINT)
            list_to_text(&d->cols[c]);
        else if (d->cols[c]->type == SL_T_HUGEINT)
            huge_to_bigint(&d->cols[c]);
        else if (sl_dec_is_wide(d->cols[c]->type))
            wide_dec_to_double(&d->cols[c]);
    for (int c = 0; c < d->n_cols; c++) {
        sl_vec *v = d->cols[c];
        if (sl_type_is_decimal(v->type)) { /* the store owns d: convert it in place */
            int scale = sl_dec_scale(v->type);
            for (int64_t i = 0; i < n; i++)
                v->d.f64[i] = sl_vec_valid(v, i) ? sl_dec_to_double(v->d.i64[i], scale) : 0;
            v->type = SL_T_DOUBLE;
        }
        out[c].data = v->d.i64;
        out[c].chars = v->type == SL_T_VARCHAR ? v->heap : NULL;
        out[c].valid = NULL;
        bool any_null = false;
        for (int64_t i = 0; i < n && !any_null; i++)
            any_null = !sl_vec_valid(v, i);
        if (any_null) {
            st->valid[c] = sl_xmalloc((size_t)n + 1);
            for (int64_t i = 0; i < n; i++)
                st->valid[c][i] = sl_vec_valid(v, i);
            out[c].valid = st->valid[c];
        }
        if (v->type == SL_T_BOOL) {
            st->bools[c] = sl_xmalloc((size_t)n + 1);
            for (int64_t i = 0; i < n; i++)
                st->bools[c][i] = v->d.i64[i] != 0;
            out[c].data = st->bools[c];
        }
    }
    return n;
}
