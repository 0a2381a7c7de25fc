#!/usr/bin/env bash
# Failure-path tests (`make failures`): bad jobs and bad input must stop sluice cleanly.
#
# Each case runs `timeout 60 mpirun -n N $SLUICE run JOB ...` at N = 1 and 3 and checks:
# the exit status is the expected non-zero one (124 = timeout = a hang), stderr holds a line
# with "error" (every rank prints one, but mpirun may kill the others before they flush, so
# one is required) and the expected message fragments (job file:line:col, file
# name and line of a bad value, ...), no output directory appeared where the job failed, an
# existing output is untouched, and no "*.sluice-tmp-*" directory is left anywhere under the
# scratch directory. Test data is written here (small, by hand) so this script does not depend
# on the e2e generator.
#
# Prints "ok   NAME np=N" / "FAIL NAME np=N" per run and "failures: N passed, M failed,
# K skipped" (only output_full_disk, where no tmpfs can be mounted); exits 1 on any failure.
# SLUICE defaults to build/sluice.
# Keep the scratch dir with KEEP=1. FAILURE_RANKS (default "1 3") sets the rank counts: the
# sanitizer pass (`make SANITIZE=1 san-check`) runs 3 only, the distributed paths, for CI time.
set -u
RANKS=${FAILURE_RANKS:-1 3}
. "$(dirname "${BASH_SOURCE[0]}")/../sluice_env.sh"
# Every case here ends by a rank exiting non-zero. At 1 and 2 ranks mpirun then sleeps its
# SIGTERM-then-SIGKILL grace twice (2 s, odls_base_sigkill_timeout) even when no rank is left
# to kill: ~2 minutes of this suite. No case signals a live rank, so the grace is not needed;
# tests/faults/run.sh, which does, keeps Open MPI's default.
export OMPI_MCA_odls_base_sigkill_timeout=${OMPI_MCA_odls_base_sigkill_timeout:-0}

W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-failures.XXXXXX")
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$W"' EXIT
D=$W/data
mkdir -p "$D/good" "$D/bad" "$D/fields" "$W/jobs"
COLS="columns={'id': 'BIGINT', 'name': 'VARCHAR', 'v': 'BIGINT'}"

# ---- data -------------------------------------------------------------------------------
printf 'id,name,v\n1,alice,10\n2,"bob, jr",20\n3,carol,30\n' > "$D/good/a.csv"
printf 'id,name,v\n4,dave,40\n5,erin,50\n' > "$D/good/b.csv"
# bad/b.csv line 6 (the header is line 1; record 21 spans lines 3-4), byte 46, holds "x12"
# in the BIGINT column v.
printf 'id,name,v\n' > "$D/bad/a.csv"
for i in $(seq 1 12); do printf '%d,"name %d, quoted",%d\n' "$i" "$i" "$((i * 7))"; done \
  >> "$D/bad/a.csv"
printf 'id,name,v\n20,t,1\n21,"u\nwith newline",2\n22,v,3\n23,w,x12\n24,x,5\n25,y,6\n' \
  > "$D/bad/b.csv"
# fields/c.csv line 4 has one field too many.
printf 'id,name,v\n1,a,1\n2,b,2\n3,c,3,extra\n4,d,4\n' > "$D/fields/c.csv"
printf 'not a directory\n' > "$W/regular_file"

job() {  # job NAME  (text on stdin) -> prints the path
  cat > "$W/jobs/$1.sql"
  printf '%s\n' "$W/jobs/$1.sql"
}

pass=0 fail=0 skip=0
# What a rank that died of a signal or a sanitizer report leaves in stderr: Open MPI's handler
# ("*** Process received signal ***"), mpirun's "exited on signal", ASan/LSan/UBSan reports.
CRASH_RE='Process received signal|exited on signal|ERROR: (Address|Leak)Sanitizer|runtime error:'

# check NAME WANT_RC JOB FRAGMENTS [sluice args...]
#   FRAGMENTS: '|'-separated strings that must all occur in stderr.
#   Env: NOOUT=dir must not exist afterwards; MARKER=file must still exist holding "old";
#   NOROWS=1: stdout must be empty (a failed SELECT prints no rows).
check() {
  local name=$1 want=$2 jobf=$3 frags=$4
  shift 4
  local np rc why out err n_err f
  for np in $RANKS; do
    out=$W/stdout.$name.$np err=$W/stderr.$name.$np
    [[ -n ${MARKER:-} ]] && { mkdir -p "$(dirname "$MARKER")"; printf 'old\n' > "$MARKER"; }
    timeout 60 mpirun -n "$np" "$SLUICE" run "$jobf" "$@" > "$out" 2> "$err"
    rc=$?
    why=()
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then why+=("timed out (hang) rc=$rc")
    elif [[ $rc -eq 0 ]]; then why+=("exit status 0, expected $want")
    elif [[ $rc -ne $want ]]; then why+=("exit status $rc, expected $want")
    fi
    # Every rank prints its error line, but mpirun kills the other ranks as soon as one exits
    # non-zero, so only one line is certain to arrive.
    n_err=$(grep -ci 'error' "$err")
    [[ $n_err -ge 1 ]] || why+=("no stderr line contains 'error'")
    IFS='|' read -r -a fs <<< "$frags"
    for f in "${fs[@]}"; do
      [[ -z $f ]] || grep -qF -- "$f" "$err" || why+=("stderr lacks '$f'")
    done
    # A rank that crashes after the expected error (at exit, say) leaves the exit status and
    # the message as wanted: mpirun reports the first rank's status. Its trace is the tell.
    f=$(grep -m1 -E "$CRASH_RE" "$err") && why+=("a rank crashed: $f")
    if [[ -n ${NOOUT:-} && -e $NOOUT ]]; then why+=("output $NOOUT exists after a failed job"); fi
    [[ -z ${NOROWS:-} || ! -s $out ]] || why+=("stdout of a failed SELECT: '$(head -c 200 "$out")'")
    if [[ -n ${MARKER:-} ]]; then
      [[ -f $MARKER && $(cat "$MARKER") == old ]] || why+=("old output $MARKER was touched")
      [[ $(ls -A "$(dirname "$MARKER")") == MARKER ]] ||
        why+=("files added to the old output: $(ls -A "$(dirname "$MARKER")" | tr '\n' ' ')")
    fi
    local left
    left=$(find "$W" /proc/sluice-failures-out* -maxdepth 4 -name '*.sluice-tmp-*' 2>/dev/null)
    [[ -z $left ]] || why+=("left behind: $left")
    if [[ ${#why[@]} -eq 0 ]]; then
      pass=$((pass + 1)); echo "ok   $name np=$np"
    else
      fail=$((fail + 1)); echo "FAIL $name np=$np"
      printf '    %s\n' "${why[@]}"
      echo "    \$ timeout 60 mpirun -n $np $SLUICE run $jobf $*"
      sed -e 's/^/    stderr: /' "$err" | head -n 12
    fi
    find "$W" -maxdepth 4 -name '*.sluice-tmp-*' -exec rm -rf {} + 2>/dev/null
  done
}

# ---- bad SQL (exit 3) --------------------------------------------------------------------
# The syntax error is the FROM at line 3, column 18 (the '(' is never closed).
j=$(job syntax <<EOF
-- a job with a syntax error on line 3
-- (positions refer to the original text)
SELECT id, (name FROM read_csv('$D/good/*.csv', header=true, $COLS);
EOF
)
check syntax_error 3 "$j" "syntax.sql:3:18"

j=$(job unkcol <<EOF
-- unknown column at line 2, column 12
SELECT id, nosuch FROM read_csv('$D/good/*.csv', header=true, $COLS);
EOF
)
check unknown_column 3 "$j" "unkcol.sql:2:12|nosuch"

j=$(job unkfn <<EOF
-- unknown function at line 2, column 8
SELECT frobnicate(id) FROM read_csv('$D/good/*.csv', header=true, $COLS);
EOF
)
check unknown_function 3 "$j" "unkfn.sql:2:8|frobnicate"

j=$(job unkfngrp <<EOF
-- an unknown function in a GROUP BY query is reported as unknown (not as its argument's
-- missing GROUP BY), as DuckDB does
SELECT name, frobnicate(id) FROM read_csv('$D/good/*.csv', header=true, $COLS) GROUP BY name;
EOF
)
check unknown_function_grouped 3 "$j" "unkfngrp.sql:3:14|unknown function \"frobnicate\""

j=$(job likeesc <<EOF
-- ESCAPE takes one character (DuckDB's message)
SELECT name LIKE 'a%' ESCAPE 'xy' FROM read_csv('$D/good/*.csv', header=true, $COLS);
EOF
)
check like_escape_two_chars 10 "$j" "Escape string must be empty or one character"

j=$(job intervallist <<EOF
-- a list's elements need one common type: BIGINT and INTERVAL have none
SELECT id, [id, INTERVAL '1 day'] FROM read_csv('$D/good/*.csv', header=true, $COLS);
EOF
)
check interval_list 3 "$j" "intervallist.sql:2:12|no function matches list_value(BIGINT, INTERVAL)"

j=$(job tsminusinf <<EOF
-- an infinite TIMESTAMP minus a TIMESTAMP is DuckDB's error, raised on every rank's rows
SELECT id, CASE WHEN id > 0 THEN TIMESTAMP 'infinity' ELSE TIMESTAMP '2024-01-01 00:00:00' END - TIMESTAMP '2024-01-01 00:00:00' FROM read_csv('$D/good/*.csv', header=true, $COLS);
EOF
)
check timestamp_minus_infinite 10 "$j" "Cannot subtract infinite timestamps"

j=$(job colswhere <<EOF
-- COLUMNS(...) expands in the select list only
CREATE VIEW g AS SELECT * FROM read_csv('$D/good/*.csv', header=true, $COLS);
SELECT id FROM g WHERE COLUMNS('v') > 1;
EOF
)
check columns_outside_select 3 "$j" "colswhere.sql:3:24|COLUMNS(...) outside the select list is not supported"

# DuckDB constructs sluice lacks are named as not supported, not a bare syntax error
j=$(job groupingsets <<EOF
CREATE VIEW g AS SELECT * FROM read_csv('$D/good/*.csv', header=true, $COLS);
SELECT name, count(*) FROM g GROUP BY GROUPING SETS ((name), ());
EOF
)
check grouping_sets_unsupported 3 "$j" "groupingsets.sql:2:39|GROUP BY GROUPING SETS is not supported"

j=$(job lateral <<EOF
CREATE VIEW g AS SELECT * FROM read_csv('$D/good/*.csv', header=true, $COLS);
SELECT * FROM g, LATERAL (SELECT g.id + 1 AS n) s;
EOF
)
check lateral_unsupported 3 "$j" "lateral.sql:2:18|LATERAL is not supported"

j=$(job unionbyname <<EOF
CREATE VIEW g AS SELECT * FROM read_csv('$D/good/*.csv', header=true, $COLS);
SELECT id FROM g EXCEPT BY NAME SELECT 1 AS id;
EOF
)
check except_by_name_unsupported 3 "$j" "unionbyname.sql:2:25|EXCEPT / INTERSECT BY NAME is not supported"

j=$(job similarto <<EOF
CREATE VIEW g AS SELECT * FROM read_csv('$D/good/*.csv', header=true, $COLS);
SELECT id FROM g WHERE name SIMILAR TO 'a.*';
EOF
)
check similar_to_unsupported 3 "$j" "similarto.sql:2:29|SIMILAR TO (use LIKE, or regexp functions) is not supported"

j=$(job winwhere <<EOF
-- a window function in WHERE
SELECT id FROM read_csv('$D/good/*.csv', header=true, $COLS) WHERE row_number() OVER (ORDER BY id) < 3;
EOF
)
check window_in_where 3 "$j" "winwhere.sql:2:|window functions are only allowed in the select list"

j=$(job winagg <<EOF
-- a window function inside an aggregate, and one in HAVING (both run before any window)
SELECT sum(row_number() OVER (ORDER BY id)) FROM read_csv('$D/good/*.csv', header=true, $COLS);
EOF
)
check window_in_aggregate 3 "$j" "winagg.sql:2:12|window functions are only allowed in the select list"

j=$(job winhaving <<EOF
-- a window function in HAVING
SELECT name FROM read_csv('$D/good/*.csv', header=true, $COLS) GROUP BY name HAVING rank() OVER (ORDER BY name) > 1;
EOF
)
check window_in_having 3 "$j" "winhaving.sql:2:|window functions are only allowed in the select list"

j=$(job winrange <<EOF
-- a RANGE offset over a VARCHAR key
SELECT count(*) OVER (ORDER BY name RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) FROM read_csv('$D/good/*.csv', header=true, $COLS);
EOF
)
check window_range_varchar 3 "$j" "winrange.sql:2:|a RANGE offset over a VARCHAR key"

j=$(job param <<'EOF'
-- unknown parameter on line 2 (never given with -D)
SELECT id FROM read_csv('${nope}/x.csv');
EOF
)
check unknown_param 3 "$j" "param.sql:2:|nope" -D other=1

# COPY to a format that nothing can write: refused when the job is parsed, at the FORMAT
# value, naming the formats that can write (README "A job file"); nothing is written.
j=$(job copyfmt <<EOF
-- FORMAT parquet at line 3, column 11
COPY (SELECT id FROM read_csv('$D/good/*.csv', header=true, $COLS)) TO '$W/out_fmt'
  (FORMAT parquet, HEADER true);
EOF
)
NOOUT=$W/out_fmt check copy_unknown_format 3 "$j" \
  "copyfmt.sql:3:11|FORMAT 'parquet' is not supported|formats that can write: csv"

# A format option with a bad value: the format's own message, at the value.
j=$(job copyopt <<EOF
COPY (SELECT id FROM read_csv('$D/good/*.csv', header=true, $COLS)) TO '$W/out_opt'
  (FORMAT csv, DELIMITER ';;');
EOF
)
NOOUT=$W/out_opt check copy_bad_format_option 3 "$j" \
  "copyopt.sql:2:26|option delimiter must be a single character"

# ---- missing input (exit 4) --------------------------------------------------------------
j=$(job missing <<EOF
SELECT count(*) FROM read_csv('$D/missing.csv', header=true, $COLS);
EOF
)
check missing_file 4 "$j" "file not found|missing.csv"

j=$(job noglob <<EOF
SELECT count(*) FROM read_csv('$D/good/nomatch*.csv', header=true, $COLS);
EOF
)
check glob_no_match 4 "$j" "no file matches|nomatch*.csv"

# ---- bad data (exit 5): found by whichever rank owns the record --------------------------
j=$(job badval <<EOF
SELECT id, name, v FROM read_csv('$D/bad/*.csv', header=true, $COLS);
EOF
)
check bad_bigint 5 "$j" "b.csv:6 (byte 46)|expected BIGINT|x12" --blocksize 64B
# As CSV every rank formats its rows as they come: the ranks before the bad record have
# formatted theirs when the error is agreed, and still none is printed.
NOROWS=1 check bad_bigint_csv 5 "$j" "b.csv:6 (byte 46)|expected BIGINT|x12" --blocksize 64B \
  --format csv --exchange-round-bytes 64B

j=$(job badval_copy <<EOF
COPY (SELECT id, name, v FROM read_csv('$D/bad/*.csv', header=true, $COLS))
TO '$W/out_badval' (FORMAT csv, HEADER true);
EOF
)
NOOUT=$W/out_badval check bad_bigint_copy 5 "$j" "b.csv:6 (byte 46)|expected BIGINT|x12" --blocksize 64B

j=$(job fields <<EOF
SELECT id, name, v FROM read_csv('$D/fields/*.csv', header=true, $COLS);
EOF
)
check wrong_field_count 5 "$j" "c.csv:4" --blocksize 16B

j=$(job badcast <<EOF
SELECT id, CAST(name AS BIGINT) AS n FROM read_csv('$D/good/*.csv', header=true, $COLS);
EOF
)
check runtime_bad_cast 10 "$j" "alice|BIGINT"

# A run-time error inside a join's residual: a correlated EXISTS with a non-equality (the SEMI
# join decides its probe rows in rounds, src/exec/op_hash_join.c) stops every rank cleanly.
j=$(job semiresidual <<EOF
SELECT id FROM read_csv('$D/good/*.csv', header=true, $COLS) t WHERE EXISTS (
  SELECT 1 FROM read_csv('$D/good/*.csv', header=true, $COLS) u
  WHERE u.name = t.name AND u.v * 9223372036854775807 > t.v);
EOF
)
NOROWS=1 check semi_residual_overflow 10 "$j" "Overflow in multiplication of BIGINT"

# The same inside an inner join's band term (src/exec/join_bounds.c): its probe side fails for
# the batch, the terms step aside, and the pair that reaches the overflow fails the job.
j=$(job bandoverflow <<EOF
SELECT t.id, u.id FROM read_csv('$D/good/*.csv', header=true, $COLS) t
  JOIN read_csv('$D/good/*.csv', header=true, $COLS) u
  ON u.name = t.name AND t.v * 9223372036854775807 < u.v;
EOF
)
NOROWS=1 check band_term_overflow 10 "$j" "Overflow in multiplication of BIGINT"

# A scalar subquery that finds more than one row is DuckDB's error (at run time), one with two
# columns DuckDB's binder error.
j=$(job scalarrows <<EOF
SELECT id, (SELECT v FROM read_csv('$D/good/*.csv', header=true, $COLS) WHERE v > 20) AS w
FROM read_csv('$D/good/*.csv', header=true, $COLS);
EOF
)
check scalar_subquery_rows 10 "$j" "More than one row returned by a subquery used as an expression"
j=$(job scalarcols <<EOF
SELECT id FROM read_csv('$D/good/*.csv', header=true, $COLS)
WHERE v > (SELECT id, v FROM read_csv('$D/good/*.csv', header=true, $COLS));
EOF
)
check scalar_subquery_columns 3 "$j" "scalarcols.sql:2:11|Subquery returns 2 columns - expected 1"
# Correlated subqueries that are not decorrelated into joins: a clean binder error at the
# subquery (not "table not found"). G is the good data again, aliased t outside, x and y inside.
G="read_csv('$D/good/*.csv', header=true, $COLS)"
corr() {  # corr NAME FRAGMENT  (the query on stdin)
  local jf
  jf=$(job "$1")
  check "$1" 3 "$jf" "$1.sql:|$2"
}
corr corr_scalar_lt "correlated subquery with a condition on outer columns other than" <<EOF
SELECT id, (SELECT max(x.v) FROM $G x WHERE x.v > t.v) AS m FROM $G t;
EOF
corr corr_scalar_or "correlated subquery with a condition on outer columns other than" <<EOF
SELECT id, (SELECT count(*) FROM $G x WHERE x.id = t.id OR x.v = 10) AS m FROM $G t;
EOF
corr corr_scalar_no_agg "correlated subquery without an aggregate" <<EOF
SELECT id, (SELECT x.v FROM $G x WHERE x.id = t.id) AS m FROM $G t;
EOF
corr corr_scalar_count_expr "correlated subquery with count() inside an expression" <<EOF
SELECT id FROM $G t WHERE (SELECT count(*) + 1 FROM $G x WHERE x.id = t.id) > 1;
EOF
corr corr_scalar_group "correlated subquery with GROUP BY" <<EOF
SELECT id, (SELECT max(x.v) FROM $G x WHERE x.id = t.id GROUP BY x.name) AS m FROM $G t;
EOF
corr corr_scalar_text_key "correlated subquery comparing VARCHAR with another type" <<EOF
SELECT id, (SELECT max(x.v) FROM $G x WHERE x.name = t.id) AS m FROM $G t;
EOF
corr corr_exists_limit "correlated subquery with GROUP BY, DISTINCT, LIMIT" <<EOF
SELECT id FROM $G t WHERE EXISTS (SELECT 1 FROM $G x WHERE x.id = t.id LIMIT 1);
EOF
corr corr_in_agg "correlated subquery of IN must select one expression without aggregates" <<EOF
SELECT id FROM $G t WHERE v IN (SELECT max(x.v) FROM $G x WHERE x.id = t.id);
EOF
corr corr_nested "correlated subquery nested two levels deep" <<EOF
SELECT id FROM $G t WHERE EXISTS (SELECT 1 FROM $G x WHERE x.id = t.id
  AND x.v IN (SELECT y.v FROM $G y WHERE y.name = t.name));
EOF
j=$(job unpivotcol <<EOF
UNPIVOT read_csv('$D/good/*.csv', header=true, $COLS) ON v, nosuch;
EOF
)
check unpivot_unknown_column 3 "$j" \
  "unpivotcol.sql:1:1|Column \"nosuch\" referenced in UNPIVOT but no matching entry was found"

# ---- COPY targets that cannot be written (exit 4) ----------------------------------------
j=$(job copyproc <<EOF
COPY (SELECT id, v FROM read_csv('$D/good/*.csv', header=true, $COLS))
TO '/proc/sluice-failures-out' (FORMAT csv, HEADER true);
EOF
)
NOOUT=/proc/sluice-failures-out check copy_unwritable_proc 4 "$j" "/proc/sluice-failures-out"

j=$(job copyfile <<EOF
COPY (SELECT id, v FROM read_csv('$D/good/*.csv', header=true, $COLS))
TO '$W/regular_file/out' (FORMAT csv, HEADER true);
EOF
)
NOOUT=$W/regular_file/out check copy_under_regular_file 4 "$j" "regular_file/out"

# ---- a failing COPY leaves the old output untouched (exit 5) -----------------------------
# OVERWRITE + --force: the directory holds a file sluice did not write (issue #10), so only
# that combination lets the COPY get as far as the bad row.
j=$(job keep <<EOF
COPY (SELECT id, name, v FROM read_csv('$D/bad/*.csv', header=true, $COLS))
TO '$W/keep' (FORMAT csv, HEADER true, OVERWRITE true);
EOF
)
MARKER=$W/keep/MARKER check copy_keeps_old_output 5 "$j" "b.csv:6" --blocksize 64B --force

# ---- --output FILE: written only when the whole job succeeds (exit 2, 4, 5, 7) -----------
# The first statement's rows are printed into the temporary file before the second fails on
# bad/b.csv's line 6: the old FILE must stay as it was, with nothing added beside it.
j=$(job outkeep <<EOF
SELECT id, name FROM read_csv('$D/good/*.csv', header=true, $COLS);
SELECT id, v FROM read_csv('$D/bad/*.csv', header=true, $COLS);
EOF
)
MARKER=$W/keepout/MARKER check output_keeps_old_file 5 "$j" "b.csv:6" --output "$W/keepout/MARKER"
check output_is_directory 2 "$j" "is a directory, not a regular file" --output "$W/jobs"
NOOUT=$W/nodir check output_missing_directory 4 "$j" "nodir/r.csv|cannot create" \
  --output "$W/nodir/r.csv"
# A full file system (a 256 KB tmpfs; the results are ~1.5 MB): exit 7, the old FILE untouched.
python3 -c "
print('id,name,v')
for i in range(40000): print('%d,name number %d of the big table,%d' % (i, i, i * 3))" \
  > "$W/big.csv"
j=$(job outfull <<EOF
SELECT id, name, v FROM read_csv('$W/big.csv', header=true, $COLS);
EOF
)
mkdir -p "$W/tiny"
if mount -t tmpfs -o size=256k tmpfs "$W/tiny" 2>/dev/null; then
  MARKER=$W/tiny/MARKER check output_full_disk 7 "$j" "No space left|the file was not changed" \
    --output "$W/tiny/MARKER"
  umount "$W/tiny"
elif [[ ,${SLUICE_REQUIRE:-}, == *,tmpfs,* ]]; then
  fail=$((fail + 1)); echo "FAIL output_full_disk: cannot mount a tmpfs (SLUICE_REQUIRE=tmpfs)"
else
  skip=$((skip + 1)); echo "skip output_full_disk: cannot mount a tmpfs here (not root?)"
fi

# ---- issue #10: -D parameters are values, the parser cannot be crashed (src/sql) --------
# sqlcheck NAME WANT_RC JOB WANT [sluice args...] runs the job at np = 1 and 3; the peak RSS
# of every process must stay under SQL_RSS_KB (1 GB; the parser before this needed more than
# 6 GB for the 1 MB AND chain below), and outside sanitizer builds (ASan reserves terabytes of
# address space) `ulimit -v $SQL_VMEM_KB` stops a runaway before it hurts the machine.
# WANT_RC 0: stdout (--format csv) must equal WANT, which Python's csv module computes from
# the data. Otherwise: the exit status must be WANT_RC and stderr must hold WANT's
# '|'-separated fragments. NOOUT=path must not exist afterwards.
SQL_RSS_KB=${SQL_RSS_KB:-1000000}
SQL_VMEM_KB=${SQL_VMEM_KB:-2000000}
AND_TERMS=100000
if grep -qa __asan_init "$SLUICE"; then
  # Sanitizer builds unwind the stack at every malloc (fast_unwind_on_malloc=0, for Open MPI's
  # leak suppressions): 100,000 terms take a minute a rank there, 10,000 a few seconds.
  # Their RSS is not the engine's either: shadow memory, the quarantine of freed blocks and a
  # stored stack trace per allocation put the 10,000-term chain near 1 GB there.
  SQL_VMEM_KB=unlimited AND_TERMS=10000 SQL_RSS_KB=2000000
fi
sqlcheck() {
  local name=$1 want_rc=$2 jobf=$3 want=$4
  shift 4
  local np rc why f
  for np in $RANKS; do
    local out=$W/stdout.$name.$np err=$W/stderr.$name.$np
    rm -rf "${NOOUT:-$W/none}"
    ( ulimit -v "$SQL_VMEM_KB"
      /usr/bin/time -f %M -o "$W/rss.$name.$np" \
        timeout 120 mpirun -n "$np" "$SLUICE" run "$jobf" --format csv "$@" ) > "$out" 2> "$err"
    rc=$?
    why=()
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then why+=("timed out (hang) rc=$rc")
    elif [[ $rc -ne $want_rc ]]; then why+=("exit status $rc, expected $want_rc")
    fi
    # time(1) reports the largest process it waited for, directly or through mpirun.
    local rss
    rss=$(grep -o '^[0-9]*$' "$W/rss.$name.$np" | tail -1)
    [[ -n $rss && $rss -le $SQL_RSS_KB ]] || why+=("peak RSS ${rss:-?} KB > $SQL_RSS_KB KB")
    if [[ $want_rc -eq 0 ]]; then
      [[ $(cat "$out") == "$want" ]] || why+=("stdout '$(head -c 200 "$out")' != '$want'")
    else
      IFS='|' read -r -a fs <<< "$want"
      for f in "${fs[@]}"; do
        [[ -z $f ]] || grep -qF -- "$f" "$err" || why+=("stderr lacks '$f'")
      done
    fi
    if [[ -n ${NOOUT:-} && -e $NOOUT ]]; then why+=("$NOOUT exists: a -D value ran SQL"); fi
    if [[ ${#why[@]} -eq 0 ]]; then
      pass=$((pass + 1)); echo "ok   $name np=$np"
    else
      fail=$((fail + 1)); echo "FAIL $name np=$np"
      printf '    %s\n' "${why[@]}"
      echo "    \$ timeout 60 mpirun -n $np $SLUICE run $jobf --format csv $*"
      cut -c1-300 "$err" | sed -e 's/^/    stderr: /' | head -n 8
    fi
  done
}
# The oracle: count and sum(v) of the rows of CSV files (Python's csv module).
py_count_sum() {
  python3 - "$@" <<'PY'
import csv, sys
rows = [r for f in sys.argv[1:] for r in csv.DictReader(open(f, newline=""))]
print("n,s"); print("%d,%d" % (len(rows), sum(int(r["v"]) for r in rows)))
PY
}

# A path with a quote (and a double quote and a blank) in a -D value used inside a string:
# the file is read, and its rows are counted right.
Q="$D/it's \"q\" dir"
mkdir -p "$Q"
printf 'id,name,v\n1,a,5\n2,"b, c",7\n3,d,11\n' > "$Q/x.csv"
j=$(job quoted_path <<EOF
SELECT count(*) AS n, sum(v) AS s FROM read_csv('\${dir}/*.csv', header=true, $COLS);
EOF
)
sqlcheck param_quoted_path 0 "$j" "$(py_count_sum "$Q/x.csv")" -D "dir=$Q"

# SELECT DISTINCT over unnest(): the DISTINCT applies to the unnested rows (DuckDB's answer);
# the oracle is Python's set of the ids and 2.
j=$(job listlit <<EOF
CREATE VIEW g AS SELECT * FROM read_csv('$D/good/*.csv', header=true, $COLS);
SELECT DISTINCT unnest([id, 2]) AS u FROM g ORDER BY u DESC;
EOF
)
sqlcheck distinct_unnest 0 "$j" "$(python3 - "$D"/good/*.csv <<'PY'
import csv, sys
ids = {int(r["id"]) for f in sys.argv[1:] for r in csv.DictReader(open(f, newline=""))}
print("\n".join(["u"] + [str(v) for v in sorted(ids | {2}, reverse=True)]))
PY
)"

# A value that tries to end the string and add a COPY: it is only a (missing) file name.
j=$(job inject_str <<EOF
SELECT count(*) FROM read_csv('\${input}', header=true, $COLS);
EOF
)
inj="$D/good/a.csv', header=true, $COLS); COPY (SELECT id FROM read_csv('$D/good/a.csv', \
header=true, $COLS)) TO '$W/pwned' (FORMAT csv); SELECT count(*) FROM read_csv('$D/good/b.csv"
NOOUT=$W/pwned sqlcheck param_injection_in_string 4 "$j" "inject_str.sql:1:22: read_csv: no file" \
  -D "input=$inj"

# Outside a string the value must be one literal: a statement is refused, naming ${min}.
j=$(job inject_expr <<EOF
-- the parameter is at line 3, column 12
SELECT id FROM read_csv('$D/good/*.csv', header=true, $COLS)
WHERE v >  \${min};
EOF
)
NOOUT=$W/pwned2 sqlcheck param_injection_outside_string 3 "$j" \
  'inject_expr.sql:3:12: parameter ${min}|not a single literal' \
  -D "min=0; COPY (SELECT 1 AS x FROM read_csv('$D/good/a.csv')) TO '$W/pwned2' (FORMAT csv)"
# ... while a number, a list of files and a struct of columns are fine there.
j=$(job params_ok <<EOF
SELECT count(*) AS n, sum(v) AS s FROM read_csv(\${files}, header=true, columns=\${cols})
WHERE v > \${min};
EOF
)
sqlcheck param_literals 0 "$j" "$(python3 -c "
import csv
r = [x for f in ('a', 'b') for x in csv.DictReader(open('$D/good/%s.csv' % f, newline=''))]
r = [x for x in r if int(x['v']) > -25]
print('n,s'); print('%d,%d' % (len(r), sum(int(x['v']) for x in r)))")" \
  -D "files=['$D/good/a.csv', '$D/good/b.csv']" -D min=-25 \
  -D "cols={'id': 'BIGINT', 'name': 'VARCHAR', 'v': 'BIGINT'}"

# A 16,000-term sum (32 KB) is a clear error at the term that makes it too deep (it used to
# overflow the binder's stack).
python3 -c "print('SELECT ' + '+'.join(['v'] * 16000) +
  \" AS s FROM read_csv('$D/good/*.csv', header=true, $COLS);\")" > "$W/jobs/sum16k.sql"
sqlcheck deep_sum_16k 3 "$W/jobs/sum16k.sql" \
  "sum16k.sql:1:2008: expression too deeply nested: more than 1000 levels"

# A 100,000-term AND chain (1.6 MB) gives the right answer within 1 GB (it used to need more
# than 6 GB: every node copied its text).
python3 -c "print(\"SELECT count(*) AS n, sum(v) AS s FROM read_csv('$D/good/*.csv', \" +
  \"header=true, $COLS) WHERE \" + ' AND '.join(['v >= 10', 'id <> 3'] * ($AND_TERMS // 2)) +
  ';')" \
  > "$W/jobs/and100k.sql"
sqlcheck and_chain_100k 0 "$W/jobs/and100k.sql" "$(python3 -c "
import csv
r = [x for f in ('a', 'b') for x in csv.DictReader(open('$D/good/%s.csv' % f, newline=''))]
r = [x for x in r if int(x['v']) >= 10 and int(x['id']) != 3]
print('n,s'); print('%d,%d' % (len(r), sum(int(x['v']) for x in r)))")"

# 100,000 nested parentheses: an error, not a crash.
python3 -c "print('SELECT ' + '(' * 100000 + 'v' + ')' * 100000 +
  \" FROM read_csv('$D/good/*.csv', header=true, $COLS);\")" > "$W/jobs/parens.sql"
sqlcheck deep_parens 3 "$W/jobs/parens.sql" "parens.sql:1:207: expression or query nested too deeply"

# 100,000 parentheses around a FROM clause: an error, not a crash.
python3 -c "print(\"SELECT 1 AS x FROM \" + '(' * 100000 + \"read_csv('$D/good/*.csv', \" +
  \"header=true, $COLS)\" + ')' * 100000 + ';')" > "$W/jobs/fromparens.sql"
sqlcheck deep_from_parens 3 "$W/jobs/fromparens.sql" \
  "fromparens.sql:1:219: expression or query nested too deeply"

# A NUL byte is an error at its line and column, not the silent end of the job.
{ printf "SELECT count(*) FROM read_csv('%s/good/*.csv', header=true, %s);\n" "$D" "$COLS"
  printf 'SELECT \0 nosuch FROM t;\n'; } > "$W/jobs/nul.sql"
sqlcheck nul_byte 3 "$W/jobs/nul.sql" "nul.sql:2:8: syntax error: NUL byte"

echo "failures: $pass passed, $fail failed, $skip skipped"
[[ $fail -eq 0 ]]
