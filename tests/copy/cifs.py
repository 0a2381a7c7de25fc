#!/usr/bin/python3
"""A case-insensitive, case-preserving file system for tests/copy (FUSE, via fusepy).

    python3 tests/copy/cifs.py BACKING_DIR MOUNTPOINT     (stays in the foreground)

Every path is looked up component by component in BACKING_DIR: an exact name first, else an
entry whose name is equal ignoring case (str.casefold), as on vfat, NTFS, APFS or an ext4
casefold directory; a new entry keeps the case it was created with. Nothing else is special:
files, directories, renames (no RENAME_EXCHANGE / NOREPLACE: the kernel answers EINVAL, as on
many network file systems), fsync. Kernel caches are off so a lookup always asks here.
Used where the kernel cannot mount a real one (no CONFIG_UNICODE, no vfat module).
"""
import errno
import os
import sys

import fusepy as fuse


class CaseInsensitive(fuse.Operations):
    def __init__(self, root):
        self.root = os.path.realpath(root)

    def _real(self, path):
        """The backing path of path, each existing component matched ignoring case."""
        cur = self.root
        for comp in [c for c in path.split("/") if c]:
            cand = os.path.join(cur, comp)
            if not os.path.lexists(cand):
                try:
                    names = os.listdir(cur)
                except OSError:
                    names = []
                fold = comp.casefold()
                match = [n for n in names if n.casefold() == fold]
                if match:
                    cand = os.path.join(cur, match[0])
            cur = cand
        return cur

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except OSError as e:
            raise fuse.FuseOSError(e.errno or errno.EIO)

    # -- metadata --
    def getattr(self, path, fh=None):
        st = self._call(os.lstat, self._real(path))
        return {k: getattr(st, k) for k in ("st_atime", "st_ctime", "st_gid", "st_mode",
                                            "st_mtime", "st_nlink", "st_size", "st_uid")}

    def access(self, path, amode):
        if not os.access(self._real(path), amode):
            raise fuse.FuseOSError(errno.EACCES)

    def readdir(self, path, fh):
        return [".", ".."] + self._call(os.listdir, self._real(path))

    def statfs(self, path):
        sv = self._call(os.statvfs, self._real(path))
        return {k: getattr(sv, k) for k in ("f_bavail", "f_bfree", "f_blocks", "f_bsize",
                                            "f_favail", "f_ffree", "f_files", "f_flag",
                                            "f_frsize", "f_namemax")}

    def chmod(self, path, mode):
        return self._call(os.chmod, self._real(path), mode)

    def utimens(self, path, times=None):
        return self._call(os.utime, self._real(path), times)

    def readlink(self, path):
        return self._call(os.readlink, self._real(path))

    # -- names --
    def mkdir(self, path, mode):
        return self._call(os.mkdir, self._real(path), mode)

    def rmdir(self, path):
        return self._call(os.rmdir, self._real(path))

    def unlink(self, path):
        return self._call(os.unlink, self._real(path))

    def rename(self, old, new):
        src, dst = self._real(old), self._real(new)
        # Renaming onto an entry that differs only in case replaces that entry.
        return self._call(os.rename, src, dst)

    # -- files --
    def create(self, path, mode, fi=None):
        return self._call(os.open, self._real(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)

    def open(self, path, flags):
        return self._call(os.open, self._real(path), flags)

    def read(self, path, size, offset, fh):
        return self._call(os.pread, fh, size, offset)

    def write(self, path, data, offset, fh):
        return self._call(os.pwrite, fh, data, offset)

    def truncate(self, path, length, fh=None):
        if fh is not None:
            return self._call(os.ftruncate, fh, length)
        return self._call(os.truncate, self._real(path), length)

    def flush(self, path, fh):
        return 0

    def fsync(self, path, datasync, fh):
        return self._call(os.fsync, fh)

    def fsyncdir(self, path, datasync, fh):
        return 0

    def release(self, path, fh):
        return self._call(os.close, fh)


if __name__ == "__main__":
    fuse.FUSE(CaseInsensitive(sys.argv[1]), sys.argv[2], foreground=True, nothreads=True,
              entry_timeout=0, negative_timeout=0, attr_timeout=0)
