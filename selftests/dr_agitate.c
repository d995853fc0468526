// SPDX-License-Identifier: GPL-2.0
/*
 * PTE agitators racing the writers under the owed-write protocol: each
 * alone and all together with the mkclean engine lose nothing on a stock
 * kernel and really agitate (nonzero op counts, oracle checks); turns
 * give each its own stretch; the injected lost flush is still caught with
 * every agitator on.
 */
#include "dr_test.h"
#include "kselftest_harness.h"

#define JSON "/tmp/dr_agitate.json"

/* "NAME": {"ops": N from the report's agitators object. */
static long long agit_ops(const char *name)
{
	char buf[1 << 16], pat[64], *p;

	if (dr_json_load(JSON, buf, sizeof(buf)))
		return -1;
	snprintf(pat, sizeof(pat), "\"%s\": {\"ops\": ", name);
	p = strstr(buf, pat);
	return p ? atoll(p + strlen(pat)) : -1;
}

FIXTURE(ag) {
	int unused;
};

FIXTURE_SETUP(ag)
{
	const char *why = dr_missing_prereq();

	if (why)
		DR_SETUP_SKIP("%s", why);
	unlink(JSON);
}

FIXTURE_TEARDOWN(ag)
{
}

FIXTURE_VARIANT(ag) {
	const char *agitator;
	bool oracle;	/* publishes ranges to the protection oracle */
};

FIXTURE_VARIANT_ADD(ag, zap) { .agitator = "zap", .oracle = true };
FIXTURE_VARIANT_ADD(ag, mremap) { .agitator = "mremap", .oracle = true };
FIXTURE_VARIANT_ADD(ag, mprotect) { .agitator = "mprotect", .oracle = true };
FIXTURE_VARIANT_ADD(ag, fork) { .agitator = "fork" };
FIXTURE_VARIANT_ADD(ag, reclaim) { .agitator = "reclaim" };

TEST_F_TIMEOUT(ag, alone_with_mkclean_clean, 60)
{
	const char *const args[] = { "--duration", "8", "--agitate", variant->agitator,
			       "--json", JSON, NULL };

	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(args));
	EXPECT_EQ(0, dr_json_num(JSON, "lost_writes"));
	EXPECT_EQ(0, dr_json_num(JSON, "violations"));
	EXPECT_LT(0, agit_ops(variant->agitator));
	EXPECT_LT(0, dr_json_num(JSON, "folio_mkclean"));
	/* A stock kernel keeps the oracle's promise, and it was tested. */
	EXPECT_EQ(0, dr_json_num(JSON, "stale_tlb_violations"));
	if (variant->oracle)
		EXPECT_LT(0, dr_json_num(JSON, "oracle_checks"));
}

FIXTURE(agall) {
	int unused;
};

FIXTURE_SETUP(agall)
{
	const char *why = dr_missing_prereq();

	if (why)
		DR_SETUP_SKIP("%s", why);
	unlink(JSON);
}

FIXTURE_TEARDOWN(agall)
{
}

TEST_F_TIMEOUT(agall, all_agitators_two_processes_clean, 90)
{
	const char *const args[] = { "--duration", "15", "--agitate", "all", "--procs", "2",
			       "--threads", "2", "--json", JSON, NULL };
	static const char *const all[] = { "zap", "mremap", "mprotect", "fork", "reclaim" };
	/*
	 * mremap moves whole ranges away while the agitators start: the
	 * hammer once let a new thread stack land in that hole and reported
	 * the stores that went there as lost (docs/protocol.md, "A false lost
	 * write, found and fixed").
	 */
	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(args));
	EXPECT_EQ(0, dr_json_num(JSON, "lost_writes"));
	EXPECT_EQ(0, dr_json_num(JSON, "violations"));
	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		EXPECT_LT(0, agit_ops(all[i]));
	/* The protocol was exercised: some stores faulted and were not owed. */
	EXPECT_LT(0, dr_json_num(JSON, "faulted_stores"));
}

/* Turns of 2 s: each of the two agitators ran in its own. */
TEST_F_TIMEOUT(agall, turns_give_every_agitator_a_turn, 60)
{
	const char *const args[] = { "--duration", "8", "--agitate", "zap,mprotect",
			       "--agitate-turns", "2000", "--json", JSON, NULL };

	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(args));
	EXPECT_EQ(0, dr_json_num(JSON, "lost_writes"));
	EXPECT_LT(0, agit_ops("zap"));
	EXPECT_LT(0, agit_ops("mprotect"));
}

/* Turns that do not all fit in the run are refused before it starts. */
TEST_F_TIMEOUT(agall, turns_longer_than_the_run_refused, 30)
{
	const char *const args[] = { "--duration", "8", "--agitate", "zap,mprotect",
			       "--agitate-turns", "5000", "--json", JSON, NULL };

	EXPECT_EQ(DR_EXIT_USAGE, dr_hammer_run(args));
	EXPECT_NE(0, access(JSON, F_OK));
}

/*
 * Under full agitation the writers are slow (about 1,000 stores/s on TCG)
 * and the agitators' own flushes close most stale windows: 15 s runs on
 * 6.12 lost 3 to 8 writes, first at 1 to 10 s, and one lost none. Hence
 * 30 s, and detection anywhere in the run.
 */
TEST_F_TIMEOUT(agall, inject_still_detected_under_full_agitation, 120)
{
	const char *const args[] = { "--duration", "30", "--agitate", "all",
			       "--inject", DR_INJECT_MKCLEAN_NOFLUSH, "--json", JSON, NULL };
	int rc = dr_hammer_run(args);
	long long first;

	DR_ACCEPT_CLEAN_IF(dr_detection_weak(), rc, JSON, "inject.ptes",
			   "-cpu max, or a debug kernel");
	EXPECT_EQ(DR_EXIT_LOST, rc);
	EXPECT_LT(0, dr_json_num(JSON, "lost_writes"));
	first = dr_json_num(JSON, "first_detection_ms");
	EXPECT_LE(0, first);
	EXPECT_GE(31000, first);
}

TEST_HARNESS_MAIN
