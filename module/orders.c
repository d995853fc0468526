// SPDX-License-Identifier: GPL-2.0
/*
 * Folio orders: how many folios of each order every engine path handled,
 * and a census of the target's page cache at each read of folio_orders.
 * Large folios (xfs since 5.18, ext4 since 6.16) are the normal case: a
 * report should show which sizes a run exercised, not assume order 0.
 */
#include <linux/debugfs.h>
#include <linux/pagemap.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include "dr.h"
#include "compat.h"

struct dr_order_cpu {
	long v[DR_NR_ORDER_ROWS][DR_NR_ORDERS];
};

static DEFINE_PER_CPU(struct dr_order_cpu, dr_order_cpu);
static const char *const dr_order_names[DR_NR_ORDER_ROWS] = DR_ORDER_NAMES;

static unsigned int dr_order_col(unsigned int order)
{
	return min_t(unsigned int, order, DR_NR_ORDERS - 1);
}

/* From any context, kprobe handlers included: one per-CPU increment. */
void dr_order_count(enum dr_order_row row, unsigned int order)
{
	this_cpu_inc(dr_order_cpu.v[row][dr_order_col(order)]);
}

void dr_orders_reset(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(&dr_order_cpu, cpu), 0, sizeof(struct dr_order_cpu));
}

static long dr_order_sum(enum dr_order_row row, unsigned int col)
{
	long v = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		v += READ_ONCE(per_cpu_ptr(&dr_order_cpu, cpu)->v[row][col]);
	return v;
}

/* The target's folios now, by order: all of them, and the mapped ones. */
static void dr_orders_census(struct address_space *mapping,
			     long cache[DR_NR_ORDERS], long mapped[DR_NR_ORDERS])
{
	struct folio_batch fbatch;
	pgoff_t index = 0;
	unsigned int i, col;

	folio_batch_init(&fbatch);
	while (filemap_get_folios(mapping, &index, ULONG_MAX, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			col = dr_order_col(folio_order(fbatch.folios[i]));
			cache[col]++;
			if (folio_mapped(fbatch.folios[i]))
				mapped[col]++;
		}
		folio_batch_release(&fbatch);
		cond_resched();
	}
}

static int dr_orders_show(struct seq_file *m, void *v)
{
	long census[2][DR_NR_ORDERS] = { };
	unsigned int row, col;

	/* The binding, and so the mapping, only changes under dr.lock. */
	mutex_lock(&dr.lock);
	if (dr.target.mapping)
		dr_orders_census(dr.target.mapping, census[DR_ORDER_CACHE],
				 census[DR_ORDER_MAPPED]);
	mutex_unlock(&dr.lock);
	seq_puts(m, "order");
	for (col = 0; col < DR_NR_ORDERS; col++)
		seq_printf(m, " %u%s", col, col == DR_NR_ORDERS - 1 ? "+" : "");
	seq_putc(m, '\n');
	for (row = 0; row < DR_NR_ORDER_ROWS; row++) {
		seq_puts(m, dr_order_names[row]);
		for (col = 0; col < DR_NR_ORDERS; col++)
			seq_printf(m, " %ld", row <= DR_ORDER_MAPPED ? census[row][col] :
				   dr_order_sum(row, col));
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dr_orders);

void dr_orders_debugfs(struct dentry *dir)
{
	debugfs_create_file(DR_FILE_FOLIO_ORDERS, 0400, dir, NULL, &dr_orders_fops);
}
