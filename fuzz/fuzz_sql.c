/*
 * libFuzzer target: the SQL front end (sl_sql_parse_job_n: lexer with -D parameters, parser,
 * height limit) on arbitrary bytes, NUL bytes included (the input is passed with its length
 * and no terminator, so ASan sees any read past it). Any input must give a job or an SL_ESQL
 * error with a one-line message; crashes, stack overflows, leaks and undefined behaviour are
 * found by ASan/UBSan. Invariant checked: parameters are values, never SQL text, so parsing
 * with hostile values (a quote, a statement, a comment, a list) and with plain ones gives the
 * same statements (count, kinds, lines) whenever both parse. Local (no MPI needed).
 */
#include <stdint.h>
#include <string.h>

#include "core/mem.h"
#include "sql/sql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_PARAMS 6
static char *g_names[N_PARAMS] = {"a", "dir", "inj", "list", "s", "columns_sql"};
static char *g_hostile[N_PARAMS] = {"42", "/tmp/x'y", "x'); COPY (SELECT 1) TO '/tmp/p'; --",
                                    "['a.csv', 'b''c.csv']", "-5",
                                    "{'a': 'BIGINT', 'b': 'VARCHAR'}"};
static char *g_plain[N_PARAMS] = {"7", "d", "y", "['c.csv']", "-3", "{'c': 'DOUBLE'}"};

static int parse(const uint8_t *data, size_t size, char **values, sl_job **job)
{
    sl_params params = {N_PARAMS, g_names, values};
    sl_err err;
    sl_err_clear(&err);
    int rc = sl_sql_parse_job_n((const char *)data, (int64_t)size, "fuzz.sql", &params, job,
                                &err);
    if (rc != 0 && (err.code == SL_OK || strchr(err.msg, '\n')))
        __builtin_trap();       /* an error must be recorded, on one line */
    if (rc != 0 && *job)
        __builtin_trap();       /* no job on error */
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_job *a = NULL, *b = NULL;
    int ra = parse(data, size, g_hostile, &a);
    /* The second parse only matters where a parameter is used (half the time on big inputs). */
    int rb = memmem(data, size, "${", 2) ? parse(data, size, g_plain, &b) : -1;
    if (ra == 0 && rb == 0) {
        if (a->n_stmts != b->n_stmts)
            __builtin_trap();   /* a parameter value added or removed a statement */
        for (int i = 0; i < a->n_stmts; i++)
            if (a->stmts[i]->kind != b->stmts[i]->kind || a->stmts[i]->line != b->stmts[i]->line)
                __builtin_trap();
    }
    if (ra == 0) {
        /* Print every statement's query back: exercises the AST printer on odd trees. */
        for (int i = 0; i < a->n_stmts; i++)
            if (a->stmts[i]->query)
                sl_free(sl_sql_ast_to_string(a->stmts[i]->query));
    }
    sl_job_free(&a);
    sl_job_free(&b);
    return 0;
}
