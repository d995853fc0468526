# Sourced by validate.sh: the 6.1 corpus (CORPUS_KERNEL=6.1, the default).
# Each entry: a name, the upstream fix it undoes, and the edit. Every
# kernel but zap_rmap_before_flush carries base_fix (corpus/edits.sh): 6.1
# with its own zap bug closed. noftrace is the base without
# CONFIG_FUNCTION_TRACER (config-noftrace, its own object tree).
CORPUS_ALL="base zap_rmap_before_flush mkclean_noflush migrate_noflush mremap_flush_unlocked mprotect_no_batched_flush noftrace"

describe() {
	case "$1" in
	base) echo "6.1 + zap fix (must lose nothing)" ;;
	zap_rmap_before_flush) echo "zap removes the rmap before its TLB flush (stock 6.1; fixed in 6.2 by 'mm: delay page_remove_rmap() until after the TLB has been flushed')" ;;
	mkclean_noflush) echo "page_mkclean clears PTEs without the TLB flush (2.6.19 ext3 corruption, 'mm: fix page_mkclean_one', 2006)" ;;
	migrate_noflush) echo "migration unmaps without the TLB flush (try_to_migrate_one's ptep_clear_flush)" ;;
	mremap_flush_unlocked) echo "mremap flushes after dropping the PTLs ('mm: mremap: fix race between mremap and page cleanning', 2016)" ;;
	mprotect_no_batched_flush) echo "mprotect ignores reclaim's pending batched flush ('mm, mprotect: flush TLB if potentially racing with a parallel reclaim leaving stale TLB entries', 2017)" ;;
	noftrace) echo "the base without CONFIG_FUNCTION_TRACER (int3 kprobes): the stall engine must refuse by name" ;;
	*) return 1 ;;
	esac
}

apply() {
	case "$1" in
	base | noftrace) base_fix ;;
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

# Entries with a config fragment of their own (and so an object tree).
config_of() {
	[ "$1" = noftrace ] && echo "$top/scripts/corpus/config-noftrace"
	return 0
}
