#!/usr/bin/python3
"""pandas baseline for bench/compare.sh: one question (q1..q5, q7, pipeline) as a whole job,
read_csv of the used columns, group-by, write the result as CSV.

    bench/pandas_questions.py QUESTION INPUT OUT

OUT is a CSV file, or for `pipeline` a directory (OUT/part-0.csv), as sluice writes it.
The questions themselves are in bench/frame_questions.py (shared with the Dask baseline).
"""
import os
import sys
import time

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frame_questions as fq  # noqa: E402


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    q, inp, out = sys.argv[1:]
    t0 = time.time()
    df = pd.read_csv(inp, usecols=fq.COLUMNS[q])
    t1 = time.time()
    res = fq.finish(q, fq.build(q, df))
    if q == "pipeline":
        os.makedirs(out, exist_ok=True)
        out = os.path.join(out, "part-0.csv")
    res.to_csv(out, index=False)
    print("pandas %s: read %.2fs, compute+write %.2fs" % (q, t1 - t0, time.time() - t1),
          file=sys.stderr)


if __name__ == "__main__":
    main()
