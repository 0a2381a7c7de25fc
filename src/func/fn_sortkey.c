/*
 * create_sort_key(v1, 'ASC|DESC [NULLS FIRST|LAST]', v2, 'modifier', ...): DuckDB's function
 * of that name: a byte string whose byte order (memcmp, shorter first on a common prefix) is
 * the ORDER BY order of the values. The binder builds it for an aggregate's ORDER BY
 * (first(x ORDER BY t DESC), string_agg(s, ',' ORDER BY k)), so an order-sensitive aggregate
 * compares one VARCHAR per row, whatever the keys' number and types. DuckDB returns a BLOB;
 * sluice has no BLOB type, so the bytes are a VARCHAR (printing them shows raw bytes).
 *
 * Encoding per key: one byte for NULL-ness (NULLS FIRST: NULL 0x00, a value 0x01; NULLS LAST:
 * a value 0x01, NULL 0x02; never inverted), then for a value: integers (BIGINT, BOOLEAN, DATE,
 * TIMESTAMP) 8 bytes big-endian with the sign bit flipped; DOUBLE 8 bytes of the IEEE bits
 * made monotone (negative: all bits inverted; else the sign bit set; -0 as 0, every NaN
 * above +inf, DuckDB's order); VARCHAR its bytes with 0x00 written 0x00 0x01, then 0x00 0x00
 * (so no key is a prefix of another); a LIST its order key (batch/list_order.h). DESC inverts
 * the value bytes. The key is never NULL.
 * Local.
 */
#include "func/fn_int.h"

#include <math.h>
#include <strings.h>

#include "core/buf.h"

/* Parses a modifier: 'ASC', 'DESC', optionally followed by 'NULLS FIRST' / 'NULLS LAST'
 * (case-insensitive, single spaces or more). Default: ASC NULLS LAST (DuckDB's). */
static bool parse_mod(const char *p, int64_t n, bool *desc, bool *nulls_first)
{
    char w[3][8];
    int nw = 0;
    int64_t i = 0;
    *desc = false;
    *nulls_first = false;
    while (i < n) {
        while (i < n && p[i] == ' ')
            i++;
        int64_t s = i;
        while (i < n && p[i] != ' ')
            i++;
        if (i == s)
            break;
        if (nw == 3 || i - s >= 8)
            return false;
        memcpy(w[nw], p + s, (size_t)(i - s));
        w[nw++][i - s] = 0;
    }
    int k = 0;
    if (k < nw && strcasecmp(w[k], "asc") == 0)
        k++;
    else if (k < nw && strcasecmp(w[k], "desc") == 0)
        *desc = true, k++;
    if (k < nw && strcasecmp(w[k], "nulls") == 0) {
        if (k + 1 >= nw)
            return false;
        if (strcasecmp(w[k + 1], "first") == 0)
            *nulls_first = true;
        else if (strcasecmp(w[k + 1], "last") != 0)
            return false;
        k += 2;
    }
    return k == nw;
}

FN_BIND(fn_bind_sort_key)
{
    if (n % 2)
        return FN_NO_MATCH;
    for (int j = 0; j < n; j++)
        if (args[j]->type == SL_T_INTERVAL)
            return SL_ERR(err, SL_EBIND, "ORDER BY on an INTERVAL value is not supported here");
    for (int j = 1; j < n; j += 2) {
        const sl_expr *m = args[j];
        bool d, nf;
        if (m->kind != SL_E_CONST || m->type != SL_T_VARCHAR || m->cval.is_null)
            return SL_ERR(err, SL_EBIND, "create_sort_key: the sort modifier (argument %d) "
                          "must be a constant string", j + 1);
        if (!parse_mod(m->cval.v.s.p, m->cval.v.s.len, &d, &nf))
            return SL_ERR(err, SL_EBIND, "create_sort_key: unknown sort modifier '%.*s' "
                          "(ASC or DESC, then NULLS FIRST or NULLS LAST)",
                          (int)m->cval.v.s.len, m->cval.v.s.p);
        if (args[j - 1]->type == SL_T_NULL) {
            int rc = fn_coerce(&args[j - 1], SL_T_BIGINT, err);
            if (rc)
                return rc;
        }
    }
    *rt = SL_T_VARCHAR;
    return 0;
}

static void put_u64(sl_buf *b, uint64_t u, bool desc)
{
    unsigned char o[8];
    if (desc)
        u = ~u;
    for (int k = 0; k < 8; k++)
        o[k] = (unsigned char)(u >> (56 - 8 * k));
    sl_buf_append(b, (const char *)o, 8);
}

static void put_str(sl_buf *b, const char *s, int64_t n, bool desc)
{
    unsigned char x = desc ? 0xff : 0;
    for (int64_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        sl_buf_putc(b, (char)(c ^ x));
        if (c == 0)
            sl_buf_putc(b, (char)(1 ^ x));
    }
    sl_buf_putc(b, (char)x);
    sl_buf_putc(b, (char)x);
}

FN_EXEC(fn_exec_sort_key)
{
    int nk = e->n_args / 2;
    bool desc[nk > 0 ? nk : 1], nf[nk > 0 ? nk : 1];
    for (int k = 0; k < nk; k++) {
        const sl_expr *m = e->args[2 * k + 1];
        parse_mod(m->cval.v.s.p, m->cval.v.s.len, &desc[k], &nf[k]);
    }
    sl_vec *o = sl_vec_new(SL_T_VARCHAR, rows->n_rows);
    sl_buf b;
    sl_buf_init(&b);
    for (int64_t r = 0; r < rows->n; r++) {
        int64_t i = fn_row(rows, r);
        sl_buf_reset(&b);
        for (int k = 0; k < nk; k++) {
            const sl_arg *v = &a[2 * k];
            if (!fn_ok(v, i)) {
                sl_buf_putc(&b, nf[k] ? 0 : 2);
                continue;
            }
            sl_buf_putc(&b, 1);
            if (sl_list_order_is_nested(v->v->type)) {
                int64_t len;
                const char *s = fn_str(v, i, &len);
                sl_list_key(&b, v->v->type, s, len, desc[k], -1);
            } else if (sl_type_is_bytes(v->v->type)) {
                int64_t len;
                const char *s = fn_str(v, i, &len);
                put_str(&b, s, len, desc[k]);
            } else if (v->v->type == SL_T_DOUBLE) {
                put_u64(&b, sl_f64_key(fn_f64(v, i)), desc[k]);
            } else {
                put_u64(&b, (uint64_t)fn_i64(v, i) ^ (UINT64_C(1) << 63), desc[k]);
            }
        }
        fn_pad(o, i);
        sl_vec_push_str(o, b.data, b.len);
    }
    fn_pad(o, rows->n_rows);
    sl_buf_free(&b);
    *out = o;
    return 0;
}
