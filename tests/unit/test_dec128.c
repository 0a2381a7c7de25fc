/*
 * Wide DECIMAL (src/batch/dec128.c) text, rounding and rescaling against oracles nobody here
 * wrote: fixed cases are DuckDB 1.5's answers (CAST text / DECIMAL to DECIMAL(p > 18, s) and
 * back to VARCHAR), then 20,000 random decimal texts parsed at a random DECIMAL(38, s) and
 * rescaled to a random DECIMAL(w, s2) here and by /usr/bin/python3's decimal module
 * (ROUND_HALF_UP is DuckDB's half away from zero).
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/dec128.h"

static char out_buf[128];

/* CAST(text AS DECIMAL(w,s))::VARCHAR, or "ERR". */
static const char *cast(const char *text, int w, int s)
{
    sl_i128 v;
    if (!sl_dec128_text_cast(text, (int64_t)strlen(text), w, s, &v))
        return "ERR";
    sl_buf b;
    sl_buf_init(&b);
    sl_format_decimal128(&b, v, sl_type_decimal(w, s));
    snprintf(out_buf, sizeof out_buf, "%s", sl_buf_cstr(&b));
    sl_buf_free(&b);
    return out_buf;
}

static void test_fixed(void)
{
    CHECK_STR(cast("12345678901234567890.5", 21, 1), "12345678901234567890.5");
    CHECK_STR(cast("123456789012345678901.25", 38, 2), "123456789012345678901.25");
    CHECK_STR(cast("0.5", 20, 20), ".50000000000000000000");
    CHECK_STR(cast("-0.05", 38, 2), "-0.05");
    CHECK_STR(cast(" 1_000.555 ", 30, 2), "1000.56");
    CHECK_STR(cast("1e20", 25, 1), "100000000000000000000.0");
    CHECK_STR(cast("123456789012345678901234567890", 20, 2), "ERR");
    CHECK_STR(cast("abc", 38, 2), "ERR");
    CHECK_STR(cast("-99999999999999999999999999999999999.999", 38, 3),
              "-99999999999999999999999999999999999.999");
    CHECK_STR(cast("99999999999999999999999999999999999999", 38, 0),
              "99999999999999999999999999999999999999");
    CHECK_STR(cast("99999999999999999999999999999999999999.5", 38, 0), "ERR");
    /* CAST(1.005::DECIMAL(38,3) AS DECIMAL(38,2)) is 1.01, -1.005 -1.01 (DuckDB) */
    sl_i128 r;
    CHECK(sl_dec128_rescale(1005, 3, 2, 38, &r) && r == 101);
    CHECK(sl_dec128_rescale(-1005, 3, 2, 20, &r) && r == -101);
    CHECK(!sl_dec128_rescale(sl_i128_pow10(37), 0, 2, 38, &r));
    /* CAST(12345678901234567890.5::DECIMAL(38,1) AS DOUBLE): DuckDB 12345678901234567000 */
    sl_i128 big;
    CHECK(sl_parse_hugeint("123456789012345678905", 21, &big));
    CHECK(sl_dec128_to_double(big, 1) == 12345678901234567168.0);
    CHECK(sl_dec128_from_double(2.5, 20, 0, &r) && r == 3);
    CHECK(!sl_dec128_from_double(1e20, 20, 2, &r));
}

static uint64_t rng = 0x2545F4914F6CDD1Du;
static uint64_t next(void) { return check_xs64(&rng); }

static void test_random(void)
{
    enum { N = 20000 };
    char in[] = "/tmp/sluice-dec128-XXXXXX";
    int fd = mkstemp(in);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    static char texts[N][64];
    static int sc[N], sc2[N], w2[N];
    for (int i = 0; i < N; i++) {
        char *t = texts[i];
        int n = 0, nd = 1 + (int)(next() % 40), point = (int)(next() % (uint64_t)(nd + 1));
        if (next() % 2)
            t[n++] = '-';
        for (int k = 0; k < nd; k++) {
            if (k == point && k > 0)
                t[n++] = '.';
            /* runs of 9s and 5s reach the limits and the ties */
            uint64_t r = next() % 10;
            t[n++] = (char)('0' + (r < 3 ? 9 : r < 5 ? 5 : (int)(next() % 10)));
        }
        if (next() % 8 == 0)
            n += snprintf(t + n, 8, "e%d", (int)(next() % 11) - 5);
        t[n] = 0;
        sc[i] = (int)(next() % 39);
        w2[i] = 19 + (int)(next() % 20);
        sc2[i] = (int)(next() % (uint64_t)(w2[i] + 1));
        fprintf(f, "%s %d %d %d\n", t, sc[i], sc2[i], w2[i]);
    }
    fclose(f);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import sys, decimal as D\n"
             "D.getcontext().prec = 200\n"
             "def q(d, s):\n"
             "    return int((d * 10 ** s).to_integral_value(rounding=D.ROUND_HALF_UP))\n"
             "def fmt(u, w, s):\n"
             "    if abs(u) >= 10 ** w: return \"ERR\"\n"
             "    m = str(abs(u))\n"
             "    if s: m = (m[:-s] if len(m) > s else (\"0\" if w > s else \"\")) + \".\" + "
             "m[-s:].rjust(s, \"0\")\n"
             "    return (\"-\" if u < 0 else \"\") + m\n"
             "for l in open(sys.argv[1]):\n"
             "    t, s, s2, w2 = l.split(); s, s2, w2 = int(s), int(s2), int(w2)\n"
             "    u = q(D.Decimal(t), s); a = fmt(u, 38, s)\n"
             "    b = \"ERR\" if a == \"ERR\" else fmt(q(D.Decimal(u).scaleb(-s), s2), w2, s2)\n"
             "    print(a + \"|\" + b)' %s", in);
    FILE *py = popen(cmd, "r");
    CHECK(py != NULL);
    char line[256];
    int n = 0, bad = 0;
    while (py && fgets(line, sizeof line, py) && n < N) {
        line[strcspn(line, "\n")] = 0;
        char got[256];
        sl_i128 v, r;
        const char *a = cast(texts[n], 38, sc[n]);
        const char *b = "ERR";
        sl_buf buf;
        sl_buf_init(&buf);
        if (sl_dec128_parse(texts[n], (int64_t)strlen(texts[n]), 38, sc[n], &v) &&
            sl_dec128_rescale(v, sc[n], sc2[n], w2[n], &r)) {
            sl_format_decimal128(&buf, r, sl_type_decimal(w2[n], sc2[n]));
            b = sl_buf_cstr(&buf);
        }
        snprintf(got, sizeof got, "%s|%s", a, b);
        sl_buf_free(&buf);
        if (strcmp(got, line) != 0 && bad++ < 10)
            fprintf(stderr, "%s at scale %d, then DECIMAL(%d,%d): sluice %s, python %s\n",
                    texts[n], sc[n], w2[n], sc2[n], got, line);
        n++;
    }
    CHECK(py && pclose(py) == 0);
    unlink(in);
    CHECK_INT(n, N);
    CHECK_INT(bad, 0);
}

int main(void)
{
    test_fixed();
    test_random();
    return CHECK_DONE();
}
