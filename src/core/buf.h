/*
 * sl_buf: a growable byte buffer (owned bytes, length, capacity). Used for serialization,
 * output formatting and message assembly. Local.
 */
#ifndef SL_BUF_H
#define SL_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct sl_buf {
    char *data;
    int64_t len;
    int64_t cap;
} sl_buf;

void sl_buf_init(sl_buf *b);
/* Frees the bytes and resets to empty. */
void sl_buf_free(sl_buf *b);
void sl_buf_reset(sl_buf *b);                       /* len = 0, keeps capacity */
void sl_buf_reserve(sl_buf *b, int64_t extra);      /* room for extra more bytes */
void sl_buf_append(sl_buf *b, const void *p, int64_t n);
/* Inline: formatting puts a delimiter per field and a newline per row (a call each was
 * a visible share of writing 1e7 rows of CSV). */
static inline void sl_buf_putc(sl_buf *b, char c)
{
    if (b->len + 2 > b->cap) /* sl_buf_reserve keeps room for the NUL of sl_buf_cstr */
        sl_buf_reserve(b, 1);
    b->data[b->len++] = c;
}
void sl_buf_puts(sl_buf *b, const char *s);
void sl_buf_printf(sl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s between two quote characters, each quote inside doubled: SQL string literals
 * (quote '\'') and identifiers ('"'). */
void sl_buf_put_quoted(sl_buf *b, const char *s, char quote);
/* A plain byte encoding for what rank 0 broadcasts (native byte order: every rank runs the same
 * build): an int64, a string as its length then its bytes; the readers advance *p. */
void sl_buf_put_i64(sl_buf *b, int64_t v);
void sl_buf_put_str(sl_buf *b, const char *s);
int64_t sl_buf_get_i64(const char **p);
char *sl_buf_get_str(const char **p);   /* new; free with sl_free */
/* Appends s as a JSON string literal (quotes, backslash and control bytes escaped). */
void sl_buf_json_str(sl_buf *b, const char *s);
/* Keeps data NUL-terminated past len (not counted) and returns it. */
const char *sl_buf_cstr(sl_buf *b);
/* Returns the bytes (caller owns them, free with sl_free) and resets b. */
char *sl_buf_take(sl_buf *b);

#endif
