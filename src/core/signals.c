/*
 * Stop-signal flag; see signals.h. The handler only stores to a sig_atomic_t (the one thing
 * a handler may safely do). SA_RESTART keeps interrupted system calls (and Open MPI's
 * progress engine) going; the flag is noticed at the next safe point instead. Local.
 */
#include "core/signals.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t g_sig;

static void on_stop(int sig)
{
    /* A repeat (Slurm and mpirun may both deliver one) must not kill the rank mid-cleanup;
     * the first signal is the one reported. */
    if (!g_sig)
        g_sig = sig;
}

void sl_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

int sl_signals_pending(void) { return (int)g_sig; }

void sl_signals_reset(void) { g_sig = 0; }

int sl_signals_check(sl_err *err)
{
    int sig = (int)g_sig;
    if (!sig)
        return 0;
    const char *name = sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT"
                     : sig == SIGUSR1 ? "SIGUSR1" : "signal";
    return SL_ERR(err, SL_EINTR,
                  "interrupted by signal %d (%s): stopped at a safe point; the statement in "
                  "progress was rolled back (rerun with --resume to skip finished COPY "
                  "statements)", sig, name);
}
