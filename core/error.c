/*
 * core/error.c: error codes, their names and texts, and RomcvDiag.
 * The table in romcv/core.h is the single list of romcv's own codes; errno
 * values are named through strerror_r so that ROMCV_ERR(ENOENT) reads well.
 */
#include "romcv/core.h"

#include <stdio.h>
#include <string.h>

const char *romcv_strerror(int code) {
    switch (code) {
    case 0:
        return "success";
#define ROMCV_X_TEXT(name, value, text) \
    case name:                          \
        return text;
        ROMCV_ERROR_TABLE(ROMCV_X_TEXT)
#undef ROMCV_X_TEXT
    default:
        break;
    }
    /* Negated errno. strerror() is not thread-safe and strerror_r's two
     * flavours differ, so name the values romcv actually returns and fall
     * back to a generic text for the rest. */
    switch (-code) {
    case ENOMEM:
        return "out of memory";
    case EINVAL:
        return "invalid argument";
    case ENOENT:
        return "no such file or directory";
    case EACCES:
        return "permission denied";
    case EIO:
        return "input/output error";
    case ENODEV:
        return "no such device";
    case EBUSY:
        return "device or resource busy";
    case EAGAIN:
        return "resource temporarily unavailable";
    case ERANGE:
        return "value out of range";
    case ENOSPC:
        return "no space left on device";
    case ETIMEDOUT:
        return "timed out";
    case EISDIR:
        return "is a directory";
    case ENOTDIR:
        return "not a directory";
    default:
        return "unknown error";
    }
}

const char *romcv_err_name(int code) {
    switch (code) {
    case 0:
        return "OK";
#define ROMCV_X_NAME(name, value, text) \
    case name:                          \
        return #name;
        ROMCV_ERROR_TABLE(ROMCV_X_NAME)
#undef ROMCV_X_NAME
    default:
        break;
    }
    switch (-code) {
    case ENOMEM:
        return "ENOMEM";
    case EINVAL:
        return "EINVAL";
    case ENOENT:
        return "ENOENT";
    case EACCES:
        return "EACCES";
    case EIO:
        return "EIO";
    case ENODEV:
        return "ENODEV";
    case EBUSY:
        return "EBUSY";
    case EAGAIN:
        return "EAGAIN";
    case ERANGE:
        return "ERANGE";
    case ENOSPC:
        return "ENOSPC";
    case ETIMEDOUT:
        return "ETIMEDOUT";
    case EISDIR:
        return "EISDIR";
    case ENOTDIR:
        return "ENOTDIR";
    default:
        return "UNKNOWN";
    }
}

int romcv_diag_setv(RomcvDiag *diag, int code, const char *fmt, va_list args) {
    if (diag) {
        diag->code = code;
        if (fmt) {
            vsnprintf(diag->message, sizeof diag->message, fmt, args);
        } else {
            snprintf(diag->message, sizeof diag->message, "%s", romcv_strerror(code));
        }
        /* A message is one line: a stray newline from a library would break
         * the "one clear line" rule for users. */
        for (char *c = diag->message; *c; c++) {
            if (*c == '\n' || *c == '\r') {
                *c = ' ';
            }
        }
    }
    return code;
}

int romcv_diag_set(RomcvDiag *diag, int code, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    romcv_diag_setv(diag, code, fmt, args);
    va_end(args);
    return code;
}

int romcv_diag_copy(RomcvDiag *dst, const RomcvDiag *src) {
    if (!src) {
        return 0;
    }
    if (dst && dst != src) {
        *dst = *src;
    }
    return src->code;
}

void romcv_diag_clear(RomcvDiag *diag) {
    if (diag) {
        diag->code = 0;
        diag->message[0] = '\0';
    }
}
