/* SPDX-License-Identifier: GPL-2.0 */
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

#define DR_DEBUGFS_DIR		"dirtyrace"

/* Core knobs (module/main.c). */
#define DR_KNOB_TARGET		"target"	/* "PATH [owner=PID]", "none" */
#define DR_KNOB_RUN		"run"		/* 1 start, 0 stop */
#define DR_KNOB_DURATION	"duration_ms"	/* 0: until stopped */
#define DR_DURATION_MAX_S	86400		/* duration_ms at most this x 1000 */
#define DR_KNOB_ENGINES		"engines"	/* "mkclean", "none" */
#define DR_KNOB_INJECT		"inject"	/* "none", "mkclean_noflush" */
#define DR_FILE_STATS		"stats"		/* read-only "key value" lines */

/* mkclean engine knobs (module/mkclean.c). */
#define DR_KNOB_MKCLEAN_THREADS	"mkclean_threads"
#define DR_KNOB_WRITEBACK_MS	"writeback_ms"	/* 0: no writeback step */
#define DR_KNOB_EVICT_MS	"evict_ms"	/* 0: no eviction step */

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

#define DR_MIG_NODES		4	/* per-node stats kept for nodes 0..3 */

/*
 * Stat keys, in the order the "stats" file prints them. The kprobe.*
 * counters only count calls on the bound target's mapping, so they prove
 * the kernel's own path ran on the file under test.
 */
enum dr_stat {
	DR_STAT_RUNNING,
	DR_STAT_ELAPSED_MS,
	DR_STAT_MKCLEAN_PASSES,
	DR_STAT_MKCLEAN_FOLIOS,
	DR_STAT_MKCLEAN_DIRTY,
	DR_STAT_MKCLEAN_SKIPPED,
	DR_STAT_WRITEBACK_OPS,
	DR_STAT_WRITEBACK_ERRORS,
	DR_STAT_EVICT_OPS,
	DR_STAT_EVICT_PAGES,
	DR_STAT_INJECT_PTES,
	DR_STAT_KP_MKCLEAN,
	DR_STAT_KP_PTE_FLUSH,
	DR_STAT_KP_WRITEBACK,
	DR_STAT_KP_EVICT,
	DR_STAT_KP_MISSING,
	DR_STAT_IOREMAP_CYCLES,
	DR_STAT_IOREMAP_VA_REUSE,
	DR_STAT_IOREMAP_HUGE,
	DR_STAT_IOREMAP_WORDS,
	DR_STAT_IOREMAP_CHECKS,
	DR_STAT_IOREMAP_MISMATCHES,
	DR_STAT_IOREMAP_ERRORS,
	DR_STAT_IOREMAP_INJECTED,
	DR_STAT_KP_PMD_FREE,
	DR_STAT_MIGRATE_PASSES,
	DR_STAT_MIGRATE_CALLS,
	DR_STAT_MIGRATE_MIGRATED,
	DR_STAT_MIGRATE_FAILED,
	DR_STAT_MIGRATE_ISOLATE_BUSY,
	DR_STAT_MIGRATE_ERRORS,
	DR_STAT_MIGRATE_NODE0,
	DR_STAT_MIGRATE_NODE1,
	DR_STAT_MIGRATE_NODE2,
	DR_STAT_MIGRATE_NODE3,
	DR_STAT_MIGRATE_INJECT_PTES,
	DR_STAT_MIGRATE_CROSS_NODE,
	DR_STAT_MIGRATE_INJECT_BATCH,
	DR_STAT_KP_MIGRATE_PAGES,
	DR_STAT_KP_MIGRATE_FOLIO,
	DR_STAT_STALL_STALLS,
	DR_STAT_STALL_NS,
	DR_STAT_STALL_MAX_NS,
	DR_STAT_STALL_SKIPPED,
	DR_STAT_STALL_CLEANS,
	DR_STAT_STALL_CLEANS_INSIDE,
	DR_STAT_STALL_EVICTED,
	DR_STAT_STALL_INJECT,
	DR_STAT_STALL_RECLAIMS,
	DR_STAT_STALL_RECLAIMED,
	DR_STAT_KP_FLUSH_MM,
	DR_STAT_KP_BATCH_FLUSH,
	DR_NR_STATS
};

/* The key of each stat, as the "stats" file prints it. */
#define DR_STAT_KEYS {								\
	[DR_STAT_RUNNING]	= "running",				\
	[DR_STAT_ELAPSED_MS]	= "elapsed_ms",				\
	[DR_STAT_MKCLEAN_PASSES]	= "mkclean.passes",		\
	[DR_STAT_MKCLEAN_FOLIOS]	= "mkclean.folios",		\
	[DR_STAT_MKCLEAN_DIRTY]	= "mkclean.dirty",			\
	[DR_STAT_MKCLEAN_SKIPPED]	= "mkclean.skipped",		\
	[DR_STAT_WRITEBACK_OPS]	= "writeback.ops",			\
	[DR_STAT_WRITEBACK_ERRORS]	= "writeback.errors",		\
	[DR_STAT_EVICT_OPS]	= "evict.ops",				\
	[DR_STAT_EVICT_PAGES]	= "evict.pages",			\
	[DR_STAT_INJECT_PTES]	= "inject.ptes",			\
	[DR_STAT_KP_MKCLEAN]	= "kprobe.folio_mkclean",		\
	[DR_STAT_KP_PTE_FLUSH]	= "kprobe.ptep_clear_flush",		\
	[DR_STAT_KP_WRITEBACK]	= "kprobe.do_writepages",		\
	[DR_STAT_KP_EVICT]	= "kprobe.__filemap_remove_folio",	\
	[DR_STAT_KP_MISSING]	= "kprobe.missing",			\
	[DR_STAT_IOREMAP_CYCLES]	= "ioremap.cycles",		\
	[DR_STAT_IOREMAP_VA_REUSE]	= "ioremap.va_reuse",		\
	[DR_STAT_IOREMAP_HUGE]	= "ioremap.huge",			\
	[DR_STAT_IOREMAP_WORDS]	= "ioremap.words_verified",		\
	[DR_STAT_IOREMAP_CHECKS]	= "ioremap.checker_accesses",	\
	[DR_STAT_IOREMAP_MISMATCHES]	= "ioremap.mismatches",		\
	[DR_STAT_IOREMAP_ERRORS]	= "ioremap.errors",		\
	[DR_STAT_IOREMAP_INJECTED]	= "ioremap.injected",		\
	[DR_STAT_KP_PMD_FREE]	= "kprobe.pmd_free_pte_page",		\
	[DR_STAT_MIGRATE_PASSES]	= "migrate.passes",		\
	[DR_STAT_MIGRATE_CALLS]	= "migrate.calls",			\
	[DR_STAT_MIGRATE_MIGRATED]	= "migrate.migrated",		\
	[DR_STAT_MIGRATE_FAILED]	= "migrate.failed",		\
	[DR_STAT_MIGRATE_ISOLATE_BUSY]	= "migrate.isolate_busy",	\
	[DR_STAT_MIGRATE_ERRORS]	= "migrate.errors",		\
	[DR_STAT_MIGRATE_NODE0]	= "migrate.to_node0",			\
	[DR_STAT_MIGRATE_NODE1]	= "migrate.to_node1",			\
	[DR_STAT_MIGRATE_NODE2]	= "migrate.to_node2",			\
	[DR_STAT_MIGRATE_NODE3]	= "migrate.to_node3",			\
	[DR_STAT_MIGRATE_INJECT_PTES]	= "migrate.inject_ptes",	\
	[DR_STAT_MIGRATE_CROSS_NODE]	= "migrate.cross_node",		\
	[DR_STAT_MIGRATE_INJECT_BATCH]	= "migrate.inject_batch_flushes", \
	[DR_STAT_KP_MIGRATE_PAGES]	= "kprobe.migrate_pages",	\
	[DR_STAT_KP_MIGRATE_FOLIO]	= "kprobe.folio_migrate_flags",	\
	[DR_STAT_STALL_STALLS]	= "stall.stalls",			\
	[DR_STAT_STALL_NS]	= "stall.ns",				\
	[DR_STAT_STALL_MAX_NS]	= "stall.max_ns",			\
	[DR_STAT_STALL_SKIPPED]	= "stall.skipped",			\
	[DR_STAT_STALL_CLEANS]	= "stall.cleans",			\
	[DR_STAT_STALL_CLEANS_INSIDE]	= "stall.cleans_inside",	\
	[DR_STAT_STALL_EVICTED]	= "stall.evicted",			\
	[DR_STAT_STALL_INJECT]	= "stall.inject_skipped_flushes",	\
	[DR_STAT_STALL_RECLAIMS] = "stall.reclaims",			\
	[DR_STAT_STALL_RECLAIMED] = "stall.reclaim_folios",		\
	[DR_STAT_KP_FLUSH_MM]	= "kprobe.flush_tlb_mm_range",		\
	[DR_STAT_KP_BATCH_FLUSH]	= "kprobe.arch_tlbbatch_flush",	\
}

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
