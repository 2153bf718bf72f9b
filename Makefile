# virtlab: one build. `make` builds the virtlab command; `make test` runs the
# CUnit suites; `make run` is the main job; `make bench` the speed bars.
# V=1 shows commands; SANITIZE=1 builds with ASan+UBSan into build/san/.

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-missing-field-initializers
CPPFLAGS := -std=c11 -D_GNU_SOURCE -I. -MMD -MP
LDLIBS   := -lgsl -lgslcblas -lsqlite3 -lzstd -lxxhash -linih -lm -ldl
# Model plugins call back into the binary (vl_nativecost_init, vl_evdesc).
LDFLAGS  += -rdynamic

ifeq ($(SANITIZE),1)
BUILD    := build/san
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
else
BUILD    := build/rel
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRCS := \
	sim/err.c sim/event.c sim/mech.c sim/param.c sim/native.c sim/tlb.c sim/rng.c \
	sim/queue.c sim/queue_ladder.c sim/queue_heap4.c sim/queue_pairing.c sim/tcache.c \
	sim/shadow.c sim/lru.c sim/sim.c sim/registry.c \
	sim/recorder.c sim/thishost.c sim/proc.c sim/text.c \
	models/native/native.c models/native/hosts.c \
	models/trapemu/trapemu.c models/emulation/emulation.c models/bt/bt.c \
	models/paravirt/paravirt.c models/paravirt/uml.c models/hwassist/hwassist.c models/container/container.c \
	traces/trace.c traces/text.c traces/binary.c traces/gen.c traces/capture.c traces/import.c \
	traces/syscapture.c traces/bpred.c \
	experiments/runner.c experiments/experiment.c experiments/run.c \
	experiments/capacity.c experiments/capacity_check.c experiments/capacity_parse.c experiments/capacity_plan.c \
	experiments/merge.c experiments/ini_text.c experiments/check.c \
	reports/report.c reports/palette.c reports/doc.c \
	testbed/testbed.c testbed/spawn.c testbed/record.c testbed/profile.c testbed/validate.c \
	testbed/capture.c testbed/syscapture.c \
	testbed/kvm/vmm.c \
	util/progress.c util/json.c

CLI_SRCS := cli/main.c cli/util.c cli/cmd_run.c cli/cmd_models.c cli/cmd_trace.c \
	cli/cmd_runs.c cli/cmd_experiment.c cli/cmd_report.c cli/cmd_export.c \
	cli/cmd_calibrate.c cli/cmd_plan.c cli/cmd_merge.c cli/cmd_trace_capture.c cli/cmd_trace_syscap.c \
	cli/cmd_trace_import.c

TEST_SRCS := tests/main.c tests/util.c tests/test_event.c tests/test_trace_text.c \
	tests/test_trace_binary.c tests/test_queue.c tests/test_sim.c \
	tests/test_native.c tests/test_params.c tests/test_recorder.c tests/test_gen.c \
	tests/test_models.c tests/test_experiments.c tests/test_cli.c tests/test_testbed.c \
	tests/test_capacity.c tests/test_capture.c tests/test_syscapture.c tests/test_import.c \
	tests/test_report.c tests/test_hostile.c tests/test_profiles.c tests/test_shadow.c \
	tests/test_tlb.c tests/test_bpred.c

BENCH_SRCS := bench/bench.c

LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/testbed/kvm/guest.o
CLI_OBJS   := $(CLI_SRCS:%.c=$(BUILD)/%.o)
TEST_OBJS  := $(TEST_SRCS:%.c=$(BUILD)/%.o)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(BUILD)/%.o)
LIB        := $(BUILD)/libvirtlab.a
VIRTLAB    := $(BUILD)/virtlab
TESTBIN    := $(BUILD)/run-tests
PLUGINS    := $(BUILD)/plugins/ideal.so $(BUILD)/plugins/ideal-stale.so \
              $(BUILD)/plugins/not-a-plugin.so $(BUILD)/plugins/ideal-native.so \
              $(BUILD)/plugins/crashy.so $(BUILD)/plugins/v2.so
BENCHBIN   := $(BUILD)/virtlab-bench

# vl-probe: the testbed's microbenchmarks as a program of its own, static so
# that QEMU runs it without a sysroot; aarch64, PowerPC and s390x builds
# where a cross compiler is installed (Debian's gcc-aarch64-linux-gnu,
# gcc-powerpc-linux-gnu, gcc-s390x-linux-gnu): calibrate's guests of
# another ISA.
PROBE         := $(BUILD)/vl-probe
PROBE_DYN     := $(BUILD)/vl-probe-dyn
VLCAPTURE     := $(BUILD)/vlcapture.so
VLSYSCAP      := $(BUILD)/vlsyscap.so
VLINIT        := $(BUILD)/vl-init
PROBE_AARCH64 := $(if $(shell command -v aarch64-linux-gnu-gcc),$(BUILD)/vl-probe-aarch64)
PROBE_PPC     := $(if $(shell command -v powerpc-linux-gnu-gcc),$(BUILD)/vl-probe-ppc)
PROBE_S390X   := $(if $(shell command -v s390x-linux-gnu-gcc),$(BUILD)/vl-probe-s390x)
PROBE_CROSS   := $(PROBE_AARCH64) $(PROBE_PPC) $(PROBE_S390X)

.PHONY: all deps test run bench bench-peers check-reports fuzz plugins kernel kernel-paths traces print-lib-srcs clean \
        install uninstall FORCE test-docs validate-published

all: virtlab

virtlab: $(VIRTLAB) $(PROBE) $(PROBE_CROSS) $(VLCAPTURE) $(VLSYSCAP) $(VLINIT)
	$(Q)ln -sf $(VIRTLAB) virtlab

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(CPPFLAGS) -c -o $@ $<

$(PROBE): testbed/probe/probe.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -static -I. -o $@ $< || \
		$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

# The instruction-counting QEMU plugin (testbed/tcg/insncount.c).
INSNCOUNT := $(BUILD)/insncount.so
$(INSNCOUNT): testbed/tcg/insncount.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  PLUGIN  $@")
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -shared -fPIC -o $@ $<

# The capture plugin behind `virtlab trace capture`, beside the binary.
$(VLCAPTURE): testbed/tcg/vlcapture.c testbed/tcg/qemu-plugin-v1.h traces/capraw.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  PLUGIN  $@")
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -I. -O2 $(WARN) -shared -fPIC -o $@ $< -lpthread

# The capture test's program: pages written twice between two system calls.
TOUCHPAGES := $(BUILD)/touch-pages
$(TOUCHPAGES): tests/touch_pages.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -static -I. -o $@ $< || \
		$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

# The full-system capture plugin and the guest's init behind
# `virtlab trace capture --system`, beside the binary.
$(VLSYSCAP): testbed/tcg/vlsyscap.c testbed/tcg/qemu-plugin-v1.h traces/sysraw.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  PLUGIN  $@")
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -I. -O2 $(WARN) -shared -fPIC -o $@ $<

$(VLINIT): testbed/tcg/vl-init.c testbed/tcg/ptsyms.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -static -I. -o $@ $<

# Debian's cloud kernel for full-system runs, fetched once into out/.
kernel:
	$(Q)sh testbed/tcg/fetch-kernel.sh

# The same, dynamically linked: a process of lmbench's size for fork.vlb.
$(PROBE_DYN): testbed/probe/probe.c
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/vl-probe-aarch64: testbed/probe/probe.c
	@$(if $(Q),echo "  CC      $@")
	$(Q)aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Werror -static -o $@ $<

$(BUILD)/vl-probe-ppc: testbed/probe/probe.c
	@$(if $(Q),echo "  CC      $@")
	$(Q)powerpc-linux-gnu-gcc -O2 -Wall -Wextra -Werror -static -o $@ $<

$(BUILD)/vl-probe-s390x: testbed/probe/probe.c
	@$(if $(Q),echo "  CC      $@")
	$(Q)s390x-linux-gnu-gcc -O2 -Wall -Wextra -Werror -static -o $@ $<

$(LIB): $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(VIRTLAB): $(CLI_OBJS) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(LDLIBS)

$(TESTBIN): $(TEST_OBJS) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(TEST_OBJS) $(LIB) $(LDLIBS) -lcunit

$(BENCHBIN): $(BENCH_OBJS) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(BENCH_OBJS) $(LIB) $(LDLIBS)

# The example plugin, and a copy built for another interface version (tests).
$(BUILD)/plugins/ideal.so: plugins/example/ideal.c sim/model.h sim/native.h sim/tlb.h sim/event.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  PLUGIN  $@")
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -I. $(CFLAGS) $(WARN) -shared -fPIC -o $@ $<

$(BUILD)/plugins/ideal-stale.so: plugins/example/ideal.c sim/model.h sim/native.h sim/tlb.h sim/event.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -DIDEAL_MODEL_VERSION=0 -I. $(CFLAGS) $(WARN) -shared \
		-fPIC -o $@ $<

$(BUILD)/plugins/ideal-native.so: plugins/example/ideal.c sim/model.h sim/native.h sim/tlb.h sim/event.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -DIDEAL_NAME='"native"' -I. $(CFLAGS) $(WARN) -shared \
		-fPIC -o $@ $<

# A model that crashes its process when its parameter `crash` is 1 (tests of --jobs).
$(BUILD)/plugins/crashy.so: tests/plugin_crashy.c sim/model.h sim/native.h sim/tlb.h sim/event.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -I. $(CFLAGS) $(WARN) -shared -fPIC -o $@ $<

# A plugin of model interface version 2, which virtlab still loads.
$(BUILD)/plugins/v2.so: tests/plugin_v2.c sim/model.h sim/native.h sim/tlb.h sim/event.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -I. $(CFLAGS) $(WARN) -shared -fPIC -o $@ $<

$(BUILD)/plugins/not-a-plugin.so:
	@mkdir -p $(dir $@)
	$(Q)echo 'int vl_not_a_model;' | $(CC) -shared -fPIC -x c -o $@ -

plugins: $(PLUGINS)

# ---- install: `make install PREFIX=/usr/local DESTDIR=...`, `make uninstall` ----
# The command and vl-probe (found beside it), the example plugin, the
# headers a plugin includes (docs/plugins.md) with virtlab.pc, a man page and
# bash completion generated from the command table, and the sample traces,
# experiment files and plugin source to copy and start from.
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
DATADIR     ?= $(PREFIX)/share
MANDIR      ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
PLUGINDIR   := $(LIBDIR)/virtlab/plugins
INSTALL     ?= install

VERSION        := $(shell sed -n 's/^\#define VL_VERSION "\(.*\)"/\1/p' sim/version.h)
PLUGIN_HEADERS := sim/model.h sim/native.h sim/tlb.h sim/event.h sim/mech.h sim/param.h sim/err.h
MANPAGE        := $(BUILD)/virtlab.1
COMPLETION     := $(BUILD)/virtlab.bash-completion
PCFILE         := $(BUILD)/virtlab.pc
SAMPLES        := $(wildcard traces/samples/*)
EXPFILES       := $(wildcard experiments/papers/*.ini experiments/labs/*.ini experiments/capacity/*.ini)

$(MANPAGE): $(VIRTLAB) scripts/gen-man.sh
	@$(if $(Q),echo "  GEN     $@")
	$(Q)sh scripts/gen-man.sh $(VIRTLAB) > $@.tmp && mv $@.tmp $@

$(COMPLETION): $(VIRTLAB) scripts/gen-completion.sh
	@$(if $(Q),echo "  GEN     $@")
	$(Q)sh scripts/gen-completion.sh $(VIRTLAB) > $@.tmp && mv $@.tmp $@

# Plugins resolve virtlab's functions in the running binary: no library to
# link. Written every time: it holds PREFIX, which may change between calls.
$(PCFILE): FORCE
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$(INCLUDEDIR)' 'libdir=$(LIBDIR)' \
		'plugindir=$(PLUGINDIR)' '' 'Name: virtlab' \
		'Description: the model-plugin interface of virtlab (docs/plugins.md)' \
		'Version: $(VERSION)' 'Cflags: -I$${includedir}/virtlab' > $@

install: $(VIRTLAB) $(PROBE) $(PROBE_CROSS) $(BUILD)/plugins/ideal.so $(MANPAGE) $(COMPLETION) \
         $(PCFILE) $(VLCAPTURE) $(VLSYSCAP) $(VLINIT)
	@$(if $(Q),echo "  INSTALL $(DESTDIR)$(PREFIX)")
	$(Q)$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PLUGINDIR) \
		$(DESTDIR)$(INCLUDEDIR)/virtlab/sim $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(DATADIR)/virtlab/traces/samples $(DESTDIR)$(DATADIR)/virtlab/plugins/example \
		$(addprefix $(DESTDIR)$(DATADIR)/virtlab/,$(sort $(dir $(EXPFILES))))
	$(Q)$(INSTALL) -m 755 $(VIRTLAB) $(PROBE) $(PROBE_CROSS) $(DESTDIR)$(BINDIR)
	$(Q)$(INSTALL) -m 644 $(BUILD)/plugins/ideal.so $(DESTDIR)$(PLUGINDIR)
	$(Q)$(INSTALL) -m 644 $(VLCAPTURE) $(DESTDIR)$(LIBDIR)/virtlab/vlcapture.so
	$(Q)$(INSTALL) -m 644 $(VLSYSCAP) $(DESTDIR)$(LIBDIR)/virtlab/vlsyscap.so
	$(Q)$(INSTALL) -m 755 $(VLINIT) $(DESTDIR)$(LIBDIR)/virtlab/vl-init
	$(Q)$(INSTALL) -m 644 $(PLUGIN_HEADERS) $(DESTDIR)$(INCLUDEDIR)/virtlab/sim
	$(Q)$(INSTALL) -m 644 $(PCFILE) $(DESTDIR)$(LIBDIR)/pkgconfig/virtlab.pc
	$(Q)$(INSTALL) -m 644 $(MANPAGE) $(DESTDIR)$(MANDIR)/man1/virtlab.1
	$(Q)$(INSTALL) -m 644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/virtlab
	$(Q)$(INSTALL) -m 644 $(SAMPLES) $(DESTDIR)$(DATADIR)/virtlab/traces/samples
	$(Q)$(INSTALL) -m 644 plugins/example/ideal.c $(DESTDIR)$(DATADIR)/virtlab/plugins/example
	$(Q)for f in $(EXPFILES); do \
		$(INSTALL) -m 644 $$f $(DESTDIR)$(DATADIR)/virtlab/$$f || exit 1; done

FORCE:

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/virtlab $(DESTDIR)$(BINDIR)/vl-probe \
		$(DESTDIR)$(BINDIR)/vl-probe-aarch64 $(DESTDIR)$(BINDIR)/vl-probe-ppc \
		$(DESTDIR)$(BINDIR)/vl-probe-s390x $(DESTDIR)$(LIBDIR)/pkgconfig/virtlab.pc \
		$(DESTDIR)$(MANDIR)/man1/virtlab.1 $(DESTDIR)$(BASHCOMPDIR)/virtlab
	rm -rf $(DESTDIR)$(LIBDIR)/virtlab $(DESTDIR)$(INCLUDEDIR)/virtlab $(DESTDIR)$(DATADIR)/virtlab

deps:
	$(Q)sh scripts/deps.sh

# The tests run the virtlab binary of the same build for the command-line cases.
# Their build uses every CPU (JOBS), as CI's plain `make test` would not.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) $(TESTBIN) $(VIRTLAB) $(PLUGINS) $(PROBE) $(PROBE_DYN) \
		$(PROBE_CROSS) \
		$(INSNCOUNT) $(VLCAPTURE) $(TOUCHPAGES) $(VLSYSCAP) $(VLINIT)
	$(Q)VIRTLAB=$(VIRTLAB) PLUGINS=$(BUILD)/plugins $(TESTBIN)

# Every command block of README.md and docs/ (labs included), run as shown:
# several minutes. `make test` runs the quick part (tests/docs.sh).
test-docs: deps
	$(Q)$(MAKE) --no-print-directory $(VIRTLAB) $(PLUGINS) $(PROBE) $(PROBE_CROSS)
	$(Q)sh tests/docs.sh $(VIRTLAB) all

# The main job: the Adams & Agesen 2006 reproduction, end to end, and its report.
PAPER := experiments/papers/adams-agesen-2006.ini
run: deps
	$(Q)$(MAKE) --no-print-directory virtlab
	$(Q)./virtlab experiment run $(PAPER) --jobs 2
	$(Q)./virtlab report $(PAPER)
	@echo "open out/adams-agesen-2006/index.html in a browser"

# Every shipped report as a reader sees it: each paper and lab experiment and
# capacity plan run into out/shipped, reported and opened in headless
# Chromium (scripts/check-shipped-reports.sh). `make test` runs the same
# (tests/test_report.c, report_shipped_in_browser).
check-reports: deps
	$(Q)$(MAKE) --no-print-directory $(VIRTLAB)
	$(Q)sh scripts/check-shipped-reports.sh $(VIRTLAB) out/shipped

# Every published comparison whose predicted references carry a bound: the
# error of each against it (scripts/validate-published.sh). `make test` runs
# the same (tests/test_cli.c, cli_published_bounds).
validate-published: deps
	$(Q)$(MAKE) --no-print-directory $(VIRTLAB)
	$(Q)sh scripts/validate-published.sh $(VIRTLAB)

bench: deps
	$(Q)$(MAKE) --no-print-directory $(BENCHBIN)
	$(Q)$(BENCHBIN) $(BENCH_ARGS)
	$(Q)$(MAKE) --no-print-directory bench-peers
	$(Q)sh bench/capture.sh $(BUILD)
	$(Q)sh bench/callgrind.sh $(BUILD)

# The ns-3 side of the hold-model benchmark, when Debian's libns3-dev is there.
bench-peers:
	$(Q)sh bench/peers.sh $(BUILD)

# Kernel instructions per operation, counted on Linux under QEMU's TCG: the
# kernel path lengths of the trace generators (docs/trace-format.md).
kernel-paths: $(PROBE)
	$(Q)sh testbed/tcg/kernel-paths.sh $(BUILD)

# The captured corpus (traces/captured/): real programs under QEMU with the
# capture plugin, a few minutes; SCALE=N for longer runs.
traces: deps virtlab $(PROBE_DYN)
	$(Q)sh scripts/capture-corpus.sh $(BUILD) traces/captured

# Each target for FUZZ_SECONDS; FUZZ_TARGETS picks some (fuzz/run.sh lists them).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps virtlab
	$(Q)sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

print-lib-srcs:
	@echo $(LIB_SRCS)

clean:
	rm -rf build virtlab

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(BENCH_OBJS:.o=.d)
