// SPDX-License-Identifier: GPL-2.0
/*
 * Guarded accesses and the protection oracles' records, shared by the
 * writers (writers.c) and the agitators (agitate.c).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include "hammer.h"

/*
 * The owed-write protocol: a store that faults (its range unmapped or
 * read-only at that instant, by an agitator) did not happen, and x86
 * stores are precise, so the fault handler jumps back and the writer does
 * not record it. Any other SIGSEGV/SIGBUS is a real crash.
 */
static __thread sigjmp_buf guard_jb;
static __thread volatile sig_atomic_t guard_on;

static void guard_handler(int sig)
{
	if (guard_on) {
		guard_on = 0;
		siglongjmp(guard_jb, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void guard_install(void)
{
	struct sigaction sa = { .sa_handler = guard_handler, .sa_flags = SA_NODEFER };

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* True if the store completed, false if it faulted and so never happened. */
bool guarded_store(volatile uint64_t *p, uint64_t v)
{
	if (sigsetjmp(guard_jb, 0))
		return false;
	guard_on = 1;
	*p = v;
	guard_on = 0;
	return true;
}

/*
 * A store that changes nothing (an atomic OR of 0): the batch agitator's
 * probe for a writable translation, anywhere in the data area, without
 * overwriting a writer's stamp. True if it completed.
 */
bool guarded_touch(volatile uint64_t *p)
{
	if (sigsetjmp(guard_jb, 0))
		return false;
	guard_on = 1;
	atomic_fetch_or((volatile _Atomic uint64_t *)p, 0);
	guard_on = 0;
	return true;
}

uint64_t guarded_load(volatile uint64_t *p)
{
	volatile uint64_t v = 0;

	if (sigsetjmp(guard_jb, 0))
		return v;
	guard_on = 1;
	v = *p;
	guard_on = 0;
	return v;
}

struct oracle oracles[NR_ORACLES];

const char *oracle_name(enum oracle_kind k)
{
	static const char *const names[NR_ORACLES] = {
		[OR_MPROTECT] = "mprotect(PROT_READ)", [OR_MREMAP] = "mremap away",
		[OR_BATCH] = "mprotect(PROT_READ) of pages reclaim unmapped",
		[OR_ZAP] = "MADV_DONTNEED and mprotect(PROT_READ)",
	};

	return names[k];
}

/* A store by who into the range oracle k had published went through. */
void oracle_stale(struct testfile *tf, size_t off, enum oracle_kind k, unsigned int who)
{
	struct control *ctl = tf->ctl;
	unsigned int n = atomic_fetch_add(&ctl->nstale_recs, 1);

	atomic_fetch_add(&ctl->stale, 1);
	if (n < MAX_STALE)
		ctl->stale_recs[n] = (struct stale_rec) {
			.offset = off, .off = atomic_load(&oracles[k].off),
			.len = atomic_load(&oracles[k].len), .t = now(),
			.writer = who, .kind = k,
		};
}
