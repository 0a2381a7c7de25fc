/*
 * Regular expressions: regexp_matches, regexp_replace, regexp_extract, with Debian's PCRE2
 * (libpcre2-8) in UTF mode standing in for DuckDB's RE2. The subset DuckDB users write (classes,
 * groups, quantifiers, anchors, alternation, \d \w \s, which are ASCII-only in both) means the
 * same in both; PCRE2 also accepts backreferences and lookaround, which RE2 refuses.
 * DuckDB's conventions are kept where the libraries differ: a match may start anywhere
 * (regexp_matches is a search), '.' does not match a newline unless option 's', the
 * replacement names groups as \0..\9 (not $1) and an invalid replacement leaves the string
 * unchanged, and a global replace skips an empty match right after the previous match (RE2's
 * GlobalReplace). Options (a constant string): 'c' case-sensitive (default), 'i'
 * case-insensitive, 's' '.' matches newline, 'm' 'n' 'p' newline-sensitive (the default),
 * 'l' literal pattern, 'g' global (regexp_replace only). A constant pattern is compiled once
 * per batch. Local.
 */
#include "func/fn_int.h"
#include "core/mem.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

typedef enum { RX_MATCHES, RX_REPLACE, RX_EXTRACT } rx_kind;

/* Parses the options string into PCRE2 flags (and *global). Returns 0 or an error. */
static int rx_options(const sl_expr *e, rx_kind kind, const char *o, int64_t on,
                      uint32_t *flags, bool *global, sl_err *err)
{
    *flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    *global = false;
    for (int64_t k = 0; k < on; k++) {
        switch (o[k]) {
        case 'c': *flags &= ~(uint32_t)PCRE2_CASELESS; break;
        case 'i': *flags |= PCRE2_CASELESS; break;
        case 's': *flags |= PCRE2_DOTALL; break;
        case 'm': case 'n': case 'p': *flags &= ~(uint32_t)PCRE2_DOTALL; break;
        case 'l': *flags |= PCRE2_LITERAL; break;
        case 'g':
            if (kind == RX_REPLACE) {
                *global = true;
                break;
            }
            return fn_rt_error(err, e, "Option 'g' (global replace) is only valid for "
                                       "regexp_replace");
        default: return fn_rt_error(err, e, "Unrecognized Regex option %c", o[k]);
        }
    }
    return 0;
}

/* A compiled pattern with its match data; kept across rows while pattern and flags repeat. */
typedef struct rx {
    pcre2_code *code;
    pcre2_match_data *md;
    uint32_t flags;
    uint32_t n_groups;
} rx;

static void rx_free(rx *r)
{
    pcre2_match_data_free(r->md);
    pcre2_code_free(r->code);
    memset(r, 0, sizeof *r);
}

static int rx_compile(const sl_expr *e, rx *r, const char *p, int64_t pn, uint32_t flags,
                      sl_err *err)
{
    rx_free(r);
    int ec;
    PCRE2_SIZE off;
    r->code = pcre2_compile((PCRE2_SPTR)(pn ? p : ""), (PCRE2_SIZE)pn, flags, &ec, &off, NULL);
    if (!r->code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return fn_rt_error(err, e, "invalid regular expression \"%.*s\": %s at offset %zu",
                           (int)(pn < 200 ? pn : 200), p, (const char *)msg, (size_t)off);
    }
    /* JIT where the platform has it; the interpreter otherwise. */
    (void)pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE);
    r->md = pcre2_match_data_create_from_pattern(r->code, NULL);
    pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &r->n_groups);
    r->flags = flags;
    return 0;
}

/* Runs r on s from byte `from`; returns 1 match, 0 none, <0 an error code (err set). */
static int rx_match(const sl_expr *e, rx *r, const char *s, int64_t sn, int64_t from,
                    sl_err *err)
{
    int rc = pcre2_match(r->code, (PCRE2_SPTR)(sn ? s : ""), (PCRE2_SIZE)sn, (PCRE2_SIZE)from,
                         0, r->md, NULL);
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(rc, msg, sizeof msg);
    return fn_rt_error(err, e, "regular expression failed: %s", (const char *)msg);
}

/* Appends the replacement rw for the current match: \0..\9 name groups, \\ is a backslash.
 * Returns false for an invalid replacement (RE2's Rewrite fails: the row stays unchanged). */
static bool rewrite(sl_buf *b, const rx *r, const char *s, const char *rw, int64_t rn)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
    for (int64_t k = 0; k < rn; k++) {
        if (rw[k] != '\\') {
            sl_buf_putc(b, rw[k]);
            continue;
        }
        if (++k == rn)
            return false;
        if (rw[k] == '\\') {
            sl_buf_putc(b, '\\');
        } else if (rw[k] >= '0' && rw[k] <= '9') {
            uint32_t g = (uint32_t)(rw[k] - '0');
            if (g > r->n_groups)
                return false;
            if (ov[2 * g] != PCRE2_UNSET)
                sl_buf_append(b, s + ov[2 * g], (int64_t)(ov[2 * g + 1] - ov[2 * g]));
        } else {
            return false;
        }
    }
    return true;
}

/* One row of regexp_replace into b; returns <0 on error. */
static int replace_one(const sl_expr *e, rx *r, sl_buf *b, const char *s, int64_t sn,
                       const char *rw, int64_t rn, bool global, sl_err *err)
{
    int64_t p = 0, lastend = -1, count = 0;
    sl_buf_reset(b);
    while (p <= sn) {
        int m = rx_match(e, r, s, sn, p, err);
        if (m < 0)
            return m;
        if (m == 0)
            break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
        int64_t ms = (int64_t)ov[0], me = (int64_t)ov[1];
        if (p < ms)
            sl_buf_append(b, s + p, ms - p);
        if (ms == lastend && ms == me) {
            /* An empty match where the last one ended: copy one character and go on. */
            int64_t n = 1;
            while (p + n < sn && ((unsigned char)s[p + n] & 0xC0) == 0x80)
                n++;
            if (p < sn)
                sl_buf_append(b, s + p, n);
            p += n;
            continue;
        }
        if (!rewrite(b, r, s, rw, rn)) {
            sl_buf_reset(b);
            sl_buf_append(b, s, sn);
            return 0;
        }
        p = me;
        lastend = p;
        count++;
        if (!global)
            break;
    }
    if (count == 0) {
        sl_buf_reset(b);
        sl_buf_append(b, s, sn);
        return 0;
    }
    if (p < sn)
        sl_buf_append(b, s + p, sn - p);
    return 0;
}

/* The shared loop: compiles the pattern when it (or the options) changed, then one row. */
static int rx_kernel(const sl_expr *e, const sl_arg *a, const sl_rows *rows, sl_vec **out,
                     rx_kind kind, sl_err *err)
{
    int opt_arg = kind == RX_MATCHES ? 2 : 3;
    bool fixed = kind == RX_MATCHES;
    sl_vec *o = fixed ? fn_new_fixed(SL_T_BOOL, rows->n_rows)
                      : sl_vec_new(SL_T_VARCHAR, rows->n_rows);
    rx r = {0};
    const char *last_p = NULL;
    int64_t last_pn = -1;
    sl_buf b;
    sl_buf_init(&b);
    int rc = 0;
    for (int64_t k = 0; k < rows->n && rc == 0; k++) {
        int64_t i = fn_row(rows, k);
        bool ok = true;
        for (int j = 0; j < e->n_args; j++)
            ok = ok && fn_ok(&a[j], i);
        if (!ok)
            continue;
        int64_t sn, pn, on = 0;
        const char *s = fn_str(&a[0], i, &sn), *p = fn_str(&a[1], i, &pn), *opt = "";
        if (e->n_args > opt_arg)
            opt = fn_str(&a[opt_arg], i, &on);
        uint32_t flags;
        bool global;
        rc = rx_options(e, kind, opt, on, &flags, &global, err);
        if (rc)
            break;
        if (!r.code || flags != r.flags || pn != last_pn || memcmp(p, last_p, (size_t)pn)) {
            rc = rx_compile(e, &r, p, pn, flags, err);
            if (rc)
                break;
            last_p = p;
            last_pn = pn;
        }
        if (kind == RX_MATCHES) {
            int m = rx_match(e, &r, s, sn, 0, err);
            if (m < 0) {
                rc = m;
                break;
            }
            o->d.i64[i] = m;
            fn_set_valid(o, i);
            continue;
        }
        fn_pad(o, i);
        if (kind == RX_REPLACE) {
            int64_t rn;
            const char *rw = fn_str(&a[2], i, &rn);
            rc = replace_one(e, &r, &b, s, sn, rw, rn, global, err);
            if (rc == 0)
                sl_vec_push_str(o, b.data ? b.data : "", b.len);
            continue;
        }
        int64_t g = e->n_args > 2 ? fn_i64(&a[2], i) : 0;
        if (g < 0 || g > 9) {
            rc = fn_rt_error(err, e, "Group index must be between 0 and 9!");
            break;
        }
        int m = rx_match(e, &r, s, sn, 0, err);
        if (m < 0) {
            rc = m;
            break;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r.md);
        if (m == 0 || (uint32_t)g > r.n_groups || ov[2 * g] == PCRE2_UNSET)
            sl_vec_push_str(o, "", 0);
        else
            sl_vec_push_str(o, s + ov[2 * g], (int64_t)(ov[2 * g + 1] - ov[2 * g]));
    }
    rx_free(&r);
    sl_buf_free(&b);
    if (rc) {
        sl_vec_free(&o);
        return rc;
    }
    if (!fixed)
        fn_pad(o, rows->n_rows);
    *out = o;
    return 0;
}

FN_EXEC(fn_exec_regexp_matches) { return rx_kernel(e, a, rows, out, RX_MATCHES, err); }
FN_EXEC(fn_exec_regexp_replace) { return rx_kernel(e, a, rows, out, RX_REPLACE, err); }
FN_EXEC(fn_exec_regexp_extract) { return rx_kernel(e, a, rows, out, RX_EXTRACT, err); }

/* regexp_matches(s, pattern [, options]) -> BOOLEAN; regexp_replace(s, pattern, replacement
 * [, options]) -> VARCHAR: every argument VARCHAR. */
static int rx_bind(sl_expr **args, int n, int int_arg, sl_type t, sl_type *rt, sl_err *err)
{
    int rc = 0;
    for (int j = 0; j < n; j++)
        if (!fn_want(args, j, j == int_arg ? SL_T_BIGINT : SL_T_VARCHAR, err, &rc))
            return rc ? rc : FN_NO_MATCH;
    *rt = t;
    return 0;
}

FN_BIND(fn_bind_regexp_matches) { return rx_bind(args, n, -1, SL_T_BOOL, rt, err); }
FN_BIND(fn_bind_regexp_replace) { return rx_bind(args, n, -1, SL_T_VARCHAR, rt, err); }
/* regexp_extract(s, pattern [, group [, options]]): group is a BIGINT. */
FN_BIND(fn_bind_regexp_extract) { return rx_bind(args, n, 2, SL_T_VARCHAR, rt, err); }
