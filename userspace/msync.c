// SPDX-License-Identifier: GPL-2.0
/*
 * dirtyrace msync DIR SECONDS SIZE: the userspace baseline for the mkclean
 * engine's rate. Dirty every page of a MAP_SHARED file, msync(MS_SYNC) it
 * (the kernel write-protects, cleans and writes back each folio), repeat;
 * prints the folios cleaned per second. make bench divides the engine's
 * mkclean.folios/s by this number.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "hammer.h"

int msync_bench(int argc, char **argv)
{
	double secs, t0, t;
	unsigned long long folios = 0;
	size_t size, pages;
	char *map;
	int fd;

	if (argc != 4 || (secs = atof(argv[2])) <= 0 ||
	    (size = strtoull(argv[3], NULL, 0)) < PAGE || size % PAGE) {
		fprintf(stderr, "usage: dirtyrace msync DIR SECONDS SIZE (bytes, a multiple of 4096)\n");
		return DR_EXIT_USAGE;
	}
	fd = open(argv[1], O_TMPFILE | O_RDWR, 0600);
	if (fd < 0 || ftruncate(fd, size)) {
		fprintf(stderr, "dirtyrace: msync: %s: %s\n", argv[1], strerror(errno));
		return DR_EXIT_USAGE;
	}
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("dirtyrace: msync: mmap");
		return DR_EXIT_USAGE;
	}
	pages = size / PAGE;
	t0 = now();
	do {
		for (size_t i = 0; i < pages; i++)
			map[i * PAGE] ^= 1;
		if (msync(map, size, MS_SYNC)) {
			perror("dirtyrace: msync");
			return DR_EXIT_USAGE;
		}
		folios += pages;
		t = now() - t0;
	} while (t < secs);
	printf("msync_folios_per_s %.0f\n", folios / t);
	munmap(map, size);
	close(fd);
	return 0;
}
