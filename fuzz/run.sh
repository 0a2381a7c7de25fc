#!/usr/bin/env bash
# Runs the libFuzzer targets (`make fuzz`: FUZZ_TIME=300 s each; suite `fuzz` in `make test`:
# 20 s each). Usage: fuzz/run.sh BUILD_DIR SECONDS. New inputs go to a scratch corpus (the
# committed seeds in fuzz/corpus/<target>/ are read, never written); a crash or a failed
# invariant is copied to fuzz/crashes/ so it can be replayed with `BUILD_DIR/fuzz_<t> FILE`.
# Prints "ok   fuzz_<t>" / "FAIL fuzz_<t>" and "fuzz: N passed, M failed"; exits 1 on failure.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-build-fuzz}
T=${2:-20}
[[ $B == /* ]] || B=$ROOT/$B
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-fuzz.XXXXXX")
trap 'rm -rf "$W"' EXIT
# Leaks are bugs here (no MPI in these targets); UBSan must stop at the first report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
pass=0 fail=0
for t in sql csv double; do
  mkdir -p "$W/$t"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb keeps the shared machine safe.
  if timeout $((T + 120)) "$B/fuzz_$t" "$W/$t" "$ROOT/fuzz/corpus/$t" -max_total_time="$T" \
       -timeout=10 -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$W/" \
       -print_final_stats=1 > "$W/log.$t" 2>&1; then
    pass=$((pass + 1))
    echo "ok   fuzz_$t ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$W/log.$t" |
          grep -o '[0-9]*$') runs in $T s)"
  else
    fail=$((fail + 1))
    echo "FAIL fuzz_$t"
    tail -40 "$W/log.$t" | sed 's/^/    /'
    mkdir -p "$ROOT/fuzz/crashes"
    cp "$W"/crash-* "$W"/leak-* "$W"/timeout-* "$W"/oom-* "$ROOT/fuzz/crashes/" 2>/dev/null
  fi
done
echo "fuzz: $pass passed, $fail failed"
[[ $fail == 0 ]]
