/*
 * Compressed CSV input: a file whose name ends in ".gz" (zlib; also a multi-member gzip) or
 * ".zst" (libzstd; concatenated frames too) is decompressed into an unlinked temporary file
 * and read from there with pread like any CSV file, so the record walker, quote counting and
 * the planned sizes see the decompressed bytes. A compressed stream cannot be entered in the
 * middle, so such a file is one range read whole by one rank (many files spread by size);
 * rank 0 also decompresses each once at planning to learn its size and first record. The
 * temporary file goes to $TMPDIR (default /tmp). Local.
 */
#include "io/io_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "core/mem.h"

#define INFLATE_BUF (1 << 20)

bool sl_csv_compressed(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return (n > 3 && !strcmp(path + n - 3, ".gz")) || (n > 4 && !strcmp(path + n - 4, ".zst"));
}

static int put_all(int fd, const void *p, size_t n, const char *path, sl_err *err)
{
    const char *c = p;
    while (n > 0) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return SL_ERR(err, errno == ENOSPC ? SL_ENOSPC : SL_EIO, "read_csv: cannot "
                          "decompress '%s' into a temporary file: %s", path, strerror(errno));
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

static int gunzip(const char *path, int out, sl_err *err)
{
    gzFile g = gzopen(path, "rb");
    if (!g)
        return SL_ERR(err, errno == ENOENT ? SL_ENOENT : SL_EIO, "read_csv: cannot open '%s': "
                      "%s", path, strerror(errno));
    gzbuffer(g, INFLATE_BUF);
    char *buf = sl_xmalloc(INFLATE_BUF);
    int rc = 0;
    for (;;) {
        int k = gzread(g, buf, INFLATE_BUF);
        if (k < 0) {
            int zerr;
            const char *m = gzerror(g, &zerr);
            rc = SL_ERR(err, SL_EDATA, "read_csv: '%s' is not a valid gzip file (%s)", path, m);
            break;
        }
        if (k == 0)
            break;
        if ((rc = put_all(out, buf, (size_t)k, path, err)) != 0)
            break;
    }
    /* gzread stops quietly at a truncated stream: gzclose_r says so. */
    int zc = gzclose_r(g);
    if (!rc && zc != Z_OK)
        rc = SL_ERR(err, SL_EDATA, "read_csv: '%s' is a truncated or corrupt gzip file", path);
    sl_free(buf);
    return rc;
}

static int unzstd(const char *path, int out, sl_err *err)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return SL_ERR(err, errno == ENOENT ? SL_ENOENT : SL_EIO, "read_csv: cannot open '%s': "
                      "%s", path, strerror(errno));
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    size_t in_cap = ZSTD_DStreamInSize(), out_cap = ZSTD_DStreamOutSize();
    char *ib = sl_xmalloc(in_cap), *ob = sl_xmalloc(out_cap);
    int rc = 0;
    size_t last = 0, n;
    while (!rc && (n = fread(ib, 1, in_cap, in)) > 0) {
        ZSTD_inBuffer zi = { ib, n, 0 };
        while (!rc && zi.pos < zi.size) {
            ZSTD_outBuffer zo = { ob, out_cap, 0 };
            last = ZSTD_decompressStream(dc, &zo, &zi);
            if (ZSTD_isError(last))
                rc = SL_ERR(err, SL_EDATA, "read_csv: '%s' is not a valid zstd file (%s)",
                            path, ZSTD_getErrorName(last));
            else
                rc = put_all(out, ob, zo.pos, path, err);
        }
    }
    if (!rc && ferror(in))
        rc = SL_ERR(err, SL_EIO, "read_csv: cannot read '%s': %s", path, strerror(errno));
    if (!rc && last != 0)
        rc = SL_ERR(err, SL_EDATA, "read_csv: '%s' is a truncated zstd file", path);
    sl_free(ib);
    sl_free(ob);
    ZSTD_freeDCtx(dc);
    fclose(in);
    return rc;
}

int sl_csv_inflate(const char *path, int *fd, int64_t *size, sl_err *err)
{
    *fd = -1;
    *size = 0;
    const char *dir = getenv("TMPDIR");
    char *tmpl = sl_xasprintf("%s/sluice-inflate-XXXXXX", dir && dir[0] ? dir : "/tmp");
    int out = mkostemp(tmpl, O_CLOEXEC);
    if (out < 0) {
        int rc = SL_ERR(err, SL_EIO, "read_csv: cannot create a temporary file to decompress "
                        "'%s' into (%s): %s", path, tmpl, strerror(errno));
        sl_free(tmpl);
        return rc;
    }
    unlink(tmpl); /* gone with the descriptor, whatever happens */
    sl_free(tmpl);
    size_t n = strlen(path);
    int rc = n > 3 && !strcmp(path + n - 3, ".gz") ? gunzip(path, out, err)
                                                    : unzstd(path, out, err);
    struct stat st;
    if (!rc && fstat(out, &st) != 0)
        rc = SL_ERR(err, SL_EIO, "read_csv: cannot stat the decompressed '%s'", path);
    if (rc) {
        close(out);
        return rc;
    }
    *fd = out;
    *size = (int64_t)st.st_size;
    return 0;
}
