// SPDX-License-Identifier: GPL-2.0
/*
 * --engines numa: the userspace way to migrate, for comparison with the
 * module's migrate engine on the same file in the same run. A thread maps
 * the file, faults every page in and moves the whole range to the next
 * node with numa_move_pages(MPOL_MF_MOVE_ALL: the writers map it too),
 * counting the pages whose node really changed.
 */
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "hammer.h"


static void *numa_fn(void *arg)
{
	struct numa_mig *m = arg;
	size_t n = m->tf->size / PAGE;
	char *map = mmap(NULL, m->tf->size, PROT_READ, MAP_SHARED, m->tf->fd, 0);
	void **pages = calloc(n, sizeof(*pages));
	int *nodes = calloc(n, sizeof(int)), *before = calloc(n, sizeof(int));
	int *status = calloc(n, sizeof(int)), target = 0;

	if (map == MAP_FAILED || !pages || !nodes || !before || !status) {
		snprintf(m->skipped, sizeof(m->skipped), "out of memory");
		goto out;
	}
	while (!atomic_load(&m->stop)) {
		target = (target + 1) % m->nodes;
		for (size_t i = 0; i < n; i++) {
			pages[i] = map + i * PAGE;
			(void)*(volatile char *)pages[i];	/* fault in */
			nodes[i] = target;
		}
		if (numa_move_pages(0, n, pages, NULL, before, 0))
			continue;
		if (numa_move_pages(0, n, pages, nodes, status, MPOL_MF_MOVE_ALL) < 0) {
			atomic_fetch_add(&m->errors, 1);
			continue;
		}
		atomic_fetch_add(&m->calls, 1);
		for (size_t i = 0; i < n; i++)
			if (status[i] == target && before[i] >= 0 && before[i] != target)
				atomic_fetch_add(&m->moved, 1);
	}
out:
	if (map != MAP_FAILED)
		munmap(map, m->tf->size);
	free(pages);
	free(nodes);
	free(before);
	free(status);
	return NULL;
}

/* Starts the migrator, or records why it cannot run here. */
int numa_start(struct numa_mig *m, const struct testfile *tf)
{
	m->tf = tf;
	m->nodes = numa_available() < 0 ? 1 : numa_num_configured_nodes();
	if (m->nodes < 2) {
		snprintf(m->skipped, sizeof(m->skipped),
			 "%d NUMA node: moving pages between nodes needs 2 or more", m->nodes);
		fprintf(stderr, "dirtyrace: numa migrator skipped: %s\n", m->skipped);
		return 0;
	}
	if (pthread_create(&m->th, NULL, numa_fn, m)) {
		fprintf(stderr, "dirtyrace: cannot start the numa migrator\n");
		return -1;
	}
	m->running = true;
	return 0;
}

void numa_stop(struct numa_mig *m)
{
	atomic_store(&m->stop, 1);
	if (m->running)
		pthread_join(m->th, NULL);
	m->running = false;
}
