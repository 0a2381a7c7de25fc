#!/usr/bin/env bash
# Runs each unit-test binary; those named test_mpi_* run under mpirun at 1, 2, 3 and 5 ranks.
# Prints one total line "unit: N passed, M failed, 0 skipped" (nothing is skipped: every binary
# given runs, at every rank count) and exits non-zero on any failure.
set -u
pass=0 fail=0
for t in "$@"; do
  name=$(basename "$t")
  if [[ $name == test_mpi_* ]]; then
    for np in 1 2 3 5; do
      if timeout 120 mpirun -n $np "$t" > /tmp/sluice-unit.$$ 2>&1; then
        pass=$((pass+1)); echo "ok   $name (np=$np)"
      else
        fail=$((fail+1)); echo "FAIL $name (np=$np)"; cat /tmp/sluice-unit.$$
      fi
    done
  else
    if timeout 120 "$t" > /tmp/sluice-unit.$$ 2>&1; then
      pass=$((pass+1)); echo "ok   $name"
    else
      fail=$((fail+1)); echo "FAIL $name"; cat /tmp/sluice-unit.$$
    fi
  fi
done
rm -f /tmp/sluice-unit.$$
echo "unit: $pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
