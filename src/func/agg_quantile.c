/*
 * Holistic aggregates over one numeric (BIGINT or DOUBLE) argument: median, quantile_cont(x,
 * q), quantile_disc(x, q) (alias quantile), mad, mode, entropy. Each needs every value of its
 * group, so its state is the group's values (8 bytes each, BIGINT or DOUBLE as the argument),
 * and it is finished by putting in place the positions the answer reads off the sorted array
 * (a selection over order-preserving keys: select_vals; a NaN above +inf, as DuckDB orders
 * it) and reading them with GSL's formulas (gsl_stats_quantile_from_sorted_data, the
 * medians of gsl_stats_mad0; a list of more than 8 quantiles sorts the keys), or by sorting
 * them with GSL (gsl_sort, gsl_sort_long: mode and entropy) and one scan.
 *
 * Distribution: the values are the partial state. A partial table collects each group's
 * values on the rank that read them and ships them, one VARCHAR of raw bytes per group and
 * flush (binary-safe in the row format), through the group-by exchange to the group's owner;
 * combine concatenates. So the values of a group meet on one rank, never the whole table, and
 * the final table's grace partitioning spills whole groups' values when they outgrow its grant
 * (needs_all_values makes the hash table charge the values it holds to the budget, see
 * func/agg.c). One group must fit in memory on its owner.
 *
 * Results, as DuckDB defines them (checked against DuckDB 1.5): with the n non-NULL values
 * sorted as v[0..n),
 *   quantile_cont(x, q) = v[i] + (h - i)(v[i+1] - v[i]), h = (n-1)q, i = floor(h): DOUBLE;
 *   median(x) = quantile_cont(x, 0.5);
 *   quantile_disc(x, q) = v[max(1, ceil(nq)) - 1] (nearest rank), of x's type;
 *   mad(x) = median(|x - median(x)|): DOUBLE (a DECIMAL: of its type, both medians by the
 *     DECIMAL median's rule below, in its scaled integers, as DuckDB's);
 *   mode(x) = the most frequent value, of x's type (ties: the smallest; DuckDB takes the first
 *     it met, which depends on the input order); -0.0 and 0.0 are one value, given as 0.0;
 *   entropy(x) = -sum over distinct values of p log2 p, p = count / n: DOUBLE, 0 for no values.
 * q is a constant in [0, 1] (the binder checks it: sl_agg.param). NULL for a group without
 * non-NULL values (entropy: 0). A NaN orders above +inf for median, the quantiles and mad
 * (DuckDB's order); mode and entropy do not order it (not supported). mode and entropy
 * also take DATE and TIMESTAMP (8-byte integers) and VARCHAR, whose state is records of a
 * 4-byte length and the bytes (func/agg_vals.h), sorted by bytes, then length. median,
 * quantile_cont, quantile_disc and mode of a DECIMAL give its type, as DuckDB's: up to 18
 * digits its unscaled int64s are kept as BIGINT's, the interpolation lo + (hi - lo) * d
 * truncated; a wider DECIMAL's 16 order-preserving bytes are kept as VARCHAR's records and
 * interpolated through DuckDB's double of a hugeint. quantile_disc, mode and entropy of a
 * HUGEINT, UBIGINT or UHUGEINT keep its 16 order-preserving bytes as records the same way
 * (their result: the argument's type; entropy DOUBLE). median, quantile_cont, quantile_disc and
 * mad also take DATE, TIMESTAMP and TIMESTAMPTZ (8-byte integers, kept as BIGINT's), as DuckDB
 * 1.5: median and quantile_cont give a TIMESTAMP (a TIMESTAMPTZ's: TIMESTAMPTZ), a DATE's days
 * taken as midnight's microseconds, interpolated as llround(lo (1 - d) + hi d); quantile_disc
 * the argument's type; mad an INTERVAL of days and microseconds, the median of |x - median| in
 * microseconds interpolated as lo + llround((hi - lo) d). Local.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_sort_long.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_statistics_long.h>

#include "batch/int128.h"
#include "batch/list.h"
#include "core/mem.h"
#include "func/agg_vals.h"
#include "func/aggregate.h"

/* long is GSL's 64-bit integer type here (LP64): BIGINT values sort in place as long. */
_Static_assert(sizeof(long) == sizeof(int64_t), "GSL's long must hold a BIGINT");

typedef struct {
    uint64_t *v; /* n values: the bits of int64_t or double, as the argument's type */
    int64_t n, cap;
    bool done;   /* the result came finished (a heavy group's marker): res holds it */
    uint64_t res;
    uint64_t *lres; /* a list of quantiles' finished results (n_params), when done */
    /* VARCHAR (mode, entropy): n records (func/agg_vals.h) in sb; a finished result's bytes */
    char *sb;
    int64_t sbytes, scap;
    char *rs;
    int64_t rlen;
} vals_state;

SL_AGG_FIXED_STATE(vals_bytes, vals_state)

static bool num_bind(const sl_type *args, sl_type *result)
{
    if (!sl_type_is_numeric(args[0]))
        return false;
    *result = SL_T_DOUBLE;
    return true;
}

/* A DECIMAL: median, quantile_cont, quantile_disc and mode give its own type, as DuckDB's do.
 * Up to 18 digits its values are 8 bytes, kept as BIGINT's are; a wider one's are kept as
 * VARCHAR's are (records, rec_arg): its 16-byte encoding sorts as the numbers by memcmp. */
static bool is_dec(sl_type t)
{
    return sl_type_is_decimal(t);
}

/* HUGEINT, UBIGINT, UHUGEINT: 16 bytes a value that memcmp orders as the numbers
 * (batch/int128.h), kept as VARCHAR's are (quantile_disc, mode, entropy only: median,
 * quantile_cont and mad take them as DOUBLE, the binder's cast, as DuckDB does). */
static bool wide_int(sl_type t)
{
    return t == SL_T_HUGEINT || t == SL_T_UBIGINT || t == SL_T_UHUGEINT;
}

/* Values kept as records of bytes (func/agg_vals.h): VARCHAR, a wide DECIMAL, a 128-bit
 * integer. */
static bool rec_arg(sl_type t)
{
    return t == SL_T_VARCHAR || sl_dec_is_wide(t) || wide_int(t);
}

/* DATE, TIMESTAMP, TIMESTAMPTZ: 8-byte integers (days or microseconds), kept as BIGINT's. */
static bool is_time(sl_type t)
{
    return t == SL_T_DATE || t == SL_T_TIMESTAMP || t == SL_T_TIMESTAMPTZ;
}

/* median(x): DOUBLE, or x's DECIMAL type; of a DATE or TIMESTAMP a TIMESTAMP, of a
 * TIMESTAMPTZ a TIMESTAMPTZ (DuckDB's: a DATE's median may fall between two days). */
static bool median_bind(const sl_type *args, sl_type *result)
{
    if (is_time(args[0])) {
        *result = args[0] == SL_T_TIMESTAMPTZ ? SL_T_TIMESTAMPTZ : SL_T_TIMESTAMP;
        return true;
    }
    if (is_dec(args[0])) {
        *result = args[0];
        return true;
    }
    return num_bind(args, result);
}

/* mad(x): DOUBLE, or x's DECIMAL type (DuckDB's: the median and the median of |x - median| in
 * the DECIMAL's scaled integers, each interpolated as median's). */
static bool mad_bind(const sl_type *args, sl_type *result)
{
    if (is_time(args[0])) { /* DuckDB's: an INTERVAL of days and microseconds */
        *result = SL_T_INTERVAL;
        return true;
    }
    return median_bind(args, result);
}

/* quantile_cont(x, q): q numeric (a constant: the binder checks). */
static bool cont_bind(const sl_type *args, sl_type *result)
{
    return sl_type_is_numeric(args[1]) && median_bind(args, result);
}

/* quantile_disc(x, q), mode(x): x's own type. */
static bool disc_bind(const sl_type *args, sl_type *result)
{
    if ((!sl_type_is_numeric(args[0]) && !is_dec(args[0]) && !wide_int(args[0]) &&
         !is_time(args[0])) ||
        !sl_type_is_numeric(args[1]))
        return false;
    *result = args[0];
    return true;
}

/* quantile_cont of sorted 8-byte DECIMAL values v[0..n) as DuckDB interpolates them: h =
 * (n-1)q, lo = v[floor h], hi = v[ceil h], lo + (hi - lo)(h - floor h) truncated (so the
 * unscaled result is floored: 1.875 is 1.87, -1.875 -1.88). */
static int64_t dec_cont(int64_t lo, int64_t hi, double delta)
{
    return lo + (int64_t)((double)(hi - lo) * delta);
}

/* quantile q of the n sorted 8-byte DECIMAL values v (dec_cont's rule). */
static int64_t dec_quantile_of(const int64_t *v, int64_t n, double q)
{
    double h = (double)(n - 1) * q;
    int64_t i = (int64_t)floor(h), j = (int64_t)ceil(h);
    return i == j ? v[i] : dec_cont(v[i], v[j], h - (double)i);
}

static int64_t dec_quantile(const vals_state *s, double q)
{
    return dec_quantile_of((const int64_t *)(const void *)s->v, s->n, q);
}

static void place_median(long *d, int64_t n);

/* mad of the sorted 8-byte DECIMAL values of s, as DuckDB computes it for a DECIMAL: m =
 * the median (dec_quantile), then the median of |v - m| by the same rule, all in the scaled
 * integers (no overflow: |v - m| < 2 * 10^18 < 2^63). */
static int64_t dec_mad(const vals_state *s)
{
    const int64_t *v = (const int64_t *)(const void *)s->v;
    int64_t m = dec_quantile(s, 0.5);
    long *d = sl_xmalloc((size_t)s->n * sizeof *d + 8);
    for (int64_t i = 0; i < s->n; i++)
        d[i] = v[i] >= m ? v[i] - m : m - v[i];
    place_median(d, s->n);
    int64_t r = dec_quantile_of((const int64_t *)d, s->n, 0.5);
    sl_free(d);
    return r;
}

/* A DATE's days as a TIMESTAMP's microseconds (infinities stay infinite), a TIMESTAMP's as
 * they are: the values median, quantile_cont and mad of a DATE interpolate, as DuckDB casts
 * them. Local. */
static int64_t time_us(sl_type t, int64_t v)
{
    if (t != SL_T_DATE)
        return v;
    if (sl_date_is_inf(v))
        return v > 0 ? SL_TS_INF : -SL_TS_INF;
    return (int64_t)((uint64_t)v * (uint64_t)SL_IV_US_PER_DAY); /* no DATE overflows it */
}

/* DuckDB's interpolation of two timestamps (microseconds): lo at d = 0, else
 * llround(lo (1 - d) + hi d) in double (ties away from zero: 1 and 4 give 3, -1 and -4 -3). */
static int64_t time_interp(int64_t lo, int64_t hi, double d)
{
    if (d == 0)
        return lo;
    return (int64_t)llround((double)lo * (1.0 - d) + (double)hi * d);
}

/* DuckDB's interpolation of two intervals of microseconds (mad's): lo + llround((hi - lo) d). */
static int64_t span_interp(int64_t lo, int64_t hi, double d)
{
    if (d == 0)
        return lo;
    return lo + (int64_t)llround((double)(hi - lo) * d);
}

/* quantile q of the n sorted values v (days or microseconds of type t) as DuckDB's
 * quantile_cont of a DATE or TIMESTAMP: microseconds, h = (n-1)q, time_interp of v[floor h]
 * and v[ceil h] by h - floor h. */
static int64_t time_quantile_of(sl_type t, const int64_t *v, int64_t n, double q)
{
    double h = (double)(n - 1) * q;
    int64_t i = (int64_t)floor(h), j = (int64_t)ceil(h);
    if (i == j)
        return time_us(t, v[i]);
    return time_interp(time_us(t, v[i]), time_us(t, v[j]), h - (double)i);
}

/* mad of the sorted values of s (days or microseconds of type t), as DuckDB's of a DATE or
 * TIMESTAMP: m = the median (time_quantile_of), then the median of |x - m| in microseconds,
 * interpolated as intervals are (span_interp). */
static int64_t time_mad(sl_type t, const vals_state *s)
{
    const int64_t *v = (const int64_t *)(const void *)s->v;
    int64_t m = time_quantile_of(t, v, s->n, 0.5);
    long *d = sl_xmalloc((size_t)s->n * sizeof *d + 8);
    for (int64_t i = 0; i < s->n; i++) {
        /* in unsigned arithmetic: an infinity's distance wraps (DuckDB's is an error) */
        int64_t x = time_us(t, v[i]);
        d[i] = (long)(x >= m ? (uint64_t)x - (uint64_t)m : (uint64_t)m - (uint64_t)x);
    }
    place_median(d, s->n);
    int64_t i = (s->n - 1) / 2, j = s->n / 2;
    int64_t r = span_interp(d[i], d[j], i == j ? 0 : 0.5);
    sl_free(d);
    return r;
}

/* An interval of us microseconds as DuckDB's Interval::FromMicro makes it (days and
 * microseconds, no months), pushed in its 16 bytes. */
static void push_span(sl_vec *out, int64_t us)
{
    char b[SL_IV_BYTES];
    sl_interval_put(b, (sl_interval){.months = 0, .days = (int32_t)(us / SL_IV_US_PER_DAY),
                                     .micros = us % SL_IV_US_PER_DAY});
    sl_vec_push_str(out, b, SL_IV_BYTES);
}

/* mode(x), entropy(x): also DATE, TIMESTAMP and TIMESTAMPTZ (8-byte integers, ordered as
 * BIGINT) and VARCHAR (records of bytes, ordered by memcmp, then length). */
static bool count_arg(sl_type t)
{
    return sl_type_is_numeric(t) || t == SL_T_DATE || t == SL_T_TIMESTAMP ||
           t == SL_T_TIMESTAMPTZ || t == SL_T_VARCHAR || is_dec(t) || wide_int(t);
}

static bool mode_bind(const sl_type *args, sl_type *result)
{
    if (!count_arg(args[0]))
        return false;
    *result = args[0];
    return true;
}

static bool entropy_bind(const sl_type *args, sl_type *result)
{
    if (!count_arg(args[0]))
        return false;
    *result = SL_T_DOUBLE;
    return true;
}

static int vals_types(const sl_agg *a, sl_type *types)
{
    types[0] = SL_T_VARCHAR;
    return 1;
}

/* Makes room for k more values in s (doubling, at least 16). */
static void vals_grow(vals_state *s, int64_t k)
{
    int64_t c = s->cap ? s->cap * 2 : 16;
    while (c < s->n + k)
        c *= 2;
    s->v = sl_xrealloc(s->v, (size_t)c * sizeof *s->v);
    s->cap = c;
}

static void vals_push(vals_state *s, const uint64_t *src, int64_t k)
{
    if (s->n + k > s->cap)
        vals_grow(s, k);
    memcpy(s->v + s->n, src, (size_t)k * sizeof *s->v);
    s->n += k;
}

static void bytes_push(vals_state *s, const void *p, int64_t len)
{
    if (s->sbytes + len > s->scap) {
        int64_t c = s->scap ? s->scap * 2 : 64;
        while (c < s->sbytes + len)
            c *= 2;
        s->sb = sl_xrealloc(s->sb, (size_t)c);
        s->scap = c;
    }
    if (len)
        memcpy(s->sb + s->sbytes, p, (size_t)len);
    s->sbytes += len;
}

static int vals_update(const sl_agg *a, void *states, sl_vec *const *args,
                       const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    vals_state *s = states;
    const sl_vec *x = args[0];
    if (rec_arg(x->type)) {
        for (int64_t k = 0; k < n; k++) {
            int64_t i = sl_agg_row(sel, k), len = 0;
            if (!sl_vec_valid(x, i))
                continue;
            const char *p = sl_vec_str(x, i, &len);
            uint32_t l = (uint32_t)len;
            bytes_push(&s[gids[k]], &l, 4);
            bytes_push(&s[gids[k]], p, len);
            s[gids[k]].n++;
        }
        return 0;
    }
    /* BIGINT and DOUBLE vectors both hold 8-byte values: copy the bits. */
    const uint64_t *bits = x->type == SL_T_DOUBLE ? (const uint64_t *)(const void *)x->d.f64
                                                  : (const uint64_t *)(const void *)x->d.i64;
    /* One store a value (the grow test rarely taken): no call, no copy of a variable size. */
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k);
        if (!sl_vec_valid(x, i))
            continue;
        vals_state *st = &s[gids[k]];
        if (st->n == st->cap)
            vals_grow(st, 1);
        st->v[st->n++] = bits[i];
    }
    return 0;
}

static int vals_combine(const sl_agg *a, void *states, sl_vec *const *cols,
                        const uint32_t *gids, const uint32_t *sel, int64_t n, sl_err *err)
{
    vals_state *s = states;
    const sl_vec *c = cols[0];
    for (int64_t k = 0; k < n; k++) {
        int64_t i = sl_agg_row(sel, k), len = 0;
        if (!sl_vec_valid(c, i))
            continue;
        const char *p = sl_vec_str(c, i, &len);
        if (rec_arg(a->arg_type)) {
            vals_state *st = &s[gids[k]];
            if (sl_agg_vals_str_done(p, len)) {
                st->done = true;
                st->rs = sl_xrealloc(st->rs, (size_t)len);
                st->rlen = len - 4;
                memcpy(st->rs, p + 4, (size_t)st->rlen);
                if (st->rlen == 8)
                    memcpy(&st->res, st->rs, 8);
                continue;
            }
            int64_t m = sl_agg_vals_str_count(p, len);
            if (m < 0)
                return SL_ERR(err, SL_EINTERNAL, "%s: a malformed state of %lld bytes",
                              a->text, (long long)len);
            bytes_push(st, p, len);
            st->n += m;
            continue;
        }
        if (sl_agg_vals_num_done(p, len, sl_agg_vals_nres(a))) {
            vals_state *st = &s[gids[k]];
            memcpy(&st->res, p, 8);
            if (a->n_params) {
                if (!st->lres)
                    st->lres = sl_xmalloc((size_t)a->n_params * 8);
                memcpy(st->lres, p, (size_t)a->n_params * 8);
            }
            st->done = true;
            continue;
        }
        if (len % 8)
            return SL_ERR(err, SL_EINTERNAL, "%s: a state of %lld bytes", a->text,
                          (long long)len);
        /* p may be unaligned: vals_push copies bytes. */
        vals_push(&s[gids[k]], (const uint64_t *)(const void *)p, len / 8);
    }
    return 0;
}

static void vals_emit(const sl_agg *a, const void *states, int64_t n, sl_vec *const *cols)
{
    const vals_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        if (rec_arg(a->arg_type)) {
            if (s[g].done) {
                char *m = sl_xmalloc((size_t)s[g].rlen + 4);
                uint32_t tag = SL_AGG_VALS_STR_DONE;
                memcpy(m, &tag, 4);
                memcpy(m + 4, s[g].rs, (size_t)s[g].rlen);
                sl_vec_push_str(cols[0], m, s[g].rlen + 4);
                sl_free(m);
            } else if (s[g].n == 0) {
                sl_vec_push_null(cols[0]);
            } else {
                sl_vec_push_str(cols[0], s[g].sb, s[g].sbytes);
            }
            continue;
        }
        if (s[g].done && a->n_params) {
            int64_t ml = 8 * (int64_t)a->n_params + 1;
            char *m = sl_xmalloc((size_t)ml);
            memcpy(m, s[g].lres, (size_t)ml - 1);
            m[ml - 1] = SL_AGG_VALS_DONE_TAG;
            sl_vec_push_str(cols[0], m, ml);
            sl_free(m);
        } else if (s[g].done) {
            char m[SL_AGG_VALS_DONE_LEN];
            sl_agg_vals_marker(s[g].res, m);
            sl_vec_push_str(cols[0], m, SL_AGG_VALS_DONE_LEN);
        } else if (s[g].n == 0)
            sl_vec_push_null(cols[0]);
        else
            sl_vec_push_str(cols[0], (const char *)s[g].v, s[g].n * 8);
    }
}

static void vals_destroy(const sl_agg *a, void *states, int64_t n)
{
    vals_state *s = states;
    for (int64_t g = 0; g < n; g++) {
        sl_free(s[g].v);
        sl_free(s[g].sb);
        sl_free(s[g].rs);
        sl_free(s[g].lres);
        s[g].lres = NULL;
        s[g].v = NULL;
        s[g].sb = s[g].rs = NULL;
        s[g].sbytes = s[g].scap = s[g].rlen = 0;
        s[g].n = s[g].cap = 0;
        s[g].done = false;
    }
}

/* Sorts a state's values in place (the state is finished right after). */
static void sort_vals(bool is_double, const vals_state *s)
{
    if (is_double)
        gsl_sort((double *)(void *)s->v, 1, (size_t)s->n);
    else
        gsl_sort_long((long *)(void *)s->v, 1, (size_t)s->n);
}

/* Order-preserving keys of 8-byte values: a BIGINT's with its sign bit flipped, a double's
 * IEEE bits with the sign bit flipped (non-negative) or all bits flipped (negative), so that
 * unsigned order is the numbers' order (-0.0 just below 0.0; every NaN one key above +inf,
 * DuckDB's place for it). Local. */
#define KEY_SIGN (UINT64_C(1) << 63)

static uint64_t val_key(bool is_double, uint64_t b)
{
    if (!is_double)
        return b ^ KEY_SIGN;
    if ((b & ~KEY_SIGN) > UINT64_C(0x7ff0000000000000)) /* a NaN, either sign */
        return UINT64_MAX;
    return b & KEY_SIGN ? ~b : b | KEY_SIGN;
}

static uint64_t key_val(bool is_double, uint64_t k)
{
    if (!is_double)
        return k ^ KEY_SIGN;
    return k & KEY_SIGN ? k & ~KEY_SIGN : ~k;
}

static int key_cmp(const void *a, const void *b)
{
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    return (x > y) - (x < y);
}

/* Rearranges the keys v[lo..hi) so that v[k] is the one sorted order puts there, none before
 * it greater, none after it smaller (Hoare's selection, the median of three as pivot; past
 * 2 log2 n + 8 rounds, or should a round not split, the rest is sorted). Local. */
static void select_key(uint64_t *v, int64_t lo, int64_t hi, int64_t k)
{
    int rounds = 8;
    for (int64_t m = hi - lo; m > 1; m >>= 1)
        rounds += 2;
    while (hi - lo > 16) {
        int64_t mid = lo + (hi - lo) / 2;
        uint64_t t;
#define KSWAP(x, y) (t = v[x], v[x] = v[y], v[y] = t)
        if (v[mid] < v[lo])
            KSWAP(mid, lo);
        if (v[hi - 1] < v[mid]) {
            KSWAP(hi - 1, mid);
            if (v[mid] < v[lo])
                KSWAP(mid, lo);
        }
        uint64_t p = v[mid];
        int64_t i = lo - 1, j = hi;
        for (;;) {
            do
                i++;
            while (v[i] < p);
            do
                j--;
            while (v[j] > p);
            if (i >= j)
                break;
            KSWAP(i, j);
        }
#undef KSWAP
        if (--rounds < 0 || j < lo || j >= hi - 1)
            break;
        if (k <= j)
            hi = j + 1;
        else
            lo = j + 1;
    }
    qsort(v + lo, (size_t)(hi - lo), sizeof *v, key_cmp);
}

/* The positions a quantile call reads off its sorted values (n > 0), ascending, into pos
 * (room for 2 n_params + 2): quantile_disc's nearest rank; otherwise floor((n-1)q) and the
 * one after it (GSL's lhs and lhs + 1; DuckDB's floor and ceil). Returns how many. */
static int read_positions(const sl_agg *a, int64_t n, int64_t *pos)
{
    int nq = a->n_params ? a->n_params : 1, np = 0;
    for (int k = 0; k < nq; k++) {
        double q = a->fn == &sl_aggfn_median || a->fn == &sl_aggfn_mad
                       ? 0.5
                       : (a->n_params ? a->params[k] : a->param);
        double nn = (double)n;
        if (a->fn == &sl_aggfn_quantile_disc) {
            int64_t i = (int64_t)(nn - floor(nn - nn * q));
            pos[np++] = (i < 1 ? 1 : i) - 1;
        } else {
            int64_t i = (int64_t)floor((nn - 1) * q);
            pos[np++] = i;
            if (i + 1 < n)
                pos[np++] = i + 1;
        }
    }
    qsort(pos, (size_t)np, sizeof *pos, key_cmp); /* non-negative: unsigned order is theirs */
    return np;
}

/* Puts at each of the np ascending positions pos of v[0..n) (BIGINT or double bits) the value
 * a full sort would put there, in O(n) per position instead of sorting: keys, a selection
 * per position over what lies past the previous one (the next position a minimum), values
 * back. */
static void select_vals(bool is_double, uint64_t *v, int64_t n, const int64_t *pos, int np)
{
    for (int64_t i = 0; i < n; i++)
        v[i] = val_key(is_double, v[i]);
    int64_t done = -1; /* the last position placed: nothing after it is smaller */
    for (int k = 0; k < np; k++) {
        int64_t p = pos[k];
        if (p <= done)
            continue;
        if (p == done + 1 && done >= 0) {
            int64_t m = p;
            for (int64_t i = p + 1; i < n; i++)
                if (v[i] < v[m])
                    m = i;
            uint64_t t = v[p];
            v[p] = v[m];
            v[m] = t;
        } else {
            select_key(v, done + 1, n, p);
        }
        done = p;
    }
    for (int64_t i = 0; i < n; i++)
        v[i] = key_val(is_double, v[i]);
}

/* Puts in place the values a quantile call (or mad's median) reads off s's sorted values:
 * selected, or sorted for a long list of quantiles. */
static void place_vals(const sl_agg *a, bool is_double, const vals_state *s)
{
    int nq = a->n_params ? a->n_params : 1;
    if (nq > 8) { /* sorted in select_vals' order */
        for (int64_t i = 0; i < s->n; i++)
            s->v[i] = val_key(is_double, s->v[i]);
        qsort(s->v, (size_t)s->n, sizeof *s->v, key_cmp);
        for (int64_t i = 0; i < s->n; i++)
            s->v[i] = key_val(is_double, s->v[i]);
        return;
    }
    int64_t pos[2 * 8 + 2];
    int np = read_positions(a, s->n, pos);
    select_vals(is_double, s->v, s->n, pos, np);
}

/* Puts in place the median's values of the n BIGINTs d ((n-1)/2 and n/2 of their order). */
static void place_median(long *d, int64_t n)
{
    int64_t pos[2] = {(n - 1) / 2, n / 2};
    select_vals(false, (uint64_t *)(void *)d, n, pos, pos[0] == pos[1] ? 1 : 2);
}

/* gsl_stats_median's answer for the n doubles d (n > 0), by select_vals' order (a NaN
 * above +inf, as DuckDB orders it): the value at (n-1)/2, or the mean of those at (n-1)/2 and
 * n/2. Rearranges d. */
static double median_doubles(double *d, int64_t n)
{
    int64_t pos[2] = {(n - 1) / 2, n / 2};
    select_vals(true, (uint64_t *)(void *)d, n, pos, pos[0] == pos[1] ? 1 : 2);
    return pos[0] == pos[1] ? d[pos[0]] : 0.5 * (d[pos[0]] + d[pos[1]]);
}

/* gsl_stats_mad0's answer for the n doubles d (n > 0): the median of |d - median|, each
 * median median_doubles'. Rearranges d. */
static double mad_doubles(double *d, int64_t n)
{
    double m = median_doubles(d, n);
    for (int64_t i = 0; i < n; i++)
        d[i] = fabs(d[i] - m);
    return median_doubles(d, n);
}

static double quantile_sorted(bool is_double, const vals_state *s, double q)
{
    if (is_double)
        return gsl_stats_quantile_from_sorted_data((const double *)(const void *)s->v, 1,
                                                   (size_t)s->n, q);
    return gsl_stats_long_quantile_from_sorted_data((const long *)(const void *)s->v, 1,
                                                    (size_t)s->n, q);
}

/* The values of s as doubles (new array). */
static double *as_doubles(bool is_double, const vals_state *s)
{
    double *d = sl_xmalloc((size_t)s->n * sizeof *d + 8);
    if (is_double)
        memcpy(d, s->v, (size_t)s->n * 8);
    else
        for (int64_t i = 0; i < s->n; i++)
            d[i] = (double)(int64_t)s->v[i];
    return d;
}

/* quantile_cont / quantile_disc (x, [q1, q2, ...]): the list of answers, one per q, each
 * as the one-q form computes it, from its bits (a heavy group's finished results, or the
 * sorted values' below): the one place the list is built, so both give the same bytes. */
static void push_list_bits(const sl_agg *a, bool dbl, const uint64_t *bits, sl_vec *out)
{
    sl_buf b;
    sl_buf_init(&b);
    for (int k = 0; k < a->n_params; k++) {
        sl_value v = {.type = dbl ? SL_T_DOUBLE : SL_T_BIGINT};
        if (a->fn == &sl_aggfn_quantile_cont)
            v.type = SL_T_DOUBLE;
        memcpy(&v.v, &bits[k], 8); /* v.d or v.i: a double's bits alike */
        sl_list_put(&b, sl_list_elem(a->type), &v);
    }
    sl_vec_push_str(out, b.data ? b.data : "", b.len);
    sl_buf_free(&b);
}

static void push_quantile_list(const sl_agg *a, bool dbl, const vals_state *st, sl_vec *out)
{
    uint64_t *bits = sl_xcalloc((size_t)a->n_params + 1, sizeof *bits);
    for (int k = 0; k < a->n_params; k++) {
        double q = a->params[k], nn = (double)st->n;
        if (a->fn == &sl_aggfn_quantile_cont && is_time(a->arg_type)) {
            bits[k] = (uint64_t)time_quantile_of(a->arg_type, (const int64_t *)(const void *)st->v,
                                                 st->n, q);
        } else if (a->fn == &sl_aggfn_quantile_cont) {
            double d = quantile_sorted(dbl, st, q);
            memcpy(&bits[k], &d, 8);
        } else {
            int64_t i = (int64_t)(nn - floor(nn - nn * q));
            i = (i < 1 ? 1 : i) - 1;
            bits[k] = st->v[i];
        }
    }
    push_list_bits(a, dbl, bits, out);
    sl_free(bits);
}

/* DuckDB's double of a hugeint: lower + upper * UINT64_MAX (2^64 as a double), upper -1
 * apart. */
static double huge_double(sl_i128 x)
{
    uint64_t lower = (uint64_t)x;
    int64_t upper = (int64_t)(x >> 64);
    if (upper == -1)
        return -(double)(UINT64_MAX - lower) - 1;
    return (double)lower + (double)upper * (double)UINT64_MAX;
}

/* quantile q of n sorted 128-bit values v as DuckDB interpolates a wide DECIMAL: through
 * huge_double, truncated toward zero. */
static sl_i128 wide_quantile(const sl_i128 *v, int64_t n, double q)
{
    double h = (double)(n - 1) * q;
    int64_t i = (int64_t)floor(h), j = (int64_t)ceil(h);
    if (i == j)
        return v[i];
    double lo = huge_double(v[i]), hi = huge_double(v[j]);
    return (sl_i128)(lo + (hi - lo) * (h - (double)i));
}

static int i128_cmp(const void *a, const void *b)
{
    sl_i128 x, y;
    memcpy(&x, a, sizeof x);
    memcpy(&y, b, sizeof y);
    return (x > y) - (x < y);
}

typedef struct {
    const char *p;
    int64_t len;
} str_ref;

/* memcmp order, then the shorter first (DuckDB's VARCHAR order). Local. */
static int str_cmp(const str_ref *x, const str_ref *y)
{
    int c = memcmp(x->p, y->p, (size_t)(x->len < y->len ? x->len : y->len));
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int str_qcmp(const void *a, const void *b) { return str_cmp(a, b); }

/* mode or entropy of a VARCHAR state: sorts the records and scans the runs. */
static void finalize_str(const sl_agg *a, const vals_state *st, sl_vec *out)
{
    bool ent = a->fn == &sl_aggfn_entropy;
    if (st->done) {
        if (ent)
            sl_vec_push_f64(out, sl_agg_vals_bits_double(st->res));
        else
            sl_vec_push_str(out, st->rs, st->rlen);
        return;
    }
    if (st->n == 0) {
        if (ent)
            sl_vec_push_f64(out, 0.0);
        else
            sl_vec_push_null(out);
        return;
    }
    str_ref *r = sl_xmalloc((size_t)st->n * sizeof *r + 8);
    int64_t k = 0;
    for (int64_t j = 0; j < st->sbytes && k < st->n; k++) {
        uint32_t l;
        memcpy(&l, st->sb + j, 4);
        r[k] = (str_ref){st->sb + j + 4, l};
        j += 4 + (int64_t)l;
    }
    qsort(r, (size_t)k, sizeof *r, str_qcmp);
    const sl_aggfn *f = a->fn;
    if (f == &sl_aggfn_mad) {
        /* a wide DECIMAL: the median, then the median of |x - median|, in 128 bits (no
         * overflow: |x - m| < 2 * 10^38 < 2^127), each interpolated as median's */
        sl_i128 *v = sl_xmalloc((size_t)k * sizeof *v + 16);
        for (int64_t i = 0; i < k; i++)
            v[i] = sl_i128_load(r[i].p);
        sl_i128 m = wide_quantile(v, k, 0.5);
        for (int64_t i = 0; i < k; i++)
            v[i] = v[i] >= m ? v[i] - m : m - v[i];
        qsort(v, (size_t)k, sizeof *v, i128_cmp);
        char enc[SL_I128_BYTES];
        sl_i128_store(enc, wide_quantile(v, k, 0.5));
        sl_vec_push_str(out, enc, SL_I128_BYTES);
        sl_free(v);
        sl_free(r);
        return;
    }
    if (f == &sl_aggfn_median || f == &sl_aggfn_quantile_cont || f == &sl_aggfn_quantile_disc) {
        /* a wide DECIMAL (16-byte records, in order): quantile_disc the nearest rank's;
         * median and quantile_cont DuckDB's interpolation of 128-bit decimals, in double */
        double q = f == &sl_aggfn_median ? 0.5 : a->param, nn = (double)k;
        char enc[SL_I128_BYTES];
        if (f == &sl_aggfn_quantile_disc && a->n_params) {
            /* quantile_disc(h, [q1, ...]) of a 128-bit integer: a list of its type */
            sl_buf b;
            sl_buf_init(&b);
            for (int p = 0; p < a->n_params; p++) {
                int64_t i = (int64_t)(nn - floor(nn - nn * a->params[p]));
                i = (i < 1 ? 1 : i) - 1;
                sl_value v = {.type = a->arg_type};
                v.v.s.p = r[i].p;
                v.v.s.len = r[i].len;
                sl_list_put(&b, sl_list_elem(a->type), &v);
            }
            sl_vec_push_str(out, b.data ? b.data : "", b.len);
            sl_buf_free(&b);
        } else if (f == &sl_aggfn_quantile_disc) {
            int64_t i = (int64_t)(nn - floor(nn - nn * q));
            i = (i < 1 ? 1 : i) - 1;
            sl_vec_push_str(out, r[i].p, r[i].len);
        } else {
            double h = (nn - 1) * q;
            int64_t i = (int64_t)floor(h), j = (int64_t)ceil(h);
            if (i == j) {
                sl_vec_push_str(out, r[i].p, r[i].len);
            } else {
                sl_i128 two[2] = {sl_i128_load(r[i].p), sl_i128_load(r[j].p)};
                sl_i128_store(enc, wide_quantile(two, 2, h - (double)i));
                sl_vec_push_str(out, enc, SL_I128_BYTES);
            }
        }
        sl_free(r);
        return;
    }
    int64_t best = 0, best_len = 0;
    sl_agg_ent_sum h = 0;
    for (int64_t i = 0; i < k;) {
        int64_t j = i + 1;
        while (j < k && str_cmp(&r[j], &r[i]) == 0)
            j++;
        h += sl_agg_ent_term(j - i, k);
        if (j - i > best_len) {
            best_len = j - i;
            best = i;
        }
        i = j;
    }
    if (ent)
        sl_vec_push_f64(out, sl_agg_ent_value(h));
    else
        sl_vec_push_str(out, r[best].p, r[best].len);
    sl_free(r);
}

static void vals_finalize(const sl_agg *a, const void *states, int64_t n, sl_vec *out)
{
    const vals_state *s = states;
    const sl_aggfn *f = a->fn;
    bool dbl = a->arg_type == SL_T_DOUBLE;
    for (int64_t g = 0; g < n; g++) {
        const vals_state *st = &s[g];
        if (rec_arg(a->arg_type)) {
            finalize_str(a, st, out);
            continue;
        }
        if (st->done && a->n_params) {
            push_list_bits(a, dbl, st->lres, out);
            continue;
        }
        if (st->done) {
            if (a->type == SL_T_INTERVAL) {
                push_span(out, (int64_t)st->res);
            } else if (a->type == SL_T_DOUBLE) {
                double d;
                memcpy(&d, &st->res, 8);
                sl_vec_push_f64(out, d);
            } else {
                sl_vec_push_i64(out, (int64_t)st->res);
            }
            continue;
        }
        if (st->n == 0) {
            if (f == &sl_aggfn_entropy)
                sl_vec_push_f64(out, 0.0);
            else
                sl_vec_push_null(out);
            continue;
        }
        if (f == &sl_aggfn_mode || f == &sl_aggfn_entropy)
            sort_vals(dbl, st);
        else if (f != &sl_aggfn_mad || is_time(a->arg_type) || sl_type_is_decimal(a->type))
            place_vals(a, dbl, st); /* a DOUBLE mad: mad_doubles selects its own */
        if (is_time(a->arg_type) && f == &sl_aggfn_mad) {
            push_span(out, time_mad(a->arg_type, st));
            continue;
        }
        if (is_time(a->arg_type) && (f == &sl_aggfn_median || (!a->n_params &&
                                                                f == &sl_aggfn_quantile_cont))) {
            sl_vec_push_i64(out, time_quantile_of(a->arg_type,
                                                  (const int64_t *)(const void *)st->v, st->n,
                                                  f == &sl_aggfn_median ? 0.5 : a->param));
            continue;
        }
        if (sl_type_is_decimal(a->type) && (f == &sl_aggfn_median || (!a->n_params &&
                                                                 f == &sl_aggfn_quantile_cont))) {
            sl_vec_push_i64(out, dec_quantile(st, f == &sl_aggfn_median ? 0.5 : a->param));
        } else if (f == &sl_aggfn_median) {
            sl_vec_push_f64(out, quantile_sorted(dbl, st, 0.5));
        } else if (a->n_params) {
            push_quantile_list(a, dbl, st, out);
        } else if (f == &sl_aggfn_quantile_cont) {
            sl_vec_push_f64(out, quantile_sorted(dbl, st, a->param));
        } else if (f == &sl_aggfn_quantile_disc) {
            /* Nearest rank: the smallest value with at least q n values at or below it,
             * written as DuckDB writes it (max(1, n - floor(n - nq)) - 1). */
            double nn = (double)st->n;
            int64_t i = (int64_t)(nn - floor(nn - nn * a->param));
            i = (i < 1 ? 1 : i) - 1;
            if (dbl)
                sl_vec_push_f64(out, ((const double *)(const void *)st->v)[i]);
            else
                sl_vec_push_i64(out, (int64_t)st->v[i]);
        } else if (f == &sl_aggfn_mad && sl_type_is_decimal(a->type)) {
            sl_vec_push_i64(out, dec_mad(st));
        } else if (f == &sl_aggfn_mad) {
            double *d = as_doubles(dbl, st);
            sl_vec_push_f64(out, mad_doubles(d, st->n));
            sl_free(d);
        } else {
            /* mode and entropy: runs of equal values in the sorted array (bit equality is
             * value equality for the ordered, non-NaN values held here, except -0.0/0.0). */
            int64_t best = 0, best_len = 0;
            sl_agg_ent_sum h = 0;
            for (int64_t i = 0; i < st->n;) {
                int64_t j = i + 1;
                if (dbl) {
                    const double *d = (const double *)(const void *)st->v;
                    while (j < st->n && d[j] == d[i])
                        j++;
                } else {
                    while (j < st->n && st->v[j] == st->v[i])
                        j++;
                }
                h += sl_agg_ent_term(j - i, st->n);
                if (j - i > best_len) {
                    best_len = j - i;
                    best = i;
                }
                i = j;
            }
            if (f == &sl_aggfn_entropy)
                sl_vec_push_f64(out, sl_agg_ent_value(h));
            else if (dbl) /* + 0.0: -0.0 and 0.0 are one value, given as 0.0 */
                sl_vec_push_f64(out, ((const double *)(const void *)st->v)[best] + 0.0);
            else
                sl_vec_push_i64(out, (int64_t)st->v[best]);
        }
    }
}

#define VALS_ENTRY(fname, alias_list, nargs, bind_fn, param)                              \
    const sl_aggfn sl_aggfn_##fname = {                                                    \
        .name = #fname,                                                                    \
        .aliases = alias_list,                                                             \
        .n_args = nargs,                                                                   \
        .needs_all_values = true,                                                          \
        .const_arg2 = param,                                                               \
        .bind = bind_fn,                                                                   \
        .state_bytes = vals_bytes,                                                         \
        .state_types = vals_types,                                                         \
        .update = vals_update,                                                             \
        .combine = vals_combine,                                                           \
        .emit_states = vals_emit,                                                          \
        .finalize = vals_finalize,                                                         \
        .destroy = vals_destroy,                                                           \
    };

static const char *const disc_aliases[] = {"quantile", NULL};

VALS_ENTRY(median, NULL, 1, median_bind, false)
VALS_ENTRY(quantile_cont, NULL, 2, cont_bind, true)
VALS_ENTRY(quantile_disc, disc_aliases, 2, disc_bind, true)
VALS_ENTRY(mad, NULL, 1, mad_bind, false)
VALS_ENTRY(mode, NULL, 1, mode_bind, false)
VALS_ENTRY(entropy, NULL, 1, entropy_bind, false)

/* ---- split finishing of heavy groups (func/agg_vals.h) ---- */

bool sl_agg_vals_splittable(const sl_agg *a)
{
    const sl_aggfn *f = a->fn;
    /* exec/agg_heavy.c selects among 8-byte values or counts records: a wide DECIMAL's and a
     * 128-bit integer's quantiles stay with the owner; mode and entropy of a 128-bit integer
     * count its 16 bytes as VARCHAR's (sl_agg_vals_recs) */
    if (sl_dec_is_wide(a->arg_type) ||
        (wide_int(a->arg_type) && f != &sl_aggfn_mode && f != &sl_aggfn_entropy))
        return false;
    /* A list of quantiles (n_params): each finished by its own selection. A DISTINCT call
     * is split where its values arrive deduplicated (plan/plan_agg.c: the distinct agg). */
    return (a->n_params == 0 || f == &sl_aggfn_quantile_cont ||
                            f == &sl_aggfn_quantile_disc) &&
           (f == &sl_aggfn_median || f == &sl_aggfn_quantile_cont ||
            f == &sl_aggfn_quantile_disc || f == &sl_aggfn_mad || f == &sl_aggfn_mode ||
            f == &sl_aggfn_entropy);
}

bool sl_agg_vals_counted(const sl_agg *a)
{
    return a->fn == &sl_aggfn_mode || a->fn == &sl_aggfn_entropy;
}

bool sl_agg_vals_is_entropy(const sl_agg *a) { return a->fn == &sl_aggfn_entropy; }

bool sl_agg_vals_recs(const sl_agg *a)
{
    return a->arg_type == SL_T_VARCHAR || wide_int(a->arg_type);
}

int sl_agg_vals_phases(const sl_agg *a) { return a->fn == &sl_aggfn_mad ? 2 : 1; }

bool sl_agg_vals_mad_exact(const sl_agg *a)
{
    return a->fn == &sl_aggfn_mad && (sl_type_is_decimal(a->arg_type) || is_time(a->arg_type));
}

int64_t sl_agg_vals_time_us(const sl_agg *a, int64_t v)
{
    return time_us(a->arg_type, v);
}

/* q of a quantile call's result k (median: 0.5; a list: its k-th). */
static double call_q(const sl_agg *a, int k)
{
    if (a->fn == &sl_aggfn_median)
        return 0.5;
    return a->n_params ? a->params[k] : a->param;
}

int sl_agg_vals_positions(const sl_agg *a, int phase, int k, int64_t n, int64_t pos[2])
{
    (void)phase;
    if (a->fn == &sl_aggfn_quantile_disc) {
        double nn = (double)n;
        int64_t i = (int64_t)(nn - floor(nn - nn * call_q(a, k)));
        pos[0] = (i < 1 ? 1 : i) - 1;
        return 1;
    }
    if (a->fn == &sl_aggfn_mad) { /* gsl_stats_median: (n-1)/2 and n/2 */
        pos[0] = (n - 1) / 2;
        pos[1] = n / 2;
        return pos[0] == pos[1] ? 1 : 2;
    }
    /* gsl_stats_quantile_from_sorted_data: lhs = (int)(q (n-1)), and lhs + 1 unless last */
    double index = call_q(a, k) * (double)(n - 1);
    int64_t lhs = (int)index;
    pos[0] = lhs;
    pos[1] = lhs + 1;
    return lhs == n - 1 ? 1 : 2;
}

/* The value bits v of the phase's type as a double. */
static double phase_double(const sl_agg *a, int phase, uint64_t v)
{
    double d;
    if (a->fn == &sl_aggfn_mad || phase > 0 || a->arg_type == SL_T_DOUBLE) {
        memcpy(&d, &v, 8);
        return d;
    }
    return (double)(int64_t)v;
}

uint64_t sl_agg_vals_result(const sl_agg *a, int phase, int k, int64_t n,
                            const uint64_t vals[2])
{
    uint64_t out;
    double r;
    if (a->fn == &sl_aggfn_quantile_disc)
        return vals[0];
    int64_t pos[2];
    int np = sl_agg_vals_positions(a, phase, k, n, pos);
    if (is_time(a->arg_type) && a->fn == &sl_aggfn_mad && phase == 1) /* time_mad's */
        return (uint64_t)(np == 1 ? (int64_t)vals[0]
                                  : span_interp((int64_t)vals[0], (int64_t)vals[1], 0.5));
    if (is_time(a->arg_type)) { /* time_quantile_of's (mad's phase 0: the median) */
        double q = a->fn == &sl_aggfn_mad ? 0.5 : call_q(a, k), index = q * (double)(n - 1);
        int64_t lo = time_us(a->arg_type, (int64_t)vals[0]);
        return (uint64_t)(np == 1 ? lo
                                  : time_interp(lo, time_us(a->arg_type, (int64_t)vals[1]),
                                                index - (double)pos[0]));
    }
    if (sl_agg_vals_mad_exact(a)) /* dec_mad's: both medians by dec_quantile's rule */
        return (uint64_t)(np == 1 ? (int64_t)vals[0]
                                  : dec_cont((int64_t)vals[0], (int64_t)vals[1], 0.5));
    if (sl_type_is_decimal(a->type) && a->fn != &sl_aggfn_mad) { /* dec_quantile's rule */
        double index = call_q(a, k) * (double)(n - 1);
        int64_t lo = (int64_t)vals[0];
        int64_t x = np == 1 ? lo : dec_cont(lo, (int64_t)vals[1], index - (double)pos[0]);
        return (uint64_t)x;
    }
    if (a->fn == &sl_aggfn_mad) {
        r = np == 1 ? phase_double(a, phase, vals[0])
                    : 0.5 * (phase_double(a, phase, vals[0]) + phase_double(a, phase, vals[1]));
    } else {
        double index = call_q(a, k) * (double)(n - 1), delta = index - (double)pos[0];
        r = np == 1 ? phase_double(a, phase, vals[0])
                    : (1 - delta) * phase_double(a, phase, vals[0]) +
                          delta * phase_double(a, phase, vals[1]);
    }
    memcpy(&out, &r, 8);
    return out;
}
