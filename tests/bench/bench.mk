# tests/bench/bench.mk -- `make bench` (included by the top Makefile; not
# part of `make test`).
#
#   make bench              every figure, full length (a few minutes)
#   make bench QUICK=1      every figure, shorter and smaller (under 2 min)
#   make bench-tools        only build the load generators into build/bench/
#   make bench-instructions the instructions of a /ussd step, sauti's against
#                           the bare server's (callgrind; steady on a busy
#                           machine, tests/bench/instructions.sh)
#
# tests/bench/run.sh starts its own Redis, Kannel, sauti and baseline
# servers on free 127.0.0.1 ports in a temporary directory, runs each
# benchmark against sauti and its baseline back to back, prints one line per
# figure
#
#   BENCH name=NAME value=V unit=U baseline=B ratio=R
#
# then a table with the required level of each, and exits 1 when a level is
# missed (2 when a figure could not be measured).  tests/bench/overload.sh
# (the overload figure) runs after it.  Knobs (environment):
# BENCH_ONLY="ussd kannel throttle memory export", BENCH_PIN=0 (no CPU
# pinning), BENCH_REDIS_CPU=N, BENCH_PROFILE=1|0 (the perf profile of sauti
# under USSD load; on in a full run), BENCH_KEEP=1 (keep the temporary
# directory).  Method and figures: docs/performance.md.

BENCH_DIR ?= build/bench
BENCH_WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes
BENCH_CFLAGS := -std=c11 -D_GNU_SOURCE $(BENCH_WARN) -O2 -g -Igateway \
	$(shell pkg-config --cflags libevent 2>/dev/null)
BENCH_LIBS := $(shell pkg-config --libs libevent 2>/dev/null)
# The load generators share tests/bench/benchlib.c and gateway/buf.c.
BENCH_LOADERS := $(BENCH_DIR)/ussd_load $(BENCH_DIR)/smsc_load $(BENCH_DIR)/tap
BENCH_TOOLS := $(BENCH_DIR)/hello $(BENCH_LOADERS)

.PHONY: bench bench-tools bench-instructions

bench-tools: $(BENCH_TOOLS)

$(BENCH_DIR):
	mkdir -p $@

# The baseline links nothing of sauti's: libevent alone.
$(BENCH_DIR)/hello: tests/bench/hello.c | $(BENCH_DIR)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(BENCH_LIBS)

$(BENCH_LOADERS): $(BENCH_DIR)/%: tests/bench/%.c tests/bench/benchlib.c \
		tests/bench/benchlib.h gateway/buf.c gateway/buf.h gateway/form.c gateway/form.h | $(BENCH_DIR)
	$(CC) $(BENCH_CFLAGS) -o $@ $< tests/bench/benchlib.c gateway/buf.c gateway/form.c $(BENCH_LIBS)

# run.sh, then the overload figure (tests/bench/overload.sh, also
# `make bench-overload`); fails when either does, after both have run.
bench: $(BIN) $(BENCH_TOOLS)
	@status=0; \
	SAUTI_BIN=$(abspath $(BIN)) BENCH_BIN=$(abspath $(BENCH_DIR)) QUICK=$(QUICK) \
		tests/bench/run.sh || status=$$?; \
	SAUTI_BIN=$(abspath $(BIN)) BENCH_DIR=$(abspath $(BENCH_DIR)) QUICK=$(QUICK) \
		bash tests/bench/overload.sh || { [ $$status -ne 0 ] || status=1; }; \
	exit $$status

bench-instructions: $(BIN) $(BENCH_TOOLS)
	SAUTI_BIN=$(abspath $(BIN)) BENCH_DIR=$(abspath $(BENCH_DIR)) bash tests/bench/instructions.sh
