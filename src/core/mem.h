/*
 * Allocation wrappers: every heap byte of the engine goes through here so it is counted (the
 * memory budget of issue #3 builds on these counters).
 *
 * sl_xmalloc & co never return NULL: on exhaustion they call the out-of-memory handler that
 * the front end installed (the CLI prints a message and aborts the MPI job; the library itself
 * never calls abort/exit). Why not return NULL everywhere: on Linux with overcommit a failed
 * malloc is rare and late, and threading NULL checks through every vector append would double
 * the code for a path the budget (not malloc) is meant to handle. Local.
 */
#ifndef SL_MEM_H
#define SL_MEM_H

#include <stddef.h>
#include <stdint.h>

typedef void (*sl_oom_handler)(size_t bytes);

/* Installs the handler called when an allocation fails. Local. */
void sl_mem_set_oom_handler(sl_oom_handler h);

/* Returns new; free with sl_free. Never NULL (see above). Local. */
void *sl_xmalloc(size_t n);
void *sl_xcalloc(size_t n, size_t size);
/* Takes ownership of p, returns the (possibly moved) block. Local. */
void *sl_xrealloc(void *p, size_t n);
char *sl_xstrdup(const char *s);
char *sl_xstrndup(const char *s, size_t n);
/* Returns a new printf-formatted string; free with sl_free. Local. */
char *sl_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sl_free(void *p);

/* Bytes currently allocated through these wrappers, and the peak. Local. */
int64_t sl_mem_in_use(void);
int64_t sl_mem_peak(void);

/* Grows *pp (element size elem) so it holds at least need elements; doubles. Local. */
void sl_grow(void **pp, int64_t *cap, int64_t need, size_t elem);
#define SL_GROW(ptr, cap, need) sl_grow((void **)&(ptr), &(cap), (need), sizeof *(ptr))

/* Makes the process keep freed memory for reuse. glibc hands every block at or above its mmap
 * threshold (128 KB, rising with use to at most 32 MB) back to the kernel on free and trims the
 * heap top soon after, so each exchange round, sort run and hash-table resize page-faults and
 * zeroes fresh memory again: two thirds of the exchange's CPU time in bench/exchange_bench.c and
 * ~12 % of a 6-key GROUP BY's (README, Performance). After this call blocks under 32 MB come
 * from the heap and up to 128 MB of free heap top is kept; allocations stay bounded by the
 * memory budget, so a small budget's peak RSS does not change. For programs that own their
 * process (the CLI, benchmarks): the library never calls it, since it would change its host
 * program's allocator. It also puts the heap on huge pages while the machine has free ones
 * (core/hugepages.h). SLUICE_MALLOC=system in the environment makes it do nothing. Local. */
void sl_mem_keep_freed(void);

#endif
