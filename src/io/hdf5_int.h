/*
 * Private to src/io: the HDF5 format (hdf5_read.c: read_hdf5's options, source and scan;
 * hdf5_format.c: the backend table). Everything here is Local unless its comment says
 * Collective.
 *
 * Layout of a table in a file (what read_hdf5 reads; see README "HDF5"): one group holding
 * one 1-D dataset per column, all of one length. A column's type comes from its dataset:
 * integers -> BIGINT, floats -> DOUBLE, an enum (h5py's bool) -> BOOLEAN, fixed-length or
 * variable-length strings -> VARCHAR; an attribute sluice_type ("DATE", "TIMESTAMP",
 * "BOOLEAN", ...) on an integer dataset overrides that. A string column may instead be two
 * datasets <name>__offsets (int64, rows+1, Arrow style) and <name>__bytes (uint8). NULLs come
 * from an optional dataset <name>__valid (nonzero = a value). Column order: the group's link
 * creation order when it tracks one (h5py track_order=True), else name order.
 */
#ifndef SL_IO_HDF5_INT_H
#define SL_IO_HDF5_INT_H

#include <mpi.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ctx.h"
#include "io/format.h"

/* read_hdf5(...) options. */
typedef struct sl_h5_opts {
    int n_paths;
    char **paths;   /* file names or glob patterns */
    char *group;    /* default "/" */
} sl_h5_opts;

void *sl_h5_ropts_new(void);
int sl_h5_ropts_args(void *o, const sl_fmt_val *args, int n, const sl_fmt_val *next,
                     const sl_fmt_ctx *c);
int sl_h5_ropts_set(void *o, const sl_fmt_opt *opt, const sl_fmt_ctx *c);
int sl_h5_ropts_end(void *o, int line, int col, const sl_fmt_ctx *c);
void sl_h5_ropts_print(sl_buf *b, const void *o);
void sl_h5_ropts_free(void *o);

/* Opens the files on every rank (rank 0 reads the schema, every rank gets it); errors
 * agreed. Returns new *src; free with sl_h5_src_free. Collective over comm. */
int sl_h5_open(MPI_Comm comm, const void *o, const sl_fmt_env *env, void **src, sl_err *err);
void sl_h5_src_free(void *src);
int sl_h5_ncols(const void *src);
const char *sl_h5_col_name(const void *src, int col);
sl_type sl_h5_col_type(const void *src, int col);
int sl_h5_nfiles(const void *src);
const char *sl_h5_file(const void *src, int i);
int64_t sl_h5_bytes(const void *src);
void sl_h5_explain(sl_buf *b, const void *src, int n_ranks);
/* This rank's rows: [r*N/P, (r+1)*N/P) of the files' rows in order, read by hyperslab. */
int sl_h5_scan_open(sl_ctx *ctx, void *src, const int *proj, int n_proj, void **scan,
                    sl_err *err);
int sl_h5_scan_next(void *scan, sl_batch **out, sl_err *err);
void sl_h5_scan_free(void *scan);

#endif
