#!/usr/bin/env bash
# Fault tests (`make faults`): injected failures (SLUICE_FAULT), transient I/O retries, stop
# signals and --resume. Every mpirun runs under `timeout` (exit 124 = a hang = a failure).
#
# 1. Permanent faults (read, write, exchange, alloc) at 1, 2 and 3 ranks, on a job whose COPY
#    target already holds a committed output: every rank exits non-zero (the expected status)
#    within seconds; every rank that printed an error printed the same one, and it says
#    "injected"; the old output is byte-identical (same inode, same files, same checksums);
#    no "*.sluice-tmp-*" directory is left (alloc goes through MPI_Abort, which may leave one:
#    there it must hold no _SUCCESS).
# 2. Transient faults (read_eio, read_estale, read_eagain, write_eio, write_eintr) succeed
#    after logged retries, and the output equals Python's group-by of the input (the oracle);
#    read_eio repeated 9 times gives up after 5 tries (exit 4); write_enospc is permanent: exit
#    7 at once with no retry logged.
#    With --memory-limit 2MB a spilling group-by hit by an exchange fault leaves no spill file.
# 3. Signals: SIGUSR1, SIGTERM and SIGINT sent to mpirun during a 30-statement job at 2 ranks:
#    the ranks stop with "interrupted by signal", no temp directory is left, every output
#    directory that exists has _SUCCESS and the right rows, and not every statement ran.
# 4. --resume: a 3-statement job whose statement 3 fails on bad data; after fixing the data a
#    --resume run skips statements 1-2 ("skipped: output up to date", their _SUCCESS mtimes
#    unchanged) and runs 3; touching statement 1's input makes only statement 1 rerun.
#
# Prints "ok   NAME" / "FAIL NAME" per check and "faults: N passed, M failed"; exits 1 on any
# failure. SLUICE defaults to build/sluice. Keep the scratch dir with KEEP=1.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../sluice_env.sh"
PY=${PYTHON:-python3}

W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-faults.XXXXXX")
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$W"' EXIT
mkdir -p "$W/d" "$W/o"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
  fail=$((fail + 1)); echo "FAIL $1: $2"
  [[ -n ${3:-} && -f $3 ]] && sed 's/^/    /' "$3" | head -20
}

# ---- data: 20000 rows, 7 groups; expected sums computed by Python (the oracle) ----------
$PY - "$W/d/a.csv" "$W/expect_a.txt" <<'EOF'
import csv, sys
rows = [(i % 7, i * 3 - 1000) for i in range(20000)]
with open(sys.argv[1], 'w', newline='') as f:
    w = csv.writer(f, lineterminator='\n')
    w.writerow(['k', 'v'])
    w.writerows(rows)
sums = {}
for k, v in rows:
    sums[k] = sums.get(k, 0) + v
with open(sys.argv[2], 'w') as f:
    for k in sorted(sums):
        f.write(f'{k},{sums[k]}\n')
EOF
A=$W/d/a.csv
cat > "$W/agg.sql" <<EOF
COPY (SELECT k, sum(v) AS s FROM read_csv('$A') GROUP BY k) TO '$W/o/agg'
  (FORMAT csv, HEADER false, OVERWRITE true);
EOF

# Sorted data rows of every part file of an output directory.
rows_of() { cat "$1"/part-*.csv 2>/dev/null | sort; }
# Fingerprint of a directory: its inode and every file's name + checksum.
dir_sig() { { stat -c %i "$1"; (cd "$1" && find . -type f | sort | xargs md5sum); } 2>&1; }
no_tmp() { [[ -z $(find "$W" -name '*.sluice-tmp-*' -print -quit) ]]; }

# Baseline: a committed output the faulted runs must leave alone.
timeout 60 mpirun -n 2 "$SLUICE" run "$W/agg.sql" --blocksize 20KB > /dev/null 2> "$W/base.err"
if [[ $(rows_of "$W/o/agg") == "$(sort "$W/expect_a.txt")" ]]; then ok "baseline vs python"
else bad "baseline vs python" "wrong rows" "$W/base.err"; fi
SIG0=$(dir_sig "$W/o/agg")

# perm NAME NP FAULT WANT_RC: a permanent fault must fail every rank cleanly.
perm() {
  local name="$1 np=$2" np=$2 fault=$3 want=$4 err=$W/err rc t0 t1 msgs
  t0=$(date +%s)
  SLUICE_FAULT=$fault timeout 60 mpirun -n "$np" "$SLUICE" run "$W/agg.sql" --blocksize 20KB \
    > /dev/null 2> "$err"
  rc=$?
  t1=$(date +%s)
  # The agreed message, without the "(rank r of n)" prefix and rank suffix.
  msgs=$(grep -E '^sluice.*error:' "$err" | sed -E 's/^sluice( \(rank [0-9]+ of [0-9]+\))?: //' |
         sort -u)
  if [[ $rc != "$want" ]]; then bad "$name" "exit $rc, want $want" "$err"; return; fi
  if (( t1 - t0 > 20 )); then bad "$name" "took $((t1 - t0)) s" "$err"; return; fi
  if [[ $fault == alloc* ]]; then
    grep -q 'injected fault' "$err" || { bad "$name" "no 'injected' message" "$err"; return; }
    if find "$W" -path '*.sluice-tmp-*/_SUCCESS' | grep -q .; then
      bad "$name" "a temp dir holds _SUCCESS" "$err"; return; fi
    find "$W" -maxdepth 3 -name '*.sluice-tmp-*' -exec rm -rf {} +
  else
    if [[ $(printf '%s\n' "$msgs" | grep -c .) != 1 ]]; then
      bad "$name" "ranks disagree on the error" "$err"; return; fi
    [[ $(grep -c 'error:' "$err") == "$np" ]] ||
      { bad "$name" "not every rank reported" "$err"; return; }
    [[ $msgs == *injected* ]] || { bad "$name" "message does not say injected" "$err"; return; }
    no_tmp || { bad "$name" "temp dir left" "$err"; return; }
  fi
  [[ $(dir_sig "$W/o/agg") == "$SIG0" ]] || { bad "$name" "old output changed" "$err"; return; }
  ok "$name"
}

# trans NAME NP FAULT WARNINGS: a transient fault is retried (logged) and the job succeeds.
trans() {
  local name="$1 np=$2" np=$2 fault=$3 want_warn=$4 err=$W/err rc
  rm -rf "$W/o/t"
  sed "s#$W/o/agg#$W/o/t#" "$W/agg.sql" > "$W/t.sql"
  SLUICE_FAULT=$fault timeout 60 mpirun -n "$np" "$SLUICE" run "$W/t.sql" --blocksize 20KB \
    > /dev/null 2> "$err"
  rc=$?
  local n_warn
  n_warn=$(grep -c 'warning: .*(transient); retry' "$err")
  if [[ $rc != 0 ]]; then bad "$name" "exit $rc" "$err"; return; fi
  if [[ $n_warn != "$want_warn" ]]; then
    bad "$name" "$n_warn retry lines, want $want_warn" "$err"; return; fi
  [[ -f $W/o/t/_SUCCESS ]] || { bad "$name" "no _SUCCESS" "$err"; return; }
  [[ $(rows_of "$W/o/t") == "$(sort "$W/expect_a.txt")" ]] ||
    { bad "$name" "wrong rows" "$err"; return; }
  ok "$name"
}

for np in 1 2 3; do
  last=$((np - 1))
  perm "read:2@rank$last" "$np" "read:2@rank$last" 4
  perm "read:1" "$np" "read:1" 4
  perm "write:1" "$np" "write:1" 4
  perm "write:1@rank$last" "$np" "write:1@rank$last" 4
  perm "exchange:1@rank$last" "$np" "exchange:1@rank$last" 4
  perm "alloc:40@rank$last" "$np" "alloc:40@rank$last" 6
  perm "alloc:250" "$np" "alloc:250" 6
  # Transient: one failure per rank (every rank reads and writes), each logged once.
  trans "read_eio:2" "$np" "read_eio:2" "$np"
  trans "read_estale:1x2@rank0" "$np" "read_estale:1x2@rank0" 2
  trans "write_eio:1" "$np" "write_eio:1" "$np"
  trans "write_eintr:1x3@rank$last" "$np" "write_eintr:1x3@rank$last" 3
done
trans "read_eagain:3" 2 "read_eagain:3" 2

# Retries are bounded: 9 consecutive EIO give up after 5 tries (4 retries logged), exit 4.
err=$W/err
SLUICE_FAULT='read_eio:1x9@rank1' timeout 60 mpirun -n 2 "$SLUICE" run "$W/agg.sql" \
  --blocksize 20KB > /dev/null 2> "$err"
rc=$?
if [[ $rc == 4 && $(grep -c 'retry' "$err") == 4 ]] && grep -q 'gave up after 5 tries' "$err" &&
   [[ $(dir_sig "$W/o/agg") == "$SIG0" ]] && no_tmp; then ok "read_eio gives up after 5 tries"
else bad "read_eio gives up after 5 tries" "rc=$rc" "$err"; fi
# Permanent errno: no retry at all, ENOSPC is exit 7.
SLUICE_FAULT='write_enospc:1@rank0' timeout 60 mpirun -n 2 "$SLUICE" run "$W/agg.sql" \
  --blocksize 20KB > /dev/null 2> "$err"
rc=$?
if [[ $rc == 7 ]] && ! grep -q 'retry' "$err" && grep -q 'No space left' "$err" &&
   [[ $(dir_sig "$W/o/agg") == "$SIG0" ]] && no_tmp; then ok "write_enospc is not retried"
else bad "write_enospc is not retried" "rc=$rc" "$err"; fi
# A bad SLUICE_FAULT is a usage error.
SLUICE_FAULT='read:zero' timeout 60 mpirun -n 2 "$SLUICE" run "$W/agg.sql" > /dev/null 2> "$err"
rc=$?
if [[ $rc == 2 ]] && grep -q "SLUICE_FAULT: bad entry 'read:zero'" "$err"; then
  ok "bad SLUICE_FAULT"
else bad "bad SLUICE_FAULT" "rc=$rc" "$err"; fi

# Spill files are removed too: a group-by over 100000 keys with a 2 MB budget spills, then an
# exchange fault stops it; the spill directory must be empty afterwards.
$PY - "$W/d/u.csv" <<'EOF'
import sys
with open(sys.argv[1], 'w') as f:
    f.write('k,v\n')
    for i in range(100000):
        f.write(f'{i},{i % 13}\n')
EOF
cat > "$W/spill.sql" <<EOF
COPY (SELECT k, sum(v) AS s FROM read_csv('$W/d/u.csv') GROUP BY k) TO '$W/o/agg'
  (FORMAT csv, HEADER false, OVERWRITE true);
EOF
mkdir -p "$W/spill"
for np in 2 3; do
  name="spill removed after exchange:2@rank1 np=$np"
  SLUICE_FAULT='exchange:2@rank1' timeout 60 mpirun -n $np "$SLUICE" run "$W/spill.sql" \
    --memory-limit 2MB --spill-dir "$W/spill" > /dev/null 2> "$err"
  rc=$?
  if [[ $rc == 4 && -z $(find "$W/spill" -mindepth 1 -print -quit) ]] && no_tmp &&
     [[ $(dir_sig "$W/o/agg") == "$SIG0" ]] && grep -q injected "$err"; then ok "$name"
  else bad "$name" "rc=$rc, spill dir: $(find "$W/spill" -mindepth 1 | head -3)" "$err"; fi
done

# ---- signals ---------------------------------------------------------------------------
# 200 COPY statements over ~5 MB (~0.02-0.1 s each at 2 ranks, several seconds in all), so a
# signal sent after the first two commits always lands mid-job, however fast the scan gets.
$PY - "$W/d/m.csv" <<'EOF'
import sys
with open(sys.argv[1], 'w') as f:
    f.write('k,v\n')
    for i in range(400000):
        f.write(f'{i % 100},{i}\n')
EOF
NSTMT=200
for i in $(seq 1 $NSTMT); do
  echo "COPY (SELECT k, count(*) AS n FROM read_csv('$W/d/m.csv') GROUP BY k)"
  echo "  TO '$W/s/o$i' (FORMAT csv, HEADER false);"
done > "$W/many.sql"
for sig in USR1 TERM INT; do
  name="signal SIG$sig"
  rm -rf "$W/s"; mkdir -p "$W/s"
  timeout 120 mpirun -n 2 "$SLUICE" run "$W/many.sql" > /dev/null 2> "$err" &
  tp=$!
  # Wait until the job is under way (two outputs committed), then signal mpirun itself.
  for _ in $(seq 1 200); do
    (( $(ls "$W/s" | grep -vc sluice-tmp) >= 2 )) && break
    sleep 0.05
  done
  kill -"$sig" "$(pgrep -P $tp)" 2>/dev/null
  wait $tp
  rc=$?
  # SIGUSR1 is forwarded and mpirun returns the ranks' 130; on SIGTERM/SIGINT mpirun itself
  # terminates the job and returns 1 after the ranks stopped.
  n_done=$(ls "$W/s"/*/_SUCCESS 2>/dev/null | wc -l)
  why=""
  [[ $rc == 0 || $rc == 124 ]] && why="exit $rc"
  [[ $sig == USR1 && $rc != 130 ]] && why="exit $rc, want 130"
  grep -q 'interrupted by signal' "$err" || why="$why no 'interrupted' message"
  (( n_done < NSTMT )) || why="$why all statements ran"
  no_tmp || why="$why temp dir left"
  for d in "$W"/s/o*; do
    [[ -d $d ]] || continue
    [[ -f $d/_SUCCESS ]] || why="$why $d has no _SUCCESS"
    [[ $(cat "$d"/part-*.csv | wc -l) == 100 ]] || why="$why $d incomplete"
  done
  if [[ -z $why ]]; then ok "$name ($n_done of $NSTMT committed)"
  else bad "$name" "$why" "$err"; fi
  sleep 0.5   # let mpirun's orted finish tearing down before the next job
done

# ---- --resume ----------------------------------------------------------------------------
mkdir -p "$W/r"
cat > "$W/resume.sql" <<EOF
COPY (SELECT k, sum(v) AS s FROM read_csv('$W/d/r1.csv') GROUP BY k)
  TO '$W/r/one' (FORMAT csv, HEADER false, OVERWRITE true);
COPY (SELECT k, v FROM read_csv('$W/d/r2.csv')) TO '$W/r/two'
  (FORMAT csv, HEADER false, OVERWRITE true);
COPY (SELECT k, v FROM read_csv('$W/d/r3.csv', columns={'k': 'BIGINT', 'v': 'BIGINT'}))
  TO '$W/r/three' (FORMAT csv, HEADER false, OVERWRITE true);
EOF
for np in 1 3; do
  rm -rf "$W/r"/*
  printf 'k,v\n1,10\n2,20\n1,30\n' > "$W/d/r1.csv"
  printf 'k,v\n5,1\n6,2\n' > "$W/d/r2.csv"
  printf 'k,v\n7,1\n8,oops\n' > "$W/d/r3.csv"
  name="resume np=$np"
  why=""
  timeout 60 mpirun -n $np "$SLUICE" run "$W/resume.sql" > /dev/null 2> "$err"
  rc=$?
  [[ $rc == 5 ]] || why="first run exit $rc, want 5"
  [[ -f $W/r/one/_SUCCESS && -f $W/r/two/_SUCCESS && ! -e $W/r/three ]] || why="$why outputs"
  m1=$(stat -c %Y.%i "$W/r/one/_SUCCESS" 2>/dev/null)
  m2=$(stat -c %Y.%i "$W/r/two/_SUCCESS" 2>/dev/null)
  printf 'k,v\n7,1\n8,2\n' > "$W/d/r3.csv"          # fix the data
  timeout 60 mpirun -n $np "$SLUICE" run --resume "$W/resume.sql" > /dev/null 2> "$W/err2"
  rc=$?
  [[ $rc == 0 ]] || why="$why resume exit $rc"
  [[ $(grep -c 'skipped: output up to date' "$W/err2") == 2 ]] || why="$why want 2 skips"
  grep -q "statement 3 .*skipped" "$W/err2" && why="$why statement 3 skipped"
  [[ $(stat -c %Y.%i "$W/r/one/_SUCCESS") == "$m1" &&
     $(stat -c %Y.%i "$W/r/two/_SUCCESS") == "$m2" ]] ||
    why="$why statements 1-2 rewritten"
  [[ $(rows_of "$W/r/three") == $'7,1\n8,2' ]] || why="$why statement 3 rows"
  # Change statement 1's input (size and mtime): only statement 1 reruns.
  sleep 0.01
  printf 'k,v\n1,10\n2,20\n1,30\n3,1\n' > "$W/d/r1.csv"
  timeout 60 mpirun -n $np "$SLUICE" run --resume "$W/resume.sql" > /dev/null 2> "$W/err3"
  rc=$?
  [[ $rc == 0 ]] || why="$why third run exit $rc"
  grep -q "statement 1 .*skipped" "$W/err3" && why="$why statement 1 not rerun"
  [[ $(grep -c 'skipped: output up to date' "$W/err3") == 2 ]] || why="$why want skips of 2 and 3"
  [[ $(rows_of "$W/r/one") == $'1,40\n2,20\n3,1' ]] || why="$why statement 1 rows"
  # Without --resume nothing is skipped.
  timeout 60 mpirun -n $np "$SLUICE" run "$W/resume.sql" > /dev/null 2> "$W/err4"
  grep -q skipped "$W/err4" && why="$why skipped without --resume"
  # A damaged committed output (a part file removed) is redone.
  rm -f "$W"/r/two/part-*.csv
  timeout 60 mpirun -n $np "$SLUICE" run --resume "$W/resume.sql" > /dev/null 2> "$W/err5"
  grep -q "statement 2 .*skipped" "$W/err5" && why="$why damaged output skipped"
  [[ $(rows_of "$W/r/two") == $'5,1\n6,2' ]] || why="$why statement 2 not redone"
  if [[ -z $why ]]; then ok "$name"; else bad "$name" "$why" "$W/err2"; fi
done

# A COPY that reads a table (CREATE TABLE AS) is never skipped: the table's inputs are not its.
cat > "$W/table.sql" <<EOF
CREATE TABLE t AS SELECT k, v FROM read_csv('$W/d/r2.csv');
COPY (SELECT k, v FROM t) TO '$W/r/fromtable' (FORMAT csv, HEADER false, OVERWRITE true);
EOF
timeout 60 mpirun -n 2 "$SLUICE" run "$W/table.sql" > /dev/null 2> "$err"
rc1=$?
timeout 60 mpirun -n 2 "$SLUICE" run --resume "$W/table.sql" > /dev/null 2> "$W/err2"
rc2=$?
if [[ $rc1 == 0 && $rc2 == 0 ]] && ! grep -q skipped "$W/err2" &&
   [[ $(rows_of "$W/r/fromtable") == $'5,1\n6,2' ]]; then ok "resume never skips a COPY of a table"
else bad "resume never skips a COPY of a table" "rc=$rc1/$rc2" "$W/err2"; fi

echo "faults: $pass passed, $fail failed"
[[ $fail == 0 ]]
