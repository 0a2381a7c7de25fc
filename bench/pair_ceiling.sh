#!/usr/bin/env bash
# bench/pair_ceiling.sh - what the machine itself allows for 1 -> N rank efficiency (issue 14):
# one job alone on core 0, against N independent copies of it at once, each on a core of its
# own (no MPI between them, nothing shared but the machine: caches, memory bandwidth, the
# hypervisor). A job split over N ranks ends with its slowest rank, so the ceiling is the
# median wall alone over the median of each rep's slowest copy: a program that splits its work
# perfectly over N ranks on this machine reaches at most about that ratio as its 1 -> N
# efficiency, so sluice's efficiency is best read against it. ("ratio" divides by the median
# of every copy's wall, as in earlier results.)
#
#   bench/pair_ceiling.sh [--reps 7] [--copies 2] [--rows 1e7] [--job q1|pipeline]
#                         [--with-sluice] [--sluice build/sluice]
#
# The job is bench/queries/q1.sql or bench/sluice_pipeline.sql (its COPY into a scratch
# directory) on the db-benchmark table; the copies run sluice without mpirun (one rank, a
# singleton). --with-sluice also runs the job itself under mpirun at 1 rank and at N ranks in
# the same reps and prints its efficiency (median wall at 1 / (N x median wall at N)) beside
# the ceiling. Runs are interleaved (alone, together, [1 rank, N ranks,] alone, ...). Prints one
# line per rep and the medians; appends one JSON line to
# bench/results/pair-ceiling-<date>-<host>.jsonl.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
reps=7 copies=2 rows=1e7 sluice=build/sluice data=bench/data job=q1 with_sluice=false
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps=$2; shift 2 ;; --copies) copies=$2; shift 2 ;; --rows) rows=$2; shift 2 ;;
    --sluice) sluice=$2; shift 2 ;; --job) job=$2; shift 2 ;;
    --with-sluice) with_sluice=true; shift ;;
    *) echo "bench/pair_ceiling.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$job" in
  q1) sql=bench/queries/q1.sql ;; pipeline) sql=bench/sluice_pipeline.sql ;;
  *) echo "bench/pair_ceiling.sh: --job q1 or pipeline, not $job" >&2; exit 2 ;;
esac
(( copies <= $(nproc) )) || { echo "bench/pair_ceiling.sh: $copies copies, $(nproc) cores" >&2; exit 2; }
name=$(/usr/bin/python3 -c "import sys; sys.path.insert(0, 'scripts'); import gen_groupby as g; print(g.file_stem(int(float('$rows')), 100, 0, 0))")
input=$data/$name.csv
[ -f "$input" ] || /usr/bin/python3 scripts/gen_groupby.py "$rows" --out "$data" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
# One run of the job (output directory $2 for the pipeline's COPY), its wall seconds into
# file $1; the command's prefix (taskset, mpirun) follows.
one() {
  local t=$1 out=$2
  shift 2
  rm -rf "$out"
  /usr/bin/time -o "$t" -f "%e" "$@" "$sluice" run --quiet "$sql" -D input="$input" \
    -D output="$out" --format csv > /dev/null
}
alone=() together=() slowest=() mpi1=() mpiN=()
for rep in $(seq "$reps"); do
  one "$tmp/a" "$tmp/oa" taskset -c 0
  alone+=("$(cat "$tmp/a")")
  for c in $(seq 0 $((copies - 1))); do one "$tmp/t$c" "$tmp/o$c" taskset -c "$c" & done
  wait
  worst=0 line=""
  for c in $(seq 0 $((copies - 1))); do
    t=$(cat "$tmp/t$c")
    together+=("$t")
    line+="$t "
    worst=$(/usr/bin/python3 -c "print(max($worst, $t))")
  done
  slowest+=("$worst")
  extra=""
  if $with_sluice; then
    one "$tmp/m1" "$tmp/om" timeout 600 mpirun -n 1
    one "$tmp/mN" "$tmp/om" timeout 600 mpirun -n "$copies"
    mpi1+=("$(cat "$tmp/m1")") mpiN+=("$(cat "$tmp/mN")")
    extra=", sluice 1 rank ${mpi1[-1]} s, $copies ranks ${mpiN[-1]} s"
  fi
  echo "rep $rep: alone ${alone[-1]} s, together ${line}s$extra"
done
mkdir -p bench/results
/usr/bin/python3 - "$copies" "$rows" "$reps" "$job" "${alone[*]}" "${together[*]}" \
  "${slowest[*]}" "${mpi1[*]:-}" "${mpiN[*]:-}" \
  "bench/results/pair-ceiling-$(date +%F)-$(hostname).jsonl" <<'PY'
import json, platform, statistics, sys, time
copies, rows, reps, job = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
alone, together, slowest, mpi1, mpin = ([float(x) for x in a.split()] for a in sys.argv[5:10])
ma, mt, ms = statistics.median(alone), statistics.median(together), statistics.median(slowest)
rec = {"bench": "pair_ceiling", "job": job, "rows": rows, "copies": copies, "reps": reps,
       "alone_s": alone, "together_s": together, "slowest_s": slowest,
       "alone_median_s": ma, "together_median_s": mt, "slowest_median_s": ms,
       "ratio": round(ma / mt, 3), "ceiling": round(ma / ms, 3),
       "machine": platform.node(), "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
msg = ("alone median %.3f s, a copy among %d median %.3f s, the slowest copy median %.3f s: "
       "ceiling %.3f" % (ma, copies, mt, ms, ma / ms))
if mpi1:
    m1, mn = statistics.median(mpi1), statistics.median(mpin)
    rec.update({"sluice_1_s": mpi1, "sluice_n_s": mpin, "sluice_1_median_s": m1,
                "sluice_n_median_s": mn, "sluice_efficiency": round(m1 / (copies * mn), 3)})
    msg += "; sluice under mpirun: 1 rank %.3f s, %d ranks %.3f s, efficiency %.3f" % (
        m1, copies, mn, m1 / (copies * mn))
with open(sys.argv[10], "a") as f:
    f.write(json.dumps(rec) + "\n")
print(msg)
PY
