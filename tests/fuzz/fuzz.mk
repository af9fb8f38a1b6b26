# tests/fuzz/fuzz.mk -- libFuzzer targets for the pure parsers (included by
# the top Makefile).
#
#   make fuzz               build every target into build/fuzz/ and fuzz each
#                           for FUZZ_SECONDS (default 60), one after another,
#                           over a copy of its seeds in build/fuzz/corpus-NAME/
#                           (new inputs stay there: copy an interesting one
#                           into tests/fuzz/corpus/NAME/ by hand)
#   make fuzz-replay        build every target and run it once over its seeds
#                           in tests/fuzz/corpus/NAME/; fails on any crash
#   make fuzz FUZZ_TARGETS="flow config" FUZZ_SECONDS=300
#
# Each target is tests/fuzz/fuzz_NAME.c, linked against every gateway/*.c but
# main.c compiled with the same sanitizers (clang, -fsanitize=fuzzer,address,
# undefined; UB aborts).  A crash is written to build/fuzz/artifacts-NAME/;
# reproduce it with `build/fuzz/fuzz_NAME FILE`.  Needs clang and, on Debian
# 12, the libclang-rt-14-dev package (libFuzzer and the sanitizer runtimes).

FUZZ_CC ?= clang
FUZZ_CXX ?= clang++
FUZZ_SECONDS ?= 60
FUZZ_DIR ?= build/fuzz
FUZZ_OBJDIR := $(FUZZ_DIR)/obj
FUZZ_PKGS := libevent hiredis yaml-0.1 libsodium jansson
FUZZ_WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE $(FUZZ_WARN) -g -O1 \
	-fno-omit-frame-pointer $(FUZZ_SAN) \
	$(shell pkg-config --cflags $(FUZZ_PKGS) 2>/dev/null)
FUZZ_LIBS := $(shell pkg-config --libs $(FUZZ_PKGS) 2>/dev/null) $(PHONENUMBER_LIBS) -lm
# The C++ wrapper of libphonenumber: the same sanitizers, but not UBSan's
# vptr check, whose runtime only a C++ link brings (the targets link as C).
FUZZ_CXXFLAGS := -std=c++17 $(CXXWARN) -g -O1 -fno-omit-frame-pointer \
	$(FUZZ_SAN) -fno-sanitize=vptr

FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_GW_OBJS := $(patsubst gateway/%.c,$(FUZZ_OBJDIR)/%.o,\
	$(filter-out gateway/main.c,$(wildcard gateway/*.c))) \
	$(patsubst gateway/%.cc,$(FUZZ_OBJDIR)/%.o,$(wildcard gateway/*.cc)) \
	$(FUZZ_OBJDIR)/catalogue_data.o
# An archive, so that each target links only the objects it reaches.
FUZZ_LIB := $(FUZZ_DIR)/libsauti-fuzz.a
FUZZ_TOOLCHAIN := $(FUZZ_DIR)/.toolchain-ok
# libFuzzer options for `make fuzz`; a crash stops that target only.
FUZZ_RUN_OPTS := -print_final_stats=1 -timeout=10 -rss_limit_mb=2048

.PHONY: fuzz fuzz-replay fuzz-build

fuzz-build: $(FUZZ_BINS)

# Fails early, with the package to install, when clang cannot link libFuzzer.
$(FUZZ_TOOLCHAIN):
	@mkdir -p $(FUZZ_OBJDIR)
	@printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }\n' \
		> $(FUZZ_DIR)/toolchain-check.c
	@$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $(FUZZ_DIR)/toolchain-check \
		$(FUZZ_DIR)/toolchain-check.c 2>$(FUZZ_DIR)/toolchain-check.log || { \
		cat $(FUZZ_DIR)/toolchain-check.log; \
		echo "fuzz: '$(FUZZ_CC) -fsanitize=fuzzer,address,undefined' does not link;"; \
		echo "fuzz: on Debian 12: sudo apt-get install clang libclang-rt-14-dev"; \
		exit 1; }
	@rm -f $(FUZZ_DIR)/toolchain-check $(FUZZ_DIR)/toolchain-check.c \
		$(FUZZ_DIR)/toolchain-check.log
	@touch $@

$(FUZZ_OBJDIR)/%.o: gateway/%.c gateway/*.h | $(FUZZ_TOOLCHAIN)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_OBJDIR)/%.o: gateway/%.cc gateway/*.h | $(FUZZ_TOOLCHAIN)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_OBJDIR)/catalogue_data.c: gateway/catalogue.yaml | $(FUZZ_TOOLCHAIN)
	scripts/embed catalogue_builtin_yaml $< >$@.tmp && mv $@.tmp $@

$(FUZZ_OBJDIR)/catalogue_data.o: $(FUZZ_OBJDIR)/catalogue_data.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_GW_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzzutil.h gateway/*.h \
		$(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Igateway \
		-DFUZZ_FLOWS_DIR='"$(CURDIR)/tests/flows"' -o $@ $< \
		$(FUZZ_LIB) $(FUZZ_LIBS)

# Every seed once, each as its own run; any crash, leak or UB fails.
fuzz-replay: $(FUZZ_BINS)
	@set -e; for n in $(FUZZ_TARGETS); do \
		log=$(FUZZ_DIR)/replay-$$n.log; \
		seeds=$$(ls tests/fuzz/corpus/$$n | wc -l); \
		if UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_DIR)/fuzz_$$n \
			tests/fuzz/corpus/$$n/* >$$log 2>&1; then \
			echo "fuzz-replay: fuzz_$$n: $$seeds seeds ok"; \
		else \
			tail -n 40 $$log; \
			echo "fuzz-replay: fuzz_$$n FAILED (full output: $$log)"; \
			exit 1; \
		fi; \
	done

fuzz: $(FUZZ_BINS)
	@rm -f $(FUZZ_DIR)/summary.txt; failed=0; \
	for n in $(FUZZ_TARGETS); do \
		corpus=$(FUZZ_DIR)/corpus-$$n; art=$(FUZZ_DIR)/artifacts-$$n; \
		log=$(FUZZ_DIR)/fuzz-$$n.log; \
		mkdir -p $$corpus $$art $(FUZZ_DIR); \
		cp tests/fuzz/corpus/$$n/* $$corpus/; \
		dict=; [ -f tests/fuzz/$$n.dict ] && dict=-dict=tests/fuzz/$$n.dict; \
		echo "fuzz: fuzz_$$n for $(FUZZ_SECONDS)s (log: $$log)"; \
		start=$$(date +%s); \
		if UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_DIR)/fuzz_$$n \
			$(FUZZ_RUN_OPTS) -max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=$$art/ $$dict $$corpus >$$log 2>&1; \
		then result=ok; else result="CRASH: see $$art/"; failed=1; \
			grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*invariant failed)' \
				$$log | head -n 5; fi; \
		secs=$$(( $$(date +%s) - start )); \
		execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -n 1); \
		printf '%-16s %6ss %12s executions  %s\n' fuzz_$$n $$secs \
			"$${execs:-?}" "$$result" >> $(FUZZ_DIR)/summary.txt; \
	done; \
	echo; echo "fuzz: executions per target"; cat $(FUZZ_DIR)/summary.txt; \
	exit $$failed
