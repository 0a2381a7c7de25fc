/*
 * The one list of scalar functions and operators (X-macro), in the style of libuv's error
 * list: the enum of function ids (func.h), the name table and the arity checks of the binder
 * (func_bind.c) are all generated from it, so adding a function starts here.
 *
 * X(ID, "canonical name", min_args, max_args)   max_args -1 = variadic
 * Aliases (ceiling, pow, substring, prefix, ifnull, ...) live in func_bind.c. Local.
 */
#ifndef SL_FUNC_LIST_H
#define SL_FUNC_LIST_H

#define SL_FUNC_LIST(X)                          \
    /* arithmetic */                             \
    X(ADD, "+", 2, 2)                            \
    X(SUB, "-", 2, 2)                            \
    X(MUL, "*", 2, 2)                            \
    X(DIV, "/", 2, 2)                            \
    X(IDIV, "//", 2, 2)                          \
    X(MOD, "%", 2, 2)                            \
    X(NEG, "NEG", 1, 1)                          \
    /* comparison */                             \
    X(EQ, "=", 2, 2)                             \
    X(NE, "<>", 2, 2)                            \
    X(LT, "<", 2, 2)                             \
    X(LE, "<=", 2, 2)                            \
    X(GT, ">", 2, 2)                             \
    X(GE, ">=", 2, 2)                            \
    X(BETWEEN, "BETWEEN", 3, 3)                  \
    X(NOT_BETWEEN, "NOT_BETWEEN", 3, 3)          \
    X(IN, "IN", 2, -1)                           \
    X(NOT_IN, "NOT_IN", 2, -1)                   \
    /* boolean and NULL tests */                 \
    X(AND, "AND", 2, 2)                          \
    X(OR, "OR", 2, 2)                            \
    X(NOT, "NOT", 1, 1)                          \
    X(IS_NULL, "IS_NULL", 1, 1)                  \
    X(IS_NOT_NULL, "IS_NOT_NULL", 1, 1)          \
    X(COALESCE, "coalesce", 1, -1)               \
    X(NULLIF, "nullif", 2, 2)                    \
    X(GREATEST, "greatest", 1, -1)               \
    X(LEAST, "least", 1, -1)                     \
    /* strings */                                \
    X(LIKE, "LIKE", 2, 2)                        \
    X(NOT_LIKE, "NOT_LIKE", 2, 2)                \
    X(ILIKE, "ILIKE", 2, 2)                      \
    X(NOT_ILIKE, "NOT_ILIKE", 2, 2)              \
    X(CONCAT_OP, "||", 2, 2)                     \
    X(CONCAT, "concat", 1, -1)                   \
    X(LOWER, "lower", 1, 1)                      \
    X(UPPER, "upper", 1, 1)                      \
    X(LENGTH, "length", 1, 1)                    \
    X(STRLEN, "strlen", 1, 1)                    \
    X(SUBSTR, "substr", 2, 3)                    \
    X(TRIM, "trim", 1, 2)                        \
    X(LTRIM, "ltrim", 1, 2)                      \
    X(RTRIM, "rtrim", 1, 2)                      \
    X(REPLACE, "replace", 3, 3)                  \
    X(STARTS_WITH, "starts_with", 2, 2)          \
    X(ENDS_WITH, "ends_with", 2, 2)              \
    X(CONTAINS, "contains", 2, 2)                \
    X(LEFT, "left", 2, 2)                        \
    X(RIGHT, "right", 2, 2)                      \
    X(REVERSE, "reverse", 1, 1)                  \
    X(REPEAT, "repeat", 2, 2)                    \
    /* math */                                   \
    X(ABS, "abs", 1, 1)                          \
    X(SIGN, "sign", 1, 1)                        \
    X(ROUND, "round", 1, 2)                      \
    X(FLOOR, "floor", 1, 1)                      \
    X(CEIL, "ceil", 1, 1)                        \
    X(SQRT, "sqrt", 1, 1)                        \
    X(LN, "ln", 1, 1)                            \
    X(LOG10, "log10", 1, 1)                      \
    X(LOG2, "log2", 1, 1)                        \
    X(EXP, "exp", 1, 1)                          \
    X(POWER, "power", 2, 2)                      \
    /* dates */                                  \
    X(YEAR, "year", 1, 1)                        \
    X(MONTH, "month", 1, 1)                      \
    X(DAY, "day", 1, 1)                          \
    X(QUARTER, "quarter", 1, 1)                  \
    X(DAYOFWEEK, "dayofweek", 1, 1)              \
    X(DAYOFYEAR, "dayofyear", 1, 1)              \
    X(HOUR, "hour", 1, 1)                        \
    X(MINUTE, "minute", 1, 1)                    \
    X(SECOND, "second", 1, 1)                    \
    X(DATE_TRUNC, "date_trunc", 2, 2)

#endif
