// SPDX-License-Identifier: GPL-2.0
/*
 * The test file and its writers. Writer processes map the file
 * MAP_SHARED (each process its own VMA) and run threads that store
 * stamps into the slots they own, recording each completed store in a
 * shared shadow array: the shadow is exactly the set of writes owed to
 * the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include "hammer.h"


static void *shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The engines that clean the file: nothing to find where nothing is written back. */
#define CLEANING_ENGINES	(ENGINE_BIT(ENG_MKCLEAN) | ENGINE_BIT(ENG_STALL))

int dir_check(const struct opts *o)
{
	const char *dir = o->dir;
	struct statfs sfs;

	if (statfs(dir, &sfs)) {
		fprintf(stderr, "dirtyrace: --dir %s: %s\n", dir, strerror(errno));
		return DR_EXIT_USAGE;
	}
	if (access(dir, W_OK)) {
		fprintf(stderr, "dirtyrace: --dir %s is not writable (%s): the test file goes there\n",
			dir, strerror(errno));
		return DR_EXIT_USAGE;
	}
	if (sfs.f_type == RAMFS_MAGIC) {
		fprintf(stderr, "dirtyrace: --dir %s is on ramfs, which has no writeback and no migration: nothing could be detected; use a directory on ext4, xfs or btrfs\n",
			dir);
		return DR_EXIT_USAGE;
	}
	/* tmpfs: a store through a stale TLB entry to a migrated-away page is lost there too. */
	if (sfs.f_type == TMPFS_MAGIC && (o->engine_mask & CLEANING_ENGINES)) {
		fprintf(stderr, "dirtyrace: --dir %s is on tmpfs, which has no writeback: the mkclean and stall engines' cleans can lose nothing there; use --engines migrate (or numa, ioremap) on tmpfs, or a directory on ext4, xfs or btrfs\n",
			dir);
		return DR_EXIT_USAGE;
	}
	return 0;
}

static int fill_file(struct testfile *tf)
{
	struct dr_file_header hdr = { .magic = DR_FILE_MAGIC };
	static char zero[1 << 20];
	uint64_t off;

	hdr.run_id = tf->run_id;
	hdr.file_size = tf->size;
	hdr.data_offset = PAGE;
	hdr.slot_size = sizeof(uint64_t);
	for (off = 0; off < tf->size; off += sizeof(zero)) {
		size_t n = tf->size - off < sizeof(zero) ? tf->size - off : sizeof(zero);

		if (pwrite(tf->fd, zero, n, off) != (ssize_t)n)
			return -1;
	}
	if (pwrite(tf->fd, &hdr, sizeof(hdr), 0) != sizeof(hdr))
		return -1;
	if (fsync(tf->fd))
		return -1;
	/*
	 * Folios of every size from the start: the first half stays cached
	 * as the 1 MiB writes left it (large folios, where the kernel and
	 * file system make them), the second half is dropped and faults back
	 * from disk (read-around starts at order 0, readahead ramps up).
	 */
	return posix_fadvise(tf->fd, tf->size / 2, 0, POSIX_FADV_DONTNEED) ? -1 : 0;
}

/* --hugepage: can this kernel take MADV_HUGEPAGE on the file? */
static int hugepage_check(const struct testfile *tf)
{
	void *p = mmap(NULL, tf->size, PROT_READ, MAP_SHARED, tf->fd, 0);
	int ret = 0;

	if (p == MAP_FAILED || madvise(p, tf->size, MADV_HUGEPAGE)) {
		fprintf(stderr, "dirtyrace: --hugepage: madvise(MADV_HUGEPAGE) on the test file: %s (a kernel without CONFIG_TRANSPARENT_HUGEPAGE?)\n",
			strerror(errno));
		ret = DR_EXIT_USAGE;
	}
	if (p != MAP_FAILED)
		munmap(p, tf->size);
	return ret;
}

int testfile_create(struct testfile *tf, const struct opts *o)
{
	struct statfs sfs;
	bool tmpfs;
	int ret = dir_check(o);

	if (ret)
		return ret;
	memset(tf, 0, sizeof(*tf));
	tf->fd = tf->dfd = -1;
	while (!tf->run_id)
		if (getrandom(&tf->run_id, sizeof(tf->run_id), 0) < 0)
			tf->run_id = (uint64_t)time(NULL) << 20 ^ getpid();
	tf->size = o->file_size;
	tf->nslots = (tf->size - PAGE) / sizeof(uint64_t);
	tf->nwriters = o->threads * o->procs;
	/* No name at all unless kept: a hammer killed at any point leaves no file. */
	if (!o->keep) {
		tf->fd = open(o->dir, O_TMPFILE | O_RDWR, 0600);
		tf->anon = tf->fd >= 0;
		snprintf(tf->path, sizeof(tf->path), "/proc/%d/fd/%d", (int)getpid(), tf->fd);
	}
	if (!tf->anon) {
		snprintf(tf->path, sizeof(tf->path), "%s/dirtyrace-%d-%016llx.dat",
			 o->dir, (int)getpid(), (unsigned long long)tf->run_id);
		tf->fd = open(tf->path, O_RDWR | O_CREAT | O_EXCL, 0600);
	}
	if (tf->fd < 0) {
		fprintf(stderr, "dirtyrace: create %s: %s\n", tf->path, strerror(errno));
		return DR_EXIT_USAGE;
	}
	if (fill_file(tf)) {
		fprintf(stderr, "dirtyrace: write %s: %s\n", tf->path, strerror(errno));
		return DR_EXIT_USAGE;
	}
	if (o->hugepage && hugepage_check(tf))
		return DR_EXIT_USAGE;
	/* On tmpfs the page cache is the file: a store lost there is lost. */
	tmpfs = fstatfs(tf->fd, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC;
	tf->dfd = open(tf->path, O_RDONLY | (tmpfs ? 0 : O_DIRECT));
	if (tf->dfd < 0) {
		fprintf(stderr, "dirtyrace: %s does not support O_DIRECT (%s), the independent reread path; use ext4, xfs or btrfs\n",
			o->dir, strerror(errno));
		return DR_EXIT_USAGE;
	}
	tf->shadow = shared_alloc(tf->nslots * sizeof(uint64_t));
	tf->ctl = shared_alloc(sizeof(*tf->ctl));
	if (!tf->shadow || !tf->ctl) {
		fprintf(stderr, "dirtyrace: out of memory for the shadow\n");
		return DR_EXIT_USAGE;
	}
	return 0;
}

void testfile_destroy(struct testfile *tf, bool keep)
{
	if (tf->fd >= 0)
		close(tf->fd);
	if (tf->dfd >= 0)
		close(tf->dfd);
	if (tf->path[0] && !keep && !tf->anon)
		unlink(tf->path);
	if (tf->shadow)
		munmap(tf->shadow, tf->nslots * sizeof(uint64_t));
	if (tf->ctl)
		munmap(tf->ctl, sizeof(*tf->ctl));
	tf->fd = tf->dfd = -1;
	tf->shadow = NULL;
	tf->ctl = NULL;
}

/* Spread over the CPUs: writer n on CPU n (agitators are not pinned). */
static void pin_self(unsigned int n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(n % (cpus > 0 ? cpus : 1), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

struct writer {
	struct testfile *tf;
	volatile uint64_t *map;	/* this process's mapping of the data area */
	unsigned int id;
	bool pin, oracle;	/* oracle: an agitator of this process publishes */
	unsigned int burst;	/* stores per run of consecutive slots */
	uint64_t rng;
};

/* Bit k set: file offset off lies in a range oracle k has published. */
static unsigned int oracle_armed(size_t off, unsigned int seq[NR_ORACLES])
{
	unsigned int armed = 0;

	for (int k = 0; k < NR_ORACLES; k++) {
		struct oracle *o = &oracles[k];
		size_t start;

		seq[k] = atomic_load(&o->seq);
		start = atomic_load(&o->off);
		if ((seq[k] & 1) && off >= start && off - start < atomic_load(&o->len))
			armed |= 1u << k;
	}
	return armed;
}

/*
 * A store that completed while its range was published the whole time
 * (same seq before and after) went through a translation the kernel had
 * already revoked. The fence orders the store before the second look.
 */
static void oracle_check(struct writer *w, size_t off, unsigned int armed,
			 const unsigned int seq[NR_ORACLES])
{
	atomic_thread_fence(memory_order_seq_cst);
	for (int k = 0; k < NR_ORACLES; k++)
		if ((armed & (1u << k)) && atomic_load(&oracles[k].seq) == seq[k])
			oracle_stale(w->tf, off, k, w->id);
}

/*
 * Hold while the coordinator verifies; ack so it knows we are quiet. The
 * ack is re-sent while holding: a writer slow to wake (a starved vCPU, a
 * debug kernel) can sleep through a resume and the next pause, and must
 * ack that pause too. gen is read before paused: the coordinator bumps gen
 * and then sets paused, so paused seen set after gen g is pause g itself,
 * and we stay here until its resume.
 */
static void writer_hold(struct control *ctl, unsigned int id)
{
	for (;;) {
		unsigned int gen = atomic_load(&ctl->gen);

		if (!atomic_load(&ctl->paused) || atomic_load(&ctl->stop))
			return;
		atomic_store(&ctl->ack[id], gen);
		usleep(200);
	}
}

/*
 * Where the next run of stores starts. Mostly inside a hot window of
 * HOT_PAGES pages that moves to a random place every HOT_RUNS runs, as
 * real writers have locality: the pages with this CPU's live TLB entries
 * and the dirty pages a clean picks are then the pages the next stores
 * go to, which is what a stale entry needs. One run in HOT_COLD anywhere.
 */
#define HOT_RUNS	256
#define HOT_COLD	8

atomic_size_t hot_windows[MAX_WRITERS];

static uint64_t next_run(struct writer *w, uint64_t per, uint64_t hot_len,
			 uint64_t *hot, unsigned int *runs)
{
	if (hot_len < 1 || hot_len >= per || xorshift(&w->rng) % HOT_COLD == 0)
		return xorshift(&w->rng) % per;
	if ((*runs)++ % HOT_RUNS == 0) {
		*hot = xorshift(&w->rng) % (per - hot_len + 1);
		/* The agitators aim at it: the file page of its first slot. */
		atomic_store_explicit(&hot_windows[w->id],
				      (PAGE + (w->id + w->tf->nwriters * *hot) *
				       sizeof(uint64_t)) / PAGE * PAGE,
				      memory_order_relaxed);
	}
	return *hot + xorshift(&w->rng) % hot_len;
}

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	struct testfile *tf = w->tf;
	struct control *ctl = tf->ctl;
	uint64_t per = tf->nslots / tf->nwriters, writes = 0, k = 0, hot = 0;
	/* own slots in HOT_PAGES pages */
	uint64_t hot_len = HOT_PAGES * (PAGE / sizeof(uint64_t)) / tf->nwriters;
	unsigned int left = 0, runs = 0;

	atomic_store(&ctl->tid[w->id], (int)syscall(SYS_gettid));
	if (w->pin)
		pin_self(w->id);
	while (!atomic_load_explicit(&ctl->stop, memory_order_relaxed)) {
		/*
		 * Runs of --burst consecutive own slots (one page, mostly):
		 * one fault, then stores through the fresh TLB entry, which
		 * are the stores a stale entry lets through.
		 */
		if (left) {
			k = (k + 1) % per;
			left--;
		} else {
			k = next_run(w, per, hot_len, &hot, &runs);
			left = w->burst - 1;
		}
		uint64_t slot = w->id + tf->nwriters * k;
		uint64_t stamp = stamp_make(w->id, slot,
					    stamp_seq(tf->shadow[slot]) + 1);
		size_t off = PAGE + slot * sizeof(uint64_t);
		unsigned int seq[NR_ORACLES], armed = w->oracle ? oracle_armed(off, seq) : 0;

		/* Owed to the file only once the store completed. */
		if (guarded_store(&w->map[slot], stamp)) {
			tf->shadow[slot] = stamp;
			if (armed)
				oracle_check(w, off, armed, seq);
		} else {
			atomic_fetch_add_explicit(&ctl->faulted[w->id], 1,
						  memory_order_relaxed);
		}
		if (armed)	/* judged by the oracle, faulted or not */
			atomic_fetch_add_explicit(&ctl->oracle_checks[w->id], 1,
						  memory_order_relaxed);
		if (!(++writes & 63))
			atomic_store_explicit(&ctl->writes[w->id], writes,
					      memory_order_relaxed);
		if (atomic_load(&ctl->paused)) {
			atomic_store(&ctl->writes[w->id], writes);
			writer_hold(ctl, w->id);
		}
	}
	atomic_store(&ctl->writes[w->id], writes);
	return NULL;
}

/* One writer process: its own MAP_SHARED mapping, o->threads threads. */
static void writer_proc(struct testfile *tf, const struct opts *o,
			unsigned int proc)
{
	struct writer w[MAX_WRITERS];
	pthread_t th[MAX_WRITERS], ath[AGIT_THREADS];
	struct agit_thread *ag = NULL;
	char *map;
	unsigned int i;
	int nag = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	guard_install();
	map = mmap(NULL, tf->size, PROT_READ | PROT_WRITE, MAP_SHARED, tf->fd, 0);
	if (map == MAP_FAILED) {
		perror("dirtyrace: writer mmap");
		_exit(1);
	}
	/* Checked by hugepage_check() at set-up. */
	if (o->hugepage)
		madvise(map, tf->size, MADV_HUGEPAGE);
	for (i = 0; i < o->threads; i++) {
		w[i].tf = tf;
		w[i].map = (volatile uint64_t *)(map + PAGE);
		w[i].id = proc * o->threads + i;
		w[i].pin = o->pin;
		w[i].burst = o->burst;
		w[i].oracle = o->agitate & ORACLE_AGITATORS;
		w[i].rng = o->seed * 0x9E3779B97F4A7C15ULL + w[i].id * 7919 + 1;
		if (pthread_create(&th[i], NULL, writer_fn, &w[i])) {
			fprintf(stderr, "dirtyrace: pthread_create failed\n");
			_exit(1);
		}
	}
	if (o->agitate) {
		nag = agitators_start(tf, map, o, proc, ath, &ag);
		if (nag < 0) {
			fprintf(stderr, "dirtyrace: cannot start the agitators\n");
			_exit(1);
		}
	}
	for (i = 0; i < o->threads; i++)
		pthread_join(th[i], NULL);
	for (int a = 0; a < nag; a++)
		pthread_join(ath[a], NULL);
	free(ag);
	_exit(0);
}

int writers_start(struct testfile *tf, const struct opts *o)
{
	unsigned int p;

	tf->ctl->t0 = now();	/* the oracle's records are relative to this */
	for (p = 0; p < o->procs; p++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("dirtyrace: fork");
			return -1;
		}
		if (!pid)
			writer_proc(tf, o, p);
		tf->pids[p] = pid;
		tf->nprocs = p + 1;
		cgroup_add(tf, pid);
	}
	return 0;
}

/* A writer that did not pause: its state and where the kernel holds it. */
static void writer_describe(const struct control *ctl, unsigned int id)
{
	int tid = atomic_load(&ctl->tid[id]);
	char path[64], line[256], *st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	f = fopen(path, "r");
	st = f && fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	fprintf(stderr, "dirtyrace: writer %u (tid %d, state %c) did not pause in %d s\n",
		id, tid, st && st[1] ? st[2] : '?', PAUSE_TIMEOUT_S);
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/stack", tid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		fprintf(stderr, "dirtyrace:   %s", line);
	if (f)
		fclose(f);
}

/*
 * Returns 0 once every writer acknowledged, -1 when one died or did not
 * within PAUSE_TIMEOUT_S (each such writer named).
 */
int writers_pause(struct testfile *tf)
{
	struct control *ctl = tf->ctl;
	unsigned int gen = atomic_fetch_add(&ctl->gen, 1) + 1, i;
	double deadline = now() + PAUSE_TIMEOUT_S;
	int ret = 0;

	atomic_store(&ctl->paused, 1);
	for (i = 0; i < tf->nwriters; i++)
		while (atomic_load(&ctl->ack[i]) != gen) {
			if (writers_dead(tf))
				return -1;
			if (now() > deadline) {
				writer_describe(ctl, i);
				ret = -1;
				break;
			}
			usleep(100);
		}
	return ret;
}

void writers_resume(struct testfile *tf)
{
	atomic_store(&tf->ctl->paused, 0);
}

void writers_stop(struct testfile *tf)
{
	unsigned int p;

	if (!tf->ctl)
		return;
	atomic_store(&tf->ctl->stop, 1);
	for (p = 0; p < tf->nprocs; p++) {
		if (tf->pids[p] > 0)
			waitpid(tf->pids[p], NULL, 0);
		tf->pids[p] = 0;
	}
}

/* A writer process that exited on its own is a failure worth naming. */
const char *writers_dead(struct testfile *tf)
{
	static char why[96];
	unsigned int p;
	int status;

	for (p = 0; p < tf->nprocs; p++) {
		if (tf->pids[p] <= 0 ||
		    waitpid(tf->pids[p], &status, WNOHANG) != tf->pids[p])
			continue;
		snprintf(why, sizeof(why), "writer process %d %s %d", tf->pids[p],
			 WIFSIGNALED(status) ? "killed by signal" : "exited with",
			 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		tf->pids[p] = -1;
		return why;
	}
	return NULL;
}

/* Sum of one per-writer counter of the shared control block. */
static uint64_t writers_sum(const struct testfile *tf, const atomic_ullong *per_writer)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < tf->nwriters; i++)
		sum += atomic_load(&per_writer[i]);
	return sum;
}

uint64_t writers_faulted(const struct testfile *tf)
{
	return writers_sum(tf, tf->ctl->faulted);
}

uint64_t writers_oracle_checks(const struct testfile *tf)
{
	return writers_sum(tf, tf->ctl->oracle_checks) + atomic_load(&tf->ctl->probe_checks);
}

uint64_t writers_total(const struct testfile *tf)
{
	return writers_sum(tf, tf->ctl->writes);
}
