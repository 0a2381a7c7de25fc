#!/usr/bin/env bash
# Install tests (`make install-check`): sluice installed like an HPC tool.
#
#   1. `make install DESTDIR=stage PREFIX=/opt/...` puts exactly the expected files under
#      stage/opt/... (the list below), libsluice.so's soname is libsluice.so.0 and the .so
#      links point at it, it exports exactly the functions the installed header declares,
#      sluice.pc and the modulefile name PREFIX and never DESTDIR, and
#      `make uninstall` with the same variables leaves no file and no sluice folder behind;
#   2. installed into a scratch PREFIX: a C program (tests/install/api_job.c, copied out of
#      the source tree) builds with plain `cc` and `pkg-config --cflags --libs sluice` alone,
#      ldd resolves libsluice.so.0 in PREFIX/lib, and at 1 and 2 ranks its answer to a GROUP BY
#      over 4 CSV files equals sqlite3's (tests/install/data.py);
#      The same program linked with libsluice.a through `pkg-config --static` needs no
#      libsluice.so and gives the same answers;
#   2b. in situ, from the install tree only: `make examples PREFIX=...` builds examples/heat.c
#      (cc + pkg-config); at 1-3 ranks its per-region statistics every 10 steps and its
#      partitioned result equal a direct computation (tests/install/heat_check.py);
#      tests/install/api_insitu.c checks the API: every column type and NULL round-trips,
#      gathered and partitioned cursors, tables larger than a batch, agreed errors;
#   2c. Python (tests/install/check_python.py under mpirun -n N python3): N = 1 and 3 with the
#      package and libsluice.so.0 from the install tree (PYTHONPATH only), N = 2 pip-installed
#      into a venv; skipped without numpy, pandas and mpi4py;
#   3. `module load sluice` (Environment Modules' modulecmd; a skip without it) sets PATH,
#      MANPATH, PKG_CONFIG_PATH and LD_LIBRARY_PATH into PREFIX, and the sluice, man page and
#      pkg-config found through them are the installed ones; the man page renders without
#      warnings and lists the options --help lists (tests/install/check_man.py); the installed
#      sluice runs `-c SQL` and `run -` (standard input) like sqlite3 and shows an error's line
#      with a caret under its position (tests/install/check_cli.py);
#   4. `make uninstall PREFIX=...` leaves no file and no sluice folder behind (the shared
#      folders bin/, lib/pkgconfig/, share/man/man1/ ... stay, as automake's uninstall does).
#
# Prints "ok   WHAT" / "FAIL WHAT" per check and "install: N passed, M failed, K skipped";
# exits 1 on any failure. BUILD (default build) must hold a built sluice and libsluice.so.
# Keep the scratch dir with KEEP=1.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../sluice_env.sh"
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
PASS=0 FAIL=0 SKIP=0
ok()   { echo "ok   $*"; PASS=$((PASS + 1)); }
fail() { echo "FAIL $*"; FAIL=$((FAIL + 1)); }
skip() { echo "skip $*"; SKIP=$((SKIP + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-install.XXXXXX")
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$W"' EXIT
VERSION=$("$SLUICE" --version | awk '{print $2}')
mk() { "$MAKE" -C "$ROOT" --no-print-directory -s BUILD="$BUILD" "$@" >"$W/make.log" 2>&1 ||
         { cat "$W/make.log"; return 1; }; }

# What `make install` writes, relative to PREFIX (l = a symbolic link).
expected_files() {
  cat <<LIST
f bin/sluice
f include/sluice/sluice.h
f lib/libsluice.a
l lib/libsluice.so
l lib/libsluice.so.0
f lib/libsluice.so.$VERSION
f lib/pkgconfig/sluice.pc
f share/man/man1/sluice.1
f share/modulefiles/sluice/$VERSION
LIST
  for f in "$ROOT"/jobs/examples/*.sql; do echo "f share/sluice/examples/${f##*/}"; done
  echo "f share/sluice/examples/heat.c"
  echo "f lib/python3/dist-packages/sluice/__init__.py"
  echo "f share/sluice/sbatch/requeue.sbatch"
  echo "f share/sluice/sbatch/sluice.sbatch"
}
listing() {  # listing DIR: "f path" / "l path" for every file and link under DIR, sorted
  (cd "$1" && find . \( -type f -printf 'f %P\n' \) -o \( -type l -printf 'l %P\n' \)) | sort
}

# ---- 1. staged install (DESTDIR) -----------------------------------------------------------
OPT=/opt/sluice-install-test
STAGE=$W/stage
if mk install DESTDIR="$STAGE" PREFIX="$OPT"; then ok "make install DESTDIR PREFIX"
else fail "make install DESTDIR PREFIX"; fi
P=$STAGE$OPT
if diff <(expected_files | sort) <(listing "$P") > "$W/list.diff"; then ok "installed file list"
else fail "installed file list:"; cat "$W/list.diff"; fi
check "nothing outside DESTDIR$OPT" test "$(listing "$STAGE" | grep -vc "^[fl] ${OPT#/}/")" = 0
soname=$(readelf -d "$P/lib/libsluice.so.$VERSION" 2>/dev/null |
         sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
check "readelf: soname libsluice.so.0 (got '$soname')" test "$soname" = libsluice.so.0
check "libsluice.so -> libsluice.so.0 -> libsluice.so.$VERSION" \
  test "$(readlink "$P/lib/libsluice.so")" = libsluice.so.0 -a \
       "$(readlink "$P/lib/libsluice.so.0")" = "libsluice.so.$VERSION"
# The .so exports exactly the functions the installed header declares (packaging/libsluice.map).
nm -D --defined-only "$P/lib/libsluice.so.$VERSION" |
  awk '$2 == "T" {sub(/@.*/, "", $3); print $3}' | sort > "$W/exports"
grep -o '\bsl_[a-z_]*(' "$P/include/sluice/sluice.h" | tr -d '(' | sort -u > "$W/declared"
if diff "$W/declared" "$W/exports" > "$W/exports.diff"; then
  ok "libsluice.so exports exactly the header's $(wc -l < "$W/declared") functions"
else
  fail "libsluice.so exports exactly the header's functions" \
       "($(grep -c '^>' "$W/exports.diff") more)"
  grep '^<' "$W/exports.diff"
fi
check "libsluice.a holds the engine (sl_session_run)" \
  bash -c "nm '$P/lib/libsluice.a' 2>/dev/null | grep -q ' T sl_session_run$'"
check "no installed file names DESTDIR" test -z "$(grep -rl "$STAGE" "$STAGE")"
check "sluice.pc: prefix=$OPT" grep -qx "prefix=$OPT" "$P/lib/pkgconfig/sluice.pc"
check "modulefile: prefix $OPT" grep -qx "set prefix $OPT" "$P/share/modulefiles/sluice/$VERSION"
for f in sluice requeue; do
  check "$f.sbatch defaults to PREFIX/bin/sluice" \
    grep -q "SLUICE:-$OPT/bin/sluice}" "$P/share/sluice/sbatch/$f.sbatch"
done
check "installed binary runs (--version)" \
  test "$("$P/bin/sluice" --version)" = "sluice $VERSION"
if mk uninstall DESTDIR="$STAGE" PREFIX="$OPT"; then ok "make uninstall DESTDIR PREFIX"
else fail "make uninstall DESTDIR PREFIX"; fi
check "uninstall (DESTDIR) leaves no file" test -z "$(listing "$STAGE")"
left=$(cd "$STAGE$OPT" && find . -name '*sluice*')
check "uninstall (DESTDIR) leaves no sluice folder${left:+ ($left)}" test -z "$left"

# ---- 2. a program built from the install tree only -----------------------------------------
PREFIX=$W/prefix
if mk install PREFIX="$PREFIX"; then ok "make install PREFIX"; else fail "make install PREFIX"; fi
mkdir -p "$W/user"
cp "$ROOT/tests/install/api_job.c" "$W/user/"
# The user's shell: no source tree, only what the installed tree says.
user_env=(env -u CPATH -u LIBRARY_PATH PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig")
if (cd "$W/user" && "${user_env[@]}" bash -c \
      'cc -o api_job api_job.c $(pkg-config --cflags --libs sluice)') > "$W/cc.log" 2>&1; then
  ok "cc api_job.c \$(pkg-config --cflags --libs sluice)"
else
  fail "cc api_job.c \$(pkg-config --cflags --libs sluice)"; cat "$W/cc.log"
fi
check "pkg-config --modversion sluice = $VERSION" \
  test "$("${user_env[@]}" pkg-config --modversion sluice)" = "$VERSION"
check "pkg-config --cflags names no source folder" \
  bash -c "! PKG_CONFIG_PATH='$PREFIX/lib/pkgconfig' pkg-config --cflags --libs sluice |
           grep -q '$ROOT'"
check "ldd: libsluice.so.0 from PREFIX/lib" bash -c \
  "LD_LIBRARY_PATH='$PREFIX/lib' ldd '$W/user/api_job' |
   grep -q 'libsluice.so.0 => $PREFIX/lib/libsluice.so.0 '"
check "readelf: api_job needs libsluice.so.0" bash -c \
  "readelf -d '$W/user/api_job' | grep -q 'NEEDED.*\[libsluice.so.0\]'"

python3 "$ROOT/tests/install/data.py" gen "$W/data"
cat > "$W/job.sql" <<'SQL'
SELECT k, count(*) AS n, count(v) AS nv, sum(v) AS s, min(v) AS lo, max(v) AS hi
FROM read_csv('${input}', header=true, columns={'k': 'VARCHAR', 'v': 'BIGINT'})
GROUP BY k ORDER BY k;
SQL
for np in 1 2; do
  rm -f "$W/out.csv"
  if (cd "$W/user" && LD_LIBRARY_PATH="$PREFIX/lib" timeout 60 mpirun -n $np ./api_job \
        "$W/job.sql" "$W/out.csv" "input=$W/data/*.csv") > "$W/run.log" 2>&1 &&
     python3 "$ROOT/tests/install/data.py" check "$W/out.csv" "$W/data"; then
    ok "api_job np=$np equals sqlite3"
  else
    fail "api_job np=$np equals sqlite3"; tail -5 "$W/run.log"
  fi
done

# libsluice.a through `pkg-config --static`: every library the archive needs is listed and
# exists (Debian 12's libpq.pc would add -lpgcommon -lpgport, which no client package ships),
# the program needs no libsluice.so, and it gives the same answer.
if (cd "$W/user" && "${user_env[@]}" bash -c 'cc -o api_static api_job.c \
      $(pkg-config --static --cflags --libs sluice | sed "s/-lsluice /-l:libsluice.a /")') \
      > "$W/cc-static.log" 2>&1; then
  ok "cc api_job.c \$(pkg-config --static --cflags --libs sluice) with libsluice.a"
else
  fail "cc api_job.c \$(pkg-config --static --cflags --libs sluice) with libsluice.a"
  cat "$W/cc-static.log"
fi
check "readelf: the static build needs no libsluice.so" bash -c \
  "readelf -d '$W/user/api_static' | grep -q NEEDED &&
   ! readelf -d '$W/user/api_static' | grep -q 'NEEDED.*libsluice'"
for np in 1 2; do
  rm -f "$W/out.csv"
  if (cd "$W/user" && timeout 60 mpirun -n $np ./api_static \
        "$W/job.sql" "$W/out.csv" "input=$W/data/*.csv") > "$W/run.log" 2>&1 &&
     python3 "$ROOT/tests/install/data.py" check "$W/out.csv" "$W/data"; then
    ok "api_job (libsluice.a) np=$np equals sqlite3"
  else
    fail "api_job (libsluice.a) np=$np equals sqlite3"; tail -5 "$W/run.log"
  fi
done

# ---- 2b. in situ: the example and the API test, built from the install tree only ----------
# `make examples` builds examples/heat.c with cc and pkg-config alone; its per-region
# statistics every 10 steps must equal a direct computation (tests/install/heat_check.py).
if (cd "$W/user" && "${user_env[@]}" "$MAKE" -C "$ROOT" --no-print-directory -s examples \
      PREFIX="$PREFIX" EXAMPLES_OUT="$W/user") > "$W/ex.log" 2>&1; then
  ok "make examples PREFIX (cc + pkg-config only)"
else
  fail "make examples PREFIX"; cat "$W/ex.log"
fi
check "installed examples/heat.c is the source's" \
  cmp -s "$ROOT/examples/heat.c" "$PREFIX/share/sluice/examples/heat.c"
check "ldd: heat uses PREFIX/lib/libsluice.so.0" bash -c \
  "LD_LIBRARY_PATH='$PREFIX/lib' ldd '$W/user/heat' |
   grep -q 'libsluice.so.0 => $PREFIX/lib/libsluice.so.0 '"
cat > "$W/regions.csv" <<'CSV'
region,name
0,west
1,west-central
2,centre-west
3,centre-east
4,east-central
5,east
CSV
for np in 1 2 3; do
  if (cd "$W/user" && LD_LIBRARY_PATH="$PREFIX/lib" timeout 60 mpirun -n $np ./heat 1200 40 \
        "$W/regions.csv") > "$W/heat.$np" 2> "$W/heat.err" &&
     python3 "$ROOT/tests/install/heat_check.py" "$W/heat.$np" 1200 40 "$W/regions.csv" \
       > "$W/heat.check" 2>&1; then
    ok "examples/heat np=$np: per-region statistics equal a direct computation"
  else
    fail "examples/heat np=$np"; tail -5 "$W/heat.err" "$W/heat.check" 2>/dev/null
  fi
done
cp "$ROOT/tests/install/api_insitu.c" "$W/user/"
if (cd "$W/user" && "${user_env[@]}" bash -c \
      'cc -o api_insitu api_insitu.c $(pkg-config --cflags --libs sluice)') > "$W/cc2.log" 2>&1
then
  for np in 1 2 3; do
    if (cd "$W/user" && LD_LIBRARY_PATH="$PREFIX/lib" timeout 60 mpirun -n $np ./api_insitu) \
         > "$W/insitu.$np" 2>&1; then
      ok "api_insitu np=$np: $(tail -1 "$W/insitu.$np")"
    else
      fail "api_insitu np=$np:"; grep -v '^ok' "$W/insitu.$np" | head -20
    fi
  done
else
  fail "cc api_insitu.c \$(pkg-config --cflags --libs sluice)"; cat "$W/cc2.log"
fi

# ---- 2c. Python: the package from the install tree and from pip in a venv ------------------
# tests/install/check_python.py under mpirun -n N python3: sluice.sql vs sqlite3 on the e2e
# data, a registered DataFrame round-trips exactly, partitioned results, errors on every rank,
# run_job with params. It also checks that sluice and libsluice.so.0 came from where expected.
PY=${PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import numpy, pandas, mpi4py' 2>/dev/null; then
  skip "python (no numpy/pandas/mpi4py for $PY: scripts/install-deps.sh)"
else
  "$PY" "$ROOT/scripts/gen_testdata.py" "$W/e2e-data" > /dev/null
  pyrun() {  # pyrun NP NAME PYTHON [env...]
    local np=$1 name=$2 py=$3; shift 3
    mkdir -p "$W/py-$name-$np"
    if (cd "$W/user" && env "$@" timeout 120 mpirun -n "$np" "$py" \
          "$ROOT/tests/install/check_python.py" "$W/e2e-data" "$W/py-$name-$np") \
          > "$W/py.log" 2>&1; then
      ok "python ($name) np=$np: $(tail -1 "$W/py.log")"
    else
      fail "python ($name) np=$np:"; grep -v '^ok' "$W/py.log" | tail -30
    fi
  }
  # np=2 runs from the venv below: 1-3 ranks in all, without a fourth start of pandas.
  for np in 1 3; do
    pyrun $np "install tree" "$PY" PYTHONPATH="$PREFIX/lib/python3/dist-packages" \
      SLUICE_EXPECT_PKG="$PREFIX/lib/python3/dist-packages/sluice" \
      SLUICE_EXPECT_LIB="$PREFIX/lib/libsluice.so.$VERSION"
  done
  # pip: Debian 12's pip refuses the system site (PEP 668), so a venv that sees the Debian
  # numpy/pandas/mpi4py; offline, hence --no-build-isolation (setuptools from the system).
  cp -r "$ROOT/python" "$W/pysrc"
  if "$PY" -m venv --system-site-packages --without-pip "$W/venv" > "$W/pip.log" 2>&1 &&
     "$W/venv/bin/python" -m pip install -q --no-build-isolation "$W/pysrc" >> "$W/pip.log" 2>&1
  then
    ok "pip install --no-build-isolation ./python (venv --system-site-packages)"
    pyrun 2 "pip venv" "$W/venv/bin/python" LD_LIBRARY_PATH="$PREFIX/lib" \
      SLUICE_EXPECT_PKG="$W/venv/lib/" SLUICE_EXPECT_LIB="$PREFIX/lib/libsluice.so.$VERSION"
  else
    fail "pip install ./python:"; tail -5 "$W/pip.log"
  fi
fi

# ---- 3. the modulefile and the man page ----------------------------------------------------
MODULECMD=$(command -v modulecmd || true)
if [[ -z $MODULECMD ]]; then
  skip "module load sluice (no modulecmd: apt-get install environment-modules)"
else
  # A clean environment, as after login: only the module system's own variables.
  menv=(env -i HOME="$HOME" PATH=/usr/bin:/bin MODULEPATH="$PREFIX/share/modulefiles")
  "${menv[@]}" "$MODULECMD" bash load sluice > "$W/module.sh" 2> "$W/module.err"
  got=$("${menv[@]}" bash -c ". '$W/module.sh'; echo \"PATH=\$PATH\"; \
        echo \"MANPATH=\$MANPATH\"; echo \"PKG_CONFIG_PATH=\$PKG_CONFIG_PATH\"; \
        echo \"LD_LIBRARY_PATH=\$LD_LIBRARY_PATH\"; echo \"which=\$(command -v sluice)\"; \
        echo \"PYTHONPATH=\$PYTHONPATH\"; \
        echo \"man=\$(man -w sluice 2>/dev/null)\"; \
        echo \"pc=\$(pkg-config --variable=prefix sluice)\"")
  for want in "PATH=$PREFIX/bin:" "MANPATH=$PREFIX/share/man" \
              "PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig" "LD_LIBRARY_PATH=$PREFIX/lib" \
              "which=$PREFIX/bin/sluice" "man=$PREFIX/share/man/man1/sluice.1" \
              "PYTHONPATH=$PREFIX/lib/python3/dist-packages" \
              "pc=$PREFIX"; do
    if grep -q "^$want" <<<"$got"; then ok "module load sluice: $want"
    else fail "module load sluice: $want (got: $(tr '\n' ' ' <<<"$got") $(cat "$W/module.err"))"
    fi
  done
fi
if python3 "$ROOT/tests/install/check_man.py" "$PREFIX/bin/sluice" \
     "$PREFIX/share/man/man1/sluice.1" > "$W/man.log" 2>&1; then
  ok "man page: renders without warnings, lexgrog, same options as --help"
else
  fail "man page:"; grep -v '^ok' "$W/man.log"
fi

# The installed binary's command-line habits: -c SQL, run - (stdin), line and caret on errors.
if python3 "$ROOT/tests/install/check_cli.py" "$PREFIX/bin/sluice" > "$W/cli.log" 2>&1; then
  ok "cli: -c SQL, run - (stdin), line and caret under an error's position"
else
  fail "cli:"; grep -v '^ok' "$W/cli.log" | head -40
fi

# ---- 4. uninstall --------------------------------------------------------------------------
if mk uninstall PREFIX="$PREFIX"; then ok "make uninstall PREFIX"
else fail "make uninstall PREFIX"; fi
check "uninstall leaves no file" test -z "$(listing "$PREFIX")"
left=$(cd "$PREFIX" && find . -name '*sluice*')
check "uninstall leaves no sluice folder${left:+ ($left)}" test -z "$left"

echo "install: $PASS passed, $FAIL failed, $SKIP skipped"
[[ $FAIL == 0 ]]
