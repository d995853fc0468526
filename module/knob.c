// SPDX-License-Identifier: GPL-2.0
/*
 * Generic u32 debugfs knobs: every write is parsed and range-checked
 * (-EINVAL), knobs that shape running threads refuse changes while the
 * engines run (-EBUSY).
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include "dr.h"

static ssize_t dr_knob_read(struct file *f, char __user *ubuf, size_t len,
			    loff_t *ppos)
{
	const struct dr_knob *k = f->private_data;
	char buf[16];
	int n = scnprintf(buf, sizeof(buf), "%u\n", READ_ONCE(*k->val));

	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static ssize_t dr_knob_write(struct file *f, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	const struct dr_knob *k = f->private_data;
	char buf[24];	/* a u32 in any base with room to spare */
	u32 v;
	int ret = dr_copy_arg(buf, sizeof(buf), ubuf, len, ppos);

	/* Not kstrtou32_from_user: it parses a truncated copy of long input. */
	if (ret)
		return ret;
	if (kstrtou32(buf, 0, &v))
		return -EINVAL;
	if (v < k->min || v > k->max)
		return -EINVAL;

	mutex_lock(&dr.lock);
	if (k->idle_only && dr.running)
		ret = -EBUSY;
	else
		WRITE_ONCE(*k->val, v);
	mutex_unlock(&dr.lock);
	return ret ? ret : len;
}

static const struct file_operations dr_knob_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = dr_knob_read,
	.write = dr_knob_write,
	.llseek = default_llseek,
};

void dr_knobs_create(struct dentry *dir, const struct dr_knob *knobs,
		     unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		debugfs_create_file(knobs[i].name, 0600, dir,
				    (void *)&knobs[i], &dr_knob_fops);
}
