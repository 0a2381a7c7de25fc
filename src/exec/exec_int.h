/*
 * The executor's operator interface and run context, shared by the scheduler
 * (exec/pipeline.c) and the operator files (exec/op_*.c, exec/sink_*.c). Private to src/exec.
 *
 * Every operator kind of plan/physical.h has one sl_op_impl (a table of function pointers,
 * registered in pipeline.c's table). The flow is push-based:
 *   open    before anything runs, every node in post-order (children first): allocate state.
 *           Collective for nodes that say so (the COPY sink creates its directory).
 *   run     SOURCES only: produce every batch with sl_exec_emit, then return. Local work,
 *           plus the source's own collectives at fixed points (progress, max_rejects).
 *   push    one batch from child `child` (ownership passes). Local: never an MPI call.
 *   finish  child `child` has no more rows. Streaming operators pass the end on once every
 *           child has finished (sl_exec_default_finish); breakers do their work here: agree on
 *           errors (collective ones), produce their output with sl_exec_emit, then call
 *           sl_exec_finish_parent. Collective for collective operators.
 *   close   after the tree ran (also after errors): free state. Local.
 *
 * Errors: a rank that fails records err and keeps going through the same calls: sources stop
 * reading but still finish; push drops its batch; every collective finish still runs its
 * collectives (and agrees), so no rank is left waiting. After an agreement every rank holds
 * the same error and skips the remaining work the same way.
 */
#ifndef SL_EXEC_INT_H
#define SL_EXEC_INT_H

#include "exec/exec.h"

typedef struct sl_op_impl {
    int (*open)(sl_exec *x, sl_pop *op, sl_err *err);
    int (*run)(sl_exec *x, sl_pop *op, sl_err *err);
    int (*push)(sl_exec *x, sl_pop *op, int child, sl_batch *b, sl_err *err);
    int (*finish)(sl_exec *x, sl_pop *op, int child, sl_err *err);
    void (*close)(sl_exec *x, sl_pop *op);
} sl_op_impl;

/* The operator tables (one per file). */
extern const sl_op_impl sl_op_scan, sl_op_filter, sl_op_project, sl_op_agg, sl_op_exchange,
    sl_op_sort, sl_op_limit, sl_op_union, sl_op_repeat, sl_op_window, sl_op_sink,
    sl_op_hash_join, sl_op_topn;

/* Pushes b (ownership passes) from op to its parent, with the figures recorded for both.
 * When err is already set the batch is dropped. Local. */
int sl_exec_emit(sl_exec *x, sl_pop *op, sl_batch *b, sl_err *err);
/* Tells op's parent that op has no more rows. Collective when the parent is. */
int sl_exec_finish_parent(sl_exec *x, sl_pop *op, sl_err *err);
/* finish for streaming operators: passes the end on once every child finished. */
int sl_exec_default_finish(sl_exec *x, sl_pop *op, int child, sl_err *err);

/* True when join j handles skewed keys (exec/op_exchange.c): an adaptive shuffle join over
 * several ranks with skew_threshold > 0. Its probe input is then produced before its build
 * input, and its exchange finishes twice (pipeline.c). The same on every rank. Local. */
bool sl_exec_skew_on(const sl_exec *x, const sl_pop *j);

/* Metrics stages: a source or a breaker's output phase is one stage of the statement, named
 * after what it does ("scan", "exchange", "final_agg", "sort", "result_gather"). A scan
 * stage's rows_in/bytes_in are the records and bytes read; an exchange stage's figures are
 * what it sent and received (exchange_figures); otherwise rows_in is what the stage's node
 * produced and rows_out what reached the next breaker. Local. */
void sl_exec_stage_begin(sl_exec *x, sl_pop *op, const char *name);
void sl_exec_stage_end(sl_exec *x, bool exchange_figures);

#endif
