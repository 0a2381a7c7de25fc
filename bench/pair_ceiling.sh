#!/usr/bin/env bash
# bench/pair_ceiling.sh - what the machine itself allows for 1 -> N rank efficiency (issue 14):
# one job alone on core 0, against N independent copies of it at once, each on a core of its
# own (no MPI between them, nothing shared but the machine: caches, memory bandwidth, the
# hypervisor). ratio = median wall alone / median wall of a copy among N. A program that
# splits its work perfectly over N ranks on this machine reaches at most about that ratio as
# its 1 -> N efficiency, so sluice's efficiency is best read against it.
#
#   bench/pair_ceiling.sh [--reps 7] [--copies 2] [--rows 1e7] [--sluice build/sluice]
#
# The job is bench/queries/q1.sql on the db-benchmark table (sluice run without mpirun: one
# rank, a singleton). Runs are interleaved (alone, together, alone, ...). Prints one line per
# run and the medians; appends one JSON line to bench/results/pair-ceiling-<date>-<host>.jsonl.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
reps=7 copies=2 rows=1e7 sluice=build/sluice data=bench/data
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps=$2; shift 2 ;; --copies) copies=$2; shift 2 ;; --rows) rows=$2; shift 2 ;;
    --sluice) sluice=$2; shift 2 ;;
    *) echo "bench/pair_ceiling.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
(( copies <= $(nproc) )) || { echo "bench/pair_ceiling.sh: $copies copies, $(nproc) cores" >&2; exit 2; }
name=$(/usr/bin/python3 -c "import sys; sys.path.insert(0, 'scripts'); import gen_groupby as g; print(g.file_stem(int(float('$rows')), 100, 0, 0))")
input=$data/$name.csv
[ -f "$input" ] || /usr/bin/python3 scripts/gen_groupby.py "$rows" --out "$data" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One run of the job on core $1, its wall seconds into file $2.
one() {
  /usr/bin/time -o "$2" -f "%e" taskset -c "$1" "$sluice" run --quiet bench/queries/q1.sql \
    -D input="$input" --format csv > /dev/null
}
alone=() together=()
for rep in $(seq "$reps"); do
  one 0 "$tmp/a"
  alone+=("$(cat "$tmp/a")")
  for c in $(seq 0 $((copies - 1))); do one "$c" "$tmp/t$c" & done
  wait
  for c in $(seq 0 $((copies - 1))); do together+=("$(cat "$tmp/t$c")"); done
  echo "rep $rep: alone ${alone[-1]} s, together $(for c in $(seq 0 $((copies - 1))); do printf '%s ' "$(cat "$tmp/t$c")"; done)s"
done
mkdir -p bench/results
/usr/bin/python3 - "$copies" "$rows" "$reps" "${alone[*]}" "${together[*]}" \
  "bench/results/pair-ceiling-$(date +%F)-$(hostname).jsonl" <<'EOF'
import json, platform, statistics, sys, time
copies, rows, reps = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
alone = [float(x) for x in sys.argv[4].split()]
together = [float(x) for x in sys.argv[5].split()]
ma, mt = statistics.median(alone), statistics.median(together)
rec = {"bench": "pair_ceiling", "job": "q1", "rows": rows, "copies": copies, "reps": reps,
       "alone_s": alone, "together_s": together, "alone_median_s": ma,
       "together_median_s": mt, "ratio": round(ma / mt, 3),
       "machine": platform.node(), "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
with open(sys.argv[6], "a") as f:
    f.write(json.dumps(rec) + "\n")
print("alone median %.3f s, a copy among %d median %.3f s: ceiling ratio %.3f"
      % (ma, copies, mt, ma / mt))
EOF
