/*
 * SCALAR_SUBQUERY(n, v): the value of a scalar subquery, which the binder joins onto every row
 * as two columns (sql/bind_subquery.c): v = any_value of its one column and n = its row
 * count. More than one row is DuckDB's error; none gives NULL (v is NULL then). Not a
 * function users call by name: the binder makes it for (SELECT ...) used as a value. Local.
 */
#include "func/fn_int.h"

#include "core/mem.h"

FN_BIND(fn_bind_scalar_subquery)
{
    (void)err;
    if (n != 2 || args[0]->type != SL_T_BIGINT)
        return FN_NO_MATCH;
    *rt = args[1]->type == SL_T_NULL ? SL_T_BIGINT : args[1]->type;
    return 0;
}

FN_EXEC(fn_exec_scalar_subquery)
{
    (void)in;
    int32_t *which = sl_xmalloc(sizeof *which * (size_t)(rows->n_rows ? rows->n_rows : 1));
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (fn_ok(&a[0], i) && fn_i64(&a[0], i) > 1) {
            sl_free(which);
            return SL_ERR(err, SL_ERUNTIME, "More than one row returned by a subquery used as "
                          "an expression - scalar subqueries can only return a single row.");
        }
        which[i] = 1;
    }
    *out = fn_assemble(e->type, rows, a, which);
    sl_free(which);
    return 0;
}
