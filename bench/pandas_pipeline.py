#!/usr/bin/python3
"""pandas baseline for the bench "pipeline" workload, the same job as bench/sluice_pipeline.sql:

    filter v3 > 10 -> derive w = v1 * v3 -> group by id1, id4 ->
    sum(w) AS sum_w, count(*) AS n, avg(v2) AS avg_v2 -> write CSV into a directory

Times the whole job (read_csv of the used columns, filter, derive, group, write the result)
as one process; bench/run.sh measures wall time and peak RSS around it.
SQL semantics kept: NULL keys form their own group (dropna=False), sum of only NULLs is NULL
(min_count=1), count(*) counts rows, avg skips NULLs; NULL v3 fails the filter.
Output: OUTDIR/part-0.csv with header id1,id4,sum_w,n,avg_v2, sorted by id1, id4.
"""
import argparse
import glob
import os
import sys
import time

import pandas as pd

COLS = ["id1", "id4", "v1", "v2", "v3"]


def main():
    ap = argparse.ArgumentParser(description="pandas pipeline: filter, derive, group, write")
    ap.add_argument("input", help="CSV file or glob")
    ap.add_argument("outdir", help="output directory (created; part-0.csv inside)")
    ap.add_argument("--all-columns", action="store_true", help="parse every column")
    args = ap.parse_args()
    t0 = time.time()
    paths = sorted(glob.glob(args.input))
    if not paths:
        sys.exit("pandas_pipeline: no file matches %r" % args.input)
    usecols = None if args.all_columns else COLS
    frames = [pd.read_csv(p, usecols=usecols) for p in paths]
    df = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    del frames
    n_in = len(df)
    t1 = time.time()
    df = df[df["v3"] > 10]
    df = df.assign(w=df["v1"] * df["v3"])
    g = df.groupby(["id1", "id4"], dropna=False, sort=True)
    res = pd.DataFrame({"sum_w": g["w"].sum(min_count=1), "n": g.size(),
                        "avg_v2": g["v2"].mean()})
    res.index = res.index.set_names(["id1", "id4"])
    res = res.reset_index()
    # id4 turns float when it holds NULLs; write it back as an integer column.
    res["id4"] = res["id4"].astype("Int64")
    t2 = time.time()
    os.makedirs(args.outdir, exist_ok=True)
    res.to_csv(os.path.join(args.outdir, "part-0.csv"), index=False)
    print("pandas pipeline: rows=%d groups=%d read=%.3fs compute=%.3fs total=%.3fs"
          % (n_in, len(res), t1 - t0, t2 - t1,
             time.time() - t0), file=sys.stderr)


if __name__ == "__main__":
    main()
