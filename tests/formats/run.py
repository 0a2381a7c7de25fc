#!/usr/bin/python3
"""Formats beyond CSV (`make formats`, issue #13): HDF5 in (and, as they land, out).

Called as `SLUICE=build/sluice /usr/bin/python3 tests/formats/run.py [-k PATTERN] [-v]`.

The oracle is h5py (Debian python3-h5py, which writes the input files with no sluice code)
and sqlite3: every case writes its data with h5py from numpy arrays made here (fixed seed),
loads the same values into an in-memory sqlite3 table, runs one query through sluice at 1-5
ranks (`timeout 120 mpirun -n N sluice run JOB --format csv`) and compares the rows (a
multiset, numbers with relative tolerance 1e-9, true/false == 1/0, NULL != ''). Error cases
check the exit status and a precise fragment of the message, which every rank must print.

Prints "ok   NAME" / "FAIL NAME: why" / "skip NAME: why" and finally
"formats: N passed, M failed, K skipped"; exits 1 on any failure.
"""
import argparse
import glob
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sluice_env import ENV, REQUIRE, SLUICE  # noqa: E402
import sluice_csv  # noqa: E402

TIMEOUT = 120
passed = failed = skipped = 0
verbose = False
W = None
_njob = 0

try:
    import h5py
    import numpy as np
except ImportError:  # pragma: no cover - install-deps.sh installs python3-h5py
    h5py = None


def report(ok, name, why=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name}: {why}", flush=True)


def skip(name, why):
    global skipped
    skipped += 1
    print(f"skip {name}: {why}", flush=True)


# The fault-injection build (make formats builds it): SLUICE_FAULT cases run on it.
SLUICE_FI = os.environ.get("SLUICE_FI", "")


def job_cmd(sql, np_, args=(), binary=None):
    global _njob
    _njob += 1
    jf = os.path.join(W, f"job{_njob}.sql")
    with open(jf, "w") as f:
        f.write(sql)
    cmd = ["timeout", str(TIMEOUT), "mpirun", "-n", str(np_), binary or SLUICE, "run", jf,
           "--format", "csv"] + list(args)
    if verbose:
        print("  $", " ".join(cmd), flush=True)
    return cmd


def run_job(sql, np_, args=(), fault=None):
    """Runs sql on np_ ranks (with SLUICE_FAULT=fault on the fault-injection build when
    fault is given); returns (rc, stdout, stderr)."""
    env = ENV if fault is None else dict(ENV, SLUICE_FAULT=fault)
    cmd = job_cmd(sql, np_, args, SLUICE_FI if fault is not None else None)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def norm(v):
    """A value as sluice prints it or sqlite returns it, made comparable."""
    if v is None:
        return None
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    if v == "true":
        return 1.0
    if v == "false":
        return 0.0
    return v


def parse_num(v):
    """sluice's text -> float when it is a number, else the text."""
    if v is None or not isinstance(v, str):
        return v
    try:
        return float(v)
    except ValueError:
        return v


def sort_key(row):
    return tuple((0, "") if x is None else
                 (1, "%.6e" % x) if isinstance(x, float) else (2, x) for x in row)


def close(a, b):
    if a is None or b is None:
        return a is b
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def same_rows(got, want):
    """Multisets of rows; returns '' or why they differ."""
    if len(got) != len(want):
        return f"{len(got)} rows, expected {len(want)}"
    g = sorted(got, key=sort_key)
    w = sorted(want, key=sort_key)
    for a, b in zip(g, w):
        if len(a) != len(b) or not all(close(x, y) for x, y in zip(a, b)):
            return f"row {a!r} != expected {b!r}"
    return ""


def exit_why(rc, errtext):
    """Why a job failed, for a report: the exit status (timeout's 124, a signal), sluice's
    own error lines, which Open MPI's MPI_ABORT banner after them would otherwise push out of
    a plain tail, then the tail."""
    st = (f"exit {rc} (timeout: a hang)" if rc == 124 else
          f"killed by signal {-rc}" if rc < 0 else
          f"exit {rc} (signal {rc - 128})" if rc > 128 else f"exit {rc}")
    errs = [ln for ln in errtext.splitlines() if ": error: " in ln][:4]
    return f"{st}: " + " | ".join(errs + [errtext.strip()[-400:]])


def check_query(name, sql, db, oracle_sql, ranks=(1, 2, 3, 4, 5), header=None):
    """Runs sql at each rank count and compares with db's answer to oracle_sql."""
    cur = db.execute(oracle_sql)
    want = [tuple(norm(x) for x in r) for r in cur.fetchall()]
    want_hdr = header or [d[0] for d in cur.description]
    for n in ranks:
        rc, out, errtext = run_job(sql, n)
        if rc != 0:
            report(False, f"{name} np={n}", exit_why(rc, errtext))
            continue
        try:
            recs = sluice_csv.read_records(out)
        except Exception as e:  # noqa: BLE001
            report(False, f"{name} np={n}", f"output is not CSV: {e}")
            continue
        if not recs or recs[0] != want_hdr:
            report(False, f"{name} np={n}",
                   f"header {recs[0] if recs else None}, expected {want_hdr}")
            continue
        got = [tuple(norm(parse_num(x)) for x in r) for r in recs[1:]]
        why = same_rows(got, want)
        report(not why, f"{name} np={n}", why)


def check_error(name, sql, code, fragment, ranks=(1, 3)):
    """sql must fail with exit code and every rank must print fragment."""
    for n in ranks:
        rc, out, errtext = run_job(sql, n)
        lines = [ln for ln in errtext.splitlines() if fragment in ln and ": error: " in ln]
        ok = rc == code and len(lines) == n
        report(ok, f"{name} np={n}",
               "" if ok else f"exit {rc} (want {code}), {len(lines)} of {n} ranks said "
               f"{fragment!r}: {errtext.strip()[-400:]}")


# ---- data ----

def table_data(rng, n, start=0):
    """Columns of every readable type as numpy arrays plus validity, and sqlite rows."""
    ids = np.arange(start, start + n, dtype=np.int64)
    i8 = rng.integers(-128, 127, n, dtype=np.int8)
    u16 = rng.integers(0, 65535, n, dtype=np.uint16)
    i32 = rng.integers(-2**31, 2**31 - 1, n, dtype=np.int32)
    f32 = rng.standard_normal(n).astype(np.float32)
    f64 = rng.standard_normal(n) * 1e6
    f64_valid = rng.random(n) > 0.2
    flag = rng.random(n) > 0.5
    words = np.array([b"alpha", b"beta", b"", b"gamma d", b"x,y", b'q"t'])
    fixed = words[rng.integers(0, len(words), n)].astype("S8")
    vl = [("é" * int(k)) + str(int(k)) if k % 7 else "" for k in rng.integers(0, 20, n)]
    ob = [("s%d" % int(k)) * int(k % 4) for k in rng.integers(0, 1000, n)]
    ob_valid = rng.random(n) > 0.3
    day = rng.integers(0, 20000, n, dtype=np.int64)
    cols = dict(id=ids, i8=i8, u16=u16, i32=i32, f32=f32, f64=f64, flag=flag, fixed=fixed,
                vl=vl, ob=ob, day=day)
    valid = dict(f64=f64_valid, ob=ob_valid)
    return cols, valid


ORDER = ["id", "i8", "u16", "i32", "f32", "f64", "flag", "fixed", "vl", "ob", "day"]


def write_h5(path, group, cols, valid, track_order=True):
    with h5py.File(path, "w") as f:
        g = f.require_group(group) if group == "/" else f.create_group(
            group, track_order=track_order)
        for name in ORDER:
            v = cols[name]
            if name == "vl":
                g.create_dataset(name, data=v, dtype=h5py.string_dtype("utf-8"))
            elif name == "ob":
                b = [s.encode() for s in v]
                off = np.zeros(len(b) + 1, dtype=np.int64)
                off[1:] = np.cumsum([len(x) for x in b])
                g.create_dataset("ob__offsets", data=off)
                g.create_dataset("ob__bytes", data=np.frombuffer(b"".join(b), dtype=np.uint8))
            elif name == "day":
                d = g.create_dataset(name, data=v)
                d.attrs["sluice_type"] = "DATE"
            else:
                g.create_dataset(name, data=v)
            if name in valid:
                g.create_dataset(name + "__valid", data=valid[name].astype(np.uint8))


def load_sqlite(db, parts):
    db.execute("CREATE TABLE t (id INTEGER, i8 INTEGER, u16 INTEGER, i32 INTEGER, f32 REAL, "
               "f64 REAL, flag INTEGER, fixed TEXT, vl TEXT, ob TEXT, day TEXT)")
    import datetime
    epoch = datetime.date(1970, 1, 1)
    for cols, valid in parts:
        n = len(cols["id"])
        rows = []
        for i in range(n):
            rows.append((
                int(cols["id"][i]), int(cols["i8"][i]), int(cols["u16"][i]),
                int(cols["i32"][i]), float(cols["f32"][i]),
                float(cols["f64"][i]) if valid["f64"][i] else None,
                int(bool(cols["flag"][i])), cols["fixed"][i].decode(), cols["vl"][i],
                cols["ob"][i] if valid["ob"][i] else None,
                (epoch + datetime.timedelta(days=int(cols["day"][i]))).isoformat()))
        db.executemany("INSERT INTO t VALUES (" + ",".join("?" * 11) + ")", rows)


# ---- cases ----

def cases_read(k):
    rng = np.random.default_rng(13)
    d = os.path.join(W, "h5in")
    os.makedirs(d, exist_ok=True)
    # Three files of one glob: 3000 rows, none, 70000 rows (beyond one 65536-row batch).
    parts = [table_data(rng, 3000), table_data(rng, 0, 3000), table_data(rng, 70000, 3000)]
    for i, (c, v) in enumerate(parts):
        write_h5(os.path.join(d, f"part{i}.h5"), "/tab", c, v)
    db = sqlite3.connect(":memory:")
    load_sqlite(db, parts)
    src = f"read_hdf5('{d}/part*.h5', '/tab')"
    if match(k, "read_all"):
        check_query("read_all", f"SELECT * FROM {src};", db, "SELECT * FROM t")
    if match(k, "read_group_by"):
        check_query("read_group_by",
                    f"SELECT fixed, count(*) AS n, sum(i32) AS s, avg(f64) AS a, min(vl) AS "
                    f"lo, count(ob) AS nob, max(day) AS d FROM {src} GROUP BY fixed;", db,
                    "SELECT fixed, count(*) AS n, sum(i32) AS s, avg(f64) AS a, min(vl) AS lo,"
                    " count(ob) AS nob, max(day) AS d FROM t GROUP BY fixed")
    if match(k, "read_filter_nulls"):
        check_query("read_filter_nulls",
                    f"SELECT count(*) AS n, count(f64) AS nf, sum(u16) AS su, sum(i8) AS s8 "
                    f"FROM read_hdf5(['{d}/part0.h5', '{d}/part2.h5'], group='/tab') "
                    f"WHERE flag AND ob IS NULL;", db,
                    "SELECT count(*) AS n, count(f64) AS nf, sum(u16) AS su, sum(i8) AS s8 "
                    "FROM t WHERE flag AND ob IS NULL")
    if match(k, "read_strings"):
        check_query("read_strings",
                    f"SELECT id, fixed, vl, ob FROM {src} WHERE id % 97 = 3 OR vl = '';", db,
                    "SELECT id, fixed, vl, ob FROM t WHERE id % 97 = 3 OR vl = ''",
                    ranks=(1, 4))
    if match(k, "read_io"):
        # Collective MPI-IO reads (forced even with unequal shares: 73000 rows at 3 ranks)
        # and independent reads (forced where auto would be collective) give the same rows.
        for io, ranks in (("collective", (1, 3)), ("independent", (2, 4))):
            check_query(f"read_io_{io}", f"SELECT * FROM read_hdf5('{d}/part*.h5', '/tab', "
                        f"io='{io}');", db, "SELECT * FROM t", ranks=ranks)
        # auto: collective where every rank reads as many rows (73000 = 2 x 36500), else not.
        for n, want in ((2, "collective MPI-IO reads"), (3, "independent reads")):
            rc, o, e = run_job(f"EXPLAIN SELECT count(*) FROM {src};", n)
            ok = rc == 0 and want in o + e
            report(ok, f"read_io_auto np={n}", "" if ok else f"no {want!r}: {(o + e)[-600:]}")
        # A failure on rank 0 only, in its first collective round (the row with id 5, in the
        # first file), while the others have rounds of the last file to go: rank 0 takes part
        # in them with no rows, so every rank reports the error and none is left waiting.
        check_error("read_io_collective_failure",
                    f"SELECT id, CAST(CASE WHEN id = 5 THEN 'x' ELSE '1' END AS BIGINT) "
                    f"AS c FROM read_hdf5('{d}/part*.h5', '/tab', io='collective');", 10,
                    'Could not convert string "x" to BIGINT', ranks=(2, 4))
        check_error("read_io_bad", f"SELECT * FROM read_hdf5('{d}/part0.h5', io='fast');", 3,
                    "option io must be 'auto', 'collective' or 'independent'", ranks=(1,))
    if match(k, "read_coll_agree"):
        coll_agree_cases(d)
    # Column order without a creation-order index: names in order.
    if match(k, "read_name_order"):
        p = os.path.join(d, "names.h5")
        with h5py.File(p, "w") as f:
            g = f.create_group("g")
            g["zeta"] = np.arange(5, dtype=np.int64)
            g["alpha"] = np.arange(5, dtype=np.float64) / 2
            g["mid"] = np.array([b"a", b"b", b"c", b"d", b"e"])
        db2 = sqlite3.connect(":memory:")
        db2.execute("CREATE TABLE g (alpha REAL, mid TEXT, zeta INTEGER)")
        db2.executemany("INSERT INTO g VALUES (?,?,?)",
                        [(i / 2, "abcde"[i], i) for i in range(5)])
        check_query("read_name_order", f"SELECT * FROM read_hdf5('{p}', '/g');", db2,
                    "SELECT * FROM g", ranks=(1, 2, 5))
    # More ranks than rows: ranks with no rows.
    if match(k, "read_tiny"):
        p = os.path.join(d, "tiny.h5")
        with h5py.File(p, "w") as f:
            f["x"] = np.array([7, 8], dtype=np.int64)
        db3 = sqlite3.connect(":memory:")
        db3.execute("CREATE TABLE r (x INTEGER)")
        db3.executemany("INSERT INTO r VALUES (?)", [(7,), (8,)])
        check_query("read_tiny", f"SELECT x, x * 2 AS y FROM read_hdf5('{p}');", db3,
                    "SELECT x, x * 2 AS y FROM r", ranks=(1, 3, 5))
    if match(k, "read_errors"):
        bad = os.path.join(d, "bad.h5")
        with h5py.File(bad, "w") as f:
            g = f.create_group("uneq")
            g["a"] = np.arange(5)
            g["b"] = np.arange(6)
            g2 = f.create_group("twod")
            g2["m"] = np.zeros((3, 3))
            g3 = f.create_group("cmpd")
            g3["c"] = np.zeros(3, dtype=[("p", "i4"), ("q", "f8")])
        with open(os.path.join(d, "text.h5"), "w") as f:
            f.write("not hdf5\n")
        check_error("read_err_missing", f"SELECT * FROM read_hdf5('{d}/nope.h5');", 4,
                    f"read_hdf5: file not found: '{d}/nope.h5'")
        check_error("read_err_group", f"SELECT * FROM read_hdf5('{bad}', '/none');", 5,
                    f"read_hdf5: '{bad}' has no group '/none'")
        check_error("read_err_unequal", f"SELECT * FROM read_hdf5('{bad}', '/uneq');", 5,
                    "columns of unequal length in '/uneq': 'a' has 5 rows, 'b' 6")
        check_error("read_err_2d", f"SELECT * FROM read_hdf5('{bad}', '/twod');", 5,
                    "dataset 'm' is not one-dimensional (2 dimensions)")
        check_error("read_err_compound", f"SELECT * FROM read_hdf5('{bad}', '/cmpd');", 5,
                    "dataset 'c' has a type sluice cannot read")
        check_error("read_err_not_hdf5", f"SELECT * FROM read_hdf5('{d}/text.h5');", 5,
                    f"read_hdf5: cannot open '{d}/text.h5' as an HDF5 file")
        check_error("read_err_option", f"SELECT * FROM read_hdf5('{bad}', grup='/a');", 3,
                    "unknown read_hdf5 option", ranks=(1,))


def coll_agree_cases(d):
    """Collective reads (io='collective') where only some ranks fail: every rank must exit
    non-zero naming the failure, none left waiting in a collective HDF5 call (a hang is
    timeout's exit 124 after TIMEOUT seconds, a bound only a hang reaches)."""
    # Offsets that decrease only in the last rank's share (rows 90/91 of 100): it finds the
    # bad data after the collective read of the offsets, while the others go on to read the
    # bytes. No fault injection needed.
    bad = os.path.join(d, "coll_bad_offsets.h5")
    off = np.arange(101, dtype=np.int64) * 3
    off[91] = off[90] - 10
    with h5py.File(bad, "w") as f:
        g = f.create_group("t")
        g["s__offsets"] = off
        g["s__bytes"] = np.frombuffer(b"abc" * 100, dtype=np.uint8)
    check_error("read_coll_agree_offsets", f"SELECT count(*) AS n, count(s) AS c FROM "
                f"read_hdf5('{bad}', '/t', io='collective');", 5,
                "read_hdf5: '%s': offsets of 's' decrease" % bad, ranks=(2, 3))
    # Faults injected on rank 1 (SLUICE_FAULT "read" counts, on every rank alike: 1 the open
    # of part0.h5; 2-4 its round's reads of ob__offsets, ob__bytes, ob__valid; 5 the open of
    # part2.h5; 6-8 its round's reads): the open, a read with more reads of the same column
    # to go in the round, and the schedule's last read.
    if not SLUICE_FI or not os.path.exists(SLUICE_FI):
        skip("read_coll_agree_fault", "no fault-injection build (SLUICE_FI; make formats "
             "builds it)")
        return
    sql = (f"SELECT count(*) AS n, count(ob) AS c FROM read_hdf5('{d}/part*.h5', '/tab', "
           f"io='collective');")
    for spec in ("read:1@rank1", "read:2@rank1", "read:8@rank1"):
        for n in (2, 3):
            rc, _, e = run_job(sql, n, fault=spec)
            said = sum(1 for ln in e.splitlines()
                       if "injected fault" in ln and f"SLUICE_FAULT={spec}" in ln and
                       ": error: " in ln)
            ok = rc not in (0, 124) and said == n
            why = ("" if ok else "hang (timeout)" if rc == 124 else
                   f"exit {rc}, {said} of {n} ranks named the fault: {e.strip()[-400:]}")
            report(ok, f"read_coll_agree_fault {spec} np={n}", why)


def h5py_table(path, group):
    """The table in path/group as h5py sees it (no sluice code): (names, rows) with
    offsets + bytes strings, validity datasets and sluice_type DATE applied."""
    import datetime
    epoch = datetime.date(1970, 1, 1)
    with h5py.File(path, "r") as f:
        g = f[group]
        names = []
        for k in g.keys():  # creation order when the group tracks it
            if k.endswith("__valid") or k.endswith("__bytes"):
                continue
            names.append(k[:-len("__offsets")] if k.endswith("__offsets") else k)
        cols = []
        n = None
        for name in names:
            if name + "__offsets" in g:
                off = g[name + "__offsets"][:]
                raw = g[name + "__bytes"][:].tobytes()
                vals = [raw[off[i]:off[i + 1]].decode() for i in range(len(off) - 1)]
            else:
                d = g[name]
                vals = d[:].tolist()
                if d.attrs.get("sluice_type") in ("DATE", b"DATE"):
                    vals = [(epoch + datetime.timedelta(days=v)).isoformat() for v in vals]
            if name + "__valid" in g:
                ok = g[name + "__valid"][:]
                vals = [v if ok[i] else None for i, v in enumerate(vals)]
            cols.append(vals)
            n = len(vals)
        rows = [tuple(norm(c[i]) for c in cols) for i in range(n or 0)]
    return names, rows


def manifest_ok(out, rows):
    """'' when out/_SUCCESS lists exactly the files in out with their sizes and rows."""
    import json
    with open(os.path.join(out, "_SUCCESS")) as f:
        m = json.load(f)
    files = sorted(x for x in os.listdir(out) if x != "_SUCCESS")
    listed = sorted(x["path"] for x in m["files"])
    if files != listed:
        return f"files {files} but manifest lists {listed}"
    for x in m["files"]:
        size = os.path.getsize(os.path.join(out, x["path"]))
        if size != x["bytes"]:
            return f"{x['path']}: {size} bytes, manifest says {x['bytes']}"
    if m["total_rows"] != rows or m["format"] != "hdf5":
        return f"manifest total_rows {m['total_rows']} format {m['format']}, want {rows} hdf5"
    return ""


def check_copy_h5(name, sql_tpl, db, oracle_sql, group, ranks=(1, 2, 3, 5), extra=None):
    """COPY to a fresh directory at each rank count; the file is read by h5py and h5dump."""
    cur = db.execute(oracle_sql)
    want = [tuple(norm(x) for x in r) for r in cur.fetchall()]
    want_hdr = [d[0] for d in cur.description]
    for n in ranks:
        out = os.path.join(W, f"{name}-np{n}")
        rc, _, errtext = run_job(sql_tpl.replace("${out}", out), n)
        if rc != 0:
            report(False, f"{name} np={n}", exit_why(rc, errtext))
            continue
        files = [x for x in os.listdir(out) if x.endswith(".h5")]
        if len(files) != 1:
            report(False, f"{name} np={n}", f"expected one .h5 file, found {files}")
            continue
        path = os.path.join(out, files[0])
        why = manifest_ok(out, len(want))
        if not why:
            d = subprocess.run(["h5dump", "-H", path], capture_output=True, text=True)
            if d.returncode != 0:
                why = f"h5dump failed: {d.stderr[-300:]}"
        if not why:
            names, got = h5py_table(path, group)
            why = (f"columns {names}, expected {want_hdr}" if names != want_hdr
                   else same_rows(got, want))
        if not why and extra:
            why = extra(path)
        if not why and [x for x in os.listdir(W) if ".sluice-tmp" in x]:
            why = "a temporary directory was left behind"
        report(not why, f"{name} np={n}", why)


def cases_write(k):
    rng = np.random.default_rng(7)
    d = os.path.join(W, "h5w")
    os.makedirs(d, exist_ok=True)
    parts = [table_data(rng, 2500), table_data(rng, 1500, 2500)]
    for i, (c, v) in enumerate(parts):
        write_h5(os.path.join(d, f"in{i}.h5"), "/tab", c, v)
    db = sqlite3.connect(":memory:")
    load_sqlite(db, parts)
    src = f"read_hdf5('{d}/in*.h5', '/tab')"
    cols = "id, i32, f64, flag, fixed, vl, ob, day"
    if match(k, "write_types"):
        def note(path):
            # COPY's manifest kept in the group: rows per rank add up to the file's rows.
            import json
            with h5py.File(path, "r") as f:
                m = f["/result/t"].attrs.get("sluice_manifest")
            if m is None:
                return "no sluice_manifest attribute"
            m = json.loads(m)
            if (m["rows"] != 4000 or sum(m["rank_rows"]) != 4000 or m["partition"] is not None
                    or m["format"] != "hdf5" or len(m["rank_rows"]) != m["ranks"]):
                return f"sluice_manifest {m}"
            return ""
        check_copy_h5("write_types",
                      f"COPY (SELECT {cols} FROM {src}) TO '${{out}}' (FORMAT hdf5, GROUP "
                      f"'/result/t');", db, f"SELECT {cols} FROM t", "/result/t", extra=note)
    if match(k, "write_partition"):
        write_partitioned(src, db)
    if match(k, "write_gzip"):
        def gz(path):
            with h5py.File(path, "r") as f:
                ds = f["/id"]
                if ds.compression != "gzip" or ds.chunks != (1000,):
                    return f"id: compression {ds.compression} chunks {ds.chunks}"
            return ""
        check_copy_h5("write_gzip",
                      f"COPY (SELECT id, fixed, f64 FROM {src} WHERE id % 3 <> 1) TO "
                      f"'${{out}}' (FORMAT hdf5, CHUNK_ROWS 1000, COMPRESSION 'gzip');", db,
                      "SELECT id, fixed, f64 FROM t WHERE id % 3 <> 1", "/", ranks=(1, 3),
                      extra=gz)
    if match(k, "write_empty"):
        check_copy_h5("write_empty",
                      f"COPY (SELECT id, vl, flag FROM {src} WHERE id < 0) TO '${{out}}' "
                      f"(FORMAT hdf5);", db, "SELECT id, vl, flag FROM t WHERE id < 0", "/",
                      ranks=(1, 3))
    if match(k, "write_sums"):
        # sum() of integers is a HUGEINT (issue 17): FORMAT hdf5 writes it as int64
        check_copy_h5("write_sums",
                      f"COPY (SELECT fixed, sum(i32) AS s, count(*) AS n FROM {src} GROUP BY "
                      f"fixed) TO '${{out}}' (FORMAT hdf5);", db,
                      "SELECT fixed, sum(i32) AS s, count(*) AS n FROM t GROUP BY fixed", "/",
                      ranks=(1, 3))
    if match(k, "write_few_rows"):
        # Fewer rows than ranks: ranks with no rows still take part.
        check_copy_h5("write_few_rows",
                      f"COPY (SELECT id, ob, f64 FROM {src} WHERE id IN (5, 3000)) TO "
                      f"'${{out}}' (FORMAT hdf5);", db,
                      "SELECT id, ob, f64 FROM t WHERE id IN (5, 3000)", "/", ranks=(3, 5))
    if match(k, "write_late_null"):
        # A column's first NULL after whole batches of valid rows (65536 rows a batch: at np=1
        # the third batch), under a filter's selection: the rows staged before it must read
        # back valid, the NULLs as NULLs (the writer stages validity only from a first NULL).
        ln = os.path.join(d, "late.csv")
        lrows = []
        with open(ln, "w") as f:
            f.write("id,x,s,v\n")
            for i in range(200000):
                x = None if i >= 180000 and i % 7 == 0 else i * 3 - 1000
                s = None if i >= 140000 and i % 5 == 0 else f"s{i % 97}"
                v = i * 0.25
                f.write(f"{i},{'' if x is None else x},{'' if s is None else s},{v!r}\n")
                if i % 3 != 1:
                    lrows.append((i, x, s, v))
        db.execute("CREATE TABLE late (id INTEGER, x INTEGER, s TEXT, v REAL)")
        db.executemany("INSERT INTO late VALUES (?,?,?,?)", lrows)
        check_copy_h5("write_late_null",
                      f"COPY (SELECT * FROM read_csv('{ln}') WHERE id % 3 <> 1) TO "
                      f"'${{out}}' (FORMAT hdf5);", db, "SELECT * FROM late", "/",
                      ranks=(1, 2))
    if match(k, "write_roundtrip"):
        # CSV -> HDF5 -> CSV: the CSV read back is byte for byte the one written first.
        c0 = os.path.join(W, "rt-csv0")
        rc, _, e = run_job(f"COPY (SELECT {cols} FROM {src} ORDER BY id) TO '{c0}' "
                           f"(FORMAT csv);", 1)
        first = os.path.join(c0, "part-0-0.csv")
        decl = ("{'id': 'BIGINT', 'i32': 'BIGINT', 'f64': 'DOUBLE', 'flag': 'BOOLEAN', "
                "'fixed': 'VARCHAR', 'vl': 'VARCHAR', 'ob': 'VARCHAR', 'day': 'DATE'}")
        for n in (1, 2, 4):
            h = os.path.join(W, f"rt-h5-{n}")
            c1 = os.path.join(W, f"rt-csv1-{n}")
            why = f"first COPY exit {rc}: {e[-300:]}" if rc else ""
            if not why:
                rc2, _, e2 = run_job(
                    f"COPY (SELECT * FROM read_csv('{first}', columns={decl})) TO '{h}' "
                    f"(FORMAT hdf5);\nCOPY (SELECT * FROM read_hdf5('{h}/part-shared.h5')) "
                    f"TO '{c1}' (FORMAT csv);", n)
                why = f"exit {rc2}: {e2[-300:]}" if rc2 else ""
            if not why:
                if n == 1:
                    got = open(os.path.join(c1, "part-0-0.csv"), "rb").read()
                else:  # the parts in manifest order are the file's rows in order
                    import json
                    m = json.load(open(os.path.join(c1, "_SUCCESS")))
                    body = [open(os.path.join(c1, x["path"]), "rb").read()
                            for x in sorted(m["files"], key=lambda x: int(
                                x["path"].split("-")[1]))]
                    got = body[0] + b"".join(b.split(b"\n", 1)[1] for b in body[1:])
                if got != open(first, "rb").read():
                    why = "the CSV read back differs from the CSV written first"
            report(not why, f"write_roundtrip np={n}", why)
    if match(k, "write_errors"):
        check_error("write_err_option",
                    f"COPY (SELECT id FROM {src}) TO '{W}/oe' (FORMAT hdf5, COMPRESSION "
                    f"'lz77');", 3, "option COMPRESSION for FORMAT hdf5 is 'gzip' or 'none'",
                    ranks=(1,))
        # A failure while the rows are staged leaves no target and no temporary directory.
        out = os.path.join(W, "fail-out")
        for n in (1, 3):
            rc, _, e = run_job(f"COPY (SELECT id, CAST(fixed AS BIGINT) AS x FROM {src}) TO "
                               f"'{out}' (FORMAT hdf5);", n)
            left = [x for x in os.listdir(W) if x.startswith("fail-out")]
            ok = rc != 0 and "fixed" not in left and not left
            report(ok, f"write_err_runtime np={n}",
                   "" if ok else f"exit {rc}, left {left}: {e[-300:]}")


def write_partitioned(src, db):
    """COPY (FORMAT hdf5, PARTITION_BY (fx)): one shared file per partition in a hive-style
    directory fx=<percent-encoded value> (NULL: fx=NULL), read by h5py: each file holds the
    rows sqlite3 gives for its value (recorded in the group's sluice_manifest attribute, and
    the same as the directory's name), every value has one file, _SUCCESS lists them all."""
    import json
    import urllib.parse
    fx = "CASE WHEN id % 11 = 0 THEN NULL ELSE fixed END"
    for n, where in ((1, "id % 5 <> 0"), (3, "id % 5 <> 0"), (5, "id < 3 OR id = 3999")):
        out = os.path.join(W, f"part-np{n}")
        rc, _, e = run_job(f"COPY (SELECT id, {fx} AS fx, f64, ob FROM {src} WHERE {where}) "
                           f"TO '{out}' (FORMAT hdf5, PARTITION_BY (fx), GROUP '/r');", n)
        why = f"exit {rc}: {e[-300:]}" if rc else ""
        vals = [r[0] for r in db.execute(f"SELECT DISTINCT {fx} FROM t WHERE {where}")]
        seen = []
        if not why:
            with open(os.path.join(out, "_SUCCESS")) as f:
                listed = sorted(x["path"] for x in json.load(f)["files"])
            found = sorted(os.path.relpath(p, out) for p in glob.glob(f"{out}/*/*.h5"))
            if listed != found or len(found) != len(vals):
                why = f"files {found}, manifest {listed}, {len(vals)} values"
        for rel in ([] if why else found):
            with h5py.File(os.path.join(out, rel), "r") as f:
                m = json.loads(f["/r"].attrs["sluice_manifest"])
            v = m["partition"]["fx"]
            seen.append(v)
            d = urllib.parse.unquote(rel.split("/")[0])
            if d != "fx=" + ("NULL" if v is None else v) or m["ranks"] != n:
                why = f"{rel}: directory {d!r}, sluice_manifest {m}"
                break
            cond = "IS NULL" if v is None else "= ?"
            want = [tuple(norm(x) for x in r) for r in db.execute(
                f"SELECT id, f64, ob FROM t WHERE ({where}) AND {fx} {cond}",
                () if v is None else (v,))]
            names, got = h5py_table(os.path.join(out, rel), "/r")
            why = (f"{rel}: columns {names}" if names != ["id", "f64", "ob"] else
                   f"{rel}: rank_rows {m['rank_rows']}" if sum(m["rank_rows"]) != len(want)
                   else same_rows(got, want))
            if why:
                break
        if not why and sorted(map(str, seen)) != sorted(map(str, vals)):
            why = f"partitions {seen}, expected {vals}"
        report(not why, f"write_partition np={n}", why)


def cases_prune(k):
    """Chunk skipping: COPY (FORMAT hdf5, CHUNK_ROWS 1000) at 3 ranks records each chunk's
    min/max; queries with simple conjuncts on those columns must give sqlite3's answers at 1-3
    ranks (a chunk with a NaN, an all-NULL chunk, BETWEEN, a constant on the left, DATE), and
    EXPLAIN ANALYZE counts the chunks read and skipped as the chunk arithmetic says."""
    if not match(k, "prune"):
        return
    import datetime
    n = 20000
    ids = np.arange(n, dtype=np.int64)
    kk = (ids * 7919) % 97
    x = ids * 0.5
    x[3500] = np.nan
    xv = np.ones(n, dtype=np.uint8)
    xv[5000:6000] = 0          # chunk 5 has no values
    day = ids // 10
    # a sorted string (ids 6000-6999 NULL: an all-NULL chunk) and an unsorted one
    sv = ["k%05d" % i for i in range(n)]
    svalid = (ids < 6000) | (ids >= 7000)
    wv = ["w%d" % int(v) for v in kk]
    src_in = os.path.join(W, "prune-in.h5")
    with h5py.File(src_in, "w") as f:
        g = f.create_group("t", track_order=True)
        g["id"] = ids
        g["k"] = kk
        g["x"] = x
        g["x__valid"] = xv
        g.create_dataset("day", data=day).attrs["sluice_type"] = "DATE"
        g.create_dataset("s", data=sv, dtype=h5py.string_dtype("utf-8"))
        g["s__valid"] = svalid.astype(np.uint8)
        g.create_dataset("w", data=np.array(wv, dtype="S4"))
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (id INTEGER, k INTEGER, x REAL, day TEXT, s TEXT, w TEXT)")
    epoch = datetime.date(1970, 1, 1)
    db.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", [
        (int(ids[i]), int(kk[i]), None if not xv[i] or np.isnan(x[i]) else float(x[i]),
         (epoch + datetime.timedelta(days=int(day[i]))).isoformat(),
         sv[i] if svalid[i] else None, wv[i]) for i in range(n)])
    out = os.path.join(W, "prune-out")
    rc, _, e = run_job(f"COPY (SELECT * FROM read_hdf5('{src_in}', '/t')) TO '{out}' "
                       f"(FORMAT hdf5, CHUNK_ROWS 1000);", 3)
    if rc:
        report(False, "prune_copy", f"exit {rc}: {e[-300:]}")
        return
    src = f"read_hdf5('{out}/part-shared.h5')"
    for name, where, osql in (
            ("range", "id >= 12345 AND id < 13500", None),
            # the chunk holding a NaN is never skipped; NaN is above every number (DuckDB's
            # order), so it is outside these ranges
            ("nan_chunk", "x >= 1000 AND x <= 3100", None),
            ("nan_between", "x BETWEEN 1000 AND 3100", None),
            ("null_chunk", "x > 2000.5 AND x <= 3100", None),
            ("between", "id BETWEEN 4500 AND 6100", None),
            ("const_left", "19990 < id", None),
            ("date", "day = '1970-01-05'", None),
            ("unsorted_and", "k = 5 AND id <= 2999", None)):
        check_query(f"prune_{name}", f"SELECT id, k, x, day FROM {src} WHERE {where};", db,
                    f"SELECT id, k, x, day FROM t WHERE {osql or where}", ranks=(1, 2, 3))
    # Strings: the bounds COPY records (bytewise, as sqlite3's BINARY collation compares),
    # over the sluice-written file and, by late materialization, over the h5py one.
    for name, where in (("str_eq", "s = 'k12345'"),
                        ("str_between", "s BETWEEN 'k04500' AND 'k07100'"),
                        ("str_lt", "'k00100' > s"),
                        ("str_prefix", "s >= 'k1' AND s < 'k10'"),
                        ("str_unsorted", "w = 'w5' AND s <= 'k02999'")):
        for f, tag, ranks in ((src, "", (1, 3)), (f"read_hdf5('{src_in}', '/t')", "_h5py",
                                                   (2,))):
            check_query(f"prune_{name}{tag}", f"SELECT id, s, w FROM {f} WHERE {where};", db,
                        f"SELECT id, s, w FROM t WHERE {where}", ranks=ranks)
    # s BETWEEN 'k04500' AND 'k07100' at 1 rank: chunks 4-7 hold it, chunk 6 has no value.
    for f, tag in ((src, "sluice"), (f"read_hdf5('{src_in}', '/t')", "h5py")):
        rc, o, e = run_job(f"EXPLAIN ANALYZE SELECT count(*) FROM {f} WHERE s BETWEEN 'k04500' "
                           f"AND 'k07100';", 1)
        got = scan_actual(o + e)
        # the h5py file is contiguous: granules of 4096 rows (1-1 hold the range, 0 and 2-4 not)
        exp = dict(read=3, skipped=17, rows=3000) if tag == "sluice" else \
            dict(read=1, skipped=4, rows=4096)
        ok = rc == 0 and got == exp
        report(ok, f"prune_str_explain_{tag} np=1", "" if ok else
               f"exit {rc}, scan {got}, expected {exp}: {(o + e)[-700:]}")
    # Only the NaN is above 1e300 (sqlite3 holds it as NULL: the oracle names its row)
    check_query("prune_above_all", f"SELECT id, k, CASE WHEN x = 'NaN'::DOUBLE THEN 'is NaN' "
                f"END AS x, day FROM {src} WHERE x > 1e300;", db,
                "SELECT id, k, 'is NaN' AS x, day FROM t WHERE id = 3500", ranks=(1, 2, 3))
    # Rank 0 reads rows 0-9999 (chunks 0-9, all ruled out), rank 1 rows 10000-19999: it reads
    # chunks 12 and 13 and skips the 8 others.
    rc, o, e = run_job(f"EXPLAIN ANALYZE SELECT count(*) FROM {src} WHERE id >= 12345 AND "
                       f"id < 13500;", 2)
    want = "-> chunks: read 2, skipped 18 (by their min/max)"
    ok = rc == 0 and want in o + e
    report(ok, "prune_explain_analyze np=2", "" if ok else f"exit {rc}, no {want!r} in: "
           f"{(o + e)[-900:]}")


def late_file(path, key, sk, skv, u, pay, gzip):
    """A table as h5py writes it (no sluice statistics), chunks of 1000 rows: a sorted key,
    a sorted sk with validity, an unsorted u and wide payload columns (doubles with validity,
    variable-length, fixed and offsets + bytes strings)."""
    kw = dict(chunks=(1000,), compression="gzip", compression_opts=1) if gzip else \
        dict(chunks=(1000,))
    with h5py.File(path, "w") as f:
        g = f.create_group("t", track_order=True)
        g.create_dataset("key", data=key, **kw)
        g.create_dataset("sk", data=sk, **kw)
        g.create_dataset("sk__valid", data=skv.astype(np.uint8), **kw)
        g.create_dataset("u", data=u, **kw)
        g.create_dataset("p", data=pay["p"], **kw)
        g.create_dataset("p__valid", data=pay["pv"].astype(np.uint8), **kw)
        g.create_dataset("vl", data=pay["vl"], dtype=h5py.string_dtype("utf-8"), **kw)
        g.create_dataset("fx", data=pay["fx"], **kw)
        b = [x.encode() for x in pay["ob"]]
        off = np.zeros(len(b) + 1, dtype=np.int64)
        off[1:] = np.cumsum([len(x) for x in b])
        g.create_dataset("ob__offsets", data=off, **kw)
        g.create_dataset("ob__bytes", data=np.frombuffer(b"".join(b), dtype=np.uint8))


def scan_actual(text):
    """The Scan's '-> actual: rows in A, rows out B' and '-> chunks: read R, skipped S'
    numbers of EXPLAIN ANALYZE's text (None where absent)."""
    import re
    lines = text.splitlines()
    out = {}
    for i, ln in enumerate(lines):
        if "Scan read_hdf5" not in ln:
            continue
        for nx in lines[i + 1:i + 5]:
            m = re.search(r"-> actual: rows in (\d+), rows out (\d+)", nx)
            if m:
                out["rows"] = int(m.group(2))
            m = re.search(r"-> chunks: read (\d+), skipped (\d+)", nx)
            if m:
                out["read"], out["skipped"] = int(m.group(1)), int(m.group(2))
    return out


def cases_late(k):
    """Chunk skipping on files sluice did not write (h5py, no statistics): the scan reads the
    conjuncts' columns first and the payload only for the chunks where some row can pass
    (late materialization). Rows equal sqlite3's at 1-3 ranks and 4 (oversubscribed), with
    independent and collective reads, chunked and gzip-chunked; EXPLAIN ANALYZE counts the
    chunks skipped and the Scan's rows drop to the chunks read; an unsorted column skips
    nothing; NULLs of validity datasets never pass."""
    if not match(k, "late"):
        return
    n = 30000
    rng = np.random.default_rng(131)
    ids = np.arange(n, dtype=np.int64)
    key = ids * 2 + 1000                      # sorted: chunk c holds 1000+2000c..2998+2000c
    sk = ids / 4.0                            # sorted double; chunk 7 all NULL, some others
    skv = rng.random(n) > 0.05
    skv[7000:8000] = False
    u = rng.integers(0, 50, n, dtype=np.int64)  # unsorted
    words = np.array([b"ab", b"", b"c,d", b"e f"])
    pay = dict(p=rng.standard_normal(n), pv=rng.random(n) > 0.2,
               vl=[("é" * int(x)) + "v" + str(int(x)) for x in rng.integers(0, 9, n)],
               fx=words[rng.integers(0, 4, n)].astype("S4"),
               ob=[("z%d" % int(x)) * int(x % 3) for x in rng.integers(0, 99, n)])
    plain, gz = os.path.join(W, "late.h5"), os.path.join(W, "late-gz.h5")
    late_file(plain, key, sk, skv, u, pay, False)
    late_file(gz, key, sk, skv, u, pay, True)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (key INTEGER, sk REAL, u INTEGER, p REAL, vl TEXT, fx TEXT, "
               "ob TEXT)")
    db.executemany("INSERT INTO t VALUES (?,?,?,?,?,?,?)", [
        (int(key[i]), float(sk[i]) if skv[i] else None, int(u[i]),
         float(pay["p"][i]) if pay["pv"][i] else None, pay["vl"][i],
         pay["fx"][i].decode(), pay["ob"][i]) for i in range(n)])
    cols = "key, sk, u, p, vl, fx, ob"
    for name, f, io, where, ranks in (
            ("between", plain, "", "key BETWEEN 20001 AND 24010", (1, 2, 3, 4)),
            ("eq", plain, "", "key = 41234", (1, 4)),
            ("eq_coll", plain, ", io='collective'", "key = 41234", (3,)),
            ("between_coll", plain, ", io='collective'", "key BETWEEN 20001 AND 44010",
             (2, 4)),
            ("gzip_between", gz, "", "key >= 57000 AND key < 58500", (1, 3)),
            ("gzip_coll", gz, ", io='collective'", "3000 > key", (2,)),
            ("sorted_nulls", plain, "", "sk >= 1600 AND sk <= 2100", (1, 3)),
            ("sorted_nulls_coll", plain, ", io='collective'", "sk BETWEEN 1600 AND 2100",
             (2,)),
            ("unsorted", plain, "", "u = 7", (1, 3)),
            ("unsorted_and", gz, "", "u <= 3 AND key < 9000", (3,)),
            ("none", plain, "", "key > 99999999", (2,))):
        check_query(f"late_{name}", f"SELECT {cols} FROM read_hdf5('{f}', '/t'{io}) "
                    f"WHERE {where};", db, f"SELECT {cols} FROM t WHERE {where}", ranks=ranks)
    # One rank, 30 chunks: key BETWEEN 20001 AND 24010 touches chunks 9-11 (rows 9500-11505);
    # u has every value in every chunk (nothing skipped); sk is NULL in all of chunk 7, so
    # sk >= 1750 AND sk < 2000 (rows 7000-7999) can pass nowhere.
    for name, f, where, want in (
            ("between", plain, "key BETWEEN 20001 AND 24010", (3, 27, 3000)),
            ("gzip_eq", gz, "key = 41234", (1, 29, 1000)),
            ("unsorted", plain, "u = 7", (30, 0, 30000)),
            ("all_null", plain, "sk >= 1750 AND sk < 2000", (0, 30, 0))):
        rc, o, e = run_job(f"EXPLAIN ANALYZE SELECT {cols} FROM read_hdf5('{f}', '/t') "
                           f"WHERE {where};", 1)
        got = scan_actual(o + e)
        exp = dict(read=want[0], skipped=want[1], rows=want[2])
        ok = rc == 0 and got == exp
        report(ok, f"late_explain_{name} np=1", "" if ok else
               f"exit {rc}, scan {got}, expected {exp}: {(o + e)[-700:]}")
    # Collective reads with a fault on rank 1 in the conjunct's column (read 2: after the
    # file's open) and in a payload column (read 3, ob__offsets): every rank names it.
    if not SLUICE_FI or not os.path.exists(SLUICE_FI):
        skip("late_coll_fault", "no fault-injection build (SLUICE_FI; make formats builds it)")
        return
    sql = (f"SELECT count(*) AS n, count(ob) AS c FROM read_hdf5('{plain}', '/t', "
           f"io='collective') WHERE key BETWEEN 20001 AND 44010;")
    for spec, n in (("read:2@rank1", 2), ("read:3@rank1", 3)):
        rc, _, e = run_job(sql, n, fault=spec)
        said = sum(1 for ln in e.splitlines() if "injected fault" in ln and
                   f"SLUICE_FAULT={spec}" in ln and ": error: " in ln)
        ok = rc not in (0, 124) and said == n
        report(ok, f"late_coll_fault {spec} np={n}", "" if ok else "hang (timeout)" if
               rc == 124 else f"exit {rc}, {said} of {n} ranks named the fault: {e[-400:]}")


def cases_big(k):
    """1e7 rows in chunked gzip datasets (h5py) read at 2 ranks, written back at 2 ranks with
    gzip and compared value by value by h5py."""
    if not match(k, "big_1e7"):
        return
    n = 10_000_000
    rng = np.random.default_rng(1)
    kk = rng.integers(0, 100, n, dtype=np.int64)
    vv = rng.integers(0, 1000, n, dtype=np.int64)
    p = os.path.join(W, "big.h5")
    with h5py.File(p, "w") as f:
        g = f.create_group("g", track_order=True)
        g.create_dataset("k", data=kk, chunks=(1 << 18,), compression="gzip",
                         compression_opts=1)
        g.create_dataset("v", data=vv, chunks=(1 << 18,), compression="gzip",
                         compression_opts=1)
    cnt = np.bincount(kk, minlength=100)
    sums = np.bincount(kk, weights=vv, minlength=100).astype(np.int64)
    out = os.path.join(W, "big-out")
    rc, text, e = run_job(
        f"SELECT k, count(*) AS n, sum(v) AS s FROM read_hdf5('{p}', '/g') GROUP BY k;\n"
        f"COPY (SELECT k, v FROM read_hdf5('{p}', '/g')) TO '{out}' (FORMAT hdf5, "
        f"COMPRESSION 'gzip');", 2)
    why = f"exit {rc}: {e[-300:]}" if rc else ""
    if not why:
        recs = sluice_csv.read_records(text)
        got = sorted((int(a), int(b), int(c)) for a, b, c in recs[1:])
        want = [(i, int(cnt[i]), int(sums[i])) for i in range(100) if cnt[i]]
        if got != want:
            why = "group-by over the gzip file differs from numpy's bincount"
    if not why:
        with h5py.File(os.path.join(out, "part-shared.h5"), "r") as f:
            if f["k"].compression != "gzip":
                why = "the written datasets are not gzip-compressed"
            elif not (np.array_equal(f["k"][:], kk) and np.array_equal(f["v"][:], vv)):
                why = "the 1e7 rows written differ from the rows read"
    report(not why, "big_1e7 np=2", why)


def cases_compressed(k):
    """.csv.gz (Python's gzip) and .csv.zst (the zstd tool) beside a plain .csv, read in one
    glob at 1-5 ranks with tiny block sizes, against sqlite3 loaded by Python's csv module."""
    if not match(k, "csv_compressed"):
        return
    import csv as pycsv
    import gzip
    rng = np.random.default_rng(5)
    d = os.path.join(W, "gz")
    os.makedirs(d, exist_ok=True)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE c (id INTEGER, x REAL, s TEXT)")
    rows_all = []
    texts = []
    for f in range(3):
        rows = []
        for i in range(4000):
            rid = f * 4000 + i
            x = None if i % 11 == 0 else float(rng.standard_normal())
            s = ["plain", "with,comma", 'with "quote"', "two\nlines", ""][i % 5]
            rows.append((rid, x, s))
        buf = __import__("io").StringIO()
        w = pycsv.writer(buf, lineterminator="\n")
        w.writerow(["id", "x", "s"])
        for r in rows:
            # '' must stay '' (quoted), NULL an empty unquoted field
            w.writerow([r[0], "" if r[1] is None else repr(r[1]), r[2] if r[2] else None])
        text = buf.getvalue()
        texts.append(text)
        rows_all += [(r[0], r[1], r[2] if r[2] else None) for r in rows]
    db.executemany("INSERT INTO c VALUES (?,?,?)", rows_all)
    with gzip.open(os.path.join(d, "a.csv.gz"), "wt", newline="") as f:
        f.write(texts[0])
    with open(os.path.join(d, "b.csv"), "w", newline="") as f:
        f.write(texts[1])
    with open(os.path.join(d, "c.csv"), "w", newline="") as f:
        f.write(texts[2])
    z = subprocess.run(["zstd", "-q", "--rm", os.path.join(d, "c.csv"), "-o",
                        os.path.join(d, "c.csv.zst")], capture_output=True)
    if z.returncode != 0:
        skip("csv_compressed", "the zstd tool is missing (scripts/install-deps.sh)")
        return
    cols = "columns={'id': 'BIGINT', 'x': 'DOUBLE', 's': 'VARCHAR'}"
    src = f"read_csv(['{d}/a.csv.gz', '{d}/b.csv', '{d}/c.csv.zst'], {cols}, blocksize=4096)"
    check_query("csv_compressed_all", f"SELECT * FROM {src};", db, "SELECT * FROM c")
    check_query("csv_compressed_agg",
                f"SELECT s, count(*) AS n, sum(x) AS sx, max(id) AS m FROM {src} GROUP BY s;",
                db, "SELECT s, count(*) AS n, sum(x) AS sx, max(id) AS m FROM c GROUP BY s",
                ranks=(1, 3))
    # Inferred types through the decompressed sample.
    check_query("csv_compressed_infer",
                f"SELECT count(*) AS n, sum(id) AS si FROM read_csv('{d}/*.csv.*');", db,
                "SELECT count(*) AS n, sum(id) AS si FROM c WHERE id < 4000 OR id >= 8000",
                ranks=(1, 2))
    # COMPRESSION on COPY: part files read back with Python's gzip and the zstd tool.
    import json
    for z, ext in (("gzip", ".csv.gz"), ("zstd", ".csv.zst")):
        for n in (1, 3):
            out = os.path.join(W, f"zout-{z}-{n}")
            rc, _, e = run_job(f"COPY (SELECT * FROM {src}) TO '{out}' (FORMAT csv, "
                               f"COMPRESSION '{z}');", n)
            why = f"exit {rc}: {e[-300:]}" if rc else ""
            got = []
            if not why:
                m = json.load(open(os.path.join(out, "_SUCCESS")))
                names = sorted(x["path"] for x in m["files"])
                if names != sorted(x for x in os.listdir(out) if x != "_SUCCESS") or \
                        not all(x.endswith(ext) for x in names):
                    why = f"files {names} (want *{ext}, as the manifest lists)"
                for x in names:
                    path = os.path.join(out, x)
                    if z == "gzip":
                        text = gzip.open(path, "rt", newline="").read()
                    else:
                        text = subprocess.run(["zstd", "-dcq", path], capture_output=True,
                                              check=True).stdout.decode()
                    recs = sluice_csv.read_records(text)
                    got += [tuple(norm(parse_num(v)) for v in r) for r in recs[1:]]
            if not why:
                why = same_rows(got, [tuple(norm(v) for v in r) for r in rows_all])
            report(not why, f"csv_compressed_copy_{z} np={n}", why)
    check_error("csv_compressed_err_option",
                f"COPY (SELECT 1 AS x FROM {src}) TO '{W}/zbad' (COMPRESSION 'lzma');", 3,
                "option COMPRESSION for FORMAT csv is 'gzip', 'zstd' or 'none'", ranks=(1,))
    raw = open(os.path.join(d, "a.csv.gz"), "rb").read()
    with open(os.path.join(d, "cut.csv.gz"), "wb") as f:
        f.write(raw[:len(raw) // 2])
    with open(os.path.join(d, "bad.csv.zst"), "wb") as f:
        f.write(b"\x28\xb5\x2f\xfd garbage that is no zstd frame")
    check_error("csv_compressed_err_gz", f"SELECT * FROM read_csv('{d}/cut.csv.gz');", 5,
                f"read_csv: '{d}/cut.csv.gz' is a truncated or corrupt gzip file")
    check_error("csv_compressed_err_zst", f"SELECT * FROM read_csv('{d}/bad.csv.zst');", 5,
                f"read_csv: '{d}/bad.csv.zst' is not a valid zstd file")


def cases_sqlite(k):
    """COPY ... TO 'sqlite:x.db' (TABLE t) read back with Python's sqlite3 module."""
    if not match(k, "sqlite"):
        return
    rng = np.random.default_rng(11)
    d = os.path.join(W, "sq")
    os.makedirs(d, exist_ok=True)
    parts = [table_data(rng, 3000)]
    write_h5(os.path.join(d, "in.h5"), "/tab", *parts[0])
    db = sqlite3.connect(":memory:")
    load_sqlite(db, parts)
    src = f"read_hdf5('{d}/in.h5', '/tab')"
    cols = "id, i8, f64, flag, fixed, vl, ob, day"
    want = [tuple(norm(x) for x in r) for r in db.execute(f"SELECT {cols} FROM t")]
    for n in (1, 2, 3, 5):
        path = os.path.join(d, f"out{n}.db")
        old = sqlite3.connect(path)
        old.execute("CREATE TABLE res (old INTEGER)")
        old.execute("INSERT INTO res VALUES (42)")
        old.commit()
        old.close()
        rc, _, e = run_job(f"COPY (SELECT {cols} FROM {src}) TO 'sqlite:{path}' (TABLE res);",
                           n)
        why = f"exit {rc}: {e[-300:]}" if rc else ""
        if not why:
            con = sqlite3.connect(path)
            cur = con.execute("SELECT * FROM res")
            names = [x[0] for x in cur.description]
            got = [tuple(norm(x) for x in r) for r in cur.fetchall()]
            tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master")]
            con.close()
            why = (f"columns {names}" if names != cols.split(", ") else
                   f"tables {tables}" if tables != ["res"] else same_rows(got, want))
        report(not why, f"sqlite_rows np={n}", why)
        # A failure on the way (a bad cast on some rank) leaves the table as it was.
        rc, _, e = run_job(f"COPY (SELECT id, CAST(fixed AS BIGINT) AS x FROM {src}) TO "
                           f"'sqlite:{path}' (TABLE res);", n)
        con = sqlite3.connect(path)
        after = [tuple(norm(x) for x in r) for r in con.execute("SELECT * FROM res")]
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master")]
        con.close()
        why = "" if rc != 0 else "the failing COPY succeeded"
        why = why or (f"tables {tables}" if tables != ["res"] else same_rows(after, want))
        report(not why, f"sqlite_failure_keeps_table np={n}", why)
    # A failure injected on rank 1 while it stages its rows (write:1) or while it sends them
    # to rank 0 (write:2, mid-stream): every rank reports it and the old table stays.
    if not SLUICE_FI or not os.path.exists(SLUICE_FI):
        skip("sqlite_fault", "no fault-injection build (SLUICE_FI; make formats builds it)")
    for spec in ([] if not SLUICE_FI or not os.path.exists(SLUICE_FI) else
                 ["write:1@rank1", "write:2@rank1"]):
        path = os.path.join(d, "out3.db")   # holds the rows of sqlite_rows np=3
        rc, _, e = run_job(f"COPY (SELECT {cols} FROM {src}) TO 'sqlite:{path}' (TABLE res);",
                           3, fault=spec)
        con = sqlite3.connect(path)
        after = [tuple(norm(x) for x in r) for r in con.execute("SELECT * FROM res")]
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master")]
        con.close()
        said = sum(1 for ln in e.splitlines() if "injected fault" in ln and ": error: " in ln)
        why = "" if rc != 0 and said == 3 else f"exit {rc}, {said} of 3 ranks said so: {e[-300:]}"
        why = why or (f"tables {tables}" if tables != ["res"] else same_rows(after, want))
        report(not why, f"sqlite_fault {spec} np=3", why)
    check_error("sqlite_err_partition", f"COPY (SELECT id FROM {src}) TO 'sqlite:{d}/x.db' "
                f"(TABLE t, PARTITION_BY (id));", 2,
                "COPY: the sqlite sink writes one table and cannot take PARTITION_BY")
    check_error("sqlite_err_no_table", f"COPY (SELECT id FROM {src}) TO 'sqlite:{d}/x.db';",
                2, "COPY to a SQLite database needs (TABLE name)")
    check_error("sqlite_err_open", f"COPY (SELECT id FROM {src}) TO "
                f"'sqlite:{d}/no/such/dir/x.db' (TABLE t);", 4,
                f"COPY: SQLite '{d}/no/such/dir/x.db': open")
    # A wide DECIMAL value SQLite would keep only as a REAL (15 digits) is refused; the
    # same column type under HDF5 (int64) refuses a value past 18 digits, or a scale past 18.
    wide = "SELECT CAST(123456789012345678.5 AS DECIMAL(20,2)) AS x"
    check_error("sqlite_err_wide_decimal", f"COPY ({wide}) TO 'sqlite:{d}/w.db' (TABLE t);", 2,
                "more than 15 significant digits, which SQLite keeps only as a REAL")
    check_error("hdf5_err_wide_decimal", f"COPY (SELECT CAST(1.5 AS DECIMAL(20,2)) AS x "
                f"UNION ALL {wide}) TO "
                f"'{d}/wh5' (FORMAT hdf5);", 2, "past 18 digits: FORMAT hdf5 stores a DECIMAL")
    check_error("hdf5_err_wide_decimal_scale", f"COPY (SELECT CAST(1.5 AS DECIMAL(30,20)) AS x) "
                f"TO '{d}/wh6' (FORMAT hdf5);", 2, "FORMAT hdf5 stores a DECIMAL in 64 bits")


def tz_data(d):
    """d/in.csv of TIMESTAMPTZ text (offsets, Z, microseconds) and the instants Python's
    datetime reads from it: (path, microseconds since 1970, sluice's text of each in UTC)."""
    import datetime
    os.makedirs(d, exist_ok=True)
    texts = ["2024-%02d-%02d %02d:%02d:%02d.%06d%s" % (1 + r % 12, 1 + r % 28, r % 24, r % 60,
                                                      (r * 7) % 60, (r * 37) % 1000000,
                                                      ["Z", "+01:00", "-05:30", "+14:00"][r % 4])
             for r in range(40)]
    path = os.path.join(d, "in.csv")
    with open(path, "w") as f:
        f.write("id,ts\n" + "".join("%d,%s\n" % (r, t) for r, t in enumerate(texts)))
    inst = [datetime.datetime.fromisoformat(t).astimezone(datetime.timezone.utc) for t in texts]
    us = [(x - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) //
          datetime.timedelta(microseconds=1) for x in inst]
    text = [x.strftime("%Y-%m-%d %H:%M:%S") + (".%06d" % x.microsecond).rstrip("0").rstrip(".") +
            "+00" for x in inst]
    return path, us, text


def cases_tz(k):
    """TIMESTAMP WITH TIME ZONE to SQLite (its text, declared TIMESTAMPTZ) and HDF5 (int64
    microseconds, sluice_type 'TIMESTAMP WITH TIME ZONE'): the instants Python's datetime reads
    from the zone text the job read (no sluice code in the oracle)."""
    if not match(k, "tz"):
        return
    d = os.path.join(W, "tz")
    _, us, text = tz_data(d)
    src = f"read_csv('{d}/in.csv')"
    for n in (3,):  # rows from every rank
        path = os.path.join(d, f"out{n}.db")
        rc, _, e = run_job(f"COPY (SELECT id, ts FROM {src}) TO 'sqlite:{path}' (TABLE t);", n)
        why = f"exit {rc}: {e[-300:]}" if rc else ""
        if not why:
            con = sqlite3.connect(path)
            got = sorted(con.execute("SELECT id, ts FROM t").fetchall())
            decl = con.execute("SELECT sql FROM sqlite_master").fetchone()[0]
            con.close()
            why = ("declared %r" % decl if '"ts" TIMESTAMPTZ' not in decl else
                   "" if got == list(enumerate(text)) else "rows %r" % got[:3])
        report(not why, f"sqlite_tz np={n}", why)
        out = os.path.join(d, f"h{n}")
        rc, _, e = run_job(f"COPY (SELECT id, ts FROM {src}) TO '{out}' (FORMAT hdf5);", n)
        why = f"exit {rc}: {e[-300:]}" if rc else ""
        if not why:
            with h5py.File(os.path.join(out, "part-shared.h5"), "r") as f:
                st = f["ts"].attrs.get("sluice_type")
                got = sorted(zip(f["id"][:].tolist(), f["ts"][:].tolist()))
            st = st.decode() if isinstance(st, bytes) else st
            why = ("sluice_type %r" % st if st != "TIMESTAMP WITH TIME ZONE" else
                   "" if got == list(enumerate(us)) else "rows %r" % got[:3])
        report(not why, f"hdf5_tz np={n}", why)


def start_postgres():
    """A private PostgreSQL server (initdb/pg_ctl, trust auth, a Unix socket in its own
    directory, a free port) run as the postgres user when we are root (it refuses root).
    Returns (uri, stop) or (None, why)."""
    import pwd
    import socket
    bindir = "/usr/lib/postgresql/15/bin"
    if not os.path.exists(os.path.join(bindir, "initdb")):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            return None, "PostgreSQL (initdb) is not installed"
        bindir = os.path.dirname(found[-1])
    as_user = []
    d = tempfile.mkdtemp(prefix="sluice-pg-")
    if os.getuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            return None, "running as root and there is no postgres user"
        os.chown(d, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    os.chmod(d, 0o755)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    data = os.path.join(d, "data")
    r = subprocess.run(as_user + [f"{bindir}/initdb", "-D", data, "-A", "trust", "-U",
                                  "postgres", "--no-sync"], capture_output=True, text=True)
    if r.returncode != 0:
        shutil.rmtree(d, ignore_errors=True)
        return None, f"initdb failed: {r.stderr[-300:]}"
    r = subprocess.run(as_user + [f"{bindir}/pg_ctl", "-D", data, "-l", os.path.join(d, "log"),
                                  "-w", "-t", "60", "-o",
                                  f"-p {port} -k {d} -c listen_addresses='' -c fsync=off",
                                  "start"], capture_output=True, text=True)
    if r.returncode != 0:
        shutil.rmtree(d, ignore_errors=True)
        return None, f"pg_ctl start failed: {r.stderr[-300:]}"

    def stop():
        subprocess.run(as_user + [f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w",
                                  "stop"], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)
    uri = f"postgresql:///postgres?host={d}&port={port}&user=postgres"
    return (uri, d, port, bindir), stop


def psql_rows(pg, sql):
    """Rows of sql through psql's COPY ... TO STDOUT (CSV: NULL empty, '' quoted)."""
    uri, d, port, bindir = pg
    r = subprocess.run([f"{bindir}/psql", "-X", "-q", "-h", d, "-p", str(port), "-U",
                        "postgres", "-d", "postgres", "-c",
                        f"COPY ({sql}) TO STDOUT (FORMAT csv)"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-300:])
    return [tuple(norm(parse_num(v)) for v in rec)
            for rec in sluice_csv.read_records(r.stdout)] if r.stdout else []


def cases_postgres(k):
    """COPY ... TO 'postgresql://...' (TABLE t) into a private server started here."""
    if not match(k, "postgres"):
        return
    pg, stop = start_postgres()
    if pg is None:
        if "postgres" in REQUIRE:
            report(False, "postgres", stop)
        else:
            skip("postgres", stop)
        return
    try:
        postgres_checks(k, pg)
    except (RuntimeError, subprocess.SubprocessError) as e:
        report(False, "postgres", f"psql: {e}")
    finally:
        stop()


def postgres_tz(pg):
    """TIMESTAMPTZ into a timestamptz column at 3 ranks: the instants Python reads."""
    path, us, _ = tz_data(os.path.join(W, "pgtz"))
    rc, _, e = run_job(f"COPY (SELECT id, ts FROM read_csv('{path}')) TO '{pg[0]}' "
                       f"(TABLE tzres);", 3)
    why = f"exit {rc}: {e[-300:]}" if rc else ""
    if not why:
        typ = psql_rows(pg, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                        "attrelid = 'tzres'::regclass AND attname = 'ts'")
        got = sorted(psql_rows(pg, "SELECT id, (extract(epoch FROM ts) * 1000000)::bigint "
                               "FROM tzres"))
        why = (f"type {typ}" if typ != [("timestamp with time zone",)] else
               "" if got == [(norm(i), norm(u)) for i, u in enumerate(us)] else
               f"rows {got[:3]}")
    report(not why, "postgres_tz np=3", why)
    subprocess.run([f"{pg[3]}/psql", "-X", "-q", "-h", pg[1], "-p", str(pg[2]), "-U",
                    "postgres", "-c", "DROP TABLE IF EXISTS tzres"], capture_output=True)


def postgres_checks(k, pg):
    postgres_tz(pg)
    if True:
        uri = pg[0]
        rng = np.random.default_rng(12)
        d = os.path.join(W, "pg")
        os.makedirs(d, exist_ok=True)
        parts = [table_data(rng, 3000)]
        write_h5(os.path.join(d, "in.h5"), "/tab", *parts[0])
        db = sqlite3.connect(":memory:")
        load_sqlite(db, parts)
        src = f"read_hdf5('{d}/in.h5', '/tab')"
        cols = "id, i8, f64, flag, fixed, vl, ob, day"
        want = [tuple(norm(x) for x in r) for r in db.execute(f"SELECT {cols} FROM t")]
        back = "SELECT id, i8, f64, flag::int, fixed, vl, ob, day::text FROM res"
        for n in (1, 2, 3):
            subprocess.run([f"{pg[3]}/psql", "-X", "-q", "-h", pg[1], "-p", str(pg[2]), "-U",
                            "postgres", "-c", "DROP TABLE IF EXISTS res; CREATE TABLE res "
                            "(old int); INSERT INTO res VALUES (42)"], capture_output=True)
            rc, _, e = run_job(f"COPY (SELECT {cols} FROM {src}) TO '{uri}' (TABLE res);", n)
            why = f"exit {rc}: {e[-300:]}" if rc else ""
            if not why:
                why = same_rows(psql_rows(pg, back), want)
            if not why:
                left = psql_rows(pg, "SELECT tablename FROM pg_tables WHERE schemaname = "
                                 "'public'")
                why = "" if left == [("res",)] else f"tables {left}"
            report(not why, f"postgres_rows np={n}", why)
            rc, _, e = run_job(f"COPY (SELECT id, CAST(fixed AS BIGINT) AS x FROM {src}) TO "
                               f"'{uri}' (TABLE res);", n)
            why = "the failing COPY succeeded" if rc == 0 else ""
            why = why or same_rows(psql_rows(pg, back), want)
            if not why:
                left = psql_rows(pg, "SELECT tablename FROM pg_tables WHERE schemaname = "
                                 "'public'")
                why = "" if left == [("res",)] else f"tables {left}"
            report(not why, f"postgres_failure_keeps_table np={n}", why)
        # A failure injected on rank 1 while staging (write:1) or mid-stream into the
        # staging table (write:2, PQputCopyData): the old table stays, no staging table left.
        fi = SLUICE_FI and os.path.exists(SLUICE_FI)
        if not fi:
            skip("postgres_fault", "no fault-injection build (SLUICE_FI; make formats builds it)")
        for spec in (["write:1@rank1", "write:2@rank1"] if fi else []):
            rc, _, e = run_job(f"COPY (SELECT {cols} FROM {src}) TO '{uri}' (TABLE res);", 3,
                               fault=spec)
            said = sum(1 for ln in e.splitlines() if "injected fault" in ln and
                       ": error: " in ln)
            why = "" if rc != 0 and said == 3 else f"exit {rc}, {said} of 3 said so: {e[-300:]}"
            why = why or same_rows(psql_rows(pg, back), want)
            if not why:
                left = psql_rows(pg, "SELECT tablename FROM pg_tables WHERE schemaname = "
                                 "'public'")
                why = "" if left == [("res",)] else f"tables {left}"
            report(not why, f"postgres_fault {spec} np=3", why)
        # Two jobs writing the same table at once: each stages into a table of its own, both
        # succeed, and the table ends as one job's rows, whole (never a mix).
        jobs = [subprocess.Popen(job_cmd(f"COPY (SELECT id, {j} AS job FROM {src}) TO "
                                         f"'{uri}' (TABLE res);", 2), env=ENV,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for j in (1, 2)]
        outs = [(p.wait(), p.communicate()[1]) for p in jobs]
        why = "; ".join(f"job {i + 1} exit {rc}: {e[-200:]}" for i, (rc, e) in enumerate(outs)
                        if rc != 0)
        if not why:
            got = psql_rows(pg, "SELECT job, count(*), count(DISTINCT id) FROM res GROUP BY job")
            why = "" if got in ([(1.0, 3000.0, 3000.0)], [(2.0, 3000.0, 3000.0)]) else \
                f"res holds {got}"
        if not why:
            left = psql_rows(pg, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            why = "" if left == [("res",)] else f"tables {left}"
        report(not why, "postgres_two_jobs_same_table np=2", why)
        # Another job's staging table under the name every job used to stage into is left
        # alone (it used to be dropped and taken over).
        psql = [f"{pg[3]}/psql", "-X", "-q", "-h", pg[1], "-p", str(pg[2]), "-U", "postgres",
                "-c"]
        subprocess.run(psql + ["CREATE TABLE res__sluice_new (other int); INSERT INTO "
                               "res__sluice_new VALUES (7)"], capture_output=True)
        rc, _, e = run_job(f"COPY (SELECT {cols} FROM {src}) TO '{uri}' (TABLE res);", 2)
        why = f"exit {rc}: {e[-300:]}" if rc else ""
        if not why:
            other = psql_rows(pg, "SELECT count(*) FROM pg_tables WHERE tablename = "
                              "'res__sluice_new'")
            why = same_rows(psql_rows(pg, back), want) or (
                "" if other == [(1.0,)] else "the other job's staging table is gone")
        if not why and psql_rows(pg, "SELECT * FROM res__sluice_new") != [(7.0,)]:
            why = "the other job's staging table was changed"
        subprocess.run(psql + ["DROP TABLE IF EXISTS res__sluice_new"], capture_output=True)
        report(not why, "postgres_staging_name_own np=2", why)
        bad = f"postgresql:///postgres?host={pg[1]}&port={pg[2] + 1}&user=postgres"
        check_error("postgres_err_refused", f"COPY (SELECT id FROM {src}) TO '{bad}' "
                    f"(TABLE res);", 4, "cannot connect: connection to server on socket")
        check_error("postgres_err_no_table", f"COPY (SELECT id FROM {src}) TO '{uri}';", 2,
                    "COPY to a PostgreSQL database needs (TABLE name)")
        # A wide DECIMAL is NUMERIC(p,s) there, every digit kept (PostgreSQL's own text)
        rc, _, e = run_job(f"COPY (SELECT 1 AS id, 12345678901234567890.1234567890 AS w UNION ALL "
                           f"SELECT 2, CAST('-9999999999999999999999999999.9999999999' AS "
                           f"DECIMAL(38,10)) UNION ALL SELECT 3, NULL) TO '{uri}' (TABLE res_dec);",
                           2)
        why = f"exit {rc}: {e[-300:]}" if rc else ""
        if not why:
            got = psql_rows(pg, "SELECT id, 'v' || w::text FROM res_dec")
            want = [(1, "v12345678901234567890.1234567890"),
                    (2, "v-9999999999999999999999999999.9999999999"), (3, None)]
            why = "" if sorted(got, key=str) == sorted(want, key=str) else f"rows {got}"
        if not why:
            t = psql_rows(pg, "SELECT numeric_precision, numeric_scale FROM "
                          "information_schema.columns WHERE table_name = 'res_dec' AND "
                          "column_name = 'w'")
            why = "" if t == [(38, 10)] else f"column type {t}"
        report(not why, "postgres_wide_decimal np=2", why)


def match(k, name):
    return not k or k in name


def main():
    global verbose, W
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", default="")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    verbose = a.v
    if h5py is None:
        if "h5py" in REQUIRE:
            print("formats: python3-h5py is required but missing")
            return 1
        skip("hdf5", "python3-h5py is not installed (scripts/install-deps.sh)")
    W = tempfile.mkdtemp(prefix="sluice-formats-")
    try:
        if h5py is not None:
            cases_read(a.k)
            cases_write(a.k)
            cases_prune(a.k)
            cases_late(a.k)
            cases_big(a.k)
        cases_compressed(a.k)
        if h5py is not None:
            cases_sqlite(a.k)
            cases_tz(a.k)
            cases_postgres(a.k)
    finally:
        shutil.rmtree(W, ignore_errors=True)
    print(f"formats: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
