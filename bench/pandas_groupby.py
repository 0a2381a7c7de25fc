#!/usr/bin/python3
"""pandas baseline for db-benchmark groupby q1: SELECT id1, sum(v1) AS v1 FROM t GROUP BY id1.

Times the whole job as a user runs it: read_csv (all input files), groupby, sum, and writing
the (tiny) result. bench/run.sh measures wall time and peak RSS around the process with
/usr/bin/time -v; the time printed on stderr here is only informative.

By default only the columns the query uses are parsed (usecols), as sluice prunes them too;
--all-columns reads the whole table (db-benchmark's way: load once, then query).
Output (--out, default stdout): CSV "id1,v1", rows sorted by id1, NULL key as an empty field.
"""
import argparse
import glob
import sys
import time

import pandas as pd


def read_inputs(pattern, usecols):
    paths = sorted(glob.glob(pattern))
    if not paths:
        sys.exit("pandas_groupby: no file matches %r" % pattern)
    frames = [pd.read_csv(p, usecols=usecols) for p in paths]
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def main():
    ap = argparse.ArgumentParser(description="pandas q1: sum(v1) by id1")
    ap.add_argument("input", help="CSV file or glob")
    ap.add_argument("--out", help="result CSV (default stdout)")
    ap.add_argument("--all-columns", action="store_true", help="parse every column")
    args = ap.parse_args()
    t0 = time.time()
    df = read_inputs(args.input, None if args.all_columns else ["id1", "v1"])
    t1 = time.time()
    # min_count=1: SQL's sum over only NULLs is NULL, not 0. Int64 keeps exact integers
    # even when NULLs are present.
    res = (df.groupby("id1", dropna=False, sort=True)["v1"].sum(min_count=1)
           .astype("Int64").reset_index())
    t2 = time.time()
    res.to_csv(args.out if args.out else sys.stdout, index=False)
    print("pandas q1: rows=%d read=%.3fs groupby=%.3fs total=%.3fs"
          % (len(df), t1 - t0, t2 - t1, time.time() - t0), file=sys.stderr)


if __name__ == "__main__":
    main()
