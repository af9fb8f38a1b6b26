# sauti -- SMS/USSD gateway.  `make run` and `make test` do all set-up on a
# fresh Debian 12 machine: missing packages are installed first (see deps).

CC ?= cc
PKGS := libevent libevent_pthreads hiredis yaml-0.1 libsodium jansson
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# Optimised as Redis is, -O3 with link-time optimisation: every step goes
# through small helpers of other modules (buf_*, db_args_*, fields_*), which
# only the link can inline; 6 % fewer instructions a USSD step
# (docs/performance.md).  The objects keep their plain code too (fat), so
# that the unit tests link without the whole-program pass.  LTO= builds
# without it (the clang check does: clang 14 makes no fat objects).
LTO ?= -flto=auto -ffat-lto-objects
CFLAGS ?= -O3 -g $(LTO)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# The one C++ file, gateway/phonenumber.cc, wraps libphonenumber (which has
# no pkg-config file) for the C modules; the C++ runtime is linked for it.
CXXWARN := -Wall -Wextra -Werror -Wshadow -Wmissing-declarations
ALL_CXXFLAGS = -std=c++17 $(CXXWARN) $(CFLAGS)
PHONENUMBER_LIBS := -lphonenumber -lstdc++
# The allocator is jemalloc, as Redis' is: glibc's malloc fragments under
# sauti's mix of per-request allocations and kept sessions, and spent up to
# a quarter of the CPU in malloc and free once a day's sessions had piled up
# (docs/performance.md, "The allocator").  MALLOC=libc keeps glibc's.
MALLOC ?= jemalloc
MALLOC_LIBS = $(if $(filter jemalloc,$(MALLOC)),-ljemalloc)
LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(PHONENUMBER_LIBS) $(MALLOC_LIBS) -lm

# SANITIZER=address builds into build/asan with ASan+UBSan, like Redis'
# `make SANITIZER=address` (with ASan's own allocator: no jemalloc).
ifeq ($(SANITIZER),address)
BUILD := build/asan
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
MALLOC := libc
else
BUILD := build/release
endif

SRCS := $(wildcard gateway/*.c)
CXXSRCS := $(wildcard gateway/*.cc)
OBJS := $(SRCS:gateway/%.c=$(BUILD)/%.o) $(CXXSRCS:gateway/%.cc=$(BUILD)/%.o) \
	$(BUILD)/catalogue_data.o
LIB_OBJS := $(filter-out $(BUILD)/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
BIN := $(if $(filter address,$(SANITIZER)),$(BUILD)/sauti,sauti)

.PHONY: all deps run test unit integration asan clang-check layers bench bench-overload fuzz valgrind clean compose-check install uninstall

all: $(BIN)

# The link compiles too (LTO): with the same warnings, fatal.
$(BIN): $(OBJS)
	$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(BUILD)/%.o: gateway/%.c gateway/*.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: gateway/%.cc gateway/*.h | $(BUILD)
	$(CXX) $(ALL_CXXFLAGS) -c -o $@ $<

$(BUILD):
	mkdir -p $(BUILD)/tests

# The built-in message catalogue is data, gateway/catalogue.yaml, compiled
# in as one string (catalogue.c reads it with the messages: file's loader).
$(BUILD)/catalogue_data.c: gateway/catalogue.yaml | $(BUILD)
	scripts/embed catalogue_builtin_yaml $< >$@.tmp && mv $@.tmp $@

$(BUILD)/catalogue_data.o: $(BUILD)/catalogue_data.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(BUILD)
	$(CC) $(ALL_CFLAGS) -fno-lto -Igateway $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS) -lcmocka

# -- set-up -------------------------------------------------------------------
# Debian packages the build, `make run` and the tests need.
DEB_PKGS := build-essential pkg-config libevent-dev libhiredis-dev libyaml-dev \
	libsodium-dev libjansson-dev libcmocka-dev redis-server redis-tools \
	kannel kannel-extras curl python3 perl libnet-smpp-perl openssl \
	clang libclang-rt-14-dev valgrind chromium nodejs libphonenumber-dev jq \
	libjemalloc-dev

deps:
	@missing=$$(for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing: $$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "missing Debian packages; run:"; \
			echo "  sudo apt-get install -y $$missing"; exit 1; \
		fi; \
	fi
	@# npm comes with some builds of nodejs; Debian's own is a package of its own
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; } || \
		{ echo "npm is missing; run: sudo apt-get install -y npm"; exit 1; }
	@# the browser tests' driver, pinned by tests/browser/package-lock.json
	@[ -d tests/browser/node_modules/playwright-core ] || \
		(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

run: deps
	$(MAKE) all
	./scripts/run.sh

# -- tests ----------------------------------------------------------------------
# The builds use both cores (BUILD_JOBS); the steps run one after another.
BUILD_JOBS ?= 2
test: deps
	$(MAKE) -j$(BUILD_JOBS) all
	$(MAKE) layers
	$(MAKE) -j$(BUILD_JOBS) clang-check
	$(MAKE) -j$(BUILD_JOBS) unit
	$(MAKE) integration
	$(MAKE) asan
	$(MAKE) -j$(BUILD_JOBS) fuzz-replay
	$(MAKE) compose-check

# The layer check comes first: it takes a second, and a module missing from
# scripts/layers.txt would fail `make test` later.
unit: $(UNIT_BINS)
	@./scripts/layers
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# The tests wait on daemons more than they compute: two at a time halve the
# suite's time on two cores (each has its own ports, see free_port in
# tests/lib.sh, and its own temporary directory).  PROVE_JOBS=1 for one.
# The console's tests (8*) come after, one at a time and alone: they time a
# page's first load in chromium, which another test beside them would slow.
PROVE_JOBS ?= 2
ALONE_TESTS := $(wildcard tests/integration/8*.t)
PAIRED_TESTS := $(filter-out $(ALONE_TESTS),$(wildcard tests/integration/*.t))
integration: $(BIN)
	SAUTI_BIN=$(abspath $(BIN)) prove -j$(PROVE_JOBS) $(if $(filter 1,$(PROVE_JOBS)),-v) $(PAIRED_TESTS)
	SAUTI_BIN=$(abspath $(BIN)) prove $(if $(filter 1,$(PROVE_JOBS)),-v) $(ALONE_TESTS)

asan:
	$(MAKE) -j$(BUILD_JOBS) SANITIZER=address all unit
	$(MAKE) SANITIZER=address integration

# Which modules may include which: the table is scripts/layers.txt.
layers:
	./scripts/layers

# The same sources must build without a warning under clang too.
clang-check:
	$(MAKE) CC=clang CXX=clang++ LTO= BUILD=build/clang BIN=build/clang/sauti all

# The integration suite with the daemon under valgrind (slow: not in `test`).
valgrind: all
	SAUTI_BIN=$(abspath $(BIN)) SAUTI_START_TIMEOUT=60 HTTP_TIMEOUT=60 SAUTI_REDIS_TIMEOUT_MS=10000 \
	SAUTI_WRAP="valgrind -q --soname-synonyms=somalloc=*jemalloc* --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99" \
		prove -v tests/integration/

compose-check:
	@if command -v docker-compose >/dev/null 2>&1; then \
		docker-compose -f docker-compose.yml config -q && echo "docker-compose.yml: ok"; \
	else echo "docker-compose not installed: compose file not checked"; fi

clean:
	rm -rf build sauti

# -- installing -------------------------------------------------------------------
# `make install [PREFIX=/usr/local] [DESTDIR=...]`: the binary, the example
# flows, the web console, the docs and the production config examples, a
# systemd unit, and (only when there is none yet) a configuration in
# SYSCONFDIR/sauti/ with the example flows beside it.  docs/operations.md.
PREFIX ?= /usr/local
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/sauti
DOCDIR ?= $(PREFIX)/share/doc/sauti
SYSTEMDDIR ?= $(PREFIX)/lib/systemd/system
INSTALL ?= install
INSTALL_VARS = BINDIR=$(BINDIR) DATADIR=$(DATADIR) DOCDIR=$(DOCDIR) SYSCONFDIR=$(SYSCONFDIR)

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/flows $(DESTDIR)$(DOCDIR)/docs \
		$(DESTDIR)$(DOCDIR)/config/kannel \
		$(DESTDIR)$(SYSTEMDDIR) $(DESTDIR)$(SYSCONFDIR)/sauti
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/sauti
	$(INSTALL) -m 0644 flows/*.yaml flows/README.md $(DESTDIR)$(DATADIR)/flows/
	if [ -d web ]; then rm -rf $(DESTDIR)$(DATADIR)/web && cp -R web $(DESTDIR)$(DATADIR)/web && \
		chmod -R u=rwX,go=rX $(DESTDIR)$(DATADIR)/web; fi
	$(INSTALL) -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 0644 docs/*.md $(DESTDIR)$(DOCDIR)/docs/
	$(INSTALL) -m 0644 config/redis-production.conf config/sentinel.conf config/sauti.yaml \
		$(DESTDIR)$(DOCDIR)/config/
	$(INSTALL) -m 0644 config/kannel/* $(DESTDIR)$(DOCDIR)/config/kannel/
	$(INSTALL_VARS) scripts/render-template config/systemd/sauti.service.in >$(DESTDIR)$(SYSTEMDDIR)/sauti.service
	chmod 0644 $(DESTDIR)$(SYSTEMDDIR)/sauti.service
	@# An operator's own configuration and flows are never overwritten.
	if [ ! -e $(DESTDIR)$(SYSCONFDIR)/sauti/sauti.yaml ]; then \
		$(INSTALL_VARS) scripts/render-template config/sauti-production.yaml.in \
			>$(DESTDIR)$(SYSCONFDIR)/sauti/sauti.yaml && chmod 0644 $(DESTDIR)$(SYSCONFDIR)/sauti/sauti.yaml; fi
	if [ ! -e $(DESTDIR)$(SYSCONFDIR)/sauti/flows ]; then \
		$(INSTALL) -d $(DESTDIR)$(SYSCONFDIR)/sauti/flows && \
		$(INSTALL) -m 0644 flows/*.yaml $(DESTDIR)$(SYSCONFDIR)/sauti/flows/; fi

# Removes what install put in place, but not SYSCONFDIR/sauti (the
# operator's configuration and flows).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sauti $(DESTDIR)$(SYSTEMDDIR)/sauti.service
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)

# Issue 6's load figure: /ussd at 1.5x capacity sheds with 503, memory stays
# bounded, service recovers (also run by `make bench`).
bench-overload: all bench-tools
	SAUTI_BIN=$(abspath $(BIN)) bash tests/bench/overload.sh

# -- fuzzing and benchmarks live beside their code ------------------------------
-include tests/fuzz/fuzz.mk
-include tests/bench/bench.mk
