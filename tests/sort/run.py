#!/usr/bin/python3
"""Distributed ORDER BY and multi-input queries at scale (`make sort`, issue #9): sample sort,
external sort, top-k, COPY in global order, DISTINCT and set operations over 1e6 rows.

Called as `SLUICE=build/sluice /usr/bin/python3 tests/sort/run.py [-k PATTERN] [--ranks 1,3]`.

Oracle: sqlite3 on the same rows (loaded with Python's csv module) or Python's own sort, never
sluice's output. The data (generated here, deterministic) is 1e6 rows with a unique id, a key
k where one value holds half the rows and 5% are NULL, a string s with NULLs and non-ASCII
words, a double x, and a column z that is NULL everywhere. Each query runs at 1-5 ranks (5 >
cores) with small ranges, and
  - a total order (the keys end with the unique id) must equal sqlite's row sequence;
  - an order with heavy ties must give byte-identical output at every rank count (ties are
    broken by every column), be sorted by its keys, and hold sqlite's multiset of rows;
  - an unordered result (DISTINCT, UNION, INTERSECT, EXCEPT over the 1e6 rows) must hold
    sqlite's multiset of rows;
  - COPY (... ORDER BY ...): the part files, read in the manifest's order, are the global
    order (every rank writes its slice);
  - the external sort: ORDER BY over EXT_MB (200) MB of rows at --memory-limit 8MB spills
    (from -v) and matches Python's sort.
Prints "ok   NAME np=N" / "FAIL NAME np=N: why" and "sort: N passed, M failed"; exits 1 on
any failure. Every mpirun runs under `timeout`.
"""
import argparse
import csv
import hashlib
import io
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sluice_env import ENV, SLUICE  # noqa: E402

ROWS = int(os.environ.get("SORT_ROWS", "1000000"))
EXT_MB = int(os.environ.get("SORT_EXT_MB", "200"))
TIMEOUT = 600
WORDS = ["alpha", "beta", "gamma", "delta", "Ärger", "émile", "zeta", "ñandú", "omega", "x",
         "", "Z", "a b", "a,b", 'q"uote', "日本"]
COLUMNS = "{'id': 'BIGINT', 'k': 'BIGINT', 's': 'VARCHAR', 'x': 'DOUBLE', 'z': 'BIGINT'}"

passed = failed = 0


def report(ok, name, why=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name}: {why}", flush=True)


def gen(path, rows, seed):
    """Writes rows of (id, k, s, x, z): NULL is an empty field, '' is written quoted. Returns
    the rows as Python values (None for NULL), for the sqlite3 oracle."""
    rnd = random.Random(seed)
    ids = list(range(rows))
    rnd.shuffle(ids)
    vals = []
    with open(path, "w", newline="") as f:
        f.write("id,k,s,x,z\n")
        out = []
        for i in ids:
            r = rnd.random()
            k = None if r < 0.05 else 7 if r < 0.55 else rnd.randrange(1000)
            w = rnd.randrange(len(WORDS) + 2)
            s = WORDS[w] if w < len(WORDS) else None
            if s is None:
                st = ""
            elif s == "" or any(c in s for c in ',"'):
                st = '"' + s.replace('"', '""') + '"'
            else:
                st = s
            x = rnd.randrange(-10**6, 10**6) / 1000
            out.append(f"{i},{'' if k is None else k},{st},{x:.3f},\n")
            vals.append((i, k, s, x, None))
            if len(out) >= 10000:
                f.write("".join(out))
                out = []
        f.write("".join(out))
    return vals


def load(vals):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (id INTEGER, k INTEGER, s TEXT, x REAL, z INTEGER)")
    db.executemany("INSERT INTO t VALUES (?,?,?,?,?)", vals)
    return db


def parse_csv_out(text, types):
    """sluice's CSV: NULL is an empty field, '' is "". Returns rows of typed values."""
    rd = csv.reader(io.StringIO(text))
    next(rd, None)
    # A one-column NULL is an empty line, which the csv module reads as no fields at all.
    rows = [r if r else [""] for r in rd]
    # The csv module drops the quoting, so which fields were quoted is scanned by hand.
    out = []
    for row, line in zip(rows, quoted_fields(text)):
        line = line or [False]
        vals = []
        for v, q, t in zip(row, line, types):
            if v == "" and not q:
                vals.append(None)
            elif t == "i":
                vals.append(int(v))
            elif t == "f":
                vals.append(float(v))
            else:
                vals.append(v)
        out.append(tuple(vals))
    return out


def quoted_fields(text):
    """For each data record, which fields were quoted (a tiny RFC 4180 scanner)."""
    recs, cur, q, inq, start, i = [], [], False, False, True, 0
    n = len(text)
    first = True
    while i < n:
        c = text[i]
        if inq:
            if c == '"':
                if i + 1 < n and text[i + 1] == '"':
                    i += 1
                else:
                    inq = False
        elif c == '"' and start:
            inq, q = True, True
        elif c == ",":
            cur.append(q)
            q, start = False, True
            i += 1
            continue
        elif c == "\n":
            cur.append(q)
            if not first:
                recs.append(cur)
            first = False
            cur, q, start = [], False, True
            i += 1
            continue
        start = False
        i += 1
    return recs


def run(np, job, extra=(), out=None):
    cmd = ["timeout", str(TIMEOUT), "mpirun", "-n", str(np), SLUICE, "run", job, "--quiet",
           "--format", "csv"] + list(extra)
    if np > 1:
        cmd += ["--blocksize", "1MB", "--exchange-round-bytes", "256KB"]
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV)


def norm(rows):
    return [tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in rows]


QUERIES = [
    # name, sluice query, sqlite query, types, check: "total" (the sequence), "ties" (sorted by
    # the first column, same bytes at every rank count, sqlite's multiset) or "set" (multiset)
    ("multi_key_desc_nulls_first",
     "SELECT id, k, s, x FROM {src} ORDER BY k DESC NULLS FIRST, s ASC NULLS LAST, id",
     "SELECT id, k, s, x FROM t ORDER BY k DESC NULLS FIRST, s ASC NULLS LAST, id",
     "iisf", "total"),
    ("heavy_ties", "SELECT k, s FROM {src} ORDER BY k",
     "SELECT k, s FROM t ORDER BY k NULLS LAST", "is", "ties"),
    ("all_null_key_top_k", "SELECT z, id FROM {src} ORDER BY z NULLS FIRST, id DESC LIMIT 50",
     "SELECT z, id FROM t ORDER BY z NULLS FIRST, id DESC LIMIT 50", "ii", "total"),
    ("top_k_offset",
     "SELECT id, s FROM {src} ORDER BY s DESC NULLS LAST, id LIMIT 100 OFFSET 1000",
     "SELECT id, s FROM t ORDER BY s DESC NULLS LAST, id LIMIT 100 OFFSET 1000", "is", "total"),
    ("after_group_by",
     "SELECT k, count(*) AS n FROM {src} GROUP BY k ORDER BY n DESC, k NULLS FIRST",
     "SELECT k, count(*) AS n FROM t GROUP BY k ORDER BY n DESC, k NULLS FIRST", "ii", "total"),
    ("offset_only", "SELECT id, x FROM {src} ORDER BY x DESC, id OFFSET 999990",
     "SELECT id, x FROM t ORDER BY x DESC, id LIMIT -1 OFFSET 999990", "if", "total"),
    ("expression_key_hidden",
     "SELECT id FROM {src} ORDER BY abs(x) DESC, id LIMIT 20",
     "SELECT id FROM t ORDER BY abs(x) DESC, id LIMIT 20", "i", "total"),
    ("distinct_at_scale", "SELECT DISTINCT k, s FROM {src}",
     "SELECT DISTINCT k, s FROM t", "is", "set"),
    ("union_at_scale",
     "SELECT k, s FROM {src} WHERE x < 0 UNION SELECT k, s FROM {src} WHERE id % 3 = 0",
     "SELECT k, s FROM t WHERE x < 0 UNION SELECT k, s FROM t WHERE id % 3 = 0", "is", "set"),
    ("intersect_at_scale",
     "SELECT k, s FROM {src} WHERE x < 0 INTERSECT SELECT k, s FROM {src} WHERE x > 500",
     "SELECT k, s FROM t WHERE x < 0 INTERSECT SELECT k, s FROM t WHERE x > 500", "is", "set"),
    ("except_all_at_scale",
     "SELECT k FROM {src} EXCEPT ALL SELECT k FROM {src} WHERE x > -900",
     "SELECT k FROM (SELECT k, row_number() OVER (PARTITION BY k) AS n FROM t EXCEPT "
     "SELECT k, row_number() OVER (PARTITION BY k) AS n FROM t WHERE x > -900)", "i", "set"),
]


def key_sorted(rows, nkeys=1):
    """Rows sorted by their first column ASC NULLS LAST (ties in any order)."""
    ks = [r[0] for r in rows]
    for a, b in zip(ks, ks[1:]):
        if a is None and b is not None:
            return False
        if a is not None and b is not None and a > b:
            return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", default="")
    ap.add_argument("--ranks", default="1,2,3,4,5")
    a = ap.parse_args()
    ranks = [int(x) for x in a.ranks.split(",")]
    tmp = tempfile.mkdtemp(prefix="sluice-sort-")
    try:
        data = os.path.join(tmp, "t.csv")
        db = load(gen(data, ROWS, 11))
        src = f"read_csv('{data}', columns={COLUMNS})"
        for name, sq, oq, types, check in QUERIES:
            if a.k not in name:
                continue
            want = norm(db.execute(oq).fetchall())
            job = os.path.join(tmp, name + ".sql")
            with open(job, "w") as f:
                f.write(sq.format(src=src) + ";\n")
            first = None
            for np in ranks:
                r = run(np, job)
                tag = f"{name} np={np}"
                if r.returncode != 0:
                    report(False, tag, f"exit {r.returncode}: {r.stderr[-2000:]}")
                    continue
                got = norm(parse_csv_out(r.stdout, types))
                if check == "set":
                    ok = sorted(got, key=repr) == sorted(want, key=repr)
                    why = f"{len(got)} rows, sqlite {len(want)}: other rows"
                elif check == "total":
                    ok = got == want
                    why = f"{len(got)} rows vs sqlite {len(want)}; first diff at " + str(
                        next((i for i, (x, y) in enumerate(zip(got, want)) if x != y),
                             min(len(got), len(want))))
                else:
                    ok = (key_sorted(got) and sorted(got, key=repr) == sorted(want, key=repr)
                          and (first is None or r.stdout == first))
                    why = "not sorted by the key, other rows than sqlite, or output differs " \
                          "from np=%d" % ranks[0]
                    if first is None:
                        first = r.stdout
                report(ok, tag, "" if ok else why)

        if a.k in "copy_order_by":
            want = norm(db.execute("SELECT id, k, x FROM t ORDER BY x, id").fetchall())
            for np in ranks:
                out = os.path.join(tmp, f"copy{np}")
                job = os.path.join(tmp, "copy.sql")
                with open(job, "w") as f:
                    f.write(f"COPY (SELECT id, k, x FROM {src} ORDER BY x, id) TO '{out}' "
                            "(FORMAT csv, HEADER true);\n")
                r = run(np, job)
                tag = f"copy_order_by np={np}"
                if r.returncode != 0:
                    report(False, tag, r.stderr[-2000:])
                    continue
                man = json.load(open(os.path.join(out, "_SUCCESS")))
                got = []
                ranks_with_files = set()
                for fi in man["files"]:
                    ranks_with_files.add(fi["path"].split("-")[1])
                    with open(os.path.join(out, fi["path"])) as f:
                        got += parse_csv_out(f.read(), "iif")
                ok = norm(got) == want and (np == 1 or len(ranks_with_files) == np)
                report(ok, tag, "" if ok else f"{len(got)} rows; files from ranks "
                       f"{sorted(ranks_with_files)}")

        if a.k in "external_sort_8MB":
            big = os.path.join(tmp, "big.csv")
            rows = EXT_MB * 1000 * 1000 // 24   # ~25 bytes a row
            keyed = [(-r[3], r[0]) for r in gen(big, rows, 5)]
            size = os.path.getsize(big)
            keyed.sort()
            want = hashlib.sha256("\n".join(str(i) for _, i in keyed).encode()).hexdigest()
            del keyed
            for np in [n for n in (1, 3) if n in ranks] or ranks[:1]:
                out = os.path.join(tmp, f"ext{np}")
                job = os.path.join(tmp, "ext.sql")
                with open(job, "w") as f:
                    f.write(f"COPY (SELECT id FROM read_csv('{big}', columns={COLUMNS}) "
                            f"ORDER BY x DESC, id) TO '{out}' (FORMAT csv, HEADER false);\n")
                r = run(np, job, ["--memory-limit", "8MB", "-v"])
                tag = f"external_sort_8MB ({size / 1e6:.0f} MB, {rows} rows) np={np}"
                if r.returncode != 0:
                    report(False, tag, r.stderr[-2000:])
                    continue
                m = re.search(r"spill: (\d+) bytes written", r.stderr)
                man = json.load(open(os.path.join(out, "_SUCCESS")))
                h = hashlib.sha256()
                sep = b""
                for fi in man["files"]:
                    with open(os.path.join(out, fi["path"]), "rb") as f:
                        for line in f:
                            h.update(sep + line.rstrip(b"\n"))
                            sep = b"\n"
                spilled = int(m.group(1)) if m else 0
                same = h.hexdigest() == want
                report(spilled > 0 and same, tag, f"spilled {spilled} bytes; " +
                       ("same order as Python's" if same else "order differs from Python's"))
                shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"sort: {passed} passed, {failed} failed, 0 skipped")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
