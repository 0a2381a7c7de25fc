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
#include "plan/plan.h"

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

/* Returns a CAST expression of e to type t (takes ownership of e). Error when the cast is not
 * allowed between the types. Local. */
int sl_func_bind_cast(sl_expr *e, sl_type t, bool try_cast, const char *text, sl_expr **out,
                      sl_err *err);

/* True when `name` is an aggregate function (count sum avg min max). Local. */
bool sl_func_is_aggregate(const char *name);

/*
 * Evaluates e over batch in: returns a new vector of in->n_rows values (free with
 * sl_vec_free) whose values are defined at the live rows of in. Runtime errors (bad cast,
 * overflow) are SL_ERUNTIME naming the expression and the offending value. Local.
 */
int sl_expr_eval(const sl_expr *e, const sl_batch *in, sl_vec **out, sl_err *err);

/* Narrows in's selection to the live rows where pred is true (NULL counts as false). Local. */
int sl_filter(const sl_expr *pred, sl_batch *in, sl_err *err);

/* Evaluates n exprs over in and returns a new batch of their results, with in's selection
 * copied (so the result has the same live rows). Local. */
int sl_project(sl_expr *const *exprs, int n, const sl_batch *in, sl_batch **out, sl_err *err);

/* Folds constant subtrees in place (optimizer rule). Local. */
int sl_expr_fold(sl_expr **pe, sl_err *err);

#endif
