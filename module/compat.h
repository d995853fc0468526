/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels dirtyrace supports (6.1 .. 6.12)
 * lives here, so engine code reads the same on all of them.
 */
#ifndef DR_COMPAT_H
#define DR_COMPAT_H

#include <linux/version.h>
#include <linux/ptrace.h>

#if KERNEL_VERSION(6, 1, 0) > LINUX_VERSION_CODE
#error "dirtyrace needs Linux 6.1 or newer (folio_mkclean, filemap_get_folios)"
#endif

/* Invalidate one kernel page's TLB entry on this CPU only (inject use). */
static inline void dr_flush_tlb_local(unsigned long addr)
{
	asm volatile("invlpg (%0)" : : "r" (addr) : "memory");
}

/* First argument of a probed function at its entry. */
#define DR_ARG0(regs)	regs_get_kernel_argument(regs, 0)

#endif /* DR_COMPAT_H */
