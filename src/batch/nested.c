/*
 * Composite types (an interned table of LIST / STRUCT descriptors) and STRUCT values: their
 * decoding and DuckDB's text; see nested.h and types.h. Local (interning is thread safe).
 */
#include "batch/nested.h"
#include "batch/list.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The table: 2^23 slots in pages of 4096, allocated on first use; a slot is written once,
 * under the mutex, and read without it (acquire loads see a fully built descriptor). */
#define PAGE_BITS 12
#define N_PAGES (1u << (SL_TYPE_ID_BITS - PAGE_BITS))
typedef _Atomic(const sl_nested *) slot;
static _Atomic(slot *) pages[N_PAGES];
static pthread_mutex_t intern_mu = PTHREAD_MUTEX_INITIALIZER;

/* A descriptor's identity: kind, element or fields, as bytes (the hash input and the key two
 * descriptors are compared by). */
static void key_of(sl_buf *k, sl_type kind, sl_type elem, int n, const char *const *names,
                   const sl_type *types, bool unnamed)
{
    uint32_t w = (uint32_t)kind;
    sl_buf_append(k, (const char *)&w, 4);
    if (kind == SL_T_LIST) {
        w = (uint32_t)elem;
        sl_buf_append(k, (const char *)&w, 4);
        return;
    }
    sl_buf_putc(k, unnamed);
    for (int i = 0; i < n; i++) {
        w = (uint32_t)types[i];
        sl_buf_append(k, (const char *)&w, 4);
        uint32_t len = names && names[i] ? (uint32_t)strlen(names[i]) : 0;
        sl_buf_append(k, (const char *)&len, 4);
        if (len)
            sl_buf_append(k, names[i], len);
    }
}

static bool same_key(const sl_nested *d, sl_type kind, sl_type elem, int n,
                     const char *const *names, const sl_type *types, bool unnamed)
{
    if (sl_type_base(d->type) != kind)
        return false;
    if (kind == SL_T_LIST)
        return d->elem == elem;
    if (d->n_fields != n || d->unnamed != unnamed)
        return false;
    for (int i = 0; i < n; i++) {
        if (d->ftypes[i] != types[i])
            return false;
        const char *a = d->fnames[i] ? d->fnames[i] : "", *b = names && names[i] ? names[i] : "";
        if (strcmp(a, b) != 0)
            return false;
    }
    return true;
}

/* 32-bit FNV-1a folded to a nonzero id of SL_TYPE_ID_BITS bits. */
static uint32_t id_of(const sl_buf *k)
{
    uint32_t h = 2166136261u;
    for (int64_t i = 0; i < k->len; i++)
        h = (h ^ (unsigned char)k->data[i]) * 16777619u;
    uint32_t id = (h ^ (h >> SL_TYPE_ID_BITS)) & ((1u << SL_TYPE_ID_BITS) - 1);
    return id ? id : 1;
}

static slot *slot_at(uint32_t id, bool make)
{
    slot *pg = atomic_load_explicit(&pages[id >> PAGE_BITS], memory_order_acquire);
    if (!pg && make) {
        pg = sl_xcalloc((size_t)1 << PAGE_BITS, sizeof *pg);
        atomic_store_explicit(&pages[id >> PAGE_BITS], pg, memory_order_release);
    }
    return pg ? &pg[id & ((1u << PAGE_BITS) - 1)] : NULL;
}

const sl_nested *sl_nested_get(sl_type t)
{
    if (!sl_type_is_composite(t))
        return NULL;
    uint32_t id = (uint32_t)t >> SL_TYPE_ID_SHIFT;
    if (id >> SL_TYPE_ID_BITS)
        return NULL;
    slot *s = slot_at(id, false);
    const sl_nested *d = s ? atomic_load_explicit(s, memory_order_acquire) : NULL;
    return d && d->type == t ? d : NULL;
}

/* DuckDB writes a field name bare when it is a plain identifier that is no keyword. */
static bool bare_name(const char *s)
{
    static const char *const kw[] = {"select", "from", "where", "group", "order", "by", "as",
                                     "and", "or", "not", "null", "true", "false", "case",
                                     "when", "then", "else", "end", "in", "is", "on", "join",
                                     "union", "all", "distinct", "limit", "having", "with",
                                     "table", "create", "cast", "default", "like", NULL};
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
              (*c >= '0' && *c <= '9')))
            return false;
    for (int i = 0; kw[i]; i++)
        if (strcasecmp(s, kw[i]) == 0)
            return false;
    return true;
}

static void put_type_name(sl_buf *b, sl_type t)
{
    sl_buf_puts(b, t == SL_T_NULL ? "\"NULL\"" : sl_type_name(t));
}

static char *make_name(sl_type kind, sl_type elem, int n, const char *const *names,
                       const sl_type *types, bool unnamed)
{
    sl_buf b;
    sl_buf_init(&b);
    if (kind == SL_T_LIST) {
        put_type_name(&b, elem);
        sl_buf_puts(&b, "[]");
    } else {
        sl_buf_puts(&b, "STRUCT(");
        for (int i = 0; i < n; i++) {
            if (i)
                sl_buf_puts(&b, ", ");
            if (!unnamed) {
                if (bare_name(names[i])) {
                    sl_buf_puts(&b, names[i]);
                } else {
                    sl_buf_putc(&b, '"');
                    for (const char *c = names[i]; *c; c++) {
                        if (*c == '"')
                            sl_buf_putc(&b, '"');
                        sl_buf_putc(&b, *c);
                    }
                    sl_buf_putc(&b, '"');
                }
                sl_buf_putc(&b, ' ');
            }
            put_type_name(&b, types[i]);
        }
        sl_buf_putc(&b, ')');
    }
    sl_buf_putc(&b, 0);
    return b.data; /* owned by the descriptor, never freed */
}

static sl_type intern(sl_type kind, sl_type elem, int n, const char *const *names,
                      const sl_type *types, bool unnamed)
{
    sl_buf k;
    sl_buf_init(&k);
    key_of(&k, kind, elem, n, names, types, unnamed);
    uint32_t id = id_of(&k);
    sl_buf_free(&k);
    sl_type t = (sl_type)((uint32_t)kind | id << SL_TYPE_ID_SHIFT);
    pthread_mutex_lock(&intern_mu);
    slot *s = slot_at(id, true);
    const sl_nested *d = atomic_load_explicit(s, memory_order_acquire);
    if (d) {
        pthread_mutex_unlock(&intern_mu);
        return same_key(d, kind, elem, n, names, types, unnamed) ? t : SL_T_NULL;
    }
    sl_nested *nd = sl_xcalloc(1, sizeof *nd);
    nd->type = t;
    nd->elem = elem;
    nd->n_fields = n;
    nd->unnamed = unnamed;
    if (kind == SL_T_STRUCT) {
        sl_type *ft = sl_xmalloc(sizeof *ft * (size_t)n);
        char **fn = sl_xcalloc((size_t)n, sizeof *fn);
        for (int i = 0; i < n; i++) {
            ft[i] = types[i];
            fn[i] = unnamed ? NULL : sl_xstrdup(names[i]);
        }
        nd->ftypes = ft;
        nd->fnames = (const char *const *)fn;
    }
    nd->name = make_name(kind, elem, n, names, types, unnamed);
    atomic_store_explicit(s, nd, memory_order_release);
    pthread_mutex_unlock(&intern_mu);
    return t;
}

sl_type sl_nested_list(sl_type elem)
{
    return intern(SL_T_LIST, elem, 0, NULL, NULL, false);
}

sl_type sl_struct_type(int n, const char *const *names, const sl_type *types, bool unnamed)
{
    if (n < 1 || n > SL_STRUCT_MAX_FIELDS)
        return SL_T_NULL;
    for (int i = 0; i < n && !unnamed; i++)
        for (int j = 0; j < i; j++)
            if (strcasecmp(names[i], names[j]) == 0)
                return SL_T_NULL;
    return intern(SL_T_STRUCT, SL_T_NULL, n, names, types, unnamed);
}

int sl_struct_field(sl_type t, const char *name, int64_t len)
{
    const sl_nested *d = sl_nested_get(t);
    if (!d || d->unnamed || sl_type_base(t) != SL_T_STRUCT)
        return -1;
    for (int i = 0; i < d->n_fields; i++)
        if ((int64_t)strlen(d->fnames[i]) == len && strncasecmp(d->fnames[i], name,
                                                                 (size_t)len) == 0)
            return i;
    return -1;
}

bool sl_nested_next(const char **pp, const char *end, sl_type elem, sl_value *out)
{
    const char *p = *pp;
    if (p >= end)
        return false;
    memset(out, 0, sizeof *out);
    out->type = elem;
    if (*p++ == 0 || elem == SL_T_NULL) {
        out->is_null = true;
        *pp = p;
        return true;
    }
    if (sl_type_is_var(elem)) {
        uint32_t n;
        if (end - p < 4)
            return *pp = end, false;
        memcpy(&n, p, 4);
        if ((uint64_t)(end - p - 4) < n)
            return *pp = end, false;
        out->v.s.p = p + 4;
        out->v.s.len = n;
        *pp = p + 4 + (int64_t)n;
        return true;
    }
    if (end - p < 8)
        return *pp = end, false;
    memcpy(&out->v.i, p, 8); /* a double's 8 bytes alike */
    *pp = p + 8;
    return true;
}

void sl_struct_get(sl_type t, const char *p, int64_t len, int k, sl_value *out)
{
    const sl_nested *d = sl_nested_get(t);
    const char *end = p + len;
    memset(out, 0, sizeof *out);
    out->is_null = true;
    if (!d || k < 0 || k >= d->n_fields) {
        out->type = SL_T_NULL;
        return;
    }
    out->type = d->ftypes[k];
    for (int i = 0; i <= k; i++)
        if (!sl_nested_next(&p, end, d->ftypes[i], out)) {
            memset(out, 0, sizeof *out);
            out->type = d->ftypes[k];
            out->is_null = true;
            return;
        }
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* DuckDB quotes a scalar's text inside a list or struct when reading it back would be
 * ambiguous. */
static bool needs_quotes(const char *p, int64_t n)
{
    if (n == 0 || is_space(p[0]) || is_space(p[n - 1]))
        return true;
    if (n == 4 && (p[0] | 32) == 'n' && (p[1] | 32) == 'u' && (p[2] | 32) == 'l' &&
        (p[3] | 32) == 'l')
        return true;
    for (int64_t i = 0; i < n; i++)
        if (strchr("\"'(),:=[]{}", p[i]) && p[i])
            return true;
    return false;
}

/* 'text' with a backslash before each quote or backslash. */
static void put_quoted(sl_buf *out, const char *p, int64_t n)
{
    sl_buf_putc(out, '\'');
    for (int64_t i = 0; i < n; i++) {
        if (p[i] == '\'' || p[i] == '\\')
            sl_buf_putc(out, '\\');
        sl_buf_putc(out, p[i]);
    }
    sl_buf_putc(out, '\'');
}

void sl_nested_format_elem(sl_buf *out, const sl_value *v)
{
    if (v->is_null) {
        sl_buf_puts(out, "NULL");
        return;
    }
    if (sl_type_is_list(v->type) || sl_type_is_struct(v->type)) {
        sl_format_value(out, v);
        return;
    }
    sl_buf tmp;
    sl_buf_init(&tmp);
    sl_format_value(&tmp, v);
    if (needs_quotes(tmp.data, tmp.len))
        put_quoted(out, tmp.data, tmp.len);
    else
        sl_buf_append(out, tmp.data, tmp.len);
    sl_buf_free(&tmp);
}

void sl_struct_format(sl_buf *out, sl_type t, const char *p, int64_t len)
{
    const sl_nested *d = sl_nested_get(t);
    const char *end = p + len;
    if (!d)
        return;
    sl_buf_putc(out, d->unnamed ? '(' : '{');
    for (int i = 0; i < d->n_fields; i++) {
        sl_value x;
        if (!sl_nested_next(&p, end, d->ftypes[i], &x)) {
            memset(&x, 0, sizeof x);
            x.is_null = true;
        }
        if (i)
            sl_buf_puts(out, ", ");
        if (!d->unnamed) {
            put_quoted(out, d->fnames[i], (int64_t)strlen(d->fnames[i]));
            sl_buf_puts(out, ": ");
        }
        sl_nested_format_elem(out, &x);
    }
    sl_buf_putc(out, d->unnamed ? ')' : '}');
}
