#!/usr/bin/env bash
# Cost of observability (issue #5) on the bench pipeline (bench/sluice_pipeline.sql):
#   off: --quiet                                  (no progress, no summary, no files)
#   on:  --progress --metrics F.json --report F.html (progress rounds every 0.1 s, plain lines)
# Stage/operator recording itself is always on (a few clock reads per 64K-row batch), so both
# sides include it; "on" adds the progress reductions, the gathers' output and both files.
# Runs alternate off/on REPS times and the medians are compared.
#   bench/obs_overhead.sh [SLUICE_BIN] [RANKS] [REPS] [INPUT]
# Defaults: build/sluice, 2 ranks, 5 reps, bench/data/G1_1e7_1e2_0_0.csv (make bench makes it).
# One JSON line per run goes to bench/results/obs-overhead.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
SLUICE=${1:-build/sluice}
RANKS=${2:-2}
REPS=${3:-5}
INPUT=${4:-bench/data/G1_1e7_1e2_0_0.csv}
OUT=$(mktemp -d)
RES=bench/results/obs-overhead.jsonl
trap 'rm -rf "$OUT"' EXIT
[[ -f $INPUT ]] || { echo "obs_overhead: $INPUT missing (run make bench first)" >&2; exit 1; }
run() { # mode rep
  local extra=(--quiet)
  [[ $1 == on ]] && extra=(--progress --metrics "$OUT/m.json" --report "$OUT/r.html")
  rm -rf "$OUT/dir"
  SLUICE_PROGRESS_INTERVAL=5 /usr/bin/time -f '%e %U %S' -o "$OUT/time" timeout 600 mpirun -n "$RANKS" "$SLUICE" run \
    bench/sluice_pipeline.sql -D input="$INPUT" -D output="$OUT/dir" "${extra[@]}" \
    > /dev/null 2> "$OUT/err"
  # Wall and CPU (user + sys of mpirun and its ranks): CPU is less hurt by a busy machine.
  local w u s; read -r w u s < "$OUT/time"
  printf '{"bench": "obs_overhead", "mode": "%s", "ranks": %d, "rep": %d, "wall_s": %.3f, "cpu_s": %.3f, "input": "%s", "date": "%s"}\n' \
    "$1" "$RANKS" "$2" "$w" "$(echo "$u + $s" | bc)" "$INPUT" "$(date -Iseconds)" | tee -a "$RES"
}
for i in $(seq 1 "$REPS"); do run off "$i"; run on "$i"; done
/usr/bin/python3 - "$RES" "$RANKS" "$REPS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])][-2 * int(sys.argv[3]):]
for k in ("wall_s", "cpu_s"):
    med = {m: statistics.median(r[k] for r in rows if r["mode"] == m) for m in ("off", "on")}
    print(f"ranks {sys.argv[2]} {k}: median off {med['off']:.3f}, on {med['on']:.3f}, "
          f"overhead {100 * (med['on'] / med['off'] - 1):+.1f}%")
PY
