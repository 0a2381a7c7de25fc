/*
 * sl_sort_rows against a hand-checked small case and against an obviously-correct reference
 * (stable insertion sort over plain C structs, with its own comparator) on pseudo-random rows
 * spread over several batches, one with a selection vector. The strings use the bytes the
 * sort's normalized key prefix escapes or pads with (0x00, 0x01, 0xff) and lengths past the
 * 32-byte prefix, so a prefix that disagreed with the full order would show.
 */
#include "check.h"

#include "batch/rowcmp.h"
#include "core/mem.h"
#include "exec/sort.h"

#include <math.h>
#include <stdlib.h>

enum { C_A, C_S, C_D, C_B, C_ID, NCOLS };   /* BIGINT, VARCHAR, DOUBLE, BOOL, BIGINT id */

typedef struct {
    bool null[NCOLS];
    long long a;
    char s[48];
    int slen;
    double d;
    int b;
    long long id;
} ref_row;

static const sl_type types[NCOLS] = { SL_T_BIGINT, SL_T_VARCHAR, SL_T_DOUBLE, SL_T_BOOL,
                                      SL_T_BIGINT };

static unsigned lcg_state = 12345;
static unsigned lcg(void)
{
    lcg_state = lcg_state * 1103515245u + 12345u;
    return (lcg_state >> 16) & 0x7fff;
}

static void gen_row(ref_row *r, long long id)
{
    memset(r, 0, sizeof *r);
    r->id = id;
    r->null[C_A] = lcg() % 7 == 0;
    r->a = (long long)(lcg() % 9) - 4;
    r->null[C_S] = lcg() % 8 == 0;
    /* Strings from a tiny alphabet with common prefixes, short or longer than the prefix. */
    static const char alpha[] = { 0x00, 0x01, 'a', (char)0xff };
    int len = lcg() % 5 == 0 ? 30 + (int)(lcg() % 12) : (int)(lcg() % 4);
    for (int i = 0; i < len; i++)
        r->s[i] = i < 28 && len >= 30 ? 'a' : alpha[lcg() % 4];
    r->slen = len;
    r->null[C_D] = lcg() % 9 == 0;
    switch (lcg() % 6) {
    case 0: r->d = NAN; break;
    case 1: r->d = -0.0; break;
    case 2: r->d = 0.0; break;
    case 3: r->d = -1.5; break;
    case 4: r->d = INFINITY; break;
    default: r->d = 2.25; break;
    }
    r->null[C_B] = lcg() % 5 == 0;
    r->b = (int)(lcg() % 2);
}

static void push_row(sl_batch *bt, const ref_row *r)
{
    if (r->null[C_A]) sl_vec_push_null(bt->cols[C_A]); else sl_vec_push_i64(bt->cols[C_A], r->a);
    if (r->null[C_S]) sl_vec_push_null(bt->cols[C_S]);
    else sl_vec_push_str(bt->cols[C_S], r->s, r->slen);
    if (r->null[C_D]) sl_vec_push_null(bt->cols[C_D]); else sl_vec_push_f64(bt->cols[C_D], r->d);
    if (r->null[C_B]) sl_vec_push_null(bt->cols[C_B]); else sl_vec_push_i64(bt->cols[C_B], r->b);
    sl_vec_push_i64(bt->cols[C_ID], r->id);
    bt->n_rows++;
}

/* Reference comparator: a deliberately different formulation (ranks instead of differences). */
static int ref_val_cmp(const ref_row *x, const ref_row *y, int col)
{
    switch (col) {
    case C_A: return x->a < y->a ? -1 : x->a > y->a ? 1 : 0;
    case C_S: {
        /* Bytes as unsigned, then the shorter first. */
        for (int i = 0; i < x->slen && i < y->slen; i++)
            if (x->s[i] != y->s[i])
                return (unsigned char)x->s[i] < (unsigned char)y->s[i] ? -1 : 1;
        return x->slen < y->slen ? -1 : x->slen > y->slen;
    }
    case C_D: {
        /* NaN ranks above everything; -0.0 == 0.0. */
        double rx = isnan(x->d) ? INFINITY : x->d, ry = isnan(y->d) ? INFINITY : y->d;
        int nx = isnan(x->d), ny = isnan(y->d);
        if (nx || ny)
            return nx - ny ? (nx ? 1 : -1) : 0;
        return rx < ry ? -1 : rx > ry ? 1 : 0;
    }
    case C_B: return x->b - y->b;
    default: return x->id < y->id ? -1 : x->id > y->id;
    }
}

typedef struct {
    int n;
    int cols[3];
    bool desc[3], nf[3];
} keyspec;

static int ref_cmp(const ref_row *x, const ref_row *y, const keyspec *k)
{
    for (int i = 0; i < k->n; i++) {
        int col = k->cols[i];
        if (x->null[col] && y->null[col])
            continue;
        if (x->null[col])
            return k->nf[i] ? -1 : 1;
        if (y->null[col])
            return k->nf[i] ? 1 : -1;
        int c = ref_val_cmp(x, y, col);
        if (c)
            return k->desc[i] ? -c : c;
    }
    return 0;
}

static void ref_sort(ref_row *r, int n, const keyspec *k)
{
    for (int i = 1; i < n; i++) {
        ref_row x = r[i];
        int j = i;
        while (j > 0 && ref_cmp(&r[j - 1], &x, k) > 0) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = x;
    }
}

#define NROWS 700

/* Builds 3 batches holding rows[0..NROWS); batch 1 has a selection dropping every 3rd row.
 * Fills live[] with the live rows in input order; returns their count. */
static int build_input(sl_batchlist *l, const ref_row *rows, ref_row *live)
{
    sl_batchlist_init(l);
    int cuts[4] = { 0, 250, 520, NROWS }, nl = 0;
    for (int bi = 0; bi < 3; bi++) {
        sl_batch *bt = sl_batch_new(NCOLS, types, 16);
        for (int i = cuts[bi]; i < cuts[bi + 1]; i++)
            push_row(bt, &rows[i]);
        if (bi == 1) {
            uint32_t *sel = sl_xmalloc(sizeof *sel * (size_t)(cuts[2] - cuts[1]));
            int ns = 0;
            for (int i = cuts[1]; i < cuts[2]; i++)
                if (i % 3 != 0) {
                    sel[ns++] = (uint32_t)(i - cuts[1]);
                    live[nl++] = rows[i];
                }
            sl_batch_set_sel(bt, sel, ns);
        } else {
            for (int i = cuts[bi]; i < cuts[bi + 1]; i++)
                live[nl++] = rows[i];
        }
        sl_batchlist_push(l, bt);
    }
    return nl;
}

static void run_case(const ref_row *rows, const keyspec *k, int64_t offset, int64_t limit)
{
    static ref_row live[NROWS];
    sl_batchlist in;
    int n = build_input(&in, rows, live);
    ref_sort(live, n, k);
    int lo = offset < n ? (int)offset : n;
    int hi = (limit < 0 || lo + limit > n) ? n : lo + (int)limit;

    sl_batch *out = NULL;
    sl_err err;
    sl_err_clear(&err);
    CHECK_INT(sl_sort_rows(&in, k->n, k->cols, k->desc, k->nf, offset, limit, &out, &err), 0);
    CHECK_INT(in.n, 0);
    if (!out)
        return;
    CHECK_INT(out->n_rows, hi - lo);
    CHECK(out->sel == NULL);
    int bad = 0;
    for (int i = lo; i < hi && i - lo < out->n_rows; i++) {
        int64_t r = i - lo;
        const ref_row *e = &live[i];
        if (out->cols[C_ID]->d.i64[r] != e->id)
            bad++;
        /* The payload travelled with the id. */
        if (sl_vec_valid(out->cols[C_S], r) == e->null[C_S])
            bad++;
        else if (!e->null[C_S]) {
            int64_t len;
            const char *p = sl_vec_str(out->cols[C_S], r, &len);
            if (len != e->slen || (len && memcmp(p, e->s, (size_t)len) != 0))
                bad++;
        }
        if (sl_vec_valid(out->cols[C_D], r) == e->null[C_D])
            bad++;
    }
    if (bad)
        fprintf(stderr, "case keys=%d first col %d: %d mismatching rows\n", k->n, k->cols[0],
                bad);
    CHECK_INT(bad, 0);
    sl_batch_free(&out);
}

/* A hand-checked case: strings with common prefixes, NULLs last, stable on ties. */
static void hand_case(void)
{
    sl_type t[2] = { SL_T_VARCHAR, SL_T_BIGINT };
    sl_batch *b = sl_batch_new(2, t, 8);
    const char *s[] = { "b", "ab", NULL, "a", "abc", "", "ab", "a" };
    for (int i = 0; i < 8; i++) {
        if (s[i]) sl_vec_push_str(b->cols[0], s[i], (int64_t)strlen(s[i]));
        else sl_vec_push_null(b->cols[0]);
        sl_vec_push_i64(b->cols[1], i);
    }
    b->n_rows = 8;
    sl_batchlist l;
    sl_batchlist_init(&l);
    sl_batchlist_push(&l, b);
    int key = 0;
    bool desc = false, nf = false;
    sl_batch *out = NULL;
    sl_err err;
    sl_err_clear(&err);
    CHECK_INT(sl_sort_rows(&l, 1, &key, &desc, &nf, 0, -1, &out, &err), 0);
    /* "" < "a"(3) < "a"(7) < "ab"(1) < "ab"(6) < "abc" < "b" < NULL */
    const long long want[] = { 5, 3, 7, 1, 6, 4, 0, 2 };
    CHECK_INT(out->n_rows, 8);
    for (int i = 0; i < 8; i++)
        CHECK_INT(out->cols[1]->d.i64[i], want[i]);
    CHECK(!sl_vec_valid(out->cols[0], 7));
    sl_batch_free(&out);

    /* DESC NULLS FIRST, OFFSET 1 LIMIT 3 over the same data. */
    b = sl_batch_new(2, t, 8);
    for (int i = 0; i < 8; i++) {
        if (s[i]) sl_vec_push_str(b->cols[0], s[i], (int64_t)strlen(s[i]));
        else sl_vec_push_null(b->cols[0]);
        sl_vec_push_i64(b->cols[1], i);
    }
    b->n_rows = 8;
    sl_batchlist_push(&l, b);
    desc = true;
    nf = true;
    CHECK_INT(sl_sort_rows(&l, 1, &key, &desc, &nf, 1, 3, &out, &err), 0);
    /* NULL(2), "b"(0), "abc"(4), "ab"(1), "ab"(6), ... -> rows 1..3 */
    const long long want2[] = { 0, 4, 1 };
    CHECK_INT(out->n_rows, 3);
    for (int i = 0; i < 3; i++)
        CHECK_INT(out->cols[1]->d.i64[i], want2[i]);
    sl_batch_free(&out);

    /* Doubles: NaN is largest, NULL last by default. */
    sl_type td[2] = { SL_T_DOUBLE, SL_T_BIGINT };
    b = sl_batch_new(2, td, 8);
    double dv[] = { 1.0, NAN, -INFINITY, 0.5, NAN, 3.0 };
    for (int i = 0; i < 6; i++) {
        sl_vec_push_f64(b->cols[0], dv[i]);
        sl_vec_push_i64(b->cols[1], i);
    }
    sl_vec_push_null(b->cols[0]);
    sl_vec_push_i64(b->cols[1], 6);
    b->n_rows = 7;
    sl_batchlist_push(&l, b);
    desc = false;
    nf = false;
    CHECK_INT(sl_sort_rows(&l, 1, &key, &desc, &nf, 0, -1, &out, &err), 0);
    const long long want3[] = { 2, 3, 0, 5, 1, 4, 6 };
    for (int i = 0; i < 7; i++)
        CHECK_INT(out->cols[1]->d.i64[i], want3[i]);
    sl_batch_free(&out);

    /* An empty list: nothing to sort, no batch. */
    CHECK_INT(sl_sort_rows(&l, 1, &key, &desc, &nf, 0, -1, &out, &err), 0);
    CHECK(out == NULL);
}

/* The engine's own sorts (ORDER BY, windows) break ties on every column in order, ascending,
 * NULLs last (rowcmp.h tie_all); the key prefix runs on into those columns and two prefixes
 * that hold everything and are equal skip the comparison in full (rowcmp.c make_prefix). */
static int ref_cmp_all(const ref_row *x, const ref_row *y, const keyspec *k)
{
    int c = ref_cmp(x, y, k);
    for (int col = 0; col < NCOLS && c == 0; col++) {
        if (x->null[col] || y->null[col])
            c = x->null[col] == y->null[col] ? 0 : x->null[col] ? 1 : -1;
        else
            c = ref_val_cmp(x, y, col);
    }
    return c;
}

static void tie_all_case(const ref_row *rows, const keyspec *k)
{
    static ref_row live[NROWS];
    sl_batchlist in;
    int n = build_input(&in, rows, live);
    for (int i = 1; i < n; i++) { /* the reference: insertion sort */
        ref_row x = live[i];
        int j = i;
        for (; j > 0 && ref_cmp_all(&live[j - 1], &x, k) > 0; j--)
            live[j] = live[j - 1];
        live[j] = x;
    }
    int64_t *refs = sl_xmalloc(sizeof *refs * (size_t)n), m = 0;
    for (int bi = 0; bi < in.n; bi++)
        for (int64_t r = 0; r < sl_batch_live(in.b[bi]); r++)
            refs[m++] = SL_ROW_REF(bi, sl_batch_row(in.b[bi], r));
    sl_rowcmp c = { k->n, k->cols, k->desc, k->nf, true };
    sl_row_sort(&c, in.b, refs, m);
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += in.b[SL_REF_BATCH(refs[i])]->cols[C_ID]->d.i64[SL_REF_ROW(refs[i])] != live[i].id;
    CHECK_INT(bad, 0);
    sl_free(refs);
    sl_batchlist_free(&in);
}

int main(void)
{
    static ref_row rows[NROWS];
    for (int i = 0; i < NROWS; i++)
        gen_row(&rows[i], i);

    hand_case();

    keyspec ks[] = {
        { 2, { C_A, C_S }, { false, true }, { false, true } },
        { 1, { C_S }, { false }, { true } },
        { 2, { C_D, C_A }, { true, false }, { false, true } },
        { 1, { C_B }, { false }, { false } },           /* few distinct keys: stability */
        { 1, { C_B }, { true }, { true } },
        { 3, { C_S, C_D, C_B }, { true, false, true }, { false, false, true } },
        { 0, { 0 }, { false }, { false } },             /* no key: input order */
    };
    int nks = (int)(sizeof ks / sizeof ks[0]);
    for (int i = 0; i < nks; i++) {
        run_case(rows, &ks[i], 0, -1);
        run_case(rows, &ks[i], 5, 10);
        run_case(rows, &ks[i], 600, 100);   /* runs past the end */
        run_case(rows, &ks[i], 0, 0);
    }
    run_case(rows, &ks[0], 2000, -1);       /* offset past the end */
    for (int i = 0; i < nks; i++)
        tie_all_case(rows, &ks[i]);
    /* rows equal on every column but the id: full prefixes that stop short of the id */
    for (int i = 0; i < NROWS; i++) {
        rows[i].null[C_S] = rows[i].null[C_D] = false;
        rows[i].slen = 0;
        rows[i].d = 1.0;
    }
    for (int i = 0; i < nks; i++)
        tie_all_case(rows, &ks[i]);
    return CHECK_DONE();
}
