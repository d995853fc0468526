// SPDX-License-Identifier: GPL-2.0
/*
 * Reclaim of chosen target pages on request (debugfs stall_reclaim), in
 * the writing task's own context, with the kernel's own aging and reclaim:
 * folio_referenced() (reclaim's scan: clears the PTE young bits, on x86
 * without a flush), folio_isolate_lru() and reclaim_pages() (the core of
 * MADV_PAGEOUT: shrink_folio_list() unmaps with TTU_BATCH_FLUSH and
 * defers the flush to try_to_unmap_flush(), which the stall engine then
 * holds). Unlike MADV_PAGEOUT it takes no mmap_lock, as kswapd and
 * memory.reclaim take none, so that an mprotect() of the caller's process
 * can run inside the deferred flush's window: the race that
 * flush_tlb_batched_pending() closes ("mm, mprotect: flush TLB if
 * potentially racing with a parallel reclaim leaving stale TLB entries",
 * 2017). Dirty pages are not written out: reclaim only unmaps them and
 * puts them back, so nothing of the file is lost by it.
 */
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/pagemap.h>
#include "dr.h"
#include "compat.h"

static int (*dr_folio_referenced)(struct folio *folio, int is_locked,
				  struct mem_cgroup *memcg, unsigned long *vm_flags);
static unsigned long (*dr_reclaim_pages)(struct list_head *folio_list);
static dr_isolate_lru_t dr_rc_isolate_lru;

/* None of the three is exported; resolved on first use (see ksyms.c). */
static int dr_reclaim_resolve(void)
{
	int ret = 0;

	if (!dr_reclaim_pages) {
		ret = dr_ksym("folio_referenced", (void **)&dr_folio_referenced);
		if (!ret)
			ret = dr_ksym_isolate_lru(&dr_rc_isolate_lru);
		if (!ret)
			ret = dr_ksym("reclaim_pages", (void **)&dr_reclaim_pages);
	}
	return ret;
}

/*
 * Age, isolate and reclaim the folios at [first, first + count) of
 * mapping; returns how many went to reclaim_pages(), or -errno.
 */
long dr_reclaim_range(struct address_space *mapping, pgoff_t first,
		      unsigned int count)
{
	unsigned long vm_flags;
	unsigned int i, n = 0;
	LIST_HEAD(list);
	int ret = dr_reclaim_resolve();

	if (ret)
		return ret;
	for (i = 0; i < count; i++) {
		struct folio *folio = filemap_get_folio(mapping, first + i);

		if (IS_ERR_OR_NULL(folio))	/* 6.1: NULL; 6.12: ERR_PTR */
			continue;
		/* A large folio once, whichever of its pages came first. */
		i = max_t(long, i, folio_next_index(folio) - 1 - first);
		dr_folio_referenced(folio, 0, NULL, &vm_flags);
		folio_clear_referenced(folio);
		if (DR_ISOLATED(dr_rc_isolate_lru(folio))) {
			dr_order_count(DR_ORDER_RECLAIM, folio_order(folio));
			list_add_tail(&folio->lru, &list);
			n++;
		}
		folio_put(folio);
	}
	if (n)
		dr_reclaim_pages(&list);	/* puts back what it kept */
	dr_stat_inc(DR_STAT_STALL_RECLAIMS);
	dr_stat_add(DR_STAT_STALL_RECLAIMED, n);
	return n;
}
