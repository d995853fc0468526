// SPDX-License-Identifier: GPL-2.0
/*
 * Verify rounds. With every writer quiet, fsync() writes back whatever
 * the kernel knows is dirty; then the whole data area is reread from disk
 * with O_DIRECT, bypassing the page cache, and every slot is compared with
 * the shadow. A completed store the disk does not hold was lost: the
 * kernel believed its page clean.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hammer.h"

#define CHUNK	(1 << 20)

int verify_init(struct verify_state *v, const struct testfile *tf)
{
	memset(v, 0, sizeof(*v));
	v->first_detect = -1;
	v->reported = calloc(tf->nslots, sizeof(uint64_t));
	if (!v->reported || posix_memalign((void **)&v->buf, PAGE, CHUNK))
		return -1;
	return 0;
}

void verify_free(struct verify_state *v)
{
	free(v->reported);
	free(v->buf);
}

static const char *classify(uint64_t slot, uint64_t expected, uint64_t found)
{
	if (found && (stamp_check(found) != slot_check(slot) ||
		      stamp_writer(found) != stamp_writer(expected)))
		return "misplaced";
	return stamp_seq(found) < stamp_seq(expected) ? "lost" : "ahead";
}

/* Each (slot, expected stamp) is counted once, however long it stays lost. */
static void record(struct verify_state *v, uint64_t slot, uint64_t expected,
		   uint64_t found, double t)
{
	const char *kind = classify(slot, expected, found);

	if (v->reported[slot] == expected)
		return;
	v->reported[slot] = expected;
	if (!strcmp(kind, "lost"))
		v->lost++;
	else
		v->violations++;
	if (v->first_detect < 0)
		v->first_detect = t;
	if (v->nrecs < MAX_REPORTED)
		v->recs[v->nrecs++] = (struct loss) {
			.slot = slot, .offset = PAGE + slot * sizeof(uint64_t),
			.expected = expected, .found = found,
			.round = v->rounds, .t = t, .kind = kind,
		};
}

/* Writers must be paused. Returns the number of new findings, or -1. */
int verify_round(struct verify_state *v, const struct testfile *tf, double t)
{
	uint64_t before = v->lost + v->violations, slot = 0;
	uint64_t end = PAGE + tf->nslots * sizeof(uint64_t);

	if (fsync(tf->fd)) {
		fprintf(stderr, "dirtyrace: fsync: %s\n", strerror(errno));
		return -1;
	}
	v->rounds++;
	for (uint64_t off = PAGE; off < end; off += CHUNK) {
		size_t want = end - off < CHUNK ? end - off : CHUNK;
		ssize_t n = pread(tf->dfd, v->buf, want, off);

		if (n != (ssize_t)want) {
			fprintf(stderr, "dirtyrace: O_DIRECT read at %llu: %s\n",
				(unsigned long long)off, n < 0 ? strerror(errno) : "short");
			return -1;
		}
		for (size_t i = 0; i < want / sizeof(uint64_t); i++, slot++)
			if (v->buf[i] != tf->shadow[slot])
				record(v, slot, tf->shadow[slot], v->buf[i], t);
	}
	return (int)(v->lost + v->violations - before);
}
