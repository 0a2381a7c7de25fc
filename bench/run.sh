#!/usr/bin/env bash
# Benchmarks sluice against pandas on the db-benchmark groupby table (G1_1e7_1e2_0_0.csv).
#
#   bench/run.sh [options] SLUICE_BIN        e.g. bench/run.sh build/sluice
#   bench/run.sh --only pandas               pandas only (no sluice binary needed)
#
# Workloads (each run REPS times; bench/table.py reports the median):
#   q1        SELECT id1, sum(v1) AS v1 FROM read_csv(...) GROUP BY id1
#             sluice: bench/sluice_q1.sql at each rank count; pandas: bench/pandas_groupby.py
#   pipeline  filter v3 > 10 -> v1 * v3 AS w -> GROUP BY id1, id4 -> sum(w), count(*), avg(v2)
#             -> COPY TO a directory. bench/sluice_pipeline.sql / bench/pandas_pipeline.py
#
# Each run is timed from outside (wall clock of the whole command, mpirun start-up included)
# and wrapped in /usr/bin/time -v for the peak RSS (under mpirun every rank runs under its own
# /usr/bin/time and the largest "Maximum resident set size" is kept). Every result is checked
# before it is recorded: pandas against the oracle that scripts/gen_groupby.py --oracle
# computed from the generated integers (not from the CSV), sluice q1 against pandas' q1 output
# (exact integers) and the oracle, sluice pipeline against the oracle (sum and avg to 1e-9
# relative, counts exact). A wrong answer stops the script with exit status 1.
# One JSON line per run goes to bench/results/<date>-<host>.jsonl.
#
# options:
#   --only pandas|sluice   run one side only (default both)
#   --workloads "q1 pipeline"
#   --ranks "1 2"          sluice rank counts (default "1 2")
#   --reps N               runs per configuration (default 3)
#   --rows N               table rows (default 1e7; K=100, no NAs, unsorted)
#   --files F              split the table over F files (default 1), read as a glob
#   --data DIR             data directory (default bench/data, gitignored)
#   --timeout S            limit per run in seconds (default 600)
#   --results FILE         append to FILE instead of bench/results/<date>-<host>.jsonl
set -euo pipefail

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1

export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in scripts/ from the import below
PY=/usr/bin/python3          # Debian's python3 with numpy + pandas (not a venv on PATH)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

only=both workloads="q1 pipeline" ranks="1 2" reps=3 rows=1e7 nfiles=1 data=bench/data
limit=600 sluice="" results=""
die() { echo "bench/run.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --only) only=${2:?}; shift 2 ;;
        --workloads) workloads=${2:?}; shift 2 ;;
        --ranks) ranks=${2:?}; shift 2 ;;
        --reps) reps=${2:?}; shift 2 ;;
        --rows) rows=${2:?}; shift 2 ;;
        --files) nfiles=${2:?}; shift 2 ;;
        --data) data=${2:?}; shift 2 ;;
        --timeout) limit=${2:?}; shift 2 ;;
        --results) results=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) [ -z "$sluice" ] || die "unexpected argument '$1'"; sluice=$1; shift ;;
    esac
done
case "$only" in pandas|sluice|both) ;; *) die "--only takes pandas or sluice" ;; esac
run_pandas=0 run_sluice=0
[ "$only" = sluice ] || run_pandas=1
[ "$only" = pandas ] || run_sluice=1
if [ $run_sluice = 1 ]; then
    [ -n "$sluice" ] || die "missing SLUICE_BIN (or use --only pandas)"
    [ -x "$sluice" ] || die "'$sluice' is not an executable"
    command -v mpirun > /dev/null || die "mpirun not found (apt-get install openmpi-bin)"
fi
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"

# ---- data ----
mkdir -p "$data" bench/results
stem=$($PY -c 'import sys; sys.path.insert(0, "scripts"); import gen_groupby as g
n = g.parse_count(sys.argv[1]); print(g.file_stem(n, 100, 0, 0))' "$rows")
oracle="$data/$stem.oracle.json"
if [ "$nfiles" = 1 ]; then input="$data/$stem.csv"; else input="$data/${stem}_part*.csv"; fi
input_files() { local f; for f in "$data/$stem".csv "$data/${stem}"_part*.csv; do
    [ -f "$f" ] && echo "$f"; done; true; }
if [ ! -f "$oracle" ] || [ "$(input_files | wc -l)" != "$nfiles" ] ||
   { [ "$nfiles" = 1 ] && [ ! -f "$input" ]; }; then
    echo "generating $stem ($nfiles file(s)) in $data ..." >&2
    rm -f "$data/$stem".csv "$data/${stem}"_part*.csv
    $PY scripts/gen_groupby.py "$rows" 100 0 0 --out "$data" --files "$nfiles" --oracle
fi
in_bytes=$(input_files | xargs -d '\n' stat -c %s | awk '{ s += $1 } END { print s }')
n_rows=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["meta"]["N"])' "$oracle")
out="$data/out/$stem"
mkdir -p "$out"

results=${results:-"bench/results/$(date +%Y-%m-%d)-$(hostname -s).jsonl"}
machine="$(hostname -s): $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores,\
 $(free -g | awk '/^Mem:/ {print $2}') GiB RAM"
pandas_version="pandas $($PY -c 'import pandas; print(pandas.__version__)')"
sluice_version=""
if [ $run_sluice = 1 ]; then
    sluice_version=$(timeout 60 "$sluice" --version 2> /dev/null | head -1 || true)
    git_rev=$(git rev-parse --short HEAD 2> /dev/null || echo unknown)
    git diff --quiet HEAD 2> /dev/null || git_rev="$git_rev-dirty"
    sluice_version="${sluice_version:-sluice} (git $git_rev)"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check KIND RESULT REF: compares a result (CSV file, or a directory of part CSVs) with REF
# (the oracle JSON, or pandas' CSV). Prints what differs and exits 1 on a mismatch.
check() {
    $PY - "$@" << 'PYEOF'
import csv, glob, json, math, os, sys
kind, got_path, ref_path = sys.argv[1:4]

def load_csv(path):
    files = [path] if os.path.isfile(path) else sorted(
        glob.glob(os.path.join(path, "**", "*.csv"), recursive=True))
    if not files:
        sys.exit("no result files in %s" % path)
    rows, header = [], None
    for f in files:
        with open(f, newline="") as fh:
            r = csv.reader(fh)
            h = next(r, None)
            if h is None:
                continue                    # an empty part file (a rank with no groups)
            if header is not None and h != header:
                sys.exit("%s: header %s differs from %s" % (f, h, header))
            header = h
            rows += [[None if v == "" else v for v in row] for row in r]
    return header, rows

def exact_int(v):
    if v is None:
        return None
    if not v.lstrip("-").isdigit():
        raise ValueError("not an exact integer: %r" % v)
    return int(v)

def flt(v):
    return None if v is None else float(v)

def norm(kind, header, rows):
    if kind == "q1":
        if header != ["id1", "v1"]:
            sys.exit("q1 header is %s, expected ['id1', 'v1']" % header)
        return {r[0]: (exact_int(r[1]),) for r in rows}, len(rows)
    want = ["id1", "id4", "sum_w", "n", "avg_v2"]
    if header != want:
        sys.exit("pipeline header is %s, expected %s" % (header, want))
    return {(r[0], exact_int(r[1])): (flt(r[2]), exact_int(r[3]), flt(r[4]))
            for r in rows}, len(rows)

def load(path):
    if path.endswith(".json"):
        o = json.load(open(path))[kind]
        return norm(kind, o["columns"],
                    [[None if v is None else str(v) for v in row] for row in o["rows"]])
    return norm(kind, *load_csv(path))

def close(a, b):
    if a is None or b is None:
        return a is b
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)

try:
    got, n_got = load(got_path)
    ref, n_ref = load(ref_path)
except ValueError as e:
    sys.exit("%s: %s" % (got_path, e))
bad = []
if n_got != len(got):
    bad.append("%d duplicate keys in the result" % (n_got - len(got)))
for k in sorted(set(got) | set(ref), key=repr):
    if k not in got:
        bad.append("missing group %r (expected %r)" % (k, ref[k]))
    elif k not in ref:
        bad.append("unexpected group %r = %r" % (k, got[k]))
    elif not all(close(a, b) for a, b in zip(got[k], ref[k])):
        bad.append("group %r: got %r, expected %r" % (k, got[k], ref[k]))
if bad:
    print("%d problem(s) comparing %s with %s:" % (len(bad), got_path, ref_path))
    print("\n".join("  " + b for b in bad[:20]))
    sys.exit(1)
print("check %s: %s == %s (%d groups)" % (kind, got_path, ref_path, len(got)))
PYEOF
}

# verify KIND RESULT REF...: runs check against each REF; stops the benchmark on a mismatch.
verify() {
    local kind=$1 result=$2 ref
    shift 2
    for ref in "$@"; do
        if ! check "$kind" "$result" "$ref" >&2; then
            echo "" >&2
            echo "******** WRONG RESULT: $kind $result differs from $ref ********" >&2
            echo "******** (nothing recorded for this run; fix the engine first) ********" >&2
            exit 1
        fi
    done
}

# peak_rss_mb FILE: the largest "Maximum resident set size" in FILE (one per process), in MB.
peak_rss_mb() {
    awk -F': *' '/Maximum resident set size/ { if ($2 + 0 > m) m = $2 + 0 }
                 END { if (m == "") { print "null" } else printf "%.1f\n", m / 1024 }' "$1"
}

# record TOOL WORKLOAD RANKS WALL RSS VERSION REP
record() {
    $PY - "$results" "$@" "$n_rows" "$in_bytes" "$machine" << 'PYEOF'
import json, sys, time
path, tool, wl, ranks, wall, rss, version, rep, rows, nbytes, machine = sys.argv[1:]
ranks, wall, rows, nbytes = int(ranks), float(wall), int(rows), int(nbytes)
line = {"tool": tool, "workload": wl, "ranks": ranks, "rows": rows, "bytes": nbytes,
        "wall_s": round(wall, 3), "peak_rss_mb": None if rss == "null" else float(rss),
        "mb_s_per_rank": round(nbytes / 1e6 / ranks / wall, 1), "version": version,
        "machine": machine, "rep": int(rep), "date": time.strftime("%Y-%m-%dT%H:%M:%S")}
with open(path, "a") as f:
    f.write(json.dumps(line) + "\n")
print("%-7s %-9s ranks=%d rep=%s wall=%.2fs peak_rss=%sMB %.1f MB/s/rank"
      % (tool, wl, ranks, rep, wall, rss, line["mb_s_per_rank"]), file=sys.stderr)
PYEOF
}

now() { date +%s.%N; }
elapsed() { $PY -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$1" "$2"; }

# run_timed LOG CMD...: runs CMD with a time limit, stdout to LOG.out, stderr to LOG.err;
# sets $wall. A failed run stops the benchmark.
run_timed() {
    local log=$1 t0 t1 rc=0
    shift
    t0=$(now)
    timeout "$limit" "$@" > "$log.out" 2> "$log.err" || rc=$?
    t1=$(now)
    if [ $rc != 0 ]; then
        echo "******** FAILED (exit $rc$([ $rc = 124 ] && echo ", timed out after ${limit}s")):" \
             "$* ********" >&2
        grep -v -e '^	' -e '^Command being timed' "$log.err" | tail -20 >&2
        exit 1
    fi
    wall=$(elapsed "$t0" "$t1")
}

echo "input: $input ($in_bytes bytes, $n_rows rows); results -> $results" >&2
for wl in $workloads; do
    case "$wl" in q1|pipeline) ;; *) die "unknown workload '$wl'" ;; esac
    if [ $run_pandas = 1 ]; then
        for rep in $(seq 1 "$reps"); do
            if [ "$wl" = q1 ]; then
                run_timed "$tmp/p" /usr/bin/time -v -o "$tmp/p.time" \
                    $PY bench/pandas_groupby.py "$input" --out "$out/pandas_q1.csv"
                verify q1 "$out/pandas_q1.csv" "$oracle"
            else
                rm -rf "$out/pandas_pipeline"
                run_timed "$tmp/p" /usr/bin/time -v -o "$tmp/p.time" \
                    $PY bench/pandas_pipeline.py "$input" "$out/pandas_pipeline"
                verify pipeline "$out/pandas_pipeline" "$oracle"
            fi
            record pandas "$wl" 1 "$wall" "$(peak_rss_mb "$tmp/p.time")" "$pandas_version" "$rep"
        done
    fi
    if [ $run_sluice = 1 ]; then
        for r in $ranks; do
            for rep in $(seq 1 "$reps"); do
                if [ "$wl" = q1 ]; then
                    run_timed "$tmp/s" mpirun -n "$r" /usr/bin/time -v "$sluice" run \
                        bench/sluice_q1.sql -D "input=$input" --format csv
                    cp "$tmp/s.out" "$out/sluice_q1_r$r.csv"
                    refs=("$oracle")
                    [ ! -f "$out/pandas_q1.csv" ] || refs+=("$out/pandas_q1.csv")
                    verify q1 "$out/sluice_q1_r$r.csv" "${refs[@]}"
                else
                    # COPY replaces the directory atomically; start clean anyway so a stale
                    # result can never pass the check.
                    rm -rf "$out/sluice_pipeline_r$r"
                    run_timed "$tmp/s" mpirun -n "$r" /usr/bin/time -v "$sluice" run \
                        bench/sluice_pipeline.sql -D "input=$input" \
                        -D "output=$out/sluice_pipeline_r$r"
                    verify pipeline "$out/sluice_pipeline_r$r" "$oracle"
                fi
                record sluice "$wl" "$r" "$wall" "$(peak_rss_mb "$tmp/s.err")" \
                    "$sluice_version" "$rep"
            done
        done
    fi
done
$PY bench/table.py "$results"
