// SPDX-License-Identifier: GPL-2.0
/*
 * mkclean engine: the kernel's own page_mkclean, writeback and eviction
 * on the target's page cache, at full speed, while the hammer writes
 * through MAP_SHARED.
 *
 * Workers loop over the target's folios: lock, folio_mkclean(), re-dirty
 * when it found a dirty or writable PTE (exactly what
 * folio_clear_dirty_for_io() does), unlock. Every writer then takes a
 * fresh write fault, which is the window the 2006 bug lived in. A flusher
 * writes the file back and evicts clean folios (zap user PTEs with
 * unmap_mapping_range(), then invalidate_mapping_pages()), so a lost
 * dirty bit becomes data missing from the file.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/sched.h>
#include "dr.h"

static u32 dr_threads = 1;
static u32 dr_writeback_ms = 10;
static u32 dr_evict_ms = 100;

static const struct dr_knob dr_mkclean_knobs[] = {
	{ DR_KNOB_MKCLEAN_THREADS, &dr_threads, 1, DR_MAX_THREADS, true },
	{ DR_KNOB_WRITEBACK_MS, &dr_writeback_ms, 0, DR_INTERVAL_MS_MAX, false },
	{ DR_KNOB_EVICT_MS, &dr_evict_ms, 0, DR_INTERVAL_MS_MAX, false },
};

/* Workers (ids 0 .. dr_threads - 1), then the flusher. */
static struct dr_kthreads dr_mkclean_threads;
static const struct dr_target *dr_mkclean_target;
static unsigned int dr_nr_workers;

static void dr_clean_folio(struct address_space *mapping, struct folio *folio,
			   void *arg)
{
	unsigned long stale = 0;

	folio_lock(folio);
	if (folio->mapping != mapping) {	/* truncated or evicted */
		folio_unlock(folio);
		dr_stat_inc(DR_STAT_MKCLEAN_SKIPPED);
		return;
	}
	/* Locked in the page cache: its order holds (a split needs the lock). */
	dr_order_count(DR_ORDER_MKCLEAN, folio_order(folio));
	if (dr_inject_is(DR_INJ_MKCLEAN_NOFLUSH)) {
		stale = dr_inject_noflush(folio);
		dr_stat_add(DR_STAT_INJECT_PTES, stale);
	} else if (folio_mkclean(folio)) {
		folio_mark_dirty(folio);
		dr_stat_inc(DR_STAT_MKCLEAN_DIRTY);
	}
	folio_unlock(folio);
	/*
	 * The kernel's writeback cleans that folio at once, while the stale
	 * entry is still in some TLB: agitators flush TLBs often enough
	 * that waiting for the periodic writeback would miss the window.
	 */
	if (stale)
		filemap_fdatawrite_range(mapping, folio_pos(folio),
					 folio_pos(folio) + folio_size(folio) - 1);
	dr_stat_inc(DR_STAT_MKCLEAN_FOLIOS);
}

static const struct dr_walk_ops dr_clean_ops = { .folio = dr_clean_folio };

/* Each worker starts its pass at its own stripe, so they meet less. */
static int dr_mkclean_worker(void *arg)
{
	const struct dr_target *t = dr_mkclean_target;
	unsigned int id = (unsigned long)arg;

	while (!kthread_should_stop()) {
		unsigned long seen = dr_walk_target(t, id, dr_nr_workers, &dr_clean_ops, NULL);

		dr_stat_inc(DR_STAT_MKCLEAN_PASSES);
		if (!seen)	/* all evicted: let the writers fault back in */
			usleep_range(100, 200);
	}
	return 0;
}

static void dr_writeback(struct address_space *mapping)
{
	if (filemap_fdatawrite_range(mapping, 0, LLONG_MAX))
		dr_stat_inc(DR_STAT_WRITEBACK_ERRORS);
	dr_stat_inc(DR_STAT_WRITEBACK_OPS);
}

/* Zap user PTEs (their dirty bits move to the folios), drop clean folios. */
static void dr_evict(struct address_space *mapping)
{
	unmap_mapping_range(mapping, 0, 0, 0);
	dr_stat_add(DR_STAT_EVICT_PAGES, invalidate_mapping_pages(mapping, 0, -1));
	dr_stat_inc(DR_STAT_EVICT_OPS);
}

static bool dr_due(unsigned long *next, u32 ms)
{
	if (!ms || time_before(jiffies, *next))
		return false;
	*next = jiffies + msecs_to_jiffies(ms);
	return true;
}

static int dr_flusher_fn(void *arg)
{
	const struct dr_target *t = arg;
	unsigned long next_wb = jiffies;
	/*
	 * The first eviction waits a period: at once, it could drop the
	 * whole cache before a worker cleans a folio, and a run with no
	 * writer to fault it back would exercise nothing.
	 */
	unsigned long next_evict = jiffies + msecs_to_jiffies(READ_ONCE(dr_evict_ms));

	while (!kthread_should_stop()) {
		if (dr_due(&next_wb, READ_ONCE(dr_writeback_ms)))
			dr_writeback(t->mapping);
		if (dr_due(&next_evict, READ_ONCE(dr_evict_ms)))
			dr_evict(t->mapping);
		usleep_range(1000, 2000);
	}
	return 0;
}

static void dr_mkclean_stop(void)
{
	dr_kthreads_stop(&dr_mkclean_threads);
}

static int dr_mkclean_start(const struct dr_target *t)
{
	unsigned int i;
	int ret = 0;

	dr_mkclean_target = t;
	dr_nr_workers = dr_threads;
	for (i = 0; i < dr_nr_workers && !ret; i++)
		ret = dr_kthreads_add(&dr_mkclean_threads, dr_mkclean_worker,
				      (void *)(unsigned long)i, -1, "dirtyrace-mkc/%u", i);
	if (!ret)
		ret = dr_kthreads_add(&dr_mkclean_threads, dr_flusher_fn, (void *)t,
				      -1, "dirtyrace-flush", 0);
	if (ret) {
		dr_mkclean_stop();
		return ret;
	}
	dr_kthreads_wake(&dr_mkclean_threads);
	return 0;
}

const struct dr_engine dr_mkclean_engine = {
	.name = DR_ENGINE_MKCLEAN,
	.knobs = dr_mkclean_knobs,
	.nr_knobs = ARRAY_SIZE(dr_mkclean_knobs),
	.needs_target = true,
	.needs_writeback = true,
	.start = dr_mkclean_start,
	.stop = dr_mkclean_stop,
};
