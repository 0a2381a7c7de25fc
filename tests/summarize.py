#!/usr/bin/python3
"""Sums the closing lines of test suites (the Makefile's `test` and `san-check` targets).

    summarize.py LOGDIR SUITE...     one line per suite, then "N passed, M failed, K skipped"
    summarize.py --total LOGDIR...   adds up the totals of earlier runs ("ci: N passed, ...")

Each suite's runner ends with a closing line "<suite>: N passed, M failed, K skipped" (the
skipped part may be missing: fuzz/run.sh and tests/faults/run.sh print only the first two);
the Makefile tees suite S's output into LOGDIR/S.log and its exit status into LOGDIR/S.rc. The
last such line of each name in a log counts, summed (join runs two scripts). A suite fails the
run when it printed no closing line, when it counted a failure, or when it exited non-zero
(then at least one failure is counted for it, so the total never says "0 failed" for a suite
that failed). The total goes to LOGDIR/total.txt too, for --total. Exits 1 when any suite
failed.
"""
import os
import re
import sys

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


def suites(logdir, names):
    total = [0, 0, 0]
    bad = []
    print("== summary (logs in %s)" % logdir)
    width = max(len(n) for n in names)
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
        print("  %-*s %d passed, %d failed, %d skipped%s" % (width + 1, name + ":", counts[0],
                                                               counts[1], counts[2], note))
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
    return 1 if total[1] else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "--total":
        return totals(argv[1:])
    if len(argv) < 2:
        print(__doc__.strip())
        return 2
    return suites(argv[0], argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
