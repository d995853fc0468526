// SPDX-License-Identifier: GPL-2.0
/*
 * ioremap engine: force vmap_try_huge_pmd() -> pmd_free_pte_page() (the
 * 2018 x86 TLB-purge bug, "x86/mm: Add TLB purge to free pmd/pte page
 * interfaces") through real ioremap cycles, and
 * check every word through every new mapping from every CPU.
 *
 * On a reserved physical range that is not System RAM (memmap=nn$ss),
 * a driver kthread repeats: map a piece with 4K PTEs over a 2 MiB-aligned
 * VA (a phys that is not 2 MiB-aligned), fill it, unmap, purge lazy areas
 * (vm_unmap_aliases), map 2 MiB-aligned so the kernel replaces the PTE
 * table left at that VA by a huge PMD (pmd_free_pte_page), fill, verify,
 * unmap. While each mapping is live, checker kthreads pinned on the other
 * CPUs read and write it; patterns are keyed by physical address and
 * generation, so a stale TLB or paging-structure entry on any CPU reads
 * or writes the wrong memory and shows as a mismatch.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/debugfs.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <asm/pgtable.h>
#include <asm/tlbflush.h>
#include <linux/sched/task.h>
#include "dr.h"
#include "arch.h"

#define DR_IO_MAX	SZ_2M			/* largest single mapping */
#define DR_IO_PAGES	(DR_IO_MAX >> PAGE_SHIFT)
#define DR_IO_LOG	32			/* mismatch records kept */
#define DR_IO_PROBE	0x6472696f70726f62ULL	/* "drioprob": start-up probe words */
#define DR_IO_MIX	0x9E3779B97F4A7C15ULL	/* 2^64 / golden ratio: spreads the key's bits */
#define DR_IO_CHECKS	64			/* checker accesses between looks at live */

static char *ioremap_range;
module_param(ioremap_range, charp, 0444);
MODULE_PARM_DESC(ioremap_range, "physical range for the ioremap engine: PHYS,SIZE (not System RAM)");

static u32 dr_io_checkers;	/* 0: one per other online CPU */
static u32 dr_io_dwell_us = 200;

static const struct dr_knob dr_io_knobs[] = {
	{ DR_KNOB_IOREMAP_CHECKERS, &dr_io_checkers, 0, DR_MAX_THREADS, true },
	{ DR_KNOB_IOREMAP_DWELL_US, &dr_io_dwell_us, 0, 100000, false },
};

/* The claimed range; changed only while stopped, under dr.lock. */
static struct resource *dr_io_res;

/* For dr_kernel_pte() where there is no lookup_address() (arm64). */
static struct mm_struct *dr_io_init_mm;

/* One live mapping, as checkers see it. */
struct dr_io_map {
	void __iomem *va;
	unsigned long words;
	phys_addr_t phys[DR_IO_PAGES];	/* per page: the inject may move one */
};

static struct {
	struct dr_io_map map;
	u64 gen;
	bool live;
	atomic_t users;
	unsigned int nr_checkers;
	atomic_long_t hw[DR_MAX_THREADS];	/* checker c wrote words c, c+n, ... */
	atomic_long_t last_word;		/* a word a checker just touched */
} dr_io;

struct dr_io_mismatch {
	phys_addr_t phys;
	unsigned long off;	/* in the mapping; not its address, a kernel pointer */
	u64 expected, found, gen;
	int cpu;
	const char *who;
};

static DEFINE_SPINLOCK(dr_io_log_lock);
static struct dr_io_mismatch dr_io_log[DR_IO_LOG];
static unsigned int dr_io_nlog;

static struct dr_kthreads dr_io_driver;		/* one thread */
static struct dr_kthreads dr_io_checker_threads;

bool dr_ioremap_is_driver(struct task_struct *t)
{
	return dr_kthreads_has(&dr_io_driver, t);
}

/* Keyed by phys and generation: stale memory never matches by chance. */
static u64 dr_io_pat(phys_addr_t phys, u64 gen, bool checker)
{
	u64 v = (phys ^ (gen << 40) ^ (gen >> 24)) * DR_IO_MIX;

	return checker ? ~v : v;
}

static phys_addr_t dr_io_word_phys(const struct dr_io_map *m, unsigned long i)
{
	return READ_ONCE(m->phys[(i * 8) >> PAGE_SHIFT]) + ((i * 8) & ~PAGE_MASK);
}

static void dr_io_mismatch(phys_addr_t phys, unsigned long i, u64 expected,
			   u64 found, const char *who)
{
	unsigned long flags;

	dr_stat_inc(DR_STAT_IOREMAP_MISMATCHES);
	spin_lock_irqsave(&dr_io_log_lock, flags);
	if (dr_io_nlog < DR_IO_LOG)
		dr_io_log[dr_io_nlog++] = (struct dr_io_mismatch) {
			.phys = phys, .expected = expected, .found = found,
			.off = i * 8,
			.gen = dr_io.gen, .cpu = raw_smp_processor_id(), .who = who,
		};
	spin_unlock_irqrestore(&dr_io_log_lock, flags);
}

/* A checker: random reads of the whole mapping, writes of its own stripe. */
static void dr_io_check_some(unsigned int id, struct rnd_state *rng)
{
	const struct dr_io_map *m = &dr_io.map;
	unsigned int n = dr_io.nr_checkers, k;
	u64 gen = dr_io.gen;

	for (k = 0; k < DR_IO_CHECKS; k++) {
		unsigned long i, j = atomic_long_read(&dr_io.hw[id]);
		phys_addr_t phys;
		u64 v;

		i = prandom_u32_state(rng) % m->words;
		phys = dr_io_word_phys(m, i);
		v = readq(m->va + i * 8);
		if (v != dr_io_pat(phys, gen, false) && v != dr_io_pat(phys, gen, true))
			dr_io_mismatch(phys, i, dr_io_pat(phys, gen, false), v, "checker read");
		atomic_long_set(&dr_io.last_word, i);
		i = j * n + id;
		if (i < m->words) {
			writeq(dr_io_pat(dr_io_word_phys(m, i), gen, true), m->va + i * 8);
			atomic_long_set(&dr_io.hw[id], j + 1);
		}
	}
	dr_stat_add(DR_STAT_IOREMAP_CHECKS, DR_IO_CHECKS);
}

static int dr_io_checker(void *arg)
{
	unsigned int id = (unsigned long)arg;
	struct rnd_state rng;

	prandom_seed_state(&rng, get_random_u64());
	while (!kthread_should_stop()) {
		if (!READ_ONCE(dr_io.live)) {
			cond_resched();
			cpu_relax();
			continue;
		}
		atomic_inc(&dr_io.users);
		smp_mb__after_atomic();		/* pairs with dr_io_unpublish() */
		if (READ_ONCE(dr_io.live))
			dr_io_check_some(id, &rng);
		atomic_dec(&dr_io.users);
	}
	return 0;
}

static void dr_io_unpublish(void)
{
	WRITE_ONCE(dr_io.live, false);
	smp_mb();	/* live=false before reading users; pairs with the checker */
	while (atomic_read(&dr_io.users))
		cpu_relax();
}

/*
 * inject=ioremap_noflush: point one 4K PTE of the live mapping at a spare
 * page of the range without a TLB flush (only this CPU's entry is
 * invalidated). Checkers still holding the old translation read and
 * write the old page: the verifier must catch it.
 */
static void dr_io_inject(struct dr_io_map *m, phys_addr_t spare)
{
	/* last_word may predate this (smaller) mapping: stay inside it. */
	unsigned long pages = (m->words * 8) >> PAGE_SHIFT;
	unsigned long page = ((atomic_long_read(&dr_io.last_word) * 8) >> PAGE_SHIFT) % pages;
	unsigned long va = (unsigned long)m->va + (page << PAGE_SHIFT);
	void __iomem *s = ioremap_cache(spare, PAGE_SIZE);
	enum dr_kpte_level level;
	unsigned int w;
	pte_t *ptep;

	if (!s)
		return;
	for (w = 0; w < PAGE_SIZE / 8; w++)
		writeq(dr_io_pat(spare + w * 8, dr_io.gen, false), s + w * 8);
	ptep = dr_kernel_pte(dr_io_init_mm, va, &level);
	if (level == DR_KPTE_4K && pte_present(*ptep) &&
	    pte_pfn(*ptep) == PHYS_PFN(m->phys[page])) {
		WRITE_ONCE(m->phys[page], spare);
		preempt_disable();
		set_pte(ptep, pfn_pte(PHYS_PFN(spare), pte_pgprot(*ptep)));
		dr_flush_tlb_local(va);		/* and no flush_tlb_kernel_range() */
		preempt_enable();
		dr_stat_inc(DR_STAT_IOREMAP_INJECTED);
	}
	iounmap(s);
}

static void dr_io_spin_until(ktime_t end)
{
	while (ktime_before(ktime_get(), end))
		cpu_relax();
}

/* Fill, let the checkers at it, take it back, verify every word. */
static void dr_io_epoch(struct dr_io_map *m, phys_addr_t spare)
{
	unsigned int n = dr_io.nr_checkers, c;
	u32 dwell = READ_ONCE(dr_io_dwell_us);
	ktime_t start;
	unsigned long i;

	dr_io.gen++;
	for (i = 0; i < m->words; i++)
		writeq(dr_io_pat(dr_io_word_phys(m, i), dr_io.gen, false), m->va + i * 8);
	for (c = 0; c < n; c++)
		atomic_long_set(&dr_io.hw[c], 0);
	atomic_long_set(&dr_io.last_word, 0);
	smp_store_release(&dr_io.live, true);	/* the fill before live=true */
	start = ktime_get();
	if (spare && dr_inject_is(DR_INJ_IOREMAP_NOFLUSH)) {
		dr_io_spin_until(ktime_add_us(start, dwell / 2));
		dr_io_inject(m, spare);
	}
	dr_io_spin_until(ktime_add_us(start, dwell));
	dr_io_unpublish();

	for (i = 0; i < m->words; i++) {
		phys_addr_t phys = dr_io_word_phys(m, i);
		bool by_checker = n && i / n < atomic_long_read(&dr_io.hw[i % n]);
		u64 exp = dr_io_pat(phys, dr_io.gen, by_checker);
		u64 v = readq(m->va + i * 8);

		if (v != exp)
			dr_io_mismatch(phys, i, exp, v, "verify");
	}
	dr_stat_add(DR_STAT_IOREMAP_WORDS, m->words);
}

static bool dr_io_map(struct dr_io_map *m, phys_addr_t phys, unsigned long size)
{
	unsigned long p;

	m->va = ioremap_cache(phys, size);
	if (!m->va) {
		dr_stat_inc(DR_STAT_IOREMAP_ERRORS);
		return false;
	}
	m->words = size / 8;
	for (p = 0; p < size >> PAGE_SHIFT; p++)
		m->phys[p] = phys + (p << PAGE_SHIFT);
	return true;
}

/* Small mappings mostly in the deterministic 2 MiB recipe, sometimes not. */
static unsigned long dr_io_small_size(void)
{
	static const unsigned long sizes[] = {
		SZ_2M, SZ_2M, SZ_2M, SZ_2M, SZ_2M, SZ_2M, SZ_1M, SZ_256K, SZ_64K
	};

	return sizes[get_random_u32() % ARRAY_SIZE(sizes)];
}

static void dr_io_cycle(phys_addr_t base, unsigned long chunks)
{
	struct dr_io_map *m = &dr_io.map;
	unsigned long small = dr_io_small_size(), a, b;
	phys_addr_t pa = base + (phys_addr_t)(get_random_u32() % (chunks - 1)) * SZ_2M;
	phys_addr_t pb = base + (phys_addr_t)(get_random_u32() % chunks) * SZ_2M;
	enum dr_kpte_level level;

	/* 4K PTEs: phys off 2 MiB alignment; the spare page is pa itself. */
	vm_unmap_aliases();
	if (!dr_io_map(m, pa + PAGE_SIZE, small))
		return;
	a = (unsigned long)m->va;
	dr_io_epoch(m, pa);
	iounmap(m->va);
	vm_unmap_aliases();

	/* 2 MiB-aligned: a huge PMD replaces the PTE table left at a's VA. */
	if (!dr_io_map(m, pb, SZ_2M))
		return;
	b = (unsigned long)m->va;
	if (a >= b && a < b + SZ_2M)
		dr_stat_inc(DR_STAT_IOREMAP_VA_REUSE);
	if (dr_kernel_pte(dr_io_init_mm, b, &level) && level == DR_KPTE_2M)
		dr_stat_inc(DR_STAT_IOREMAP_HUGE);
	dr_io_epoch(m, 0);
	iounmap(m->va);
	dr_stat_inc(DR_STAT_IOREMAP_CYCLES);
}

static int dr_io_driver_fn(void *arg)
{
	phys_addr_t base = dr_io_res->start;
	unsigned long chunks = resource_size(dr_io_res) / SZ_2M;

	while (!kthread_should_stop()) {
		dr_io_cycle(base, chunks);
		cond_resched();
	}
	return 0;
}

/* Did one 2 MiB ioremap of the range get a PMD mapping? */
static bool dr_io_huge_once(void)
{
	void __iomem *va = ioremap_cache(dr_io_res->start, SZ_2M);
	enum dr_kpte_level level;

	if (!va)
		return false;
	dr_kernel_pte(dr_io_init_mm, (unsigned long)va, &level);
	iounmap(va);
	return level == DR_KPTE_2M;
}

/*
 * Is huge ioremap on (not nohugeiomap, PSE, uniform MTRRs)? Asked a few
 * times: 7.x replaces a PMD's leftover PTE table only when it gets
 * init_mm's mmap_lock at once (vmap_try_huge_pmd()), so one small mapping
 * is no verdict on the machine (dr_reload on 7.2 met one in 200 starts).
 */
static bool dr_io_huge_works(void)
{
	int i;

	for (i = 0; i < 5; i++) {
		if (dr_io_huge_once())
			return true;
		msleep(20);
	}
	return false;
}

/*
 * Memory behind the range, not a hole or a device: write a distinct word
 * at both ends of every page, then read them all back (an open bus reads
 * all ones, some echo the last value written). Uncached, so the read
 * comes from the memory, not from our own cache line.
 */
static int dr_io_probe(phys_addr_t phys, u64 size)
{
	void __iomem *va = ioremap(phys, size);
	u64 off, last = size - sizeof(u64);
	int pass;

	if (!va)
		return -ENOMEM;
	for (pass = 0; pass < 2; pass++) {
		for (off = 0; off < size; off += PAGE_SIZE) {
			u64 a = off, b = off + PAGE_SIZE - sizeof(u64);
			u64 wa = DR_IO_PROBE ^ (phys + a), wb = DR_IO_PROBE ^ (phys + b);

			if (!pass) {
				writeq(wa, va + a);
				writeq(wb, va + min(b, last));
			} else if (readq(va + a) != wa || readq(va + min(b, last)) != wb) {
				iounmap(va);
				pr_warn("ioremap_range: %pa + %#llx does not read back what was written: not memory, refused\n",
					&phys, off);
				return -EIO;
			}
		}
	}
	iounmap(va);
	return 0;
}

/* The driver first: the checkers watch what it maps. */
static void dr_io_stop(void)
{
	dr_kthreads_stop(&dr_io_driver);
	dr_kthreads_stop(&dr_io_checker_threads);
	dr_io.nr_checkers = 0;
}

/* Driver on the first online CPU, one checker on each other CPU. */
static int dr_io_start(const struct dr_target *t)
{
	unsigned int cpu, drv = cpumask_first(cpu_online_mask), n = 0;
	unsigned int want = dr_io_checkers ?: num_online_cpus() - 1;
	int ret = 0;

	if (!dr_io_res) {
		dr_refuse("ioremap: no range; echo PHYS SIZE > %s (x86: boot with memmap=8M\\$0x40000000; arm64 has no accepted range)",
			  DR_KNOB_IOREMAP_RANGE);
		return -ENXIO;
	}
	if (DR_ARCH_KPTE_NEEDS_INIT_MM && !dr_io_init_mm) {
		ret = dr_ksym("init_mm", (void **)&dr_io_init_mm);
		if (ret)
			return ret;
	}
	if (!dr_io_huge_works()) {
		dr_refuse("ioremap: huge ioremap is off (nohugeiomap, no PSE or MTRRs): pmd_free_pte_page cannot run");
		return -EOPNOTSUPP;
	}
	/* Still memory (hot-unplugged, remapped since the claim?): probe again. */
	ret = dr_io_probe(dr_io_res->start, resource_size(dr_io_res));
	if (ret)
		return ret;
	memset(&dr_io.map, 0, sizeof(dr_io.map));
	dr_io.nr_checkers = min_t(unsigned int, want, DR_MAX_THREADS);
	for_each_online_cpu(cpu) {
		if (n == dr_io.nr_checkers || ret)
			break;
		if (cpu == drv && num_online_cpus() > 1)
			continue;
		ret = dr_kthreads_add(&dr_io_checker_threads, dr_io_checker,
				      (void *)(unsigned long)n, cpu, "dirtyrace-ioc/%u", 0);
		n += !ret;
	}
	dr_io.nr_checkers = n;
	if (!ret)
		ret = dr_kthreads_add(&dr_io_driver, dr_io_driver_fn, NULL, drv,
				      "dirtyrace-io/%u", 0);
	if (ret) {
		dr_io_stop();
		return ret;
	}
	dr_kthreads_wake(&dr_io_checker_threads);
	dr_kthreads_wake(&dr_io_driver);
	return 0;
}

/*
 * Only a range the firmware or memmap=nn$ss reserved and nothing else
 * claimed: our region must be the one child of a top-level Reserved memory
 * resource (one inside a PCI window may be a device's registers).
 * A PCI window, an unclaimed BAR, PMEM, Soft Reserved or ACPI memory has
 * another parent or descriptor (and MMCONFIG has its own child), and
 * writing patterns there could hit MMIO or destroy data.
 */
static bool dr_io_res_reserved(const struct resource *r)
{
	const struct resource *p = r->parent;

	/* No resource_lock for modules: resources change rarely, at boot. */
	return p && p->parent == &iomem_resource && (p->flags & IORESOURCE_MEM) &&
	       p->desc == IORES_DESC_RESERVED && READ_ONCE(p->child) == r &&
	       !READ_ONCE(r->sibling);
}

/* Claim [phys, phys + size) if it is such a range. */
static struct resource *dr_io_claim(phys_addr_t phys, u64 size, int *err)
{
	struct resource *r;

	*err = -EINVAL;
	/* Never RAM. */
	if (region_intersects(phys, size, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE) !=
	    REGION_DISJOINT)
		return NULL;
	/* Exclusive: not overlapping a driver's (or our own) busy region. */
	r = request_mem_region(phys, size, "dirtyrace");
	if (!r)
		return NULL;
	*err = dr_io_res_reserved(r) ? dr_io_probe(phys, size) : -EINVAL;
	if (*err) {
		release_mem_region(phys, size);
		return NULL;
	}
	return r;
}

static void dr_io_release(void)
{
	if (dr_io_res)
		release_mem_region(dr_io_res->start, resource_size(dr_io_res));
	dr_io_res = NULL;
}

/*
 * A new range inside the Reserved resource of the claimed one: that
 * resource may have one child only, so the old claim must go before the
 * new one is made. What cannot pass is refused before that.
 */
static int dr_io_move_within(phys_addr_t phys, u64 size)
{
	const struct resource *p = dr_io_res->parent;
	resource_size_t old_start = dr_io_res->start;
	resource_size_t old_size = resource_size(dr_io_res);
	struct resource *r;
	int err, old_err;

	if (phys < p->start || phys + size - 1 > p->end)
		return -EINVAL;
	dr_io_release();
	r = dr_io_claim(phys, size, &err);
	if (r) {
		dr_io_res = r;
		return 0;
	}
	dr_io_res = dr_io_claim(old_start, old_size, &old_err);
	if (!dr_io_res)
		pr_warn("ioremap_range: %pa + %pa could not be claimed again (%d): no range now\n",
			&old_start, &old_size, old_err);
	return err;
}

/*
 * "PHYS SIZE" or "PHYS,SIZE" (K/M/G suffixes), or "none". A rejected
 * range leaves the claimed one as it was: a range elsewhere is claimed
 * and probed before the old one is released.
 */
static int dr_io_set_range(const char *s)
{
	const struct resource *p;
	struct resource *r;
	phys_addr_t phys;
	u64 size;
	char *end;
	int err;

	if (!strcmp(s, "none")) {
		dr_io_release();
		return 0;
	}
	phys = memparse(s, &end);
	if (end == s || (*end != ',' && *end != ' '))
		return -EINVAL;
	s = skip_spaces(end + 1);
	size = memparse(s, &end);
	if (end == s || *end)
		return -EINVAL;
	/* Two 2 MiB chunks at least: the 4K piece sits 4K off alignment. */
	if (!IS_ALIGNED(phys, SZ_2M) || !IS_ALIGNED(size, SZ_2M) ||
	    size < SZ_4M || size > SZ_1G || phys + size < phys)
		return -EINVAL;
	if (dr_io_res && dr_io_res->start == phys && resource_size(dr_io_res) == size)
		return 0;
	p = dr_io_res ? dr_io_res->parent : NULL;
	if (p && phys <= p->end && phys + size - 1 >= p->start)
		return dr_io_move_within(phys, size);
	r = dr_io_claim(phys, size, &err);
	if (!r)
		return err;
	dr_io_release();
	dr_io_res = r;
	return 0;
}

static ssize_t dr_io_range_write(struct file *f, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	char buf[64];
	int ret = dr_copy_arg(buf, sizeof(buf), ubuf, len, ppos);

	if (ret)
		return ret;
	mutex_lock(&dr.lock);
	ret = dr.running ? -EBUSY : dr_io_set_range(strim(buf));
	mutex_unlock(&dr.lock);
	return ret ? ret : len;
}

static ssize_t dr_io_range_read(struct file *f, char __user *ubuf, size_t len,
				loff_t *ppos)
{
	char buf[64] = "none\n";

	mutex_lock(&dr.lock);
	if (dr_io_res)
		scnprintf(buf, sizeof(buf), "%pa %llu\n", &dr_io_res->start,
			  (unsigned long long)resource_size(dr_io_res));
	mutex_unlock(&dr.lock);
	return simple_read_from_buffer(ubuf, len, ppos, buf, strlen(buf));
}

static const struct file_operations dr_io_range_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = dr_io_range_read,
	.write = dr_io_range_write,
	.llseek = default_llseek,
};

static int dr_io_mismatches_show(struct seq_file *m, void *v)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&dr_io_log_lock, flags);
	for (i = 0; i < dr_io_nlog; i++) {
		const struct dr_io_mismatch *e = &dr_io_log[i];

		seq_printf(m, "phys=%pa off=0x%lx expected=0x%016llx found=0x%016llx cpu=%d gen=%llu by=%s\n",
			   &e->phys, e->off, e->expected, e->found, e->cpu,
			   e->gen, e->who);
	}
	spin_unlock_irqrestore(&dr_io_log_lock, flags);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dr_io_mismatches);

/* At every start, the log follows the stats: it describes this run. */
static void dr_io_reset(void)
{
	unsigned long flags;

	spin_lock_irqsave(&dr_io_log_lock, flags);
	dr_io_nlog = 0;
	spin_unlock_irqrestore(&dr_io_log_lock, flags);
}

static void dr_io_debugfs(struct dentry *dir)
{
	char buf[64];

	debugfs_create_file(DR_KNOB_IOREMAP_RANGE, 0600, dir, NULL, &dr_io_range_fops);
	debugfs_create_file(DR_FILE_IOREMAP_MISMATCHES, 0400, dir, NULL,
			    &dr_io_mismatches_fops);
	if (!ioremap_range)
		return;
	strscpy(buf, ioremap_range, sizeof(buf));
	if (dr_io_set_range(strim(buf)))
		pr_warn("ioremap_range=%s rejected (needs 2 MiB-aligned non-RAM memory, >= 4M)\n",
			ioremap_range);
}

static void dr_io_exit(void)
{
	dr_io_set_range("none");
}

const struct dr_engine dr_ioremap_engine = {
	.name = DR_ENGINE_IOREMAP,
	.knobs = dr_io_knobs,
	.nr_knobs = ARRAY_SIZE(dr_io_knobs),
	.start = dr_io_start,
	.reset = dr_io_reset,
	.stop = dr_io_stop,
	.debugfs = dr_io_debugfs,
	.exit = dr_io_exit,
};
