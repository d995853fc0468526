// SPDX-License-Identifier: GPL-2.0
/*
 * PTE agitators (--agitate): threads inside each writer process that keep
 * changing the PTEs of the writers' shared file mapping while they write:
 * every userspace-reachable path that changes a present PTE (seed 000),
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
 *             batch_protect())
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
	bool second;		/* batch: the protector, not the reclaimer */
	int pagemap;		/* batch protector: /proc/self/pagemap */
	uint64_t rng;
};

/* A page-aligned sub-range of the data area: [*off, *off + *len). */
static void subrange(struct agit_thread *ag, size_t max_pages, size_t *off, size_t *len)
{
	size_t pages = ag->tf->size / PAGE - 1;
	size_t n = 1 + xorshift(&ag->rng) % (max_pages < pages ? max_pages : pages);

	*off = PAGE * (1 + xorshift(&ag->rng) % (pages - n + 1));
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

static void zap(struct agit_thread *ag)
{
	size_t off, len;

	subrange(ag, 64, &off, &len);
	if (xorshift(&ag->rng) & 1) {
		note(ag, !madvise(ag->map + off, len, MADV_DONTNEED));
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
	if (ag->tf->cgroup[0] && xorshift(&ag->rng) % 4 == 0)
		cgroup_reclaim(ag->tf, AG_RECLAIM);
}

/*
 * batch: reclaim unmaps the writers' pages with their TLB flush deferred
 * to the end of its batch (held open by the stall engine), while they
 * still have TLB entries on another CPU. An mprotect() of exactly such
 * pages finds no PTE to change, so only its flush_tlb_batched_pending()
 * ("mm, mprotect: flush TLB if potentially racing with a parallel reclaim
 * leaving stale TLB entries", 2017) stops a store through those entries
 * after it returned. The reclaimer writes the writers' cgroup
 * memory.reclaim, which takes no mmap_lock (MADV_PAGEOUT holds it, so
 * mprotect could never overlap it); the protector, while that write is in
 * the kernel, write-protects a run of pages /proc/self/pagemap shows
 * unmapped and publishes it to the oracle.
 */
static atomic_uint batch_reclaiming;	/* one writer process per address space */

#define BATCH_RUN	64	/* pages read from pagemap and protected, at most */

static void batch_reclaim(struct agit_thread *ag)
{
	atomic_store(&batch_reclaiming, 1);
	cgroup_reclaim(ag->tf, AG_BATCH);
	atomic_store(&batch_reclaiming, 0);
}

/* A run of data pages not mapped right now: [*off, *off + *len), or 0. */
static size_t unmapped_run(struct agit_thread *ag, size_t *off)
{
	size_t pages = ag->tf->size / PAGE, first, i, n = 0;
	uint64_t pm[BATCH_RUN];
	ssize_t got;

	first = 1 + xorshift(&ag->rng) % (pages - 1);
	n = pages - first < BATCH_RUN ? pages - first : BATCH_RUN;
	got = pread(ag->pagemap, pm, n * sizeof(pm[0]),
		    (off_t)((uintptr_t)(ag->map + first * PAGE) / PAGE * sizeof(pm[0])));
	if (got < (ssize_t)sizeof(pm[0]))
		return 0;
	n = got / sizeof(pm[0]);
	for (i = 0; i < n && (pm[i] >> 63); i++)	/* bit 63: present */
		;
	*off = (first + i) * PAGE;
	for (n -= i, i = 0; i < n && !(pm[*off / PAGE - first + i] >> 63); i++)
		;
	return i * PAGE;
}

/* While the reclaimer is in the kernel, protect what it unmapped. */
static void batch_protect(struct agit_thread *ag)
{
	size_t off, len;
	int ok;

	while (!atomic_load(&batch_reclaiming) && !atomic_load(&ag->tf->ctl->stop))
		usleep(50);
	while (atomic_load(&batch_reclaiming) && !atomic_load(&ag->tf->ctl->stop)) {
		len = unmapped_run(ag, &off);
		if (!len)
			continue;
		pthread_mutex_lock(&layout_lock);
		ok = !mprotect(ag->map + off, len, PROT_READ);
		if (ok)
			forbid(OR_BATCH, off, len);
		usleep(xorshift(&ag->rng) % 200);
		if (ok)
			allow(OR_BATCH);
		ok &= !mprotect(ag->map + off, len, PROT_READ | PROT_WRITE);
		pthread_mutex_unlock(&layout_lock);
		note(ag, ok);
	}
}

static void batch(struct agit_thread *ag)
{
	if (ag->second)
		batch_protect(ag);
	else
		batch_reclaim(ag);
}

static void *agitator_fn(void *arg)
{
	static void (*const fns[NR_AGITATORS])(struct agit_thread *) = {
		[AG_ZAP] = zap, [AG_MREMAP] = move, [AG_MPROTECT] = protect,
		[AG_FORK] = forker, [AG_RECLAIM] = reclaim, [AG_BATCH] = batch,
	};
	struct agit_thread *ag = arg;
	struct control *ctl = ag->tf->ctl;

	/* Thread creation maps stacks: none may happen while a range is away. */
	while (!atomic_load(ag->go) && !atomic_load(&ctl->stop))
		usleep(100);
	while (!atomic_load(&ctl->stop)) {
		fns[ag->kind](ag);
		if (!ag->second)	/* the protector waits for the reclaimer */
			usleep(5000 + xorshift(&ag->rng) % 10000);	/* leave the writers room to write */
	}
	return NULL;
}

/* One thread per selected agitator in this writer process. */
int agitators_start(struct testfile *tf, char *map, int mask, unsigned int proc,
		    uint64_t seed, pthread_t *th, struct agit_thread **out)
{
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
				.second = second, .pagemap = -1,
				.rng = seed * 0x9E3779B97F4A7C15ULL + proc * 131 + a + 1 + second * 17,
			};
			if (second && (ag[n].pagemap = open("/proc/self/pagemap", O_RDONLY)) < 0)
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
