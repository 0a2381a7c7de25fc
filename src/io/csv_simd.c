/*
 * The structural index of the fast CSV scanner (csv_scan.c's fast_records): for each 64-byte
 * block of a buffer, bitmasks of the bytes that matter to the parser. The quote state comes
 * from a prefix XOR of the quote mask (a carry-less multiply by all ones where PCLMUL is
 * available, six shift-XORs otherwise), carried from block to block, starting outside quotes
 * at the buffer's first byte (always a record start). Three kernels, chosen at run time with
 * __builtin_cpu_supports and compiled with target attributes (the rest of the build stays
 * portable): AVX2 + PCLMUL, SSE2 (every x86-64), and a portable scalar one. All produce the
 * same masks (the differential test tests/csvdiff runs each of them). The count pass's
 * kernels (quote and newline bytes of a range, csv_split.c) are chosen the same way: one pass
 * of compares to masks and popcounts instead of two loops widening bytes to 32-bit counters
 * (6 % of q1 -> 1 %). All Local.
 */
#include "io/io_int.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define SL_CSV_X86 1
#include <immintrin.h>
#endif

/* Bit i of x^(x<<1)^...: the XOR of bits 0..i (the portable prefix XOR). */
static inline uint64_t prefix_xor_shift(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

/* From a block's raw masks to its index entry; *inq is all ones when the block starts
 * inside quotes. */
static inline void finish(sl_csv_index *ix, int64_t b, uint64_t q, uint64_t d, uint64_t nl,
                          uint64_t cr, uint64_t inside_raw, uint64_t *inq)
{
    uint64_t inside = inside_raw ^ *inq;
    *inq = (uint64_t)0 - (inside >> 63);
    ix->odd[b] = q | cr;
    ix->st[b] = (d | nl) & ~inside;
    ix->end[b] = nl & ~inside;
    ix->nl[b] = nl;
}

/* Bits at or above n (the bytes past the buffer's end in its last block) are cleared. */
static inline uint64_t keep_low(int64_t n)
{
    return n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
}

static void index_scalar(const char *p, int64_t n, char delim, char quote, sl_csv_index *ix)
{
    uint64_t inq = 0;
    for (int64_t b = 0, at = 0; at < n; b++, at += 64) {
        int64_t m = n - at < 64 ? n - at : 64;
        uint64_t q = 0, d = 0, nl = 0, cr = 0;
        for (int64_t i = 0; i < m; i++) {
            char c = p[at + i];
            uint64_t bit = (uint64_t)1 << i;
            if (quote && c == quote)
                q |= bit;
            else if (c == delim)
                d |= bit;
            else if (c == '\n')
                nl |= bit;
            else if (c == '\r')
                cr |= bit;
        }
        finish(ix, b, q, d, nl, cr, prefix_xor_shift(q), &inq);
    }
}

#ifdef SL_CSV_X86
/* The last partial block, copied into a zero-padded block: its masks are cut to n bytes. */
#define TAIL(p, at, n, blk)                                                                    \
    do {                                                                                       \
        memset(blk, 0, 64);                                                                    \
        memcpy(blk, (p) + (at), (size_t)((n) - (at)));                                         \
    } while (0)

static inline uint64_t mask16(__m128i v, __m128i c)
{
    return (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, c));
}

static void index_sse2(const char *p, int64_t n, char delim, char quote, sl_csv_index *ix)
{
    const __m128i vq = _mm_set1_epi8(quote), vd = _mm_set1_epi8(delim);
    const __m128i vn = _mm_set1_epi8('\n'), vr = _mm_set1_epi8('\r');
    char tail[64];
    uint64_t inq = 0;
    for (int64_t b = 0, at = 0; at < n; b++, at += 64) {
        const char *s = p + at;
        uint64_t keep = keep_low(n - at);
        if (n - at < 64) {
            TAIL(p, at, n, tail);
            s = tail;
        }
        uint64_t q = 0, d = 0, nl = 0, cr = 0;
        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + 16 * k));
            q |= mask16(v, vq) << (16 * k);
            d |= mask16(v, vd) << (16 * k);
            nl |= mask16(v, vn) << (16 * k);
            cr |= mask16(v, vr) << (16 * k);
        }
        q = quote ? q & keep : 0;
        d &= keep & ~q;
        nl &= keep & ~(q | d);
        cr &= keep & ~(q | d);
        finish(ix, b, q, d, nl, cr, prefix_xor_shift(q), &inq);
    }
}

__attribute__((target("avx2"))) static inline uint64_t mask32(__m256i v, __m256i c)
{
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, c));
}

__attribute__((target("avx2,pclmul"))) static void index_avx2(const char *p, int64_t n,
                                                              char delim, char quote,
                                                              sl_csv_index *ix)
{
    const __m256i vq = _mm256_set1_epi8(quote), vd = _mm256_set1_epi8(delim);
    const __m256i vn = _mm256_set1_epi8('\n'), vr = _mm256_set1_epi8('\r');
    const __m128i ones = _mm_set1_epi8(-1);
    char tail[64];
    uint64_t inq = 0;
    for (int64_t b = 0, at = 0; at < n; b++, at += 64) {
        const char *s = p + at;
        uint64_t keep = keep_low(n - at);
        if (n - at < 64) {
            TAIL(p, at, n, tail);
            s = tail;
        }
        __m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)s);
        __m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(s + 32));
        uint64_t q = mask32(lo, vq) | mask32(hi, vq) << 32;
        uint64_t d = mask32(lo, vd) | mask32(hi, vd) << 32;
        uint64_t nl = mask32(lo, vn) | mask32(hi, vn) << 32;
        uint64_t cr = mask32(lo, vr) | mask32(hi, vr) << 32;
        q = quote ? q & keep : 0;
        d &= keep & ~q;
        nl &= keep & ~(q | d);
        cr &= keep & ~(q | d);
        /* Carry-less multiply by all ones: bit i of the product is the XOR of bits 0..i. */
        uint64_t px = (uint64_t)_mm_cvtsi128_si64(
            _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)q), ones, 0));
        finish(ix, b, q, d, nl, cr, px, &inq);
    }
}
#endif

/* ---- the count pass's kernels (csv_split.c's sl_csv_count) ---- */

/* Adds the quote bytes (quote != 0) and '\n' bytes of p[0..n) to *q and *nl: loops over blocks
 * with 32-bit counters that GCC vectorizes for any x86-64 (or none). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("O3"))) /* GCC's -O2 cost model leaves these loops scalar */
#endif
static void count_scalar(const char *s, int64_t n, char quote, int64_t *q, int64_t *nl)
{
    const unsigned char *p = (const unsigned char *)s, uq = (unsigned char)quote;
    for (int64_t at = 0; at < n; at += 1 << 20) {
        int64_t m = n - at < (1 << 20) ? n - at : (1 << 20);
        const unsigned char *b = p + at;
        uint32_t cn = 0, cq = 0;
        for (int64_t i = 0; i < m; i++)
            cn += b[i] == '\n';
        if (uq)
            for (int64_t i = 0; i < m; i++)
                cq += b[i] == uq;
        *nl += cn;
        *q += cq;
    }
}

#ifdef SL_CSV_X86
/* Byte compares to masks, one pass for both bytes, a popcount per 64 bytes. */
__attribute__((target("sse2,popcnt"))) static void count_sse2(const char *p, int64_t n,
                                                             char quote, int64_t *q,
                                                             int64_t *nl)
{
    const __m128i vq = _mm_set1_epi8(quote), vn = _mm_set1_epi8('\n');
    int64_t i = 0, cq = 0, cn = 0;
    for (; i + 64 <= n; i += 64) {
        uint64_t mq = 0, mn = 0;
        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16 * k));
            mq |= mask16(v, vq) << (16 * k);
            mn |= mask16(v, vn) << (16 * k);
        }
        cq += __builtin_popcountll(mq);
        cn += __builtin_popcountll(mn);
    }
    *q += quote ? cq : 0;
    *nl += cn;
    count_scalar(p + i, n - i, quote, q, nl);
}

__attribute__((target("avx2,popcnt"))) static void count_avx2(const char *p, int64_t n,
                                                             char quote, int64_t *q,
                                                             int64_t *nl)
{
    const __m256i vq = _mm256_set1_epi8(quote), vn = _mm256_set1_epi8('\n');
    int64_t i = 0, cq = 0, cn = 0;
    for (; i + 64 <= n; i += 64) {
        __m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
        __m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 32));
        cq += __builtin_popcountll(mask32(lo, vq) | mask32(hi, vq) << 32);
        cn += __builtin_popcountll(mask32(lo, vn) | mask32(hi, vn) << 32);
    }
    *q += quote ? cq : 0;
    *nl += cn;
    count_scalar(p + i, n - i, quote, q, nl);
}
#endif

/* ---- flattening a mask to positions (csv_scan.c's block path) ---- */

/* Every block stores 8 positions unconditionally (16 when it has more than 8 set bits, then
 * one per further bit), unrolled: the branches depend on the count only, not on each bit, so
 * neither this loop nor the record walk that reads the positions has a branch per field.
 * ctz of x | 1 << 63 is ctz(x) for x != 0 and a harmless 63 past the last bit. */
#define FLAT_ONE(o, i, base, x)                                                                \
    do {                                                                                       \
        (o)[i] = (base) + (uint32_t)__builtin_ctzll((x) | (UINT64_C(1) << 63));                \
        (x) &= (x) - 1;                                                                        \
    } while (0)
#define FLAT_EIGHT(o, i, base, x)                                                              \
    do {                                                                                       \
        FLAT_ONE(o, (i) + 0, base, x);                                                         \
        FLAT_ONE(o, (i) + 1, base, x);                                                         \
        FLAT_ONE(o, (i) + 2, base, x);                                                         \
        FLAT_ONE(o, (i) + 3, base, x);                                                         \
        FLAT_ONE(o, (i) + 4, base, x);                                                         \
        FLAT_ONE(o, (i) + 5, base, x);                                                         \
        FLAT_ONE(o, (i) + 6, base, x);                                                         \
        FLAT_ONE(o, (i) + 7, base, x);                                                         \
    } while (0)
#define FLATTEN_BODY(m, nb, out)                                                               \
    do {                                                                                       \
        int64_t n_ = 0;                                                                        \
        for (int64_t b_ = 0; b_ < (nb); b_++) {                                                \
            uint64_t x_ = (m)[b_];                                                             \
            uint32_t base_ = (uint32_t)(b_ << 6), *o_ = (out) + n_;                            \
            int cnt_ = __builtin_popcountll(x_);                                               \
            FLAT_EIGHT(o_, 0, base_, x_);                                                      \
            if (cnt_ > 8) {                                                                    \
                FLAT_EIGHT(o_, 8, base_, x_);                                                  \
                for (int i_ = 16; x_; i_++)                                                    \
                    FLAT_ONE(o_, i_, base_, x_);                                               \
            }                                                                                  \
            n_ += cnt_;                                                                        \
        }                                                                                      \
        return n_;                                                                             \
    } while (0)

static int64_t flatten_plain(const uint64_t *m, int64_t nb, uint32_t *out)
{
    FLATTEN_BODY(m, nb, out);
}

#ifdef SL_CSV_X86
__attribute__((target("popcnt,bmi"))) static int64_t flatten_bmi(const uint64_t *m, int64_t nb,
                                                                  uint32_t *out)
{
    FLATTEN_BODY(m, nb, out);
}
#endif

sl_csv_flatten_fn sl_csv_flatten_pick(void)
{
#ifdef SL_CSV_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi"))
        return flatten_bmi;
#endif
    return flatten_plain;
}

/* Set bits of m in bit positions [a, b): whole words between two masked ends. */
#define BITS_BODY(m, a, b)                                                                     \
    do {                                                                                       \
        if ((a) >= (b))                                                                        \
            return 0;                                                                          \
        int64_t ba_ = (a) >> 6, bb_ = ((b) - 1) >> 6;                                          \
        uint64_t lo_ = ~(uint64_t)0 << ((a) & 63), hi_ = ~(uint64_t)0 >> (63 - (((b) - 1) & 63)); \
        if (ba_ == bb_)                                                                        \
            return __builtin_popcountll((m)[ba_] & lo_ & hi_);                                 \
        int64_t n_ = __builtin_popcountll((m)[ba_] & lo_) + __builtin_popcountll((m)[bb_] & hi_); \
        for (int64_t k_ = ba_ + 1; k_ < bb_; k_++)                                             \
            n_ += __builtin_popcountll((m)[k_]);                                               \
        return n_;                                                                             \
    } while (0)

static int64_t bits_plain(const uint64_t *m, int64_t a, int64_t b)
{
    BITS_BODY(m, a, b);
}

#ifdef SL_CSV_X86
__attribute__((target("popcnt"))) static int64_t bits_popcnt(const uint64_t *m, int64_t a,
                                                             int64_t b)
{
    BITS_BODY(m, a, b);
}
#endif

sl_csv_bits_fn sl_csv_bits_pick(void)
{
#ifdef SL_CSV_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("popcnt"))
        return bits_popcnt;
#endif
    return bits_plain;
}

sl_csv_count_fn sl_csv_count_pick(const char *name)
{
    if (name && (strcmp(name, "scalar") == 0 || strcmp(name, "libcsv") == 0))
        return count_scalar;
#ifdef SL_CSV_X86
    if (name && strcmp(name, "sse2") == 0)
        return count_sse2;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt"))
        return count_avx2;
    if (__builtin_cpu_supports("popcnt"))
        return count_sse2;
#endif
    return count_scalar;
}

sl_csv_index_fn sl_csv_index_pick(const char *name)
{
    if (name && strcmp(name, "libcsv") == 0)
        return NULL;
    if (name && strcmp(name, "scalar") == 0)
        return index_scalar;
#ifdef SL_CSV_X86
    if (name && strcmp(name, "sse2") == 0)
        return index_sse2;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul"))
        return index_avx2;
    return index_sse2;
#else
    return index_scalar;
#endif
}

const char *sl_csv_index_name(sl_csv_index_fn fn)
{
    if (!fn)
        return "libcsv";
#ifdef SL_CSV_X86
    if (fn == index_avx2)
        return "avx2";
    if (fn == index_sse2)
        return "sse2";
#endif
    return "scalar";
}
