/* status.c - messages and exit codes for derm_status; the error record setter (which keeps
 * every message on one line). */
#include "derm/core/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

derm_status derm_err_set(struct derm_err *err, derm_status code, const char *fmt, ...)
{
    if (err) {
        /* formatted apart first: a caller may pass err->msg itself as an argument (a message
         * wrapped in context), which vsnprintf must not read while writing it */
        char buf[sizeof err->msg];
        va_list ap;
        va_start(ap, fmt);
        if (vsnprintf(buf, sizeof buf, fmt, ap) < 0) buf[0] = '\0'; /* an encoding error: no message */
        va_end(ap);
        buf[sizeof buf - 1] = '\0';
        memcpy(err->msg, buf, strlen(buf) + 1); /* the message and its end, not what follows */
        err->code = code;
        /* one line, whatever a file name, key or value held: control characters go */
        for (char *c = err->msg; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = (*c == '\n' || *c == '\r' || *c == '\t') ? ' ' : '?';
    }
    return code;
}

void derm_err_clear(struct derm_err *err)
{
    if (err) {
        err->code = DERM_OK;
        err->msg[0] = '\0';
    }
}

const char *derm_status_str(derm_status s)
{
    switch (s) {
#define DERM_X_STR(code, exit_code, msg) \
    case code:                           \
        return msg;
        DERM_STATUS_LIST(DERM_X_STR)
#undef DERM_X_STR
    default:
        return "unknown status";
    }
}

int derm_status_exit_code(derm_status s)
{
    switch (s) {
#define DERM_X_EXIT(code, exit_code, msg) \
    case code:                            \
        return exit_code;
        DERM_STATUS_LIST(DERM_X_EXIT)
#undef DERM_X_EXIT
    default:
        return 1;
    }
}
