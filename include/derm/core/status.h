/* status.h - the one list of error codes and the error record that carries a message.
 *
 * Owns: derm_status (generated from DERM_STATUS_LIST), struct derm_err, derm_err_set().
 * Does not: print, exit or abort. The library only records errors; main.c maps them to
 * exit codes (derm_status_exit_code) and prints them on stderr.
 */
#ifndef DERM_STATUS_H
#define DERM_STATUS_H

#include <stddef.h>

/* X(code, exit_code, message) */
#define DERM_STATUS_LIST(X)                                                      \
    X(DERM_OK, 0, "success")                                                     \
    X(DERM_EUSAGE, 2, "bad command-line usage")                                  \
    X(DERM_ECONFIG, 2, "invalid configuration")                                  \
    X(DERM_EIO, 1, "input/output failure")                                       \
    X(DERM_EHDF5, 1, "HDF5 failure")                                             \
    X(DERM_ECORRUPT, 1, "damaged or inconsistent file")                          \
    X(DERM_EBUSY, 1, "in use by another process")                                \
    X(DERM_ENOMEM, 1, "out of memory")                                           \
    X(DERM_ENUMERIC, 1, "numerical anomaly (NaN, negative or non-finite value)") \
    X(DERM_EINTERNAL, 1, "internal error")                                       \
    X(DERM_EINTR, 130, "interrupted")

typedef enum {
#define DERM_X_ENUM(code, exit_code, msg) code,
    DERM_STATUS_LIST(DERM_X_ENUM)
#undef DERM_X_ENUM
        DERM_STATUS_COUNT
} derm_status;

#define DERM_ERR_MSG_MAX 1024

/** Error record: the status and one human-readable line (no trailing newline). */
struct derm_err {
    derm_status code;
    char msg[DERM_ERR_MSG_MAX];
};

/** Record an error (printf-style message) and return `code` so callers can write
 *  `return derm_err_set(err, DERM_ECONFIG, "...", ...);`. `err` may be NULL. Control
 *  characters in the result (a newline in a file name or value) become ' ' or '?', so
 *  the message is always one line. */
derm_status derm_err_set(struct derm_err *err, derm_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Clear an error record to DERM_OK with an empty message. */
void derm_err_clear(struct derm_err *err);

/** Short description of a status code. */
const char *derm_status_str(derm_status s);

/** Process exit code for a status: 0 ok, 2 usage/config, 1 runtime/I-O, 130 interrupted. */
int derm_status_exit_code(derm_status s);

/** Propagate a non-OK status from an expression. */
#define DERM_TRY(expr)                                  \
    do {                                                \
        derm_status derm_try_s_ = (expr);               \
        if (derm_try_s_ != DERM_OK) return derm_try_s_; \
    } while (0)

#endif
