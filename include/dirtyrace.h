/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dirtyrace: names shared by the kernel module and the userspace hammer.
 *
 * Everything an operator or the hammer can see in debugfs is named here
 * once: the directory, the knob files, the stat keys printed by the
 * "stats" file and the header that marks a file as hammer-created.
 */
#ifndef DIRTYRACE_H
#define DIRTYRACE_H

#include <linux/types.h>

#define DR_DEBUGFS_MOUNT	"/sys/kernel/debug"
#define DR_DEBUGFS_DIR		"dirtyrace"
#define DR_DEBUGFS_PATH		DR_DEBUGFS_MOUNT "/" DR_DEBUGFS_DIR

/* Exit codes of "dirtyrace run" (the selftests judge runs by them). */
enum dr_exit {
	DR_EXIT_PASS = 0,		/* race exercised, nothing lost */
	DR_EXIT_LOST = 1,		/* a lost write or a stale TLB store */
	DR_EXIT_USAGE = 2,		/* bad option or set-up error */
	DR_EXIT_INCONCLUSIVE = 3,	/* no kernel path was exercised */
	DR_EXIT_SKIP = 4,		/* kselftest skip: a prerequisite is missing */
};

/* Core knobs (module/main.c). */
#define DR_KNOB_TARGET		"target"	/* "PATH [owner=PID]", "none" */
#define DR_KNOB_RUN		"run"		/* 1 start, 0 stop */
#define DR_KNOB_DURATION	"duration_ms"	/* 0: until stopped */
#define DR_DURATION_MAX_S	86400		/* duration_ms at most this x 1000 */
#define DR_KNOB_ENGINES		"engines"	/* "mkclean", "none" */
#define DR_KNOB_INJECT		"inject"	/* "none", "mkclean_noflush", ... */
#define DR_FILE_STATS		"stats"		/* read-only "key value" lines */
#define DR_FILE_REFUSED		"refused"	/* why the last start was refused, or "none" */
#define DR_FILE_TEST_FAULT	"test_fault"	/* test_faults=1 only: "warn", "oops" */

/* Engine thread counts (mkclean, migrate, ioremap checkers) at most. */
#define DR_MAX_THREADS		64

/* mkclean engine knobs (module/mkclean.c). */
#define DR_KNOB_MKCLEAN_THREADS	"mkclean_threads"
#define DR_KNOB_WRITEBACK_MS	"writeback_ms"	/* 0: no writeback step */
#define DR_KNOB_EVICT_MS	"evict_ms"	/* 0: no eviction step */
#define DR_INTERVAL_MS_MAX	60000		/* writeback_ms, evict_ms */

/* ioremap engine knobs (module/ioremap.c). */
#define DR_KNOB_IOREMAP_RANGE	"ioremap_range"	/* "PHYS SIZE", "none" */
#define DR_KNOB_IOREMAP_CHECKERS "ioremap_checkers" /* 0: other CPUs */
#define DR_KNOB_IOREMAP_DWELL_US "ioremap_dwell_us"
#define DR_FILE_IOREMAP_MISMATCHES "ioremap_mismatches"

/* migrate engine knobs (module/migrate.c). */
#define DR_KNOB_MIGRATE_THREADS	"migrate_threads"
#define DR_KNOB_MIGRATE_MODE	"migrate_mode"	/* 0 async, 1 sync_light, 2 sync */
#define DR_KNOB_MIGRATE_NODES	"migrate_nodes"	/* 0 same node, 1 round-robin */
#define DR_KNOB_MIGRATE_BATCH	"migrate_batch"
#define DR_KNOB_MIGRATE_PAUSED	"migrate_paused"	/* 1: the workers sleep */
#define DR_MIGRATE_BATCH_MAX	512

/* stall engine knobs (module/stall.c): the flush-window amplifier. */
#define DR_KNOB_STALL_US	"stall_us"	/* busy-wait before a flush */
#define DR_KNOB_STALL_GAP_US	"stall_gap_us"	/* at least this between stalls */
#define DR_KNOB_STALL_SITES	"stall_sites"	/* DR_STALL_* bitmask */
#define DR_KNOB_STALL_CLEAN	"stall_clean"	/* 1: write back + evict in the stall */
#define DR_FILE_STALL_CALLERS	"stall_callers"	/* "COUNT CALLER" lines */
#define DR_FILE_STALL_RECLAIM	"stall_reclaim"	/* write "FIRST COUNT": reclaim those pages */
#define DR_STALL_RECLAIM_MAX	64		/* pages per stall_reclaim write */
#define DR_STALL_SYSCALL	1	/* flushes of a task's own mm (zap, mprotect, mremap) */
#define DR_STALL_RMAP		2	/* flushes of a target mm from elsewhere (rmap walks) */
#define DR_STALL_BATCH		4	/* reclaim's batched flush (arch_tlbbatch_flush) */
#define DR_STALL_SITES_ALL	(DR_STALL_SYSCALL | DR_STALL_RMAP | DR_STALL_BATCH)
#define DR_STALL_US_MIN		1
#define DR_STALL_US_MAX		2000
#define DR_STALL_GAP_US_MIN	100
#define DR_STALL_GAP_US_MAX	1000000

#define DR_ENGINE_MKCLEAN	"mkclean"
#define DR_ENGINE_MIGRATE	"migrate"
#define DR_ENGINE_NUMA		"numa"		/* the hammer's libnuma migrator */
#define DR_ENGINE_IOREMAP	"ioremap"
#define DR_ENGINE_STALL		"stall"
#define DR_INJECT_NONE		"none"
#define DR_INJECT_MKCLEAN_NOFLUSH "mkclean_noflush"
#define DR_INJECT_IOREMAP_NOFLUSH "ioremap_noflush"
#define DR_INJECT_MIGRATE_NOFLUSH "migrate_noflush"
#define DR_INJECT_MPROTECT_NOFLUSH "mprotect_noflush"
#define DR_INJECT_ACCESSFLAGS_STALE "accessflags_stale"

#define DR_MIG_NODES		4	/* per-node stats kept for nodes 0..3 */

/*
 * Stats: one list, X(ID, "key"), in the order the "stats" file prints
 * them; the enum and the key table are made from it. The kprobe.*
 * counters only count calls on the bound target's mapping, so they prove
 * the kernel's own path ran on the file under test.
 */
#define DR_STATS(X) \
	X(RUNNING, "running") \
	X(ELAPSED_MS, "elapsed_ms") \
	X(MKCLEAN_PASSES, "mkclean.passes") \
	X(MKCLEAN_FOLIOS, "mkclean.folios") \
	X(MKCLEAN_DIRTY, "mkclean.dirty") \
	X(MKCLEAN_SKIPPED, "mkclean.skipped") \
	X(WRITEBACK_OPS, "writeback.ops") \
	X(WRITEBACK_ERRORS, "writeback.errors") \
	X(EVICT_OPS, "evict.ops") \
	X(EVICT_PAGES, "evict.pages") \
	X(INJECT_PTES, "inject.ptes") \
	X(INJECT_STALE_PTES, "inject.stale_ptes") \
	X(KP_MKCLEAN, "kprobe.folio_mkclean") \
	X(KP_PTE_FLUSH, "kprobe.ptep_clear_flush") \
	X(KP_WRITEBACK, "kprobe.do_writepages") \
	X(KP_EVICT, "kprobe.__filemap_remove_folio") \
	X(KP_SET_ACCESS, "kprobe.ptep_set_access_flags") \
	X(KP_MISSING, "kprobe.missing") \
	X(IOREMAP_CYCLES, "ioremap.cycles") \
	X(IOREMAP_VA_REUSE, "ioremap.va_reuse") \
	X(IOREMAP_HUGE, "ioremap.huge") \
	X(IOREMAP_WORDS, "ioremap.words_verified") \
	X(IOREMAP_CHECKS, "ioremap.checker_accesses") \
	X(IOREMAP_MISMATCHES, "ioremap.mismatches") \
	X(IOREMAP_ERRORS, "ioremap.errors") \
	X(IOREMAP_INJECTED, "ioremap.injected") \
	X(KP_PMD_FREE, "kprobe.pmd_free_pte_page") \
	X(MIGRATE_PASSES, "migrate.passes") \
	X(MIGRATE_CALLS, "migrate.calls") \
	X(MIGRATE_MIGRATED, "migrate.migrated") \
	X(MIGRATE_FAILED, "migrate.failed") \
	X(MIGRATE_ISOLATE_BUSY, "migrate.isolate_busy") \
	X(MIGRATE_ERRORS, "migrate.errors") \
	X(MIGRATE_NODE0, "migrate.to_node0") \
	X(MIGRATE_NODE1, "migrate.to_node1") \
	X(MIGRATE_NODE2, "migrate.to_node2") \
	X(MIGRATE_NODE3, "migrate.to_node3") \
	X(MIGRATE_INJECT_PTES, "migrate.inject_ptes") \
	X(MIGRATE_CROSS_NODE, "migrate.cross_node") \
	X(MIGRATE_INJECT_BATCH, "migrate.inject_batch_flushes") \
	X(MIGRATE_NODEST, "migrate.no_destination") \
	X(INJECT_PMD_SKIPPED, "inject.pmd_mapped_skipped") \
	X(KP_MIGRATE_PAGES, "kprobe.migrate_pages") \
	X(KP_MIGRATE_FOLIO, "kprobe.folio_migrate_flags") \
	X(STALL_STALLS, "stall.stalls") \
	X(STALL_NS, "stall.ns") \
	X(STALL_MAX_NS, "stall.max_ns") \
	X(STALL_SKIPPED, "stall.skipped") \
	X(STALL_CLEANS, "stall.cleans") \
	X(STALL_CLEANS_INSIDE, "stall.cleans_inside") \
	X(STALL_CLEANS_SYSCALL, "stall.cleans_inside_syscall") \
	X(STALL_EVICTED, "stall.evicted") \
	X(STALL_INJECT, "stall.inject_skipped_flushes") \
	X(STALL_RECLAIMS, "stall.reclaims") \
	X(STALL_RECLAIMED, "stall.reclaim_folios") \
	X(KP_FLUSH_MM, "kprobe.flush_tlb_mm_range") \
	X(KP_BATCH_FLUSH, "kprobe.arch_tlbbatch_flush")

/*
 * Folio orders: the "folio_orders" file has one line per row below, the
 * row's name and then how many folios of each order (0 .. DR_NR_ORDERS - 2,
 * then every larger order together) it counted, after a header line
 * "order 0 1 ... 9 10+". cache and mapped are a census of the target's page
 * cache taken at each read; the others count since the run started.
 */
#define DR_FILE_FOLIO_ORDERS	"folio_orders"
#define DR_NR_ORDERS		11
#define DR_ORDER_ROWS(X) \
	X(CACHE, "cache")		/* the target's folios in the page cache now */ \
	X(MAPPED, "mapped")		/* of those, mapped by a process now */ \
	X(MKCLEAN, "mkclean")		/* cleaned (or injected) by the mkclean engine */ \
	X(KP_MKCLEAN, "folio_mkclean")	/* every folio_mkclean() on the target */ \
	X(EVICT, "evict")		/* removed from the page cache */ \
	X(MIGRATE, "migrate")		/* copied by the migrate engine */ \
	X(MIGRATE_NODEST, "migrate_nodest")	/* no destination of its order */ \
	X(RECLAIM, "reclaim")		/* sent to reclaim by stall_reclaim */

enum dr_order_row {
#define DR_ORDER_ENUM(id, name)	DR_ORDER_##id,
	DR_ORDER_ROWS(DR_ORDER_ENUM)
#undef DR_ORDER_ENUM
	DR_NR_ORDER_ROWS
};

#define DR_ORDER_NAME(id, name)	name,
#define DR_ORDER_NAMES		{ DR_ORDER_ROWS(DR_ORDER_NAME) }

enum dr_stat {
#define DR_STAT_ENUM(id, key)	DR_STAT_##id,
	DR_STATS(DR_STAT_ENUM)
#undef DR_STAT_ENUM
	DR_NR_STATS
};

/* The key of each stat, as the "stats" file prints it, in enum order. */
#define DR_STAT_KEY(id, key)	key,
#define DR_STAT_KEYS		{ DR_STATS(DR_STAT_KEY) }

/*
 * First bytes of every file the hammer creates. The module refuses to
 * inject faults into a file without this header and a matching size, so
 * an injection can never damage a user's file.
 */
#define DR_FILE_MAGIC		"dirtyrace-file1"	/* 15 chars + NUL */
struct dr_file_header {
	char magic[16];
	__u64 run_id;		/* nonzero, random per run */
	__u64 file_size;	/* must equal i_size */
	__u64 data_offset;	/* first stamped byte; the header page is not */
	__u64 slot_size;
};

#endif /* DIRTYRACE_H */
