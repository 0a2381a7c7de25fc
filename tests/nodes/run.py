#!/usr/bin/python3
"""The `nodes` suite (issue 16): sluice jobs across simulated nodes (scripts/nodes.sh: network
namespaces, each its own hostname, /tmp and address, TCP only between them), checked against
oracles nobody here wrote and against the same job on one host.

Called by `make nodes` as `SLUICE=build/sluice /usr/bin/python3 tests/nodes/run.py`.
Needs root and network namespaces; where they cannot be made every check is counted as
skipped (a failure when SLUICE_REQUIRE lists "netns", as .ci/run does).

The test bed is 3 nodes x 2 slots under its own prefix (slt1..slt3, state in
/var/tmp/sluice-nodes-test), taken down at the end however the script ends. Checks:
- e2e cases (tests/e2e/cases: group-by, ORDER BY, COPY with PARTITION_BY) on 1 host x 4
  ranks, 2 nodes x 2 and 3 nodes x 2: rows equal to sqlite3 (the e2e harness's oracle and
  comparison) and to the one-host run;
- a group-by with ~50x its 4 MB budget in group state, COPY'd, across 2 nodes: the answer
  equals Python's own count/sum, spill happened (-v), no spill directory is left on any node;
- the COPY manifest (_SUCCESS: every file's path, rows, bytes and xxh64) of one job is
  identical on 1 host x 4 and 2 nodes x 2, and is the only _SUCCESS of the output;
- the memory budget is divided by the ranks on the node: the -v line of 2 nodes x 2 says
  "/ 2 ranks on this node", of 1 + 3 ranks (rank 0 alone on its node) "/ 1 rank", while one
  host x 4 says "/ 4";
- each node's spill files go to its own /tmp: with a 1 MB tmpfs as node 2's /tmp the spilling
  job fails with exit 7 naming a rank of node 2 (2 or 3) and that /tmp, never one of node 1;
- a node killed mid-job (SIGKILL to every process in its namespace, after two of 200 COPY
  statements committed) ends the job on every node well within the timeout, with an exit
  status that is not 0, and every output directory that is there has a _SUCCESS and all its
  rows (nothing looks complete that is not).
- the two-level exchange (SET exchange_two_level = 'on') writes the same manifest as the flat
  one and rows equal to sqlite3: at 1-5 ranks on one host with nodes of 2 consecutive ranks
  (SET exchange_node_ranks; these run also where namespaces cannot be made) and on 2 and 3
  simulated nodes x 2 (the real node split); at 1 rank no rows move, so no rounds at all;
  EXPLAIN names the choice; a bad value is refused.
- Slurm across the nodes (scripts/slurm-local.sh with SLURM_LOCAL_NODES=3: one slurmd per
  node): `sbatch -N 2 jobs/sluice.sbatch` runs a GROUP BY through srun on 2 nodes x 2 tasks,
  rows equal to sqlite3, and sluice saw two nodes (auto two-level from 2 ranks went two-level).
Prints "ok  NAME" / "FAIL NAME" and finally "nodes: N passed, M failed, K skipped".
"""
import collections
import csv
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import sluice_env  # noqa: E402

ROOT = sluice_env.ROOT
SLUICE = sluice_env.SLUICE
NODES_SH = os.path.join(ROOT, "scripts", "nodes.sh")
BED_ENV = dict(sluice_env.ENV, SLUICE_NODES_PREFIX="slt",
               SLUICE_NODES_DIR="/var/tmp/sluice-nodes-test")
BED_DIR = BED_ENV["SLUICE_NODES_DIR"]
WORK = os.path.join(ROOT, "build", "nodes-out")
DATA = os.path.join(ROOT, "build", "e2e-data")
TIMEOUT = 120
NODES = ["slt1", "slt2", "slt3"]
# Same blocking on every layout, so the one-host and the multi-node runs split the input alike.
SPLIT = ["--blocksize", "1KB", "--exchange-round-bytes", "2KB"]
E2E_CASES = ["group_by_int", "group_by_string", "order_nulls_last", "copy_partition_two"]
# name -> mpirun arguments of the layout (None: plain mpirun on this host).
LAYOUTS = {"1 host x 4": None,
           "2 nodes x 2": ["-n", "4", "--host", "slt1:2,slt2:2"],
           "3 nodes x 2": ["-n", "6", "--host", "slt1:2,slt2:2,slt3:2"]}

spec = importlib.util.spec_from_file_location("e2e_run", os.path.join(ROOT, "tests", "e2e",
                                                                      "run.py"))
e2e = importlib.util.module_from_spec(spec)
spec.loader.exec_module(e2e)

counts = {"passed": 0, "failed": 0, "skipped": 0}


def report(name, why):
    """why: None/'' = ok, else the failure lines."""
    if not why:
        counts["passed"] += 1
        print("ok   %s" % name)
    else:
        counts["failed"] += 1
        print("FAIL %s" % name)
        for x in (why if isinstance(why, list) else [why])[:20]:
            print("    " + x)
    sys.stdout.flush()


def bed(*args, check=True):
    return subprocess.run(["bash", NODES_SH] + list(args), env=BED_ENV, check=check,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def launch(layout, argv, timeout=TIMEOUT):
    """The command running argv (a sluice command line) under layout."""
    if LAYOUTS[layout] is None:
        return ["timeout", str(timeout), "mpirun", "-n", "4"] + argv
    return ["timeout", str(timeout), "bash", NODES_SH, "mpirun"] + LAYOUTS[layout] + argv


def run(cmd, cwd=None):
    """Runs cmd; stdout and stderr go through files, not pipes, so a daemon left behind on a
    node cannot keep this script waiting. Afterwards no process may be left on any node:
    ones that are get killed and reported as a failure of their own."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        rc = subprocess.run(cmd, env=BED_ENV, cwd=cwd, stdout=out, stderr=err).returncode
        out.seek(0)
        err.seek(0)
        p = subprocess.CompletedProcess(cmd, rc, out.read(), err.read())
    stray = node_pids()
    if stray:
        for n in NODES:
            bed("kill", n, check=False)
        report("no process left on the nodes after: %s" % " ".join(cmd[-6:]),
               "left running: %s" % stray)
    return p


def node_pids():
    pids = []
    for n in NODES:
        pids += subprocess.run(["ip", "netns", "pids", n], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True).stdout.split()
    return pids


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def sluice_job(wdir, text):
    job = os.path.join(wdir, "job.sql")
    with open(job, "w", encoding="utf-8") as f:
        f.write(text)
    return job


# ---------------------------------------------------------------- e2e cases across nodes

def e2e_cases(conn):
    for name in E2E_CASES:
        case = e2e.parse_case(os.path.join(ROOT, "tests", "e2e", "cases", name + ".test"))
        names, exp = e2e.oracle_rows(conn, case)
        base = None
        for layout in LAYOUTS:
            wdir = fresh(os.path.join(WORK, name, layout.replace(" ", "")))
            job = sluice_job(wdir, case.job.replace("${columns}",
                                                    e2e.columns_literal(case.dataset)))
            out = os.path.join(wdir, "out")
            argv = [SLUICE, "run", job, "-D", "data=" + os.path.join(DATA, case.dataset),
                    "-D", "out=" + out, "-D", "columns_sql=" + e2e.columns_literal(
                        case.dataset), "--format", "csv"] + SPLIT
            p = run(launch(layout, argv), cwd=wdir)
            what = "%s on %s" % (name, layout)
            if p.returncode != 0:
                report(what, ["exit %d" % p.returncode] + p.stderr.strip().split("\n")[-8:])
                continue
            if case.kind == "copy":
                got_names, rows, problems = e2e.read_copy_dir(out, case.partition)
                if problems:
                    report(what, problems)
                    continue
            else:
                got_names, rows = e2e.parse_csv_text(p.stdout)
            why = []
            if got_names != names:
                why.append("columns %s, expected %s" % (got_names, names))
            why += e2e.compare(exp, rows, case.ordered)
            if not why and base is not None:
                # Same rank count: the same bytes; 6 ranks add floats in another order.
                why = e2e.compare(base, rows, case.ordered, loose=layout != "2 nodes x 2",
                                  exp_label="1 host x 4",
                                  got_label=layout)
            if not why and base is None:
                base = rows
            report(what, why)


# ---------------------------------------------------------------- two-level exchange

TWO_LEVEL_CASE = "copy_partition_two"


def manifest_files(out):
    with open(os.path.join(out, "_SUCCESS"), encoding="utf-8") as f:
        return sorted((x["path"], x["rows"], x["bytes"], x.get("xxh64"))
                      for x in json.load(f)["files"])


def run_copy_case(case, cmd_prefix, wdir, sets):
    """Runs the COPY case with SET lines before it; (why, rows, manifest, stderr)."""
    fresh(wdir)
    job = sluice_job(wdir, sets + case.job.replace("${columns}",
                                                   e2e.columns_literal(case.dataset)))
    out = os.path.join(wdir, "out")
    argv = [SLUICE, "run", job, "-v", "-D", "data=" + os.path.join(DATA, case.dataset),
            "-D", "out=" + out] + SPLIT
    p = run(cmd_prefix + argv, cwd=wdir)
    if p.returncode != 0:
        return ["exit %d" % p.returncode] + p.stderr.strip().split("\n")[-8:], None, None, ""
    _names, rows, problems = e2e.read_copy_dir(out, case.partition)
    return problems, rows, manifest_files(out), p.stderr


def exchange_line(stderr):
    m = re.search(r"sluice: exchange: (\d+) messages, (\d+) bytes .* max by one rank (\d+) "
                  r"messages, (\d+) bytes; (\d+) rounds, (\d+) two-level", stderr)
    return [int(x) for x in m.groups()] if m else None


def two_level(conn, layouts):
    """Flat vs two-level on each layout: the same manifest (byte-identical part files), rows
    equal to sqlite3, and the -v line saying which one ran. layouts: name -> mpirun prefix."""
    case = e2e.parse_case(os.path.join(ROOT, "tests", "e2e", "cases", TWO_LEVEL_CASE + ".test"))
    _names, exp = e2e.oracle_rows(conn, case)
    for layout, prefix in layouts.items():
        name = "two-level exchange = flat, byte for byte, on %s" % layout
        got = {}
        why = []
        for mode, sets in (("flat", "SET exchange_two_level = 'off';\n"),
                           ("two-level", "SET exchange_two_level = 'on';\n" +
                            ("SET exchange_node_ranks = '2';\n" if "host" in layout else ""))):
            wdir = os.path.join(WORK, "two-level", layout.replace(" ", ""), mode)
            w, rows, man, err = run_copy_case(case, prefix, wdir, sets)
            if w:
                why += ["%s: %s" % (mode, x) for x in w]
                break
            why += ["%s vs sqlite3: %s" % (mode, x) for x in e2e.compare(exp, rows, False)]
            x = exchange_line(err)
            if x is None:
                why.append("%s: no 'sluice: exchange:' line" % mode)
            elif layout.startswith("1 host x 1 "):  # one rank keeps its rows: no rounds
                if x[4] != 0:
                    why.append("%s: %d rounds at one rank, want none" % (mode, x[4]))
            elif (x[5] > 0) != (mode == "two-level"):
                why.append("%s: %d of %d rounds went two-level" % (mode, x[5], x[4]))
            got[mode] = (man, x)
        if not why and got["flat"][0] != got["two-level"][0]:
            why.append("manifests differ: flat %s, two-level %s" % (got["flat"][0][:2],
                                                                    got["two-level"][0][:2]))
        report(name, why)
        if not why:
            f, t = got["flat"][1], got["two-level"][1]
            print("    messages (all ranks / max rank): flat %d / %d, two-level %d / %d; "
                  "bytes %d / %d vs %d / %d; %d rounds" % (f[0], f[2], t[0], t[3 - 1], f[1],
                                                          f[3], t[1], t[3], f[4]))


def explain_choice():
    name = "EXPLAIN shows flat or two-level"
    wdir = fresh(os.path.join(WORK, "explain"))
    why = []
    for sets, want in (("", "flat (two-level from 64 ranks"),
                       ("SET exchange_two_level = 'on';", "two-level (through one leader"),
                       ("SET exchange_two_level_ranks = '2';", "two-level when the 2 ranks span"),
                       ("SET exchange_two_level = 'auto'; SET exchange_two_level_ranks = '3';",
                        "flat (two-level from 3 ranks")):
        job = sluice_job(wdir, sets + "\nEXPLAIN SELECT g, count(*) AS n FROM read_csv("
                         "'%s/wide/*.csv', header=true) GROUP BY g;\n" % DATA)
        p = run(["timeout", str(TIMEOUT), "mpirun", "-n", "2", SLUICE, "run", job], cwd=wdir)
        if p.returncode != 0 or want not in p.stdout:
            why.append("%r: exit %d, no %r in %s" % (sets, p.returncode, want,
                                                     p.stdout.strip()[-300:]))
    p = run(["timeout", str(TIMEOUT), "mpirun", "-n", "1", SLUICE, "run",
             sluice_job(wdir, "SET exchange_two_level = 'maybe';\nSELECT 1;\n")], cwd=wdir)
    if p.returncode == 0 or "is not one of 'auto', 'on', 'off'" not in p.stderr:
        why.append("a bad SET exchange_two_level: exit %d, %s" % (p.returncode, p.stderr[-200:]))
    report(name, why)


# ---------------------------------------------------------------- spill across nodes

def spill_data():
    """200,000 rows, 100,003 groups: ~50x a 4 MB budget in group state. Returns (csv, oracle)."""
    d = fresh(os.path.join(WORK, "spill-data"))
    path = os.path.join(d, "s.csv")
    agg = collections.defaultdict(lambda: [0, 0])
    with open(path, "w", encoding="utf-8") as f:
        f.write("k,v\n")
        for i in range(200000):
            k, v = (i * 7919) % 100003, i % 1000
            f.write("%d,%d\n" % (k, v))
            agg[k][0] += 1
            agg[k][1] += v
    return path, agg


def spill_job(wdir, csv_path, out):
    return sluice_job(wdir, "COPY (SELECT k, count(*) AS n, sum(v) AS s FROM read_csv('%s') "
                      "GROUP BY k) TO '%s' (FORMAT csv);\n" % (csv_path, out))


def leftover_spill_dirs():
    left = []
    for n in ("slt1", "slt2", "slt3"):
        d = os.path.join(BED_DIR, "tmp-" + n)
        if os.path.isdir(d):
            left += [os.path.join(d, x) for x in os.listdir(d) if x.startswith("sluice-")]
    return left


def spill_across_nodes(csv_path, agg):
    wdir = fresh(os.path.join(WORK, "spill"))
    out = os.path.join(wdir, "out")
    job = spill_job(wdir, csv_path, out)
    p = run(launch("2 nodes x 2", [SLUICE, "run", job, "-v", "--memory-limit", "4MB"]),
            cwd=wdir)
    name = "spilling group-by (4 MB per rank) on 2 nodes x 2 = Python's count/sum"
    if p.returncode != 0:
        report(name, ["exit %d" % p.returncode] + p.stderr.strip().split("\n")[-8:])
        return
    why = []
    m = re.search(r"spill: (\d+) bytes written", p.stderr)
    if not m or int(m.group(1)) == 0:
        why.append("it did not spill: %s" % (m.group(0) if m else "no spill line"))
    got = {}
    for root, _dirs, files in os.walk(out):
        for fn in files:
            if fn.endswith(".csv"):
                with open(os.path.join(root, fn), encoding="utf-8") as f:
                    r = csv.reader(f)
                    hdr = next(r)
                    if hdr != ["k", "n", "s"]:
                        why.append("%s: header %s" % (fn, hdr))
                    for row in r:
                        if int(row[0]) in got:
                            why.append("group %s twice" % row[0])
                        got[int(row[0])] = [int(row[1]), int(row[2])]
    if got != {k: v for k, v in agg.items()}:
        bad = [k for k in set(got) | set(agg) if got.get(k) != agg.get(k)]
        why.append("%d groups differ, e.g. %s: %s vs %s" % (len(bad), bad[0], got.get(bad[0]),
                                                            agg.get(bad[0])))
    left = leftover_spill_dirs()
    if left:
        why.append("spill directories left: %s" % left[:3])
    report(name, why)


def spill_in_node_tmp(csv_path):
    """Node 2's /tmp is a 1 MB tmpfs: only node 2's ranks (2, 3) can run out of spill space."""
    name = "spill files in each node's own /tmp (node 2's full: only ranks 2-3 fail)"
    tmp2 = os.path.join(BED_DIR, "tmp-slt2")
    if run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=1777", "tmpfs", tmp2]).returncode:
        if "tmpfs" in sluice_env.REQUIRE:
            report(name, "cannot mount a tmpfs (required by SLUICE_REQUIRE)")
        else:
            counts["skipped"] += 1
            print("skip %s: cannot mount a tmpfs" % name)
        return
    try:
        wdir = fresh(os.path.join(WORK, "spill-full"))
        out = os.path.join(wdir, "out")
        job = spill_job(wdir, csv_path, out)
        # Open MPI's own session files go elsewhere: a full /tmp must fail sluice, not orted.
        ompi = os.path.join(BED_DIR, "ompi")
        os.makedirs(ompi, exist_ok=True)
        p = run(launch("2 nodes x 2", ["--mca", "orte_tmpdir_base", ompi, SLUICE, "run", job,
                                       "--memory-limit", "4MB"]), cwd=wdir)
    finally:
        run(["umount", "-l", tmp2])
    why = []
    if p.returncode != 7:
        why.append("exit %d, want 7 (spill directory full)" % p.returncode)
    m = re.search(r"rank (\d+): (?:cannot write .* to spill directory|not enough space to "
                  r"spill .* in) '([^']*)'", p.stderr)
    if not m:
        why.append("no 'rank R: cannot write/not enough space to spill ... DIR' message")
    elif m.group(1) not in ("2", "3") or not (m.group(2) + "/").startswith("/tmp/"):
        why.append("rank %s / directory %s: want rank 2 or 3 (node 2) under /tmp" % (
            m.group(1), m.group(2)))
    if os.path.exists(out):
        why.append("the failed COPY left %s" % out)
    if why:
        why += p.stderr.strip().split("\n")[-6:]
    report(name, why)


# ---------------------------------------------------------------- manifests, budget

def manifest_identical():
    name = "COPY manifest identical on 1 host x 4 and 2 nodes x 2, one _SUCCESS"
    man = {}
    for layout in ("1 host x 4", "2 nodes x 2"):
        wdir = fresh(os.path.join(WORK, "manifest", layout.replace(" ", "")))
        out = os.path.join(wdir, "out")
        job = sluice_job(wdir, (
            "COPY (SELECT k, g, count(*) AS n, sum(i1) AS si FROM read_csv('%s/wide/*.csv', "
            "header=true, columns=%s) GROUP BY k, g ORDER BY k, g) TO '%s' (FORMAT csv, "
            "PARTITION_BY (k));\n") % (DATA, e2e.columns_literal("wide"), out))
        p = run(launch(layout, [SLUICE, "run", job] + SPLIT), cwd=wdir)
        if p.returncode != 0:
            report(name, ["%s: exit %d" % (layout, p.returncode)] +
                   p.stderr.strip().split("\n")[-8:])
            return
        succ = [os.path.join(r, f) for r, _d, fs in os.walk(out) for f in fs if f == "_SUCCESS"]
        if succ != [os.path.join(out, "_SUCCESS")]:
            report(name, "%s: _SUCCESS files %s" % (layout, succ))
            return
        with open(succ[0], encoding="utf-8") as f:
            m = json.load(f)
        files = sorted((x["path"], x["rows"], x["bytes"], x.get("xxh64")) for x in m["files"])
        on_disk = sorted(os.path.relpath(os.path.join(r, f), out) for r, _d, fs in os.walk(out)
                         for f in fs if f != "_SUCCESS")
        if on_disk != sorted(x[0] for x in files):
            report(name, "%s: manifest lists %d files, %d on disk" % (layout, len(files),
                                                                       len(on_disk)))
            return
        if any(x[3] is None for x in files):
            report(name, "%s: a manifest entry without xxh64" % layout)
            return
        man[layout] = files
    a, b = man["1 host x 4"], man["2 nodes x 2"]
    report(name, None if a == b else ["1 host: %s" % a[:3], "2 nodes: %s" % b[:3]])


def budget_per_node():
    wdir = fresh(os.path.join(WORK, "budget"))
    job = sluice_job(wdir, "SELECT count(*) AS n FROM read_csv('%s/people/*.csv');\n" % DATA)
    for layout, hosts, want in (("1 host x 4", None, 4),
                                ("2 nodes x 2", ["-n", "4", "--host", "slt1:2,slt2:2"], 2),
                                ("1 + 3", ["-n", "4", "--host", "slt1:1,slt2:3"], 1)):
        name = "memory budget divided by the ranks on the node: %s -> / %d" % (layout, want)
        if hosts is None:
            cmd = launch(layout, [SLUICE, "run", job, "-v"])
        else:
            cmd = ["timeout", str(TIMEOUT), "bash", NODES_SH, "mpirun"] + hosts + [
                SLUICE, "run", job, "-v"]
        env_cmd = ["env", "-u", "SLUICE_MEMORY_LIMIT", "-u", "SLURM_MEM_PER_NODE",
                   "-u", "SLURM_MEM_PER_CPU"] + cmd
        p = run(env_cmd, cwd=wdir)
        m = re.search(r"memory budget .* / (\d+) ranks? on this node", p.stderr)
        if p.returncode != 0 or not m or int(m.group(1)) != want:
            report(name, ["exit %d, line: %s" % (p.returncode, m.group(0) if m else None)])
        else:
            report(name, None)


# ---------------------------------------------------------------- a node dies

def node_killed():
    name = "node 2 killed mid-job: the job ends everywhere, nothing incomplete looks done"
    wdir = fresh(os.path.join(WORK, "kill"))
    src = os.path.join(wdir, "m.csv")
    with open(src, "w") as f:
        f.write("k,v\n")
        for i in range(100000):
            f.write("%d,%d\n" % (i % 100, i))
    outs = fresh(os.path.join(wdir, "s"))
    nstmt = 200
    job = sluice_job(wdir, "".join(
        "COPY (SELECT k, count(*) AS n FROM read_csv('%s') GROUP BY k) TO '%s/o%d' "
        "(FORMAT csv, HEADER false);\n" % (src, outs, i) for i in range(nstmt)))
    t0 = time.time()
    proc = subprocess.Popen(launch("2 nodes x 2", [SLUICE, "run", job], timeout=90),
                            env=BED_ENV, cwd=wdir, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    committed = lambda: [d for d in os.listdir(outs) if "sluice-" not in d]  # noqa: E731
    deadline = time.time() + 60
    while len(committed()) < 2 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    bed("kill", "slt2")
    t_kill = time.time()
    try:
        _out, err = proc.communicate(timeout=100)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
    rc = proc.returncode
    why = []
    if rc in (0, 124, None):
        why.append("exit %s: the job did not fail (0) or hung (124)" % rc)
    n_done = 0
    for d in os.listdir(outs):
        full = os.path.join(outs, d)
        if "sluice-" in d:
            continue
        n_done += 1
        if not os.path.exists(os.path.join(full, "_SUCCESS")):
            why.append("%s has no _SUCCESS" % d)
            continue
        rows = 0
        for fn in os.listdir(full):
            if fn.endswith(".csv"):
                with open(os.path.join(full, fn)) as f:
                    rows += sum(1 for _ in f)
        if rows != 100:
            why.append("%s has %d rows of 100" % (d, rows))
    if n_done >= nstmt:
        why.append("all %d statements ran before the kill" % nstmt)
    # Every process of the job is gone on the surviving node too (a hang is all that exceeds it).
    for _ in range(100):
        left = node_pids()
        if not left:
            break
        time.sleep(0.1)
    else:
        why.append("processes still running on the nodes: %s" % left)
        for n in NODES:
            bed("kill", n, check=False)
    if why:
        why += err.strip().split("\n")[-6:]
    report(name, why)
    print("    (%d of %d committed; ended %.1f s after the kill, %.1f s in all)" % (
        n_done, nstmt, time.time() - t_kill, time.time() - t0))


# ---------------------------------------------------------------- Slurm across the nodes

SLURM = os.path.join(ROOT, "scripts", "slurm-local.sh")


def slurm_across_nodes(conn):
    """sbatch -N 2 jobs/sluice.sbatch through srun on one slurmd per node (3 nodes)."""
    name = "Slurm: sbatch -N 2 jobs/sluice.sbatch runs through srun on 2 of 3 nodes"
    env = dict(BED_ENV, SLURM_LOCAL_NODES="3", SLURM_LOCAL_DIR=os.path.join(
        BED_DIR + "-slurm"), OMPI_MCA_btl="tcp,self", OMPI_MCA_btl_tcp_if_include="198.18.0.0/24",
        OMPI_MCA_oob_tcp_if_include="198.18.0.0/24", SLUICE=SLUICE)
    have = all(shutil.which(b) for b in ("slurmctld", "slurmd", "sbatch", "munged"))
    if not have:
        if "slurm" in sluice_env.REQUIRE:
            report(name, "Slurm is not installed (required by SLUICE_REQUIRE)")
        else:
            counts["skipped"] += 1
            print("skip %s: Slurm not installed (scripts/slurm-local.sh install)" % name)
        return

    def sl(*a, timeout=120):
        return subprocess.run(["timeout", str(timeout), "bash", SLURM] + list(a), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        p = sl("start")
        if p.returncode:
            report(name, "slurm-local.sh start: " + p.stderr.strip()[-500:])
            return
        wdir = fresh(os.path.join(WORK, "slurm"))
        res = os.path.join(wdir, "res")
        env["SLUICE_RESULTS"] = res
        # auto two-level from 2 ranks: it only goes two-level when sluice sees >1 node.
        job = sluice_job(wdir, "SET exchange_two_level_ranks = '2';\n"
                         "SELECT k, count(*) AS n, sum(i1) AS s FROM read_csv('%s/wide/*.csv', "
                         "header=true) GROUP BY k ORDER BY k;\n" % DATA)
        p = subprocess.run(["timeout", "60", "bash", SLURM, "client", "sbatch", "--parsable",
                            "-N", "2", "--ntasks-per-node=2", "-o", os.path.join(wdir, "o.txt"),
                            os.path.join(ROOT, "jobs", "sluice.sbatch"), job, "--format", "csv",
                            "-v"], env=env, cwd=wdir, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        jid = p.stdout.strip()
        if p.returncode or not jid:
            report(name, "sbatch: exit %d %s" % (p.returncode, p.stderr.strip()[-300:]))
            return
        w = sl("wait", jid, "90")
        why = []
        if w.stdout.strip() != "COMPLETED":
            why.append("job %s ended %s" % (jid, w.stdout.strip()))
        try:
            with open(os.path.join(res, "settings.txt")) as f:
                settings = f.read()
            with open(os.path.join(res, "stdout.txt")) as f:
                got = list(csv.reader(f))
            with open(os.path.join(res, "stderr.txt")) as f:
                err = f.read()
        except OSError as ex:
            report(name, why + ["results: %s" % ex])
            return
        for want in ("launcher: srun", "SLURM_JOB_NUM_NODES=2", "SLURM_TASKS_PER_NODE=2(x2)"):
            if want not in settings:
                why.append("settings.txt lacks %r" % want)
        exp = [list(r) for r in conn.execute(
            "SELECT k, count(*), sum(i1) FROM wide GROUP BY k ORDER BY k")]
        rows = [[None if x == "" else int(x) for x in r] for r in got[1:]]
        def key(r):
            return [(v is None, v or 0) for v in r]
        if got[:1] != [["k", "n", "s"]] or sorted(rows, key=key) != sorted(exp, key=key):
            why.append("rows differ from sqlite3: %s vs %s" % (got[:3], exp[:2]))
        x = exchange_line(err)
        if not x or x[5] == 0:
            why.append("sluice did not see 2 nodes (no two-level round): %s" % x)
        report(name, why)
    finally:
        sl("stop")


def _comm(pid):
    try:
        with open("/proc/%s/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def requeue_for_real():
    """jobs/requeue.sbatch at a real Slurm time limit across 2 nodes (make nodes-requeue):
    --time=1 with --signal=B:USR1@55 makes slurmctld send USR1 within its first ~35 s; sluice
    stops (130), the script requeues the job, and the second run (--resume) must skip exactly
    the COPYs committed before and finish the rest. While the job waits to be requeued the test
    cuts the job file to the committed statements + 10 (their fingerprints do not depend on
    later statements) and lifts the time limit and Slurm's requeue delay (~2 min), so the
    second run is short whatever the machine's speed."""
    name = "requeue.sbatch: time limit -> USR1 -> requeue -> --resume finishes, skips committed"
    env = dict(BED_ENV, SLURM_LOCAL_NODES="2", SLURM_LOCAL_DIR=BED_DIR + "-slurm",
               OMPI_MCA_btl="tcp,self", OMPI_MCA_btl_tcp_if_include="198.18.0.0/24",
               OMPI_MCA_oob_tcp_if_include="198.18.0.0/24", SLUICE=SLUICE)

    def sl(*a, timeout=60):
        return subprocess.run(["timeout", str(timeout), "bash", os.path.join(
            ROOT, "scripts", "slurm-local.sh")] + list(a), env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)

    def job_info(jid):
        t = sl("client", "scontrol", "show", "job", jid).stdout
        st = re.search(r"JobState=(\w+)", t)
        rs = re.search(r"Restarts=(\d+)", t)
        return (st.group(1) if st else "?"), (int(rs.group(1)) if rs else -1)

    wdir = fresh(os.path.join(WORK, "requeue"))
    outs = fresh(os.path.join(wdir, "s"))
    src = os.path.join(wdir, "m.csv")
    with open(src, "w") as f:
        f.write("k,v\n")
        for i in range(20000):
            f.write("%d,%d\n" % (i % 100, i))
    stmts = ["COPY (SELECT k, count(*) AS n FROM read_csv('%s') GROUP BY k) TO '%s/o%04d' "
             "(FORMAT csv, HEADER false);\n" % (src, outs, i) for i in range(3000)]
    job = sluice_job(wdir, "".join(stmts))
    log = os.path.join(wdir, "job.out")
    try:
        p = sl("start")
        if p.returncode:
            report(name, "slurm-local.sh start: " + p.stderr.strip()[-400:])
            return
        p = subprocess.run(["timeout", "60", "bash", SLURM, "client", "sbatch", "--parsable",
                            "-N", "2", "--ntasks-per-node=2", "--time=1",
                            "--signal=B:USR1@55", "-o", log,
                            os.path.join(ROOT, "jobs", "requeue.sbatch"), job], env=env,
                           cwd=wdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        jid = p.stdout.strip()
        if p.returncode or not jid:
            report(name, "sbatch: exit %d %s" % (p.returncode, p.stderr.strip()[-300:]))
            return
        t0 = time.time()
        state, restarts = "?", 0
        while time.time() - t0 < 120:
            state, restarts = job_info(jid)
            if restarts >= 1 or state in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"):
                break
            time.sleep(0.5)
        if restarts < 1:
            report(name, "not requeued within 120 s: %s, restarts %d" % (state, restarts))
            return
        t_requeue = time.time() - t0
        done = sorted(d for d in os.listdir(outs) if "sluice-" not in d)
        stamp = {d: os.stat(os.path.join(outs, d, "_SUCCESS")).st_ino for d in done
                 if os.path.exists(os.path.join(outs, d, "_SUCCESS"))}
        keep = len(done) + 10
        with open(job, "w") as f:
            f.write("".join(stmts[:keep]))
        # Start the second run only once the first one's steps are gone on every node (the
        # ~2 min delay Slurm adds to a requeue exists for that), then at once.
        for _ in range(300):
            busy = [x for x in node_pids() if _comm(x) in ("slurmstepd", "sluice")]
            if not busy:
                break
            time.sleep(0.1)
        sl("client", "scontrol", "update", "JobId=" + jid, "TimeLimit=5", "StartTime=now")
        while time.time() - t0 < 240:
            state, restarts = job_info(jid)
            if state in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL"):
                break
            time.sleep(0.5)
        why = []
        if state != "COMPLETED" or restarts != 1:
            why.append("job ended %s after %d restarts, want COMPLETED after 1" % (state,
                                                                                   restarts))
        with open(log, errors="replace") as f:
            text = f.read()
        for want in ("time limit near, stopping sluice", "interrupted; requeueing",
                     "run 2 of job", "requeue.sbatch: exit status 0"):
            if want not in text:
                why.append("job output lacks %r" % want)
        skipped = re.findall(r"COPY to '[^']*/(o\d+)' skipped: output up to date", text)
        if sorted(skipped) != sorted(stamp):
            why.append("skipped %d statements, %d were committed before the requeue" % (
                len(skipped), len(stamp)))
        if len(stamp) != len(done):
            why.append("%d output directories without _SUCCESS after run 1" % (
                len(done) - len(stamp)))
        for d, ino in stamp.items():
            if os.stat(os.path.join(outs, d, "_SUCCESS")).st_ino != ino:
                why.append("%s was rewritten by run 2" % d)
                break
        final = sorted(d for d in os.listdir(outs))
        if final != ["o%04d" % i for i in range(keep)]:
            why.append("outputs after run 2: %d, want %d (and no temp dirs)" % (len(final), keep))
        for d in final:
            fs = os.listdir(os.path.join(outs, d))
            rows = sum(sum(1 for _ in open(os.path.join(outs, d, fn))) for fn in fs
                       if fn.endswith(".csv"))
            if "_SUCCESS" not in fs or rows != 100:
                why.append("%s: %d rows, _SUCCESS %s" % (d, rows, "_SUCCESS" in fs))
                break
        report(name, why)
        print("    (USR1 + requeue after %.0f s with %d of %d committed; done after %.0f s)" % (
            t_requeue, len(stamp), len(stmts), time.time() - t0))
    finally:
        sl("stop")


# ---------------------------------------------------------------- main

N_CHECKS = len(E2E_CASES) * len(LAYOUTS) + 2 + 2 + 1 + 3 + 1 + 1


def main():
    if "--requeue" in sys.argv[1:]:
        # make nodes-requeue (a suite of make test, ~1 min)
        if bed("check", check=False).returncode != 0 or not shutil.which("slurmctld"):
            why = "needs root, network namespaces and Slurm"
            if "netns" in sluice_env.REQUIRE or "slurm" in sluice_env.REQUIRE:
                report("requeue", "%s (required by SLUICE_REQUIRE)" % why)
                print("nodes-requeue: 0 passed, 1 failed, 0 skipped")
                return 1
            print("skip requeue: %s" % why)
            print("nodes-requeue: 0 passed, 0 failed, 1 skipped")
            return 0
        try:
            requeue_for_real()
        finally:
            bed("down", check=False)
        print("nodes-requeue: %d passed, %d failed, %d skipped" % (
            counts["passed"], counts["failed"], counts["skipped"]))
        return 1 if counts["failed"] else 0
    if not os.access(SLUICE, os.X_OK):
        print("FAIL nodes: no binary %s" % SLUICE)
        print("nodes: 0 passed, 1 failed, 0 skipped")
        return 1
    e2e.gen_testdata.generate(DATA)
    conn = e2e.open_oracle(DATA)
    # One host (no namespaces needed): nodes of 2 consecutive ranks (SET exchange_node_ranks).
    two_level(conn, {"1 host x %d (nodes of 2 ranks)" % n: ["timeout", str(TIMEOUT), "mpirun",
                                                             "-n", str(n)]
                     for n in range(1, 6)})
    explain_choice()
    if bed("check", check=False).returncode != 0:
        why = "network namespaces cannot be made here (needs root, ip netns, unshare)"
        if "netns" in sluice_env.REQUIRE:
            report("nodes", "%s (required by SLUICE_REQUIRE)" % why)
        else:
            print("skip nodes: %s" % why)
        print("nodes: %d passed, %d failed, %d skipped" % (
            counts["passed"], counts["failed"], counts["skipped"] + N_CHECKS))
        return 1 if counts["failed"] else 0

    def down(*_a):
        bed("down", check=False)
        if _a:
            sys.exit(1)
    signal.signal(signal.SIGTERM, down)
    signal.signal(signal.SIGINT, down)
    t0 = time.time()
    try:
        p = bed("up", "3", "2", check=False)
        if p.returncode != 0:
            print("FAIL nodes: scripts/nodes.sh up 3 2: %s" % p.stderr.strip())
            print("nodes: 0 passed, 1 failed, 0 skipped")
            return 1
        e2e_cases(conn)
        two_level(conn, {k: ["timeout", str(TIMEOUT), "bash", NODES_SH, "mpirun"] + v
                         for k, v in LAYOUTS.items() if v is not None})
        manifest_identical()
        budget_per_node()
        csv_path, agg = spill_data()
        spill_across_nodes(csv_path, agg)
        spill_in_node_tmp(csv_path)
        node_killed()
        slurm_across_nodes(conn)
    finally:
        down()
    print("(%.0f s)" % (time.time() - t0))
    print("nodes: %d passed, %d failed, %d skipped" % (
        counts["passed"], counts["failed"], counts["skipped"]))
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
