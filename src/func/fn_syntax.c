/*
 * Kernels behind SQL syntax forms (the parser and binder in src/sql produce them; users do
 * not call them by name): a IS [NOT] DISTINCT FROM b (and so x IS [NOT] TRUE / FALSE, which
 * the parser writes as x IS [NOT] DISTINCT FROM true / false, as DuckDB does), s [NOT] LIKE
 * p ESCAPE c (ILIKE ... ESCAPE binds to it over lower() of its arguments), s GLOB p and
 * position(n IN s). Local.
 */
#include "func/fn_int.h"
#include "core/mem.h"

#include <math.h>
#include <string.h>

/* ---- IS [NOT] DISTINCT FROM ---- */

/* Never NULL: two NULLs are not distinct, a NULL and a value are; NaN equals NaN (DuckDB's
 * total order of doubles). */
static int distinct_kernel(const sl_expr *e, const sl_arg *a, const sl_rows *rows,
                           sl_vec **out, int64_t neg)
{
    sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);
    sl_type t = e->args[0]->type;
    int cls = fn_type_class(t);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        bool lok = t != SL_T_NULL && fn_ok(&a[0], i);
        bool rok = e->args[1]->type != SL_T_NULL && fn_ok(&a[1], i);
        bool d;
        if (!lok || !rok) {
            d = lok != rok;
        } else if (cls == 1) {
            double x = fn_f64(&a[0], i), y = fn_f64(&a[1], i);
            d = isnan(x) || isnan(y) ? isnan(x) != isnan(y) : x != y;
        } else {
            d = fn_cmp3(cls, &a[0], &a[1], i) != 0;
        }
        o->d.i64[i] = (int64_t)d ^ neg;
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}

FN_EXEC(fn_exec_is_distinct) { return distinct_kernel(e, a, rows, out, 0); }
FN_EXEC(fn_exec_is_not_distinct) { return distinct_kernel(e, a, rows, out, 1); }

/* ---- LIKE ... ESCAPE ---- */

static inline bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

/* Byte length of the UTF-8 character at s[i] (at least 1, at most what is left). */
static inline int64_t char_len(const char *s, int64_t n, int64_t i)
{
    int64_t j = i + 1;
    while (j < n && is_cont((unsigned char)s[j]))
        j++;
    return j - i;
}

/* LIKE with an escape character (esc, en bytes; en == 0: none): esc followed by any
 * character matches that character literally; an esc at the end of the pattern matches
 * nothing (DuckDB). % and _ as in fn_like; _ is one UTF-8 character. */
static bool like_esc(const char *s, int64_t sn, const char *p, int64_t pn, const char *esc,
                     int64_t en)
{
    int64_t si = 0, pi = 0, star_p = -1, star_s = 0;
    while (si < sn) {
        if (pi < pn && en > 0 && pn - pi >= en && memcmp(p + pi, esc, (size_t)en) == 0) {
            int64_t lit = pi + en;
            if (lit >= pn)
                return false;
            int64_t ln = char_len(p, pn, lit);
            if (sn - si >= ln && memcmp(s + si, p + lit, (size_t)ln) == 0) {
                si += ln;
                pi = lit + ln;
                continue;
            }
        } else if (pi < pn && p[pi] == '%') {
            star_p = ++pi;
            star_s = si;
            continue;
        } else if (pi < pn && p[pi] == '_') {
            si += char_len(s, sn, si);
            pi++;
            continue;
        } else if (pi < pn && p[pi] == s[si]) {
            pi++;
            si++;
            continue;
        }
        if (star_p >= 0) {
            star_s += char_len(s, sn, star_s);
            si = star_s;
            pi = star_p;
            continue;
        }
        return false;
    }
    while (pi < pn && p[pi] == '%')
        pi++;
    return pi == pn;
}

static int like_escape_kernel(const sl_expr *e, const sl_arg *a, const sl_rows *rows,
                              sl_vec **out, int64_t neg, sl_err *err)
{
    sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i) || !fn_ok(&a[2], i))
            continue;
        int64_t sn, pn, en;
        const char *s = fn_str(&a[0], i, &sn), *p = fn_str(&a[1], i, &pn);
        const char *esc = fn_str(&a[2], i, &en);
        if (en > 0 && char_len(esc, en, 0) != en) {
            sl_vec_free(&o);
            return fn_rt_error(err, e, "Invalid escape string. Escape string must be empty "
                               "or one character.");
        }
        o->d.i64[i] = (int64_t)like_esc(s, sn, p, pn, esc, en) ^ neg;
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}

FN_EXEC(fn_exec_like_escape) { return like_escape_kernel(e, a, rows, out, 0, err); }
FN_EXEC(fn_exec_not_like_escape) { return like_escape_kernel(e, a, rows, out, 1, err); }

/* ---- s GLOB p ---- */

/* Whether pattern element p[*pi] (not '*') matches byte c; moves *pi past it. Bytes, not
 * characters, and signed char ranges, as DuckDB's Glob: '?' one byte, '[a-z]' / '[!a-z]'
 * (a ']' first in the brackets is literal; no closing ']': no match), '\\x' a literal x. */
static bool glob_elem(const char *p, int64_t pn, int64_t *pi, char c)
{
    int64_t j = *pi;
    if (p[j] == '?') {
        *pi = j + 1;
        return true;
    }
    if (p[j] == '\\') {
        *pi = j + 2;
        return j + 1 < pn && p[j + 1] == c;
    }
    if (p[j] != '[') {
        *pi = j + 1;
        return p[j] == c;
    }
    if (++j == pn)
        return false;
    bool invert = p[j] == '!';
    if (invert)
        j++;
    bool found = invert, closed = false;
    int64_t start = j;
    while (j < pn) {
        if (p[j] == ']' && j > start) {
            closed = true;
            j++;
            break;
        }
        if (j + 1 == pn)
            break;
        bool m;
        if (p[j + 1] == '-') {
            if (j + 2 == pn)
                break;
            m = c >= p[j] && c <= p[j + 2];
            j += 3;
        } else {
            m = p[j] == c;
            j++;
        }
        if (found == invert && m)
            found = !invert;
    }
    *pi = j;
    return closed && found;
}

/* DuckDB's GLOB: '*' any bytes; the last '*' is retried one byte further on a mismatch (the
 * other elements match one byte each, so this finds a match when there is one). */
static bool glob_match(const char *s, int64_t sn, const char *p, int64_t pn)
{
    int64_t si = 0, pi = 0, star_p = -1, star_s = 0;
    while (si < sn) {
        if (pi < pn && p[pi] == '*') {
            while (pi < pn && p[pi] == '*')
                pi++;
            if (pi == pn)
                return true;
            star_p = pi;
            star_s = si;
            continue;
        }
        int64_t next = pi;
        if (pi < pn && glob_elem(p, pn, &next, s[si])) {
            pi = next;
            si++;
        } else if (star_p >= 0) {
            pi = star_p;
            si = ++star_s;
        } else {
            return false;
        }
    }
    while (pi < pn && p[pi] == '*')
        pi++;
    return pi == pn;
}

FN_EXEC(fn_exec_glob)
{
    sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i))
            continue;
        int64_t sn, pn;
        const char *s = fn_str(&a[0], i, &sn), *p = fn_str(&a[1], i, &pn);
        o->d.i64[i] = glob_match(s, sn, p, pn);
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}

/* ---- position(needle IN s) ---- */

/* 1-based character index of the first needle in s; 0 when absent; 1 for an empty needle. */
FN_EXEC(fn_exec_position_in)
{
    sl_vec *o = fn_new_fixed(SL_T_BIGINT, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i) || !fn_ok(&a[1], i))
            continue;
        int64_t nn, sn;
        const char *n = fn_str(&a[0], i, &nn), *s = fn_str(&a[1], i, &sn);
        int64_t pos = 0;
        const char *hit = nn == 0 ? s : nn > sn ? NULL : memmem(s, (size_t)sn, n, (size_t)nn);
        if (hit) {
            pos = 1;
            for (const char *c = s; c < hit; c++)
                pos += !is_cont((unsigned char)*c);
        }
        o->d.i64[i] = pos;
        fn_set_valid(o, i);
    }
    *out = o;
    return 0;
}
