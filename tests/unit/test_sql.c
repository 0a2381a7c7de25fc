/*
 * SQL front end without binding: ${param} values and positions in the original text, tokenizer,
 * parser (every statement form), AST printing round trips, precedence, error positions.
 * Expected values are worked out by hand from the input text (columns counted 1-based).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/mem.h"
#include "sql/sql.h"
#include "sql/sql_int.h"
#include "io/csv.h"

/* The CSV format's own options behind a parsed read_csv(...) and a COPY (io/csv.h; NULL write
 * options are the defaults). */
static const sl_csv_opts *ropts(const sl_ast_source *s) { return s->call.opts; }
static sl_csv_wopts wopts(const sl_copy_opts *c)
{
    return c->format_opts ? *(const sl_csv_wopts *)c->format_opts
                          : (sl_csv_wopts){true, ',', SL_CSV_Z_NONE};
}

/* An AST node's source text (not NUL-terminated) equals s. */
#define CHECK_TEXT(e, s)                                                              \
    do {                                                                              \
        char *t_ = sl_ast_text((e), -1);                                              \
        CHECK_STR(t_, (s));                                                           \
        sl_free(t_);                                                                  \
    } while (0)

static sl_job *parse(const char *text, sl_err *err)
{
    sl_job *job = NULL;
    sl_err_clear(err);
    sl_sql_parse_job(text, "job.sql", NULL, &job, err);
    return job;
}

/* Parses one statement and returns its query printed (static buffer). */
static const char *q2s(const char *sql)
{
    static char out[4096];
    sl_err err;
    sl_job *job = parse(sql, &err);
    if (!job) {
        snprintf(out, sizeof out, "ERROR %s", err.msg);
        return out;
    }
    char *s = sl_sql_ast_to_string(job->stmts[0]->query);
    snprintf(out, sizeof out, "%s", s);
    sl_free(s);
    sl_job_free(&job);
    return out;
}

/* Parses "SELECT <e> FROM t" and returns the first item printed (static buffer). */
static const char *e2s(const char *expr)
{
    static char out[2048];
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT %s FROM t", expr);
    sl_err err;
    sl_job *job = parse(sql, &err);
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

static void test_tokens(void)
{
    const char *text =
        "SELECT a,\n  'it''s' -- c ${zz}\n /* x\n */ \"Col\"\"X\" 1.5e3 42 <> != :: //";
    sl_src_text st;
    sl_err err;
    sl_err_clear(&err);
    sl_tok *t = NULL;
    int n = 0;
    CHECK_INT(sl_sql_lex(text, (int64_t)strlen(text), "j.sql", NULL, &st, &t, &n, &err), 0);
    CHECK_INT(n, 12);
    if (n == 12) {
        CHECK_INT(t[0].kind, TK_IDENT); CHECK_STR(t[0].val, "select");
        CHECK_INT(t[0].line, 1); CHECK_INT(t[0].col, 1);
        CHECK_INT(t[1].kind, TK_IDENT); CHECK_STR(t[1].val, "a"); CHECK_INT(t[1].col, 8);
        CHECK_INT(t[2].kind, TK_OP); CHECK_STR(t[2].val, ",");
        CHECK_INT(t[3].kind, TK_STRING); CHECK_STR(t[3].val, "it's");
        CHECK_INT(t[3].line, 2); CHECK_INT(t[3].col, 3);
        CHECK_INT(t[4].kind, TK_QIDENT); CHECK_STR(t[4].val, "Col\"X");
        CHECK_INT(t[4].line, 4); CHECK_INT(t[4].col, 5);
        CHECK_INT(t[5].kind, TK_FLOAT); CHECK_STR(t[5].val, "1.5e3");
        CHECK_INT(t[6].kind, TK_INT); CHECK_STR(t[6].val, "42"); CHECK_INT(t[6].col, 20);
        CHECK_STR(t[7].val, "<>"); CHECK_STR(t[8].val, "!=");
        CHECK_STR(t[9].val, "::"); CHECK_STR(t[10].val, "//");
        CHECK_INT(t[11].kind, TK_EOF);
    }
    sl_sql_toks_free(t, n);
    sl_src_text_free(&st);
}

static void test_params(void)
{
    char *names[] = {"x", "y"}, *values[] = {"abcdefghij", "12"};
    sl_params prm = {2, names, values};
    /* Positions after a parameter refer to the original text. */
    const char *text = "SELECT ${x}\nFROM t WHERE y = ${y}";
    sl_src_text st;
    sl_err err;
    sl_err_clear(&err);
    sl_tok *t = NULL;
    int n = 0;
    CHECK_INT(sl_sql_lex(text, (int64_t)strlen(text), "j.sql", &prm, &st, &t, &n, &err), 0);
    CHECK_STR(st.text, "SELECT abcdefghij\nFROM t WHERE y = 12");
    CHECK_INT(n, 9); /* SELECT abcdefghij FROM t WHERE y = 12 EOF */
    if (n == 9) {
        CHECK_STR(t[1].val, "abcdefghij"); CHECK_INT(t[1].line, 1); CHECK_INT(t[1].col, 8);
        CHECK_STR(t[3].val, "t"); CHECK_INT(t[3].line, 2); CHECK_INT(t[3].col, 6);
        CHECK_STR(t[7].val, "12"); CHECK_INT(t[7].line, 2); CHECK_INT(t[7].col, 18);
    }
    sl_sql_toks_free(t, n);
    sl_src_text_free(&st);

    /* A glob's slash-star inside a string is not a comment: parameters after it still count,
     * and "--" inside a string is text. */
    const char *glob = "SELECT * FROM read_csv('${x}/*.csv', columns=${y}) -- ${x} stays\n"
                       "WHERE s = '--${y}'";
    sl_err_clear(&err);
    CHECK_INT(sl_sql_lex(glob, (int64_t)strlen(glob), "j.sql", &prm, &st, &t, &n, &err), 0);
    sl_sql_toks_free(t, n);
    CHECK_STR(st.text, "SELECT * FROM read_csv('abcdefghij/*.csv', columns=12) -- ${x} stays\n"
                       "WHERE s = '--12'");
    sl_src_text_free(&st);

    /* An error after a long value on the same line: column of the original text. */
    sl_job *job = NULL;
    sl_err_clear(&err);
    CHECK_INT(sl_sql_parse_job("SELECT ${x}, bad! FROM t", "j.sql", &prm, &job, &err), SL_ESQL);
    CHECK_STR(err.msg, "j.sql:1:17: syntax error: unexpected character '!'");

    sl_err_clear(&err);
    CHECK_INT(sl_sql_parse_job("SELECT 1 FROM t;\n  SELECT ${nope} FROM t", "j.sql", &prm, &job,
                               &err), SL_ESQL);
    CHECK(strncmp(err.msg, "j.sql:2:10: unknown parameter ${nope}", 37) == 0);
    CHECK(job == NULL);

    /* Inside comments nothing is looked up (so no error); inside strings it is. */
    sl_err_clear(&err);
    CHECK_INT(sl_sql_parse_job("-- ${nope}\nSELECT a FROM read_csv('${x}/f.csv') /* ${nope} */",
                               "j.sql", &prm, &job, &err), 0);
    if (job) {
        CHECK_STR(ropts(&job->stmts[0]->query->from)->paths[0], "abcdefghij/f.csv");
        CHECK_INT(job->stmts[0]->line, 2);
        sl_job_free(&job);
    }
}

static void test_precedence(void)
{
    CHECK_STR(e2s("1+2*3"), "(1 + (2 * 3))");
    CHECK_STR(e2s("1 - 2 - 3"), "((1 - 2) - 3)");
    CHECK_STR(e2s("NOT a=b AND c"), "((NOT (a = b)) AND c)");
    CHECK_STR(e2s("a BETWEEN 1 AND 2 AND b"), "((a BETWEEN 1 AND 2) AND b)");
    CHECK_STR(e2s("a OR b AND c"), "(a OR (b AND c))");
    CHECK_STR(e2s("a || b + 1"), "(a || (b + 1))");
    CHECK_STR(e2s("-a * b"), "((- a) * b)");
    CHECK_STR(e2s("a = b IS NULL"), "((a = b) IS NULL)");
    CHECK_STR(e2s("a IS NOT NULL AND b"), "((a IS NOT NULL) AND b)");
    CHECK_STR(e2s("x NOT IN (1, 2) OR y NOT LIKE 'a%'"),
              "((x NOT IN (1, 2)) OR (y NOT LIKE 'a%'))");
    CHECK_STR(e2s("x not between 1 and 5"), "(x NOT BETWEEN 1 AND 5)");
    CHECK_STR(e2s("s ILIKE 'A_' = true"), "((s ILIKE 'A_') = TRUE)");
    CHECK_STR(e2s("a::VARCHAR || 'x'"), "(CAST(a AS VARCHAR) || 'x')");
    CHECK_STR(e2s("-a::int"), "(- CAST(a AS INTEGER))");
    CHECK_STR(e2s("7 // 2 % 3 * 4 / 5"), "((((7 // 2) % 3) * 4) / 5)");
    CHECK_STR(e2s("(1 + 2) * 3"), "((1 + 2) * 3)");
    CHECK_STR(e2s("a == 1 OR b != 2 AND c <> 3"), "((a = 1) OR ((b <> 2) AND (c <> 3)))");
    CHECK_STR(e2s("NOT NOT a"), "(NOT (NOT a))");
    CHECK_STR(e2s("a >= 1 AND a <= 2 OR a < 0 OR a > 9"),
              "((((a >= 1) AND (a <= 2)) OR (a < 0)) OR (a > 9))");
}

static void test_literals_and_forms(void)
{
    CHECK_STR(e2s("CASE x WHEN 1 THEN 'a' WHEN 2 THEN 'b' ELSE 'c' END"),
              "CASE x WHEN 1 THEN 'a' WHEN 2 THEN 'b' ELSE 'c' END");
    CHECK_STR(e2s("case when a > 1 then 1 end"), "CASE WHEN (a > 1) THEN 1 END");
    CHECK_STR(e2s("CAST(a AS INTEGER)"), "CAST(a AS INTEGER)");
    CHECK_STR(e2s("TRY_CAST(a AS double precision)"), "TRY_CAST(a AS DOUBLE)");
    CHECK_STR(e2s("a::VARCHAR(10)"), "CAST(a AS VARCHAR)");
    CHECK_STR(e2s("DATE '2024-01-31'"), "DATE '2024-01-31'");
    CHECK_STR(e2s("TIMESTAMP '2024-01-01 10:00:00'"), "TIMESTAMP '2024-01-01 10:00:00'");
    CHECK_STR(e2s("-9223372036854775808"), "-9223372036854775808");
    CHECK_STR(e2s("count(*)"), "count(*)");
    CHECK_STR(e2s("COUNT(DISTINCT a)"), "count(DISTINCT a)");
    CHECK_STR(e2s("Coalesce(a, 0, NULL)"), "coalesce(a, 0, NULL)");
    CHECK_STR(e2s("\"MyCol\" + T.b"), "(\"MyCol\" + t.b)");
    CHECK_STR(e2s("'it''s'"), "'it''s'");
    CHECK_STR(e2s("1.5e3"), "1500.0");
    CHECK_STR(e2s(".25"), ".25"); /* DECIMAL(2,2): DuckDB's text, which re-parses as it */
    CHECK_STR(e2s("00.10"), "0.10");
    CHECK_STR(e2s("TRUE AND false OR null"), "((TRUE AND FALSE) OR NULL)");

    sl_err err;
    sl_job *job = parse("SELECT sum( v1 ) AS S, a+b MyName, \"Q\" FROM t", &err);
    CHECK(job != NULL);
    if (job) {
        sl_ast_query *q = job->stmts[0]->query;
        CHECK_INT(q->n_items, 3);
        CHECK_TEXT(q->items[0].e, "sum( v1 )");
        CHECK_STR(q->items[0].alias, "S");
        CHECK_TEXT(q->items[1].e, "a+b");
        CHECK_STR(q->items[1].alias, "MyName");
        CHECK_INT(q->items[2].e->kind, A_COL);
        CHECK_STR(q->items[2].e->name, "Q");
        CHECK(q->items[2].alias == NULL);
        CHECK_INT(q->items[1].e->line, 1);
        CHECK_INT(q->items[1].e->col, 24);
        sl_job_free(&job);
    }
    job = parse("SELECT DATE '2024-03-01', -5 FROM t", &err);
    CHECK(job != NULL);
    if (job) {
        sl_ast_expr *d = job->stmts[0]->query->items[0].e;
        CHECK_INT(d->kind, A_TYPED);
        CHECK_INT(d->ctype, SL_T_DATE);
        CHECK_INT(d->ival, 19783); /* 2024-03-01: 54 years incl. 13 leap days, + 31 + 29 */
        CHECK_INT(job->stmts[0]->query->items[1].e->ival, -5);
        sl_job_free(&job);
    }
}

static void test_queries(void)
{
    CHECK_STR(q2s("select distinct a, b as x from read_csv('d/*.csv') where a > 1 "
                  "group by a, 2 having count(*) > 3 order by x desc, 1 nulls first "
                  "limit 10 offset 5"),
              "SELECT DISTINCT a, b AS x FROM read_csv('d/*.csv', header=true, delim=',', "
              "quote='\"') WHERE (a > 1) GROUP BY a, 2 HAVING (count(*) > 3) ORDER BY x DESC "
              "NULLS LAST, 1 ASC NULLS FIRST LIMIT 10 OFFSET 5");
    CHECK_STR(q2s("SELECT * FROM v AS w OFFSET 2 LIMIT 1"),
              "SELECT * FROM v AS w LIMIT 1 OFFSET 2");
    CHECK_STR(q2s("SELECT t.* FROM (SELECT a FROM v) t GROUP BY ALL"),
              "SELECT t.* FROM (SELECT a FROM v) AS t GROUP BY ALL");
    CHECK_STR(q2s("SELECT a FROM read_csv_auto(['a.csv', 'b.csv'], header=false, sep='|', "
                  "quote='', blocksize='64KB', columns={'a': 'INTEGER', 'B': 'varchar'}) x"),
              "SELECT a FROM read_csv(['a.csv', 'b.csv'], header=false, delim='|', quote='', "
              "blocksize=64000, columns={'a': 'INTEGER', 'B': 'VARCHAR'}) AS x");
    CHECK_STR(q2s("SELECT a FROM read_csv('a.csv', delim='\\t', blocksize='1MiB', HEADER=1)"),
              "SELECT a FROM read_csv('a.csv', header=true, delim='\\t', quote='\"', "
              "blocksize=1048576)");

    sl_err err;
    sl_job *job = parse("SELECT a FROM read_csv('f.csv', quote='', delim='\\t', blocksize=4096, "
                        "columns={'a': 'DATE'})", &err);
    CHECK(job != NULL);
    if (job) {
        sl_ast_source *s = &job->stmts[0]->query->from;
        CHECK_INT(s->kind, AS_FUNC);
        CHECK_STR(s->call.fmt->name, "csv");
        CHECK_INT(ropts(s)->n_paths, 1);
        CHECK_INT(ropts(s)->quote, 0);
        CHECK_INT(ropts(s)->delim, '\t');
        CHECK_INT(ropts(s)->blocksize, 4096);
        CHECK(ropts(s)->header);
        CHECK_INT(ropts(s)->n_decl, 1);
        CHECK_INT(ropts(s)->decl_types[0], SL_T_DATE);
        sl_job_free(&job);
    }

    /* Round trips: printing the parse of the printed text gives the same text. */
    const char *rt[] = {
        "SELECT a + b * c AS \"Weird Name\", count(*) FROM read_csv('x.csv') "
        "WHERE NOT a IN (1, 2, 3) AND s LIKE 'x%' GROUP BY 1 HAVING sum(b) > 2.5",
        "SELECT CASE WHEN a IS NULL THEN 'n' ELSE a::VARCHAR || '!' END FROM v",
        "SELECT -a, - 1, x // 2 FROM (SELECT * FROM (SELECT 1 AS x FROM v)) ORDER BY 1",
        "SELECT DISTINCT \"select\", DATE '2020-02-29' FROM v",
    };
    for (size_t i = 0; i < sizeof rt / sizeof rt[0]; i++) {
        char first[4096];
        snprintf(first, sizeof first, "%s", q2s(rt[i]));
        CHECK(strncmp(first, "ERROR", 5) != 0);
        CHECK_STR(q2s(first), first);
    }
}

static void test_statements(void)
{
    sl_err err;
    const char *text =
        "SET memory_limit = '2GB';\n"
        "set Threads to 4;\n"
        "SET mode = Fast; SET neg = -1.5;\n"
        "CREATE VIEW v AS SELECT a FROM read_csv('x.csv');\n"
        "create or replace view V2 as select a from v;\n"
        "  EXPLAIN SELECT a FROM v;\n"
        "EXPLAIN ANALYZE SELECT a FROM v;;\n"
        "COPY (SELECT a, k FROM v) TO 'out' (FORMAT csv, HEADER, DELIMITER '|', "
        "PARTITION_BY (k, a));\n"
        "copy (select a from v) to 'o2' WITH (format 'CSV', header false, delim ';', "
        "partition_by k);\n"
        "COPY v2 TO 'o3';\n"
        "SELECT a FROM v -- no semicolon at the end\n";
    sl_job *job = parse(text, &err);
    CHECK(job != NULL);
    if (!job) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_INT(job->n_stmts, 12);
    CHECK_STR(job->path, "job.sql");
    if (job->n_stmts == 12) {
        sl_stmt **s = job->stmts;
        CHECK_INT(s[0]->kind, SL_STMT_SET);
        CHECK_STR(s[0]->name, "memory_limit");
        CHECK_STR(s[0]->value, "2GB");
        CHECK_STR(s[0]->text, "SET memory_limit = '2GB'");
        CHECK_INT(s[1]->kind, SL_STMT_SET);
        CHECK_STR(s[1]->name, "threads");
        CHECK_STR(s[1]->value, "4");
        CHECK_INT(s[1]->line, 2);
        CHECK_STR(s[2]->value, "Fast");
        CHECK_STR(s[3]->name, "neg");
        CHECK_STR(s[3]->value, "-1.5");
        CHECK_INT(s[3]->line, 3);
        CHECK_INT(s[3]->col, 18);
        CHECK_INT(s[4]->kind, SL_STMT_CREATE_VIEW);
        CHECK_STR(s[4]->name, "v");
        CHECK(s[4]->query != NULL);
        CHECK_STR(s[5]->name, "v2");
        CHECK(!s[4]->or_replace && s[5]->or_replace);
        CHECK_INT(s[6]->kind, SL_STMT_EXPLAIN);
        CHECK(!s[6]->analyze);
        CHECK_INT(s[6]->line, 6);
        CHECK_INT(s[6]->col, 3);
        CHECK_STR(s[6]->text, "EXPLAIN SELECT a FROM v");
        CHECK_INT(s[7]->kind, SL_STMT_EXPLAIN);
        CHECK(s[7]->analyze);
        CHECK_INT(s[8]->kind, SL_STMT_COPY);
        CHECK_STR(s[8]->copy.path, "out");
        CHECK_STR(s[8]->copy.format->name, "csv");
        CHECK(wopts(&s[8]->copy).header);
        CHECK_INT(wopts(&s[8]->copy).delim, '|');
        CHECK_INT(s[8]->copy.n_partition, 2);
        if (s[8]->copy.n_partition == 2) {
            CHECK_STR(s[8]->copy.partition_by[0], "k");
            CHECK_STR(s[8]->copy.partition_by[1], "a");
        }
        CHECK_STR(s[9]->copy.path, "o2");
        CHECK_STR(s[9]->copy.format->name, "csv");
        CHECK(!wopts(&s[9]->copy).header);
        CHECK_INT(wopts(&s[9]->copy).delim, ';');
        CHECK_INT(s[9]->copy.n_partition, 1);
        CHECK_INT(s[10]->kind, SL_STMT_COPY);
        CHECK_STR(s[10]->copy.path, "o3");
        CHECK_STR(s[10]->copy.format->name, "csv"); /* the default writer */
        CHECK(wopts(&s[10]->copy).header);
        CHECK_INT(wopts(&s[10]->copy).delim, ',');
        CHECK_INT(s[10]->copy.n_partition, 0);
        char *q10 = sl_sql_ast_to_string(s[10]->query);
        CHECK_STR(q10, "SELECT * FROM v2");
        sl_free(q10);
        CHECK_INT(s[11]->kind, SL_STMT_SELECT);
        CHECK_STR(s[11]->text, "SELECT a FROM v");
        CHECK_INT(s[11]->line, 11);
    }
    sl_job_free(&job);

    job = parse("  -- only a comment\n ;; ", &err);
    CHECK(job != NULL);
    if (job) {
        CHECK_INT(job->n_stmts, 0);
        sl_job_free(&job);
    }
}

static void test_errors(void)
{
    CHECK_STR(perr("SELECT FROM t"),
              "job.sql:1:8: syntax error: expected expression, got \"FROM\"");
    CHECK_STR(perr("SELECT a FROM t WHERE"),
              "job.sql:1:22: syntax error: expected expression, got end of input");
    CHECK_STR(perr("SELECT a, 'abc FROM t"),
              "job.sql:1:11: syntax error: unterminated string literal");
    CHECK_STR(perr("SELECT a\nFROM t\nWHERE a = = 1"),
              "job.sql:3:11: syntax error: expected expression, got \"=\"");
    CHECK_STR(perr("SELECT a FROM t SELECT b FROM t"),
              "job.sql:1:17: syntax error: expected ';' or end of input, got \"SELECT\"");
    CHECK_STR(
        perr("SELECT a FROM t;\nCOPY (SELECT a FROM t) TO 'o' (FORMAT csv, Codec gzip)"),
        "job.sql:2:44: unknown COPY option \"codec\" (known: FORMAT, HEADER, "
        "DELIMITER, COMPRESSION, PARTITION_BY, OVERWRITE, OVERWRITE_OR_IGNORE)");
    CHECK_STR(perr("SELECT a FROM read_csv('x.csv',\n   foo=1)"),
              "job.sql:2:4: unknown read_csv option \"foo\" (known: header, delim, sep, quote, "
              "blocksize, sample_bytes, columns, types, auto_detect, on_error, rejects, "
              "max_rejects)");
    CHECK_STR(perr("SELECT a FROM t LIMIT x"),
              "job.sql:1:23: syntax error: expected a non-negative integer, got \"x\"");
    CHECK_STR(perr("SELECT a = b = c FROM t"),
              "job.sql:1:14: syntax error: expected end of expression (comparisons do not "
              "chain), got \"=\"");
    CHECK_STR(perr("SELECT (a + 1 FROM t"),
              "job.sql:1:15: syntax error: expected ')', got \"FROM\"");
    CHECK_STR(perr("SELECT a FROM t /* open"),
              "job.sql:1:17: syntax error: unterminated /* comment");
    CHECK_STR(perr("DELETE FROM t"),
              "job.sql:1:1: DELETE (jobs write with COPY ... TO) is not supported");
    CHECK_STR(perr("VACUUM t"),
              "job.sql:1:1: syntax error: expected statement (SELECT, COPY, CREATE VIEW, "
              "CREATE TABLE, SET, EXPLAIN), got \"VACUUM\"");
    CHECK_STR(perr("SELECT a FROM t GROUP BY ROLLUP (a)"),
              "job.sql:1:26: GROUP BY ROLLUP is not supported");
    CHECK_STR(perr("SELECT a FROM t WHERE a SIMILAR TO 'x'"),
              "job.sql:1:25: SIMILAR TO (use LIKE, or regexp functions) is not supported");
    CHECK_STR(perr("SELECT count(DISTINCT (a, b)) FROM t"),
              "job.sql:1:23: row values ((a, b, ...)) are not supported");
    CHECK_STR(perr("SELECT a ~ 'x' FROM t"),
              "job.sql:1:10: syntax error: the ~ operators (regular expression match) are not "
              "supported");
    CHECK_STR(perr("SELECT DATE '2024-02-30' FROM t"),
              "job.sql:1:13: invalid DATE literal '2024-02-30'");
    CHECK_STR(perr("SELECT CAST(a AS blob) FROM t"), "job.sql:1:18: unknown type \"blob\"");
    /* past BIGINT an integer literal is a HUGEINT (past that a DOUBLE), as in DuckDB */
    CHECK_STR(perr("SELECT 99999999999999999999 FROM t"), "");
    CHECK_STR(perr("SELECT a FROM read_csv('x', blocksize='lots')"),
              "job.sql:1:39: option blocksize needs a size such as '64MB', '512KiB' or 65536");
    CHECK_STR(perr("SELECT a FROM read_csv('x', delim=';;')"),
              "job.sql:1:35: option delim must be a single character");
    CHECK_STR(perr("SELECT a FROM t JOIN u WHERE a = b"),
              "job.sql:1:24: syntax error: expected ON or USING, got \"WHERE\"");
    /* PIVOT without IN parses: its values come from the data before binding */
    CHECK_STR(perr("PIVOT t ON a USING sum(b)"), "");
    CHECK_STR(perr("UNPIVOT t ON (a, b) AS q"), "job.sql:1:14: UNPIVOT ON (col, ...) AS name "
              "(columns unpivoted together) is not supported yet");
    CHECK_STR(perr("SELECT a FROM t LEFT OUTER JOIN u USING (a,)"),
              "job.sql:1:44: syntax error: expected column name, got \")\"");
    CHECK_STR(perr("SELECT a FROM t\nORDER BY a NULLS LAST LAST"),
              "job.sql:2:23: syntax error: expected ';' or end of input, got \"LAST\"");
    {
        sl_err err;
        sl_job *tj = parse("CREATE TABLE T1 AS SELECT a FROM v;\n"
                           "CREATE OR REPLACE TABLE t2 AS SELECT a FROM t1;", &err);
        CHECK(tj != NULL);
        if (tj) {
            CHECK_INT(tj->n_stmts, 2);
            CHECK_INT(tj->stmts[0]->kind, SL_STMT_CREATE_TABLE);
            CHECK_STR(tj->stmts[0]->name, "t1");
            CHECK(!tj->stmts[0]->or_replace);
            CHECK(tj->stmts[1]->or_replace);
            CHECK(tj->stmts[1]->query != NULL);
            sl_job_free(&tj);
        }
        CHECK_STR(perr("CREATE TABLE AS SELECT 1"),
                  "job.sql:1:14: syntax error: expected table name, got \"AS\"");
    }
    CHECK_STR(perr("CREATE VIEW v SELECT 1"),
              "job.sql:1:15: syntax error: expected AS, got \"SELECT\"");
    /* Deep nesting is an error, not a stack overflow. */
    char deep[4000] = "SELECT ";
    for (int i = 0; i < 1000; i++)
        strcat(deep, "(");
    CHECK(strstr(perr(deep), "nested too deeply") != NULL);
}

int main(void)
{
    test_tokens();
    test_params();
    test_precedence();
    test_literals_and_forms();
    test_queries();
    test_statements();
    test_errors();
    CHECK_INT(sl_mem_in_use(), 0); /* everything freed */
    return CHECK_DONE();
}
