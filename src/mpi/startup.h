/*
 * MPI start and end for sluice's programs (the CLI, the MPI unit tests, the benchmarks).
 *
 * In a LeakSanitizer build both calls run with leak tracking paused: Open MPI, PMIx and their
 * plugins leave about 3 300 blocks allocated at exit by design. Without the pause each one had
 * to be matched against tests/lsan-openmpi.supp by symbolising its stack, about 5 s of every
 * sanitised 3-rank run. Blocks allocated by Open MPI's own threads later are still matched
 * against the suppressions. In other builds these are MPI_Init and MPI_Finalize.
 */
#ifndef SL_MPI_STARTUP_H
#define SL_MPI_STARTUP_H

void sl_mpi_init(int *argc, char ***argv);
void sl_mpi_finalize(void);

#endif
