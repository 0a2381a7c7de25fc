/*
 * File-system helpers shared by the writers: path joins, mkdir -p, rm -rf of a tree,
 * write-all with EINTR/short-write handling, fsync (files, directories, whole trees), atomic
 * renames (exchange, no-replace), lock files, and errno -> SL_E* mapping (ENOSPC and EDQUOT
 * become SL_ENOSPC, everything else SL_EIO). Every message names the path. Local.
 */
#ifndef SL_FSUTIL_H
#define SL_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Returns new "a/b" (no doubled '/'); free with sl_free. Local. */
char *sl_fs_join(const char *a, const char *b);
/* Returns new parent directory of path ("." for a bare name, "/" for "/x"); trailing slashes
 * of path are ignored. Free with sl_free. Local. */
char *sl_fs_parent(const char *path);
/* Returns new copy of path without trailing slashes (keeps a lone "/"); free with sl_free. */
char *sl_fs_strip_slashes(const char *path);

/* SL_ENOSPC for ENOSPC/EDQUOT, SL_EIO otherwise. Local. */
int sl_fs_errno_code(int e);

/* true when path exists (lstat) / is a directory (stat, follows links). Local. */
bool sl_fs_exists(const char *path);
bool sl_fs_is_dir(const char *path);

/* Creates path and its missing parents (mode 0777 & ~umask). An existing directory is fine,
 * also one another rank creates concurrently. Local. */
int sl_fs_mkdir_p(const char *path, sl_err *err);
/* Removes path and everything under it (does not follow symlinks); a missing path is not an
 * error. Returns 0 or -1 with errno of the first failure. Local. */
int sl_fs_rm_rf(const char *path);

/* Writes all n bytes of p to fd, retrying on EINTR and short writes. path is for messages.
 * Local. */
int sl_fs_write_all(int fd, const void *p, size_t n, const char *path, sl_err *err);
/* fsync(fd) (EINVAL/EROFS from file systems without fsync are ignored). Local. */
int sl_fs_fsync(int fd, const char *path, sl_err *err);
/* Opens the directory and fsyncs it, so renames and new entries in it are durable. Local. */
int sl_fs_fsync_dir(const char *path, sl_err *err);
/* fsyncs every directory of the tree under root (root included; children before their
 * parent), so every entry created in it is durable. Files are not synced here: their writers
 * sync them. Symlinks are not followed. Local. */
int sl_fs_fsync_dirs(const char *root, sl_err *err);
/* 1 when path is a directory with no entries, 0 when it has some, -1 with errno. Local. */
int sl_fs_dir_empty(const char *path);

/* Atomically swaps the names a and b (renameat2 RENAME_EXCHANGE): both must exist. Returns 0
 * or -1 with errno (EINVAL, ENOSYS or ENOTSUP/EOPNOTSUPP where the file system or kernel
 * cannot; callers fall back). Local. */
int sl_fs_exchange(const char *a, const char *b);
/* Renames a to b unless b exists (EEXIST then). Uses RENAME_NOREPLACE; where the file system
 * lacks it, checks with lstat first (callers hold a lock against other writers). Local. */
int sl_fs_rename_noreplace(const char *a, const char *b);

/* Tries to take an exclusive lock on the lock file path (created when missing): an open file
 * description lock (F_OFD_SETLK; flock where OFD locks are missing), so a process that dies
 * releases it. Returns 0 with *fd (keep it open while holding the lock) and writes
 * "pid P on host H" into the file; 1 when another process holds it (holder gets the file's
 * text, "" when unknown); -1 with errno (ENOLCK, ENOTSUP, ...: no locks here). A lock file
 * removed or replaced by its previous holder is retried, so unlinking at release is safe.
 * Local. */
int sl_fs_lock_try(const char *path, int *fd, char *holder, size_t holder_n);
/* Releases a lock from sl_fs_lock_try: removes the file, then closes fd. Local. */
void sl_fs_lock_release(const char *path, int fd);

/* Creates (truncates) path, writes n bytes, fsyncs and closes it. Local. */
int sl_fs_write_file(const char *path, const void *p, size_t n, sl_err *err);
/* Reads the whole file into a new NUL-terminated buffer (*len without the NUL); free with
 * sl_free. Local. */
int sl_fs_read_file(const char *path, char **out, int64_t *len, sl_err *err);

#endif
