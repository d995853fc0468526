// SPDX-License-Identifier: GPL-2.0
/* The hammer's side of the module's debugfs interface, and a run's set-up and teardown. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "hammer.h"


static const char *const keys[DR_NR_STATS] = DR_STAT_KEYS;

const char *stat_key(enum dr_stat id)
{
	return keys[id];
}

void knob_path(char *buf, size_t len, const char *knob)
{
	snprintf(buf, len, DR_DEBUGFS_PATH "/%s", knob);
}

#define DR_BUSY_MSG \
	"dirtyrace: the module is busy with another run (echo 0 > " DR_DEBUGFS_PATH "/" DR_KNOB_RUN ")\n"

/*
 * The target's owner= pid (0: none given); false when nothing is bound.
 * A path has no spaces (the knob splits on them), so " owner=" is ours.
 */
static bool target_owner(int *owner)
{
	char buf[512], *o;

	*owner = 0;
	if (knob_read(DR_KNOB_TARGET, buf, sizeof(buf)) || !strcmp(buf, "none\n"))
		return false;
	o = strstr(buf, " owner=");
	if (o)
		*owner = atoi(o + 7);
	return true;
}

/* This process bound the target and still holds it. */
static bool module_ours(void)
{
	int owner;

	return target_owner(&owner) && owner == getpid();
}

/*
 * Another's run, an operator's binding, or a live process's: not ours to
 * touch. Prints why and returns true. A dead owner's binding is the
 * module's to drop (its watchdog does), and binding over it is allowed.
 */
static bool module_busy(void)
{
	char running[8];
	int owner;

	if (!knob_read(DR_KNOB_RUN, running, sizeof(running)) && running[0] == '1') {
		fprintf(stderr, DR_BUSY_MSG);
		return true;
	}
	if (!target_owner(&owner) || owner == getpid())
		return false;
	if (!owner) {
		fprintf(stderr, "dirtyrace: the module's target was bound by hand; free it with: echo none > " DR_DEBUGFS_PATH "/" DR_KNOB_TARGET "\n");
		return true;
	}
	if (kill(owner, 0) && errno == ESRCH)
		return false;
	fprintf(stderr, "dirtyrace: the module's target is held by process %d (another hammer?); free it with: echo none > " DR_DEBUGFS_PATH "/" DR_KNOB_TARGET "\n",
		owner);
	return true;
}

/*
 * Returns DR_EXIT_PASS, DR_EXIT_SKIP after naming the missing
 * prerequisite, or DR_EXIT_USAGE when another run holds the module.
 */
int module_check(void)
{
	struct statfs sfs;
	struct stat st;

	if (geteuid() != 0) {
		fprintf(stderr, "dirtyrace: skip: must run as root (the debugfs knobs are root-only); try sudo\n");
		return DR_EXIT_SKIP;
	}
	if (statfs(DR_DEBUGFS_MOUNT, &sfs) || sfs.f_type != DEBUGFS_MAGIC) {
		fprintf(stderr, "dirtyrace: skip: debugfs is not mounted; fix: mount -t debugfs none " DR_DEBUGFS_MOUNT "\n");
		return DR_EXIT_SKIP;
	}
	if (stat(DR_DEBUGFS_PATH, &st)) {
		fprintf(stderr, "dirtyrace: skip: the dirtyrace module is not loaded; fix: insmod dirtyrace.ko (or modprobe dirtyrace after a dkms install)\n");
		return DR_EXIT_SKIP;
	}
	/* Refuse before the fill, which takes seconds on a slow kernel. */
	if (module_busy())
		return DR_EXIT_USAGE;
	return DR_EXIT_PASS;
}

/* One write(2) of VAL to PATH (debugfs, cgroupfs); 0 or -errno. */
int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Returns 0 or -errno, so callers can tell -EBUSY from -EPERM. */
int knob_write(const char *knob, const char *fmt, ...)
{
	char path[256], val[4200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	knob_path(path, sizeof(path), knob);
	return write_file(path, val);
}

int knob_read(const char *knob, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	knob_path(path, sizeof(path), knob);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int stats_read(long long stats[DR_NR_STATS])
{
	char buf[8192], *line, *save = NULL;
	int ret = knob_read(DR_FILE_STATS, buf, sizeof(buf));

	if (ret)
		return ret;
	memset(stats, 0, sizeof(long long) * DR_NR_STATS);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char key[64];
		long long val;

		if (sscanf(line, "%63s %lld", key, &val) != 2)
			continue;
		for (int i = 0; i < DR_NR_STATS; i++)
			if (!strcmp(key, keys[i]))
				stats[i] = val;
	}
	return 0;
}

const char *const order_rows[DR_NR_ORDER_ROWS] = DR_ORDER_NAMES;

int orders_read(long long rows[DR_NR_ORDER_ROWS][DR_NR_ORDERS])
{
	char buf[4096], *line, *save = NULL;
	int ret = knob_read(DR_FILE_FOLIO_ORDERS, buf, sizeof(buf));

	if (ret)
		return ret;
	memset(rows, 0, sizeof(long long) * DR_NR_ORDER_ROWS * DR_NR_ORDERS);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strcspn(line, " ");
		char *p = line + n;

		for (int r = 0; r < DR_NR_ORDER_ROWS; r++) {
			if (strlen(order_rows[r]) != n || strncmp(line, order_rows[r], n))
				continue;
			for (int o = 0; o < DR_NR_ORDERS; o++)
				rows[r][o] = strtoll(p, &p, 10);
		}
	}
	return 0;
}

void orders_sample(long long seen[DR_NR_ORDER_ROWS][DR_NR_ORDERS])
{
	long long now[DR_NR_ORDER_ROWS][DR_NR_ORDERS];

	if (orders_read(now))
		return;
	for (int r = 0; r < DR_NR_ORDER_ROWS; r++)
		for (int o = 0; o < DR_NR_ORDERS; o++)
			if (r > DR_ORDER_MAPPED || now[r][o] > seen[r][o])
				seen[r][o] = now[r][o];
}

/* The largest order written through (mapped at a sample), or -1. */
int orders_max_mapped(const long long seen[DR_NR_ORDER_ROWS][DR_NR_ORDERS])
{
	for (int o = DR_NR_ORDERS - 1; o >= 0; o--)
		if (seen[DR_ORDER_MAPPED][o])
			return o;
	return -1;
}

/* The knob behind each engine option. */
static const char *const knob_names[NR_KNOB_OPTS] = {
	[KO_MIGRATE_THREADS] = DR_KNOB_MIGRATE_THREADS,
	[KO_MIGRATE_NODES] = DR_KNOB_MIGRATE_NODES,
	[KO_MIGRATE_MODE] = DR_KNOB_MIGRATE_MODE,
	[KO_MIGRATE_BATCH] = DR_KNOB_MIGRATE_BATCH,
	[KO_MKCLEAN_THREADS] = DR_KNOB_MKCLEAN_THREADS,
	[KO_WRITEBACK_MS] = DR_KNOB_WRITEBACK_MS,
	[KO_EVICT_MS] = DR_KNOB_EVICT_MS,
	[KO_STALL_US] = DR_KNOB_STALL_US,
	[KO_STALL_GAP_US] = DR_KNOB_STALL_GAP_US,
	[KO_STALL_SITES] = DR_KNOB_STALL_SITES,
	[KO_STALL_CLEAN] = DR_KNOB_STALL_CLEAN,
	[KO_MIGRATE_PAUSED] = DR_KNOB_MIGRATE_PAUSED,
};

/* This process bound the target: the module's state is its to tear down. */
static bool module_bound;

/* The module's part of the engine mask: all but the userspace numa migrator. */
static void module_engines(unsigned int mask, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NR_ENGINES; i++)
		if (mask & MODULE_ENGINES & ENGINE_BIT(i))
			n += snprintf(buf + n, len - n, "%s%s", n ? "," : "", engine_names[i]);
	if (!n)
		snprintf(buf, len, "none");
}

/* What each engine knob held before this run wrote it: put back at teardown. */
static char knob_saved[NR_KNOB_OPTS][16];
static unsigned int knobs_saved;

/* The engine knobs in o->knobs_set, in enum order; 0 or -errno. */
static int engine_knobs_write(const struct opts *o, const char **knob)
{
	int err = 0;

	for (int k = 0; k < NR_KNOB_OPTS && !err; k++) {
		if (!(o->knobs_set & 1u << k))
			continue;
		if (!(knobs_saved & 1u << k) &&
		    !knob_read(knob_names[k], knob_saved[k], sizeof(knob_saved[k]))) {
			knob_saved[k][strcspn(knob_saved[k], "\n")] = '\0';
			knobs_saved |= 1u << k;
		}
		err = knob_write(*knob = knob_names[k], "%u", o->knob[k]);
	}
	return err;
}

static void engine_knobs_restore(void)
{
	for (int k = 0; k < NR_KNOB_OPTS; k++)
		if (knobs_saved & 1u << k)
			knob_write(knob_names[k], "%s", knob_saved[k]);
	knobs_saved = 0;
}

/* The module's own reason for refusing the last start, or "". */
static void refused_reason(char *buf, size_t len)
{
	buf[0] = '\0';
	if (knob_read(DR_FILE_REFUSED, buf, len) || !strcmp(buf, "none\n"))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static int setup_failed(int err, const char *knob, const struct testfile *tf)
{
	char why[300];

	if (!strcmp(knob, DR_KNOB_RUN)) {
		refused_reason(why, sizeof(why));
		if (why[0]) {
			fprintf(stderr, "dirtyrace: the module refused to start: %s\n", why);
			return DR_EXIT_USAGE;
		}
	}
	if (err == -EBUSY)
		fprintf(stderr, DR_BUSY_MSG);
	else if (err == -EPERM)
		fprintf(stderr, "dirtyrace: the module refused --inject on %s\n", tf->path);
	else if (err == -EOPNOTSUPP && !strcmp(knob, DR_KNOB_RUN))
		fprintf(stderr, "dirtyrace: an engine or inject cannot run on this kernel/CPU; dmesg names it\n");
	else if (err == -EOPNOTSUPP)
		fprintf(stderr, "dirtyrace: the module refused %s: its filesystem has no writeback\n", tf->path);
	else if (err == -ENXIO)
		fprintf(stderr, "dirtyrace: the ioremap engine has no range: echo PHYS SIZE > /sys/kernel/debug/dirtyrace/" DR_KNOB_IOREMAP_RANGE "\n");
	else
		fprintf(stderr, "dirtyrace: setting module knob %s failed: %s\n",
			knob, strerror(-err));
	return DR_EXIT_USAGE;
}

/*
 * Configure the module for this run and start it; returns 0 or an exit
 * code. Bind first: from then on the module refuses another process's
 * binding (-EBUSY), so nothing below can change a run that is not ours,
 * and the inject knob is judged on our file. The duration is a safety
 * net: the module stops by itself if we hang.
 */
int module_setup(const struct opts *o, const struct testfile *tf)
{
	const char *knob = DR_KNOB_TARGET;
	char engines[64];
	int err;

	/* Again: one may have started while we filled the file. */
	if (module_busy())
		return DR_EXIT_USAGE;
	module_engines(o->engine_mask, engines, sizeof(engines));
#define SET(k, ...) (err = knob_write(knob = (k), __VA_ARGS__))
	if (SET(DR_KNOB_TARGET, "/proc/%d/fd/%d owner=%d", (int)getpid(), tf->fd,
		(int)getpid()))
		return setup_failed(err, knob, tf);
	module_bound = true;
	if (SET(DR_KNOB_ENGINES, "%s", engines) ||
	    (err = engine_knobs_write(o, &knob)) ||
	    SET(DR_KNOB_DURATION, "%.0f", (o->duration + DR_DURATION_SLACK_S) * 1000) ||
	    SET(DR_KNOB_INJECT, "%s", o->inject) ||
	    SET(DR_KNOB_RUN, "1"))
		return setup_failed(err, knob, tf);
#undef SET
	return 0;
}

/* Stop the engines of our run, before the stats are read. */
void module_stop(void)
{
	if (module_bound && module_ours())
		knob_write(DR_KNOB_RUN, "0");
}

/*
 * Stop, put back the engine knobs this run changed, reset the inject and
 * unbind (also after a set-up that failed half way), but only while the
 * binding is still ours: an operator may have unbound it and another run
 * may hold the module now.
 */
void module_teardown(void)
{
	if (!module_bound)
		return;
	module_bound = false;
	if (!module_ours()) {
		fprintf(stderr, "dirtyrace: our target was unbound by someone else; the module is left as it is\n");
		knobs_saved = 0;
		return;
	}
	knob_write(DR_KNOB_RUN, "0");
	engine_knobs_restore();
	knob_write(DR_KNOB_INJECT, DR_INJECT_NONE);
	knob_write(DR_KNOB_TARGET, "none");
}
