/* Error record helpers; see err.h. Local. */
#include "core/err.h"

#include <stdio.h>
#include <string.h>

static int g_rank = -1;

static const char *const code_names[] = {
#define SL_ERR_NAME(name, code, desc) #name,
    SL_ERROR_LIST(SL_ERR_NAME)
#undef SL_ERR_NAME
};

static const int code_exits[] = {
#define SL_ERR_EXIT(name, code, desc) code,
    SL_ERROR_LIST(SL_ERR_EXIT)
#undef SL_ERR_EXIT
};

const char *sl_code_name(int code)
{
    return (code >= 0 && code < SL_E_COUNT) ? code_names[code] : "SL_EUNKNOWN";
}

int sl_code_exit(int code)
{
    return (code >= 0 && code < SL_E_COUNT) ? code_exits[code] : 1;
}

void sl_err_set_rank(int rank) { g_rank = rank; }

int sl_err_vsetf(sl_err *err, int code, const char *file, int line, const char *fmt, va_list ap)
{
    if (!err || err->code != SL_OK)
        return err ? err->code : code;
    err->code = code;
    err->rank = g_rank;
    err->src_file = file;
    err->src_line = line;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    /* Messages are one line: fold any newline that came from data. */
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return code;
}

int sl_err_setf(sl_err *err, int code, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sl_err_vsetf(err, code, file, line, fmt, ap);
    va_end(ap);
    return rc;
}

void sl_err_clear(sl_err *err)
{
    memset(err, 0, sizeof *err);
    err->rank = -1;
}
