#!/usr/bin/python3
"""Join tests under a tiny memory budget (`make join`, issue #12): the grace hash join.

Called as `SLUICE=build/sluice /usr/bin/python3 tests/join/run.py [--ranks 1,3] [-v]`.

Oracle: sqlite3 (with indexes on the keys) over the same generated CSV files, never sluice's
own output. The data is generated here (deterministic): a fact table f of ROWS rows and a
dimension d of DIM_ROWS rows whose keys repeat (many-to-many), both with NULL keys, an
integer and a string key. Every query aggregates its join (counts and sums) so the answers
are small. The job runs at every rank count with `SET memory_limit = '4MB'`: the build side
(d, the right side) holds several times its grant (60% of the budget) on every rank even at 5
ranks, so the hash join must partition to disk; SLUICE_JOIN_TRACE=1 makes each split print
"hash join goes grace", which this suite requires on at least one rank of every run (and
requires absent from a control run without the memory limit at one rank); the joins without
keys print "hash join without keys goes in chunks" (nested loops over chunks of the build
rows, both sides stored on disk), required and forbidden the same way. The runs set
broadcast_threshold = '0' (both sides hash-exchanged), one more at the highest rank count
'1GB' (the dimension broadcast to every rank, spilling there); EXPLAIN ANALYZE must name the
choice made ("chosen: broadcast" / "chosen: hash-partition both"), EXPLAIN a join's band
terms ("(band: ...)") apart from the rest of its condition, and a FULL join without keys its
broadcast right side (no gather to rank 0). HELD, a LEFT JOIN of 600,000 rows to a GROUP BY
at 16 MB and every rank count, must not go grace: the probe rows a skew-handled join holds
while its build input runs give way to that input's aggregation and the join's table.

Prints "ok   NAME np=N" / "FAIL NAME np=N: why" and finally "join: N passed, M failed, K skipped";
exits 1 on any failure. Every mpirun runs under `timeout`.
"""
import argparse
import csv
import io
import math
import os
import random
import re
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sluice_env import ENV, ROOT, SLUICE  # noqa: E402

ROWS = int(os.environ.get("JOIN_ROWS", "200000"))
DIM_ROWS = int(os.environ.get("JOIN_DIM_ROWS", "250000"))
KEYS = 100000
TIMEOUT = 300
DATA = os.path.join(ROOT, "build", "join-data")

F_COLS = "{'id': 'BIGINT', 'k': 'BIGINT', 'sk': 'VARCHAR', 'v': 'DOUBLE'}"
D_COLS = "{'k': 'BIGINT', 'sk': 'VARCHAR', 'name': 'VARCHAR'}"

# (name, sluice query, sqlite query): F and D stand for the two inputs.
QUERIES = [
    ("inner", "SELECT count(*) AS n, sum(f.id) AS a, sum(d.k) AS b FROM F f JOIN D d ON f.k = d.k",
     None),
    ("left", "SELECT count(*) AS n, count(d.name) AS a, sum(f.id) AS b "
     "FROM F f LEFT JOIN D d ON f.k = d.k", None),
    ("right", "SELECT count(*) AS n, count(f.id) AS a, sum(d.k) AS b "
     "FROM F f RIGHT JOIN D d ON f.k = d.k", None),
    ("full", "SELECT count(*) AS n, count(f.id) AS a, count(d.name) AS b "
     "FROM F f FULL OUTER JOIN D d ON f.k = d.k", None),
    ("semi", "SELECT count(*) AS n, sum(f.id) AS a, 0 AS b FROM F f SEMI JOIN D d ON f.k = d.k",
     "SELECT count(*) AS n, sum(f.id) AS a, 0 AS b FROM f WHERE EXISTS "
     "(SELECT 1 FROM d WHERE f.k = d.k)"),
    ("anti", "SELECT count(*) AS n, sum(f.id) AS a, 0 AS b FROM F f ANTI JOIN D d ON f.k = d.k",
     "SELECT count(*) AS n, sum(f.id) AS a, 0 AS b FROM f WHERE NOT EXISTS "
     "(SELECT 1 FROM d WHERE f.k = d.k)"),
    ("string_key", "SELECT count(*) AS n, sum(f.id) AS a, count(d.name) AS b "
     "FROM F f LEFT JOIN D d ON f.sk = d.sk", None),
    ("residual", "SELECT count(*) AS n, sum(f.id) AS a, count(d.k) AS b "
     "FROM F f LEFT JOIN D d ON f.k = d.k AND (f.id + d.k) % 3 <> 0", None),
    # The join table compares one integer key by its value and other keys by hash, then
    # value: negative integers, a DOUBLE key and two keys take each path.
    ("negative_key", "SELECT count(*) AS n, sum(f.id) AS a, count(d.name) AS b "
     "FROM F f FULL OUTER JOIN D d ON -f.k - 1 = -d.k - 1",
     # sqlite3 cannot use its index through the expressions: the same join on the columns
     "SELECT count(*) AS n, sum(f.id) AS a, count(d.name) AS b "
     "FROM f FULL OUTER JOIN d ON f.k = d.k"),
    ("double_key", "SELECT count(*) AS n, sum(f.id) AS a, count(d.name) AS b "
     "FROM F f RIGHT JOIN D d ON CAST(f.k AS DOUBLE) / 4 = CAST(d.k AS DOUBLE) / 4",
     "SELECT count(*) AS n, sum(f.id) AS a, count(d.name) AS b "
     "FROM f RIGHT JOIN d ON f.k = d.k"),
    ("two_keys", "SELECT count(*) AS n, sum(f.id) AS a, count(d.name) AS b "
     "FROM F f LEFT JOIN D d ON f.k = d.k AND f.sk = d.sk", None),
    # two integer keys, every k match also a match of the second: the hash path at volume
    ("two_int_keys", "SELECT count(*) AS n, sum(f.id) AS a, count(d.name) AS b "
     "FROM F f LEFT JOIN D d ON f.k = d.k AND f.k % 5 = d.k % 5", None),
    # The join gathers only the columns its parent reads: none at all, the build side's
    # alone (NULLs for unmatched probe rows), a residual over columns the output drops (a
    # SEMI join's pairs), and a join over a join whose key the outer one does not output.
    ("count_only", "SELECT count(*) AS n, 0 AS a, 0 AS b FROM F f JOIN D d ON f.k = d.k",
     None),
    ("full_build_cols", "SELECT count(*) AS n, count(d.name) AS a, sum(d.k) AS b "
     "FROM F f FULL OUTER JOIN D d ON f.k = d.k", None),
    ("semi_residual", "SELECT count(*) AS n, sum(f.id) AS a, 0 AS b "
     "FROM F f SEMI JOIN D d ON f.k = d.k AND f.sk <> d.sk",
     "SELECT count(*) AS n, sum(f.id) AS a, 0 AS b FROM f WHERE EXISTS "
     "(SELECT 1 FROM d WHERE f.k = d.k AND d.sk <> f.sk)"),
    ("nested", "SELECT count(*) AS n, sum(j.id) AS a, count(e.name) AS b "
     "FROM (SELECT f.id, d.k FROM F f JOIN D d ON f.k = d.k) j LEFT JOIN D e ON j.k = e.k",
     None),
    # No equality keys (the same matches as f.k = d.k, through band terms): over the grant
    # the build rows cannot be partitioned, so the join runs in chunks of them against every
    # stored probe row, carrying the matched flags of both sides across the chunks.
    ("keyless_full", "SELECT count(*) AS n, count(f.id) AS a, count(d.name) AS b "
     "FROM F f FULL OUTER JOIN D d ON f.k BETWEEN d.k AND d.k",
     "SELECT count(*) AS n, count(f.id) AS a, count(d.name) AS b "
     "FROM f FULL OUTER JOIN d ON f.k = d.k"),
    ("keyless_left", "SELECT count(*) AS n, count(d.name) AS a, sum(f.id) AS b "
     "FROM F f LEFT JOIN D d ON f.k >= d.k AND f.k <= d.k",
     "SELECT count(*) AS n, count(d.name) AS a, sum(f.id) AS b FROM f LEFT JOIN d ON f.k = d.k"),
    ("keyless_right", "SELECT count(*) AS n, count(f.id) AS a, sum(d.k) AS b "
     "FROM F f RIGHT JOIN D d ON f.k BETWEEN d.k AND d.k",
     "SELECT count(*) AS n, count(f.id) AS a, sum(d.k) AS b FROM f RIGHT JOIN d ON f.k = d.k"),
    ("keyless_anti", "SELECT count(*) AS n, sum(f.id) AS a, 0 AS b "
     "FROM F f ANTI JOIN D d ON f.k BETWEEN d.k AND d.k",
     "SELECT count(*) AS n, sum(f.id) AS a, 0 AS b FROM f WHERE NOT EXISTS "
     "(SELECT 1 FROM d WHERE f.k = d.k)"),
    ("keyless_semi_residual", "SELECT count(*) AS n, sum(f.id) AS a, 0 AS b "
     "FROM F f SEMI JOIN D d ON f.k BETWEEN d.k AND d.k AND f.sk <> d.sk",
     "SELECT count(*) AS n, sum(f.id) AS a, 0 AS b FROM f WHERE EXISTS "
     "(SELECT 1 FROM d WHERE f.k = d.k AND d.sk <> f.sk)"),
]

# A skew-handled join (hash-partitioned, so its probe input runs first and holds its rows)
# whose build input is a GROUP BY: the held probe rows (600,000, three copies of f) must give
# way to the aggregation and the join's table (plan/grants.c, 20%). At 16 MB they held 90%
# of the budget until 2026-12-05: the join went grace with 1-2,000 build rows and the final
# aggregation split into thousands of spill files, 6-10 s where it now takes 0.14 s.
HELD = ("held_probe", "SELECT count(*) AS n, count(g.m) AS a, sum(f.id) AS b FROM "
        "(SELECT id, k FROM F x UNION ALL SELECT id + 1000000, k FROM F x "
        "UNION ALL SELECT id + 2000000, k FROM F x) f "
        "LEFT JOIN (SELECT k, max(name) AS m FROM D d GROUP BY k) g ON f.k = g.k", None)

passed = failed = skipped = 0


def report(ok, name, np, why=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   %s np=%d" % (name, np))
    else:
        failed += 1
        print("FAIL %s np=%d: %s" % (name, np, why))
    sys.stdout.flush()


def generate():
    os.makedirs(DATA, exist_ok=True)
    stamp = os.path.join(DATA, "stamp-%d-%d" % (ROWS, DIM_ROWS))
    if os.path.exists(stamp):
        return
    rng = random.Random(12)
    with open(os.path.join(DATA, "f.csv"), "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "k", "sk", "v"])
        for i in range(ROWS):
            k = None if rng.random() < 0.02 else rng.randint(0, KEYS + KEYS // 4)
            sk = None if k is None or rng.random() < 0.01 else "key-%d" % (k * 7 % KEYS)
            w.writerow([i, "" if k is None else k, "" if sk is None else sk,
                        "%.3f" % rng.uniform(-100, 100)])
    with open(os.path.join(DATA, "d.csv"), "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["k", "sk", "name"])
        for i in range(DIM_ROWS):
            k = None if rng.random() < 0.02 else rng.randint(0, KEYS)
            sk = None if rng.random() < 0.02 else "key-%d" % rng.randint(0, KEYS)
            w.writerow(["" if k is None else k, "" if sk is None else sk,
                        "name %d of %s" % (i, k)])
    open(stamp, "w").close()


def oracle():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE f (id INTEGER, k INTEGER, sk TEXT, v REAL)")
    conn.execute("CREATE TABLE d (k INTEGER, sk TEXT, name TEXT)")
    for table, n in (("f", 4), ("d", 3)):
        with open(os.path.join(DATA, table + ".csv"), newline="") as fh:
            rows = list(csv.reader(fh))[1:]
        conv = []
        for r in rows:
            vals = [None if x == "" else x for x in r]
            if table == "f":
                vals = [int(vals[0]), None if vals[1] is None else int(vals[1]), vals[2],
                        float(vals[3])]
            else:
                vals[0] = None if vals[0] is None else int(vals[0])
            conv.append(vals)
        conn.executemany("INSERT INTO %s VALUES (%s)" % (table, ",".join("?" * n)), conv)
    conn.execute("CREATE INDEX fk ON f(k)")
    conn.execute("CREATE INDEX dk ON d(k)")
    conn.execute("CREATE INDEX fs ON f(sk)")
    conn.execute("CREATE INDEX ds ON d(sk)")
    out = {}
    for name, q, sq in QUERIES + [HELD]:
        sq = sq or inputs(q, "f", "d")
        out[name] = [tuple(r) for r in conn.execute(sq).fetchall()]
    return out


def inputs(q, f, d):
    """q with its inputs F and D (the words F, D before an alias) spelled as f and d."""
    return re.sub(r"\b([FD]) (?=[a-z]\b)", lambda m: (f if m.group(1) == "F" else d) + " ", q)


def job_text(budget, threshold, queries=QUERIES):
    f = "read_csv('%s', header=true, columns=%s)" % (os.path.join(DATA, "f.csv"), F_COLS)
    d = "read_csv('%s', header=true, columns=%s)" % (os.path.join(DATA, "d.csv"), D_COLS)
    lines = ["SET memory_limit = '%s';" % budget] if budget else []
    if threshold is not None:
        lines.append("SET broadcast_threshold = '%s';" % threshold)
    for _, q, _ in queries:
        lines.append(inputs(q, f, d) + ";")
    return "\n".join(lines) + "\n"


def parse_results(text):
    """The CSV results of the job's SELECTs, one (header, rows) per statement."""
    out, cur = [], None
    for line in text.splitlines():
        if line.startswith("n,a,b"):
            cur = []
            out.append(cur)
        elif cur is not None and line:
            cur.append(tuple(next(csv.reader(io.StringIO(line)))))
    return out


def same(got, want):
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        if w is None:
            if g != "":
                return False
        elif isinstance(w, float):
            if not math.isclose(float(g), w, rel_tol=1e-9):
                return False
        elif str(w) != g:
            return False
    return True


def run_job(np, budget, threshold, verbose, text=None):
    path = os.path.join(DATA, "job-%s-%s.sql" % (budget or "none", threshold))
    with open(path, "w") as fh:
        fh.write(text or job_text(budget, threshold))
    env = dict(ENV)
    env["SLUICE_JOIN_TRACE"] = "1"
    cmd = ["timeout", str(TIMEOUT), "mpirun", "-n", str(np), SLUICE, "run", "--format", "csv",
           path]
    if verbose:
        print("+", " ".join(cmd))
    return subprocess.run(cmd, env=env, capture_output=True, text=True)


def check_results(p, queries, want, tag, np, report_fn=None):
    """Reports (through report_fn: the calling script counts its own checks) each query's rows
    of finished run p against sqlite3's (want by name); False when the run failed or printed
    the wrong number of results (reported too)."""
    report = report_fn or globals()["report"]
    if p.returncode != 0:
        report(False, tag, np, "exit %d: %s" % (p.returncode, p.stderr[-800:]))
        return False
    results = parse_results(p.stdout)
    if len(results) != len(queries):
        report(False, tag, np, "expected %d results, got %d" % (len(queries), len(results)))
        return False
    for (name, _, _), rows in zip(queries, results):
        ok = len(rows) == len(want[name]) and all(same(g, w) for g, w in zip(rows, want[name]))
        report(ok, "%s %s" % (name, tag), np, "got %s, sqlite3 %s" % (rows, want[name]))
    return True


def check_run(np, budget, threshold, want, expect_grace, verbose):
    tag = "budget=%s broadcast_threshold=%s" % (budget or "default", threshold)
    p = run_job(np, budget, threshold, verbose)
    if not check_results(p, QUERIES, want, tag, np):
        return
    grace = "hash join goes grace" in p.stderr
    report(grace == expect_grace, "grace-%s %s" % ("seen" if expect_grace else "absent", tag), np,
           "SLUICE_JOIN_TRACE %s a grace split" % ("shows no" if expect_grace else "shows"))
    chunks = "hash join without keys goes in chunks" in p.stderr
    report(chunks == expect_grace, "chunks-%s %s" % ("seen" if expect_grace else "absent", tag),
           np, "SLUICE_JOIN_TRACE %s a keyless join in chunks" % (
               "shows no" if expect_grace else "shows"))


def duckdb_dir():
    """A directory whose node_modules holds @duckdb/node-api, or None."""
    bench = os.path.join(ROOT, "bench")
    if os.path.isdir(os.path.join(bench, "node_modules", "@duckdb", "node-api")):
        return bench
    scratch = os.path.join(DATA, "npm")
    if os.path.isdir(os.path.join(scratch, "node_modules", "@duckdb", "node-api")):
        return scratch
    os.makedirs(scratch, exist_ok=True)
    for f in ("package.json", "package-lock.json"):
        with open(os.path.join(bench, f)) as src, open(os.path.join(scratch, f), "w") as dst:
            dst.write(src.read())
    try:
        p = subprocess.run(["timeout", "300", "npm", "ci", "--no-audit", "--no-fund"],
                           cwd=scratch, capture_output=True, text=True)
    except OSError:
        return None
    return scratch if p.returncode == 0 else None


def check_dbbench(ranks, verbose):
    """q1-q5 of db-benchmark's join task against DuckDB on the same job file."""
    global skipped
    d = os.path.join(DATA, "j1")
    if not os.path.exists(os.path.join(d, "J1_1e5_NA_0_0.csv")):
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_join_data.py"),
                        "1e5", d], check=True)
    files = {"x": "J1_1e5_NA_0_0.csv", "small": "J1_1e5_1_0_0.csv",
             "medium": "J1_1e5_1e2_0_0.csv", "big": "J1_1e5_1e5_0_0.csv"}
    job = os.path.join(ROOT, "bench", "join_q.sql")
    nd = duckdb_dir()
    if nd is None:
        skipped += 1
        print("skip dbbench: @duckdb/node-api not installable (npm unreachable?)")
        return
    env = dict(ENV)
    env["NODE_PATH"] = os.path.join(nd, "node_modules")
    p = subprocess.run(["timeout", str(TIMEOUT), "node", os.path.join(ROOT, "bench",
                        "duckdb_join.js"), job] + ["%s=%s" % (k, os.path.join(d, v))
                                                   for k, v in files.items()],
                       env=env, capture_output=True, text=True)
    if p.returncode != 0:
        report(False, "dbbench duckdb", 1, p.stderr[-500:])
        return
    want = [r for r in csv.reader(io.StringIO(p.stdout))][1:]
    for np in ranks:
        cmd = ["timeout", str(TIMEOUT), "mpirun", "-n", str(np), SLUICE, "run", "--format",
               "csv"]
        for k, v in files.items():
            cmd += ["-D", "%s=%s" % (k, os.path.join(d, v))]
        cmd.append(job)
        if verbose:
            print("+", " ".join(cmd))
        q = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
        got = [r for r in csv.reader(io.StringIO(q.stdout)) if r and r[0] != "q"]
        for w in want:
            g = [r for r in got if r[0] == w[0]]
            ok = q.returncode == 0 and len(g) == 1 and g[0][1] == w[1] and all(
                math.isclose(float(a), float(b), rel_tol=1e-9) for a, b in zip(g[0][2:], w[2:]))
            report(ok, "dbbench %s" % w[0], np, "got %s, DuckDB %s %s" % (g, w, q.stderr[-300:]))


def check_explain(verbose):
    """EXPLAIN ANALYZE names the choice: broadcast under the threshold, hash above it."""
    d = "read_csv('%s', header=true, columns=%s)" % (os.path.join(DATA, "d.csv"), D_COLS)
    q = "EXPLAIN ANALYZE SELECT count(*) FROM %s a JOIN (SELECT * FROM %s LIMIT 10) b ON a.k = b.k;"
    for threshold, want in (("1MB", "chosen: broadcast (right side "),
                            ("0", "chosen: hash-partition both (right side ")):
        text = "SET broadcast_threshold = '%s';\n%s\n" % (threshold, q % (d, d))
        p = run_job(2, None, threshold, verbose, text)
        ok = p.returncode == 0 and want in p.stdout
        report(ok, "explain broadcast_threshold=%s" % threshold, 2,
               "no '%s' in: %s %s" % (want, p.stdout[-600:], p.stderr[-300:]))
    # EXPLAIN names a join's band terms (src/plan/band.c) and leaves the rest out of them.
    text = ("EXPLAIN SELECT count(*) FROM %s a JOIN %s b ON a.k = b.k AND a.k + 1 < b.k * 2 "
            "AND a.k <> b.k;\n" % (d, d))
    p = run_job(2, None, None, verbose, text)
    want = "(band: a.k + 1 < b.k * 2, by binary search over the table's ordered values)"
    ok = p.returncode == 0 and want in p.stdout
    report(ok, "explain band terms", 2, "no '%s' in: %s %s" % (want, p.stdout[-600:],
                                                            p.stderr[-300:]))
    # A FULL join without keys broadcasts its right side (no gather to rank 0).
    text = "EXPLAIN SELECT count(*) FROM %s a FULL JOIN %s b ON a.k < b.k;\n" % (d, d)
    p = run_job(2, None, None, verbose, text)
    want = "the right rows no rank matched are emitted by rank 0"
    below = p.stdout.split("Hash join FULL", 1)[-1]  # the join's line and its inputs
    ok = p.returncode == 0 and want in below and "Exchange: broadcast" in below and \
        "Exchange: gather" not in below
    report(ok, "explain keyless FULL join", 2, "no '%s' or a gather in: %s %s" % (
        want, p.stdout[-900:], p.stderr[-300:]))


def check_held(ranks, want, verbose):
    """HELD at 16 MB, both sides hash-partitioned: sqlite3's answer and no grace split."""
    for np in ranks:
        tag = "budget=16MB broadcast_threshold=0"
        p = run_job(np, "16MB", "0", verbose, job_text("16MB", "0", [HELD]))
        if not check_results(p, [HELD], want, tag, np):
            continue
        grace = [l for l in p.stderr.splitlines() if "hash join goes grace" in l]
        report(not grace, "held_probe gives way " + tag, np,
               "the join went grace: %s" % (grace[:1],))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ranks", default="1,2,3,4,5")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    generate()
    want = oracle()
    check_run(1, None, None, want, False, args.v)
    ranks = [int(x) for x in args.ranks.split(",")]
    for np in ranks:
        check_run(np, "4MB", "0", want, True, args.v)
    # The dimension broadcast to every rank (and still spilling there).
    check_run(max(ranks), "4MB", "1GB", want, True, args.v)
    check_held(ranks, want, args.v)
    check_explain(args.v)
    check_dbbench(ranks, args.v)
    print("join: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
