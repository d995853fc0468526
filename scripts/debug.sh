#!/bin/bash
# make check-debug: the suite and a 120 s every-engine, every-agitator run
# on debug kernels built from Debian's linux-source-6.1 (with the corpus
# base fix, so a clean run must lose nothing). Not part of make check.
#   kasan: KASAN, KFENCE, PROVE_LOCKING, DEBUG_ATOMIC_SLEEP, DEBUG_VM,
#          PAGE_TABLE_CHECK (enforced), DEBUG_LIST/OBJECTS, UBSAN
#   kcsan: KCSAN (+ PROVE_LOCKING); a data race fails the gate when the
#          module is in it, the kernel's own races are counted
# Gate: every test ok, the run exits 0, no kernel report in the guest log.
#   debug.sh [build|check|all]   (default all)
# Variables: DEBUG_CONFIGS="kasan kcsan", DEBUG_RUN_SECONDS=120,
# DEBUG_RELOAD_CYCLES=20 (dr_reload, per configuration), JOBS, TESTS (as
# for vm.sh). Kernels are cached in $DR_CACHE/debug.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${DR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dirtyrace}
dbg=$cache/debug
src=$dbg/linux-source-6.1
tarball=/usr/src/linux-source-6.1.tar.xz
JOBS=${JOBS:-$(nproc)}
CONFIGS=${DEBUG_CONFIGS:-kasan kcsan}
SECS=${DEBUG_RUN_SECONDS:-120}
# The suite; dr_reload runs in a guest of its own, under single-threaded TCG
# (multi-threaded TCG keeps stale code after the kernel patches a kprobe's
# ftrace site: docs/results.md), as in make check.
DEBUG_TESTS="dr_knobs dr_run dr_ioremap dr_migrate dr_agitate dr_stall dr_rmmod dr_fsops dr_reload"
die() { echo "debug: $*" >&2; exit 2; }

# shellcheck source=corpus/edits.sh
. "$top/scripts/corpus/edits.sh"

prepare_tree() {
	[ -r "$tarball" ] || die "need $tarball (apt-get install linux-source-6.1)"
	[ -f "$src/.done" ] && return
	rm -rf "$src"
	mkdir -p "$dbg"
	tar -xJf "$tarball" -C "$dbg"
	base_fix
	touch "$src/.done"
}

# configure CFG: defconfig + kvm_guest + corpus config + slim + the CFG
# fragment.
configure() {
	local obj=$dbg/obj-$1 frag=$top/scripts/debug/$1.config
	local slim=$top/scripts/debug/slim.config
	[ -r "$frag" ] || die "no config fragment $frag"
	[ -f "$obj/.config" ] && [ "$obj/.config" -nt "$frag" ] &&
		[ "$obj/.config" -nt "$slim" ] &&
		[ "$obj/.config" -nt "$top/scripts/corpus/config" ] && return
	mkdir -p "$obj"
	make -s -C "$src" O="$obj" x86_64_defconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"$src/kernel/configs/kvm_guest.config" "$top/scripts/corpus/config" \
		"$slim" "$frag" >/dev/null
	make -s -C "$src" O="$obj" olddefconfig >/dev/null
	# A fragment option the kernel dropped is a silent hole in the lane.
	local want
	while read -r want; do
		grep -qx "$want" "$obj/.config" || [ "${want#*=}" = n ] ||
			die "$1: $want did not survive olddefconfig"
	done < <(grep '^CONFIG_' "$frag")
}

build_one() {
	local obj=$dbg/obj-$1 t0=$SECONDS
	configure "$1"
	[ -f "$dbg/$1.bzImage" ] && [ "$dbg/$1.bzImage" -nt "$obj/.config" ] && return
	echo "# debug: building $1 (log $dbg/build-$1.log)" >&2
	make -s -C "$src" O="$obj" -j"$JOBS" bzImage modules >"$dbg/build-$1.log" 2>&1 ||
		die "build of $1 failed, see $dbg/build-$1.log"
	cp "$obj/arch/x86/boot/bzImage" "$dbg/$1.bzImage"
	echo "# debug: built $1 in $((SECONDS - t0)) s" >&2
}

build() {
	"$top/scripts/validate.sh" tools
	prepare_tree
	for c in $CONFIGS; do build_one "$c"; done
}

# check_one CFG: suite, then the long run; both judged by guest-log.sh.
check_one() {
	local c=$1 rc=0 obj=$dbg/obj-$1
	# Checkers slow the guest several times over: longer limits, and 20
	# rmmod/insmod cycles per engine and inject instead of 6.
	local -a env=(KERNEL="$dbg/$c.bzImage" KDIR="$obj" VM_TIMEOUT=7200
		      KSFT_TIMEOUT=1800
		      GUEST_ENV="DR_RELOAD_CYCLES=${DEBUG_RELOAD_CYCLES:-20} DR_ZAP_FIXED=1 DR_DEBUG_KERNEL=1")
	# The kernel's own data races are set aside (guest-log.sh), so a
	# KCSAN report must not stop the guest: no panic_on_warn there.
	[ "$c" = kcsan ] && env+=(KCSAN_SCOPE=module PANIC_ON_WARN=0)
	# Inline KASAN under 5-level paging (-cpu max has LA57) can report a
	# wild-memory-access in handle_edge_irq() during boot, before the
	# module loads: a known KASAN false positive. 4-level paging avoids it.
	[ "$c" = kasan ] && env+=(VM_APPEND="no5lvl${VM_APPEND:+ $VM_APPEND}")
	[ -f "$dbg/$c.bzImage" ] || die "$c is not built (debug.sh build)"
	local tests=" ${TESTS:-$DEBUG_TESTS} " others
	others=$(echo ${tests// dr_reload / })
	echo "# debug: $c: selftests"
	[ -z "$others" ] ||
		env "${env[@]}" TESTS="$others" "$top/scripts/vm.sh" check || rc=1
	# The next guests reuse the guest's directory: keep each one's log.
	local vmdir
	vmdir=$top/build/vm/$(make -s -C "$obj" kernelrelease)
	cp "$vmdir/console.log" "$dbg/console-$c-suite.log" 2>/dev/null || true
	if [[ $tests == *" dr_reload "* ]]; then
		echo "# debug: $c: dr_reload, single-threaded TCG"
		env "${env[@]}" TCG_THREAD=single TESTS=dr_reload "$top/scripts/vm.sh" check || rc=1
		cp "$vmdir/console.log" "$dbg/console-$c-reload.log" 2>/dev/null || true
	fi
	echo "# debug: $c: $SECS s, every engine and agitator"
	env "${env[@]}" "$top/scripts/vm.sh" run --duration "$SECS" \
		--engines mkclean,migrate,ioremap,numa,stall --agitate all \
		> "$dbg/run-$c.txt" 2>&1 || rc=1
	grep -v '^    {' "$dbg/run-$c.txt" || true
	echo "# debug: $c: $([ $rc = 0 ] && echo clean || echo FAILED)"
	return $rc
}

check() {
	local rc=0
	for c in $CONFIGS; do check_one "$c" || rc=1; done
	return $rc
}

case "${1:-all}" in
build) build ;;
check) check ;;
all) build && check ;;
*) echo "usage: debug.sh [build|check|all]" >&2; exit 2 ;;
esac
