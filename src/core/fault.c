/*
 * SLUICE_FAULT parsing and the fault hooks; see fault.h. Deliberately allocation-free (fixed
 * table, static strings), because the alloc hook runs inside the allocator. Without
 * SL_FAULT_INJECTION the parser is still compiled (the unit tests of a release build could use
 * it) but nothing is ever armed. Local.
 */
#include "core/fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 16

typedef struct {
    sl_fault_op op;
    int inject;          /* SL_FAULT_FAIL or an errno */
    long long n, k;      /* fire on operations n .. n+k-1 (1-based) */
    char text[64];       /* the entry as written, for messages */
} entry;

bool sl_fault_armed;
static entry g_entries[MAX_ENTRIES];
static int g_n;
static long long g_count[SL_FAULT_N_OPS];
static char g_last[64];
static long long g_spill_limit = -1;

static const struct { const char *name; int e; } errnos[] = {
    {"eio", EIO}, {"estale", ESTALE}, {"eagain", EAGAIN}, {"eintr", EINTR},
    {"enospc", ENOSPC}, {"eacces", EACCES}, {"enoent", ENOENT},
};

static const char *const op_names[SL_FAULT_N_OPS] = {"read", "write", "exchange", "alloc",
                                                            "unpack"};

/* Parses the kind word [p, p+len) into op and inject; false when unknown. */
static bool parse_kind(const char *p, size_t len, sl_fault_op *op, int *inject)
{
    for (int o = 0; o < SL_FAULT_N_OPS; o++) {
        size_t nl = strlen(op_names[o]);
        if (len < nl || strncmp(p, op_names[o], nl) != 0)
            continue;
        if (len == nl) {
            *op = (sl_fault_op)o;
            *inject = SL_FAULT_FAIL;
            return true;
        }
        /* Only reads and writes are system calls with an errno to fake. */
        if (p[nl] != '_' || (o != SL_FAULT_READ && o != SL_FAULT_WRITE))
            return false;
        for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
            if (strlen(errnos[i].name) == len - nl - 1 &&
                strncmp(p + nl + 1, errnos[i].name, len - nl - 1) == 0) {
                *op = (sl_fault_op)o;
                *inject = errnos[i].e;
                return true;
            }
        return false;
    }
    return false;
}

/* Parses a positive decimal at *pp, advancing it; false when none or out of range. */
static bool parse_pos(const char **pp, long long *v)
{
    const char *p = *pp;
    if (*p < '0' || *p > '9')
        return false;
    char *end;
    errno = 0;
    long long x = strtoll(p, &end, 10);
    if (errno || x <= 0)
        return false;
    *v = x;
    *pp = end;
    return true;
}

int sl_fault_configure(const char *spec, int rank, sl_err *err)
{
    sl_fault_armed = false;
    g_n = 0;
    memset(g_count, 0, sizeof g_count);
    g_last[0] = 0;
    if (!spec || !*spec)
        return 0;
    entry tmp[MAX_ENTRIES];
    int n = 0;
    const char *p = spec;
    /* Every comma starts another entry, so "a,,b" and "a," have an empty (bad) one. */
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        entry e;
        memset(&e, 0, sizeof e);
        e.k = 1;
        long long r = -1;
        bool ok = colon && n < MAX_ENTRIES && len < sizeof e.text &&
                  parse_kind(p, (size_t)(colon - p), &e.op, &e.inject);
        const char *q = colon ? colon + 1 : p;
        ok = ok && parse_pos(&q, &e.n);
        if (ok && *q == 'x') {
            q++;
            ok = parse_pos(&q, &e.k);
        }
        if (ok && *q == '@') {
            q++;
            ok = strncmp(q, "rank", 4) == 0;
            q += ok ? 4 : 0;
            if (ok && *q == '0' && (q[1] == ',' || q[1] == 0)) {
                r = 0;
                q++;
            } else {
                ok = ok && parse_pos(&q, &r);
            }
        }
        ok = ok && q == p + len;
        if (!ok)
            return SL_ERR(err, SL_EUSAGE,
                          "SLUICE_FAULT: bad entry '%.*s' (use kind:N[xK][@rankR], kind one of "
                          "read, write, exchange, alloc, unpack, read_eio, write_enospc, ...; "
                          "at most %d entries)", (int)len, p, MAX_ENTRIES);
        memcpy(e.text, p, len);
        if (r < 0 || r == rank)
            tmp[n++] = e;
        if (!end)
            break;
        p = end + 1;
    }
    if (!SL_FAULT_COMPILED)
        return 0;
    memcpy(g_entries, tmp, sizeof tmp[0] * (size_t)n);
    g_n = n;
    sl_fault_armed = n > 0;
    return 0;
}

int sl_fault_configure_env(int rank, sl_err *err)
{
    const char *spec = getenv("SLUICE_FAULT");
    const char *spill = getenv("SLUICE_SPILL_ENOSPC_AFTER");
    g_spill_limit = -1;
    if (!SL_FAULT_COMPILED) {
        static const char *const names[] = {"SLUICE_FAULT", "SLUICE_SPILL_ENOSPC_AFTER"};
        const char *vals[] = {spec, spill};
        for (int i = 0; i < 2; i++)
            if (rank == 0 && vals[i] && *vals[i])
                fprintf(stderr, "sluice: warning: %s is set but this build has no fault "
                        "injection: ignored (fault hooks need a build with make "
                        "FAULT_INJECTION=1)\n", names[i]);
        return 0;
    }
    if (spill && *spill) {
        char *end;
        errno = 0;
        long long v = strtoll(spill, &end, 10);
        if (errno || *end || v < 0 || *spill < '0' || *spill > '9')
            return SL_ERR(err, SL_EUSAGE, "SLUICE_SPILL_ENOSPC_AFTER: bad byte count '%s' "
                          "(a whole number >= 0)", spill);
        g_spill_limit = v;
    }
    return sl_fault_configure(spec, rank, err);
}

long long sl_fault_spill_limit(void) { return SL_FAULT_COMPILED ? g_spill_limit : -1; }

int sl_fault_hit_slow(sl_fault_op op)
{
    long long c = ++g_count[op];
    for (int i = 0; i < g_n; i++) {
        const entry *e = &g_entries[i];
        if (e->op == op && c >= e->n && c < e->n + e->k) {
            memcpy(g_last, e->text, sizeof g_last);
            return e->inject;
        }
    }
    return 0;
}

const char *sl_fault_last(void) { return g_last; }

void sl_fault_mark(sl_fault_marks *m) { memcpy(m->n, g_count, sizeof m->n); }
void sl_fault_rewind(const sl_fault_marks *m) { memcpy(g_count, m->n, sizeof g_count); }
