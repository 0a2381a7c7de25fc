/*
 * A tiny unit-test harness: CHECK macros print both values and file:line on failure and
 * count; main() ends with CHECK_DONE(), which prints "N passed, M failed" and returns the
 * exit status.
 */
#ifndef SL_CHECK_H
#define SL_CHECK_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) check_passed++;                                                     \
        else { check_failed++;                                                        \
               fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
    } while (0)

#define CHECK_INT(a, b)                                                               \
    do {                                                                              \
        long long va_ = (long long)(a), vb_ = (long long)(b);                         \
        if (va_ == vb_) check_passed++;                                               \
        else { check_failed++;                                                        \
               fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__,    \
                       __LINE__, #a, #b, va_, vb_); }                                 \
    } while (0)

#define CHECK_DBL(a, b, tol)                                                          \
    do {                                                                              \
        double va_ = (a), vb_ = (b);                                                  \
        if (va_ - vb_ <= (tol) && vb_ - va_ <= (tol)) check_passed++;                 \
        else { check_failed++;                                                        \
               fprintf(stderr, "%s:%d: %s ~= %s failed: %.17g != %.17g\n", __FILE__,  \
                       __LINE__, #a, #b, va_, vb_); }                                 \
    } while (0)

#define CHECK_STR(a, b)                                                               \
    do {                                                                              \
        const char *va_ = (a), *vb_ = (b);                                            \
        if (va_ && vb_ && strcmp(va_, vb_) == 0) check_passed++;                      \
        else { check_failed++;                                                        \
               fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, \
                       __LINE__, #a, #b, va_ ? va_ : "(null)", vb_ ? vb_ : "(null)"); } \
    } while (0)

/* xorshift64: the same pseudo-random cases on every machine (rand()'s sequence is libc's). */
static inline uint64_t check_xs64(uint64_t *st)
{
    *st ^= *st << 13;
    *st ^= *st >> 7;
    *st ^= *st << 17;
    return *st;
}

#define CHECK_DONE()                                                                  \
    (printf("%s: %d passed, %d failed\n", __FILE__, check_passed, check_failed),      \
     check_failed ? 1 : 0)

#endif
