/*
 * The per-rank memory budget; see budget.h for the rules. sl_budget_init is collective (one
 * MPI_Comm_split_type to count the ranks sharing this node); everything else is Local.
 */
#include "core/budget.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/hugepages.h"
#include "core/size.h"

#define HEADROOM_PCT 80

void sl_budget_default(sl_budget *b)
{
    memset(b, 0, sizeof *b);
    b->limit = 1024LL * 1000 * 1000;
    snprintf(b->why, sizeof b->why, "memory budget not initialized");
}

/* Reads the first integer of a small file; false when missing or not a number ("max"). */
static bool read_num(const char *path, int64_t *out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    long long v;
    int ok = fscanf(f, "%lld", &v) == 1;
    fclose(f);
    /* cgroup v1 reports "unlimited" as a number near INT64_MAX rounded to pages. */
    if (!ok || v <= 0 || v >= (1LL << 60))
        return false;
    *out = (int64_t)v;
    return true;
}

static bool env_mb(const char *name, int64_t *out)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return false;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || v <= 0)
        return false;
    /* Slurm allows a unit suffix; plain numbers are MB. */
    int64_t mul = 1000 * 1000;
    if (*end == 'G' || *end == 'g')
        mul = 1000LL * 1000 * 1000;
    else if (*end == 'T' || *end == 't')
        mul = 1000LL * 1000 * 1000 * 1000;
    else if (*end == 'K' || *end == 'k')
        mul = 1000;
    /* Slurm's MB are MiB; the difference is inside the headroom, but be exact anyway. */
    if (mul == 1000 * 1000)
        mul = 1024 * 1024;
    *out = (int64_t)v * mul;
    return true;
}

/* The rank's limit is v, at least SL_BUDGET_MIN; huge pages stop at half of it
 * (core/hugepages.h). */
static void take_limit(sl_budget *bg, int64_t v)
{
    bg->limit = v < SL_BUDGET_MIN ? SL_BUDGET_MIN : v;
    sl_hugepages_set_limit(bg->limit);
}

int sl_budget_init(sl_budget *bg, MPI_Comm comm, int64_t explicit_limit, sl_err *err)
{
    /* Collective part first, so every rank makes the same calls whatever it finds below. */
    MPI_Comm node;
    int local = 1;
    MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &local);
    MPI_Comm_free(&node);

    bg->reserved = bg->peak = 0;
    char a[32], b[32];
    if (explicit_limit > 0) {
        take_limit(bg, explicit_limit);
        snprintf(bg->why, sizeof bg->why, "memory budget %s per rank (--memory-limit)",
                 sl_format_size(bg->limit, a, sizeof a));
        return 0;
    }
    const char *env = getenv("SLUICE_MEMORY_LIMIT");
    if (env && *env) {
        int64_t v;
        if (!sl_parse_size(env, &v) || v <= 0)
            return SL_ERR(err, SL_EUSAGE, "SLUICE_MEMORY_LIMIT='%s' is not a size (use e.g. "
                          "2GB, 512MB)", env);
        take_limit(bg, v);
        snprintf(bg->why, sizeof bg->why, "memory budget %s per rank (SLUICE_MEMORY_LIMIT)",
                 sl_format_size(bg->limit, a, sizeof a));
        return 0;
    }

    /* Candidates for the memory of this node (or this rank, for Slurm's per-CPU figure). */
    int64_t best = -1;
    bool per_rank = false;
    const char *src = "physical RAM";
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    if (pages > 0 && psz > 0)
        best = (int64_t)pages * psz;
    int64_t v;
    if ((read_num("/sys/fs/cgroup/memory.max", &v) ||
         read_num("/sys/fs/cgroup/memory/memory.limit_in_bytes", &v)) &&
        (best < 0 || v < best)) {
        best = v;
        src = "cgroup memory limit";
    }
    if (env_mb("SLURM_MEM_PER_NODE", &v) && (best < 0 || v < best)) {
        best = v;
        src = "SLURM_MEM_PER_NODE";
    }
    int64_t per_cpu;
    if (env_mb("SLURM_MEM_PER_CPU", &per_cpu)) {
        const char *cpt = getenv("SLURM_CPUS_PER_TASK");
        int64_t cpus = cpt && atoi(cpt) > 0 ? atoi(cpt) : 1;
        int64_t r = per_cpu * cpus;
        if (best < 0 || r < best / local) {
            best = r;
            per_rank = true;
            src = "SLURM_MEM_PER_CPU";
        }
    }
    if (best < 0)
        best = 4LL * 1000 * 1000 * 1000; /* nothing known: a laptop-sized guess */
    int64_t per = per_rank ? best : best / local;
    take_limit(bg, per / 100 * HEADROOM_PCT);
    if (per_rank)
        snprintf(bg->why, sizeof bg->why, "memory budget %s per rank = %s %s x 0.%d headroom",
                 sl_format_size(bg->limit, a, sizeof a), sl_format_size(best, b, sizeof b), src,
                 HEADROOM_PCT / 10);
    else
        snprintf(bg->why, sizeof bg->why,
                 "memory budget %s per rank = %s %s x 0.%d headroom / %d rank%s on this node",
                 sl_format_size(bg->limit, a, sizeof a), sl_format_size(best, b, sizeof b), src,
                 HEADROOM_PCT / 10, local, local == 1 ? "" : "s");
    return 0;
}

void sl_budget_set(sl_budget *bg, int64_t limit, const char *why)
{
    take_limit(bg, limit);
    char a[32];
    snprintf(bg->why, sizeof bg->why, "memory budget %s per rank (%s)",
             sl_format_size(bg->limit, a, sizeof a), why);
}

int64_t sl_budget_limit(const sl_budget *bg) { return bg->limit; }
const char *sl_budget_why(const sl_budget *bg) { return bg->why; }

bool sl_budget_reserve_upto(sl_budget *bg, int64_t n, int64_t level)
{
    if (n <= 0)
        return true;
    if (level > bg->limit)
        level = bg->limit;
    if (bg->reserved + n > level)
        return false;
    bg->reserved += n;
    if (bg->reserved > bg->peak)
        bg->peak = bg->reserved;
    return true;
}

void sl_budget_release(sl_budget *bg, int64_t n)
{
    bg->reserved -= n;
    if (bg->reserved < 0)
        bg->reserved = 0; /* a release after a limit change must not go negative */
}

int64_t sl_budget_reserved(const sl_budget *bg) { return bg->reserved; }
int64_t sl_budget_peak(const sl_budget *bg) { return bg->peak; }
