#!/usr/bin/python3
"""Sums the closing lines of test suites (the Makefile's `test` and `san-check` targets).

    summarize.py LOGDIR SUITE...     one line per suite, then "N passed, M failed, K skipped"
    summarize.py --total LOGDIR...   adds up the totals of earlier runs ("ci: N passed, ...")
    summarize.py --time FILE CMD...  runs CMD, writes "WALL USER SYS" seconds to FILE, exits
                                     with CMD's status (the Makefile times each suite with it)

Each suite's runner ends with a closing line "<suite>: N passed, M failed, K skipped" (the
skipped part may be missing: fuzz/run.sh and tests/faults/run.sh print only the first two);
the Makefile tees suite S's output into LOGDIR/S.log and its exit status into LOGDIR/S.rc. The
last such line of each name in a log counts, summed (join runs two scripts). A suite fails the
run when it printed no closing line, when it counted a failure, or when it exited non-zero
(then at least one failure is counted for it, so the total never says "0 failed" for a suite
that failed). Each suite line ends with the suite's wall seconds and its CPU seconds (user +
sys of everything it ran) from LOGDIR/S.time when that exists, and a last line names the
slowest suites: where CI's time goes, kept in every log. The total goes to LOGDIR/total.txt
too, for --total. Exits 1 when any suite failed.
"""
import os
import re
import resource
import subprocess
import sys
import time

CLOSING_RE = re.compile(r"^(?:([\w./-]+): )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$")


def closing_line(path):
    """(passed, failed, skipped) from path's closing lines, or None: the last line of each
    name, summed (a suite of several scripts, e.g. join's "join:" and "join-skew:")."""
    last = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = CLOSING_RE.match(line.rstrip("\n"))
                if m:
                    last[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4) or 0))
    except OSError:
        return None
    if not last:
        return None
    return tuple(sum(c[i] for c in last.values()) for i in range(3))


def exit_status(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def timed(path, cmd):
    """Runs cmd (inheriting stdin/stdout/stderr), writes "WALL USER SYS" (seconds; CPU of cmd
    and every process it waited for, MPI ranks included) to path; returns cmd's status."""
    t0 = time.monotonic()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        rc = subprocess.call(cmd)
    except OSError as e:
        print("summarize.py --time: %s: %s" % (cmd[0], e))
        rc = 127
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(path, "w") as f:
        f.write("%.1f %.1f %.1f\n" % (time.monotonic() - t0, r1.ru_utime - r0.ru_utime,
                                      r1.ru_stime - r0.ru_stime))
    return 128 - rc if rc < 0 else rc


def suite_time(path):
    """(wall, cpu) seconds from a --time file, or None."""
    try:
        with open(path) as f:
            wall, user, sys_ = (float(x) for x in f.read().split()[:3])
    except (OSError, ValueError):
        return None
    return wall, user + sys_


def suites(logdir, names):
    total = [0, 0, 0]
    bad = []
    print("== summary (logs in %s)" % logdir)
    width = max(len(n) for n in names)
    times = {}
    for name in names:
        counts = closing_line(os.path.join(logdir, name + ".log"))
        rc = exit_status(os.path.join(logdir, name + ".rc"))
        note = ""
        if counts is None:
            counts = (0, 1, 0)
            note = "  <- no closing line 'N passed, M failed' (exit status %s)" % rc
        elif rc != 0:
            if counts[1] == 0:
                counts = (counts[0], 1, counts[2])
            note = "  <- exit status %s" % rc
        if counts[1]:
            bad.append(name)
        for i in range(3):
            total[i] += counts[i]
        t = suite_time(os.path.join(logdir, name + ".time"))
        took = ""
        if t is not None:
            times[name] = t
            took = "  %6.1f s (cpu %.1f s)" % t
        print("  %-*s %-36s%s%s" % (width + 1, name + ":", "%d passed, %d failed, %d skipped"
                                     % counts, took, note))
    if times:
        slow = sorted(times, key=lambda n: -times[n][0])[:5]
        print("time: %.0f s in all (cpu %.0f s); slowest: %s" % (
            sum(t[0] for t in times.values()), sum(t[1] for t in times.values()),
            ", ".join("%s %.0f s" % (n, times[n][0]) for n in slow)))
    line = "%d passed, %d failed, %d skipped" % tuple(total)
    with open(os.path.join(logdir, "total.txt"), "w") as f:
        f.write(line + "\n")
    if bad:
        print("failed suites: %s" % " ".join(bad))
    print(line)
    return 1 if bad else 0


def totals(logdirs):
    total = [0, 0, 0]
    for d in logdirs:
        counts = closing_line(os.path.join(d, "total.txt"))
        if counts is None:
            print("no total in %s" % d)
            return 1
        for i in range(3):
            total[i] += counts[i]
    print("ci: %d passed, %d failed, %d skipped" % tuple(total))
    spent = [suite_time(os.path.join(d, f)) for d in logdirs if os.path.isdir(d)
             for f in sorted(os.listdir(d)) if f.endswith(".time")]
    spent = [t for t in spent if t is not None]
    if spent:
        print("ci: suites took %.0f s (cpu %.0f s)" % (sum(t[0] for t in spent),
                                                       sum(t[1] for t in spent)))
    return 1 if total[1] else 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "--time":
        return timed(argv[1], argv[2:])
    if len(argv) >= 2 and argv[0] == "--total":
        return totals(argv[1:])
    if len(argv) < 2:
        print(__doc__.strip())
        return 2
    return suites(argv[0], argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
