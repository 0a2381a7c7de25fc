/*
 * Binding SUMMARIZE (parsed by parse_summarize.c): DuckDB's column profile of the source, one
 * row per source column: column_name, column_type, min, max, approx_unique, avg, std, q25,
 * q50, q75, count, null_percentage. Once the source's columns are known (c's L0) it is bound
 * as the query it means, written as SQL and parsed here:
 *   SELECT CASE k WHEN 1 THEN 'a' ... END AS column_name, ..., n AS "count", ...
 *   FROM (SELECT count(*) AS n, min("a")::VARCHAR AS m1, ... FROM source) AS s,
 *        (SELECT 1 AS k UNION ALL ...) AS ks
 *   ORDER BY k
 * so the source is read once, by one aggregate pass on every rank whose partial states merge
 * (min/max, HLL, Chan's mean/M2, the quantile sketch, counts), and the one-row result is
 * crossed with the column numbers; nothing is scanned per column and nothing gathered but
 * the states. Which statistics a column gets follows DuckDB: std for numbers, avg and the
 * quartiles for numbers and dates/timestamps, NULL otherwise. null_percentage is DuckDB's
 * (1 - count(x) / count(*)) * 100 rounded to two decimals, a DECIMAL(9,2) as DuckDB's.
 * Local.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/mem.h"
#include "sql/sql.h"
#include "sql/sql_int.h"

#define SRC_NAME "__sluice_summarize_source"

/* The keys 1..n as a balanced UNION ALL (nesting log n deep, under the binder's limit). */
static void put_keys(sl_buf *b, int lo, int hi)
{
    if (lo == hi) {
        sl_buf_printf(b, "SELECT %d AS k", lo);
        return;
    }
    int mid = lo + (hi - lo) / 2;
    sl_buf_puts(b, "(");
    put_keys(b, lo, mid);
    sl_buf_puts(b, ") UNION ALL (");
    put_keys(b, mid + 1, hi);
    sl_buf_puts(b, ")");
}

/* CASE k WHEN 1 THEN <prefix>1 ... END over the columns that have the statistic (want). */
static void put_case(sl_buf *b, int n, const bool *want, const char *prefix)
{
    int any = 0;
    for (int i = 0; i < n; i++)
        if (!want || want[i])
            sl_buf_printf(b, "%s WHEN %d THEN %s%d", any++ ? "" : "CASE k", i + 1, prefix,
                          i + 1);
    sl_buf_puts(b, any ? " ELSE NULL END" : "NULL"); /* no column has the statistic */
}

/* avg of a DATE / TIMESTAMP column x as DuckDB answers it: the TIMESTAMP of the exact mean
 * of the microseconds since 1970 truncated toward zero, plus one when the mean is positive
 * and its fraction above one half (DuckDB 1.5's rounding, found by probing it). The sum of
 * the microseconds would overflow BIGINT past a few thousand rows, so whole seconds (s) and
 * the microseconds within them (f) are summed apart and the mean is put together by floor
 * divisions:
 * mean = floor(s / n) * 1e6 + floor(r / n), r = (s mod n) * 1e6 + f. */
static void put_time_avg(sl_buf *b, const char *x, int k, bool tz)
{
    char *us = sl_xasprintf("date_diff('microsecond', TIMESTAMP '1970-01-01', "
                            "CAST(%s AS TIMESTAMP))", x);
    /* the sums are HUGEINT: BIGINT holds them here (make_timestamp takes BIGINT) */
    char *s = sl_xasprintf("CAST(sum(%s // 1000000) AS BIGINT)", us);
    char *n = sl_xasprintf("count(%s)", x);
    char *r = sl_xasprintf("((%s %% %s + %s) %% %s * 1000000 + CAST(sum(%s %% 1000000) AS "
                           "BIGINT))", s, n, n, n, us);
    char *fl = sl_xasprintf("((%s // %s - CASE WHEN %s %% %s < 0 THEN 1 ELSE 0 END) * 1000000 "
                            "+ %s // %s - CASE WHEN %s %% %s < 0 THEN 1 ELSE 0 END)",
                            s, n, s, n, r, n, r, n);
    char *m = sl_xasprintf("((%s %% %s + %s) %% %s)", r, n, n, n); /* mean - floor, x n */
    sl_buf_printf(b, ", CASE WHEN %s = 0 THEN NULL ELSE CAST(make_timestamp(%s + CASE WHEN %s "
                  "< 0 THEN CASE WHEN %s <> 0 THEN 1 ELSE 0 END WHEN 2 * %s > %s THEN 1 ELSE 0 "
                  "END)%s AS VARCHAR) END AS a%d", n, fl, fl, m, m, n,
                  tz ? "::TIMESTAMPTZ" : "", k); /* a TIMESTAMPTZ's mean prints as one */
    sl_free(m);
    sl_free(us);
    sl_free(s);
    sl_free(n);
    sl_free(r);
    sl_free(fl);
}

/* The SQL of the profile of c's L0, its source named SRC_NAME. */
static char *profile_sql(const sl_bind_ctx *c)
{
    int n = c->n_cols;
    bool *num = sl_xcalloc((size_t)n + 1, sizeof *num);
    bool *ord = sl_xcalloc((size_t)n + 1, sizeof *ord);
    for (int i = 0; i < n; i++) {
        sl_type t = c->col_types[i];
        num[i] = sl_type_is_numeric(t);
        ord[i] = num[i] || t == SL_T_DATE || sl_type_is_ts(t);
    }
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_puts(&b, "SELECT CASE k");
    for (int i = 0; i < n; i++) {
        sl_buf_printf(&b, " WHEN %d THEN ", i + 1);
        sl_buf_put_quoted(&b, c->col_names[i], '\'');
    }
    sl_buf_puts(&b, " END AS column_name, CASE k");
    for (int i = 0; i < n; i++)
        sl_buf_printf(&b, " WHEN %d THEN '%s'", i + 1, sl_type_name(c->col_types[i]));
    sl_buf_puts(&b, " END AS column_type");
    static const char *const text_cols[][2] = {
        {"m", "min"}, {"x", "max"}, {"u", "approx_unique"}, {"a", "avg"}, {"s", "std"},
        {"qa", "q25"}, {"qb", "q50"}, {"qc", "q75"}};
    for (int j = 0; j < 8; j++) {
        const bool *want = j < 3 ? NULL : j == 4 ? num : ord;
        sl_buf_puts(&b, ", CAST(");
        put_case(&b, n, want, text_cols[j][0]);
        sl_buf_printf(&b, " AS %s) AS \"%s\"", j == 2 ? "BIGINT" : "VARCHAR", text_cols[j][1]);
    }
    /* hundredths of a percent, as DuckDB's cast to DECIMAL(9,2) rounds them */
    sl_buf cents;
    sl_buf_init(&cents);
    sl_buf_puts(&cents, "CAST(round((1 - ");
    put_case(&cents, n, NULL, "c");
    sl_buf_puts(&cents, " / n) * 100 * 100) AS BIGINT)");
    const char *ct = sl_buf_cstr(&cents);
    sl_buf_printf(&b, ", n AS \"count\", CASE WHEN n = 0 THEN NULL ELSE CAST(CAST(%s AS "
                  "DECIMAL(9,0)) * 0.01 AS DECIMAL(9,2)) END AS null_percentage", ct);
    sl_buf_free(&cents);
    sl_buf_puts(&b, " FROM (SELECT count(*) AS n");
    for (int i = 0; i < n; i++) {
        sl_buf q;
        sl_buf_init(&q);
        /* a name two columns share gets a text of its own: aggregates of the same text are
         * computed once (the reference is pinned to its column by position anyway) */
        bool dup = false;
        for (int j = 0; j < n && !dup; j++)
            dup = j != i && strcasecmp(c->col_names[j], c->col_names[i]) == 0;
        if (dup)
            sl_buf_printf(&q, "\"column %d\"", i + 1);
        else
            sl_buf_put_quoted(&q, c->col_names[i], '"');
        const char *x = sl_buf_cstr(&q);
        int k = i + 1;
        sl_buf_printf(&b, ", min(%s)::VARCHAR AS m%d, max(%s)::VARCHAR AS x%d, "
                      "approx_count_distinct(%s) AS u%d, count(%s) AS c%d", x, k, x, k, x, k,
                      x, k);
        if (num[i])
            sl_buf_printf(&b, ", avg(%s)::VARCHAR AS a%d, stddev(%s)::VARCHAR AS s%d", x, k,
                          x, k);
        else if (ord[i])
            put_time_avg(&b, x, k, c->col_types[i] == SL_T_TIMESTAMPTZ);
        if (ord[i])
            sl_buf_printf(&b, ", approx_quantile(%s, 0.25)::VARCHAR AS qa%d, "
                          "approx_quantile(%s, 0.5)::VARCHAR AS qb%d, "
                          "approx_quantile(%s, 0.75)::VARCHAR AS qc%d", x, k, x, k, x, k);
        sl_buf_free(&q);
    }
    sl_buf_puts(&b, " FROM " SRC_NAME ") AS s, (");
    put_keys(&b, 1, n);
    sl_buf_puts(&b, ") AS ks ORDER BY k");
    sl_free(num);
    sl_free(ord);
    return sl_buf_take(&b);
}

/* The query whose FROM is SRC_NAME in q's tree of sources, or NULL. */
static sl_ast_query *find_agg(sl_ast_query *q, int depth)
{
    if (!q || !q->has_from || depth > 64)
        return NULL;
    sl_ast_source *s = &q->from;
    if (s->kind == AS_NAME && strcmp(s->name, SRC_NAME) == 0)
        return q;
    sl_ast_query *r = find_agg(s->sub, depth + 1);
    return r ? r : find_agg(s->right, depth + 1);
}

/* Binds every column e names to L0 column k (1-based) by position: a source may have two
 * columns of one name (SELECT 1 AS a, 2 AS a), each profiled on its own row. */
static void pin_cols(sl_ast_expr *e, int k)
{
    if (!e)
        return;
    if (e->kind == A_COL)
        e->col_index = k;
    for (int i = 0; i < e->n_args; i++)
        pin_cols(e->args[i], k);
}

int sl_bind_summarize(sl_bind_ctx *c, const sl_ast_query *ast, sl_query **out)
{
    if (c->n_cols == 0)
        return sl_bind_error(c, ast->line, ast->col, SL_EBIND, "%s",
                             "SUMMARIZE of a source without columns");
    char *sql = profile_sql(c);
    sl_job *job = NULL;
    int rc = sl_sql_parse_job(sql, "<SUMMARIZE>", NULL, &job, c->b->err);
    sl_free(sql);
    if (rc)
        return rc;
    sl_ast_query *top = job->stmts[0]->query, *agg = find_agg(top, 0);
    if (!agg) {
        sl_job_free(&job);
        return sl_bind_error(c, ast->line, ast->col, SL_EINTERNAL, "%s",
                             "SUMMARIZE: the profile query lost its source");
    }
    /* each aggregate's alias ends in its column's number (m1, qa12, ...) */
    for (int i = 0; i < agg->n_items; i++) {
        const char *a = agg->items[i].alias;
        size_t len = a ? strlen(a) : 0, d = len;
        while (d > 0 && a[d - 1] >= '0' && a[d - 1] <= '9')
            d--;
        if (d < len)
            pin_cols(agg->items[i].e, atoi(a + d));
    }
    /* the source and the CTEs it may name are the SUMMARIZE's (borrowed) */
    sl_ast_source *ph = &agg->from;
    ph->kind = AS_QUERY;
    ph->sub = ast->from.sub;
    top->n_ctes = ast->n_ctes;
    top->cte_names = ast->cte_names;
    top->ctes = ast->ctes;
    rc = sl_bind_child_query(c, &ast->from, top, out);
    ph->sub = NULL;
    ph->kind = AS_NAME;
    top->n_ctes = 0;
    top->cte_names = NULL;
    top->ctes = NULL;
    sl_job_free(&job);
    return rc;
}
