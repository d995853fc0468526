#!/bin/bash
# Tests of the VM harness itself: a guest kernel problem is a verdict of
# its own (exit 5, the report's first frames, dirtyrace on the stack or
# not), a hung guest is killed (exit 6), never a hang or a pass; a module
# that never loaded and a test that skipped where it must run fail the
# suite. Each case boots a guest of KERNEL (default debian-6.12) that fails
# on purpose (scripts/guest/fault.sh, or a setting); a kernel name it
# does not know is refused before any boot. KTAP-style lines;
# exit 0 when all pass.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export KERNEL=${KERNEL:-debian-6.12}
n=0 failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# case NAME WANT_RC PATTERN... -- ENV...: each PATTERN must be in the
# output of vm.sh (VM_MODE=check: the suite, else fault.sh NAME's first word)
case_() {
	local name=$1 want=$2 rc pat
	shift 2
	local -a pats=()
	while [ "$1" != -- ]; do pats+=("$1"); shift; done
	shift
	n=$((n + 1))
	if [[ " $* " == *" VM_MODE=check "* ]]; then
		env "$@" "$top/scripts/vm.sh" check > "$out" 2>&1
	else
		env "$@" "$top/scripts/vm.sh" script "$top/scripts/guest/fault.sh" "${name%%:*}" > "$out" 2>&1
	fi
	rc=$?
	local ok=1
	[ "$rc" = "$want" ] || { echo "# $name: exit $rc, want $want"; ok=0; }
	for pat in "${pats[@]}"; do
		grep -q -- "$pat" "$out" || { echo "# $name: no '$pat' in the output"; ok=0; }
	done
	if [ "$ok" = 1 ]; then
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		sed 's/^/#   /' "$out" | grep -v 'getaddrinfo\|libnuma.a' | tail -n 25
		echo "not ok $n - $name"
	fi
}

echo "TAP version 13"
echo "1..10"
case_ "oops: an Oops in dirtyrace's code" 5 "KERNEL PROBLEM in the guest: BUG: kernel NULL pointer dereference" \
	"dirtyrace's own code is on its stack: .*dr_test_fault_write" "verdict KERNEL" -- \
	MODPARAMS=test_faults=1 VM_TIMEOUT=300
case_ "warn: a WARNING stops the guest (panic_on_warn)" 5 "KERNEL PROBLEM in the guest: WARNING:" \
	"dirtyrace's own code is on its stack" "verdict KERNEL" -- \
	MODPARAMS=test_faults=1 VM_TIMEOUT=300
case_ "panic: a crash elsewhere, dirtyrace not on the stack" 5 "KERNEL PROBLEM in the guest: Kernel panic" \
	"dirtyrace's code is not on its stack" -- VM_TIMEOUT=300
case_ "hang: no result in VM_TIMEOUT, QEMU killed" 6 "verdict HUNG" "no result within VM_TIMEOUT=40" -- \
	VM_TIMEOUT=40
case_ "no-poweroff: a result but no power-off, QEMU killed" 6 "verdict HUNG" \
	"did not power off within 10 s" -- POWEROFF_GRACE=10 VM_TIMEOUT=300
case_ "module not loaded: the suite fails" 1 "the module did not load" -- \
	VM_MODE=check TESTS=dr_knobs VM_APPEND=module_blacklist=dirtyrace VM_TIMEOUT=300
case_ "unexpected skip: dr_ioremap without a range on x86 fails" 1 \
	"UNEXPECTED skip: dr_ioremap" -- VM_MODE=check TESTS=dr_ioremap IOREMAP_RANGE=none VM_TIMEOUT=300
case_ "expected skip: dr_folios on ext4 before 6.16 passes, KTAP parsed" 0 \
	"expected skip: dr_folios" "ktap-check: kunit.py parse: " -- \
	VM_MODE=check TESTS=dr_folios FS=ext4 VM_TIMEOUT=300
case_ "unknown kernel name: exit 2, the known names listed" 2 \
	"unknown kernel 'debian-5.10' (known: debian-6.1, debian-6.12, debian-7.2" -- KERNEL=debian-5.10
case_ "no such kernel: exit 2, the known names listed" 2 \
	"KERNEL=no-such-kernel: no such kernel image; known: debian-6.1" -- KERNEL=no-such-kernel
echo "# harness-test: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
