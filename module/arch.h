/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the architectures dirtyrace runs on (x86_64,
 * arm64): what a kprobe handler reads and changes in pt_regs, the local
 * TLB invalidations the injects use, a walk to a kernel PTE, IBT.
 */
#ifndef DR_ARCH_H
#define DR_ARCH_H

#include <linux/mm.h>
#include <linux/ptrace.h>
#include <asm/cpufeature.h>
#include <asm/tlbflush.h>
#include "compat.h"

/* Arguments of a probed function at its entry. */
#define DR_ARG(regs, n)	regs_get_kernel_argument(regs, n)

/* How a kernel virtual address is mapped (dr_kernel_pte()). */
enum dr_kpte_level { DR_KPTE_NONE, DR_KPTE_4K, DR_KPTE_2M, DR_KPTE_OTHER };

#if defined(CONFIG_X86)

/*
 * The flush entry points are functions on x86 (flush_tlb_mm_range() for
 * every user-mm flush, arch_tlbbatch_flush() for reclaim's batch): the
 * stall engine holds them, mprotect_noflush answers the first.
 */
#define DR_ARCH_FLUSH_PROBES	1
/* lookup_address() finds kernel PTEs without init_mm. */
#define DR_ARCH_KPTE_NEEDS_INIT_MM	0
#define DR_FLUSH_ALL	TLB_FLUSH_ALL	/* flush_tlb_mm_range()'s "whole mm" end */

/* Invalidate one kernel page's TLB entry on this CPU only (inject use). */
static inline void dr_flush_tlb_local(unsigned long addr)
{
	asm volatile("invlpg (%0)" : : "r" (addr) : "memory");
}

/* This CPU's whole TLB, global entries too (compat.h: maybe by name). */
static inline void dr_flush_tlb_all_local(void)
{
	dr_flush_tlb_all_fn();
}

/* At a probed function's entry: the address it will return to. */
static inline unsigned long dr_caller(struct pt_regs *regs)
{
	return regs_get_kernel_stack_nth(regs, 0);
}

/*
 * Could the probed code sleep-wait here? x86 kprobes on ftrace run in
 * the probed function's own interrupt state.
 */
static inline bool dr_probed_irqs_off(struct pt_regs *regs)
{
	return irqs_disabled();
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
	regs_set_return_value(regs, val);
	instruction_pointer_set(regs, (unsigned long)dr_just_return);
}

/* A user PTE written by an inject (set_pte_at() keeps its accounting). */
static inline void dr_set_user_pte(struct mm_struct *mm, unsigned long addr,
				   pte_t *ptep, pte_t pte)
{
	set_pte_at(mm, addr, ptep, pte);
}

/* The kernel PTE mapping va and its level, or NULL. */
static inline pte_t *dr_kernel_pte(struct mm_struct *init, unsigned long va,
				   enum dr_kpte_level *level)
{
	unsigned int l = 0;
	pte_t *ptep = lookup_address(va, &l);

	*level = !ptep ? DR_KPTE_NONE : l == PG_LEVEL_4K ? DR_KPTE_4K :
		 l == PG_LEVEL_2M ? DR_KPTE_2M : DR_KPTE_OTHER;
	return ptep;
}

#elif defined(CONFIG_ARM64)

/*
 * flush_tlb_mm() / flush_tlb_range() are inline TLBIs on arm64: there is
 * no flush function to hold or answer (the stall engine and
 * mprotect_noflush refuse to start).
 */
#define DR_ARCH_FLUSH_PROBES	0
#define DR_ARCH_KPTE_NEEDS_INIT_MM	1
#define DR_FLUSH_ALL	ULONG_MAX	/* no such end here */

/* A TLBI's VA operand, ASID 0 (7.2's tlbflush.h keeps __TLBI_VADDR private). */
#define DR_TLBI_VA(addr)	(((addr) >> 12) & GENMASK_ULL(43, 0))

static inline void dr_flush_tlb_local(unsigned long addr)
{
	dsb(nshst);
	__tlbi(vaale1, DR_TLBI_VA(addr));
	dsb(nsh);
	isb();
}

static inline void dr_flush_tlb_all_local(void)
{
	local_flush_tlb_all();
}

/* Probes hit at the first instruction: the link register holds it. */
static inline unsigned long dr_caller(struct pt_regs *regs)
{
	return procedure_link_pointer(regs);
}

/*
 * arm64 kprobes are BRK exceptions: the handler always runs with IRQs
 * masked, the probed code's state is in regs->pstate.
 */
static inline bool dr_probed_irqs_off(struct pt_regs *regs)
{
	return !interrupts_enabled(regs);
}

static inline bool dr_ibt_enforced(void)
{
	return false;
}

/* Returning to the link register is returning to the caller. */
static inline void dr_override_return(struct pt_regs *regs, unsigned long val)
{
	regs_set_return_value(regs, val);
	instruction_pointer_set(regs, procedure_link_pointer(regs));
}

/*
 * set_pte_at() would call mte_sync_tags(), which is not exported; the
 * injects write PTEs of shared file pages, which carry no MTE tags.
 */
static inline void dr_set_user_pte(struct mm_struct *mm, unsigned long addr,
				   pte_t *ptep, pte_t pte)
{
	set_pte(ptep, pte);
}

/* arm64 has no lookup_address(): walk init_mm's tables. */
static inline pte_t *dr_kernel_pte(struct mm_struct *init, unsigned long va,
				   enum dr_kpte_level *level)
{
	pgd_t *pgd = pgd_offset(init, va);
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;

	*level = DR_KPTE_NONE;
	if (pgd_none(READ_ONCE(*pgd)))
		return NULL;
	p4d = p4d_offset(pgd, va);
	if (p4d_none(READ_ONCE(*p4d)))
		return NULL;
	pud = pud_offset(p4d, va);
	if (pud_none(READ_ONCE(*pud)))
		return NULL;
	if (pud_leaf(READ_ONCE(*pud))) {
		*level = DR_KPTE_OTHER;
		return (pte_t *)pud;
	}
	pmd = pmd_offset(pud, va);
	if (pmd_none(READ_ONCE(*pmd)))
		return NULL;
	if (pmd_leaf(READ_ONCE(*pmd))) {
		*level = DR_KPTE_2M;
		return (pte_t *)pmd;
	}
	*level = DR_KPTE_4K;
	return pte_offset_kernel(pmd, va);
}

#else
#error "dirtyrace supports x86_64 and arm64"
#endif

#endif /* DR_ARCH_H */
