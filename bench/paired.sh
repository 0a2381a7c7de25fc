#!/usr/bin/env bash
# bench/paired.sh - two sluice builds side by side on q1 and the pipeline (a regression check
# for a change that must not slow them down): runs are interleaved (old, new, old, new, ...) so
# a machine whose load drifts hurts both alike, and CPU time (user + sys) is reported besides
# wall time because it moves less with other jobs on the machine.
#
#   bench/paired.sh OLD_BINARY NEW_BINARY [--rows 1e7] [--reps 5] [--ranks 1]
#
# Prints one line per run and a median table; appends JSON lines to
# bench/results/paired-<date>-<host>.jsonl.
set -euo pipefail
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
[ $# -ge 2 ] || { echo "usage: bench/paired.sh OLD_BINARY NEW_BINARY [--rows N] [--reps N] [--ranks N]" >&2; exit 2; }
old=$(realpath "$1") new=$(realpath "$2"); shift 2
rows=1e7 reps=5 ranks=1 data=bench/data
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;; --reps) reps=$2; shift 2 ;; --ranks) ranks=$2; shift 2 ;;
    *) echo "bench/paired.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
name=$(/usr/bin/python3 -c "import sys; sys.path.insert(0, 'scripts'); import gen_groupby as g; print(g.file_stem(int(float('$rows')), 100, 0, 0))")
input=$data/$name.csv
[ -f "$input" ] || /usr/bin/python3 scripts/gen_groupby.py "$rows" --out "$data" >&2
mkdir -p "$data/out" bench/results
res=bench/results/paired-$(date +%F)-$(hostname).jsonl
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for rep in $(seq "$reps"); do
  for w in q1 pipeline; do
    for b in old new; do
      bin=$old; [ $b = new ] && bin=$new
      out=$data/out/paired_$w
      rm -rf "$out"
      /usr/bin/time -o "$log" -f "%U %S %e %M" timeout 600 mpirun -n "$ranks" "$bin" run \
        -D input="$input" -D output="$out" "bench/sluice_$w.sql" > /dev/null 2>&1
      read -r user sys wall rss < "$log"
      echo "$w $b rep $rep: cpu $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') s, wall $wall s"
      printf '{"bench": "paired", "workload": "%s", "build": "%s", "binary": "%s", "ranks": %s, "rep": %s, "rows": %s, "user_s": %s, "sys_s": %s, "wall_s": %s, "date": "%s"}\n' \
        "$w" "$b" "$bin" "$ranks" "$rep" "$rows" "$user" "$sys" "$wall" "$(date -Is)" >> "$res"
    done
  done
done
/usr/bin/python3 - "$res" "$old" "$new" <<'PY'
import json, statistics, sys
res, old, new = sys.argv[1:]
runs = [json.loads(l) for l in open(res)]
runs = [r for r in runs if r.get("bench") == "paired" and r["binary"] in (old, new)]
print("workload  build  median cpu s  median wall s  runs")
for w in ("q1", "pipeline"):
    for b in ("old", "new"):
        rs = [r for r in runs if r["workload"] == w and r["build"] == b]
        if rs:
            cpu = statistics.median(r["user_s"] + r["sys_s"] for r in rs)
            wall = statistics.median(r["wall_s"] for r in rs)
            print(f"{w:9} {b:5}  {cpu:12.2f}  {wall:13.2f}  {len(rs)}")
PY
