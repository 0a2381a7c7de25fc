/*
 * Digests of strings: md5(s) and sha256(s), as lowercase hex text like DuckDB's. The digests
 * come from Debian's nettle (libnettle, GNU's small low-level crypto library) rather than a
 * copy of the algorithms here: it is maintained with security updates and its MD5/SHA-256 are
 * checked against the standard test vectors. DuckDB's hash() is not offered: it is DuckDB's
 * own 64-bit UBIGINT hash, which sluice has no type for and no reason to reproduce. Local.
 */
#include "func/fn_int.h"

#include <nettle/md5.h>
#include <nettle/sha2.h>

static void to_hex(const uint8_t *d, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t k = 0; k < n; k++) {
        out[2 * k] = hx[d[k] >> 4];
        out[2 * k + 1] = hx[d[k] & 15];
    }
}

static sl_vec *digest_kernel(const sl_expr *e, const sl_arg *a, const sl_rows *rows, bool sha)
{
    sl_vec *o = sl_vec_new(SL_T_VARCHAR, rows->n_rows);
    for (int64_t k = 0; k < rows->n; k++) {
        int64_t i = fn_row(rows, k);
        if (!fn_ok(&a[0], i))
            continue;
        int64_t sn;
        const uint8_t *s = (const uint8_t *)fn_str(&a[0], i, &sn);
        uint8_t d[SHA256_DIGEST_SIZE];
        char hex[2 * SHA256_DIGEST_SIZE];
        size_t dn;
        if (sha) {
            struct sha256_ctx c;
            sha256_init(&c);
            sha256_update(&c, (size_t)sn, s);
            sha256_digest(&c, SHA256_DIGEST_SIZE, d);
            dn = SHA256_DIGEST_SIZE;
        } else {
            struct md5_ctx c;
            md5_init(&c);
            md5_update(&c, (size_t)sn, s);
            md5_digest(&c, MD5_DIGEST_SIZE, d);
            dn = MD5_DIGEST_SIZE;
        }
        to_hex(d, dn, hex);
        fn_pad(o, i);
        sl_vec_push_str(o, hex, (int64_t)(2 * dn));
    }
    fn_pad(o, rows->n_rows);
    (void)e;
    return o;
}

FN_EXEC(fn_exec_md5) { *out = digest_kernel(e, a, rows, false); return 0; }
FN_EXEC(fn_exec_sha256) { *out = digest_kernel(e, a, rows, true); return 0; }
