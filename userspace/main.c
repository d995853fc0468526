// SPDX-License-Identifier: GPL-2.0
/*
 * dirtyrace run: write stamps through MAP_SHARED file pages from many
 * threads and processes while the module drives the kernel's clean,
 * writeback and eviction paths; verify from disk that no completed
 * store was lost.
 */
#include <errno.h>
#include <getopt.h>
#include <numa.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hammer.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: dirtyrace run [options]\n"
"       dirtyrace msync DIR SECONDS SIZE   (userspace msync(MS_SYNC) baseline for make bench)\n"
"  --dir DIR              where to create the test file (ext4/xfs/btrfs, not tmpfs) [.]\n"
"  --duration SEC         run time [30]\n"
"  --threads N            writer threads per process [online CPUs, at least 2]\n"
"  --procs N              writer processes, each with its own mapping [1]\n"
"  --burst N              stores per random pick, to consecutive own slots [8]\n"
"  --file-size SIZE       test file size, K/M/G suffix [8M]\n"
"  --engines LIST         mkclean, migrate, ioremap, stall (module) and numa (libnuma), or none [mkclean]\n"
"  --inject MODE          injected bug: none, mkclean_noflush, ioremap_noflush, migrate_noflush,\n"
"                         mprotect_noflush [none]\n"
"  --seed N               writer RNG seed [time]\n"
"  --json FILE            write a JSON report\n"
"  --verify-interval MS   time between verify rounds [1000]\n"
"  --mkclean-threads N    mkclean engine kthreads [1]\n"
"  --writeback-ms MS      engine writeback interval, 0 = off [10]\n"
"  --evict-ms MS          engine eviction interval, 0 = off [100]\n"
"  --migrate-threads N    migrate engine kthreads [1]\n"
"  --migrate-nodes WHERE  same (each folio to its own node) or all (round-robin) [all]\n"
"  --migrate-mode MODE    async, sync_light or sync [sync]\n"
"  --migrate-batch N      folios per migrate_pages() call [32]\n"
"  --stall-us US          stall engine: busy-wait before each held TLB flush [1000]\n"
"  --stall-gap-us US      stall engine: at least this between two stalls [3000]\n"
"  --stall-sites MASK     stall engine: 1 syscall flushes, 2 rmap-walk flushes, 4 reclaim batch [5]\n"
"  --no-stall-clean       stall engine: hold flushes without writing back and evicting their pages\n"
"  --agitate LIST         PTE agitators in each writer process: zap, mremap, mprotect,\n"
"                         fork, reclaim, batch, all or none [none]\n"
"  --pin                  pin writer n to CPU n (mod CPUs); other agitators than batch stay unpinned\n"
"  --stop-on-detect       end the run at the first lost write, stale store or mismatch\n"
"  --keep                 keep the test file\n"
"  --quiet                no progress lines\n"
"exit: 0 pass, 1 lost writes, 2 usage/setup error, 3 inconclusive, 4 skip\n");
}

/* Is NAME in the comma-separated LIST? */
bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (!p[n] || p[n] == ','))
			return true;
	return false;
}

/* Every --engines name: the module's, then the hammer's own libnuma migrator. */
static const char *const engine_names[] = {
	DR_ENGINE_MKCLEAN, DR_ENGINE_MIGRATE, DR_ENGINE_IOREMAP, DR_ENGINE_STALL,
	DR_ENGINE_NUMA,
};
#define NR_MODULE_ENGINES	4	/* all but numa */
#define NR_ENGINES	(sizeof(engine_names) / sizeof(engine_names[0]))

/* Every name in --engines is one; else say which are. */
static bool engines_known(const char *engines)
{
	char buf[sizeof(((struct opts *)0)->engines)], *tok, *save = NULL;
	size_t i;

	if (!strcmp(engines, "none"))
		return true;
	snprintf(buf, sizeof(buf), "%s", engines);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NR_ENGINES && strcmp(tok, engine_names[i]); i++)
			;
		if (i == NR_ENGINES) {
			fprintf(stderr, "dirtyrace: unknown engine '%s' in --engines (mkclean, migrate, numa, ioremap, stall, or none)\n",
				tok);
			return false;
		}
	}
	return buf[0];
}

static bool file_engines(const char *engines)
{
	return listed(engines, DR_ENGINE_MKCLEAN) || listed(engines, DR_ENGINE_MIGRATE) ||
	       listed(engines, DR_ENGINE_STALL) || listed(engines, DR_ENGINE_NUMA) ||
	       !strcmp(engines, "none");
}

static bool inject_known(const char *name)
{
	static const char *const injects[] = {
		DR_INJECT_NONE, DR_INJECT_MKCLEAN_NOFLUSH, DR_INJECT_IOREMAP_NOFLUSH,
		DR_INJECT_MIGRATE_NOFLUSH, DR_INJECT_MPROTECT_NOFLUSH,
	};

	for (size_t i = 0; i < sizeof(injects) / sizeof(injects[0]); i++)
		if (!strcmp(name, injects[i]))
			return true;
	return false;
}

static int parse_u(const char *s, unsigned long long *v, bool size)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -1;
	if (size && *end) {
		int sh = strchr("kK", *end) ? 10 : strchr("mM", *end) ? 20 :
			 strchr("gG", *end) ? 30 : -1;

		if (sh < 0 || *v > (~0ULL >> sh))
			return -1;
		*v <<= sh;
		end++;
	}
	return *end ? -1 : 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "dir", required_argument, 0, 'd' },
		{ "duration", required_argument, 0, 't' },
		{ "threads", required_argument, 0, 'T' },
		{ "procs", required_argument, 0, 'P' },
		{ "file-size", required_argument, 0, 's' },
		{ "burst", required_argument, 0, 'B' },
		{ "engines", required_argument, 0, 'e' },
		{ "inject", required_argument, 0, 'i' },
		{ "seed", required_argument, 0, 'S' },
		{ "json", required_argument, 0, 'j' },
		{ "verify-interval", required_argument, 0, 'v' },
		{ "mkclean-threads", required_argument, 0, 'm' },
		{ "writeback-ms", required_argument, 0, 'w' },
		{ "evict-ms", required_argument, 0, 'x' },
		{ "migrate-threads", required_argument, 0, 'M' },
		{ "migrate-nodes", required_argument, 0, 'N' },
		{ "migrate-mode", required_argument, 0, 'o' },
		{ "migrate-batch", required_argument, 0, 'b' },
		{ "stall-us", required_argument, 0, 'U' },
		{ "stall-gap-us", required_argument, 0, 'G' },
		{ "stall-sites", required_argument, 0, 'Y' },
		{ "no-stall-clean", no_argument, 0, 'C' },
		{ "agitate", required_argument, 0, 'a' },
		{ "pin", no_argument, 0, 'p' },
		{ "stop-on-detect", no_argument, 0, 'D' },
		{ "keep", no_argument, 0, 'k' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	unsigned long long v = 0;
	bool agitate_all = false, batch_ok;
	int c;

	static const char *const modes[] = { "async", "sync_light", "sync" };

	while ((c = getopt_long(argc, argv, "d:t:T:P:s:B:e:i:S:j:v:m:w:x:M:N:o:b:U:G:Y:Ca:Dpkqh", lo, NULL)) != -1) {
		if (strchr("tTPsBSvmwxMbUGY", c) && parse_u(optarg, &v, c == 's')) {
			fprintf(stderr, "dirtyrace: bad number for option: '%s'\n", optarg);
			return -1;
		}
		/* Kept in unsigned ints: a larger value would wrap silently. */
		if (strchr("TPBvmwxMbUGY", c) && v > UINT_MAX) {
			fprintf(stderr, "dirtyrace: number out of range: '%s'\n", optarg);
			return -1;
		}
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 't': o->duration = v; break;
		case 'T': o->threads = v; break;
		case 'P': o->procs = v; break;
		case 's': o->file_size = v; break;
		case 'B': o->burst = v > 512 ? 0 : v; break;
		case 'e': snprintf(o->engines, sizeof(o->engines), "%s", optarg); break;
		case 'i': o->inject = optarg; break;
		case 'S': o->seed = v; break;
		case 'j': o->json = optarg; break;
		case 'v': o->verify_ms = v; break;
		case 'm': o->mkclean_threads = v; break;
		case 'w': o->writeback_ms = v; break;
		case 'x': o->evict_ms = v; break;
		case 'M': o->migrate_threads = v; break;
		case 'b': o->migrate_batch = v; break;
		case 'U': o->stall_us = v; break;
		case 'G': o->stall_gap_us = v; break;
		case 'Y': o->stall_sites = v; break;
		case 'C': o->stall_clean = 0; break;
		case 'N':
			if (strcmp(optarg, "same") && strcmp(optarg, "all")) {
				fprintf(stderr, "dirtyrace: --migrate-nodes is same or all\n");
				return -1;
			}
			o->migrate_nodes = !strcmp(optarg, "all");
			break;
		case 'o':
			for (v = 0; v < 3 && strcmp(optarg, modes[v]); v++)
				;
			if (v == 3) {
				fprintf(stderr, "dirtyrace: --migrate-mode is async, sync_light or sync\n");
				return -1;
			}
			o->migrate_mode = v;
			break;
		case 'a':
			agitate_all = !strcmp(optarg, "all");
			o->agitate = agitators_parse(optarg);
			if (o->agitate < 0) {
				fprintf(stderr, "dirtyrace: --agitate takes zap, mremap, mprotect, fork, reclaim, batch, all or none\n");
				return -1;
			}
			break;
		case 'p': o->pin = true; break;
		case 'D': o->stop_on_detect = true; break;
		case 'k': o->keep = true; break;
		case 'q': o->quiet = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	/* The module binds absolute paths only. */
	if (!realpath(o->dir, o->dir_buf)) {
		fprintf(stderr, "dirtyrace: --dir %s: %s\n", o->dir, strerror(errno));
		return -1;
	}
	o->dir = o->dir_buf;
	if (optind != argc) {
		fprintf(stderr, "dirtyrace: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->threads || !o->procs || (unsigned long long)o->threads * o->procs > MAX_WRITERS) {
		fprintf(stderr, "dirtyrace: need 1..%d writers in all (--threads x --procs)\n", MAX_WRITERS);
		return -1;
	}
	if (!o->burst || o->burst > 512) {
		fprintf(stderr, "dirtyrace: --burst must be 1..512\n");
		return -1;
	}
	/* Batch needs the stall engine; "all" means all that can run here. */
	batch_ok = listed(o->engines, DR_ENGINE_STALL) && sysconf(_SC_NPROCESSORS_ONLN) >= 2;
	if (!batch_ok && agitate_all)
		o->agitate &= ~(1 << AG_BATCH);
	if ((o->agitate & 1 << AG_BATCH) && !batch_ok) {
		fprintf(stderr, "dirtyrace: --agitate batch needs the stall engine (--engines stall,...) and 2 or more CPUs\n");
		return -1;
	}
	if (o->agitate && !file_engines(o->engines)) {
		fprintf(stderr, "dirtyrace: --agitate needs writers: add mkclean, migrate, stall or numa to --engines\n");
		return -1;
	}
	if (o->file_size < (64 << 10) || o->file_size % 4096 || o->file_size > (1ULL << 34)) {
		fprintf(stderr, "dirtyrace: --file-size must be a multiple of 4K between 64K and 16G\n");
		return -1;
	}
	if (!o->duration || !o->verify_ms) {
		fprintf(stderr, "dirtyrace: --duration and --verify-interval must be > 0\n");
		return -1;
	}
	if (o->duration > DR_DURATION_MAX_S) {
		fprintf(stderr, "dirtyrace: --duration is at most %d s (the module's limit)\n",
			DR_DURATION_MAX_S);
		return -1;
	}
	if (!engines_known(o->engines))
		return -1;
	if (!inject_known(o->inject)) {
		fprintf(stderr, "dirtyrace: unknown --inject '%s' (none, mkclean_noflush, ioremap_noflush, migrate_noflush, mprotect_noflush)\n",
			o->inject);
		return -1;
	}
	return 0;
}

/* The module's part of --engines: all but the userspace numa migrator. */
static void module_engines(const char *engines, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NR_MODULE_ENGINES; i++)
		if (listed(engines, engine_names[i]))
			n += snprintf(buf + n, len - n, "%s%s", n ? "," : "", engine_names[i]);
	if (!n)
		snprintf(buf, len, "none");
}

/* This process bound the target: the module's state is its to tear down. */
static bool module_bound;

/* Configure the module for this run; returns 0 or an exit code. */
static int module_setup(const struct opts *o, const struct testfile *tf)
{
	const char *knob = DR_KNOB_RUN;
	char engines[64], running[8];
	int err = -EBUSY;

	/* Another run (a hammer's or an operator's) is not ours to touch. */
	if (!knob_read(DR_KNOB_RUN, running, sizeof(running)) && running[0] == '1')
		goto fail;
	module_engines(o->engines, engines, sizeof(engines));
#define SET(k, ...) (err = knob_write(knob = (k), __VA_ARGS__))
	/*
	 * Unbind first, so the inject knob is judged on our file. The
	 * duration is a safety net: the module stops by itself if we hang.
	 */
	if (SET(DR_KNOB_TARGET, "none") ||
	    SET(DR_KNOB_ENGINES, "%s", engines) ||
	    SET(DR_KNOB_MIGRATE_THREADS, "%u", o->migrate_threads) ||
	    SET(DR_KNOB_MIGRATE_NODES, "%u", o->migrate_nodes) ||
	    SET(DR_KNOB_MIGRATE_MODE, "%u", o->migrate_mode) ||
	    SET(DR_KNOB_MIGRATE_BATCH, "%u", o->migrate_batch) ||
	    SET(DR_KNOB_MKCLEAN_THREADS, "%u", o->mkclean_threads) ||
	    SET(DR_KNOB_WRITEBACK_MS, "%u", o->writeback_ms) ||
	    SET(DR_KNOB_EVICT_MS, "%u", o->evict_ms) ||
	    SET(DR_KNOB_STALL_US, "%u", o->stall_us) ||
	    SET(DR_KNOB_STALL_GAP_US, "%u", o->stall_gap_us) ||
	    SET(DR_KNOB_STALL_SITES, "%u", o->stall_sites) ||
	    SET(DR_KNOB_STALL_CLEAN, "%u", o->stall_clean) ||
	    SET(DR_KNOB_DURATION, "%.0f", (o->duration + 60) * 1000) ||
	    SET(DR_KNOB_TARGET, "/proc/%d/fd/%d owner=%d", (int)getpid(), tf->fd,
		(int)getpid()))
		goto fail;
	module_bound = true;
	if (SET(DR_KNOB_INJECT, "%s", o->inject) ||
	    SET(DR_KNOB_RUN, "1"))
		goto fail;
#undef SET
	return 0;
fail:
	if (err == -EBUSY)
		fprintf(stderr, "dirtyrace: the module is busy with another run (echo 0 > /sys/kernel/debug/dirtyrace/run)\n");
	else if (err == -EPERM)
		fprintf(stderr, "dirtyrace: the module refused --inject on %s\n", tf->path);
	else if (err == -EOPNOTSUPP && !strcmp(knob, DR_KNOB_RUN))
		fprintf(stderr, "dirtyrace: an engine cannot run on this kernel/CPU (IBT enforced? huge ioremap off?); see dmesg\n");
	else if (err == -EOPNOTSUPP)
		fprintf(stderr, "dirtyrace: the module refused %s: its filesystem has no writeback\n", tf->path);
	else if (err == -ENXIO)
		fprintf(stderr, "dirtyrace: the ioremap engine has no range: echo PHYS SIZE > /sys/kernel/debug/dirtyrace/" DR_KNOB_IOREMAP_RANGE "\n");
	else
		fprintf(stderr, "dirtyrace: setting module knob %s failed: %s\n",
			knob, strerror(-err));
	return EXIT_USAGE;
}

static void module_teardown(void)
{
	if (!module_bound)
		return;
	module_bound = false;
	knob_write(DR_KNOB_RUN, "0");
	knob_write(DR_KNOB_TARGET, "none");
	knob_write(DR_KNOB_INJECT, DR_INJECT_NONE);
}

static void progress(const struct opts *o, const struct testfile *tf,
		     const struct verify_state *v, double t)
{
	long long s[DR_NR_STATS];

	if (o->quiet || stats_read(s))
		return;
	fprintf(stderr, "dirtyrace: %6.1f/%.0f s  rounds %u  writes %llu  folio_mkclean %lld  lost %llu\n",
		t, o->duration, v->rounds, (unsigned long long)writers_total(tf),
		s[DR_STAT_KP_MKCLEAN], (unsigned long long)v->lost);
}

/* An agitator could not keep the owed-write protocol: no verdict at all. */
static bool harness_failed(const struct testfile *tf)
{
	if (!tf->ctl || !atomic_load(&tf->ctl->harness_error))
		return false;
	fprintf(stderr, "dirtyrace: harness error, run aborted without a verdict: %s\n",
		tf->ctl->harness_msg);
	return true;
}

/*
 * First detection of any kind: a lost write (verify round), a stale-TLB
 * store (exact time of the writer's record), an ioremap mismatch (seen at
 * the module's stats). Returns true once something was detected.
 */
static bool detected(const struct opts *o, const struct testfile *tf,
		     struct verify_state *v, double t)
{
	const struct control *ctl = tf->ctl;
	unsigned int n = atomic_load(&ctl->nstale_recs);
	long long s[DR_NR_STATS];

	for (unsigned int i = 0; i < n && i < MAX_STALE; i++) {
		double ts = ctl->stale_recs[i].t - ctl->t0;

		if (ctl->stale_recs[i].t > 0 && (v->first_detect < 0 || ts < v->first_detect))
			v->first_detect = ts;
	}
	if (listed(o->engines, DR_ENGINE_IOREMAP) && !stats_read(s) &&
	    s[DR_STAT_IOREMAP_MISMATCHES] && v->first_detect < 0)
		v->first_detect = t;
	return v->first_detect >= 0;
}

/* Run writers and verify rounds until the duration ends; 0 or an exit code. */
static int hammer(const struct opts *o, struct testfile *tf,
		  struct verify_state *v, double *elapsed)
{
	double next_verify = o->verify_ms / 1000.0, next_progress = 5, t0, t = 0;
	const char *dead;
	int last = 0;

	/* writers_start() set the run's start; without writers it is now. */
	if (!tf->ctl->t0)
		tf->ctl->t0 = now();
	t0 = tf->ctl->t0;
	while (!last) {
		usleep(20000);
		t = now() - t0;
		last = interrupted || t >= o->duration ||
		       (o->stop_on_detect && detected(o, tf, v, t));
		if (harness_failed(tf))
			return EXIT_USAGE;
		dead = writers_dead(tf);
		if (dead) {
			fprintf(stderr, "dirtyrace: %s\n", dead);
			return EXIT_LOST;
		}
		if (t >= next_progress && o->duration > 5) {
			progress(o, tf, v, t);
			next_progress += 5;
		}
		if (t < next_verify && !last)
			continue;
		if (writers_pause(tf)) {
			if (harness_failed(tf))
				return EXIT_USAGE;
			fprintf(stderr, "dirtyrace: writers did not pause\n");
			return EXIT_LOST;
		}
		if (verify_round(v, tf, t) < 0)
			return EXIT_USAGE;
		/* Stores may have gone astray before the abort: judge nothing. */
		if (harness_failed(tf))
			return EXIT_USAGE;
		detected(o, tf, v, t);
		if (!last)
			writers_resume(tf);
		next_verify = t + o->verify_ms / 1000.0;
	}
	*elapsed = t;
	return 0;
}

/* Every selected engine must have driven its kernel path on this run. */
static bool exercised(const struct report *r)
{
	const long long *s = r->stats;
	bool mk = listed(r->o->engines, DR_ENGINE_MKCLEAN);
	bool io = listed(r->o->engines, DR_ENGINE_IOREMAP);
	bool mig = listed(r->o->engines, DR_ENGINE_MIGRATE);
	bool stall = listed(r->o->engines, DR_ENGINE_STALL);
	/* A migrator skipped for want of nodes neither passes nor fails a run. */
	bool numa = listed(r->o->engines, DR_ENGINE_NUMA) && !r->numa->skipped[0];

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
	/* Agitators must have agitated: each selected one made changes. */
	for (int a = 0; a < NR_AGITATORS; a++)
		if ((r->o->agitate & (1 << a)) && r->tf->nwriters &&
		    !atomic_load(&r->tf->ctl->agit_ops[a]))
			return false;
	return mk || io || mig || numa || stall;
}

static const char *verdict(const struct report *r, int *code)
{
	if (r->v->lost || r->v->violations || r->stats[DR_STAT_IOREMAP_MISMATCHES]) {
		*code = EXIT_LOST;
		return "FAIL (lost writes or ioremap mismatches)";
	}
	if (r->tf->ctl && atomic_load(&r->tf->ctl->stale)) {
		*code = EXIT_LOST;
		return "FAIL (stale TLB: stores completed after the kernel revoked write access)";
	}
	if (!exercised(r) || (r->tf->nwriters && !r->writes)) {
		*code = EXIT_INCONCLUSIVE;
		return "INCONCLUSIVE (the engines exercised no kernel path)";
	}
	*code = EXIT_PASS;
	return "PASS";
}

static int run(struct opts *o)
{
	struct verify_state v = { 0 };
	struct testfile tf = { .fd = -1, .dfd = -1 };
	struct numa_mig numa = { 0 };
	struct report r = { .o = o, .tf = &tf, .v = &v, .numa = &numa };
	int ret;

	ret = module_check();
	if (ret)
		return ret;
	ret = testfile_create(&tf, o);
	if (!ret && verify_init(&v, &tf)) {
		fprintf(stderr, "dirtyrace: out of memory\n");
		ret = EXIT_USAGE;
	}
	if (!ret)
		ret = module_setup(o, &tf);
	/* The module, our fds and the mappings hold the file from here on:
	 * unlinked now, it cannot outlive a hammer killed mid-run. */
	if (!ret && !o->keep && !tf.anon && !unlink(tf.path))
		tf.path[0] = '\0';
	if (!ret && o->agitate)
		cgroup_setup(&tf);
	/* Writers only matter to the file engines; alone, ioremap gets the CPUs. */
	if (!file_engines(o->engines))
		tf.nwriters = 0;
	else if (!ret && writers_start(&tf, o))
		ret = EXIT_USAGE;
	if (!ret && listed(o->engines, DR_ENGINE_NUMA) && numa_start(&numa, &tf))
		ret = EXIT_USAGE;
	if (!ret)
		ret = hammer(o, &tf, &v, &r.elapsed);
	numa_stop(&numa);
	writers_stop(&tf);
	cgroup_teardown(&tf);
	if (module_bound)
		knob_write(DR_KNOB_RUN, "0");
	if (!ret) {
		if (stats_read(r.stats))
			fprintf(stderr, "dirtyrace: the module went away mid-run (rmmod?): no kernel-path counts, so no verdict better than INCONCLUSIVE\n");
		r.writes = writers_total(&tf);
		knob_read(DR_FILE_IOREMAP_MISMATCHES, r.io_log, sizeof(r.io_log));
		knob_read(DR_FILE_STALL_CALLERS, r.stall_log, sizeof(r.stall_log));
		r.numa_nodes = numa_available() < 0 ? 1 : numa_num_configured_nodes();
		r.verdict = verdict(&r, &r.exit_code);
		report_human(&r);
		if (o->json && report_json(&r, o->json))
			fprintf(stderr, "dirtyrace: cannot write %s\n", o->json);
		ret = r.exit_code;
	}
	module_teardown();
	testfile_destroy(&tf, o->keep);
	verify_free(&v);
	return ret;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.dir = ".", .duration = 30, .procs = 1, .file_size = 8 << 20, .burst = 8,
		.engines = DR_ENGINE_MKCLEAN, .inject = DR_INJECT_NONE,
		.verify_ms = 1000, .mkclean_threads = 1, .writeback_ms = 10,
		.evict_ms = 100, .migrate_threads = 1, .migrate_nodes = 1,
		.migrate_mode = 2, .migrate_batch = 32,
		.stall_us = 1000, .stall_gap_us = 3000,
		.stall_sites = DR_STALL_SYSCALL | DR_STALL_BATCH, .stall_clean = 1,
	};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct sigaction sa = { .sa_handler = on_signal };

	if (argc >= 2 && !strcmp(argv[1], "msync"))
		return msync_bench(argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "run")) {
		usage(argc < 2 || !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc < 2 || strcmp(argv[1], "--help") ? EXIT_USAGE : 0;
	}
	o.threads = cpus < 2 ? 2 : cpus;
	o.seed = (uint64_t)time(NULL);
	if (parse_opts(argc - 1, argv + 1, &o)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* Each one ends the run with the full teardown; so would a closed pipe. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	return run(&o);
}
