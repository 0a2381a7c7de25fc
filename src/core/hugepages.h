/*
 * Transparent huge pages for the heap, while the machine has free ones.
 *
 * Why: on a virtual machine a page fault costs ~9 us (measured: 675,000 faults, 6 of the 14 CPU
 * seconds of a 6-key GROUP BY of 1e7 rows at 2 ranks), and every byte a rank aggregates or
 * exchanges is fresh memory once. A 2 MB page takes one fault where 4 KB pages take 512. Linux
 * gives huge pages to anonymous memory only where the program asks (MADV_HUGEPAGE, with
 * /sys/kernel/mm/transparent_hugepage/enabled at its Debian default "madvise"), and a fault in
 * such memory compacts and reclaims memory synchronously when no free 2 MB block is left
 * (defrag "madvise"). That stall made a 1e8-row job with 15 GB of spill 1.8x slower when the
 * whole heap was advised (GLIBC_TUNABLES=glibc.malloc.hugetlb=1; README, Performance). So
 * memory is advised only while /proc/buddyinfo shows free 2 MB blocks for twice the range
 * plus a reserve, checked each time the heap grows or a block is mapped; once the page cache
 * (a large input, spill files) has taken the free memory, the heap is advised back to small
 * pages and grows in them. Pages already huge stay huge. A huge page is resident whole where
 * small ones leave a buffer's untouched capacity out (a 1e8-row job at a 2 GB budget: peak
 * RSS 1935 -> 2006 MB), so a rank also stops advising at half its memory budget.
 *
 * Enabled by sl_mem_keep_freed (the CLI and benchmarks own their process); SLUICE_HUGEPAGES=0
 * in the environment leaves every page small. Not thread-safe, like core/mem. Local.
 */
#ifndef SL_HUGEPAGES_H
#define SL_HUGEPAGES_H

#include <stddef.h>
#include <stdint.h>

/* Starts advising: the heap grows in 64 MB steps from now on. Local. */
void sl_hugepages_enable(void);

/* Called after every allocation of n bytes at p (core/mem): advises a block the allocator
 * mapped on its own, or the heap's new top. Cheap when neither happened. Local. */
void sl_hugepages_note(void *p, size_t n);

/* The rank's memory budget (core/budget sets it whenever the limit is chosen or changed):
 * advice stops at half of it; 0 = none. Local. */
void sl_hugepages_set_limit(int64_t bytes);

/* Bytes free in blocks of 2 MB or more over all zones, read from /proc/buddyinfo (or the file
 * SLUICE_BUDDYINFO names: tests); 0 when it cannot be read. Local. */
uint64_t sl_hugepages_free_bytes(void);

/* Ranges advised and refused so far (for tests). Local. */
void sl_hugepages_counts(long *advised, long *refused);

#endif
