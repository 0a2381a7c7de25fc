#!/usr/bin/env bash
# bench/budget_audit.sh - every query shape of bench/budget_queries.txt (aggregations,
# DISTINCT, holistic and list aggregates, joins, EXISTS, sorts, windows, set operations,
# PIVOT) written with COPY at each memory budget and without one, to find operators that
# outgrow their budget or slow down far more than their spilling explains.
#
#   bench/budget_audit.sh [--data FILE] [--ranks 2] [--budgets "16MB 64MB"] [--only NAME]
#                         [--sluice build/sluice]
#
# Budgets in MB or GB.
#
# Default data: the first 1e6 rows of bench/data/G1_1e7_1e2_0_0.csv (made from it when
# missing). Per run: the largest rank's peak RSS (sluice -v), bytes spilled, the statement's
# seconds, and its rows written. Flags, per budget run: RSS over 40 MB (a rank's fixed
# working set at small budgets) + 1.5 x the budget; seconds over 5 x the run without a budget
# plus 1 s; rows written unlike the run without a budget (a consistency check between runs of
# sluice, not an oracle: the answers are checked against sqlite3 / DuckDB in tests/). One JSON
# line per run goes to bench/results/budget-audit-<date>-<host>.jsonl.
set -euo pipefail
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
data="" ranks=2 budgets="16MB 64MB" only="" sluice=build/sluice
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data=$2; shift 2 ;; --ranks) ranks=$2; shift 2 ;;
    --budgets) budgets=$2; shift 2 ;; --only) only=$2; shift 2 ;;
    --sluice) sluice=$2; shift 2 ;;
    *) echo "bench/budget_audit.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$data" ]; then
  data=bench/data/G1_1e6_head.csv
  [ -f "$data" ] || head -1000001 bench/data/G1_1e7_1e2_0_0.csv > "$data"
fi
work=$(mktemp -d /tmp/sluice-budget-audit.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p bench/results
res=bench/results/budget-audit-$(date +%F)-$(hostname).jsonl
git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
flags=0
# run NAME SQLFILE BUDGET -> "rc rss_mb spill_bytes seconds rows"
run() {
  local lim=() out
  [ "$3" = none ] || lim=(--memory-limit "$3")
  rm -rf "$work/out"
  out=$(timeout 900 mpirun -n "$ranks" "$sluice" run "$2" "${lim[@]}" -v 2>&1 </dev/null) \
    && rc=0 || rc=$?
  echo "$rc $(grep -o 'per rank: .*max [0-9.]* MB' <<<"$out" | grep -o 'max [0-9.]*' | cut -d' ' -f2 || echo -1)" \
       "$(grep -o 'spill: [0-9]* bytes written' <<<"$out" | cut -d' ' -f2 || echo -1)" \
       "$(grep -o 'done in [0-9.]* s' <<<"$out" | head -1 | cut -d' ' -f3 || echo -1)" \
       "$(grep -o 'COPY wrote [0-9]* rows' <<<"$out" | cut -d' ' -f3 || echo -1)"
}
printf '%-18s %-6s %8s %10s %8s %10s  %s\n' query budget rss_MB spilled_MB s rows flags
while IFS='|' read -r name sql; do
  case "$name" in ''|'#'*) continue ;; esac
  [ -z "$only" ] || [ "$only" = "$name" ] || continue
  table="read_csv('$data')"
  echo "COPY (${sql//@T/$table}) TO '$work/out' (FORMAT csv, HEADER);" > "$work/$name.sql"
  read -r rc0 rss0 sp0 s0 rows0 <<<"$(run "$name" "$work/$name.sql" none)"
  for b in none $budgets; do
    if [ "$b" = none ]; then rc=$rc0 rss=$rss0 sp=$sp0 s=$s0 rows=$rows0
    else read -r rc rss sp s rows <<<"$(run "$name" "$work/$name.sql" "$b")"; fi
    why=""
    [ "$rc" = 0 ] || why+="exit $rc "
    if [ "$b" != none ]; then
      mb=$(/usr/bin/python3 -c "b = '$b'; print(float(b[:-2]) * (1000 if b.endswith('GB') else 1))")
      /usr/bin/python3 -c "import sys; sys.exit(0 if float('$rss') <= 40 + 1.5 * $mb else 1)" \
        || why+="RSS "
      /usr/bin/python3 -c "import sys; sys.exit(0 if float('$s') <= 5 * float('$s0') + 1 else 1)" \
        || why+="slow "
      [ "$rows" = "$rows0" ] || why+="rows "
    fi
    [ -z "$why" ] || flags=$((flags + 1))
    printf '%-18s %-6s %8s %10.1f %8s %10s  %s\n' "$name" "$b" "$rss" \
      "$(/usr/bin/python3 -c "print($sp / 1e6)")" "$s" "$rows" "$why"
    printf '{"date": "%s", "git": "%s", "sluice": "%s", "data": "%s", "ranks": %s, "query": "%s", "budget": "%s", "rc": %s, "peak_rss_mb": %s, "spill_bytes": %s, "seconds": %s, "rows": %s, "flags": "%s"}\n' \
      "$(date -Is)" "$git_rev" "$sluice" "$data" "$ranks" "$name" "$b" "$rc" "$rss" "$sp" "$s" "$rows" \
      "${why% }" >> "$res"
  done
done < bench/budget_queries.txt
echo "results: $res ($flags flagged)"
