// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-path hit counters. Each kprobe counts only calls that concern
 * the bound target's mapping, so a report proves that the kernel's own
 * folio_mkclean, PTE clean+flush, writeback and page-cache removal ran on
 * the file under test, not merely somewhere in the system.
 */
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/pagemap.h>
#include "dr.h"
#include "compat.h"

/* What the probed function's first argument is. */
/* What identifies a call as ours: its first argument, or the caller. */
enum dr_arg { DR_ARG_FOLIO, DR_ARG_MAPPING, DR_ARG_VMA, DR_ARG_IOREMAP_TASK };

struct dr_probe {
	struct kprobe kp;
	enum dr_stat stat;
	enum dr_arg arg;
	bool registered;
};

static struct dr_probe dr_probes[] = {
	{ .kp.symbol_name = "folio_mkclean",
	  .stat = DR_STAT_KP_MKCLEAN, .arg = DR_ARG_FOLIO },
	{ .kp.symbol_name = "ptep_clear_flush",
	  .stat = DR_STAT_KP_PTE_FLUSH, .arg = DR_ARG_VMA },
	{ .kp.symbol_name = "do_writepages",
	  .stat = DR_STAT_KP_WRITEBACK, .arg = DR_ARG_MAPPING },
	{ .kp.symbol_name = "__filemap_remove_folio",
	  .stat = DR_STAT_KP_EVICT, .arg = DR_ARG_FOLIO },
	{ .kp.symbol_name = "pmd_free_pte_page",
	  .stat = DR_STAT_KP_PMD_FREE, .arg = DR_ARG_IOREMAP_TASK },
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

	switch (arg) {
	case DR_ARG_FOLIO:
		return READ_ONCE(((struct folio *)p)->mapping);
	case DR_ARG_MAPPING:
		return p;
	case DR_ARG_VMA:
		vma = p;
		return vma->vm_file ? vma->vm_file->f_mapping : NULL;
	default:
		return NULL;
	}
}

static int dr_probe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct dr_probe *p = container_of(kp, struct dr_probe, kp);
	const struct address_space *target = READ_ONCE(dr_probe_mapping);

	if (p->arg == DR_ARG_IOREMAP_TASK) {
		if (dr_ioremap_is_driver(current))
			dr_stat_inc(p->stat);
	} else if (target && dr_arg_mapping(p->arg, (void *)DR_ARG0(regs)) == target) {
		dr_stat_inc(p->stat);
	}
	return 0;
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
			pr_warn("dirtyrace: kprobe %s: %d, its hits stay 0\n",
				dr_probes[i].kp.symbol_name, ret);
			dr_stat_inc(DR_STAT_KP_MISSING);
			continue;
		}
		dr_probes[i].registered = true;
	}
	return 0;
}

void dr_probes_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dr_probes); i++) {
		if (dr_probes[i].registered)
			unregister_kprobe(&dr_probes[i].kp);
		dr_probes[i].registered = false;
	}
}
