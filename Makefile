# SPDX-License-Identifier: GPL-2.0
# dirtyrace: `make` builds module, userspace and selftests; `make run` and
# `make check` boot real Debian kernels in QEMU (see README.md).
KDIR ?= /lib/modules/$(shell uname -r)/build
# A kernel tree for kselftest.h, kselftest_harness.h and checkpatch.pl;
# by default they are taken from Debian's linux-source-6.1 package.
KSRC ?=
KSRC_TAR ?= /usr/src/linux-source-6.1.tar.xz
TOP := $(CURDIR)
KSFT := $(TOP)/build/ksft
MODOUT ?=
KERNELS ?= debian-6.1 debian-6.12 debian-7.2

all: module userspace selftests

# The module; with MODOUT= it builds in a copy, one per kernel.
module:
ifeq ($(MODOUT),)
	$(MAKE) -C $(KDIR) M=$(TOP) modules
else
	mkdir -p $(MODOUT)
	cp -r Kbuild include module $(MODOUT)/
	$(MAKE) -C $(KDIR) M=$(MODOUT) modules
endif

userspace:
	$(MAKE) -C userspace

# Kernel-tree files we build with but never copy into this repository.
# kunit.py parses the suite's KTAP in make check (scripts/ktap-check.sh);
# it only runs from a tools/testing/kunit directory.
KSFT_FILES := tools/testing/selftests/kselftest.h \
	tools/testing/selftests/kselftest_harness.h \
	tools/testing/selftests/kselftest/runner.sh \
	tools/testing/selftests/kselftest/prefix.pl \
	tools/testing/selftests/run_kselftest.sh \
	scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch \
	tools/testing/kunit/*.py

$(KSFT)/.done: Makefile
	rm -rf $(KSFT) && mkdir -p $(KSFT)/src $(KSFT)/kselftest $(KSFT)/scripts \
		$(KSFT)/tools/testing/kunit
	@if [ -n "$(KSRC)" ]; then \
		cd $(KSRC) && cp --parents $(KSFT_FILES) $(KSFT)/src; \
	else \
		[ -r $(KSRC_TAR) ] || { echo "need $(KSRC_TAR) (apt-get install linux-source-6.1) or KSRC=<kernel tree>"; exit 2; }; \
		tar -xJf $(KSRC_TAR) -C $(KSFT)/src --strip-components=1 \
			--wildcards $(addprefix '*/',$(KSFT_FILES)); \
	fi
	cp $(KSFT)/src/tools/testing/selftests/kselftest*.h $(KSFT)/
	cp $(KSFT)/src/tools/testing/selftests/kselftest/runner.sh \
		$(KSFT)/src/tools/testing/selftests/kselftest/prefix.pl $(KSFT)/kselftest/
	cp $(KSFT)/src/tools/testing/selftests/run_kselftest.sh $(KSFT)/
	cp $(KSFT)/src/tools/testing/kunit/*.py $(KSFT)/tools/testing/kunit/
	cp $(KSFT)/src/scripts/* $(KSFT)/scripts/
	rm -rf $(KSFT)/src
	touch $@

selftests: userspace $(KSFT)/.done
	$(MAKE) -C selftests KSFT_INC=$(KSFT)

# The hammer and selftests for arm64 guests (vm.sh does this for an arm64
# KERNEL): built in a copy under build/cross-arm64/src, static, against
# Debian's arm64 libc (libc6-dev-arm64-cross) and libnuma (unpacked by
# kernel.sh pkgroot, never installed).
CROSS_OUT ?= $(TOP)/build/cross-arm64
CROSS_PKGS := libnuma-dev libnuma1 busybox-static
cross: $(KSFT)/.done
	@command -v aarch64-linux-gnu-gcc >/dev/null || { echo "need aarch64-linux-gnu-gcc (make setup-arm64)"; exit 2; }
	rm -rf $(CROSS_OUT)/src && mkdir -p $(CROSS_OUT)/src
	cp -r include userspace selftests $(CROSS_OUT)/src/
	$(MAKE) -s -C $(CROSS_OUT)/src/userspace clean
	$(MAKE) -s -C $(CROSS_OUT)/src/selftests clean
	set -e; root=$$(scripts/kernel.sh pkgroot arm64 $(CROSS_PKGS)); \
	cc="aarch64-linux-gnu-gcc -isystem $$root/usr/include -L$$root/usr/lib/aarch64-linux-gnu"; \
	$(MAKE) -s -C $(CROSS_OUT)/src/userspace CC="$$cc"; \
	$(MAKE) -s -C $(CROSS_OUT)/src/selftests CC="$$cc" KSFT_INC=$(KSFT)

# Kernel style gate: checkpatch --strict of 6.1 (build/ksft) and of the
# newest kernel (7.2's, from sid's linux-source-7.2, in build/checkpatch-7.2):
# every ERROR, WARNING and CHECK fails, except what is by design:
# LINUX_VERSION_CODE (module/compat.h is where an out-of-tree module keeps
# version differences), COMPLEX_MACRO, MACRO_ARG_REUSE and MACRO_ARG_UNUSED
# (the X-macros in include/dirtyrace.h: each helper uses some columns),
# USLEEP_RANGE (the stall engine busy-waits where it may not sleep),
# LONG_LINE_STRING (messages stay greppable); in the selftests, which are
# userspace code on the kselftest harness, also PREFER_KERNEL_TYPES,
# MACRO_WITH_FLOW_CONTROL, EMBEDDED_FUNCTION_NAME (JSON keys and /proc
# names) and SPACING (its FIXTURE_DATA() types).
CP_NEW := $(TOP)/build/checkpatch-7.2
CP_OPTS := --no-tree --strict --terse --show-types -f
CP_IGNORE := FILE_PATH_CHANGES,SPDX_LICENSE_TAG,LINUX_VERSION_CODE,COMPLEX_MACRO,MACRO_ARG_REUSE,MACRO_ARG_UNUSED,USLEEP_RANGE,LONG_LINE_STRING
CP_IGNORE_TESTS := $(CP_IGNORE),PREFER_KERNEL_TYPES,MACRO_WITH_FLOW_CONTROL,EMBEDDED_FUNCTION_NAME,SPACING
$(CP_NEW)/.done:
	rm -rf $(CP_NEW) && mkdir -p $(CP_NEW)
	set -e; tar=$$(scripts/kernel.sh source debian-7.2); \
	tar -xJf $$tar -C $(CP_NEW) --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
	touch $@

checkpatch: $(KSFT)/.done $(CP_NEW)/.done
	@mkdir -p build
	for cp in $(KSFT)/scripts/checkpatch.pl $(CP_NEW)/scripts/checkpatch.pl; do \
		echo "# $$cp"; \
		perl $$cp $(CP_OPTS) --ignore $(CP_IGNORE) module/*.c module/*.h include/*.h; \
		perl $$cp $(CP_OPTS) --ignore $(CP_IGNORE_TESTS) selftests/*.c selftests/*.h; \
	done | tee build/checkpatch.txt
	@! grep -Eq ': (ERROR|WARNING|CHECK):' build/checkpatch.txt

w1:
	@set -e; for k in $(KERNELS); do \
		rel=$$(scripts/kernel.sh release $$k); cross=; \
		[ "$$(scripts/kernel.sh arch $$k)" = arm64 ] && cross="ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-"; \
		scripts/kernel.sh build $$k $(TOP)/build/w1/$$rel $$cross W=1 2>&1 | \
			tee build/w1-$$rel.txt; \
		if grep -Eq 'warning:|error:' build/w1-$$rel.txt; then exit 1; fi; \
		echo "w1: $$rel warning-free"; \
	done

dkms-check:
	scripts/dkms-check.sh

setup:
	scripts/setup.sh

# The cross compiler, qemu-system-aarch64 and the arm64 kernels' headers.
setup-arm64:
	scripts/setup.sh arm64

# The suite on the arm64 kernels, each under -cpu max and -cpu cortex-a57
# (not part of check: see docs/testing.md).
check-arm64: setup-arm64
	CHECK_ARCH=arm64 scripts/check.sh

# Not part of check: SOAK_SECONDS (600) per kernel, every engine (the stall
# amplifier too) and agitator.
soak: setup
	scripts/soak.sh

# Not part of check: the no-false-alarm gate's full list (every engine
# alone, with each agitator and with all, ...) on 6.1, 6.12 and 7.2, ext4
# and xfs, GATE_REPEAT=2 times; make check runs its short list.
gate: setup
	scripts/gate.sh full

# The default stress run: the options chosen to catch the validation
# corpora's default entries (scripts/run.args; how well: docs/results.md).
RUN_ARGS ?= $(shell cat scripts/run.args)
# GNU make exits 2 whenever a recipe fails, whatever its code: the
# verdict's own code (README) is printed here, and is scripts/vm.sh's.
run: setup
	@scripts/vm.sh run $(RUN_ARGS); rc=$$?; \
	echo "make run: scripts/vm.sh run exited $$rc (0 PASS, 1 FAIL, 2 set-up, 3 INCONCLUSIVE, 4 skip, 5 kernel problem, 6 hung)"; \
	exit $$rc

# Not part of check: mutant kernels built from linux-source-6.1 (cached),
# each booted with the make run options; prints bug / caught / time.
validate: setup
	scripts/validate.sh

# Not part of check: the suite and a 120 s every-engine run on KASAN/lockdep
# and KCSAN kernels built from linux-source-6.1 (cached); no report allowed.
check-debug: setup
	scripts/debug.sh

# Not part of check: time-to-detect distributions and rate ratios.
bench: setup
	scripts/bench.sh

# The host's kernel packages before set-up: check.sh proves none was added.
check:
	@mkdir -p build
	@dpkg-query -W -f='$${Package}\n' 'linux-image-*' 'linux-headers-*' 'linux-kbuild-*' \
		2>/dev/null | sort > build/host-pkgs.txt || true
	scripts/setup.sh
	HOST_PKGS=build/host-pkgs.txt scripts/check.sh

# make install [DESTDIR=] [PREFIX=/usr/local]: the module into the running
# (or KDIR's) kernel's extra/ with depmod, the program and its man page,
# and the selftests in the kselftest install layout under
# $(PREFIX)/libexec/dirtyrace/kselftest: run_kselftest.sh,
# kselftest/runner.sh and prefix.pl, kselftest-list.txt and the programs in
# dirtyrace/, so "./run_kselftest.sh" runs them as the kernel's own do.
# The selftests need kselftest.h from a kernel tree (KSRC= or Debian's
# linux-source-6.1); without one they are left out, with a message.
PREFIX ?= /usr/local
KSFT_DEST = $(DESTDIR)$(PREFIX)/libexec/dirtyrace/kselftest
install:
	@[ -f $(KDIR)/Makefile ] || { echo "make install: KDIR=$(KDIR) is not a kernel build tree (apt-get install linux-headers-$$(uname -r), or KDIR=<tree>)"; exit 2; }
	$(MAKE) module userspace
	$(MAKE) -C $(KDIR) M=$(TOP) INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=extra modules_install
	install -D -m755 userspace/dirtyrace $(DESTDIR)$(PREFIX)/bin/dirtyrace
	install -D -m644 userspace/dirtyrace.1 $(DESTDIR)$(PREFIX)/share/man/man1/dirtyrace.1
	@if [ -z "$(KSRC)" ] && [ ! -r $(KSRC_TAR) ]; then \
		echo "make install: selftests not installed: they need kselftest.h from a kernel tree (KSRC=<tree>, or apt-get install linux-source-6.1)"; \
	else \
		$(MAKE) install-selftests; \
	fi

install-selftests: selftests
	$(MAKE) -C selftests install KSFT_INC=$(KSFT) INSTALL_PATH=$(KSFT_DEST)/dirtyrace
	install -D -m755 $(KSFT)/run_kselftest.sh $(KSFT_DEST)/run_kselftest.sh
	install -D -m755 $(KSFT)/kselftest/runner.sh $(KSFT_DEST)/kselftest/runner.sh
	install -D -m755 $(KSFT)/kselftest/prefix.pl $(KSFT_DEST)/kselftest/prefix.pl
	sed 's|\./|dirtyrace:|g' $(KSFT_DEST)/dirtyrace/tests | tr ' ' '\n' > $(KSFT_DEST)/kselftest-list.txt

clean:
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean
	rm -rf build *.o *.ko *.mod *.mod.c .*.cmd module/*.o module/.*.cmd modules.order Module.symvers

.PHONY: all module userspace selftests install-selftests cross checkpatch w1 dkms-check setup setup-arm64 run check check-arm64 check-debug soak gate validate bench install clean
