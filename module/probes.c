// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-path hit counters. Each kprobe counts only calls that concern
 * the bound target's mapping, so a report proves that the kernel's own
 * folio_mkclean, PTE clean+flush, writeback and page-cache removal ran on
 * the file under test, not merely somewhere in the system.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/pagemap.h>
#include "dr.h"
#include "arch.h"
#include "compat.h"

/* What identifies a call as ours: its first argument, or the caller. */
enum dr_arg {
	DR_ARG_FOLIO, DR_ARG_MAPPING, DR_ARG_VMA, DR_ARG_LIST, DR_ARG_IOREMAP_TASK,
	DR_ARG_HOOK,	/* no target argument: the hook alone decides */
};

struct dr_probe {
	struct kprobe kp;
	enum dr_stat stat;
	enum dr_arg arg;
	/* Optional, for calls on the target: true if it answered the call. */
	bool (*hook)(struct pt_regs *regs);
	bool by_order;		/* DR_ARG_FOLIO: count the folio's order in row */
	enum dr_order_row row;
	bool registered;
};

/* folio_migrate_flags(dst, src): after the copy. */
static bool dr_hook_migrate_flags(struct pt_regs *regs)
{
	dr_migrate_copied((struct folio *)DR_ARG(regs, 0), (struct folio *)DR_ARG(regs, 1));
	return false;
}

/* A post handler makes the ftrace-based kprobe honour a changed ip. */
static void dr_probe_post(struct kprobe *p, struct pt_regs *regs,
			  unsigned long flags)
{
}

static struct dr_probe dr_probes[] = {
	{ .kp.symbol_name = "folio_mkclean",
	  .stat = DR_STAT_KP_MKCLEAN, .arg = DR_ARG_FOLIO,
	  .by_order = true, .row = DR_ORDER_KP_MKCLEAN },
	{ .kp.symbol_name = "ptep_clear_flush", .kp.post_handler = dr_probe_post,
	  .stat = DR_STAT_KP_PTE_FLUSH, .arg = DR_ARG_VMA,
	  .hook = dr_inject_migrate_unmap },
	{ .kp.symbol_name = "do_writepages",
	  .stat = DR_STAT_KP_WRITEBACK, .arg = DR_ARG_MAPPING },
	{ .kp.symbol_name = "__filemap_remove_folio",
	  .stat = DR_STAT_KP_EVICT, .arg = DR_ARG_FOLIO,
	  .by_order = true, .row = DR_ORDER_EVICT },
	{ .kp.symbol_name = "pmd_free_pte_page",
	  .stat = DR_STAT_KP_PMD_FREE, .arg = DR_ARG_IOREMAP_TASK },
	{ .kp.symbol_name = "migrate_pages",
	  .stat = DR_STAT_KP_MIGRATE_PAGES, .arg = DR_ARG_LIST },
#ifdef CONFIG_ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH	/* else an empty inline */
	{ .kp.symbol_name = "try_to_unmap_flush", .kp.post_handler = dr_probe_post,
	  .arg = DR_ARG_HOOK, .hook = dr_inject_migrate_batch_flush },
#endif
#if DR_ARCH_FLUSH_PROBES
	{ .kp.symbol_name = "flush_tlb_mm_range", .kp.post_handler = dr_probe_post,
	  .arg = DR_ARG_HOOK, .hook = dr_stall_flush_mm },
	{ .kp.symbol_name = "arch_tlbbatch_flush",
	  .arg = DR_ARG_HOOK, .hook = dr_stall_batch_flush },
#endif
	{ .kp.symbol_name = DR_SYM_SET_ACCESS_FLAGS,
	  .stat = DR_STAT_KP_SET_ACCESS, .arg = DR_ARG_VMA,
	  .hook = dr_inject_accessflags },
	{ .kp.symbol_name = "folio_migrate_flags",
	  .stat = DR_STAT_KP_MIGRATE_FOLIO, .arg = DR_ARG_FOLIO,
	  .hook = dr_hook_migrate_flags },
};

static struct address_space *dr_probe_mapping;

void dr_probes_set_mapping(struct address_space *mapping)
{
	WRITE_ONCE(dr_probe_mapping, mapping);
}

/* The caller of each probed function keeps its argument alive. */
static const struct address_space *dr_arg_mapping(enum dr_arg arg, void *p)
{
	const struct vm_area_struct *vma;
	const struct list_head *list;

	switch (arg) {
	case DR_ARG_FOLIO:
		return READ_ONCE(((struct folio *)p)->mapping);
	case DR_ARG_MAPPING:
		return p;
	case DR_ARG_VMA:
		vma = p;
		return vma->vm_file ? vma->vm_file->f_mapping : NULL;
	case DR_ARG_LIST:	/* migrate_pages: the caller's isolated folios */
		list = p;
		if (list_empty(list))
			return NULL;
		return READ_ONCE(list_first_entry(list, struct folio, lru)->mapping);
	default:
		return NULL;
	}
}

static int dr_probe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct dr_probe *p = container_of(kp, struct dr_probe, kp);
	const struct address_space *target = READ_ONCE(dr_probe_mapping);

	if (p->arg == DR_ARG_HOOK) {
		if (target && p->hook(regs))
			return 1;
	} else if (p->arg == DR_ARG_IOREMAP_TASK) {
		if (dr_ioremap_is_driver(current))
			dr_stat_inc(p->stat);
	} else if (target && dr_arg_mapping(p->arg, (void *)DR_ARG(regs, 0)) == target) {
		dr_stat_inc(p->stat);
		if (p->by_order)	/* the caller holds the folio locked */
			dr_order_count(p->row, folio_order((struct folio *)DR_ARG(regs, 0)));
		if (p->hook && p->hook(regs))
			return 1;	/* answered: regs->ip points back */
	}
	return 0;
}

/* For the injects that cannot be safe without a probe. */
bool dr_probe_registered(const char *symbol)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dr_probes); i++)
		if (!strcmp(dr_probes[i].kp.symbol_name, symbol))
			return dr_probes[i].registered;
	return false;
}

/*
 * Is symbol's probe on the function's ftrace call site? Then its handler
 * runs in the probed function's own context. Without ftrace-based kprobes
 * (no CONFIG_FUNCTION_TRACER, or KPROBES_ON_FTRACE) it is an int3 probe,
 * whose handler x86 runs as an NMI-like exception: in_interrupt() there,
 * no spinning for the stall engine, nothing held.
 */
bool dr_probe_on_ftrace(const char *symbol)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dr_probes); i++)
		if (!strcmp(dr_probes[i].kp.symbol_name, symbol))
			return dr_probes[i].registered && kprobe_ftrace(&dr_probes[i].kp);
	return false;
}

/* A missing probe is reported in the stats, never fatal. */
int dr_probes_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(dr_probes); i++) {
		dr_probes[i].kp.pre_handler = dr_probe_pre;
		ret = register_kprobe(&dr_probes[i].kp);
		if (ret) {
			pr_warn("kprobe %s: %d, its hits stay 0\n",
				dr_probes[i].kp.symbol_name, ret);
			dr_stat_inc(DR_STAT_KP_MISSING);
			continue;
		}
		dr_probes[i].registered = true;
	}
	return 0;
}

/* All at once: one RCU grace period for the lot, not one per probe. */
void dr_probes_exit(void)
{
	struct kprobe *kps[ARRAY_SIZE(dr_probes)];
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(dr_probes); i++) {
		if (dr_probes[i].registered)
			kps[n++] = &dr_probes[i].kp;
		dr_probes[i].registered = false;
	}
	unregister_kprobes(kps, n);
}
