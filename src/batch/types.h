/*
 * SQL types and scalar values.
 *
 * Physical representation (chosen for uniformity: every fixed-width value is 8 bytes):
 *   BOOLEAN    int64  0 / 1
 *   BIGINT     int64
 *   DOUBLE     double
 *   DATE       int64  days since 1970-01-01
 *   TIMESTAMP  int64  microseconds since 1970-01-01 00:00:00 (no time zone)
 *   TIMESTAMPTZ int64 microseconds since 1970-01-01 00:00:00 UTC (an instant; TIMESTAMP's order)
 *   VARCHAR    bytes (not NUL-terminated; length kept separately)
 *   DECIMAL    int64  the unscaled value (12.34 in DECIMAL(p,2) is 1234); see below; wider
 *              than 18 digits 16 bytes as HUGEINT (batch/dec128.h)
 *   INTERVAL   16 bytes (int32 months, int32 days, int64 micros), stored as VARCHAR is
 *   HUGEINT    16 bytes in a byte column (like VARCHAR): batch/int128.h's encoding
 *   T[]        a LIST of T: its elements encoded as bytes (batch/list.h), stored as VARCHAR is
 *   STRUCT     its fields encoded as a list's elements are (batch/nested.h), stored as VARCHAR is
 * SL_T_NULL is the type of an untyped NULL literal; it never appears in a stored column.
 * Local.
 */
#ifndef SL_TYPES_H
#define SL_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

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
     * holds each list's encoded elements. These six keep their own values (every rank, plan
     * and test that names them); a list of any other element type is an SL_T_LIST composite
     * (below), and sl_list_type picks the one canonical value of each. */
    SL_T_LIST_BOOL,
    SL_T_LIST_BIGINT,
    SL_T_LIST_DOUBLE,
    SL_T_LIST_VARCHAR,
    SL_T_LIST_DATE,
    SL_T_LIST_TIMESTAMP,
    SL_T_DECIMAL,   /* base tag only: a DECIMAL column's type is sl_type_decimal(p, s) */
    SL_T_TINYINT,   /* TINYINT, SMALLINT, INTEGER: int64 values kept in their DuckDB ranges */
    SL_T_SMALLINT,
    SL_T_INTEGER,
    /* INTERVAL (batch/interval.c): 16 bytes a value (sl_interval_put), stored like VARCHAR */
    SL_T_INTERVAL,
    SL_T_UTINYINT,  /* UTINYINT, USMALLINT, UINTEGER: int64 values kept in their DuckDB ranges */
    SL_T_USMALLINT,
    SL_T_UINTEGER,
    SL_T_HUGEINT,   /* 128-bit integer stored as 16 order-preserving bytes (batch/int128.h) */
    SL_T_UBIGINT,   /* unsigned 64-bit, stored as HUGEINT is (batch/int128.h says why) */
    SL_T_UHUGEINT,  /* unsigned 128-bit, 16 big-endian bytes (batch/int128.h) */
    SL_T_LIST,      /* base tag only: a composite LIST type, sl_type_composite (batch/nested.h) */
    SL_T_STRUCT,    /* base tag only: a composite STRUCT type (batch/nested.h) */
    /* TIMESTAMP WITH TIME ZONE: an instant, int64 microseconds since 1970-01-01 00:00:00 UTC
     * (TIMESTAMP's storage and order); shown in the session time zone, always UTC here */
    SL_T_TIMESTAMPTZ,
    SL_T_COUNT
} sl_type;

/* UTINYINT, USMALLINT or UINTEGER. */
static inline bool sl_type_is_uint(sl_type t)
{
    return t == SL_T_UTINYINT || t == SL_T_USMALLINT || t == SL_T_UINTEGER;
}
/* An integer type: TINYINT, SMALLINT, INTEGER, BIGINT or an unsigned one (all stored as int64;
 * the type decides the range that casts and arithmetic check). */
static inline bool sl_type_is_int(sl_type t)
{
    return t == SL_T_BIGINT || t == SL_T_TINYINT || t == SL_T_SMALLINT || t == SL_T_INTEGER ||
           sl_type_is_uint(t);
}
/* The range of an integer type (INT64's for BIGINT). Local. */
static inline void sl_int_range(sl_type t, int64_t *lo, int64_t *hi)
{
    switch (t) {
    case SL_T_TINYINT: *lo = INT8_MIN; *hi = INT8_MAX; break;
    case SL_T_SMALLINT: *lo = INT16_MIN; *hi = INT16_MAX; break;
    case SL_T_INTEGER: *lo = INT32_MIN; *hi = INT32_MAX; break;
    case SL_T_UTINYINT: *lo = 0; *hi = UINT8_MAX; break;
    case SL_T_USMALLINT: *lo = 0; *hi = UINT16_MAX; break;
    case SL_T_UINTEGER: *lo = 0; *hi = UINT32_MAX; break;
    default: *lo = INT64_MIN; *hi = INT64_MAX; break;
    }
}
/* 0 TINYINT / UTINYINT, 1 SMALLINT / USMALLINT, 2 INTEGER / UINTEGER, 3 BIGINT. */
static inline int sl_int_rank(sl_type t)
{
    return t == SL_T_TINYINT || t == SL_T_UTINYINT ? 0 : t == SL_T_SMALLINT ||
           t == SL_T_USMALLINT ? 1 : t == SL_T_INTEGER || t == SL_T_UINTEGER ? 2 : 3;
}
/* The type two integer types meet in, as DuckDB picks it: of one signedness the wider; an
 * unsigned with a wider signed type, the signed; else, for + - * // % (arith), BIGINT
 * (UTINYINT + TINYINT is BIGINT there), and otherwise (comparisons, CASE, COALESCE, UNION) the
 * signed type twice the unsigned's width (UTINYINT with TINYINT is SMALLINT). Local. */
static inline sl_type sl_int_common(sl_type a, sl_type b, bool arith)
{
    if (sl_type_is_uint(a) == sl_type_is_uint(b))
        return sl_int_rank(a) >= sl_int_rank(b) ? a : b;
    sl_type u = sl_type_is_uint(a) ? a : b, s = sl_type_is_uint(a) ? b : a;
    if (sl_int_rank(s) > sl_int_rank(u))
        return s;
    if (arith)
        return SL_T_BIGINT;
    return u == SL_T_UTINYINT ? SL_T_SMALLINT : u == SL_T_USMALLINT ? SL_T_INTEGER : SL_T_BIGINT;
}

/*
 * DECIMAL(p,s): the width p (1..38) and scale s (0..p) live in the type value itself,
 * SL_T_DECIMAL | p << 8 | s << 16, so they travel wherever a type does (schemas, plans, the
 * wire format, spill files) without a side table. Values of widths up to 18 are int64
 * unscaled integers; wider ones (sl_dec_is_wide) 128-bit unscaled integers stored as HUGEINT
 * is (batch/dec128.h), as DuckDB holds them. Test with sl_type_is_decimal, never with ==;
 * sl_type_base gives SL_T_DECIMAL for any of them.
 */
#define SL_DEC_MAX_WIDTH 38
static inline sl_type sl_type_base(sl_type t) { return (sl_type)((unsigned)t & 0xffu); }
static inline bool sl_type_is_decimal(sl_type t) { return sl_type_base(t) == SL_T_DECIMAL; }
static inline int sl_dec_width(sl_type t) { return (int)(((unsigned)t >> 8) & 0xffu); }
static inline int sl_dec_scale(sl_type t) { return (int)(((unsigned)t >> 16) & 0xffu); }
static inline sl_type sl_type_decimal(int width, int scale)
{
    return (sl_type)((unsigned)SL_T_DECIMAL | (unsigned)width << 8 | (unsigned)scale << 16);
}

/*
 * Composite types (LIST of anything but the six above, STRUCT): SL_T_LIST or SL_T_STRUCT in
 * the low 8 bits and a 23-bit id above them, the id naming an entry of batch/nested.c's
 * interned, immutable table that describes the type (element type, field names and types).
 * So a composite type stays one plain value that travels wherever a type does (schemas,
 * plans, sl_value, the C API) and compares with ==, at any depth of nesting, which the high
 * bits alone (DECIMAL's way) cannot hold. The id is a hash of the type's structure, not an
 * arrival order, so every rank and every process derives the same id for the same type
 * whatever it bound before (the wire format carries ids between ranks; a rank that binds the
 * same SQL interns the same entries). Two different types whose hashes meet are refused at
 * bind time (a clean error, odds about n^2 / 2^24 for n types in a process). The table is
 * process-wide like an intern pool, not session state: entries are never changed or freed,
 * so readers need no lock. Local.
 */
#define SL_TYPE_ID_SHIFT 8
#define SL_TYPE_ID_BITS 23
static inline bool sl_type_is_composite(sl_type t)
{
    return sl_type_base(t) == SL_T_LIST || sl_type_base(t) == SL_T_STRUCT;
}
static inline bool sl_type_is_struct(sl_type t) { return sl_type_base(t) == SL_T_STRUCT; }
/* "LIST" or "STRUCT" for the error messages of what either cannot do yet. */
static inline const char *sl_type_kind_name(sl_type t)
{
    return sl_type_base(t) == SL_T_STRUCT ? "STRUCT" : "LIST";
}

/* TIMESTAMP or TIMESTAMP WITH TIME ZONE: the same storage, and in the UTC session time zone
 * (the only one sluice has) the same calendar fields. */
static inline bool sl_type_is_ts(sl_type t)
{
    return t == SL_T_TIMESTAMP || t == SL_T_TIMESTAMPTZ;
}

/* "BIGINT", ... (DuckDB's names). Local. */
const char *sl_type_name(sl_type t);
/* Parses a type name as DuckDB accepts it (INTEGER, INT, INT8, BIGINT, DOUBLE, FLOAT8, REAL,
 * FLOAT, VARCHAR, TEXT, STRING, BOOLEAN, BOOL, DATE, TIMESTAMP, DATETIME; case-insensitive).
 * Returns false when unknown. Local. */
bool sl_type_parse(const char *name, int64_t len, sl_type *out);
static inline bool sl_type_is_numeric(sl_type t)
{
    return t == SL_T_DOUBLE || sl_type_is_int(t);
}
/* A LIST type (SL_T_LIST_* or a composite LIST). Local. */
static inline bool sl_type_is_list(sl_type t)
{
    return (t >= SL_T_LIST_BOOL && t <= SL_T_LIST_TIMESTAMP) || sl_type_base(t) == SL_T_LIST;
}
/* A DECIMAL wider than 18 digits: its unscaled value is 128 bits, stored as HUGEINT is
 * (batch/dec128.h). (The tag test is sl_type_is_decimal's, spelled out: defined below.) */
static inline bool sl_dec_is_wide(sl_type t)
{
    return ((unsigned)t & 0xffu) == SL_T_DECIMAL && ((unsigned)t >> 8 & 0xffu) > 18;
}
/* The type whose storage and order t's values share: HUGEINT for a wide DECIMAL (16
 * order-preserving bytes), t itself otherwise. Switches over storage use it. */
static inline sl_type sl_type_phys(sl_type t) { return sl_dec_is_wide(t) ? SL_T_HUGEINT : t; }
/* A DOUBLE's order key: keys compare as unsigned integers as DuckDB orders the doubles (NaN
 * above +inf and equal to every NaN, -0.0 equal to 0.0). A non-negative double's bits order as
 * integers (sign bit set to go above the negatives); a negative one's are inverted. */
static inline uint64_t sl_f64_key(double d)
{
    if (d != d)
        return UINT64_MAX;
    if (d == 0)
        d = 0;
    uint64_t u;
    memcpy(&u, &d, 8);
    return (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
}
/* Stored as offsets into a byte heap (VARCHAR, LIST and STRUCT types, the 16-byte integers),
 * not 8 bytes a value. */
static inline bool sl_type_is_var(sl_type t)
{
    return t == SL_T_VARCHAR || sl_type_is_list(t) || t == SL_T_INTERVAL || t == SL_T_HUGEINT ||
           sl_dec_is_wide(t) || t == SL_T_UBIGINT || t == SL_T_UHUGEINT ||
           sl_type_is_struct(t);
}
/* Compared, hashed and ordered as their bytes (memcmp, shorter first on a tie): VARCHAR, and
 * HUGEINT, whose 16-byte encoding orders as the numbers (batch/int128.h). Not INTERVAL: its
 * order is that of its normalized fields (batch/interval.c). */
static inline bool sl_type_is_bytes(sl_type t)
{
    return t == SL_T_VARCHAR || t == SL_T_HUGEINT || sl_dec_is_wide(t) || t == SL_T_UBIGINT ||
           t == SL_T_UHUGEINT;
}

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
/* YYYY-MM-DD; also DuckDB's specials 'infinity', '-infinity', 'inf', '-inf', 'epoch'
 * (case-insensitive). */
bool sl_parse_date(const char *p, int64_t len, int64_t *days);
/* YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]] ; a bare date means midnight. */
bool sl_parse_timestamp(const char *p, int64_t len, int64_t *micros);
/* Text as DuckDB's CAST from VARCHAR reads it into type t (BOOLEAN, BIGINT, DOUBLE, DATE,
 * TIMESTAMP, TIMESTAMPTZ, DECIMAL): spaces around trimmed, then the strict forms above, then
 * '0x1F', '0b101', '1_000', '2.5' (rounded for BIGINT), 'yes' / 't' / '1', '2024-1-5',
 * '2024/01/05', 'epoch', single-digit time fields, a zone for TIMESTAMPTZ (sl_text_cast_tz)
 * (batch/text_cast.c). *d is set for DOUBLE, *i otherwise. Local. */
bool sl_text_cast(const char *p, int64_t len, sl_type t, int64_t *i, double *d);
/* TIMESTAMP text with an optional zone as DuckDB reads it into a TIMESTAMP WITH TIME ZONE
 * (sl_text_cast of SL_T_TIMESTAMPTZ): microseconds in UTC, the offset applied. Zones: 'Z',
 * +HH[[:]MM[[:]SS]] / -..., or a space and a zone name of fixed offset (UTC, GMT, Etc/UTC,
 * Zulu, ..., Etc/GMT+5; sl_tz_name_offset); a name with daylight saving time (Europe/Berlin)
 * is not read (batch/text_cast.c). Local. */
bool sl_text_cast_tz(const char *p, int64_t len, int64_t *us);
/* The UTC offset in seconds of a time zone name of fixed offset, as DuckDB's ICU has it:
 * UTC, Etc/UTC, GMT, UCT, Zulu, Universal, Greenwich (and their Etc/ forms), Etc/GMT+N
 * (UTC-N hours, the sign POSIX-inverted), case-insensitive. False for any other name. Local. */
bool sl_tz_name_offset(const char *p, int64_t len, int64_t *secs);
/* strptime(s, f) with DuckDB's format codes (%Y %y %m %d %H %I %M %S %f %p %b %a %j ...; a
 * space in f matches a run of spaces, numbers may have spaces before them, the whole text must
 * match): SL_PT_OK with *us (microseconds since 1970; with %z / %Z the instant in UTC),
 * SL_PT_FAIL, or SL_PT_BADFMT with the unknown code in *bad (batch/text_cast.c). Local. */
enum { SL_PT_OK, SL_PT_FAIL, SL_PT_BADFMT };
int sl_strptime(const char *s, int64_t n, const char *f, int64_t fn, int64_t *us, char *bad);

/* Infinite dates and timestamps, as DuckDB stores them: DATE 'infinity' is INT32_MAX days,
 * '-infinity' its negation; TIMESTAMP 'infinity' is INT64_MAX microseconds, '-infinity' its
 * negation. They compare above / below every finite value as plain integers, print as
 * "infinity" / "-infinity", and calendar functions of them are NULL. Local. */
#define SL_DATE_INF INT64_C(2147483647)
#define SL_TS_INF INT64_MAX
static inline bool sl_date_is_inf(int64_t d) { return d == SL_DATE_INF || d == -SL_DATE_INF; }
static inline bool sl_ts_is_inf(int64_t t) { return t == SL_TS_INF || t == -SL_TS_INF; }

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
/* TIMESTAMP WITH TIME ZONE in the UTC session zone, as DuckDB prints it: the TIMESTAMP text
 * and "+00" (2024-01-31 12:00:00+00; infinity as TIMESTAMP's). */
void sl_format_timestamptz(sl_buf *out, int64_t micros);
void sl_format_value(sl_buf *out, const sl_value *v);

/*
 * INTERVAL (batch/interval.c), DuckDB's: months, days and microseconds kept apart. Ordered
 * and equal as DuckDB orders them: normalized (24 hours a day, then 30 days a month) then
 * compared field by field, so '30 days' = '1 month' and '24 hours' = '1 day'. Local.
 */
typedef struct sl_interval {
    int32_t months;
    int32_t days;
    int64_t micros;
} sl_interval;
#define SL_IV_BYTES 16
#define SL_IV_DAYS_PER_MONTH 30
#define SL_IV_US_PER_DAY INT64_C(86400000000)
#define SL_IV_US_PER_MONTH (SL_IV_US_PER_DAY * SL_IV_DAYS_PER_MONTH)
/* The value in / into SL_IV_BYTES bytes (any alignment). */
sl_interval sl_interval_get(const char *p);
void sl_interval_put(char *p, sl_interval v);
/* DuckDB's normalized (months, days, micros) of v, the key of its order and equality. */
void sl_interval_normalize(sl_interval v, int64_t out[3]);
int sl_interval_cmp(sl_interval a, sl_interval b);
/* DuckDB's interval text: '1 day', '2 hours 30 minutes', '1 year 2 months 3 days 04:05:06',
 * '-1 day 25:00:00', '36 hours ago', '@ 1 day', a bare number of seconds; units from
 * microseconds to millennia, fractions carried down (1.5 months = 1 month 15 days). */
bool sl_parse_interval(const char *p, int64_t len, sl_interval *out);
/* "1 year 2 months 3 days 04:05:06.789", "-1 day", "00:00:00": DuckDB's text. */
void sl_format_interval(sl_buf *out, sl_interval v);
/* A unit word of len bytes, any case ("days", "hr", "millennia", ...): months, days or
 * microseconds per unit, one of them set; false for an unknown word. Local. */
bool sl_interval_unit(const char *u, int64_t len, int64_t *mo, int64_t *d, int64_t *us);

/* DECIMAL helpers (batch/decimal.c). sl_dec_pow10(k) is 10^k for k in 0..18. Local. */
int64_t sl_dec_pow10(int k);
/* Text -> unscaled value of DECIMAL(width, scale): [+-]digits[.digits][e[+-]n], rounding half
 * away from zero past the scale (DuckDB's). False when malformed or out of the width's range
 * (or of int64). Local. */
bool sl_parse_decimal(const char *p, int64_t len, int width, int scale, int64_t *out);
/* Rescales unscaled v from scale `from` to scale `to` (rounding half away from zero when
 * dropping digits) and checks it fits `width` digits (and int64). False when it does not. */
bool sl_dec_rescale(int64_t v, int from, int to, int width, int64_t *out);
/* A double as DECIMAL(width, scale), rounding half away from zero; false out of range. */
bool sl_dec_from_double(double d, int width, int scale, int64_t *out);
/* The unscaled v of scale s as the nearest double. Local. */
double sl_dec_to_double(int64_t v, int scale);
/* A non-NULL DECIMAL value (any width) as the nearest double. Local. */
double sl_dec_value_double(const sl_value *v);
/* DuckDB's type of a numeric literal with a point and no exponent: DECIMAL(digits, digits
 * after the point) ('0.1' is DECIMAL(2,1), '.5' DECIMAL(1,1)). When the text is such a
 * literal of at most 38 digits, sets *v to that DECIMAL (a wide one's 16 bytes in buf, of
 * SL_DEC_LIT_BUF bytes) and returns true; else leaves *v (the caller's DOUBLE) alone. Local. */
#define SL_DEC_LIT_BUF 16
bool sl_dec_literal_type(const char *p, int64_t len, sl_value *v, char *buf);
/* The common type of a DECIMAL with BIGINT, DECIMAL or DOUBLE, as DuckDB picks it: DOUBLE
 * when either is; else DECIMAL(max integer digits + max scale, max scale) (BIGINT counts as
 * DECIMAL(19,0), INTEGER (10,0), SMALLINT (5,0), TINYINT (3,0)), at most 38 wide.
 * SL_T_COUNT when either is not a number. Local. */
sl_type sl_dec_common_type(sl_type a, sl_type b);
/* The DECIMAL width and scale of a DECIMAL or integer type (BIGINT is (19,0)). Local. */
void sl_dec_props(sl_type t, int *width, int *scale);
/* Appends unscaled v of DECIMAL type t as DuckDB prints it: "65.95", "-0.10", and with no
 * leading zero when the width is the scale (".5" for DECIMAL(1,1)). Local. */
void sl_format_decimal(sl_buf *out, int64_t v, sl_type t);

#endif
