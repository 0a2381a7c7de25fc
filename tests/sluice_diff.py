"""Differential suites' common part (tests/join/random_joins.py, tests/random/run.py): many
queries run as one sluice job, each announced by a `SELECT 'marker-N'` line, their rows split
back out of the job's CSV output and compared as multisets (or in order) with an oracle's,
numbers to 1e-9. Import it after `sys.path.insert(0, <tests dir>)`."""
import argparse
import collections
import csv
import io
import math
import os
import subprocess

from sluice_csv import number_or_text as norm
from sluice_env import ENV, SLUICE

TIMEOUT = 300


def arguments(seed, queries):
    """The suites' command line: --seed, --queries, --ranks (a list of ints), -v."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=seed)
    ap.add_argument("--queries", type=int, default=queries)
    ap.add_argument("--ranks", default="1,2,3,5")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    args.ranks = [int(x) for x in args.ranks.split(",")]
    return args


class Tally:
    """Prints "ok   NAME" / "FAIL NAME: why" and counts both."""

    def __init__(self):
        self.passed = self.failed = 0

    def report(self, ok, name, why=""):
        if ok:
            self.passed += 1
            print("ok   %s" % name)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, why[:600]))


def sort_key(row):
    return tuple((0, "") if x is None else (1, "%.6g" % x) if isinstance(x, float) else (2, x)
                 for x in row)


def same_rows(got, want, ordered=False, oracle="sqlite3"):
    """None when got and want hold the same rows (in the same order when ordered), else why."""
    if len(got) != len(want):
        return "%d rows, %s %d" % (len(got), oracle, len(want))
    # Equal values exactly (the usual case, also 100,000-row results): no sort needed.
    if (got == want) if ordered else (collections.Counter(got) == collections.Counter(want)):
        return None
    if not ordered:
        got, want = sorted(got, key=sort_key), sorted(want, key=sort_key)
    for g, w in zip(got, want):
        if len(g) != len(w):
            return "row %s, %s %s" % (g, oracle, w)
        for x, y in zip(g, w):
            if isinstance(x, (int, float)) and isinstance(y, (int, float)) \
                    and not isinstance(x, bool) and (isinstance(x, float) or isinstance(y, float)):
                if not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9):
                    return "row %s, %s %s" % (g, oracle, w)
            elif x != y:
                return "row %s, %s %s" % (g, oracle, w)
    return None


def job_text(settings, views, queries):
    """A job: the settings, the views, then each query after its marker."""
    lines = list(settings) + list(views)
    for i, q in enumerate(queries):
        lines.append("SELECT 'marker-%d' AS marker;" % i)
        lines.append(q + ";")
    return "\n".join(lines) + "\n"


def split_results(text, n):
    """Each query's rows (normalized) from the job's CSV output, split at the markers."""
    out = [None] * n
    cur = None
    header = False
    for fields in csv.reader(io.StringIO(text)):
        if len(fields) == 1 and fields[0].startswith("marker-"):
            cur = int(fields[0].split("-")[1])
            out[cur] = []
            header = True
            continue
        if cur is None or fields == ["marker"]:
            continue
        if header:
            header = False  # the query's own header line
            continue
        out[cur].append(tuple(norm(x) for x in fields or [""]))  # one NULL: an empty line
    return out


def run_job(tally, path, text, np, name, queries, want, ordered=None, verbose=False):
    """Writes the job to path, runs it at np ranks under timeout and reports one result for
    all its queries: queries[i]'s rows against want[i] (in order where ordered[i])."""
    with open(path, "w") as fh:
        fh.write(text)
    cmd = ["timeout", str(TIMEOUT), "mpirun", "-n", str(np), SLUICE, "run", "--format", "csv",
           path]
    if verbose:
        print("+", " ".join(cmd))
    p = subprocess.run(cmd, env=dict(ENV), capture_output=True, text=True)
    if p.returncode != 0:
        tally.report(False, "%s np=%d" % (name, np),
                     "exit %d: %s" % (p.returncode, p.stderr[-800:]))
        return
    got = split_results(p.stdout, len(queries))
    bad = []
    for i, (q, g, w) in enumerate(zip(queries, got, want)):
        why = "no result" if g is None else same_rows(g, w, bool(ordered and ordered[i]))
        if why:
            bad.append("q%d %s: %s" % (i, q, why))
    tally.report(not bad, "%s np=%d (%d queries)" % (name, np, len(queries)), "; ".join(bad[:3]))


def csv_view(name, path, cols):
    """CREATE VIEW name over a headed CSV file with the given (column, sluice type) list."""
    return ("CREATE VIEW %s AS SELECT * FROM read_csv('%s', header=true, columns={%s});"
            % (name, path, ", ".join("'%s': '%s'" % (c, t) for c, t in cols)))


def write_csv(path, header, rows):
    """A headed CSV file of rows, None as an empty field."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(["" if x is None else x for x in r])
