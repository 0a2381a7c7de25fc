# sluice: build, test, demo. See README.md.
#   make            build build/sluice
#   make test       install deps (Debian), build, run unit + end-to-end tests
#   make demo       install deps, build, generate sample data, run the demo job on 2 ranks
#   make SANITIZE=1 ASan + UBSan build (objects under build-san/)
#   make FAULT_INJECTION=1  build with the fault hooks (SLUICE_FAULT, ...) under build-fi/
-include local.mk

CC       ?= mpicc
ifeq ($(CC),cc)
CC := mpicc
endif
PKG_CONFIG ?= pkg-config
WERROR   ?=
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter $(WERROR) -MMD -MP
CPPFLAGS += -Isrc -Iinclude
LDLIBS   += -lcsv -lxxhash -lgsl -lgslcblas -lm
# Formats (src/io): parallel HDF5 (openmpi flavour), gzip and zstd for compressed CSV, SQLite, PostgreSQL (libpq).
FMT_PKGS := hdf5-openmpi zlib libzstd sqlite3 libpq
CPPFLAGS += $(shell $(PKG_CONFIG) --cflags $(FMT_PKGS))
LDLIBS   += $(shell $(PKG_CONFIG) --libs $(FMT_PKGS))
# Scalar functions (src/func): PCRE2 for regexp_*, nettle for md5/sha256.
FN_PKGS  := libpcre2-8 nettle
CPPFLAGS += $(shell $(PKG_CONFIG) --cflags $(FN_PKGS))
LDLIBS   += $(shell $(PKG_CONFIG) --libs $(FN_PKGS))

# Fault injection (SLUICE_FAULT, SLUICE_SPILL_ENOSPC_AFTER; src/core/fault.h) is compiled in
# only on request: `make` builds the release build/sluice, which ignores both variables with a
# warning. FAULT_INJECTION=1 defines SL_FAULT_INJECTION and builds under build-fi/. The suites
# that inject faults (unit, spill, faults) rerun themselves on build-fi/ (one extra build); a
# sanitizer build is a test build, so SANITIZE=1 has the hooks unless FAULT_INJECTION=0.
ifeq ($(SANITIZE),1)
FAULT_INJECTION ?= 1
endif
FAULT_INJECTION ?= 0
ifeq ($(FAULT_INJECTION),1)
CPPFLAGS += -DSL_FAULT_INJECTION
endif

ifeq ($(SANITIZE),1)
ifeq ($(FAULT_INJECTION),1)
BUILD    ?= build-san
else
BUILD    ?= build-san-rel
endif
CFLAGS   += -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
# gcc 12 + UBSan's nonnull checks: a false "null format string" on vsnprintf(NULL, 0, ...).
CFLAGS   += -Wno-format-truncation
LDFLAGS  += -fsanitize=address,undefined
else ifeq ($(FAULT_INJECTION),1)
BUILD    ?= build-fi
else
BUILD    ?= build
endif
# FI_BUILD: where the fault-injection suites run. REL_BUILD: the release build whose binary
# the faults suite checks for ignoring the hooks (a plain `make` build).
ifeq ($(FAULT_INJECTION),1)
FI_BUILD := $(BUILD)
REL_BUILD ?= build
else
FI_BUILD ?= $(BUILD)-fi
REL_BUILD := $(BUILD)
endif
FI_MAKE   = $(MAKE) --no-print-directory FAULT_INJECTION=1 BUILD=$(FI_BUILD)

LIB_SRC  := $(sort $(wildcard src/core/*.c src/batch/*.c src/mpi/*.c src/obs/*.c src/spill/*.c \
              src/io/*.c src/func/*.c src/plan/*.c src/sql/*.c src/exec/*.c src/session/*.c))
CLI_SRC  := $(wildcard src/cli/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# OMPI_MCA_pml=ob1: on one host Open MPI picks ob1 (shared memory) anyway, but first probes UCX
# and the OFI MTL, which costs ~0.2 s of every mpirun (0.39 -> 0.17 s at 3 ranks): half of a test
# suite's wall time. Set OMPI_MCA_pml in the environment to override (e.g. ucx on a cluster).
OMPI_MCA_pml ?= ob1
MPI_ENV  := OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
            OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1 \
            OMPI_MCA_pml=$(OMPI_MCA_pml)
ifeq ($(SANITIZE),1)
# Open MPI's own allocations are not leaks of ours. Those of MPI_Init and MPI_Finalize are not
# tracked at all (sl_mpi_init, src/mpi/startup.c: matching their ~3 300 blocks against the
# suppressions cost ~5 s of every sanitised 3-rank run); for the rest (its threads) keep its
# plugins mapped (symbolised stacks) and suppress them (tests/lsan-openmpi.supp, see TOOLCHAIN
# notes). UBSan must fail the run.
MPI_ENV  += OMPI_MCA_mca_base_component_disable_dlclose=1 ASAN_OPTIONS=fast_unwind_on_malloc=0 \
            LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan-openmpi.supp:print_suppressions=0 \
            UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
endif
PYTHON   ?= /usr/bin/python3

# Test suites run by `make test`, in order. A new suite adds itself here and defines its target.
SUITES   := layers unit e2e failures
SUITES   += slurm
SUITES   += obs
SUITES   += rejects
SUITES   += edge
SUITES   += spill
SUITES   += faults
SUITES   += copy
SUITES   += sort
SUITES   += dialect
SUITES   += window
SUITES   += join
SUITES   += random
SUITES   += fuzz
SUITES   += csvdiff
SUITES   += formats
SUITES   += stats
SUITES   += install-check
SUITES   += nodes nodes-requeue

VERSION   := $(shell sed -n 's/^\#define SLUICE_VERSION "\(.*\)"/\1/p' include/sluice/sluice.h)
SOVERSION := $(firstword $(subst ., ,$(VERSION)))
SONAME    := libsluice.so.$(SOVERSION)
SO_REAL   := libsluice.so.$(VERSION)

.PHONY: all deps test unit e2e failures demo bench clean
all: $(BUILD)/sluice $(BUILD)/$(SO_REAL)

$(BUILD)/libsluice.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	@# A fresh archive: `ar r` never drops members, so a moved or deleted source file would
	@# leave its old object (and its symbols) in the library.
	@rm -f $@
	$(AR) rcs $@ $^

# The shared library (make install): the same objects, built position-independent (-fPIC on
# every library object, so libsluice.a and libsluice.so share them), linked with every library
# they need (-z defs: an undefined symbol fails here, not in a user's link). The version is
# SLUICE_VERSION of the public header; the soname carries its major number. It exports only
# the public API (packaging/libsluice.map).
# A build folder made before -fPIC has no .pic stamp: its library objects are rebuilt once.
$(LIB_OBJ): CFLAGS += -fPIC
$(LIB_OBJ): $(BUILD)/.pic
$(BUILD)/.pic:
	@mkdir -p $(@D)
	@touch $@

$(BUILD)/$(SO_REAL): $(LIB_OBJ) packaging/libsluice.map
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,-z,defs \
	  -Wl,--version-script=packaging/libsluice.map -o $@ $(LIB_OBJ) $(LDLIBS)

$(BUILD)/sluice: $(CLI_OBJ) $(BUILD)/libsluice.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c tests/unit/check.h $(BUILD)/libsluice.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsluice.a $(LDLIBS)

deps:
	@bash scripts/install-deps.sh

# The unit tests exercise the fault hooks (tests/unit/test_fault.c): built on FI_BUILD.
ifeq ($(FAULT_INJECTION),1)
unit: $(UNIT_BIN)
	@$(MPI_ENV) bash tests/run-unit.sh $(UNIT_BIN)
else
unit:
	@$(FI_MAKE) unit
endif

e2e: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/e2e/run.py

failures: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice bash tests/failures/run.sh

# A crash hunt at the end of failed jobs, not part of `make test` (minutes): the dialect error
# cases looped at 3 and 4 ranks (tests/failures/exit_loop.py; EXIT_LOOP="--iterations 100").
.PHONY: exit-loop
exit-loop: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/failures/exit_loop.py $(EXIT_LOOP)

# Issue #3: memory budget, grace aggregation, spill directory, full disk (tests/spill/run.py).
.PHONY: spill
# It injects ENOSPC (SLUICE_SPILL_ENOSPC_AFTER): runs on FI_BUILD.
ifeq ($(FAULT_INJECTION),1)
spill: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/spill/run.py
else
spill:
	@$(FI_MAKE) spill
endif

# Starts a private single-node Slurm (scripts/slurm-local.sh), sbatches jobs/*.sbatch, stops it.
.PHONY: slurm
slurm: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice bash tests/slurm/run.sh

# Issue #5: metrics JSON, summary, progress, EXPLAIN ANALYZE, HTML report (rendered by chromium).
.PHONY: obs
$(BUILD)/obs/synth_report: tests/obs/synth_report.c $(BUILD)/libsluice.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsluice.a $(LDLIBS)

obs: $(BUILD)/sluice $(BUILD)/obs/synth_report
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice SYNTH=$(BUILD)/obs/synth_report $(PYTHON) tests/obs/run.py

# Issue #4: bad rows (on_error, rejects, max_rejects, row conservation) and CSV edge cases.
.PHONY: rejects edge
rejects: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/rejects/run.py

edge: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/edge/run.py

# Issue #9: the folders of src/ include only folders before them (scripts/check-layers.sh).
.PHONY: layers
layers:
	@bash scripts/check-layers.sh

# Issue #11: statistical aggregates against Python's statistics and DuckDB (tests/stats/run.py).
.PHONY: stats
stats: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/stats/run.py

# Issue #9: distributed ORDER BY (sample sort, external sort, top-k, COPY in global order).
# make test sorts 4e5 rows and 100 MB externally (CI time); sort-full the 1e6 rows and 200 MB.
.PHONY: sort sort-full dialect
sort: $(BUILD)/sluice
	@$(MPI_ENV) SORT_ROWS=400000 SORT_EXT_MB=100 SLUICE=$(BUILD)/sluice $(PYTHON) tests/sort/run.py
sort-full: $(BUILD)/sluice
	@$(MPI_ENV) SORT_ROWS=1000000 SORT_EXT_MB=200 SLUICE=$(BUILD)/sluice $(PYTHON) tests/sort/run.py

# Issue #17: the same query in sluice and DuckDB prints the same bytes (tests/dialect/run.py).
dialect: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/dialect/run.py

# README's scalar function reference, generated from the registry (the dialect suite checks it).
.PHONY: func-ref
func-ref:
	@$(PYTHON) scripts/gen-func-ref.py --write

# Issue #11: window functions, QUALIFY and DISTINCT ON at scale against sqlite3.
.PHONY: window
window: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/window/run.py

# Random single-table queries (filters, expressions, aggregates, DISTINCT, ORDER BY ... LIMIT,
# windows, subqueries, set operations) against sqlite3 at 1-5 ranks, spilled and in small
# exchange rounds (tests/random/run.py).
.PHONY: random
random: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/random/run.py

# Issue #12: joins under a 4 MB budget (grace hash join) against sqlite3 at 1-5 ranks.
.PHONY: join
join: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/join/run.py
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/join/skew.py
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/join/random_joins.py

# Issue #4: fault injection, retries, signals, --resume (tests/faults/run.sh).
# Runs on FI_BUILD, and checks that the release binary (REL_BUILD) ignores the hooks.
.PHONY: faults release-bin
release-bin:
	@$(MAKE) --no-print-directory FAULT_INJECTION=0 SANITIZE= BUILD=$(REL_BUILD) \
	  $(REL_BUILD)/sluice
ifeq ($(FAULT_INJECTION),1)
faults: $(BUILD)/sluice release-bin
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice SLUICE_RELEASE=$(REL_BUILD)/sluice \
	  bash tests/faults/run.sh
else
faults: $(BUILD)/sluice
	@$(FI_MAKE) REL_BUILD=$(BUILD) faults
endif

# Issue #10: COPY target safety (OVERWRITE, --force, symlinks, lock file) and partitions
# (open-file cap, long and case-only-different values); tests/copy/run.py.
.PHONY: copy
copy: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/copy/run.py

# Issue #13: formats beyond CSV (HDF5 in and out, database sinks, compressed CSV) checked
# against h5py, h5dump and sqlite3 at 1-5 ranks; tests/formats/run.py.
.PHONY: formats
formats: $(BUILD)/sluice
	@$(FI_MAKE) $(FI_BUILD)/sluice >/dev/null
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice SLUICE_FI=$(FI_BUILD)/sluice $(PYTHON) tests/formats/run.py

# Issue #16: jobs across simulated nodes (scripts/nodes.sh: network namespaces, TCP only),
# checked against sqlite3/Python and the one-host run; skipped (counted) without root/netns.
.PHONY: nodes
nodes: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/nodes/run.py

# jobs/requeue.sbatch at a real Slurm time limit over 2 simulated nodes (~1 min): USR1 -> clean stop -> requeue -> --resume skips what was committed.
.PHONY: nodes-requeue
nodes-requeue: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/nodes/run.py --requeue

# Issue #4: libFuzzer targets (fuzz/), built with clang + ASan/UBSan under build-fuzz/. Alone,
# `make fuzz` runs each target FUZZ_TIME=300 s; as a suite of `make test` 20 s each.
FUZZ_BUILD := build-fuzz
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined
ifeq ($(MAKECMDGOALS),fuzz)
FUZZ_TIME  ?= 300
else
FUZZ_TIME  ?= 20
endif
.PHONY: fuzz fuzz-build
fuzz-build:
	@OMPI_CC=clang CC=mpicc CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link \
	  $(FUZZ_SAN)" $(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) SANITIZE= \
	  $(FUZZ_BUILD)/libsluice.a
	@for t in sql csv double; do \
	  OMPI_CC=clang mpicc -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
	    -fsanitize=fuzzer $(FUZZ_SAN) $(CPPFLAGS) -o $(FUZZ_BUILD)/fuzz_$$t fuzz/fuzz_$$t.c \
	    $(FUZZ_BUILD)/libsluice.a $(LDLIBS) || exit 1; \
	done

fuzz: fuzz-build
	@bash fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME)

# Issue 14: the fast CSV scanner against libcsv on random CSV files (tests/csvdiff/csvdiff.c);
# `make csvdiff` runs a fixed set of seeds (~15 s), `make csvdiff-long` 40 times as many.
CSVDIFF_SEEDS ?= 2500
.PHONY: csvdiff csvdiff-long
$(BUILD)/tests/csvdiff: tests/csvdiff/csvdiff.c $(BUILD)/libsluice.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsluice.a $(LDLIBS)

# bench/csv_scan_only.c: CPU of the typed CSV scan alone (no aggregation, no MPI; issue 14).
$(BUILD)/bench/csv_scan_only: bench/csv_scan_only.c $(BUILD)/libsluice.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsluice.a $(LDLIBS)

csvdiff: $(BUILD)/tests/csvdiff
	@timeout 600 $(BUILD)/tests/csvdiff $(CSVDIFF_SEEDS)

csvdiff-long: $(BUILD)/tests/csvdiff
	@timeout 7200 $(BUILD)/tests/csvdiff $$(( 40 * $(CSVDIFF_SEEDS) )) 1000001

# Issue 14: DOUBLE -> text (src/batch/dtoa.c) against Python's repr on 5e7 doubles, 10 seeds of
# tests/unit/test_format_double.c (which `make unit` runs on 6e5); a few minutes. Not in `make test`.
.PHONY: fuzz-double
fuzz-double: $(BUILD)/tests/test_format_double
	@for s in 1 2 3 4 5 6 7 8 9 10; do \
	  SLUICE_FMT_N=5000000 SLUICE_FMT_SEED=$$s timeout 1200 $< || exit 1; done

# CI's sanitizer pass, `make SANITIZE=1 san-check`: unit in full, failures and e2e at 3 ranks
# only (every case; ASan makes each run several times slower and CI has 15 minutes).
# `make SANITIZE=1 test` runs everything (about 10 minutes more on 2 cores).
.PHONY: san-check e2e-np3 failures-np3
san-check: $(BUILD)/sluice
	$(call run_suites,unit failures-np3 e2e-np3)

failures-np3: $(BUILD)/sluice
	@$(MPI_ENV) FAILURE_RANKS=3 SLUICE=$(BUILD)/sluice bash tests/failures/run.sh

e2e-np3: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/e2e/run.py --ranks 3

# `make test`: every suite in SUITES, one after another, also after a failing one. Each
# suite's output is teed to $(BUILD)/test-logs/<suite>.log, its exit status to <suite>.rc and
# its wall and CPU seconds to <suite>.time (summarize.py --time);
# tests/summarize.py then prints one line per suite and the overall "N passed, M failed,
# K skipped" last, and fails when a suite failed or printed no closing line. FUZZ_TIME is
# passed on: in a sub-make whose goal is `fuzz` it would default to `make fuzz`'s 300 s.
define run_suites
	@mkdir -p $(BUILD)/test-logs
	@for s in $(1); do \
	  rm -f $(BUILD)/test-logs/$$s.log $(BUILD)/test-logs/$$s.rc $(BUILD)/test-logs/$$s.time; \
	  { $(PYTHON) tests/summarize.py --time $(BUILD)/test-logs/$$s.time \
	      $(MAKE) --no-print-directory $$s FUZZ_TIME=$(FUZZ_TIME); \
	    echo $$? > $(BUILD)/test-logs/$$s.rc; } 2>&1 | \
	    tee $(BUILD)/test-logs/$$s.log; \
	done
	@$(PYTHON) tests/summarize.py $(BUILD)/test-logs $(1)
endef

test: | deps
	@$(MAKE) --no-print-directory all
	$(call run_suites,$(SUITES))

demo: | deps
	@$(MAKE) --no-print-directory all
	@$(MPI_ENV) bash scripts/demo.sh $(BUILD)/sluice

bench: all
	@$(MPI_ENV) bash bench/run.sh $(BUILD)/sluice

# `make bench-exchange`: sluice's exchange against a bare MPI_Alltoallv of the same bytes at 2, 4
# and 8 ranks, 64 KB - 16 MB per peer (bench/exchange.sh; results in bench/results).
.PHONY: bench-exchange
$(BUILD)/bench/exchange_bench: bench/exchange_bench.c $(BUILD)/libsluice.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsluice.a $(LDLIBS)

bench-exchange: $(BUILD)/bench/exchange_bench
	@$(MPI_ENV) bash bench/exchange.sh $(BUILD)/bench/exchange_bench

# `make install PREFIX=/opt/sluice DESTDIR=/tmp/stage`, `make uninstall` (same variables): the
# binary, both libraries, the public header, pkg-config file, man page, example jobs, sbatch
# scripts and an Environment Modules/Lmod modulefile. PREFIX is written into sluice.pc, the
# modulefile and the sbatch scripts; DESTDIR only stages (packagers). tests/install/run.sh.
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     := $(PREFIX)/bin
LIBDIR     := $(PREFIX)/lib
INCDIR     := $(PREFIX)/include/sluice
PCDIR      := $(LIBDIR)/pkgconfig
MAN1DIR    := $(PREFIX)/share/man/man1
SHAREDIR   := $(PREFIX)/share/sluice
MODDIR     := $(PREFIX)/share/modulefiles/sluice
PYDIR      := $(PREFIX)/lib/python3/dist-packages/sluice
EXAMPLE_JOBS := $(wildcard jobs/examples/*.sql)
EXAMPLE_SRC  := examples/heat.c
SBATCH_JOBS  := jobs/sluice.sbatch jobs/requeue.sbatch
SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g'
.PHONY: install uninstall install-check
install: $(BUILD)/sluice $(BUILD)/libsluice.a $(BUILD)/$(SO_REAL)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(PCDIR) \
	  $(DESTDIR)$(MAN1DIR) $(DESTDIR)$(SHAREDIR)/examples $(DESTDIR)$(SHAREDIR)/sbatch \
	  $(DESTDIR)$(MODDIR) $(DESTDIR)$(PYDIR)
	install -m 755 $(BUILD)/sluice $(DESTDIR)$(BINDIR)/sluice
	install -m 644 python/sluice/__init__.py $(DESTDIR)$(PYDIR)/__init__.py
	install -m 644 $(BUILD)/libsluice.a $(DESTDIR)$(LIBDIR)/libsluice.a
	install -m 755 $(BUILD)/$(SO_REAL) $(DESTDIR)$(LIBDIR)/$(SO_REAL)
	ln -sf $(SO_REAL) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libsluice.so
	install -m 644 include/sluice/sluice.h $(DESTDIR)$(INCDIR)/sluice.h
	$(SUBST) packaging/sluice.pc.in > $(DESTDIR)$(PCDIR)/sluice.pc
	install -m 644 docs/sluice.1 $(DESTDIR)$(MAN1DIR)/sluice.1
	install -m 644 $(EXAMPLE_JOBS) $(EXAMPLE_SRC) $(DESTDIR)$(SHAREDIR)/examples/
	@# Installed sbatch scripts run the installed binary unless SLUICE says otherwise.
	for f in $(SBATCH_JOBS); do \
	  sed 's|SLUICE:-build/sluice|SLUICE:-$(BINDIR)/sluice|' $$f \
	    > $(DESTDIR)$(SHAREDIR)/sbatch/$${f##*/} && chmod 755 $(DESTDIR)$(SHAREDIR)/sbatch/$${f##*/} \
	    || exit 1; \
	done
	$(SUBST) packaging/modulefile.in > $(DESTDIR)$(MODDIR)/$(VERSION)

# Removes what install wrote and the folders only sluice uses (never bin/, lib/, share/, ...).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sluice $(DESTDIR)$(LIBDIR)/libsluice.a \
	  $(DESTDIR)$(LIBDIR)/$(SO_REAL) $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libsluice.so \
	  $(DESTDIR)$(INCDIR)/sluice.h $(DESTDIR)$(PCDIR)/sluice.pc $(DESTDIR)$(MAN1DIR)/sluice.1 \
	  $(DESTDIR)$(MODDIR)/$(VERSION) $(DESTDIR)$(PYDIR)/__init__.py
	rm -rf $(DESTDIR)$(PYDIR)/__pycache__
	rm -f $(addprefix $(DESTDIR)$(SHAREDIR)/examples/,$(notdir $(EXAMPLE_JOBS) $(EXAMPLE_SRC))) \
	  $(addprefix $(DESTDIR)$(SHAREDIR)/sbatch/,$(notdir $(SBATCH_JOBS)))
	-rmdir $(DESTDIR)$(INCDIR) $(DESTDIR)$(SHAREDIR)/examples $(DESTDIR)$(SHAREDIR)/sbatch \
	  $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(MODDIR) $(DESTDIR)$(PYDIR) 2>/dev/null

# `make examples PREFIX=...`: the in-situ examples (examples/*.c) built against the sluice
# installed in PREFIX, with plain cc and pkg-config alone, into EXAMPLES_OUT.
EXAMPLES_OUT ?= $(BUILD)/examples
.PHONY: examples
examples:
	@test -f $(PREFIX)/lib/pkgconfig/sluice.pc || { echo "make examples: no sluice.pc in" \
	  "$(PREFIX)/lib/pkgconfig (make install PREFIX=... first)"; exit 1; }
	@mkdir -p $(EXAMPLES_OUT)
	for f in $(EXAMPLE_SRC); do \
	  b=$${f##*/}; cc -O2 -Wall -o $(EXAMPLES_OUT)/$${b%.c} $$f \
	    $$(PKG_CONFIG_PATH=$(PREFIX)/lib/pkgconfig pkg-config --cflags --libs sluice) || exit 1; \
	done

# A sanitizer build is not installable (a plain `cc` program would load libasan too late): the
# suite installs the release build (REL_BUILD) instead.
ifeq ($(SANITIZE),1)
install-check:
	@$(MAKE) --no-print-directory SANITIZE= FAULT_INJECTION=0 BUILD=$(REL_BUILD) install-check
else
install-check: $(BUILD)/sluice $(BUILD)/$(SO_REAL)
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice BUILD=$(BUILD) bash tests/install/run.sh
endif

clean:
	rm -rf build build-fi build-san build-san-rel build-fuzz

# The unit tests' and benchmarks' .d too: a test rebuilds when a header it inlines changes.
-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_BIN:=.d) $(BUILD)/bench/exchange_bench.d
