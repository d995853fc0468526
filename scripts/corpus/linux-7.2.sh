# Sourced by validate.sh: the 7.2 corpus (CORPUS_KERNEL=7.2), Debian sid's
# linux-source-7.2 built in the sid build root. Each entry puts a bug of
# the family back into code that only recent kernels have: the PTE
# batches over a large folio's pages (folio_pte_batch) in mprotect,
# reclaim's unmap and mremap. The base is 7.2 as Debian ships it.
CORPUS_ALL="base mprotect_batch_flush_first zap_batch_flush_first unmap_batch_no_pending_flush"
# Not caught with the make run options in 60 s (docs/results.md), so not
# in the default list: select them with CORPUS=. zap_large_rmap_before_flush
# loses a store only to a large folio that nothing else writes before its
# eviction: a large folio has one dirty flag, and the writers' next store
# to any other of its pages (write-protected by the clean) sets it again,
# so the store the stale TLB entry took is written back after all. The
# two mremap ones are unreachable on x86, where pte_batch_hint() is 1 and
# move_ptes() never batches (only arm64's contiguous PTEs do).
CORPUS_MISSED="zap_large_rmap_before_flush mremap_batch_noflush mremap_batch_flush_unlocked"

describe() {
	case "$1" in
	base) echo "7.2 as Debian ships it (must lose nothing)" ;;
	zap_large_rmap_before_flush) echo "zap removes a large folio's rmap before the batched TLB flush (zap_present_folio_ptes delays it for single PTEs only): the 6.1 zap bug, back for PTE batches" ;;
	mremap_batch_flush_unlocked) echo "mremap flushes a moved PTE batch after dropping the PTLs (move_ptes with mremap_folio_pte_batch): the 2016 mremap race, back for large folios" ;;
	zap_batch_flush_first) echo "zap adds only the first page of a large folio's PTE batch to the mmu_gather's flush range (zap_present_folio_ptes): stale writable TLB entries for the rest of the batch outlive the zap" ;;
	unmap_batch_no_pending_flush) echo "reclaim's try_to_unmap_one() unmaps a large folio's PTE batch without registering the deferred flush (folio_unmap_pte_batch, 7.0): mprotect's flush_tlb_batched_pending() finds nothing pending" ;;
	mremap_batch_noflush) echo "mremap moves a large folio's PTE batch without asking for the flush (move_ptes sets force_flush for single PTEs only)" ;;
	mprotect_batch_flush_first) echo "mprotect flushes only the first page of a write-protected PTE batch (prot_commit_flush_ptes): stale writable TLB entries for the rest of the large folio" ;;
	*) return 1 ;;
	esac
}

apply() {
	case "$1" in
	base) ;;
	zap_large_rmap_before_flush)
		edit mm/memory.c '			if (tlb_delay_rmap(tlb)) {' \
			'			if (tlb_delay_rmap(tlb) && nr == 1) {'
		;;
	mremap_batch_flush_unlocked)
		edit mm/mremap.c '	int max_nr_ptes;
	int nr_ptes;
	int err = 0;' '	int max_nr_ptes;
	int nr_ptes;
	int err = 0;
	bool batched = false;'
		edit mm/mremap.c '							 old_pte, max_nr_ptes);
			force_flush = true;' '							 old_pte, max_nr_ptes);
			force_flush = true;
			batched |= nr_ptes > 1;'
		edit mm/mremap.c '	if (force_flush)
		flush_tlb_range(vma, old_end - len, old_end);
	if (new_ptl != old_ptl)
		spin_unlock(new_ptl);
	pte_unmap(new_ptep - 1);
	pte_unmap_unlock(old_ptep - 1, old_ptl);' '	if (force_flush && !batched)
		flush_tlb_range(vma, old_end - len, old_end);
	if (new_ptl != old_ptl)
		spin_unlock(new_ptl);
	pte_unmap(new_ptep - 1);
	pte_unmap_unlock(old_ptep - 1, old_ptl);
	if (batched)
		flush_tlb_range(vma, old_end - len, old_end);'
		;;
	zap_batch_flush_first)
		edit mm/memory.c '	tlb_remove_tlb_entries(tlb, pte, nr, addr);' \
			'	tlb_remove_tlb_entries(tlb, pte, 1, addr);'
		;;
	unmap_batch_no_pending_flush)
		edit mm/rmap.c '			if (should_defer_flush(mm, flags))
				set_tlb_ubc_flush_pending(mm, pteval, address, end_addr);
			else
				flush_tlb_range(vma, address, end_addr);' '			if (should_defer_flush(mm, flags)) {
				if (nr_pages == 1)
					set_tlb_ubc_flush_pending(mm, pteval, address, end_addr);
			} else {
				flush_tlb_range(vma, address, end_addr);
			}'
		;;
	mremap_batch_noflush)
		edit mm/mremap.c '							 old_pte, max_nr_ptes);
			force_flush = true;' '							 old_pte, max_nr_ptes);
			force_flush |= nr_ptes == 1;'
		;;
	mprotect_batch_flush_first)
		edit mm/mprotect.c '		tlb_flush_pte_range(tlb, addr, nr_ptes * PAGE_SIZE);' \
			'		tlb_flush_pte_range(tlb, addr, PAGE_SIZE);'
		;;
	esac
}

# Files any entry edits: restored from the tarball's copy before each build.
TOUCHED="mm/memory.c mm/mremap.c mm/mprotect.c mm/rmap.c"

config_of() { return 0; }
