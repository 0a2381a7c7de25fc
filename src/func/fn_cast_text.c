/*
 * Text cast to a LIST or a STRUCT (DuckDB's): '[1, 2, NULL]'::INTEGER[], '{a: 1, b: x}'::STRUCT(a
 * INTEGER, b VARCHAR), '(1, x)' for a struct by position, nested to any depth.
 *
 * Two steps, as DuckDB takes them. First the text is split: a list is '[' elements ']' split
 * at the commas outside quotes and brackets, a struct '{' name ':' value, ... '}' (names match
 * the fields exactly, case-sensitively; a name may repeat, the last value wins; fields not named
 * are NULL) or '(' value, ... ')'; whitespace around the brackets and every piece is dropped; an
 * element or value spelled null (any case, unquoted) is NULL; a quoted piece ('...' or "...")
 * runs to its closing quote, a backslash escaping the next character there, and a bracket runs
 * to its matching bracket. Text that does not split so (no brackets, unbalanced ones, text after
 * the closing bracket, an unknown or empty name, too many values in (...)) cannot be cast: an
 * error, NULL under TRY_CAST. Then each piece loses its outer quoting (quotes are dropped and a
 * backslash before a quote or inside quotes escapes the next character, outside nested
 * brackets only) and is cast from VARCHAR to the element or field type (a nested type splits
 * again): a piece that does not convert is an error, or a NULL element under TRY_CAST. Local.
 */
#include "func/fn_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "batch/list.h"
#include "batch/nested.h"
#include "core/mem.h"

/* The scanner over the text: position and whether the previous character was a backslash. */
typedef struct scan {
    const char *b;
    int64_t pos, len;
    bool esc;
} scan;

/* One piece of the split text: [start, end) of the input (given: not only whitespace), or
 * NULL. */
typedef struct piece {
    int64_t start, end;
    bool null, given;
} piece;

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static void skip_space(scan *s)
{
    while (s->pos < s->len && is_space(s->b[s->pos])) {
        s->pos++;
        s->esc = false;
    }
}

/* From the opening quote at pos to its closing quote (pos left there); false when none. */
static bool skip_quoted(scan *s)
{
    char q = s->b[s->pos++];
    for (; s->pos < s->len; s->pos++) {
        char c = s->b[s->pos];
        bool set = c == '\\' && !s->esc;
        if (c != '\\' && c == q && !s->esc)
            return true;
        s->esc = set;
    }
    return false;
}

/* From the bracket at pos to its matching one (pos left there), quotes skipped whole. */
static bool skip_bracketed(scan *s)
{
    sl_buf want; /* the closing brackets awaited, innermost last */
    sl_buf_init(&want);
    bool ok = false;
    for (; s->pos < s->len; s->pos++) {
        char c = s->b[s->pos];
        bool set = false;
        if (c == '"' || c == '\'') {
            if (!s->esc && !skip_quoted(s))
                break;
        } else if (c == '{' || c == '(' || c == '[') {
            sl_buf_putc(&want, c == '{' ? '}' : c == '(' ? ')' : ']');
        } else if (want.len && c == want.data[want.len - 1]) {
            if (--want.len == 0) {
                ok = true;
                break;
            }
        } else if (c == '\\') {
            set = true;
        }
        s->esc = set;
    }
    sl_buf_free(&want);
    return ok;
}

/* One character of a value: extends the piece [*start, *end] over what is not whitespace
 * (a quoted or bracketed part whole) and advances; false on an unclosed quote or bracket. */
static bool value_step(scan *s, int64_t *start, int64_t *end)
{
    char c = s->b[s->pos];
    bool set = false;
    if (c == '"' || c == '\'' || c == '{' || c == '(' || c == '[' || c == '\\' || !is_space(c)) {
        if (*start < 0)
            *start = s->pos;
        if ((c == '"' || c == '\'') && !s->esc && !skip_quoted(s))
            return false;
        if ((c == '{' || c == '(' || c == '[') && !skip_bracketed(s))
            return false;
        set = c == '\\';
        *end = s->pos;
    }
    s->esc = set;
    s->pos++;
    return true;
}

/* Scans a value up to one of the two stop characters; the piece into *p. */
static bool value_piece(scan *s, char stop1, char stop2, piece *p)
{
    int64_t start = -1, end = 0;
    while (s->pos < s->len && s->b[s->pos] != stop1 && s->b[s->pos] != stop2)
        if (!value_step(s, &start, &end))
            return false;
    if (s->pos == s->len)
        return false;
    p->given = start >= 0;
    p->start = start < 0 ? 0 : start;
    p->end = start < 0 ? 0 : end + 1;
    p->null = p->end - p->start == 4 && strncasecmp(s->b + p->start, "null", 4) == 0;
    return true;
}

/* Whether what follows pos (the closing bracket) is only whitespace. */
static bool at_end(scan *s)
{
    s->pos++;
    skip_space(s);
    return s->pos == s->len;
}

/* The text of piece [start, end) without its outer quoting into out (see the file comment);
 * nested brackets are kept as they are when scopes (not for struct field names). */
static void unquote(const char *b, int64_t start, int64_t end, bool scopes, sl_buf *out)
{
    sl_buf want;
    sl_buf_init(&want);
    sl_buf_reset(out);
    bool esc = false, quoted = false;
    char qc = 0;
    for (int64_t i = start; i < end; i++) {
        char c = b[i];
        if (esc) {
            sl_buf_putc(out, c);
            esc = false;
            continue;
        }
        if (!want.len && c == '\\' &&
            (quoted || (i + 1 < end && (b[i + 1] == '\'' || b[i + 1] == '"')))) {
            esc = true;
            continue;
        }
        if (!want.len && (c == '\'' || c == '"')) {
            if (quoted && c == qc) {
                quoted = false;
                continue;
            }
            if (!quoted) {
                quoted = true;
                qc = c;
                continue;
            }
        }
        if (!quoted && want.len && c == want.data[want.len - 1])
            want.len--;
        if (!quoted && scopes && (c == '[' || c == '{' || c == '('))
            sl_buf_putc(&want, c == '[' ? ']' : c == '{' ? '}' : ')');
        sl_buf_putc(out, c);
    }
    sl_buf_free(&want);
}

/* Splits a list's text into pieces (*n of them, *ps new); false when it does not split. */
static bool split_list(scan *s, piece **ps, int *n)
{
    int cap = 0;
    *ps = NULL;
    *n = 0;
    skip_space(s);
    if (s->pos == s->len || s->b[s->pos] != '[')
        return false;
    s->pos++;
    skip_space(s);
    bool seen = false;
    while (s->pos < s->len) {
        piece p;
        if (!value_piece(s, ',', ']', &p))
            return false;
        if (s->b[s->pos] != ']' || p.given || seen) {
            if (*n == cap) {
                cap = cap ? 2 * cap : 8;
                *ps = sl_xrealloc(*ps, sizeof **ps * (size_t)cap);
            }
            (*ps)[(*n)++] = p;
            seen = true;
        }
        if (s->b[s->pos] == ']')
            break;
        s->pos++;
        skip_space(s);
    }
    return s->pos < s->len && at_end(s);
}

/* Splits a struct's text into one piece per field of d (ps[f]; start < 0: not given, NULL);
 * false when it does not split or names a field d lacks. */
static bool split_struct(scan *s, const sl_nested *d, piece *ps)
{
    for (int f = 0; f < d->n_fields; f++)
        ps[f] = (piece){ .start = -1, .null = true };
    skip_space(s);
    if (s->pos == s->len || (s->b[s->pos] != '{' && s->b[s->pos] != '('))
        return false;
    char close = s->b[s->pos] == '{' ? '}' : ')';
    s->pos++;
    skip_space(s);
    if (s->pos == s->len)
        return false;
    if (s->b[s->pos] == close)
        return at_end(s);
    sl_buf name;
    sl_buf_init(&name);
    bool ok = false;
    for (int f = 0; s->pos < s->len; f++) {
        if (close == '}') { /* name: value */
            int64_t start = -1, end = 0;
            while (s->pos < s->len && s->b[s->pos] != ':') {
                char c = s->b[s->pos];
                bool set = false;
                if (s->esc || c == '\\' || c == '"' || c == '\'' || !is_space(c)) {
                    if (start < 0)
                        start = s->pos;
                    if (!s->esc && (c == '"' || c == '\'') && !skip_quoted(s))
                        goto done;
                    set = !s->esc && c == '\\';
                    end = s->pos;
                }
                s->esc = set;
                s->pos++;
            }
            if (s->pos == s->len || start < 0)
                goto done;
            end++;
            if (end - start == 4 && strncasecmp(s->b + start, "null", 4) == 0)
                goto done;
            unquote(s->b, start, end, false, &name);
            f = -1;
            for (int k = 0; k < d->n_fields && f < 0; k++)
                if (d->fnames && strlen(d->fnames[k]) == (size_t)name.len &&
                    memcmp(d->fnames[k], name.data ? name.data : "", (size_t)name.len) == 0)
                    f = k;
            if (f < 0)
                goto done;
            s->pos++;
            skip_space(s);
        } else if (f == d->n_fields) {
            goto done;
        }
        if (!value_piece(s, ',', close, &ps[f]))
            goto done;
        if (s->b[s->pos] == close)
            break;
        s->pos++;
        skip_space(s);
    }
    ok = s->pos < s->len && at_end(s);
done:
    sl_buf_free(&name);
    return ok;
}

/* Casts piece p of the text to type t and appends it to enc (NULL when it does not convert:
 * the error code, with its message, is returned). */
static int put_piece(const char *b, const piece *p, sl_type t, sl_buf *enc, sl_buf *text,
                     sl_buf *scratch, char *msg, size_t msg_cap)
{
    sl_value x = { .type = SL_T_VARCHAR }, y = { .type = t, .is_null = true };
    int rc = 0;
    if (!p->null && p->start >= 0) {
        unquote(b, p->start, p->end, true, text);
        x.v.s.p = text->data ? text->data : "";
        x.v.s.len = text->len;
        rc = fn_cast_value(&x, t, &y, scratch, msg, msg_cap);
        /* a nested piece keeps its own elements that converted ([[1, x]]: [[1, NULL]]) */
        if (rc && !(rc == SL_ERUNTIME && (sl_type_is_list(t) || sl_type_is_struct(t))))
            y.is_null = true;
    }
    sl_list_put(enc, t, &y);
    return rc;
}

int fn_cast_text_nested(const sl_value *in, sl_type t, sl_value *out, sl_buf *tmp, char *msg,
                        size_t msg_cap)
{
    scan s = { .b = in->v.s.p, .len = in->v.s.len };
    const sl_nested *d = sl_type_is_struct(t) ? sl_nested_get(t) : NULL;
    piece *ps = NULL;
    int n = 0;
    bool ok;
    if (d) {
        ps = sl_xcalloc((size_t)d->n_fields + 1, sizeof *ps);
        n = d->n_fields;
        ok = split_struct(&s, d, ps);
    } else {
        ok = split_list(&s, &ps, &n);
    }
    out->type = t;
    if (!ok) {
        sl_free(ps);
        out->is_null = true;
        snprintf(msg, msg_cap, "Type VARCHAR with value '%.*s' can't be cast to the destination "
                 "type %s", (int)(in->v.s.len > 200 ? 200 : in->v.s.len), in->v.s.p,
                 sl_type_name(t));
        return SL_ERUNTIME;
    }
    sl_buf enc, text, scratch;
    sl_buf_init(&enc);
    sl_buf_init(&text);
    sl_buf_init(&scratch);
    int rc = 0;
    for (int k = 0; k < n; k++) {
        int erc = put_piece(in->v.s.p, &ps[k], d ? d->ftypes[k] : sl_list_elem(t), &enc, &text,
                            &scratch, msg, msg_cap);
        if (erc && !rc)
            rc = erc;
    }
    sl_free(ps);
    sl_buf_free(&text);
    sl_buf_free(&scratch);
    fn_nested_out(out, &enc, tmp);
    return rc;
}
