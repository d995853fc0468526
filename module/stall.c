// SPDX-License-Identifier: GPL-2.0
/*
 * stall engine: the flush-window amplifier.
 *
 * Many real lost-write bugs live between a PTE change and its TLB flush
 * inside one syscall: zap_pte_range() removing the rmap before its flush
 * (fixed in 6.2), mremap() flushing after dropping the PTL, reclaim's
 * batched flush. The window is microseconds wide, and a store through
 * another CPU's old TLB entry must meet writeback cleaning the folio in
 * it. This engine makes the two meet:
 *
 *  - kprobes on the x86 flush entry points (flush_tlb_mm_range() for every
 *    user-mm flush, arch_tlbbatch_flush() for reclaim's batch) busy-wait
 *    stall_us before a flush of a hammer process's mm that covers the
 *    target file proceeds, at most once every stall_gap_us;
 *  - meanwhile a cleaner kthread on another CPU (one that ran the mm, so
 *    one where writers keep their old TLB entries) runs the kernel's own
 *    writeback on exactly the file pages the flush covers
 *    (filemap_fdatawrite_range(), i.e. folio_clear_dirty_for_io());
 *  - once the flush is done it evicts them (unmap_mapping_range(),
 *    invalidate_mapping_pages()), so a store that landed in a folio the
 *    kernel believed clean is gone from memory before a writer can
 *    re-dirty the page, and the next verify round rereads the disk.
 *
 * A stall changes timing only, never what the kernel does: a write lost
 * with it is a real kernel bug. Which mms map the target comes from a
 * snapshot of the file's i_mmap tree, refreshed every few milliseconds.
 */
#include <linux/delay.h>
#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/seq_file.h>
#include <linux/seqlock.h>
#include <asm/syscall.h>
#include <asm/unistd.h>
#include <asm/tlbflush.h>
#include "dr.h"
#include "arch.h"

#define DR_STALL_VMAS		64	/* VMAs of the target tracked */
#define DR_STALL_CALLERS	32	/* distinct call sites counted */
#define DR_STALL_REFRESH_MS	5
#define DR_STALL_EVICT_TRIES	10	/* ~0.5 ms for the writeback to end */
#define DR_STALL_CLEAN_PAGES	16	/* a clean that fits inside a stall */

static u32 dr_stall_us = 1000;
static u32 dr_stall_gap_us = 3000;
static u32 dr_stall_sites = DR_STALL_SYSCALL | DR_STALL_BATCH;
static u32 dr_stall_clean = 1;

static const struct dr_knob dr_stall_knobs[] = {
	{ DR_KNOB_STALL_US, &dr_stall_us, DR_STALL_US_MIN, DR_STALL_US_MAX, false },
	{ DR_KNOB_STALL_GAP_US, &dr_stall_gap_us, DR_STALL_GAP_US_MIN,
	  DR_STALL_GAP_US_MAX, false },
	{ DR_KNOB_STALL_SITES, &dr_stall_sites, 0, DR_STALL_SITES_ALL, false },
	{ DR_KNOB_STALL_CLEAN, &dr_stall_clean, 0, 1, false },
};

/* Snapshot of the target's shared VMAs; each mm is held with mmgrab(). */
struct dr_stall_vma {
	struct mm_struct *mm;
	unsigned long start, end;
	pgoff_t pgoff;
};

static struct dr_stall_vma dr_vmas[DR_STALL_VMAS], dr_vmas_new[DR_STALL_VMAS];
static struct mm_struct *dr_vmas_old[DR_STALL_VMAS];
static unsigned int dr_nr_vmas;
static DEFINE_SEQLOCK(dr_vmas_lock);	/* the kprobes read under it */
static DEFINE_MUTEX(dr_vmas_mutex);	/* a refresh, or a cleaner's mmgrab */

/* The clean asked for by the stall in progress (one at a time). */
struct dr_stall_req {
	unsigned long seq;	/* bumped by each stall that asks for a clean */
	unsigned long ended;	/* seq of the last stall whose flush may run */
	pgoff_t first, last;
	struct mm_struct *mm;	/* whose flush is held */
	int cpu;		/* whose cleaner */
	bool syscall;		/* the flush of a task's own syscall */
};

static struct dr_stall_req dr_req;
static atomic_t dr_stall_busy;
static u64 dr_stall_next_ns;
static bool dr_stall_on;
static const struct dr_target *dr_stall_target;
static struct task_struct *dr_mapper;
static struct task_struct *dr_cleaners[DR_MAX_THREADS];	/* by CPU */

/* Call sites seen: their stall counts and their share of the budget. */
static struct {
	unsigned long ip;
	atomic64_t n;
	u64 next_ns;		/* this site's next stall, at the earliest */
} dr_callers[DR_STALL_CALLERS];
static atomic_t dr_nr_callers;

/* The caller's slot (claimed on first sight), or -1 when all are taken. */
static int dr_caller_slot(unsigned long ip)
{
	unsigned int i;

	for (i = 0; i < DR_STALL_CALLERS; i++) {
		unsigned long cur = READ_ONCE(dr_callers[i].ip);

		if (!cur) {
			cur = cmpxchg(&dr_callers[i].ip, 0, ip) ?: ip;
			if (cur == ip)
				atomic_inc(&dr_nr_callers);
		}
		if (cur == ip)
			return i;
	}
	return -1;
}

/*
 * Is mm one of the target's, and which file pages does [start, end)
 * cover there? Returns false for a foreign mm; *first > *last when the
 * range holds none of the file.
 */
static bool dr_stall_lookup(struct mm_struct *mm, unsigned long start,
			    unsigned long end, pgoff_t *first, pgoff_t *last)
{
	unsigned int seq, i;
	bool mine;

	do {
		seq = read_seqbegin(&dr_vmas_lock);
		mine = false;
		*first = ULONG_MAX;
		*last = 0;
		for (i = 0; i < dr_nr_vmas; i++) {
			const struct dr_stall_vma *v = &dr_vmas[i];
			unsigned long s = max(start, v->start), e = min(end, v->end);

			if (v->mm != mm)
				continue;
			mine = true;
			if (s >= e)
				continue;
			*first = min(*first, v->pgoff + ((s - v->start) >> PAGE_SHIFT));
			*last = max(*last, v->pgoff + ((e - 1 - v->start) >> PAGE_SHIFT));
		}
	} while (read_seqretry(&dr_vmas_lock, seq));
	return mine;
}

/*
 * A cleaner on another CPU. Best one that never ran mm: a writer keeps
 * running beside it, and no flush the clean itself makes (folio_mkclean)
 * can reach the writer's CPU lazily. Else one that ran mm, so a writer
 * there is preempted and resumes with its old TLB entries.
 */
static struct task_struct *dr_pick_cleaner(struct mm_struct *mm, int *cpu)
{
	int self = smp_processor_id(), c, ran = -1;

	for_each_online_cpu(c) {
		if (c == self || c >= DR_MAX_THREADS || !dr_cleaners[c])
			continue;
		if (!cpumask_test_cpu(c, mm_cpumask(mm)))
			goto found;
		if (ran < 0)
			ran = c;
	}
	if (ran < 0)
		return NULL;
	c = ran;
found:
	*cpu = c;
	return dr_cleaners[c];
}

/*
 * Writing back a whole 256-page mremap range takes longer than a stall:
 * clean a random window of the flushed range that fits in one.
 */
static void dr_clean_window_pick(pgoff_t *first, pgoff_t *last)
{
	pgoff_t end = i_size_read(dr_stall_target->mapping->host) >> PAGE_SHIFT;

	if (end && *last >= end)
		*last = end - 1;
	if (*first > *last || *last - *first < DR_STALL_CLEAN_PAGES)
		return;
	*first += get_random_u32_below(min_t(pgoff_t, U32_MAX,
					     *last - *first - DR_STALL_CLEAN_PAGES + 2));
	*last = *first + DR_STALL_CLEAN_PAGES - 1;
}

/*
 * Hold this flush for stall_us while a cleaner writes the pages back. One
 * stall at a time, one per gap in all, and each call site at most its
 * share (one per gap x sites seen): the flushes of move_pages() or of the
 * mkclean engine come by the thousand and would otherwise take every
 * stall from zap, mprotect and mremap.
 */
static void dr_stall(struct mm_struct *mm, unsigned long caller,
		     pgoff_t first, pgoff_t last, bool asked, bool syscall)
{
	u64 t0 = ktime_get_ns(), ns, gap;
	struct task_struct *cleaner = NULL;
	int cpu = -1, site = dr_caller_slot(caller);
	unsigned long seq = 0;

	if (site < 0 || (!asked && (t0 < READ_ONCE(dr_stall_next_ns) ||
				    t0 < READ_ONCE(dr_callers[site].next_ns))) ||
	    atomic_cmpxchg(&dr_stall_busy, 0, 1)) {
		dr_stat_inc(DR_STAT_STALL_SKIPPED);
		return;
	}
	atomic64_inc(&dr_callers[site].n);
	/*
	 * Not for an asked reclaim: what it races is mprotect(), and any
	 * flush of mm (the clean's folio_mkclean()) makes every CPU behind
	 * on mm's tlb_gen flush all, the stale entries with it.
	 */
	if (READ_ONCE(dr_stall_clean) && !asked)
		cleaner = dr_pick_cleaner(mm, &cpu);
	if (cleaner) {
		dr_clean_window_pick(&first, &last);
		seq = dr_req.seq + 1;
		WRITE_ONCE(dr_req.first, first);
		WRITE_ONCE(dr_req.last, last);
		WRITE_ONCE(dr_req.mm, mm);
		WRITE_ONCE(dr_req.cpu, cpu);
		WRITE_ONCE(dr_req.syscall, syscall);
		/* The range is visible before the cleaner sees the new seq. */
		smp_store_release(&dr_req.seq, seq);
		wake_up_process(cleaner);
	}
	while (ktime_get_ns() - t0 < READ_ONCE(dr_stall_us) * NSEC_PER_USEC &&
	       READ_ONCE(dr_stall_on))
		cpu_relax();
	ns = ktime_get_ns() - t0;
	gap = max(READ_ONCE(dr_stall_gap_us), READ_ONCE(dr_stall_us)) * NSEC_PER_USEC;
	WRITE_ONCE(dr_stall_next_ns, t0 + ns + gap);
	WRITE_ONCE(dr_callers[site].next_ns,
		   t0 + ns + gap * atomic_read(&dr_nr_callers));
	dr_stat_inc(DR_STAT_STALL_STALLS);
	dr_stat_add(DR_STAT_STALL_NS, ns);
	dr_stat_max(DR_STAT_STALL_MAX_NS, ns);
	if (cleaner) {
		/* Orders the stall before the cleaner's eviction. */
		smp_store_release(&dr_req.ended, seq);
		wake_up_process(cleaner);
	}
	atomic_set_release(&dr_stall_busy, 0);
}

/* Is the flush of stall seq still held? */
static bool dr_req_held(unsigned long seq)
{
	/* Pairs with the release of ended in dr_stall(). */
	return (long)(smp_load_acquire(&dr_req.ended) - seq) < 0;
}

static bool dr_is_cleaner(void)
{
	int cpu = raw_smp_processor_id();

	return cpu < DR_MAX_THREADS && dr_cleaners[cpu] == current;
}

/*
 * inject=mprotect_noflush: mprotect() write-protects the PTEs and skips
 * its flush, so writers keep writable TLB entries to pages the kernel
 * says are read-only (nothing is lost: the PTEs stay dirty; the hammer's
 * protection oracle sees the stores that should have faulted).
 */
static bool dr_inject_mprotect(struct pt_regs *regs, bool syscall)
{
	if (!dr_inject_is(DR_INJ_MPROTECT_NOFLUSH) || !syscall || DR_ARG(regs, 4) ||
	    syscall_get_nr(current, task_pt_regs(current)) != __NR_mprotect)
		return false;
	dr_stat_inc(DR_STAT_STALL_INJECT);
	dr_override_return(regs, 0);
	return true;
}

/*
 * The hooks of the x86 flush entry points; arm64 has no such functions
 * (DR_ARCH_FLUSH_PROBES) and never registers them.
 */

/* flush_tlb_mm_range(mm, start, end, stride_shift, freed_tables) */
bool dr_stall_flush_mm(struct pt_regs *regs)
{
	struct mm_struct *mm = (void *)DR_ARG(regs, 0);
	unsigned long start = DR_ARG(regs, 1), end = DR_ARG(regs, 2);
	bool syscall = current->mm == mm && !(current->flags & PF_KTHREAD);
	pgoff_t first, last;

	if (!READ_ONCE(dr_stall_on) || in_interrupt() || dr_probed_irqs_off(regs))
		return false;
	if (!dr_stall_lookup(mm, start, end, &first, &last))
		return false;
	if (end == DR_FLUSH_ALL) {
		first = 0;
		last = ULONG_MAX;
	} else if (first > last) {
		return false;	/* the mm's own memory, not the file */
	}
	dr_stat_inc(DR_STAT_KP_FLUSH_MM);
	if (dr_inject_mprotect(regs, syscall))
		return true;
	if (!(READ_ONCE(dr_stall_sites) & (syscall ? DR_STALL_SYSCALL : DR_STALL_RMAP)) ||
	    dr_is_cleaner())
		return false;
	dr_stall(mm, dr_caller(regs), first, last, false, syscall);
	return false;
}

/*
 * The task in a stall_reclaim write: the batched flush of a reclaim asked
 * for is held whatever the gap, as holding it is what it was asked for.
 */
static struct task_struct *dr_reclaimer;

/* arch_tlbbatch_flush(batch): ours when a hammer process reclaims. */
bool dr_stall_batch_flush(struct pt_regs *regs)
{
	struct mm_struct *mm = current->mm;
	pgoff_t first, last;

	if (!READ_ONCE(dr_stall_on) || !mm || (current->flags & PF_KTHREAD) ||
	    in_interrupt() || dr_probed_irqs_off(regs) ||
	    !dr_stall_lookup(mm, 0, TASK_SIZE_MAX, &first, &last))
		return false;
	dr_stat_inc(DR_STAT_KP_BATCH_FLUSH);
	if (READ_ONCE(dr_stall_sites) & DR_STALL_BATCH)
		dr_stall(mm, dr_caller(regs), 0, ULONG_MAX, READ_ONCE(dr_reclaimer) == current,
			 false);
	return false;
}

/* The writeback inside the stall, the eviction after it. */
static void dr_clean_evict(struct address_space *mapping, unsigned long seq)
{
	pgoff_t first = READ_ONCE(dr_req.first), last = READ_ONCE(dr_req.last);
	loff_t from = (loff_t)first << PAGE_SHIFT;
	loff_t to = last == ULONG_MAX ? LLONG_MAX : ((loff_t)(last + 1) << PAGE_SHIFT) - 1;
	unsigned long evicted = 0;
	unsigned int i;

	filemap_fdatawrite_range(mapping, from, to);
	dr_stat_inc(DR_STAT_STALL_CLEANS);
	if (dr_req_held(seq)) {
		dr_stat_inc(DR_STAT_STALL_CLEANS_INSIDE);
		if (READ_ONCE(dr_req.syscall))
			dr_stat_inc(DR_STAT_STALL_CLEANS_SYSCALL);
	}
	while (dr_req_held(seq) && !kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (dr_req_held(seq))
			schedule_timeout(1);
		__set_current_state(TASK_RUNNING);
	}
	/*
	 * Busy, so that no writer on this CPU re-dirties the pages first;
	 * retried while the I/O and the zap's page references drain.
	 */
	unmap_mapping_range(mapping, from, to == LLONG_MAX ? 0 : to - from + 1, 0);
	for (i = 0; i < DR_STALL_EVICT_TRIES; i++) {
		evicted += invalidate_mapping_pages(mapping, first, last);
		udelay(50);
	}
	dr_stat_add(DR_STAT_STALL_EVICTED, evicted);
}

/* A user reference to mm if it is still one of the target's, or NULL. */
static struct mm_struct *dr_stall_get_mm(struct mm_struct *mm)
{
	bool found = false;
	unsigned int i;

	mutex_lock(&dr_vmas_mutex);
	for (i = 0; i < dr_nr_vmas && !found; i++)
		found = dr_vmas[i].mm == mm;
	if (found)
		mmgrab(mm);	/* the snapshot's own reference keeps it till here */
	mutex_unlock(&dr_vmas_mutex);
	if (!found)
		return NULL;
	if (!mmget_not_zero(mm)) {
		mmdrop(mm);
		return NULL;
	}
	return mm;
}

static void dr_stall_put_mm(struct mm_struct *mm)
{
	mmput(mm);
	mmdrop(mm);
}

/*
 * Write back the stalled flush's pages, then evict them once it is done.
 * The cleaner runs on the writers' mm (kthread_use_mm()): a CPU lazily
 * holding mm would take a full flush when the writer comes back after a
 * flush the clean itself made (folio_mkclean() of the pages' other
 * mappings) and so lose exactly the old TLB entries under test.
 */
static void dr_clean_window(struct address_space *mapping, unsigned long seq)
{
	struct mm_struct *mm = dr_stall_get_mm(READ_ONCE(dr_req.mm));

	if (mm)
		kthread_use_mm(mm);
	dr_clean_evict(mapping, seq);
	if (mm) {
		kthread_unuse_mm(mm);
		dr_stall_put_mm(mm);
	}
}

static int dr_cleaner_fn(void *arg)
{
	int cpu = (long)arg;
	unsigned long done = 0, seq;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		/* Pairs with the stall's release: the range is the new one. */
		seq = smp_load_acquire(&dr_req.seq);
		if (seq == done || READ_ONCE(dr_req.cpu) != cpu) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		done = seq;
		dr_clean_window(dr_stall_target->mapping, seq);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/*
 * Publish the first n entries of dr_vmas_new as the snapshot and drop the
 * mms of the last one. Called with dr_vmas_mutex held.
 */
static void dr_vmas_publish(unsigned int n)
{
	unsigned int old, i;

	write_seqlock(&dr_vmas_lock);
	old = dr_nr_vmas;
	for (i = 0; i < old; i++)
		dr_vmas_old[i] = dr_vmas[i].mm;
	memcpy(dr_vmas, dr_vmas_new, n * sizeof(dr_vmas[0]));
	dr_nr_vmas = n;
	write_sequnlock(&dr_vmas_lock);
	/* A reader that saw an old mm retries: the sequence moved on. */
	for (i = 0; i < old; i++)
		mmdrop(dr_vmas_old[i]);
}

/* Snapshot the target's shared VMAs, holding each one's mm. */
static void dr_stall_refresh(struct address_space *mapping)
{
	unsigned int n = 0;
	struct rb_node *node;

	mutex_lock(&dr_vmas_mutex);
	i_mmap_lock_read(mapping);
	for (node = rb_first_cached(&mapping->i_mmap); node && n < DR_STALL_VMAS;
	     node = rb_next(node)) {
		struct vm_area_struct *vma =
			rb_entry(node, struct vm_area_struct, shared.rb);

		if (!(vma->vm_flags & VM_SHARED))
			continue;
		mmgrab(vma->vm_mm);
		dr_vmas_new[n++] = (struct dr_stall_vma) {
			.mm = vma->vm_mm, .start = vma->vm_start,
			.end = vma->vm_end, .pgoff = vma->vm_pgoff,
		};
	}
	i_mmap_unlock_read(mapping);
	dr_vmas_publish(n);
	mutex_unlock(&dr_vmas_mutex);
}

static int dr_mapper_fn(void *arg)
{
	const struct dr_target *t = arg;

	while (!kthread_should_stop()) {
		dr_stall_refresh(t->mapping);
		WRITE_ONCE(dr_stall_on, true);
		msleep(DR_STALL_REFRESH_MS);
	}
	return 0;
}

static void dr_stall_stop(void)
{
	unsigned int i;

	/* The mapper turns stalls on: stop it first. */
	if (dr_mapper)
		kthread_stop(dr_mapper);
	dr_mapper = NULL;
	WRITE_ONCE(dr_stall_on, false);
	/* Kprobe handlers run with preemption off: none is left after this. */
	synchronize_rcu();
	for (i = 0; i < DR_MAX_THREADS; i++) {
		if (!dr_cleaners[i])
			continue;
		kthread_stop(dr_cleaners[i]);
		put_task_struct(dr_cleaners[i]);
		dr_cleaners[i] = NULL;
	}
	mutex_lock(&dr_vmas_mutex);
	dr_vmas_publish(0);	/* an empty snapshot: every mm dropped */
	mutex_unlock(&dr_vmas_mutex);
}

static int dr_stall_start(const struct dr_target *t)
{
	struct task_struct *k;
	int cpu;

	/* arm64 flushes inline (flush_tlb_range()): no function to hold. */
	if (!dr_probe_registered("flush_tlb_mm_range")) {
		dr_refuse("stall: no flush_tlb_mm_range kprobe (this architecture flushes TLBs inline): nothing to hold");
		return -EOPNOTSUPP;
	}
	/* Holding a flush means spinning in the flushing task's own context. */
	if (!dr_probe_on_ftrace("flush_tlb_mm_range") ||
	    (dr_probe_registered("arch_tlbbatch_flush") &&
	     !dr_probe_on_ftrace("arch_tlbbatch_flush"))) {
		dr_refuse("stall: the flush kprobes are int3 probes, whose handlers cannot hold a flush; the stall engine needs ftrace-based kprobes (CONFIG_FUNCTION_TRACER=y, CONFIG_KPROBES_ON_FTRACE=y)");
		return -EOPNOTSUPP;
	}
	dr_stall_target = t;
	for_each_online_cpu(cpu) {
		if (cpu >= DR_MAX_THREADS)
			break;
		k = kthread_create_on_cpu(dr_cleaner_fn, (void *)(long)cpu, cpu,
					  "dirtyrace-stc/%u");
		if (IS_ERR(k))
			goto fail;
		get_task_struct(k);
		sched_set_fifo_low(k);
		dr_cleaners[cpu] = k;
		wake_up_process(k);
	}
	k = kthread_run(dr_mapper_fn, (void *)t, "dirtyrace-stallmap");
	if (IS_ERR(k))
		goto fail;
	dr_mapper = k;
	return 0;
fail:
	dr_stall_stop();
	return PTR_ERR(k);
}

static void dr_stall_reset(void)
{
	unsigned int i;

	for (i = 0; i < DR_STALL_CALLERS; i++) {
		WRITE_ONCE(dr_callers[i].ip, 0);
		WRITE_ONCE(dr_callers[i].next_ns, 0);
		atomic64_set(&dr_callers[i].n, 0);
	}
	atomic_set(&dr_nr_callers, 0);
	WRITE_ONCE(dr_stall_next_ns, 0);
}

/* stall_callers: "COUNT FUNCTION+OFFSET" per call site that was stalled. */
static int dr_callers_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 0; i < DR_STALL_CALLERS; i++) {
		unsigned long ip = READ_ONCE(dr_callers[i].ip);
		long long n = atomic64_read(&dr_callers[i].n);

		if (ip && n)
			seq_printf(m, "%lld %pS\n", n, (void *)ip);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dr_callers);

/*
 * stall_reclaim: "FIRST COUNT" reclaims those pages of the target now, in
 * the writer's context (see reclaim.c), while the stall engine runs on a
 * file the hammer created. The batch agitator's mprotect() meets the
 * batched flush this holds.
 */
static ssize_t dr_reclaim_write(struct file *f, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	char buf[48], *rest, *first_s;
	unsigned long first;
	unsigned int count;
	pgoff_t pages;
	long ret = dr_copy_arg(buf, sizeof(buf), ubuf, len, ppos);

	if (ret)
		return ret;
	rest = strim(buf);
	first_s = strsep(&rest, " ");
	if (!rest || kstrtoul(first_s, 10, &first) || kstrtouint(rest, 10, &count) ||
	    !count || count > DR_STALL_RECLAIM_MAX)
		return -EINVAL;
	mutex_lock(&dr.lock);
	ret = -ENODEV;		/* the stall engine is not running */
	if (!dr_mapper)
		goto out;
	ret = -EPERM;		/* only ever the hammer's own file */
	if (!dr.target.run_id)
		goto out;
	pages = DIV_ROUND_UP(i_size_read(dr_stall_target->mapping->host), PAGE_SIZE);
	ret = -EINVAL;
	if (first >= pages || count > pages - first)
		goto out;
	WRITE_ONCE(dr_reclaimer, current);
	ret = dr_reclaim_range(dr_stall_target->mapping, first, count);
	WRITE_ONCE(dr_reclaimer, NULL);
out:
	mutex_unlock(&dr.lock);
	return ret < 0 ? ret : len;
}

static const struct file_operations dr_reclaim_fops = {
	.owner = THIS_MODULE,
	.write = dr_reclaim_write,
	.llseek = noop_llseek,
};

static void dr_stall_debugfs(struct dentry *dir)
{
	debugfs_create_file(DR_FILE_STALL_CALLERS, 0400, dir, NULL, &dr_callers_fops);
	debugfs_create_file(DR_FILE_STALL_RECLAIM, 0200, dir, NULL, &dr_reclaim_fops);
}

const struct dr_engine dr_stall_engine = {
	.name = DR_ENGINE_STALL,
	.knobs = dr_stall_knobs,
	.nr_knobs = ARRAY_SIZE(dr_stall_knobs),
	.needs_target = true,
	.needs_writeback = true,
	.start = dr_stall_start,
	.stop = dr_stall_stop,
	.reset = dr_stall_reset,
	.debugfs = dr_stall_debugfs,
};
