/*
 * CSV schema inference: every rank samples the first sample_bytes of its owned records and
 * keeps, per column, a bitmask of the types every non-NULL value fits; one
 * MPI_Allreduce(BAND) merges the masks so all ranks pick the same types. Order of preference
 * (DuckDB's): BOOLEAN, BIGINT, DOUBLE, DATE, TIMESTAMP, else VARCHAR; an all-NULL column is
 * VARCHAR. A value fits a type as DuckDB's sniffer decides it (sl_csv_fits: '0x1F' and
 * '2024-1-5' fit, '1_000', '+5', '007' and 'inf' stay text); the scan then reads the column
 * with CAST's forms (batch/text_cast.c), so every value the sample accepted converts.
 * sl_csv_infer is Collective; the helpers are Local.
 */
#include "io/io_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"

#define BIT(t) (1u << (t))
#define ALL_TYPES (BIT(SL_T_BOOL) | BIT(SL_T_BIGINT) | BIT(SL_T_DOUBLE) | BIT(SL_T_DATE) | \
                   BIT(SL_T_TIMESTAMP) | BIT(SL_T_VARCHAR))

/* DuckDB's sniffer keeps text that looks like a code, not a number: a leading '+', or a
 * leading zero before another digit ('007', '01.5'; '-07' and '0.5' are numbers). p starts at
 * the first non-space. */
static bool code_like(const char *p, int64_t len)
{
    return len > 0 && (p[0] == '+' || (len > 1 && p[0] == '0' && isdigit((unsigned char)p[1])));
}

/* A plain decimal number as DuckDB's sniffer takes it for DOUBLE: digits, '.', an exponent;
 * 'nan' but no 'inf' / 'infinity', no hex, no '_'; spaces before it, none after. */
static bool sniff_double(const char *p, int64_t len, double *d)
{
    if (len == 0 || p[len - 1] == ' ' || p[len - 1] == '\t')
        return false;
    const char *q = p + (p[0] == '-');
    int64_t qn = len - (p[0] == '-');
    if (!(qn == 3 && strncasecmp(q, "nan", 3) == 0))
        for (int64_t k = 0; k < qn; k++)
            if (!isdigit((unsigned char)q[k]) && q[k] != '.' && q[k] != 'e' && q[k] != 'E' &&
                q[k] != '+' && q[k] != '-')
                return false;
    return sl_parse_double(p, len, d);
}

/* DuckDB's sniffer on dates and timestamps: a 4-digit year first ('24-1-5' is text), then
 * its CAST forms ('2024-1-5', '2024/01/05'); a DATE has no time, a TIMESTAMP has one ('2024-01-05'
 * next to '2024-01-05 10:00' leaves text) and no zone ('Z', '+01': TIMESTAMPTZ there). */
static bool year_first(const char *p, int64_t len)
{
    return len > 5 && isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
           isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) &&
           !isdigit((unsigned char)p[4]);
}

unsigned sl_csv_fits(const char *p, int64_t len, unsigned candidates)
{
    unsigned m = BIT(SL_T_VARCHAR);
    int64_t i;
    double d;
    /* Booleans as written: true/false/t/f/yes/no in any case, no spaces around. */
    static const char *const bools[] = {"true", "false", "t", "f", "yes", "no"};
    for (size_t k = 0; (candidates & BIT(SL_T_BOOL)) && k < 6; k++)
        if ((int64_t)strlen(bools[k]) == len && strncasecmp(p, bools[k], (size_t)len) == 0)
            m |= BIT(SL_T_BOOL);
    const char *l = p; /* leading spaces dropped */
    int64_t ln = len;
    while (ln && (l[0] == ' ' || l[0] == '\t'))
        l++, ln--;
    const char *s = p; /* both ends */
    int64_t n = len;
    sl_csv_trim(&s, &n);
    bool code = code_like(l, ln);
    bool radix = len > 2 && p[0] == '0' && strchr("xXbB", p[1]);
    if ((candidates & BIT(SL_T_BIGINT)) && !code &&
        (sl_parse_bigint(s, n, &i) || (radix && sl_text_cast(p, len, SL_T_BIGINT, &i, &d))))
        m |= BIT(SL_T_BIGINT);
    if ((candidates & BIT(SL_T_DOUBLE)) && !code && sniff_double(l, ln, &d))
        m |= BIT(SL_T_DOUBLE);
    bool has_time = memchr(s, ':', (size_t)n) != NULL;
    bool dated = year_first(s, n) || (n == 5 && strncasecmp(s, "epoch", 5) == 0);
    if ((candidates & BIT(SL_T_DATE)) && dated && !has_time &&
        sl_text_cast(s, n, SL_T_DATE, &i, &d))
        m |= BIT(SL_T_DATE);
    const char *colon = has_time ? memchr(s, ':', (size_t)n) : NULL;
    bool zone = colon && (memchr(colon, '+', (size_t)(s + n - colon)) ||
                          memchr(colon, '-', (size_t)(s + n - colon)) ||
                          memchr(colon, 'Z', (size_t)(s + n - colon)));
    if ((candidates & BIT(SL_T_TIMESTAMP)) && dated && has_time && !zone &&
        sl_text_cast(s, n, SL_T_TIMESTAMP, &i, &d))
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
    mask[col] &= sl_csv_fits(p, len, mask[col]) | SL_CSV_ALLNULL; /* spaces matter there */
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
