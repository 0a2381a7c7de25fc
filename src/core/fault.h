/*
 * Fault injection for tests: SLUICE_FAULT="kind:N[xK][@rankR],..." makes the Nth operation of
 * a kind fail on rank R (every rank when @rankR is left out), for K consecutive operations
 * (default 1). Kinds:
 *
 *   read, write, exchange, alloc,  a permanent failure, reported as "injected fault ..."
 *   unpack
 *   read_<errno>, write_<errno>    the read/write system call fails with that errno once per
 *                                  hit, so the retry layer (core/retry.h) decides what to do:
 *                                  eio, estale, eagain, eintr are transient and retried;
 *                                  enospc, eacces, enoent are permanent and fail at once
 *
 * "read" counts every pread attempt of the file readers and, in read_hdf5, every file open and
 * every dataset read (a "read" fault there fails that open or read), "write" every write(2)
 * attempt of the writers (COPY part files, manifests), "exchange" every exchange round,
 * "unpack" every message from another rank that an exchange round unpacks (a hit is that
 * message found corrupt, SL_EINTERNAL), "alloc" every sl_xmalloc/sl_xrealloc. Counters are
 * per rank and per kind; a retry is a new attempt. With no SLUICE_FAULT every hook is one
 * predictable branch on a global flag.
 *
 * SLUICE_SPILL_ENOSPC_AFTER=N makes a spill write fail with ENOSPC once the rank's spill files
 * would exceed N bytes (spill/spill.c asks sl_fault_spill_limit).
 *
 * The hooks exist only in a build made with FAULT_INJECTION=1 (-DSL_FAULT_INJECTION; the test
 * suites use one, see the Makefile). A release build compiles every hook to "go ahead" and
 * ignores both variables, warning once that they are set, so nobody believes faults are being
 * injected and no stray variable can fail a production job.
 * Local; not thread-safe (sluice ranks are single-threaded).
 */
#ifndef SL_FAULT_H
#define SL_FAULT_H

#include <stdbool.h>

#include "core/err.h"

typedef enum {
    SL_FAULT_READ,
    SL_FAULT_WRITE,
    SL_FAULT_EXCHANGE,
    SL_FAULT_ALLOC,
    SL_FAULT_UNPACK,
    SL_FAULT_N_OPS
} sl_fault_op;

/* sl_fault_hit result for a permanent injected failure (errno-style results are > 0). */
#define SL_FAULT_FAIL (-1)

/* true when this build has the hooks (FAULT_INJECTION=1). */
#ifdef SL_FAULT_INJECTION
#define SL_FAULT_COMPILED 1
#else
#define SL_FAULT_COMPILED 0
#endif

/* true once a spec with at least one entry is configured. Read by the inline hook. */
extern bool sl_fault_armed;

/*
 * Parses spec (NULL or "" = no faults) for this rank and arms the hooks. A bad spec is
 * SL_EUSAGE naming the bad entry; nothing is armed then. Replaces any previous spec and
 * resets the counters. In a release build it arms nothing and returns 0. Local.
 */
int sl_fault_configure(const char *spec, int rank, sl_err *err);

/*
 * Configures both hooks from the environment (SLUICE_FAULT, SLUICE_SPILL_ENOSPC_AFTER); a bad
 * value is SL_EUSAGE. In a release build rank 0 prints one warning per variable that is set
 * ("sluice: warning: SLUICE_FAULT is set but this build has no fault injection ...") and
 * nothing is armed. Every rank calls it once at start-up. Local.
 */
int sl_fault_configure_env(int rank, sl_err *err);

/* The SLUICE_SPILL_ENOSPC_AFTER byte count, or -1 (no limit; always in a release build).
 * Local. */
long long sl_fault_spill_limit(void);

/* Counts one operation of kind op. Returns 0 (go ahead), SL_FAULT_FAIL (fail it permanently)
 * or an errno value (make the system call fail with it). Local. */
int sl_fault_hit_slow(sl_fault_op op);
static inline int sl_fault_hit(sl_fault_op op)
{
#ifdef SL_FAULT_INJECTION
    return sl_fault_armed ? sl_fault_hit_slow(op) : 0;
#else
    (void)op;
    return 0;
#endif
}

/* The entry that fired last, for messages: "read:3@rank1" (static storage). Local. */
const char *sl_fault_last(void);

/* The operation counters, saved and put back: a statement that runs again (session.c, after
 * a wrong speculative split) meets the faults its first run met. Local. */
typedef struct sl_fault_marks {
    long long n[SL_FAULT_N_OPS];
} sl_fault_marks;
void sl_fault_mark(sl_fault_marks *m);
void sl_fault_rewind(const sl_fault_marks *m);

#endif
