// SPDX-License-Identifier: GPL-2.0
/*
 * migrate engine: the kernel's own migrate_pages() on the target's mapped,
 * concurrently written page-cache folios, from kthreads, on one node or
 * round-robin across nodes.
 *
 * Migration unmaps a folio another CPU may be writing through its TLB,
 * copies it and maps the copy: one of the places that change a present
 * PTE. move_pages(2) from userspace cannot migrate on a one-node machine;
 * here each worker isolates folios from the LRU exactly as move_pages(2)
 * does, accounts them in NR_ISOLATED_*, migrates them and
 * puts back what failed. migrate_pages and folio_isolate_lru are not
 * exported: they are resolved at start (see ksyms.c).
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/migrate.h>
#include <linux/mm_inline.h>
#include <linux/nodemask.h>
#include <linux/pagemap.h>
#include <linux/vmstat.h>
#include <linux/sched/task.h>
#include <linux/rcupdate.h>
#include "dr.h"
#include "arch.h"
#include "compat.h"

static u32 dr_mig_threads = 1;
static u32 dr_mig_mode = MIGRATE_SYNC;
static u32 dr_mig_nodes = 1;		/* 0: same node, 1: round-robin */
static u32 dr_mig_batch = 32;
static u32 dr_mig_paused;		/* the hammer's turns: not migration's */

static const struct dr_knob dr_mig_knobs[] = {
	{ DR_KNOB_MIGRATE_THREADS, &dr_mig_threads, 1, DR_MAX_THREADS, true },
	{ DR_KNOB_MIGRATE_MODE, &dr_mig_mode, MIGRATE_ASYNC, MIGRATE_SYNC, false },
	{ DR_KNOB_MIGRATE_NODES, &dr_mig_nodes, 0, 1, false },
	{ DR_KNOB_MIGRATE_BATCH, &dr_mig_batch, 1, DR_MIGRATE_BATCH_MAX, false },
	{ DR_KNOB_MIGRATE_PAUSED, &dr_mig_paused, 0, 1, false },
};

static dr_migrate_pages_t dr_migrate_pages;
static dr_isolate_lru_t dr_isolate_lru;
static void (*dr_putback_movable_pages)(struct list_head *l);

struct dr_mig_worker {
	const struct dr_target *t;
	unsigned int id;
	unsigned int nheld;
	struct folio *held[DR_MIGRATE_BATCH_MAX];	/* inject: old folios kept */
	struct list_head list;			/* isolated, to migrate */
	unsigned int nlist;
};

/* Worker i is thread i of the group. */
static struct dr_mig_worker dr_mig_workers[DR_MAX_THREADS];
static struct dr_kthreads dr_mig_threads_g;

static struct dr_mig_worker *dr_mig_self(void)
{
	int i = dr_kthreads_index(&dr_mig_threads_g, current);

	return i < 0 ? NULL : &dr_mig_workers[i];
}

/*
 * The copy's allocation: a folio of the source's order, since
 * migrate_pages() copies every page of the source into it (an order-0
 * copy of a large folio overwrites the pages after it). A large one is
 * asked for as alloc_migration_target() asks (no kswapd, no retrying);
 * without one, migrate_pages() splits the source or leaves it, counted.
 * Under inject=migrate_noflush without direct reclaim or compaction: the
 * inject skips the batched flush of whatever this worker unmaps, and
 * inside reclaim that would be other processes' pages, freed with stale
 * TLB entries.
 */
static struct folio *dr_migrate_alloc(int nid, unsigned int order)
{
	gfp_t gfp = GFP_HIGHUSER_MOVABLE | __GFP_THISNODE | __GFP_NOWARN;
	struct folio *dst;

	if (order)
		gfp = (gfp & ~__GFP_RECLAIM) | GFP_TRANSHUGE;
	if (dr_inject_is(DR_INJ_MIGRATE_NOFLUSH))
		gfp &= ~__GFP_DIRECT_RECLAIM;
	dst = __folio_alloc_node(gfp, order, nid);
	if (!dst) {
		dr_stat_inc(DR_STAT_MIGRATE_NODEST);
		dr_order_count(DR_ORDER_MIGRATE_NODEST, order);
	}
	return dst;
}

/* migrate_pages()' allocation callback; nid < 0: the source's node. */
static DR_MIG_UNIT *dr_migrate_new(DR_MIG_UNIT *unit, unsigned long nid)
{
	struct folio *src = dr_mig_folio(unit);
	long n = nid;

	return dr_mig_unit_of(dr_migrate_alloc(n < 0 ? folio_nid(src) : n,
					       folio_order(src)));
}

/*
 * May the inject skip a flush for the current task? Only for a worker
 * that can still hold the old folio until its own full flush.
 */
bool dr_migrate_may_skip(void)
{
	struct dr_mig_worker *w = dr_mig_self();

	return w && w->nheld < ARRAY_SIZE(w->held);
}

/*
 * From the folio_migrate_flags kprobe, after the copy: count where our
 * workers moved the folio and, under inject=migrate_noflush, keep the
 * migrated-away folio alive so that stores through the stale TLB entry
 * land in a page nobody else owns.
 */
void dr_migrate_copied(struct folio *dst, struct folio *src)
{
	struct dr_mig_worker *w = dr_mig_self();
	int to, from;

	if (!w)
		return;
	/*
	 * folio_nid() reads the flags word plainly while others set bits in
	 * it (a fault waiting on src sets PG_waiters): the node bits never
	 * change while the folio is allocated, so the race is benign.
	 */
	to = data_race(folio_nid(dst));
	/* src, whose flags faults waiting on the migration entry set */
	from = data_race(folio_nid(src));
	if (to < DR_MIG_NODES)
		dr_stat_inc(DR_STAT_MIGRATE_NODE0 + to);
	dr_order_count(DR_ORDER_MIGRATE, folio_order(src));
	if (to != from)
		dr_stat_inc(DR_STAT_MIGRATE_CROSS_NODE);
	if (!dr_inject_is(DR_INJ_MIGRATE_NOFLUSH) || w->nheld >= ARRAY_SIZE(w->held))
		return;
	folio_get(src);
	w->held[w->nheld++] = src;
}

static void dr_flush_tlb_this_cpu(void *unused)
{
	dr_flush_tlb_all_local();
}

/* After the stale window: the flush migration skipped, then free. */
static void dr_mig_release(struct dr_mig_worker *w)
{
	if (!w->nheld)
		return;
	usleep_range(2000, 3000);
	on_each_cpu(dr_flush_tlb_this_cpu, NULL, 1);
	while (w->nheld)
		folio_put(w->held[--w->nheld]);
}

static bool dr_mig_isolate(struct folio *folio, struct list_head *list)
{
	if (!DR_ISOLATED(dr_isolate_lru(folio))) {
		dr_stat_inc(DR_STAT_MIGRATE_ISOLATE_BUSY);
		return false;
	}
	node_stat_mod_folio(folio, NR_ISOLATED_ANON + folio_is_file_lru(folio),
			    folio_nr_pages(folio));
	list_add_tail(&folio->lru, list);
	return true;
}

static void dr_mig_flush(struct dr_mig_worker *w, struct list_head *list)
{
	unsigned long nid = NUMA_NO_NODE;
	unsigned int ok = 0;
	int ret;

	if (list_empty(list))
		return;
	/* Round-robin: the batch goes to the node after its first folio's. */
	if (READ_ONCE(dr_mig_nodes))
		nid = next_node_in(folio_nid(list_first_entry(list, struct folio, lru)),
				   node_states[N_MEMORY]);
	ret = dr_migrate_pages(list, dr_migrate_new, NULL, nid,
			       READ_ONCE(dr_mig_mode), MR_SYSCALL, &ok);
	dr_stat_inc(DR_STAT_MIGRATE_CALLS);
	dr_stat_add(DR_STAT_MIGRATE_MIGRATED, ok);
	if (ret < 0)
		dr_stat_inc(DR_STAT_MIGRATE_ERRORS);
	else
		dr_stat_add(DR_STAT_MIGRATE_FAILED, ret);
	if (!list_empty(list))
		dr_putback_movable_pages(list);
	dr_mig_release(w);
}

/* Isolate up to a batch (all of which held[] can keep under the inject). */
static void dr_mig_take(struct address_space *mapping, struct folio *folio,
			void *arg)
{
	struct dr_mig_worker *w = arg;

	if (w->nlist < READ_ONCE(dr_mig_batch) && folio->mapping == mapping &&
	    dr_mig_isolate(folio, &w->list))
		w->nlist++;
}

/* With the batch's references dropped, migration can move the folios. */
static void dr_mig_batch_done(void *arg)
{
	struct dr_mig_worker *w = arg;

	if (w->nlist >= READ_ONCE(dr_mig_batch)) {
		dr_mig_flush(w, &w->list);
		w->nlist = 0;
	}
}

/* The pass's last, partial batch. */
static void dr_mig_pass_done(void *arg)
{
	struct dr_mig_worker *w = arg;

	dr_mig_flush(w, &w->list);
	w->nlist = 0;
}

static const struct dr_walk_ops dr_mig_ops = {
	.folio = dr_mig_take,
	.batch_done = dr_mig_batch_done,
	.pass_done = dr_mig_pass_done,
};

static int dr_mig_worker_fn(void *arg)
{
	struct dr_mig_worker *w = arg;

	INIT_LIST_HEAD(&w->list);
	while (!kthread_should_stop()) {
		if (READ_ONCE(dr_mig_paused)) {
			usleep_range(1000, 2000);
			continue;
		}
		dr_walk_target(w->t, w->id, dr_mig_threads_g.n, &dr_mig_ops, w);
		dr_stat_inc(DR_STAT_MIGRATE_PASSES);
		usleep_range(100, 200);	/* let evicted folios fault back */
	}
	return 0;
}

static int dr_mig_resolve(void)
{
	int ret;

	if (dr_migrate_pages)
		return 0;
	ret = dr_ksym_isolate_lru(&dr_isolate_lru);
	if (!ret)
		ret = dr_ksym("putback_movable_pages", (void **)&dr_putback_movable_pages);
	if (!ret)
		ret = dr_ksym("migrate_pages", (void **)&dr_migrate_pages);
	return ret;
}

/*
 * The kprobes compare current with the group's tasks, held until no
 * handler can still be reading them (dr_kthreads_stop()); then any old
 * folio a stop between copy and release left held goes.
 */
static void dr_mig_stop(void)
{
	unsigned int n = dr_mig_threads_g.n, i;

	dr_kthreads_stop(&dr_mig_threads_g);
	for (i = 0; i < n; i++) {
		if (dr_mig_workers[i].nheld) {
			on_each_cpu(dr_flush_tlb_this_cpu, NULL, 1);
			while (dr_mig_workers[i].nheld)
				folio_put(dr_mig_workers[i].held[--dr_mig_workers[i].nheld]);
		}
	}
}

static int dr_mig_start(const struct dr_target *t)
{
	int ret = dr_mig_resolve();
	unsigned int i;

	/* A pause never outlives the run that asked for it. */
	WRITE_ONCE(dr_mig_paused, 0);
	for (i = 0; i < dr_mig_threads && !ret; i++) {
		dr_mig_workers[i] = (struct dr_mig_worker) { .t = t, .id = i };
		ret = dr_kthreads_add(&dr_mig_threads_g, dr_mig_worker_fn,
				      &dr_mig_workers[i], -1, "dirtyrace-mig/%u", i);
	}
	if (ret) {
		dr_mig_stop();
		return ret;
	}
	dr_kthreads_wake(&dr_mig_threads_g);
	return 0;
}

const struct dr_engine dr_migrate_engine = {
	.name = DR_ENGINE_MIGRATE,
	.knobs = dr_mig_knobs,
	.nr_knobs = ARRAY_SIZE(dr_mig_knobs),
	.needs_target = true,
	.start = dr_mig_start,
	.stop = dr_mig_stop,
};
