/*
 * String functions and operators: LIKE/ILIKE, ||, concat, concat_ws, lower/upper,
 * length/strlen, substr, trim, replace, starts_with/ends_with/contains, left/right, reverse,
 * repeat, split_part, strpos, lpad/rpad.
 * Positions and lengths count UTF-8 code points (DuckDB counts grapheme clusters; code points
 * agree for everything but combining sequences). lower/upper map every code point with the C
 * library's Unicode tables (C.UTF-8 locale, one code point to one, as DuckDB does).
 * NULL in any argument gives NULL, except concat(), which skips NULLs. Local.
 */
#include "func/fn_int.h"
#include "core/mem.h"

#include <locale.h>
#include <string.h>
#include <wctype.h>

static inline bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

static int64_t n_chars(const char *s, int64_t n)
{
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++)
        c += !is_cont((unsigned char)s[i]);
    return c;
}

/* Byte offset of character index ch (clamped to n). */
static int64_t char_off(const char *s, int64_t n, int64_t ch)
{
    int64_t i = 0;
    while (i < n && ch > 0) {
        i++;
        while (i < n && is_cont((unsigned char)s[i]))
            i++;
        ch--;
    }
    return i;
}

/* Decodes one UTF-8 code point at s[0..n); returns its length, or 0 when malformed. */
static int utf8_decode(const unsigned char *s, int64_t n, uint32_t *cp)
{
    int len = s[0] < 0xC0 ? 0 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : s[0] < 0xF8 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    uint32_t c = s[0] & (0x7F >> len);
    for (int k = 1; k < len; k++) {
        if (!is_cont(s[k]))
            return 0;
        c = (c << 6) | (s[k] & 0x3F);
    }
    *cp = c;
    return len;
}

static int utf8_encode(uint32_t c, char *out)
{
    if (c < 0x80) { out[0] = (char)c; return 1; }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | c >> 12); out[1] = (char)(0x80 | (c >> 6 & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | c >> 18); out[1] = (char)(0x80 | (c >> 12 & 0x3F));
    out[2] = (char)(0x80 | (c >> 6 & 0x3F)); out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Appends s with every letter upper- or lower-cased. ASCII is mapped inline; other code points
 * through towupper_l/towlower_l in C.UTF-8 (thread-safe, leaves the process locale alone).
 * Malformed UTF-8 bytes are copied unchanged. */
static void case_map(sl_buf *b, const char *s, int64_t n, bool up)
{
    static locale_t utf8;
    static bool tried;
    if (!tried) {
        utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
        tried = true;
    }
    sl_buf_reserve(b, n + 8);
    for (int64_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            char m = (char)c;
            if (up && c >= 'a' && c <= 'z')
                m = (char)(c - 32);
            else if (!up && c >= 'A' && c <= 'Z')
                m = (char)(c + 32);
            sl_buf_putc(b, m);
            i++;
            continue;
        }
        uint32_t cp;
        int len = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (len == 0 || !utf8) {
            sl_buf_putc(b, (char)c);
            i++;
            continue;
        }
        uint32_t m = (uint32_t)(up ? towupper_l((wint_t)cp, utf8) : towlower_l((wint_t)cp, utf8));
        char enc[4];
        sl_buf_append(b, enc, utf8_encode(m, enc));
        i += len;
    }
}

static inline int64_t step(const char *s, int64_t n, int64_t i)
{
    i++;
    while (i < n && is_cont((unsigned char)s[i]))
        i++;
    return i;
}

static inline char lc(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

bool fn_like(const char *s, int64_t sn, const char *p, int64_t pn, bool ci)
{
    int64_t si = 0, pi = 0, star_p = -1, star_s = 0;
    while (si < sn) {
        if (pi < pn && p[pi] == '%') {
            star_p = ++pi;
            star_s = si;
            continue;
        }
        if (pi < pn && p[pi] == '_') {
            si = step(s, sn, si);
            pi++;
            continue;
        }
        if (pi < pn && (ci ? lc(p[pi]) == lc(s[si]) : p[pi] == s[si])) {
            pi++;
            si++;
            continue;
        }
        if (star_p >= 0) {
            /* Backtrack: let the last % swallow one more character (whole UTF-8 sequences,
             * so a later _ stays aligned on character boundaries). */
            star_s = step(s, sn, star_s);
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

/* Shapes of a constant LIKE pattern with fast paths: 'abc', 'abc%', '%abc', '%abc%'. */
typedef enum { PAT_GENERAL, PAT_EXACT, PAT_PREFIX, PAT_SUFFIX, PAT_CONTAINS } pat_kind;

static pat_kind classify(const char *p, int64_t n, const char **lit, int64_t *lit_n)
{
    int64_t a = 0, b = n;
    while (a < n && p[a] == '%')
        a++;
    while (b > a && p[b - 1] == '%')
        b--;
    for (int64_t i = a; i < b; i++)
        if (p[i] == '%' || p[i] == '_')
            return PAT_GENERAL;
    *lit = p + a;
    *lit_n = b - a;
    bool lead = a > 0, trail = b < n;
    if (lead && trail)
        return PAT_CONTAINS;
    if (lead)
        return PAT_SUFFIX;
    if (trail)
        return PAT_PREFIX;
    return PAT_EXACT;
}

static bool has_sub(const char *s, int64_t sn, const char *t, int64_t tn)
{
    if (tn == 0)
        return true;
    if (tn > sn)
        return false;
    return memmem(s, (size_t)sn, t, (size_t)tn) != NULL;
}

static bool has_non_ascii(const char *s, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return true;
    return false;
}

/* ILIKE is lower(s) LIKE lower(p), as in DuckDB (code point by code point: 'ǅ' ILIKE 'ǆ', but
 * 'Straße' NOT ILIKE 'STRASSE'). ASCII folds inside fn_like; other text is lowered first. */
static bool ilike(const char *s, int64_t sn, const char *p, int64_t pn, sl_buf *ls, sl_buf *lp)
{
    if (!has_non_ascii(s, sn) && !has_non_ascii(p, pn))
        return fn_like(s, sn, p, pn, true);
    sl_buf_reset(ls);
    sl_buf_reset(lp);
    case_map(ls, s, sn, false);
    case_map(lp, p, pn, false);
    return fn_like(ls->data, ls->len, lp->data, lp->len, false);
}

static int like_kernel(const sl_expr *e, const sl_arg *a, const sl_rows *rows, sl_vec **out,
                       bool ci, int64_t neg)
{
    sl_buf ls, lp; /* lowered text for ILIKE */
    sl_buf_init(&ls);
    sl_buf_init(&lp);
    sl_vec *o = fn_new_fixed(SL_T_BOOL, rows->n_rows);
    const sl_arg *s = &a[0], *p = &a[1];
    pat_kind kind = PAT_GENERAL;
    const char *lit = NULL;
    int64_t lit_n = 0;
    if (p->mask == 0 && fn_ok(p, 0) && !ci) {
        int64_t pn;
        const char *pp = fn_str(p, 0, &pn);
        kind = classify(pp, pn, &lit, &lit_n);
    }
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(s, i) || !fn_ok(p, i))
            continue;
        int64_t sn, pn;
        const char *ss = fn_str(s, i, &sn);
        bool m;
        switch (kind) {
        case PAT_EXACT: m = sn == lit_n && memcmp(ss, lit, (size_t)sn) == 0; break;
        case PAT_PREFIX: m = sn >= lit_n && memcmp(ss, lit, (size_t)lit_n) == 0; break;
        case PAT_SUFFIX:
            m = sn >= lit_n && memcmp(ss + sn - lit_n, lit, (size_t)lit_n) == 0;
            break;
        case PAT_CONTAINS: m = has_sub(ss, sn, lit, lit_n); break;
        default: {
            const char *pp = fn_str(p, i, &pn);
            m = ci ? ilike(ss, sn, pp, pn, &ls, &lp) : fn_like(ss, sn, pp, pn, false);
        }
        }
        o->d.i64[i] = (int64_t)m ^ neg;
        fn_set_valid(o, i);
    }
    sl_buf_free(&ls);
    sl_buf_free(&lp);
    *out = o;
    return 0;
}

FN_EXEC(fn_exec_like) { return like_kernel(e, a, rows, out, false, 0); }
FN_EXEC(fn_exec_not_like) { return like_kernel(e, a, rows, out, false, 1); }
FN_EXEC(fn_exec_ilike) { return like_kernel(e, a, rows, out, true, 0); }
FN_EXEC(fn_exec_not_ilike) { return like_kernel(e, a, rows, out, true, 1); }

static bool all_ok(const sl_arg *a, int n, int64_t i)
{
    for (int j = 0; j < n; j++)
        if (!fn_ok(&a[j], i))
            return false;
    return true;
}

static bool in_set(char c, const char *set, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (set[i] == c)
            return true;
    return false;
}

/* The loop of a VARCHAR-valued function with NULL propagation: BODY pushes one value for
 * row i (s, sn = first argument). */
#define STR_LOOP(...)                                                                      \
    for (int64_t k = 0; k < rows->n; k++) {                                                \
        int64_t i = fn_row(rows, k);                                                       \
        if (!all_ok(a, e->n_args, i))                                                      \
            continue;                                                                      \
        int64_t sn;                                                                        \
        const char *s = fn_str(&a[0], i, &sn);                                             \
        fn_pad(o, i);                                                                      \
        __VA_ARGS__;                                                                       \
    }

/* Same for fixed-width results (BIGINT / BOOLEAN): BODY sets r. */
#define FIX_LOOP(...)                                                                      \
    for (int64_t k = 0; k < rows->n; k++) {                                                \
        int64_t i = fn_row(rows, k);                                                       \
        if (!all_ok(a, e->n_args, i))                                                      \
            continue;                                                                      \
        int64_t sn, r;                                                                     \
        const char *s = fn_str(&a[0], i, &sn);                                             \
        __VA_ARGS__;                                                                       \
        o->d.i64[i] = r;                                                                   \
        fn_set_valid(o, i);                                                                \
    }

/* DuckDB's substring bounds, in characters: offset is 1-based; offset 0 starts one
 * character before the string; a negative offset counts from the end; a negative length
 * goes backwards. Returns false for an empty result. */
static bool substr_bounds(int64_t size, int64_t offset, int64_t length, int64_t *start,
                          int64_t *end)
{
    if (length == 0)
        return false;
    if (offset > 0) {
        *start = offset - 1 < size ? offset - 1 : size;
    } else if (offset < 0) {
        *start = size + offset > 0 ? size + offset : 0;
    } else {
        *start = 0;
        length--;
        if (length <= 0)
            return false;
    }
    if (length > 0) {
        *end = length > size - *start ? size : *start + length;
    } else {
        *end = *start;
        *start = length < -*start ? 0 : *start + length;
    }
    return *start != *end;
}

/* ---- type rules ---- */

/* Every argument VARCHAR (a NULL or a literal converts); the result of type t. */
static int all_varchar(sl_expr **args, int n, sl_type t, sl_type *rt, sl_err *err)
{
    int rc = 0;
    for (int j = 0; j < n; j++)
        if (!fn_want(args, j, SL_T_VARCHAR, err, &rc))
            return rc ? rc : FN_NO_MATCH;
    *rt = t;
    return 0;
}

FN_BIND(fn_bind_str_str) { return all_varchar(args, n, SL_T_VARCHAR, rt, err); }
FN_BIND(fn_bind_str_bool) { return all_varchar(args, n, SL_T_BOOL, rt, err); }
FN_BIND(fn_bind_str_int) { return all_varchar(args, n, SL_T_BIGINT, rt, err); }

/* A VARCHAR, then BIGINTs (substr, left, right, repeat). */
FN_BIND(fn_bind_str_ints)
{
    int rc = 0;
    if (!fn_want(args, 0, SL_T_VARCHAR, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    for (int j = 1; j < n; j++)
        if (!fn_want(args, j, SL_T_BIGINT, err, &rc))
            return rc ? rc : FN_NO_MATCH;
    *rt = SL_T_VARCHAR;
    return 0;
}

/* || and concat take anything, cast to VARCHAR. */
FN_BIND(fn_bind_concat)
{
    for (int j = 0; j < n; j++)
        if (sl_type_is_list(args[j]->type) || sl_type_is_struct(args[j]->type))
            return FN_NO_MATCH; /* DuckDB: "Cannot concatenate types VARCHAR[] and ..." */
    for (int j = 0; j < n; j++) {
        int rc = fn_coerce(&args[j], SL_T_VARCHAR, err);
        if (rc)
            return rc;
    }
    *rt = SL_T_VARCHAR;
    return 0;
}

/* ---- kernels with a BIGINT or BOOLEAN result ---- */

#define FIX_KERNEL(NAME, ...)                                                              \
    FN_EXEC(NAME)                                                                          \
    {                                                                                      \
        sl_vec *o = fn_new_fixed(e->type, rows->n_rows);                                   \
        int64_t tn;                                                                        \
        const char *t;                                                                     \
        (void)tn; (void)t;                                                                 \
        FIX_LOOP(__VA_ARGS__)                                                              \
        *out = o;                                                                          \
        return 0;                                                                          \
    }

FIX_KERNEL(fn_exec_length, r = n_chars(s, sn))
FIX_KERNEL(fn_exec_strlen, (void)s; r = sn)
FIX_KERNEL(fn_exec_starts_with, t = fn_str(&a[1], i, &tn);
           r = tn <= sn && memcmp(s, t, (size_t)tn) == 0)
FIX_KERNEL(fn_exec_ends_with, t = fn_str(&a[1], i, &tn);
           r = tn <= sn && memcmp(s + sn - tn, t, (size_t)tn) == 0)
FIX_KERNEL(fn_exec_contains, t = fn_str(&a[1], i, &tn); r = has_sub(s, sn, t, tn))

/* ---- kernels with a VARCHAR result ---- */

/* BODY fills o (one entry per physical row; STR_LOOP pads the rows that are not live) with
 * b as scratch. */
#define STR_KERNEL(NAME, ...)                                                              \
    FN_EXEC(NAME)                                                                          \
    {                                                                                      \
        sl_vec *o = sl_vec_new(SL_T_VARCHAR, rows->n_rows);                                \
        sl_buf b;                                                                          \
        sl_buf_init(&b);                                                                   \
        __VA_ARGS__;                                                                       \
        fn_pad(o, rows->n_rows);                                                           \
        sl_buf_free(&b);                                                                   \
        *out = o;                                                                          \
        return 0;                                                                          \
    }

/* concat skips NULLs (never NULL itself). */
STR_KERNEL(fn_exec_concat,
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        sl_buf_reset(&b);
        for (int j = 0; j < e->n_args; j++) {
            if (!fn_ok(&a[j], i))
                continue;
            int64_t tn;
            const char *t = fn_str(&a[j], i, &tn);
            sl_buf_append(&b, t, tn);
        }
        fn_pad(o, i);
        sl_vec_push_str(o, b.data, b.len);
    })

STR_KERNEL(fn_exec_concat_op,
    STR_LOOP(int64_t tn; const char *t = fn_str(&a[1], i, &tn); sl_buf_reset(&b);
             sl_buf_append(&b, s, sn); sl_buf_append(&b, t, tn);
             sl_vec_push_str(o, b.data, b.len)))

STR_KERNEL(fn_exec_lower,
    STR_LOOP(sl_buf_reset(&b); case_map(&b, s, sn, false); sl_vec_push_str(o, b.data, b.len)))
STR_KERNEL(fn_exec_upper,
    STR_LOOP(sl_buf_reset(&b); case_map(&b, s, sn, true); sl_vec_push_str(o, b.data, b.len)))

STR_KERNEL(fn_exec_substr,
    STR_LOOP(int64_t off = fn_i64(&a[1], i);
             int64_t len = e->n_args > 2 ? fn_i64(&a[2], i) : INT64_MAX / 4;
             if (len > INT64_MAX / 4) len = INT64_MAX / 4;
             if (len < -(INT64_MAX / 4)) len = -(INT64_MAX / 4);
             if (off > INT64_MAX / 4) off = INT64_MAX / 4;
             if (off < -(INT64_MAX / 4)) off = -(INT64_MAX / 4);
             int64_t st, en;
             if (!substr_bounds(n_chars(s, sn), off, len, &st, &en)) {
                 sl_vec_push_str(o, "", 0);
             } else {
                 int64_t bs = char_off(s, sn, st);
                 int64_t be = bs + char_off(s + bs, sn - bs, en - st);
                 sl_vec_push_str(o, s + bs, be - bs);
             }))

/* trim(s [, characters]): strips the characters (default: spaces) from the chosen ends. */
static sl_vec *trim_kernel(const sl_expr *e, const sl_arg *a, const sl_rows *rows, bool left,
                           bool right)
{
    sl_vec *o = sl_vec_new(SL_T_VARCHAR, rows->n_rows);
    STR_LOOP(const char *set = " "; int64_t set_n = 1;
             if (e->n_args > 1) set = fn_str(&a[1], i, &set_n);
             int64_t x = 0, y = sn;
             while (left && x < y && in_set(s[x], set, set_n)) x++;
             while (right && y > x && in_set(s[y - 1], set, set_n)) y--;
             sl_vec_push_str(o, s + x, y - x))
    fn_pad(o, rows->n_rows);
    return o;
}

FN_EXEC(fn_exec_trim) { *out = trim_kernel(e, a, rows, true, true); return 0; }
FN_EXEC(fn_exec_ltrim) { *out = trim_kernel(e, a, rows, true, false); return 0; }
FN_EXEC(fn_exec_rtrim) { *out = trim_kernel(e, a, rows, false, true); return 0; }

STR_KERNEL(fn_exec_replace,
    STR_LOOP(int64_t fnn, tn; const char *f = fn_str(&a[1], i, &fnn);
             const char *t = fn_str(&a[2], i, &tn);
             if (fnn == 0) {
                 sl_vec_push_str(o, s, sn);
             } else {
                 sl_buf_reset(&b);
                 int64_t x = 0;
                 while (x < sn) {
                     const char *h = sn - x >= fnn
                             ? memmem(s + x, (size_t)(sn - x), f, (size_t)fnn) : NULL;
                     if (!h) break;
                     int64_t at = h - s;
                     sl_buf_append(&b, s + x, at - x);
                     sl_buf_append(&b, t, tn);
                     x = at + fnn;
                 }
                 sl_buf_append(&b, s + x, sn - x);
                 sl_vec_push_str(o, b.data ? b.data : "", b.len);
             }))

/* left(s, n) / right(s, n): the first / last n characters; a negative n drops that many
 * from the other end. */
static sl_vec *side_kernel(const sl_expr *e, const sl_arg *a, const sl_rows *rows,
                           bool is_left)
{
    sl_vec *o = sl_vec_new(SL_T_VARCHAR, rows->n_rows);
    STR_LOOP(int64_t cnt = fn_i64(&a[1], i); int64_t size = n_chars(s, sn);
             int64_t keep = cnt >= 0 ? (cnt < size ? cnt : size)
                                     : (size + cnt > 0 ? size + cnt : 0);
             if (is_left) {
                 sl_vec_push_str(o, s, char_off(s, sn, keep));
             } else {
                 int64_t bs = char_off(s, sn, size - keep);
                 sl_vec_push_str(o, s + bs, sn - bs);
             })
    fn_pad(o, rows->n_rows);
    return o;
}

FN_EXEC(fn_exec_left) { *out = side_kernel(e, a, rows, true); return 0; }
FN_EXEC(fn_exec_right) { *out = side_kernel(e, a, rows, false); return 0; }

STR_KERNEL(fn_exec_reverse,
    STR_LOOP(sl_buf_reset(&b); sl_buf_reserve(&b, sn); b.len = sn;
             for (int64_t x = 0; x < sn;) {
                 int64_t y = step(s, sn, x);
                 memcpy(b.data + sn - y, s + x, (size_t)(y - x));
                 x = y;
             } sl_vec_push_str(o, b.data ? b.data : "", sn)))

STR_KERNEL(fn_exec_repeat,
    STR_LOOP(int64_t cnt = fn_i64(&a[1], i); sl_buf_reset(&b);
             if (cnt > 0 && sn > 0 && cnt > (INT64_C(1) << 30) / sn) {
                 sl_buf_free(&b);
                 sl_vec_free(&o);
                 return fn_rt_error(err, e, "repeat() result is too large");
             }
             for (int64_t x = 0; x < cnt; x++) sl_buf_append(&b, s, sn);
             sl_vec_push_str(o, b.data ? b.data : "", b.len)))

/* ---- split_part, strpos, lpad/rpad, concat_ws ---- */

/* split_part(s, delimiter, index) and lpad/rpad(s, count, characters) take their own types. */
FN_BIND(fn_bind_split_part)
{
    int rc = 0;
    if (!fn_want(args, 0, SL_T_VARCHAR, err, &rc) || !fn_want(args, 1, SL_T_VARCHAR, err, &rc)
        || !fn_want(args, 2, SL_T_BIGINT, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    *rt = SL_T_VARCHAR;
    return 0;
}

FN_BIND(fn_bind_pad)
{
    int rc = 0;
    if (!fn_want(args, 0, SL_T_VARCHAR, err, &rc) || !fn_want(args, 1, SL_T_BIGINT, err, &rc)
        || !fn_want(args, 2, SL_T_VARCHAR, err, &rc))
        return rc ? rc : FN_NO_MATCH;
    *rt = SL_T_VARCHAR;
    return 0;
}

/* split_part: DuckDB's string_split(s, delimiter)[index]. The index is 1-based, negative
 * counts from the end, 0 or past either end gives ''. An empty delimiter splits into single
 * characters (code points), an empty string into nothing. */
static void split_part_one(sl_vec *o, const char *s, int64_t sn, const char *d, int64_t dn,
                           int64_t idx)
{
    int64_t starts[2], n_parts = 0;
    /* Count the parts first when counting from the end. */
    if (dn == 0) {
        n_parts = n_chars(s, sn);
    } else {
        n_parts = 1;
        for (const char *h = s; (h = sn - (h - s) >= dn
                                 ? memmem(h, (size_t)(sn - (h - s)), d, (size_t)dn) : NULL);
             h += dn)
            n_parts++;
    }
    if (idx < 0)
        idx = n_parts + idx + 1;
    if (idx <= 0 || idx > n_parts) {
        sl_vec_push_str(o, "", 0);
        return;
    }
    if (dn == 0) {
        starts[0] = char_off(s, sn, idx - 1);
        starts[1] = step(s, sn, starts[0]);
        sl_vec_push_str(o, s + starts[0], starts[1] - starts[0]);
        return;
    }
    int64_t at = 0;
    for (int64_t p = 1; p < idx; p++)
        at = (const char *)memmem(s + at, (size_t)(sn - at), d, (size_t)dn) - s + dn;
    const char *h = sn - at >= dn ? memmem(s + at, (size_t)(sn - at), d, (size_t)dn) : NULL;
    int64_t end = h ? h - s : sn;
    sl_vec_push_str(o, s + at, end - at);
}

STR_KERNEL(fn_exec_split_part,
    STR_LOOP(int64_t dn; const char *d = fn_str(&a[1], i, &dn);
             split_part_one(o, s, sn, d, dn, fn_i64(&a[2], i))))

/* strpos(s, needle): the 1-based character position of the first occurrence, 0 when absent
 * (1 for an empty needle). */
FIX_KERNEL(fn_exec_strpos, t = fn_str(&a[1], i, &tn);
           const char *h = tn == 0 ? s : sn >= tn ? memmem(s, (size_t)sn, t, (size_t)tn) : NULL;
           r = h ? n_chars(s, h - s) + 1 : 0)

/* lpad/rpad(s, count, characters): s cut or padded to count characters, the padding
 * repeating `characters` from its start. An empty `characters` that would have to pad is an
 * error, as in DuckDB. */
static int pad_kernel(const sl_expr *e, const sl_arg *a, const sl_rows *rows, sl_vec **out,
                      bool left, sl_err *err)
{
    sl_vec *o = sl_vec_new(SL_T_VARCHAR, rows->n_rows);
    sl_buf b;
    sl_buf_init(&b);
    STR_LOOP(int64_t cnt = fn_i64(&a[1], i); int64_t pn; const char *p = fn_str(&a[2], i, &pn);
             if (cnt > (INT64_C(1) << 28)) {
                 sl_buf_free(&b);
                 sl_vec_free(&o);
                 return fn_rt_error(err, e, "%s() result is too large", left ? "lpad" : "rpad");
             }
             if (cnt < 0) cnt = 0;
             int64_t have = n_chars(s, sn);
             int64_t keep = have < cnt ? have : cnt, need = cnt - keep;
             if (need > 0 && pn == 0) {
                 sl_buf_free(&b);
                 sl_vec_free(&o);
                 return fn_rt_error(err, e, "Insufficient padding in %s",
                                    left ? "LPAD" : "RPAD");
             }
             sl_buf_reset(&b);
             if (!left) sl_buf_append(&b, s, char_off(s, sn, keep));
             for (int64_t x = 0, c = 0; c < need; c++) {
                 int64_t y = step(p, pn, x);
                 sl_buf_append(&b, p + x, y - x);
                 x = y < pn ? y : 0;
             }
             if (left) sl_buf_append(&b, s, char_off(s, sn, keep));
             sl_vec_push_str(o, b.data ? b.data : "", b.len))
    fn_pad(o, rows->n_rows);
    sl_buf_free(&b);
    *out = o;
    return 0;
}

FN_EXEC(fn_exec_lpad) { return pad_kernel(e, a, rows, out, true, err); }
FN_EXEC(fn_exec_rpad) { return pad_kernel(e, a, rows, out, false, err); }

/* concat_ws(separator, ...): NULL when the separator is NULL; NULL arguments are skipped (no
 * separator for them), '' arguments are kept. */
STR_KERNEL(fn_exec_concat_ws,
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        int64_t sepn;
        const char *sep = fn_str(&a[0], i, &sepn);
        bool first = true;
        sl_buf_reset(&b);
        for (int j = 1; j < e->n_args; j++) {
            if (!fn_ok(&a[j], i))
                continue;
            int64_t tn;
            const char *t = fn_str(&a[j], i, &tn);
            if (!first)
                sl_buf_append(&b, sep, sepn);
            sl_buf_append(&b, t, tn);
            first = false;
        }
        fn_pad(o, i);
        sl_vec_push_str(o, b.data ? b.data : "", b.len);
    })
