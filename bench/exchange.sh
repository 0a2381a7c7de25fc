#!/usr/bin/env bash
# sluice's exchange vs a bare MPI_Alltoallv of the same bytes (issue 14's exchange goal:
# >= 70 % of raw). `make bench-exchange`, or
#   bash bench/exchange.sh build/bench/exchange_bench [reps] [ranks...]
# Runs bench/exchange_bench.c at each rank count (default 2 4 8; more ranks than cores are
# oversubscribed, which says more about the scheduler than the exchange) for 64 KB - 16 MB per
# peer, prints a table and appends the JSON lines to bench/results/exchange-<date>.jsonl.
# "fresh": the bare Alltoallv with its send buffer rewritten before each repetition, as the
# rows are made before each sluice repetition (bench/exchange_bench.c's file comment).
#   EXCHANGE_NODES=1 bash bench/exchange.sh ...   (root) each rank on a node of its own
# (scripts/nodes.sh: network namespaces, TCP only, as between a cluster's nodes), results in
# bench/results/exchange-nodes-<date>.jsonl with "transport": "tcp-netns". On one machine the
# kernel's TCP copies run on the same cores as the ranks, so this is not a network's speed; it
# shows the exchange where moving the bytes costs more than a memcpy.
set -euo pipefail
BIN=${1:-build/bench/exchange_bench}
REPS=${2:-5}
shift $(( $# > 2 ? 2 : $# ))
RANKS=${*:-2 4 8}
if [[ ${EXCHANGE_NODES:-0} == 1 ]]; then
  OUT=bench/results/exchange-nodes-$(date +%F).jsonl
  BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN") # the nodes' /tmp is their own
  trap 'bash scripts/nodes.sh down' EXIT
else
  OUT=bench/results/exchange-$(date +%F).jsonl
fi
for np in $RANKS; do
  if [[ ${EXCHANGE_NODES:-0} == 1 ]]; then
    bash scripts/nodes.sh up "$np" 1
    timeout 900 bash scripts/nodes.sh mpirun -n "$np" "$BIN" "$REPS" 64K 256K 1M 4M 16M |
      sed -u 's/^{/{"transport": "tcp-netns", /' | tee -a "$OUT"
  else
    timeout 900 mpirun --oversubscribe -n "$np" "$BIN" "$REPS" 64K 256K 1M 4M 16M |
      tee -a "$OUT"
  fi
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
