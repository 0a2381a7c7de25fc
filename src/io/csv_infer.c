/*
 * CSV schema inference: every rank samples the first sample_bytes of its owned records and
 * keeps, per column, a bitmask of the types every non-NULL value fits, and for DATE and
 * TIMESTAMP the set of DuckDB's format candidates ('%d/%m/%Y', '%m-%d-%y %I:%M:%S %p', ...)
 * that parse every value and the set that parsed some value; one MPI_Allreduce(BAND) merges
 * them so all ranks pick the same types and formats. Order of preference (DuckDB's): BOOLEAN,
 * BIGINT, DOUBLE, DATE, TIMESTAMP, TIMESTAMP WITH TIME ZONE (read as a UTC TIMESTAMP), else
 * VARCHAR; an all-NULL column is VARCHAR. A value fits a type as DuckDB's sniffer decides it
 * (sl_csv_fits: '0x1F' and '2024-1-5' fit, '1_000', '+5', '007' and 'inf' stay text); the scan
 * then reads the column with CAST's forms (batch/text_cast.c), or with its format
 * (sl_csv_conv_dt), so every value the sample accepted converts.
 * Formats: DuckDB's sniffer tries, for a value that starts like a date ('01/02/2024': digits,
 * a separator '-', '.', '/' or ' ', digits, the same separator, digits), its templates with
 * that separator, last listed first, and keeps the first that parses every value; ISO text
 * ('2024-01-05') is left to the CAST forms. A column takes the most preferred candidate that
 * parsed all its sampled values; when none did but one parsed some value, the column is not of
 * that type; when none parsed any value, the CAST forms decide as before. DuckDB keeps one
 * format per type for the whole file and decides by row order; sluice decides per column and
 * by the whole sample, the same answer wherever the sample's values agree on a format.
 * dateformat= / timestampformat= make their format the only candidate (no CAST forms).
 * sl_csv_infer is Collective; the helpers are Local.
 */
#include "io/io_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"

#define BIT(t) (1u << (t))
#define ALL_TYPES (BIT(SL_T_BOOL) | BIT(SL_T_BIGINT) | BIT(SL_T_DOUBLE) | BIT(SL_T_DATE) | \
                   BIT(SL_T_TIMESTAMP) | BIT(SL_T_VARCHAR) | SL_CSV_TSTZ | \
                   SL_CSV_NOZONE)
#define US_PER_DAY INT64_C(86400000000)

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
    /* DuckDB's sniffer takes a time with a zone or none (' UTC' is no zone: TIMESTAMP reads
     * it) as TIMESTAMP WITH TIME ZONE, not a bare date. */
    if ((candidates & SL_CSV_TSTZ) && year_first(s, n) && has_time && sl_text_cast_tz(s, n, &i))
        m |= SL_CSV_TSTZ;
    if (!zone)
        m |= SL_CSV_NOZONE;
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
    /* TIMESTAMP WITH TIME ZONE when some value has a zone (mixed dates and timestamps
     * without one are text in DuckDB) */
    return (mask & SL_CSV_TSTZ) && !(mask & SL_CSV_NOZONE) ? SL_T_TIMESTAMPTZ : SL_T_VARCHAR;
}

/* ---- DATE and TIMESTAMP formats ---- */

/* DuckDB's sniffer templates, '-' standing for the value's separator, in DuckDB's order: it
 * tries the last first. Those holding '%Y-%m-%d' are left out with the separator '-' (ISO text
 * goes to CAST). */
static const char *const date_tpl[] = {"%m-%d-%Y", "%m-%d-%y", "%d-%m-%Y", "%d-%m-%y",
                                       "%Y-%m-%d", "%y-%m-%d"};
static const char *const ts_tpl[] = {"%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f",
                                     "%m-%d-%Y %I:%M:%S %p", "%m-%d-%y %I:%M:%S %p",
                                     "%d-%m-%Y %H:%M:%S", "%d-%m-%y %H:%M:%S",
                                     "%Y-%m-%d %H:%M:%S", "%y-%m-%d %H:%M:%S",
                                     "%Y-%m-%dT%H:%M:%SZ"};
#define N_SEP 4
static const char seps[N_SEP] = {'-', '.', '/', ' '}; /* DuckDB's ValidSeparator */

/* The candidates of one type: index j = preference rank (0 first) * N_SEP + separator, bit j
 * of the masks below; or the user's one format (bit 0). */
typedef struct {
    int n;
    char *fmt[16 * N_SEP];
    int64_t len[16 * N_SEP];
    bool user;             /* the user's format: tried on every value */
    uint64_t valid;        /* candidates that exist */
    uint64_t of_sep[N_SEP]; /* those of each separator */
    uint64_t yfirst;       /* those starting with %Y: the only ones a 3+ digit field fits */
} fmt_cands;

static void cands_init(fmt_cands *fc, const char *const *tpl, int nt, const char *user)
{
    memset(fc, 0, sizeof *fc);
    if (user) {
        fc->fmt[0] = sl_xstrdup(user);
        fc->len[0] = (int64_t)strlen(user);
        fc->n = 1;
        fc->valid = 1;
        fc->user = true;
        return;
    }
    for (int r = 0; r < nt; r++) {
        const char *t = tpl[nt - 1 - r];
        for (int k = 0; k < N_SEP; k++) {
            int j = r * N_SEP + k;
            char *f = sl_xstrdup(t);
            for (char *q = f; *q; q++)
                if (*q == '-')
                    *q = seps[k];
            fc->fmt[j] = f;
            fc->len[j] = (int64_t)strlen(f);
            fc->of_sep[k] |= UINT64_C(1) << j;
            if (strncmp(f, "%Y", 2) == 0)
                fc->yfirst |= UINT64_C(1) << j;
            if (!(seps[k] == '-' && strstr(f, "%Y-%m-%d")))
                fc->valid |= UINT64_C(1) << j;
        }
    }
    fc->n = nt * N_SEP;
}

static void cands_free(fmt_cands *fc)
{
    for (int j = 0; j < fc->n; j++)
        sl_free(fc->fmt[j]);
}

/* DuckDB's StartsWithNumericDate: spaces, digits, a separator, digits, the same separator,
 * digits. Returns the separator, or 0; *d1: the first field's digits. */
static char numeric_date_sep(const char *p, int64_t n, int64_t *d1)
{
    int64_t k = 0;
    while (k < n && isspace((unsigned char)p[k]))
        k++;
    if (k == n || !isdigit((unsigned char)p[k]))
        return 0;
    int64_t f1 = k;
    while (k < n && isdigit((unsigned char)p[k]))
        k++;
    int64_t l1 = k;
    *d1 = l1 - f1;
    while (k < n && !isdigit((unsigned char)p[k]))
        k++;
    int64_t f2 = k;
    if (f2 == n || f2 - l1 != 1)
        return 0;
    while (k < n && isdigit((unsigned char)p[k]))
        k++;
    int64_t l2 = k;
    while (k < n && !isdigit((unsigned char)p[k]))
        k++;
    if (l2 == n || k == n || k - l2 != 1 || p[l2] != p[l1])
        return 0;
    return p[l1];
}

/* Clears in *all the candidates that do not parse p; sets in *any those that do. A column whose
 * candidates all failed after one matched is done (nothing left to learn). */
static void cands_value(const fmt_cands *fc, uint64_t *all, uint64_t *any, const char *p,
                        int64_t n, bool date)
{
    if (*all == 0 && *any != 0)
        return;
    int64_t d1 = 0;
    char sep = fc->user ? 0 : numeric_date_sep(p, n, &d1);
    const char *sp = sep ? memchr(seps, sep, N_SEP) : NULL;
    /* not a date to DuckDB's sniffer, or a time where the candidates have none (or none
     * where they have one): no candidate takes it */
    if (!fc->user && (!sp || (memchr(p, ':', (size_t)n) != NULL) == date)) {
        *all = 0;
        return;
    }
    uint64_t try = fc->valid & (fc->user ? 1 : fc->of_sep[sp - seps]) & (*any ? *all : ~0ull);
    if (d1 > 2)
        try &= fc->yfirst;
    uint64_t ok = 0;
    while (try) {
        int j = __builtin_ctzll(try);
        try &= try - 1;
        int64_t us;
        char bad = 0;
        if (sl_strptime(p, n, fc->fmt[j], fc->len[j], &us, &bad) == SL_PT_OK &&
            (!date || us % US_PER_DAY == 0))
            ok |= UINT64_C(1) << j;
    }
    *all &= ok;
    *any |= ok;
}

/* The format a column's masks choose: the most preferred candidate that parsed every value;
 * *dead when none did though one parsed some value (the column is not of the type). */
static const char *cands_pick(const fmt_cands *fc, uint64_t all, uint64_t any, bool *dead)
{
    *dead = false;
    for (int j = 0; j < fc->n; j++)
        if (all & (UINT64_C(1) << j))
            return fc->fmt[j];
    *dead = any != 0 || fc->user; /* the user's format admits nothing else */
    return NULL;
}

bool sl_csv_conv_dt(const sl_csv_source *s, int col, sl_type t, const char *p, int64_t n,
                    int64_t *out)
{
    const char *f = s->dtfmt[col];
    int64_t us;
    char bad = 0;
    if (!f) {
        if (!sl_text_cast_tz(p, n, &us))
            return false;
    } else if (sl_strptime(p, n, f, (int64_t)strlen(f), &us, &bad) != SL_PT_OK) {
        return false;
    }
    if (t == SL_T_DATE) {
        if (us % US_PER_DAY)
            return false;
        us /= US_PER_DAY;
    }
    *out = us;
    return true;
}

/* Per column: the type mask and the DATE / TIMESTAMP candidates' all / not-any masks, reduced
 * together with one BAND. */
enum { M_TYPES, M_DALL, M_DNONE, M_TALL, M_TNONE, M_N };

typedef struct {
    uint64_t *m; /* M_N per column */
    fmt_cands dc, tc;
} infer_state;

static void infer_field(sl_csv_walk *w, int col, const char *p, int64_t len, bool is_null)
{
    infer_state *st = w->ctx;
    uint64_t *m = st->m + (size_t)col * M_N;
    const char *s = p;
    int64_t n = len;
    sl_csv_trim(&s, &n);
    if (is_null || n == 0)
        return; /* NULL (and "" for non-text types) fits everything */
    unsigned mask = (unsigned)m[M_TYPES];
    mask &= ~SL_CSV_ALLNULL;
    mask &= sl_csv_fits(p, len, mask) | SL_CSV_ALLNULL; /* spaces matter there */
    m[M_TYPES] = mask;
    uint64_t any = ~m[M_DNONE];
    cands_value(&st->dc, &m[M_DALL], &any, s, n, true);
    m[M_DNONE] = ~any;
    any = ~m[M_TNONE];
    cands_value(&st->tc, &m[M_TALL], &any, s, n, false);
    m[M_TNONE] = ~any;
}

static void infer_row(sl_csv_walk *w) { (void)w; }

int sl_csv_infer(sl_csv_source *s, MPI_Comm comm, int rank, int64_t sample_bytes,
                 const char *datefmt, const char *tsfmt, sl_err *err)
{
    int n = s->ncols;
    infer_state st;
    st.m = sl_xmalloc(((size_t)n + 1) * M_N * sizeof *st.m);
    uint64_t *all = sl_xmalloc(((size_t)n + 1) * M_N * sizeof *all);
    cands_init(&st.dc, date_tpl, (int)(sizeof date_tpl / sizeof *date_tpl), datefmt);
    cands_init(&st.tc, ts_tpl, (int)(sizeof ts_tpl / sizeof *ts_tpl), tsfmt);
    for (int c = 0; c < n; c++) {
        uint64_t *m = st.m + (size_t)c * M_N;
        m[M_TYPES] = ALL_TYPES | SL_CSV_ALLNULL;
        m[M_DALL] = st.dc.valid;
        m[M_TALL] = st.tc.valid;
        m[M_DNONE] = m[M_TNONE] = ~UINT64_C(0);
    }
    sl_csv_walk w;
    sl_csv_walk_init(&w, s, rank);
    w.on_field = infer_field;
    w.on_row = infer_row;
    w.ctx = &st;
    sl_err e;
    sl_err_clear(&e);
    int rc = sl_csv_walk_run(&w, INT64_MAX, sample_bytes > 0 ? sample_bytes : 1, &e);
    sl_csv_walk_free(&w);
    /* A malformed sample record is reported by the scan with its full context; only I/O
     * problems stop the open here. */
    if (rc && rc != SL_EDATA)
        SL_ERR(err, rc, "%s", e.msg);
    MPI_Allreduce(st.m, all, n * M_N, MPI_UINT64_T, MPI_BAND, comm);
    sl_free(s->types);
    s->types = sl_xcalloc((size_t)n + 1, sizeof *s->types);
    s->dtfmt = sl_xcalloc((size_t)n + 1, sizeof *s->dtfmt);
    s->dttz = sl_xcalloc((size_t)n + 1, sizeof *s->dttz);
    for (int c = 0; c < n; c++) {
        const uint64_t *m = all + (size_t)c * M_N;
        unsigned mask = (unsigned)m[M_TYPES];
        bool ddead, tdead;
        const char *df = cands_pick(&st.dc, m[M_DALL], ~m[M_DNONE], &ddead);
        const char *tf = cands_pick(&st.tc, m[M_TALL], ~m[M_TNONE], &tdead);
        if (ddead || df)
            mask &= ~BIT(SL_T_DATE);
        if (tdead || tf)
            mask &= ~BIT(SL_T_TIMESTAMP);
        if (tdead || tf || tsfmt)
            mask &= ~SL_CSV_TSTZ; /* a format decides the column's text */
        if (df && !(mask & SL_CSV_ALLNULL))
            mask |= BIT(SL_T_DATE);
        if (tf && !(mask & SL_CSV_ALLNULL))
            mask |= BIT(SL_T_TIMESTAMP);
        sl_type t = sl_csv_pick(mask);
        s->types[c] = t;
        if (t == SL_T_DATE && df)
            s->dtfmt[c] = sl_xstrdup(df);
        else if (t == SL_T_TIMESTAMP && tf)
            s->dtfmt[c] = sl_xstrdup(tf);
    }
    cands_free(&st.dc);
    cands_free(&st.tc);
    sl_free(st.m);
    sl_free(all);
    return err->code;
}
