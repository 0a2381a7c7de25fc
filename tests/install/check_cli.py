#!/usr/bin/env python3
"""tests/install/check_cli.py SLUICE: the command-line habits of DuckDB users.

Checks, printing one "ok"/"FAIL" line each and exiting 1 on any failure:
  - `sluice -c "SQL" --format csv` prints the same rows as sqlite3 does for that query over a
    small CSV file written here (1 and 2 ranks), and `-c` with a job file is a usage error;
  - `sluice run - --format csv` reads the job from standard input (mpirun hands stdin to
    rank 0): the same rows as sqlite3, at 1 and 2 ranks;
  - an error at a place in the job (a syntax error, an unterminated string, an unknown column,
    an unknown function; through -c, standard input and a job file) prints that line of the
    job and a caret under the offending token: the expected column is where the test itself
    finds the token in the text (tabs copied, a UTF-8 character counted once).
The environment must carry the Open MPI settings (tests/sluice_env.py / sluice_env.sh).
"""
import csv
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

failed = 0


def check(ok, what, detail=""):
    global failed
    print(("ok    " if ok else "FAIL  ") + what + (": " + detail if detail and not ok else ""))
    failed += not ok


def mpirun(np, args, stdin=None):
    return subprocess.run(["timeout", "60", "mpirun", "-n", str(np)] + args, input=stdin,
                          capture_output=True, text=True)


def rows_of(text):
    r = list(csv.reader(io.StringIO(text)))
    return r[1:] if r else []


def caret_line(line, col):
    """The caret line a terminal lines up with `line`, for byte column col (1-based)."""
    b = line.encode()[:col - 1].decode("utf-8", "replace")
    return "".join("\t" if ch == "\t" else " " for ch in b) + "^"


def main():
    w = tempfile.mkdtemp(prefix="sluice-cli.")
    try:
        return checks(sys.argv[1], w)
    finally:
        shutil.rmtree(w, ignore_errors=True)


def checks(sluice, w):
    data = os.path.join(w, "t.csv")
    rows = [("a", 1), ("b", 2), ("a", 3), ("c", None), ("b", 5), ("a", 8)]
    with open(data, "w", newline="") as f:
        f.write("k,v\n")
        for k, v in rows:
            f.write("%s,%s\n" % (k, "" if v is None else v))
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (k TEXT, v INTEGER)")
    db.executemany("INSERT INTO t VALUES (?, ?)", rows)
    q = "SELECT k, count(*) AS n, sum(v) AS s FROM %s GROUP BY k ORDER BY k"
    want = [[str(x) if x is not None else "" for x in r] for r in db.execute(q % "t")]
    src = "read_csv('%s', header=true, columns={'k': 'VARCHAR', 'v': 'BIGINT'})" % data

    for np in (1, 2):
        r = mpirun(np, [sluice, "-c", q % src, "--format", "csv", "--quiet"])
        check(r.returncode == 0 and rows_of(r.stdout) == want,
              "sluice -c SQL np=%d equals sqlite3" % np, r.stdout + r.stderr[-400:])
        r = mpirun(np, [sluice, "run", "-", "--format", "csv", "--quiet"], stdin=q % src + ";\n")
        check(r.returncode == 0 and rows_of(r.stdout) == want,
              "sluice run - (stdin) np=%d equals sqlite3" % np, r.stdout + r.stderr[-400:])
    job = os.path.join(w, "job.sql")
    with open(job, "w") as f:
        f.write(q % src + ";\n")
    r = mpirun(1, [sluice, "run", job, "-c", q % src])
    check(r.returncode == 2 and "unexpected job file" in r.stderr,
          "-c with a job file is a usage error (exit 2)", r.stderr)

    # (name, how, job text, the token the caret must point at, its occurrence, exit status)
    cases = [
        ("syntax error", "-c", "SELECT k, (v FROM " + src, "FROM", 1, 3),
        ("syntax error after a tab and UTF-8", "stdin",
         "-- caf\u00e9\nSELECT\t'\u00e9t\u00e9' AS x, (v FROM " + src + ";\n", "FROM", 1, 3),
        ("unterminated string", "file", "SELECT k FROM " + src + "\nWHERE k = 'abc;\n",
         "'abc", 1, 3),
        ("unknown column", "file",
         "-- line 1\nSELECT k,\n       nosuch + 1 AS y FROM " + src + ";\n", "nosuch", 1, 3),
        ("unknown function", "-c", "SELECT k, frobnicate(v) FROM " + src, "frobnicate", 1, 3),
    ]
    for name, how, text, tok, _, want_rc in cases:
        off = text.index(tok)
        line_no = text.count("\n", 0, off) + 1
        line = text.split("\n")[line_no - 1]
        col = len(line[:off - (text.rfind("\n", 0, off) + 1)].encode()) + 1
        for np in ((1, 2) if how == "file" else (1,)):
            if how == "-c":
                r = mpirun(np, [sluice, "-c", text, "--quiet"])
                label = "<command>"
            elif how == "stdin":
                r = mpirun(np, [sluice, "run", "-", "--quiet"], stdin=text)
                label = "<stdin>"
            else:
                with open(job, "w") as f:
                    f.write(text)
                r = mpirun(np, [sluice, "run", job, "--quiet"])
                label = job
            err = r.stderr
            want_pos = "%s:%d:%d:" % (label, line_no, col)
            want_src = "  %d | %s\n" % (line_no, line)
            want_car = "  %s | %s\n" % (" " * len(str(line_no)), caret_line(line, col))
            good = (r.returncode == want_rc and want_pos in err and
                    want_src + want_car in err)
            check(good, "%s (%s, np=%d): line and caret at %d:%d" % (name, how, np, line_no,
                                                                     col),
                  "rc=%d, want %r then %r in:\n%s" % (r.returncode, want_src, want_car, err))
    # A long line is shown as a window of it; the caret still sits under the token.
    pad = ", ".join("v + %d AS c%d" % (i, i) for i in range(40))
    text = "SELECT %s, nosuch AS z, %s FROM %s" % (pad, pad, src)
    r = mpirun(1, [sluice, "-c", text, "--quiet"])
    shown = [ln for ln in r.stderr.split("\n") if ln.startswith("  1 | ")]
    carets = [ln for ln in r.stderr.split("\n") if ln.startswith("    | ") and ln.endswith("^")]
    good = (r.returncode == 3 and len(shown) == 1 and len(carets) == 1 and
            len(shown[0]) < len(text) and
            shown[0][len(carets[0]) - 1:].startswith("nosuch"))
    check(good, "a %d-byte line: a window of it, the caret under the token" % len(text),
          r.stderr)
    print("cli: %s" % ("FAILED" if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
