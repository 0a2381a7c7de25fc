#!/usr/bin/python3
"""COPY target safety and partition tests (`make copy`, issue #10 items 1 and 5).

Called as `SLUICE=build/sluice /usr/bin/python3 tests/copy/run.py [-k PATTERN] [-v]`.

Every case runs `timeout 120 mpirun -n N sluice run JOB` on data written here and checks a
precise expectation: the exit status, a fragment of the error message, directory trees
byte-for-byte (sha256 of every file, link targets, the entry list) before and after, and the
rows read back from the output with Python's csv module against the rows the test generated
(the oracle; never sluice's own output). The manifest (_SUCCESS) must list exactly the part
files on disk with their rows and bytes.

Target safety (DuckDB semantics): a non-empty target is refused without OVERWRITE /
OVERWRITE_OR_IGNORE; OVERWRITE replaces only what sluice wrote unless --force, and never a
directory holding the statement's input; a symlink is refused; OVERWRITE_OR_IGNORE adds
files beside the old ones (old files untouched, merged manifest, --resume does not add them
twice); a lock file serializes two jobs (the second waits, or fails with --lock-wait 0).
Partitions: 1000 partitions on 2 ranks give at most one file per partition and rank; values
longer than a file name are shortened with a hash and recorded in the manifest; values that
differ only in case stay apart when names are encoded for a case-insensitive file system
(forced with SLUICE_COPY_CASE_INSENSITIVE=1, and on a real case-insensitive mount:
tests/copy/cifs.py, a FUSE file system that folds case like vfat/NTFS/APFS, which also lacks
RENAME_EXCHANGE; when python3-fusepy or /dev/fuse is missing that case is counted as skipped).

Prints "ok   NAME" / "FAIL NAME: why" / "skip NAME: why" and finally
"copy: N passed, M failed, K skipped"; exits 1 on any failure.
"""
import argparse
import collections
import csv
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sluice_env import ENV, SLUICE  # noqa: E402

TIMEOUT = 120
passed = failed = skipped = 0
verbose = False
W = None          # scratch directory
_njob = 0


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


def run(np, job, *args, env=None, background=False):
    """Runs `sluice run JOB ARGS` on np ranks. Returns (rc, stdout, stderr) or, with
    background, (Popen, path of its stderr file)."""
    global _njob
    _njob += 1
    jf = os.path.join(W, "jobs", f"j{_njob}.sql")
    with open(jf, "w") as f:
        f.write(job)
    e = dict(ENV)
    e.update(env or {})
    cmd = ["timeout", str(TIMEOUT), "mpirun", "-n", str(np), SLUICE, "run", jf] + list(args)
    if background:
        errp = jf + ".err"
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(errp, "w"), env=e,
                             cwd=W)
        return p, errp
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, cwd=W)
    err = p.stderr.decode("utf-8", "replace")
    if verbose:
        print(f"  $ {' '.join(cmd)}\n  rc={p.returncode}\n" + err, end="")
    return p.returncode, p.stdout.decode("utf-8", "replace"), err


def tree(path):
    """A byte-for-byte picture of path: the root's kind and every entry below it (kind, and
    sha256 of files / target of links), never following links."""
    def one(p):
        if os.path.islink(p):
            return ("link", os.readlink(p))
        if os.path.isdir(p):
            return ("dir",)
        if os.path.isfile(p):
            with open(p, "rb") as f:
                return ("file", hashlib.sha256(f.read()).hexdigest())
        return ("missing",) if not os.path.lexists(p) else ("other",)
    out = {".": one(path)}
    if out["."] == ("dir",):
        for dp, dns, fns in os.walk(path):
            for n in dns + fns:
                full = os.path.join(dp, n)
                out[os.path.relpath(full, path)] = one(full)
    return out


def leftovers():
    """Temp, old and lock entries anywhere under W."""
    bad = []
    for dp, dns, fns in os.walk(W):
        for n in dns + fns:
            if re.search(r"\.sluice-(tmp|old)-|\.sluice-lock$", n):
                bad.append(os.path.relpath(os.path.join(dp, n), W))
    return bad


def write_csv(path, header, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def read_output(outdir, pcols, ignore=()):
    """Reads a COPY output back with the csv module: (rows as tuples (file columns...,
    partition values...), manifest, problems). Partition values come from the directory
    names (percent-decoded) or, for shortened names, from the manifest's "partitions"."""
    problems, rows = [], []
    mpath = os.path.join(outdir, "_SUCCESS")
    try:
        with open(mpath, encoding="utf-8") as f:
            man = json.load(f)
    except (OSError, ValueError) as ex:
        return [], None, [f"no readable _SUCCESS: {ex}"]
    listed = {e["path"]: e for e in man["files"]}
    longnames = {e["dir"]: e["values"] for e in man.get("partitions", [])}
    on_disk = set()
    for dp, dns, fns in os.walk(outdir):
        for fn in fns:
            rel = os.path.relpath(os.path.join(dp, fn), outdir)
            if rel != "_SUCCESS" and rel not in ignore:
                on_disk.add(rel)
    if on_disk != set(listed):
        problems.append("files on disk %s != manifest %s" % (
            sorted(on_disk - set(listed))[:3], sorted(set(listed) - on_disk)[:3]))
    total = 0
    for rel in sorted(on_disk & set(listed)):
        with open(os.path.join(outdir, rel), "rb") as f:
            data = f.read()
        recs = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        body = recs[1:]
        if listed[rel]["rows"] != len(body) or listed[rel]["bytes"] != len(data):
            problems.append(f"{rel}: manifest rows/bytes {listed[rel]['rows']}/"
                            f"{listed[rel]['bytes']}, disk {len(body)}/{len(data)}")
        total += len(body)
        comps = rel.split(os.sep)[:-1]
        pv = []
        if len(comps) != len(pcols):
            problems.append(f"{rel}: depth {len(comps)}, want {len(pcols)}")
            continue
        d = os.path.dirname(rel)
        for k, comp in zip(pcols, comps):
            if "~" in comp:
                vals = longnames.get(d)
                if vals is None:
                    problems.append(f"{rel}: shortened name {comp!r} not in the manifest")
                    pv.append("?")
                else:
                    pv.append(vals[k])
                continue
            name, _, v = comp.partition("=")
            if urllib.parse.unquote(name) != k:
                problems.append(f"{rel}: directory {comp!r} is not {k}=value")
            pv.append(None if v == "NULL" else urllib.parse.unquote(v, errors="strict"))
        rows += [tuple(r) + tuple(pv) for r in body]
    if man.get("total_rows") != total:
        problems.append(f"manifest total_rows {man.get('total_rows')}, disk {total}")
    return rows, man, problems


def same_rows(got, want):
    g, w = collections.Counter(got), collections.Counter(want)
    if g == w:
        return ""
    return "rows differ: %d got, %d want; only got %s; only want %s" % (
        len(got), len(want), list((g - w).elements())[:3], list((w - g).elements())[:3])


def data(name, rows):
    """Writes W/data/NAME.csv (k, v) and returns (path, rows as strings)."""
    p = os.path.join(W, "data", name + ".csv")
    write_csv(p, ["k", "v"], rows)
    return p, [(str(k), str(v)) for k, v in rows]


def copy_job(src, target, opts="", cols="k, v"):
    o = "FORMAT csv" + (", " + opts if opts else "")
    return f"COPY (SELECT {cols} FROM read_csv('{src}')) TO '{target}' ({o});\n"


def foreign_dir(path):
    os.makedirs(os.path.join(path, "sub"), exist_ok=True)
    with open(os.path.join(path, "notes.txt"), "w") as f:
        f.write("precious, not written by sluice\n")
    with open(os.path.join(path, "sub", "data.bin"), "wb") as f:
        f.write(bytes(range(256)))


def expect_refused(name, rc, err, before, after, want_rc, frags):
    why = []
    if rc != want_rc:
        why.append(f"exit {rc}, want {want_rc}")
    for fr in frags:
        if fr not in err:
            why.append(f"stderr lacks {fr!r}")
    if before != after:
        diff = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        why.append(f"tree changed: {diff[:5]}")
    lo = leftovers()
    if lo:
        why.append(f"left behind: {lo[:3]}")
    report(not why, name, "; ".join(why) + ("\n" + err[-600:] if why else ""))


def expect_written(name, rc, err, target, pcols, want, extra=None):
    why = [] if rc == 0 else [f"exit {rc}"]
    rows, man, problems = read_output(target, pcols) if rc == 0 else ([], None, [])
    why += problems
    if rc == 0:
        d = same_rows(rows, want)
        if d:
            why.append(d)
    lo = leftovers()
    if lo:
        why.append(f"left behind: {lo[:3]}")
    if extra and man is not None:
        why += extra(man) or []
    report(not why, name, "; ".join(why) + ("\n" + err[-600:] if why else ""))
    return man


def fresh(sub):
    p = os.path.join(W, sub)
    if os.path.lexists(p):
        if os.path.islink(p) or not os.path.isdir(p):
            os.unlink(p)
        else:
            shutil.rmtree(p)
    return p


# ---- item 1: target safety -----------------------------------------------------------------

def t_not_empty(np):
    src, rows = data("a", [(f"k{i % 5}", i) for i in range(50)])
    tgt = fresh("precious")
    foreign_dir(tgt)
    before = tree(tgt)
    rc, _, err = run(np, copy_job(src, tgt))
    expect_refused(f"non-empty target refused np={np}", rc, err, before, tree(tgt), 4,
                   [f"target '{tgt}' exists and is not empty", "OVERWRITE"])
    # OVERWRITE false is no OVERWRITE at all.
    rc, _, err = run(np, copy_job(src, tgt, "OVERWRITE false"))
    expect_refused(f"OVERWRITE false refused np={np}", rc, err, before, tree(tgt), 4,
                   ["exists and is not empty"])


def t_input_dir(np):
    d = fresh("indir")
    src, rows = data("x", [(i, i * 2) for i in range(30)])
    inp = os.path.join(d, "in.csv")
    os.makedirs(d)
    shutil.copy(src, inp)
    before = tree(d)
    rc, _, err = run(np, copy_job(inp, d))
    expect_refused(f"COPY to the input's directory refused np={np}", rc, err, before, tree(d), 4,
                   ["exists and is not empty"])
    rc, _, err = run(np, copy_job(inp, d, "OVERWRITE true"))
    expect_refused(f"OVERWRITE of the input's directory refused np={np}", rc, err, before,
                   tree(d), 4, [f"holds '{inp}', an input of this statement"])
    rc, _, err = run(np, copy_job(inp, d, "OVERWRITE true"), "--force")
    expect_refused(f"OVERWRITE --force of the input's directory refused np={np}", rc, err,
                   before, tree(d), 4, [f"holds '{inp}'", "even with --force"])
    # The target is an ancestor of the input (through a glob), and a sluice output at that.
    anc = fresh("anc")
    rc, _, err = run(np, copy_job(src, anc))
    os.makedirs(os.path.join(anc, "nested"))
    inp2 = os.path.join(anc, "nested", "in2.csv")
    shutil.copy(src, inp2)
    before = tree(anc)
    rc, _, err = run(np, copy_job(os.path.join(anc, "nested", "*.csv"), anc, "OVERWRITE"),
                     "--force")
    expect_refused(f"OVERWRITE --force of an ancestor of the input refused np={np}", rc, err,
                   before, tree(anc), 4, ["an input of this statement"])


def t_foreign_force(np):
    src, rows = data("b", [(f"g{i % 3}", i) for i in range(40)])
    tgt = fresh("foreign")
    foreign_dir(tgt)
    before = tree(tgt)
    rc, _, err = run(np, copy_job(src, tgt, "OVERWRITE true"))
    expect_refused(f"OVERWRITE of a foreign directory needs --force np={np}", rc, err, before,
                   tree(tgt), 4, ["no usable sluice _SUCCESS manifest", "--force"])
    rc, _, err = run(np, copy_job(src, tgt, "OVERWRITE true"), "--force")
    expect_written(f"OVERWRITE --force replaces a foreign directory np={np}", rc, err, tgt, [],
                   rows, lambda m: [] if not os.path.exists(os.path.join(tgt, "notes.txt"))
                   else ["notes.txt still there"])


def t_replace(np):
    srca, rowsa = data("ra", [(f"a{i % 4}", i) for i in range(60)])
    srcb, rowsb = data("rb", [(f"b{i % 7}", -i) for i in range(25)])
    tgt = fresh("rep")
    rc, _, err = run(np, copy_job(srca, tgt))
    expect_written(f"new target np={np}", rc, err, tgt, [], rowsa)
    before = tree(tgt)
    rc, _, err = run(np, copy_job(srcb, tgt))
    expect_refused(f"earlier output kept without OVERWRITE np={np}", rc, err, before, tree(tgt),
                   4, ["exists and is not empty"])
    # OVERWRITE alone means true (DuckDB).
    rc, _, err = run(np, copy_job(srcb, tgt, "OVERWRITE"))
    expect_written(f"OVERWRITE replaces an earlier output np={np}", rc, err, tgt, [], rowsb)
    # Partitioned over partitioned: no directory of the old output survives.
    rc, _, err = run(np, copy_job(srca, tgt, "OVERWRITE true, PARTITION_BY (k)"))
    expect_written(f"OVERWRITE partitioned np={np}", rc, err, tgt, ["k"],
                   [(v, k) for k, v in rowsa])


def t_unlisted(np):
    src, rows = data("u", [(f"p{i % 3}", i) for i in range(30)])
    tgt = fresh("unlisted")
    rc, _, err = run(np, copy_job(src, tgt, "PARTITION_BY (k)"))
    extra = os.path.join(tgt, "k=p1", "my-notes.txt")
    with open(extra, "w") as f:
        f.write("mine\n")
    before = tree(tgt)
    rc, _, err = run(np, copy_job(src, tgt, "OVERWRITE true"))
    expect_refused(f"OVERWRITE refuses an output holding an unlisted file np={np}", rc, err,
                   before, tree(tgt), 4, ["holds 'k=p1/my-notes.txt'", "--force"])
    rc, _, err = run(np, copy_job(src, tgt, "OVERWRITE true"), "--force")
    expect_written(f"OVERWRITE --force replaces it np={np}", rc, err, tgt, [], rows)


def t_empty_dir(np):
    src, rows = data("e", [(i, i) for i in range(10)])
    tgt = fresh("empty")
    os.makedirs(tgt)
    rc, _, err = run(np, copy_job(src, tgt))
    expect_written(f"empty existing directory is written np={np}", rc, err, tgt, [], rows)


def t_symlink(np):
    src, rows = data("s", [(i, i) for i in range(10)])
    real = fresh("real")
    run(np, copy_job(src, real))
    link = fresh("link")
    os.symlink(real, link)
    before, before_l = tree(real), tree(link)
    rc, _, err = run(np, copy_job(src, link, "OVERWRITE true"), "--force")
    expect_refused(f"symlink target refused np={np}", rc, err, before, tree(real), 4,
                   [f"target '{link}' is a symbolic link"])
    report(tree(link) == before_l, f"symlink left as it was np={np}", "link changed")
    dang = fresh("dangling")
    os.symlink(os.path.join(W, "nowhere"), dang)
    rc, _, err = run(np, copy_job(src, dang))
    report(rc == 4 and "is a symbolic link" in err and not os.path.exists(
        os.path.join(W, "nowhere")) and os.path.islink(dang) and not leftovers(),
        f"dangling symlink refused np={np}", f"rc={rc} {err[-300:]}")


def t_or_ignore(np):
    srca, rowsa = data("oa", [(f"g{i % 3}", i) for i in range(30)])
    srcb, rowsb = data("ob", [(f"g{i % 5}", 100 + i) for i in range(20)])
    tgt = fresh("add")
    job_b = copy_job(srcb, tgt, "OVERWRITE_OR_IGNORE true, PARTITION_BY (k)")
    rc, _, err = run(np, copy_job(srca, tgt, "PARTITION_BY (k)"))
    before = tree(tgt)
    rc, _, err = run(np, job_b)
    want = [(v, k) for k, v in rowsa + rowsb]
    after = tree(tgt)

    def check_add(man):
        why = []
        for rel, sig in before.items():
            if rel not in ("_SUCCESS", ".") and after.get(rel) != sig:
                why.append(f"old file {rel} changed")
        if man and len(man.get("commits", [])) != 2:
            why.append(f"{len(man.get('commits', []))} commits in the manifest, want 2")
        return why
    expect_written(f"OVERWRITE_OR_IGNORE adds files beside the old ones np={np}", rc, err, tgt,
                   ["k"], want, check_add)
    # Rerun with --resume: its files are already there; nothing is added twice.
    snap = tree(tgt)
    rc, _, err = run(np, job_b, "--resume")
    report(rc == 0 and "skipped: output up to date" in err and tree(tgt) == snap,
           f"--resume does not add the same files twice np={np}", f"rc={rc} {err[-400:]}")
    # A failing OVERWRITE_OR_IGNORE leaves the target byte-for-byte as it was.
    bad = os.path.join(W, "data", "bad.csv")
    with open(bad, "w") as f:
        f.write("k,v\na,1\nb,oops\n")
    snap = tree(tgt)
    job = (f"COPY (SELECT k, v FROM read_csv('{bad}', columns={{'k': 'VARCHAR', 'v': "
           f"'BIGINT'}})) TO '{tgt}' (FORMAT csv, OVERWRITE_OR_IGNORE, PARTITION_BY (k));\n")
    rc, _, err = run(np, job)
    expect_refused(f"failed OVERWRITE_OR_IGNORE leaves the target np={np}", rc, err, snap,
                   tree(tgt), 5, ["oops"])
    # Another partitioning would make the manifest lie.
    rc, _, err = run(np, copy_job(srcb, tgt, "OVERWRITE_OR_IGNORE true"))
    expect_refused(f"OVERWRITE_OR_IGNORE with another PARTITION_BY refused np={np}", rc, err,
                   snap, tree(tgt), 2, ['partition_by ["k"]'])
    # Into a directory sluice did not write: its files stay, the manifest lists only sluice's,
    # so a later OVERWRITE still needs --force.
    tgt2 = fresh("addforeign")
    foreign_dir(tgt2)
    fb = tree(tgt2)
    rc, _, err = run(np, copy_job(srca, tgt2, "OVERWRITE_OR_IGNORE"))
    rows, man, problems = read_output(tgt2, [], ignore={"notes.txt", "sub/data.bin"})
    fa = tree(tgt2)
    why = [f"exit {rc}"] if rc else []
    why += [f"foreign {k} changed" for k in fb if k != "." and fa.get(k) != fb[k]]
    why += problems
    d = same_rows(rows, rowsa)
    if d:
        why.append(d)
    report(not why, f"OVERWRITE_OR_IGNORE into a foreign directory np={np}",
           "; ".join(why) + "\n" + err[-300:])
    rc, _, err = run(np, copy_job(srca, tgt2, "OVERWRITE"))
    named = "'notes.txt'" if "holds 'notes.txt'" in err else "'sub/data.bin'"
    expect_refused(f"...after which OVERWRITE still needs --force np={np}", rc, err, fa,
                   tree(tgt2), 4, [f"holds {named}, which its _SUCCESS manifest does not list"])


def t_options():
    src, rows = data("opt", [(1, 2)])
    tgt = fresh("opts")
    rc, _, err = run(1, copy_job(src, tgt, "OVERWRITE true, OVERWRITE_OR_IGNORE true"))
    report(rc == 2 and "cannot be combined" in err and not os.path.exists(tgt),
           "OVERWRITE with OVERWRITE_OR_IGNORE refused", f"rc={rc} {err[-300:]}")
    before = tree(os.path.join(W, "data"))
    rc, _, err = run(2, copy_job(src, "./", "OVERWRITE"), "--force")
    report(rc == 2 and "does not name a directory of its own" in err and
           tree(os.path.join(W, "data")) == before and not leftovers(),
           "COPY TO '.' refused, also with OVERWRITE --force", f"rc={rc} {err[-300:]}")
    rc, _, err = run(1, copy_job(src, tgt), "--lock-wait", "soon")
    report(rc == 2 and "--lock-wait needs a number" in err, "--lock-wait checks its value",
           f"rc={rc} {err[-300:]}")
    p = subprocess.run([SLUICE, "--help"], stdout=subprocess.PIPE, env=ENV)
    h = p.stdout.decode()
    report("--force" in h and "--lock-wait" in h, "--help lists --force and --lock-wait", h[-300:])


def t_lock(np):
    src, rows = data("l", [(f"q{i % 4}", i) for i in range(40)])
    tgt = fresh("locked")
    lockp = tgt + ".sluice-lock"
    fd = os.open(lockp, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX)    # a POSIX lock: conflicts with sluice's OFD lock
        rc, _, err = run(np, copy_job(src, tgt), "--lock-wait", "0")
        why = []
        if rc != 4:
            why.append(f"exit {rc}, want 4")
        if f"target '{tgt}' is being written by another sluice job" not in err:
            why.append("message")
        if os.path.exists(tgt):
            why.append("target written")
        report(not why, f"locked target fails with --lock-wait 0 np={np}",
               "; ".join(why) + "\n" + err[-400:])
        # The second job waits while the lock is held and goes on once it is released.
        p, errp = run(np, copy_job(src, tgt), "--lock-wait", "100", background=True)
        t0 = time.time()
        seen = False
        while time.time() - t0 < 90 and p.poll() is None:
            with open(errp) as f:
                if "is waiting for another sluice job" in f.read():
                    seen = True
                    break
            time.sleep(0.05)
        still = p.poll() is None
    finally:
        os.close(fd)                      # releases the lock
    rc = p.wait()
    with open(errp) as f:
        err = f.read()
    why = [] if seen and still else [f"no waiting message while locked (seen={seen}, "
                                     f"running={still})"]
    if os.path.exists(lockp):
        why.append("lock file left")
        os.unlink(lockp)
    expect_written(f"job waits for the lock and then writes np={np}", rc, err, tgt, [], rows,
                   lambda m: why)


def t_concurrent(np, rounds=3):
    srca, rowsa = data("ca", [(f"a{i % 6}", i) for i in range(3000)])
    srcb, rowsb = data("cb", [(f"b{i % 6}", -i) for i in range(2000)])
    for r in range(rounds):
        tgt = fresh("conc")
        pa, ea = run(np, copy_job(srca, tgt, "OVERWRITE true, PARTITION_BY (k)"), background=True)
        pb, eb = run(np, copy_job(srcb, tgt, "OVERWRITE true, PARTITION_BY (k)"), background=True)
        ra, rb = pa.wait(), pb.wait()
        errs = open(ea).read() + open(eb).read()
        why = [] if ra == 0 and rb == 0 else [f"exit {ra}/{rb}"]
        rows, man, problems = read_output(tgt, ["k"])
        why += problems
        got = collections.Counter(rows)
        if got != collections.Counter((v, k) for k, v in rowsa) and \
           got != collections.Counter((v, k) for k, v in rowsb):
            why.append(f"output is neither job's ({len(rows)} rows)")
        lo = leftovers()
        if lo:
            why.append(f"left behind: {lo[:3]}")
        report(not why, f"two jobs writing one target, round {r + 1} np={np}",
               "; ".join(why) + "\n" + errs[-600:])


# ---- item 5: partitions ----------------------------------------------------------------

def t_many_partitions(np):
    nk = 1000
    # 300000 rows: several 65536-row batches per rank, each touching every partition, so
    # the 256-file cap closes files between batches.
    src, rows = data("many", [(i % nk, i) for i in range(300000)])
    tgt = fresh("many")
    rc, _, err = run(np, copy_job(src, tgt, "PARTITION_BY (k)"))

    def per_partition(man):
        counts = collections.Counter(os.path.dirname(e["path"]) for e in man["files"])
        why = []
        if len(counts) != nk:
            why.append(f"{len(counts)} partition directories, want {nk}")
        over = {d: n for d, n in counts.items() if n > np}
        if over:
            why.append(f"{len(over)} partitions have more than {np} files (e.g. "
                       f"{sorted(over.items())[:2]}; {len(man['files'])} files in all)")
        return why
    expect_written(f"{nk} partitions: one file per partition and rank np={np}", rc, err, tgt,
                   ["k"], [(v, k) for k, v in rows], per_partition)


LONG_VALUES = ["x" * 300, "x" * 300 + "y", "\u00e9" * 200, "a/b" * 100, "short",
               "Z" * 254, "%" * 90]


def t_long_values(np, names_by_np):
    rows = [(LONG_VALUES[i % len(LONG_VALUES)], i) for i in range(70)]
    src, srows = data("long", rows)
    tgt = fresh("long")
    rc, _, err = run(np, copy_job(src, tgt, "PARTITION_BY (k)"))

    def check(man):
        why = []
        dirs = {os.path.dirname(e["path"]) for e in man["files"]}
        long_ = [d for d in dirs if len(d.encode()) > 255]
        if long_:
            why.append(f"names over 255 bytes: {long_[:1]}")
        if len(dirs) != len(LONG_VALUES):
            why.append(f"{len(dirs)} directories for {len(LONG_VALUES)} values")
        names_by_np[np] = dirs
        if any(d != dirs for d in names_by_np.values()):
            why.append("directory names depend on the rank count")
        return why
    expect_written(f"long partition values shortened with a hash np={np}", rc, err, tgt, ["k"],
                   [(v, k) for k, v in srows], check)


CASE_VALUES = ["a", "A", "Ab", "aB", "AB", "ab", "\u00c9", "\u00e9"]


def case_check(tgt, np, label, rc, err):
    rows = [(CASE_VALUES[i % len(CASE_VALUES)], i) for i in range(40)]

    def check(man):
        dirs = {os.path.dirname(e["path"]) for e in man["files"]}
        folded = {d.lower() for d in dirs}
        why = []
        if len(folded) != len(CASE_VALUES):
            why.append(f"{len(dirs)} directories, {len(folded)} after case folding, want "
                       f"{len(CASE_VALUES)}: {sorted(dirs)}")
        return why
    expect_written(label, rc, err, tgt, ["k"], [(str(v), k) for k, v in rows], check)


def t_case_forced(np):
    rows = [(CASE_VALUES[i % len(CASE_VALUES)], i) for i in range(40)]
    src, _ = data("case", rows)
    tgt = fresh("case")
    rc, _, err = run(np, copy_job(src, tgt, "PARTITION_BY (k)"),
                     env={"SLUICE_COPY_CASE_INSENSITIVE": "1"})
    case_check(tgt, np, f"values differing only in case stay apart (forced) np={np}", rc, err)


def t_case_real(np):
    """A real case-insensitive mount: tests/copy/cifs.py (FUSE via python3-fusepy; the kernel
    here may lack vfat and CONFIG_UNICODE for ext4 casefold)."""
    name = f"case-insensitive file system (FUSE) np={np}"
    try:
        import fusepy  # noqa: F401
    except ImportError:
        skip(name, "needs python3-fusepy (Debian) for tests/copy/cifs.py")
        return
    if not os.path.exists("/dev/fuse"):
        skip(name, "no /dev/fuse")
        return
    back, mnt = os.path.join(W, "ci-back"), os.path.join(W, "ci")
    os.makedirs(back)
    os.makedirs(mnt)
    fs = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "cifs.py"),
                           back, mnt], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t0 = time.time()
    while not os.path.ismount(mnt) and fs.poll() is None and time.time() - t0 < 30:
        time.sleep(0.05)
    try:
        if not os.path.ismount(mnt):
            fs.kill()
            skip(name, "cannot mount a FUSE file system here: " +
                 fs.communicate()[1].decode(errors="replace")[-200:].strip())
            return
        with open(os.path.join(mnt, "Probe"), "w"):
            pass
        if not os.path.exists(os.path.join(mnt, "probe")):
            report(False, name, "the FUSE mount is not case-insensitive")
            return
        os.unlink(os.path.join(mnt, "Probe"))
        rows = [(CASE_VALUES[i % len(CASE_VALUES)], i) for i in range(40)]
        src, _ = data("case", rows)
        tgt = os.path.join(mnt, "out")
        rc, _, err = run(np, copy_job(src, tgt, "PARTITION_BY (k)"))
        case_check(tgt, np, name, rc, err)
        # No RENAME_EXCHANGE on this FUSE mount: OVERWRITE takes the move-aside path.
        src2, rows2 = data("case2", [(f"n{i % 3}", i) for i in range(12)])
        rc, _, err = run(np, copy_job(src2, tgt, "OVERWRITE true"))
        expect_written(f"OVERWRITE without RENAME_EXCHANGE (FUSE) np={np}", rc, err, tgt, [],
                       rows2)
        # ... and OVERWRITE_OR_IGNORE without RENAME_NOREPLACE.
        rc, _, err = run(np, copy_job(src2, tgt, "OVERWRITE_OR_IGNORE true"))
        expect_written(f"OVERWRITE_OR_IGNORE without RENAME_NOREPLACE (FUSE) np={np}", rc, err,
                       tgt, [], rows2 + rows2)
    finally:
        # fusermount comes with Debian's fuse package, which fusepy does not pull in (root
        # mounted the file system without it): umount does as well.
        fm = shutil.which("fusermount") or shutil.which("fusermount3")
        if not fm or subprocess.run([fm, "-u", mnt], stderr=subprocess.DEVNULL).returncode:
            subprocess.run(["umount", "-l", mnt], stderr=subprocess.DEVNULL)
        try:
            fs.wait(timeout=30)
        except subprocess.TimeoutExpired:
            fs.kill()


def main():
    global W, verbose
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", default="", help="run only cases whose function name contains this")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    verbose = args.v
    W = tempfile.mkdtemp(prefix="sluice-copy.")
    os.makedirs(os.path.join(W, "jobs"))
    os.makedirs(os.path.join(W, "data"))
    names_by_np = {}
    cases = [
        ("t_not_empty", lambda: [t_not_empty(n) for n in (1, 3)]),
        ("t_input_dir", lambda: [t_input_dir(n) for n in (1, 2)]),
        ("t_foreign_force", lambda: [t_foreign_force(n) for n in (1, 3)]),
        ("t_replace", lambda: [t_replace(n) for n in (1, 2, 3)]),
        ("t_unlisted", lambda: t_unlisted(2)),
        ("t_empty_dir", lambda: t_empty_dir(2)),
        ("t_symlink", lambda: [t_symlink(n) for n in (1, 2)]),
        ("t_or_ignore", lambda: [t_or_ignore(n) for n in (1, 2)]),
        ("t_options", t_options),
        ("t_lock", lambda: t_lock(2)),
        ("t_concurrent", lambda: t_concurrent(2)),
        ("t_many_partitions", lambda: t_many_partitions(2)),
        ("t_long_values", lambda: [t_long_values(n, names_by_np) for n in (1, 2, 3)]),
        ("t_case_forced", lambda: [t_case_forced(n) for n in (1, 2)]),
        ("t_case_real", lambda: t_case_real(2)),
    ]
    try:
        for name, fn in cases:
            if args.k in name:
                fn()
    finally:
        if os.environ.get("KEEP") != "1":
            shutil.rmtree(W, ignore_errors=True)
        else:
            print(f"scratch kept in {W}")
    print(f"copy: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
