#!/bin/bash
# Boot a real kernel in QEMU with dirtyrace and run the suite or one run.
#   vm.sh check               selftests, KTAP on stdout
#   vm.sh run [hammer args]   one `dirtyrace run`, human summary + JSON
#   vm.sh shell               interactive guest shell
#   vm.sh script FILE         run a shell script in the guest (reductions,
#                             experiments); its output on stdout
# Variables: KERNEL=debian-6.1 (default) | debian-6.12 | debian-7.2 |
# debian-6.1-arm64 | debian-6.12-arm64 | host | /path/bzImage (then KDIR=
# its build tree, MODDIR= its lib/modules/<rel>; BUILD_ROOT= a build root
# KDIR is inside, whose compiler builds the module), FS=ext4|xfs (the test
# disk's file system), MTHP=inherit|never|keep (every mTHP size of the
# guest's /sys/kernel/mm/transparent_hugepage/hugepages-*kB follows the
# top-level THP mode, is off, or keeps the kernel's default), GUEST_CPU (arm64: max, the default, with
# hardware access/dirty flags, or cortex-a57, dirty bits in software), SMP=2,
# MEM=2048 (MiB), NODES=2, ACCEL=auto|kvm|tcg, TCG_THREAD=multi|single,
# VM_TIMEOUT=1500 (s),
# IOREMAP_RANGE=0x60000000,8M (reserved with memmap=, "none" for no range),
# TESTS="dr_migrate ..." (check: run only these selftests),
# VM_APPEND (more kernel command line), GUEST_ENV="K=V ..." (environment
# of the tests), KSFT_TIMEOUT (seconds per selftest, default their settings),
# MODPARAMS="k=v ..." (more dirtyrace module parameters), PANIC_ON_WARN=1
# (0: a WARNING or KCSAN report does not stop the guest).
# Exit: the guest's own code (run: the hammer's, 0 PASS .. 4 skip; check:
# 0 or 1), 5 when the guest kernel crashed or reported a problem (Oops,
# BUG, WARNING, panic, KASAN/KCSAN/UBSAN, lockdep, lockup, hung task, RCU
# stall; the report and whether dirtyrace's code is on its stack are
# printed), 6 when the guest hung (no result in VM_TIMEOUT, or no power-off
# within POWEROFF_GRACE=60 s after it).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-check}
shift || true
KERNEL=${KERNEL:-debian-6.1}
SMP=${SMP:-2}
MEM=${MEM:-2048}
NODES=${NODES:-2}
ACCEL=${ACCEL:-auto}
TCG_THREAD=${TCG_THREAD:-multi}
VM_TIMEOUT=${VM_TIMEOUT:-1500}
POWEROFF_GRACE=${POWEROFF_GRACE:-60}
FS=${FS:-ext4}
PANIC_ON_WARN=${PANIC_ON_WARN:-1}
MTHP=${MTHP:-inherit}
cache=${DR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dirtyrace}
die() { echo "vm.sh: $*" >&2; exit 2; }
case "$TCG_THREAD" in multi|single) ;; *) die "TCG_THREAD=$TCG_THREAD: multi or single" ;; esac
case "$FS" in ext4|xfs) ;; *) die "FS=$FS: ext4 or xfs" ;; esac
case "$MTHP" in inherit|never|keep) ;; *) die "MTHP=$MTHP: inherit, never or keep" ;; esac
command -v "mkfs.$FS" >/dev/null || die "FS=$FS needs mkfs.$FS on the host (make setup installs it)"

# --- kernel, its modules and its build tree --------------------------------
GUEST_ARCH=amd64
KDIR_GIVEN=${KDIR:-}
case "$KERNEL" in
debian-*)
	GUEST_ARCH=$("$top/scripts/kernel.sh" arch "$KERNEL")
	rel=$("$top/scripts/kernel.sh" release "$KERNEL")
	root=$("$top/scripts/kernel.sh" fetch "$KERNEL")
	vmlinuz=$root/boot/vmlinuz-$rel
	moddir=$root/lib/modules/$rel
	KDIR=${KDIR:-$("$top/scripts/kernel.sh" headers "$KERNEL")}
	;;
host)
	rel=$(uname -r)
	vmlinuz=/boot/vmlinuz-$rel
	moddir=/lib/modules/$rel
	KDIR=${KDIR:-$moddir/build}
	;;
*)
	[ -f "$KERNEL" ] || die "KERNEL=$KERNEL: no such kernel image; known: $("$top/scripts/kernel.sh" known), host, or the path of a bzImage (with KDIR=)"
	[ -n "${KDIR:-}" ] || die "KERNEL=<bzImage> needs KDIR=<its build tree>"
	vmlinuz=$KERNEL
	rel=$(cat "$KDIR/include/config/kernel.release" 2>/dev/null || basename "$KERNEL")
	moddir=${MODDIR:-}
	;;
esac
[ -r "$vmlinuz" ] || die "cannot read $vmlinuz"
[ -d "$KDIR" ] || die "no kernel build tree at $KDIR (make setup unpacks the Debian ones)"
out=$top/build/vm/$rel
cross=()
if [ "$GUEST_ARCH" = arm64 ]; then
	GUEST_CPU=${GUEST_CPU:-max}
	out=$out-$GUEST_CPU
	cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
fi
mkdir -p "$out"

# --- module for this kernel, userspace, selftests --------------------------
if [[ "$KERNEL" == debian-* ]] && [ -z "${KDIR_GIVEN:-}" ]; then
	# kernel.sh knows how (sid's kernels build in a sid build root).
	"$top/scripts/kernel.sh" build "$KERNEL" "$out/mod" "${cross[@]}" >/dev/null
elif [ -n "${BUILD_ROOT:-}" ]; then
	# A tree built in a build root (the 7.2 corpus): KDIR is under it.
	[[ "$KDIR" == "$BUILD_ROOT"/* ]] || die "KDIR=$KDIR is not inside BUILD_ROOT=$BUILD_ROOT"
	"$top/scripts/kernel.sh" build-in "$BUILD_ROOT" "${KDIR#"$BUILD_ROOT"}" "$out/mod" \
		"${cross[@]}" >/dev/null
else
	make -s -C "$top" module KDIR="$KDIR" MODOUT="$out/mod" "${cross[@]}" >/dev/null
fi
busybox=/bin/busybox
ubin=$top/userspace ksft=$top/selftests
if [ "$GUEST_ARCH" = arm64 ]; then
	make -s -C "$top" cross CROSS_OUT="$out/cross" >/dev/null
	busybox=$("$top/scripts/kernel.sh" pkgroot arm64 libnuma-dev libnuma1 busybox-static)/bin/busybox
	ubin=$out/cross/src/userspace ksft=$out/cross/src/selftests
else
	make -s -C "$top" userspace selftests >/dev/null
fi

# --- initramfs -------------------------------------------------------------
moddeps() {	# moddeps MODDIR NAME...: module paths, dependencies first
	local dir=$1 name line
	shift
	for name in "$@"; do
		line=$(grep -E "(^|/)$name\.ko(\.xz|\.zst)?:" "$dir/modules.dep") || continue
		# modules.dep lists the whole closure; the last entry loads first.
		echo "$line" | tr -d : | tr ' ' '\n' | tac
	done | awk 'NF && !seen[$0]++'
}

ird=$out/initramfs
rm -rf "$ird"
mkdir -p "$ird"/{bin,sbin,usr/bin,proc,sys,dev,tmp,mnt,lib/modules,ksft/dirtyrace}
cp "$busybox" "$ird/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$ird/bin/$a" ] || ln -s busybox "$ird/bin/$a"
done
install -m755 "$top/scripts/timeout-shim.sh" "$ird/usr/bin/timeout"
install -m755 "$top/scripts/guest-init.sh" "$ird/init"
install -m755 "$top/scripts/guest/ktap-run.sh" "$ird/ktap-run.sh"
if [ "$mode" = script ]; then
	[ -r "${1:-}" ] || die "vm.sh script FILE: cannot read '${1:-}'"
	install -m755 "$1" "$ird/script.sh"
	shift
fi
cp "$out/mod/dirtyrace.ko" "$ird/dirtyrace.ko"
cp "$ubin/dirtyrace" "$ird/bin/dirtyrace"
make -s -C "$ksft" install INSTALL_PATH="$ird/ksft/dirtyrace" >/dev/null
: > "$ird/lib/modules/load.order"
if [ -n "$moddir" ] && [ -d "$moddir" ]; then
	# ext4 and virtio disk drivers with their dependencies, in load order.
	moddeps "$moddir" virtio_pci virtio_mmio virtio_blk crc32c_generic "$FS" |
	while read -r m; do
		name=$(basename "$m")
		case "$name" in
		*.xz) xz -dc "$moddir/$m" > "$ird/lib/modules/${name%.xz}"; name=${name%.xz} ;;
		*.zst) zstd -qdc "$moddir/$m" > "$ird/lib/modules/${name%.zst}"; name=${name%.zst} ;;
		*) cp "$moddir/$m" "$ird/lib/modules/$name" ;;
		esac
		echo "$name" >> "$ird/lib/modules/load.order"
	done
fi
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initramfs.cpio.gz"

# --- disk ------------------------------------------------------------------
mkdisk() {
	rm -f "$out/disk.img"
	truncate -s 1G "$out/disk.img"
	case "$FS" in
	ext4) mkfs.ext4 -q -F "$out/disk.img" ;;
	xfs) mkfs.xfs -q -f "$out/disk.img" ;;
	esac
}
mkdisk

# --- boot ------------------------------------------------------------------
numa=()
if [ "$NODES" -gt 1 ]; then
	per=$((MEM / NODES))
	for ((n = 0; n < NODES; n++)); do
		lo=$((n * SMP / NODES)); hi=$(((n + 1) * SMP / NODES - 1))
		[ "$hi" -ge "$lo" ] || die "SMP=$SMP is too few for NODES=$NODES"
		numa+=(-object "memory-backend-ram,id=m$n,size=${per}M"
		       -numa "node,nodeid=$n,cpus=$lo-$hi,memdev=m$n")
	done
fi
args=$(IFS="~"; echo "$*")	# no spaces on the kernel command line
# A non-RAM range for the ioremap engine: reserved here, handed to the module.
# arm64 has no memmap=: no range, the ioremap tests skip.
[ "$GUEST_ARCH" = arm64 ] && IOREMAP_RANGE=none
IOREMAP_RANGE=${IOREMAP_RANGE:-0x60000000,8M}
io=
[ "$IOREMAP_RANGE" = none ] ||
	io="memmap=${IOREMAP_RANGE#*,}\$${IOREMAP_RANGE%,*} dr.ioremap=$IOREMAP_RANGE"
# Ranges the module must refuse (dr_ioremap): reserved inside QEMU's 32-bit
# PCI window; reserved at the top level with no memory behind it; legacy
# PMEM and ACPI data at the top level (not Reserved: never touched).
if [ "$GUEST_ARCH" = amd64 ]; then
	io="$io memmap=4M\$0xa0000000 dr.pcireserved=0xa0000000,4M"
	io="$io memmap=4M\$0x200000000 dr.unbacked=0x200000000,4M"
	io="$io memmap=4M!0x210000000 dr.pmem=0x210000000,4M"
	io="$io memmap=4M#0x220000000 dr.acpi=0x220000000,4M"
fi
console=ttyS0
# kpti=0: QEMU's arm64 TLB has no ASID tags, so KPTI's ASID switch at
# every kernel entry flushes it whole and no stale entry outlives a
# syscall or tick. The CPUs modelled here need no KPTI against Meltdown
# (it hides KASLR only), and -cpu max has E0PD instead.
[ "$GUEST_ARCH" = arm64 ] && console="ttyAMA0 kpti=0"
# TESTS="dr_migrate ...": run only these selftests (default: all).
tests=$(echo ${TESTS:-} | tr ' ' '~')
# The tests know the CPU model: under -cpu max some injects are weak.
[ "$GUEST_ARCH" = arm64 ] && GUEST_ENV="${GUEST_ENV:-} DR_GUEST_CPU=$GUEST_CPU"
genv=$(echo ${GUEST_ENV:-} | tr ' ' '~')
# A kernel problem ends the guest at once (QEMU exits on the reboot, see
# -no-reboot): an Oops or BUG panics, so do lockups, hung tasks and RCU
# stalls, and with PANIC_ON_WARN=1 a WARNING, KASAN or KCSAN report too.
# loglevel=5: a WARNING (KERN_WARNING) reaches the console before the
# panic, which leaves no dmesg dump.
stop="oops=panic softlockup_panic=1 hung_task_panic=1 sysctl.kernel.panic_on_rcu_stall=1"
[ "$PANIC_ON_WARN" = 1 ] && stop="$stop panic_on_warn=1"
modparams=$(echo ${MODPARAMS:-} | tr ' ' '~')
append="console=$console loglevel=5 panic=-1 $stop $io ${VM_APPEND:-} dr.fs=$FS dr.mthp=$MTHP${modparams:+ dr.modparams=$modparams} dr.mode=$mode${args:+ dr.args=$args}${tests:+ dr.tests=$tests}${genv:+ dr.env=$genv}${KSFT_TIMEOUT:+ dr.timeout=$KSFT_TIMEOUT}"
# Each boot keeps its own log and report: build/vm/<release>/runs/<time>-<mode>,
# the newest linked as runs/latest (and from console.log, report.json);
# the 30 newest are kept.
runs=$out/runs
logdir=$runs/$(date +%Y%m%d-%H%M%S)-$mode-$$
mkdir -p "$logdir"
ln -sfn "$(basename "$logdir")" "$runs/latest"
ln -sfn runs/latest/console.log "$out/console.log"
ln -sfn runs/latest/report.json "$out/report.json"
# shellcheck disable=SC2012
ls -1dt "$runs"/*-* 2>/dev/null | tail -n +31 | xargs -r rm -rf
log=$logdir/console.log

boot() {	# boot ACCEL TIMEOUT: run QEMU, console to $log
	local accel=$1 cpu=max
	local -a extra=()
	[ "$accel" = kvm ] && cpu=host
	[ "$mode" = shell ] || extra=(-display none -serial "file:$log" -monitor none)
	[ "$mode" = shell ] && extra=(-nographic)
	: > "$log"
	local -a q=(qemu-system-x86_64 -accel "$accel" -cpu "$cpu")
	local drive=(-drive "file=$out/disk.img,if=virtio,format=raw,cache=unsafe")
	if [ "$GUEST_ARCH" = arm64 ]; then
		# pauth-impdef: QEMU's cheap pointer-auth hash, not the slow QARMA.
		cpu=$GUEST_CPU
		[ "$cpu" = max ] && cpu=max,pauth-impdef=on
		q=(qemu-system-aarch64 -M virt,gic-version=3 -accel "$accel" -cpu "$cpu")
		drive=(-drive "file=$out/disk.img,if=none,id=d0,format=raw,cache=unsafe"
		       -device virtio-blk-pci,drive=d0)
	fi
	"${q[@]}" -smp "$SMP,sockets=$NODES" -m "${MEM}M" \
		"${numa[@]}" -kernel "$vmlinuz" -initrd "$out/initramfs.cpio.gz" \
		-append "$append" -no-reboot "${drive[@]}" "${extra[@]}" &
	qpid=$!
}

# The guest's own lines (from DIRTYRACE-BOOTED to its dmesg dump) go to
# stdout as they come, so a person watching sees a run's progress live.
shown=0 showing=
stream() {
	[ -n "${STREAM:-1}" ] && [ "${STREAM:-1}" != 0 ] || return 0
	local n line
	n=$(wc -l < "$log" 2>/dev/null) || return 0
	[ "$n" -gt "$shown" ] || return 0
	while IFS= read -r line; do
		line=${line%$'\r'}
		case "$line" in
		DIRTYRACE-BOOTED) showing=1; continue ;;
		'==== dmesg ====') showing=; continue ;;
		'['*'] '*) continue ;;	# the kernel's, judged after
		esac
		[ -n "$showing" ] && printf '%s\n' "$line"
	done < <(sed -n "$((shown + 1)),${n}p" "$log")
	shown=$n
}

wait_for() {	# wait_for PATTERN SECONDS [stream]: 0 once PATTERN is in $log
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do
		[ -z "${3:-}" ] || stream
		grep -q "$1" "$log" 2>/dev/null && { [ -z "${3:-}" ] || stream; return 0; }
		kill -0 "$qpid" 2>/dev/null || { [ -z "${3:-}" ] || stream; grep -q "$1" "$log"; return; }
		sleep 1
	done
	return 1
}

stop_qemu() {	# stop_qemu SECONDS: give QEMU that long to exit, then kill it
	local end=$((SECONDS + $1))
	while kill -0 "$qpid" 2>/dev/null && [ $SECONDS -lt $end ]; do
		sleep 1
	done
	if kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid" 2>/dev/null || true
		sleep 3
		kill -9 "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
		return 1
	fi
	wait "$qpid" 2>/dev/null || true
	return 0
}
kvm_ok() {	# KVM only for a guest of the host's architecture
	[ "$GUEST_ARCH" = amd64 ] && [ "$ACCEL" != tcg ] && [ -w /dev/kvm ] && [ ! -e "$cache/kvm-hangs" ]
}

if [ "$mode" = shell ]; then
	accel=tcg,thread=$TCG_THREAD
	kvm_ok && accel=kvm
	boot "$accel"
	wait "$qpid"
	exit
fi
used=tcg
if kvm_ok; then
	# KVM guests hang in the decompressor on some hosts (broken nested
	# virtualization): give KVM 30 s to boot, else fall back to TCG.
	boot kvm
	if wait_for DIRTYRACE-BOOTED 30; then
		used=kvm
	else
		stop_qemu 0 || true
		mkdir -p "$cache"; : > "$cache/kvm-hangs"
		echo "vm.sh: KVM guest did not boot in 30 s, using TCG from now on (rm $cache/kvm-hangs to retry)" >&2
		[ "$ACCEL" = kvm ] && die "ACCEL=kvm requested but KVM hangs"
	fi
fi
if [ "$used" = tcg ]; then
	mkdisk
	boot "tcg,thread=$TCG_THREAD"
fi
[ "$used" = tcg ] && used="tcg ($TCG_THREAD-threaded)"
echo "# vm.sh: $KERNEL ($rel${GUEST_CPU:+, -cpu $GUEST_CPU}), $used, $SMP vCPUs, $NODES NUMA node(s), ${MEM} MiB" >&2
hung=
if ! wait_for 'DIRTYRACE-RESULT' "$VM_TIMEOUT" stream; then
	if kill -0 "$qpid" 2>/dev/null; then
		stop_qemu 0 || true
		hung="no result within VM_TIMEOUT=$VM_TIMEOUT s"
	fi
elif ! stop_qemu "$POWEROFF_GRACE"; then
	hung="the guest printed its result but did not power off within $POWEROFF_GRACE s"
fi
[ -z "$hung" ] || echo "vm.sh: guest hung: $hung; QEMU killed; log: $log" >&2
stream
GUEST_HUNG=$hung DR_WHERE="$GUEST_ARCH/$rel/$FS" STREAMED=${STREAM:-1} \
	exec "$top/scripts/guest-log.sh" "$mode" "$log" "$logdir"
