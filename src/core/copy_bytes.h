/*
 * sl_copy_bytes: a copy of the short strings rows usually hold without a call into libc
 * (the wire format's packing and the spilled rows' codec copy one string per row). Local.
 */
#ifndef SL_COPY_BYTES_H
#define SL_COPY_BYTES_H

#include <stdint.h>
#include <string.h>

/* Copies len bytes from s to d (not overlapping): moves of 4 to 32 bytes that may overlap
 * each other but never leave [s, s+len) or [d, d+len); memcpy past 64 bytes. */
static inline void sl_copy_bytes(char *d, const char *s, int64_t len)
{
    if (len > 64) {
        memcpy(d, s, (size_t)len);
    } else if (len > 32) {
        memcpy(d, s, 32);
        memcpy(d + len - 32, s + len - 32, 32);
    } else if (len >= 16) {
        memcpy(d, s, 16);
        memcpy(d + len - 16, s + len - 16, 16);
    } else if (len >= 8) {
        memcpy(d, s, 8);
        memcpy(d + len - 8, s + len - 8, 8);
    } else if (len >= 4) {
        memcpy(d, s, 4);
        memcpy(d + len - 4, s + len - 4, 4);
    } else {
        for (int64_t j = 0; j < len; j++)
            d[j] = s[j];
    }
}

#endif
