#!/usr/bin/python3
"""Markdown tables of bench/compare.sh results: per workload and tool, the median wall time
and the median peak memory of the process tree over the runs, and sluice's speed relative
to each other tool (other's wall / sluice's wall at 2 ranks: < 1 means sluice is slower).

    bench/compare_table.py bench/results/compare-*.jsonl
"""
import json
import statistics
import sys

TOOLS = [("sluice1", "sluice, 1 rank"), ("sluice2", "sluice, 2 ranks"),
         ("duckdb", "DuckDB"), ("pandas", "pandas"), ("dask", "Dask")]
ORDER = ["q1", "q2", "q3", "q4", "q5", "q7", "q10", "pipeline"]
LABEL = {"q1": "q1 sum v1 by id1", "q2": "q2 sum v1 by id1:id2",
         "q3": "q3 sum v1 mean v3 by id3", "q4": "q4 mean v1:v3 by id4",
         "q5": "q5 sum v1:v3 by id6", "q7": "q7 max v1 - min v2 by id3",
         "q10": "q10 sum v3 count by id1:id6",
         "pipeline": "pipeline filter-derive-group-write"}


def main():
    runs = [json.loads(l) for p in sys.argv[1:] for l in open(p) if l.strip()]
    if not runs:
        sys.exit("no runs")
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
    print("\nsluice at %s rank(s) relative to each tool (their wall / sluice's wall; "
          "> 1: sluice faster, < 1: sluice slower):\n" % ref[-1])
    print("| workload | " + " | ".join(t[1] for t in others) + " |")
    print("|---|" + "---:|" * len(others))
    for q in qs:
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
