/*
 * Bound expressions and aggregate calls: what the binder (src/sql) produces, the functions
 * (func.h) evaluate and the planner and operators carry. Plain data; the constructors and
 * tree helpers are in expr.c. Local.
 */
#ifndef SL_EXPR_H
#define SL_EXPR_H

#include <stdbool.h>
#include <stdint.h>

#include "batch/types.h"

/* ---- bound scalar expressions ---- */

typedef enum {
    SL_E_CONST,  /* cval */
    SL_E_COL,    /* col: index in the input layout */
    SL_E_CALL,   /* fn (see func/func.h) applied to args */
    SL_E_CASE,   /* args = when1, then1, ..., whenN, thenN [, else] ; has_else */
    SL_E_CAST,   /* args[0] cast to type; try_cast: NULL instead of an error */
} sl_expr_kind;

typedef struct sl_expr {
    sl_expr_kind kind;
    sl_type type;          /* result type */
    sl_value cval;         /* SL_E_CONST; a VARCHAR points into cstr */
    char *cstr;            /* owned bytes of a VARCHAR constant */
    int col;               /* SL_E_COL */
    int fn;                /* SL_E_CALL: function id */
    int n_args;
    struct sl_expr **args; /* owned */
    bool has_else;         /* SL_E_CASE */
    bool try_cast;         /* SL_E_CAST */
    bool int_lit;          /* SL_E_CONST: an integer literal as written (DuckDB's
                            * INTEGER_LITERAL: next to an integer operand it takes that
                            * operand's type where its value fits, so 1::TINYINT + 1 is TINYINT) */
    char *text;            /* owned: SQL text for EXPLAIN and result column names */
} sl_expr;

/* Constructors return new expressions (free with sl_expr_free, which frees the tree). */
sl_expr *sl_expr_const(const sl_value *v, const char *text);
sl_expr *sl_expr_col(int col, sl_type type, const char *text);
sl_expr *sl_expr_new(sl_expr_kind kind, sl_type type, int n_args, sl_expr **args,
                     const char *text);  /* takes ownership of args' elements (copies array) */
sl_expr *sl_expr_copy(const sl_expr *e);
void sl_expr_free(sl_expr **pe);
/* True when a and b compute the same thing: the same tree of kinds, types, columns,
 * functions and constants (texts are not compared). Recursion as deep as the trees. */
bool sl_expr_equal(const sl_expr *a, const sl_expr *b);
/* Calls fn on every node (pre-order). */
void sl_expr_walk(sl_expr *e, void (*fn)(sl_expr *, void *), void *ctx);

/* ---- aggregates ---- */

struct sl_aggfn; /* the registry entry: func/aggregate.h */

/* One aggregate call of a query: the function (a registry entry), its argument and result. */
typedef struct sl_agg {
    const struct sl_aggfn *fn;
    sl_expr *arg;          /* over L0 (or the operator's input); NULL for count(*) and where
                            * the operator combines states instead of reading values */
    sl_type arg_type;      /* type of the argument (SL_T_NULL for count(*)); kept when arg is
                            * dropped, since state layouts depend on it */
    sl_type type;          /* result type (the registry's bind rule) */
    bool distinct;         /* f(DISTINCT x): planned by the planner, see plan/plan_agg.c */
    char *text;            /* "sum(v1)" */
    sl_expr *arg2;         /* second argument of a two-argument aggregate (corr(y, x)), as
                            * arg; NULL otherwise */
    sl_type arg2_type;     /* its type (SL_T_NULL without one) */
    double param;          /* a constant second argument (quantile_cont(x, 0.25)): see
                            * sl_aggfn.const_arg2; arg2 is NULL then */
    bool ordered;          /* an order_arg aggregate written with ORDER BY (arg2 = its key) */
    char *sep;             /* sep_arg: the constant separator (owned), NULL otherwise */
    int64_t sep_len;
    double *params;        /* const_arg2 given as a LIST (quantile_cont(x, [0.25, 0.5])): its
                            * n_params values (owned); the result is then a LIST */
    int n_params;
} sl_agg;

/* The partial-state columns of an aggregate call, shipped through the exchange between the
 * phases (see func/aggregate.h): sl_agg_state_types writes their types to types and returns
 * how many. Local. */
int sl_agg_state_ncols(const sl_agg *a);
int sl_agg_state_types(const sl_agg *a, sl_type *types);

#endif
