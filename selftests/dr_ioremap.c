// SPDX-License-Identifier: GPL-2.0
/*
 * ioremap engine: clean huge-mapping cycles drive pmd_free_pte_page with
 * no mismatch; the injected stale kernel translation is caught; bad
 * ranges are refused with -EINVAL. Skips when no range is configured or
 * huge ioremap is off.
 */
#include "dr_test.h"
#include "kselftest_harness.h"

#define JSON "/tmp/dr_ioremap.json"

static void dr_io_reset(void)
{
	dr_knob_write(DR_KNOB_RUN, "0");
	dr_knob_write(DR_KNOB_INJECT, DR_INJECT_NONE);
	dr_knob_write(DR_KNOB_ENGINES, DR_ENGINE_MKCLEAN);
	dr_knob_write(DR_KNOB_TARGET, "none");
}

FIXTURE(io) {
	char range[64];		/* as configured, restored after each test */
};

FIXTURE_SETUP(io)
{
	const char *why = dr_missing_prereq();
	char *nl;

	if (why)
		DR_SETUP_SKIP("%s", why);
	dr_io_reset();
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_IOREMAP_RANGE, self->range, sizeof(self->range)));
	nl = strchr(self->range, '\n');
	if (nl)
		*nl = '\0';
#ifdef __aarch64__
	/* arm64's no-map reserved ranges do not tell free memory from firmware's. */
	if (!strcmp(self->range, "none"))
		DR_SETUP_SKIP("no ioremappable range: arm64 has no memmap=, and the module refuses no-map reserved memory");
#else
	if (!strcmp(self->range, "none"))
		DR_SETUP_SKIP("no ioremappable range: boot with memmap=8M\\$0x60000000 and load with ioremap_range=0x60000000,8M");
#endif
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_ENGINES, DR_ENGINE_IOREMAP));
}

FIXTURE_TEARDOWN(io)
{
	dr_io_reset();
	dr_knob_write(DR_KNOB_IOREMAP_RANGE, self->range);
}

/* Start the engine alone; skip when huge ioremap is off. */
#define IO_START()							\
	do {								\
		int __ret = dr_knob_write(DR_KNOB_RUN, "1");		\
		if (__ret == -EOPNOTSUPP)				\
			SKIP(return, "huge ioremap is off (nohugeiomap?)"); \
		ASSERT_EQ(0, __ret);					\
	} while (0)

/* 50 cycles, however long a debug kernel takes for them (up to 50 s). */
TEST_F_TIMEOUT(io, clean_cycles_free_pte_tables, 90)
{
	int i;

	IO_START();
	for (i = 0; i < 100 && dr_stat("ioremap.cycles") <= 50; i++)
		usleep(500 * 1000);
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_RUN, "0"));
	EXPECT_LT(50, dr_stat("ioremap.cycles"));
	EXPECT_LT(0, dr_stat("ioremap.va_reuse"));
	EXPECT_LT(0, dr_stat("ioremap.huge"));
	EXPECT_LT(0, dr_stat("kprobe.pmd_free_pte_page"));
	EXPECT_LT(0, dr_stat("ioremap.checker_accesses"));
	EXPECT_EQ(0, dr_stat("ioremap.mismatches"));
	EXPECT_EQ(0, dr_stat("ioremap.errors"));
}

TEST_F_TIMEOUT(io, injected_stale_translation_detected, 60)
{
	char log[4096];
	int i;

	ASSERT_EQ(0, dr_knob_write(DR_KNOB_INJECT, DR_INJECT_IOREMAP_NOFLUSH));
	IO_START();
	for (i = 0; i < 200 && dr_stat("ioremap.mismatches") <= 0; i++)
		usleep(100000);
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_RUN, "0"));
	EXPECT_LT(0, dr_stat("ioremap.injected"));
	EXPECT_LT(0, dr_stat("ioremap.mismatches"));
	ASSERT_EQ(0, dr_knob_read(DR_FILE_IOREMAP_MISMATCHES, log, sizeof(log)));
	EXPECT_NE(NULL, strstr(log, "phys=0x"));
	/* An offset in the mapping, never a kernel address. */
	EXPECT_NE(NULL, strstr(log, "off=0x"));
	EXPECT_NE(NULL, strstr(log, "expected=0x"));
	EXPECT_NE(NULL, strstr(log, "cpu="));
}

/*
 * "PHYS 4M" inside the first top-level /proc/iomem entry whose name starts
 * with prefix (a PCI window: memory, but not reserved for us), or "".
 */
static void iomem_range(const char *prefix, char *out, size_t len)
{
	unsigned long long start, end, at;
	char line[256], name[128];
	FILE *f = fopen("/proc/iomem", "r");

	out[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		if (line[0] == ' ' ||
		    sscanf(line, "%llx-%llx : %127[^\n]", &start, &end, name) != 3 ||
		    strncmp(name, prefix, strlen(prefix)))
			continue;
		at = (start + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
		if (at + (4ULL << 20) - 1 <= end) {
			snprintf(out, len, "0x%llx 4M", at);
			break;
		}
	}
	if (f)
		fclose(f);
}

/* "PHYS,SIZE" from NAME=PHYS,SIZE on the kernel command line, or "". */
static void dr_cmdline_range(const char *name, char *out, size_t len)
{
	char line[4096] = "", *p;
	FILE *f = fopen("/proc/cmdline", "r");

	out[0] = '\0';
	p = f && fgets(line, sizeof(line), f) ? strstr(line, name) : NULL;
	if (p && p[strlen(name)] == '=')
		snprintf(out, len, "%.*s", (int)strcspn(p + strlen(name) + 1, "\n "),
			 p + strlen(name) + 1);
	if (f)
		fclose(f);
}

TEST_F_TIMEOUT(io, bad_ranges_rejected, 30)
{
	char pci[64], after[64];
	static const char *const bad[] = {
		"abc", "0x60000000", "0x60000000 8Q", "0x60001000 8M",	/* unaligned phys */
		"0x60000000 3M",	/* unaligned size */
		"0x60000000 2M",	/* too small */
		"0x1000000 8M",		/* System RAM */
		"0x5fe00000 8M",	/* overlaps RAM and the reserved range */
		"0xfffffffffff00000 8M",/* wraps */
	};
	char now[64];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = dr_knob_write(DR_KNOB_IOREMAP_RANGE, bad[i]);

		EXPECT_EQ(-EINVAL, ret) {
			TH_LOG("ioremap_range <- '%s'", bad[i]);
		}
	}
	/* Memory that is not a reserved range: a PCI window. */
	iomem_range("PCI Bus", pci, sizeof(pci));
	if (pci[0]) {
		EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_IOREMAP_RANGE, pci)) {
			TH_LOG("ioremap_range <- '%s' (a PCI window)", pci);
		}
	} else {
		TH_LOG("no PCI window of 4 MiB in /proc/iomem to try");
	}
	/* Reserved, but inside a PCI window: refused before any access. */
	dr_cmdline_range("dr.pcireserved", pci, sizeof(pci));
	EXPECT_TRUE(!pci[0] || dr_knob_write(DR_KNOB_IOREMAP_RANGE, pci) == -EINVAL);
	/* Reserved at the top level, but no memory behind it: the probe. */
	dr_cmdline_range("dr.unbacked", pci, sizeof(pci));
	if (!pci[0])
		TH_LOG("no dr.unbacked= range on the command line to probe");
	EXPECT_TRUE(!pci[0] || dr_knob_write(DR_KNOB_IOREMAP_RANGE, pci) == -EIO);
	/* At the top level, but legacy PMEM (memmap=!) or ACPI data (memmap=#). */
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "dr.acpi" : "dr.pmem";

		dr_cmdline_range(name, pci, sizeof(pci));
		if (!pci[0])
			TH_LOG("no %s= range on the command line to try", name);
		EXPECT_TRUE(!pci[0] || dr_knob_write(DR_KNOB_IOREMAP_RANGE, pci) == -EINVAL) {
			TH_LOG("ioremap_range <- '%s' (%s)", pci, name);
		}
	}
	/* The configured range is good again, and busy while running. */
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_IOREMAP_RANGE, self->range));
	/* A bad value leaves it claimed as it was. */
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_IOREMAP_RANGE, now, sizeof(now)));
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_IOREMAP_RANGE, "0x1000000 8M"));
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_IOREMAP_RANGE, after, sizeof(after)));
	EXPECT_STREQ(now, after);
	IO_START();
	EXPECT_EQ(-EBUSY, dr_knob_write(DR_KNOB_IOREMAP_RANGE, "none"));
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_RUN, "0"));
	ASSERT_EQ(0, dr_knob_read(DR_KNOB_IOREMAP_RANGE, now, sizeof(now)));
	EXPECT_NE(0, strcmp(now, "none\n"));
	/* Without a range the engine refuses to start. */
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_IOREMAP_RANGE, "none"));
	EXPECT_EQ(-ENXIO, dr_knob_write(DR_KNOB_RUN, "1"));
}

/* The claimed range, as ioremap_range reads: 0 or -1. */
static int range_now(unsigned long long *phys, unsigned long long *size)
{
	char buf[64];

	if (dr_knob_read(DR_KNOB_IOREMAP_RANGE, buf, sizeof(buf)) ||
	    sscanf(buf, "%llx %llu", phys, size) != 2)
		return -1;
	return 0;
}

/*
 * Moving the claim keeps one at every step: within its Reserved range
 * (which may have one child only, so the old claim goes first: what
 * cannot pass is refused before that) and to a range elsewhere (claimed
 * and probed before the old one goes).
 */
TEST_F_TIMEOUT(io, range_moves_keep_a_claim, 30)
{
	unsigned long long phys, size, p, s;
	char spec[64], elsewhere[64];

	ASSERT_EQ(0, range_now(&phys, &size));
	ASSERT_LE(8ULL << 20, size);
	snprintf(spec, sizeof(spec), "0x%llx 4M", phys + (4ULL << 20));
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_IOREMAP_RANGE, spec));
	ASSERT_EQ(0, range_now(&p, &s));
	EXPECT_EQ(phys + (4ULL << 20), p);
	EXPECT_EQ(4ULL << 20, s);
	/* Past the end of the Reserved range: refused, the claim stays. */
	snprintf(spec, sizeof(spec), "0x%llx %lluM", phys + (4ULL << 20), size >> 20);
	EXPECT_EQ(-EINVAL, dr_knob_write(DR_KNOB_IOREMAP_RANGE, spec));
	ASSERT_EQ(0, range_now(&p, &s));
	EXPECT_EQ(phys + (4ULL << 20), p);
	/* Elsewhere, but no memory behind it: the probe refuses, the claim stays. */
	dr_cmdline_range("dr.unbacked", elsewhere, sizeof(elsewhere));
	if (elsewhere[0]) {
		EXPECT_EQ(-EIO, dr_knob_write(DR_KNOB_IOREMAP_RANGE, elsewhere));
		ASSERT_EQ(0, range_now(&p, &s));
		EXPECT_EQ(phys + (4ULL << 20), p);
	}
	/* Back to the whole range, and the engine runs on it. */
	snprintf(spec, sizeof(spec), "0x%llx %llu", phys, size);
	ASSERT_EQ(0, dr_knob_write(DR_KNOB_IOREMAP_RANGE, spec));
	ASSERT_EQ(0, range_now(&p, &s));
	EXPECT_EQ(phys, p);
	EXPECT_EQ(size, s);
	IO_START();
	EXPECT_EQ(0, dr_knob_write(DR_KNOB_RUN, "0"));
}

TEST_F_TIMEOUT(io, hammer_reports_ioremap, 90)
{
	const char *const args[] = { "--duration", "10", "--engines", "mkclean,ioremap",
			       "--json", JSON, NULL };
	const char *const inj[] = { "--duration", "10", "--engines", DR_ENGINE_IOREMAP,
			      "--inject", DR_INJECT_IOREMAP_NOFLUSH, "--json", JSON, NULL };

	EXPECT_EQ(DR_EXIT_PASS, dr_hammer_run(args));
	EXPECT_LT(0, dr_json_num(JSON, "pmd_free_pte_page"));
	EXPECT_LT(0, dr_json_num(JSON, "folio_mkclean"));
	EXPECT_EQ(0, dr_json_num(JSON, "mismatches"));
	EXPECT_EQ(0, dr_json_num(JSON, "lost_writes"));
	EXPECT_EQ(DR_EXIT_LOST, dr_hammer_run(inj));
	EXPECT_LT(0, dr_json_num(JSON, "mismatches"));
}

TEST_HARNESS_MAIN
