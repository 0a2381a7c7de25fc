/*
 * Digests and hashes: md5(s) and sha256(s), as lowercase hex text like DuckDB's, and hash(x,
 * ...), DuckDB's own 64-bit hash as a UBIGINT, the same number DuckDB 1.5 gives.
 *
 * The digests come from Debian's nettle (libnettle, GNU's small low-level crypto library)
 * rather than a copy of the algorithms here: it is maintained with security updates and its
 * MD5/SHA-256 are checked against the standard test vectors.
 *
 * hash() follows DuckDB's definition (src/common/types/hash.cpp, vector_hash.cpp), checked value
 * by value against DuckDB 1.5 (tests/dialect/cases/fn_string.test):
 *   - a number is mixed by murmur64 (x ^= x >> 32; x *= 0xd6e8feb86659fd93; twice more the
 *     shift, once more the multiply); DuckDB hashes the value *as stored*, so the width counts
 *     for negatives: TINYINT, SMALLINT, INTEGER, DATE (int32 days) and a DECIMAL of up to 9
 *     digits (int16 / int32) hash their value as a 32-bit unsigned integer; BIGINT, TIMESTAMP,
 *     UBIGINT and a DECIMAL of up to 18 digits as 64 bits; BOOLEAN as 0 or 1; HUGEINT,
 *     UHUGEINT and a wider DECIMAL the two 64-bit halves' hashes xor-ed;
 *   - DOUBLE its bits, -0.0 as 0.0 and every NaN as the one quiet NaN;
 *   - VARCHAR its bytes in 8-byte little-endian words (seed 0xe17a1465 ^ len *
 *     0xc6a4a7935bd1e995; h ^= word, h *= 0xd6e8feb86659fd93; a last partial word
 *     zero-padded), then murmur64;
 *   - INTERVAL DuckDB's normalized (months, days, micros), their hashes xor-ed;
 *   - NULL the constant 0xbf58476d1ce4e5b9;
 *   - several arguments: h = the first's hash, then each later one combined into it,
 *     combine(a, b) = ((a ^ a >> 32) * 0xd6e8feb86659fd93) ^ b;
 *   - a LIST its elements' hashes combined in order (empty or NULL: NULL's hash); a STRUCT
 *     its first field's hash with the others combined into it as later arguments are. A
 *     later argument that is a LIST combines each element's hash in turn (empty or NULL:
 *     nothing), a STRUCT each field: hash(1, [2, 3]) = hash(1, 2, 3), as in DuckDB.
 * A REAL is a DOUBLE in sluice, so it hashes as the DOUBLE (DuckDB hashes the float's bits).
 * Local.
 */
#include "func/fn_int.h"

#include "batch/list.h"
#include "batch/nested.h"

#include <nettle/md5.h>
#include <nettle/sha2.h>

static void to_hex(const uint8_t *d, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t k = 0; k < n; k++) {
        out[2 * k] = hx[d[k] >> 4];
        out[2 * k + 1] = hx[d[k] & 15];
    }
}

static sl_vec *digest_kernel(const sl_expr *e, const sl_arg *a, const sl_rows *rows, bool sha)
{
    sl_vec *o = sl_vec_new(SL_T_VARCHAR, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        int64_t sn;
        const uint8_t *s = (const uint8_t *)fn_str(&a[0], i, &sn);
        uint8_t d[SHA256_DIGEST_SIZE];
        char hex[2 * SHA256_DIGEST_SIZE];
        size_t dn;
        if (sha) {
            struct sha256_ctx c;
            sha256_init(&c);
            sha256_update(&c, (size_t)sn, s);
            sha256_digest(&c, SHA256_DIGEST_SIZE, d);
            dn = SHA256_DIGEST_SIZE;
        } else {
            struct md5_ctx c;
            md5_init(&c);
            md5_update(&c, (size_t)sn, s);
            md5_digest(&c, MD5_DIGEST_SIZE, d);
            dn = MD5_DIGEST_SIZE;
        }
        to_hex(d, dn, hex);
        fn_pad(o, i);
        sl_vec_push_str(o, hex, (int64_t)(2 * dn));
    }
    fn_pad(o, rows->n_rows);
    (void)e;
    return o;
}

FN_EXEC(fn_exec_md5) { *out = digest_kernel(e, a, rows, false); return 0; }
FN_EXEC(fn_exec_sha256) { *out = digest_kernel(e, a, rows, true); return 0; }

/* ---- hash(x, ...) ---- */

#define HASH_MUL UINT64_C(0xd6e8feb86659fd93)
#define HASH_NULL UINT64_C(0xbf58476d1ce4e5b9)

static inline uint64_t murmur64(uint64_t x)
{
    x ^= x >> 32;
    x *= HASH_MUL;
    x ^= x >> 32;
    x *= HASH_MUL;
    x ^= x >> 32;
    return x;
}

static inline uint64_t hash_combine(uint64_t a, uint64_t b)
{
    return ((a ^ a >> 32) * HASH_MUL) ^ b;
}

static uint64_t hash_bytes(const char *p, int64_t len)
{
    uint64_t h = UINT64_C(0xe17a1465) ^ ((uint64_t)len * UINT64_C(0xc6a4a7935bd1e995));
    int64_t k = 0;
    for (; k + 8 <= len; k += 8) {
        uint64_t w;
        memcpy(&w, p + k, 8); /* little-endian words, as DuckDB loads them on x86/ARM */
        h ^= w;
        h *= HASH_MUL;
    }
    if (k < len) {
        uint64_t w = 0;
        memcpy(&w, p + k, (size_t)(len - k));
        h ^= w;
        h *= HASH_MUL;
    }
    return murmur64(h);
}

static uint64_t hash_u128(sl_u128 u)
{
    return murmur64((uint64_t)u) ^ murmur64((uint64_t)(u >> 64));
}

/* DuckDB's normalized (months, days, micros), their hashes xor-ed. */
static uint64_t hash_interval(sl_interval v)
{
    int64_t m[3];
    sl_interval_normalize(v, m);
    return murmur64((uint64_t)m[1]) ^ murmur64((uint64_t)m[0]) ^ murmur64((uint64_t)m[2]);
}

static uint64_t hash_value(const sl_value *v);

static uint64_t hash_into(uint64_t h, const sl_value *v);

/* The fields of a STRUCT value v (a NULL struct: every field NULL) as values, one by one:
 * field k into *f; false past the last. */
typedef struct {
    const sl_nested *d;
    const char *p, *end;
    int k;
    bool null;
} field_it;

static bool next_field(field_it *it, sl_value *f)
{
    if (!it->d || it->k >= it->d->n_fields)
        return false;
    sl_type t = it->d->ftypes[it->k++];
    if (it->null || !sl_nested_next(&it->p, it->end, t, f)) {
        memset(f, 0, sizeof *f);
        f->type = t;
        f->is_null = true;
    }
    return true;
}

static void fields_begin(field_it *it, const sl_value *v)
{
    it->d = sl_nested_get(v->type);
    it->null = v->is_null;
    it->p = it->null ? NULL : v->v.s.p;
    it->end = it->null ? NULL : v->v.s.p + v->v.s.len;
    it->k = 0;
}

/* A LIST's hash (DuckDB's ListLoopHash): its elements' hashes combined in order; an empty or
 * NULL list NULL's hash. A STRUCT's (StructLoopHash): its first field's hash, the others
 * combined into it as further arguments are (hash_into). */
static uint64_t hash_nested(const sl_value *v)
{
    if (sl_type_is_list(v->type)) {
        if (v->is_null)
            return HASH_NULL;
        sl_list_it it;
        sl_list_begin(&it, v->type, v->v.s.p, v->v.s.len);
        sl_value e;
        uint64_t h = HASH_NULL;
        for (int k = 0; sl_list_next(&it, &e); k++)
            h = k == 0 ? hash_value(&e) : hash_combine(h, hash_value(&e));
        return h;
    }
    field_it it;
    fields_begin(&it, v);
    sl_value f;
    uint64_t h = HASH_NULL;
    for (int k = 0; next_field(&it, &f); k++)
        h = k == 0 ? hash_value(&f) : hash_into(h, &f);
    return h;
}

/* h with v combined into it, as DuckDB's CombineHash does for a later argument: a scalar's
 * hash combined; a LIST's elements' hashes each combined in turn (an empty or NULL list
 * changes nothing); a STRUCT's fields each combined into h the same way. */
static uint64_t hash_into(uint64_t h, const sl_value *v)
{
    if (sl_type_is_list(v->type)) {
        if (v->is_null)
            return h;
        sl_list_it it;
        sl_list_begin(&it, v->type, v->v.s.p, v->v.s.len);
        sl_value e;
        while (sl_list_next(&it, &e))
            h = hash_combine(h, hash_value(&e));
        return h;
    }
    if (sl_type_is_struct(v->type)) {
        field_it it;
        fields_begin(&it, v);
        sl_value f;
        while (next_field(&it, &f))
            h = hash_into(h, &f);
        return h;
    }
    return hash_combine(h, hash_value(v));
}

/* The hash of one value as DuckDB computes it (the header comment). */
static uint64_t hash_value(const sl_value *v)
{
    sl_type t = v->type;
    if (sl_type_is_list(t) || sl_type_is_struct(t))
        return hash_nested(v);
    if (v->is_null || t == SL_T_NULL)
        return HASH_NULL;
    if (sl_type_is_decimal(t)) {
        if (sl_dec_is_wide(t))
            return hash_u128((sl_u128)sl_i128_load(v->v.s.p));
        if (sl_dec_width(t) <= 9) /* DuckDB's int16 / int32 storage */
            return murmur64((uint32_t)(int32_t)v->v.i);
        return murmur64((uint64_t)v->v.i);
    }
    switch (t) {
    case SL_T_BOOL:
    case SL_T_TINYINT:
    case SL_T_SMALLINT:
    case SL_T_INTEGER:
    case SL_T_UTINYINT:
    case SL_T_USMALLINT:
    case SL_T_UINTEGER:
    case SL_T_DATE: /* DuckDB's 32-bit storage, the value as a uint32 */
        return murmur64((uint32_t)(int32_t)v->v.i);
    case SL_T_BIGINT:
    case SL_T_TIMESTAMP:
        return murmur64((uint64_t)v->v.i);
    case SL_T_DOUBLE: {
        double d = v->v.d;
        uint64_t u;
        if (d == 0.0)
            d = 0.0; /* -0.0 as 0.0 */
        else if (d != d)
            d = __builtin_nan(""); /* the one quiet NaN */
        memcpy(&u, &d, 8);
        return murmur64(u);
    }
    case SL_T_VARCHAR:
        return hash_bytes(v->v.s.p, v->v.s.len);
    case SL_T_HUGEINT:
        return hash_u128((sl_u128)sl_i128_load(v->v.s.p));
    case SL_T_UBIGINT: /* stored as a HUGEINT (batch/int128.h); DuckDB's uint64 */
        return murmur64((uint64_t)sl_i128_load(v->v.s.p));
    case SL_T_UHUGEINT:
        return hash_u128(sl_be128_get(v->v.s.p));
    case SL_T_INTERVAL:
        return v->v.s.len == SL_IV_BYTES ? hash_interval(sl_interval_get(v->v.s.p)) : HASH_NULL;
    default:
        return murmur64((uint64_t)v->v.i);
    }
}

/* hash(x, ...): any types (an untyped NULL hashes as NULL). Refuses a type whose DuckDB hash
 * is not known to be matched (none today: the list is the hash_value switch). */
FN_BIND(fn_bind_hash)
{
    for (int j = 0; j < n; j++)
        if (args[j]->type == SL_T_NULL) {
            int rc = fn_coerce(&args[j], SL_T_INTEGER, err);
            if (rc)
                return rc;
        }
    *rt = SL_T_UBIGINT;
    return 0;
}

FN_EXEC(fn_exec_hash)
{
    int n = e->n_args;
    sl_vec *o = sl_vec_new(SL_T_UBIGINT, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        uint64_t h = 0;
        for (int j = 0; j < n; j++) {
            sl_value v;
            sl_vec_get_value(a[j].v, i & a[j].mask, &v);
            h = j == 0 ? hash_value(&v) : hash_into(h, &v);
        }
        char enc[SL_I128_BYTES];
        sl_i128_store(enc, (sl_i128)h);
        fn_pad(o, i);
        sl_vec_push_str(o, enc, SL_I128_BYTES);
    }
    fn_pad(o, rows->n_rows);
    (void)in;
    *out = o;
    return 0;
}
