/*
 * Private to src/sql: tokens, the query AST and helpers shared by the lexer, parser, AST
 * printer and binder. Every AST node keeps its position (line:col in the ORIGINAL job text)
 * and points at its source text in the job's display text (never a copy), so bind errors and
 * result column names can refer to what the user wrote. Local.
 */
#ifndef SL_SQL_INT_H
#define SL_SQL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "batch/types.h"
#include "core/err.h"
#include "io/format.h"
#include "plan/plan.h"
#include "sql/sql.h"

/* ---- tokens ---- */

typedef enum {
    TK_EOF,
    TK_IDENT,   /* unquoted identifier or keyword; val is lower case */
    TK_QIDENT,  /* "quoted identifier"; val keeps case, "" unescaped; never a keyword */
    TK_INT,     /* val: digits */
    TK_FLOAT,   /* val: number text with '.' or exponent */
    TK_STRING,  /* 'string'; val unescaped ('' -> ') */
    TK_OP,      /* punctuation/operator; val is its text: ( ) , . ; * + - / // % = == <> != < <=
                 * > >= || :: : { } [ ] */
} sl_tok_kind;

typedef struct sl_tok {
    sl_tok_kind kind;
    int64_t off, len;  /* bytes in the display text (sl_src_text.text) */
    int line, col;     /* 1-based, in the original job text (a parameter's tokens: its "${") */
    char *val;         /* owned */
} sl_tok;

/*
 * The job's display text: the original text with each ${name} replaced by its value as it
 * reads in SQL (inside a 'string' or "quoted identifier" with the quote doubled). It is what
 * statement texts, expression texts (result column names) and the --resume fingerprint show,
 * and is never lexed again: parameters are tokens, not text (lexer.c). Shared by reference
 * between the job's query ASTs, whose expressions point into it instead of copying text, so
 * a job's memory stays linear in its length. Local.
 */
typedef struct sl_sql_src {
    int64_t refs;
    int64_t len;
    char text[];        /* len bytes + NUL */
} sl_sql_src;

/* Returns src with one more reference (NULL stays NULL). Local. */
sl_sql_src *sl_sql_src_ref(sl_sql_src *src);
/* Drops one reference; frees at zero; NULLs *psrc. Local. */
void sl_sql_src_unref(sl_sql_src **psrc);

typedef struct sl_src_text {
    sl_sql_src *src;    /* display text (one reference, owned) */
    const char *text;   /* == src->text */
    int64_t len;
    const char *path;   /* borrowed, for messages */
} sl_src_text;

void sl_src_text_free(sl_src_text *st);

/*
 * Lexes a job of len bytes: comments are skipped, ${name} is looked up in params (an unknown
 * name is an error naming it and its position; inside comments nothing is looked up).
 *   - inside a 'string' or "quoted identifier" the value becomes part of the literal's text,
 *     whatever it holds (it can never end the literal);
 *   - elsewhere the value must lex, on its own, as ONE literal: a number (optionally signed),
 *     a 'string', a name or keyword, a "quoted name", or a list/struct literal of those
 *     ([...] / {...} with ':' and ','); its tokens are inserted as they are (they never merge
 *     with the text around them). Anything else is an error naming the parameter.
 * A NUL byte anywhere is an error with its line and column. Fills *st (free with
 * sl_src_text_free) and *toks (n tokens, the last TK_EOF; free with sl_sql_toks_free).
 * Errors: SL_ESQL "PATH:LINE:COL: ...". Local.
 */
int sl_sql_lex(const char *text, int64_t len, const char *path, const sl_params *params,
               sl_src_text *st, sl_tok **toks, int *n, sl_err *err);
void sl_sql_toks_free(sl_tok *toks, int n);

/* ---- parser state and helpers shared by parser.c, parse_query.c, parse_stmt.c ---- */

/*
 * Limits that keep every recursion over a job's trees (parser, printer, binder, constant
 * folding, evaluation, freeing) within a small part of the default 8 MB stack, whatever the
 * job: SL_SQL_MAX_DEPTH bounds the parser's own recursion (parentheses, function calls,
 * CASE, NOT / unary minus, subqueries), SL_SQL_MAX_EXPR_DEPTH the height of an expression
 * tree, which also grows with operator chains (a+b+c+... is left-deep). Every later walker
 * relies on the height limit instead of counting. AND / OR chains are built balanced (both
 * are associative), so only their log2 counts. DuckDB's max_expression_depth is 1000 too.
 */
#define SL_SQL_MAX_DEPTH 200
#define SL_SQL_MAX_EXPR_DEPTH 1000

typedef struct sl_parser {
    const sl_src_text *st;
    sl_tok *t;                 /* tokens, the last one TK_EOF */
    int n, i;                  /* count, current */
    int depth;                 /* expression/query nesting */
    sl_err *err;
    int window_at;             /* the WINDOW keyword of the select block being parsed, or 0 */
} sl_parser;

struct sl_ast_expr;
struct sl_ast_query;

/* Token access: peek_at(p, k) is k tokens ahead (clamped to EOF); next consumes. Local. */
sl_tok *sl_parse_peek(sl_parser *p);
sl_tok *sl_parse_peek_at(sl_parser *p, int k);
sl_tok *sl_parse_next(sl_parser *p);
bool sl_parse_is_kw(const sl_tok *t, const char *kw);   /* unquoted word kw (lower case) */
bool sl_parse_is_op(const sl_tok *t, const char *op);
bool sl_parse_accept_kw(sl_parser *p, const char *kw);  /* consumes when it matches */
bool sl_parse_accept_op(sl_parser *p, const char *op);
/* An unreserved word or a "quoted" name (usable as alias/view name). Local. */
bool sl_parse_is_name(const sl_tok *t);
/* Errors (SL_ESQL, PATH:LINE:COL of the token); each returns the code. Local. */
int sl_parse_syntax_error_at(sl_parser *p, const sl_tok *t, const char *what);
int sl_parse_syntax_error(sl_parser *p, const char *what);        /* at the current token */
int sl_parse_error_at(sl_parser *p, const sl_tok *t, const char *fmt, const char *arg);
int sl_parse_nest_error(sl_parser *p, const sl_tok *t);   /* past SL_SQL_MAX_DEPTH */
/* When the current token starts a known DuckDB construct that sluice lacks (SIMILAR TO,
 * LATERAL, GROUPING SETS, LIST values, ...): records "<construct> is not supported" at it and
 * returns the code; else 0 (the caller then reports its syntax error). Local. */
int sl_parse_unsupported(sl_parser *p);
int sl_parse_expect_kw(sl_parser *p, const char *kw);
int sl_parse_expect_op(sl_parser *p, const char *op);
/* The token as written. Returns new; free with sl_free. Local. */
char *sl_parse_raw(sl_parser *p, const sl_tok *t);
/* New expression node positioned at token start / text set from start to the last consumed
 * token, checking the height limit (too high: records the error, frees e, returns NULL) /
 * free and return NULL. Local. */
struct sl_ast_expr *sl_parse_new_expr(sl_parser *p, int kind, int start);
struct sl_ast_expr *sl_parse_finish(sl_parser *p, struct sl_ast_expr *e, int start);
struct sl_ast_expr *sl_parse_fail(struct sl_ast_expr *e);
/* Appends child a to e's arguments (e->height follows). Takes ownership of a. Local. */
void sl_parse_add_arg(struct sl_ast_expr *e, struct sl_ast_expr *a);
/* Parses an expression / a SELECT query (returns new; NULL or an error code on failure, with
 * p->err set). Local. */
struct sl_ast_expr *sl_parse_expr(sl_parser *p);
int sl_parse_query(sl_parser *p, struct sl_ast_query **out);
/* parse_query.c, for parse_unpivot.c: one FROM source without joins, and moving a source into
 * a new SELECT * FROM source query. Local. */
struct sl_ast_source;
int sl_parse_from_primary(sl_parser *p, struct sl_ast_source *s);
struct sl_ast_query *sl_parse_side_query(sl_parser *p, struct sl_ast_source *side);
/* Adds the column names e refers to to q->pivot_used (pivot_values.c). Local. */
void sl_ast_pivot_used(struct sl_ast_query *q, const struct sl_ast_expr *e);
/* Whether PIVOT query q names column name in ON or USING. Local. */
bool sl_ast_pivot_names(const struct sl_ast_query *q, const char *name);
/* UNPIVOT source ON col, ... [INTO NAME n VALUE v] into q (parse_unpivot.c). Local. */
int sl_parse_unpivot(sl_parser *p, struct sl_ast_query *q);
/* SUMMARIZE query / name / 'file' into q, and whether token k starts one
 * (parse_summarize.c). Local. */
int sl_parse_summarize(sl_parser *p, struct sl_ast_query *q);
bool sl_parse_is_summarize(sl_parser *p, int k);
/* True when the next tokens start a query: SELECT or WITH, maybe after '(' s. Local. */
bool sl_parse_is_query_start(sl_parser *p);
/* An operand without predicates (no IN / LIKE / BETWEEN / comparison at its top): PIVOT's
 * ON column, which IN follows. Local. */
struct sl_ast_expr *sl_parse_expr_noin(sl_parser *p);
/* Option values: true/false/1/0/'true'; appends a copy of s to the string vector (*v, *n).
 * Local. */
int sl_parse_bool_opt(sl_parser *p, bool *out);
void sl_parse_add_str(char ***v, int *n, const char *s);
/* A lower-cased copy of s (names are case-insensitive; the caller frees it). Local. */
char *sl_parse_lower_dup(const char *s);
/* Makes q's select list `*` (the one item, at line:col). Local. */
void sl_parse_star_items(sl_ast_query *q, int line, int col);
/*
 * A format option's value as written (io/format.h): a 'string', a number (with a leading '-'
 * when signed), a word, a "quoted name", a [list] or a {struct} of those. A token that
 * cannot start a value gives an SL_FV_NONE value at it, not consumed, so the format can say
 * what it expected there. Fills *v (clear with sl_fmt_val_clear, also after an error). Local.
 */
int sl_parse_fmt_value(sl_parser *p, sl_fmt_val *v);

/* ---- expressions ---- */

typedef enum {
    A_INT,      /* ival */
    A_DBL,      /* dval */
    A_STR,      /* sval */
    A_BOOL,     /* ival 0/1 */
    A_NULL,
    A_TYPED,    /* DATE '...' / TIMESTAMP '...': ctype, ival (days or micros), sval = text */
    A_COL,      /* name (lower case unless quoted), qual (or NULL) */
    A_STAR,     /* qual.* or * (select list only; count(*) is A_FUNC with star) */
    A_UNARY,    /* op: "NOT" "NEG" "+"; args[0] */
    A_BINARY,   /* op: + - * / // % = <> < <= > >= AND OR || ; args[0], args[1] */
    A_ISNULL,   /* args[0]; negated = IS NOT NULL */
    A_IN,       /* args[0] IN (args[1..]); negated */
    A_BETWEEN,  /* args[0] BETWEEN args[1] AND args[2]; negated */
    A_LIKE,     /* args[0] LIKE args[1]; negated; ilike */
    A_CASE,     /* args: [operand,] when1, then1, ..., [else]; has_operand, has_else */
    A_CAST,     /* args[0]; ctype; try_cast; sval = type name as written */
    A_FUNC,     /* name (lower case), args; star: f(*); distinct: f(DISTINCT ...) */
    A_EXISTS,   /* EXISTS (subq) */
    A_SUBQUERY, /* (subq) as a value: a scalar subquery (bind_subquery.c) */
} sl_ast_kind;

typedef struct sl_ast_expr {
    sl_ast_kind kind;
    int line, col;           /* where it starts (original text) */
    int height;              /* 1 for a leaf; at most SL_SQL_MAX_EXPR_DEPTH */
    const char *text;        /* source text as written: text_len bytes, NOT NUL-terminated;
                              * borrowed from the query's src (or from name / a literal) */
    int64_t text_len;
    char *name;              /* column / function name */
    char *qual;              /* column qualifier (table alias) or NULL */
    const char *op;          /* A_UNARY / A_BINARY operator (a static string) */
    char *sval;
    struct sl_ast_expr *filter; /* A_FUNC: f(...) FILTER (WHERE filter), or NULL */
    int n_agg_order;         /* A_FUNC: f(... ORDER BY agg_order[0], ...) (an aggregate's) */
    struct sl_ast_order *agg_order;
    int64_t ival;
    double dval;
    sl_type ctype;
    bool negated, ilike, try_cast, has_operand, has_else, star, distinct, quoted;
    int col_index;           /* A_COL made by * expansion: 1 + its L0 index (0 = by name) */
    int n_args, cap_args;
    struct sl_ast_expr **args;
    struct sl_ast_window *over; /* A_FUNC: f(...) OVER (...), else NULL */
    struct sl_ast_query *subq; /* A_EXISTS; A_SUBQUERY; A_IN with a subquery (args[0] IN
                              * (subq)) */
} sl_ast_expr;

/* ---- window specifications (parse_window.c) ---- */

typedef struct sl_ast_order {
    struct sl_ast_expr *e;
    bool desc;
    bool nulls_first;
} sl_ast_order;

/* OVER ([PARTITION BY ...] [ORDER BY ...] [ROWS|RANGE frame]). Without a frame clause the
 * frame is the default (RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW). Bound kinds are
 * sl_frame_bound (plan/plan.h); start_off / end_off hold the PRECEDING / FOLLOWING offsets. */
typedef struct sl_ast_window {
    int n_part;
    struct sl_ast_expr **part;
    int n_order;
    sl_ast_order *order;
    bool has_frame;
    bool frame_rows;          /* ROWS, else RANGE */
    int start_kind, end_kind;
    struct sl_ast_expr *start_off, *end_off;
    bool start_iv, end_iv;    /* the offset was an INTERVAL: an A_INT of microseconds */
} sl_ast_window;

/* Parses one ORDER BY item: expr [ASC|DESC] [NULLS FIRST|LAST] into o (zeroed by the
 * caller). Returns 0 or the error code. Local. */
int sl_parse_order_item(sl_parser *p, sl_ast_order *o);
/* Parses what follows OVER: ( window spec ). Returns new in *out, or the error code. Local. */
int sl_parse_window(sl_parser *p, sl_ast_window **out);
/* Index of the WINDOW keyword of the select block whose SELECT is the current token (the
 * same parenthesis level, before any UNION / ORDER BY / LIMIT), or 0. Local. */
int sl_parse_find_window(sl_parser *p);
/* Parses WINDOW name AS (spec), ... (after WINDOW): checks the specs, rejects a name defined
 * twice (the specs are read where OVER names them). Local. */
int sl_parse_window_clause(sl_parser *p);
/* Frees a window spec (and NULLs *pw). Local. */
void sl_ast_window_free(sl_ast_window **pw);
/* Appends " OVER (...)" for w (see sl_ast_expr_print). Local. */
void sl_ast_window_print(sl_buf *b, const sl_ast_window *w, bool canonical);

/* ---- queries ---- */

typedef struct sl_ast_item {
    sl_ast_expr *e;   /* A_STAR for * and alias.* */
    char *alias;      /* or NULL */
    /* * EXCLUDE (names) REPLACE (exprs AS names): names as written (lower case unless
     * quoted), matched case-insensitively */
    int n_exclude;
    char **exclude;
    int n_replace;
    sl_ast_expr **replace;
    char **replace_names;
} sl_ast_item;

typedef struct sl_ast_expr *sl_ast_expr_ptr;

typedef enum { AS_FUNC, AS_NAME, AS_QUERY, AS_SETOP, AS_JOIN } sl_ast_src_kind;

/* Set operations; a query `A UNION B` is parsed as SELECT * FROM (A UNION B) with an AS_SETOP
 * source, so ORDER BY / LIMIT of the set result and its binding are those of any query. */
typedef enum { SETOP_UNION, SETOP_EXCEPT, SETOP_INTERSECT } sl_setop_kind;

typedef struct sl_ast_source {
    sl_ast_src_kind kind;
    int line, col;
    sl_fmt_call call;         /* AS_FUNC: a format's table function, its options parsed */
    char *name;               /* AS_NAME: view, table or CTE name (lower case) */
    struct sl_ast_query *sub; /* AS_QUERY; AS_SETOP: the left input */
    struct sl_ast_query *right; /* AS_SETOP: the right input */
    sl_setop_kind setop;      /* AS_SETOP */
    bool setop_all;           /* AS_SETOP: UNION ALL, EXCEPT ALL, INTERSECT ALL */
    bool setop_by_name;       /* AS_SETOP: UNION [ALL] BY NAME (columns matched by name) */
    /* AS_JOIN: sub and right are the two sides, each parsed as SELECT * FROM <side> (the
     * side's own alias stays on that inner source; a side that is itself a join keeps its
     * per-side qualifiers, see bind.c) */
    sl_join_type join;
    sl_ast_expr_ptr on;       /* ON condition or NULL */
    int n_using;
    char **using_cols;        /* USING (a, b): lower case unless quoted */
    bool natural;             /* NATURAL: USING every common column */
    char *alias;              /* or NULL */
    int n_col_alias;          /* alias(a, b, ...) on a subquery, CTE or view: the names of */
    char **col_alias;         /* its first columns, as written (VALUES renames in the parser) */
} sl_ast_source;

struct sl_ast_query {
    sl_sql_src *src;          /* one reference: the text its expressions point into */
    int line, col;
    bool distinct;
    int n_items;
    sl_ast_item *items;
    bool has_from;
    sl_ast_source from;
    sl_ast_expr *where;
    bool group_all;
    int n_groups;
    sl_ast_expr **groups;
    sl_ast_expr *having;
    sl_ast_expr *qualify;     /* QUALIFY predicate (over window results too), or NULL */
    int n_distinct_on;        /* SELECT DISTINCT ON (exprs): the first row of each */
    sl_ast_expr **distinct_on;
    int n_order;
    sl_ast_order *order;
    bool order_all;           /* ORDER BY ALL: every select item, left to right (n_order 0) */
    bool order_all_desc, order_all_nulls_first;
    int64_t limit;            /* -1 = none */
    int64_t offset;
    /* WITH name AS (query), ...: common table expressions visible in this query; each may
     * refer to the ones before it (not recursive). */
    int n_ctes;
    char **cte_names;         /* lower case */
    struct sl_ast_query **ctes;
    /* UNPIVOT from ON unpivot_on INTO NAME unpivot_name VALUE unpivot_value (parse_unpivot.c):
     * the select list is *, from the source; the binder expands it (bind_unpivot.c) */
    int n_unpivot;
    char **unpivot_on;        /* lower case unless quoted */
    char *unpivot_name, *unpivot_value;
    /* SUMMARIZE source (parse_summarize.c): SELECT * FROM (source), which the binder turns
     * into the column profile (bind_summarize.c) */
    bool summarize;
    /* PIVOT ... ON col USING aggs without IN: the values are found from the data before
     * binding, which adds one item per value and aggregate (pivot_values.c) */
    sl_ast_expr *pivot_on;    /* col, or NULL (an ordinary query or PIVOT with IN) */
    int n_pivot_aggs;
    sl_ast_expr **pivot_aggs; /* agg(x) or count(*) as written */
    char **pivot_alias;       /* AS alias of each, or NULL */
    int n_pivot_keys;         /* the GROUP BY items, first in items */
    bool pivot_resolved;      /* the value items are there */
    bool pivot_group_rest;    /* PIVOT without GROUP BY: grouped by the columns not named */
    int n_pivot_used;
    char **pivot_used;        /* the column names ON and USING name (lower case) */
    /* VALUES (row), ...: rewritten into SELECT row AS col0, ... UNION ALL SELECT row ...;
     * the columns of the first block are the ones t(a, b, ...) renames */
    bool values;
};

void sl_ast_expr_free(sl_ast_expr **pe);
/* A deep copy of e in which every COLUMNS(...) call is replaced by a copy of `to` (when not
 * NULL); texts still point into the original source. e must hold no window (OVER) and no
 * subquery (they are not copied). Returns new. Local. */
sl_ast_expr *sl_ast_expr_copy_with(const sl_ast_expr *e, const sl_ast_expr *to);
/* e is a COLUMNS('regex') / COLUMNS(*) call (select list only; bind.c expands it). Local. */
bool sl_ast_is_columns(const sl_ast_expr *e);
void sl_ast_query_free(sl_ast_query **pq);
void sl_copy_opts_clear(sl_copy_opts *c);

/* Appends e printed as SQL: operators fully parenthesised, so the printed text shows the
 * parse tree. canonical: drop qualifiers and lower-case names (used to compare expressions
 * by meaning, e.g. a select item against a GROUP BY key). Local. */
void sl_ast_expr_print(sl_buf *b, const sl_ast_expr *e, bool canonical);
/* Returns e printed (see above); new string, free with sl_free. Local. */
char *sl_ast_expr_to_string(const sl_ast_expr *e, bool canonical);
/* The same, but NULL as soon as the text grows past max_len bytes (compares an expression
 * with short keys in time bounded by the keys, not by the expression). Local. */
char *sl_ast_expr_to_string_max(const sl_ast_expr *e, bool canonical, int64_t max_len);
/* e's source text as a new string (free with sl_free); when max_len >= 0 and the text is
 * longer, its first max_len bytes (not splitting a UTF-8 character) followed by "...". Local. */
char *sl_ast_text(const sl_ast_expr *e, int64_t max_len);

/* ---- binder (bind.c: queries and sources; bind_expr.c: expressions) ---- */

typedef struct sl_binder {
    const char *path;            /* job file, for messages */
    const sl_catalog *cat;
    const sl_fmt_sources *srcs;  /* the statement's table functions, opened (sl_sql_calls) */
    int depth;                   /* view/subquery nesting, guards recursive views */
    struct sl_cte_scope *ctes;   /* the CTEs visible where binding is (innermost first) */
    bool join_side;              /* the next bind_query is a join's input: its * expands the
                                  * hidden USING columns too (see bind.c, joins) */
    bool exists_side;            /* ... and is an EXISTS subquery: only its FROM is bound */
    sl_err *err;
} sl_binder;

/* Bound expressions below the root of a select item / WHERE / ... keep at most this much of
 * their source text (it only appears in error messages), so a long expression costs memory
 * linear in its length, not in length x height. */
#define SL_BIND_TEXT_MAX 120

/* Where an expression is bound; decides what a column or an aggregate call means. */
typedef enum {
    BM_WHERE,    /* over L0, aggregates not allowed */
    BM_GROUP,    /* over L0, aggregates not allowed */
    BM_AGGARG,   /* over L0, inside an aggregate: aggregates not allowed (no nesting) */
    BM_PLAIN,    /* over L0, the query has no aggregation */
    BM_POST,     /* over L1 = [groups..., aggs...]: group keys and aggregate calls become refs */
} sl_bind_mode;

/* The bound query under construction and its input layout L0. */
typedef struct sl_bind_ctx {
    sl_binder *b;
    sl_query *q;
    int n_cols;                  /* L0 */
    char **col_names;            /* borrowed */
    sl_type *col_types;          /* borrowed */
    const char *alias;           /* source alias or NULL */
    char **col_quals;            /* a join's L0: per column alias (NULL when not a join) */
    bool *col_hidden;            /* ... hidden USING columns */
    int *col_using;              /* ... RIGHT/FULL USING partner, -1 = none */
    sl_bind_mode mode;
    bool distinct;               /* SELECT DISTINCT: the group keys are the select list */
    char **group_keys;           /* canonical text of each group key (n = q->n_groups) */
    char **agg_keys;             /* canonical text of each aggregate call (n = q->n_aggs) */
    int64_t max_key_len;         /* longest of group_keys */
    int level;                   /* sl_bind_expr nesting: 1 at a root */
    bool win_ok;                 /* window calls allowed here (select list, QUALIFY, ORDER BY) */
    char **win_keys;             /* canonical text of each window call (n = q->n_wins) */
    int n_alias;                 /* QUALIFY, HAVING, WHERE: select-list aliases usable as names */
    char *const *alias_names;    /* (a column of the input wins over an alias) */
    sl_expr *const *alias_exprs; /* QUALIFY, HAVING: the bound items */
    const sl_ast_expr *const *alias_asts; /* WHERE: the items, bound where an alias is used */
    int n_scalar;                /* scalar subqueries joined onto L0 (bind_subquery.c): */
    const sl_ast_expr **scalar_ast; /* ... each one's A_SUBQUERY node (borrowed) */
    int *scalar_col;             /* ... and the L0 index of its [value, row count] pair */
    int *scalar_corr;            /* ... 0, or correlated: 1 = its value column, 2 = count */
    int n_lambda;                /* lambda parameters in scope, innermost last (bind_expr.c) */
    const char *lambda_name[8];
    sl_type lambda_type[8];
} sl_bind_ctx;

/* Records an SL_E* error at a's position: "PATH:LINE:COL: msg". Returns code. Local. */
int sl_bind_error(sl_bind_ctx *c, int line, int col, int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Binds a in c->mode. Returns new expression in *out (free with sl_expr_free). Local. */
int sl_bind_expr(sl_bind_ctx *c, const sl_ast_expr *a, sl_expr **out);
/* A window call a (A_FUNC with over): adds it to q->wins (or finds an equal one) and returns
 * its reference in *out (bind_window.c). Local. */
int sl_bind_window(sl_bind_ctx *c, const sl_ast_expr *a, sl_expr **out);
/* Adds w (taken over, with its canonical key) as a new window slot; returns the slot. */
int sl_bind_add_window(sl_bind_ctx *c, sl_win *w, char *key);
/* True when a is or contains an aggregate call. Local. */
bool sl_ast_has_agg(const sl_ast_expr *a);
/* Index of a's column in L0, or -1 when none, -2 when the name is ambiguous (a join's
 * sides both have it). a is A_COL. Local. */
int sl_bind_find_col(const sl_bind_ctx *c, const sl_ast_expr *a);
/* Name for a result column: the schema name of a bare column, "count_star()" for count(*),
 * else the text as written. Returns new; free with sl_free. Local. */
char *sl_bind_name_of(const sl_bind_ctx *c, const sl_ast_expr *a);
/* "The same expression" for GROUP BY keys, aggregate and window calls: the canonical text
 * (at most max_len bytes of it, -1 = all; NULL when longer) plus the L0 column each column
 * reference resolves to. Returns new. Local. */
char *sl_bind_key(const sl_bind_ctx *c, const sl_ast_expr *a, int64_t max_len);

/* bind.c, for bind_subquery.c: binds sub as a child query in the CTE scope where binding is
 * (error at s), and moves q's source into a new child query that outputs L0 unchanged. */
int sl_bind_child_query(sl_bind_ctx *c, const sl_ast_source *s, const sl_ast_query *sub,
                        sl_query **out);
sl_query *sl_bind_wrap_source(sl_bind_ctx *c);

/* A correlated subquery (bind.c): its FROM bound as SELECT * (the rest of it unread) and the
 * layout its conditions see, the outer query's L0 then the inner columns; an unqualified
 * name that both have is the inner column, as in SQL. */
typedef struct sl_corr {
    sl_query *inner;             /* SELECT * FROM <the subquery's FROM> */
    const struct sl_ast_query *sq; /* the subquery (borrowed) */
    int n, m;                    /* outer L0 width; n + the inner width */
    char **names;                /* m each (names, types borrowed) */
    sl_type *types;
    char **quals;
    bool *hidden;
    sl_bind_ctx in;              /* resolves the inner columns only */
    sl_bind_ctx both;            /* resolves the layout (mode BM_WHERE) */
} sl_corr;
enum { SL_CORR_INNER = 1, SL_CORR_OUTER = 2, SL_CORR_NESTED = 4 };
/* Binds sq's FROM into k (error at a). Local. */
int sl_bind_corr_open(sl_bind_ctx *c, const sl_ast_expr *a, const sl_ast_query *sq, sl_corr *k);
/* Which columns e reads: SL_CORR_INNER, SL_CORR_OUTER (c's L0, not the inner's), and
 * SL_CORR_NESTED (an outer column named by its qualifier inside a subquery of e). Local. */
int sl_bind_corr_refs(const sl_corr *k, const sl_bind_ctx *c, const sl_ast_expr *e);
/* The same over every clause of sq. Local. */
int sl_bind_corr_query_refs(const sl_corr *k, const sl_bind_ctx *c, const sl_ast_query *sq);
void sl_bind_corr_close(sl_corr *k);

/* ---- subqueries as values (bind_subquery.c) ---- */

/* Joins every scalar subquery of ast's clauses (not those nested in other subqueries) onto
 * the source: a one-row side [any_value(v), count(*)] crossed with L0, appended as two
 * hidden columns recorded in c->scalar_*. Local. */
int sl_bind_scalar_subqueries(sl_bind_ctx *c, const sl_ast_query *ast);
/* Binds an A_SUBQUERY: its value column, checked to come from at most one row. Local. */
int sl_bind_scalar_ref(sl_bind_ctx *c, const sl_ast_expr *a, sl_expr **out);
/* The NULL rule of x NOT IN (subquery) after the anti join on x = y: ANDs to WHERE
 * "count(*) = 0 OR (x IS NOT NULL AND count(y) = count(*))" over the subquery's rows (a
 * NULL x or a NULL y makes NOT IN unknown unless the subquery is empty). Local. */
int sl_bind_not_in_nulls(sl_bind_ctx *c, const sl_ast_expr *a);
/* An UNPIVOT query whose source is open as c's L0: binds the UNION ALL it means, one branch per
 * ON column (the other columns, the column's name, its value; NULL values dropped), with the
 * query's ORDER BY / LIMIT, into *out (bind_unpivot.c). Local. */
int sl_bind_unpivot(sl_bind_ctx *c, const sl_ast_query *ast, sl_query **out);
/* One side of UNION [ALL] BY NAME: SELECT names[0], ..., names[n-1] FROM (side), each the
 * column of bound (side bound once already) of that name (case-insensitive) or NULL. side is
 * borrowed as the FROM query: set from.sub to NULL before freeing the result. Local. */
sl_ast_query *sl_bind_by_name_side(const sl_ast_query *side, const sl_query *bound,
                                   char *const *names, int n);
/* A SUMMARIZE query whose source is open as c's L0: binds its column profile, one aggregate
 * pass over the source turned into one row per column, into *out (bind_summarize.c). Local. */
int sl_bind_summarize(sl_bind_ctx *c, const sl_ast_query *ast, sl_query **out);
/* Frees c->scalar_*. Local. */
void sl_bind_scalar_free(sl_bind_ctx *c);

#endif
