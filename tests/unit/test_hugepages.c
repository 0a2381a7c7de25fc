/*
 * Unit tests for core/hugepages.c: the free 2 MB blocks read from a buddyinfo file (a
 * synthetic one, summed by hand), and the advice that follows them: a mapped block and the
 * heap's growth are advised while the file shows room and refused once it does not, a block
 * is refused while the rank's RSS is past half its budget, and a heap
 * trimmed below what was advised is advised again as it grows back. Where the
 * kernel's THP mode is "madvise" and the real machine has free 2 MB blocks, the advised block
 * is checked to be backed by huge pages once touched (/proc/self/smaps) and the refused one
 * not to be.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/hugepages.h"
#include "core/mem.h"
#include "check.h"

#define MB ((size_t)1 << 20)

static char path[64];

static void write_buddyinfo(unsigned long normal_order10)
{
    FILE *f = fopen(path, "w");
    fprintf(f, "Node 0, zone      DMA      0      0      0      0      0      0      0      0"
               "      1      1      3 \n");
    fprintf(f, "Node 0, zone   Normal      1      2      3      4      5      6      7      8"
               "      9     10 %6lu \n", normal_order10);
    fclose(f);
}

/* kB of AnonHugePages in the mapping that holds p, from /proc/self/smaps; -1 if not found. */
static long huge_kb(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int in = 0;
    long kb = -1;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            in = (unsigned long)p >= lo && (unsigned long)p < hi;
            continue;
        }
        if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
            break;
    }
    if (f)
        fclose(f);
    return kb;
}

/* Whether the kernel gives huge pages where advised: THP mode "madvise", and not switched off
 * for this process (prctl PR_SET_THP_DISABLE, some container runtimes: "THP_enabled: 0"). */
static int thp_mode_madvise(void)
{
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    char s[128] = "";
    if (f) {
        if (!fgets(s, sizeof s, f))
            s[0] = 0;
        fclose(f);
    }
    int on = 1;
    f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "THP_enabled: %d", &on) == 1)
            break;
    if (f)
        fclose(f);
    return strstr(s, "[madvise]") != NULL && on;
}

int main(void)
{
    unsetenv("SLUICE_BUDDYINFO");
    uint64_t real_free = sl_hugepages_free_bytes();
    int kernel_checks = thp_mode_madvise() && real_free > ((uint64_t)4 << 30) &&
                        sysconf(_SC_PAGESIZE) == 4096;

    snprintf(path, sizeof path, "/tmp/sluice-buddyinfo.%d", (int)getpid());
    setenv("SLUICE_BUDDYINFO", path, 1);
    unsetenv("SLUICE_HUGEPAGES");
    unsetenv("SLUICE_MALLOC");

    /* With 4 KB pages, orders 9 and up are 2 MB and more: DMA 1x2 MB + 3x4 MB, Normal
     * 10x2 MB + N x 4 MB. */
    if (sysconf(_SC_PAGESIZE) == 4096) {
        write_buddyinfo(1000);
        CHECK_INT(sl_hugepages_free_bytes(), (1 * 2 + 3 * 4 + 10 * 2 + 1000 * 4) * MB);
        write_buddyinfo(0);
        CHECK_INT(sl_hugepages_free_bytes(), (1 * 2 + 3 * 4 + 10 * 2) * MB);
    }
    setenv("SLUICE_BUDDYINFO", "/nonexistent/buddyinfo", 1);
    CHECK_INT(sl_hugepages_free_bytes(), 0);
    setenv("SLUICE_BUDDYINFO", path, 1);

    long adv0, ref0, adv, ref;
    sl_mem_keep_freed();
    sl_hugepages_counts(&adv0, &ref0);

    /* Room (4 GB free in the file): a mapped 64 MB block is advised. */
    write_buddyinfo(1024);
    char *a = sl_xmalloc(64 * MB);
    sl_hugepages_counts(&adv, &ref);
    CHECK_INT(adv - adv0, 1);
    CHECK_INT(ref - ref0, 0);
    memset(a, 1, 64 * MB);
    if (kernel_checks)
        CHECK(huge_kb(a + 32 * MB) > 0);

    /* Room in the file, but the rank is past half its budget (64 MB touched above, a 64 MB
     * budget): refused; with the budget lifted again, advised. */
    sl_hugepages_set_limit(64 * MB);
    sl_hugepages_counts(&adv0, &ref0);
    char *c = sl_xmalloc(64 * MB);
    sl_hugepages_counts(&adv, &ref);
    CHECK_INT(adv - adv0, 0);
    CHECK_INT(ref - ref0, 1);
    sl_free(c);
    sl_hugepages_set_limit(0);
    sl_hugepages_counts(&adv0, &ref0);
    c = sl_xmalloc(64 * MB);
    sl_hugepages_counts(&adv, &ref);
    CHECK_INT(adv - adv0, 1);
    sl_free(c);

    /* The heap grows by at least its 64 MB step while there is room: advised. Where malloc
     * is not glibc's sbrk heap (AddressSanitizer's allocator maps everything) the heap never
     * grows, and only the mapped blocks are checked. */
    sl_hugepages_counts(&adv0, &ref0);
    char *small[100], *brk0 = sbrk(0);
    for (int i = 0; i < 100; i++)
        small[i] = sl_xmalloc(MB);
    int sbrk_heap = (char *)sbrk(0) > brk0;
    if (!sbrk_heap)
        printf("malloc does not grow the sbrk heap here: heap checks left out\n");
    sl_hugepages_counts(&adv, &ref);
    CHECK(adv - adv0 >= sbrk_heap);
    CHECK_INT(ref - ref0, 0);

    /* No room (46 MB free): the next mapped block and the heap's growth are refused. */
    write_buddyinfo(0);
    sl_hugepages_counts(&adv0, &ref0);
    char *b = sl_xmalloc(64 * MB);
    for (int i = 0; i < 100; i++)
        sl_free(small[i]);
    char *more[100];
    for (int i = 0; i < 100; i++)
        more[i] = sl_xmalloc(2 * MB);
    sl_hugepages_counts(&adv, &ref);
    CHECK_INT(adv - adv0, 0);
    CHECK(ref - ref0 >= 1 + sbrk_heap);
    memset(b, 1, 64 * MB);
    if (kernel_checks)
        CHECK_INT(huge_kb(b + 32 * MB), 0);

    for (int i = 0; i < 100; i++)
        sl_free(more[i]);

    /* The heap trimmed and grown back, with room again: the regrown range is advised anew. */
    write_buddyinfo(1024);
    if (!sbrk_heap)
        goto done;
    for (int i = 0; i < 100; i++)
        more[i] = sl_xmalloc(2 * MB); /* grown and advised */
    for (int i = 0; i < 100; i++)
        sl_free(more[i]);
    malloc_trim(0);
    char *low = sbrk(0);
    sl_hugepages_counts(&adv0, &ref0);
    for (int i = 0; i < 40; i++) /* less than before: below the old advised top */
        more[i] = sl_xmalloc(2 * MB);
    sl_hugepages_counts(&adv, &ref);
    CHECK((char *)sbrk(0) > low + 64 * MB);
    CHECK(adv - adv0 >= 1);
    for (int i = 0; i < 40; i++)
        sl_free(more[i]);
done:
    sl_free(a);
    sl_free(b);
    unlink(path);
    return CHECK_DONE();
}
