/*
 * SQL lexer: ${param} substitution with a position map back to the original job text, and
 * tokenizing (identifiers, keywords, numbers, 'strings', "quoted identifiers", operators,
 * -- and block comments). Every token records line:col in the ORIGINAL text, so every error
 * message (here, in the parser and in the binder) points at what the user wrote. Local.
 */
#include "sql/sql_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

/* ---- ${param} substitution ---- */

static void orig_pos(const char *otext, int64_t off, int *line, int *col)
{
    int l = 1, c = 1;
    for (int64_t i = 0; i < off && otext[i]; i++) {
        if (otext[i] == '\n') { l++; c = 1; }
        else c++;
    }
    *line = l;
    *col = c;
}

void sl_src_text_pos(const sl_src_text *st, int64_t off, int *line, int *col)
{
    if (off < 0) off = 0;
    if (off > st->len) off = st->len;
    int64_t o = st->orig[off];
    /* Binary search for the last line start <= o (tokens are many; keep it O(log n)). */
    int lo = 0, hi = st->n_lines - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (st->line_off[mid] <= o) lo = mid;
        else hi = mid - 1;
    }
    *line = lo + 1;
    *col = (int)(o - st->line_off[lo]) + 1;
}

void sl_src_text_free(sl_src_text *st)
{
    sl_free(st->text);
    sl_free(st->orig);
    sl_free(st->line_off);
    memset(st, 0, sizeof *st);
}

/* Appends n bytes of the substituted text that all map to original offset `at` (or, when
 * at < 0, to their own offsets starting at from). */
static void emit(sl_buf *out, int64_t **map, int64_t *cap, const char *p, int64_t n, int64_t at,
                 int64_t from)
{
    SL_GROW(*map, *cap, out->len + n + 1);
    for (int64_t i = 0; i < n; i++)
        (*map)[out->len + i] = at >= 0 ? at : from + i;
    sl_buf_append(out, p, n);
}

int sl_sql_substitute(const char *text, const char *path, const sl_params *params,
                      sl_src_text *st, sl_err *err)
{
    sl_buf out;
    sl_buf_init(&out);
    int64_t *map = NULL, cap = 0;
    int64_t n = (int64_t)strlen(text), i = 0;
    char quote = 0; /* inside '...' or "...": no comments there (globs contain slash-star) */
    memset(st, 0, sizeof *st);
    while (i < n) {
        char c = text[i];
        /* Comments are copied verbatim: a commented-out ${x} must not be an error. Strings and
         * quoted identifiers are substituted ('${dir}/x.csv' is the common use). A doubled
         * quote inside a string toggles twice, which leaves the state right. */
        if (quote || c == '\'' || c == '"') {
            if (c == quote)
                quote = 0;
            else if (!quote && (c == '\'' || c == '"'))
                quote = c;
        }
        if (!quote && c == '-' && text[i + 1] == '-') {
            int64_t j = i;
            while (j < n && text[j] != '\n') j++;
            emit(&out, &map, &cap, text + i, j - i, -1, i);
            i = j;
        } else if (!quote && c == '/' && text[i + 1] == '*') {
            int64_t j = i + 2;
            while (j < n && !(text[j] == '*' && text[j + 1] == '/')) j++;
            j = j < n ? j + 2 : n;
            emit(&out, &map, &cap, text + i, j - i, -1, i);
            i = j;
        } else if (c == '$' && text[i + 1] == '{') {
            int64_t j = i + 2;
            while (j < n && text[j] != '}' && text[j] != '\n') j++;
            int line, col;
            orig_pos(text, i, &line, &col);
            if (j >= n || text[j] != '}') {
                SL_ERR(err, SL_ESQL, "%s:%d:%d: syntax error: unterminated ${ parameter", path,
                       line, col);
                goto fail;
            }
            const char *name = text + i + 2;
            int64_t nlen = j - i - 2;
            const char *val = NULL;
            for (int k = 0; params && k < params->n; k++)
                if ((int64_t)strlen(params->names[k]) == nlen &&
                    strncmp(params->names[k], name, (size_t)nlen) == 0)
                    val = params->values[k];
            if (!val) {
                SL_ERR(err, SL_ESQL,
                       "%s:%d:%d: unknown parameter ${%.*s} (pass it with -D %.*s=VALUE)", path,
                       line, col, (int)nlen, name, (int)nlen, name);
                goto fail;
            }
            emit(&out, &map, &cap, val, (int64_t)strlen(val), i, 0);
            i = j + 1;
        } else {
            emit(&out, &map, &cap, text + i, 1, -1, i);
            i++;
        }
    }
    SL_GROW(map, cap, out.len + 1);
    map[out.len] = n;
    st->len = out.len;
    st->text = sl_buf_take(&out);
    st->orig = map;
    int64_t lcap = 0;
    SL_GROW(st->line_off, lcap, 1);
    st->line_off[st->n_lines++] = 0;
    for (int64_t k = 0; k < n; k++)
        if (text[k] == '\n') {
            SL_GROW(st->line_off, lcap, st->n_lines + 1);
            st->line_off[st->n_lines++] = k + 1;
        }
    st->otext = text;
    st->path = path;
    return 0;
fail:
    sl_buf_free(&out);
    sl_free(map);
    return err->code;
}

/* ---- tokenizer ---- */

static const char *const ops2[] = {"//", "==", "<>", "!=", "<=", ">=", "||", "::", NULL};
static const char ops1[] = "(),.;*+-/%=<>:{}[]";

typedef struct lexer {
    const sl_src_text *st;
    sl_tok *toks;
    int64_t n, cap;
    sl_err *err;
} lexer;

static sl_tok *push(lexer *lx, sl_tok_kind kind, int64_t off, int64_t len, char *val)
{
    SL_GROW(lx->toks, lx->cap, lx->n + 1);
    sl_tok *t = &lx->toks[lx->n++];
    t->kind = kind;
    t->off = off;
    t->len = len;
    t->val = val;
    sl_src_text_pos(lx->st, off, &t->line, &t->col);
    return t;
}

static int lex_error(lexer *lx, int64_t off, const char *what)
{
    int line, col;
    sl_src_text_pos(lx->st, off, &line, &col);
    return SL_ERR(lx->err, SL_ESQL, "%s:%d:%d: syntax error: %s", lx->st->path, line, col, what);
}

/* Reads a quoted run starting at s[i] == q; doubled q is an escaped q. Returns the index
 * after the closing quote, or -1 when unterminated. Appends the unescaped bytes to val. */
static int64_t quoted(const char *s, int64_t n, int64_t i, char q, sl_buf *val)
{
    for (int64_t j = i + 1; j < n; j++) {
        if (s[j] == q) {
            if (j + 1 < n && s[j + 1] == q) {
                sl_buf_putc(val, q);
                j++;
                continue;
            }
            return j + 1;
        }
        sl_buf_putc(val, s[j]);
    }
    return -1;
}

static bool ident_start(char c) { return isalpha((unsigned char)c) || c == '_' || (c & 0x80); }
static bool ident_char(char c) { return ident_start(c) || isdigit((unsigned char)c) || c == '$'; }

int sl_sql_tokenize(const sl_src_text *st, sl_tok **toks, int *ntok, sl_err *err)
{
    lexer lx = {st, NULL, 0, 0, err};
    const char *s = st->text;
    int64_t n = st->len, i = 0;
    while (i < n) {
        char c = s[i];
        if (isspace((unsigned char)c)) { i++; continue; }
        if (c == '-' && s[i + 1] == '-') {
            while (i < n && s[i] != '\n') i++;
            continue;
        }
        if (c == '/' && s[i + 1] == '*') {
            int64_t j = i + 2;
            while (j < n && !(s[j] == '*' && s[j + 1] == '/')) j++;
            if (j >= n) { lex_error(&lx, i, "unterminated /* comment"); goto fail; }
            i = j + 2;
            continue;
        }
        if (c == '\'' || c == '"') {
            sl_buf v;
            sl_buf_init(&v);
            int64_t j = quoted(s, n, i, c, &v);
            if (j < 0) {
                sl_buf_free(&v);
                lex_error(&lx, i, c == '\'' ? "unterminated string literal"
                                            : "unterminated quoted identifier");
                goto fail;
            }
            char *val = sl_buf_take(&v);
            push(&lx, c == '\'' ? TK_STRING : TK_QIDENT, i, j - i, val);
            i = j;
            continue;
        }
        if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)s[i + 1]))) {
            int64_t j = i;
            bool is_float = false;
            while (j < n && isdigit((unsigned char)s[j])) j++;
            if (j < n && s[j] == '.' ) {
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
            if (j < n && ident_char(s[j])) {
                lex_error(&lx, i, "malformed number");
                goto fail;
            }
            push(&lx, is_float ? TK_FLOAT : TK_INT, i, j - i, sl_xstrndup(s + i, (size_t)(j - i)));
            i = j;
            continue;
        }
        if (ident_start(c)) {
            int64_t j = i;
            while (j < n && ident_char(s[j])) j++;
            char *v = sl_xstrndup(s + i, (size_t)(j - i));
            for (char *p = v; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            push(&lx, TK_IDENT, i, j - i, v);
            i = j;
            continue;
        }
        bool matched = false;
        for (int k = 0; ops2[k]; k++)
            if (c == ops2[k][0] && s[i + 1] == ops2[k][1]) {
                push(&lx, TK_OP, i, 2, sl_xstrndup(s + i, 2));
                i += 2;
                matched = true;
                break;
            }
        if (matched) continue;
        if (c && strchr(ops1, c)) {
            push(&lx, TK_OP, i, 1, sl_xstrndup(s + i, 1));
            i++;
            continue;
        }
        {
            char what[64];
            if (isprint((unsigned char)c))
                snprintf(what, sizeof what, "unexpected character '%c'", c);
            else
                snprintf(what, sizeof what, "unexpected byte 0x%02x", (unsigned char)c);
            lex_error(&lx, i, what);
            goto fail;
        }
    }
    push(&lx, TK_EOF, n, 0, sl_xstrdup(""));
    *toks = lx.toks;
    *ntok = (int)lx.n;
    return 0;
fail:
    sl_sql_toks_free(lx.toks, (int)lx.n);
    *toks = NULL;
    *ntok = 0;
    return err->code;
}

void sl_sql_toks_free(sl_tok *toks, int n)
{
    for (int i = 0; i < n; i++)
        sl_free(toks[i].val);
    sl_free(toks);
}
