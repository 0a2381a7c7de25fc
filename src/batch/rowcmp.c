/*
 * Row comparison and a stable index sort (see rowcmp.h). The sort is a top-down merge sort
 * (insertion sort for short runs; qsort is not stable) over row references; the comparator
 * reads the typed column arrays directly, no sl_value boxing. Local.
 */
#include "batch/rowcmp.h"

#include <string.h>

#include "batch/list_order.h"

#include "core/mem.h"

static int cmp_i64(int64_t a, int64_t b) { return (a > b) - (a < b); }

static int cmp_f64(double a, double b)
{
    bool an = a != a, bn = b != b;
    if (an || bn)
        return (int)an - (int)bn;
    return (a > b) - (a < b);
}

static int cmp_str(const sl_vec *va, int64_t a, const sl_vec *vb, int64_t b)
{
    int64_t la, lb;
    const char *pa = sl_vec_str(va, a, &la), *pb = sl_vec_str(vb, b, &lb);
    return sl_bytes_cmp(pa, la, pb, lb);
}

/* INTERVALs in DuckDB's order: normalized, then field by field (types.h). */
static int cmp_iv(const sl_vec *va, int64_t a, const sl_vec *vb, int64_t b)
{
    int64_t la, lb;
    const char *pa = sl_vec_str(va, a, &la), *pb = sl_vec_str(vb, b, &lb);
    if (la != SL_IV_BYTES || lb != SL_IV_BYTES)
        return (la > lb) - (la < lb);
    return sl_interval_cmp(sl_interval_get(pa), sl_interval_get(pb));
}

/* One column: NULL placement, then the value. */
static int cmp_col(const sl_vec *va, int64_t a, const sl_vec *vb, int64_t b, bool desc,
                   bool nulls_first)
{
    bool oka = sl_vec_valid(va, a), okb = sl_vec_valid(vb, b);
    if (!oka || !okb) {
        if (oka == okb)
            return 0;
        int nul = nulls_first ? -1 : 1;
        return !oka ? nul : -nul;
    }
    int c;
    switch (sl_type_phys(va->type)) {
    case SL_T_DOUBLE: c = cmp_f64(va->d.f64[a], vb->d.f64[b]); break;
    case SL_T_VARCHAR:
    case SL_T_HUGEINT:
    case SL_T_UBIGINT:
    case SL_T_UHUGEINT: c = cmp_str(va, a, vb, b); break;
    case SL_T_INTERVAL: c = cmp_iv(va, a, vb, b); break;
    default:
        if (sl_list_order_is_nested(va->type)) { /* DuckDB's list / struct order (list_order.h) */
            int64_t la, lb;
            const char *pa = sl_vec_str(va, a, &la), *pb = sl_vec_str(vb, b, &lb);
            c = sl_list_cmp(va->type, pa, la, pb, lb);
        } else {
            c = cmp_i64(va->d.i64[a], vb->d.i64[b]);
        }
        break;
    }
    return desc ? -c : c;
}

int sl_row_cmp(const sl_rowcmp *c, const sl_batch *a, int64_t ra, const sl_batch *b,
               int64_t rb)
{
    for (int k = 0; k < c->n_keys; k++) {
        int col = c->cols[k];
        int r = cmp_col(a->cols[col], ra, b->cols[col], rb, c->desc ? c->desc[k] : false,
                        c->nulls_first ? c->nulls_first[k] : false);
        if (r)
            return r;
    }
    if (c->tie_all) {
        for (int col = 0; col < a->n_cols; col++) {
            int r = cmp_col(a->cols[col], ra, b->cols[col], rb, false, false);
            if (r)
                return r;
        }
    }
    return 0;
}

/*
 * Normalized key prefixes. Sorting compares rows tens of millions of times; reading typed
 * columns of scattered batches each time is what made the first version slow. Each row gets a
 * 32-byte prefix (four big-endian words, so comparing the words as integers is comparing the
 * bytes) that encodes its sort keys such that prefix(a) < prefix(b) implies a < b; only rows
 * with equal prefixes are compared in full. Per key: one byte for NULL placement (0 NULLS
 * FIRST, 1 a value, 2 NULLS LAST; a NULL ends the prefix), then the value: integers with the
 * sign bit flipped, doubles as their order-preserving bit pattern (NaN above everything, -0.0
 * as 0.0), strings as their bytes with 0x00 and 0x01 escaped (0x01 0x01, 0x01 0x02) and a
 * 0x00 terminator, so a string sorts before its extensions as in the full order and the next
 * key can follow; a string that does not fit is cut and ends the prefix (zero padding keeps
 * the order). DESC inverts the value bytes (and the padding). The prefix ends when 32 bytes
 * are used.
 */
#define PREFIX 32

/* ref: the row's reference, with FULL set when the prefix holds the whole comparison
 * (make_prefix; a flag inside ref keeps an entry at 40 bytes, which the merge moves). */
typedef struct entry {
    uint64_t k[PREFIX / 8];
    int64_t ref;
} entry;

#define FULL ((int64_t)1 << 62) /* above any SL_ROW_REF of a sort's batches */

typedef struct keybuf {
    unsigned char b[PREFIX];
    int n;
} keybuf;

static bool put_byte(keybuf *k, unsigned char v)
{
    if (k->n >= PREFIX)
        return false;
    k->b[k->n++] = v;
    return true;
}

/* Appends x big-endian; false when the prefix filled up (cut). */
static bool put_u64(keybuf *k, uint64_t x, bool desc)
{
    if (desc)
        x = ~x;
    if (k->n + 8 <= PREFIX) { /* room for all of it: no check per byte */
        for (int sh = 56; sh >= 0; sh -= 8)
            k->b[k->n++] = (unsigned char)(x >> sh);
        return true;
    }
    for (int sh = 56; sh >= 0; sh -= 8)
        if (!put_byte(k, (unsigned char)(x >> sh)))
            return false;
    return true;
}

/* Appends string p (escaped, terminated); false when it did not fit (cut, padded). */
static bool put_str(keybuf *k, const char *p, int64_t len, bool desc)
{
    unsigned char inv = desc ? 0xFF : 0;
    for (int64_t j = 0; j < len; j++) {
        unsigned char ch = (unsigned char)p[j];
        bool ok = ch <= 1 ? put_byte(k, (unsigned char)(1 ^ inv)) &&
                            put_byte(k, (unsigned char)((ch + 1) ^ inv))
                          : put_byte(k, (unsigned char)(ch ^ inv));
        if (!ok) {
            /* Cut: what is there orders correctly; the zero (or 0xFF) padding below keeps
             * a cut string in front of (behind) longer ones that share the prefix. */
            while (k->n < PREFIX)
                k->b[k->n++] = inv;
            return false;
        }
    }
    return put_byte(k, inv);
}

/* Appends a LIST's (or STRUCT's) order key (batch/list_order.h: self-delimiting, memcmp
 * order), as much as fits; false when it was cut (the prefix is then full). */
static bool put_list(keybuf *k, const sl_vec *v, int64_t r, bool desc)
{
    int64_t len;
    const char *p = sl_vec_str(v, r, &len);
    unsigned char tmp[PREFIX + 1];
    int64_t room = PREFIX - k->n, got = sl_list_key_into(tmp, room + 1, v->type, p, len, desc);
    bool fits = got <= room;
    for (int64_t j = 0; j < got && k->n < PREFIX; j++)
        k->b[k->n++] = tmp[j];
    return fits;
}

/* Appends row r of column v as the comparator orders it: the NULL placement byte, then the
 * value. False when the prefix ends here (a NULL: every NULL of a column is equal, so what
 * follows is decided in full; a value cut short; a full prefix). *exact is cleared for an
 * INTERVAL or a LIST / STRUCT, whose keys order like the comparator but may tell apart values
 * it holds equal. */
static bool put_col(keybuf *k, const sl_vec *v, int64_t r, bool desc, bool nf, bool *exact)
{
    if (!sl_vec_valid(v, r)) {
        put_byte(k, nf ? 0 : 2);
        return false;
    }
    if (!put_byte(k, 1))
        return false;
    if (v->type == SL_T_INTERVAL) { /* its normalized fields, each sign-flipped */
        int64_t len, nf3[3] = {0, 0, 0};
        const char *p = sl_vec_str(v, r, &len);
        if (len == SL_IV_BYTES)
            sl_interval_normalize(sl_interval_get(p), nf3);
        *exact = false;
        for (int f = 0; f < 3; f++)
            if (!put_u64(k, (uint64_t)nf3[f] ^ (UINT64_C(1) << 63), desc))
                return false;
        return true;
    }
    if (sl_type_is_bytes(v->type)) {
        int64_t len;
        const char *p = sl_vec_str(v, r, &len);
        return put_str(k, p, len, desc);
    }
    if (sl_list_order_is_nested(v->type)) {
        *exact = false;
        return put_list(k, v, r, desc);
    }
    uint64_t x = v->type == SL_T_DOUBLE ? sl_f64_key(v->d.f64[r])
                                        : (uint64_t)v->d.i64[r] ^ (UINT64_C(1) << 63);
    return put_u64(k, x, desc);
}

/* Row r's prefix: the keys, then (tie_all) every column as the tie-break compares them, as
 * far as they fit. Sets FULL in e->ref (the caller's row reference) when everything the
 * comparator reads is in the prefix, exactly: two full prefixes that are equal are rows the
 * comparator holds equal, and no comparison in full is needed (a window's sort, whose
 * partitions are long runs of equal keys, compared nearly every pair of rows in full on its
 * tie columns). */
static void make_prefix(const sl_rowcmp *c, const sl_batch *b, int64_t r, entry *e)
{
    keybuf k;
    memset(&k, 0, sizeof k);
    bool all = true, exact = true;
    for (int i = 0; i < c->n_keys && all; i++)
        all = put_col(&k, b->cols[c->cols[i]], r, c->desc ? c->desc[i] : false,
                      c->nulls_first ? c->nulls_first[i] : false, &exact);
    for (int col = 0; c->tie_all && col < b->n_cols && all; col++)
        all = put_col(&k, b->cols[col], r, false, false, &exact);
    if (all && exact)
        e->ref |= FULL;
    for (int w = 0; w < PREFIX / 8; w++) {
        uint64_t x = 0;
        for (int j = 0; j < 8; j++)
            x = (x << 8) | k.b[w * 8 + j];
        e->k[w] = x;
    }
}

static inline int cmp_entries(const sl_rowcmp *c, sl_batch *const *bs, const entry *x,
                              const entry *y)
{
    for (int w = 0; w < PREFIX / 8; w++)
        if (x->k[w] != y->k[w])
            return x->k[w] < y->k[w] ? -1 : 1;
    if (x->ref & y->ref & FULL)
        return 0;
    int64_t a = x->ref & ~FULL, b = y->ref & ~FULL;
    return sl_row_cmp(c, bs[SL_REF_BATCH(a)], SL_REF_ROW(a), bs[SL_REF_BATCH(b)], SL_REF_ROW(b));
}

/* Stable: on ties the element from the left run goes first. */
static void merge_sort(const sl_rowcmp *c, sl_batch *const *bs, entry *a, entry *tmp, int64_t n)
{
    if (n <= 16) {
        for (int64_t i = 1; i < n; i++) {
            entry x = a[i];
            int64_t j = i;
            while (j > 0 && cmp_entries(c, bs, &a[j - 1], &x) > 0) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    int64_t h = n / 2;
    merge_sort(c, bs, a, tmp, h);
    merge_sort(c, bs, a + h, tmp, n - h);
    /* Already in order: common for presorted input, saves the merge. */
    if (cmp_entries(c, bs, &a[h - 1], &a[h]) <= 0)
        return;
    memcpy(tmp, a, sizeof *a * (size_t)h);
    int64_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        if (cmp_entries(c, bs, &a[j], &tmp[i]) < 0)
            a[k++] = a[j++];
        else
            a[k++] = tmp[i++];
    }
    while (i < h)
        a[k++] = tmp[i++];
}

int64_t sl_row_sort_bytes(int64_t n)
{
    return (int64_t)sizeof(entry) * (n + n / 2 + 1);
}

void sl_row_sort(const sl_rowcmp *c, sl_batch *const *bs, int64_t *refs, int64_t n)
{
    if (n < 2 || (c->n_keys == 0 && !c->tie_all))
        return;
    entry *e = sl_xmalloc(sizeof *e * (size_t)n);
    for (int64_t i = 0; i < n; i++) {
        e[i].ref = refs[i];
        make_prefix(c, bs[SL_REF_BATCH(refs[i])], SL_REF_ROW(refs[i]), &e[i]);
    }
    entry *tmp = sl_xmalloc(sizeof *tmp * (size_t)(n / 2 + 1));
    merge_sort(c, bs, e, tmp, n);
    sl_free(tmp);
    for (int64_t i = 0; i < n; i++)
        refs[i] = e[i].ref & ~FULL;
    sl_free(e);
}
