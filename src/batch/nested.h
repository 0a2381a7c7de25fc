/*
 * Composite types and STRUCT values (DuckDB's T[] of any T, STRUCT(a T, ...)).
 *
 * A composite type is an sl_type whose low 8 bits are SL_T_LIST or SL_T_STRUCT and whose
 * high bits are an id into this module's interned table of descriptors (types.h says why).
 * sl_list_type / sl_list_elem (batch/list.h) build and read LIST types; the STRUCT ones are
 * here. Descriptors are immutable and live as long as the process.
 *
 * A STRUCT value is its fields encoded one after another exactly as a list's elements are
 * (batch/list.h: a tag byte, then 8 bytes for a fixed-width field or a 4-byte length and the
 * bytes for a variable one), in the type's field order, and a STRUCT column stores those bytes
 * as a VARCHAR column stores strings. So batches, the wire, spill files and the exchange carry
 * structs unchanged, and equal structs encode to equal bytes (the hash and equality of GROUP
 * BY and DISTINCT, as for VARCHAR). A NULL struct is the column's NULL; a NULL field is its
 * tag 0. Local.
 */
#ifndef SL_NESTED_H
#define SL_NESTED_H

#include <stdbool.h>
#include <stdint.h>

#include "batch/types.h"
#include "core/buf.h"

#define SL_STRUCT_MAX_FIELDS 1024

/* One composite type. For a LIST, elem; for a STRUCT, the fields (names NULL in an unnamed
 * struct, row(1, 'x'), whose text is (1, x)). name is DuckDB's type text. */
typedef struct sl_nested {
    sl_type type;
    sl_type elem;
    int n_fields;
    bool unnamed;
    const sl_type *ftypes;
    const char *const *fnames;
    const char *name;
} sl_nested;

/* The descriptor of composite type t, NULL when t is not one interned here. Local. */
const sl_nested *sl_nested_get(sl_type t);

/* The composite LIST type of elem (any type), SL_T_NULL when the table refuses it (an id
 * collision). Callers use sl_list_type. Local. */
sl_type sl_nested_list(sl_type elem);

/* The STRUCT type of n fields (names NULL when unnamed; 1..SL_STRUCT_MAX_FIELDS fields with
 * distinct names, compared case-insensitively as DuckDB does), SL_T_NULL when refused. Thread
 * safe (a mutex guards interning). Local. */
sl_type sl_struct_type(int n, const char *const *names, const sl_type *types, bool unnamed);

/* Index of field name (len bytes, case-insensitive) in STRUCT type t, -1 when absent. */
int sl_struct_field(sl_type t, const char *name, int64_t len);

/* Field k of the struct encoded at [p, p+len) into *out (strings borrow the bytes); a NULL
 * field (or corrupt bytes) gives a NULL value. Local. */
void sl_struct_get(sl_type t, const char *p, int64_t len, int k, sl_value *out);

/* Decodes one element of type elem at *p (end bounds it) into *out and advances *p; false at
 * the end or on corrupt bytes (then *p = end). Shared by lists and structs. Local. */
bool sl_nested_next(const char **p, const char *end, sl_type elem, sl_value *out);

/* Appends the text of a nested element (a list, struct or scalar) as DuckDB prints it inside
 * a list or struct: strings quoted when ambiguous, nested values as they are. Local. */
void sl_nested_format_elem(sl_buf *out, const sl_value *v);

/* Appends DuckDB's text of a struct: {'a': 1, 'b': x}, or (1, x) for an unnamed one. */
void sl_struct_format(sl_buf *out, sl_type t, const char *p, int64_t len);

#endif
