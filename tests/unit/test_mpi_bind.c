/*
 * Binder: AST -> sl_query over a tiny CSV with declared columns, at any rank count (the
 * sources are opened collectively before binding, as the session does; binding is local).
 * Checks layouts (L0 after pruning, L1 for aggregation), aggregate collection and types,
 * names, ORDER BY / GROUP BY aliases and positions, views and subqueries, the calls a
 * statement reaches, and bind errors with their positions. Expected values are worked out by
 * hand from the SQL text and the declared schema: id BIGINT, Name VARCHAR, price DOUBLE,
 * qty BIGINT, day DATE (file columns 0..4).
 */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/buf.h"
#include "core/mem.h"
#include "sql/sql.h"
#include "sql/sql_int.h"
#include "func/aggregate.h"
#include "mpi/startup.h"

#define SRC "read_csv('${dir}/t.csv', columns={'id': 'BIGINT', 'Name': 'VARCHAR', " \
            "'price': 'DOUBLE', 'qty': 'BIGINT', 'day': 'DATE'})"

static char g_dir[256];
static sl_catalog g_cat;
static sl_job *g_views;

static sl_job *parse(const char *sql, sl_err *err)
{
    char *names[] = {"dir"}, *values[] = {g_dir};
    sl_params prm = {1, names, values};
    sl_job *job = NULL;
    sl_err_clear(err);
    sl_sql_parse_job(sql, "job.sql", &prm, &job, err);
    return job;
}

/* The opened sources of every bind (a bound query borrows its sources): freed at the end. */
static sl_fmt_sources *g_srcs[256];
static int g_n_srcs;

/* Binds the first statement of sql the way the session does: opens the table functions
 * sl_sql_calls lists (collective), then binds (local). Returns the query or NULL with *err
 * set. */
static sl_query *bind(const char *sql, sl_err *err)
{
    sl_job *job = parse(sql, err);
    if (!job)
        return NULL;
    const sl_fmt_call **calls = NULL;
    int n = sl_sql_calls(job->stmts[0]->query, &g_cat, &calls);
    sl_fmt_env env = {64 << 20, 1 << 20, NULL};
    sl_fmt_sources *srcs = NULL;
    sl_query *q = NULL;
    if (sl_fmt_sources_open(MPI_COMM_WORLD, job->path, calls, n, &env, &srcs, err) == 0)
        sl_sql_bind(job, job->stmts[0]->query, &g_cat, srcs, &q, err);
    sl_free(calls);
    if (g_n_srcs < 256)
        g_srcs[g_n_srcs++] = srcs;
    else
        sl_fmt_sources_free(&srcs);
    sl_job_free(&job);
    return q;
}

static const char *bind_err(const char *sql)
{
    static sl_err err;
    sl_query *q = bind(sql, &err);
    if (q) {
        sl_query_free(&q);
        return "(no error)";
    }
    return err.msg;
}

static void check_col(const sl_expr *e, int col, sl_type t)
{
    CHECK(e != NULL);
    if (!e)
        return;
    CHECK_INT(e->kind, SL_E_COL);
    CHECK_INT(e->col, col);
    CHECK_INT(e->type, t);
}

/* True when the tree e references column col (an implicit cast may wrap a column). */
static bool uses_col(const sl_expr *e, int col)
{
    if (!e)
        return false;
    if (e->kind == SL_E_COL)
        return e->col == col;
    for (int i = 0; i < e->n_args; i++)
        if (uses_col(e->args[i], col))
            return true;
    return false;
}

static void test_plain(void)
{
    sl_err err;
    sl_query *q = bind("SELECT Name, price * qty AS total FROM " SRC
                       " WHERE qty > 1 ORDER BY total DESC LIMIT 3", &err);
    CHECK(q != NULL);
    if (!q) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_INT(q->src.kind, SL_SRC_FORMAT);
    CHECK_INT(q->src.n_file_cols, 5);
    CHECK_STR(q->src.file_col_names[1], "Name");
    CHECK_INT(q->src.file_col_types[4], SL_T_DATE);
    CHECK(!q->has_agg);
    /* Used: Name, price, qty -> L0 = file columns 1, 2, 3. */
    CHECK_INT(q->src.n_proj, 3);
    if (q->src.n_proj == 3) {
        CHECK_INT(q->src.proj[0], 1);
        CHECK_INT(q->src.proj[1], 2);
        CHECK_INT(q->src.proj[2], 3);
    }
    CHECK_INT(q->n_outs, 2);
    check_col(q->outs[0], 0, SL_T_VARCHAR);
    CHECK_STR(q->out_names[0], "Name");
    CHECK_STR(q->out_names[1], "total");
    CHECK_INT(q->outs[1]->kind, SL_E_CALL);
    CHECK_INT(q->outs[1]->type, SL_T_DOUBLE);
    CHECK_STR(q->outs[1]->text, "price * qty");
    CHECK_INT(q->outs[1]->n_args, 2);
    if (q->outs[1]->n_args == 2) {
        CHECK(uses_col(q->outs[1]->args[0], 1));
        CHECK(uses_col(q->outs[1]->args[1], 2));
    }
    CHECK(q->where != NULL);
    if (q->where) {
        CHECK_INT(q->where->type, SL_T_BOOL);
        CHECK_INT(q->where->n_args, 2);
        CHECK(uses_col(q->where, 2));
    }
    CHECK_INT(q->n_order, 1);
    if (q->n_order == 1) {
        CHECK_INT(q->order[0]->type, SL_T_DOUBLE);
        CHECK_STR(q->order[0]->text, "price * qty");
        CHECK(q->order_desc[0]);
        CHECK(!q->order_nulls_first[0]);
    }
    CHECK_INT(q->limit, 3);
    CHECK_INT(q->offset, 0);
    sl_query_free(&q);

    q = bind("SELECT * FROM " SRC " t ORDER BY 2, t.id NULLS FIRST", &err);
    CHECK(q != NULL);
    if (q) {
        CHECK_INT(q->n_outs, 5);
        CHECK_INT(q->src.n_proj, 5);
        CHECK_STR(q->out_names[3], "qty");
        check_col(q->outs[4], 4, SL_T_DATE);
        CHECK_INT(q->n_order, 2);
        check_col(q->order[0], 1, SL_T_VARCHAR);
        check_col(q->order[1], 0, SL_T_BIGINT);
        CHECK(!q->order_desc[0]);
        CHECK(q->order_nulls_first[1]);
        CHECK_INT(q->limit, -1);
        CHECK_STR(q->src.alias, "t");
        sl_query_free(&q);
    }

    /* An unused column is not read: only qty (file column 3) is. */
    q = bind("SELECT qty + 1 FROM " SRC, &err);
    CHECK(q != NULL);
    if (q) {
        CHECK_INT(q->src.n_proj, 1);
        if (q->src.n_proj == 1)
            CHECK_INT(q->src.proj[0], 3);
        CHECK_STR(q->out_names[0], "qty + 1");
        sl_query_free(&q);
    }
}

static void test_agg(void)
{
    sl_err err;
    sl_query *q = bind("SELECT name, count(*), sum(qty), avg(price), min(day), max(Name) m, "
                       "count(price) FROM " SRC " GROUP BY 1 HAVING SUM(qty) > 2 "
                       "ORDER BY count(*) DESC, name", &err);
    CHECK(q != NULL);
    if (!q) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK(q->has_agg);
    /* L0 = Name, price, qty, day (file columns 1..4; id unused). */
    CHECK_INT(q->src.n_proj, 4);
    if (q->src.n_proj == 4)
        CHECK_INT(q->src.proj[0], 1);
    CHECK_INT(q->n_groups, 1);
    check_col(q->groups[0], 0, SL_T_VARCHAR);
    /* sum(qty) in HAVING is the same aggregate as in the select list. */
    CHECK_INT(q->n_aggs, 6);
    if (q->n_aggs == 6) {
        CHECK(q->aggs[0].fn == &sl_aggfn_count_star);
        CHECK(q->aggs[0].arg == NULL);
        CHECK_INT(q->aggs[0].type, SL_T_BIGINT);
        CHECK_STR(q->aggs[0].text, "count_star()");
        CHECK(q->aggs[1].fn == &sl_aggfn_sum);
        CHECK_INT(q->aggs[1].type, SL_T_HUGEINT); /* DuckDB's sum(BIGINT) */
        check_col(q->aggs[1].arg, 2, SL_T_BIGINT);
        CHECK(q->aggs[2].fn == &sl_aggfn_avg);
        CHECK_INT(q->aggs[2].type, SL_T_DOUBLE);
        check_col(q->aggs[2].arg, 1, SL_T_DOUBLE);
        CHECK(q->aggs[3].fn == &sl_aggfn_min);
        CHECK_INT(q->aggs[3].type, SL_T_DATE);
        check_col(q->aggs[3].arg, 3, SL_T_DATE);
        CHECK(q->aggs[4].fn == &sl_aggfn_max);
        CHECK_INT(q->aggs[4].type, SL_T_VARCHAR);
        check_col(q->aggs[4].arg, 0, SL_T_VARCHAR);
        CHECK(q->aggs[5].fn == &sl_aggfn_count);
        CHECK_INT(q->aggs[5].type, SL_T_BIGINT);
        check_col(q->aggs[5].arg, 1, SL_T_DOUBLE);
    }
    /* L1 = [Name, count_star, sum, avg, min, max, count]. */
    CHECK_INT(q->n_outs, 7);
    if (q->n_outs == 7) {
        check_col(q->outs[0], 0, SL_T_VARCHAR);
        for (int i = 1; i < 7; i++)
            CHECK_INT(q->outs[i]->col, i);
        CHECK_STR(q->out_names[0], "Name");
        CHECK_STR(q->out_names[1], "count_star()");
        CHECK_STR(q->out_names[2], "sum(qty)");
        CHECK_STR(q->out_names[3], "avg(price)");
        CHECK_STR(q->out_names[5], "m");
        CHECK_STR(q->out_names[6], "count(price)");
    }
    CHECK(q->having != NULL);
    CHECK(uses_col(q->having, 2));
    CHECK(!uses_col(q->having, 0));
    CHECK_INT(q->n_order, 2);
    if (q->n_order == 2) {
        check_col(q->order[0], 1, SL_T_BIGINT);
        CHECK(q->order_desc[0]);
        check_col(q->order[1], 0, SL_T_VARCHAR);
    }
    sl_query_free(&q);

    /* count(*) alone reads no column; sum of DOUBLE is DOUBLE. */
    q = bind("SELECT count(*), sum(price) + 1 FROM " SRC, &err);
    CHECK(q != NULL);
    if (q) {
        CHECK_INT(q->src.n_proj, 1);
        CHECK_INT(q->n_groups, 0);
        CHECK_INT(q->n_aggs, 2);
        if (q->n_aggs == 2)
            CHECK_INT(q->aggs[1].type, SL_T_DOUBLE);
        CHECK_INT(q->outs[1]->kind, SL_E_CALL);
        CHECK(uses_col(q->outs[1], 1));
        sl_query_free(&q);
    }
    q = bind("SELECT count(*) FROM " SRC, &err);
    CHECK(q != NULL);
    if (q) {
        CHECK_INT(q->src.n_proj, 0);
        sl_query_free(&q);
    }

    /* GROUP BY an output alias; DISTINCT is a GROUP BY of the outputs. */
    q = bind("SELECT Name AS n, qty % 2 AS odd, count(*) FROM " SRC " GROUP BY n, odd", &err);
    CHECK(q != NULL);
    if (q) {
        CHECK_INT(q->n_groups, 2);
        check_col(q->outs[0], 0, SL_T_VARCHAR);
        check_col(q->outs[1], 1, SL_T_BIGINT);
        check_col(q->outs[2], 2, SL_T_BIGINT);
        CHECK_STR(q->out_names[1], "odd");
        sl_query_free(&q);
    }
    q = bind("SELECT DISTINCT day, Name FROM " SRC " ORDER BY Name", &err);
    CHECK(q != NULL);
    if (q) {
        CHECK(q->has_agg);
        CHECK_INT(q->n_groups, 2);
        CHECK_INT(q->n_aggs, 0);
        /* L0 = Name, day (file order); groups follow the select list. */
        check_col(q->groups[0], 1, SL_T_DATE);
        check_col(q->groups[1], 0, SL_T_VARCHAR);
        check_col(q->outs[0], 0, SL_T_DATE);
        check_col(q->outs[1], 1, SL_T_VARCHAR);
        check_col(q->order[0], 1, SL_T_VARCHAR);
        sl_query_free(&q);
    }
    q = bind("SELECT Name, sum(qty) FROM " SRC " GROUP BY ALL", &err);
    CHECK(q != NULL);
    if (q) {
        CHECK_INT(q->n_groups, 1);
        CHECK_INT(q->n_aggs, 1);
        sl_query_free(&q);
    }
}

static void test_views(void)
{
    sl_err err;
    g_views = parse("CREATE VIEW v AS SELECT id, price FROM " SRC " WHERE id > 1;\n"
                    "CREATE VIEW loop1 AS SELECT * FROM loop2;\n"
                    "CREATE VIEW loop2 AS SELECT * FROM loop1", &err);
    CHECK(g_views != NULL);
    if (!g_views)
        return;
    static char *names[3];
    static sl_ast_query *qs[3];
    for (int i = 0; i < 3; i++) {
        names[i] = g_views->stmts[i]->name;
        qs[i] = g_views->stmts[i]->query;
    }
    g_cat.n = 3;
    g_cat.names = names;
    g_cat.queries = qs;

    sl_query *q = bind("SELECT x.price FROM V x", &err);
    CHECK(q != NULL);
    if (q) {
        CHECK_INT(q->src.kind, SL_SRC_QUERY);
        CHECK_STR(q->src.alias, "x");
        CHECK(q->src.child != NULL);
        /* The view's id output is not read by the outer query: dropped; its WHERE still
         * reads id, so the file columns read are id and price. */
        if (q->src.child) {
            CHECK_INT(q->src.child->n_outs, 1);
            CHECK_STR(q->src.child->out_names[0], "price");
            CHECK_INT(q->src.child->src.n_proj, 2);
            if (q->src.child->src.n_proj == 2) {
                CHECK_INT(q->src.child->src.proj[0], 0);
                CHECK_INT(q->src.child->src.proj[1], 2);
                check_col(q->src.child->outs[0], 1, SL_T_DOUBLE);
            }
        }
        check_col(q->outs[0], 0, SL_T_DOUBLE);
        CHECK_STR(q->out_names[0], "price");
        sl_query_free(&q);
    }
    /* count(*) over a view: the view keeps one output so its rows still count. */
    q = bind("SELECT count(*) FROM v", &err);
    CHECK(q != NULL);
    if (q) {
        CHECK_INT(q->src.n_proj, 0);
        CHECK_INT(q->src.child->n_outs, 1);
        CHECK_STR(q->src.child->out_names[0], "id");
        CHECK_INT(q->src.child->src.n_proj, 1);
        sl_query_free(&q);
    }
    /* Two levels: only qty reaches the top, through a subquery over a view of the file. */
    q = bind("SELECT sum(q) FROM (SELECT qty AS q, Name FROM (SELECT * FROM " SRC "))", &err);
    CHECK(q != NULL);
    if (q) {
        sl_query *mid = q->src.child, *low = mid ? mid->src.child : NULL;
        CHECK(mid && low);
        if (mid && low) {
            CHECK_INT(mid->n_outs, 1);
            CHECK_INT(low->n_outs, 1);
            CHECK_STR(low->out_names[0], "qty");
            CHECK_INT(low->src.n_proj, 1);
            if (low->src.n_proj == 1)
                CHECK_INT(low->src.proj[0], 3);
            check_col(low->outs[0], 0, SL_T_BIGINT);
            check_col(mid->outs[0], 0, SL_T_BIGINT);
            check_col(q->aggs[0].arg, 0, SL_T_BIGINT);
        }
        sl_query_free(&q);
    }
    q = bind("SELECT sum(p) FROM (SELECT price AS p FROM v) s", &err);
    CHECK(q != NULL);
    if (q) {
        CHECK_INT(q->src.kind, SL_SRC_QUERY);
        CHECK(q->src.child && q->src.child->src.kind == SL_SRC_QUERY);
        CHECK_INT(q->n_aggs, 1);
        if (q->n_aggs == 1) {
            check_col(q->aggs[0].arg, 0, SL_T_DOUBLE);
            CHECK_INT(q->aggs[0].type, SL_T_DOUBLE);
        }
        sl_query_free(&q);
    }
    CHECK(strstr(bind_err("SELECT * FROM loop1"), "nested more than") != NULL);
}

/* DISTINCT calls: a call of their own next to the plain one over the same argument (the
 * planner plans them apart); min/max drop the DISTINCT, which cannot change them. */
static void test_distinct(void)
{
    sl_err err;
    sl_query *q = bind("SELECT count(DISTINCT id), count(id), sum(DISTINCT qty), "
                       "min(DISTINCT Name), count(DISTINCT id) + 1 FROM " SRC, &err);
    CHECK(q != NULL);
    if (!q) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_INT(q->n_aggs, 4);
    if (q->n_aggs == 4) {
        CHECK(q->aggs[0].fn == &sl_aggfn_count && q->aggs[0].distinct);
        CHECK_STR(q->aggs[0].text, "count(DISTINCT id)");
        CHECK(q->aggs[1].fn == &sl_aggfn_count && !q->aggs[1].distinct);
        CHECK(q->aggs[2].fn == &sl_aggfn_sum && q->aggs[2].distinct);
        CHECK_INT(q->aggs[2].type, SL_T_HUGEINT);
        CHECK(q->aggs[3].fn == &sl_aggfn_min && !q->aggs[3].distinct);
        CHECK_STR(q->aggs[3].text, "min(DISTINCT Name)");
    }
    sl_query_free(&q);
    CHECK_STR(bind_err("SELECT sum(DISTINCT Name) FROM " SRC),
              "job.sql:1:8: no function matches sum(VARCHAR) (it needs a numeric argument)");
}

static void test_errors(void)
{
    CHECK_STR(bind_err("SELECT nope FROM " SRC),
              "job.sql:1:8: column \"nope\" not found (columns: id, Name, price, qty, day)");
    CHECK_STR(bind_err("SELECT id FROM " SRC "\nWHERE sum(qty) > 1"),
              "job.sql:2:7: aggregate functions are not allowed in WHERE");
    CHECK_STR(bind_err("SELECT id, count(*) FROM " SRC " GROUP BY Name"),
              "job.sql:1:8: column \"id\" must appear in the GROUP BY clause or be used in an "
              "aggregate function");
    CHECK_STR(bind_err("SELECT a FROM nov"),
              "job.sql:1:15: table or view \"nov\" does not exist (define it with CREATE "
              "VIEW|TABLE nov AS SELECT ... before this statement)");
    CHECK_STR(bind_err("SELECT sum(Name) FROM " SRC),
              "job.sql:1:8: no function matches sum(VARCHAR) (it needs a numeric argument)");
    CHECK_STR(bind_err("SELECT id FROM " SRC " ORDER BY 7"),
              "job.sql:1:146: ORDER BY term out of range - should be between 1 and 1");
    CHECK_STR(bind_err("SELECT z.id FROM " SRC " t"),
              "job.sql:1:8: table \"z\" not found (the FROM source is \"t\")");
    CHECK_STR(bind_err("SELECT sum(count(*)) FROM " SRC),
              "job.sql:1:12: aggregate function calls cannot be nested");
    CHECK_STR(bind_err("SELECT * EXCLUDE (nope) FROM " SRC),
              "job.sql:1:8: Column \"nope\" in EXCLUDE list not found in FROM clause");
    CHECK_STR(bind_err("SELECT COLUMNS('zz') FROM " SRC),
              "job.sql:1:8: No matching columns found that match regex \"zz\"");
    CHECK_STR(bind_err("SELECT id FROM " SRC " WHERE qty"),
              "job.sql:1:143: WHERE clause must be BOOLEAN, got BIGINT");
    CHECK_STR(bind_err("SELECT DISTINCT Name FROM " SRC " ORDER BY qty"),
              "job.sql:1:157: for SELECT DISTINCT, ORDER BY expressions must appear in the "
              "select list (\"qty\" does not)");
    CHECK_STR(bind_err("SELECT sum(*) FROM " SRC),
              "job.sql:1:8: sum(*) is not valid (only count(*))");
    CHECK_STR(bind_err("SELECT avg(qty, price) FROM " SRC),
              "job.sql:1:8: aggregate avg() takes exactly one argument");
    CHECK_STR(bind_err("SELECT id FROM " SRC " GROUP BY 2"),
              "job.sql:1:146: GROUP BY term out of range - should be between 1 and 1");
    const char *m = bind_err("SELECT nosuchfn(id) FROM " SRC);
    CHECK(strncmp(m, "job.sql:1:8: ", 13) == 0);
    m = bind_err("SELECT id FROM read_csv('${dir}/missing.csv', columns={'id': 'BIGINT'})");
    CHECK(strncmp(m, "job.sql:1:16: ", 14) == 0);
}

/* The longest text below the root of e (the root itself not counted). */
/* LIST values: the uses sluice does not support are clean bind errors (DuckDB accepts most;
 * tests/dialect/cases/list.test and lops.test compare the supported ones with DuckDB). */
#define HAS(sql, want) CHECK(strstr(bind_err(sql), want) != NULL)
static void test_lists(void)
{
    /* Ordering, grouping and comparing lists bind (tests/dialect/cases/lops.test). */
    static const char *const ok[] = {
        "SELECT id, [Name] AS l FROM " SRC " ORDER BY l",
        "SELECT [Name] AS l FROM " SRC " ORDER BY ALL",
        "SELECT [Name] AS l, count(*) FROM " SRC " GROUP BY l",
        "SELECT DISTINCT [Name] AS l FROM " SRC,
        "SELECT id FROM " SRC " WHERE [qty] = [1]",
        "SELECT id FROM " SRC " WHERE [qty] IN ([1])",
        "SELECT greatest([qty], [1]) FROM " SRC,
        "SELECT [Name] FROM " SRC " UNION SELECT ['x']",
        "SELECT [Name] FROM " SRC " EXCEPT ALL SELECT ['x']",
        "SELECT row_number() OVER (PARTITION BY [Name]) FROM " SRC,
        "SELECT row_number() OVER (ORDER BY [qty]) FROM " SRC,
        "SELECT DISTINCT ON ([Name]) id FROM " SRC,
        "SELECT count(DISTINCT [Name]) FROM " SRC,
        "SELECT string_agg(Name, ',' ORDER BY [qty]) FROM " SRC,
        "SELECT list(id ORDER BY [qty]) FROM " SRC,
    };
    for (size_t k = 0; k < sizeof ok / sizeof *ok; k++)
        CHECK_STR(bind_err(ok[k]), "(no error)");
    CHECK_STR(bind_err("SELECT [Name] FROM " SRC " UNION ALL SELECT ['x']"), "(no error)");
    HAS("SELECT sum([Name]) FROM " SRC, "no function matches sum(VARCHAR[])");
    CHECK_STR(bind_err("SELECT min([Name]), max({'a': qty}) FROM " SRC), "(no error)");
    CHECK_STR(bind_err("SELECT CAST('[1]' AS INTEGER[]), '{a: 1}'::STRUCT(a INT)"), "(no error)");
    CHECK_STR(bind_err("SELECT [1, 2][1:2], [1, 2][:1], [1][:1:1]"), "(no error)");
    HAS("SELECT [1, 2][:2:qty] FROM " SRC, "an omitted bound needs a constant step");
    HAS("SELECT 'ab'[1:2:1]", "Slice with steps has not been implemented for string");
    HAS("SELECT x -> x + 1 AS f", "a lambda (x -> ...) is only allowed");
    CHECK_STR(bind_err("SELECT DISTINCT unnest([Name]) AS u FROM " SRC " ORDER BY u"),
              "(no error)");
    HAS("SELECT DISTINCT unnest([Name]) AS u FROM " SRC " ORDER BY qty",
        "for SELECT DISTINCT, ORDER BY expressions must appear in the select list");
    HAS("SELECT unnest([Name]) AS u, count(*) FROM " SRC " GROUP BY ALL",
        "Cannot group on an unnest()");
    HAS("SELECT list_transform(qty, x -> x) FROM " SRC, "the first argument must be a list");
    HAS("SELECT list_filter([1], x -> x + 1)", "list_filter: the lambda must give a BOOLEAN");
    CHECK_STR(bind_err("SELECT list_transform([1], x -> [x])"), "(no error)");
    CHECK_STR(bind_err("SELECT list_transform([qty], x -> x + qty) FROM " SRC), "(no error)");
    CHECK_STR(bind_err("SELECT unnest([1, 2]) + 1 AS u"), "(no error)");
    CHECK_STR(bind_err("SELECT unnest([1]) AS u, unnest([2]) AS v"), "(no error)");
    HAS("SELECT quantile_cont(price, [0.5, 2]) FROM " SRC, "every q must be a number in [0, 1]");
    HAS("SELECT quantile_cont(price, []) FROM " SRC, "a constant list of them");
    HAS("SELECT approx_quantile(price, [0.5]) FROM " SRC, "a list of quantiles is not supported");
    HAS("SELECT list_contains([1], 'x') FROM " SRC, "Could not convert");
    HAS("SELECT CASE WHEN qty > 1 THEN [1] ELSE ['a', Name] END FROM " SRC,
        "incompatible types INTEGER[] and VARCHAR[]");
    HAS("SELECT [Name] || 'x' FROM " SRC, "no function matches ||(VARCHAR[], VARCHAR)");
    CHECK_STR(bind_err("SELECT count([Name]) FROM " SRC), "(no error)");
}
#undef HAS

static int64_t max_inner_text(const sl_expr *e)
{
    int64_t m = 0;
    for (int i = 0; i < e->n_args; i++) {
        int64_t k = (int64_t)strlen(e->args[i]->text), sub = max_inner_text(e->args[i]);
        m = k > m ? k : m;
        m = sub > m ? sub : m;
    }
    return m;
}

/* Issue #10: long expressions bind in memory linear in their length (the root keeps its
 * text, nodes below keep at most SL_BIND_TEXT_MAX bytes + "..."), a long GROUP BY key still
 * matches its select item, and long AND chains of aggregates bind to one aggregate. */
static void test_long_exprs(void)
{
    sl_buf e;
    sl_buf_init(&e);
    sl_buf_puts(&e, "qty");
    for (int i = 0; i < 900; i++)
        sl_buf_puts(&e, " + 1");
    char *sql = sl_xasprintf("SELECT %s AS s, count(*) FROM " SRC " GROUP BY %s ORDER BY %s",
                             sl_buf_cstr(&e), sl_buf_cstr(&e), sl_buf_cstr(&e));
    sl_err err;
    sl_query *q = bind(sql, &err);
    CHECK(q != NULL);
    if (q) {
        CHECK_INT(q->n_groups, 1);
        CHECK_STR(q->groups[0]->text, sl_buf_cstr(&e));
        CHECK(max_inner_text(q->groups[0]) <= SL_BIND_TEXT_MAX + 3);
        check_col(q->outs[0], 0, SL_T_BIGINT); /* the select item is the group key */
        check_col(q->order[0], 0, SL_T_BIGINT);
        CHECK_STR(q->out_names[0], "s");
        sl_query_free(&q);
    } else {
        fprintf(stderr, "    %s\n", err.msg);
    }
    sl_free(sql);
    sl_buf_reset(&e);
    sl_buf_puts(&e, "sum(qty) > 0");
    for (int i = 0; i < 20000; i++)
        sl_buf_puts(&e, " AND sum(qty) > 0");
    sql = sl_xasprintf("SELECT Name, sum(qty) FROM " SRC " GROUP BY Name HAVING %s",
                       sl_buf_cstr(&e));
    q = bind(sql, &err);
    CHECK(q != NULL);
    if (q) {
        CHECK_INT(q->n_aggs, 1);
        CHECK_STR(q->having->text, sl_buf_cstr(&e));
        CHECK(max_inner_text(q->having) <= SL_BIND_TEXT_MAX + 3);
        sl_query_free(&q);
    } else {
        fprintf(stderr, "    %s\n", err.msg);
    }
    sl_free(sql);
    sl_buf_free(&e);
}

/* The calls a statement reaches, through subqueries and views; a name that is a persisted
 * table reads no file (a table shadows a view of the same name, as in the binder); a view
 * that refers to itself ends the walk; the binder opens nothing: an unopened call is an
 * error. */
static void test_calls(void)
{
    sl_err err;
    sl_job *job = parse("SELECT * FROM (SELECT x.price FROM V x)", &err);
    CHECK(job != NULL && g_views != NULL);
    if (!job || !g_views)
        return;
    const sl_fmt_call **calls = NULL;
    /* v -> read_csv: one call, found through the subquery and the view. */
    int n = sl_sql_calls(job->stmts[0]->query, &g_cat, &calls);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK(calls[0] == &g_views->stmts[0]->query->from.call);
        CHECK_STR(calls[0]->fmt->name, "csv");
    }
    sl_free(calls);
    /* Binding without the opened sources: refused, nothing opened behind the caller's back. */
    sl_query *q = NULL;
    sl_err_clear(&err);
    CHECK_INT(sl_sql_bind(job, job->stmts[0]->query, &g_cat, NULL, &q, &err), SL_EINTERNAL);
    CHECK(q == NULL);
    CHECK(strstr(err.msg, "read_csv(...) was not opened before binding") != NULL);
    sl_job_free(&job);

    sl_table t = {.name = "V"};
    sl_table *tp = &t;
    sl_catalog cat = g_cat;
    cat.n_tables = 1;
    cat.tables = &tp;
    const char *none[] = {"SELECT * FROM v", "SELECT * FROM nosuch", "SELECT * FROM loop1"};
    for (int i = 0; i < 3; i++) {
        job = parse(none[i], &err);
        CHECK(job != NULL);
        if (!job)
            continue;
        n = sl_sql_calls(job->stmts[0]->query, &cat, &calls);
        CHECK_INT(n, 0);
        sl_free(calls);
        sl_job_free(&job);
    }
}

int main(int argc, char **argv)
{
    sl_mpi_init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        snprintf(g_dir, sizeof g_dir, "/tmp/sluice-test-bind-XXXXXX");
        if (!mkdtemp(g_dir))
            g_dir[0] = 0;
        char path[300];
        snprintf(path, sizeof path, "%s/t.csv", g_dir);
        FILE *f = fopen(path, "w");
        if (f) {
            fputs("id,Name,price,qty,day\n1,apple,1.5,3,2024-01-01\n2,pear,2.25,1,2024-01-02\n",
                  f);
            fclose(f);
        }
    }
    MPI_Bcast(g_dir, sizeof g_dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    test_plain();
    test_agg();
    test_views();
    test_distinct();
    test_errors();
    test_long_exprs();
    test_calls();
    test_lists();
    sl_job_free(&g_views);
    for (int i = 0; i < g_n_srcs; i++)
        sl_fmt_sources_free(&g_srcs[i]);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        char path[300];
        snprintf(path, sizeof path, "%s/t.csv", g_dir);
        unlink(path);
        rmdir(g_dir);
    }
    int failed = check_failed, any;
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    int rc = 0;
    if (rank == 0)
        rc = CHECK_DONE();
    else if (check_failed)
        fprintf(stderr, "rank %d: %d checks failed\n", rank, check_failed);
    sl_mpi_finalize();
    return any ? 1 : rc;
}
