// SPDX-License-Identifier: GPL-2.0
/*
 * Every debugfs knob rejects bad input with a clear errno and the module
 * keeps working, a rejected target leaves the binding as it was, owner=
 * must be a process; target references follow unbind, unlink and owner exit;
 * an operator with echo and cat can drive a run.
 */
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "dr_test.h"
#include "kselftest_harness.h"
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/mount.h>

static void dr_reset(void)
{
	dr_knob_write(DR_KNOB_RUN, "0");
	dr_knob_write(DR_KNOB_TARGET, "none");
	dr_knob_write(DR_KNOB_INJECT, DR_INJECT_NONE);
	dr_knob_write(DR_KNOB_ENGINES, DR_ENGINE_MKCLEAN);
	dr_knob_write(DR_KNOB_DURATION, "0");
	dr_knob_write(DR_KNOB_EVICT_MS, "100");
}

FIXTURE(knobs) {
	char plain[256];
	char spec[300];
};

FIXTURE_SETUP(knobs)
{
	const char *why = dr_missing_prereq();

	if (why)
		DR_SETUP_SKIP("%s", why);
	dr_reset();
	snprintf(self->plain, sizeof(self->plain), "%s/dr-plain-%d", dr_test_dir(), getpid());
	snprintf(self->spec, sizeof(self->spec), "%s", self->plain);
	ASSERT_EQ(0, dr_plain_file(self->plain, 256 << 10));
}

FIXTURE_TEARDOWN(knobs)
{
	dr_reset();
	unlink(self->plain);
}

TEST_F(knobs, numeric_knobs_reject_garbage)
{
	static const char *const knobs[] = {
		DR_KNOB_DURATION, DR_KNOB_MKCLEAN_THREADS, DR_KNOB_WRITEBACK_MS,
		DR_KNOB_EVICT_MS, DR_KNOB_STALL_US, DR_KNOB_STALL_GAP_US,
		DR_KNOB_STALL_SITES, DR_KNOB_STALL_CLEAN,
	};
	static const char *const bad[] = {
		"abc", "-1", "1x", "99999999999999999999", "\n", "0x", "1 2",
	};

	for (size_t k = 0; k < ARRAY_SIZE(knobs); k++) {
		for (size_t b = 0; b < ARRAY_SIZE(bad); b++) {
			int ret = dr_knob_write(knobs[k], bad[b]);

			EXPECT_EQ(-EINVAL, ret) {
				TH_LOG("%s <- '%s'", knobs[k], bad[b]);
			}
		}
	}
	/* Out of range. */
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_MKCLEAN_THREADS, "0"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_MKCLEAN_THREADS, "65"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_EVICT_MS, "60001"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_DURATION, "86400001"));
	/* Valid values still take. */
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_MKCLEAN_THREADS, "2"));
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_MKCLEAN_THREADS, "1"));
}

TEST_F(knobs, string_knobs_reject_garbage)
{
	char buf[64];

	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_ENGINES, "bogus"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_ENGINES, "mkclean,bogus"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_ENGINES, ""));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_INJECT, "bogus"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_RUN, "maybe"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_RUN, "2"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_TARGET, "relative/path"));
	EXPECT_EQ(-EISDIR, dr_knob_write(DR_KNOB_TARGET, "/mnt"));
	EXPECT_EQ(-ENOENT, dr_knob_write(DR_KNOB_TARGET, "/nonexistent/file"));
	snprintf(self->spec, sizeof(self->spec), "%s owner=abc", self->plain);
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_TARGET, self->spec));
	snprintf(self->spec, sizeof(self->spec), "%s owner=-5", self->plain);
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_TARGET, self->spec));
	/* Knobs kept their values through all of that. */
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_ENGINES, buf, sizeof(buf)));
	EXPECT_STREQ(DR_ENGINE_MKCLEAN "\n", buf);
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_TARGET, buf, sizeof(buf)));
	EXPECT_STREQ("none\n", buf);
}

/*
 * Long input is refused whole, never cut to a prefix that parses (as
 * kstrtou32_from_user does past 66 bytes): a number padded with leading
 * zeros is either taken as itself or refused; run takes exactly 0 or 1.
 */
TEST_F(knobs, long_writes_refused_not_truncated)
{
	static const char *const knobs[] = {
		DR_KNOB_DURATION, DR_KNOB_MKCLEAN_THREADS, DR_KNOB_WRITEBACK_MS,
		DR_KNOB_EVICT_MS, DR_KNOB_STALL_US, DR_KNOB_STALL_GAP_US,
		DR_KNOB_STALL_SITES, DR_KNOB_STALL_CLEAN, DR_KNOB_IOREMAP_CHECKERS,
		DR_KNOB_IOREMAP_DWELL_US, DR_KNOB_MIGRATE_THREADS,
		DR_KNOB_MIGRATE_MODE, DR_KNOB_MIGRATE_NODES, DR_KNOB_MIGRATE_BATCH,
		DR_KNOB_MIGRATE_PAUSED,
	};
	static char big[8192];

	for (size_t k = 0; k < ARRAY_SIZE(knobs); k++) {
		char cur[32], now[32], val[300];
		unsigned long v, accepted = 0;

		ASSERT_EQ(0, dr_knob_read(knobs[k], cur, sizeof(cur)));
		v = strtoul(cur, NULL, 0) ? strtoul(cur, NULL, 0) : 1;
		for (int pad = 0; pad < 200; pad++) {
			/* Hex: leading zeros would make a decimal octal. */
			snprintf(val, sizeof(val), "0x%0*lx", pad + 1, v);
			if (dr_knob_write(knobs[k], val))
				continue;
			accepted++;
			ASSERT_EQ(0, dr_knob_read(knobs[k], now, sizeof(now)));
			EXPECT_EQ(v, strtoul(now, NULL, 0)) {
				TH_LOG("%s <- %zu bytes of '%.8s...' reads back %s",
				       knobs[k], strlen(val), val, now);
			}
		}
		EXPECT_LT(0, accepted) {
			TH_LOG("%s never took %lu", knobs[k], v);
		}
		memset(big, '0', sizeof(big) - 1);
		EXPECT_EQ(-EINVAL, dr_knob_write(knobs[k], big));
		EXPECT_EQ(0, dr_knob_write(knobs[k], cur));
	}
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_RUN, "1anything"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_RUN, "10"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_RUN, "y"));
	EXPECT_EQ(0, dr_stat("running"));
	memset(big, '/', sizeof(big) - 1);
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_TARGET, big));
}

static long knob_value(const char *knob)
{
	char buf[32];

	return dr_knob_read(knob, buf, sizeof(buf)) ? -1 : strtol(buf, NULL, 0);
}

/*
 * A write is one whole value from offset 0: a NUL inside it or a write at
 * another offset is -EINVAL and changes nothing (both used to set the
 * value before the NUL, or ignore the offset); white space around the
 * value is not part of it, leading as well as trailing.
 */
TEST_F(knobs, nul_offset_and_spaces)
{
	char cur[32];

	ASSERT_EQ(0, dr_knob_read(DR_KNOB_STALL_US, cur, sizeof(cur)));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_STALL_US, "100"));
	EXPECT_EQ(-EINVAL, dr_knob_pwrite(DR_KNOB_STALL_US, "200\0junk", 8, 0));
	EXPECT_EQ(100, knob_value(DR_KNOB_STALL_US));
	EXPECT_EQ(-EINVAL, dr_knob_pwrite(DR_KNOB_STALL_US, "300", 3, 4));
	EXPECT_EQ(100, knob_value(DR_KNOB_STALL_US));
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_STALL_US, "  400\t\n"));
	EXPECT_EQ(400, knob_value(DR_KNOB_STALL_US));
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_STALL_US, "\t500"));
	EXPECT_EQ(500, knob_value(DR_KNOB_STALL_US));
	EXPECT_EQ(-EINVAL, dr_knob_pwrite(DR_KNOB_TARGET, "none\0x", 6, 0));
	EXPECT_EQ(-EINVAL, dr_knob_pwrite(DR_KNOB_INJECT, "none", 4, 1));
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_STALL_US, cur));
}

/*
 * The string knobs at their buffer's edge: a valid value padded with
 * spaces is taken as itself up to some length and refused (-EINVAL)
 * from the next byte on, never cut short or accepted again past it.
 */
static void string_boundary(struct __test_metadata *_metadata,
			    const char *knob, const char *val)
{
	size_t len = strlen(val), last_ok = 0, first_bad = 0;
	char buf[1100], want[512], back[512];

	ASSERT_EQ(0, dr_knob_write(knob, val));
	ASSERT_EQ(0, dr_knob_read(knob, want, sizeof(want)));
	for (size_t n = len; n < 1024; n++) {
		int ret;

		snprintf(buf, sizeof(buf), "%-*s", (int)n, val);
		ret = dr_knob_write(knob, buf);
		if (ret) {
			EXPECT_EQ(-EINVAL, ret);
			first_bad = first_bad ?: n;
			continue;
		}
		EXPECT_EQ(0, first_bad) {
			TH_LOG("%s took %zu bytes after refusing %zu", knob, n, first_bad);
		}
		last_ok = n;
		ASSERT_EQ(0, dr_knob_read(knob, back, sizeof(back)));
		EXPECT_STREQ(want, back);
	}
	EXPECT_LE(len, last_ok);
	EXPECT_EQ(last_ok + 1, first_bad) {
		TH_LOG("%s: last taken %zu bytes, first refused %zu", knob, last_ok, first_bad);
	}
	ASSERT_EQ(0, dr_knob_read(knob, back, sizeof(back)));
	EXPECT_STREQ(want, back);
}

TEST_F(knobs, string_knobs_at_buffer_boundary)
{
	char range[64];

	ASSERT_EQ(0, dr_knob_read(DR_KNOB_IOREMAP_RANGE, range, sizeof(range)));
	range[strcspn(range, "\n")] = '\0';
	string_boundary(_metadata, DR_KNOB_TARGET, self->plain);
	string_boundary(_metadata, DR_KNOB_ENGINES, DR_ENGINE_MKCLEAN "," DR_ENGINE_MIGRATE);
	string_boundary(_metadata, DR_KNOB_INJECT, DR_INJECT_NONE);
	string_boundary(_metadata, DR_KNOB_IOREMAP_RANGE, range);
	string_boundary(_metadata, DR_KNOB_RUN, "0");
}

/* A rejected target leaves the current binding as it was. */
TEST_F(knobs, bad_target_keeps_binding)
{
	char want[300], buf[512];

	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, self->plain));
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_TARGET, want, sizeof(want)));
	EXPECT_EQ(-ENOENT, dr_knob_write(DR_KNOB_TARGET, "/typo"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_TARGET, "/dev/null"));
	EXPECT_EQ(-EISDIR, dr_knob_write(DR_KNOB_TARGET, "/mnt"));
	snprintf(self->spec, sizeof(self->spec), "%s owner=abc", self->plain);
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_TARGET, self->spec));
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_TARGET, buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
}

static void *park(void *arg)
{
	pid_t *tid = arg;

	__atomic_store_n(tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	pause();
	return NULL;
}

/* owner= names a process: a thread of one is refused. */
TEST_F(knobs, thread_owner_refused)
{
	pthread_t th;
	pid_t tid = 0;

	ASSERT_EQ(0, pthread_create(&th, NULL, park, &tid));
	while (!__atomic_load_n(&tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	snprintf(self->spec, sizeof(self->spec), "%s owner=%d", self->plain, tid);
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_TARGET, self->spec));
	snprintf(self->spec, sizeof(self->spec), "%s owner=%d", self->plain, getpid());
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_TARGET, self->spec));
	pthread_cancel(th);
	pthread_join(th, NULL);
}

#define FUZZ_PROCS	4
#define FUZZ_WRITES	2500	/* per process and file: 10,000 per file */

/* A random value: garbage, numbers near and past any bound, long runs. */
static size_t fuzz_value(unsigned int *seed, char *buf, size_t size)
{
	static const char *const pieces[] = {
		"0", "1", "-1", "none", "all", "mkclean", "stall", "0x60000000",
		"8M", "4294967296", "18446744073709551616", " ", ",", "\n", "/",
		"owner=", "y", "on", "2000", "2001", "65", "86400000",
	};
	size_t n = 0, want = rand_r(seed) % 8 ? rand_r(seed) % 48 : rand_r(seed) % (size - 1);

	while (n < want) {
		if (rand_r(seed) % 3) {
			const char *p = pieces[rand_r(seed) % ARRAY_SIZE(pieces)];

			while (*p && n < want)
				buf[n++] = *p++;
		} else {
			buf[n++] = 1 + rand_r(seed) % 255;
		}
	}
	return n;
}

static void fuzz_proc(char names[][64], int nnames, unsigned int seed)
{
	char path[320], buf[5000];

	/* A test killed at its timeout must not leave us fuzzing the next. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	for (int i = 0; i < nnames; i++) {
		snprintf(path, sizeof(path), DR_DIR "/%.63s", names[i]);
		for (int w = 0; w < FUZZ_WRITES; w++) {
			int fd = open(path, O_WRONLY);
			size_t n = fuzz_value(&seed, buf, sizeof(buf));

			if (fd < 0)
				break;
			if (write(fd, buf, n) < 0 && errno == EFAULT)
				_exit(1);	/* the module read past what was given */
			close(fd);
		}
	}
	_exit(0);
}

/*
 * 10,000 random writes to every writable file, run included, from 4
 * processes at once, starting mid-run (any errno is fine, a crash or a
 * hang is not); then every value read back is restored and an operator
 * run still works. The KCSAN kernel of
 * make check-debug once needed over 300 s.
 */
TEST_F_TIMEOUT(knobs, fuzz_every_knob, 900)
{
	char names[64][64], saved[64][512];
	int n = 0, status;
	DIR *d = opendir(DR_DIR);
	struct dirent *e;
	pid_t pids[FUZZ_PROCS];

	ASSERT_NE(NULL, d);
	while ((e = readdir(d)) && n < 64) {
		char path[320];
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), DR_DIR "/%.63s", e->d_name);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			continue;
		close(fd);
		snprintf(names[n], sizeof(names[n]), "%.63s", e->d_name);
		if (dr_knob_read(names[n], saved[n], sizeof(saved[n])))
			saved[n][0] = '\0';
		n++;
	}
	closedir(d);
	ASSERT_LT(10, n);
	/* Running at first, so the live knobs are hit mid-run (and run too). */
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, self->plain));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_RUN, "1"));
	for (int p = 0; p < FUZZ_PROCS; p++) {
		pids[p] = fork();
		ASSERT_LE(0, pids[p]);
		if (!pids[p])
			fuzz_proc(names, n, 1 + p);
	}
	for (int p = 0; p < FUZZ_PROCS; p++) {
		ASSERT_EQ(pids[p], waitpid(pids[p], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	}
	dr_reset();
	for (int i = 0; i < n; i++) {
		char path[320];
		int fd;

		snprintf(path, sizeof(path), DR_DIR "/%.63s", names[i]);
		/* stats and ioremap_mismatches hold no setting to restore. */
		fd = saved[i][0] && strcmp(names[i], DR_FILE_STATS) &&
		     strcmp(names[i], DR_FILE_IOREMAP_MISMATCHES) ? open(path, O_WRONLY) : -1;
		if (fd >= 0 && write(fd, saved[i], strlen(saved[i])) < 0)
			TH_LOG("%s: not restored (%s)", names[i], strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	/* Still whole: the operator run of the test below. */
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, self->plain));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_ENGINES, DR_ENGINE_MKCLEAN));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_RUN, "1"));
	usleep(500000);
	EXPECT_LT(0, dr_stat("kprobe.folio_mkclean"));
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_RUN, "0"));
}

/* Does the "refused" file hold want (or "none" when want is NULL)? */
static bool refused_says(const char *want)
{
	char buf[512];

	if (dr_knob_read(DR_FILE_REFUSED, buf, sizeof(buf)))
		return false;
	return want ? !!strstr(buf, want) : !strcmp(buf, "none\n");
}

/* A file on fs (mounted at a new temporary dir path), made and closed. */
static int file_on(const char *fs, char *path, char *file, size_t len)
{
	int fd;

	if (!mkdtemp(path) || mount(fs, path, fs, 0, NULL))
		return -1;
	snprintf(file, len, "%s/f", path);
	fd = open(file, O_CREAT | O_RDWR, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/*
 * No writeback: ramfs is refused; tmpfs is bound, but only for the
 * engines that clean nothing (a migrated-away page loses stores there too).
 */
TEST_F(knobs, tmpfs_migrate_only_ramfs_refused)
{
	char path[] = "/tmp/dr-tmpfs-XXXXXX", ram[] = "/tmp/dr-ramfs-XXXXXX";
	char file[64], rfile[64];

	ASSERT_EQ(0, file_on("tmpfs", path, file, sizeof(file)));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, file));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_ENGINES, DR_ENGINE_MKCLEAN));
	EXPECT_EQ(-EOPNOTSUPP, dr_knob_write(DR_KNOB_RUN, "1"));
	EXPECT_TRUE(refused_says("is on tmpfs, which has no writeback"));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_ENGINES, DR_ENGINE_MIGRATE));
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_RUN, "1"));
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_RUN, "0"));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, "none"));
	ASSERT_EQ(0, file_on("ramfs", ram, rfile, sizeof(rfile)));
	EXPECT_EQ(-EOPNOTSUPP, dr_knob_write(DR_KNOB_TARGET, rfile));
	umount(path);
	rmdir(path);
	umount(ram);
	rmdir(ram);
}

/*
 * Targets that are not a writable regular file are refused without being
 * opened, and the binding stays: a FIFO (an open would wait for a peer),
 * a file on a read-only mount (EROFS); a symlink to a file is followed.
 */
TEST_F(knobs, fifo_and_readonly_mount_refused)
{
	char fifo[300], ro[] = "/tmp/dr-ro-XXXXXX", rofile[300], link[300];
	char want[300], buf[512];

	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, self->plain));
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_TARGET, want, sizeof(want)));
	snprintf(fifo, sizeof(fifo), "%s/dr-fifo-%d", dr_test_dir(), getpid());
	ASSERT_EQ(0, mkfifo(fifo, 0600));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_TARGET, fifo));
	unlink(fifo);

	ASSERT_NE(NULL, mkdtemp(ro));
	ASSERT_EQ(0, mount(dr_test_dir(), ro, NULL, MS_BIND, NULL));
	ASSERT_EQ(0, mount(NULL, ro, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	snprintf(rofile, sizeof(rofile), "%s/%s", ro, strrchr(self->plain, '/') + 1);
	EXPECT_EQ(-EROFS, dr_knob_write(DR_KNOB_TARGET, rofile));
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_TARGET, buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
	umount(ro);
	rmdir(ro);

	snprintf(link, sizeof(link), "%s/dr-link-%d", dr_test_dir(), getpid());
	ASSERT_EQ(0, symlink(self->plain, link));
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_TARGET, link));
	unlink(link);
}

TEST_F(knobs, run_needs_target)
{
	EXPECT_EQ(-ENOENT, dr_knob_write(DR_KNOB_RUN, "1"));
	EXPECT_TRUE(refused_says("no target: echo PATH > " DR_KNOB_TARGET));
}

/* Every refused start says why in "refused"; a start clears it. */
TEST_F(knobs, refused_start_says_why)
{
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, self->plain));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_ENGINES, DR_ENGINE_MKCLEAN));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_RUN, "1"));
	EXPECT_TRUE(refused_says(NULL));
	EXPECT_EQ(-EBUSY, dr_knob_write(DR_KNOB_RUN, "1"));
	EXPECT_TRUE(refused_says("a run is going"));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_RUN, "0"));
	/* An inject on a file the hammer did not make; then a good start. */
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, "none"));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_INJECT, DR_INJECT_MKCLEAN_NOFLUSH));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, self->plain));
	EXPECT_EQ(-EPERM, dr_knob_write(DR_KNOB_RUN, "1"));
	EXPECT_TRUE(refused_says("was not created by the hammer"));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_INJECT, DR_INJECT_NONE));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_RUN, "1"));
	EXPECT_TRUE(refused_says(NULL));
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_RUN, "0"));
}

TEST_F(knobs, inject_refused_on_foreign_file)
{
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, self->plain));
	EXPECT_EQ(-EPERM, dr_knob_write(DR_KNOB_INJECT, DR_INJECT_MKCLEAN_NOFLUSH));
	/* Set before binding: the start refuses instead. */
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, "none"));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_INJECT, DR_INJECT_MKCLEAN_NOFLUSH));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, self->plain));
	EXPECT_EQ(-EPERM, dr_knob_write(DR_KNOB_RUN, "1"));
	EXPECT_TRUE(refused_says("was not created by the hammer"));
	EXPECT_EQ(0, dr_stat("running"));
}

/* Another process's child: its exit code for one knob write's errno. */
static int write_from_child(const char *knob, const char *val, int want)
{
	int status;
	pid_t pid = fork();

	if (!pid)
		_exit(dr_knob_write(knob, val) == want ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* An owner's binding is its own: another process may unbind, not replace it. */
TEST_F(knobs, owned_binding_refuses_others)
{
	char spec[320], want[512], buf[512];

	snprintf(spec, sizeof(spec), "%s owner=%d", self->plain, getpid());
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, spec));
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_TARGET, want, sizeof(want)));
	EXPECT_EQ(0, write_from_child(DR_KNOB_TARGET, self->plain, -EBUSY));
	EXPECT_EQ(0, write_from_child(DR_KNOB_TARGET, spec, -EBUSY));
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_TARGET, buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
	/* The owner may rebind; anyone may unbind. */
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_TARGET, spec));
	EXPECT_EQ(0, write_from_child(DR_KNOB_TARGET, "none", 0));
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_TARGET, buf, sizeof(buf)));
	EXPECT_STREQ("none\n", buf);
	/* An owner-less binding is anyone's to replace. */
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, self->plain));
	EXPECT_EQ(0, write_from_child(DR_KNOB_TARGET, self->plain, 0));
}

TEST_F(knobs, busy_while_running)
{
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, self->plain));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_RUN, "1"));
	EXPECT_EQ(-EBUSY, dr_knob_write(DR_KNOB_RUN, "1"));
	EXPECT_EQ(-EBUSY, dr_knob_write(DR_KNOB_TARGET, "none"));
	EXPECT_EQ(-EBUSY, dr_knob_write(DR_KNOB_MKCLEAN_THREADS, "2"));
	EXPECT_EQ(-EBUSY, dr_knob_write(DR_KNOB_ENGINES, "none"));
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_EVICT_MS, "50"));	/* live knob */
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_RUN, "0"));
}

/* What an operator does with echo and cat: bind, start, read, stop. */
TEST_F(knobs, operator_run_exercises_kernel_paths)
{
	char buf[512];

	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, self->plain));
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_TARGET, buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, self->plain, strlen(self->plain)));
	EXPECT_NE(NULL, strstr(buf, "hammer=0"));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_DURATION, "1500"));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_RUN, "1"));
	EXPECT_EQ(1, dr_stat("running"));
	/* duration_ms stops the run by itself; the stats stay readable. */
	sleep(3);
	EXPECT_EQ(0, dr_stat("running"));
	EXPECT_LT(0, dr_stat("mkclean.folios"));
	EXPECT_LT(0, dr_stat("kprobe.folio_mkclean"));
	EXPECT_LT(0, dr_stat("writeback.ops"));
	EXPECT_LT(0, dr_stat("evict.ops"));
	EXPECT_LT(0, dr_stat("kprobe.__filemap_remove_folio"));
}

/*
 * The first eviction comes one evict_ms after the start, so the workers
 * clean the cached folios first. At once, it dropped the whole cache
 * before any folio_mkclean() in 6 runs of 100 on 6.12, and with no
 * writer to fault the file back that run exercised nothing.
 */
TEST_F(knobs, first_eviction_waits_a_period)
{
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, self->plain));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_EVICT_MS, "3000"));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_RUN, "1"));
	usleep(500000);
	EXPECT_EQ(0, dr_stat("evict.ops"));
	EXPECT_LT(0, dr_stat("kprobe.folio_mkclean"));
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_RUN, "0"));
}

TEST_F(knobs, unbind_on_unlink)
{
	char buf[512];

	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, self->plain));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_RUN, "1"));
	ASSERT_EQ(0, unlink(self->plain));
	usleep(400000);
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_TARGET, buf, sizeof(buf)));
	EXPECT_STREQ("none\n", buf);
	EXPECT_EQ(0, dr_stat("running"));
}

TEST_F(knobs, unbind_on_owner_exit)
{
	char buf[512];
	int pipefd[2];
	pid_t child;

	ASSERT_EQ(0, pipe(pipefd));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		close(pipefd[1]);
		read(pipefd[0], buf, 1);	/* live until told */
		_exit(0);
	}
	snprintf(self->spec, sizeof(self->spec), "%s owner=%d", self->plain, child);
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, self->spec));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_RUN, "1"));
	usleep(300000);
	EXPECT_EQ(1, dr_stat("running"));
	close(pipefd[1]);
	waitpid(child, NULL, 0);
	usleep(400000);
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_TARGET, buf, sizeof(buf)));
	EXPECT_STREQ("none\n", buf);
	EXPECT_EQ(0, dr_stat("running"));
}

TEST_HARNESS_MAIN
