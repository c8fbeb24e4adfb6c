/*
 * core/log.c: levelled logging through a caller-supplied callback. The
 * library never writes to stdout or stderr itself (style.md: libraries do not
 * print), so a GUI, a server or a test can route messages where it wants.
 */
#include "romcv/core.h"

#include <stdio.h>

const char *romcv_log_level_name(RomcvLogLevel level) {
    switch (level) {
    case ROMCV_LOG_QUIET:
        return "quiet";
    case ROMCV_LOG_ERROR:
        return "error";
    case ROMCV_LOG_WARNING:
        return "warning";
    case ROMCV_LOG_INFO:
        return "info";
    case ROMCV_LOG_VERBOSE:
        return "verbose";
    case ROMCV_LOG_DEBUG:
        return "debug";
    }
    return "unknown";
}

void romcv_log(const RomcvLogger *logger, RomcvLogLevel level, const char *module, const char *fmt,
               ...) {
    if (!logger || !logger->callback || level > logger->max_level || level < ROMCV_LOG_ERROR) {
        return;
    }
    /* One stack buffer per message keeps logging reentrant and allocation
     * free; longer messages are cut, which is acceptable for a log line. */
    char message[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    logger->callback(logger->cookie, level, module ? module : "romcv", message);
}
