/*
 * Byte sizes as users write them: "64MB", "64 MiB", "1KB", "97B", "4096", "1.5GB".
 * KB/MB/GB/TB are powers of 1000 and KiB/MiB/GiB/TiB powers of 1024, as DuckDB reads them.
 * Local.
 */
#ifndef SL_SIZE_H
#define SL_SIZE_H

#include <stdbool.h>
#include <stdint.h>

/* Parses s; returns false (and leaves *out) when it is not a size >= 0. Local. */
bool sl_parse_size(const char *s, int64_t *out);
/* Formats bytes as "1.5 MB" style text into buf (n bytes). Returns buf. Local. */
char *sl_format_size(int64_t bytes, char *buf, int n);

#endif
