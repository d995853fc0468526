// SPDX-License-Identifier: GPL-2.0
/* The verdict, human summary and JSON report of one run. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "hammer.h"

/* Kernel-path hit counters and the op counters of each engine step. */
static const enum dr_stat probe_stats[] = {
	DR_STAT_KP_MKCLEAN, DR_STAT_KP_PTE_FLUSH, DR_STAT_KP_WRITEBACK,
	DR_STAT_KP_EVICT, DR_STAT_KP_PMD_FREE, DR_STAT_KP_MIGRATE_PAGES,
	DR_STAT_KP_MIGRATE_FOLIO, DR_STAT_KP_FLUSH_MM, DR_STAT_KP_BATCH_FLUSH,
	DR_STAT_KP_SET_ACCESS,
};

static double share(long long n, long long of)
{
	return of > 0 ? (double)n / of : 0;
}

static double rate(long long n, double secs)
{
	return secs > 0 ? n / secs : 0;
}

static void stamp_str(char *buf, size_t len, uint64_t s)
{
	snprintf(buf, len, "0x%016llx (writer %u seq %llu)",
		 (unsigned long long)s, stamp_writer(s),
		 (unsigned long long)stamp_seq(s));
}

static void print_loss(const struct report *r, const struct loss *l)
{
	char exp[64], got[64];

	stamp_str(exp, sizeof(exp), l->expected);
	stamp_str(got, sizeof(got), l->found);
	printf("%s WRITE: offset 0x%llx page %llu slot %llu: expected %s, found %s; round %u at %.2f s; engines %s, inject %s\n",
	       strcmp(l->kind, "lost") ? "CORRUPT" : "LOST",
	       (unsigned long long)l->offset,
	       (unsigned long long)(l->offset / 4096),
	       (unsigned long long)l->slot, exp, got, l->round, l->t,
	       r->o->engines, r->o->inject);
}

/* Migrations per second: the module's engine and the libnuma migrator. */
static double module_migrations(const struct report *r)
{
	return rate(r->stats[DR_STAT_MIGRATE_MIGRATED], r->stats[DR_STAT_ELAPSED_MS] / 1000.0);
}

static double numa_migrations(const struct report *r)
{
	return rate(atomic_load(&r->numa->moved), r->elapsed);
}

static void print_stale(const struct report *r, const struct stale_rec *s)
{
	char who[32];

	if (s->writer == ORACLE_AGITATOR)
		snprintf(who, sizeof(who), "the %s agitator's probe",
			 s->kind == OR_ZAP ? "zap" : "batch");
	else
		snprintf(who, sizeof(who), "writer %u", s->writer);
	printf("STALE TLB: store at offset 0x%llx page %llu by %s completed at %.3f s, after %s of file range [0x%zx, 0x%zx) had returned; engines %s, inject %s\n",
	       (unsigned long long)s->offset, (unsigned long long)(s->offset / 4096),
	       who, s->t - r->tf->ctl->t0, oracle_name(s->kind), s->off,
	       s->off + s->len, r->o->engines, r->o->inject);
}

static unsigned int stale_recs(const struct report *r)
{
	unsigned int n = r->tf->ctl ? atomic_load(&r->tf->ctl->nstale_recs) : 0;

	return n < MAX_STALE ? n : MAX_STALE;
}

/* Each line of a module log file through fn(line, len). */
static void each_line(const char *log, void (*fn)(const char *l, int n, void *arg), void *arg)
{
	for (const char *l = log; *l; ) {
		size_t n = strcspn(l, "\n");

		fn(l, (int)n, arg);
		l += n + (l[n] == '\n');
	}
}

static void caller_human(const char *l, int n, void *arg)
{
	printf("%s%.*s", *(int *)arg ? ", " : "", n, l);
	++*(int *)arg;
}

static void mismatch_human(const char *l, int n, void *arg)
{
	(void)arg;
	printf("IOREMAP MISMATCH: %.*s\n", n, l);
}

/* A JSON array of strings: sep between items, lead before each. */
struct json_list {
	FILE *f;
	const char *sep, *lead;
	int n;
};

static void json_item(const char *l, int n, void *arg)
{
	struct json_list *j = arg;

	fprintf(j->f, "%s%s\"%.*s\"", j->n++ ? j->sep : "", j->lead, n, l);
}

#define SUSPECT_LEN	512

/*
 * Where a FAIL points, from what ran: the injected bug, else the flushes
 * the stall engine held (its call sites are in stall_callers), else the
 * engines' own kernel paths.
 */
static void caller_suspect(const char *l, int n, void *arg)
{
	char *buf = arg;
	size_t used = strlen(buf);

	snprintf(buf + used, SUSPECT_LEN - used, "%s%.*s",
		 buf[used - 1] == ' ' ? "" : "; ", n, l);
}

static const char *suspect(const struct report *r)
{
	static char buf[SUSPECT_LEN];

	if (r->exit_code != DR_EXIT_LOST)	/* set by verdict() */
		return "";
	if (strcmp(r->o->inject, DR_INJECT_NONE)) {
		snprintf(buf, sizeof(buf), "the injected bug (--inject %s)", r->o->inject);
		return buf;
	}
	if (engine_on(r->o, ENG_STALL) && r->stall_log[0]) {
		snprintf(buf, sizeof(buf), "a TLB flush the stall engine held, at: ");
		each_line(r->stall_log, caller_suspect, buf);
		return buf;
	}
	if (r->stats[DR_STAT_IOREMAP_MISMATCHES])
		return "huge ioremap's PTE-table free (pmd_free_pte_page) and its TLB purge";
	snprintf(buf, sizeof(buf), "a PTE change of the engines %s and their TLB flushes", r->o->engines);
	return buf;
}

/* One folio_orders row as "order:count" for each nonzero order. */
static void orders_human(const char *name, const long long *row)
{
	int n = 0;

	printf(" %s", name);
	for (int o = 0; o < DR_NR_ORDERS; o++)
		if (row[o])
			printf("%s%d%s:%lld", n++ ? "," : " ", o,
			       o == DR_NR_ORDERS - 1 ? "+" : "", row[o]);
	if (!n)
		printf(" -");
}

/* The agitators whose syscalls flush through flush_tlb_mm_range(). */
#define SYSCALL_FLUSH_AGITATORS	(1 << AG_ZAP | 1 << AG_MPROTECT | 1 << AG_MREMAP)

/* Did the stall engine clean inside its stalls (its stall_clean knob)? */
static bool stall_cleans(void)
{
	char buf[16];

	return knob_read(DR_KNOB_STALL_CLEAN, buf, sizeof(buf)) || atoi(buf) != 0;
}

/* Every selected engine must have driven its kernel path on this run. */
static bool exercised(const struct report *r)
{
	const long long *s = r->stats;
	bool mk = engine_on(r->o, ENG_MKCLEAN);
	bool io = engine_on(r->o, ENG_IOREMAP);
	bool mig = engine_on(r->o, ENG_MIGRATE);
	bool stall = engine_on(r->o, ENG_STALL);
	/* A migrator skipped for want of nodes neither passes nor fails a run. */
	bool numa = engine_on(r->o, ENG_NUMA) && !r->numa->skipped[0];

	if (mk && !(s[DR_STAT_KP_MKCLEAN] > 0 &&
		    (s[DR_STAT_MKCLEAN_FOLIOS] > 0 || s[DR_STAT_INJECT_PTES] > 0)))
		return false;
	if (io && !(s[DR_STAT_KP_PMD_FREE] > 0 && s[DR_STAT_IOREMAP_CYCLES] > 0))
		return false;
	if (mig && !(s[DR_STAT_KP_MIGRATE_PAGES] > 0 && s[DR_STAT_MIGRATE_MIGRATED] > 0))
		return false;
	if (numa && !atomic_load(&r->numa->moved))
		return false;
	if (stall && !(s[DR_STAT_KP_FLUSH_MM] + s[DR_STAT_KP_BATCH_FLUSH] > 0 &&
		       s[DR_STAT_STALL_STALLS] > 0))
		return false;
	/*
	 * The stall engine's race: a clean inside a held flush of a syscall.
	 * With agitators that make such flushes (zap, mprotect, mremap) and
	 * cleaning on, a run where none met is no test of it.
	 */
	if (stall && (r->o->agitate & SYSCALL_FLUSH_AGITATORS) && stall_cleans() &&
	    !(s[DR_STAT_KP_FLUSH_MM] > 0 && s[DR_STAT_STALL_CLEANS_SYSCALL] > 0))
		return false;
	/* Agitators must have agitated: each selected one made changes. */
	for (int a = 0; a < NR_AGITATORS; a++)
		if ((r->o->agitate & (1 << a)) && r->tf->nwriters &&
		    !atomic_load(&r->tf->ctl->agit_ops[a]))
			return false;
	return mk || io || mig || numa || stall;
}

const char *verdict(const struct report *r, int *code)
{
	bool large = orders_max_mapped(r->orders) > 0;

	if (r->v->lost || r->v->violations || r->stats[DR_STAT_IOREMAP_MISMATCHES]) {
		*code = DR_EXIT_LOST;
		return "FAIL (lost writes or ioremap mismatches)";
	}
	if (r->tf->ctl && atomic_load(&r->tf->ctl->stale)) {
		*code = DR_EXIT_LOST;
		return "FAIL (stale TLB: stores completed after the kernel revoked write access)";
	}
	if (!exercised(r) || (r->tf->nwriters && !r->writes)) {
		*code = DR_EXIT_INCONCLUSIVE;
		return "INCONCLUSIVE (the engines exercised no kernel path)";
	}
	/* An injected clean that never applied (every folio PMD-mapped). */
	if (!strcmp(r->o->inject, DR_INJECT_MKCLEAN_NOFLUSH) && !r->stats[DR_STAT_INJECT_PTES]) {
		*code = DR_EXIT_INCONCLUSIVE;
		return "INCONCLUSIVE (mkclean_noflush never applied: no PTE-mapped folio to clean)";
	}
	if (r->o->large_folios && !large) {
		*code = DR_EXIT_INCONCLUSIVE;
		return "INCONCLUSIVE (--large-folios: no large folio was written through; this kernel or file system caches none)";
	}
	*code = DR_EXIT_PASS;
	return "PASS";
}

void report_human(const struct report *r)
{
	const long long *s = r->stats;
	const struct verify_state *v = r->v;
	double t = r->elapsed, mt = s[DR_STAT_ELAPSED_MS] / 1000.0;
	struct utsname u;
	unsigned int i;

	uname(&u);
	for (i = 0; i < v->nrecs && i < 20; i++)
		print_loss(r, &v->recs[i]);
	each_line(r->io_log, mismatch_human, NULL);
	if (v->lost + v->violations > 20)
		printf("... %llu more: %u in all in the JSON report%s\n",
		       (unsigned long long)(v->lost + v->violations - 20), v->nrecs,
		       v->lost + v->violations > v->nrecs ? ", which keeps the first ones only" : "");
	for (i = 0; i < stale_recs(r) && i < 10; i++)
		print_stale(r, &r->tf->ctl->stale_recs[i]);
	printf("dirtyrace run on %s: %llu KiB file, %u writers (%u threads x %u processes), %d NUMA node(s), %.1f s\n",
	       u.release, (unsigned long long)(r->tf->size >> 10), r->tf->nwriters,
	       r->o->threads, r->o->procs, r->numa_nodes, t);
	printf("  engines %s, inject %s\n", r->o->engines, r->o->inject);
	printf("  writes        %llu (%.0f/s), %u verify rounds\n",
	       (unsigned long long)r->writes, rate(r->writes, t), v->rounds);
	/* An engine's lines only when it was selected or did something. */
	if (engine_on(r->o, ENG_MKCLEAN) || s[DR_STAT_MKCLEAN_FOLIOS]) {
		printf("  mkclean       %lld passes, %lld folios (%.0f/s), %lld re-dirtied\n",
		       s[DR_STAT_MKCLEAN_PASSES], s[DR_STAT_MKCLEAN_FOLIOS],
		       rate(s[DR_STAT_MKCLEAN_FOLIOS], mt), s[DR_STAT_MKCLEAN_DIRTY]);
		printf("  writeback     %lld ops, %lld errors\n", s[DR_STAT_WRITEBACK_OPS],
		       s[DR_STAT_WRITEBACK_ERRORS]);
		printf("  evict         %lld ops, %lld pages\n", s[DR_STAT_EVICT_OPS],
		       s[DR_STAT_EVICT_PAGES]);
	}
	if (s[DR_STAT_INJECT_PTES] || s[DR_STAT_INJECT_PMD_SKIPPED])
		printf("  inject        %lld PTEs cleaned without TLB flush, %lld PMD-mapped folio mappings left to the kernel\n",
		       s[DR_STAT_INJECT_PTES], s[DR_STAT_INJECT_PMD_SKIPPED]);
	if (s[DR_STAT_INJECT_STALE_PTES])
		printf("  inject        %lld stale clean PTEs written back over dirty ones, no TLB flush\n",
		       s[DR_STAT_INJECT_STALE_PTES]);
	if (s[DR_STAT_IOREMAP_CYCLES] || engine_on(r->o, ENG_IOREMAP))
		printf("  ioremap       %lld cycles (%.0f/s), VA reuse %.1f%%, huge %.1f%%, %lld words verified, %lld checker accesses, %lld mismatches, %lld stale PTEs injected\n",
		       s[DR_STAT_IOREMAP_CYCLES], rate(s[DR_STAT_IOREMAP_CYCLES], mt),
		       100 * share(s[DR_STAT_IOREMAP_VA_REUSE], s[DR_STAT_IOREMAP_CYCLES]),
		       100 * share(s[DR_STAT_IOREMAP_HUGE], s[DR_STAT_IOREMAP_CYCLES]),
		       s[DR_STAT_IOREMAP_WORDS], s[DR_STAT_IOREMAP_CHECKS],
		       s[DR_STAT_IOREMAP_MISMATCHES], s[DR_STAT_IOREMAP_INJECTED]);
	if (s[DR_STAT_MIGRATE_CALLS] || engine_on(r->o, ENG_MIGRATE)) {
		int nodes = r->numa_nodes < 1 ? 1 : r->numa_nodes > DR_MIG_NODES ? DR_MIG_NODES :
			    r->numa_nodes;

		printf("  migrate       %lld pages migrated (%.0f/s), %lld failed, %lld busy at isolation, %lld calls, %lld errors, copies to node",
		       s[DR_STAT_MIGRATE_MIGRATED], module_migrations(r),
		       s[DR_STAT_MIGRATE_FAILED], s[DR_STAT_MIGRATE_ISOLATE_BUSY],
		       s[DR_STAT_MIGRATE_CALLS], s[DR_STAT_MIGRATE_ERRORS]);
		for (int n = 0; n < nodes; n++)
			printf(" %d: %lld%s", n, s[DR_STAT_MIGRATE_NODE0 + n], n + 1 < nodes ? "," : "");
		printf(" (%lld cross-node), %lld unmaps and %lld batch flushes skipped\n",
		       s[DR_STAT_MIGRATE_CROSS_NODE], s[DR_STAT_MIGRATE_INJECT_PTES],
		       s[DR_STAT_MIGRATE_INJECT_BATCH]);
	}
	if (s[DR_STAT_STALL_STALLS] || engine_on(r->o, ENG_STALL))
		printf("  stall         %lld flushes held (%.0f/s), mean %.0f us, max %.0f us, %lld skipped; %lld cleans (%lld inside a stall), %lld pages evicted, %lld flushes skipped by inject\n",
		       s[DR_STAT_STALL_STALLS], rate(s[DR_STAT_STALL_STALLS], mt),
		       share(s[DR_STAT_STALL_NS], s[DR_STAT_STALL_STALLS]) / 1000,
		       s[DR_STAT_STALL_MAX_NS] / 1000.0, s[DR_STAT_STALL_SKIPPED],
		       s[DR_STAT_STALL_CLEANS], s[DR_STAT_STALL_CLEANS_INSIDE],
		       s[DR_STAT_STALL_EVICTED], s[DR_STAT_STALL_INJECT]);
	if (r->stall_log[0]) {
		int n = 0;

		printf("  stall callers ");
		each_line(r->stall_log, caller_human, &n);
		printf("\n");
	}
	if (engine_on(r->o, ENG_NUMA) && r->numa->skipped[0])
		printf("  numa          skipped: %s\n", r->numa->skipped);
	else if (engine_on(r->o, ENG_NUMA))
		printf("  numa          %llu pages moved (%.0f/s) in %llu move_pages calls; module/libnuma migrations/s ratio %.2f\n",
		       (unsigned long long)atomic_load(&r->numa->moved), numa_migrations(r),
		       (unsigned long long)atomic_load(&r->numa->calls),
		       numa_migrations(r) > 0 ? module_migrations(r) / numa_migrations(r) : 0);
	if (r->o->agitate) {
		printf("  agitators    ");
		for (int a = 0; a < NR_AGITATORS; a++)
			if (r->o->agitate & (1 << a))
				printf(" %s=%llu (%llu failed)", agitator_name(a),
				       (unsigned long long)atomic_load(&r->tf->ctl->agit_ops[a]),
				       (unsigned long long)atomic_load(&r->tf->ctl->agit_errors[a]));
		printf("; %llu faulted stores (not owed)\n",
		       (unsigned long long)writers_faulted(r->tf));
		if (r->o->agitate & ORACLE_AGITATORS)
			printf("  oracle        %llu stores into read-only or moved-away ranges, %llu completed (stale TLB)\n",
			       (unsigned long long)writers_oracle_checks(r->tf),
			       (unsigned long long)atomic_load(&r->tf->ctl->stale));
	}
	printf("  folio orders  written through (most mapped at a verify round):");
	orders_human("", r->orders[DR_ORDER_MAPPED]);
	printf(";");
	for (i = DR_ORDER_MAPPED + 1; i < DR_NR_ORDER_ROWS; i++)
		orders_human(order_rows[i], r->orders[i]);
	printf("\n");
	printf("  kernel paths ");
	for (i = 0; i < sizeof(probe_stats) / sizeof(probe_stats[0]); i++)
		printf(" %s=%lld", stat_key(probe_stats[i]) + strlen("kprobe."),
		       s[probe_stats[i]]);
	printf("\n  lost writes   %llu, other violations %llu",
	       (unsigned long long)v->lost, (unsigned long long)v->violations);
	if (v->first_detect >= 0)
		printf(", first detected at %.2f s", v->first_detect);
	if (suspect(r)[0])
		printf("\n  suspect       %s", suspect(r));
	printf("\nverdict: %s\n", r->verdict);
}

int report_json(const struct report *r, const char *path)
{
	const long long *s = r->stats;
	const struct verify_state *v = r->v;
	double mt = s[DR_STAT_ELAPSED_MS] / 1000.0;
	/* Never through a symlink: as root that could clobber any file. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	struct utsname u;
	unsigned int i;

	if (!f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	uname(&u);
	fprintf(f, "{\n  \"verdict\": \"%s\",\n  \"exit_code\": %d,\n",
		r->verdict, r->exit_code);
	fprintf(f, "  \"kernel\": \"%s\",\n  \"duration_s\": %.3f,\n", u.release, r->elapsed);
	fprintf(f, "  \"threads\": %u,\n  \"procs\": %u,\n  \"burst\": %u,\n  \"numa_nodes\": %d,\n",
		r->o->threads, r->o->procs, r->o->burst, r->numa_nodes);
	fprintf(f, "  \"file_size\": %llu,\n  \"slots\": %llu,\n",
		(unsigned long long)r->tf->size, (unsigned long long)r->tf->nslots);
	fprintf(f, "  \"engines\": \"%s\",\n  \"inject\": \"%s\",\n  \"seed\": %llu,\n",
		r->o->engines, r->o->inject, (unsigned long long)r->o->seed);
	fprintf(f, "  \"rounds\": %u,\n  \"writes\": %llu,\n  \"writes_per_s\": %.1f,\n",
		v->rounds, (unsigned long long)r->writes, rate(r->writes, r->elapsed));
	fprintf(f, "  \"lost_writes\": %llu,\n  \"violations\": %llu,\n",
		(unsigned long long)v->lost, (unsigned long long)v->violations);
	if (v->first_detect >= 0)
		fprintf(f, "  \"first_detection_ms\": %.0f,\n", v->first_detect * 1000);
	else
		fprintf(f, "  \"first_detection_ms\": null,\n");
	fprintf(f, "  \"engine_rates\": {\n");
	fprintf(f, "    \"mkclean\": {\"passes\": %lld, \"folios\": %lld, \"folios_per_s\": %.1f, \"redirtied\": %lld},\n",
		s[DR_STAT_MKCLEAN_PASSES], s[DR_STAT_MKCLEAN_FOLIOS],
		rate(s[DR_STAT_MKCLEAN_FOLIOS], mt), s[DR_STAT_MKCLEAN_DIRTY]);
	fprintf(f, "    \"writeback\": {\"ops\": %lld, \"ops_per_s\": %.1f, \"errors\": %lld},\n",
		s[DR_STAT_WRITEBACK_OPS], rate(s[DR_STAT_WRITEBACK_OPS], mt),
		s[DR_STAT_WRITEBACK_ERRORS]);
	fprintf(f, "    \"evict\": {\"ops\": %lld, \"ops_per_s\": %.1f, \"pages\": %lld},\n",
		s[DR_STAT_EVICT_OPS], rate(s[DR_STAT_EVICT_OPS], mt),
		s[DR_STAT_EVICT_PAGES]);
	fprintf(f, "    \"ioremap\": {\"cycles\": %lld, \"cycles_per_s\": %.1f, \"va_reuse_rate\": %.4f, \"huge_rate\": %.4f, \"words_verified\": %lld, \"checker_accesses\": %lld, \"mismatches\": %lld, \"errors\": %lld, \"injected\": %lld}\n  },\n",
		s[DR_STAT_IOREMAP_CYCLES], rate(s[DR_STAT_IOREMAP_CYCLES], mt),
		share(s[DR_STAT_IOREMAP_VA_REUSE], s[DR_STAT_IOREMAP_CYCLES]),
		share(s[DR_STAT_IOREMAP_HUGE], s[DR_STAT_IOREMAP_CYCLES]),
		s[DR_STAT_IOREMAP_WORDS], s[DR_STAT_IOREMAP_CHECKS],
		s[DR_STAT_IOREMAP_MISMATCHES], s[DR_STAT_IOREMAP_ERRORS],
		s[DR_STAT_IOREMAP_INJECTED]);
	fprintf(f, "  \"migrate\": {\"migrated\": %lld, \"failed\": %lld, \"isolate_busy\": %lld, \"calls\": %lld, \"errors\": %lld, \"to_node\": [%lld, %lld, %lld, %lld], \"cross_node\": %lld, \"inject_ptes\": %lld, \"inject_batch_flushes\": %lld},\n",
		s[DR_STAT_MIGRATE_MIGRATED], s[DR_STAT_MIGRATE_FAILED],
		s[DR_STAT_MIGRATE_ISOLATE_BUSY], s[DR_STAT_MIGRATE_CALLS],
		s[DR_STAT_MIGRATE_ERRORS], s[DR_STAT_MIGRATE_NODE0], s[DR_STAT_MIGRATE_NODE1],
		s[DR_STAT_MIGRATE_NODE2], s[DR_STAT_MIGRATE_NODE3],
		s[DR_STAT_MIGRATE_CROSS_NODE], s[DR_STAT_MIGRATE_INJECT_PTES],
		s[DR_STAT_MIGRATE_INJECT_BATCH]);
	fprintf(f, "  \"numa\": {\"moved\": %llu, \"calls\": %llu, \"errors\": %llu, \"skipped\": %s%s%s},\n",
		(unsigned long long)atomic_load(&r->numa->moved),
		(unsigned long long)atomic_load(&r->numa->calls),
		(unsigned long long)atomic_load(&r->numa->errors),
		r->numa->skipped[0] ? "\"" : "", r->numa->skipped[0] ? r->numa->skipped : "null",
		r->numa->skipped[0] ? "\"" : "");
	fprintf(f, "  \"migrations_per_s\": {\"module\": %.1f, \"libnuma\": %.1f, \"module_to_libnuma\": ",
		module_migrations(r), numa_migrations(r));
	if (numa_migrations(r) > 0)
		fprintf(f, "%.2f},\n", module_migrations(r) / numa_migrations(r));
	else
		fprintf(f, "null},\n");
	fprintf(f, "  \"agitators\": {");
	for (int a = 0, n = 0; a < NR_AGITATORS; a++)
		if (r->o->agitate & (1 << a))
			fprintf(f, "%s\"%s\": {\"ops\": %llu, \"errors\": %llu}", n++ ? ", " : "",
				agitator_name(a),
				(unsigned long long)atomic_load(&r->tf->ctl->agit_ops[a]),
				(unsigned long long)atomic_load(&r->tf->ctl->agit_errors[a]));
	fprintf(f, "},\n  \"faulted_stores\": %llu,\n",
		(unsigned long long)writers_faulted(r->tf));
	fprintf(f, "  \"oracle_checks\": %llu,\n  \"stale_tlb_violations\": %llu,\n",
		(unsigned long long)(r->tf->ctl ? writers_oracle_checks(r->tf) : 0),
		(unsigned long long)(r->tf->ctl ? atomic_load(&r->tf->ctl->stale) : 0));
	fprintf(f, "  \"stale_tlb\": [");
	for (i = 0; i < stale_recs(r); i++) {
		const struct stale_rec *sr = &r->tf->ctl->stale_recs[i];

		fprintf(f, "%s\n    {\"offset\": %llu, \"page\": %llu, \"writer\": %u, \"probe\": %s, \"t_ms\": %.0f, \"after\": \"%s\", \"range\": [%zu, %zu]}",
			i ? "," : "", (unsigned long long)sr->offset,
			(unsigned long long)(sr->offset / 4096), sr->writer,
			sr->writer == ORACLE_AGITATOR ? "true" : "false",
			(sr->t - r->tf->ctl->t0) * 1000, oracle_name(sr->kind), sr->off,
			sr->off + sr->len);
	}
	fprintf(f, "%s],\n  \"stall_callers\": [", stale_recs(r) ? "\n  " : "");
	each_line(r->stall_log, json_item,
		  &(struct json_list){ .f = f, .sep = ", ", .lead = "" });
	fprintf(f, "],\n");
	fprintf(f, "  \"kernel_path_hits\": {");
	for (i = 0; i < sizeof(probe_stats) / sizeof(probe_stats[0]); i++)
		fprintf(f, "%s\"%s\": %lld", i ? ", " : "",
			stat_key(probe_stats[i]) + strlen("kprobe."), s[probe_stats[i]]);
	fprintf(f, "},\n  \"max_order_written\": %d,\n  \"folio_orders\": {",
		orders_max_mapped(r->orders));
	for (i = 0; i < DR_NR_ORDER_ROWS; i++) {
		fprintf(f, "%s\"%s\": [", i ? ", " : "", order_rows[i]);
		for (int o = 0; o < DR_NR_ORDERS; o++)
			fprintf(f, "%s%lld", o ? ", " : "", r->orders[i][o]);
		fprintf(f, "]");
	}
	fprintf(f, "},\n  \"module_stats\": {");
	for (i = 0; i < DR_NR_STATS; i++)
		fprintf(f, "%s\"%s\": %lld", i ? ", " : "", stat_key(i), s[i]);
	fprintf(f, "},\n  \"ioremap_mismatches\": [");
	each_line(r->io_log, json_item,
		  &(struct json_list){ .f = f, .sep = ",", .lead = "\n    " });
	/* The findings listed are the first MAX_REPORTED; the total is exact. */
	fprintf(f, "%s],\n  \"findings_total\": %llu,\n  \"findings_listed\": %u,\n  \"findings_truncated\": %s,\n",
		r->io_log[0] ? "\n  " : "", (unsigned long long)(v->lost + v->violations),
		v->nrecs, v->lost + v->violations > v->nrecs ? "true" : "false");
	fprintf(f, "  \"suspect\": \"%s\",\n  \"findings\": [", suspect(r));
	for (i = 0; i < v->nrecs; i++) {
		const struct loss *l = &v->recs[i];

		fprintf(f, "%s\n    {\"kind\": \"%s\", \"offset\": %llu, \"page\": %llu, \"slot\": %llu, \"expected\": \"0x%016llx\", \"found\": \"0x%016llx\", \"expected_seq\": %llu, \"found_seq\": %llu, \"writer\": %u, \"round\": %u, \"t_ms\": %.0f, \"engines\": \"%s\", \"inject\": \"%s\"}",
			i ? "," : "", l->kind, (unsigned long long)l->offset,
			(unsigned long long)(l->offset / 4096), (unsigned long long)l->slot,
			(unsigned long long)l->expected, (unsigned long long)l->found,
			(unsigned long long)stamp_seq(l->expected),
			(unsigned long long)stamp_seq(l->found), stamp_writer(l->expected),
			l->round, l->t * 1000, r->o->engines, r->o->inject);
	}
	fprintf(f, "%s]\n}\n", v->nrecs ? "\n  " : "");
	return fclose(f);
}
