/*
 * CSV schema inference: every rank samples the first sample_bytes of its owned records and
 * keeps, per column, a bitmask of the types every non-NULL value fits; one
 * MPI_Allreduce(BAND) merges the masks so all ranks pick the same types. Order of preference
 * (DuckDB's): BOOLEAN, BIGINT, DOUBLE, DATE, TIMESTAMP, else VARCHAR; an all-NULL column is
 * VARCHAR. sl_csv_infer is Collective; the helpers are Local.
 */
#include "io/io_int.h"

#include <string.h>

#include "core/mem.h"

#define BIT(t) (1u << (t))
#define ALL_TYPES (BIT(SL_T_BOOL) | BIT(SL_T_BIGINT) | BIT(SL_T_DOUBLE) | BIT(SL_T_DATE) | \
                   BIT(SL_T_TIMESTAMP) | BIT(SL_T_VARCHAR))

unsigned sl_csv_fits(const char *p, int64_t len, unsigned candidates)
{
    unsigned m = BIT(SL_T_VARCHAR);
    int64_t i;
    double d;
    sl_csv_trim(&p, &len);
    if ((candidates & BIT(SL_T_BOOL)) && sl_parse_bool(p, len, &i))
        m |= BIT(SL_T_BOOL);
    if ((candidates & BIT(SL_T_BIGINT)) && sl_parse_bigint(p, len, &i))
        m |= BIT(SL_T_BIGINT);
    if ((candidates & BIT(SL_T_DOUBLE)) && sl_parse_double(p, len, &d))
        m |= BIT(SL_T_DOUBLE);
    if ((candidates & BIT(SL_T_DATE)) && sl_parse_date(p, len, &i))
        m |= BIT(SL_T_DATE);
    if ((candidates & BIT(SL_T_TIMESTAMP)) && sl_parse_timestamp(p, len, &i))
        m |= BIT(SL_T_TIMESTAMP);
    return m;
}

sl_type sl_csv_pick(unsigned mask)
{
    if (mask & SL_CSV_ALLNULL)
        return SL_T_VARCHAR;
    static const sl_type order[] = {SL_T_BOOL, SL_T_BIGINT, SL_T_DOUBLE, SL_T_DATE,
                                    SL_T_TIMESTAMP};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
        if (mask & BIT(order[k]))
            return order[k];
    return SL_T_VARCHAR;
}

static void infer_field(sl_csv_walk *w, int col, const char *p, int64_t len, bool is_null)
{
    unsigned *mask = w->ctx;
    const char *s = p;
    int64_t n = len;
    sl_csv_trim(&s, &n);
    if (is_null || n == 0)
        return; /* NULL (and "" for non-text types) fits everything */
    mask[col] &= ~SL_CSV_ALLNULL;
    mask[col] &= sl_csv_fits(s, n, mask[col]) | SL_CSV_ALLNULL;
}

static void infer_row(sl_csv_walk *w) { (void)w; }

int sl_csv_infer(sl_csv_source *s, MPI_Comm comm, int rank, int64_t sample_bytes, sl_err *err)
{
    int n = s->ncols;
    unsigned *mask = sl_xmalloc(((size_t)n + 1) * sizeof *mask);
    unsigned *all = sl_xmalloc(((size_t)n + 1) * sizeof *all);
    for (int c = 0; c < n; c++)
        mask[c] = ALL_TYPES | SL_CSV_ALLNULL;
    sl_csv_walk w;
    sl_csv_walk_init(&w, s, rank);
    w.on_field = infer_field;
    w.on_row = infer_row;
    w.ctx = mask;
    sl_err e;
    sl_err_clear(&e);
    int rc = sl_csv_walk_run(&w, INT64_MAX, sample_bytes > 0 ? sample_bytes : 1, &e);
    sl_csv_walk_free(&w);
    /* A malformed sample record is reported by the scan with its full context; only I/O
     * problems stop the open here. */
    if (rc && rc != SL_EDATA)
        SL_ERR(err, rc, "%s", e.msg);
    MPI_Allreduce(mask, all, n, MPI_UNSIGNED, MPI_BAND, comm);
    sl_free(s->types);
    s->types = sl_xcalloc((size_t)n + 1, sizeof *s->types);
    for (int c = 0; c < n; c++)
        s->types[c] = sl_csv_pick(all[c]);
    sl_free(mask);
    sl_free(all);
    return err->code;
}
