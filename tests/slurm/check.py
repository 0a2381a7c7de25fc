#!/usr/bin/python3
"""Compares a sluice result with sqlite3 running the same query on the same CSV.

    check.py DATA.csv RESULT SQL [--ordered]

DATA.csv is loaded into an in-memory sqlite3 table `t` with Python's csv module (a column is
INTEGER if every value parses as int, REAL if as float, else TEXT; empty = NULL). SQL runs on
it. RESULT is a CSV file with a header (sluice --format csv stdout) or a directory of part
files (COPY output, one header per file, searched recursively). Rows are compared as
multisets unless --ordered; numbers to 1e-9 relative. The oracle never sees sluice's output.
Prints "ok: N rows" or what differs, and exits 1 on a mismatch.
"""
import csv
import glob
import math
import os
import sqlite3
import sys


def typed(col):
    def all_ok(f):
        try:
            for v in col:
                if v != "":
                    f(v)
            return True
        except ValueError:
            return False
    if all_ok(int):
        return "INTEGER", lambda v: None if v == "" else int(v)
    if all_ok(float):
        return "REAL", lambda v: None if v == "" else float(v)
    return "TEXT", lambda v: None if v == "" else v


def load(db, path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    conv = [typed([r[i] for r in body]) for i in range(len(header))]
    db.execute("CREATE TABLE t (%s)" % ", ".join(
        '"%s" %s' % (h, c[0]) for h, c in zip(header, conv)))
    db.executemany("INSERT INTO t VALUES (%s)" % ",".join("?" * len(header)),
                   [[c[1](v) for c, v in zip(conv, r)] for r in body])


def read_result(path):
    files = [path] if os.path.isfile(path) else sorted(
        glob.glob(os.path.join(path, "**", "*.csv"), recursive=True))
    if not files:
        sys.exit("no result files in %s" % path)
    header, rows = None, []
    for p in files:
        with open(p, newline="") as f:
            r = list(csv.reader(f))
        if not r:
            continue
        if header is not None and r[0] != header:
            sys.exit("%s: header %s differs from %s" % (p, r[0], header))
        header = r[0]
        rows += r[1:]
    return header, rows


def value(v):
    if v is None or v == "":
        return None
    if isinstance(v, (int, float)):
        return v
    try:
        return int(v)
    except ValueError:
        try:
            return float(v)
        except ValueError:
            return v


def same(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    ordered = "--ordered" in sys.argv
    if len(args) != 3:
        sys.exit(__doc__)
    data, result, sql = args
    db = sqlite3.connect(":memory:")
    load(db, data)
    cur = db.execute(sql)
    want_header = [d[0] for d in cur.description]
    want = [[value(v) for v in r] for r in cur.fetchall()]
    header, got = read_result(result)
    got = [[value(v) for v in r] for r in got]
    if header != want_header:
        sys.exit("header %s, expected %s" % (header, want_header))
    if not ordered:
        key = lambda r: [(x is None, str(type(x)), x if x is not None else 0) for x in r]
        got.sort(key=key)
        want.sort(key=key)
    if len(got) != len(want):
        sys.exit("%d rows, expected %d" % (len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        if len(g) != len(w) or not all(same(a, b) for a, b in zip(g, w)):
            sys.exit("row %d: got %s, expected %s" % (i, g, w))
    print("ok: %d rows" % len(got))


if __name__ == "__main__":
    main()
