// SPDX-License-Identifier: GPL-2.0
/*
 * The file system changes the target under the engines: truncate, hole
 * punch and O_DIRECT writes on one half of the file, fsfreeze of its file
 * system, while mkclean, migrate and the stall engine run and a writer
 * stores to the other half. The module must keep going (its counters
 * move, run=0 returns), nothing it did may lose a store of the writer
 * (verified from disk after eviction), and the guest log must stay clean.
 */
#define _GNU_SOURCE
#include "dr_test.h"
#include "kselftest_harness.h"
#include <linux/falloc.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#define PAGE		4096
#define PAGES		256
#define HALF		(PAGES / 2 * PAGE)
#ifdef __aarch64__
#define ENGINES		"mkclean,migrate"	/* no stall engine on arm64 */
#else
#define ENGINES		"mkclean,migrate,stall"
#endif

static char *map;
static atomic_int stop_writer, stop_disturber;
static atomic_long stores, disturbances;
static int freeze_fd = -1;

/* Monotonic stamps into the first half, past the header page. */
static void *writer(void *arg)
{
	uint64_t *slot = (uint64_t *)(map + PAGE);
	size_t nslots = (HALF - PAGE) / sizeof(*slot);

	for (uint64_t n = 1; !atomic_load(&stop_writer); n++) {
		slot[(n * 8) % nslots] = n;
		atomic_store(&stores, n);
	}
	return NULL;
}

struct disturber {
	int fd, dfd;
	int bad;		/* a step that failed, or an O_DIRECT readback that differed */
};

/* Second half only, one step at a time, so no access meets a hole. */
static void *disturber(void *arg)
{
	struct disturber *d = arg;
	char *half = map + HALF;
	void *blk;

	if (posix_memalign(&blk, PAGE, PAGE))
		return d->bad = 1, NULL;
	for (unsigned int n = 0; !atomic_load(&stop_disturber); n++) {
		off_t off = HALF + (off_t)(n % (PAGES / 2)) * PAGE;

		memset(half, n, HALF);
		if (ftruncate(d->fd, HALF) || ftruncate(d->fd, 2 * HALF))
			d->bad = 1;
		memset(half, n + 1, HALF);
		if (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      off, 4 * PAGE > 2 * HALF - off ? PAGE : 4 * PAGE))
			d->bad = 1;
		memset(blk, 0xd0 | (n & 0xf), PAGE);
		if (pwrite(d->dfd, blk, PAGE, off) != PAGE)
			d->bad = 1;
		if (half[off - HALF] != (char)(0xd0 | (n & 0xf)))
			d->bad = 2;
		atomic_fetch_add(&disturbances, 1);
	}
	free(blk);
	return NULL;
}

static void thaw(void)
{
	if (freeze_fd >= 0)
		ioctl(freeze_fd, FITHAW, 0);
}

FIXTURE(fsops) {
	char path[256];
	int fd, dfd;
	uint64_t *snap;
	pthread_t tw, td;
	struct disturber d;
};

FIXTURE_SETUP(fsops)
{
	const char *why = dr_missing_prereq();
	struct dr_file_header hdr = {
		.magic = DR_FILE_MAGIC, .file_size = PAGES * PAGE,
		.data_offset = PAGE, .slot_size = 8,
	};
	char spec[300];

	if (why)
		DR_SETUP_SKIP("%s", why);
	snprintf(self->path, sizeof(self->path), "%s/dr-fsops-%d", dr_test_dir(), getpid());
	self->fd = open(self->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, self->fd);
	hdr.run_id = ((uint64_t)getpid() << 32) | (unsigned int)time(NULL) | 1;
	ASSERT_EQ(0, ftruncate(self->fd, PAGES * PAGE));
	ASSERT_EQ(sizeof(hdr), pwrite(self->fd, &hdr, sizeof(hdr), 0));
	self->dfd = open(self->path, O_RDWR | O_DIRECT);
	ASSERT_LE(0, self->dfd);
	map = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	self->snap = malloc(HALF);
	ASSERT_NE(NULL, self->snap);
	snprintf(spec, sizeof(spec), "%s owner=%d", self->path, getpid());
	dr_knob_write(DR_KNOB_RUN, "0");
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, spec));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_ENGINES, ENGINES));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_INJECT, DR_INJECT_NONE));
	atomic_store(&stop_writer, 0);
	atomic_store(&stop_disturber, 0);
	ASSERT_EQ(0, pthread_create(&self->tw, NULL, writer, NULL));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_RUN, "1"));
}

FIXTURE_TEARDOWN(fsops)
{
	thaw();
	if (freeze_fd >= 0)
		close(freeze_fd);
	freeze_fd = -1;
	dr_knob_write(DR_KNOB_RUN, "0");
	dr_knob_write(DR_KNOB_TARGET, "none");
	dr_knob_write(DR_KNOB_ENGINES, DR_ENGINE_MKCLEAN);
	unlink(self->path);
}

/*
 * Stop the writer and the run, then compare what the writer left in the
 * mapping with the file's content once written back and evicted.
 */
static long lost_stores(struct __test_metadata *_metadata, FIXTURE_DATA(fsops) *self)
{
	uint64_t *disk = NULL;
	long lost = 0;

	atomic_store(&stop_writer, 1);
	pthread_join(self->tw, NULL);
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_RUN, "0"));
	memcpy(self->snap, map, HALF);
	EXPECT_EQ(0, msync(map, PAGES * PAGE, MS_SYNC));
	EXPECT_EQ(0, munmap(map, PAGES * PAGE));
	EXPECT_EQ(0, fsync(self->fd));
	EXPECT_EQ(0, posix_fadvise(self->fd, 0, 0, POSIX_FADV_DONTNEED));
	if (posix_memalign((void **)&disk, PAGE, HALF) ||
	    pread(self->dfd, disk, HALF, 0) != HALF)
		return free(disk), -1;
	for (size_t i = PAGE / 8; i < HALF / 8; i++)
		lost += disk[i] != self->snap[i];
	free(disk);
	return lost;
}

TEST_F_TIMEOUT(fsops, truncate_punch_direct_under_engines, 120)
{
	long long passes, calls;

	self->d.fd = self->fd;
	self->d.dfd = self->dfd;
	ASSERT_EQ(0, pthread_create(&self->td, NULL, disturber, &self->d));
	sleep(8);
	atomic_store(&stop_disturber, 1);
	pthread_join(self->td, NULL);
	passes = dr_stat("mkclean.passes");
	calls = dr_stat("migrate.calls");
	EXPECT_EQ(1, dr_stat("running"));
	EXPECT_EQ(0, lost_stores(_metadata, self));
	EXPECT_EQ(0, self->d.bad);
	EXPECT_LT(0, atomic_load(&disturbances));
	EXPECT_LT(0, passes);
	EXPECT_LT(0, calls);
	TH_LOG("%ld truncate/punch/O_DIRECT rounds, %ld stores, %lld mkclean passes, %lld migrate calls",
	       atomic_load(&disturbances), atomic_load(&stores), passes, calls);
}

/* What the frozen phase saw, sent back by the child that ran it. */
struct frozen {
	int freeze, run0, thaw;		/* ioctl and run=0 write results */
	long long passes, running;	/* mkclean passes while frozen, running then */
	long long run0_ms;		/* how long run=0 took while frozen */
};

static long long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * Freeze, watch the engines, stop the run, thaw: in a child process. The
 * writer's fault waits for the thaw holding its mm's mmap_lock; anything
 * that then queues for that lock for writing (khugepaged, an mmap) blocks
 * every later fault of the test process, and a thaw due from the test
 * process itself (its alarm handler) never came: the 6.1 suite hung frozen.
 * The child has its own mm; a guard in its own session thaws after 30 s
 * whatever happens to the test (the harness kills the test's group).
 */
static void frozen_phase(int out)
{
	struct frozen r = { .run0 = -1, .thaw = -1 };
	struct timespec t0;
	long long before;

	r.freeze = ioctl(freeze_fd, FIFREEZE, 0);
	if (!r.freeze) {
		before = dr_stat("mkclean.passes");
		sleep(3);
		r.passes = dr_stat("mkclean.passes") - before;
		r.running = dr_stat("running");
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r.run0 = dr_knob_write(DR_KNOB_RUN, "0");
		r.run0_ms = ms_since(&t0);
		r.thaw = ioctl(freeze_fd, FITHAW, 0);
	}
	_exit(write(out, &r, sizeof(r)) != sizeof(r));
}

static pid_t thaw_guard(void)
{
	pid_t pid = fork();

	if (!pid) {
		setsid();
		sleep(30);
		thaw();
		_exit(0);
	}
	return pid;
}

/* Queue for the test's mmap_lock as khugepaged does, until told to stop. */
static void *mm_locker(void *arg)
{
	while (!atomic_load(&stop_disturber)) {
		void *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED)
			munmap(p, PAGE);
		usleep(1000);
	}
	return NULL;
}

/*
 * fsfreeze while the engines write back: they keep running (nothing to
 * write on a frozen fs, none of them may wait for the thaw), run=0 returns
 * while frozen; the writer waits in its fault and resumes after the thaw.
 */
TEST_F_TIMEOUT(fsops, fsfreeze_during_writeback, 120)
{
	struct frozen r = { .freeze = -1 };
	int pipefd[2];
	pid_t pid, guard;
	long before;

	freeze_fd = open(dr_test_dir(), O_RDONLY);
	ASSERT_LE(0, freeze_fd);
	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(0, pthread_create(&self->td, NULL, mm_locker, NULL));
	sleep(2);
	guard = thaw_guard();
	ASSERT_LE(0, guard);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		frozen_phase(pipefd[1]);
	close(pipefd[1]);
	EXPECT_EQ(sizeof(r), read(pipefd[0], &r, sizeof(r)));
	close(pipefd[0]);
	EXPECT_EQ(pid, waitpid(pid, NULL, 0));
	kill(guard, SIGKILL);
	waitpid(guard, NULL, 0);
	atomic_store(&stop_disturber, 1);
	pthread_join(self->td, NULL);
	ASSERT_EQ(0, r.freeze);
	EXPECT_EQ(0, r.thaw);
	EXPECT_LT(0, r.passes);
	EXPECT_EQ(1, r.running);
	EXPECT_EQ(0, r.run0);
	EXPECT_GT(10000, r.run0_ms);
	before = atomic_load(&stores);
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_RUN, "1"));
	sleep(2);
	EXPECT_LT(before, atomic_load(&stores));
	EXPECT_EQ(0, lost_stores(_metadata, self));
	TH_LOG("mkclean passes while frozen: %lld, run=0 took %lld ms, stores: %ld",
	       r.passes, r.run0_ms, atomic_load(&stores));
}

TEST_HARNESS_MAIN
