#!/usr/bin/env bash
# scripts/scaling.sh - strong and weak scaling experiments: one sluice pipeline at several rank
# counts, one JSON line per run. Runs on a laptop (mpirun) and inside a Slurm allocation
# (--launcher srun; jobs/strong-scaling.sbatch and jobs/weak-scaling.sbatch call this script).
#
#   scripts/scaling.sh [options]
#   scripts/scaling.sh --mode strong --rows 1e7 --ranks "1 2 4 8"
#   scripts/scaling.sh --mode weak --rows 1e6 --ranks "1 2 4"     # 1e6 rows per rank
#   scripts/plot-scaling bench/results/scaling-strong-*.jsonl      # PNG + SVG plots
#
# strong: the same table (--rows rows in total) at every rank count; ideal: wall time 1/ranks.
# weak:   --rows rows per rank (the table grows with the ranks); ideal: constant wall time.
# Data is the db-benchmark groupby table from scripts/gen_groupby.py (made once per size into
# --data, reused afterwards), with its numpy oracle: every run's answer is checked against it
# and a wrong answer stops the experiment (exit 1) before anything is recorded.
#
# Workloads: q1 (SELECT id1, sum(v1) ... GROUP BY id1, bench/sluice_q1.sql) or pipeline
# (filter -> derive -> group by 2 keys -> COPY, bench/sluice_pipeline.sql).
#
# Each JSON line: mode, workload, ranks, nodes, cores (per node), oversubscribed, rows, bytes,
# wall_s (whole command, launcher start-up included, measured outside), peak_rss_mb (the
# largest rank, /usr/bin/time -v around every rank), stages ({name: wall seconds}), shuffle
# bytes, spill bytes (these three from `sluice --metrics` when this sluice has it, else
# null), launcher, version, machine, host, rep, date.
#
# options:
#   --mode strong|weak        (default strong)
#   --ranks "1 2 4 8"         rank counts (default "1 2 4 8")
#   --rows N                  strong: total rows (default 1e7); weak: rows per rank (1e6)
#   --groups K                groups of id1 (default 100, db-benchmark's 1e2)
#   --workload q1|pipeline    (default q1)
#   --reps N                  runs per rank count (default 1)
#   --data DIR                data directory (default bench/data)
#   --out FILE                append JSON lines here
#                             (default bench/results/scaling-<mode>-<date>-<host>.jsonl)
#   --launcher mpirun|srun    how ranks start (default mpirun; srun inside an allocation)
#   --sluice BIN              (default build/sluice)
#   --timeout S               limit per run (default 1800)
set -euo pipefail

PY=/usr/bin/python3              # Debian's python3 with numpy (not a venv on PATH)
export PYTHONDONTWRITEBYTECODE=1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

mode=strong ranks="1 2 4 8" rows="" groups=100 workload=q1 reps=1 data=bench/data out=""
launcher=mpirun sluice=build/sluice limit=1800
die() { echo "scaling.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --mode) mode=${2:?}; shift 2 ;;
        --ranks) ranks=${2:?}; shift 2 ;;
        --rows) rows=${2:?}; shift 2 ;;
        --groups) groups=${2:?}; shift 2 ;;
        --workload) workload=${2:?}; shift 2 ;;
        --reps) reps=${2:?}; shift 2 ;;
        --data) data=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --launcher) launcher=${2:?}; shift 2 ;;
        --sluice) sluice=${2:?}; shift 2 ;;
        --timeout) limit=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
case "$mode" in strong) rows=${rows:-1e7} ;; weak) rows=${rows:-1e6} ;;
    *) die "--mode takes strong or weak" ;; esac
case "$workload" in q1|pipeline) ;; *) die "--workload takes q1 or pipeline" ;; esac
case "$launcher" in mpirun|srun) ;; *) die "--launcher takes mpirun or srun" ;; esac
[ -x "$sluice" ] || die "'$sluice' is not an executable (run make)"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"

# Laptop runs as root with more ranks than cores need these; harmless elsewhere.
export OMPI_MCA_rmaps_base_oversubscribe=${OMPI_MCA_rmaps_base_oversubscribe:-1}
export OMPI_MCA_mpi_yield_when_idle=${OMPI_MCA_mpi_yield_when_idle:-1}
if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

host=$(hostname -s)
out=${out:-bench/results/scaling-$mode-$(date +%Y-%m-%d)-$host.jsonl}
mkdir -p "$data" "$(dirname "$out")"
cores=${SLURM_CPUS_ON_NODE:-$(nproc)}
nodes_alloc=${SLURM_JOB_NUM_NODES:-1}
machine="$host: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $cores cores,\
 $(free -g | awk '/^Mem:/ {print $2}') GiB RAM"
version="$("$sluice" --version 2>/dev/null | head -1) (git $(git rev-parse --short HEAD \
    2>/dev/null || echo unknown))"
metrics_opt=0
if "$sluice" --help 2>&1 | grep -q -- '--metrics'; then metrics_opt=1; fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-scaling.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# table ROWS -> prints the CSV path for a table of ROWS rows, generating it (+ oracle) once.
table() {
    local n=$1 stem dir=$data
    # db-benchmark file names keep one significant digit (1.6e7 rows -> G1_1e7_...): a size
    # that does not round-trip gets a directory of its own, so no table is taken for another.
    $PY -c 'import sys; n = int(float(sys.argv[1])); sys.exit(n != float("%.0e" % n))' "$n" ||
        dir=$data/rows-$($PY -c 'import sys; print(int(float(sys.argv[1])))' "$n")
    stem=$($PY -c 'import sys; sys.path.insert(0, "scripts"); import gen_groupby as g
print(g.file_stem(g.parse_count(sys.argv[1]), int(sys.argv[2]), 0, 0))' "$n" "$groups")
    if [ ! -f "$dir/$stem.csv" ] || [ ! -f "$dir/$stem.oracle.json" ]; then
        echo "scaling.sh: generating $stem in $dir ..." >&2
        mkdir -p "$dir"
        $PY scripts/gen_groupby.py "$n" "$groups" 0 0 --out "$dir" --oracle --quiet >&2
    fi
    $PY -c 'import json, sys; n = json.load(open(sys.argv[1]))["meta"]["N"]
sys.exit(0 if n == int(float(sys.argv[2])) else "scaling.sh: %s holds %d rows, not %s"
         % (sys.argv[1], n, sys.argv[2]))' "$dir/$stem.oracle.json" "$n" || exit 2
    echo "$dir/$stem.csv"
}

# check RESULT ORACLE: the q1 or pipeline answer must equal the numpy oracle.
check() {
    $PY - "$workload" "$1" "$2" << 'PYEOF'
import csv, glob, json, math, os, sys
wl, got_path, oracle = sys.argv[1:]
files = [got_path] if os.path.isfile(got_path) else sorted(
    glob.glob(os.path.join(got_path, "**", "*.csv"), recursive=True))
rows = []
for f in files:
    r = list(csv.reader(open(f, newline="")))
    rows += r[1:]
ref = json.load(open(oracle))[wl]
nk = 1 if wl == "q1" else 2
def key(r): return tuple(str(v) for v in r[:nk])
want = {key(r): r[nk:] for r in ref["rows"]}
got = {key(r): r[nk:] for r in rows}
bad = [k for k in want if k not in got or not all(
    math.isclose(float(a), float(b), rel_tol=1e-9) for a, b in zip(got[k], want[k]))]
if bad or len(got) != len(want) or len(rows) != len(want):
    sys.exit("WRONG RESULT %s: %d groups, expected %d; first bad: %s" % (
        got_path, len(got), len(want), bad[:3]))
PYEOF
}

# record ...: appends one JSON line (figures from /usr/bin/time and the metrics file).
record() {
    $PY - "$out" "$@" << 'PYEOF'
import json, os, re, sys, time
(path, mode, wl, ranks, nodes, cores, rows, nbytes, wall, timef, metf, launcher, version,
 machine, rep) = sys.argv[1:]
ranks, nodes, cores = int(ranks), int(nodes), int(cores)
rss = [int(m) for m in re.findall(r"Maximum resident set size \(kbytes\): (\d+)",
                                  open(timef).read())]
stages = shuffle = spill = None
if metf and os.path.exists(metf):
    # sluice --metrics (schema sluice-metrics v1): statements -> stages -> per-rank
    # figures. A stage's wall time is first start to last end over the ranks; stages of the
    # same name (several queries) add up. Shuffle and spill bytes are the statements' totals.
    m = json.load(open(metf))
    stages, shuffle, spill = {}, 0, 0
    for st in m.get("statements") or []:
        shuffle += st.get("bytes_shuffled") or 0
        spill += st.get("spill_bytes") or 0
        for sg in st.get("stages") or []:
            per = [r for r in sg.get("ranks") or [] if r.get("t_end") is not None]
            if per:
                w = max(r["t_end"] for r in per) - min(r["t_start"] for r in per)
                name = sg.get("name", "stage")
                stages[name] = round(stages.get(name, 0) + w, 4)
line = {"mode": mode, "workload": wl, "ranks": ranks, "nodes": nodes, "cores": cores,
        "oversubscribed": ranks > nodes * cores, "rows": int(float(rows)),
        "bytes": int(nbytes), "wall_s": round(float(wall), 3),
        "peak_rss_mb": round(max(rss) / 1024, 1) if rss else None,
        "stages": stages, "shuffle_bytes": shuffle, "spill_bytes": spill,
        "launcher": launcher, "version": version, "machine": machine,
        "host": os.uname().nodename, "rep": int(rep),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S")}
with open(path, "a") as f:
    f.write(json.dumps(line) + "\n")
print("scaling %s %s ranks=%d rows=%s wall=%.2fs peak_rss=%sMB" % (
    mode, wl, ranks, rows, float(wall), line["peak_rss_mb"]), file=sys.stderr)
PYEOF
}

if [ "$mode" = strong ]; then fixed=$(table "$rows"); fi
for r in $ranks; do
    if [ "$mode" = strong ]; then input=$fixed; n=$rows
    else n=$($PY -c 'import sys; print(int(float(sys.argv[1]) * int(sys.argv[2])))' "$rows" "$r")
         input=$(table "$n"); fi
    oracle=${input%.csv}.oracle.json
    nbytes=$(stat -c %s "$input")
    nrows=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["meta"]["N"])' "$oracle")
    # Nodes a step of r ranks spans: Slurm fills nodes block-wise, tasks_per_node each.
    per_node=$(( ${SLURM_NTASKS:-$r} / nodes_alloc )); [ "$per_node" -ge 1 ] || per_node=1
    nodes=$(( (r + per_node - 1) / per_node ))
    [ "$nodes" -le "$nodes_alloc" ] || nodes=$nodes_alloc
    if [ "$launcher" = srun ]; then launch=(srun --mpi=pmix -n "$r" -N "$nodes")
    else launch=(mpirun -n "$r"); fi
    for rep in $(seq 1 "$reps"); do
        args=(run "bench/sluice_$workload.sql" -D "input=$input")
        if [ "$workload" = q1 ]; then args+=(--format csv); result=$tmp/q1.csv
        else result=$tmp/pipeline; rm -rf "$result"; args+=(-D "output=$result"); fi
        met=""
        if [ $metrics_opt = 1 ]; then met=$tmp/metrics.json; rm -f "$met"
            args+=(--metrics "$met"); fi
        t0=$(date +%s.%N)
        rc=0
        timeout "$limit" "${launch[@]}" /usr/bin/time -v "$sluice" "${args[@]}" \
            > "$tmp/stdout" 2> "$tmp/stderr" || rc=$?
        t1=$(date +%s.%N)
        if [ $rc != 0 ]; then
            echo "scaling.sh: FAILED (exit $rc) at $r ranks:" >&2
            grep -v -e '^	' -e '^Command being timed' "$tmp/stderr" | tail -20 >&2
            exit 1
        fi
        [ "$workload" != q1 ] || cp "$tmp/stdout" "$result"
        check "$result" "$oracle" || exit 1
        wall=$($PY -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$t0" "$t1")
        record "$mode" "$workload" "$r" "$nodes" "$cores" "$nrows" "$nbytes" "$wall" \
            "$tmp/stderr" "$met" "$launcher" "$version" "$machine" "$rep"
    done
done
echo "scaling.sh: results in $out" >&2
