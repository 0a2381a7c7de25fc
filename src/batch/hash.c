/*
 * Row hashing for the exchange (rank = hash % P) and the hash tables of aggregation and join.
 * XXH3-64 with seed 0 over the value bytes, so hashes are stable across runs and machines:
 * fixed-width values hash their 8 bytes (DOUBLE with -0.0 folded to 0.0 and every NaN folded
 * to one NaN, so values that compare equal hash equal), VARCHAR its bytes, NULL a fixed
 * constant. Columns combine as h = h * K ^ hash(col), starting from 0, so one column's hash
 * is just that value's hash. The vectorized form computes exactly the same numbers column at
 * a time. All functions are Local.
 */
#include "batch/wire.h"

#include <string.h>
/* The header's own inline copy of XXH3 (the same function, the same numbers as the shared
 * library's): a library call per short key (q2's two 5-byte keys) was a tenth of a
 * group-by's CPU. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "batch/list_order.h"
#include "core/mem.h"

#define HASH_NULL UINT64_C(0x5C3A9E7D1B2F4A61)
#define HASH_MIX UINT64_C(0x9E3779B97F4A7C15)

/* XXH3_64bits(p, n): at most 16 bytes (keys, codes, every 8-byte value) through the
 * header's short path directly, inlined into the column loops; XXH3_64bits itself stays a
 * call (its long-input dispatch is too big to inline). tests/unit/test_wire.c checks both
 * against the shared library's XXH3 over lengths 0-40. */
static inline uint64_t hash_bytes(const void *p, size_t n)
{
#if XXH_VERSION_NUMBER >= 800
    if (n <= 16)
        return XXH3_len_0to16_64b((const xxh_u8 *)p, n, XXH3_kSecret, 0);
#endif
    return XXH3_64bits(p, n);
}

static inline uint64_t hash_i64(int64_t x) { return hash_bytes(&x, 8); }

static inline uint64_t hash_f64(double d)
{
    int64_t bits;
    if (d != d)
        bits = INT64_C(0x7ff8000000000000);
    else {
        if (d == 0.0)
            d = 0.0; /* folds -0.0 */
        memcpy(&bits, &d, 8);
    }
    return hash_bytes(&bits, 8);
}

static inline uint64_t hash_value(const sl_vec *v, int64_t i)
{
    if (!sl_vec_valid(v, i))
        return HASH_NULL;
    switch (sl_type_phys(v->type)) {
    case SL_T_DOUBLE:
        return hash_f64(v->d.f64[i]);
    case SL_T_VARCHAR:
    case SL_T_HUGEINT: /* its 16 encoded bytes */
    case SL_T_UBIGINT:
    case SL_T_UHUGEINT:
        return hash_bytes(v->heap + v->d.off[i], (size_t)(v->d.off[i + 1] - v->d.off[i]));
    case SL_T_INTERVAL: { /* its normalized fields: '30 days' and '1 month' are equal */
        int64_t nf[3] = {0, 0, 0};
        if (v->d.off[i + 1] - v->d.off[i] == SL_IV_BYTES)
            sl_interval_normalize(sl_interval_get(v->heap + v->d.off[i]), nf);
        return XXH3_64bits(nf, sizeof nf);
    }
    default:
        if (sl_list_order_is_nested(v->type)) /* equal for equal lists ([-0.0] and [0.0]) */
            return sl_list_hash(v->type, v->heap + v->d.off[i], v->d.off[i + 1] - v->d.off[i]);
        return hash_i64(v->d.i64[i]);
    }
}

uint64_t sl_hash_vecs(sl_vec *const *vecs, int n, int64_t i)
{
    uint64_t h = 0;
    for (int c = 0; c < n; c++)
        h = (h * HASH_MIX) ^ hash_value(vecs[c], i);
    return h;
}

uint64_t sl_hash_row(const sl_batch *b, const int *cols, int n, int64_t i)
{
    uint64_t h = 0;
    for (int c = 0; c < n; c++)
        h = (h * HASH_MIX) ^ hash_value(b->cols[cols[c]], i);
    return h;
}

void sl_hash_vecs_sel(sl_vec *const *vecs, int n, const uint32_t *sel, int64_t n_rows,
                      uint64_t *out)
{
    if (n == 0) {
        memset(out, 0, (size_t)n_rows * sizeof *out);
        return;
    }
    for (int c = 0; c < n; c++) {
        const sl_vec *v = vecs[c];
        /* The first column initialises, later ones mix: h*K^x with h = 0 is just x. */
        uint64_t k_mul = c == 0 ? 0 : HASH_MIX;
        if (v->type != SL_T_DOUBLE && !sl_type_is_var(v->type)) {
            for (int64_t k = 0; k < n_rows; k++) {
                int64_t i = sel ? sel[k] : k;
                uint64_t x = sl_vec_valid(v, i) ? hash_i64(v->d.i64[i]) : HASH_NULL;
                out[k] = (c == 0 ? 0 : out[k] * k_mul) ^ x;
            }
        } else if (sl_type_is_bytes(v->type)) {
            /* hash_value's byte case without its switch per value */
            const int64_t *off = v->d.off;
            for (int64_t k = 0; k < n_rows; k++) {
                int64_t i = sel ? sel[k] : k;
                uint64_t x = sl_vec_valid(v, i)
                                 ? hash_bytes(v->heap + off[i], (size_t)(off[i + 1] - off[i]))
                                 : HASH_NULL;
                out[k] = (c == 0 ? 0 : out[k] * k_mul) ^ x;
            }
        } else {
            for (int64_t k = 0; k < n_rows; k++) {
                int64_t i = sel ? sel[k] : k;
                out[k] = (c == 0 ? 0 : out[k] * k_mul) ^ hash_value(v, i);
            }
        }
    }
}

void sl_hash_batch(const sl_batch *b, const int *cols, int n, uint64_t *out)
{
    sl_vec *stackv[16];
    sl_vec **vecs = n <= 16 ? stackv : sl_xmalloc(sizeof *vecs * (size_t)n);
    for (int c = 0; c < n; c++)
        vecs[c] = b->cols[cols[c]];
    sl_hash_vecs_sel(vecs, n, b->sel, sl_batch_live(b), out);
    if (vecs != stackv)
        sl_free(vecs);
}
