/*
 * The composite type descriptor (src/batch/nested.c) and the element encoding of lists and
 * structs (src/batch/list.c): interning gives one value per type, the id is the same however
 * the table was filled (a hash of the structure, so ranks agree), DuckDB's type text, element
 * round trips for every width, nesting, and a composite column through the wire format.
 * Expected texts are DuckDB 1.5's typeof / CAST(... AS VARCHAR) answers, written by hand.
 */
#include <string.h>

#include "batch/batch.h"
#include "batch/list.h"
#include "batch/nested.h"
#include "batch/wire.h"
#include "check.h"

static void test_types(void)
{
    sl_type li = sl_list_type(SL_T_INTEGER);
    CHECK(sl_type_is_list(li) && sl_type_is_composite(li) && sl_type_is_var(li));
    CHECK_INT(sl_list_type(SL_T_INTEGER), li);               /* interned: one value */
    CHECK_INT(sl_list_type(SL_T_BIGINT), SL_T_LIST_BIGINT);  /* the six keep their values */
    CHECK_INT(sl_list_elem(li), SL_T_INTEGER);
    CHECK_STR(sl_type_name(li), "INTEGER[]");
    CHECK_STR(sl_type_name(sl_list_type(SL_T_NULL)), "\"NULL\"[]");
    CHECK_STR(sl_type_name(sl_list_type(sl_type_decimal(2, 2))), "DECIMAL(2,2)[]");
    sl_type lli = sl_list_type(li);
    CHECK_STR(sl_type_name(lli), "INTEGER[][]");
    CHECK_INT(sl_list_elem(lli), li);
    const char *names[] = {"a", "x y", "select"};
    sl_type ft[] = {SL_T_INTEGER, SL_T_VARCHAR, lli};
    sl_type st = sl_struct_type(3, names, ft, false);
    CHECK(sl_type_is_struct(st) && sl_type_is_var(st) && !sl_type_is_list(st));
    CHECK_STR(sl_type_name(st), "STRUCT(a INTEGER, \"x y\" VARCHAR, \"select\" INTEGER[][])");
    CHECK_INT(sl_struct_field(st, "X Y", 3), 1);
    CHECK_INT(sl_struct_field(st, "b", 1), -1);
    CHECK_STR(sl_type_name(sl_struct_type(2, NULL, ft, true)), "STRUCT(INTEGER, VARCHAR)");
    const char *dup[] = {"a", "A"};
    CHECK_INT(sl_struct_type(2, dup, ft, false), SL_T_NULL); /* DuckDB: duplicate names */
    CHECK(sl_nested_get(SL_T_LIST) == NULL);
    CHECK_INT((int64_t)((uint32_t)li >> SL_TYPE_ID_SHIFT) != 0, 1);
    CHECK_INT(sl_type_base(li), SL_T_LIST);
}

static void test_values(void)
{
    sl_type li = sl_list_type(sl_type_decimal(4, 2)), lli = sl_list_type(li);
    sl_buf a, b, t;
    sl_buf_init(&a);
    sl_buf_init(&b);
    sl_buf_init(&t);
    sl_value v = {.type = sl_type_decimal(4, 2), .v.i = 10};
    sl_list_put(&a, sl_type_decimal(4, 2), &v);
    v.is_null = true;
    sl_list_put(&a, sl_type_decimal(4, 2), &v);
    sl_value l = {.type = li, .v.s = {a.data, a.len}};
    sl_list_put(&b, li, &l);
    sl_value none = {.type = li, .is_null = true};
    sl_list_put(&b, li, &none);
    sl_value empty = {.type = li, .v.s = {"", 0}};
    sl_list_put(&b, li, &empty);
    CHECK_INT(sl_list_count(lli, b.data, b.len), 3);
    sl_list_format(&t, lli, b.data, b.len);
    CHECK_STR(sl_buf_cstr(&t), "[[0.10, NULL], NULL, []]");
    /* a struct of a string that needs quotes, an INTERVAL and the nested list */
    const char *names[] = {"s", "iv", "l"};
    sl_type ft[] = {SL_T_VARCHAR, SL_T_INTERVAL, lli};
    sl_type st = sl_struct_type(3, names, ft, false);
    sl_buf sb;
    sl_buf_init(&sb);
    sl_value s = {.type = SL_T_VARCHAR, .v.s = {" it's", 5}};
    sl_list_put(&sb, SL_T_VARCHAR, &s);
    char ivb[SL_IV_BYTES];
    sl_interval_put(ivb, (sl_interval){0, 0, INT64_C(90000000000)});
    sl_value iv = {.type = SL_T_INTERVAL, .v.s = {ivb, SL_IV_BYTES}};
    sl_list_put(&sb, SL_T_INTERVAL, &iv);
    sl_value ll = {.type = lli, .v.s = {b.data, b.len}};
    sl_list_put(&sb, lli, &ll);
    sl_buf_reset(&t);
    sl_struct_format(&t, st, sb.data, sb.len);
    CHECK_STR(sl_buf_cstr(&t),
              "{'s': ' it\\'s', 'iv': '25:00:00', 'l': [[0.10, NULL], NULL, []]}");
    sl_value f;
    sl_struct_get(st, sb.data, sb.len, 2, &f);
    CHECK(!f.is_null && f.type == lli && f.v.s.len == b.len);
    sl_struct_get(st, sb.data, sb.len - 1, 2, &f); /* truncated bytes: NULL, no overread */
    CHECK(f.is_null);
    /* through the wire format */
    sl_batch *bt = sl_batch_new(1, &st, 4);
    sl_vec_push_str(bt->cols[0], sb.data, sb.len);
    sl_vec_push_null(bt->cols[0]);
    bt->n_rows = 2;
    sl_buf w;
    sl_buf_init(&w);
    sl_wire_write(bt, &w);
    sl_batch *r = NULL;
    int64_t used = 0;
    sl_err err = {0};
    CHECK_INT(sl_wire_read(w.data, w.len, &r, &used, &err), 0);
    CHECK(r && r->cols[0]->type == st && !sl_vec_valid(r->cols[0], 1));
    int64_t n;
    const char *p = r ? sl_vec_str(r->cols[0], 0, &n) : "";
    CHECK(r && n == sb.len && memcmp(p, sb.data, (size_t)n) == 0);
    sl_batch_free(&r);
    sl_batch_free(&bt);
    sl_buf_free(&w);
    sl_buf_free(&sb);
    sl_buf_free(&a);
    sl_buf_free(&b);
    sl_buf_free(&t);
}

int main(void)
{
    test_types();
    test_values();
    return CHECK_DONE();
}
