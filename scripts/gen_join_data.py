#!/usr/bin/python3
"""Generates db-benchmark's join data (J1 tables) as CSV, in the same format as
db-benchmark's _data/join-datagen.R: four files for N rows

    J1_<N>_NA_0_0.csv     x:      id1,id2,id3,id4,id5,id6,v1   (N rows)
    J1_<N>_<N/1e6>_0_0.csv small:  id1,id4,v2                  (N/1e6 rows)
    J1_<N>_<N/1e3>_0_0.csv medium: id1,id2,id4,id5,v2          (N/1e3 rows)
    J1_<N>_<N>_0_0.csv     big:    id1,id2,id3,id4,id5,id6,v2  (N rows)

with N written as db-benchmark writes it (1e7 -> "1e7"). As in the R generator, each key
level k (N/1e6, N/1e3, N) draws 1.1 k distinct integers; x uses the first 0.9 k plus 0.1 k
keys only x has, the right-hand tables the same 0.9 k plus 0.1 k keys only they have, so about
90 % of x's rows find a match. id1..id3 are integers, id4..id6 the strings "id<id1>".."id<id3>";
x samples its keys with replacement, each right-hand table holds every one of its level's keys
once (medium and big also sample the coarser levels), v1 and v2 are uniform on [0, 100) with 6
decimals. Deterministic for a given N and --seed.

Usage: gen_join_data.py N OUTDIR [--seed S]     (N like 1e7 or 100000)
"""
import os
import random
import sys


def n_label(n):
    """db-benchmark's spelling of a row count: 1e7, 1e4, 1e1 (else the plain number)."""
    e = 0
    m = n
    while m >= 10 and m % 10 == 0:
        m //= 10
        e += 1
    return "%de%d" % (m, e) if m < 10 and e > 0 else str(n)


def split_keys(rng, k):
    """(x keys, right-hand keys) for a level of k keys: 0.9 k shared, 0.1 k each its own."""
    k = max(int(k), 1)
    common = max(int(round(k * 0.9)), 1)
    own = k - common
    keys = rng.sample(range(1, (k + own) * 2 + 1), k + own)
    return keys[:k], keys[:common] + keys[k:k + own]


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    n = int(float(argv[1]))
    out = argv[2]
    seed = 108
    if "--seed" in argv:
        seed = int(argv[argv.index("--seed") + 1])
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    levels = [max(n // 1000000, 1), max(n // 1000, 1), n]
    xk, rk = [], []
    for k in levels:
        a, b = split_keys(rng, k)
        xk.append(a)
        rk.append(b)
    lab = n_label(n)

    def v():
        return "%.6f" % (rng.random() * 100)

    with open(os.path.join(out, "J1_%s_NA_0_0.csv" % lab), "w") as f:
        f.write("id1,id2,id3,id4,id5,id6,v1\n")
        k1, k2, k3 = xk
        w = []
        for _ in range(n):
            a, b, c = rng.choice(k1), rng.choice(k2), rng.choice(k3)
            w.append("%d,%d,%d,id%d,id%d,id%d,%s\n" % (a, b, c, a, b, c, v()))
            if len(w) >= 100000:
                f.write("".join(w))
                w = []
        f.write("".join(w))
    with open(os.path.join(out, "J1_%s_%s_0_0.csv" % (lab, n_label(levels[0]))), "w") as f:
        f.write("id1,id4,v2\n")
        for a in rk[0]:
            f.write("%d,id%d,%s\n" % (a, a, v()))
    with open(os.path.join(out, "J1_%s_%s_0_0.csv" % (lab, n_label(levels[1]))), "w") as f:
        f.write("id1,id2,id4,id5,v2\n")
        for b in rk[1]:
            a = rng.choice(rk[0])
            f.write("%d,%d,id%d,id%d,%s\n" % (a, b, a, b, v()))
    with open(os.path.join(out, "J1_%s_%s_0_0.csv" % (lab, n_label(levels[2]))), "w") as f:
        f.write("id1,id2,id3,id4,id5,id6,v2\n")
        w = []
        for c in rk[2]:
            a, b = rng.choice(rk[0]), rng.choice(rk[1])
            w.append("%d,%d,%d,id%d,id%d,id%d,%s\n" % (a, b, c, a, b, c, v()))
            if len(w) >= 100000:
                f.write("".join(w))
                w = []
        f.write("".join(w))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
