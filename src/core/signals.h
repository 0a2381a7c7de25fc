/*
 * Stop signals: SIGTERM, SIGINT and SIGUSR1 (what Slurm sends before a time limit with
 * --signal, and what mpirun forwards to the ranks) only set a flag. The engine polls it at
 * safe points (every input batch, every COPY batch, before every statement's agreement) and
 * turns it into SL_EINTR "interrupted by signal N", which the next sl_agree makes collective,
 * so every rank stops at the same point and COPY rolls back (no _SUCCESS, temp dir removed).
 * Repeated signals are ignored while stopping (a rank can get one from Slurm and one forwarded
 * by mpirun); SIGKILL remains the way to stop at once. Local.
 */
#ifndef SL_SIGNALS_H
#define SL_SIGNALS_H

#include "core/err.h"

/* Installs the handlers (the front end calls it once; the library never does). Local. */
void sl_signals_install(void);

/* The first stop signal received (0 when none). Async-signal-safe to read. Local. */
int sl_signals_pending(void);

/* When a stop signal is pending, records SL_EINTR in err (first error wins) and returns it;
 * otherwise returns 0. Local. */
int sl_signals_check(sl_err *err);

/* Forgets a pending signal (tests, or an embedding program that handled it). Local. */
void sl_signals_reset(void);

#endif
