#!/usr/bin/python3
"""Dask baseline for bench/compare.sh: one question (q1..q5, q7, pipeline) as a whole job on a
LocalCluster of one single-threaded worker process per core (Debian's python3-dask and
python3-distributed), read_csv in 64 MB blocks of the used columns, group-by, write CSV.

    bench/dask_groupby.py QUESTION INPUT OUT [--workers N]

OUT is a CSV file, or for `pipeline` a directory (OUT/part-0.csv). The cluster start-up is
part of the job, as mpirun's is for sluice (it is printed separately on stderr). The result
of a group-by is small here (at most 1e5 groups), so it is computed into pandas and written
once. The questions are in bench/frame_questions.py (shared with the pandas baseline).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frame_questions as fq  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("question")
    ap.add_argument("input")
    ap.add_argument("out")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    a = ap.parse_args()
    t0 = time.time()
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster
    with LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster):
        t1 = time.time()
        df = dd.read_csv(a.input, usecols=fq.COLUMNS[a.question], blocksize="64MB")
        res = fq.finish(a.question, fq.build(a.question, df).compute())
        t2 = time.time()
    out = a.out
    if a.question == "pipeline":
        os.makedirs(out, exist_ok=True)
        out = os.path.join(out, "part-0.csv")
    res.to_csv(out, index=False)
    print("dask %s: workers=%d cluster start %.2fs, compute %.2fs, total %.2fs"
          % (a.question, a.workers, t1 - t0, t2 - t1, time.time() - t0), file=sys.stderr)


if __name__ == "__main__":
    main()
