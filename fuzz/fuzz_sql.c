/*
 * libFuzzer target: the SQL front end (sl_sql_parse_job: ${param} substitution, lexer,
 * parser) on arbitrary bytes. Any input must give a job or an SL_ESQL error with a one-line
 * message; crashes, leaks and undefined behaviour are found by ASan/UBSan. Two parameters
 * are defined so ${a} / ${dir} paths are reached too. Local (no MPI needed).
 */
#include <stdint.h>
#include <string.h>

#include "core/mem.h"
#include "sql/sql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = sl_xmalloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    char *names[] = {"a", "dir"};
    char *values[] = {"42", "/tmp/x'y"};
    sl_params params = {2, names, values};
    sl_job *job = NULL;
    sl_err err;
    sl_err_clear(&err);
    int rc = sl_sql_parse_job(text, "fuzz.sql", &params, &job, &err);
    if (rc != 0 && (err.code == SL_OK || strchr(err.msg, '\n')))
        __builtin_trap();       /* an error must be recorded, on one line */
    if (rc == 0) {
        /* Print every statement's query back: exercises the AST printer on odd trees. */
        for (int i = 0; i < job->n_stmts; i++)
            if (job->stmts[i]->query)
                sl_free(sl_sql_ast_to_string(job->stmts[i]->query));
    }
    sl_job_free(&job);
    sl_free(text);
    return 0;
}
