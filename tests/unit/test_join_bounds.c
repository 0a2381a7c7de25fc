/*
 * Unit tests of a hash join's band terms (src/exec/join_bounds.c): for random residuals of
 * comparisons and BETWEENs between probe and build columns (BIGINT with the extremes, DOUBLE
 * with NaN, -0.0, infinities; NULLs everywhere), the pairs the terms let through (a bucket
 * narrowed by two binary searches, the other terms checked per entry) must be exactly the pairs
 * for which sl_filter, the engine's comparison kernels, finds the residual true. Also: which
 * conjuncts become terms and what is left, and that a failing side expression turns the terms
 * off instead of failing. Plain program, no MPI.
 */
#include "check.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "batch/rowcmp.h"
#include "core/mem.h"
#include "exec/join_bounds.h"
#include "func/func.h"

#define N_PROBE 120
#define N_BUILD 90  /* per build batch; two batches */
#define N_TAGS 3

/* pair columns: probe i, probe d, build i, build d */
static const sl_type PAIR_TYPES[4] = { SL_T_BIGINT, SL_T_DOUBLE, SL_T_BIGINT, SL_T_DOUBLE };

static sl_expr *col(int c)
{
    static const char *names[4] = { "p.i", "p.d", "b.i", "b.d" };
    return sl_expr_col(c, PAIR_TYPES[c], names[c]);
}

static sl_expr *cint(int64_t x)
{
    sl_value v = { .type = SL_T_BIGINT, .v.i = x };
    return sl_expr_const(&v, "k");
}

static sl_expr *bind(const char *name, int n, ...)
{
    sl_expr *args[3];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        args[i] = va_arg(ap, sl_expr *);
    va_end(ap);
    sl_err err = { 0 };
    sl_expr *out = NULL;
    if (sl_func_bind(name, args, n, name, &out, &err)) {
        fprintf(stderr, "bind %s: %s\n", name, err.msg);
        exit(1);
    }
    return out;
}

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
    return check_xs64(&rng_state);
}

static int64_t rand_int(void)
{
    static const int64_t edge[] = { INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MAX - 1, 0, -1 };
    uint64_t r = rnd() % 16;
    return r == 0 ? edge[rnd() % 6] : (int64_t)(rnd() % 41) - 20;
}

static double rand_dbl(void)
{
    static const double edge[] = { NAN, -0.0, 0.0, INFINITY, -INFINITY, 1e300, -1e-300 };
    uint64_t r = rnd() % 10;
    return r == 0 ? edge[rnd() % 7] : (double)((int64_t)(rnd() % 41) - 20) / 2;
}

/* A batch of n rows [i BIGINT, d DOUBLE], 10 % NULLs. */
static sl_batch *make_side(int64_t n)
{
    sl_type t[2] = { SL_T_BIGINT, SL_T_DOUBLE };
    sl_batch *b = sl_batch_new(2, t, n);
    for (int64_t r = 0; r < n; r++) {
        if (rnd() % 10 == 0)
            sl_vec_push_null(b->cols[0]);
        else
            sl_vec_push_i64(b->cols[0], rand_int());
        if (rnd() % 10 == 0)
            sl_vec_push_null(b->cols[1]);
        else
            sl_vec_push_f64(b->cols[1], rand_dbl());
    }
    b->n_rows = n;
    return b;
}

/* One random conjunct between a probe column and a build column of one type. */
static sl_expr *rand_conjunct(void)
{
    static const char *ops[] = { "<", "<=", ">", ">=", "=" };
    int c = (int)(rnd() % 2); /* 0: BIGINT, 1: DOUBLE */
    sl_expr *p = col(c), *b = col(2 + c);
    if (rnd() % 4 == 0) { /* x BETWEEN lo AND hi, x of either side */
        bool probe_x = rnd() % 2;
        sl_expr *x = probe_x ? p : b, *lo = probe_x ? b : p;
        /* DOUBLEs: a range 2.5 wide; BIGINTs: lo itself (lo + k would overflow at the
         * edge values, which test_failing_side covers) */
        sl_expr *hi = sl_expr_copy(lo);
        if (c == 1) {
            sl_value v = { .type = SL_T_DOUBLE, .v.d = 2.5 };
            hi = bind("+", 2, hi, sl_expr_const(&v, "2.5"));
        }
        return bind("BETWEEN", 3, x, lo, hi);
    }
    const char *op = ops[rnd() % 5];
    return rnd() % 2 ? bind(op, 2, p, b) : bind(op, 2, b, p);
}

static sl_expr *rand_residual(int n)
{
    sl_expr *e = rand_conjunct();
    for (int i = 1; i < n; i++)
        e = bind("AND", 2, e, rand_conjunct());
    return e;
}

/* The table: entries of both build batches (tags 0..N_TAGS-1 at random), in buckets by tag %
 * buckets, as op_hash_join.c's build_table groups them. */
typedef struct table {
    sl_batch *bs[2];
    int64_t first[2];
    sl_join_ent ent[2 * N_BUILD];
    int64_t dir[N_TAGS + 1];
    uint64_t buckets;
    uint64_t tag[2 * N_BUILD]; /* by build row */
} table;

static void make_table(table *t, uint64_t buckets)
{
    t->bs[0] = make_side(N_BUILD);
    t->bs[1] = make_side(N_BUILD);
    t->first[0] = 0;
    t->first[1] = N_BUILD;
    t->buckets = buckets;
    memset(t->dir, 0, sizeof t->dir);
    for (int64_t i = 0; i < 2 * N_BUILD; i++) {
        t->tag[i] = rnd() % N_TAGS;
        t->dir[t->tag[i] % buckets + 1]++;
    }
    for (uint64_t s = 0; s < buckets; s++)
        t->dir[s + 1] += t->dir[s];
    int64_t fill[N_TAGS + 1];
    memcpy(fill, t->dir, sizeof fill);
    for (int64_t i = 0; i < 2 * N_BUILD; i++)
        t->ent[fill[t->tag[i] % buckets]++] = (sl_join_ent){ t->tag[i],
                                                             SL_ROW_REF(i / N_BUILD, i % N_BUILD) };
}

/* Which (probe row, build row) pairs with equal tags the residual is true for, by the
 * engine's kernels: want[r * 2 N_BUILD + build row]. */
static void brute_force(const sl_expr *res, const sl_batch *pb, const uint64_t *ptag,
                        const table *t, uint8_t *want)
{
    int64_t n = (int64_t)N_PROBE * 2 * N_BUILD;
    sl_batch *pairs = sl_batch_new(4, PAIR_TYPES, n);
    for (int64_t r = 0; r < N_PROBE; r++)
        for (int64_t i = 0; i < 2 * N_BUILD; i++)
            for (int c = 0; c < 4; c++) {
                const sl_batch *src = c < 2 ? pb : t->bs[i / N_BUILD];
                sl_vec_push_from(pairs->cols[c], src->cols[c % 2], c < 2 ? r : i % N_BUILD);
            }
    pairs->n_rows = n;
    sl_err err = { 0 };
    CHECK_INT(sl_filter(res, pairs, &err), 0);
    memset(want, 0, (size_t)n);
    for (int64_t k = 0; k < sl_batch_live(pairs); k++) {
        int64_t p = sl_batch_row(pairs, k);
        want[p] = ptag[p / (2 * N_BUILD)] == t->tag[p % (2 * N_BUILD)];
    }
    sl_batch_free(&pairs);
}

/* One random residual of all-term conjuncts: the terms' pairs equal the kernels'. */
static void test_random_residual(int round)
{
    int n_conj = 1 + (int)(rnd() % 3);
    sl_expr *res = rand_residual(n_conj), *rest = NULL;
    sl_jbounds *jb = sl_jbounds_make(res, 2, &rest);
    CHECK(jb != NULL);
    CHECK(rest == NULL);
    if (!jb) {
        sl_expr_free(&res);
        return;
    }
    table t;
    make_table(&t, 1 + rnd() % N_TAGS);
    sl_batch *pb = make_side(N_PROBE);
    uint64_t ptag[N_PROBE];
    for (int r = 0; r < N_PROBE; r++)
        ptag[r] = rnd() % N_TAGS;
    CHECK(sl_jbounds_build(jb, t.bs, 2, t.first, 2 * N_BUILD, t.ent, t.dir, t.buckets));
    CHECK(sl_jbounds_probe(jb, pb));
    uint8_t *want = sl_xmalloc((size_t)N_PROBE * 2 * N_BUILD), *got = sl_xcalloc(
        (size_t)N_PROBE * 2 * N_BUILD, 1);
    brute_force(res, pb, ptag, &t, want);
    for (int64_t r = 0; r < N_PROBE; r++) {
        uint64_t s = ptag[r] % t.buckets;
        int64_t j0 = t.dir[s], j1 = t.dir[s + 1];
        if (!sl_jbounds_narrow(jb, r, ptag[r], t.ent, &j0, &j1))
            continue;
        /* every entry sl_jbounds_pass takes is one sl_jbounds_next stops at (blocks skipped
         * whole hold none): got counts 1 for the first, 2 for the second */
        for (int64_t j = j0; j < j1; j++) {
            CHECK_INT(t.ent[j].tag, ptag[r]);
            int64_t ref = t.ent[j].ref;
            got[r * 2 * N_BUILD + SL_REF_BATCH(ref) * N_BUILD + SL_REF_ROW(ref)] +=
                sl_jbounds_pass(jb, r, j);
        }
        for (int64_t j = sl_jbounds_next(jb, r, j0, j1); j < j1;
             j = sl_jbounds_next(jb, r, j + 1, j1)) {
            int64_t ref = t.ent[j].ref;
            got[r * 2 * N_BUILD + SL_REF_BATCH(ref) * N_BUILD + SL_REF_ROW(ref)] += 1;
        }
    }
    int64_t diff = 0, pass = 0;
    for (int64_t p = 0; p < (int64_t)N_PROBE * 2 * N_BUILD; p++) {
        diff += got[p] != 2 * want[p];
        pass += want[p];
    }
    if (diff)
        fprintf(stderr, "round %d: %s: %lld pairs differ (%lld true)\n", round, res->text,
                (long long)diff, (long long)pass);
    CHECK_INT(diff, 0);
    sl_free(want);
    sl_free(got);
    sl_batch_free(&pb);
    sl_batch_free(&t.bs[0]);
    sl_batch_free(&t.bs[1]);
    sl_jbounds_free(&jb);
    sl_expr_free(&res);
}

/* Which conjuncts are terms: one side against the other, of an ordered 8-byte type. */
static void test_split(void)
{
    sl_expr *rest = NULL;
    /* p.i + b.i > 3 reads both sides in one operand; p.i <> b.i is no range; p.i > 3 one
     * side only: none is a term */
    sl_expr *none = bind("AND", 2, bind(">", 2, bind("+", 2, col(0), col(2)), cint(3)),
                         bind("AND", 2, bind("<>", 2, col(0), col(2)), bind(">", 2, col(0),
                                                                            cint(3))));
    CHECK(sl_jbounds_make(none, 2, &rest) == NULL);
    CHECK(rest == NULL);
    /* two terms and one other conjunct: the rest is that conjunct alone */
    sl_expr *mixed = bind("AND", 2, bind("<", 2, col(0), col(2)),
                          bind("AND", 2, bind("<>", 2, col(1), col(3)),
                               bind("BETWEEN", 3, col(3), col(1), col(1))));
    sl_jbounds *jb = sl_jbounds_make(mixed, 2, &rest);
    CHECK(jb != NULL && jb->n == 3);
    CHECK(rest != NULL && rest->kind == SL_E_CALL && rest->fn == SL_FN_NE);
    CHECK_INT(sl_jbounds_row_bytes(jb), 3 * 8 + 1);
    /* build OP probe is turned around: b.d BETWEEN p.d AND p.d is p.d <= b.d, p.d >= b.d */
    CHECK(jb && jb->t[0].op == SL_FN_LT && jb->t[1].op == SL_FN_LE && jb->t[2].op == SL_FN_GE);
    CHECK(jb && !jb->t[0].dbl && jb->t[1].dbl);
    /* a build expression's columns are the build batch's: pair column 3 is its column 1 */
    CHECK(jb && jb->t[1].build->kind == SL_E_COL && jb->t[1].build->col == 1);
    sl_jbounds_free(&jb);
    sl_expr_free(&rest);
    sl_expr_free(&none);
    sl_expr_free(&mixed);
}

/* A side expression that fails turns the terms off (the whole residual then decides pair by
 * pair, failing only where a pair reaches the failing value). */
static void test_failing_side(void)
{
    table t;
    make_table(&t, 1);
    sl_batch *pb = make_side(N_PROBE);
    /* the edge values overflow i + INT64_MAX on both sides */
    sl_expr *bres = bind("<", 2, col(0), bind("+", 2, col(2), cint(INT64_MAX))), *rest = NULL;
    sl_jbounds *jb = sl_jbounds_make(bres, 2, &rest);
    CHECK(jb != NULL);
    CHECK(!sl_jbounds_build(jb, t.bs, 2, t.first, 2 * N_BUILD, t.ent, t.dir, t.buckets));
    CHECK(!jb->built && jb->bval == NULL);
    sl_jbounds_free(&jb);
    sl_expr *pres = bind("<", 2, bind("+", 2, col(0), cint(INT64_MAX)), col(2));
    jb = sl_jbounds_make(pres, 2, &rest);
    CHECK(sl_jbounds_build(jb, t.bs, 2, t.first, 2 * N_BUILD, t.ent, t.dir, t.buckets));
    CHECK(!sl_jbounds_probe(jb, pb));
    sl_jbounds_free(&jb);
    sl_expr_free(&bres);
    sl_expr_free(&pres);
    sl_batch_free(&pb);
    sl_batch_free(&t.bs[0]);
    sl_batch_free(&t.bs[1]);
}

int main(void)
{
    test_split();
    test_failing_side();
    for (int round = 0; round < 300; round++)
        test_random_residual(round);
    return CHECK_DONE();
}
