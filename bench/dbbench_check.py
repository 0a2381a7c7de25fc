#!/usr/bin/python3
"""Parses, checks and tabulates one bench/dbbench.sh run.

    bench/dbbench_check.py record TOOL ROWS REP OUT ERR REF RESULTS  -> appends a JSON line
    bench/dbbench_check.py table RESULTS                             -> Markdown table

record: OUT is the tool's stdout (the check rows as CSV: q,n,c1,...), ERR its stderr (one
"  [k] ... : T s" line per statement or step), REF DuckDB's stdout (the oracle; REF = OUT for
DuckDB itself). Every check row must match DuckDB's: n exactly, the sums to 1e-9 relative
(floating-point sums merge in different orders). Exit 1 on a mismatch (nothing recorded).
Times: load = the first statement; qN = its CREATE TABLE ans (sluice, DuckDB) or its step
(pandas, Dask), the check row's own small query not included; total = load + q1..q10.
"""
import csv
import json
import math
import re
import sys

QS = ["q%d" % i for i in range(1, 11)]


def checks(path):
    out = {}
    with open(path) as f:
        for row in csv.reader(f):
            if row and row[0] in QS:
                out[row[0]] = row[1:]
    return out


def same(a, b):
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)


def times(path):
    """Step times in order: [(label, seconds)]."""
    out = []
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*\[(\d+)\] (.*): ([0-9.]+) s", line)
            if m:
                out.append((m.group(2), float(m.group(3))))
    return out


def record(tool, rows, rep, out, err, ref, results):
    got, want = checks(out), checks(ref)
    bad = []
    for q in QS:
        g, w = got.get(q), want.get(q)
        if g is None or w is None or len(g) != len(w) or not all(map(same, g, w)):
            bad.append("%s: got %s, DuckDB %s" % (q, g, w))
    if bad:
        print("dbbench: %s answers differ from DuckDB's:\n  %s" % (tool, "\n  ".join(bad)),
              file=sys.stderr)
        return 1
    ts = times(err)
    rec = {"tool": tool, "rows": rows, "rep": rep}
    if tool.startswith("sluice") or tool == "duckdb":
        # load, then (CREATE TABLE ansN, SELECT check) per question
        rec["load"] = ts[0][1]
        for i, q in enumerate(QS):
            rec[q] = ts[1 + 2 * i][1]
    else:
        steps = dict(ts)
        rec["load"] = steps["load"]
        for q in QS:
            rec[q] = steps[q]
    rec["total"] = round(rec["load"] + sum(rec[q] for q in QS), 3)
    with open(results, "a") as f:
        f.write(json.dumps(rec) + "\n")
    print("dbbench: %s ok (answers = DuckDB's), total %.2f s" % (tool, rec["total"]),
          file=sys.stderr)
    return 0


def table(results):
    recs = [json.loads(line) for line in open(results) if line.strip()]
    by = {}
    for r in recs:
        by.setdefault((r["rows"], r["tool"]), []).append(r)
    cols = ["load"] + QS + ["total"]
    print("| rows | tool | runs | " + " | ".join(cols) + " |")
    print("|---" * (3 + len(cols)) + "|")
    for (rows, tool), rs in sorted(by.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        med = []
        for c in cols:
            v = sorted(r[c] for r in rs)
            med.append("%.2f" % v[len(v) // 2])
        print("| %s | %s | %d | %s |" % (rows, tool, len(rs), " | ".join(med)))
    return 0


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[:1] == ["record"] and len(a) == 8:
        sys.exit(record(*a[1:]))
    if a[:1] == ["table"] and len(a) == 2:
        sys.exit(table(a[1]))
    sys.exit(__doc__)
