/*
 * The format registry: the table of every backend listed in io/format_list.h, and lookups by
 * format name and by table-function name (format.h). Local.
 */
#include "io/format.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#define SL_FORMAT(x) extern const sl_format sl_format_##x;
#include "io/format_list.h"
#undef SL_FORMAT

static const sl_format *const registry[] = {
#define SL_FORMAT(x) &sl_format_##x,
#include "io/format_list.h"
#undef SL_FORMAT
    NULL,
};

const sl_format *const *sl_format_registry(void) { return registry; }

const sl_format *sl_format_find_in(const sl_format *const *list, const char *name)
{
    for (int i = 0; name && (list ? list : registry)[i]; i++)
        if (strcasecmp((list ? list : registry)[i]->name, name) == 0)
            return (list ? list : registry)[i];
    return NULL;
}

const sl_format *sl_format_find(const char *name) { return sl_format_find_in(NULL, name); }

const sl_format *sl_format_find_reader(const char *fn)
{
    for (int i = 0; fn && registry[i]; i++) {
        const sl_format *f = registry[i];
        if (!(f->caps & SL_FMT_READ))
            continue;
        for (int k = 0; f->table_fns[k]; k++)
            if (strcasecmp(f->table_fns[k], fn) == 0)
                return f;
    }
    return NULL;
}

const sl_format *sl_format_default_writer(void)
{
    for (int i = 0; registry[i]; i++)
        if ((registry[i]->caps & SL_FMT_WRITE) && !(registry[i]->caps & SL_FMT_SINK))
            return registry[i];
    return NULL;
}

const sl_format *sl_format_target_writer(const char *target)
{
    for (int i = 0; target && registry[i]; i++)
        if ((registry[i]->caps & SL_FMT_SINK) &&
            strncasecmp(target, registry[i]->scheme, strlen(registry[i]->scheme)) == 0)
            return registry[i];
    return sl_format_default_writer();
}

void sl_format_names(sl_buf *b, const sl_format *const *list, unsigned caps, bool table_fns,
                     const char *sep)
{
    int n = 0;
    for (int i = 0; (list ? list : registry)[i]; i++) {
        const sl_format *f = (list ? list : registry)[i];
        if ((f->caps & caps) != caps)
            continue;
        if (n++)
            sl_buf_puts(b, sep);
        sl_buf_puts(b, table_fns ? f->table_fns[0] : f->name);
    }
}

int sl_format_writer_in(const sl_format *const *list, const char *name, const sl_format **out,
                        sl_err *err)
{
    const sl_format *f = sl_format_find_in(list, name);
    *out = NULL;
    if (f && (f->caps & SL_FMT_SINK)) {
        SL_ERR(err, SL_EUSAGE, "COPY: FORMAT '%s' is not a file format: write to a '%s...' "
               "target instead", name, f->scheme);
        return err->code;
    }
    if (f && (f->caps & SL_FMT_WRITE)) {
        *out = f;
        return 0;
    }
    sl_buf can;
    sl_buf_init(&can);
    for (int i = 0, n = 0; (list ? list : registry)[i]; i++) {
        const sl_format *g = (list ? list : registry)[i];
        if ((g->caps & SL_FMT_WRITE) && !(g->caps & SL_FMT_SINK))
            sl_buf_printf(&can, "%s%s", n++ ? ", " : "", g->name);
    }
    if (f)
        SL_ERR(err, SL_EUSAGE, "COPY: FORMAT '%s' can be read but not written (formats that "
               "can write: %s)", name, sl_buf_cstr(&can));
    else
        SL_ERR(err, SL_EUSAGE, "COPY: FORMAT '%s' is not supported (formats that can write: "
               "%s)", name ? name : "", sl_buf_cstr(&can));
    sl_buf_free(&can);
    return err->code;
}

/* Checks that every slot of one capability is set (has) or NULL (lacks). */
#define SLOTS_MATCH(has, ...)                                                              \
    do {                                                                                   \
        const void *slots_[] = { __VA_ARGS__ };                                            \
        for (size_t k_ = 0; k_ < sizeof slots_ / sizeof slots_[0]; k_++)                   \
            if ((slots_[k_] != NULL) != (has)) {                                           \
                *why = (has) ? "a slot of a capability it has is NULL"                     \
                             : "a slot of a capability it lacks is set";                   \
                return false;                                                              \
            }                                                                              \
    } while (0)

#define FP(f) ((const void *)(uintptr_t)(f))

bool sl_format_check(const sl_format *f, const char **why)
{
    const char *ignored;
    if (!why)
        why = &ignored;
    *why = NULL;
    if (!f->name || !f->name[0]) {
        *why = "it has no name";
        return false;
    }
    bool r = (f->caps & SL_FMT_READ) != 0, w = (f->caps & SL_FMT_WRITE) != 0;
    bool shared = (f->caps & SL_FMT_PARALLEL_WRITE) != 0;
    if (shared && !w) {
        *why = "SL_FMT_PARALLEL_WRITE without SL_FMT_WRITE";
        return false;
    }
    if ((f->caps & SL_FMT_SINK) && (!shared || !f->scheme || !f->scheme[0])) {
        *why = "SL_FMT_SINK without SL_FMT_PARALLEL_WRITE or a scheme";
        return false;
    }
    if (!r && (f->caps & SL_FMT_SPLITTABLE)) {
        *why = "SL_FMT_SPLITTABLE without SL_FMT_READ";
        return false;
    }
    if (r && (!f->table_fns || !f->table_fns[0] || !f->read_opt_names)) {
        *why = "SL_FMT_READ without a table function or option names";
        return false;
    }
    if (w && (!f->ext || !f->write_opt_names)) {
        *why = "SL_FMT_WRITE without a file extension or option names";
        return false;
    }
    /* Required slots of each capability (scan_end, src_finish and nfiles/file are optional
     * for readers: not every source has end-of-scan work or files). */
    SLOTS_MATCH(r, FP(f->ropts_new), FP(f->ropts_args), FP(f->ropts_set), FP(f->ropts_end),
                FP(f->ropts_print), FP(f->ropts_free), FP(f->open), FP(f->src_free),
                FP(f->ncols), FP(f->col_name), FP(f->col_type), FP(f->bytes), FP(f->explain),
                FP(f->scan_open), FP(f->scan_next), FP(f->scan_free));
    if (!r && (f->scan_end || f->src_finish || f->nfiles || f->file || f->scan_prune)) {
        *why = "a slot of a capability it lacks is set";
        return false;
    }
    if ((f->nfiles != NULL) != (f->file != NULL)) {
        *why = "nfiles and file come together";
        return false;
    }
    SLOTS_MATCH(w, FP(f->wopts_new), FP(f->wopts_set), FP(f->wopts_free));
    /* Part files or one shared file: one set of writer slots, never both. */
    SLOTS_MATCH(w && !shared, FP(f->writer_begin), FP(f->writer_write), FP(f->writer_finish),
                FP(f->writer_free));
    SLOTS_MATCH(w && shared, FP(f->shared_begin), FP(f->shared_write), FP(f->shared_finish),
                FP(f->shared_free));
    if (!shared && f->shared_note) {
        *why = "shared_note without SL_FMT_PARALLEL_WRITE";
        return false;
    }
    return true;
}
