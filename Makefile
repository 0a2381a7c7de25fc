# sluice: build, test, demo. See README.md.
#   make            build build/sluice
#   make test       install deps (Debian), build, run unit + end-to-end tests
#   make demo       install deps, build, generate sample data, run the demo job on 2 ranks
#   make SANITIZE=1 ASan + UBSan build (objects under build-san/)
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
LDLIBS   += -lcsv -lxxhash -lm

ifeq ($(SANITIZE),1)
BUILD    ?= build-san
CFLAGS   += -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
LDFLAGS  += -fsanitize=address,undefined
else
BUILD    ?= build
endif

LIB_SRC  := $(sort $(wildcard src/core/*.c src/batch/*.c src/sql/*.c src/plan/*.c src/exec/*.c \
              src/mpi/*.c src/io/*.c src/spill/*.c src/obs/*.c))
CLI_SRC  := $(wildcard src/cli/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

MPI_ENV  := OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
            OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
PYTHON   ?= /usr/bin/python3

# Test suites run by `make test`, in order. A new suite adds itself here and defines its target.
SUITES   := unit e2e failures

.PHONY: all deps test unit e2e failures demo bench clean
all: $(BUILD)/sluice

$(BUILD)/libsluice.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

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

unit: $(UNIT_BIN)
	@$(MPI_ENV) bash tests/run-unit.sh $(UNIT_BIN)

e2e: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice $(PYTHON) tests/e2e/run.py

failures: $(BUILD)/sluice
	@$(MPI_ENV) SLUICE=$(BUILD)/sluice bash tests/failures/run.sh

test: | deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory $(SUITES)

demo: | deps
	@$(MAKE) --no-print-directory all
	@$(MPI_ENV) bash scripts/demo.sh $(BUILD)/sluice

bench: all
	@$(MPI_ENV) bash bench/run.sh $(BUILD)/sluice

clean:
	rm -rf build build-san

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
