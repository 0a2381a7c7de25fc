/*
 * The registered formats, one line each: SL_FORMAT(x) names the table sl_format_x that the
 * backend file src/io/x_*.c (or x.c) defines. The first format that can write is what COPY
 * writes without FORMAT. Included by io/formats.c only. Local.
 */
SL_FORMAT(csv)
SL_FORMAT(hdf5)
SL_FORMAT(sqlite)
SL_FORMAT(postgresql)
