#!/usr/bin/env python3
"""tests/install/heat_check.py OUT CELLS STEPS REGIONS.csv: examples/heat.c's output against a
direct computation.

Simulates the same 1-D heat diffusion here on the whole domain (the same update formula, in
the same order of operations, so every temperature is the same double), and checks:
  - the "stat" lines: for every 10th step and every region, count(*), count(temp) (every
    97th cell is NULL), min and max exactly, the mean within 1e-12 relative of math.fsum's,
    and the region name from REGIONS.csv;
  - the "part" lines (each rank's partition of a GROUP BY): every region exactly once over
    all ranks, and its cell is one whose temperature is the region's maximum over valid cells.
Prints the differences and exits 1 on any.
"""
import csv
import math
import sys

REGIONS, ALPHA = 6, 0.25


def main():
    out, cells, steps, regions_csv = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    with open(regions_csv, newline="") as f:
        names = {int(r["region"]): r["name"] for r in csv.DictReader(f)}
    t = [float((g * 37) % 101) for g in range(cells)]
    region = [g * REGIONS // cells for g in range(cells)]
    ok = [g % 97 != 0 for g in range(cells)]
    want = {}
    for step in range(1, steps + 1):
        p = [0.0] + t + [0.0]
        t = [p[i] + ALPHA * (p[i - 1] - 2 * p[i] + p[i + 1]) for i in range(1, cells + 1)]
        if step % 10:
            continue
        for r in range(REGIONS):
            vals = [t[g] for g in range(cells) if region[g] == r and ok[g]]
            n = sum(1 for g in range(cells) if region[g] == r)
            want[(step, r)] = (names[r], n, len(vals), math.fsum(vals) / len(vals), min(vals),
                               max(vals))
    errors = []
    got, parts = {}, {}
    with open(out) as f:
        for line in f:
            fs = line.rstrip("\n").split(",")
            if fs[0] == "stat":
                got[(int(fs[1]), int(fs[2]))] = (fs[3], int(fs[4]), int(fs[5]), float(fs[6]),
                                                 float(fs[7]), float(fs[8]))
            elif fs[0] == "part":
                r = int(fs[2])
                if r in parts:
                    errors.append("region %d in two partitions" % r)
                parts[r] = int(fs[3])
    if set(got) != set(want):
        errors.append("stat lines for %s, expected %s" % (sorted(got), sorted(want)))
    for k in sorted(set(got) & set(want)):
        g, w = got[k], want[k]
        if g[:3] != w[:3] or g[4:] != w[4:] or abs(g[3] - w[3]) > 1e-12 * abs(w[3]):
            errors.append("step %d region %d: got %r, expected %r" % (k + (g, w)))
    if sorted(parts) != list(range(REGIONS)):
        errors.append("partitioned regions %s, expected 0..%d" % (sorted(parts), REGIONS - 1))
    for r, cell in sorted(parts.items()):
        top = max(t[g] for g in range(cells) if region[g] == r and ok[g])
        if not (0 <= cell < cells and region[cell] == r and ok[cell] and t[cell] == top):
            errors.append("region %d: hottest cell %d is not one at the maximum %r"
                          % (r, cell, top))
    for e in errors[:20]:
        print(e)
    print("heat: %d stat lines, %d partitioned rows: %s" %
          (len(got), len(parts), "FAILED" if errors else "equal to the direct computation"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
