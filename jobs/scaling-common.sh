#!/bin/bash
# jobs/scaling-common.sh MODE [scaling.sh options] - the body of jobs/strong-scaling.sbatch and
# jobs/weak-scaling.sbatch (run inside the allocation, from the repository root): picks the
# launcher and the rank counts, then runs scripts/scaling.sh and keeps its settings.
set -euo pipefail
mode=$1
shift
jobid=${SLURM_JOB_ID:-local-$$}
out=${SLUICE_RESULTS:-sluice-results/$mode-$jobid.jsonl}
mkdir -p "$(dirname "$out")"
ntasks=${SLURM_NTASKS:-$(nproc)}
nodes=${SLURM_JOB_NUM_NODES:-1}
cores=${SLURM_CPUS_ON_NODE:-$(nproc)}
# -O (overcommit) jobs run more ranks than cores: let Open MPI yield instead of spinning.
[ $(( (ntasks + nodes - 1) / nodes )) -le "$cores" ] || export OMPI_MCA_mpi_yield_when_idle=1
# Powers of two below the allocation, then the allocation itself.
ranks="" r=1
while [ "$r" -lt "$ntasks" ]; do ranks="$ranks $r"; r=$((r * 2)); done
ranks="${ranks# } $ntasks"
launcher=mpirun
if command -v srun >/dev/null && srun --mpi=list 2>&1 | grep -q pmix; then launcher=srun; fi
launcher=${SLUICE_LAUNCHER:-$launcher}
echo "scaling-common: $mode, ranks $ranks, launcher $launcher, results $out" >&2
bash scripts/scaling.sh --mode "$mode" --ranks "$ranks" --launcher "$launcher" --out "$out" "$@"
