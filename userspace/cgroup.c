// SPDX-License-Identifier: GPL-2.0
/*
 * A cgroup v2 for the writer processes, so the reclaim agitator can apply
 * memory pressure to exactly the file pages they fault in, through
 * memory.reclaim (Linux 5.19+). Without cgroup v2 or its memory
 * controller, the reclaim agitator still has madvise and fadvise.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hammer.h"

#define CGROOT	"/sys/fs/cgroup"

static int write_str(const char *dir, const char *file, const char *val)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return write_file(path, val);
}

/* Leftovers of hammers killed mid-run are empty: remove them. */
static void remove_stale(void)
{
	DIR *d = opendir(CGROOT);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "dirtyrace-", 10)) {
			snprintf(path, sizeof(path), CGROOT "/%s", e->d_name);
			rmdir(path);
		}
	if (d)
		closedir(d);
}

/* Is the memory controller on in the root's subtree_control already? */
static bool controller_on(void)
{
	char buf[256] = "";
	FILE *f = fopen(CGROOT "/cgroup.subtree_control", "r");

	if (f && !fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	if (f)
		fclose(f);
	return strstr(buf, "memory");
}

void cgroup_setup(struct testfile *tf)
{
	char path[512];

	tf->cgroup[0] = '\0';
	if (access(CGROOT "/cgroup.controllers", R_OK))
		return;
	remove_stale();
	tf->cgroup_memory = !controller_on();
	if (tf->cgroup_memory && write_str(CGROOT, "cgroup.subtree_control", "+memory"))
		tf->cgroup_memory = false;
	snprintf(path, sizeof(path), CGROOT "/dirtyrace-%d", (int)getpid());
	if (mkdir(path, 0755) && errno != EEXIST)
		return;
	snprintf(tf->cgroup, sizeof(tf->cgroup), "%s", path);
	snprintf(path, sizeof(path), CGROOT "/dirtyrace-%d/memory.reclaim", (int)getpid());
	if (access(path, W_OK)) {
		rmdir(tf->cgroup);
		tf->cgroup[0] = '\0';
	}
}

void cgroup_add(const struct testfile *tf, pid_t pid)
{
	char val[32];

	if (!tf->cgroup[0])
		return;
	snprintf(val, sizeof(val), "%d", (int)pid);
	write_str(tf->cgroup, "cgroup.procs", val);
}

/* Nothing left to reclaim (-EAGAIN) is normal under a busy writer. */
void cgroup_reclaim(const struct testfile *tf)
{
	write_str(tf->cgroup, "memory.reclaim", "1M");
}

void cgroup_teardown(struct testfile *tf)
{
	if (tf->cgroup[0])
		rmdir(tf->cgroup);
	tf->cgroup[0] = '\0';
	/* Put the root back as it was (refused while other cgroups use it). */
	if (tf->cgroup_memory)
		write_str(CGROOT, "cgroup.subtree_control", "-memory");
	tf->cgroup_memory = false;
}
