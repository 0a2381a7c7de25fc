/*
 * How the hash aggregation (agg.c) compares group keys: the kind of compare per key type, and
 * the 16-byte views a probe compares before (or instead of) the key columns. A lone VARCHAR
 * key's view (kview_of) holds its length and first bytes; several small keys get one packed
 * view (pview_make) that decides equality alone whenever the keys fit it. In a header of its
 * own so that tests/unit/test_agg.c checks the views directly: a wrong view shows in a query
 * only when two keys' 32-bit hash tags collide. All Local.
 */
#ifndef SL_AGG_KEYS_H
#define SL_AGG_KEYS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "batch/batch.h"
#include "batch/list_order.h"
#include "core/copy_bytes.h"

/* A VARCHAR value's length (KV_NULL for NULL) and its first KV_INLINE bytes, zero-padded:
 * equal values have equal views, and values of up to KV_INLINE bytes are equal exactly when
 * their views are. */
#define KV_INLINE 12
#define KV_NULL UINT32_MAX
typedef struct kview {
    uint32_t len;
    char b[KV_INLINE];
} kview;

static inline kview kview_of(const sl_vec *v, int64_t i)
{
    kview x;
    memset(&x, 0, sizeof x);
    if (!sl_vec_valid(v, i)) {
        x.len = KV_NULL;
        return x;
    }
    int64_t len;
    const char *p = sl_vec_str(v, i, &len);
    x.len = (uint32_t)len;
    memcpy(x.b, p, (size_t)(len < KV_INLINE ? len : KV_INLINE));
    return x;
}

static inline bool kview_eq(const kview *a, const kview *b)
{
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a, 8);
    memcpy(&a1, (const char *)a + 8, 8);
    memcpy(&b0, b, 8);
    memcpy(&b1, (const char *)b + 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* How key_eq compares a key column's valid values (sl_hashagg.key_eq, set from its type). */
enum { EQ_WORD, EQ_BYTES, EQ_OTHER };

static inline uint8_t key_eq_kind(sl_type t)
{
    if (sl_type_is_bytes(t))
        return EQ_BYTES;
    if (t == SL_T_DOUBLE || t == SL_T_INTERVAL || sl_list_order_is_nested(t))
        return EQ_OTHER;
    return EQ_WORD;
}

/*
 * The packed view of several keys (use_pv): each key in turn, a VARCHAR as its length byte
 * and its bytes, any other key (compared as its 8-byte word x) as the byte count L of its
 * zigzag form z = 2x or -2x-1 (0-8; small values of either sign are short: id4 = 42 is 1
 * byte) and z's L low bytes; a NULL of either as the byte PV_NULL; zero-padded to 16 bytes.
 * Each key's part delimits itself and its bytes are a function of the value alone, so two
 * rows whose keys all fit have equal views exactly when their keys are equal (NULL equal to
 * NULL). Rows whose keys do not fit get PV_LONG in every byte, which no fitting view starts
 * with: equal views then say nothing, and the key columns decide.
 */
#define PV_NULL 0xFE
#define PV_LONG 0xFF

/* Whether keys of these types get packed views: two to eight, each a VARCHAR or an 8-byte
 * word (q6's id4, id5; q10's six keys try, and most of its rows do not fit). */
static inline bool pview_fits(int n_keys, const sl_type *types)
{
    for (int k = 0; k < n_keys; k++)
        if (sl_type_phys(types[k]) != SL_T_VARCHAR && key_eq_kind(types[k]) != EQ_WORD)
            return false;
    return n_keys >= 2 && n_keys <= 8;
}

/* Row i's packed view of vecs' n keys (the order and types pview_fits took) into *out.
 * Written in place, byte by byte: built in a local and copied out, the copy's 8-byte loads
 * waited on the narrower stores (a failed store forward; a fifth of q2's probe loop). */
static inline void pview_make(kview *out, sl_vec *const *vecs, int n, int64_t i)
{
    unsigned char *b = (unsigned char *)out;
    memset(b, 0, 16);
    int at = 0;
    for (int k = 0; k < n; k++) {
        const sl_vec *v = vecs[k];
        bool ok = sl_vec_valid(v, i);
        if (!ok) {
            if (at + 1 > 16)
                goto long_view;
            b[at++] = PV_NULL;
        } else if (sl_type_is_var(v->type)) {
            int64_t o = v->d.off[i], len = v->d.off[i + 1] - o;
            if (at + 1 + len > 16)
                goto long_view;
            b[at] = (unsigned char)len;
            sl_copy_bytes((char *)b + at + 1, v->heap + o, len); /* within the view */
            at += 1 + (int)len;
        } else {
            int64_t x = v->d.i64[i];
            uint64_t z = ((uint64_t)x << 1) ^ (uint64_t)(x >> 63);
            int len = z ? 8 - __builtin_clzll(z) / 8 : 0;
            if (at + 1 + len > 16)
                goto long_view;
            b[at] = (unsigned char)len;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            if (at + 9 <= 16)
                memcpy(b + at + 1, &z, 8); /* z's bytes past len are 0 */
            else
#endif
                for (int j = 0; j < len; j++)
                    b[at + 1 + j] = (unsigned char)(z >> (8 * j));
            at += 1 + len;
        }
    }
    return;
long_view:
    memset(b, PV_LONG, 16);
}

/* Whether packed views a and b tell their rows' keys apart: 0 different keys, 1 equal keys,
 * 2 both too long to say (compare the key columns). */
static inline int pview_decide(const kview *a, const kview *b)
{
    if (!kview_eq(a, b))
        return 0;
    return ((const unsigned char *)a)[0] == PV_LONG ? 2 : 1;
}

#endif
