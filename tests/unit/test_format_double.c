/*
 * DOUBLE (and BIGINT, against printf) -> text against an oracle nobody here wrote: DuckDB prints a DOUBLE exactly as
 * Python's repr(float) does (checked value by value with DuckDB 1.5.6: shortest round-trip
 * digits, positional for 1e-4 <= |v| < 1e16 with ".0" on integral values, else d.ddde+XX).
 * Fixed cases from DuckDB's own output, then 600,000 doubles (the 20,000 smallest
 * subnormals, every power of two and its neighbours, then random bit patterns, random short
 * decimals, integers, powers of ten and two and their neighbours, subnormals, sums of short
 * decimals) formatted here and by /usr/bin/python3. SLUICE_FMT_N=N runs N values
 * instead (`make fuzz-double`: 5e7) and SLUICE_FMT_SEED picks another random sequence.
 */
#include "check.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "batch/types.h"
#include "core/buf.h"

static const char *fmt(sl_buf *b, double d)
{
    sl_buf_reset(b);
    sl_format_double(b, d);
    return sl_buf_cstr(b);
}

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t next(void) { return check_xs64(&rng); }

/* The i-th test value: a mix of shapes that stress different digit counts and exponents. */
static double value(int i)
{
    uint64_t r = next();
    double d;
    if (i < 20000) { /* the smallest subnormals, every one: few digits, wide intervals */
        r = (uint64_t)i + 1;
        memcpy(&d, &r, sizeof d);
        return d;
    }
    if (i < 20000 + 3 * 2046) { /* every power of two and both its neighbours */
        int j = i - 20000;
        r = ((uint64_t)(j / 3 + 1) << 52) + (uint64_t)(j % 3) - 1;
        memcpy(&d, &r, sizeof d);
        return d;
    }
    switch (i % 10) {
    case 0: memcpy(&d, &r, sizeof d); break;                              /* any bits */
    case 1: d = (double)(int64_t)(r % 2000001) / 1000.0 - 1000.0; break;  /* short decimal */
    case 2: d = (double)(int64_t)(r >> 11); break;                        /* big integers */
    case 3: d = pow(10.0, (double)((int)(r % 640) - 320)); break;         /* powers of ten */
    case 4: d = (double)(r % 1000000) * pow(10.0, (double)((int)(r % 41) - 20)); break;
    case 5: r &= UINT64_C(0x800FFFFFFFFFFFFF); memcpy(&d, &r, sizeof d); break; /* subnormal */
    case 6: /* a power of two (the interval is narrower below) or one ulp beside it */
        r = ((r % 2046 + 1) << 52) + (uint64_t)((int)(r >> 60) % 3 - 1);
        memcpy(&d, &r, sizeof d);
        break;
    case 7: /* the double next to a power of ten */
        d = pow(10.0, (double)((int)(r % 600) - 300));
        d = (r >> 40) & 1 ? nextafter(d, INFINITY) : nextafter(d, 0);
        break;
    case 8: /* a sum of short decimals, like sum(v3) of db-benchmark: 16-17 digits */
        d = 0;
        for (int k = 0; k < 1 + (int)(r % 5); k++)
            d += (double)(int64_t)(next() % 100000000) / 1e6;
        break;
    default: /* few significant digits at any exponent */
        d = (double)(r % 1000) * pow(10.0, (double)((int)(r >> 20) % 600 - 300));
        break;
    }
    return d;
}

/* BIGINT -> text (sl_format_bigint writes its digits by hand) against glibc's printf. */
static void check_bigint(sl_buf *b)
{
    int64_t fixed[] = {0, 1, -1, 9, 10, 99, 100, -100, 999, 1000, 123456789, INT64_MAX,
                       INT64_MIN, INT64_MIN + 1, 1000000000000000000};
    char want[32];
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        int64_t v = i < (int)(sizeof fixed / sizeof fixed[0]) ? fixed[i] : (int64_t)next();
        if (i % 3 == 1)
            v >>= next() % 64; /* every length */
        snprintf(want, sizeof want, "%" PRId64, v);
        sl_buf_reset(b);
        sl_format_bigint(b, v);
        if (strcmp(sl_buf_cstr(b), want) != 0 && bad++ < 10)
            fprintf(stderr, "bigint %s: sluice %s\n", want, sl_buf_cstr(b));
    }
    CHECK_INT(bad, 0);
}

int main(void)
{
    sl_buf b;
    sl_buf_init(&b);
    check_bigint(&b);
    /* DuckDB 1.5.6: SELECT x::DOUBLE::VARCHAR, and its CSV writer, print these. */
    CHECK_STR(fmt(&b, 170.0), "170.0");
    CHECK_STR(fmt(&b, 90.0), "90.0");
    CHECK_STR(fmt(&b, 1000.0), "1000.0");
    CHECK_STR(fmt(&b, 1e7), "10000000.0");
    CHECK_STR(fmt(&b, 1e15), "1000000000000000.0");
    CHECK_STR(fmt(&b, 1e16), "1e+16");
    CHECK_STR(fmt(&b, 1e20), "1e+20");
    CHECK_STR(fmt(&b, 123456789012345678.0), "1.2345678901234568e+17");
    CHECK_STR(fmt(&b, 9007199254740993.0), "9007199254740992.0");
    CHECK_STR(fmt(&b, 1e-4), "0.0001");
    CHECK_STR(fmt(&b, 1e-5), "1e-05");
    CHECK_STR(fmt(&b, 123e-7), "1.23e-05");
    CHECK_STR(fmt(&b, 1.5e-7), "1.5e-07");
    CHECK_STR(fmt(&b, 2.5e-320), "2.5e-320");
    CHECK_STR(fmt(&b, 5e-324), "5e-324");
    CHECK_STR(fmt(&b, 1.7976931348623157e308), "1.7976931348623157e+308");
    CHECK_STR(fmt(&b, 0.1), "0.1");
    CHECK_STR(fmt(&b, 0.3), "0.3");
    CHECK_STR(fmt(&b, 1.0 / 3.0), "0.3333333333333333");
    CHECK_STR(fmt(&b, 12345678.9), "12345678.9");
    CHECK_STR(fmt(&b, 100.5), "100.5");
    CHECK_STR(fmt(&b, -2.5), "-2.5");
    CHECK_STR(fmt(&b, 0.0), "0.0");
    CHECK_STR(fmt(&b, -0.0), "-0.0");
    CHECK_STR(fmt(&b, NAN), "nan");
    CHECK_STR(fmt(&b, -(double)NAN), "-nan"); /* DuckDB prints the sign of a NaN */
    CHECK_STR(fmt(&b, INFINITY), "inf");
    CHECK_STR(fmt(&b, -INFINITY), "-inf");

    /* Edges of the range and of the subnormals (hand-checked with Python's repr). */
    CHECK_STR(fmt(&b, 1e-323), "1e-323");
    CHECK_STR(fmt(&b, 1.5e-323), "1.5e-323");
    CHECK_STR(fmt(&b, 2.2250738585072014e-308), "2.2250738585072014e-308");
    CHECK_STR(fmt(&b, 2.225073858507201e-308), "2.225073858507201e-308");
    CHECK_STR(fmt(&b, 9007199254740991.0), "9007199254740991.0");
    CHECK_STR(fmt(&b, 5e-324 * 3), "1.5e-323");
    CHECK_STR(fmt(&b, 1.0e23), "1e+23");
    CHECK_STR(fmt(&b, 8.41e21), "8.41e+21");
    CHECK_STR(fmt(&b, 5.0e-310), "5e-310");
    CHECK_STR(fmt(&b, 12 * 5e-324), "6e-323");
    CHECK_STR(fmt(&b, 25 * 5e-324), "1.24e-322");
    CHECK_STR(fmt(&b, 2.0 * 1.0e-4), "0.0002");
    CHECK_STR(fmt(&b, 123.456), "123.456");

    /* Differential run against Python's repr. */
    int N = 600000;
    const char *en = getenv("SLUICE_FMT_N"), *es = getenv("SLUICE_FMT_SEED");
    if (en && atol(en) > 0)
        N = (int)atol(en);
    if (es && strtoull(es, NULL, 10))
        rng = strtoull(es, NULL, 10);
    char in[] = "/tmp/sluice-fmt-in-XXXXXX";
    int fd = mkstemp(in);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    double *vals = malloc(sizeof *vals * N);
    for (int i = 0; i < N; i++) {
        vals[i] = value(i);
        uint64_t bits;
        memcpy(&bits, &vals[i], sizeof bits);
        fprintf(f, "%016llx\n", (unsigned long long)bits);
    }
    fclose(f);
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import struct,sys\n"
             "for l in open(sys.argv[1]): "
             "print(repr(struct.unpack(\"<d\", bytes.fromhex(l.strip())[::-1])[0]))' %s", in);
    FILE *py = popen(cmd, "r");
    CHECK(py != NULL);
    char line[64];
    int n = 0, bad = 0;
    while (py && fgets(line, sizeof line, py) && n < N) {
        line[strcspn(line, "\n")] = 0;
        const char *got = fmt(&b, vals[n]);
        if (isnan(vals[n]) && signbit(vals[n]))
            strcpy(line, "-nan"); /* repr drops a NaN's sign, DuckDB prints it */
        if (strcmp(got, line) != 0 && bad++ < 10)
            fprintf(stderr, "value %d (%a): sluice %s, python %s\n", n, vals[n], got, line);
        n++;
    }
    CHECK(py && pclose(py) == 0);
    unlink(in);
    CHECK_INT(n, N);
    CHECK_INT(bad, 0);
    free(vals);
    sl_buf_free(&b);
    return CHECK_DONE();
}
