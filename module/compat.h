/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels dirtyrace supports (6.1 .. 6.12)
 * lives here, so engine code reads the same on all of them.
 */
#ifndef DR_COMPAT_H
#define DR_COMPAT_H

#include <linux/version.h>
#include <linux/ptrace.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <asm/cpufeature.h>

#if KERNEL_VERSION(6, 1, 0) > LINUX_VERSION_CODE
#error "dirtyrace needs Linux 6.1 or newer (folio_mkclean, filemap_get_folios)"
#endif

/* Invalidate one kernel page's TLB entry on this CPU only (inject use). */
static inline void dr_flush_tlb_local(unsigned long addr)
{
	asm volatile("invlpg (%0)" : : "r" (addr) : "memory");
}

/* Arguments of a probed function at its entry. */
#define DR_ARG(regs, n)	regs_get_kernel_argument(regs, n)

/* At a probed function's entry: the address it will return to. */
static inline unsigned long dr_caller(struct pt_regs *regs)
{
	return regs_get_kernel_stack_nth(regs, 0);
}

/* Does the CPU enforce IBT (calls through pointers must hit an ENDBR)? */
static inline bool dr_ibt_enforced(void)
{
#ifdef CONFIG_X86_KERNEL_IBT
	return cpu_feature_enabled(X86_FEATURE_IBT);
#else
	return false;
#endif
}

/* Make a kprobed function return val to its caller without running. */
void dr_just_return(void);
static inline void dr_override_return(struct pt_regs *regs, unsigned long val)
{
	regs->ax = val;
	regs->ip = (unsigned long)dr_just_return;
}

/*
 * Migration: 6.1 has page-based callbacks and an int (0 = success)
 * folio_isolate_lru(); 6.3+ folio callbacks and a bool.
 */
struct folio *dr_migrate_alloc(int nid);

#if KERNEL_VERSION(6, 3, 0) > LINUX_VERSION_CODE
typedef int (*dr_migrate_pages_t)(struct list_head *l, new_page_t new,
				  free_page_t free, unsigned long private,
				  enum migrate_mode mode, int reason,
				  unsigned int *ret_succeeded);
typedef int (*dr_isolate_lru_t)(struct folio *folio);
#define DR_ISOLATED(ret)	((ret) == 0)

static inline struct page *dr_migrate_new(struct page *src, unsigned long nid)
{
	struct folio *f = dr_migrate_alloc((long)nid < 0 ? page_to_nid(src) : nid);

	return f ? &f->page : NULL;
}
#else
typedef int (*dr_migrate_pages_t)(struct list_head *l, new_folio_t new,
				  free_folio_t free, unsigned long private,
				  enum migrate_mode mode, int reason,
				  unsigned int *ret_succeeded);
typedef bool (*dr_isolate_lru_t)(struct folio *folio);
#define DR_ISOLATED(ret)	(ret)

static inline struct folio *dr_migrate_new(struct folio *src, unsigned long nid)
{
	return dr_migrate_alloc((long)nid < 0 ? folio_nid(src) : nid);
}
#endif

#endif /* DR_COMPAT_H */
