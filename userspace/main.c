// SPDX-License-Identifier: GPL-2.0
/*
 * dirtyrace run: write stamps through MAP_SHARED file pages from many
 * threads and processes while the module drives the kernel's clean,
 * writeback and eviction paths; verify from disk that no completed
 * store was lost.
 */
#include <errno.h>
#include <numa.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "hammer.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
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
	if (engine_on(o, ENG_IOREMAP) && !stats_read(s) &&
	    s[DR_STAT_IOREMAP_MISMATCHES] && v->first_detect < 0)
		v->first_detect = t;
	return v->first_detect >= 0;
}

/* --agitate-turns: the migrate engine runs in its own turn only. */
static void migrate_turn(const struct opts *o)
{
	static int paused = -1;
	int t = turn_now(turn_takers(o), o->agitate_turns);
	int want = t >= 0 && t != TURN_MIGRATE;

	if (!(o->knobs_set & 1u << KO_MIGRATE_PAUSED) || want == paused)
		return;
	if (!knob_write(DR_KNOB_MIGRATE_PAUSED, "%d", want))
		paused = want;
}

/* Run writers and verify rounds until the duration ends; 0 or an exit code. */
static int hammer(const struct opts *o, struct testfile *tf,
		  struct verify_state *v, struct report *r)
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
		migrate_turn(o);
		t = now() - t0;
		last = interrupted || t >= o->duration ||
		       (o->stop_on_detect && detected(o, tf, v, t));
		if (harness_failed(tf))
			return DR_EXIT_USAGE;
		dead = writers_dead(tf);
		if (dead) {
			fprintf(stderr, "dirtyrace: %s\n", dead);
			return DR_EXIT_LOST;
		}
		if (t >= next_progress && o->duration > 5) {
			progress(o, tf, v, t);
			next_progress += 5;
		}
		if (t < next_verify && !last)
			continue;
		if (writers_pause(tf)) {
			if (harness_failed(tf))
				return DR_EXIT_USAGE;
			fprintf(stderr, "dirtyrace: writers did not pause\n");
			return DR_EXIT_LOST;
		}
		if (verify_round(v, tf, t) < 0)
			return DR_EXIT_USAGE;
		/* Writers paused, mappings in place: the folios they write through. */
		orders_sample(r->orders);
		/* Stores may have gone astray before the abort: judge nothing. */
		if (harness_failed(tf))
			return DR_EXIT_USAGE;
		detected(o, tf, v, t);
		if (!last)
			writers_resume(tf);
		next_verify = t + o->verify_ms / 1000.0;
	}
	r->elapsed = t;
	return 0;
}

static int run(struct opts *o)
{
	struct verify_state v = { 0 };
	struct testfile tf = { .fd = -1, .dfd = -1 };
	struct numa_mig numa = { 0 };
	struct report r = { .o = o, .tf = &tf, .v = &v, .numa = &numa };
	int ret;

	/* A --dir that cannot work is a usage error, whatever the module. */
	ret = dir_check(o);
	if (!ret)
		ret = module_check();
	if (ret)
		return ret;
	cgroup_cleanup_stale();
	ret = testfile_create(&tf, o);
	if (!ret && verify_init(&v, &tf)) {
		fprintf(stderr, "dirtyrace: out of memory\n");
		ret = DR_EXIT_USAGE;
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
	if (!o->writers)
		tf.nwriters = 0;
	else if (!ret && writers_start(&tf, o))
		ret = DR_EXIT_USAGE;
	if (!ret && engine_on(o, ENG_NUMA) && numa_start(&numa, &tf))
		ret = DR_EXIT_USAGE;
	if (!ret)
		ret = hammer(o, &tf, &v, &r);
	numa_stop(&numa);
	writers_stop(&tf);
	cgroup_teardown(&tf);
	module_stop();
	if (!ret) {
		if (stats_read(r.stats))
			fprintf(stderr, "dirtyrace: the module went away mid-run (rmmod?): no kernel-path counts, so no verdict better than INCONCLUSIVE\n");
		r.writes = writers_total(&tf);
		orders_sample(r.orders);
		knob_read(DR_FILE_IOREMAP_MISMATCHES, r.io_log, sizeof(r.io_log));
		knob_read(DR_FILE_STALL_CALLERS, r.stall_log, sizeof(r.stall_log));
		r.numa_nodes = numa_available() < 0 ? 1 : numa_num_configured_nodes();
		r.verdict = verdict(&r, &r.exit_code);
		report_human(&r);
		if (o->json && report_json(&r, o->json))
			fprintf(stderr, "dirtyrace: cannot write %s: %s%s\n", o->json, strerror(errno),
				errno == ELOOP ? " (a symlink: --json never follows one)" : "");
		ret = r.exit_code;
	}
	module_teardown();
	testfile_destroy(&tf, o->keep);
	verify_free(&v);
	return ret;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct sigaction sa = { .sa_handler = on_signal };

	if (argc >= 2 && !strcmp(argv[1], "msync"))
		return msync_bench(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		printf("dirtyrace %s\n", DR_VERSION);
		return 0;
	}
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "run")) {
		usage(stderr);
		return DR_EXIT_USAGE;
	}
	opts_defaults(&o);
	if (opts_parse(argc - 1, argv + 1, &o)) {
		usage(stderr);
		return DR_EXIT_USAGE;
	}
	/* Each one ends the run with the full teardown; so would a closed pipe. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	return run(&o);
}
