#!/usr/bin/python3
"""A crash hunt at the end of failed jobs (`make exit-loop`; not part of `make test`).

A rank that crashes while it ends a failed job (freeing, MPI_Finalize, exit handlers) leaves
mpirun's exit status and the error message as the job wanted, and mpirun kills the ranks that
are slower than the first to exit, so such a crash shows only now and then. This loops the
dialect cases (tests/dialect: its data, views and cases, without DuckDB) at several rank counts
and reports every run in which a rank died of a signal or a sanitizer report (the trace in
stderr: Open MPI's "*** Process received signal ***", mpirun's "exited on signal", ASan /
LSan / UBSan), left a core file (each run has its own directory; `ulimit -c unlimited`), hung
(timeout), or, for an `-- error:` case, did not fail with its message.

Options: --iterations N (default 20), --ranks 3,4, -k PATTERN (substring of case names),
--all (every case, not only the `-- error:` ones), --fault SPEC (SLUICE_FAULT for every run,
`@rankR` appended for R = 0..n-1 in turn: a fault-injection build turns any case into a failed
one), --keep DIR (where the directories of bad runs stay; default a new temporary one).
SLUICE defaults to build/sluice (`make SANITIZE=1 exit-loop` loops the sanitizer build).
Prints one line per bad run and "exit-loop: N runs, M bad"; exits 1 when M > 0.
"""
import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "dialect"))
from sluice_env import ENV, SLUICE  # noqa: E402
import run as dialect  # noqa: E402

CRASH_RE = (rb"Process received signal|exited on signal|ERROR: (Address|Leak)Sanitizer|"
            rb"runtime error:")


def core_limit():
    """In the child: core files on (the parent's limit may be 0)."""
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY,
                                                  resource.RLIM_INFINITY))
    except (ValueError, OSError):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--ranks", default="3,4")
    ap.add_argument("-k", default="")
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--fault", default="")
    ap.add_argument("--keep", default="")
    args = ap.parse_args()
    ranks = [int(x) for x in args.ranks.split(",")]
    cases = [c for c in dialect.load_cases(args.k) if args.all or c["error"]]
    work = tempfile.mkdtemp(prefix="sluice-exit-loop-")
    keep = args.keep or tempfile.mkdtemp(prefix="sluice-exit-loop-bad-")
    data = os.path.join(work, "t.csv")
    dialect.write_data(data)
    views = "".join(v + ";\n" for v in dialect.views_sql(data))
    for c in cases:
        c["job"] = os.path.join(work, c["name"] + ".sql")
        sql = c["sql"].replace("@DIR@", work)
        if c["copy"]:
            sql = "COPY (%s) TO '%s' (FORMAT csv, HEADER, OVERWRITE)" % (
                sql, os.path.join(work, c["name"] + ".out"))
        with open(c["job"], "w", encoding="utf-8") as f:
            f.write(views + sql + ";\n")
    runs = bad = 0
    for it in range(args.iterations):
        for np in ranks:
            for c in cases:
                env = dict(ENV)
                if args.fault:
                    env["SLUICE_FAULT"] = "%s@rank%d" % (args.fault, (it + runs) % np)
                d = os.path.join(work, "run")
                shutil.rmtree(d, ignore_errors=True)
                os.makedirs(d)
                bs = ["--blocksize", c["blocksize"]] if c["blocksize"] else []
                r = subprocess.run(["timeout", "120", "mpirun", "-n", str(np), SLUICE, "run",
                                    "--format", "csv"] + bs + [c["job"]], cwd=d, env=env,
                                   capture_output=True, preexec_fn=core_limit)
                runs += 1
                why = []
                if re.search(CRASH_RE, r.stderr):
                    why.append("a rank crashed")
                if any(f.startswith("core") for f in os.listdir(d)):
                    why.append("core file")
                if r.returncode in (124, 137):
                    why.append("timed out")
                if c["error"] and not args.fault and (
                        r.returncode == 0 or c["error"].encode() not in r.stderr):
                    why.append("not the expected error")
                if not why:
                    continue
                bad += 1
                dest = os.path.join(keep, "%s.np%d.%d" % (c["name"], np, it))
                shutil.move(d, dest)
                with open(os.path.join(dest, "stderr"), "wb") as f:
                    f.write(r.stderr)
                print("BAD %s np=%d iteration %d (exit %d%s): %s; kept in %s" % (
                    c["name"], np, it, r.returncode,
                    ", SLUICE_FAULT=" + env["SLUICE_FAULT"] if args.fault else "",
                    ", ".join(why), dest), flush=True)
    shutil.rmtree(work, ignore_errors=True)
    if not bad and not args.keep:
        shutil.rmtree(keep, ignore_errors=True)
    print("exit-loop: %d runs, %d bad" % (runs, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
