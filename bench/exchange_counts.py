#!/usr/bin/python3
"""Messages and bytes of the flat and the two-level exchange, measured on simulated nodes and
set beside the formulas of docs/scaling-model.md (issue 16).

    sudo SLUICE=build/sluice /usr/bin/python3 bench/exchange_counts.py [--rows 200000]
         [--ranks 2,4,6,8] [--round-bytes 16KB]

Brings up ranks/2 nodes x 2 ranks with scripts/nodes.sh (prefix slx, state in
/var/tmp/sluice-nodes-bench; taken down at the end), runs one hash GROUP BY (COPY, so every
rank writes its own part) at each rank count with SET exchange_two_level 'off' and 'on', reads
the `sluice: exchange:` line of -v (messages and payload bytes sent to other ranks, summed over
ranks and the largest rank, rounds), and prints one row per run with the formula's counts of
control messages (exact) and its bound on data messages. Also checks the two runs wrote the
same part files (manifest xxh64). Needs root.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import sluice_env  # noqa: E402

NODES = os.path.join(ROOT, "scripts", "nodes.sh")
ENV = dict(sluice_env.ENV, SLUICE_NODES_PREFIX="slx",
           SLUICE_NODES_DIR="/var/tmp/sluice-nodes-bench")
LINE = re.compile(r"sluice: exchange: (\d+) messages, (\d+) bytes .* max by one rank (\d+) "
                  r"messages, (\d+) bytes; (\d+) rounds, (\d+) two-level")


def control_msgs(P, L, R, two_level):
    """Count messages (one per sender and receiver pair, every round, even when empty)."""
    N = P // L
    if not two_level:
        return R * P * (P - 1)
    # non-leaders: P counts to the leader; leaders: count matrices to the other leaders and
    # P source counts to each of their other ranks.
    return R * (N * (L - 1) + N * (N - 1) + N * (L - 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200000)
    ap.add_argument("--ranks", default="2,4,6,8")
    ap.add_argument("--round-bytes", default="16KB")
    args = ap.parse_args()
    ranks = [int(x) for x in args.ranks.split(",")]
    work = os.path.join(ROOT, "build", "exchange-counts")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    data = os.path.join(work, "d.csv")
    with open(data, "w") as f:
        f.write("k,v\n")
        for i in range(args.rows):
            f.write("%d,%d\n" % ((i * 7919) % 50021, i % 1000))
    n_nodes = max(ranks) // 2
    subprocess.run(["bash", NODES, "up", str(n_nodes), "2"], env=ENV, check=True)
    print("| P | nodes x ranks | exchange | rounds | messages (all) | control (formula) | "
          "data msgs | data bound | max msgs/rank | bytes (all) | max bytes/rank |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    try:
        for P in ranks:
            L = 2 if P >= 2 else 1
            hosts = ",".join("slx%d:2" % (i + 1) for i in range(P // 2))
            mans = {}
            for mode in ("off", "on"):
                out = os.path.join(work, "o-%d-%s" % (P, mode))
                job = os.path.join(work, "j-%d-%s.sql" % (P, mode))
                with open(job, "w") as f:
                    f.write("SET exchange_two_level = '%s';\nSET exchange_round_bytes = '%s';\n"
                            "COPY (SELECT k, count(*) AS n, sum(v) AS s FROM read_csv('%s') "
                            "GROUP BY k) TO '%s' (FORMAT csv);\n" % (mode, args.round_bytes,
                                                                    data, out))
                p = subprocess.run(["timeout", "300", "bash", NODES, "mpirun", "-n", str(P),
                                    "--host", hosts, sluice_env.SLUICE, "run", job, "-v",
                                    "--blocksize", "256KB"], env=ENV, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
                m = LINE.search(p.stderr)
                if p.returncode or not m:
                    print("P=%d %s failed: %s" % (P, mode, p.stderr[-500:]))
                    return 1
                tot, byt, mx, mxb, R, R2 = (int(x) for x in m.groups())
                ctl = control_msgs(P, L, R, mode == "on")
                N = P // L
                bound = ctl  # one data message at most per control message
                with open(os.path.join(out, "_SUCCESS")) as f:
                    mans[mode] = sorted((x["path"], x["xxh64"]) for x in json.load(f)["files"])
                print("| %d | %d x %d | %s | %d | %d | %d | %d | %d | %d | %d | %d |" % (
                    P, N, L, "two-level" if mode == "on" else "flat", R, tot, ctl, tot - ctl,
                    bound, mx, byt, mxb))
            if mans["off"] != mans["on"]:
                print("P=%d: flat and two-level wrote different files" % P)
                return 1
    finally:
        subprocess.run(["bash", NODES, "down"], env=ENV)
    return 0


if __name__ == "__main__":
    sys.exit(main())
