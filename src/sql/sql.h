/*
 * SQL front end: job text -> statements (parse), query AST -> bound sl_query (bind).
 * Dialect: DuckDB's, for the subset listed in README.md.
 */
#ifndef SL_SQL_H
#define SL_SQL_H

#include "core/err.h"
#include "io/format.h"
#include "plan/plan.h"

/* -D name=value parameters: ${name} in the job text (see sl_sql_parse_job_n). */
typedef struct sl_params {
    int n;
    char **names;
    char **values;
} sl_params;

/*
 * Parses a whole job file of len bytes. ${name} is a parameter taken from params, not text:
 * inside a 'string' or "quoted name" its value is part of the literal whatever it holds;
 * elsewhere the value must be one literal (a number, 'string', name or keyword, "quoted
 * name", or a [list] / {struct} of those), else the error names the parameter. An unknown
 * name is an error that names it; so is a NUL byte (with its line and column). Expressions
 * deeper than SL_SQL_MAX_EXPR_DEPTH (sql_int.h) are an error, so later recursions are bounded.
 * Errors are SL_ESQL with message "PATH:LINE:COL: syntax error: expected X, got Y"
 * (positions refer to the original job text). Returns new job in *out; free with
 * sl_job_free. Local (every rank parses the same text and gets the same result).
 */
int sl_sql_parse_job_n(const char *text, int64_t len, const char *path,
                       const sl_params *params, sl_job **out, sl_err *err);
/* The same for a NUL-terminated text (len = strlen(text)). Local. */
int sl_sql_parse_job(const char *text, const char *path, const sl_params *params,
                     sl_job **out, sl_err *err);
void sl_job_free(sl_job **pjob);

/*
 * The table-function calls (read_csv(...), ...) that binding ast reaches: its FROM, its
 * subqueries and the views it names in cat (transitively; a name that is a persisted table
 * reads no file), each call once, in the order the binder meets them. The session opens them
 * with sl_fmt_sources_open (collective) before sl_sql_bind, which only looks them up.
 * Returns the count and a new array of pointers borrowed from the ASTs in *out (free the
 * array with sl_free). Local.
 */
int sl_sql_calls(const sl_ast_query *ast, const sl_catalog *cat, const sl_fmt_call ***out);

/*
 * Binds a query AST: resolves views from cat, looks its table functions up in srcs (opened
 * before, see sl_sql_calls; the binder opens no file), resolves names and types, finds
 * aggregates, prunes unused file columns (sets src.proj), and returns new *out (free with
 * sl_query_free; its sources borrow from srcs, which must outlive it). Errors: SL_EBIND
 * "PATH:LINE:COL: column \"x\" not found (candidates: ...)". Local: every rank binds the same
 * AST over the same sources to the same result.
 */
int sl_sql_bind(const sl_job *job, const sl_ast_query *ast, const sl_catalog *cat,
                const sl_fmt_sources *srcs, sl_query **out, sl_err *err);

/*
 * PIVOT without IN (sql/pivot_values.c): the PIVOTs binding ast reaches whose ON values come
 * from the data (returns the count and a new array of pointers into the ASTs: free it with
 * sl_free); for each, the query of its distinct non-NULL ON values (new; free with
 * sl_sql_pivot_values_query_free: it borrows the PIVOT's source); and, once every rank holds
 * the same values as text (sl_format_value's), the PIVOT's columns for them, which binding
 * needs. Local.
 */
int sl_sql_pivots(sl_ast_query *ast, const sl_catalog *cat, sl_ast_query ***out);
sl_ast_query *sl_sql_pivot_values_query(const sl_ast_query *pivot);
void sl_sql_pivot_values_query_free(sl_ast_query **pq);
int sl_sql_pivot_set_values(sl_ast_query *pivot, sl_type type, char **texts, int n,
                            sl_err *err);

/* Prints an AST back as SQL (for debugging and tests). Returns new string; free with sl_free. */
char *sl_sql_ast_to_string(const sl_ast_query *ast);

#endif
