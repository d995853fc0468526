// SPDX-License-Identifier: GPL-2.0
/*
 * The file under test. Binding opens the file by path (so an operator can
 * bind with echo) and holds that reference until unbind, rmmod, or, with
 * an owner process given, that process exiting; without one, the file
 * being unlinked.
 */
#include <linux/backing-dev.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/namei.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/string.h>
#include "dr.h"

/* A hammer-created file starts with our header and says its own size. */
static u64 dr_target_run_id(struct file *file)
{
	struct dr_file_header hdr;
	loff_t pos = 0;

	if (kernel_read(file, &hdr, sizeof(hdr), &pos) != sizeof(hdr))
		return 0;
	if (memcmp(hdr.magic, DR_FILE_MAGIC, sizeof(DR_FILE_MAGIC)))
		return 0;
	if (hdr.file_size != i_size_read(file_inode(file)))
		return 0;
	return hdr.run_id;
}

/* owner=PID: a process (thread group), not one of its threads. */
static int dr_target_parse_owner(const char *s, struct pid **owner)
{
	bool process;
	int nr;

	if (strncmp(s, "owner=", 6) || kstrtoint(s + 6, 10, &nr) || nr <= 0)
		return -EINVAL;
	*owner = find_get_pid(nr);
	if (!*owner)
		return -ESRCH;
	rcu_read_lock();
	process = pid_task(*owner, PIDTYPE_TGID);
	rcu_read_unlock();
	if (process)
		return 0;
	put_pid(*owner);
	*owner = NULL;
	return -EINVAL;
}

/*
 * Open the regular file at path. The file opened is the one checked, with
 * no second lookup: an open alone has effects (a watchdog device arms on
 * open), and a rename in between must not swap a device node in.
 */
static struct file *dr_target_open(const char *path)
{
	struct file *file;
	struct path p;
	int ret = kern_path(path, LOOKUP_FOLLOW, &p);

	if (ret)
		return ERR_PTR(ret);
	if (d_is_dir(p.dentry))
		ret = -EISDIR;
	else if (!d_is_reg(p.dentry))
		ret = -EINVAL;
	else
		ret = path_permission(&p, MAY_READ | MAY_WRITE);
	file = ret ? ERR_PTR(ret) :
		dentry_open(&p, O_RDWR | O_LARGEFILE, current_cred());
	path_put(&p);
	return file;
}

/*
 * spec: "PATH [owner=PID]", into an empty t; nothing else changes, so a
 * caller can bind the new target first and drop the old one only then.
 */
int dr_target_bind(struct dr_target *t, char *spec)
{
	char *path = strsep(&spec, " \t");
	char *opt = spec ? skip_spaces(spec) : NULL;
	struct pid *owner = NULL;
	struct file *file;
	int ret;

	if (!path || path[0] != '/' || strlen(path) >= DR_PATH_MAX)
		return -EINVAL;
	if (opt && *opt) {
		ret = dr_target_parse_owner(opt, &owner);
		if (ret)
			return ret;
	}

	file = dr_target_open(path);
	if (IS_ERR(file)) {
		put_pid(owner);
		return PTR_ERR(file);
	}
	ret = -EINVAL;
	if (!S_ISREG(file_inode(file)->i_mode))
		goto fail;
	/*
	 * No writeback: a lost dirty bit could never show. tmpfs is still
	 * bound for the engines that need none (a store through a stale TLB
	 * entry into a migrated-away page is lost there too); ramfs is not.
	 */
	ret = -EOPNOTSUPP;
	if (!mapping_can_writeback(file->f_mapping) && !shmem_mapping(file->f_mapping))
		goto fail;

	t->file = file;
	t->mapping = file->f_mapping;
	t->no_writeback = !mapping_can_writeback(file->f_mapping);
	t->owner = owner;
	t->run_id = dr_target_run_id(file);
	strscpy(t->path, path, sizeof(t->path));
	return 0;
fail:
	fput(file);
	put_pid(owner);
	return ret;
}

void dr_target_unbind(struct dr_target *t)
{
	if (!t->file)
		return;
	dr_probes_set_mapping(NULL);
	fput(t->file);
	put_pid(t->owner);
	memset(t, 0, sizeof(*t));
}

/* Why a bound target must be dropped, or NULL while it is still wanted. */
const char *dr_target_gone(const struct dr_target *t)
{
	bool alive;

	if (!t->file)
		return NULL;
	/* An owner may unlink its file at once: then only its exit counts. */
	if (!t->owner)
		return file_inode(t->file)->i_nlink ? NULL : "file unlinked";
	rcu_read_lock();
	alive = pid_task(t->owner, PIDTYPE_TGID);
	rcu_read_unlock();
	return alive ? NULL : "owner exited";
}

/*
 * A binding whose owner still runs is that process's: another writer may
 * only unbind it ("none", the operator's way out), not replace it, so two
 * hammers can never swap each other's file.
 */
bool dr_target_held_by_other(const struct dr_target *t)
{
	return t->file && t->owner && !dr_target_gone(t) &&
	       t->owner != task_tgid(current);
}

int dr_target_show(const struct dr_target *t, char *buf, size_t len)
{
	if (!t->file)
		return scnprintf(buf, len, "none\n");
	return scnprintf(buf, len, "%s owner=%d run_id=%llx hammer=%d\n",
			 t->path, t->owner ? pid_nr(t->owner) : 0,
			 t->run_id, t->run_id != 0);
}
