# shellcheck shell=bash
# Sourced by the shell test runners (the Python ones use tests/sluice_env.py): ROOT, the
# binary SLUICE (env, default build/sluice, made absolute) and the Open MPI settings for
# running as root with more ranks than cores; without mpi_yield_when_idle oversubscribed ranks
# busy-poll; pml ob1 skips Open MPI's UCX/OFI probing (~0.2 s of every start on one host, where
# it picks ob1 anyway). Values already in the environment win.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SLUICE=${SLUICE:-build/sluice}
[[ $SLUICE == /* ]] || SLUICE=$ROOT/$SLUICE
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
export OMPI_MCA_rmaps_base_oversubscribe=${OMPI_MCA_rmaps_base_oversubscribe:-1}
export OMPI_MCA_mpi_yield_when_idle=${OMPI_MCA_mpi_yield_when_idle:-1}
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
