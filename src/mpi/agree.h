/*
 * Collective error agreement. Every rank calls sl_agree at the same points with its local
 * error record; afterwards every rank holds the same record: the error of the lowest-numbered
 * failing rank (its code, message, source and rank), or no error. Collective over comm.
 */
#ifndef SL_AGREE_H
#define SL_AGREE_H

#include <mpi.h>

#include "core/err.h"

/* Returns the agreed code (0 when no rank failed). Collective over comm. */
int sl_agree(MPI_Comm comm, sl_err *err);

#endif
