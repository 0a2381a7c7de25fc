#!/usr/bin/env bash
# The folders of src/ in dependency order (README "Layout"): a file may include headers of
# its own folder and of folders before it, never of a folder after it, and never another
# folder's private header (<area>_int.h). include/sluice/ (the public API) is allowed
# everywhere. Prints one line per violation and "layers: N passed, M failed, 0 skipped"
# (N = files checked); exits 1 on any violation. `make layers`, part of `make test`.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ORDER=(core batch mpi obs spill io func plan sql exec session cli)
declare -A RANK
for i in "${!ORDER[@]}"; do RANK[${ORDER[$i]}]=$i; done
pass=0 fail=0
for dir in "$ROOT"/src/*/; do
  d=$(basename "$dir")
  if [[ -z ${RANK[$d]+x} ]]; then
    echo "FAIL src/$d/: a folder that is not in the dependency order (add it to ${0##*/})"
    fail=$((fail + 1))
    continue
  fi
  for f in "$dir"*.[ch]; do
    [[ -e $f ]] || continue
    bad=0
    while IFS=: read -r line inc; do
      area=${inc%%/*}
      [[ $area == sluice ]] && continue
      if [[ -z ${RANK[$area]+x} ]]; then
        echo "FAIL src/$d/${f##*/}:$line includes \"$inc\": unknown folder"
        bad=1
      elif (( RANK[$area] > RANK[$d] )); then
        echo "FAIL src/$d/${f##*/}:$line includes \"$inc\": $area comes after $d"
        bad=1
      elif [[ $area != "$d" && $inc == *_int.h ]]; then
        echo "FAIL src/$d/${f##*/}:$line includes \"$inc\": private to $area"
        bad=1
      fi
    done < <(grep -no '^#include "[a-z_]*/[^"]*"' "$f" | sed 's/#include "\(.*\)"/\1/')
    if (( bad )); then fail=$((fail + 1)); else pass=$((pass + 1)); fi
  done
done
echo "layers: $pass passed, $fail failed, 0 skipped"
(( fail == 0 ))
