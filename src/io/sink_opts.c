/*
 * The write options every database sink takes: (TABLE name), the table COPY replaces. One
 * implementation for the SQLite and PostgreSQL backends' registry slots. Local.
 */
#include "io/io_int.h"

#include <strings.h>

#include "core/mem.h"

void *sl_sink_wopts_new(void) { return sl_xcalloc(1, sizeof(sl_sink_wopts)); }

void sl_sink_wopts_free(void *p)
{
    sl_sink_wopts *o = p;
    if (o)
        sl_free(o->table);
    sl_free(o);
}

int sl_sink_wopts_set(void *p, const sl_fmt_opt *opt, const sl_fmt_ctx *c)
{
    sl_sink_wopts *o = p;
    const sl_fmt_val *v = &opt->v;
    if (strcasecmp(opt->name, "table"))
        return SL_FMT_UNKNOWN;
    if ((v->kind != SL_FV_WORD && v->kind != SL_FV_NAME && v->kind != SL_FV_STRING) ||
        !v->str[0])
        return sl_fmt_expected(c, v, "table name");
    sl_free(o->table);
    o->table = sl_xstrdup(v->kind == SL_FV_WORD ? v->raw : v->str);
    return 0;
}
