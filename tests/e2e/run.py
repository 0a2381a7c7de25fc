#!/usr/bin/python3
"""End-to-end tests: SQL cases run by sluice under mpirun, checked against sqlite3.

Called by `make e2e` as `SLUICE=build/sluice /usr/bin/python3 tests/e2e/run.py`.

The oracle is Python's csv module + sqlite3 (neither written here): scripts/gen_testdata.py
writes the datasets into build/e2e-data/, this script loads each one into an in-memory
sqlite3 table named after the dataset (converting by the declared column types: empty field
-> NULL, BOOLEAN -> 0/1, DATE/TIMESTAMP as ISO text), runs each case's `--- sqlite` query,
runs the case's sluice job at 1..5 ranks and compares the rows.

Case files (tests/e2e/cases/NAME.test), plain text:
    # one-line description
    dataset: people
    ordered: false          true: compare row sequences (the query has a total ORDER BY)
    ranks: 1 2 3 4 5        optional; default all five
    partition: k1, k2       COPY cases only: the PARTITION_BY columns, in order
    output: file            optional: run with --output FILE and read the rows from FILE
                            (stdout must then be empty)
    columns: ["k", "count_star()"]   optional: the result's column names (a JSON list, may
                            continue on the next lines), for queries with unaliased expressions
    --- sluice              (or `--- copy`: a job whose COPY writes to '${out}')
    SELECT ... FROM read_csv('${data}/*.csv', columns=${columns}) ...;
    --- sqlite
    SELECT ... FROM people ...;
The job gets -D data=<dataset dir> -D out=<fresh output dir> -D columns_sql=<the dataset's
declared columns as a DuckDB struct literal>; ${columns} (the same literal) is expanded by this
script before sluice sees the job. For COPY cases the sqlite query lists the
partition columns last, in PARTITION_BY order; the output directory is read back with the csv
module (partition values from the k=value directory names) and checked against _SUCCESS.

Comparison: a multiset of rows (a sequence when ordered), numbers with relative tolerance
1e-9, booleans true/false == 1/0. NULL and '' differ: sluice writes NULL as an empty unquoted
field and '' as `""` (as DuckDB's CSV writer does), sqlite3 returns None and ''; the CSV text
is read by Python's csv module and a small tokenizer that only adds whether each field was
quoted (tests/sluice_csv.py; its values must equal the csv module's). Column names must match
exactly: the case's `columns:` line, else sqlite's names (cursor.description), which must then
all be plain identifiers, i.e. plain columns or aliases (sqlite names an unaliased expression
by its text, DuckDB by its own canonical print: such a case must alias it or give `columns:`,
whose names were taken from DuckDB). For COPY the header of the part files plus the partition
columns are compared. Every rank count must also give the same rows as np=1.

Batches (CI time: an mpirun costs ~0.3 s, most of the suite): the cases whose job is one
SELECT run as one job per rank count, block size and dataset, each case's statement after a
marker statement (a SELECT of a random token and the case's index) that splits stdout; a case's
output is the bytes between its marker and the next, judged as its own run would be. A case that
fails in a batch is run again alone, and that run decides and is shown. When a batch job fails,
the cases before the one that did not finish keep their outputs, that case runs alone, and the
cases after it form a new batch if it failed alone too, else run alone. COPY cases and jobs of
several statements always run alone; --no-batch runs every case alone. A batch's case gets
the 120 s a case alone gets, counted from the marker before it (sluice_env.run_watched). Batches and single runs
go SLUICE_TEST_JOBS (default 4) at a time, each in its own directory; the results are judged
in case order afterwards.

Options: -k PATTERN (substring of case names), --ranks 1,3, -v (print commands), --no-batch,
--oracle-only (run only the sqlite side: checks the cases and the oracle without an engine),
--self-test (run everything against a tiny sqlite-backed stand-in for sluice built into this
file: proves the harness, the case files and the COPY checker before the engine exists).
With --self-test, env SLUICE_E2E_FAKE_BUG=empty_as_null|null_as_empty|rename makes the
stand-in write '' as NULL, NULL as '', or misname the first column: the cases that can see
that bug must then fail (how the harness's own checks are proven).
Prints "ok  NAME np=N" / "FAIL NAME np=N" per run and finally
"e2e: N passed, M failed, K skipped" (K: case runs not run because the case excludes that rank
count); exits 1 on any failure.
"""
import argparse
import concurrent.futures
import csv
import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import gen_testdata  # noqa: E402
import sluice_csv  # noqa: E402
import sluice_env  # noqa: E402

# Block sizes for np >= 2: tiny ones put many range boundaries inside quoted fields. Both
# suffixed sizes and a plain byte count must be accepted.
BLOCKSIZES = ["97B", "1KB", "4096"]
ROUND_BYTES = "2KB"
ALL_RANKS = [1, 2, 3, 4, 5]
REL_TOL = 1e-9
ABS_TOL = 1e-12
MAX_DIFF_LINES = 20
# How many mpiruns at a time (env SLUICE_TEST_JOBS).
JOBS = max(1, int(os.environ.get("SLUICE_TEST_JOBS", "4")))

DATA_DIR = os.path.join(ROOT, "build", "e2e-data")
OUT_DIR = os.path.join(ROOT, "build", "e2e-out")
CASES_DIR = os.path.join(ROOT, "tests", "e2e", "cases")


# ---------------------------------------------------------------- case files

class CaseError(Exception):
    pass


class Case:
    def __init__(self, path):
        self.path = path
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.desc = ""
        self.dataset = None
        self.ordered = False
        self.ranks = list(ALL_RANKS)
        self.partition = []
        self.kind = None        # "sluice" (top-level SELECT) or "copy"
        self.columns = None     # expected column names, or None: sqlite's
        self.output_file = False  # rows printed into --output FILE, not stdout
        self.names = None       # the names expected (set by main from oracle_rows)
        self.job = ""
        self.sqlite = ""


def parse_case(path):
    """Parses one .test file; raises CaseError naming path:line on anything malformed."""
    c = Case(path)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    section, buf = None, {}
    cols_text = None        # a `columns:` value still being read (JSON over several lines)
    for no, line in enumerate(lines, 1):
        where = "%s:%d" % (path, no)
        if cols_text is not None and not line.startswith("---"):
            cols_text += "\n" + line
            c.columns = _parse_columns(cols_text)
            if c.columns is not None:
                cols_text = None
            continue
        m = re.match(r"^---\s*(\w+)\s*$", line)
        if m:
            section = m.group(1)
            if section not in ("sluice", "copy", "sqlite"):
                raise CaseError("%s: unknown section '--- %s'" % (where, section))
            if section in buf:
                raise CaseError("%s: section '--- %s' twice" % (where, section))
            buf[section] = []
            continue
        if section is not None:
            buf[section].append(line)
            continue
        if not line.strip():
            continue
        if line.startswith("#"):
            c.desc = c.desc or line[1:].strip()
            continue
        m = re.match(r"^(\w+):\s*(.*?)\s*$", line)
        if not m:
            raise CaseError("%s: expected 'key: value' or a '--- section' line" % where)
        key, val = m.group(1), m.group(2)
        if key == "dataset":
            if val not in gen_testdata.DATASETS:
                raise CaseError("%s: unknown dataset '%s'" % (where, val))
            c.dataset = val
        elif key == "ordered":
            if val not in ("true", "false"):
                raise CaseError("%s: ordered must be true or false" % where)
            c.ordered = val == "true"
        elif key == "ranks":
            try:
                c.ranks = [int(x) for x in val.replace(",", " ").split()]
            except ValueError:
                raise CaseError("%s: ranks must be numbers" % where)
            if not c.ranks or any(r < 1 or r > 5 for r in c.ranks):
                raise CaseError("%s: ranks must be in 1..5" % where)
        elif key == "output":
            if val != "file":
                raise CaseError("%s: output must be 'file'" % where)
            c.output_file = True
        elif key == "partition":
            c.partition = [x.strip() for x in val.split(",") if x.strip()]
        elif key == "columns":
            c.columns = _parse_columns(val)
            if c.columns is None:
                cols_text = val
        else:
            raise CaseError("%s: unknown key '%s'" % (where, key))
    if cols_text is not None:
        raise CaseError("%s: 'columns:' is not a JSON list of strings: %s" % (path, cols_text))
    if c.dataset is None:
        raise CaseError("%s: no 'dataset:' line" % path)
    kinds = [k for k in ("sluice", "copy") if k in buf]
    if len(kinds) != 1 or "sqlite" not in buf:
        raise CaseError("%s: need exactly one of '--- sluice'/'--- copy' and a '--- sqlite'" % path)
    c.kind = kinds[0]
    c.job = "\n".join(buf[c.kind]).strip() + "\n"
    c.sqlite = "\n".join(buf["sqlite"]).strip()
    if not c.job.strip() or not c.sqlite:
        raise CaseError("%s: empty section" % path)
    if c.kind == "copy" and "${out}" not in c.job:
        raise CaseError("%s: a copy case must write to '${out}'" % path)
    if c.output_file and c.kind != "sluice":
        raise CaseError("%s: 'output: file' needs a '--- sluice' job" % path)
    if c.partition and c.kind != "copy":
        raise CaseError("%s: 'partition:' only makes sense in a copy case" % path)
    return c


def _parse_columns(text):
    """A `columns:` value -> list of names, or None while it is not (yet) a JSON string list."""
    try:
        v = json.loads(text)
    except ValueError:
        return None
    if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
        return None
    return v


# ---------------------------------------------------------------- the oracle

def _to_sql(text, typ):
    """One CSV field -> the value sqlite stores for a declared type (raises on bad data)."""
    if text == "":
        return None
    if typ == "BIGINT":
        return int(text)
    if typ == "DOUBLE":
        return float(text)
    if typ == "BOOLEAN":
        low = text.lower()
        if low not in ("true", "false"):
            raise ValueError("not a boolean: %r" % text)
        return 1 if low == "true" else 0
    if typ == "DATE":
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            raise ValueError("not a date: %r" % text)
        return text
    if typ == "TIMESTAMP":
        if not re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", text):
            raise ValueError("not a timestamp: %r" % text)
        return text
    return text


SQL_AFFINITY = {"BIGINT": "INTEGER", "DOUBLE": "REAL", "BOOLEAN": "INTEGER", "DATE": "TEXT",
                "TIMESTAMP": "TEXT", "VARCHAR": "TEXT"}


def _concat(*args):
    """DuckDB's concat: NULL arguments are skipped."""
    return "".join(_sql_text(a) for a in args if a is not None)


def _sql_text(v):
    if isinstance(v, float) and v == int(v) and abs(v) < 1e15:
        return "%.1f" % v
    return str(v)


def _try_bigint(v):
    """TRY_CAST(v AS BIGINT) for a VARCHAR (DuckDB accepts surrounding spaces and a sign)."""
    if v is None:
        return None
    m = re.match(r"^\s*([+-]?\d+)\s*$", str(v))
    return int(m.group(1)) if m else None


def _duck_round(v, digits=0):
    """DuckDB's round(x, n) on DOUBLE: std::round(x * 10^n) / 10^n (halves away from zero).
    sqlite's round() goes through decimal text and differs on values like 1.115."""
    if v is None or digits is None:
        return None
    if isinstance(v, int) and digits >= 0:
        return v
    mod = 10.0 ** digits
    y = v * mod
    a = abs(y)
    f = math.floor(a)
    r = f + 1.0 if a - f >= 0.5 else f
    r = math.copysign(r, y) / mod
    return v if math.isinf(r) or math.isnan(r) else r


def open_oracle(datadir):
    """Returns an in-memory sqlite3 connection with one table per dataset."""
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA case_sensitive_like = ON")   # DuckDB's LIKE is case-sensitive
    # Unicode-aware case mapping (sqlite's lower/upper are ASCII only).
    conn.create_function("ulower", 1, lambda s: None if s is None else s.lower(),
                         deterministic=True)
    conn.create_function("uupper", 1, lambda s: None if s is None else s.upper(),
                         deterministic=True)
    conn.create_function("concat", -1, _concat, deterministic=True)
    conn.create_function("try_bigint", 1, _try_bigint, deterministic=True)
    conn.create_function("duck_round", 2, _duck_round, deterministic=True)
    for name, spec in gen_testdata.DATASETS.items():
        cols = spec["columns"]
        conn.execute("CREATE TABLE %s (%s)" % (
            name, ", ".join("%s %s" % (c, SQL_AFFINITY[t]) for c, t in cols)))
        for fname, _, _ in spec["files"]:
            path = os.path.join(datadir, name, fname)
            with open(path, newline="", encoding="utf-8") as f:
                rows = list(csv.reader(f))
            if spec["header"]:
                if rows[0] != [c for c, _ in cols]:
                    raise RuntimeError("%s: unexpected header %r" % (path, rows[0]))
                rows = rows[1:]
            vals = []
            for i, r in enumerate(rows):
                if len(r) != len(cols):
                    raise RuntimeError("%s: record %d has %d fields" % (path, i + 1, len(r)))
                vals.append([_to_sql(x, t) for x, (_, t) in zip(r, cols)])
            conn.executemany("INSERT INTO %s VALUES (%s)" % (name, ",".join("?" * len(cols))),
                             vals)
    return conn


def columns_literal(dataset):
    """The dataset's declared columns as DuckDB's columns={...} struct literal."""
    cols = gen_testdata.DATASETS[dataset]["columns"]
    return "{" + ", ".join("'%s': '%s'" % (c, t) for c, t in cols) + "}"


IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def oracle_rows(conn, case):
    """Runs the case's sqlite query. Returns (expected column names, rows); raises CaseError
    when a column's name is not settled (see the module comment)."""
    cur = conn.execute(case.sqlite)
    names = [d[0] for d in cur.description]
    rows = [tuple(r) for r in cur.fetchall()]
    if case.columns is not None:
        if len(case.columns) != len(names):
            raise CaseError("'columns:' names %d columns, the sqlite query gives %d" % (
                len(case.columns), len(names)))
        return list(case.columns), rows
    for i, n in enumerate(names):
        if not IDENT_RE.match(n):
            raise CaseError("sqlite names column %d %r (an unaliased expression): alias it in "
                            "both queries or give the case a 'columns:' line" % (i + 1, n))
    if case.partition and names[len(names) - len(case.partition):] != case.partition:
        raise CaseError("the sqlite query must end with the partition columns %s, not %s" % (
            case.partition, names[len(names) - len(case.partition):]))
    return names, rows


# ---------------------------------------------------------------- comparing rows

NUM_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _num(s):
    """A string as a number (true/false as 1/0), or None when it is not one."""
    if s in ("true", "false"):
        return 1.0 if s == "true" else 0.0
    if NUM_RE.match(s):
        return float(s)
    return None


def norm(v):
    """Canonical cell: None (NULL), float (numbers, booleans) or str ('' stays '')."""
    if v is None:
        return None
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    return v


def sort_key(row):
    key = []
    for v in row:
        if v is None:
            key.append((0, 0.0, ""))
        elif isinstance(v, float):
            key.append((1, v, ""))
        else:
            n = _num(v)
            key.append((1, n, "") if n is not None else (2, 0.0, v))
    return key


def _close(a, b):
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def cell_eq(exp, got, loose):
    """exp, got are norm()ed. NULL equals only NULL ('' is a string like any other). A str
    exp must match exactly unless loose (sluice vs sluice: two number strings may differ in
    the last bits after a different summation order)."""
    if exp is None or got is None:
        return exp is None and got is None
    if isinstance(exp, float) or isinstance(got, float):
        a = exp if isinstance(exp, float) else _num(exp)
        b = got if isinstance(got, float) else _num(got)
        return a is not None and b is not None and _close(a, b)
    if exp == got:
        return True
    if loose:
        a, b = _num(exp), _num(got)
        return a is not None and b is not None and _close(a, b)
    return False


def row_eq(e, g, loose):
    return len(e) == len(g) and all(cell_eq(a, b, loose) for a, b in zip(e, g))


def show(row):
    return json.dumps([int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 1e15
                       else v for v in row], ensure_ascii=False)


def compare(exp, got, ordered, loose=False, exp_label="expected", got_label="got"):
    """Returns [] when equal, else at most MAX_DIFF_LINES lines describing the difference."""
    exp = [tuple(norm(v) for v in r) for r in exp]
    got = [tuple(norm(v) for v in r) for r in got]
    out = []
    if ordered:
        if len(exp) == len(got) and all(row_eq(e, g, loose) for e, g in zip(exp, got)):
            return []
        out.append("%d rows %s, %d rows %s (ordered)" % (len(exp), exp_label, len(got),
                                                         got_label))
        i = 0
        while i < min(len(exp), len(got)) and row_eq(exp[i], got[i], loose):
            i += 1
        out.append("first difference at row %d:" % (i + 1))
        for j in range(i, min(i + 9, max(len(exp), len(got)))):
            if j < len(exp):
                out.append("  - %s %s" % (exp_label, show(exp[j])))
            if j < len(got):
                out.append("  + %s %s" % (got_label, show(got[j])))
        return out[:MAX_DIFF_LINES]
    es = sorted(exp, key=sort_key)
    gs = sorted(got, key=sort_key)
    if len(es) == len(gs) and all(row_eq(e, g, loose) for e, g in zip(es, gs)):
        return []
    # Sorting can misalign rows whose numbers differ within tolerance: match in a window.
    used = [False] * len(gs)
    only_exp = []
    for i, e in enumerate(es):
        hi = min(len(gs), i + 65)
        lo = min(max(0, i - 64), hi)
        for j in list(range(lo, hi)) + list(range(0, lo)) + list(range(hi, len(gs))):
            if not used[j] and row_eq(e, gs[j], loose):
                used[j] = True
                break
            if j >= hi and j - hi > 2000:   # do not go quadratic on a big mismatch
                only_exp.append(e)
                break
        else:
            only_exp.append(e)
    only_got = [g for j, g in enumerate(gs) if not used[j]]
    if not only_exp and not only_got:
        return []
    out.append("%d rows %s, %d rows %s; %d only in %s, %d only in %s" % (
        len(exp), exp_label, len(got), got_label, len(only_exp), exp_label, len(only_got),
        got_label))
    half = (MAX_DIFF_LINES - 1) // 2
    out += ["  - %s %s" % (exp_label, show(r)) for r in only_exp[:half]]
    out += ["  + %s %s" % (got_label, show(r)) for r in only_got[:half]]
    return out[:MAX_DIFF_LINES]


# ---------------------------------------------------------------- reading sluice's output

def parse_csv_text(text):
    """CSV text -> (header, rows). An empty unquoted field is None (NULL), a quoted empty
    field `""` is '' (tests/sluice_csv.py; raises csv.Error on text that is not CSV)."""
    recs = sluice_csv.read_records(text)
    if not recs:
        return None, []
    return ["" if v is None else v for v in recs[0]], [tuple(r) for r in recs[1:]]


PART_RE = re.compile(r"^part-\d+-\d+\.csv$")


def read_copy_dir(outdir, partition):
    """Reads a COPY output directory back. Returns (column names or None: the part files'
    header then the partition columns, rows, problems)."""
    problems = []
    if not os.path.isdir(outdir):
        return None, [], ["output directory %s missing" % outdir]
    parent, base = os.path.split(outdir.rstrip("/"))
    leftovers = [x for x in os.listdir(parent) if x.startswith(base + ".sluice-tmp-")]
    if leftovers:
        problems.append("temporary directories left behind: %s" % ", ".join(leftovers))
    found = {}
    for dirpath, dirnames, filenames in os.walk(outdir):
        rel_dir = os.path.relpath(dirpath, outdir)
        depth = 0 if rel_dir == "." else rel_dir.count(os.sep) + 1
        for fn in filenames:
            rel = os.path.normpath(os.path.join(rel_dir, fn))
            if rel == "_SUCCESS":
                continue
            if depth != len(partition) or not PART_RE.match(fn):
                problems.append("unexpected file %s" % rel)
                continue
            found[rel] = os.path.join(dirpath, fn)
    mpath = os.path.join(outdir, "_SUCCESS")
    manifest = None
    if not os.path.isfile(mpath):
        problems.append("no _SUCCESS manifest")
    else:
        try:
            with open(mpath, encoding="utf-8") as f:
                manifest = json.load(f)
        except ValueError as ex:
            problems.append("_SUCCESS is not JSON: %s" % ex)
    rows, header, per_file = [], None, {}
    for rel, full in sorted(found.items()):
        with open(full, "rb") as f:
            data = f.read()
        h, frows = parse_csv_text(data.decode("utf-8"))
        if h is None:
            problems.append("%s: empty file (no header line)" % rel)
            continue
        if header is None:
            header = h
        elif h != header:
            problems.append("%s: header %r differs from %r" % (rel, h, header))
        for k in partition:
            if k in h:
                problems.append("%s: partition column %s inside the file" % (rel, k))
        pvals = []
        comps = rel.split(os.sep)[:-1]
        for k, comp in zip(partition, comps):
            if not comp.startswith(k + "="):
                problems.append("%s: directory %s is not %s=value" % (rel, comp, k))
                pvals.append(None)
                continue
            v = urllib.parse.unquote(comp[len(k) + 1:])
            pvals.append(None if v == "NULL" else v)
        rows += [tuple(r) + tuple(pvals) for r in frows]
        per_file[rel] = (len(frows), len(data))
    if manifest is not None:
        try:
            mfiles = {}
            for e in manifest["files"]:
                p = e["path"]
                p = os.path.relpath(p, outdir) if os.path.isabs(p) else os.path.normpath(p)
                mfiles[p] = (int(e["rows"]), int(e["bytes"]))
            if set(mfiles) != set(per_file):
                problems.append("manifest files %s != files on disk %s" % (
                    sorted(set(mfiles) - set(per_file))[:5],
                    sorted(set(per_file) - set(mfiles))[:5]))
            for p, (r, b) in mfiles.items():
                if p in per_file and per_file[p] != (r, b):
                    problems.append("manifest says %s has %d rows/%d bytes, disk %d/%d" % (
                        p, r, b, per_file[p][0], per_file[p][1]))
            if int(manifest["total_rows"]) != len(rows):
                problems.append("manifest total_rows %s != %d rows read" % (
                    manifest["total_rows"], len(rows)))
        except (KeyError, TypeError, ValueError) as ex:
            problems.append("manifest lacks files[].path/rows/bytes or total_rows: %r" % ex)
    names = None if header is None else list(header) + list(partition)
    return names, rows, problems


# ---------------------------------------------------------------- running sluice

def sluice_cmd(args):
    if args.self_test:
        return [sys.executable, os.path.abspath(__file__), "--fake-sluice"]
    exe = os.environ.get("SLUICE", "build/sluice")
    return [exe if os.path.isabs(exe) else os.path.join(ROOT, exe)]


def blocksize(idx, np):
    return BLOCKSIZES[(idx + np) % len(BLOCKSIZES)] if np >= 2 else None


def run_cmd(dataset, np, bsize, job, out, args, limit):
    cmd = ["timeout", str(limit)] + sluice_env.mpirun(np) + sluice_cmd(args) + [
        "run", job, "-D", "data=" + os.path.join(args.data, dataset), "-D", "out=" + out,
        "-D", "columns_sql=" + columns_literal(dataset), "--format", "csv"]
    if bsize:
        cmd += ["--blocksize", bsize, "--exchange-round-bytes", ROUND_BYTES]
    return cmd


def mpi_env():
    return dict(sluice_env.ENV_NO_SIGNALS)


def run_case(case, np, idx, args):
    """Runs one case at np ranks. Returns (ok, column names or None, rows, lines)."""
    wdir = os.path.join(OUT_DIR, case.name, "np%d" % np)
    shutil.rmtree(wdir, ignore_errors=True)
    os.makedirs(wdir)
    job = os.path.join(wdir, "job.sql")
    with open(job, "w", encoding="utf-8") as f:
        # ${columns} is expanded here so that most cases do not depend on -D substitution
        # outside string literals; ${columns_sql} is the same text left to sluice's -D.
        f.write(case.job.replace("${columns}", columns_literal(case.dataset)))
    out = os.path.join(wdir, "out")
    if args.self_test:
        with open(job + ".oracle.json", "w", encoding="utf-8") as f:
            json.dump({"sql": case.sqlite, "kind": case.kind, "partition": case.partition,
                       "data": args.data, "names": case.names}, f)
    cmd = run_cmd(case.dataset, np, blocksize(idx, np), job, out, args, 120)
    result_file = os.path.join(wdir, "result.csv")
    if case.output_file:
        cmd += ["--output", result_file]
    if args.verbose:
        print("  $ " + " ".join(cmd))
    env = mpi_env()
    t0 = time.time()
    # Run inside the case's own directory: a path sluice fails to substitute lands there.
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=wdir)
    dt = time.time() - t0
    stderr = p.stderr.decode("utf-8", "replace")
    if p.returncode != 0:
        why = "timed out (hang?)" if p.returncode == 124 else "exit status %d" % p.returncode
        lines = ["%s after %.1fs: %s" % (why, dt, " ".join(cmd))]
        lines += ["  stderr: " + x for x in stderr.strip().split("\n")[-12:] if x]
        return False, None, [], lines
    if case.output_file:
        if p.stdout:
            return False, None, [], ["stdout with --output: %r" % p.stdout[:200]]
        left = [x for x in os.listdir(wdir) if ".sluice-tmp-" in x]
        if left or not os.path.isfile(result_file):
            return False, None, [], ["--output left %s, no %s" % (left, result_file)]
        with open(result_file, "rb") as f:
            return result_of(case, out, f.read())
    return result_of(case, out, p.stdout)


def result_of(case, out, stdout):
    """(ok, column names or None, rows, lines) of a run that exited 0 with stdout (a COPY
    case: of its output directory out)."""
    if case.kind == "copy":
        names, rows, problems = read_copy_dir(out, case.partition)
        if problems:
            return False, names, rows, ["COPY output: " + x for x in problems[:MAX_DIFF_LINES]]
    else:
        try:
            header, rows = parse_csv_text(stdout.decode("utf-8"))
        except (UnicodeDecodeError, csv.Error) as ex:
            return False, None, [], ["stdout is not UTF-8 CSV: %s" % ex]
        if header is None:
            return False, None, [], ["no output on stdout (expected a CSV header line)"]
        names = header
        bad = [r for r in rows if len(r) != len(names)]
        if bad:
            return False, names, rows, ["%d rows do not have %d fields, e.g. %s" % (
                len(bad), len(names), show(bad[0]))]
    return True, names, rows, []


# ---------------------------------------------------------------- batches

def batchable(case):
    """A case whose job is one SELECT and nothing else (no COPY, no view or table of its own
    that would outlive it, no ${out}): it can share an mpirun with others."""
    body = "\n".join(x for x in case.job.split("\n") if not x.strip().startswith("--")).strip()
    return (case.kind == "sluice" and not case.output_file and "${out}" not in body and body.count(";") == 1
            and body.endswith(";") and re.match(r"(?i)(select|with|from)\b", body) is not None)


def marker(token, i):
    """Statement i's marker and the bytes it prints (--format csv: header, value)."""
    return ("SELECT '%s-%d' AS sluice_batch_case;\n" % (token, i),
            b"sluice_batch_case\n%s-%d\n" % (token.encode(), i))


def run_batch(cases, dataset, np, bsize, args, solo):
    """{case name: stdout} for cases (batchable, of one dataset) at np ranks and block size
    bsize in as few mpiruns as they allow: one job of every case's statement, each after a
    marker statement (a SELECT of a random token and the case's index) that splits stdout. When
    the job fails, the cases before the one that did not finish keep their outputs; that one
    runs alone (solo(case), whose result main uses); the cases after it form a new batch if it
    failed alone too, else are left out (main runs them alone)."""
    done = {}
    while cases:
        token = os.urandom(8).hex()
        wdir = os.path.join(OUT_DIR, "batch-%s-np%d-%s" % (dataset, np, token))
        os.makedirs(wdir)
        job = os.path.join(wdir, "job.sql")
        with open(job, "w", encoding="utf-8") as f:
            for i, c in enumerate(cases):
                f.write(marker(token, i)[0])
                f.write(c.job.replace("${columns}", columns_literal(dataset)).rstrip() + "\n")
            f.write(marker(token, len(cases))[0])
        cmd = run_cmd(dataset, np, bsize, job, os.path.join(wdir, "out"), args,
                      120 * (len(cases) + 1))
        if args.verbose:
            print("  $ " + " ".join(cmd))
        # Each case gets the 120 s a case alone gets: from one marker to the next.
        p = sluice_env.run_watched(cmd, b"sluice_batch_case\n", 120, env=mpi_env(), cwd=wdir)
        out, k = p.stdout, 0
        if out.startswith(marker(token, 0)[1]):
            pos = len(marker(token, 0)[1])
            while k < len(cases):
                m = marker(token, k + 1)[1]
                end = out.find(m, pos)
                if end < 0 or out[end - 1:end] != b"\n":
                    break
                done[cases[k].name] = out[pos:end]
                pos, k = end + len(m), k + 1
        if p.returncode == 0 and k == len(cases):
            shutil.rmtree(wdir, ignore_errors=True)
            return done
        if k == len(cases):
            # A failure at exit, after the last marker, belongs to no one case: every case
            # runs alone, as without batches.
            print("batch np=%d: exit %d after all %d cases; running them alone"
                  % (np, p.returncode, k))
            for c in cases:
                done.pop(c.name, None)
            return done
        print("batch np=%d: exit %d after %d of %d cases; running %s alone"
              % (np, p.returncode, k, len(cases), cases[k].name))
        if solo(cases[k])[0]:
            return done
        cases = cases[k + 1:]
    return done


def run_batches(cases, ranks, args, batch=True):
    """Every (idx, case) at every rank count it has: the batchable ones (with batch) batched by
    rank count, block size and dataset, the others alone; JOBS mpiruns at a time (start-up is
    mostly waiting; each run has its own directory, and main judges the results in case order,
    so nothing depends on which finished first). Returns ({(name, np): stdout},
    {(name, np): run_case's result})."""
    groups, solo = {}, {}
    for idx, case in cases:
        if batch and batchable(case):
            for np in [r for r in ranks if r in case.ranks]:
                groups.setdefault((np, blocksize(idx, np) or "", case.dataset),
                                  []).append((idx, case))
    batched = {}
    with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
        jobs = []
        for (np, bsize, dataset), group in sorted(groups.items()):
            where = {c.name: i for i, c in group}

            def alone(c, np=np, where=where):
                r = solo[(c.name, np)] = run_case(c, np, where[c.name], args)
                return r
            jobs.append((np, pool.submit(run_batch, [c for _, c in group], dataset, np,
                                         bsize or None, args, alone)))
        for np, job in jobs:
            batched.update(((name, np), out) for name, out in job.result().items())
        left = [(idx, case, np) for idx, case in cases for np in ranks
                if np in case.ranks and (case.name, np) not in batched
                and (case.name, np) not in solo]

        def run_alone(idx, case, np):
            solo[(case.name, np)] = run_case(case, np, idx, args)
        for job in [pool.submit(run_alone, *x) for x in left]:
            job.result()
    return batched, solo


# ---------------------------------------------------------------- a stand-in engine

def fake_sluice(argv):
    """--self-test: behaves like `sluice run JOB -D ...` by running the case's sqlite query
    (from JOB.oracle.json, written by run_case) and printing/writing what sluice would."""
    if os.environ.get("OMPI_COMM_WORLD_RANK", "0") != "0":
        return 0
    job = argv[argv.index("run") + 1]
    params = dict(argv[i + 1].split("=", 1) for i, a in enumerate(argv) if a == "-D")
    with open(job + ".oracle.json", encoding="utf-8") as f:
        spec = json.load(f)
    conn = open_oracle(spec["data"])
    cur = conn.execute(spec["sql"])
    names = spec["names"]
    rows = cur.fetchall()

    bug = os.environ.get("SLUICE_E2E_FAKE_BUG", "")
    if bug not in ("", "empty_as_null", "null_as_empty", "rename"):
        raise SystemExit("unknown SLUICE_E2E_FAKE_BUG=%s" % bug)
    if bug == "rename":
        names = ["x_" + names[0]] + names[1:]

    def field(v):
        if bug == "empty_as_null" and v == "":
            v = None
        elif bug == "null_as_empty" and v is None:
            v = ""
        if v is None:
            return ""
        s = repr(v) if isinstance(v, float) else str(v)
        if s == "" or any(c in s for c in ',"\r\n') or s != s.strip(" "):
            s = '"' + s.replace('"', '""') + '"'
        return s

    def text(hdr, rs):
        return "".join(",".join(field(v) for v in r) + "\n" for r in [hdr] + rs)

    if spec["kind"] == "sluice":
        sys.stdout.buffer.write(text(names, [list(r) for r in rows]).encode("utf-8"))
        return 0
    out, npart = params["out"], len(spec["partition"])
    tmp = out + ".sluice-tmp-fake"
    os.makedirs(tmp)
    groups = {}
    for r in rows:
        groups.setdefault(tuple(r[len(r) - npart:]), []).append(list(r[:len(r) - npart]))
    files = []
    for key, rs in groups.items():
        d = os.path.join(*(["."] + ["%s=%s" % (k, "NULL" if v is None else urllib.parse.quote(
            str(v), safe="")) for k, v in zip(spec["partition"], key)]))
        os.makedirs(os.path.join(tmp, d), exist_ok=True)
        rel = os.path.normpath(os.path.join(d, "part-0-0.csv"))
        data = text(names[:len(names) - npart], rs).encode("utf-8")
        with open(os.path.join(tmp, rel), "wb") as f:
            f.write(data)
        files.append({"path": rel, "rows": len(rs), "bytes": len(data)})
    with open(os.path.join(tmp, "_SUCCESS"), "w") as f:
        json.dump({"files": files, "total_rows": len(rows)}, f)
    os.rename(tmp, out)
    return 0


# ---------------------------------------------------------------- main

def judge(case, exp, base, np, result):
    """(ok, lines, rows) of one run's result against the oracle's rows exp and the np=1 rows
    base (None before np=1 passed)."""
    ok, got_names, rows, lines = result
    if ok and got_names != case.names:
        ok, lines = False, ["column names %s, expected %s" % (
            json.dumps(got_names, ensure_ascii=False),
            json.dumps(case.names, ensure_ascii=False))]
    if ok:
        lines = compare(exp, rows, case.ordered)
        ok = not lines
    if ok and np != 1 and base is not None:
        lines = compare(base, rows, case.ordered, loose=True, exp_label="np=1",
                        got_label="np=%d" % np)
        ok = not lines
        if lines:
            lines.insert(0, "differs from np=1:")
    return ok, lines, rows


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--fake-sluice":
        return fake_sluice(sys.argv[2:])
    ap = argparse.ArgumentParser(description="sluice end-to-end tests against sqlite3")
    ap.add_argument("-k", dest="pattern", help="run only cases whose name contains this")
    ap.add_argument("--ranks", help="comma-separated rank counts (default 1,2,3,4,5)")
    ap.add_argument("-v", dest="verbose", action="store_true", help="print commands")
    ap.add_argument("--oracle-only", action="store_true", help="run only the sqlite side")
    ap.add_argument("--self-test", action="store_true",
                    help="run against a sqlite-backed stand-in for sluice")
    ap.add_argument("--data", default=DATA_DIR, help="dataset directory (build/e2e-data)")
    ap.add_argument("--no-batch", action="store_true",
                    help="run every case alone (one mpirun per case and rank count)")
    args = ap.parse_args()
    args.data = os.path.abspath(args.data)
    ranks = ALL_RANKS
    if args.ranks:
        ranks = sorted({int(x) for x in args.ranks.split(",") if x.strip()})

    gen_testdata.generate(args.data)
    conn = open_oracle(args.data)

    passed = failed = skipped = 0
    paths = sorted(os.path.join(CASES_DIR, f) for f in os.listdir(CASES_DIR)
                   if f.endswith(".test"))
    selected = []   # (idx, name, case or None, expected rows or the case's error)
    for idx, path in enumerate(paths):
        name = os.path.splitext(os.path.basename(path))[0]
        if args.pattern and args.pattern not in name:
            continue
        try:
            case = parse_case(path)
            names, exp = oracle_rows(conn, case)
        except (CaseError, sqlite3.Error) as ex:
            selected.append((idx, name, None, ex))
            continue
        case.names = names
        selected.append((idx, name, case, exp))
    batched, solo = {}, {}
    if not args.oracle_only:
        batched, solo = run_batches([(i, c) for i, _, c, _ in selected if c], ranks, args,
                                    not (args.self_test or args.no_batch))
    for idx, name, case, exp in selected:
        if case is None:
            print("FAIL %s (case file or sqlite query): %s" % (name, exp))
            failed += 1
            continue
        names = case.names
        if args.oracle_only:
            print("ok  %s oracle: %d rows x %d cols %s" % (name, len(exp), len(names),
                                                          json.dumps(names)))
            if args.verbose:
                for r in exp[:5]:
                    print("    " + show(r))
            passed += 1
            continue
        base = None
        skipped += len([r for r in ranks if r not in case.ranks])
        for np in [r for r in ranks if r in case.ranks]:
            key = (name, np)
            if key in solo:
                result = solo[key]
            elif key in batched:
                result = result_of(case, None, batched[key])
            else:
                result = run_case(case, np, idx, args)
            ok, lines, rows = judge(case, exp, base, np, result)
            if not ok and key in batched and key not in solo:
                # A batch's failure is confirmed alone, and that run is what is shown.
                ok, lines, rows = judge(case, exp, base, np, run_case(case, np, idx, args))
            if ok and np == 1:
                base = rows
            print("%s %s np=%d" % ("ok " if ok else "FAIL", name, np))
            for x in lines[:MAX_DIFF_LINES]:
                print("    " + x)
            sys.stdout.flush()
            if ok:
                passed += 1
                shutil.rmtree(os.path.join(OUT_DIR, case.name, "np%d" % np), ignore_errors=True)
            else:
                failed += 1
    print("e2e: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
