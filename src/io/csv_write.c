/*
 * CSV output formatting (the sl_csv_format_* part of csv.h): RFC 4180 records with the quote
 * character '"'. A field is quoted when it contains the delimiter, a quote, CR or LF, or when
 * it is an empty string (so it reads back as "" and not as NULL), as DuckDB's writer does
 * (which leaves leading and trailing spaces unquoted). NULL is an empty unquoted field. Values
 * are formatted with sl_format_* (as DuckDB prints them). Records end with "\n". Local.
 */
#include "io/csv.h"
#include "batch/list.h"
#include "batch/int128.h"
#include "batch/dec128.h"

#include <string.h>

#include "core/mem.h"

static bool needs_quotes(const char *p, int64_t len, char delim)
{
    if (len == 0)
        return true;
    for (int64_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == delim || c == '"' || c == '\n' || c == '\r')
            return true;
    }
    return false;
}

static void append_quoted(sl_buf *out, const char *p, int64_t len)
{
    sl_buf_reserve(out, len + 2);
    sl_buf_putc(out, '"');
    const char *end = p + len;
    while (p < end) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q) {
            sl_buf_append(out, p, end - p);
            break;
        }
        sl_buf_append(out, p, q - p + 1);
        sl_buf_putc(out, '"');
        p = q + 1;
    }
    sl_buf_putc(out, '"');
}

void sl_csv_format_field(sl_buf *out, const char *p, int64_t len, char delim)
{
    if (needs_quotes(p, len, delim))
        append_quoted(out, p, len);
    else
        sl_buf_append(out, p, len);
}

void sl_csv_format_header(sl_buf *out, char *const *names, int n_cols, char delim)
{
    for (int c = 0; c < n_cols; c++) {
        if (c)
            sl_buf_putc(out, delim);
        const char *nm = names[c] ? names[c] : "";
        sl_csv_format_field(out, nm, (int64_t)strlen(nm), delim);
    }
    sl_buf_putc(out, '\n');
}

/* Appends a non-NULL fixed-width value. Formats in place, then re-quotes in the rare case the
 * text needs it (a delimiter such as '-' or '.' that occurs in dates or numbers). */
static void format_fixed(sl_buf *out, sl_buf *tmp, const sl_vec *v, int64_t i, char delim)
{
    int64_t start = out->len;
    if (sl_dec_is_wide(v->type))
        sl_format_decimal128(out, sl_dec_vec_get(v, i), v->type);
    else if (sl_type_is_decimal(v->type))
        sl_format_decimal(out, v->d.i64[i], v->type);
    switch (v->type) {
    case SL_T_BOOL: sl_format_bool(out, v->d.i64[i]); break;
    case SL_T_BIGINT:
    case SL_T_TINYINT:
    case SL_T_SMALLINT:
    case SL_T_INTEGER:
    case SL_T_UTINYINT:
    case SL_T_USMALLINT:
    case SL_T_UINTEGER: sl_format_bigint(out, v->d.i64[i]); break;
    case SL_T_DOUBLE: sl_format_double(out, v->d.f64[i]); break;
    case SL_T_DATE: sl_format_date(out, v->d.i64[i]); break;
    case SL_T_TIMESTAMP: sl_format_timestamp(out, v->d.i64[i]); break;
    case SL_T_TIMESTAMPTZ: sl_format_timestamptz(out, v->d.i64[i]); break;
    case SL_T_HUGEINT: sl_format_hugeint(out, sl_i128_load(v->heap + v->d.off[i])); break;
    case SL_T_UBIGINT: sl_format_hugeint(out, sl_i128_load(v->heap + v->d.off[i])); break;
    case SL_T_UHUGEINT: sl_format_uhugeint(out, sl_u128_load(v->heap + v->d.off[i])); break;
    default: break;
    }
    if (v->type == SL_T_INTERVAL) { /* DuckDB's text, 1 day 02:00:00 */
        int64_t n;
        const char *p = sl_vec_str(v, i, &n);
        if (n == SL_IV_BYTES)
            sl_format_interval(out, sl_interval_get(p));
    }
    if (sl_type_is_list(v->type) || sl_type_is_struct(v->type)) {
        /* a LIST or STRUCT: DuckDB's text, [1, 2] / {'a': 1} (then quoted) */
        int64_t n;
        const char *p = sl_vec_str(v, i, &n);
        sl_format_value(out, &(sl_value){.type = v->type, .v.s = {p, n}});
    }
    int64_t len = out->len - start;
    if (len > 0 && needs_quotes(out->data + start, len, delim)) {
        sl_buf_reset(tmp);
        sl_buf_append(tmp, out->data + start, len);
        out->len = start;
        append_quoted(out, tmp->data, tmp->len);
    }
}

/* How sl_csv_format_rows writes a column's values, chosen once per batch. */
enum { FMT_TEXT, FMT_INT, FMT_DOUBLE, FMT_OTHER };

static uint8_t format_kind(sl_type t, char delim)
{
    if (t == SL_T_VARCHAR)
        return FMT_TEXT;
    /* A number's text holds only these bytes ("-1.5e+16", "inf", "nan"): with any other
     * delimiter it never needs quotes, and format_fixed's re-check is skipped. */
    if (delim && strchr("0123456789+-.einfa", delim))
        return FMT_OTHER;
    if (sl_type_is_int(t)) /* the types format_fixed prints with sl_format_bigint */
        return FMT_INT;
    return t == SL_T_DOUBLE ? FMT_DOUBLE : FMT_OTHER;
}

void sl_csv_format_rows(sl_buf *out, const sl_batch *b, int n_cols, char delim)
{
    sl_buf tmp;
    sl_buf_init(&tmp);
    uint8_t kinds[64], *kind = n_cols <= 64 ? kinds : sl_xmalloc((size_t)n_cols);
    for (int c = 0; c < n_cols; c++)
        kind[c] = format_kind(b->cols[c]->type, delim);
    int64_t live = sl_batch_live(b);
    for (int64_t k = 0; k < live; k++) {
        int64_t r = sl_batch_row(b, k);
        for (int c = 0; c < n_cols; c++) {
            if (c)
                sl_buf_putc(out, delim);
            const sl_vec *v = b->cols[c];
            if (!sl_vec_valid(v, r))
                continue;
            switch (kind[c]) {
            case FMT_TEXT: {
                int64_t len;
                const char *p = sl_vec_str(v, r, &len);
                sl_csv_format_field(out, p, len, delim);
                break;
            }
            case FMT_INT: sl_format_bigint(out, v->d.i64[r]); break;
            case FMT_DOUBLE: sl_format_double(out, v->d.f64[r]); break;
            default: format_fixed(out, &tmp, v, r, delim); break;
            }
        }
        sl_buf_putc(out, '\n');
    }
    if (kind != kinds)
        sl_free(kind);
    sl_buf_free(&tmp);
}
