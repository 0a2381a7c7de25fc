/*
 * Printing a result on rank 0 (see print.h). TABLE: a header line of column names, a line of
 * dashes, one line per row, numbers (BIGINT, DOUBLE) right-aligned and everything else
 * left-aligned, NULL as "NULL", then "(N rows)". At most SL_PRINT_MAX_ROWS rows are shown
 * (the footer then says how many there were), so a huge result cannot flood a terminal.
 * Widths count UTF-8 code points, not bytes; CR/LF/TAB inside a value are shown as \r \n \t
 * so a row stays one line. CSV: every row, with a header, formatted like COPY's files
 * (sl_csv_format_*), delimiter ','. Local.
 */
#include "exec/print.h"

#include "core/mem.h"
#include "io/csv.h"

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
    if (v->type != SL_T_VARCHAR) {
        sl_value x;
        sl_vec_get_value(v, r, &x);
        sl_format_value(out, &x);
        return;
    }
    int64_t len;
    const char *p = sl_vec_str(v, r, &len);
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

static void print_table(FILE *f, int n_cols, char *const *names, const sl_type *types,
                        const sl_batchlist *rows)
{
    int64_t total = sl_batchlist_rows(rows);
    int64_t shown = total < SL_PRINT_MAX_ROWS ? total : SL_PRINT_MAX_ROWS;
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
        right[c] = types && sl_type_is_numeric(types[c]);
    }
    int64_t cell = 0;
    for (int i = 0; i < rows->n && cell < n_cells; i++) {
        const sl_batch *b = rows->b[i];
        int64_t live = sl_batch_live(b);
        for (int64_t k = 0; k < live && cell < n_cells; k++) {
            int64_t r = sl_batch_row(b, k);
            for (int c = 0; c < n_cols; c++) {
                off[cell] = cells.len;
                format_cell(&cells, b->cols[c], r);
                int64_t w = display_width(cells.data + off[cell], cells.len - off[cell]);
                if (w > width[c])
                    width[c] = w;
                cell++;
            }
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

static void print_csv(FILE *f, int n_cols, char *const *names, const sl_batchlist *rows)
{
    sl_buf out;
    sl_buf_init(&out);
    sl_csv_format_header(&out, names, n_cols, ',');
    for (int i = 0; i < rows->n; i++) {
        sl_csv_format_rows(&out, rows->b[i], n_cols, ',');
        /* Flush per batch so memory stays bounded by one batch's text. */
        fwrite(out.data, 1, (size_t)out.len, f);
        sl_buf_reset(&out);
    }
    if (out.len)
        fwrite(out.data, 1, (size_t)out.len, f);
    sl_buf_free(&out);
}

void sl_print_result(FILE *f, sl_print_format fmt, int n_cols, char *const *names,
                     const sl_type *types, const sl_batchlist *rows)
{
    if (fmt == SL_PRINT_CSV)
        print_csv(f, n_cols, names, rows);
    else
        print_table(f, n_cols, names, types, rows);
    fflush(f);
}
