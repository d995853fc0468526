/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels dirtyrace supports (6.1 .. 7.2)
 * lives here, so engine code reads the same on all of them.
 */
#ifndef DR_COMPAT_H
#define DR_COMPAT_H

#include <linux/version.h>
#include <linux/migrate.h>
#include <linux/mm.h>

/*
 * The supported range is the tested one: every kprobe target, kallsyms
 * name and rmap/TLB path the engines rely on was checked on 6.1, 6.12 and
 * 7.2. A newer kernel builds with DR_UNTESTED_KERNEL=1 (make variable),
 * at the user's word that those still hold.
 */
#if KERNEL_VERSION(6, 1, 0) > LINUX_VERSION_CODE
#error "dirtyrace supports Linux 6.1 to 7.2: this kernel is older"
#endif
#if KERNEL_VERSION(7, 3, 0) <= LINUX_VERSION_CODE && !defined(DR_UNTESTED_KERNEL)
#error "dirtyrace supports Linux 6.1 to 7.2: newer needs DR_UNTESTED_KERNEL=1"
#endif

/*
 * Migration: 6.1 has page-based callbacks and an int (0 = success)
 * folio_isolate_lru(); 6.3+ folio callbacks and a bool.
 */
#if KERNEL_VERSION(6, 3, 0) > LINUX_VERSION_CODE
typedef int (*dr_migrate_pages_t)(struct list_head *l, new_page_t new,
				  free_page_t free, unsigned long private,
				  enum migrate_mode mode, int reason,
				  unsigned int *ret_succeeded);
typedef int (*dr_isolate_lru_t)(struct folio *folio);
#define DR_ISOLATED(ret)	((ret) == 0)

/* The unit migrate_pages() callbacks take and return: a page. */
#define DR_MIG_UNIT	struct page
static inline struct folio *dr_mig_folio(struct page *p) { return page_folio(p); }
static inline struct page *dr_mig_unit_of(struct folio *f) { return f ? &f->page : NULL; }
#else
typedef int (*dr_migrate_pages_t)(struct list_head *l, new_folio_t new,
				  free_folio_t free, unsigned long private,
				  enum migrate_mode mode, int reason,
				  unsigned int *ret_succeeded);
typedef bool (*dr_isolate_lru_t)(struct folio *folio);
#define DR_ISOLATED(ret)	(ret)

/* The unit migrate_pages() callbacks take and return: a folio. */
#define DR_MIG_UNIT	struct folio
static inline struct folio *dr_mig_folio(struct folio *f) { return f; }
static inline struct folio *dr_mig_unit_of(struct folio *f) { return f; }
#endif

/*
 * The PTE access/dirty update of a fault: arm64 6.9+ (contiguous PTEs)
 * wraps it inline around __ptep_set_access_flags(); 7.2's is an inline
 * around __ptep_set_access_flags_anysz(), which PMDs share: its sixth
 * argument is PAGE_SIZE for a PTE. (6.13 to 6.19 are untested; a kernel
 * whose name differs leaves the probe missing, and the inject refused.)
 */
#if defined(CONFIG_ARM64) && KERNEL_VERSION(7, 0, 0) <= LINUX_VERSION_CODE
#define DR_SYM_SET_ACCESS_FLAGS	"__ptep_set_access_flags_anysz"
#define DR_SET_ACCESS_FLAGS_PGSIZE_ARG	5
#elif defined(CONFIG_ARM64) && KERNEL_VERSION(6, 9, 0) <= LINUX_VERSION_CODE
#define DR_SYM_SET_ACCESS_FLAGS	"__ptep_set_access_flags"
#else
#define DR_SYM_SET_ACCESS_FLAGS	"ptep_set_access_flags"
#endif

/* ksyms.c: folio_isolate_lru with this kernel's return type. */
int dr_ksym_isolate_lru(dr_isolate_lru_t *fn);

/* 7.x: struct folio_batch moved out of <linux/pagevec.h>. */
#if __has_include("linux/folio_batch.h")
#include <linux/folio_batch.h>
#else
#include <linux/pagevec.h>
#endif

/*
 * Exports a kernel may lack (7.2 withdrew apply_to_existing_page_range
 * and confined __flush_tlb_all to KVM): Kbuild finds them in the build
 * tree's Module.symvers (DR_EXPORTED_*); without, ksyms.c resolves them
 * by name, which dr_compat_resolve() does before any use.
 */
int dr_compat_resolve(void);

#ifdef DR_EXPORTED_apply_to_existing_page_range
#define dr_apply_existing	apply_to_existing_page_range
#else
extern int (*dr_apply_existing)(struct mm_struct *mm, unsigned long addr,
				unsigned long size, pte_fn_t fn, void *data);
#endif

#if defined(CONFIG_X86) && !defined(DR_EXPORTED___flush_tlb_all)
extern void (*dr_flush_tlb_all_fn)(void);
#else
#define dr_flush_tlb_all_fn	__flush_tlb_all
#endif

#endif /* DR_COMPAT_H */
