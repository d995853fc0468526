// SPDX-License-Identifier: GPL-2.0
/*
 * dirtyrace: drive the kernel's own page_mkclean, writeback and eviction
 * paths against a file a userspace hammer writes through MAP_SHARED, to
 * catch lost PTE dirty bits and writes through stale TLB entries.
 *
 * Control lives in debugfs (root only): bind a target, pick engines and
 * an optional injected bug, write 1 to "run", read "stats".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include "dr.h"
#include "compat.h"

struct dr_state dr = {
	.lock = __MUTEX_INITIALIZER(dr.lock),
	.engines = BIT(0),
};

#define DR_WATCHDOG_MS	100	/* how soon a timed run ends, a lost target goes */

DEFINE_PER_CPU(struct dr_stat_cpu, dr_stat_cpu);

/* The sum over CPUs; for the one maximum, the largest. */
long dr_stat_read(enum dr_stat id)
{
	long v = 0, c;
	int cpu;

	for_each_possible_cpu(cpu) {
		c = READ_ONCE(per_cpu(dr_stat_cpu, cpu).v[id]);
		v = id == DR_STAT_STALL_MAX_NS ? max(v, c) : v + c;
	}
	return v;
}

/* For values that are only ever set (running, elapsed_ms, resets). */
void dr_stat_set(enum dr_stat id, long v)
{
	int cpu;

	for_each_possible_cpu(cpu)
		WRITE_ONCE(per_cpu(dr_stat_cpu, cpu).v[id], 0);
	WRITE_ONCE(per_cpu(dr_stat_cpu, cpumask_first(cpu_possible_mask)).v[id], v);
}

/* Per CPU; a preemption between read and write can only lose one sample. */
void dr_stat_max(enum dr_stat id, long v)
{
	if (v > this_cpu_read(dr_stat_cpu.v[id]))
		this_cpu_write(dr_stat_cpu.v[id], v);
}

static const struct dr_engine *const dr_engines[] = {
	&dr_mkclean_engine,
	&dr_ioremap_engine,
	&dr_migrate_engine,
	&dr_stall_engine,
};

static const char *const dr_inject_names[DR_NR_INJ] = {
	[DR_INJ_NONE] = DR_INJECT_NONE,
	[DR_INJ_MKCLEAN_NOFLUSH] = DR_INJECT_MKCLEAN_NOFLUSH,
	[DR_INJ_IOREMAP_NOFLUSH] = DR_INJECT_IOREMAP_NOFLUSH,
	[DR_INJ_MIGRATE_NOFLUSH] = DR_INJECT_MIGRATE_NOFLUSH,
	[DR_INJ_MPROTECT_NOFLUSH] = DR_INJECT_MPROTECT_NOFLUSH,
	[DR_INJ_ACCESSFLAGS_STALE] = DR_INJECT_ACCESSFLAGS_STALE,
};

/* The engine each injected bug lives in; file injects need a hammer file. */
static const struct dr_engine *const dr_inject_engine[DR_NR_INJ] = {
	[DR_INJ_MKCLEAN_NOFLUSH] = &dr_mkclean_engine,
	[DR_INJ_IOREMAP_NOFLUSH] = &dr_ioremap_engine,
	[DR_INJ_MIGRATE_NOFLUSH] = &dr_migrate_engine,
	[DR_INJ_MPROTECT_NOFLUSH] = &dr_stall_engine,
	[DR_INJ_ACCESSFLAGS_STALE] = &dr_mkclean_engine,
};

static bool dr_engine_on(const struct dr_engine *e)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dr_engines); i++)
		if (dr_engines[i] == e)
			return dr.engines & BIT(i);
	return false;
}

static bool dr_needs_target(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dr_engines); i++)
		if ((dr.engines & BIT(i)) && dr_engines[i]->needs_target)
			return true;
	return false;
}

/* Injected bugs into files may only ever damage files the hammer created. */
static bool dr_inject_refused(int mode)
{
	const struct dr_engine *e = dr_inject_engine[mode];

	return e && e->needs_target && dr.target.file && !dr.target.run_id;
}

/* An inject without its probes would skip flushes it cannot account for. */
static int dr_inject_probes_ok(int mode)
{
	bool batched = IS_ENABLED(CONFIG_ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH);

	if (mode == DR_INJ_MIGRATE_NOFLUSH &&
	    !(dr_probe_registered("ptep_clear_flush") &&
	      (dr_probe_registered("try_to_unmap_flush") || !batched) &&
	      dr_probe_registered("folio_migrate_flags"))) {
		dr_refuse("inject migrate_noflush needs the ptep_clear_flush, try_to_unmap_flush and folio_migrate_flags kprobes");
		return -EOPNOTSUPP;
	}
	if (mode == DR_INJ_ACCESSFLAGS_STALE && !dr_probe_registered(DR_SYM_SET_ACCESS_FLAGS)) {
		dr_refuse("inject accessflags_stale needs the %s kprobe", DR_SYM_SET_ACCESS_FLAGS);
		return -EOPNOTSUPP;
	}
	/* Their PTE walk and TLB flush may be kernel functions found by name. */
	if ((mode == DR_INJ_MKCLEAN_NOFLUSH || mode == DR_INJ_MIGRATE_NOFLUSH) &&
	    dr_compat_resolve()) {
		dr_refuse("inject %s needs kernel functions this kernel does not export",
			  dr_inject_names[mode]);
		return -EOPNOTSUPP;
	}
	if (mode == DR_INJ_MPROTECT_NOFLUSH && !dr_probe_registered("flush_tlb_mm_range")) {
		dr_refuse("inject mprotect_noflush answers flush_tlb_mm_range, which this architecture or kernel does not have");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * A refused start says why in dmesg and in "refused", where the hammer
 * (or an operator with cat) reads it without dmesg rights or scrolling.
 * Called with dr.lock held, from a start.
 */
void dr_refuse(const char *fmt, ...)
{
	va_list args;

	lockdep_assert_held(&dr.lock);
	va_start(args, fmt);
	vscnprintf(dr.refused, sizeof(dr.refused), fmt, args);
	va_end(args);
	pr_warn("%s\n", dr.refused);
}

static const char *const dr_stat_keys[DR_NR_STATS] = DR_STAT_KEYS;

static struct dentry *dr_dir;
static struct delayed_work dr_watchdog;
static bool dr_exiting;

static void dr_stop_locked(const char *why)
{
	unsigned int i;

	if (!dr.running)
		return;
	for (i = 0; i < ARRAY_SIZE(dr_engines); i++)
		if (dr.engines & BIT(i))
			dr_engines[i]->stop();
	dr.running = false;
	dr.stopped = jiffies;
	pr_info("stopped (%s)\n", why);
}

static void dr_stats_reset(void)
{
	unsigned int i;

	for (i = 0; i < DR_NR_STATS; i++)
		if (i != DR_STAT_KP_MISSING)
			dr_stat_set(i, 0);
	dr_orders_reset();
	for (i = 0; i < ARRAY_SIZE(dr_engines); i++)
		if (dr_engines[i]->reset)
			dr_engines[i]->reset();
}

/* On tmpfs only the engines that clean nothing can find anything. */
static int dr_writeback_ok(void)
{
	unsigned int i;

	if (!dr.target.file || !dr.target.no_writeback)
		return 0;
	for (i = 0; i < ARRAY_SIZE(dr_engines); i++) {
		if (!(dr.engines & BIT(i)) || !dr_engines[i]->needs_writeback)
			continue;
		dr_refuse("engine %s: %s is on tmpfs, which has no writeback, so its clean can lose nothing; the migrate and ioremap engines run there",
			  dr_engines[i]->name, dr.target.path);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int dr_start_locked(void)
{
	unsigned int i;
	int ret;

	dr.refused[0] = '\0';
	if (dr.running) {
		dr_refuse("a run is going: echo 0 > %s first", DR_KNOB_RUN);
		return -EBUSY;
	}
	if (!dr.target.file && dr_needs_target()) {
		dr_refuse("no target: echo PATH > %s", DR_KNOB_TARGET);
		return -ENOENT;
	}
	if (dr_inject_refused(dr.inject)) {
		dr_refuse("inject refused: %s was not created by the hammer",
			  dr.target.path);
		return -EPERM;
	}
	if (dr.inject != DR_INJ_NONE && !dr_engine_on(dr_inject_engine[dr.inject])) {
		dr_refuse("inject %s needs the %s engine",
			  dr_inject_names[dr.inject], dr_inject_engine[dr.inject]->name);
		return -EINVAL;
	}
	ret = dr_inject_probes_ok(dr.inject);
	if (ret)
		return ret;
	ret = dr_writeback_ok();
	if (ret)
		return ret;
	dr_stats_reset();
	dr_inject_stale_reset();
	dr.started = jiffies;
	dr.running = true;
	for (i = 0; i < ARRAY_SIZE(dr_engines); i++) {
		if (!(dr.engines & BIT(i)))
			continue;
		ret = dr_engines[i]->start(&dr.target);
		if (ret) {
			if (!dr.refused[0])
				dr_refuse("engine %s did not start (%d): dmesg says why",
					  dr_engines[i]->name, ret);
			while (i--)
				if (dr.engines & BIT(i))
					dr_engines[i]->stop();
			dr.running = false;
			return ret;
		}
	}
	pr_info("started on %s (engines %#lx, inject %s)\n",
		dr.target.file ? dr.target.path : "no file", dr.engines,
		dr_inject_names[dr.inject]);
	return 0;
}

/*
 * The watchdog runs only while there is something to watch (a run or a
 * binding), on system_long_wq: stopping the engines waits for kthreads.
 * Called with dr.lock held, or before the debugfs files exist.
 */
static void dr_watchdog_arm(void)
{
	if (!READ_ONCE(dr_exiting) && (dr.running || dr.target.file))
		queue_delayed_work(system_long_wq, &dr_watchdog, msecs_to_jiffies(DR_WATCHDOG_MS));
}

/* Ends timed runs and drops targets whose file or owner went away. */
static void dr_watchdog_fn(struct work_struct *work)
{
	const char *gone;

	mutex_lock(&dr.lock);
	if (dr.running && dr.duration_ms &&
	    time_after_eq(jiffies, dr.started + msecs_to_jiffies(dr.duration_ms)))
		dr_stop_locked("duration elapsed");
	gone = dr_target_gone(&dr.target);
	if (gone) {
		dr_stop_locked(gone);
		pr_info("unbound %s: %s\n", dr.target.path, gone);
		dr_target_unbind(&dr.target);
	}
	dr_watchdog_arm();
	mutex_unlock(&dr.lock);
}

/*
 * Copy a short user write into a NUL-terminated buffer without leading or
 * trailing white space. One whole write from offset 0: a write at another
 * offset, or one with a NUL inside ("1\0junk"), is -EINVAL, never a
 * truncated value taken as the whole.
 */
int dr_copy_arg(char *buf, size_t size, const char __user *ubuf, size_t len,
		loff_t *ppos)
{
	char *s;

	if (*ppos || !len || len >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (strlen(buf) != len)
		return -EINVAL;
	s = strim(buf);
	memmove(buf, s, strlen(s) + 1);
	return 0;
}

static ssize_t dr_read_str(char __user *ubuf, size_t len, loff_t *ppos,
			   const char *s)
{
	return simple_read_from_buffer(ubuf, len, ppos, s, strlen(s));
}

/* target: "PATH [owner=PID]" binds, "none" unbinds. */
static ssize_t dr_target_write(struct file *f, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	char buf[DR_PATH_MAX + 32];
	int ret = dr_copy_arg(buf, sizeof(buf), ubuf, len, ppos);

	if (ret)
		return ret;
	mutex_lock(&dr.lock);
	if (dr.running) {
		ret = -EBUSY;
	} else if (!strcmp(buf, "none")) {
		dr_target_unbind(&dr.target);
	} else if (dr_target_held_by_other(&dr.target)) {
		ret = -EBUSY;
	} else {
		/* Bad input changes nothing: the old binding goes only now. */
		struct dr_target t = { };

		ret = dr_target_bind(&t, buf);
		if (!ret) {
			dr_target_unbind(&dr.target);
			dr.target = t;
			dr_probes_set_mapping(dr.target.mapping);
			dr_watchdog_arm();
		}
	}
	mutex_unlock(&dr.lock);
	return ret ? ret : len;
}

static ssize_t dr_target_read(struct file *f, char __user *ubuf, size_t len,
			      loff_t *ppos)
{
	char buf[DR_PATH_MAX + 96];

	mutex_lock(&dr.lock);
	dr_target_show(&dr.target, buf, sizeof(buf));
	mutex_unlock(&dr.lock);
	return dr_read_str(ubuf, len, ppos, buf);
}

/*
 * run: 1 starts the selected engines, 0 stops them; nothing else
 * (kstrtobool_from_user would take "1anything" and a truncated copy).
 */
static ssize_t dr_run_write(struct file *f, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	char buf[4];
	bool on;
	int ret = dr_copy_arg(buf, sizeof(buf), ubuf, len, ppos);

	if (ret)
		return ret;
	if (strcmp(buf, "0") && strcmp(buf, "1"))
		return -EINVAL;
	on = buf[0] == '1';
	mutex_lock(&dr.lock);
	if (on) {
		ret = dr_start_locked();
		dr_watchdog_arm();
	} else {
		dr_stop_locked("stopped by user");
		ret = 0;
	}
	mutex_unlock(&dr.lock);
	return ret ? ret : len;
}

static ssize_t dr_run_read(struct file *f, char __user *ubuf, size_t len,
			   loff_t *ppos)
{
	return dr_read_str(ubuf, len, ppos, READ_ONCE(dr.running) ? "1\n" : "0\n");
}

/* engines: comma-separated engine names, or "none". */
static int dr_parse_engines(char *s, unsigned long *mask)
{
	char *name;
	unsigned int i;

	*mask = 0;
	if (!strcmp(s, "none"))
		return 0;
	while ((name = strsep(&s, ","))) {
		for (i = 0; i < ARRAY_SIZE(dr_engines); i++)
			if (!strcmp(strim(name), dr_engines[i]->name))
				break;
		if (i == ARRAY_SIZE(dr_engines))
			return -EINVAL;
		*mask |= BIT(i);
	}
	return 0;
}

static ssize_t dr_engines_write(struct file *f, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	unsigned long mask;
	char buf[128];
	int ret = dr_copy_arg(buf, sizeof(buf), ubuf, len, ppos);

	if (ret || dr_parse_engines(buf, &mask))
		return ret ? ret : -EINVAL;
	mutex_lock(&dr.lock);
	if (dr.running)
		ret = -EBUSY;
	else
		dr.engines = mask;
	mutex_unlock(&dr.lock);
	return ret ? ret : len;
}

static ssize_t dr_engines_read(struct file *f, char __user *ubuf, size_t len,
			       loff_t *ppos)
{
	char buf[128] = "";
	unsigned int i;
	size_t n = 0;

	for (i = 0; i < ARRAY_SIZE(dr_engines); i++)
		if (READ_ONCE(dr.engines) & BIT(i))
			n += scnprintf(buf + n, sizeof(buf) - n, "%s%s",
				       n ? "," : "", dr_engines[i]->name);
	scnprintf(buf + n, sizeof(buf) - n, "%s\n", n ? "" : "none");
	return dr_read_str(ubuf, len, ppos, buf);
}

/* inject: a name from dr_inject_names; file injects refused on foreign files. */
static ssize_t dr_inject_write(struct file *f, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	char buf[32];
	int mode, ret = dr_copy_arg(buf, sizeof(buf), ubuf, len, ppos);

	if (ret)
		return ret;
	mode = match_string(dr_inject_names, DR_NR_INJ, buf);
	if (mode < 0)
		return -EINVAL;
	mutex_lock(&dr.lock);
	if (dr.running)
		ret = -EBUSY;
	else if (dr_inject_refused(mode))
		ret = -EPERM;
	else
		WRITE_ONCE(dr.inject, mode);
	mutex_unlock(&dr.lock);
	return ret ? ret : len;
}

static ssize_t dr_inject_read(struct file *f, char __user *ubuf, size_t len,
			      loff_t *ppos)
{
	char buf[48];

	scnprintf(buf, sizeof(buf), "%s\n", dr_inject_names[READ_ONCE(dr.inject)]);
	return dr_read_str(ubuf, len, ppos, buf);
}

static int dr_refused_show(struct seq_file *m, void *v)
{
	mutex_lock(&dr.lock);
	seq_printf(m, "%s\n", dr.refused[0] ? dr.refused : "none");
	mutex_unlock(&dr.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dr_refused);

static int dr_stats_show(struct seq_file *m, void *v)
{
	unsigned long end;
	unsigned int i;

	mutex_lock(&dr.lock);
	dr_stat_set(DR_STAT_RUNNING, dr.running);
	end = dr.running ? jiffies : dr.stopped;
	dr_stat_set(DR_STAT_ELAPSED_MS,
		    dr.started ? jiffies_to_msecs(end - dr.started) : 0);
	mutex_unlock(&dr.lock);
	for (i = 0; i < DR_NR_STATS; i++)
		seq_printf(m, "%s %ld\n", dr_stat_keys[i], dr_stat_read(i));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dr_stats);

#define DR_FOPS(name) {					\
	.owner = THIS_MODULE,				\
	.open = simple_open,				\
	.read = dr_##name##_read,			\
	.write = dr_##name##_write,			\
	.llseek = default_llseek,			\
}

static const struct file_operations dr_target_fops = DR_FOPS(target);
static const struct file_operations dr_run_fops = DR_FOPS(run);
static const struct file_operations dr_engines_fops = DR_FOPS(engines);
static const struct file_operations dr_inject_fops = DR_FOPS(inject);

/*
 * test_fault: with the test_faults=1 module parameter only (read-only, so
 * it cannot be turned on after load), "warn" WARNs and "oops" stores
 * through a NULL pointer in this write: how a harness proves it stops on
 * a kernel problem and names the module in the report. Never present on
 * a normal load.
 */
static bool test_faults;
static unsigned long *dr_test_null;
module_param(test_faults, bool, 0444);
MODULE_PARM_DESC(test_faults, "create the test_fault debugfs file that WARNs or Oopses on request (harness tests only)");

static ssize_t dr_test_fault_write(struct file *f, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	char buf[8];
	int ret = dr_copy_arg(buf, sizeof(buf), ubuf, len, ppos);

	if (ret)
		return ret;
	if (!strcmp(buf, "warn"))
		WARN(1, "test_fault: a WARNING on request\n");
	else if (!strcmp(buf, "oops"))
		WRITE_ONCE(*READ_ONCE(dr_test_null), 1);
	else
		return -EINVAL;
	return len;
}

static const struct file_operations dr_test_fault_fops = {
	.owner = THIS_MODULE,
	.write = dr_test_fault_write,
	.llseek = noop_llseek,
};

static const struct dr_knob dr_core_knobs[] = {
	{ DR_KNOB_DURATION, &dr.duration_ms, 0, DR_DURATION_MAX_S * 1000, true },
};

static int __init dr_init(void)
{
	unsigned int i;

	/* Before any file exists: a write to run may arm it at once. */
	INIT_DELAYED_WORK(&dr_watchdog, dr_watchdog_fn);
	dr_dir = debugfs_create_dir(DR_DEBUGFS_DIR, NULL);
	if (IS_ERR_OR_NULL(dr_dir))
		return dr_dir ? PTR_ERR(dr_dir) : -ENODEV;
	dr_probes_init();
	debugfs_create_file(DR_KNOB_TARGET, 0600, dr_dir, NULL, &dr_target_fops);
	debugfs_create_file(DR_KNOB_RUN, 0600, dr_dir, NULL, &dr_run_fops);
	debugfs_create_file(DR_KNOB_ENGINES, 0600, dr_dir, NULL, &dr_engines_fops);
	debugfs_create_file(DR_KNOB_INJECT, 0600, dr_dir, NULL, &dr_inject_fops);
	debugfs_create_file(DR_FILE_STATS, 0400, dr_dir, NULL, &dr_stats_fops);
	debugfs_create_file(DR_FILE_REFUSED, 0400, dr_dir, NULL, &dr_refused_fops);
	dr_orders_debugfs(dr_dir);
	dr_knobs_create(dr_dir, dr_core_knobs, ARRAY_SIZE(dr_core_knobs));
	if (test_faults)
		debugfs_create_file(DR_FILE_TEST_FAULT, 0200, dr_dir, NULL, &dr_test_fault_fops);
	for (i = 0; i < ARRAY_SIZE(dr_engines); i++) {
		dr_knobs_create(dr_dir, dr_engines[i]->knobs,
				dr_engines[i]->nr_knobs);
		if (dr_engines[i]->debugfs)
			dr_engines[i]->debugfs(dr_dir);
	}
	return 0;
}

/* No debugfs op is in flight once the directory is gone. */
static void __exit dr_exit(void)
{
	unsigned int i;

	debugfs_remove_recursive(dr_dir);
	WRITE_ONCE(dr_exiting, true);
	cancel_delayed_work_sync(&dr_watchdog);
	mutex_lock(&dr.lock);
	dr_stop_locked("module unload");
	dr_target_unbind(&dr.target);
	for (i = 0; i < ARRAY_SIZE(dr_engines); i++)
		if (dr_engines[i]->exit)
			dr_engines[i]->exit();
	mutex_unlock(&dr.lock);
	dr_probes_exit();
}

module_init(dr_init);
module_exit(dr_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("dirtyrace developers");
MODULE_DESCRIPTION("Stress the kernel's page_mkclean/writeback/eviction paths to catch lost dirty bits");
