#!/usr/bin/env bash
# The demo (`make demo`): generate the sales data if missing, run jobs/examples/sales.sql on
# 2 ranks, then show the output tree, the head of one part file and the _SUCCESS manifest.
# Usage: scripts/demo.sh [path/to/sluice]   (default build/sluice; run from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
SLUICE=${1:-${SLUICE:-build/sluice}}
PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
export OMPI_MCA_rmaps_base_oversubscribe=${OMPI_MCA_rmaps_base_oversubscribe:-1}
export OMPI_MCA_mpi_yield_when_idle=${OMPI_MCA_mpi_yield_when_idle:-1}

if [[ ! -x $SLUICE ]]; then
  echo "demo: $SLUICE not found; run 'make' first" >&2
  exit 1
fi
if ! compgen -G 'data/sales/sales_*.csv' > /dev/null; then
  echo "== generating data/sales (deterministic, ~200k rows)"
  $PY scripts/gen_sales.py data/sales
fi
echo "== input"
ls -l data/sales/
mkdir -p out

echo
echo "== mpirun -n 2 $SLUICE run jobs/examples/sales.sql"
SECONDS=0
timeout 300 mpirun -n 2 "$SLUICE" run jobs/examples/sales.sql
echo "(${SECONDS} s)"

OUT=out/sales_by_month
echo
echo "== output tree: $OUT"
find "$OUT" | sort | sed -n 1,40p   # sed, not head: head would SIGPIPE under pipefail
first=$(find "$OUT" -name 'part-*.csv' | sort | head -n 1)
if [[ -n $first ]]; then
  echo
  echo "== head -n 5 $first"
  head -n 5 "$first"
fi
echo
echo "== $OUT/_SUCCESS"
if [[ -f $OUT/_SUCCESS ]]; then
  $PY -m json.tool "$OUT/_SUCCESS" | sed -n 1,40p
else
  echo "(missing: the COPY did not commit)"
  exit 1
fi
