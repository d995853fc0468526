// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end runs of the hammer against the module: a stock kernel loses
 * nothing while the real mkclean paths run; the injected lost-flush bug is
 * caught, with offsets and stamps, within 10 s, and so is the stale
 * PTE write-back of accessflags_stale; a run that exercised
 * nothing is INCONCLUSIVE, never PASS; a killed hammer leaks nothing.
 */
#include <dirent.h>
#include "dr_test.h"
#include "kselftest_harness.h"
#include <sys/mount.h>

#define JSON "/tmp/dr_run.json"

FIXTURE(run) {
	int unused;
};

FIXTURE_SETUP(run)
{
	const char *why = dr_missing_prereq();

	if (why)
		DR_SETUP_SKIP("%s", why);
	unlink(JSON);
}

FIXTURE_TEARDOWN(run)
{
}

TEST_F_TIMEOUT(run, clean_mkclean_loses_nothing, 120)
{
	const char *const args[] = { "--duration", "20", "--json", JSON, NULL };

	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(args));
	EXPECT_EQ(0, dr_json_num(JSON, "lost_writes"));
	EXPECT_EQ(0, dr_json_num(JSON, "violations"));
	EXPECT_LE(10000, dr_json_num(JSON, "folio_mkclean"));
	EXPECT_LT(0, dr_json_num(JSON, "ptep_clear_flush"));
	EXPECT_LT(0, dr_json_num(JSON, "__filemap_remove_folio"));
	EXPECT_LT(10, dr_json_num(JSON, "rounds"));
}

TEST_F_TIMEOUT(run, multi_process_clean, 120)
{
	const char *const args[] = { "--duration", "10", "--procs", "2", "--threads", "2",
			       "--mkclean-threads", "2", "--json", JSON, NULL };

	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(args));
	EXPECT_EQ(0, dr_json_num(JSON, "lost_writes"));
	EXPECT_LT(0, dr_json_num(JSON, "folio_mkclean"));
}

TEST_F_TIMEOUT(run, inject_mkclean_noflush_detected, 120)
{
	const char *const args[] = { "--duration", "15", "--inject", DR_INJECT_MKCLEAN_NOFLUSH,
			       "--json", JSON, NULL };
	int rc = dr_hammer_run(args);
	static char buf[1 << 16];
	long long first;

	DR_ACCEPT_CLEAN_IF(dr_detection_weak(), rc, JSON, "inject.ptes",
			   "-cpu max, or a debug kernel");
	EXPECT_EQ(DR_EXIT_LOST, rc);
	EXPECT_LT(0, dr_json_num(JSON, "lost_writes"));
	first = dr_json_num(JSON, "first_detection_ms");
	EXPECT_LE(0, first);
	EXPECT_GE(10000, first);
	/* A finding names where and what: offset and both stamps. */
	EXPECT_LE(4096, dr_json_num(JSON, "offset"));
	EXPECT_LT(0, dr_json_num(JSON, "expected_seq"));
	/* Every finding is counted, and the suspect is the inject. */
	EXPECT_EQ(dr_json_num(JSON, "lost_writes") + dr_json_num(JSON, "violations"),
		  dr_json_num(JSON, "findings_total"));
	EXPECT_EQ(dr_json_num(JSON, "findings_total") > 100,
		  dr_json_num(JSON, "findings_listed") == 100);
	ASSERT_EQ(0, dr_json_load(JSON, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "\"suspect\": \"the injected bug (--inject "
			       DR_INJECT_MKCLEAN_NOFLUSH ")\""));
}

/*
 * The software dirty-bit shape: a fault writes a stale clean PTE back
 * over another fault's dirty bit (on arm64 guests under -cpu cortex-a57,
 * which has no hardware dirty-bit management, too).
 */
TEST_F_TIMEOUT(run, inject_accessflags_stale_detected, 120)
{
	const char *const args[] = { "--duration", "15", "--inject", DR_INJECT_ACCESSFLAGS_STALE,
			       "--json", JSON, NULL };
	int rc = dr_hammer_run(args);

	/*
	 * kcsan: 232 stale PTEs written back, 0 lost in 15 s. arm64 7.2
	 * under -cpu max (hardware dirty bits), whose ext4 caches large
	 * folios: 0 lost in 15 s (any other dirtied page of a folio saves
	 * the store; cortex-a57 and x86 7.2 catch it).
	 */
	DR_ACCEPT_CLEAN_IF(dr_debug_kernel() ||
			   (dr_detection_weak() && dr_json_num(JSON, "max_order_written") > 0),
			   rc, JSON, "inject.stale_ptes", "a debug kernel, or -cpu max with large folios");
	EXPECT_EQ(DR_EXIT_LOST, rc);
	EXPECT_LT(0, dr_json_num(JSON, "lost_writes"));
	EXPECT_LE(0, dr_json_num(JSON, "first_detection_ms"));
	EXPECT_LT(0, dr_json_num(JSON, "inject.stale_ptes"));
	EXPECT_LT(0, dr_json_num(JSON, "kprobe.ptep_set_access_flags"));
}

TEST_F_TIMEOUT(run, engines_none_is_inconclusive, 60)
{
	const char *const args[] = { "--duration", "3", "--engines", "none", "--json", JSON, NULL };

	EXPECT_EQ(DR_EXIT_INCONCLUSIVE, dr_hammer_run(args));
	EXPECT_EQ(0, dr_json_num(JSON, "lost_writes"));
}

TEST_F_TIMEOUT(run, tmpfs_dir_refused, 30)
{
	char dir[] = "/tmp/dr-run-XXXXXX";
	const char *const argv[] = { dr_hammer(), "run", "--dir", dir, "--duration", "2", NULL };
	pid_t pid;

	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, mount("tmpfs", dir, "tmpfs", 0, NULL));
	pid = fork();
	if (!pid) {
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	EXPECT_EQ(DR_EXIT_USAGE, dr_hammer_wait(pid));
	umount(dir);
	rmdir(dir);
}

/*
 * Bad options exit 2 at parse time, before the fill or any knob write,
 * with a message naming what was wrong (not the module's bare EINVAL).
 */
TEST_F_TIMEOUT(run, bad_options_are_usage_errors, 60)
{
	static const struct {
		const char *args[5];
		const char *says;
	} bad[] = {
		{ { "--duration", "abc" }, "bad number" },
		{ { "--inject", "bogus" }, "unknown --inject" },
		{ { "--file-size", "1000" }, "--file-size must be" },
		{ { "--engines", "mkclen" }, "unknown engine 'mkclen'" },
		{ { "--engines", "," }, "--engines needs a name" },
		{ { "--engines", "" }, "--engines needs a name" },
		{ { "--engines", "mkclean,," }, "--engines needs a name" },
		{ { "--engines",
		    "mkclean,migrate,stall,numa,ioremap,mkclean,migrate,stall,numa,ioremap" },
		  "--engines is longer than 63 bytes" },
		{ { "--agitate", "zap,," }, "--agitate takes" },
		{ { "--json", "/tmp/dr_run.link" }, "--json /tmp/dr_run.link is a symlink" },
		{ { "--threads", "65536", "--procs", "65536" }, "writers in all" },
		{ { "--file-size", "99999999999G" }, "bad number" },
		{ { "--duration", "100000" }, "--duration is at most" },
		/* The module's limit less the hammer's 60 s safety margin. */
		{ { "--duration", "86341" }, "--duration is at most" },
		{ { "--threads", "4294967297" }, "out of range" },
		{ { "--mkclean-threads", "65" }, "--mkclean-threads must be 1..64" },
		{ { "--migrate-batch", "0" }, "--migrate-batch must be 1..512" },
		{ { "--stall-us", "2001" }, "--stall-us must be 1..2000" },
		{ { "--stall-gap-us", "99" }, "--stall-gap-us must be 100..1000000" },
		{ { "--stall-sites", "8" }, "--stall-sites must be 0..7" },
		{ { "--evict-ms", "60001" }, "--evict-ms must be 0..60000" },
	};
	char err[1024];

	unlink("/tmp/dr_run.link");
	ASSERT_EQ(0, symlink("/tmp/dr_run.target", "/tmp/dr_run.link"));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(DR_EXIT_USAGE, dr_hammer_stderr(bad[i].args, err, sizeof(err)));
		EXPECT_NE(NULL, strstr(err, bad[i].says))
			TH_LOG("%s %s: wanted '%s', got: %s", bad[i].args[0],
			       bad[i].args[1], bad[i].says, err);
	}
	/* Nothing was bound or started; nothing written through the link. */
	EXPECT_EQ(0, dr_stat("running"));
	EXPECT_NE(0, access("/tmp/dr_run.target", F_OK));
	unlink("/tmp/dr_run.link");
}

/* Help and version are answers, not usage errors. */
TEST_F_TIMEOUT(run, help_and_version_exit_0, 30)
{
	static const char *const asks[] = { "-h", "--help", "--version" };

	for (size_t i = 0; i < ARRAY_SIZE(asks); i++) {
		const char *const argv[] = { dr_hammer(), asks[i], NULL };
		pid_t pid = fork();

		if (!pid) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, STDOUT_FILENO);
			execvp(argv[0], (char *const *)argv);
			_exit(127);
		}
		EXPECT_EQ(0, dr_hammer_wait(pid)) TH_LOG("dirtyrace %s", asks[i]);
	}
}

/* The default --dir . (and any relative one) works. */
TEST_F_TIMEOUT(run, relative_dir_works, 60)
{
	pid_t pid = fork();

	if (!pid) {
		if (chdir(dr_test_dir()))
			_exit(126);
		execlp(dr_hammer(), dr_hammer(), "run", "--quiet", "--duration", "3",
		       "--dir", ".", (char *)NULL);
		_exit(127);
	}
	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_wait(pid));
}

/* Entries of dir named dirtyrace-*: test files, cgroups. */
static int dirtyrace_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += !strncmp(e->d_name, "dirtyrace-", 10);
	if (d)
		closedir(d);
	return n;
}

/*
 * A --dir with spaces, longer than the module's 256-byte path limit, with
 * --keep (a named file): the hammer binds its open file, not the name.
 */
TEST_F_TIMEOUT(run, long_dir_with_spaces_works, 60)
{
	char dir[512], cmd[600];
	const char *const args[] = { "--duration", "3", "--keep", "--dir", dir, NULL };
	int n;

	n = snprintf(dir, sizeof(dir), "%s/dir with spaces", dr_test_dir());
	ASSERT_EQ(0, mkdir(dir, 0700));
	while (n < 300) {
		n += snprintf(dir + n, sizeof(dir) - n, "/%s", "a-rather-long-directory-name");
		ASSERT_EQ(0, mkdir(dir, 0700));
	}
	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(args));
	EXPECT_EQ(1, dirtyrace_entries(dir));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/dir with spaces'", dr_test_dir());
	EXPECT_EQ(0, system(cmd));
}

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f && !fgets(buf, len, f))
		buf[0] = '\0';
	if (f)
		fclose(f);
}

/* The writers' cgroup goes, and the root's controllers are as they were. */
TEST_F_TIMEOUT(run, cgroup_left_as_found, 60)
{
	const char *const args[] = { "--duration", "3", "--agitate", "reclaim", NULL };
	char before[256], after[256];

	if (access("/sys/fs/cgroup/cgroup.controllers", R_OK))
		SKIP(return, "no cgroup v2");
	read_line("/sys/fs/cgroup/cgroup.subtree_control", before, sizeof(before));
	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(args));
	read_line("/sys/fs/cgroup/cgroup.subtree_control", after, sizeof(after));
	EXPECT_STREQ(before, after);
	EXPECT_EQ(0, dirtyrace_entries("/sys/fs/cgroup"));
	EXPECT_EQ(0, dirtyrace_entries(dr_test_dir()));	/* nor a file */
}

/*
 * A run with agitators killed with SIGKILL leaves its empty cgroup, and
 * +memory on if it put it there; the next run, agitators or not, removes
 * the one and takes the other off again.
 */
TEST_F_TIMEOUT(run, killed_agitated_run_cleaned_by_next, 90)
{
	const char *const agitated[] = { "--duration", "30", "--agitate", "reclaim", NULL };
	const char *const plain[] = { "--duration", "2", NULL };
	char before[256], after[256];
	pid_t pid;

	if (access("/sys/fs/cgroup/cgroup.controllers", R_OK))
		SKIP(return, "no cgroup v2");
	read_line("/sys/fs/cgroup/cgroup.subtree_control", before, sizeof(before));
	pid = dr_hammer_spawn(agitated);
	EXPECT_TRUE(dr_wait_running(60));
	sleep(1);
	EXPECT_EQ(1, dirtyrace_entries("/sys/fs/cgroup"));
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, dr_hammer_wait(pid));
	usleep(500000);		/* the module's watchdog unbinds */
	EXPECT_EQ(1, dirtyrace_entries("/sys/fs/cgroup"));
	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(plain));
	EXPECT_EQ(0, dirtyrace_entries("/sys/fs/cgroup"));
	read_line("/sys/fs/cgroup/cgroup.subtree_control", after, sizeof(after));
	EXPECT_STREQ(before, after);
}

/*
 * Sixteen writers per CPU and a verify round at every coordinator tick
 * (20 ms): a writer woken late sleeps through a resume and the next pause
 * and must ack that pause too, or the run ends "writers did not pause"
 * (it did, on 6.1, before holding writers re-acked).
 */
TEST_F_TIMEOUT(run, crowded_writers_keep_pausing, 120)
{
	const char *const args[] = { "--duration", "10", "--threads", "16", "--procs", "2",
			       "--verify-interval", "1", "--json", JSON, NULL };

	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(args));
	/*
	 * 24 measured on 6.1; the KCSAN kernel managed 2 in 10 s, still a
	 * pause after a resume, which is what a late writer must survive.
	 */
	EXPECT_LT(dr_debug_kernel() ? 1 : 10, dr_json_num(JSON, "rounds"));
	EXPECT_EQ(0, dr_json_num(JSON, "lost_writes"));
}

/* Killed while it fills its file: no file is left (it never had a name). */
TEST_F_TIMEOUT(run, killed_during_fill_leaves_no_file, 60)
{
	const char *const args[] = { "--duration", "5", "--file-size", "128M", NULL };
	pid_t pid;

	ASSERT_EQ(0, dirtyrace_entries(dr_test_dir()));
	pid = dr_hammer_spawn(args);
	usleep(200000);
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, dr_hammer_wait(pid));
	EXPECT_EQ(0, dirtyrace_entries(dr_test_dir()));
}

/* A second hammer during a run is refused and leaves that run alone. */
TEST_F_TIMEOUT(run, second_hammer_leaves_run_alone, 120)
{
	const char *const first[] = { "--duration", "8", NULL };
	const char *const second[] = { "--duration", "3", NULL };
	pid_t pid = dr_hammer_spawn(first);

	EXPECT_TRUE(dr_wait_running(60));
	EXPECT_EQ(DR_EXIT_USAGE, dr_hammer_run(second));
	EXPECT_EQ(1, dr_stat("running"));
	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_wait(pid));
}

/*
 * A binding the hammer did not make is not its to drop: one made by hand
 * (no owner) and one a live process holds are left as they were.
 */
TEST_F_TIMEOUT(run, others_binding_left_alone, 60)
{
	const char *const args[] = { "--duration", "3", NULL };
	char path[300], spec[340], want[512], buf[512], err[1024];

	snprintf(path, sizeof(path), "%s/dr-other-%d", dr_test_dir(), getpid());
	ASSERT_EQ(0, dr_plain_file(path, 256 << 10));
	for (int owned = 0; owned < 2; owned++) {
		if (owned)
			snprintf(spec, sizeof(spec), "%s owner=%d", path, getpid());
		else
			snprintf(spec, sizeof(spec), "%s", path);
		ASSERT_EQ(0, dr_knob_write(DR_KNOB_TARGET, spec));
		ASSERT_EQ(0, dr_knob_read(DR_KNOB_TARGET, want, sizeof(want)));
		EXPECT_EQ(DR_EXIT_USAGE, dr_hammer_stderr(args, err, sizeof(err)));
		EXPECT_NE(NULL, strstr(err, owned ? "held by process" : "bound by hand"))
			TH_LOG("hammer said: %s", err);
		ASSERT_EQ(0, dr_knob_read(DR_KNOB_TARGET, buf, sizeof(buf)));
		EXPECT_STREQ(want, buf);
	}
	dr_knob_write(DR_KNOB_TARGET, "none");
	unlink(path);
}

/*
 * A 30 s run sent sig 1 s after it started: its exit status; *running
 * says whether it was running when the signal went.
 */
static int signalled_run(int sig, const char *inject, long long *running)
{
	const char *const args[] = { "--duration", "30", "--inject", inject, NULL };
	pid_t pid = dr_hammer_spawn(args);

	dr_wait_running(40);
	sleep(1);
	*running = dr_stat("running");
	kill(pid, sig);
	return dr_hammer_wait(pid);
}

/* SIGHUP and SIGPIPE end the run with the whole teardown, like SIGINT. */
TEST_F_TIMEOUT(run, sighup_sigpipe_tear_down, 90)
{
	static const int sigs[] = { SIGHUP, SIGPIPE };
	char buf[512];
	long long running;

	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		/* Exited, not killed; the inject was on. */
		EXPECT_GT(128, signalled_run(sigs[i], DR_INJECT_MKCLEAN_NOFLUSH, &running));
		EXPECT_EQ(1, running);
		EXPECT_EQ(0, dr_stat("running"));
		ASSERT_EQ(0, dr_knob_read(DR_KNOB_TARGET, buf, sizeof(buf)));
		EXPECT_STREQ("none\n", buf);
		ASSERT_EQ(0, dr_knob_read(DR_KNOB_INJECT, buf, sizeof(buf)));
		EXPECT_STREQ(DR_INJECT_NONE "\n", buf);
	}
}

/* SIGKILL mid-run: the module notices the owner is gone and cleans up. */
TEST_F_TIMEOUT(run, killed_hammer_leaks_nothing, 60)
{
	char buf[512];
	long long running;

	EXPECT_EQ(128 + SIGKILL, signalled_run(SIGKILL, DR_INJECT_NONE, &running));
	EXPECT_EQ(1, running);
	usleep(500000);
	EXPECT_EQ(0, dr_stat("running"));
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_TARGET, buf, sizeof(buf)));
	EXPECT_STREQ("none\n", buf);
	/* The module is reusable at once. */
	dr_knob_write(DR_KNOB_INJECT, DR_INJECT_NONE);
	{
		const char *const again[] = { "--duration", "3", NULL };

		EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(again));
	}
}

TEST_HARNESS_MAIN
