/* Columnar vectors and batches; see batch.h. Local. */
#include "batch/batch.h"
#include "core/mem.h"

#include <assert.h>
#include <string.h>

static int64_t words(int64_t cap) { return (cap + 63) / 64; }

sl_vblock *sl_vblock_new(int64_t bytes)
{
    sl_vblock *blk = sl_xmalloc(sizeof *blk);
    blk->refs = 1;
    blk->bytes = bytes;
    blk->mem = sl_xmalloc((size_t)(bytes > 0 ? bytes : 1));
    return blk;
}

void sl_vblock_release(sl_vblock *blk)
{
    if (blk && --blk->refs == 0) {
        sl_free(blk->mem);
        sl_free(blk);
    }
}

/* Gives a borrowing column arrays of its own with room for cap values (at least n), holding
 * its n values, and drops its reference to the block. */
static void unborrow(sl_vec *v, int64_t cap)
{
    int64_t nc = cap > v->n ? cap : v->n;
    if (nc < 16)
        nc = 16;
    bool var = sl_type_is_var(v->type);
    uint64_t *valid = sl_xcalloc((size_t)words(nc), 8);
    memcpy(valid, v->valid, (size_t)words(v->n) * 8);
    int64_t *d = sl_xmalloc((size_t)(nc + var) * 8);
    memcpy(d, v->d.i64, (size_t)(v->n + var) * 8);
    char *heap = NULL;
    if (var) {
        heap = sl_xmalloc((size_t)(v->heap_len ? v->heap_len : 1));
        if (v->heap_len)
            memcpy(heap, v->heap, (size_t)v->heap_len);
        v->heap_cap = v->heap_len ? v->heap_len : 1;
    }
    sl_vblock_release(v->borrow);
    v->borrow = NULL;
    v->valid = valid;
    v->d.i64 = d;
    v->heap = heap;
    v->cap = nc;
}

sl_vec *sl_vec_new(sl_type t, int64_t cap)
{
    sl_vec *v = sl_xcalloc(1, sizeof *v);
    v->type = t;
    sl_vec_reserve(v, cap < 16 ? 16 : cap);
    return v;
}

void sl_vec_free(sl_vec **pv)
{
    if (!pv || !*pv)
        return;
    sl_vec *v = *pv;
    if (v->borrow) {
        sl_vblock_release(v->borrow);
    } else {
        sl_free(v->valid);
        sl_free(v->d.i64);
        sl_free(v->heap);
    }
    sl_free(v);
    *pv = NULL;
}

void sl_vec_reserve(sl_vec *v, int64_t cap)
{
    if (cap <= v->cap)
        return;
    if (v->borrow) {
        unborrow(v, cap);
        if (cap <= v->cap)
            return;
    }
    int64_t nc = v->cap ? v->cap : 16;
    while (nc < cap)
        nc *= 2;
    int64_t ow = words(v->cap), nw = words(nc);
    v->valid = sl_xrealloc(v->valid, (size_t)nw * 8);
    memset(v->valid + ow, 0, (size_t)(nw - ow) * 8);
    if (sl_type_is_var(v->type)) {
        v->d.off = sl_xrealloc(v->d.off, (size_t)(nc + 1) * 8);
        if (v->cap == 0)
            v->d.off[0] = 0;
    } else {
        v->d.i64 = sl_xrealloc(v->d.i64, (size_t)nc * 8);
    }
    v->cap = nc;
}

void sl_vec_clear(sl_vec *v)
{
    if (v->borrow) /* refilled by appenders, which may grow the heap without a reserve */
        unborrow(v, v->cap);
    v->n = 0;
    v->heap_len = 0;
    if (sl_type_is_var(v->type))
        v->d.off[0] = 0;
    memset(v->valid, 0, (size_t)words(v->cap) * 8);
}

static void room(sl_vec *v)
{
    if (v->n >= v->cap)
        sl_vec_reserve(v, v->n + 1);
}

void sl_vec_push_null(sl_vec *v)
{
    room(v);
    sl_vec_set_valid(v, v->n, false);
    if (sl_type_is_var(v->type))
        v->d.off[v->n + 1] = v->heap_len;
    else
        v->d.i64[v->n] = 0;
    v->n++;
}

void sl_vec_push_i64(sl_vec *v, int64_t x)
{
    room(v);
    v->d.i64[v->n] = x;
    sl_vec_set_valid(v, v->n++, true);
}

void sl_vec_push_f64(sl_vec *v, double x)
{
    room(v);
    v->d.f64[v->n] = x;
    sl_vec_set_valid(v, v->n++, true);
}

void sl_vec_push_str(sl_vec *v, const char *p, int64_t len)
{
    assert(sl_type_is_var(v->type));
    room(v);
    sl_grow((void **)&v->heap, &v->heap_cap, v->heap_len + len, 1);
    if (len)
        memcpy(v->heap + v->heap_len, p, (size_t)len);
    v->heap_len += len;
    v->d.off[v->n + 1] = v->heap_len;
    sl_vec_set_valid(v, v->n++, true);
}

void sl_vec_push_value(sl_vec *v, const sl_value *x)
{
    if (x->is_null || x->type == SL_T_NULL)
        sl_vec_push_null(v);
    else if (sl_type_is_var(v->type))
        sl_vec_push_str(v, x->v.s.p, x->v.s.len);
    else if (v->type == SL_T_DOUBLE)
        sl_vec_push_f64(v, x->v.d);
    else
        sl_vec_push_i64(v, x->v.i);
}

void sl_vec_push_from(sl_vec *v, const sl_vec *src, int64_t i)
{
    if (!sl_vec_valid(src, i)) {
        sl_vec_push_null(v);
    } else if (sl_type_is_var(v->type)) {
        int64_t len;
        const char *p = sl_vec_str(src, i, &len);
        sl_vec_push_str(v, p, len);
    } else {
        room(v);
        v->d.i64[v->n] = src->d.i64[i];
        sl_vec_set_valid(v, v->n++, true);
    }
}

void sl_vec_get_value(const sl_vec *v, int64_t i, sl_value *out)
{
    out->type = v->type;
    out->is_null = !sl_vec_valid(v, i);
    if (out->is_null)
        return;
    if (sl_type_is_var(v->type))
        out->v.s.p = sl_vec_str(v, i, &out->v.s.len);
    else if (v->type == SL_T_DOUBLE)
        out->v.d = v->d.f64[i];
    else
        out->v.i = v->d.i64[i];
}

void sl_vec_resize_fixed(sl_vec *v, int64_t n)
{
    assert(!sl_type_is_var(v->type));
    sl_vec_reserve(v, n);
    memset(v->valid, 0, (size_t)words(v->cap) * 8);
    v->n = n;
}

sl_batch *sl_batch_new(int n_cols, const sl_type *types, int64_t cap)
{
    sl_batch *b = sl_xcalloc(1, sizeof *b);
    b->n_cols = n_cols;
    b->cols = sl_xcalloc((size_t)(n_cols ? n_cols : 1), sizeof *b->cols);
    for (int c = 0; c < n_cols; c++)
        b->cols[c] = sl_vec_new(types[c], cap);
    return b;
}

sl_batch *sl_batch_from_cols(int n_cols, sl_vec **cols, int64_t n_rows)
{
    sl_batch *b = sl_xcalloc(1, sizeof *b);
    b->n_cols = n_cols;
    b->n_rows = n_rows;
    b->cols = sl_xcalloc((size_t)(n_cols ? n_cols : 1), sizeof *b->cols);
    for (int c = 0; c < n_cols; c++) {
        assert(cols[c]->n == n_rows);
        b->cols[c] = cols[c];
    }
    return b;
}

void sl_batch_free(sl_batch **pb)
{
    if (!pb || !*pb)
        return;
    sl_batch *b = *pb;
    for (int c = 0; c < b->n_cols; c++)
        sl_vec_free(&b->cols[c]);
    sl_free(b->cols);
    sl_free(b->sel);
    sl_free(b);
    *pb = NULL;
}

void sl_batch_set_sel(sl_batch *b, uint32_t *sel, int64_t n_sel)
{
    sl_free(b->sel);
    b->sel = sel;
    b->n_sel = sel ? n_sel : 0;
}

sl_batch *sl_batch_compact(const sl_batch *b)
{
    sl_type *types = sl_xmalloc(sizeof(sl_type) * (size_t)(b->n_cols ? b->n_cols : 1));
    for (int c = 0; c < b->n_cols; c++)
        types[c] = b->cols[c]->type;
    sl_batch *out = sl_batch_new(b->n_cols, types, sl_batch_live(b));
    sl_free(types);
    sl_batch_append(out, b);
    return out;
}

void sl_batch_append(sl_batch *dst, const sl_batch *src)
{
    assert(!dst->sel && dst->n_cols == src->n_cols);
    int64_t live = sl_batch_live(src);
    for (int c = 0; c < src->n_cols; c++) {
        sl_vec *d = dst->cols[c];
        const sl_vec *s = src->cols[c];
        sl_vec_reserve(d, d->n + live);
        for (int64_t k = 0; k < live; k++)
            sl_vec_push_from(d, s, sl_batch_row(src, k));
    }
    dst->n_rows += live;
}

/* Fixed-width values of column sc at refs into d from slot at on, at a multiple of 64: the
 * validity words are built in a register, 64 rows at a time, not bit by bit in memory. */
static void gather_fixed(sl_vec *d, int64_t at, sl_batch *const *bs, int sc,
                         const int64_t *refs, int64_t n)
{
    int64_t k = 0, cur = -1;
    const uint64_t *valid = NULL;
    const int64_t *data = NULL;
    while (k < n) {
        int64_t m = n - k < 64 ? n - k : 64;
        uint64_t w = 0;
        for (int64_t j = 0; j < m; j++) {
            /* The source column's arrays looked up again only when the batch changes: refs
             * come in runs of one batch (a probe batch's rows, a key's build rows). */
            if (refs[k + j] >> 32 != cur) {
                cur = refs[k + j] >> 32;
                valid = bs[cur]->cols[sc]->valid;
                data = bs[cur]->cols[sc]->d.i64;
            }
            int64_t r = refs[k + j] & 0xffffffff;
            uint64_t ok = (valid[r >> 6] >> (r & 63)) & 1;
            w |= ok << j;
            d->d.i64[at + k + j] = ok ? data[r] : 0;
        }
        d->valid[(at + k) >> 6] = w;
        k += m;
    }
}

void sl_batch_gather_cols(sl_batch *dst, sl_batch *const *bs, const int *cols,
                          const int64_t *refs, int64_t n)
{
    assert(!dst->sel);
    for (int c = 0; c < dst->n_cols; c++) {
        sl_vec *d = dst->cols[c];
        int sc = cols ? cols[c] : c;
        int64_t at = d->n;
        sl_vec_reserve(d, at + n);
        if (!sl_type_is_var(d->type) && at % 64 == 0) {
            gather_fixed(d, at, bs, sc, refs, n);
            d->n = at + n;
            continue;
        }
        if (sl_type_is_var(d->type)) {
            int64_t heap = d->heap_len;
            for (int64_t k = 0; k < n; k++) {
                const sl_vec *s = bs[refs[k] >> 32]->cols[sc];
                int64_t r = refs[k] & 0xffffffff;
                heap += s->d.off[r + 1] - s->d.off[r];
            }
            sl_grow((void **)&d->heap, &d->heap_cap, heap, 1);
        }
        for (int64_t k = 0; k < n; k++) {
            const sl_vec *s = bs[refs[k] >> 32]->cols[sc];
            int64_t r = refs[k] & 0xffffffff, i = at + k;
            bool ok = sl_vec_valid(s, r);
            sl_vec_set_valid(d, i, ok);
            if (sl_type_is_var(d->type)) {
                int64_t len = ok ? s->d.off[r + 1] - s->d.off[r] : 0;
                if (len)
                    memcpy(d->heap + d->heap_len, s->heap + s->d.off[r], (size_t)len);
                d->heap_len += len;
                d->d.off[i + 1] = d->heap_len;
            } else {
                d->d.i64[i] = ok ? s->d.i64[r] : 0;
            }
        }
        d->n = at + n;
    }
    dst->n_rows += n;
}

void sl_batch_gather(sl_batch *dst, sl_batch *const *bs, const int64_t *refs, int64_t n)
{
    sl_batch_gather_cols(dst, bs, NULL, refs, n);
}

int64_t sl_batch_bytes(const sl_batch *b)
{
    int64_t n = 0;
    for (int c = 0; c < b->n_cols; c++) {
        const sl_vec *v = b->cols[c];
        n += v->cap * 8 + words(v->cap) * 8 + v->heap_cap;
    }
    return n;
}

void sl_batchlist_init(sl_batchlist *l) { memset(l, 0, sizeof *l); }

void sl_batchlist_push(sl_batchlist *l, sl_batch *b)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->b = sl_xrealloc(l->b, sizeof *l->b * (size_t)l->cap);
    }
    l->b[l->n++] = b;
}

void sl_batchlist_free(sl_batchlist *l)
{
    for (int i = 0; i < l->n; i++)
        sl_batch_free(&l->b[i]);
    sl_free(l->b);
    sl_batchlist_init(l);
}

int64_t sl_batchlist_rows(const sl_batchlist *l)
{
    int64_t n = 0;
    for (int i = 0; i < l->n; i++)
        n += sl_batch_live(l->b[i]);
    return n;
}
