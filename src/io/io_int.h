/*
 * Private to src/io: the CSV source's data (files, ranges, schema), the chunked byte reader,
 * split planning and record-boundary finding (csv_split.c), the record walker that feeds the
 * owned bytes of a rank's ranges to libcsv record by record (csv_scan.c), inference
 * (csv_infer.c), and the option slots of the CSV format's table (csv_opts.c; the table is in
 * csv_format.c). Everything here is Local unless its comment says Collective.
 *
 * Record model (RFC 4180): a record starts at the file's first record (after a UTF-8 BOM and
 * any blank lines) or right after a '\n' that is outside quotes. The in-quote state at byte
 * pos is the parity of quote bytes in [0, pos). A range [off, off+len) owns the records whose
 * first byte lies in it; its owned bytes are [rec(off), rec(off+len)) where rec(pos) is the
 * first record start at or after pos (or the file size).
 *
 * The speculative split (issue 14): the in-quote state at a range's start needs the quotes
 * of every byte before it, a second read of (P-1)/P of the input before the scan (the count
 * pass). Speculating, every rank takes its run's start to be outside quotes and walks on.
 * The guess for run start s is right exactly when the walk of the run before it, from its
 * own right start, reaches rec(s) at a record's end: then the two walks split the bytes where
 * one walk over both would. Each walk checks that at its end (spec_bad; also when its guessed
 * end lies before its guessed start: the next run would start where no walk checks), and
 * one reduction at the scan's end confirms every start at once; a failed check, or an error
 * before it (the rows of a wrong guess, or the types sniffed from them, can fail anywhere),
 * makes the session run the statement again with the count pass. Line numbers are unknown
 * while speculating; only error messages carry them, and those come from the run with
 * counts.
 */
#ifndef SL_IO_INT_H
#define SL_IO_INT_H

#include <csv.h>
#include <mpi.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/counters.h"
#include "core/err.h"
#include "io/csv.h"
#include "io/format.h"

/* Bytes read per pread: big enough to amortize syscalls, small enough to never matter. */
#define SL_CSV_CHUNK (1 << 20)

typedef struct sl_csv_file {
    char *path;          /* as globbed (owned) */
    int64_t size;
    int64_t first_rec;   /* start of the first record (after BOM and blank lines); size if none */
    int64_t first_line;  /* 1-based line number of first_rec */
    bool whole;          /* compressed (csv_compress.c): one range, read whole by one rank */
} sl_csv_file;

typedef struct sl_csv_range {
    int file;
    int rank;            /* the rank that owns it; ranks own contiguous runs of ranges */
    int64_t off, len;
    int64_t n_quotes;    /* quote bytes in [off, off+len) */
    int64_t n_nl;        /* '\n' bytes in [off, off+len) */
    int par;             /* in-quote state at off (parity of quotes in [0, off)) */
    int64_t line;        /* 1-based line number at off (1 + '\n' count in [0, off)) */
} sl_csv_range;

struct sl_csv_source {
    char delim, quote;   /* quote 0 = quoting off */
    bool quoted_nulls;   /* an empty quoted field ("") is NULL, not '' */
    bool header;
    int n_files;
    sl_csv_file *files;
    int n_ranges;
    sl_csv_range *ranges;
    int n_ranks;
    int *rank_first;     /* ranges of rank r: [rank_first[r], rank_first[r+1]) */
    int64_t total;       /* bytes of all files */
    int64_t blocksize;   /* range size actually used (see sl_csv_plan_ranges) */
    int ncols;
    char **names;        /* owned */
    sl_type *types;
    char **dtfmt;        /* per column: the DATE / TIMESTAMP strptime format, or NULL (owned) */
    bool *dttz;          /* per column: TIMESTAMP text with zones, read as UTC */
    /* Bad rows (read_csv on_error=...; csv_reject.c) */
    int on_error;        /* SL_ON_ERROR_* */
    char *rejects;       /* rejects file (owned) or NULL */
    int64_t max_rejects; /* -1 = no count limit */
    double max_rejects_pct; /* < 0 = no percentage limit */
    bool rejects_used;   /* a scan opened its rejects part since the last merge */
    /* The speculative split (issue 14): no count pass, every range taken at parity 0; the
     * scans check it (sl_csv_scan_check_spec) and the first passed check confirms it. */
    bool spec, spec_confirmed;
    sl_fmt_spec *spec_state; /* the statement's (pending counts this source until confirmed) */
};

/* ---- chunked reader (csv_split.c) ---- */

typedef struct sl_csv_rd {
    int fd;              /* -1 for a memory reader */
    const char *mem;     /* memory reader: borrowed bytes */
    const char *path;    /* borrowed, for messages and to reopen after ESTALE */
    int64_t size;
    int64_t ino;         /* st_ino at open: a file reopened after ESTALE must match */
    int64_t cap;         /* chunk size */
    char *buf;           /* file reader: cached chunk [off, off+len) */
    int64_t off, len;
} sl_csv_rd;

/* A reader over borrowed memory that hands out at most `chunk` bytes at a time (to exercise
 * chunk edges in tests). Local. */
void sl_csv_rd_mem(sl_csv_rd *r, const char *p, int64_t n, int64_t chunk, const char *name);
/* Opens path for pread (size as planned). Local. */
int sl_csv_rd_open(sl_csv_rd *r, const char *path, int64_t size, sl_err *err);
void sl_csv_rd_close(sl_csv_rd *r);
/* Points *p at byte pos (< size) with *avail >= 1 contiguous bytes. Borrowed until the next
 * call. Local. */
int sl_csv_rd_at(sl_csv_rd *r, int64_t pos, const char **p, int64_t *avail, sl_err *err);

/* ---- compressed input (csv_compress.c) ---- */

/* true when path names a compressed file (".gz", ".zst"). Local. */
bool sl_csv_compressed(const char *path);
/* Decompresses path into an unlinked temporary file: *fd (read with pread) and *size, the
 * decompressed bytes. Local. */
int sl_csv_inflate(const char *path, int *fd, int64_t *size, sl_err *err);

/* ---- split planning and boundaries (csv_split.c) ---- */

/* Counts quote bytes (0 when quote is 0) and '\n' bytes in [off, off+len). Local. */
int sl_csv_count(sl_csv_rd *r, int64_t off, int64_t len, char quote, int64_t *n_quotes,
                 int64_t *n_nl, sl_err *err);
/* Finds the first record: skips a UTF-8 BOM and blank lines. Local. */
int sl_csv_first_record(sl_csv_rd *r, int64_t *first_rec, int64_t *first_line, sl_err *err);
/*
 * Sets *rec to the first record start at or after pos (r->size when none) and *rec_line to
 * its line number. par and line are the in-quote state and line number at pos. Local.
 */
int sl_csv_next_record(sl_csv_rd *r, int64_t pos, int par, int64_t line, char quote,
                       int64_t first_rec, int64_t first_line, int64_t *rec, int64_t *rec_line,
                       sl_err *err);
/* Cuts s->files into ranges of at most blocksize (smaller when needed to give every rank
 * several ranges) and deals them to n_ranks ranks by global byte
 * offset (rank r gets offsets in [r*T/P, (r+1)*T/P)). Fills ranges, rank_first, total. Local. */
void sl_csv_plan_ranges(sl_csv_source *s, int64_t blocksize, int n_ranks);
/* From n_quotes/n_nl of every range, fills par and line (exclusive prefix per file). Local. */
void sl_csv_prefix(sl_csv_source *s);
/*
 * need[k] (n_ranges entries): whether range k's counts are read by anyone: only when a
 * range after it in its file starts another rank's run, whose in-quote state and line
 * number are the prefix of the counts before it. The ranges after a file's last such start
 * (all of a file a single rank reads, the last rank's share, a compressed file) need none:
 * their bytes are read once, by the scan, instead of twice. Local.
 */
void sl_csv_count_needed(const sl_csv_source *s, bool *need);
/*
 * Counts quotes/newlines of the ranges sl_csv_count_needed names (the others count 0), dealt
 * to all ranks by bytes (a rank counts its share of them, wherever they lie), sums every
 * range's counts over comm and fills par/line (right for every range a run starts at or
 * ends before; past a file's last run start, unused). A read error is recorded in err, but
 * the collective is still reached (the caller agrees afterwards). Collective over comm.
 */
int sl_csv_count_all(sl_csv_source *s, MPI_Comm comm, int rank, sl_err *err);

/* ---- tokenizer: libcsv, or a plain splitter when quoting is off (csv_scan.c) ---- */

typedef void (*sl_csv_tok_field_fn)(void *f, size_t len, void *ctx); /* f NULL: empty unquoted */
typedef void (*sl_csv_tok_row_fn)(int c, void *ctx);

typedef struct sl_csv_tok {
    char delim, quote;
    struct csv_parser p; /* quote != 0 */
    sl_buf fld;          /* quote == 0: current field */
    bool row_started;    /* quote == 0: a delimiter or a byte other than '\r' seen in this row */
} sl_csv_tok;

void sl_csv_tok_init(sl_csv_tok *t, char delim, char quote);
/* Returns 0, or -1 on a malformed quoted field (libcsv strict mode). Local. */
int sl_csv_tok_feed(sl_csv_tok *t, const char *p, size_t n, sl_csv_tok_field_fn f,
                    sl_csv_tok_row_fn r, void *ctx);
int sl_csv_tok_fini(sl_csv_tok *t, sl_csv_tok_field_fn f, sl_csv_tok_row_fn r, void *ctx);
void sl_csv_tok_free(sl_csv_tok *t);

/* ---- structural index of the fast scanner (csv_simd.c) ---- */

/* Per 64-byte block of an indexed buffer (bit i = byte 64*b+i; the state starts outside
 * quotes at byte 0): odd = quote or '\r' bytes; st = delimiters and '\n' outside quotes;
 * end = '\n' outside quotes (record ends); nl = every '\n' (for line numbers). */
typedef struct sl_csv_index {
    uint64_t *odd, *st, *end, *nl;
} sl_csv_index;

/* Indexes p[0..n) into ix's first ceil(n/64) blocks. */
typedef void (*sl_csv_index_fn)(const char *p, int64_t n, char delim, char quote,
                                sl_csv_index *ix);
/* The kernel named "avx2", "sse2" or "scalar", NULL for "libcsv" (no fast scanner), or the
 * best one this CPU runs for anything else (NULL or "fast"). Local. */
sl_csv_index_fn sl_csv_index_pick(const char *name);
const char *sl_csv_index_name(sl_csv_index_fn fn);
/* The count pass's kernel (quote and '\n' bytes of p[0..n) added to *q and *nl; quote 0:
 * *q unchanged): named as sl_csv_index_pick's ("scalar" for "libcsv"), or the best one. */
typedef void (*sl_csv_count_fn)(const char *p, int64_t n, char quote, int64_t *q, int64_t *nl);
sl_csv_count_fn sl_csv_count_pick(const char *name);
/* The positions of the set bits of m[0..nb) in ascending order into out (bit i of block b is
 * 64 * b + i); returns how many. out must hold that many + 64 (whole groups of 8 are stored).
 * Picked once: with POPCNT and BMI where the CPU has them. Local. */
typedef int64_t (*sl_csv_flatten_fn)(const uint64_t *m, int64_t nb, uint32_t *out);
sl_csv_flatten_fn sl_csv_flatten_pick(void);
/* A column of a block of plain records (sl_csv_walk_block_fn): field r is p[a, e) with
 * e = end[r * stride] and a = end[r * stride - 1] + 1 in 32-bit arithmetic (the position
 * before a window's first byte is UINT32_MAX); with cr, a final '\r' is not part of it (the
 * record's last column in a window holding '\r'). */
typedef struct sl_csv_bcol {
    const uint32_t *end;
    int64_t stride;
    bool cr;
} sl_csv_bcol;

static inline void sl_csv_bfield(const char *p, const uint32_t *end, int64_t stride, bool cr,
                                 int64_t r, int64_t *a, int64_t *e)
{
    const uint32_t *q = end + r * stride;
    *a = (uint32_t)(q[-1] + 1);
    *e = q[0];
    if (cr && *e > *a && p[*e - 1] == '\r')
        (*e)--;
}

/* Number kernels of the block scan (csv_numbers.c): a column's fields of a block of plain
 * records (c), of which p[0..p_len) may be read. Each converts the leading fields of the
 * shape it knows into out and returns how many (it stops at the first other field, and may
 * stop at one with fewer than 17 readable bytes from its start): ints [-]digits with 1-16
 * digits; decs [-]D.F with digits on both sides and at most 16 bytes after the sign (the
 * value is the correctly rounded one). Picked once: NULL (the scalar loops of csv_scan.c do
 * everything) without SSSE3 or when name is "sse2", "scalar" or "libcsv"
 * (SLUICE_CSV_SCANNER's kernels). Local. */
typedef int64_t (*sl_csv_ints_fn)(const char *p, int64_t p_len, const sl_csv_bcol *c,
                                  int64_t n, int64_t *out);
typedef int64_t (*sl_csv_decs_fn)(const char *p, int64_t p_len, const sl_csv_bcol *c,
                                  int64_t n, double *out);
sl_csv_ints_fn sl_csv_ints_pick(const char *name);
sl_csv_decs_fn sl_csv_decs_pick(const char *name);
/* How many bits of m in bit positions [a, b) are set (POPCNT where the CPU has it). Local. */
typedef int64_t (*sl_csv_bits_fn)(const uint64_t *m, int64_t a, int64_t b);
sl_csv_bits_fn sl_csv_bits_pick(void);

/* ---- record walker (csv_scan.c) ---- */

typedef struct sl_csv_walk sl_csv_walk;
/* A field of the current record: col is its index; is_null for an empty unquoted field (and
 * an empty quoted one with allow_quoted_nulls). */
typedef void (*sl_csv_walk_field_fn)(sl_csv_walk *w, int col, const char *p, int64_t len,
                                     bool is_null);
typedef void (*sl_csv_walk_row_fn)(sl_csv_walk *w);
/* A bad record ended (lenient walks only): bad_col/bad_why say why; its bytes are
 * [rec_off, pos) of the current group's file. May be NULL. */
typedef void (*sl_csv_walk_reject_fn)(sl_csv_walk *w);
/* A whole record at once (the fast scanner, a plain record of exactly ncols fields): field c
 * is p[fld[2c]..fld[2c+1]), NULL when empty. */
typedef void (*sl_csv_walk_rec_fn)(sl_csv_walk *w, const char *p, const int64_t *fld);
/* Records the fast scanner gathers for on_block at most (rows of a block). */
#define SL_CSV_BLK 1024
/* A block of n consecutive plain records of exactly ncols fields (the fast scanner, when set):
 * pos holds each record's field ends, ncols a record (the last one its '\n'), and field c of
 * record r is column {pos + c, ncols, cr: c is the last column and the window holds a quote
 * or '\r'} of sl_csv_bcol; empty when NULL. Converts and counts (as on_row would) the leading
 * records it takes and returns how many; the walk hands the next record to on_record, which
 * reports what was wrong with it. */
typedef int64_t (*sl_csv_walk_block_fn)(sl_csv_walk *w, const char *p, const uint32_t *pos,
                                        int64_t n);

/* A run of consecutive ranges of one file, resolved to its owned record bytes [a, b). */
typedef struct sl_csv_group {
    int file;
    int64_t s, e, line_s, line_e;
    int par_s, par_e;
    bool resolved;
    int64_t a, b, a_line;
} sl_csv_group;

struct sl_csv_walk {
    const sl_csv_source *src;
    sl_counters *ctr;             /* bytes read are counted here (NULL: not counted) */
    int ncols;                    /* expected fields per record; -1 = any */
    bool skip_header;             /* skip each file's first record */
    sl_csv_walk_field_fn on_field;
    sl_csv_walk_row_fn on_row;
    void *ctx;
    int n_groups, g;
    sl_csv_group *groups;
    /* current position */
    bool in_span, done;
    int rd_file;
    sl_csv_rd rd;
    sl_csv_tok tok;
    int64_t pos, line;
    int inq;
    /* The speculative split: a run ended inside a record at its guessed end (the next run's
     * start was guessed wrong); the walk stops there. */
    bool spec_bad;
    /* current record */
    bool rec_open, rec_skip;
    int64_t rec_off, rec_line;
    int fields, rows_in_rec;
    /* progress */
    int64_t rows_run;             /* rows delivered in the current sl_csv_walk_run */
    int64_t rows, bytes;          /* totals */
    sl_err *err;                  /* the current run's error record */
    bool failed;
    /* lenient walks (on_error skip/reject): a bad record is dropped, not an error */
    bool lenient;
    bool rec_bad;                 /* the current record is bad: no more callbacks for it */
    bool row_ready;               /* the current record parsed as one good row */
    int bad_col;                  /* file column at fault, or -1 */
    char bad_why[256];            /* the first reason found for the current record */
    sl_csv_walk_reject_fn on_reject;
    /* Fast scanner (csv_scan.c's fast_records): the index kernel (NULL: every record goes to
     * libcsv, the reference; chosen by SLUICE_CSV_SCANNER, a test hook), the indexed window
     * of the reader's buffer it still describes, and the columns a caller reads (NULL: all;
     * the others are only counted). chunk: reader chunk bytes (0: SL_CSV_CHUNK; tests). */
    sl_csv_index_fn index;
    sl_csv_index ix;
    const char *ix_p;             /* window start in the reader's buffer, or NULL */
    int64_t ix_pos, ix_len;       /* its file offset and length */
    int ix_file;
    const bool *need;
    sl_csv_walk_rec_fn on_record; /* optional: instead of on_field for such records */
    int64_t *fld;                 /* 2 * ncols bounds for on_record (the caller's) */
    sl_csv_walk_block_fn on_block; /* optional (needs on_record): whole blocks of records */
    int64_t *blk_at;              /* SL_CSV_BLK: each gathered record's start (the walk's) */
    /* on_block: the window's st bits as ascending positions (flattened once per window, the
     * one before them UINT32_MAX) with a cursor at the first one not before the walk, and
     * whether the window holds any quote or '\r' */
    sl_csv_flatten_fn flatten;
    sl_csv_bits_fn count_bits;
    uint32_t *fl_st;
    int64_t n_st, k_st;
    bool ix_odd;
    sl_buf unq;                   /* scratch: a quoted field with its "" undoubled */
    int64_t chunk;
};

/* Walks the owned records of rank's ranges. Local. */
void sl_csv_walk_init(sl_csv_walk *w, const sl_csv_source *s, int rank);
/* Walks the records starting in [a, b) of one file (a is a record start at line a_line). */
void sl_csv_walk_init_span(sl_csv_walk *w, const sl_csv_source *s, int file, int64_t a,
                           int64_t b, int64_t a_line);
/* Feeds records until max_rows rows were delivered in this call, max_bytes bytes were
 * consumed in total, or the end (w->done). Local. */
int sl_csv_walk_run(sl_csv_walk *w, int64_t max_rows, int64_t max_bytes, sl_err *err);
/* Records a data error at the current record: "path:line (byte off): <msg>". Local. */
int sl_csv_walk_fail(sl_csv_walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* In a lenient walk marks the current record bad (first reason wins; col -1 = none) and
 * returns 0; otherwise the same as sl_csv_walk_fail with "column \"name\": " before the
 * reason when col >= 0. Local. */
int sl_csv_walk_bad(sl_csv_walk *w, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sl_csv_walk_free(sl_csv_walk *w);

/* ---- inference (csv_infer.c) ---- */

/* Bit (1u << sl_type) set when the field text (spaces kept) fits the type as DuckDB's CSV
 * sniffer decides it; VARCHAR always fits. Local. */
unsigned sl_csv_fits(const char *p, int64_t len, unsigned candidates);
/* Picks the first fitting type of BOOLEAN, BIGINT, DOUBLE, DATE, TIMESTAMP, TIMESTAMP WITH
 * TIME ZONE (as TIMESTAMP), else VARCHAR. */
sl_type sl_csv_pick(unsigned mask);
/* Bit meaning "no non-NULL value seen" (all-NULL columns become VARCHAR). */
#define SL_CSV_ALLNULL (1u << 31)
/* Bits: the value reads as a TIMESTAMP WITH TIME ZONE; the value has no zone. */
#define SL_CSV_TSTZ (1u << 30)
#define SL_CSV_NOZONE (1u << 29)
/* Samples sample_bytes of this rank's records, merges the per-column masks and format
 * candidates with one MPI_Allreduce(BAND) and sets s->types, s->dtfmt and s->dttz; datefmt /
 * tsfmt (or NULL): read_csv's dateformat= / timestampformat=. Read errors are recorded in err
 * (the caller agrees); data errors in the sample are left for the scan to report. Collective
 * over comm. */
int sl_csv_infer(sl_csv_source *s, MPI_Comm comm, int rank, int64_t sample_bytes,
                 const char *datefmt, const char *tsfmt, sl_err *err);
/* Column col has a DATE / TIMESTAMP format or zone text to read with sl_csv_conv_dt (a source
 * built without the per-column arrays, as tests build one, has none). Local. */
static inline bool sl_csv_has_dtfmt(const sl_csv_source *s, int col)
{
    return s->dtfmt && (s->dtfmt[col] || s->dttz[col]);
}
/* A DATE or TIMESTAMP field (trimmed) of column col read with the column's format
 * (s->dtfmt[col]) or, without one, as zone text converted to UTC (s->dttz[col]). Local. */
bool sl_csv_conv_dt(const sl_csv_source *s, int col, sl_type t, const char *p, int64_t n,
                    int64_t *out);

/* Strips spaces and tabs at both ends (numbers may be padded). Local. */
void sl_csv_trim(const char **p, int64_t *len);

/* ---- options: the CSV format's option slots (csv_opts.c; see format.h) ---- */

void *sl_csv_ropts_new(void);
int sl_csv_ropts_args(void *o, const sl_fmt_val *args, int n, const sl_fmt_val *next,
                      const sl_fmt_ctx *c);
int sl_csv_ropts_set(void *o, const sl_fmt_opt *opt, const sl_fmt_ctx *c);
int sl_csv_ropts_end(void *o, int line, int col, const sl_fmt_ctx *c);
void sl_csv_ropts_print(sl_buf *b, const void *o);
void sl_csv_ropts_free(void *o);
void *sl_csv_wopts_new(void);
int sl_csv_wopts_set(void *o, const sl_fmt_opt *opt, const sl_fmt_ctx *c);
void sl_csv_wopts_free(void *o);

/* (TABLE name) of the database sinks (sink_opts.c), their wopts slots. */
typedef struct sl_sink_wopts {
    char *table;   /* owned; NULL until given */
} sl_sink_wopts;
void *sl_sink_wopts_new(void);
int sl_sink_wopts_set(void *o, const sl_fmt_opt *opt, const sl_fmt_ctx *c);
void sl_sink_wopts_free(void *o);

#endif
