/*
 * Collective error agreement: MPI_Allreduce(MIN) finds the first failing rank, which then
 * broadcasts its record. A rank whose only error is SL_EPEER ("another rank failed") ranks
 * after every rank with a real error, so the cause wins over its echoes. Collective over comm.
 */
#include "mpi/agree.h"

#include <string.h>

int sl_agree(MPI_Comm comm, sl_err *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int mine = err->code == SL_OK ? 2 * size : err->code == SL_EPEER ? size + rank : rank;
    int first;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == 2 * size)
        return SL_OK;
    if (first >= size)
        first -= size;
    struct {
        int code, rank, line;
        char file[128];
        char msg[SL_ERR_MSG_MAX];
    } rec;
    memset(&rec, 0, sizeof rec);
    if (rank == first) {
        rec.code = err->code;
        rec.rank = err->rank;
        rec.line = err->src_line;
        if (err->src_file)
            strncpy(rec.file, err->src_file, sizeof rec.file - 1);
        memcpy(rec.msg, err->msg, sizeof rec.msg);
    }
    MPI_Bcast(&rec, (int)sizeof rec, MPI_BYTE, first, comm);
    if (rank != first) {
        /* The first failure wins over whatever this rank saw (often a consequence of it). */
        static char files[128];
        memcpy(files, rec.file, sizeof files);
        err->code = rec.code;
        err->rank = rec.rank;
        err->src_file = files;
        err->src_line = rec.line;
        memcpy(err->msg, rec.msg, sizeof err->msg);
    }
    return err->code;
}
