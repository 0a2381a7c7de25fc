/*
 * DuckDB's list order (batch/list_order.h) against a reference written from DuckDB's rule
 * (element by element, a NULL element above every value, the shorter list first; DOUBLE
 * elements with -0.0 = 0.0 and NaN equal and greatest; VARCHAR bytewise) over C arrays, on
 * pseudo-random lists, plus DuckDB's own ORDER BY of a hand-picked set (copied from DuckDB
 * 1.5). Checks that sl_list_cmp, the memcmp order of sl_list_key (whole, DESC, and cut to a
 * prefix as rowcmp's normalized keys cut it), the hash, and sl_sort_rows on a LIST column all
 * agree with the reference. Strings use 0x00, 0x01 and 0xff and run past 32 bytes.
 */
#include "check.h"

#include "batch/list.h"
#include "batch/list_order.h"
#include "core/mem.h"
#include "exec/sort.h"

#include <math.h>
#include <stdlib.h>

#define MAXE 5

typedef struct {
    int n;
    bool null[MAXE];
    long long i[MAXE];
    double d[MAXE];
    char s[MAXE][40];
    int slen[MAXE];
} ref_list;

static unsigned lcg_state = 4242;
static unsigned lcg(void)
{
    lcg_state = lcg_state * 1103515245u + 12345u;
    return (lcg_state >> 16) & 0x7fff;
}

static void gen(ref_list *r)
{
    static const double ds[] = { 0.0, -0.0, 1.5, -2.0, INFINITY, -INFINITY };
    static const char alpha[] = { 'a', 'b', 0, 1, (char)0xff };
    memset(r, 0, sizeof *r);
    r->n = (int)(lcg() % (MAXE + 1));
    for (int k = 0; k < r->n; k++) {
        r->null[k] = lcg() % 5 == 0;
        r->i[k] = (long long)(lcg() % 3) - 1;
        r->d[k] = lcg() % 7 == 0 ? (lcg() % 2 ? NAN : -NAN) : ds[lcg() % 6];
        r->slen[k] = lcg() % 4 == 0 ? 33 + (int)(lcg() % 6) : (int)(lcg() % 3);
        for (int j = 0; j < r->slen[k]; j++)
            r->s[k][j] = j < 30 ? 'p' : alpha[lcg() % 5];
        if (r->slen[k] < 30)
            for (int j = 0; j < r->slen[k]; j++)
                r->s[k][j] = alpha[lcg() % 5];
    }
}

static int sgn(long long x) { return (x > 0) - (x < 0); }

static int ref_elem(sl_type el, const ref_list *a, const ref_list *b, int k)
{
    if (el == SL_T_BIGINT)
        return sgn(a->i[k] - b->i[k]);
    if (el == SL_T_DOUBLE) {
        double x = a->d[k], y = b->d[k];
        if (isnan(x) || isnan(y))
            return (int)isnan(x) - (int)isnan(y);
        return (x > y) - (x < y);
    }
    int m = a->slen[k] < b->slen[k] ? a->slen[k] : b->slen[k];
    for (int j = 0; j < m; j++)
        if (a->s[k][j] != b->s[k][j])
            return (unsigned char)a->s[k][j] < (unsigned char)b->s[k][j] ? -1 : 1;
    return sgn(a->slen[k] - b->slen[k]);
}

/* DuckDB's rule, directly. */
static int ref_cmp(sl_type el, const ref_list *a, const ref_list *b)
{
    for (int k = 0; k < a->n && k < b->n; k++) {
        if (a->null[k] || b->null[k]) {
            if (a->null[k] != b->null[k])
                return a->null[k] ? 1 : -1;
            continue;
        }
        int c = ref_elem(el, a, b, k);
        if (c)
            return c;
    }
    return sgn(a->n - b->n);
}

static void encode(sl_buf *out, sl_type el, const ref_list *r)
{
    sl_buf_reset(out);
    for (int k = 0; k < r->n; k++) {
        sl_value v = { .type = el, .is_null = r->null[k] };
        if (el == SL_T_BIGINT)
            v.v.i = r->i[k];
        else if (el == SL_T_DOUBLE)
            v.v.d = r->d[k];
        else
            v.v.s.p = r->s[k], v.v.s.len = r->slen[k];
        sl_list_put(out, el, &v);
    }
}

static int key_cmp(const sl_buf *a, const sl_buf *b)
{
    int64_t m = a->len < b->len ? a->len : b->len;
    int c = m ? memcmp(a->data, b->data, (size_t)m) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return sgn(a->len - b->len);
}

static void test_random(sl_type el)
{
    sl_type lt = sl_list_type(el);
    enum { N = 300 };
    ref_list *r = sl_xmalloc(sizeof *r * N);
    sl_buf enc[N], key[N], dkey[N], cut[N];
    for (int i = 0; i < N; i++) {
        gen(&r[i]);
        sl_buf_init(&enc[i]);
        sl_buf_init(&key[i]);
        sl_buf_init(&dkey[i]);
        sl_buf_init(&cut[i]);
        encode(&enc[i], el, &r[i]);
        sl_list_key(&key[i], lt, enc[i].data, enc[i].len, false, -1);
        sl_list_key(&dkey[i], lt, enc[i].data, enc[i].len, true, -1);
        sl_list_key(&cut[i], lt, enc[i].data, enc[i].len, false, 1 + i % 20);
    }
    int bad_cmp = 0, bad_key = 0, bad_desc = 0, bad_cut = 0, bad_hash = 0, eq = 0;
    int bad_into = 0;
    for (int i = 0; i < N; i++) { /* the allocation-free form: the same first bytes */
        unsigned char fx[24];
        int64_t m = 1 + i % 20, got = sl_list_key_into(fx, m, lt, enc[i].data, enc[i].len, false);
        bad_into += got != cut[i].len || memcmp(fx, cut[i].data, (size_t)got) != 0;
    }
    CHECK_INT(bad_into, 0);
    for (int i = 0; i < N; i++) {
        CHECK(cut[i].len <= 1 + i % 20);
        for (int j = 0; j < N; j++) {
            int want = ref_cmp(el, &r[i], &r[j]);
            eq += want == 0;
            bad_cmp += sl_list_cmp(lt, enc[i].data, enc[i].len, enc[j].data, enc[j].len) != want;
            bad_key += key_cmp(&key[i], &key[j]) != want;
            bad_desc += key_cmp(&dkey[i], &dkey[j]) != -want;
            /* a cut key never contradicts the order (rowcmp then compares in full) */
            int c = key_cmp(&cut[i], &cut[j]);
            int64_t m = cut[i].len < cut[j].len ? cut[i].len : cut[j].len;
            bool strict = c != 0 && memcmp(cut[i].data, cut[j].data, (size_t)m) != 0;
            bad_cut += strict && c != want;
            if (want == 0)
                bad_hash += sl_list_hash(lt, enc[i].data, enc[i].len) !=
                            sl_list_hash(lt, enc[j].data, enc[j].len);
        }
    }
    CHECK_INT(bad_cmp, 0);
    CHECK_INT(bad_key, 0);
    CHECK_INT(bad_desc, 0);
    CHECK_INT(bad_cut, 0);
    CHECK_INT(bad_hash, 0);
    CHECK(eq > N); /* ties beyond the diagonal were tried */

    /* sl_sort_rows on a LIST column (rowcmp's prefix and full compare), stable by id */
    sl_type types[2] = { lt, SL_T_BIGINT };
    sl_batchlist in;
    sl_batchlist_init(&in);
    int of_seq[N], seq = 0; /* input position -> list; ties keep the input order */
    for (int part = 0; part < 3; part++) {
        sl_batch *b = sl_batch_new(2, types, N);
        for (int i = part; i < N; i += 3) {
            sl_vec_push_str(b->cols[0], enc[i].data ? enc[i].data : "", enc[i].len);
            sl_vec_push_i64(b->cols[1], seq);
            of_seq[seq++] = i;
            b->n_rows++;
        }
        sl_batchlist_push(&in, b);
    }
    int kc = 0;
    bool desc = false, nf = false;
    sl_batch *out = NULL;
    sl_err err = {0};
    CHECK_INT(sl_sort_rows(&in, 1, &kc, &desc, &nf, 0, -1, &out, &err), 0);
    CHECK_INT(out->n_rows, N);
    int bad_sort = 0;
    for (int64_t k = 1; k < out->n_rows; k++) {
        const ref_list *p = &r[of_seq[out->cols[1]->d.i64[k - 1]]];
        const ref_list *q = &r[of_seq[out->cols[1]->d.i64[k]]];
        int c = ref_cmp(el, p, q);
        bad_sort += c > 0 || (c == 0 && out->cols[1]->d.i64[k - 1] > out->cols[1]->d.i64[k]);
    }
    CHECK_INT(bad_sort, 0);
    sl_batch_free(&out);
    for (int i = 0; i < N; i++) {
        sl_buf_free(&enc[i]);
        sl_buf_free(&key[i]);
        sl_buf_free(&dkey[i]);
        sl_buf_free(&cut[i]);
    }
    sl_free(r);
}

/* DuckDB 1.5: SELECT l FROM (VALUES ([1,2]), ([1]), ([]), ([NULL]), ([1,NULL]), ([NULL,1]),
 * ([0]), ([2])) t(l) ORDER BY l  gives  [], [0], [1], [1, 2], [1, NULL], [2], [NULL], [NULL, 1] */
static void test_duckdb_order(void)
{
    ref_list l[8];
    memset(l, 0, sizeof l);
    l[1] = (ref_list){ .n = 1, .i = { 0 } };
    l[2] = (ref_list){ .n = 1, .i = { 1 } };
    l[3] = (ref_list){ .n = 2, .i = { 1, 2 } };
    l[4] = (ref_list){ .n = 2, .i = { 1 }, .null = { false, true } };
    l[5] = (ref_list){ .n = 1, .i = { 2 } };
    l[6] = (ref_list){ .n = 1, .null = { true } };
    l[7] = (ref_list){ .n = 2, .i = { 0, 1 }, .null = { true, false } };
    sl_buf a, b;
    sl_buf_init(&a);
    sl_buf_init(&b);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++) {
            encode(&a, SL_T_BIGINT, &l[i]);
            encode(&b, SL_T_BIGINT, &l[j]);
            int c = sl_list_cmp(SL_T_LIST_BIGINT, a.data, a.len, b.data, b.len);
            CHECK_INT(c, sgn(i - j));
        }
    sl_buf_free(&a);
    sl_buf_free(&b);
}

int main(void)
{
    test_duckdb_order();
    test_random(SL_T_BIGINT);
    test_random(SL_T_DOUBLE);
    test_random(SL_T_VARCHAR);
    return CHECK_DONE();
}
