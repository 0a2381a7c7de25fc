#!/bin/bash
# bench/join_skew.sh: a join where one key holds 50 % of the fact table (ROWS rows, default
# 2e6) against a 1e5-row dimension, at 2 and 4 ranks, three ways: both sides hash-exchanged
# without skew handling (broadcast_threshold = '0', skew_threshold = 'off': every row of the
# heavy key lands on one rank), hash-exchanged with skew handling (the default skew_threshold:
# key 0's fact rows stay where they are read, its dimension row goes to every rank) and the
# dimension broadcast (the default broadcast_threshold). Records, from one EXPLAIN ANALYZE run
# each, the join's rows per rank (min / max), its time on the slowest rank, the heavy keys,
# the statement's wall time and the peak RSS per rank. Results in bench/results/join-skew.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-2000000}
D=${SKEW_DATA:-/tmp/sluice-join-skew-$ROWS}
mkdir -p "$D" bench/results
if [ ! -e "$D/fact.csv" ]; then
  python3 - "$D" "$ROWS" <<'PY'
import random, sys
d, n = sys.argv[1], int(sys.argv[2])
r = random.Random(5)
with open(d + "/fact.csv", "w") as f:
    f.write("id,k,v\n")
    for i in range(n):
        k = 0 if i % 2 == 0 else r.randint(1, 99999)
        f.write("%d,%d,%.3f\n" % (i, k, r.random()))
with open(d + "/dim.csv", "w") as f:
    f.write("k,name\n")
    for k in range(100000):
        f.write("%d,name-%d\n" % (k, k))
PY
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
out=bench/results/join-skew.txt
{
  echo "# skewed join: $ROWS fact rows, key 0 on 50 %, 1e5-row dimension; $(nproc) cores; $(date -u +%FT%TZ)"
  for np in 2 4; do
    for cfg in "0 off" "0 0.05" "8MB 0.05"; do
      set -- $cfg
      job=$D/job-$1-$2.sql
      printf "SET broadcast_threshold = '%s';\nSET skew_threshold = '%s';\nEXPLAIN ANALYZE SELECT count(*) AS n, sum(v) AS s, count(name) AS m FROM read_csv('%s', header=true) f JOIN read_csv('%s', header=true) d USING (k);\n" \
        "$1" "$2" "$D/fact.csv" "$D/dim.csv" > "$job"
      echo "## np=$np broadcast_threshold=$1 skew_threshold=$2"
      timeout 1200 mpirun -n $np build/sluice run "$job" > "$D/out.txt" 2>&1
      grep -A1 -E "Hash join" "$D/out.txt" | sed -e 's/^ *//' -e 's/^Hash join.*chosen: /chosen: /' \
        -e 's/ \[memory up to.*//'
      grep -E "EXPLAIN ANALYZE:|peak memory" "$D/out.txt"
    done
  done
} | tee "$out"
