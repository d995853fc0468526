// SPDX-License-Identifier: GPL-2.0
/*
 * --engines numa: the userspace way to migrate, for comparison with the
 * module's migrate engine on the same file in the same run. A thread maps
 * the file, faults its pages in and moves them, 64 at a time, to the next
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

/*
 * Pages per move_pages() call: the mkclean engine evicts the file every
 * evict_ms, and a page evicted between the fault and the call is not
 * moved (-ENOENT); on a slow (debug) kernel faulting the whole file took
 * longer than that, and nothing ever moved.
 */
#define NUMA_CHUNK	64

/* Fault in n pages at p, then move those still on another node to target. */
static void numa_move_chunk(struct numa_mig *m, char *p, size_t n, int target,
			    void **pages, int *nodes, int *before, int *status)
{
	for (size_t i = 0; i < n; i++) {
		pages[i] = p + i * PAGE;
		(void)*(volatile char *)pages[i];	/* fault in */
		nodes[i] = target;
	}
	if (numa_move_pages(0, n, pages, NULL, before, 0))
		return;
	if (numa_move_pages(0, n, pages, nodes, status, MPOL_MF_MOVE_ALL) < 0) {
		atomic_fetch_add(&m->errors, 1);
		return;
	}
	atomic_fetch_add(&m->calls, 1);
	for (size_t i = 0; i < n; i++)
		if (status[i] == target && before[i] >= 0 && before[i] != target)
			atomic_fetch_add(&m->moved, 1);
}

static void *numa_fn(void *arg)
{
	struct numa_mig *m = arg;
	size_t n = m->tf->size / PAGE;
	char *map = mmap(NULL, m->tf->size, PROT_READ, MAP_SHARED, m->tf->fd, 0);
	void **pages = calloc(NUMA_CHUNK, sizeof(*pages));
	int *nodes = calloc(NUMA_CHUNK, sizeof(int)), *before = calloc(NUMA_CHUNK, sizeof(int));
	int *status = calloc(NUMA_CHUNK, sizeof(int)), target = 0;

	if (map == MAP_FAILED || !pages || !nodes || !before || !status) {
		snprintf(m->skipped, sizeof(m->skipped), "out of memory");
		goto out;
	}
	while (!atomic_load(&m->stop)) {
		target = (target + 1) % m->nodes;
		for (size_t c = 0; c < n && !atomic_load(&m->stop); c += NUMA_CHUNK)
			numa_move_chunk(m, map + c * PAGE, n - c < NUMA_CHUNK ? n - c : NUMA_CHUNK,
					target, pages, nodes, before, status);
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
