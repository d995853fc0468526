// SPDX-License-Identifier: GPL-2.0
/*
 * Unexported kernel functions (migrate_pages and friends), resolved at run
 * time. kallsyms_lookup_name itself is unexported: a kprobe on it yields
 * its address. Calling a kernel function through a pointer #CP-faults when
 * the CPU enforces IBT and the kernel sealed that function's ENDBR, so
 * the lookup refuses to run there at all.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include "dr.h"
#include "arch.h"
#include "compat.h"

static unsigned long (*dr_kallsyms_lookup_name)(const char *name);

int dr_ksym(const char *name, void **addr)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	int ret;

	if (dr_ibt_enforced()) {
		pr_warn("the CPU enforces IBT, so %s cannot be called through a pointer; boot with ibt=off\n",
			name);
		return -EOPNOTSUPP;
	}
	if (!dr_kallsyms_lookup_name) {
		ret = register_kprobe(&kp);
		if (ret) {
			pr_warn("cannot find kallsyms_lookup_name (%d)\n", ret);
			return ret;
		}
		dr_kallsyms_lookup_name = (void *)kp.addr;
		unregister_kprobe(&kp);
	}
	*addr = (void *)dr_kallsyms_lookup_name(name);
	if (!*addr) {
		pr_warn("kernel symbol %s not found (CONFIG_KALLSYMS_ALL, or a newer kernel renamed it)\n",
			name);
		return -ENOENT;
	}
	return 0;
}

/* folio_isolate_lru, for the migrate engine and stall_reclaim: resolved once. */
int dr_ksym_isolate_lru(dr_isolate_lru_t *fn)
{
	static dr_isolate_lru_t resolved;
	int ret = 0;

	if (!READ_ONCE(resolved))
		ret = dr_ksym("folio_isolate_lru", (void **)&resolved);
	*fn = READ_ONCE(resolved);
	return ret;
}

#ifndef DR_EXPORTED_apply_to_existing_page_range
int (*dr_apply_existing)(struct mm_struct *mm, unsigned long addr,
			 unsigned long size, pte_fn_t fn, void *data);
#endif
#if defined(CONFIG_X86) && !defined(DR_EXPORTED___flush_tlb_all)
void (*dr_flush_tlb_all_fn)(void);
#endif

/* What this kernel no longer exports to us, by name; 0 when all is there. */
int dr_compat_resolve(void)
{
	int ret = 0;

#ifndef DR_EXPORTED_apply_to_existing_page_range
	if (!ret && !READ_ONCE(dr_apply_existing))
		ret = dr_ksym("apply_to_existing_page_range", (void **)&dr_apply_existing);
#endif
#if defined(CONFIG_X86) && !defined(DR_EXPORTED___flush_tlb_all)
	if (!ret && !READ_ONCE(dr_flush_tlb_all_fn))
		ret = dr_ksym("__flush_tlb_all", (void **)&dr_flush_tlb_all_fn);
#endif
	return ret;
}
