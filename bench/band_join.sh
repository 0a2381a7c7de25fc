#!/bin/bash
# bench/band_join.sh: band joins (bench/band_q.sql: an integer band and a DOUBLE BETWEEN within
# 13 keys over a 100,000-row table, an interval join of 2e6 events against 10,000 disjoint spans
# without keys, the same against 10,000 overlapping windows, a correlated NOT EXISTS with a band)
# in sluice at 1 and 2 ranks and DuckDB (same job
# file, bench/duckdb_join.js, 2 threads); per statement wall time, answers checked equal.
# Results in bench/results/band-join.txt.
#
#   bench/band_join.sh       (data cached in /tmp/sluice-band)
#
# Environment: SLUICE (the binary, default build/sluice: an older build for an A/B), REPS
# (default 3: the table shows each run).
set -euo pipefail
cd "$(dirname "$0")/.."
D=${BAND_DATA:-/tmp/sluice-band}
SLUICE=${SLUICE:-build/sluice}
REPS=${REPS:-3}
mkdir -p "$D" bench/results
if [ ! -e "$D/windows.csv" ]; then
  python3 - "$D" <<'PY'
import random, sys
d = sys.argv[1]
r = random.Random(7)
with open(d + "/t.csv", "w") as f:
    f.write("id,g,n,v\n")
    for i in range(100000):
        f.write("%d,%d,%d,%.6f\n" % (i, r.randint(0, 12), r.randint(-1000, 1000), r.random()))
with open(d + "/events.csv", "w") as f:
    f.write("id,ts\n")
    for i in range(2000000):
        f.write("%d,%d\n" % (i, r.randint(0, 10**7)))
with open(d + "/spans.csv", "w") as f:
    f.write("lo,hi\n")
    for k in range(10000):
        lo = k * 1000 + r.randint(0, 199)
        f.write("%d,%d\n" % (lo, lo + r.randint(0, 799)))
with open(d + "/windows.csv", "w") as f:
    f.write("lo,hi\n")
    for k in range(10000):
        lo = r.randint(0, 10**7)
        f.write("%d,%d\n" % (lo, lo + r.randint(0, 20000)))
PY
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
args=(t="$D/t.csv" events="$D/events.csv" spans="$D/spans.csv" windows="$D/windows.csv")
sargs=(-D "${args[0]}" -D "${args[1]}" -D "${args[2]}" -D "${args[3]}")
out=bench/results/band-join.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
  echo "# band joins, $(nproc) cores, $(date -u +%FT%TZ), $($SLUICE --version 2>/dev/null | head -1)"
  for rep in $(seq "$REPS"); do
    for np in 1 2; do
      echo "## sluice np=$np rep $rep"
      timeout 600 mpirun -n $np "$SLUICE" run --format csv "${sargs[@]}" bench/band_q.sql \
        2> "$tmp/err" | grep -v '^q,' | tee "$tmp/sluice-$np"
      grep -E "SELECT:" "$tmp/err"
    done
    echo "## duckdb (threads=2) rep $rep"
    node bench/duckdb_join.js bench/band_q.sql "${args[@]}" --threads 2 2> "$tmp/derr" |
      grep -v '^q,' | tee "$tmp/duck"
    cat "$tmp/derr"
    for np in 1 2; do
      python3 - "$tmp/sluice-$np" "$tmp/duck" <<'PY'
import sys
a, b = ([l.strip().split(",") for l in open(p) if l.strip()] for p in sys.argv[1:3])
same = len(a) == len(b) and all(x[0] == y[0] and all(abs(float(u) - float(v)) <= 1e-9 * max(1, abs(float(v))) for u, v in zip(x[1:], y[1:])) for x, y in zip(a, b))
print("answers %s DuckDB's" % ("equal" if same else "DIFFER from"))
sys.exit(0 if same else 1)
PY
    done
  done
} | tee "$out"
