/*
 * The HDF5 format's backend table (format.h): read_hdf5('f.h5', '/group') over
 * io/hdf5_read.c (not splittable in the byte sense: a rank reads its share of the rows of
 * every file by hyperslab), and COPY ... (FORMAT hdf5) as one shared file written by every
 * rank (io/hdf5_write.c). open and shared_finish are Collective (see format.h); the rest is
 * Local.
 */
#include "io/hdf5_int.h"

static const char *const h5_table_fns[] = { "read_hdf5", NULL };

const sl_format sl_format_hdf5 = {
    .name = "hdf5",
    .table_fns = h5_table_fns,
    .ext = ".h5",
    .caps = SL_FMT_READ | SL_FMT_WRITE | SL_FMT_PARALLEL_WRITE,

    .read_opt_names = "group, io",
    .ropts_new = sl_h5_ropts_new,
    .ropts_args = sl_h5_ropts_args,
    .ropts_set = sl_h5_ropts_set,
    .ropts_end = sl_h5_ropts_end,
    .ropts_print = sl_h5_ropts_print,
    .ropts_free = sl_h5_ropts_free,
    .open = sl_h5_open,
    .src_free = sl_h5_src_free,
    .ncols = sl_h5_ncols,
    .col_name = sl_h5_col_name,
    .col_type = sl_h5_col_type,
    .nfiles = sl_h5_nfiles,
    .file = sl_h5_file,
    .bytes = sl_h5_bytes,
    .explain = sl_h5_explain,
    .scan_open = sl_h5_scan_open,
    .scan_next = sl_h5_scan_next,
    .scan_end = sl_h5_scan_end,
    .scan_free = sl_h5_scan_free,

    .write_opt_names = "GROUP, CHUNK_ROWS, COMPRESSION",
    .wopts_new = sl_h5_wopts_new,
    .wopts_set = sl_h5_wopts_set,
    .wopts_free = sl_h5_wopts_free,
    .shared_begin = sl_h5_shared_begin,
    .shared_write = sl_h5_shared_write,
    .shared_finish = sl_h5_shared_finish,
    .shared_free = sl_h5_shared_free,
    .shared_note = sl_h5_shared_note,
    .scan_prune = sl_h5_scan_prune,
};
