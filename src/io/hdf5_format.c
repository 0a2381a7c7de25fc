/*
 * The HDF5 format's backend table (format.h): read_hdf5('f.h5', '/group') over
 * io/hdf5_read.c (not splittable in the byte sense: a rank reads its share of the rows of
 * every file by hyperslab). open is Collective (see format.h); the rest is Local.
 */
#include "io/hdf5_int.h"

static const char *const h5_table_fns[] = { "read_hdf5", NULL };

const sl_format sl_format_hdf5 = {
    .name = "hdf5",
    .table_fns = h5_table_fns,
    .caps = SL_FMT_READ,

    .read_opt_names = "group",
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
    .scan_free = sl_h5_scan_free,
};
