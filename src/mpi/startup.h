/*
 * MPI start and end for sluice's programs (the CLI, the MPI unit tests, the benchmarks).
 *
 * In a LeakSanitizer build both calls run with leak tracking paused: Open MPI, PMIx and their
 * plugins leave about 3 300 blocks allocated at exit by design. Without the pause each one had
 * to be matched against tests/lsan-openmpi.supp by symbolising its stack, about 5 s of every
 * sanitised 3-rank run. Blocks allocated by Open MPI's own threads later are still matched
 * against the suppressions.
 *
 * After MPI_Init, sl_mpi_init sets TCP_NODELAY on the process's TCP connections to a loopback
 * address: the PMIx client's connection to its local server (mpirun's, or slurmstepd's under
 * srun --mpi=pmix) comes without it, and a PMIx request is several small writes, so Nagle's
 * algorithm held the last one until the server's delayed ACK, 40 ms on Linux. MPI_Finalize's
 * fence took 47 ms instead of 5 at the end of every job, on every rank (2026-12-03: Open MPI
 * 4.1.4, PMIx 4.2.2, Debian 12). TCP_NODELAY only changes when bytes leave, never which; Open
 * MPI's own TCP transport sets it already.
 */
#ifndef SL_MPI_STARTUP_H
#define SL_MPI_STARTUP_H

void sl_mpi_init(int *argc, char ***argv);
void sl_mpi_finalize(void);

#endif
