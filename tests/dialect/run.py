#!/usr/bin/python3
"""The dialect suite: sluice must print what DuckDB prints (issue 17).

Called by `make dialect` as `SLUICE=build/sluice /usr/bin/python3 tests/dialect/run.py`.

Each case in tests/dialect/cases.sql and tests/dialect/cases/*.test is one query over the
view `t` (messy data written here with its own CSV writer: quoted newlines and CRLF records,
quotes, commas, Unicode, NULL vs '',
doubles at the edges of their printing rules, integers at their limits, ties, dates; the view
`tdec` holds DECIMAL columns for the dec_* cases (`td38` wide ones for dec38_*),
`thuge` HUGEINT and BIGINT limits for the
huge_* cases, `ti` infinite dates and interval text for the inf_* and intv_* cases, `tiv` the
same with iv read as INTERVAL; '@DIR@' in a case is the data directory, whose forms.csv the
csvform_* cases read and sniff_*.csv the sniff_* cases). The query
runs in sluice at 1, 2 and 3 ranks (`--format csv`) and in DuckDB (tests/dialect/duck.js, npm
@duckdb/node-api, `COPY (query) TO ... (HEADER)`), and the two outputs must be the same bytes:
values, their text, the column names and the order. A query both engines reject passes.

A case may say why sluice deliberately or for now answers differently:
    -- case: name
    -- differs: the reason (shown in README's list of differences)
    SELECT ...;
Such a case must still differ (it fails once the difference is gone, so the list stays
true). `-- ranks: 1` runs a case at those rank counts only (a constant query or an error
case, where the rank count cannot matter: it keeps the suite short). Cases end at the `;`
that ends a line.
`-- blocksize: N` runs sluice with `--blocksize N` (small files split over the ranks).
`-- copy` runs the case in sluice as `COPY (query) TO dir (FORMAT csv, HEADER)` instead of a
SELECT: the part files (in rank order, the header kept once) must equal DuckDB's COPY file.
`-- error: TEXT` makes a case an expected error of sluice's own (an unsupported use that DuckDB
may accept): sluice must fail with TEXT in its message; DuckDB's answer is not compared.

DuckDB comes from bench/node_modules when `cd bench && npm ci` was run, else it is installed
from bench/package-lock.json into build/dialect-node/ (npm registry needed). Without node/npm
or the registry the cases are counted as skipped, or fail when SLUICE_REQUIRE has "duckdb".
Batches (CI time: one mpirun per case and rank count cost ~0.3 s each, most of the suite): the
plain cases (no `-- copy`, `-- error:` or `-- differs:`, and DuckDB answered) run as one job per
rank count and block size, each case's statement after a marker statement (a SELECT of a random
token and the case's index) that splits the output; a case's bytes are those between its marker
and the next. A case whose batch output differs from DuckDB's is run again alone, and that run
decides (and is what a failure shows). When a batch job fails, the cases before the one that
did not finish keep their outputs, that case runs alone, and the cases after it go into a new
batch if it failed alone too (it was the culprit), else run one by one. `--no-batch` runs every
case alone. A batch's case gets the 120 s a case alone gets, counted from the marker before it
(sluice_env.run_watched). The batch jobs and then the single runs go SLUICE_TEST_JOBS (default
4) at a time, each with its own files; results are judged in case order afterwards. A line
"time: ..." before the totals says how long DuckDB, the batches and the single runs took.
Options: -k PATTERN (substring of case names), --ranks 1,3. A failing case prints its query, the
start of both outputs, their line diff and sluice's stderr; the failing cases are named again
just before the totals line.
First of all, README's scalar function reference must be what scripts/gen-func-ref.py makes
of the registry (`make func-ref` rewrites it).
Prints "ok NAME np=N" / "FAIL NAME np=N" / "known NAME" lines and
"dialect: N passed, M failed, K skipped"; exits 1 on any failure.
"""
import argparse
import concurrent.futures
import difflib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sluice_env import (ENV_NO_SIGNALS as ENV, REQUIRE, ROOT, SLUICE, mpirun,  # noqa: E402
                        run_watched)

HERE = os.path.dirname(os.path.abspath(__file__))
# What a rank that died of a signal (Open MPI's handler, mpirun's notice) or of a sanitizer
# report leaves in stderr.
QUERY_RE = re.compile(r"(?is)\s*(select|with|from|values|\()")
CRASH_RE = (rb"Process received signal|exited on signal|ERROR: (Address|Leak)Sanitizer|"
            rb"runtime error:")
COLUMNS = {"id": "BIGINT", "k": "VARCHAR", "s": "VARCHAR", "x": "DOUBLE", "i": "BIGINT",
           "dt": "DATE", "ts": "TIMESTAMP", "b": "BOOLEAN"}


def csv_field(v):
    """DuckDB's and sluice's reading: empty unquoted = NULL; quote what needs it."""
    if v is None:
        return ""
    s = v if isinstance(v, str) else repr(v) if isinstance(v, float) else str(v)
    if s == "" or any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def rows():
    strings = ["plain", "has,comma", 'quote"inside', "multi\nline", "crlf\r\nline", "",
               "Émile", "ÉMILE", "émile", "日本語", "  padded  ", "tab\there", "a", "A", "b"]
    doubles = [1.5, 170.0, 90.0, 1000.0, 1e15, 1e16, 1e-4, 1e-5, 0.1, 0.3, 1 / 3, -2.5,
               123456.789, 1e300, 5e-324, 2.5, 0.5, -0.5, 3.5, 1e20, 100.5, 12345678.9]
    ints = [0, 1, -1, 42, 2147483647, 2147483648, -2147483648, 9007199254740993,
            4611686018427387904, -4611686018427387904, 7, 7, 7]
    out = []
    for n in range(60):
        k = ["g1", "g2", "g3", None][n % 4]
        s = None if n % 11 == 5 else strings[n % len(strings)]
        x = None if n % 13 == 7 else doubles[n % len(doubles)]
        i = None if n % 17 == 3 else ints[n % len(ints)]
        dt = None if n % 19 == 4 else "20%02d-%02d-%02d" % (n % 30, n % 12 + 1, n % 28 + 1)
        ts = None if n % 23 == 6 else "2024-%02d-%02d %02d:%02d:%02d" % (
            n % 12 + 1, n % 28 + 1, n % 24, n % 60, (n * 7) % 60) + (".25" if n % 5 == 0 else "")
        b = None if n % 7 == 2 else ("true" if n % 3 else "false")
        out.append([n, k, s, x, i, dt, ts, b])
    return out


# tdec (the dec_* cases): money-like text read as DECIMAL by both engines' CSV readers: ties
# at the declared scale (0.125 as DECIMAL(6,2)), negatives below one, the widths' limits,
# blanks (NULL), spaces around, exponents.
DEC_COLUMNS = {"id": "BIGINT", "k": "VARCHAR", "m": "DECIMAL(18,3)", "r": "DECIMAL(6,2)",
               "w": "DECIMAL(18,0)"}


def dec_rows():
    ms = ["65.946", "-0.100", "0.300", "0.125", "-0.125", "2.5", "-2.5", "0", "-0.001",
          "999999999999999.999", "-999999999999999.999", "1234.5", "0.005", "7", "", "100.000"]
    rs = ["0.125", "-0.125", "1.005", "2.675", " 3.5 ", "9999.99", "-9999.99", "0.1", "",
          "1e1", "12.344", "12.345", "-0.005", "0.004"]
    ws = ["1", "-1", "999999999999999999", "-999999999999999999", "42", "", "2.5", "-2.5",
          "3.49", "0"]
    out = []
    for n in range(48):
        k = ["g1", "g2", "g3", None][n % 4]
        out.append([n, k, ms[n % len(ms)] or None, rs[n % len(rs)] or None,
                    ws[n % len(ws)] or None])
    return out


# thuge (the huge_* cases): HUGEINT text at and near its limits, BIGINT's limits, blanks.
HUGE_COLUMNS = {"id": "BIGINT", "k": "VARCHAR", "h": "HUGEINT", "b": "BIGINT"}


def huge_rows():
    hs = ["170141183460469231731687303715884105727", "-170141183460469231731687303715884105728",
          "9223372036854775808", "-9223372036854775809", "18446744073709551616", "0", "-1",
          "12345678901234567890123", "", " 42 ", "-99999999999999999999"]
    bs = ["9223372036854775807", "-9223372036854775808", "4611686018427387904", "1", "", "-7"]
    return [[n, ["g1", "g2", "g3", None][n % 4], hs[n % len(hs)] or None, bs[n % len(bs)] or None]
            for n in range(44)]


# td38 (the dec38_* cases): money near DECIMAL(18,2)'s limit (sums pass 2^63), rates, and
# DECIMAL(38,10) / DECIMAL(20,2) text at their limits, ties past the scale, blanks.
D38_COLUMNS = {"id": "BIGINT", "k": "VARCHAR", "a": "DECIMAL(18,2)", "r": "DECIMAL(9,4)",
               "w": "DECIMAL(38,10)", "z": "DECIMAL(20,2)"}


def d38_rows():
    as_ = ["9999999999999999.99", "9876543210987654.32", "-0.01", "1234567890123456.78", "",
           "0.125", "-9999999999999999.99", "7"]
    rs = ["1.0725", "0.0001", "-0.5", "2.25", "", "0.33335", "1"]
    ws = ["12345678901234567890.1234567890", "-999999999999999999999999999.9999999999",
          "0.0000000001", "", "1e10", " 42.5 ", "-0.00000000005", "12345678901234567890.123456789",
          "999999999999999999999999999.9999999999"]
    zs = ["123456789012345678.90", "-999999999999999999.99", "0.01", "", "5.555", "42"]
    out = [[n, ["g1", "g2", "g3", None][n % 4], as_[n % len(as_)] or None,
            rs[n % len(rs)] or None, ws[n % len(ws)] or None, zs[n % len(zs)] or None]
           for n in range(60)]
    out[59][4] = "-9999999999999999999999999999.9999999999"  # once: 38 digits, no sum overflow
    return out


# ti (the inf_* and intv_* cases): dates and timestamps with 'infinity' / '-infinity' (as
# DuckDB's CSV reader takes them in typed columns) and interval text, with NULLs.
TI_COLUMNS = {"id": "BIGINT", "k": "VARCHAR", "d": "DATE", "ts": "TIMESTAMP", "iv": "VARCHAR"}


def ti_rows():
    ds = ["2024-01-31", "infinity", "-infinity", "2023-02-28", "", "2000-02-29", "1969-12-31"]
    tss = ["2024-03-15 12:30:00", "-infinity", "infinity", "", "2024-02-29 23:59:59.5",
           "1970-01-01 00:00:00", "2023-12-31 00:00:01"]
    ivs = ["1 day", "2 hours 30 minutes", "1 month", "30 days", "", "-1 day 25 hours",
           "1 year 2 months 3 days 04:05:06.789", "00:00:00", "720 hours", "-3 months",
           "36 hours", "1.5 seconds", "2 weeks"]
    return [[n, ["g1", "g2", "g3", None][n % 4], ds[n % len(ds)] or None,
             tss[n % len(tss)] or None, ivs[n % len(ivs)] or None] for n in range(26)]


# forms.csv (the csvform_* cases, read as `read_csv('@DIR@/forms.csv')`: @DIR@ is the data
# directory): one column per text form DuckDB's sniffer judges (hex, '_', non-padded dates,
# a leading '+' or zero, spaces around numbers, inf / nan, boolean spellings), each column
# holding one form so that its sniffed type is that form's.
FORMS = {
    "hex": ["0x1F", "0xff", "0b101", "10", "0x1_F", ""],
    "under": ["1_000", "2", "3", "4", "5", "6"],
    "date_np": ["2024-1-5", "2024-12-25", "1999-2-28", "2000-02-29", "", "2024-01-05"],
    "date_slash": ["2024/01/05", "2024/1/6", "2023/12/31", "", "2024/2/29", "1970/1/1"],
    "ts_np": ["2024-1-5 1:2:3", "2024-01-05 10:00:00.5", "2024-01-05T10:00", "",
              "1999-12-31 23:59:59", "2024-2-29 0:0:0"],
    "plus": ["+5", "3", "4", "5", "6", "7"],
    "lead0": ["007", "1", "2", "3", "4", "5"],
    "neg07": ["-07", "1", "-2", "0", "-0", "5"],
    "ws_int": [" 5", "3 ", " 7 ", "8", "", "9"],
    "ws_dbl": [" 1.5", "2.5", " 3", "4e2", ".5", "5."],
    "ws_dbl_trail": ["1.5 ", "2.5", "3.5", "4.5", "5.5", "6.5"],
    "nan": ["nan", "1.5", "NaN", "-1e-5", "2", ""],
    "inf": ["inf", "1.5", "2.5", "3.5", "4.5", "5.5"],
    "bool_tf": ["t", "f", "T", "FALSE", "yes", "NO"],
    "bool_yn": ["Y", "N", "y", "n", "Y", "N"],
    "bool_01": ["1", "0", "1", "0", "1", "0"],
    "mixdt": ["2024-01-05", "2024-01-05 10:00:00", "2024-01-06", "", "2024-01-07", "2024-01-08"],
    "epoch": ["epoch", "2024-01-05", "", "2024-1-6", "1999-12-31", "2000-01-01"],
    "code": ["0", "00", "01", "1", "2", "3"],
}


# sniff_*.csv (the sniff_* cases): date and timestamp spellings DuckDB's sniffer reads with a
# format per column. Each file holds one format per type (DuckDB keeps one per file). Rows are
# many and short so that with `-- blocksize:` every rank samples some: the rows that decide an
# ambiguous format ('02/13/2024' after many '01/02/2024') are the last.
def sniff_files():
    amb = ["0%d/0%d/2024" % (1 + r % 9, 1 + r % 7) for r in range(40)] + ["02/13/2024"]
    ts = ["%02d/01/2024 %02d:%02d:05" % (1 + r % 12, r % 24, r % 60) for r in range(40)] + \
        ["25/12/2024 23:59:59"]
    return {
        "sniff_mdy.csv": ["id,d,ts,s"] + ["%d,%s,%s,x%d" % (r, amb[r], ts[r], r)
                                          for r in range(41)],
        "sniff_dot.csv": ["d,n"] + ["2024.%d.%d,%d" % (1 + r % 12, 1 + r % 28, r)
                                    for r in range(30)],
        "sniff_dmy.csv": ["d,n"] + ["%d-%d-2023,%d" % (1 + r % 28, 1 + r % 12, r)
                                    for r in range(30)],
        "sniff_y2.csv": ["d,n"] + ["%02d/%02d/%02d,%d" % (r % 30, 1 + r % 12, 1 + r % 28, r)
                                   for r in range(30)],
        "sniff_ampm.csv": ["ts,n"] + ["%02d/%02d/2024 %02d:%02d:%02d %s,%d" % (
            1 + r % 12, 1 + r % 28, 1 + r % 12, r % 60, r % 7, "AP"[r % 2] + "M", r)
            for r in range(30)],
        "sniff_mixsep.csv": ["d,n"] + ["2024%s%d%s%d,%d" % ("/-"[r // 20], 1 + r % 12,
                                                            "/-"[r // 20], 1 + r % 28, r)
                                       for r in range(30)],
        "sniff_tz.csv": ["ts,n"] + ["2024-01-%02d %02d:30:00%s,%d" % (
            1 + r % 28, r % 24, ["Z", "+01:00", "-05:30", "", "+02"][r % 5], r)
            for r in range(30)],
        # tz_sniff_mixed: ' UTC' alone is TIMESTAMP, beside offsets TIMESTAMPTZ; a bare date
        # beside a zone is text
        "sniff_tzmix.csv": ["utc,mix,dz,n"] + [
            "2024-01-%02d 10:00:00 UTC,2024-02-%02d 11:00:00%s,%s,%d" % (
                1 + r, 1 + r, [" UTC", "+01", ""][r % 3],
                ["2024-03-01", "2024-03-01 10:00:00Z"][r % 2], r) for r in range(12)],
        "sniff_fmt.csv": ["d,ts"] + ["%02d|%02d|2024,2024-01-05 %02d.%02d" % (
            1 + r % 28, 1 + r % 12, r % 24, r % 60) for r in range(30)],
    }


def write_data(path):
    for name, lines in sniff_files().items():
        with open(os.path.join(os.path.dirname(path), name), "w", encoding="utf-8",
                  newline="") as f:
            f.write("\n".join(lines) + "\n")
    with open(os.path.join(os.path.dirname(path), "forms.csv"), "w", encoding="utf-8",
              newline="") as f:
        f.write(",".join(FORMS) + "\n")
        for r in range(6):
            f.write(",".join(v[r] for v in FORMS.values()) + "\n")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(COLUMNS) + "\r\n")
        for r in rows():
            f.write(",".join(csv_field(v) for v in r) + "\r\n")
    with open(os.path.join(os.path.dirname(path), "dec.csv"), "w", encoding="utf-8",
              newline="") as f:
        f.write(",".join(DEC_COLUMNS) + "\n")
        for r in dec_rows():
            f.write(",".join(csv_field(v) for v in r) + "\n")
    with open(os.path.join(os.path.dirname(path), "huge.csv"), "w", encoding="utf-8",
              newline="") as f:
        f.write(",".join(HUGE_COLUMNS) + "\n")
        for r in huge_rows():
            f.write(",".join(csv_field(v) for v in r) + "\n")
    with open(os.path.join(os.path.dirname(path), "d38.csv"), "w", encoding="utf-8",
              newline="") as f:
        f.write(",".join(D38_COLUMNS) + "\n")
        for r in d38_rows():
            f.write(",".join(csv_field(v) for v in r) + "\n")
    with open(os.path.join(os.path.dirname(path), "ti.csv"), "w", encoding="utf-8",
              newline="") as f:
        f.write(",".join(TI_COLUMNS) + "\n")
        for r in ti_rows():
            f.write(",".join(csv_field(v) for v in r) + "\n")


def case_files():
    """cases.sql, then tests/dialect/cases/*.test (same format; fn_* scalar functions, sql_*
    syntax), in name order."""
    d = os.path.join(HERE, "cases")
    extra = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".test")) \
        if os.path.isdir(d) else []
    return [os.path.join(HERE, "cases.sql")] + extra


def load_cases(pattern):
    text = "\n".join(open(f, encoding="utf-8").read() for f in case_files())
    cases, cur = [], None
    for line in text.splitlines():
        m = re.match(r"--\s*case:\s*(\S+)\s*$", line)
        if m:
            cur = {"name": m.group(1), "sql": "", "differs": None, "ranks": None,
                   "error": None, "copy": False, "blocksize": None}
            cases.append(cur)
            continue
        m = re.match(r"--\s*ranks:\s*([\d,]+)\s*$", line)
        if m and cur is not None:
            cur["ranks"] = [int(x) for x in m.group(1).split(",")]
            continue
        m = re.match(r"--\s*blocksize:\s*(\d+)\s*$", line)
        if m and cur is not None:
            cur["blocksize"] = m.group(1)
            continue
        if re.match(r"--\s*copy\s*$", line) and cur is not None:
            cur["copy"] = True
            continue
        m = re.match(r"--\s*error:\s*(.*)$", line)
        if m and cur is not None:
            cur["error"] = m.group(1).strip()
            continue
        m = re.match(r"--\s*differs:\s*(.*)$", line)
        if m and cur is not None:
            cur["differs"] = m.group(1).strip()
            continue
        if cur is None or line.startswith("--"):
            continue
        cur["sql"] += line + "\n"
    for c in cases:
        c["sql"] = c["sql"].strip()
        assert c["sql"].endswith(";"), c["name"]
        c["sql"] = c["sql"][:-1].strip()
    return [c for c in cases if not pattern or pattern in c["name"]]


def copy_text(out_dir):
    """The part files of a sluice COPY in rank order (part-RANK-SEQ.csv), one header kept."""
    def key(f):
        return [int(x) for x in re.findall(r"\d+", f)]
    parts = sorted((f for f in os.listdir(out_dir) if f.endswith(".csv")), key=key)
    text = b""
    for k, f in enumerate(parts):
        lines = open(os.path.join(out_dir, f), "rb").read().split(b"\n", 1)
        text += (lines[0] + b"\n" if k == 0 else b"") + (lines[1] if len(lines) > 1 else b"")
    return text


def duckdb_module(work):
    """Directory holding @duckdb/node-api, or None (reason printed)."""
    bench = os.path.join(ROOT, "bench", "node_modules")
    if os.path.isdir(os.path.join(bench, "@duckdb", "node-api")):
        return bench
    mine = os.path.join(os.path.dirname(SLUICE), "dialect-node")
    if os.path.isdir(os.path.join(mine, "node_modules", "@duckdb", "node-api")):
        return os.path.join(mine, "node_modules")
    if not shutil.which("node") or not shutil.which("npm"):
        print("dialect: node/npm not installed (scripts/install-deps.sh installs them)")
        return None
    os.makedirs(mine, exist_ok=True)
    for f in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(ROOT, "bench", f), mine)
    r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", mine],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        print("dialect: npm ci failed:\n" + r.stdout + r.stderr)
        return None
    return os.path.join(mine, "node_modules")


def views_sql(data):
    """t: '' and NULL apart (allow_quoted_nulls=false in both engines: sluice's default, not
    DuckDB's); tq: DuckDB's reading, "" is NULL; td: each engine's defaults."""
    cols = ", ".join("'%s': '%s'" % kv for kv in COLUMNS.items())
    read = "read_csv('%s', columns={%s}%%s)" % (data, cols)
    dec = os.path.join(os.path.dirname(data), "dec.csv")
    dcols = ", ".join("'%s': '%s'" % kv for kv in DEC_COLUMNS.items())
    huge = os.path.join(os.path.dirname(data), "huge.csv")
    hcols = ", ".join("'%s': '%s'" % kv for kv in HUGE_COLUMNS.items())
    ti = os.path.join(os.path.dirname(data), "ti.csv")
    tcols = ", ".join("'%s': '%s'" % kv for kv in TI_COLUMNS.items())
    return ["CREATE VIEW t AS SELECT * FROM " + read % ", allow_quoted_nulls=false",
            "CREATE VIEW tq AS SELECT * FROM " + read % ", allow_quoted_nulls=true",
            "CREATE VIEW td AS SELECT * FROM " + read % "",
            "CREATE VIEW tdec AS SELECT * FROM read_csv('%s', columns={%s})" % (dec, dcols),
            "CREATE VIEW thuge AS SELECT * FROM read_csv('%s', columns={%s})" % (huge, hcols),
            "CREATE VIEW ti AS SELECT * FROM read_csv('%s', columns={%s})" % (ti, tcols),
            "CREATE VIEW td38 AS SELECT * FROM read_csv('%s', columns={%s})"
            % (os.path.join(os.path.dirname(data), "d38.csv"),
               ", ".join("'%s': '%s'" % kv for kv in D38_COLUMNS.items())),
            "CREATE VIEW tiv AS SELECT * FROM read_csv('%s', columns={%s})"
            % (ti, tcols.replace("'iv': 'VARCHAR'", "'iv': 'INTERVAL'"))]


def print_diff(mine, duck, r):
    """A failure's whole story, however long the outputs: the line diff (duckdb -> sluice,
    lines as Python literals so CR, tabs and trailing spaces show) and sluice's stderr (an
    error, a sanitizer report or mpirun's word on a rank that died)."""
    if mine is not None and duck is not None:
        diff = list(difflib.unified_diff(
            [repr(x) for x in duck.split(b"\n")], [repr(x) for x in mine.split(b"\n")],
            "duckdb", "sluice", n=1, lineterm=""))
        for line in diff[:80]:
            print("  | " + line)
        if len(diff) > 80:
            print("  | ... %d more diff lines" % (len(diff) - 80))
    err = r.stderr.decode("utf-8", "replace").strip()
    if err:
        print("  stderr (last 2000 bytes):")
        for line in err[-2000:].splitlines():
            print("  ! " + line)


def write_job(path, data, stmts):
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(v + ";\n" for v in views_sql(data) + stmts))


# Where the suite's time goes, printed before the totals: [mpiruns, seconds] of batch jobs and of
# single runs.
SPENT = {"batch": [0, 0.0], "alone": [0, 0.0]}
SPENT_LOCK = threading.Lock()
# How many mpiruns at a time (env SLUICE_TEST_JOBS).
JOBS = max(1, int(os.environ.get("SLUICE_TEST_JOBS", "4")))


def run_sluice(np, blocksize, job, limit, kind="alone"):
    bs = ["--blocksize", blocksize] if blocksize else []
    t0 = time.monotonic()
    cmd = ["timeout", str(limit)] + mpirun(np) + [SLUICE, "run", "--format", "csv"] + bs + [job]
    if kind == "batch":
        # Each case of a batch gets the 120 s a case alone gets: from one marker to the next.
        r = run_watched(cmd, b"sluice_batch_case\n", 120, env=ENV)
    else:
        r = subprocess.run(cmd, capture_output=True, env=ENV)
    with SPENT_LOCK:
        SPENT[kind][0] += 1
        SPENT[kind][1] += time.monotonic() - t0
    return r


class Ran:
    """A case's share of a batch run: what subprocess.run of it alone would hold."""
    def __init__(self, stdout):
        self.returncode, self.stdout, self.stderr = 0, stdout, b""


def marker(token, i):
    """Statement i's marker and the bytes it prints (--format csv: header, value)."""
    return ("SELECT '%s-%d' AS sluice_batch_case" % (token, i),
            b"sluice_batch_case\n%s-%d\n" % (token.encode(), i))


def run_batch(cases, np, blocksize, work, data, solo):
    """{case name: Ran} for cases (plain SELECT cases) at np ranks, as few mpiruns as the cases
    allow (see the docstring); solo(case) runs one case alone (its result is stored too)."""
    done = {}
    while cases:
        token = secrets.token_hex(8)
        stmts = []
        for i, c in enumerate(cases):
            stmts += [marker(token, i)[0], c["sql"]]
        stmts.append(marker(token, len(cases))[0])
        job = os.path.join(work, "batch-%d-%s.sql" % (np, token))
        write_job(job, data, stmts)
        r = run_sluice(np, blocksize, job, 120 * (len(cases) + 1), "batch")
        out, pos, k = r.stdout, 0, 0
        if out.startswith(marker(token, 0)[1]):
            pos = len(marker(token, 0)[1])
            while k < len(cases):
                m = marker(token, k + 1)[1]
                end = out.find(m, pos)
                if end < 0 or (end > 0 and out[end - 1:end] != b"\n"):
                    break
                done[cases[k]["name"]] = Ran(out[pos:end])
                pos, k = end + len(m), k + 1
        crashed = re.search(CRASH_RE, r.stderr) is not None
        if r.returncode == 0 and k == len(cases) and not crashed:
            return done
        if k == len(cases):
            # A failure at exit, after the last marker, belongs to no one case (nor does a
            # rank's crash trace with exit status 0): every case runs alone, as without
            # batches, where the crash check sees each case's own stderr.
            print("batch np=%d: exit %d%s after all %d cases; running them alone"
                  % (np, r.returncode, ", a rank crashed" if crashed else "", k))
            for c in cases:
                done.pop(c["name"], None)
                solo(c)
            return done
        # cases[:k] finished and keep their outputs; cases[k] did not.
        print("batch np=%d: exit %d after %d of %d cases; running %s alone"
              % (np, r.returncode, k, len(cases), cases[k]["name"]))
        if solo(cases[k]).returncode == 0:
            for c in cases[k + 1:]:
                solo(c)
            return done
        cases = cases[k + 1:]
    return done


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", default="")
    ap.add_argument("--ranks", default="1,2,3")
    ap.add_argument("--no-batch", action="store_true")
    args = ap.parse_args()
    ranks = [int(x) for x in args.ranks.split(",")]
    cases = load_cases(args.k)
    # README's function reference must be what the registry generates (no DuckDB needed).
    ref = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen-func-ref.py"),
                          "--check"], capture_output=True, text=True)
    if ref.returncode != 0:
        print("FAIL func_reference: " + (ref.stdout + ref.stderr).strip())
        print("dialect: 0 passed, 1 failed, 0 skipped")
        return 1
    print("ok   func_reference")
    work = tempfile.mkdtemp(prefix="sluice-dialect-")
    data = os.path.join(work, "t.csv")
    write_data(data)
    for c in cases:
        c["sql"] = c["sql"].replace("@DIR@", work)
    mod = duckdb_module(work)
    if mod is None:
        n = len(cases) * len(ranks)
        if "duckdb" in REQUIRE:
            print("FAIL dialect: DuckDB is required (SLUICE_REQUIRE) but could not be set up")
            print("dialect: 0 passed, 1 failed, %d skipped" % n)
            return 1
        print("dialect: 0 passed, 0 failed, %d skipped" % n)
        return 0
    duck_out = os.path.join(work, "duck")
    os.makedirs(duck_out)
    spec = {"setup": views_sql(data),
            "cases": [{"name": c["name"], "sql": c["sql"]} for c in cases]}
    with open(os.path.join(work, "cases.json"), "w") as f:
        json.dump(spec, f)
    t0 = time.monotonic()
    subprocess.run(["node", os.path.join(HERE, "duck.js"), mod,
                    os.path.join(work, "cases.json"), duck_out], check=True, timeout=600)
    duck_s = time.monotonic() - t0
    passed, failed = 1, 0  # func_reference
    failures = []

    def duck_of(c):
        dpath = os.path.join(duck_out, c["name"])
        # A COPY that fails part way may leave an empty .csv beside its .err: the error wins.
        return (open(dpath + ".csv", "rb").read()
                if os.path.exists(dpath + ".csv") and not os.path.exists(dpath + ".err")
                else None)

    def out_dir_of(c, np):
        return os.path.join(work, "%s.np%d.out" % (c["name"], np))

    solo_runs = {}

    def solo(c, np):
        """c alone at np ranks (its own job file), as every case ran before batches."""
        job = os.path.join(work, "%s.np%d.sql" % (c["name"], np))
        stmt = ("COPY (%s) TO '%s' (FORMAT csv, HEADER, OVERWRITE)" % (c["sql"],
                out_dir_of(c, np)) if c["copy"] else c["sql"])
        write_job(job, data, [stmt])
        r = solo_runs[(c["name"], np)] = run_sluice(np, c["blocksize"], job, 120)
        return r

    def rank_counts(c):
        return [n for n in ranks if not c["ranks"] or n in c["ranks"]] or ranks[:1]

    # The batch jobs, then the runs alone, JOBS at a time (mpirun start-up is mostly waiting;
    # every run has its own job file and output directory, and results are judged below in
    # case order, so the output does not depend on which finished first).
    batched = {}
    with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
        if not args.no_batch:
            groups = {}
            for c in cases:
                # only queries share a job: a SET or CREATE would leak into the cases after it
                if (not (c["copy"] or c["error"] or c["differs"]) and duck_of(c) is not None
                        and QUERY_RE.match(c["sql"])):
                    for np in rank_counts(c):
                        groups.setdefault((np, c["blocksize"] or ""), []).append(c)
            jobs = [((np, bsize), pool.submit(run_batch, group, np, bsize or None, work, data,
                                              lambda c, np=np: solo(c, np)))
                    for (np, bsize), group in sorted(groups.items())]
            for (np, _), job in jobs:
                batched.update(((name, np), ran) for name, ran in job.result().items())
        left = [(c, np) for c in cases for np in rank_counts(c)
                if (c["name"], np) not in batched and (c["name"], np) not in solo_runs]
        for job in [pool.submit(solo, c, np) for c, np in left]:
            job.result()
    for c in cases:
        duck = duck_of(c)
        dpath = os.path.join(duck_out, c["name"])
        differed = []
        for np in rank_counts(c):
            key = (c["name"], np)
            r = solo_runs[key] if key in solo_runs else batched.get(key) or solo(c, np)
            mine = r.stdout if r.returncode == 0 else None
            if key not in solo_runs and mine != duck:
                # A batch's difference is confirmed alone, and that run is what is shown.
                r = solo(c, np)
                mine = r.stdout if r.returncode == 0 else None
            if c["copy"] and mine is not None:
                mine = copy_text(out_dir_of(c, np))
            if re.search(CRASH_RE, r.stderr):
                # A rank that crashed after an (expected) error leaves the status and the
                # message as wanted, and the case would pass: its trace is the tell.
                failed += 1
                failures.append("%s np=%d" % (c["name"], np))
                print("FAIL %s np=%d: a rank crashed (exit %d)" % (c["name"], np, r.returncode))
                print_diff(None, None, r)
                continue
            if c["error"]:
                ok = r.returncode != 0 and c["error"].encode() in r.stderr
                passed += ok
                failed += not ok
                print("%s %s np=%d" % ("ok  " if ok else "FAIL", c["name"], np))
                if not ok:
                    failures.append("%s np=%d" % (c["name"], np))
                    print("  query: " + c["sql"].replace("\n", " "))
                    print("  sluice (exit %d), wanted error %r: %r" % (r.returncode, c["error"],
                          (r.stdout + r.stderr)[:600]))
                continue
            same = mine == duck
            if c["differs"]:
                differed.append(not same)
                continue
            if same:
                passed += 1
                print("ok   %s np=%d" % (c["name"], np))
            else:
                failed += 1
                print("FAIL %s np=%d" % (c["name"], np))
                err = (open(dpath + ".err").read() if duck is None else "")
                print("  query: " + c["sql"].replace("\n", " "))
                print("  sluice (exit %d): %r" % (r.returncode, (mine or r.stderr)[:600]))
                print("  duckdb: %r" % ((duck or err.encode())[:600]))
                print_diff(mine, duck, r)
                failures.append("%s np=%d" % (c["name"], np))
        if c["differs"]:
            if all(differed):
                passed += 1
                print("known %s: %s" % (c["name"], c["differs"]))
            else:
                failed += 1
                failures.append(c["name"])
                print("FAIL %s: listed as differing (%s) but sluice now gives DuckDB's output;"
                      " remove its `differs:` line" % (c["name"], c["differs"]))
    shutil.rmtree(work, ignore_errors=True)
    print("time: DuckDB %.1f s; sluice %d batch jobs %.1f s, %d runs alone %.1f s (%d at a time)"
          % (duck_s, SPENT["batch"][0], SPENT["batch"][1], SPENT["alone"][0],
             SPENT["alone"][1], JOBS))
    # Named again last, so that a log cut to its tail still says which cases failed.
    for f in failures:
        print("failed: " + f)
    print("dialect: %d passed, %d failed, 0 skipped" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
