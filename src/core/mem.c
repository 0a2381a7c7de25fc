/*
 * Counted allocation. A small header before each block stores its size so sl_free can
 * uncount it. Local; not thread-safe (sluice ranks are single-threaded).
 */
#include "core/mem.h"
#include "core/fault.h"
#include "core/hugepages.h"

#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { size_t size; size_t pad; } hdr; /* 16 bytes keeps 16-byte alignment */

static sl_oom_handler g_oom;
static int64_t g_in_use, g_peak;

void sl_mem_set_oom_handler(sl_oom_handler h) { g_oom = h; }

static void oom(size_t n)
{
    if (g_oom)
        g_oom(n);
    /* No handler: the embedding program chose not to install one; fail loudly. */
    fprintf(stderr, "sluice: out of memory allocating %zu bytes\n", n);
    abort();
}

/* SLUICE_FAULT=alloc:N: say it was injected, then take the real out-of-memory path. */
static void injected_oom(size_t n)
{
    fprintf(stderr, "sluice: injected fault (SLUICE_FAULT=%s): allocation of %zu bytes "
            "fails\n", sl_fault_last(), n);
    oom(n);
}

static void count(int64_t d)
{
    g_in_use += d;
    if (g_in_use > g_peak)
        g_peak = g_in_use;
}

void *sl_xmalloc(size_t n)
{
    if (sl_fault_hit(SL_FAULT_ALLOC))
        injected_oom(n);
    hdr *h = malloc(sizeof(hdr) + n);
    if (!h)
        oom(n);
    h->size = n;
    count((int64_t)n);
    sl_hugepages_note(h, sizeof(hdr) + n);
    return h + 1;
}

void *sl_xcalloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        oom(SIZE_MAX);
    void *p = sl_xmalloc(n * size);
    memset(p, 0, n * size);
    return p;
}

void *sl_xrealloc(void *p, size_t n)
{
    if (!p)
        return sl_xmalloc(n);
    if (sl_fault_hit(SL_FAULT_ALLOC))
        injected_oom(n);
    hdr *h = (hdr *)p - 1;
    size_t old = h->size;
    hdr *nh = realloc(h, sizeof(hdr) + n);
    if (!nh)
        oom(n);
    nh->size = n;
    count((int64_t)n - (int64_t)old);
    sl_hugepages_note(nh, sizeof(hdr) + n);
    return nh + 1;
}

void sl_free(void *p)
{
    if (!p)
        return;
    hdr *h = (hdr *)p - 1;
    count(-(int64_t)h->size);
    free(h);
}

char *sl_xstrndup(const char *s, size_t n)
{
    char *d = sl_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *sl_xstrdup(const char *s) { return sl_xstrndup(s, strlen(s)); }

char *sl_xasprintf(const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = sl_xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

int64_t sl_mem_in_use(void) { return g_in_use; }
int64_t sl_mem_peak(void) { return g_peak; }

void sl_grow(void **pp, int64_t *cap, int64_t need, size_t elem)
{
    if (need <= *cap)
        return;
    int64_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc *= 2;
    *pp = sl_xrealloc(*pp, (size_t)nc * elem);
    *cap = nc;
}

void sl_mem_keep_freed(void)
{
    const char *m = getenv("SLUICE_MALLOC");
    if (m && strcmp(m, "system") == 0)
        return;
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024); /* glibc's largest on 64-bit */
    mallopt(M_TRIM_THRESHOLD, 128 * 1024 * 1024);
    sl_hugepages_enable();
}
