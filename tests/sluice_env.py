"""What every Python test runner needs to start sluice: the repository root, the binary
(env SLUICE, default build/sluice, made absolute) and the Open MPI settings for running as
root with more ranks than cores (without mpi_yield_when_idle oversubscribed ranks busy-poll;
pml ob1 skips Open MPI's UCX/OFI probing, ~0.2 s of every start on one host).
Import it after `sys.path.insert(0, <tests dir>)`."""
import atexit
import os
import shutil
import tempfile
import threading

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
# ENV for suites whose cases never signal a live rank (e2e, dialect, rejects, edge): after a
# rank exits non-zero at 1 or 2 ranks, mpirun sleeps its SIGTERM-then-SIGKILL grace
# (odls_base_sigkill_timeout, 1 s) twice even when no rank is left to kill, 2 s of every error
# case. Suites that signal ranks (faults, copy, formats, nodes, slurm) keep the grace: sluice's
# stop-signal cleanup runs in it.
ENV_NO_SIGNALS = dict(ENV)
ENV_NO_SIGNALS.setdefault("OMPI_MCA_odls_base_sigkill_timeout", "0")

_SESSION = threading.local()


def mpirun(np):
    """The start of an mpirun command line for np ranks, for suites that start several mpiruns
    at a time: each thread's mpiruns keep Open MPI's session directory under a base of their
    own. Open MPI 4.1 creates and removes the shared top session directory (/tmp/ompi.HOST.UID)
    without locking; two mpiruns starting at once can fail in orte_init ("mkdir ...: File
    exists") before any rank runs."""
    base = getattr(_SESSION, "base", None)
    if base is None:
        base = _SESSION.base = tempfile.mkdtemp(prefix="sluice-ompi-")
        atexit.register(shutil.rmtree, base, True)
    return ["mpirun", "--mca", "orte_tmpdir_base", base, "-n", str(np)]


def run_watched(cmd, mark, idle, env=None, cwd=None):
    """subprocess.run(cmd, capture_output=True) for a batch of test cases in one job: ends cmd
    (SIGTERM to its process group, SIGKILL 10 s later; exit status 124, as `timeout` gives) once
    idle seconds pass without a new occurrence of the bytes mark on its stdout, i.e. each case
    (one mark each) gets the time limit a case alone got, however many the batch has."""
    import select
    import signal
    import subprocess
    import threading
    import time
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                         start_new_session=True)
    err = []
    reader = threading.Thread(target=lambda: err.append(p.stderr.read()))
    reader.start()
    out, scan, last, killed = bytearray(), 0, time.monotonic(), None
    fd = p.stdout.fileno()
    while True:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            out += chunk
            found = out.find(mark, scan)
            while found >= 0:
                last, scan = time.monotonic(), found + len(mark)
                found = out.find(mark, scan)
        now = time.monotonic()
        if killed is None and now - last > idle:
            killed = now
            _signal_group(p.pid, signal.SIGTERM)
        elif killed is not None and now - killed > 10:
            _signal_group(p.pid, signal.SIGKILL)
    p.wait()
    reader.join()
    return subprocess.CompletedProcess(cmd, 124 if killed is not None else p.returncode,
                                       bytes(out), err[0] if err else b"")


def _signal_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass
