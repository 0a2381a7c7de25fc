#!/usr/bin/env bash
# Installs what sluice needs to build, test, demo and benchmark on Debian 12 (run as root, or
# with sudo available). Idempotent: packages already present are skipped by apt.
set -euo pipefail
pkgs=(
  build-essential make pkg-config
  openmpi-bin libopenmpi-dev             # MPI runtime and mpicc
  libhdf5-openmpi-dev hdf5-tools          # parallel HDF5 (openmpi flavour)
  python3-h5py                            # tests/formats: HDF5 files made and read by h5py
  zlib1g-dev libzstd-dev zstd             # compressed CSV in and out (.gz, .zst); zstd tool
  libsqlite3-dev                          # COPY ... TO 'sqlite:x.db' (TABLE t)
  libpq-dev postgresql                    # COPY ... TO 'postgresql://...'; tests start a server
  libcsv-dev                              # CSV parser (RFC 4180)
  libgsl-dev                              # statistics (median, quantiles)
  libxxhash-dev                           # stable 64-bit hashing for the exchange
  libpcre2-dev                            # regexp_* scalar functions
  nettle-dev                              # md5 / sha256 scalar functions
  sqlite3                                 # test oracle
  clang libclang-rt-14-dev                # libFuzzer + sanitizer runtimes (make fuzz, suite fuzz)
  python3 python3-pandas python3-numpy    # benchmark baseline, data generators
  time                                    # /usr/bin/time -v for peak RSS in bench/
  chromium                                # tests/obs renders the --report HTML headless
  python3-fusepy                          # tests/copy: a case-insensitive FUSE mount
  man-db environment-modules              # tests/install: man -l, lexgrog, `module load sluice`
  python3-mpi4py python3-venv python3-pip # the Python package (python/): mpi4py; pip in a venv
  iproute2                                # tests/nodes: ip netns, veth, bridge (simulated nodes)
)
# tests/dialect, tests/stats and bench: DuckDB through npm's @duckdb/node-api. Only when npm is
# missing: a machine with NodeSource's nodejs (npm bundled) cannot take Debian's npm beside it.
command -v npm >/dev/null || pkgs+=(nodejs npm)
# --bench: also what bench/compare.sh and the scaling plots need (not needed by make test).
if [ "${1:-}" = --bench ]; then
  pkgs+=(gnuplot-nox python3-dask python3-distributed)   # plots; Dask LocalCluster baseline
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
