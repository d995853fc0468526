/* SPDX-License-Identifier: GPL-2.0 */
/* dirtyrace userspace hammer: shared declarations. */
#ifndef HAMMER_H
#define HAMMER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>
#include "dirtyrace.h"

#define PAGE		4096
#define DR_VERSION	"0.1.0"	/* dkms.conf's PACKAGE_VERSION */

/* Exit codes: enum dr_exit in dirtyrace.h (docs/protocol.md, dirtyrace(1)). */

#define MAX_WRITERS	256	/* the writer id is 8 bits of a stamp */
#define PAUSE_TIMEOUT_S	30	/* a writer not pausing by then is stuck */
#define MAX_REPORTED	100	/* loss records kept for the reports */

/* --engines names: the module's, then the hammer's own libnuma migrator. */
enum engine { ENG_MKCLEAN, ENG_MIGRATE, ENG_IOREMAP, ENG_STALL, ENG_NUMA, NR_ENGINES };
#define ENGINE_BIT(e)		(1u << (e))
#define MODULE_ENGINES		(ENGINE_BIT(ENG_NUMA) - 1)	/* all but numa */
/* The engines that work on the test file, so need the writers. */
#define FILE_ENGINES		(ENGINE_BIT(ENG_MKCLEAN) | ENGINE_BIT(ENG_MIGRATE) | \
				 ENGINE_BIT(ENG_STALL) | ENGINE_BIT(ENG_NUMA))
extern const char *const engine_names[NR_ENGINES];	/* options.c */

/*
 * The module's engine knobs the hammer has options for, in the order it
 * writes them. Only those in opts.knobs_set (given on the command line)
 * are written, and put back at teardown; the others keep the module's
 * value.
 */
enum knob_opt {
	KO_MIGRATE_THREADS, KO_MIGRATE_NODES, KO_MIGRATE_MODE, KO_MIGRATE_BATCH,
	KO_MKCLEAN_THREADS, KO_WRITEBACK_MS, KO_EVICT_MS,
	KO_STALL_US, KO_STALL_GAP_US, KO_STALL_SITES, KO_STALL_CLEAN,
	KO_MIGRATE_PAUSED,	/* no option: --agitate-turns sets it */
	NR_KNOB_OPTS
};

/*
 * The module's duration_ms is set this much longer than --duration: a
 * safety net that stops the engines if the hammer hangs.
 */
#define DR_DURATION_SLACK_S	60

struct opts {
	const char *dir;	/* absolute */
	char dir_buf[4096];
	double duration;	/* seconds */
	unsigned int threads;	/* writer threads per process */
	unsigned int burst;	/* consecutive own slots per random pick */
	unsigned int procs;	/* writer processes */
	uint64_t file_size;
	char engines[64];	/* as given, for the reports */
	unsigned int engine_mask;	/* ENGINE_BIT()s of --engines */
	bool writers;		/* file engines, or "none": run the writers */
	const char *inject;
	uint64_t seed;
	const char *json;
	unsigned int verify_ms;
	unsigned int knob[NR_KNOB_OPTS];	/* values for the module's knobs */
	unsigned int knobs_set;		/* bits of enum knob_opt to write */
	int agitate;		/* bitmask of enum agitator */
	unsigned int agitate_turns;	/* ms each agitator runs alone; 0: all at once */
	bool pin;		/* pin writers to CPUs (the batch agitator always pins) */
	bool hugepage;		/* writers madvise(MADV_HUGEPAGE) their mappings */
	bool large_folios;	/* no large folio written through: INCONCLUSIVE */
	bool keep, quiet, stop_on_detect;
};

static inline bool engine_on(const struct opts *o, enum engine e)
{
	return o->engine_mask & ENGINE_BIT(e);
}

/*
 * A stamp is one naturally aligned 64-bit store, so it is never torn:
 * writer id (8 bits) | slot check (16 bits) | sequence (40 bits).
 * Each slot is owned by one writer and its sequence only grows.
 */
#define STAMP_SEQ_BITS	40
#define STAMP_SEQ_MASK	((1ULL << STAMP_SEQ_BITS) - 1)

/* Seconds on the monotonic clock. */
static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The writers' and agitators' cheap RNG; the state must be nonzero. */
static inline uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static inline uint64_t slot_check(uint64_t slot)
{
	return ((slot * 0x9E3779B97F4A7C15ULL) >> 48) & 0xffff;
}

static inline uint64_t stamp_make(unsigned int writer, uint64_t slot,
				  uint64_t seq)
{
	return (uint64_t)writer << 56 | slot_check(slot) << STAMP_SEQ_BITS | seq;
}

static inline uint64_t stamp_seq(uint64_t s) { return s & STAMP_SEQ_MASK; }
static inline unsigned int stamp_writer(uint64_t s) { return s >> 56; }
static inline uint64_t stamp_check(uint64_t s)
{
	return (s >> STAMP_SEQ_BITS) & 0xffff;
}

enum agitator { AG_ZAP, AG_MREMAP, AG_MPROTECT, AG_FORK, AG_RECLAIM, AG_BATCH, NR_AGITATORS };
#define AGIT_THREADS	(NR_AGITATORS + 1)	/* batch runs two */

/*
 * The protection oracle: once mprotect(PROT_READ) or mremap-away of a
 * range has returned, no store through the old translation may complete;
 * nor once MADV_DONTNEED and then mprotect(PROT_READ) of it have: the
 * zap must have flushed every PTE it cleared, as the mprotect finds none
 * to change and so flushes nothing.
 * An agitator publishes the range (seq odd) only after its syscall
 * returned and withdraws it (seq even) before undoing it; a writer that
 * saw it published before a store, and the same seq after the store,
 * stored while the kernel promised a fault: a stale TLB entry.
 */
enum oracle_kind { OR_MPROTECT, OR_MREMAP, OR_BATCH, OR_ZAP, NR_ORACLES };
/* The agitators that publish to the oracle. */
#define ORACLE_AGITATORS	(1 << AG_MPROTECT | 1 << AG_MREMAP | 1 << AG_BATCH | 1 << AG_ZAP)
struct oracle {
	atomic_uint seq;
	atomic_size_t off, len;	/* file offsets */
};
extern struct oracle oracles[NR_ORACLES];	/* per writer process */
/*
 * Writers store mostly inside a hot window of HOT_PAGES pages; the file
 * offset of each one's window (0: none yet), per writer process, so that
 * the agitators change PTEs where the writers write.
 */
#define HOT_PAGES	8
extern atomic_size_t hot_windows[MAX_WRITERS];
#define MAX_STALE	32	/* stale-TLB records kept */
struct stale_rec {
	uint64_t offset;
	size_t off, len;	/* the protected range */
	double t;		/* monotonic seconds */
	unsigned int writer;	/* or ORACLE_AGITATOR: the batch agitator's probe */
	enum oracle_kind kind;
};
#define ORACLE_AGITATOR	MAX_WRITERS

/* Shared (MAP_SHARED|MAP_ANONYMOUS) between the coordinator and writers. */
struct control {
	atomic_uint paused;		/* coordinator asks writers to hold */
	atomic_uint gen;		/* pause generation */
	atomic_uint stop;
	atomic_uint ack[MAX_WRITERS];	/* last pause generation seen */
	atomic_int tid[MAX_WRITERS];	/* to name a writer that does not pause */
	atomic_ullong writes[MAX_WRITERS];
	atomic_ullong faulted[MAX_WRITERS];	/* stores that faulted: not owed */
	atomic_ullong agit_ops[NR_AGITATORS], agit_errors[NR_AGITATORS];
	atomic_ullong oracle_checks[MAX_WRITERS];	/* stores into a published range */
	atomic_ullong probe_checks;	/* the batch and zap agitators' probes */
	atomic_ullong stale;		/* of those, stores that completed */
	atomic_uint nstale_recs;
	struct stale_rec stale_recs[MAX_STALE];
	double t0;			/* run start, monotonic */
	/* The hammer could not keep its own protocol: abort, no verdict. */
	atomic_uint harness_error;
	char harness_msg[256];
};

/* The test file and the writers' record of what they stored in it. */
struct testfile {
	char path[4096];	/* what the module binds */
	bool anon;		/* O_TMPFILE: path is /proc/PID/fd/N, no name */
	int fd;			/* buffered, for fsync */
	int dfd;		/* O_DIRECT, the independent reread path (tmpfs: its page cache) */
	uint64_t size, run_id, nslots;
	uint64_t *shadow;	/* shared: last stamp stored per slot */
	struct control *ctl;	/* shared */
	pid_t pids[MAX_WRITERS];
	char cgroup[512];	/* the writers' cgroup v2 dir, or "" */
	bool cgroup_memory;	/* we enabled +memory in the root's subtree_control */
	unsigned int nwriters;	/* threads * procs */
	unsigned int nprocs;	/* writer processes started */
};

struct loss {
	uint64_t slot, offset, expected, found;
	unsigned int round;
	double t;		/* seconds since start */
	const char *kind;	/* "lost", "misplaced", "ahead" */
};

struct verify_state {
	uint64_t *reported;	/* per slot: expected stamp already reported */
	uint64_t *buf;		/* O_DIRECT buffer */
	unsigned int rounds;
	uint64_t lost, violations;
	double first_detect;	/* seconds, <0 if none */
	struct loss recs[MAX_REPORTED];
	unsigned int nrecs;
};

/* options.c: defaults, command line, usage text. */
void opts_defaults(struct opts *o);
int opts_parse(int argc, char **argv, struct opts *o);
void usage(FILE *f);

/* module.c: the debugfs interface; a run's set-up and teardown. */
int module_check(void);
int module_setup(const struct opts *o, const struct testfile *tf);
void module_stop(void);
void module_teardown(void);
int write_file(const char *path, const char *val);
void knob_path(char *buf, size_t len, const char *knob);
int knob_write(const char *knob, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int knob_read(const char *knob, char *buf, size_t len);
int stats_read(long long stats[DR_NR_STATS]);
/*
 * The module's folio_orders: rows by order. orders_sample() keeps the
 * largest census (cache, mapped) seen and the latest engine counts.
 */
extern const char *const order_rows[DR_NR_ORDER_ROWS];	/* their names */
int orders_read(long long rows[DR_NR_ORDER_ROWS][DR_NR_ORDERS]);
void orders_sample(long long seen[DR_NR_ORDER_ROWS][DR_NR_ORDERS]);
int orders_max_mapped(const long long seen[DR_NR_ORDER_ROWS][DR_NR_ORDERS]);
const char *stat_key(enum dr_stat id);

/* writers.c */
int dir_check(const struct opts *o);
int testfile_create(struct testfile *tf, const struct opts *o);
void testfile_destroy(struct testfile *tf, bool keep);
int writers_start(struct testfile *tf, const struct opts *o);
int writers_pause(struct testfile *tf);
void writers_resume(struct testfile *tf);
void writers_stop(struct testfile *tf);
const char *writers_dead(struct testfile *tf);
uint64_t writers_total(const struct testfile *tf);
uint64_t writers_faulted(const struct testfile *tf);
uint64_t writers_oracle_checks(const struct testfile *tf);
const char *oracle_name(enum oracle_kind k);
void guard_install(void);
bool guarded_store(volatile uint64_t *p, uint64_t v);
uint64_t guarded_load(volatile uint64_t *p);
bool guarded_touch(volatile uint64_t *p);
void oracle_stale(struct testfile *tf, size_t off, enum oracle_kind k, unsigned int who);

/* agitate.c */
struct agit_thread;
int agitators_parse(const char *list);
/* --agitate-turns: bit NR_AGITATORS is the migrate engine's turn. */
#define TURN_MIGRATE	NR_AGITATORS
unsigned int turn_takers(const struct opts *o);
int turn_now(unsigned int takers, unsigned int turn_ms);
const char *agitator_name(enum agitator a);
int agitators_start(struct testfile *tf, char *map, const struct opts *o, unsigned int proc,
		    pthread_t *th, struct agit_thread **out);

/* cgroup.c: a cgroup v2 for the writers, for memory.reclaim. */
void cgroup_cleanup_stale(void);
void cgroup_setup(struct testfile *tf);
void cgroup_add(const struct testfile *tf, pid_t pid);
void cgroup_reclaim(const struct testfile *tf);
void cgroup_teardown(struct testfile *tf);

/* verify.c */
int verify_init(struct verify_state *v, const struct testfile *tf);
int verify_round(struct verify_state *v, const struct testfile *tf, double t);
void verify_free(struct verify_state *v);

/* numa.c: the libnuma migrator (--engines numa). */
struct numa_mig {
	const struct testfile *tf;
	pthread_t th;
	bool running;
	int nodes;
	atomic_uint stop;
	atomic_ullong moved, calls, errors;
	char skipped[128];	/* why it did not run, or "" */
};
int numa_start(struct numa_mig *m, const struct testfile *tf);
void numa_stop(struct numa_mig *m);

/* msync.c */
int msync_bench(int argc, char **argv);

/* report.c */
struct report {
	const struct opts *o;
	const struct testfile *tf;
	const struct verify_state *v;
	const struct numa_mig *numa;
	long long stats[DR_NR_STATS];
	/* folio_orders: census rows at their most over the verify rounds */
	long long orders[DR_NR_ORDER_ROWS][DR_NR_ORDERS];
	uint64_t writes;
	double elapsed;
	int numa_nodes;
	const char *verdict;
	int exit_code;
	char io_log[8192];	/* the module's ioremap mismatch records */
	char stall_log[2048];	/* the stall engine's call sites */
};
const char *verdict(const struct report *r, int *code);
void report_human(const struct report *r);
int report_json(const struct report *r, const char *path);

#endif
