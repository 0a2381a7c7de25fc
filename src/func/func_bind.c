/*
 * Binding of scalar functions and operators: the registry table (built from func_list.h),
 * name -> function id (plus aliases), the arity check, then the entry's own type rule (which
 * lives with its kernel in fn_<family>.c); the coercion helpers those rules share; CASE and
 * CAST binding; and constant folding (sl_expr_fold).
 *
 * Implicit casts follow DuckDB: BIGINT mixes with DOUBLE as DOUBLE, DATE with TIMESTAMP as
 * TIMESTAMP; an untyped NULL takes the type of the other side; a string *literal* next to a
 * typed operand is converted to that type once, here (so d = '2024-01-01' compares DATEs),
 * while a VARCHAR *column* compared with a number is an error that asks for a cast. `/` is
 * always DOUBLE division. Local.
 */
#include "func/fn_int.h"
#include "func/aggregate.h"
#include "batch/list.h"
#include "batch/nested.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const fn_def fn_table[SL_FN_COUNT] = {
#define FN_ENTRY(id, name, lo, hi, flags, bind, exec) {name, lo, hi, flags, bind, exec},
    SL_FUNC_LIST(FN_ENTRY)
#undef FN_ENTRY
};

static const struct { const char *alias; int fn; } fn_alias[] = {
    {"!=", SL_FN_NE}, {"==", SL_FN_EQ}, {"ceiling", SL_FN_CEIL}, {"pow", SL_FN_POWER},
    {"substring", SL_FN_SUBSTR}, {"prefix", SL_FN_STARTS_WITH}, {"suffix", SL_FN_ENDS_WITH},
    {"instr", SL_FN_STRPOS}, {"position", SL_FN_STRPOS}, {"mod", SL_FN_MOD}, {"log", SL_FN_LOG10},
    {"char_length", SL_FN_LENGTH}, {"character_length", SL_FN_LENGTH}, {"len", SL_FN_LENGTH},
    {"octet_length", SL_FN_STRLEN}, {"lcase", SL_FN_LOWER}, {"ucase", SL_FN_UPPER},
    {"datetrunc", SL_FN_DATE_TRUNC}, {"datepart", SL_FN_DATE_PART},
    {"datediff", SL_FN_DATE_DIFF}, {"weekday", SL_FN_DAYOFWEEK}, {"dow", SL_FN_DAYOFWEEK},
    {"doy", SL_FN_DAYOFYEAR}, {"divide", SL_FN_IDIV}, {"negate", SL_FN_NEG},
    {"~~", SL_FN_LIKE}, {"!~~", SL_FN_NOT_LIKE}, {"~~*", SL_FN_ILIKE}, {"!~~*", SL_FN_NOT_ILIKE},
    {"list_element", SL_FN_LIST_EXTRACT}, {"array_extract", SL_FN_LIST_EXTRACT},
    {"array_slice", SL_FN_LIST_SLICE},
    {"array_sort", SL_FN_LIST_SORT}, {"array_reverse_sort", SL_FN_LIST_REVERSE_SORT},
    {"array_distinct", SL_FN_LIST_DISTINCT}, {"array_unique", SL_FN_LIST_UNIQUE},
    {"list_indexof", SL_FN_LIST_POSITION}, {"array_position", SL_FN_LIST_POSITION},
    {"array_indexof", SL_FN_LIST_POSITION}, {"list_cat", SL_FN_LIST_CONCAT},
    {"array_concat", SL_FN_LIST_CONCAT}, {"array_cat", SL_FN_LIST_CONCAT},
    {"array_push_back", SL_FN_LIST_APPEND}, {"array_push_front", SL_FN_LIST_PREPEND},
    {"array_has_any", SL_FN_LIST_HAS_ANY}, {"array_has_all", SL_FN_LIST_HAS_ALL},
    {"&&", SL_FN_LIST_HAS_ANY}, {"@>", SL_FN_LIST_HAS_ALL},
    {"list_aggr", SL_FN_LIST_AGGREGATE}, {"aggregate", SL_FN_LIST_AGGREGATE},
    {"array_aggregate", SL_FN_LIST_AGGREGATE}, {"array_aggr", SL_FN_LIST_AGGREGATE},
    {"list_apply", SL_FN_LIST_TRANSFORM}, {"array_transform", SL_FN_LIST_TRANSFORM},
    {"array_apply", SL_FN_LIST_TRANSFORM}, {"apply", SL_FN_LIST_TRANSFORM},
    {"array_filter", SL_FN_LIST_FILTER}, {"filter", SL_FN_LIST_FILTER},
    {"reduce", SL_FN_LIST_REDUCE}, {"array_reduce", SL_FN_LIST_REDUCE},
    {"list_has", SL_FN_LIST_CONTAINS}, {"array_contains", SL_FN_LIST_CONTAINS},
    {"array_has", SL_FN_LIST_CONTAINS}, {"str_split", SL_FN_STRING_SPLIT},
    {"string_to_array", SL_FN_STRING_SPLIT}, {"list_pack", SL_FN_LIST_VALUE},
};

const char *sl_func_name(int fn)
{
    return fn >= 0 && fn < SL_FN_COUNT ? fn_table[fn].name : "?";
}

bool sl_func_is_aggregate(const char *name)
{
    return sl_aggfn_find(name) != NULL;
}

/* "IS NOT NULL" -> "IS_NOT_NULL"; returns the function id or -1. */
static int lookup(const char *name)
{
    char norm[64];
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < sizeof norm; p++) {
        if (*p == ' ') {
            if (n > 0 && norm[n - 1] != '_')
                norm[n++] = '_';
        } else {
            norm[n++] = *p;
        }
    }
    while (n > 0 && norm[n - 1] == '_')
        n--;
    norm[n] = 0;
    for (int f = 0; f < SL_FN_COUNT; f++)
        if (strcasecmp(norm, fn_table[f].name) == 0)
            return f;
    for (size_t i = 0; i < sizeof fn_alias / sizeof fn_alias[0]; i++)
        if (strcasecmp(norm, fn_alias[i].alias) == 0)
            return fn_alias[i].fn;
    return -1;
}

static void free_args(sl_expr **args, int n)
{
    for (int i = 0; i < n; i++)
        sl_expr_free(&args[i]);
}

bool fn_is_str_lit(const sl_expr *e)
{
    return e->kind == SL_E_CONST && e->type == SL_T_VARCHAR;
}

bool fn_int_lit_fits(const sl_expr *e, sl_type t)
{
    int64_t lo, hi;
    if (e->kind == SL_E_CONST && e->int_lit && !e->cval.is_null && e->type == SL_T_HUGEINT) {
        /* a literal past BIGINT: it fits UBIGINT / UHUGEINT where it is not negative */
        sl_i128 x = sl_i128_load(e->cval.v.s.p);
        return (t == SL_T_UBIGINT && x >= 0 && x <= SL_U64_MAX) || (t == SL_T_UHUGEINT && x >= 0);
    }
    if (e->kind == SL_E_CONST && e->int_lit && !e->cval.is_null &&
        (t == SL_T_UBIGINT || t == SL_T_UHUGEINT))
        return e->cval.v.i >= 0;
    if (e->kind != SL_E_CONST || !e->int_lit || e->cval.is_null || !sl_type_is_int(t))
        return false;
    sl_int_range(t, &lo, &hi);
    return e->cval.v.i >= lo && e->cval.v.i <= hi;
}

static int no_match(const char *name, sl_expr **args, int n, sl_err *err)
{
    char sig[512];
    size_t len = 0;
    sig[0] = 0;
    for (int i = 0; i < n && len < sizeof sig - 32; i++)
        len += (size_t)snprintf(sig + len, sizeof sig - len, "%s%s", i ? ", " : "",
                                sl_type_name(args[i]->type));
    return SL_ERR(err, SL_EBIND, "no function matches %s(%s)", name, sig);
}

/* A list literal [a, ...] not folded yet: its elements can still change type. */
static bool is_list_lit(const sl_expr *e)
{
    return e->kind == SL_E_CALL && e->fn == SL_FN_LIST_VALUE;
}

/* A struct literal ({'a': x}, struct_pack, row) not folded yet: its fields can still change
 * type. Sets *first / *step to where its value arguments are. */
static bool is_struct_lit(const sl_expr *e, int *first, int *step)
{
    if (e->kind != SL_E_CALL || (e->fn != SL_FN_STRUCT_PACK && e->fn != SL_FN_ROW))
        return false;
    *first = e->fn == SL_FN_ROW ? 0 : 1;
    *step = e->fn == SL_FN_ROW ? 1 : 2;
    return true;
}

/* Converts *pe to type t: retypes an untyped NULL, converts a string literal now, else wraps
 * it in an implicit CAST. */
int fn_coerce(sl_expr **pe, sl_type t, sl_err *err)
{
    sl_expr *e = *pe;
    if (e->type == t || t == SL_T_NULL)
        return 0;
    if (sl_type_is_list(t) && is_list_lit(e)) { /* [1, 2] as DOUBLE[]: its elements */
        for (int k = 0; k < e->n_args; k++) {
            int rc = fn_coerce(&e->args[k], sl_list_elem(t), err);
            if (rc)
                return rc;
        }
        e->type = t;
        return 0;
    }
    int first, step;
    const sl_nested *td = sl_nested_get(t), *fd = sl_nested_get(e->type);
    if (sl_type_is_struct(t) && td && fd && is_struct_lit(e, &first, &step) &&
        td->n_fields == fd->n_fields && fn_cast_allowed(e->type, t)) {
        for (int k = 0; k < td->n_fields; k++) { /* {'a': 1} as STRUCT(a DOUBLE): fields */
            int rc = fn_coerce(&e->args[first + k * step], td->ftypes[k], err);
            if (rc)
                return rc;
        }
        e->type = t;
        return 0;
    }
    if (e->type == SL_T_NULL && e->kind == SL_E_CONST) {
        e->type = t;
        e->cval.type = t;
        e->cval.is_null = true;
        return 0;
    }
    if (e->kind == SL_E_CONST && fn_cast_allowed(e->type, t)) {
        sl_value v;
        sl_buf tmp;
        char msg[512];
        sl_buf_init(&tmp);
        int rc = fn_cast_value(&e->cval, t, &v, &tmp, msg, sizeof msg);
        if (rc) {
            sl_buf_free(&tmp);
            return SL_ERR(err, SL_EBIND, "%s", msg);
        }
        sl_expr *c = sl_expr_const(&v, e->text);
        sl_buf_free(&tmp);
        sl_expr_free(pe);
        *pe = c;
        return 0;
    }
    return sl_func_bind_cast(e, t, false, e->text, pe, err) ? err->code : 0;
}

static sl_type unify_struct(sl_type a, sl_type b);

/* The common type of two types, or SL_T_COUNT when there is none. NULL is neutral. */
static sl_type unify(sl_type a, sl_type b)
{
    if (a == SL_T_NULL)
        return b;
    if (b == SL_T_NULL || a == b)
        return a;
    if (sl_type_is_decimal(a) || sl_type_is_decimal(b))
        return sl_dec_common_type(a, b);
    if (a == SL_T_UBIGINT || b == SL_T_UBIGINT || a == SL_T_UHUGEINT || b == SL_T_UHUGEINT)
        return sl_ubig_common_type(a, b, false);
    if (a == SL_T_HUGEINT || b == SL_T_HUGEINT)
        return sl_huge_common_type(a, b);
    if (sl_type_is_int(a) && sl_type_is_int(b)) /* the wider integer type */
        return sl_int_common(a, b, false);
    if (sl_type_is_numeric(a) && sl_type_is_numeric(b))
        return SL_T_DOUBLE;
    if ((a == SL_T_DATE || sl_type_is_ts(a)) && (b == SL_T_DATE || sl_type_is_ts(b)))
        return a == SL_T_TIMESTAMPTZ || b == SL_T_TIMESTAMPTZ ? SL_T_TIMESTAMPTZ : SL_T_TIMESTAMP;
    if (sl_type_is_list(a) && sl_type_is_list(b)) { /* [1] and [2.5]: DOUBLE[] */
        sl_type u = unify(sl_list_elem(a), sl_list_elem(b));
        return u == SL_T_COUNT ? SL_T_COUNT : sl_list_type(u);
    }
    if (sl_type_is_struct(a) && sl_type_is_struct(b))
        return unify_struct(a, b);
    return SL_T_COUNT;
}

/* DuckDB's common type of two STRUCTs: named ones by name (case-insensitive), a's fields in
 * its order and spelling, then b's other fields ([{'a': 1}, {'b': 2}] is STRUCT(a INTEGER, b
 * INTEGER)[], each field the common type of its types); an unnamed one field by field with a
 * struct of as many fields, taking the other's names. */
static sl_type unify_struct(sl_type a, sl_type b)
{
    const sl_nested *x = sl_nested_get(a), *y = sl_nested_get(b);
    if (!x || !y)
        return SL_T_COUNT;
    int n = x->n_fields, cap = x->n_fields + y->n_fields;
    if ((x->unnamed || y->unnamed) && x->n_fields != y->n_fields)
        return SL_T_COUNT;
    sl_type ft[cap];
    const char *fn[cap];
    bool positional = x->unnamed || y->unnamed;
    for (int k = 0; k < x->n_fields; k++) {
        int j = positional ? k : sl_struct_field(b, x->fnames[k], (int64_t)strlen(x->fnames[k]));
        ft[k] = j < 0 ? x->ftypes[k] : unify(x->ftypes[k], y->ftypes[j]);
        fn[k] = x->unnamed ? (y->unnamed ? NULL : y->fnames[k]) : x->fnames[k];
        if (ft[k] == SL_T_COUNT)
            return SL_T_COUNT;
    }
    for (int j = 0; !positional && j < y->n_fields; j++)
        if (sl_struct_field(a, y->fnames[j], (int64_t)strlen(y->fnames[j])) < 0) {
            ft[n] = y->ftypes[j];
            fn[n++] = y->fnames[j];
        }
    if (n > SL_STRUCT_MAX_FIELDS)
        return SL_T_COUNT;
    sl_type u = sl_struct_type(n, fn, ft, x->unnamed && y->unnamed);
    return u == SL_T_NULL ? SL_T_COUNT : u;
}


bool fn_common_type(sl_expr **args, const int *idx, int n, sl_type *out, sl_type *c1,
                        sl_type *c2)
{
    sl_type t = SL_T_NULL;
    bool lit = false, empty = false;
    /* Two passes: integer literals last, since one takes the others' integer type where its
     * value fits (DuckDB: coalesce(1::TINYINT, 2) is TINYINT). */
    for (int pass = 0; pass < 2; pass++)
    for (int k = 0; k < n; k++) {
        const sl_expr *e = args[idx[k]];
        bool int_lit = e->kind == SL_E_CONST && e->int_lit;
        if (int_lit != (pass == 1))
            continue;
        if (int_lit && fn_int_lit_fits(e, t))
            continue;
        if (fn_is_str_lit(e)) {
            lit = true;
            continue;
        }
        if (is_list_lit(e) && e->n_args == 0) { /* [] has any element type */
            empty = true;
            continue;
        }
        sl_type u = unify(t, e->type);
        if (u == SL_T_COUNT) {
            *c1 = t;
            *c2 = e->type;
            return false;
        }
        t = u;
    }
    if (t == SL_T_NULL && lit)
        t = SL_T_VARCHAR;
    if (t == SL_T_NULL && empty)
        t = sl_list_type(SL_T_NULL); /* DuckDB's "NULL"[] */
    *out = t;
    return true;
}

int fn_coerce_all(sl_expr **args, const int *idx, int n, sl_type t, sl_err *err)
{
    for (int k = 0; k < n; k++) {
        int rc = fn_coerce(&args[idx[k]], t, err);
        if (rc)
            return rc;
    }
    return 0;
}

bool fn_want(sl_expr **args, int j, sl_type t, sl_err *err, int *rc)
{
    sl_type a = args[j]->type;
    if (a == t)
        return true;
    /* DuckDB casts a DECIMAL to DOUBLE implicitly where a function wants one. */
    if (a == SL_T_NULL || (fn_is_str_lit(args[j]) && t != SL_T_VARCHAR) ||
        (sl_type_is_decimal(a) && t == SL_T_DOUBLE) ||
        (sl_type_is_int(a) && t == SL_T_BIGINT)) { /* TINYINT..INTEGER widen to BIGINT */
        *rc = fn_coerce(&args[j], t, err);
        return *rc == 0;
    }
    return false;
}

bool fn_want_numeric(sl_expr **args, int j, sl_type dflt, sl_err *err, int *rc)
{
    if (sl_type_is_numeric(args[j]->type))
        return true;
    if (sl_type_is_decimal(args[j]->type)) /* functions without a DECIMAL kernel: DOUBLE */
        return fn_want(args, j, SL_T_DOUBLE, err, rc);
    return fn_want(args, j, dflt, err, rc);
}

int fn_want_double(sl_expr **args, int j, sl_err *err)
{
    int rc = 0;
    if (!fn_want_numeric(args, j, SL_T_DOUBLE, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    if (args[j]->type != SL_T_DOUBLE)
        rc = fn_coerce(&args[j], SL_T_DOUBLE, err);
    return rc;
}

bool sl_func_exists(const char *name)
{
    return lookup(name) >= 0 || strcasecmp(name, "CASE") == 0;
}

int sl_func_bind(const char *name, sl_expr **args, int n_args, const char *text, sl_expr **out,
                 sl_err *err)
{
    *out = NULL;
    int fn = lookup(name);
    if (strcasecmp(name, "CASE") == 0)
        return sl_func_bind_case(args, n_args, n_args % 2 == 1, text, out, err);
    if (n_args == 1 && strcmp(name, "+") == 0) { /* unary plus */
        if (!sl_type_is_numeric(args[0]->type) && args[0]->type != SL_T_NULL &&
            !sl_type_is_decimal(args[0]->type)) {
            int rc = no_match(name, args, n_args, err);
            free_args(args, n_args);
            return rc;
        }
        *out = args[0];
        return 0;
    }
    if (n_args == 1 && fn == SL_FN_SUB)
        fn = SL_FN_NEG;
    if (n_args == 1 && fn == SL_FN_LENGTH && sl_type_is_list(args[0]->type))
        fn = SL_FN_LIST_LEN; /* len/length of a LIST: its element count */
    if (n_args == 2 && fn == SL_FN_CONCAT_OP &&
        (sl_type_is_list(args[0]->type) || sl_type_is_list(args[1]->type)))
        fn = SL_FN_LIST_CONCAT_OP; /* [1] || [2]: list concatenation, NULL with a NULL */
    if (n_args == 2 && fn == SL_FN_LIST_EXTRACT && sl_type_is_struct(args[0]->type))
        fn = SL_FN_STRUCT_EXTRACT; /* s['a']: the field */
    if (fn < 0) {
        free_args(args, n_args);
        return SL_ERR(err, SL_EBIND, "unknown function \"%s\"", name);
    }
    if (n_args < fn_table[fn].lo || (fn_table[fn].hi >= 0 && n_args > fn_table[fn].hi)) {
        int rc = no_match(name, args, n_args, err);
        free_args(args, n_args);
        return rc;
    }
    sl_type rt = SL_T_NULL;
    int rc = fn_table[fn].bind(args, n_args, &rt, err);
    if (rc) {
        if (rc == FN_NO_MATCH)
            rc = no_match(name, args, n_args, err);
        free_args(args, n_args);
        return rc;
    }
    sl_expr *e = sl_expr_new(SL_E_CALL, rt, n_args, args, text);
    e->fn = fn;
    *out = e;
    return 0;
}

int sl_func_bind_case(sl_expr **args, int n_args, bool has_else, const char *text,
                      sl_expr **out, sl_err *err)
{
    *out = NULL;
    int n_when = (has_else ? n_args - 1 : n_args) / 2;
    int rc = 0;
    if (n_when < 1 || n_args != 2 * n_when + (has_else ? 1 : 0)) {
        free_args(args, n_args);
        return SL_ERR(err, SL_EINTERNAL, "CASE with %d arguments (has_else=%d)", n_args,
                      (int)has_else);
    }
    int idx[n_when + 1];
    int n_val = 0;
    /* DuckDB unifies the ELSE first: a struct's fields come in that order ({'b': NULL, 'a': 1}
     * for CASE WHEN c THEN {'a': 1} ELSE {'b': 2} END) */
    if (has_else && sl_type_is_struct(args[n_args - 1]->type))
        idx[n_val++] = n_args - 1;
    for (int w = 0; w < n_when && !rc; w++) {
        if (!fn_want(args, 2 * w, SL_T_BOOL, err, &rc) && !rc)
            rc = SL_ERR(err, SL_EBIND, "CASE WHEN condition \"%s\" must be BOOLEAN, not %s",
                        args[2 * w]->text, sl_type_name(args[2 * w]->type));
        idx[n_val++] = 2 * w + 1;
    }
    if (has_else && !sl_type_is_struct(args[n_args - 1]->type))
        idx[n_val++] = n_args - 1;
    sl_type t = SL_T_NULL, c1, c2;
    if (!rc && !fn_common_type(args, idx, n_val, &t, &c1, &c2))
        rc = SL_ERR(err, SL_EBIND, "CASE branches have incompatible types %s and %s",
                    sl_type_name(c1), sl_type_name(c2));
    if (!rc)
        rc = fn_coerce_all(args, idx, n_val, t, err);
    if (rc) {
        free_args(args, n_args);
        return rc;
    }
    sl_expr *e = sl_expr_new(SL_E_CASE, t, n_args, args, text);
    e->has_else = has_else;
    *out = e;
    return 0;
}

int sl_func_bind_cast(sl_expr *e, sl_type t, bool try_cast, const char *text, sl_expr **out,
                      sl_err *err)
{
    *out = NULL;
    if (t == SL_T_NULL || sl_type_base(t) >= SL_T_COUNT || !fn_cast_allowed(e->type, t)) {
        int rc = SL_ERR(err, SL_EBIND, "Cannot cast %s to %s (in \"%s\")",
                        sl_type_name(e->type), sl_type_name(t), text ? text : e->text);
        sl_expr_free(&e);
        return rc;
    }
    if (e->kind == SL_E_CONST && e->type == SL_T_NULL) {
        e->type = t;
        e->cval.type = t;
        e->cval.is_null = true;
        if (text) {
            sl_free(e->text);
            e->text = sl_xstrdup(text);
        }
        *out = e;
        return 0;
    }
    sl_expr *c = sl_expr_new(SL_E_CAST, t, 1, &e, text ? text : e->text);
    c->try_cast = try_cast;
    *out = c;
    return 0;
}

/* ---- constant folding ---- */

/* Replaces the all-constant call *pe by its value. Not inlined: its sl_err (1 KB) must not sit
 * on every frame of fold's recursion, which is as deep as the expression (up to the parser's
 * SL_SQL_MAX_EXPR_DEPTH). */
static __attribute__((noinline)) void fold_call(sl_expr **pe)
{
    sl_expr *e = *pe;
    sl_batch *one = sl_batch_from_cols(0, NULL, 1);
    sl_vec *v = NULL;
    sl_err local;
    sl_err_clear(&local);
    /* An error (overflow, bad cast) is left for run time, where it gets row context and
     * where CASE/AND may keep the row from reaching it. */
    if (sl_expr_eval(e, one, &v, &local) == 0) {
        sl_value x;
        sl_vec_get_value(v, 0, &x);
        x.type = e->type;
        if (e->type == SL_T_NULL)
            x.is_null = true;
        sl_expr *c = sl_expr_const(&x, e->text);
        sl_expr_free(pe);
        *pe = c;
    }
    sl_vec_free(&v);
    sl_batch_free(&one);
}

/* typeof(x) is its argument's type name, known at bind time: DuckDB does not evaluate x, so
 * typeof(CAST('abc' AS INTEGER)) is 'INTEGER', not a conversion error. */
static void fold_typeof(sl_expr **pe)
{
    sl_expr *e = *pe;
    const char *name = sl_type_name(e->args[0]->type);
    sl_value x = {0};
    x.type = SL_T_VARCHAR;
    x.v.s.p = name;
    x.v.s.len = (int64_t)strlen(name);
    sl_expr *c = sl_expr_const(&x, e->text);
    sl_expr_free(pe);
    *pe = c;
}

static void fold(sl_expr **pe)
{
    sl_expr *e = *pe;
    if (e->kind == SL_E_CALL && e->fn == SL_FN_TYPEOF && e->n_args == 1) {
        fold_typeof(pe);
        return;
    }
    bool all_const = e->n_args > 0;
    for (int i = 0; i < e->n_args; i++) {
        fold(&e->args[i]);
        all_const &= e->args[i]->kind == SL_E_CONST;
    }
    if (e->kind == SL_E_CONST || e->kind == SL_E_COL || !all_const)
        return;
    fold_call(pe);
}

int sl_expr_fold(sl_expr **pe, sl_err *err)
{
    (void)err;
    if (pe && *pe)
        fold(pe);
    return 0;
}
