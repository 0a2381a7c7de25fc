/*
 * Frame-of-reference packing; see narrow.h. Local.
 */
#include "spill/narrow.h"

#include <string.h>

/* The narrowest width (1, 2, 4 or 8 bytes) that holds every x[i] - *base as an unsigned
 * number, for n values; *base is the least x[i] (as signed), or 0 when zero_base. */
int sl_narrow_width(const int64_t *x, int64_t n, bool zero_base, int64_t *base)
{
    *base = 0;
    if (n < 1)
        return 1;
    int64_t lo = x[0], hi = x[0];
    for (int64_t i = 1; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    if (zero_base)
        lo = 0;
    *base = lo;
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    return span <= UINT8_MAX ? 1 : span <= UINT16_MAX ? 2 : span <= UINT32_MAX ? 4 : 8;
}

/* One loop per width (no per-value dispatch): T is the stored unsigned type. */
#define PACK_LOOP(T)                                                                    \
    for (int64_t i = 0; i < n; i++) {                                                   \
        T h = (T)((uint64_t)x[i] - b);                                                  \
        memcpy(out + sizeof(T) * (size_t)i, &h, sizeof(T));                             \
    }
#define UNPACK_LOOP(T)                                                                  \
    do {                                                                                \
        T h;                                                                            \
        if (prefix)                                                                     \
            for (int64_t i = 0; i < n; i++) {                                           \
                memcpy(&h, in + sizeof(T) * (size_t)i, sizeof(T));                      \
                acc += h;                                                               \
                x[i + 1] = (int64_t)acc;                                                \
            }                                                                           \
        else                                                                            \
            for (int64_t i = 0; i < n; i++) {                                           \
                memcpy(&h, in + sizeof(T) * (size_t)i, sizeof(T));                      \
                x[i] = (int64_t)((uint64_t)h + acc);                                    \
            }                                                                           \
    } while (0)

void sl_narrow_pack(unsigned char *out, const int64_t *x, int64_t n, int64_t base, int w)
{
    uint64_t b = (uint64_t)base;
    if (w == 1)
        PACK_LOOP(uint8_t)
    else if (w == 2)
        PACK_LOOP(uint16_t)
    else if (w == 4)
        PACK_LOOP(uint32_t)
    else
        PACK_LOOP(uint64_t)
}

void sl_narrow_unpack(int64_t *x, int64_t n, int64_t base, int w, bool prefix)
{
    const unsigned char *in = (const unsigned char *)x + (n + prefix) * 8 - n * w;
    uint64_t acc = (uint64_t)base;
    if (prefix)
        x[0] = base;
    if (w == 1)
        UNPACK_LOOP(uint8_t);
    else if (w == 2)
        UNPACK_LOOP(uint16_t);
    else if (w == 4)
        UNPACK_LOOP(uint32_t);
    else
        UNPACK_LOOP(uint64_t);
}

