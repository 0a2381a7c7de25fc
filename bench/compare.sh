#!/usr/bin/env bash
# bench/compare.sh - sluice against DuckDB, pandas and Dask on the db-benchmark groupby table:
# the group-by questions sluice supports (q1-q5, q7: sum, mean, min, max) and the filter ->
# derive -> group -> write pipeline, each as a whole job from the CSV file to the answer.
#
#   bench/compare.sh [options]                   e.g. bench/compare.sh --rows 1e7 --reps 3
#   bench/compare_table.py bench/results/compare-*.jsonl      the Markdown table (also printed)
#
# Tools (one process tree each, timed from outside by bench/peakrss.py):
#   sluice1, sluice2  mpirun -n 1|2 build/sluice run bench/queries/<q>.sql (pipeline:
#                     bench/sluice_pipeline.sql, COPY to a directory)
#   duckdb            node bench/duckdb_bench.js: the SAME SQL file in DuckDB, threads = cores
#   pandas            bench/pandas_questions.py (one process)
#   dask              bench/dask_groupby.py: LocalCluster, one 1-thread worker per core
# Every answer is checked before it is recorded: against DuckDB's answer to the same SQL
# (DuckDB is the independent oracle here), and for q1 and pipeline also against the numpy
# oracle of scripts/gen_groupby.py. A mismatch stops the script (exit 1).
# Recorded per run (one JSON line in bench/results/compare-<date>-<host>.jsonl): tool,
# workload, ranks/workers/threads, rows, bytes, wall_s, peak_pss_mb (whole process tree),
# peak_rss_mb (largest process), version, machine, rep. Reps are interleaved (rep 1 of every
# tool, then rep 2, ...) so slow drifts in the machine's load spread over all tools.
#
# options:
#   --rows N            table rows (default 1e7; K=100, no NAs; generated once into --data)
#   --questions "..."   default "q1 q2 q3 q4 q5 q7 pipeline"; also q10 (6 keys, ~1 group per
#                       row: issue 14's aggregation job; DuckDB and sluice only)
#   --tools "..."       default "duckdb sluice1 sluice2 pandas dask" (duckdb is always run
#                       first: it is the reference)
#   --reps N            runs per tool and question (default 3)
#   --cores N           DuckDB threads, Dask workers (default nproc)
#   --data DIR          default bench/data
#   --sluice BIN        default build/sluice
#   --timeout S         limit per run (default 900)
#   --results FILE      default bench/results/compare-<date>-<host>.jsonl
# Needs: /usr/bin/python3 with pandas, python3-dask + python3-distributed, Node.js with
# bench/node_modules (cd bench && npm ci); scripts/install-deps.sh --bench installs the rest.
set -euo pipefail

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
export PYTHONDONTWRITEBYTECODE=1
PY=/usr/bin/python3
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

rows=1e7 questions="q1 q2 q3 q4 q5 q7 pipeline" tools="duckdb sluice1 sluice2 pandas dask"
reps=3 cores=$(nproc) data=bench/data sluice=build/sluice limit=900 results=""
die() { echo "bench/compare.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) rows=${2:?}; shift 2 ;;
        --questions) questions=${2:?}; shift 2 ;;
        --tools) tools=${2:?}; shift 2 ;;
        --reps) reps=${2:?}; shift 2 ;;
        --cores) cores=${2:?}; shift 2 ;;
        --data) data=${2:?}; shift 2 ;;
        --sluice) sluice=${2:?}; shift 2 ;;
        --timeout) limit=${2:?}; shift 2 ;;
        --results) results=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
tools="duckdb ${tools//duckdb/}"
[ -d bench/node_modules/@duckdb/node-api ] || die "no DuckDB: run (cd bench && npm ci)"
case " $tools " in *" dask "*) $PY -c 'import dask.distributed' 2>/dev/null ||
    die "no Dask: apt-get install python3-dask python3-distributed" ;; esac
case " $tools " in *" sluice"*) [ -x "$sluice" ] || die "no $sluice (run make)" ;; esac

mkdir -p "$data" bench/results
stem=$($PY -c 'import sys; sys.path.insert(0, "scripts"); import gen_groupby as g
print(g.file_stem(g.parse_count(sys.argv[1]), 100, 0, 0))' "$rows")
input=$data/$stem.csv oracle=$data/$stem.oracle.json
if [ ! -f "$input" ] || [ ! -f "$oracle" ]; then
    echo "generating $stem in $data ..." >&2
    $PY scripts/gen_groupby.py "$rows" 100 0 0 --out "$data" --oracle
fi
nbytes=$(stat -L -c %s "$input")
nrows=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["meta"]["N"])' "$oracle")
# (db-benchmark names keep one significant digit: 2.5e6 rows would find the 2e6 table)
[ "$nrows" = "$($PY -c 'import sys; print(int(float(sys.argv[1])))' "$rows")" ] ||
    die "$input holds $nrows rows, not $rows: use one significant digit (1e6, 1e7)"
out=$data/out/compare
mkdir -p "$out"
results=${results:-bench/results/compare-$(date +%Y-%m-%d)-$(hostname -s).jsonl}
machine="$(hostname -s): $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores,\
 $(free -g | awk '/^Mem:/ {print $2}') GiB RAM"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

version() {
    case "$1" in
        sluice*) echo "$("$sluice" --version | head -1) (git $(git rev-parse --short HEAD))" ;;
        duckdb) node bench/duckdb_bench.js --version ;;
        pandas) $PY -c 'import pandas; print("pandas", pandas.__version__)' ;;
        dask) $PY -c 'import dask, distributed as d; print("dask", dask.__version__,
"distributed", d.__version__)' ;;
    esac
}
declare -A ver
for t in $tools; do ver[$t]=$(version "$t"); done

# command TOOL Q RESULT -> the command line of one run (in the array cmd), and $par
command_for() {
    local t=$1 q=$2 res=$3 sql=bench/queries/$2.sql
    [ "$q" != pipeline ] || sql=bench/sluice_pipeline.sql
    case "$t" in
        sluice1|sluice2)
            par=${t#sluice}
            cmd=(mpirun -n "$par" "$sluice" run "$sql" -D "input=$input")
            if [ "$q" = pipeline ]; then cmd+=(-D "output=$res"); else cmd+=(--format csv); fi ;;
        duckdb) par=$cores; cmd=(node bench/duckdb_bench.js "$sql" "$input" "$res"
                                 --threads "$cores") ;;
        pandas) par=1; cmd=("$PY" bench/pandas_questions.py "$q" "$input" "$res") ;;
        dask) par=$cores; cmd=("$PY" bench/dask_groupby.py "$q" "$input" "$res"
                               --workers "$cores") ;;
        *) die "unknown tool '$t'" ;;
    esac
}

echo "input: $input ($nbytes bytes, $nrows rows); results -> $results" >&2
for q in $questions; do
    ref=$out/$q.duckdb
    for rep in $(seq 1 "$reps"); do
        for t in $tools; do
            res=$out/$q.$t
            rm -rf "$res"
            command_for "$t" "$q" "$res"
            rc=0
            if [[ $t == sluice* && $q != pipeline ]]; then
                timeout "$limit" bench/peakrss.py "$tmp/m.json" -- "${cmd[@]}" \
                    > "$res" 2> "$tmp/err" || rc=$?
            else
                timeout "$limit" bench/peakrss.py "$tmp/m.json" -- "${cmd[@]}" \
                    > /dev/null 2> "$tmp/err" || rc=$?
            fi
            if [ $rc != 0 ]; then
                echo "******** FAILED (exit $rc): ${cmd[*]}" >&2
                tail -20 "$tmp/err" >&2
                exit 1
            fi
            refs=("$ref")
            [ "$t" != duckdb ] || refs=()
            case "$q" in q1|pipeline) refs+=("$oracle") ;; esac
            for r in "${refs[@]}"; do
                if ! $PY bench/compare_check.py "$q" "$res" "$r" > "$tmp/chk" 2>&1; then
                    echo "******** WRONG RESULT: $t $q: $(cat "$tmp/chk")" >&2
                    exit 1
                fi
            done
            $PY - "$results" "$t" "$q" "$par" "$nrows" "$nbytes" "${ver[$t]}" "$machine" \
                "$rep" "$tmp/m.json" << 'PYEOF'
import json, sys, time
path, tool, q, par, rows, nbytes, version, machine, rep, mf = sys.argv[1:]
m = json.load(open(mf))
line = {"tool": tool, "workload": q, "parallelism": int(par), "rows": int(rows),
        "bytes": int(nbytes), "wall_s": m["wall_s"], "cpu_s": m.get("cpu_s"),
        "peak_pss_mb": m["peak_pss_mb"],
        "peak_rss_mb": m["peak_rss_mb"], "version": version, "machine": machine,
        "rep": int(rep), "date": time.strftime("%Y-%m-%dT%H:%M:%S")}
open(path, "a").write(json.dumps(line) + "\n")
print("%-8s %-9s rep=%s wall=%7.2fs cpu=%7.2fs tree PSS=%7.1f MB  (checked)" % (
    tool, q, rep, m["wall_s"], m.get("cpu_s", 0), m["peak_pss_mb"]), file=sys.stderr)
PYEOF
        done
    done
done
$PY bench/compare_table.py "$results"
