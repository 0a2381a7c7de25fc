#!/usr/bin/python3
"""Parses, checks and tabulates one bench/dbbench.sh run.

    bench/dbbench_check.py record TOOL ROWS REP OUT ERR REF RESULTS  -> appends a JSON line
    bench/dbbench_check.py table RESULTS                             -> Markdown table
    bench/dbbench_check.py job "q1 q2 ..." JOB.sql                   -> a job on stdout
    bench/dbbench_check.py check "q1 q2 ..." OUT REF                 -> exit 1 on a mismatch

record: OUT is the tool's stdout (the check rows as CSV: q,n,c1,...), ERR its stderr (one
"  [k] ... : T s" line per statement or step), REF DuckDB's stdout (the oracle; REF = OUT for
DuckDB itself). Every check row must match DuckDB's: n exactly, the sums to 1e-9 relative
(floating-point sums merge in different orders). Exit 1 on a mismatch (nothing recorded).
Times: load = the first statement; qN = its CREATE TABLE ans (sluice, DuckDB) or its step
(pandas, Dask), the check row's own small query not included; total = load + q1..q10.

job: prints JOB.sql (bench/dbbench.sql) cut to its load and the given questions: the first
statement (CREATE TABLE x), then every statement that names ansN for a listed qN (its CREATE
TABLE ansN and its check row), the text unchanged. bench/compare.sh's "table" job is made so,
from the same file dbbench.sh runs. check: OUT's check rows (one per listed question) must
match REF's (DuckDB's), as record checks them.
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


def statements(path):
    """The ;-terminated statements of a job file, each with its comment lines."""
    out, cur = [], []
    for line in open(path):
        cur.append(line)
        if line.split("--", 1)[0].rstrip().endswith(";"):
            out.append("".join(cur))
            cur = []
    return out


def job(qs, path):
    want = set(qs.split())
    unknown = want - set(QS)
    if unknown:
        sys.exit("dbbench_check: unknown question(s) %s" % " ".join(sorted(unknown)))
    st = statements(path)
    keep = [st[0]]
    for s in st[1:]:
        code = "\n".join(l.split("--", 1)[0] for l in s.splitlines())
        names = set(re.findall(r"\bans(\d+)\b", code))
        if names and all("q" + n in want for n in names):
            keep.append(s)
    got = {"q" + n for s in keep for n in re.findall(r"\bans(\d+)\b", s)}
    if got != want:
        sys.exit("dbbench_check: %s holds no statements for %s" % (
            path, " ".join(sorted(want - got))))
    sys.stdout.write("-- made by bench/dbbench_check.py job from %s: the load and %s\n" % (
        path, " ".join(q for q in QS if q in want)) + "".join(keep))
    return 0


def check(qs, out, ref):
    got, want = checks(out), checks(ref)
    bad = []
    for q in qs.split():
        g, w = got.get(q), want.get(q)
        if g is None or w is None or len(g) != len(w) or not all(map(same, g, w)):
            bad.append("%s: got %s, DuckDB %s" % (q, g, w))
    extra = sorted(set(got) - set(qs.split()))
    if extra:
        bad.append("unexpected check rows %s" % " ".join(extra))
    if bad:
        print("check rows differ from %s:\n  %s" % (ref, "\n  ".join(bad)))
        return 1
    print("%s: %d check rows == %s" % (out, len(qs.split()), ref))
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
    if a[:1] == ["job"] and len(a) == 3:
        sys.exit(job(a[1], a[2]))
    if a[:1] == ["check"] and len(a) == 4:
        sys.exit(check(a[1], a[2], a[3]))
    sys.exit(__doc__)
