#!/usr/bin/python3
"""Skewed shuffle joins (`make join`, issue #12): heavy keys found by the exchange's sketch.

Called as `SLUICE=build/sluice /usr/bin/python3 tests/join/skew.py [--ranks 1,2,3,4,5] [-v]`.

Oracle: sqlite3 over the same generated CSV files, never sluice's own output. The fact f has
ROWS rows; every other row holds the heavy key (k = 7, sk = 'key-7', dt = 2024-03-01: half of
f on each key column), 10 % of the rest a NULL k (more than skew_threshold: a NULL key must
still never be heavy) and the rest spread over KEYS keys. The dimension d has one row per key,
the heavy key three times (many-to-many on the heavy key) and NULL keys. The heavy rows are
interleaved, so every rank's input ranges hold about half heavy rows.

Runs, all with broadcast_threshold = '0' (so the join shuffles) and blocksize 32KB (even
input ranges): INNER / LEFT / SEMI / ANTI on the BIGINT key, INNER on the VARCHAR key, LEFT
on the DATE key, a two-column key, a residual, and RIGHT / FULL (not skew-handled, still
exact), every answer against sqlite3, at each rank count with skew handling on (the default
threshold) and at 2 and 4 ranks with `SET skew_threshold = 'off'` (the same answers).
The --metrics JSON's plan (as run) must name the heavy key and its rows. Balance, from the
--metrics JSON (not timing): the probe exchange's rows out per rank (its
rows after the exchange) must stay within 1.25 x the mean when on, and exceed 1.4 x the mean
when off (where the heavy key's rank holds 1/2 + 1/(2P) of the rows). EXPLAIN must say that
skew handling is on and its threshold; EXPLAIN ANALYZE must name key 7 alone as heavy with
its exact row count (and NULL never), and the heavy VARCHAR and DATE keys by their values.

Prints "ok   NAME np=N" / "FAIL NAME np=N: why" and finally "join-skew: N passed, M failed,
0 skipped"; exits 1 on any failure. Every mpirun runs under `timeout`.
"""
import argparse
import csv
import json
import os
import random
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sluice_env import ENV, ROOT, SLUICE  # noqa: E402
from join.run import check_results  # noqa: E402  (the join suite's result checks)

ROWS = 40000
KEYS = 2000
HEAVY = 7
TIMEOUT = 120
DATA = os.path.join(ROOT, "build", "join-skew-data")

F_COLS = "{'id': 'BIGINT', 'k': 'BIGINT', 'sk': 'VARCHAR', 'dt': 'DATE', 'v': 'BIGINT'}"
D_COLS = "{'k': 'BIGINT', 'sk': 'VARCHAR', 'dt': 'DATE', 'name': 'VARCHAR'}"

# (name, sluice query, sqlite query or None for the same text): F and D stand for the inputs.
QUERIES = [
    ("inner", "SELECT count(*) AS n, sum(f.id) AS a, sum(f.id * 3 + length(d.name)) AS b "
     "FROM F f JOIN D d ON f.k = d.k", None),
    ("left", "SELECT count(*) AS n, count(d.name) AS a, sum(f.id + coalesce(length(d.name), 0)) "
     "AS b FROM F f LEFT JOIN D d ON f.k = d.k", None),
    ("semi", "SELECT count(*) AS n, sum(f.id) AS a, sum(f.v) AS b FROM F f SEMI JOIN D d "
     "ON f.k = d.k", "SELECT count(*) AS n, sum(f.id) AS a, sum(f.v) AS b FROM f WHERE EXISTS "
     "(SELECT 1 FROM d WHERE f.k = d.k)"),
    ("anti", "SELECT count(*) AS n, sum(f.id) AS a, sum(f.v) AS b FROM F f ANTI JOIN D d "
     "ON f.k = d.k", "SELECT count(*) AS n, sum(f.id) AS a, sum(f.v) AS b FROM f WHERE NOT "
     "EXISTS (SELECT 1 FROM d WHERE f.k = d.k)"),
    ("string_key", "SELECT count(*) AS n, sum(f.id) AS a, sum(length(d.name)) AS b "
     "FROM F f JOIN D d ON f.sk = d.sk", None),
    ("date_key", "SELECT count(*) AS n, count(d.name) AS a, sum(f.id) AS b "
     "FROM F f LEFT JOIN D d ON f.dt = d.dt", None),
    ("two_keys", "SELECT count(*) AS n, sum(f.id) AS a, count(d.name) AS b "
     "FROM F f JOIN D d ON f.k = d.k AND f.sk = d.sk", None),
    ("residual", "SELECT count(*) AS n, count(d.name) AS a, sum(f.id) AS b "
     "FROM F f LEFT JOIN D d ON f.k = d.k AND (f.id + length(d.name)) % 3 <> 0", None),
    ("right", "SELECT count(*) AS n, count(f.id) AS a, count(d.name) AS b "
     "FROM F f RIGHT JOIN D d ON f.k = d.k", None),
    ("full", "SELECT count(*) AS n, count(f.id) AS a, count(d.name) AS b "
     "FROM F f FULL OUTER JOIN D d ON f.k = d.k", None),
    # Both sides grouped on the key: already hash-partitioned on it, nothing moves.
    ("grouped_inner", "SELECT count(*) AS n, sum(g.s) AS a, sum(h.c) AS b FROM "
     "(SELECT k, sum(v) AS s FROM F f GROUP BY k) g JOIN "
     "(SELECT k, count(*) AS c FROM D d GROUP BY k) h ON g.k = h.k", None),
    ("grouped_full", "SELECT count(*) AS n, sum(g.s) AS a, count(h.c) AS b FROM "
     "(SELECT sk, sum(v) AS s FROM F f GROUP BY sk) g FULL OUTER JOIN "
     "(SELECT sk, count(*) AS c FROM D d WHERE k < 1500 GROUP BY sk) h ON g.sk = h.sk", None),
]

passed = failed = 0


def report(ok, name, np, why=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   %s np=%d" % (name, np))
    else:
        failed += 1
        print("FAIL %s np=%d: %s" % (name, np, why))
    sys.stdout.flush()


def date_of(k):
    return "2024-%02d-%02d" % (1 + k % 12, 1 + k % 28)


def generate():
    os.makedirs(DATA, exist_ok=True)
    stamp = os.path.join(DATA, "stamp-%d-%d" % (ROWS, KEYS))
    if os.path.exists(stamp):
        return
    rng = random.Random(21)
    with open(os.path.join(DATA, "f.csv"), "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "k", "sk", "dt", "v"])
        for i in range(ROWS):
            if i % 2 == 0:
                k = HEAVY
            elif i % 20 == 1:
                k = None
            else:
                k = rng.randint(0, KEYS + KEYS // 4)
            if k == HEAVY and i % 2:
                k = HEAVY + 1
            sk = "" if k is None else "key-%d" % k
            dt = "" if k is None else date_of(k)
            w.writerow([i, "" if k is None else k, sk, dt, rng.randint(-50, 50)])
    with open(os.path.join(DATA, "d.csv"), "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["k", "sk", "dt", "name"])
        for k in range(KEYS):
            for rep in range(3 if k == HEAVY else 1):
                w.writerow([k, "key-%d" % k, date_of(k) if k < 400 else "",
                            "name %d/%d" % (k, rep)])
        for i in range(50):
            w.writerow(["", "", "", "nokey %d" % i])
    open(stamp, "w").close()


def oracle():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE f (id INTEGER, k INTEGER, sk TEXT, dt TEXT, v INTEGER)")
    conn.execute("CREATE TABLE d (k INTEGER, sk TEXT, dt TEXT, name TEXT)")
    for table in ("f", "d"):
        with open(os.path.join(DATA, table + ".csv"), newline="") as fh:
            rows = list(csv.reader(fh))[1:]
        conv = []
        for r in rows:
            vals = [None if x == "" else x for x in r]
            if table == "f":
                vals = [int(vals[0]), None if vals[1] is None else int(vals[1]), vals[2],
                        vals[3], int(vals[4])]
            else:
                vals[0] = None if vals[0] is None else int(vals[0])
            conv.append(vals)
        conn.executemany("INSERT INTO %s VALUES (%s)" % (table, ",".join("?" * len(conv[0]))),
                         conv)
    for c in ("k", "sk", "dt"):
        conn.execute("CREATE INDEX d_%s ON d(%s)" % (c, c))
        conn.execute("CREATE INDEX f_%s ON f(%s)" % (c, c))
    out = {}
    for name, q, sq in QUERIES:
        sq = sq or q.replace("F f", "f").replace("D d", "d")
        out[name] = [tuple(r) for r in conn.execute(sq).fetchall()]
    heavy = conn.execute("SELECT count(*) FROM f WHERE k = %d" % HEAVY).fetchone()[0]
    heavy_dt = conn.execute("SELECT count(*) FROM f WHERE dt = ?", (date_of(HEAVY),)).fetchone()[0]
    return out, (heavy, heavy_dt)


def sources():
    f = "read_csv('%s', header=true, columns=%s)" % (os.path.join(DATA, "f.csv"), F_COLS)
    d = "read_csv('%s', header=true, columns=%s)" % (os.path.join(DATA, "d.csv"), D_COLS)
    return f, d


def job_text(skew):
    f, d = sources()
    lines = ["SET broadcast_threshold = '0';", "SET blocksize = '32KB';"]
    if skew is not None:
        lines.append("SET skew_threshold = '%s';" % skew)
    for _, q, _ in QUERIES:
        lines.append(q.replace("F f", f + " f").replace("D d", d + " d") + ";")
    return "\n".join(lines) + "\n"


def mpirun(np, path, extra, verbose):
    cmd = ["timeout", str(TIMEOUT), "mpirun", "-n", str(np), SLUICE, "run", "--format", "csv",
           "--quiet"] + extra + [path]
    if verbose:
        print("+", " ".join(cmd))
    return subprocess.run(cmd, env=ENV, capture_output=True, text=True)


def probe_rows_out(metrics_path, statement):
    """Per-rank rows out of the inner join's probe exchange (the exchange whose input is all
    ROWS fact rows), and the statement's plan as it ran."""
    with open(metrics_path) as fh:
        m = json.load(fh)
    st = [s for s in m["statements"] if s["kind"] == "SELECT"][statement]
    for op in st["operators"]:
        if op["op"] == "exchange" and sum(r["rows_in"] for r in op["ranks"]) == ROWS:
            return [r["rows_out"] for r in op["ranks"]], st["plan"] or ""
    return None, ""


def check_run(np, skew, want, heavy_rows, verbose):
    tag = "skew_threshold=%s" % ("default" if skew is None else skew)
    path = os.path.join(DATA, "job-%s.sql" % (skew or "default"))
    with open(path, "w") as fh:
        fh.write(job_text(skew))
    mpath = os.path.join(DATA, "metrics-%s-%d.json" % (skew or "default", np))
    p = mpirun(np, path, ["--metrics", mpath], verbose)
    if not check_results(p, QUERIES, want, tag, np, report):
        return
    if np == 1:
        return
    rows, plan = probe_rows_out(mpath, 0)
    w = ("skew handling off (skew_threshold 0)" if skew == "off" else
         "heavy keys (>= skew_threshold 0.05 of %d left rows): %d (%d rows)" % (ROWS, HEAVY,
                                                                               heavy_rows))
    report(w in plan, "metrics plan %s" % tag, np, "no '%s' in %s" % (w, plan))
    if rows is None or sum(rows) != ROWS:
        report(False, "balance %s" % tag, np, "no probe exchange in the metrics: %s" % rows)
        return
    ratio = max(rows) / (ROWS / np)
    if skew == "off":
        report(ratio > 1.4, "imbalance-without %s" % tag, np,
               "rows after the exchange %s: max/mean %.2f <= 1.4" % (rows, ratio))
    else:
        report(ratio <= 1.25, "balance %s" % tag, np,
               "rows after the exchange %s: max/mean %.2f > 1.25" % (rows, ratio))


def check_explain(np, heavy_rows, heavy_dt, verbose):
    f, d = sources()
    q = "SELECT count(*) FROM %s f JOIN %s d ON f.k = d.k" % (f, d)
    qs = "SELECT count(*) FROM %s f SEMI JOIN %s d ON f.sk = d.sk" % (f, d)
    qd = "SELECT count(*) FROM %s f LEFT JOIN %s d ON f.dt = d.dt" % (f, d)
    path = os.path.join(DATA, "explain.sql")
    with open(path, "w") as fh:
        fh.write("SET broadcast_threshold = '0';\nSET blocksize = '32KB';\n"
                 "SET skew_threshold = 0.1;\nEXPLAIN %s;\nEXPLAIN ANALYZE %s;\n"
                 "EXPLAIN ANALYZE %s;\nEXPLAIN ANALYZE %s;\n"
                 "SET skew_threshold = 0;\nEXPLAIN %s;\n" % (q, q, qs, qd, q))
    p = mpirun(np, path, [], verbose)
    out = p.stdout
    want = ["skew handling on when hash-partitioned: left keys with >= skew_threshold 0.1",
            "heavy keys (>= skew_threshold 0.1 of %d left rows): %d (%d rows): their left rows "
            "stayed, their right rows went to every rank" % (ROWS, HEAVY, heavy_rows),
            "): 'key-%d' (%d rows): their left rows" % (HEAVY, heavy_rows),
            "): %s (%d rows): their left rows" % (date_of(HEAVY), heavy_dt),
            "skew handling off (skew_threshold 0)"]
    for w in want:
        report(p.returncode == 0 and w in out, "explain '%s'" % w[:40], np,
               "not in: %s %s" % (out[-1500:], p.stderr[-300:]))
    # Already partitioned: the join has no exchange under it, the two GROUP BYs one each.
    g = QUERIES[[n for n, _, _ in QUERIES].index("grouped_full")][1]
    with open(path, "w") as fh:
        fh.write("EXPLAIN %s;\n" % g.replace("F f", f + " f").replace("D d", d + " d"))
    p = mpirun(np, path, [], verbose)
    lines = p.stdout.splitlines()
    j = [i for i, x in enumerate(lines) if "Hash join" in x]
    ok = (p.returncode == 0 and len(j) == 1 and "already hash-partitioned on the keys" in
          lines[j[0]] and "Exchange" not in lines[j[0] + 1] and
          sum("Exchange: hash(" in x for x in lines) == 2)
    report(ok, "explain already partitioned", np, p.stdout[-2000:] + p.stderr[-300:])
    bad = "SET skew_threshold = 1.5;\n"
    with open(path, "w") as fh:
        fh.write(bad)
    p = mpirun(1, path, [], verbose)
    report(p.returncode != 0 and "SET skew_threshold: '1.5' is not a fraction" in p.stderr,
           "bad skew_threshold", 1, p.stderr[-300:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ranks", default="1,2,3,4,5")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    generate()
    want, (heavy_rows, heavy_dt) = oracle()
    ranks = [int(x) for x in args.ranks.split(",")]
    for np in ranks:
        check_run(np, None, want, heavy_rows, args.v)
    for np in (2, 4):
        check_run(np, "off", want, heavy_rows, args.v)
    check_explain(2, heavy_rows, heavy_dt, args.v)
    print("join-skew: %d passed, %d failed, 0 skipped" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
