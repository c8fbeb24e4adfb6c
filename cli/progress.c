/* cli/progress.c: progress and JSON log lines on stderr (cli/progress.h). */
#include "cli/progress.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Redraw intervals: a terminal line reads as live at 4 per second; a batch
 * log needs no more than one line a second. */
#define TERMINAL_INTERVAL_S 0.25
#define JSON_INTERVAL_S     1.0

static double monotonic_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

RomcvCliProgressMode romcv_cli_progress_mode(const RomcvCliCommon *common, int stderr_is_terminal) {
    if (common->quiet) {
        return ROMCV_CLI_PROGRESS_OFF;
    }
    if (common->json_log) {
        return ROMCV_CLI_PROGRESS_JSON;
    }
    return stderr_is_terminal ? ROMCV_CLI_PROGRESS_TERMINAL : ROMCV_CLI_PROGRESS_OFF;
}

int64_t romcv_cli_expected_frames(const RomcvCaptureInfo *info, const RomcvCliInput *in) {
    if (info->frames_expected <= 0) {
        return -1;
    }
    int whole = in->from_s <= 0 && in->to_s < 0;
    if (whole) {
        return info->frames_expected;
    }
    if (!(info->duration_s > 0)) {
        return -1;
    }
    /* --to is inclusive: 0 to 3 s at 30 fps is 91 frames. */
    int cut = in->to_s >= 0 && in->to_s < info->duration_s;
    double end = cut ? in->to_s : info->duration_s;
    double span = end - in->from_s;
    if (span < 0) {
        return 0;
    }
    double rate = (double)info->frames_expected / info->duration_s;
    int64_t n = (int64_t)llround(span * rate) + cut;
    return n < info->frames_expected ? n : info->frames_expected;
}

/* Tenths without printf's %f, whose decimal point follows the locale: the
 * JSON must read the same in a decimal-comma locale. */
static int tenths(char *buf, size_t size, double v) {
    long long t = llround(v * 10.0);
    return snprintf(buf, size, "%lld.%lld", t / 10, t % 10);
}

static void format_time_left(char *buf, size_t size, double s) {
    long long t = llround(s);
    if (t < 60) {
        snprintf(buf, size, "%lld s", t);
    } else if (t < 3600) {
        snprintf(buf, size, "%lld min %02lld s", t / 60, t % 60);
    } else {
        snprintf(buf, size, "%lld h %02lld min", t / 3600, t % 3600 / 60);
    }
}

size_t romcv_cli_progress_format(char *buf, size_t size, RomcvCliProgressMode mode, int64_t frames,
                                 int64_t total, double elapsed_s) {
    if (size == 0) {
        return 0;
    }
    /* The rate needs some time behind it; the very first frame has none. */
    double fps = elapsed_s > 0 && frames > 0 ? (double)frames / elapsed_s : NAN;
    double eta =
        total > 0 && isfinite(fps) ? (double)(total > frames ? total - frames : 0) / fps : NAN;
    char fps_text[32] = "null", eta_text[32] = "null", total_text[32] = "null";
    if (isfinite(fps)) {
        tenths(fps_text, sizeof fps_text, fps);
    }
    if (isfinite(eta)) {
        tenths(eta_text, sizeof eta_text, eta);
    }
    if (total > 0) {
        snprintf(total_text, sizeof total_text, "%lld", (long long)total);
    }
    int n;
    if (mode == ROMCV_CLI_PROGRESS_JSON) {
        n = snprintf(buf, size,
                     "{\"progress\":{\"frame\":%lld,\"frames_total\":%s,\"fps\":%s,\"eta_s\":%s}}",
                     (long long)frames, total_text, fps_text, eta_text);
    } else {
        n = snprintf(buf, size, "romcv: frame %lld", (long long)frames);
        if (total > 0 && n >= 0 && (size_t)n < size) {
            long long percent = frames >= total ? 100 : (long long)(100 * frames / total);
            n += snprintf(buf + n, size - (size_t)n, "/%s (%lld%%)", total_text, percent);
        }
        if (isfinite(fps) && n >= 0 && (size_t)n < size) {
            n += snprintf(buf + n, size - (size_t)n, ", %s fps", fps_text);
        }
        if (isfinite(eta) && n >= 0 && (size_t)n < size) {
            char left[32];
            format_time_left(left, sizeof left, eta);
            n += snprintf(buf + n, size - (size_t)n, ", %s left", left);
        }
    }
    if (n < 0) {
        buf[0] = '\0';
        return 0;
    }
    return (size_t)n < size ? (size_t)n : size - 1;
}

static void draw(RomcvCliProgress *p, double now) {
    char line[256];
    size_t n = romcv_cli_progress_format(line, sizeof line, p->mode, p->frames, p->total,
                                         now - p->start_s);
    if (p->mode == ROMCV_CLI_PROGRESS_JSON) {
        fprintf(p->out, "%s\n", line);
    } else {
        /* Spaces cover what was longer in the previous line; the cursor
         * stays at its end so that a crash leaves the line readable. */
        int pad = p->shown > (int)n ? p->shown - (int)n : 0;
        fprintf(p->out, "\r%s%*s", line, pad, "");
        p->shown = (int)n;
    }
    fflush(p->out);
}

void romcv_cli_progress_begin(RomcvCliProgress *p, const RomcvCliContext *ctx, int64_t total) {
    memset(p, 0, sizeof *p);
    p->out = stderr;
    p->mode = romcv_cli_progress_mode(&ctx->common, isatty(STDERR_FILENO));
    p->total = total;
    p->start_s = monotonic_s();
    p->next_s = p->start_s; /* the first update draws */
}

void romcv_cli_progress_update(RomcvCliProgress *p, int64_t frames) {
    p->frames = frames;
    if (p->mode == ROMCV_CLI_PROGRESS_OFF) {
        return;
    }
    double now = monotonic_s();
    if (now < p->next_s) {
        return;
    }
    p->next_s = now + (p->mode == ROMCV_CLI_PROGRESS_JSON ? JSON_INTERVAL_S : TERMINAL_INTERVAL_S);
    draw(p, now);
}

void romcv_cli_progress_end(RomcvCliProgress *p) {
    if (p->mode == ROMCV_CLI_PROGRESS_JSON) {
        draw(p, monotonic_s());
    } else if (p->mode == ROMCV_CLI_PROGRESS_TERMINAL && p->shown > 0) {
        fprintf(p->out, "\r%*s\r", p->shown, "");
        fflush(p->out);
        p->shown = 0;
    }
    p->mode = ROMCV_CLI_PROGRESS_OFF;
}

/* ------------------------------------------------------------ JSON lines */

/* Length of the valid UTF-8 sequence at s (1 to 4 bytes), or 0 when the
 * bytes there are not one (stray continuation, overlong form, surrogate,
 * beyond U+10FFFF, cut short by the terminating NUL). */
static size_t utf8_length(const unsigned char *s) {
    unsigned c = s[0];
    if (c < 0x80) {
        return 1;
    }
    size_t n;
    unsigned long cp, min;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0; /* also stops at the NUL, never reading past it */
        }
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return n;
}

size_t romcv_cli_json_escape(char *out, size_t size, const char *text) {
    if (size == 0) {
        return 0;
    }
    size_t used = 0;
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        char piece[8];
        const char *bytes = piece;
        size_t len, advance = 1;
        if (*s == '"' || *s == '\\') {
            piece[0] = '\\', piece[1] = (char)*s, len = 2;
        } else if (*s == '\n') {
            bytes = "\\n", len = 2;
        } else if (*s == '\t') {
            bytes = "\\t", len = 2;
        } else if (*s < 0x20 || *s == 0x7f) {
            len = (size_t)snprintf(piece, sizeof piece, "\\u%04x", *s);
        } else if ((advance = utf8_length(s)) == 0) {
            bytes = "\\ufffd", len = 6, advance = 1;
        } else {
            bytes = (const char *)s, len = advance;
        }
        if (used + len + 1 > size) {
            break; /* cut between characters, never inside one */
        }
        memcpy(out + used, bytes, len);
        used += len;
        s += advance;
    }
    out[used] = '\0';
    return used;
}

void romcv_cli_log_json(void *cookie, RomcvLogLevel level, const char *module,
                        const char *message) {
    (void)cookie;
    /* romcv_log cuts messages at 1023 bytes; escaped, each byte takes at
     * most 6 ("\u001f"). */
    char escaped_module[256], escaped[6 * 1024 + 1], line[sizeof escaped + 320];
    romcv_cli_json_escape(escaped_module, sizeof escaped_module, module);
    romcv_cli_json_escape(escaped, sizeof escaped, message);
    snprintf(line, sizeof line, "{\"level\":\"%s\",\"module\":\"%s\",\"message\":\"%s\"}\n",
             romcv_log_level_name(level), escaped_module, escaped);
    /* One call per line: stderr is unbuffered, so this is one write. */
    fputs(line, stderr);
}

static void message_v(const RomcvCliContext *ctx, RomcvLogLevel level, const char *command,
                      const char *fmt, va_list args) {
    char message[1024];
    vsnprintf(message, sizeof message, fmt, args);
    if (ctx->common.json_log) {
        romcv_cli_log_json(NULL, level, command, message);
    } else {
        fprintf(stderr, "%s: %s\n", command, message);
    }
}

void romcv_cli_message(const RomcvCliContext *ctx, RomcvLogLevel level, const char *command,
                       const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    message_v(ctx, level, command, fmt, args);
    va_end(args);
}

int romcv_cli_error(const RomcvCliContext *ctx, const char *command, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    message_v(ctx, ROMCV_LOG_ERROR, command, fmt, args);
    va_end(args);
    return ROMCV_EXIT_FAILURE;
}

int romcv_cli_fail_diag(const RomcvCliContext *ctx, const char *command, const RomcvDiag *diag) {
    return romcv_cli_error(ctx, command, "%s",
                           diag->message[0] ? diag->message : romcv_strerror(diag->code));
}
