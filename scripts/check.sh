#!/bin/bash
# make check: style gates, dkms, then the selftests in QEMU on each kernel.
# Prints every KTAP line and ends with "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
passed=0 failed=0
step() {	# step NAME CMD...: run one gate, count it
	local name=$1
	shift
	echo "# check: $name"
	if "$@"; then
		passed=$((passed + 1)); echo "ok - $name"
	else
		failed=$((failed + 1)); echo "not ok - $name"
	fi
}
mkdir -p build
# The host's kernel packages (images, headers, kbuild) before this check:
# make check records them before set-up (HOST_PKGS=); run alone, now.
host_pkgs() {
	dpkg-query -W -f='${Package}\n' 'linux-image-*' 'linux-headers-*' \
		'linux-kbuild-*' 2>/dev/null | sort
}
if [ -z "${HOST_PKGS:-}" ]; then
	HOST_PKGS=build/host-pkgs.txt
	host_pkgs > "$HOST_PKGS"
fi
# CHECK_ARCH=arm64 (make check-arm64): the arm64 kernels, each booted under
# both CPU models; the host-side gates are make check's.
if [ "${CHECK_ARCH:-}" = arm64 ]; then
	export KERNELS=${KERNELS:-debian-6.1-arm64 debian-6.12-arm64 debian-7.2-arm64}
	step "W=1 build on $KERNELS" make -s w1
	for k in $KERNELS; do
		for cpu in ${GUEST_CPUS:-max cortex-a57}; do
			step "selftests on $k -cpu $cpu, 2 NUMA nodes" \
				env KERNEL="$k" GUEST_CPU="$cpu" scripts/vm.sh check
		done
	done
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
fi
step checkpatch make -s checkpatch
step "docs name every stats key, knob and option" scripts/check-docs.sh
KERNELS=${KERNELS:-debian-6.1 debian-6.12 debian-7.2}
export KERNELS
step "W=1 build on $KERNELS" make -s w1
step "dkms build" scripts/dkms-check.sh
# dr_reload loads and unloads the module 200 times per kernel (RELOAD_CYCLES=20
# per configuration, 10 configurations). Multi-threaded TCG can
# keep executing a breakpoint the kernel's text patching already removed
# (docs/results.md), so its guests run single-threaded TCG.
for k in $KERNELS; do
	step "selftests on $k, 2 NUMA nodes" env KERNEL="$k" scripts/vm.sh check
	step "rmmod/insmod cycles on $k, single-threaded TCG" \
		env KERNEL="$k" TCG_THREAD=single TESTS=dr_reload KSFT_TIMEOUT=1200 \
		GUEST_ENV="DR_RELOAD_CYCLES=${RELOAD_CYCLES:-20}" scripts/vm.sh check
done
# Large folios: dr_folios on xfs, whose page cache makes them on every
# kernel (7.2's ext4 makes them too: its suite above runs dr_folios), then
# the no-false-alarm gate's short list on every kernel, on ext4 and xfs.
for kf in ${FOLIO_KERNELS:-debian-6.1:xfs debian-6.12:xfs debian-7.2:xfs}; do
	step "large-folio selftests on ${kf%%:*}, ${kf##*:}" \
		env KERNEL="${kf%%:*}" FS="${kf##*:}" TESTS=dr_folios scripts/vm.sh check
done
step "no-false-alarm gate (short): every kernel, ext4 and xfs" scripts/gate.sh short
# The harness itself: a kernel problem or a hung guest is a verdict.
step "harness: an Oops, a WARNING, a panic and hung guests end with their verdict; no module or an unexpected skip fails" \
	scripts/harness-test.sh
step "make install's selftests run under run_kselftest.sh" scripts/install-test.sh
# Migration and the libnuma migrator behave differently on one node:
# their suite once more on a one-node boot.
one=${ONE_NODE_KERNEL:-debian-6.12}
step "migration selftests on $one, 1 NUMA node" \
	env KERNEL="$one" NODES=1 TESTS="dr_migrate" scripts/vm.sh check
# No kernel image, headers or kbuild package appeared on the host.
packages_unchanged() {
	[ -s "$HOST_PKGS" ] || command -v dpkg-query >/dev/null || {
		echo "(no dpkg: nothing to compare)"; return 0; }
	host_pkgs | comm -13 "$HOST_PKGS" - | grep . && return 1
	return 0
}
step "no kernel image or headers package installed on the host" packages_unchanged
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
