/*
 * LIST values (DuckDB's T[]): one list is its elements encoded into bytes, and a LIST column
 * stores those bytes as a VARCHAR column stores strings (offsets into one heap, sl_type_is_var),
 * so batches, the wire format, spill files, the exchange and gathers carry lists unchanged.
 * The element type is part of the column's type (SL_T_LIST_BIGINT ...): every schema and
 * expression that carries an sl_type carries it.
 *
 * Encoding of one element: a tag byte (0 = NULL, 1 = a value), then for a value 8 bytes
 * (little-endian int64 or double: a fixed-width type, BOOLEAN, the integers, DOUBLE, DATE,
 * TIMESTAMP, DECIMAL's unscaled int64) or, for a type stored in a byte heap (sl_type_is_var:
 * VARCHAR, INTERVAL, HUGEINT, a nested LIST or STRUCT), a 4-byte length and the bytes. An
 * empty list is zero bytes. Equal lists encode to equal
 * bytes (NULL elements hold no payload). Readers check every length against the bytes left, so
 * corrupt input ends the list early instead of reading out of bounds. Local.
 */
#ifndef SL_LIST_H
#define SL_LIST_H

#include <stdbool.h>
#include <stdint.h>

#include "batch/types.h"
#include "core/buf.h"

/* The LIST type of element type elem (any type, lists and structs included; an untyped NULL
 * element type gives DuckDB's "NULL"[], the type of `[]` and `[NULL]`), or SL_T_NULL when the
 * composite type table refuses it (batch/nested.h). Thread safe. Local. */
sl_type sl_list_type(sl_type elem);
/* The element type of LIST type t (SL_T_NULL when t is not a LIST). Local. */
sl_type sl_list_elem(sl_type t);

/* Appends one element v (of the list's element type, or NULL) to the encoding in out.
 * Local. */
void sl_list_put(sl_buf *out, sl_type elem, const sl_value *v);

/* Walks the elements of one encoded list: sl_list_begin, then sl_list_next. Local. */
typedef struct sl_list_it {
    const char *p, *end;
    sl_type elem;
} sl_list_it;
static inline void sl_list_begin(sl_list_it *it, sl_type list_type, const char *p, int64_t len)
{
    it->p = p;
    it->end = p + len;
    it->elem = sl_list_elem(list_type);
}
/* The next element into *out (strings borrow the list's bytes); false at the end. Local. */
bool sl_list_next(sl_list_it *it, sl_value *out);
/* Number of elements (NULLs included). Local. */
int64_t sl_list_count(sl_type list_type, const char *p, int64_t len);

/* Appends DuckDB's text of a list: [1, 2, NULL]; elements as CAST(x AS VARCHAR) prints them,
 * quoted with '...' when DuckDB quotes them (empty, leading or trailing whitespace, one of
 * "'(),:=[]{} or the word null), a quote or backslash inside a quoted element escaped with a
 * backslash. Local. */
void sl_list_format(sl_buf *out, sl_type list_type, const char *p, int64_t len);

#endif
