/*
 * Scalar functions and operators: binding (name + argument types -> function id, result type,
 * implicit casts) and vectorized evaluation of bound expressions over batches.
 * Semantics follow DuckDB (NULL propagation, three-valued AND/OR, integer overflow is an
 * error, integer division by zero gives NULL ...). Local.
 */
#ifndef SL_FUNC_H
#define SL_FUNC_H

#include "batch/batch.h"
#include "core/err.h"
#include "func/func_list.h"
#include "func/expr.h"

/* Function ids stored in sl_expr.fn of SL_E_CALL nodes (see func_list.h). */
typedef enum {
#define SL_FN_ENUM(id, name, lo, hi, flags, bind, exec) SL_FN_##id,
    SL_FUNC_LIST(SL_FN_ENUM)
#undef SL_FN_ENUM
    SL_FN_COUNT
} sl_fn;

/* Canonical name of a function id ("+", "lower", ...; "?" when out of range). Local. */
const char *sl_func_name(int fn);

/*
 * Builds a call expression for function or operator `name` (case-insensitive) with the given
 * bound arguments (takes ownership of each args[i]; the array itself is borrowed). Operator
 * names: + - * / // % = <> != < <= > >= AND OR NOT NEG || IS_NULL IS_NOT_NULL IN NOT_IN
 * LIKE NOT_LIKE ILIKE NOT_ILIKE BETWEEN NOT_BETWEEN; functions: abs round floor ceil lower
 * upper length substr substring trim ltrim rtrim concat coalesce year month day ...
 * `text` is the SQL text of the call (copied). Returns new expression in *out, or an SL_EBIND
 * error "no function matches name(BIGINT, VARCHAR)". Local.
 */
int sl_func_bind(const char *name, sl_expr **args, int n_args, const char *text, sl_expr **out,
                 sl_err *err);
/*
 * Notes on sl_func_bind (added by the func module):
 * - Names are also accepted with spaces ("IS NOT NULL", "NOT IN"), and "-"/"+" with one
 *   argument mean NEG / identity. "CASE" binds a CASE: args = when1, then1, ... [, else]
 *   (an odd count means an ELSE is present), same as sl_func_bind_case.
 * - Ownership of args passes in on every path: on error they are freed.
 * - A VARCHAR constant compared with (or combined with) another type is converted at bind
 *   time; a failed conversion is SL_EBIND "Could not convert string "x" to DATE".
 */

/* Binds a CASE: args = when1, then1, ..., whenN, thenN [, else] (has_else says which).
 * WHENs must be BOOLEAN; THEN/ELSE are cast to their common type. Takes ownership of the
 * args (freed on error). Returns new expression in *out. Local. */
int sl_func_bind_case(sl_expr **args, int n_args, bool has_else, const char *text,
                      sl_expr **out, sl_err *err);

/* Returns a CAST expression of e to type t (takes ownership of e; freed on error). Error when
 * the cast is not allowed between the types (SL_EBIND "Cannot cast DATE to DOUBLE"). Casting
 * to the same type returns e unchanged. Local. */
int sl_func_bind_cast(sl_expr *e, sl_type t, bool try_cast, const char *text, sl_expr **out,
                      sl_err *err);

/* True when `name` is a registered scalar function or operator (func/func_list.h). Local. */
bool sl_func_exists(const char *name);

/* True when `name` is a registered aggregate function (func/aggregate.h). Local. */
bool sl_func_is_aggregate(const char *name);

/*
 * Evaluates e over batch in: returns a new vector of in->n_rows values (free with
 * sl_vec_free) whose values are defined at the live rows of in. Runtime errors (bad cast,
 * overflow) are SL_ERUNTIME naming the expression and the offending value. Rows that are not
 * live are never evaluated (they cannot raise errors); VARCHAR results have one entry per
 * physical row (NULL where not live). An expression of type SL_T_NULL (an untyped NULL
 * that nothing gave a type) evaluates to an all-NULL BIGINT vector. Local.
 */
int sl_expr_eval(const sl_expr *e, const sl_batch *in, sl_vec **out, sl_err *err);

/* Narrows in's selection to the live rows where pred is true (NULL counts as false). Local. */
int sl_filter(const sl_expr *pred, sl_batch *in, sl_err *err);

/* Evaluates n exprs over in and returns a new batch of their results, with in's selection
 * copied (so the result has the same live rows). Local. */
int sl_project(sl_expr *const *exprs, int n, const sl_batch *in, sl_batch **out, sl_err *err);

/* Folds constant subtrees in place (optimizer rule). A subtree whose evaluation fails is left
 * unchanged (the error surfaces at run time with row context) and err stays clear. Local. */
int sl_expr_fold(sl_expr **pe, sl_err *err);

#endif
