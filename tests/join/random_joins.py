#!/usr/bin/python3
"""Random join queries against sqlite3 (`make join`): which columns a join emits.

Called as `SLUICE=build/sluice /usr/bin/python3 tests/join/random_joins.py [--seed N]
[--queries N] [--ranks 1,2,3,5] [-v]`.

A join emits only the columns the query above it reads (src/sql/bind.c prune_join,
src/exec/op_hash_join.c), so every shape of select list, condition and nesting must still
give the rows a plain engine gives. This suite draws QUERIES queries from a fixed seed over
three small tables with NULL keys on every side: INNER / LEFT / RIGHT / FULL joins on one or
two keys (an integer and a VARCHAR), with or without a residual, USING, a join over a join,
EXISTS / NOT EXISTS (SEMI / ANTI), and select lists of one to three columns of either side,
returned as rows, aggregated, or grouped. The oracle is sqlite3 over the same CSV files
(Python's csv module loads them); rows are compared as multisets, numbers to 1e-9. All
queries run as one job at each rank count: plainly, with both sides hash-exchanged
(broadcast_threshold 0), and under a 2 MB budget (grace partitions on disk).

Prints "ok   NAME" / "FAIL NAME: why" and "join-random: N passed, M failed"; exits 1 on any
failure. Every mpirun runs under `timeout`.
"""
import os
import random
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sluice_env import ROOT  # noqa: E402
from sluice_csv import number_or_text as norm  # noqa: E402
from sluice_diff import Tally, arguments, csv_view, job_text, run_job, write_csv  # noqa: E402

DATA = os.path.join(ROOT, "build", "join-random")
# name: (rows, [(column, sluice type, sqlite type)])
TABLES = {
    "a": (1500, [("id", "BIGINT", "INTEGER"), ("k", "BIGINT", "INTEGER"),
                 ("s", "VARCHAR", "TEXT"), ("v", "DOUBLE", "REAL")]),
    "b": (900, [("k", "BIGINT", "INTEGER"), ("s", "VARCHAR", "TEXT"), ("w", "BIGINT", "INTEGER")]),
    "c": (300, [("k", "BIGINT", "INTEGER"), ("t", "VARCHAR", "TEXT")]),
}
tally = Tally()


def generate(rng):
    os.makedirs(DATA, exist_ok=True)
    rows = {}
    for name, (n, cols) in TABLES.items():
        out = []
        for i in range(n):
            k = None if rng.random() < 0.05 else rng.randint(0, {"a": 60, "b": 80, "c": 40}[name])
            r = []
            for col, _, _ in cols:
                if col == "id":
                    r.append(i)
                elif col == "k":
                    r.append(k)
                elif col in ("s", "t"):
                    r.append(None if rng.random() < 0.05 else "k%d" % rng.randint(0, 22))
                elif col == "v":
                    r.append(round(rng.uniform(0, 100), 3))
                else:
                    r.append(rng.randint(0, 100))
            out.append(r)
        write_csv(os.path.join(DATA, name + ".csv"), [c for c, _, _ in cols], out)
        rows[name] = out
    return rows


# Conditions between a row of a and one of b other than key equality: most are band terms
# (src/exec/join_bounds.c: one side's expression against the other's, ranges over ordered
# build values; terms over b.w and b.k together are checked pair by pair), the last four are not
# (both sides in one operand, <>, OR, one side only).
BANDS = ["a.v < b.w", "b.w >= a.k + 10", "a.id BETWEEN b.w * 10 AND b.w * 10 + 40",
         "a.v > b.w - 20.5", "a.k <= b.w", "b.w = a.k + 1", "b.w - 30 BETWEEN a.k AND a.v",
         "a.id > b.k * 20", "a.v - b.w > 3.5", "a.v <> b.w", "(a.k < b.w OR b.w IS NULL)", "b.w > 1"]
NARROW = ["a.id BETWEEN b.w * 10 AND b.w * 10 + 9", "b.w = a.k + 1", "b.w BETWEEN a.k AND a.k + 2"]


def condition(rng):
    """ON condition of a and b: keys, sometimes with band terms, or band terms alone (a join
    without keys: every pair is a candidate)."""
    keyless = rng.random() < 0.15
    keys = [] if keyless else rng.choice([[("k", "k")], [("s", "s")], [("k", "k"), ("s", "s")]])
    parts = ["a.%s = b.%s" % (x, y) for x, y in keys]
    if keyless:  # a narrow band first, so the result stays small (~10 b rows per a row)
        parts.append(rng.choice(NARROW))
    if keyless or rng.random() < 0.35:
        parts += rng.sample(BANDS, rng.randint(1 - keyless, 2 - keyless))
    return " AND ".join(parts)


def select_list(rng, cols, mode):
    pick = rng.sample(cols, rng.randint(1, min(3, len(cols))))
    if mode == "rows":
        return ", ".join("%s AS c%d" % (c, i) for i, c in enumerate(pick)), ""
    if mode == "agg":
        items = ["count(*) AS n"] + ["count(%s) AS c%d" % (c, i) for i, c in enumerate(pick)]
        nums = [c for c in pick if c.split(".")[-1] in ("id", "k", "v", "w")]
        items += ["sum(%s) AS s%d" % (c, i) for i, c in enumerate(nums)]
        return ", ".join(items), ""
    return "%s AS g, count(*) AS n" % pick[0], " GROUP BY %s" % pick[0]


def make_query(rng):
    """One query: (sluice text, sqlite text); the same SQL unless USING needs spelling out."""
    a_cols = ["a.id", "a.k", "a.s", "a.v"]
    b_cols = ["b.k", "b.s", "b.w"]
    mode = rng.choice(["rows", "rows", "agg", "group"])
    shape = rng.random()
    if shape < 0.15:
        neg = rng.random() < 0.5
        sel, grp = select_list(rng, a_cols, mode)
        extra = rng.choice(["", "", " AND b.w > a.v", " AND b.s < a.s",
                            " AND coalesce(b.w, 0) > a.k + 20", " AND (b.w > a.v OR a.s IS NULL)"])
        q = ("SELECT %s FROM a WHERE %sEXISTS (SELECT 1 FROM b WHERE b.k = a.k%s)%s"
             % (sel, "NOT " if neg else "", extra, grp))
        return q, q
    if shape < 0.3:
        jt = rng.choice(["JOIN", "LEFT JOIN"])
        cols = ["k"] + [c for c in a_cols + b_cols if not c.endswith(".k")]
        sel, grp = select_list(rng, cols, mode)
        q = "SELECT %s FROM a %s b USING (k)%s" % (sel, jt, grp)
        return q, q
    jt = rng.choice(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL OUTER JOIN"])
    if shape < 0.5:
        inner = "SELECT a.id, a.v, b.k, b.s FROM a %s b ON %s" % (
            rng.choice(["JOIN", "LEFT JOIN"]), condition(rng))
        sel, grp = select_list(rng, ["j.id", "j.v", "j.s", "c.k", "c.t"], mode)
        q = "SELECT %s FROM (%s) j %s c ON j.k = c.k%s" % (sel, inner, jt, grp)
        return q, q
    sel, grp = select_list(rng, a_cols + b_cols, mode)
    q = "SELECT %s FROM a %s b ON %s%s" % (sel, jt, condition(rng), grp)
    return q, q


def oracle(rows, queries):
    conn = sqlite3.connect(":memory:")
    for name, (_, cols) in TABLES.items():
        conn.execute("CREATE TABLE %s (%s)" % (name, ", ".join("%s %s" % (c, t)
                                                              for c, _, t in cols)))
        conn.executemany("INSERT INTO %s VALUES (%s)" % (name, ",".join("?" * len(cols))),
                         rows[name])
        conn.execute("CREATE INDEX %s_k ON %s(k)" % (name, name))
    return [[tuple(norm(x) for x in r) for r in conn.execute(sq).fetchall()]
            for _, sq in queries]


def run(np, settings, tag, queries, want, verbose):
    views = [csv_view(name, os.path.join(DATA, name + ".csv"), [(c, t) for c, t, _ in cols])
             for name, (_, cols) in TABLES.items()]
    run_job(tally, os.path.join(DATA, "job-%s.sql" % tag),
            job_text(settings, views, [q for q, _ in queries]), np, tag,
            [q for q, _ in queries], want, verbose=verbose)


def main():
    args = arguments(19, 60)
    rng = random.Random(args.seed)
    rows = generate(rng)
    queries = [make_query(rng) for _ in range(args.queries)]
    want = oracle(rows, queries)
    ranks = args.ranks
    for np in ranks:
        run(np, [], "plain", queries, want, args.v)
    run(max(ranks), ["SET broadcast_threshold = '0';"], "hashed", queries, want, args.v)
    run(2, ["SET memory_limit = '2MB';", "SET broadcast_threshold = '0';"], "grace", queries,
        want, args.v)
    print("join-random: %d passed, %d failed" % (tally.passed, tally.failed))
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
