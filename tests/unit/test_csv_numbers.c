/*
 * The block scan's number kernels (src/io/csv_numbers.c) against libc: every field a kernel
 * converts must be strtoll's or strtod's value (doubles bit for bit: -0.0, rounding), and a
 * kernel must stop exactly at the first field not of its shape, which this file decides with
 * its own plain rules: ints [-]digits with 1-16 digits; decs [-]D.F with digits on both sides
 * and at most 16 bytes after the sign. Fields are edge cases and
 * random strings over digits, signs, dots, 'e' and blanks, alone (each followed by digits the
 * kernel must not read as its own), as one column of blocks of records the way the block scan
 * hands them over (field ends at a stride, '\r\n' line ends), and at the end of a buffer
 * followed by an unmapped page (a read past the bytes a kernel may read faults). Skipped
 * where the CPU has no SSSE3 (no kernel: csv_scan.c's scalar loops convert).
 */
#include "check.h"

#include "io/io_int.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t next(void) { return check_xs64(&rng); }

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool int_shape(const char *s, size_t n)
{
    size_t neg = n > 0 && s[0] == '-';
    return n - neg >= 1 && n - neg <= 16 && all_digits(s + neg, n - neg);
}

static bool dec_shape(const char *s, size_t n)
{
    size_t neg = n > 0 && s[0] == '-';
    s += neg;
    n -= neg;
    const char *dot = memchr(s, '.', n);
    if (n > 16 || !dot)
        return false;
    size_t ip = (size_t)(dot - s), fp = n - ip - 1;
    return ip >= 1 && fp >= 1 && all_digits(s, ip) && all_digits(dot + 1, fp);
}

static const char *edges[] = {
    "0", "-0", "7", "42", "1234", "12345", "12345678", "123456789", "00000001", "-00",
    "9999999999999999", "-9999999999999999", "99999999999999999", "1234567890123456",
    "", "-", "--1", "+1", "1-", " 1", "1 ", "1e5", "0x1F", "1_000", "12a4",
    "1.5", "-1.5", "0.0", "-0.0", "91.730208", "0.1", "3.14159265358979", ".5", "5.",
    "-.5", "+1.5", "1.2.3", "1.5e3", " 1.5", "1.5 ", "1..5", "-1.", "9.9999999999999",
    "90071992547409.92", "90071992547409.93", "900719925474099.3", "1.000000000000001",
    "99999999.99999999", "0.000000000000001", "123456789012345.6", "1.",
};

/* A random field: mostly digits with a sign and a dot now and then, sometimes junk. */
static size_t random_field(char *s)
{
    static const char junk[] = "0123456789-.+e ";
    size_t n = next() % 19;
    for (size_t i = 0; i < n; i++)
        s[i] = (char)('0' + next() % 10);
    if (n > 1 && next() % 2)
        s[next() % n] = '.';
    if (n > 0 && next() % 8 == 0)
        s[0] = '-';
    if (n > 0 && next() % 16 == 0)
        s[next() % n] = junk[next() % (sizeof junk - 1)];
    s[n] = 0;
    return n;
}

/* The kernels' values for the first k fields of c: strtoll's and strtod's. */
static void check_values(const char *p, const sl_csv_bcol *c, int64_t k, const int64_t *iv,
                         const double *dv, bool dec)
{
    for (int64_t r = 0; r < k; r++) {
        char s[32];
        int64_t a, e;
        sl_csv_bfield(p, c->end, c->stride, c->cr, r, &a, &e);
        memcpy(s, p + a, (size_t)(e - a));
        s[e - a] = 0;
        if (dec) {
            double want = strtod(s, NULL);
            if (memcmp(&want, &dv[r], sizeof want) != 0) {
                fprintf(stderr, "decs \"%s\": %.17g, strtod %.17g\n", s, dv[r], want);
                CHECK(0);
            }
        } else if (iv[r] != strtoll(s, NULL, 10)) {
            fprintf(stderr, "ints \"%s\": %lld\n", s, (long long)iv[r]);
            CHECK(0);
        }
    }
}

/* n bytes that end where an unmapped page begins: a read past them faults. */
static char *guarded(size_t n)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || n > pg || mprotect(m + pg, pg, PROT_NONE) != 0)
        abort();
    return m + pg - n;
}

static void unguard(char *p, size_t n)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    munmap(p + n - pg, 2 * pg);
}

/* Each field alone, followed by digits a kernel must not take as its own. */
static void test_alone(sl_csv_ints_fn ints, sl_csv_decs_fn decs, const char *s)
{
    size_t n = strlen(s);
    char buf[64];
    memcpy(buf, s, n);
    memset(buf + n, '7', sizeof buf - n);
    uint32_t pos[2] = {UINT32_MAX, (uint32_t)n}; /* the field is [0, n) */
    sl_csv_bcol c = {pos + 1, 1, false};
    int64_t iv[1] = {-1};
    double dv[1] = {-1};
    int64_t ki = ints(buf, (int64_t)sizeof buf, &c, 1, iv);
    int64_t kd = decs(buf, (int64_t)sizeof buf, &c, 1, dv);
    if (ki != int_shape(s, n) || kd != dec_shape(s, n))
        fprintf(stderr, "\"%s\": ints took %lld, decs %lld\n", s, (long long)ki,
                (long long)kd);
    CHECK_INT(ki, int_shape(s, n));
    CHECK_INT(kd, dec_shape(s, n));
    check_values(buf, &c, ki, iv, dv, false);
    check_values(buf, &c, kd, iv, dv, true);
}

/* One field of the tested shape (now and then any random field) into s; returns its length. */
static size_t shaped_field(char *s, bool dec)
{
    if (next() % 8 == 0)
        return random_field(s);
    if (dec) {
        int ip = 1 + (int)(next() % 3), fp = 1 + (int)(next() % 7);
        return (size_t)snprintf(s, 24, "%s%0*llu.%0*llu", next() % 16 ? "" : "-", ip,
                                (unsigned long long)(next() % 1000), fp,
                                (unsigned long long)(next() % 10000000));
    }
    return (size_t)snprintf(s, 24, "%s%llu", next() % 16 ? "" : "-",
                            (unsigned long long)(next() >> (next() % 64)));
}

/* Blocks of records "x,y,...\n" (1-4 fields; with '\r\n' ends when the tested column is the
 * last and cr is on) in an exactly-sized buffer, as the block scan hands them over: the
 * field ends of every record in one array, the tested column read at its stride. The kernel
 * takes the column's leading fields of its shape, stopping at the first other one, or
 * earlier only at a field with fewer than 17 readable bytes (which it may also convert,
 * paired). */
static void test_runs(sl_csv_ints_fn ints, sl_csv_decs_fn decs, bool dec)
{
    enum { N = 64, W = 4 };
    for (int round = 0; round < 4000; round++) {
        char text[N * W * 26];
        uint32_t pos[N * W + 1];
        int64_t fa[N], fe[N], at = 0;
        int n = 1 + (int)(next() % N), stride = 1 + (int)(next() % W);
        int col = (int)(next() % (uint64_t)stride);
        bool cr = col == stride - 1 && next() % 2;
        pos[0] = UINT32_MAX;
        for (int r = 0; r < n; r++)
            for (int c = 0; c < stride; c++) {
                char s[24];
                size_t len = c == col ? shaped_field(s, dec) : random_field(s);
                memcpy(text + at, s, len);
                if (c == col) {
                    fa[r] = at;
                    fe[r] = at + (int64_t)len;
                }
                at += (int64_t)len;
                if (c == stride - 1 && cr)
                    text[at++] = '\r';
                pos[1 + r * stride + c] = (uint32_t)at;
                text[at++] = c == stride - 1 ? '\n' : ',';
            }
        int64_t p_len = at;
        char *p = guarded((size_t)p_len);
        memcpy(p, text, (size_t)p_len);
        int64_t want = 0, safe = 0;
        bool (*shape)(const char *, size_t) = dec ? dec_shape : int_shape;
        while (want < n && shape(p + fa[want], (size_t)(fe[want] - fa[want])))
            want++;
        while (safe < want && fa[safe] + 17 <= p_len)
            safe++;
        sl_csv_bcol bc = {pos + 1 + col, stride, cr};
        int64_t iv[N];
        double dv[N];
        int64_t k = dec ? decs(p, p_len, &bc, n, dv) : ints(p, p_len, &bc, n, iv);
        if (!(k >= safe && k <= want))
            fprintf(stderr, "%s run of %d: took %lld, want %lld (all readable up to %lld)\n",
                    dec ? "decs" : "ints", n, (long long)k, (long long)want, (long long)safe);
        CHECK(k >= safe && k <= want);
        check_values(p, &bc, k, iv, dv, dec);
        for (int64_t r = 0; r < n; r++) { /* the bounds the kernels read: the written ones */
            int64_t a, e;
            sl_csv_bfield(p, bc.end, bc.stride, bc.cr, r, &a, &e);
            CHECK(a == fa[r] && e == fe[r]);
        }
        unguard(p, (size_t)p_len);
    }
}

/* A field at the start of the last 16 and of the last 17 bytes before an unmapped page
 * (the rest '7's): with 16 readable bytes a kernel takes nothing (a sign and 16 digits do
 * not fit: it must not read them), with 17 it takes the field if it has the shape. */
static void test_end(sl_csv_ints_fn ints, sl_csv_decs_fn decs, const char *s)
{
    size_t n = strlen(s);
    if (n > 16)
        return;
    for (int64_t room = 16; room <= 17; room++) {
        char *p = guarded((size_t)room);
        memcpy(p, s, n);
        memset(p + n, '7', (size_t)room - n);
        uint32_t pos[2] = {UINT32_MAX, (uint32_t)n};
        sl_csv_bcol c = {pos + 1, 1, false};
        int64_t iv[1];
        double dv[1];
        int64_t ki = ints(p, room, &c, 1, iv), kd = decs(p, room, &c, 1, dv);
        CHECK_INT(ki, room == 17 && int_shape(s, n));
        CHECK_INT(kd, room == 17 && dec_shape(s, n));
        check_values(p, &c, ki, iv, dv, false);
        check_values(p, &c, kd, iv, dv, true);
        unguard(p, (size_t)room);
    }
}

int main(void)
{
    sl_csv_ints_fn ints = sl_csv_ints_pick(NULL);
    sl_csv_decs_fn decs = sl_csv_decs_pick(NULL);
    CHECK(sl_csv_ints_pick("scalar") == NULL && sl_csv_decs_pick("sse2") == NULL);
    if (!ints || !decs) {
        printf("test_csv_numbers: no SSSE3 kernels on this CPU, skipped\n");
        return CHECK_DONE();
    }
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        test_alone(ints, decs, edges[i]);
        test_end(ints, decs, edges[i]);
    }
    for (int i = 0; i < 200000; i++) {
        char s[24];
        random_field(s);
        test_alone(ints, decs, s);
    }
    test_runs(ints, decs, false);
    test_runs(ints, decs, true);
    return CHECK_DONE();
}
