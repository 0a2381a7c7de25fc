#include "mpi/startup.h"

#include <mpi.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LSAN_PAUSE() __lsan_disable()
#define LSAN_RESUME() __lsan_enable()
#else
#define LSAN_PAUSE() ((void)0)
#define LSAN_RESUME() ((void)0)
#endif

void sl_mpi_init(int *argc, char ***argv)
{
    LSAN_PAUSE();
    MPI_Init(argc, argv);
    LSAN_RESUME();
}

void sl_mpi_finalize(void)
{
    LSAN_PAUSE();
    MPI_Finalize();
    LSAN_RESUME();
}
