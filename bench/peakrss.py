#!/usr/bin/python3
"""Runs a command and measures what bench/compare.sh records for it: wall time and the peak
memory of the whole process tree, sampled every 0.1 s from /proc.

    bench/peakrss.py RESULT.json -- COMMAND [ARGS...]

RESULT.json gets {"wall_s", "cpu_s", "peak_pss_mb", "peak_rss_mb", "rc"} (cpu_s: user + sys
of the whole process tree, from getrusage(RUSAGE_CHILDREN) - mpirun waits for its ranks):
- peak_pss_mb: the largest sum, over one sample, of the proportional set size (PSS, from
  /proc/PID/smaps_rollup) of the command and all its descendants (mpirun and every rank, a
  Dask scheduler, nannies and workers). PSS splits shared pages (libraries, shared memory)
  among the processes that map them, so the sum is the tree's real footprint; RSS would
  count a library once per process.
- peak_rss_mb: the largest RSS of any single process of the tree (what /usr/bin/time -v
  reports for one process; bench/run.sh's figure for one sluice rank).
- procs: per process of the tree, {"comm", "peak_rss_mb"}: the kernel's high-water mark of
  its RSS (VmHWM in /proc/PID/status), as last read before it exited (bench/compare.sh sums
  the sluice ranks' for issue 14's memory goal).
A spike shorter than the sampling interval can be missed (VmHWM only in the process's last
0.1 s). Exits with the command's status.
"""
import json
import os
import resource
import subprocess
import sys
import threading
import time

PAGE = os.sysconf("SC_PAGE_SIZE")


def tree(root):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    s = f.read()
                ppid = int(s[s.rindex(")") + 2:].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError):
                pass
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def mem(pid):
    """(pss, rss) in bytes, or (0, 0) for a process that is gone."""
    try:
        pss = rss = 0
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
        return pss, rss
    except (OSError, ValueError):
        return 0, 0


def hwm(pid):
    """(comm, VmHWM in bytes), or None for a process that is gone (or a kernel thread)."""
    try:
        comm, peak = None, None
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("Name:"):
                    comm = line.split(None, 1)[1].strip()
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) * 1024
        return None if peak is None else (comm, peak)
    except (OSError, ValueError, IndexError):
        return None


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    out, cmd = sys.argv[1], sys.argv[3:]
    peak = {"pss": 0, "rss": 0}
    procs = {}
    t0 = time.time()
    proc = subprocess.Popen(cmd)
    done = threading.Event()

    def sample():
        while not done.is_set():
            pids = tree(proc.pid)
            ms = [mem(p) for p in pids]
            for p in pids:
                h = hwm(p)
                if h is not None:
                    procs[p] = h
            peak["pss"] = max(peak["pss"], sum(m[0] for m in ms))
            peak["rss"] = max([peak["rss"]] + [m[1] for m in ms])
            done.wait(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    rc = proc.wait()
    wall = time.time() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    done.set()
    th.join()
    with open(out, "w") as f:
        json.dump({"wall_s": round(wall, 3), "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
                   "peak_pss_mb": round(peak["pss"] / 1e6, 1),
                   "peak_rss_mb": round(peak["rss"] / 1e6, 1), "rc": rc,
                   "procs": [{"comm": c, "peak_rss_mb": round(b / 1e6, 1)}
                             for _, (c, b) in sorted(procs.items())]}, f)
    sys.exit(rc)


if __name__ == "__main__":
    main()
