/*
 * Number kernels of the block scan (csv_scan.c's convert_bigint and convert_double): the
 * leading fields of a column's block that are plain decimal numbers, converted with SSSE3
 * byte shuffles and multiply-adds instead of a chain of scalar word operations per value.
 *
 * A field's bytes are loaded as one 16-byte vector, '0' is subtracted from each, one compare
 * checks that every byte of the field is a digit, and a shuffle moves the digits to the end
 * of the vector (zeros before them): then pmaddubsw, pmaddwd, packssdw and pmaddwd sum them with
 * their powers of ten into two 8-digit halves. The scalar word code this replaces (sl_digits8,
 * parse_decimal16) needs ~100 instructions for a "91.730208" and its chain of dependent
 * operations kept only two values in flight: 11.5 ns a value on the 2-core VM, 7.7 ns here.
 * Integers of at most 8 digits go two to a vector (one 8-byte half each).
 *
 * Chosen at run time (__builtin_cpu_supports, the kernels compiled with a target attribute:
 * the rest of the build stays x86-64 baseline); without SSSE3 (or under SLUICE_CSV_SCANNER=
 * sse2 or scalar) the pick is NULL and csv_scan.c's scalar loops convert everything. All
 * Local.
 */
#include "io/io_int.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define SL_NUM_X86 1
#include <immintrin.h>
#endif

#ifdef SL_NUM_X86

/* loadu(right + n): the shuffle that moves a vector's first n bytes (n <= 16) to its end,
 * zeros before them. */
static const signed char right[32] = {
    -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128,
    -128, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* undot[nf]: with the dot of an end-aligned "D.F" at byte 15 - nf (nf fraction digits), the
 * shuffle that moves the bytes before it up one, over the dot: the digits of DF, end-aligned. */
#define UD(nf, j) ((j) > 15 - (nf) ? (j) : (j) == 0 ? -128 : (j) - 1)
#define UD_ROW(nf)                                                                             \
    {UD(nf, 0),  UD(nf, 1),  UD(nf, 2),  UD(nf, 3),  UD(nf, 4),  UD(nf, 5),                    \
     UD(nf, 6),  UD(nf, 7),  UD(nf, 8),  UD(nf, 9),  UD(nf, 10), UD(nf, 11),                   \
     UD(nf, 12), UD(nf, 13), UD(nf, 14), UD(nf, 15)}
static const signed char undot[16][16] = {
    UD_ROW(0), UD_ROW(1), UD_ROW(2),  UD_ROW(3),  UD_ROW(4),  UD_ROW(5),  UD_ROW(6),  UD_ROW(7),
    UD_ROW(8), UD_ROW(9), UD_ROW(10), UD_ROW(11), UD_ROW(12), UD_ROW(13), UD_ROW(14), UD_ROW(15)};

/* Bytes past a field's start a kernel reads: a sign and 16 bytes. */
#define NUM_READ 17

/* A mask of the bytes of d (a field's bytes less '0') that are digits. */
__attribute__((target("ssse3"))) static inline unsigned digit_mask(__m128i d)
{
    const __m128i nine = _mm_set1_epi8(9);
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(d, nine), nine));
}

/* The digits of d (each 0-9) as two 8-digit numbers: bytes 0-7's in the result's bits 0-31,
 * bytes 8-15's in bits 32-63. */
__attribute__((target("ssse3"))) static inline uint64_t digit_halves(__m128i d)
{
    __m128i t = _mm_maddubs_epi16(d, _mm_set1_epi16(0x010A));  /* 10 * d[2i] + d[2i+1] */
    t = _mm_madd_epi16(t, _mm_set1_epi32(0x00010064));         /* 4 digits per 32 bits */
    t = _mm_packs_epi32(t, t);                                 /* <= 9999: fits 16 bits */
    t = _mm_madd_epi16(t, _mm_set1_epi32(0x00012710));         /* 8 digits per 32 bits */
    return (uint64_t)_mm_cvtsi128_si64(t);
}

/* The number of all 16 digits from digit_halves: bytes 0-7's times 10^8 plus bytes 8-15's. */
static inline uint64_t halves_value(uint64_t h)
{
    return (h & 0xFFFFFFFFu) * 100000000u + (h >> 32);
}

/* One field p[a..a+len) as [-]digits (1-16 digits) into *out, or false. */
__attribute__((target("ssse3"))) static inline bool int_one(const char *p, int64_t p_len,
                                                            int64_t a, int64_t len,
                                                            int64_t *out)
{
    if (len < 1 || a + NUM_READ > p_len)
        return false;
    const char *s = p + a;
    int neg = s[0] == '-';
    s += neg;
    len -= neg;
    if ((uint64_t)(len - 1) > 15)
        return false;
    __m128i d = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)s),
                             _mm_set1_epi8('0'));
    unsigned live = (1u << len) - 1;
    if ((digit_mask(d) & live) != live)
        return false;
    d = _mm_shuffle_epi8(d, _mm_loadu_si128((const __m128i *)(const void *)(right + len)));
    uint64_t m = halves_value(digit_halves(d));
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return true;
}

/* Two fields p[a0..a0+l0) and p[a1..a1+l1) of 1-8 digits each (no sign), one per 8-byte half,
 * into out[0..2), or false. */
__attribute__((target("ssse3"))) static inline bool int_two(const char *p, int64_t p_len,
                                                            int64_t a0, int64_t l0, int64_t a1,
                                                            int64_t l1, int64_t *out)
{
    if ((uint64_t)(l0 - 1) > 7 || (uint64_t)(l1 - 1) > 7 || a0 + 8 > p_len || a1 + 8 > p_len)
        return false;
    __m128i x = _mm_loadl_epi64((const __m128i *)(const void *)(p + a0));
    x = _mm_castpd_si128(_mm_loadh_pd(_mm_castsi128_pd(x), (const double *)(const void *)(p + a1)));
    __m128i d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
    unsigned live = ((1u << l0) - 1) | ((1u << l1) - 1) << 8;
    if ((digit_mask(d) & live) != live)
        return false;
    /* each field's bytes to the end of its own half: right's last 8 entries (+ 8 for the
     * second half's, which reads bytes 8-15) */
    __m128i c = _mm_loadl_epi64((const __m128i *)(const void *)(right + 8 + l0));
    c = _mm_castpd_si128(
        _mm_loadh_pd(_mm_castsi128_pd(c), (const double *)(const void *)(right + 8 + l1)));
    c = _mm_add_epi8(c, _mm_set_epi64x(0x0808080808080808, 0));
    uint64_t h = digit_halves(_mm_shuffle_epi8(d, c));
    out[0] = (int64_t)(h & 0xFFFFFFFFu);
    out[1] = (int64_t)(h >> 32);
    return true;
}

/* sl_csv_ints_fn: pairs of short fields two at a time, the others one at a time. */
__attribute__((target("ssse3"))) static int64_t ints_ssse3(const char *p, int64_t p_len,
                                                           const sl_csv_bcol *c, int64_t n,
                                                           int64_t *out)
{
    const uint32_t *end = c->end;
    const int64_t stride = c->stride;
    const bool cr = c->cr;
    int64_t r = 0;
    while (r < n) {
        int64_t a0, e0, a1, e1;
        sl_csv_bfield(p, end, stride, cr, r, &a0, &e0);
        if (r + 2 <= n) {
            sl_csv_bfield(p, end, stride, cr, r + 1, &a1, &e1);
            if (int_two(p, p_len, a0, e0 - a0, a1, e1 - a1, out + r)) {
                r += 2;
                continue;
            }
        }
        if (!int_one(p, p_len, a0, e0 - a0, out + r))
            return r;
        r++;
    }
    return n;
}

/* sl_csv_decs_fn: [-]D.F, one at a time. Exact as parse_decimal16 (csv_scan.c) is: 16 bytes
 * with the dot hold at most 15 digits, so m = DF < 10^15 < 2^53 and 10^|F| <= 10^14 are both
 * exact doubles and the one division gives the correctly rounded value (the Clinger fast
 * path strtod takes too). */
__attribute__((target("ssse3"))) static int64_t decs_ssse3(const char *p, int64_t p_len,
                                                           const sl_csv_bcol *c, int64_t n,
                                                           double *out)
{
    static const double p10[15] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6, 1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14};
    const uint32_t *end = c->end;
    const int64_t stride = c->stride;
    const bool cr = c->cr;
    for (int64_t r = 0; r < n; r++) {
        int64_t a, e;
        sl_csv_bfield(p, end, stride, cr, r, &a, &e);
        int64_t len = e - a;
        if (len < 3 || a + NUM_READ > p_len)
            return r;
        const char *s = p + a;
        int neg = s[0] == '-';
        s += neg;
        len -= neg;
        if (len < 3 || len > 16)
            return r;
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
        __m128i d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
        unsigned live = (1u << len) - 1;
        unsigned dots =
            (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('.'))) & live;
        if (!dots)
            return r;
        int dp = __builtin_ctz(dots), nf = (int)len - dp - 1;
        /* every byte a digit but the first dot (a second one fails), digits on both sides */
        if (((digit_mask(d) | 1u << dp) & live) != live || dp < 1 || nf < 1)
            return r;
        d = _mm_shuffle_epi8(d, _mm_loadu_si128((const __m128i *)(const void *)(right + len)));
        d = _mm_shuffle_epi8(d, _mm_loadu_si128((const __m128i *)(const void *)undot[nf]));
        double v = (double)(int64_t)halves_value(digit_halves(d)) / p10[nf];
        out[r] = neg ? -v : v;
    }
    return n;
}

#endif /* SL_NUM_X86 */

/* SSSE3 unless name asks for an older kernel ("sse2", "scalar", "libcsv"). */
static bool use_ssse3(const char *name)
{
#ifdef SL_NUM_X86
    if (name && (strcmp(name, "sse2") == 0 || strcmp(name, "scalar") == 0 ||
                 strcmp(name, "libcsv") == 0))
        return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("ssse3");
#else
    (void)name;
    return false;
#endif
}

sl_csv_ints_fn sl_csv_ints_pick(const char *name)
{
#ifdef SL_NUM_X86
    if (use_ssse3(name))
        return ints_ssse3;
#endif
    (void)use_ssse3;
    return NULL;
}

sl_csv_decs_fn sl_csv_decs_pick(const char *name)
{
#ifdef SL_NUM_X86
    if (use_ssse3(name))
        return decs_ssse3;
#endif
    return NULL;
}
