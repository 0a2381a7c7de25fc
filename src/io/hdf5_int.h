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
    int io;         /* SL_H5_IO_*: io='auto' | 'collective' | 'independent' */
} sl_h5_opts;

/* How ranks read (read_hdf5's io option): auto is collective MPI-IO when every rank reads the
 * same number of rows (and there is more than one rank), independent otherwise. */
enum { SL_H5_IO_AUTO, SL_H5_IO_COLLECTIVE, SL_H5_IO_INDEPENDENT };

void *sl_h5_ropts_new(void);
int sl_h5_ropts_args(void *o, const sl_fmt_val *args, int n, const sl_fmt_val *next,
                     const sl_fmt_ctx *c);
int sl_h5_ropts_set(void *o, const sl_fmt_opt *opt, const sl_fmt_ctx *c);
int sl_h5_ropts_end(void *o, int line, int col, const sl_fmt_ctx *c);
void sl_h5_ropts_print(sl_buf *b, const void *o);
void sl_h5_ropts_free(void *o);

/* COPY ... (FORMAT hdf5, GROUP '/g', CHUNK_ROWS n, COMPRESSION 'gzip'|'none') options. */
typedef struct sl_h5_wopts {
    char *group;         /* default "/" */
    int64_t chunk_rows;  /* 0: contiguous datasets unless compressed (then 65536) */
    int gzip;            /* deflate level 1-9; 0 = no compression */
} sl_h5_wopts;

void *sl_h5_wopts_new(void);
int sl_h5_wopts_set(void *o, const sl_fmt_opt *opt, const sl_fmt_ctx *c);
void sl_h5_wopts_free(void *o);

/* The shared-file writer (hdf5_write.c; see the shared_* slots of format.h). Each rank stages
 * its rows per column in files under COPY's temporary directory; shared_finish creates the
 * file with the MPI-IO driver, places every rank's rows at its exclusive-scan offset with
 * collective hyperslab writes (ranks with no rows select none) and removes the staging.
 * Strings are written as <name>__offsets + <name>__bytes (parallel HDF5 cannot write
 * variable-length strings), NULLs as <name>__valid when a column has any, booleans as
 * h5py's enum, DATE and TIMESTAMP as int64 with a sluice_type attribute; the group keeps the
 * creation order and carries sluice_schema (JSON), sluice_rows and sluice_manifest (COPY's
 * note: version, partition values, rows per rank) attributes. */
int sl_h5_shared_begin(const void *wopts, int n_cols, char *const *names,
                       const sl_type *types, const char *dir, int rank, void **w, sl_err *err);
int sl_h5_shared_write(void *w, const sl_batch *b, sl_err *err);
int sl_h5_shared_finish(MPI_Comm comm, void *w, const char *path, int64_t *rows, sl_err *err);
void sl_h5_shared_free(void *w);
/* Keeps COPY's note (format.h's shared_note) for the group's sluice_manifest attribute. */
void sl_h5_shared_note(void *w, const char *json);

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
/* Collective reads: a rank that stopped early (an error, a stop signal) or never opened its
 * scan takes part in the rounds left with empty selections, so every rank made the same
 * HDF5 calls. Collective over comm. */
int sl_h5_scan_end(MPI_Comm comm, void *src, const void *scan, sl_err *err);
/* Keeps the conjuncts on int64/float64 columns: chunks whose sluice_chunk_min/max rule
 * them out are skipped (and counted in ctx's chunks_skipped; the others in chunks_read).
 * Files without those statistics (and collective reads) are late-materialized: each batch
 * reads the conjuncts' columns first and the others only for the granules (chunks) where
 * some row can pass, counted the same way. */
void sl_h5_scan_prune(void *scan, const sl_fmt_pred *preds, int n);
void sl_h5_scan_free(void *scan);

#endif
