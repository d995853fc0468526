// SPDX-License-Identifier: GPL-2.0
/*
 * rmmod while the engines (mkclean and migrate) run under full agitation
 * is clean, the hammer survives it and says INCONCLUSIVE, a missing
 * module is a skip (exit 4) that names the fix, and the module loads
 * again and works.
 */
#include "dr_test.h"
#include "kselftest.h"
#include <sys/syscall.h>

static const char *ko_path(void)
{
	const char *p = getenv("DIRTYRACE_KO");

	return p ? p : "/dirtyrace.ko";
}

/* Parameters to load with again: the ioremap range it was loaded with. */
static char params[128];

static void save_params(void)
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
		snprintf(params, sizeof(params), "ioremap_range=%s", val);
}

static int load_module(void)
{
	int fd = open(ko_path(), O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* debugfs readers briefly pin the module: retry EBUSY/EAGAIN a while. */
static int unload_module(void)
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

int main(void)
{
	const char *args[] = { "--duration", "20", "--engines", "mkclean,migrate",
			       "--agitate", "all", NULL };
	const char *short_run[] = { "--duration", "3", NULL };
	const char *why = dr_missing_prereq();
	int rc, ret;
	pid_t pid;

	ksft_print_header();
	if (why)
		ksft_exit_skip("%s\n", why);
	if (access(ko_path(), R_OK))
		ksft_exit_skip("no module file at %s (set DIRTYRACE_KO)\n", ko_path());
	ksft_set_plan(5);
	save_params();

	pid = dr_hammer_spawn(args);
	sleep(4);
	ret = dr_stat("running") == 1 ? unload_module() : -ENOTCONN;
	ksft_test_result(ret == 0, "rmmod while the engines run (%d)\n", ret);

	/*
	 * Without the module's counts no verdict is better than
	 * INCONCLUSIVE (3). A signal, a PASS, a loss or a harness error is
	 * a defect.
	 */
	rc = dr_hammer_wait(pid);
	ksft_test_result(rc == 3,
			 "hammer survives rmmod with INCONCLUSIVE (exit %d)\n", rc);

	rc = dr_hammer_run(short_run);
	ksft_test_result(rc == DR_SKIP, "module not loaded gives exit 4 (exit %d)\n", rc);

	ret = load_module();
	ksft_test_result(ret == 0, "module loads again (%d)\n", ret);

	rc = ret ? -1 : dr_hammer_run(short_run);
	ksft_test_result(rc == 0, "a run after reload passes (exit %d)\n", rc);
	ksft_finished();
}
