/*
 * The physical plan: a tree of operators, one tree per statement, built by the planner
 * (plan/planner.c) from a bound query and run by the scheduler (exec/pipeline.c) on every
 * rank. EXPLAIN, EXPLAIN ANALYZE, --metrics and --report walk this same tree; nothing else
 * restates what runs.
 *
 * Roles. A SOURCE has no children and produces batches (scans). An OPERATOR consumes the
 * batches of its children and pushes its own to its parent: streaming ones (filter, project,
 * limit, union) as they go; pipeline BREAKERS (aggregate, exchange, sort) only after all their
 * input arrived. The root is the SINK (result, COPY, table, count). The scheduler cuts the
 * tree into pipelines at the breakers: a pipeline runs from a source (or a breaker's output
 * phase) through streaming operators into the next breaker (or the sink).
 *
 * Collective operators (exchange, the COPY and result sinks) do their MPI work only when all
 * their input has arrived (their finish phase), and every rank reaches that point in the same
 * order, also with no rows; their push is always Local. Errors are agreed there.
 *
 * Layout. Every operator has an output layout of n_cols typed columns. Expressions of a node
 * are over its (first) child's layout. Nodes own everything they point to except `src`
 * (scan) and `table` (table scan and sink), which are borrowed from the bound query / the
 * catalog and outlive the tree.
 *
 * Plain data: building and freeing are Local.
 */
#ifndef SL_PHYSICAL_H
#define SL_PHYSICAL_H

#include <stdbool.h>
#include <stdint.h>

#include "plan/plan.h"

typedef enum {
    SL_POP_SCAN,      /* source: this rank's part of a file source or a persisted table */
    SL_POP_FILTER,    /* streaming: narrows the selection by a predicate */
    SL_POP_PROJECT,   /* streaming: evaluates expressions into new columns */
    SL_POP_AGG,       /* breaker: hash aggregation (partial states, or final results) */
    SL_POP_EXCHANGE,  /* breaker, collective: moves rows between ranks */
    SL_POP_SORT,      /* breaker: local sort (external when it outgrows its grant), top-k */
    SL_POP_LIMIT,     /* streaming: OFFSET / LIMIT on the rows of this rank */
    SL_POP_UNION,     /* streaming, n children: the rows of every child (UNION ALL) */
    SL_POP_REPEAT,    /* streaming: each row as often as its last column says, without it */
    SL_POP_WINDOW,    /* streaming over sorted input: appends window function results */
    SL_POP_SINK,      /* root: result to rank 0, COPY, table, count */
    SL_POP_JOIN,      /* 2 children: hash join; child 0 (build) is taken whole, then child 1
                       * (probe) streams through (see exec/op_hash_join.c) */
    SL_POP_TOPN,      /* streaming, holds rows to its end: the k first rows of each partition
                       * in window order (exec/op_topn.c) */
    SL_POP_N_KINDS
} sl_pop_kind;

typedef enum { SL_ROLE_SOURCE, SL_ROLE_OPERATOR, SL_ROLE_SINK } sl_pop_role;

/* How an exchange chooses the destination of each row. */
typedef enum {
    SL_PART_HASH,         /* hash(keys) % P: equal keys meet on one rank */
    SL_PART_RANGE,        /* by sort keys, splitters from a sample agreed by all ranks */
    SL_PART_BROADCAST,    /* every row to every rank */
    SL_PART_GATHER,       /* every row to `root` */
    SL_PART_ROUND_ROBIN,  /* rows dealt evenly (rebalancing) */
} sl_part_kind;

/* Sort keys over a layout: column, direction, NULL placement. */
typedef struct sl_sort_spec {
    int n_keys;
    int *cols;
    bool *desc;
    bool *nulls_first;
} sl_sort_spec;

typedef enum {
    SL_SINK_RESULT,   /* rows to rank 0 (an ordered stream), printed */
    SL_SINK_COPY,     /* every rank writes part files; rank 0 commits */
    SL_SINK_TABLE,    /* every rank keeps its rows in a table */
    SL_SINK_COUNT,    /* rows are counted, not kept (EXPLAIN ANALYZE) */
} sl_sink_kind;

/* PARTIAL: raw rows -> partial states; may flush its states on early (they merge later).
 * FINAL: partial states -> results; sees all the states of its groups (grace when too big).
 * MERGE: partial states -> merged partial states, one row per group like FINAL (DISTINCT
 * aggregates: one row per group and distinct value, see plan/plan_agg.c). */
typedef enum { SL_AGG_PARTIAL, SL_AGG_FINAL, SL_AGG_MERGE } sl_agg_mode;

/* One window function of a WINDOW node: columns of the node's input. */
typedef struct sl_win_call {
    sl_winfn fn;
    int arg;                  /* value column, or -1 */
    int def;                  /* lag/lead default column, or -1 (NULL) */
    int64_t param;            /* ntile buckets, lag/lead offset, nth_value's n */
    sl_win_frame frame;
    sl_type type;             /* result type */
} sl_win_call;

/* Per-rank figures an operator records while it runs (EXPLAIN ANALYZE, --metrics). */
typedef struct sl_pop_stats {
    int64_t rows_in, rows_out, bytes_out, batches;
    int64_t chunks_read, chunks_skipped; /* SCAN: of a chunked input (core/counters.h) */
    double seconds;       /* own time, without the time of the operators it pushed into */
    double emit_seconds;  /* scratch: time spent in the parent during this node's pushes */
} sl_pop_stats;

typedef struct sl_pop {
    sl_pop_kind kind;
    const char *name;         /* operator name in metrics: "scan", "filter", "having", ... */
    struct sl_pop *parent;
    int child_idx;            /* this node's index among its parent's children */
    int n_children;
    struct sl_pop **children; /* owned */
    int n_cols;               /* output layout */
    sl_type *types;           /* owned */
    char **names;             /* owned; may be NULL (unnamed intermediate layouts) */
    int query;                /* the select block it was planned from (0 = the statement's) */
    bool collective;          /* has MPI work in its finish phase */
    int64_t grant;            /* memory grant: the level up to which this operator may raise
                               * the rank's reserved bytes (0 = holds nothing that grows);
                               * set by sl_plan_grants (plan/grants.c) */
    int metrics_op;           /* metrics handle (set by the scheduler), -1 = none */
    sl_pop_stats stats;
    void *state;              /* the executor's private state while the tree runs */
    int n_finished;           /* executor scratch: children that have finished */

    union {
        struct {              /* SCAN */
            sl_source *src;   /* borrowed: the bound query's source (file or table) */
            int n_proj;
            int *proj;        /* owned: source columns read, in output order */
            int n_preds;      /* simple conjuncts of the filter above, for the format's */
            sl_fmt_pred *preds; /* scan_prune (owned; io/format.h) */
        } scan;
        struct {              /* FILTER */
            sl_expr *pred;
        } filter;
        struct {              /* PROJECT */
            int n_exprs;
            sl_expr **exprs;
        } project;
        struct {              /* AGG */
            sl_agg_mode mode;
            int n_keys;
            sl_expr **keys;   /* PARTIAL: over the input; FINAL: keys are input columns 0.. */
            int n_aggs;
            sl_agg *aggs;     /* owned copies; args over the input (PARTIAL) */
            int *in_state;    /* PARTIAL, per aggregate: -1 = update from its arg, else the
                               * first input column of a partial state to combine; NULL = all
                               * -1 (FINAL and MERGE combine every aggregate) */
            int n_sets;       /* PARTIAL: > 1 when the last n_sets keys are DISTINCT arguments:
                               * each row enters once per argument, with that key and NULL in
                               * the other n_sets - 1; aggregates update on the first entry */
            bool emit_empty;  /* FINAL without keys: one row even with no input (rank 0) */
            bool split_heavy; /* PARTIAL before the group-by exchange of splittable holistic
                               * calls: heavy groups are finished by selection over the
                               * ranks (exec/agg_heavy.c; heavy_group_threshold) */
        } agg;
        struct {              /* EXCHANGE */
            sl_part_kind part;
            int n_keys;       /* HASH: key columns */
            int *keys;
            sl_sort_spec order; /* RANGE: sort keys (ties broken by every column) */
            int root;         /* GATHER: destination rank */
            bool ordered;     /* GATHER: deliver rank 0's rows first, then rank 1's, ... */
            int join_side;    /* 0; 1 = HASH build input of a join that may broadcast it
                               * instead (decided at run time from its size, see
                               * exec/op_exchange.c join_adapt); 2 = the probe input, which
                               * then stays where it is */
            int64_t hold_grant; /* the level its rows give way to while they wait for the
                                 * build input (a skew-handled join's probe input) */
        } exchange;
        struct {              /* SORT */
            sl_sort_spec order;
            int64_t offset, limit; /* keep rows [offset, offset+limit); limit -1 = all */
            int n_keep;       /* output only the first n_keep columns (drop hidden keys) */
        } sort;
        struct {              /* WINDOW: input sorted by (part, order) within this rank */
            int n_part;
            int *part;        /* partition key columns (equal keys = one partition) */
            sl_sort_spec order; /* ORDER BY columns: equal ones are peers */
            int n_calls;
            sl_win_call *calls; /* output = input columns, then one column per call */
            bool global;      /* no PARTITION BY: the input is range-partitioned in global
                               * order (rank r holds the r-th slice); finish is collective:
                               * row numbers start at an exclusive scan of the counts, and
                               * frames see halo_prev / halo_next rows of the neighbours */
            int64_t halo_prev, halo_next; /* -1: the calls need a whole partition at once
                                           * (a big one is not spilled in slices) */
        } window;
        struct {              /* TOPN: per partition, the k first rows by order (ties by
                               * every column, as the window's sort), before its exchange */
            int n_part;
            int *part;        /* partition key columns */
            sl_sort_spec order; /* the window's ORDER BY columns */
            int64_t k;
        } topn;
        struct {              /* LIMIT */
            int64_t offset, limit;
        } limit;
        struct {              /* JOIN: a pair is [probe cols..., build cols...] (the first
                               * n_probe_out / n_build_out of each child); the output is the
                               * pair columns out_cols (n_cols of them, ascending; SEMI /
                               * ANTI: probe columns only); the build side is the query's
                               * right side */
            sl_join_type type;
            int n_keys;
            int *build_keys;  /* key columns of child 0 */
            int *probe_keys;  /* key columns of child 1 (same types, pairwise) */
            int n_build_out;  /* the first n columns of each child make the pair (the rest */
            int n_probe_out;  /* are computed keys) */
            int *out_cols;    /* n_cols pair columns, ascending */
            sl_expr *residual; /* non-equality part of the condition over the pair, or NULL */
            const char *strategy; /* EXPLAIN: how the sides were distributed, and why */
            bool adaptive;    /* the build input may be broadcast (join_side 1 / 2 below) */
            bool bcast_outer; /* RIGHT / FULL without keys: the build input is broadcast, so
                               * every rank holds every build row; the finish ORs the ranks'
                               * matched flags and rank 0 alone emits the unmatched rows
                               * (the finish is then collective) */
            /* set while the tree runs (the same on every rank): */
            bool decided, broadcast; /* adaptive: broadcast chosen */
            int64_t build_bytes;     /* the build input's bytes over all ranks */
            int64_t threshold;       /* broadcast_threshold it was compared with */
            /* skew (adaptive joins over several ranks with skew_threshold > 0, set while
             * the tree runs, the same on every rank): the probe keys holding at least
             * skew_threshold of the probe rows (hashes, ascending, owned); their probe rows
             * stay on their rank and their build rows go to every rank */
            bool skew_decided;
            double skew_threshold;
            int64_t probe_rows;      /* the probe input's rows over all ranks */
            int n_heavy;
            uint64_t *heavy;
            int64_t *heavy_rows;     /* rank 0: probe rows of each heavy key (exact) */
            char *heavy_text;        /* rank 0: "key (rows), ..." for EXPLAIN ANALYZE */
        } join;
        struct {              /* SINK */
            sl_sink_kind kind;
            const sl_copy_opts *copy; /* borrowed from the statement */
            struct sl_table *table;   /* borrowed (the table being built) */
            bool ordered;     /* RESULT: the input is range-partitioned in global order, so
                               * rank 0 takes rank 0's rows, then rank 1's, ... */
        } sink;
    } u;
} sl_pop;

/* The role of a node (from its kind and children). Local. */
sl_pop_role sl_pop_role_of(const sl_pop *op);
/* True for operators that must see all their input before they produce output. Local. */
bool sl_pop_is_breaker(const sl_pop *op);

/* Returns a new node of kind with no children and an output layout of n_cols columns (types
 * copied; names copied when not NULL). Free the tree with sl_pop_free. Local. */
sl_pop *sl_pop_new(sl_pop_kind kind, const char *name, int n_cols, const sl_type *types,
                   char *const *names);
/* Appends child (takes ownership) to op's children. Local. */
void sl_pop_add_child(sl_pop *op, sl_pop *child);
/* Frees op and its subtree. Accepts NULL. Local. */
void sl_pop_free(sl_pop **pop);

/* Visits the tree in the order the scheduler runs it: children before their parent, children
 * in index order (post-order). Local. */
void sl_pop_walk(sl_pop *op, void (*fn)(sl_pop *, void *), void *ctx);

/* Copies / frees a sort spec. Local. */
void sl_sort_spec_copy(sl_sort_spec *dst, const sl_sort_spec *src);
void sl_sort_spec_free(sl_sort_spec *s);

#endif
