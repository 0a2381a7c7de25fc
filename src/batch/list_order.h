/*
 * DuckDB's order, equality and hash of LIST values, shared by comparisons (= < ... on
 * lists), ORDER BY (batch/rowcmp.c's full compare and normalized prefixes), create_sort_key,
 * and GROUP BY / DISTINCT / join keys (hashing in batch/hash.c, key equality), so a sort, a
 * range partitioning and a hash exchange agree at every rank count.
 *
 * The order: element by element, each in its type's order (DOUBLE: -0.0 = 0.0, NaN equal to
 * NaN and above every number; VARCHAR bytewise); a NULL element above every value (DuckDB
 * keeps that also under DESC, which inverts the whole list, and under NULLS FIRST, which only
 * places NULL lists); on a common prefix the shorter list first. Everything walks the
 * elements (sl_list_begin / sl_list_next), never the encoding's bytes, so it holds for every
 * element type the iterator yields (a LIST element compares recursively, a STRUCT element field
 * by field as DuckDB orders structs, each field as a list element). The functions below that
 * take a list type lt take a STRUCT type too: a STRUCT value orders, keys and hashes as such
 * an element (ORDER BY, min/max, windows and comparisons of structs). Local.
 */
#ifndef SL_LIST_ORDER_H
#define SL_LIST_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "batch/types.h"
#include "core/buf.h"

/* A LIST or STRUCT type: one whose values these functions order. Local. */
static inline bool sl_list_order_is_nested(sl_type t)
{
    return sl_type_is_list(t) || sl_type_is_struct(t);
}

/* <0, 0, >0 as non-NULL element a orders before, with, after b (the same type): the element
 * order above (list_sort, list_min, list_distinct use it). Local. */
int sl_list_value_cmp(const sl_value *a, const sl_value *b);

/* <0, 0, >0 as list a (lt, encoded bytes pa, la) orders before, with, after list b. Local. */
int sl_list_cmp(sl_type lt, const char *pa, int64_t la, const char *pb, int64_t lb);

/* Appends list p's order key to out: bytes whose memcmp order (shorter first on a common
 * prefix) is sl_list_cmp's order; no key is a proper prefix of another, so a key can be
 * followed by more keys. desc inverts every byte (DESC). max >= 0 appends at most max bytes,
 * the key's first max (a normalized prefix); max < 0 the whole key. Local. */
void sl_list_key(sl_buf *out, sl_type lt, const char *p, int64_t len, bool desc, int64_t max);

/* sl_list_key's first max bytes into out[0, max), without allocating (normalized sort
 * prefixes); returns how many it wrote (max when the key is cut or exactly fills it). */
int64_t sl_list_key_into(unsigned char *out, int64_t max, sl_type lt, const char *p,
                         int64_t len, bool desc);

/* A hash that is equal for lists sl_list_cmp finds equal ([-0.0] and [0.0]). Local. */
uint64_t sl_list_hash(sl_type lt, const char *p, int64_t len);

#endif
