/*
 * WINDOW (streaming over sorted input): appends one column per window function call to rows
 * that arrive sorted by (partition keys, order keys), as the planner's sort leaves them
 * (plan/plan_window.c). Rows are buffered until a partition is known to be complete (a row
 * with other partition keys arrived, or the input ended); the complete partitions are then
 * computed and emitted, so one partition (plus one batch) is held at a time, never the
 * rank's input.
 *
 * Semantics are DuckDB's (and SQL's): peers are rows of a partition with equal ORDER BY
 * keys (without ORDER BY the whole partition); rank() is 1 + the rows before the first
 * peer, dense_rank() counts peer groups, percent_rank() = (rank - 1) / (rows - 1) (0 for a
 * single row), cume_dist() = (rows up to the last peer) / rows, ntile(n) deals rows into n
 * buckets whose sizes differ by at most one (bigger ones first); lag/lead read the row
 * `offset` before/after in the partition (the default, else NULL, outside it); frame
 * functions (first_value, last_value, nth_value, sum, avg, min, max, count) see the frame:
 * ROWS offsets count rows, the default frame is RANGE UNBOUNDED PRECEDING .. CURRENT ROW
 * (up to the current row's last peer). NULL arguments are skipped by the aggregates (an
 * empty frame gives NULL, count 0); first/last/nth_value return NULL values as they are.
 * sum of an integer column is a HUGEINT, as the sum aggregate's (DuckDB's): integer values add
 * into a 128-bit total, which fewer than 2^63 values of 64 bits cannot overflow (one add with
 * carry a value, the cost of the old int64 add and overflow test); a HUGEINT argument's total
 * is checked (an overflow error, as the aggregate's).
 *
 * When every call is row_number, rank or dense_rank, nothing is buffered: each batch is
 * numbered from the row before it and passed on (push_streaming).
 *
 * Frames whose start is UNBOUNDED PRECEDING (running totals) or whose end is UNBOUNDED
 * FOLLOWING are folded incrementally (O(rows)); other frames are folded row by row over the
 * frame (O(rows x frame)), which suits the short sliding frames rolling means use.
 *
 * Without PARTITION BY (op->u.window.global) the rank holds one slice of the global order and
 * finish is collective (finish_global): halo rows, peer figures and, for running and
 * to-the-end frames, the other ranks' partial aggregates come from one allgather, as do the
 * rows first_value, last_value and nth_value from UNBOUNDED PRECEDING read on other ranks (the
 * first and last row, the last row of the first peer group, the first n rows: end rows); the
 * rows RANGE frames reach (within their offsets of the slice's first / last key, and those
 * keys' peers) come from one alltoallv after it (key_halos). Aggregates over frames that end
 * n PRECEDING or start n FOLLOWING with the other side unbounded (the running total of
 * another row) fold on from the frame at the far end of the halo rows, which the ranks'
 * partial aggregates of their rows outside the halos they send give (lag_frames). With no
 * ORDER BY either (OVER ()) the rows stay on the rank that read them.
 *
 * Memory: the buffered rows are reserved from the budget up to the grant; a partition larger
 * than that goes to disk in slices and is computed slice by slice when it ends (spill_push,
 * spill_finish), where the calls allow it (the planner's halo_prev >= 0), else it stays in
 * memory. Local.
 */
#include "exec/exec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "batch/int128.h"
#include "batch/list_order.h"
#include "batch/rowcmp.h"
#include "batch/wire.h"
#include "core/budget.h"
#include "core/buf.h"
#include "core/mem.h"
#include "mpi/agree.h"
#include "spill/rowstore.h"

typedef struct win_state {
    sl_ctx *ctx;
    sl_batch *cur;        /* rows not yet emitted (dense), NULL when none */
    int64_t scanned;      /* rows of cur already checked for partition starts */
    int64_t last_start;   /* first row of the last partition seen in cur */
    int64_t res;          /* bytes reserved for cur */
    sl_rowcmp part, peer;
    /* streaming ranks (only row_number / rank / dense_rank, with PARTITION BY): nothing is
     * buffered; the last row seen and its numbers carry over to the next batch */
    bool streaming;
    sl_batch *last;       /* the previous batch's last row, NULL before the first */
    int64_t rn, rk, dr;
    /* a partition outgrowing the grant goes to disk in slices (can_spill: the planner found
     * the calls computable slice by slice, halo_prev >= 0); cur then holds the pending slice */
    bool can_spill;
    sl_rowstore *spill;   /* the spilling partition's rows, NULL when none */
    sl_batch *spill_last; /* its last row so far */
    int64_t *figs;        /* per slice: slice_figures */
    sl_batch **ends;      /* per slice: its end rows */
    int n_slices, cap_slices;
} win_state;

static bool lag_agg(const sl_win_call *c, bool ahead);
static bool keyed_value(const sl_win_call *c, bool ahead);

static int window_open(sl_exec *x, sl_pop *op, sl_err *err)
{
    win_state *st = sl_xcalloc(1, sizeof *st);
    st->ctx = x->ctx;
    st->part = (sl_rowcmp){ op->u.window.n_part, op->u.window.part, NULL, NULL, false };
    const sl_sort_spec *o = &op->u.window.order;
    st->peer = (sl_rowcmp){ o->n_keys, o->cols, o->desc, o->nulls_first, false };
    st->streaming = !op->u.window.global;
    st->can_spill = !op->u.window.global && op->u.window.halo_prev >= 0 &&
                    op->u.window.halo_next >= 0;
    for (int i = 0; i < op->u.window.n_calls; i++) {
        sl_winfn f = op->u.window.calls[i].fn;
        st->streaming &= f == SL_WF_ROW_NUMBER || f == SL_WF_RANK || f == SL_WF_DENSE_RANK;
        /* the frame of the row n before a slice comes from the ranks' halos (finish_global),
         * which spilled slices do not keep: such a partition stays in memory */
        const sl_win_call *c = &op->u.window.calls[i];
        if (lag_agg(c, false) || lag_agg(c, true) || keyed_value(c, false) ||
            keyed_value(c, true) || (c->fn == SL_WF_LAST_VALUE &&
                                     c->frame.start == SL_FB_FOLLOWING))
            st->can_spill = false;
    }
    op->state = st;
    return 0;
}

/* A new dense batch with rows [from, to) of the dense batch b. */
static sl_batch *slice(sl_batch *b, int64_t from, int64_t to)
{
    uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)(to - from + 1));
    for (int64_t i = from; i < to; i++)
        sel[i - from] = (uint32_t)i;
    b->sel = sel;
    b->n_sel = to - from;
    sl_batch *out = sl_batch_compact(b);
    b->sel = NULL;
    b->n_sel = 0;
    sl_free(sel);
    return out;
}

/* Row ranges of the chunk: partition [ps, pe) and peer group [gs, ge) of every row. */
typedef struct ranges {
    int64_t *ps, *pe, *gs, *ge;
    const sl_vec *key;    /* the first ORDER BY key (RANGE offsets), or NULL */
    bool desc, nulls_first;
} ranges;

/* A slice of the global order (no PARTITION BY): the chunk is h halo rows, then the n rows
 * of this rank's slice (global rows off..off+n-1 of N), then halo rows. The slice's first
 * peer group starts at global row gstart, its last one ends before gend, and dbase peer
 * groups come before its first row's group (not counting that group). */
typedef struct gscan gscan;
typedef struct global_ctx {
    int64_t off, N, h, n, gstart, gend, dbase;
    const gscan *scan;    /* per call: its prefix / suffix figures (scan.on), or NULL */
} global_ctx;

static void ranges_build(const win_state *st, const sl_batch *b, ranges *r)
{
    int64_t n = b->n_rows;
    r->ps = sl_xmalloc(sizeof *r->ps * (size_t)(n + 1));
    r->pe = sl_xmalloc(sizeof *r->pe * (size_t)(n + 1));
    r->gs = sl_xmalloc(sizeof *r->gs * (size_t)(n + 1));
    r->ge = sl_xmalloc(sizeof *r->ge * (size_t)(n + 1));
    int64_t ps = 0, gs = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i > 0 && sl_row_cmp(&st->part, b, i - 1, b, i) != 0)
            ps = gs = i;
        else if (i > 0 && st->peer.n_keys > 0 && sl_row_cmp(&st->peer, b, i - 1, b, i) != 0)
            gs = i;
        r->ps[i] = ps;
        r->gs[i] = gs;
    }
    int64_t pe = n, ge = n;
    for (int64_t i = n - 1; i >= 0; i--) {
        r->pe[i] = pe;
        r->ge[i] = ge;
        if (r->ps[i] == i)
            pe = ge = i;
        else if (r->gs[i] == i)
            ge = i;
    }
}

static void ranges_free(ranges *r)
{
    sl_free(r->ps);
    sl_free(r->pe);
    sl_free(r->gs);
    sl_free(r->ge);
}

/* First row j in [lo, hi) where the monotone condition holds: upper = false: key_j does not
 * sort before t (key >= t ascending); upper = true: t sorts before key_j (key > t). */
static int64_t key_search(const ranges *r, int64_t lo, int64_t hi, bool upper, int64_t ti,
                          double tf)
{
    const sl_vec *k = r->key;
    bool f = k->type == SL_T_DOUBLE;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        int c = f ? (k->d.f64[mid] > tf) - (k->d.f64[mid] < tf)
                  : (k->d.i64[mid] > ti) - (k->d.i64[mid] < ti);
        if (r->desc)
            c = -c;
        if (upper ? c > 0 : c >= 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t s;
    if (__builtin_add_overflow(a, b, &s))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return s;
}

/*
 * A RANGE bound with an offset for row i: the first row at or past the key value v -/+ off
 * (PRECEDING / FOLLOWING, in the direction of the order; start) or the first row past it
 * (end). Only non-NULL keys count; a row with a NULL key has its NULL peers as the frame.
 */
static int64_t range_bound(const sl_win_frame *f, const ranges *r, int64_t i, bool is_end,
                           sl_frame_bound kind)
{
    const sl_vec *k = r->key;
    if (!sl_vec_valid(k, i))
        return is_end ? r->ge[i] : r->gs[i];
    /* the non-NULL rows of the partition: NULLs are at one end */
    int64_t lo = r->ps[i], hi = r->pe[i];
    if (r->nulls_first) {
        int64_t a = lo, b = i;
        while (a < b) {
            int64_t m = a + (b - a) / 2;
            if (sl_vec_valid(k, m))
                b = m;
            else
                a = m + 1;
        }
        lo = a;
    } else {
        int64_t a = i + 1, b = hi;
        while (a < b) {
            int64_t m = a + (b - a) / 2;
            if (!sl_vec_valid(k, m))
                b = m;
            else
                a = m + 1;
        }
        hi = a;
    }
    bool back = kind == SL_FB_PRECEDING; /* towards the start of the order */
    int64_t n = is_end ? f->end_n : f->start_n;
    double d = is_end ? f->end_f : f->start_f;
    /* ascending: preceding values are smaller; descending: larger */
    bool minus = back != r->desc;
    int64_t ti = 0;
    double tf = 0;
    if (k->type == SL_T_DOUBLE)
        tf = minus ? k->d.f64[i] - d : k->d.f64[i] + d;
    else
        ti = sat_add(k->d.i64[i], minus ? -n : n);
    return key_search(r, lo, hi, is_end, ti, tf);
}

/* The frame [*fs, *fe) of row i. */
static void frame_of(const sl_win_frame *f, const ranges *r, int64_t i, int64_t *fs,
                     int64_t *fe)
{
    int64_t ps = r->ps[i], pe = r->pe[i], s, e;
    if (!f->rows && (f->start == SL_FB_PRECEDING || f->start == SL_FB_FOLLOWING ||
                     f->end == SL_FB_PRECEDING || f->end == SL_FB_FOLLOWING)) {
        s = f->start == SL_FB_UNBOUNDED_PRECEDING ? ps
            : f->start == SL_FB_CURRENT_ROW ? r->gs[i]
            : range_bound(f, r, i, false, f->start);
        e = f->end == SL_FB_UNBOUNDED_FOLLOWING ? pe
            : f->end == SL_FB_CURRENT_ROW ? r->ge[i]
            : range_bound(f, r, i, true, f->end);
        *fs = s;
        *fe = e < s ? s : e;
        return;
    }
    switch (f->start) {
    case SL_FB_UNBOUNDED_PRECEDING: s = ps; break;
    case SL_FB_PRECEDING: s = f->start_n >= i - ps ? ps : i - f->start_n; break;
    case SL_FB_CURRENT_ROW: s = f->rows ? i : r->gs[i]; break;
    case SL_FB_FOLLOWING: s = f->start_n >= pe - i ? pe : i + f->start_n; break;
    default: s = pe; break;
    }
    switch (f->end) {
    case SL_FB_UNBOUNDED_FOLLOWING: e = pe; break;
    case SL_FB_FOLLOWING: e = f->end_n >= pe - i ? pe : i + f->end_n + 1; break;
    case SL_FB_CURRENT_ROW: e = f->rows ? i + 1 : r->ge[i]; break;
    case SL_FB_PRECEDING: e = f->end_n > i - ps ? ps : i - f->end_n + 1; break;
    default: e = ps; break;
    }
    if (e < s)
        e = s;
    *fs = s;
    *fe = e;
}

/* ---- frame aggregates ---- */

typedef struct acc {
    int64_t n;            /* non-NULL values folded in (count(*): rows) */
    sl_i128 isum;         /* integers' (DECIMALs' unscaled) exact total */
    double dsum;
    int64_t best;         /* min/max: the row holding it */
    bool ovf;             /* isum left HUGEINT's range (HUGEINT values only) */
} acc;

/* Compares value a of va with value b of vb (same type). */
static int cmp2(const sl_vec *va, int64_t a, const sl_vec *vb, int64_t b)
{
    switch (sl_type_phys(va->type)) {
    case SL_T_DOUBLE: {
        double x = va->d.f64[a], y = vb->d.f64[b];
        if (x != x || y != y) /* NaN sorts above every number, as ORDER BY */
            return (x != x) - (y != y);
        return (x > y) - (x < y);
    }
    case SL_T_VARCHAR:
    case SL_T_HUGEINT:
    case SL_T_UBIGINT:
    case SL_T_UHUGEINT: {
        int64_t la, lb;
        const char *pa = sl_vec_str(va, a, &la), *pb = sl_vec_str(vb, b, &lb);
        int c = memcmp(pa, pb, (size_t)(la < lb ? la : lb));
        return c ? c : (la > lb) - (la < lb);
    }
    case SL_T_INTERVAL: { /* DuckDB's normalized order (types.h) */
        int64_t la, lb;
        const char *pa = sl_vec_str(va, a, &la), *pb = sl_vec_str(vb, b, &lb);
        if (la != SL_IV_BYTES || lb != SL_IV_BYTES)
            return (la > lb) - (la < lb);
        return sl_interval_cmp(sl_interval_get(pa), sl_interval_get(pb));
    }
    default:
        if (sl_list_order_is_nested(va->type)) { /* LIST, STRUCT: batch/list_order.h */
            int64_t la, lb;
            const char *pa = sl_vec_str(va, a, &la), *pb = sl_vec_str(vb, b, &lb);
            return sl_list_cmp(va->type, pa, la, pb, lb);
        }
        return (va->d.i64[a] > vb->d.i64[b]) - (va->d.i64[a] < vb->d.i64[b]);
    }
}

static int cmp_at(const sl_vec *v, int64_t a, int64_t b)
{
    return cmp2(v, a, v, b);
}

/* avg of a DECIMAL from its exact unscaled sum, divided in long double as the avg aggregate
 * (func/agg_avg.c) and DuckDB's avg do: by 10^scale, then times the count. */
static double dec_avg(sl_i128 isum, int64_t n, sl_type t)
{
    long double div = 1;
    for (int k = 0; k < sl_dec_scale(t); k++)
        div *= 10.0L;
    div *= (long double)n;
    return (double)((long double)isum / div);
}

/* avg of an integer column t from its exact total, as the avg aggregate divides
 * (func/agg_avg.c, DuckDB's): BIGINT and HUGEINT in long double, the narrower ones in double
 * (their total fits int64). */
static double int_avg(sl_i128 isum, int64_t n, sl_type t)
{
    if (t == SL_T_BIGINT || t == SL_T_HUGEINT)
        return (double)((long double)isum / (long double)n);
    return (double)(int64_t)isum / (double)n;
}

/* Folds value j of the integer, DECIMAL or HUGEINT column v into the exact total *isum (and
 * the DOUBLE one): int64 values cannot overflow 128 bits (fewer than 2^63 rows); a HUGEINT
 * total can, which sets *ovf. */
static inline void sum_add(sl_i128 *isum, double *dsum, bool *ovf, const sl_vec *v, int64_t j)
{
    if (sl_type_phys(v->type) == SL_T_HUGEINT) { /* a HUGEINT, a wide DECIMAL */
        int64_t len;
        sl_i128 x = sl_i128_load(sl_vec_str(v, j, &len));
        *dsum += sl_i128_to_double(x);
        if (__builtin_add_overflow(*isum, x, isum))
            *ovf = true;
        return;
    }
    *dsum += (double)v->d.i64[j];
    *isum += v->d.i64[j];
}

/* The result of an integer or DECIMAL window sum: a HUGEINT (integers, HUGEINT) or a
 * DECIMAL(38,s) (DECIMALs, as the sum aggregate's) is pushed as its 16 bytes; a narrower
 * DECIMAL result (none is bound today) must fit int64. Local. */
static int sum_push(sl_vec *res, sl_type t, sl_i128 isum, bool ovf, sl_err *err)
{
    if (ovf)
        return SL_ERR(err, SL_ERUNTIME, "Overflow in SUM: a window sum leaves the range "
                      "of HUGEINT (cast the argument to DOUBLE to sum it approximately)");
    if (sl_type_phys(t) == SL_T_HUGEINT) { /* a HUGEINT, a DECIMAL(38,s) */
        char enc[SL_I128_BYTES];
        sl_i128_store(enc, isum);
        sl_vec_push_str(res, enc, SL_I128_BYTES);
        return 0;
    }
    if (isum > INT64_MAX || isum < INT64_MIN)
        return SL_ERR(err, SL_ERUNTIME, "Overflow in SUM: a window sum leaves the range "
                      "of a DECIMAL held in 64 bits (cast the argument to DOUBLE to sum it "
                      "approximately)");
    sl_vec_push_i64(res, (int64_t)isum);
    return 0;
}

static inline void acc_add(acc *a, sl_winfn fn, const sl_vec *v, int64_t j)
{
    if (fn == SL_WF_COUNT_STAR) {
        a->n++;
        return;
    }
    if (!sl_vec_valid(v, j))
        return;
    a->n++;
    switch (fn) {
    case SL_WF_SUM:
    case SL_WF_AVG:
        if (v->type == SL_T_DOUBLE)
            a->dsum += v->d.f64[j];
        else
            sum_add(&a->isum, &a->dsum, &a->ovf, v, j);
        break;
    case SL_WF_MIN:
        if (a->n == 1 || cmp_at(v, j, a->best) < 0)
            a->best = j;
        break;
    case SL_WF_MAX:
        if (a->n == 1 || cmp_at(v, j, a->best) > 0)
            a->best = j;
        break;
    default:
        break;
    }
}

/* Stores acc's result for row i in out slots (i64 / f64 / row / null). */
typedef struct agg_out {
    int64_t *i64;
    double *f64;
    sl_i128 *sum;         /* sum of integers / DECIMALs: the exact total */
    bool *ovf;            /* ... which left HUGEINT's range */
    int64_t *row;         /* min/max: source row, -1 = NULL */
    bool *null;
} agg_out;

static int acc_result(const acc *a, const sl_win_call *c, const sl_vec *v, agg_out *o,
                      int64_t i, sl_err *err)
{
    o->null[i] = false;
    switch (c->fn) {
    case SL_WF_COUNT:
    case SL_WF_COUNT_STAR:
        o->i64[i] = a->n;
        return 0;
    case SL_WF_SUM:
        o->null[i] = a->n == 0;
        if (v->type == SL_T_DOUBLE) {
            o->f64[i] = a->dsum;
        } else {
            o->sum[i] = a->isum;
            o->ovf[i] = a->ovf;
        }
        return 0;
    case SL_WF_AVG:
        o->null[i] = a->n == 0;
        if (sl_type_is_decimal(v->type))
            o->f64[i] = dec_avg(a->isum, a->n, v->type);
        else if (v->type != SL_T_DOUBLE && !a->ovf)
            o->f64[i] = int_avg(a->isum, a->n, v->type);
        else
            o->f64[i] = a->dsum / (double)a->n;
        return 0;
    default: /* min, max */
        o->row[i] = a->n ? a->best : -1;
        return 0;
    }
}

static int frame_agg(const sl_win_call *c, const ranges *r, const sl_vec *v, int64_t n,
                     agg_out *o, sl_err *err)
{
    const sl_win_frame *f = &c->frame;
    int rc = 0;
    if (f->start == SL_FB_UNBOUNDED_PRECEDING) {
        acc a = {0};
        int64_t k = 0;
        for (int64_t i = 0; i < n && !rc; i++) {
            int64_t fs, fe;
            if (r->ps[i] == i) {
                memset(&a, 0, sizeof a);
                k = i;
            }
            frame_of(f, r, i, &fs, &fe);
            for (; k < fe; k++)
                acc_add(&a, c->fn, v, k);
            rc = acc_result(&a, c, v, o, i, err);
        }
    } else if (f->end == SL_FB_UNBOUNDED_FOLLOWING) {
        acc a = {0};
        int64_t k = n;
        for (int64_t i = n - 1; i >= 0 && !rc; i--) {
            int64_t fs, fe;
            if (r->pe[i] == i + 1) {
                memset(&a, 0, sizeof a);
                k = i + 1;
            }
            frame_of(f, r, i, &fs, &fe);
            for (; k > fs; k--)
                acc_add(&a, c->fn, v, k - 1);
            rc = acc_result(&a, c, v, o, i, err);
        }
    } else {
        for (int64_t i = 0; i < n && !rc; i++) {
            acc a = {0};
            int64_t fs, fe;
            frame_of(f, r, i, &fs, &fe);
            for (int64_t k = fs; k < fe; k++)
                acc_add(&a, c->fn, v, k);
            rc = acc_result(&a, c, v, o, i, err);
        }
    }
    return rc;
}

/* ---- one call over a chunk ---- */

/* Global start / end of row i's peer group (g: see global_ctx). */
static int64_t g_start(const global_ctx *g, const ranges *r, int64_t i)
{
    return r->gs[i] <= g->h ? g->gstart : g->off + r->gs[i] - g->h;
}

static int64_t g_end(const global_ctx *g, const ranges *r, int64_t i)
{
    return r->ge[i] >= g->h + g->n ? g->gend : g->off + r->ge[i] - g->h;
}

static void frame_of(const sl_win_frame *f, const ranges *r, int64_t i, int64_t *fs,
                     int64_t *fe);

/* One past the last global row of row i's frame (global row k of N) for frames ending at
 * UNBOUNDED FOLLOWING, CURRENT ROW (its peer group's end under RANGE), n FOLLOWING or n
 * PRECEDING (0: the frame is empty). A RANGE offset's end is in the chunk: it holds every
 * row within the offsets of the slice's keys (key_halos), and the rows before it lie before
 * every frame's end. */
static int64_t frame_end(const sl_win_frame *f, const global_ctx *g, const ranges *r, int64_t i,
                         int64_t k, int64_t N)
{
    if (f->end == SL_FB_UNBOUNDED_FOLLOWING)
        return N;
    if (f->end == SL_FB_CURRENT_ROW)
        return f->rows ? k + 1 : g_end(g, r, i);
    if (!f->rows) {
        int64_t fs, fe;
        frame_of(f, r, i, &fs, &fe);
        return g->off + fe - g->h;
    }
    if (f->end == SL_FB_PRECEDING)
        return f->end_n > k ? 0 : k - f->end_n + 1;
    return f->end_n >= N - k ? N : k + f->end_n + 1; /* ROWS n FOLLOWING */
}

/* rank, dense_rank, percent_rank, cume_dist, ntile over a slice of the global order: rows
 * [h, h + n) of the chunk; the others get NULL (never emitted). */
static void compute_global_rank(const sl_win_call *c, const ranges *r, const global_ctx *g,
                                int64_t rows_in_chunk, sl_vec *res)
{
    int64_t d = g->dbase;
    for (int64_t i = 0; i < rows_in_chunk; i++) {
        if (i < g->h || i >= g->h + g->n) {
            sl_vec_push_null(res);
            continue;
        }
        if (i == g->h || r->gs[i] == i)
            d++;
        int64_t k = g->off + i - g->h, N = g->N, gs = g_start(g, r, i);
        switch (c->fn) {
        case SL_WF_RANK:
            sl_vec_push_i64(res, gs + 1);
            break;
        case SL_WF_DENSE_RANK:
            sl_vec_push_i64(res, d);
            break;
        case SL_WF_PERCENT_RANK:
            sl_vec_push_f64(res, N > 1 ? (double)gs / (double)(N - 1) : 0.0);
            break;
        case SL_WF_CUME_DIST:
            sl_vec_push_f64(res, (double)g_end(g, r, i) / (double)N);
            break;
        default: { /* ntile */
            int64_t size = N / c->param, large = N - c->param * size;
            int64_t small_at = large * (size + 1);
            sl_vec_push_i64(res, size == 0 ? k + 1
                                 : k < small_at ? 1 + k / (size + 1)
                                 : 1 + large + (k - small_at) / size);
            break;
        }
        }
    }
}

/* ---- running and to-the-end frames over the global order (no PARTITION BY) ---- */

/* A partial frame aggregate that merges across ranks: acc's figures, with min / max held as
 * a value (row brow of vector bv: this chunk or a row another rank sent) instead of a row of
 * the chunk. */
typedef struct gacc {
    int64_t n;
    sl_i128 isum;
    double dsum;
    bool ovf;
    const sl_vec *bv;
    int64_t brow;
} gacc;

/* The figures of a scan call: the rows before this rank's slice (all ranks before it), after
 * it, the rows of the slice's first peer group on the ranks before and of its last peer group
 * on the ranks after (RANGE CURRENT ROW bounds), and the global first and last row's
 * argument (first_value / last_value; v NULL when the input is empty). */
struct gscan {
    bool on;
    gacc before, after, ext_before, ext_after;
    const sl_vec *first_v, *last_v;
    int64_t first_r, last_r;
    /* last_value up to the current row's last peer: the last row of the slice's last peer
     * group where that group goes on into the slices after (NULL: it ends in the slice) */
    const sl_vec *grp_last_v;
    int64_t grp_last_r;
    /* aggregates over ROWS frames from UNBOUNDED PRECEDING to n PRECEDING (from n FOLLOWING
     * to UNBOUNDED FOLLOWING): the frame of the rows before (after) the slice up to the
     * first (from the last) of the lag_h (lead_h) rows next to it, which the chunk holds
     * (finish_global: lag_frames) */
    gacc lag0, lead0;
    int64_t lag_h, lead_h;
    /* keyed_value calls: the row just before the rows within the offset (edge_v NULL:
     * none); ahead: the nb rows just after them (bv[j], br[j]) */
    const sl_vec *edge_v;
    int64_t edge_r;
    const sl_vec **bv;
    int64_t *br, nb;
};

/* last_value over a RANGE frame from UNBOUNDED PRECEDING to n PRECEDING, first_value or
 * nth_value over one from n FOLLOWING to UNBOUNDED FOLLOWING (ahead): the frame's last (first,
 * n-th) row is within the offset or among the rows just beyond it. Local. */
static bool keyed_value(const sl_win_call *c, bool ahead)
{
    const sl_win_frame *f = &c->frame;
    if (f->rows)
        return false;
    return ahead ? (c->fn == SL_WF_FIRST_VALUE || c->fn == SL_WF_NTH_VALUE) &&
                   f->start == SL_FB_FOLLOWING &&
                   f->end == SL_FB_UNBOUNDED_FOLLOWING
                 : c->fn == SL_WF_LAST_VALUE && f->start == SL_FB_UNBOUNDED_PRECEDING &&
                   f->end == SL_FB_PRECEDING;
}

/* Whether call c is an aggregate over a ROWS or RANGE frame from UNBOUNDED PRECEDING to n
 * PRECEDING (from n FOLLOWING to UNBOUNDED FOLLOWING): the running total of the row n before
 * (after), or of the last row n (in key) before (first one after). Local. */
static bool lag_agg(const sl_win_call *c, bool ahead)
{
    const sl_win_frame *f = &c->frame;
    bool agg = c->fn == SL_WF_SUM || c->fn == SL_WF_AVG || c->fn == SL_WF_MIN ||
               c->fn == SL_WF_MAX || c->fn == SL_WF_COUNT || c->fn == SL_WF_COUNT_STAR;
    if (!agg)
        return false;
    return ahead ? f->start == SL_FB_FOLLOWING && f->end == SL_FB_UNBOUNDED_FOLLOWING
                 : f->start == SL_FB_UNBOUNDED_PRECEDING && f->end == SL_FB_PRECEDING;
}

/* Whether call c of a global window runs from prefix / suffix figures: the planner lets only
 * plan_window.c's scan_frame forms through with an unbounded bound. nth_value from UNBOUNDED
 * PRECEDING reads the n-th row of the order, which every slice sends among its end rows (its
 * first n rows). */
static bool is_scan(const sl_win_call *c)
{
    switch (c->fn) {
    case SL_WF_NTH_VALUE:
    case SL_WF_FIRST_VALUE: /* to UNBOUNDED FOLLOWING: the frame's first rows, in the chunk */
        return c->frame.start == SL_FB_UNBOUNDED_PRECEDING || keyed_value(c, true);
    case SL_WF_SUM: case SL_WF_AVG: case SL_WF_MIN: case SL_WF_MAX: case SL_WF_COUNT:
    case SL_WF_COUNT_STAR: case SL_WF_LAST_VALUE:
        return c->frame.start == SL_FB_UNBOUNDED_PRECEDING ||
               c->frame.end == SL_FB_UNBOUNDED_FOLLOWING;
    default:
        return false;
    }
}

static void gacc_add(gacc *a, sl_winfn fn, const sl_vec *v, int64_t j)
{
    if (fn == SL_WF_COUNT_STAR) {
        a->n++;
        return;
    }
    if (!sl_vec_valid(v, j))
        return;
    a->n++;
    if (fn == SL_WF_SUM || fn == SL_WF_AVG) {
        if (v->type == SL_T_DOUBLE)
            a->dsum += v->d.f64[j];
        else
            sum_add(&a->isum, &a->dsum, &a->ovf, v, j);
    } else if ((fn == SL_WF_MIN || fn == SL_WF_MAX) &&
               (a->n == 1 || (fn == SL_WF_MIN ? cmp2(v, j, a->bv, a->brow) < 0
                                              : cmp2(v, j, a->bv, a->brow) > 0))) {
        a->bv = v;
        a->brow = j;
    }
}

static void gacc_fold(gacc *a, sl_winfn fn, const sl_vec *v, int64_t from, int64_t to)
{
    for (int64_t j = from; j < to; j++)
        gacc_add(a, fn, v, j);
}

static void gacc_merge(gacc *a, const gacc *b, sl_winfn fn)
{
    if (b->n == 0)
        return;
    if ((fn == SL_WF_MIN || fn == SL_WF_MAX) &&
        (a->n == 0 || (fn == SL_WF_MIN ? cmp2(b->bv, b->brow, a->bv, a->brow) < 0
                                       : cmp2(b->bv, b->brow, a->bv, a->brow) > 0))) {
        a->bv = b->bv;
        a->brow = b->brow;
    }
    a->n += b->n;
    if (__builtin_add_overflow(a->isum, b->isum, &a->isum))
        a->ovf = true; /* HUGEINT values only: int64 ones cannot reach 2^127 */
    a->dsum += b->dsum;
    a->ovf |= b->ovf;
}

/* Pushes the result of the frame aggregate a (as acc_result). */
static int gacc_push(sl_vec *res, const sl_win_call *c, const sl_vec *v, const gacc *a,
                     sl_err *err)
{
    switch (c->fn) {
    case SL_WF_COUNT:
    case SL_WF_COUNT_STAR:
        sl_vec_push_i64(res, a->n);
        return 0;
    case SL_WF_SUM:
        if (a->n == 0)
            sl_vec_push_null(res);
        else if (v->type == SL_T_DOUBLE)
            sl_vec_push_f64(res, a->dsum);
        else
            return sum_push(res, c->type, a->isum, a->ovf, err);
        return 0;
    case SL_WF_AVG:
        if (a->n == 0)
            sl_vec_push_null(res);
        else if (sl_type_is_decimal(v->type))
            sl_vec_push_f64(res, dec_avg(a->isum, a->n, v->type));
        else if (v->type != SL_T_DOUBLE && !a->ovf)
            sl_vec_push_f64(res, int_avg(a->isum, a->n, v->type));
        else
            sl_vec_push_f64(res, a->dsum / (double)a->n);
        return 0;
    default: /* min, max */
        if (a->n)
            sl_vec_push_from(res, a->bv, a->brow);
        else
            sl_vec_push_null(res);
        return 0;
    }
}

/* Pushes the results kept in acc for the slice's rows [h, h + n) and NULL for the halo rows
 * around them, then frees acc. Local. */
static int push_kept(sl_vec *res, const sl_win_call *c, const sl_vec *v, gacc *acc,
                     int64_t rows, int64_t h, int64_t n, sl_err *err)
{
    int rc = 0;
    for (int64_t i = 0; i < rows && !rc; i++)
        if (i < h || i >= h + n)
            sl_vec_push_null(res);
        else
            rc = gacc_push(res, c, v, &acc[i], err);
    sl_free(acc);
    return rc;
}

/*
 * A running (from UNBOUNDED PRECEDING) or to-the-end (to UNBOUNDED FOLLOWING) frame over a
 * slice of the global order: rows [h, h + n) of the chunk; the frame's part on the other
 * ranks enters as their figures (s), its part in the halo rows is folded from the chunk. The
 * other rows get NULL (never emitted).
 */
static int compute_global_scan(const sl_win_call *c, const gscan *s, const ranges *r,
                               const global_ctx *g, const sl_batch *b, sl_vec *res,
                               sl_err *err)
{
    const sl_win_frame *f = &c->frame;
    const sl_vec *v = c->arg >= 0 ? b->cols[c->arg] : NULL;
    int64_t h = g->h, n = g->n, rows = b->n_rows, off = g->off, N = g->N;
    sl_winfn fn = c->fn;
    if (fn == SL_WF_NTH_VALUE && !keyed_value(c, true)) {
        /* row param - 1 of the order, once the frame reaches it */
        for (int64_t i = 0; i < rows; i++) {
            int64_t k = off + i - h, fe;
            if (i < h || i >= h + n || !s->first_v) {
                sl_vec_push_null(res);
                continue;
            }
            fe = frame_end(f, g, r, i, k, N);
            if (fe > c->param - 1)
                sl_vec_push_from(res, s->first_v, s->first_r);
            else
                sl_vec_push_null(res);
        }
        return 0;
    }
    if (fn == SL_WF_LAST_VALUE && f->start == SL_FB_UNBOUNDED_PRECEDING &&
        f->end != SL_FB_UNBOUNDED_FOLLOWING && !keyed_value(c, false)) {
        /* the frame's last row: in the chunk (the slice or the rows after it), else the last
         * peer on a later slice, else the last row of all */
        for (int64_t i = 0; i < rows; i++) {
            int64_t k = off + i - h, fe;
            if (i < h || i >= h + n) {
                sl_vec_push_null(res);
                continue;
            }
            fe = frame_end(f, g, r, i, k, N);
            int64_t at = h + (fe - 1 - off);
            if (fe == 0 || at < 0) /* an empty frame (ending n PRECEDING) */
                sl_vec_push_null(res);
            else if (at < rows)
                sl_vec_push_from(res, v, at);
            else if (f->end == SL_FB_CURRENT_ROW && !f->rows && s->grp_last_v)
                sl_vec_push_from(res, s->grp_last_v, s->grp_last_r);
            else if (fe == N && s->last_v)
                sl_vec_push_from(res, s->last_v, s->last_r);
            else
                sl_vec_push_null(res);
        }
        return 0;
    }
    if (keyed_value(c, false) || keyed_value(c, true) ||
        (fn == SL_WF_LAST_VALUE && f->start == SL_FB_FOLLOWING)) {
        /* the frame's last (first) row: in the chunk, else the row just beyond the rows
         * within the offset (edge_v); from n FOLLOWING to the end: the last row of all */
        for (int64_t i = 0; i < rows; i++) {
            int64_t k = off + i - h, ls, le;
            if (i < h || i >= h + n) {
                sl_vec_push_null(res);
                continue;
            }
            frame_of(f, r, i, &ls, &le);
            if (f->rows) /* ROWS n FOLLOWING: the frame may start past the chunk */
                ls = f->start_n >= N - k ? rows + N : i + f->start_n;
            int64_t at = fn == SL_WF_LAST_VALUE ? le - 1
                         : ls + (fn == SL_WF_NTH_VALUE ? c->param - 1 : 0);
            bool empty = fn == SL_WF_LAST_VALUE && f->end == SL_FB_PRECEDING
                             ? off + le - h <= 0
                             : off + (fn == SL_WF_LAST_VALUE ? ls : at) - h >= N;
            if (empty)
                sl_vec_push_null(res);
            else if (keyed_value(c, true) && at >= rows && at - rows < s->nb)
                sl_vec_push_from(res, s->bv[at - rows], s->br[at - rows]); /* past the rows
                                                                             * within the offset */
            else if (f->end == SL_FB_UNBOUNDED_FOLLOWING && fn == SL_WF_LAST_VALUE)
                sl_vec_push_from(res, s->last_v, s->last_r);
            else if (at >= 0 && at < rows)
                sl_vec_push_from(res, v, at);
            else if (s->edge_v)
                sl_vec_push_from(res, s->edge_v, s->edge_r);
            else
                sl_vec_push_null(res);
        }
        return 0;
    }
    if (fn == SL_WF_FIRST_VALUE || fn == SL_WF_LAST_VALUE) {
        const sl_vec *sv = fn == SL_WF_FIRST_VALUE ? s->first_v : s->last_v;
        int64_t sr = fn == SL_WF_FIRST_VALUE ? s->first_r : s->last_r;
        for (int64_t i = 0; i < rows; i++)
            if (i < h || i >= h + n || !sv ||
                (f->end == SL_FB_PRECEDING && frame_end(f, g, r, i, off + i - h, N) == 0))
                sl_vec_push_null(res); /* also an empty frame (ending n PRECEDING) */
            else
                sl_vec_push_from(res, sv, sr);
        return 0;
    }
    int rc = 0;
    if (lag_agg(c, false) || lag_agg(c, true)) {
        /* the running (to-the-end) total of the row end_n before (start_n after): folded
         * on from the frame at the first (last) of the lag_h (lead_h) rows next to the
         * slice; the frames' ends only move one way */
        bool fwd = lag_agg(c, false);
        gacc a = fwd ? s->lag0 : s->lead0, none = {0};
        int64_t kk = fwd ? h - s->lag_h : h + n + s->lead_h;
        gacc *acc = sl_xcalloc((size_t)rows + 1, sizeof *acc);
        for (int64_t j = 0; j < n; j++) {
            int64_t i = fwd ? h + j : h + n - 1 - j, k = off + i - h;
            if (fwd) {
                int64_t fe = frame_end(f, g, r, i, k, N);
                for (; fe > 0 && kk < h + (fe - off); kk++)
                    gacc_add(&a, fn, v, kk);
                acc[i] = fe > 0 ? a : none;
            } else {
                int64_t fs = f->start_n >= N - k ? N : k + f->start_n, ls_, le_;
                if (!f->rows) { /* RANGE: in the chunk (key_halos) */
                    frame_of(f, r, i, &ls_, &le_);
                    fs = off + ls_ - h;
                }
                for (; fs < N && kk > h + (fs - off); kk--)
                    gacc_add(&a, fn, v, kk - 1);
                acc[i] = fs < N ? a : none;
            }
        }
        return push_kept(res, c, v, acc, rows, h, n, err);
    }
    if (f->start == SL_FB_UNBOUNDED_PRECEDING) {
        /* forward: each row's result is pushed as it is folded */
        gacc a = s->before;
        int64_t kk = h;
        for (int64_t i = 0; i < h; i++)
            sl_vec_push_null(res);
        for (int64_t i = h; i < h + n && !rc; i++) {
            int64_t k = off + i - h, fe;
            fe = frame_end(f, g, r, i, k, N);
            int64_t le = h + (fe - off < n ? fe - off : n);
            gacc_fold(&a, fn, v, kk, le);
            kk = le > kk ? le : kk;
            gacc t = a;
            if (fe > off + n) {
                if (f->end == SL_FB_UNBOUNDED_FOLLOWING)
                    gacc_merge(&t, &s->after, fn);
                else if (f->end == SL_FB_CURRENT_ROW)
                    gacc_merge(&t, &s->ext_after, fn);
                else
                    gacc_fold(&t, fn, v, h + n, h + n + (fe - off - n));
            }
            rc = gacc_push(res, c, v, &t, err);
        }
        for (int64_t i = h + n; i < rows && !rc; i++)
            sl_vec_push_null(res);
        return rc;
    }
    /* backward (to UNBOUNDED FOLLOWING, from CURRENT ROW or n PRECEDING): results kept */
    gacc *acc = sl_xcalloc((size_t)rows + 1, sizeof *acc);
    {
        gacc a = s->after;
        int64_t kk = h + n;
        for (int64_t i = h + n - 1; i >= h; i--) {
            int64_t k = off + i - h, fs;
            if (f->start == SL_FB_CURRENT_ROW) {
                fs = f->rows ? k : g_start(g, r, i);
            } else if (!f->rows) { /* RANGE n PRECEDING: in the chunk (key_halos) */
                int64_t ls_, le_;
                frame_of(f, r, i, &ls_, &le_);
                fs = off + ls_ - h;
            } else { /* ROWS n PRECEDING */
                fs = f->start_n >= k ? 0 : k - f->start_n;
            }
            int64_t ls = h + (fs > off ? fs - off : 0);
            for (; kk > ls; kk--)
                gacc_add(&a, fn, v, kk - 1);
            acc[i] = a;
            if (fs >= off)
                continue;
            if (f->start == SL_FB_CURRENT_ROW)
                gacc_merge(&acc[i], &s->ext_before, fn);
            else
                gacc_fold(&acc[i], fn, v, h - (off - fs), h);
        }
    }
    return push_kept(res, c, v, acc, rows, h, n, err);
}

static int compute(const sl_win_call *c, int ci, const sl_batch *b, const ranges *r,
                   const global_ctx *g, sl_vec **out, sl_err *err)
{
    int64_t base = g ? g->off - g->h : 0;
    int64_t n = b->n_rows;
    sl_vec *res = sl_vec_new(c->type, n);
    const sl_vec *arg = c->arg >= 0 ? b->cols[c->arg] : NULL;
    const sl_vec *def = c->def >= 0 ? b->cols[c->def] : NULL;
    int rc = 0;
    *out = res;
    if (g && g->scan && g->scan[ci].on)
        return compute_global_scan(c, &g->scan[ci], r, g, b, res, err);
    if (g && (c->fn == SL_WF_RANK || c->fn == SL_WF_DENSE_RANK || c->fn == SL_WF_PERCENT_RANK ||
              c->fn == SL_WF_CUME_DIST || c->fn == SL_WF_NTILE)) {
        compute_global_rank(c, r, g, n, res);
        return 0;
    }
    switch (c->fn) {
    case SL_WF_ROW_NUMBER:
        for (int64_t i = 0; i < n; i++)
            sl_vec_push_i64(res, base + i - r->ps[i] + 1);
        return 0;
    case SL_WF_RANK:
        for (int64_t i = 0; i < n; i++)
            sl_vec_push_i64(res, r->gs[i] - r->ps[i] + 1);
        return 0;
    case SL_WF_DENSE_RANK: {
        int64_t d = 0;
        for (int64_t i = 0; i < n; i++) {
            if (r->ps[i] == i)
                d = 0;
            if (r->gs[i] == i)
                d++;
            sl_vec_push_i64(res, d);
        }
        return 0;
    }
    case SL_WF_PERCENT_RANK:
        for (int64_t i = 0; i < n; i++) {
            int64_t rows = r->pe[i] - r->ps[i];
            sl_vec_push_f64(res, rows > 1 ? (double)(r->gs[i] - r->ps[i]) / (double)(rows - 1)
                                          : 0.0);
        }
        return 0;
    case SL_WF_CUME_DIST:
        for (int64_t i = 0; i < n; i++)
            sl_vec_push_f64(res, (double)(r->ge[i] - r->ps[i]) /
                                 (double)(r->pe[i] - r->ps[i]));
        return 0;
    case SL_WF_NTILE:
        for (int64_t i = 0; i < n; i++) {
            /* n_large buckets of size+1 rows first, then buckets of size rows */
            int64_t rows = r->pe[i] - r->ps[i], k = i - r->ps[i], b_n = c->param;
            int64_t size = rows / b_n, large = rows - b_n * size, small_at = large * (size + 1);
            int64_t t = size == 0 ? k + 1
                        : k < small_at ? 1 + k / (size + 1)
                        : 1 + large + (k - small_at) / size;
            sl_vec_push_i64(res, t);
        }
        return 0;
    case SL_WF_LAG:
    case SL_WF_LEAD:
        for (int64_t i = 0; i < n; i++) {
            int64_t off = c->param, j = -1;
            if (c->fn == SL_WF_LAG ? off <= i - r->ps[i] : off < r->pe[i] - i)
                j = c->fn == SL_WF_LAG ? i - off : i + off;
            if (j >= 0)
                sl_vec_push_from(res, arg, j);
            else if (def)
                sl_vec_push_from(res, def, i);
            else
                sl_vec_push_null(res);
        }
        return 0;
    case SL_WF_FIRST_VALUE:
    case SL_WF_LAST_VALUE:
    case SL_WF_NTH_VALUE:
        for (int64_t i = 0; i < n; i++) {
            int64_t fs, fe, j = -1;
            frame_of(&c->frame, r, i, &fs, &fe);
            if (c->fn == SL_WF_FIRST_VALUE && fs < fe)
                j = fs;
            else if (c->fn == SL_WF_LAST_VALUE && fs < fe)
                j = fe - 1;
            else if (c->fn == SL_WF_NTH_VALUE && c->param <= fe - fs)
                j = fs + c->param - 1;
            if (j >= 0)
                sl_vec_push_from(res, arg, j);
            else
                sl_vec_push_null(res);
        }
        return 0;
    default:
        break;
    }
    /* Frame aggregates. */
    agg_out o;
    o.i64 = sl_xmalloc(sizeof *o.i64 * (size_t)(n + 1));
    o.f64 = sl_xmalloc(sizeof *o.f64 * (size_t)(n + 1));
    o.sum = sl_xmalloc(sizeof *o.sum * (size_t)(n + 1));
    o.ovf = sl_xmalloc(sizeof *o.ovf * (size_t)(n + 1));
    o.row = sl_xmalloc(sizeof *o.row * (size_t)(n + 1));
    o.null = sl_xmalloc(sizeof *o.null * (size_t)(n + 1));
    rc = frame_agg(c, r, arg, n, &o, err);
    for (int64_t i = 0; !rc && i < n; i++) {
        if (c->fn == SL_WF_MIN || c->fn == SL_WF_MAX) {
            if (o.row[i] >= 0)
                sl_vec_push_from(res, arg, o.row[i]);
            else
                sl_vec_push_null(res);
        } else if (o.null[i]) {
            sl_vec_push_null(res);
        } else if (c->type == SL_T_DOUBLE) {
            sl_vec_push_f64(res, o.f64[i]);
        } else if (c->fn == SL_WF_SUM) {
            rc = sum_push(res, c->type, o.sum[i], o.ovf[i], err);
        } else {
            sl_vec_push_i64(res, o.i64[i]);
        }
    }
    sl_free(o.i64);
    sl_free(o.f64);
    sl_free(o.sum);
    sl_free(o.ovf);
    sl_free(o.row);
    sl_free(o.null);
    return rc;
}

/* Computes the calls over b (complete partitions; taken over) and emits its rows [from, to)
 * with their results, in batches of at most SL_BATCH_ROWS rows. g places b in the global
 * order (no PARTITION BY); NULL: b is whole partitions. */
static int emit_chunk(sl_exec *x, sl_pop *op, sl_batch *b, int64_t from, int64_t to,
                      const global_ctx *g, sl_err *err)
{
    win_state *st = op->state;
    int nc = op->u.window.n_calls, n_in = b->n_cols;
    ranges r;
    ranges_build(st, b, &r);
    const sl_sort_spec *o = &op->u.window.order;
    r.key = o->n_keys ? b->cols[o->cols[0]] : NULL;
    r.desc = o->n_keys ? o->desc[0] : false;
    r.nulls_first = o->n_keys ? o->nulls_first[0] : false;
    sl_vec **cols = sl_xcalloc((size_t)(n_in + nc) + 1, sizeof *cols);
    int rc = 0;
    for (int i = 0; i < nc && !rc; i++)
        rc = compute(&op->u.window.calls[i], i, b, &r, g, &cols[n_in + i], err);
    ranges_free(&r);
    if (rc) {
        for (int i = 0; i < nc; i++)
            sl_vec_free(&cols[n_in + i]);
        sl_free(cols);
        sl_batch_free(&b);
        return rc;
    }
    for (int i = 0; i < n_in; i++) {
        cols[i] = b->cols[i];
        b->cols[i] = NULL;
    }
    int64_t n = b->n_rows;
    sl_batch_free(&b);
    sl_batch *out = sl_batch_from_cols(n_in + nc, cols, n);
    sl_free(cols);
    if (from == 0 && to == n && n <= SL_BATCH_ROWS)
        return sl_exec_emit(x, op, out, err);
    for (int64_t at = from; at < to && !rc; at += SL_BATCH_ROWS)
        rc = sl_exec_emit(x, op, slice(out, at, at + SL_BATCH_ROWS < to ? at + SL_BATCH_ROWS
                                                                         : to), err);
    sl_batch_free(&out);
    return rc;
}

/* Emits rows [0, upto) of the buffer (complete partitions); the rest stays buffered. */
static int flush(sl_exec *x, sl_pop *op, int64_t upto, sl_err *err)
{
    win_state *st = op->state;
    sl_batch *cur = st->cur, *head = cur, *tail = NULL;
    int64_t n = cur->n_rows;
    if (upto < n) {
        head = slice(cur, 0, upto);
        tail = slice(cur, upto, n);
        sl_batch_free(&cur);
    }
    st->cur = tail;
    st->scanned = tail ? tail->n_rows : 0;
    st->last_start = 0;
    int64_t keep = tail ? sl_batch_bytes(tail) : 0;
    if (st->res > keep) {
        sl_budget_release(&st->ctx->budget, st->res - keep);
        st->res = keep;
    }
    return emit_chunk(x, op, head, 0, head->n_rows, NULL, err);
}

/*
 * row_number / rank / dense_rank need neither the partition's end nor its other rows: each
 * batch is numbered as it arrives, from the numbers of the row before it, and passed on, so a
 * partition of any size costs one batch of memory (top-n per group, DISTINCT ON).
 */
static int push_streaming(sl_exec *x, sl_pop *op, sl_batch *in, sl_err *err)
{
    win_state *st = op->state;
    sl_batch *b = in->sel ? sl_batch_compact(in) : in;
    if (b != in)
        sl_batch_free(&in);
    int64_t n = b->n_rows;
    int nc = op->u.window.n_calls, n_in = b->n_cols;
    if (n == 0) {
        sl_batch_free(&b);
        return 0;
    }
    sl_vec **cols = sl_xcalloc((size_t)(n_in + nc) + 1, sizeof *cols);
    for (int c = 0; c < nc; c++)
        cols[n_in + c] = sl_vec_new(SL_T_BIGINT, n);
    for (int64_t i = 0; i < n; i++) {
        const sl_batch *pb = i ? b : st->last;
        int64_t pi = i ? i - 1 : 0;
        if (!pb || sl_row_cmp(&st->part, pb, pi, b, i) != 0) {
            st->rn = st->rk = st->dr = 1;
        } else {
            st->rn++;
            if (st->peer.n_keys > 0 && sl_row_cmp(&st->peer, pb, pi, b, i) != 0) {
                st->rk = st->rn;
                st->dr++;
            }
        }
        for (int c = 0; c < nc; c++) {
            sl_winfn f = op->u.window.calls[c].fn;
            sl_vec_push_i64(cols[n_in + c], f == SL_WF_ROW_NUMBER ? st->rn
                                            : f == SL_WF_RANK ? st->rk : st->dr);
        }
    }
    sl_batch_free(&st->last);
    st->last = slice(b, n - 1, n);
    for (int i = 0; i < n_in; i++) {
        cols[i] = b->cols[i];
        b->cols[i] = NULL;
    }
    sl_batch_free(&b);
    sl_batch *out = sl_batch_from_cols(n_in + nc, cols, n);
    sl_free(cols);
    return sl_exec_emit(x, op, out, err);
}

/* A spilling partition is not cut into slices below this many rows (a tiny grant still
 * makes a few big slices rather than many small ones). */
#define SPILL_MIN_ROWS 4096
static int spill_slice(win_state *st, const sl_pop *op, sl_batch *b, sl_err *err);
static int spill_push(sl_exec *x, sl_pop *op, sl_batch *in, sl_err *err);

static int window_push(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err)
{
    win_state *st = op->state;
    if (err->code) {
        sl_batch_free(&b);
        return err->code;
    }
    if (st->streaming)
        return push_streaming(x, op, b, err);
    if (st->spill)
        return spill_push(x, op, b, err);
    if (!st->cur) {
        st->cur = sl_batch_compact(b);
    } else {
        sl_batch_append(st->cur, b);
    }
    sl_batch_free(&b);
    sl_batch *cur = st->cur;
    for (int64_t i = st->scanned > 0 ? st->scanned : 1; i < cur->n_rows; i++)
        if (sl_row_cmp(&st->part, cur, i - 1, cur, i) != 0)
            st->last_start = i;
    st->scanned = cur->n_rows;
    /* Account for the buffer; a partition bigger than the grant goes to disk in slices
     * (spill_push) where the calls allow, else stays in memory. */
    int64_t bytes = sl_batch_bytes(cur);
    if (bytes > st->res &&
        sl_budget_reserve_upto(&st->ctx->budget, bytes - st->res, op->grant))
        st->res = bytes;
    int rc = 0;
    if (st->last_start > 0)
        rc = flush(x, op, st->last_start, err);
    if (rc || !st->can_spill || !st->cur || st->cur->n_rows < SPILL_MIN_ROWS)
        return rc;
    bytes = sl_batch_bytes(st->cur);
    if (bytes <= st->res ||
        sl_budget_reserve_upto(&st->ctx->budget, bytes - st->res, op->grant)) {
        st->res = bytes > st->res ? bytes : st->res;
        return 0;
    }
    /* the buffer is one partition (flush emitted the complete ones): its first slice */
    sl_batch *c = st->cur;
    st->cur = NULL;
    st->scanned = st->last_start = 0;
    st->spill = sl_rowstore_new(st->ctx, 0);
    return spill_slice(st, op, c, err);
}

/* Appends rows [from, to) of the dense batch src to dst. */
static void append_range(sl_batch *dst, sl_batch *src, int64_t from, int64_t to)
{
    if (to <= from)
        return;
    uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)(to - from));
    for (int64_t i = from; i < to; i++)
        sel[i - from] = (uint32_t)i;
    src->sel = sel;
    src->n_sel = to - from;
    sl_batch_append(dst, src);
    src->sel = NULL;
    src->n_sel = 0;
    sl_free(sel);
}

/* Peer figures of a dense batch by the ORDER BY keys: rows equal to the first row at its
 * start (*lead), equal to the last at its end (*trail), and its peer groups (*groups). */
static void peer_figures(const win_state *st, const sl_batch *b, int64_t *lead, int64_t *trail,
                         int64_t *groups)
{
    int64_t n = b->n_rows;
    *lead = *trail = *groups = 0;
    if (n == 0)
        return;
    *groups = 1;
    int64_t last_start = 0;
    *lead = n;
    for (int64_t i = 1; i < n; i++)
        if (sl_row_cmp(&st->peer, b, i - 1, b, i) != 0) {
            if (*groups == 1)
                *lead = i;
            (*groups)++;
            last_start = i;
        }
    *trail = n - last_start;
}

/* Figures: count, wire bytes (finish_global), lead, trail, groups, then per call the partial
 * aggregates (NA figures) of the slice, its first and its last peer group, its rows before its
 * last halo_prev and after its first halo_next (the rows it sends as halos: lag_frames), NP
 * of them. */
enum { FG_NB = 5, FG_NP = 5, FG_NA = 5 };

/* A partial aggregate's FG_NA figures: n, the exact total's low and high words, the DOUBLE
 * total's bits, the overflow flag. Local. */
static void fig_put(int64_t *f, const gacc *a)
{
    f[0] = a->n;
    f[1] = (int64_t)(uint64_t)((sl_u128)a->isum & UINT64_MAX);
    f[2] = (int64_t)(a->isum >> 64);
    memcpy(&f[3], &a->dsum, sizeof a->dsum);
    f[4] = a->ovf;
}

static gacc fig_get(const int64_t *f)
{
    gacc a = {0};
    a.n = f[0];
    a.isum = (sl_i128)(((sl_u128)(uint64_t)f[2] << 64) | (uint64_t)f[1]);
    memcpy(&a.dsum, &f[3], sizeof a.dsum);
    a.ovf = f[4] != 0;
    return a;
}

static int fig_stride(const sl_pop *op)
{
    return FG_NB + op->u.window.n_calls * FG_NP * FG_NA;
}

/* Fills m[fig_stride] with the figures of the dense batch b (a slice of one ordered
 * partition, with `before` rows known to come before it: 0 where unknown) and returns a new
 * batch of its end rows: first, last, then the min / max rows of its partial aggregates, then
 * its first rows up to the largest n of an nth_value scan call, less `before` (none when b is
 * empty). */
static sl_batch *slice_figures(const win_state *st, const sl_pop *op, sl_batch *b, int64_t *m,
                               int64_t before)
{
    int64_t n = b->n_rows, heads = 0;
    int nc = op->u.window.n_calls;
    for (int ci = 0; ci < nc; ci++) {
        const sl_win_call *c = &op->u.window.calls[ci];
        if (c->fn == SL_WF_NTH_VALUE && is_scan(c) && c->param > heads)
            heads = c->param;
    }
    heads = heads - before < n ? heads - before : n;
    heads = heads > 0 ? heads : 0;
    int64_t n_ends = 2 + nc * FG_NP + heads;
    memset(m, 0, sizeof *m * (size_t)fig_stride(op));
    m[0] = n;
    peer_figures(st, b, &m[2], &m[3], &m[4]);
    uint32_t *rows = sl_xcalloc((size_t)n_ends, sizeof *rows);
    rows[1] = (uint32_t)(n ? n - 1 : 0);
    for (int64_t j = 0; j < heads; j++)
        rows[2 + nc * FG_NP + j] = (uint32_t)j;
    for (int ci = 0; ci < nc && n > 0; ci++) {
        const sl_win_call *c = &op->u.window.calls[ci];
        if (!is_scan(c))
            continue;
        const sl_vec *v = c->arg >= 0 ? b->cols[c->arg] : NULL;
        int64_t A = op->u.window.halo_prev > 0 ? op->u.window.halo_prev : 0;
        int64_t B = op->u.window.halo_next > 0 ? op->u.window.halo_next : 0;
        int64_t from[FG_NP] = { 0, 0, n - m[3], 0, n < B ? n : B };
        int64_t to[FG_NP] = { n, m[2], n, n - (n < A ? n : A), n };
        for (int p = 0; p < FG_NP; p++) {
            gacc a = {0};
            gacc_fold(&a, c->fn, v, from[p], to[p]);
            int64_t *f = &m[FG_NB + (ci * FG_NP + p) * FG_NA];
            fig_put(f, &a);
            rows[2 + ci * FG_NP + p] = (uint32_t)(a.n && a.bv ? a.brow : 0);
        }
        if (c->fn == SL_WF_LAST_VALUE) /* the last row of its first peer group */
            rows[2 + ci * FG_NP + 1] = (uint32_t)(m[2] - 1);
    }
    sl_batch *ends = NULL;
    sl_buf w;
    sl_buf_init(&w);
    sl_wire_write_rows(b, rows, n ? n_ends : 0, &w);
    sl_err e = {0};
    int64_t used = 0;
    sl_wire_read(w.data, (int64_t)w.len, &ends, &used, &e);
    sl_buf_free(&w);
    sl_free(rows);
    return ends;
}

/* Merges into dst slice q's partial aggregate p (0: its slice, 1: its first peer group, 2: its
 * last) of scan call ci, from the figures (stride nf) and its end rows. */
static void merge_part(gacc *dst, const int64_t *all, int nf, int q, int ci, int p,
                       const sl_batch *ends, const sl_win_call *c)
{
    const int64_t *m = &all[(int64_t)nf * q + FG_NB + (ci * FG_NP + p) * FG_NA];
    gacc a = fig_get(m);
    if (c->arg >= 0 && ends->n_rows > 2 + ci * FG_NP + p) {
        a.bv = ends->cols[c->arg];
        a.brow = 2 + ci * FG_NP + p;
    }
    gacc_merge(dst, &a, c->fn);
}

/*
 * Places slice me of P consecutive slices of one ordered partition (ranks of a global window,
 * or the spilled parts of a big partition) from every slice's figures (all, stride nf) and end
 * rows: *g (without h) and scan[n_calls] (pointing into ends, which must outlive them).
 * Peer groups may straddle slices: the slice's first and last groups are followed into the
 * neighbours' figures. Local.
 */
static void slice_context(const win_state *st, const sl_pop *op, const int64_t *all, int nf,
                          sl_batch *const *ends, int P, int me, global_ctx *g, gscan *scan)
{
    int nc = op->u.window.n_calls;
    int64_t off = 0, N = 0, n = all[(int64_t)nf * me];
    for (int q = 0; q < P; q++) {
        if (q < me)
            off += all[(int64_t)nf * q];
        N += all[(int64_t)nf * q];
    }
    *g = (global_ctx){ off, N, 0, n, off, off + n, 0, NULL };
    for (int ci = 0; ci < nc; ci++) {
        const sl_win_call *c = &op->u.window.calls[ci];
        gscan *s = &scan[ci];
        memset(s, 0, sizeof *s);
        if (!(s->on = is_scan(c)))
            continue;
        g->scan = scan;
        for (int q = 0; q < P; q++) {
            if (all[(int64_t)nf * q] == 0)
                continue;
            if (!s->first_v && c->arg >= 0) {
                s->first_v = ends[q]->cols[c->arg];
                s->first_r = 0;
            }
            if (c->arg >= 0) {
                s->last_v = ends[q]->cols[c->arg];
                s->last_r = 1;
            }
            if (q != me)
                merge_part(q < me ? &s->before : &s->after, all, nf, q, ci, 0, ends[q], c);
        }
        if (c->fn == SL_WF_NTH_VALUE) { /* row param - 1 of the order: among some slice's
                                          * first rows (slice_figures), or none */
            s->first_v = NULL;
            for (int64_t q = 0, at = 0; q < P && c->arg >= 0; q++) {
                int64_t nq = all[(int64_t)nf * q];
                if (c->param - 1 < at + nq) {
                    s->first_v = ends[q]->cols[c->arg];
                    s->first_r = 2 + nc * FG_NP + (c->param - 1 - at);
                    break;
                }
                at += nq;
            }
        }
    }
    if (n > 0 && st->peer.n_keys > 0) {
        const sl_batch *mine = ends[me];
        int64_t qoff = off;
        for (int q = me - 1; q >= 0; q--) {
            int64_t nq = all[(int64_t)nf * q], trail = all[(int64_t)nf * q + 3];
            qoff -= nq;
            if (nq == 0)
                continue;
            if (sl_row_cmp(&st->peer, ends[q], 1, mine, 0) != 0)
                break;
            g->gstart = qoff + nq - trail;
            for (int ci = 0; ci < nc; ci++)
                if (scan[ci].on)
                    merge_part(&scan[ci].ext_before, all, nf, q, ci, 2, ends[q],
                               &op->u.window.calls[ci]);
            if (trail != nq)
                break;
        }
        qoff = off + n;
        for (int q = me + 1; q < P; q++) {
            int64_t nq = all[(int64_t)nf * q], lead = all[(int64_t)nf * q + 2];
            if (nq == 0)
                continue;
            if (sl_row_cmp(&st->peer, mine, 1, ends[q], 0) != 0)
                break;
            g->gend = qoff + lead;
            for (int ci = 0; ci < nc; ci++)
                if (scan[ci].on) {
                    merge_part(&scan[ci].ext_after, all, nf, q, ci, 1, ends[q],
                               &op->u.window.calls[ci]);
                    if (op->u.window.calls[ci].arg >= 0) {
                        scan[ci].grp_last_v = ends[q]->cols[op->u.window.calls[ci].arg];
                        scan[ci].grp_last_r = 2 + ci * FG_NP + 1;
                    }
                }
            if (lead != nq)
                break;
            qoff += nq;
        }
        /* groups before: each non-empty slice's groups, less one where a slice's first group
         * continues the previous non-empty slice's last; this slice's first group is counted
         * there already when it continues one */
        int last = -1;
        for (int q = 0; q <= me; q++) {
            if (all[(int64_t)nf * q] == 0)
                continue;
            bool joins = last >= 0 && sl_row_cmp(&st->peer, ends[last], 1, ends[q], 0) == 0;
            if (q < me)
                g->dbase += all[(int64_t)nf * q + 4] - (joins ? 1 : 0);
            else if (joins)
                g->dbase -= 1;
            last = q;
        }
    } else if (n > 0) {
        g->gstart = 0; /* no ORDER BY: every row is a peer of every other */
        g->gend = N;
        for (int ci = 0; ci < nc; ci++) {
            scan[ci].ext_before = scan[ci].before;
            scan[ci].ext_after = scan[ci].after;
        }
    }
}

/* ---- RANGE frames over the global order: halos by key ---- */

/* How far the RANGE frames of a global window's calls reach from the current row's key, in
 * the key's units: [0] before it (PRECEDING), [1] after it (FOLLOWING). */
typedef struct key_reach {
    int64_t n[2];
    double f[2];
    const sl_rowcmp *peer; /* the ORDER BY keys */
    int kc;               /* the one ORDER BY key (offsets), else -1: peers only */
    bool desc;
} key_reach;

/* Whether some call has a RANGE frame bounded on both sides (offsets or CURRENT ROW) or an
 * offset on one side and UNBOUNDED on the other (a scan whose bound is found in the chunk),
 * whose frames the rows on the neighbouring ranks within its offsets (and the current row's
 * peers) complete; fills *kr. */
static bool range_reach(const win_state *st, const sl_pop *op, key_reach *kr)
{
    bool any = false;
    const sl_sort_spec *o = &op->u.window.order;
    memset(kr, 0, sizeof *kr);
    kr->peer = &st->peer;
    kr->kc = -1;
    if (o->n_keys == 0)
        return false;
    /* offsets need one numeric key (the binder's rule); other keys have peers only */
    sl_type kt = op->children[0]->types[o->cols[0]];
    if (o->n_keys == 1 && (kt == SL_T_DOUBLE || sl_type_is_int(kt) || kt == SL_T_DATE ||
                           sl_type_is_ts(kt))) {
        kr->kc = o->cols[0];
        kr->desc = o->desc[0];
    }
    for (int ci = 0; ci < op->u.window.n_calls; ci++) {
        const sl_win_call *c = &op->u.window.calls[ci];
        const sl_win_frame *f = &c->frame;
        bool frame_fn = c->fn == SL_WF_FIRST_VALUE || c->fn == SL_WF_LAST_VALUE ||
                        c->fn == SL_WF_NTH_VALUE || c->fn == SL_WF_SUM || c->fn == SL_WF_AVG ||
                        c->fn == SL_WF_MIN || c->fn == SL_WF_MAX || c->fn == SL_WF_COUNT ||
                        c->fn == SL_WF_COUNT_STAR;
        bool offset = f->start == SL_FB_PRECEDING || f->start == SL_FB_FOLLOWING ||
                      f->end == SL_FB_PRECEDING || f->end == SL_FB_FOLLOWING;
        if (f->rows || !frame_fn || (is_scan(c) && !offset))
            continue;
        any = true;
        for (int e = 0; e < 2; e++) {
            sl_frame_bound k = e ? f->end : f->start;
            int64_t n = e ? f->end_n : f->start_n;
            double d = e ? f->end_f : f->start_f;
            int s = k == SL_FB_FOLLOWING;
            if (k != SL_FB_PRECEDING && k != SL_FB_FOLLOWING)
                continue;
            kr->n[s] = n > kr->n[s] ? n : kr->n[s];
            kr->f[s] = d > kr->f[s] ? d : kr->f[s];
        }
    }
    return any;
}

/* Whether row j of b lies within the reach of row t of tb: back: j is before t's slice, whose
 * first row t is (j's key at or past t's key less the preceding reach, in the order's
 * direction); else j is after t's slice, whose last row t is. A NULL key is a peer of NULL
 * keys only (its frame is its NULL peers; a non-NULL key's frame holds no NULLs); without
 * one numeric key (no offsets) the reach is t's peers. */
static bool in_reach(const key_reach *kr, const sl_batch *b, int64_t j, const sl_batch *tb,
                     int64_t t, bool back)
{
    if (kr->kc < 0)
        return sl_row_cmp(kr->peer, b, j, tb, t) == 0;
    const sl_vec *k = b->cols[kr->kc], *tk = tb->cols[kr->kc];
    bool jn = !sl_vec_valid(k, j), tn = !sl_vec_valid(tk, t);
    if (jn || tn)
        return jn && tn;
    bool minus = back != kr->desc; /* ascending: the rows before hold smaller keys */
    int c;
    if (k->type == SL_T_DOUBLE) {
        double d = kr->f[!back], lim = minus ? tk->d.f64[t] - d : tk->d.f64[t] + d;
        c = (k->d.f64[j] > lim) - (k->d.f64[j] < lim); /* NaN: 0, sent (more do no harm) */
    } else {
        int64_t lim = sat_add(tk->d.i64[t], minus ? -kr->n[!back] : kr->n[!back]);
        c = (k->d.i64[j] > lim) - (k->d.i64[j] < lim);
    }
    if (kr->desc)
        c = -c;
    return back ? c >= 0 : c <= 0;
}

/* What key_halos brings for the aggregates over RANGE frames from UNBOUNDED PRECEDING to n
 * PRECEDING (from n FOLLOWING to UNBOUNDED FOLLOWING): the rows received from each rank and,
 * from the one rank before (after) that sent only part of its slice, per such call ci the
 * partial aggregate of the rest of that slice (its rows before / after the ones sent):
 * figures num[side][ci * FG_NA ..], its min / max as row ci of fig[side]. */
typedef struct key_edge {
    int64_t *from;
    sl_batch *fig[2];
    int64_t *num[2];
    sl_batch *beyond; /* ahead: the partly sent slice's next rows (keyed_value), or NULL */
    int part_q;       /* ahead: the rank of that slice */
} key_edge;

/* The most rows past the rows within the offset that an ahead keyed_value call reads. */
static int64_t beyond_rows(const sl_pop *op)
{
    int64_t w = 0;
    for (int ci = 0; ci < op->u.window.n_calls; ci++) {
        const sl_win_call *c = &op->u.window.calls[ci];
        int64_t p = c->fn == SL_WF_NTH_VALUE ? c->param : 1;
        if (keyed_value(c, true) && p > w)
            w = p;
    }
    return w;
}

/* Whether some call is a lag_agg over a RANGE frame (ahead: to UNBOUNDED FOLLOWING). */
static bool lag_keyed(const sl_pop *op, bool ahead)
{
    for (int ci = 0; ci < op->u.window.n_calls; ci++)
        if ((lag_agg(&op->u.window.calls[ci], ahead) && !op->u.window.calls[ci].frame.rows) ||
            keyed_value(&op->u.window.calls[ci], ahead))
            return true;
    return false;
}

/* Writes, after the m rows sent to an earlier (ahead) or later rank, the partial aggregates
 * of the rest of the slice cur for that rank's keyed lag_agg calls (see key_edge). */
static void edge_write(const sl_pop *op, const sl_batch *cur, int64_t m, bool ahead,
                       sl_buf *out)
{
    int nc = op->u.window.n_calls;
    int64_t n = cur->n_rows;
    uint32_t *fr = sl_xcalloc((size_t)nc + 1, sizeof *fr);
    int64_t *num = sl_xcalloc((size_t)nc * FG_NA + 1, sizeof *num);
    for (int ci = 0; ci < nc; ci++) {
        const sl_win_call *c = &op->u.window.calls[ci];
        if (keyed_value(c, ahead) && !ahead) /* the row just before the ones sent */
            fr[ci] = (uint32_t)(n - m - 1);
        if (!lag_agg(c, ahead) || c->frame.rows)
            continue;
        gacc a = {0};
        gacc_fold(&a, c->fn, c->arg >= 0 ? cur->cols[c->arg] : NULL, ahead ? m : 0,
                  ahead ? n : n - m);
        fig_put(&num[ci * FG_NA], &a);
        fr[ci] = (uint32_t)(a.n && a.bv ? a.brow : 0);
    }
    sl_wire_write_rows(cur, fr, nc, out);
    for (int j = 0; j < nc * FG_NA; j++)
        sl_buf_put_i64(out, num[j]);
    int64_t w = ahead ? beyond_rows(op) : 0;
    if (w > 0) { /* the rows just after the ones sent */
        int64_t to = n - m < w ? n : m + w;
        uint32_t *br = sl_xcalloc((size_t)(to - m) + 1, sizeof *br);
        for (int64_t j = m; j < to; j++)
            br[j - m] = (uint32_t)j;
        sl_wire_write_rows(cur, br, to - m, out);
        sl_free(br);
    }
    sl_free(fr);
    sl_free(num);
}

/*
 * The rows of the neighbouring slices that this rank's RANGE frames reach (and its first and
 * last keys' peers): every rank sends each later rank the end of its slice whose keys lie
 * within the preceding reach of that rank's first key, and each earlier rank the start within
 * the following reach of its last key (the first and last rows of every slice are in ends,
 * from the allgather), so a rank receives exactly the rows its frames need, from however many
 * ranks hold them. *prev / *next: the rows received from the ranks before / after, in order.
 * skip: the allgather failed (ends unset): nothing is sent, the collectives still run.
 * Collective over x->comm.
 */
static int key_halos(sl_exec *x, const sl_pop *op, const sl_batch *cur, const int64_t *all,
                     int nf, sl_batch *const *ends, const key_reach *kr, bool skip,
                     sl_batch **prev, sl_batch **next, key_edge *edge, sl_err *err)
{
    const sl_pop *in = op->children[0];
    int nc = op->u.window.n_calls;
    int P = x->size, me = x->rank;
    int64_t n = cur->n_rows;
    int64_t *scnt = sl_xcalloc((size_t)P, sizeof *scnt), *rcnt = sl_xcalloc((size_t)P,
                                                                            sizeof *rcnt);
    uint32_t *rows = sl_xcalloc((size_t)n + 1, sizeof *rows);
    for (int64_t i = 0; i < n; i++)
        rows[i] = (uint32_t)i;
    sl_buf out;
    sl_buf_init(&out);
    for (int q = 0; q < P && !skip && n > 0; q++) {
        if (q == me || all[(int64_t)nf * q] == 0)
            continue;
        size_t at = out.len;
        int64_t m = 0;
        if (q > me) { /* the end of this slice, before q's first key */
            while (m < n && in_reach(kr, cur, n - 1 - m, ends[q], 0, true))
                m++;
            if (m > 0)
                sl_wire_write_rows(cur, rows + n - m, m, &out);
            if (m > 0 && m < n && lag_keyed(op, false))
                edge_write(op, cur, m, false, &out);
        } else { /* the start of this slice, after q's last key */
            while (m < n && in_reach(kr, cur, m, ends[q], 1, false))
                m++;
            if (m > 0)
                sl_wire_write_rows(cur, rows, m, &out);
            if (m > 0 && m < n && lag_keyed(op, true))
                edge_write(op, cur, m, true, &out);
        }
        scnt[q] = (int64_t)(out.len - at);
    }
    sl_free(rows);
    MPI_Alltoall(scnt, 1, MPI_INT64_T, rcnt, 1, MPI_INT64_T, x->comm);
    int64_t ssum = 0, rsum = 0;
    for (int q = 0; q < P; q++) {
        ssum += scnt[q];
        rsum += rcnt[q];
    }
    int big = ssum > INT32_MAX || rsum > INT32_MAX, any_big = 0;
    MPI_Allreduce(&big, &any_big, 1, MPI_INT, MPI_LOR, x->comm);
    int *sc = sl_xcalloc((size_t)P, sizeof *sc), *sd = sl_xcalloc((size_t)P, sizeof *sd);
    int *rc_ = sl_xcalloc((size_t)P, sizeof *rc_), *rd = sl_xcalloc((size_t)P, sizeof *rd);
    int rc = 0;
    char *recv = NULL;
    if (any_big) {
        rc = SL_ERR(err, SL_ERUNTIME, "window: the rows within a RANGE frame's offsets on "
                    "the neighbouring ranks exceed 2 GB (%lld bytes to one rank)",
                    (long long)(rsum > ssum ? rsum : ssum));
    } else {
        for (int q = 0, sa = 0, ra = 0; q < P; q++) {
            sc[q] = (int)scnt[q];
            sd[q] = sa;
            sa += sc[q];
            rc_[q] = (int)rcnt[q];
            rd[q] = ra;
            ra += rc_[q];
        }
        recv = sl_xmalloc((size_t)rsum + 1);
        MPI_Alltoallv(out.data, sc, sd, MPI_BYTE, recv, rc_, rd, MPI_BYTE, x->comm);
    }
    sl_buf_free(&out);
    *prev = sl_batch_new(in->n_cols, in->types, 0);
    *next = sl_batch_new(in->n_cols, in->types, 0);
    for (int q = 0; q < P && !rc; q++) {
        if (rc_[q] == 0)
            continue;
        sl_batch *b = NULL;
        int64_t used = 0;
        if ((rc = sl_wire_read(recv + rd[q], rc_[q], &b, &used, err)) == 0) {
            sl_batch_append(q < me ? *prev : *next, b);
            edge->from[q] = b->n_rows;
        }
        sl_batch_free(&b);
        int side = q > me;
        if (!rc && used < rc_[q] && !(side == 0 && edge->fig[0])) {
            /* the rest of a slice sent in part: the one nearest the far end of the halo */
            int64_t fu = 0;
            sl_batch_free(&edge->fig[side]);
            sl_free(edge->num[side]);
            edge->num[side] = sl_xcalloc((size_t)nc * FG_NA + 1, sizeof *edge->num[side]);
            rc = sl_wire_read(recv + rd[q] + used, rc_[q] - used, &edge->fig[side], &fu, err);
            const char *np = recv + rd[q] + used + fu;
            for (int j = 0; j < nc * FG_NA && !rc; j++)
                edge->num[side][j] = sl_buf_get_i64(&np);
            int64_t at = used + fu + (int64_t)sizeof(int64_t) * nc * FG_NA, bu = 0;
            if (!rc && side == 1 && at < rc_[q]) {
                sl_batch_free(&edge->beyond);
                rc = sl_wire_read(recv + rd[q] + at, rc_[q] - at, &edge->beyond, &bu, err);
            }
            if (side == 1)
                edge->part_q = q;
        }
    }
    sl_free(recv);
    sl_free(scnt);
    sl_free(rcnt);
    sl_free(sc);
    sl_free(sd);
    sl_free(rc_);
    sl_free(rd);
    return rc;
}

/*
 * No PARTITION BY (global): this rank holds the r-th slice of the global order. Every rank
 * shares its row count, its peer figures, its partial aggregates and its last halo_prev and
 * first halo_next rows (allgathers); a rank's row numbers start after the rows of the ranks
 * before it (an exclusive scan of the counts), and its frames see the halo_prev rows before
 * its slice and the halo_next rows after it, taken from the nearest ranks that hold them
 * (several when ranks hold fewer). Peers may straddle ranks (the range exchange deals rows
 * equal on the keys over the ranks they span): slice_context follows them, which gives rank,
 * dense_rank, percent_rank, cume_dist, ntile and the RANGE frames their global values.
 * Collective over x->comm.
 */
/*
 * The frames lag_agg calls fold on from: for ROWS, the frame before (after) the last lag_h
 * (first lead_h) rows next to the slice, which the count-based halos hold (prev: each rank's
 * last min(n_q, A) rows, in rank order; next: the first min(n_q, B)): the slices wholly
 * beyond it, then the farthest slice's rows outside its halo rows (its figure 3 / 4), then
 * its halo rows up to there; for RANGE, the slices that sent no key halo rows and the rest of
 * the one that sent part (edge); keyed_value calls get the row just beyond the key halo.
 * Local.
 */
static void lag_frames(const sl_pop *op, const int64_t *all, int nf, sl_batch *const *ends,
                       int P, int me, int64_t off, const sl_batch *prev, const sl_batch *next,
                       const key_edge *edge, int64_t kp, int64_t kn, gscan *scan)
{
    int64_t A = op->u.window.halo_prev, B = op->u.window.halo_next;
    for (int ci = 0; ci < op->u.window.n_calls; ci++) {
        const sl_win_call *c = &op->u.window.calls[ci];
        gscan *s = &scan[ci];
        if (s->on && (keyed_value(c, false) || keyed_value(c, true))) {
            /* the row beyond the rows within the offset: from the slice that sent part of
             * its rows, else the nearest slice that sent none */
            bool fwd = keyed_value(c, false);
            const sl_batch *fb = edge->fig[!fwd];
            if (fwd && fb && c->arg >= 0 && fb->n_rows > ci) {
                s->edge_v = fb->cols[c->arg];
                s->edge_r = ci;
            }
            for (int q = me - 1; fwd && !fb && c->arg >= 0 && q >= 0; q--) {
                int64_t nq = all[(int64_t)nf * q];
                if (nq == 0 || edge->from[q] == nq)
                    continue;
                s->edge_v = ends[q]->cols[c->arg];
                s->edge_r = 1;
                break;
            }
            if (fwd || c->arg < 0)
                continue;
            /* ahead: the rest of the slice sent in part, then the first rows of the slices
             * that sent none (their end rows: the first, the heads of nth_value scans) */
            int64_t want = c->fn == SL_WF_NTH_VALUE ? c->param : 1, heads = 0;
            for (int cj = 0; cj < op->u.window.n_calls; cj++) {
                const sl_win_call *o = &op->u.window.calls[cj];
                if (o->fn == SL_WF_NTH_VALUE && is_scan(o) && o->param > heads)
                    heads = o->param;
            }
            s->bv = sl_xcalloc((size_t)want + 1, sizeof *s->bv);
            s->br = sl_xcalloc((size_t)want + 1, sizeof *s->br);
            for (int64_t j = 0; fb && edge->beyond && j < edge->beyond->n_rows && s->nb < want;
                 j++) {
                s->bv[s->nb] = edge->beyond->cols[c->arg];
                s->br[s->nb++] = j;
            }
            for (int q = fb ? edge->part_q + 1 : me + 1; q < P && s->nb < want; q++) {
                int64_t nq = all[(int64_t)nf * q], hq = nq < heads ? nq : heads;
                if (nq == 0 || edge->from[q] == nq)
                    continue;
                for (int64_t j = 0; j < (hq > 0 ? hq : 1) && s->nb < want; j++) {
                    s->bv[s->nb] = ends[q]->cols[c->arg];
                    s->br[s->nb++] = hq > 0 ? 2 + op->u.window.n_calls * FG_NP + j : 0;
                }
            }
            continue;
        }
        if (!s->on || !(lag_agg(c, false) || lag_agg(c, true)))
            continue;
        if (!c->frame.rows) {
            /* RANGE: the chunk holds the kp (kn) rows within the offsets before (after) the
             * slice, all of the slices they came from but the farthest, whose rest is in
             * edge; the frame of the rows beyond is the slices that sent none */
            bool fwd = lag_agg(c, false);
            gacc *a = fwd ? &s->lag0 : &s->lead0;
            if (fwd)
                s->lag_h = kp;
            else
                s->lead_h = kn;
            for (int q = fwd ? 0 : me + 1; q < (fwd ? me : P); q++)
                if (edge->from[q] == 0)
                    merge_part(a, all, nf, q, ci, 0, ends[q], c);
            const sl_batch *fb = edge->fig[!fwd];
            if (fb) {
                const int64_t *m = &edge->num[!fwd][ci * FG_NA];
                gacc e = fig_get(m);
                if (c->arg >= 0 && fb->n_rows > ci) {
                    e.bv = fb->cols[c->arg];
                    e.brow = ci;
                }
                gacc_merge(a, &e, c->fn);
            }
            continue;
        }
        if (lag_agg(c, false)) {
            /* prev: rank q's last min(n_q, A) rows for each q < me, in order; the frame
             * wanted ends where the last lag_h of them start (global row at) */
            int64_t hp = prev->n_rows < A ? prev->n_rows : A, at = off - hp;
            const sl_vec *v = c->arg >= 0 ? prev->cols[c->arg] : NULL;
            s->lag_h = hp;
            for (int64_t q = 0, o = 0, pat = 0; q < me; q++) {
                int64_t nq = all[(int64_t)nf * q], tq = nq < A ? nq : A;
                if (o + nq <= at) {
                    merge_part(&s->lag0, all, nf, (int)q, ci, 0, ends[q], c);
                } else if (o < at && nq > 0) { /* in q's tail: its rows before it, then */
                    merge_part(&s->lag0, all, nf, (int)q, ci, 3, ends[q], c);
                    gacc_fold(&s->lag0, c->fn, v, pat, pat + (at - o) - (nq - tq));
                }
                o += nq;
                pat += tq;
            }
        } else {
            /* next: rank q's first min(n_q, B) rows for each q > me, in order */
            int64_t hn = next->n_rows < B ? next->n_rows : B, at = off + all[(int64_t)nf * me];
            int64_t from = at + hn; /* the wanted frame starts here */
            const sl_vec *v = c->arg >= 0 ? next->cols[c->arg] : NULL;
            s->lead_h = hn;
            for (int64_t q = me + 1, o = at, pat = 0; q < P; q++) {
                int64_t nq = all[(int64_t)nf * q], hq = nq < B ? nq : B;
                if (o >= from) {
                    merge_part(&s->lead0, all, nf, (int)q, ci, 0, ends[q], c);
                } else if (o + nq > from) { /* in q's head: the rest of it, then its rows after */
                    gacc_fold(&s->lead0, c->fn, v, pat + (from - o), pat + hq);
                    merge_part(&s->lead0, all, nf, (int)q, ci, 4, ends[q], c);
                }
                o += nq;
                pat += hq;
            }
        }
    }
}

static int finish_global(sl_exec *x, sl_pop *op, sl_err *err)
{
    win_state *st = op->state;
    const sl_pop *in = op->children[0];
    int P = x->size, me = x->rank;
    int64_t A = op->u.window.halo_prev, B = op->u.window.halo_next;
    if (sl_agree(x->comm, err)) {
        sl_batch_free(&st->cur);
        return sl_exec_finish_parent(x, op, err);
    }
    sl_batch *cur = st->cur ? st->cur : sl_batch_new(in->n_cols, in->types, 0);
    st->cur = NULL;
    int64_t n = cur->n_rows, nt = n < A ? n : A, nh = n < B ? n : B;
    int nc = op->u.window.n_calls, NF = fig_stride(op);
    int64_t *mine = sl_xcalloc((size_t)NF, sizeof *mine);
    sl_batch *my_ends = slice_figures(st, op, cur, mine, 0);
    /* tail, head, then the end rows */
    uint32_t *rows = sl_xcalloc((size_t)(nt + nh + my_ends->n_rows + 1), sizeof *rows);
    for (int64_t i = 0; i < nt; i++)
        rows[i] = (uint32_t)(n - nt + i);
    for (int64_t i = 0; i < nh; i++)
        rows[nt + i] = (uint32_t)i;
    sl_buf out;
    sl_buf_init(&out);
    sl_wire_write_rows(cur, rows, nt, &out);
    sl_wire_write_rows(cur, rows + nt, nh, &out);
    sl_wire_write(my_ends, &out);
    sl_batch_free(&my_ends);
    sl_free(rows);
    mine[1] = (int64_t)out.len;

    int64_t *all = sl_xcalloc((size_t)(NF * P), sizeof *all);
    int *counts = sl_xcalloc((size_t)P, sizeof *counts), *displs = sl_xcalloc((size_t)P,
                                                                               sizeof *displs);
    MPI_Allgather(mine, NF, MPI_INT64_T, all, NF, MPI_INT64_T, x->comm);
    sl_free(mine);
    int64_t total = 0;
    for (int q = 0; q < P; q++)
        total += all[NF * q + 1];
    int rc = 0;
    if (total > INT32_MAX) /* the halos are bounded (HALO_MAX rows a side) */
        rc = SL_ERR(err, SL_ERUNTIME, "window: %lld bytes of neighbouring rows exceed one "
                    "allgather", (long long)total);
    char *recv = sl_xmalloc((size_t)(rc ? 1 : total + 1));
    for (int q = 0, at = 0; q < P; q++) {
        counts[q] = rc ? 0 : (int)all[NF * q + 1];
        displs[q] = at;
        at += counts[q];
    }
    MPI_Allgatherv(out.data, rc ? 0 : (int)out.len, MPI_BYTE, recv, counts, displs, MPI_BYTE,
                   x->comm);
    sl_buf_free(&out);

    /* prev: the tails of the ranks before, in order (its last A rows are the ones needed);
     * next: the heads of the ranks after; ends[q]: rank q's end rows. */
    sl_batch *prev = sl_batch_new(in->n_cols, in->types, 0);
    sl_batch *next = sl_batch_new(in->n_cols, in->types, 0);
    sl_batch **ends = sl_xcalloc((size_t)P, sizeof *ends);
    for (int q = 0; q < P && !rc; q++) {
        const char *p = recv + displs[q];
        int64_t len = counts[q], used = 0, at = 0;
        sl_batch *tail = NULL, *head = NULL;
        if ((rc = sl_wire_read(p, len, &tail, &used, err)) == 0) {
            at += used;
            rc = sl_wire_read(p + at, len - at, &head, &used, err);
        }
        if (!rc) {
            at += used;
            rc = sl_wire_read(p + at, len - at, &ends[q], &used, err);
        }
        if (!rc && q < me)
            sl_batch_append(prev, tail);
        if (!rc && q > me)
            sl_batch_append(next, head);
        sl_batch_free(&tail);
        sl_batch_free(&head);
    }
    sl_free(recv);
    sl_free(counts);
    sl_free(displs);

    global_ctx g;
    gscan *scan = sl_xcalloc((size_t)nc + 1, sizeof *scan);
    if (!rc)
        slice_context(st, op, all, NF, ends, P, me, &g, scan);
    /* RANGE frames: the rows within their offsets, from the ranks they lie on */
    key_reach kr;
    sl_batch *kprev = NULL, *knext = NULL;
    key_edge edge = { sl_xcalloc((size_t)P, sizeof *edge.from), { NULL, NULL }, { NULL, NULL },
                      NULL, -1 };
    if (range_reach(st, op, &kr)) {
        int krc = key_halos(x, op, cur, all, NF, ends, &kr, rc != 0, &kprev, &knext, &edge,
                            err);
        rc = rc ? rc : krc;
    }
    /* both halos are the rows next to the slice: the longer one holds the other */
    int64_t h = prev->n_rows < A ? prev->n_rows : A, t = next->n_rows < B ? next->n_rows : B;
    sl_batch *hp = prev, *hn = next;
    if (kprev && kprev->n_rows > h) {
        hp = kprev;
        h = kprev->n_rows;
    }
    if (knext && knext->n_rows > t) {
        hn = knext;
        t = knext->n_rows;
    }
    g.h = h;
    sl_batch *chunk = cur; /* without rows before, the slice is not copied */
    if (h > 0) {
        chunk = sl_batch_new(in->n_cols, in->types, h + n + t);
        append_range(chunk, hp, hp->n_rows - h, hp->n_rows);
        append_range(chunk, cur, 0, n);
        sl_batch_free(&cur);
    }
    append_range(chunk, hn, 0, t);
    int64_t kp = kprev ? kprev->n_rows : 0, kn = knext ? knext->n_rows : 0;
    sl_batch_free(&kprev);
    sl_batch_free(&knext);
    if (!rc) {
        lag_frames(op, all, NF, ends, P, me, g.off, prev, next, &edge, kp, kn, scan);
        rc = emit_chunk(x, op, chunk, h, h + n, &g, err);
    } else {
        sl_batch_free(&chunk);
    }
    sl_free(edge.from);
    sl_batch_free(&edge.beyond);
    for (int ci = 0; ci < nc; ci++) {
        sl_free(scan[ci].bv);
        sl_free(scan[ci].br);
    }
    for (int side = 0; side < 2; side++) {
        sl_batch_free(&edge.fig[side]);
        sl_free(edge.num[side]);
    }
    /* lag_frames' figures may point into the halo rows */
    sl_batch_free(&prev);
    sl_batch_free(&next);
    sl_free(all);
    /* the scan figures point into the other ranks' rows until here */
    for (int q = 0; q < P; q++)
        sl_batch_free(&ends[q]);
    sl_free(ends);
    sl_free(scan);
    return sl_exec_finish_parent(x, op, err);
}

/* ---- a partition larger than the grant (spill) ---- */

/* Rows per record in the spill file: what the read-ahead holds beyond a slice. */
#define SPILL_PIECE 8192
/* Rows per slice of a spilled partition: what spill_finish holds (plus the halos). */
#define SPILL_SLICE_ROWS 16384

/* Moves the dense batch b (the next rows of the spilling partition; taken over) to disk as
 * slices of at most SPILL_SLICE_ROWS rows, keeping their figures and end rows; releases the
 * buffer's reservation. Local. */
static int spill_slice(win_state *st, const sl_pop *op, sl_batch *b, sl_err *err)
{
    int nf = fig_stride(op), rc = 0;
    for (int64_t from = 0; from < b->n_rows && !rc; from += SPILL_SLICE_ROWS) {
        int64_t to = from + SPILL_SLICE_ROWS < b->n_rows ? from + SPILL_SLICE_ROWS : b->n_rows;
        sl_batch *part = slice(b, from, to);
        if (st->n_slices == st->cap_slices) {
            st->cap_slices = st->cap_slices ? 2 * st->cap_slices : 16;
            st->figs = sl_xrealloc(st->figs, sizeof *st->figs * (size_t)st->cap_slices *
                                             (size_t)nf);
            st->ends = sl_xrealloc(st->ends, sizeof *st->ends * (size_t)st->cap_slices);
        }
        int s = st->n_slices++;
        int64_t before = 0; /* the slices before: their first rows hold nth_value's row */
        for (int q = 0; q < s; q++)
            before += st->figs[(int64_t)q * nf];
        st->ends[s] = slice_figures(st, op, part, &st->figs[(int64_t)s * nf], before);
        for (int64_t at = 0; at < part->n_rows && !rc; at += SPILL_PIECE)
            rc = sl_rowstore_append(st->spill, slice(part, at, at + SPILL_PIECE < part->n_rows
                                                                ? at + SPILL_PIECE
                                                                : part->n_rows), err);
        sl_batch_free(&part);
    }
    sl_batch_free(&st->spill_last);
    st->spill_last = slice(b, b->n_rows - 1, b->n_rows);
    sl_batch_free(&b);
    sl_budget_release(&st->ctx->budget, st->res);
    st->res = 0;
    return rc;
}

/*
 * Emits the spilled partition slice by slice, read back in order: each slice is placed in
 * the partition like a rank's slice of a global window (slice_context: row numbers, peers
 * across slices, the other slices' partial aggregates for running and to-the-end frames) and
 * sees the halo_prev rows before it (kept from the previous slice) and the halo_next rows
 * after it (read ahead). Holds a slice, its halos and one record read ahead. Local.
 */
static int spill_finish(sl_exec *x, sl_pop *op, sl_err *err)
{
    win_state *st = op->state;
    const sl_pop *in = op->children[0];
    int64_t A = op->u.window.halo_prev, B = op->u.window.halo_next, N = 0;
    int S = st->n_slices, nf = fig_stride(op), nc = op->u.window.n_calls, rc = 0;
    if (st->cur && st->cur->n_rows > 0) {
        sl_batch *b = st->cur;
        st->cur = NULL;
        rc = spill_slice(st, op, b, err);
        S = st->n_slices;
    }
    sl_batch_free(&st->cur);
    for (int s = 0; s < S; s++)
        N += st->figs[(int64_t)s * nf];
    sl_batch *prev = sl_batch_new(in->n_cols, in->types, 0);
    sl_batch *ahead = sl_batch_new(in->n_cols, in->types, 0);
    gscan *scan = sl_xcalloc((size_t)nc + 1, sizeof *scan);
    bool more = true;
    /* RANGE frames: the rows within their offsets of a slice's first / last key (slices'
     * first and last rows are among their end rows) */
    key_reach kr;
    bool keyed = range_reach(st, op, &kr);
    for (int s = 0; s < S && !rc; s++) {
        int64_t n = st->figs[(int64_t)s * nf];
        while (more && !rc &&
               (ahead->n_rows < n + B ||
                (keyed && in_reach(&kr, ahead, ahead->n_rows - 1, st->ends[s], 1, false)))) {
            sl_batch *r = NULL;
            rc = sl_rowstore_next(st->spill, &r, err);
            if (!rc && r) {
                sl_batch_append(ahead, r);
                sl_batch_free(&r);
            } else {
                more = false;
            }
        }
        if (rc)
            break;
        int64_t h = prev->n_rows < A ? prev->n_rows : A;
        int64_t t = ahead->n_rows - n < B ? ahead->n_rows - n : B;
        for (int64_t j = prev->n_rows - h - 1; keyed && j >= 0 &&
             in_reach(&kr, prev, j, st->ends[s], 0, true); j--)
            h++;
        for (int64_t j = n + t; keyed && j < ahead->n_rows &&
             in_reach(&kr, ahead, j, st->ends[s], 1, false); j++)
            t++;
        sl_batch *chunk = sl_batch_new(in->n_cols, in->types, h + n + t);
        append_range(chunk, prev, prev->n_rows - h, prev->n_rows);
        append_range(chunk, ahead, 0, n + t);
        global_ctx g;
        slice_context(st, op, st->figs, nf, st->ends, S, s, &g, scan);
        g.h = h;
        rc = emit_chunk(x, op, chunk, h, h + n, &g, err);
        /* the next slice's halo: the last A rows of prev + this slice, or more, those
         * within the RANGE offsets of its first key */
        int64_t keep = A, in_prev = prev->n_rows;
        for (int64_t j = n + in_prev - 1 - keep; keyed && s + 1 < S && j >= 0; j--) {
            const sl_batch *b = j >= in_prev ? ahead : prev;
            int64_t row = j >= in_prev ? j - in_prev : j;
            if (!in_reach(&kr, b, row, st->ends[s + 1], 0, true))
                break;
            keep++;
        }
        sl_batch *np = sl_batch_new(in->n_cols, in->types, 0);
        int64_t keep_prev = n >= keep ? 0 : (in_prev < keep - n ? in_prev : keep - n);
        append_range(np, prev, in_prev - keep_prev, in_prev);
        append_range(np, ahead, n - (n < keep ? n : keep), n);
        sl_batch *rest = sl_batch_new(in->n_cols, in->types, 0);
        append_range(rest, ahead, n, ahead->n_rows);
        sl_batch_free(&prev);
        sl_batch_free(&ahead);
        prev = np;
        ahead = rest;
    }
    if (!rc && getenv("SLUICE_WINDOW_TRACE"))
        fprintf(stderr, "window: a partition of %lld rows spilled in %d slices (%s, ...)\n",
                (long long)N, S, op->names ? op->names[in->n_cols] : "?");
    sl_batch_free(&prev);
    sl_batch_free(&ahead);
    sl_free(scan);
    for (int s = 0; s < S; s++)
        sl_batch_free(&st->ends[s]);
    st->n_slices = 0;
    sl_batch_free(&st->spill_last);
    sl_rowstore_free(&st->spill);
    return rc;
}

/* In spill mode: the rows continuing the spilling partition go to the pending slice (spilled
 * when the grant is reached); at the first row of another partition the spilled one is
 * emitted and the rest takes the usual path. Local. */
static int spill_push(sl_exec *x, sl_pop *op, sl_batch *in, sl_err *err)
{
    win_state *st = op->state;
    sl_batch *b = sl_batch_compact(in);
    sl_batch_free(&in);
    int64_t n = b->n_rows, end = n;
    for (int64_t i = 0; i < n; i++)
        if (i == 0 ? sl_row_cmp(&st->part, st->spill_last, 0, b, 0) != 0
                   : sl_row_cmp(&st->part, b, i - 1, b, i) != 0) {
            end = i;
            break;
        }
    int rc = 0;
    if (end > 0) {
        if (!st->cur)
            st->cur = sl_batch_new(b->n_cols, op->children[0]->types, 0);
        append_range(st->cur, b, 0, end);
        sl_batch_free(&st->spill_last);
        st->spill_last = slice(b, end - 1, end);
        int64_t bytes = sl_batch_bytes(st->cur);
        if (bytes > st->res) {
            if (sl_budget_reserve_upto(&st->ctx->budget, bytes - st->res, op->grant))
                st->res = bytes;
            else if (st->cur->n_rows >= SPILL_MIN_ROWS) {
                sl_batch *c = st->cur;
                st->cur = NULL;
                rc = spill_slice(st, op, c, err);
            }
        }
    }
    if (!rc && end < n) {
        rc = spill_finish(x, op, err);
        sl_batch *rest = slice(b, end, n);
        sl_batch_free(&b);
        if (rc) {
            sl_batch_free(&rest);
            return rc;
        }
        return window_push(x, op, 0, rest, err);
    }
    sl_batch_free(&b);
    return rc;
}

static int window_finish(sl_exec *x, sl_pop *op, int child, sl_err *err)
{
    win_state *st = op->state;
    if (op->u.window.global)
        return finish_global(x, op, err);
    if (st->spill && !err->code)
        spill_finish(x, op, err);
    if (!err->code && st->cur && st->cur->n_rows > 0)
        flush(x, op, st->cur->n_rows, err);
    sl_batch_free(&st->cur);
    return sl_exec_finish_parent(x, op, err);
}

static void window_close(sl_exec *x, sl_pop *op)
{
    win_state *st = op->state;
    if (!st)
        return;
    sl_batch_free(&st->cur);
    sl_batch_free(&st->last);
    for (int s = 0; s < st->n_slices; s++)
        sl_batch_free(&st->ends[s]);
    sl_free(st->ends);
    sl_free(st->figs);
    sl_batch_free(&st->spill_last);
    sl_rowstore_free(&st->spill);
    sl_budget_release(&st->ctx->budget, st->res);
    sl_free(st);
    op->state = NULL;
}

const sl_op_impl sl_op_window = {
    .open = window_open,
    .push = window_push,
    .finish = window_finish,
    .close = window_close,
};
