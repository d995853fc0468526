#!/bin/bash
# make validate: the mutant-kernel validation corpus (not part of make check).
#
# Builds Debian's linux-source-6.1 (x86_64_defconfig + kvm_guest.config +
# scripts/corpus/config) once per historical bug put back, each a small
# scripted edit of the kernel's own code, boots each in QEMU with the
# `make run` configuration, and prints: bug, caught, time to first
# detection. The base kernel (6.1 with its own zap bug fixed, see below)
# must lose nothing. Kernels are cached in $DR_CACHE/corpus.
#   validate.sh [build|run|all]   (default all; tools: build packages only)
# Variables: CORPUS="name ..." (default: every entry), VALIDATE_ARGS (hammer
# options; default: those of make run), JOBS (make -j, default nproc).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${DR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dirtyrace}
corpus=$cache/corpus
src=$corpus/linux-source-6.1
obj=$corpus/obj
kernels=$corpus/kernels
out=$top/build/validate
tarball=/usr/src/linux-source-6.1.tar.xz
JOBS=${JOBS:-$(nproc)}
die() { echo "validate: $*" >&2; exit 2; }

# shellcheck source=corpus/edits.sh
. "$top/scripts/corpus/edits.sh"

# --- the corpus ---------------------------------------------------------
# Each entry: a name, the upstream fix it undoes, and the edit. Every
# kernel but zap_rmap_before_flush carries base_fix.
CORPUS_ALL="base zap_rmap_before_flush mkclean_noflush migrate_noflush mremap_flush_unlocked mprotect_no_batched_flush"

# base_fix (corpus/edits.sh): 6.1 with its own zap bug closed.

describe() {
	case "$1" in
	base) echo "6.1 + zap fix (must lose nothing)" ;;
	zap_rmap_before_flush) echo "zap removes the rmap before its TLB flush (stock 6.1; fixed in 6.2 by 'mm: delay page_remove_rmap() until after the TLB has been flushed')" ;;
	mkclean_noflush) echo "page_mkclean clears PTEs without the TLB flush (2.6.19 ext3 corruption, 'mm: fix page_mkclean_one', 2006)" ;;
	migrate_noflush) echo "migration unmaps without the TLB flush (try_to_migrate_one's ptep_clear_flush)" ;;
	mremap_flush_unlocked) echo "mremap flushes after dropping the PTLs ('mm: mremap: fix race between mremap and page cleanning', 2016)" ;;
	mprotect_no_batched_flush) echo "mprotect ignores reclaim's pending batched flush ('mm, mprotect: flush TLB if potentially racing with a parallel reclaim leaving stale TLB entries', 2017)" ;;
	*) return 1 ;;
	esac
}

apply() {
	case "$1" in
	base) base_fix ;;
	zap_rmap_before_flush) ;;
	mkclean_noflush)
		base_fix
		edit mm/rmap.c '			entry = ptep_clear_flush(vma, address, pte);' \
			'			entry = ptep_get_and_clear(vma->vm_mm, address, pte);'
		;;
	migrate_noflush)
		base_fix
		edit mm/rmap.c '			flush_cache_page(vma, address, pte_pfn(*pvmw.pte));
			/* Nuke the page table entry. */
			pteval = ptep_clear_flush(vma, address, pvmw.pte);
		}

		/* Set the dirty flag on the folio now the pte is gone. */' \
			'			flush_cache_page(vma, address, pte_pfn(*pvmw.pte));
			/* Nuke the page table entry. */
			pteval = ptep_get_and_clear(mm, address, pvmw.pte);
		}

		/* Set the dirty flag on the folio now the pte is gone. */'
		;;
	mremap_flush_unlocked)
		base_fix
		edit mm/mremap.c '	if (force_flush)
		flush_tlb_range(vma, old_end - len, old_end);
	if (new_ptl != old_ptl)
		spin_unlock(new_ptl);
	pte_unmap(new_pte - 1);
	pte_unmap_unlock(old_pte - 1, old_ptl);' \
			'	if (new_ptl != old_ptl)
		spin_unlock(new_ptl);
	pte_unmap(new_pte - 1);
	pte_unmap_unlock(old_pte - 1, old_ptl);
	if (force_flush)
		flush_tlb_range(vma, old_end - len, old_end);'
		;;
	mprotect_no_batched_flush)
		base_fix
		edit mm/mprotect.c '	flush_tlb_batched_pending(vma->vm_mm);
' ''
		;;
	esac
}

# Files any entry edits: restored from the tarball's copy before each build.
TOUCHED="mm/memory.c mm/rmap.c mm/mremap.c mm/mprotect.c"

# --- build ----------------------------------------------------------------
need_tools() {
	local want=(bc flex bison libelf-dev libssl-dev perl make gcc) missing=()
	for p in "${want[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return
	[ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends "${missing[@]}" >/dev/null
}

prepare_tree() {
	[ -r "$tarball" ] || die "need $tarball (apt-get install linux-source-6.1)"
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
			tar -xJf "$tarball" -C "$corpus/pristine" --strip-components=1 "linux-source-6.1/$f"
	done
	if [ ! -f "$obj/.config" ] || [ "$top/scripts/corpus/config" -nt "$obj/.config" ]; then
		mkdir -p "$obj"
		make -s -C "$src" O="$obj" x86_64_defconfig >/dev/null
		"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
			"$src/kernel/configs/kvm_guest.config" "$top/scripts/corpus/config" >/dev/null
		make -s -C "$src" O="$obj" olddefconfig >/dev/null
	fi
}

build_one() {
	local name=$1 t0=$SECONDS
	[ -f "$kernels/$name.bzImage" ] && return
	(cd "$corpus/pristine" && cp --parents $TOUCHED "$src/")
	apply "$name"
	echo "# validate: building $name" >&2
	make -s -C "$src" O="$obj" -j"$JOBS" bzImage modules >"$corpus/build-$name.log" 2>&1 ||
		die "build of $name failed, see $corpus/build-$name.log"
	mkdir -p "$kernels"
	cp "$obj/arch/x86/boot/bzImage" "$kernels/$name.bzImage"
	echo "# validate: built $name in $((SECONDS - t0)) s" >&2
}

build() {
	need_tools
	prepare_tree
	for k in ${CORPUS:-$CORPUS_ALL}; do
		describe "$k" >/dev/null || die "unknown corpus entry $k ($CORPUS_ALL)"
		build_one "$k"
	done
	# Leave the tree as the base, which the module is built against.
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
	local rc=0 k st lost stale first caught rel
	rel=$(make -s -C "$obj" kernelrelease)
	mkdir -p "$out"
	{
		echo "| bug | caught | first detection | lost writes | stale TLB stores | exit |"
		echo "|---|---|---|---|---|---|"
	} > "$out/table.md"
	for k in ${CORPUS:-$CORPUS_ALL}; do
		[ -f "$kernels/$k.bzImage" ] || die "$k is not built (validate.sh build)"
		echo "# validate: $k: $(describe "$k")" >&2
		st=0
		# shellcheck disable=SC2086
		KERNEL="$kernels/$k.bzImage" KDIR="$obj" "$top/scripts/vm.sh" run $args \
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
