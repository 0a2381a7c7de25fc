#!/usr/bin/env bash
# Formats beside CSV (issue #13): on the db-benchmark table G1_<N>_1e2_0_0.csv (bench/run.sh's
# data, made here if missing),
#   csv->h5   COPY (SELECT * FROM read_csv(G1)) TO dir (FORMAT hdf5)         sluice, R ranks
#   h5 q1     SELECT id1, sum(v1) FROM read_hdf5(dir/part-shared.h5) GROUP BY id1, with the
#             default io (collective MPI-IO when the ranks' shares are equal) and, at 2 ranks,
#             io='independent'
#   csv q1    the same query over the CSV
#   h5py q1   h5py + pandas over the same HDF5 file (bench/h5py_groupby.py)
#   where     a selective WHERE on a sorted key (0.1% of the rows) over a file h5py writes (no
#             sluice statistics): key = 0..N-1 beside the numeric columns of the COPY's file,
#             chunks of 65536 rows; with skipping (key BETWEEN a AND b: late materialization
#             reads the payload only for the chunks that hold the range) and without (key + 0
#             BETWEEN a AND b, which the planner cannot push down); answers checked by numpy
# at R = 1 and 2 ranks, REPS runs each; prints the median wall time (mpirun start-up included),
# the median CPU time (user + sys, all ranks) and GB/s per rank of input (CSV bytes for csv->h5
# and csv q1, HDF5 file bytes for the others). The h5py + pandas answer (no sluice code) must
# equal every sluice answer exactly (integer sums).
#
#   bench/formats.sh [SLUICE_BIN] [REPS] [N]   e.g. bench/formats.sh build/sluice 3 1e7
set -euo pipefail
cd "$(dirname "$0")/.."
SLUICE=${1:-build/sluice}
REPS=${2:-3}
N=${3:-1e7}
PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
       OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
data=bench/data
csv=$data/G1_${N}_1e2_0_0.csv
[ -f "$csv" ] || $PY scripts/gen_groupby.py "$N" 100 0 0 --out "$data" --quiet
work=$(mktemp -d "$data/h5bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
csv_bytes=$(stat -L -c %s "$csv")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# run NAME BYTES RANKS CMD...: REPS timed runs, prints one table row: median wall seconds,
# median CPU seconds (user + sys of the command and its children, every rank included: on a
# shared machine the wall time mostly measures the other load) and GB/s per rank.
run() {
    local name=$1 bytes=$2 r=$3; shift 3
    local ts=() cs=()
    for _ in $(seq "$REPS"); do
        local t0 t1
        t0=$(date +%s.%N)
        /usr/bin/time -f "%U %S" -o "$work/cpu.txt" "$@" > "$work/out.txt" \
            2> "$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }
        t1=$(date +%s.%N)
        ts+=("$(echo "$t1 - $t0" | bc -l)")
        cs+=("$(awk '{print $1 + $2}' "$work/cpu.txt")")
    done
    local m c
    m=$(printf '%s\n' "${ts[@]}" | median)
    c=$(printf '%s\n' "${cs[@]}" | median)
    printf '| %s | %d | %.2f | %.2f | %.3f |\n' "$name" "$r" "$m" "$c" \
        "$(echo "$bytes / $m / $r / 1000000000" | bc -l)"
}

echo "| workload ($N rows) | ranks | wall s | CPU s | GB/s per rank |"
echo "|---|---:|---:|---:|---:|"
for r in 1 2; do
    echo "COPY (SELECT * FROM read_csv('$csv')) TO '$work/h5-$r' (FORMAT hdf5);" \
        > "$work/copy$r.sql"
    run "csv -> hdf5 (COPY, $((csv_bytes / 1000000)) MB CSV)" "$csv_bytes" "$r" bash -c \
        "rm -rf '$work/h5-$r' && timeout 600 mpirun -n $r $SLUICE run $work/copy$r.sql"
done
h5=$work/h5-1/part-shared.h5
h5_bytes=$(stat -c %s "$h5")
cat > "$work/q1h5.sql" <<EOF
SELECT id1, sum(v1) AS v1 FROM read_hdf5('$h5') GROUP BY id1 ORDER BY id1;
EOF
cat > "$work/q1h5ind.sql" <<EOF
SELECT id1, sum(v1) AS v1 FROM read_hdf5('$h5', io='independent') GROUP BY id1 ORDER BY id1;
EOF
cat > "$work/q1csv.sql" <<EOF
SELECT id1, sum(v1) AS v1 FROM read_csv('$csv') GROUP BY id1 ORDER BY id1;
EOF
for r in 1 2; do
    run "q1 over hdf5 ($((h5_bytes / 1000000)) MB file)" "$h5_bytes" "$r" \
        timeout 600 mpirun -n "$r" "$SLUICE" run "$work/q1h5.sql" --format csv
    cp "$work/out.txt" "$work/ans-h5-$r.txt"
    if [ "$r" = 2 ]; then
        run "q1 over hdf5, io='independent'" "$h5_bytes" "$r" \
            timeout 600 mpirun -n "$r" "$SLUICE" run "$work/q1h5ind.sql" --format csv
        cp "$work/out.txt" "$work/ans-h5ind-2.txt"
    fi
    run "q1 over csv" "$csv_bytes" "$r" \
        timeout 600 mpirun -n "$r" "$SLUICE" run "$work/q1csv.sql" --format csv
    cp "$work/out.txt" "$work/ans-csv-$r.txt"
done
run "q1 h5py + pandas, same hdf5 file" "$h5_bytes" 1 $PY bench/h5py_groupby.py "$h5"
cp "$work/out.txt" "$work/ans-h5py.txt"
for f in "$work"/ans-h5-1.txt "$work"/ans-h5-2.txt "$work"/ans-h5ind-2.txt \
         "$work"/ans-csv-1.txt "$work"/ans-csv-2.txt; do
    cmp -s "$f" "$work/ans-h5py.txt" ||
        { echo "formats.sh: $f differs from h5py's answer" >&2; exit 1; }
done
echo "(answers equal: sluice over HDF5 and CSV at 1 and 2 ranks, h5py + pandas)"

# The selective WHERE on a sorted key, over a file h5py writes (no sluice statistics).
keyed=$work/keyed.h5
lo=$($PY -c "print(int(float('$N')) // 2)")
hi=$($PY -c "print(int(float('$N')) // 2 + int(float('$N')) // 1000)")
$PY bench/h5py_keyed.py "$h5" "$keyed" "$lo" "$hi" > "$work/ans-where.txt"
keyed_bytes=$(stat -c %s "$keyed")
for how in skip noskip; do
    k=key
    [ "$how" = noskip ] && k="key + 0"
    echo "SELECT count(*) AS n, sum(v1) AS s1, sum(v3) AS s3 FROM read_hdf5('$keyed')" \
         "WHERE $k BETWEEN $lo AND $hi;" > "$work/where-$how.sql"
done
for r in 1 2; do
    for how in skip noskip; do
        run "where key BETWEEN (0.1%, $((keyed_bytes / 1000000)) MB h5py file), $how" \
            "$keyed_bytes" "$r" \
            timeout 600 mpirun -n "$r" "$SLUICE" run "$work/where-$how.sql" --format csv
        $PY bench/h5py_keyed.py --check "$work/out.txt" "$work/ans-where.txt" ||
            { echo "formats.sh: where-$how at $r rank(s) differs from numpy's answer" >&2;
              exit 1; }
    done
done
echo "(selective WHERE answers equal numpy's at 1 and 2 ranks, with and without skipping)"
