/*
 * File-system helpers; see fsutil.h. Every function is Local. Why not nftw for rm -rf: it
 * keeps process-global state and follows no ownership rules; a small recursion with lstat
 * is enough and never follows a symlink out of the tree.
 */
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/retry.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

char *sl_fs_strip_slashes(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    return sl_xstrndup(path, n);
}

char *sl_fs_join(const char *a, const char *b)
{
    size_t na = strlen(a);
    while (na > 1 && a[na - 1] == '/')
        na--;
    while (*b == '/')
        b++;
    if (na == 0)
        return sl_xstrdup(b);
    if (na == 1 && a[0] == '/')
        return sl_xasprintf("/%s", b);
    return sl_xasprintf("%.*s/%s", (int)na, a, b);
}

char *sl_fs_parent(const char *path)
{
    char *p = sl_fs_strip_slashes(path);
    char *slash = strrchr(p, '/');
    char *out;
    if (!slash)
        out = sl_xstrdup(".");
    else if (slash == p)
        out = sl_xstrdup("/");
    else {
        /* "a//b" -> "a" */
        while (slash > p && slash[-1] == '/')
            slash--;
        out = sl_xstrndup(p, (size_t)(slash - p));
    }
    sl_free(p);
    return out;
}

int sl_fs_errno_code(int e) { return (e == ENOSPC || e == EDQUOT) ? SL_ENOSPC : SL_EIO; }

bool sl_fs_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

bool sl_fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int sl_fs_mkdir_p(const char *path, sl_err *err)
{
    if (!path[0])
        return SL_ERR(err, SL_EIO, "cannot create directory '': empty path");
    char *p = sl_fs_strip_slashes(path);
    int rc = 0;
    /* Walk the components left to right; each mkdir may race with another rank's. */
    for (char *s = p + 1;; s++) {
        bool end = *s == 0;
        if (*s == '/' || end) {
            *s = 0;
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                rc = SL_ERR(err, sl_fs_errno_code(errno), "cannot create directory '%s': %s", p,
                            strerror(errno));
                break;
            }
            if (end)
                break;
            *s = '/';
        }
    }
    if (rc == 0 && !sl_fs_is_dir(p))
        rc = SL_ERR(err, SL_EIO, "cannot create directory '%s': a file is in the way", p);
    sl_free(p);
    return rc;
}

int sl_fs_rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return (unlink(path) == 0 || errno == ENOENT) ? 0 : -1;
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    int rc = 0, first_errno = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *child = sl_fs_join(path, de->d_name);
        if (sl_fs_rm_rf(child) != 0 && rc == 0) {
            rc = -1;
            first_errno = errno;
        }
        sl_free(child);
    }
    closedir(d);
    if (rmdir(path) != 0 && errno != ENOENT && rc == 0) {
        rc = -1;
        first_errno = errno;
    }
    if (rc)
        errno = first_errno;
    return rc;
}

int sl_fs_write_all(int fd, const void *p, size_t n, const char *path, sl_err *err)
{
    /* Transient errors (EINTR, EAGAIN, EIO, ESTALE) are retried with backoff there. */
    return sl_retry_write_all(fd, p, n, path, err);
}

int sl_fs_fsync(int fd, const char *path, sl_err *err)
{
    while (fsync(fd) != 0) {
        if (errno == EINTR)
            continue;
        if (errno == EINVAL || errno == EROFS)
            return 0;
        int e = errno;
        return SL_ERR(err, sl_fs_errno_code(e), "cannot sync '%s': %s", path, strerror(e));
    }
    return 0;
}

int sl_fs_fsync_dir(const char *path, sl_err *err)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return SL_ERR(err, SL_EIO, "cannot open directory '%s': %s", path, strerror(errno));
    int rc = sl_fs_fsync(fd, path, err);
    close(fd);
    return rc;
}

int sl_fs_fsync_dirs(const char *root, sl_err *err)
{
    struct stat st;
    if (lstat(root, &st) != 0) {
        int e = errno;
        return SL_ERR(err, sl_fs_errno_code(e), "cannot sync '%s': %s", root, strerror(e));
    }
    if (!S_ISDIR(st.st_mode))
        return 0;
    DIR *d = opendir(root);
    if (!d) {
        int e = errno;
        return SL_ERR(err, sl_fs_errno_code(e), "cannot open directory '%s': %s", root,
                      strerror(e));
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
            continue;
        char *child = sl_fs_join(root, de->d_name);
        rc = sl_fs_fsync_dirs(child, err);
        sl_free(child);
    }
    closedir(d);
    return rc ? rc : sl_fs_fsync_dir(root, err);
}

int sl_fs_dir_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int empty = 1;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            empty = 0;
            break;
        }
    }
    int e = errno;
    closedir(d);
    if (empty && e) {
        errno = e;
        return -1;
    }
    return empty;
}

int sl_fs_exchange(const char *a, const char *b)
{
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

int sl_fs_rename_noreplace(const char *a, const char *b)
{
    if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP && errno != EOPNOTSUPP)
        return -1;
    struct stat st;
    if (lstat(b, &st) == 0) {
        errno = EEXIST;
        return -1;
    }
    if (errno != ENOENT)
        return -1;
    return rename(a, b);
}

int sl_fs_lock_try(const char *path, int *fd_out, char *holder, size_t holder_n)
{
    *fd_out = -1;
    if (holder_n)
        holder[0] = 0;
    /* A holder that finishes unlinks the file before it unlocks: whoever then locks the
     * unlinked inode must notice (the inode check below) and try again. */
    for (int tries = 0; tries < 100; tries++) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0)
            return -1;
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
        int r = fcntl(fd, F_OFD_SETLK, &fl);
        if (r != 0 && errno == EINVAL)
            r = flock(fd, LOCK_EX | LOCK_NB);
        if (r != 0) {
            int e = errno;
            if (e == EAGAIN || e == EACCES || e == EWOULDBLOCK) {
                if (holder_n > 1) {
                    ssize_t n = pread(fd, holder, holder_n - 1, 0);
                    holder[n > 0 ? n : 0] = 0;
                    char *nl = strchr(holder, '\n');
                    if (nl)
                        *nl = 0;
                }
                close(fd);
                return 1;
            }
            close(fd);
            errno = e;
            return -1;
        }
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino) {
            char host[256] = "?", text[400];
            gethostname(host, sizeof host - 1);
            host[sizeof host - 1] = 0;
            time_t now = time(NULL);
            struct tm tm;
            char when[32] = "";
            if (localtime_r(&now, &tm))
                strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
            int n = snprintf(text, sizeof text, "pid %d on host %s since %s\n", (int)getpid(),
                             host, when);
            /* Only a courtesy for the message of a job that waits: errors do not matter. */
            if (ftruncate(fd, 0) == 0 && n > 0 && pwrite(fd, text, (size_t)n, 0) < 0)
                n = 0;
            *fd_out = fd;
            return 0;
        }
        close(fd);
    }
    errno = EAGAIN;
    return 1;
}

void sl_fs_lock_release(const char *path, int fd)
{
    if (fd < 0)
        return;
    unlink(path);
    close(fd);
}

int sl_fs_write_file(const char *path, const void *p, size_t n, sl_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        return SL_ERR(err, sl_fs_errno_code(e), "cannot create '%s': %s", path, strerror(e));
    }
    int rc = sl_fs_write_all(fd, p, n, path, err);
    if (rc == 0)
        rc = sl_fs_fsync(fd, path, err);
    if (close(fd) != 0 && rc == 0) {
        int e = errno;
        rc = SL_ERR(err, sl_fs_errno_code(e), "cannot close '%s': %s", path, strerror(e));
    }
    return rc;
}

int sl_fs_read_file(const char *path, char **out, int64_t *len, sl_err *err)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return SL_ERR(err, e == ENOENT ? SL_ENOENT : SL_EIO, "cannot open '%s': %s", path,
                      strerror(e));
    }
    int64_t cap = 4096, n = 0;
    char *buf = sl_xmalloc((size_t)cap + 1);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = sl_xrealloc(buf, (size_t)cap + 1);
        }
        ssize_t r = read(fd, buf + n, (size_t)(cap - n));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            sl_free(buf);
            return SL_ERR(err, SL_EIO, "cannot read '%s': %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += r;
    }
    close(fd);
    buf[n] = 0;
    *out = buf;
    *len = n;
    return 0;
}
