/*
 * Printing a result on rank 0 (see print.h). TABLE: a header line of column names, a line of
 * dashes, one line per row, numbers (BIGINT, DOUBLE) right-aligned and everything else
 * left-aligned, NULL as "NULL", then "(N rows)". At most SL_PRINT_MAX_ROWS rows are shown
 * (the footer then says how many there were), so a huge result cannot flood a terminal.
 * Widths count UTF-8 code points, not bytes; CR/LF/TAB inside a value are shown as \r \n \t
 * so a row stays one line. A format (--format csv): every row, through the format's part-file
 * writer with its default options (io/format.h), so it reads like COPY's files. Local.
 */
#include "exec/print.h"

#include "core/mem.h"

#include <inttypes.h>
#include <string.h>

#define SL_PRINT_MAX_ROWS 10000

/* Code points in [p, p+len): bytes that are not UTF-8 continuation bytes. */
static int64_t display_width(const char *p, int64_t len)
{
    int64_t w = 0;
    for (int64_t i = 0; i < len; i++)
        if (((unsigned char)p[i] & 0xC0) != 0x80)
            w++;
    return w;
}

/* Appends one cell's display text to out. */
static void format_cell(sl_buf *out, const sl_vec *v, int64_t r)
{
    if (!sl_vec_valid(v, r)) {
        sl_buf_puts(out, "NULL");
        return;
    }
    sl_buf text;
    sl_buf_init(&text);
    bool nested = sl_type_is_list(v->type) || sl_type_is_struct(v->type);
    if (v->type != SL_T_VARCHAR && !nested) {
        sl_value x;
        sl_vec_get_value(v, r, &x);
        sl_format_value(out, &x);
        return;
    }
    int64_t len;
    const char *p = sl_vec_str(v, r, &len);
    if (nested) { /* its text, escaped as a VARCHAR's */
        sl_format_value(&text, &(sl_value){.type = v->type, .v.s = {p, len}});
        p = text.data ? text.data : "";
        len = text.len;
    }
    for (int64_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '\n')
            sl_buf_puts(out, "\\n");
        else if (c == '\r')
            sl_buf_puts(out, "\\r");
        else if (c == '\t')
            sl_buf_puts(out, "\\t");
        else
            sl_buf_putc(out, c);
    }
    sl_buf_free(&text);
}

static void put_padded(FILE *f, const char *p, int64_t len, int64_t width, bool right)
{
    int64_t pad = width - display_width(p, len);
    if (right)
        for (int64_t i = 0; i < pad; i++)
            fputc(' ', f);
    fwrite(p, 1, (size_t)len, f);
    if (!right)
        for (int64_t i = 0; i < pad; i++)
            fputc(' ', f);
}

struct sl_printer {
    FILE *f;
    const sl_format *fmt; /* NULL: the table */
    sl_fmt_writer *w;
    int n_cols;
    char *const *names;
    const sl_type *types;
    int64_t rows;
    sl_batch *shown;      /* TABLE: the rows to show (dense) */
    sl_buf out;           /* a format: the bytes of one batch */
};

/* Writes and empties p->out. */
static void put_out(sl_printer *p)
{
    fwrite(p->out.data, 1, (size_t)p->out.len, p->f);
    sl_buf_reset(&p->out);
}

sl_printer *sl_printer_new(FILE *f, const sl_format *fmt, int n_cols, char *const *names,
                           const sl_type *types)
{
    sl_printer *p = sl_xcalloc(1, sizeof *p);
    p->f = f;
    p->fmt = fmt;
    p->n_cols = n_cols;
    p->names = names;
    p->types = types;
    sl_buf_init(&p->out);
    sl_err e;
    sl_err_clear(&e);
    /* A writer with default options never fails to begin (there is no file). */
    if (fmt && sl_fmt_writer_begin(fmt, NULL, n_cols, names, types, &p->out, &p->w, &e) == 0)
        put_out(p);
    return p;
}

void sl_printer_add(sl_printer *p, const sl_batch *b)
{
    int64_t live = sl_batch_live(b);
    if (p->fmt) {
        sl_err e;
        sl_err_clear(&e);
        if (p->w)
            sl_fmt_writer_write(p->w, b, &p->out, &e);
        /* Written per batch so memory stays bounded by one batch's text. */
        put_out(p);
    } else {
        if (!p->shown) {
            sl_type *t = sl_xcalloc((size_t)p->n_cols + 1, sizeof *t);
            for (int c = 0; c < p->n_cols; c++)
                t[c] = b->cols[c]->type;
            p->shown = sl_batch_new(p->n_cols, t, 64);
            sl_free(t);
        }
        for (int64_t k = 0; k < live && p->shown->n_rows < SL_PRINT_MAX_ROWS; k++) {
            int64_t r = sl_batch_row(b, k);
            for (int c = 0; c < p->n_cols; c++)
                sl_vec_push_from(p->shown->cols[c], b->cols[c], r);
            p->shown->n_rows++;
        }
    }
    p->rows += live;
}

int64_t sl_printer_rows(const sl_printer *p) { return p->rows; }

static void print_table(FILE *f, int n_cols, char *const *names, const sl_type *types,
                        const sl_batch *shown_rows, int64_t total);

void sl_printer_finish(sl_printer **pp)
{
    if (!pp || !*pp)
        return;
    sl_printer *p = *pp;
    if (!p->fmt) {
        print_table(p->f, p->n_cols, p->names, p->types, p->shown, p->rows);
    } else if (p->w) {
        sl_err e;
        sl_err_clear(&e);
        sl_fmt_writer_finish(&p->w, &p->out, &e);
        put_out(p);
    }
    fflush(p->f);
    sl_batch_free(&p->shown);
    sl_buf_free(&p->out);
    sl_free(p);
    *pp = NULL;
}

static void print_table(FILE *f, int n_cols, char *const *names, const sl_type *types,
                        const sl_batch *rows, int64_t total)
{
    int64_t shown = rows ? rows->n_rows : 0;
    /* Cells are formatted once into one buffer; cell_off[k*(n_cols)+c] .. next is cell k,c. */
    sl_buf cells;
    sl_buf_init(&cells);
    int64_t n_cells = shown * n_cols;
    int64_t *off = sl_xmalloc(sizeof *off * (size_t)(n_cells + 1));
    int64_t *width = sl_xcalloc((size_t)(n_cols ? n_cols : 1), sizeof *width);
    bool *right = sl_xcalloc((size_t)(n_cols ? n_cols : 1), sizeof *right);
    for (int c = 0; c < n_cols; c++) {
        const char *nm = names[c] ? names[c] : "";
        width[c] = display_width(nm, (int64_t)strlen(nm));
        right[c] = types && (sl_type_is_numeric(types[c]) || sl_type_is_decimal(types[c]) ||
                            types[c] == SL_T_HUGEINT || types[c] == SL_T_UBIGINT ||
                            types[c] == SL_T_UHUGEINT);
    }
    int64_t cell = 0;
    for (int64_t r = 0; r < shown; r++) {
        for (int c = 0; c < n_cols; c++) {
            off[cell] = cells.len;
            format_cell(&cells, rows->cols[c], r);
            int64_t w = display_width(cells.data + off[cell], cells.len - off[cell]);
            if (w > width[c])
                width[c] = w;
            cell++;
        }
    }
    off[n_cells] = cells.len;

    for (int c = 0; c < n_cols; c++) {
        const char *nm = names[c] ? names[c] : "";
        fputs(c ? " | " : " ", f);
        put_padded(f, nm, (int64_t)strlen(nm), width[c], right[c]);
    }
    fputc('\n', f);
    for (int c = 0; c < n_cols; c++) {
        fputs(c ? "-+-" : "-", f);
        for (int64_t i = 0; i < width[c]; i++)
            fputc('-', f);
    }
    if (n_cols)
        fputc('\n', f);
    for (int64_t k = 0; k < shown; k++) {
        for (int c = 0; c < n_cols; c++) {
            int64_t j = k * n_cols + c;
            fputs(c ? " | " : " ", f);
            put_padded(f, cells.data + off[j], off[j + 1] - off[j], width[c], right[c]);
        }
        fputc('\n', f);
    }
    if (shown < total)
        fprintf(f, "... (%" PRId64 " rows total, first %d shown)\n", total, SL_PRINT_MAX_ROWS);
    else
        fprintf(f, "(%" PRId64 " rows)\n", total);
    sl_free(off);
    sl_free(width);
    sl_free(right);
    sl_buf_free(&cells);
}

void sl_print_result(FILE *f, const sl_format *fmt, int n_cols, char *const *names,
                     const sl_type *types, const sl_batchlist *rows)
{
    sl_printer *p = sl_printer_new(f, fmt, n_cols, names, types);
    for (int i = 0; i < rows->n; i++)
        sl_printer_add(p, rows->b[i]);
    sl_printer_finish(&p);
}
