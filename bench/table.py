#!/usr/bin/python3
"""Turns bench result lines (bench/results/*.jsonl, written by bench/run.sh) into a Markdown
table: one row per (workload, tool, ranks, rows, machine) with the median over its runs of
wall time, peak RSS and MB/s parsed per rank, the number of runs, and the speed relative to
pandas on the same workload, rows and machine (pandas wall / this wall; > 1 = faster).

    bench/table.py bench/results/*.jsonl        (default: every file in bench/results)
"""
import glob
import json
import os
import statistics
import sys


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def sci(n):
    """1e7 for 10000000, 2.5e6 for 2500000: how db-benchmark names table sizes."""
    m, e = ("%e" % n).split("e")
    return "%se%d" % (m.rstrip("0").rstrip("."), int(e))


def main():
    paths = sys.argv[1:] or sorted(glob.glob(os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "results", "*.jsonl")))
    groups = {}
    for p in paths:
        with open(p) as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    r = json.loads(line)
                except ValueError as e:
                    sys.exit("%s:%d: %s" % (p, n, e))
                if not all(k in r for k in ("workload", "rows", "machine", "tool", "ranks",
                                            "version")):
                    continue  # another benchmark's line (exchange, pair_ceiling, ...)
                # One row per build: runs of different versions are never pooled.
                key = (r["workload"], r["rows"], r["machine"], r["tool"] != "pandas",
                       r["tool"], r["ranks"], r["version"])
                groups.setdefault(key, []).append(r)
    if not groups:
        sys.exit("table.py: no results in %s" % " ".join(paths))

    def med(runs, field):
        vals = [r[field] for r in runs if r.get(field) is not None]
        return statistics.median(vals) if vals else None

    pandas_wall = {(k[0], k[1], k[2]): med(v, "wall_s")
                   for k, v in groups.items() if k[4] == "pandas"}
    print("| workload | rows | tool | ranks | runs | wall s (median) | peak RSS MB "
          "| MB/s per rank | vs pandas | version |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---|")
    machines = []
    for key in sorted(groups):
        wl, rows, machine, _, tool, ranks, _ = key
        runs = groups[key]
        wall = med(runs, "wall_s")
        base = pandas_wall.get((wl, rows, machine))
        rel = "%.2fx" % (base / wall) if base and wall else "-"
        if machine not in machines:
            machines.append(machine)
        mark = "" if len(machines) == 1 else " [m%d]" % (machines.index(machine) + 1)
        print("| %s | %s | %s | %d | %d | %s | %s | %s | %s | %s%s |" % (
            wl, sci(rows), tool, ranks, len(runs), fmt(wall, ".2f"),
            fmt(med(runs, "peak_rss_mb"), ".0f"),
            fmt(med(runs, "mb_s_per_rank"), ".1f"), rel, runs[-1]["version"], mark))
    print()
    for i, m in enumerate(machines):
        print("%smachine: %s" % ("[m%d] " % (i + 1) if len(machines) > 1 else "", m))


if __name__ == "__main__":
    main()
