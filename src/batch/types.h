/*
 * SQL types and scalar values.
 *
 * Physical representation (chosen for uniformity: every fixed-width value is 8 bytes):
 *   BOOLEAN    int64  0 / 1
 *   BIGINT     int64
 *   DOUBLE     double
 *   DATE       int64  days since 1970-01-01
 *   TIMESTAMP  int64  microseconds since 1970-01-01 00:00:00 (no time zone)
 *   VARCHAR    bytes (not NUL-terminated; length kept separately)
 *   T[]        a LIST of T: its elements encoded as bytes (batch/list.h), stored as VARCHAR is
 * SL_T_NULL is the type of an untyped NULL literal; it never appears in a stored column.
 * Local.
 */
#ifndef SL_TYPES_H
#define SL_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"

typedef enum {
    SL_T_NULL = 0,
    SL_T_BOOL,
    SL_T_BIGINT,
    SL_T_DOUBLE,
    SL_T_VARCHAR,
    SL_T_DATE,
    SL_T_TIMESTAMP,
    /* LIST of one element type (batch/list.h): stored like VARCHAR, offsets into a heap that
     * holds each list's encoded elements. Nested lists are not supported. */
    SL_T_LIST_BOOL,
    SL_T_LIST_BIGINT,
    SL_T_LIST_DOUBLE,
    SL_T_LIST_VARCHAR,
    SL_T_LIST_DATE,
    SL_T_LIST_TIMESTAMP,
    SL_T_COUNT
} sl_type;

/* "BIGINT", ... (DuckDB's names). Local. */
const char *sl_type_name(sl_type t);
/* Parses a type name as DuckDB accepts it (INTEGER, INT, INT8, BIGINT, DOUBLE, FLOAT8, REAL,
 * FLOAT, VARCHAR, TEXT, STRING, BOOLEAN, BOOL, DATE, TIMESTAMP, DATETIME; case-insensitive).
 * Returns false when unknown. Local. */
bool sl_type_parse(const char *name, int64_t len, sl_type *out);
static inline bool sl_type_is_numeric(sl_type t) { return t == SL_T_BIGINT || t == SL_T_DOUBLE; }
/* A LIST type (SL_T_LIST_*). Local. */
static inline bool sl_type_is_list(sl_type t)
{
    return t >= SL_T_LIST_BOOL && t <= SL_T_LIST_TIMESTAMP;
}
/* Stored as offsets into a byte heap (VARCHAR and the LIST types), not 8 bytes a value. */
static inline bool sl_type_is_var(sl_type t) { return t == SL_T_VARCHAR || sl_type_is_list(t); }

/* A scalar. For VARCHAR, s points to bytes owned elsewhere (a literal, a batch heap). */
typedef struct sl_value {
    sl_type type;
    bool is_null;
    union {
        int64_t i;   /* BOOL, BIGINT, DATE, TIMESTAMP */
        double d;    /* DOUBLE */
        struct { const char *p; int64_t len; } s; /* VARCHAR; a LIST's encoded elements */
    } v;
} sl_value;

/*
 * Text -> value parsers, shared by the CSV reader and CAST. Each returns true and sets *out
 * when the whole text [p, p+len) is a valid literal of the type (surrounding spaces are NOT
 * accepted, except where noted). Local.
 */
bool sl_parse_bool(const char *p, int64_t len, int64_t *out);      /* true/false, case-insens. */
bool sl_parse_bigint(const char *p, int64_t len, int64_t *out);    /* [+-]digits, no overflow */
bool sl_parse_double(const char *p, int64_t len, double *out);     /* strtod syntax, inf, nan */
bool sl_parse_date(const char *p, int64_t len, int64_t *days);     /* YYYY-MM-DD */
/* YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]] ; a bare date means midnight. */
bool sl_parse_timestamp(const char *p, int64_t len, int64_t *micros);

/* Calendar helpers (proleptic Gregorian). Local. */
int64_t sl_days_from_civil(int64_t y, int m, int d);
void sl_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/*
 * Value -> text, as DuckDB prints it: BOOLEAN true/false, DOUBLE shortest round-trip form
 * (1.5, 0.1, 1e+20 style as %.17g would shorten it), DATE 2024-01-31, TIMESTAMP
 * 2024-01-31 12:00:00[.123456]. NULL appends nothing (callers decide how NULL looks).
 * Appends to out. Local.
 */
void sl_format_bool(sl_buf *out, int64_t v);
void sl_format_bigint(sl_buf *out, int64_t v);
void sl_format_double(sl_buf *out, double v);
void sl_format_date(sl_buf *out, int64_t days);
void sl_format_timestamp(sl_buf *out, int64_t micros);
void sl_format_value(sl_buf *out, const sl_value *v);

#endif
