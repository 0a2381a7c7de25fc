/* DuckDB's order, equality and hash of LIST values; see list_order.h. Local. */
#include "batch/list_order.h"

#include <string.h>
#include <xxhash.h>

#include "batch/batch.h"
#include "batch/list.h"
#include "batch/nested.h"

static int cmp_f64(double a, double b)
{
    bool an = a != a, bn = b != b;
    if (an || bn)
        return (int)an - (int)bn;
    return (a > b) - (a < b);
}

static int struct_cmp(sl_type st, const char *pa, int64_t la, const char *pb, int64_t lb);

int sl_list_value_cmp(const sl_value *a, const sl_value *b)
{
    sl_type t = a->type;
    if (sl_type_is_list(t))
        return sl_list_cmp(t, a->v.s.p, a->v.s.len, b->v.s.p, b->v.s.len);
    if (sl_type_is_struct(t))
        return struct_cmp(t, a->v.s.p, a->v.s.len, b->v.s.p, b->v.s.len);
    if (t == SL_T_DOUBLE)
        return cmp_f64(a->v.d, b->v.d);
    if (sl_type_is_bytes(t))
        return sl_bytes_cmp(a->v.s.p, a->v.s.len, b->v.s.p, b->v.s.len);
    if (t == SL_T_INTERVAL) {
        if (a->v.s.len != SL_IV_BYTES || b->v.s.len != SL_IV_BYTES)
            return (a->v.s.len > b->v.s.len) - (a->v.s.len < b->v.s.len);
        return sl_interval_cmp(sl_interval_get(a->v.s.p), sl_interval_get(b->v.s.p));
    }
    return (a->v.i > b->v.i) - (a->v.i < b->v.i);
}

int sl_list_cmp(sl_type lt, const char *pa, int64_t la, const char *pb, int64_t lb)
{
    if (sl_type_is_struct(lt))
        return struct_cmp(lt, pa, la, pb, lb);
    sl_list_it ia, ib;
    sl_value x, y;
    sl_list_begin(&ia, lt, pa, la);
    sl_list_begin(&ib, lt, pb, lb);
    for (;;) {
        bool ha = sl_list_next(&ia, &x), hb = sl_list_next(&ib, &y);
        if (!ha || !hb)
            return (int)ha - (int)hb; /* the shorter list first */
        if (x.is_null || y.is_null) {
            if (x.is_null != y.is_null)
                return x.is_null ? 1 : -1; /* a NULL element above every value */
            continue;
        }
        int c = sl_list_value_cmp(&x, &y);
        if (c)
            return c;
    }
}

/* A STRUCT (a column's value or a list's element): DuckDB's order, field by field in the
 * type's order, each as a list element (a NULL field above every value). Both have the type's
 * fields; corrupt bytes end a struct early, which orders it first. */
static int struct_cmp(sl_type st, const char *pa, int64_t la, const char *pb, int64_t lb)
{
    const sl_nested *d = sl_nested_get(st);
    const char *ea = pa + la, *eb = pb + lb;
    sl_value x, y;
    for (int f = 0; d && f < d->n_fields; f++) {
        bool ha = sl_nested_next(&pa, ea, d->ftypes[f], &x);
        bool hb = sl_nested_next(&pb, eb, d->ftypes[f], &y);
        if (!ha || !hb)
            return (int)ha - (int)hb;
        if (x.is_null || y.is_null) {
            if (x.is_null != y.is_null)
                return x.is_null ? 1 : -1;
            continue;
        }
        int c = sl_list_value_cmp(&x, &y);
        if (c)
            return c;
    }
    return 0;
}

/* Key bytes: per element 0x02 then the value's key, or 0x03 for a NULL element; 0x01 ends
 * the list (below every element's mark: the shorter list first). Values: integers 8 bytes
 * big-endian with the sign bit flipped; DOUBLE its IEEE bits made monotone (-0.0 as 0.0,
 * one NaN above +inf); bytes with 0x00 and 0x01 escaped (0x01 0x01, 0x01 0x02) and a 0x00
 * terminator, below every byte of a longer string; INTERVAL its three normalized fields;
 * a LIST element its own key; a STRUCT element its fields' keys, each after its mark 0x02 or
 * 0x03 (a fixed number of fields, so no terminator is needed). */
typedef struct keyw {
    sl_buf *out;           /* the key goes here, or (out NULL) into fixed[0, max) */
    unsigned char *fixed;
    int64_t n;             /* bytes in fixed */
    unsigned char inv;
    int64_t max;
} keyw;

static bool full(const keyw *k)
{
    return k->out ? k->max >= 0 && k->out->len >= k->max : k->n >= k->max;
}

static void put(keyw *k, unsigned char c)
{
    if (!k->out) {
        if (k->n < k->max)
            k->fixed[k->n] = c ^ k->inv;
        k->n++;
        return;
    }
    sl_buf_putc(k->out, (char)(c ^ k->inv));
}

static void put_u64(keyw *k, uint64_t x)
{
    for (int sh = 56; sh >= 0; sh -= 8)
        put(k, (unsigned char)(x >> sh));
}

static void key_list(keyw *k, sl_type lt, const char *p, int64_t len);
static void key_struct(keyw *k, sl_type st, const char *p, int64_t len);

static void key_value(keyw *k, const sl_value *v)
{
    sl_type t = v->type;
    if (sl_type_is_list(t)) {
        key_list(k, t, v->v.s.p, v->v.s.len);
    } else if (sl_type_is_struct(t)) {
        key_struct(k, t, v->v.s.p, v->v.s.len);
    } else if (t == SL_T_DOUBLE) {
        put_u64(k, sl_f64_key(v->v.d));
    } else if (sl_type_is_bytes(t)) {
        for (int64_t j = 0; j < v->v.s.len && !full(k); j++) {
            unsigned char ch = (unsigned char)v->v.s.p[j];
            if (ch <= 1) {
                put(k, 1);
                put(k, (unsigned char)(ch + 1));
            } else {
                put(k, ch);
            }
        }
        put(k, 0);
    } else if (t == SL_T_INTERVAL) {
        int64_t nf[3] = {0, 0, 0};
        if (v->v.s.len == SL_IV_BYTES)
            sl_interval_normalize(sl_interval_get(v->v.s.p), nf);
        for (int f = 0; f < 3; f++)
            put_u64(k, (uint64_t)nf[f] ^ (UINT64_C(1) << 63));
    } else {
        put_u64(k, (uint64_t)v->v.i ^ (UINT64_C(1) << 63));
    }
}

static void key_list(keyw *k, sl_type lt, const char *p, int64_t len)
{
    sl_list_it it;
    sl_value x;
    sl_list_begin(&it, lt, p, len);
    while (!full(k) && sl_list_next(&it, &x)) {
        if (x.is_null) {
            put(k, 3);
            continue;
        }
        put(k, 2);
        key_value(k, &x);
    }
    put(k, 1);
}

static void key_struct(keyw *k, sl_type st, const char *p, int64_t len)
{
    const sl_nested *d = sl_nested_get(st);
    const char *end = p + len;
    sl_value x;
    for (int f = 0; d && f < d->n_fields && !full(k); f++) {
        if (!sl_nested_next(&p, end, d->ftypes[f], &x))
            break;
        if (x.is_null) {
            put(k, 3);
            continue;
        }
        put(k, 2);
        key_value(k, &x);
    }
}

/* A LIST's key, or a STRUCT's (its fields' keys: a fixed number, so self-delimiting). */
static void key_top(keyw *k, sl_type t, const char *p, int64_t len)
{
    if (sl_type_is_struct(t))
        key_struct(k, t, p, len);
    else
        key_list(k, t, p, len);
}

void sl_list_key(sl_buf *out, sl_type lt, const char *p, int64_t len, bool desc, int64_t max)
{
    keyw k = { .out = out, .inv = desc ? 0xFF : 0, .max = max < 0 ? -1 : out->len + max };
    key_top(&k, lt, p, len);
    if (max >= 0 && out->len > k.max)
        out->len = k.max; /* the bytes written past max (terminators) are not the key's */
}

int64_t sl_list_key_into(unsigned char *out, int64_t max, sl_type lt, const char *p,
                         int64_t len, bool desc)
{
    keyw k = { .fixed = out, .inv = desc ? 0xFF : 0, .max = max };
    key_top(&k, lt, p, len);
    return k.n < max ? k.n : max;
}

/* Whether equal values of type t (a LIST or STRUCT) always have equal encodings: no DOUBLE or
 * INTERVAL inside, at any depth. */
static bool plain_bytes(sl_type t)
{
    if (t == SL_T_DOUBLE || t == SL_T_INTERVAL)
        return false;
    if (sl_type_is_struct(t)) {
        const sl_nested *d = sl_nested_get(t);
        for (int f = 0; d && f < d->n_fields; f++)
            if (!plain_bytes(d->ftypes[f]))
                return false;
        return true;
    }
    if (sl_type_is_list(t))
        return plain_bytes(sl_list_elem(t));
    return true;
}

uint64_t sl_list_hash(sl_type lt, const char *p, int64_t len)
{
    /* Only DOUBLE and INTERVAL elements have equal values of different bytes (-0.0, NaNs,
     * '30 days' and '1 month'), also inside nested lists and structs: other lists hash their
     * encoding, which is what equal lists share. */
    if (plain_bytes(lt))
        return XXH3_64bits(p, (size_t)len);
    unsigned char small[257]; /* most keys fit: no allocation per row (GROUP BY, joins) */
    int64_t n = sl_list_key_into(small, (int64_t)sizeof small, lt, p, len, false);
    if (n < (int64_t)sizeof small)
        return XXH3_64bits(small, (size_t)n);
    sl_buf b;
    sl_buf_init(&b);
    sl_list_key(&b, lt, p, len, false, -1);
    uint64_t h = XXH3_64bits(b.data ? b.data : "", (size_t)b.len);
    sl_buf_free(&b);
    return h;
}
