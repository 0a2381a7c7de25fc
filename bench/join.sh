#!/bin/bash
# bench/join.sh: db-benchmark's join questions q1-q5 (bench/join_q.sql) at N rows
# (scripts/gen_join_data.py) in sluice at 1 and 2 ranks, DuckDB (same job file,
# bench/duckdb_join.js) and pandas (bench/pandas_join.py); per question wall time, answers
# checked equal across engines, peak RSS per engine (bench/peakrss.py for the baselines,
# sluice's own summary for its ranks). Results in bench/results/join-N.txt.
#
#   bench/join.sh [N]        (default 1e7; data cached in /tmp/sluice-join-N)
#
# Environment: SLUICE (the binary, default build/sluice: an older build for an A/B),
# ENGINES (default "sluice duckdb pandas"), OUT (default bench/results/join-N.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1e7}
D=${JOIN_DATA:-/tmp/sluice-join-$N}
[ -e "$D/J1_${N}_NA_0_0.csv" ] || python3 scripts/gen_join_data.py "$N" "$D"
small=$(ls "$D"/J1_${N}_*_0_0.csv | grep -v "_NA_\|_${N}_${N}_" | sort | head -1)
medium=$(ls "$D"/J1_${N}_*_0_0.csv | grep -v "_NA_\|_${N}_${N}_" | sort | tail -1)
X="$D/J1_${N}_NA_0_0.csv"; BIG="$D/J1_${N}_${N}_0_0.csv"
SLUICE=${SLUICE:-build/sluice}
ENGINES=${ENGINES:-sluice duckdb pandas}
out=${OUT:-bench/results/join-$N.txt}
has() { [[ " $ENGINES " == *" $1 "* ]]; }
mkdir -p bench/results
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
{
  echo "# db-benchmark join q1-q5, N=$N, $(nproc) cores, $(date -u +%FT%TZ)," \
    "$($SLUICE --version 2>/dev/null | head -1)"
  if has sluice; then
    for np in 1 2; do
      echo "## sluice np=$np"
      timeout 3600 mpirun -n $np "$SLUICE" run --format csv -D x="$X" -D small="$small" \
        -D medium="$medium" -D big="$BIG" bench/join_q.sql 2> /tmp/sluice-join-err.$$ |
        grep -v '^q,'
      grep -E "SELECT:|peak memory" /tmp/sluice-join-err.$$
    done
  fi
  if has duckdb; then
    echo "## duckdb (threads=$(nproc))"
    python3 bench/peakrss.py /tmp/sluice-join-duck.json -- node bench/duckdb_join.js \
      bench/join_q.sql x="$X" small="$small" medium="$medium" big="$BIG" 2>&1 | grep -v '^q,'
    cat /tmp/sluice-join-duck.json; echo
  fi
  if has pandas; then
    echo "## pandas"
    python3 bench/peakrss.py /tmp/sluice-join-pandas.json -- /usr/bin/python3 \
      bench/pandas_join.py "$X" "$small" "$medium" "$BIG" 2>&1 | grep -v '^q,'
    cat /tmp/sluice-join-pandas.json; echo
  fi
} | tee "$out"
rm -f /tmp/sluice-join-err.$$
