#!/usr/bin/env bash
# Slurm suite (`make slurm`): the job scripts users copy (jobs/*.sbatch) run on a real Slurm.
#
# Starts a private single-node Slurm with scripts/slurm-local.sh (its own directory and ports,
# so a cluster already running here is not touched), installs it first if it is missing (apt;
# the suite is SKIPPED, with a message, only where that is impossible), sbatches the jobs
# below, polls each to its end (bounded), and checks the answers against sqlite3 on the same
# CSV (tests/slurm/check.py) or the numpy oracle of scripts/gen_groupby.py, never against
# sluice. Slurm is stopped in an EXIT trap whatever happens.
#
#   srun        jobs/sluice.sbatch -n 2: a group-by (count/sum/min/max/avg, ORDER BY) as CSV
#               on stdout; launched with srun (PMIx); results directory holds the job file,
#               settings, version, stdout, exit status
#   mpirun-O    jobs/sluice.sbatch -n 3 -O (more tasks than cores), SLUICE_LAUNCHER=mpirun
#               (the fallback), running the shipped example jobs/examples/groupby.sql
#   copy        jobs/sluice.sbatch -n 2: filter -> derive -> group -> COPY to a directory
#   bad-sql     a job with a syntax error: Slurm state FAILED, exit status 3 recorded, the
#               message names job.sql:LINE:COL
#   usr1-srun   the signal the script asks for before the time limit (USR1 to the batch
#   usr1-mpirun shell) reaches the real sluice ranks (srun / mpirun launcher) mid-job: they
#               stop with SIGUSR1, exit status 130 is recorded, no partial output is left
#   strong      jobs/strong-scaling.sbatch -n 2: one JSON line per rank count (1, 2)
#   weak        jobs/weak-scaling.sbatch -n 2: the table doubles with the ranks
#
# Prints "ok NAME" / "FAIL NAME" / "skip NAME: why" and "slurm: N passed, M failed, K skipped";
# exits 1 on any failure. Where Slurm cannot run (not installable, not root) the suite is one
# skipped check, or one failure when SLUICE_REQUIRE (comma-separated) lists "slurm"; the plot
# check without gnuplot likewise ("gnuplot").
# SLUICE defaults to build/sluice. KEEP=1 keeps the scratch directory.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
SLUICE=${SLUICE:-build/sluice}
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
WAIT=${SLURM_TEST_WAIT:-180}        # seconds a job may take from submit to end

pass=0 fail=0 skipped=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
# required NAME: true when NAME is listed in SLUICE_REQUIRE (comma-separated; .ci/run sets it):
# a check that cannot run for want of NAME is then a failure, not a skip.
required() { [[ ",${SLUICE_REQUIRE:-}," == *",$1,"* ]]; }
# skip_check NAME WHAT WHY: one check not run (a failure when NAME is required).
skip_check() {
    if required "$1"; then bad "$2" "$3 (required by SLUICE_REQUIRE=$SLUICE_REQUIRE)"
    else echo "skip $2: $3"; skipped=$((skipped + 1)); fi
}
# The whole suite cannot run: one skipped (or, when required, failed) suite.
skip() {
    if required slurm; then
        echo "FAIL slurm: $1 (required by SLUICE_REQUIRE=$SLUICE_REQUIRE)"
        echo "slurm: 0 passed, 1 failed, 0 skipped"; exit 1
    fi
    echo "slurm: SKIPPED: $1"; echo "slurm: 0 passed, 0 failed, 1 skipped"; exit 0
}

[ -x "$SLUICE" ] || { echo "slurm: no executable $SLUICE (run make)"; exit 1; }
if ! command -v slurmctld >/dev/null || ! command -v sbatch >/dev/null ||
   ! command -v munged >/dev/null; then
    if [ "$(id -u)" != 0 ] && ! sudo -n true 2>/dev/null; then
        skip "Slurm is not installed and this user cannot apt-get install it"
    fi
    echo "slurm: installing Slurm (scripts/slurm-local.sh install) ..."
    bash scripts/slurm-local.sh install ||
        skip "Slurm could not be installed (apt-get install slurmctld slurmd slurm-client munge)"
fi
# slurmd must run as root to start jobs as their users.
[ "$(id -u)" = 0 ] || skip "a local slurmd needs root (run as root, or on a real cluster)"

W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-slurm.XXXXXX")
chmod 0755 "$W"                     # munged wants o+x on every directory above its socket
export SLURM_LOCAL_DIR=$W/slurm SLURM_LOCAL_PORT=${SLURM_TEST_PORT:-16857}
cleanup() {
    bash scripts/slurm-local.sh stop >/dev/null 2>&1
    [ "${KEEP:-0}" = 1 ] && echo "slurm: kept $W" || rm -rf "$W"
}
trap cleanup EXIT
if ! bash scripts/slurm-local.sh start; then
    tail -5 "$SLURM_LOCAL_DIR"/log/*.log 2>/dev/null
    echo "slurm: 0 passed, 1 failed, 0 skipped"; exit 1
fi
eval "$(bash scripts/slurm-local.sh env)"

# ---- data: a small db-benchmark table (20 groups), with its numpy oracle -----------------
D=$W/data
mkdir -p "$D"
$PY scripts/gen_groupby.py 2e4 20 0 0 --out "$D" --oracle --quiet || { bad data gen; echo "slurm: $pass passed, $fail failed, $skipped skipped"; exit 1; }
CSV=$D/G1_2e4_2e1_0_0.csv

# submit NAME SBATCH_OPTS... -- SCRIPT ARGS...: sbatch, wait, set $state and $res/$out.
submit() {
    local name=$1 jid
    shift
    res=$W/res-$name out=$W/$name.out
    jid=$(SLUICE_RESULTS=$res sbatch --parsable -o "$out" "$@") || { state=SUBMIT_FAILED; return; }
    state=$(bash scripts/slurm-local.sh wait "$jid" "$WAIT" 2>&1 | tail -1)
}
show() { sed 's/^/    | /' "$out" 2>/dev/null | tail -15; }

# ---- srun: group-by, CSV on stdout, results directory ------------------------------------
cat > "$W/groupby.sql" <<'EOF'
-- group-by with every algebraic aggregate, ordered
SELECT id1, count(*) AS n, sum(v1) AS s, min(v3) AS lo, max(v3) AS hi, avg(v2) AS a
FROM read_csv('${input}')
WHERE v2 > 3
GROUP BY id1
ORDER BY id1;
EOF
Q1="SELECT id1, count(*) AS n, sum(v1) AS s, min(v3) AS lo, max(v3) AS hi, avg(v2) AS a
    FROM t WHERE v2 > 3 GROUP BY id1 ORDER BY id1"
submit srun -n 2 jobs/sluice.sbatch "$W/groupby.sql" -D "input=$CSV" --format csv
why=""
if [ "$state" != COMPLETED ]; then why="job ended $state"
elif ! m=$($PY tests/slurm/check.py "$CSV" "$res/stdout.txt" "$Q1" --ordered 2>&1); then
    why="stdout.txt vs sqlite3: $m"
elif ! grep -q '^id001,' "$out"; then why="the result is not in the job's output file"
elif ! cmp -s "$W/groupby.sql" "$res/groupby.sql"; then why="job file not copied"
elif ! grep -q '^launcher: srun' "$res/settings.txt"; then why="not launched with srun"
elif ! grep -q '^SLURM_NTASKS=2' "$res/settings.txt"; then why="settings lack SLURM_NTASKS"
elif [ "$(cat "$res/version.txt")" != "$("$SLUICE" --version)" ]; then why="version.txt"
elif [ "$(cat "$res/exit_status")" != 0 ]; then why="exit_status $(cat "$res/exit_status")"
fi
[ -z "$why" ] && ok "srun (sbatch -n 2, srun --mpi=pmix, group-by vs sqlite3)" ||
    { bad srun "$why"; show; }

# ---- mpirun fallback, more tasks than cores, the shipped example job -----------------------
SLUICE_LAUNCHER=mpirun submit mpirun -n 3 -O jobs/sluice.sbatch jobs/examples/groupby.sql \
    -D "input=$CSV" --format csv
why=""
if [ "$state" != COMPLETED ]; then why="job ended $state"
elif ! m=$($PY tests/slurm/check.py "$CSV" "$res/stdout.txt" \
        "SELECT id1, sum(v1) AS v1 FROM t GROUP BY id1 ORDER BY id1" --ordered 2>&1); then
    why="vs sqlite3: $m"
elif ! grep -q '^launcher: mpirun' "$res/settings.txt"; then why="not launched with mpirun"
elif ! grep -q '^OMPI_MCA_mpi_yield_when_idle=1' "$res/settings.txt"; then
    why="overcommitted job did not set mpi_yield_when_idle"
fi
[ -z "$why" ] && ok "mpirun-O (sbatch -n 3 -O, mpirun fallback, jobs/examples/groupby.sql)" ||
    { bad mpirun-O "$why"; show; }

# ---- COPY: filter -> derive -> group -> write ---------------------------------------------
cat > "$W/copy.sql" <<'EOF'
COPY (SELECT id1, id4, sum(v1 * v3) AS sum_w, count(*) AS n, avg(v2) AS avg_v2
      FROM read_csv('${input}') WHERE v3 > 10 GROUP BY id1, id4)
TO '${output}' (FORMAT csv, HEADER true);
EOF
submit copy -n 2 jobs/sluice.sbatch "$W/copy.sql" -D "input=$CSV" -D "output=$W/copy-out"
why=""
if [ "$state" != COMPLETED ]; then why="job ended $state"
elif [ ! -f "$W/copy-out/_SUCCESS" ]; then why="no _SUCCESS in the output"
elif ! m=$($PY tests/slurm/check.py "$CSV" "$W/copy-out" "SELECT id1, id4, sum(v1 * v3) AS
        sum_w, count(*) AS n, avg(v2) AS avg_v2 FROM t WHERE v3 > 10 GROUP BY id1, id4" 2>&1)
then why="vs sqlite3: $m"
fi
[ -z "$why" ] && ok "copy (COPY part files vs sqlite3)" || { bad copy "$why"; show; }

# ---- bad SQL: the job fails, Slurm sees it, the status is recorded --------------------------
printf 'SELECT id1,\n  sum(v1 FROM read_csv(%s) GROUP BY id1;\n' "'\${input}'" > "$W/bad.sql"
submit bad-sql -n 2 jobs/sluice.sbatch "$W/bad.sql" -D "input=$CSV"
why=""
if [ "$state" != FAILED ]; then why="job ended $state, expected FAILED"
elif [ "$(cat "$res/exit_status" 2>/dev/null)" != 3 ]; then
    why="exit_status $(cat "$res/exit_status" 2>/dev/null), expected 3 (bad SQL)"
elif ! grep -q 'bad.sql:2:' "$res/stderr.txt"; then why="message lacks bad.sql:2:COL"
fi
[ -z "$why" ] && ok "bad-sql (FAILED, exit 3, position in the message)" ||
    { bad bad-sql "$why"; show; }

# ---- time limit: the USR1 that --signal=B:USR1@120 sends stops the real sluice ranks ----------
# `scancel --batch --signal=USR1` sends what Slurm sends 120 s before the limit: USR1 to the
# batch shell only. The script's trap must pass it on to srun (or mpirun), which forward it to
# every sluice rank. The job is NSIG COPY statements over 400,000 rows (~0.02-0.1 s each at 2
# ranks), signalled once two outputs are committed, so the signal lands mid-job however fast
# the scan gets. Checked: the ranks themselves report "interrupted by signal 10 (SIGUSR1)",
# exit status 130 is recorded and Slurm says FAILED; no partial output: no temporary
# directory, every output that exists has _SUCCESS and all 100 groups (count per group from
# Python), and not every statement ran.
$PY - "$D/sig.csv" <<'PYEOF'
import sys
with open(sys.argv[1], 'w') as f:
    f.write('k,v\n')
    for i in range(400000):
        f.write(f'{i % 100},{i}\n')
PYEOF
NSIG=400
for i in $(seq 1 $NSIG); do
    echo "COPY (SELECT k, count(*) AS n FROM read_csv('\${input}') GROUP BY k)"
    echo "  TO '\${output}/o$i' (FORMAT csv, HEADER false);"
done > "$W/many.sql"
# usr1_case NAME LAUNCHER: one signalled job; ok/bad.
usr1_case() {
    local name=$1 launcher=$2 jid n_done why="" d
    res=$W/res-$name out=$W/$name.out
    local o=$W/sig-$name
    mkdir -p "$o"
    jid=$(SLUICE_LAUNCHER=$launcher SLUICE_RESULTS=$res sbatch --parsable -n 2 -o "$out" \
          jobs/sluice.sbatch "$W/many.sql" -D "input=$D/sig.csv" -D "output=$o") ||
        { bad "$name" "sbatch failed"; return; }
    # Under way: two outputs committed (bounded: a job that never gets there fails below).
    # Counted by their _SUCCESS: the target directory also holds the running statement's
    # temporary tree and its lock file (o3.sluice-lock), which are not outputs.
    for _ in $(seq 1 600); do
        (( $(ls "$o"/*/_SUCCESS 2>/dev/null | wc -l) >= 2 )) && break
        sleep 0.1
    done
    scancel --batch --signal=USR1 "$jid"
    state=$(bash scripts/slurm-local.sh wait "$jid" 120 2>&1 | tail -1)
    n_done=$(ls "$o"/*/_SUCCESS 2>/dev/null | wc -l)
    if ! grep -q 'stopped: time limit near' "$res/settings.txt" 2>/dev/null; then
        why="the script's USR1 trap did not run (state $state)"
    elif ! grep -q 'interrupted by signal 10 (SIGUSR1)' "$res/stderr.txt" 2>/dev/null; then
        why="sluice did not report SIGUSR1 (did the signal reach the ranks?)"
    elif [ "$(cat "$res/exit_status" 2>/dev/null)" != 130 ]; then
        why="exit_status $(cat "$res/exit_status" 2>/dev/null), expected 130"
    elif [ "$state" != FAILED ]; then why="job ended $state, expected FAILED"
    elif (( n_done < 2 || n_done >= NSIG )); then
        why="$n_done of $NSIG statements committed: the signal did not land mid-job"
    elif [ -n "$(find "$o" -maxdepth 1 -name '*sluice-tmp*' -print -quit)" ]; then
        why="temporary directory left: $(ls "$o" | grep sluice-tmp | head -3)"
    fi
    for d in "$o"/*; do
        [ -z "$why" ] && [ -d "$d" ] || continue
        if [ ! -f "$d/_SUCCESS" ]; then why="$d exists without _SUCCESS"
        elif ! $PY - "$d" <<'PYEOF'
import csv, glob, sys
rows = [r for p in glob.glob(sys.argv[1] + '/part-*.csv') for r in csv.reader(open(p))]
sys.exit(0 if sorted((int(k), int(n)) for k, n in rows) == [(k, 4000) for k in range(100)]
         else 1)
PYEOF
        then why="$d: not the 100 groups of 4000 rows"
        fi
    done
    [ -z "$why" ] && ok "$name (USR1 to the batch shell reaches the $launcher-started ranks; \
$n_done of $NSIG committed, exit 130, nothing partial)" || { bad "$name" "$why"; show; }
}
usr1_case usr1-srun srun
usr1_case usr1-mpirun mpirun

# ---- scaling scripts ------------------------------------------------------------------------
# check_lines FILE MODE N_LINES ROWS...: the JSON lines of a scaling job.
check_lines() {
    $PY - "$@" <<'PYEOF'
import json, sys
path, mode, n = sys.argv[1:4]
rows = [int(float(r)) for r in sys.argv[4:]]
lines = [json.loads(l) for l in open(path)]
assert len(lines) == int(n), "%d lines, expected %s" % (len(lines), n)
for l, r, want_rows in zip(lines, [1, 2], rows):
    for k in ("ranks", "nodes", "bytes", "rows", "wall_s", "peak_rss_mb", "shuffle_bytes",
              "spill_bytes", "stages", "launcher", "version"):
        assert k in l, "missing %s in %s" % (k, l)
    assert l["mode"] == mode and l["ranks"] == r and l["rows"] == want_rows, l
    assert l["launcher"] == "srun" and l["nodes"] == 1 and l["wall_s"] > 0, l
    assert l["peak_rss_mb"] and l["peak_rss_mb"] > 1, l
    # with --metrics (sluice has it): per-stage times and the shuffle volume are recorded;
    # one rank keeps its rows where they are (nothing shuffled)
    assert l["stages"] is None or "scan" in l["stages"], l
    assert l["stages"] is None or (l["shuffle_bytes"] > 0) == (r > 1), l
PYEOF
}
submit strong -n 2 jobs/strong-scaling.sbatch --rows 2e4 --groups 20 --data "$D"
why=""
if [ "$state" != COMPLETED ]; then why="job ended $state"
elif ! m=$(check_lines "$res" strong 2 2e4 2e4 2>&1); then why="$m"; fi
[ -z "$why" ] && ok "strong (strong-scaling.sbatch, ranks 1 2, answers vs oracle)" ||
    { bad strong "$why"; show; }

# The plots of those lines (gnuplot-nox is a benchmark dependency: checked only if present).
if command -v gnuplot >/dev/null && [ -s "$res" ]; then
    why=""
    if ! m=$($PY scripts/plot-scaling "$res" -o "$W/plot" 2>&1); then why="$m"
    elif [ "$(head -c 8 "$W/plot.png" | od -An -c | tr -d ' ')" != '211PNG\r\n032\n' ]; then
        why="plot.png is not a PNG"
    elif ! $PY -c 'import sys, xml.dom.minidom as x; x.parse(sys.argv[1])' "$W/plot.svg"; then
        why="plot.svg is not XML"
    elif ! grep -q 'speedup' "$W/plot.svg"; then why="plot.svg lacks the speedup panel"
    elif ! printf '%s\n' "$m" | grep -qE '^2 +1 +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+'; then
        why="plot-scaling table lacks the 2-rank row: $m"
    fi
    [ -z "$why" ] && ok "plot (plot-scaling: PNG + SVG of the strong lines)" || bad plot "$why"
else
    skip_check gnuplot plot "gnuplot not installed (scripts/install-deps.sh --bench)"
fi

submit weak -n 2 jobs/weak-scaling.sbatch --rows 1e4 --groups 20 --data "$D" \
    --workload pipeline
why=""
if [ "$state" != COMPLETED ]; then why="job ended $state"
elif ! m=$(check_lines "$res" weak 2 1e4 2e4 2>&1); then why="$m"; fi
[ -z "$why" ] && ok "weak (weak-scaling.sbatch, 1e4 rows per rank, pipeline vs oracle)" ||
    { bad weak "$why"; show; }

echo "slurm: $pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ]
