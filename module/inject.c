// SPDX-License-Identifier: GPL-2.0
/*
 * inject=mkclean_noflush: the clean step done wrong, on purpose.
 *
 * It does what page_vma_mkclean_one() does to every PTE mapping the folio
 * (write-protect, clear dirty) but skips the TLB flush, the 2006 ext3
 * shape: another CPU keeps a writable TLB entry. The folio stays dirty;
 * the kernel's own writeback then finds only clean read-only PTEs, so its
 * folio_mkclean() has nothing to flush, it writes the folio back and marks
 * it clean. Stores through the stale entry after that land in a clean
 * folio and vanish at eviction. Only used on hammer-created files.
 */
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rbtree.h>
#include "dr.h"
#include "arch.h"
#include "compat.h"

struct dr_noflush {
	struct mm_struct *mm;
	unsigned long ptes;
};

/* Runs under the PTE lock, like the real mkclean. */
static int dr_noflush_pte(pte_t *ptep, unsigned long addr, void *data)
{
	struct dr_noflush *nf = data;
	pte_t pte = ptep_get(ptep);

	if (!pte_present(pte) || (!pte_write(pte) && !pte_dirty(pte)))
		return 0;
	pte = ptep_get_and_clear(nf->mm, addr, ptep);
	pte = pte_mkclean(pte_wrprotect(pte));
	dr_set_user_pte(nf->mm, addr, ptep, pte);	/* and no flush_tlb_page() */
	nf->ptes++;
	return 0;
}

/*
 * Does a PMD leaf map addr (a PMD-mapped large folio)? The PTE walk
 * below must not meet one (apply_to_existing_page_range() WARNs). Only a
 * PMD-sized folio can be mapped so, and mapping it needs its lock, which
 * the caller holds: a leaf can go meanwhile, but none can appear.
 */
static bool dr_pmd_mapped(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	if (pgd_none(READ_ONCE(*pgd)))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(READ_ONCE(*p4d)))
		return false;
	pud = pud_offset(p4d, addr);
	if (pud_none(READ_ONCE(*pud)) || pud_leaf(READ_ONCE(*pud)))
		return pud_leaf(READ_ONCE(*pud));
	return pmd_leaf(READ_ONCE(*pmd_offset(pud, addr)));
}

/*
 * Walk the file's i_mmap tree, as rmap does, under i_mmap_rwsem: a VMA
 * in the tree keeps its page tables, even without its mm's mmap_lock.
 * The caller holds the folio lock (same order as folio_mkclean). A
 * PMD-mapped folio is left to the kernel's own clean, counted.
 */
unsigned long dr_inject_noflush(struct folio *folio)
{
	struct address_space *mapping = folio->mapping;
	pgoff_t first = folio->index;
	pgoff_t last = first + folio_nr_pages(folio) - 1;
	struct dr_noflush nf = { };
	struct rb_node *node;

	i_mmap_lock_read(mapping);
	for (node = rb_first_cached(&mapping->i_mmap); node;
	     node = rb_next(node)) {
		struct vm_area_struct *vma =
			rb_entry(node, struct vm_area_struct, shared.rb);
		pgoff_t vstart = vma->vm_pgoff;
		pgoff_t vend = vstart + vma_pages(vma) - 1;
		pgoff_t from = max(first, vstart), to = min(last, vend);
		unsigned long addr = vma->vm_start + ((from - vstart) << PAGE_SHIFT);

		if (!(vma->vm_flags & VM_SHARED) || from > to)
			continue;
		if (folio_test_pmd_mappable(folio) && dr_pmd_mapped(vma->vm_mm, addr)) {
			dr_stat_inc(DR_STAT_INJECT_PMD_SKIPPED);
			continue;
		}
		nf.mm = vma->vm_mm;
		dr_apply_existing(vma->vm_mm, addr, (to - from + 1) << PAGE_SHIFT,
				  dr_noflush_pte, &nf);
	}
	i_mmap_unlock_read(mapping);
	return nf.ptes;
}

/*
 * inject=migrate_noflush, from the ptep_clear_flush kprobe: when one of
 * our migrate workers unmaps a target PTE (try_to_migrate_one without
 * batching: 6.1, and the SYNC retries of 6.4+), clear it without the TLB
 * flush and return the old PTE to the caller, the 2013 migration vs
 * change_protection shape. The writer's CPU
 * keeps a writable translation to the old folio: stores after the copy
 * land there and are lost. dr_migrate_copied() keeps that folio allocated
 * until the worker flushes every TLB after the stale window; no skip when
 * it could not (dr_migrate_may_skip()). The ptep_clear_flush probe only
 * calls this for the target's VMAs.
 */
bool dr_inject_migrate_unmap(struct pt_regs *regs)
{
	struct vm_area_struct *vma = (void *)DR_ARG(regs, 0);
	unsigned long addr = DR_ARG(regs, 1);
	pte_t *ptep = (void *)DR_ARG(regs, 2);
	pte_t pte;

	if (!dr_inject_is(DR_INJ_MIGRATE_NOFLUSH) || !dr_migrate_may_skip())
		return false;
	pte = ptep_get_and_clear(vma->vm_mm, addr, ptep);
	dr_override_return(regs, pte_val(pte));
	dr_stat_inc(DR_STAT_MIGRATE_INJECT_PTES);
	return true;
}

/*
 * The same bug on 6.4+, where migrate_pages() first unmaps a whole batch
 * with deferred flushes (TTU_BATCH_FLUSH) and flushes once with
 * try_to_unmap_flush(): skip that flush for our workers, which never
 * enter reclaim meanwhile (dr_migrate_alloc()), so the batch holds only
 * the target's unmaps. The pending
 * batch stays set and the worker's full flush after the stale window
 * covers it.
 */
bool dr_inject_migrate_batch_flush(struct pt_regs *regs)
{
	if (!dr_inject_is(DR_INJ_MIGRATE_NOFLUSH) || !dr_migrate_may_skip())
		return false;
	dr_override_return(regs, 0);
	dr_stat_inc(DR_STAT_MIGRATE_INJECT_BATCH);
	return true;
}

/*
 * inject=accessflags_stale: a fault stores a stale PTE back over the dirty
 * bit another fault set, the lost-dirty-bit shape of software dirty-bit
 * management (a path that read the PTE before a write fault made it
 * writable and dirty, and writes its copy back afterwards under the same
 * PTE lock). From the ptep_set_access_flags kprobe, which runs under the
 * PTE lock and only for the target's VMAs: a write fault that makes a
 * clean read-only PTE dirty leaves the old value in a slot; a later fault
 * in the same page table writes that value back, with no TLB flush, if the
 * PTE still maps the same page and is still dirty. The writer's CPU keeps
 * its writable TLB entry; writeback finds a clean read-only PTE, so
 * folio_mkclean() flushes nothing, and stores after it land in a folio
 * the kernel thinks clean: gone at eviction.
 */
#define DR_STALE_SLOTS	32

struct dr_stale {
	struct mm_struct *mm;	/* NULL: free */
	unsigned long addr;
	pte_t *ptep;
	pte_t old;
};

static struct dr_stale dr_stale[DR_STALE_SLOTS];
static DEFINE_RAW_SPINLOCK(dr_stale_lock);

void dr_inject_stale_reset(void)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&dr_stale_lock, flags);
	memset(dr_stale, 0, sizeof(dr_stale));
	raw_spin_unlock_irqrestore(&dr_stale_lock, flags);
}

/*
 * Is slot s in the page table the caller has locked (mm's table for
 * addr's PMD)? Then s->ptep is the live entry for s->addr: a table freed
 * and reused elsewhere would not be the one this fault holds.
 */
static bool dr_stale_here(const struct dr_stale *s, struct vm_area_struct *vma,
			  unsigned long addr, pte_t *ptep)
{
	return s->mm == vma->vm_mm && s->ptep != ptep &&
	       (s->addr & PMD_MASK) == (addr & PMD_MASK) &&
	       ((unsigned long)s->ptep & PAGE_MASK) == ((unsigned long)ptep & PAGE_MASK) &&
	       s->addr >= vma->vm_start && s->addr < vma->vm_end;
}

/* Write the slot's stale value back if its page is still there, dirty. */
static void dr_stale_store(struct dr_stale *s)
{
	pte_t cur = ptep_get(s->ptep);

	if (pte_present(cur) && pte_dirty(cur) && pte_pfn(cur) == pte_pfn(s->old)) {
		ptep_get_and_clear(s->mm, s->addr, s->ptep);
		dr_set_user_pte(s->mm, s->addr, s->ptep, s->old);	/* no flush */
		dr_stat_inc(DR_STAT_INJECT_STALE_PTES);
	}
	s->mm = NULL;
}

/* ptep_set_access_flags(vma, addr, ptep, entry, dirty), under the PTL. */
bool dr_inject_accessflags(struct pt_regs *regs)
{
	struct vm_area_struct *vma = (void *)DR_ARG(regs, 0);
	unsigned long addr = DR_ARG(regs, 1), flags;
	pte_t *ptep = (void *)DR_ARG(regs, 2);
	struct dr_stale *free = NULL;
	pte_t entry, cur;
	unsigned int i;

	if (!dr_inject_is(DR_INJ_ACCESSFLAGS_STALE) || !READ_ONCE(dr.running) ||
	    !(vma->vm_flags & VM_SHARED))
		return false;
#ifdef DR_SET_ACCESS_FLAGS_PGSIZE_ARG
	if (DR_ARG(regs, DR_SET_ACCESS_FLAGS_PGSIZE_ARG) != PAGE_SIZE)
		return false;	/* a PMD's */
#endif
	entry = __pte(DR_ARG(regs, 3));
	cur = ptep_get(ptep);
	raw_spin_lock_irqsave(&dr_stale_lock, flags);
	for (i = 0; i < DR_STALE_SLOTS; i++) {
		struct dr_stale *s = &dr_stale[i];

		if (s->mm && dr_stale_here(s, vma, addr, ptep))
			dr_stale_store(s);
		if (!s->mm && !free)
			free = s;
	}
	/* A write fault on a clean read-only PTE: keep what it was. */
	if (free && pte_present(cur) && !pte_write(cur) && !pte_dirty(cur) &&
	    pte_write(entry) && pte_dirty(entry))
		*free = (struct dr_stale){ .mm = vma->vm_mm, .addr = addr & PAGE_MASK,
					   .ptep = ptep, .old = cur };
	raw_spin_unlock_irqrestore(&dr_stale_lock, flags);
	return false;
}
