#!/usr/bin/env bash
# bench/csv_scan.sh - CSV scan speed of sluice builds side by side (issue 14): MB/s per rank of
# the db-benchmark G1 table at 1 and 2 ranks, for bench/csv_scan.sql (every column converted,
# one row out) and bench/queries/q1.sql (two columns read, 100 groups). Runs are interleaved
# (rep 1 of every build and rank count, then rep 2, ...) so a machine shared with other jobs
# hurts all alike; CPU time (user + sys) is reported besides wall time.
#
#   bench/csv_scan.sh [--rows 1e7] [--reps 5] [--ranks "1 2"] LABEL=BINARY [LABEL=BINARY ...]
#   e.g. bench/csv_scan.sh before=/tmp/old/sluice after=build/sluice
#        bench/csv_scan.sh libcsv=build/sluice@libcsv after=build/sluice
#
# BINARY@SCANNER runs it with SLUICE_CSV_SCANNER=SCANNER (libcsv, avx2, sse2, scalar).
# MB/s per rank = input bytes / ranks / the statement's time in sluice's summary (start-up of
# mpirun and MPI not counted; wall_s has it). MB per CPU s = input bytes / (user + sys of the
# whole process tree, start-up included): on a machine shared with other jobs the steadier
# figure, and the per-rank speed a rank would reach with a core of its own. Every answer is
# checked: q1 against the numpy oracle of scripts/gen_groupby.py, csv_scan.sql against
# DuckDB's answer to the same SQL (bench/duckdb_bench.js; without bench/node_modules only
# between the builds, with a note).
# Appends JSON lines to bench/results/csv_scan-<date>-<host>.jsonl and prints a median table.
set -euo pipefail
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
PY=/usr/bin/python3
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
rows=1e7 reps=5 ranks="1 2" data=bench/data builds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;; --reps) reps=$2; shift 2 ;; --ranks) ranks=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    *=*) builds+=("$1"); shift ;;
    *) echo "bench/csv_scan.sh: unknown argument $1 (see the header)" >&2; exit 2 ;;
  esac
done
[ ${#builds[@]} -gt 0 ] || { echo "bench/csv_scan.sh: give LABEL=BINARY" >&2; exit 2; }
stem=$($PY -c 'import sys; sys.path.insert(0, "scripts"); import gen_groupby as g
print(g.file_stem(g.parse_count(sys.argv[1]), 100, 0, 0))' "$rows")
input=$data/$stem.csv oracle=$data/$stem.oracle.json
[ -f "$input" ] && [ -f "$oracle" ] ||
  $PY scripts/gen_groupby.py "$rows" 100 0 0 --out "$data" --oracle
nbytes=$(stat -L -c %s "$input")
mkdir -p bench/results
res=bench/results/csv_scan-$(date +%F)-$(hostname -s).jsonl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scan_ref=""
if [ -d bench/node_modules/@duckdb/node-api ]; then
  node bench/duckdb_bench.js bench/csv_scan.sql "$input" "$tmp/scan.duckdb" > /dev/null 2>&1
  scan_ref=$tmp/scan.duckdb
else
  echo "note: no bench/node_modules: csv_scan.sql answers are compared between builds only" >&2
fi
# same_answer A B: one-row CSVs equal (numbers to 1e-9 relative: DuckDB sums v3 in another order)
same_answer() {
  $PY - "$1" "$2" << 'PYEOF'
import csv, math, sys
a, b = (list(csv.reader(open(p))) for p in sys.argv[1:3])
ok = len(a) == len(b) == 2 and a[0] == b[0]
for x, y in zip(a[1] if ok else [], b[1] if ok else []):
    try:
        ok &= math.isclose(float(x), float(y), rel_tol=1e-9)
    except ValueError:
        ok &= x == y
sys.exit(0 if ok else 1)
PYEOF
}
machine="$(hostname -s): $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
for rep in $(seq "$reps"); do
  for np in $ranks; do
    for w in csv_scan q1; do
      sql=bench/csv_scan.sql; [ $w = q1 ] && sql=bench/queries/q1.sql
      for b in "${builds[@]}"; do
        label=${b%%=*} bin=${b#*=} scanner=""
        case "$bin" in *@*) scanner=${bin#*@}; bin=${bin%@*} ;; esac
        /usr/bin/time -o "$tmp/time" -f "%U %S %e" env ${scanner:+SLUICE_CSV_SCANNER=$scanner} \
          timeout 900 mpirun -n "$np" "$bin" run "$sql" -D input="$input" --format csv \
          > "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
        read -r user sys wall < "$tmp/time"
        stmt=$(sed -n 's/.*line [0-9]* SELECT: \([0-9.]*\) s.*/\1/p' "$tmp/err" | head -1)
        if [ $w = q1 ]; then
          $PY bench/compare_check.py q1 "$tmp/out" "$oracle" > "$tmp/chk" 2>&1 ||
            { echo "WRONG q1 answer from $label: $(cat "$tmp/chk")" >&2; exit 1; }
        else
          ref=${scan_ref:-$tmp/scan.first}
          [ -n "$scan_ref" ] || [ -f "$ref" ] || cp "$tmp/out" "$ref"
          same_answer "$tmp/out" "$ref" ||
            { echo "WRONG csv_scan answer from $label: $(cat "$tmp/out")" >&2; exit 1; }
        fi
        $PY - "$res" "$label" "$bin" "$scanner" "$w" "$np" "$nbytes" "$stmt" "$wall" "$user" \
          "$sys" "$rep" "$machine" "$(git rev-parse --short HEAD)" << 'PYEOF'
import json, sys, time
(path, label, binary, scanner, w, np, nbytes, stmt, wall, user, sys_, rep, machine,
 git) = sys.argv[1:]
line = {"label": label, "binary": binary, "scanner": scanner or "default", "workload": w,
        "ranks": int(np), "bytes": int(nbytes), "stmt_s": float(stmt), "wall_s": float(wall),
        "cpu_s": float(user) + float(sys_), "rep": int(rep),
        "mb_s_per_rank": int(nbytes) / 1e6 / int(np) / float(stmt), "machine": machine,
        "git": git, "date": time.strftime("%Y-%m-%dT%H:%M:%S")}
open(path, "a").write(json.dumps(line) + "\n")
print("%-8s %-8s np=%s rep=%s stmt=%6.2fs wall=%6.2fs cpu=%6.2fs  %6.0f MB/s/rank (checked)" % (
    label, w, np, rep, line["stmt_s"], line["wall_s"], line["cpu_s"], line["mb_s_per_rank"]),
    file=sys.stderr)
PYEOF
      done
    done
  done
done
# Median table of this run's lines.
$PY - "$res" "$reps" "${#builds[@]}" "$ranks" << 'PYEOF'
import json, statistics, sys
path, reps, nb, ranks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split()
lines = [json.loads(l) for l in open(path)][-reps * nb * len(ranks) * 2:]
print("| workload | build | ranks | stmt s | wall s | CPU s | MB/s per rank | MB per CPU s |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
keys = []
for l in lines:
    k = (l["workload"], l["label"], l["ranks"])
    if k not in keys:
        keys.append(k)
for k in sorted(keys, key=lambda k: (k[0], k[2])):
    g = [l for l in lines if (l["workload"], l["label"], l["ranks"]) == k]
    med = lambda f: statistics.median(l[f] for l in g)
    print("| %s | %s | %d | %.2f | %.2f | %.2f | %.0f | %.0f |" % (k[0], k[1], k[2],
          med("stmt_s"), med("wall_s"), med("cpu_s"), med("mb_s_per_rank"),
          g[0]["bytes"] / 1e6 / med("cpu_s")))
PYEOF
