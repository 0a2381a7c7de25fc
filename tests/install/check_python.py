#!/usr/bin/python3
"""tests/install/check_python.py E2E_DATA WORK: the sluice Python package under
`mpirun -n N python3` (tests/install/run.sh, N = 1..3, from the install tree or a venv).

Checks (rank 0 prints "ok"/"FAIL" per check, agreed over all ranks; exits 1 on any failure):
  - sluice.sql over the e2e "people" CSV files (scripts/gen_testdata.py) equals sqlite3's answer
    (tests/e2e/run.py's loader) for a GROUP BY, a filter and a join of a registered DataFrame
    with read_csv (and with read_hdf5 of a file h5py writes): rows as multisets, numbers to
    1e-9, NULL = None/NaN/NA;
  - a registered DataFrame (every rank its own rows) of int64, nullable Int64, float64 with
    NaN, bool, nullable boolean, str with None / '' / UTF-8, datetime64[ns] with NaT comes back
    from SELECT * ... ORDER BY id equal to the concatenated frames: same dtypes, same values,
    NULLs where they were (pandas.testing.assert_frame_equal, check_exact);
  - partitioned=True: each rank's part; all parts together are the whole result;
  - errors raise sluice.Error with the same message on every rank (bad SQL, a schema that
    differs between ranks);
  - sluice.run_job(path, params=...) runs a job whose COPY reads a ${param} and a registered
    table; its output equals sqlite3's.
"""
import csv
import glob
import math
import os
import sys

import numpy as np
import pandas as pd
from mpi4py import MPI

import sluice

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", "e2e"), os.path.join(HERE, "..", "..", "scripts")]
import run as e2e          # noqa: E402  tests/e2e/run.py: open_oracle
import gen_testdata        # noqa: E402

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
failed = 0


def check(ok, what, detail=""):
    global failed
    oks = comm.allgather((bool(ok), detail))
    good = all(o for o, _ in oks)
    if rank == 0:
        bad = "; ".join("rank %d: %s" % (r, d) for r, (o, d) in enumerate(oks) if not o and d)
        print(("ok    " if good else "FAIL  ") + what + ("" if good else ": " + bad[:2000]))
    failed += not good


def norm(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def key(row):
    return tuple((x is None, type(x).__name__, x if x is not None else 0) for x in row)


def same_rows(got, want):
    """Multisets of rows; numbers to 1e-9 relative."""
    g, w = sorted(got, key=key), sorted(want, key=key)
    if len(g) != len(w):
        return "%d rows, expected %d" % (len(g), len(w))
    for a, b in zip(g, w):
        for x, y in zip(a, b):
            if isinstance(x, float) or isinstance(y, float):
                if x is None or y is None or not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12):
                    return "row %r, expected %r" % (a, b)
            elif x != y:
                return "row %r, expected %r" % (a, b)
    return ""


def frame_rows(df):
    return [tuple(norm(v) for v in r) for r in df.itertuples(index=False, name=None)]


def main():
    data, work = sys.argv[1], sys.argv[2]
    people = os.path.join(data, "people")
    cols = gen_testdata.DATASETS["people"]["columns"]
    struct = "{" + ", ".join("'%s': '%s'" % (c, t) for c, t in cols) + "}"
    src = "read_csv('%s/*.csv', header=true, columns=%s)" % (people, struct)
    db = e2e.open_oracle(data) if rank == 0 else None

    # ---- 0. the package and library the caller meant ---------------------------------------
    want_pkg, want_lib = os.environ.get("SLUICE_EXPECT_PKG"), os.environ.get("SLUICE_EXPECT_LIB")
    if want_pkg:
        check(sluice.__file__.startswith(want_pkg), "import sluice from " + want_pkg,
              sluice.__file__)
    if want_lib:
        with open("/proc/self/maps") as f:
            libs = {ln.split()[-1] for ln in f if "libsluice" in ln}
        check(libs == {want_lib}, "libsluice loaded from " + want_lib, repr(libs))

    # ---- 1. sluice.sql vs sqlite3 on the e2e data ------------------------------------------
    cases = [
        ("GROUP BY with NULL groups",
         "SELECT city, count(*) AS n, count(age) AS na, sum(age) AS s, avg(score) AS a, "
         "min(name) AS lo, max(born) AS hb FROM %s GROUP BY city",
         "SELECT city, count(*), count(age), sum(age), avg(score), min(name), max(born) "
         "FROM people GROUP BY city"),
        ("filter, strings, booleans",
         "SELECT id, name, age, score, active, note FROM %s WHERE age > 40 AND active",
         "SELECT id, name, age, score, active, note FROM people WHERE age > 40 AND active"),
    ]
    for what, q, oq in cases:
        try:
            df = sluice.sql(q % src)
            detail = ""
            if rank == 0:
                got = frame_rows(df)
                # DATE results come back as datetime64: compare as ISO dates.
                got = [tuple(v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) else v
                             for v in r) for r in got]
                detail = same_rows(got, [tuple(norm(v) for v in r) for r in db.execute(oq)])
            elif df is not None:
                detail = "a DataFrame on rank %d without partitioned=True" % rank
            check(not detail, "sql: %s equals sqlite3" % what, detail)
        except sluice.Error as e:
            check(False, "sql: %s equals sqlite3" % what, str(e))

    # A registered frame (every rank a part of the city list) joined with read_csv.
    cities = sorted({r[0] for r in db.execute("SELECT DISTINCT city FROM people "
                                              "WHERE city IS NOT NULL")}) if rank == 0 else None
    cities = comm.bcast(cities, root=0)
    mine = cities[rank::size]
    reg = pd.DataFrame({"city": pd.Series(mine, dtype=object),
                        "zone": np.array([cities.index(c) % 3 for c in mine], dtype=np.int64)})
    sluice.register("zones", reg)
    if rank == 0:
        db.execute("CREATE TABLE zones (city TEXT, zone INTEGER)")
        db.executemany("INSERT INTO zones VALUES (?, ?)",
                       [(c, i % 3) for i, c in enumerate(cities)])
    df = sluice.sql("SELECT z.zone, count(*) AS n, sum(p.age) AS s FROM %s p "
                    "JOIN zones z ON p.city = z.city GROUP BY z.zone" % src)
    detail = same_rows(frame_rows(df), list(db.execute(
        "SELECT z.zone, count(*), sum(p.age) FROM people p JOIN zones z ON p.city = z.city "
        "GROUP BY z.zone"))) if rank == 0 else ""
    check(not detail, "sql: a registered DataFrame joined with read_csv equals sqlite3", detail)

    # The same registered frame joined with an HDF5 file (h5py writes it; skipped without).
    try:
        import h5py
    except ImportError:
        h5py = None
    if h5py is not None:
        h5 = os.path.join(work, "zones_w.h5")
        if rank == 0:
            with h5py.File(h5, "w") as f:
                f["zone"] = np.arange(3, dtype=np.int64)
                f["weight"] = np.array([0.5, 2.0, -1.25])
        comm.Barrier()
        df = sluice.sql("SELECT z.city, h.weight FROM zones z JOIN read_hdf5('%s') h "
                        "ON z.zone = h.zone" % h5)
        detail = ""
        if rank == 0:
            w = [0.5, 2.0, -1.25]
            detail = same_rows(frame_rows(df), [(c, w[i % 3]) for i, c in enumerate(cities)])
        check(not detail, "sql: a registered DataFrame joined with read_hdf5", detail)

    # ---- 2. a registered frame round-trips exactly -----------------------------------------
    def part(r):
        n = 4 + 3 * r
        ids = np.arange(100 * r, 100 * r + n, dtype=np.int64)
        words = ["", "a", "caf\u00e9", None, "x,y\n\"z\"", "\U0001F600"]
        ts = pd.Series(pd.to_datetime(1_600_000_000_000_000 + ids * 1_234_567, unit="us"))
        ts[ids % 5 == 2] = pd.NaT
        return pd.DataFrame({
            "id": ids,
            "n": pd.array([None if i % 4 == 1 else int(i) * 3 - 7 for i in ids], dtype="Int64"),
            "x": np.where(ids % 3 == 0, np.nan, ids * 0.1 - 2.5),
            "b": ids % 2 == 0,
            "nb": pd.array([None if i % 5 == 3 else bool(i % 3) for i in ids], dtype="boolean"),
            "s": pd.Series([words[i % 6] for i in ids], dtype=object),
            "ts": ts,
        })

    mine = part(rank)
    sluice.register("t", mine)
    want = pd.concat([part(r) for r in range(size)], ignore_index=True)
    try:
        out = sluice.sql("SELECT * FROM t ORDER BY id")
        detail = ""
        if rank == 0:
            try:
                pd.testing.assert_frame_equal(out, want, check_exact=True)
            except AssertionError as e:
                detail = "%s\ngot dtypes %s" % (e, dict(out.dtypes))
        check(not detail, "register + sql: a frame of every dtype round-trips exactly", detail)
    except sluice.Error as e:
        check(False, "register + sql: a frame of every dtype round-trips exactly", str(e))

    # ---- 3. partitioned ----------------------------------------------------------------------
    p = sluice.sql("SELECT id, s FROM t WHERE x IS NOT NULL", partitioned=True)
    parts = comm.gather(p, root=0)
    detail = ""
    if rank == 0:
        allp = pd.concat(parts, ignore_index=True).sort_values("id", ignore_index=True)
        exp = want[want.x.notna()][["id", "s"]].reset_index(drop=True)
        try:
            pd.testing.assert_frame_equal(allp, exp, check_exact=True)
        except AssertionError as e:
            detail = str(e)
    check(not detail and isinstance(p, pd.DataFrame),
          "sql(partitioned=True): every rank a DataFrame, together the whole result", detail)

    # ---- 4. errors on every rank -------------------------------------------------------------
    try:
        sluice.sql("SELECT nosuch FROM t")
        msg = None
    except sluice.Error as e:
        msg = str(e)
    msgs = comm.allgather(msg)
    check(msg is not None and "nosuch" in msg and len(set(msgs)) == 1,
          "bad SQL raises sluice.Error with the same message on every rank", repr(msg))
    if size > 1:
        bad = pd.DataFrame({"id": np.arange(3, dtype=np.int64 if rank else np.float64)})
        try:
            sluice.register("bad", bad)
            msg = None
        except sluice.Error as e:
            msg = str(e)
        msgs = comm.allgather(msg)
        check(msg is not None and "rank 0 registers bad(id DOUBLE)" in msg
              and len(set(msgs)) == 1, "a schema that differs between ranks raises everywhere",
              repr(msg))
    out = sluice.sql("SELECT count(*) AS n FROM t")
    check(rank != 0 or int(out.n[0]) == len(want), "the session works after an error")

    # ---- 5. run_job with params --------------------------------------------------------------
    job = os.path.join(work, "job.sql")
    outdir = os.path.join(work, "job-out")
    if rank == 0:
        with open(job, "w") as f:
            f.write("CREATE VIEW p AS SELECT * FROM read_csv('${input}', header=true, "
                    "columns=%s);\n"
                    "COPY (SELECT z.zone, count(*) AS n, max(p.age) AS hi FROM p "
                    "JOIN zones z ON p.city = z.city GROUP BY z.zone) TO '${out}' "
                    "(FORMAT csv, HEADER true);\n" % struct)
    comm.Barrier()
    try:
        sluice.run_job(job, params={"input": people + "/*.csv", "out": outdir})
        detail = ""
        if rank == 0:
            got = []
            for path in sorted(glob.glob(os.path.join(outdir, "**", "*.csv"), recursive=True)):
                with open(path, newline="") as f:
                    got += [(int(a), int(b), int(c) if c else None)
                            for a, b, c in list(csv.reader(f))[1:]]
            detail = same_rows(got, list(db.execute(
                "SELECT z.zone, count(*), max(p.age) FROM people p JOIN zones z "
                "ON p.city = z.city GROUP BY z.zone")))
        check(not detail, "run_job(params=...): COPY over ${input} and a registered frame "
              "equals sqlite3", detail)
    except sluice.Error as e:
        check(False, "run_job(params=...)", str(e))
    try:
        sluice.run_job(os.path.join(work, "missing.sql"))
        msg = None
    except sluice.Error as e:
        msg = str(e)
    check(msg is not None and "missing.sql" in msg, "run_job of a missing file raises everywhere",
          repr(msg))
    if rank == 0:
        print("python: %s at %d rank(s)" % ("FAILED" if failed else "passed", size))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
