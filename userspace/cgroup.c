// SPDX-License-Identifier: GPL-2.0
/*
 * A cgroup v2 for the writer processes, so the reclaim agitator can apply
 * memory pressure to exactly the file pages they fault in, through
 * memory.reclaim (Linux 5.19+). Without cgroup v2 or its memory
 * controller, the reclaim agitator still has madvise and fadvise.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hammer.h"

#define CGROOT	"/sys/fs/cgroup"
/*
 * dirtyrace-PID, or dirtyrace-PID-memory when that hammer enabled +memory
 * in the root's subtree_control: a hammer killed with SIGKILL cannot take
 * it off again, so the name tells the next run to.
 */
#define CG_PREFIX	"dirtyrace-"
#define CG_MEMORY	"-memory"

static int write_str(const char *dir, const char *file, const char *val)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return write_file(path, val);
}

/*
 * Leftovers of hammers killed mid-run (their PID is gone, the cgroup is
 * empty): remove them, and take +memory off the root again where one of
 * them had put it on and no live hammer's cgroup remains. Every run does
 * this first, with agitators or not.
 */
void cgroup_cleanup_stale(void)
{
	bool memory = false, live = false;
	DIR *d = opendir(CGROOT);
	struct dirent *e;
	char path[512], *end;
	long pid;

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, CG_PREFIX, strlen(CG_PREFIX)))
			continue;
		pid = strtol(e->d_name + strlen(CG_PREFIX), &end, 10);
		if (pid > 0 && pid != getpid() && kill(pid, 0) && errno == ESRCH) {
			snprintf(path, sizeof(path), CGROOT "/%s", e->d_name);
			if (!rmdir(path) && !strcmp(end, CG_MEMORY))
				memory = true;
		} else {
			live = true;
		}
	}
	if (d)
		closedir(d);
	if (memory && !live)
		write_str(CGROOT, "cgroup.subtree_control", "-memory");
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
	char path[sizeof(tf->cgroup) + 32];

	tf->cgroup[0] = '\0';
	if (access(CGROOT "/cgroup.controllers", R_OK))
		return;
	/* The name first: a kill between the two still leaves the marker. */
	tf->cgroup_memory = !controller_on();
	snprintf(tf->cgroup, sizeof(tf->cgroup), CGROOT "/" CG_PREFIX "%d%s",
		 (int)getpid(), tf->cgroup_memory ? CG_MEMORY : "");
	if (mkdir(tf->cgroup, 0755) && errno != EEXIST) {
		tf->cgroup[0] = '\0';
		tf->cgroup_memory = false;
		return;
	}
	if (tf->cgroup_memory && write_str(CGROOT, "cgroup.subtree_control", "+memory"))
		tf->cgroup_memory = false;
	snprintf(path, sizeof(path), "%s/memory.reclaim", tf->cgroup);
	if (access(path, W_OK))
		cgroup_teardown(tf);
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
