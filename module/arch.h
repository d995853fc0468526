/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 part of dirtyrace: what a kprobe handler reads and changes in
 * pt_regs, the local TLB invalidation the ioremap inject uses, IBT.
 */
#ifndef DR_ARCH_H
#define DR_ARCH_H

#include <linux/ptrace.h>
#include <asm/cpufeature.h>

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
	regs_set_return_value(regs, val);
	instruction_pointer_set(regs, (unsigned long)dr_just_return);
}

#endif /* DR_ARCH_H */
