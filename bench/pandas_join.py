#!/usr/bin/python3
"""pandas baseline for db-benchmark's join questions (bench/join.sh): each question reads the
CSV files it needs, merges, and computes the check row (count, sum(v1), sum(v2)), as
bench/join_q.sql does; prints "q,n,v1,v2" rows on stdout and "qN SECONDS s" on stderr.

    bench/pandas_join.py X SMALL MEDIUM BIG
"""
import sys
import time

import pandas as pd

QUESTIONS = [
    ("q1", "small", "id1", "inner"),
    ("q2", "medium", "id2", "inner"),
    ("q3", "medium", "id2", "left"),
    ("q4", "medium", "id5", "inner"),
    ("q5", "big", "id3", "inner"),
]


def main():
    paths = dict(zip(["x", "small", "medium", "big"], sys.argv[1:5]))
    print("q,n,v1,v2")
    for q, right, key, how in QUESTIONS:
        t0 = time.time()
        x = pd.read_csv(paths["x"])
        r = pd.read_csv(paths[right])
        ans = x.merge(r, how=how, on=key)
        n, v1, v2 = len(ans), ans["v1"].sum(), ans["v2"].sum()
        secs = time.time() - t0
        print("%s,%d,%r,%r" % (q, n, float(v1), float(v2)))
        sys.stdout.flush()
        sys.stderr.write("%s %.3f s\n" % (q, secs))
        del x, r, ans


if __name__ == "__main__":
    main()
