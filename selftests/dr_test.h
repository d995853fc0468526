/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the dirtyrace selftests: knobs, hammer runs, JSON. */
#ifndef DR_TEST_H
#define DR_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>
#include "dirtyrace.h"
#include "kselftest.h"

/*
 * The kselftest exit convention: a program whose every test skipped exits
 * 4 (KSFT_SKIP), so that a runner reports it as skipped, not passed. The
 * harness ends in exit() with 0; this runs after it, in the main process
 * only (each test's child exits on its own).
 */
static pid_t dr_main_pid;

static void dr_exit_skip_if_all_skipped(void)
{
	if (getpid() == dr_main_pid && ksft_cnt.ksft_xskip &&
	    ksft_cnt.ksft_xskip == ksft_test_num()) {
		fflush(NULL);	/* _exit() leaves stdio's buffers unwritten */
		_exit(KSFT_SKIP);
	}
}

static void __attribute__((constructor)) dr_skip_convention(void)
{
	dr_main_pid = getpid();
	atexit(dr_exit_skip_if_all_skipped);
}

/*
 * Skip from a FIXTURE_SETUP. 6.1's kselftest_harness still runs the body
 * after its setup skipped; 255 is how a test's child reports a skip.
 */
#define DR_SETUP_SKIP(fmt, ...)	SKIP(_exit(255), fmt, ##__VA_ARGS__)

/*
 * Under QEMU's arm64 -cpu max (emulated hardware dirty-bit management) a
 * stale writable TLB entry seldom outlives the injects' skipped flushes:
 * mkclean_noflush lost nothing in 15 s there and 89,819 writes under
 * cortex-a57 (docs/results.md). On make check-debug's kernels (KCSAN or
 * KASAN slow every path, so writers switch out, and lose their TLB
 * entries, before they store again) migrate_noflush lost nothing in 10 s
 * with 1,886 flushes skipped. There a test that an inject is caught
 * accepts a clean run once the inject has been exercised: that lane is
 * for kernel reports, make check for detection.
 */
/* Is the guest environment variable name set to "1"? */
static inline bool dr_env_is_1(const char *name)
{
	const char *v = getenv(name);

	return v && !strcmp(v, "1");
}

static inline bool dr_debug_kernel(void)
{
	return dr_env_is_1("DR_DEBUG_KERNEL");
}

static inline bool dr_detection_weak(void)
{
	const char *cpu = getenv("DR_GUEST_CPU");

	return (cpu && !strcmp(cpu, "max")) || dr_debug_kernel();
}

/*
 * In a test that an inject is caught: where detection is weak, a clean
 * run passes once the inject was exercised (its JSON counter key > 0).
 */
#define DR_ACCEPT_CLEAN_IF(weak, rc, json, key, why)			\
	do {								\
		if ((rc) == DR_EXIT_PASS && (weak)) {			\
			EXPECT_LT(0, dr_json_num(json, key));		\
			TH_LOG("%s: %lld injected, none caught", why,	\
			       dr_json_num(json, key));			\
			return;						\
		}							\
	} while (0)

/* Is the running kernel older than major.minor? */
static inline bool dr_kernel_before(int major, int minor)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return false;
	return a < major || (a == major && b < minor);
}

#define DR_DIR		DR_DEBUGFS_PATH

/* Where the tests create files: an ext4 mount (the guest's /mnt). */
static inline const char *dr_test_dir(void)
{
	const char *d = getenv("DIRTYRACE_DIR");

	return d ? d : "/mnt";
}

static inline const char *dr_hammer(void)
{
	const char *h = getenv("DIRTYRACE_BIN");

	return h ? h : "dirtyrace";
}

/* Why the suite cannot run here, or NULL. */
static inline const char *dr_missing_prereq(void)
{
	struct statfs sfs;

	if (geteuid())
		return "must run as root";
	if (statfs(DR_DEBUGFS_MOUNT, &sfs) || sfs.f_type != DEBUGFS_MAGIC)
		return "debugfs is not mounted (mount -t debugfs none /sys/kernel/debug)";
	if (access(DR_DIR, F_OK))
		return "dirtyrace module not loaded (insmod dirtyrace.ko)";
	return NULL;
}

/* One write(2) of exactly len bytes of val at offset off; 0 or -errno. */
static inline int dr_knob_pwrite(const char *knob, const char *val, size_t len, off_t off)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), DR_DIR "/%s", knob);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, val, len, off) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Write a knob; 0 or -errno. */
static inline int dr_knob_write(const char *knob, const char *val)
{
	return dr_knob_pwrite(knob, val, strlen(val), 0);
}

static inline int dr_knob_read(const char *knob, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), DR_DIR "/%s", knob);
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

/* One value from the stats file, -1 if absent. */
static inline long long dr_stat(const char *key)
{
	char buf[8192], *p;
	size_t klen = strlen(key);

	if (dr_knob_read(DR_FILE_STATS, buf, sizeof(buf)))
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return atoll(p + klen + 1);
	return -1;
}

/* The hammer's JSON report as a string; 0 or -1. */
static inline int dr_json_load(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

/* A number from our flat JSON report ("key": N), -1 if absent or null. */
static inline long long dr_json_num(const char *path, const char *key)
{
	char buf[1 << 16], pat[128], *p;

	if (dr_json_load(path, buf, sizeof(buf)))
		return -1;
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(buf, pat);
	if (!p || p[strlen(pat)] < '0' || p[strlen(pat)] > '9')
		return -1;
	return atoll(p + strlen(pat));
}

/*
 * Wait up to secs for a run to start: a hammer fills its file first, which
 * took over 4 s on make check-debug's KCSAN kernel.
 */
static inline bool dr_wait_running(int secs)
{
	for (int i = 0; i < secs * 10; i++) {
		if (dr_stat("running") == 1)
			return true;
		usleep(100000);
	}
	return false;
}

/*
 * Where a spawned hammer's report goes: not into the KTAP stream, where a
 * test that expects a FAIL would print "verdict: FAIL" for a log scanner
 * to misread. The JSON reports the tests ask for hold the same numbers.
 */
#define DR_HAMMER_OUT	"/tmp/dr_hammer.out"

/* Run the hammer with argv (NULL-terminated, without "dirtyrace run"). */
static inline pid_t dr_hammer_spawn(const char *const *args)
{
	const char *argv[32] = { dr_hammer(), "run", "--dir", dr_test_dir(), "--quiet" };
	int i, n = 5;
	pid_t pid;

	for (i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid = fork();
	if (!pid) {
		int out = open(DR_HAMMER_OUT, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (out >= 0)
			dup2(out, STDOUT_FILENO);
		/* A test killed at its timeout ends its hammer's run too. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Exit code of a hammer run, or 128+signal. */
static inline int dr_hammer_wait(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static inline int dr_hammer_run(const char *const *args)
{
	return dr_hammer_wait(dr_hammer_spawn(args));
}

/*
 * A hammer run with its stderr in buf (NUL-terminated, cut at len - 1):
 * its exit code, or 128+signal.
 */
static inline int dr_hammer_stderr(const char *const *args, char *buf, size_t len)
{
	int p[2], saved = dup(STDERR_FILENO), rc;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (saved < 0 || pipe(p))
		return -1;
	dup2(p[1], STDERR_FILENO);
	pid = dr_hammer_spawn(args);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	while (n + 1 < len && (r = read(p[0], buf + n, len - 1 - n)) > 0)
		n += r;
	buf[n] = '\0';
	while (read(p[0], &(char){ 0 }, 1) > 0)	/* the rest: never block it */
		;
	close(p[0]);
	rc = dr_hammer_wait(pid);
	return rc;
}

/* A plain file (no hammer header) of len bytes, read into the page cache. */
static inline int dr_plain_file(const char *path, size_t len)
{
	char buf[4096];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	memset(buf, 'x', sizeof(buf));
	for (size_t off = 0; off < len; off += sizeof(buf))
		if (pwrite(fd, buf, sizeof(buf), off) != sizeof(buf))
			return close(fd), -1;
	fsync(fd);
	for (size_t off = 0; off < len; off += sizeof(buf))
		if (pread(fd, buf, sizeof(buf), off) != sizeof(buf))
			return close(fd), -1;
	close(fd);
	return 0;
}

/*
 * Loading and unloading the module (dr_rmmod, dr_reload): DIRTYRACE_KO,
 * else the test guest's /dirtyrace.ko, else where make install put it
 * for the running kernel (extra/, maybe compressed by modules_install).
 */
static inline const char *dr_ko_path(void)
{
	static const char *const ext[] = { "", ".xz", ".zst", ".gz" };
	static char path[300];
	const char *p = getenv("DIRTYRACE_KO");
	struct utsname u;

	if (p)
		return p;
	if (!access("/dirtyrace.ko", R_OK) || uname(&u))
		return "/dirtyrace.ko";
	for (size_t i = 0; i < ARRAY_SIZE(ext); i++) {
		snprintf(path, sizeof(path), "/lib/modules/%s/extra/dirtyrace.ko%s",
			 u.release, ext[i]);
		if (!access(path, R_OK))
			return path;
	}
	return "/dirtyrace.ko";
}

/* KTAP header, then skip unless the suite can run and the .ko is there. */
static inline void dr_reload_prereq(void)
{
	const char *why = dr_missing_prereq();

	ksft_print_header();
	if (why)
		ksft_exit_skip("%s\n", why);
	if (access(dr_ko_path(), R_OK))
		ksft_exit_skip("no module file at %s (set DIRTYRACE_KO)\n", dr_ko_path());
}

/* Module parameters to load with again: the ioremap range it had. */
static char dr_params[128];

static inline void dr_save_params(void)
{
	char val[96] = "";
	int fd = open("/sys/module/dirtyrace/parameters/ioremap_range", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, val, sizeof(val) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	val[n] = '\0';
	val[strcspn(val, "\n")] = '\0';
	if (strcmp(val, "(null)"))
		snprintf(dr_params, sizeof(dr_params), "ioremap_range=%s", val);
}

static inline int dr_load_module(void)
{
	int fd = open(dr_ko_path(), O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	/* A compressed module: the kernel decompresses (MODULE_INIT_COMPRESSED_FILE). */
	ret = syscall(SYS_finit_module, fd, dr_params,
		      strstr(dr_ko_path(), ".ko.") ? 4 : 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* debugfs readers briefly pin the module: retry EBUSY/EAGAIN a while. */
static inline int dr_unload_module(void)
{
	for (int i = 0; i < 100; i++) {
		if (!syscall(SYS_delete_module, "dirtyrace", O_NONBLOCK))
			return 0;
		if (errno != EBUSY && errno != EAGAIN)
			return -errno;
		usleep(50000);
	}
	return -EBUSY;
}

#endif
