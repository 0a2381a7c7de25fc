#!/usr/bin/env bash
# bench/dbbench.sh - the db-benchmark groupby suite: load + q1-q10 in ONE job
# (bench/dbbench.sql, the questions exactly as DuckDB's benchmark script writes them) in sluice
# at 1 and 2 ranks and in DuckDB (the same job file), and the same ten questions in pandas and
# Dask (bench/dbbench_frames.py, as db-benchmark's pandas and Dask scripts write them).
#
#   bench/dbbench.sh [options]          e.g. bench/dbbench.sh --rows 1e7 --reps 3
#   bench/dbbench_check.py table bench/results/dbbench-<date>-<host>.jsonl   (also printed)
#
# Every tool's answers are checked against DuckDB's (count and column sums of each answer,
# db-benchmark's check; bench/dbbench_check.py) before its times are recorded; a mismatch stops
# the script (exit 1). Times per statement come from the tools themselves (sluice's summary,
# the DuckDB and frame drivers' step lines), one JSON line per tool and rep in --results.
#
# options:
#   --rows N          table rows (default 1e7; K=100, no NAs; generated once into --data)
#   --tools "..."     default "duckdb sluice1 sluice2 pandas dask" (duckdb always runs first)
#   --reps N          runs per tool (default 1; reps are interleaved across tools)
#   --cores N         DuckDB threads, Dask workers (default nproc)
#   --data DIR        default bench/data
#   --sluice BIN      default build/sluice
#   --timeout S       limit per run (default 3600)
#   --results FILE    default bench/results/dbbench-<date>-<host>.jsonl
# Needs: /usr/bin/python3 with pandas (+ python3-dask python3-distributed for dask), Node.js
# with bench/node_modules (cd bench && npm ci).
set -euo pipefail

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
export PYTHONDONTWRITEBYTECODE=1 PYTHONWARNINGS=ignore

cd "$(dirname "$0")/.."
PY=/usr/bin/python3
rows=1e7 tools="duckdb sluice1 sluice2 pandas dask" reps=1 cores=$(nproc) data=bench/data
sluice=build/sluice timeout_s=3600
results=bench/results/dbbench-$(date +%Y-%m-%d)-$(hostname -s).jsonl
die() { echo "dbbench: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) rows=$2; shift 2 ;;
        --tools) tools=$2; shift 2 ;;
        --reps) reps=$2; shift 2 ;;
        --cores) cores=$2; shift 2 ;;
        --data) data=$2; shift 2 ;;
        --sluice) sluice=$2; shift 2 ;;
        --timeout) timeout_s=$2; shift 2 ;;
        --results) results=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
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
input=$data/$stem.csv
if [ ! -f "$input" ]; then
    echo "dbbench: generating $stem in $data ..." >&2
    $PY scripts/gen_groupby.py "$rows" 100 0 0 --out "$data" --quiet
fi
work=$(mktemp -d /tmp/dbbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

run_tool() { # tool rep -> $work/<tool>.out, .err
    local t=$1 o=$work/$1.out e=$work/$1.err
    case "$t" in
        duckdb) timeout "$timeout_s" node bench/dbbench_duckdb.js bench/dbbench.sql "$input" \
                    --threads "$cores" >"$o" 2>"$e" ;;
        sluice*) timeout "$timeout_s" mpirun -n "${t#sluice}" "$sluice" run bench/dbbench.sql \
                    -D input="$input" --format csv --spill-dir "$work" >"$o" 2>"$e" ;;
        pandas) timeout "$timeout_s" $PY bench/dbbench_frames.py pandas "$input" >"$o" 2>"$e" ;;
        dask) timeout "$timeout_s" $PY bench/dbbench_frames.py dask "$input" \
                    --workers "$cores" >"$o" 2>"$e" ;;
        *) die "unknown tool $t" ;;
    esac || { tail -20 "$e" >&2; die "$t failed"; }
}

for rep in $(seq 1 "$reps"); do
    for t in $tools; do
        echo "dbbench: rep $rep $t ..." >&2
        run_tool "$t"
        $PY bench/dbbench_check.py record "$t" "$rows" "$rep" "$work/$t.out" "$work/$t.err" \
            "$work/duckdb.out" "$results" || exit 1
    done
done
$PY bench/dbbench_check.py table "$results"
