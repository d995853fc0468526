// SPDX-License-Identifier: GPL-2.0
/*
 * migrate engine: the kernel's migrate_pages() on mapped, written file
 * folios loses nothing on one node and across nodes, in every mode; the
 * libnuma migrator runs beside it (or is skipped cleanly on one node);
 * the injected stale-TLB migration is caught; NR_ISOLATED_* balances.
 */
#include <dirent.h>
#include <sys/mount.h>
#include "dr_test.h"
#include "kselftest_harness.h"

#define JSON "/tmp/dr_migrate.json"

static int online_nodes(void)
{
	DIR *d = opendir("/sys/devices/system/node");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += !strncmp(e->d_name, "node", 4) && e->d_name[4] >= '0' && e->d_name[4] <= '9';
	if (d)
		closedir(d);
	return n ? n : 1;
}

/* "to_node": [a, b, c, d] from the report: element i. */
static long long to_node(int i)
{
	char buf[1 << 16], *p;

	if (dr_json_load(JSON, buf, sizeof(buf)))
		return -1;
	p = strstr(buf, "\"to_node\": [");
	if (!p)
		return -1;
	p += strlen("\"to_node\": [");
	while (i-- > 0 && (p = strchr(p, ',')))
		p += 2;
	return p ? atoll(p) : -1;
}

static long long vmstat(const char *key)
{
	char line[128];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			v = atoll(line + klen + 1);
	if (f)
		fclose(f);
	return v;
}

FIXTURE(mig) {
	int nodes;
};

FIXTURE_SETUP(mig)
{
	const char *why = dr_missing_prereq();

	if (why)
		DR_SETUP_SKIP("%s", why);
	self->nodes = online_nodes();
	unlink(JSON);
}

FIXTURE_TEARDOWN(mig)
{
}

TEST_F_TIMEOUT(mig, same_node_clean, 90)
{
	const char *const args[] = { "--duration", "10", "--engines", "mkclean,migrate",
			       "--migrate-nodes", "same", "--json", JSON, NULL };

	ASSERT_EQ(DR_EXIT_PASS, dr_hammer_run(args));
	EXPECT_EQ(0, dr_json_num(JSON, "lost_writes"));
	EXPECT_LT(0, dr_json_num(JSON, "migrate_pages"));
	EXPECT_LT(0, dr_json_num(JSON, "folio_migrate_flags"));
	EXPECT_LT(1000, dr_json_num(JSON, "migrated"));
	/* Same node: every copy stayed on its folio's node. */
	EXPECT_EQ(0, dr_json_num(JSON, "cross_node"));
}

TEST_F_TIMEOUT(mig, all_nodes_with_libnuma_clean, 90)
{
	const char *const args[] = { "--duration", "15", "--engines", "mkclean,migrate,numa",
			       "--migrate-nodes", "all", "--json", JSON, NULL };
	char buf[1 << 16];

	ASSERT_EQ(DR_EXIT_PASS, dr_hammer_run(args));
	EXPECT_EQ(0, dr_json_num(JSON, "lost_writes"));
	EXPECT_LT(0, dr_json_num(JSON, "migrate_pages"));
	EXPECT_LT(1000, dr_json_num(JSON, "migrated"));
	ASSERT_EQ(0, dr_json_load(JSON, buf, sizeof(buf)));
	if (self->nodes >= 2) {
		/* Round-robin reached every node; libnuma moved pages too. */
		EXPECT_LT(0, to_node(0));
		EXPECT_LT(0, to_node(1));
		EXPECT_LT(0, dr_json_num(JSON, "cross_node"));
		EXPECT_LT(0, dr_json_num(JSON, "moved"));
		EXPECT_NE(NULL, strstr(buf, "\"skipped\": null"));
	} else {
		/* One node: the libnuma migrator is skipped, with its reason. */
		EXPECT_NE(NULL, strstr(buf, "\"skipped\": \"1 NUMA node"));
		EXPECT_EQ(0, dr_json_num(JSON, "moved"));
	}
}

TEST_F_TIMEOUT(mig, async_and_sync_light_modes_clean, 90)
{
	const char *const a1[] = { "--duration", "5", "--engines", "mkclean,migrate",
			     "--migrate-mode", "async", "--json", JSON, NULL };
	const char *const a2[] = { "--duration", "5", "--engines", "migrate",
			     "--migrate-mode", "sync_light", "--migrate-threads", "2",
			     "--json", JSON, NULL };

	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(a1));
	EXPECT_EQ(0, dr_json_num(JSON, "lost_writes"));
	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(a2));
	EXPECT_EQ(0, dr_json_num(JSON, "lost_writes"));
	EXPECT_LT(0, dr_json_num(JSON, "migrated"));
}

/*
 * arm64 6.5+ batches migration's unmaps too, but sends each TLBI when the
 * PTE is cleared; only the DSB waits for try_to_unmap_flush(). Skipping
 * that leaves nothing stale: the inject only reaches the unbatched retries
 * (6.12 -cpu cortex-a57: 0 lost in 10 s).
 */
static bool arm64_batched_unmap(void)
{
#ifdef __aarch64__
	return !dr_kernel_before(6, 5);
#else
	return false;
#endif
}

TEST_F_TIMEOUT(mig, injected_stale_tlb_migration_detected, 90)
{
	/*
	 * Four writers: with two, detection on 6.12 varied from 1 lost
	 * (first at 10.0 s, a CI failure) to 339 in 10 s over 7 runs; with
	 * four, 452 to 742 lost, first within 3 s.
	 */
	const char *const args[] = { "--duration", "10", "--threads", "4", "--engines", "migrate",
			       "--inject", DR_INJECT_MIGRATE_NOFLUSH, "--json", JSON, NULL };
	int rc = dr_hammer_run(args);
	long long first;

	EXPECT_LT(0, dr_json_num(JSON, "inject_ptes"));
	DR_ACCEPT_CLEAN_IF(dr_detection_weak() || arm64_batched_unmap(), rc, JSON, "inject_ptes",
			   "-cpu max, a debug kernel, or arm64's eager batched TLBIs");
	EXPECT_EQ(DR_EXIT_LOST, rc);
	EXPECT_LT(0, dr_json_num(JSON, "lost_writes"));
	first = dr_json_num(JSON, "first_detection_ms");
	EXPECT_LE(0, first);
	EXPECT_GE(10000, first);
}

/*
 * tmpfs: no writeback, so the cleaning engines are refused by name, but a
 * store through a stale TLB entry into a migrated-away page is lost there
 * too. With huge=always, shmem's large folios migrate into copies of
 * their order; the inject (small folios: its PTE hook) is still caught.
 */
TEST_F_TIMEOUT(mig, tmpfs_migrate_only, 120)
{
	char dir[] = "/tmp/dr-shm-XXXXXX";
	const char *const mk[] = { "--dir", dir, "--duration", "2", "--engines", "mkclean", NULL };
	const char *const huge[] = { "--dir", dir, "--duration", "6", "--engines", "migrate",
				     "--large-folios", "--json", JSON, NULL };
	const char *const inj[] = { "--dir", dir, "--duration", "10", "--threads", "4",
				    "--engines", "migrate", "--inject",
				    DR_INJECT_MIGRATE_NOFLUSH, "--json", JSON, NULL };
	int rc;

	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, mount("tmpfs", dir, "tmpfs", 0, "huge=always,size=256m"));
	EXPECT_EQ(DR_EXIT_USAGE, dr_hammer_run(mk));
	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(huge));
	EXPECT_EQ(0, dr_json_num(JSON, "lost_writes"));
	EXPECT_LT(0, dr_json_num(JSON, "migrated"));
	EXPECT_LT(0, dr_json_num(JSON, "max_order_written"));
	umount(dir);
	ASSERT_EQ(0, mount("tmpfs", dir, "tmpfs", 0, "huge=never,size=256m"));
	rc = dr_hammer_run(inj);
	umount(dir);
	rmdir(dir);
	EXPECT_LT(0, dr_json_num(JSON, "inject_ptes"));
	DR_ACCEPT_CLEAN_IF(dr_detection_weak() || arm64_batched_unmap(), rc, JSON, "inject_ptes",
			   "-cpu max, a debug kernel, or arm64's eager batched TLBIs");
	EXPECT_EQ(DR_EXIT_LOST, rc);
}

/* Everything isolated was migrated or put back: the counters return. */
TEST_F_TIMEOUT(mig, isolation_accounting_balances, 60)
{
	const char *const args[] = { "--duration", "5", "--engines", "mkclean,migrate",
			       "--migrate-threads", "2", "--migrate-batch", "512", NULL };

	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(args));
	sleep(1);
	EXPECT_EQ(0, vmstat("nr_isolated_file"));
	EXPECT_EQ(0, vmstat("nr_isolated_anon"));
}

/*
 * migrate_paused stops the running workers and lets them go again; every
 * start of the engine clears it, so a pause left by a killed hammer never
 * silences the next run. --agitate-turns drives it (migration in its own
 * turn) and the run still migrates.
 */
TEST_F_TIMEOUT(mig, paused_stops_workers_and_start_clears_it, 90)
{
	const char *const plain[] = { "--duration", "10", "--engines", "migrate",
			       "--json", JSON, NULL };
	const char *const turns[] = { "--duration", "6", "--engines", "migrate",
			       "--agitate", "zap", "--agitate-turns", "1000",
			       "--json", JSON, NULL };
	long long p1, p2, p3;
	char v[16];
	pid_t pid;

	ASSERT_EQ(0, dr_knob_write(DR_KNOB_MIGRATE_PAUSED, "1"));
	pid = dr_hammer_spawn(plain);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(dr_wait_running(20));
	sleep(2);
	EXPECT_EQ(0, dr_knob_read(DR_KNOB_MIGRATE_PAUSED, v, sizeof(v)));
	EXPECT_EQ(0, atoi(v));
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_MIGRATE_PAUSED, "1"));
	p1 = dr_stat("migrate.passes");
	sleep(1);
	p2 = dr_stat("migrate.passes");
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_MIGRATE_PAUSED, "0"));
	sleep(2);
	p3 = dr_stat("migrate.passes");
	/* The one worker ends at most the pass it was in. */
	EXPECT_LE(p2, p1 + 1);
	EXPECT_LT(p2 + 1, p3);
	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_wait(pid));
	unlink(JSON);
	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(turns));
	EXPECT_LT(0, dr_json_num(JSON, "migrated"));
	EXPECT_LT(0, dr_json_num(JSON, "oracle_checks"));
}

TEST_F_TIMEOUT(mig, bad_migrate_knobs_rejected, 30)
{
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_MIGRATE_PAUSED, "2"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_MIGRATE_MODE, "3"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_MIGRATE_NODES, "2"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_MIGRATE_BATCH, "0"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_MIGRATE_BATCH, "513"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_MIGRATE_THREADS, "0"));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_INJECT, "migrate"));
}

TEST_HARNESS_MAIN
