/*
 * Shortest round-trip digits of a double (Schubfach; see dtoa.c). Local.
 */
#ifndef SL_BATCH_DTOA_H
#define SL_BATCH_DTOA_H

#include <stdbool.h>
#include <stdint.h>

/* For finite v > 0: writes the fewest decimal digits that read back as v (round half even),
 * the closest to v of that length (ties to even), to dig (no dot, no trailing zeros,
 * NUL-terminated; 1-17 digits) and its decimal exponent to *exp10 (v ~ d.ddd x 10^exp10);
 * returns the number of digits. Python's repr and DuckDB print these digits. Local. */
int sl_dtoa_shortest(double v, char dig[18], int *exp10);

#endif
