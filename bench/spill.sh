#!/usr/bin/env bash
# Spill benchmark (issue #3): the q10-like group-by of bench/spill_q10.sql on the db-benchmark
# table at R ranks, once per memory limit (plus once without a limit), each rank under
# /usr/bin/time -v. Records wall time, peak RSS per rank, spill bytes written/read, and the
# RSS of an idle rank (a job that reads a 3-line CSV: the MPI/runtime baseline).
#
#   bench/spill.sh [--rows 1e7] [--ranks 2] [--limits "none 64MB"] [SLUICE_BIN]
#
# Checks: every run's output has the same number of rows and the same total count(*) (= the
# table's rows) and sum(v3) as the run without a limit. One JSON line per run is appended to
# bench/results/spill-<date>-<host>.jsonl. Data: bench/data/G1_<rows>_1e2_0_0.csv (made by
# scripts/gen_groupby.py, as bench/run.sh does).
set -euo pipefail
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
rows=1e7 ranks=2 limits="none 64MB" sluice=build/sluice limit_s=3000
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) rows=$2; shift 2 ;;
        --ranks) ranks=$2; shift 2 ;;
        --limits) limits=$2; shift 2 ;;
        -*) echo "bench/spill.sh: unknown option $1" >&2; exit 2 ;;
        *) sluice=$1; shift ;;
    esac
done
data=bench/data/G1_${rows}_1e2_0_0.csv
[ -f "$data" ] || /usr/bin/python3 scripts/gen_groupby.py "$rows" --out bench/data
[ -f "$data" ] || { echo "bench/spill.sh: no $data" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-spill-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p bench/results
res=bench/results/spill-$(date +%F)-$(hostname).jsonl

# Runs one job at $ranks ranks with each rank under /usr/bin/time -v; prints
# "wall rss_rank0 rss_rank1 ... | spill_written spill_read".
run_one() { # job out_dir extra_args...
    local job=$1 out=$2; shift 2
    rm -rf "$out" "$W"/time.*
    local t0=$(date +%s.%N)
    timeout "$limit_s" mpirun -n "$ranks" bash -c \
        '/usr/bin/time -v -o '"$W"'/time.$OMPI_COMM_WORLD_RANK "$@"' _ \
        "$sluice" run "$job" -D input="$data" -D out="$out" -v "$@" 2> "$W/err" > /dev/null
    local t1=$(date +%s.%N)
    local rss=""
    for r in $(seq 0 $((ranks - 1))); do
        rss="$rss $(awk '/Maximum resident/ {print $6}' "$W/time.$r")"
    done
    local sw=$(sed -n 's/.*spill: \([0-9]*\) bytes written.*/\1/p' "$W/err")
    local sr=$(sed -n 's/.*bytes written ([^)]*), \([0-9]*\) bytes read.*/\1/p' "$W/err")
    echo "$(echo "$t1 - $t0" | bc)$rss | ${sw:-0} ${sr:-0}"
}

# Idle-rank baseline: the whole runtime with next to no data.
printf 'a,b\n1,2\n3,4\n' > "$W/tiny.csv"
printf "COPY (SELECT a, sum(b) AS b FROM read_csv('%s') GROUP BY a) TO '\${out}' (FORMAT csv);\n" \
    "$W/tiny.csv" > "$W/idle.sql"
base=$(run_one "$W/idle.sql" "$W/idle-out")
echo "idle baseline: $base"

ref_rows="" ref_sum=""
for lim in $limits; do
    args=()
    [ "$lim" = none ] || args=(--memory-limit "$lim")
    line=$(run_one bench/spill_q10.sql "$W/out-$lim" "${args[@]}")
    budget=$(sed -n 's/^sluice: \(memory budget.*\)/\1/p' "$W/err" | head -1)
    read -r nrows cnt v3 < <(tail -q -n +2 "$W/out-$lim"/part-*.csv | awk -F, \
        '{n++; c+=$8; s+=$7} END {printf "%d %d %.6f\n", n, c, s}')
    if [ -z "$ref_rows" ]; then ref_rows=$nrows ref_sum=$v3; fi
    ok=true
    [ "$nrows" = "$ref_rows" ] && [ "$cnt" = "$(printf '%.0f' "$rows")" ] || ok=false
    echo "limit=$lim: $line  rows=$nrows count=$cnt sum(v3)=$v3 ok=$ok  [$budget]"
    wall=${line%% *}
    rss=$(echo "$line" | sed 's/^[^ ]* \(.*\) |.*/\1/' | tr ' ' ',')
    sp=${line##*| }
    printf '{"bench":"spill_q10","version":"%s","rows":%s,"ranks":%s,"limit":"%s","wall_s":%s,"peak_rss_kb":[%s],"spill_written":%s,"spill_read":%s,"idle_rss_kb":"%s","out_rows":%s,"ok":%s}\n' \
        "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" "$(printf '%.0f' "$rows")" \
        "$ranks" "$lim" "$wall" "$rss" "${sp% *}" "${sp#* }" "$(echo "$base" | cut -d'|' -f1)" \
        "$nrows" "$ok" >> "$res"
    $ok || { echo "bench/spill.sh: result mismatch" >&2; exit 1; }
done
echo "results appended to $res"
