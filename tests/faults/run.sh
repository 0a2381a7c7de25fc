#!/usr/bin/env bash
# Fault tests (`make faults`): injected failures (SLUICE_FAULT), transient I/O retries, stop
# signals and --resume. Every mpirun runs under `timeout` (exit 124 = a hang = a failure).
#
# 1. Permanent faults (read, write, alloc; exchange and unpack at 2 and 3) at 1, 2 and 3 ranks,
#    on a job whose COPY target already holds a committed output: the job exits with the
#    expected status (a hang is caught by `timeout`, exit 124; there is no other time bound,
#    a loaded machine may be slow); at least one rank printed the error and every rank that
#    printed one printed the same one (mpirun may stop ranks before they flush stderr), and
#    it says "injected"; the old output is byte-identical (same inode, same files, same
#    checksums); no "*.sluice-tmp-*" directory is left (alloc, and unpack in an exchange's
#    last round, go through MPI_Abort, which may leave one: there it must hold no _SUCCESS).
#    unpack before the last round, and on the two-level route in any round, is agreed like
#    the others: one message, exit 9.
#    A FULL join without keys (a collective finish) fails cleanly on a read fault in either
#    side at 2 and 3 ranks; over its grant (in chunks) it gives Python's rows and fails
#    cleanly on a failing write to its stores.
#    A skew-handled join's held probe rows, moved to disk while its build input runs, fail
#    cleanly on a failing write there.
# 2. Transient faults (read_eio, read_estale, read_eagain, write_eintr) succeed after logged
#    retries, and the output equals Python's group-by of the input (the oracle); read_estale
#    reopens the file (the log says so). write_eio, write_estale and write_enospc are not
#    retried: exit 4 (7 for ENOSPC) at once, no retry logged. The retry time: 8 EIOs in a row
#    (2.55 s of backoff: 10 ms doubling) are survived with the default 30 s and fail with
#    SLUICE_IO_RETRY_SECONDS=1 or --io-retry-time 1 (7 retries logged: 10+20+...+320 ms and a
#    last 370 ms fill the second).
#    With --memory-limit 2MB a spilling group-by hit by an exchange fault leaves no spill file.
#    The release build (SLUICE_RELEASE, default build/sluice; the Makefile passes it) ignores
#    SLUICE_FAULT and SLUICE_SPILL_ENOSPC_AFTER with one warning and gets the right answer,
#    where the fault-injection build (SLUICE) fails.
# 3. Signals: SIGUSR1, SIGTERM and SIGINT sent to mpirun during a 30-statement job at 2 ranks:
#    the ranks stop with "interrupted by signal", no temp directory is left, every output
#    directory that exists has _SUCCESS and the right rows, and not every statement ran.
# 4. --resume: a 3-statement job whose statement 3 fails on bad data; after fixing the data a
#    --resume run skips statements 1-2 ("skipped: output up to date", their _SUCCESS mtimes
#    unchanged) and runs 3; touching statement 1's input makes only statement 1 rerun.
#
# Prints "ok   NAME" / "FAIL NAME" per check and "faults: N passed, M failed"; exits 1 on any
# failure. SLUICE defaults to build/sluice and must be built with FAULT_INJECTION=1 (`make
# faults` builds build-fi/sluice and passes both). Keep the scratch dir with KEEP=1.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../sluice_env.sh"
PY=${PYTHON:-python3}

W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-faults.XXXXXX")
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$W"' EXIT
mkdir -p "$W/d" "$W/o"
pass=0 fail=0
err=$W/err
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

# The distinct error messages in FILE, without the "(rank r of n)" prefix.
error_msgs() {
  grep -E '^sluice.*error:' "$1" | sed -E 's/^sluice( \(rank [0-9]+ of [0-9]+\))?: //' | sort -u
}

# perm NAME NP FAULT WANT_RC [JOB]: a permanent fault must fail every rank cleanly (JOB: default
# agg.sql).
perm() {
  local name="$1 np=$2" np=$2 fault=$3 want=$4 job=${5:-$W/agg.sql} err=$W/err rc msgs
  SLUICE_FAULT=$fault timeout 60 mpirun -n "$np" "$SLUICE" run "$job" --blocksize 20KB \
    > /dev/null 2> "$err"
  rc=$?
  msgs=$(error_msgs "$err") # the agreed message
  if [[ $rc != "$want" ]]; then bad "$name" "exit $rc, want $want" "$err"; return; fi
  if [[ $fault == alloc* || $fault == unpack* ]]; then
    grep -q 'injected fault' "$err" || { bad "$name" "no 'injected' message" "$err"; return; }
    if find "$W" -path '*.sluice-tmp-*/_SUCCESS' | grep -q .; then
      bad "$name" "a temp dir holds _SUCCESS" "$err"; return; fi
    find "$W" -maxdepth 3 -name '*.sluice-tmp-*' -exec rm -rf {} +
  else
    # Exactly one distinct message: at least one rank printed it, no rank printed another.
    if [[ $(printf '%s\n' "$msgs" | grep -c .) != 1 ]]; then
      bad "$name" "want one error message, got: $msgs" "$err"; return; fi
    [[ $msgs == *injected* ]] || { bad "$name" "message does not say injected" "$err"; return; }
    no_tmp || { bad "$name" "temp dir left" "$err"; return; }
  fi
  [[ $(dir_sig "$W/o/agg") == "$SIG0" ]] || { bad "$name" "old output changed" "$err"; return; }
  ok "$name"
}

# trans NAME NP FAULT WARNINGS [WORD [OPTIONS...]]: a transient fault is retried (logged, each
# retry line containing WORD) and the job succeeds with the oracle's rows.
trans() {
  local name="$1 np=$2" np=$2 fault=$3 want_warn=$4 word=${5:-} err=$W/err rc
  shift 5 2>/dev/null || shift $#
  rm -rf "$W/o/t"
  sed "s#$W/o/agg#$W/o/t#" "$W/agg.sql" > "$W/t.sql"
  SLUICE_FAULT=$fault timeout 60 mpirun -n "$np" "$SLUICE" run "$W/t.sql" --blocksize 20KB "$@" \
    > /dev/null 2> "$err"
  rc=$?
  local n_warn n_word
  n_warn=$(grep -c 'warning: .*(transient); retry' "$err")
  n_word=$(grep 'warning: .*(transient); retry' "$err" | grep -c -- "$word")
  if [[ $rc != 0 ]]; then bad "$name" "exit $rc" "$err"; return; fi
  if [[ $n_warn != "$want_warn" ]]; then
    bad "$name" "$n_warn retry lines, want $want_warn" "$err"; return; fi
  if [[ $n_word != "$n_warn" ]]; then
    bad "$name" "retry lines without '$word'" "$err"; return; fi
  [[ -f $W/o/t/_SUCCESS ]] || { bad "$name" "no _SUCCESS" "$err"; return; }
  [[ $(rows_of "$W/o/t") == "$(sort "$W/expect_a.txt")" ]] ||
    { bad "$name" "wrong rows" "$err"; return; }
  ok "$name"
}

# noretry NAME FAULT RC TEXT [OPTIONS...]: the errno is not retried: exit RC at once, no retry
# logged, the message names the error (TEXT), the old output untouched, no temp dir left.
noretry() {
  local name=$1 fault=$2 want=$3 text=$4 err=$W/err rc
  shift 4
  SLUICE_FAULT=$fault timeout 60 mpirun -n 2 "$SLUICE" run "$W/agg.sql" --blocksize 20KB "$@" \
    > /dev/null 2> "$err"
  rc=$?
  if [[ $rc == "$want" ]] && ! grep -q 'retry' "$err" && grep -q -- "$text" "$err" &&
     [[ $(dir_sig "$W/o/agg") == "$SIG0" ]] && no_tmp; then ok "$name"
  else bad "$name" "rc=$rc, want $want, no retry, '$text'" "$err"; fi
}

{ echo "SET csv_split = 'count';"; cat "$W/agg.sql"; } > "$W/agg_count.sql"
for np in 1 2 3; do
  last=$((np - 1))
  # The last rank's reads: at 1 rank the sample's and then the scan's; at more ranks, with the
  # split guessed (no count pass), one read covers its share, and with csv_split = 'count'
  # the count pass's and the scan's.
  if [[ $np == 1 ]]; then perm "read:2@rank$last" "$np" "read:2@rank$last" 4
  else
    perm "read:1@rank$last" "$np" "read:1@rank$last" 4
    perm "read:2@rank$last csv_split=count" "$np" "read:2@rank$last" 4 "$W/agg_count.sql"
  fi
  perm "read:1" "$np" "read:1" 4
  perm "write:1" "$np" "write:1" 4
  perm "write:1@rank$last" "$np" "write:1@rank$last" 4
  # One rank keeps its rows where they are: no exchange call to fail.
  [[ $np -gt 1 ]] && perm "exchange:1@rank$last" "$np" "exchange:1@rank$last" 4
  perm "alloc:40@rank$last" "$np" "alloc:40@rank$last" 6
  perm "alloc:250" "$np" "alloc:250" 6
  # A corrupt message in the exchange's only round: no later round reports it, so the rank
  # stops the job (MPI_Abort, exit 9; the other ranks may be past the exchange already).
  [[ $np -gt 1 ]] && perm "unpack:1@rank$last" "$np" "unpack:1@rank$last" 9
  # Transient: one failure per rank (every rank reads and writes), each logged once.
  trans "read_eio:2" "$np" "read_eio:2" "$np"
  # A stale NFS handle never heals on the same descriptor: the file is reopened by path.
  trans "read_estale:1x2@rank0 reopens" "$np" "read_estale:1x2@rank0" 2 "reopen"
  trans "write_eintr:1x3@rank$last" "$np" "write_eintr:1x3@rank$last" 3
done
# A FULL join without keys ORs the ranks' matched flags in its finish (a collective): a rank
# whose read fails, in either side's scan, still reaches it, and every rank stops cleanly.
cat > "$W/full.sql" <<EOF
COPY (SELECT a.k, a.v, b.v AS w FROM read_csv('$A') a FULL JOIN
      (SELECT * FROM read_csv('$A') WHERE v < 0) b ON a.v BETWEEN b.v AND b.v + 2)
  TO '$W/o/agg' (FORMAT csv, HEADER false, OVERWRITE true);
EOF
for np in 2 3; do
  perm "keyless FULL join, read:1@rank$((np - 1))" "$np" "read:1@rank$((np - 1))" 4 "$W/full.sql"
  perm "keyless FULL join, read:2@rank$((np - 1))" "$np" "read:2@rank$((np - 1))" 4 "$W/full.sql"
done
# Over its grant (a 4 MB budget, 200,000 rows a side) the same join runs in chunks of its
# stored build rows: it must give Python's rows at 2 and 3 ranks, and a failing write to its
# stores must stop every rank cleanly.
$PY - "$W/d/big.csv" "$W/expect_chunks.txt" <<'EOF'
import csv, sys
vs = [i * 3 - 1000 for i in range(200000)]
with open(sys.argv[1], 'w', newline='') as f:
    w = csv.writer(f, lineterminator='\n')
    w.writerow(['k', 'v'])
    w.writerows((i % 7, v) for i, v in enumerate(vs))
have, rows, hit = set(vs), [], set()
for i, v in enumerate(vs):  # a.v BETWEEN b.v + 2 AND b.v + 3
    ws = [u for u in (v - 3, v - 2) if u in have]
    hit.update(ws)
    rows += ['%d,%d,%d' % (i % 7, v, u) for u in ws] or ['%d,%d,' % (i % 7, v)]
rows += [',,%d' % u for u in vs if u not in hit]
with open(sys.argv[2], 'w') as f:
    f.write('\n'.join(sorted(rows)) + '\n')
EOF
cat > "$W/chunks.sql" <<EOF
SET memory_limit = '4MB';
COPY (SELECT a.k, a.v, b.v AS w FROM read_csv('$W/d/big.csv') a FULL JOIN
      read_csv('$W/d/big.csv') b ON a.v BETWEEN b.v + 2 AND b.v + 3)
  TO '$W/o/chunks' (FORMAT csv, HEADER false, OVERWRITE true);
EOF
sed "s#$W/o/chunks#$W/o/agg#" "$W/chunks.sql" > "$W/chunks_agg.sql"
for np in 2 3; do
  name="keyless FULL join in chunks np=$np"
  SLUICE_JOIN_TRACE=1 timeout 60 mpirun -n "$np" "$SLUICE" run "$W/chunks.sql" > /dev/null 2> "$err"
  rc=$?
  if [[ $rc != 0 ]]; then bad "$name" "exit $rc" "$err"
  elif [[ $(grep -c 'hash join without keys goes in chunks' "$err") != "$np" ]]; then
    bad "$name" "not in chunks on every rank" "$err"
  elif [[ $(rows_of "$W/o/chunks") != "$(sort "$W/expect_chunks.txt")" ]]; then
    bad "$name" "rows differ from Python's" "$err"
  else ok "$name"; fi
  perm "keyless FULL join in chunks, write:1@rank$((np - 1))" "$np" "write:1@rank$((np - 1))" 4 \
    "$W/chunks_agg.sql"
  perm "keyless FULL join in chunks, write:3@rank0" "$np" "write:3@rank0" 4 "$W/chunks_agg.sql"
done
# A skew-handled join (both sides hash-partitioned) holds its probe rows while its build input,
# a GROUP BY, runs, and moves them to disk beyond its hold grant (sl_rowstore_lower): at 16 MB
# that is a rank's first write (a 262 KB batch record; without the move the first write is the
# aggregation's, ~36 KB), and a failing one must stop every rank cleanly.
$PY - "$W/d/probe.csv" "$W/d/dim.csv" <<'EOF'
import sys
with open(sys.argv[1], 'w') as f:
    f.write('id,k\n' + ''.join('%d,%d\n' % (i, i * 7 % 50000) for i in range(600000)))
with open(sys.argv[2], 'w') as f:
    f.write('k,name\n' + ''.join('%d,name%d\n' % (i % 50000, i) for i in range(100000)))
EOF
cat > "$W/held.sql" <<EOF
SET memory_limit = '16MB';
SET broadcast_threshold = '0';
COPY (SELECT p.id, g.m FROM read_csv('$W/d/probe.csv') p LEFT JOIN
      (SELECT k, max(name) AS m FROM read_csv('$W/d/dim.csv') GROUP BY k) g ON p.k = g.k)
  TO '$W/o/agg' (FORMAT csv, HEADER false, OVERWRITE true);
EOF
for np in 2 3; do
  perm "held join probe rows to disk, write:1@rank$((np - 1))" "$np" "write:1@rank$((np - 1))" 4 \
    "$W/held.sql"
done
# Every rank's first read (at 2 ranks with the split guessed, the second rank has one read).
trans "read_eagain:1" 2 "read_eagain:1" 2

# EIO on a write may be an earlier write-back that was lost (a failing device): never retried.
# ESTALE on a write cannot heal on the same descriptor. ENOSPC is permanent (exit 7).
noretry "write_eio is not retried" 'write_eio:1@rank1' 4 'Input/output error'
noretry "write_eio:1 on every rank is not retried" 'write_eio:1' 4 'Input/output error'
noretry "write_estale is not retried" 'write_estale:1@rank0' 4 'Stale file handle'
noretry "write_enospc is not retried" 'write_enospc:1@rank0' 7 'No space left'

# The retry time: 8 EIOs in a row on rank 1's reads wait 10+20+...+1280 ms = 2.55 s in all.
# The default (30 s) survives them; a 1 s budget gives up after 7 retries (the 7th sleeps the
# 370 ms left), exit 4; the option wins over the environment.
trans "read_eio:1x8 survived with the default retry time" 2 'read_eio:1x8@rank1' 8
for how in env option; do
  name="read_eio:1x8 gives up with a 1 s retry time ($how)"
  if [[ $how == env ]]; then
    SLUICE_IO_RETRY_SECONDS=1 SLUICE_FAULT='read_eio:1x8@rank1' timeout 60 mpirun -n 2 \
      "$SLUICE" run "$W/agg.sql" --blocksize 20KB > /dev/null 2> "$err"
  else
    SLUICE_FAULT='read_eio:1x8@rank1' timeout 60 mpirun -n 2 "$SLUICE" run "$W/agg.sql" \
      --blocksize 20KB --io-retry-time 1 > /dev/null 2> "$err"
  fi
  rc=$?
  if [[ $rc == 4 && $(grep -c 'warning: .*(transient); retry' "$err") == 7 ]] &&
     grep -q 'gave up after 8 tries' "$err" && [[ $(dir_sig "$W/o/agg") == "$SIG0" ]] && no_tmp
  then ok "$name"
  else bad "$name" "rc=$rc" "$err"; fi
done
SLUICE_IO_RETRY_SECONDS=1 trans "--io-retry-time 30 beats SLUICE_IO_RETRY_SECONDS=1" 2 \
  'read_eio:1x8@rank1' 8 "" --io-retry-time 30
for bad_t in abc -1 ''; do
  name="bad --io-retry-time '$bad_t'"
  timeout 60 mpirun -n 2 "$SLUICE" run "$W/agg.sql" --io-retry-time "$bad_t" > /dev/null \
    2> "$err"
  rc=$?
  if [[ $rc == 2 ]] && grep -q 'io-retry-time' "$err"; then ok "$name"
  else bad "$name" "rc=$rc, want 2" "$err"; fi
done
SLUICE_IO_RETRY_SECONDS=soon timeout 60 mpirun -n 2 "$SLUICE" run "$W/agg.sql" > /dev/null \
  2> "$err"
rc=$?
if [[ $rc == 2 ]] && grep -q "SLUICE_IO_RETRY_SECONDS" "$err"; then ok "bad SLUICE_IO_RETRY_SECONDS"
else bad "bad SLUICE_IO_RETRY_SECONDS" "rc=$rc, want 2" "$err"; fi
# A bad SLUICE_FAULT is a usage error.
SLUICE_FAULT='read:zero' timeout 60 mpirun -n 2 "$SLUICE" run "$W/agg.sql" > /dev/null 2> "$err"
rc=$?
if [[ $rc == 2 ]] && grep -q "SLUICE_FAULT: bad entry 'read:zero'" "$err"; then
  ok "bad SLUICE_FAULT"
else bad "bad SLUICE_FAULT" "rc=$rc" "$err"; fi

# A SELECT's text is formatted on every rank; an exchange fault while it travels to rank 0
# (the job's only exchange: round 1 succeeded, round 2 fails on the last rank) still prints
# no row: rank 0 writes only once every rank's text has arrived.
echo "SELECT k, v FROM read_csv('$W/d/a.csv');" > "$W/rows.sql"
name="no row printed after exchange:2@rank2 in a SELECT's result np=3"
SLUICE_FAULT='exchange:2@rank2' timeout 60 mpirun -n 3 "$SLUICE" run "$W/rows.sql" \
  --format csv --blocksize 16KB --exchange-round-bytes 4KB > "$W/rows.out" 2> "$err"
rc=$?
if [[ $rc == 4 && ! -s $W/rows.out ]] && grep -q injected "$err"; then ok "$name"
else bad "$name" "rc=$rc, want 4; stdout $(wc -c < "$W/rows.out") bytes, want none" "$err"; fi

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

# agreed_unpack NAME NP JOB [OPTIONS...]: SLUICE_FAULT=unpack:... (set by the caller) is
# agreed, not aborted on: exit 9, one message on every rank that printed one, saying
# "corrupt message" and "injected", no MPI_Abort, the old output unchanged, no temp dir left.
agreed_unpack() {
  local name=$1 np=$2 job=$3 rc msgs
  shift 3
  timeout 60 mpirun -n "$np" "$SLUICE" run "$job" "$@" > /dev/null 2> "$err"
  rc=$?
  msgs=$(error_msgs "$err")
  if [[ $rc == 9 && $msgs == *'corrupt message'*injected* && $(grep -c . <<< "$msgs") == 1 ]] &&
     ! grep -q MPI_ABORT "$err" && no_tmp && [[ $(dir_sig "$W/o/agg") == "$SIG0" ]]; then
    ok "$name"
  else bad "$name" "rc=$rc, want 9 and one agreed message: $msgs" "$err"; fi
}

# A read fault in a scan whose split was guessed (rank 0's 5th read at 2 ranks: its scan,
# after the first-record, sample and boundary reads): the error may come from the guess, so
# the statement runs again with the quotes counted, and meets the same fault there (the fault
# counters are rewound): exit 4, one injected message, the old output untouched.
name="read:5@rank0 in a guessed split: the second run meets it again np=2"
SLUICE_FAULT='read:5@rank0' timeout 60 mpirun -n 2 "$SLUICE" run -v "$W/agg.sql" \
  --blocksize 20KB > /dev/null 2> "$err"
rc=$?
msgs=$(error_msgs "$err")
if [[ $rc == 4 && $msgs == *injected* && $(grep -c . <<< "$msgs") == 1 ]] &&
   grep -q 'running it again with the quotes counted first' "$err" &&
   [[ $(dir_sig "$W/o/agg") == "$SIG0" ]] && no_tmp; then ok "$name"
else bad "$name" "rc=$rc, want 4, one injected message after a second run: $msgs" "$err"; fi

# A corrupt message before an exchange's last round (100000 groups in 4 KB rounds) is reported
# by the next round's flags (compare unpack:1 in the only round, above: MPI_Abort).
for np in 2 3; do
  SLUICE_FAULT='unpack:3@rank1' agreed_unpack \
    "unpack:3@rank1 before the last round: the same message on every rank np=$np" "$np" \
    "$W/spill.sql" --exchange-round-bytes 4KB
done
# The two-level route (nodes of 2 ranks simulated on this host) still closes each exchange with
# an Allreduce: a corrupt message in its only round is agreed there.
{ echo "SET exchange_two_level = 'on'; SET exchange_node_ranks = '2';"; cat "$W/agg.sql"; } \
  > "$W/agg2.sql"
SLUICE_FAULT='unpack:1@rank1' agreed_unpack \
  "unpack:1@rank1 two-level, only round: the same message on every rank np=3" 3 "$W/agg2.sql" \
  --blocksize 20KB

# ---- the release build ignores the fault hooks -------------------------------------------
# A build without FAULT_INJECTION=1 (what `make` gives users) must not fail because of a stray
# SLUICE_FAULT or SLUICE_SPILL_ENOSPC_AFTER: it warns once (rank 0) and computes the right
# answer. The same settings make the fault-injection build (SLUICE) fail, so the hooks are
# really there in one and not in the other.
REL=${SLUICE_RELEASE:-build/sluice}
[[ $REL == /* ]] || REL=$ROOT/$REL
skipped=0
if [[ ! -x $REL || $REL -ef $SLUICE ]]; then
  skipped=$((skipped + 1)); echo "skip release build ignores the hooks: no release binary $REL"
else
  name="release build ignores SLUICE_FAULT"
  rm -rf "$W/o/t"
  sed "s#$W/o/agg#$W/o/t#" "$W/agg.sql" > "$W/t.sql"
  SLUICE_FAULT='read:1,write:1' timeout 60 mpirun -n 2 "$REL" run "$W/t.sql" --blocksize 20KB \
    > /dev/null 2> "$err"
  rc=$?
  if [[ $rc == 0 && $(rows_of "$W/o/t") == "$(sort "$W/expect_a.txt")" &&
        $(grep -c 'warning: SLUICE_FAULT is set but this build has no fault injection' \
          "$err") == 1 ]] && ! grep -q injected "$err"; then ok "$name"
  else bad "$name" "rc=$rc" "$err"; fi
  name="release build ignores SLUICE_SPILL_ENOSPC_AFTER"
  rm -rf "$W/o/t"
  sed "s#$W/o/agg#$W/o/t#" "$W/spill.sql" > "$W/t.sql"
  SLUICE_SPILL_ENOSPC_AFTER=0 timeout 60 mpirun -n 2 "$REL" run "$W/t.sql" -v \
    --memory-limit 2MB --spill-dir "$W/spill" > /dev/null 2> "$err"
  rc=$?
  # It did spill (so the hook would have fired): the -v totals name the bytes written.
  if [[ $rc == 0 && $(rows_of "$W/o/t" | wc -l) == 100000 ]] &&
     grep -Eq 'spill: [1-9][0-9]* bytes written' "$err" &&
     [[ $(grep -c 'warning: SLUICE_SPILL_ENOSPC_AFTER is set but this build has no fault' \
          "$err") == 1 ]]; then ok "$name"
  else bad "$name" "rc=$rc" "$err"; fi
  name="fault-injection build honours SLUICE_SPILL_ENOSPC_AFTER"
  rm -rf "$W/o/t"
  SLUICE_SPILL_ENOSPC_AFTER=0 timeout 60 mpirun -n 2 "$SLUICE" run "$W/t.sql" \
    --memory-limit 2MB --spill-dir "$W/spill" > /dev/null 2> "$err"
  rc=$?
  if [[ $rc == 7 ]] && grep -q 'injected: SLUICE_SPILL_ENOSPC_AFTER' "$err" && [[ ! -e $W/o/t ]]
  then ok "$name"
  else bad "$name" "rc=$rc, want 7" "$err"; fi
fi

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

if (( skipped > 0 )); then echo "faults: $pass passed, $fail failed, $skipped skipped"
else echo "faults: $pass passed, $fail failed"; fi
[[ $fail == 0 ]]
