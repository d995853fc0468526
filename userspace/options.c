// SPDX-License-Identifier: GPL-2.0
/* dirtyrace run's options: defaults, parsing, range checks, usage text. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hammer.h"

const char *const engine_names[NR_ENGINES] = {
	[ENG_MKCLEAN] = DR_ENGINE_MKCLEAN, [ENG_MIGRATE] = DR_ENGINE_MIGRATE,
	[ENG_IOREMAP] = DR_ENGINE_IOREMAP, [ENG_STALL] = DR_ENGINE_STALL,
	[ENG_NUMA] = DR_ENGINE_NUMA,
};

static const char *const migrate_modes[] = { "async", "sync_light", "sync" };

/*
 * The engine knobs have no defaults here: the module's are the only ones.
 * The hammer writes a knob only when its option is given and puts the old
 * value back at teardown (module.c), so the next run starts from what the
 * module or its operator had.
 */
#define THREADS_MIN	2	/* default --threads: online CPUs, at least this */

/* Every default of the hammer's own, once; usage() prints these. */
static const struct opts defaults = {
	.dir = ".", .duration = 30, .procs = 1, .file_size = 8 << 20, .burst = 8,
	.engines = DR_ENGINE_MKCLEAN, .engine_mask = ENGINE_BIT(ENG_MKCLEAN),
	.writers = true, .inject = DR_INJECT_NONE, .verify_ms = 1000,
};

void opts_defaults(struct opts *o)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	*o = defaults;
	o->threads = cpus < THREADS_MIN ? THREADS_MIN : cpus;
	o->seed = (uint64_t)time(NULL);
}

#define MODULE_VALUE	"[module's value]"

void usage(FILE *f)
{
	const struct opts *d = &defaults;

	fprintf(f,
"usage: dirtyrace run [options]\n"
"       dirtyrace msync DIR SECONDS SIZE   (userspace msync(MS_SYNC) baseline for make bench)\n"
"  --dir DIR              where to create the test file (ext4/xfs/btrfs; tmpfs: migrate only) [%s]\n"
"  --duration SEC         run time [%.0f]\n"
"  --threads N            writer threads per process [online CPUs, at least %d]\n"
"  --procs N              writer processes, each with its own mapping [%u]\n"
"  --burst N              stores per random pick, to consecutive own slots [%u]\n"
"  --file-size SIZE       test file size, K/M/G suffix [%lluM]\n"
"  --engines LIST         mkclean, migrate, ioremap, stall (module) and numa (libnuma), or none [%s]\n"
"  --inject MODE          injected bug: none, mkclean_noflush, ioremap_noflush, migrate_noflush,\n"
"                         mprotect_noflush, accessflags_stale [%s]\n"
"  --seed N               writer RNG seed [time]\n"
"  --json FILE            write a JSON report\n"
"  --verify-interval MS   time between verify rounds [%u]\n",
		d->dir, d->duration, THREADS_MIN, d->procs, d->burst,
		(unsigned long long)d->file_size >> 20, d->engines, d->inject, d->verify_ms);
	fprintf(f,
"  --mkclean-threads N    mkclean engine kthreads " MODULE_VALUE "\n"
"  --writeback-ms MS      engine writeback interval, 0 = off " MODULE_VALUE "\n"
"  --evict-ms MS          engine eviction interval, 0 = off " MODULE_VALUE "\n"
"  --migrate-threads N    migrate engine kthreads " MODULE_VALUE "\n"
"  --migrate-nodes WHERE  same (each folio to its own node) or all (round-robin) " MODULE_VALUE "\n"
"  --migrate-mode MODE    async, sync_light or sync " MODULE_VALUE "\n"
"  --migrate-batch N      folios per migrate_pages() call " MODULE_VALUE "\n"
"  --stall-us US          stall engine: busy-wait before each held TLB flush " MODULE_VALUE "\n"
"  --stall-gap-us US      stall engine: at least this between two stalls " MODULE_VALUE "\n"
"  --stall-sites MASK     stall engine: 1 syscall flushes, 2 rmap-walk flushes, 4 reclaim batch " MODULE_VALUE "\n"
"  --no-stall-clean       stall engine: hold flushes without writing back and evicting their pages\n");
	fprintf(f,
"  --agitate LIST         PTE agitators in each writer process: zap, mremap, mprotect,\n"
"                         fork, reclaim, batch, all or none [none]\n"
"  --agitate-turns MS     the agitators take turns of MS ms, one at a time [0: all at once]\n"
"  --pin                  pin writer n to CPU n (mod CPUs); other agitators than batch stay unpinned\n"
"  --hugepage             writers madvise(MADV_HUGEPAGE) their mappings: PMD-sized folios, PMD mappings\n"
"  --large-folios         a run that wrote through no large folio is INCONCLUSIVE\n"
"  --stop-on-detect       end the run at the first lost write, stale store or mismatch\n"
"  --keep                 keep the test file\n"
"  --quiet                no progress lines\n"
"  " MODULE_VALUE ": the hammer writes that knob only when the option is given,\n"
"  and puts the module's value back when the run ends\n"
"exit: 0 pass, 1 lost writes, 2 usage/setup error, 3 inconclusive, 4 skip\n");
}

/* --engines, parsed once: the mask of every known name, the first unknown. */
struct engines_parsed {
	unsigned int mask;
	bool ok;
	char bad[sizeof(((struct opts *)0)->engines)];
};

/* An empty name in a list (",x", "x,,y", "x,") is a typo, not a list. */
static bool empty_name(const char *list)
{
	return list[0] == ',' || strstr(list, ",,") ||
	       (list[0] && list[strlen(list) - 1] == ',');
}

static void engines_parse(const char *list, struct engines_parsed *p)
{
	char buf[sizeof(((struct opts *)0)->engines)], *tok, *save = NULL;
	size_t i;

	/* A list with no name is refused; "none" only counts as the whole list. */
	*p = (struct engines_parsed){ .ok = true };
	if (!strcmp(list, "none"))
		return;
	if (empty_name(list)) {
		p->ok = false;
		return;
	}
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NR_ENGINES && strcmp(tok, engine_names[i]); i++)
			;
		if (i < NR_ENGINES)
			p->mask |= ENGINE_BIT(i);
		else if (!p->bad[0])
			snprintf(p->bad, sizeof(p->bad), "%s", tok);
	}
	if (p->bad[0] || !p->mask)
		p->ok = false;
}

static bool inject_known(const char *name)
{
	static const char *const injects[] = {
		DR_INJECT_NONE, DR_INJECT_MKCLEAN_NOFLUSH, DR_INJECT_IOREMAP_NOFLUSH,
		DR_INJECT_MIGRATE_NOFLUSH, DR_INJECT_MPROTECT_NOFLUSH,
		DR_INJECT_ACCESSFLAGS_STALE,
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

static const struct option long_opts[] = {
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
	{ "agitate-turns", required_argument, 0, 'g' },
	{ "pin", no_argument, 0, 'p' },
	{ "hugepage", no_argument, 0, 'H' },
	{ "large-folios", no_argument, 0, 'L' },
	{ "stop-on-detect", no_argument, 0, 'D' },
	{ "keep", no_argument, 0, 'k' },
	{ "quiet", no_argument, 0, 'q' },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 }
};
#define SHORT_OPTS	"d:t:T:P:s:B:e:i:S:j:v:m:w:x:M:N:o:b:U:G:Y:Ca:g:DpHLkqh"
#define NUMERIC_OPTS	"tTPsBSvmwxMbUGYg"
#define UINT_OPTS	"TPBvmwxMbUGYg"	/* kept in unsigned ints */

/*
 * The numeric options that set a module knob, which knob, and the range
 * the module accepts (include/dirtyrace.h): checked here, before the fill.
 */
static const struct {
	int c;
	enum knob_opt k;
	unsigned int min, max;
} knob_opts[] = {
	{ 'm', KO_MKCLEAN_THREADS, 1, DR_MAX_THREADS },
	{ 'w', KO_WRITEBACK_MS, 0, DR_INTERVAL_MS_MAX },
	{ 'x', KO_EVICT_MS, 0, DR_INTERVAL_MS_MAX },
	{ 'M', KO_MIGRATE_THREADS, 1, DR_MAX_THREADS },
	{ 'b', KO_MIGRATE_BATCH, 1, DR_MIGRATE_BATCH_MAX },
	{ 'U', KO_STALL_US, DR_STALL_US_MIN, DR_STALL_US_MAX },
	{ 'G', KO_STALL_GAP_US, DR_STALL_GAP_US_MIN, DR_STALL_GAP_US_MAX },
	{ 'Y', KO_STALL_SITES, 0, DR_STALL_SITES_ALL },
};

static const char *opt_name(int c)
{
	for (const struct option *l = long_opts; l->name; l++)
		if (l->val == c)
			return l->name;
	return "?";
}

static void knob_set(struct opts *o, enum knob_opt k, unsigned int v)
{
	o->knob[k] = v;
	o->knobs_set |= 1u << k;
}

/* State of one parse beyond struct opts. */
struct parse_state {
	bool agitate_all;	/* the last --agitate was "all" */
	struct engines_parsed eng;
};

/* An option with a number: v. Returns false if c is not one of those. */
static bool set_number(struct opts *o, int c, unsigned long long v)
{
	for (size_t i = 0; i < sizeof(knob_opts) / sizeof(knob_opts[0]); i++) {
		if (knob_opts[i].c != c)
			continue;
		if (v < knob_opts[i].min || v > knob_opts[i].max) {
			fprintf(stderr, "dirtyrace: --%s must be %u..%u\n", opt_name(c),
				knob_opts[i].min, knob_opts[i].max);
			return false;
		}
		knob_set(o, knob_opts[i].k, v);
		return true;
	}
	switch (c) {
	case 't': o->duration = v; break;
	case 'T': o->threads = v; break;
	case 'P': o->procs = v; break;
	case 's': o->file_size = v; break;
	case 'B': o->burst = v > 512 ? 0 : v; break;
	case 'S': o->seed = v; break;
	case 'v': o->verify_ms = v; break;
	case 'g': o->agitate_turns = v; break;
	default: return false;
	}
	return true;
}

static int set_migrate_nodes(struct opts *o, const char *arg)
{
	if (strcmp(arg, "same") && strcmp(arg, "all")) {
		fprintf(stderr, "dirtyrace: --migrate-nodes is same or all\n");
		return -1;
	}
	knob_set(o, KO_MIGRATE_NODES, !strcmp(arg, "all"));
	return 0;
}

static int set_migrate_mode(struct opts *o, const char *arg)
{
	unsigned int n = sizeof(migrate_modes) / sizeof(migrate_modes[0]), m;

	for (m = 0; m < n && strcmp(arg, migrate_modes[m]); m++)
		;
	if (m == n) {
		fprintf(stderr, "dirtyrace: --migrate-mode is async, sync_light or sync\n");
		return -1;
	}
	knob_set(o, KO_MIGRATE_MODE, m);
	return 0;
}

static int set_agitate(struct opts *o, struct parse_state *ps, const char *arg)
{
	ps->agitate_all = !strcmp(arg, "all");
	o->agitate = agitators_parse(arg);
	if (strlen(arg) >= 128 || empty_name(arg))
		o->agitate = -1;
	if (o->agitate < 0) {
		fprintf(stderr, "dirtyrace: --agitate takes zap, mremap, mprotect, fork, reclaim, batch, all or none\n");
		return -1;
	}
	return 0;
}

/* One option without a number; 0 or -1. */
static int set_opt(struct opts *o, struct parse_state *ps, int c, const char *arg)
{
	switch (c) {
	case 'd': o->dir = arg; break;
	case 'e':
		if (strlen(arg) >= sizeof(o->engines)) {
			fprintf(stderr, "dirtyrace: --engines is longer than %zu bytes\n",
				sizeof(o->engines) - 1);
			return -1;
		}
		snprintf(o->engines, sizeof(o->engines), "%s", arg);
		break;
	case 'i': o->inject = arg; break;
	case 'j': o->json = arg; break;
	case 'C': knob_set(o, KO_STALL_CLEAN, 0); break;
	case 'N': return set_migrate_nodes(o, arg);
	case 'o': return set_migrate_mode(o, arg);
	case 'a': return set_agitate(o, ps, arg);
	case 'p': o->pin = true; break;
	case 'H': o->hugepage = true; break;
	case 'L': o->large_folios = true; break;
	case 'D': o->stop_on_detect = true; break;
	case 'k': o->keep = true; break;
	case 'q': o->quiet = true; break;
	case 'h': usage(stdout); exit(0);
	default: return -1;
	}
	return 0;
}

static int parse_number(const char *arg, int c, unsigned long long *v)
{
	if (parse_u(arg, v, c == 's')) {
		fprintf(stderr, "dirtyrace: bad number for option: '%s'\n", arg);
		return -1;
	}
	/* Kept in unsigned ints: a larger value would wrap silently. */
	if (strchr(UINT_OPTS, c) && *v > UINT_MAX) {
		fprintf(stderr, "dirtyrace: number out of range: '%s'\n", arg);
		return -1;
	}
	return 0;
}

static int getopt_all(int argc, char **argv, struct opts *o, struct parse_state *ps)
{
	unsigned long long v;
	int c;

	while ((c = getopt_long(argc, argv, SHORT_OPTS, long_opts, NULL)) != -1) {
		if (!strchr(NUMERIC_OPTS, c)) {
			if (set_opt(o, ps, c, optarg))
				return -1;
		} else if (parse_number(optarg, c, &v) || !set_number(o, c, v)) {
			return -1;
		}
	}
	return 0;
}

static int check_args(int argc, char **argv, struct opts *o)
{
	struct stat st;

	/* The module binds absolute paths only. */
	if (!realpath(o->dir, o->dir_buf)) {
		fprintf(stderr, "dirtyrace: --dir %s: %s\n", o->dir, strerror(errno));
		return -1;
	}
	o->dir = o->dir_buf;
	if (o->json && !lstat(o->json, &st) && S_ISLNK(st.st_mode)) {
		fprintf(stderr, "dirtyrace: --json %s is a symlink: the report is never written through one\n",
			o->json);
		return -1;
	}
	if (optind != argc) {
		fprintf(stderr, "dirtyrace: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static int check_writers(const struct opts *o)
{
	if (!o->threads || !o->procs || (unsigned long long)o->threads * o->procs > MAX_WRITERS) {
		fprintf(stderr, "dirtyrace: need 1..%d writers in all (--threads x --procs)\n", MAX_WRITERS);
		return -1;
	}
	if (!o->burst || o->burst > 512) {
		fprintf(stderr, "dirtyrace: --burst must be 1..512\n");
		return -1;
	}
	return 0;
}

/*
 * A selected agitator (or migration) that never had a turn would make
 * the run INCONCLUSIVE. Migration takes turns through migrate_paused,
 * written 0 at the start and put back at the end.
 */
static int check_turns(struct opts *o)
{
	int n = __builtin_popcount(turn_takers(o));

	if (!o->agitate_turns)
		return 0;
	if (!o->agitate) {
		fprintf(stderr, "dirtyrace: --agitate-turns needs --agitate\n");
		return -1;
	}
	if (o->agitate_turns / 1000.0 * n > o->duration) {
		fprintf(stderr, "dirtyrace: --agitate-turns %u: %d turns (agitators%s) take %.1f s, longer than --duration\n",
			o->agitate_turns, n, engine_on(o, ENG_MIGRATE) ? " and migrate" : "",
			o->agitate_turns / 1000.0 * n);
		return -1;
	}
	if (engine_on(o, ENG_MIGRATE))
		knob_set(o, KO_MIGRATE_PAUSED, 0);
	return 0;
}

static int check_agitate(struct opts *o, const struct parse_state *ps)
{
	/* Batch needs the stall engine; "all" means all that can run here. */
	bool batch_ok = engine_on(o, ENG_STALL) && sysconf(_SC_NPROCESSORS_ONLN) >= 2;

	if (!batch_ok && ps->agitate_all)
		o->agitate &= ~(1 << AG_BATCH);
	if ((o->agitate & 1 << AG_BATCH) && !batch_ok) {
		fprintf(stderr, "dirtyrace: --agitate batch needs the stall engine (--engines stall,...) and 2 or more CPUs\n");
		return -1;
	}
	if ((o->hugepage || o->large_folios) && !o->writers) {
		fprintf(stderr, "dirtyrace: --hugepage and --large-folios need writers: add mkclean, migrate, stall or numa to --engines\n");
		return -1;
	}
	if (o->agitate && !o->writers) {
		fprintf(stderr, "dirtyrace: --agitate needs writers: add mkclean, migrate, stall or numa to --engines\n");
		return -1;
	}
	return check_turns(o);
}

static int check_sizes(const struct opts *o)
{
	if (o->file_size < (64 << 10) || o->file_size % 4096 || o->file_size > (1ULL << 34)) {
		fprintf(stderr, "dirtyrace: --file-size must be a multiple of 4K between 64K and 16G\n");
		return -1;
	}
	if (!o->duration || !o->verify_ms) {
		fprintf(stderr, "dirtyrace: --duration and --verify-interval must be > 0\n");
		return -1;
	}
	if (o->duration > DR_DURATION_MAX_S - DR_DURATION_SLACK_S) {
		fprintf(stderr, "dirtyrace: --duration is at most %d s (the module's limit, less %d s of safety margin)\n",
			DR_DURATION_MAX_S - DR_DURATION_SLACK_S, DR_DURATION_SLACK_S);
		return -1;
	}
	return 0;
}

static int check_names(const struct opts *o, const struct parse_state *ps)
{
	if (!ps->eng.ok) {
		if (ps->eng.bad[0])
			fprintf(stderr, "dirtyrace: unknown engine '%s' in --engines (mkclean, migrate, numa, ioremap, stall, or none)\n",
				ps->eng.bad);
		else
			fprintf(stderr, "dirtyrace: --engines needs a name (mkclean, migrate, numa, ioremap, stall, or none)\n");
		return -1;
	}
	if (!inject_known(o->inject)) {
		fprintf(stderr, "dirtyrace: unknown --inject '%s' (none, mkclean_noflush, ioremap_noflush, migrate_noflush, mprotect_noflush, accessflags_stale)\n",
			o->inject);
		return -1;
	}
	return 0;
}

/* Parse "run"'s arguments into o (from opts_defaults()); 0 or -1. */
int opts_parse(int argc, char **argv, struct opts *o)
{
	struct parse_state ps = { 0 };

	if (getopt_all(argc, argv, o, &ps))
		return -1;
	engines_parse(o->engines, &ps.eng);
	o->engine_mask = ps.eng.mask;
	o->writers = (o->engine_mask & FILE_ENGINES) || !strcmp(o->engines, "none");
	if (check_args(argc, argv, o) || check_writers(o) || check_agitate(o, &ps) ||
	    check_sizes(o) || check_names(o, &ps))
		return -1;
	return 0;
}
