#!/usr/bin/env python3
"""tests/install/data.py: the install suite's input and its oracle (sqlite3).

    data.py gen DIR          writes DIR/part-{0..3}.csv (k, v; some v empty = NULL)
    data.py check OUT DIR    OUT (api_job's CSV) must equal sqlite3's answer to QUERY over
                             the same files; prints the difference and exits 1 otherwise
"""
import csv
import glob
import os
import random
import sqlite3
import sys

# The same query as tests/install/run.sh's job (sluice's dialect and sqlite3's agree on it).
QUERY = ("SELECT k, count(*) AS n, count(v) AS nv, sum(v) AS s, min(v) AS lo, max(v) AS hi "
         "FROM t GROUP BY k ORDER BY k")


def gen(d):
    rnd = random.Random(15)
    os.makedirs(d, exist_ok=True)
    for p in range(4):
        with open(os.path.join(d, "part-%d.csv" % p), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["k", "v"])
            for _ in range(2500):
                v = "" if rnd.random() < 0.05 else rnd.randint(-10**9, 10**9)
                w.writerow(["key%02d" % rnd.randint(0, 40), v])


def expected(d):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (k TEXT, v INTEGER)")
    for path in sorted(glob.glob(os.path.join(d, "*.csv"))):
        with open(path, newline="") as f:
            rows = list(csv.reader(f))[1:]
        db.executemany("INSERT INTO t VALUES (?, ?)",
                       [(k, int(v) if v != "" else None) for k, v in rows])
    return [["" if x is None else str(x) for x in r] for r in db.execute(QUERY)]


def check(out, d):
    with open(out, newline="") as f:
        got = list(csv.reader(f))
    want = expected(d)
    if got[:1] != [["k", "n", "nv", "s", "lo", "hi"]] or got[1:] != want:
        print("FAIL  %s differs from sqlite3: header %r, %d rows vs %d; first difference %r"
              % (out, got[:1], len(got) - 1, len(want),
                 next(((g, w) for g, w in zip(got[1:], want) if g != w), None)))
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        sys.exit(check(sys.argv[2], sys.argv[3]))
