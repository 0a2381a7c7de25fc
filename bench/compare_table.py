#!/usr/bin/python3
"""Markdown tables of bench/compare.sh results: per workload and tool, the median wall time
and the median peak memory of the process tree over the runs, and sluice's speed relative
to each other tool (other's wall / sluice's wall at 2 ranks: < 1 means sluice is slower).

    bench/compare_table.py [--run ID] bench/results/compare-*.jsonl
    bench/compare_table.py --scoreboard [--run ID] bench/results/compare-*.jsonl

--run ID keeps only the runs of one compare.sh invocation (its "run" field).
--scoreboard: issue 14's scoreboard. Per job, the ratio sluice at 2 ranks / DuckDB of the wall
times of each rep (rep k of sluice against rep k of DuckDB, which ran just before it): median
and range over the reps, beside the issue's goal; and per job with sluice at 1 rank too, the
1 -> 2 rank efficiency wall_1 / (2 x wall_2) of each rep (goal >= 0.9 for q1 and pipeline),
and the same of the statements' own time (sluice's --metrics: the wall time less the fixed
costs of mpirun, MPI_Init and MPI_Finalize, which no rank count shrinks), beside the median
fixed cost at 1 and 2 ranks.
At 1e8 rows and more, the table job's goals are <= 0.5x and <= 4 GB peak RSS summed over the
ranks (the largest sum over the reps).
"""
import json
import statistics
import sys

TOOLS = [("sluice1", "sluice, 1 rank"), ("sluice2", "sluice, 2 ranks"),
         ("duckdb", "DuckDB"), ("pandas", "pandas"), ("dask", "Dask")]
ORDER = ["q1", "q2", "q3", "q4", "q5", "q7", "q10", "q10copy", "pipeline"]
# issue 14's goals: sluice (2 ranks) / DuckDB wall, by job; at >= 1e8 rows (GOAL_1E8) the
# table job's ratio and its peak RSS summed over the ranks
GOAL = {"q1": 0.5, "q10": 1.0, "q10copy": 1.0, "table": 0.7}
GOAL_1E8 = {"table": 0.5}
GOAL_RSS_1E8_MB = 4000
GOAL_EFF = {"q1": 0.9, "pipeline": 0.9}
LABEL = {"q1": "q1 sum v1 by id1", "q2": "q2 sum v1 by id1:id2",
         "q3": "q3 sum v1 mean v3 by id3", "q4": "q4 mean v1:v3 by id4",
         "q5": "q5 sum v1:v3 by id6", "q7": "q7 max v1 - min v2 by id3",
         "q10": "q10 sum v3 count by id1:id6",
         "q10copy": "q10 written with COPY",
         "pipeline": "pipeline filter-derive-group-write",
         "table": "table: load + questions from CREATE TABLE"}


def spread(xs, fmt):
    """'median (min-max)' of a list of numbers."""
    if len(xs) == 1:
        return fmt % xs[0]
    return (fmt + " (" + fmt + "-" + fmt + ")") % (statistics.median(xs), min(xs), max(xs))


def verdict(value, goal, at_most=True, unit="x"):
    if goal is None:
        return "-", ""
    ok = value <= goal if at_most else value >= goal
    return ("<= " if at_most else ">= ") + ("%g" % goal) + unit, "met" if ok else "NOT met"


def scoreboard(runs):
    by = {}
    for r in runs:
        by.setdefault((r["workload"], r["tool"]), {})[r["rep"]] = r
    qs = sorted({k[0] for k in by}, key=lambda q: ORDER.index(q) if q in ORDER else 99)
    rows = runs[0]["rows"]
    big = rows >= 10 ** 8
    print("Issue 14 scoreboard, %s rows: sluice at 2 ranks / DuckDB, wall time of each rep "
          "(median (range) over the reps; < 1: sluice faster):\n" % "{:,}".format(rows))
    print("| job | reps | sluice 2 ranks / DuckDB | goal | | sluice 1 -> 2 ranks efficiency "
          "| goal | | statements only | fixed s, 1 / 2 ranks |")
    print("|---|---:|---:|---|---|---:|---|---|---:|---:|")
    notes = []
    for q in qs:
        d, s2, s1 = by.get((q, "duckdb"), {}), by.get((q, "sluice2"), {}), by.get((q, "sluice1"),
                                                                                   {})
        reps = sorted(set(d) & set(s2))
        ratio = [s2[k]["wall_s"] / d[k]["wall_s"] for k in reps]
        goals = GOAL_1E8 if big else GOAL
        rcell, (gcell, ok) = "-", ("-", "")
        if ratio:
            rcell = spread(ratio, "%.2fx")
            gcell, ok = verdict(statistics.median(ratio), goals.get(q))
        ereps = sorted(set(s1) & set(s2))
        eff = [s1[k]["wall_s"] / (2 * s2[k]["wall_s"]) for k in ereps]
        ecell, (egoal, eok) = "-", ("-", "")
        if eff:
            ecell = spread(eff, "%.2f")
            egoal, eok = verdict(statistics.median(eff), GOAL_EFF.get(q), at_most=False,
                                 unit="")
        sreps = [k for k in ereps if "statements_s" in s1[k] and "statements_s" in s2[k]]
        seff = [s1[k]["statements_s"] / (2 * s2[k]["statements_s"]) for k in sreps]
        scell = spread(seff, "%.2f") if seff else "-"
        fcell = "-"
        if sreps:
            fcell = "%.2f / %.2f" % tuple(statistics.median(
                x[k]["wall_s"] - x[k]["statements_s"] for k in sreps) for x in (s1, s2))
        print("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            q, len(reps) or len(s2), rcell, gcell, ok, ecell, egoal, eok, scell, fcell))
        for k in sorted(s2):
            r = s2[k]
            if r.get("rank_rss_mb") and (big or r.get("memory_limit")):
                tot = sum(r["rank_rss_mb"])
                notes.append("%s rep %d: sluice 2 ranks %.1f s, --memory-limit %s, peak RSS "
                             "per rank %s MB, summed %.0f MB%s; spilled %.2f GB%s" % (
                                 q, k, r["wall_s"], r.get("memory_limit") or "none",
                                 " + ".join("%.0f" % x for x in r["rank_rss_mb"]), tot,
                                 (" (goal <= %d MB: %s)" % (
                                     GOAL_RSS_1E8_MB, "met" if tot <= GOAL_RSS_1E8_MB
                                     else "NOT met")) if big and q == "table" else "",
                                 r.get("spill_bytes", 0) / 1e9,
                                 "" if r.get("checked", True) else ", answers UNCHECKED"))
    print()
    for n in notes:
        print(n)
    if not any(k[1] == "duckdb" for k in by):
        print("(no DuckDB runs: no ratios)")
    versions = sorted({"%s: %s" % (r["tool"], r["version"]) for r in runs})
    print("%s; %s" % (runs[0]["machine"], "; ".join(versions)))


def main():
    args = sys.argv[1:]
    board = "--scoreboard" in args
    args = [a for a in args if a != "--scoreboard"]
    run = None
    if "--run" in args:
        i = args.index("--run")
        run = args[i + 1]
        del args[i:i + 2]
    runs = [json.loads(l) for p in args for l in open(p) if l.strip()]
    if run is not None:
        runs = [r for r in runs if r.get("run") == run]
    if not runs:
        sys.exit("no runs")
    if board:
        return scoreboard(runs)
    by = {}
    for r in runs:
        by.setdefault((r["workload"], r["tool"]), []).append(r)
    tools = [t for t in TOOLS if any(k[1] == t[0] for k in by)]
    qs = sorted({k[0] for k in by}, key=lambda q: ORDER.index(q) if q in ORDER else 99)
    med = {k: (statistics.median(x["wall_s"] for x in v),
               statistics.median(x["peak_pss_mb"] for x in v), len(v)) for k, v in by.items()}
    print("Wall time in seconds (median of runs), peak memory of the process tree in MB:\n")
    print("| workload | " + " | ".join(t[1] for t in tools) + " |")
    print("|---|" + "---:|" * len(tools))
    for q in qs:
        cells = []
        for t, _ in tools:
            m = med.get((q, t))
            cells.append("-" if m is None else "%.2f s, %.0f MB" % (m[0], m[1]))
        print("| %s | %s |" % (LABEL.get(q, q), " | ".join(cells)))
    ref = "sluice2" if any(k[1] == "sluice2" for k in by) else "sluice1"
    others = [t for t in tools if not t[0].startswith("sluice")]
    if not others or not any(k[1] == ref for k in by):
        others = []
    if others:
        print("\nsluice at %s rank(s) relative to each tool (their wall / sluice's wall; "
              "> 1: sluice faster, < 1: sluice slower):\n" % ref[-1])
        print("| workload | " + " | ".join(t[1] for t in others) + " |")
        print("|---|" + "---:|" * len(others))
    for q in qs if others else []:
        s = med.get((q, ref))
        cells = ["-" if s is None or (q, t) not in med else "%.2fx" % (med[(q, t)][0] / s[0])
                 for t, _ in others]
        print("| %s | %s |" % (q, " | ".join(cells)))
    n = sorted({v[2] for v in med.values()})
    versions = sorted({"%s: %s" % (r["tool"], r["version"]) for r in runs})
    print("\n%s rows, %s runs each; %s" % ("{:,}".format(runs[0]["rows"]),
                                          "/".join(map(str, n)), runs[0]["machine"]))
    print("; ".join(versions))


if __name__ == "__main__":
    main()
