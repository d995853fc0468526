#!/bin/bash
# make validate: the mutant-kernel validation corpus (not part of make check).
#
# Builds Debian's linux-source of one kernel (CORPUS_KERNEL=6.1, the
# default, or 7.2) with x86_64_defconfig + kvm_guest.config +
# scripts/corpus/config, once per bug put back, each a small scripted edit
# of the kernel's own code (scripts/corpus/linux-<version>.sh), boots each
# in QEMU with the `make run` configuration, and prints: bug, caught, time
# to first detection. The base kernel must lose nothing. 6.1 builds with
# the host's compiler, its trees cached in $DR_CACHE/corpus; 7.2 needs
# sid's gcc and builds in the sid build root (kernel.sh sidroot), its
# trees cached there under /var/cache/dirtyrace-corpus.
#   validate.sh [build|run|all]   (default all; tools: build packages only)
# 6.1's entry noftrace is its base built without CONFIG_FUNCTION_TRACER (its
# own object tree): its kprobes are int3 probes, and the `make run` options
# must end in the stall engine's refusal naming that option (exit 2).
# Variables: CORPUS_KERNEL (6.1|7.2), CORPUS="name ..." (default: every
# entry), VALIDATE_ARGS (hammer options; default: those of make run), JOBS
# (make -j, default nproc).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${DR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dirtyrace}
CORPUS_KERNEL=${CORPUS_KERNEL:-6.1}
JOBS=${JOBS:-$(nproc)}
die() { echo "validate: $*" >&2; exit 2; }
case "$CORPUS_KERNEL" in
6.1 | 7.2) ;;
*) die "CORPUS_KERNEL=$CORPUS_KERNEL: 6.1 or 7.2" ;;
esac
out=$top/build/validate
[ "$CORPUS_KERNEL" = 6.1 ] || out=$out-$CORPUS_KERNEL

# shellcheck source=corpus/edits.sh
. "$top/scripts/corpus/edits.sh"
# CORPUS_ALL, describe, apply, TOUCHED, config_of.
# shellcheck source=corpus/linux-6.1.sh
. "$top/scripts/corpus/linux-$CORPUS_KERNEL.sh"

# Where the trees live: $root$here is their host path, $here the path the
# kernel's make sees (inside the build root for 7.2).
root=
here=$cache/corpus
if [ "$CORPUS_KERNEL" != 6.1 ]; then
	root=$("$top/scripts/kernel.sh" sidroot "debian-$CORPUS_KERNEL")
	here=/var/cache/dirtyrace-corpus/$CORPUS_KERNEL
fi
corpus=$root$here
src=$corpus/linux-source-$CORPUS_KERNEL
kernels=$corpus/kernels

# The object tree of an entry: its own when it has a config of its own.
obj_of() {
	if [ -n "$(config_of "$1")" ]; then echo "$here/obj-$1"; else echo "$here/obj"; fi
}

# kexec CMD...: the kernel's make (and scripts) where the tree builds.
kexec() {
	if [ -z "$root" ]; then
		"$@"
	else
		"$top/scripts/kernel.sh" sidexec "debian-$CORPUS_KERNEL" "$@"
	fi
}

# --- build ----------------------------------------------------------------
need_tools() {
	local want=(bc flex bison libelf-dev libssl-dev perl make gcc cpio) missing=()
	if [ -n "$root" ]; then
		kexec sh -c 'apt-get -qq update && DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends "$@" >/dev/null' \
			sh "${want[@]}" python3 2>&1 | grep -v 'posix_openpt\|time zone\|time is now\|dpkg-reconfigure' >&2 || true
		return
	fi
	for p in "${want[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return
	[ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends "${missing[@]}" >/dev/null
}

# configure NAME: the object tree of entry NAME, configured once.
configure() {
	local o frag
	o=$(obj_of "$1")
	frag=$(config_of "$1")
	if [ ! -f "$root$o/.config" ] || [ "$top/scripts/corpus/config" -nt "$root$o/.config" ]; then
		mkdir -p "$root$o" "$corpus/fragments"
		cp "$top/scripts/corpus/config" ${frag:+"$frag"} "$corpus/fragments/"
		kexec make -s -C "$here/linux-source-$CORPUS_KERNEL" O="$o" x86_64_defconfig >/dev/null
		# shellcheck disable=SC2046
		kexec "$here/linux-source-$CORPUS_KERNEL/scripts/kconfig/merge_config.sh" -m -O "$o" \
			"$o/.config" "$here/linux-source-$CORPUS_KERNEL/kernel/configs/kvm_guest.config" \
			"$here/fragments/config" ${frag:+"$here/fragments/$(basename "$frag")"} >/dev/null
		kexec make -s -C "$here/linux-source-$CORPUS_KERNEL" O="$o" olddefconfig >/dev/null
	fi
}

prepare_tree() {
	local tarball
	tarball=$("$top/scripts/kernel.sh" source "debian-$CORPUS_KERNEL")
	if [ ! -f "$src/.done" ]; then
		rm -rf "$src" "$corpus/pristine"
		mkdir -p "$corpus"
		tar -xJf "$tarball" -C "$corpus"
		touch "$src/.done"
	fi
	# The tarball's copy of every file an entry edits.
	mkdir -p "$corpus/pristine"
	for f in $TOUCHED; do
		[ -f "$corpus/pristine/$f" ] ||
			tar -xJf "$tarball" -C "$corpus/pristine" --strip-components=1 "linux-source-$CORPUS_KERNEL/$f"
	done
	for k in ${CORPUS:-$CORPUS_ALL}; do
		configure "$k"
	done
	if [ -n "$(config_of noftrace 2>/dev/null)" ] &&
		[[ " ${CORPUS:-$CORPUS_ALL} " == *" noftrace "* ]] &&
		grep -q '^CONFIG_FUNCTION_TRACER=y' "$root$(obj_of noftrace)/.config"; then
		die "noftrace: CONFIG_FUNCTION_TRACER is still set"
	fi
	return 0
}

build_one() {
	local name=$1 t0=$SECONDS o
	o=$(obj_of "$name")
	[ -f "$kernels/$name.bzImage" ] && return
	# shellcheck disable=SC2086
	(cd "$corpus/pristine" && cp --parents $TOUCHED "$src/")
	apply "$name"
	echo "# validate: building $CORPUS_KERNEL $name" >&2
	kexec make -s -C "$here/linux-source-$CORPUS_KERNEL" O="$o" -j"$JOBS" bzImage modules \
		>"$corpus/build-$name.log" 2>&1 ||
		die "build of $name failed, see $corpus/build-$name.log"
	mkdir -p "$kernels"
	cp "$root$o/arch/x86/boot/bzImage" "$kernels/$name.bzImage"
	echo "# validate: built $name in $((SECONDS - t0)) s" >&2
}

build() {
	need_tools
	prepare_tree
	for k in ${CORPUS:-$CORPUS_ALL}; do
		describe "$k" >/dev/null || die "unknown corpus entry $k ($CORPUS_ALL ${CORPUS_MISSED:-})"
		build_one "$k"
	done
	# Leave the tree as the base, which the module is built against.
	# shellcheck disable=SC2086
	(cd "$corpus/pristine" && cp --parents $TOUCHED "$src/")
	apply base
}

# --- run ------------------------------------------------------------------
# A number from the flat JSON report, or "-".
jnum() {
	sed -n "s/^  \"$2\": \([0-9][0-9]*\).*/\1/p" "$1" 2>/dev/null | head -n1 | grep . || echo -
}

run() {
	local args=${VALIDATE_ARGS:-$(cat "$top/scripts/run.args")}
	local rc=0 k st lost stale first caught rel o
	mkdir -p "$out"
	{
		echo "| bug | caught | first detection | lost writes | stale TLB stores | exit |"
		echo "|---|---|---|---|---|---|"
	} > "$out/table.md"
	for k in ${CORPUS:-$CORPUS_ALL}; do
		[ -f "$kernels/$k.bzImage" ] || die "$k is not built (validate.sh build)"
		echo "# validate: $k: $(describe "$k")" >&2
		st=0
		o=$root$(obj_of "$k")
		rel=$(cat "$o/include/config/kernel.release")
		rm -f "$top/build/vm/$rel/report.json"
		# shellcheck disable=SC2086
		KERNEL="$kernels/$k.bzImage" KDIR="$o" BUILD_ROOT="$root" "$top/scripts/vm.sh" run $args \
			> "$out/$k.txt" 2>&1 || st=$?
		cp "$top/build/vm/$rel/report.json" "$out/$k.json" 2>/dev/null || true
		lost=$(jnum "$out/$k.json" lost_writes)
		stale=$(jnum "$out/$k.json" stale_tlb_violations)
		first=$(jnum "$out/$k.json" first_detection_ms)
		caught=no
		[ "$st" = 1 ] && caught=yes
		[ "$first" != - ] && first="$((first / 1000)).$(printf %03d $((first % 1000))) s"
		if [ "$k" = base ]; then
			caught="n/a (must be 0 lost)"
			{ [ "$st" = 0 ] && [ "$lost" = 0 ]; } || rc=1
		elif [ "$k" = noftrace ]; then
			# The refusal, by name: never a verdict on an engine that cannot run.
			caught="n/a (must refuse: exit 2 naming CONFIG_FUNCTION_TRACER)"
			{ [ "$st" = 2 ] && grep -q 'the module refused to start: stall: .*CONFIG_FUNCTION_TRACER=y' \
				"$out/$k.txt"; } || rc=1
			grep -m1 'refused to start' "$out/$k.txt" | sed 's/^/# validate: noftrace: /' >&2 || true
		else
			[ "$st" = 1 ] || rc=1
		fi
		echo "| $k: $(describe "$k") | $caught | $first | $lost | $stale | $st |" >> "$out/table.md"
	done
	echo "# validate: hammer options: $args" >&2
	cat "$out/table.md"
	return $rc
}

case "${1:-all}" in
tools) need_tools ;;
build) build ;;
run) run ;;
all) build && run ;;
*) echo "usage: validate.sh [build|run|all]" >&2; exit 2 ;;
esac
