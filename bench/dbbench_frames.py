#!/usr/bin/python3
"""pandas and Dask baselines for bench/dbbench.sh: load + the ten db-benchmark groupby
questions, written as db-benchmark's own pandas and Dask scripts write them
(duckdblabs/db-benchmark pandas/groupby-pandas.py, dask/groupby-dask.py), each answer followed
by the same check row as bench/dbbench.sql (count and column sums).

    bench/dbbench_frames.py pandas INPUT
    bench/dbbench_frames.py dask INPUT [--workers N]

Prints the check rows as CSV (q,n,c1,...; one header per question, as sluice and DuckDB print
them) on stdout and one line per step on stderr, "  [k] NAME: T s" (load, then q1..q10).
Dask: a LocalCluster of N one-thread workers (default: the cores), the table persisted in
their memory after the load; each answer is computed (.compute()).
"""
import os
import sys
import time

import pandas as pd

CHK = {  # question -> the columns its check row sums
    "q1": ["v1"], "q2": ["v1"], "q3": ["v1", "v3"], "q4": ["v1", "v2", "v3"],
    "q5": ["v1", "v2", "v3"], "q6": ["median_v3", "sd_v3"], "q7": ["range_v1_v2"],
    "q8": ["largest2_v3"], "q9": ["r2_v1_v2"], "q10": ["v3", "count"],
}


def questions(x, dask):
    """The ten answers as pandas DataFrames (Dask: computed)."""
    kw = dict(observed=True, dropna=False) if not dask else dict(dropna=False)

    def done(a):
        return a.compute() if dask else a

    yield "q1", lambda: done(x.groupby("id1", **kw).agg({"v1": "sum"})).reset_index()
    yield "q2", lambda: done(x.groupby(["id1", "id2"], **kw).agg({"v1": "sum"})).reset_index()
    yield "q3", lambda: done(x.groupby("id3", **kw).agg({"v1": "sum", "v3": "mean"})).reset_index()
    yield "q4", lambda: done(x.groupby("id4", **kw).agg(
        {"v1": "mean", "v2": "mean", "v3": "mean"})).reset_index()
    yield "q5", lambda: done(x.groupby("id6", **kw).agg(
        {"v1": "sum", "v2": "sum", "v3": "sum"})).reset_index()

    def q6():
        if dask:  # Dask 2022.12 has no groupby median: db-benchmark's Dask script applies
            meta = pd.DataFrame({"median_v3": pd.Series(dtype="f8"),
                                 "sd_v3": pd.Series(dtype="f8")})
            a = x[["id4", "id5", "v3"]].groupby(["id4", "id5"], dropna=False).apply(
                lambda g: pd.DataFrame({"median_v3": [g.v3.median()], "sd_v3": [g.v3.std()]}),
                meta=meta).compute()
            return a.reset_index(drop=True)
        a = x.groupby(["id4", "id5"], **kw).agg({"v3": ["median", "std"]})
        a.columns = ["median_v3", "sd_v3"]
        return a.reset_index()
    yield "q6", q6

    def q7():
        a = done(x.groupby("id3", **kw).agg({"v1": "max", "v2": "min"}))
        return a.assign(range_v1_v2=a["v1"] - a["v2"])[["range_v1_v2"]].reset_index()
    yield "q7", q7

    def q8():
        if dask:
            meta = pd.DataFrame({"id6": pd.Series(dtype="i8"), "v3": pd.Series(dtype="f8")})
            a = x[~x["v3"].isna()][["id6", "v3"]].groupby("id6", dropna=False).apply(
                lambda g: g.nlargest(2, "v3"), meta=meta).compute()
        else:
            a = x[~x["v3"].isna()][["id6", "v3"]].sort_values(
                "v3", ascending=False).groupby("id6", **kw).head(2)
        return a.rename(columns={"v3": "largest2_v3"}).reset_index(drop=True)
    yield "q8", q8

    def q9():
        sub = x[["id2", "id4", "v1", "v2"]]
        if dask:
            meta = pd.DataFrame({"r2_v1_v2": pd.Series(dtype="f8")})
            a = sub.groupby(["id2", "id4"], dropna=False).apply(
                lambda g: pd.DataFrame({"r2_v1_v2": [g["v1"].corr(g["v2"]) ** 2]}),
                meta=meta).compute()
        else:
            a = sub.groupby(["id2", "id4"], **kw).apply(
                lambda g: pd.Series({"r2_v1_v2": g[["v1", "v2"]].corr()["v1"]["v2"] ** 2}))
        return a.reset_index(drop=True)
    yield "q9", q9
    yield "q10", lambda: done(x.groupby(["id1", "id2", "id3", "id4", "id5", "id6"], **kw).agg(
        {"v3": "sum", "v1": "size"})).rename(columns={"v1": "count"}).reset_index()


def check_row(q, a):
    vals = [q, str(len(a))]
    for c in CHK[q]:
        col = a[c][a[c] <= 1] if q == "q9" else a[c]  # NaN r2 left out, as bench/dbbench.sql
        s = col.sum(min_count=1)
        vals.append("" if pd.isna(s) else repr(float(s)) if c not in ("v1", "v2", "count")
                    or q == "q4" else str(int(s)))
    return "q,n," + ",".join("c%d" % (i + 1) for i in range(len(CHK[q]))) + "\n" + \
        ",".join(vals)


def main():
    args = sys.argv[1:]
    workers = os.cpu_count()
    if "--workers" in args:
        i = args.index("--workers")
        workers = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2 or args[0] not in ("pandas", "dask"):
        sys.exit(__doc__)
    tool, inp = args
    dask = tool == "dask"
    k = 1
    t0 = time.time()
    if dask:
        import dask.dataframe as dd
        from dask.distributed import Client, LocalCluster
        client = Client(LocalCluster(n_workers=workers, threads_per_worker=1,
                                     processes=True, dashboard_address=None))
        x = dd.read_csv(inp, blocksize="64MB").persist()
        len(x)  # the load finishes here
    else:
        x = pd.read_csv(inp)
    print("  [%d] load: %.3f s" % (k, time.time() - t0), file=sys.stderr)
    for q, run in questions(x, dask):
        k += 1
        t0 = time.time()
        a = run()
        dt = time.time() - t0
        print(check_row(q, a))
        print("  [%d] %s: %.3f s" % (k, q, dt), file=sys.stderr)
    sys.stdout.flush()
    if dask:
        client.close()


if __name__ == "__main__":
    main()
