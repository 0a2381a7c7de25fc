#!/usr/bin/python3
"""Checks one bench answer against a reference answer (bench/compare.sh): DuckDB's answer to
the same SQL, or the numpy oracle that scripts/gen_groupby.py --oracle computed from the
generated integers (ORACLE.json, questions q1 and pipeline only).

    bench/compare_check.py [--cache-ref] QUESTION RESULT REFERENCE

RESULT and REFERENCE are a CSV file with a header, a directory of CSV part files (one header
each), or (REFERENCE only) an oracle JSON. Rows are matched on the group keys (the first
column, two for q2 and pipeline, six for q10); same header, same set of groups, integers
exact, other numbers to 1e-9 relative. Prints what differs and exits 1 on a mismatch.

q10 (~1 group per row: 1e7 rows at 1e7) is checked by streaming, in bounded memory: the data
lines of each side (headers checked apart) go through `LC_ALL=C sort` (external, -S 256M,
temporary files beside RESULT), and the two sorted streams are compared line by line: equal
lines agree; other pairs are split as CSV and need the same keys exactly and the other fields
to 1e-9 relative. Sorting whole lines orders the groups by their keys alone: a line is
"k1,...,k6,v...", and two lines with different keys first differ inside "k1,...,k6," (that
prefix holds six commas, so one cannot be a prefix of the other), so both sides come out in
the same group order whatever their numbers' digits. (A key with a quoted comma could break
that order; it would then show as a mismatch, never as a false match: every line is paired.)
--cache-ref keeps REFERENCE's sorted lines in REFERENCE.sorted and reuses them while that
file is newer than REFERENCE (compare.sh checks sluice at 1 and 2 ranks against one DuckDB
answer).
"""
import csv
import glob
import json
import math
import os
import subprocess
import sys

# questions checked by sorting and streaming instead of a dict of every group
STREAMED = {"q10", "q10copy"}

N_KEYS = {"q1": 1, "q2": 2, "q3": 1, "q4": 1, "q5": 1, "q7": 1, "q10": 6, "q10copy": 6,
          "pipeline": 2}


def csv_files(path):
    files = [path] if os.path.isfile(path) else sorted(
        glob.glob(os.path.join(path, "**", "*.csv"), recursive=True))
    if not files:
        sys.exit("no CSV in %s" % path)
    return files


def load(path, q):
    if path.endswith(".json"):
        o = json.load(open(path))[q]
        header = o["columns"]
        rows = [["" if v is None else str(v) for v in r] for r in o["rows"]]
    else:
        header, rows = None, []
        for f in csv_files(path):
            r = list(csv.reader(open(f, newline="")))
            if not r:
                continue
            if header is not None and r[0] != header:
                sys.exit("%s: header %s, expected %s" % (f, r[0], header))
            header = r[0]
            rows += r[1:]
    k = N_KEYS[q]
    d = {tuple(r[:k]): r[k:] for r in rows}
    if len(d) != len(rows):
        sys.exit("%s: %d duplicate groups" % (path, len(rows) - len(d)))
    return header, d


def same(a, b):
    if a == b:
        return True
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    except ValueError:
        return False


def sorted_lines(path, tmpdir, cache=None):
    """Header and the path of a file holding PATH's data lines sorted bytewise (whole lines,
    C locale); every part file must have the same header."""
    files, header = csv_files(path), None
    for f in files:
        with open(f, newline="") as fh:
            h = fh.readline()
        if h == "":
            continue
        if header is not None and h != header:
            sys.exit("%s: header %r, expected %r" % (f, h, header))
        header = h
    if cache and os.path.exists(cache) and os.path.getmtime(cache) > max(
            os.path.getmtime(f) for f in files):
        return header, cache
    out = cache or os.path.join(tmpdir, "check.%d.%s.sorted" % (
        os.getpid(), os.path.basename(path.rstrip("/"))))
    env = dict(os.environ, LC_ALL="C")
    with open(out + ".part", "wb") as fo:
        tail = subprocess.Popen(["tail", "-q", "-n", "+2"] + files, stdout=subprocess.PIPE)
        rc = subprocess.call(["sort", "-S", "256M", "--parallel=2", "-T", tmpdir],
                             stdin=tail.stdout, stdout=fo, env=env)
        tail.stdout.close()
        if tail.wait() != 0 or rc != 0:
            sys.exit("sorting %s failed" % path)
    os.replace(out + ".part", out)
    return header, out


def check_streamed(q, got_path, ref_path, cache_ref):
    k = N_KEYS[q]
    tmpdir = os.path.dirname(os.path.abspath(got_path.rstrip("/")))
    hg, sg = sorted_lines(got_path, tmpdir)
    sr = None
    try:
        hr, sr = sorted_lines(ref_path, tmpdir,
                              ref_path.rstrip("/") + ".sorted" if cache_ref else None)
        if hg != hr:
            sys.exit("header %r, expected %r" % (hg, hr))
        n = bad = 0
        first = None
        with open(sg, newline="") as fg, open(sr, newline="") as fr:
            while True:
                a, b = fg.readline(), fr.readline()
                if a == b:
                    if a == "":
                        break
                    n += 1
                    continue
                if a == "" or b == "":
                    sys.exit("%s has more groups than %s; first extra: %s" % (
                        got_path if b == "" else ref_path, ref_path if b == "" else got_path,
                        (a or b).strip()))
                n += 1
                ra, rb = next(csv.reader([a])), next(csv.reader([b]))
                if ra[:k] != rb[:k]:
                    sys.exit("groups differ from %s: got %s, expected %s (a group missing "
                             "on one side)" % (ref_path, ",".join(ra), ",".join(rb)))
                if len(ra) != len(rb) or not all(map(same, ra[k:], rb[k:])):
                    bad += 1
                    first = first or (ra, rb)
        if bad:
            sys.exit("%d groups differ from %s; first: %s: got %s, expected %s" % (
                bad, ref_path, tuple(first[0][:k]), first[0][k:], first[1][k:]))
    finally:
        os.unlink(sg)
        if sr is not None and not cache_ref:
            os.unlink(sr)
    print("%s: %s == %s (%d groups, streamed)" % (q, got_path, ref_path, n))


def main():
    args = sys.argv[1:]
    cache_ref = "--cache-ref" in args
    args = [a for a in args if a != "--cache-ref"]
    if len(args) != 3:
        sys.exit(__doc__)
    q, got_path, ref_path = args
    if q in STREAMED and not ref_path.endswith(".json"):
        return check_streamed(q, got_path, ref_path, cache_ref)
    hg, got = load(got_path, q)
    hr, ref = load(ref_path, q)
    if hg != hr:
        sys.exit("header %s, expected %s" % (hg, hr))
    bad = [k for k in ref if k not in got or not all(map(same, got[k], ref[k]))]
    bad += [k for k in got if k not in ref]
    if bad:
        k = bad[0]
        sys.exit("%d groups differ from %s; first: %s: got %s, expected %s" % (
            len(bad), ref_path, k, got.get(k), ref.get(k)))
    print("%s: %s == %s (%d groups)" % (q, got_path, ref_path, len(got)))


if __name__ == "__main__":
    main()
