/* SPDX-License-Identifier: GPL-2.0 */
/* dirtyrace module internals: state, knob tables, engine interface. */
#ifndef DR_H
#define DR_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/pid.h>
#include "dirtyrace.h"

#define DR_PATH_MAX	256

/* A u32 debugfs knob; engines declare theirs in one table each. */
struct dr_knob {
	const char *name;
	u32 *val;
	u32 min, max;
	bool idle_only;		/* -EBUSY while the engines run */
};

/* The file under test. Valid while bound; engines run only while bound. */
struct dr_target {
	struct file *file;
	struct address_space *mapping;
	struct pid *owner;	/* optional: unbind when this process exits */
	char path[DR_PATH_MAX];
	u64 run_id;		/* nonzero iff the hammer created the file */
	bool no_writeback;	/* tmpfs: only engines without a clean run */
};

struct dentry;
struct dr_engine {
	const char *name;
	const struct dr_knob *knobs;
	unsigned int nr_knobs;
	bool needs_target;		/* works on the bound file */
	bool needs_writeback;		/* cleans it: refused on tmpfs */
	int (*start)(const struct dr_target *t);
	void (*stop)(void);
	void (*reset)(void);			/* optional, at every start */
	void (*debugfs)(struct dentry *dir);	/* optional extra files */
	void (*exit)(void);			/* optional, at rmmod */
};

enum dr_inject {
	DR_INJ_NONE,
	DR_INJ_MKCLEAN_NOFLUSH,
	DR_INJ_IOREMAP_NOFLUSH,
	DR_INJ_MIGRATE_NOFLUSH,
	DR_INJ_MPROTECT_NOFLUSH,
	DR_INJ_ACCESSFLAGS_STALE,
	DR_NR_INJ,
};

/* Global state; control paths hold lock, engines and probes read. */
struct dr_state {
	struct mutex lock;		/* serializes every debugfs write */
	struct dr_target target;
	bool running;
	unsigned long started, stopped;	/* jiffies */
	u32 duration_ms;
	unsigned long engines;		/* bit n: dr_engines[n] enabled */
	int inject;			/* enum dr_inject, read locklessly */
	char refused[256];		/* why the last start was refused */
};

/* Refuse a start: log why, and keep it for the "refused" file. */
__printf(1, 2) void dr_refuse(const char *fmt, ...);

extern struct dr_state dr;

/*
 * Per-CPU counters, summed when "stats" is read: the engines and kprobe
 * handlers bump them on the very paths being raced, where one shared
 * atomic line would add its own cross-CPU traffic.
 */
struct dr_stat_cpu {
	long v[DR_NR_STATS];
};

DECLARE_PER_CPU(struct dr_stat_cpu, dr_stat_cpu);

static inline void dr_stat_add(enum dr_stat id, long n)
{
	this_cpu_add(dr_stat_cpu.v[id], n);
}

static inline void dr_stat_inc(enum dr_stat id)
{
	this_cpu_inc(dr_stat_cpu.v[id]);
}

long dr_stat_read(enum dr_stat id);
void dr_stat_set(enum dr_stat id, long v);
void dr_stat_max(enum dr_stat id, long v);

static inline bool dr_inject_is(enum dr_inject mode)
{
	return READ_ONCE(dr.inject) == mode;
}

/* orders.c: folios handled, by order (DR_ORDER_ROWS), and a census. */
void dr_order_count(enum dr_order_row row, unsigned int order);
void dr_orders_reset(void);
void dr_orders_debugfs(struct dentry *dir);

/* threads.c: engine kthread groups and the striped page-cache walk. */
struct dr_kthreads {
	struct task_struct *task[DR_MAX_THREADS + 1];
	unsigned int n;
};

int dr_kthreads_add(struct dr_kthreads *g, int (*fn)(void *), void *data,
		    int cpu, const char *fmt, unsigned int id);
void dr_kthreads_wake(struct dr_kthreads *g);
void dr_kthreads_stop(struct dr_kthreads *g);
int dr_kthreads_index(const struct dr_kthreads *g, const struct task_struct *t);

static inline bool dr_kthreads_has(const struct dr_kthreads *g,
				   const struct task_struct *t)
{
	return dr_kthreads_index(g, t) >= 0;
}

struct folio;
struct dr_walk_ops {
	void (*folio)(struct address_space *mapping, struct folio *folio, void *arg);
	void (*batch_done)(void *arg);		/* optional */
	void (*pass_done)(void *arg);		/* optional: still on the mm */
};

unsigned long dr_walk_target(const struct dr_target *t, unsigned int id,
			     unsigned int nr, const struct dr_walk_ops *ops,
			     void *arg);

/* main.c */
int dr_copy_arg(char *buf, size_t size, const char __user *ubuf, size_t len,
		loff_t *ppos);

/* knob.c */
void dr_knobs_create(struct dentry *dir, const struct dr_knob *knobs,
		     unsigned int n);

/* target.c */
int dr_target_bind(struct dr_target *t, char *spec);
void dr_target_unbind(struct dr_target *t);
const char *dr_target_gone(const struct dr_target *t);
bool dr_target_held_by_other(const struct dr_target *t);
int dr_target_show(const struct dr_target *t, char *buf, size_t len);

/* probes.c */
int dr_probes_init(void);
void dr_probes_exit(void);
void dr_probes_set_mapping(struct address_space *mapping);
bool dr_probe_registered(const char *symbol);
bool dr_probe_on_ftrace(const char *symbol);

/* inject.c */
unsigned long dr_inject_noflush(struct folio *folio);
bool dr_inject_migrate_unmap(struct pt_regs *regs);
bool dr_inject_accessflags(struct pt_regs *regs);
void dr_inject_stale_reset(void);
bool dr_inject_migrate_batch_flush(struct pt_regs *regs);

/* reclaim.c */
long dr_reclaim_range(struct address_space *mapping, pgoff_t first,
		      unsigned int count);

/* ksyms.c */
int dr_ksym(const char *name, void **addr);

/* engines */
extern const struct dr_engine dr_mkclean_engine;
extern const struct dr_engine dr_ioremap_engine;
extern const struct dr_engine dr_migrate_engine;
extern const struct dr_engine dr_stall_engine;
bool dr_ioremap_is_driver(struct task_struct *t);
bool dr_migrate_may_skip(void);
void dr_migrate_copied(struct folio *dst, struct folio *src);
bool dr_stall_flush_mm(struct pt_regs *regs);
bool dr_stall_batch_flush(struct pt_regs *regs);

#endif /* DR_H */
