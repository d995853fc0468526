// SPDX-License-Identifier: GPL-2.0
/*
 * rmmod/insmod cycles with each engine, and each inject, running: every
 * cycle loads the module, binds a file this test stamped as hammer-created,
 * starts the engine while a writer stores and an agitator mprotects, zaps
 * and rewrites its own part of the mapping (so kprobes and stalls are live
 * at rmmod), and unloads mid-run. A kernel report fails the suite through
 * the guest log; here each cycle must load, start and unload, and the
 * engine's counter must have moved in the cycles it ran. DR_RELOAD_CYCLES
 * per configuration (default 6: 60 cycles in all).
 */
#include "dr_test.h"
#include "kselftest.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

#define FILE_PAGES	64
#define PAGE		4096
#define DWELL_US	150000

struct config {
	const char *engines, *inject;
	const char *proof[2];		/* stat keys: their sum must move */
	int needs_range;
};

static const struct config configs[] = {
	{ "mkclean", "none", { "mkclean.passes" }, 0 },
	{ "migrate", "none", { "migrate.calls" }, 0 },
	{ "ioremap", "none", { "ioremap.words_verified", "ioremap.checker_accesses" }, 1 },
	{ "stall", "none", { "stall.stalls" }, 0 },
	{ "mkclean,migrate,ioremap,stall", "none",
	  { "mkclean.passes", "stall.stalls" }, 1 },
	{ "mkclean", "mkclean_noflush", { "inject.ptes" }, 0 },
	{ "migrate", "migrate_noflush",
	  { "migrate.inject_ptes", "migrate.inject_batch_flushes" }, 0 },
	{ "ioremap", "ioremap_noflush", { "ioremap.injected" }, 1 },
	{ "stall", "mprotect_noflush", { "stall.inject_skipped_flushes" }, 0 },
	{ "mkclean", "accessflags_stale",
	  { "inject.stale_ptes", "kprobe.ptep_set_access_flags" }, 0 },
};

static char *map;
static atomic_int stop, paused;

/* Stores to the first half, as a hammer writer does. */
static void *writer(void *arg)
{
	for (unsigned long n = 0; !atomic_load(&stop); n++) {
		while (atomic_load(&paused) && !atomic_load(&stop))
			usleep(1000);
		map[PAGE + (n * 64) % (FILE_PAGES / 2 * PAGE - PAGE)] = n;
	}
	return NULL;
}

/* Rewrites, write-protects and zaps the second half: syscall flushes. */
static void *agitator(void *arg)
{
	char *half = map + FILE_PAGES / 2 * PAGE;
	size_t len = FILE_PAGES / 2 * PAGE;

	while (!atomic_load(&stop)) {
		while (atomic_load(&paused) && !atomic_load(&stop))
			usleep(1000);
		memset(half, 1, len);
		mprotect(half, len, PROT_READ);
		mprotect(half, len, PROT_READ | PROT_WRITE);
		madvise(half, len, MADV_DONTNEED);
	}
	return NULL;
}

/* A file with the hammer's header, so the module allows injects on it. */
static int stamped_file(const char *path)
{
	struct dr_file_header hdr = {
		.magic = DR_FILE_MAGIC, .file_size = FILE_PAGES * PAGE,
		.data_offset = PAGE, .slot_size = 8,
	};
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	hdr.run_id = ((__u64)getpid() << 32) | (unsigned int)time(NULL) | 1;
	if (fd < 0 || ftruncate(fd, FILE_PAGES * PAGE) ||
	    pwrite(fd, &hdr, sizeof(hdr), 0) != sizeof(hdr))
		return -1;
	return fd;
}

static long long proof(const struct config *c)
{
	long long sum = 0, v;

	for (int i = 0; i < 2 && c->proof[i]; i++) {
		v = dr_stat(c->proof[i]);
		sum += v > 0 ? v : 0;
	}
	return sum;
}

/* One cycle: 0, or the step that failed. */
static const char *cycle(const struct config *c, const char *spec, long long *moved)
{
	int ret;

	/*
	 * Quiet while the module registers its kprobes: on 6.1 under TCG an
	 * insmod racing a stream of mprotect() flushes sent a CPU to address
	 * 0 from the patched call site, about once in 200 loads, with or
	 * without the engines (docs/testing.md, dr_reload). The unload
	 * below still meets the full load.
	 */
	atomic_store(&paused, 1);
	usleep(2000);
	ret = dr_load_module();
	atomic_store(&paused, 0);
	if (ret)
		return "insmod";
	if (dr_knob_write(DR_KNOB_TARGET, spec))
		return "bind";
	if (dr_knob_write(DR_KNOB_ENGINES, c->engines) ||
	    dr_knob_write(DR_KNOB_INJECT, c->inject))
		return "engines/inject";
	if (dr_knob_write(DR_KNOB_RUN, "1"))
		return "run=1";
	usleep(DWELL_US);
	*moved += proof(c);
	if (dr_unload_module())
		return "rmmod";
	return NULL;
}

int main(void)
{
	/* Per configuration; 10 of them, about 1 s a cycle under TCG. */
	int cycles = getenv("DR_RELOAD_CYCLES") ? atoi(getenv("DR_RELOAD_CYCLES")) : 6;
	char path[256], spec[320], range[96] = "";
	pthread_t tw, ta;
	int fd;

	dr_reload_prereq();
	dr_save_params();
	dr_knob_read(DR_KNOB_IOREMAP_RANGE, range, sizeof(range));
	snprintf(path, sizeof(path), "%s/dr_reload.bin", dr_test_dir());
	fd = stamped_file(path);
	map = fd < 0 ? MAP_FAILED : mmap(NULL, FILE_PAGES * PAGE,
					 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		ksft_exit_fail_msg("test file %s: %s\n", path, strerror(errno));
	snprintf(spec, sizeof(spec), "%s owner=%d", path, getpid());
	pthread_create(&tw, NULL, writer, NULL);
	pthread_create(&ta, NULL, agitator, NULL);
	if (dr_unload_module())
		ksft_exit_fail_msg("cannot unload the module to start\n");

	ksft_set_plan(ARRAY_SIZE(configs));
	for (size_t i = 0; i < ARRAY_SIZE(configs); i++) {
		const struct config *c = &configs[i];
		const char *failed = NULL;
		long long moved = 0;
		int n;

		if (c->needs_range && !strncmp(range, "none", 4)) {
			/* The runner names a skipped test after its RUN line. */
			ksft_print_msg(" RUN           %s/%s ...\n", c->engines, c->inject);
			ksft_test_result_skip("%s/%s: no ioremap range\n", c->engines, c->inject);
			continue;
		}
		for (n = 0; n < cycles && !failed; n++)
			failed = cycle(c, spec, &moved);
		if (failed)
			dr_unload_module();
		ksft_test_result(!failed && moved > 0,
				 "%d rmmod/insmod cycles with %s running, inject %s (failed at: %s, %s sum %lld)\n",
				 n, c->engines, c->inject, failed ? failed : "none",
				 c->proof[0], moved);
	}
	atomic_store(&stop, 1);
	pthread_join(tw, NULL);
	pthread_join(ta, NULL);
	munmap(map, FILE_PAGES * PAGE);
	close(fd);
	unlink(path);
	/* Leave it loaded, as the suite found it. */
	if (dr_load_module())
		ksft_exit_fail_msg("module does not load again\n");
	ksft_finished();
}
