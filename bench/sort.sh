#!/usr/bin/env bash
# bench/sort.sh - the distributed ORDER BY against DuckDB (issue #9): bench/sluice_sort.sql
# (ORDER BY id3 DESC, v3 over the 1e7-row db-benchmark table, COPY to CSV) with sluice at
# each rank count and with DuckDB (the same SQL file, bench/duckdb_bench.js, threads = cores).
#
#   bench/sort.sh [--rows 1e7] [--ranks "1 2"] [--reps 3] [--sluice build/sluice]
#
# Every run is timed from outside with its peak memory (bench/peakrss.py: summed PSS of the
# process tree) and checked before it is recorded: sluice's part files, concatenated in
# manifest order, must be sorted by (id3 DESC, v3) and hold exactly DuckDB's rows (same count
# and the same multiset: an order-independent hash of the rows). One JSON line per run goes to
# bench/results/sort-<date>-<host>.jsonl. Reps are interleaved over the tools.
set -euo pipefail
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
rows=1e7 ranks="1 2" reps=3 sluice=build/sluice data=bench/data
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;; --ranks) ranks=$2; shift 2 ;; --reps) reps=$2; shift 2 ;;
    --sluice) sluice=$2; shift 2 ;; --data) data=$2; shift 2 ;;
    *) echo "bench/sort.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
name=$(/usr/bin/python3 -c "import sys; sys.path.insert(0, 'scripts'); import gen_groupby as g; print(g.file_stem(int(float('$rows')), 100, 0, 0))")
input=$data/$name.csv
[ -f "$input" ] || /usr/bin/python3 scripts/gen_groupby.py "$rows" --out "$data" >&2
out=$data/out/sort
mkdir -p "$out" bench/results
res=bench/results/sort-$(date +%F)-$(hostname).jsonl
cores=$(nproc)
version=$("$sluice" --version 2>/dev/null | head -1 || echo unknown)
duck=$(node bench/duckdb_bench.js --version)
# check.py DIR_OR_FILE: "sorted rows digest" of a sluice directory or DuckDB file.
check() {
  /usr/bin/python3 - "$1" <<'PY'
import csv, hashlib, json, os, sys
p = sys.argv[1]
files = ([os.path.join(p, f["path"]) for f in json.load(open(os.path.join(p, "_SUCCESS")))["files"]]
         if os.path.isdir(p) and os.path.exists(os.path.join(p, "_SUCCESS")) else
         [os.path.join(p, f) for f in sorted(os.listdir(p))] if os.path.isdir(p) else [p])
n, digest, prev, ok = 0, 0, None, True
for fn in files:
    with open(fn, newline="") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            key = (row[2], -float(row[8]))          # id3 DESC, v3 ASC, as a descending key
            if prev is not None and key > prev:
                ok = False
            prev = key
            n += 1
            # v3 by value: sluice prints some doubles in exponent form (issue #17: 1e+01 for 10.0)
            row[8] = repr(float(row[8]))
            digest ^= int.from_bytes(hashlib.blake2b(",".join(row).encode(), digest_size=8).digest(), "little")
print(n, "%016x" % digest, "sorted" if ok else "NOT-SORTED")
PY
}
run() {  # run TOOL RANKS REP CMD...
  local tool=$1 np=$2 rep=$3; shift 3
  rm -rf "$out/$tool"
  /usr/bin/python3 bench/peakrss.py "$out/m.json" -- "$@" > /dev/null 2> "$out/err" ||
    { echo "bench/sort.sh: $tool failed:"; tail -5 "$out/err"; exit 1; } >&2
  local got; got=$(check "$out/$tool")
  if [ "$tool" = duckdb ]; then want=$got; fi
  [ "${got% *}" = "${want% *}" ] && [ "${got##* }" = sorted ] ||
    { echo "bench/sort.sh: $tool np=$np: $got, DuckDB: $want" >&2; exit 1; }
  /usr/bin/python3 - "$out/m.json" "$tool" "$np" "$rep" "$rows" "$input" "$version" "$duck" \
      "$cores" >> "$res" <<'PY'
import json, os, platform, sys
m = json.load(open(sys.argv[1]))
tool, np, rep, rows, inp, ver, duck, cores = sys.argv[2:]
print(json.dumps({"bench": "sort", "tool": tool, "ranks": int(np), "rep": int(rep),
                  "rows": float(rows), "bytes": os.path.getsize(inp), "wall_s": m["wall_s"],
                  "peak_pss_mb": m["peak_pss_mb"], "peak_rss_mb": m["peak_rss_mb"],
                  "version": duck if tool == "duckdb" else ver, "cores": int(cores),
                  "machine": platform.node()}))
PY
  printf '%-8s np=%s rep=%s wall=%.2fs pss=%.0fMB %s\n' "$tool" "$np" "$rep" \
    "$(/usr/bin/python3 -c "import json;print(json.load(open('$out/m.json'))['wall_s'])")" \
    "$(/usr/bin/python3 -c "import json;print(json.load(open('$out/m.json'))['peak_pss_mb'])")" "$got"
}
for rep in $(seq 1 "$reps"); do
  run duckdb "$cores" "$rep" node bench/duckdb_bench.js bench/sluice_sort.sql "$input" "$out/duckdb" \
      --threads "$cores"
  for np in $ranks; do
    run "sluice$np" "$np" "$rep" timeout 1800 mpirun -n "$np" "$sluice" run bench/sluice_sort.sql \
        --quiet -D "input=$input" -D "output=$out/sluice$np"
  done
done
echo "results: $res"
