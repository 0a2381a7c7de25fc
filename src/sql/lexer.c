/*
 * SQL lexer: one pass over the original job text that yields the tokens (identifiers,
 * keywords, numbers, 'strings', "quoted identifiers", operators; -- and block comments are
 * skipped) and the display text (the job with each ${name} replaced, see sl_sql_src).
 * Parameters are values, never SQL text: inside a quoted literal the value is part of the
 * literal; elsewhere it must lex on its own as one literal and its tokens are inserted as
 * tokens, so no -D value can end a literal, add a statement or comment out the rest of a line.
 * Every token records line:col in the ORIGINAL text, so every error message (here, in the
 * parser and in the binder) points at what the user wrote. Local.
 */
#include "sql/sql_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

/* ---- the shared display text ---- */

sl_sql_src *sl_sql_src_ref(sl_sql_src *src)
{
    if (src)
        src->refs++;
    return src;
}

void sl_sql_src_unref(sl_sql_src **psrc)
{
    if (!psrc || !*psrc)
        return;
    if (--(*psrc)->refs == 0)
        sl_free(*psrc);
    *psrc = NULL;
}

void sl_src_text_free(sl_src_text *st)
{
    sl_sql_src_unref(&st->src);
    memset(st, 0, sizeof *st);
}

/* ---- lexer state ---- */

typedef struct lexer {
    const char *s;            /* text being lexed (the job, or one -D value) */
    int64_t n;
    const char *path;         /* for messages */
    const sl_params *params;
    bool value;               /* lexing a -D value on its own: no ${}, no comments */
    sl_buf out;               /* display text */
    sl_tok *toks;
    int64_t n_tok, cap_tok;
    int64_t *line_off;        /* start of each line of s */
    int64_t n_lines, cap_lines;
    sl_err *err;
} lexer;

static void lex_init(lexer *lx, const char *s, int64_t n, const char *path,
                     const sl_params *params, bool value, sl_err *err)
{
    memset(lx, 0, sizeof *lx);
    lx->s = s;
    lx->n = n;
    lx->path = path;
    lx->params = params;
    lx->value = value;
    lx->err = err;
    sl_buf_init(&lx->out);
    SL_GROW(lx->line_off, lx->cap_lines, 1);
    lx->line_off[lx->n_lines++] = 0;
    for (const char *p = s, *end = s + n; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) {
        SL_GROW(lx->line_off, lx->cap_lines, lx->n_lines + 1);
        lx->line_off[lx->n_lines++] = p - s + 1;
    }
}

static void lex_free(lexer *lx)
{
    sl_sql_toks_free(lx->toks, (int)lx->n_tok);
    sl_buf_free(&lx->out);
    sl_free(lx->line_off);
    lx->toks = NULL;
    lx->n_tok = 0;
}

/* Line/col (1-based) of byte off of the text being lexed; O(log lines). */
static void pos(const lexer *lx, int64_t off, int *line, int *col)
{
    int64_t lo = 0, hi = lx->n_lines - 1;
    while (lo < hi) {
        int64_t mid = (lo + hi + 1) / 2;
        if (lx->line_off[mid] <= off)
            lo = mid;
        else
            hi = mid - 1;
    }
    *line = (int)(lo + 1);
    *col = (int)(off - lx->line_off[lo]) + 1;
}

static char at(const lexer *lx, int64_t i) { return i < lx->n ? lx->s[i] : 0; }

static bool param_start(const lexer *lx, int64_t i)
{
    return at(lx, i) == '$' && at(lx, i + 1) == '{';
}

/* Appends a token; off/len are in the display text, line:col given. Takes ownership of val. */
static sl_tok *push(lexer *lx, sl_tok_kind kind, int64_t off, int64_t len, char *val, int line,
                    int col)
{
    SL_GROW(lx->toks, lx->cap_tok, lx->n_tok + 1);
    sl_tok *t = &lx->toks[lx->n_tok++];
    t->kind = kind;
    t->off = off;
    t->len = len;
    t->val = val;
    t->line = line;
    t->col = col;
    return t;
}

/* A token whose display text is s[i, j) copied to out. */
static void push_src(lexer *lx, sl_tok_kind kind, int64_t i, int64_t j, char *val)
{
    int line, col;
    pos(lx, i, &line, &col);
    push(lx, kind, lx->out.len, j - i, val, line, col);
    sl_buf_append(&lx->out, lx->s + i, j - i);
}

static int lex_error(lexer *lx, int64_t off, const char *what)
{
    int line, col;
    pos(lx, off, &line, &col);
    return SL_ERR(lx->err, SL_ESQL, "%s:%d:%d: syntax error: %s", lx->path, line, col, what);
}

/* ---- parameters ---- */

static int lex_run(lexer *lx);

/* The ${name} starting at s[i]: sets *val to its value and *next past the '}'. Errors name
 * the parameter and its position. */
static int lookup(lexer *lx, int64_t i, const char **name, int *name_len, const char **val,
                  int64_t *next)
{
    int64_t j = i + 2;
    while (j < lx->n && lx->s[j] != '}' && lx->s[j] != '\n')
        j++;
    if (j >= lx->n || lx->s[j] != '}')
        return lex_error(lx, i, "unterminated ${ parameter");
    *name = lx->s + i + 2;
    *name_len = (int)(j - i - 2);
    *val = NULL;
    for (int k = 0; lx->params && k < lx->params->n; k++)
        if ((int64_t)strlen(lx->params->names[k]) == *name_len &&
            memcmp(lx->params->names[k], *name, (size_t)*name_len) == 0)
            *val = lx->params->values[k];
    if (!*val) {
        int line, col;
        pos(lx, i, &line, &col);
        return SL_ERR(lx->err, SL_ESQL,
                      "%s:%d:%d: unknown parameter ${%.*s} (pass it with -D %.*s=VALUE)",
                      lx->path, line, col, *name_len, *name, *name_len, *name);
    }
    *next = j + 1;
    return 0;
}

static bool is_literal(const sl_tok *t)
{
    return t->kind == TK_INT || t->kind == TK_FLOAT || t->kind == TK_STRING ||
           t->kind == TK_IDENT || t->kind == TK_QIDENT;
}

static bool is_op(const sl_tok *t, char c)
{
    return t->kind == TK_OP && t->val[0] == c && t->val[1] == 0;
}

/* True when toks[0, n) are one literal: a number (with an optional sign), a string, a name,
 * a quoted name, or one balanced [list] / {struct} of those with ':' and ','. Such tokens can
 * sit where a literal goes but can never close a call, end a statement or start one. */
static bool one_literal(const sl_tok *t, int64_t n)
{
    if (n == 1)
        return is_literal(&t[0]);
    if (n == 2 && (is_op(&t[0], '-') || is_op(&t[0], '+')))
        return t[1].kind == TK_INT || t[1].kind == TK_FLOAT;
    if (n < 2 || !(is_op(&t[0], '[') || is_op(&t[0], '{')))
        return false;
    char *open = sl_xmalloc((size_t)n);
    int64_t depth = 0;
    bool ok = true;
    for (int64_t k = 0; ok && k < n; k++) {
        if (is_literal(&t[k]) || is_op(&t[k], ':') || is_op(&t[k], ',') || is_op(&t[k], '-') ||
            is_op(&t[k], '+'))
            ok = depth > 0;
        else if (is_op(&t[k], '[') || is_op(&t[k], '{'))
            open[depth++] = t[k].val[0];
        else if (is_op(&t[k], ']') || is_op(&t[k], '}'))
            ok = depth > 0 && open[--depth] == (t[k].val[0] == ']' ? '[' : '{') &&
                 (depth > 0 || k == n - 1);
        else
            ok = false;
    }
    sl_free(open);
    return ok && depth == 0;
}

/* ${name} outside quotes at s[i]: lexes the value alone and inserts its tokens, all at the
 * position of the "${". */
static int lex_param(lexer *lx, int64_t i, int64_t *next)
{
    const char *name, *val;
    int name_len;
    if (lookup(lx, i, &name, &name_len, &val, next))
        return lx->err->code;
    lexer sub;
    sl_err tmp;
    sl_err_clear(&tmp);
    lex_init(&sub, val, (int64_t)strlen(val), lx->path, NULL, true, &tmp);
    bool ok = false;
    /* The value's tokens, without the value lexer's closing TK_EOF. */
    int64_t nv = 0;
    if (lex_run(&sub) == 0) {
        nv = sub.n_tok - 1;
        ok = one_literal(sub.toks, nv);
    }
    int line, col;
    pos(lx, i, &line, &col);
    if (!ok) {
        /* One line whatever the value holds; long values are cut. */
        char shown[64];
        size_t k = 0;
        for (const char *v = val; *v && k + 4 < sizeof shown; v++)
            shown[k++] = isprint((unsigned char)*v) ? *v : '?';
        shown[k] = 0;
        lex_free(&sub);
        return SL_ERR(lx->err, SL_ESQL,
                      "%s:%d:%d: parameter ${%.*s}: its value \"%s%s\" is not a single literal "
                      "(outside quotes a -D value must be one number, 'string', name, or "
                      "[list] / {struct} of those; write '${%.*s}' to use it as text)",
                      lx->path, line, col, name_len, name, shown, val[k] ? "..." : "",
                      name_len, name);
    }
    /* Display text: the value from its first token to its last (no surrounding blanks). */
    int64_t a = sub.toks[0].off, b = sub.toks[nv - 1].off + sub.toks[nv - 1].len;
    int64_t shift = lx->out.len - a;
    sl_buf_append(&lx->out, sub.out.data + a, b - a);
    for (int64_t k = 0; k < nv; k++) {
        push(lx, sub.toks[k].kind, sub.toks[k].off + shift, sub.toks[k].len, sub.toks[k].val,
             line, col);
        sub.toks[k].val = NULL;
    }
    lex_free(&sub);
    return 0;
}

/* ---- tokens ---- */

static const char *const ops2[] = {"//", "==", "<>", "!=", "<=", ">=", "||", "::", "**", "->",
                                    "&&", "@>", "<@", NULL};
static const char ops1[] = "(),.;*+-/%=<>:{}[]^";

/* A 'string' or "quoted identifier" starting at s[i] == q; a doubled q is an escaped q. A
 * ${name} inside is the value's text: the token's value gets it as is, the display text with
 * q doubled, so the display text reads back as the same literal. */
static int lex_quoted(lexer *lx, int64_t i, int64_t *next)
{
    const char *s = lx->s;
    char q = s[i];
    sl_buf val;
    sl_buf_init(&val);
    int64_t out_start = lx->out.len;
    sl_buf_putc(&lx->out, q);
    for (int64_t j = i + 1; j < lx->n;) {
        if (s[j] == q) {
            if (at(lx, j + 1) == q) {
                sl_buf_putc(&val, q);
                sl_buf_putc(&lx->out, q);
                sl_buf_putc(&lx->out, q);
                j += 2;
                continue;
            }
            sl_buf_putc(&lx->out, q);
            int line, col;
            pos(lx, i, &line, &col);
            push(lx, q == '\'' ? TK_STRING : TK_QIDENT, out_start, lx->out.len - out_start,
                 sl_buf_take(&val), line, col);
            *next = j + 1;
            return 0;
        }
        if (!lx->value && param_start(lx, j)) {
            const char *name, *v;
            int name_len;
            if (lookup(lx, j, &name, &name_len, &v, &j)) {
                sl_buf_free(&val);
                return lx->err->code;
            }
            sl_buf_puts(&val, v);
            for (; *v; v++) {
                if (*v == q)
                    sl_buf_putc(&lx->out, q);
                sl_buf_putc(&lx->out, *v);
            }
            continue;
        }
        sl_buf_putc(&val, s[j]);
        sl_buf_putc(&lx->out, s[j]);
        j++;
    }
    sl_buf_free(&val);
    return lex_error(lx, i, q == '\'' ? "unterminated string literal"
                                      : "unterminated quoted identifier");
}

static bool ident_start(char c) { return isalpha((unsigned char)c) || c == '_' || (c & 0x80); }
static bool ident_char(char c) { return ident_start(c) || isdigit((unsigned char)c) || c == '$'; }
/* An identifier or number goes on at s[i] (a "${" starts a parameter instead). */
static bool word_goes_on(const lexer *lx, int64_t i)
{
    return i < lx->n && ident_char(lx->s[i]) && !param_start(lx, i);
}

/* Lexes lx->s into lx->toks (ending with TK_EOF) and lx->out. lex_param calls it on a value
 * (value mode has no parameters, so it never recurses further). */
static int lex_run(lexer *lx)
{
    const char *s = lx->s;
    int64_t n = lx->n, i = 0;
    while (i < n) {
        char c = s[i];
        if (isspace((unsigned char)c)) {
            sl_buf_putc(&lx->out, c);
            i++;
            continue;
        }
        if ((c == '-' && at(lx, i + 1) == '-') || (c == '/' && at(lx, i + 1) == '*')) {
            if (lx->value)
                return lex_error(lx, i, "comment in a parameter value");
            int64_t j;
            if (c == '-') {
                const char *nl = memchr(s + i, '\n', (size_t)(n - i));
                j = nl ? nl - s : n;
            } else {
                j = i + 2;
                while (j < n && !(s[j] == '*' && at(lx, j + 1) == '/'))
                    j++;
                if (j >= n)
                    return lex_error(lx, i, "unterminated /* comment");
                j += 2;
            }
            /* Comments stay in the display text (statement texts show them) and a ${x} in one
             * is not looked up: a commented-out parameter must not be an error. */
            sl_buf_append(&lx->out, s + i, j - i);
            i = j;
            continue;
        }
        if (c == '\'' || c == '"') {
            if (lex_quoted(lx, i, &i))
                return lx->err->code;
            continue;
        }
        if (!lx->value && param_start(lx, i)) {
            if (lex_param(lx, i, &i))
                return lx->err->code;
            continue;
        }
        if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)at(lx, i + 1)))) {
            int64_t j = i;
            bool is_float = false;
            while (j < n && isdigit((unsigned char)s[j])) j++;
            if (j < n && s[j] == '.') {
                is_float = true;
                j++;
                while (j < n && isdigit((unsigned char)s[j])) j++;
            }
            if (j < n && (s[j] == 'e' || s[j] == 'E')) {
                int64_t k = j + 1;
                if (k < n && (s[k] == '+' || s[k] == '-')) k++;
                if (k < n && isdigit((unsigned char)s[k])) {
                    is_float = true;
                    j = k;
                    while (j < n && isdigit((unsigned char)s[j])) j++;
                }
            }
            if (word_goes_on(lx, j))
                return lex_error(lx, i, "malformed number");
            push_src(lx, is_float ? TK_FLOAT : TK_INT, i, j, sl_xstrndup(s + i, (size_t)(j - i)));
            i = j;
            continue;
        }
        if (ident_start(c)) {
            int64_t j = i;
            while (word_goes_on(lx, j)) j++;
            char *v = sl_xstrndup(s + i, (size_t)(j - i));
            for (char *p = v; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            push_src(lx, TK_IDENT, i, j, v);
            i = j;
            continue;
        }
        bool matched = false;
        for (int k = 0; ops2[k]; k++)
            if (c == ops2[k][0] && at(lx, i + 1) == ops2[k][1]) {
                push_src(lx, TK_OP, i, i + 2, sl_xstrndup(s + i, 2));
                i += 2;
                matched = true;
                break;
            }
        if (matched) continue;
        if (c && strchr(ops1, c)) {
            push_src(lx, TK_OP, i, i + 1, sl_xstrndup(s + i, 1));
            i++;
            continue;
        }
        char what[128];
        if (c == '~')
            snprintf(what, sizeof what, "the ~ operators (regular expression match) are not "
                     "supported");
        else if (c == '?' || c == '$')
            snprintf(what, sizeof what, "prepared-statement parameters (%c) are not supported "
                     "(use -D name=value and ${name})", c);
        else if (isprint((unsigned char)c))
            snprintf(what, sizeof what, "unexpected character '%c'", c);
        else
            snprintf(what, sizeof what, "unexpected byte 0x%02x", (unsigned char)c);
        return lex_error(lx, i, what);
    }
    int line, col;
    pos(lx, n, &line, &col);
    push(lx, TK_EOF, lx->out.len, 0, sl_xstrdup(""), line, col);
    return 0;
}

int sl_sql_lex(const char *text, int64_t len, const char *path, const sl_params *params,
               sl_src_text *st, sl_tok **toks, int *ntok, sl_err *err)
{
    memset(st, 0, sizeof *st);
    *toks = NULL;
    *ntok = 0;
    lexer lx;
    lex_init(&lx, text, len, path, params, false, err);
    /* A NUL byte would end the job for every C string API downstream: refuse it up front,
     * wherever it is (a comment or a string included). */
    const char *nul = memchr(text, 0, (size_t)len);
    if (nul) {
        lex_error(&lx, nul - text, "NUL byte in the job file (is it a text file?)");
        lex_free(&lx);
        return err->code;
    }
    if (lx.n > INT32_MAX / 2) {
        lex_error(&lx, 0, "job file too large (at most 1 GB)");
        lex_free(&lx);
        return err->code;
    }
    if (lex_run(&lx)) {
        lex_free(&lx);
        return err->code;
    }
    sl_sql_src *src = sl_xmalloc(sizeof *src + (size_t)lx.out.len + 1);
    src->refs = 1;
    src->len = lx.out.len;
    if (lx.out.len)
        memcpy(src->text, lx.out.data, (size_t)lx.out.len);
    src->text[lx.out.len] = 0;
    st->src = src;
    st->text = src->text;
    st->len = src->len;
    st->path = path;
    *toks = lx.toks;
    *ntok = (int)lx.n_tok;
    lx.toks = NULL;
    lx.n_tok = 0;
    lex_free(&lx);
    return 0;
}

void sl_sql_toks_free(sl_tok *toks, int n)
{
    for (int i = 0; i < n; i++)
        sl_free(toks[i].val);
    sl_free(toks);
}
