// SPDX-License-Identifier: GPL-2.0
/*
 * rmmod while the engines (mkclean and migrate) run under full agitation
 * is clean, the hammer survives it and says INCONCLUSIVE, a missing
 * module is a skip (exit 4) that names the fix, and the module loads
 * again and works.
 */
#include "dr_test.h"
#include "kselftest.h"

int main(void)
{
	const char *const args[] = { "--duration", "20", "--engines", "mkclean,migrate",
			       "--agitate", "all", NULL };
	const char *const short_run[] = { "--duration", "3", NULL };
	/* The guest's /tmp is tmpfs; a later --dir wins over the first. */
	const char *const tmpfs_run[] = { "--duration", "3", "--dir", "/tmp", NULL };
	int rc, ret;
	pid_t pid;

	dr_reload_prereq();
	ksft_set_plan(6);
	dr_save_params();

	pid = dr_hammer_spawn(args);
	ret = dr_wait_running(60) ? 0 : -ENOTCONN;
	sleep(2);		/* engines and agitators under way */
	if (!ret)
		ret = dr_stat("running") == 1 ? dr_unload_module() : -ENOTCONN;
	ksft_test_result(ret == 0, "rmmod while the engines run (%d)\n", ret);

	/*
	 * Without the module's counts no verdict is better than
	 * INCONCLUSIVE (3). A signal, a PASS, a loss or a harness error is
	 * a defect.
	 */
	rc = dr_hammer_wait(pid);
	ksft_test_result(rc == DR_EXIT_INCONCLUSIVE,
			 "hammer survives rmmod with INCONCLUSIVE (exit %d)\n", rc);

	rc = dr_hammer_run(short_run);
	ksft_test_result(rc == DR_EXIT_SKIP, "module not loaded gives exit 4 (exit %d)\n", rc);
	/* A --dir that cannot work is a usage error first, module or not. */
	rc = dr_hammer_run(tmpfs_run);
	ksft_test_result(rc == DR_EXIT_USAGE,
			 "module not loaded, tmpfs --dir gives exit 2 (exit %d)\n", rc);

	ret = dr_load_module();
	ksft_test_result(ret == 0, "module loads again (%d)\n", ret);

	rc = ret ? -1 : dr_hammer_run(short_run);
	ksft_test_result(rc == DR_EXIT_PASS, "a run after reload passes (exit %d)\n", rc);
	ksft_finished();
}
