#!/usr/bin/env bash
# sluice's exchange vs a bare MPI_Alltoallv of the same bytes (issue 14's exchange goal:
# >= 70 % of raw). `make bench-exchange`, or
#   bash bench/exchange.sh build/bench/exchange_bench [reps] [ranks...]
# Runs bench/exchange_bench.c at each rank count (default 2 4 8; more ranks than cores are
# oversubscribed, which says more about the scheduler than the exchange) for 64 KB - 16 MB per
# peer, prints a table and appends the JSON lines to bench/results/exchange-<date>.jsonl.
# "fresh": the bare Alltoallv with its send buffer rewritten before each repetition, as the
# rows are made before each sluice repetition (bench/exchange_bench.c's file comment).
set -euo pipefail
BIN=${1:-build/bench/exchange_bench}
REPS=${2:-5}
shift $(( $# > 2 ? 2 : $# ))
RANKS=${*:-2 4 8}
OUT=bench/results/exchange-$(date +%F).jsonl
for np in $RANKS; do
  timeout 900 mpirun --oversubscribe -n "$np" "$BIN" "$REPS" 64K 256K 1M 4M 16M |
    tee -a "$OUT"
done
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(f"{'ranks':>5} {'per peer':>10} {'sluice s':>9} {'raw s':>9} {'raw/sluice':>10} "
      f"{'cpu':>5} {'cpu min':>7} {'fresh cpu':>9} {'fresh min':>9} rounds")
for r in rows:
    print(f"{r['ranks']:>5} {r['per_peer_bytes']:>10} {r['sluice_s']:>9.4f} "
          f"{r['raw_alltoallv_s']:>9.4f} {r['ratio']:>10.2f} {r.get('cpu_ratio', 0):>5.2f} "
          f"{r.get('cpu_min_ratio', 0):>7.2f} {r.get('fresh_cpu_ratio', 0):>9.2f} "
          f"{r.get('fresh_cpu_min_ratio', 0):>9.2f} {r['rounds']:>6}")
PY
