/*
 * Transparent huge pages for the heap while free ones last (see core/hugepages.h for why).
 */
#define _DEFAULT_SOURCE /* sbrk, madvise */
#include "core/hugepages.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE ((uintptr_t)2 << 20)
#define TOP_STEP (64 << 20)             /* M_TOP_PAD: the heap grows in steps this large */
#define MAPPED_MIN ((size_t)32 << 20)   /* blocks this large are mapped, not in the heap */
#define RESERVE ((uint64_t)1 << 30)     /* free 2 MB blocks left to everybody else */

static int g_on;
static char *g_heap_lo, *g_seen_top, *g_advised_top; /* the heap; advised up to g_advised_top */
static long g_advised, g_refused;
static int64_t g_limit; /* the rank's memory budget, 0 = none given */

uint64_t sl_hugepages_free_bytes(void)
{
    const char *path = getenv("SLUICE_BUDDYINFO");
    FILE *f = fopen(path && *path ? path : "/proc/buddyinfo", "r");
    if (!f)
        return 0;
    uint64_t pages = 0;
    char line[512];
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        page = 4096;
    int order_min = 0;
    while ((uintptr_t)page << order_min < HUGE)
        order_min++;
    while (fgets(line, sizeof line, f)) {
        char *s = strstr(line, "zone");
        if (!s)
            continue;
        s += 4;
        while (*s == ' ')
            s++;
        while (*s && *s != ' ')
            s++; /* the zone's name */
        char *end;
        for (int order = 0;; order++) {
            unsigned long long n = strtoull(s, &end, 10);
            if (end == s)
                break;
            s = end;
            if (order >= order_min)
                pages += (uint64_t)n << order;
        }
    }
    fclose(f);
    return pages * (uint64_t)page;
}

/* This process's resident bytes, or 0 when /proc cannot tell. */
static int64_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long long size = 0, resident = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%lld %lld", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * (int64_t)sysconf(_SC_PAGESIZE);
}

/* Huge pages for `bytes` more: the machine has free 2 MB blocks for them, and the rank is
 * below half its budget (a huge page is resident whole where small pages would leave the
 * untouched part of a buffer out: up to ~4 % more RSS, too much for a rank near its budget). */
static int room_for(uint64_t bytes)
{
    if (g_limit > 0 && rss_bytes() + (int64_t)bytes > g_limit / 2)
        return 0;
    return sl_hugepages_free_bytes() >= 2 * bytes + RESERVE;
}

static char *align_up(char *p) { return (char *)(((uintptr_t)p + HUGE - 1) & ~(HUGE - 1)); }
static char *align_down(char *p) { return (char *)((uintptr_t)p & ~(HUGE - 1)); }

static void advise(char *lo, char *hi, int advice)
{
    if (hi > lo)
        (void)madvise(lo, (size_t)(hi - lo), advice); /* advice only: failure changes nothing */
}

void sl_hugepages_enable(void)
{
    const char *e = getenv("SLUICE_HUGEPAGES");
    if (e && strcmp(e, "0") == 0)
        return;
    mallopt(M_TOP_PAD, TOP_STEP);
    g_heap_lo = g_seen_top = g_advised_top = sbrk(0);
    g_on = 1;
}

/* The heap grew to top: advise the new whole 2 MB pages if there is room, else undo. */
static void heap_grew(char *top)
{
    char *lo = align_up(g_advised_top > g_heap_lo ? g_advised_top : g_heap_lo);
    char *hi = align_down(top);
    g_seen_top = top;
    if (hi <= lo)
        return;
    if (room_for((uint64_t)(hi - lo))) {
        advise(lo, hi, MADV_HUGEPAGE);
        g_advised_top = hi;
        g_advised++;
    } else {
        /* Untouched advised pages would fault in compaction; already huge ones stay. */
        if (g_advised_top > g_heap_lo)
            advise(align_up(g_heap_lo), g_advised_top, MADV_NOHUGEPAGE);
        g_advised_top = g_heap_lo;
        g_refused++;
    }
}

void sl_hugepages_note(void *p, size_t n)
{
    if (!g_on)
        return;
    char *top = sbrk(0);
    if (top != g_seen_top) {
        if (top > g_seen_top)
            heap_grew(top);
        else {
            /* Trimmed: what grows back is a new range to advise. */
            g_seen_top = top;
            if (g_advised_top > top)
                g_advised_top = top;
        }
    }
    char *b = p;
    if (n >= MAPPED_MIN && (b < g_heap_lo || b >= top)) {
        char *lo = align_up(b), *hi = align_down(b + n);
        if (hi > lo && room_for((uint64_t)(hi - lo))) {
            advise(lo, hi, MADV_HUGEPAGE);
            g_advised++;
        } else if (hi > lo) {
            g_refused++;
        }
    }
}

void sl_hugepages_set_limit(int64_t bytes) { g_limit = bytes; }

void sl_hugepages_counts(long *advised, long *refused)
{
    *advised = g_advised;
    *refused = g_refused;
}
