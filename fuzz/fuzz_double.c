/*
 * libFuzzer target: DOUBLE text (src/batch/parse_double.c). The input is the text itself.
 * sl_parse_double must accept it exactly where glibc's strtod (correctly rounded: the oracle)
 * reads all of it, minus what sluice refuses on purpose (a leading blank, hex floats), and
 * give strtod's double bit for bit. Its Clinger and Eisel-Lemire paths decide most texts
 * without strtod, so a wrong digit count, exponent, rounding or tie there shows up here; ASan
 * and UBSan watch the word reads. Local.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 200)
        return 0;
    /* An exact-size copy, so ASan sees any read past the text. */
    char *p = malloc(size ? size : 1);
    memcpy(p, data, size);
    double got = 0;
    bool ok = sl_parse_double(p, (int64_t)size, &got);
    bool want_ok = size > 0 && p[0] != ' ' && p[0] != '\t' &&
                   !memchr(p, 'x', size) && !memchr(p, 'X', size);
    double want = 0;
    if (want_ok) {
        char tmp[256], *end;
        memcpy(tmp, p, size);
        tmp[size] = 0;
        want = strtod(tmp, &end);
        want_ok = end == tmp + size;
    }
    if (ok != want_ok || (ok && memcmp(&got, &want, sizeof got) != 0)) {
        fprintf(stderr, "sl_parse_double(\"%.*s\") = %d %.17g, strtod: %d %.17g\n", (int)size,
                p, ok, got, want_ok, want);
        abort();
    }
    free(p);
    return 0;
}
