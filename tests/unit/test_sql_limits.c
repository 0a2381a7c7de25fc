/*
 * SQL front end against hostile jobs (issue #10): -D parameters are values, not text (inside a
 * literal they cannot end it; outside they must be one literal, and their tokens never merge
 * with the text around them); expression height is limited with a clear error at the term
 * that crosses it; AND / OR chains are balanced; a long job costs memory linear in its
 * length; a NUL byte is an error with its line and column. Expected values are worked out by
 * hand from the input text (columns counted 1-based).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/buf.h"
#include "core/mem.h"
#include "sql/sql.h"
#include "sql/sql_int.h"
#include "io/csv.h"

static char *g_names[] = {"s", "n", "neg", "id", "q", "list", "cols", "inj", "bad", "kw", "qn"};
static char *g_values[] = {"it's", "42", "-7", "Price", "My \"Col\"", "['a.csv', 'b''c.csv']",
                           "{'a': 'BIGINT', b: 'VARCHAR'}",
                           "x'); COPY (SELECT 1) TO '/tmp/p'; --", "1 + 1", "null",
                           " \"Quoted \"\"N\"\"\" "};
static sl_params g_prm = {11, g_names, g_values};

static sl_job *parse_n(const char *text, int64_t len, sl_err *err)
{
    sl_job *job = NULL;
    sl_err_clear(err);
    sl_sql_parse_job_n(text, len, "job.sql", &g_prm, &job, err);
    return job;
}

static sl_job *parse(const char *text, sl_err *err)
{
    return parse_n(text, (int64_t)strlen(text), err);
}

/* The error message of parsing text (static buffer), "" when it parses. */
static const char *perr(const char *text)
{
    static char out[SL_ERR_MSG_MAX];
    sl_err err;
    sl_job *job = parse(text, &err);
    out[0] = 0;
    if (job)
        sl_job_free(&job);
    else
        snprintf(out, sizeof out, "%s", err.msg);
    return out;
}

/* "SELECT <e> FROM t": the first item printed (static buffer), or "ERROR msg". */
static const char *e2s(const char *expr)
{
    static char out[4096];
    char *sql = sl_xasprintf("SELECT %s FROM t", expr);
    sl_err err;
    sl_job *job = parse(sql, &err);
    sl_free(sql);
    if (!job) {
        snprintf(out, sizeof out, "ERROR %s", err.msg);
        return out;
    }
    char *s = sl_ast_expr_to_string(job->stmts[0]->query->items[0].e, false);
    snprintf(out, sizeof out, "%s", s);
    sl_free(s);
    sl_job_free(&job);
    return out;
}

static void test_params_in_literals(void)
{
    sl_err err;
    /* Inside a string the value is the literal's text, quote and all; the statement text (what
     * --resume hashes) shows it with the quote doubled, so it reads back as the same SQL. */
    sl_job *job = parse("COPY (SELECT a FROM read_csv('/d/${s}/${inj}.csv')) TO '${inj}'", &err);
    CHECK(job != NULL);
    if (job) {
        CHECK_INT(job->n_stmts, 1);
        CHECK_INT(job->stmts[0]->kind, SL_STMT_COPY);
        CHECK_STR(((const sl_csv_opts *)job->stmts[0]->query->from.call.opts)->paths[0],
                  "/d/it's/x'); COPY (SELECT 1) TO '/tmp/p'; --.csv");
        CHECK_STR(job->stmts[0]->copy.path, "x'); COPY (SELECT 1) TO '/tmp/p'; --");
        CHECK_STR(job->stmts[0]->text,
                  "COPY (SELECT a FROM read_csv('/d/it''s/x''); COPY (SELECT 1) TO ''/tmp/p''; "
                  "--.csv')) TO 'x''); COPY (SELECT 1) TO ''/tmp/p''; --'");
        sl_job_free(&job);
    }
    /* The same in a quoted identifier. */
    job = parse("SELECT \"${q}\" AS \"x ${s}\" FROM t", &err);
    CHECK(job != NULL);
    if (job) {
        CHECK_STR(job->stmts[0]->query->items[0].e->name, "My \"Col\"");
        CHECK_STR(job->stmts[0]->query->items[0].alias, "x it's");
        CHECK_STR(job->stmts[0]->text, "SELECT \"My \"\"Col\"\"\" AS \"x it's\" FROM t");
        sl_job_free(&job);
    }
    /* A different value gives a different statement text (the --resume fingerprint). */
    char *v2[11];
    memcpy(v2, g_values, sizeof v2);
    v2[0] = "its";
    sl_params p2 = {11, g_names, v2};
    sl_job *j2 = NULL;
    sl_err_clear(&err);
    CHECK_INT(sl_sql_parse_job("COPY (SELECT a FROM read_csv('${s}')) TO 'o'", "job.sql", &p2,
                               &j2, &err), 0);
    job = parse("COPY (SELECT a FROM read_csv('${s}')) TO 'o'", &err);
    CHECK(job && j2 && strcmp(job->stmts[0]->text, j2->stmts[0]->text) != 0);
    sl_job_free(&job);
    sl_job_free(&j2);
}

static void test_params_as_literals(void)
{
    /* Outside quotes: one literal each (number, signed number, name, keyword, quoted name). */
    CHECK_STR(e2s("${n} + ${neg}"), "(42 + -7)");
    CHECK_STR(e2s("${id}"), "price");
    CHECK_STR(e2s("${kw} IS NULL"), "(NULL IS NULL)");
    CHECK_STR(e2s("${qn}"), "\"Quoted \"\"N\"\"\"");
    CHECK(strstr(e2s("${q}"), "ERROR job.sql:1:8: parameter ${q}: its value \"My \"Col\"\"") != NULL);
    /* Parameter tokens never merge with the text around them: "-${neg}" is minus minus 7, not
     * the start of a -- comment, and "x${n}" is two tokens (x, 42), not the name x42. */
    CHECK_STR(e2s("-${neg}"), "(- -7)");
    CHECK_STR(e2s("1-${neg}"), "(1 - -7)");
    CHECK_STR(e2s("x${n}"), "ERROR job.sql:1:9: syntax error: expected ';' or end of input, "
                            "got \"42\"");
    /* A list of files and a struct of columns, where read_csv takes them. */
    sl_err err;
    sl_job *job = parse("SELECT a FROM read_csv(${list}, columns=${cols})", &err);
    CHECK(job != NULL);
    if (job) {
        const sl_csv_opts *o = job->stmts[0]->query->from.call.opts;
        CHECK_INT(o->n_paths, 2);
        if (o->n_paths == 2) {
            CHECK_STR(o->paths[0], "a.csv");
            CHECK_STR(o->paths[1], "b'c.csv");
        }
        CHECK_INT(o->n_decl, 2);
        CHECK_STR(job->stmts[0]->text,
                  "SELECT a FROM read_csv(['a.csv', 'b''c.csv'], "
                  "columns={'a': 'BIGINT', b: 'VARCHAR'})");
        sl_job_free(&job);
    }
    /* Anything else is refused, naming the parameter at its position in the job text. */
    CHECK_STR(perr("SELECT a FROM t\nWHERE a = ${inj}"),
              "job.sql:2:11: parameter ${inj}: its value \"x'); COPY (SELECT 1) TO '/tmp/p'; "
              "--\" is not a single literal (outside quotes a -D value must be one number, "
              "'string', name, or [list] / {struct} of those; write '${inj}' to use it as "
              "text)");
    CHECK(strncmp(perr("SELECT ${bad} FROM t"), "job.sql:1:8: parameter ${bad}: its value "
                                                "\"1 + 1\" is not a single literal", 63) == 0);
    /* Each of these is refused as a value outside quotes. */
    static const char *const bad[] = {"", " ", "1;", "a b", "f(x)", "1 -- c", "/* c */ 1",
                                      "'open", "[1, 2", "[1]]", "[1], 2", "{'a': f(1)}",
                                      "${n}", "- x", "(1)", "1)", NULL};
    for (int i = 0; bad[i]; i++) {
        char *nm[] = {"v"};
        char *vl[] = {(char *)bad[i]};
        sl_params p = {1, nm, vl};
        sl_job *j = NULL;
        sl_err_clear(&err);
        int rc = sl_sql_parse_job("SELECT ${v} FROM t", "job.sql", &p, &j, &err);
        CHECK_INT(rc, SL_ESQL);
        if (rc != SL_ESQL)
            fprintf(stderr, "    value <%s> was accepted\n", bad[i]);
        else
            CHECK(strstr(err.msg, "job.sql:1:8: parameter ${v}: its value") != NULL);
        sl_job_free(&j);
    }
    /* Inside comments nothing is looked up; an unknown name elsewhere is an error. */
    CHECK_STR(perr("SELECT 1 -- ${nope}\nFROM t /* ${nope} */"), "");
    CHECK_STR(perr("SELECT 1 FROM '${nope}'"),
              "job.sql:1:16: unknown parameter ${nope} (pass it with -D nope=VALUE)");
}

static void test_nul_byte(void)
{
    static const char job[] = "SELECT a\nFROM t; -- x\0y\nSELECT b FROM t";
    sl_err err;
    sl_job *j = parse_n(job, (int64_t)sizeof job - 1, &err);
    CHECK(j == NULL);
    CHECK_STR(err.msg, "job.sql:2:13: syntax error: NUL byte in the job file (is it a text "
                       "file?)");
    sl_job_free(&j);
    static const char job2[] = "SELECT 'a\0' FROM t";
    j = parse_n(job2, (int64_t)sizeof job2 - 1, &err);
    CHECK(j == NULL);
    CHECK_STR(err.msg, "job.sql:1:10: syntax error: NUL byte in the job file (is it a text "
                       "file?)");
    sl_job_free(&j);
}

/* "a op a op ... a" with n terms. Returns new. */
static char *chain(const char *op, int n)
{
    sl_buf b;
    sl_buf_init(&b);
    for (int i = 0; i < n; i++) {
        if (i)
            sl_buf_puts(&b, op);
        sl_buf_putc(&b, 'a');
    }
    return sl_buf_take(&b);
}

static void test_depth(void)
{
    /* SL_SQL_MAX_EXPR_DEPTH (1000) terms of a+a+... make a tree exactly that high: fine. One
     * more is an error at the last term, in the original text. */
    char *ok = chain("+", SL_SQL_MAX_EXPR_DEPTH), *over = chain("+", SL_SQL_MAX_EXPR_DEPTH + 1);
    char *sql = sl_xasprintf("SELECT %s FROM t", ok);
    CHECK_STR(perr(sql), "");
    sl_free(sql);
    sql = sl_xasprintf("SELECT 1;\nSELECT %s FROM t", over);
    CHECK_STR(perr(sql), "job.sql:2:2008: expression too deeply nested: more than 1000 levels "
                         "(a chain of that many operators or that much nesting; split it into "
                         "smaller expressions or views, or use IN (...) instead of a long OR "
                         "chain)");
    sl_free(sql);
    sl_free(ok);
    sl_free(over);
    /* The same for a chain of casts, of IS NULL and of ||. */
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_puts(&b, "SELECT a");
    for (int i = 0; i < 1000; i++)
        sl_buf_puts(&b, "::INT");
    sl_buf_puts(&b, " FROM t");
    CHECK(strstr(perr(sl_buf_cstr(&b)), "job.sql:1:5006: expression too deeply nested") != NULL);
    sl_buf_reset(&b);
    sl_buf_puts(&b, "SELECT a");
    for (int i = 0; i < 1000; i++)
        sl_buf_puts(&b, " IS NULL");
    CHECK(strstr(perr(sl_buf_cstr(&b)), "expression too deeply nested") != NULL);
    sl_buf_free(&b);
    char *cat = chain(" || ", 5000);
    sql = sl_xasprintf("SELECT %s FROM t", cat);
    CHECK(strstr(perr(sql), "expression too deeply nested") != NULL);
    sl_free(sql);
    sl_free(cat);
    /* NOT NOT ... and - - ... hit the parser's recursion limit instead. */
    sl_buf_init(&b);
    sl_buf_puts(&b, "SELECT ");
    for (int i = 0; i < 100000; i++)
        sl_buf_puts(&b, "NOT ");
    sl_buf_puts(&b, "a FROM t");
    CHECK_STR(perr(sl_buf_cstr(&b)), "job.sql:1:800: expression or query nested too deeply: "
                                     "more than 200 levels of parentheses, calls, CASE, NOT, "
                                     "signs or subqueries");
    sl_buf_free(&b);
}

static int height(const sl_ast_expr *e)
{
    int h = 0;
    for (int i = 0; i < e->n_args; i++)
        if (height(e->args[i]) > h)
            h = height(e->args[i]);
    return h + 1;
}

static void test_balanced_chains(void)
{
    /* Two or three terms read as written; longer chains are balanced (AND and OR are
     * associative; evaluation still goes left to right). */
    CHECK_STR(e2s("a AND b"), "(a AND b)");
    CHECK_STR(e2s("a AND b AND c"), "((a AND b) AND c)");
    CHECK_STR(e2s("a AND b AND c AND d"), "((a AND b) AND (c AND d))");
    CHECK_STR(e2s("a OR b OR c OR d OR e"), "(((a OR b) OR c) OR (d OR e))");
    CHECK_STR(e2s("a OR b AND c AND d OR e"), "((a OR ((b AND c) AND d)) OR e)");
    /* Each node keeps the text of its own terms and the position of its first one. */
    sl_err err;
    sl_buf b;
    sl_job *job = parse("SELECT x = 1 AND (y) AND z AND w FROM t", &err);
    CHECK(job != NULL);
    if (job) {
        const sl_ast_expr *e = job->stmts[0]->query->items[0].e;
        char *t = sl_ast_text(e, -1), *l = sl_ast_text(e->args[0], -1);
        char *r = sl_ast_text(e->args[1], -1);
        CHECK_STR(t, "x = 1 AND (y) AND z AND w");
        CHECK_STR(l, "x = 1 AND (y)");
        CHECK_STR(r, "z AND w");
        CHECK_INT(e->args[1]->col, 26);
        sl_free(t);
        sl_free(l);
        sl_free(r);
        sl_job_free(&job);
    }
    /* 100,000 terms (1.1 MB): log2 deep, and the parsed job holds memory linear in its length
     * (the AST points into the text instead of copying it at every node). */
    sl_buf_init(&b);
    sl_buf_puts(&b, "SELECT a FROM t WHERE a = 1");
    for (int i = 1; i < 100000; i++)
        sl_buf_puts(&b, " AND a = 1");
    char *sql = sl_buf_take(&b);
    int64_t len = (int64_t)strlen(sql), before = sl_mem_in_use();
    job = parse(sql, &err);
    CHECK(job != NULL);
    if (job) {
        const sl_ast_expr *w = job->stmts[0]->query->where;
        CHECK_INT(height(w), 17 + 1 + 1); /* ceil(log2(100000)) ANDs over a = 1 */
        CHECK_INT(w->height, height(w));
        int64_t used = sl_mem_in_use() - before;
        CHECK(used < 100 * len); /* about 50 x today; quadratic would be 50 GB */
        if (used >= 100 * len)
            fprintf(stderr, "    %lld bytes for a %lld-byte job\n", (long long)used,
                    (long long)len);
        char *t = sl_ast_text(w, -1);
        CHECK_INT((int64_t)strlen(t), len - (int64_t)strlen("SELECT a FROM t WHERE "));
        sl_free(t);
        sl_job_free(&job);
    }
    sl_free(sql);
    /* Printing with a cap stops early (the binder compares long expressions with short GROUP
     * BY keys this way). */
    job = parse("SELECT a + b + c FROM t", &err);
    if (job) {
        const sl_ast_expr *e = job->stmts[0]->query->items[0].e;
        char *full = sl_ast_expr_to_string_max(e, true, 100);
        CHECK_STR(full, "((a + b) + c)");
        CHECK(sl_ast_expr_to_string_max(e, true, 5) == NULL);
        sl_free(full);
        char *cut = sl_ast_text(e, 4);
        CHECK_STR(cut, "a + ...");
        sl_free(cut);
        sl_job_free(&job);
    }
}

int main(void)
{
    test_params_in_literals();
    test_params_as_literals();
    test_nul_byte();
    test_depth();
    test_balanced_chains();
    CHECK_INT(sl_mem_in_use(), 0); /* everything freed */
    return CHECK_DONE();
}
