#!/usr/bin/env bash
# bench/double_scan.sh - reading full-precision DOUBLE text (issue 14): a CSV of an id and
# three float64 columns as pandas' to_csv writes them (shortest repr: 16-17 digits,
# "1.2345e-05" for small values), every column converted (bench/double_scan.sql), sluice builds
# at 1 and 2 ranks side by side, DuckDB with as many threads when bench/node_modules is there.
# Runs are interleaved rep by rep. The answer is checked against Python (float() is correctly
# rounded): count, min and max exactly, sums to 1e-9 relative.
#
#   bench/double_scan.sh [--rows 4e6] [--reps 3] [--ranks "1 2"] LABEL=BINARY [...]
#   e.g. bench/double_scan.sh before=/work/ab-old/build/sluice after=build/sluice
#
# Appends JSON lines to bench/results/double_scan-<date>-<host>.jsonl and prints a median table.
set -euo pipefail
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_pml=ob1
PY=/usr/bin/python3
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
rows=4e6 reps=3 ranks="1 2" data=bench/data builds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;; --reps) reps=$2; shift 2 ;; --ranks) ranks=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    *=*) builds+=("$1"); shift ;;
    *) echo "bench/double_scan.sh: unknown argument $1 (see the header)" >&2; exit 2 ;;
  esac
done
[ ${#builds[@]} -gt 0 ] || { echo "bench/double_scan.sh: give LABEL=BINARY" >&2; exit 2; }
mkdir -p "$data" bench/results
input=$data/doubles_$rows.csv oracle=$data/doubles_$rows.oracle.json
if [ ! -f "$input" ] || [ ! -f "$oracle" ]; then
  $PY - "$rows" "$input" "$oracle" << 'PYEOF'
import json, math, sys
import numpy as np, pandas as pd
n, path, opath = int(float(sys.argv[1])), sys.argv[2], sys.argv[3]
rng = np.random.default_rng(14)
df = pd.DataFrame({"id": np.arange(n), "x": rng.random(n), "y": rng.normal(0, 1000, n),
                   "z": rng.lognormal(0, 8, n)})
df.to_csv(path, index=False)
# The oracle from the text as written: Python's float() of every field (correctly rounded).
cols = {"x": [], "y": [], "z": []}
with open(path) as f:
    next(f)
    for line in f:
        _, x, y, z = line.rstrip("\n").split(",")
        cols["x"].append(float(x)); cols["y"].append(float(y)); cols["z"].append(float(z))
o = {"n": n}
for c, v in cols.items():
    o["min_" + c], o["max_" + c], o["sum_" + c] = min(v), max(v), math.fsum(v)
json.dump(o, open(opath, "w"))
PYEOF
fi
nbytes=$(stat -L -c %s "$input")
res=bench/results/double_scan-$(date +%F)-$(hostname -s).jsonl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tools=("${builds[@]}")
[ -d bench/node_modules/@duckdb/node-api ] && tools+=("duckdb=duckdb") ||
  echo "note: no bench/node_modules: DuckDB not run" >&2
machine="$(hostname -s): $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
for rep in $(seq "$reps"); do
  for np in $ranks; do
    for b in "${tools[@]}"; do
      label=${b%%=*} bin=${b#*=}
      if [ "$bin" = duckdb ]; then
        run=(node bench/duckdb_bench.js bench/double_scan.sql "$input" "$tmp/out" --threads "$np")
      else
        run=(mpirun -n "$np" "$bin" run bench/double_scan.sql -D input="$input" --format csv)
      fi
      rm -f "$tmp/out"
      /usr/bin/time -o "$tmp/time" -f "%U %S %e" timeout 900 "${run[@]}" > "$tmp/stdout" \
        2> "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
      [ -f "$tmp/out" ] || cp "$tmp/stdout" "$tmp/out"
      read -r user sys wall < "$tmp/time"
      $PY - "$tmp/out" "$oracle" "$res" "$label" "$np" "$nbytes" "$wall" "$user" "$sys" "$rep" \
        "$machine" "$(git rev-parse --short HEAD)" << 'PYEOF'
import csv, json, math, sys, time
out, oracle, path, label, np, nbytes, wall, user, sys_, rep, machine, git = sys.argv[1:]
o = json.load(open(oracle))
rows = list(csv.reader(open(out)))
got = dict(zip(rows[0], rows[1])) if len(rows) == 2 else {}
for k, want in o.items():
    v = got.get(k)
    ok = v is not None and (math.isclose(float(v), want, rel_tol=1e-9) if k.startswith("sum")
                            else float(v) == want)
    if not ok:
        sys.exit("WRONG %s from %s: %s, Python says %r" % (k, label, v, want))
line = {"label": label, "ranks": int(np), "bytes": int(nbytes), "wall_s": float(wall),
        "cpu_s": float(user) + float(sys_), "rep": int(rep), "machine": machine, "git": git,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S")}
open(path, "a").write(json.dumps(line) + "\n")
print("%-8s np=%s rep=%s wall=%6.2fs cpu=%6.2fs (checked)" % (label, np, rep, line["wall_s"],
      line["cpu_s"]), file=sys.stderr)
PYEOF
    done
  done
done
$PY - "$res" "$reps" "${#tools[@]}" "$ranks" << 'PYEOF'
import json, statistics, sys
path, reps, nt, ranks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split()
lines = [json.loads(l) for l in open(path)][-reps * nt * len(ranks):]
print("| tool | ranks / threads | wall s | CPU s | MB per CPU s |")
print("|---|---:|---:|---:|---:|")
keys = sorted({(l["label"], l["ranks"]) for l in lines}, key=lambda k: (k[1], k[0]))
for k in keys:
    g = [l for l in lines if (l["label"], l["ranks"]) == k]
    med = lambda f: statistics.median(l[f] for l in g)
    print("| %s | %d | %.2f | %.2f | %.0f |" % (k[0], k[1], med("wall_s"), med("cpu_s"),
          g[0]["bytes"] / 1e6 / med("cpu_s")))
PYEOF
