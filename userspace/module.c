// SPDX-License-Identifier: GPL-2.0
/* The hammer's side of the module's debugfs interface. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "hammer.h"

#define DEBUGFS		"/sys/kernel/debug"
#define DEBUGFS_MAGIC	0x64626720

static const char *const keys[DR_NR_STATS] = DR_STAT_KEYS;

const char *stat_key(enum dr_stat id)
{
	return keys[id];
}

void knob_path(char *buf, size_t len, const char *knob)
{
	snprintf(buf, len, DEBUGFS "/" DR_DEBUGFS_DIR "/%s", knob);
}

/* Returns EXIT_PASS, or EXIT_SKIP after naming the missing prerequisite. */
int module_check(void)
{
	struct statfs sfs;
	struct stat st;

	if (geteuid() != 0) {
		fprintf(stderr, "dirtyrace: skip: must run as root (the debugfs knobs are root-only); try sudo\n");
		return EXIT_SKIP;
	}
	if (statfs(DEBUGFS, &sfs) || sfs.f_type != DEBUGFS_MAGIC) {
		fprintf(stderr, "dirtyrace: skip: debugfs is not mounted; fix: mount -t debugfs none " DEBUGFS "\n");
		return EXIT_SKIP;
	}
	if (stat(DEBUGFS "/" DR_DEBUGFS_DIR, &st)) {
		fprintf(stderr, "dirtyrace: skip: the dirtyrace module is not loaded; fix: insmod dirtyrace.ko (or modprobe dirtyrace after a dkms install)\n");
		return EXIT_SKIP;
	}
	return EXIT_PASS;
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
