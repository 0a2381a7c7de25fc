/*
 * DOUBLE -> text against an oracle nobody here wrote: DuckDB prints a DOUBLE exactly as
 * Python's repr(float) does (checked value by value with DuckDB 1.5.6: shortest round-trip
 * digits, positional for 1e-4 <= |v| < 1e16 with ".0" on integral values, else d.ddde+XX).
 * Fixed cases from DuckDB's own output, then 200,000 doubles (random bit patterns, random
 * short decimals, integers, powers of ten, subnormals) formatted here and by /usr/bin/python3.
 */
#include "check.h"

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
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* The i-th test value: a mix of shapes that stress different digit counts and exponents. */
static double value(int i)
{
    uint64_t r = next();
    double d;
    switch (i % 6) {
    case 0: memcpy(&d, &r, sizeof d); break;                              /* any bits */
    case 1: d = (double)(int64_t)(r % 2000001) / 1000.0 - 1000.0; break;  /* short decimal */
    case 2: d = (double)(int64_t)(r >> 11); break;                        /* big integers */
    case 3: d = pow(10.0, (double)((int)(r % 640) - 320)); break;         /* powers of ten */
    case 4: d = (double)(r % 1000000) * pow(10.0, (double)((int)(r % 41) - 20)); break;
    default: r &= UINT64_C(0x800FFFFFFFFFFFFF); memcpy(&d, &r, sizeof d); break; /* subnormal */
    }
    return d;
}

int main(void)
{
    sl_buf b;
    sl_buf_init(&b);
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

    /* Differential run against Python's repr. */
    enum { N = 200000 };
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
