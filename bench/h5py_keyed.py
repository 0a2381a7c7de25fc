#!/usr/bin/python3
"""The sorted-key file of bench/formats.sh's selective WHERE, and its answer, by h5py + numpy.

    h5py_keyed.py SRC DST LO HI    writes DST: key = 0..N-1 (int64) beside the numeric
                                   columns id4, id5, id6, v1, v2, v3 of SRC (a file COPY
                                   (FORMAT hdf5) wrote), chunks of 65536 rows, no sluice
                                   statistics; prints "n,s1,s3" for key BETWEEN LO AND HI
                                   (count(*), sum(v1), sum(v3))
    h5py_keyed.py --check GOT WANT compares sluice's CSV answer GOT with WANT: n and s1
                                   exactly, s3 (a sum of doubles, in another order) to 1e-9
                                   relative; exit 1 when they differ
"""
import sys

import h5py
import numpy as np


def check(got, want):
    g = open(got).read().split("\n")[1].split(",")
    w = open(want).read().split("\n")[1].split(",")
    same = g[:2] == w[:2] and abs(float(g[2]) - float(w[2])) <= 1e-9 * max(1.0, abs(float(w[2])))
    if not same:
        sys.stderr.write("h5py_keyed: got %s, want %s\n" % (g, w))
    return 0 if same else 1


def main():
    if sys.argv[1] == "--check":
        return check(sys.argv[2], sys.argv[3])
    src, dst, lo, hi = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with h5py.File(src, "r") as f, h5py.File(dst, "w") as o:
        n = f["v1"].shape[0]
        o.create_dataset("key", data=np.arange(n, dtype=np.int64), chunks=(65536,))
        for c in ("id4", "id5", "id6", "v1", "v2", "v3"):
            o.create_dataset(c, data=f[c][:], chunks=(65536,))
        v1, v3 = o["v1"][lo:hi + 1], o["v3"][lo:hi + 1]
    print("n,s1,s3")
    print("%d,%d,%s" % (hi - lo + 1, int(v1.sum()), repr(float(v3.sum()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
