/*
 * SQL front end: job text -> statements (parse), query AST -> bound sl_query (bind).
 * Dialect: DuckDB's, for the subset listed in README.md.
 */
#ifndef SL_SQL_H
#define SL_SQL_H

#include <mpi.h>

#include "core/err.h"
#include "plan/plan.h"

/* -D name=value parameters substituted for ${name} before tokenizing. */
typedef struct sl_params {
    int n;
    char **names;
    char **values;
} sl_params;

/*
 * Parses a whole job file. ${name} is replaced from params (an unknown name is an error that
 * names it). Errors are SL_ESQL with message "PATH:LINE:COL: syntax error: expected X, got Y"
 * (positions refer to the original job text). Returns new job in *out; free with
 * sl_job_free. Local (every rank parses the same text and gets the same result).
 */
int sl_sql_parse_job(const char *text, const char *path, const sl_params *params,
                     sl_job **out, sl_err *err);
void sl_job_free(sl_job **pjob);

/*
 * Binds a query AST: resolves views from cat, opens CSV sources (sl_csv_open: glob, schema
 * inference, range planning; collective), resolves names and types, finds aggregates,
 * prunes unused file columns (sets src.proj), and returns new *out (free with
 * sl_query_free). Errors: SL_EBIND "PATH:LINE:COL: column \"x\" not found (candidates: ...)".
 * Collective over comm (because of sl_csv_open); every rank must call it with the same AST.
 */
int sl_sql_bind(MPI_Comm comm, const sl_job *job, const sl_ast_query *ast, const sl_catalog *cat,
                const sl_settings *settings, sl_query **out, sl_err *err);

/* Prints an AST back as SQL (for debugging and tests). Returns new string; free with sl_free. */
char *sl_sql_ast_to_string(const sl_ast_query *ast);

#endif
