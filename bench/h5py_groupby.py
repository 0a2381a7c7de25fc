#!/usr/bin/python3
"""h5py + pandas baseline for q1 over an HDF5 file written by sluice's COPY (FORMAT hdf5):
SELECT id1, sum(v1) FROM t GROUP BY id1.

Reads only the datasets the query uses (id1 as offsets + bytes, v1) with h5py, builds the
string keys (numpy when every key has one length, a Python loop otherwise), groups with
pandas and prints "id1,v1" sorted by id1 on stdout; the seconds spent reading and grouping go
to stderr. bench/hdf5.sh times the whole process from outside.
"""
import sys
import time

import h5py
import numpy as np
import pandas as pd


def strings(g, name):
    off = g[name + "__offsets"][:]
    raw = g[name + "__bytes"][:]
    lens = np.diff(off)
    if len(lens) and (lens == lens[0]).all() and lens[0] > 0:
        return raw.view("S%d" % lens[0]).astype(str)
    b = raw.tobytes()
    return np.array([b[off[i]:off[i + 1]].decode() for i in range(len(off) - 1)])


def main():
    path, group = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "/"
    t0 = time.time()
    with h5py.File(path, "r") as f:
        g = f[group]
        df = pd.DataFrame({"id1": strings(g, "id1"), "v1": g["v1"][:]})
    t1 = time.time()
    r = df.groupby("id1", sort=True)["v1"].sum()
    t2 = time.time()
    out = ["id1,v1"] + ["%s,%d" % (k, v) for k, v in r.items()]
    sys.stdout.write("\n".join(out) + "\n")
    sys.stderr.write("h5py_groupby: read %.2f s, group %.2f s\n" % (t1 - t0, t2 - t1))


if __name__ == "__main__":
    main()
