/*
 * The one list of aggregate functions (X-macro, like func_list.h for scalar functions): each
 * entry X(name) is the registry entry sl_aggfn_<name> defined in its own file
 * func/agg_<name>.c (or a family file), declared by func/aggregate.h and put in the registry
 * table by func/aggregate.c. Adding an aggregate: write the file, add one line here (see
 * docs/STYLE.md, "Adding an aggregate"). Local.
 */
#ifndef SL_AGG_LIST_H
#define SL_AGG_LIST_H

#define SL_AGG_LIST(X)                                                                      \
    X(count_star) /* agg_count.c */                                                         \
    X(count)      /* agg_count.c */                                                         \
    X(sum)        /* agg_sum.c */                                                           \
    X(avg)        /* agg_avg.c */                                                           \
    X(min)        /* agg_minmax.c */                                                        \
    X(max)        /* agg_minmax.c */

#endif
