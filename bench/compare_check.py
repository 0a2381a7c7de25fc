#!/usr/bin/python3
"""Checks one bench answer against a reference answer (bench/compare.sh): DuckDB's answer to
the same SQL, or the numpy oracle that scripts/gen_groupby.py --oracle computed from the
generated integers (ORACLE.json, questions q1 and pipeline only).

    bench/compare_check.py QUESTION RESULT REFERENCE

RESULT and REFERENCE are a CSV file with a header, a directory of CSV part files (one header
each), or (REFERENCE only) an oracle JSON. Rows are matched on the group keys (the first
column, two for q2 and pipeline, six for q10); same header, same set of groups, integers
exact, other numbers to 1e-9 relative. Prints what differs and exits 1 on a mismatch.
"""
import csv
import glob
import json
import math
import os
import sys

N_KEYS = {"q1": 1, "q2": 2, "q3": 1, "q4": 1, "q5": 1, "q7": 1, "q10": 6,
          "pipeline": 2}


def load(path, q):
    if path.endswith(".json"):
        o = json.load(open(path))[q]
        header = o["columns"]
        rows = [["" if v is None else str(v) for v in r] for r in o["rows"]]
    else:
        files = [path] if os.path.isfile(path) else sorted(
            glob.glob(os.path.join(path, "**", "*.csv"), recursive=True))
        if not files:
            sys.exit("no CSV in %s" % path)
        header, rows = None, []
        for f in files:
            r = list(csv.reader(open(f, newline="")))
            if not r:
                continue
            if header is not None and r[0] != header:
                sys.exit("%s: header %s, expected %s" % (f, r[0], header))
            header = r[0]
            rows += r[1:]
    k = N_KEYS[q]
    d = {tuple(r[:k]): r[k:] for r in rows}
    if len(d) != len(rows):
        sys.exit("%s: %d duplicate groups" % (path, len(rows) - len(d)))
    return header, d


def same(a, b):
    if a == b:
        return True
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    except ValueError:
        return False


def main():
    q, got_path, ref_path = sys.argv[1:4]
    hg, got = load(got_path, q)
    hr, ref = load(ref_path, q)
    if hg != hr:
        sys.exit("header %s, expected %s" % (hg, hr))
    bad = [k for k in ref if k not in got or not all(map(same, got[k], ref[k]))]
    bad += [k for k in got if k not in ref]
    if bad:
        k = bad[0]
        sys.exit("%d groups differ from %s; first: %s: got %s, expected %s" % (
            len(bad), ref_path, k, got.get(k), ref.get(k)))
    print("%s: %s == %s (%d groups)" % (q, got_path, ref_path, len(got)))


if __name__ == "__main__":
    main()
