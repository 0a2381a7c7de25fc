/*
 * bench/csv_scan_only.c - CPU time of the typed CSV scan alone (issue 14): sl_csv_scan_* over
 * a db-benchmark G1 file (id1,id2,id3 VARCHAR; id4,id5,id6,v1,v2 BIGINT; v3 DOUBLE) as one
 * rank reads it, every column converted (or the columns named), batches dropped, no
 * aggregation, no MPI. bench/csv_scan.sql's statement time holds this plus its nine
 * aggregates; this is the scan's share, measured without them.
 *
 *   build/bench/csv_scan_only FILE [REPS [COLS]]   e.g. ... bench/data/G1_1e7_1e2_0_0.csv 5
 *   COLS: column numbers read, "0-8" (default) or a comma list ("0,6" is q1's).
 *
 * Prints per rep the process CPU seconds of the scan calls (open, next, batch free; not the
 * checksum) and MB per CPU second, then min and median (on a shared machine the min is the
 * steadiest figure), and a checksum (every number; strings by each batch's heap length and
 * first byte) so two builds can be seen to read the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch/batch.h"
#include "core/ctx.h"
#include "core/err.h"
#include "core/mem.h"
#include "io/io_int.h"

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One scan of s by rank 0; returns the checksum of its values (order-dependent) and the CPU
 * seconds of the scan calls in *cpu (the checksum not counted). */
static uint64_t scan_once(sl_csv_source *s, const int *proj, int n_proj, int64_t *rows,
                          double *cpu)
{
    sl_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    sl_err err;
    sl_err_clear(&err);
    sl_csv_scan *sc = NULL;
    uint64_t h = 0;
    *rows = 0;
    double c0 = cpu_s();
    int rc = sl_csv_scan_open(&ctx, s, proj, n_proj, &sc, &err);
    *cpu = cpu_s() - c0;
    while (!rc) {
        sl_batch *b = NULL;
        c0 = cpu_s();
        rc = sl_csv_scan_next(sc, &b, &err);
        *cpu += cpu_s() - c0;
        if (rc || !b)
            break;
        for (int k = 0; k < n_proj; k++) {
            const sl_vec *v = b->cols[k];
            if (v->type == SL_T_VARCHAR)
                h = h * 31 + (uint64_t)v->heap_len + (uint64_t)(unsigned char)v->heap[0];
            else
                for (int64_t r = 0; r < b->n_rows; r++)
                    h = h * 31 + (uint64_t)v->d.i64[r];
        }
        *rows += b->n_rows;
        c0 = cpu_s();
        sl_batch_free(&b);
        *cpu += cpu_s() - c0;
    }
    if (rc) {
        fprintf(stderr, "csv_scan_only: %s\n", err.msg);
        exit(1);
    }
    sl_csv_scan_free(&sc);
    return h;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: csv_scan_only FILE [REPS [COLS]]\n");
        return 2;
    }
    sl_mem_keep_freed(); /* as the sluice binary: freed batches stay in the heap */
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (reps < 1 || reps > 100)
        reps = 5;
    static char *names[] = {"id1", "id2", "id3", "id4", "id5", "id6", "v1", "v2", "v3"};
    static sl_type types[] = {SL_T_VARCHAR, SL_T_VARCHAR, SL_T_VARCHAR, SL_T_BIGINT, SL_T_BIGINT,
                              SL_T_BIGINT,  SL_T_BIGINT,  SL_T_BIGINT,  SL_T_DOUBLE};
    int proj[9], n_proj = 0;
    const char *cols = argc > 3 ? argv[3] : "0-8";
    if (strcmp(cols, "0-8") == 0)
        for (int c = 0; c < 9; c++)
            proj[n_proj++] = c;
    else
        for (const char *p = cols; *p && n_proj < 9; p += strcspn(p, ","), p += *p == ',')
            proj[n_proj++] = atoi(p) % 9;
    FILE *f = fopen(argv[1], "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0) {
        fprintf(stderr, "csv_scan_only: cannot open %s\n", argv[1]);
        return 1;
    }
    sl_csv_file file = {.path = argv[1], .size = ftell(f)};
    fclose(f);
    sl_csv_source s = {.delim = ',', .quote = '"', .header = true, .n_files = 1,
                       .files = &file, .ncols = 9, .names = names, .types = types};
    sl_err err;
    sl_err_clear(&err);
    sl_csv_rd rd;
    if (sl_csv_rd_open(&rd, file.path, file.size, &err) ||
        sl_csv_first_record(&rd, &file.first_rec, &file.first_line, &err)) {
        fprintf(stderr, "csv_scan_only: %s\n", err.msg);
        return 1;
    }
    sl_csv_rd_close(&rd);
    sl_csv_plan_ranges(&s, file.size, 1); /* one rank reads it whole: no count pass */
    sl_csv_prefix(&s);
    double t[100];
    uint64_t h0 = 0;
    int64_t rows = 0;
    for (int i = 0; i < reps; i++) {
        uint64_t h = scan_once(&s, proj, n_proj, &rows, &t[i]);
        if (i == 0)
            h0 = h;
        else if (h != h0) {
            fprintf(stderr, "csv_scan_only: rep %d read other values\n", i + 1);
            return 1;
        }
        printf("rep %d: %.3f CPU s, %.0f MB per CPU s\n", i + 1, t[i], 1e-6 * file.size / t[i]);
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_d);
    printf("%lld rows, %d columns, %lld bytes: CPU s min %.3f median %.3f; MB per CPU s at the "
           "min %.0f; checksum %016llx\n",
           (long long)rows, n_proj, (long long)file.size, t[0], t[reps / 2],
           1e-6 * file.size / t[0], (unsigned long long)h0);
    return 0;
}
