#!/usr/bin/python3
"""Random single-table queries against sqlite3 (`make random`).

Called as `SLUICE=build/sluice /usr/bin/python3 tests/random/run.py [--seed N] [--queries N]
[--ranks 1,2,3,5] [-v]`.

Draws QUERIES queries from a fixed seed over one table of 4,000 rows with NULLs in every
column but the key (id): filters (comparisons, BETWEEN, IN, LIKE, IS [NOT] NULL, AND / OR /
NOT), derived columns (arithmetic, CASE, COALESCE, string functions, concatenation), plain
and DISTINCT aggregates over the whole table and GROUP BY one or two keys with HAVING,
SELECT DISTINCT, ORDER BY ... LIMIT (compared in order), window functions (row_number, rank,
running and partition sums, lag, a sliding min), aggregates over a grouped subquery or CTE,
IN / NOT IN (NULLs inside: SQL's three-valued rule) / scalar / correlated [NOT] EXISTS
subqueries (with non-equalities: SEMI / ANTI joins with a residual), IS [NOT] DISTINCT FROM
and UNION [ALL] / EXCEPT / INTERSECT; then one query of every subquery form, whatever the
draw. The oracle is sqlite3 over the same rows (Python's csv module wrote the file; sqlite3
gets the values), with case-sensitive LIKE as in DuckDB's dialect; queries keep to what both dialects mean the same way (no integer `/`, NULL order
spelled out, booleans cast to integers, IS DISTINCT FROM spelled IS NOT for sqlite3). Rows
are compared as multisets, or in order for ORDER BY ... LIMIT, numbers to 1e-9.

All queries run as one job at each rank count and at 4 ranks with 4 KB exchange rounds (every
exchange in many rounds), then over a second table of 100,000 rows at 2 ranks under the
smallest budget, 4 MB (sorts, windows, DISTINCT, aggregations and joins spill: seed 20's job
wrote 28 MB to disk over 24 of its statements). Prints "ok   NAME" / "FAIL NAME: why" and
"random: N passed, M failed"; exits 1 on any failure. Every mpirun runs under `timeout`.
"""
import os
import random
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sluice_env import ROOT  # noqa: E402
from sluice_csv import number_or_text as norm  # noqa: E402
from sluice_diff import Tally, arguments, csv_view, job_text, run_job, write_csv  # noqa: E402

DATA = os.path.join(ROOT, "build", "random")
ROWS = 4000
BIG_ROWS = 100000  # the spilled run's table
# (column, sluice type, sqlite type)
COLS = [("id", "BIGINT", "INTEGER"), ("g", "BIGINT", "INTEGER"), ("h", "VARCHAR", "TEXT"),
        ("n", "BIGINT", "INTEGER"), ("v", "DOUBLE", "REAL"), ("s", "VARCHAR", "TEXT")]
WORDS = ["alpha", "beta", "gamma", "delta", "Alpha", "omega", "pi", "rho", "sigma", "tau",
         "a b", "x,y", 'q"t', "zeta"]
tally = Tally()


def generate(rng, n_rows, path):
    rows = []
    for i in range(n_rows):
        def maybe(x):
            return None if rng.random() < 0.06 else x
        rows.append([i, maybe(rng.randint(0, 12)), maybe("x%d" % rng.randint(0, 6)),
                     maybe(rng.randint(-50, 50)), maybe(round(rng.uniform(-100, 100), 3)),
                     maybe(rng.choice(WORDS) + str(rng.randint(0, 30)))])
    write_csv(path, [c for c, _, _ in COLS], rows)
    return rows


def num_expr(rng):
    return rng.choice(["n", "g", "v", "n + g", "n * 2 - g", "abs(n)", "v * 2", "coalesce(n, 0)",
                       "n % 7", "v / 4", "g * g", "-n", "coalesce(v, n, 0)"])


def str_expr(rng):
    return rng.choice(["h", "s", "upper(s)", "lower(s)", "h || '-' || s", "substr(s, 2, 3)",
                       "coalesce(h, 'none')",
                       "CASE WHEN n > 0 THEN 'pos' WHEN n < 0 THEN 'neg' ELSE 'zero' END",
                       "CASE g WHEN 1 THEN 'one' WHEN 2 THEN 'two' END"])


def any_expr(rng):
    return num_expr(rng) if rng.random() < 0.55 else str_expr(rng)


def predicate(rng, depth=0):
    if depth < 2 and rng.random() < 0.3:
        op = rng.choice(["AND", "OR"])
        return "(%s %s %s)" % (predicate(rng, depth + 1), op, predicate(rng, depth + 1))
    if depth < 2 and rng.random() < 0.08:
        return "NOT (%s)" % predicate(rng, depth + 1)
    c = rng.randint(-40, 40)
    return rng.choice([
        "n > %d" % c, "n <= %d" % c, "v < %d.5" % c, "v >= %d" % c, "g = %d" % rng.randint(0, 12),
        "g <> %d" % rng.randint(0, 12), "h = 'x%d'" % rng.randint(0, 6), "h < 'x3'",
        "s LIKE '%s%%'" % rng.choice(["a", "A", "g", "si", "x"]), "s LIKE '%%1_'",
        "n IS NULL", "h IS NOT NULL", "v IS NULL", "n BETWEEN %d AND %d" % (c, c + 30),
        "g IN (1, 3, 5, 7)", "h IN ('x1', 'x2')", "n + g > %d" % c, "length(s) > 6",
        "coalesce(n, 0) = 0", "id %% %d = 0" % rng.randint(2, 9)])


def where(rng):
    return " WHERE %s" % predicate(rng) if rng.random() < 0.7 else ""


AGGS = ["count(*)", "count(n)", "count(h)", "sum(n)", "sum(v)", "min(n)", "max(n)", "min(v)",
        "max(v)", "min(s)", "max(h)", "avg(n)", "avg(v)", "count(DISTINCT h)",
        "count(DISTINCT g)", "sum(n * g)", "sum(DISTINCT n)", "max(length(s))",
        "sum(CASE WHEN n > 0 THEN 1 ELSE 0 END)"]


def aggs(rng, k):
    return ", ".join("%s AS a%d" % (a, i) for i, a in enumerate(rng.sample(AGGS, k)))


def make_query(rng):
    """One query (or a pair: sluice's text, sqlite3's) and whether its rows come in a defined
    order."""
    shape = rng.random()
    if shape < 0.18:
        sel = ", ".join("%s AS c%d" % (any_expr(rng), i) for i in range(rng.randint(1, 3)))
        return "SELECT id, %s FROM t%s" % (sel, where(rng)), False
    if shape < 0.30:
        return "SELECT %s FROM t%s" % (aggs(rng, rng.randint(1, 4)), where(rng)), False
    if shape < 0.55:
        keys = rng.sample(["g", "h", "n % 5", "upper(h)", "CAST(v > 0 AS INTEGER)", "s"], rng.randint(1, 2))
        sel = ", ".join("%s AS k%d" % (k, i) for i, k in enumerate(keys))
        having = (" HAVING count(*) > %d" % rng.randint(1, 40)) if rng.random() < 0.3 else ""
        return ("SELECT %s, %s FROM t%s GROUP BY %s%s"
                % (sel, aggs(rng, rng.randint(1, 3)), where(rng), ", ".join(keys), having),
                False)
    if shape < 0.63:
        cols = ", ".join(rng.sample(["g", "h", "n % 3", "upper(h)", "CAST(v > 0 AS INTEGER)"], rng.randint(1, 2)))
        return "SELECT DISTINCT %s FROM t%s" % (cols, where(rng)), False
    if shape < 0.78:
        e = any_expr(rng)
        desc = rng.choice(["", " DESC"])
        nulls = rng.choice([" NULLS FIRST", " NULLS LAST"])
        return ("SELECT id, %s AS o FROM t%s ORDER BY o%s%s, id LIMIT %d"
                % (e, where(rng), desc, nulls, rng.randint(1, 60)), True)
    if shape < 0.92:
        part = rng.choice(["g", "h"])
        win = rng.choice([
            "row_number() OVER (PARTITION BY %s ORDER BY id)" % part,
            "rank() OVER (PARTITION BY %s ORDER BY n NULLS LAST)" % part,
            "sum(n) OVER (PARTITION BY %s ORDER BY id)" % part,
            "sum(v) OVER (PARTITION BY %s)" % part,
            "count(*) OVER (PARTITION BY %s)" % part,
            "lag(n) OVER (PARTITION BY %s ORDER BY id)" % part,
            "min(v) OVER (PARTITION BY %s ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)"
            % part])
        return "SELECT id, %s, %s AS w FROM t%s" % (part, win, where(rng)), False
    return rng.choice([nested_query, subquery_query, set_query])(rng), False


def nested_query(rng):
    """Aggregates over a grouped subquery or CTE; aggregate expressions; NULLIF."""
    inner = "SELECT g, count(*) AS c, sum(n) AS sn FROM t%s GROUP BY g" % where(rng)
    if rng.random() < 0.5:
        return ("WITH q AS (%s) SELECT count(*) AS groups, sum(c) AS rows_, max(sn) AS top "
                "FROM q WHERE c > %d" % (inner, rng.randint(0, 300)))
    return ("SELECT h, max(n) - min(n) AS spread, sum(n) + count(*) AS mix, "
            "nullif(count(n), %d) AS nz, sum(CASE WHEN h IS NULL THEN v END) AS hv FROM t%s "
            "GROUP BY h" % (rng.randint(250, 320), where(rng)))


def subquery_forms(rng):
    """IN / NOT IN (with NULLs on the inside: SQL's three-valued rule), scalar and EXISTS
    subqueries, IS DISTINCT FROM (sqlite3: IS NOT): (sluice's, sqlite3's) WHERE conditions."""
    c, x = rng.randint(-30, 30), rng.randint(0, 6)
    return [
        ("n IN (SELECT n FROM t WHERE g = %d)" % rng.randint(0, 12),) * 2,
        ("n NOT IN (SELECT n FROM t WHERE g = %d)" % rng.randint(0, 12),) * 2,
        ("n NOT IN (SELECT n FROM t WHERE n IS NOT NULL AND g = %d)" % rng.randint(0, 12),) * 2,
        ("g NOT IN (1, NULL)",) * 2,
        ("n > (SELECT avg(n) FROM t WHERE h = 'x%d')" % rng.randint(0, 6),) * 2,
        ("EXISTS (SELECT 1 FROM t u WHERE u.g = t.g AND u.n > %d)" % (c + 15),) * 2,
        ("NOT EXISTS (SELECT 1 FROM t u WHERE u.h = t.h AND u.n > t.n + %d)" % (c + 50),) * 2,
        ("EXISTS (SELECT 1 FROM t u WHERE u.n > t.n + %d)" % (c + 70),) * 2,  # no key
        ("NOT EXISTS (SELECT 1 FROM t u WHERE u.n > %d AND u.g = %d)" % (c + 30, x),) * 2,
        ("EXISTS (SELECT 1 FROM t u WHERE u.g = t.g AND u.h = t.h AND u.v < t.v - %d)"
         % (c + 130),) * 2,
        ("n IS DISTINCT FROM %d" % c, "n IS NOT %d" % c),
        ("h IS NOT DISTINCT FROM 'x%d'" % x, "h IS 'x%d'" % x),
    ]


def subquery_query(rng, form=None):
    """A query over one of subquery_forms: the form-th, else one drawn."""
    forms = subquery_forms(rng)
    k = rng.choice(forms) if form is None else forms[form]
    sel = rng.choice(["id, n", "count(*) AS c, sum(n) AS s"])
    return "SELECT %s FROM t WHERE %s" % (sel, k[0]), "SELECT %s FROM t WHERE %s" % (sel, k[1])


def set_query(rng):
    """UNION / UNION ALL / EXCEPT / INTERSECT of two filtered projections."""
    col = rng.choice(["g", "h", "n % 4", "g, h"])
    op = rng.choice(["UNION", "UNION ALL", "EXCEPT", "INTERSECT"])
    return ("SELECT %s FROM t%s %s SELECT %s FROM t%s"
            % (col, where(rng), op, col, where(rng)))


def oracle(rows, queries):
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA case_sensitive_like = ON")  # DuckDB's LIKE is case-sensitive
    conn.execute("CREATE TABLE t (%s)" % ", ".join("%s %s" % (c, t) for c, _, t in COLS))
    conn.executemany("INSERT INTO t VALUES (%s)" % ",".join("?" * len(COLS)), rows)
    # Correlated EXISTS as index range seeks, not nested loops, at BIG_ROWS; and IN.
    for cols in ("g, n", "h, n", "g, h, v", "n"):
        conn.execute("CREATE INDEX t_%s ON t(%s)" % (cols.replace(", ", ""), cols))
    return [[tuple(norm(x) for x in r) for r in conn.execute(q).fetchall()] for q in queries]


def main():
    args = arguments(20, 120)
    rng = random.Random(args.seed)
    small, big = os.path.join(DATA, "t.csv"), os.path.join(DATA, "t-big.csv")
    rows = generate(rng, ROWS, small)
    big_rows = generate(random.Random(args.seed + 1000), BIG_ROWS, big)
    drawn = [make_query(rng) for _ in range(args.queries)]
    # Every subquery form at least once, whatever the draw: the correlated EXISTS forms are
    # the SEMI / ANTI joins with a residual (grouped probe rows, candidates in rounds).
    drawn += [(subquery_query(rng, f), False) for f in range(len(subquery_forms(rng)))]
    queries = [q if isinstance(q, str) else q[0] for q, _ in drawn]
    ordered = [o for _, o in drawn]
    oracle_queries = [q if isinstance(q, str) else q[1] for q, _ in drawn]

    def run(np, settings, tag, path, want):
        views = [csv_view("t", path, [(c, t) for c, t, _ in COLS])]
        run_job(tally, os.path.join(DATA, "job-%s.sql" % tag),
                job_text(settings, views, queries), np, tag, queries, want, ordered, args.v)

    want = oracle(rows, oracle_queries)
    for np in args.ranks:
        run(np, [], "plain", small, want)
    run(4, ["SET exchange_round_bytes = '4KB';"], "small-rounds", small, want)
    run(2, ["SET memory_limit = '4MB';"], "spill", big, oracle(big_rows, oracle_queries))
    print("random: %d passed, %d failed" % (tally.passed, tally.failed))
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
