#!/usr/bin/env bash
# bench/compare.sh - sluice against DuckDB, pandas and Dask on the db-benchmark groupby table:
# the group-by questions sluice supports (q1-q5, q7, q10) and the filter -> derive -> group ->
# write pipeline, each as a whole job from the CSV file to the answer; and issue 14's "table"
# job (load into CREATE TABLE, then questions over the table).
#
#   bench/compare.sh [options]                   e.g. bench/compare.sh --rows 1e7 --reps 3
#   bench/compare.sh --issue14                   issue 14's four jobs + its scoreboard
#   bench/compare.sh --issue14 --rows 1e8        the optional 1e8 run (see below)
#   bench/compare_table.py bench/results/compare-*.jsonl      the Markdown table (also printed)
#
# Tools (one process tree each, timed from outside by bench/peakrss.py):
#   sluice1, sluice2  mpirun -n 1|2 build/sluice run bench/queries/<q>.sql (pipeline:
#                     bench/sluice_pipeline.sql, COPY to a directory)
#   duckdb            node bench/duckdb_bench.js: the SAME SQL file in DuckDB, threads = cores
#   pandas            bench/pandas_questions.py (one process)
#   dask              bench/dask_groupby.py: LocalCluster, one 1-thread worker per core
# Jobs (--questions): q1 q2 q3 q4 q5 q7 q10 and pipeline read the CSV (q1-q10 print their
# answer with --format csv into the answer file, --output; pipeline and q10copy, q10 written by bench/queries/q10_copy.sql,
# COPY it to a directory: one part file per rank, as issue 14 measures q10); "table" is ONE job file
# made from bench/dbbench.sql (bench/dbbench_check.py job: its load statement and the
# statements of the --table-questions, text unchanged): CREATE TABLE x AS SELECT * FROM
# read_csv(...), then per question CREATE TABLE ansN AS ... and its check row; sluice runs it
# with --format csv (and --metrics, for spill bytes), DuckDB with bench/dbbench_duckdb.js
# (duckdb and sluice only).
# Every answer is checked before it is recorded: against DuckDB's answer to the same SQL
# (DuckDB is the independent oracle here), and for q1 and pipeline also against the numpy
# oracle of scripts/gen_groupby.py; q10 by sorting and streaming both answers
# (bench/compare_check.py; self-test: bench/compare_check_test.py); the table job by its check
# rows (count and column sums per question, 1e-9 relative, as bench/dbbench.sh checks).
# A mismatch stops the script (exit 1).
# Recorded per run (one JSON line in bench/results/compare-<date>-<host>.jsonl): tool,
# workload, ranks/workers/threads, rows, bytes, wall_s, cpu_s, peak_pss_mb (whole process
# tree), peak_rss_mb (largest process), rank_rss_mb (each sluice rank's peak RSS, VmHWM),
# spill_bytes (table job), memory_limit, checked, run (this invocation's id), version,
# machine, rep. Reps are interleaved (rep 1 of every tool, then rep 2, ...) so slow drifts in
# the machine's load spread over all tools.
#
# --issue14: jobs "q1 q10copy table pipeline", tools "duckdb sluice1 sluice2", then a scoreboard
# of this run (bench/compare_table.py --scoreboard): per job the sluice (2 ranks) / DuckDB wall
# ratio of each rep (median and range) beside issue 14's goal (q1 <= 0.5x, q10 <= 1.0x,
# table <= 0.7x; the pipeline has none), and the 1 -> 2 rank efficiency of q1 and the pipeline
# (wall_1 / (2 x wall_2), goal >= 0.9).
# OPTIONAL, the 1e8 run: --issue14 --rows 1e8 runs the table job only, tools "duckdb sluice2",
# sluice with --memory-limit 2GB per rank, one rep (issue 14: load + questions at 2 ranks with
# a 2 GB budget per rank, <= 0.5x DuckDB's wall, <= 4 GB peak RSS summed over the ranks).
# Its data, G1_1e8_1e2_0_0.csv, is 5.2 GB (made once by scripts/gen_groupby.py: 4 min of CPU,
# 0.63 GB RAM); sluice takes minutes and spills to the output folder's spill/; DuckDB
# holds the table in memory (~19 GB here): run it on a quiet machine. Without DuckDB
# (--tools sluice2 --unchecked) the answers are kept unchecked in the output folder.
# Output folder: DATA/out/compare/<table stem>/ (e.g. bench/data/out/compare/G1_1e7_1e2_0_0/)
# holds each job's last answer per tool (<job>.<tool>) with its stderr (<job>.<tool>.stderr),
# the table job (table.sql) and sluice's spill directory (spill/); one per table size.
#
# options:
#   --rows N            table rows (default 1e7; K=100, no NAs; generated once into --data)
#   --questions "..."   default "q1 q2 q3 q4 q5 q7 pipeline"; also q10 and q10copy (6 keys,
#                       ~1 group per row: issue 14's aggregation job; DuckDB and sluice only)
#                       and table
#   --tools "..."       default "duckdb sluice1 sluice2 pandas dask" (duckdb is always run
#                       first: it is the reference)
#   --reps N            runs per tool and question (default 3; 1 with --rows 1e8)
#   --cores N           DuckDB threads, Dask workers (default nproc)
#   --table-questions "..."  the table job's questions (default "q1 q2 q3 q4 q5 q7 q10")
#   --memory-limit SIZE sluice's --memory-limit per rank (default none; 2GB at --issue14
#                       --rows 1e8)
#   --sluice-args "..." more options for every sluice run (e.g. "-v --progress": per-statement
#                       lines on stderr while it runs, kept in <answer>.stderr)
#   --unchecked         let --tools leave out duckdb: answers are kept, not checked, and
#                       recorded with "checked": false (the table job's q1 check row is
#                       still checked against the numpy oracle)
#   --data DIR          default bench/data
#   --sluice BIN        default build/sluice
#   --timeout S         limit per run (default 900; 3600 with --rows 1e8)
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

rows=1e7 questions="" tools="" reps="" cores=$(nproc) data=bench/data sluice=build/sluice
limit="" results="" issue14=false memlimit="" unchecked=false sluice_args=""
table_qs="q1 q2 q3 q4 q5 q7 q10"
die() { echo "bench/compare.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) rows=${2:?}; shift 2 ;;
        --questions) questions=${2:?}; shift 2 ;;
        --tools) tools=${2:?}; shift 2 ;;
        --reps) reps=${2:?}; shift 2 ;;
        --cores) cores=${2:?}; shift 2 ;;
        --table-questions) table_qs=${2:?}; shift 2 ;;
        --memory-limit) memlimit=${2:?}; shift 2 ;;
        --issue14) issue14=true; shift ;;
        --unchecked) unchecked=true; shift ;;
        --sluice-args) sluice_args=${2:?}; shift 2 ;;
        --data) data=${2:?}; shift 2 ;;
        --sluice) sluice=${2:?}; shift 2 ;;
        --timeout) limit=${2:?}; shift 2 ;;
        --results) results=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
big=$($PY -c 'import sys; print(int(float(sys.argv[1]) >= 1e8))' "$rows") ||
    die "bad --rows '$rows'"
if $issue14 && [ "$big" = 1 ]; then
    questions=${questions:-table} tools=${tools:-duckdb sluice2} memlimit=${memlimit:-2GB}
elif $issue14; then
    questions=${questions:-q1 q10copy table pipeline} tools=${tools:-duckdb sluice1 sluice2}
fi
questions=${questions:-q1 q2 q3 q4 q5 q7 pipeline}
tools=${tools:-duckdb sluice1 sluice2 pandas dask}
if [ "$big" = 1 ]; then reps=${reps:-1} limit=${limit:-3600}; fi
reps=${reps:-3} limit=${limit:-900}
case " $tools " in
    *" duckdb "*) tools="duckdb ${tools//duckdb/}" ;;
    *) $unchecked || die "no duckdb in --tools: nothing to check the answers against" \
           "(add --unchecked to keep them unchecked)" ;;
esac
tools=$(echo $tools)
case " $tools " in *" duckdb "*) unchecked=false ;; esac
checked=$($unchecked && echo false || echo true)
[ -d bench/node_modules/@duckdb/node-api ] || die "no DuckDB: run (cd bench && npm ci)"
case " $tools " in *" dask "*) $PY -c 'import dask.distributed' 2>/dev/null ||
    die "no Dask: apt-get install python3-dask python3-distributed" ;; esac
case " $tools " in *" sluice"*) [ -x "$sluice" ] || die "no $sluice (run make)" ;; esac
for q in $questions; do
    case "$q" in
        q1|q2|q3|q4|q5|q7|pipeline) ;;
        q10|q10copy|table) for t in $tools; do case "$t" in duckdb|sluice*) ;; *)
            die "$q: duckdb and sluice only, not $t" ;; esac; done ;;
        *) die "unknown job '$q'" ;;
    esac
done

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
out=$data/out/compare/$stem
mkdir -p "$out"
results=${results:-bench/results/compare-$(date +%Y-%m-%d)-$(hostname -s).jsonl}
run_id=$(date +%Y%m%dT%H%M%S)-$$
machine="$(hostname -s): $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores,\
 $(free -g | awk '/^Mem:/ {print $2}') GiB RAM"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$out"/*.sorted' EXIT
# the table job: dbbench.sql's load and the chosen questions' statements, text unchanged
case " $questions " in *" table "*)
    $PY bench/dbbench_check.py job "$table_qs" bench/dbbench.sql > "$out/table.sql" ;; esac

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

# is_copy Q: the job writes its answer with COPY to a directory (-D output=...), not to stdout
is_copy() { [ "$1" = pipeline ] || [ "$1" = q10copy ]; }

# command TOOL Q RESULT -> the command line of one run (in the array cmd), and $par
command_for() {
    local t=$1 q=$2 res=$3 sql=bench/queries/$2.sql
    [ "$q" != pipeline ] || sql=bench/sluice_pipeline.sql
    [ "$q" != q10copy ] || sql=bench/queries/q10_copy.sql
    [ "$q" != table ] || sql=$out/table.sql
    case "$t" in
        sluice1|sluice2)
            par=${t#sluice}
            cmd=(mpirun -n "$par" "$sluice" run "$sql" -D "input=$input")
            # A printed answer goes into the answer file by --output, as DuckDB writes its
            # own (mpirun's forwarding of stdout costs more than q10 itself); the table job's
            # check rows are few and come on stdout.
            if is_copy "$q"; then cmd+=(-D "output=$res")
            elif [ "$q" = table ]; then cmd+=(--format csv)
            else cmd+=(--format csv --output "$res"); fi
            # --metrics: spill bytes and the statements' own time (the wall time less the
            # fixed costs of mpirun, MPI_Init and the job around them)
            cmd+=(--metrics "$tmp/metrics.json")
            if [ "$q" = table ]; then
                mkdir -p "$out/spill"
                cmd+=(--spill-dir "$out/spill")
            fi
            [ -z "$memlimit" ] || cmd+=(--memory-limit "$memlimit")
            # shellcheck disable=SC2206 # split into words on purpose
            [ -z "$sluice_args" ] || cmd+=($sluice_args) ;;
        duckdb) par=$cores
            if [ "$q" = table ]; then
                cmd=(node bench/dbbench_duckdb.js "$sql" "$input" --threads "$cores")
            else
                cmd=(node bench/duckdb_bench.js "$sql" "$input" "$res" --threads "$cores")
            fi ;;
        pandas) par=1; cmd=("$PY" bench/pandas_questions.py "$q" "$input" "$res") ;;
        dask) par=$cores; cmd=("$PY" bench/dask_groupby.py "$q" "$input" "$res"
                               --workers "$cores") ;;
        *) die "unknown tool '$t'" ;;
    esac
}

# check TOOL Q RESULT REFERENCE -> exit 1 (after saying why) on a mismatch
check() {
    local t=$1 q=$2 res=$3 r=$4 rc=0
    if [ "$q" = table ] && [[ $r == *.json ]]; then
        # the q1 check row (groups, sum of v1) against the numpy oracle's q1 answer
        $PY - "$res" "$r" > "$tmp/chk" 2>&1 << 'PYEOF' || rc=$?
import csv, json, sys
rows = {r[0]: r[1:] for r in csv.reader(open(sys.argv[1])) if r and r[0] == "q1"}
o = json.load(open(sys.argv[2]))["q1"]["rows"]
want = [str(len(o)), str(sum(int(r[1]) for r in o))]
if rows.get("q1") != want:
    sys.exit("q1 check row %s, numpy oracle %s" % (rows.get("q1"), want))
PYEOF
    elif [ "$q" = table ]; then
        $PY bench/dbbench_check.py check "$table_qs" "$res" "$r" > "$tmp/chk" 2>&1 || rc=$?
    else
        $PY bench/compare_check.py --cache-ref "$q" "$res" "$r" > "$tmp/chk" 2>&1 || rc=$?
    fi
    if [ $rc != 0 ]; then
        echo "******** WRONG RESULT: $t $q: $(cat "$tmp/chk")" >&2
        exit 1
    fi
}

echo "input: $input ($nbytes bytes, $nrows rows); results -> $results (run $run_id)" >&2
for q in $questions; do
    ref=$out/$q.duckdb
    rm -rf "$ref.sorted"
    for rep in $(seq 1 "$reps"); do
        for t in $tools; do
            res=$out/$q.$t
            rm -rf "$res" "$tmp/metrics.json"
            command_for "$t" "$q" "$res"
            rc=0 sout=/dev/null
            if [ "$q" = table ]; then sout=$res; fi
            # stderr straight into <answer>.stderr: it can be followed while a long run goes
            timeout "$limit" bench/peakrss.py "$tmp/m.json" -- "${cmd[@]}" \
                > "$sout" 2> "$res.stderr" || rc=$?
            if [ $rc != 0 ]; then
                echo "******** FAILED (exit $rc): ${cmd[*]}" >&2
                tail -20 "$res.stderr" >&2
                exit 1
            fi
            refs=()
            if [ "$t" != duckdb ] && ! $unchecked; then refs=("$ref"); fi
            case "$q" in q1|pipeline|table) refs+=("$oracle") ;; esac
            [ "$t" != duckdb ] || rm -f "$ref.sorted"
            for r in "${refs[@]}"; do check "$t" "$q" "$res" "$r"; done
            $PY - "$results" "$t" "$q" "$par" "$nrows" "$nbytes" "${ver[$t]}" "$machine" \
                "$rep" "$tmp/m.json" "$run_id" "$memlimit" "$checked" "$tmp/metrics.json" \
                << 'PYEOF'
import json, os, sys, time
(path, tool, q, par, rows, nbytes, version, machine, rep, mf, run, memlimit, checked,
 metrics) = sys.argv[1:]
m = json.load(open(mf))
line = {"tool": tool, "workload": q, "parallelism": int(par), "rows": int(rows),
        "bytes": int(nbytes), "wall_s": m["wall_s"], "cpu_s": m.get("cpu_s"),
        "peak_pss_mb": m["peak_pss_mb"],
        "peak_rss_mb": m["peak_rss_mb"], "version": version, "machine": machine,
        "rep": int(rep), "date": time.strftime("%Y-%m-%dT%H:%M:%S"), "run": run,
        "checked": checked == "true" or tool == "duckdb"}
if tool.startswith("sluice"):
    line["rank_rss_mb"] = [p["peak_rss_mb"] for p in m.get("procs", [])
                           if p["comm"] == "sluice"]
    line["memory_limit"] = memlimit or None
if os.path.exists(metrics):
    st = json.load(open(metrics))["statements"]
    nr = max(len(s["ranks"]) for s in st)
    line["spill_bytes"] = sum(s["spill_bytes"] for s in st)
    line["statements_s"] = sum(s["wall_s"] for s in st)
    line["rank_spill_bytes"] = [sum(s["ranks"][r]["spill_bytes"] for s in st
                                    if r < len(s["ranks"])) for r in range(nr)]
open(path, "a").write(json.dumps(line) + "\n")
extra = ""
if "rank_rss_mb" in line:
    extra = "  ranks' peak RSS %s MB" % "+".join("%.0f" % x for x in line["rank_rss_mb"])
if "spill_bytes" in line:
    extra += "  spilled %.2f GB" % (line["spill_bytes"] / 1e9)
print("%-8s %-9s rep=%s wall=%7.2fs cpu=%7.2fs tree PSS=%7.1f MB%s  (%s)" % (
    tool, q, rep, m["wall_s"], m.get("cpu_s", 0), m["peak_pss_mb"], extra,
    "checked" if line["checked"] else "UNCHECKED"), file=sys.stderr)
PYEOF
        done
    done
    rm -f "$ref.sorted"
done
$PY bench/compare_table.py --run "$run_id" "$results"
echo
$PY bench/compare_table.py --scoreboard --run "$run_id" "$results"
