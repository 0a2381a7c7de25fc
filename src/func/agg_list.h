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
    X(max)        /* agg_minmax.c */                                                         \
    X(var_samp)       /* agg_var.c */                                                       \
    X(var_pop)        /* agg_var.c */                                                       \
    X(stddev_samp)    /* agg_var.c */                                                       \
    X(stddev_pop)     /* agg_var.c */                                                       \
    X(skewness)       /* agg_var.c */                                                       \
    X(kurtosis)       /* agg_var.c */                                                       \
    X(kurtosis_pop)   /* agg_var.c */                                                       \
    X(covar_pop)      /* agg_covar.c */                                                     \
    X(covar_samp)     /* agg_covar.c */                                                     \
    X(corr)           /* agg_covar.c */                                                     \
    X(regr_slope)     /* agg_covar.c */                                                     \
    X(regr_intercept) /* agg_covar.c */                                                     \
    X(regr_r2)        /* agg_covar.c */                                                     \
    X(regr_count)     /* agg_covar.c */                                                     \
    X(regr_avgx)      /* agg_covar.c */                                                     \
    X(regr_avgy)      /* agg_covar.c */                                                     \
    X(regr_sxx)       /* agg_covar.c */                                                     \
    X(regr_syy)       /* agg_covar.c */                                                     \
    X(regr_sxy)       /* agg_covar.c */                                                     \
    X(median)         /* agg_quantile.c */                                                  \
    X(quantile_cont)  /* agg_quantile.c */                                                  \
    X(quantile_disc)  /* agg_quantile.c */                                                  \
    X(mad)            /* agg_quantile.c */                                                  \
    X(mode)           /* agg_quantile.c */                                                  \
    X(entropy)        /* agg_quantile.c */                                                  \
    X(bool_and)       /* agg_minmax.c */                                                    \
    X(bool_or)        /* agg_minmax.c */                                                    \
    X(any_value)      /* agg_first.c */                                                    \
    X(arg_min)        /* agg_argminmax.c */                                                 \
    X(arg_max)        /* agg_argminmax.c */                                                 \
    X(string_agg)     /* agg_string_agg.c */                                                \
    X(approx_count_distinct) /* agg_hll.c */                                                \
    X(first)          /* agg_first.c */                                                     \
    X(last)           /* agg_first.c */                                                     \
    X(approx_quantile) /* agg_approx_quantile.c */                                         \
    X(list)           /* agg_list_agg.c */

#endif
