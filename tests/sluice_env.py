"""What every Python test runner needs to start sluice: the repository root, the binary
(env SLUICE, default build/sluice, made absolute) and the Open MPI settings for running as
root with more ranks than cores (without mpi_yield_when_idle oversubscribed ranks busy-poll;
pml ob1 skips Open MPI's UCX/OFI probing, ~0.2 s of every start on one host).
Import it after `sys.path.insert(0, <tests dir>)`."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SLUICE = os.environ.get("SLUICE", "build/sluice")
if not os.path.isabs(SLUICE):
    SLUICE = os.path.join(ROOT, SLUICE)
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1", "OMPI_MCA_mpi_yield_when_idle": "1",
           "OMPI_MCA_pml": "ob1"}
# Optional tools whose absence must fail a suite instead of skipping its checks: env
# SLUICE_REQUIRE, comma-separated (.ci/run sets "slurm,chromium,tmpfs").
REQUIRE = {x.strip() for x in os.environ.get("SLUICE_REQUIRE", "").split(",") if x.strip()}
# The process environment with MPI_ENV filled in where unset.
ENV = dict(os.environ)
for _k, _v in MPI_ENV.items():
    ENV.setdefault(_k, _v)
