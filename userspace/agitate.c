// SPDX-License-Identifier: GPL-2.0
/*
 * PTE agitators (--agitate): threads inside each writer process that keep
 * changing the PTEs of the writers' shared file mapping while they write:
 * every userspace-reachable path that changes a present PTE,
 * each every 5-15 ms.
 *
 *   zap       MADV_DONTNEED on sub-ranges, and mmap(MAP_FIXED) of the file
 *             over sub-ranges (munmap + mmap in one call, no VA hole)
 *   mremap    move sub-ranges, sometimes the whole mapping, away and back
 *   mprotect  RW -> RO -> RW on sub-ranges
 *   fork      fork children that read the mapping and exit (the file's
 *             rmap gains and loses VMAs)
 *   reclaim   MADV_PAGEOUT / MADV_COLD, POSIX_FADV_DONTNEED, and the
 *             cgroup v2 memory.reclaim of the writers' cgroup when there is one
 *   batch     mprotect racing reclaim's batched TLB flush (two threads, see
 *             batch_protect(); needs the stall engine)
 *
 * A writer's store into a range that is unmapped or read-only at that
 * instant faults; writers.c catches the fault and does not record the
 * store, so the shadow stays exactly the set of completed stores.
 *
 * That holds only if nothing but the file is ever mapped inside the
 * writers' range: a completed store into anything else is owed to the
 * file but never reaches it, a false lost write. So no agitator leaves a
 * hole there (see plug()), and no thread is created once they run.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <semaphore.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hammer.h"


static const char *const names[NR_AGITATORS] = {
	[AG_ZAP] = "zap", [AG_MREMAP] = "mremap", [AG_MPROTECT] = "mprotect",
	[AG_FORK] = "fork", [AG_RECLAIM] = "reclaim", [AG_BATCH] = "batch",
};

const char *agitator_name(enum agitator a)
{
	return names[a];
}

/* "all", or a comma-separated list; returns the bitmask or -1. */
int agitators_parse(const char *list)
{
	char buf[128], *tok, *save = NULL;
	int mask = 0, a;

	if (!strcmp(list, "all"))
		return (1 << NR_AGITATORS) - 1;
	if (!strcmp(list, "none"))
		return 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (a = 0; a < NR_AGITATORS && strcmp(tok, names[a]); a++)
			;
		if (a == NR_AGITATORS)
			return -1;
		mask |= 1 << a;
	}
	return mask;
}

/*
 * Held across every change of which mapping backs a VA of the writers'
 * range (zap's MAP_FIXED remap, mremap away, plug and back), around
 * mremap's mmap(NULL) of its spot, so that plug() finds exactly the hole
 * it made and nothing is ever placed in one, and across mprotect's
 * read-only spell, so that nothing makes a range the protection oracle
 * has published writable behind its back. The kernel
 * serialises these calls on mmap_lock anyway, and the writers, whose
 * stores are what they race, never take this lock.
 */
static pthread_mutex_t layout_lock = PTHREAD_MUTEX_INITIALIZER;

struct agit_thread {
	struct testfile *tf;
	atomic_uint *go;	/* every agitator thread exists */
	char *map;		/* the process's mapping: whole file */
	enum agitator kind;
	bool second;		/* batch: the reclaimer, not the protector */
	int fd, fd2;		/* batch: stall_reclaim, /proc/self/pagemap */
	int cpu;		/* batch: pinned here; others: -1, not pinned */
	unsigned int takers;	/* turn_takers() */
	unsigned int turn_ms;	/* --agitate-turns */
	uint64_t rng;
};

/* The hot window of one of this process's writers at random, or 0. */
static size_t some_hot_window(struct agit_thread *ag)
{
	size_t w = xorshift(&ag->rng) % MAX_WRITERS, hot = 0;

	for (size_t i = 0; i < MAX_WRITERS && !hot; i++)
		hot = atomic_load_explicit(&hot_windows[(w + i) % MAX_WRITERS],
					   memory_order_relaxed);
	return hot;
}

/*
 * A page-aligned sub-range of the data area: [*off, *off + *len). Every
 * other one overlaps a writer's hot window, where its CPU holds TLB
 * entries and the next stores go (a PTE change elsewhere races nothing),
 * and is then at most 2 * HOT_PAGES long.
 */
static void subrange(struct agit_thread *ag, size_t max_pages, size_t *off, size_t *len)
{
	size_t pages = ag->tf->size / PAGE - 1, hot, first;
	size_t n = 1 + xorshift(&ag->rng) % (max_pages < pages ? max_pages : pages);

	first = 1 + xorshift(&ag->rng) % (pages - n + 1);
	hot = xorshift(&ag->rng) & 1 ? some_hot_window(ag) / PAGE : 0;
	if (hot) {
		size_t back;

		/* Small enough for the stall engine's clean to cover it all. */
		if (n > 2 * HOT_PAGES)
			n = 1 + xorshift(&ag->rng) % (2 * HOT_PAGES);
		/* Starts up to n - 1 pages before a page of the window. */
		back = xorshift(&ag->rng) % n;
		hot += xorshift(&ag->rng) % HOT_PAGES;
		first = hot > back ? hot - back : 1;
		first = first > pages - n + 1 ? pages - n + 1 : first;
	}
	*off = PAGE * first;
	*len = n * PAGE;
}

static void note(struct agit_thread *ag, int ok)
{
	atomic_fetch_add(ok ? &ag->tf->ctl->agit_ops[ag->kind] : &ag->tf->ctl->agit_errors[ag->kind], 1);
}

/* The hammer broke its own protocol: stop everything, no verdict. */
static void harness_error(struct agit_thread *ag, const char *what, size_t off, size_t len)
{
	struct control *ctl = ag->tf->ctl;

	if (!atomic_exchange(&ctl->harness_error, 1))
		snprintf(ctl->harness_msg, sizeof(ctl->harness_msg),
			 "%s agitator: %s at file offset 0x%zx, %zu bytes (%s)",
			 names[ag->kind], what, off, len, strerror(errno));
	atomic_store(&ctl->stop, 1);
}

/*
 * mremap away leaves a hole in the writers' range, and the next
 * mmap(NULL) of any thread in the process may land in it: a thread stack
 * did, and the writers' stores into it were reported lost. Plug the hole
 * at once with a PROT_NONE mapping of the file through the read-only fd:
 * stores into it fault (not owed), mprotect cannot make it writable, and
 * MAP_FIXED_NOREPLACE proves that nothing else got there first.
 */
static bool plug(struct agit_thread *ag, size_t off, size_t len)
{
	char *want = ag->map + off;
	void *p = mmap(want, len, PROT_NONE, MAP_SHARED | MAP_FIXED_NOREPLACE,
		       ag->tf->dfd, off);

	if (p == want)
		return true;
	if (p != MAP_FAILED)	/* a kernel that took NOREPLACE as a hint */
		munmap(p, len);
	harness_error(ag, "another mapping took the range moved away", off, len);
	return false;
}

/* Publish [off, off + len) once the syscall that protects it returned. */
static void forbid(enum oracle_kind k, size_t off, size_t len)
{
	atomic_store(&oracles[k].off, off);
	atomic_store(&oracles[k].len, len);
	atomic_fetch_add(&oracles[k].seq, 1);	/* odd: published */
}

/* Withdraw it before the syscall that lifts the protection. */
static void allow(enum oracle_kind k)
{
	atomic_fetch_add(&oracles[k].seq, 1);
}

/*
 * MADV_DONTNEED, then read-only: the mprotect finds no PTE the zap
 * cleared and flushes nothing for them, so a store that completes while
 * the range is published went through a TLB entry the zap left behind
 * (a batched zap that flushed only part of its range). This thread
 * stores to every page first (a store that changes nothing), so that its
 * own CPU holds writable entries the zap must flush, and probes them
 * right after the mprotect, before any other flush can wipe them; the
 * writers' stores in the range are judged too. A writer that refaults
 * between the two calls gets a PTE the mprotect does change and flush.
 */
/*
 * Store to every page of [off, off + len) (a store that changes nothing,
 * see guarded_touch()); with oracle k published, those are its checks.
 */
static void touch_pages(struct agit_thread *ag, size_t off, size_t len, int k)
{
	for (size_t at = off; at < off + len; at += PAGE) {
		if (guarded_touch((volatile uint64_t *)(ag->map + at)) && k >= 0)
			oracle_stale(ag->tf, at, k, ORACLE_AGITATOR);
		if (k >= 0)
			atomic_fetch_add(&ag->tf->ctl->probe_checks, 1);
	}
}

static int zap_protect(struct agit_thread *ag, size_t off, size_t len)
{
	cpu_set_t was, here;
	int ok;

	/* The probes must run on the CPU whose entries the zap had to flush. */
	CPU_ZERO(&here);
	CPU_SET(sched_getcpu(), &here);
	if (sched_getaffinity(0, sizeof(was), &was) || sched_setaffinity(0, sizeof(here), &here))
		return 0;
	pthread_mutex_lock(&layout_lock);
	touch_pages(ag, off, len, -1);
	ok = !madvise(ag->map + off, len, MADV_DONTNEED) &&
	     !mprotect(ag->map + off, len, PROT_READ);
	if (ok) {
		forbid(OR_ZAP, off, len);
		touch_pages(ag, off, len, OR_ZAP);
		usleep(xorshift(&ag->rng) % 200);
		allow(OR_ZAP);
	}
	if (mprotect(ag->map + off, len, PROT_READ | PROT_WRITE))
		harness_error(ag, "cannot make the range writable again", off, len);
	pthread_mutex_unlock(&layout_lock);
	sched_setaffinity(0, sizeof(was), &was);
	return ok;
}

static void zap(struct agit_thread *ag)
{
	size_t off, len;

	subrange(ag, 64, &off, &len);
	switch (xorshift(&ag->rng) % 4) {
	case 0:
		note(ag, !madvise(ag->map + off, len, MADV_DONTNEED));
		return;
	case 1:
		note(ag, zap_protect(ag, off, len));
		return;
	}
	pthread_mutex_lock(&layout_lock);
	/* A failed MAP_FIXED may have unmapped the range already. */
	if (mmap(ag->map + off, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 ag->tf->fd, off) == MAP_FAILED)
		harness_error(ag, "mmap(MAP_FIXED) of the file failed, maybe leaving a hole",
			      off, len);
	else
		note(ag, 1);
	pthread_mutex_unlock(&layout_lock);
}

/* Away to a reserved spot and back; large ranges widen the window. */
static void move(struct agit_thread *ag)
{
	size_t off, len;
	char *spot, *moved;
	bool ok, published = false;

	if (xorshift(&ag->rng) % 8 == 0) {
		off = PAGE;
		len = ag->tf->size - PAGE;
	} else {
		subrange(ag, 256, &off, &len);
	}
	/*
	 * The lock also keeps this mmap(NULL) away from any hole (there is
	 * none), and nothing can map over the plug while it is published.
	 */
	pthread_mutex_lock(&layout_lock);
	spot = atomic_load(&ag->tf->ctl->stop) ? MAP_FAILED :
	       mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	moved = spot == MAP_FAILED ? MAP_FAILED :
		mremap(ag->map + off, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, spot);
	if (moved == MAP_FAILED) {
		if (spot != MAP_FAILED)
			munmap(spot, len);	/* a failed mremap may have unmapped it */
		pthread_mutex_unlock(&layout_lock);
		note(ag, 0);
		return;
	}
	published = plug(ag, off, len);
	if (published)
		forbid(OR_MREMAP, off, len);
	usleep(xorshift(&ag->rng) % 200);
	if (published)
		allow(OR_MREMAP);
	/* Back over the plug: MREMAP_FIXED replaces it in one step. */
	ok = mremap(moved, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, ag->map + off) != MAP_FAILED;
	if (!ok) {
		if (mmap(ag->map + off, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 ag->tf->fd, off) == MAP_FAILED)
			harness_error(ag, "cannot map the file back in place", off, len);
		munmap(moved, len);
	}
	pthread_mutex_unlock(&layout_lock);
	note(ag, ok);
}

static void protect(struct agit_thread *ag)
{
	size_t off, len;
	int ok;

	subrange(ag, 64, &off, &len);
	/* Under the layout lock, nothing else makes the range writable. */
	pthread_mutex_lock(&layout_lock);
	ok = !mprotect(ag->map + off, len, PROT_READ);
	if (ok)
		forbid(OR_MPROTECT, off, len);
	usleep(xorshift(&ag->rng) % 200);
	if (ok)
		allow(OR_MPROTECT);
	ok &= !mprotect(ag->map + off, len, PROT_READ | PROT_WRITE);
	pthread_mutex_unlock(&layout_lock);
	note(ag, ok);
}

/* The child only reads, guarded: a range may be moved away right now. */
static void forker(struct agit_thread *ag)
{
	pid_t pid = fork();
	int status;

	if (!pid) {
		size_t pages = ag->tf->size / PAGE;
		uint64_t sum = 0;

		for (size_t i = 1; i < pages; i += 7)
			sum += guarded_load((volatile uint64_t *)(ag->map + i * PAGE));
		_exit(sum == 1);	/* use sum; exit 0 almost surely */
	}
	if (pid < 0) {
		note(ag, 0);
		return;
	}
	note(ag, waitpid(pid, &status, 0) == pid && WIFEXITED(status));
}

static void reclaim(struct agit_thread *ag)
{
	static const int advice[] = { MADV_PAGEOUT, MADV_COLD };
	size_t off, len;
	int ok;

	subrange(ag, 256, &off, &len);
	switch (xorshift(&ag->rng) % 3) {
	case 0:
	case 1:
		ok = !madvise(ag->map + off, len, advice[xorshift(&ag->rng) & 1]);
		break;
	default:
		ok = !posix_fadvise(ag->tf->fd, off, len, POSIX_FADV_DONTNEED);
		break;
	}
	note(ag, ok);
	if (ag->tf->cgroup[0] && xorshift(&ag->rng) % 4 == 0) {
		cgroup_reclaim(ag->tf);
		atomic_fetch_add(&ag->tf->ctl->agit_ops[AG_RECLAIM], 1);
	}
}

/*
 * batch: mprotect() racing reclaim's batched TLB flush. The protector
 * (pinned to one CPU) stores to a few pages (a store that changes nothing,
 * see guarded_touch()), so its CPU holds writable TLB entries for them;
 * the reclaimer (pinned to another) asks the module to reclaim exactly
 * those pages (stall_reclaim: the kernel's reclaim_pages(), no mmap_lock),
 * which unmaps them and defers the flush to the end of its batch, held by
 * the stall engine. Once /proc/self/pagemap shows them all unmapped the
 * protector write-protects them: mprotect() finds no PTE to change, so
 * only its flush_tlb_batched_pending() ("mm, mprotect: flush TLB if
 * potentially racing with a parallel reclaim leaving stale TLB entries",
 * 2017) removes the old entries before it returns. The range is then
 * published to the oracle and the protector probes every page: a probe
 * that completes went through a stale entry.
 */
#define BATCH_RUN	8	/* pages per round, at most */
enum { BATCH_ASKED, BATCH_RECLAIMING, BATCH_DONE };

static struct {
	sem_t go, done;		/* protector -> reclaimer -> protector */
	atomic_uint state;	/* BATCH_*: where the round is */
	size_t first, n;	/* the round's pages */
} batch_round;			/* one writer process per address space */

static bool sem_wait_or_stop(sem_t *sem, struct control *ctl)
{
	struct timespec ts;

	for (;;) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (!sem_timedwait(sem, &ts))
			return true;
		if (atomic_load(&ctl->stop))
			return false;
	}
}

static void batch_reclaim(struct agit_thread *ag)
{
	char req[48];
	int len;

	if (!sem_wait_or_stop(&batch_round.go, ag->tf->ctl))
		return;
	len = snprintf(req, sizeof(req), "%zu %zu", batch_round.first, batch_round.n);
	atomic_store(&batch_round.state, BATCH_RECLAIMING);
	if (pwrite(ag->fd, req, len, 0) != len)
		harness_error(ag, "the module's " DR_FILE_STALL_RECLAIM " refused",
			      batch_round.first * PAGE, batch_round.n * PAGE);
	atomic_store(&batch_round.state, BATCH_DONE);
	sem_post(&batch_round.done);
}

/* Are pages [first, first + n) all unmapped in this process right now? */
static bool unmapped(struct agit_thread *ag, size_t first, size_t n)
{
	uint64_t pm[BATCH_RUN];
	off_t at = (off_t)((uintptr_t)(ag->map + first * PAGE) / PAGE * sizeof(pm[0]));
	size_t i;

	if (pread(ag->fd2, pm, n * sizeof(pm[0]), at) != (ssize_t)(n * sizeof(pm[0])))
		return false;
	for (i = 0; i < n && !(pm[i] >> 63); i++)	/* bit 63: present */
		;
	return i == n;
}

static void batch_protect(struct agit_thread *ag)
{
	size_t pages = ag->tf->size / PAGE, n = 1 + xorshift(&ag->rng) % BATCH_RUN;
	size_t first = 1 + xorshift(&ag->rng) % (pages - n), len = n * PAGE;
	char *at = ag->map + first * PAGE;
	bool inside = false;

	/* Nothing moves or protects these pages but this round. */
	pthread_mutex_lock(&layout_lock);
	batch_round.first = first;
	batch_round.n = n;
	touch_pages(ag, first * PAGE, len, -1);
	atomic_store(&batch_round.state, BATCH_ASKED);
	sem_post(&batch_round.go);
	while (atomic_load(&batch_round.state) == BATCH_ASKED && !atomic_load(&ag->tf->ctl->stop))
		;	/* the reclaimer is on its way into the kernel */
	while (atomic_load(&batch_round.state) == BATCH_RECLAIMING &&
	       !(inside = unmapped(ag, first, n)))
		;
	if (inside && !mprotect(at, len, PROT_READ)) {
		forbid(OR_BATCH, first * PAGE, len);
		touch_pages(ag, first * PAGE, len, OR_BATCH);
		allow(OR_BATCH);
		if (mprotect(at, len, PROT_READ | PROT_WRITE))
			harness_error(ag, "cannot make the range writable again", first * PAGE, len);
		note(ag, 1);
	}
	sem_wait_or_stop(&batch_round.done, ag->tf->ctl);
	pthread_mutex_unlock(&layout_lock);
}

static void batch(struct agit_thread *ag)
{
	if (ag->second)
		batch_reclaim(ag);
	else
		batch_protect(ag);
}

/*
 * With --agitate-turns, the selected agitators, and the migrate engine
 * when it runs, take turns: one at a time, each for turn_ms, in the order
 * of enum agitator and migrate last, on the monotonic clock that every
 * writer process and the coordinator share. A stale TLB entry one race
 * leaves is then not wiped by the flushes of the others (on x86 a CPU
 * more than one flush generation behind flushes everything).
 */
unsigned int turn_takers(const struct opts *o)
{
	return o->agitate | (engine_on(o, ENG_MIGRATE) ? 1u << TURN_MIGRATE : 0);
}

/* Whose turn it is now (a bit of takers), or -1: all at once. */
int turn_now(unsigned int takers, unsigned int turn_ms)
{
	int n = __builtin_popcount(takers), turn, a;

	if (!turn_ms || n < 2)
		return -1;
	turn = (int)((uint64_t)(now() * 1000) / turn_ms % n);
	for (a = 0; turn || !(takers & (1u << a)); a++)
		if (takers & (1u << a))
			turn--;
	return a;
}

static bool agitator_turn(const struct agit_thread *ag)
{
	int t = turn_now(ag->takers, ag->turn_ms);

	return t < 0 || t == (int)ag->kind;
}

static void *agitator_fn(void *arg)
{
	static void (*const fns[NR_AGITATORS])(struct agit_thread *) = {
		[AG_ZAP] = zap, [AG_MREMAP] = move, [AG_MPROTECT] = protect,
		[AG_FORK] = forker, [AG_RECLAIM] = reclaim, [AG_BATCH] = batch,
	};
	struct agit_thread *ag = arg;
	struct control *ctl = ag->tf->ctl;

	if (ag->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(ag->cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	/* Thread creation maps stacks: none may happen while a range is away. */
	while (!atomic_load(ag->go) && !atomic_load(&ctl->stop))
		usleep(100);
	while (!atomic_load(&ctl->stop)) {
		if (!agitator_turn(ag)) {
			usleep(1000);
			continue;
		}
		fns[ag->kind](ag);
		if (ag->kind == AG_BATCH && !ag->second)
			/*
			 * Each round ends in a flush of every CPU the writers
			 * ran on (the batch's), which would also wipe the stale
			 * entries the other races need: a round in 200-600 ms
			 * (nearly every round catches a kernel that lacks
			 * flush_tlb_batched_pending()).
			 */
			usleep(200000 + xorshift(&ag->rng) % 400000);
		else if (!ag->second)	/* the reclaimer waits for the protector */
			usleep(5000 + xorshift(&ag->rng) % 10000);	/* leave the writers room to write */
	}
	return NULL;
}

/*
 * The batch threads' files and CPUs: the protector on one CPU, the
 * reclaimer on the next, so that the reclaim finds the protector's CPU in
 * the mm's cpumask and defers its flush.
 */
static int batch_start(struct agit_thread *ag, unsigned int proc)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char path[256];

	if (cpus < 2)
		return -1;
	if (ag->second) {
		knob_path(path, sizeof(path), DR_FILE_STALL_RECLAIM);
		ag->fd = open(path, O_WRONLY);
		if (ag->fd < 0)
			return -1;
	} else {
		ag->fd2 = open("/proc/self/pagemap", O_RDONLY);
		if (ag->fd2 < 0)
			return -1;
		sem_init(&batch_round.go, 0, 0);
		sem_init(&batch_round.done, 0, 0);
	}
	ag->cpu = (proc + ag->second) % cpus;
	return 0;
}

/* One thread per selected agitator in this writer process (batch: two). */
int agitators_start(struct testfile *tf, char *map, const struct opts *o, unsigned int proc,
		    pthread_t *th, struct agit_thread **out)
{
	int mask = o->agitate;
	uint64_t seed = o->seed;
	static atomic_uint go;	/* one writer process per address space */
	struct agit_thread *ag = calloc(AGIT_THREADS, sizeof(*ag));
	int n = 0;

	if (!ag)
		return -1;
	for (int a = 0; a < NR_AGITATORS; a++) {
		if (!(mask & (1 << a)))
			continue;
		for (int second = 0; second <= (a == AG_BATCH); second++) {
			ag[n] = (struct agit_thread) {
				.tf = tf, .go = &go, .map = map, .kind = a,
				.second = second, .fd = -1, .fd2 = -1, .cpu = -1,
				.takers = turn_takers(o), .turn_ms = o->agitate_turns,
				.rng = seed * 0x9E3779B97F4A7C15ULL + proc * 131 + a + 1 + second * 17,
			};
			if (a == AG_BATCH && batch_start(&ag[n], proc))
				return -1;
			if (pthread_create(&th[n], NULL, agitator_fn, &ag[n]))
				return -1;
			n++;
		}
	}
	atomic_store(&go, 1);
	*out = ag;
	return n;
}
