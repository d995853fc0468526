// SPDX-License-Identifier: GPL-2.0
/*
 * Engine plumbing, once: kthread groups (in the spirit of
 * torture_create_kthread: created stopped, optionally bound to a CPU, woken
 * together, stopped and cleared) and the striped walk over the target's
 * page cache that the mkclean and migrate workers share.
 */
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include "dr.h"
#include "compat.h"

/*
 * Add a stopped thread running fn(data), named fmt with id (or with the
 * CPU when cpu >= 0, to which it is then bound). Held with
 * get_task_struct(): kprobe handlers may compare current against it.
 */
int dr_kthreads_add(struct dr_kthreads *g, int (*fn)(void *), void *data,
		    int cpu, const char *fmt, unsigned int id)
{
	struct task_struct *k;

	if (g->n >= ARRAY_SIZE(g->task))
		return -ENOSPC;
	if (cpu >= 0)
		k = kthread_create_on_cpu(fn, data, cpu, fmt);
	else
		k = kthread_create(fn, data, fmt, id);
	if (IS_ERR(k))
		return PTR_ERR(k);
	g->task[g->n] = get_task_struct(k);
	WRITE_ONCE(g->n, g->n + 1);
	return 0;
}

void dr_kthreads_wake(struct dr_kthreads *g)
{
	unsigned int i;

	for (i = 0; i < g->n; i++)
		wake_up_process(g->task[i]);
}

/*
 * Stop every thread (a never-woken one too: kthread_stop() wakes it to
 * exit), then drop them once no kprobe handler, which runs with
 * preemption off, can still be comparing against them.
 */
void dr_kthreads_stop(struct dr_kthreads *g)
{
	unsigned int i, n = g->n;

	for (i = 0; i < n; i++)
		kthread_stop(g->task[i]);
	WRITE_ONCE(g->n, 0);
	synchronize_rcu();
	for (i = 0; i < n; i++) {
		put_task_struct(g->task[i]);
		g->task[i] = NULL;
	}
}

/* Which of g's threads t is, or -1. Lockless, for kprobe handlers. */
int dr_kthreads_index(const struct dr_kthreads *g, const struct task_struct *t)
{
	unsigned int i, n = READ_ONCE(g->n);

	for (i = 0; i < n; i++)
		if (READ_ONCE(g->task[i]) == t)
			return i;
	return -1;
}

static unsigned long dr_walk_range(struct address_space *mapping, pgoff_t index,
				   pgoff_t end, const struct dr_walk_ops *ops,
				   void *arg)
{
	struct folio_batch fbatch;
	unsigned long seen = 0;
	unsigned int i;

	folio_batch_init(&fbatch);
	while (!kthread_should_stop() &&
	       filemap_get_folios(mapping, &index, end, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++)
			ops->folio(mapping, fbatch.folios[i], arg);
		seen += folio_batch_count(&fbatch);
		folio_batch_release(&fbatch);
		if (ops->batch_done)
			ops->batch_done(arg);
		cond_resched();
	}
	return seen;
}

/*
 * The mm of the id-th shared VMA that maps the file (modulo their
 * number), with a user reference, or NULL when none does.
 */
static struct mm_struct *dr_mapper_mm(struct address_space *mapping, unsigned int id)
{
	struct mm_struct *mm = NULL;
	unsigned int n = 0, pass;
	struct rb_node *node;

	i_mmap_lock_read(mapping);
	for (pass = 0; pass < 2 && !mm; pass++) {
		for (node = rb_first_cached(&mapping->i_mmap); node; node = rb_next(node)) {
			struct vm_area_struct *vma =
				rb_entry(node, struct vm_area_struct, shared.rb);

			if (!(vma->vm_flags & VM_SHARED))
				continue;
			if (!pass) {
				n++;
			} else if (!id--) {
				if (mmget_not_zero(vma->vm_mm))
					mm = vma->vm_mm;
				break;
			}
		}
		if (!n)
			break;
		id %= n;
	}
	i_mmap_unlock_read(mapping);
	return mm;
}

/*
 * One pass over the target's page cache, worker id of nr starting at its
 * own stripe so that workers meet less: ops->folio() on each folio (the
 * batch's references held), ops->batch_done() after each batch is
 * released. Returns the number of folios seen.
 *
 * The pass runs on the mm of a process that maps the file
 * (kthread_use_mm()), as the stall engine's cleaners do: a kthread would
 * otherwise hold a writer's mm lazily on the writer's CPU, and x86
 * flushes that CPU's whole TLB when the writer comes back after any
 * flush of the mm meanwhile (this pass's own, even), wiping the stale
 * entries that every race under test needs.
 */
unsigned long dr_walk_target(const struct dr_target *t, unsigned int id,
			     unsigned int nr, const struct dr_walk_ops *ops,
			     void *arg)
{
	pgoff_t pages = DIV_ROUND_UP(i_size_read(t->mapping->host), PAGE_SIZE);
	pgoff_t start = nr ? pages / nr * id : 0;
	struct mm_struct *mm = dr_mapper_mm(t->mapping, id);
	unsigned long seen;

	if (mm)
		kthread_use_mm(mm);
	seen = dr_walk_range(t->mapping, start, ULONG_MAX, ops, arg);
	if (start)
		seen += dr_walk_range(t->mapping, 0, start - 1, ops, arg);
	if (ops->pass_done)
		ops->pass_done(arg);
	if (mm) {
		kthread_unuse_mm(mm);
		mmput(mm);
	}
	return seen;
}
